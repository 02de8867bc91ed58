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

/*
 * Where reads land while no frame is in flight: one buffer for every
 * framer of the process (each daemon is single threaded).  Large
 * enough for one largest frame and its prefix, and a read of many
 * small frames at once.
 */
#define SCRATCH_LEN	(FRAMER_HDR_LEN + FRAMER_MAX_BODY)
static uint8_t		 scratch[SCRATCH_LEN];
static struct framer	*scratch_owner;

static const uint8_t *
framer_data(const struct framer *f)
{
	return f->scratch ? scratch : f->buf;
}

/* Give the scratch buffer back: wiped up to where it was used. */
static void
scratch_release(struct framer *f)
{
	if (!f->scratch)
		return;
	explicit_bzero(scratch, f->end);
	f->scratch = 0;
	f->start = f->end = 0;
	scratch_owner = NULL;
}

static void
own_free(struct framer *f)
{
	if (f->buf != NULL) {
		explicit_bzero(f->buf, f->cap);
		free(f->buf);
	}
	f->buf = NULL;
	f->cap = 0;
}

/*
 * Make the unread bytes the framer's own, in a buffer of at least need
 * bytes, at its start.  Grown by hand rather than with realloc, so
 * that the old copy is wiped before it is freed.  -1 if out of memory
 * (nothing changed).
 */
static int
own_keep(struct framer *f, size_t need)
{
	const uint8_t	*src = framer_data(f);
	size_t		 have = f->end - f->start;
	uint8_t		*nb;

	if (need < have)
		need = have;
	if (!f->scratch && f->buf != NULL && f->cap >= need) {
		if (f->start > 0 && have > 0)
			memmove(f->buf, f->buf + f->start, have);
		f->start = 0;
		f->end = have;
		return 0;
	}
	if ((nb = malloc(need)) == NULL)
		return -1;
	if (have > 0)
		memcpy(nb, src + f->start, have);
	/* src is the scratch buffer or f's own: either way it goes now. */
	if (f->scratch)
		scratch_release(f);
	else
		own_free(f);
	f->buf = nb;
	f->cap = need;
	f->start = 0;
	f->end = have;
	return 0;
}

/* The length field at start, if both its bytes are in; else 0. */
static size_t
framer_blen(const struct framer *f)
{
	const uint8_t	*d = framer_data(f);

	if (f->end - f->start < FRAMER_HDR_LEN)
		return 0;
	return get_be16(d + f->start);
}

int
framer_init(struct framer *f, size_t max)
{
	memset(f, 0, sizeof(*f));
	if (max == 0 || max > FRAMER_MAX_BODY) {
		errno = EINVAL;
		return -1;
	}
	f->max = max;
	return 0;
}

void
framer_free(struct framer *f)
{
	scratch_release(f);
	own_free(f);
	memset(f, 0, sizeof(*f));
}

void
framer_reset(struct framer *f)
{
	scratch_release(f);
	own_free(f);
	f->start = f->end = 0;
	f->broken = 0;
	f->nomem = 0;
}

size_t
framer_space(struct framer *f)
{
	if (f->max == 0)
		return 0;
	/* Room as if the framer had its largest buffer: append makes it. */
	return FRAMER_HDR_LEN + f->max - (f->end - f->start);
}

size_t
framer_append(struct framer *f, const void *data, size_t len)
{
	size_t	 room = framer_space(f);

	if (len > room)
		len = room;
	if (len == 0)
		return 0;
	if (own_keep(f, FRAMER_HDR_LEN + f->max) == -1) {
		f->nomem = 1;
		return 0;
	}
	memcpy(f->buf + f->end, data, len);
	f->end += len;
	return len;
}

