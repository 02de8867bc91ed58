/*
 * The hub engine's node connections; see nodeconn.h.
 */
#include "autoconf.h"

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "compat/util.h"
#include "hub/engstate.h"
#include "hub/hubd_msg.h"
#include "hub/nodeconn.h"
#include "hub/ratelimit.h"
#include "hub/relay.h"
#include "hub/slab.h"
#include "privsep/log.h"
#include "proto/hubproto.h"

/* Limits when the parent sends no configuration. */
#define NC_DEF_MAX_CONNS	4096
#define NC_DEF_MAX_PER_ADDR	16
#define NC_DEF_LOGIN_TIMEOUT	10	/* s */
/* Nodes ping every 20 s: three missed pings and more is a dead link. */
#define NC_IDLE_TIMEOUT		90	/* s */
/* What CONN_CLOSE waits for the queued output to leave. */
#define NC_CLOSE_LINGER		2	/* s */
/* Unsent output beyond this: a reader too slow to keep. */
#define NC_OUT_MAX		(1024 * 1024)
/* Relay frames stop here, so that the authority's always fit. */
#define NC_RELAY_OUT_MAX	(NC_OUT_MAX / 2)
/* Bytes read from one connection per readable event. */
#define NC_READ_MAX		(64 * 1024)
/* Connections accepted per event on one listener. */
#define NC_ACCEPT_BATCH		64
/* Accepting pauses this long when descriptors or memory run out. */
#define NC_ACCEPT_HOLD_MS	100
/*
 * Output queued towards the authority before we stop reading sockets:
 * bytes, and messages (which also bounds the cost of counting the
 * bytes).  Reading resumes below half of both.
 */
#define NC_AUTH_BACKLOG		(4 * 1024 * 1024)
#define NC_AUTH_BACKLOG_MSGS	65536
#define NC_RESUME_USEC		1000
#define NC_ID_BUCKETS		4096	/* power of two */
#define NC_ADDR_BUCKETS		1024	/* power of two */

/*
 * Connections counted together for max_per_addr: one IPv4 address, or
 * one IPv6 /64 (a single host usually has a whole /64 to pick from).
 */
struct haddr {
	LIST_ENTRY(haddr)	 entry;
	uint8_t			 key[SRC_KEY_LEN];
	uint32_t		 n;
};
LIST_HEAD(haddr_list, haddr);
TAILQ_HEAD(hconn_list, hconn);
LIST_HEAD(hconn_bucket, hconn);

static struct {
	nodeconn_relay_fn	 relay_in;
	struct hconn_list	 conns;
	struct hconn_list	 zombies;	/* closed, not yet told */
	struct hconn_bucket	 byid[NC_ID_BUCKETS];
	struct haddr_list	 byaddr[NC_ADDR_BUCKETS];
	uint8_t			 addr_key[crypto_shorthash_KEYBYTES];
	uint32_t		 next_id;
	uint32_t		 max_conns;
	uint32_t		 max_per_addr;
	uint32_t		 login_timeout;	/* s */
	int			 paused;	/* sockets not being read */
	size_t			 auth_est;	/* bytes towards the authority,
						   an upper bound */
	struct event		*resume_ev;
	struct event		*accept_ev;
	int			 accept_held;
	struct lograte		 accept_log;
	struct lograte		 nomem_log;
	/*
	 * Connections with their two events in the same object, from a
	 * slab: no allocation of ours is left in the heap between the
	 * event library's per-descriptor entries, which it keeps.
	 */
	struct slab		 conns_slab;
	size_t			 evsize;	/* rounded up */
} nc;

static void	hconn_write(int, short, void *);
static void	nodeconn_pause(void);

/* ------------------------------------------------------------------ */
/* The authority's channel and backpressure */

/* Bytes queued on the channel: exact, by walking the queue. */
static size_t
auth_queued_bytes(void)
{
	const struct imsgbuf	*ib = &eng.ps->iev[HUBD_PROC_AUTHORITY].ibuf;
	const struct ibuf	*b;
	size_t			 n = 0;

	TAILQ_FOREACH(b, &ib->wq, entry)
		n += b->size - b->wpos;
	return n;
}

