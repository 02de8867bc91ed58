/*
 * The node-to-hub protocol: the message codec (round trips at the
 * boundaries, byte-exact layouts, and every way a message can be
 * malformed), the name helpers, and the secure channel (handshakes that
 * work, handshakes that must not, and DATA frames replayed, reordered,
 * flipped and cut short).
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <blake2.h>
#include <sodium.h>

#include "daemon/hamd_msg.h"		/* NAT_KIND_MAX */
#include "proto/hubchan.h"
#include "proto/hubproto.h"
#include "ipc/addr.h"
#include "crypto/noise.h"
#include "crypto/tai64n.h"
#include "crypto/wg_result.h"

#define MAXSAMPLES	64
#define ENCMAX		512

static const uint8_t all_types[] = {
	HUB_MSG_LOGIN, HUB_MSG_REQUEST, HUB_MSG_LOGOUT, HUB_MSG_PING,
	HUB_MSG_PONG, HUB_MSG_LOGIN_OK, HUB_MSG_LOGIN_REFUSED,
	HUB_MSG_PEER_UP, HUB_MSG_PEER_DOWN, HUB_MSG_PEER_CHECK,
	HUB_MSG_RESPONSE, HUB_MSG_NET_ENTRY, HUB_MSG_MEMBER_ENTRY,
	HUB_MSG_CANDIDATES, HUB_MSG_RELAY_INFO, HUB_MSG_PEER_PATHS,
	HUB_MSG_PEER_ROUTES, HUB_MSG_ROUTE_ENTRY, HUB_MSG_PEER_NAMES,
	HUB_MSG_PEER_RELAY,
};

/* A route prefix from its text, for the samples and the tests. */
static struct ip_prefix
pfx(const char *s)
{
	struct ip_prefix	 p;

	ck_assert_int_eq(prefix_parse(s, &p, 1, NULL, 0), 0);
	return p;
}

static int
known_type(int t)
{
	size_t	i;

	for (i = 0; i < nitems(all_types); i++)
		if (all_types[i] == t)
			return 1;
	return 0;
}

static void
unhex(uint8_t *out, size_t *len, const char *hex)
{
	size_t		i, n;
	unsigned int	b;

	n = strlen(hex);
	ck_assert(n % 2 == 0);
	for (i = 0; i < n / 2; i++) {
		ck_assert(sscanf(hex + 2 * i, "%2x", &b) == 1);
		out[i] = (uint8_t)b;
	}
	*len = n / 2;
}

/* A string of n printable bytes (never '"' or '\\') into dst. */
static void
fill_str(char *dst, size_t n, char c)
{
	memset(dst, c, n);
	dst[n] = '\0';
}

static void
addr4(struct pkt_addr *a, const char *s, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->af = AF_INET;
	a->port = htons(port);
	ck_assert(inet_pton(AF_INET, s, a->addr) == 1);
}

static void
addr6(struct pkt_addr *a, const char *s, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->af = AF_INET6;
	a->port = htons(port);
	ck_assert(inet_pton(AF_INET6, s, a->addr) == 1);
}

/*
 * One or more messages of every type, at the edges: empty and longest
 * strings, smallest and largest integers, each address family.  Every
 * struct starts zeroed, as a decode leaves it, so whole structs compare.
 */
static size_t
samples(struct hub_msg *s)
{
	struct hub_msg	*m;
	size_t		 i, n = 0;

#define NEXT(t)	(m = &s[n++], memset(m, 0, sizeof(*m)), m->type = (t))
	NEXT(HUB_MSG_LOGIN);
	m->u.login.version = 1;
	m->u.login.udp_port = 51820;
	NEXT(HUB_MSG_LOGIN);
	m->u.login.version = 0xffff;
	fill_str(m->u.login.nick, HUB_NICK_MAX - 1, 'n');

	NEXT(HUB_MSG_LOGIN_OK);
	memcpy(m->u.login_ok.v4, "\x0a\x07\x00\x05", 4);
	m->u.login_ok.v4_plen = 24;
	m->u.login_ok.v6[0] = 0xfd;
	m->u.login_ok.v6_plen = 64;
	addr4(&m->u.login_ok.observed, "192.0.2.1", 1);
	NEXT(HUB_MSG_LOGIN_OK);
	m->u.login_ok.v4_plen = 32;
	m->u.login_ok.v6_plen = 128;
	addr6(&m->u.login_ok.observed, "2001:db8::ffff:1", 65535);
	NEXT(HUB_MSG_LOGIN_OK);			/* no address, 0 lengths */

	NEXT(HUB_MSG_LOGIN_REFUSED);
	m->u.refused.reason = HUB_REFUSED_BLOCKED;
	NEXT(HUB_MSG_LOGIN_REFUSED);
	m->u.refused.reason = HUB_REFUSED_MAX - 1;
	fill_str(m->u.refused.msg, HUB_TEXT_MAX - 1, 'r');

	NEXT(HUB_MSG_PEER_UP);
	memset(m->u.peer.key, 0xa5, HUB_KEY_LEN);
	memcpy(m->u.peer.v4, "\x0a\x07\x00\x06", 4);
	memset(m->u.peer.v6, 0x66, 16);
	addr4(&m->u.peer.endpoint, "198.51.100.7", 51820);
	fill_str(m->u.peer.nick, HUB_NICK_MAX - 1, 'p');
	m->u.peer.flags = HUB_NET_FLAGS;
	NEXT(HUB_MSG_PEER_UP);
	memset(m->u.peer.key, 0xff, HUB_KEY_LEN);
	addr6(&m->u.peer.endpoint, "::1", 0);
	NEXT(HUB_MSG_PEER_UP);			/* endpoint unknown */
	memset(m->u.peer.key, 0x01, HUB_KEY_LEN);
	NEXT(HUB_MSG_PEER_DOWN);
	memset(m->u.peer.key, 0x3c, HUB_KEY_LEN);
	NEXT(HUB_MSG_PEER_CHECK);
	memset(m->u.peer.key, 0xc3, HUB_KEY_LEN);

	NEXT(HUB_MSG_REQUEST);
	m->u.req.op = HUB_OP_NETWORKS;
	NEXT(HUB_MSG_REQUEST);			/* every field at its top */
	m->u.req.id = 0xffffffff;
	m->u.req.op = HUB_OP_CREATE;
	m->u.req.has_key = 1;
	m->u.req.type = HUB_TYPE_MAX - 1;
	m->u.req.mode = HUB_MODE_MAX - 1;
	m->u.req.limit = 65535;
	m->u.req.flags = HUB_NET_FLAGS;
	memset(m->u.req.key, 0x42, HUB_KEY_LEN);
	fill_str(m->u.req.net, HUB_NAME_MAX - 1, 'N');
	fill_str(m->u.req.password, HUB_PASSWORD_MAX - 1, 'S');
	fill_str(m->u.req.nick, HUB_NICK_MAX - 1, 'k');
	NEXT(HUB_MSG_REQUEST);
	m->u.req.id = 7;
	m->u.req.op = HUB_OP_MAX - 1;
	fill_str(m->u.req.nick, 1, 'x');
	NEXT(HUB_MSG_REQUEST);
	m->u.req.op = HUB_OP_ROUTE_REVOKE;
	m->u.req.prefix = pfx("fd00:1234::/32");
	NEXT(HUB_MSG_REQUEST);
	m->u.req.op = HUB_OP_ADVERTISE;
	m->u.req.prefix = pfx("192.168.50.0/24");
	NEXT(HUB_MSG_REQUEST);
	m->u.req.op = HUB_OP_ROUTES;
	fill_str(m->u.req.net, 3, 'o');

	NEXT(HUB_MSG_PEER_ROUTES);		/* none: the routes are gone */
	memset(m->u.routes.key, 0x11, HUB_KEY_LEN);
	NEXT(HUB_MSG_PEER_ROUTES);
	memset(m->u.routes.key, 0xee, HUB_KEY_LEN);
	m->u.routes.n = HUB_ROUTES_MAX;
	for (i = 0; i < HUB_ROUTES_MAX; i++)
		m->u.routes.p[i] = pfx(i % 2 ? "2001:db8::/32" : "10.1.2.0/24");
	NEXT(HUB_MSG_PEER_NAMES);		/* no network: forget it */
	memset(m->u.names.key, 0x21, HUB_KEY_LEN);
	NEXT(HUB_MSG_PEER_NAMES);
	memset(m->u.names.key, 0x22, HUB_KEY_LEN);
	fill_str(m->u.names.nick, HUB_NICK_MAX - 1, 'n');
	m->u.names.n = HUB_NAMES_MAX;
	for (i = 0; i < HUB_NAMES_MAX; i++)
		fill_str(m->u.names.nets[i], i == 0 ? HUB_NAME_MAX - 1 : 3,
		    'a' + (int)i);
	NEXT(HUB_MSG_ROUTE_ENTRY);
	m->u.route.id = 9;
	memset(m->u.route.key, 0x33, HUB_KEY_LEN);
	m->u.route.prefix = pfx("10.0.0.0/8");
	NEXT(HUB_MSG_ROUTE_ENTRY);
	m->u.route.id = 0xffffffff;
	memset(m->u.route.netid, 0x77, HUB_NETID_LEN);
	m->u.route.prefix = pfx("2001:db8:1:2::1/128");
	m->u.route.approved = 1;
	fill_str(m->u.route.nick, HUB_NICK_MAX - 1, 'r');

	NEXT(HUB_MSG_RESPONSE);
	NEXT(HUB_MSG_RESPONSE);
	m->u.resp.id = 0xffffffff;
	m->u.resp.code = ENOENT;
	fill_str(m->u.resp.msg, HUB_TEXT_MAX - 1, 'm');
	NEXT(HUB_MSG_RESPONSE);
	m->u.resp.code = INT32_MIN;

	NEXT(HUB_MSG_NET_ENTRY);
	NEXT(HUB_MSG_NET_ENTRY);
	m->u.net.id = 0xffffffff;
	memset(m->u.net.netid, 0xee, HUB_NETID_LEN);
	fill_str(m->u.net.name, HUB_NAME_MAX - 1, 'a');
	m->u.net.type = HUB_TYPE_MAX - 1;
	m->u.net.mode = HUB_MODE_MAX - 1;
	m->u.net.role = HUB_ROLE_MAX - 1;
	m->u.net.state = HUB_MSTATE_MAX - 1;
	m->u.net.members = m->u.net.pending = 0xffffffff;
	m->u.net.limit = m->u.net.online = 0xfffffffe;
	m->u.net.flags = HUB_NET_FLAGS;

	NEXT(HUB_MSG_MEMBER_ENTRY);
	NEXT(HUB_MSG_MEMBER_ENTRY);
	m->u.member.id = 0x80000000;
	memset(m->u.member.key, 0x77, HUB_KEY_LEN);
	fill_str(m->u.member.nick, HUB_NICK_MAX - 1, ' ');
	memset(m->u.member.v4, 0xff, 4);
	memset(m->u.member.v6, 0xff, 16);
	m->u.member.role = HUB_ROLE_MAX - 1;
	m->u.member.state = HUB_MSTATE_MAX - 1;
	m->u.member.online = 1;
	addr6(&m->u.member.endpoint, "fe80::1", 443);
	m->u.member.last_seen = INT64_MAX;
	NEXT(HUB_MSG_MEMBER_ENTRY);
	addr4(&m->u.member.endpoint, "0.0.0.0", 0);
	m->u.member.last_seen = INT64_MIN;

	NEXT(HUB_MSG_PING);
	NEXT(HUB_MSG_PING);
	m->u.ping = UINT64_MAX;
	NEXT(HUB_MSG_PONG);
	m->u.ping = UINT64_C(0x0102030405060708);
	NEXT(HUB_MSG_LOGOUT);

	NEXT(HUB_MSG_CANDIDATES);		/* none, NAT unknown */
	NEXT(HUB_MSG_CANDIDATES);		/* full, every kind and family */
	m->u.cands.nat = NAT_KIND_MAX - 1;
	m->u.cands.n = HUB_CAND_MAX;
	for (i = 0; i < HUB_CAND_MAX; i++) {
		m->u.cands.c[i].kind = (uint8_t)(HUB_CAND_LAN +
		    i % (HUB_CAND_MAX_KIND - HUB_CAND_LAN));
		if (i % 2)
			addr6(&m->u.cands.c[i].addr, "2001:db8::ffff", 65535);
		else
			addr4(&m->u.cands.c[i].addr, "192.168.1.9",
			    (uint16_t)(i + 1));
	}
	NEXT(HUB_MSG_RELAY_INFO);
	m->u.relay.relay_id = 1;
	NEXT(HUB_MSG_RELAY_INFO);
	m->u.relay.relay_id = 0xffffffff;
	memset(m->u.relay.token, 0xff, HUB_RELAY_TOKEN_LEN);
	NEXT(HUB_MSG_PEER_PATHS);		/* no relay, no candidates */
	memset(m->u.paths.key, 0x5a, HUB_KEY_LEN);
	NEXT(HUB_MSG_PEER_PATHS);
	memset(m->u.paths.key, 0xff, HUB_KEY_LEN);
	m->u.paths.relay_id = 0xfffffffe;
	m->u.paths.cands = s[n - 5].u.cands;
	NEXT(HUB_MSG_PEER_RELAY);		/* IPv4, smallest ids */
	memset(m->u.prelay.key, 0x01, HUB_KEY_LEN);
	m->u.prelay.relay_id = 1;
	addr4(&m->u.prelay.hub, "203.0.113.2", 1);
	m->u.prelay.guest_id = 1;
	NEXT(HUB_MSG_PEER_RELAY);		/* IPv6, largest */
	memset(m->u.prelay.key, 0xff, HUB_KEY_LEN);
	m->u.prelay.relay_id = 0xffffffff;
	addr6(&m->u.prelay.hub, "2001:db8::2", 65535);
	m->u.prelay.guest_id = 0xffffffff;
	memset(m->u.prelay.token, 0xff, HUB_RELAY_TOKEN_LEN);
#undef NEXT
	ck_assert(n <= MAXSAMPLES);
	return n;
}

