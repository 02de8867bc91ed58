/*
 * The node's relay registration as tun runs it (daemon/relayreg.c):
 * REGISTERs at the login and every 20 s, with a counter that starts at
 * 1 with each token, under the token's MAC; answers taken only under
 * the token, for one of the last few REGISTERs, each newer than the
 * last one taken; nothing left of the token once the login ends.  And
 * the guest registrations at other hubs of a cluster
 * (daemon/relayguest.c): one per hub, each under its own token, answers
 * taken only from the hub they were sent to.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <check.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/relayguest.h"
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

static struct hub_peer_relay
offer_at(uint8_t last, uint32_t gid, uint8_t k)
{
	struct hub_peer_relay	 pr;

	memset(&pr, 0, sizeof(pr));
	pr.relay_id = 99;
	pr.guest_id = gid;
	pr.hub.af = AF_INET;
	pr.hub.port = htons(7777);
	pr.hub.addr[0] = 203;
	pr.hub.addr[2] = 113;
	pr.hub.addr[3] = last;
	memset(pr.token, k, sizeof(pr.token));
	return pr;
}

START_TEST(t_guests)
{
	struct relayguests	 t;
	struct hub_peer_relay	 h2 = offer_at(2, 7, 0x22), h3 = offer_at(3, 7, 0x33);
	struct hub_peer_relay	 bad;
	struct pkt_addr		 to, other;
	uint8_t			 msg[RELAY_AUTH_LEN], ans[RELAY_AUTH_LEN];
	uint64_t		 c;
	uint32_t		 id;
	int			 i, n2 = 0, n3 = 0;

	memset(&t, 0, sizeof(t));
	ck_assert_int_eq(relayguest_due(&t, 0, msg, &to), 0);
	/* refused: no guest id, no hub address */
	bad = h2;
	bad.guest_id = 0;
	ck_assert_int_eq(relayguest_offer(&t, &bad, 0), -1);
	bad = h2;
	bad.hub.af = 0;
	ck_assert_int_eq(relayguest_offer(&t, &bad, 0), -1);
	/* two hubs: a REGISTER for each at once, each under its token */
	ck_assert_int_eq(relayguest_offer(&t, &h2, 5 * NS), 0);
	ck_assert_int_eq(relayguest_offer(&t, &h3, 5 * NS), 0);
	ck_assert_int_eq(relayguest_offer(&t, &h2, 6 * NS), 0);	/* again */
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(relayguest_due(&t, 6 * NS, msg, &to), 1);
		ck_assert_int_eq(relay_auth_peek(msg, sizeof(msg),
		    RELAY_REGISTER_TYPE, &id, &c), 0);
		ck_assert_uint_eq(id, 7);
		ck_assert_uint_eq(c, 1);
		if (to.addr[3] == 2) {
			ck_assert_int_eq(relay_auth_verify(msg, h2.token), 0);
			n2++;
		} else {
			ck_assert_int_eq(relay_auth_verify(msg, h3.token), 0);
			n3++;
		}
		ck_assert_uint_eq(to.port, htons(7777));
	}
	ck_assert_int_eq(n2, 1);
	ck_assert_int_eq(n3, 1);
	ck_assert_int_eq(relayguest_due(&t, 6 * NS, msg, &to), 0);
	ck_assert(!relayguest_usable(&t, &h2.hub, 6 * NS));
	/* an answer: only from that hub, only under its token */
	answer(ans, 7, 1, 0x22);
	ck_assert_int_eq(relayguest_answer(&t, &h3.hub, ans, sizeof(ans),
	    7 * NS), -1);
	other = h2.hub;
	other.port = htons(7778);
	ck_assert_int_eq(relayguest_answer(&t, &other, ans, sizeof(ans),
	    7 * NS), -1);
	ck_assert_int_eq(relayguest_answer(&t, &h2.hub, ans, sizeof(ans) - 1,
	    7 * NS), -1);
	ck_assert(!relayguest_usable(&t, &h2.hub, 7 * NS));
	ck_assert_int_eq(relayguest_answer(&t, &h2.hub, ans, sizeof(ans),
	    7 * NS), 0);
	ck_assert(relayguest_usable(&t, &h2.hub, 7 * NS));
	ck_assert(!relayguest_usable(&t, &h3.hub, 7 * NS));
	/* the same answer again: a replay */
	ck_assert_int_eq(relayguest_answer(&t, &h2.hub, ans, sizeof(ans),
	    8 * NS), -1);
	ck_assert(relayguest_usable(&t, &h2.hub, 7 * NS + RELAYGUEST_VALID - 1));
	ck_assert(!relayguest_usable(&t, &h2.hub, 7 * NS + RELAYGUEST_VALID));
	/* the next REGISTER 20 s on */
	ck_assert_int_eq(relayguest_due(&t, 25 * NS, msg, &to), 0);
	ck_assert_int_eq(relayguest_due(&t, 26 * NS, msg, &to), 1);
	/* new credentials at hub 2 (our new login): afresh, counter 1 */
	h2 = offer_at(2, 8, 0x44);
	ck_assert_int_eq(relayguest_offer(&t, &h2, 30 * NS), 0);
	ck_assert(!relayguest_usable(&t, &h2.hub, 30 * NS));
	do {
		ck_assert_int_eq(relayguest_due(&t, 30 * NS, msg, &to), 1);
	} while (to.addr[3] != 2);
	ck_assert_int_eq(relay_auth_peek(msg, sizeof(msg),
	    RELAY_REGISTER_TYPE, &id, &c), 0);
	ck_assert_uint_eq(id, 8);
	ck_assert_uint_eq(c, 1);
	ck_assert_int_eq(relay_auth_verify(msg, h2.token), 0);
	/* full: RELAYGUEST_MAX hubs, no more */
	for (i = 4; i < 2 + RELAYGUEST_MAX; i++) {
		bad = offer_at((uint8_t)i, 7, 0x55);
		ck_assert_int_eq(relayguest_offer(&t, &bad, 30 * NS), 0);
	}
	bad = offer_at(200, 7, 0x55);
	ck_assert_int_eq(relayguest_offer(&t, &bad, 30 * NS), -1);
	/* the login ends: nothing left */
	relayguest_clear(&t);
	ck_assert(sodium_is_zero((const uint8_t *)&t, sizeof(t)));
	ck_assert_int_eq(relayguest_due(&t, 100 * NS, msg, &to), 0);
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
	tcase_add_test(tc, t_guests);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