/*
 * Walking the queue after every message would cost as much as the
 * messages, so a running upper bound (what we queued since the last
 * walk, plus what that walk found) decides when to walk.
 */
static void
auth_check_backlog(void)
{
	const struct imsgbuf	*ib = &eng.ps->iev[HUBD_PROC_AUTHORITY].ibuf;

	if (imsgbuf_queued(ib) >= NC_AUTH_BACKLOG_MSGS) {
		nodeconn_pause();
		return;
	}
	if (nc.auth_est < NC_AUTH_BACKLOG)
		return;
	nc.auth_est = auth_queued_bytes();
	if (nc.auth_est >= NC_AUTH_BACKLOG)
		nodeconn_pause();
}

int
auth_send(uint32_t type, uint32_t id, const void *data, size_t len)
{
	/*
	 * -1: no memory for it (the caller gives up that connection), or
	 * the authority is gone, and its channel's close ends us.
	 */
	if (proc_compose_try(eng.ps, HUBD_PROC_AUTHORITY, type, id, -1, data,
	    len) == -1)
		return -1;
	nc.auth_est += IMSG_HEADER_SIZE + len;
	auth_check_backlog();
	return 0;
}

/* ------------------------------------------------------------------ */
/* Connection tables */

static struct hconn_bucket *
id_bucket(uint32_t id)
{
	return &nc.byid[id & (NC_ID_BUCKETS - 1)];
}

struct hconn *
nodeconn_find(uint32_t id)
{
	struct hconn	*c;

	LIST_FOREACH(c, id_bucket(id), hentry)
		if (c->id == id)
			return c;
	return NULL;
}

/* Keyed, so a client choosing its IPv6 addresses cannot pile up a chain. */
static struct haddr_list *
addr_bucket(const uint8_t key[SRC_KEY_LEN])
{
	uint8_t		 h[crypto_shorthash_BYTES];
	uint32_t	 v;

	(void)crypto_shorthash(h, key, SRC_KEY_LEN, nc.addr_key);
	memcpy(&v, h, sizeof(v));
	return &nc.byaddr[v & (NC_ADDR_BUCKETS - 1)];
}

static struct haddr *
addr_find(const uint8_t key[SRC_KEY_LEN], struct haddr_list **bucket)
{
	struct haddr	*h;

	*bucket = addr_bucket(key);
	LIST_FOREACH(h, *bucket, entry)
		if (memcmp(h->key, key, sizeof(h->key)) == 0)
			return h;
	return NULL;
}

static void
addr_release(struct haddr *h)
{
	if (--h->n > 0)
		return;
	LIST_REMOVE(h, entry);
	free(h);
}

/* ------------------------------------------------------------------ */
/* Connections */

/*
 * A connection that cannot go on for want of memory: it stops reading
 * and the next tick closes it (not now: a caller may still hold it).
 */
static void
hconn_doom(struct hconn *c)
{
	(void)event_del(c->rev);
	c->closing = 1;
	c->close_by = 0;
	eng.stats.refused_nomem++;
	eng_stats_touch();
}

/* Events on; the event library may need memory for that. */
static void
hconn_read_on(struct hconn *c)
{
	if (event_add(c->rev, NULL) == -1)
		hconn_doom(c);
}

static void
hconn_write_on(struct hconn *c)
{
	if (!event_pending(c->wev, EV_WRITE, NULL) &&
	    event_add(c->wev, NULL) == -1)
		hconn_doom(c);
}

/*
 * The one way a connection ends: its fd, buffers and table entries go,
 * and the authority hears of it once.
 */
