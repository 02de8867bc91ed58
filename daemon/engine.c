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
 *
 * Hub peers (ids from ENGINE_HUB_ID_BASE) get their path chosen here
 * (pathsel.c): tun says which addresses a packet of theirs authenticated
 * from, the hub says where they may be reached (candidates, hints only)
 * and the engine probes those, prefers LAN over public over the relay,
 * and falls back to the relay when a direct path goes silent.  The relay
 * is the hub itself: over UDP (datagrams to its port P, after a REGISTER
 * with the token tun got at login) or inside the TCP connection.  Relayed
 * packets reach tun with a pseudo source, hub IP:P for UDP and hub IP:0
 * for TCP, so tun's endpoint reports name the relay like any address.
 * Configured peers keep the plain rule: the endpoint is where the last
 * authenticated packet came from.
 */
#include "autoconf.h"

#include <sys/queue.h>
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

#include "compat/util.h"
#include "proto/dgram.h"
#include "proto/framer.h"
#include "daemon/hamd_msg.h"
#include "privsep/log.h"
#include "privsep/policies.h"
#include "daemon/netconf.h"
#include "daemon/pathsel.h"
#include "proto/relayauth.h"
#include "ipc/pktbatch.h"
#include "privsep/proc.h"
#include "privsep/sandbox.h"
#include "crypto/wg_result.h"
#include "crypto/wg_wire.h"

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
/*
 * Short: a node must be back on a restarted hub within seconds, since
 * the hub also relays its traffic and carries hole-punch coordination.
 */
#define HUB_BACKOFF_MAX		6000		/* ms */
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

/* The relay (see proto/dgram.h and PROTOCOL.md). */
#define RELAY_REGISTER_SEC	20	/* REGISTER this often */
#define RELAY_ANSWER_WINDOW	4	/* REGISTERs an answer may name */
#define PROBE_PUNCH_MS		10000	/* resends to candidates after a punch */
#define RELAY_UDP_VALID_MS	60000	/* a REGISTERED is good this long */
/*
 * Relay frames may fill only part of the queue towards the hub, so the
 * channel's own frames (tun's) always find room: a full queue ends the
 * connection, a full relay share only drops relayed packets, as UDP would.
 */
#define RELAY_OUT_MAX		(HUB_OUT_MAX / 2)

/* Path selection timers: pathsel_tick and probe resends. */
#define ENGINE_TICK_MS		250
/*
 * The last probe of a hub peer (a handshake initiation is 148 bytes, a
 * keepalive 32) is sent again to the candidates this long after it
 * went out: the first copies may die in a NAT that has not yet seen
 * our outgoing packet, and a duplicate is only a replay the peer drops.
 */
#define PROBE_CACHE_LEN		148
static const uint16_t probe_resend_ms[] = { 250, 500, 1000, 2000 };
#define PROBE_RESENDS		\
	nitems(probe_resend_ms)
/* A peer's candidates: the hub's, and the endpoint of its PEER_UP. */
#define ENGINE_MAX_CANDS	(HUB_CAND_MAX + 1)

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

enum { SOCK_V4, SOCK_V6, SOCK_MAX };

struct engine_peer_stats {
	uint64_t		 tx_packets;
	uint64_t		 tx_bytes;
	uint64_t		 tx_refused;	/* the kernel refused them (a local
						   firewall, no route) */
	uint64_t		 no_endpoint;	/* dropped: nowhere to send */
	uint64_t		 roams;		/* endpoint moved by tun */
};

struct engine_hp;

struct engine_peer {
	int			 configured;
	/*
	 * Records without PKT_F_TO_ADDR or PKT_F_PROBE go straight to ep:
	 * always for a configured peer, for a hub peer while its path is
	 * direct or LAN.  The send path checks nothing else.
	 */
	int			 fast;
	uint32_t		 gen;		/* configuration last sent in */
	struct pkt_addr		 conf_ep;	/* endpoint in the config (hub
						   peers: PEER_UP's, a hint) */
	struct pkt_addr		 ep;		/* current: conf_ep or roamed */
	struct engine_peer_stats stats;
	struct engine_hp	*hp;		/* hub peers only */
};

/* A hub peer's path state: candidates, relay, path selection, probes. */
struct engine_hp {
	uint32_t		 id;
	struct engine_peer	*peer;
	uint32_t		 relay_id;	/* the peer's, 0: none */
	uint8_t			 nat;		/* its enum nat_kind */
	uint8_t			 active;	/* on env->active */
	uint8_t			 ncand;
	uint8_t			 nhub;		/* of them, from the hub */
	struct pkt_addr		 cand[ENGINE_MAX_CANDS];
	uint8_t			 cand_lan[ENGINE_MAX_CANDS];
	struct hub_candidates	 hubc;		/* as the hub sent them */
	struct pathsel		 sel;
	uint64_t		 probe_copies;	/* packets of tx_packets that
						   were probes */
	uint64_t		 tx_seen;	/* tx_packets at the last tick */
	uint64_t		 probes_seen;	/* probe_copies at the last tick */
	/* the last probe, resent at probe_resend_ms[] after probe_at */
	uint64_t		 probe_at;
	uint16_t		 probe_len;	/* 0: none pending */
	uint8_t			 probe_relay;	/* relay copy due at the first
						   resend */
	uint8_t			 probe_cands;	/* resend to the candidates */
	uint64_t		 punch_at;	/* ms of the last PEER_PATHS */
	uint8_t			 probe_step;
	uint8_t			 probe[PROBE_CACHE_LEN];
	TAILQ_ENTRY(engine_hp)	 entry;
};
TAILQ_HEAD(engine_hp_list, engine_hp);

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

