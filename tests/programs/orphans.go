package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Tries three ways to leave processes behind, then exits at once:
// a child in a new session (escapes the process group), a double fork
// through the shell, and a new-session child with an empty environment.
func main() {
	a := exec.Command("sleep", "300")
	a.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	b := exec.Command("sh", "-c", "sleep 301 &")
	c := exec.Command("sleep", "302")
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	c.Env = []string{}
	for _, cmd := range []*exec.Cmd{a, b, c} {
		if err := cmd.Start(); err != nil {
			fmt.Println("start:", err)
			os.Exit(1)
		}
		fmt.Println("started pid", cmd.Process.Pid)
	}
	b.Wait()
	if len(os.Args) > 1 && os.Args[1] == "linger" {
		time.Sleep(300 * time.Millisecond)
	}
	fmt.Println("parent exits")
}
