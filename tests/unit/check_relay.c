/*
 * The hub's relay: the engine's table (hub/relay.c) and the authority's
 * credentials (hub/relaycred.c).  The table: which REGISTERs it passes
 * on (a live session, from its node's own address, within the rate),
 * binding after the authority took one, rebinding, the forwarding
 * verdicts and the 120 s rule, pairs coming and going, deletion
 * leaving nothing behind, and many sessions at once.  The credentials:
 * right and wrong MACs, counters and replays, the REGISTERED answer,
 * and guest credentials (the relay across a cluster's hubs).
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "hub/relay.h"
#include "hub/relaycred.h"
#include "proto/relayauth.h"

static struct relay_table	*t;

static void
setup(void)
{
	uint8_t	 key[crypto_shorthash_KEYBYTES];

	ck_assert(sodium_init() >= 0);
	randombytes_buf(key, sizeof(key));
	ck_assert((t = relay_table_new(key)) != NULL);
}

static void
teardown(void)
{
	relay_table_free(t);
	t = NULL;
}

static struct pkt_addr
a4(const char *s, uint16_t port)
{
	struct pkt_addr	 a;

	memset(&a, 0, sizeof(a));
	a.af = AF_INET;
	a.port = htons(port);
	ck_assert(inet_pton(AF_INET, s, a.addr) == 1);
	return a;
}

static struct pkt_addr
a6(const char *s, uint16_t port)
{
	struct pkt_addr	 a;

	memset(&a, 0, sizeof(a));
	a.af = AF_INET6;
	a.port = htons(port);
	ck_assert(inet_pton(AF_INET6, s, a.addr) == 1);
	return a;
}

/* A session whose node connected from host (its TCP port is not ours). */
static void
add_at(uint32_t conn, uint32_t id, const struct pkt_addr *host)
{
	struct pkt_addr	 c = *host;

	c.port = htons(40000);
	ck_assert_int_eq(relay_add(t, conn, id, &c), 0);
}

static void
add(uint32_t conn, uint32_t id)
{
	struct pkt_addr	 h = a4("192.0.2.1", 0);

	add_at(conn, id, &h);
}

/*
 * id registers from from: the table passes the REGISTER on, and the
 * authority took it.  RELAY_OK, or the table's verdict.
 */
static enum relay_verdict
reg(uint32_t id, const struct pkt_addr *from, uint64_t now)
{
	enum relay_verdict	 v;
	uint32_t		 conn;

	if ((v = relay_register_gate(t, id, from, now, &conn)) != RELAY_OK)
		return v;
	ck_assert_int_eq(relay_register_bind(t, id, conn, from, NULL, 0, now),
	    0);
	return RELAY_OK;
}

/*
 * A hub's engines each hold the sessions of their own connections: the
 * ids with id % engines == their index.  A packet for another part's
 * session is RELAY_ELSEWHERE (its part named, the pair checked on this
 * side), and that part delivers it without checking again.
 */
START_TEST(test_parts)
{
	struct pkt_addr	 x = a4("192.0.2.1", 1000), y = a4("192.0.2.2", 2000);
	struct pkt_addr	 hy = a4("192.0.2.2", 0);
	struct relay_route r;
	struct relay_table *u;
	uint8_t		 key[crypto_shorthash_KEYBYTES];

	/* t holds ids = 1 mod 3, u ids = 2 mod 3. */
	relay_table_part(t, 3, 1);
	randombytes_buf(key, sizeof(key));
	ck_assert((u = relay_table_new(key)) != NULL);
	relay_table_part(u, 3, 2);
	errno = 0;
	ck_assert_int_eq(relay_add(t, 1, 101, &x), -1);	/* 101 % 3 == 2 */
	ck_assert_int_eq(errno, EDOM);
	add(1, 100);					/* 100 % 3 == 1 */
	ck_assert_int_eq(relay_add(u, 2, 101, &hy), 0);
	/* Each side of the pair in its own table. */
	ck_assert_int_eq(relay_pair(t, 100, 101, 1), 0);
	ck_assert_int_eq(relay_pair(u, 100, 101, 1), 0);
	/* A session of the table's part must be there; another's not. */
	ck_assert_int_eq(relay_pair(t, 100, 103, 1), -1);	/* 103: ours */
	ck_assert_int_eq(relay_pair(t, 101, 104, 1), -1);
	ck_assert_int_eq(reg(100, &x, 1000), RELAY_OK);
	ck_assert_int_eq(relay_route_udp(t, &x, 101, 1000, &r),
	    RELAY_ELSEWHERE);
	ck_assert_uint_eq(r.part, 2);
	ck_assert_uint_eq(r.src_id, 100);
	ck_assert_uint_eq(r.dst_id, 101);
	/* Not a peer: denied on the sender's side, wherever it lives. */
	ck_assert_int_eq(relay_route_udp(t, &x, 104, 1000, &r), RELAY_DENIED);
	/* The other part delivers, by TCP until it registers. */
	ck_assert_int_eq(relay_deliver(u, 101, 1000, &r), RELAY_OK);
	ck_assert_uint_eq(r.part, 2);
	ck_assert_int_eq(r.via_udp, 0);
	ck_assert_uint_eq(r.dst_conn, 2);
	ck_assert_int_eq(relay_register_gate(u, 101, &y, 1000,
	    &r.dst_conn), RELAY_OK);
	ck_assert_int_eq(relay_register_bind(u, 101, 2, &y, NULL, 0, 1000), 0);
	ck_assert_int_eq(relay_deliver(u, 101, 1000, &r), RELAY_OK);
	ck_assert_int_eq(r.via_udp, 1);
	ck_assert_int_eq(relay_deliver(u, 100, 1000, &r), RELAY_UNKNOWN_DEST);
	ck_assert_int_eq(relay_deliver(t, 101, 1000, &r), RELAY_UNKNOWN_DEST);
	/* A destination of the same part is delivered here, by this part. */
	add(3, 103);
	ck_assert_int_eq(relay_pair(t, 100, 103, 1), 0);
	ck_assert_int_eq(relay_route_udp(t, &x, 103, 1000, &r), RELAY_OK);
	ck_assert_uint_eq(r.part, 1);
	ck_assert_uint_eq(r.dst_conn, 3);
	/* The pair ends on both sides. */
	ck_assert_int_eq(relay_pair(t, 100, 101, 0), 0);
	ck_assert_int_eq(relay_route_udp(t, &x, 101, 1000, &r), RELAY_DENIED);
	relay_table_free(u);
}
END_TEST

