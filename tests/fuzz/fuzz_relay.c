/*
 * libFuzzer target for the hub engine's relay table (hub/relay.c).  The
 * input is a program of 4-byte operations on a few ids, connections and
 * addresses, chosen so that they collide:
 *
 *	0	add a session: id, connection, the connection's address;
 *		or a guest (a node of another hub: no connection, its
 *		host's address)
 *	1, 2	delete one by id, by connection
 *	3	pair two ids up or down
 *	4	a REGISTER at the gate: from an address of the node's own
 *		host or from any of them; one let through waits for the
 *		authority's answer
 *	5	the authority took one: bind a waiting one (maybe after its
 *		session went or came back on another connection), or any
 *		id, connection and address
 *	6, 7	route a packet from an address, from a connection
 *	8	time passes, from a millisecond to four hours
 *	9	seventy more sessions come, or go (the table grows with
 *		registered addresses in it)
 *
 * Every result is checked against a model in plain arrays (what each
 * session is, whom it is paired with, which address names whom, its
 * REGISTER budget as milliseconds of credit); any difference aborts.
 *
 * tools/fuzz.sh builds it (`make fuzzers` in a clang tree) and runs it
 * from the seeds FUZZ_MAKE_SEEDS writes.  With -DFUZZ_STANDALONE it is
 * an ordinary program that replays the files named on its command line,
 * for compilers without libFuzzer.
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

#define NID	16		/* id 0 is never a session's */
#define NCONN	16
#define NHOST	4
#define NADDR	10
#define NLOCAL	3		/* the last: no hub address */
#define NPEND	8		/* REGISTERs with the authority */
#define NCROWD	70		/* past the table's first size */
#define MAX_OPS	1024
#define REG_CAP	((int64_t)RELAY_REG_BURST * RELAY_REG_EVERY_MS)

#define CHECK(c)	do { if (!(c)) { fprintf(stderr, "%s:%d: %s\n", \
	__FILE__, __LINE__, #c); abort(); } } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct msess {
	int		 present;
	int		 guest;		/* no connection: conn 0 */
	int		 conn;		/* index into conns */
	int		 caddr;		/* its hub connection's */
	int		 addr;		/* registered (canon), -1 */
	int		 from;		/* as it registered */
	int		 local;		/* index into locals */
	int		 sock;
	uint64_t	 when;
	int64_t		 credit;	/* ms of REGISTER budget */
	uint64_t	 credit_at;
};

struct pend {
	int		 id;
	uint32_t	 conn;		/* the gate's word */
	int		 from, local, sock;
};

static uint32_t		 ids[NID];
static uint32_t		 conns[NCONN];
static struct pkt_addr	 addrs[NADDR], locals[NLOCAL];
static int		 canon[NADDR];	/* first index of the same */
static int		 host[NADDR];	/* -1: no IP address */

static struct msess	 ms[NID];
static int		 pairs[NID][NID];
static int		 owner[NADDR];	/* by canon: id, 0 none */
static struct pend	 pend[NPEND];
static int		 npend;
static int		 crowded;
static uint64_t		 now;

/*
 * relay.c's hash for ids and connections (Fibonacci, 64 buckets at
 * first).  The ids share one chain and so do the connections: chains
 * are where unlinking goes wrong.  Were the hash to change, they would
 * merely be distinct values.
 */
static unsigned int
bucket64(uint32_t v)
{
	return (unsigned int)(((uint64_t)v * UINT64_C(0x9e3779b97f4a7c15)) >>
	    32) & 63;
}

static void
colliding(uint32_t *out, int n, uint32_t start)
{
	uint32_t	 v;
	unsigned int	 b = bucket64(start);
	int		 i;

	for (i = 0, v = start; i < n; v++)
		if (bucket64(v) == b)
			out[i++] = v;
}

