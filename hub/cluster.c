/*
 * The hub cluster's connection; see cluster.h.
 *
 * One libpq connection, apart from the store's: it LISTENs on
 * CLUSTER_CHANNEL, and libevent watches its socket, so a notification
 * is read when it comes, between the authority's other work.  The
 * statements it runs itself (the lease, the nodes' rows, NOTIFY) are
 * synchronous and short; a notification that arrives during one is
 * kept by libpq, so after each the read event is made active and the
 * loop hands it on at its next turn, never from inside a caller.
 *
 * Each change and its NOTIFY are one statement: the row is written and
 * the others told in one transaction, or neither happens.
 *
 * Connecting is asynchronous (PQconnectPoll on the event loop, with a
 * timeout of our own), so a server that does not answer costs the
 * authority nothing while it waits; a statement on a connection whose
 * server stopped answering waits as the store's do (TCP keepalives and
 * tcp_user_timeout, store_pg.c).
 */
#include "autoconf.h"

#include <sys/queue.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compat/bytes.h"
#include "hub/cluster.h"
#include "hub/logrl.h"
#include "hub/session.h"
#include "hub/store_pgconn.h"
#include "privsep/log.h"

#define OID_BYTEA	17
#define OID_INT8	20
#define OID_TEXT	25

#define NOW_MS		"(extract(epoch from clock_timestamp()) * 1000)::bigint"
#define BACKOFF_MAX	8		/* seconds between tries, at most */
#define CONNECT_TIMEOUT_SEC 10		/* each step of connecting */
#define PARAMS_MAX	6

static struct store		*store;
static struct event_base	*base;
static struct cluster_cb	 cb;
static PGconn			*conn;
static struct event		*ev_read;
static struct event		*ev_poll;	/* while connecting */
static int			 connecting;
static int64_t			 self;
static int			 connected, was_connected, kicked;
static time_t			 next_try;
static time_t			 judge_after;	/* others' leases, from */
static int			 backoff;
static struct cluster_hub	 hubs[CLUSTER_HUBS_MAX];
static size_t			 nhubs;
static struct logrl		 rl_err = LOGRL_LOG("cluster database errors");
static struct logrl		 rl_bad = LOGRL_LOG("bad cluster notifications");

static void	offline(const uint8_t *, int);
static void	online_again(const struct session *);

struct params {
	int		 n;
	const char	*v[PARAMS_MAX];
	int		 len[PARAMS_MAX];
	int		 fmt[PARAMS_MAX];
	Oid		 type[PARAMS_MAX];
	uint8_t		 ints[PARAMS_MAX][8];
};

static void
p_bytes(struct params *p, const void *b, size_t len)
{
	p->v[p->n] = len == 0 ? "" : b;
	p->len[p->n] = (int)len;
	p->fmt[p->n] = 1;
	p->type[p->n++] = OID_BYTEA;
}

static void
p_int(struct params *p, int64_t v)
{
	put_be64(p->ints[p->n], (uint64_t)v);
	p->v[p->n] = (const char *)p->ints[p->n];
	p->len[p->n] = 8;
	p->fmt[p->n] = 1;
	p->type[p->n++] = OID_INT8;
}

static void
p_text(struct params *p, const char *s)
{
	p->v[p->n] = s;
	p->len[p->n] = 0;
	p->fmt[p->n] = 0;
	p->type[p->n++] = OID_TEXT;
}

int
cluster_on(void)
{
	return self != 0;
}

int64_t
cluster_self(void)
{
	return self;
}

int
cluster_connected(void)
{
	return connected;
}

const struct cluster_hub *
cluster_hubs(size_t *n)
{
	*n = connected ? nhubs : 0;
	return hubs;
}

/* libpq's message, its first line, fit for a log line and a quoted value. */
static const char *
pqmsg(char msg[256])
{
	size_t	 len;

	(void)snprintf(msg, 256, "%s", conn != NULL ? PQerrorMessage(conn) :
	    "no connection");
	msg[strcspn(msg, "\r\n")] = '\0';
	for (len = 0; msg[len] != '\0'; len++)
		if (msg[len] == '"' || msg[len] == '\t')
			msg[len] = msg[len] == '"' ? '\'' : ' ';
	while (len > 0 && msg[len - 1] == ' ')
		msg[--len] = '\0';
	return msg;
}

