// Test app (Go): net.LookupHost (pure Go resolver when static), HTTP GET, RemoteAddr, file, env.
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

func main() {
	host, port, path, env := os.Args[1], os.Args[2], os.Args[3], os.Args[4]
	addrs, err := net.LookupHost(host)
	if err != nil {
		fmt.Println("dns=error:" + err.Error())
		os.Exit(1)
	}
	fmt.Println("dns=" + addrs[0])
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(host, port), 10*time.Second)
	if err != nil {
		fmt.Println("connect=error:" + err.Error())
		os.Exit(1)
	}
	fmt.Println("peer=" + conn.RemoteAddr().String())
	fmt.Fprintf(conn, "GET /go HTTP/1.0\r\nHost: %s\r\n\r\n", host)
	r := bufio.NewReader(conn)
	body := false
	for {
		line, err := r.ReadString('\n')
		if body && line != "" {
			fmt.Println("http=" + strings.TrimSpace(line))
			break
		}
		if strings.TrimSpace(line) == "" {
			body = true
		}
		if err != nil {
			break
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Println("file=error:" + err.Error())
	} else {
		fmt.Println("file=" + strings.SplitN(string(data), "\n", 2)[0])
	}
	v, ok := os.LookupEnv(env)
	if !ok {
		v = "(unset)"
	}
	fmt.Println("env=" + v)
}
