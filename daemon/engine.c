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
 *
 * Both ways use the kernel's UDP offloads, because the per-datagram cost
 * of the UDP stack is most of this process's CPU.  On send, runs of
 * records to one address with one length go out as a train: one message
 * with UDP_SEGMENT, cut into datagrams by the kernel (or the NIC) after
 * the socket layer.  On receive, the parent has set UDP_GRO, so one
 * buffer may hold several datagrams of the same size (the last may be
 * shorter); each is split out and classified on its own.
 * A peer's endpoint moves only when tun says a packet from a new address
 * authenticated (IMSG_ENDPOINT); the engine never trusts a source address
 * by itself, since anyone can forge one.
 *
 * Every drop is counted, none is logged per packet: the counters are for
 * a later control request, and logs about failures are rate-limited.
 *
 * The engine also carries the node's one TCP connection to the hub.  The
 * parent creates each socket and starts its connect() (the engine may
 * not create sockets); the engine sees it through, cuts the stream into
 * frames for tun and writes tun's frames back, and when the connection
 * fails or ends it waits (exponential backoff with jitter, so that a
 * hub coming back is not hit by every node at once) and asks the parent
 * for a new socket.  Frames are the hub channel's ciphertext: the
 * engine never sees what they say.
 */
#include "autoconf.h"

#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "framer.h"
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
/*
 * One more than the largest datagram we pass on, so MSG_TRUNC is exact;
 * also the most a GRO train holds (the kernel's gro_max_size, 64 KB with
 * the headers, unless an administrator raises it).
 */
#define ENGINE_RX_BUFLEN	(PKT_MAX_LEN + 1)
/*
 * Batches queued towards tun before we stop reading the sockets.  Each
 * queued batch holds up to IMSG_MAX_PAYLOAD bytes, so this bounds our
 * memory when tun falls behind (or a flood of well-shaped garbage
 * arrives) to this many batches plus one recvmmsg round (at most
 * ENGINE_BATCH GRO trains of 64 KB); meanwhile the kernel drops
 * datagrams at the socket buffer, which costs us no CPU.  Reading
 * resumes below half of it.
 */
#define ENGINE_TUN_BACKLOG	16
#define ENGINE_RESUME_USEC	1000
/* At most one log line per this many seconds about failing I/O. */
#define ENGINE_LOG_INTERVAL	10
/* Peer ids are 1 .. NETCONF_MAX_IDS (the parent's netconf.c). */
#define ENGINE_MAX_ID		NETCONF_MAX_IDS
/*
 * Peers the hub tells tun about get ids from their own range, so they
 * never meet a configured peer's: hubclient.c's HUB_PEER_ID_BASE and
 * MAX_HUB_PEERS (WG_MAX_PEERS).  Only tun adds or removes these, and
 * a reload's end of peers leaves them alone.
 */
#define ENGINE_HUB_ID_BASE	0x40000000u
#define ENGINE_HUB_MAX_IDS	4096

/* The hub connection. */
#define HUB_CONNECT_TIMEOUT	10		/* s */
#define HUB_BACKOFF_MIN		1000		/* ms */
#define HUB_BACKOFF_MAX		60000		/* ms */
#define HUB_JITTER_PCT		25		/* +- this much of a delay */
/* A connection up this long was a success: the next delay starts over. */
#define HUB_STABLE		30000		/* ms */
/* Bytes read per readable event, so UDP and tun get their turn. */
#define HUB_READ_MAX		(64 * 1024)
/* Unsent bytes towards the hub before we give the connection up. */
#define HUB_OUT_MAX		(1024 * 1024)
/*
 * Frames queued towards tun before we stop reading the hub: a hostile
 * hub cannot make us buffer more than this many frames (4 MB).
 */
#define HUB_TUN_BACKLOG		256

/* Older libc headers; the values are the kernel's ABI. */
#ifndef SOL_UDP
#define SOL_UDP			17
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT		103
#endif
#ifndef UDP_GRO
#define UDP_GRO			104
#endif

/*
 * A send train: at most this many datagrams (the kernel's
 * UDP_MAX_SEGMENTS) and this many bytes with the IP and UDP headers, so
 * the whole train fits one 64 KB IP packet before segmentation.
 */
#define ENGINE_GSO_SEGS		64
#define ENGINE_GSO_BYTES	65000
/* Records queued per socket before a flush: every train full. */
#define ENGINE_TX_IOV		(ENGINE_BATCH * ENGINE_GSO_SEGS)

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

struct ratelimit {
	time_t			 last;
	int			 logged;	/* last is valid */
	uint64_t		 missed;	/* events not logged since */
};

struct engine_sock {
	int			 fd;		/* -1: not sent (yet) */
	int			 af;
	int			 gso;		/* UDP_SEGMENT works here */
	struct event		*ev;
};

/* Room for one cmsg carrying an int (UDP_GRO) or a uint16_t (UDP_SEGMENT). */
union engine_cmsg {
	char			 buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr		 align;
};

/*
 * Consecutive records to one address, of one length but for the last:
 * one message, whose iovecs point at the records in tun's imsg.
 */
struct engine_train {
	unsigned int		 first;		/* index in iov[] */
	unsigned int		 nseg;
	size_t			 seglen;	/* length of all but the last */
	size_t			 bytes;
	int			 closed;	/* a shorter record ended it */
	struct engine_peer	*peer;		/* NULL: none */
};

/* Trains gathered for one sendmmsg on one socket. */
struct engine_txq {
	struct engine_sock	*sock;
	unsigned int		 n;		/* trains */
	unsigned int		 niov;		/* records */
	struct mmsghdr		 msgs[ENGINE_BATCH];
	union sockunion		 names[ENGINE_BATCH];
	struct engine_train	 train[ENGINE_BATCH];
	union engine_cmsg	 ctl[ENGINE_BATCH];
	struct iovec		 iov[ENGINE_TX_IOV];
};

/*
 * Receive side: one set of buffers, shared by the sockets in turn.  Each
 * buffer holds a whole GRO train (at most 64 KB), so ENGINE_BATCH of
 * them bound our receive memory to 4 MB.
 */
