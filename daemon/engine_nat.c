/*
 * NAT discovery; see engine_nat.h.  One round at a time, ports P and
 * P+1 of the hub ([0] and [1]) for the mapping, and a third probe to P
 * that asks for the answer from another port of the hub's, one this
 * node never sends to: if it gets in, the NAT lets in what comes from
 * other ports of an address it talks to.  The nonces stay valid until
 * the next round or the end of the connection, so a late answer still
 * counts.  They come from the jitter generator: they keep off-path
 * forgers from guessing, no more.
 */
#include "autoconf.h"

#include <sys/time.h>

#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "daemon/engine_addr.h"
#include "daemon/engine_ctx.h"
#include "daemon/engine_hub.h"
#include "daemon/engine_nat.h"
#include "daemon/engine_rx.h"
#include "daemon/engine_sock.h"
#include "daemon/hamd_msg.h"
#include "privsep/log.h"
#include "proto/dgram.h"

#define NAT_INTERVAL		60		/* s between rounds */
#define NAT_RESENDS		2		/* at 1 s intervals */
#define NAT_DEADLINE		3		/* s after the first probe */

static struct {
	struct event		*timer;		/* resends, deadline, next round */
	int			 step;		/* seconds since the round began */
	int			 active;	/* a nonce is current */
	int			 done;		/* this round was reported */
	uint8_t			 nonce[8];
	uint8_t			 fnonce[8];	/* the filtering probe's */
	int			 have[2];
	int			 have_filter;	/* its answer got in */
	struct pkt_addr		 seen[2];	/* as each port saw us */
	int32_t			 kind;		/* last reported nat_kind */
	int32_t			 filter;	/* last reported nat_filter */
} nat;

int32_t
nat_kind(void)
{
	return nat.kind;
}

/* Probes to the hub's ports whose answer is missing. */
static void
nat_send(void)
{
	struct pkt_addr	 dst;
	struct iovec	 iov;
	uint8_t		 probe[NAT_PROBE_LEN];
	int		 i;

	memset(probe, 0, sizeof(probe));
	probe[0] = NAT_PROBE_TYPE;
	memcpy(probe + 4, nat.nonce, sizeof(nat.nonce));
	iov.iov_base = probe;
	iov.iov_len = sizeof(probe);
	/* A loss is what resends are for: counted, nothing more. */
	for (i = 0; i < 2; i++) {
		if (nat.have[i])
			continue;
		hub_addr_port(i, &dst);
		(void)esock_send(&dst, &iov, 1, sizeof(probe));
	}
	if (nat.have_filter)
		return;
	probe[1] = NAT_FLAG_OTHER_PORT;
	memcpy(probe + 4, nat.fnonce, sizeof(nat.fnonce));
	hub_addr_port(0, &dst);
	(void)esock_send(&dst, &iov, 1, sizeof(probe));
}

/* The filtering as known now; past the deadline, no answer is one. */
static int32_t
nat_filter_now(void)
{
	if (nat.have_filter)
		return NAT_FILTER_OTHER_PORT;
	return nat.step >= NAT_DEADLINE ? NAT_FILTER_PORT :
	    NAT_FILTER_UNKNOWN;
}

static void
nat_report(int32_t kind)
{
	struct nat_state_msg	 m;
	struct timespec		 ts;

	memset(&m, 0, sizeof(m));
	m.kind = kind;
	if (kind != NAT_NO_ANSWER) {
		m.public_ep = nat.seen[0];
		m.second_ep = nat.seen[1];
		m.filter = nat_filter_now();
	}
	/* clock_gettime is in the filter; time() might not be a vDSO call. */
	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		ts.tv_sec = 0;
	m.when = ts.tv_sec;
	nat.done = 1;
	nat.kind = kind;
	nat.filter = m.filter;
	(void)proc_compose(ectx.ps, PROC_PARENT, IMSG_NAT_STATE, 0, -1, &m,
	    sizeof(m));
}

static void
nat_arm(int sec)
{
	struct timeval	 tv = { sec, 0 };

	if (evtimer_add(nat.timer, &tv) == -1)
		fatalx("%s: evtimer_add", __func__);
}

