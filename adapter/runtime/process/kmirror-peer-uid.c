// kmirror-peer-uid: who owns the other end of a loopback TCP connection, asked of the kernel by
// exact socket (NETLINK_SOCK_DIAG, SOCK_DIAG_BY_FAMILY with a full inet_diag_sockid, not a dump).
// The kernel answers from its connection hash in O(1); reading /proc/net/tcp{,6} walks the whole
// table (milliseconds on a busy machine), too slow for a check on every relayed connection.
//
// Long-running: one request line per lookup on stdin, one answer line on stdout, in order.
//   request:  PEER_ADDRESS PEER_PORT OUR_ADDRESS OUR_PORT   (IPv4, IPv6 or ::ffff:a.b.c.d)
//   answer:   the uid | "-" when no such socket | "? reason" when the lookup itself failed
// The peer's socket has the peer's address as its source and ours as its destination. Both ends
// as v4-mapped IPv6 addresses are looked up among IPv4 connections by the kernel itself.
// Ends on end of input (its owner closed the pipe or died).
#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct lookup_request {
  struct nlmsghdr nlh;
  struct inet_diag_req_v2 req;
};

// Fills `sockid_addr` (four __be32 words) from a textual address; returns its family, or -1.
static int parse_address(const char *text, __be32 sockid_addr[4]) {
  memset(sockid_addr, 0, 4 * sizeof(__be32));
  if (strchr(text, ':')) return inet_pton(AF_INET6, text, sockid_addr) == 1 ? AF_INET6 : -1;
  return inet_pton(AF_INET, text, sockid_addr) == 1 ? AF_INET : -1;
}

static int parse_port(const char *text, __be16 *port) {
  char *end;
  long value = strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || value < 0 || value > 65535) return -1;
  *port = htons((unsigned short)value);
  return 0;
}

// One exact lookup; writes the answer line into `answer`.
static void lookup(int nl, char *line, char *answer, size_t size) {
  char *fields[4];
  char *save = NULL;
  int n = 0;
  for (char *f = strtok_r(line, " \t", &save); f && n < 4; f = strtok_r(NULL, " \t", &save)) fields[n++] = f;
  struct lookup_request rq;
  memset(&rq, 0, sizeof rq);
  if (n != 4) { snprintf(answer, size, "? expected: PEER_ADDRESS PEER_PORT OUR_ADDRESS OUR_PORT"); return; }
  int peer_family = parse_address(fields[0], rq.req.id.idiag_src);
  int our_family = parse_address(fields[2], rq.req.id.idiag_dst);
  if (peer_family < 0 || peer_family != our_family) { snprintf(answer, size, "? bad or mixed-family addresses"); return; }
  if (parse_port(fields[1], &rq.req.id.idiag_sport) || parse_port(fields[3], &rq.req.id.idiag_dport)) {
    snprintf(answer, size, "? bad port");
    return;
  }
  rq.nlh.nlmsg_len = sizeof rq;
  rq.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  rq.nlh.nlmsg_flags = NLM_F_REQUEST; // no NLM_F_DUMP: an exact lookup
  rq.req.sdiag_family = (__u8)peer_family;
  rq.req.sdiag_protocol = IPPROTO_TCP;
  rq.req.idiag_states = ~0U;
  rq.req.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
  rq.req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
  struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
  if (sendto(nl, &rq, sizeof rq, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
    snprintf(answer, size, "? send: %s", strerror(errno));
    return;
  }
  long buf[8192 / sizeof(long)];
  ssize_t len = recv(nl, buf, sizeof buf, 0);
  if (len < 0) { snprintf(answer, size, "? recv: %s", strerror(errno)); return; }
  for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)len); h = NLMSG_NEXT(h, len)) {
    if (h->nlmsg_type == NLMSG_ERROR) {
      int err = -((struct nlmsgerr *)NLMSG_DATA(h))->error;
      if (err == ENOENT) snprintf(answer, size, "-");
      else snprintf(answer, size, "? kernel: %s", strerror(err));
      return;
    }
    if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
      struct inet_diag_msg *msg = NLMSG_DATA(h);
      snprintf(answer, size, "%u", msg->idiag_uid);
      return;
    }
  }
  snprintf(answer, size, "? no answer from the kernel");
}

int main(void) {
  int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (nl < 0) {
    fprintf(stderr, "kmirror-peer-uid: netlink socket: %s\n", strerror(errno));
    return 1;
  }
  char *line = NULL;
  size_t cap = 0;
  ssize_t got;
  char answer[160];
  while ((got = getline(&line, &cap, stdin)) >= 0) {
    while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r')) line[--got] = '\0';
    lookup(nl, line, answer, sizeof answer);
    printf("%s\n", answer);
    fflush(stdout);
  }
  free(line);
  return 0;
}
