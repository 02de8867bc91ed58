/*
 * engine (peer-engine): all network I/O on sockets the parent created.
 * It faces hostile input and therefore holds no key, ever: it moves
 * ciphertext between the UDP sockets and tun.
 *
 * Inbound: recvmmsg a burst of datagrams, drop what cannot be a
 * WireGuard message (wg_msg_classify: type and size only), and pass the
 * rest to tun in one IMSG_PKT_IN batch per burst, each tagged with its
 * source address.  Outbound: tun's IMSG_PKT_OUT batches are sent with
 * sendmmsg, to an explicit address or to the peer's current endpoint.
 * A peer's endpoint moves only when tun says a packet from a new address
 * authenticated (IMSG_ENDPOINT); the engine never trusts a source address
 * by itself, since anyone can forge one.
 *
 * Every drop is counted, none is logged per packet: the counters are for
 * a later control request, and logs about failures are rate-limited.
 */
#include "autoconf.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "hamd.h"
#include "log.h"
#include "netconf.h"
#include "pktbatch.h"
#include "proc.h"
#include "sandbox.h"
#include "wg_result.h"
#include "wg_wire.h"

/* Datagrams per recvmmsg and per sendmmsg. */
#define ENGINE_BATCH		64
/*
 * recvmmsg rounds per readable event: enough to drain a burst, few enough
 * that one busy socket cannot starve the other or tun's channel.
 */
#define ENGINE_RX_ROUNDS	8
/* One more than the largest datagram we pass on, so MSG_TRUNC is exact. */
#define ENGINE_RX_BUFLEN	(PKT_MAX_LEN + 1)
/*
 * Batches queued towards tun before we stop reading the sockets.  Each
 * queued batch holds up to IMSG_MAX_PAYLOAD bytes, so this bounds our
 * memory when tun falls behind (or a flood of well-shaped garbage
 * arrives); meanwhile the kernel drops datagrams at the socket buffer,
 * which costs us no CPU.  Reading resumes below half of it.
 */
#define ENGINE_TUN_BACKLOG	16
#define ENGINE_RESUME_USEC	1000
/* At most one log line per this many seconds about failing I/O. */
#define ENGINE_LOG_INTERVAL	10
/* Peer ids are 1 .. NETCONF_MAX_IDS (the parent's netconf.c). */
#define ENGINE_MAX_ID		NETCONF_MAX_IDS

/* "[ipv6]:port" at most. */
#define ADDR_STRLEN		(INET6_ADDRSTRLEN + 8)

enum { SOCK_V4, SOCK_V6, SOCK_MAX };

union sockunion {
	struct sockaddr		 sa;
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
};

struct engine_peer_stats {
	uint64_t		 tx_packets;
	uint64_t		 tx_bytes;
	uint64_t		 no_endpoint;	/* dropped: nowhere to send */
	uint64_t		 roams;		/* endpoint moved by tun */
};

struct engine_peer {
	int			 configured;
	uint32_t		 gen;		/* configuration last sent in */
	struct pkt_addr		 conf_ep;	/* endpoint in the config */
	struct pkt_addr		 ep;		/* current: conf_ep or roamed */
	struct engine_peer_stats stats;
};

/* Global counters; rx_datagrams counts everything read, drops included. */
struct engine_stats {
	uint64_t		 rx_datagrams;
	uint64_t		 rx_bytes;
	uint64_t		 rx_malformed;	/* not a WireGuard message */
	uint64_t		 rx_truncated;	/* larger than our buffers */
	uint64_t		 rx_errors;	/* recvmmsg failed */
	uint64_t		 rx_paused;	/* reads stopped: tun behind */
	uint64_t		 tx_datagrams;
	uint64_t		 tx_bytes;
	uint64_t		 tx_errors;	/* one datagram refused */
	uint64_t		 tx_dropped;	/* socket buffer full */
	uint64_t		 tx_no_socket;	/* no socket for the family */
	uint64_t		 tx_unknown_peer; /* id not configured */
};

struct ratelimit {
	time_t			 last;
	int			 logged;	/* last is valid */
	uint64_t		 missed;	/* events not logged since */
};

struct engine_sock {
	int			 fd;		/* -1: not sent (yet) */
	int			 af;
	struct event		*ev;
};

