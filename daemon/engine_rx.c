/* Receive: sockets -> tun; see engine_rx.h. */
#include "autoconf.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "daemon/engine_addr.h"
#include "daemon/engine_ctx.h"
#include "daemon/engine_rx.h"
#include "daemon/engine_xrelay.h"
#include "daemon/hamd_msg.h"
#include "ipc/pktbatch.h"
#include "privsep/log.h"

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
 * Ring space one receive buffer can take: a 64 KB train of at most 64
 * datagrams (the kernel's UDP GRO limit), each with its record and
 * padding.  A round reads no more buffers than the ring has room for.
 */
#define ENGINE_RX_RING_PER_BUF	(ENGINE_RX_BUFLEN + 64 * 32)

/*
 * One set of buffers, shared by the sockets in turn.  Each buffer holds
 * a whole GRO train (at most 64 KB), so ENGINE_BATCH of them bound our
 * receive memory to 4 MB.
 */
struct engine_rxq {
	struct mmsghdr		 msgs[ENGINE_BATCH];
	struct iovec		 iov[ENGINE_BATCH];
	union sockunion		 names[ENGINE_BATCH];
	union engine_cmsg	 ctl[ENGINE_BATCH];
	uint8_t			*buf;		/* ENGINE_BATCH buffers */
};

static struct {
	struct pktbatch		 rxb;		/* IMSG_PKT_IN towards tun */
	struct engine_rxq	 q;
	int			 paused;	/* sockets not being read */
	struct event		*resume_ev;
	struct log_rate	 log;
	rx_handler		 handlers[DGRAM_KIND_MAX];
	void			(*on_flow)(void);
} rx;

static void	rx_pause(void);

int
rx_paused(void)
{
	return rx.paused;
}

void
rx_handle(enum dgram_kind kind, rx_handler h)
{
	rx.handlers[kind] = h;
}

void
rx_on_flow(void (*fn)(void))
{
	rx.on_flow = fn;
}

/* Buffers the ring has room for now (ENGINE_BATCH without a ring). */
static unsigned int
rx_ring_bufs(void)
{
	size_t	 room = pktbatch_room(&rx.rxb);

	if (room >= (size_t)ENGINE_BATCH * ENGINE_RX_RING_PER_BUF)
		return ENGINE_BATCH;
	return (unsigned int)(room / ENGINE_RX_RING_PER_BUF);
}

void
rx_use_ring(struct pktring *r)
{
	pktbatch_use_ring(&rx.rxb, r, IMSG_PKT_RING_IN);
}

void
rx_push(void)
{
	struct imsgev	*iev = &ectx.ps->iev[HAMD_PROC_TUN];

	/* A write error is left for the channel's own handler. */
	(void)imsgbuf_write(&iev->ibuf);
	imsgev_update(iev);
	if (pktbatch_broken(&rx.rxb))
		fatalx("tun released ring space it was never given");
	if (imsgbuf_queued(&iev->ibuf) >= ENGINE_TUN_BACKLOG ||
	    rx_ring_bufs() == 0)
		rx_pause();
}

int
rx_flush(void)
{
	int	 n;

	if ((n = pktbatch_flush(&rx.rxb)) > 0)
		rx_push();
	return n;
}

/* Into the batch for tun, as a handshake message unless it is data. */
static void
rx_add(const uint8_t *pkt, size_t len, const struct pkt_addr *from,
    enum dgram_kind kind)
{
	uint16_t	 flags = 0;
	uint8_t		*dst;

	if (kind != DGRAM_WG_DATA)
		flags |= PKT_F_HANDSHAKE;
	if ((dst = pktbatch_add(&rx.rxb, PKT_PEER_NONE, flags, from,
	    len)) == NULL) {
		/* The ring is full (tun is far behind): a full queue. */
		if (rx.rxb.ring != NULL)
			return;
		fatal("%s: pktbatch_add", __func__);
	}
	memcpy(dst, pkt, len);
	pktbatch_commit(&rx.rxb, len);
}

int
rx_deliver(const uint8_t *pkt, size_t len, const struct pkt_addr *from)
{
	enum dgram_kind	 kind = dgram_classify(pkt, len, NULL);

	if (!dgram_is_wireguard(kind))
		return -1;
	rx_add(pkt, len, from, kind);
	return 0;
}

/* Pass one datagram to tun, or to its handler, or count why not. */
static void
engine_rx_dgram(const uint8_t *pkt, size_t len, const struct pkt_addr *from,
    int truncated)
{
	const struct pkt_addr	*hub = hub_addr();
	enum dgram_kind		 kind;

	ectx.stats.rx_datagrams++;
	ectx.stats.rx_bytes += len;
	if (truncated || len > PKT_MAX_LEN) {
		ectx.stats.rx_truncated++;
		return;
	}
	/*
	 * Type and length only; no crypto.  The project's own messages
	 * (discovery, relay) never reach tun as packets or move an
	 * endpoint.
	 */
	kind = dgram_classify(pkt, len, NULL);
	if (rx.handlers[kind] != NULL) {
		rx.handlers[kind](pkt, len, from);
		return;
	}
	if (!dgram_is_wireguard(kind)) {
		/* A relay- or discovery-typed datagram that is neither. */
		if (len > 0 && pkt[0] >= NAT_PROBE_TYPE &&
		    pkt[0] <= NAT_ANSWER_TYPE)
			ectx.stats.nat_bad++;
		else if (len > 0 && pkt[0] >= RELAY_REGISTER_TYPE &&
		    pkt[0] <= RELAY_DATA_TYPE)
			ectx.stats.relay_bad++;
		ectx.stats.rx_malformed++;
		return;
	}
	/*
	 * Port 0 is no sender's (only a raw socket makes one), and hub
	 * IP:0 is the TCP relay's pseudo address: such a datagram would
	 * pass for a relayed packet.
	 */
	if (from == NULL || from->port == 0) {
		ectx.stats.rx_malformed++;
		return;
	}
	/*
	 * hub IP:P names the UDP relay; a bare WireGuard packet from there
	 * would pass for a relayed one; so would one from another hub of
	 * the cluster that relays for us.  The port test first: it is all
	 * a packet from anywhere else costs (and no table, for the rest).
	 */
	if ((from->port == hub->port && relay_pseudo(from) != PATH_NONE) ||
	    xrelay_known(from)) {
		ectx.stats.relay_bad++;
		return;
	}
	rx_add(pkt, len, from, kind);
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
engine_rx_one(unsigned int i)
{
	struct mmsghdr	*m = &rx.q.msgs[i];
	const uint8_t	*pkt = rx.q.iov[i].iov_base;
	size_t		 len = m->msg_len, seglen, off, n;
	struct pkt_addr	 from;
	int		 ok, trunc;

	ok = sockaddr_to_addr(&rx.q.names[i], m->msg_hdr.msg_namelen,
	    &from) == 0;
	trunc = (m->msg_hdr.msg_flags & MSG_TRUNC) != 0;
	if ((seglen = engine_rx_gro_size(&m->msg_hdr)) == 0 || len <= seglen) {
		engine_rx_dgram(pkt, len, ok ? &from : NULL, trunc);
		return;
	}
	ectx.stats.rx_gro_trains++;
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
	unsigned int		 vlen;
	int			 i, n;

	if ((vlen = rx_ring_bufs()) == 0) {
		rx_pause();
		return 0;
	}
	/* The kernel overwrites these on every call. */
	for (i = 0; i < (int)vlen; i++) {
		rx.q.msgs[i].msg_hdr.msg_namelen = sizeof(rx.q.names[i]);
		rx.q.msgs[i].msg_hdr.msg_controllen = sizeof(rx.q.ctl[i]);
	}
	n = recvmmsg(s->fd, rx.q.msgs, vlen, MSG_DONTWAIT, NULL);
	if (n == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR) {
			ectx.stats.rx_errors++;
			if (log_rate_ok(&rx.log, &missed))
				log_warn("recvmmsg (%s, %llu more since the "
				    "last report)",
				    s->af == AF_INET ? "IPv4" : "IPv6", missed);
		}
		return 0;
	}
	for (i = 0; i < n; i++)
		engine_rx_one((unsigned int)i);
	(void)rx_flush();
	return n;
}

void
engine_rx(int fd, short what, void *arg)
{
	struct engine_sock	*s = arg;
	int			 round;

	/* A short round means the socket is drained: no EAGAIN call. */
	for (round = 0; round < ENGINE_RX_ROUNDS && !rx.paused; round++)
		if (engine_rx_round(s) < ENGINE_BATCH)
			break;
}

static void
rx_each_socket(int add)
{
	struct engine_sock	*s;
	int			 i;

	for (i = 0; i < SOCK_MAX; i++) {
		s = esock_get(i == SOCK_V4 ? AF_INET : AF_INET6);
		if (s->ev == NULL)
			continue;
		if (!add)
			(void)event_del(s->ev);
		else if (event_add(s->ev, NULL) == -1)
			fatalx("%s: event_add", __func__);
	}
}

void
rx_later(struct event *ev)
{
	struct timeval	 tv = { 0, ENGINE_RESUME_USEC };

	if (evtimer_add(ev, &tv) == -1)
		fatalx("%s: evtimer_add", __func__);
}

int
rx_tun_behind(uint32_t n, struct event *ev)
{
	if (imsgbuf_queued(&ectx.ps->iev[HAMD_PROC_TUN].ibuf) <= n)
		return 0;
	rx_later(ev);
	return 1;
}

static void
rx_pause(void)
{
	if (rx.paused)
		return;
	rx.paused = 1;
	ectx.stats.rx_paused++;
	rx_each_socket(0);
	if (rx.on_flow != NULL)
		rx.on_flow();
	rx_later(rx.resume_ev);
}

static void
rx_resume(int fd, short what, void *arg)
{
	if (rx_tun_behind(ENGINE_TUN_BACKLOG / 2, rx.resume_ev))
		return;
	/* Half the ring free again, or the reads would stop at once. */
	if (rx.rxb.ring != NULL &&
	    pktbatch_room(&rx.rxb) < rx.rxb.ring->size / 2) {
		rx_later(rx.resume_ev);
		return;
	}
	rx.paused = 0;
	rx_each_socket(1);
	if (rx.on_flow != NULL)
		rx.on_flow();
}

void
rx_watch(struct engine_sock *s)
{
	if ((s->ev = event_new(ectx.ps->base, s->fd, EV_READ | EV_PERSIST,
	    engine_rx, s)) == NULL)
		fatalx("%s: event_new", __func__);
	if (!rx.paused && event_add(s->ev, NULL) == -1)
		fatalx("%s: event_add", __func__);
}

/*
 * Allocate while malloc may still do as it likes; the buffers are large
 * (ENGINE_BATCH * 64 KB) but only touched as far as datagrams fill them.
 */
void
rx_init(struct privsep *ps)
{
	struct engine_rxq	*q = &rx.q;
	int			 i;

	if ((q->buf = malloc((size_t)ENGINE_BATCH * ENGINE_RX_BUFLEN)) == NULL)
		fatal("%s: malloc receive buffers", __func__);
	for (i = 0; i < ENGINE_BATCH; i++) {
		q->iov[i].iov_base = q->buf + (size_t)i * ENGINE_RX_BUFLEN;
		q->iov[i].iov_len = ENGINE_RX_BUFLEN;
		q->msgs[i].msg_hdr.msg_name = &q->names[i];
		q->msgs[i].msg_hdr.msg_iov = &q->iov[i];
		q->msgs[i].msg_hdr.msg_iovlen = 1;
		q->msgs[i].msg_hdr.msg_control = &q->ctl[i];
	}
	pktbatch_init(&rx.rxb, &ps->iev[HAMD_PROC_TUN].ibuf, IMSG_PKT_IN);
	if ((rx.resume_ev = evtimer_new(ps->base, rx_resume, NULL)) == NULL)
		fatalx("%s: evtimer_new", __func__);
}