/* Our own relay session with the hub. */
struct engine_relay {
	uint32_t		 id;		/* ours, 0: none */
	uint8_t			 token[HUB_RELAY_TOKEN_LEN];
	uint64_t		 counter;	/* of the last REGISTER sent */
	uint64_t		 registered;	/* ms of the last REGISTERED */
	struct event		*timer;		/* REGISTER every 20 s */
	uint8_t			*frame;		/* a TCP relay frame, built */
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
	int32_t			 kind;		/* last reported nat_kind */
};

struct engine {
	struct privsep		*ps;
	struct engine_sock	 sock[SOCK_MAX];
	struct engine_peer	*peers;		/* indexed by id, [0] unused */
	struct engine_peer	*hub_peers;	/* id - ENGINE_HUB_ID_BASE */
	struct engine_hp	*hps;		/* their paths, same index */
	struct engine_hp_list	 active;	/* hub peers the tick looks at */
	struct event		*tick_ev;
	struct engine_relay	 relay;
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
static void	relay_rx(const uint8_t *, size_t, const struct pkt_addr *);
static int	relay_pseudo(const struct pkt_addr *);

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
	enum dgram_kind	 kind;
	uint16_t	 flags = 0;
	uint8_t		*dst;

	env->stats.rx_datagrams++;
	env->stats.rx_bytes += len;
	if (truncated || len > PKT_MAX_LEN) {
		env->stats.rx_truncated++;
		return;
	}
	/*
	 * Type and length only; no crypto.  The project's own messages
	 * (discovery, relay) never reach tun or move an endpoint.
	 */
	kind = dgram_classify(pkt, len, NULL);
	switch (kind) {
	case DGRAM_NAT_PROBE:
	case DGRAM_NAT_ANSWER:
		nat_rx(pkt, len, from);
		return;
	case DGRAM_RELAY_REGISTER:
	case DGRAM_RELAY_REGISTERED:
	case DGRAM_RELAY_DATA:
		relay_rx(pkt, len, from);
		return;
	case DGRAM_MALFORMED:
		/* A relay- or discovery-typed datagram that is neither. */
		if (len > 0 && pkt[0] >= NAT_PROBE_TYPE &&
		    pkt[0] <= NAT_ANSWER_TYPE)
			env->stats.nat_bad++;
		else if (len > 0 && pkt[0] >= RELAY_REGISTER_TYPE &&
		    pkt[0] <= RELAY_DATA_TYPE)
			env->stats.relay_bad++;
		env->stats.rx_malformed++;
		return;
	default:
		break;
	}
	/*
	 * Port 0 is no sender's (only a raw socket makes one), and hub
	 * IP:0 is the TCP relay's pseudo address: such a datagram would
	 * pass for a relayed packet.
	 */
	if (from == NULL || from->port == 0) {
		env->stats.rx_malformed++;
		return;
	}
	/*
	 * hub IP:P names the UDP relay; a bare WireGuard packet from there
	 * would pass for a relayed one.  The port test first: it is all a
	 * packet from anywhere else costs.
	 */
	if (from->port == env->hub.remote.port &&
	    relay_pseudo(from) != PATH_NONE) {
		env->stats.relay_bad++;
		return;
	}
	if (kind != DGRAM_WG_DATA)
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
	    &from) == 0;
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

