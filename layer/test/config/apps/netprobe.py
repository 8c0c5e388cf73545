# Network probe (Python, getaddrinfo): same arguments and output as netprobe.c.
import socket, sys

for arg in sys.argv[1:]:
    proto, host, port = arg.split(",")
    kind = socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM
    try:
        family, _, _, _, sockaddr = socket.getaddrinfo(host, int(port), 0, kind)[0]
    except OSError as e:
        print(f"{arg} error=dns:{e}", flush=True)
        continue
    try:
        s = socket.socket(family, kind)
        s.settimeout(10)
        s.connect(sockaddr)
        if proto == "udp":
            s.send(b"hi")
        said = s.recv(512).decode().split("\n")[0]
        s.close()
        print(f"{arg} addr={sockaddr[0]} said={said}", flush=True)
    except OSError as e:
        print(f"{arg} error={e}", flush=True)
