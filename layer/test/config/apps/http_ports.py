# A local HTTP server (Python) on every port given: answers "local <METHOD> <path>" and prints
# "got <METHOD> <path>"; prints "listening" once every port listens. Usage: http_ports.py PORT...
import http.server, sys, threading

class H(http.server.BaseHTTPRequestHandler):
    def answer(self):
        print(f"got {self.command} {self.path}", flush=True)
        body = f"local {self.command} {self.path}".encode()
        self.send_response(200); self.send_header("content-length", str(len(body))); self.end_headers(); self.wfile.write(body)
    do_GET = do_POST = answer
    def log_message(self, *a): pass

servers = [http.server.ThreadingHTTPServer(("0.0.0.0", int(p)), H) for p in sys.argv[1:]]
print("listening", flush=True)
for s in servers[1:]:
    threading.Thread(target=s.serve_forever, daemon=True).start()
servers[0].serve_forever()
