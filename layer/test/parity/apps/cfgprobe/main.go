// The configuration tests' Go probe (built static): `env PREFIX` prints the variables whose names
// start with PREFIX as NAME=VALUE lines, sorted; `read PATH` prints the file or "not-found";
// `write PATH TEXT` writes the file.
package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: cfgprobe env PREFIX | read PATH | write PATH TEXT")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "env":
		var lines []string
		for _, kv := range os.Environ() {
			if strings.HasPrefix(kv, os.Args[2]) {
				lines = append(lines, kv)
			}
		}
		sort.Strings(lines)
		for _, l := range lines {
			fmt.Println(l)
		}
	case "read":
		data, err := os.ReadFile(os.Args[2])
		if errors.Is(err, fs.ErrNotExist) {
			fmt.Println("not-found")
			return
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Print(string(data))
	case "write":
		if err := os.WriteFile(os.Args[2], []byte(os.Args[3]), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