static size_t
enc(const struct hub_msg *m, uint8_t *out)
{
	size_t	n;

	n = hub_msg_encode(m, out, ENCMAX);
	ck_assert_msg(n > 0, "encode %s", hub_msg_name(m->type));
	return n;
}

static void
assert_rejected(const uint8_t *b, size_t len, const char *what)
{
	struct hub_msg	m;

	memset(&m, 0x5a, sizeof(m));
	ck_assert_msg(hub_msg_decode(&m, b, len) == -1, "accepted: %s", what);
	ck_assert_msg(sodium_is_zero((uint8_t *)&m, sizeof(m)),
	    "not zeroed: %s", what);
}

/* ------------------------------------------------------------------ */
/* the codec */

START_TEST(test_roundtrip)
{
	struct hub_msg	s[MAXSAMPLES], d;
	uint8_t		b[ENCMAX], b2[ENCMAX];
	size_t		i, n, len, len2;
	int		seen[256];

	memset(seen, 0, sizeof(seen));
	n = samples(s);
	for (i = 0; i < n; i++) {
		len = enc(&s[i], b);
		ck_assert(len <= HUB_MSG_MAX);
		ck_assert_int_eq(b[0], s[i].type);
		ck_assert_msg(hub_msg_decode(&d, b, len) == 0, "sample %zu", i);
		ck_assert_msg(memcmp(&d, &s[i], sizeof(d)) == 0,
		    "sample %zu (%s) differs", i, hub_msg_name(s[i].type));
		len2 = hub_msg_encode(&d, b2, sizeof(b2));
		ck_assert(len2 == len && memcmp(b, b2, len) == 0);
		/* exactly enough room is enough */
		ck_assert_uint_eq(hub_msg_encode(&s[i], b2, len), len);
		seen[s[i].type] = 1;
	}
	for (i = 0; i < nitems(all_types); i++)
		ck_assert_msg(seen[all_types[i]], "no sample of %s",
		    hub_msg_name(all_types[i]));
}
END_TEST

/* The layouts PROTOCOL.md documents, byte for byte. */
START_TEST(test_layout)
{
	struct hub_msg	m;
	uint8_t		b[ENCMAX], want[ENCMAX];
	size_t		len, wlen;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_LOGIN;
	m.u.login.version = 1;
	m.u.login.udp_port = 51820;
	strcpy(m.u.login.nick, "ab");
	len = enc(&m, b);
	unhex(want, &wlen, "10" "0001" "ca6c" "02" "6162");
	ck_assert(len == wlen && memcmp(b, want, len) == 0);

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_LOGIN_OK;
	memcpy(m.u.login_ok.v4, "\x0a\x07\x00\x05", 4);
	m.u.login_ok.v4_plen = 16;
	m.u.login_ok.v6[0] = 0xfd;
	m.u.login_ok.v6[15] = 0x05;
	m.u.login_ok.v6_plen = 64;
	addr4(&m.u.login_ok.observed, "192.0.2.1", 51820);
	len = enc(&m, b);
	unhex(want, &wlen, "20" "0a070005" "10"
	    "fd000000000000000000000000000005" "40" "02" "ca6c" "c0000201");
	ck_assert(len == wlen && memcmp(b, want, len) == 0);

	m.u.login_ok.v4_plen = 0;
	m.u.login_ok.v6_plen = 0;
	addr6(&m.u.login_ok.observed, "2001:db8::1", 1);
	len = enc(&m, b);
	unhex(want, &wlen, "20" "0a070005" "00"
	    "fd000000000000000000000000000005" "00" "0a" "0001"
	    "20010db8000000000000000000000001");
	ck_assert(len == wlen && memcmp(b, want, len) == 0);

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_REQUEST;
	m.u.req.id = 0x01020304;
	m.u.req.op = HUB_OP_JOIN;
	m.u.req.has_key = 1;
	m.u.req.type = HUB_TYPE_MESH;
	m.u.req.mode = HUB_MODE_APPROVAL;
	m.u.req.limit = 300;
	m.u.req.flags = HUB_NET_BROADCAST;
	memset(m.u.req.key, 0x11, HUB_KEY_LEN);
	strcpy(m.u.req.net, "n");
	strcpy(m.u.req.password, "p");
	len = enc(&m, b);
	unhex(want, &wlen, "11" "01020304" "05" "01" "00" "01" "0000012c" "01"
	    "1111111111111111111111111111111111111111111111111111111111111111"
	    "016e" "0170" "00");
	ck_assert(len == wlen && memcmp(b, want, len) == 0);
	m.u.req.has_key = 0;		/* the key is then not sent */
	len = enc(&m, b);
	unhex(want, &wlen, "11" "01020304" "05" "00" "00" "01" "0000012c" "01"
	    "016e" "0170" "00");
	ck_assert(len == wlen && memcmp(b, want, len) == 0);

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_RESPONSE;
	m.u.resp.id = 9;
	m.u.resp.code = -2;
	strcpy(m.u.resp.msg, "ok");
	len = enc(&m, b);
	unhex(want, &wlen, "25" "00000009" "fffffffe" "02" "6f6b");
	ck_assert(len == wlen && memcmp(b, want, len) == 0);

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_NET_ENTRY;
	m.u.net.id = 1;
	memset(m.u.net.netid, 0xab, HUB_NETID_LEN);
	strcpy(m.u.net.name, "x");
	m.u.net.type = HUB_TYPE_HUBSPOKE;
	m.u.net.mode = HUB_MODE_CLOSED;
	m.u.net.role = HUB_ROLE_OWNER;
	m.u.net.state = HUB_MSTATE_PENDING;
	m.u.net.members = 2;
	m.u.net.pending = 3;
	m.u.net.limit = 4;
	m.u.net.online = 5;
	m.u.net.flags = HUB_NET_BROADCAST;
	len = enc(&m, b);
	unhex(want, &wlen, "26" "00000001" "abababababababababababababababab"
	    "0178" "01" "02" "02" "01" "01" "00000002" "00000003" "00000004"
	    "00000005");
	ck_assert(len == wlen && memcmp(b, want, len) == 0);

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_MEMBER_ENTRY;
	m.u.member.id = 2;
	memset(m.u.member.key, 0xcd, HUB_KEY_LEN);
	strcpy(m.u.member.nick, "z");
	memcpy(m.u.member.v4, "\x0a\x00\x00\x01", 4);
	m.u.member.v6[15] = 1;
	m.u.member.role = HUB_ROLE_ADMIN;
	m.u.member.state = HUB_MSTATE_ACTIVE;
	m.u.member.online = 0;
	m.u.member.pad = 0x99;		/* never on the wire */
	m.u.member.last_seen = 0x0102030405060708;
	len = enc(&m, b);
	unhex(want, &wlen, "27" "00000002"
	    "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
	    "017a" "0a000001" "00000000000000000000000000000001" "01" "00" "00"
	    "00" "0000" "0102030405060708");
	ck_assert(len == wlen && memcmp(b, want, len) == 0);

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_PEER_UP;
	memset(m.u.peer.key, 0x01, HUB_KEY_LEN);
	memcpy(m.u.peer.v4, "\x0a\x00\x00\x02", 4);
	addr4(&m.u.peer.endpoint, "203.0.113.9", 4500);
	strcpy(m.u.peer.nick, "q");
	m.u.peer.flags = HUB_NET_BROADCAST;
	len = enc(&m, b);
	unhex(want, &wlen, "22"
	    "0101010101010101010101010101010101010101010101010101010101010101"
	    "0a000002" "00000000000000000000000000000000" "02" "1194"
	    "cb007109" "0171" "01");
	ck_assert(len == wlen && memcmp(b, want, len) == 0);
	/* a flag nobody defined: neither written nor read */
	b[len - 1] = 0x04;
	assert_rejected(b, len, "unknown peer flag");
	m.u.peer.flags = 0x80;
	ck_assert_uint_eq(hub_msg_encode(&m, b, sizeof(b)), 0);
	m.u.peer.flags = 0;

	/* DOWN and CHECK carry the key and nothing else */
	m.type = HUB_MSG_PEER_DOWN;
	len = enc(&m, b);
	ck_assert_uint_eq(len, 1 + HUB_KEY_LEN);
	ck_assert_int_eq(b[0], 0x23);
	m.type = HUB_MSG_PEER_CHECK;
	ck_assert_uint_eq(enc(&m, b), 1 + HUB_KEY_LEN);
	ck_assert(hub_msg_decode(&m, b, 1 + HUB_KEY_LEN) == 0);
	ck_assert(m.u.peer.endpoint.af == 0 && m.u.peer.nick[0] == '\0' &&
	    sodium_is_zero(m.u.peer.v4, 4) && m.u.peer.key[31] == 0x01);

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_PING;
	m.u.ping = UINT64_C(0x0102030405060708);
	len = enc(&m, b);
	unhex(want, &wlen, "12" "0102030405060708");
	ck_assert(len == wlen && memcmp(b, want, len) == 0);

	m.type = HUB_MSG_LOGOUT;
	ck_assert_uint_eq(enc(&m, b), 1);
	ck_assert_int_eq(b[0], 0x14);

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_CANDIDATES;
	m.u.cands.nat = 2;
	m.u.cands.n = 2;
	m.u.cands.c[0].kind = HUB_CAND_LAN;
	addr4(&m.u.cands.c[0].addr, "10.0.0.1", 51820);
	m.u.cands.c[1].kind = HUB_CAND_PUBLIC;
	addr6(&m.u.cands.c[1].addr, "2001:db8::1", 1);
	m.u.cands.c[1].pad[0] = 0x99;	/* never on the wire */
	len = enc(&m, b);
	unhex(want, &wlen, "15" "02" "02" "01" "02" "ca6c" "0a000001"
	    "02" "0a" "0001" "20010db8000000000000000000000001");
	ck_assert(len == wlen && memcmp(b, want, len) == 0);

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_RELAY_INFO;
	m.u.relay.relay_id = 0x01020304;
	memset(m.u.relay.token, 0x11, HUB_RELAY_TOKEN_LEN);
	len = enc(&m, b);
	unhex(want, &wlen, "28" "01020304" "11111111111111111111111111111111");
	ck_assert(len == wlen && memcmp(b, want, len) == 0);

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_PEER_PATHS;
	memset(m.u.paths.key, 0x22, HUB_KEY_LEN);
	m.u.paths.relay_id = 5;
	m.u.paths.cands.nat = 3;
	m.u.paths.cands.n = 1;
	m.u.paths.cands.c[0].kind = HUB_CAND_OBSERVED;
	addr4(&m.u.paths.cands.c[0].addr, "198.51.100.1", 4500);
	len = enc(&m, b);
	unhex(want, &wlen, "29"
	    "2222222222222222222222222222222222222222222222222222222222222222"
	    "00000005" "03" "01" "04" "02" "1194" "c6336401");
	ck_assert(len == wlen && memcmp(b, want, len) == 0);

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_PEER_RELAY;
	memset(m.u.prelay.key, 0x33, HUB_KEY_LEN);
	m.u.prelay.relay_id = 0x0a0b0c0d;
	addr4(&m.u.prelay.hub, "203.0.113.2", 7777);
	m.u.prelay.guest_id = 0x01020304;
	memset(m.u.prelay.token, 0x44, HUB_RELAY_TOKEN_LEN);
	len = enc(&m, b);
	unhex(want, &wlen, "2d"
	    "3333333333333333333333333333333333333333333333333333333333333333"
	    "0a0b0c0d" "02" "1e61" "cb007102" "01020304"
	    "44444444444444444444444444444444");
	ck_assert(len == wlen && memcmp(b, want, len) == 0);
	ck_assert_uint_eq(len, 64);

	/* the largest message fits a frame with room to spare */
	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_REQUEST;
	m.u.req.op = HUB_OP_CREATE;
	m.u.req.has_key = 1;
	fill_str(m.u.req.net, HUB_NAME_MAX - 1, 'N');
	fill_str(m.u.req.password, HUB_PASSWORD_MAX - 1, 'S');
	fill_str(m.u.req.nick, HUB_NICK_MAX - 1, 'k');
	ck_assert_uint_eq(enc(&m, b), 271);
}
END_TEST

