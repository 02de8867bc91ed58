/*
 * tun's subnet routes and exit node (daemon/tunroutes.c), against a real
 * WireGuard device's allowed IPs: what the hub offers goes to the
 * parent only if tun can take it, enters the allowed IPs only once the
 * parent installed it, and leaves them at once when the hub takes it
 * away; hostile offers (the overlay, another peer's addresses or
 * endpoint, another gateway's route, a verdict for what was never
 * offered) change nothing; the exit node's default comes and goes with
 * its offer.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <check.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/allowedips.h"
#include "daemon/tunroutes.h"
#include "daemon/wg.h"
#include "privsep/log.h"

#define G1	0x40000001u		/* a gateway */
#define G2	0x40000002u		/* another */
#define P3	0x40000003u		/* a plain peer */

static struct routes_msg	 sent[64];
static int			 nsent;
static struct exit_msg		 exits[16];
static int			 nexits;
static struct wg_dev		*dev;
static struct troutes		*tr;
static struct hub_login_ok	 login;

static uint8_t *
no_reserve(void *a, uint32_t p, uint16_t f, const struct pkt_addr *to,
    size_t m)
{
	return NULL;
}

static void no_commit(void *a, size_t l) {}
static void no_write(void *a, uint8_t *p, size_t l) {}
static void no_ep(void *a, uint32_t p, const struct pkt_addr *e) {}

static void
t_send(void *arg, const struct routes_msg *m)
{
	ck_assert_int_lt(nsent, 64);
	sent[nsent++] = *m;
}

static void
t_exit(void *arg, const struct exit_msg *m)
{
	ck_assert_int_lt(nexits, 16);
	exits[nexits++] = *m;
}

static struct ip_prefix
pf(const char *s)
{
	struct ip_prefix	 p;

	ck_assert_int_eq(prefix_parse(s, &p, 1, NULL, 0), 0);
	return p;
}

/* A hub peer with its overlay /32 (100.64.0.N) and an endpoint. */
static void
peer(uint32_t id, int n, const char *ep)
{
	struct ip_prefix	 a[1];
	uint8_t			 pub[32];
	struct wg_peer		*wp;

	randombytes_buf(pub, sizeof(pub));
	a[0] = pf("100.64.0.0/32");
	((uint8_t *)&a[0].addr)[3] = (uint8_t)n;
	ck_assert_int_eq(wg_peer_set(dev, id, "p", pub, NULL, 0, a, 1, 0), 0);
	wp = wg_peer_by_id(dev, id);
	if (ep != NULL) {
		wp->endpoint.af = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, ep, wp->endpoint.addr), 1);
	}
}

static uint32_t
owner(const char *addr)
{
	struct ip_prefix	 p = pf(addr);

	return allowedips_lookup(dev->aips, p.af, &p.addr);
}

static void
offer(uint32_t id, int n, ...)
{
	struct hub_peer_routes	 pr;
	va_list			 ap;
	int			 i;

	memset(&pr, 0, sizeof(pr));
	pr.n = (uint8_t)n;
	va_start(ap, n);
	for (i = 0; i < n; i++)
		pr.p[i] = pf(va_arg(ap, const char *));
	va_end(ap);
	troutes_offer(tr, dev, id, &pr, &login);
}

static void
verdict(uint32_t id, int n, ...)
{
	struct routes_msg	 m;
	va_list			 ap;
	int			 i;

	memset(&m, 0, sizeof(m));
	m.id = id;
	m.n = (uint32_t)n;
	va_start(ap, n);
	for (i = 0; i < n; i++)
		m.p[i] = pf(va_arg(ap, const char *));
	va_end(ap);
	troutes_accept(tr, dev, &m);
}

