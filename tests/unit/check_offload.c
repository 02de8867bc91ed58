/*
 * TUN offloads: checksum completion and TCP segmentation produce what a
 * NIC would, checked field by field against independent arithmetic.
 */
#include "autoconf.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/offload.h"

#define MAXSEG	64

struct segs {
	int	 n;
	size_t	 len[MAXSEG];
	uint8_t	 pkt[MAXSEG][4096];
};

static void
collect(void *arg, const uint8_t *pkt, size_t len)
{
	struct segs	*s = arg;

	ck_assert_int_lt(s->n, MAXSEG);
	ck_assert_uint_le(len, sizeof(s->pkt[0]));
	memcpy(s->pkt[s->n], pkt, len);
	s->len[s->n++] = len;
}

static uint16_t
g16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
g32(const uint8_t *p)
{
	return (uint32_t)g16(p) << 16 | g16(p + 2);
}

/* An independent, slow checksum: sum of 16-bit words, folded. */
static uint16_t
slow_sum(const uint8_t *p, size_t len, uint32_t start)
{
	uint32_t	 s = start;
	size_t		 i;

	for (i = 0; i + 1 < len; i += 2) {
		s += g16(p + i);
		s = (s & 0xffff) + (s >> 16);
	}
	if (len & 1) {
		s += (uint32_t)p[len - 1] << 8;
		s = (s & 0xffff) + (s >> 16);
	}
	return (uint16_t)s;
}

static uint32_t
pseudo(const uint8_t *ip, int v6, size_t l4)
{
	uint32_t	 s;

	if (v6)
		s = slow_sum(ip + 8, 32, 0) + (uint32_t)l4 + 6;
	else
		s = slow_sum(ip + 12, 8, 0) + (uint32_t)l4 + 6;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

/*
 * A TCP super-packet as the kernel hands it over: vnet header, IP, TCP
 * with 12 bytes of options, payload; checksum field = pseudo-header sum.
 */
static size_t
make_super(uint8_t *buf, int v6, size_t payload, uint16_t mss, uint8_t flags)
{
	uint8_t	*ip = buf + VNET_HDR_LEN, *tcp;
	size_t	 iphl = v6 ? 40 : 20, l4 = 32 + payload, i;

	memset(buf, 0, VNET_HDR_LEN + iphl + l4);
	if (v6) {
		ip[0] = 0x60;
		ip[4] = (uint8_t)(l4 >> 8);
		ip[5] = (uint8_t)l4;
		ip[6] = 6;
		ip[7] = 64;
		for (i = 0; i < 16; i++) {
			ip[8 + i] = (uint8_t)(0xfd + i);
			ip[24 + i] = (uint8_t)(0x20 + i);
		}
	} else {
		ip[0] = 0x45;
		ip[2] = (uint8_t)((iphl + l4) >> 8);
		ip[3] = (uint8_t)(iphl + l4);
		ip[4] = 0x12;
		ip[5] = 0x34;
		ip[6] = 0x40;	/* DF */
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, "\x0a\x01\x02\x03\x0a\x04\x05\x06", 8);
	}
	tcp = ip + iphl;
	tcp[0] = 0x9c; tcp[1] = 0x40; tcp[2] = 0x14; tcp[3] = 0x51;
	tcp[4] = 0xff; tcp[5] = 0xff; tcp[6] = 0xff; tcp[7] = 0x00; /* seq wraps */
	tcp[12] = 8 << 4;	/* 32-byte header */
	tcp[13] = flags;
	tcp[14] = 0x01;
	for (i = 20; i < 32; i++)
		tcp[i] = (uint8_t)i;
	for (i = 0; i < payload; i++)
		tcp[32 + i] = (uint8_t)(i * 7 + 3);
	/* Partial checksum as the stack leaves it. */
	tcp[16] = (uint8_t)(pseudo(ip, v6, l4) >> 8);
	tcp[17] = (uint8_t)pseudo(ip, v6, l4);
	buf[0] = 1;					/* NEEDS_CSUM */
	buf[1] = v6 ? VNET_GSO_TCPV6 : VNET_GSO_TCPV4;
	buf[2] = (uint8_t)(iphl + 32);			/* hdr_len */
	buf[4] = (uint8_t)mss; buf[5] = (uint8_t)(mss >> 8);
	buf[6] = (uint8_t)iphl;				/* csum_start */
	buf[8] = 16;					/* csum_offset */
	return VNET_HDR_LEN + iphl + l4;
}

