// Test app (C, glibc resolver): resolves a name, GETs http://NAME:PORT/c, checks getpeername,
// reads a file and an env var; prints key=value lines.
//   probe HOST PORT FILE ENV                 one round
//   probe HOST PORT FILE ENV --threads       the round in 4 threads of a forked child
//   probe HOST PORT FILE ENV --wait TRIGGER  one round, wait for TRIGGER to exist, then connect again
//                                            to the address resolved in the first round
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *host, *port, *file, *envname;
static char first_ip[64];

static int round_trip(const char *tag, char *out, size_t max)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res;
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc) { snprintf(out, max, "%sdns=error:%s\n", tag, gai_strerror(rc)); return -1; }
	char ip[64];
	inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, ip, sizeof ip);
	if (!first_ip[0]) snprintf(first_ip, sizeof first_ip, "%s", ip);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(s, res->ai_addr, res->ai_addrlen)) {
		snprintf(out, max, "%sdns=%s\n%sconnect=error:%s\n", tag, ip, tag, strerror(errno));
		freeaddrinfo(res); close(s); return -1;
	}
	freeaddrinfo(res);
	struct sockaddr_in peer; socklen_t plen = sizeof peer;
	getpeername(s, (struct sockaddr *)&peer, &plen);
	char pip[64]; inet_ntop(AF_INET, &peer.sin_addr, pip, sizeof pip);
	char req[256];
	int n = snprintf(req, sizeof req, "GET /c HTTP/1.0\r\nHost: %s\r\n\r\n", host);
	if (write(s, req, n) != n) { snprintf(out, max, "%shttp=error:write\n", tag); close(s); return -1; }
	char buf[4096]; size_t got = 0; ssize_t r;
	while ((r = read(s, buf + got, sizeof buf - 1 - got)) > 0) got += r;
	buf[got] = 0; close(s);
	char *body = strstr(buf, "\r\n\r\n"); body = body ? body + 4 : buf;
	body[strcspn(body, "\n")] = 0;
	snprintf(out, max, "%sdns=%s\n%speer=%s:%d\n%shttp=%s\n", tag, ip, tag, pip, ntohs(peer.sin_port), tag, body);
	return 0;
}

static void *thread_main(void *arg)
{
	char out[8192], tag[16];
	snprintf(tag, sizeof tag, "t%ld.", (long)arg);
	round_trip(tag, out, sizeof out);
	fputs(out, stdout);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 5) { fprintf(stderr, "usage: probe HOST PORT FILE ENV [--threads | --wait TRIGGER]\n"); return 2; }
	host = argv[1]; port = argv[2]; file = argv[3]; envname = argv[4];
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 5 && !strcmp(argv[5], "--threads")) {
		pid_t c = fork();
		if (c == 0) {
			pthread_t t[4];
			for (long i = 0; i < 4; i++) pthread_create(&t[i], NULL, thread_main, (void *)i);
			for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
			_exit(0);
		}
		int st; waitpid(c, &st, 0);
		return WEXITSTATUS(st);
	}
	char out[8192];
	round_trip("", out, sizeof out);
	fputs(out, stdout);
	FILE *f = fopen(file, "r");
	char line[256] = "";
	if (f) { if (!fgets(line, sizeof line, f)) line[0] = 0; fclose(f); line[strcspn(line, "\n")] = 0; printf("file=%s\n", line); }
	else printf("file=error:%s\n", strerror(errno));
	const char *e = getenv(envname);
	printf("env=%s\n", e ? e : "(unset)");
	if (argc > 6 && !strcmp(argv[5], "--wait")) {
		printf("waiting\n");
		struct stat st;
		for (int i = 0; i < 600 && stat(argv[6], &st); i++) usleep(50000);
		host = first_ip;   /* by address: the second round tests connect, not DNS */
		round_trip("second.", out, sizeof out);
		fputs(out, stdout);
		printf("done\n");
	}
	return 0;
}
