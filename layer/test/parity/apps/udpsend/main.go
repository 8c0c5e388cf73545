// Sends one datagram TEXT to each HOST:PORT given (names resolved by Go's own resolver when
// built with CGO_ENABLED=0) and exits. Usage: udpsend TEXT HOST:PORT...
package main

import (
	"fmt"
	"net"
	"os"
)

func main() {
	text := os.Args[1]
	for _, dest := range os.Args[2:] {
		conn, err := net.Dial("udp", dest)
		if err != nil {
			fmt.Fprintln(os.Stderr, "dial:", err)
			os.Exit(1)
		}
		if _, err := conn.Write([]byte(text + "@" + dest)); err != nil {
			fmt.Fprintln(os.Stderr, "write:", err)
			os.Exit(1)
		}
	}
}
