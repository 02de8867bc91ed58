/*
 * The anti-replay window (crypto/replay.c).
 *
 * The tables are written from the window's contract, not from another
 * implementation's output: with W = REPLAY_WINDOW_SIZE (8128) and h the
 * highest counter accepted so far, a counter c is accepted iff
 * c < REJECT_AFTER_MESSAGES, c was never accepted, and (nothing was
 * accepted yet or c + W >= h).  Each table notes h and the lowest
 * acceptable counter L = h - W where it matters.  They cover what the
 * Linux driver's selftest (selftest/counter.c) covers: duplicates,
 * reordering, both edges of the window, walking it backwards, jumps
 * small and huge, the bitmap ring wrapping, REJECT_AFTER_MESSAGES; then
 * windows filled in random order, and a differential test against a
 * naive model.
 */
#include "autoconf.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/replay.h"
#include "crypto/wg_result.h"
#include "crypto/wg_timers.h"

#define W	((uint64_t)REPLAY_WINDOW_SIZE)
#define LIM	REJECT_AFTER_MESSAGES
#define OK	WG_OK
#define RP	WG_DROP_REPLAY
#define CL	WG_DROP_COUNTER_LIMIT

struct step {
	uint64_t	c;
	int		want;
};

/*
 * Every step also checks that replay_check() gives the same answer
 * without changing the window.
 */
static void
run(struct replay_window *rw, const struct step *t, size_t n,
    const char *table)
{
	struct replay_window	before;
	size_t			i;
	int			r;

	/* Plain ifs: Check reports every passing assertion to its parent,
	 * which would dominate the run time of these long tables. */
	for (i = 0; i < n; i++) {
		before = *rw;
		r = replay_check(rw, t[i].c);
		if (memcmp(&before, rw, sizeof(before)) != 0)
			ck_abort_msg("%s step %zu: check changed the window",
			    table, i + 1);
		if (r != t[i].want)
			ck_abort_msg("%s step %zu: check(%llu) = %d, want %d",
			    table, i + 1, (unsigned long long)t[i].c, r,
			    t[i].want);
		r = replay_commit(rw, t[i].c);
		if (r != t[i].want)
			ck_abort_msg("%s step %zu: commit(%llu) = %d, want %d",
			    table, i + 1, (unsigned long long)t[i].c, r,
			    t[i].want);
		if (r != OK && memcmp(&before, rw, sizeof(before)) != 0)
			ck_abort_msg("%s step %zu: refusal changed the window",
			    table, i + 1);
	}
}

#define RUN(rw, t)	run((rw), (t), sizeof(t) / sizeof((t)[0]), #t)

static void
T(struct replay_window *rw, uint64_t c, int want)
{
	struct step	s = { c, want };

	run(rw, &s, 1, "T");
}

START_TEST(test_basics)
{
	struct replay_window	rw;
	static const struct step basics[] = {
		{ 0, OK }, { 0, RP },		/* first, duplicate */
		{ 1, OK }, { 1, RP },
		{ 5, OK },			/* gap: 2..4 missing */
		{ 3, OK }, { 4, OK }, { 2, OK },	/* late, any order */
		{ 2, RP }, { 3, RP }, { 4, RP }, { 5, RP },
		{ 64, OK }, { 63, OK }, { 65, OK },	/* block boundary */
		{ 63, RP }, { 64, RP }, { 65, RP },
		{ 6, OK },			/* far back, still in window */
	};

	replay_init(&rw);
	RUN(&rw, basics);
}
END_TEST

START_TEST(test_edges)
{
	struct replay_window	rw;
	static const struct step edges[] = {
		{ 10000, OK },			/* h 10000, L 1872 */
		{ 1872, OK },			/* exactly the lower edge */
		{ 1871, RP },			/* one below: too old */
		{ 1872, RP },			/* seen */
		{ 9999, OK }, { 10000, RP },
		{ 10001, OK },			/* h 10001, L 1873 */
		{ 1872, RP },			/* seen, and now too old */
		{ 1873, OK }, { 1874, OK },
		{ 10065, OK },			/* next block; L 1937 */
		{ 1936, RP }, { 1937, OK }, { 1937, RP },
		{ 10002, OK }, { 10002, RP },	/* in window, between */
		{ 10064, OK }, { 10066, OK }, { 10066, RP },
	};

	replay_init(&rw);
	RUN(&rw, edges);
}
END_TEST