/* The connection is gone: say so once, and try again later. */
static void
lost(const char *what)
{
	char	 msg[256];

	(void)pqmsg(msg);
	if (connected) {
		log_warnx("cluster: database connection lost (%s: %s); "
		    "nodes logged in here keep working, changes are not "
		    "shared until it is back", what, msg);
		audit("cluster-lost", "reason=\"%s\"", msg);
	}
	connected = 0;
	connecting = 0;
	if (ev_poll != NULL) {
		event_free(ev_poll);
		ev_poll = NULL;
	}
	if (ev_read != NULL) {
		event_free(ev_read);
		ev_read = NULL;
	}
	PQfinish(conn);
	conn = NULL;
	backoff = backoff == 0 ? 1 : backoff * 2 > BACKOFF_MAX ?
	    BACKOFF_MAX : backoff * 2;
	next_try = time(NULL) + backoff;
}

/*
 * Run sql; its result, or NULL after a failure (logged; a lost
 * connection is closed).  Notifications read meanwhile are handed on
 * from the loop.
 */
static PGresult *
run(const char *what, const char *sql, const struct params *p)
{
	PGresult	*res;
	ExecStatusType	 st;
	char		 msg[256];

	if (!connected)
		return NULL;
	res = PQexecParams(conn, sql, p != NULL ? p->n : 0,
	    p != NULL ? p->type : NULL, p != NULL ? p->v : NULL,
	    p != NULL ? p->len : NULL, p != NULL ? p->fmt : NULL, 1);
	st = PQresultStatus(res);
	if (res == NULL || (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)) {
		PQclear(res);
		if (PQstatus(conn) == CONNECTION_BAD)
			lost(what);
		else
			logrl_warn(&rl_err, "cluster: %s: %s", what,
			    pqmsg(msg));
		return NULL;
	}
	if (ev_read != NULL && !kicked) {
		kicked = 1;
		event_active(ev_read, EV_READ, 0);
	}
	return res;
}

static void
run_quiet(const char *what, const char *sql, const struct params *p)
{
	PQclear(run(what, sql, p));
}

static void
cl_read(int fd, short ev, void *arg)
{
	PGnotify		*n;
	struct cluster_ev	 e;

	kicked = 0;
	if (!PQconsumeInput(conn)) {
		lost("reading notifications");
		return;
	}
	while (conn != NULL && (n = PQnotifies(conn)) != NULL) {
		if (cluster_msg_parse(&e, n->extra) == -1)
			logrl_warn(&rl_bad, "cluster: a notification that is "
			    "not ours on channel %s, ignored: \"%.64s\"",
			    CLUSTER_CHANNEL, n->extra);
		else if (e.hub != self)
			cb.event(&e);
		PQfreemem(n);
	}
}

static const char sql_register[] =
    "INSERT INTO hubs (id, started, lease, nodes, relay) VALUES ($1, "
    NOW_MS ", " NOW_MS " + $2, $3, $4) ON CONFLICT (id) DO UPDATE SET "
    "lease = EXCLUDED.lease, nodes = EXCLUDED.nodes, relay = EXCLUDED.relay";

static struct pkt_addr	 relay_self;
static uint8_t		 relay_enc[HUB_ADDR_MAX];
static size_t		 relay_len;

void
cluster_relay_addr(const struct pkt_addr *a)
{
	if (relay_self.af != 0 || (a->af != AF_INET && a->af != AF_INET6) ||
	    a->port == 0 || (relay_len = hub_addr_encode(a, relay_enc)) == 0)
		return;
	relay_self = *a;
}

int
cluster_hub_relay(int64_t hub, struct pkt_addr *a)
{
	size_t	 i;

	for (i = 0; i < nhubs; i++)
		if (hubs[i].id == hub && hubs[i].relay.af != 0) {
			*a = hubs[i].relay;
			return 0;
		}
	return -1;
}

/* The hub's lease and what it says of itself: $1 id, $2 lease, $3, $4. */
static void
p_hub(struct params *p, uint32_t nonline)
{
	memset(p, 0, sizeof(*p));
	p_int(p, self);
	p_int(p, CLUSTER_LEASE_MS);
	p_int(p, nonline);
	p_bytes(p, relay_enc, relay_len);	/* empty: none yet */
}

/*
 * The hub's row, and its nodes' rows: all the others need of it.  Rows
 * of nodes that left while the connection was lost go first, each with
 * its "down" (as lost: its peers elsewhere check it).
 */
