/*
 * hamhubd's engine: the network-facing process.  It holds no key and
 * no credential (its only secrets are its hash tables' random seeds):
 * everything it moves is ciphertext, a Noise handshake, or an
 * unauthenticated hint, so a compromised engine can drop or delay
 * the hub's traffic but neither read nor forge it.
 *
 * This file is its top: the parent's sockets and configuration, the UDP
 * datagrams sorted by type and length (proto/dgram.c) to NAT discovery
 * (natdisc.c) or the relay (relayfwd.c), the authority's messages, and
 * the once-a-second tick.  Node connections are nodeconn.c.
 */
#include "autoconf.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include <event2/event.h>

#include "compat/util.h"
#include "hub/engstate.h"
#include "hub/hubd_msg.h"
#include "hub/memtrim.h"
#include "hub/natdisc.h"
#include "hub/nodeconn.h"
#include "hub/relay.h"
#include "hub/relayfwd.h"
#include "hub/trafficmsg.h"
#include "hub/udpio.h"
#include "privsep/log.h"
#include "privsep/policies.h"
#include "privsep/proc.h"
#include "proto/dgram.h"

/* Timeouts, close lingers and statistics run on one tick. */
#define HUBE_TICK_SEC		1
/* Datagrams read per readable event on one UDP socket. */
#define HUBE_UDP_BATCH		64
/* Room for the largest UDP datagram. */
#define HUBE_UDP_BUF		65536

static struct {
	struct event		*tick_ev;
	struct lograte		 udp_log;
	int			 last_tcp;	/* listener index, -1: none */
	int			 udp_after_tcp;	/* UDP listeners since it */
	uint8_t			 udpbuf[HUBE_UDP_BUF];
} he;

/*
 * One datagram.  The relay's types go to the relay (on a socket that
 * relays, from a source that can be answered); everything else is a
 * NAT discovery probe or dropped.
 */
static void
hubengine_dgram(struct listener *l, uint8_t *b, size_t n,
    const struct udp_in *in, uint64_t now)
{
	enum dgram_kind	 k;
	uint32_t	 id;

	k = in->truncated ? DGRAM_MALFORMED : dgram_classify(b, n, &id);
	if (n > 0 && (b[0] == RELAY_REGISTER_TYPE || b[0] == RELAY_DATA_TYPE)) {
		if (!l->relay || in->from.af == 0 ||
		    (k != DGRAM_RELAY_REGISTER && k != DGRAM_RELAY_DATA)) {
			eng.stats.relay_bad++;
			eng_stats_touch();
		} else if (k == DGRAM_RELAY_REGISTER)
			relayfwd_register((int)(l - eng.lis), b, id, in, now);
		else
			relayfwd_data(b, n, id, in, now);
		return;
	}
	if (k == DGRAM_NAT_PROBE && natdisc_answer(l->fd, l->aside >= 0 ?
	    eng.lis[l->aside].fd : -1, b, in, now))
		eng.stats.nat_probes++;
	else
		eng.stats.nat_dropped++;
	eng_stats_touch();
}

static void
hubengine_udp(int fd, short what, void *arg)
{
	struct listener		*l = arg;
	struct udp_in		 in;
	uint64_t		 now = now_ms();
	ssize_t			 n;
	int			 i;

	for (i = 0; i < HUBE_UDP_BATCH; i++) {
		n = udp_recv(fd, he.udpbuf, sizeof(he.udpbuf), &in);
		if (n != -1)
			hubengine_dgram(l, he.udpbuf, (size_t)n, &in, now);
		else if (!eng_sock_retry(errno, &he.udp_log,
		    "recvmsg on a discovery socket"))
			return;
	}
}

