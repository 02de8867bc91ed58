/*
 * hamhubd's engine: the network-facing process.  It accepts node
 * connections on the TCP listeners the parent bound, cuts each stream
 * into frames and hands the bodies to the authority, and writes the
 * authority's frames back.  It holds no key and never looks inside a
 * frame: everything it moves is ciphertext or a Noise handshake, so a
 * compromised engine can drop or delay the hub's traffic but neither
 * read nor forge it.
 *
 * Each connection gets an id that is never reused while the process
 * lives, so a late message from the authority about a closed
 * connection can never reach a newer one.  The authority hears of each
 * connection exactly twice: IMSG_HUB_CONN_OPEN when it is accepted and
 * IMSG_HUB_CONN_CLOSED when it ends, whatever the reason.
 *
 * What one hostile client can cost us is bounded: one framer buffer
 * (2 + HUB_FRAME_MAX bytes), 1 MiB of output, a share of the reads per
 * loop turn, and its slot until the login or idle timeout.  The number
 * of connections is bounded in total and per address.
 *
 * It also answers NAT discovery probes on the UDP sockets the parent
 * bound (the TCP port and the next one): a probe of exactly
 * NAT_PROBE_LEN bytes gets NAT_ANSWER_LEN bytes saying where it came
 * from, at most HUBE_NAT_RATE a second per source; anything else is
 * dropped and counted.  An answer is always smaller than its probe and
 * the rate table bounds all answers together, so the hub is a poor
 * reflector.  See PROTOCOL.md, "NAT discovery".
 *
 * And it relays WireGuard packets between logged-in nodes that share a
 * network, for those no direct path reaches (PROTOCOL.md, "Relay"): by
 * UDP on the first discovery socket of each address (port P; P+1 never
 * relays) and as relay frames on node connections, which never reach
 * the authority.  The authority names the sessions (relay id, token,
 * connection) and the pairs allowed; the table is relay.c.  Only a
 * REGISTER with the right token is answered, and with fewer bytes; a
 * relayed packet leaves as large as it came (plus the frame's 2-byte
 * length on TCP, to a logged-in node), so nothing here amplifies.
 */
#include "autoconf.h"

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "compat/bytes.h"
#include "compat/util.h"
#include "proto/framer.h"
#include "hub/hubd_msg.h"
#include "proto/hubproto.h"
#include "privsep/log.h"
#include "privsep/policies.h"
#include "privsep/proc.h"
#include "hub/relay.h"
#include "privsep/sandbox.h"

/* Limits when the parent sends no configuration. */
#define HUBE_DEF_MAX_CONNS	4096
#define HUBE_DEF_MAX_PER_ADDR	16
#define HUBE_DEF_LOGIN_TIMEOUT	10	/* s */
/* Nodes ping every 20 s: three missed pings and more is a dead link. */
#define HUBE_IDLE_TIMEOUT	90	/* s */
/* What CONN_CLOSE waits for the queued output to leave. */
#define HUBE_CLOSE_LINGER	2	/* s */
/* Unsent output beyond this: a reader too slow to keep. */
#define HUBE_OUT_MAX		(1024 * 1024)
/* Bytes read from one connection per readable event. */
#define HUBE_READ_MAX		(64 * 1024)
/* Connections accepted per event on one listener. */
#define HUBE_ACCEPT_BATCH	64
/*
 * Output queued towards the authority before we stop reading sockets:
 * bytes, and messages (which also bounds the cost of counting the
 * bytes).  Reading resumes below half of both.
 */
#define HUBE_AUTH_BACKLOG	(4 * 1024 * 1024)
#define HUBE_AUTH_BACKLOG_MSGS	65536
#define HUBE_RESUME_USEC	1000
/* Timeouts, close lingers and statistics run on one tick. */
#define HUBE_TICK_SEC		1
/* hubconfig.h: 8 addresses, each TCP and UDP on two ports */
#define HUBE_MAX_LISTENERS	24
#define HUBE_ID_BUCKETS		4096	/* power of two */
#define HUBE_ADDR_BUCKETS	1024	/* power of two */
/* At most one log line per this many seconds about failing accepts. */
#define HUBE_LOG_INTERVAL	10

/* Datagrams read per readable event on one UDP socket. */
#define HUBE_UDP_BATCH		64
/*
 * Discovery answers: at most HUBE_NAT_RATE a second (bursts of as many)
 * per source, an IPv4 address or an IPv6 /64, in a table of
 * HUBE_NAT_SLOTS slots.  A slot changes hands only after a second
 * without probes from its owner, so all answers together stay under
 * HUBE_NAT_SLOTS * HUBE_NAT_RATE a second.
 */
#define HUBE_NAT_RATE		20
#define HUBE_NAT_SLOTS		1024	/* power of two */

/*
 * Relay frames are dropped once a connection's unsent output passes
 * this, so that the authority's own frames (which close the connection
 * when they do not fit) always find room.
 */
#define HUBE_RELAY_OUT_MAX	(HUBE_OUT_MAX / 2)
/* A relayed WireGuard packet: a keepalive (32 bytes) at least. */
#define HUBE_RELAY_MIN_PKT	32
/* Room for the largest UDP datagram. */
#define HUBE_UDP_BUF		65536

/*
 * Connections counted together for max_per_addr: one IPv4 address, or
 * one IPv6 /64 (a single host usually has a whole /64 to pick from).
 */
struct haddr {
	LIST_ENTRY(haddr)	 entry;
	uint8_t			 key[1 + 16];
	uint32_t		 n;
};
LIST_HEAD(haddr_list, haddr);