static void
publish(void)
{
	struct params	 p;
	struct session	*s;
	PGresult	*res;
	const uint8_t	*k;
	int		 i;

	p_hub(&p, au.nonline);
	run_quiet("registering the hub", sql_register, &p);
	memset(&p, 0, sizeof(p));
	p_int(&p, self);
	if ((res = run("reading this hub's nodes", "SELECT pubkey FROM "
	    "hub_online WHERE hub = $1", &p)) != NULL) {
		for (i = 0; i < PQntuples(res) && connected; i++) {
			k = (const uint8_t *)PQgetvalue(res, i, 0);
			if (PQgetlength(res, i, 0) == HUB_KEY_LEN &&
			    ((s = session_online(k)) == NULL || s->hub != 0))
				offline(k, 0);
		}
		PQclear(res);
	}
	TAILQ_FOREACH(s, &au.onlines, online)
		if (connected)
			online_again(s);
}

/* Connected: listen, register, and tell what the others missed. */
static void
cl_ready(void)
{
	PGresult	*res;
	int		 ok;

	/* Short statements: a stuck server fails them, not the hub. */
	res = PQexec(conn, "SET synchronous_commit = on;"
	    "SET statement_timeout = 5000;"
	    "LISTEN " CLUSTER_CHANNEL);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	if (!ok || (ev_read = event_new(base, PQsocket(conn),
	    EV_READ | EV_PERSIST, cl_read, NULL)) == NULL ||
	    event_add(ev_read, NULL) == -1) {
		lost("listen");
		return;
	}
	connected = 1;
	backoff = 0;
	/*
	 * The others lost the database too, most likely, and come back
	 * within their own backoff: none is judged by its lease before.
	 */
	judge_after = was_connected ? time(NULL) + BACKOFF_MAX + 2 : 0;
	publish();
	if (!connected)
		return;
	if (was_connected) {
		log_info("cluster: database connection back; hub %lld "
		    "registered again", (long long)self);
		audit("cluster-back", "hub=%lld", (long long)self);
		cb.resync();
	} else
		log_info("cluster: hub %lld on channel %s", (long long)self,
		    CLUSTER_CHANNEL);
	was_connected = 1;
}

static void
cant_connect(const char *why)
{
	char	 msg[256];

	if (was_connected || next_try == 0)
		logrl_warn(&rl_err, "cluster: cannot connect: %s",
		    why != NULL ? why : pqmsg(msg));
	lost("connect");
}

static void	cl_poll(int, short, void *);

/* The next step of connecting, when the socket is ready for it. */
static void
poll_wait(PostgresPollingStatusType st)
{
	struct timeval	 tv = { CONNECT_TIMEOUT_SEC, 0 };

	if (ev_poll != NULL)
		event_free(ev_poll);
	/* libpq may have moved to another socket (another address). */
	if ((ev_poll = event_new(base, PQsocket(conn),
	    st == PGRES_POLLING_READING ? EV_READ : EV_WRITE, cl_poll,
	    NULL)) == NULL || event_add(ev_poll, &tv) == -1)
		cant_connect("out of memory");
}

static void
cl_poll(int fd, short what, void *arg)
{
	PostgresPollingStatusType	 st;

	if (what & EV_TIMEOUT) {
		cant_connect("no answer within the connect timeout");
		return;
	}
	switch ((st = PQconnectPoll(conn))) {
	case PGRES_POLLING_OK:
		event_free(ev_poll);
		ev_poll = NULL;
		connecting = 0;
		cl_ready();
		break;
	case PGRES_POLLING_READING:
	case PGRES_POLLING_WRITING:
		poll_wait(st);
		break;
	default:
		cant_connect(NULL);
		break;
	}
}

/* Start connecting, on the event loop: a dead server never blocks. */
static void
cl_connect(void)
{
	if ((conn = store_pg_connect_start(store)) == NULL ||
	    PQstatus(conn) == CONNECTION_BAD) {
		cant_connect(conn != NULL ? NULL : "out of memory");
		return;
	}
	connecting = 1;
	poll_wait(PGRES_POLLING_WRITING);
}

void
cluster_init(struct store *st, struct event_base *b,
    const struct cluster_cb *c)
{
	uint64_t	 id;

	if (strcmp(store_backend_name(st), "postgresql") != 0)
		return;		/* SQLite: alone */
	store = st;
	base = b;
	cb = *c;
	do {
		randombytes_buf(&id, sizeof(id));
		id &= (uint64_t)INT64_MAX;
	} while (id == 0);
	self = (int64_t)id;
	cl_connect();
}