static void
check_segments(int v6, size_t payload, uint16_t mss)
{
	static uint8_t	 buf[70000], scratch[65536];
	static struct segs s;
	size_t		 len, iphl = v6 ? 40 : 20, got = 0;
	int		 i, want = (int)((payload + mss - 1) / mss);
	uint8_t		 flags = 0x80 | 0x10 | 0x08 | 0x01; /* CWR ACK PSH FIN */

	memset(&s, 0, sizeof(s));
	len = make_super(buf, v6, payload, mss, flags);
	ck_assert_int_eq(offload_split(buf, len, scratch, collect, &s), want);
	ck_assert_int_eq(s.n, want);
	for (i = 0; i < s.n; i++) {
		uint8_t	*ip = s.pkt[i], *tcp = ip + iphl;
		size_t	 plen = s.len[i] - iphl - 32, j;

		ck_assert_uint_eq(plen, i < want - 1 ? mss : payload - got);
		if (v6)
			ck_assert_uint_eq(g16(ip + 4), 32 + plen);
		else {
			ck_assert_uint_eq(g16(ip + 2), s.len[i]);
			ck_assert_uint_eq(g16(ip + 4), 0x1234 + i);
			ck_assert_uint_eq(slow_sum(ip, 20, 0), 0xffff);
		}
		ck_assert_uint_eq(g32(tcp + 4), 0xffffff00u + (uint32_t)got);
		ck_assert_uint_eq(tcp[13] & 0x09, i == want - 1 ? 0x09 : 0);
		ck_assert_uint_eq(tcp[13] & 0x80, i == 0 ? 0x80 : 0);
		ck_assert_uint_eq(tcp[13] & 0x10, 0x10);
		ck_assert_uint_eq(slow_sum(tcp, 32 + plen,
		    pseudo(ip, v6, 32 + plen)), 0xffff);
		for (j = 0; j < plen; j++)
			ck_assert_uint_eq(tcp[32 + j],
			    (uint8_t)((got + j) * 7 + 3));
		got += plen;
	}
	ck_assert_uint_eq(got, payload);
}

START_TEST(t_tso4)
{
	check_segments(0, 10000, 1368);
	check_segments(0, 1368 * 5, 1368);	/* exact multiple */
	check_segments(0, 100, 1368);		/* one short segment */
	check_segments(0, 65000, 1024);
}
END_TEST

START_TEST(t_tso6)
{
	check_segments(1, 10000, 1348);
	check_segments(1, 64000, 1348);
	check_segments(1, 1, 1348);
}
END_TEST

START_TEST(t_csum_only)
{
	static uint8_t	 buf[70000], scratch[65536];
	static struct segs s;
	size_t		 len;

	memset(&s, 0, sizeof(s));
	len = make_super(buf, 0, 700, 1368, 0x18);
	buf[1] = VNET_GSO_NONE;
	ck_assert_int_eq(offload_split(buf, len, scratch, collect, &s), 1);
	ck_assert_uint_eq(slow_sum(s.pkt[0] + 20, 32 + 700,
	    pseudo(s.pkt[0], 0, 32 + 700)), 0xffff);
	/* No offload at all: passed through untouched. */
	memset(&s, 0, sizeof(s));
	buf[0] = 0;
	ck_assert_int_eq(offload_split(buf, len, scratch, collect, &s), 1);
	ck_assert_int_eq(memcmp(s.pkt[0], buf + VNET_HDR_LEN, len -
	    VNET_HDR_LEN), 0);
}
END_TEST

