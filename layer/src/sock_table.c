/* What the supervisor remembers about redirected sockets, keyed by socket inode (unique while
 * the socket lives, so fd reuse after close cannot confuse it):
 *   - the peer the program asked for (answers getpeername, fixes recvfrom sources);
 *   - the UDP relays the proxy assigned per remote address (cached: every later send to that
 *     address goes straight to its relay without asking the proxy).
 * Fixed-size tables: an old entry is overwritten when its slot is needed (a stale entry can
 * only belong to a closed socket). */
#include <string.h>
#include <netinet/in.h>
#include "km.h"

#define SOCK_SLOTS 4096
struct sock_entry { unsigned long ino; socklen_t len; struct sockaddr_storage peer; };
static struct sock_entry socks[SOCK_SLOTS];

static struct sock_entry *slot(unsigned long ino) { return &socks[(ino * 2654435761u) % SOCK_SLOTS]; }

void km_sock_remember(unsigned long ino, const struct sockaddr *peer, socklen_t len)
{
	if (!ino) return;
	struct sock_entry *e = slot(ino);
	e->ino = ino;
	if (len > sizeof e->peer) len = sizeof e->peer;
	e->len = peer ? len : 0;
	if (peer) memcpy(&e->peer, peer, len);
}

bool km_sock_known(unsigned long ino) { return ino && slot(ino)->ino == ino; }

const struct sockaddr_storage *km_sock_peer(unsigned long ino, socklen_t *len)
{
	struct sock_entry *e = slot(ino);
	if (!ino || e->ino != ino || !e->len) return NULL;
	*len = e->len;
	return &e->peer;
}

#define RELAY_SLOTS 256
struct relay { bool used; struct sockaddr_storage remote, relay; socklen_t rlen, llen; };
static struct relay relays[RELAY_SLOTS];
static unsigned relay_next;

/* Compares family, address and port (v4 and v4-mapped forms of one address are different keys:
 * each gets its own relay answer, which is harmless). */
static bool same_addr(const struct sockaddr *a, const struct sockaddr_storage *b)
{
	if (a->sa_family != b->ss_family) return false;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
	return x->sin6_port == y->sin6_port && !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr);
}

void km_relay_remember(const struct sockaddr *remote, socklen_t rlen, const struct sockaddr *relay, socklen_t llen)
{
	struct relay *r = &relays[relay_next++ % RELAY_SLOTS];
	r->used = true;
	memcpy(&r->remote, remote, rlen); r->rlen = rlen;
	memcpy(&r->relay, relay, llen); r->llen = llen;
}

bool km_relay_for(const struct sockaddr *remote, struct sockaddr_storage *relay, socklen_t *len)
{
	for (unsigned i = 0; i < RELAY_SLOTS; i++) {
		if (relays[i].used && same_addr(remote, &relays[i].remote)) {
			*relay = relays[i].relay; *len = relays[i].llen;
			return true;
		}
	}
	return false;
}

bool km_relay_unmap(struct sockaddr_storage *addr, socklen_t *len)
{
	for (unsigned i = 0; i < RELAY_SLOTS; i++) {
		if (relays[i].used && same_addr((struct sockaddr *)addr, &relays[i].relay)) {
			*addr = relays[i].remote; *len = relays[i].rlen;
			return true;
		}
	}
	return false;
}