/* Every hub's row; a gone one's rows deleted; the live ones told. */
static void
read_hubs(void)
{
	PGresult	*res;
	int64_t		 alive[CLUSTER_HUBS_MAX];
	size_t		 nalive = 0;
	int		 i, rows, expired = 0;

	if ((res = run("reading the hubs", "SELECT id, " NOW_MS " - started, "
	    "lease - " NOW_MS ", nodes, coalesce(relay, ''::bytea) FROM hubs "
	    "ORDER BY started, id", NULL)) == NULL)
		return;
	rows = PQntuples(res);
	nhubs = 0;
	for (i = 0; i < rows && nhubs < CLUSTER_HUBS_MAX; i++) {
		hubs[nhubs].id = (int64_t)get_be64((const uint8_t *)
		    PQgetvalue(res, i, 0));
		hubs[nhubs].up_ms = (int64_t)get_be64((const uint8_t *)
		    PQgetvalue(res, i, 1));
		hubs[nhubs].left_ms = (int64_t)get_be64((const uint8_t *)
		    PQgetvalue(res, i, 2));
		hubs[nhubs].nodes = (int64_t)get_be64((const uint8_t *)
		    PQgetvalue(res, i, 3));
		/* None yet, or not an address: unknown (af 0). */
		(void)hub_addr_decode(&hubs[nhubs].relay, (const uint8_t *)
		    PQgetvalue(res, i, 4), (size_t)PQgetlength(res, i, 4));
		if (hubs[nhubs].left_ms >= 0 || hubs[nhubs].id == self ||
		    time(NULL) < judge_after)
			alive[nalive++] = hubs[nhubs].id;
		else
			expired = 1;
		nhubs++;
	}
	PQclear(res);
	if (rows > CLUSTER_HUBS_MAX) {
		/* Not a complete list: nobody is declared gone from it. */
		logrl_warn(&rl_err, "cluster: more than %d hubs",
		    CLUSTER_HUBS_MAX);
		return;
	}
	cb.alive(alive, nalive);
	if (expired)
		run_quiet("removing gone hubs", "WITH gone AS (DELETE FROM "
		    "hubs WHERE lease < " NOW_MS " RETURNING id) DELETE FROM "
		    "hub_online WHERE hub IN (SELECT id FROM gone)", NULL);
}

void
cluster_tick(uint32_t nonline)
{
	struct params	 p;
	PGresult	*res;
	int		 gone;

	if (!cluster_on())
		return;
	if (!connected) {
		if (!connecting && time(NULL) >= next_try)
			cl_connect();
		return;
	}
	p_hub(&p, nonline);
	if ((res = run("renewing the lease", "UPDATE hubs SET lease = "
	    NOW_MS " + $2, nodes = $3, relay = $4 WHERE id = $1", &p)) == NULL)
		return;
	gone = strcmp(PQcmdTuples(res), "0") == 0;
	PQclear(res);
	if (gone) {
		/* Declared gone while we could not renew: back in. */
		log_warnx("cluster: the other hubs took hub %lld for gone; "
		    "registering it and its nodes again", (long long)self);
		publish();
	}
	read_hubs();
}

/* ---- this hub's changes --------------------------------------------- */

static void
notify(const struct cluster_ev *ev)
{
	struct params	 p;
	char		 msg[CLUSTER_MSG_MAX];

	if (!connected || cluster_msg_format(ev, msg, sizeof(msg)) == 0)
		return;
	memset(&p, 0, sizeof(p));
	p_text(&p, msg);
	run_quiet("notifying", "SELECT pg_notify('" CLUSTER_CHANNEL "', $1)",
	    &p);
}

static void
ev_init(struct cluster_ev *ev, int type, const uint8_t *key,
    const uint8_t *net)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->hub = self;
	if (key != NULL)
		memcpy(ev->key, key, sizeof(ev->key));
	if (net != NULL)
		memcpy(ev->net, net, sizeof(ev->net));
}