struct engine_rxq {
	struct mmsghdr		 msgs[ENGINE_BATCH];
	struct iovec		 iov[ENGINE_BATCH];
	union sockunion		 names[ENGINE_BATCH];
	union engine_cmsg	 ctl[ENGINE_BATCH];
	uint8_t			*buf;		/* ENGINE_BATCH buffers */
};

enum hub_conn_state {
	HUBC_IDLE = 0,		/* no hub: the parent sent no socket yet */
	HUBC_WAIT_SOCKET,	/* asked the parent with IMSG_HUB_CONNECT */
	HUBC_CONNECTING,	/* connect() under way */
	HUBC_UP,		/* connected; tun has IMSG_HUB_CONN_OPEN */
	HUBC_BACKOFF,		/* waiting before asking again */
};

struct engine_hub {
	enum hub_conn_state	 state;
	int			 fd;		/* -1 unless CONNECTING or UP */
	struct pkt_addr		 remote;	/* as the parent named it */
	struct event		*rev;		/* on fd */
	struct event		*wev;		/* on fd: connected, or writable */
	struct event		*timer;		/* connect timeout, or backoff */
	struct framer		 fr;
	struct frame_out	 out;
	int			 held;		/* reads held: tun behind */
	uint64_t		 up_since;	/* ms, monotonic */
	uint32_t		 backoff;	/* ms, the next delay before jitter */
	uint64_t		 rng;		/* jitter only: not a secret */
};

/*
 * NAT discovery: one round at a time, ports P and P+1 of the hub ([0]
 * and [1]).  The nonce stays valid until the next round or the end of
 * the connection, so a late answer still counts.
 */
struct engine_nat {
	struct event		*timer;		/* resends, deadline, next round */
	int			 step;		/* seconds since the round began */
	int			 active;	/* a nonce is current */
	int			 done;		/* this round was reported */
	uint8_t			 nonce[8];
	int			 have[2];
	struct pkt_addr		 seen[2];	/* as each port saw us */
};

struct engine {
	struct privsep		*ps;
	struct engine_sock	 sock[SOCK_MAX];
	struct engine_peer	*peers;		/* indexed by id, [0] unused */
	struct engine_peer	*hub_peers;	/* id - ENGINE_HUB_ID_BASE */
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
	struct engine_hub	 hub;
	struct engine_nat	 nat;
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

static int
hub_peer_id(uint32_t id)
{
	return id >= ENGINE_HUB_ID_BASE &&
	    id - ENGINE_HUB_ID_BASE < ENGINE_HUB_MAX_IDS;
}

/* The slot of a configured or hub peer id, NULL for any other id. */
static struct engine_peer *
peer_slot(uint32_t id)
{
	if (id >= 1 && id <= ENGINE_MAX_ID)
		return &env->peers[id];
	if (hub_peer_id(id))
		return &env->hub_peers[id - ENGINE_HUB_ID_BASE];
	return NULL;
}

/* A known peer, or NULL for any other id (including hostile ones). */
static struct engine_peer *
peer_get(uint32_t id)
{
	struct engine_peer	*p = peer_slot(id);

	return p != NULL && p->configured ? p : NULL;
}

/* ------------------------------------------------------------------ */
/* Receive: sockets -> tun */

static void	engine_rx_pause(void);
static void	hub_rx_update(void);
static void	nat_rx(const uint8_t *, size_t, const struct pkt_addr *);

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

/* Pass one datagram to tun, or count why not. */
static void
engine_rx_dgram(const uint8_t *pkt, size_t len, const struct pkt_addr *from,
    int truncated)
{
	uint16_t	 flags = 0;
	uint32_t	 receiver;
	uint8_t		*dst;
	int		 type;

	env->stats.rx_datagrams++;
	env->stats.rx_bytes += len;
	if (truncated || len > PKT_MAX_LEN) {
		env->stats.rx_truncated++;
		return;
	}
	/*
	 * The project's own message types (discovery, relay) get sorted
	 * out here, before the WireGuard check.  None of them ever
	 * reaches tun or moves an endpoint.
	 */
	if (len > 0 && (pkt[0] == NAT_PROBE_TYPE ||
	    pkt[0] == NAT_ANSWER_TYPE)) {
		nat_rx(pkt, len, from);
		return;
	}
	if (from == NULL || wg_msg_classify(pkt, len, &type,
	    &receiver) != WG_OK) {
		env->stats.rx_malformed++;
		return;
	}
	if (type != WG_MSG_DATA)
		flags |= PKT_F_HANDSHAKE;
	if ((dst = pktbatch_add(&env->rxb, PKT_PEER_NONE, flags, from,
	    len)) == NULL)
		fatal("%s: pktbatch_add", __func__);
	memcpy(dst, pkt, len);
	pktbatch_commit(&env->rxb, len);
}

/* The segment size of a GRO train, or 0 for a plain datagram. */
static size_t
engine_rx_gro_size(struct msghdr *mh)
{
	struct cmsghdr	*c;
	int		 gso;

	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(gso))) {
			memcpy(&gso, CMSG_DATA(c), sizeof(gso));
			return gso > 0 ? (size_t)gso : 0;
		}
	}
	return 0;
}

/*
 * One received buffer: a datagram, or a GRO train of datagrams from one
 * source, all seglen bytes but the last.  Each part is checked on its
 * own, so a bad part costs only itself.  A truncated train (more than
 * our 64 KB buffer, which the kernel's GRO limits should never make)
 * still yields its complete parts; the cut one counts as truncated.
 */
