// In DIR: mkdir P-dir, rename P-old -> P-new, remove P-gone, remove P-empty (a directory), then
// prints the statfs block count of DIR. Usage: fsops DIR P
package main

import (
	"fmt"
	"os"
	"syscall"
)

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func main() {
	dir, p := os.Args[1], os.Args[2]
	must(os.Mkdir(dir+"/"+p+"-dir", 0o755))
	must(os.Rename(dir+"/"+p+"-old", dir+"/"+p+"-new"))
	must(os.Remove(dir + "/" + p + "-gone"))
	must(os.Remove(dir + "/" + p + "-empty"))
	var st syscall.Statfs_t
	must(syscall.Statfs(dir, &st))
	fmt.Printf("blocks=%d bsize=%d\n", st.Blocks, st.Bsize)
}
