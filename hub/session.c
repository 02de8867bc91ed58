/*
 * The authority's sessions and sending to them; see session.h.
 */
#include "autoconf.h"

#include <sys/queue.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <time.h>

#include "hub/chanpool.h"
#include "hub/logrl.h"
#include "hub/session.h"
#include "hub/slab.h"
#include "hub/store.h"
#include "privsep/log.h"
#include "privsep/proc.h"

struct authority	 au;

static struct htab	 by_conn, by_key, by_relay;
static struct slab	 sessions = SLAB_INIT(sizeof(struct session), 512);
static uint8_t		 key_hash_key[crypto_shorthash_KEYBYTES];
static uint8_t		 pt[HUB_MSG_MAX];
static uint8_t		 frame[HUB_FRAME_MAX];

int64_t
authority_now(void)
{
	return (int64_t)time(NULL);
}

uint64_t
authority_ns(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
authority_ms(void)
{
	return authority_ns() / 1000000;
}

const char *
key_str(const uint8_t *key, char buf[KEY_B64_LEN + 1])
{
	key_to_base64(buf, key);
	return buf;
}

/* ---- tables ----------------------------------------------------------- */

void
session_init(void)
{
	TAILQ_INIT(&au.onlines);
	TAILQ_INIT(&au.waiting);
	TAILQ_INIT(&au.failed);
	TAILQ_INIT(&au.ghosts);
	/* Node keys are the network's choice: keyed, so no chain piles up. */
	randombytes_buf(key_hash_key, sizeof(key_hash_key));
}

static uint64_t
conn_hash(int eng, uint32_t conn)
{
	return htab_hash32(conn) ^ (uint64_t)eng;
}

static uint64_t
key_hash(const uint8_t *key)
{
	uint8_t		 h[crypto_shorthash_BYTES];
	uint64_t	 v;

	(void)crypto_shorthash(h, key, HUB_KEY_LEN, key_hash_key);
	memcpy(&v, h, sizeof(v));
	return v;
}

/*
 * Something refused or dropped for want of memory: counted (hamctl hub
 * status, refused_nomem) and said, at most 10 lines at once and then one
 * every 10 s with the count of those left out.
 */
void
authority_nomem(const char *what)
{
	static struct logrl	 rl = LOGRL_LOG("out of memory");

	au.nomem++;
	logrl_warn(&rl, "out of memory: %s (%llu so far)", what,
	    (unsigned long long)au.nomem);
}

const char *
authority_dbtext(void)
{
	return store_down(au.store) ? "the hub's database cannot be reached "
	    "now; nothing was changed, try again later" :
	    "hub database error";
}

void
authority_dberr(struct logrl *rl, const char *fmt, ...)
{
	char	 what[256];
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (store_nomem(au.store)) {
		char	 m[300];

		(void)snprintf(m, sizeof(m), "%s: no memory for the "
		    "database", what);
		authority_nomem(m);
	} else
		logrl_warn(rl, "%s: %s", what, store_errmsg(au.store));
}

struct session *
session_new(int eng, uint32_t conn, const struct pkt_addr *remote)
{
	struct session	*s;

	if ((s = slab_get(&sessions)) == NULL)
		goto nomem;
	s->eng = eng;
	s->conn = conn;
	s->remote = *remote;
	s->opened = authority_ns();
	SLIST_INIT(&s->rows);
	if (htab_insert(&by_conn, &s->by_conn, conn_hash(eng, conn)) == -1) {
		slab_put(&sessions, s);
		goto nomem;
	}
	TAILQ_INSERT_TAIL(&au.waiting, s, waiting);
	s->is_waiting = 1;
	au.nsessions++;
	return s;
 nomem:
	authority_nomem("a connection refused");
	return NULL;
}

struct session *
session_by_conn(int eng, uint32_t conn)
{
	uint64_t	 h = conn_hash(eng, conn);
	struct hlink	*l;
	struct session	*s;

	for (l = htab_chain(&by_conn, h); l != NULL; l = l->next) {
		s = HTAB_ENTRY(l, struct session, by_conn);
		if (l->hash == h && s->conn == conn && s->eng == eng)
			return s;
	}
	return NULL;
}

struct session *
session_online(const uint8_t *key)
{
	uint64_t	 h = key_hash(key);
	struct hlink	*l;
	struct session	*s;

	for (l = htab_chain(&by_key, h); l != NULL; l = l->next) {
		s = HTAB_ENTRY(l, struct session, by_key);
		if (l->hash == h && memcmp(s->key, key, HUB_KEY_LEN) == 0)
			return s;
	}
	return NULL;
}

struct session *
session_by_relay(uint32_t id)
{
	uint64_t	 h = htab_hash32(id);
	struct hlink	*l;
	struct session	*s;

	for (l = htab_chain(&by_relay, h); l != NULL; l = l->next) {
		s = HTAB_ENTRY(l, struct session, by_relay);
		if (l->hash == h && s->relay.id == id)
			return s;
	}
	return NULL;
}

void
session_unwait(struct session *s)
{
	if (!s->is_waiting)
		return;
	TAILQ_REMOVE(&au.waiting, s, waiting);
	s->is_waiting = 0;
}

/*
 * The key and relay tables had their first buckets when the first
 * connection came (by_conn did), so inserting only ever grows chains.
 */
int
session_set_online(struct session *s)
{
	/* A ghost may come before any connection: it can fail. */
	if (s->hub != 0)
		return htab_insert(&by_key, &s->by_key, key_hash(s->key));
	(void)htab_insert(&by_key, &s->by_key, key_hash(s->key));
	(void)htab_insert(&by_relay, &s->by_relay, htab_hash32(s->relay.id));
	session_unwait(s);
	TAILQ_INSERT_TAIL(&au.onlines, s, online);
	au.nonline++;
	return 0;
}

int
session_relay_link(struct session *s)
{
	return htab_insert(&by_relay, &s->by_relay, htab_hash32(s->relay.id));
}

void
session_relay_unlink(struct session *s)
{
	htab_remove(&by_relay, &s->by_relay);
}

void
session_set_offline(struct session *s)
{
	htab_remove(&by_key, &s->by_key);
	if (s->hub != 0)
		return;
	htab_remove(&by_relay, &s->by_relay);
	TAILQ_REMOVE(&au.onlines, s, online);
	au.nonline--;
}

void
session_free(struct session *s)
{
	htab_remove(&by_conn, &s->by_conn);
	session_unwait(s);
	if (s->is_failed)
		TAILQ_REMOVE(&au.failed, s, failed);
	chanpool_put(s->chan);
	free(s->cand_next);
	au.nsessions--;
	slab_put(&sessions, s);		/* wipes the relay token */
}

uint32_t
session_new_relay_id(const struct session *s)
{
	uint32_t	 id, n = au.conf.engines ? au.conf.engines : 1;
	uint32_t	 e = (uint32_t)(s->eng - HUBD_PROC_ENGINE);

	/* id % engines names the engine holding the node's connection. */
	do {
		randombytes_buf(&id, sizeof(id));
		id = id - id % n + e;
	} while (id == 0 || id % n != e || session_by_relay(id) != NULL);
	return id;
}

/* ---- sending ---------------------------------------------------------- */

void
session_fail(struct session *s, const char *why)
{
	if (s->why_failed != NULL)
		return;
	s->why_failed = why;
	TAILQ_INSERT_TAIL(&au.failed, s, failed);
	s->is_failed = 1;
}

int
session_engine(struct session *s, uint32_t type, const void *data,
    size_t len)
{
	if (proc_compose_try(au.ps, s->eng, type, s->conn, -1, data, len) ==
	    -1) {
		authority_nomem("a message to an engine dropped");
		return -1;
	}
	return 0;
}

int
relay_engine_send(uint32_t id, uint32_t type, const void *data, size_t len)
{
	uint32_t	 n = au.conf.engines ? au.conf.engines : 1;

	if (proc_compose_try(au.ps, HUBD_PROC_ENGINE + (int)(id % n), type, 0,
	    -1, data, len) == -1) {
		authority_nomem("a relay message dropped");
		return -1;
	}
	return 0;
}

int
session_send(struct session *s, const struct hub_msg *m)
{
	size_t	 len, flen;
	int	 rc;

	if (s->state == SESSION_CLOSING || s->chan == NULL ||
	    s->why_failed != NULL)
		return -1;
	if ((len = hub_msg_encode(m, pt, sizeof(pt))) == 0) {
		log_warnx("%s: cannot encode %s", __func__,
		    hub_msg_name(m->type));
		return -1;
	}
	rc = hub_chan_seal(s->chan, pt, len, frame, sizeof(frame), &flen);
	sodium_memzero(pt, len);
	if (rc != WG_OK) {
		session_fail(s, "cannot seal a frame");
		return -1;
	}
	/*
	 * A frame that cannot be handed on leaves the channel's counter
	 * ahead of the node's: the session cannot go on.
	 */
	if (session_engine(s, IMSG_HUB_FRAME_OUT, frame, flen) == -1) {
		session_fail(s, "out of memory");
		return -1;
	}
	au.sent++;
	return 0;
}

void
session_respond(struct session *s, uint32_t id, int code, const char *fmt,
    ...)
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
session_send_net(struct session *s, const struct hub_net_info *ni)
{
	struct hub_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_NET_ENTRY;
	m.u.net = *ni;
	(void)session_send(s, &m);
}

void
session_send_member(struct session *s, const struct hub_member_info *mi)
{
	struct hub_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_MEMBER_ENTRY;
	m.u.member = *mi;
	(void)session_send(s, &m);
}