static void
engine_rx_one(struct engine_sock *s, unsigned int i)
{
	struct mmsghdr	*m = &env->rx.msgs[i];
	const uint8_t	*pkt = env->rx.iov[i].iov_base;
	size_t		 len = m->msg_len, seglen, off, n;
	struct pkt_addr	 from;
	int		 ok, trunc;

	ok = sockaddr_to_addr(&env->rx.names[i], m->msg_hdr.msg_namelen,
	    s->af, &from) == 0;
	trunc = (m->msg_hdr.msg_flags & MSG_TRUNC) != 0;
	if ((seglen = engine_rx_gro_size(&m->msg_hdr)) == 0 || len <= seglen) {
		engine_rx_dgram(pkt, len, ok ? &from : NULL, trunc);
		return;
	}
	env->stats.rx_gro_trains++;
	for (off = 0; off < len; off += n) {
		n = len - off < seglen ? len - off : seglen;
		engine_rx_dgram(pkt + off, n, ok ? &from : NULL,
		    trunc && off + n == len);
	}
}

/* One recvmmsg; returns the datagrams read (0 when drained or failed). */
static int
engine_rx_round(struct engine_sock *s)
{
	unsigned long long	 missed;
	int			 i, n;

	/* The kernel overwrites these on every call. */
	for (i = 0; i < ENGINE_BATCH; i++) {
		env->rx.msgs[i].msg_hdr.msg_namelen =
		    sizeof(env->rx.names[i]);
		env->rx.msgs[i].msg_hdr.msg_controllen =
		    sizeof(env->rx.ctl[i]);
	}
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
	hub_rx_update();
	if (evtimer_add(env->resume_ev, &tv) == -1)
		fatalx("%s: evtimer_add", __func__);
}

/*
 * Polled rather than driven by tun's channel: that channel's handler is
 * the framework's, and a millisecond is short next to a socket buffer
 * that holds thousands of datagrams.  The hub's reads wait on the same
 * timer, with their own threshold.
 */
static void
engine_rx_resume(int fd, short what, void *arg)
{
	struct timeval	 tv = { 0, ENGINE_RESUME_USEC };
	uint32_t	 queued;
	int		 i, again = 0;

	queued = imsgbuf_queued(&env->ps->iev[HAMD_PROC_TUN].ibuf);
	if (env->paused && queued > ENGINE_TUN_BACKLOG / 2)
		again = 1;
	else if (env->paused) {
		env->paused = 0;
		for (i = 0; i < SOCK_MAX; i++)
			if (env->sock[i].ev != NULL &&
			    event_add(env->sock[i].ev, NULL) == -1)
				fatalx("%s: event_add", __func__);
	}
	if (env->hub.held && queued > HUB_TUN_BACKLOG / 2)
		again = 1;
	else
		env->hub.held = 0;
	hub_rx_update();
	if (again && evtimer_add(env->resume_ev, &tv) == -1)
		fatalx("%s: evtimer_add", __func__);
}

/* ------------------------------------------------------------------ */
/* Send: tun -> sockets */

/* Largest train payload: the IP packet before segmentation fits 64 KB. */
static size_t
engine_gso_max(int af)
{
	return ENGINE_GSO_BYTES - (af == AF_INET ? 20 + 8 : 40 + 8);
}

/*
 * 1 if the kernel refused a train as a train, so its datagrams may still
 * go one by one: EIO (a device or path without checksum offload, or
 * IPsec), EINVAL (a socket that cannot do it; before Linux 6.10 also a
 * segment larger than the path MTU), EMSGSIZE (a segment larger than the
 * path MTU: a lone datagram is fragmented instead), and the errors of a
 * kernel or family without UDP_SEGMENT.
 */
static int
engine_gso_refused(int err)
{
	switch (err) {
	case EIO:
	case EINVAL:
	case EMSGSIZE:
	case ENOPROTOOPT:
	case EOPNOTSUPP:
		return 1;
	default:
		return 0;
	}
}

/*
 * Stop making trains on this socket, for good: every later train would
 * fail the same way and cost a second system call.  EMSGSIZE is the
 * path's fault, not the socket's, so it leaves GSO on for other peers.
 */
static void
engine_gso_off(struct engine_sock *s, int err)
{
	if (err == EMSGSIZE || !s->gso)
		return;
	s->gso = 0;
	log_warnx("UDP GSO refused on the %s socket (%s); sending datagrams "
	    "one by one", s->af == AF_INET ? "IPv4" : "IPv6", strerror(err));
}

static void
engine_tx_sent(const struct mmsghdr *m, const struct engine_train *t)
{
	env->stats.tx_datagrams += t->nseg;
	env->stats.tx_bytes += t->bytes;
	if (m->msg_hdr.msg_controllen > 0)
		env->stats.tx_gso_trains++;
	if (t->peer != NULL) {
		t->peer->stats.tx_packets += t->nseg;
		t->peer->stats.tx_bytes += t->bytes;
	}
}

/* One destination refused a message (unreachable, too big). */
static void
engine_tx_refused(struct engine_txq *q, const struct mmsghdr *m,
    const struct engine_train *t, int err)
{
	struct pkt_addr		 a;
	char			 buf[ADDR_STRLEN];
	unsigned long long	 missed;

	env->stats.tx_errors += t->nseg;
	if (ratelimit_ok(&env->tx_log, &missed)) {
		(void)sockaddr_to_addr(m->msg_hdr.msg_name,
		    m->msg_hdr.msg_namelen, q->sock->af, &a);
		log_warnx("send to %s: %s (%llu more since the last report)",
		    pkt_addr_str(&a, buf, sizeof(buf)), strerror(err), missed);
	}
}

static void	engine_tx_unbundle(struct engine_txq *, const struct mmsghdr *,
		    const struct engine_train *);

/*
 * sendmmsg msgs[0 .. n), described by t[]: a full socket buffer drops
 * the rest (UDP), a refused message is skipped, a refused train is
 * resent datagram by datagram.
 */
