package main

import (
	"os"
	"strings"
)

// Writes 300 MiB to stdout as fast as it can, then a final marker line.
func main() {
	line := strings.Repeat("x", 1023) + "\n"
	block := []byte(strings.Repeat(line, 1024)) // 1 MiB
	for i := 0; i < 300; i++ {
		os.Stdout.Write(block)
	}
	os.Stdout.WriteString("END-OF-FLOOD\n")
}
