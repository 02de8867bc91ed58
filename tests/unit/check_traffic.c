/*
 * What the hub carries for each node.  Its meters (hub/meter.c):
 * totals, the rate of a steady stream read at any moment of a slot, a
 * stream that speeds up or stops, a meter idle for long, and large
 * counts.  The engine's and the authority's messages about them
 * (hub/trafficmsg.c): truncated, oversized, miscounted, garbage, and an
 * answer for another page.
 */
#include "autoconf.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hub/meter.h"
#include "hub/trafficmsg.h"

#define S	METER_SLOT_MS

/* len bytes every `every` ms from t0 (inclusive) to t1 (exclusive). */
static void
feed(struct meter *m, uint64_t len, uint64_t every, uint64_t t0, uint64_t t1)
{
	uint64_t	 t;

	for (t = t0; t < t1; t += every)
		meter_add(m, len, t);
}

START_TEST(t_totals)
{
	struct meter	 m;
	uint64_t	 b, p;

	memset(&m, 0, sizeof(m));
	meter_rate(&m, 5000, &b, &p);
	ck_assert_uint_eq(b, 0);
	ck_assert_uint_eq(p, 0);
	feed(&m, 100, 10, 1000, 11000);
	ck_assert_uint_eq(m.bytes, 100 * 1000);
	ck_assert_uint_eq(m.packets, 1000);
}
END_TEST

/* 1,000 packets of 1,250 bytes a second: 1.25 MB/s wherever we look. */
START_TEST(t_steady)
{
	struct meter	 m;
	uint64_t	 b, p, t;

	memset(&m, 0, sizeof(m));
	feed(&m, 1250, 1, 100000, 110000);
	for (t = 104000; t < 110000; t += 37) {
		/* What the stream carried before t only. */
		memset(&m, 0, sizeof(m));
		feed(&m, 1250, 1, 100000, t);
		meter_rate(&m, t, &b, &p);
		ck_assert_msg(b >= 1250000 - 1250 && b <= 1250000 + 1250,
		    "%llu bytes/s at %llu", (unsigned long long)b,
		    (unsigned long long)t);
		ck_assert_msg(p >= 999 && p <= 1001, "%llu packets/s",
		    (unsigned long long)p);
	}
}
END_TEST

/* Twice as fast from 10 s on: the rate follows within two slots. */
START_TEST(t_change)
{
	struct meter	 m;
	uint64_t	 b, p;

	memset(&m, 0, sizeof(m));
	feed(&m, 1000, 10, 0, 10000);
	meter_rate(&m, 10000, &b, &p);
	ck_assert_uint_eq(b, 100000);
	feed(&m, 1000, 5, 10000, 10000 + 2 * S);
	meter_rate(&m, 10000 + 2 * S, &b, &p);
	ck_assert_uint_eq(b, 200000);
	ck_assert_uint_eq(p, 200);
}
END_TEST

/* A stream that stops reads lower at once and nothing after two slots. */
START_TEST(t_stop)
{
	struct meter	 m;
	uint64_t	 b, p, last = UINT64_MAX, t;

	memset(&m, 0, sizeof(m));
	feed(&m, 1000, 10, 0, 10000);
	for (t = 10000; t <= 10000 + 2 * S; t += 100) {
		meter_rate(&m, t, &b, &p);
		ck_assert_uint_le(b, last);
		last = b;
	}
	ck_assert_uint_eq(b, 0);
	ck_assert_uint_eq(p, 0);
	meter_rate(&m, 10000 + 1000 * S, &b, &p);
	ck_assert_uint_eq(b, 0);
	/* Totals stay; counting again starts from an empty window. */
	ck_assert_uint_eq(m.bytes, 1000 * 1000);
	meter_add(&m, 500, 10000 + 1000 * S);
	meter_rate(&m, 10000 + 1000 * S + S - 1, &b, &p);
	ck_assert_uint_eq(b, 500 * 1000 / S);
	ck_assert_uint_eq(m.bytes, 1000 * 1000 + 500);
}
END_TEST

/* 40 Gbit/s (5 MB each ms): no overflow on the way to the rate. */
START_TEST(t_large)
{
	struct meter	 m;
	uint64_t	 b, p;

	memset(&m, 0, sizeof(m));
	feed(&m, 5000000, 1, 0, 3 * S);
	meter_rate(&m, 3 * S, &b, &p);
	ck_assert_uint_eq(b, UINT64_C(5000000) * 1000);
	ck_assert_uint_eq(p, 1000);
	ck_assert_uint_eq(m.bytes, UINT64_C(5000000) * 3 * S);
	/* A clock that goes back reads the same slots, never garbage. */
	meter_rate(&m, S / 2, &b, &p);
	ck_assert_uint_le(b, UINT64_C(2) * 5000000 * 1000);
}
END_TEST

static uint8_t	 buf[sizeof(struct hubd_traffic_page) + 64];

static void
put_hdr(uint32_t round, uint32_t n)
{
	memcpy(buf, &round, 4);
	memcpy(buf + 4, &n, 4);
}