START_TEST(test_add_del)
{
	struct pkt_addr	 x = a4("192.0.2.1", 1000), h = a4("192.0.2.1", 0);
	struct relay_route r;

	ck_assert_uint_eq(relay_count(t), 0);
	ck_assert_int_eq(relay_add(t, 1, 0, &h), -1);	/* id 0 */
	add(1, 100);
	ck_assert_int_eq(relay_add(t, 2, 100, &h), -1);	/* id taken */
	ck_assert_int_eq(relay_add(t, 1, 101, &h), -1);	/* conn taken */
	add(2, 101);
	ck_assert_uint_eq(relay_count(t), 2);
	ck_assert_uint_eq(relay_id_of_conn(t, 1), 100);
	ck_assert_uint_eq(relay_id_of_conn(t, 2), 101);
	ck_assert_uint_eq(relay_id_of_conn(t, 3), 0);

	ck_assert_int_eq(reg(100, &x, 1000), RELAY_OK);
	ck_assert_int_eq(relay_pair(t, 100, 101, 1), 0);
	ck_assert_int_eq(relay_del(t, 100), 0);
	ck_assert_int_eq(relay_del(t, 100), -1);
	ck_assert_uint_eq(relay_count(t), 1);
	/* its address and pairs went with it */
	ck_assert_int_eq(relay_route_udp(t, &x, 101, 1000, &r),
	    RELAY_UNKNOWN_SENDER);
	ck_assert(!relay_paired(t, 101, 100));
	ck_assert_uint_eq(relay_id_of_conn(t, 1), 0);

	ck_assert_int_eq(relay_del_conn(t, 2), 0);
	ck_assert_int_eq(relay_del_conn(t, 2), -1);
	ck_assert_uint_eq(relay_count(t), 0);
	/* both free again */
	add(1, 100);
	add(2, 101);
}
END_TEST

/*
 * Guests: nodes of other hubs of the cluster, relayed by UDP only.  No
 * connection (conn 0 names none, and many guests share it), REGISTERs
 * from their own host only, and nothing relayed to one that has no
 * fresh registration; removal as for any session.
 */
