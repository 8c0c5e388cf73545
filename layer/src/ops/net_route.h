/* Routing of a connect or a send with an address (net_route.c): decides whether the destination
 * is the pod's, asks the proxy or uses a cached relay, then hands the call back to the op that
 * made it through its `via` function. The ops depend on the routing, never the other way. */
#ifndef KM_NET_ROUTE_H
#define KM_NET_ROUTE_H
#include "net_common.h"

/* Reads the destination (`len` bytes at `addr` in the program) and routes the call (kind: KM_NET_*). */
enum km_outcome km_net_route(struct km_call *c, int fd, uint64_t addr, uint64_t len, int kind, km_net_via via);
#endif
