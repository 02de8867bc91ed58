/*
 * libFuzzer target for the hub's relay table (hub/relay.c).  The input
 * is a program of 4-byte operations (add, delete by id or connection,
 * pair up or down, register with a right or wrong MAC and a counter
 * above, at or below the last one taken, route from an
 * address or a connection, let time pass) on a few ids, connections and
 * addresses, so that they collide.  Every result is checked against a
 * model kept in plain arrays; any difference aborts.
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -Ihub -Iipc \
 *	    tests/fuzz/fuzz_relay.c hub/relay.c hub/relayauth.c \
 *	    $(pkg-config --libs libsodium)
 *
 * With -DFUZZ_STANDALONE it is an ordinary program that replays the
 * files named on its command line, for compilers without libFuzzer.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hub/relay.h"

#define NID	16		/* ids 0..15; 0 is never valid */
#define NCONN	16
#define NADDR	8
#define MAX_OPS	4096

struct msess {
	int		 present;
	uint32_t	 conn;
	int		 addr;		/* registered address, -1: none */
	uint64_t	 when;
	uint64_t	 counter;	/* of the last REGISTER taken */
};

static struct msess	 ms[NID];
static int		 pairs[NID][NID];
static int		 owner[NADDR];	/* id, 0: none */
static struct pkt_addr	 addrs[NADDR];

#define CHECK(c)	do { if (!(c)) { fprintf(stderr, "%s:%d: %s\n", \
	__FILE__, __LINE__, #c); abort(); } } while (0)

static void
token(uint32_t id, int wrong, uint8_t t[HUB_RELAY_TOKEN_LEN])
{
	memset(t, (int)(id * 7 + 1), HUB_RELAY_TOKEN_LEN);
	if (wrong)
		t[HUB_RELAY_TOKEN_LEN - 1 - wrong % HUB_RELAY_TOKEN_LEN] ^= 0x80;
}

static void
setup_addrs(void)
{
	int	 i;

	memset(addrs, 0, sizeof(addrs));
	for (i = 0; i < NADDR; i++) {
		addrs[i].af = i % 3 == 0 ? AF_INET6 : AF_INET;
		addrs[i].port = (uint16_t)(1000 + i / 2);	/* pairs share */
		addrs[i].addr[0] = 10;
		addrs[i].addr[3] = (uint8_t)(i % 2);
		/* bytes past an IPv4 address must not matter */
		if (addrs[i].af == AF_INET)
			addrs[i].addr[8] = (uint8_t)i;
	}
}

static int
fresh(const struct msess *s, uint64_t now)
{
	return s->addr >= 0 && now - s->when < RELAY_UDP_FRESH_MS;
}

static int
conn_owner(uint32_t conn)
{
	int	 i;

	for (i = 1; i < NID; i++)
		if (ms[i].present && ms[i].conn == conn)
			return i;
	return 0;
}

static void
model_remove(int id)
{
	int	 i;

	for (i = 0; i < NID; i++)
		pairs[id][i] = pairs[i][id] = 0;
	if (ms[id].addr >= 0)
		owner[ms[id].addr] = 0;
	memset(&ms[id], 0, sizeof(ms[id]));
	ms[id].addr = -1;
}

static enum relay_verdict
model_route(int src, uint32_t dst, uint64_t now, struct relay_route *r)
{
	memset(r, 0, sizeof(*r));
	if (dst >= NID || !ms[dst].present)
		return RELAY_UNKNOWN_DEST;
	if (!pairs[src][dst])
		return RELAY_DENIED;
	r->src_id = (uint32_t)src;
	r->dst_id = dst;
	r->dst_conn = ms[dst].conn;
	if (fresh(&ms[dst], now)) {
		r->via_udp = 1;
		r->dst_addr = addrs[ms[dst].addr];
	}
	return RELAY_OK;
}

static void
check_route(enum relay_verdict got, const struct relay_route *gr,
    enum relay_verdict want, const struct relay_route *wr)
{
	CHECK(got == want);
	if (want != RELAY_OK)
		return;
	CHECK(gr->src_id == wr->src_id && gr->dst_id == wr->dst_id);
	CHECK(gr->via_udp == wr->via_udp);
	if (gr->via_udp) {
		CHECK(gr->dst_addr.af == wr->dst_addr.af &&
		    gr->dst_addr.port == wr->dst_addr.port);
		CHECK(memcmp(gr->dst_addr.addr, wr->dst_addr.addr,
		    wr->dst_addr.af == AF_INET ? 4 : 16) == 0);
	} else
		CHECK(gr->dst_conn == wr->dst_conn);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t		 key[crypto_shorthash_KEYBYTES];
	struct relay_table	*t;
	struct relay_route	 gr, wr;
	enum relay_verdict	 want;
	uint8_t			 tok[HUB_RELAY_TOKEN_LEN];
	uint8_t			 msg[RELAY_AUTH_LEN], ans[RELAY_AUTH_LEN];
	uint64_t		 now = 1000, c, ac;
	uint32_t		 aid;
	uint32_t		 id, id2, conn;
	size_t			 i, nops;
	int			 a, o, rc, want_rc, n;

