/* Packet batches: round trips across several messages and hostile input. */
#include "autoconf.h"

#include <sys/socket.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipc/imsg.h"
#include "ipc/pktbatch.h"

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

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
	    sv), 0);
	ck_assert_int_eq(imsgbuf_init(&a, sv[0]), 0);
	ck_assert_int_eq(imsgbuf_init(&b, sv[1]), 0);
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
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