START_TEST(t_hostile)
{
	static uint8_t	 buf[70000], scratch[65536];
	static struct segs s;
	size_t		 len, cut;
	int		 i;

	/* Every truncation of a super-packet: refused or sane, never more. */
	len = make_super(buf, 0, 3000, 1000, 0x10);
	for (cut = 0; cut < 120; cut++) {
		memset(&s, 0, sizeof(s));
		(void)offload_split(buf, cut, scratch, collect, &s);
	}
	memset(&s, 0, sizeof(s));
	buf[4] = buf[5] = 0;				/* gso_size 0 */
	ck_assert_int_eq(offload_split(buf, len, scratch, collect, &s), -1);
	len = make_super(buf, 0, 3000, 1000, 0x10);
	buf[VNET_HDR_LEN + 9] = 17;			/* UDP under TCP GSO */
	ck_assert_int_eq(offload_split(buf, len, scratch, collect, &s), -1);
	len = make_super(buf, 0, 3000, 1000, 0x10);
	buf[1] = 3;					/* UDP GSO: not enabled */
	ck_assert_int_eq(offload_split(buf, len, scratch, collect, &s), -1);
	len = make_super(buf, 0, 300, 1000, 0x10);
	buf[1] = 0;
	buf[6] = 0xff; buf[7] = 0xff;			/* csum_start past the end */
	ck_assert_int_eq(offload_split(buf, len, scratch, collect, &s), -1);
	len = make_super(buf, 0, 3000, 1000, 0x10);
	buf[VNET_HDR_LEN] = 0x41;			/* IHL 4: too short */
	ck_assert_int_eq(offload_split(buf, len, scratch, collect, &s), -1);
	ck_assert_int_eq(offload_split(buf, 5, scratch, collect, &s), -1);
	/* Random bytes: no crash, and never more segments than can fit. */
	srandom(11);
	for (i = 0; i < 20000; i++) {
		size_t	 n = VNET_HDR_LEN + (size_t)random() % 4000, j;
		int	 r;

		for (j = 0; j < n; j++)
			buf[j] = (uint8_t)random();
		buf[4] = (uint8_t)(64 + random() % 200);	/* mss >= 64 */
		buf[5] = 0;
		memset(&s, 0, sizeof(s));
		r = offload_split(buf, n, scratch, collect, &s);
		ck_assert_int_le(r, MAXSEG);
	}
}
END_TEST

/* What gro writes to the device, kept for the checks. */
struct written {
	int	 n;
	size_t	 len[MAXSEG];
	uint8_t	*buf[MAXSEG];
};

static void
record(void *arg, const uint8_t *buf, size_t len)
{
	struct written	*w = arg;

	ck_assert_int_lt(w->n, MAXSEG);
	w->buf[w->n] = malloc(len);
	memcpy(w->buf[w->n], buf, len);
	w->len[w->n++] = len;
}

static void
written_free(struct written *w)
{
	int	 i;

	for (i = 0; i < w->n; i++)
		free(w->buf[i]);
	w->n = 0;
}

/*
 * Round trip: cut a super-packet, merge the segments again, and cut
 * what gro wrote: the segments must come out as they went in.
 */
static void
gro_roundtrip(int v6, size_t payload, uint16_t mss, uint8_t flags,
    int want_writes)
{
	static uint8_t	 buf[70000], scratch[65536];
	static struct segs a, b;
	static struct gro g;
	struct written	 w;
	int		 i, k;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&w, 0, sizeof(w));
	(void)offload_split(buf, make_super(buf, v6, payload, mss, flags),
	    scratch, collect, &a);
	gro_init(&g, record, &w);
	for (i = 0; i < a.n; i++)
		gro_packet(&g, a.pkt[i], a.len[i]);
	gro_flush(&g);
	ck_assert_int_eq(w.n, want_writes);
	for (k = 0; k < w.n; k++)
		ck_assert_int_ge(offload_split(w.buf[k], w.len[k], scratch,
		    collect, &b), 1);
	ck_assert_int_eq(b.n, a.n);
	for (i = 0; i < a.n; i++) {
		ck_assert_uint_eq(a.len[i], b.len[i]);
		ck_assert_int_eq(memcmp(a.pkt[i], b.pkt[i], a.len[i]), 0);
	}
	written_free(&w);
}

START_TEST(t_gro)
{
	/* ACK only: one write carries the lot. */
	gro_roundtrip(0, 20000, 1368, 0x10, 1);
	gro_roundtrip(1, 20000, 1348, 0x10, 1);
	/* A short last segment still joins. */
	gro_roundtrip(0, 1368 * 3 + 5, 1368, 0x10, 1);
	/* PSH on the last segment: kept on the merged packet. */
	gro_roundtrip(0, 5000, 1000, 0x18, 1);
	/* FIN: the final segment cannot merge, it follows on its own. */
	gro_roundtrip(0, 5000, 1000, 0x11, 2);
	/* Nearly 64 KB in 59 segments: still one packet. */
	gro_roundtrip(0, 60000, 1024, 0x10, 1);
}
END_TEST

