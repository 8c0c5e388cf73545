// Test app "kmirror-test/go-http": a statically linked Go HTTP server answering JSON that names itself, the pod
// and the request. PORT (default 8080), MESSAGE (default "hello from go-http"). Exits at once on TERM (PID 1).
package main

import (
	"encoding/json"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	port := envOr("PORT", "8080")
	message := envOr("MESSAGE", "hello from go-http")
	host, _ := os.Hostname()
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		w.Header().Set("content-type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"app": "go-http", "message": message, "pod": host,
			"method": r.Method, "url": r.URL.String(), "bodyBytes": n})
	})
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() { <-stop; os.Exit(0) }()
	log.Printf("go-http listening on %s", port)
	log.Fatal(http.ListenAndServe(":"+port, nil))
}

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}
