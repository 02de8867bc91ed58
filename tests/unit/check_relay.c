/*
 * The hub's relay table (hub/relay.c): registration with right and
 * wrong MACs, counters and replays, the REGISTERED answer, rebinding, the forwarding verdicts and the 120 s rule,
 * pairs coming and going, deletion leaving nothing behind, and many
 * sessions at once.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hub/relay.h"

static struct relay_table	*t;
static uint8_t			 tok[HUB_RELAY_TOKEN_LEN];
static uint64_t			 ctr;	/* REGISTER counters: one for all */

static void
setup(void)
{
	uint8_t	 key[crypto_shorthash_KEYBYTES];

	ck_assert(sodium_init() >= 0);
	randombytes_buf(key, sizeof(key));
	ck_assert((t = relay_table_new(key)) != NULL);
	memset(tok, 0x5a, sizeof(tok));
	ctr = 0;
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
	return (a);
}

static struct pkt_addr
a6(const char *s, uint16_t port)
{
	struct pkt_addr	 a;

	memset(&a, 0, sizeof(a));
	a.af = AF_INET6;
	a.port = htons(port);
	ck_assert(inet_pton(AF_INET6, s, a.addr) == 1);
	return (a);
}

/* A token per id, so that one session's token never fits another's. */
static void
tok_of(uint32_t id, uint8_t out[HUB_RELAY_TOKEN_LEN])
{
	memset(out, 0, HUB_RELAY_TOKEN_LEN);
	memcpy(out, &id, sizeof(id));
	out[HUB_RELAY_TOKEN_LEN - 1] = 0xa5;
}

static void
add(uint32_t conn, uint32_t id)
{
	uint8_t	 k[HUB_RELAY_TOKEN_LEN];

	tok_of(id, k);
	ck_assert_int_eq(relay_add(t, conn, id, k), 0);
}

/* A REGISTER of id with this counter under this token. */
static void
msg_of(uint8_t m[RELAY_AUTH_LEN], uint32_t id, uint64_t counter,
    const uint8_t k[HUB_RELAY_TOKEN_LEN])
{
	relay_auth_build(m, RELAY_REGISTER_TYPE, id, counter, k);
}

static enum relay_verdict
reg_msg(const uint8_t *m, size_t len, const struct pkt_addr *from,
    uint64_t now)
{
	uint8_t		 ans[RELAY_AUTH_LEN];

	return (relay_register(t, m, len, from, NULL, 0, now, ans, NULL));
}

/* id registers rightly, with a counter above any used so far. */
static enum relay_verdict
reg(uint32_t id, const struct pkt_addr *from, uint64_t now)
{
	uint8_t	 k[HUB_RELAY_TOKEN_LEN], m[RELAY_AUTH_LEN];

	tok_of(id, k);
	msg_of(m, id, ++ctr, k);
	return (reg_msg(m, sizeof(m), from, now));
}