struct hconn {
	TAILQ_ENTRY(hconn)	 entry;		/* all connections */
	LIST_ENTRY(hconn)	 hentry;	/* id bucket */
	uint32_t		 id;
	int			 fd;
	struct event		*rev;
	struct event		*wev;
	struct framer		 fr;
	struct frame_out	 out;
	struct pkt_addr		 remote;
	struct pkt_addr		 local;
	struct haddr		*addr;
	uint64_t		 opened;	/* monotonic ms */
	uint64_t		 last_frame;	/* 0: none yet */
	int			 closing;	/* the authority said CONN_CLOSE */
	int			 shut;		/* our FIN sent */
	uint64_t		 close_by;	/* give up flushing then */
};
TAILQ_HEAD(hconn_list, hconn);
LIST_HEAD(hconn_bucket, hconn);

struct hlistener {
	int			 fd;
	int			 kind;
	int			 relay;		/* UDP port P: relays too */
	int			 port;		/* host order; -1: unknown */
	struct event		*ev;		/* TCP: accept; UDP: datagrams */
};

/* A token bucket of discovery answers for one source. */
struct natslot {
	uint8_t			 key[1 + 16];	/* addr_key(); zeros: free */
	uint64_t		 last;		/* monotonic ms */
	uint32_t		 tokens;	/* thousandths of an answer */
};

struct ratelimit {
	uint64_t		 last;
	int			 logged;
	uint64_t		 missed;
};

struct hubengine {
	struct privsep		*ps;
	struct hlistener	 lis[HUBE_MAX_LISTENERS];
	int			 nlis;
	struct hconn_list	 conns;
	struct hconn_bucket	 byid[HUBE_ID_BUCKETS];
	struct haddr_list	 byaddr[HUBE_ADDR_BUCKETS];
	uint8_t			 addr_key[crypto_shorthash_KEYBYTES];
	uint32_t		 next_id;
	uint32_t		 max_conns;
	uint32_t		 max_per_addr;
	uint32_t		 login_timeout;	/* s */
	int			 paused;	/* sockets not being read */
	size_t			 auth_est;	/* bytes towards the authority,
						   an upper bound */
	struct event		*resume_ev;
	struct event		*tick_ev;
	struct hubd_engine_stats stats;
	int			 stats_changed;
	struct ratelimit	 accept_log;
	struct ratelimit	 udp_log;
	struct natslot		 nat[HUBE_NAT_SLOTS];
	struct relay_table	*relay;
	int			 last_tcp;	/* listener index, -1: none */
	int			 udp_after_tcp;	/* UDP listeners since it */
	uint8_t			 udpbuf[HUBE_UDP_BUF];
	uint8_t			 relaybuf[HUB_FRAME_MAX];
};

static struct hubengine	*env;

static void	hconn_close(struct hconn *, const char *why);
static void	relay_frame_in(struct hconn *, const uint8_t *, size_t);
static void	hconn_write(int, short, void *);
static void	hubengine_pause(void);

static int
ratelimit_ok(struct ratelimit *rl, unsigned long long *missed)
{
	uint64_t	 now = now_ms();

	if (rl->logged && now - rl->last < HUBE_LOG_INTERVAL * 1000) {
		rl->missed++;
		return 0;
	}
	rl->logged = 1;
	rl->last = now;
	*missed = rl->missed;
	rl->missed = 0;
	return 1;
}

static void
stats_touch(void)
{
	env->stats_changed = 1;
}

/* ------------------------------------------------------------------ */
/* The authority's channel and backpressure */

/* Bytes queued on the channel: exact, by walking the queue. */
static size_t
auth_queued_bytes(void)
{
	const struct imsgbuf	*ib = &env->ps->iev[HUBD_PROC_AUTHORITY].ibuf;
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
	const struct imsgbuf	*ib = &env->ps->iev[HUBD_PROC_AUTHORITY].ibuf;

	if (imsgbuf_queued(ib) >= HUBE_AUTH_BACKLOG_MSGS) {
		hubengine_pause();
		return;
	}
	if (env->auth_est < HUBE_AUTH_BACKLOG)
		return;
	env->auth_est = auth_queued_bytes();
	if (env->auth_est >= HUBE_AUTH_BACKLOG)
		hubengine_pause();
}

static void
auth_send(uint32_t type, uint32_t id, const void *data, size_t len)
{
	/* -1: the authority is gone, and its channel's close ends us. */
	if (proc_compose(env->ps, HUBD_PROC_AUTHORITY, type, id, -1, data,
	    len) == 0)
		env->auth_est += IMSG_HEADER_SIZE + len;
	auth_check_backlog();
}

/* ------------------------------------------------------------------ */
/* Connection tables */

static struct hconn_bucket *
id_bucket(uint32_t id)
{
	return &env->byid[id & (HUBE_ID_BUCKETS - 1)];
}

static struct hconn *
hconn_find(uint32_t id)
{
	struct hconn	*c;

	LIST_FOREACH(c, id_bucket(id), hentry)
		if (c->id == id)
			return c;
	return NULL;
}

static void
addr_key(const struct pkt_addr *a, uint8_t key[1 + 16])
{
	memset(key, 0, 1 + 16);
	key[0] = a->af;
	memcpy(key + 1, a->addr, a->af == AF_INET ? 4 : 8);
}

/* Keyed, so a client choosing its IPv6 addresses cannot pile up a chain. */
static struct haddr_list *
addr_bucket(const uint8_t key[1 + 16])
{
	uint8_t		 h[crypto_shorthash_BYTES];
	uint32_t	 v;

	(void)crypto_shorthash(h, key, 1 + 16, env->addr_key);
	memcpy(&v, h, sizeof(v));
	return &env->byaddr[v & (HUBE_ADDR_BUCKETS - 1)];
}

static struct haddr *
addr_find(const uint8_t key[1 + 16], struct haddr_list **bucket)
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

