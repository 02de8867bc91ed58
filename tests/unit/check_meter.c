/*
 * The hub's traffic meters (hub/meter.c): totals, the rate of a steady
 * stream read at any moment of a slot, a stream that speeds up or
 * stops, a meter idle for long, and large counts.
 */
#include "autoconf.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hub/meter.h"

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

int
main(void)
{
	Suite	*s = suite_create("meter");
	TCase	*tc = tcase_create("meter");
	SRunner	*sr;
	int	 nf;

	tcase_add_test(tc, t_totals);
	tcase_add_test(tc, t_steady);
	tcase_add_test(tc, t_change);
	tcase_add_test(tc, t_stop);
	tcase_add_test(tc, t_large);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
