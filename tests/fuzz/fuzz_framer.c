/*
 * libFuzzer target: the node-to-hub stream framer (hub/framer.c), both
 * directions, against a model.
 *
 * Input: 4 bytes of set-up, then the stream.
 *	byte 0	bits 0-1: how the stream arrives: 0 in one piece
 *		(framer_append), 1 a byte at a time, 2 in pseudo-random
 *		pieces, 3 through a pipe with framer_read_fd and a
 *		pseudo-random read limit;
 *		bit 2: the largest body is HUB_FRAME_MAX, else bytes 1-2;
 *		bit 3: frame_out's limit is byte 3 * 16 bytes, else 1 MiB
 *	bytes 1-2  largest body, big-endian, 0 taken as 1
 *	byte 3	seed of the piece sizes, and frame_out's small limit
 *
 * The model cuts the same stream by hand: a 2-byte big-endian length,
 * 1..max bytes of body.  Every frame the framer gives must be the
 * model's next one, byte for byte; a bad length must break the framer
 * exactly where the model breaks, and for good until framer_reset; the
 * framer must never run out of space while it holds no complete frame
 * (it would stall the connection); at the end framer_pending must be
 * the model's incomplete tail.  Every frame taken is queued on a
 * frame_out and written to a pipe: what comes out must be the stream
 * up to the end of the last complete frame, and a frame over the
 * queue's limit must be refused (ENOBUFS) without changing it.
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -Ihub \
 *	    tests/fuzz/fuzz_framer.c hub/framer.c
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/framer.h"
#include "proto/hubproto.h"

#define SETUP_LEN	4

struct model {
	const uint8_t	*s;
	size_t		 len;
	size_t		 pos;		/* start of the next frame */
	size_t		 max;
};

/*
 * The model's next frame: 1 (body and length set), 0 (incomplete: the
 * stream ends inside it or its length), -1 (a bad length at pos).
 */
static int
model_next(struct model *m, const uint8_t **body, size_t *blen,
    size_t avail)
{
	size_t	have = avail - m->pos, l;

	if (have < FRAMER_HDR_LEN)
		return 0;
	l = (size_t)m->s[m->pos] << 8 | m->s[m->pos + 1];
	if (l == 0 || l > m->max)
		return -1;
	if (have < FRAMER_HDR_LEN + l)
		return 0;
	*body = m->s + m->pos + FRAMER_HDR_LEN;
	*blen = l;
	m->pos += FRAMER_HDR_LEN + l;
	return 1;
}