static void
hconn_close(struct hconn *c, const char *why)
{
	char	 buf[ADDR_STRLEN];

	log_debug("connection %u from %s closed: %s", c->id,
	    pkt_addr_str(&c->remote, buf, sizeof(buf)), why);
	(void)event_del(c->rev);
	(void)event_del(c->wev);
	(void)close(c->fd);
	c->fd = -1;
	framer_free(&c->fr);
	frame_out_free(&c->out);
	TAILQ_REMOVE(&nc.conns, c, entry);
	addr_release(c->addr);
	c->addr = NULL;
	/* The authority's RELAY_DEL may come later, or have crossed this. */
	if (relay_del_conn(eng.relay, c->id) == 0)
		eng.stats.relay_sessions = relay_count(eng.relay);
	eng.stats.open--;
	eng_stats_touch();
	/*
	 * Without the memory to tell the authority, the connection stays
	 * a name (its id is not reused) until the tick can tell it.
	 */
	c->closing = c->shut = 1;
	if (!c->untold && auth_send(IMSG_HUB_CONN_CLOSED, c->id, NULL, 0) ==
	    -1) {
		TAILQ_INSERT_TAIL(&nc.zombies, c, entry);
		return;
	}
	LIST_REMOVE(c, hentry);
	slab_put(&nc.conns_slab, c);
}

/* Connections closed while the authority could not be told: again. */
static void
hconn_zombies(void)
{
	struct hconn	*c;

	while ((c = TAILQ_FIRST(&nc.zombies)) != NULL) {
		if (auth_send(IMSG_HUB_CONN_CLOSED, c->id, NULL, 0) == -1)
			return;
		TAILQ_REMOVE(&nc.zombies, c, entry);
		LIST_REMOVE(c, hentry);
		slab_put(&nc.conns_slab, c);
	}
}

/*
 * After CONN_CLOSE and a flushed output: FIN, then wait (within the
 * linger) for the node's EOF.  Closing with unread input would send a
 * reset, and the node's kernel would drop the frames we just sent,
 * which are often the reason for closing (a refusal, say).
 */
static void
hconn_shutdown(struct hconn *c)
{
	if (c->shut)
		return;
	c->shut = 1;
	if (shutdown(c->fd, SHUT_WR) == -1) {
		hconn_close(c, "shutdown failed");
		return;
	}
	if (!nc.paused)
		hconn_read_on(c);
}

static void
hconn_write(int fd, short what, void *arg)
{
	struct hconn	*c = arg;
	uint64_t	 before = eng.stats.tx_bytes;

	switch (frame_out_write(&c->out, c->fd, &eng.stats.tx_bytes)) {
	case -1:
		hconn_close(c, strerror(errno));
		return;
	case 0:
		hconn_write_on(c);
		break;
	default:
		(void)event_del(c->wev);
		if (c->closing)
			hconn_shutdown(c);
		break;
	}
	if (eng.stats.tx_bytes != before)
		eng_stats_touch();
}

/* While closing: input is read only to see the EOF, and dropped. */
static void
hconn_drain(struct hconn *c)
{
	uint8_t		 junk[4096];
	size_t		 total = 0;
	ssize_t		 n;

	while (total < NC_READ_MAX) {
		n = read(c->fd, junk, sizeof(junk));
		if (n > 0) {
			total += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		hconn_close(c, n == 0 ? "closed as asked" : strerror(errno));
		return;
	}
	eng.stats.rx_bytes += total;
	if (total > 0)
		eng_stats_touch();
	sodium_memzero(junk, sizeof(junk));
}

/*
 * Complete frames go to the authority as they are found, so the
 * framer never holds more than one incomplete frame; reads stop after
 * NC_READ_MAX bytes (other connections get their turn, and the level
 * trigger brings us back) or when the authority falls behind.
 */
static void
hconn_read(int fd, short what, void *arg)
{
	struct hconn	*c = arg;
	const uint8_t	*body;
	size_t		 len, total = 0;
	ssize_t		 n;
	int		 r;

	if (c->closing) {
		hconn_drain(c);
		return;
	}
	for (;;) {
		while ((r = framer_next(&c->fr, &body, &len)) == 1) {
			eng.stats.rx_frames++;
			eng_stats_touch();
			/*
			 * The relay's, not the authority's (it could not
			 * open it); whether it counts as activity is the
			 * relay's call.
			 */
			if (body[0] == HUB_FRAME_RELAY) {
				nc.relay_in(c, body, len);
				continue;
			}
			c->last_frame = now_ms();
			meter_add(&c->rx, FRAMER_HDR_LEN + len, c->last_frame);
			/* A frame lost would break its channel: give up. */
			if (auth_send(IMSG_HUB_FRAME_IN, c->id, body, len) ==
			    -1) {
				hconn_doom(c);
				return;
			}
		}
		if (r == -1 && framer_nomem(&c->fr)) {
			hconn_doom(c);
			return;
		}
		if (r == -1) {
			eng.stats.bad_frames++;
			eng_stats_touch();
			hconn_close(c, "bad frame length");
			return;
		}
		if (nc.paused || total >= NC_READ_MAX)
			return;
		n = framer_read_fd(&c->fr, c->fd, NC_READ_MAX - total);
		if (n == -1 && errno == ENOMEM) {
			hconn_doom(c);
			return;
		}
		if (n > 0) {
			total += (size_t)n;
			eng.stats.rx_bytes += (uint64_t)n;
			eng_stats_touch();
			continue;
		}
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n == 0)
			hconn_close(c, framer_pending(&c->fr) > 0 ?
			    "end of stream inside a frame" : "end of stream");
		else
			hconn_close(c, strerror(errno));
		return;
	}
}

