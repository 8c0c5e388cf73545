/* Decoding of the proxy's frames (proxy_frames.h): the length prefix, the buffer that grows to a
 * whole frame, and protobuf-c's unpack. Bytes after a frame stay buffered for the next take. */
#include <stdlib.h>
#include <string.h>
#include "proxy_frames.h"

#define KM_FRAME_AHEAD (4u << 20)

int km_frames_reserve(struct km_frames *f, size_t room)
{
	if (f->cap - f->len >= room) return 0;
	size_t cap = f->cap ? f->cap : 131072;
	while (cap - f->len < room) cap *= 2;
	unsigned char *n = realloc(f->buf, cap);
	if (!n) return -1;
	f->buf = n;
	f->cap = cap;
	return 0;
}

int km_frames_take(struct km_frames *f, Kmirror__Layer__V1__ProxyMessage **msg)
{
	size_t len = 0, h = 0;
	for (int shift = 0;; shift += 7) {
		if (h >= f->len) return 0;
		if (shift > 28) return -1;
		unsigned char b = f->buf[h++];
		len |= (size_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) break;
	}
	if (len > KM_MAX_FRAME) return -1;
	if (f->len - h < len) {
		/* incomplete: room for the frame now (reads then fill it without copies), but at most
		 * KM_FRAME_AHEAD: memory follows the bytes that came, not what a prefix claims */
		size_t missing = h + len - f->len;
		return km_frames_reserve(f, missing < KM_FRAME_AHEAD ? missing : KM_FRAME_AHEAD) ? -1 : 0;
	}
	*msg = kmirror__layer__v1__proxy_message__unpack(NULL, len, f->buf + h);
	memmove(f->buf, f->buf + h + len, f->len - h - len);
	f->len -= h + len;
	return *msg ? 1 : -1;
}

void km_frames_free(struct km_frames *f)
{
	free(f->buf);
	*f = (struct km_frames){ 0 };
}