static void
engine_tx_send(struct engine_txq *q, struct mmsghdr *msgs,
    const struct engine_train *t, unsigned int n)
{
	unsigned int	 i = 0, k, end;
	int		 r, err;

	while (i < n) {
		/* After GSO went off, queued trains go one by one. */
		end = n;
		if (!q->sock->gso)
			for (end = i; end < n &&
			    msgs[end].msg_hdr.msg_controllen == 0; end++)
				;
		if (end == i) {
			engine_tx_unbundle(q, &msgs[i], &t[i]);
			i++;
			continue;
		}
		r = sendmmsg(q->sock->fd, &msgs[i], end - i, MSG_DONTWAIT);
		if (r > 0) {
			for (k = i; k < i + (unsigned int)r; k++)
				engine_tx_sent(&msgs[k], &t[k]);
			i += (unsigned int)r;
			continue;
		}
		if (r == -1 && errno == EINTR)
			continue;
		if (r == 0 || errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ENOBUFS) {
			/* UDP: a full queue loses the rest of the burst. */
			for (k = i; k < n; k++)
				env->stats.tx_dropped += t[k].nseg;
			break;
		}
		err = errno;
		if (msgs[i].msg_hdr.msg_controllen > 0 &&
		    engine_gso_refused(err)) {
			env->stats.tx_gso_fallback++;
			engine_gso_off(q->sock, err);
			engine_tx_unbundle(q, &msgs[i], &t[i]);
		} else
			engine_tx_refused(q, &msgs[i], &t[i], err);
		i++;
	}
}

/* Send a train's datagrams one per message, as without GSO. */
static void
engine_tx_unbundle(struct engine_txq *q, const struct mmsghdr *m,
    const struct engine_train *t)
{
	struct mmsghdr		 one[ENGINE_GSO_SEGS];
	struct engine_train	 tone[ENGINE_GSO_SEGS];
	unsigned int		 k;

	memset(one, 0, t->nseg * sizeof(one[0]));
	for (k = 0; k < t->nseg; k++) {
		one[k].msg_hdr.msg_name = m->msg_hdr.msg_name;
		one[k].msg_hdr.msg_namelen = m->msg_hdr.msg_namelen;
		one[k].msg_hdr.msg_iov = &m->msg_hdr.msg_iov[k];
		one[k].msg_hdr.msg_iovlen = 1;
		tone[k].nseg = 1;
		tone[k].bytes = m->msg_hdr.msg_iov[k].iov_len;
		tone[k].peer = t->peer;
	}
	/* No control data: no train, so this never comes back here. */
	engine_tx_send(q, one, tone, t->nseg);
}

static void
engine_tx_flush(struct engine_txq *q)
{
	struct engine_train	*t;
	struct msghdr		*mh;
	struct cmsghdr		*c;
	uint16_t		 seg;
	unsigned int		 i;

	for (i = 0; i < q->n; i++) {
		t = &q->train[i];
		mh = &q->msgs[i].msg_hdr;
		mh->msg_iov = &q->iov[t->first];
		mh->msg_iovlen = t->nseg;
		if (t->nseg == 1) {
			mh->msg_control = NULL;
			mh->msg_controllen = 0;
			continue;
		}
		memset(&q->ctl[i], 0, sizeof(q->ctl[i]));
		c = &q->ctl[i].align;
		c->cmsg_level = SOL_UDP;
		c->cmsg_type = UDP_SEGMENT;
		c->cmsg_len = CMSG_LEN(sizeof(seg));
		seg = (uint16_t)t->seglen;
		memcpy(CMSG_DATA(c), &seg, sizeof(seg));
		mh->msg_control = c;
		mh->msg_controllen = CMSG_SPACE(sizeof(seg));
	}
	engine_tx_send(q, q->msgs, q->train, q->n);
	q->n = 0;
	q->niov = 0;
}

/*
 * pktbatch_foreach callback: queue one datagram, joining the previous
 * train when it goes to the same address for the same peer, has room,
 * and this record is no longer than its segments.  pkt lives in the imsg.
 */
static void
engine_tx_rec(void *arg, const struct pkt_rec *rec, const uint8_t *pkt)
{
	struct engine_peer	*p = NULL;
	const struct pkt_addr	*dst;
	struct engine_txq	*q;
	struct engine_train	*t;
	struct mmsghdr		*m;
	union sockunion		 su;
	socklen_t		 sl;
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
	sl = addr_to_sockaddr(dst, &su);
	if (q->n > 0 && q->sock->gso) {
		t = &q->train[q->n - 1];
		m = &q->msgs[q->n - 1];
		/* Trains' iovecs are contiguous: only the last one grows. */
		if (!t->closed && t->peer == p && rec->len > 0 &&
		    rec->len <= t->seglen && t->nseg < ENGINE_GSO_SEGS &&
		    t->bytes + rec->len <= engine_gso_max(q->sock->af) &&
		    m->msg_hdr.msg_namelen == sl &&
		    memcmp(&q->names[q->n - 1], &su, sl) == 0) {
			q->iov[q->niov].iov_base = (void *)(uintptr_t)pkt;
			q->iov[q->niov].iov_len = rec->len;
			q->niov++;
			t->nseg++;
			t->bytes += rec->len;
			t->closed = rec->len < t->seglen;
			return;
		}
	}
	if (q->n == ENGINE_BATCH)
		engine_tx_flush(q);
	i = q->n++;
	t = &q->train[i];
	t->first = q->niov;
	t->nseg = 1;
	t->seglen = t->bytes = rec->len;
	t->closed = 0;
	t->peer = p;
	q->iov[q->niov].iov_base = (void *)(uintptr_t)pkt;
	q->iov[q->niov].iov_len = rec->len;
	q->niov++;
	q->names[i] = su;
	m = &q->msgs[i];
	memset(m, 0, sizeof(*m));
	m->msg_hdr.msg_name = &q->names[i];
	m->msg_hdr.msg_namelen = sl;
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
	socklen_t		 sl;
	int			 i, fd, v;

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
	/*
	 * A kernel before 4.18 has no UDP_SEGMENT and silently ignores
	 * the cmsg, sending a train as one oversized datagram: ask first.
	 */
	sl = sizeof(v);
	s->gso = getsockopt(fd, SOL_UDP, UDP_SEGMENT, &v, &sl) == 0;
	log_debug("%s: %s socket ready, UDP GSO %s", __func__,
	    af == AF_INET ? "IPv4" : "IPv6", s->gso ? "on" : "unavailable");
}

