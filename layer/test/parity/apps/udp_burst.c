/* Sends `count` datagrams "<tag>-<i>" (the last one "<tag>-last") to HOST:PORT and exits at once:
 * a program whose last datagram leaves as it ends. Usage: udp_burst HOST PORT TAG COUNT */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 5) { fprintf(stderr, "usage: udp_burst HOST PORT TAG COUNT\n"); return 2; }
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *ai;
	int rc = getaddrinfo(argv[1], argv[2], &hints, &ai);
	if (rc) { fprintf(stderr, "getaddrinfo: %s\n", gai_strerror(rc)); return 1; }
	int fd = socket(ai->ai_family, SOCK_DGRAM, 0);
	int count = atoi(argv[4]);
	char msg[256];
	for (int i = 1; i <= count; i++) {
		if (i == count) snprintf(msg, sizeof msg, "%s-last", argv[3]);
		else snprintf(msg, sizeof msg, "%s-%d", argv[3], i);
		if (sendto(fd, msg, strlen(msg), 0, ai->ai_addr, ai->ai_addrlen) < 0) { perror("sendto"); return 1; }
	}
	_exit(0);
}
