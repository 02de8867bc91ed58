/* Packet batches: round trips across several messages and hostile input. */
#include "autoconf.h"

#include <sys/mman.h>
#include <sys/socket.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipc/imsg.h"
#include "ipc/pktbatch.h"
#include "ipc/pktring.h"

struct seen {
	unsigned int	 n;
	uint32_t	 next;	/* expected packet number */
	int		 bad;
};

static void
fill(uint8_t *p, size_t len, uint32_t k)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(k * 31 + i);
}

static size_t
len_of(uint32_t k)
{
	/* Sizes from 0 to 65535 with the odd ones PAD4 has to round. */
	return k % 7 == 0 ? (k * 977) % 65536 : (k * 13) % 1500;
}

static void
check_one(void *arg, const struct pkt_rec *r, const uint8_t *pkt)
{
	struct seen	*s = arg;
	uint8_t		*want;
	uint32_t	 k = s->next++;

	s->n++;
	if (r->peer != k || r->len != len_of(k) || r->addr.af != AF_INET6 ||
	    r->addr.port != (uint16_t)k || r->flags != PKT_F_TO_ADDR) {
		s->bad++;
		return;
	}
	want = malloc(r->len + 1);
	fill(want, r->len, k);
	if (memcmp(want, pkt, r->len) != 0)
		s->bad++;
	free(want);
}

/* Two ends of a channel over a socketpair. */
static void
channel(struct imsgbuf *a, struct imsgbuf *b, int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
	    sv), 0);
	ck_assert_int_eq(imsgbuf_init(a, sv[0]), 0);
	ck_assert_int_eq(imsgbuf_init(b, sv[1]), 0);
}

