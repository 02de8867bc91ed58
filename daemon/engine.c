/*
 * engine (peer-engine): all network I/O on sockets the parent created.
 * It faces hostile input and therefore holds no key, ever: it moves
 * ciphertext between the UDP sockets and tun, carries the node's TCP
 * connection to the hub, discovers the NAT, relays through the hub, and
 * chooses hub peers' paths.  Its parts are listed, bottom to top, in
 * engine_ctx.h; this file takes the other processes' messages and hands
 * each to the part whose job it is.
 *
 * A peer's endpoint moves only when tun says a packet from a new address
 * authenticated (IMSG_ENDPOINT); the engine never trusts a source address
 * by itself, since anyone can forge one.  Every drop is counted, none is
 * logged per packet: the counters are for hamctl engine, and logs about
 * failures are rate-limited.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <string.h>
#include <unistd.h>

#include "crypto/transport.h"
#include "daemon/engine.h"
#include "daemon/engine_dns.h"
#include "daemon/engine_web.h"
#include "daemon/hamd_msg.h"
#include "ipc/pktbatch.h"
#include "ipc/pktring.h"
#include "privsep/log.h"
#include "privsep/policies.h"
#include "privsep/sandbox.h"

/* pktbatch_foreach callback: one record of tun's batch. */
static void
engine_tx_rec(void *arg, const struct pkt_rec *rec, const uint8_t *pkt)
{
	struct engine_peer	*p = NULL;
	const struct pkt_addr	*dst;

	if (rec->peer != PKT_PEER_NONE &&
	    (p = peer_get(rec->peer)) == NULL) {
		/* Removed by a reload tun has not seen yet, or bogus. */
		ectx.stats.tx_unknown_peer++;
		return;
	}
	/*
	 * A hub peer's data, what its path choice watches for an answer:
	 * longer than a keepalive (a data message with nothing inside).
	 */
	if (p != NULL && p->hp != NULL && rec->len > WG_DATA_MIN_LEN &&
	    !(rec->flags & (PKT_F_HANDSHAKE | PKT_F_PROBE | PKT_F_TO_ADDR)))
		p->stats.tx_data++;
	if (p != NULL && (!p->fast ||
	    (p->hp != NULL && (rec->flags & (PKT_F_TO_ADDR | PKT_F_PROBE))))) {
		/* A hub peer not on a settled direct path, or a probe. */
		paths_tx(p, rec, pkt);
		return;
	}
	if (rec->flags & PKT_F_TO_ADDR) {
		/*
		 * An answer for no peer (a cookie reply) to a relay's pseudo
		 * address cannot be relayed: the relay needs a peer's id.
		 * Sent as it is, it would go to the hub as a bare packet.
		 */
		if (p == NULL && relay_pseudo(&rec->addr) != PATH_NONE) {
			ectx.stats.relay_bad++;
			return;
		}
		dst = &rec->addr;
	} else if (p == NULL) {
		ectx.stats.tx_unknown_peer++;
		return;
	} else if (p->ep.af == 0) {
		p->stats.no_endpoint++;
		return;
	} else
		dst = &p->ep;
	tx_queue(dst, p, pkt, rec->len);
}

/* The ring shared with tun: mapped, and whether tun mapped it too. */
static struct {
	struct pktring_map	 map;
	int			 mapped;
	int			 tun_ready;
} ring;

static void
engine_ring_start(void)
{
	if (ring.mapped && ring.tun_ready)
		rx_use_ring(&ring.map.tx);
}

static void
engine_ring(struct imsg *imsg)
{
	if (ring.mapped)
		fatalx("%s: a second ring", __func__);
	if (proc_ring_take(ectx.ps, imsg, &ring.map, 1, HAMD_PROC_TUN,
	    IMSG_ENGINE_RING_READY) == -1)
		return;
	ring.mapped = 1;
	engine_ring_start();
}

/* A batch tun wrote into the ring: sent in place, then released. */
static void
engine_pkt_ring_out(struct imsg *imsg)
{
	if (!ring.mapped)
		fatalx("%s: tun sent a ring batch before the ring", __func__);
	if (pktbatch_ring_foreach(&ring.map.rx, imsg->data, imsg->datalen,
	    engine_tx_rec, NULL) == -1)
		fatalx("%s: malformed ring batch from tun", __func__);
	/* The iovecs point into the ring: send before releasing it. */
	tx_flush_all();
	pktring_release(&ring.map.rx);
}

static void
engine_pkt_out(struct imsg *imsg)
{
	if (pktbatch_foreach(imsg->data, imsg->datalen, engine_tx_rec,
	    NULL) == -1)
		fatalx("%s: malformed packet batch from tun", __func__);
	/* The iovecs point into the imsg: send before it is freed. */
	tx_flush_all();
}

static void
engine_socket(struct imsg *imsg)
{
	int32_t	 af;

	if (imsg_get_data(imsg, &af, sizeof(af)) == -1)
		fatalx("%s: bad size", __func__);
	rx_watch(esock_open(af, imsg_get_fd(imsg)));
}

