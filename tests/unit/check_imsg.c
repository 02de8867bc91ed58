/*
 * Unit tests for ipc/imsg.c and ipc/imsgev.c.
 *
 * Every test closes what it opens and compares the open fd count with
 * the one it started from: the suite runs under valgrind and ASan.
 */
#ifdef HAVE_CONFIG_H
#include "autoconf.h"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "ipc/imsg.h"
#include "ipc/imsgev.h"

/* Generous: valgrind is slow and the flush test moves tens of MB. */
#define SLOW_TIMEOUT	300

/* ---------- helpers ---------- */

static int
count_fds(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	d = opendir("/proc/self/fd");
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own fd */
}

static int
fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

static void
mkpair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
}

static void
mkpipe(int p[2])
{
	ck_assert_int_eq(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
}

static uint8_t
pat(uint32_t seed, size_t i)
{
	return (uint8_t)(seed * 131u + i * 7u + (i >> 9));
}

static void
fill(uint8_t *p, size_t n, uint32_t seed)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		p[i] = pat(seed, i);
}

static int
pattern_ok(const uint8_t *p, size_t n, uint32_t seed)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (p[i] != pat(seed, i))
			return 0;
	return 1;
}

static size_t
put_hdr(uint8_t *p, uint32_t type, uint32_t len, uint32_t peerid,
    uint32_t pid)
{
	struct imsg_hdr	 h;

	h.type = type;
	h.len = len;
	h.peerid = peerid;
	h.pid = pid;
	memcpy(p, &h, sizeof(h));
	return sizeof(h);
}

/* Blocking-style write on a non-blocking socket; only for small data
 * or when a reader drains the other end concurrently. */
static void
write_all(int fd, const void *buf, size_t len)
{
	const uint8_t	*p = buf;
	struct pollfd	 pfd;
	ssize_t		 n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EAGAIN) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			ck_assert_int_ge(poll(&pfd, 1, 10000), 1);
			continue;
		}
		ck_assert_int_gt(n, 0);
		p += n;
		len -= (size_t)n;
	}
}

/* Raw sendmsg of bytes with any number of fds (the tests' rogue peer). */
static void
send_fds(int s, const void *buf, size_t len, const int *fds, int nfds)
{
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int) * 64)];
	}		 cm;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*c;

	ck_assert_int_le(nfds, 64);
	memset(&msg, 0, sizeof(msg));
	memset(&cm, 0, sizeof(cm));
	iov.iov_base = (void *)(uintptr_t)buf;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (nfds > 0) {
		msg.msg_control = cm.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	}
	ck_assert_int_eq(sendmsg(s, &msg, MSG_NOSIGNAL), (ssize_t)len);
}

/*
 * Move bytes from w to r until r yields a message.  1: *m filled;
 * 0: nothing more can arrive; -1: imsg_get failed.
 */
static int
pump(struct imsgbuf *w, struct imsgbuf *r, struct imsg *m)
{
	int	 n, spins;

	for (spins = 0; spins < 100000; spins++) {
		if (w != NULL && imsgbuf_queued(w) > 0)
			ck_assert_int_eq(imsgbuf_write(w), 0);
		if ((n = imsg_get(r, m)) != 0)
			return n;
		n = imsgbuf_read(r);
		if (n == 0)
			return 0;
		if (n == -1) {
			ck_assert_int_eq(errno, EAGAIN);
			if (w == NULL || imsgbuf_queued(w) == 0)
				return 0;
		}
	}
	ck_abort_msg("pump made no progress");
	return -1;
}

struct pair {
	int		 sv[2];
	struct imsgbuf	 w;	/* on sv[0] */
	struct imsgbuf	 r;	/* on sv[1] */
};

static void
pair_open(struct pair *p)
{
	mkpair(p->sv);
	ck_assert_int_eq(imsgbuf_init(&p->w, p->sv[0]), 0);
	ck_assert_int_eq(imsgbuf_init(&p->r, p->sv[1]), 0);
}

static void
pair_close(struct pair *p)
{
	imsgbuf_clear(&p->w);
	imsgbuf_clear(&p->r);
	if (p->sv[0] != -1)
		close(p->sv[0]);
	if (p->sv[1] != -1)
		close(p->sv[1]);
}

/* Read everything currently in the socket; returns the last read result. */
static int
drain_socket(struct imsgbuf *r)
{
	int	 n;

	while ((n = imsgbuf_read(r)) == 1)
		;
	return n;
}

/* ---------- round trips ---------- */

START_TEST(test_roundtrip_sizes)
{
	static const size_t	 sizes[] = { 0, 1, 2, 15, 16, 17, 1000, 65536,
	    IMSG_MAX_PAYLOAD - 1, IMSG_MAX_PAYLOAD };
	struct pair		 p;
	struct imsg		 m;
	uint8_t			*buf;
	size_t			 i;
	int			 before = count_fds();

	buf = malloc(IMSG_MAX_PAYLOAD);
	ck_assert_ptr_nonnull(buf);
	pair_open(&p);
	for (i = 0; i < nitems(sizes); i++) {
		fill(buf, sizes[i], (uint32_t)i);
		ck_assert_int_eq(imsg_compose(&p.w, 100 + (uint32_t)i,
		    0xdeadbeef, -1, sizes[i] ? buf : NULL, sizes[i]), 0);
		ck_assert_uint_eq(imsgbuf_queued(&p.w), 1);
		ck_assert_int_eq(pump(&p.w, &p.r, &m), 1);
		ck_assert_uint_eq(m.hdr.type, 100 + i);
		ck_assert_uint_eq(m.hdr.len, IMSG_HEADER_SIZE + sizes[i]);
		ck_assert_uint_eq(m.hdr.peerid, 0xdeadbeef);
		ck_assert_uint_eq(m.hdr.pid, (uint32_t)getpid());
		ck_assert_int_eq(m.fd, -1);
		ck_assert_uint_eq(imsg_get_len(&m), sizes[i]);
		ck_assert(pattern_ok(m.data, m.datalen, (uint32_t)i));
		imsg_free(&m);
		ck_assert_uint_eq(imsgbuf_queued(&p.w), 0);
		ck_assert_int_eq(imsg_get(&p.r, &m), 0);
	}
	pair_close(&p);
	free(buf);
	ck_assert_int_eq(count_fds(), before);
}
END_TEST

START_TEST(test_composev)
{
	struct pair	 p;
	struct imsg	 m;
	struct iovec	 iov[3];
	uint32_t	 a = 0x01020304;
	char		 s[] = "hello";

	pair_open(&p);
	iov[0].iov_base = &a;
	iov[0].iov_len = sizeof(a);
	iov[1].iov_base = NULL;
	iov[1].iov_len = 0;
	iov[2].iov_base = s;
	iov[2].iov_len = sizeof(s);
	ck_assert_int_eq(imsg_composev(&p.w, 9, 1, -1, iov, 3), 0);
	ck_assert_int_eq(imsg_composev(&p.w, 10, 2, -1, NULL, 0), 0);
	ck_assert_int_eq(pump(&p.w, &p.r, &m), 1);
	ck_assert_uint_eq(m.datalen, sizeof(a) + sizeof(s));
	ck_assert_int_eq(memcmp(m.data, &a, sizeof(a)), 0);
	ck_assert_str_eq((const char *)m.data + sizeof(a), "hello");
	imsg_free(&m);
	ck_assert_int_eq(pump(&p.w, &p.r, &m), 1);
	ck_assert_uint_eq(m.hdr.type, 10);
	ck_assert_uint_eq(m.datalen, 0);
	imsg_free(&m);
	/* A negative count is refused. */
	ck_assert_int_eq(imsg_composev(&p.w, 1, 0, -1, iov, -1), -1);
	ck_assert_int_eq(errno, EINVAL);
	pair_close(&p);
}
END_TEST

