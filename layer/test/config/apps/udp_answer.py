# A local UDP server (Python) on PORT: answers each datagram with "local <datagram>" and prints
# "got <datagram>"; prints "listening" once bound. Usage: udp_answer.py PORT
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
print("listening", flush=True)
while True:
    data, peer = s.recvfrom(2048)
    print("got " + data.decode(), flush=True)
    s.sendto(b"local " + data, peer)
