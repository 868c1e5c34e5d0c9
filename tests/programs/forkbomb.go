package main

import (
	"fmt"
	"os/exec"
	"time"
)

// Starts sleeping child processes until something stops it.
func main() {
	for i := 0; ; i++ {
		if err := exec.Command("sleep", "60").Start(); err != nil {
			fmt.Println("start failed after", i, "children:", err)
			time.Sleep(time.Hour)
		}
		if i%10 == 0 {
			fmt.Println("children:", i)
		}
	}
}