START_TEST(test_many_in_one_read)
{
	struct pair	 p;
	struct imsg	 m;
	uint8_t		 buf[64];
	uint32_t	 i, n = 200;

	pair_open(&p);
	for (i = 0; i < n; i++) {
		fill(buf, i % sizeof(buf), i);
		ck_assert_int_eq(imsg_compose(&p.w, i, i * 3, -1, buf,
		    i % sizeof(buf)), 0);
	}
	ck_assert_uint_eq(imsgbuf_queued(&p.w), n);
	ck_assert_int_eq(imsgbuf_flush(&p.w), 0);
	ck_assert_uint_eq(imsgbuf_queued(&p.w), 0);

	/* One read takes it all (well under the socket buffer). */
	ck_assert_int_eq(imsgbuf_read(&p.r), 1);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(imsg_get(&p.r, &m), 1);
		ck_assert_uint_eq(m.hdr.type, i);
		ck_assert_uint_eq(m.hdr.peerid, i * 3);
		ck_assert_uint_eq(m.datalen, i % sizeof(buf));
		ck_assert(pattern_ok(m.data, m.datalen, i));
		imsg_free(&m);
	}
	ck_assert_int_eq(imsg_get(&p.r, &m), 0);
	ck_assert_int_eq(imsgbuf_read(&p.r), -1);
	ck_assert_int_eq(errno, EAGAIN);
	pair_close(&p);
}
END_TEST

START_TEST(test_split_bytewise)
{
	struct imsgbuf	 r;
	struct imsg	 m;
	uint8_t		 wire[2 * IMSG_HEADER_SIZE + 100 + 3];
	size_t		 len, i, first;
	int		 sv[2], pp[2], got = 0, fd;
	char		 c;
	int		 before = count_fds();

	mkpair(sv);
	mkpipe(pp);
	ck_assert_int_eq(imsgbuf_init(&r, sv[1]), 0);

	/* Message one: 100 bytes with an fd; message two: 3 bytes. */
	len = put_hdr(wire, 1, (IMSG_HEADER_SIZE + 100) | IMSG_FD_MARK, 5, 77);
	fill(wire + len, 100, 1);
	len += 100;
	first = len;
	len += put_hdr(wire + len, 2, IMSG_HEADER_SIZE + 3, 6, 77);
	fill(wire + len, 3, 2);
	len += 3;

	for (i = 0; i < len; i++) {
		if (i == 0)
			send_fds(sv[0], wire, 1, &pp[1], 1);
		else
			write_all(sv[0], wire + i, 1);
		ck_assert_int_eq(imsgbuf_read(&r), 1);
		if (i + 1 < first || (i + 1 > first && i + 1 < len)) {
			ck_assert_int_eq(imsg_get(&r, &m), 0);
			continue;
		}
		ck_assert_int_eq(imsg_get(&r, &m), 1);
		if (got++ == 0) {
			ck_assert_uint_eq(m.hdr.type, 1);
			ck_assert_uint_eq(m.hdr.len, IMSG_HEADER_SIZE + 100);
			ck_assert_uint_eq(m.hdr.pid, 77);
			ck_assert(pattern_ok(m.data, 100, 1));
			ck_assert_int_ne(m.fd, -1);
			ck_assert_int_eq(write(m.fd, "z", 1), 1);
			ck_assert_int_eq(read(pp[0], &c, 1), 1);
			ck_assert_int_eq(c, 'z');
		} else {
			ck_assert_uint_eq(m.hdr.type, 2);
			ck_assert_int_eq(m.fd, -1);
			ck_assert(pattern_ok(m.data, 3, 2));
		}
		imsg_free(&m);
		ck_assert_int_eq(imsg_get(&r, &m), 0);
	}
	ck_assert_int_eq(got, 2);

	/* Our pipe end was passed, then closed by imsg_free: EOF now. */
	close(pp[1]);
	ck_assert_int_eq(read(pp[0], &c, 1), 0);
	fd = pp[0];
	close(fd);
	imsgbuf_clear(&r);
	close(sv[0]);
	close(sv[1]);
	ck_assert_int_eq(count_fds(), before);
}
END_TEST

/*
 * Maximum-size messages fed in odd chunks, taking messages as they
 * complete: partial messages straddle the read buffer's compaction.
 */
START_TEST(test_stream_odd_chunks)
{
	static const size_t	 sizes[] = { IMSG_MAX_PAYLOAD, 1,
	    IMSG_MAX_PAYLOAD, 0, 5000, IMSG_MAX_PAYLOAD, 777,
	    IMSG_MAX_PAYLOAD - 3, IMSG_MAX_PAYLOAD, 12 };
	const size_t		 nmsg = nitems(sizes);
	static const size_t	 chunks[] = { 7777, 1, 65521, 16, 100003 };
	struct imsgbuf		 r;
	struct imsg		 m;
	uint8_t			*wire;
	size_t			 total = 0, off = 0, i, c, k = 0, got = 0;
	int			 sv[2], n;

	for (i = 0; i < nmsg; i++)
		total += IMSG_HEADER_SIZE + sizes[i];
	wire = malloc(total);
	ck_assert_ptr_nonnull(wire);
	for (i = 0; i < nmsg; i++) {
		off += put_hdr(wire + off, (uint32_t)i,
		    (uint32_t)(IMSG_HEADER_SIZE + sizes[i]), 0, 0);
		fill(wire + off, sizes[i], (uint32_t)i);
		off += sizes[i];
	}

	mkpair(sv);
	ck_assert_int_eq(imsgbuf_init(&r, sv[1]), 0);
	for (off = 0; off < total; off += c) {
		c = chunks[k++ % nitems(chunks)];
		if (c > total - off)
			c = total - off;
		write_all(sv[0], wire + off, c);
		n = drain_socket(&r);
		ck_assert_int_eq(n, -1);
		ck_assert_int_eq(errno, EAGAIN);
		/* A maximum-size message fits from where the next starts. */
		ck_assert_uint_le(r.rpos + IMSG_MAX_SIZE, IMSG_RBUF_SIZE);
		while ((n = imsg_get(&r, &m)) == 1) {
			ck_assert_uint_eq(m.hdr.type, got);
			ck_assert_uint_eq(m.datalen, sizes[got]);
			ck_assert(pattern_ok(m.data, m.datalen,
			    (uint32_t)got));
			imsg_free(&m);
			got++;
		}
		ck_assert_int_eq(n, 0);
	}
	ck_assert_uint_eq(got, nmsg);
	imsgbuf_clear(&r);
	close(sv[0]);
	close(sv[1]);
	free(wire);
}
END_TEST

