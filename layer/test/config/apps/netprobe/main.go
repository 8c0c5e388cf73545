// Network probe (Go; built static, its own resolver): same arguments and output as netprobe.c.
package main

import (
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

func probe(arg string) string {
	parts := strings.Split(arg, ",")
	if len(parts) != 3 {
		return "error=bad-argument"
	}
	conn, err := net.DialTimeout(parts[0], net.JoinHostPort(parts[1], parts[2]), 10*time.Second)
	if err != nil {
		return "error=" + err.Error()
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if parts[0] == "udp" {
		if _, err := conn.Write([]byte("hi")); err != nil {
			return "error=" + err.Error()
		}
	}
	buf := make([]byte, 512)
	n, err := conn.Read(buf)
	if err != nil {
		return "error=" + err.Error()
	}
	host, _, _ := net.SplitHostPort(conn.RemoteAddr().String())
	return "addr=" + host + " said=" + strings.SplitN(string(buf[:n]), "\n", 2)[0]
}

func main() {
	for _, arg := range os.Args[1:] {
		fmt.Println(arg + " " + probe(arg))
	}
}
