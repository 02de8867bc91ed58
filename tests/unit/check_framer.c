/*
 * The hub stream framer: frames delivered whole however the bytes
 * arrive (one at a time, many frames per read, from a socket), the
 * bounds (exactly max, max + 1, zero), truncation at end of stream,
 * garbage, and the memory bound.  The sending queue: prefixes, order
 * across a full socket, its limit, and errors.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/framer.h"
#include "proto/hubproto.h"

/* A stream of frames built in memory. */
struct stream {
	uint8_t		*buf;
	size_t		 len;
	size_t		 cap;
};

static void
stream_add(struct stream *s, size_t blen, uint8_t seed)
{
	size_t	 i;

	if (s->len + FRAMER_HDR_LEN + blen > s->cap) {
		s->cap = (s->len + FRAMER_HDR_LEN + blen) * 2;
		ck_assert_ptr_nonnull(s->buf = realloc(s->buf, s->cap));
	}
	ck_assert_int_eq(framer_put_len(s->buf + s->len, blen), 0);
	s->len += FRAMER_HDR_LEN;
	for (i = 0; i < blen; i++)
		s->buf[s->len + i] = (uint8_t)(seed + i * 7);
	s->len += blen;
}

static void
body_check(const uint8_t *b, size_t len, size_t want, uint8_t seed)
{
	size_t	 i;

	ck_assert_uint_eq(len, want);
	/* One assertion per frame: Check logs every assertion it runs. */
	for (i = 0; i < len; i++)
		if (b[i] != (uint8_t)(seed + i * 7))
			break;
	ck_assert_msg(i == len, "byte %zu of %zu differs", i, len);
}

/* Frame k of the test streams: lengths from 1 to 300, odd ones too. */
static size_t
len_of(unsigned int k)
{
	return 1 + (k * 37) % 300;
}