/* Reading without taking messages fills the buffer: ENOBUFS, no loss. */
START_TEST(test_read_enobufs)
{
	struct pair	 p;
	struct imsg	 m;
	uint8_t		 buf[1024 - IMSG_HEADER_SIZE];
	uint32_t	 i, n = 600, got = 0;
	int		 r;

	pair_open(&p);
	for (i = 0; i < n; i++) {
		fill(buf, sizeof(buf), i);
		ck_assert_int_eq(imsg_compose(&p.w, i, 0, -1, buf,
		    sizeof(buf)), 0);
	}
	for (;;) {
		ck_assert_int_eq(imsgbuf_write(&p.w), 0);
		r = imsgbuf_read(&p.r);
		if (r == -1 && errno == ENOBUFS)
			break;
		ck_assert(r == 1 || (r == -1 && errno == EAGAIN));
	}
	ck_assert_uint_eq(p.r.rlen, IMSG_RBUF_SIZE);
	while (pump(&p.w, &p.r, &m) == 1) {
		ck_assert_uint_eq(m.hdr.type, got);
		ck_assert(pattern_ok(m.data, m.datalen, got));
		imsg_free(&m);
		got++;
	}
	ck_assert_uint_eq(got, n);
	pair_close(&p);
}
END_TEST

/* ---------- fd passing ---------- */

START_TEST(test_fd_pass)
{
	struct pair	 p;
	struct imsg	 m;
	int		 pp[2], fd;
	char		 buf[16];
	int		 before = count_fds();

	pair_open(&p);
	mkpipe(pp);
	ck_assert_int_eq(imsg_compose(&p.w, 42, 7, pp[1], "x", 1), 0);
	ck_assert_int_eq(pump(&p.w, &p.r, &m), 1);
	ck_assert_uint_eq(m.hdr.type, 42);
	ck_assert_uint_eq(m.hdr.len, IMSG_HEADER_SIZE + 1);	/* no mark */
	ck_assert_int_ne(m.fd, -1);
	ck_assert_int_ne(fcntl(m.fd, F_GETFD) & FD_CLOEXEC, 0);
	ck_assert_int_eq(write(m.fd, "hello", 5), 5);
	ck_assert_int_eq(read(pp[0], buf, sizeof(buf)), 5);
	ck_assert_int_eq(memcmp(buf, "hello", 5), 0);

	fd = imsg_get_fd(&m);
	ck_assert_int_eq(m.fd, -1);
	imsg_free(&m);			/* must not close what we took */
	ck_assert(fd_is_open(fd));
	close(fd);
	/* The queue closed its copy after sending: no writer is left. */
	ck_assert_int_eq(read(pp[0], buf, sizeof(buf)), 0);
	close(pp[0]);
	pair_close(&p);
	ck_assert_int_eq(count_fds(), before);
}
END_TEST

START_TEST(test_fd_pass_many)
{
	enum { NPIPE = 6, NMSG = 2 * NPIPE };
	struct pair	 p;
	struct imsg	 m;
	int		 pp[NPIPE][2], i;
	uint32_t	 v;
	int		 before = count_fds();

	pair_open(&p);
	for (i = 0; i < NPIPE; i++)
		mkpipe(pp[i]);
	/* Even messages carry the write end of pipe i / 2. */
	for (i = 0; i < NMSG; i++) {
		v = (uint32_t)i;
		ck_assert_int_eq(imsg_compose(&p.w, (uint32_t)i, 0,
		    i % 2 == 0 ? pp[i / 2][1] : -1, &v, sizeof(v)), 0);
	}
	ck_assert_int_eq(imsgbuf_flush(&p.w), 0);
	/* fd-carrying segments end a read: several reads are needed. */
	ck_assert_int_eq(drain_socket(&p.r), -1);
	ck_assert_int_eq(errno, EAGAIN);
	for (i = 0; i < NMSG; i++) {
		ck_assert_int_eq(imsg_get(&p.r, &m), 1);
		ck_assert_uint_eq(m.hdr.type, (uint32_t)i);
		ck_assert_int_eq(imsg_get_data(&m, &v, sizeof(v)), 0);
		ck_assert_uint_eq(v, (uint32_t)i);
		if (i % 2 == 1) {
			ck_assert_int_eq(m.fd, -1);
			imsg_free(&m);
			continue;
		}
		ck_assert_int_ne(m.fd, -1);
		ck_assert_int_eq(write(m.fd, &v, sizeof(v)), sizeof(v));
		imsg_free(&m);
	}
	ck_assert_int_eq(imsg_get(&p.r, &m), 0);
	ck_assert_int_eq(p.r.nrfds, 0);
	for (i = 0; i < NPIPE; i++) {
		ck_assert_int_eq(read(pp[i][0], &v, sizeof(v)), sizeof(v));
		ck_assert_uint_eq(v, (uint32_t)(2 * i));
		ck_assert_int_eq(read(pp[i][0], &v, sizeof(v)), 0);
		close(pp[i][0]);
	}
	pair_close(&p);
	ck_assert_int_eq(count_fds(), before);
}
END_TEST

/* The fd travels with a message that takes many partial writes. */
START_TEST(test_fd_on_max_message)
{
	struct pair	 p;
	struct imsg	 m;
	uint8_t		*buf;
	int		 pp[2], i;
	char		 c, want;
	int		 before = count_fds();

	buf = malloc(IMSG_MAX_PAYLOAD);
	ck_assert_ptr_nonnull(buf);
	fill(buf, IMSG_MAX_PAYLOAD, 3);
	pair_open(&p);
	mkpipe(pp);
	/* Queue: big, big+fd, small+fd, so fds meet gathered writes. */
	ck_assert_int_eq(imsg_compose(&p.w, 0, 0, -1, buf,
	    IMSG_MAX_PAYLOAD), 0);
	ck_assert_int_eq(imsg_compose(&p.w, 1, 0, dup(pp[1]), buf,
	    IMSG_MAX_PAYLOAD), 0);
	ck_assert_int_eq(imsg_compose(&p.w, 2, 0, pp[1], buf, 10), 0);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(pump(&p.w, &p.r, &m), 1);
		ck_assert_uint_eq(m.hdr.type, (uint32_t)i);
		ck_assert(pattern_ok(m.data, m.datalen, 3));
		if (i == 0) {
			ck_assert_int_eq(m.fd, -1);
		} else {
			ck_assert_int_ne(m.fd, -1);
			want = (char)('0' + i);
			ck_assert_int_eq(write(m.fd, &want, 1), 1);
			ck_assert_int_eq(read(pp[0], &c, 1), 1);
			ck_assert_int_eq(c, want);
		}
		imsg_free(&m);
	}
	ck_assert_int_eq(read(pp[0], &c, 1), 0);
	close(pp[0]);
	pair_close(&p);
	free(buf);
	ck_assert_int_eq(count_fds(), before);
}
END_TEST