START_TEST(test_guest)
{
	struct pkt_addr	 g1 = a4("198.51.100.7", 0), g2 = a4("198.51.100.8", 0);
	struct pkt_addr	 x = a4("192.0.2.1", 1000), gx = a4("198.51.100.7", 4000);
	struct pkt_addr	 evil = a4("192.0.2.66", 4000), gy = a4("198.51.100.8", 5);
	struct relay_route r;
	uint32_t	 conn;
	size_t		 i;

	ck_assert_int_eq(relay_add(t, 0, 50, &g1), -1);	/* conn 0: guests' */
	ck_assert_int_eq(errno, EDOM);
	ck_assert_int_eq(relay_add_guest(t, 0, &g1), -1);
	ck_assert_int_eq(errno, EDOM);
	add(1, 100);
	ck_assert_int_eq(relay_add_guest(t, 100, &g1), -1);	/* id taken */
	ck_assert_int_eq(errno, EEXIST);
	ck_assert_int_eq(relay_add_guest(t, 200, &g1), 0);
	ck_assert_int_eq(relay_add_guest(t, 201, &g2), 0);	/* conn 0 again */
	ck_assert_uint_eq(relay_count(t), 3);
	ck_assert_uint_eq(relay_id_of_conn(t, 0), 0);
	ck_assert_int_eq(relay_del_conn(t, 0), -1);
	ck_assert_uint_eq(relay_count(t), 3);
	ck_assert_int_eq(relay_route_conn(t, 0, 100, 1000, &r),
	    RELAY_UNKNOWN_SENDER);

	/* REGISTERs: from the guest's own host, and a conn of 0 */
	ck_assert_int_eq(relay_register_gate(t, 200, &evil, 1000, &conn),
	    RELAY_FOREIGN);
	ck_assert_int_eq(relay_register_gate(t, 200, &x, 1000, &conn),
	    RELAY_FOREIGN);
	conn = 99;
	ck_assert_int_eq(relay_register_gate(t, 200, &gx, 1000, &conn),
	    RELAY_OK);
	ck_assert_uint_eq(conn, 0);
	ck_assert_int_eq(relay_register_bind(t, 200, 1, &gx, NULL, 0, 1000),
	    -1);	/* not its connection */
	ck_assert_int_eq(relay_register_bind(t, 200, 0, &evil, NULL, 0, 1000),
	    -1);	/* not its host */
	ck_assert_int_eq(relay_register_bind(t, 200, 0, &gx, NULL, 3, 1000),
	    0);
	for (i = 0; i < RELAY_REG_BURST; i++)
		(void)relay_register_gate(t, 201, &gy, 1000, &conn);
	ck_assert_int_eq(relay_register_gate(t, 201, &gy, 1000, &conn),
	    RELAY_THROTTLED);

	/* relayed between members only */
	ck_assert_int_eq(reg(100, &x, 1000), RELAY_OK);
	ck_assert_int_eq(relay_route_udp(t, &x, 200, 1000, &r), RELAY_DENIED);
	ck_assert_int_eq(relay_pair(t, 100, 200, 1), 0);
	ck_assert_int_eq(relay_pair(t, 100, 201, 1), 0);
	ck_assert_int_eq(relay_route_udp(t, &x, 200, 1000, &r), RELAY_OK);
	ck_assert(r.via_udp);
	ck_assert_uint_eq(r.src_id, 100);
	ck_assert_int_eq(r.dst_sock, 3);
	ck_assert(memcmp(&r.dst_addr, &gx, sizeof(gx)) == 0);
	ck_assert_int_eq(relay_route_conn(t, 1, 200, 1000, &r), RELAY_OK);
	ck_assert(r.via_udp);
	/* and back, to the node's connection or registration */
	ck_assert_int_eq(relay_route_udp(t, &gx, 100, 1000, &r), RELAY_OK);
	ck_assert_uint_eq(r.src_id, 200);
	/* a guest never registered, or registered too long ago: nowhere */
	ck_assert_int_eq(relay_route_udp(t, &x, 201, 1000, &r),
	    RELAY_UNKNOWN_DEST);
	ck_assert_int_eq(relay_route_conn(t, 1, 200,
	    1000 + RELAY_UDP_FRESH_MS, &r), RELAY_UNKNOWN_DEST);
	ck_assert_int_eq(relay_route_udp(t, &gx, 100,
	    1000 + RELAY_UDP_FRESH_MS, &r), RELAY_UNKNOWN_SENDER);

	/* gone: its address, its pairs; the others stay */
	ck_assert_int_eq(relay_del(t, 200), 0);
	ck_assert_int_eq(relay_route_udp(t, &gx, 100, 1000, &r),
	    RELAY_UNKNOWN_SENDER);
	ck_assert(!relay_paired(t, 100, 200));
	ck_assert(relay_paired(t, 100, 201));
	ck_assert_uint_eq(relay_id_of_conn(t, 1), 100);
	ck_assert_uint_eq(relay_count(t), 2);
}
END_TEST

/* Many guests and sessions: the tables grow, and conn 0 stays nobody's. */
START_TEST(test_guest_many)
{
	struct pkt_addr	 h = a4("198.51.100.7", 0);
	uint32_t	 i;

	for (i = 1; i <= 1000; i++) {
		ck_assert_int_eq(relay_add_guest(t, 10000 + i, &h), 0);
		add(i, i);
	}
	ck_assert_uint_eq(relay_count(t), 2000);
	ck_assert_uint_eq(relay_id_of_conn(t, 0), 0);
	for (i = 1; i <= 1000; i++)
		ck_assert_uint_eq(relay_id_of_conn(t, i), i);
	for (i = 1; i <= 1000; i++)
		ck_assert_int_eq(relay_del(t, 10000 + i), 0);
	for (i = 1; i <= 1000; i++)
		ck_assert_int_eq(relay_del_conn(t, i), 0);
	ck_assert_uint_eq(relay_count(t), 0);
}
END_TEST

/* What the engine passes on to the authority, and what it refuses. */
START_TEST(test_gate)
{
	struct pkt_addr	 x = a4("192.0.2.1", 1000), y = a4("192.0.2.1", 2000);
	struct pkt_addr	 f = a4("192.0.2.2", 1000), z = a6("2001:db8::1", 1000);
	struct pkt_addr	 m = a6("::ffff:192.0.2.1", 1000);
	struct relay_route r;
	uint32_t	 conn;
	uint64_t	 t0 = 1000000;
	int		 i;

	add(7, 100);
	add(8, 200);
	ck_assert_int_eq(relay_pair(t, 100, 200, 1), 0);
	/* no session */
	ck_assert_int_eq(relay_register_gate(t, 300, &x, t0, &conn),
	    RELAY_UNKNOWN_SENDER);
	ck_assert_uint_eq(conn, 0);
	/* another host, another family, an IPv4-mapped address: foreign */
	ck_assert_int_eq(relay_register_gate(t, 100, &f, t0, &conn),
	    RELAY_FOREIGN);
	ck_assert_int_eq(relay_register_gate(t, 100, &z, t0, &conn),
	    RELAY_FOREIGN);
	ck_assert_int_eq(relay_register_gate(t, 100, &m, t0, &conn),
	    RELAY_FOREIGN);
	/* the node's own host, any port: passed on, naming its connection */
	ck_assert_int_eq(relay_register_gate(t, 100, &x, t0, &conn),
	    RELAY_OK);
	ck_assert_uint_eq(conn, 7);
	ck_assert_int_eq(relay_register_gate(t, 200, &y, t0, &conn),
	    RELAY_OK);
	ck_assert_uint_eq(conn, 8);
	/* passing on binds nothing: the authority has not said yes */
	ck_assert_int_eq(relay_route_udp(t, &x, 200, t0, &r),
	    RELAY_UNKNOWN_SENDER);
	/* the rate: the burst (one taken above), then one per interval */
	for (i = 1; i < RELAY_REG_BURST; i++)
		ck_assert_int_eq(relay_register_gate(t, 100, &x, t0, &conn),
		    RELAY_OK);
	ck_assert_int_eq(relay_register_gate(t, 100, &x, t0, &conn),
	    RELAY_THROTTLED);
	ck_assert_uint_eq(conn, 0);
	ck_assert_int_eq(relay_register_gate(t, 100, &x,
	    t0 + RELAY_REG_EVERY_MS - 1, &conn), RELAY_THROTTLED);
	ck_assert_int_eq(relay_register_gate(t, 100, &x,
	    t0 + RELAY_REG_EVERY_MS, &conn), RELAY_OK);
	ck_assert_int_eq(relay_register_gate(t, 100, &x,
	    t0 + RELAY_REG_EVERY_MS, &conn), RELAY_THROTTLED);
	/* foreign ones cost the node nothing; its peer has its own rate */
	for (i = 0; i < 100; i++)
		ck_assert_int_eq(relay_register_gate(t, 200, &f, t0, &conn),
		    RELAY_FOREIGN);
	ck_assert_int_eq(relay_register_gate(t, 200, &y, t0, &conn),
	    RELAY_OK);
	/* after a long quiet, a whole burst again, and no more */
	for (i = 0; i < RELAY_REG_BURST; i++)
		ck_assert_int_eq(relay_register_gate(t, 100, &x,
		    t0 + 3600000, &conn), RELAY_OK);
	ck_assert_int_eq(relay_register_gate(t, 100, &x, t0 + 3600000,
	    &conn), RELAY_THROTTLED);
}
END_TEST

