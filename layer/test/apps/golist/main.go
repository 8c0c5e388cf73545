// Test app (Go): lists a directory with os.ReadDir (openat without O_DIRECTORY, then getdents64)
// and prints "readdir=name:type,..." (type from d_type: d directory, l symlink, f other) and the
// size of the first regular entry (lstat through the entry).
package main

import (
	"fmt"
	"os"
	"strings"
)

func main() {
	entries, err := os.ReadDir(os.Args[1])
	if err != nil {
		fmt.Println("error=" + err.Error())
		os.Exit(1)
	}
	var parts []string
	for _, e := range entries {
		kind := "f"
		if e.IsDir() {
			kind = "d"
		} else if e.Type()&os.ModeSymlink != 0 {
			kind = "l"
		} else if info, err := e.Info(); err == nil {
			fmt.Printf("size.%s=%d\n", e.Name(), info.Size())
		}
		parts = append(parts, e.Name()+":"+kind)
	}
	fmt.Println("readdir=" + strings.Join(parts, ","))
}