/* An fd on a message without the mark is never handed out. */
START_TEST(test_stray_fd)
{
	struct imsgbuf	 r;
	struct imsg	 m;
	uint8_t		 wire[IMSG_HEADER_SIZE + 4];
	int		 sv[2], pp[2];
	char		 c;
	int		 before = count_fds();

	mkpair(sv);
	mkpipe(pp);
	ck_assert_int_eq(imsgbuf_init(&r, sv[1]), 0);
	put_hdr(wire, 1, sizeof(wire), 0, 0);
	memset(wire + IMSG_HEADER_SIZE, 'a', 4);
	send_fds(sv[0], wire, sizeof(wire), &pp[1], 1);
	close(pp[1]);

	ck_assert_int_eq(imsgbuf_read(&r), 1);
	ck_assert_int_eq(imsg_get(&r, &m), 1);
	ck_assert_int_eq(m.fd, -1);
	imsg_free(&m);
	ck_assert_int_eq(imsg_get(&r, &m), 0);
	/* Still held (pending) somewhere: the pipe has a writer. */
	ck_assert_int_eq(read(pp[0], &c, 1), -1);
	ck_assert_int_eq(errno, EAGAIN);
	/* sv[0], sv[1], pp[0] and the pending stray fd */
	ck_assert_int_eq(count_fds(), before + 4);

	imsgbuf_clear(&r);
	ck_assert_int_eq(read(pp[0], &c, 1), 0);	/* writer gone */
	ck_assert_int_eq(count_fds(), before + 3);
	close(pp[0]);
	close(sv[0]);
	close(sv[1]);
	ck_assert_int_eq(count_fds(), before);
}
END_TEST

/* A stray fd must not be handed to the next message with the mark. */
START_TEST(test_stray_fd_not_reused)
{
	struct imsgbuf	 r;
	struct imsg	 m;
	uint8_t		 wire[IMSG_HEADER_SIZE];
	int		 sv[2], stray[2], good[2];
	char		 c;
	int		 before = count_fds();

	mkpair(sv);
	mkpipe(stray);
	mkpipe(good);
	ck_assert_int_eq(imsgbuf_init(&r, sv[1]), 0);
	put_hdr(wire, 1, IMSG_HEADER_SIZE, 0, 0);
	send_fds(sv[0], wire, sizeof(wire), &stray[1], 1);
	put_hdr(wire, 2, IMSG_HEADER_SIZE | IMSG_FD_MARK, 0, 0);
	send_fds(sv[0], wire, sizeof(wire), &good[1], 1);
	close(stray[1]);
	close(good[1]);

	ck_assert_int_eq(drain_socket(&r), -1);
	ck_assert_int_eq(imsg_get(&r, &m), 1);
	ck_assert_int_eq(m.fd, -1);
	imsg_free(&m);
	ck_assert_int_eq(imsg_get(&r, &m), 1);
	ck_assert_uint_eq(m.hdr.type, 2);
	ck_assert_int_ne(m.fd, -1);
	ck_assert_int_eq(write(m.fd, "g", 1), 1);
	ck_assert_int_eq(read(good[0], &c, 1), 1);
	ck_assert_int_eq(c, 'g');
	/* And the stray one was closed once the stream moved past it. */
	ck_assert_int_eq(read(stray[0], &c, 1), 0);
	imsg_free(&m);
	ck_assert_int_eq(r.nrfds, 0);

	imsgbuf_clear(&r);
	close(stray[0]);
	close(good[0]);
	close(sv[0]);
	close(sv[1]);
	ck_assert_int_eq(count_fds(), before);
}
END_TEST