/* The authority's yes: only for the session it was asked about. */
START_TEST(test_bind)
{
	struct pkt_addr	 x = a4("192.0.2.1", 1000), f = a4("192.0.2.2", 1000);
	struct pkt_addr	 local = a4("198.51.100.1", 7777);
	struct relay_route r;

	add(7, 100);
	add(8, 200);
	ck_assert_int_eq(relay_pair(t, 100, 200, 1), 0);
	/* no such session, another connection, a foreign address */
	ck_assert_int_eq(relay_register_bind(t, 300, 7, &x, &local, 2, 10),
	    -1);
	ck_assert_int_eq(relay_register_bind(t, 100, 8, &x, &local, 2, 10),
	    -1);
	ck_assert_int_eq(relay_register_bind(t, 100, 7, &f, &local, 2, 10),
	    -1);
	ck_assert_int_eq(relay_route_conn(t, 8, 100, 10, &r), RELAY_OK);
	ck_assert(!r.via_udp);
	/* a session that ended and came back on a new connection */
	ck_assert_int_eq(relay_del(t, 100), 0);
	add(9, 100);
	ck_assert_int_eq(relay_pair(t, 100, 200, 1), 0);
	ck_assert_int_eq(relay_register_bind(t, 100, 7, &x, &local, 2, 10),
	    -1);
	/* the right one: packets for 100 go to x, from local, on socket 2 */
	ck_assert_int_eq(relay_register_bind(t, 100, 9, &x, &local, 2, 10),
	    0);
	ck_assert_int_eq(relay_route_conn(t, 8, 100, 10, &r), RELAY_OK);
	ck_assert(r.via_udp);
	ck_assert(memcmp(&r.dst_addr, &x, sizeof(x)) == 0);
	ck_assert(memcmp(&r.dst_local, &local, sizeof(local)) == 0);
	ck_assert_int_eq(r.dst_sock, 2);
	ck_assert_int_eq(relay_route_udp(t, &x, 200, 10, &r), RELAY_OK);
	ck_assert_uint_eq(r.src_id, 100);
}
END_TEST

/* The authority's check of a REGISTER: its token, its counter. */
static void
register_of(uint8_t m[RELAY_AUTH_LEN], uint32_t id, uint64_t counter,
    const uint8_t *token)
{
	relay_auth_build(m, RELAY_REGISTER_TYPE, id, counter, token);
}

