/*
 * TUN offloads: checksum completion and TCP segmentation produce what a
 * NIC would, checked field by field against independent arithmetic.
 */
#include "autoconf.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "offload.h"

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
	tcase_add_test(tc, t_hostile);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