START_TEST(test_mark_without_fd)
{
	struct imsgbuf	 r;
	struct imsg	 m;
	uint8_t		 wire[IMSG_HEADER_SIZE + 4];
	int		 sv[2];

	mkpair(sv);
	ck_assert_int_eq(imsgbuf_init(&r, sv[1]), 0);
	put_hdr(wire, 1, sizeof(wire) | IMSG_FD_MARK, 0, 0);
	memset(wire + IMSG_HEADER_SIZE, 0, 4);
	write_all(sv[0], wire, sizeof(wire));
	ck_assert_int_eq(imsgbuf_read(&r), 1);
	ck_assert_int_eq(imsg_get(&r, &m), -1);
	ck_assert_int_eq(errno, EBADMSG);
	ck_assert_int_eq(m.fd, -1);
	ck_assert_int_eq(imsg_get(&r, &m), -1);
	ck_assert_int_eq(errno, EBADMSG);
	ck_assert_int_eq(imsgbuf_read(&r), -1);
	ck_assert_int_eq(errno, EBADMSG);
	imsgbuf_clear(&r);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* A mark without an fd must not take the fd of a later message. */
START_TEST(test_mark_takes_no_later_fd)
{
	struct imsgbuf	 r;
	struct imsg	 m;
	uint8_t		 wire[IMSG_HEADER_SIZE];
	int		 sv[2], pp[2];
	char		 c;
	int		 before = count_fds();

	mkpair(sv);
	mkpipe(pp);
	ck_assert_int_eq(imsgbuf_init(&r, sv[1]), 0);
	put_hdr(wire, 1, IMSG_HEADER_SIZE | IMSG_FD_MARK, 0, 0);
	write_all(sv[0], wire, sizeof(wire));
	ck_assert_int_eq(imsgbuf_read(&r), 1);
	put_hdr(wire, 2, IMSG_HEADER_SIZE | IMSG_FD_MARK, 0, 0);
	send_fds(sv[0], wire, sizeof(wire), &pp[1], 1);
	close(pp[1]);
	ck_assert_int_eq(imsgbuf_read(&r), 1);
	ck_assert_int_eq(r.nrfds, 1);
	ck_assert_int_eq(imsg_get(&r, &m), -1);
	ck_assert_int_eq(errno, EBADMSG);
	ck_assert_int_eq(m.fd, -1);
	imsgbuf_clear(&r);
	ck_assert_int_eq(read(pp[0], &c, 1), 0);
	close(pp[0]);
	close(sv[0]);
	close(sv[1]);
	ck_assert_int_eq(count_fds(), before);
}
END_TEST

/* More fds than may be pending in one go: refused and closed. */
START_TEST(test_too_many_fds)
{
	static const int counts[] = { IMSG_MAX_PENDING_FDS + 1, 40 };
	struct imsgbuf	 r;
	struct imsg	 m;
	uint8_t		 wire[IMSG_HEADER_SIZE];
	int		 sv[2], pp[2], fds[40], i, k;
	char		 c;
	int		 before = count_fds();

	for (k = 0; k < 2; k++) {
		mkpair(sv);
		mkpipe(pp);
		for (i = 0; i < counts[k]; i++)
			fds[i] = pp[1];
		ck_assert_int_eq(imsgbuf_init(&r, sv[1]), 0);
		put_hdr(wire, 1, IMSG_HEADER_SIZE | IMSG_FD_MARK, 0, 0);
		send_fds(sv[0], wire, sizeof(wire), fds, counts[k]);
		close(pp[1]);
		ck_assert_int_eq(imsgbuf_read(&r), -1);
		ck_assert_int_eq(errno, EBADMSG);
		/* Every received copy is closed already. */
		ck_assert_int_eq(read(pp[0], &c, 1), 0);
		ck_assert_int_eq(imsg_get(&r, &m), -1);
		ck_assert_int_eq(errno, EBADMSG);
		imsgbuf_clear(&r);
		close(pp[0]);
		close(sv[0]);
		close(sv[1]);
		ck_assert_int_eq(count_fds(), before);
	}
}
END_TEST

/* Unclaimed fds pile up only to IMSG_MAX_PENDING_FDS. */
START_TEST(test_pending_fd_limit)
{
	struct imsgbuf	 r;
	uint8_t		 wire[IMSG_HEADER_SIZE];
	int		 sv[2], pp[2], i;
	char		 c;
	int		 before = count_fds();

	mkpair(sv);
	mkpipe(pp);
	ck_assert_int_eq(imsgbuf_init(&r, sv[1]), 0);
	put_hdr(wire, 1, IMSG_HEADER_SIZE, 0, 0);
	for (i = 0; i <= IMSG_MAX_PENDING_FDS; i++)
		send_fds(sv[0], wire, sizeof(wire), &pp[1], 1);
	close(pp[1]);
	/* Each fd-carrying segment ends a read. */
	for (i = 0; i < IMSG_MAX_PENDING_FDS; i++)
		ck_assert_int_eq(imsgbuf_read(&r), 1);
	ck_assert_int_eq(r.nrfds, IMSG_MAX_PENDING_FDS);
	ck_assert_int_eq(imsgbuf_read(&r), -1);
	ck_assert_int_eq(errno, EBADMSG);
	imsgbuf_clear(&r);
	ck_assert_int_eq(read(pp[0], &c, 1), 0);
	close(pp[0]);
	close(sv[0]);
	close(sv[1]);
	ck_assert_int_eq(count_fds(), before);
}
END_TEST

/* ---------- malformed lengths and EOF ---------- */

static void
bad_length(uint32_t len)
{
	struct imsgbuf	 r;
	struct imsg	 m;
	uint8_t		 wire[IMSG_HEADER_SIZE + 32];
	int		 sv[2];

	mkpair(sv);
	ck_assert_int_eq(imsgbuf_init(&r, sv[1]), 0);
	put_hdr(wire, 1, len, 2, 3);
	memset(wire + IMSG_HEADER_SIZE, 0x55, 32);
	write_all(sv[0], wire, sizeof(wire));
	ck_assert_int_eq(imsgbuf_read(&r), 1);
	ck_assert_int_eq(imsg_get(&r, &m), -1);
	ck_assert_int_eq(errno, EBADMSG);
	ck_assert_int_eq(r.broken, 1);
	/* Sticky: the buffer stays unusable. */
	ck_assert_int_eq(imsg_get(&r, &m), -1);
	ck_assert_int_eq(errno, EBADMSG);
	imsgbuf_clear(&r);
	close(sv[0]);
	close(sv[1]);
}

START_TEST(test_len_below_header)
{
	bad_length(0);
	bad_length(1);
	bad_length(IMSG_HEADER_SIZE - 1);
	bad_length(IMSG_FD_MARK | (IMSG_HEADER_SIZE - 1));
	bad_length(IMSG_FD_MARK);
}
END_TEST

START_TEST(test_len_above_max)
{
	bad_length(IMSG_MAX_SIZE + 1);
	bad_length(IMSG_FD_MARK | (IMSG_MAX_SIZE + 1));
	bad_length(0x7fffffffu);
	bad_length(0xffffffffu);
	/* Detected from the header alone, before the bytes arrive. */
	bad_length(2 * IMSG_MAX_SIZE);
}
END_TEST

START_TEST(test_eof_mid_message)
{
	static const size_t	 cut[] = { 8, IMSG_HEADER_SIZE, 50, 99 };
	struct imsgbuf		 r;
	struct imsg		 m;
	uint8_t			 wire[100];
	size_t			 k;
	int			 sv[2], n, reads;

	for (k = 0; k < nitems(cut); k++) {
		mkpair(sv);
		ck_assert_int_eq(imsgbuf_init(&r, sv[1]), 0);
		put_hdr(wire, 1, sizeof(wire), 0, 0);
		fill(wire + IMSG_HEADER_SIZE, sizeof(wire) - IMSG_HEADER_SIZE,
		    1);
		write_all(sv[0], wire, cut[k]);
		close(sv[0]);
		for (reads = 0; (n = imsgbuf_read(&r)) == 1; reads++)
			ck_assert_int_eq(imsg_get(&r, &m), 0);
		ck_assert_int_eq(n, 0);
		ck_assert_int_eq(reads, 1);
		ck_assert_int_eq(imsg_get(&r, &m), 0);
		ck_assert_int_eq(imsgbuf_read(&r), 0);
		imsgbuf_clear(&r);
		close(sv[1]);
	}
}
END_TEST

/* ---------- accessors and compose limits ---------- */

START_TEST(test_get_data_len)
{
	struct pair	 p;
	struct imsg	 m;
	uint64_t	 v = 0x1122334455667788ull, out = 0;
	uint8_t		 big[16];

	pair_open(&p);
	ck_assert_int_eq(imsg_compose(&p.w, 1, 0, -1, &v, sizeof(v)), 0);
	ck_assert_int_eq(imsg_compose(&p.w, 2, 0, -1, NULL, 0), 0);
	ck_assert_int_eq(pump(&p.w, &p.r, &m), 1);
	ck_assert_uint_eq(imsg_get_len(&m), sizeof(v));
	ck_assert_int_eq(imsg_get_data(&m, &out, 4), -1);
	ck_assert_int_eq(errno, EBADMSG);
	ck_assert_int_eq(imsg_get_data(&m, big, sizeof(big)), -1);
	ck_assert_int_eq(errno, EBADMSG);
	ck_assert_int_eq(imsg_get_data(&m, big, 0), -1);
	ck_assert_uint_eq(out, 0);
	ck_assert_int_eq(imsg_get_data(&m, &out, sizeof(out)), 0);
	ck_assert(out == v);
	ck_assert_int_eq(imsg_get_fd(&m), -1);
	imsg_free(&m);

	ck_assert_int_eq(pump(&p.w, &p.r, &m), 1);
	ck_assert_uint_eq(imsg_get_len(&m), 0);
	ck_assert_int_eq(imsg_get_data(&m, NULL, 0), 0);
	ck_assert_int_eq(imsg_get_data(&m, big, 1), -1);
	ck_assert_int_eq(errno, EBADMSG);
	imsg_free(&m);
	pair_close(&p);
}
END_TEST

START_TEST(test_compose_too_large)
{
	struct imsgbuf	 w;
	struct iovec	 iov[2];
	uint8_t		*buf;
	int		 sv[2], pp[2];
	int		 before = count_fds();

	buf = calloc(1, IMSG_MAX_PAYLOAD + 1);
	ck_assert_ptr_nonnull(buf);
	mkpair(sv);
	ck_assert_int_eq(imsgbuf_init(&w, sv[0]), 0);

	mkpipe(pp);
	errno = 0;
	ck_assert_int_eq(imsg_compose(&w, 1, 0, pp[1], buf,
	    IMSG_MAX_PAYLOAD + 1), -1);
	ck_assert_int_eq(errno, ERANGE);
	ck_assert(!fd_is_open(pp[1]));	/* nothing opened since */
	ck_assert_int_eq(imsgbuf_queued(&w), 0);
	close(pp[0]);

	/* Pieces that only together exceed the maximum. */
	iov[0].iov_base = buf;
	iov[0].iov_len = IMSG_MAX_PAYLOAD / 2 + 1;
	iov[1].iov_base = buf;
	iov[1].iov_len = IMSG_MAX_PAYLOAD / 2;
	ck_assert_int_eq(imsg_composev(&w, 1, 0, -1, iov, 2), -1);
	ck_assert_int_eq(errno, ERANGE);
	/* Lengths whose sum wraps around size_t. */
	iov[0].iov_len = 8;
	iov[1].iov_len = SIZE_MAX - 4;
	ck_assert_int_eq(imsg_composev(&w, 1, 0, -1, iov, 2), -1);
	ck_assert_int_eq(errno, ERANGE);
	ck_assert_int_eq(imsgbuf_queued(&w), 0);

	/* Exactly the maximum is fine. */
	ck_assert_int_eq(imsg_compose(&w, 1, 0, -1, buf, IMSG_MAX_PAYLOAD),
	    0);
	ck_assert_int_eq(imsgbuf_queued(&w), 1);
	imsgbuf_clear(&w);	/* frees the unsent message */
	close(sv[0]);
	close(sv[1]);
	free(buf);
	ck_assert_int_eq(count_fds(), before);
}
END_TEST

/* Unsent messages with fds are closed by imsgbuf_clear. */
START_TEST(test_clear_closes_queued_fds)
{
	struct imsgbuf	 w;
	int		 sv[2], pp[2];
	char		 c;
	int		 before = count_fds();

	mkpair(sv);
	mkpipe(pp);
	ck_assert_int_eq(imsgbuf_init(&w, sv[0]), 0);
	ck_assert_int_eq(imsg_compose(&w, 1, 0, pp[1], NULL, 0), 0);
	ck_assert_int_eq(imsg_compose(&w, 2, 0, dup(pp[0]), NULL, 0), 0);
	imsgbuf_clear(&w);
	ck_assert_int_eq(read(pp[0], &c, 1), 0);
	close(pp[0]);
	close(sv[0]);
	close(sv[1]);
	ck_assert_int_eq(count_fds(), before);
}
END_TEST

START_TEST(test_write_epipe)
{
	struct imsgbuf	 w;
	int		 sv[2];

	mkpair(sv);
	ck_assert_int_eq(imsgbuf_init(&w, sv[0]), 0);
	close(sv[1]);
	ck_assert_int_eq(imsg_compose(&w, 1, 0, -1, "x", 1), 0);
	/* MSG_NOSIGNAL: no SIGPIPE kills us here. */
	ck_assert_int_eq(imsgbuf_write(&w), -1);
	ck_assert_int_eq(errno, EPIPE);
	ck_assert_int_eq(imsgbuf_flush(&w), -1);
	ck_assert_int_eq(errno, EPIPE);
	ck_assert_uint_eq(imsgbuf_queued(&w), 1);
	imsgbuf_clear(&w);
	close(sv[0]);
}
END_TEST

/* ---------- flush against a concurrent reader process ---------- */

#define FLUSH_N		300
#define FLUSH_FDEVERY	37

static size_t
flush_size(uint32_t i)
{
	if (i % 10 == 0)
		return IMSG_MAX_PAYLOAD;
	return ((size_t)i * 7919u) % (IMSG_MAX_PAYLOAD + 1);
}

/* Runs in the child: 0 if every message arrived intact and in order. */
static int
flush_reader(int fd)
{
	struct imsgbuf	 r;
	struct imsg	 m;
	struct pollfd	 pfd;
	uint32_t	 next = 0;
	int		 n, rc = 0;

	if (imsgbuf_init(&r, fd) == -1)
		return 10;
	for (;;) {
		while ((n = imsg_get(&r, &m)) == 1) {
			if (m.hdr.type != next ||
			    m.datalen != flush_size(next) ||
			    !pattern_ok(m.data, m.datalen, next))
				rc = 11;
			if ((next % FLUSH_FDEVERY == 0) != (m.fd != -1))
				rc = 12;
			if (m.fd != -1 && !fd_is_open(m.fd))
				rc = 13;
			imsg_free(&m);
			next++;
		}
		if (n == -1)
			rc = 14;
		if (rc != 0)
			break;
		n = imsgbuf_read(&r);
		if (n == 0)
			break;
		if (n == -1) {
			if (errno != EAGAIN) {
				rc = 15;
				break;
			}
			pfd.fd = fd;
			pfd.events = POLLIN;
			if (poll(&pfd, 1, 30000) != 1) {
				rc = 16;
				break;
			}
		}
	}
	if (rc == 0 && next != FLUSH_N)
		rc = 17;
	imsgbuf_clear(&r);
	return rc;
}

START_TEST(test_flush_concurrent_reader)
{
	struct imsgbuf	 w;
	uint8_t		*buf;
	pid_t		 pid;
	uint32_t	 i;
	int		 sv[2], status, fd, rc;

	buf = malloc(IMSG_MAX_PAYLOAD);
	ck_assert_ptr_nonnull(buf);
	mkpair(sv);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		close(sv[0]);
		free(buf);
		rc = flush_reader(sv[1]);
		close(sv[1]);
		_exit(rc);
	}
	close(sv[1]);
	ck_assert_int_eq(imsgbuf_init(&w, sv[0]), 0);
	for (i = 0; i < FLUSH_N; i++) {
		fill(buf, flush_size(i), i);
		fd = -1;
		if (i % FLUSH_FDEVERY == 0)
			ck_assert_int_ne(fd = open("/dev/null",
			    O_RDONLY | O_CLOEXEC), -1);
		ck_assert_int_eq(imsg_compose(&w, i, 0, fd, buf,
		    flush_size(i)), 0);
	}
	ck_assert_uint_eq(imsgbuf_queued(&w), FLUSH_N);
	ck_assert_int_eq(imsgbuf_flush(&w), 0);
	ck_assert_uint_eq(imsgbuf_queued(&w), 0);
	imsgbuf_clear(&w);
	close(sv[0]);
	free(buf);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "reader failed, status %#x", status);
}
END_TEST

