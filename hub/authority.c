/*
 * authority: the hub's only process with its static key.  It runs the
 * Noise IK responder for every node connection the engine carries,
 * logs nodes in, keeps presence (which online node has been told about
 * which peer), answers hamctl hub requests, and owns the database.
 * Membership decisions are in membership.c.
 *
 * What arrives from the engine is hostile until the channel says
 * otherwise: a frame that does not authenticate, decode, or fit the
 * session's state closes that one connection and nothing else.
 *
 * NAT traversal: each login gets a relay id and token (RELAY_INFO),
 * which the engine learns too (IMSG_HUBD_RELAY_ADD); the engine relays
 * only between the pairs this process allows (IMSG_HUBD_RELAY_PAIR),
 * which are exactly the pairs told about each other.  Candidates a node
 * sends are checked against what the hub can see, and go to its peers
 * (PEER_PATHS) together with theirs, so that both sides probe at once.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <time.h>
#include <unistd.h>

#include "hub/hubd_msg.h"
#include "proto/hubchan.h"
#include "proto/hubproto.h"
#include "crypto/key.h"
#include "privsep/log.h"
#include "privsep/policies.h"
#include "hub/membership.h"
#include "privsep/proc.h"
#include "privsep/sandbox.h"
#include "hub/store.h"
#include "crypto/tai64n.h"

#define DATABASE_PATH		"/data/hub.db"	/* inside the chroot */
#define CONN_BUCKETS		1024
#define KEY_BUCKETS		4096
#define SEEN_MAX		65536	/* handshake timestamps remembered */
#define TICK_MS			1000
/*
 * New node keys per source address (IPv4, or IPv6 /64): a burst of 32,
 * then one every 30 s.  Every new key takes a pool address for good,
 * so nobody may mint them by the thousand.
 */
#define NEWNODE_BURST		32
#define NEWNODE_REFILL_S	30
#define NEWNODE_SLOTS		1024
/*
 * CANDIDATES per session: a burst of 4, then one per 10 s.  Each one
 * costs up to two PEER_PATHS per online peer, and makes them all probe.
 * The last one over the rate waits for the next token (the 1 s tick).
 */
#define CAND_BURST		4
#define CAND_REFILL_S		10
/* FORWARD candidates kept per list: a node has a router or two. */
#define CAND_FORWARD_MAX	2

struct seen_ts {
	uint8_t		 key[HUB_KEY_LEN];
	uint8_t		 ts[TAI64N_LEN];
	struct seen_ts	*next;
};

struct authority {
	struct privsep		*ps;
	struct store		*store;
	struct noise_protocol	 proto;
	struct noise_static	*self;		/* sodium_malloc'd */
	int			 have_key;
	struct hubd_conf_msg	 conf;
	int			 have_conf;
	uint8_t			 pool6[16];	/* configured or derived */
	int			 plen6;
	time_t			 started;
	TAILQ_HEAD(, session)	 sessions;
	TAILQ_HEAD(, session)	 onlines;
	uint32_t		 nonline;
	struct session		*by_conn[CONN_BUCKETS];	/* chained: hnext */
	struct seen_ts		*seen[KEY_BUCKETS];
	uint32_t		 nseen;
	struct hubd_engine_stats engine;
	uint64_t		 cand_msgs;	/* CANDIDATES taken */
	uint64_t		 cand_limited;	/* over the rate: deferred (the
						   last one per session is
						   applied at the next token,
						   earlier ones replaced) */
	uint64_t		 cand_dropped;	/* entries that failed checks */
	struct event		*ev_tick;
	uint8_t			 pt[HUB_MSG_MAX];
	uint8_t			 frame[HUB_FRAME_MAX];
};

static struct authority	 au;

struct newnode_slot {
	uint8_t		 addr[17];
	int64_t		 last;
	int		 tokens;
};
static struct newnode_slot	 newnodes[NEWNODE_SLOTS];
static uint8_t			 newnode_secret[crypto_shorthash_KEYBYTES];

/* May this address bring one more new node key now?  Takes it if so. */
static int
newnode_allowed(const struct pkt_addr *a, int64_t now)
{
	struct newnode_slot	*f;
	uint8_t			 b[17], h[crypto_shorthash_BYTES];
	uint64_t		 v;

	memset(b, 0, sizeof(b));
	b[0] = a->af;
	memcpy(b + 1, a->addr, a->af == AF_INET6 ? 8 : 4);
	crypto_shorthash(h, b, sizeof(b), newnode_secret);
	memcpy(&v, h, sizeof(v));
	f = &newnodes[v % NEWNODE_SLOTS];
	if (f->last == 0) {
		f->tokens = NEWNODE_BURST;
		f->last = now;
	}
	/* A colliding address inherits the tokens left: no fresh burst. */
	memcpy(f->addr, b, sizeof(b));
	while (f->tokens < NEWNODE_BURST && now - f->last >= NEWNODE_REFILL_S) {
		f->tokens++;
		f->last += NEWNODE_REFILL_S;
	}
	if (f->tokens == NEWNODE_BURST)
		f->last = now;
	if (f->tokens <= 0)
		return 0;
	f->tokens--;
	return 1;
}

static void	session_close(struct session *, const char *why);

struct store *
authority_store(struct authority *a)
{
	return a->store;
}

int64_t
authority_now(void)
{
	return (int64_t)time(NULL);
}

