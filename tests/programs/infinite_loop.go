package main

import "fmt"

func main() {
	fmt.Println("looping forever")
	n := 0
	for {
		n++
	}
}