START_TEST(t_roundtrip)
{
	struct imsgbuf	 a, b;
	struct pktbatch	 pb;
	struct imsg	 m;
	struct pkt_addr	 addr;
	struct seen	 s;
	int		 sv[2], msgs = 0, n;
	uint32_t	 k, total = 600;
	uint8_t		*p;

	channel(&a, &b, sv);
	pktbatch_init(&pb, &a, 77);
	memset(&s, 0, sizeof(s));
	memset(&addr, 0, sizeof(addr));
	addr.af = AF_INET6;
	for (k = 0; k < total; k++) {
		addr.port = (uint16_t)k;
		p = pktbatch_add(&pb, k, PKT_F_TO_ADDR, &addr, len_of(k) + 100);
		ck_assert_ptr_nonnull(p);
		fill(p, len_of(k), k);
		pktbatch_commit(&pb, len_of(k));
		/* Drain as we go: the socket buffer is finite. */
		while (imsgbuf_queued(&a) > 0) {
			ck_assert_int_eq(imsgbuf_write(&a), 0);
			while (imsgbuf_read(&b) > 0)
				;
			while ((n = imsg_get(&b, &m)) == 1) {
				ck_assert_uint_eq(m.hdr.type, 77);
				ck_assert_int_gt(pktbatch_foreach(m.data,
				    m.datalen, check_one, &s), 0);
				imsg_free(&m);
				msgs++;
			}
		}
	}
	pktbatch_flush(&pb);
	while (imsgbuf_queued(&a) > 0 || s.n < total) {
		ck_assert_int_eq(imsgbuf_write(&a), 0);
		while (imsgbuf_read(&b) > 0)
			;
		while (imsg_get(&b, &m) == 1) {
			ck_assert_int_gt(pktbatch_foreach(m.data, m.datalen,
			    check_one, &s), 0);
			imsg_free(&m);
			msgs++;
		}
	}
	ck_assert_uint_eq(s.n, total);
	ck_assert_int_eq(s.bad, 0);
	/* Large packets forced several batches. */
	ck_assert_int_gt(msgs, 10);
	ck_assert_uint_eq(pktbatch_flush(&pb), 0);
	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

static void
count_cb(void *arg, const struct pkt_rec *r, const uint8_t *pkt)
{
	(*(int *)arg)++;
	(void)r;
	(void)pkt;
}

/* One valid record of len bytes at buf; returns its size. */
static size_t
put_rec(uint8_t *buf, uint16_t len, uint16_t flags, uint8_t af)
{
	struct pkt_rec	 r;

	memset(&r, 0, sizeof(r));
	r.peer = 1;
	r.len = len;
	r.flags = flags;
	r.addr.af = af;
	memcpy(buf, &r, sizeof(r));
	memset(buf + sizeof(r), 0xab, (len + 3u) & ~3u);
	return sizeof(r) + ((len + 3u) & ~3u);
}

START_TEST(t_hostile)
{
	uint8_t		 buf[4096];
	size_t		 l, i;
	int		 calls = 0;

	l = put_rec(buf, 10, 0, AF_INET);
	l += put_rec(buf + l, 0, PKT_F_HANDSHAKE, 0);
	ck_assert_int_eq(pktbatch_foreach(buf, l, count_cb, &calls), 2);
	ck_assert_int_eq(calls, 2);
	/* Every truncation of a valid batch is refused, with no callback. */
	for (i = 1; i < l; i++) {
		calls = 0;
		if (i == put_rec(buf, 10, 0, AF_INET))
			continue;	/* the first record alone is whole */
		ck_assert_int_eq(pktbatch_foreach(buf, i, count_cb, &calls), -1);
		ck_assert_int_eq(calls, 0);
	}
	/* A bad second record spoils the batch before the first is used. */
	calls = 0;
	l = put_rec(buf, 10, 0, AF_INET);
	l += put_rec(buf + l, 10, 0x8000, AF_INET);
	ck_assert_int_eq(pktbatch_foreach(buf, l, count_cb, &calls), -1);
	ck_assert_int_eq(calls, 0);
	l = put_rec(buf, 10, 0, 99);
	ck_assert_int_eq(pktbatch_foreach(buf, l, count_cb, &calls), -1);
	l = put_rec(buf, 10, PKT_F_TO_ADDR, 0);
	ck_assert_int_eq(pktbatch_foreach(buf, l, count_cb, &calls), -1);
	/* A length pointing past the end. */
	l = put_rec(buf, 10, 0, AF_INET);
	((struct pkt_rec *)(void *)buf)->len = 60000;
	ck_assert_int_eq(pktbatch_foreach(buf, l, count_cb, &calls), -1);
	ck_assert_int_eq(calls, 0);
	/* Random bytes: refused or walked, never a crash. */
	srandom(7);
	for (i = 0; i < 20000; i++) {
		size_t	 j, n = (size_t)random() % sizeof(buf);

		for (j = 0; j < n; j++)
			buf[j] = (uint8_t)random();
		if (i % 3 == 0 && n >= sizeof(struct pkt_rec))
			((struct pkt_rec *)(void *)buf)->addr.af = AF_INET;
		(void)pktbatch_foreach(buf, n, count_cb, &calls);
	}
	ck_assert_int_eq(pktbatch_foreach(buf, 0, count_cb, &calls), 0);
}
END_TEST

START_TEST(t_padding_zeroed)
{
	struct imsgbuf	 a;
	struct pktbatch	 pb;
	struct ibuf	*cur;
	uint8_t		*p;
	int		 sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(imsgbuf_init(&a, sv[0]), 0);
	pktbatch_init(&pb, &a, 1);
	ck_assert_ptr_null(pktbatch_add(&pb, 0, 0, NULL, PKT_MAX_LEN + 1));
	p = pktbatch_add(&pb, 0, 0, NULL, 64);
	memset(p, 0xee, 64);
	pktbatch_commit(&pb, 5);
	cur = pb.cur;
	/* bytes 5..7 of the packet are padding: zero */
	ck_assert_uint_eq(p[5], 0);
	ck_assert_uint_eq(p[6], 0);
	ck_assert_uint_eq(p[7], 0);
	ck_assert_ptr_nonnull(cur);
	pktbatch_discard(&pb);
	ck_assert_uint_eq(pktbatch_flush(&pb), 0);
	imsgbuf_clear(&a);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* Both sides of a ring in one process: the writer's and the reader's. */
static int
ring_pair(struct pktring_map *w, struct pktring_map *r)
{
	int	 fd;

	ck_assert_int_ne(fd = memfd_create("check-ring", MFD_CLOEXEC), -1);
	ck_assert_int_eq(ftruncate(fd, (off_t)PKTRING_MAP_LEN), 0);
	ck_assert_int_eq(pktring_map(w, fd, PKTRING_SIZE, 0), 0);
	ck_assert_int_eq(pktring_map(r, fd, PKTRING_SIZE, 1), 0);
	return fd;
}

/* Read every descriptor b has, check its batch, release it. */
static int
ring_drain(struct imsgbuf *a, struct imsgbuf *b, struct pktring *rx,
    struct seen *s)
{
	struct imsg	 m;
	int		 msgs = 0;

	while (imsgbuf_queued(a) > 0) {
		ck_assert_int_eq(imsgbuf_write(a), 0);
		while (imsgbuf_read(b) > 0)
			;
		while (imsg_get(b, &m) == 1) {
			ck_assert_uint_eq(m.hdr.type, 78);
			ck_assert_int_gt(pktbatch_ring_foreach(rx, m.data,
			    m.datalen, check_one, s), 0);
			pktring_release(rx);
			imsg_free(&m);
			msgs++;
		}
	}
	return msgs;
}

/*
 * Through the ring: 4000 packets of every size, about three turns of
 * it, with the writer stopped by a full ring and the reader releasing;
 * every packet arrives whole and in order, and the writer's view of
 * the room comes back to all of it.
 */
START_TEST(t_ring_roundtrip)
{
	struct pktring_map	 w, r;
	struct imsgbuf		 a, b;
	struct pktbatch		 pb;
	struct pkt_addr		 addr;
	struct seen		 s;
	int			 sv[2], fd, full = 0;
	uint32_t		 k, total = 4000;
	uint8_t			*p;

	channel(&a, &b, sv);
	fd = ring_pair(&w, &r);
	pktbatch_init(&pb, &a, 77);
	pktbatch_use_ring(&pb, &w.tx, 78);
	ck_assert_uint_eq(pktbatch_room(&pb), PKTRING_SIZE);
	memset(&s, 0, sizeof(s));
	memset(&addr, 0, sizeof(addr));
	addr.af = AF_INET6;
	for (k = 0; k < total; k++) {
		addr.port = (uint16_t)k;
		while ((p = pktbatch_add(&pb, k, PKT_F_TO_ADDR, &addr,
		    len_of(k) + 100)) == NULL) {
			/* Full: the batch went out; the reader frees room. */
			full++;
			ck_assert_int_gt(ring_drain(&a, &b, &r.rx, &s), 0);
		}
		fill(p, len_of(k), k);
		pktbatch_commit(&pb, len_of(k));
	}
	(void)pktbatch_flush(&pb);
	(void)ring_drain(&a, &b, &r.rx, &s);
	ck_assert_uint_eq(s.n, total);
	ck_assert_int_eq(s.bad, 0);
	ck_assert_int_gt(full, 0);
	ck_assert_uint_gt(w.tx.head, 2 * (uint64_t)PKTRING_SIZE);
	ck_assert_uint_eq(pktbatch_room(&pb), PKTRING_SIZE);
	ck_assert_int_eq(pktbatch_broken(&pb), 0);
	pktring_unmap(&w);
	pktring_unmap(&r);
	close(fd);
	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/*
 * A reader facing a hostile writer: descriptors that start anywhere but
 * where the next batch may, run past the ring's end, hold nothing, too
 * much or a count that does not match, and records that overrun their
 * batch, are all refused before any callback.  A writer facing a
 * hostile reader: a release position behind the last or past what was
 * written marks the ring broken and frees nothing.
 */
START_TEST(t_ring_hostile)
{
	struct pktring_map	 w, r;
	struct pkt_ring_msg	 d;
	struct pktbatch		 pb;
	struct imsgbuf		 a;
	int			 fd, n = 0, sv[2];
	size_t			 len;
	uint8_t			*p;

	fd = ring_pair(&w, &r);
	len = put_rec(w.tx.data, 100, 0, AF_INET);
	len += put_rec(w.tx.data + len, 8, 0, AF_INET6);
	memset(&d, 0, sizeof(d));
	d.len = (uint32_t)len;
	d.count = 2;
	d.pos = 4;				/* not where a batch starts */
	ck_assert_int_eq(pktbatch_ring_foreach(&r.rx, &d, sizeof(d),
	    count_cb, &n), -1);
	d.pos = 0;
	ck_assert_int_eq(pktbatch_ring_foreach(&r.rx, &d, sizeof(d) - 1,
	    count_cb, &n), -1);			/* short descriptor */
	d.count = 3;
	ck_assert_int_eq(pktbatch_ring_foreach(&r.rx, &d, sizeof(d),
	    count_cb, &n), -1);			/* count does not match */
	d.count = PKTRING_BATCH_RECS + 1;
	ck_assert_int_eq(pktbatch_ring_foreach(&r.rx, &d, sizeof(d),
	    count_cb, &n), -1);
	d.count = 2;
	d.len = PKTRING_BATCH_MAX + 4;
	ck_assert_int_eq(pktbatch_ring_foreach(&r.rx, &d, sizeof(d),
	    count_cb, &n), -1);
	d.len = 0;
	ck_assert_int_eq(pktbatch_ring_foreach(&r.rx, &d, sizeof(d),
	    count_cb, &n), -1);
	d.len = (uint32_t)len - 4;		/* cuts the last record */
	ck_assert_int_eq(pktbatch_ring_foreach(&r.rx, &d, sizeof(d),
	    count_cb, &n), -1);
	ck_assert_int_eq(n, 0);
	/* Past the end of the ring, from its last bytes. */
	r.rx.expect = PKTRING_SIZE - 8;
	d.pos = PKTRING_SIZE - 8;
	d.len = (uint32_t)len;
	ck_assert_int_eq(pktbatch_ring_foreach(&r.rx, &d, sizeof(d),
	    count_cb, &n), -1);
	/* The next turn is a legal start: the batch there is whole. */
	d.pos = PKTRING_SIZE;
	ck_assert_int_eq(pktbatch_ring_foreach(&r.rx, &d, sizeof(d),
	    count_cb, &n), 2);
	ck_assert_int_eq(n, 2);
	/* Only forwards: the same batch again is refused. */
	ck_assert_int_eq(pktbatch_ring_foreach(&r.rx, &d, sizeof(d),
	    count_cb, &n), -1);

	/* The writer: a release past what it wrote breaks the ring. */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
	    sv), 0);
	ck_assert_int_eq(imsgbuf_init(&a, sv[0]), 0);
	pktbatch_init(&pb, &a, 77);
	pktbatch_use_ring(&pb, &w.tx, 78);
	ck_assert_ptr_nonnull(p = pktbatch_add(&pb, 1, 0, NULL, 64));
	pktbatch_commit(&pb, 64);
	ck_assert_uint_eq(pktbatch_flush(&pb), 1);
	*w.tx.released = w.tx.head + 4;
	(void)pktbatch_room(&pb);
	ck_assert_int_eq(pktbatch_broken(&pb), 1);
	pktring_unmap(&w);
	pktring_unmap(&r);
	close(fd);
	imsgbuf_clear(&a);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("pktbatch");
	TCase	*tc = tcase_create("pktbatch");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, t_roundtrip);
	tcase_add_test(tc, t_hostile);
	tcase_add_test(tc, t_padding_zeroed);
	tcase_add_test(tc, t_ring_roundtrip);
	tcase_add_test(tc, t_ring_hostile);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
