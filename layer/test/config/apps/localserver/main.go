// A local server (Go; built static): "http PORT..." answers "local <METHOD> <path>" on every port,
// "udp PORT" answers each datagram with "local <datagram>"; both print "got <...>" per request
// and "listening" once every port listens.
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
)

func main() {
	if os.Args[1] == "udp" {
		conn, err := net.ListenPacket("udp4", "0.0.0.0:"+os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println("listening")
		buf := make([]byte, 2048)
		for {
			n, peer, err := conn.ReadFrom(buf)
			if err != nil {
				os.Exit(1)
			}
			fmt.Println("got " + string(buf[:n]))
			conn.WriteTo(append([]byte("local "), buf[:n]...), peer)
		}
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("got " + r.Method + " " + r.URL.RequestURI())
		fmt.Fprintf(w, "local %s %s", r.Method, r.URL.RequestURI())
	})
	var listeners []net.Listener
	for _, port := range os.Args[2:] {
		l, err := net.Listen("tcp4", "0.0.0.0:"+port)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		listeners = append(listeners, l)
	}
	fmt.Println("listening")
	for _, l := range listeners[1:] {
		go http.Serve(l, handler)
	}
	http.Serve(listeners[0], handler)
}