START_TEST(test_cred_mac)
{
	struct relay_cred	 rc, other;
	uint8_t			 m[RELAY_AUTH_LEN + 1], ans[RELAY_AUTH_LEN];
	uint8_t			 k[HUB_RELAY_TOKEN_LEN];
	uint32_t		 id;
	uint64_t		 c;
	size_t			 i;

	ck_assert(sodium_init() >= 0);
	relay_cred_new(&rc, 100);
	relay_cred_new(&other, 200);
	ck_assert_uint_eq(rc.id, 100);
	ck_assert_uint_eq(rc.counter, 0);
	ck_assert(memcmp(rc.token, other.token, sizeof(rc.token)) != 0);
	/* a MAC under a token one bit off */
	memcpy(k, rc.token, sizeof(k));
	for (i = 0; i < sizeof(k); i++) {
		k[i] ^= 0x01;
		register_of(m, 100, 1, k);
		ck_assert_int_eq(relay_cred_check(&rc, m, RELAY_AUTH_LEN, ans),
		    RELAY_CRED_BAD_MAC);
		k[i] ^= 0x01;
	}
	/* any bit of the counter or the MAC changed; the id: not ours */
	for (i = 4; i < RELAY_AUTH_LEN; i++) {
		register_of(m, 100, 1, rc.token);
		m[i] ^= 0x10;
		ck_assert_int_eq(relay_cred_check(&rc, m, RELAY_AUTH_LEN, ans),
		    i < 8 ? RELAY_CRED_MALFORMED : RELAY_CRED_BAD_MAC);
	}
	/* another session's token, or its REGISTER */
	register_of(m, 100, 1, other.token);
	ck_assert_int_eq(relay_cred_check(&rc, m, RELAY_AUTH_LEN, ans),
	    RELAY_CRED_BAD_MAC);
	register_of(m, 200, 1, other.token);
	ck_assert_int_eq(relay_cred_check(&rc, m, RELAY_AUTH_LEN, ans),
	    RELAY_CRED_MALFORMED);
	/* not a REGISTER: length, type, the zero bytes */
	register_of(m, 100, 1, rc.token);
	m[RELAY_AUTH_LEN] = 0;
	ck_assert_int_eq(relay_cred_check(&rc, m, RELAY_AUTH_LEN + 1, ans),
	    RELAY_CRED_MALFORMED);
	ck_assert_int_eq(relay_cred_check(&rc, m, RELAY_AUTH_LEN - 1, ans),
	    RELAY_CRED_MALFORMED);
	for (i = 0; i < 4; i++) {
		m[i] ^= 0x01;
		ck_assert_int_eq(relay_cred_check(&rc, m, RELAY_AUTH_LEN, ans),
		    RELAY_CRED_MALFORMED);
		m[i] ^= 0x01;
	}
	relay_auth_build(m, RELAY_REGISTERED_TYPE, 100, 1, rc.token);
	ck_assert_int_eq(relay_cred_check(&rc, m, RELAY_AUTH_LEN, ans),
	    RELAY_CRED_MALFORMED);
	/* none of that took counter 1 */
	ck_assert_uint_eq(rc.counter, 0);
	register_of(m, 100, 1, rc.token);
	memset(ans, 0xee, sizeof(ans));
	ck_assert_int_eq(relay_cred_check(&rc, m, RELAY_AUTH_LEN, ans),
	    RELAY_CRED_OK);
	ck_assert_uint_eq(rc.counter, 1);
	/* the answer: REGISTERED, same id and counter, MAC by the token */
	ck_assert_int_eq(relay_auth_peek(ans, sizeof(ans),
	    RELAY_REGISTERED_TYPE, &id, &c), 0);
	ck_assert_uint_eq(id, 100);
	ck_assert_uint_eq(c, 1);
	ck_assert_int_eq(relay_auth_verify(ans, rc.token), 0);
	ck_assert_int_eq(relay_auth_verify(ans, other.token), -1);
	/* wiped, it takes nothing */
	relay_cred_clear(&rc);
	ck_assert(sodium_is_zero((const uint8_t *)&rc, sizeof(rc)));
	register_of(m, 100, 2, k);
	ck_assert_int_eq(relay_cred_check(&rc, m, RELAY_AUTH_LEN, ans),
	    RELAY_CRED_MALFORMED);
}
END_TEST

START_TEST(test_cred_counter)
{
	struct relay_cred	 rc;
	uint8_t			 m[RELAY_AUTH_LEN], m7[RELAY_AUTH_LEN];
	uint8_t			 ans[RELAY_AUTH_LEN];

	ck_assert(sodium_init() >= 0);
	relay_cred_new(&rc, 100);
	/* counters start at 1: 0 is never news */
	register_of(m, 100, 0, rc.token);
	ck_assert_int_eq(relay_cred_check(&rc, m, sizeof(m), ans),
	    RELAY_CRED_REPLAY);
	/* counters may skip (lost REGISTERs) */
	register_of(m7, 100, 7, rc.token);
	ck_assert_int_eq(relay_cred_check(&rc, m7, sizeof(m7), ans),
	    RELAY_CRED_OK);
	/* the same REGISTER again, and lower counters however fresh */
	ck_assert_int_eq(relay_cred_check(&rc, m7, sizeof(m7), ans),
	    RELAY_CRED_REPLAY);
	register_of(m, 100, 6, rc.token);
	ck_assert_int_eq(relay_cred_check(&rc, m, sizeof(m), ans),
	    RELAY_CRED_REPLAY);
	register_of(m, 100, 1, rc.token);
	ck_assert_int_eq(relay_cred_check(&rc, m, sizeof(m), ans),
	    RELAY_CRED_REPLAY);
	ck_assert_uint_eq(rc.counter, 7);
	register_of(m, 100, 8, rc.token);
	ck_assert_int_eq(relay_cred_check(&rc, m, sizeof(m), ans),
	    RELAY_CRED_OK);
	ck_assert_int_eq(relay_cred_check(&rc, m7, sizeof(m7), ans),
	    RELAY_CRED_REPLAY);
	/* a new login under the same id starts afresh, with a new token */
	relay_cred_new(&rc, 100);
	ck_assert_int_eq(relay_cred_check(&rc, m, sizeof(m), ans),
	    RELAY_CRED_BAD_MAC);
	register_of(m, 100, 1, rc.token);
	ck_assert_int_eq(relay_cred_check(&rc, m, sizeof(m), ans),
	    RELAY_CRED_OK);
}
END_TEST

/*
 * Guest credentials: two hubs of one cluster (one private key) compute
 * the same token for a node's login, so the hub that gives it and the
 * hub that checks it need not talk; any other hub, node, login or
 * cluster key makes another token, whose REGISTERs are refused.
 */