static void
setup(void)
{
	const struct wg_io	 io = { NULL, no_reserve, no_commit, no_write,
	    no_ep };
	uint8_t			 priv[32];

	nsent = nexits = 0;
	ck_assert_ptr_nonnull(dev = wg_dev_new(&io, 1420));
	randombytes_buf(priv, sizeof(priv));
	priv[0] &= 248;
	priv[31] = (priv[31] & 127) | 64;
	ck_assert_int_eq(wg_dev_set_key(dev, priv), 0);
	ck_assert_ptr_nonnull(tr = troutes_new(t_send, t_exit, NULL));
	memset(&login, 0, sizeof(login));
	login.v4[0] = 100;
	login.v4[1] = 64;
	login.v4_plen = 10;
	login.v6[0] = 0xfd;
	login.v6[1] = 0x01;
	login.v6_plen = 64;
	peer(G1, 1, "192.0.2.1");
	peer(G2, 2, "192.0.2.2");
	peer(P3, 3, "10.9.9.9");
}

static void
teardown(void)
{
	troutes_free(tr);
	wg_dev_free(dev);
}

START_TEST(t_offer_then_verdict)
{
	offer(G1, 2, "192.168.50.0/24", "fd99:50::/64");
	ck_assert_int_eq(nsent, 1);
	ck_assert(sent[0].id == G1 && sent[0].n == 2);
	/* Not in the allowed IPs before the parent installed it. */
	ck_assert_uint_eq(owner("192.168.50.7"), ALLOWEDIPS_PEER_NONE);
	verdict(G1, 1, "192.168.50.0/24");
	ck_assert_uint_eq(owner("192.168.50.7"), G1);
	ck_assert_uint_eq(owner("fd99:50::1"), ALLOWEDIPS_PEER_NONE);
	/* A verdict for what was never offered enters nothing. */
	verdict(G1, 2, "192.168.50.0/24", "10.200.0.0/16");
	ck_assert_uint_eq(owner("10.200.1.1"), ALLOWEDIPS_PEER_NONE);
	/* Nor one for a peer that offered nothing. */
	verdict(G2, 1, "10.201.0.0/16");
	ck_assert_uint_eq(owner("10.201.1.1"), ALLOWEDIPS_PEER_NONE);
	/* Taken away: out at once, before the parent's answer. */
	offer(G1, 0);
	ck_assert_uint_eq(owner("192.168.50.7"), ALLOWEDIPS_PEER_NONE);
	ck_assert(sent[nsent - 1].id == G1 && sent[nsent - 1].n == 0);
	/* A late verdict about the old offer brings nothing back. */
	verdict(G1, 1, "192.168.50.0/24");
	ck_assert_uint_eq(owner("192.168.50.7"), ALLOWEDIPS_PEER_NONE);
	/* The peer's own address stays its own throughout. */
	ck_assert_uint_eq(owner("100.64.0.1"), G1);
}
END_TEST

START_TEST(t_hostile_offers)
{
	/* the overlay, another peer's address, a peer's endpoint */
	offer(G1, 4, "100.64.0.0/24", "fd01::/80", "10.9.0.0/16",
	    "100.64.0.3/32");
	ck_assert_int_eq(nsent, 1);
	ck_assert_uint_eq(sent[0].n, 0);
	/* another gateway's route */
	offer(G1, 1, "172.16.0.0/16");
	verdict(G1, 1, "172.16.0.0/16");
	offer(G2, 2, "172.16.5.0/24", "172.17.0.0/16");
	ck_assert(sent[nsent - 1].id == G2 && sent[nsent - 1].n == 1 &&
	    sent[nsent - 1].p[0].plen == 16);
	ck_assert_uint_eq(owner("172.16.5.1"), G1);
	/* a gateway going takes its routes, and tells the parent */
	troutes_forget(tr, G1);
	ck_assert(sent[nsent - 1].id == G1 && sent[nsent - 1].n == 0);
	/* re-adding the peer (PEER_UP) keeps what was accepted */
	offer(G2, 1, "172.17.0.0/16");
	verdict(G2, 1, "172.17.0.0/16");
	peer(G2, 2, "192.0.2.2");	/* wg_peer_set resets allowed IPs */
	ck_assert_uint_eq(owner("172.17.0.1"), ALLOWEDIPS_PEER_NONE);
	troutes_reapply(tr, dev, G2);
	ck_assert_uint_eq(owner("172.17.0.1"), G2);
}
END_TEST