static void
hconn_read_on(struct hconn *c)
{
	if (event_add(c->rev, NULL) == -1)
		fatalx("%s: event_add", __func__);
}

static void
hconn_write_on(struct hconn *c)
{
	if (!event_pending(c->wev, EV_WRITE, NULL) &&
	    event_add(c->wev, NULL) == -1)
		fatalx("%s: event_add", __func__);
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
	event_free(c->rev);
	event_free(c->wev);
	(void)close(c->fd);
	framer_free(&c->fr);
	frame_out_free(&c->out);
	TAILQ_REMOVE(&env->conns, c, entry);
	LIST_REMOVE(c, hentry);
	addr_release(c->addr);
	/* The authority's RELAY_DEL may come later, or have crossed this. */
	if (relay_del_conn(env->relay, c->id) == 0)
		env->stats.relay_sessions = relay_count(env->relay);
	env->stats.open--;
	stats_touch();
	auth_send(IMSG_HUB_CONN_CLOSED, c->id, NULL, 0);
	free(c);
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
	if (!env->paused)
		hconn_read_on(c);
}

static void
hconn_write(int fd, short what, void *arg)
{
	struct hconn	*c = arg;
	uint64_t	 before = env->stats.tx_bytes;

	switch (frame_out_write(&c->out, c->fd, &env->stats.tx_bytes)) {
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
	if (env->stats.tx_bytes != before)
		stats_touch();
}

/* While closing: input is read only to see the EOF, and dropped. */
static void
hconn_drain(struct hconn *c)
{
	uint8_t		 junk[4096];
	size_t		 total = 0;
	ssize_t		 n;

	while (total < HUBE_READ_MAX) {
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
	env->stats.rx_bytes += total;
	if (total > 0)
		stats_touch();
	sodium_memzero(junk, sizeof(junk));
}

/*
 * Complete frames go to the authority as they are found, so the
 * framer never holds more than one incomplete frame; reads stop after
 * HUBE_READ_MAX bytes (other connections get their turn, and the level
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
			env->stats.rx_frames++;
			stats_touch();
			/* Ours, not the authority's (it could not open it). */
			if (body[0] == HUB_FRAME_RELAY) {
				relay_frame_in(c, body, len);
				continue;
			}
			c->last_frame = now_ms();
			auth_send(IMSG_HUB_FRAME_IN, c->id, body, len);
		}
		if (r == -1) {
			env->stats.bad_frames++;
			stats_touch();
			hconn_close(c, "bad frame length");
			return;
		}
		if (env->paused || total >= HUBE_READ_MAX)
			return;
		n = framer_read_fd(&c->fr, c->fd, HUBE_READ_MAX - total);
		if (n > 0) {
			total += (size_t)n;
			env->stats.rx_bytes += (uint64_t)n;
			stats_touch();
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
static void
hconn_new(int fd, const union sockunion *from, socklen_t fromlen)
{
	struct hub_conn_msg	 m;
	struct haddr_list	*bucket;
	struct haddr		*h;
	struct hconn		*c;
	union sockunion		 su;
	socklen_t		 sl = sizeof(su);
	uint8_t			 key[1 + 16];
	char			 buf[ADDR_STRLEN];

	memset(&m, 0, sizeof(m));
	if (sockaddr_to_addr(from, fromlen, &m.remote) == -1) {
		(void)close(fd);
		return;
	}
	addr_key(&m.remote, key);
	h = addr_find(key, &bucket);
	if (env->stats.open >= env->max_conns ||
	    (h != NULL && h->n >= env->max_per_addr)) {
		(void)close(fd);
		env->stats.refused++;
		stats_touch();
		log_debug("connection from %s refused: %s",
		    pkt_addr_str(&m.remote, buf, sizeof(buf)),
		    h != NULL && h->n >= env->max_per_addr ?
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
	/* Ids name connections to the authority: never twice. */
	if (env->next_id == 0)
		fatalx("%s: connection ids exhausted", __func__);
	hconn_sockopts(fd, env->next_id);

	if ((c = calloc(1, sizeof(*c))) == NULL)
		fatal("%s: calloc", __func__);
	if (framer_init(&c->fr, HUB_FRAME_MAX) == -1)
		fatal("%s: framer_init", __func__);
	frame_out_init(&c->out, HUBE_OUT_MAX);
	if (h == NULL) {
		if ((h = calloc(1, sizeof(*h))) == NULL)
			fatal("%s: calloc", __func__);
		memcpy(h->key, key, sizeof(h->key));
		LIST_INSERT_HEAD(bucket, h, entry);
	}
	h->n++;
	c->addr = h;
	c->id = env->next_id++;
	c->fd = fd;
	c->remote = m.remote;
	c->local = m.local;
	c->opened = now_ms();
	if ((c->rev = event_new(env->ps->base, fd, EV_READ | EV_PERSIST,
	    hconn_read, c)) == NULL ||
	    (c->wev = event_new(env->ps->base, fd, EV_WRITE | EV_PERSIST,
	    hconn_write, c)) == NULL)
		fatalx("%s: event_new", __func__);
	TAILQ_INSERT_TAIL(&env->conns, c, entry);
	LIST_INSERT_HEAD(id_bucket(c->id), c, hentry);
	env->stats.accepted++;
	env->stats.open++;
	stats_touch();
	log_debug("connection %u from %s accepted", c->id,
	    pkt_addr_str(&c->remote, buf, sizeof(buf)));
	auth_send(IMSG_HUB_CONN_OPEN, c->id, &m, sizeof(m));
	if (!env->paused)
		hconn_read_on(c);
}

static void
hubengine_accept(int fd, short what, void *arg)
{
	union sockunion		 su;
	socklen_t		 sl;
	unsigned long long	 missed;
	int			 i, s;

	for (i = 0; i < HUBE_ACCEPT_BATCH && !env->paused; i++) {
		sl = sizeof(su);
		s = accept4(fd, &su.sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (s != -1) {
			hconn_new(s, &su, sl);
			continue;
		}
		switch (errno) {
		case EAGAIN:
#if EWOULDBLOCK != EAGAIN
		case EWOULDBLOCK:
#endif
			return;
		case EINTR:
		case ECONNABORTED:
		case EPROTO:
			continue;
		default:
			/*
			 * Out of fds or memory: the listener stays readable,
			 * so stop for this turn; the kernel keeps the
			 * backlog, and closing connections frees fds.
			 */
			if (ratelimit_ok(&env->accept_log, &missed))
				log_warn("accept (%llu more since the last "
				    "report)", missed);
			return;
		}
	}
}

/* ------------------------------------------------------------------ */
/* NAT discovery */

/* May src have an answer now?  Takes one token if so. */
static int
nat_allow(const struct pkt_addr *src, uint64_t now)
{
	uint8_t		 key[1 + 16], h[crypto_shorthash_BYTES];
	uint32_t	 v;
	uint64_t	 t, elapsed;
	struct natslot	*s;

	addr_key(src, key);
	(void)crypto_shorthash(h, key, sizeof(key), env->addr_key);
	memcpy(&v, h, sizeof(v));
	s = &env->nat[v & (HUBE_NAT_SLOTS - 1)];
	elapsed = now - s->last;
	if (memcmp(s->key, key, sizeof(key)) != 0) {
		/* Another source's, and busy: this one waits. */
		if (s->last != 0 && elapsed < 1000)
			return 0;
		memcpy(s->key, key, sizeof(key));
		s->tokens = HUBE_NAT_RATE * 1000;
	} else {
		t = (uint64_t)s->tokens + elapsed * HUBE_NAT_RATE;
		s->tokens = t > HUBE_NAT_RATE * 1000 ? HUBE_NAT_RATE * 1000 :
		    (uint32_t)t;
	}
	s->last = now;
	if (s->tokens < 1000)
		return 0;
	s->tokens -= 1000;
	return 1;
}

/*
 * Answers and relayed datagrams leave from the hub address the
 * datagram that caused them reached (IP_PKTINFO/IPV6_PKTINFO, which the
 * parent asked for), so that on a wildcard socket of a multi-homed hub
 * they get through the node's NAT.
 */

/* The hub address a datagram reached, from its PKTINFO; af 0 if none. */
static void
local_of(struct msghdr *in, struct pkt_addr *a)
{
	struct cmsghdr		*c;
	struct in_pktinfo	 pi;
	struct in6_pktinfo	 pi6;

	memset(a, 0, sizeof(*a));
	for (c = CMSG_FIRSTHDR(in); c != NULL; c = CMSG_NXTHDR(in, c)) {
		if (c->cmsg_level == IPPROTO_IP &&
		    c->cmsg_type == IP_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(pi))) {
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			a->af = AF_INET;
			memcpy(a->addr, &pi.ipi_addr, 4);
			return;
		}
		if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(pi6))) {
			memcpy(&pi6, CMSG_DATA(c), sizeof(pi6));
			a->af = AF_INET6;
			memcpy(a->addr, &pi6.ipi6_addr, 16);
			return;
		}
	}
}

/* The control message making a datagram leave from local; its length. */
static size_t
local_cmsg(const struct pkt_addr *local, uint8_t *out, size_t outlen)
{
	struct cmsghdr		*o = (struct cmsghdr *)(void *)out;
	struct in_pktinfo	 pi;
	struct in6_pktinfo	 pi6;

	memset(out, 0, outlen);
	if (local->af == AF_INET && outlen >= CMSG_SPACE(sizeof(pi))) {
		memset(&pi, 0, sizeof(pi));
		memcpy(&pi.ipi_spec_dst, local->addr, 4);
		o->cmsg_level = IPPROTO_IP;
		o->cmsg_type = IP_PKTINFO;
		o->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(o), &pi, sizeof(pi));
		return CMSG_SPACE(sizeof(pi));
	}
	if (local->af == AF_INET6 && outlen >= CMSG_SPACE(sizeof(pi6))) {
		memset(&pi6, 0, sizeof(pi6));
		memcpy(&pi6.ipi6_addr, local->addr, 16);
		o->cmsg_level = IPPROTO_IPV6;
		o->cmsg_type = IPV6_PKTINFO;
		o->cmsg_len = CMSG_LEN(sizeof(pi6));
		memcpy(CMSG_DATA(o), &pi6, sizeof(pi6));
		return CMSG_SPACE(sizeof(pi6));
	}
	return 0;
}

/* One datagram to a, from local, on fd.  0, or -1 (dropped). */
static int
udp_send_from(int fd, const struct pkt_addr *a, const struct pkt_addr *local,
    const uint8_t *buf, size_t len)
{
	union sockunion		 to;
	union {
		struct cmsghdr	 h;
		uint8_t		 b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	}			 cbuf;
	struct iovec		 iov;
	struct msghdr		 out;
	socklen_t		 tolen;
	size_t			 clen;

	memset(&to, 0, sizeof(to));
	if (a->af == AF_INET) {
		to.sin.sin_family = AF_INET;
		to.sin.sin_port = a->port;
		memcpy(&to.sin.sin_addr, a->addr, 4);
		tolen = sizeof(to.sin);
	} else {
		to.sin6.sin6_family = AF_INET6;
		to.sin6.sin6_port = a->port;
		memcpy(&to.sin6.sin6_addr, a->addr, 16);
		tolen = sizeof(to.sin6);
	}
	clen = local_cmsg(local, cbuf.b, sizeof(cbuf.b));
	memset(&out, 0, sizeof(out));
	iov.iov_base = (void *)(uintptr_t)buf;
	iov.iov_len = len;
	out.msg_name = &to;
	out.msg_namelen = tolen;
	out.msg_iov = &iov;
	out.msg_iovlen = 1;
	out.msg_control = clen > 0 ? cbuf.b : NULL;
	out.msg_controllen = clen;
	if (sendmsg(fd, &out, MSG_DONTWAIT) != (ssize_t)len)
		return -1;
	return 0;
}

/*
 * One datagram: answered if it is a well-formed probe from a source
 * within its rate; otherwise dropped.  Returns 1 if answered.
 */
static int
nat_probe(int fd, const uint8_t *buf, ssize_t n, struct msghdr *msg,
    uint64_t now)
{
	union sockunion		*from = msg->msg_name;
	struct pkt_addr		 src, local;
	uint8_t			 ans[NAT_ANSWER_LEN];

	if (n != NAT_PROBE_LEN || (msg->msg_flags & MSG_TRUNC) ||
	    buf[0] != NAT_PROBE_TYPE || buf[1] != 0 || buf[2] != 0 ||
	    buf[3] != 0)
		return 0;
	if (sockaddr_to_addr(from, msg->msg_namelen, &src) == -1 ||
	    src.port == 0)
		return 0;
	if (!nat_allow(&src, now))
		return 0;

	memset(ans, 0, sizeof(ans));
	ans[0] = NAT_ANSWER_TYPE;
	memcpy(ans + 4, buf + 4, 8);		/* the nonce */
	ans[12] = src.af == AF_INET ? 4 : 6;
	memcpy(ans + 14, &src.port, 2);		/* network order */
	memcpy(ans + 16, src.addr, src.af == AF_INET ? 4 : 16);

	local_of(msg, &local);
	if (udp_send_from(fd, &src, &local, ans, sizeof(ans)) == -1)
		return 0;
	return 1;
}

/* ------------------------------------------------------------------ */
/* Relay */

/*
 * Relay header and WireGuard packet: type, three zero bytes, the id,
 * then a packet whose own first four bytes are a WireGuard type (1-4)
 * and three zeros.  The relay carries nothing else.
 */
static int
relay_wellformed(const uint8_t *b, size_t len)
{
	const uint8_t	*wg = b + HUB_RELAY_HDR_LEN;

	return len >= HUB_RELAY_HDR_LEN + HUBE_RELAY_MIN_PKT &&
	    b[1] == 0 && b[2] == 0 && b[3] == 0 &&
	    wg[0] >= 1 && wg[0] <= 4 && wg[1] == 0 && wg[2] == 0 && wg[3] == 0;
}

static void
relay_verdict_count(enum relay_verdict v)
{
	switch (v) {
	case RELAY_DENIED:
		env->stats.relay_denied++;
		break;
	case RELAY_REPLAY:
	case RELAY_MALFORMED:
		env->stats.relay_bad++;
		break;
	case RELAY_OK:
		break;
	default:
		env->stats.relay_unknown++;
		break;
	}
	stats_touch();
}

/*
 * Forward b (len bytes, header included; b is ours to rewrite) as the
 * route says, with the id field now naming the sender.
 */
static void
relay_forward(uint8_t *b, size_t len, const struct relay_route *r)
{
	struct hconn	*d;

	put_be32(b + 4, r->src_id);
	if (r->via_udp) {
		if (r->dst_sock < 0 || r->dst_sock >= env->nlis ||
		    udp_send_from(env->lis[r->dst_sock].fd, &r->dst_addr,
		    &r->dst_local, b, len) == -1)
			return;
	} else {
		b[0] = HUB_FRAME_RELAY;
		if (len > HUB_FRAME_MAX) {
			/* A datagram too large for a frame. */
			env->stats.relay_bad++;
			stats_touch();
			return;
		}
		if ((d = hconn_find(r->dst_conn)) == NULL || d->closing ||
		    frame_out_pending(&d->out) + FRAMER_HDR_LEN + len >
		    HUBE_RELAY_OUT_MAX ||
		    frame_out_add(&d->out, b, len) == -1)
			return;
		env->stats.tx_frames++;
		hconn_write_on(d);
	}
	env->stats.relay_packets++;
	env->stats.relay_bytes += len;
	stats_touch();
}

/*
 * REGISTER on a relay socket (see relay.h): answered only if taken, by
 * a REGISTERED of the same 32 bytes (never more than the question, so
 * the port amplifies nothing).  Counted: a malformed one and a replay
 * (counter not above the last taken) in relay_bad; an unknown id and a
 * wrong MAC in relay_unknown.
 */
static void
relay_udp_register(struct hlistener *l, uint8_t *b, size_t len,
    struct msghdr *msg, const struct pkt_addr *src, uint64_t now)
{
	struct pkt_addr		 local;
	enum relay_verdict	 v;
	uint8_t			 ans[RELAY_AUTH_LEN];

	local_of(msg, &local);
	v = relay_register(env->relay, b, len, src, &local,
	    (int)(l - env->lis), now, ans, NULL);
	if (v != RELAY_OK) {
		relay_verdict_count(v);
		return;
	}
	env->stats.relay_registers++;
	stats_touch();
	(void)udp_send_from(l->fd, src, &local, ans, sizeof(ans));
}

static void
relay_udp_data(uint8_t *b, size_t len, const struct pkt_addr *src,
    uint64_t now)
{
	struct relay_route	 r;
	enum relay_verdict	 v;

	if (!relay_wellformed(b, len)) {
		env->stats.relay_bad++;
		stats_touch();
		return;
	}
	v = relay_route_udp(env->relay, src, get_be32(b + 4), now, &r);
	if (v != RELAY_OK) {
		relay_verdict_count(v);
		return;
	}
	relay_forward(b, len, &r);
}

/*
 * A relay frame from a node connection.  Only a connection with a
 * relay session (a logged-in node) may send them; they do not count
 * as activity before that, or they would hold a slot open unlogged.
 */
static void
relay_frame_in(struct hconn *c, const uint8_t *body, size_t len)
{
	struct relay_route	 r;
	enum relay_verdict	 v;

	if (!relay_wellformed(body, len)) {
		env->stats.relay_bad++;
		stats_touch();
		return;
	}
	v = relay_route_conn(env->relay, c->id, get_be32(body + 4), now_ms(),
	    &r);
	if (v == RELAY_UNKNOWN_SENDER) {
		relay_verdict_count(v);
		return;
	}
	c->last_frame = now_ms();
	if (v != RELAY_OK) {
		relay_verdict_count(v);
		return;
	}
	/* The framer's buffer is not ours to rewrite. */
	memcpy(env->relaybuf, body, len);
	env->relaybuf[0] = RELAY_DATA_TYPE;
	relay_forward(env->relaybuf, len, &r);
}

static void
hubengine_udp(int fd, short what, void *arg)
{
	struct hlistener	*l = arg;
	union sockunion		 from;
	uint8_t			*buf = env->udpbuf;
	union {
		struct cmsghdr	 h;
		uint8_t		 b[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
				    CMSG_SPACE(sizeof(struct in_pktinfo))];
	}			 cbuf;
	struct iovec		 iov;
	struct msghdr		 msg;
	struct pkt_addr		 src;
	unsigned long long	 missed;
	uint64_t		 now = now_ms();
	ssize_t			 n;
	int			 i;

	for (i = 0; i < HUBE_UDP_BATCH; i++) {
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = buf;
		iov.iov_len = HUBE_UDP_BUF;
		msg.msg_name = &from;
		msg.msg_namelen = sizeof(from);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cbuf.b;
		msg.msg_controllen = sizeof(cbuf.b);
		if ((n = recvmsg(fd, &msg, MSG_DONTWAIT)) == -1) {
			switch (errno) {
			case EAGAIN:
#if EWOULDBLOCK != EAGAIN
			case EWOULDBLOCK:
#endif
				return;
			case EINTR:
			case ECONNREFUSED:	/* ICMP about an answer */
			case EHOSTUNREACH:
			case ENETUNREACH:
				continue;
			default:
				if (ratelimit_ok(&env->udp_log, &missed))
					log_warn("recvmsg on a discovery "
					    "socket (%llu more since the last "
					    "report)", missed);
				return;
			}
		}
		if (n > 0 && (buf[0] == RELAY_REGISTER_TYPE ||
		    buf[0] == RELAY_DATA_TYPE)) {
			if (!l->relay || (msg.msg_flags & MSG_TRUNC) ||
			    sockaddr_to_addr(&from, msg.msg_namelen, &src) ==
			    -1 || src.port == 0) {
				env->stats.relay_bad++;
				stats_touch();
				continue;
			}
			if (buf[0] == RELAY_REGISTER_TYPE)
				relay_udp_register(l, buf, (size_t)n, &msg,
				    &src, now);
			else
				relay_udp_data(buf, (size_t)n, &src, now);
			continue;
		}
		if (nat_probe(fd, buf, n, &msg, now))
			env->stats.nat_probes++;
		else
			env->stats.nat_dropped++;
		stats_touch();
	}
}

/* ------------------------------------------------------------------ */
/* Pause and resume, timeouts, statistics */

static void
hubengine_pause(void)
{
	struct timeval	 tv = { 0, HUBE_RESUME_USEC };
	struct hconn	*c;
	int		 i;

	if (env->paused)
		return;
	env->paused = 1;
	for (i = 0; i < env->nlis; i++)
		if (env->lis[i].kind == HUBD_LISTENER_TCP)
			(void)event_del(env->lis[i].ev);
	TAILQ_FOREACH(c, &env->conns, entry)
		(void)event_del(c->rev);
	if (evtimer_add(env->resume_ev, &tv) == -1)
		fatalx("%s: evtimer_add", __func__);
	log_debug("authority behind: reading paused");
}

/*
 * Polled rather than driven by the authority's channel, whose handler
 * is the framework's; a millisecond is short next to socket buffers.
 */
static void
hubengine_resume(int fd, short what, void *arg)
{
	struct timeval	 tv = { 0, HUBE_RESUME_USEC };
	const struct imsgbuf *ib = &env->ps->iev[HUBD_PROC_AUTHORITY].ibuf;
	struct hconn	*c;
	int		 i;

	if (imsgbuf_queued(ib) > HUBE_AUTH_BACKLOG_MSGS / 2 ||
	    (env->auth_est = auth_queued_bytes()) > HUBE_AUTH_BACKLOG / 2) {
		if (evtimer_add(env->resume_ev, &tv) == -1)
			fatalx("%s: evtimer_add", __func__);
		return;
	}
	env->paused = 0;
	for (i = 0; i < env->nlis; i++)
		if (env->lis[i].kind == HUBD_LISTENER_TCP &&
		    event_add(env->lis[i].ev, NULL) == -1)
			fatalx("%s: event_add", __func__);
	TAILQ_FOREACH(c, &env->conns, entry)
		if (!c->closing || c->shut)
			hconn_read_on(c);
	log_debug("reading resumed");
}

static void
hubengine_tick(int fd, short what, void *arg)
{
	struct hconn	*c, *next;
	uint64_t	 now = now_ms();
	uint64_t	 login = (uint64_t)env->login_timeout * 1000;

	for (c = TAILQ_FIRST(&env->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->closing) {
			if (now >= c->close_by)
				hconn_close(c, "close linger expired");
			continue;
		}
		/*
		 * While paused, frames wait in the kernel through no fault
		 * of the node's.
		 */
		if (env->paused)
			continue;
		if (c->last_frame == 0 && now - c->opened >= login) {
			env->stats.closed_idle++;
			hconn_close(c, "no frame before the login timeout");
		} else if (c->last_frame != 0 &&
		    now - c->last_frame >= HUBE_IDLE_TIMEOUT * 1000) {
			env->stats.closed_idle++;
			hconn_close(c, "idle");
		}
	}
	if (env->stats_changed) {
		env->stats_changed = 0;
		auth_send(IMSG_HUBD_ENGINE_STATS, 0, &env->stats,
		    sizeof(env->stats));
	}
}

/* ------------------------------------------------------------------ */
/* Messages */

/* A bound socket's port, host order; -1 if it cannot be had. */
static int
listener_port(int fd)
{
	union sockunion	 su;
	socklen_t	 sl = sizeof(su);
	struct pkt_addr	 a;

	if (getsockname(fd, &su.sa, &sl) == -1 ||
	    sockaddr_to_addr(&su, sl, &a) == -1)
		return -1;
	return ntohs(a.port);
}

static void
hubengine_listener(struct imsg *imsg)
{
	struct hlistener	*l;
	int32_t			 kind;
	int			 fd;

	if (imsg_get_data(imsg, &kind, sizeof(kind)) == -1)
		fatalx("%s: bad size", __func__);
	if (kind != HUBD_LISTENER_TCP && kind != HUBD_LISTENER_UDP)
		fatalx("%s: unknown listener kind %d", __func__, kind);
	if ((fd = imsg_get_fd(imsg)) == -1)
		fatalx("%s: no fd", __func__);
	if (env->nlis == HUBE_MAX_LISTENERS)
		fatalx("%s: too many listeners", __func__);
	l = &env->lis[env->nlis++];
	l->fd = fd;
	l->kind = kind;
	l->port = listener_port(fd);
	/*
	 * The parent sends, per address, the TCP listener and then UDP on
	 * its port P and on P+1: only the first, on port P, relays (nodes
	 * send relay datagrams to the port they know, the TCP one).
	 */
	if (kind == HUBD_LISTENER_TCP) {
		env->last_tcp = env->nlis - 1;
		env->udp_after_tcp = 0;
	} else if (env->last_tcp >= 0 && env->udp_after_tcp++ == 0) {
		l->relay = l->port == env->lis[env->last_tcp].port;
		if (!l->relay)
			log_warnx("%s: UDP port %d after TCP port %d: not "
			    "relaying there", __func__, l->port,
			    env->lis[env->last_tcp].port);
	}
	/*
	 * Discovery answers go to the network, not to the authority, so
	 * these sockets are read even while the TCP side is paused.
	 */
	if (kind == HUBD_LISTENER_UDP) {
		if ((l->ev = event_new(env->ps->base, fd, EV_READ | EV_PERSIST,
		    hubengine_udp, l)) == NULL)
			fatalx("%s: event_new", __func__);
		if (event_add(l->ev, NULL) == -1)
			fatalx("%s: event_add", __func__);
		log_debug("UDP discovery socket on port %d ready%s", l->port,
		    l->relay ? ", relaying" : "");
		return;
	}
	/* Already bound, listening and non-blocking: no fcntl here. */
	if ((l->ev = event_new(env->ps->base, fd, EV_READ | EV_PERSIST,
	    hubengine_accept, l)) == NULL)
		fatalx("%s: event_new", __func__);
	if (!env->paused && event_add(l->ev, NULL) == -1)
		fatalx("%s: event_add", __func__);
	log_debug("TCP listener ready");
}

static void
hubengine_conf(struct imsg *imsg)
{
	struct hubd_conf_msg	 m;

	if (imsg_get_data(imsg, &m, sizeof(m)) == -1)
		fatalx("%s: bad size", __func__);
	/* A lower limit applies to new connections; none is cut off. */
	env->max_conns = m.max_conns > 0 ? m.max_conns : HUBE_DEF_MAX_CONNS;
	env->max_per_addr = m.max_per_addr > 0 ? m.max_per_addr :
	    HUBE_DEF_MAX_PER_ADDR;
	env->login_timeout = m.login_timeout > 0 ? m.login_timeout :
	    HUBE_DEF_LOGIN_TIMEOUT;
	log_debug("limits: %u connections, %u per address, login within "
	    "%u s", env->max_conns, env->max_per_addr, env->login_timeout);
}

static void
hubengine_frame_out(struct imsg *imsg)
{
	struct hconn	*c;
	size_t		 len = imsg_get_len(imsg);

	if (len == 0 || len > HUB_FRAME_MAX)
		fatalx("%s: bad frame size %zu", __func__, len);
	/* Gone already: the authority learns it from CONN_CLOSED. */
	if ((c = hconn_find(imsg->hdr.peerid)) == NULL || c->closing)
		return;
	if (frame_out_add(&c->out, imsg->data, len) == -1) {
		if (errno != ENOBUFS)
			fatal("%s: frame_out_add", __func__);
		hconn_close(c, "output over 1 MiB: reader too slow");
		return;
	}
	env->stats.tx_frames++;
	stats_touch();
	hconn_write_on(c);
}

static void
hubengine_conn_close(struct imsg *imsg)
{
	struct hconn	*c;

	if (imsg_get_len(imsg) != 0)
		fatalx("%s: bad size", __func__);
	if ((c = hconn_find(imsg->hdr.peerid)) == NULL || c->closing)
		return;
	log_debug("connection %u: closing as the authority asked", c->id);
	c->closing = 1;
	c->close_by = now_ms() + HUBE_CLOSE_LINGER * 1000;
	/* Nothing more goes to the authority; reading resumes after FIN. */
	(void)event_del(c->rev);
	if (frame_out_pending(&c->out) == 0)
		hconn_shutdown(c);
}

/*
 * The authority's word on relay sessions.  A session for a connection
 * already gone, or a DEL or PAIR naming one, is a message that crossed
 * the connection's close: ignored.
 */
static void
hubengine_relay_add(struct imsg *imsg)
{
	struct hubd_relay_msg	 m;
	struct hconn		*c;

	if (imsg_get_data(imsg, &m, sizeof(m)) == -1)
		fatalx("%s: bad size", __func__);
	if ((c = hconn_find(m.conn)) == NULL || c->closing) {
		sodium_memzero(&m, sizeof(m));
		return;
	}
	if (relay_add(env->relay, m.conn, m.relay_id, m.token) == -1) {
		if (errno == EEXIST)
			fatalx("%s: authority sent relay id %u for "
			    "connection %u twice", __func__, m.relay_id,
			    m.conn);
		fatal("%s: relay_add", __func__);
	}
	sodium_memzero(&m, sizeof(m));
	env->stats.relay_sessions = relay_count(env->relay);
	stats_touch();
}

static void
hubengine_relay_del(struct imsg *imsg)
{
	uint32_t	 id;

	if (imsg_get_data(imsg, &id, sizeof(id)) == -1)
		fatalx("%s: bad size", __func__);
	if (relay_del(env->relay, id) == 0) {
		env->stats.relay_sessions = relay_count(env->relay);
		stats_touch();
	}
}

static void
hubengine_relay_pair(struct imsg *imsg)
{
	struct hubd_relay_pair	 p;

	if (imsg_get_data(imsg, &p, sizeof(p)) == -1)
		fatalx("%s: bad size", __func__);
	if (p.up != 0 && p.up != 1)
		fatalx("%s: bad pair state %d", __func__, p.up);
	if (relay_pair(env->relay, p.a, p.b, p.up) == -1)
		log_debug("%s: relay pair %u %u (%d) not taken", __func__,
		    p.a, p.b, p.up);
}

static void
hubengine_dispatch_parent(struct privsep *ps, int from, struct imsg *imsg)
{

	switch (imsg->hdr.type) {
	case IMSG_HUBD_LISTENER:
		hubengine_listener(imsg);
		break;
	case IMSG_HUBD_CONF:
		hubengine_conf(imsg);
		break;
	default:
		fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
	}
}

static void
hubengine_dispatch_authority(struct privsep *ps, int from, struct imsg *imsg)
{
	switch (imsg->hdr.type) {
	case IMSG_HUB_FRAME_OUT:
		hubengine_frame_out(imsg);
		break;
	case IMSG_HUB_CONN_CLOSE:
		hubengine_conn_close(imsg);
		break;
	case IMSG_HUBD_RELAY_ADD:
		hubengine_relay_add(imsg);
		break;
	case IMSG_HUBD_RELAY_DEL:
		hubengine_relay_del(imsg);
		break;
	case IMSG_HUBD_RELAY_PAIR:
		hubengine_relay_pair(imsg);
		break;
	default:
		fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
	}
}

/* Control has nothing to ask the engine; its counters go via the authority. */
static void
hubengine_dispatch_control(struct privsep *ps, int from, struct imsg *imsg)
{
	fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
}

static void
hubengine_init(struct privsep *ps)
{
	struct timeval	 tick = { HUBE_TICK_SEC, 0 };
	uint8_t		 key[crypto_shorthash_KEYBYTES];
	int		 i;

	if (sodium_init() < 0)
		fatalx("%s: sodium_init", __func__);
	if ((env = calloc(1, sizeof(*env))) == NULL)
		fatal("%s: calloc", __func__);
	env->ps = ps;
	TAILQ_INIT(&env->conns);
	for (i = 0; i < HUBE_ID_BUCKETS; i++)
		LIST_INIT(&env->byid[i]);
	for (i = 0; i < HUBE_ADDR_BUCKETS; i++)
		LIST_INIT(&env->byaddr[i]);
	/* Before seccomp: getrandom is not allowed afterwards. */
	randombytes_buf(env->addr_key, sizeof(env->addr_key));
	randombytes_buf(key, sizeof(key));
	if ((env->relay = relay_table_new(key)) == NULL)
		fatal("%s: relay_table_new", __func__);
	sodium_memzero(key, sizeof(key));
	env->last_tcp = -1;
	env->next_id = 1;
	env->max_conns = HUBE_DEF_MAX_CONNS;
	env->max_per_addr = HUBE_DEF_MAX_PER_ADDR;
	env->login_timeout = HUBE_DEF_LOGIN_TIMEOUT;
	if ((env->resume_ev = evtimer_new(ps->base, hubengine_resume,
	    NULL)) == NULL ||
	    (env->tick_ev = event_new(ps->base, -1, EV_PERSIST,
	    hubengine_tick, NULL)) == NULL)
		fatalx("%s: evtimer_new", __func__);
	if (evtimer_add(env->tick_ev, &tick) == -1)
		fatalx("%s: evtimer_add", __func__);
}

static const struct proc_peer hubengine_peers[] = {
	{ PROC_PARENT, hubengine_dispatch_parent },
	{ HUBD_PROC_CONTROL, hubengine_dispatch_control },
	{ HUBD_PROC_AUTHORITY, hubengine_dispatch_authority },
};

void
hubengine_run(struct privsep *ps)
{
	proc_child_setup(ps);
	hubengine_init(ps);
	proc_peers(ps, hubengine_peers, nitems(hubengine_peers));
	proc_child_loop(ps, &policy_hubd_engine);
}