START_TEST(test_cred_guest)
{
	struct relay_cred	 a, b, c;
	uint8_t			 priv[32], priv2[32], gk[RELAY_GUEST_KEY_LEN];
	uint8_t			 gk2[RELAY_GUEST_KEY_LEN], gk3[RELAY_GUEST_KEY_LEN];
	uint8_t			 node[HUB_KEY_LEN], node2[HUB_KEY_LEN];
	uint8_t			 m[RELAY_AUTH_LEN], ans[RELAY_AUTH_LEN];
	uint8_t			 zero[HUB_RELAY_TOKEN_LEN];

	ck_assert(sodium_init() >= 0);
	randombytes_buf(priv, sizeof(priv));
	memcpy(priv2, priv, sizeof(priv2));
	priv2[31] ^= 0x01;
	randombytes_buf(node, sizeof(node));
	memcpy(node2, node, sizeof(node2));
	node2[0] ^= 0x80;
	memset(zero, 0, sizeof(zero));
	relay_guest_key(gk, priv);
	relay_guest_key(gk2, priv);
	ck_assert(memcmp(gk, gk2, sizeof(gk)) == 0);
	ck_assert(memcmp(gk, priv, sizeof(priv)) != 0);
	relay_guest_key(gk3, priv2);
	ck_assert(memcmp(gk, gk3, sizeof(gk)) != 0);

	/* the giving hub and the checking hub agree */
	relay_cred_guest(&a, gk, 7, node, 100);
	relay_cred_guest(&b, gk2, 7, node, 100);
	ck_assert_uint_eq(a.id, 100);
	ck_assert_uint_eq(a.counter, 0);
	ck_assert(memcmp(a.token, zero, sizeof(zero)) != 0);
	ck_assert(memcmp(a.token, b.token, sizeof(a.token)) == 0);
	register_of(m, 100, 1, a.token);
	ck_assert_int_eq(relay_cred_check(&b, m, sizeof(m), ans),
	    RELAY_CRED_OK);
	ck_assert_int_eq(relay_auth_verify(ans, a.token), 0);
	/* the same REGISTER again: a replay */
	ck_assert_int_eq(relay_cred_check(&b, m, sizeof(m), ans),
	    RELAY_CRED_REPLAY);
	/* another hub of the cluster: not its token */
	relay_cred_guest(&c, gk, 8, node, 100);
	ck_assert(memcmp(a.token, c.token, sizeof(a.token)) != 0);
	ck_assert_int_eq(relay_cred_check(&c, m, sizeof(m), ans),
	    RELAY_CRED_BAD_MAC);
	/* a hub id only the sign apart */
	relay_cred_guest(&c, gk, -7, node, 100);
	ck_assert_int_eq(relay_cred_check(&c, m, sizeof(m), ans),
	    RELAY_CRED_BAD_MAC);
	/* another node with the same relay id (at another hub) */
	relay_cred_guest(&c, gk, 7, node2, 100);
	ck_assert_int_eq(relay_cred_check(&c, m, sizeof(m), ans),
	    RELAY_CRED_BAD_MAC);
	/* another cluster's key */
	relay_cred_guest(&c, gk3, 7, node, 100);
	ck_assert_int_eq(relay_cred_check(&c, m, sizeof(m), ans),
	    RELAY_CRED_BAD_MAC);
	/* the node's next login: a new relay id, a new token */
	relay_cred_guest(&c, gk, 7, node, 101);
	ck_assert(memcmp(a.token, c.token, sizeof(a.token)) != 0);
	register_of(m, 101, 1, a.token);
	ck_assert_int_eq(relay_cred_check(&c, m, sizeof(m), ans),
	    RELAY_CRED_BAD_MAC);
	/* a login's own random token is no guest token */
	relay_cred_new(&c, 100);
	register_of(m, 100, 2, c.token);
	ck_assert_int_eq(relay_cred_check(&b, m, sizeof(m), ans),
	    RELAY_CRED_BAD_MAC);
	ck_assert_uint_eq(b.counter, 1);
	relay_cred_clear(&a);
	relay_cred_clear(&b);
	relay_cred_clear(&c);
	sodium_memzero(gk, sizeof(gk));
	sodium_memzero(gk2, sizeof(gk2));
}
END_TEST

START_TEST(test_rebind)
{
	struct pkt_addr	 x = a4("192.0.2.1", 1000), y = a4("192.0.2.1", 1001);
	struct pkt_addr	 z = a6("2001:db8::1", 1000), local = a4("198.51.100.1",
	    7777);
	struct relay_route r;
	uint32_t	 conn;

	add(1, 100);
	add(2, 200);
	add_at(3, 300, &z);
	ck_assert_int_eq(relay_pair(t, 100, 200, 1), 0);
	ck_assert_int_eq(relay_pair(t, 300, 200, 1), 0);
	ck_assert_int_eq(reg(100, &x, 10), RELAY_OK);
	ck_assert_int_eq(relay_route_udp(t, &x, 200, 10, &r), RELAY_OK);
	/* the NAT gave 100 a new port: only the new one names it */
	ck_assert_int_eq(reg(100, &y, 20), RELAY_OK);
	ck_assert_int_eq(relay_route_udp(t, &x, 200, 20, &r),
	    RELAY_UNKNOWN_SENDER);
	ck_assert_int_eq(relay_route_udp(t, &y, 200, 20, &r), RELAY_OK);
	ck_assert_uint_eq(r.src_id, 100);
	/* a new family is another host: 100 stays where it was */
	ck_assert_int_eq(reg(100, &z, 30), RELAY_FOREIGN);
	ck_assert_int_eq(relay_route_udp(t, &y, 200, 30, &r), RELAY_OK);
	ck_assert_uint_eq(r.src_id, 100);
	/* 200 now sends to 300: by UDP to z, via the socket and address */
	ck_assert_int_eq(relay_register_gate(t, 300, &z, 40, &conn),
	    RELAY_OK);
	ck_assert_uint_eq(conn, 3);
	ck_assert_int_eq(relay_register_bind(t, 300, conn, &z, &local, 3, 40),
	    0);
	ck_assert_int_eq(relay_route_conn(t, 2, 300, 40, &r), RELAY_OK);
	ck_assert(r.via_udp);
	ck_assert_uint_eq(r.src_id, 200);
	ck_assert_uint_eq(r.dst_id, 300);
	ck_assert(memcmp(&r.dst_addr, &z, sizeof(z)) == 0);
	ck_assert(memcmp(&r.dst_local, &local, sizeof(local)) == 0);
	ck_assert_int_eq(r.dst_sock, 3);
	/* 200 takes y (a NAT reused the mapping): y names 200 only */
	ck_assert_int_eq(reg(200, &y, 50), RELAY_OK);
	ck_assert_int_eq(relay_route_udp(t, &y, 100, 50, &r), RELAY_OK);
	ck_assert_uint_eq(r.src_id, 200);
	/* and 100, which lost its address, is reached by TCP */
	ck_assert_int_eq(relay_route_conn(t, 2, 100, 50, &r), RELAY_OK);
	ck_assert(!r.via_udp);
	ck_assert_uint_eq(r.dst_conn, 1);
	/* re-registering from the same address keeps one entry */
	ck_assert_int_eq(reg(200, &y, 60), RELAY_OK);
	ck_assert_int_eq(relay_del(t, 200), 0);
	ck_assert_int_eq(relay_route_udp(t, &y, 100, 60, &r),
	    RELAY_UNKNOWN_SENDER);
}
END_TEST