/* s's PEER_UP and PEER_PATHS as its peers elsewhere are told them. */
static int
encode_node(const struct session *s, uint8_t *up, size_t *uplen,
    uint8_t *paths, size_t *pathslen)
{
	struct hub_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_PEER_UP;
	memcpy(m.u.peer.key, s->key, HUB_KEY_LEN);
	memcpy(m.u.peer.v4, s->node.v4, 4);
	memcpy(m.u.peer.v6, s->node.v6, 16);
	memcpy(m.u.peer.nick, s->node.nick, sizeof(m.u.peer.nick));
	m.u.peer.nick[sizeof(m.u.peer.nick) - 1] = '\0';
	m.u.peer.endpoint = s->endpoint;
	*uplen = hub_msg_encode(&m, up, HUB_MSG_MAX);
	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_PEER_PATHS;
	memcpy(m.u.paths.key, s->key, HUB_KEY_LEN);
	/* The other hubs relay it as a guest under this id (guest.h). */
	m.u.paths.relay_id = s->relay.id;
	m.u.paths.cands = s->cands;
	*pathslen = hub_msg_encode(&m, paths, HUB_MSG_MAX);
	return *uplen != 0 && *pathslen != 0 ? 0 : -1;
}

static uint8_t	 enc_up[HUB_MSG_MAX], enc_paths[HUB_MSG_MAX];

/*
 * s's row written by sql, which notifies type about it: $1 its key,
 * $2 this hub, $3 its PEER_UP, $4 its PEER_PATHS, $5 the payload.
 */
static void
node_row(const struct session *s, int type, const char *what,
    const char *sql)
{
	struct cluster_ev	 ev;
	struct params		 p;
	char			 msg[CLUSTER_MSG_MAX];
	size_t			 ul, pl;

	if (!connected || encode_node(s, enc_up, &ul, enc_paths, &pl) == -1)
		return;
	ev_init(&ev, type, s->key, NULL);
	if (cluster_msg_format(&ev, msg, sizeof(msg)) == 0)
		return;
	memset(&p, 0, sizeof(p));
	p_bytes(&p, s->key, HUB_KEY_LEN);
	p_int(&p, self);
	p_bytes(&p, enc_up, ul);
	p_bytes(&p, enc_paths, pl);
	p_text(&p, msg);
	run_quiet(what, sql, &p);
}

#define SQL_ONLINE(cond) "WITH r AS (INSERT INTO hub_online (pubkey, " \
    "hub, up, paths, since) VALUES ($1, $2, $3, $4, " NOW_MS ") ON " \
    "CONFLICT (pubkey) DO UPDATE SET hub = EXCLUDED.hub, up = EXCLUDED.up, " \
    "paths = EXCLUDED.paths, since = EXCLUDED.since" cond " RETURNING 1) " \
    "SELECT pg_notify('" CLUSTER_CHANNEL "', $5) FROM r"

/* A login here is the node's newest: its row is this hub's. */
void
cluster_online(const struct session *s)
{
	node_row(s, CLUSTER_UP, "a node's login", SQL_ONLINE(""));
}

/*
 * Written again after the connection was lost: not over the row of a
 * live hub the node has logged in to since (this session is stale
 * then, and the resync that follows ends it).
 */
static void
online_again(const struct session *s)
{
	node_row(s, CLUSTER_UP, "a node's row", SQL_ONLINE(" WHERE "
	    "hub_online.hub = EXCLUDED.hub OR hub_online.hub NOT IN (SELECT id "
	    "FROM hubs WHERE lease >= " NOW_MS ")"));
}

static void
offline(const uint8_t *key, int graceful)
{
	struct cluster_ev	 ev;
	struct params		 p;
	char			 msg[CLUSTER_MSG_MAX];

	ev_init(&ev, CLUSTER_DOWN, key, NULL);
	ev.graceful = graceful ? 1 : 0;
	if (!connected || cluster_msg_format(&ev, msg, sizeof(msg)) == 0)
		return;
	memset(&p, 0, sizeof(p));
	p_bytes(&p, key, HUB_KEY_LEN);
	p_int(&p, self);
	p_text(&p, msg);
	/* Not if it is online elsewhere now: that hub's row stays. */
	run_quiet("a node's logoff", "WITH r AS (DELETE FROM hub_online "
	    "WHERE pubkey = $1 AND hub = $2 RETURNING 1) SELECT "
	    "pg_notify('" CLUSTER_CHANNEL "', $3) FROM r", &p);
}

void
cluster_offline(const struct session *s)
{
	offline(s->key, s->graceful);
}