/* Datagrams gathered for one sendmmsg on one socket. */
struct engine_txq {
	struct engine_sock	*sock;
	unsigned int		 n;
	struct mmsghdr		 msgs[ENGINE_BATCH];
	struct iovec		 iov[ENGINE_BATCH];
	union sockunion		 names[ENGINE_BATCH];
	struct engine_peer	*peer[ENGINE_BATCH];	/* NULL: none */
};

/* Receive side: one set of buffers, shared by the sockets in turn. */
struct engine_rxq {
	struct mmsghdr		 msgs[ENGINE_BATCH];
	struct iovec		 iov[ENGINE_BATCH];
	union sockunion		 names[ENGINE_BATCH];
	uint8_t			*buf;		/* ENGINE_BATCH buffers */
};

struct engine {
	struct privsep		*ps;
	struct engine_sock	 sock[SOCK_MAX];
	struct engine_peer	*peers;		/* indexed by id, [0] unused */
	uint32_t		 maxid;		/* highest id ever configured */
	uint32_t		 gen;		/* current configuration */
	struct pktbatch		 rxb;		/* IMSG_PKT_IN towards tun */
	struct engine_rxq	 rx;
	struct engine_txq	 tx[SOCK_MAX];
	int			 paused;	/* sockets not being read */
	struct event		*resume_ev;
	struct engine_stats	 stats;
	struct ratelimit	 rx_log;
	struct ratelimit	 tx_log;
};

static struct engine	*env;

static int
sock_index(int af)
{
	switch (af) {
	case AF_INET:
		return SOCK_V4;
	case AF_INET6:
		return SOCK_V6;
	default:
		return -1;
	}
}

/* Zero what the family does not use, so addresses compare with memcmp. */
static void
addr_normalize(struct pkt_addr *a)
{
	a->pad = 0;
	switch (a->af) {
	case AF_INET:
		memset(a->addr + 4, 0, sizeof(a->addr) - 4);
		break;
	case AF_INET6:
		break;
	default:
		memset(a, 0, sizeof(*a));
		break;
	}
}