START_TEST(test_verdicts)
{
	struct pkt_addr	 x = a4("192.0.2.1", 1000), w = a4("192.0.2.9", 9);
	struct relay_route r;
	uint64_t	 t0 = 1000000;

	add(1, 100);
	add(2, 200);
	add(3, 300);
	ck_assert_int_eq(relay_pair(t, 100, 200, 1), 0);
	ck_assert_int_eq(reg(100, &x, t0), RELAY_OK);

	/* unknown sender: an address or connection with no session */
	ck_assert_int_eq(relay_route_udp(t, &w, 200, t0, &r),
	    RELAY_UNKNOWN_SENDER);
	ck_assert_int_eq(relay_route_conn(t, 9, 200, t0, &r),
	    RELAY_UNKNOWN_SENDER);
	/* unknown destination */
	ck_assert_int_eq(relay_route_udp(t, &x, 999, t0, &r),
	    RELAY_UNKNOWN_DEST);
	ck_assert_int_eq(relay_route_udp(t, &x, 0, t0, &r),
	    RELAY_UNKNOWN_DEST);
	/* denied: no shared network, or to itself */
	ck_assert_int_eq(relay_route_udp(t, &x, 300, t0, &r), RELAY_DENIED);
	ck_assert_int_eq(relay_route_udp(t, &x, 100, t0, &r), RELAY_DENIED);
	ck_assert_int_eq(relay_route_conn(t, 3, 100, t0, &r), RELAY_DENIED);
	/* ok, to 200 which never registered: by TCP */
	ck_assert_int_eq(relay_route_udp(t, &x, 200, t0, &r), RELAY_OK);
	ck_assert(!r.via_udp);
	ck_assert_uint_eq(r.dst_conn, 2);
	ck_assert_uint_eq(r.src_id, 100);
	ck_assert_uint_eq(r.dst_id, 200);
	/* 200 by TCP to 100, registered just now: by UDP */
	ck_assert_int_eq(relay_route_conn(t, 2, 100, t0, &r), RELAY_OK);
	ck_assert(r.via_udp);
	ck_assert(memcmp(&r.dst_addr, &x, sizeof(x)) == 0);
	/* the 120 s rule */
	ck_assert_int_eq(relay_route_conn(t, 2, 100,
	    t0 + RELAY_UDP_FRESH_MS - 1, &r), RELAY_OK);
	ck_assert(r.via_udp);
	ck_assert_int_eq(relay_route_conn(t, 2, 100,
	    t0 + RELAY_UDP_FRESH_MS, &r), RELAY_OK);
	ck_assert(!r.via_udp);
	ck_assert_uint_eq(r.dst_conn, 1);
	/* a stale registration names no sender either */
	ck_assert_int_eq(relay_route_udp(t, &x, 200,
	    t0 + RELAY_UDP_FRESH_MS, &r), RELAY_UNKNOWN_SENDER);
	/* until it registers again */
	ck_assert_int_eq(reg(100, &x, t0 + RELAY_UDP_FRESH_MS), RELAY_OK);
	ck_assert_int_eq(relay_route_udp(t, &x, 200,
	    t0 + RELAY_UDP_FRESH_MS, &r), RELAY_OK);
}
END_TEST