/*
 * A peer from the configuration (parent) or from the hub (tun).  Each
 * sender has its own id range, so neither can touch the other's peers.
 */
static void
engine_peer_msg(struct imsg *imsg, int from_tun)
{
	struct engine_peer_msg	 m;
	struct engine_peer	*p;
	char			 buf[ADDR_STRLEN];

	if (imsg_get_data(imsg, &m, sizeof(m)) == -1)
		fatalx("%s: bad size", __func__);
	if (from_tun ? !hub_peer_id(m.id) : (m.id == 0 || m.id > ENGINE_MAX_ID))
		fatalx("%s: peer id %u out of range", __func__, m.id);
	if (m.endpoint.af != 0 && sock_index(m.endpoint.af) == -1)
		fatalx("%s: peer %u: bad address family %u", __func__, m.id,
		    m.endpoint.af);
	addr_normalize(&m.endpoint);
	p = peer_slot(m.id);
	if (!p->configured) {
		memset(p, 0, sizeof(*p));
		p->configured = 1;
		p->conf_ep = p->ep = m.endpoint;
		log_debug("peer %u added, endpoint %s", m.id,
		    pkt_addr_str(&p->ep, buf, sizeof(buf)));
	} else if (!addr_equal(&p->conf_ep, &m.endpoint)) {
		/*
		 * A new configured endpoint wins over a roamed one.  The
		 * hub saying it no longer knows one is no reason to drop
		 * an endpoint that works.
		 */
		p->conf_ep = m.endpoint;
		if (!from_tun || m.endpoint.af != 0)
			p->ep = m.endpoint;
		log_debug("peer %u endpoint %s (%s)", m.id,
		    pkt_addr_str(&p->ep, buf, sizeof(buf)),
		    from_tun ? "hub" : "configuration");
	}
	if (from_tun)
		return;
	p->gen = env->gen;
	if (m.id > env->maxid)
		env->maxid = m.id;
}

