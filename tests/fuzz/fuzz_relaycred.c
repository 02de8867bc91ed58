/*
 * libFuzzer target for the relay registration's credentials on both
 * sides: the node's (daemon/relayreg.c, in tun) builds REGISTERs and
 * checks the answers, the hub authority's (hub/relaycred.c) checks the
 * REGISTERs and answers, both with proto/relayauth.c's MAC.  Between
 * them sits a network that loses, repeats, reorders, truncates and
 * forges.  The input is a program of 4-byte operations:
 *
 *	0	logins: a new one on the hub whose RELAY_INFO reaches the
 *		node at once, or later, or not yet, or again; the hub's
 *		or the node's end of a login (ids repeat across logins)
 *	1	time passes on the node (up to 255 x 20 s, or to a
 *		nanosecond either side of the next REGISTER's time); one
 *		goes out if it is due
 *	2, 3	a REGISTER reaches the hub, an answer the node: any one
 *		in flight, once or again, whole, cut short or a byte long
 *	4, 5	a forgery reaches the hub, the node: a message in flight,
 *		one of an earlier login or the other way's, or one made
 *		with a token not this login's, a byte changed
 *	6	raw bytes from the input reach either side
 *	7	a message in flight is lost
 *
 * Every verdict is checked against a model that knows where each
 * message came from: the hub takes a REGISTER only if it is, byte for
 * byte, one the node built under the hub's login, newer than the last
 * taken, and never one twice; the node takes an answer only if it is
 * one the hub gave under the node's login, for one of its last
 * RELAYREG_WINDOW REGISTERs, newer than the last answer taken.  What
 * either side sends is checked against the layout in relayauth.h with
 * a MAC computed here.  A refused message changes neither side; an
 * ended login leaves no token behind.  Any difference aborts.
 *
 * The tokens are the real ones (random, from relay_cred_new): nothing
 * the fuzzer learnt in one run, such as the bytes this model compares,
 * makes a valid MAC in the next.  No verdict depends on their values.
 *
 * tools/fuzz.sh builds it (`make fuzzers` in a clang tree) and runs it
 * from the seeds FUZZ_MAKE_SEEDS writes.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "daemon/relayreg.h"
#include "hub/relaycred.h"
#include "proto/dgram.h"
#include "proto/hubproto.h"
#include "proto/relayauth.h"

#define MAX_OPS		1024
#define NQ		8		/* messages in flight each way */
#define NIDS		3		/* relay ids 1..3, reused */
#define MS		1000000ull
#define LEN		RELAY_AUTH_LEN

#define CHECK(c)	do { if (!(c)) { fprintf(stderr, "%s:%d: %s\n", \
	__FILE__, __LINE__, #c); abort(); } } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * A login, as the hub made it.  The node builds its REGISTERs only
 * while it is the hub's login, so they sit together in the log; a
 * RELAY_INFO given again starts the counter again, and the node builds
 * the same bytes again.
 */
struct login {
	uint32_t	 id;
	uint8_t		 token[RELAY_AUTH_TOKEN_LEN];
	int		 given;		/* RELAY_INFO reached the node */
	size_t		 first;		/* log entry of counter 1 */
	uint64_t	 n;		/* highest counter built */
};

/* A REGISTER the node built, and the hub's answer if it took it. */
struct entry {
	uint8_t		 reg[LEN];
	int		 taken;
	uint8_t		 answer[LEN];
};

struct queue {
	uint8_t		 m[NQ][LEN];
	int		 n;
};

static struct login	 logins[MAX_OPS];
static int		 nlogins;
static struct entry	 log_[MAX_OPS];
static size_t		 nlog;
static struct queue	 up, down;	/* node -> hub, hub -> node */

static struct relay_cred hub;
static int		 hl;		/* the hub's login, -1: none */
static uint64_t		 htaken;	/* counter of the last taken */

static struct relayreg	 node;
static int		 nl;		/* the node's login, -1: none */
static uint64_t		 ncounter, nanswered, nnext, now;

/* What a run did, for the seed report. */
static struct {
	int	 built, taken, refused, answered, ignored;
} st;

/* Who forges holds some token, just not the login's. */
static const uint8_t	 evil[RELAY_AUTH_TOKEN_LEN] = {
	0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7,
	0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef,
};

struct input {
	const uint8_t	*p;
	size_t		 left;
};

