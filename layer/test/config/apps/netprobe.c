/* Network probe (C, glibc getaddrinfo): for each PROTO,HOST,PORT argument resolves HOST, connects
 * (tcp) or sends "hi" (udp), and prints "<arg> addr=<address> said=<first line the server sent>"
 * or "<arg> error=<reason>". Usage: netprobe tcp,HOST,PORT udp,HOST,PORT ... */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static void probe(const char *arg)
{
	char proto[8], host[256], port[16];
	if (sscanf(arg, "%7[^,],%255[^,],%15s", proto, host, port) != 3) { printf("%s error=bad-argument\n", arg); return; }
	int udp = !strcmp(proto, "udp");
	struct addrinfo hints = { .ai_socktype = udp ? SOCK_DGRAM : SOCK_STREAM }, *ai;
	int rc = getaddrinfo(host, port, &hints, &ai);
	if (rc) { printf("%s error=dns:%s\n", arg, gai_strerror(rc)); return; }
	char addr[INET6_ADDRSTRLEN];
	void *raw = ai->ai_family == AF_INET6 ? (void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr : (void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;
	inet_ntop(ai->ai_family, raw, addr, sizeof addr);
	int fd = socket(ai->ai_family, ai->ai_socktype, 0);
	struct timeval tv = { .tv_sec = 10 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen)) { printf("%s error=connect:%s\n", arg, strerror(errno)); close(fd); freeaddrinfo(ai); return; }
	freeaddrinfo(ai);
	if (udp && send(fd, "hi", 2, 0) != 2) { printf("%s error=send:%s\n", arg, strerror(errno)); close(fd); return; }
	char buf[512];
	ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
	close(fd);
	if (n < 0) { printf("%s error=recv:%s\n", arg, strerror(errno)); return; }
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	printf("%s addr=%s said=%s\n", arg, addr, buf);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++) probe(argv[i]);
	return 0;
}
