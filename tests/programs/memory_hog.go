package main

import "fmt"

var sink [][]byte

// Allocates and touches 16 MiB at a time, keeping everything alive.
func main() {
	for i := 1; ; i++ {
		b := make([]byte, 16<<20)
		for j := range b {
			b[j] = byte(j)
		}
		sink = append(sink, b)
		if i%8 == 0 {
			fmt.Println("allocated MiB:", i*16)
		}
	}
}