/* tun: the hub took a peer away. */
static void
engine_peer_del(struct imsg *imsg)
{
	struct engine_peer	*p;
	uint32_t		 id;

	if (imsg_get_data(imsg, &id, sizeof(id)) == -1)
		fatalx("%s: bad size", __func__);
	if (!hub_peer_id(id))
		fatalx("%s: peer id %u out of range", __func__, id);
	if ((p = peer_get(id)) == NULL) {
		log_debug("%s: peer %u not known", __func__, id);
		return;
	}
	memset(p, 0, sizeof(*p));
	log_debug("peer %u removed", id);
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
	if (peer_slot(m.id) == NULL ||
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
	log_info("peer %u endpoint %s", m.id, pkt_addr_str(&p->ep, buf,
	    sizeof(buf)));
}

/* ------------------------------------------------------------------ */
/* The hub connection */

static void	nat_round(void);
static void	nat_stop(void);

static uint64_t
now_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("%s: clock_gettime", __func__);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* splitmix64: spreads reconnects, guards nothing. */
static uint64_t
hub_random(void)
{
	uint64_t	 z = (env->hub.rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static const char *
hub_name(char *buf, size_t len)
{
	return pkt_addr_str(&env->hub.remote, buf, len);
}

/* Read the hub while it is up, unless tun is behind. */
static void
hub_rx_update(void)
{
	struct engine_hub	*h = &env->hub;

	if (h->rev == NULL)
		return;
	if (h->state == HUBC_UP && !env->paused && !h->held) {
		if (!event_pending(h->rev, EV_READ, NULL) &&
		    event_add(h->rev, NULL) == -1)
			fatalx("%s: event_add", __func__);
	} else
		(void)event_del(h->rev);
}

static void
hub_rx_hold(void)
{
	struct timeval	 tv = { 0, ENGINE_RESUME_USEC };

	env->hub.held = 1;
	hub_rx_update();
	if (evtimer_add(env->resume_ev, &tv) == -1)
		fatalx("%s: evtimer_add", __func__);
}

/* Drop the socket and whatever was buffered for it (wiped). */
static void
hub_close_fd(void)
{
	struct engine_hub	*h = &env->hub;

	if (h->rev != NULL) {
		event_free(h->rev);
		h->rev = NULL;
	}
	if (h->wev != NULL) {
		event_free(h->wev);
		h->wev = NULL;
	}
	if (h->fd != -1) {
		(void)close(h->fd);
		h->fd = -1;
	}
	(void)evtimer_del(h->timer);
	nat_stop();
	framer_reset(&h->fr);
	frame_out_free(&h->out);
	h->held = 0;
}

/*
 * The connection is over, or never came up: tell tun if it knew of it
 * (and did not end it itself), and ask for a new socket after the
 * backoff.  A connection that stayed up long enough counts as a
 * success, so the wait starts over at the minimum; otherwise it
 * doubles, up to the maximum.
 */
static void
hub_retry(const char *what, const char *why, int tell_tun)
{
	struct engine_hub	*h = &env->hub;
	struct timeval		 tv;
	uint64_t		 delay;
	char			 buf[ADDR_STRLEN];
	int			 was_up = h->state == HUBC_UP;

	hub_close_fd();
	if (was_up && now_ms() - h->up_since >= HUB_STABLE)
		h->backoff = HUB_BACKOFF_MIN;
	if (was_up && tell_tun)
		(void)proc_compose(env->ps, HAMD_PROC_TUN,
		    IMSG_HUB_CONN_CLOSED, 0, -1, NULL, 0);
	delay = h->backoff * (uint64_t)(100 - HUB_JITTER_PCT +
	    hub_random() % (2 * HUB_JITTER_PCT + 1)) / 100;
	h->backoff = h->backoff * 2 > HUB_BACKOFF_MAX ? HUB_BACKOFF_MAX :
	    h->backoff * 2;
	h->state = HUBC_BACKOFF;
	tv.tv_sec = (time_t)(delay / 1000);
	tv.tv_usec = (suseconds_t)(delay % 1000) * 1000;
	if (evtimer_add(h->timer, &tv) == -1)
		fatalx("%s: evtimer_add", __func__);
	log_info("hub connection to %s %s (%s), retrying in %.1f s",
	    hub_name(buf, sizeof(buf)), what, why, (double)delay / 1000);
}

static void
hub_lost(const char *why)
{
	hub_retry(env->hub.state == HUBC_UP ? "lost" : "failed", why, 1);
}

/* Connect timeout, or the end of a backoff. */
static void
hub_timer(int fd, short what, void *arg)
{
	struct engine_hub	*h = &env->hub;

	switch (h->state) {
	case HUBC_CONNECTING:
		hub_lost("connect timed out");
		break;
	case HUBC_BACKOFF:
		h->state = HUBC_WAIT_SOCKET;
		(void)proc_compose(env->ps, PROC_PARENT, IMSG_HUB_CONNECT, 0,
		    -1, NULL, 0);
		break;
	default:
		break;
	}
}

static int
hub_sockname(int fd, int peer, struct pkt_addr *a)
{
	union sockunion	 su;
	socklen_t	 sl = sizeof(su);

	memset(&su, 0, sizeof(su));
	if ((peer ? getpeername(fd, &su.sa, &sl) :
	    getsockname(fd, &su.sa, &sl)) == -1)
		return -1;
	if (sockaddr_to_addr(&su, sl, su.sa.sa_family, a) == -1) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	return 0;
}

static void
hub_connected(void)
{
	struct engine_hub	*h = &env->hub;
	struct hub_conn_msg	 m;
	socklen_t		 sl = sizeof(int);
	char			 buf[ADDR_STRLEN];
	int			 err = 0;

	if (getsockopt(h->fd, SOL_SOCKET, SO_ERROR, &err, &sl) == -1)
		err = errno;
	if (err != 0) {
		hub_lost(strerror(err));
		return;
	}
	memset(&m, 0, sizeof(m));
	if (hub_sockname(h->fd, 1, &m.remote) == -1 ||
	    hub_sockname(h->fd, 0, &m.local) == -1) {
		hub_lost(strerror(errno));
		return;
	}
	(void)evtimer_del(h->timer);
	h->state = HUBC_UP;
	h->up_since = now_ms();
	log_info("hub connection to %s up", hub_name(buf, sizeof(buf)));
	(void)proc_compose(env->ps, HAMD_PROC_TUN, IMSG_HUB_CONN_OPEN, 0, -1,
	    &m, sizeof(m));
	/* tun's first frame, the handshake, arrives next; until then idle. */
	if (frame_out_pending(&h->out) == 0)
		(void)event_del(h->wev);
	hub_rx_update();
	nat_round();
}

static void
hub_write(int fd, short what, void *arg)
{
	struct engine_hub	*h = &env->hub;

	if (h->state == HUBC_CONNECTING) {
		hub_connected();
		return;
	}
	switch (frame_out_write(&h->out, h->fd, NULL)) {
	case -1:
		hub_lost(strerror(errno));
		break;
	case 0:
		break;		/* wev stays armed */
	default:
		(void)event_del(h->wev);
		break;
	}
}

/*
 * Frames go to tun as they are found, so the framer holds at most one
 * incomplete frame; a bad length or a frame cut by EOF ends the
 * connection, since the stream cannot be trusted past it.
 */
static void
hub_read(int fd, short what, void *arg)
{
	struct engine_hub	*h = &env->hub;
	struct imsgbuf		*tun = &env->ps->iev[HAMD_PROC_TUN].ibuf;
	const uint8_t		*body;
	size_t			 len, total = 0;
	ssize_t			 n;
	int			 r;

	for (;;) {
		while ((r = framer_next(&h->fr, &body, &len)) == 1)
			(void)proc_compose(env->ps, HAMD_PROC_TUN,
			    IMSG_HUB_FRAME_IN, 0, -1, body, len);
		if (r == -1) {
			hub_lost("bad frame length from the hub");
			return;
		}
		if (imsgbuf_queued(tun) >= HUB_TUN_BACKLOG) {
			hub_rx_hold();
			return;
		}
		if (env->paused || total >= HUB_READ_MAX)
			return;
		n = framer_read_fd(&h->fr, h->fd, HUB_READ_MAX - total);
		if (n > 0) {
			total += (size_t)n;
			continue;
		}
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n == 0)
			hub_lost(framer_pending(&h->fr) > 0 ?
			    "closed inside a frame" : "closed by the hub");
		else
			hub_lost(strerror(errno));
		return;
	}
}

/*
 * The parent's socket, connect() started.  Normally the answer to our
 * IMSG_HUB_CONNECT (or the first one, at start); one that arrives at
 * any other time replaces the connection we have (a reload may name
 * another hub).
 */
static void
hub_socket(struct imsg *imsg)
{
	struct engine_hub	*h = &env->hub;
	struct hub_conn_msg	 m;
	struct timeval		 tv = { HUB_CONNECT_TIMEOUT, 0 };
	char			 buf[ADDR_STRLEN];
	int			 fd;

	if (imsg_get_data(imsg, &m, sizeof(m)) == -1)
		fatalx("%s: bad size", __func__);
	if (sock_index(m.remote.af) == -1 || m.remote.port == 0)
		fatalx("%s: bad hub address", __func__);
	if ((fd = imsg_get_fd(imsg)) == -1)
		fatalx("%s: no socket", __func__);
	if (h->state == HUBC_UP || h->state == HUBC_CONNECTING) {
		log_info("hub connection to %s replaced",
		    hub_name(buf, sizeof(buf)));
		if (h->state == HUBC_UP)
			(void)proc_compose(env->ps, HAMD_PROC_TUN,
			    IMSG_HUB_CONN_CLOSED, 0, -1, NULL, 0);
		h->backoff = HUB_BACKOFF_MIN;
	}
	hub_close_fd();
	addr_normalize(&m.remote);
	h->remote = m.remote;
	h->fd = fd;
	h->state = HUBC_CONNECTING;
	if ((h->rev = event_new(env->ps->base, fd, EV_READ | EV_PERSIST,
	    hub_read, NULL)) == NULL ||
	    (h->wev = event_new(env->ps->base, fd, EV_WRITE | EV_PERSIST,
	    hub_write, NULL)) == NULL)
		fatalx("%s: event_new", __func__);
	if (event_add(h->wev, NULL) == -1 || evtimer_add(h->timer, &tv) == -1)
		fatalx("%s: event_add", __func__);
	log_debug("hub connection to %s: connecting",
	    hub_name(buf, sizeof(buf)));
}

static void
hub_frame_out(struct imsg *imsg)
{
	struct engine_hub	*h = &env->hub;
	size_t			 len = imsg_get_len(imsg);

	if (len == 0 || len > HUB_FRAME_MAX)
		fatalx("%s: bad frame size %zu", __func__, len);
	/* Meant for a connection that is gone: tun hears CONN_CLOSED. */
	if (h->state != HUBC_UP)
		return;
	if (frame_out_add(&h->out, imsg->data, len) == -1) {
		if (errno != ENOBUFS)
			fatal("%s: frame_out_add", __func__);
		hub_lost("the hub is not reading: 1 MiB unsent");
		return;
	}
	if (!event_pending(h->wev, EV_WRITE, NULL) &&
	    event_add(h->wev, NULL) == -1)
		fatalx("%s: event_add", __func__);
}

/*
 * tun ends the session (failed handshake, refused login, silence):
 * what is queued gets one try, and tun already knows, so no
 * CONN_CLOSED.  A close meant for a connection that already failed
 * finds none and changes nothing.
 */
static void
hub_conn_close(struct imsg *imsg)
{
	struct engine_hub	*h = &env->hub;

	if (imsg_get_len(imsg) != 0)
		fatalx("%s: bad size", __func__);
	if (h->state != HUBC_UP)
		return;
	(void)frame_out_write(&h->out, h->fd, NULL);
	hub_retry("closed", "the session ended", 0);
}

/* ------------------------------------------------------------------ */
/*
 * NAT discovery.  While the hub connection is up, every NAT_INTERVAL
 * seconds: one probe to each of the hub's UDP ports P and P+1 (P its
 * TCP port) from the UDP socket of the hub's family, with one fresh
 * nonce; missing answers get up to NAT_RESENDS more probes, a second
 * apart.  Each answer says which address and port that hub port saw.
 * Both alike: the NAT maps endpoint-independently; different: it maps
 * per destination; none within NAT_DEADLINE seconds: UDP does not get
 * through.  The parent hears the result of every round; it alone can
 * tell "no NAT" from an endpoint-independent one (its own addresses).
 * An answer only ever changes this report: it never reaches tun and
 * never moves a peer's endpoint.  The nonce comes from the jitter
 * generator: it keeps off-path forgers from guessing, no more.
 */
#define NAT_INTERVAL		60		/* s between rounds */
#define NAT_RESENDS		2		/* at 1 s intervals */
#define NAT_DEADLINE		3		/* s after the first probe */

static uint16_t
nat_hub_port(int i)
{
	return htons((uint16_t)(ntohs(env->hub.remote.port) + i));
}

/* Probes to the hub's ports whose answer is missing. */
static void
nat_send(void)
{
	struct engine_nat	*n = &env->nat;
	struct engine_sock	*s;
	struct mmsghdr		 msgs[2];
	struct iovec		 iov;
	union sockunion		 names[2];
	struct pkt_addr		 dst;
	uint8_t			 probe[NAT_PROBE_LEN];
	unsigned int		 cnt = 0;
	int			 i, r;

	s = &env->sock[sock_index(env->hub.remote.af)];
	if (s->fd == -1) {
		env->stats.tx_no_socket++;
		return;
	}
	memset(probe, 0, sizeof(probe));
	probe[0] = NAT_PROBE_TYPE;
	memcpy(probe + 4, n->nonce, sizeof(n->nonce));
	iov.iov_base = probe;
	iov.iov_len = sizeof(probe);
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < 2; i++) {
		if (n->have[i])
			continue;
		dst = env->hub.remote;
		dst.port = nat_hub_port(i);
		msgs[cnt].msg_hdr.msg_namelen = addr_to_sockaddr(&dst,
		    &names[cnt]);
		msgs[cnt].msg_hdr.msg_name = &names[cnt];
		msgs[cnt].msg_hdr.msg_iov = &iov;
		msgs[cnt].msg_hdr.msg_iovlen = 1;
		cnt++;
	}
	if (cnt == 0)
		return;
	/* A loss is what resends are for: count it, nothing more. */
	r = sendmmsg(s->fd, msgs, cnt, MSG_DONTWAIT);
	if (r < 0)
		r = 0;
	env->stats.tx_datagrams += (unsigned int)r;
	env->stats.tx_bytes += (uint64_t)r * sizeof(probe);
	env->stats.tx_errors += cnt - (unsigned int)r;
}

static void
nat_report(int32_t kind)
{
	struct engine_nat	*n = &env->nat;
	struct nat_state_msg	 m;
	struct timespec		 ts;

	memset(&m, 0, sizeof(m));
	m.kind = kind;
	if (kind != NAT_NO_ANSWER) {
		m.public_ep = n->seen[0];
		m.second_ep = n->seen[1];
	}
	/* clock_gettime is in the filter; time() might not be a vDSO call. */
	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		ts.tv_sec = 0;
	m.when = ts.tv_sec;
	n->done = 1;
	(void)proc_compose(env->ps, PROC_PARENT, IMSG_NAT_STATE, 0, -1, &m,
	    sizeof(m));
}

static void
nat_arm(int sec)
{
	struct timeval	 tv = { sec, 0 };

	if (evtimer_add(env->nat.timer, &tv) == -1)
		fatalx("%s: evtimer_add", __func__);
}

/* A new round: fresh nonce, both probes. */
static void
nat_round(void)
{
	struct engine_nat	*n = &env->nat;
	uint64_t		 r;

	if (env->hub.state != HUBC_UP)
		return;
	r = hub_random();
	memcpy(n->nonce, &r, sizeof(n->nonce));
	n->active = 1;
	n->done = 0;
	n->step = 0;
	memset(n->have, 0, sizeof(n->have));
	memset(n->seen, 0, sizeof(n->seen));
	nat_send();
	nat_arm(1);
}

static void
nat_timer(int fd, short what, void *arg)
{
	struct engine_nat	*n = &env->nat;

	if (env->hub.state != HUBC_UP)
		return;
	n->step++;
	if (n->step <= NAT_RESENDS) {
		nat_send();
		nat_arm(1);
	} else if (n->step == NAT_DEADLINE) {
		/* One answer of two classifies nothing: keep the last. */
		if (!n->done && !n->have[0] && !n->have[1])
			nat_report(NAT_NO_ANSWER);
		else if (!n->done)
			log_debug("NAT discovery: only one of the hub's ports "
			    "answered");
		nat_arm(NAT_INTERVAL - NAT_DEADLINE);
	} else
		nat_round();
}

/* The hub connection is gone: no round, no valid nonce. */
static void
nat_stop(void)
{
	struct engine_nat	*n = &env->nat;

	if (n->timer != NULL)
		(void)evtimer_del(n->timer);
	n->active = 0;
	explicit_bzero(n->nonce, sizeof(n->nonce));
}

/*
 * A datagram of a discovery type.  Only a 32-byte answer from the hub's
 * address and one of its two ports, carrying the current nonce, counts;
 * everything else (probes sent to us included) is dropped and counted.
 */
static void
nat_rx(const uint8_t *pkt, size_t len, const struct pkt_addr *from)
{
	static const uint8_t	 zero[3];
	struct engine_nat	*n = &env->nat;
	const struct pkt_addr	*hub = &env->hub.remote;
	struct pkt_addr		 ep;
	int			 i;

	if (from == NULL || len != NAT_ANSWER_LEN ||
	    pkt[0] != NAT_ANSWER_TYPE || memcmp(pkt + 1, zero, 3) != 0 ||
	    !n->active || env->hub.state != HUBC_UP ||
	    from->af != hub->af || memcmp(from->addr, hub->addr,
	    sizeof(hub->addr)) != 0 ||
	    memcmp(pkt + 4, n->nonce, sizeof(n->nonce)) != 0)
		goto bad;
	if (from->port == nat_hub_port(0))
		i = 0;
	else if (from->port == nat_hub_port(1))
		i = 1;
	else
		goto bad;
	memset(&ep, 0, sizeof(ep));
	if (pkt[12] == 4 && hub->af == AF_INET) {
		ep.af = AF_INET;
		memcpy(ep.addr, pkt + 16, 4);
	} else if (pkt[12] == 6 && hub->af == AF_INET6) {
		ep.af = AF_INET6;
		memcpy(ep.addr, pkt + 16, 16);
	} else
		goto bad;
	memcpy(&ep.port, pkt + 14, sizeof(ep.port));
	if (pkt[13] != 0 || ep.port == 0)
		goto bad;
	env->stats.nat_answers++;
	if (n->have[i])
		return;		/* an answer to a resend */
	n->have[i] = 1;
	n->seen[i] = ep;
	if (n->have[0] && n->have[1])
		nat_report(addr_equal(&n->seen[0], &n->seen[1]) ?
		    NAT_INDEPENDENT : NAT_DEPENDENT);
	return;
 bad:
	/* Not a WireGuard message either: malformed, of a discovery type. */
	env->stats.nat_bad++;
	env->stats.rx_malformed++;
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
		engine_peer_msg(imsg, 0);
		break;
	case IMSG_ENGINE_PEERS_END:
		engine_peers_end();
		break;
	case IMSG_HUB_SOCKET:
		hub_socket(imsg);
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
	case IMSG_ENGINE_PEER:
		engine_peer_msg(imsg, 1);
		break;
	case IMSG_ENGINE_PEER_DEL:
		engine_peer_del(imsg);
		break;
	case IMSG_HUB_FRAME_OUT:
		hub_frame_out(imsg);
		break;
	case IMSG_HUB_CONN_CLOSE:
		hub_conn_close(imsg);
		break;
	default:
		fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
	}
}

