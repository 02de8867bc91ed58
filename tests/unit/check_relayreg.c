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

#include "daemon/hubguest.h"
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

/* What hubguest.c told the engine (tun's side, through its io). */
static struct {
	int				 hubs, regs, confirms;
	struct engine_peer_hub_msg	 hub;
	struct relay_guest_msg		 reg;
	struct pkt_addr			 confirmed;
} g;

static void
g_peer_hub(void *arg, const struct engine_peer_hub_msg *m)
{
	g.hubs++;
	g.hub = *m;
}

static void
g_register(void *arg, const struct relay_guest_msg *m)
{
	g.regs++;
	g.reg = *m;
}

static void
g_confirmed(void *arg, const struct pkt_addr *hub)
{
	g.confirms++;
	g.confirmed = *hub;
}

/*
 * tun's side: a PEER_RELAY tells the engine the peer's hub and sends a
 * REGISTER there at once, the timer sends the next ones, and only that
 * hub's answer under our token there reaches the engine.
 */
START_TEST(t_hubguest)
{
	struct hubguest_io	 io = { NULL, g_peer_hub, g_register,
				    g_confirmed };
	struct relayguests	 t;
	struct hub_peer_relay	 h2 = offer_at(2, 7, 0x22), h;
	struct relay_guest_msg	 ans;
	uint64_t		 c;
	uint32_t		 id;
	int			 i;

	memset(&t, 0, sizeof(t));
	memset(&g, 0, sizeof(g));
	hubguest_offer(&t, &io, 0x40000001, &h2, 5 * NS);
	ck_assert_int_eq(g.hubs, 1);
	ck_assert_uint_eq(g.hub.id, 0x40000001);
	ck_assert_uint_eq(g.hub.relay_id, 99);
	ck_assert(memcmp(&g.hub.hub, &h2.hub, sizeof(h2.hub)) == 0);
	ck_assert_int_eq(g.regs, 1);
	ck_assert(memcmp(&g.reg.hub, &h2.hub, sizeof(h2.hub)) == 0);
	ck_assert_int_eq(relay_auth_peek(g.reg.msg, sizeof(g.reg.msg),
	    RELAY_REGISTER_TYPE, &id, &c), 0);
	ck_assert_uint_eq(id, 7);
	ck_assert_uint_eq(c, 1);
	ck_assert_int_eq(relay_auth_verify(g.reg.msg, h2.token), 0);
	/* the token itself goes nowhere */
	ck_assert_ptr_null(memmem(&g.hub, sizeof(g.hub), h2.token, 4));
	ck_assert_ptr_null(memmem(&g.reg, sizeof(g.reg), h2.token, 4));
	/* the same offer again (the peer's next PEER_PATHS): no REGISTER */
	hubguest_offer(&t, &io, 0x40000001, &h2, 6 * NS);
	ck_assert_int_eq(g.hubs, 2);
	ck_assert_int_eq(g.regs, 1);
	hubguest_tick(&t, &io, 6 * NS);
	ck_assert_int_eq(g.regs, 1);
	hubguest_tick(&t, &io, 5 * NS + RELAYREG_INTERVAL);
	ck_assert_int_eq(g.regs, 2);

	/* answers: another hub's address, another token, then the right one */
	memset(&ans, 0, sizeof(ans));
	ans.hub = h2.hub;
	ans.hub.addr[3] = 3;
	answer(ans.msg, 7, 2, 0x22);
	ck_assert_int_eq(hubguest_answer(&t, &io, &ans, 26 * NS), -1);
	ans.hub = h2.hub;
	answer(ans.msg, 7, 2, 0x23);
	ck_assert_int_eq(hubguest_answer(&t, &io, &ans, 26 * NS), -1);
	ck_assert_int_eq(g.confirms, 0);
	answer(ans.msg, 7, 2, 0x22);
	ck_assert_int_eq(hubguest_answer(&t, &io, &ans, 26 * NS), 0);
	ck_assert_int_eq(g.confirms, 1);
	ck_assert(memcmp(&g.confirmed, &h2.hub, sizeof(h2.hub)) == 0);
	/* a replay of it confirms nothing more */
	ck_assert_int_eq(hubguest_answer(&t, &io, &ans, 27 * NS), -1);
	ck_assert_int_eq(g.confirms, 1);

	/* a hub too many: the engine is not told of it */
	for (i = 0; i < RELAYGUEST_MAX - 1; i++) {
		h = offer_at(10 + i, 7, 0x40);
		hubguest_offer(&t, &io, 0x40000002, &h, 30 * NS);
	}
	ck_assert_int_eq(g.hubs, 2 + RELAYGUEST_MAX - 1);
	h = offer_at(200, 7, 0x55);
	hubguest_offer(&t, &io, 0x40000003, &h, 30 * NS);
	ck_assert_int_eq(g.hubs, 2 + RELAYGUEST_MAX - 1);
	ck_assert_uint_eq(g.hub.id, 0x40000002);
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
	tcase_add_test(tc, t_hubguest);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