START_TEST(test_limits)
{
	struct replay_window	rw;
	static const struct step limits[] = {
		{ LIM - 1, OK },		/* the last valid counter */
		{ LIM, CL }, { LIM + 1, CL }, { UINT64_MAX, CL },
		{ UINT64_MAX - 1, CL },
		{ LIM - 1, RP },
		{ LIM - 2, OK },
		{ LIM - 1 - W, OK },		/* lower edge */
		{ LIM - 2 - W, RP },		/* too old */
		{ 0, RP },
		{ LIM - 2, RP },
		{ LIM, CL },
	};
	static const struct step fresh_limit[] = {
		{ LIM, CL },			/* refused from the start */
		{ UINT64_MAX, CL },
		{ 0, OK },			/* and did not move the window */
	};

	replay_init(&rw);
	RUN(&rw, limits);
	replay_init(&rw);
	RUN(&rw, fresh_limit);
	/* 2^64 - 2^13 - 1, the whitepaper's value */
	ck_assert_uint_eq(LIM, UINT64_C(18446744073709543423));
}
END_TEST

START_TEST(test_jumps)
{
	struct replay_window	rw;
	const uint64_t		B = UINT64_C(1) << 40;
	const struct step	jumps[] = {
		{ 0, OK }, { 1, OK },
		{ W * 4, OK },			/* h 32512, L 24384 */
		{ 1, RP }, { 2, RP },		/* seen / never seen: old */
		{ W * 3, OK },			/* lower edge */
		{ W * 3 - 1, RP },
		{ W * 4 - 1, OK },
		{ B, OK },			/* a jump past the whole ring */
		{ W * 4, RP },
		{ B - W, OK },			/* lower edge, fresh ring */
		{ B - W - 1, RP },
		{ B - 1, OK }, { B + 1, OK }, { B, RP },
		/* exactly one ring ahead: same block slot and bit as B */
		{ B + REPLAY_BITS, OK },	/* h B+8192, L B+64 */
		{ B + REPLAY_BITS, RP },
		{ B + 64, OK },			/* lower edge, unseen */
		{ B + 63, RP },
		{ B + 1, RP },
		{ B + REPLAY_BITS - 1, OK },
		{ B + 65, OK },
	};

	replay_init(&rw);
	RUN(&rw, jumps);
}
END_TEST

/* Walks in and out of the window one counter at a time. */
START_TEST(test_backwards)
{
	struct replay_window	rw;
	uint64_t		i;

	/* h = W: all of W..0 fit, in descending order. */
	replay_init(&rw);
	for (i = W + 1; i-- > 0;)
		T(&rw, i, OK);
	T(&rw, 0, RP);

	/* h = W + 1: W + 1..1 fit, 0 is one too old. */
	replay_init(&rw);
	for (i = W + 2; i-- > 1;)
		T(&rw, i, OK);
	T(&rw, 0, RP);

	/* ascending 1..W, then 0 is the lower edge */
	replay_init(&rw);
	for (i = 1; i <= W; i++)
		T(&rw, i, OK);
	T(&rw, 0, OK);
	T(&rw, 0, RP);

	/* ascending 2..W+1, then 1 is the edge and 0 too old */
	replay_init(&rw);
	for (i = 2; i <= W + 1; i++)
		T(&rw, i, OK);
	T(&rw, 1, OK);
	T(&rw, 0, RP);

	/* descending W+1..1, then moving up one drops 1 off the edge */
	replay_init(&rw);
	for (i = W + 2; i-- > 1;)
		T(&rw, i, OK);
	T(&rw, W + 2, OK);		/* L = 2 */
	T(&rw, 1, RP);
	T(&rw, 0, RP);

	/* descending W..1, then 0 (edge) before moving up */
	replay_init(&rw);
	for (i = W + 1; i-- > 1;)
		T(&rw, i, OK);
	T(&rw, 0, OK);
	T(&rw, W + 1, OK);
	T(&rw, 0, RP);
}
END_TEST

/* After the ring wraps, slots holding old bits must read as unseen. */
START_TEST(test_ring_wrap)
{
	struct replay_window	rw;
	uint64_t		i;

	replay_init(&rw);
	for (i = 0; i < REPLAY_BITS; i++)	/* every bit set once */
		T(&rw, i, OK);
	/* h 8191, L 63 */
	T(&rw, 62, RP);
	T(&rw, 63, RP);
	T(&rw, 8292, OK);			/* h 8292, L 164 */
	/* 8192..8291 share slots with 0..99, which were all set */
	for (i = REPLAY_BITS; i < 8292; i++)
		T(&rw, i, OK);
	for (i = REPLAY_BITS; i <= 8292; i++)
		T(&rw, i, RP);
	T(&rw, 163, RP);			/* too old */
	T(&rw, 164, RP);			/* seen long ago, still inside */
	for (i = 164; i < REPLAY_BITS; i++)
		T(&rw, i, RP);
	/* A jump of exactly two rings lands in a recycled slot too. */
	T(&rw, 8292 + 2 * REPLAY_BITS, OK);
	T(&rw, 8292 + 2 * REPLAY_BITS - 1, OK);
	T(&rw, 8292 + REPLAY_BITS, RP);
}
END_TEST