static void
engine_dispatch_control(struct privsep *ps, int from, struct imsg *imsg)
{
	switch (imsg->hdr.type) {
	case IMSG_CTL_ENGINE:
		/* Counters only: the engine has nothing else worth showing. */
		proc_compose(ps, HAMD_PROC_CONTROL, IMSG_CTL_ENGINE_REPLY,
		    imsg->hdr.peerid, -1, &env->stats, sizeof(env->stats));
		break;
	default:
		fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
	}
}

/* Before seccomp: getrandom is not allowed afterwards. */
static void
engine_hub_init(struct privsep *ps)
{
	struct engine_hub	*h = &env->hub;

	h->fd = -1;
	h->backoff = HUB_BACKOFF_MIN;
	if (framer_init(&h->fr, HUB_FRAME_MAX) == -1)
		fatal("%s: framer_init", __func__);
	frame_out_init(&h->out, HUB_OUT_MAX);
	if ((h->timer = evtimer_new(ps->base, hub_timer, NULL)) == NULL ||
	    (env->nat.timer = evtimer_new(ps->base, nat_timer, NULL)) == NULL)
		fatalx("%s: evtimer_new", __func__);
	if (getrandom(&h->rng, sizeof(h->rng), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(h->rng))
		h->rng = now_ms() ^ ((uint64_t)getpid() << 32);
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
	    sizeof(*env->peers))) == NULL ||
	    (env->hub_peers = calloc(ENGINE_HUB_MAX_IDS,
	    sizeof(*env->hub_peers))) == NULL)
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
		rx->msgs[i].msg_hdr.msg_control = &rx->ctl[i];
	}
	pktbatch_init(&env->rxb, &ps->iev[HAMD_PROC_TUN].ibuf, IMSG_PKT_IN);
	if ((env->resume_ev = evtimer_new(ps->base, engine_rx_resume,
	    NULL)) == NULL)
		fatalx("%s: evtimer_new", __func__);
	engine_hub_init(ps);
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