START_TEST(test_truncated_trailing)
{
	struct hub_msg	s[MAXSAMPLES];
	uint8_t		b[ENCMAX + 1];
	size_t		i, k, n, len;

	n = samples(s);
	for (i = 0; i < n; i++) {
		len = enc(&s[i], b);
		for (k = 0; k < len; k++)
			assert_rejected(b, k, hub_msg_name(s[i].type));
		b[len] = 0;
		assert_rejected(b, len + 1, "trailing zero");
		b[len] = 0xff;
		assert_rejected(b, len + 1, "trailing byte");
	}
	assert_rejected(NULL, 0, "empty");
}
END_TEST

START_TEST(test_encode_small)
{
	struct hub_msg	s[MAXSAMPLES];
	uint8_t		b[ENCMAX], small[ENCMAX];
	size_t		i, k, n, len;

	n = samples(s);
	for (i = 0; i < n; i++) {
		len = enc(&s[i], b);
		for (k = 0; k < len; k++) {
			memset(small, 'S', sizeof(small));
			ck_assert_uint_eq(hub_msg_encode(&s[i], small, k), 0);
			/* nothing past cap is written */
			ck_assert_int_eq(small[k], 'S');
		}
	}
	ck_assert_uint_eq(hub_msg_encode(&s[0], NULL, 0), 0);
}
END_TEST

/* A request that did not fit leaves no password bytes behind. */
START_TEST(test_encode_wipes)
{
	struct hub_msg	m;
	uint8_t		b[ENCMAX];
	size_t		len, k;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_REQUEST;
	m.u.req.op = HUB_OP_JOIN;
	strcpy(m.u.req.net, "net");
	fill_str(m.u.req.password, 100, 'S');
	len = enc(&m, b);
	for (k = len - 50; k < len; k++) {
		memset(b, 0, sizeof(b));
		ck_assert_uint_eq(hub_msg_encode(&m, b, k), 0);
		ck_assert(memchr(b, 'S', sizeof(b)) == NULL);
	}
}
END_TEST

START_TEST(test_unknown_types)
{
	struct hub_msg	m;
	uint8_t		b[64];
	int		t;
	size_t		len;

	for (t = 0; t < 256; t++) {
		if (known_type(t))
			continue;
		memset(b, 0, sizeof(b));
		b[0] = (uint8_t)t;
		for (len = 1; len <= sizeof(b); len += 7)
			assert_rejected(b, len, "unknown type");
		memset(&m, 0, sizeof(m));
		m.type = (uint8_t)t;
		ck_assert_uint_eq(hub_msg_encode(&m, b, sizeof(b)), 0);
	}
}
END_TEST

/* Patch one byte of a valid encoding and expect a refusal. */
static void
patched(const struct hub_msg *m, size_t off, uint8_t v, const char *what)
{
	uint8_t	b[ENCMAX];
	size_t	len;

	len = enc(m, b);
	ck_assert(off < len);
	b[off] = v;
	assert_rejected(b, len, what);
}

START_TEST(test_enum_ranges)
{
	struct hub_msg	m, e;
	uint8_t		b[ENCMAX];
	size_t		len;
	int		v;

	/* LOGIN_REFUSED: reason at 1 */
	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_LOGIN_REFUSED;
	m.u.refused.reason = HUB_REFUSED_BLOCKED;
	patched(&m, 1, 0, "reason 0");
	patched(&m, 1, HUB_REFUSED_MAX, "reason max");
	patched(&m, 1, 0xff, "reason 255");
	e = m;
	e.u.refused.reason = 0;
	ck_assert_uint_eq(hub_msg_encode(&e, b, sizeof(b)), 0);
	e.u.refused.reason = HUB_REFUSED_MAX;
	ck_assert_uint_eq(hub_msg_encode(&e, b, sizeof(b)), 0);

	/* REQUEST: op 5, has_key 6, type 7, mode 8, limit 9..12 */
	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_REQUEST;
	m.u.req.op = HUB_OP_NETWORKS;
	patched(&m, 5, 0, "op 0");
	patched(&m, 5, HUB_OP_MAX, "op max");
	patched(&m, 6, 2, "has_key 2");
	patched(&m, 7, HUB_TYPE_MAX, "type max");
	patched(&m, 8, HUB_MODE_MAX, "mode max");
	patched(&m, 10, 1, "limit 65536");
	patched(&m, 9, 0x80, "limit huge");
	e = m;
	e.u.req.limit = 65536;
	ck_assert_uint_eq(hub_msg_encode(&e, b, sizeof(b)), 0);
	e.u.req.limit = 65535;
	ck_assert_uint_ne(hub_msg_encode(&e, b, sizeof(b)), 0);
	e = m;
	e.u.req.op = 0;
	ck_assert_uint_eq(hub_msg_encode(&e, b, sizeof(b)), 0);
	e.u.req.op = HUB_OP_MAX;
	ck_assert_uint_eq(hub_msg_encode(&e, b, sizeof(b)), 0);
	e = m;
	e.u.req.has_key = 2;
	ck_assert_uint_eq(hub_msg_encode(&e, b, sizeof(b)), 0);
	e = m;
	e.u.req.type = HUB_TYPE_MAX;
	ck_assert_uint_eq(hub_msg_encode(&e, b, sizeof(b)), 0);
	e = m;
	e.u.req.mode = HUB_MODE_MAX;
	ck_assert_uint_eq(hub_msg_encode(&e, b, sizeof(b)), 0);

	/* LOGIN_OK: v4_plen 5, v6_plen 22 */
	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_LOGIN_OK;
	patched(&m, 5, 33, "v4 plen 33");
	patched(&m, 22, 129, "v6 plen 129");
	e = m;
	e.u.login_ok.v4_plen = 33;
	ck_assert_uint_eq(hub_msg_encode(&e, b, sizeof(b)), 0);
	e = m;
	e.u.login_ok.v6_plen = 129;
	ck_assert_uint_eq(hub_msg_encode(&e, b, sizeof(b)), 0);

	/* NET_ENTRY, empty name: type 22, mode 23, role 24, state 25 */
	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_NET_ENTRY;
	patched(&m, 22, HUB_TYPE_MAX, "net type");
	patched(&m, 23, HUB_MODE_MAX, "net mode");
	patched(&m, 24, HUB_ROLE_MAX, "net role");
	patched(&m, 25, HUB_MSTATE_MAX, "net state");
	e = m;
	e.u.net.type = HUB_TYPE_MAX;
	ck_assert_uint_eq(hub_msg_encode(&e, b, sizeof(b)), 0);
	e = m;
	e.u.net.mode = HUB_MODE_MAX;
	ck_assert_uint_eq(hub_msg_encode(&e, b, sizeof(b)), 0);
	e = m;
	e.u.net.role = HUB_ROLE_MAX;
	ck_assert_uint_eq(hub_msg_encode(&e, b, sizeof(b)), 0);
	e = m;
	e.u.net.state = HUB_MSTATE_MAX;
	ck_assert_uint_eq(hub_msg_encode(&e, b, sizeof(b)), 0);

	/* MEMBER_ENTRY, empty nick: role 58, state 59, online 60 */
	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_MEMBER_ENTRY;
	patched(&m, 58, HUB_ROLE_MAX, "member role");
	patched(&m, 59, HUB_MSTATE_MAX, "member state");
	patched(&m, 60, 2, "member online");
	e = m;
	e.u.member.role = HUB_ROLE_MAX;
	ck_assert_uint_eq(hub_msg_encode(&e, b, sizeof(b)), 0);
	e = m;
	e.u.member.state = HUB_MSTATE_MAX;
	ck_assert_uint_eq(hub_msg_encode(&e, b, sizeof(b)), 0);
	e = m;
	e.u.member.online = 2;
	ck_assert_uint_eq(hub_msg_encode(&e, b, sizeof(b)), 0);

	/* and every in-range value passes */
	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_REQUEST;
	for (v = 1; v < HUB_OP_MAX; v++) {
		m.u.req.op = (uint8_t)v;
		m.u.req.prefix = pfx("172.16.0.0/12");
		len = enc(&m, b);
		ck_assert(hub_msg_decode(&e, b, len) == 0 &&
		    e.u.req.op == v);
	}
}
END_TEST

START_TEST(test_addresses)
{
	struct hub_msg	m, d;
	uint8_t		b[ENCMAX];
	size_t		len;
	int		af;

	/*
	 * PEER_UP without endpoint: af at 53, port 54..55, nick len 56,
	 * flags 57
	 */
	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_PEER_UP;
	len = enc(&m, b);
	ck_assert_uint_eq(len, 58);
	for (af = 1; af < 256; af++) {
		b[53] = (uint8_t)af;
		if (af == AF_INET || af == AF_INET6)
			continue;	/* valid, but then too short */
		assert_rejected(b, len, "bad af");
	}
	b[53] = 0;
	b[55] = 1;
	assert_rejected(b, len, "port without address");

	/* the encoder refuses the same */
	m.u.peer.endpoint.af = AF_UNIX;
	ck_assert_uint_eq(hub_msg_encode(&m, b, sizeof(b)), 0);
	m.u.peer.endpoint.af = 0;
	m.u.peer.endpoint.port = htons(1);
	ck_assert_uint_eq(hub_msg_encode(&m, b, sizeof(b)), 0);

	/* bytes past the family's address and the pad are not sent */
	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_PEER_UP;
	addr4(&m.u.peer.endpoint, "10.0.0.1", 1);
	memset(m.u.peer.endpoint.addr + 4, 0xee, 12);
	m.u.peer.endpoint.pad = 0xee;
	len = enc(&m, b);
	ck_assert_uint_eq(len, 58 + 4);
	ck_assert(hub_msg_decode(&d, b, len) == 0);
	ck_assert(d.u.peer.endpoint.pad == 0 &&
	    sodium_is_zero(d.u.peer.endpoint.addr + 4, 12) &&
	    memcmp(d.u.peer.endpoint.addr, "\x0a\0\0\x01", 4) == 0 &&
	    d.u.peer.endpoint.port == htons(1));

	/* v4 bytes where a v6 address should be: too short */
	b[53] = AF_INET6;
	assert_rejected(b, len, "v6 with 4 bytes");
}
END_TEST

/*
 * Candidates: the count, kinds, families and ports the decoder refuses,
 * in CANDIDATES and in PEER_PATHS (whose candidates start 36 bytes
 * later), and relay id 0 in RELAY_INFO.
 */
/*
 * Which candidate addresses a node may probe (ipc/addr's unicast test):
 * nothing that stays on this host, reaches every host or is not an
 * address; found by fuzz_hubclient for ::2 before ::/96 was refused.
 */
static int
unicast(const char *s)
{
	struct pkt_addr	 a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, a.addr) == 1)
		a.af = AF_INET;
	else {
		ck_assert_int_eq(inet_pton(AF_INET6, s, a.addr), 1);
		a.af = AF_INET6;
	}
	a.port = 51820;
	return addr_is_unicast(&a);
}

/*
 * PEER_RELAY: no relay id 0 on either side, and a hub address that can
 * be sent to (a family, a port), both ways through the codec.
 */
START_TEST(test_peer_relay)
{
	struct hub_msg	m, e;
	uint8_t		b[ENCMAX];
	size_t		len;
	const size_t	rid = 1 + HUB_KEY_LEN, af = rid + 4, port = af + 1;
	const size_t	gid = port + 2 + 4;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_PEER_RELAY;
	memset(m.u.prelay.key, 0x33, HUB_KEY_LEN);
	m.u.prelay.relay_id = 9;
	addr4(&m.u.prelay.hub, "203.0.113.2", 7777);
	m.u.prelay.guest_id = 10;
	len = enc(&m, b);
	ck_assert_uint_eq(len, 64);
	ck_assert_int_eq(hub_msg_decode(&e, b, len), 0);
	ck_assert(memcmp(&e.u.prelay, &m.u.prelay, sizeof(m.u.prelay)) == 0);
	/* zero ids */
	b[rid] = b[rid + 1] = b[rid + 2] = b[rid + 3] = 0;
	assert_rejected(b, len, "peer relay id 0");
	len = enc(&m, b);
	b[gid] = b[gid + 1] = b[gid + 2] = b[gid + 3] = 0;
	assert_rejected(b, len, "guest id 0");
	/* no address, port 0, an unknown family */
	len = enc(&m, b);
	b[port] = b[port + 1] = 0;
	assert_rejected(b, len, "hub port 0");
	patched(&m, af, 0, "hub family 0");
	patched(&m, af, 1, "hub family 1");
	patched(&m, af, AF_INET6, "hub family 10 with 4 bytes");
	/* short and long */
	len = enc(&m, b);
	assert_rejected(b, len - 1, "short");
	b[len] = 0;
	assert_rejected(b, len + 1, "trailing");
	/* and the encoder refuses what the decoder would */
	e = m;
	e.u.prelay.relay_id = 0;
	ck_assert_uint_eq(hub_msg_encode(&e, b, sizeof(b)), 0);
	e = m;
	e.u.prelay.guest_id = 0;
	ck_assert_uint_eq(hub_msg_encode(&e, b, sizeof(b)), 0);
	e = m;
	e.u.prelay.hub.port = 0;
	ck_assert_uint_eq(hub_msg_encode(&e, b, sizeof(b)), 0);
	e = m;
	memset(&e.u.prelay.hub, 0, sizeof(e.u.prelay.hub));
	ck_assert_uint_eq(hub_msg_encode(&e, b, sizeof(b)), 0);
	/* IPv6 */
	addr6(&m.u.prelay.hub, "2001:db8::2", 7777);
	len = enc(&m, b);
	ck_assert_uint_eq(len, 76);
	ck_assert_int_eq(hub_msg_decode(&e, b, len), 0);
	ck_assert(memcmp(&e.u.prelay, &m.u.prelay, sizeof(m.u.prelay)) == 0);
}
END_TEST

