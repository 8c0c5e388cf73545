/* Frames from the local proxy (varint length + one ProxyMessage), decoded from a byte buffer.
 * No socket here: proxy_conn.c fills the buffer from the socket, the fuzz harness
 * (layer/fuzz/) from its input, so both run the same decoding code. */
#ifndef KM_PROXY_FRAMES_H
#define KM_PROXY_FRAMES_H
#include <stddef.h>
#include "layer.pb-c.h"

/* Largest frame accepted (file contents come whole in one OpenAnswer). */
#define KM_MAX_FRAME (256u << 20)

struct km_frames { unsigned char *buf; size_t len, cap; };

/* Makes room for at least `room` more bytes at buf + len; -1 when out of memory. */
int km_frames_reserve(struct km_frames *f, size_t room);
/* One message from the front of the buffer: 1 and *msg set (free with
 * kmirror__layer__v1__proxy_message__free_unpacked), 0 if incomplete, -1 if malformed. */
int km_frames_take(struct km_frames *f, Kmirror__Layer__V1__ProxyMessage **msg);
void km_frames_free(struct km_frames *f);
#endif
