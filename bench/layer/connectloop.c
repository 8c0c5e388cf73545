// Layer bench helper: N x (connect to IP:PORT, send a request, read the first byte, close);
// prints µs per connection.   connectloop IP PORT N
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 4) return 2;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[2])) };
	inet_pton(AF_INET, argv[1], &sa.sin_addr);
	int n = atoi(argv[3]);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < n; i++) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(s, (struct sockaddr *)&sa, sizeof sa)) { perror("connect"); return 1; }
		const char req[] = "GET /bench HTTP/1.0\r\n\r\n";
		char c;
		if (write(s, req, sizeof req - 1) < 0 || read(s, &c, 1) != 1) return 1;
		close(s);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / n);
	return 0;
}