/* One addr alone (the cluster's hubs table): both ways, and refusals. */
START_TEST(test_addr_alone)
{
	struct pkt_addr	a, d;
	uint8_t		b[HUB_ADDR_MAX + 1];
	size_t		len;

	addr4(&a, "203.0.113.2", 7777);
	ck_assert_uint_eq((len = hub_addr_encode(&a, b)), 7);
	ck_assert_int_eq(hub_addr_decode(&d, b, len), 0);
	ck_assert(memcmp(&a, &d, sizeof(a)) == 0);
	ck_assert_int_eq(hub_addr_decode(&d, b, len - 1), -1);
	b[len] = 0;
	ck_assert_int_eq(hub_addr_decode(&d, b, len + 1), -1);
	ck_assert_uint_eq(d.af, 0);
	addr6(&a, "2001:db8::2", 1);
	ck_assert_uint_eq((len = hub_addr_encode(&a, b)), HUB_ADDR_MAX);
	ck_assert_int_eq(hub_addr_decode(&d, b, len), 0);
	ck_assert(memcmp(&a, &d, sizeof(a)) == 0);
	b[0] = AF_INET;		/* 4 address bytes, 12 left over */
	ck_assert_int_eq(hub_addr_decode(&d, b, len), -1);
	b[0] = 1;
	ck_assert_int_eq(hub_addr_decode(&d, b, len), -1);
	memset(&a, 0, sizeof(a));
	ck_assert_uint_eq((len = hub_addr_encode(&a, b)), 3);
	ck_assert_int_eq(hub_addr_decode(&d, b, len), 0);
	ck_assert_uint_eq(d.af, 0);
	a.port = 5;		/* no family, a port */
	ck_assert_uint_eq(hub_addr_encode(&a, b), 0);
	a.af = 1;
	ck_assert_uint_eq(hub_addr_encode(&a, b), 0);
	ck_assert_int_eq(hub_addr_decode(&d, b, 0), -1);
}
END_TEST