START_TEST(test_pairs)
{
	struct relay_route r;

	add(1, 100);
	add(2, 200);
	add(3, 300);
	ck_assert_int_eq(relay_pair(t, 100, 100, 1), -1);
	ck_assert_int_eq(relay_pair(t, 100, 999, 1), -1);
	ck_assert_int_eq(relay_pair(t, 999, 100, 0), -1);
	ck_assert_int_eq(relay_pair(t, 100, 200, 1), 0);
	ck_assert_int_eq(relay_pair(t, 200, 100, 1), 0);	/* idempotent */
	ck_assert(relay_paired(t, 100, 200) && relay_paired(t, 200, 100));
	ck_assert(!relay_paired(t, 100, 300) && !relay_paired(t, 300, 100));
	ck_assert_int_eq(relay_route_conn(t, 1, 200, 0, &r), RELAY_OK);
	ck_assert_int_eq(relay_route_conn(t, 2, 100, 0, &r), RELAY_OK);
	ck_assert_int_eq(relay_pair(t, 100, 300, 1), 0);
	/* down from either side, both ways; twice is fine */
	ck_assert_int_eq(relay_pair(t, 200, 100, 0), 0);
	ck_assert_int_eq(relay_pair(t, 100, 200, 0), 0);
	ck_assert(!relay_paired(t, 100, 200) && !relay_paired(t, 200, 100));
	ck_assert_int_eq(relay_route_conn(t, 1, 200, 0, &r), RELAY_DENIED);
	ck_assert_int_eq(relay_route_conn(t, 2, 100, 0, &r), RELAY_DENIED);
	ck_assert(relay_paired(t, 100, 300) && relay_paired(t, 300, 100));
	/* back up */
	ck_assert_int_eq(relay_pair(t, 100, 200, 1), 0);
	ck_assert_int_eq(relay_route_conn(t, 2, 100, 0, &r), RELAY_OK);
	/* deleting 100 leaves 200 and 300 with no pair towards it */
	ck_assert_int_eq(relay_del_conn(t, 1), 0);
	ck_assert(!relay_paired(t, 200, 100) && !relay_paired(t, 300, 100));
	ck_assert_int_eq(relay_route_conn(t, 2, 100, 0, &r),
	    RELAY_UNKNOWN_DEST);
	/* a new session with the old id starts with no pairs */
	add(4, 100);
	ck_assert_int_eq(relay_route_conn(t, 2, 100, 0, &r), RELAY_DENIED);
	ck_assert_int_eq(relay_route_conn(t, 4, 200, 0, &r), RELAY_DENIED);
}
END_TEST

/*
 * Thousands of sessions, each registered and paired with its
 * neighbours; then half of them go.  Every lookup stays right through
 * the rehashes.
 */
#define MANY	5000
static uint32_t
id_of(uint32_t i)
{
	return (i * 2654435761u) | 1;	/* never 0, all distinct */
}

static struct pkt_addr
addr_of(uint32_t i)
{
	struct pkt_addr	 a;

	memset(&a, 0, sizeof(a));
	if (i % 3 == 0) {
		a.af = AF_INET6;
		a.addr[0] = 0x20;
		a.addr[1] = 0x01;
		memcpy(a.addr + 12, &i, 4);
	} else {
		a.af = AF_INET;
		a.addr[0] = 10;
		a.addr[3] = (uint8_t)(i % 7);
	}
	a.port = htons((uint16_t)(1024 + i));	/* distinct with addr */
	return a;
}

START_TEST(test_many)
{
	struct relay_route r;
	struct pkt_addr	 a;
	uint32_t	 i;

	for (i = 0; i < MANY; i++) {
		a = addr_of(i);
		add_at(i + 1, id_of(i), &a);
		ck_assert_int_eq(reg(id_of(i), &a, 100), RELAY_OK);
		if (i > 0)
			ck_assert_int_eq(relay_pair(t, id_of(i),
			    id_of(i - 1), 1), 0);
	}
	ck_assert_uint_eq(relay_count(t), MANY);
	for (i = 1; i < MANY; i++) {
		a = addr_of(i);
		ck_assert_int_eq(relay_route_udp(t, &a, id_of(i - 1), 100, &r),
		    RELAY_OK);
		ck_assert_uint_eq(r.src_id, id_of(i));
		ck_assert(r.via_udp);
		a = addr_of(i - 1);
		ck_assert(memcmp(&r.dst_addr, &a, sizeof(a)) == 0);
		if (i >= 2)
			ck_assert_int_eq(relay_route_conn(t, i + 1,
			    id_of(i - 2), 100, &r), RELAY_DENIED);
		ck_assert_uint_eq(relay_id_of_conn(t, i + 1), id_of(i));
	}
	for (i = 0; i < MANY; i += 2)
		ck_assert_int_eq(relay_del(t, id_of(i)), 0);
	ck_assert_uint_eq(relay_count(t), MANY / 2);
	for (i = 1; i < MANY; i += 2) {
		a = addr_of(i);
		ck_assert_int_eq(relay_route_udp(t, &a, id_of(i - 1), 100, &r),
		    RELAY_UNKNOWN_DEST);
		a = addr_of(i - 1);
		ck_assert_int_eq(relay_route_udp(t, &a, id_of(i), 100, &r),
		    RELAY_UNKNOWN_SENDER);
		ck_assert(!relay_paired(t, id_of(i), id_of(i - 1)));
	}
}
END_TEST

static Suite *
relay_suite(void)
{
	Suite	*s = suite_create("relay");
	TCase	*tc;

	tc = tcase_create("table");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_add_del);
	tcase_add_test(tc, test_gate);
	tcase_add_test(tc, test_bind);
	tcase_add_test(tc, test_rebind);
	tcase_add_test(tc, test_verdicts);
	tcase_add_test(tc, test_pairs);
	tcase_add_test(tc, test_many);
	tcase_add_test(tc, test_parts);
	tcase_add_test(tc, test_guest);
	tcase_add_test(tc, test_guest_many);
	suite_add_tcase(s, tc);
	tc = tcase_create("credentials");
	tcase_add_test(tc, test_cred_mac);
	tcase_add_test(tc, test_cred_counter);
	tcase_add_test(tc, test_cred_guest);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(relay_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