START_TEST(t_put_len)
{
	uint8_t	 h[FRAMER_HDR_LEN];

	ck_assert_int_eq(framer_put_len(h, 1), 0);
	ck_assert_uint_eq(h[0], 0);
	ck_assert_uint_eq(h[1], 1);
	ck_assert_int_eq(framer_put_len(h, 0x1234), 0);
	ck_assert_uint_eq(h[0], 0x12);
	ck_assert_uint_eq(h[1], 0x34);
	ck_assert_int_eq(framer_put_len(h, 65535), 0);
	ck_assert_uint_eq(h[0], 0xff);
	ck_assert_uint_eq(h[1], 0xff);
	errno = 0;
	ck_assert_int_eq(framer_put_len(h, 0), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	ck_assert_int_eq(framer_put_len(h, 65536), -1);
}
END_TEST

START_TEST(t_init)
{
	struct framer	 f;

	errno = 0;
	ck_assert_int_eq(framer_init(&f, 0), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(framer_init(&f, FRAMER_MAX_BODY + 1), -1);
	ck_assert_int_eq(framer_init(&f, FRAMER_MAX_BODY), 0);
	framer_free(&f);
	/* Freed twice, or used after free: harmless. */
	framer_free(&f);
	ck_assert_uint_eq(framer_space(&f), 0);
	ck_assert_uint_eq(framer_append(&f, "ab", 2), 0);
	ck_assert_int_eq(framer_init(&f, HUB_FRAME_MAX), 0);
	ck_assert_uint_eq(framer_space(&f), FRAMER_HDR_LEN + HUB_FRAME_MAX);
	framer_free(&f);
}
END_TEST

/* Every byte on its own: frames come out whole, in order, and only then. */
START_TEST(t_byte_at_a_time)
{
	struct stream	 s = { NULL, 0, 0 };
	struct framer	 f;
	const uint8_t	*b;
	size_t		 i, len, off, cur, end;
	unsigned int	 k, got = 0;

	for (k = 0; k < 50; k++)
		stream_add(&s, len_of(k), (uint8_t)k);
	ck_assert_int_eq(framer_init(&f, HUB_FRAME_MAX), 0);
	cur = 0;			/* where the frame being read starts */
	end = FRAMER_HDR_LEN + len_of(0);
	for (off = 0; off < s.len; off++) {
		/* Plain checks per byte: Check logs every assertion it runs. */
		if (framer_append(&f, s.buf + off, 1) != 1)
			ck_abort_msg("byte %zu not taken", off);
		if (off + 1 < end) {
			if (framer_next(&f, &b, &len) != 0 ||
			    framer_pending(&f) != off + 1 - cur)
				ck_abort_msg("frame early at byte %zu", off);
			continue;
		}
		ck_assert_int_eq(framer_next(&f, &b, &len), 1);
		body_check(b, len, len_of(got), (uint8_t)got);
		ck_assert_int_eq(framer_next(&f, &b, &len), 0);
		ck_assert_uint_eq(framer_pending(&f), 0);
		got++;
		cur = end;
		if (got < 50)
			end += FRAMER_HDR_LEN + len_of(got);
	}
	ck_assert_uint_eq(got, 50);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(framer_next(&f, &b, &len), 0);
	framer_free(&f);
	free(s.buf);
}
END_TEST

/*
 * Many frames per read from a real socket, in reads that cut frames
 * anywhere; the buffer never holds more than one largest frame.
 */
START_TEST(t_many_per_read)
{
	struct stream	 s = { NULL, 0, 0 };
	struct framer	 f;
	const uint8_t	*b;
	size_t		 len, off = 0;
	unsigned int	 k, got = 0, n = 2000, reads = 0;
	ssize_t		 r;
	int		 sv[2], rc;

	for (k = 0; k < n; k++)
		stream_add(&s, len_of(k), (uint8_t)k);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_eq(framer_init(&f, HUB_FRAME_MAX), 0);
	while (got < n) {
		/* Feed a few KB at a time, as TCP segments would. */
		if (off < s.len) {
			size_t	 chunk = s.len - off < 5000 ? s.len - off :
			    5000;

			ck_assert_int_eq(write(sv[1], s.buf + off, chunk),
			    (ssize_t)chunk);
			off += chunk;
		}
		for (;;) {
			while ((rc = framer_next(&f, &b, &len)) == 1) {
				body_check(b, len, len_of(got), (uint8_t)got);
				got++;
			}
			ck_assert_int_eq(rc, 0);
			ck_assert_uint_le(framer_pending(&f),
			    FRAMER_HDR_LEN + HUB_FRAME_MAX);
			r = framer_read_fd(&f, sv[0], 0);
			if (r == -1) {
				ck_assert_int_eq(errno, EAGAIN);
				break;
			}
			ck_assert_int_gt(r, 0);
			reads++;
		}
	}
	ck_assert_uint_eq(got, n);
	/* Several frames came in per read. */
	ck_assert_uint_lt(reads, n / 4);
	(void)close(sv[1]);
	ck_assert_int_eq(framer_read_fd(&f, sv[0], 0), 0);
	ck_assert_uint_eq(framer_pending(&f), 0);
	(void)close(sv[0]);
	framer_free(&f);
	free(s.buf);
}
END_TEST

/* A read limit caps each read, however much is waiting. */
START_TEST(t_read_limit)
{
	struct framer	 f;
	const uint8_t	*b;
	size_t		 len;
	uint8_t		 msg[7] = { 0, 5, 'h', 'e', 'l', 'l', 'o' };
	int		 sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(framer_init(&f, 100), 0);
	ck_assert_int_eq(write(sv[1], msg, sizeof(msg)), (ssize_t)sizeof(msg));
	ck_assert_int_eq(framer_read_fd(&f, sv[0], 3), 3);
	ck_assert_int_eq(framer_next(&f, &b, &len), 0);
	ck_assert_int_eq(framer_read_fd(&f, sv[0], 0), 4);
	ck_assert_int_eq(framer_next(&f, &b, &len), 1);
	ck_assert_uint_eq(len, 5);
	ck_assert_mem_eq(b, "hello", 5);
	(void)close(sv[0]);
	(void)close(sv[1]);
	framer_free(&f);
}
END_TEST

/* Exactly max fills the buffer; while it waits, no byte more fits. */
START_TEST(t_exact_max)
{
	struct stream	 s = { NULL, 0, 0 };
	struct framer	 f;
	const uint8_t	*b;
	size_t		 len;
	int		 sv[2];

	stream_add(&s, HUB_FRAME_MAX, 1);
	stream_add(&s, HUB_FRAME_MAX, 2);
	stream_add(&s, 1, 3);
	ck_assert_int_eq(framer_init(&f, HUB_FRAME_MAX), 0);
	ck_assert_uint_eq(framer_append(&f, s.buf, s.len),
	    FRAMER_HDR_LEN + HUB_FRAME_MAX);
	ck_assert_uint_eq(framer_space(&f), 0);
	ck_assert_uint_eq(framer_append(&f, "x", 1), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(write(sv[1], "x", 1), 1);
	errno = 0;
	ck_assert_int_eq(framer_read_fd(&f, sv[0], 0), -1);
	ck_assert_int_eq(errno, ENOBUFS);
	(void)close(sv[0]);
	(void)close(sv[1]);

	ck_assert_int_eq(framer_next(&f, &b, &len), 1);
	body_check(b, len, HUB_FRAME_MAX, 1);
	ck_assert_int_eq(framer_next(&f, &b, &len), 0);
	/* The rest goes in once the first frame is taken. */
	ck_assert_uint_eq(framer_append(&f, s.buf + FRAMER_HDR_LEN +
	    HUB_FRAME_MAX, s.len - FRAMER_HDR_LEN - HUB_FRAME_MAX),
	    FRAMER_HDR_LEN + HUB_FRAME_MAX);
	ck_assert_int_eq(framer_next(&f, &b, &len), 1);
	body_check(b, len, HUB_FRAME_MAX, 2);
	ck_assert_uint_eq(framer_append(&f, s.buf + s.len - 3, 3), 3);
	ck_assert_int_eq(framer_next(&f, &b, &len), 1);
	body_check(b, len, 1, 3);
	ck_assert_int_eq(framer_next(&f, &b, &len), 0);
	framer_free(&f);
	free(s.buf);
}
END_TEST

/* One byte over max: refused on the prefix alone, and for good. */
START_TEST(t_max_plus_one)
{
	struct framer	 f;
	const uint8_t	*b;
	size_t		 len;
	uint8_t		 hdr[FRAMER_HDR_LEN];

	ck_assert_int_eq(framer_init(&f, HUB_FRAME_MAX), 0);
	ck_assert_int_eq(framer_put_len(hdr, HUB_FRAME_MAX + 1), 0);
	ck_assert_uint_eq(framer_append(&f, hdr, 1), 1);
	ck_assert_int_eq(framer_next(&f, &b, &len), 0);
	ck_assert_uint_eq(framer_append(&f, hdr + 1, 1), 1);
	ck_assert_int_eq(framer_next(&f, &b, &len), -1);
	ck_assert_int_eq(framer_next(&f, &b, &len), -1);
	framer_free(&f);

	/* A smaller max is honoured just the same. */
	ck_assert_int_eq(framer_init(&f, 10), 0);
	ck_assert_uint_eq(framer_append(&f, "\0\x0a" "0123456789", 12), 12);
	ck_assert_int_eq(framer_next(&f, &b, &len), 1);
	ck_assert_uint_eq(len, 10);
	ck_assert_uint_eq(framer_append(&f, "\0\x0b", 2), 2);
	ck_assert_int_eq(framer_next(&f, &b, &len), -1);
	framer_free(&f);
}
END_TEST

/* A good frame, then a zero length: the good one still comes out. */
START_TEST(t_zero_length)
{
	struct framer	 f;
	const uint8_t	*b;
	size_t		 len;

	ck_assert_int_eq(framer_init(&f, HUB_FRAME_MAX), 0);
	ck_assert_uint_eq(framer_append(&f, "\0\x01Z\0\0\0\x01Y", 8), 8);
	ck_assert_int_eq(framer_next(&f, &b, &len), 1);
	ck_assert_uint_eq(len, 1);
	ck_assert_uint_eq(b[0], 'Z');
	ck_assert_int_eq(framer_next(&f, &b, &len), -1);
	/* Nothing after the error is delivered, even a valid frame. */
	ck_assert_int_eq(framer_next(&f, &b, &len), -1);
	framer_reset(&f);
	ck_assert_uint_eq(framer_pending(&f), 0);
	ck_assert_uint_eq(framer_append(&f, "\0\x01Y", 3), 3);
	ck_assert_int_eq(framer_next(&f, &b, &len), 1);
	ck_assert_uint_eq(b[0], 'Y');
	framer_free(&f);
}
END_TEST

/* End of stream inside a prefix or a body leaves bytes pending. */
START_TEST(t_truncated)
{
	struct stream	 s = { NULL, 0, 0 };
	struct framer	 f;
	const uint8_t	*b;
	size_t		 len, cut;
	int		 sv[2], rc;
	ssize_t		 r;

	stream_add(&s, 100, 9);
	stream_add(&s, 200, 10);
	/* Every cut inside the second frame, from its first byte to its last. */
	for (cut = FRAMER_HDR_LEN + 100 + 1; cut < s.len; cut += 37) {
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		ck_assert_int_eq(write(sv[1], s.buf, cut), (ssize_t)cut);
		(void)close(sv[1]);
		ck_assert_int_eq(framer_init(&f, HUB_FRAME_MAX), 0);
		while ((r = framer_read_fd(&f, sv[0], 0)) > 0)
			;
		ck_assert_int_eq(r, 0);
		ck_assert_int_eq(framer_next(&f, &b, &len), 1);
		body_check(b, len, 100, 9);
		rc = framer_next(&f, &b, &len);
		ck_assert_int_eq(rc, 0);
		ck_assert_uint_eq(framer_pending(&f),
		    cut - FRAMER_HDR_LEN - 100);
		(void)close(sv[0]);
		framer_free(&f);
	}
	free(s.buf);
}
END_TEST

/*
 * Garbage: random bytes either break the stream or yield frames within
 * the bounds; the buffer stays bounded and nothing crashes.  Printable
 * text (an HTTP request, say) breaks it on the first two bytes.
 */
START_TEST(t_garbage)
{
	struct framer	 f;
	const uint8_t	*b;
	uint8_t		 junk[4096];
	size_t		 len, off, n;
	unsigned int	 seed = 12345, round, i;
	int		 rc, broken = 0;

	for (round = 0; round < 200; round++) {
		ck_assert_int_eq(framer_init(&f, 300), 0);
		for (i = 0; i < sizeof(junk); i++) {
			seed = seed * 1103515245u + 12345u;
			junk[i] = (uint8_t)(seed >> 16);
		}
		/* Some rounds look like short frames at first. */
		if (round % 3 == 0)
			junk[0] = 0;
		rc = 0;
		for (off = 0; off < sizeof(junk) && rc != -1; off += n) {
			n = framer_append(&f, junk + off, sizeof(junk) - off);
			while ((rc = framer_next(&f, &b, &len)) == 1) {
				ck_assert_uint_ge(len, 1);
				ck_assert_uint_le(len, 300);
				ck_assert(b >= f.buf && b + len <= f.buf +
				    FRAMER_HDR_LEN + 300);
			}
			ck_assert_uint_le(framer_pending(&f),
			    FRAMER_HDR_LEN + 300);
			if (rc == 0)
				ck_assert_uint_gt(n + framer_space(&f), 0);
		}
		broken += rc == -1;
		framer_free(&f);
	}
	/* Uniform bytes say a length <= 300 rarely: most rounds break. */
	ck_assert_int_gt(broken, 150);

	ck_assert_int_eq(framer_init(&f, HUB_FRAME_MAX), 0);
	ck_assert_uint_eq(framer_append(&f, "GET / HTTP/1.1\r\n", 16), 16);
	ck_assert_int_eq(framer_next(&f, &b, &len), -1);
	framer_free(&f);
}
END_TEST

/* Reset forgets what was buffered, and gives its buffer back. */
START_TEST(t_wipe)
{
	struct framer	 f;

	ck_assert_int_eq(framer_init(&f, 64), 0);
	ck_assert_uint_eq(framer_append(&f, "\0\x20secretsecretsecret", 20), 20);
	ck_assert_ptr_nonnull(f.buf);
	framer_reset(&f);
	ck_assert_ptr_null(f.buf);
	ck_assert_uint_eq(framer_pending(&f), 0);
	framer_free(&f);
	ck_assert_ptr_null(f.buf);
}
END_TEST

/*
 * A connection with no frame in flight holds no buffer: complete
 * frames are taken from the shared scratch, and only a frame begun is
 * kept, in a buffer of its own size, until it is taken.
 */
START_TEST(t_idle_no_buffer)
{
	struct stream	 s = { NULL, 0, 0 };
	struct framer	 f, g;
	const uint8_t	*b;
	size_t		 len, cut;
	int		 sv[2], sw[2];

	ck_assert_int_eq(framer_init(&f, HUB_FRAME_MAX), 0);
	ck_assert_ptr_null(f.buf);
	stream_add(&s, 10, 1);
	stream_add(&s, 20, 2);
	stream_add(&s, 3000, 3);
	cut = FRAMER_HDR_LEN + 10 + FRAMER_HDR_LEN + 20 + FRAMER_HDR_LEN + 5;
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sw), 0);
	ck_assert_int_eq(write(sv[1], s.buf, cut), (ssize_t)cut);
	ck_assert_int_gt(framer_read_fd(&f, sv[0], 0), 0);
	ck_assert_int_eq(framer_next(&f, &b, &len), 1);
	body_check(b, len, 10, 1);
	ck_assert_int_eq(framer_next(&f, &b, &len), 1);
	body_check(b, len, 20, 2);
	ck_assert_ptr_null(f.buf);
	/* The third is begun: kept, in a buffer of exactly its size. */
	ck_assert_int_eq(framer_next(&f, &b, &len), 0);
	ck_assert_ptr_nonnull(f.buf);
	ck_assert_uint_eq(f.cap, FRAMER_HDR_LEN + 3000);
	ck_assert_uint_eq(framer_pending(&f), FRAMER_HDR_LEN + 5);
	/* Another connection's read does not touch what f kept. */
	ck_assert_int_eq(framer_init(&g, HUB_FRAME_MAX), 0);
	ck_assert_int_eq(write(sw[1], "\0\3xyz", 5), 5);
	ck_assert_int_eq(framer_read_fd(&g, sw[0], 0), 5);
	ck_assert_int_eq(framer_next(&g, &b, &len), 1);
	ck_assert_mem_eq(b, "xyz", 3);
	ck_assert_int_eq(framer_next(&g, &b, &len), 0);
	ck_assert_ptr_null(g.buf);
	ck_assert_int_eq(write(sv[1], s.buf + cut, s.len - cut),
	    (ssize_t)(s.len - cut));
	while (framer_next(&f, &b, &len) == 0)
		ck_assert_int_gt(framer_read_fd(&f, sv[0], 0), 0);
	body_check(b, len, 3000, 3);
	ck_assert_int_eq(framer_next(&f, &b, &len), 0);
	ck_assert_ptr_null(f.buf);
	framer_free(&f);
	framer_free(&g);
	(void)close(sv[0]);
	(void)close(sv[1]);
	(void)close(sw[0]);
	(void)close(sw[1]);
	free(s.buf);
}
END_TEST

/*
 * A caller that takes one frame of a connection and reads another
 * before taking the rest: the first keeps its frames, whole.
 */
START_TEST(t_undrained)
{
	struct framer	 f, g;
	const uint8_t	*b;
	size_t		 len;
	int		 sv[2], sw[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sw), 0);
	ck_assert_int_eq(framer_init(&f, 64), 0);
	ck_assert_int_eq(framer_init(&g, 64), 0);
	ck_assert_int_eq(write(sv[1], "\0\1A\0\2BB\0\3CCC\0", 13), 13);
	ck_assert_int_eq(write(sw[1], "\0\4DDDD", 6), 6);
	ck_assert_int_eq(framer_read_fd(&f, sv[0], 0), 13);
	ck_assert_int_eq(framer_next(&f, &b, &len), 1);
	ck_assert_mem_eq(b, "A", 1);
	/* g reads into the scratch f's untaken frames were in. */
	ck_assert_int_eq(framer_read_fd(&g, sw[0], 0), 6);
	ck_assert_int_eq(framer_next(&g, &b, &len), 1);
	ck_assert_mem_eq(b, "DDDD", 4);
	ck_assert_int_eq(framer_next(&f, &b, &len), 1);
	ck_assert_uint_eq(len, 2);
	ck_assert_mem_eq(b, "BB", 2);
	ck_assert_int_eq(framer_next(&f, &b, &len), 1);
	ck_assert_mem_eq(b, "CCC", 3);
	ck_assert_int_eq(framer_next(&f, &b, &len), 0);
	ck_assert_uint_eq(framer_pending(&f), 1);
	ck_assert_int_eq(write(sv[1], "\1E", 2), 2);
	ck_assert_int_eq(framer_read_fd(&f, sv[0], 0), 2);
	ck_assert_int_eq(framer_next(&f, &b, &len), 1);
	ck_assert_mem_eq(b, "E", 1);
	framer_free(&f);
	framer_free(&g);
	(void)close(sv[0]);
	(void)close(sv[1]);
	(void)close(sw[0]);
	(void)close(sw[1]);
}
END_TEST