static int
addr_equal(const struct pkt_addr *a, const struct pkt_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static const char *
addr_str(const struct pkt_addr *a, char *buf, size_t len)
{
	char	 host[INET6_ADDRSTRLEN];

	if (a->af == 0 || inet_ntop(a->af, a->addr, host,
	    sizeof(host)) == NULL) {
		(void)snprintf(buf, len, "none");
		return buf;
	}
	(void)snprintf(buf, len, a->af == AF_INET6 ? "[%s]:%u" : "%s:%u",
	    host, ntohs(a->port));
	return buf;
}

/*
 * The IPv6 scope id has no room in a pkt_addr, so a link-local peer
 * cannot be sent to; the kernel refuses (EINVAL) and we count it.
 */
static socklen_t
addr_to_sockaddr(const struct pkt_addr *a, union sockunion *su)
{
	memset(su, 0, sizeof(*su));
	if (a->af == AF_INET) {
		su->sin.sin_family = AF_INET;
		su->sin.sin_port = a->port;
		memcpy(&su->sin.sin_addr, a->addr, 4);
		return sizeof(su->sin);
	}
	su->sin6.sin6_family = AF_INET6;
	su->sin6.sin6_port = a->port;
	memcpy(&su->sin6.sin6_addr, a->addr, 16);
	return sizeof(su->sin6);
}

/* -1 if the kernel gave us an address we cannot answer (port 0). */
static int
sockaddr_to_addr(const union sockunion *su, socklen_t len, int af,
    struct pkt_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (af == AF_INET && su->sa.sa_family == AF_INET &&
	    len >= sizeof(su->sin)) {
		a->af = AF_INET;
		a->port = su->sin.sin_port;
		memcpy(a->addr, &su->sin.sin_addr, 4);
	} else if (af == AF_INET6 && su->sa.sa_family == AF_INET6 &&
	    len >= sizeof(su->sin6)) {
		a->af = AF_INET6;
		a->port = su->sin6.sin6_port;
		memcpy(a->addr, &su->sin6.sin6_addr, 16);
	} else
		return -1;
	return a->port != 0 ? 0 : -1;
}

/*
 * 1 if a line may be logged now, with *missed the events not logged since
 * the previous line.  Events in between are only counted, so a flood of
 * failures costs a counter increment each, not a log line.
 */
static int
ratelimit_ok(struct ratelimit *rl, unsigned long long *missed)
{
	struct timespec	 now;

	if (clock_gettime(CLOCK_MONOTONIC, &now) == -1)
		now.tv_sec = 0;
	if (rl->logged && now.tv_sec - rl->last < ENGINE_LOG_INTERVAL) {
		rl->missed++;
		return 0;
	}
	rl->logged = 1;
	rl->last = now.tv_sec;
	*missed = rl->missed;
	rl->missed = 0;
	return 1;
}

/* A configured peer, or NULL for any other id (including hostile ones). */
static struct engine_peer *
peer_get(uint32_t id)
{
	if (id == 0 || id > ENGINE_MAX_ID || !env->peers[id].configured)
		return NULL;
	return &env->peers[id];
}

/* ------------------------------------------------------------------ */
/* Receive: sockets -> tun */

static void	engine_rx_pause(void);

/*
 * Hand queued batches to tun now rather than on the next loop turn, so
 * tun decrypts one round while we read the next.  A write error is left
 * for the channel's own handler, which sees it again and acts on it.
 */
static void
engine_tun_push(void)
{
	struct imsgev	*iev = &env->ps->iev[HAMD_PROC_TUN];

	(void)imsgbuf_write(&iev->ibuf);
	imsgev_update(iev);
	if (imsgbuf_queued(&iev->ibuf) >= ENGINE_TUN_BACKLOG)
		engine_rx_pause();
}

static void
engine_rx_one(struct engine_sock *s, unsigned int i)
{
	struct mmsghdr	*m = &env->rx.msgs[i];
	const uint8_t	*pkt = env->rx.iov[i].iov_base;
	size_t		 len = m->msg_len;
	struct pkt_addr	 from;
	uint16_t	 flags = 0;
	uint32_t	 receiver;
	uint8_t		*dst;
	int		 type;

	env->stats.rx_datagrams++;
	env->stats.rx_bytes += len;
	if ((m->msg_hdr.msg_flags & MSG_TRUNC) || len > PKT_MAX_LEN) {
		env->stats.rx_truncated++;
		return;
	}
	/*
	 * The project's own message types (discovery, relay) get sorted
	 * out here, before the WireGuard check.
	 */
	if (wg_msg_classify(pkt, len, &type, &receiver) != WG_OK ||
	    sockaddr_to_addr(&env->rx.names[i], m->msg_hdr.msg_namelen,
	    s->af, &from) == -1) {
		env->stats.rx_malformed++;
		return;
	}
	if (type != WG_MSG_DATA)
		flags |= PKT_F_HANDSHAKE;
	if ((dst = pktbatch_add(&env->rxb, PKT_PEER_NONE, flags, &from,
	    len)) == NULL)
		fatal("%s: pktbatch_add", __func__);
	memcpy(dst, pkt, len);
	pktbatch_commit(&env->rxb, len);
}

/* One recvmmsg; returns the datagrams read (0 when drained or failed). */
static int
engine_rx_round(struct engine_sock *s)
{
	unsigned long long	 missed;
	int			 i, n;

	/* The kernel overwrites these on every call. */
	for (i = 0; i < ENGINE_BATCH; i++)
		env->rx.msgs[i].msg_hdr.msg_namelen =
		    sizeof(env->rx.names[i]);
	n = recvmmsg(s->fd, env->rx.msgs, ENGINE_BATCH, MSG_DONTWAIT, NULL);
	if (n == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR) {
			env->stats.rx_errors++;
			if (ratelimit_ok(&env->rx_log, &missed))
				log_warn("recvmmsg (%s, %llu more since the "
				    "last report)",
				    s->af == AF_INET ? "IPv4" : "IPv6", missed);
		}
		return 0;
	}
	for (i = 0; i < n; i++)
		engine_rx_one(s, (unsigned int)i);
	if (pktbatch_flush(&env->rxb) > 0)
		engine_tun_push();
	return n;
}

static void
engine_rx(int fd, short what, void *arg)
{
	struct engine_sock	*s = arg;
	int			 round;

	/* A short round means the socket is drained: no EAGAIN call. */
	for (round = 0; round < ENGINE_RX_ROUNDS && !env->paused; round++)
		if (engine_rx_round(s) < ENGINE_BATCH)
			break;
}

