package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// Reads lines from stdin and prints them upper-cased, then a count.
func main() {
	sc := bufio.NewScanner(os.Stdin)
	n := 0
	for sc.Scan() {
		fmt.Println(strings.ToUpper(sc.Text()))
		n++
	}
	fmt.Println("lines:", n)
}
