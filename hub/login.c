/*
 * A node connection's life in the authority; see login.h.
 *
 * What a connection may cost is checked before it is spent, in the
 * order of the work: a handshake per source address before any
 * Diffie-Hellman; a new node key per source address and hub-wide once
 * the INIT names the key (after two of the five X25519 the responder
 * does, before the rest); logins per key and per address once the
 * LOGIN has authenticated, before the store and presence see it.  A
 * returning node whose row is as it should be costs no write at its
 * login: its last_seen goes to the store with the others', once a
 * second, in one transaction.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "crypto/tai64n.h"
#include "hub/budget.h"
#include "hub/candidates.h"
#include "hub/chanpool.h"
#include "hub/cluster.h"
#include "hub/login.h"
#include "hub/logrl.h"
#include "hub/membership.h"
#include "hub/presence.h"
#include "hub/relaycheck.h"
#include "hub/remote.h"
#include "hub/seen.h"
#include "hub/session.h"
#include "privsep/log.h"
#include "privsep/proc.h"

/* last_seen of returning nodes, written once a second for all. */
#define TOUCH_MAX		65536
/* How often, and how much of, node expiry runs. */
#define EXPIRE_EVERY_S		10
#define EXPIRE_BATCHES		4

static struct hub_chan		*scratch;	/* handshakes, sodium_malloc'd */
static uint8_t			 pt[HUB_MSG_MAX];
static uint8_t			 frame[HUB_FRAME_MAX];
static uint8_t			(*touch)[HUB_KEY_LEN];
static size_t			 ntouch, touch_cap;
static int64_t			 expire_last;
/*
 * How many ranges are blocked, read once a second and after every block
 * or unblock: with none, as on most hubs, a login costs no query for
 * them.  (Another hub on a shared database is heard within a second.)
 */
static uint32_t			 nblocks;
static int			 blocks_known;

static struct logrl	 rl_replay = LOGRL_AUDIT("handshake-replay");
/*
 * Refusals by each budget counted apart, so that a hub-wide flood cannot
 * use up the lines that would name one address over its own share.
 */
static struct logrl	 rl_newnode_addr = LOGRL_AUDIT("login-new-ratelimited");
static struct logrl	 rl_newnode_hub = LOGRL_AUDIT("login-new-ratelimited");
static struct logrl	 rl_login_key = LOGRL_AUDIT("login-ratelimited");
static struct logrl	 rl_login_addr = LOGRL_AUDIT("login-ratelimited");
static struct logrl	 rl_blocked = LOGRL_AUDIT("login-blocked");
static struct logrl	 rl_handshake = LOGRL_LOG("handshakes over the rate");
/* A store short of memory fails every login the same way: not a line each. */
static struct logrl	 rl_db = LOGRL_LOG("database errors");

void
login_init(void)
{
	if ((scratch = sodium_malloc(sizeof(*scratch))) == NULL)
		fatal("%s", __func__);
	sodium_memzero(scratch, sizeof(*scratch));
	seen_init();
}

/* ---- last_seen, grouped ------------------------------------------------- */

static void
touch_later(const uint8_t *key)
{
	void	*n;
	size_t	 cap;

	if (ntouch == touch_cap) {
		if (touch_cap >= TOUCH_MAX)
			return;		/* the next second's batch */
		cap = touch_cap ? touch_cap * 2 : 256;
		if ((n = reallocarray(touch, cap, HUB_KEY_LEN)) == NULL)
			return;
		touch = n;
		touch_cap = cap;
	}
	memcpy(touch[ntouch++], key, HUB_KEY_LEN);
}

static void
touch_flush(void)
{
	if (ntouch == 0)
		return;
	if (store_node_touch(au.store, (const uint8_t (*)[32])touch, ntouch,
	    authority_now()) != STORE_OK)
		log_warnx("last seen of %zu nodes: %s", ntouch,
		    store_errmsg(au.store));
	ntouch = 0;
	/* A burst of logins grew it: give the memory back. */
	if (touch_cap > 1024) {
		free(touch);
		touch = NULL;
		touch_cap = 0;
	}
}

/* ---- the end ---------------------------------------------------------- */