	if (sodium_init() < 0)
		abort();
	setup_addrs();
	memset(ms, 0, sizeof(ms));
	memset(pairs, 0, sizeof(pairs));
	memset(owner, 0, sizeof(owner));
	for (i = 0; i < NID; i++)
		ms[i].addr = -1;
	if ((t = relay_table_new(key)) == NULL)
		abort();
	nops = size / 4;
	if (nops > MAX_OPS)
		nops = MAX_OPS;
	for (i = 0; i < nops; i++) {
		const uint8_t	*op = data + 4 * i;

		id = op[1] % NID;
		id2 = op[2] % NID;
		conn = op[2] % NCONN;
		a = op[2] % NADDR;
		switch (op[0] % 8) {
		case 0:		/* add id conn */
			token(id, 0, tok);
			want_rc = id == 0 || ms[id].present ||
			    conn_owner(conn) != 0 ? -1 : 0;
			rc = relay_add(t, conn, id, tok);
			CHECK(rc == want_rc);
			if (rc == 0) {
				ms[id].present = 1;
				ms[id].conn = conn;
				ms[id].addr = -1;
			}
			break;
		case 1:		/* delete by id */
			rc = relay_del(t, id);
			CHECK(rc == (ms[id].present ? 0 : -1));
			if (rc == 0)
				model_remove((int)id);
			break;
		case 2:		/* delete by connection */
			o = conn_owner(conn);
			rc = relay_del_conn(t, conn);
			CHECK(rc == (o != 0 ? 0 : -1));
			if (o != 0)
				model_remove(o);
			break;
		case 3:		/* pair up or down */
			want_rc = id == id2 || !ms[id].present ||
			    !ms[id2].present ? -1 : 0;
			rc = relay_pair(t, id, id2, op[3] & 1);
			CHECK(rc == want_rc);
			if (rc == 0)
				pairs[id][id2] = pairs[id2][id] = op[3] & 1;
			break;
		case 4:		/* register: MAC right or wrong, counter
				   from 16 below to 47 above the last */
			token(id, op[3] & 1 ? op[3] : 0, tok);
			c = ms[id].counter + (uint64_t)(op[3] >> 2);
			c = c >= 16 ? c - 16 : 0;
			relay_auth_build(msg, RELAY_REGISTER_TYPE, id, c, tok);
			want = !ms[id].present ? RELAY_UNKNOWN_SENDER :
			    op[3] & 1 ? RELAY_BAD_TOKEN :
			    c <= ms[id].counter ? RELAY_REPLAY : RELAY_OK;
			if (op[3] & 2)	/* a byte short: never one */
				want = RELAY_MALFORMED;
			CHECK(relay_register(t, msg, op[3] & 2 ?
			    sizeof(msg) - 1 : sizeof(msg), &addrs[a], NULL, 0,
			    now, ans, &aid) == want);
			if (want != RELAY_OK)
				break;
			token(id, 0, tok);
			CHECK(relay_auth_peek(ans, sizeof(ans),
			    RELAY_REGISTERED_TYPE, &aid, &ac) == 0);
			CHECK(aid == id && ac == c);
			CHECK(relay_auth_verify(ans, tok) == 0);
			ms[id].counter = c;
			if (owner[a] != 0 && owner[a] != (int)id)
				ms[owner[a]].addr = -1;
			if (ms[id].addr >= 0 && ms[id].addr != a)
				owner[ms[id].addr] = 0;
			owner[a] = (int)id;
			ms[id].addr = a;
			ms[id].when = now;
			break;
		case 5:		/* route from an address */
			o = owner[a];
			if (o == 0 || !fresh(&ms[o], now)) {
				want = RELAY_UNKNOWN_SENDER;
				memset(&wr, 0, sizeof(wr));
			} else
				want = model_route(o, id, now, &wr);
			check_route(relay_route_udp(t, &addrs[a], id, now, &gr),
			    &gr, want, &wr);
			break;
		case 6:		/* route from a connection */
			o = conn_owner(conn);
			if (o == 0) {
				want = RELAY_UNKNOWN_SENDER;
				memset(&wr, 0, sizeof(wr));
			} else
				want = model_route(o, id, now, &wr);
			check_route(relay_route_conn(t, conn, id, now, &gr),
			    &gr, want, &wr);
			break;
		case 7:		/* time passes: up to 255 * 1 s */
			now += (uint64_t)op[3] * 1000 + op[1];
			break;
		}
		/* the count and the connection index agree with the model */
		for (n = 0, o = 1; o < NID; o++)
			n += ms[o].present;
		CHECK(relay_count(t) == (uint32_t)n);
		CHECK(relay_id_of_conn(t, conn) == (uint32_t)conn_owner(conn));
		CHECK(relay_paired(t, id, id2) ==
		    (ms[id].present && ms[id2].present && pairs[id][id2]));
	}
	relay_table_free(t);
	return 0;
}

#ifdef FUZZ_STANDALONE
int
main(int argc, char *argv[])
{
	static uint8_t	 buf[4 * MAX_OPS];
	FILE		*f;
	size_t		 n;
	int		 i;

	for (i = 1; i < argc; i++) {
		if ((f = fopen(argv[i], "rb")) == NULL) {
			perror(argv[i]);
			return 1;
		}
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		(void)LLVMFuzzerTestOneInput(buf, n);
	}
	return 0;
}
#endif