/* Only while the row is this hub's: the node may have moved. */
static const char sql_update[] = "WITH r AS (UPDATE hub_online SET up = $3, "
    "paths = $4 WHERE pubkey = $1 AND hub = $2 RETURNING 1) SELECT "
    "pg_notify('" CLUSTER_CHANNEL "', $5) FROM r";

void
cluster_paths(const struct session *s)
{
	node_row(s, CLUSTER_PATHS, "a node's candidates", sql_update);
}

void
cluster_names(const struct session *s)
{
	node_row(s, CLUSTER_NAMES, "a node's nickname", sql_update);
}

static void
row_of(struct cluster_row *r, const struct store_member *m)
{
	memset(r, 0, sizeof(*r));
	if (m == NULL)
		return;
	r->has = 1;
	r->state = m->state;
	r->role = m->role;
}

void
cluster_member(const struct store_net *net, const uint8_t key[32],
    const struct store_member *before, const struct store_member *after)
{
	struct cluster_ev	 ev;

	ev_init(&ev, CLUSTER_MEMBER, key, net->id);
	row_of(&ev.before, before);
	row_of(&ev.after, after);
	notify(&ev);
}

void
cluster_net(const struct store_net *net)
{
	struct cluster_ev	 ev;

	ev_init(&ev, CLUSTER_NET, NULL, net->id);
	notify(&ev);
}

void
cluster_routes(const struct session *s)
{
	struct cluster_ev	 ev;

	ev_init(&ev, CLUSTER_ROUTES, s->key, NULL);
	notify(&ev);
}

void
cluster_netroutes(const uint8_t net[16], const uint8_t key[32])
{
	struct cluster_ev	 ev;

	ev_init(&ev, CLUSTER_NETROUTES, key, net);
	notify(&ev);
}

void
cluster_netdel(const struct store_net *net)
{
	struct cluster_ev	 ev;

	ev_init(&ev, CLUSTER_NETDEL, NULL, net->id);
	ev.ntype = net->type;
	ev.nflags = (net->bcast ? HUB_NET_BROADCAST : 0) |
	    (net->eth ? HUB_NET_ETHERNET : 0);
	notify(&ev);
}

/* ---- what the others hold ------------------------------------------- */

static int
decode(PGresult *res, int row, int col, struct hub_msg *m, int type)
{
	return hub_msg_decode(m, (const uint8_t *)PQgetvalue(res, row, col),
	    (size_t)PQgetlength(res, row, col)) == 0 && m->type == type ?
	    0 : -1;
}

int
cluster_read_online(const uint8_t key[32], int64_t *hub, struct hub_msg *up,
    struct hub_msg *paths)
{
	struct params	 p;
	PGresult	*res;
	int		 rc = -1;

	memset(&p, 0, sizeof(p));
	p_bytes(&p, key, HUB_KEY_LEN);
	if ((res = run("reading a node's row", "SELECT hub, up, paths FROM "
	    "hub_online WHERE pubkey = $1", &p)) == NULL)
		return -1;
	if (PQntuples(res) == 1) {
		*hub = (int64_t)get_be64((const uint8_t *)PQgetvalue(res, 0,
		    0));
		if (decode(res, 0, 1, up, HUB_MSG_PEER_UP) == 0 &&
		    decode(res, 0, 2, paths, HUB_MSG_PEER_PATHS) == 0 &&
		    memcmp(up->u.peer.key, key, HUB_KEY_LEN) == 0 &&
		    memcmp(paths->u.paths.key, key, HUB_KEY_LEN) == 0)
			rc = 0;
		else
			logrl_warn(&rl_bad, "cluster: a node's row in "
			    "hub_online does not decode; ignored");
	}
	PQclear(res);
	return rc;
}

int
cluster_each_online(void (*fn)(const uint8_t key[32], int64_t hub, void *),
    void *arg)
{
	struct params	 p;
	PGresult	*res;
	int		 i;

	memset(&p, 0, sizeof(p));
	p_int(&p, self);
	if ((res = run("reading the nodes online", "SELECT pubkey, hub FROM "
	    "hub_online WHERE hub <> $1", &p)) == NULL)
		return -1;
	for (i = 0; i < PQntuples(res); i++)
		if (PQgetlength(res, i, 0) == HUB_KEY_LEN)
			fn((const uint8_t *)PQgetvalue(res, i, 0),
			    (int64_t)get_be64((const uint8_t *)PQgetvalue(res,
			    i, 1)), arg);
	PQclear(res);
	return 0;
}