static void
set_ip(struct pkt_addr *a, int h)
{
	static const uint8_t	 ip[NHOST][16] = {
		{ 10, 0, 0, 1 },
		{ 10, 0, 0, 2 },
		/* h0's four bytes, but IPv6: the family tells them apart */
		{ 10, 0, 0, 1 },
		/* h2 but for the last byte: all sixteen count */
		{ 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
	};

	a->af = h < 2 ? AF_INET : AF_INET6;
	memcpy(a->addr, ip[h], 16);
}

static void
setup(void)
{
	int	 i;

	if (ids[1] != 0)
		return;
	if (sodium_init() < 0)
		abort();
	ids[0] = 0;
	colliding(ids + 1, NID - 1, 1);
	colliding(conns, NCONN, 0x100000);
	memset(addrs, 0, sizeof(addrs));
	/* Four hosts, two ports each: a port of its own host is the node. */
	for (i = 0; i < 8; i++) {
		set_ip(&addrs[i], i % NHOST);
		addrs[i].port = (uint16_t)(1000 + i / NHOST);
		canon[i] = i;
		host[i] = i % NHOST;
	}
	/* addrs[0] again, with bytes past IPv4's four that must not count */
	addrs[8] = addrs[0];
	addrs[8].pad = 0x5a;
	memset(addrs[8].addr + 4, 0xa5, 12);
	canon[8] = 0;
	host[8] = 0;
	/* no family: never a host, never registered */
	addrs[9] = addrs[0];
	addrs[9].af = 0;
	canon[9] = 9;
	host[9] = -1;

	memset(locals, 0, sizeof(locals));
	locals[0].af = AF_INET;
	locals[0].port = 51820;
	locals[0].addr[0] = 192;
	locals[0].addr[2] = 2;
	locals[0].addr[3] = 1;
	locals[1].af = AF_INET6;
	locals[1].port = 51821;
	locals[1].addr[0] = 0x20;
	locals[1].addr[1] = 0x01;
	locals[1].addr[15] = 1;
}

static int
same_addr(const struct pkt_addr *a, const struct pkt_addr *b)
{
	return a->af == b->af && a->port == b->port &&
	    memcmp(a->addr, b->addr, a->af == AF_INET ? 4 : 16) == 0;
}

static int
conn_owner(int c)
{
	int	 i;

	for (i = 1; i < NID; i++)
		if (ms[i].present && !ms[i].guest && ms[i].conn == c)
			return i;
	return 0;
}

/* The connection the table names for a session: a guest's is 0. */
static uint32_t
mconn(const struct msess *s)
{
	return s->guest ? 0 : conns[s->conn];
}

static int
model_count(void)
{
	int	 i, n;

	for (n = 0, i = 1; i < NID; i++)
		n += ms[i].present;
	return n + (crowded ? NCROWD : 0);
}

static int
fresh(const struct msess *s)
{
	return s->addr >= 0 && now - s->when < RELAY_UDP_FRESH_MS;
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
model_route(int src, int dst, struct relay_route *r)
{
	const struct msess	*d = &ms[dst];

	memset(r, 0, sizeof(*r));
	if (!d->present)
		return RELAY_UNKNOWN_DEST;
	if (!pairs[src][dst])
		return RELAY_DENIED;
	/* A guest is reached by UDP only. */
	if (d->guest && !fresh(d))
		return RELAY_UNKNOWN_DEST;
	r->src_id = ids[src];
	r->dst_id = ids[dst];
	r->dst_conn = mconn(d);
	if (fresh(d)) {
		r->via_udp = 1;
		r->dst_addr = addrs[d->from];
		if (d->local < NLOCAL - 1)
			r->dst_local = locals[d->local];
		r->dst_sock = d->sock;
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
	CHECK(gr->dst_conn == wr->dst_conn);
	CHECK(gr->via_udp == wr->via_udp);
	if (!gr->via_udp)
		return;
	CHECK(same_addr(&gr->dst_addr, &wr->dst_addr));
	CHECK(memcmp(&gr->dst_local, &wr->dst_local,
	    sizeof(wr->dst_local)) == 0);
	CHECK(gr->dst_sock == wr->dst_sock);
}

static void
route_udp(struct relay_table *t, int a, int dst)
{
	struct relay_route	 gr, wr;
	enum relay_verdict	 want;
	int			 o;

	o = owner[canon[a]];
	if (o == 0 || !fresh(&ms[o])) {
		/* A stale registration names nobody. */
		want = RELAY_UNKNOWN_SENDER;
		memset(&wr, 0, sizeof(wr));
	} else
		want = model_route(o, dst, &wr);
	check_route(relay_route_udp(t, &addrs[a], ids[dst], now, &gr), &gr,
	    want, &wr);
}

static void
route_conn(struct relay_table *t, int c, int dst)
{
	struct relay_route	 gr, wr;
	enum relay_verdict	 want;
	int			 o;

	if ((o = conn_owner(c)) == 0) {
		want = RELAY_UNKNOWN_SENDER;
		memset(&wr, 0, sizeof(wr));
	} else
		want = model_route(o, dst, &wr);
	check_route(relay_route_conn(t, conns[c], ids[dst], now, &gr), &gr,
	    want, &wr);
}

/* An address of the session's own host, or any address. */
static int
pick_from(int id, int own, uint8_t b)
{
	int	 cand[NADDR], n, i;

	if (!own || !ms[id].present || host[ms[id].caddr] == -1)
		return b % NADDR;
	for (n = 0, i = 0; i < NADDR; i++)
		if (host[i] == host[ms[id].caddr])
			cand[n++] = i;
	return cand[b % n];
}

static void
reg_gate(struct relay_table *t, int id, int from, int local, int sock)
{
	struct msess		*s = &ms[id];
	enum relay_verdict	 want, got;
	uint32_t		 conn = 0xdeadbeef;

	want = RELAY_OK;
	if (!s->present)
		want = RELAY_UNKNOWN_SENDER;
	else if (host[from] == -1 || host[from] != host[s->caddr])
		want = RELAY_FOREIGN;
	else {
		/* A burst, then a REGISTER's worth of credit per interval. */
		s->credit += (int64_t)(now - s->credit_at);
		if (s->credit > REG_CAP)
			s->credit = REG_CAP;
		s->credit_at = now;
		if (s->credit >= RELAY_REG_EVERY_MS)
			s->credit -= RELAY_REG_EVERY_MS;
		else
			want = RELAY_THROTTLED;
	}
	got = relay_register_gate(t, ids[id], &addrs[from], now, &conn);
	CHECK(got == want);
	if (want != RELAY_OK) {
		CHECK(conn == 0);
		return;
	}
	CHECK(conn == mconn(s));
	/* The authority has it now; the oldest is lost if too many. */
	if (npend == NPEND) {
		memmove(&pend[0], &pend[1], (NPEND - 1) * sizeof(pend[0]));
		npend--;
	}
	pend[npend].id = id;
	pend[npend].conn = conn;
	pend[npend].from = from;
	pend[npend].local = local;
	pend[npend].sock = sock;
	npend++;
}

static void
reg_bind(struct relay_table *t, int id, uint32_t conn, int from, int local,
    int sock)
{
	struct msess	*s = &ms[id];
	int		 want, a, o;

	want = s->present && mconn(s) == conn && host[from] != -1 &&
	    host[from] == host[s->caddr] ? 0 : -1;
	CHECK(relay_register_bind(t, ids[id], conn, &addrs[from],
	    local < NLOCAL - 1 ? &locals[local] : NULL, sock, now) == want);
	if (want == -1)
		return;
	/* One session per address: the newest registration wins. */
	a = canon[from];
	if ((o = owner[a]) != 0 && o != id)
		ms[o].addr = -1;
	if (s->addr >= 0 && s->addr != a)
		owner[s->addr] = 0;
	if (s->addr != a)
		s->from = from;
	owner[a] = id;
	s->addr = a;
	s->local = local;
	s->sock = sock;
	s->when = now;
}

static void
crowd(struct relay_table *t)
{
	uint32_t	 k;

	for (k = 0; k < NCROWD; k++) {
		if (!crowded)
			CHECK(relay_add(t, 0x80000000u | k, 0x80000000u | k,
			    &addrs[k % NADDR]) == 0);
		else if (k % 2 == 0)
			CHECK(relay_del(t, 0x80000000u | k) == 0);
		else
			CHECK(relay_del_conn(t, 0x80000000u | k) == 0);
	}
	crowded = !crowded;
}

/* Everything the table answers without changing, for every name. */
static void
sweep(struct relay_table *t)
{
	int	 i, j;

	CHECK(relay_count(t) == (uint32_t)model_count());
	CHECK(relay_id_of_conn(t, 0) == 0);
	for (i = 0; i < NCONN; i++) {
		j = conn_owner(i);
		CHECK(relay_id_of_conn(t, conns[i]) == ids[j]);
	}
	for (i = 0; i < NID; i++)
		for (j = 0; j < NID; j++)
			CHECK(relay_paired(t, ids[i], ids[j]) ==
			    (ms[i].present && ms[j].present && pairs[i][j]));
	for (i = 0; i < NADDR; i++)
		for (j = 0; j < NID; j++)
			route_udp(t, i, j);
	for (i = 0; i < NCONN; i++)
		for (j = 0; j < NID; j++)
			route_conn(t, i, j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t	 unit[4] = { 1, 97, 1000, 60 * 1000 };
	static uint8_t		 key[crypto_shorthash_KEYBYTES];
	struct relay_table	*t;
	const uint8_t		*op;
	size_t			 i, nops;
	int			 id, id2, c, a, o, want, up;

	setup();
	memset(ms, 0, sizeof(ms));
	memset(pairs, 0, sizeof(pairs));
	memset(owner, 0, sizeof(owner));
	for (i = 0; i < NID; i++)
		ms[i].addr = -1;
	npend = 0;
	crowded = 0;
	now = 1000;	/* never 0: a rate bucket's time is not */
	if ((t = relay_table_new(key)) == NULL)
		abort();
	nops = size / 4;
	if (nops > MAX_OPS)
		nops = MAX_OPS;
	for (i = 0; i < nops; i++) {
		op = data + 4 * i;
		id = op[1] % NID;
		id2 = op[2] % NID;
		c = op[2] % NCONN;
		a = op[2] % NADDR;
		switch (op[0] % 10) {
		case 0:		/* add id at conn from address op[3] */
			a = (op[3] & 0x7f) % NADDR;
			if (op[3] & 0x80) {	/* a guest */
				want = id == 0 || ms[id].present ? -1 : 0;
				CHECK(relay_add_guest(t, ids[id], &addrs[a]) ==
				    want);
				if (want == -1)
					break;
				memset(&ms[id], 0, sizeof(ms[id]));
				ms[id].present = 1;
				ms[id].guest = 1;
				ms[id].caddr = a;
				ms[id].addr = -1;
				ms[id].credit = REG_CAP;
				ms[id].credit_at = now;
				break;
			}
			want = id == 0 || ms[id].present || conn_owner(c) ?
			    -1 : 0;
			CHECK(relay_add(t, conns[c], ids[id], &addrs[a]) ==
			    want);
			if (want == -1)
				break;
			memset(&ms[id], 0, sizeof(ms[id]));
			ms[id].present = 1;
			ms[id].conn = c;
			ms[id].caddr = a;
			ms[id].addr = -1;
			ms[id].credit = REG_CAP;
			ms[id].credit_at = now;
			break;
		case 1:		/* delete by id */
			want = ms[id].present ? 0 : -1;
			CHECK(relay_del(t, ids[id]) == want);
			if (want == 0)
				model_remove(id);
			break;
		case 2:		/* delete by connection */
			o = conn_owner(c);
			CHECK(relay_del_conn(t, conns[c]) == (o ? 0 : -1));
			if (o)
				model_remove(o);
			break;
		case 3:		/* pair up or down */
			up = op[3] & 1;
			want = id == id2 || !ms[id].present ||
			    !ms[id2].present ? -1 : 0;
			CHECK(relay_pair(t, ids[id], ids[id2], up) == want);
			if (want == 0)
				pairs[id][id2] = pairs[id2][id] = up;
			break;
		case 4:		/* a REGISTER at the gate */
			reg_gate(t, id, pick_from(id, op[3] & 1, op[2]),
			    (op[3] >> 1) % NLOCAL, op[3] >> 4);
			break;
		case 5:		/* the authority took one */
			if ((op[3] & 1) == 0) {
				struct pend	 p;

				if (npend == 0)
					break;
				o = op[1] % npend;
				p = pend[o];
				memmove(&pend[o], &pend[o + 1],
				    (size_t)(npend - o - 1) * sizeof(pend[0]));
				npend--;
				reg_bind(t, p.id, p.conn, p.from, p.local,
				    p.sock);
				break;
			}
			reg_bind(t, id, op[2] & 0x80 && ms[id].present ?
			    mconn(&ms[id]) : conns[c],
			    pick_from(id, op[2] & 0x40, op[3] >> 1),
			    (op[3] >> 5) % NLOCAL, (op[2] >> 4) & 3);
			break;
		case 6:		/* route from an address */
			route_udp(t, a, id);
			break;
		case 7:		/* route from a connection */
			route_conn(t, c, id);
			break;
		case 8:		/* time passes */
			now += op[3] * unit[op[2] & 3] + op[1];
			break;
		case 9:
			crowd(t);
			break;
		}
		CHECK(relay_count(t) == (uint32_t)model_count());
		CHECK(relay_id_of_conn(t, conns[c]) == ids[conn_owner(c)]);
		CHECK(relay_paired(t, ids[id], ids[id2]) ==
		    (ms[id].present && ms[id2].present && pairs[id][id2]));
		CHECK(relay_paired(t, ids[id2], ids[id]) ==
		    (ms[id].present && ms[id2].present && pairs[id][id2]));
	}
	sweep(t);
	relay_table_free(t);
	return 0;
}

#ifdef FUZZ_MAKE_SEEDS
static uint8_t	 sbuf[4 * MAX_OPS];
static size_t	 slen;

static void
put(uint8_t op, uint8_t a, uint8_t b, uint8_t c)
{
	sbuf[slen++] = op;
	sbuf[slen++] = a;
	sbuf[slen++] = b;
	sbuf[slen++] = c;
}

static void
seed(const char *dir, const char *name)
{
	char	 path[4096];
	FILE	*fp;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) == NULL ||
	    fwrite(sbuf, 1, slen, fp) != slen || fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
	(void)LLVMFuzzerTestOneInput(sbuf, slen);
	slen = 0;
}

/* Two nodes on hosts 0 and 1, paired, both registered by UDP. */
static void
two_registered(void)
{
	put(0, 1, 1, 0);	/* id 1, conn 1, host 0 */
	put(0, 2, 2, 1);	/* id 2, conn 2, host 1 */
	put(3, 1, 2, 1);	/* paired */
	put(4, 1, 0, 1);	/* gate: its own host, local 0 */
	put(5, 0, 0, 0);	/* the authority took it */
	put(4, 2, 1, 3);	/* gate: its own host, local 1 */
	put(5, 0, 0, 0);
}

int
main(int argc, char *argv[])
{
	int	 i;

	if (argc != 2)
		return 2;

	/* relayed both ways, by UDP, then by TCP once 120 s pass */
	two_registered();
	put(6, 2, 0, 0);	/* from id 1's address to 2 */
	put(7, 1, 2, 0);	/* from conn 2 to 1 */
	put(8, 0, 3, 1);	/* 60 s */
	put(6, 2, 0, 0);
	put(8, 0, 3, 1);	/* 120 s: stale */
	put(6, 2, 0, 0);
	put(7, 1, 1, 0);
	seed(argv[1], "route");

	/*
	 * a guest on host 1 and a node on host 0, paired: nothing to the
	 * guest until it registers, then by UDP both ways; no conn for it
	 */
	put(0, 1, 1, 0);	/* id 1, conn 1, host 0 */
	put(0, 2, 2, 0x81);	/* id 2: a guest on host 1 */
	put(3, 1, 2, 1);
	put(7, 2, 1, 0);	/* from conn 1 to the guest: nowhere */
	put(4, 2, 0, 0);	/* gate: host 0 for the guest: foreign */
	put(4, 2, 1, 1);	/* its own host */
	put(5, 0, 0, 0);	/* taken */
	put(7, 2, 1, 0);	/* now by UDP */
	put(6, 1, 1, 0);	/* and from it to id 1 */
	put(8, 0, 3, 2);	/* 120 s: stale */
	put(7, 2, 1, 0);
	put(1, 2, 0, 0);	/* gone */
	put(7, 2, 1, 0);
	seed(argv[1], "guest");

	/* a foreign address, then a burst over the rate, then a wait */
	put(0, 3, 3, 2);
	put(4, 3, 0, 0);	/* host 0 for a node on host 2 */
	for (i = 0; i < RELAY_REG_BURST + 2; i++)
		put(4, 3, (uint8_t)i, 1);
	put(8, 0, 2, 2);	/* 2 s */
	put(4, 3, 0, 1);
	put(4, 3, 0, 1);
	seed(argv[1], "rate");

	/* two nodes behind one host: the newest registration wins */
	put(0, 1, 1, 0);
	put(0, 2, 2, 4);	/* host 0 too, by another port */
	put(3, 1, 2, 1);
	put(5, 1, 0x80, 1);	/* id 1 binds address 0 */
	put(5, 2, 0x82, 1);	/* id 2 binds it too */
	put(6, 1, 0, 0);	/* so address 0 is id 2 */
	put(6, 1, 8, 0);	/* as is its alias */
	put(5, 1, 0x80, 9);	/* id 1 binds address 4 */
	put(6, 2, 4, 0);
	seed(argv[1], "steal");

	/* the answer crosses the session's end and a new session */
	put(0, 1, 1, 0);
	put(4, 1, 0, 1);
	put(2, 0, 1, 0);	/* conn 1 goes */
	put(0, 1, 5, 0);	/* id 1 comes back on conn 5 */
	put(5, 0, 0, 0);	/* the old answer: refused */
	put(4, 1, 0, 1);
	put(5, 0, 0, 0);
	put(7, 1, 5, 0);
	seed(argv[1], "crossed");

	/* the table grows and shrinks around registered sessions */
	two_registered();
	put(9, 0, 0, 0);
	put(6, 2, 0, 0);
	put(0, 3, 3, 3);
	put(3, 3, 1, 1);
	put(1, 2, 0, 0);
	put(9, 0, 0, 0);
	put(6, 3, 0, 0);
	seed(argv[1], "crowd");
	return 0;
}
#elif defined(FUZZ_STANDALONE)
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