static void
engine_rx_pause(void)
{
	struct timeval	 tv = { 0, ENGINE_RESUME_USEC };
	int		 i;

	if (env->paused)
		return;
	env->paused = 1;
	env->stats.rx_paused++;
	for (i = 0; i < SOCK_MAX; i++)
		if (env->sock[i].ev != NULL)
			(void)event_del(env->sock[i].ev);
	if (evtimer_add(env->resume_ev, &tv) == -1)
		fatalx("%s: evtimer_add", __func__);
}

/*
 * Polled rather than driven by tun's channel: that channel's handler is
 * the framework's, and a millisecond is short next to a socket buffer
 * that holds thousands of datagrams.
 */
static void
engine_rx_resume(int fd, short what, void *arg)
{
	struct timeval	 tv = { 0, ENGINE_RESUME_USEC };
	int		 i;

	if (imsgbuf_queued(&env->ps->iev[HAMD_PROC_TUN].ibuf) >
	    ENGINE_TUN_BACKLOG / 2) {
		if (evtimer_add(env->resume_ev, &tv) == -1)
			fatalx("%s: evtimer_add", __func__);
		return;
	}
	env->paused = 0;
	for (i = 0; i < SOCK_MAX; i++)
		if (env->sock[i].ev != NULL &&
		    event_add(env->sock[i].ev, NULL) == -1)
			fatalx("%s: event_add", __func__);
}

/* ------------------------------------------------------------------ */
/* Send: tun -> sockets */

static void
engine_tx_flush(struct engine_txq *q)
{
	struct engine_peer	*p;
	struct pkt_addr		 a;
	char			 buf[ADDR_STRLEN];
	unsigned long long	 missed;
	unsigned int		 i = 0, k;
	size_t			 len;
	int			 n, saved;

	while (i < q->n) {
		n = sendmmsg(q->sock->fd, &q->msgs[i], q->n - i, MSG_DONTWAIT);
		if (n > 0) {
			for (k = i; k < i + (unsigned int)n; k++) {
				len = q->iov[k].iov_len;
				env->stats.tx_datagrams++;
				env->stats.tx_bytes += len;
				if ((p = q->peer[k]) != NULL) {
					p->stats.tx_packets++;
					p->stats.tx_bytes += len;
				}
			}
			i += (unsigned int)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == 0 || errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ENOBUFS) {
			/* UDP: a full queue loses the rest of the burst. */
			env->stats.tx_dropped += q->n - i;
			break;
		}
		/* One destination failed (unreachable, too big): skip it. */
		env->stats.tx_errors++;
		saved = errno;
		if (ratelimit_ok(&env->tx_log, &missed)) {
			(void)sockaddr_to_addr(&q->names[i],
			    q->msgs[i].msg_hdr.msg_namelen, q->sock->af, &a);
			log_warnx("send to %s: %s (%llu more since the last "
			    "report)", addr_str(&a, buf, sizeof(buf)),
			    strerror(saved), missed);
		}
		i++;
	}
	q->n = 0;
}

/* pktbatch_foreach callback: queue one datagram. pkt lives in the imsg. */
static void
engine_tx_rec(void *arg, const struct pkt_rec *rec, const uint8_t *pkt)
{
	struct engine_peer	*p = NULL;
	const struct pkt_addr	*dst;
	struct engine_txq	*q;
	struct mmsghdr		*m;
	unsigned int		 i;

	if (rec->peer != PKT_PEER_NONE &&
	    (p = peer_get(rec->peer)) == NULL) {
		/* Removed by a reload tun has not seen yet, or bogus. */
		env->stats.tx_unknown_peer++;
		return;
	}
	if (rec->flags & PKT_F_TO_ADDR)
		dst = &rec->addr;
	else if (p == NULL) {
		env->stats.tx_unknown_peer++;
		return;
	} else if (p->ep.af == 0) {
		p->stats.no_endpoint++;
		return;
	} else
		dst = &p->ep;

	/* pktbatch_foreach let only AF_INET and AF_INET6 through. */
	q = &env->tx[sock_index(dst->af)];
	if (q->sock->fd == -1) {
		env->stats.tx_no_socket++;
		return;
	}
	if (q->n == ENGINE_BATCH)
		engine_tx_flush(q);
	i = q->n++;
	m = &q->msgs[i];
	q->iov[i].iov_base = (void *)(uintptr_t)pkt;
	q->iov[i].iov_len = rec->len;
	q->peer[i] = p;
	memset(m, 0, sizeof(*m));
	m->msg_hdr.msg_name = &q->names[i];
	m->msg_hdr.msg_namelen = addr_to_sockaddr(dst, &q->names[i]);
	m->msg_hdr.msg_iov = &q->iov[i];
	m->msg_hdr.msg_iovlen = 1;
}