/* A new round: fresh nonce, both probes. */
void
nat_start(void)
{
	uint64_t	 r;

	if (!hub_is_up())
		return;
	r = hub_random();
	memcpy(nat.nonce, &r, sizeof(nat.nonce));
	r = hub_random();
	memcpy(nat.fnonce, &r, sizeof(nat.fnonce));
	nat.active = 1;
	nat.done = 0;
	nat.step = 0;
	nat.have_filter = 0;
	memset(nat.have, 0, sizeof(nat.have));
	memset(nat.seen, 0, sizeof(nat.seen));
	nat_send();
	nat_arm(1);
}

static void
nat_timer(int fd, short what, void *arg)
{
	if (!hub_is_up())
		return;
	nat.step++;
	if (nat.step <= NAT_RESENDS) {
		nat_send();
		nat_arm(1);
	} else if (nat.step == NAT_DEADLINE) {
		/* One answer of two classifies nothing: keep the last. */
		if (!nat.done && !nat.have[0] && !nat.have[1])
			nat_report(NAT_NO_ANSWER);
		else if (!nat.done)
			log_debug("NAT discovery: only one of the hub's ports "
			    "answered");
		else if (nat.filter != nat_filter_now())
			nat_report(nat.kind);	/* no answer from elsewhere */
		nat_arm(NAT_INTERVAL - NAT_DEADLINE);
	} else
		nat_start();
}

void
nat_stop(void)
{
	if (nat.timer != NULL)
		(void)evtimer_del(nat.timer);
	nat.active = 0;
	explicit_bzero(nat.nonce, sizeof(nat.nonce));
	explicit_bzero(nat.fnonce, sizeof(nat.fnonce));
}

/*
 * The answer to the filtering probe: from the hub's address (nat_rx
 * checked it) and a port other than P and P+1 (port_i 2).
 */
static int
nat_rx_filter(const uint8_t *pkt, int port_i)
{
	if (port_i != 2 || memcmp(pkt + 4, nat.fnonce, sizeof(nat.fnonce)) != 0)
		return -1;
	ectx.stats.nat_answers++;
	if (nat.have_filter)
		return 0;
	nat.have_filter = 1;
	/* A late one changes what was reported. */
	if (nat.done && nat.kind != NAT_NO_ANSWER)
		nat_report(nat.kind);
	return 0;
}

/*
 * A datagram of a discovery type.  Only a 32-byte answer from the hub's
 * address, carrying the current nonce, counts: from one of its two
 * ports for the mapping, from another one for the filtering; everything
 * else (probes sent to us included) is dropped and counted.
 */
static void
nat_rx(const uint8_t *pkt, size_t len, const struct pkt_addr *from)
{
	static const uint8_t	 zero[2];
	const struct pkt_addr	*hub = hub_addr();
	struct pkt_addr		 ep, port;
	int			 i;

	if (from == NULL || len != NAT_ANSWER_LEN ||
	    pkt[0] != NAT_ANSWER_TYPE || memcmp(pkt + 2, zero, 2) != 0 ||
	    (pkt[1] != 0 && pkt[1] != NAT_FLAG_OTHER_PORT) ||
	    !nat.active || !hub_is_up() ||
	    from->af != hub->af || memcmp(from->addr, hub->addr,
	    sizeof(hub->addr)) != 0)
		goto bad;
	for (i = 0; i < 2; i++) {
		hub_addr_port(i, &port);
		if (from->port == port.port)
			break;
	}
	if (pkt[1] == NAT_FLAG_OTHER_PORT) {
		if (nat_rx_filter(pkt, i) == -1)
			goto bad;
		return;
	}
	if (i == 2 || memcmp(pkt + 4, nat.nonce, sizeof(nat.nonce)) != 0)
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
	ectx.stats.nat_answers++;
	if (nat.have[i])
		return;		/* an answer to a resend */
	nat.have[i] = 1;
	nat.seen[i] = ep;
	if (nat.have[0] && nat.have[1])
		nat_report(addr_equal(&nat.seen[0], &nat.seen[1]) ?
		    NAT_INDEPENDENT : NAT_DEPENDENT);
	return;
 bad:
	/* Not a WireGuard message either: malformed, of a discovery type. */
	ectx.stats.nat_bad++;
	ectx.stats.rx_malformed++;
}

void
nat_init(struct privsep *ps)
{
	if ((nat.timer = evtimer_new(ps->base, nat_timer, NULL)) == NULL)
		fatalx("%s: evtimer_new", __func__);
	rx_handle(DGRAM_NAT_PROBE, nat_rx);
	rx_handle(DGRAM_NAT_ANSWER, nat_rx);
}
