/*
 * A node connection's life in the authority; see login.h.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "crypto/tai64n.h"
#include "hub/candidates.h"
#include "hub/login.h"
#include "hub/membership.h"
#include "hub/presence.h"
#include "hub/ratelimit.h"
#include "hub/relaycheck.h"
#include "hub/session.h"
#include "privsep/log.h"
#include "privsep/proc.h"

#define SEEN_BUCKETS		4096
#define SEEN_MAX		65536	/* handshake timestamps remembered */
/*
 * New node keys per source address (IPv4, or IPv6 /64): a burst of 32,
 * then one every 30 s.  Every new key takes a pool address for good,
 * so nobody may mint them by the thousand.
 */
#define NEWNODE_BURST		32
#define NEWNODE_REFILL_S	30
#define NEWNODE_SLOTS		1024

struct seen_ts {
	uint8_t		 key[HUB_KEY_LEN];
	uint8_t		 ts[TAI64N_LEN];
	struct seen_ts	*next;
};

static struct seen_ts		*seen[SEEN_BUCKETS];
static uint32_t			 nseen;
static struct bucket_table	 newnodes;	/* per source */
static uint8_t			 pt[HUB_MSG_MAX];
static uint8_t			 frame[HUB_FRAME_MAX];

void
login_init(void)
{
	if (bucket_table_init(&newnodes, NEWNODE_SLOTS) == -1)
		fatal("%s", __func__);
}

/* May this address bring one more new node key now?  Takes it if so. */
static int
newnode_allowed(const struct pkt_addr *a, int64_t now)
{
	uint8_t	 k[SRC_KEY_LEN];

	src_key(a, k);
	return bucket_take(bucket_table_find(&newnodes, k, sizeof(k)),
	    NEWNODE_BURST, NEWNODE_REFILL_S, now);
}

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
	b %= SEEN_BUCKETS;
	for (e = seen[b]; e != NULL; e = e->next)
		if (memcmp(e->key, key, HUB_KEY_LEN) == 0)
			break;
	if (e != NULL) {
		if (memcmp(ts, e->ts, TAI64N_LEN) <= 0)
			return 0;
		memcpy(e->ts, ts, TAI64N_LEN);
		return 1;
	}
	if (nseen >= SEEN_MAX)
		return 1;	/* bounded memory; the channel is still fresh */
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return 1;
	memcpy(e->key, key, HUB_KEY_LEN);
	memcpy(e->ts, ts, TAI64N_LEN);
	e->next = seen[b];
	seen[b] = e;
	nseen++;
	return 1;
}

/* ---- the end ---------------------------------------------------------- */

/* The one way a session ends; the engine closes its connection. */
static void
session_close(struct session *s, const char *why)
{
	char	 b64[KEY_B64_LEN + 1], ab[ADDR_STRLEN];

	if (s->state == SESSION_CLOSING)
		return;
	if (s->state == SESSION_ONLINE) {
		presence_logoff(s);
		relaycheck_end(s);
		log_info("node %s logged off: %s", key_str(s->key, b64), why);
		/* The session's record: how long it lasted, and why. */
		audit(s->graceful ? "logout" : "connection-lost",
		    "node=%s from=%s reason=\"%s\" duration=%llu", b64,
		    pkt_addr_str(&s->remote, ab, sizeof(ab)), why,
		    (unsigned long long)((authority_ns() - s->opened) /
		    1000000000u));
	} else
		log_debug("connection %u from %s closed: %s", s->conn,
		    pkt_addr_str(&s->remote, ab, sizeof(ab)), why);
	s->state = SESSION_CLOSING;
	if (s->chan != NULL)
		hub_chan_clear(s->chan);
	proc_compose(au.ps, HUBD_PROC_ENGINE, IMSG_HUB_CONN_CLOSE, s->conn, -1,
	    NULL, 0);
}

void
login_reap(void)
{
	struct session	*s;

	/* Closing one may fail another (telling its peers): again, then. */
	while (au.nfailed > 0) {
		au.nfailed = 0;
		TAILQ_FOREACH(s, &au.sessions, entry)
			if (s->failed != NULL && s->state != SESSION_CLOSING)
				session_close(s, s->failed);
	}
}

void
login_refuse(struct session *s, int reason, const char *msg)
{
	struct hub_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_LOGIN_REFUSED;
	m.u.refused.reason = (uint8_t)reason;
	(void)snprintf(m.u.refused.msg, sizeof(m.u.refused.msg), "%s", msg);
	(void)session_send(s, &m);
	session_close(s, msg);
}

void
login_timeouts(uint64_t now)
{
	struct session	*s, *next;
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
}

/* ---- the connection --------------------------------------------------- */

void
login_conn_open(uint32_t conn, const struct hub_conn_msg *cm)
{
	struct session	*s;

	if (session_by_conn(conn) != NULL)
		fatalx("engine reused connection id %u", conn);
	s = session_new(conn, &cm->remote);
	if (!au.have_key || !au.have_conf) {
		session_close(s, "hub not ready");
		return;
	}
	if ((s->chan = sodium_malloc(sizeof(*s->chan))) == NULL)
		fatal("%s: sodium_malloc", __func__);
	memset(s->chan, 0, sizeof(*s->chan));
}

