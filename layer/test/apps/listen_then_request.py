# Test app (Python): listens on HOST:PORT (answers "local-answer <path>"), then, right after
# listen() returned, sends one request to TARGET_HOST:TARGET_PORT and prints "answer=<body>".
import socket, sys, threading
host, port, target_host, target_port = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((host, port))
srv.listen(16)

def serve():
    while True:
        conn, _ = srv.accept()
        request = conn.recv(4096).split(b"\r\n")[0].decode()
        print("got " + request, flush=True)
        body = ("local-answer " + request.split(" ")[1] + "\n").encode()
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
        conn.close()

threading.Thread(target=serve, daemon=True).start()
s = socket.create_connection((target_host, target_port), timeout=10)
s.sendall(b"GET /first HTTP/1.1\r\nHost: target\r\nConnection: close\r\n\r\n")
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk: break
    data += chunk
print("answer=" + data.split(b"\r\n\r\n", 1)[1].decode().strip(), flush=True)
