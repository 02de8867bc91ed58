/*
 * The authority's sessions and sending to them; see session.h.
 */
#include "autoconf.h"

#include <sys/queue.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <time.h>

#include "hub/session.h"
#include "privsep/log.h"
#include "privsep/proc.h"

#define CONN_BUCKETS		1024
#define KEY_BUCKETS		4096	/* power of two */

struct authority	 au;

static struct session	*by_conn[CONN_BUCKETS];	/* chained: hnext */
static struct session	*by_key[KEY_BUCKETS];	/* online; chained: knext */
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
	TAILQ_INIT(&au.sessions);
	TAILQ_INIT(&au.onlines);
	/* Node keys are the network's choice: keyed, so no chain piles up. */
	randombytes_buf(key_hash_key, sizeof(key_hash_key));
}

static struct session **
conn_slot(uint32_t conn)
{
	return &by_conn[conn % CONN_BUCKETS];
}

static struct session **
key_slot(const uint8_t *key)
{
	uint8_t		 h[crypto_shorthash_BYTES];
	uint32_t	 v;

	(void)crypto_shorthash(h, key, HUB_KEY_LEN, key_hash_key);
	memcpy(&v, h, sizeof(v));
	return &by_key[v & (KEY_BUCKETS - 1)];
}

struct session *
session_new(uint32_t conn, const struct pkt_addr *remote)
{
	struct session	*s, **slot;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		fatal("%s", __func__);
	s->conn = conn;
	s->remote = *remote;
	s->opened = authority_ns();
	slot = conn_slot(conn);
	s->hnext = *slot;
	*slot = s;
	TAILQ_INSERT_TAIL(&au.sessions, s, entry);
	return s;
}

struct session *
session_by_conn(uint32_t conn)
{
	struct session	*s;

	for (s = *conn_slot(conn); s != NULL; s = s->hnext)
		if (s->conn == conn)
			return s;
	return NULL;
}

struct session *
session_online(const uint8_t *key)
{
	struct session	*s;

	for (s = *key_slot(key); s != NULL; s = s->knext)
		if (memcmp(s->key, key, HUB_KEY_LEN) == 0)
			return s;
	return NULL;
}

void
session_set_online(struct session *s)
{
	struct session	**slot = key_slot(s->key);

	s->knext = *slot;
	*slot = s;
	TAILQ_INSERT_TAIL(&au.onlines, s, online);
	au.nonline++;
}

void
session_set_offline(struct session *s)
{
	struct session	**sp;

	for (sp = key_slot(s->key); *sp != NULL; sp = &(*sp)->knext)
		if (*sp == s) {
			*sp = s->knext;
			break;
		}
	TAILQ_REMOVE(&au.onlines, s, online);
	au.nonline--;
}

void
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

uint32_t
session_new_relay_id(void)
{
	struct session	*o;
	uint32_t	 id;

	do {
		randombytes_buf(&id, sizeof(id));
		TAILQ_FOREACH(o, &au.sessions, entry)
			if (o->relay.id == id)
				break;
	} while (id == 0 || o != NULL);
	return id;
}

/* ---- sending ---------------------------------------------------------- */

int
session_send(struct session *s, const struct hub_msg *m)
{
	size_t	 len, flen;

	if (s->state == SESSION_CLOSING || s->chan == NULL || s->failed)
		return -1;
	if ((len = hub_msg_encode(m, pt, sizeof(pt))) == 0) {
		log_warnx("%s: cannot encode %s", __func__,
		    hub_msg_name(m->type));
		return -1;
	}
	if (hub_chan_seal(s->chan, pt, len, frame, sizeof(frame), &flen) !=
	    WG_OK) {
		sodium_memzero(pt, len);
		/*
		 * Closing it here would pull the session from under the
		 * caller, who may be walking the sessions.
		 */
		s->failed = "cannot seal a frame";
		au.nfailed++;
		return -1;
	}
	sodium_memzero(pt, len);
	proc_compose(au.ps, HUBD_PROC_ENGINE, IMSG_HUB_FRAME_OUT, s->conn, -1,
	    frame, flen);
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
