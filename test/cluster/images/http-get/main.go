// http-get URL [TIMEOUT]: prints the body of a GET, exit 1 on any error or non-2xx status. Part of the
// kmirror-test/busybox image because the static busybox wget crashes without glibc's NSS modules; this one is a
// static Go binary that resolves with Go's own resolver (/etc/resolv.conf and /etc/hosts, as a pod sees them).
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: http-get URL [TIMEOUT]")
		os.Exit(2)
	}
	timeout := 10 * time.Second
	if len(os.Args) > 2 {
		d, err := time.ParseDuration(os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, "http-get: bad timeout:", err)
			os.Exit(2)
		}
		timeout = d
	}
	client := http.Client{Timeout: timeout}
	res, err := client.Get(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "http-get:", err)
		os.Exit(1)
	}
	defer res.Body.Close()
	io.Copy(os.Stdout, res.Body)
	if res.StatusCode/100 != 2 {
		fmt.Fprintln(os.Stderr, "http-get: status", res.Status)
		os.Exit(1)
	}
}