START_TEST(t_login_list)
{
	offer(G1, 1, "10.1.0.0/16");
	verdict(G1, 1, "10.1.0.0/16");
	offer(0, 1, "10.50.0.0/16");		/* we serve */
	offer(G2, 1, "10.2.0.0/16");
	verdict(G2, 1, "10.2.0.0/16");
	troutes_sync_begin(tr);
	offer(G2, 1, "10.2.0.0/16");		/* the new list names G2 only */
	nsent = 0;
	troutes_sync_end(tr, dev);
	ck_assert_uint_eq(owner("10.1.0.1"), ALLOWEDIPS_PEER_NONE);
	ck_assert_uint_eq(owner("10.2.0.1"), G2);
	ck_assert_int_eq(nsent, 2);		/* G1 gone, nothing served */
}
END_TEST

START_TEST(t_exit_node)
{
	struct exit_msg	 ok;

	ck_assert_int_eq(troutes_exit_offered(tr, G1), 0);
	offer(G1, 3, "0.0.0.0/0", "::/0", "10.1.0.0/16");
	/* the exit offer is no route for the parent */
	ck_assert_uint_eq(sent[nsent - 1].n, 1);
	ck_assert_int_eq(troutes_exit_offered(tr, G1), 3);
	troutes_exit_choose(tr, dev, G1, 7, 0, 0, 0);
	ck_assert(nexits == 1 && exits[0].id == G1 && exits[0].af == 3 &&
	    exits[0].client == 7);
	ck_assert_uint_eq(owner("203.0.113.10"), ALLOWEDIPS_PEER_NONE);
	memset(&ok, 0, sizeof(ok));
	ok.id = G1;
	ok.af = 3;
	ok.ok = 1;
	troutes_exit_set(tr, dev, &ok);
	ck_assert_uint_eq(owner("203.0.113.10"), G1);
	ck_assert_uint_eq(owner("2001:db8::10"), G1);
	ck_assert_uint_eq(owner("100.64.0.2"), G2);	/* more specific */
	/* another gateway's route is still taken with the default held */
	offer(G2, 1, "10.2.0.0/16");
	ck_assert_uint_eq(sent[nsent - 1].n, 1);
	/* the IPv6 offer revoked: the exit node is left, default out */
	offer(G1, 2, "0.0.0.0/0", "10.1.0.0/16");
	ck_assert_uint_eq(owner("203.0.113.10"), ALLOWEDIPS_PEER_NONE);
	ck_assert(nexits == 2 && exits[1].id == 0 && exits[1].client == 0);
	ck_assert_uint_eq(troutes_exit_current(tr), 0);
	/* a stale answer changes nothing */
	troutes_exit_set(tr, dev, &ok);
	ck_assert_uint_eq(owner("203.0.113.10"), ALLOWEDIPS_PEER_NONE);
	/* chosen again, then the peer goes */
	troutes_exit_choose(tr, dev, G1, 0, 0, 0, 0);
	ok.af = 1;
	troutes_exit_set(tr, dev, &ok);
	ck_assert_uint_eq(owner("203.0.113.10"), G1);
	(void)wg_peer_remove(dev, G1);
	troutes_forget(tr, G1);
	ck_assert(exits[nexits - 1].id == 0);
	ck_assert_uint_eq(troutes_exit_current(tr), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("tunroutes");
	TCase	*tc = tcase_create("routes");
	SRunner	*sr;
	int	 failed;

	if (sodium_init() < 0)
		return 1;
	log_init("check_tunroutes", 1, 0);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, t_offer_then_verdict);
	tcase_add_test(tc, t_hostile_offers);
	tcase_add_test(tc, t_login_list);
	tcase_add_test(tc, t_exit_node);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