/* ---------- imsgev ---------- */

static void
never_called(int fd, short what, void *arg)
{
	abort();
}

static int
events_consistent(const struct imsgev *iev)
{
	return ((iev->events & EV_WRITE) != 0) ==
	    (imsgbuf_queued(&iev->ibuf) > 0) &&
	    (iev->events & EV_READ) != 0;
}

START_TEST(test_imsgev_update_events)
{
	struct event_base	*base;
	struct imsgev		 iev;
	int			 sv[2], flags;
	int			 before = count_fds();

	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv), 0);
	ck_assert_int_eq(imsgev_init(&iev, base, sv[0],
	    never_called, NULL), 0);
	flags = fcntl(sv[0], F_GETFL);
	ck_assert_int_ne(flags & O_NONBLOCK, 0);	/* made non-blocking */
	ck_assert_int_eq(iev.events, EV_READ);

	imsgev_update(&iev);				/* empty queue */
	ck_assert_int_eq(iev.events, EV_READ);
	ck_assert_int_eq(imsgev_compose(&iev, 1, 0, -1, "a", 1), 0);
	ck_assert_int_eq(iev.events, EV_READ | EV_WRITE);
	ck_assert(event_pending(iev.ev, EV_WRITE, NULL));
	ck_assert_int_eq(imsg_compose(&iev.ibuf, 2, 0, -1, "b", 1), 0);
	imsgev_update(&iev);				/* still queued */
	ck_assert_int_eq(iev.events, EV_READ | EV_WRITE);
	ck_assert_int_eq(imsgbuf_write(&iev.ibuf), 0);
	ck_assert_uint_eq(imsgbuf_queued(&iev.ibuf), 0);
	imsgev_update(&iev);				/* drained */
	ck_assert_int_eq(iev.events, EV_READ);
	ck_assert(!event_pending(iev.ev, EV_WRITE, NULL));
	ck_assert(event_pending(iev.ev, EV_READ, NULL));

	imsgev_close(&iev);
	ck_assert_ptr_null(iev.ev);
	ck_assert_int_eq(iev.events, 0);
	ck_assert(!fd_is_open(sv[0]));
	imsgev_close(&iev);				/* harmless twice */
	close(sv[1]);
	event_base_free(base);
	ck_assert_int_eq(count_fds(), before);
}
END_TEST