/* Options the node's liveness depends on; failing them is not fatal. */
static void
hconn_sockopts(int fd, uint32_t id)
{
	int	 one = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == -1)
		log_debug("connection %u: TCP_NODELAY: %s", id,
		    strerror(errno));
	if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)) == -1)
		log_debug("connection %u: SO_KEEPALIVE: %s", id,
		    strerror(errno));
}

/* Take an accepted socket (ours from here on), or refuse it. */
/* Refused for want of memory: counted, logged now and then. */
static void
hconn_nomem(const struct pkt_addr *from, const char *what)
{
	unsigned long long	 missed;
	char			 buf[ADDR_STRLEN];

	eng.stats.refused_nomem++;
	eng_stats_touch();
	if (lograte_ok(&nc.nomem_log, &missed))
		log_warnx("connection from %s refused: no memory for %s "
		    "(%llu more since the last report)",
		    pkt_addr_str(from, buf, sizeof(buf)), what, missed);
}

/*
 * The next connection id: this engine's stripe (id - 1 is its index
 * modulo the engines), not 0, not one in use.  After 2^32 connections
 * ids come round again, skipping live ones; the authority's sessions
 * are long gone by then.
 */
static uint32_t
hconn_next_id(void)
{
	uint32_t	 id;

	do {
		id = nc.next_id;
		nc.next_id += eng.nengines;
		/* Wrapped: back to our first. */
		if (nc.next_id < id)
			nc.next_id = eng.index + 1;
	} while (nodeconn_find(id) != NULL);
	return id;
}