START_TEST(test_add_del)
{
	struct pkt_addr	 x = a4("192.0.2.1", 1000);
	struct relay_route r;

	ck_assert_uint_eq(relay_count(t), 0);
	ck_assert_int_eq(relay_add(t, 1, 0, tok), -1);	/* id 0 */
	add(1, 100);
	ck_assert_int_eq(relay_add(t, 2, 100, tok), -1);	/* id taken */
	ck_assert_int_eq(relay_add(t, 1, 101, tok), -1);	/* conn taken */
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

START_TEST(test_register_token)
{
	struct pkt_addr	 x = a4("192.0.2.1", 1000);
	struct relay_route r;
	uint8_t		 k[HUB_RELAY_TOKEN_LEN], m[RELAY_AUTH_LEN + 1];
	uint8_t		 ans[RELAY_AUTH_LEN];
	uint64_t	 c;
	uint32_t	 id;
	size_t		 i;

	add(1, 100);
	add(2, 200);
	ck_assert_int_eq(relay_pair(t, 100, 200, 1), 0);
	/* a MAC under a token one bit off */
	tok_of(100, k);
	for (i = 0; i < sizeof(k); i++) {
		k[i] ^= 0x01;
		msg_of(m, 100, 1, k);
		ck_assert_int_eq(reg_msg(m, RELAY_AUTH_LEN, &x, 5),
		    RELAY_BAD_TOKEN);
		k[i] ^= 0x01;
	}
	/* any bit of the message or its MAC changed */
	for (i = 4; i < RELAY_AUTH_LEN; i++) {
		msg_of(m, 100, 1, k);
		m[i] ^= 0x10;
		ck_assert_int_eq(reg_msg(m, RELAY_AUTH_LEN, &x, 5),
		    i < 8 ? RELAY_UNKNOWN_SENDER : RELAY_BAD_TOKEN);
	}
	/* the other session's token does not fit */
	tok_of(200, k);
	msg_of(m, 100, 1, k);
	ck_assert_int_eq(reg_msg(m, RELAY_AUTH_LEN, &x, 5), RELAY_BAD_TOKEN);
	/* an id with no session: its own token cannot help */
	tok_of(300, k);
	msg_of(m, 300, 1, k);
	ck_assert_int_eq(relay_register(t, m, RELAY_AUTH_LEN, &x, NULL, 0, 5,
	    ans, &id), RELAY_UNKNOWN_SENDER);
	ck_assert_uint_eq(id, 300);
	/* not a REGISTER: length, type, the zero bytes, the old format */
	tok_of(100, k);
	msg_of(m, 100, 1, k);
	m[RELAY_AUTH_LEN] = 0;
	ck_assert_int_eq(reg_msg(m, RELAY_AUTH_LEN + 1, &x, 5),
	    RELAY_MALFORMED);
	ck_assert_int_eq(reg_msg(m, RELAY_AUTH_LEN - 1, &x, 5),
	    RELAY_MALFORMED);
	ck_assert_int_eq(reg_msg(m, 24, &x, 5), RELAY_MALFORMED);
	for (i = 0; i < 4; i++) {
		m[i] ^= 0x01;
		ck_assert_int_eq(reg_msg(m, RELAY_AUTH_LEN, &x, 5),
		    RELAY_MALFORMED);
		m[i] ^= 0x01;
	}
	relay_auth_build(m, RELAY_REGISTERED_TYPE, 100, 1, k);
	ck_assert_int_eq(reg_msg(m, RELAY_AUTH_LEN, &x, 5), RELAY_MALFORMED);
	/* nothing registered from x, and counter 1 still unused */
	ck_assert_int_eq(relay_route_udp(t, &x, 200, 5, &r),
	    RELAY_UNKNOWN_SENDER);
	msg_of(m, 100, 1, k);
	memset(ans, 0xee, sizeof(ans));
	ck_assert_int_eq(relay_register(t, m, RELAY_AUTH_LEN, &x, NULL, 0, 5,
	    ans, &id), RELAY_OK);
	ck_assert_uint_eq(id, 100);
	ck_assert_int_eq(relay_route_udp(t, &x, 200, 5, &r), RELAY_OK);
	ck_assert_uint_eq(r.src_id, 100);
	/* the answer: REGISTERED, same id and counter, MAC by the token */
	ck_assert_int_eq(relay_auth_peek(ans, sizeof(ans),
	    RELAY_REGISTERED_TYPE, &id, &c), 0);
	ck_assert_uint_eq(id, 100);
	ck_assert_uint_eq(c, 1);
	ck_assert_int_eq(relay_auth_verify(ans, k), 0);
	tok_of(200, k);
	ck_assert_int_eq(relay_auth_verify(ans, k), -1);
}
END_TEST

START_TEST(test_register_counter)
{
	struct pkt_addr	 x = a4("192.0.2.1", 1000), y = a4("203.0.113.7", 4000);
	struct relay_route r;
	uint8_t		 k[HUB_RELAY_TOKEN_LEN], m[RELAY_AUTH_LEN];
	uint8_t		 m7[RELAY_AUTH_LEN];

	add(1, 100);
	add(2, 200);
	ck_assert_int_eq(relay_pair(t, 100, 200, 1), 0);
	tok_of(100, k);
	/* counters start at 1: 0 is never news */
	msg_of(m, 100, 0, k);
	ck_assert_int_eq(reg_msg(m, sizeof(m), &x, 10), RELAY_REPLAY);
	ck_assert_int_eq(relay_route_udp(t, &x, 200, 10, &r),
	    RELAY_UNKNOWN_SENDER);
	/* counters may skip (lost REGISTERs) */
	msg_of(m7, 100, 7, k);
	ck_assert_int_eq(reg_msg(m7, sizeof(m7), &x, 10), RELAY_OK);
	/* the same REGISTER again, from x or captured and sent from y */
	ck_assert_int_eq(reg_msg(m7, sizeof(m7), &x, 20), RELAY_REPLAY);
	ck_assert_int_eq(reg_msg(m7, sizeof(m7), &y, 20), RELAY_REPLAY);
	/* a lower counter, however fresh its MAC */
	msg_of(m, 100, 6, k);
	ck_assert_int_eq(reg_msg(m, sizeof(m), &y, 20), RELAY_REPLAY);
	msg_of(m, 100, 1, k);
	ck_assert_int_eq(reg_msg(m, sizeof(m), &y, 20), RELAY_REPLAY);
	/* none moved the registration, nor refreshed it */
	ck_assert_int_eq(relay_route_udp(t, &y, 200, 20, &r),
	    RELAY_UNKNOWN_SENDER);
	ck_assert_int_eq(relay_route_udp(t, &x, 200, 20, &r), RELAY_OK);
	ck_assert_int_eq(relay_route_conn(t, 2, 100, 10 + RELAY_UDP_FRESH_MS,
	    &r), RELAY_OK);
	ck_assert(!r.via_udp);
	ck_assert_int_eq(relay_route_conn(t, 2, 100, 20, &r), RELAY_OK);
	ck_assert(r.via_udp);
	ck_assert(memcmp(&r.dst_addr, &x, sizeof(x)) == 0);
	/* a higher counter from a new address moves the address index */
	msg_of(m, 100, 8, k);
	ck_assert_int_eq(reg_msg(m, sizeof(m), &y, 30), RELAY_OK);
	ck_assert_int_eq(relay_route_udp(t, &x, 200, 30, &r),
	    RELAY_UNKNOWN_SENDER);
	ck_assert_int_eq(relay_route_udp(t, &y, 200, 30, &r), RELAY_OK);
	ck_assert_uint_eq(r.src_id, 100);
	ck_assert_int_eq(relay_route_conn(t, 2, 100, 30, &r), RELAY_OK);
	ck_assert(r.via_udp);
	ck_assert(memcmp(&r.dst_addr, &y, sizeof(y)) == 0);
	/* and the old one, replayed from x, cannot bring it back */
	ck_assert_int_eq(reg_msg(m7, sizeof(m7), &x, 40), RELAY_REPLAY);
	ck_assert_int_eq(reg_msg(m, sizeof(m), &x, 40), RELAY_REPLAY);
	ck_assert_int_eq(relay_route_udp(t, &x, 200, 40, &r),
	    RELAY_UNKNOWN_SENDER);
	ck_assert_int_eq(relay_route_udp(t, &y, 200, 40, &r), RELAY_OK);
	/* the counter is per session: 200 starts from nothing */
	tok_of(200, k);
	msg_of(m, 200, 1, k);
	ck_assert_int_eq(reg_msg(m, sizeof(m), &x, 50), RELAY_OK);
	/* and a new session under the same id starts afresh */
	ck_assert_int_eq(relay_del(t, 100), 0);
	add(1, 100);
	tok_of(100, k);
	msg_of(m, 100, 1, k);
	ck_assert_int_eq(reg_msg(m, sizeof(m), &y, 60), RELAY_OK);
}
END_TEST

START_TEST(test_rebind)
{
	struct pkt_addr	 x = a4("192.0.2.1", 1000), y = a4("192.0.2.1", 1001);
	struct pkt_addr	 z = a6("2001:db8::1", 1000), local = a4("198.51.100.1",
	    7777);
	struct relay_route r;
	uint8_t		 k[HUB_RELAY_TOKEN_LEN], m[RELAY_AUTH_LEN];
	uint8_t		 ans[RELAY_AUTH_LEN];

	add(1, 100);
	add(2, 200);
	add(3, 300);
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
	/* and a new family */
	ck_assert_int_eq(reg(100, &z, 30), RELAY_OK);
	ck_assert_int_eq(relay_route_udp(t, &y, 200, 30, &r),
	    RELAY_UNKNOWN_SENDER);
	ck_assert_int_eq(relay_route_udp(t, &z, 200, 30, &r), RELAY_OK);
	/* 200 now sends to 100: by UDP to z, via the socket and address */
	tok_of(100, k);
	msg_of(m, 100, ++ctr, k);
	ck_assert_int_eq(relay_register(t, m, sizeof(m), &z, &local, 3, 40,
	    ans, NULL), RELAY_OK);
	ck_assert_int_eq(relay_route_conn(t, 2, 100, 40, &r), RELAY_OK);
	ck_assert(r.via_udp);
	ck_assert_uint_eq(r.src_id, 200);
	ck_assert_uint_eq(r.dst_id, 100);
	ck_assert(memcmp(&r.dst_addr, &z, sizeof(z)) == 0);
	ck_assert(memcmp(&r.dst_local, &local, sizeof(local)) == 0);
	ck_assert_int_eq(r.dst_sock, 3);
	/* 300 takes z (a NAT reused the mapping): z names 300 only */
	ck_assert_int_eq(reg(300, &z, 50), RELAY_OK);
	ck_assert_int_eq(relay_route_udp(t, &z, 200, 50, &r), RELAY_OK);
	ck_assert_uint_eq(r.src_id, 300);
	/* and 100, which lost its address, is reached by TCP */
	ck_assert_int_eq(relay_route_conn(t, 2, 100, 50, &r), RELAY_OK);
	ck_assert(!r.via_udp);
	ck_assert_uint_eq(r.dst_conn, 1);
	/* re-registering from the same address keeps one entry */
	ck_assert_int_eq(reg(300, &z, 60), RELAY_OK);
	ck_assert_int_eq(relay_del(t, 300), 0);
	ck_assert_int_eq(relay_route_udp(t, &z, 200, 60, &r),
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
	return (a);
}

START_TEST(test_many)
{
	struct relay_route r;
	struct pkt_addr	 a;
	uint32_t	 i;

	for (i = 0; i < MANY; i++) {
		add(i + 1, id_of(i));
		a = addr_of(i);
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
	tcase_add_test(tc, test_register_token);
	tcase_add_test(tc, test_register_counter);
	tcase_add_test(tc, test_rebind);
	tcase_add_test(tc, test_verdicts);
	tcase_add_test(tc, test_pairs);
	tcase_add_test(tc, test_many);
	suite_add_tcase(s, tc);
	return (s);
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
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
