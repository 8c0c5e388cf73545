// Test app "kmirror-test/udp-echo": a statically linked UDP echo server; every datagram is sent back unchanged.
// PORT (default 9090). Exits at once on TERM (it runs as PID 1).
package main

import (
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "9090"
	}
	conn, err := net.ListenPacket("udp", ":"+port)
	if err != nil {
		log.Fatal(err)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() { <-stop; os.Exit(0) }()
	log.Printf("udp-echo listening on %s", port)
	buf := make([]byte, 65535)
	for {
		n, from, err := conn.ReadFrom(buf)
		if err != nil {
			log.Fatal(err)
		}
		conn.WriteTo(buf[:n], from)
	}
}
