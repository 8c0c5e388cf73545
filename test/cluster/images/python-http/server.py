# python_http test image (issue 11, Python attach by pid): an http.server app whose handler a debugger stops in.
import http.server
import os


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        greeting = f'hello from python {self.path}'
        body = (greeting + '\n').encode()
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(('', int(os.environ.get('PORT', '8080'))), Handler).serve_forever()