/* The one way a session ends; its engine closes the connection. */
static void
session_close(struct session *s, const char *why)
{
	char	 b64[KEY_B64_LEN + 1], ab[ADDR_STRLEN];

	if (s->state == SESSION_CLOSING)
		return;
	if (s->state == SESSION_ONLINE) {
		/* The audit record says it; the log line is for debugging. */
		log_debug("node %s logged off: %s", key_str(s->key, b64),
		    why);
		/*
		 * The session's record: how long it lasted, and why; while
		 * it is still online, so the event finds its nickname there.
		 */
		audit(s->graceful ? "logout" : "connection-lost",
		    "node=%s from=%s reason=\"%s\" duration=%llu", b64,
		    pkt_addr_str(&s->remote, ab, sizeof(ab)), why,
		    (unsigned long long)((authority_ns() - s->opened) /
		    1000000000u));
		presence_logoff(s);
		cluster_offline(s);
		relaycheck_end(s);
		touch_later(s->key);
	} else
		log_debug("connection %u from %s closed: %s", s->conn,
		    pkt_addr_str(&s->remote, ab, sizeof(ab)), why);
	s->state = SESSION_CLOSING;
	session_unwait(s);
	candidates_end(s);
	chanpool_put(s->chan);
	s->chan = NULL;
	if (s->is_failed) {
		TAILQ_REMOVE(&au.failed, s, failed);
		s->is_failed = 0;
	}
	/* Without the memory to say so now, the next tick says it. */
	if (session_engine(s, IMSG_HUB_CONN_CLOSE, NULL, 0) == -1) {
		s->why_failed = why;
		TAILQ_INSERT_TAIL(&au.failed, s, failed);
		s->is_failed = 1;
	}
}