START_TEST(test_unicast_classes)
{
	static const char *const yes[] = { "192.0.2.1", "10.1.2.3",
	    "100.64.0.1", "223.255.255.254", "2001:db8::1", "fd00::1",
	    "::1:0:0:1", "64:ff9b::c000:201" };
	static const char *const no[] = { "0.0.0.0", "0.1.2.3", "127.0.0.1",
	    "169.254.1.1", "224.0.0.251", "239.255.255.250",
	    "255.255.255.255", "240.0.0.1", "::", "::1", "::2", "::ff",
	    "::192.0.2.1", "::ffff:192.0.2.1", "ff02::fb", "ff05::1",
	    "fe80::1", "febf::1" };
	struct pkt_addr	 a;
	size_t		 i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		ck_assert_msg(unicast(yes[i]), "%s refused", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		ck_assert_msg(!unicast(no[i]), "%s taken", no[i]);
	memset(&a, 0, sizeof(a));
	a.af = AF_UNIX;
	ck_assert(!addr_is_unicast(&a));
}
END_TEST

START_TEST(test_candidates)
{
	struct hub_msg	m, e, d;
	uint8_t		b[ENCMAX];
	size_t		len, i, off;
	int		v, pp;

	for (pp = 0; pp <= 1; pp++) {
		memset(&m, 0, sizeof(m));
		off = pp ? 1 + HUB_KEY_LEN + 4 : 1;
		m.type = pp ? HUB_MSG_PEER_PATHS : HUB_MSG_CANDIDATES;
		m.u.cands.n = 1;	/* paths.cands sits elsewhere */
		if (pp) {
			m.u.paths.cands.n = 1;
			m.u.paths.cands.c[0].kind = HUB_CAND_FORWARD;
			addr4(&m.u.paths.cands.c[0].addr, "203.0.113.1", 9);
		} else {
			m.u.cands.c[0].kind = HUB_CAND_FORWARD;
			addr4(&m.u.cands.c[0].addr, "203.0.113.1", 9);
		}
		/* nat at off, n at off+1, kind off+2, af off+3, port off+4 */
		len = enc(&m, b);
		ck_assert_uint_eq(len, off + 2 + 1 + 1 + 2 + 4);
		patched(&m, off, NAT_KIND_MAX, "nat max");
		patched(&m, off, 0xff, "nat 255");
		patched(&m, off + 1, 0, "n 0 with an entry");
		patched(&m, off + 1, 2, "n 2 with one entry");
		patched(&m, off + 1, HUB_CAND_MAX + 1, "n 9");
		patched(&m, off + 1, 0xff, "n 255");
		patched(&m, off + 2, 0, "kind 0");
		patched(&m, off + 2, HUB_CAND_MAX_KIND, "kind max");
		patched(&m, off + 2, 0xff, "kind 255");
		for (v = 0; v < 256; v++) {
			if (v == AF_INET)
				continue;
			/* AF_INET6 would need 12 more bytes: too short */
			patched(&m, off + 3, (uint8_t)v, "bad af");
		}
		len = enc(&m, b);
		b[off + 4] = b[off + 5] = 0;
		assert_rejected(b, len, "port 0");
		/* af 0 with port 0 is a valid pkt_addr, not a candidate */
		b[off + 3] = 0;
		assert_rejected(b, len - 4, "no address");
		for (v = 0; v < NAT_KIND_MAX; v++) {
			len = enc(&m, b);
			b[off] = (uint8_t)v;
			ck_assert(hub_msg_decode(&d, b, len) == 0);
		}

		/* nine valid entries: refused for the count alone */
		len = off;
		(void)enc(&m, b);	/* keeps PEER_PATHS' key and id */
		b[len++] = NAT_NONE;
		b[len++] = HUB_CAND_MAX + 1;
		for (i = 0; i < HUB_CAND_MAX + 1; i++) {
			b[len++] = HUB_CAND_LAN;
			b[len++] = AF_INET;
			b[len++] = 0x12;
			b[len++] = 0x34;
			memcpy(b + len, "\x0a\0\0\x01", 4);
			len += 4;
		}
		assert_rejected(b, len, "9 candidates");
		b[off + 1] = HUB_CAND_MAX;
		ck_assert(hub_msg_decode(&d, b, len - 8) == 0);
		assert_rejected(b, len, "one entry trailing");

		/* the encoder refuses all of it too */
		e = m;
		if (pp) {
			e.u.paths.cands.n = HUB_CAND_MAX + 1;
			ck_assert_uint_eq(hub_msg_encode(&e, b, sizeof(b)), 0);
			e = m;
			e.u.paths.cands.nat = NAT_KIND_MAX;
			ck_assert_uint_eq(hub_msg_encode(&e, b, sizeof(b)), 0);
			e = m;
			e.u.paths.cands.c[0].kind = 0;
			ck_assert_uint_eq(hub_msg_encode(&e, b, sizeof(b)), 0);
			e = m;
			e.u.paths.cands.c[0].addr.port = 0;
			ck_assert_uint_eq(hub_msg_encode(&e, b, sizeof(b)), 0);
			e = m;
			memset(&e.u.paths.cands.c[0].addr, 0,
			    sizeof(struct pkt_addr));
			ck_assert_uint_eq(hub_msg_encode(&e, b, sizeof(b)), 0);
		} else {
			e.u.cands.n = HUB_CAND_MAX + 1;
			ck_assert_uint_eq(hub_msg_encode(&e, b, sizeof(b)), 0);
			e = m;
			e.u.cands.nat = NAT_KIND_MAX;
			ck_assert_uint_eq(hub_msg_encode(&e, b, sizeof(b)), 0);
			e = m;
			e.u.cands.c[0].kind = HUB_CAND_MAX_KIND;
			ck_assert_uint_eq(hub_msg_encode(&e, b, sizeof(b)), 0);
			e = m;
			e.u.cands.c[0].addr.port = 0;
			ck_assert_uint_eq(hub_msg_encode(&e, b, sizeof(b)), 0);
			e = m;
			e.u.cands.c[0].addr.af = AF_UNIX;
			ck_assert_uint_eq(hub_msg_encode(&e, b, sizeof(b)), 0);
		}
	}

	/* RELAY_INFO: id 0 names no session */
	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_RELAY_INFO;
	ck_assert_uint_eq(hub_msg_encode(&m, b, sizeof(b)), 0);
	m.u.relay.relay_id = 1;
	len = enc(&m, b);
	ck_assert_uint_eq(len, 1 + 4 + HUB_RELAY_TOKEN_LEN);
	b[4] = 0;
	assert_rejected(b, len, "relay id 0");
	/* PEER_PATHS: id 0 is "cannot be relayed", and fine */
	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_PEER_PATHS;
	len = enc(&m, b);
	ck_assert_uint_eq(len, 1 + HUB_KEY_LEN + 4 + 2);
	ck_assert(hub_msg_decode(&d, b, len) == 0 && d.u.paths.relay_id == 0);
}
END_TEST

/* Where each string's length byte sits in a sample with the longest. */
static const struct {
	uint8_t	type;
	size_t	off;
	size_t	max;
} strfields[] = {
	{ HUB_MSG_LOGIN, 5, HUB_NICK_MAX - 1 },
	{ HUB_MSG_LOGIN_REFUSED, 2, HUB_TEXT_MAX - 1 },
	{ HUB_MSG_PEER_UP, 60, HUB_NICK_MAX - 1 },
	{ HUB_MSG_REQUEST, 46, HUB_NAME_MAX - 1 },
	{ HUB_MSG_REQUEST, 110, HUB_PASSWORD_MAX - 1 },
	{ HUB_MSG_REQUEST, 238, HUB_NICK_MAX - 1 },
	{ HUB_MSG_RESPONSE, 9, HUB_TEXT_MAX - 1 },
	{ HUB_MSG_NET_ENTRY, 21, HUB_NAME_MAX - 1 },
	{ HUB_MSG_MEMBER_ENTRY, 37, HUB_NICK_MAX - 1 },
};

/* The first sample of this type whose string at off has max bytes. */
static size_t
long_sample(const struct hub_msg *s, size_t n, size_t f, uint8_t *b)
{
	size_t	i, len;

	for (i = 0; i < n; i++) {
		if (s[i].type != strfields[f].type)
			continue;
		len = enc(&s[i], b);
		if (len > strfields[f].off && b[strfields[f].off] ==
		    strfields[f].max)
			return len;
	}
	ck_abort_msg("no long sample for field %zu", f);
	return 0;
}

START_TEST(test_strings)
{
	struct hub_msg	s[MAXSAMPLES], m;
	uint8_t		b[ENCMAX], x[ENCMAX + 1];
	size_t		f, n, len, off, max, k;

	n = samples(s);
	for (f = 0; f < nitems(strfields); f++) {
		len = long_sample(s, n, f, b);
		off = strfields[f].off;
		max = strfields[f].max;
		ck_assert(hub_msg_decode(&m, b, len) == 0);

		/* one byte longer than the array allows */
		memcpy(x, b, off);
		x[off] = (uint8_t)(max + 1);
		memset(x + off + 1, 'y', max + 1);
		memcpy(x + off + 2 + max, b + off + 1 + max,
		    len - off - 1 - max);
		assert_rejected(x, len + 1, "string too long");

		/* a NUL anywhere inside */
		for (k = 0; k < max; k++) {
			memcpy(x, b, len);
			x[off + 1 + k] = '\0';
			assert_rejected(x, len, "string with NUL");
		}

		/* a length running past the end */
		memcpy(x, b, len);
		x[off] = 0xff;
		assert_rejected(x, len, "string length 255");
	}

	/* the encoder refuses a string without a NUL in its array */
	for (f = 0; f < n; f++) {
		m = s[f];
		switch (m.type) {
		case HUB_MSG_LOGIN:
			memset(m.u.login.nick, 'a', sizeof(m.u.login.nick));
			break;
		case HUB_MSG_LOGIN_REFUSED:
			memset(m.u.refused.msg, 'a', sizeof(m.u.refused.msg));
			break;
		case HUB_MSG_PEER_UP:
			memset(m.u.peer.nick, 'a', sizeof(m.u.peer.nick));
			break;
		case HUB_MSG_RESPONSE:
			memset(m.u.resp.msg, 'a', sizeof(m.u.resp.msg));
			break;
		case HUB_MSG_NET_ENTRY:
			memset(m.u.net.name, 'a', sizeof(m.u.net.name));
			break;
		case HUB_MSG_MEMBER_ENTRY:
			memset(m.u.member.nick, 'a', sizeof(m.u.member.nick));
			break;
		case HUB_MSG_REQUEST:
			memset(m.u.req.net, 'a', sizeof(m.u.req.net));
			ck_assert_uint_eq(hub_msg_encode(&m, b, sizeof(b)), 0);
			m = s[f];
			memset(m.u.req.password, 'a',
			    sizeof(m.u.req.password));
			ck_assert_uint_eq(hub_msg_encode(&m, b, sizeof(b)), 0);
			m = s[f];
			memset(m.u.req.nick, 'a', sizeof(m.u.req.nick));
			break;
		default:
			continue;
		}
		ck_assert_uint_eq(hub_msg_encode(&m, b, sizeof(b)), 0);
	}
}
END_TEST

/* Random bytes: never a crash, and whatever decodes re-encodes. */
START_TEST(test_random_decode)
{
	struct hub_msg	m;
	uint8_t		b[300], e[ENCMAX];
	size_t		len, elen;
	int		i, ok = 0;

	for (i = 0; i < 200000; i++) {
		len = randombytes_uniform(sizeof(b) + 1);
		randombytes_buf(b, len);
		if (len > 0)
			b[0] = all_types[randombytes_uniform(
			    nitems(all_types))];
		if (len > 0 && randombytes_uniform(2))
			len = randombytes_uniform(12) + 1;
		if (hub_msg_decode(&m, b, len) != 0)
			continue;
		ok++;
		elen = hub_msg_encode(&m, e, sizeof(e));
		ck_assert(elen == len && memcmp(e, b, len) == 0);
	}
	ck_assert_int_gt(ok, 0);	/* LOGOUT, PING at least */
}
END_TEST

/*
 * Route prefixes, where the codec reads or writes one: a LAN prefix or
 * nothing.  Every refused form is refused both ways, and a byte
 * patched into a good message makes the decoder refuse it.
 */
/* PEER_NAMES: at most 16 networks, each a valid network name. */
START_TEST(test_names_msg)
{
	struct hub_msg	 m, d;
	uint8_t		 b[ENCMAX * 4];
	size_t		 len, i;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_PEER_NAMES;
	strcpy(m.u.names.nick, "x");
	m.u.names.n = 1;
	strcpy(m.u.names.nets[0], "office");
	len = hub_msg_encode(&m, b, sizeof(b));
	/* type, key, nick (1+1), n, "office" (1+6) */
	ck_assert_uint_eq(len, 1 + 32 + 2 + 1 + 7);
	ck_assert_int_eq(hub_msg_decode(&d, b, len), 0);
	ck_assert_str_eq(d.u.names.nets[0], "office");
	for (i = 0; i < len; i++)
		ck_assert_int_eq(hub_msg_decode(&d, b, i), -1);
	ck_assert_int_eq(hub_msg_decode(&d, b, len + 1), -1);
	b[36] = 17;			/* more networks than may be */
	ck_assert_int_eq(hub_msg_decode(&d, b, len), -1);
	b[36] = 1;
	b[38] = '.';			/* ".ffice" is no network name */
	ck_assert_int_eq(hub_msg_decode(&d, b, len), -1);
	b[38] = 0;			/* nor is one with a NUL */
	ck_assert_int_eq(hub_msg_decode(&d, b, len), -1);
	m.u.names.n = HUB_NAMES_MAX + 1;
	ck_assert_uint_eq(hub_msg_encode(&m, b, sizeof(b)), 0);
	m.u.names.n = 1;
	strcpy(m.u.names.nets[0], "0123456789abcdef0123456789abcdef");
	ck_assert_uint_eq(hub_msg_encode(&m, b, sizeof(b)), 0);
}
END_TEST

START_TEST(test_routes)
{
	static const char *const bad[] = {
		"0.0.0.0/1", "::/1", "10.0.0.1/24", "127.0.0.0/8",
		"0.0.0.1/0", "::1/0",
		"127.0.0.1/32", "0.0.0.0/8", "169.254.1.0/24", "224.0.0.0/4",
		"240.0.0.0/4", "255.255.255.255/32", "128.0.0.0/1",
		"::1/128", "::ffff:10.0.0.0/104", "fe80::/64", "ff02::/16",
		"fd00::1/64", "::/8",
	};
	static const char *const good[] = {
		"10.0.0.0/8", "192.168.50.0/24", "8.8.8.8/32", "1.0.0.0/8",
		"2001:db8::/32", "fd12:3456::/48", "100.64.0.0/10",
	};
	struct hub_msg		 m, d;
	uint8_t			 b[ENCMAX];
	size_t			 i, len;

	for (i = 0; i < nitems(bad); i++) {
		ck_assert_msg(!hub_route_valid(&(struct ip_prefix){ 0 }) &&
		    !hub_route_valid(NULL), "empty");
		memset(&m, 0, sizeof(m));
		m.type = HUB_MSG_REQUEST;
		m.u.req.op = HUB_OP_ADVERTISE;
		m.u.req.prefix = pfx(bad[i]);
		ck_assert_msg(!hub_route_valid(&m.u.req.prefix), "%s", bad[i]);
		ck_assert_msg(hub_msg_encode(&m, b, sizeof(b)) == 0,
		    "%s encoded", bad[i]);
		memset(&m, 0, sizeof(m));
		m.type = HUB_MSG_PEER_ROUTES;
		m.u.routes.n = 1;
		m.u.routes.p[0] = pfx(bad[i]);
		ck_assert_msg(hub_msg_encode(&m, b, sizeof(b)) == 0,
		    "%s encoded in routes", bad[i]);
	}
	/* Exit offers: no LAN prefix, but carried. */
	for (i = 0; i < 2; i++) {
		memset(&m, 0, sizeof(m));
		m.type = HUB_MSG_PEER_ROUTES;
		m.u.routes.n = 1;
		m.u.routes.p[0] = pfx(i ? "::/0" : "0.0.0.0/0");
		ck_assert(!hub_route_valid(&m.u.routes.p[0]) &&
		    hub_route_exit(&m.u.routes.p[0]));
		len = enc(&m, b);
		ck_assert_uint_eq(len, 1 + 32 + 1 + 2 + (i ? 16 : 4));
		ck_assert_int_eq(hub_msg_decode(&d, b, len), 0);
		ck_assert(hub_route_exit(&d.u.routes.p[0]));
		b[36] = 1;		/* an address under /0 */
		ck_assert_int_eq(hub_msg_decode(&d, b, len), -1);
	}
	ck_assert(!hub_route_exit(&(struct ip_prefix){ .af = 3 }));
	for (i = 0; i < nitems(good); i++)
		ck_assert_msg(hub_route_valid(&(struct ip_prefix){
		    .af = pfx(good[i]).af, .plen = pfx(good[i]).plen,
		    .addr = pfx(good[i]).addr }), "%s", good[i]);
	/* PEER_ROUTES 10.1.0.0/16: key, n, family, length, 4 bytes */
	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_PEER_ROUTES;
	m.u.routes.n = 1;
	m.u.routes.p[0] = pfx("10.1.0.0/16");
	len = enc(&m, b);
	ck_assert_uint_eq(len, 1 + 32 + 1 + 2 + 4);
	ck_assert(b[33] == 1 && b[34] == AF_INET && b[35] == 16 &&
	    b[36] == 10 && b[37] == 1 && b[38] == 0 && b[39] == 0);
	ck_assert_int_eq(hub_msg_decode(&d, b, len), 0);
	b[37] = 1; b[38] = 1;		/* a host bit past /16 */
	ck_assert_int_eq(hub_msg_decode(&d, b, len), -1);
	b[38] = 0;
	b[35] = 0;			/* a default route */
	ck_assert_int_eq(hub_msg_decode(&d, b, len), -1);
	b[35] = 33;
	ck_assert_int_eq(hub_msg_decode(&d, b, len), -1);
	b[35] = 16;
	b[34] = 3;			/* no such family */
	ck_assert_int_eq(hub_msg_decode(&d, b, len), -1);
	b[34] = 0;
	ck_assert_int_eq(hub_msg_decode(&d, b, len), -1);
	b[34] = AF_INET;
	b[33] = HUB_ROUTES_MAX + 1;	/* more than there may be */
	ck_assert_int_eq(hub_msg_decode(&d, b, len), -1);
	b[33] = 2;			/* more than there are */
	ck_assert_int_eq(hub_msg_decode(&d, b, len), -1);
	b[33] = 0;			/* fewer */
	ck_assert_int_eq(hub_msg_decode(&d, b, len), -1);
	b[33] = 1;
	for (i = 0; i < len; i++)
		ck_assert_int_eq(hub_msg_decode(&d, b, i), -1);
	m.u.routes.n = HUB_ROUTES_MAX + 1;
	ck_assert_uint_eq(hub_msg_encode(&m, b, sizeof(b)), 0);
	/* ROUTE_ENTRY: approved is 0/1 */
	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_ROUTE_ENTRY;
	m.u.route.prefix = pfx("10.2.0.0/16");
	m.u.route.approved = 2;
	ck_assert_uint_eq(hub_msg_encode(&m, b, sizeof(b)), 0);
	m.u.route.approved = 1;
	len = enc(&m, b);
	ck_assert_int_eq(hub_msg_decode(&d, b, len), 0);
	b[1 + 4 + 16 + 32 + 6] = 2;
	ck_assert_int_eq(hub_msg_decode(&d, b, len), -1);
	/* A request's prefix only where the op has one */
	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_REQUEST;
	m.u.req.op = HUB_OP_WITHDRAW;
	ck_assert_uint_eq(hub_msg_encode(&m, b, sizeof(b)), 0);
	m.u.req.prefix = pfx("10.3.0.0/16");
	len = enc(&m, b);
	ck_assert_uint_eq(len, 17 + 6);
	ck_assert_int_eq(hub_msg_decode(&d, b, len - 6), -1);
	m.u.req.op = HUB_OP_MEMBERS;
	ck_assert_uint_eq(enc(&m, b), 17);
	ck_assert(hub_op_has_prefix(HUB_OP_ROUTE_APPROVE) &&
	    hub_op_has_prefix(HUB_OP_ROUTE_REVOKE) &&
	    !hub_op_has_prefix(HUB_OP_ROUTES) &&
	    !hub_op_has_prefix(HUB_OP_JOIN));
}
END_TEST

/* ------------------------------------------------------------------ */
/* names */

START_TEST(test_names)
{
	size_t	i;
	int	v;

	for (i = 0; i < nitems(all_types); i++)
		ck_assert_str_ne(hub_msg_name(all_types[i]), "unknown");
	for (v = -1; v < 300; v++)
		if (!known_type(v))
			ck_assert_str_eq(hub_msg_name(v), "unknown");
	ck_assert_str_eq(hub_msg_name(HUB_MSG_PEER_CHECK), "peer-check");
	ck_assert_str_eq(hub_msg_name(HUB_MSG_CANDIDATES), "candidates");
	ck_assert_str_eq(hub_msg_name(HUB_MSG_RELAY_INFO), "relay-info");
	ck_assert_str_eq(hub_msg_name(HUB_MSG_PEER_PATHS), "peer-paths");

	ck_assert_str_eq(hub_op_name(0), "unknown");
	ck_assert_str_eq(hub_op_name(-1), "unknown");
	ck_assert_str_eq(hub_op_name(HUB_OP_MAX), "unknown");
	for (v = 1; v < HUB_OP_MAX; v++)
		ck_assert_str_ne(hub_op_name(v), "unknown");
	ck_assert_str_eq(hub_op_name(HUB_OP_SET_PASSWORD), "set-password");
	ck_assert_str_eq(hub_op_name(HUB_OP_NICKNAME), "nickname");

	ck_assert_str_eq(hub_mode_name(HUB_MODE_AUTO), "auto");
	ck_assert_str_eq(hub_mode_name(HUB_MODE_APPROVAL), "approval");
	ck_assert_str_eq(hub_mode_name(HUB_MODE_CLOSED), "closed");
	ck_assert_str_eq(hub_mode_name(HUB_MODE_MAX), "unknown");
	ck_assert_str_eq(hub_mode_name(-1), "unknown");
	ck_assert_str_eq(hub_type_name(HUB_TYPE_MESH), "mesh");
	ck_assert_str_eq(hub_type_name(HUB_TYPE_HUBSPOKE), "hub-and-spoke");
	ck_assert_str_eq(hub_type_name(HUB_TYPE_MAX), "unknown");
	ck_assert_str_eq(hub_type_name(-5), "unknown");
	ck_assert_str_eq(hub_role_name(HUB_ROLE_MEMBER), "member");
	ck_assert_str_eq(hub_role_name(HUB_ROLE_ADMIN), "admin");
	ck_assert_str_eq(hub_role_name(HUB_ROLE_OWNER), "owner");
	ck_assert_str_eq(hub_role_name(HUB_ROLE_MAX), "unknown");
	ck_assert_str_eq(hub_role_name(-1), "unknown");
	ck_assert_str_eq(hub_mstate_name(HUB_MSTATE_ACTIVE), "active");
	ck_assert_str_eq(hub_mstate_name(HUB_MSTATE_PENDING), "pending");
	ck_assert_str_eq(hub_mstate_name(HUB_MSTATE_BANNED), "banned");
	ck_assert_str_eq(hub_mstate_name(HUB_MSTATE_MAX), "unknown");
	ck_assert_str_eq(hub_mstate_name(-1), "unknown");

	for (v = 0; v < HUB_MODE_MAX; v++)
		ck_assert_int_eq(hub_mode_parse(hub_mode_name(v)), v);
	for (v = 0; v < HUB_TYPE_MAX; v++)
		ck_assert_int_eq(hub_type_parse(hub_type_name(v)), v);
	ck_assert_int_eq(hub_mode_parse("Auto"), -1);
	ck_assert_int_eq(hub_mode_parse("unknown"), -1);
	ck_assert_int_eq(hub_mode_parse(""), -1);
	ck_assert_int_eq(hub_mode_parse("closed "), -1);
	ck_assert_int_eq(hub_mode_parse(NULL), -1);
	ck_assert_int_eq(hub_type_parse("hub-and-spoke"), HUB_TYPE_HUBSPOKE);
	ck_assert_int_eq(hub_type_parse("hubspoke"), -1);
	ck_assert_int_eq(hub_type_parse("MESH"), -1);
	ck_assert_int_eq(hub_type_parse(""), -1);
	ck_assert_int_eq(hub_type_parse(NULL), -1);
}
END_TEST

START_TEST(test_netnames)
{
	char	s[HUB_NAME_MAX + 2], out[33];
	uint8_t	id[HUB_NETID_LEN], want[HUB_NETID_LEN];
	size_t	i;

	ck_assert(hub_name_valid("a"));
	ck_assert(hub_name_valid("home.lan"));
	ck_assert(hub_name_valid("A-b_c.9"));
	ck_assert(hub_name_valid("0"));
	ck_assert(hub_name_valid("_x"));
	ck_assert(hub_name_valid("x-"));
	ck_assert(hub_name_valid("x."));
	fill_str(s, HUB_NAME_MAX - 1, 'z');
	ck_assert(hub_name_valid(s));
	fill_str(s, HUB_NAME_MAX, 'z');
	ck_assert(!hub_name_valid(s));
	ck_assert(!hub_name_valid(""));
	ck_assert(!hub_name_valid(NULL));
	ck_assert(!hub_name_valid("-x"));
	ck_assert(!hub_name_valid(".x"));
	ck_assert(!hub_name_valid("a b"));
	ck_assert(!hub_name_valid("a/b"));
	ck_assert(!hub_name_valid("a\"b"));
	ck_assert(!hub_name_valid("caf\xc3\xa9"));
	ck_assert(!hub_name_valid("a\n"));
	/* 32 hex digits are an ID, never a name; 31 or 33 are names */
	ck_assert(!hub_name_valid("0123456789abcdef0123456789ABCDEF"));
	ck_assert(hub_name_valid("0123456789abcdef0123456789abcde"));
	ck_assert(hub_name_valid("0123456789abcdef0123456789abcdef0"));
	ck_assert(hub_name_valid("0123456789abcdef0123456789abcdeg"));

	for (i = 0; i < HUB_NETID_LEN; i++)
		want[i] = (uint8_t)(0x01 + 0x22 * i);
	ck_assert(hub_netid_parse("0123456789abcdeff00112233445566e", id));
	hub_netid_format(id, out);
	ck_assert_str_eq(out, "0123456789abcdeff00112233445566e");
	ck_assert(hub_netid_parse("0123456789ABCDEFF00112233445566E", id));
	hub_netid_format(id, out);
	ck_assert_str_eq(out, "0123456789abcdeff00112233445566e");
	ck_assert(hub_netid_parse("0123456789aBcDeFf00112233445566e", NULL));
	hub_netid_format(want, out);
	ck_assert_uint_eq(strlen(out), 32);
	ck_assert(hub_netid_parse(out, id) && memcmp(id, want,
	    sizeof(id)) == 0);
	memset(id, 0x99, sizeof(id));
	ck_assert(!hub_netid_parse("0123456789abcdef0123456789abcde", id));
	ck_assert(!hub_netid_parse("0123456789abcdef0123456789abcdef0", id));
	ck_assert(!hub_netid_parse("0123456789abcdef0123456789abcdeg", id));
	ck_assert(!hub_netid_parse(" 123456789abcdef0123456789abcdef", id));
	ck_assert(!hub_netid_parse("0x23456789abcdef0123456789abcdef", id));
	ck_assert(!hub_netid_parse("", id));
	ck_assert(!hub_netid_parse(NULL, id));
	for (i = 0; i < sizeof(id); i++)	/* untouched on failure */
		ck_assert_int_eq(id[i], 0x99);
}
END_TEST

START_TEST(test_nicks)
{
	char	s[HUB_NICK_MAX + 2];
	int	c;

	ck_assert(hub_nick_valid(""));
	ck_assert(hub_nick_valid("alice's laptop (2)"));
	ck_assert(hub_nick_valid(" ~ "));
	fill_str(s, HUB_NICK_MAX - 1, 'n');
	ck_assert(hub_nick_valid(s));
	fill_str(s, HUB_NICK_MAX, 'n');
	ck_assert(!hub_nick_valid(s));
	ck_assert(!hub_nick_valid(NULL));
	ck_assert(!hub_nick_valid("a\"b"));
	ck_assert(!hub_nick_valid("a\\b"));
	for (c = 1; c < 256; c++) {
		s[0] = 'x';
		s[1] = (char)c;
		s[2] = '\0';
		ck_assert_int_eq(hub_nick_valid(s), c >= 0x20 && c <= 0x7e &&
		    c != '"' && c != '\\');
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* the channel */

static struct noise_protocol	proto;
static struct noise_static	hub_s, node_s, other_s;

static void
gen_static(struct noise_static *s)
{
	randombytes_buf(s->priv, sizeof(s->priv));
	ck_assert(crypto_scalarmult_base(s->pub, s->priv) == 0);
}

static void
chan_setup(void)
{
	ck_assert_int_eq(hub_proto_init(&proto), WG_OK);
	gen_static(&hub_s);
	gen_static(&node_s);
	gen_static(&other_s);
}

/* Node initiates, hub accepts, node finishes; every step must work. */
static void
handshake(struct hub_chan *node, struct hub_chan *hub, uint8_t *init,
    uint8_t ts[TAI64N_LEN])
{
	uint8_t	buf[HUB_CHAN_INIT_LEN], resp[HUB_CHAN_RESP_LEN];
	uint8_t	myts[TAI64N_LEN];
	size_t	n, m;

	if (init == NULL)
		init = buf;
	if (ts == NULL)
		ts = myts;
	ck_assert_int_eq(hub_chan_initiate(node, &proto, &node_s, hub_s.pub,
	    init, HUB_CHAN_INIT_LEN, &n), WG_OK);
	ck_assert_uint_eq(n, HUB_CHAN_INIT_LEN);
	ck_assert_int_eq(init[0], HUB_FRAME_INIT);
	ck_assert_int_eq(node->state, HUB_CHAN_INIT_SENT);
	ck_assert_int_eq(hub_chan_accept_static(hub, &proto, &hub_s, init, n),
	    WG_OK);
	ck_assert(memcmp(hub->remote, node_s.pub, 32) == 0);
	ck_assert_int_eq(hub_chan_accept_finish(hub, init, n, ts, resp,
	    sizeof(resp), &m), WG_OK);
	ck_assert_uint_eq(m, HUB_CHAN_RESP_LEN);
	ck_assert_int_eq(resp[0], HUB_FRAME_RESP);
	ck_assert_int_eq(hub->state, HUB_CHAN_ESTABLISHED);
	ck_assert_int_eq(hub_chan_finish(node, resp, m), WG_OK);
	ck_assert_int_eq(node->state, HUB_CHAN_ESTABLISHED);
}

static void
send_ok(struct hub_chan *from, struct hub_chan *to, const char *msg)
{
	uint8_t	frame[256], pt[256];
	size_t	n, m, len = strlen(msg);

	ck_assert_int_eq(hub_chan_seal(from, (const uint8_t *)msg, len,
	    frame, sizeof(frame), &n), WG_OK);
	ck_assert_uint_eq(n, len + HUB_CHAN_DATA_OVERHEAD);
	ck_assert_int_eq(frame[0], HUB_FRAME_DATA);
	ck_assert_int_eq(hub_chan_open(to, frame, n, pt, sizeof(pt), &m),
	    WG_OK);
	ck_assert(m == len && memcmp(pt, msg, len) == 0);
}

START_TEST(test_proto_init)
{
	uint8_t	h[32], ck[32];
	size_t	plen = strlen(HUB_PROLOGUE);
	uint8_t	buf[32 + 64];

	chan_setup();
	/* InitializeSymmetric, then MixHash(prologue), by hand with libb2 */
	ck_assert(blake2s(ck, "Noise_IK_25519_ChaChaPoly_BLAKE2s", NULL, 32,
	    strlen("Noise_IK_25519_ChaChaPoly_BLAKE2s"), 0) == 0);
	memcpy(buf, ck, 32);
	memcpy(buf + 32, HUB_PROLOGUE, plen);
	ck_assert(blake2s(h, buf, NULL, 32, 32 + plen, 0) == 0);
	ck_assert(memcmp(proto.ck0, ck, 32) == 0);
	ck_assert(memcmp(proto.h0, h, 32) == 0);
	ck_assert_int_eq(proto.psk2, 0);
	ck_assert_uint_eq(HUB_CHAN_INIT_LEN, 109);
	ck_assert_uint_eq(HUB_CHAN_RESP_LEN, 49);
}
END_TEST

START_TEST(test_handshake)
{
	struct hub_chan	*node, *hub;
	uint8_t		ts[TAI64N_LEN], before[TAI64N_LEN], after[TAI64N_LEN];
	char		msg[64];
	int		i;

	chan_setup();
	/* where the tun process keeps it */
	ck_assert((node = sodium_malloc(sizeof(*node))) != NULL);
	ck_assert((hub = sodium_malloc(sizeof(*hub))) != NULL);
	memset(node, 0, sizeof(*node));
	memset(hub, 0, sizeof(*hub));
	tai64n_now(before);
	handshake(node, hub, NULL, ts);
	tai64n_now(after);
	ck_assert(!tai64n_after(before, ts) && !tai64n_after(ts, after));

	/* keys crossed, same transcript, peers named */
	ck_assert(memcmp(node->send_key, hub->recv_key, 32) == 0);
	ck_assert(memcmp(node->recv_key, hub->send_key, 32) == 0);
	ck_assert(memcmp(node->send_key, node->recv_key, 32) != 0);
	ck_assert(memcmp(node->hash, hub->hash, 32) == 0);
	ck_assert(memcmp(node->remote, hub_s.pub, 32) == 0);
	ck_assert(memcmp(hub->remote, node_s.pub, 32) == 0);
	/* no ephemeral or chaining key outlives the handshake */
	ck_assert(sodium_is_zero((uint8_t *)&node->hs, sizeof(node->hs)));
	ck_assert(sodium_is_zero((uint8_t *)&hub->hs, sizeof(hub->hs)));
	ck_assert(node->send_n == 0 && node->recv_n == 0);

	/* data both ways, interleaved, counters advance */
	for (i = 0; i < 10; i++) {
		snprintf(msg, sizeof(msg), "node to hub %d", i);
		send_ok(node, hub, msg);
		snprintf(msg, sizeof(msg), "hub to node %d", i);
		send_ok(hub, node, msg);
		send_ok(hub, node, "");
	}
	ck_assert(node->send_n == 10 && hub->recv_n == 10);
	ck_assert(hub->send_n == 20 && node->recv_n == 20);

	hub_chan_clear(node);
	ck_assert(sodium_is_zero((uint8_t *)node, sizeof(*node)));
	sodium_free(node);
	sodium_free(hub);
}
END_TEST

/* Each new handshake gives fresh keys; a channel can be reused. */
START_TEST(test_rehandshake)
{
	struct hub_chan	node, hub;
	uint8_t		k1[32], h1[32];

	chan_setup();
	memset(&node, 0, sizeof(node));
	memset(&hub, 0, sizeof(hub));
	handshake(&node, &hub, NULL, NULL);
	memcpy(k1, node.send_key, 32);
	memcpy(h1, node.hash, 32);
	send_ok(&node, &hub, "first");
	handshake(&node, &hub, NULL, NULL);
	ck_assert(memcmp(k1, node.send_key, 32) != 0);
	ck_assert(memcmp(h1, node.hash, 32) != 0);
	ck_assert(node.send_n == 0 && hub.recv_n == 0);
	send_ok(&node, &hub, "second");
	send_ok(&hub, &node, "back");
}
END_TEST

/* The DATA body is the documented AEAD, recomputed here by hand. */
START_TEST(test_data_layout)
{
	struct hub_chan	node, hub;
	uint8_t		frame[64], want[64], nonce[12], ad = HUB_FRAME_DATA;
	unsigned long long clen;
	size_t		n;
	int		i;

	chan_setup();
	memset(&node, 0, sizeof(node));
	memset(&hub, 0, sizeof(hub));
	handshake(&node, &hub, NULL, NULL);
	node.send_n = UINT64_C(0x0102030405060708);
	hub.recv_n = node.send_n;
	ck_assert_int_eq(hub_chan_seal(&node, (const uint8_t *)"hello", 5,
	    frame, sizeof(frame), &n), WG_OK);
	memset(nonce, 0, sizeof(nonce));
	for (i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(UINT64_C(0x0102030405060708) >>
		    (8 * i));
	want[0] = HUB_FRAME_DATA;
	ck_assert(crypto_aead_chacha20poly1305_ietf_encrypt(want + 1, &clen,
	    (const uint8_t *)"hello", 5, &ad, 1, NULL, nonce,
	    hub.recv_key) == 0);
	ck_assert(n == clen + 1 && memcmp(frame, want, n) == 0);
}
END_TEST

/* The node pinned another key than the hub has: nothing decrypts. */
START_TEST(test_wrong_hub_key)
{
	struct hub_chan	node, hub;
	uint8_t		init[HUB_CHAN_INIT_LEN], ts[TAI64N_LEN];
	uint8_t		resp[HUB_CHAN_RESP_LEN];
	size_t		n;

	chan_setup();
	memset(&node, 0, sizeof(node));
	ck_assert_int_eq(hub_chan_initiate(&node, &proto, &node_s, other_s.pub,
	    init, sizeof(init), &n), WG_OK);
	ck_assert_int_eq(hub_chan_accept_static(&hub, &proto, &hub_s, init, n),
	    WG_DROP_BAD_MAC);
	ck_assert(sodium_is_zero((uint8_t *)&hub, sizeof(hub)));
	/* and a channel that failed cannot be finished */
	ck_assert_int_eq(hub_chan_accept_finish(&hub, init, n, ts, resp,
	    sizeof(resp), &n), WG_ERR_ARG);

	/* another protocol (prologue) fails the same way */
	ck_assert(noise_protocol_init(&proto,
	    "Noise_IK_25519_ChaChaPoly_BLAKE2s", (const uint8_t *)"x", 1) ==
	    0);
	ck_assert_int_eq(hub_chan_initiate(&node, &proto, &node_s, hub_s.pub,
	    init, sizeof(init), &n), WG_OK);
	ck_assert_int_eq(hub_proto_init(&proto), WG_OK);
	ck_assert_int_eq(hub_chan_accept_static(&hub, &proto, &hub_s, init, n),
	    WG_DROP_BAD_MAC);
}
END_TEST

/* A RESP from a hub that is not the pinned one. */
START_TEST(test_wrong_hub_resp)
{
	struct hub_chan	node, hub, fake;
	uint8_t		init[HUB_CHAN_INIT_LEN], resp[HUB_CHAN_RESP_LEN];
	uint8_t		ts[TAI64N_LEN];
	size_t		n, m;

	chan_setup();
	ck_assert_int_eq(hub_chan_initiate(&node, &proto, &node_s, hub_s.pub,
	    init, sizeof(init), &n), WG_OK);
	ck_assert_int_eq(hub_chan_accept_static(&hub, &proto, &hub_s, init, n),
	    WG_OK);
	ck_assert_int_eq(hub_chan_accept_finish(&hub, init, n, ts, resp,
	    sizeof(resp), &m), WG_OK);
	/* an impostor who knows the node's INIT but not the hub's key:
	 * it answers with a RESP of its own making */
	memset(&fake, 0, sizeof(fake));
	ck_assert_int_eq(noise_hs_init(&fake.hs, &proto, NOISE_RESPONDER,
	    &other_s, NULL), WG_OK);
	fake.hs.state = NOISE_HS_MSG1_READ;
	memcpy(fake.hs.re, init + 1, 32);
	memcpy(fake.hs.rs, node_s.pub, 32);
	ck_assert_int_eq(noise_write_msg2(&fake.hs, NULL, NULL, 0, resp + 1,
	    sizeof(resp) - 1, &m), WG_OK);
	ck_assert_int_eq(hub_chan_finish(&node, resp, HUB_CHAN_RESP_LEN),
	    WG_DROP_BAD_MAC);
	ck_assert_int_eq(node.state, HUB_CHAN_EMPTY);
	ck_assert(sodium_is_zero(node.send_key, 32) &&
	    sodium_is_zero((uint8_t *)&node.hs, sizeof(node.hs)));
	noise_hs_clear(&fake.hs);
}
END_TEST

/* The hub refuses a key it does not know, before the second DH. */
START_TEST(test_unknown_key)
{
	struct hub_chan	node, hub;
	uint8_t		init[HUB_CHAN_INIT_LEN];
	size_t		n;

	chan_setup();
	ck_assert_int_eq(hub_chan_initiate(&node, &proto, &other_s, hub_s.pub,
	    init, sizeof(init), &n), WG_OK);
	ck_assert_int_eq(hub_chan_accept_static(&hub, &proto, &hub_s, init, n),
	    WG_OK);
	/* the caller looks the key up here; it is not node_s */
	ck_assert(memcmp(hub.remote, other_s.pub, 32) == 0);
	ck_assert(memcmp(hub.remote, node_s.pub, 32) != 0);
	ck_assert_int_eq(hub.state, HUB_CHAN_EMPTY);
	hub_chan_clear(&hub);
	ck_assert(sodium_is_zero((uint8_t *)&hub, sizeof(hub)));
}
END_TEST

/* Points of small order: the DH result would be public. */
static const char *const low_order[] = {
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0100000000000000000000000000000000000000000000000000000000000000",
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
};

START_TEST(test_low_order)
{
	struct hub_chan		node, hub, n2;
	struct noise_static	evil;
	uint8_t			init[HUB_CHAN_INIT_LEN], ts[TAI64N_LEN];
	uint8_t			resp[HUB_CHAN_RESP_LEN], bad[32];
	size_t			i, n, m;

	chan_setup();
	for (i = 0; i < nitems(low_order); i++) {
		unhex(bad, &n, low_order[i]);

		/* a node told to pin a low-order hub key */
		ck_assert_int_eq(hub_chan_initiate(&node, &proto, &node_s, bad,
		    init, sizeof(init), &n), WG_DROP_BAD_KEY);
		ck_assert(sodium_is_zero((uint8_t *)&node, sizeof(node)));
		ck_assert(sodium_is_zero(init + 1, sizeof(init) - 1));

		/* a node claiming a low-order static key: ss is zero */
		gen_static(&evil);
		memcpy(evil.pub, bad, 32);
		ck_assert_int_eq(hub_chan_initiate(&node, &proto, &evil,
		    hub_s.pub, init, sizeof(init), &n), WG_OK);
		ck_assert_int_eq(hub_chan_accept_static(&hub, &proto, &hub_s,
		    init, n), WG_OK);
		ck_assert(memcmp(hub.remote, bad, 32) == 0);
		ck_assert_int_eq(hub_chan_accept_finish(&hub, init, n, ts,
		    resp, sizeof(resp), &m), WG_DROP_BAD_KEY);
		ck_assert_int_eq(hub.state, HUB_CHAN_EMPTY);
		ck_assert(sodium_is_zero(hub.send_key, 32) &&
		    sodium_is_zero((uint8_t *)&hub.hs, sizeof(hub.hs)));

		/* a low-order ephemeral in the INIT: es is zero */
		ck_assert_int_eq(hub_chan_initiate(&node, &proto, &node_s,
		    hub_s.pub, init, sizeof(init), &n), WG_OK);
		memcpy(init + 1, bad, 32);
		ck_assert_int_eq(hub_chan_accept_static(&hub, &proto, &hub_s,
		    init, n), WG_DROP_BAD_KEY);

		/* a low-order ephemeral in the RESP: ee is zero */
		ck_assert_int_eq(hub_chan_initiate(&node, &proto, &node_s,
		    hub_s.pub, init, sizeof(init), &n), WG_OK);
		ck_assert_int_eq(hub_chan_accept_static(&hub, &proto, &hub_s,
		    init, n), WG_OK);
		ck_assert_int_eq(hub_chan_accept_finish(&hub, init, n, ts,
		    resp, sizeof(resp), &m), WG_OK);
		memcpy(resp + 1, bad, 32);
		n2 = node;
		ck_assert_int_eq(hub_chan_finish(&n2, resp, m),
		    WG_DROP_BAD_KEY);
		ck_assert_int_eq(n2.state, HUB_CHAN_EMPTY);
	}
}
END_TEST

/*
 * Someone who recorded a node's INIT replays it: the hub answers (the
 * caller's timestamp check is what stops it early), but the channel it
 * gets is useless to the replayer: its keys are new, so the node's old
 * DATA frames do not open, and it cannot make new ones.
 */
START_TEST(test_replayed_init)
{
	struct hub_chan	node, hub, hub2;
	uint8_t		init[HUB_CHAN_INIT_LEN], resp[HUB_CHAN_RESP_LEN];
	uint8_t		ts[TAI64N_LEN], ts2[TAI64N_LEN];
	uint8_t		f[3][64], pt[64];
	size_t		n, fl[3];
	int		i;

	chan_setup();
	handshake(&node, &hub, init, ts);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(hub_chan_seal(&node, (const uint8_t *)"login",
		    5, f[i], sizeof(f[i]), &fl[i]), WG_OK);
	ck_assert_int_eq(hub_chan_open(&hub, f[0], fl[0], pt, sizeof(pt), &n),
	    WG_OK);

	ck_assert_int_eq(hub_chan_accept_static(&hub2, &proto, &hub_s, init,
	    HUB_CHAN_INIT_LEN), WG_OK);
	ck_assert_int_eq(hub_chan_accept_finish(&hub2, init,
	    HUB_CHAN_INIT_LEN, ts2, resp, sizeof(resp), &n), WG_OK);
	/* the same timestamp: a caller comparing with tai64n_after
	 * refuses it as not newer */
	ck_assert(memcmp(ts, ts2, sizeof(ts)) == 0);
	ck_assert(!tai64n_after(ts2, ts));
	ck_assert(memcmp(hub2.recv_key, hub.recv_key, 32) != 0);
	ck_assert(memcmp(hub2.hash, hub.hash, 32) != 0);
	/* the replayer's only material: the node's old frames */
	for (i = 0; i < 3; i++) {
		struct hub_chan	h = hub2;

		ck_assert_int_eq(hub_chan_open(&h, f[i], fl[i], pt,
		    sizeof(pt), &n), WG_DROP_BAD_MAC);
	}
	/* the genuine session goes on */
	ck_assert_int_eq(hub_chan_open(&hub, f[1], fl[1], pt, sizeof(pt), &n),
	    WG_OK);
	ck_assert_int_eq(hub_chan_open(&hub, f[2], fl[2], pt, sizeof(pt), &n),
	    WG_OK);
	/* and the RESP of the replay means nothing to the node */
	ck_assert_int_eq(hub_chan_finish(&node, resp, sizeof(resp)),
	    WG_DROP_STATE);
}
END_TEST

START_TEST(test_data_replay_reorder)
{
	struct hub_chan	node, hub, h;
	uint8_t		f0[64], f1[64], pt[64];
	size_t		l0, l1, n;

	chan_setup();
	handshake(&node, &hub, NULL, NULL);
	ck_assert_int_eq(hub_chan_seal(&node, (const uint8_t *)"zero", 4, f0,
	    sizeof(f0), &l0), WG_OK);
	ck_assert_int_eq(hub_chan_seal(&node, (const uint8_t *)"one", 3, f1,
	    sizeof(f1), &l1), WG_OK);

	/* reordered: the second frame first */
	h = hub;
	ck_assert_int_eq(hub_chan_open(&h, f1, l1, pt, sizeof(pt), &n),
	    WG_DROP_BAD_MAC);
	/* fatal: the channel is wiped, the remote key kept for the log */
	ck_assert_int_eq(h.state, HUB_CHAN_EMPTY);
	ck_assert(sodium_is_zero(h.recv_key, 32) &&
	    sodium_is_zero(h.send_key, 32) && h.recv_n == 0);
	ck_assert(memcmp(h.remote, node_s.pub, 32) == 0);
	ck_assert_int_eq(hub_chan_open(&h, f0, l0, pt, sizeof(pt), &n),
	    WG_DROP_STATE);
	ck_assert_int_eq(hub_chan_seal(&h, pt, 1, f1, sizeof(f1), &n),
	    WG_ERR_ARG);

	/* replayed */
	ck_assert_int_eq(hub_chan_open(&hub, f0, l0, pt, sizeof(pt), &n),
	    WG_OK);
	ck_assert(n == 4 && memcmp(pt, "zero", 4) == 0);
	h = hub;
	ck_assert_int_eq(hub_chan_open(&h, f0, l0, pt, sizeof(pt), &n),
	    WG_DROP_BAD_MAC);
	ck_assert_int_eq(hub_chan_open(&hub, f1, l1, pt, sizeof(pt), &n),
	    WG_OK);
	ck_assert_uint_eq(hub.recv_n, 2);

	/* a frame sealed by the hub does not open at the hub (reflection) */
	ck_assert_int_eq(hub_chan_seal(&hub, (const uint8_t *)"x", 1, f0,
	    sizeof(f0), &l0), WG_OK);
	h = hub;
	ck_assert_int_eq(hub_chan_open(&h, f0, l0, pt, sizeof(pt), &n),
	    WG_DROP_BAD_MAC);
}
END_TEST

START_TEST(test_data_bitflip_truncate)
{
	struct hub_chan	node, hub, h;
	uint8_t		f[128], x[129], pt[128];
	size_t		len, n, k, bit;

	chan_setup();
	handshake(&node, &hub, NULL, NULL);
	ck_assert_int_eq(hub_chan_seal(&node, (const uint8_t *)
	    "a message of some length", 24, f, sizeof(f), &len), WG_OK);
	for (bit = 0; bit < 8 * len; bit++) {
		memcpy(x, f, len);
		x[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		h = hub;
		ck_assert_int_ne(hub_chan_open(&h, x, len, pt, sizeof(pt), &n),
		    WG_OK);
	}
	for (k = 0; k < len; k++) {
		h = hub;
		ck_assert_int_ne(hub_chan_open(&h, f, k, pt, sizeof(pt), &n),
		    WG_OK);
		ck_assert_int_eq(h.state, HUB_CHAN_EMPTY);
	}
	memcpy(x, f, len);
	x[len] = 0;
	h = hub;
	ck_assert_int_eq(hub_chan_open(&h, x, len + 1, pt, sizeof(pt), &n),
	    WG_DROP_BAD_MAC);
	/* other frame types are not DATA */
	memcpy(x, f, len);
	x[0] = HUB_FRAME_INIT;
	h = hub;
	ck_assert_int_eq(hub_chan_open(&h, x, len, pt, sizeof(pt), &n),
	    WG_DROP_MALFORMED);
	/* the original still opens after all that */
	ck_assert_int_eq(hub_chan_open(&hub, f, len, pt, sizeof(pt), &n),
	    WG_OK);
	ck_assert_uint_eq(n, 24);
}
END_TEST

START_TEST(test_handshake_truncate)
{
	struct hub_chan	node, hub, h, nd;
	uint8_t		init[HUB_CHAN_INIT_LEN + 1], resp[HUB_CHAN_RESP_LEN + 1];
	uint8_t		x[HUB_CHAN_INIT_LEN + 1], ts[TAI64N_LEN];
	size_t		n, m, k, bit;

	chan_setup();
	ck_assert_int_eq(hub_chan_initiate(&node, &proto, &node_s, hub_s.pub,
	    init, HUB_CHAN_INIT_LEN, &n), WG_OK);
	for (k = 0; k < n; k++)
		ck_assert_int_eq(hub_chan_accept_static(&h, &proto, &hub_s,
		    init, k), WG_DROP_MALFORMED);
	init[n] = 0;
	ck_assert_int_eq(hub_chan_accept_static(&h, &proto, &hub_s, init,
	    n + 1), WG_DROP_MALFORMED);
	memcpy(x, init, n);
	x[0] = HUB_FRAME_RESP;
	ck_assert_int_eq(hub_chan_accept_static(&h, &proto, &hub_s, x, n),
	    WG_DROP_MALFORMED);
	/* every flipped bit of the INIT fails one step or the other */
	for (bit = 0; bit < 8 * n; bit++) {
		memcpy(x, init, n);
		x[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		if (hub_chan_accept_static(&h, &proto, &hub_s, x, n) != WG_OK)
			continue;
		ck_assert_int_ne(hub_chan_accept_finish(&h, x, n, ts, resp,
		    sizeof(resp), &m), WG_OK);
	}
	/* the second step wants the same complete body */
	ck_assert_int_eq(hub_chan_accept_static(&hub, &proto, &hub_s, init, n),
	    WG_OK);
	h = hub;
	ck_assert_int_eq(hub_chan_accept_finish(&h, init, n - 1, ts, resp,
	    sizeof(resp), &m), WG_DROP_MALFORMED);
	ck_assert_int_eq(hub_chan_accept_finish(&hub, init, n, ts, resp,
	    sizeof(resp), &m), WG_OK);

	for (k = 0; k < m; k++) {
		nd = node;
		ck_assert_int_eq(hub_chan_finish(&nd, resp, k),
		    WG_DROP_MALFORMED);
		ck_assert(sodium_is_zero((uint8_t *)&nd.hs, sizeof(nd.hs)));
	}
	resp[m] = 0;
	nd = node;
	ck_assert_int_eq(hub_chan_finish(&nd, resp, m + 1), WG_DROP_MALFORMED);
	for (bit = 0; bit < 8 * m; bit++) {
		memcpy(x, resp, m);
		x[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		nd = node;
		ck_assert_int_ne(hub_chan_finish(&nd, x, m), WG_OK);
	}
	ck_assert_int_eq(hub_chan_finish(&node, resp, m), WG_OK);
	send_ok(&node, &hub, "still fine");
}
END_TEST

START_TEST(test_states_and_caps)
{
	struct hub_chan	node, hub, empty;
	uint8_t		init[HUB_CHAN_INIT_LEN], resp[HUB_CHAN_RESP_LEN];
	uint8_t		big[HUB_FRAME_MAX + 1], pt[HUB_FRAME_MAX];
	uint8_t		ts[TAI64N_LEN];
	size_t		n, m, l;

	chan_setup();
	memset(&empty, 0, sizeof(empty));
	ck_assert_int_eq(hub_chan_finish(&empty, resp, sizeof(resp)),
	    WG_DROP_STATE);
	ck_assert_int_eq(hub_chan_seal(&empty, pt, 1, big, sizeof(big), &n),
	    WG_ERR_ARG);
	ck_assert_int_eq(hub_chan_open(&empty, big, 20, pt, sizeof(pt), &n),
	    WG_DROP_STATE);
	ck_assert_int_eq(hub_chan_accept_finish(&empty, init, sizeof(init),
	    ts, resp, sizeof(resp), &n), WG_ERR_ARG);

	ck_assert_int_eq(hub_chan_initiate(&node, &proto, &node_s, hub_s.pub,
	    init, sizeof(init) - 1, &n), WG_ERR_ARG);
	ck_assert_int_eq(hub_chan_initiate(&node, &proto, &node_s, hub_s.pub,
	    init, sizeof(init), &n), WG_OK);
	/* a DATA frame before the RESP ends it */
	ck_assert_int_eq(hub_chan_open(&node, big, 20, pt, sizeof(pt), &n),
	    WG_DROP_STATE);
	ck_assert_int_eq(node.state, HUB_CHAN_EMPTY);
	ck_assert_int_eq(hub_chan_initiate(&node, &proto, &node_s, hub_s.pub,
	    init, sizeof(init), &n), WG_OK);

	ck_assert_int_eq(hub_chan_accept_static(&hub, &proto, &hub_s, init, n),
	    WG_OK);
	/* too small a RESP buffer is the caller's error, not fatal */
	ck_assert_int_eq(hub_chan_accept_finish(&hub, init, n, ts, resp,
	    sizeof(resp) - 1, &m), WG_ERR_ARG);
	ck_assert_int_eq(hub_chan_accept_finish(&hub, init, n, ts, resp,
	    sizeof(resp), &m), WG_OK);
	/* once is enough */
	ck_assert_int_eq(hub_chan_accept_finish(&hub, init, n, ts, resp,
	    sizeof(resp), &m), WG_ERR_ARG);
	ck_assert_int_eq(hub_chan_finish(&node, resp, m), WG_OK);
	ck_assert_int_eq(hub_chan_finish(&node, resp, m), WG_DROP_STATE);

	/* sizes: the largest message fills the largest frame */
	memset(pt, 'q', sizeof(pt));
	ck_assert_int_eq(hub_chan_seal(&node, pt, HUB_MSG_MAX + 1, big,
	    sizeof(big), &l), WG_ERR_ARG);
	ck_assert_int_eq(hub_chan_seal(&node, pt, 10, big, 10 + 16, &l),
	    WG_ERR_ARG);
	ck_assert_uint_eq(node.send_n, 0);
	ck_assert_int_eq(hub_chan_seal(&node, pt, HUB_MSG_MAX, big,
	    HUB_FRAME_MAX, &l), WG_OK);
	ck_assert_uint_eq(l, HUB_FRAME_MAX);
	/* too small a plaintext buffer: refused, nothing consumed */
	ck_assert_int_eq(hub_chan_open(&hub, big, l, pt, HUB_MSG_MAX - 1, &m),
	    WG_ERR_ARG);
	ck_assert_int_eq(hub.state, HUB_CHAN_ESTABLISHED);
	ck_assert_int_eq(hub_chan_open(&hub, big, l, pt, HUB_MSG_MAX, &m),
	    WG_OK);
	ck_assert_uint_eq(m, HUB_MSG_MAX);
	/* a body over HUB_FRAME_MAX is malformed whatever it holds */
	ck_assert_int_eq(hub_chan_open(&hub, big, HUB_FRAME_MAX + 1, pt,
	    sizeof(pt), &m), WG_DROP_MALFORMED);

	/* in place, both ways */
	handshake(&node, &hub, NULL, NULL);
	memcpy(big + 1, "in place", 8);
	ck_assert_int_eq(hub_chan_seal(&node, big + 1, 8, big, sizeof(big),
	    &l), WG_OK);
	ck_assert_int_eq(hub_chan_open(&hub, big, l, big + 1, sizeof(big) - 1,
	    &m), WG_OK);
	ck_assert(m == 8 && memcmp(big + 1, "in place", 8) == 0);
}
END_TEST

START_TEST(test_counter_limit)
{
	struct hub_chan	node, hub;
	uint8_t		f[64], pt[64];
	size_t		l, n;

	chan_setup();
	handshake(&node, &hub, NULL, NULL);
	node.send_n = hub.recv_n = UINT64_MAX - 2;
	send_ok(&node, &hub, "n-2");
	send_ok(&node, &hub, "n-1");
	ck_assert(node.send_n == UINT64_MAX && hub.recv_n == UINT64_MAX);
	ck_assert_int_eq(hub_chan_seal(&node, pt, 1, f, sizeof(f), &l),
	    WG_ERR_SEND_LIMIT);
	ck_assert_uint_eq(node.send_n, UINT64_MAX);
	/* the other way still works */
	send_ok(&hub, &node, "back");
	/* a receiver at the limit takes nothing more */
	node.send_n = UINT64_MAX - 1;
	ck_assert_int_eq(hub_chan_seal(&node, pt, 1, f, sizeof(f), &l), WG_OK);
	ck_assert_int_eq(hub_chan_open(&hub, f, l, pt, sizeof(pt), &n),
	    WG_DROP_COUNTER_LIMIT);
	ck_assert_int_eq(hub.state, HUB_CHAN_EMPTY);
}
END_TEST

static Suite *
hubproto_suite(void)
{
	Suite	*s = suite_create("hubproto");
	TCase	*tc;

	tc = tcase_create("codec");
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_layout);
	tcase_add_test(tc, test_truncated_trailing);
	tcase_add_test(tc, test_encode_small);
	tcase_add_test(tc, test_encode_wipes);
	tcase_add_test(tc, test_unknown_types);
	tcase_add_test(tc, test_enum_ranges);
	tcase_add_test(tc, test_addresses);
	tcase_add_test(tc, test_candidates);
	tcase_add_test(tc, test_peer_relay);
	tcase_add_test(tc, test_addr_alone);
	tcase_add_test(tc, test_unicast_classes);
	tcase_add_test(tc, test_routes);
	tcase_add_test(tc, test_names_msg);
	tcase_add_test(tc, test_strings);
	tcase_add_test(tc, test_random_decode);
	/* valgrind is slow; without fork Check applies no timeout */
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);

	tc = tcase_create("names");
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_netnames);
	tcase_add_test(tc, test_nicks);
	suite_add_tcase(s, tc);

	tc = tcase_create("channel");
	tcase_add_test(tc, test_proto_init);
	tcase_add_test(tc, test_handshake);
	tcase_add_test(tc, test_rehandshake);
	tcase_add_test(tc, test_data_layout);
	tcase_add_test(tc, test_wrong_hub_key);
	tcase_add_test(tc, test_wrong_hub_resp);
	tcase_add_test(tc, test_unknown_key);
	tcase_add_test(tc, test_low_order);
	tcase_add_test(tc, test_replayed_init);
	tcase_add_test(tc, test_data_replay_reorder);
	tcase_add_test(tc, test_data_bitflip_truncate);
	tcase_add_test(tc, test_handshake_truncate);
	tcase_add_test(tc, test_states_and_caps);
	tcase_add_test(tc, test_counter_limit);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 nfailed;

	if (sodium_init() < 0)
		return EXIT_FAILURE;
	sr = srunner_create(hubproto_suite());
	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
