/*
 * The hub's table of handshake timestamps (hub/seen.c): a replay of a
 * key's last accepted timestamp is refused; the table stays bounded; and
 * a flood of new keys, which belong to no network, cannot push out the
 * keys of nodes in a network.
 */
#include "autoconf.h"

#include <check.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hub/seen.h"

static void
mkkey(uint8_t key[32], uint32_t tag, uint32_t i)
{
	memset(key, 0, 32);
	memcpy(key, &tag, sizeof(tag));
	memcpy(key + 4, &i, sizeof(i));
}

static void
mkts(uint8_t ts[TAI64N_LEN], uint32_t t)
{
	memset(ts, 0, TAI64N_LEN);
	ts[8] = (uint8_t)(t >> 24);
	ts[9] = (uint8_t)(t >> 16);
	ts[10] = (uint8_t)(t >> 8);
	ts[11] = (uint8_t)t;
}

START_TEST(t_replay)
{
	uint8_t	 k[32], ts[TAI64N_LEN];

	mkkey(k, 1, 1);
	mkts(ts, 100);
	/* A key never logged in is not remembered: a handshake alone... */
	ck_assert_int_eq(seen_check(k, ts), 1);
	ck_assert_int_eq(seen_check(k, ts), 1);
	ck_assert_uint_eq(seen_count(0) + seen_count(1), 0);
	/* ...but once it logs in, its timestamp must grow. */
	seen_login(k, ts, 0);
	ck_assert_int_eq(seen_check(k, ts), 0);
	mkts(ts, 99);
	ck_assert_int_eq(seen_check(k, ts), 0);
	mkts(ts, 101);
	ck_assert_int_eq(seen_check(k, ts), 1);
	ck_assert_int_eq(seen_check(k, ts), 0);
}
END_TEST

START_TEST(t_flood)
{
	uint8_t		 k[32], ts[TAI64N_LEN];
	uint32_t	 i;

	/* The members' part full of keys of nodes in a network. */
	mkts(ts, 1000);
	for (i = 0; i < SEEN_MEMBERS_MAX; i++) {
		mkkey(k, 2, i);
		seen_login(k, ts, 1);
	}
	ck_assert_uint_eq(seen_count(1), SEEN_MEMBERS_MAX);
	/* A flood of new keys, four times the other part's room. */
	mkts(ts, 5000);
	for (i = 0; i < 4 * SEEN_OTHERS_MAX; i++) {
		mkkey(k, 3, i);
		seen_login(k, ts, 0);
	}
	ck_assert_uint_le(seen_count(0), SEEN_OTHERS_MAX);
	ck_assert_uint_eq(seen_count(1), SEEN_MEMBERS_MAX);
	/* Every member's last handshake is still refused as a replay. */
	mkts(ts, 1000);
	for (i = 0; i < SEEN_MEMBERS_MAX; i++) {
		mkkey(k, 2, i);
		ck_assert_int_eq(seen_check(k, ts), 0);
	}
	/* The flood pushed out only its own oldest. */
	mkts(ts, 5000);
	mkkey(k, 3, 4 * SEEN_OTHERS_MAX - 1);
	ck_assert_int_eq(seen_check(k, ts), 0);
	mkkey(k, 3, 0);
	ck_assert_int_eq(seen_check(k, ts), 1);
	/* A member key more goes into its own part, in place of the oldest. */
	mkkey(k, 4, 0);
	seen_login(k, ts, 1);
	ck_assert_uint_eq(seen_count(1), SEEN_MEMBERS_MAX);
	ck_assert_int_eq(seen_check(k, ts), 0);
}
END_TEST

START_TEST(t_moves)
{
	uint8_t	 k[32], ts[TAI64N_LEN];

	/* A node that joins a network moves to the members' part. */
	mkkey(k, 5, 1);
	mkts(ts, 10);
	seen_login(k, ts, 0);
	ck_assert_uint_eq(seen_count(0), 1);
	mkts(ts, 11);
	ck_assert_int_eq(seen_check(k, ts), 1);
	seen_login(k, ts, 1);
	ck_assert_uint_eq(seen_count(0), 0);
	ck_assert_uint_eq(seen_count(1), 1);
	ck_assert_int_eq(seen_check(k, ts), 0);
}
END_TEST

static Suite *
seen_suite(void)
{
	Suite	*s = suite_create("seen");
	TCase	*tc = tcase_create("seen");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, t_replay);
	tcase_add_test(tc, t_flood);
	tcase_add_test(tc, t_moves);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	if (sodium_init() < 0)
		return 1;
	seen_init();
	sr = srunner_create(seen_suite());
	/* The table is the process's: a fresh one for each test. */
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
