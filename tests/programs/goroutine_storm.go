package main

import (
	"fmt"
	"runtime"
	"sync"
)

// Starts 100,000 goroutines (200,000 need more than the default 512 MiB: each starts with a 2 KiB stack plus its g) that each block until all have started.
func main() {
	const n = 100000
	var wg sync.WaitGroup
	start := make(chan struct{})
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			defer wg.Done()
			<-start
		}()
	}
	fmt.Println("goroutines:", runtime.NumGoroutine())
	close(start)
	wg.Wait()
	fmt.Println("all done")
}