/* Take an accepted socket (ours from here on), or refuse it. */
static void
hconn_new(int fd, const union sockunion *from, socklen_t fromlen)
{
	struct hub_conn_msg	 m;
	struct haddr_list	*bucket;
	struct haddr		*h;
	struct hconn		*c;
	union sockunion		 su;
	socklen_t		 sl = sizeof(su);
	uint8_t			 key[SRC_KEY_LEN];
	char			 buf[ADDR_STRLEN];
	uint32_t		 id;

	memset(&m, 0, sizeof(m));
	if (sockaddr_to_addr(from, fromlen, &m.remote) == -1) {
		(void)close(fd);
		return;
	}
	src_key(&m.remote, key);
	h = addr_find(key, &bucket);
	if (eng.stats.open >= nc.max_conns ||
	    (h != NULL && h->n >= nc.max_per_addr)) {
		(void)close(fd);
		eng.stats.refused++;
		eng_stats_touch();
		log_debug("connection from %s refused: %s",
		    pkt_addr_str(&m.remote, buf, sizeof(buf)),
		    h != NULL && h->n >= nc.max_per_addr ?
		    "too many from this address" : "too many connections");
		return;
	}
	if (getsockname(fd, &su.sa, &sl) == -1 ||
	    sockaddr_to_addr(&su, sl, &m.local) == -1) {
		log_debug("connection from %s: getsockname: %s",
		    pkt_addr_str(&m.remote, buf, sizeof(buf)), strerror(errno));
		(void)close(fd);
		return;
	}
	/* No memory for it: this one connection is refused, nothing else. */
	if ((c = slab_get(&nc.conns_slab)) == NULL) {
		(void)close(fd);
		hconn_nomem(&m.remote, "a connection");
		return;
	}
	if (h == NULL) {
		if ((h = calloc(1, sizeof(*h))) == NULL) {
			slab_put(&nc.conns_slab, c);
			(void)close(fd);
			hconn_nomem(&m.remote, "its address");
			return;
		}
		memcpy(h->key, key, sizeof(h->key));
		LIST_INSERT_HEAD(bucket, h, entry);
	}
	id = hconn_next_id();
	hconn_sockopts(fd, id);
	(void)framer_init(&c->fr, HUB_FRAME_MAX);
	frame_out_init(&c->out, NC_OUT_MAX);
	c->rev = (struct event *)(void *)((char *)c + sizeof(*c));
	c->wev = (struct event *)(void *)((char *)c + sizeof(*c) + nc.evsize);
	h->n++;
	c->addr = h;
	c->id = id;
	c->fd = fd;
	c->remote = m.remote;
	c->local = m.local;
	c->opened = now_ms();
	if (event_assign(c->rev, eng.ps->base, fd, EV_READ | EV_PERSIST,
	    hconn_read, c) == -1 || event_assign(c->wev, eng.ps->base, fd,
	    EV_WRITE | EV_PERSIST, hconn_write, c) == -1)
		fatalx("%s: event_assign", __func__);
	TAILQ_INSERT_TAIL(&nc.conns, c, entry);
	LIST_INSERT_HEAD(id_bucket(c->id), c, hentry);
	eng.stats.accepted++;
	eng.stats.open++;
	eng_stats_touch();
	log_debug("connection %u from %s accepted", c->id,
	    pkt_addr_str(&c->remote, buf, sizeof(buf)));
	/*
	 * The authority must hear of it before anything else about it;
	 * without the memory to tell it, the connection was never there.
	 */
	if (auth_send(IMSG_HUB_CONN_OPEN, c->id, &m, sizeof(m)) == -1) {
		c->untold = 1;
		hconn_nomem(&m.remote, "telling the authority");
		hconn_close(c, "out of memory");
		return;
	}
	if (!nc.paused)
		hconn_read_on(c);
}

/* The TCP listeners on or off: off while paused or accepts held. */
static void
listeners_set(int on)
{
	int	 i;

	for (i = 0; i < eng.nlis; i++) {
		if (eng.lis[i].kind != HUBD_LISTENER_TCP)
			continue;
		if (!on)
			(void)event_del(eng.lis[i].ev);
		else if (event_add(eng.lis[i].ev, NULL) == -1)
			log_warn("%s: event_add", __func__);
	}
}

/*
 * Out of descriptors or memory, accept fails while the listener stays
 * readable: without a pause the loop would spin on it.  The kernel
 * keeps the connections waiting in the backlog meanwhile, and closing
 * ones free descriptors.
 */
static void
accept_hold(void)
{
	struct timeval	 tv = { 0, NC_ACCEPT_HOLD_MS * 1000 };

	if (nc.accept_held)
		return;
	nc.accept_held = 1;
	listeners_set(0);
	(void)evtimer_add(nc.accept_ev, &tv);
}

static void
accept_release(int fd, short what, void *arg)
{
	nc.accept_held = 0;
	if (!nc.paused)
		listeners_set(1);
}

