# Test app (Python): resolve, GET, getpeername, file, env; prints key=value lines.
import os, socket, sys
host, port, path, env = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ip = socket.getaddrinfo(host, port, socket.AF_INET, socket.SOCK_STREAM)[0][4][0]
print(f"dns={ip}")
s = socket.create_connection((host, port), timeout=10)
print("peer=%s:%d" % s.getpeername())
s.sendall(f"GET /py HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk: break
    data += chunk
print("http=" + data.split(b"\r\n\r\n", 1)[1].decode().splitlines()[0])
with open(path) as f: print("file=" + f.readline().strip())
print("env=" + os.environ.get(env, "(unset)"))