/* Queued frames come out prefixed, in order, across a full socket. */
START_TEST(t_out_write)
{
	struct frame_out o;
	struct framer	 f;
	const uint8_t	*b;
	uint8_t		 body[HUB_FRAME_MAX];
	uint64_t	 written = 0, read_total = 0;
	size_t		 len, queued = 0;
	unsigned int	 k, sent = 0, got = 0, n = 300;
	ssize_t		 r;
	int		 sv[2], rc;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_eq(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	frame_out_init(&o, 1024 * 1024);
	ck_assert_int_eq(framer_init(&f, HUB_FRAME_MAX), 0);
	ck_assert_uint_eq(frame_out_pending(&o), 0);
	ck_assert_int_eq(frame_out_write(&o, sv[0], &written), 1);
	while (got < n) {
		/* Queue frames of up to 16 KB until a write leaves some. */
		while (sent < n) {
			len = 1 + (sent * 4099) % HUB_FRAME_MAX;
			for (k = 0; k < len; k++)
				body[k] = (uint8_t)(sent + k * 7);
			ck_assert_int_eq(frame_out_add(&o, body, len), 0);
			queued += FRAMER_HDR_LEN + len;
			sent++;
			/* At first, pile up more than a socket holds. */
			if (queued < 512 * 1024)
				continue;
			if (frame_out_write(&o, sv[0], &written) == 0)
				break;
		}
		for (;;) {
			while ((rc = framer_next(&f, &b, &len)) == 1) {
				ck_assert_uint_eq(len,
				    1 + (got * 4099) % HUB_FRAME_MAX);
				body_check(b, len, len, (uint8_t)got);
				got++;
			}
			ck_assert_int_eq(rc, 0);
			if ((r = framer_read_fd(&f, sv[1], 0)) <= 0)
				break;
			read_total += (uint64_t)r;
		}
		(void)frame_out_write(&o, sv[0], &written);
	}
	ck_assert_uint_eq(written, queued);
	ck_assert_uint_eq(read_total, queued);
	ck_assert_uint_eq(frame_out_pending(&o), 0);
	/* Drained: no large buffer kept. */
	ck_assert_uint_gt(queued, 512 * 1024);
	ck_assert(o.buf == NULL || o.cap <= 64 * 1024);
	frame_out_free(&o);
	framer_free(&f);
	(void)close(sv[0]);
	(void)close(sv[1]);
}
END_TEST

/* The limit counts unsent bytes; a refused frame queues nothing. */
START_TEST(t_out_limit)
{
	struct frame_out o;
	uint8_t		 body[100], big[10000];
	int		 sv[2], k;
	uint64_t	 w = 0;
	char		 rbuf[64];

	memset(body, 'b', sizeof(body));
	frame_out_init(&o, 250);
	errno = 0;
	ck_assert_int_eq(frame_out_add(&o, body, 0), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	ck_assert_int_eq(frame_out_add(&o, body, 100), 0);
	ck_assert_int_eq(frame_out_add(&o, body, 100), 0);
	ck_assert_uint_eq(frame_out_pending(&o), 204);
	errno = 0;
	ck_assert_int_eq(frame_out_add(&o, body, 45), -1);
	ck_assert_int_eq(errno, ENOBUFS);
	ck_assert_uint_eq(frame_out_pending(&o), 204);
	ck_assert_int_eq(frame_out_add(&o, body, 44), 0);
	ck_assert_uint_eq(frame_out_pending(&o), 250);
	frame_out_free(&o);
	ck_assert_uint_eq(frame_out_pending(&o), 0);
	ck_assert_uint_eq(o.limit, 250);

	/* A closed reader is an error, not a wait. */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	(void)close(sv[1]);
	ck_assert_int_eq(frame_out_add(&o, "x", 1), 0);
	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(frame_out_write(&o, sv[0], &w), -1);
	ck_assert_int_eq(errno, EPIPE);
	(void)close(sv[0]);
	frame_out_free(&o);

	/* A megabyte drained at once: the buffer is given back. */
	frame_out_init(&o, 2 * 1024 * 1024);
	memset(big, 'm', sizeof(big));
	for (k = 0; k < 100; k++)
		ck_assert_int_eq(frame_out_add(&o, big, sizeof(big)), 0);
	ck_assert_uint_gt(o.cap, 64 * 1024);
	ck_assert_int_ne(sv[0] = open("/dev/null", O_WRONLY), -1);
	w = 0;
	ck_assert_int_eq(frame_out_write(&o, sv[0], &w), 1);
	ck_assert_uint_eq(w, 100 * (FRAMER_HDR_LEN + sizeof(big)));
	ck_assert_ptr_null(o.buf);
	ck_assert_uint_eq(o.limit, 2 * 1024 * 1024);
	(void)close(sv[0]);

	w = 0;
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(frame_out_add(&o, "hi", 2), 0);
	ck_assert_int_eq(frame_out_write(&o, sv[0], &w), 1);
	ck_assert_uint_eq(w, 4);
	ck_assert_int_eq(read(sv[1], rbuf, sizeof(rbuf)), 4);
	ck_assert_mem_eq(rbuf, "\0\2hi", 4);
	(void)close(sv[0]);
	(void)close(sv[1]);
	frame_out_free(&o);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("framer");
	TCase	*tc = tcase_create("frames");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, t_put_len);
	tcase_add_test(tc, t_init);
	tcase_add_test(tc, t_byte_at_a_time);
	tcase_add_test(tc, t_many_per_read);
	tcase_add_test(tc, t_read_limit);
	tcase_add_test(tc, t_exact_max);
	tcase_add_test(tc, t_max_plus_one);
	tcase_add_test(tc, t_zero_length);
	tcase_add_test(tc, t_truncated);
	tcase_add_test(tc, t_garbage);
	tcase_add_test(tc, t_wipe);
	tcase_add_test(tc, t_idle_no_buffer);
	tcase_add_test(tc, t_undrained);
	tcase_add_test(tc, t_out_write);
	tcase_add_test(tc, t_out_limit);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