static void	engine_active_add(struct engine_hp *);
static void	engine_tx_hub(struct engine_peer *, const struct pkt_rec *,
		    const uint8_t *);

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
		/* A hub peer that sends gets its path watched. */
		if (t->peer->hp != NULL && !t->peer->hp->active)
			engine_active_add(t->peer->hp);
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
	/*
	 * Still "we send" for path selection: a local firewall that drops
	 * the path's packets (EPERM) must make it look dead, not idle.
	 */
	if (t->peer != NULL) {
		t->peer->stats.tx_refused += t->nseg;
		if (t->peer->hp != NULL && !t->peer->hp->active)
			engine_active_add(t->peer->hp);
	}
	if (ratelimit_ok(&env->tx_log, &missed)) {
		(void)sockaddr_to_addr(m->msg_hdr.msg_name,
		    m->msg_hdr.msg_namelen, &a);
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
 * Queue one datagram of len bytes for dst, joining the previous train
 * when it goes to the same address for the same peer, has room, and
 * this record is no longer than its segments.  pkt must stay valid
 * until the queue is flushed (it lives in tun's imsg, or in a probe
 * cache that the flush comes before).
 */
static void
engine_tx_queue(const struct pkt_addr *dst, struct engine_peer *p,
    const uint8_t *pkt, size_t len)
{
	struct engine_txq	*q;
	struct engine_train	*t;
	struct mmsghdr		*m;
	union sockunion		 su;
	socklen_t		 sl;
	int			 si;
	unsigned int		 i;

	if ((si = sock_index(dst->af)) == -1) {
		if (p != NULL)
			p->stats.no_endpoint++;
		return;
	}
	q = &env->tx[si];
	if (q->sock->fd == -1) {
		env->stats.tx_no_socket++;
		return;
	}
	sl = addr_to_sockaddr(dst, &su);
	if (q->n > 0 && q->sock->gso) {
		t = &q->train[q->n - 1];
		m = &q->msgs[q->n - 1];
		/* Trains' iovecs are contiguous: only the last one grows. */
		if (!t->closed && t->peer == p && len > 0 &&
		    len <= t->seglen && t->nseg < ENGINE_GSO_SEGS &&
		    t->bytes + len <= engine_gso_max(q->sock->af) &&
		    m->msg_hdr.msg_namelen == sl &&
		    memcmp(&q->names[q->n - 1], &su, sl) == 0) {
			q->iov[q->niov].iov_base = (void *)(uintptr_t)pkt;
			q->iov[q->niov].iov_len = len;
			q->niov++;
			t->nseg++;
			t->bytes += len;
			t->closed = len < t->seglen;
			return;
		}
	}
	if (q->n == ENGINE_BATCH || q->niov == ENGINE_TX_IOV)
		engine_tx_flush(q);
	i = q->n++;
	t = &q->train[i];
	t->first = q->niov;
	t->nseg = 1;
	t->seglen = t->bytes = len;
	t->closed = 0;
	t->peer = p;
	q->iov[q->niov].iov_base = (void *)(uintptr_t)pkt;
	q->iov[q->niov].iov_len = len;
	q->niov++;
	q->names[i] = su;
	m = &q->msgs[i];
	memset(m, 0, sizeof(*m));
	m->msg_hdr.msg_name = &q->names[i];
	m->msg_hdr.msg_namelen = sl;
}

/* pktbatch_foreach callback: one record of tun's batch. */
static void
engine_tx_rec(void *arg, const struct pkt_rec *rec, const uint8_t *pkt)
{
	struct engine_peer	*p = NULL;
	const struct pkt_addr	*dst;

	if (rec->peer != PKT_PEER_NONE &&
	    (p = peer_get(rec->peer)) == NULL) {
		/* Removed by a reload tun has not seen yet, or bogus. */
		env->stats.tx_unknown_peer++;
		return;
	}
	if (p != NULL && (!p->fast ||
	    (p->hp != NULL && (rec->flags & (PKT_F_TO_ADDR | PKT_F_PROBE))))) {
		/* A hub peer not on a settled direct path, or a probe. */
		engine_tx_hub(p, rec, pkt);
		return;
	}
	if (rec->flags & PKT_F_TO_ADDR) {
		/*
		 * An answer for no peer (a cookie reply) to a relay's pseudo
		 * address cannot be relayed: the relay needs a peer's id.
		 * Sent as it is, it would go to the hub as a bare packet.
		 */
		if (p == NULL && relay_pseudo(&rec->addr) != PATH_NONE) {
			env->stats.relay_bad++;
			return;
		}
		dst = &rec->addr;
	} else if (p == NULL) {
		env->stats.tx_unknown_peer++;
		return;
	} else if (p->ep.af == 0) {
		p->stats.no_endpoint++;
		return;
	} else
		dst = &p->ep;
	engine_tx_queue(dst, p, pkt, rec->len);
}

static void
engine_tx_flush_all(void)
{
	int	 i;

	for (i = 0; i < SOCK_MAX; i++)
		if (env->tx[i].n > 0)
			engine_tx_flush(&env->tx[i]);
}

static void
engine_pkt_out(struct imsg *imsg)
{
	if (pktbatch_foreach(imsg->data, imsg->datalen, engine_tx_rec,
	    env) == -1)
		fatalx("%s: malformed packet batch from tun", __func__);
	/* The iovecs point into the imsg: send before it is freed. */
	engine_tx_flush_all();
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

static void	hp_init(struct engine_peer *, uint32_t);
static void	hp_cands_rebuild(struct engine_peer *);
static void	engine_active_del(struct engine_hp *);
static void	engine_endpoint_hub(struct engine_peer *,
		    const struct pkt_addr *);

/*
 * A peer from the configuration (parent) or from the hub (tun).  Each
 * sender has its own id range, so neither can touch the other's peers.
 * A hub peer's endpoint from tun (PEER_UP's) is only a candidate: its
 * path comes from what authenticates.
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
	if (from_tun) {
		if (!p->configured) {
			hp_init(p, m.id);
			log_debug("hub peer %u added, candidate %s", m.id,
			    pkt_addr_str(&m.endpoint, buf, sizeof(buf)));
		}
		p->conf_ep = m.endpoint;
		hp_cands_rebuild(p);
		engine_active_add(p->hp);
		return;
	}
	if (!p->configured) {
		memset(p, 0, sizeof(*p));
		p->configured = 1;
		p->fast = 1;
		p->conf_ep = p->ep = m.endpoint;
		log_debug("peer %u added, endpoint %s", m.id,
		    pkt_addr_str(&p->ep, buf, sizeof(buf)));
	} else if (!addr_equal(&p->conf_ep, &m.endpoint)) {
		/* A new configured endpoint wins over a roamed one. */
		p->conf_ep = p->ep = m.endpoint;
		log_debug("peer %u endpoint %s (configuration)", m.id,
		    pkt_addr_str(&p->ep, buf, sizeof(buf)));
	}
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
	if (p->hp != NULL) {
		engine_active_del(p->hp);
		memset(p->hp, 0, sizeof(*p->hp));
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
	if (peer_slot(m.id) == NULL || sock_index(m.addr.af) == -1)
		fatalx("%s: bad endpoint message from tun", __func__);
	addr_normalize(&m.addr);
	if ((p = peer_get(m.id)) == NULL) {
		/* Removed by a reload tun has not processed yet. */
		log_debug("%s: peer %u not configured", __func__, m.id);
		return;
	}
	if (p->hp != NULL) {
		engine_endpoint_hub(p, &m.addr);
		return;
	}
	/*
	 * Port 0 is the TCP relay's pseudo address, hub IP:P the UDP
	 * relay's: a configured peer is not relayed, and a stale report
	 * (the hub changed meanwhile) is no reason to end the daemon.
	 */
	if (m.addr.port == 0 || relay_pseudo(&m.addr) != PATH_NONE) {
		log_debug("%s: peer %u: relay address ignored", __func__,
		    m.id);
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
	/*
	 * No connection, no relay (a relay session lives as long as its
	 * login; the next one brings a new id); direct paths do not care.
	 */
	env->relay.id = 0;
	env->relay.registered = 0;
	explicit_bzero(env->relay.token, sizeof(env->relay.token));
	if (env->relay.timer != NULL)
		(void)evtimer_del(env->relay.timer);
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
	if (sockaddr_to_addr(&su, sl, a) == -1) {
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

static void	hub_relay_frame(const uint8_t *, size_t);

/*
 * Frames go to tun as they are found, so the framer holds at most one
 * incomplete frame; a bad length or a frame cut by EOF ends the
 * connection, since the stream cannot be trusted past it.  Relay
 * frames are ours: their packets join the datagrams' batches to tun,
 * and tun's channel never sees them.
 */
static void
hub_read_frames(void)
{
	struct engine_hub	*h = &env->hub;
	struct imsgbuf		*tun = &env->ps->iev[HAMD_PROC_TUN].ibuf;
	const uint8_t		*body;
	size_t			 len, total = 0;
	ssize_t			 n;
	int			 r;

	for (;;) {
		while ((r = framer_next(&h->fr, &body, &len)) == 1) {
			if (body[0] == HUB_FRAME_RELAY)
				hub_relay_frame(body, len);
			else
				(void)proc_compose(env->ps, HAMD_PROC_TUN,
				    IMSG_HUB_FRAME_IN, 0, -1, body, len);
		}
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

static void
hub_read(int fd, short what, void *arg)
{
	hub_read_frames();
	if (pktbatch_flush(&env->rxb) > 0)
		engine_tun_push();
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
	n->kind = kind;
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
/*
 * Hub peers: paths and the relay.  pathsel.c decides; this part feeds
 * it (authenticated addresses, sends, a tick), sends where it says,
 * fans probes out to every candidate, and speaks the relay's wire
 * format (proto/dgram.h: REGISTER, REGISTERED, DATA; HUB_FRAME_RELAY frames).
 */

/* The relay path a pseudo address names, PATH_NONE for any other. */
static int
relay_pseudo(const struct pkt_addr *a)
{
	const struct pkt_addr	*h = &env->hub.remote;

	if (h->af == 0 || a->af != h->af || memcmp(a->addr, h->addr,
	    h->af == AF_INET ? 4 : 16) != 0)
		return PATH_NONE;
	if (a->port == h->port)
		return PATH_RELAY_UDP;
	if (a->port == 0)
		return PATH_RELAY_TCP;
	return PATH_NONE;
}

static void
relay_pseudo_addr(int kind, struct pkt_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (kind != PATH_RELAY_UDP && kind != PATH_RELAY_TCP)
		return;
	*a = env->hub.remote;
	if (kind == PATH_RELAY_TCP)
		a->port = 0;
}

/*
 * How our relayed packets leave now: as UDP datagrams while the hub
 * confirms our registration, else in the TCP connection (UDP may be
 * blocked, or our NAT forgot the mapping), else not at all.
 */
static int
relay_mode(uint64_t now)
{
	struct engine_relay	*r = &env->relay;

	if (r->id == 0 || env->hub.state != HUBC_UP)
		return PATH_NONE;
	if (r->registered != 0 && now - r->registered < RELAY_UDP_VALID_MS &&
	    env->sock[sock_index(env->hub.remote.af)].fd != -1)
		return PATH_RELAY_UDP;
	return PATH_RELAY_TCP;
}

static int
relay_usable(const struct engine_hp *hp, uint64_t now)
{
	return hp->relay_id != 0 && relay_mode(now) != PATH_NONE;
}

/* One datagram to the hub's UDP port P; -1 if it did not go. */
static int
relay_send_udp(const struct iovec *iov, int iovcnt, size_t len)
{
	struct engine_sock	*s = &env->sock[sock_index(env->hub.remote.af)];
	struct mmsghdr		 m;
	union sockunion		 su;
	int			 r;

	if (s->fd == -1) {
		env->stats.tx_no_socket++;
		return -1;
	}
	memset(&m, 0, sizeof(m));
	m.msg_hdr.msg_name = &su;
	m.msg_hdr.msg_namelen = addr_to_sockaddr(&env->hub.remote, &su);
	m.msg_hdr.msg_iov = (struct iovec *)(uintptr_t)iov;
	m.msg_hdr.msg_iovlen = (size_t)iovcnt;
	do
		r = sendmmsg(s->fd, &m, 1, MSG_DONTWAIT);
	while (r == -1 && errno == EINTR);
	if (r != 1) {
		if (r == 0 || errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ENOBUFS)
			env->stats.tx_dropped++;
		else
			env->stats.tx_errors++;
		return -1;
	}
	env->stats.tx_datagrams++;
	env->stats.tx_bytes += len;
	return 0;
}

/*
 * A packet for peer p through the relay.  want: the relay path an
 * answer should go back on (PATH_RELAY_TCP: a question that came in
 * the TCP connection), PATH_NONE for our current mode.  probe: a copy
 * made for probing, which does not count as "we send on this path".
 */
static int
relay_send(struct engine_peer *p, int want, const uint8_t *pkt, size_t len,
    int probe)
{
	struct engine_hp	*hp = p->hp;
	struct engine_hub	*h = &env->hub;
	uint8_t			 hdr[HUB_RELAY_HDR_LEN], *f;
	struct iovec		 iov[2];
	uint32_t		 rid;
	int			 mode;

	mode = relay_mode(now_ms());
	if (want == PATH_RELAY_TCP && mode != PATH_NONE)
		mode = PATH_RELAY_TCP;
	if (mode == PATH_NONE || hp->relay_id == 0) {
		p->stats.no_endpoint++;
		return -1;
	}
	rid = htonl(hp->relay_id);
	if (mode == PATH_RELAY_UDP) {
		/* No GSO: the hub forwards datagram by datagram. */
		memset(hdr, 0, sizeof(hdr));
		hdr[0] = RELAY_DATA_TYPE;
		memcpy(hdr + 4, &rid, sizeof(rid));
		iov[0].iov_base = hdr;
		iov[0].iov_len = sizeof(hdr);
		iov[1].iov_base = (void *)(uintptr_t)pkt;
		iov[1].iov_len = len;
		if (relay_send_udp(iov, 2, sizeof(hdr) + len) == -1)
			return -1;
	} else {
		if (len + HUB_RELAY_HDR_LEN > HUB_FRAME_MAX ||
		    frame_out_pending(&h->out) + FRAMER_HDR_LEN +
		    HUB_RELAY_HDR_LEN + len > RELAY_OUT_MAX) {
			env->stats.tx_dropped++;
			return -1;
		}
		f = env->relay.frame;
		memset(f, 0, HUB_RELAY_HDR_LEN);
		f[0] = HUB_FRAME_RELAY;
		memcpy(f + 4, &rid, sizeof(rid));
		memcpy(f + HUB_RELAY_HDR_LEN, pkt, len);
		if (frame_out_add(&h->out, f, HUB_RELAY_HDR_LEN + len) == -1) {
			if (errno == ENOMEM)
				fatal("%s: frame_out_add", __func__);
			env->stats.tx_dropped++;
			return -1;
		}
		if (!event_pending(h->wev, EV_WRITE, NULL) &&
		    event_add(h->wev, NULL) == -1)
			fatalx("%s: event_add", __func__);
	}
	env->stats.relay_tx++;
	p->stats.tx_packets++;
	p->stats.tx_bytes += len;
	if (probe)
		hp->probe_copies++;
	if (!hp->active)
		engine_active_add(hp);
	return 0;
}

/*
 * REGISTER: the hub learns (and checks) where our UDP relay lives.  The
 * token never leaves us: it keys a MAC over our id and a counter that
 * grows with every REGISTER of this login (hub/relayauth.h).
 */
static void
relay_register(void)
{
	struct engine_relay	*r = &env->relay;
	uint8_t			 msg[RELAY_AUTH_LEN];
	struct iovec		 iov;

	if (r->id == 0 || env->hub.state != HUBC_UP)
		return;
	relay_auth_build(msg, RELAY_REGISTER_TYPE, r->id, ++r->counter,
	    r->token);
	iov.iov_base = msg;
	iov.iov_len = sizeof(msg);
	(void)relay_send_udp(&iov, 1, sizeof(msg));
}

static void
relay_timer(int fd, short what, void *arg)
{
	relay_register();
}

/* tun: our relay id and token from this login (id 0: the login ended). */
static void
engine_relay_msg(struct imsg *imsg)
{
	struct engine_relay	*r = &env->relay;
	struct engine_relay_msg	 m;
	struct timeval		 tv = { RELAY_REGISTER_SEC, 0 };

	if (imsg_get_data(imsg, &m, sizeof(m)) == -1)
		fatalx("%s: bad size", __func__);
	r->id = m.relay_id;
	memcpy(r->token, m.token, sizeof(r->token));
	explicit_bzero(&m, sizeof(m));
	r->registered = 0;
	r->counter = 0;
	(void)evtimer_del(r->timer);
	if (r->id == 0) {
		explicit_bzero(r->token, sizeof(r->token));
		log_debug("relay: no session");
		return;
	}
	log_debug("relay: session %u, registering", r->id);
	if (evtimer_add(r->timer, &tv) == -1)
		fatalx("%s: evtimer_add", __func__);
	relay_register();
}

/*
 * A relayed WireGuard packet, from the pseudo address of the way it
 * came: to tun like any datagram.  -1 if it cannot be one.
 */
static int
relay_deliver(const uint8_t *pkt, size_t len, const struct pkt_addr *from)
{
	enum dgram_kind	 kind = dgram_classify(pkt, len, NULL);
	uint16_t	 flags = 0;
	uint8_t		*dst;

	if (!dgram_is_wireguard(kind))
		return -1;
	if (kind != DGRAM_WG_DATA)
		flags |= PKT_F_HANDSHAKE;
	if ((dst = pktbatch_add(&env->rxb, PKT_PEER_NONE, flags, from,
	    len)) == NULL)
		fatal("%s: pktbatch_add", __func__);
	memcpy(dst, pkt, len);
	pktbatch_commit(&env->rxb, len);
	env->stats.relay_rx++;
	return 0;
}

/*
 * A datagram of a relay type.  Only the hub's address and port P may
 * send them, and only REGISTERED (for our id) and DATA are for us;
 * anything else is dropped and counted, never passed on.
 */
static void
relay_rx(const uint8_t *pkt, size_t len, const struct pkt_addr *from)
{
	struct engine_relay	*r = &env->relay;
	uint64_t		 counter;
	uint32_t		 id;

	if (from == NULL || len < HUB_RELAY_HDR_LEN ||
	    (pkt[1] | pkt[2] | pkt[3]) != 0 ||
	    relay_pseudo(from) != PATH_RELAY_UDP)
		goto bad;
	memcpy(&id, pkt + 4, sizeof(id));
	id = ntohl(id);
	switch (pkt[0]) {
	case RELAY_REGISTERED_TYPE:
		/*
		 * Only the hub holds our token: the answer names one of our
		 * last few REGISTERs under a MAC, so it is neither forged
		 * nor an old one replayed.
		 */
		if (r->id == 0 || env->hub.state != HUBC_UP ||
		    relay_auth_peek(pkt, len, RELAY_REGISTERED_TYPE, &id,
		    &counter) == -1 || id != r->id || counter > r->counter ||
		    counter + RELAY_ANSWER_WINDOW <= r->counter ||
		    relay_auth_verify(pkt, r->token) == -1)
			goto bad;
		if (r->registered == 0)
			log_debug("relay: UDP registration confirmed");
		r->registered = now_ms();
		return;
	case RELAY_DATA_TYPE:
		if (relay_deliver(pkt + HUB_RELAY_HDR_LEN,
		    len - HUB_RELAY_HDR_LEN, from) == -1)
			goto bad;
		return;
	default:
		break;		/* REGISTER is the hub's to receive */
	}
 bad:
	/* Not a WireGuard message either: malformed too, as for discovery. */
	env->stats.relay_bad++;
	env->stats.rx_malformed++;
}

/* A HUB_FRAME_RELAY frame from the hub's TCP stream. */
static void
hub_relay_frame(const uint8_t *body, size_t len)
{
	struct pkt_addr	 from;

	relay_pseudo_addr(PATH_RELAY_TCP, &from);
	if (len < HUB_RELAY_HDR_LEN || (body[1] | body[2] | body[3]) != 0 ||
	    relay_deliver(body + HUB_RELAY_HDR_LEN, len - HUB_RELAY_HDR_LEN,
	    &from) == -1)
		env->stats.relay_bad++;
}

static void
engine_active_add(struct engine_hp *hp)
{
	struct timeval	 tv = { 0, ENGINE_TICK_MS * 1000 };

	if (hp->active)
		return;
	if (TAILQ_EMPTY(&env->active) && evtimer_add(env->tick_ev, &tv) == -1)
		fatalx("%s: evtimer_add", __func__);
	TAILQ_INSERT_TAIL(&env->active, hp, entry);
	hp->active = 1;
}

static void
engine_active_del(struct engine_hp *hp)
{
	if (!hp->active)
		return;
	TAILQ_REMOVE(&env->active, hp, entry);
	hp->active = 0;
	if (TAILQ_EMPTY(&env->active))
		(void)evtimer_del(env->tick_ev);
}

/* A hub peer's slot comes into use (tun's IMSG_ENGINE_PEER). */
static void
hp_init(struct engine_peer *p, uint32_t id)
{
	struct engine_hp	*hp = &env->hps[id - ENGINE_HUB_ID_BASE];

	memset(p, 0, sizeof(*p));
	memset(hp, 0, sizeof(*hp));
	p->configured = 1;
	p->hp = hp;
	hp->id = id;
	hp->peer = p;
	pathsel_init(&hp->sel);
}

static void
hp_cand_add(struct engine_hp *hp, const struct pkt_addr *a, int lan)
{
	unsigned int	 i;

	for (i = 0; i < hp->ncand; i++) {
		if (addr_equal(&hp->cand[i], a)) {
			hp->cand_lan[i] |= lan;
			return;
		}
	}
	if (hp->ncand < ENGINE_MAX_CANDS) {
		hp->cand[hp->ncand] = *a;
		hp->cand_lan[hp->ncand] = lan;
		hp->ncand++;
	}
}

/* The addresses probes go to: the hub's candidates, PEER_UP's endpoint. */
static void
hp_cands_rebuild(struct engine_peer *p)
{
	struct engine_hp	*hp = p->hp;
	unsigned int		 i;

	hp->ncand = 0;
	for (i = 0; i < hp->hubc.n; i++)
		hp_cand_add(hp, &hp->hubc.c[i].addr,
		    hp->hubc.c[i].kind == HUB_CAND_LAN);
	if (p->conf_ep.af != 0)
		hp_cand_add(hp, &p->conf_ep, 0);
}

/* What an authenticated address is: the relay, a LAN candidate, direct. */
static int
hp_path_kind(const struct engine_hp *hp, const struct pkt_addr *a)
{
	unsigned int	 i;
	int		 k;

	if ((k = relay_pseudo(a)) != PATH_NONE)
		return k;
	for (i = 0; i < hp->ncand; i++)
		if (hp->cand_lan[i] && addr_equal(&hp->cand[i], a))
			return PATH_LAN;
	/* Advertised or not: behind some NATs only this one works. */
	return PATH_DIRECT;
}

/* Both NATs map per destination, or UDP is blocked on a side. */
static int
hp_hopeless(const struct engine_hp *hp)
{
	return env->nat.kind == NAT_NO_ANSWER || hp->nat == NAT_NO_ANSWER ||
	    (env->nat.kind == NAT_DEPENDENT && hp->nat == NAT_DEPENDENT);
}

static void
engine_path_changed(struct engine_peer *p, int from)
{
	struct engine_hp	*hp = p->hp;
	struct path_info_msg	 m;
	struct timespec		 ts;
	char			 buf[ADDR_STRLEN];

	p->ep = hp->sel.addr;
	p->fast = hp->sel.kind >= PATH_DIRECT;
	env->stats.path_changes++;
	p->stats.roams++;
	(void)pkt_addr_str(&p->ep, buf, sizeof(buf));
	log_info("peer %u path %s -> %s, endpoint %s", hp->id,
	    path_kind_str(from), path_kind_str(hp->sel.kind), buf);
	audit("path-change", "peer=%u from=%s to=%s endpoint=%s", hp->id,
	    path_kind_str(from), path_kind_str(hp->sel.kind), buf);
	memset(&m, 0, sizeof(m));
	m.id = hp->id;
	m.path = hp->sel.kind;
	m.addr = p->ep;
	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		ts.tv_sec = 0;
	m.since = ts.tv_sec;
	(void)proc_compose(env->ps, HAMD_PROC_TUN, IMSG_PATH_INFO, 0, -1, &m,
	    sizeof(m));
}

static void
engine_probe_msg(uint32_t id, int32_t kind)
{
	struct peer_probe_msg	 m;

	memset(&m, 0, sizeof(m));
	m.id = id;
	m.kind = kind;
	(void)proc_compose(env->ps, HAMD_PROC_TUN, IMSG_PEER_PROBE, 0, -1, &m,
	    sizeof(m));
}

/* Copies to every candidate but the current direct path. */
static void
engine_probe_cands(struct engine_peer *p, const uint8_t *pkt, size_t len)
{
	struct engine_hp	*hp = p->hp;
	unsigned int		 i;

	for (i = 0; i < hp->ncand; i++) {
		if (p->fast && addr_equal(&hp->cand[i], &p->ep))
			continue;
		engine_tx_queue(&hp->cand[i], p, pkt, len);
		env->stats.probes++;
		hp->probe_copies++;
	}
}

/*
 * A probe (or, with no path yet, a handshake message): to the current
 * path, every candidate, and the relay unless that is the current path,
 * so whichever way works answers.  cache: keep it for the resends.
 */
static void
engine_probe_out(struct engine_peer *p, const uint8_t *pkt, size_t len,
    int cache)
{
	struct engine_hp	*hp = p->hp;
	uint64_t		 now = now_ms();
	int			 cur = hp->sel.kind;

	if (cur == PATH_NONE && hp->ncand == 0 && !relay_usable(hp, now)) {
		p->stats.no_endpoint++;
		return;
	}
	if (cur >= PATH_DIRECT) {
		engine_tx_queue(&p->ep, p, pkt, len);
		hp->probe_copies++;
	} else if (cur != PATH_NONE)
		(void)relay_send(p, PATH_NONE, pkt, len, 1);
	engine_probe_cands(p, pkt, len);
	/*
	 * The relay's copy: at once when there is no path yet; from a
	 * direct path only with the first resend, so that a direct path
	 * that works answers first (the peer answers a handshake where its
	 * first copy came from, and an answer by relay would look like a
	 * direct path that failed).
	 */
	hp->probe_relay = 0;
	if (cur == PATH_NONE && relay_usable(hp, now))
		(void)relay_send(p, PATH_NONE, pkt, len, 1);
	else if (cur >= PATH_DIRECT && relay_usable(hp, now))
		hp->probe_relay = 1;
	/*
	 * The candidates get resends only while hole punching is timed:
	 * just after the hub told both sides to probe, or with no path
	 * yet.  Later probes go once: a candidate that never answers then
	 * costs one packet per probe, whoever named it.
	 */
	hp->probe_cands = hp->ncand > 0 && (cur == PATH_NONE ||
	    (hp->punch_at != 0 && now - hp->punch_at < PROBE_PUNCH_MS));
	if (cache && len <= PROBE_CACHE_LEN &&
	    (hp->probe_cands || hp->probe_relay)) {
		memcpy(hp->probe, pkt, len);
		hp->probe_len = (uint16_t)len;
		hp->probe_at = now;
		hp->probe_step = 0;
		engine_active_add(hp);
	} else
		hp->probe_relay = 0;
}

/* A record for a hub peer that is not simply "to its direct path". */
static void
engine_tx_hub(struct engine_peer *p, const struct pkt_rec *rec,
    const uint8_t *pkt)
{
	struct engine_hp	*hp = p->hp;
	int			 k;

	if (hp == NULL) {
		/* A configured peer is always fast: cannot happen. */
		fatalx("%s: peer %u has no path state", __func__, rec->peer);
	}
	if (rec->flags & PKT_F_TO_ADDR) {
		/* An answer, back where its question came from. */
		if ((k = relay_pseudo(&rec->addr)) != PATH_NONE)
			(void)relay_send(p, k, pkt, rec->len, 0);
		else
			engine_tx_queue(&rec->addr, p, pkt, rec->len);
		return;
	}
	if (rec->flags & PKT_F_PROBE) {
		engine_probe_out(p, pkt, rec->len, 1);
		return;
	}
	switch (hp->sel.kind) {
	case PATH_NONE:
		/* Nothing authenticated yet: a handshake goes everywhere. */
		if (rec->flags & PKT_F_HANDSHAKE)
			engine_probe_out(p, pkt, rec->len, 0);
		else
			p->stats.no_endpoint++;
		break;
	case PATH_RELAY_UDP:
	case PATH_RELAY_TCP:
		(void)relay_send(p, PATH_NONE, pkt, rec->len, 0);
		break;
	default:
		engine_tx_queue(&p->ep, p, pkt, rec->len);
		break;
	}
}

/* One hub peer's timers; sends are queued, the caller flushes. */
static void
engine_tick_peer(struct engine_hp *hp, uint64_t now)
{
	struct engine_peer	*p = hp->peer;
	struct pkt_addr		 ra;
	uint64_t		 tx;
	int			 mode, from, a;

	/*
	 * Sent more than probes since the last look: "we send".  Deltas,
	 * not a difference of totals: a probe copy that failed to go out
	 * is counted as a probe but not as sent, and must not make the
	 * totals drift.
	 */
	tx = p->stats.tx_packets + p->stats.tx_refused;
	if (tx - hp->tx_seen > hp->probe_copies - hp->probes_seen)
		pathsel_sent(&hp->sel, now);
	hp->tx_seen = tx;
	hp->probes_seen = hp->probe_copies;
	mode = hp->relay_id != 0 ? relay_mode(now) : PATH_NONE;
	relay_pseudo_addr(mode, &ra);
	from = hp->sel.kind;
	a = pathsel_tick(&hp->sel, now, mode != PATH_NONE, mode, &ra,
	    hp->ncand > 0, hp_hopeless(hp));
	if (a & PATHSEL_A_CHANGED)
		engine_path_changed(p, from);
	/* tun answers a keepalive probe with a handshake when it must. */
	if (a & PATHSEL_A_HANDSHAKE)
		engine_probe_msg(hp->id, PROBE_HANDSHAKE);
	else if (a & PATHSEL_A_KEEPALIVE)
		engine_probe_msg(hp->id, PROBE_KEEPALIVE);
	if (hp->probe_len > 0 &&
	    now - hp->probe_at >= probe_resend_ms[hp->probe_step]) {
		if (hp->probe_cands)
			engine_probe_cands(p, hp->probe, hp->probe_len);
		if (hp->probe_relay && relay_usable(hp, now))
			(void)relay_send(p, PATH_NONE, hp->probe,
			    hp->probe_len, 1);
		hp->probe_relay = 0;
		if (++hp->probe_step == PROBE_RESENDS || !hp->probe_cands)
			hp->probe_len = 0;
	}
}

/*
 * Every ENGINE_TICK_MS while some hub peer needs watching: those that
 * sent lately, probe, or have probe copies to resend.  The others are
 * off the list until they send or hear from tun or the hub again, so
 * thousands of idle peers cost nothing.
 */
static void
engine_tick(int fd, short what, void *arg)
{
	struct engine_hp	*hp, *next;
	uint64_t		 now = now_ms();

	for (hp = TAILQ_FIRST(&env->active); hp != NULL; hp = next) {
		next = TAILQ_NEXT(hp, entry);
		engine_tick_peer(hp, now);
		if (hp->probe_len == 0 &&
		    !pathsel_busy(&hp->sel, now, hp->ncand > 0))
			engine_active_del(hp);
	}
	/* The resends point into the caches: out before anything moves. */
	engine_tx_flush_all();
}

/* tun: a packet of hub peer p authenticated from a. */
static void
engine_endpoint_hub(struct engine_peer *p, const struct pkt_addr *a)
{
	struct engine_hp	*hp = p->hp;
	int			 from = hp->sel.kind;

	if (a->port == 0 && relay_pseudo(a) == PATH_NONE) {
		log_debug("%s: peer %u: stale relay address ignored",
		    __func__, hp->id);
		return;
	}
	if (pathsel_authenticated(&hp->sel, hp_path_kind(hp, a), a,
	    now_ms()))
		engine_path_changed(p, from);
	engine_active_add(hp);
}

/* tun: a hub peer's candidates, relay id and NAT kind (PEER_PATHS). */
static void
engine_paths(struct imsg *imsg)
{
	struct engine_paths_msg	 m;
	struct engine_peer	*p;
	struct engine_hp	*hp;
	struct hub_candidate	*c;
	uint64_t		 now;
	unsigned int		 i;

	if (imsg_get_data(imsg, &m, sizeof(m)) == -1)
		fatalx("%s: bad size", __func__);
	if (!hub_peer_id(m.id) || m.cands.n > HUB_CAND_MAX ||
	    m.cands.nat >= NAT_KIND_MAX)
		fatalx("%s: bad paths message from tun", __func__);
	for (i = 0; i < m.cands.n; i++) {
		c = &m.cands.c[i];
		if (c->kind < HUB_CAND_LAN || c->kind >= HUB_CAND_MAX_KIND ||
		    sock_index(c->addr.af) == -1 || c->addr.port == 0)
			fatalx("%s: peer %u: bad candidate", __func__, m.id);
		addr_normalize(&c->addr);
	}
	if ((p = peer_get(m.id)) == NULL) {
		log_debug("%s: peer %u not known", __func__, m.id);
		return;
	}
	hp = p->hp;
	hp->relay_id = m.relay_id;
	hp->nat = m.cands.nat;
	hp->hubc = m.cands;
	hp_cands_rebuild(p);
	log_debug("peer %u: %u candidates, relay id %u%s", m.id, hp->ncand,
	    hp->relay_id, m.punch ? ", punch" : "");
	engine_active_add(hp);
	if (!m.punch)
		return;
	/* The peer probes us right now: so do we. */
	now = now_ms();
	hp->punch_at = now;
	pathsel_punch(&hp->sel, now);
	engine_tick_peer(hp, now);
	engine_tx_flush_all();
}

/* ------------------------------------------------------------------ */
/* Dispatch */

static void
engine_dispatch_parent(struct privsep *ps, int from, struct imsg *imsg)
{

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
	case IMSG_ENGINE_RELAY:
		engine_relay_msg(imsg);
		break;
	case IMSG_ENGINE_PATHS:
		engine_paths(imsg);
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
	    (env->nat.timer = evtimer_new(ps->base, nat_timer, NULL)) == NULL ||
	    (env->relay.timer = event_new(ps->base, -1, EV_PERSIST,
	    relay_timer, NULL)) == NULL ||
	    (env->tick_ev = event_new(ps->base, -1, EV_PERSIST, engine_tick,
	    NULL)) == NULL)
		fatalx("%s: evtimer_new", __func__);
	if ((env->relay.frame = malloc(HUB_FRAME_MAX)) == NULL)
		fatal("%s: malloc", __func__);
	TAILQ_INIT(&env->active);
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
	    sizeof(*env->hub_peers))) == NULL ||
	    (env->hps = calloc(ENGINE_HUB_MAX_IDS, sizeof(*env->hps))) == NULL)
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

static const struct proc_peer engine_peers[] = {
	{ PROC_PARENT, engine_dispatch_parent },
	{ HAMD_PROC_CONTROL, engine_dispatch_control },
	{ HAMD_PROC_TUN, engine_dispatch_tun },
};

void
engine_run(struct privsep *ps)
{
	proc_child_setup(ps);
	engine_init(ps);
	proc_peers(ps, engine_peers, nitems(engine_peers));
	proc_child_loop(ps, &policy_engine);
}
