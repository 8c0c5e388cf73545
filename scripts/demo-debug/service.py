# The demo's small service: answers GET /hello/<name> with a greeting that uses GREETING from its
# environment (which kmirror takes from the target) and exits with code 3 on GET /quit.
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

GREETING = os.environ.get("GREETING", "hello")


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        name = self.path.rsplit("/", 1)[-1]
        reply = f"{GREETING}, {name}\n"  # line 12: the demo's breakpoint
        self.send_response(200)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply.encode())
        if self.path == "/quit":
            self.wfile.flush()
            os._exit(3)

    def log_message(self, *args):
        pass


server = HTTPServer(("0.0.0.0", int(os.environ.get("PORT", "8080"))), Handler)
print("service listening on", server.server_address[1], flush=True)
server.serve_forever()
