/* Send: tun -> sockets; see engine_tx.h. */
#include "autoconf.h"

#include <sys/socket.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/engine_ctx.h"
#include "daemon/engine_sock.h"
#include "daemon/engine_tx.h"
#include "privsep/log.h"

/* Records queued per socket before a flush: every train full. */
#define ENGINE_TX_IOV		(ENGINE_BATCH * ENGINE_GSO_SEGS)

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

static struct {
	struct engine_txq	*q;		/* SOCK_MAX of them */
	struct log_rate	 log;
	void			(*on_sent)(struct engine_peer *);
} tx;

void
tx_init(void)
{
	if ((tx.q = calloc(SOCK_MAX, sizeof(*tx.q))) == NULL)
		fatal("%s: calloc", __func__);
	tx.q[SOCK_V4].sock = esock_get(AF_INET);
	tx.q[SOCK_V6].sock = esock_get(AF_INET6);
}

void
tx_on_sent(void (*fn)(struct engine_peer *))
{
	tx.on_sent = fn;
}

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
	ectx.stats.tx_datagrams += t->nseg;
	ectx.stats.tx_bytes += t->bytes;
	if (m->msg_hdr.msg_controllen > 0)
		ectx.stats.tx_gso_trains++;
	if (t->peer != NULL) {
		t->peer->stats.tx_packets += t->nseg;
		t->peer->stats.tx_bytes += t->bytes;
		if (tx.on_sent != NULL)
			tx.on_sent(t->peer);
	}
}

/* One destination refused a message (unreachable, too big). */
static void
engine_tx_refused(const struct mmsghdr *m, const struct engine_train *t,
    int err)
{
	struct pkt_addr		 a;
	char			 buf[ADDR_STRLEN];
	unsigned long long	 missed;

	ectx.stats.tx_errors += t->nseg;
	/*
	 * Still "we send" for path selection: a local firewall that drops
	 * the path's packets (EPERM) must make it look dead, not idle.
	 */
	if (t->peer != NULL) {
		t->peer->stats.tx_refused += t->nseg;
		if (tx.on_sent != NULL)
			tx.on_sent(t->peer);
	}
	if (log_rate_ok(&tx.log, &missed)) {
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
				ectx.stats.tx_dropped += t[k].nseg;
			break;
		}
		err = errno;
		if (msgs[i].msg_hdr.msg_controllen > 0 &&
		    engine_gso_refused(err)) {
			ectx.stats.tx_gso_fallback++;
			engine_gso_off(q->sock, err);
			engine_tx_unbundle(q, &msgs[i], &t[i]);
		} else
			engine_tx_refused(&msgs[i], &t[i], err);
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
 * Join the previous train when it goes to the same address for the
 * same peer, has room, and this record is no longer than its segments.
 */
void
tx_queue(const struct pkt_addr *dst, struct engine_peer *p,
    const uint8_t *pkt, size_t len)
{
	struct engine_txq	*q;
	struct engine_train	*t;
	struct mmsghdr		*m;
	union sockunion		 su;
	socklen_t		 sl;
	int			 si;
	unsigned int		 i;

	if ((si = esock_index(dst->af)) == -1) {
		if (p != NULL)
			p->stats.no_endpoint++;
		return;
	}
	q = &tx.q[si];
	if (q->sock->fd == -1) {
		ectx.stats.tx_no_socket++;
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

void
tx_flush_all(void)
{
	int	 i;

	for (i = 0; i < SOCK_MAX; i++)
		if (tx.q[i].n > 0)
			engine_tx_flush(&tx.q[i]);
}