void
login_reap(void)
{
	struct session		*s, *next;
	struct session_list	 retry = TAILQ_HEAD_INITIALIZER(retry);

	/* Closing one may fail another (telling its peers): in turn, then. */
	while ((s = TAILQ_FIRST(&au.failed)) != NULL) {
		TAILQ_REMOVE(&au.failed, s, failed);
		s->is_failed = 0;
		if (s->state != SESSION_CLOSING) {
			session_close(s, s->why_failed);
			continue;
		}
		/* Closing, and its CONN_CLOSE not sent: once per call. */
		if (session_engine(s, IMSG_HUB_CONN_CLOSE, NULL, 0) == -1) {
			TAILQ_INSERT_TAIL(&retry, s, failed);
			s->is_failed = 1;
		}
	}
	for (s = TAILQ_FIRST(&retry); s != NULL; s = next) {
		next = TAILQ_NEXT(s, failed);
		TAILQ_INSERT_TAIL(&au.failed, s, failed);
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

static uint64_t
login_limit_ns(void)
{
	return (uint64_t)(au.conf.login_timeout ? au.conf.login_timeout :
	    10) * 1000000000u;
}

static int
keep_online(void *arg, const uint8_t *key)
{
	return session_online(key) != NULL;
}

/* Nodes in no network, not seen for node-expiry: forgotten. */
static void
expire(int64_t now)
{
	int64_t	 age = au.conf.node_expiry ? au.conf.node_expiry :
	    30 * 86400;
	int	 i, n = 0, rc;

	if (now - expire_last < EXPIRE_EVERY_S)
		return;
	for (i = 0; i < EXPIRE_BATCHES; i++) {
		rc = store_node_expire(au.store, now - age, now, keep_online,
		    NULL);
		if (rc < 0) {
			log_warnx("node expiry: %s", store_errmsg(au.store));
			break;
		}
		n += rc;
		if (rc < STORE_EXPIRE_MAX)
			break;
	}
	/* More waiting: the next tick goes on, a second from now. */
	if (i == EXPIRE_BATCHES)
		expire_last = now - EXPIRE_EVERY_S;
	else
		expire_last = now;
	if (n > 0)
		log_info("forgot %d nodes in no network, not seen for %lld s",
		    n, (long long)age);
}

void
login_tick(uint64_t now)
{
	struct session	*s;
	uint64_t	 limit = login_limit_ns();

	/*
	 * Connections must log in within the login timeout; au.waiting is
	 * oldest first.  One that has not sent a whole frame yet is the
	 * engine's to close (it counts it in closed_idle, and spares it
	 * while reading is paused); a second timer here would race the
	 * engine's for it, so it just leaves the list, and a handshake it
	 * completes late is refused then.
	 */
	while ((s = TAILQ_FIRST(&au.waiting)) != NULL &&
	    now - s->opened > limit) {
		session_unwait(s);
		if (s->state == SESSION_WAIT_LOGIN)
			session_close(s, "did not log in in time");
	}
	touch_flush();
	expire(authority_now());
	logrl_tick(authority_now());
	login_blocks_changed();
}

void
login_blocks_changed(void)
{
	blocks_known = store_block_count(au.store, &nblocks) == STORE_OK;
}

/* ---- the connection --------------------------------------------------- */

void
login_conn_open(int eng, uint32_t conn, const struct hub_conn_msg *cm)
{
	struct session	*s;

	if (session_by_conn(eng, conn) != NULL)
		fatalx("engine reused connection id %u", conn);
	/* Ids are striped over the engines: the relay's tables rely on it. */
	if (au.have_conf && HUBD_CONN_ENGINE(conn, au.conf.engines) !=
	    eng - HUBD_PROC_ENGINE)
		fatalx("engine %d used connection id %u, another's",
		    eng - HUBD_PROC_ENGINE, conn);
	cluster_relay_addr(&cm->local);
	if ((s = session_new(eng, conn, &cm->remote)) == NULL) {
		/* No session to remember it by: CONN_CLOSED finds none. */
		if (proc_compose_try(au.ps, eng, IMSG_HUB_CONN_CLOSE, conn, -1,
		    NULL, 0) == -1)		/* its login timeout closes it */
			authority_nomem("a refused connection's close "
			    "dropped");
		return;
	}
	if (!au.have_key || !au.have_conf)
		session_close(s, "hub not ready");
}

void
login_conn_closed(int eng, uint32_t conn)
{
	struct session	*s;

	if ((s = session_by_conn(eng, conn)) == NULL)
		return;
	if (s->state != SESSION_CLOSING)
		session_close(s, "connection closed");
	session_free(s);
}

/*
 * A key the hub does not know yet: may this address, and the hub, take
 * one more now?  Known ones are read here, so that the login needs no
 * second look.  0 to go on, -1 refused (closed).
 */
static int
handshake_key(struct session *s, const char *ab)
{
	char			 b64[KEY_B64_LEN + 1];
	enum budget_verdict	 v;
	int			 rc;

	rc = store_node_get(au.store, s->key, &s->node);
	if (rc == STORE_OK) {
		s->known = 1;
		return 0;
	}
	if (rc != STORE_NOTFOUND) {
		authority_dberr(&rl_db, "handshake refused");
		session_close(s, "hub database error");
		return -1;
	}
	/* Both or neither, so that a refusal spends nothing. */
	if ((v = budget_newkey(&s->remote, (int64_t)authority_ms())) !=
	    BUDGET_OK) {
		logrl_audit(v == BUDGET_ADDR ? &rl_newnode_addr :
		    &rl_newnode_hub, "node=%s from=%s limit=%s",
		    key_str(s->key, b64), ab, v == BUDGET_ADDR ? "address" :
		    "hub");
		session_close(s, "too many new nodes; try again later");
		return -1;
	}
	return 0;
}

static void
handshake(struct session *s, const uint8_t *body, size_t len)
{
	char		 b64[KEY_B64_LEN + 1], ab[ADDR_STRLEN];
	size_t		 outlen;

	pkt_addr_str(&s->remote, ab, sizeof(ab));
	if (len != HUB_CHAN_INIT_LEN || body[0] != HUB_FRAME_INIT) {
		session_close(s, "first frame is not a handshake");
		return;
	}
	if (authority_ns() - s->opened > login_limit_ns()) {
		session_close(s, "did not log in in time");
		return;
	}
	if (budget_handshake(&s->remote, (int64_t)authority_ms()) !=
	    BUDGET_OK) {
		logrl_warn(&rl_handshake, "handshakes from %s over the rate",
		    ab);
		session_close(s, "too many handshakes from this address");
		return;
	}
	if (hub_chan_accept_static(scratch, &au.proto, au.self, body, len) !=
	    WG_OK) {
		/* Wrong hub key pinned by the node, or a forged message. */
		session_close(s, "handshake failed");
		return;
	}
	memcpy(s->key, scratch->remote, HUB_KEY_LEN);
	if (handshake_key(s, ab) == -1)
		goto out;
	if (hub_chan_accept_finish(scratch, body, len, s->ts, frame,
	    sizeof(frame), &outlen) != WG_OK) {
		session_close(s, "handshake failed");
		goto out;
	}
	if (!seen_check(s->key, s->ts)) {
		logrl_warn(&rl_replay, "replayed handshake for %s from %s",
		    key_str(s->key, b64), ab);
		logrl_audit(&rl_replay, "node=%s from=%s", b64, ab);
		session_close(s, "replayed handshake");
		goto out;
	}
	/* Only now the session holds locked memory: its channel. */
	if ((s->chan = chanpool_get()) == NULL) {
		authority_nomem("a channel refused");
		session_close(s, "out of memory");
		goto out;
	}
	memcpy(s->chan, scratch, sizeof(*s->chan));
	if (session_engine(s, IMSG_HUB_FRAME_OUT, frame, outlen) == -1) {
		session_close(s, "out of memory");
		goto out;
	}
	s->state = SESSION_WAIT_LOGIN;
 out:
	hub_chan_clear(scratch);
	sodium_memzero(scratch, sizeof(*scratch));
}

/* Whether this login may go ahead; refused (and closed) if not. */
static int
login_allowed(struct session *s, const struct hub_login *lg, const char *b64,
    const char *ab)
{
	const char		*nick = NULL;
	uint8_t			 ip[16];
	enum budget_verdict	 v;
	int			 rc, af;

	if (lg->version < HUB_PROTOCOL_MIN ||
	    lg->version > HUB_PROTOCOL_VERSION) {
		login_refuse(s, HUB_REFUSED_VERSION, "protocol version not "
		    "supported by this hub; upgrade hamd");
		return 0;
	}
	if ((v = budget_login(s->key, &s->remote, (int64_t)authority_ms())) !=
	    BUDGET_OK) {
		logrl_audit(v == BUDGET_KEY ? &rl_login_key : &rl_login_addr,
		    "node=%s from=%s limit=%s", b64, ab, v == BUDGET_KEY ?
		    "key" : "address");
		login_refuse(s, HUB_REFUSED_BUSY, "too many logins from this "
		    "node or address; try again later");
		return 0;
	}
	memset(ip, 0, sizeof(ip));
	af = s->remote.af;
	memcpy(ip, s->remote.addr, af == AF_INET ? 4 : 16);
	if (blocks_known && nblocks == 0)
		rc = 0;
	else if ((rc = store_block_match(au.store, af, ip)) < 0) {
		authority_dberr(&rl_db, "login refused: block check");
		login_refuse(s, HUB_REFUSED_BUSY, "hub database error; try "
		    "later");
		return 0;
	}
	if (rc != 0) {
		logrl_audit(&rl_blocked, "node=%s from=%s", b64, ab);
		login_refuse(s, HUB_REFUSED_BLOCKED, "this address range is "
		    "blocked by the hub operator");
		return 0;
	}
	if (lg->nick[0] != '\0' && hub_nick_valid(lg->nick) &&
	    (!s->known || strcmp(lg->nick, s->node.nick) != 0))
		nick = lg->nick;
	/*
	 * A returning node as it should be: nothing to write but later.
	 * Not one near its expiry, which the sweep might take between its
	 * handshake and now: its login writes, and so keeps, its row.
	 */
	if (s->known && nick == NULL && authority_now() - s->node.last_seen <
	    (int64_t)(au.conf.node_expiry ? au.conf.node_expiry : 86400) / 2 &&
	    store_node_in_pool(&s->node,
	    (const uint8_t *)&au.conf.pool4.addr, au.conf.pool4.plen,
	    au.pool6, au.plen6)) {
		touch_later(s->key);
		return 1;
	}
	/* Otherwise everything the login changes, in one transaction. */
	rc = store_node_login(au.store, s->key,
	    (const uint8_t *)&au.conf.pool4.addr, au.conf.pool4.plen,
	    au.pool6, au.plen6, nick, authority_now(), &s->node);
	if (rc == STORE_FULL) {
		login_refuse(s, HUB_REFUSED_POOL_FULL, "the hub's address "
		    "pool is full");
		return 0;
	}
	if (rc != STORE_OK) {
		authority_dberr(&rl_db, "login of %s refused", b64);
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
	/* One session per node: a new login replaces an old one. */
	if ((old = session_online(s->key)) != NULL && old->hub != 0)
		remote_drop(old);	/* it came here from another hub */
	else if (old != NULL) {
		old->graceful = 0;
		session_close(old, "replaced by a new login");
	}
	s->udp_port = lg->udp_port;
	s->proto = lg->version;
	s->endpoint = s->remote;
	s->endpoint.port = htons(lg->udp_port);
	relaycheck_new(s);
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
	if (relaycheck_start(s, &m.u.relay) == 0)
		(void)session_send(s, &m);
	else
		session_fail(s, "out of memory");
	sodium_memzero(&m, sizeof(m));
	candidates_login(s);
	(void)inet_ntop(AF_INET, s->node.v4, v4, sizeof(v4));
	log_debug("node %s logged in from %s as %s", b64, ab, v4);
	audit("login", "node=%s from=%s address=%s", b64, ab, v4);
	if (presence_login(s) == -1) {
		session_close(s, "hub database error or out of memory");
		return;
	}
	cluster_online(s);
	seen_login(s->key, s->ts, s->has_rows);
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
login_frame_in(int eng, uint32_t conn, const uint8_t *body, size_t len)
{
	struct session	*s;
	struct hub_msg	 m;
	size_t		 ptlen;

	if ((s = session_by_conn(eng, conn)) == NULL ||
	    s->state == SESSION_CLOSING)
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
