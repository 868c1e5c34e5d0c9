package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Println("about to exit with status 3")
	os.Exit(3)
}
