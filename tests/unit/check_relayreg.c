/*
 * The node's relay registration as tun runs it (daemon/relayreg.c):
 * REGISTERs at the login and every 20 s, with a counter that starts at
 * 1 with each token, under the token's MAC; answers taken only under
 * the token, for one of the last few REGISTERs, each newer than the
 * last one taken; nothing left of the token once the login ends.
 */
#include "autoconf.h"

#include <check.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/relayreg.h"

#define NS	1000000000ull

static struct hub_relay_info	 ri;

static void
setup(void)
{
	ck_assert_int_ge(sodium_init(), 0);
	memset(&ri, 0, sizeof(ri));
	ri.relay_id = 7;
	memset(ri.token, 0xab, sizeof(ri.token));
}

/* The hub's answer to REGISTER number counter, under token byte k. */
static void
answer(uint8_t out[RELAY_AUTH_LEN], uint32_t id, uint64_t counter, uint8_t k)
{
	uint8_t	 token[RELAY_AUTH_TOKEN_LEN];

	memset(token, k, sizeof(token));
	relay_auth_build(out, RELAY_REGISTERED_TYPE, id, counter, token);
}

static void
expect_register(struct relayreg *rr, uint64_t now, uint64_t counter)
{
	uint8_t		 msg[RELAY_AUTH_LEN];
	uint64_t	 c;
	uint32_t	 id;

	ck_assert_int_eq(relayreg_due(rr, now, msg), 1);
	ck_assert_int_eq(relay_auth_peek(msg, sizeof(msg),
	    RELAY_REGISTER_TYPE, &id, &c), 0);
	ck_assert_uint_eq(id, ri.relay_id);
	ck_assert_uint_eq(c, counter);
	ck_assert_int_eq(relay_auth_verify(msg, ri.token), 0);
	/* The MAC proves the token; the token itself is not on the wire. */
	ck_assert_ptr_null(memmem(msg, sizeof(msg), ri.token, 4));
}

START_TEST(t_schedule)
{
	struct relayreg	 rr;
	uint8_t		 msg[RELAY_AUTH_LEN];
	uint64_t	 t0 = 100 * NS;

	memset(&rr, 0, sizeof(rr));
	ck_assert_int_eq(relayreg_due(&rr, t0, msg), 0);
	relayreg_begin(&rr, &ri, t0);
	expect_register(&rr, t0, 1);
	ck_assert_int_eq(relayreg_due(&rr, t0 + 19 * NS, msg), 0);
	expect_register(&rr, t0 + 20 * NS, 2);
	ck_assert_int_eq(relayreg_due(&rr, t0 + 21 * NS, msg), 0);
	/* A new login, a new token: the counter starts over. */
	ri.token[0] = 0x11;
	relayreg_begin(&rr, &ri, t0 + 30 * NS);
	expect_register(&rr, t0 + 30 * NS, 1);
	relayreg_end(&rr);
	ck_assert_int_eq(relayreg_due(&rr, t0 + 90 * NS, msg), 0);
}
END_TEST

START_TEST(t_answers)
{
	struct relayreg	 rr;
	uint8_t		 msg[RELAY_AUTH_LEN], a[RELAY_AUTH_LEN];
	uint64_t	 now = 100 * NS;
	int		 i;

	memset(&rr, 0, sizeof(rr));
	relayreg_begin(&rr, &ri, now);
	for (i = 0; i < 6; i++, now += RELAYREG_INTERVAL)
		ck_assert_int_eq(relayreg_due(&rr, now, msg), 1);
	/* Six sent: answers may name 3..6. */
	answer(a, 7, 7, 0xab);
	ck_assert_int_eq(relayreg_answer(&rr, a, sizeof(a)), -1);
	answer(a, 7, 2, 0xab);
	ck_assert_int_eq(relayreg_answer(&rr, a, sizeof(a)), -1);
	answer(a, 8, 5, 0xab);
	ck_assert_int_eq(relayreg_answer(&rr, a, sizeof(a)), -1);
	answer(a, 7, 5, 0xac);
	ck_assert_int_eq(relayreg_answer(&rr, a, sizeof(a)), -1);
	answer(a, 7, 5, 0xab);
	ck_assert_int_eq(relayreg_answer(&rr, a, sizeof(a) - 1), -1);
	a[0] = RELAY_REGISTER_TYPE;
	ck_assert_int_eq(relayreg_answer(&rr, a, sizeof(a)), -1);
	answer(a, 7, 5, 0xab);
	ck_assert_int_eq(relayreg_answer(&rr, a, sizeof(a)), 0);
	/* The same answer again, or an older one: a replay. */
	ck_assert_int_eq(relayreg_answer(&rr, a, sizeof(a)), -1);
	answer(a, 7, 4, 0xab);
	ck_assert_int_eq(relayreg_answer(&rr, a, sizeof(a)), -1);
	answer(a, 7, 6, 0xab);
	ck_assert_int_eq(relayreg_answer(&rr, a, sizeof(a)), 0);
	/* The login is over: no answer counts, nothing of the token is left. */
	relayreg_end(&rr);
	ck_assert_int_eq(relayreg_answer(&rr, a, sizeof(a)), -1);
	ck_assert_ptr_null(memmem(&rr, sizeof(rr), ri.token, 4));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("relayreg");
	TCase	*tc = tcase_create("registration");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, t_schedule);
	tcase_add_test(tc, t_answers);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
