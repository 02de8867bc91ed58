/*
 * Frames on a node-to-hub TCP stream (see framer.h).  Linked into the
 * unit test on its own: no logging, no libsodium.
 */
#include "autoconf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat/bytes.h"
#include "proto/framer.h"

static size_t
framer_cap(const struct framer *f)
{
	return FRAMER_HDR_LEN + f->max;
}

int
framer_init(struct framer *f, size_t max)
{
	memset(f, 0, sizeof(*f));
	if (max == 0 || max > FRAMER_MAX_BODY) {
		errno = EINVAL;
		return -1;
	}
	if ((f->buf = malloc(FRAMER_HDR_LEN + max)) == NULL)
		return -1;
	f->max = max;
	return 0;
}

void
framer_free(struct framer *f)
{
	if (f->buf != NULL) {
		explicit_bzero(f->buf, framer_cap(f));
		free(f->buf);
	}
	memset(f, 0, sizeof(*f));
}

void
framer_reset(struct framer *f)
{
	if (f->buf != NULL)
		explicit_bzero(f->buf, framer_cap(f));
	f->start = f->end = 0;
	f->broken = 0;
}

/*
 * Move the unread rest to the front.  Only the part of the last frame
 * that is still incomplete is ever moved, so this copies at most
 * 1 + max bytes, and rarely: usually the buffer is empty by now.
 */
static void
framer_compact(struct framer *f)
{
	if (f->start == 0)
		return;
	if (f->start < f->end)
		memmove(f->buf, f->buf + f->start, f->end - f->start);
	f->end -= f->start;
	f->start = 0;
}

size_t
framer_space(struct framer *f)
{
	if (f->buf == NULL)
		return 0;
	framer_compact(f);
	return framer_cap(f) - f->end;
}

size_t
framer_append(struct framer *f, const void *data, size_t len)
{
	size_t	 room = framer_space(f);

	if (len > room)
		len = room;
	if (len > 0) {
		memcpy(f->buf + f->end, data, len);
		f->end += len;
	}
	return len;
}

ssize_t
framer_read_fd(struct framer *f, int fd, size_t limit)
{
	size_t	 room = framer_space(f);
	ssize_t	 n;

	if (room == 0) {
		errno = ENOBUFS;
		return -1;
	}
	if (limit != 0 && limit < room)
		room = limit;
	do {
		n = read(fd, f->buf + f->end, room);
	} while (n == -1 && errno == EINTR);
	if (n > 0)
		f->end += (size_t)n;
	return n;
}

int
framer_next(struct framer *f, const uint8_t **body, size_t *len)
{
	size_t	 have, blen;

	if (f->broken || f->buf == NULL)
		return -1;
	have = f->end - f->start;
	if (have < FRAMER_HDR_LEN) {
		/* Empty: start over at the front, no copy needed. */
		if (have == 0)
			f->start = f->end = 0;
		return 0;
	}
	blen = get_be16(f->buf + f->start);
	if (blen == 0 || blen > f->max) {
		f->broken = 1;
		return -1;
	}
	if (have < FRAMER_HDR_LEN + blen)
		return 0;
	*body = f->buf + f->start + FRAMER_HDR_LEN;
	*len = blen;
	f->start += FRAMER_HDR_LEN + blen;
	return 1;
}

size_t
framer_pending(const struct framer *f)
{
	return f->end - f->start;
}

int
framer_put_len(uint8_t hdr[FRAMER_HDR_LEN], size_t len)
{
	if (len == 0 || len > FRAMER_MAX_BODY) {
		errno = EMSGSIZE;
		return -1;
	}
	put_be16(hdr, (uint16_t)len);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Sending */

/* A drained queue keeps a buffer of at most this size for the next frames. */
#define FRAME_OUT_KEEP		(64 * 1024)

void
frame_out_init(struct frame_out *o, size_t limit)
{
	memset(o, 0, sizeof(*o));
	o->limit = limit;
}

void
frame_out_free(struct frame_out *o)
{
	size_t	 limit = o->limit;

	if (o->buf != NULL) {
		explicit_bzero(o->buf, o->cap);
		free(o->buf);
	}
	frame_out_init(o, limit);
}

size_t
frame_out_pending(const struct frame_out *o)
{
	return o->len - o->off;
}

/*
 * Grown by hand rather than with realloc, so that the old copy is
 * wiped before it is freed.
 */
int
frame_out_add(struct frame_out *o, const void *body, size_t len)
{
	size_t		 need = FRAMER_HDR_LEN + len, pend, cap;
	uint8_t		*nb;

	if (len == 0 || len > FRAMER_MAX_BODY) {
		errno = EMSGSIZE;
		return -1;
	}
	pend = frame_out_pending(o);
	if (need > o->limit || pend > o->limit - need) {
		errno = ENOBUFS;
		return -1;
	}
	if (o->cap - o->len < need && o->off > 0) {
		memmove(o->buf, o->buf + o->off, pend);
		o->len = pend;
		o->off = 0;
	}
	if (o->cap - o->len < need) {
		for (cap = o->cap > 0 ? o->cap : 4096; cap < pend + need;
		    cap *= 2)
			;
		if ((nb = malloc(cap)) == NULL)
			return -1;
		if (o->buf != NULL) {
			memcpy(nb, o->buf + o->off, pend);
			explicit_bzero(o->buf, o->cap);
			free(o->buf);
		}
		o->buf = nb;
		o->cap = cap;
		o->off = 0;
		o->len = pend;
	}
	(void)framer_put_len(o->buf + o->len, len);
	memcpy(o->buf + o->len + FRAMER_HDR_LEN, body, len);
	o->len += need;
	return 0;
}

int
frame_out_write(struct frame_out *o, int fd, uint64_t *written)
{
	ssize_t	 n;

	while (frame_out_pending(o) > 0) {
		n = write(fd, o->buf + o->off, frame_out_pending(o));
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		o->off += (size_t)n;
		if (written != NULL)
			*written += (uint64_t)n;
	}
	/* Drained: start over at the front, and give a large buffer back. */
	o->off = o->len = 0;
	if (o->cap > FRAME_OUT_KEEP)
		frame_out_free(o);
	return 1;
}