/* Past the end of the input every byte reads as zero. */
static uint8_t
next(struct input *in)
{
	if (in->left == 0)
		return 0;
	in->left--;
	return *in->p++;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/*
 * The layout of relayauth.h, checked byte by byte with a MAC computed
 * here: what one side sends is what the other side's peer, built by
 * someone else, would expect.
 */
static int
well_made(const uint8_t *m, uint8_t type, uint32_t id, uint64_t counter,
    const uint8_t token[RELAY_AUTH_TOKEN_LEN])
{
	uint8_t	 mac[RELAY_AUTH_MAC_LEN];

	if (m[0] != type || m[1] != 0 || m[2] != 0 || m[3] != 0 ||
	    get32(m + 4) != id || get64(m + 8) != counter)
		return 0;
	if (crypto_generichash(mac, sizeof(mac), m, LEN - sizeof(mac),
	    token, RELAY_AUTH_TOKEN_LEN) != 0)
		abort();
	return memcmp(mac, m + LEN - sizeof(mac), sizeof(mac)) == 0;
}

/* Its fields (type, zeros, id), not its MAC: what a login would read. */
static int
shaped(const uint8_t *m, size_t len, uint8_t type, uint32_t id)
{
	return len == LEN && m[0] == type && m[1] == 0 && m[2] == 0 &&
	    m[3] == 0 && get32(m + 4) == id;
}

static void
push(struct queue *q, const uint8_t m[LEN])
{
	/* A full network drops the oldest. */
	if (q->n == NQ) {
		memmove(q->m[0], q->m[1], (NQ - 1) * LEN);
		q->n--;
	}
	memcpy(q->m[q->n++], m, LEN);
}

static void
drop(struct queue *q, int k)
{
	memmove(q->m[k], q->m[k + 1], (size_t)(q->n - k - 1) * LEN);
	q->n--;
}

static int
all_zero(const void *p, size_t len)
{
	const uint8_t	*b = p;
	size_t		 i;

	for (i = 0; i < len; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

/* ---- the hub ---------------------------------------------------------- */

static void
hub_login(uint32_t id)
{
	struct login	*L;

	relay_cred_new(&hub, id);
	CHECK(hub.id == id && hub.counter == 0);
	CHECK(!all_zero(hub.token, sizeof(hub.token)));
	L = &logins[nlogins];
	memset(L, 0, sizeof(*L));
	L->id = id;
	memcpy(L->token, hub.token, sizeof(L->token));
	hl = nlogins++;
	htaken = 0;
}

static void
hub_end(void)
{
	relay_cred_clear(&hub);
	CHECK(all_zero(&hub, sizeof(hub)));
	hl = -1;
}

/* m (len bytes) reaches the authority. */
static void
hub_gets(const uint8_t *m, size_t len)
{
	struct relay_cred	 before;
	enum relay_cred_verdict	 want, got;
	struct login		*L;
	struct entry		*e = NULL;
	uint8_t			 answer[LEN];
	uint64_t		 c = 0;

	/* Padding too: a refusal leaves every byte as it was. */
	memcpy(&before, &hub, sizeof(before));
	if (hl == -1 || !shaped(m, len, RELAY_REGISTER_TYPE, logins[hl].id))
		want = RELAY_CRED_MALFORMED;
	else {
		L = &logins[hl];
		c = get64(m + 8);
		/*
		 * Only the node and the hub hold the token, and the hub
		 * makes no REGISTERs: a right MAC is one the node made.
		 */
		if (L->given && c >= 1 && c <= L->n &&
		    memcmp(m, log_[L->first + c - 1].reg, LEN) == 0)
			e = &log_[L->first + c - 1];
		if (e == NULL)
			want = RELAY_CRED_BAD_MAC;
		else if (c <= htaken)
			want = RELAY_CRED_REPLAY;
		else
			want = RELAY_CRED_OK;
	}
	got = relay_cred_check(&hub, m, len, answer);
	CHECK(got == want);
	if (want != RELAY_CRED_OK) {
		CHECK(memcmp(&hub, &before, sizeof(hub)) == 0);
		st.refused++;
		return;
	}
	st.taken++;
	CHECK(!e->taken);
	CHECK(hub.id == before.id && hub.counter == c &&
	    memcmp(hub.token, before.token, sizeof(hub.token)) == 0);
	CHECK(well_made(answer, RELAY_REGISTERED_TYPE, logins[hl].id, c,
	    logins[hl].token));
	e->taken = 1;
	memcpy(e->answer, answer, LEN);
	htaken = c;
	push(&down, answer);
}

/* ---- the node --------------------------------------------------------- */

static void
node_login(int L)
{
	struct hub_relay_info	 ri;

	memset(&ri, 0, sizeof(ri));
	ri.relay_id = logins[L].id;
	memcpy(ri.token, logins[L].token, sizeof(ri.token));
	relayreg_begin(&node, &ri, now);
	sodium_memzero(&ri, sizeof(ri));
	if (!logins[L].given) {
		logins[L].given = 1;
		logins[L].first = nlog;
	}
	nl = L;
	ncounter = nanswered = 0;
	nnext = now;
}

static void
node_end(void)
{
	relayreg_end(&node);
	CHECK(all_zero(&node, sizeof(node)));
	nl = -1;
}

static void
node_tick(void)
{
	struct entry	*e;
	uint8_t		 out[LEN];
	int		 want;

	want = nl != -1 && now >= nnext;
	CHECK(relayreg_due(&node, now, out) == want);
	if (!want)
		return;
	ncounter++;
	nnext = now + RELAYREG_INTERVAL;
	/* Counters start at 1 with each login and never skip. */
	CHECK(well_made(out, RELAY_REGISTER_TYPE, logins[nl].id, ncounter,
	    logins[nl].token));
	st.built++;
	push(&up, out);
	if (ncounter <= logins[nl].n) {
		/* Again after a repeated RELAY_INFO: the same bytes. */
		CHECK(memcmp(out, log_[logins[nl].first + ncounter - 1].reg,
		    LEN) == 0);
		return;
	}
	CHECK(nlog < MAX_OPS && nlog == logins[nl].first + ncounter - 1);
	e = &log_[nlog++];
	memset(e, 0, sizeof(*e));
	memcpy(e->reg, out, LEN);
	logins[nl].n = ncounter;
}

static void
node_gets(const uint8_t *m, size_t len)
{
	struct relayreg	 before;
	struct login	*L;
	struct entry	*e;
	uint64_t	 c;
	int		 want = -1;

	memcpy(&before, &node, sizeof(before));
	if (nl != -1 && shaped(m, len, RELAY_REGISTERED_TYPE,
	    logins[nl].id)) {
		L = &logins[nl];
		c = get64(m + 8);
		/*
		 * One of our last few REGISTERs, newer than the last
		 * answer, and the hub's own answer to it (only the hub
		 * makes REGISTEREDs).  Since a repeated RELAY_INFO, only
		 * those built since count.
		 */
		if (c <= ncounter && c > nanswered &&
		    ncounter - c < RELAYREG_WINDOW) {
			e = &log_[L->first + c - 1];
			if (e->taken && memcmp(m, e->answer, LEN) == 0)
				want = 0;
		}
	}
	CHECK(relayreg_answer(&node, m, len) == want);
	if (want == -1) {
		CHECK(memcmp(&node, &before, sizeof(node)) == 0);
		st.ignored++;
		return;
	}
	st.answered++;
	nanswered = get64(m + 8);
	CHECK(node.answered == nanswered);
}

/* ---- the network ------------------------------------------------------ */

/* In a buffer of exactly len bytes, so that a read past it is caught. */
static void
to_side(int to_hub, const uint8_t *m, size_t len)
{
	uint8_t	*b;

	if ((b = malloc(len ? len : 1)) == NULL)
		abort();
	memcpy(b, m, len);
	if (to_hub)
		hub_gets(b, len);
	else
		node_gets(b, len);
	free(b);
}

/* Deliver m whole, cut to cut bytes, or with one byte more (mode 2). */
static void
deliver(int to_hub, const uint8_t m[LEN], int mode, uint8_t cut,
    uint8_t extra)
{
	uint8_t	 b[LEN + 1];
	size_t	 len;

	len = mode == 1 ? cut % LEN : mode == 2 ? LEN + 1 : LEN;
	memcpy(b, m, LEN);
	b[LEN] = extra;
	to_side(to_hub, b, len);
}

/*
 * A forgery for one side, to change at a byte.  src: 0 a message in
 * flight to it, 1 one of any login's (the REGISTER, or the answer if
 * there was one), 2 one going the other way, 3 one made with a token
 * not the current login's, for its id and a counter near the last.
 * 0 if there is none to start from.
 */
static int
forge(int to_hub, int src, uint8_t pick, uint8_t off, uint8_t m[LEN])
{
	const struct queue	*q;
	const struct entry	*e;
	const uint8_t		*tok = evil;
	uint64_t		 c;
	int			 L, cur;

	switch (src) {
	case 0:
	case 2:
		q = (src == 0) == to_hub ? &up : &down;
		if (q->n == 0)
			return 0;
		memcpy(m, q->m[pick % q->n], LEN);
		return 1;
	case 1:
		if (nlog == 0)
			return 0;
		e = &log_[pick % nlog];
		memcpy(m, to_hub || !e->taken ? e->reg : e->answer, LEN);
		return 1;
	default:
		cur = to_hub ? hl : nl;
		if (cur == -1)
			return 0;
		/* An earlier login's token, or a stranger's. */
		L = pick % nlogins;
		if (L != cur)
			tok = logins[L].token;
		c = to_hub ? htaken + (off & 7) : ncounter - (off & 3);
		relay_auth_build(m, to_hub ? RELAY_REGISTER_TYPE :
		    RELAY_REGISTERED_TYPE, logins[cur].id, c, tok);
		return 1;
	}
}

static void
reset(void)
{
	nlogins = 0;
	nlog = 0;
	memset(&up, 0, sizeof(up));
	memset(&down, 0, sizeof(down));
	memset(&hub, 0, sizeof(hub));
	memset(&node, 0, sizeof(node));
	hl = nl = -1;
	htaken = ncounter = nanswered = nnext = 0;
	now = 5 * MS;
	memset(&st, 0, sizeof(st));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t	 unit[3] = { MS, 1000 * MS,
				    RELAYREG_INTERVAL };
	struct input		 in = { data, size };
	struct queue		*q;
	uint8_t			 op[4], m[LEN + 8];
	size_t			 len, i;
	int			 nops, k;

	if (sodium_init() < 0)
		abort();
	reset();
	for (nops = 0; in.left > 0 && nops < MAX_OPS; nops++) {
		for (k = 0; k < 4; k++)
			op[k] = next(&in);
		switch (op[0] % 8) {
		case 0:
			switch (op[1] % 5) {
			case 0:		/* a login, RELAY_INFO with it */
				hub_login(1 + op[2] % NIDS);
				node_login(hl);
				break;
			case 1:		/* RELAY_INFO on its way */
				hub_login(1 + op[2] % NIDS);
				break;
			case 2:		/* it arrives, maybe again */
				if (hl != -1)
					node_login(hl);
				break;
			case 3:
				hub_end();
				break;
			case 4:
				node_end();
				break;
			}
			break;
		case 1:		/* time passes; maybe asked twice */
			if ((op[2] & 3) < 3)
				now += op[1] * unit[op[2] & 3];
			else if (nl != -1 && nnext + (op[1] % 3) > now + 1)
				now = nnext + (op[1] % 3) - 1;
			node_tick();
			if (op[3] & 1)
				node_tick();
			break;
		case 2:		/* a REGISTER arrives, maybe kept */
		case 3:		/* an answer arrives */
			q = op[0] % 8 == 2 ? &up : &down;
			if (q->n == 0)
				break;
			k = op[1] % q->n;
			memcpy(m, q->m[k], LEN);
			if ((op[3] & 1) == 0)
				drop(q, k);
			deliver(q == &up, m, (op[3] >> 2) & 3, op[2], op[1]);
			break;
		case 4:		/* a forgery for the hub */
		case 5:		/* for the node */
			if (!forge(op[0] % 8 == 4, op[3] & 3, op[1],
			    op[2] >> 5, m))
				break;
			m[op[2] & 31] ^= op[3] >> 4;
			deliver(op[0] % 8 == 4, m, (op[3] >> 2) & 3, op[1],
			    op[2]);
			break;
		case 6:		/* anything, from the input */
			len = op[1] % (LEN + 8);
			for (i = 0; i < len; i++)
				m[i] = next(&in);
			to_side(op[2] & 1, m, len);
			break;
		case 7:		/* lost */
			q = op[2] & 1 ? &up : &down;
			if (q->n > 0)
				drop(q, op[1] % q->n);
			break;
		}
	}
	relay_cred_clear(&hub);
	relayreg_end(&node);
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
	printf("seed %-8s %3zu bytes: REGISTERs built %d, taken %d, refused "
	    "%d; answers taken %d, refused %d\n", name, slen, st.built,
	    st.taken, st.refused, st.answered, st.ignored);
	slen = 0;
}

int
main(int argc, char *argv[])
{
	int	 i;

	if (argc != 2)
		return 2;

	/* a login, then REGISTERs every 20 s, each answered */
	put(0, 0, 0, 0);
	for (i = 0; i < 5; i++) {
		put(1, 1, 2, 0);	/* 20 s: one is due */
		put(2, 0, 0, 0);	/* the hub takes it */
		put(3, 0, 0, 0);	/* the node takes the answer */
	}
	seed(argv[1], "rounds");

	/* every message twice, then cut, then a byte long */
	put(0, 0, 1, 0);
	put(1, 0, 0, 1);		/* due now, and not again */
	put(1, 0, 3, 0);		/* a nanosecond early */
	put(1, 1, 3, 0);		/* on time */
	put(2, 0, 0, 1);		/* kept: it comes again */
	put(2, 0, 0, 0);		/* a replay */
	put(3, 0, 0, 1);
	put(3, 0, 0, 0);		/* a replayed answer */
	put(2, 0, 16, 1 | 4);		/* 16 bytes */
	put(2, 0, 0, 8);		/* 33 bytes */
	seed(argv[1], "replay");

	/* three REGISTERs out of order, answers in reverse, one too old */
	put(0, 0, 2, 0);
	for (i = 0; i < 6; i++)
		put(1, 1, 2, 0);
	put(2, 2, 0, 0);		/* the third of six first */
	put(2, 0, 0, 0);		/* older: refused */
	put(2, 3, 0, 0);		/* the sixth */
	put(3, 1, 0, 0);		/* the sixth's answer */
	put(3, 0, 0, 0);		/* the third's: older, refused */
	seed(argv[1], "reorder");

	/* a new login while the old one's messages are in flight */
	put(0, 0, 0, 0);
	put(1, 1, 2, 0);
	put(1, 1, 2, 0);
	put(2, 0, 0, 0);
	put(0, 1, 0, 0);		/* same id, new token, not given yet */
	put(2, 0, 0, 0);		/* an old one: a bad MAC */
	put(3, 0, 0, 0);		/* its answer still counts */
	put(0, 2, 0, 0);		/* RELAY_INFO now */
	put(1, 0, 0, 0);
	put(2, 0, 0, 0);
	put(3, 0, 0, 0);
	put(0, 3, 0, 0);		/* the hub's login ends */
	put(1, 1, 2, 0);
	put(2, 0, 0, 0);
	put(0, 4, 0, 0);		/* the node's ends */
	put(1, 1, 2, 0);
	seed(argv[1], "relogin");

	/* RELAY_INFO again: the counter starts over under the same token */
	put(0, 0, 0, 0);
	for (i = 0; i < 3; i++) {
		put(1, 1, 2, 0);
		put(2, 0, 0, 0);
	}
	put(3, 0, 0, 1);		/* answer 1, kept in flight */
	put(3, 2, 0, 1);		/* answer 3, kept */
	put(0, 2, 0, 0);		/* again */
	put(1, 0, 0, 0);		/* REGISTER 1 again */
	put(2, 0, 0, 0);		/* a replay to the hub */
	put(3, 1, 0, 0);		/* answer 2: not built since */
	put(3, 0, 0, 0);		/* answer 1: built again, taken */
	for (i = 0; i < 3; i++) {
		put(1, 1, 2, 0);	/* REGISTERs 2 to 4 */
		put(2, 0, 0, 0);	/* only 4 is news to the hub */
	}
	put(3, 0, 0, 0);		/* answer 3 */
	put(3, 0, 0, 0);		/* answer 4 */
	seed(argv[1], "again");

	/* forgeries of every kind, both ways */
	put(0, 0, 0, 0);
	put(1, 1, 2, 0);
	put(1, 1, 2, 0);
	put(4, 0, 31, 0x10);		/* the MAC's last byte */
	put(4, 0, 9, 0x10);		/* the counter */
	put(4, 0, 1, 0x12);		/* the zeros, from the other way */
	put(4, 0, 0x21, 3);		/* another token, the next counter */
	put(4, 1, 0, 1);		/* a logged one, unchanged */
	put(2, 0, 0, 0);
	put(5, 0, 17, 0x40);
	put(5, 0, 0, 2);		/* a REGISTER thrown back */
	put(5, 0, 0, 3);
	put(3, 0, 0, 0);
	put(6, 32, 1, 0);		/* 32 bytes of zeros to the hub */
	seed(argv[1], "forge");
	return 0;
}
#endif