static void
engine_pkt_out(struct imsg *imsg)
{
	int	 i;

	if (pktbatch_foreach(imsg->data, imsg->datalen, engine_tx_rec,
	    env) == -1)
		fatalx("%s: malformed packet batch from tun", __func__);
	/* The iovecs point into the imsg: send before it is freed. */
	for (i = 0; i < SOCK_MAX; i++)
		if (env->tx[i].n > 0)
			engine_tx_flush(&env->tx[i]);
}

/* ------------------------------------------------------------------ */
/* Configuration and endpoints */

static void
engine_socket(struct imsg *imsg)
{
	struct engine_sock	*s;
	int32_t			 af;
	int			 i, fd;

	if (imsg_get_data(imsg, &af, sizeof(af)) == -1 ||
	    (i = sock_index(af)) == -1)
		fatalx("%s: bad address family", __func__);
	s = &env->sock[i];
	if (s->fd != -1)
		fatalx("%s: second socket for %s", __func__,
		    af == AF_INET ? "IPv4" : "IPv6");
	/* Already non-blocking and bound: seccomp forbids fcntl here. */
	fd = imsg_get_fd(imsg);
	if ((s->ev = event_new(env->ps->base, fd, EV_READ | EV_PERSIST,
	    engine_rx, s)) == NULL)
		fatalx("%s: event_new", __func__);
	if (!env->paused && event_add(s->ev, NULL) == -1)
		fatalx("%s: event_add", __func__);
	s->fd = fd;
	log_debug("%s: %s socket ready", __func__,
	    af == AF_INET ? "IPv4" : "IPv6");
}

static void
engine_peer_msg(struct imsg *imsg)
{
	struct engine_peer_msg	 m;
	struct engine_peer	*p;
	char			 buf[ADDR_STRLEN];

	if (imsg_get_data(imsg, &m, sizeof(m)) == -1)
		fatalx("%s: bad size", __func__);
	if (m.id == 0 || m.id > ENGINE_MAX_ID)
		fatalx("%s: peer id %u out of range", __func__, m.id);
	if (m.endpoint.af != 0 && sock_index(m.endpoint.af) == -1)
		fatalx("%s: peer %u: bad address family %u", __func__, m.id,
		    m.endpoint.af);
	addr_normalize(&m.endpoint);
	p = &env->peers[m.id];
	if (!p->configured) {
		memset(p, 0, sizeof(*p));
		p->configured = 1;
		p->conf_ep = p->ep = m.endpoint;
		log_debug("peer %u added, endpoint %s", m.id,
		    addr_str(&p->ep, buf, sizeof(buf)));
	} else if (!addr_equal(&p->conf_ep, &m.endpoint)) {
		/* A new configured endpoint wins over a roamed one. */
		p->conf_ep = p->ep = m.endpoint;
		log_debug("peer %u endpoint %s (configuration)", m.id,
		    addr_str(&p->ep, buf, sizeof(buf)));
	}
	p->gen = env->gen;
	if (m.id > env->maxid)
		env->maxid = m.id;
}

/* End of a configuration: peers not sent in it are gone. */
static void
engine_peers_end(void)
{
	uint32_t	 id;

	for (id = 1; id <= env->maxid; id++) {
		if (env->peers[id].configured &&
		    env->peers[id].gen != env->gen) {
			memset(&env->peers[id], 0, sizeof(env->peers[id]));
			log_debug("peer %u removed", id);
		}
	}
	env->gen++;
}