static void
hubengine_tick(int fd, short what, void *arg)
{
	static struct memtrim	 trim;

	nodeconn_tick(now_ms());
	memtrim_tick(&trim, eng.stats.open);
	if (eng.stats_changed) {
		eng.stats_changed = 0;
		/* No memory to say it now: the next tick says it. */
		if (auth_send(IMSG_HUBD_ENGINE_STATS, 0, &eng.stats,
		    sizeof(eng.stats)) == -1)
			eng.stats_changed = 1;
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
	struct listener	*l;
	int32_t		 kind;
	int		 fd, i;

	if (imsg_get_data(imsg, &kind, sizeof(kind)) == -1)
		fatalx("%s: bad size", __func__);
	if (kind != HUBD_LISTENER_TCP && kind != HUBD_LISTENER_UDP &&
	    kind != HUBD_LISTENER_ASIDE)
		fatalx("%s: unknown listener kind %d", __func__, kind);
	if ((fd = imsg_get_fd(imsg)) == -1)
		fatalx("%s: no fd", __func__);
	if (eng.nlis == ENG_MAX_LISTENERS)
		fatalx("%s: too many listeners", __func__);
	l = &eng.lis[eng.nlis++];
	l->fd = fd;
	l->kind = kind;
	l->port = listener_port(fd);
	l->aside = -1;
	/*
	 * The aside socket comes last for its address: the UDP sockets
	 * since its TCP listener answer filtering probes from it.  It is
	 * never read (no node sends to it; the kernel drops what would
	 * overflow its buffer).
	 */
	if (kind == HUBD_LISTENER_ASIDE) {
		if (he.last_tcp < 0)
			fatalx("%s: an aside socket before any TCP listener",
			    __func__);
		for (i = he.last_tcp + 1; i < eng.nlis - 1; i++)
			eng.lis[i].aside = eng.nlis - 1;
		log_debug("UDP port %d answers filtering probes", l->port);
		return;
	}
	/*
	 * The parent sends, per address, the TCP listener and then UDP on
	 * its port P and on P+1: only the first, on port P, relays (nodes
	 * send relay datagrams to the port they know, the TCP one).
	 */
	if (kind == HUBD_LISTENER_TCP) {
		he.last_tcp = eng.nlis - 1;
		he.udp_after_tcp = 0;
	} else if (he.last_tcp >= 0 && he.udp_after_tcp++ == 0) {
		l->relay = l->port == eng.lis[he.last_tcp].port;
		if (!l->relay)
			log_warnx("%s: UDP port %d after TCP port %d: not "
			    "relaying there", __func__, l->port,
			    eng.lis[he.last_tcp].port);
	}
	/*
	 * Discovery answers go to the network, not to the authority, so
	 * these sockets are read even while the TCP side is paused.
	 */
	if (kind == HUBD_LISTENER_UDP) {
		if ((l->ev = event_new(eng.ps->base, fd, EV_READ | EV_PERSIST,
		    hubengine_udp, l)) == NULL)
			fatalx("%s: event_new", __func__);
		if (event_add(l->ev, NULL) == -1)
			fatalx("%s: event_add", __func__);
		log_debug("UDP discovery socket on port %d ready%s", l->port,
		    l->relay ? ", relaying" : "");
		return;
	}
	/* Already bound, listening and non-blocking: no fcntl here. */
	if ((l->ev = event_new(eng.ps->base, fd, EV_READ | EV_PERSIST,
	    nodeconn_accept, l)) == NULL)
		fatalx("%s: event_new", __func__);
	if (!nodeconn_paused() && event_add(l->ev, NULL) == -1)
		fatalx("%s: event_add", __func__);
	log_debug("TCP listener ready");
}

static void
hubengine_conf(struct imsg *imsg)
{
	struct hubd_conf_msg	 m;

	if (imsg_get_data(imsg, &m, sizeof(m)) == -1)
		fatalx("%s: bad size", __func__);
	if (m.engines < 1 || m.engines > HUBD_ENGINES_MAX ||
	    eng.index >= m.engines)
		fatalx("%s: engine %u of %u", __func__, eng.index + 1,
		    m.engines);
	eng.nengines = m.engines;
	relay_table_part(eng.relay, eng.nengines, eng.index);
	nodeconn_limits(&m);
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

/*
 * The authority asks what a page of connections carried (a node
 * listing or a web snapshot is being made).  The answer goes even
 * when the authority is behind: it waits for it, and a page is small.
 */
static void
hubengine_traffic(struct imsg *imsg)
{
	static struct hubd_traffic_ask	 ask;
	static struct hubd_traffic_page	 page;
	struct hubd_conn_traffic	*e;
	const struct hconn		*c;
	uint64_t			 now = now_ms();
	uint32_t			 i;

	if (traffic_ask_get(imsg->data, imsg_get_len(imsg), &ask) == -1)
		fatalx("%s: a question of %zu bytes", __func__,
		    imsg_get_len(imsg));
	page.round = ask.round;
	page.n = ask.n;
	for (i = 0; i < ask.n; i++) {
		e = &page.e[i];
		memset(e, 0, sizeof(*e));
		e->conn = ask.conn[i];
		if ((c = nodeconn_find(ask.conn[i])) == NULL || c->closing)
			continue;
		e->found = 1;
		nodeconn_traffic(c, now, &e->t);
	}
	/* Without the memory, the authority's round ends at its deadline. */
	if (proc_compose_try(eng.ps, HUBD_PROC_AUTHORITY, IMSG_HUBD_TRAFFIC,
	    0, -1, &page, traffic_page_len(page.n)) == -1) {
		eng.stats.refused_nomem++;
		eng_stats_touch();
	}
}

static void
hubengine_dispatch_authority(struct privsep *ps, int from, struct imsg *imsg)
{
	switch (imsg->hdr.type) {
	case IMSG_HUB_FRAME_OUT:
		nodeconn_frame_out(imsg->hdr.peerid, imsg->data,
		    imsg_get_len(imsg));
		break;
	case IMSG_HUB_CONN_CLOSE:
		if (imsg_get_len(imsg) != 0)
			fatalx("%s: bad size", __func__);
		nodeconn_close_asked(imsg->hdr.peerid);
		break;
	case IMSG_HUBD_RELAY_ADD:
		relayfwd_add(imsg);
		break;
	case IMSG_HUBD_RELAY_DEL:
		relayfwd_del(imsg);
		break;
	case IMSG_HUBD_RELAY_PAIR:
		relayfwd_pair(imsg);
		break;
	case IMSG_HUBD_RELAY_GUEST:
		relayfwd_guest(imsg);
		break;
	case IMSG_HUBD_RELAY_REGISTERED:
		relayfwd_registered(imsg);
		break;
	case IMSG_HUBD_TRAFFIC_ASK:
		hubengine_traffic(imsg);
		break;
	default:
		fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
	}
}

/* Another engine: a relay frame for one of our connections. */
static void
hubengine_dispatch_engine(struct privsep *ps, int from, struct imsg *imsg)
{
	switch (imsg->hdr.type) {
	case IMSG_HUBD_RELAY_FWD:
		relayfwd_from_engine(imsg);
		break;
	case IMSG_HUBD_RELAY_REG_FWD:
		relayfwd_reg_from_engine(imsg);
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

	if (sodium_init() < 0)
		fatalx("%s: sodium_init", __func__);
	eng.ps = ps;
	eng.index = (uint32_t)(ps->id - HUBD_PROC_ENGINE);
	eng.nengines = 1;
	he.last_tcp = -1;
	/* Before seccomp: getrandom is not allowed afterwards. */
	nodeconn_init(relayfwd_frame);
	natdisc_init();
	relayfwd_init();
	if ((he.tick_ev = event_new(ps->base, -1, EV_PERSIST,
	    hubengine_tick, NULL)) == NULL)
		fatalx("%s: event_new", __func__);
	if (evtimer_add(he.tick_ev, &tick) == -1)
		fatalx("%s: evtimer_add", __func__);
}

void
hubengine_run(struct privsep *ps)
{
	struct proc_peer	 peers[3 + HUBD_ENGINES_MAX];
	size_t			 n = 0;
	int			 i;

	proc_child_setup(ps);
	hubengine_init(ps);
	peers[n++] = (struct proc_peer){ PROC_PARENT,
	    hubengine_dispatch_parent };
	peers[n++] = (struct proc_peer){ HUBD_PROC_CONTROL,
	    hubengine_dispatch_control };
	peers[n++] = (struct proc_peer){ HUBD_PROC_AUTHORITY,
	    hubengine_dispatch_authority };
	for (i = HUBD_PROC_ENGINE; i < HUBD_NPROCS; i++)
		if (i != ps->id)
			peers[n++] = (struct proc_peer){ i,
			    hubengine_dispatch_engine };
	proc_peers(ps, peers, n);
	proc_child_loop(ps, &policy_hubd_engine);
}