static uint64_t	rng_state;

static uint64_t
rng(void)
{
	/* xorshift64*: deterministic, so a failure can be replayed */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

static void
shuffle(uint64_t *v, size_t n)
{
	size_t		i, j;
	uint64_t	t;

	for (i = n - 1; i > 0; i--) {
		j = (size_t)(rng() % (i + 1));
		t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
}

/*
 * Whole windows (W + 1 counters) filled in random order: every counter
 * is accepted whatever the order, then every one is a replay; the next
 * window starts past this one, by a random gap, so the ring wraps many
 * times at random offsets.
 */
START_TEST(test_random_windows)
{
	struct replay_window	rw;
	static uint64_t		v[REPLAY_WINDOW_SIZE + 1];
	uint64_t		base = 0;
	size_t			i, n = W + 1;
	int			round;

	rng_state = UINT64_C(0x9e3779b97f4a7c15) + (uint64_t)_i;
	replay_init(&rw);
	for (round = 0; round < 24; round++) {
		for (i = 0; i < n; i++)
			v[i] = base + i;
		shuffle(v, n);
		for (i = 0; i < n; i++)
			T(&rw, v[i], OK);
		shuffle(v, n);
		for (i = 0; i < n; i++)
			T(&rw, v[i], RP);
		if (base > 0)
			T(&rw, base - 1, RP);
		base += n + rng() % (3 * REPLAY_BITS);
	}
}
END_TEST

/*
 * Differential: random traffic (mostly near the top, some late, some
 * far too old, some big jumps) against a naive model with one flag per
 * counter.
 */
#define MODEL_MAX	(UINT64_C(1) << 26)	/* counters, one bit each */
#define MODEL_OPS	400000

START_TEST(test_model)
{
	struct replay_window	 rw;
	uint8_t			*seen;
	uint64_t		 h = 0, c, r;
	int			 any = 0, want, got, i, nok = 0;

	rng_state = UINT64_C(0x243f6a8885a308d3) ^ ((uint64_t)_i << 32);
	ck_assert((seen = calloc(MODEL_MAX / 8, 1)) != NULL);
	replay_init(&rw);
	for (i = 0; i < MODEL_OPS; i++) {
		r = rng() % 100;
		if (r < 60)		/* near the top, either side */
			c = h + rng() % 64 - (h >= 32 ? 32 : h);
		else if (r < 90)	/* anywhere around the window */
			c = h + 200 - rng() % (W + 400) % (h + 201);
		else if (r < 99 || rng() % 2)	/* anything up to h */
			c = rng() % (h + 1);
		else			/* a jump, 0.5% of the time */
			c = h + rng() % (2 * REPLAY_BITS);
		if (c >= MODEL_MAX)
			ck_abort_msg("model too small at op %d", i);
		want = (!(seen[c / 8] & (1 << (c % 8))) &&
		    (!any || c + W >= h)) ? OK : RP;
		got = replay_commit(&rw, c);
		if (got != want)
			ck_abort_msg("op %d: counter %llu (h %llu): got %d"
			    " want %d", i, (unsigned long long)c,
			    (unsigned long long)h, got, want);
		if (want == OK) {
			nok++;
			seen[c / 8] |= (uint8_t)(1 << (c % 8));
			if (!any || c > h)
				h = c;
			any = 1;
		}
	}
	/* the traffic moved the window a long way */
	ck_assert_uint_gt(h, 100 * REPLAY_BITS);
	/* and both answers were common */
	ck_assert_int_gt(nok, MODEL_OPS / 10);
	ck_assert_int_gt(MODEL_OPS - nok, MODEL_OPS / 10);
	free(seen);
}
END_TEST

static Suite *
replay_suite(void)
{
	Suite	*s = suite_create("replay");
	TCase	*tc = tcase_create("window");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_basics);
	tcase_add_test(tc, test_edges);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_jumps);
	tcase_add_test(tc, test_backwards);
	tcase_add_test(tc, test_ring_wrap);
	tcase_add_loop_test(tc, test_random_windows, 0, 4);
	tcase_add_loop_test(tc, test_model, 0, 4);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 nfailed;

	sr = srunner_create(replay_suite());
	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