/*
 * A peer from the configuration (parent) or from the hub (tun).  Each
 * sender has its own id range, so neither can touch the other's peers.
 */
static void
engine_peer_msg(struct imsg *imsg, int from_tun)
{
	struct engine_peer_msg	 m;

	if (imsg_get_data(imsg, &m, sizeof(m)) == -1)
		fatalx("%s: bad size", __func__);
	if (from_tun ? !hub_peer_id(m.id) : (m.id == 0 || m.id > ENGINE_MAX_ID))
		fatalx("%s: peer id %u out of range", __func__, m.id);
	if (m.endpoint.af != 0 && esock_index(m.endpoint.af) == -1)
		fatalx("%s: peer %u: bad address family %u", __func__, m.id,
		    m.endpoint.af);
	addr_normalize(&m.endpoint);
	if (from_tun)
		paths_peer(m.id, &m.endpoint);
	else
		peer_configure(m.id, &m.endpoint);
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
	paths_peer_del(p);
	dns_forget(id);
	log_debug("peer %u removed", id);
}

static void
engine_endpoint(struct imsg *imsg)
{
	struct endpoint_msg	 m;
	struct engine_peer	*p;

	if (imsg_get_data(imsg, &m, sizeof(m)) == -1)
		fatalx("%s: bad size", __func__);
	if (peer_slot(m.id) == NULL || esock_index(m.addr.af) == -1 ||
	    (m.flags & ~ENDPOINT_F_RESPONSE) != 0)
		fatalx("%s: bad endpoint message from tun", __func__);
	addr_normalize(&m.addr);
	if ((p = peer_get(m.id)) == NULL) {
		/* Removed by a reload tun has not processed yet. */
		log_debug("%s: peer %u not configured", __func__, m.id);
		return;
	}
	if (p->hp != NULL)
		paths_endpoint(p, &m.addr,
		    (m.flags & ENDPOINT_F_RESPONSE) != 0);
	else
		peer_roam(p, m.id, &m.addr);
}

void
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
		peers_end();
		break;
	case IMSG_HUB_SOCKET:
		hub_socket(imsg);
		break;
	case IMSG_ENGINE_DNS:
		dns_socket(imsg);
		break;
	case IMSG_RING:
		engine_ring(imsg);
		break;
	default:
		fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
	}
}

void
engine_dispatch_tun(struct privsep *ps, int from, struct imsg *imsg)
{
	switch (imsg->hdr.type) {
	case IMSG_PKT_OUT:
		engine_pkt_out(imsg);
		break;
	case IMSG_PKT_RING_OUT:
		engine_pkt_ring_out(imsg);
		break;
	case IMSG_TUN_RING_READY:
		if (ring.tun_ready)
			fatalx("%s: tun said twice that it mapped the ring",
			    __func__);
		ring.tun_ready = 1;
		engine_ring_start();
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
		relay_session(imsg);
		break;
	case IMSG_RELAY_REGISTER:
		relay_register(imsg);
		break;
	case IMSG_RELAY_CONFIRMED:
		relay_confirmed(imsg);
		break;
	case IMSG_RELAY_GUEST_REGISTER:
		relay_guest_register(imsg);
		break;
	case IMSG_RELAY_GUEST_CONFIRMED:
		relay_guest_confirmed(imsg);
		break;
	case IMSG_ENGINE_PEER_HUB:
		paths_peer_hub(imsg);
		break;
	case IMSG_ENGINE_PATHS:
		paths_msg(imsg);
		break;
	case IMSG_ENGINE_NAMES:
		dns_names(imsg);
		break;
	default:
		fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
	}
}

void
engine_dispatch_control(struct privsep *ps, int from, struct imsg *imsg)
{
	switch (imsg->hdr.type) {
	case IMSG_CTL_ENGINE:
		/* Counters only: the engine has nothing else worth showing. */
		proc_compose(ps, HAMD_PROC_CONTROL, IMSG_CTL_ENGINE_REPLY,
		    imsg->hdr.peerid, -1, &ectx.stats, sizeof(ectx.stats));
		break;
	default:
		fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
	}
}

/* The hub connection's news, for the parts above it. */
static void
engine_hub_up(void)
{
	nat_start();
}

static void
engine_hub_down(void)
{
	nat_stop();
	relay_reset();
}

void
engine_init(struct privsep *ps)
{
	static const struct hub_hooks	 hooks = {
		.up = engine_hub_up,
		.down = engine_hub_down,
		.relay_frame = relay_frame_in,
	};

	memset(&ectx, 0, sizeof(ectx));
	ectx.ps = ps;
	esock_init();
	peers_init();
	rx_init(ps);
	tx_init();
	hub_init(ps, &hooks);
	nat_init(ps);
	relay_init();
	paths_init(ps);
	dns_init(ps);
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
	engine_web_init(ps);
	proc_peers(ps, engine_peers, nitems(engine_peers));
	proc_child_loop(ps, &policy_engine);
}