#define EV_N	400

struct evtest {
	struct event_base	*base;
	struct imsgev		 a, b;
	uint32_t		 b_got;		/* messages b received */
	uint32_t		 a_acks;	/* echoes a received */
	int			 spurious;	/* EV_WRITE with an empty queue */
	int			 inconsistent;	/* events disagree with queue */
	int			 a_wrote, b_wrote;	/* EV_WRITE callbacks */
	int			 bad;
};

static size_t
ev_size(uint32_t i)
{
	return ((size_t)i * 40503u) % 65536u;
}

static void
ev_handler(int fd, short what, void *arg)
{
	struct imsgev	*iev = arg;
	struct evtest	*t = iev->data;
	struct imsg	 m;
	uint32_t	 v;
	int		 n;

	if (what & EV_WRITE) {
		if (imsgbuf_queued(&iev->ibuf) == 0)
			t->spurious++;
		if (imsgbuf_write(&iev->ibuf) == -1)
			t->bad++;
		if (iev == &t->a)
			t->a_wrote++;
		else
			t->b_wrote++;
	}
	if (what & EV_READ) {
		n = imsgbuf_read(&iev->ibuf);
		if (n == 0 || (n == -1 && errno != EAGAIN))
			t->bad++;
		while ((n = imsg_get(&iev->ibuf, &m)) == 1) {
			if (iev == &t->b) {
				/* b checks and echoes the sequence number. */
				if (m.hdr.type != t->b_got ||
				    m.datalen != ev_size(t->b_got) ||
				    !pattern_ok(m.data, m.datalen, t->b_got))
					t->bad++;
				v = t->b_got++;
				if (imsgev_compose(&t->b, 7, 0, -1, &v,
				    sizeof(v)) == -1)
					t->bad++;
				if (!events_consistent(&t->b))
					t->inconsistent++;
			} else {
				if (imsg_get_data(&m, &v, sizeof(v)) == -1 ||
				    v != t->a_acks)
					t->bad++;
				t->a_acks++;
			}
			imsg_free(&m);
		}
		if (n == -1)
			t->bad++;
	}
	imsgev_update(iev);
	if (!events_consistent(iev))
		t->inconsistent++;
	if (t->a_acks == EV_N || t->bad)
		event_base_loopbreak(t->base);
}

START_TEST(test_imsgev_loop)
{
	struct evtest	 t;
	struct timeval	 limit = { 120, 0 };
	uint8_t		*buf;
	uint32_t	 i;
	int		 sv[2];
	int		 before = count_fds();

	memset(&t, 0, sizeof(t));
	buf = malloc(65536);
	ck_assert_ptr_nonnull(buf);
	t.base = event_base_new();
	ck_assert_ptr_nonnull(t.base);
	mkpair(sv);
	ck_assert_int_eq(imsgev_init(&t.a, t.base, sv[0], ev_handler, &t),
	    0);
	ck_assert_int_eq(imsgev_init(&t.b, t.base, sv[1], ev_handler, &t),
	    0);
	ck_assert_int_eq(t.a.events, EV_READ);
	ck_assert_int_eq(t.b.events, EV_READ);

	/* Far more than the socket buffer: EV_WRITE must re-arm often. */
	for (i = 0; i < EV_N; i++) {
		fill(buf, ev_size(i), i);
		ck_assert_int_eq(imsgev_compose(&t.a, i, 0, -1, buf,
		    ev_size(i)), 0);
		ck_assert_int_eq(t.a.events, EV_READ | EV_WRITE);
	}
	ck_assert_int_eq(event_base_loopexit(t.base, &limit), 0);
	ck_assert_int_eq(event_base_dispatch(t.base), 0);

	ck_assert_int_eq(t.bad, 0);
	ck_assert_uint_eq(t.b_got, EV_N);
	ck_assert_uint_eq(t.a_acks, EV_N);
	ck_assert_int_eq(t.spurious, 0);
	ck_assert_int_eq(t.inconsistent, 0);
	ck_assert_int_gt(t.a_wrote, 1);
	ck_assert_int_gt(t.b_wrote, 0);
	/* Everything went out, so nobody waits for writing any more. */
	ck_assert_uint_eq(imsgbuf_queued(&t.a.ibuf), 0);
	ck_assert_int_eq(t.a.events, EV_READ);
	ck_assert_uint_eq(imsgbuf_queued(&t.b.ibuf), 0);
	ck_assert_int_eq(t.b.events, EV_READ);

	imsgev_close(&t.a);
	imsgev_close(&t.b);
	event_base_free(t.base);
	free(buf);
	ck_assert_int_eq(count_fds(), before);
}
END_TEST

/* ---------- garbage ---------- */

static uint64_t
rnd(uint64_t *s)
{
	/* xorshift64*: deterministic, good enough to make noise. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

/* Messages built in place arrive with the length given at close. */
START_TEST(test_create_close)
{
	struct imsgbuf	 a, b;
	struct imsg	 m;
	struct ibuf	*ib;
	int		 sv[2], fds0 = count_fds();

	mkpair(sv);
	ck_assert_int_eq(imsgbuf_init(&a, sv[0]), 0);
	ck_assert_int_eq(imsgbuf_init(&b, sv[1]), 0);
	ck_assert_ptr_null(imsg_create(&a, 9, 0, IMSG_MAX_PAYLOAD + 1));
	ck_assert_int_eq(errno, ERANGE);

	ib = imsg_create(&a, 7, 42, 1000);
	ck_assert_ptr_nonnull(ib);
	fill(imsg_payload(ib), 300, 5);
	ck_assert_int_eq(imsg_close(&a, ib, 300), 0);
	/* Closing beyond the reservation fails and frees the buffer. */
	ib = imsg_create(&a, 8, 0, 10);
	ck_assert_int_eq(imsg_close(&a, ib, 11), -1);
	ck_assert_int_eq(errno, ERANGE);
	ib = imsg_create(&a, 8, 0, 10);
	imsg_abandon(ib);
	ib = imsg_create(&a, 6, 0, IMSG_MAX_PAYLOAD);
	ck_assert_int_eq(imsg_close(&a, ib, 0), 0);
	ck_assert_uint_eq(imsgbuf_queued(&a), 2);
	ck_assert_int_eq(imsgbuf_flush(&a), 0);

	ck_assert_int_eq(imsgbuf_read(&b), 1);
	ck_assert_int_eq(imsg_get(&b, &m), 1);
	ck_assert_uint_eq(m.hdr.type, 7);
	ck_assert_uint_eq(m.hdr.peerid, 42);
	ck_assert_uint_eq(m.datalen, 300);
	ck_assert(pattern_ok(m.data, 300, 5));
	imsg_free(&m);
	ck_assert_int_eq(imsg_get(&b, &m), 1);
	ck_assert_uint_eq(m.hdr.type, 6);
	ck_assert_uint_eq(m.datalen, 0);
	imsg_free(&m);
	ck_assert_int_eq(imsg_get(&b, &m), 0);
	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);
	ck_assert_int_eq(count_fds(), fds0);
}
END_TEST