static uint64_t
now_ns(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const char *
key_str(const uint8_t *key, char buf[KEY_B64_LEN + 1])
{
	key_to_base64(buf, key);
	return buf;
}

/* ---- sessions by connection and by key -------------------------------- */

static struct session **
conn_slot(uint32_t conn)
{
	return &au.by_conn[conn % CONN_BUCKETS];
}

static struct session *
session_by_conn(uint32_t conn)
{
	struct session	*s;

	for (s = *conn_slot(conn); s != NULL; s = s->hnext)
		if (s->conn == conn)
			return s;
	return NULL;
}

struct session *
authority_online(struct authority *a, const uint8_t *key)
{
	struct session	*s;

	TAILQ_FOREACH(s, &a->onlines, online)
		if (memcmp(s->key, key, HUB_KEY_LEN) == 0)
			return s;
	return NULL;
}

static void
session_free(struct session *s)
{
	struct session	**sp;

	for (sp = conn_slot(s->conn); *sp != NULL; sp = &(*sp)->hnext)
		if (*sp == s) {
			*sp = s->hnext;
			break;
		}
	TAILQ_REMOVE(&au.sessions, s, entry);
	if (s->chan != NULL) {
		hub_chan_clear(s->chan);
		sodium_free(s->chan);
	}
	free(s->told);
	sodium_memzero(s, sizeof(*s));	/* the relay token */
	free(s);
}

/* ---- handshake replay ------------------------------------------------- */

/*
 * A handshake must carry a later TAI64N timestamp than the last one we
 * accepted from the same key; a replayed INIT is refused before it can
 * cost the node its session.
 */
static int
ts_fresh(const uint8_t *key, const uint8_t ts[TAI64N_LEN])
{
	struct seen_ts	*e;
	uint32_t	 b;

	memcpy(&b, key, sizeof(b));
	b %= KEY_BUCKETS;
	for (e = au.seen[b]; e != NULL; e = e->next)
		if (memcmp(e->key, key, HUB_KEY_LEN) == 0)
			break;
	if (e != NULL) {
		if (memcmp(ts, e->ts, TAI64N_LEN) <= 0)
			return 0;
		memcpy(e->ts, ts, TAI64N_LEN);
		return 1;
	}
	if (au.nseen >= SEEN_MAX)
		return 1;	/* bounded memory; the channel is still fresh */
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return 1;
	memcpy(e->key, key, HUB_KEY_LEN);
	memcpy(e->ts, ts, TAI64N_LEN);
	e->next = au.seen[b];
	au.seen[b] = e;
	au.nseen++;
	return 1;
}

/* ---- sending ---------------------------------------------------------- */

static int
session_send(struct session *s, const struct hub_msg *m)
{
	size_t	 len, flen;

	if (s->state == SESSION_CLOSING || s->chan == NULL)
		return -1;
	if ((len = hub_msg_encode(m, au.pt, sizeof(au.pt))) == 0) {
		log_warnx("%s: cannot encode %s", __func__,
		    hub_msg_name(m->type));
		return -1;
	}
	if (hub_chan_seal(s->chan, au.pt, len, au.frame, sizeof(au.frame),
	    &flen) != WG_OK) {
		sodium_memzero(au.pt, len);
		session_close(s, "cannot seal a frame");
		return -1;
	}
	sodium_memzero(au.pt, len);
	proc_compose(au.ps, HUBD_PROC_ENGINE, IMSG_HUB_FRAME_OUT, s->conn, -1,
	    au.frame, flen);
	return 0;
}

void
session_respond(struct authority *a, struct session *s, uint32_t id,
    int code, const char *fmt, ...)
{
	struct hub_msg	 m;
	va_list		 ap;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_RESPONSE;
	m.u.resp.id = id;
	m.u.resp.code = code;
	va_start(ap, fmt);
	(void)vsnprintf(m.u.resp.msg, sizeof(m.u.resp.msg), fmt, ap);
	va_end(ap);
	(void)session_send(s, &m);
}

void
session_send_net(struct authority *a, struct session *s,
    const struct hub_net_info *ni)
{
	struct hub_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_NET_ENTRY;
	m.u.net = *ni;
	(void)session_send(s, &m);
}

void
session_send_member(struct authority *a, struct session *s,
    const struct hub_member_info *mi)
{
	struct hub_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_MEMBER_ENTRY;
	m.u.member = *mi;
	(void)session_send(s, &m);
}

/* ---- presence --------------------------------------------------------- */

static int
told_find(const struct session *s, const uint8_t *key, size_t *pos)
{
	size_t	 lo = 0, hi = s->ntold, mid;
	int	 c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = memcmp(s->told[mid], key, HUB_KEY_LEN);
		if (c == 0) {
			*pos = mid;
			return 1;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return 0;
}

static void
told_add(struct session *s, const uint8_t *key)
{
	size_t	 pos;
	void	*n;

	if (told_find(s, key, &pos))
		return;
	if (s->ntold == s->told_cap) {
		size_t	 cap = s->told_cap ? s->told_cap * 2 : 16;

		if ((n = reallocarray(s->told, cap, HUB_KEY_LEN)) == NULL)
			fatal("%s", __func__);
		s->told = n;
		s->told_cap = cap;
	}
	memmove(s->told[pos + 1], s->told[pos],
	    (s->ntold - pos) * HUB_KEY_LEN);
	memcpy(s->told[pos], key, HUB_KEY_LEN);
	s->ntold++;
}

static int
told_del(struct session *s, const uint8_t *key)
{
	size_t	 pos;

	if (!told_find(s, key, &pos))
		return 0;
	memmove(s->told[pos], s->told[pos + 1],
	    (s->ntold - pos - 1) * HUB_KEY_LEN);
	s->ntold--;
	return 1;
}

static void
send_peer(struct session *to, int type, const uint8_t *key)
{
	struct hub_msg		 m;
	struct store_node	 n;
	struct session		*o;

	memset(&m, 0, sizeof(m));
	m.type = (uint8_t)type;
	memcpy(m.u.peer.key, key, HUB_KEY_LEN);
	if (type == HUB_MSG_PEER_UP) {
		if ((o = authority_online(&au, key)) != NULL) {
			n = o->node;
			m.u.peer.endpoint = o->endpoint;
		} else if (store_node_get(au.store, key, &n) != STORE_OK)
			return;
		memcpy(m.u.peer.v4, n.v4, 4);
		memcpy(m.u.peer.v6, n.v6, 16);
		memcpy(m.u.peer.nick, n.nick, sizeof(m.u.peer.nick));
	}
	(void)session_send(to, &m);
}

/* Tell to where about may be reached, and its relay id: probe now. */
static void
send_paths(struct session *to, const struct session *about)
{
	struct hub_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_PEER_PATHS;
	memcpy(m.u.paths.key, about->key, HUB_KEY_LEN);
	m.u.paths.relay_id = about->relay_id;
	m.u.paths.cands = about->cands;
	(void)session_send(to, &m);
}

static void
relay_pair_send(const struct session *a, const struct session *b, int up)
{
	struct hubd_relay_pair	 p;

	if (a->relay_id == 0 || b->relay_id == 0)
		return;
	memset(&p, 0, sizeof(p));
	p.a = a->relay_id;
	p.b = b->relay_id;
	p.up = up;
	proc_compose(au.ps, HUBD_PROC_ENGINE, IMSG_HUBD_RELAY_PAIR, 0, -1, &p,
	    sizeof(p));
}

/*
 * Make both sides of a pair of online nodes know each other.  The
 * first time, each also gets the other's paths (both probe at once),
 * and the engine may relay between them from now on.
 */
static void
pair_up(struct session *a, struct session *b)
{
	size_t	 pos;
	int	 fresh = 0;

	if (!told_find(a, b->key, &pos)) {
		told_add(a, b->key);
		send_peer(a, HUB_MSG_PEER_UP, b->key);
		fresh = 1;
	}
	if (!told_find(b, a->key, &pos)) {
		told_add(b, a->key);
		send_peer(b, HUB_MSG_PEER_UP, a->key);
		fresh = 1;
	}
	if (!fresh)
		return;
	send_paths(a, b);
	send_paths(b, a);
	relay_pair_send(a, b, 1);
}

static void
pair_down(struct session *a, const uint8_t *keyp)
{
	struct session	*b;
	uint8_t		 key[HUB_KEY_LEN];

	/* keyp may point into a->told, which told_del() shifts. */
	memcpy(key, keyp, sizeof(key));
	if (told_del(a, key))
		send_peer(a, HUB_MSG_PEER_DOWN, key);
	if ((b = authority_online(&au, key)) == NULL)
		return;
	if (told_del(b, a->key))
		send_peer(b, HUB_MSG_PEER_DOWN, a->key);
	/* They share no network any more: no relaying either. */
	relay_pair_send(a, b, 0);
}

struct peerlist {
	uint8_t		(*keys)[HUB_KEY_LEN];
	size_t		 n, cap;
};

static int
peerlist_add(void *arg, const uint8_t peer[32])
{
	struct peerlist	*pl = arg;
	void		*n;

	if (pl->n == pl->cap) {
		size_t	 cap = pl->cap ? pl->cap * 2 : 64;

		if ((n = reallocarray(pl->keys, cap, HUB_KEY_LEN)) == NULL)
			fatal("%s", __func__);
		pl->keys = n;
		pl->cap = cap;
	}
	memcpy(pl->keys[pl->n++], peer, HUB_KEY_LEN);
	return 0;
}

static int
peerlist_has(const struct peerlist *pl, const uint8_t *key)
{
	size_t	 i;

	for (i = 0; i < pl->n; i++)
		if (memcmp(pl->keys[i], key, HUB_KEY_LEN) == 0)
			return 1;
	return 0;
}

/*
 * Bring one online node's peers in line with the store.  keys are the
 * nodes whose relation to it may have changed: any of them it is no
 * longer entitled to gets a PEER_DOWN even if it is not in the told
 * set (a peer that dropped its hub connection without logging out is
 * not, yet it may still hold a tunnel to it).
 */
static void
resync_one(struct session *s, const uint8_t (*keys)[32], size_t nkeys)
{
	struct peerlist	 pl;
	struct session	*o;
	size_t		 i, pos;

	memset(&pl, 0, sizeof(pl));
	if (store_peers_of(au.store, s->key, peerlist_add, &pl) != STORE_OK) {
		log_warnx("%s: %s", __func__, store_errmsg(au.store));
		free(pl.keys);
		return;
	}
	/* Lost peers first, from the end: told shrinks as we go. */
	for (i = s->ntold; i-- > 0;)
		if (!peerlist_has(&pl, s->told[i]))
			pair_down(s, s->told[i]);
	for (i = 0; i < nkeys; i++)
		if (memcmp(keys[i], s->key, HUB_KEY_LEN) != 0 &&
		    !peerlist_has(&pl, keys[i]) &&
		    !told_find(s, keys[i], &pos))
			send_peer(s, HUB_MSG_PEER_DOWN, keys[i]);
	for (i = 0; i < pl.n; i++)
		if ((o = authority_online(&au, pl.keys[i])) != NULL)
			pair_up(s, o);
	free(pl.keys);
}

void
presence_resync(struct authority *a, const uint8_t (*keys)[32], size_t n)
{
	struct session	*s;
	size_t		 i;

	for (i = 0; i < n; i++)
		if ((s = authority_online(a, keys[i])) != NULL)
			resync_one(s, keys, n);
}

/*
 * After a login: list every peer the node is entitled to (online ones
 * with an endpoint), end the list, and tell the online ones about it.
 */
static void
presence_login(struct session *s)
{
	struct peerlist	 pl;
	struct session	*o;
	size_t		 i;

	memset(&pl, 0, sizeof(pl));
	if (store_peers_of(au.store, s->key, peerlist_add, &pl) != STORE_OK) {
		/* An incomplete list must not end: it would remove peers. */
		log_warnx("%s: %s", __func__, store_errmsg(au.store));
		free(pl.keys);
		session_close(s, "hub database error");
		return;
	}
	for (i = 0; i < pl.n; i++) {
		if ((o = authority_online(&au, pl.keys[i])) != NULL)
			pair_up(s, o);
		else
			send_peer(s, HUB_MSG_PEER_UP, pl.keys[i]);
	}
	free(pl.keys);
	session_respond(&au, s, 0, 0, "peers listed");
}

/* Off line: gracefully (tear down) or lost (check liveness). */
static void
presence_logoff(struct session *s)
{
	struct session	*o;
	size_t		 i;

	for (i = 0; i < s->ntold; i++) {
		if ((o = authority_online(&au, s->told[i])) == NULL)
			continue;
		if (told_del(o, s->key))
			send_peer(o, s->graceful ? HUB_MSG_PEER_DOWN :
			    HUB_MSG_PEER_CHECK, s->key);
	}
	s->ntold = 0;
	TAILQ_REMOVE(&au.onlines, s, online);
	au.nonline--;
}

/* ---- the connection's life -------------------------------------------- */

static void
session_close(struct session *s, const char *why)
{
	char	 b64[KEY_B64_LEN + 1], ab[64];

	if (s->state == SESSION_CLOSING)
		return;
	if (s->state == SESSION_ONLINE) {
		presence_logoff(s);
		/* Its pairs go with it: no PAIR 0 per peer needed. */
		proc_compose(au.ps, HUBD_PROC_ENGINE, IMSG_HUBD_RELAY_DEL, 0,
		    -1, &s->relay_id, sizeof(s->relay_id));
		log_info("node %s logged off: %s", key_str(s->key, b64), why);
		audit(s->graceful ? "logout" : "connection-lost",
		    "node=%s from=%s reason=\"%s\"", b64,
		    pkt_addr_str(&s->remote, ab, sizeof(ab)), why);
	} else
		log_debug("connection %u from %s closed: %s", s->conn,
		    pkt_addr_str(&s->remote, ab, sizeof(ab)), why);
	s->state = SESSION_CLOSING;
	if (s->chan != NULL)
		hub_chan_clear(s->chan);
	proc_compose(au.ps, HUBD_PROC_ENGINE, IMSG_HUB_CONN_CLOSE, s->conn, -1,
	    NULL, 0);
}

static void
conn_open(uint32_t conn, const struct hub_conn_msg *cm)
{
	struct session	*s, **slot;

	if (session_by_conn(conn) != NULL)
		fatalx("engine reused connection id %u", conn);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		fatal("%s", __func__);
	s->conn = conn;
	s->remote = cm->remote;
	s->opened = now_ns();
	slot = conn_slot(conn);
	s->hnext = *slot;
	*slot = s;
	TAILQ_INSERT_TAIL(&au.sessions, s, entry);
	if (!au.have_key || !au.have_conf) {
		session_close(s, "hub not ready");
		return;
	}
	if ((s->chan = sodium_malloc(sizeof(*s->chan))) == NULL)
		fatal("%s: sodium_malloc", __func__);
	memset(s->chan, 0, sizeof(*s->chan));
}

static void
conn_closed(uint32_t conn)
{
	struct session	*s;

	if ((s = session_by_conn(conn)) == NULL)
		return;
	if (s->state != SESSION_CLOSING)
		session_close(s, "connection closed");
	session_free(s);
}

static void
handshake(struct session *s, const uint8_t *body, size_t len)
{
	uint8_t		 ts[TAI64N_LEN];
	char		 b64[KEY_B64_LEN + 1], ab[64];
	size_t		 outlen;
	int		 rc;

	if (len != HUB_CHAN_INIT_LEN || body[0] != HUB_FRAME_INIT) {
		session_close(s, "first frame is not a handshake");
		return;
	}
	if ((rc = hub_chan_accept_static(s->chan, &au.proto, au.self, body,
	    len)) != WG_OK) {
		/* Wrong hub key pinned by the node, or a forged message. */
		session_close(s, "handshake failed");
		return;
	}
	if (hub_chan_accept_finish(s->chan, body, len, ts, au.frame,
	    sizeof(au.frame), &outlen) != WG_OK) {
		session_close(s, "handshake failed");
		return;
	}
	memcpy(s->key, s->chan->remote, HUB_KEY_LEN);
	if (!ts_fresh(s->key, ts)) {
		log_warnx("replayed handshake for %s from %s",
		    key_str(s->key, b64), pkt_addr_str(&s->remote, ab, sizeof(ab)));
		audit("handshake-replay", "node=%s from=%s", b64, ab);
		session_close(s, "replayed handshake");
		return;
	}
	proc_compose(au.ps, HUBD_PROC_ENGINE, IMSG_HUB_FRAME_OUT, s->conn, -1,
	    au.frame, outlen);
	s->state = SESSION_WAIT_LOGIN;
}

static void
refuse(struct session *s, int reason, const char *msg)
{
	struct hub_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_LOGIN_REFUSED;
	m.u.refused.reason = (uint8_t)reason;
	(void)snprintf(m.u.refused.msg, sizeof(m.u.refused.msg), "%s", msg);
	(void)session_send(s, &m);
	session_close(s, msg);
}

/* ---- relay and candidates ------------------------------------------- */

/*
 * A relay id no other session holds (closing ones included: the engine
 * may not have dropped theirs yet), a token, the engine told, and the
 * one candidate the hub can vouch for: where the TCP connection came
 * from, with the node's UDP port.
 */
static void
relay_start(struct session *s)
{
	struct hubd_relay_msg	 rm;
	struct session		*o;
	uint32_t		 id;

	do {
		randombytes_buf(&id, sizeof(id));
		TAILQ_FOREACH(o, &au.sessions, entry)
			if (o->relay_id == id)
				break;
	} while (id == 0 || o != NULL);
	s->relay_id = id;
	randombytes_buf(s->relay_token, sizeof(s->relay_token));
	memset(&rm, 0, sizeof(rm));
	rm.conn = s->conn;
	rm.relay_id = s->relay_id;
	memcpy(rm.token, s->relay_token, sizeof(rm.token));
	proc_compose(au.ps, HUBD_PROC_ENGINE, IMSG_HUBD_RELAY_ADD, 0, -1, &rm,
	    sizeof(rm));
	sodium_memzero(&rm, sizeof(rm));

	memset(&s->cands, 0, sizeof(s->cands));
	s->cand_seen = 0;
	s->cand_deferred = 0;
	memset(&s->cand_next, 0, sizeof(s->cand_next));
	if (s->udp_port != 0) {
		s->cands.c[0].kind = HUB_CAND_OBSERVED;
		s->cands.c[0].addr = s->endpoint;
		s->cands.n = 1;
	}
	s->cand_tokens = CAND_BURST;
	s->cand_refill = authority_now();
}

static int
addr_same(const struct pkt_addr *a, const struct pkt_addr *b)
{
	return a->af == b->af && a->port == b->port &&
	    memcmp(a->addr, b->addr, a->af == AF_INET ? 4 : 16) == 0;
}

/* 10/8, 172.16/12, 192.168/16, 100.64/10 (carrier NAT), fc00::/7. */
static int
addr_private(const struct pkt_addr *a)
{
	const uint8_t	*p = a->addr;

	if (a->af == AF_INET)
		return p[0] == 10 || (p[0] == 172 && (p[1] & 0xf0) == 16) ||
		    (p[0] == 192 && p[1] == 168) ||
		    (p[0] == 100 && (p[1] & 0xc0) == 64);
	return a->af == AF_INET6 && (p[0] & 0xfe) == 0xfc;
}

/*
 * Somewhere a node could be sent unicast UDP from afar: not 0/8,
 * loopback, link-local, multicast, 240/4 (broadcast included); for
 * IPv6 not ::, ::1, fe80::/10, ff00::/8, nor an IPv4-mapped address
 * (an IPv4 candidate says AF_INET).
 */
static int
addr_unicast(const struct pkt_addr *a)
{
	static const uint8_t	 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	const uint8_t		*p = a->addr;

	if (a->af == AF_INET)
		return p[0] != 0 && p[0] != 127 && !(p[0] == 169 &&
		    p[1] == 254) && p[0] < 224;
	if (a->af != AF_INET6)
		return 0;
	if (sodium_is_zero(p, 15) && (p[15] == 0 || p[15] == 1))
		return 0;
	if (p[0] == 0xff || (p[0] == 0xfe && (p[1] & 0xc0) == 0x80))
		return 0;
	return memcmp(p, mapped, sizeof(mapped)) != 0;
}

/* Whether the first plen bits of addr are those of prefix. */
static int
prefix_has(const uint8_t *prefix, int plen, const uint8_t *addr)
{
	int	 n = plen / 8, r = plen % 8;

	if (memcmp(prefix, addr, (size_t)n) != 0)
		return 0;
	return r == 0 ||
	    ((prefix[n] ^ addr[n]) & (uint8_t)(0xff << (8 - r))) == 0;
}

/*
 * In the hub's own overlay pools (the addresses nodes get inside the
 * tunnel): a "LAN" candidate there would have every peer send tunnel
 * packets into its own tunnel.
 */
static int
addr_overlay(const struct pkt_addr *a)
{
	if (a->af == AF_INET)
		return au.conf.pool4.af == AF_INET && prefix_has(
		    (const uint8_t *)&au.conf.pool4.addr, au.conf.pool4.plen,
		    a->addr);
	return a->af == AF_INET6 && au.plen6 > 0 &&
	    prefix_has(au.pool6, au.plen6, a->addr);
}

/* The same IP (any port) as the node's hub connection. */
static int
addr_is_remote(const struct session *s, const struct pkt_addr *a)
{
	return a->af == s->remote.af && memcmp(a->addr, s->remote.addr,
	    a->af == AF_INET ? 4 : 16) == 0;
}

/*
 * What a node may claim: LAN addresses only in private ranges (they
 * are tried by every peer, so they must not aim peers at the public
 * Internet) and outside the hub's overlay pools; a public address or a
 * port forward only on the IP the hub sees the node connect from (a
 * port forward lives on the router the node reaches the hub through:
 * anything else would let a node aim every peer's probes at a third
 * party).  OBSERVED is the hub's own word.
 */
static int
cand_ok(const struct session *s, const struct hub_candidate *c)
{
	switch (c->kind) {
	case HUB_CAND_LAN:
		return addr_private(&c->addr) && !addr_overlay(&c->addr);
	case HUB_CAND_PUBLIC:
		return addr_is_remote(s, &c->addr);
	case HUB_CAND_FORWARD:
		return addr_is_remote(s, &c->addr) && addr_unicast(&c->addr);
	default:
		return 0;
	}
}

static int
cand_allowed(struct session *s, int64_t now)
{
	while (s->cand_tokens < CAND_BURST &&
	    now - s->cand_refill >= CAND_REFILL_S) {
		s->cand_tokens++;
		s->cand_refill += CAND_REFILL_S;
	}
	if (s->cand_tokens == CAND_BURST)
		s->cand_refill = now;
	if (s->cand_tokens <= 0)
		return 0;
	s->cand_tokens--;
	return 1;
}

/*
 * Apply a node's new candidate list: checked, deduplicated, at most
 * CAND_FORWARD_MAX port forwards, the observed address added, and sent
 * to every online peer (which probes at once).  The node gets its
 * peers' paths back too, except for its first list since the login:
 * pair_up() sent them moments ago, and they have not changed since (a
 * peer's change is sent to it as it happens).
 */
static void
cand_apply(struct session *s, const struct hub_candidates *in)
{
	struct hub_candidates	 nc;
	struct hub_candidate	 obs;
	struct session		*o;
	char			 b64[KEY_B64_LEN + 1];
	size_t			 i, j;
	int			 dropped = 0, nfwd = 0, first;

	au.cand_msgs++;
	memset(&nc, 0, sizeof(nc));
	nc.nat = in->nat;
	for (i = 0; i < in->n && i < HUB_CAND_MAX; i++) {
		if (!cand_ok(s, &in->c[i]) ||
		    (in->c[i].kind == HUB_CAND_FORWARD &&
		    nfwd >= CAND_FORWARD_MAX)) {
			dropped++;
			continue;
		}
		for (j = 0; j < nc.n; j++)
			if (addr_same(&nc.c[j].addr, &in->c[i].addr))
				break;
		if (j < nc.n)
			continue;
		if (in->c[i].kind == HUB_CAND_FORWARD)
			nfwd++;
		nc.c[nc.n].kind = in->c[i].kind;
		nc.c[nc.n].addr = in->c[i].addr;
		nc.n++;
	}
	if (s->udp_port != 0 && nc.n < HUB_CAND_MAX) {
		memset(&obs, 0, sizeof(obs));
		obs.kind = HUB_CAND_OBSERVED;
		obs.addr = s->endpoint;
		for (j = 0; j < nc.n; j++)
			if (addr_same(&nc.c[j].addr, &obs.addr))
				break;
		if (j == nc.n)
			nc.c[nc.n++] = obs;
	}
	if (dropped > 0) {
		au.cand_dropped += (uint64_t)dropped;
		log_debug("node %s: %d of %u candidates dropped",
		    key_str(s->key, b64), dropped, in->n);
	}
	s->cands = nc;
	first = !s->cand_seen;
	s->cand_seen = 1;
	for (i = 0; i < s->ntold; i++) {
		if ((o = authority_online(&au, s->told[i])) == NULL)
			continue;
		send_paths(o, s);
		if (!first)
			send_paths(s, o);
	}
}

/*
 * A CANDIDATES from a node.  Over the rate it is not lost: it waits
 * (replacing any older one waiting) until a token refills, and
 * authority_tick() applies it then.
 */
static void
candidates(struct session *s, const struct hub_candidates *in)
{
	char	 b64[KEY_B64_LEN + 1];

	if (!cand_allowed(s, authority_now())) {
		au.cand_limited++;
		s->cand_next = *in;
		s->cand_deferred = 1;
		log_debug("node %s: candidates over the rate, deferred",
		    key_str(s->key, b64));
		return;
	}
	/* A newer list than the one waiting: that one is stale now. */
	s->cand_deferred = 0;
	cand_apply(s, in);
}

/* The 1 s tick: apply the lists that waited for a token. */
static void
cand_deferred_run(void)
{
	struct session	*s;
	int64_t		 now = authority_now();

	/*
	 * All sessions, not the online list: applying one may close
	 * another (a frame it cannot seal), which leaves the online list
	 * but stays in this one until the engine says it is closed.
	 */
	TAILQ_FOREACH(s, &au.sessions, entry) {
		if (s->state != SESSION_ONLINE || !s->cand_deferred ||
		    !cand_allowed(s, now))
			continue;
		s->cand_deferred = 0;
		cand_apply(s, &s->cand_next);
	}
}

static void
login(struct session *s, const struct hub_login *lg)
{
	struct hub_msg	 m;
	struct session	*old;
	char		 b64[KEY_B64_LEN + 1], ab[64], v4[INET_ADDRSTRLEN];
	uint8_t		 ip[16];
	int		 rc, af;

	key_str(s->key, b64);
	pkt_addr_str(&s->remote, ab, sizeof(ab));
	if (lg->version != HUB_PROTOCOL_VERSION) {
		refuse(s, HUB_REFUSED_VERSION, "protocol version not "
		    "supported by this hub; upgrade hamd");
		return;
	}
	memset(ip, 0, sizeof(ip));
	af = s->remote.af;
	memcpy(ip, s->remote.addr, af == AF_INET ? 4 : 16);
	if ((rc = store_block_match(au.store, af, ip)) < 0) {
		log_warnx("block check: %s", store_errmsg(au.store));
		refuse(s, HUB_REFUSED_BUSY, "hub database error; try later");
		return;
	}
	if (rc != 0) {
		audit("login-blocked", "node=%s from=%s", b64, ab);
		refuse(s, HUB_REFUSED_BLOCKED, "this address range is "
		    "blocked by the hub operator");
		return;
	}
	if ((rc = store_node_get(au.store, s->key, NULL)) == STORE_NOTFOUND &&
	    !newnode_allowed(&s->remote, authority_now())) {
		audit("login-new-ratelimited", "node=%s from=%s", b64, ab);
		refuse(s, HUB_REFUSED_BUSY, "too many new nodes from this "
		    "address; try again later");
		return;
	}
	rc = store_node_login(au.store, s->key,
	    (const uint8_t *)&au.conf.pool4.addr, au.conf.pool4.plen,
	    au.pool6, au.plen6, authority_now(), &s->node);
	if (rc == STORE_FULL) {
		refuse(s, HUB_REFUSED_POOL_FULL, "the hub's address pool is "
		    "full");
		return;
	}
	if (rc != STORE_OK) {
		log_warnx("login of %s: %s", b64, store_errmsg(au.store));
		refuse(s, HUB_REFUSED_BUSY, "hub database error; try later");
		return;
	}
	if (lg->nick[0] != '\0' && hub_nick_valid(lg->nick) &&
	    strcmp(lg->nick, s->node.nick) != 0 &&
	    store_node_set_nick(au.store, s->key, lg->nick) == STORE_OK)
		(void)snprintf(s->node.nick, sizeof(s->node.nick), "%s",
		    lg->nick);
	/* One session per node: a new login replaces an old one. */
	if ((old = authority_online(&au, s->key)) != NULL) {
		old->graceful = 0;
		session_close(old, "replaced by a new login");
	}
	s->udp_port = lg->udp_port;
	s->endpoint = s->remote;
	s->endpoint.port = htons(lg->udp_port);
	s->state = SESSION_ONLINE;
	TAILQ_INSERT_TAIL(&au.onlines, s, online);
	au.nonline++;
	relay_start(s);

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_LOGIN_OK;
	memcpy(m.u.login_ok.v4, s->node.v4, 4);
	m.u.login_ok.v4_plen = au.conf.pool4.plen;
	memcpy(m.u.login_ok.v6, s->node.v6, 16);
	m.u.login_ok.v6_plen = (uint8_t)au.plen6;
	m.u.login_ok.observed = s->remote;
	(void)session_send(s, &m);
	/* Before any PEER_PATHS naming peers' relay ids. */
	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_RELAY_INFO;
	m.u.relay.relay_id = s->relay_id;
	memcpy(m.u.relay.token, s->relay_token, HUB_RELAY_TOKEN_LEN);
	(void)session_send(s, &m);
	sodium_memzero(&m, sizeof(m));
	(void)inet_ntop(AF_INET, s->node.v4, v4, sizeof(v4));
	log_info("node %s logged in from %s as %s", b64, ab, v4);
	audit("login", "node=%s from=%s address=%s", b64, ab, v4);
	presence_login(s);
}

static void
online_message(struct session *s, struct hub_msg *m)
{
	struct hub_msg	 pong;

	switch (m->type) {
	case HUB_MSG_PING:
		memset(&pong, 0, sizeof(pong));
		pong.type = HUB_MSG_PONG;
		pong.u.ping = m->u.ping;
		(void)session_send(s, &pong);
		break;
	case HUB_MSG_PONG:
		break;
	case HUB_MSG_LOGOUT:
		s->graceful = 1;
		session_close(s, "logged out");
		break;
	case HUB_MSG_REQUEST:
		membership_request(&au, s, &m->u.req);
		break;
	case HUB_MSG_CANDIDATES:
		candidates(s, &m->u.cands);
		break;
	case HUB_MSG_LOGIN:
		session_close(s, "node sent a second login");
		break;
	default:
		session_close(s, "node sent a message only hubs send");
		break;
	}
}

static void
frame_in(uint32_t conn, const uint8_t *body, size_t len)
{
	struct session	*s;
	struct hub_msg	 m;
	size_t		 ptlen;

	if ((s = session_by_conn(conn)) == NULL || s->state == SESSION_CLOSING)
		return;
	if (s->state == SESSION_WAIT_INIT) {
		handshake(s, body, len);
		return;
	}
	if (hub_chan_open(s->chan, body, len, au.pt, sizeof(au.pt), &ptlen) !=
	    WG_OK) {
		session_close(s, "a frame failed authentication");
		return;
	}
	if (hub_msg_decode(&m, au.pt, ptlen) == -1) {
		sodium_memzero(au.pt, ptlen);
		session_close(s, "malformed message");
		return;
	}
	sodium_memzero(au.pt, ptlen);
	if (s->state == SESSION_WAIT_LOGIN) {
		if (m.type != HUB_MSG_LOGIN)
			session_close(s, "first message is not a login");
		else
			login(s, &m.u.login);
	} else
		online_message(s, &m);
	sodium_memzero(&m, sizeof(m));
}

/* ---- set-up ----------------------------------------------------------- */

/*
 * Without a configured IPv6 pool the hub makes a ULA /64 (RFC 4193: fd,
 * a random 40-bit global ID, subnet 0) once and keeps it in the
 * database, so addresses survive restarts.
 */
static void
pool6_setup(void)
{
	uint8_t	 ula[16];

	if (au.conf.pool6.plen != 0) {
		memcpy(au.pool6, &au.conf.pool6.addr, 16);
		au.plen6 = au.conf.pool6.plen;
		return;
	}
	memset(ula, 0, sizeof(ula));
	ula[0] = 0xfd;
	randombytes_buf(ula + 1, 5);
	if (store_meta_get_or_set(au.store, "ula6", ula, sizeof(ula)) !=
	    STORE_OK)
		fatalx("cannot keep the IPv6 prefix: %s",
		    store_errmsg(au.store));
	memcpy(au.pool6, ula, 16);
	au.plen6 = 64;
}

static void
authority_tick(int fd, short ev, void *arg)
{
	struct session	*s, *next;
	uint64_t	 now = now_ns();
	uint64_t	 limit = (uint64_t)(au.conf.login_timeout ?
	    au.conf.login_timeout : 10) * 1000000000u;

	/*
	 * Connections must log in within the login timeout.  One that has
	 * not sent a whole frame yet is the engine's to close (it counts
	 * it in closed_idle, and spares it while reading is paused); a
	 * second timer here would race the engine's for it.
	 */
	for (s = TAILQ_FIRST(&au.sessions); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (s->state == SESSION_WAIT_LOGIN && now - s->opened > limit)
			session_close(s, "did not log in in time");
	}
	cand_deferred_run();
}

/* ---- hamctl hub ------------------------------------------------------- */

static void
ctl_result(uint32_t client, int code, const char *fmt, ...)
{
	struct ctl_result	 r;
	va_list			 ap;

	memset(&r, 0, sizeof(r));
	r.code = code;
	va_start(ap, fmt);
	(void)vsnprintf(r.msg, sizeof(r.msg), fmt, ap);
	va_end(ap);
	proc_compose(au.ps, HUBD_PROC_CONTROL, IMSG_CTL_RESULT, client, -1, &r,
	    sizeof(r));
}

static void
ctl_status(uint32_t client)
{
	struct ctl_hubd_status	 st;
	int			 i;

	memset(&st, 0, sizeof(st));
	(void)snprintf(st.version, sizeof(st.version), "%s", PACKAGE_VERSION);
	st.uptime = (int64_t)(time(NULL) - au.started);
	if (au.have_key)
		key_to_base64(st.pubkey, au.self->pub);
	(void)store_node_count(au.store, &st.nodes);
	st.online = au.nonline;
	(void)store_net_count(au.store, &st.networks);
	(void)store_block_count(au.store, &st.blocks);
	st.pool4 = au.conf.pool4;
	st.pool6.af = AF_INET6;
	st.pool6.plen = (uint8_t)au.plen6;
	memcpy(&st.pool6.addr, au.pool6, 16);
	st.engine = au.engine;
	st.nprocs = PROC_MAX;
	for (i = 0; i < PROC_MAX; i++) {
		(void)snprintf(st.procs[i].name, sizeof(st.procs[i].name),
		    "%s", au.ps->procs[i].name);
		st.procs[i].pid = au.conf.pids[i];
	}
	proc_compose(au.ps, HUBD_PROC_CONTROL, IMSG_CTL_HUBD_STATUS_REPLY,
	    client, -1, &st, sizeof(st));
}

struct ctl_walk {
	uint32_t	 client;
	uint32_t	 n;
};

static int
ctl_node(void *arg, const struct store_node *n)
{
	struct ctl_walk		*w = arg;
	struct hub_member_info	 mi;
	struct session		*s;

	memset(&mi, 0, sizeof(mi));
	memcpy(mi.key, n->key, HUB_KEY_LEN);
	memcpy(mi.nick, n->nick, sizeof(mi.nick));
	memcpy(mi.v4, n->v4, 4);
	memcpy(mi.v6, n->v6, 16);
	mi.last_seen = n->last_seen;
	if ((s = authority_online(&au, n->key)) != NULL) {
		mi.online = 1;
		mi.endpoint = s->endpoint;
	}
	proc_compose(au.ps, HUBD_PROC_CONTROL, IMSG_CTL_HUB_MEMBER, w->client,
	    -1, &mi, sizeof(mi));
	w->n++;
	return 0;
}

static int
ctl_net(void *arg, const struct store_net *net)
{
	struct ctl_walk		*w = arg;
	struct hub_net_info	 ni;

	membership_net_info(&au, net, NULL, &ni);
	proc_compose(au.ps, HUBD_PROC_CONTROL, IMSG_CTL_HUB_NET, w->client,
	    -1, &ni, sizeof(ni));
	w->n++;
	return 0;
}

static int
ctl_block_entry(void *arg, const struct store_block *b)
{
	struct ctl_walk	*w = arg;
	struct ctl_cidr	 c;

	memset(&c, 0, sizeof(c));
	c.prefix.af = b->af;
	c.prefix.plen = b->plen;
	memcpy(&c.prefix.addr, b->addr, b->af == AF_INET ? 4 : 16);
	proc_compose(au.ps, HUBD_PROC_CONTROL, IMSG_CTL_HUBD_CIDR, w->client,
	    -1, &c, sizeof(c));
	w->n++;
	return 0;
}

static void
ctl_block(uint32_t client, const struct ctl_cred *cred,
    const struct ctl_cidr *c, int add)
{
	struct store_block	 b;
	struct session		*s, *next;
	char			 buf[PREFIX_STRLEN];
	int			 rc;

	if ((c->prefix.af != AF_INET || c->prefix.plen > 32) &&
	    (c->prefix.af != AF_INET6 || c->prefix.plen > 128)) {
		ctl_result(client, EINVAL, "not an address range");
		return;
	}
	memset(&b, 0, sizeof(b));
	b.af = (uint8_t)c->prefix.af;
	b.plen = c->prefix.plen;
	memcpy(b.addr, &c->prefix.addr, b.af == AF_INET ? 4 : 16);
	b.created = authority_now();
	prefix_str(&c->prefix, buf, sizeof(buf));
	rc = add ? store_block_add(au.store, &b) :
	    store_block_remove(au.store, &b);
	if (rc == STORE_EXISTS) {
		ctl_result(client, EEXIST, "%s is already blocked", buf);
		return;
	}
	if (rc == STORE_NOTFOUND) {
		ctl_result(client, ENOENT, "%s is not blocked", buf);
		return;
	}
	if (rc != STORE_OK) {
		ctl_result(client, EIO, "database: %s",
		    store_errmsg(au.store));
		return;
	}
	audit(add ? "block" : "unblock", "range=%s uid=%u", buf, cred->uid);
	if (!add) {
		ctl_result(client, 0, "%s unblocked", buf);
		return;
	}
	/* Nodes already in the range are logged off now. */
	for (s = TAILQ_FIRST(&au.onlines); s != NULL; s = next) {
		next = TAILQ_NEXT(s, online);
		if (store_block_match(au.store, s->remote.af,
		    s->remote.addr) == 1) {
			s->graceful = 1;
			refuse(s, HUB_REFUSED_BLOCKED, "this address range "
			    "is blocked by the hub operator");
		}
	}
	ctl_result(client, 0, "%s blocked", buf);
}

static void
authority_dispatch_control(struct privsep *ps, int from, struct imsg *imsg)
{
	struct ctl_cred		 cred;
	struct ctl_cidr		 cidr;
	struct ctl_walk		 w;
	uint32_t		 client = imsg->hdr.peerid;

	memcpy(&cred, imsg->data, sizeof(cred));
	memset(&w, 0, sizeof(w));
	w.client = client;
	switch (imsg->hdr.type) {
	case IMSG_CTL_STATUS:
		ctl_result(client, EOPNOTSUPP, "this is hamhubd's socket: use "
		    "'hamctl hub status' here, 'hamctl status' on a node");
		break;
	case IMSG_CTL_HUBD_STATUS:
		ctl_status(client);
		break;
	case IMSG_CTL_HUBD_NODES:
		if (store_node_foreach(au.store, ctl_node, &w) != STORE_OK)
			ctl_result(client, EIO, "database: %s",
			    store_errmsg(au.store));
		else
			ctl_result(client, 0, "%u nodes", w.n);
		break;
	case IMSG_CTL_HUBD_NETWORKS:
		if (store_net_foreach(au.store, ctl_net, &w) != STORE_OK)
			ctl_result(client, EIO, "database: %s",
			    store_errmsg(au.store));
		else
			ctl_result(client, 0, "%u networks", w.n);
		break;
	case IMSG_CTL_HUBD_BLOCKS:
		if (store_block_foreach(au.store, ctl_block_entry, &w) !=
		    STORE_OK)
			ctl_result(client, EIO, "database: %s",
			    store_errmsg(au.store));
		else
			ctl_result(client, 0, "%u blocked ranges", w.n);
		break;
	case IMSG_CTL_HUBD_BLOCK:
	case IMSG_CTL_HUBD_UNBLOCK:
		memcpy(&cidr, (const uint8_t *)imsg->data + sizeof(cred),
		    sizeof(cidr));
		ctl_block(client, &cred, &cidr,
		    imsg->hdr.type == IMSG_CTL_HUBD_BLOCK);
		break;
	default:
		fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
	}
}

static void
authority_dispatch_engine(struct privsep *ps, int from, struct imsg *imsg)
{
	struct hub_conn_msg	 cm;

	switch (imsg->hdr.type) {
	case IMSG_HUB_CONN_OPEN:
		(void)imsg_get_data(imsg, &cm, sizeof(cm));
		conn_open(imsg->hdr.peerid, &cm);
		break;
	case IMSG_HUB_FRAME_IN:
		frame_in(imsg->hdr.peerid, imsg->data, imsg->datalen);
		break;
	case IMSG_HUB_CONN_CLOSED:
		conn_closed(imsg->hdr.peerid);
		break;
	case IMSG_HUBD_ENGINE_STATS:
		(void)imsg_get_data(imsg, &au.engine, sizeof(au.engine));
		break;
	default:
		fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
	}
}

static void
authority_dispatch_parent(struct privsep *ps, int from, struct imsg *imsg)
{
	uint8_t	 priv[KEY_LEN];

	switch (imsg->hdr.type) {
	case IMSG_HUBD_PRIVKEY:
		if (au.have_key)
			fatalx("parent sent a second private key");
		(void)imsg_get_data(imsg, priv, sizeof(priv));
		memcpy(au.self->priv, priv, KEY_LEN);
		sodium_memzero(priv, sizeof(priv));
		if (key_public(au.self->pub, au.self->priv) == -1)
			fatalx("the hub key has a low-order public key");
		au.have_key = 1;
		proc_compose(ps, PROC_PARENT, IMSG_HUBD_PUBKEY, 0, -1,
		    au.self->pub, KEY_LEN);
		break;
	case IMSG_HUBD_CONF:
		(void)imsg_get_data(imsg, &au.conf, sizeof(au.conf));
		if (au.conf.pool4.af != AF_INET || au.conf.pool4.plen < 8 ||
		    au.conf.pool4.plen > 30 || (au.conf.pool6.plen != 0 &&
		    (au.conf.pool6.af != AF_INET6 ||
		    au.conf.pool6.plen < 48 || au.conf.pool6.plen > 96)))
			fatalx("parent sent unusable address pools");
		au.have_conf = 1;
		pool6_setup();
		break;
	default:
		fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
	}
}

static const struct proc_peer authority_peers[] = {
	{ PROC_PARENT, authority_dispatch_parent },
	{ HUBD_PROC_CONTROL, authority_dispatch_control },
	{ HUBD_PROC_ENGINE, authority_dispatch_engine },
};

void
authority_run(struct privsep *ps)
{
	struct timeval	 tick = { TICK_MS / 1000, 0 };
	char		 err[256];

	if (sodium_init() < 0)
		fatalx("libsodium failed to initialise");
	memset(&au, 0, sizeof(au));
	au.ps = ps;
	au.started = time(NULL);
	TAILQ_INIT(&au.sessions);
	TAILQ_INIT(&au.onlines);
	randombytes_buf(newnode_secret, sizeof(newnode_secret));
	if ((au.self = sodium_malloc(sizeof(*au.self))) == NULL)
		fatal("%s: sodium_malloc", __func__);
	if (hub_proto_init(&au.proto) != WG_OK)
		fatalx("cannot set up the hub protocol");
	proc_child_setup(ps);
	/* In the chroot now: the database directory is all there is. */
	if ((au.store = store_open(DATABASE_PATH, err, sizeof(err))) == NULL)
		fatalx("database: %s", err);
	proc_peers(ps, authority_peers, nitems(authority_peers));
	au.ev_tick = event_new(ps->base, -1, EV_PERSIST, authority_tick, NULL);
	if (au.ev_tick == NULL || event_add(au.ev_tick, &tick) == -1)
		fatalx("cannot start the timer");
	proc_child_loop(ps, &policy_hubd_authority);
}