static uint32_t
rnd(uint32_t *x)
{
	/* xorshift32: piece sizes only need to vary, reproducibly */
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

struct run {
	struct framer	 f;
	struct frame_out o;
	struct model	 m;
	size_t		 fed;		/* stream bytes the framer has */
	int		 broken;
	int		 dropped;	/* a frame over frame_out's limit */
	uint8_t		*out;		/* what frame_out wrote */
	size_t		 outlen, outcap;
	int		 pfd[2];	/* frame_out's pipe */
};

/* Read what frame_out wrote into the pipe. */
static void
drain_out(struct run *r)
{
	ssize_t	n;

	for (;;) {
		if (r->outlen == r->outcap) {
			r->outcap = r->outcap ? r->outcap * 2 : 4096;
			if ((r->out = realloc(r->out, r->outcap)) == NULL)
				abort();
		}
		n = read(r->pfd[0], r->out + r->outlen, r->outcap - r->outlen);
		if (n > 0) {
			r->outlen += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		abort();
	}
}

static void
flush_out(struct run *r)
{
	uint64_t	written = 0;
	size_t		before = frame_out_pending(&r->o);
	int		w;

	while ((w = frame_out_write(&r->o, r->pfd[1], &written)) == 0)
		drain_out(r);
	if (w != 1 || written != before || frame_out_pending(&r->o) != 0)
		abort();
	drain_out(r);
}

static void
queue_frame(struct run *r, const uint8_t *body, size_t len)
{
	size_t	pend = frame_out_pending(&r->o);

	if (frame_out_add(&r->o, body, len) == 0) {
		if (frame_out_pending(&r->o) != pend + FRAMER_HDR_LEN + len)
			abort();
		return;
	}
	/* Refused only over the limit, and then nothing changed. */
	if (errno != ENOBUFS || pend + FRAMER_HDR_LEN + len <= r->o.limit ||
	    frame_out_pending(&r->o) != pend)
		abort();
	flush_out(r);
	if (frame_out_add(&r->o, body, len) == 0)
		return;
	/* Even an empty queue refuses a frame bigger than its limit. */
	if (errno != ENOBUFS || FRAMER_HDR_LEN + len <= r->o.limit)
		abort();
	/* This frame never goes out: no comparison of the output. */
	r->dropped = 1;
}

/* Take every complete frame; check each against the model. */
static void
take(struct run *r)
{
	const uint8_t	*body, *mbody;
	size_t		 len, mlen;
	int		 k, mk;

	for (;;) {
		k = framer_next(&r->f, &body, &len);
		mk = r->broken ? -1 : model_next(&r->m, &mbody, &mlen, r->fed);
		if (k != mk)
			abort();
		if (k == 1) {
			/*
			 * The body lies in the framer's own buffer, or in the
			 * scratch buffer the process shares (not ours to see).
			 */
			if (len != mlen || memcmp(body, mbody, len) != 0 ||
			    (!r->f.scratch && (r->f.buf == NULL ||
			    body < r->f.buf || len > r->f.cap ||
			    (size_t)(body - r->f.buf) > r->f.cap - len)))
				abort();
			if (!r->dropped)
				queue_frame(r, body, len);
			continue;
		}
		if (k == -1)
			r->broken = 1;
		else if (framer_pending(&r->f) != r->fed - r->m.pos ||
		    framer_space(&r->f) == 0)
			abort();	/* lost bytes, or a stall */
		return;
	}
}

/* Give the framer stream bytes [fed, fed + n), taking frames as needed. */
static void
feed(struct run *r, const uint8_t *s, size_t n)
{
	size_t	took;

	while (n > 0 && !r->broken) {
		took = framer_append(&r->f, s, n);
		if (took > n)
			abort();
		r->fed += took;
		s += took;
		n -= took;
		take(r);
		if (took == 0 && !r->broken)
			abort();	/* no room and no frame to take */
	}
}

/* The same, through a pipe and framer_read_fd. */
static void
feed_fd(struct run *r, int fd[2], const uint8_t *s, size_t n, size_t limit)
{
	ssize_t	w, got;

	while (n > 0 && !r->broken) {
		if ((w = write(fd[1], s, n)) <= 0)
			abort();
		s += w;
		n -= (size_t)w;
		while (!r->broken) {
			got = framer_read_fd(&r->f, fd[0], limit);
			if (got == -1 && errno == EAGAIN)
				break;
			if (got <= 0 || (limit != 0 && (size_t)got > limit))
				abort();
			r->fed += (size_t)got;
			take(r);
		}
	}
}

static int
nonblocking_pipe(int fd[2])
{
	if (pipe(fd) == -1)
		return -1;
	if (fcntl(fd[0], F_SETFL, O_NONBLOCK) == -1 ||
	    fcntl(fd[1], F_SETFL, O_NONBLOCK) == -1) {
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	return 0;
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run	 r;
	uint8_t		*s, hdr[FRAMER_HDR_LEN];
	size_t		 len, max, i, n, end;
	uint32_t	 x;
	int		 how, in[2];

	if (size < SETUP_LEN || size > 1 << 20)
		return 0;
	/* The argument checks, once per input: cheap. */
	if (framer_init(&r.f, 0) != -1 || errno != EINVAL ||
	    framer_init(&r.f, FRAMER_MAX_BODY + 1) != -1 || errno != EINVAL ||
	    framer_put_len(hdr, 0) != -1 || errno != EMSGSIZE ||
	    framer_put_len(hdr, FRAMER_MAX_BODY + 1) != -1 ||
	    framer_put_len(hdr, 0x1234) != 0 || hdr[0] != 0x12 ||
	    hdr[1] != 0x34)
		abort();

	how = data[0] & 3;
	max = data[0] & 4 ? HUB_FRAME_MAX : (size_t)data[1] << 8 | data[2];
	if (max == 0)
		max = 1;
	x = 0x9e3779b9u ^ data[3];
	len = size - SETUP_LEN;
	/* an exact-size copy: ASan sees any read past the stream */
	if ((s = malloc(len > 0 ? len : 1)) == NULL)
		abort();
	memcpy(s, data + SETUP_LEN, len);

	memset(&r, 0, sizeof(r));
	if (framer_init(&r.f, max) == -1)
		abort();
	frame_out_init(&r.o, data[0] & 8 ? (size_t)data[3] * 16 :
	    1024 * 1024);
	if (nonblocking_pipe(r.pfd) == -1)
		abort();
	r.m.s = s;
	r.m.len = len;
	r.m.max = max;

	switch (how) {
	case 0:
		feed(&r, s, len);
		break;
	case 1:
		for (i = 0; i < len && !r.broken; i++)
			feed(&r, s + i, 1);
		break;
	case 2:
		for (i = 0; i < len && !r.broken; i += n) {
			n = 1 + rnd(&x) % (2 * max + 8);
			if (n > len - i)
				n = len - i;
			feed(&r, s + i, n);
		}
		break;
	case 3:
		if (nonblocking_pipe(in) == -1)
			abort();
		for (i = 0; i < len && !r.broken; i += n) {
			n = 1 + rnd(&x) % 4096;
			if (n > len - i)
				n = len - i;
			feed_fd(&r, in, s + i, n, rnd(&x) % 3 == 0 ? 0 :
			    1 + rnd(&x) % (max + 2));
		}
		/* End of stream: read says so, nothing else changes. */
		close(in[1]);
		if (!r.broken && (framer_read_fd(&r.f, in[0], 0) != 0 ||
		    framer_pending(&r.f) != r.fed - r.m.pos))
			abort();
		close(in[0]);
		break;
	}

	if (r.broken) {
		/* Broken for good; reset makes it new. */
		const uint8_t	*b;
		size_t		 bl;

		if (framer_next(&r.f, &b, &bl) != -1)
			abort();
		framer_reset(&r.f);
		if (framer_next(&r.f, &b, &bl) != 0 ||
		    framer_pending(&r.f) != 0 ||
		    framer_space(&r.f) != FRAMER_HDR_LEN + max)
			abort();
	} else if (r.fed != len || framer_pending(&r.f) != len - r.m.pos)
		abort();

	/* What went out is the stream up to the last complete frame. */
	flush_out(&r);
	end = r.m.pos;
	if (!r.dropped && (r.outlen != end ||
	    (end > 0 && memcmp(r.out, s, end) != 0)))
		abort();

	framer_free(&r.f);
	frame_out_free(&r.o);
	if (r.f.buf != NULL || r.o.buf != NULL || frame_out_pending(&r.o) != 0)
		abort();
	close(r.pfd[0]);
	close(r.pfd[1]);
	free(r.out);
	free(s);
	return 0;
}

#ifdef FUZZ_MAKE_SEEDS
static void
seed(const char *dir, const char *name, const uint8_t *m, size_t len)
{
	char	path[4096];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL || fwrite(m, 1, len, f) != len ||
	    fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* Valid streams (and a few broken ones) for every way of feeding. */
int
main(int argc, char *argv[])
{
	static const size_t	bodies[] = { 1, 109, 49, 26, 300, 2, 1000 };
	uint8_t			buf[4096];
	char			name[64];
	size_t			off, i;
	int			how;

	if (argc != 2)
		return 2;
	off = SETUP_LEN;
	for (i = 0; i < nitems(bodies); i++) {
		(void)framer_put_len(buf + off, bodies[i]);
		memset(buf + off + 2, (int)i + 1, bodies[i]);
		off += 2 + bodies[i];
	}
	buf[off++] = 0;		/* a frame begun, not ended */
	for (how = 0; how < 16; how++) {
		buf[0] = (uint8_t)how;
		buf[1] = 0x03;	/* max 1000 when bit 2 is clear */
		buf[2] = 0xe8;
		buf[3] = 0x20;
		snprintf(name, sizeof(name), "frames-%d", how);
		seed(argv[1], name, buf, off);
	}
	/* A small limit: frames of exactly max, then one byte over. */
	for (how = 0; how < 4; how++) {
		buf[0] = (uint8_t)how;
		buf[1] = 0;
		buf[2] = 5;
		buf[3] = 1;
		for (off = SETUP_LEN, i = 1; i <= 5; i++) {
			(void)framer_put_len(buf + off, i);
			memset(buf + off + 2, 0x50 + (int)i, i);
			off += 2 + i;
		}
		(void)framer_put_len(buf + off, 6);
		off += 2;
		snprintf(name, sizeof(name), "small-%d", how);
		seed(argv[1], name, buf, off);
	}
	/* A zero length and an oversized one after a good frame. */
	buf[0] = 4 | 2;
	buf[4] = 0; buf[5] = 3; buf[6] = buf[7] = buf[8] = 7;
	buf[9] = 0; buf[10] = 0;
	seed(argv[1], "zero", buf, 11);
	buf[9] = 0x40; buf[10] = 0x01;
	seed(argv[1], "oversized", buf, 11);
	return 0;
}
#endif