static void
engine_endpoint(struct imsg *imsg)
{
	struct endpoint_msg	 m;
	struct engine_peer	*p;
	char			 buf[ADDR_STRLEN];

	if (imsg_get_data(imsg, &m, sizeof(m)) == -1)
		fatalx("%s: bad size", __func__);
	if (m.id == 0 || m.id > ENGINE_MAX_ID ||
	    sock_index(m.addr.af) == -1 || m.addr.port == 0)
		fatalx("%s: bad endpoint message from tun", __func__);
	addr_normalize(&m.addr);
	if ((p = peer_get(m.id)) == NULL) {
		/* Removed by a reload tun has not processed yet. */
		log_debug("%s: peer %u not configured", __func__, m.id);
		return;
	}
	if (addr_equal(&p->ep, &m.addr))
		return;
	p->ep = m.addr;
	p->stats.roams++;
	log_info("peer %u endpoint %s", m.id, addr_str(&p->ep, buf,
	    sizeof(buf)));
}

/* ------------------------------------------------------------------ */
/* Dispatch */

static void
engine_dispatch_parent(struct privsep *ps, int from, struct imsg *imsg)
{
	int32_t	 v;

	switch (imsg->hdr.type) {
	case IMSG_ENGINE_SOCKET:
		engine_socket(imsg);
		break;
	case IMSG_ENGINE_PEER:
		engine_peer_msg(imsg);
		break;
	case IMSG_ENGINE_PEERS_END:
		engine_peers_end();
		break;
	case IMSG_LOG_VERBOSE:
		(void)imsg_get_data(imsg, &v, sizeof(v));
		log_setverbose(v);
		break;
	default:
		fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
	}
}

static void
engine_dispatch_tun(struct privsep *ps, int from, struct imsg *imsg)
{
	switch (imsg->hdr.type) {
	case IMSG_PKT_OUT:
		engine_pkt_out(imsg);
		break;
	case IMSG_ENDPOINT:
		engine_endpoint(imsg);
		break;
	default:
		fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
	}
}

static void
engine_dispatch_control(struct privsep *ps, int from, struct imsg *imsg)
{
	fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
}

/*
 * Allocate everything while malloc may still do as it likes; the receive
 * buffers are large (ENGINE_BATCH * 64 KB) but only touched as far as
 * datagrams fill them.
 */
static void
engine_init(struct privsep *ps)
{
	struct engine_rxq	*rx;
	int			 i;

	if ((env = calloc(1, sizeof(*env))) == NULL)
		fatal("%s: calloc", __func__);
	env->ps = ps;
	env->gen = 1;
	if ((env->peers = calloc(ENGINE_MAX_ID + 1,
	    sizeof(*env->peers))) == NULL)
		fatal("%s: calloc peers", __func__);
	for (i = 0; i < SOCK_MAX; i++) {
		env->sock[i].fd = -1;
		env->sock[i].af = i == SOCK_V4 ? AF_INET : AF_INET6;
		env->tx[i].sock = &env->sock[i];
	}
	rx = &env->rx;
	if ((rx->buf = malloc((size_t)ENGINE_BATCH * ENGINE_RX_BUFLEN)) ==
	    NULL)
		fatal("%s: malloc receive buffers", __func__);
	for (i = 0; i < ENGINE_BATCH; i++) {
		rx->iov[i].iov_base = rx->buf + (size_t)i * ENGINE_RX_BUFLEN;
		rx->iov[i].iov_len = ENGINE_RX_BUFLEN;
		rx->msgs[i].msg_hdr.msg_name = &rx->names[i];
		rx->msgs[i].msg_hdr.msg_iov = &rx->iov[i];
		rx->msgs[i].msg_hdr.msg_iovlen = 1;
	}
	pktbatch_init(&env->rxb, &ps->iev[HAMD_PROC_TUN].ibuf, IMSG_PKT_IN);
	if ((env->resume_ev = evtimer_new(ps->base, engine_rx_resume,
	    NULL)) == NULL)
		fatalx("%s: evtimer_new", __func__);
}

void
engine_run(struct privsep *ps)
{
	proc_child_setup(ps);
	engine_init(ps);
	ps->dispatch[PROC_PARENT] = engine_dispatch_parent;
	ps->dispatch[HAMD_PROC_CONTROL] = engine_dispatch_control;
	ps->dispatch[HAMD_PROC_TUN] = engine_dispatch_tun;
	proc_child_loop(ps, &policy_engine);
}