START_TEST(t_ask_lengths)
{
	static struct hubd_traffic_ask	 a;
	uint32_t			 n, c;
	size_t				 len;

	for (n = 0; n <= HUBD_TRAFFIC_PAGE; n++) {
		put_hdr(7, n);
		for (c = 0; c < n; c++)
			memcpy(buf + 8 + 4 * c, &(uint32_t){ 1000 + c }, 4);
		len = traffic_ask_len(n);
		ck_assert_int_eq(traffic_ask_get(buf, len, &a), 0);
		ck_assert_uint_eq(a.round, 7);
		ck_assert_uint_eq(a.n, n);
		if (n > 0)
			ck_assert_uint_eq(a.conn[n - 1], 1000 + n - 1);
		/* A byte short or over: refused, and nothing of it kept. */
		ck_assert_int_eq(traffic_ask_get(buf, len - 1, &a), -1);
		ck_assert_uint_eq(a.n, 0);
		ck_assert_uint_eq(a.round, 0);
		ck_assert_int_eq(traffic_ask_get(buf, len + 1, &a), -1);
	}
	/* Under a header, and a count over a page with its length. */
	for (len = 0; len < HUBD_TRAFFIC_HDR; len++)
		ck_assert_int_eq(traffic_ask_get(buf, len, &a), -1);
	put_hdr(1, HUBD_TRAFFIC_PAGE + 1);
	ck_assert_int_eq(traffic_ask_get(buf,
	    traffic_ask_len(HUBD_TRAFFIC_PAGE + 1), &a), -1);
	put_hdr(1, UINT32_MAX);
	ck_assert_int_eq(traffic_ask_get(buf, sizeof(buf), &a), -1);
}
END_TEST

START_TEST(t_page_lengths)
{
	static struct hubd_traffic_page	 p;
	uint32_t			 n;
	size_t				 len;

	for (n = 0; n <= HUBD_TRAFFIC_PAGE; n += 51) {
		memset(buf, 0, sizeof(buf));
		put_hdr(3, n);
		len = traffic_page_len(n);
		ck_assert_int_eq(traffic_page_get(buf, len, &p), 0);
		ck_assert_uint_eq(p.n, n);
		ck_assert_int_eq(traffic_page_get(buf, len - 1, &p), -1);
		ck_assert_uint_eq(p.n, 0);
		ck_assert_int_eq(traffic_page_get(buf, len + 1, &p), -1);
		ck_assert_int_eq(traffic_page_get(buf,
		    len + sizeof(struct hubd_conn_traffic), &p), -1);
	}
	put_hdr(3, HUBD_TRAFFIC_PAGE + 1);
	ck_assert_int_eq(traffic_page_get(buf,
	    traffic_page_len(HUBD_TRAFFIC_PAGE + 1), &p), -1);
	ck_assert_int_eq(traffic_page_get(buf, 3, &p), -1);
}
END_TEST

/* Garbage of every length: taken only when length and count agree. */
START_TEST(t_garbage)
{
	static struct hubd_traffic_ask	 a;
	static struct hubd_traffic_page	 p;
	uint32_t			 n, seed = 12345;
	size_t				 len, i;
	int				 k;

	for (k = 0; k < 20000; k++) {
		for (i = 0; i < 64; i++) {
			seed = seed * 1103515245 + 12345;
			buf[i] = (uint8_t)(seed >> 16);
		}
		/* A small count now and then, so that some lengths agree. */
		if (k % 3 == 0)
			buf[5] = buf[6] = buf[7] = 0;
		len = (seed >> 8) % sizeof(buf);
		if (k % 5 == 0 && len >= 8) {
			memcpy(&n, buf + 4, 4);
			len = n <= HUBD_TRAFFIC_PAGE ? traffic_ask_len(n) : len;
		}
		memcpy(&n, buf + 4, 4);
		ck_assert_int_eq(traffic_ask_get(buf, len, &a),
		    len >= 8 && n <= HUBD_TRAFFIC_PAGE &&
		    len == traffic_ask_len(n) ? 0 : -1);
		ck_assert_int_eq(traffic_page_get(buf, len, &p),
		    len >= 8 && n <= HUBD_TRAFFIC_PAGE &&
		    len == traffic_page_len(n) ? 0 : -1);
	}
}
END_TEST

/* An answer names the connections asked, in order, found 0 or 1. */
START_TEST(t_answers)
{
	static struct hubd_traffic_page	 p;
	const uint32_t			 asked[3] = { 4, 9, 14 };

	memset(&p, 0, sizeof(p));
	p.n = 3;
	p.e[0].conn = 4;
	p.e[1].conn = 9;
	p.e[2].conn = 14;
	p.e[1].found = 1;
	ck_assert_int_eq(traffic_page_answers(&p, asked, 3), 0);
	ck_assert_int_eq(traffic_page_answers(&p, asked, 2), -1);
	p.e[2].found = 2;
	ck_assert_int_eq(traffic_page_answers(&p, asked, 3), -1);
	p.e[2].found = 0;
	p.e[0].conn = 9;
	p.e[1].conn = 4;
	ck_assert_int_eq(traffic_page_answers(&p, asked, 3), -1);
	p.n = 0;
	ck_assert_int_eq(traffic_page_answers(&p, asked, 0), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("traffic");
	TCase	*tc = tcase_create("meter");
	SRunner	*sr;
	int	 nf;

	tcase_add_test(tc, t_totals);
	tcase_add_test(tc, t_steady);
	tcase_add_test(tc, t_change);
	tcase_add_test(tc, t_stop);
	tcase_add_test(tc, t_large);
	tcase_add_test(tc, t_ask_lengths);
	tcase_add_test(tc, t_page_lengths);
	tcase_add_test(tc, t_garbage);
	tcase_add_test(tc, t_answers);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