void
login_conn_closed(uint32_t conn)
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
	char		 b64[KEY_B64_LEN + 1], ab[ADDR_STRLEN];
	size_t		 outlen;

	if (len != HUB_CHAN_INIT_LEN || body[0] != HUB_FRAME_INIT) {
		session_close(s, "first frame is not a handshake");
		return;
	}
	if (hub_chan_accept_static(s->chan, &au.proto, au.self, body, len) !=
	    WG_OK) {
		/* Wrong hub key pinned by the node, or a forged message. */
		session_close(s, "handshake failed");
		return;
	}
	if (hub_chan_accept_finish(s->chan, body, len, ts, frame,
	    sizeof(frame), &outlen) != WG_OK) {
		session_close(s, "handshake failed");
		return;
	}
	memcpy(s->key, s->chan->remote, HUB_KEY_LEN);
	if (!ts_fresh(s->key, ts)) {
		log_warnx("replayed handshake for %s from %s",
		    key_str(s->key, b64), pkt_addr_str(&s->remote, ab,
		    sizeof(ab)));
		audit("handshake-replay", "node=%s from=%s", b64, ab);
		session_close(s, "replayed handshake");
		return;
	}
	proc_compose(au.ps, HUBD_PROC_ENGINE, IMSG_HUB_FRAME_OUT, s->conn, -1,
	    frame, outlen);
	s->state = SESSION_WAIT_LOGIN;
}

/* Whether this login may go ahead; refused (and closed) if not. */
static int
login_allowed(struct session *s, const struct hub_login *lg, const char *b64,
    const char *ab)
{
	uint8_t		 ip[16];
	int		 rc, af;

	if (lg->version != HUB_PROTOCOL_VERSION) {
		login_refuse(s, HUB_REFUSED_VERSION, "protocol version not "
		    "supported by this hub; upgrade hamd");
		return 0;
	}
	memset(ip, 0, sizeof(ip));
	af = s->remote.af;
	memcpy(ip, s->remote.addr, af == AF_INET ? 4 : 16);
	if ((rc = store_block_match(au.store, af, ip)) < 0) {
		log_warnx("block check: %s", store_errmsg(au.store));
		login_refuse(s, HUB_REFUSED_BUSY, "hub database error; try "
		    "later");
		return 0;
	}
	if (rc != 0) {
		audit("login-blocked", "node=%s from=%s", b64, ab);
		login_refuse(s, HUB_REFUSED_BLOCKED, "this address range is "
		    "blocked by the hub operator");
		return 0;
	}
	if (store_node_get(au.store, s->key, NULL) == STORE_NOTFOUND &&
	    !newnode_allowed(&s->remote, authority_now())) {
		audit("login-new-ratelimited", "node=%s from=%s", b64, ab);
		login_refuse(s, HUB_REFUSED_BUSY, "too many new nodes from "
		    "this address; try again later");
		return 0;
	}
	rc = store_node_login(au.store, s->key,
	    (const uint8_t *)&au.conf.pool4.addr, au.conf.pool4.plen,
	    au.pool6, au.plen6, authority_now(), &s->node);
	if (rc == STORE_FULL) {
		login_refuse(s, HUB_REFUSED_POOL_FULL, "the hub's address "
		    "pool is full");
		return 0;
	}
	if (rc != STORE_OK) {
		log_warnx("login of %s: %s", b64, store_errmsg(au.store));
		login_refuse(s, HUB_REFUSED_BUSY, "hub database error; try "
		    "later");
		return 0;
	}
	return 1;
}

static void
login(struct session *s, const struct hub_login *lg)
{
	struct hub_msg	 m;
	struct session	*old;
	char		 b64[KEY_B64_LEN + 1], ab[ADDR_STRLEN];
	char		 v4[INET_ADDRSTRLEN];

	key_str(s->key, b64);
	pkt_addr_str(&s->remote, ab, sizeof(ab));
	if (!login_allowed(s, lg, b64, ab))
		return;
	if (lg->nick[0] != '\0' && hub_nick_valid(lg->nick) &&
	    strcmp(lg->nick, s->node.nick) != 0 &&
	    store_node_set_nick(au.store, s->key, lg->nick) == STORE_OK)
		(void)snprintf(s->node.nick, sizeof(s->node.nick), "%s",
		    lg->nick);
	/* One session per node: a new login replaces an old one. */
	if ((old = session_online(s->key)) != NULL) {
		old->graceful = 0;
		session_close(old, "replaced by a new login");
	}
	s->udp_port = lg->udp_port;
	s->endpoint = s->remote;
	s->endpoint.port = htons(lg->udp_port);
	s->state = SESSION_ONLINE;
	session_set_online(s);

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
	relaycheck_start(s, &m.u.relay);
	(void)session_send(s, &m);
	sodium_memzero(&m, sizeof(m));
	candidates_login(s);
	(void)inet_ntop(AF_INET, s->node.v4, v4, sizeof(v4));
	log_info("node %s logged in from %s as %s", b64, ab, v4);
	audit("login", "node=%s from=%s address=%s", b64, ab, v4);
	if (presence_login(s) == -1)
		session_close(s, "hub database error");
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
		membership_request(s, &m->u.req);
		break;
	case HUB_MSG_CANDIDATES:
		candidates_take(s, &m->u.cands);
		break;
	case HUB_MSG_LOGIN:
		session_close(s, "node sent a second login");
		break;
	default:
		session_close(s, "node sent a message only hubs send");
		break;
	}
}

void
login_frame_in(uint32_t conn, const uint8_t *body, size_t len)
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
	if (hub_chan_open(s->chan, body, len, pt, sizeof(pt), &ptlen) !=
	    WG_OK) {
		session_close(s, "a frame failed authentication");
		return;
	}
	if (hub_msg_decode(&m, pt, ptlen) == -1) {
		sodium_memzero(pt, ptlen);
		session_close(s, "malformed message");
		return;
	}
	sodium_memzero(pt, ptlen);
	if (s->state == SESSION_WAIT_LOGIN) {
		if (m.type != HUB_MSG_LOGIN)
			session_close(s, "first message is not a login");
		else
			login(s, &m.u.login);
	} else
		online_message(s, &m);
	sodium_memzero(&m, sizeof(m));
}