START_TEST(t_gro_order)
{
	static uint8_t	 buf[70000], scratch[65536];
	static struct segs a;
	static struct gro g;
	struct written	 w;
	uint8_t		 udp[48];

	memset(&a, 0, sizeof(a));
	memset(&w, 0, sizeof(w));
	(void)offload_split(buf, make_super(buf, 0, 4000, 1000, 0x10),
	    scratch, collect, &a);
	gro_init(&g, record, &w);
	gro_packet(&g, a.pkt[0], a.len[0]);
	gro_packet(&g, a.pkt[1], a.len[1]);
	/* A gap in the sequence: what is held goes first. */
	gro_packet(&g, a.pkt[3], a.len[3]);
	ck_assert_int_eq(w.n, 1);
	ck_assert_uint_eq(w.buf[0][1], VNET_GSO_TCPV4);
	/* A non-TCP packet goes straight out, with an empty header. */
	memset(udp, 0, sizeof(udp));
	udp[0] = 0x45;
	udp[3] = 48;
	udp[9] = 17;
	gro_packet(&g, udp, sizeof(udp));
	ck_assert_int_eq(w.n, 2);
	ck_assert_uint_eq(w.len[1], VNET_HDR_LEN + sizeof(udp));
	ck_assert_uint_eq(w.buf[1][0], 0);
	ck_assert_uint_eq(w.buf[1][1], 0);
	gro_flush(&g);
	ck_assert_int_eq(w.n, 3);
	/* The lone segment is written as a plain packet. */
	ck_assert_uint_eq(w.buf[2][1], VNET_GSO_NONE);
	ck_assert_uint_eq(w.len[2], VNET_HDR_LEN + a.len[3]);
	written_free(&w);
}
END_TEST

START_TEST(t_gro_hostile)
{
	static uint8_t	 buf[4096];
	static struct gro g;
	struct written	 w;
	int		 i;

	memset(&w, 0, sizeof(w));
	gro_init(&g, record, &w);
	srandom(5);
	for (i = 0; i < 20000; i++) {
		size_t	 n = (size_t)random() % sizeof(buf), j;

		for (j = 0; j < n; j++)
			buf[j] = (uint8_t)random();
		if (i % 2 && n > 40) {
			buf[0] = 0x45;
			buf[2] = (uint8_t)(n >> 8);
			buf[3] = (uint8_t)n;
			buf[6] = buf[7] = 0;
			buf[9] = 6;
			buf[33] = 0x10;
		}
		gro_packet(&g, buf, n);
		if (w.n > MAXSEG - 10) {
			gro_flush(&g);
			written_free(&w);
		}
	}
	gro_flush(&g);
	written_free(&w);
}
END_TEST

/*
 * The word-at-a-time sum against the slow one: every length from 0 to
 * 300 at every alignment, a running sum carried in, and buffers of
 * 0xff (the most carries) as well as random bytes.
 */
START_TEST(t_csum_fast)
{
	uint8_t		 buf[320];
	uint32_t	 start;
	size_t		 len, off;
	int		 fill;

	for (fill = 0; fill < 2; fill++) {
		for (len = 0; len < sizeof(buf); len++)
			buf[len] = fill ? 0xff : (uint8_t)random();
		for (off = 0; off < 8; off++) {
			for (len = 0; len + off <= 300; len++) {
				start = (uint32_t)random() & 0xfffff;
				ck_assert_uint_eq(offload_csum_fold(
				    offload_csum_add(start, buf + off, len)),
				    slow_sum(buf + off, len,
				    offload_csum_fold(start)));
			}
		}
	}
}
END_TEST

int
main(void)
{
	Suite	*su = suite_create("offload");
	TCase	*tc = tcase_create("offload");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, t_tso4);
	tcase_add_test(tc, t_tso6);
	tcase_add_test(tc, t_csum_only);
	tcase_add_test(tc, t_csum_fast);
	tcase_add_test(tc, t_hostile);
	tcase_add_test(tc, t_gro);
	tcase_add_test(tc, t_gro_order);
	tcase_add_test(tc, t_gro_hostile);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