void
nodeconn_accept(int fd, short what, void *arg)
{
	union sockunion		 su;
	socklen_t		 sl;
	int			 i, s, err;

	for (i = 0; i < NC_ACCEPT_BATCH && !nc.paused && !nc.accept_held;
	    i++) {
		sl = sizeof(su);
		s = accept4(fd, &su.sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (s != -1) {
			hconn_new(s, &su, sl);
			continue;
		}
		err = errno;
		if (eng_sock_retry(err, &nc.accept_log, "accept"))
			continue;
		if (err == EMFILE || err == ENFILE || err == ENOBUFS ||
		    err == ENOMEM)
			accept_hold();
		return;
	}
}

/* ------------------------------------------------------------------ */
/* Pause and resume, timeouts */

static void
nodeconn_pause(void)
{
	struct timeval	 tv = { 0, NC_RESUME_USEC };
	struct hconn	*c;

	if (nc.paused)
		return;
	nc.paused = 1;
	listeners_set(0);
	TAILQ_FOREACH(c, &nc.conns, entry)
		(void)event_del(c->rev);
	if (evtimer_add(nc.resume_ev, &tv) == -1)
		fatalx("%s: evtimer_add", __func__);
	log_debug("authority behind: reading paused");
}

/*
 * Polled rather than driven by the authority's channel, whose handler
 * is the framework's; a millisecond is short next to socket buffers.
 */
static void
nodeconn_resume(int fd, short what, void *arg)
{
	struct timeval	 tv = { 0, NC_RESUME_USEC };
	const struct imsgbuf *ib = &eng.ps->iev[HUBD_PROC_AUTHORITY].ibuf;
	struct hconn	*c;

	if (imsgbuf_queued(ib) > NC_AUTH_BACKLOG_MSGS / 2 ||
	    (nc.auth_est = auth_queued_bytes()) > NC_AUTH_BACKLOG / 2) {
		if (evtimer_add(nc.resume_ev, &tv) == -1)
			fatalx("%s: evtimer_add", __func__);
		return;
	}
	nc.paused = 0;
	if (!nc.accept_held)
		listeners_set(1);
	TAILQ_FOREACH(c, &nc.conns, entry)
		if (!c->closing || c->shut)
			hconn_read_on(c);
	log_debug("reading resumed");
}

int
nodeconn_paused(void)
{
	return nc.paused;
}

void
nodeconn_tick(uint64_t now)
{
	struct hconn	*c, *next;
	uint64_t	 login = (uint64_t)nc.login_timeout * 1000;

	hconn_zombies();
	for (c = TAILQ_FIRST(&nc.conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->closing) {
			if (now >= c->close_by)
				hconn_close(c, c->close_by == 0 ?
				    "out of memory" : "close linger expired");
			continue;
		}
		/*
		 * While paused, frames wait in the kernel through no fault
		 * of the node's.
		 */
		if (nc.paused)
			continue;
		if (c->last_frame == 0 && now - c->opened >= login) {
			eng.stats.closed_idle++;
			hconn_close(c, "no frame before the login timeout");
		} else if (c->last_frame != 0 &&
		    now - c->last_frame >= NC_IDLE_TIMEOUT * 1000) {
			eng.stats.closed_idle++;
			hconn_close(c, "idle");
		}
	}
}

/* ------------------------------------------------------------------ */
/* The authority's word, and the relay's frames */

void
nodeconn_frame_out(uint32_t id, const uint8_t *body, size_t len)
{
	struct hconn	*c;

	if (len == 0 || len > HUB_FRAME_MAX)
		fatalx("%s: bad frame size %zu", __func__, len);
	/* Gone already: the authority learns it from CONN_CLOSED. */
	if ((c = nodeconn_find(id)) == NULL || c->closing)
		return;
	if (frame_out_add(&c->out, body, len) == -1) {
		if (errno != ENOBUFS) {
			hconn_doom(c);
			return;
		}
		hconn_close(c, "output over 1 MiB: reader too slow");
		return;
	}
	meter_add(&c->tx, FRAMER_HDR_LEN + len, now_ms());
	eng.stats.tx_frames++;
	eng_stats_touch();
	hconn_write_on(c);
}

void
nodeconn_close_asked(uint32_t id)
{
	struct hconn	*c;

	if ((c = nodeconn_find(id)) == NULL || c->closing)
		return;
	log_debug("connection %u: closing as the authority asked", c->id);
	c->closing = 1;
	c->close_by = now_ms() + NC_CLOSE_LINGER * 1000;
	/* Nothing more goes to the authority; reading resumes after FIN. */
	(void)event_del(c->rev);
	if (frame_out_pending(&c->out) == 0)
		hconn_shutdown(c);
}

int
nodeconn_relay_out(struct hconn *c, const uint8_t *body, size_t len)
{
	if (c->closing || frame_out_pending(&c->out) + FRAMER_HDR_LEN + len >
	    NC_RELAY_OUT_MAX || frame_out_add(&c->out, body, len) == -1)
		return -1;
	eng.stats.tx_frames++;
	eng_stats_touch();
	hconn_write_on(c);
	return 0;
}

void
nodeconn_count_relay(struct hconn *c, int tx, size_t len, uint64_t now)
{
	if (tx) {
		meter_add(&c->tx, len, now);
		c->relay_tx_bytes += len;
		c->relay_tx_packets++;
	} else {
		meter_add(&c->rx, len, now);
		c->relay_rx_bytes += len;
		c->relay_rx_packets++;
	}
}

void
nodeconn_traffic(const struct hconn *c, uint64_t now,
    struct ctl_hub_traffic *t)
{
	memset(t, 0, sizeof(*t));
	t->rx_bytes = c->rx.bytes;
	t->rx_packets = c->rx.packets;
	t->tx_bytes = c->tx.bytes;
	t->tx_packets = c->tx.packets;
	t->relay_rx_bytes = c->relay_rx_bytes;
	t->relay_rx_packets = c->relay_rx_packets;
	t->relay_tx_bytes = c->relay_tx_bytes;
	t->relay_tx_packets = c->relay_tx_packets;
	meter_rate(&c->rx, now, &t->rate.rx_bytes, &t->rate.rx_packets);
	meter_rate(&c->tx, now, &t->rate.tx_bytes, &t->rate.tx_packets);
}

void
nodeconn_limits(const struct hubd_conf_msg *m)
{
	uint32_t	 all;

	/*
	 * A lower limit applies to new connections; none is cut off.  Each
	 * engine takes its share of max-connections; connections from one
	 * address are counted by each engine that holds some of them.
	 */
	all = m->max_conns > 0 ? m->max_conns : NC_DEF_MAX_CONNS;
	nc.max_conns = (all + eng.nengines - 1) / eng.nengines;
	nc.next_id = eng.index + 1;
	nc.max_per_addr = m->max_per_addr > 0 ? m->max_per_addr :
	    NC_DEF_MAX_PER_ADDR;
	nc.login_timeout = m->login_timeout > 0 ? m->login_timeout :
	    NC_DEF_LOGIN_TIMEOUT;
	log_debug("limits: %u connections, %u per address, login within "
	    "%u s", nc.max_conns, nc.max_per_addr, nc.login_timeout);
}

void
nodeconn_init(nodeconn_relay_fn relay_in)
{
	int	 i;

	nc.evsize = (event_get_struct_event_size() + 15) & ~(size_t)15;
	nc.conns_slab.size = sizeof(struct hconn) + 2 * nc.evsize;
	nc.conns_slab.per_chunk = 256;

	nc.relay_in = relay_in;
	TAILQ_INIT(&nc.conns);
	TAILQ_INIT(&nc.zombies);
	for (i = 0; i < NC_ID_BUCKETS; i++)
		LIST_INIT(&nc.byid[i]);
	for (i = 0; i < NC_ADDR_BUCKETS; i++)
		LIST_INIT(&nc.byaddr[i]);
	/* Before seccomp: getrandom is not allowed afterwards. */
	randombytes_buf(nc.addr_key, sizeof(nc.addr_key));
	nc.next_id = eng.index + 1;
	nc.max_conns = NC_DEF_MAX_CONNS;
	nc.max_per_addr = NC_DEF_MAX_PER_ADDR;
	nc.login_timeout = NC_DEF_LOGIN_TIMEOUT;
	if ((nc.resume_ev = evtimer_new(eng.ps->base, nodeconn_resume,
	    NULL)) == NULL || (nc.accept_ev = evtimer_new(eng.ps->base,
	    accept_release, NULL)) == NULL)
		fatalx("%s: evtimer_new", __func__);
}