START_TEST(test_garbage)
{
	struct imsgbuf	 r;
	struct imsg	 m;
	uint8_t		 chunk[1200];
	uint64_t	 seed;
	size_t		 len, i, plen;
	uint32_t	 hlen;
	int		 sv[2], nullfd, round, step, n = 0, done, fds[3], nf;
	unsigned long	 msgs = 0, errors = 0;
	int		 before = count_fds();

	nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
	ck_assert_int_ne(nullfd, -1);
	for (round = 0; round < 300; round++) {
		seed = 0x9e3779b97f4a7c15ull * (uint64_t)(round + 1);
		mkpair(sv);
		ck_assert_int_eq(imsgbuf_init(&r, sv[1]), 0);
		for (step = 0, done = 0; step < 64 && !done; step++) {
			len = 0;
			switch (rnd(&seed) % 8) {
			case 0:
			case 1:
			case 2:
				/* Pure noise. */
				len = rnd(&seed) % 300;
				for (i = 0; i < len; i++)
					chunk[i] = (uint8_t)rnd(&seed);
				break;
			case 7:
				/* A length at or around a boundary. */
				switch (rnd(&seed) % 4) {
				case 0:
					hlen = IMSG_HEADER_SIZE - 1;
					break;
				case 1:
					hlen = IMSG_HEADER_SIZE;
					break;
				case 2:
					hlen = IMSG_MAX_SIZE;
					break;
				default:
					hlen = IMSG_MAX_SIZE + 1;
					break;
				}
				len = put_hdr(chunk, (uint32_t)rnd(&seed),
				    hlen, 0, 0);
				break;
			default:
				/* A plausible header with a payload that
				 * may be short, exact or overlong. */
				hlen = IMSG_HEADER_SIZE +
				    (uint32_t)(rnd(&seed) % 400);
				if (rnd(&seed) % 3 == 0)
					hlen |= IMSG_FD_MARK;
				len = put_hdr(chunk, (uint32_t)rnd(&seed),
				    hlen, (uint32_t)rnd(&seed),
				    (uint32_t)rnd(&seed));
				plen = (hlen & ~IMSG_FD_MARK) -
				    IMSG_HEADER_SIZE;
				if (rnd(&seed) % 4 == 0)
					plen = rnd(&seed) % 500;
				for (i = 0; i < plen; i++)
					chunk[len + i] = (uint8_t)rnd(&seed);
				len += plen;
				break;
			}
			if (len == 0)
				continue;
			nf = (int)(rnd(&seed) % 8);
			if (nf > 3)
				nf = 0;
			for (i = 0; i < (size_t)nf; i++)
				fds[i] = nullfd;
			send_fds(sv[0], chunk, len, fds, nf);

			for (;;) {
				n = imsgbuf_read(&r);
				if (n == 0)
					ck_abort_msg("unexpected EOF");
				if (n == -1) {
					ck_assert(errno == EAGAIN ||
					    errno == EBADMSG);
					if (errno == EBADMSG)
						done = 1;
					break;
				}
			}
			while (!done && (n = imsg_get(&r, &m)) == 1) {
				ck_assert_uint_ge(m.hdr.len,
				    IMSG_HEADER_SIZE);
				ck_assert_uint_le(m.hdr.len, IMSG_MAX_SIZE);
				ck_assert_uint_eq(m.datalen,
				    m.hdr.len - IMSG_HEADER_SIZE);
				/* Touch every byte (ASan checks bounds). */
				for (i = 0, plen = 0; i < m.datalen; i++)
					plen += m.data[i];
				if (m.fd != -1)
					ck_assert(fd_is_open(m.fd));
				imsg_free(&m);
				msgs++;
			}
			if (!done && n == -1) {
				ck_assert_int_eq(errno, EBADMSG);
				ck_assert_int_eq(imsg_get(&r, &m), -1);
				done = 1;
			}
			if (done)
				errors++;
			ck_assert_int_le(r.nrfds, IMSG_MAX_PENDING_FDS);
		}
		imsgbuf_clear(&r);
		close(sv[0]);
		close(sv[1]);
	}
	close(nullfd);
	/* The noise must exercise both outcomes. */
	ck_assert_uint_gt(msgs, 100);
	ck_assert_uint_gt(errors, 100);
	ck_assert_int_eq(count_fds(), before);
}
END_TEST

/* ---------- driver ---------- */

static Suite *
imsg_suite(void)
{
	Suite	*s = suite_create("imsg");
	TCase	*tc;

	tc = tcase_create("roundtrip");
	tcase_add_test(tc, test_roundtrip_sizes);
	tcase_add_test(tc, test_composev);
	tcase_add_test(tc, test_many_in_one_read);
	tcase_add_test(tc, test_split_bytewise);
	tcase_add_test(tc, test_stream_odd_chunks);
	tcase_add_test(tc, test_read_enobufs);
	tcase_set_timeout(tc, SLOW_TIMEOUT);
	suite_add_tcase(s, tc);

	tc = tcase_create("fds");
	tcase_add_test(tc, test_fd_pass);
	tcase_add_test(tc, test_fd_pass_many);
	tcase_add_test(tc, test_fd_on_max_message);
	tcase_add_test(tc, test_stray_fd);
	tcase_add_test(tc, test_stray_fd_not_reused);
	tcase_add_test(tc, test_mark_without_fd);
	tcase_add_test(tc, test_mark_takes_no_later_fd);
	tcase_add_test(tc, test_too_many_fds);
	tcase_add_test(tc, test_pending_fd_limit);
	tcase_add_test(tc, test_clear_closes_queued_fds);
	tcase_set_timeout(tc, SLOW_TIMEOUT);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_test(tc, test_len_below_header);
	tcase_add_test(tc, test_len_above_max);
	tcase_add_test(tc, test_eof_mid_message);
	tcase_add_test(tc, test_garbage);
	tcase_set_timeout(tc, SLOW_TIMEOUT);
	suite_add_tcase(s, tc);

	tc = tcase_create("api");
	tcase_add_test(tc, test_get_data_len);
	tcase_add_test(tc, test_create_close);
	tcase_add_test(tc, test_compose_too_large);
	tcase_add_test(tc, test_write_epipe);
	tcase_add_test(tc, test_flush_concurrent_reader);
	tcase_set_timeout(tc, SLOW_TIMEOUT);
	suite_add_tcase(s, tc);

	tc = tcase_create("imsgev");
	tcase_add_test(tc, test_imsgev_update_events);
	tcase_add_test(tc, test_imsgev_loop);
	tcase_set_timeout(tc, SLOW_TIMEOUT);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	/* A stray SIGPIPE would mask a missing MSG_NOSIGNAL otherwise. */
	signal(SIGPIPE, SIG_DFL);
	/* Catches event_assign on a pending event, among others. */
	event_enable_debug_mode();

	sr = srunner_create(imsg_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	libevent_global_shutdown();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