ssize_t
framer_read_fd(struct framer *f, int fd, size_t limit)
{
	size_t	 have, blen, room, need;
	uint8_t	*dst;
	ssize_t	 n;

	if (f->max == 0) {
		errno = EINVAL;
		return -1;
	}
	/*
	 * A caller that did not take every frame of another connection
	 * before reading this one: that one keeps its bytes in its own
	 * buffer now, before the scratch is read into again.
	 */
	if (scratch_owner != NULL && scratch_owner != f &&
	    own_keep(scratch_owner, FRAMER_HDR_LEN + scratch_owner->max) == -1)
		scratch_owner->nomem = 1;
	/*
	 * Frames left untaken in the scratch buffer: they become ours, in
	 * a largest buffer, and we read behind them as far as it goes.
	 */
	if (f->scratch && own_keep(f, FRAMER_HDR_LEN + f->max) == -1) {
		f->nomem = 1;
		errno = ENOMEM;
		return -1;
	}
	have = f->end - f->start;
	blen = framer_blen(f);
	if (have < FRAMER_HDR_LEN) {
		/* Not even a length: read into the scratch behind it. */
		if (have > 0)
			memcpy(scratch, f->buf + f->start, have);
		own_free(f);
		f->scratch = 1;
		scratch_owner = f;
		f->start = 0;
		f->end = have;
		dst = scratch + have;
		room = SCRATCH_LEN - have;
	} else {
		/*
		 * A frame begun: read its rest into the connection's own
		 * buffer (a largest one if a whole frame waits untaken).
		 */
		need = FRAMER_HDR_LEN + (have >= FRAMER_HDR_LEN + blen ?
		    f->max : blen);
		if (own_keep(f, need > f->cap ? need : f->cap) == -1) {
			f->nomem = 1;
			errno = ENOMEM;
			return -1;
		}
		dst = f->buf + f->end;
		if ((room = f->cap - f->end) == 0) {
			errno = ENOBUFS;	/* a complete frame waits */
			return -1;
		}
	}
	if (limit != 0 && limit < room)
		room = limit;
	do {
		n = read(fd, dst, room);
	} while (n == -1 && errno == EINTR);
	if (n > 0) {
		f->end += (size_t)n;
		return n;
	}
	/* Nothing came: the byte of a length kept before is ours again. */
	if (f->scratch) {
		if (f->end == 0)
			scratch_release(f);
		else if (own_keep(f, FRAMER_HDR_LEN) == -1)
			f->nomem = 1;
	}
	return n;
}

int
framer_next(struct framer *f, const uint8_t **body, size_t *len)
{
	const uint8_t	*d;
	size_t		 have, blen;

	if (f->broken || f->nomem || f->max == 0)
		return -1;
	d = framer_data(f);
	have = f->end - f->start;
	if (have >= FRAMER_HDR_LEN) {
		blen = framer_blen(f);
		if (blen == 0 || blen > f->max) {
			f->broken = 1;
			return -1;
		}
		if (have >= FRAMER_HDR_LEN + blen) {
			*body = d + f->start + FRAMER_HDR_LEN;
			*len = blen;
			f->start += FRAMER_HDR_LEN + blen;
			return 1;
		}
	}
	/*
	 * No whole frame: what is left (a frame begun, or nothing) becomes
	 * the framer's own, so the scratch buffer is free for the next
	 * connection and an idle one keeps no buffer.
	 */
	if (have == 0) {
		if (f->scratch)
			scratch_release(f);
		else
			own_free(f);
		f->start = f->end = 0;
		return 0;
	}
	if (f->scratch && own_keep(f, have >= FRAMER_HDR_LEN ?
	    FRAMER_HDR_LEN + framer_blen(f) : FRAMER_HDR_LEN) == -1) {
		f->nomem = 1;
		return -1;
	}
	return 0;
}

size_t
framer_pending(const struct framer *f)
{
	return f->end - f->start;
}

int
framer_nomem(const struct framer *f)
{
	return f->nomem;
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

/* A new queue's first buffer: a few small frames. */
#define FRAME_OUT_FIRST		512

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
		for (cap = o->cap > 0 ? o->cap : FRAME_OUT_FIRST; cap < pend + need;
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
	/* Drained: an idle connection keeps no buffer. */
	frame_out_free(o);
	return 1;
}
