/*
 * tun: the only process that holds keys.  It owns the TUN device, the
 * node's static key, the peers' public and preshared keys and every
 * session key; it runs the WireGuard device (wg_*.c): handshakes,
 * encryption, decryption and cryptokey routing.  Ciphertext goes to and
 * comes from the engine in batches.
 */
#include "autoconf.h"

#include <errno.h>
#include <event2/event.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <stdio.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat/util.h"
#include "daemon/hamd_msg.h"
#include "daemon/hubclient.h"
#include "daemon/tunroutes.h"
#include "daemon/tunwatch.h"
#include "crypto/key.h"
#include "privsep/log.h"
#include "privsep/policies.h"
#include "daemon/offload.h"
#include "ipc/pktbatch.h"
#include "privsep/proc.h"
#include "privsep/sandbox.h"
#include "daemon/wg.h"

/* TUN reads per readiness event before we let other events run. */
#define TUN_READS_PER_EVENT	256
#define TICK_MS			100
/* Probes the engine may ask for, per peer and second. */
#define PROBES_PER_SEC		10

struct tunproc {
	struct privsep		*ps;
	struct wg_dev		*dev;
	struct hubclient	*hub;
	struct pktbatch		 out;		/* to the engine */
	int			 fd;		/* the TUN device */
	int			 vnet_hdr;
	struct event		*ev_tun;
	struct event		*ev_tick;
	int			 in_config;	/* between peers and end mark */
	unsigned int		 offloads;	/* TUN_F_* in force */
	uint64_t		 offload_drops;	/* reads that made no sense */
	uint8_t			 rbuf[VNET_HDR_LEN + 65536];
	uint8_t			 seg[65536];	/* segments of a super-packet */
	struct gro		 gro;		/* merges what we write */
};

static struct tunproc	 tp;

/* ---- callbacks of the WireGuard device ------------------------------ */

static uint8_t *
io_out_reserve(void *arg, uint32_t peer, uint16_t flags,
    const struct pkt_addr *to, size_t maxlen)
{
	return pktbatch_add(&tp.out, peer, flags, to, maxlen);
}

static void
io_out_commit(void *arg, size_t len)
{
	pktbatch_commit(&tp.out, len);
}

static void
tun_write_dev(void *arg, const uint8_t *buf, size_t len)
{
	/* A full device queue drops the packet, as a NIC would. */
	if (write(tp.fd, buf, len) == -1 && errno != EAGAIN)
		log_debug("write to the TUN device: %s", strerror(errno));
}

static void
io_tun_write(void *arg, uint8_t *pkt, size_t len)
{
	uint8_t	*p = pkt;

	if (tp.fd == -1)
		return;
	/* With offloads the device takes merged TCP trains. */
	if (tp.offloads & TUN_F_TSO4) {
		gro_packet(&tp.gro, pkt, len);
		return;
	}
	/* The device leaves headroom: the virtio header goes there. */
	if (tp.vnet_hdr) {
		p -= VNET_HDR_LEN;
		memset(p, 0, VNET_HDR_LEN);
		len += VNET_HDR_LEN;
	}
	/* A full device queue drops the packet, as a NIC would. */
	if (write(tp.fd, p, len) == -1 && errno != EAGAIN)
		log_debug("write to the TUN device: %s", strerror(errno));
}

static void
io_endpoint(void *arg, uint32_t peer, const struct pkt_addr *addr)
{
	struct endpoint_msg	 m;

	memset(&m, 0, sizeof(m));
	m.id = peer;
	m.addr = *addr;
	proc_compose(tp.ps, HAMD_PROC_ENGINE, IMSG_ENDPOINT, 0, -1, &m,
	    sizeof(m));
}

/* Queue what the device produced and wake the engine channel. */
static void
tun_flush(void)
{
	if (tp.fd != -1)
		gro_flush(&tp.gro);
	if (pktbatch_flush(&tp.out) > 0)
		imsgev_update(&tp.ps->iev[HAMD_PROC_ENGINE]);
}

/* ---- events ------------------------------------------------------------ */

static void
tun_send_segment(void *arg, const uint8_t *pkt, size_t len)
{
	wg_send_packet(tp.dev, pkt, len, *(uint64_t *)arg);
}

static void
tun_readable(int fd, short what, void *arg)
{
	uint64_t	 now = now_ns();
	ssize_t		 n;
	int		 i;

	for (i = 0; i < TUN_READS_PER_EVENT; i++) {
		n = read(fd, tp.rbuf, sizeof(tp.rbuf));
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("read from the TUN device");
			break;
		}
		if (!tp.vnet_hdr)
			wg_send_packet(tp.dev, tp.rbuf, (size_t)n, now);
		else if (tp.offloads != 0) {
			/* Checksums to finish, super-packets to cut. */
			if (offload_split(tp.rbuf, (size_t)n, tp.seg,
			    tun_send_segment, &now) == -1)
				tp.offload_drops++;
		} else if (n > VNET_HDR_LEN)
			wg_send_packet(tp.dev, tp.rbuf + VNET_HDR_LEN,
			    (size_t)n - VNET_HDR_LEN, now);
	}
	tun_flush();
}

static void
tun_tick(int fd, short what, void *arg)
{
	uint64_t	 now = now_ns();

	wg_tick(tp.dev, now);
	hubclient_tick(tp.hub, now);
	tunwatch_tick(now);
	tun_flush();
}

/* ---- the hub session's ways out ---------------------------------------- */

static void
hub_send_frame(void *arg, const uint8_t *body, size_t len)
{
	proc_compose(tp.ps, HAMD_PROC_ENGINE, IMSG_HUB_FRAME_OUT, 0, -1, body,
	    len);
}

static void
hub_close_conn(void *arg)
{
	proc_compose(tp.ps, HAMD_PROC_ENGINE, IMSG_HUB_CONN_CLOSE, 0, -1,
	    NULL, 0);
}

#ifdef HAMD_TEST_HOOKS
/* HAMD_TEST_HOSTILE_OVERLAY=1: a public pool; 2: 10.0.0.0/8, a private
 * pool that holds the hub's address in the tests. */
static int	 test_hostile_overlay;
#endif

static void
hub_state(void *arg, const struct hub_state_msg *st)
{
#ifdef HAMD_TEST_HOOKS
	static const uint8_t	 public[4] = { 198, 51, 100, 7 };
	static const uint8_t	 wide[4] = { 10, 1, 2, 3 };
	struct hub_state_msg	 h;

	/*
	 * What a compromised tun could report: a public pool, or a
	 * private one so wide that it holds the hub.
	 */
	if (test_hostile_overlay && st->state == HUB_STATE_ONLINE) {
		h = *st;
		memcpy(h.addr.v4, test_hostile_overlay == 1 ? public : wide,
		    sizeof(public));
		h.addr.v4_plen = test_hostile_overlay == 1 ? 24 : 8;
		st = &h;
	}
#endif
	tunwatch_hub(st);
	proc_compose(tp.ps, PROC_PARENT, IMSG_HUB_STATE, 0, -1, st,
	    sizeof(*st));
}

static void
hub_engine_peer(void *arg, uint32_t id, const struct pkt_addr *ep)
{
	struct engine_peer_msg	 m;

	memset(&m, 0, sizeof(m));
	m.id = id;
	m.endpoint = *ep;
	/* Packets already batched for this peer must not overtake it. */
	tun_flush();
	proc_compose(tp.ps, HAMD_PROC_ENGINE, IMSG_ENGINE_PEER, 0, -1, &m,
	    sizeof(m));
}

static void
hub_engine_peer_del(void *arg, uint32_t id)
{
	tun_flush();
	proc_compose(tp.ps, HAMD_PROC_ENGINE, IMSG_ENGINE_PEER_DEL, 0, -1,
	    &id, sizeof(id));
}

static void
hub_reply_net(void *arg, uint32_t client, const struct hub_net_info *ni)
{
	proc_compose(tp.ps, HAMD_PROC_CONTROL, IMSG_CTL_HUB_NET, client, -1,
	    ni, sizeof(*ni));
}

static void
hub_reply_member(void *arg, uint32_t client, const struct hub_member_info *mi)
{
	proc_compose(tp.ps, HAMD_PROC_CONTROL, IMSG_CTL_HUB_MEMBER, client,
	    -1, mi, sizeof(*mi));
}

static void
hub_reply_result(void *arg, uint32_t client, int code, const char *msg)
{
	struct ctl_result	 r;

	/* hamd's own requests (advertise-route, member names): logged. */
	if (client == HUBCLIENT_SELF) {
		if (code != 0 && code != EEXIST)
			log_warnx("hub: %s", msg);
		else
			log_info("hub: %s", msg);
		return;
	}
	memset(&r, 0, sizeof(r));
	r.code = code;
	(void)snprintf(r.msg, sizeof(r.msg), "%s", msg);
	proc_compose(tp.ps, HAMD_PROC_CONTROL, IMSG_CTL_RESULT, client, -1,
	    &r, sizeof(r));
}

/* Routes the hub approved, for the parent to check and install. */
static void
hub_routes_offer(void *arg, const struct routes_msg *m)
{
	proc_compose(tp.ps, PROC_PARENT, IMSG_ROUTES_OFFER, 0, -1, m,
	    sizeof(*m));
}

static void
hub_exit_offer(void *arg, const struct exit_msg *m)
{
	proc_compose(tp.ps, PROC_PARENT, IMSG_EXIT_OFFER, 0, -1, m,
	    sizeof(*m));
}

static void
hub_engine_names(void *arg, uint32_t id, const uint8_t *v4, const uint8_t *v6,
    const struct hub_peer_names *pn)
{
	struct engine_names_msg	 m;

	memset(&m, 0, sizeof(m));
	m.id = id;
	memcpy(m.v4, v4, sizeof(m.v4));
	memcpy(m.v6, v6, sizeof(m.v6));
	memcpy(m.nick, pn->nick, sizeof(m.nick));
	m.n = pn->n;
	memcpy(m.nets, pn->nets, sizeof(m.nets));
	proc_compose(tp.ps, HAMD_PROC_ENGINE, IMSG_ENGINE_NAMES, 0, -1, &m,
	    sizeof(m));
}

static void
hub_reply_route(void *arg, uint32_t client, const struct hub_route_info *ri)
{
	proc_compose(tp.ps, HAMD_PROC_CONTROL, IMSG_CTL_HUB_ROUTE, client, -1,
	    ri, sizeof(*ri));
}

static void
hub_engine_relay(void *arg, uint32_t relay_id)
{
	struct engine_relay_msg	 m;

	memset(&m, 0, sizeof(m));
	m.relay_id = relay_id;
	proc_compose(tp.ps, HAMD_PROC_ENGINE, IMSG_ENGINE_RELAY, 0, -1, &m,
	    sizeof(m));
}

static void
hub_relay_register(void *arg, const uint8_t *msg, size_t len)
{
	proc_compose(tp.ps, HAMD_PROC_ENGINE, IMSG_RELAY_REGISTER, 0, -1, msg,
	    len);
}

static void
hub_relay_confirmed(void *arg, uint32_t relay_id)
{
	proc_compose(tp.ps, HAMD_PROC_ENGINE, IMSG_RELAY_CONFIRMED, 0, -1,
	    &relay_id, sizeof(relay_id));
}

static void
hub_engine_paths(void *arg, const struct engine_paths_msg *m)
{
	/* Packets already batched go out on the paths they were meant for. */
	tun_flush();
	tunwatch_paths(m);
	proc_compose(tp.ps, HAMD_PROC_ENGINE, IMSG_ENGINE_PATHS, 0, -1, m,
	    sizeof(*m));
}

/*
 * The engine wants a hub peer probed (hole punching, a quiet path).
 * Probes only ever go to hub peers: a static peer may be any WireGuard,
 * which the engine has no business nudging; asking is a broken engine.
 * A peer the hub just removed may still be named: ignored.
 */
static void
tun_peer_probe(struct imsg *imsg, uint64_t now)
{
	struct peer_probe_msg	 m;
	struct wg_peer		*p;

	(void)imsg_get_data(imsg, &m, sizeof(m));
	if (!HUB_PEER_ID(m.id))
		fatalx("engine asked to probe peer %u, not a hub peer", m.id);
	if (m.kind != PROBE_KEEPALIVE && m.kind != PROBE_HANDSHAKE)
		fatalx("engine sent probe kind %d", m.kind);
	if ((p = wg_peer_by_id(tp.dev, m.id)) == NULL)
		return;
	if (now - p->probe_win >= 1000000000u) {
		p->probe_win = now;
		p->probe_count = 0;
	}
	if (++p->probe_count > PROBES_PER_SEC) {
		if (p->probe_count == PROBES_PER_SEC + 1)
			log_debug("peer %s: more than %d probes a second "
			    "asked for; dropping the rest", p->name,
			    PROBES_PER_SEC);
		return;
	}
	(void)wg_peer_probe(tp.dev, p, m.kind == PROBE_HANDSHAKE ?
	    WG_PROBE_HANDSHAKE : WG_PROBE_KEEPALIVE, now);
}

static int
addr_ok(const struct pkt_addr *a)
{
	return a->af == 0 || ((a->af == AF_INET || a->af == AF_INET6) &&
	    a->port != 0);
}

/* The path the engine chose, shown by hamctl peers. */
static void
tun_path_info(struct imsg *imsg)
{
	struct path_info_msg	 m;
	struct wg_peer		*p;

	(void)imsg_get_data(imsg, &m, sizeof(m));
	/* Port 0 is fine: the relay-TCP pseudo endpoint (hub address). */
	if (m.path < PATH_NONE || m.path >= PATH_KIND_MAX ||
	    (m.addr.af != 0 && m.addr.af != AF_INET &&
	    m.addr.af != AF_INET6) || (m.path != PATH_NONE && m.addr.af == 0))
		fatalx("engine sent path %d with an address of family %u",
		    m.path, m.addr.af);
	if ((p = wg_peer_by_id(tp.dev, m.id)) == NULL)
		return;
	tunwatch_path(p, m.path, &m.addr);
	p->path = m.path;
	p->path_addr = m.addr;
	p->path_since = m.since;
}

static void
tun_recv_one(void *arg, const struct pkt_rec *rec, const uint8_t *pkt)
{
	wg_receive(tp.dev, &rec->addr, pkt, rec->len, *(uint64_t *)arg);
}

static void
tun_dispatch_engine(struct privsep *ps, int from, struct imsg *imsg)
{
	uint64_t	 now = now_ns();

	struct hub_conn_msg	 hc;

	switch (imsg->hdr.type) {
	case IMSG_PKT_IN:
		if (pktbatch_foreach(imsg->data, imsg->datalen, tun_recv_one,
		    &now) == -1)
			fatalx("engine sent a malformed packet batch");
		tun_flush();
		break;
	case IMSG_HUB_CONN_OPEN:
		(void)imsg_get_data(imsg, &hc, sizeof(hc));
		hubclient_conn_open(tp.hub, &hc, now);
		break;
	case IMSG_HUB_CONN_CLOSED:
		hubclient_conn_closed(tp.hub, now);
		break;
	case IMSG_HUB_FRAME_IN:
		hubclient_frame(tp.hub, imsg->data, imsg->datalen, now);
		tun_flush();
		break;
	case IMSG_PEER_PROBE:
		tun_peer_probe(imsg, now);
		tun_flush();
		break;
	case IMSG_PATH_INFO:
		tun_path_info(imsg);
		break;
	case IMSG_RELAY_REGISTERED:
		hubclient_relay_answer(tp.hub, imsg->data, imsg->datalen);
		break;
	default:
		fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
	}
}

static void
tun_set_device(struct imsg *imsg)
{
	struct tun_device_msg	 td;

	if (tp.fd != -1)
		fatalx("parent sent a second TUN device");
	(void)imsg_get_data(imsg, &td, sizeof(td));
	if (td.mtu < 1280 || td.mtu > 65535)
		fatalx("parent sent MTU %u", td.mtu);
	tp.fd = imsg_get_fd(imsg);
	tp.vnet_hdr = td.vnet_hdr != 0;
	tp.offloads = tp.vnet_hdr ? td.offloads : 0;
	gro_init(&tp.gro, tun_write_dev, NULL);
	tp.dev->mtu = td.mtu;
	tp.ev_tun = event_new(tp.ps->base, tp.fd, EV_READ | EV_PERSIST,
	    tun_readable, NULL);
	if (tp.ev_tun == NULL || event_add(tp.ev_tun, NULL) == -1)
		fatalx("cannot watch the TUN device");
}

static void
tun_set_peer(struct imsg *imsg)
{
	struct tun_peer_msg	*m;
	struct wg_peer		*p;

	/* The message holds a PSK: copy it only into guarded memory. */
	if ((m = sodium_malloc(sizeof(*m))) == NULL)
		fatal("%s: sodium_malloc", __func__);
	(void)imsg_get_data(imsg, m, sizeof(*m));
	m->name[sizeof(m->name) - 1] = '\0';
	if (m->nallowed > CONF_MAX_ALLOWED || m->id == 0 ||
	    m->id == PKT_PEER_NONE)
		fatalx("parent sent a malformed peer");
	if (!tp.in_config) {
		wg_config_begin(tp.dev);
		tp.in_config = 1;
	}
	/* The file wins over the hub for a key both name. */
	hubclient_forget(tp.hub, m->pubkey);
	if (wg_peer_set(tp.dev, m->id, m->name, m->pubkey,
	    m->has_psk ? m->psk : NULL, m->keepalive, m->allowed,
	    (int)m->nallowed, now_ns()) == -1)
		log_warnx("peer %s: cannot be added (too many peers or "
		    "allowed IPs)", m->name);
	else if ((p = wg_peer_by_id(tp.dev, m->id)) != NULL &&
	    p->endpoint.af == 0)
		/* Shown until a packet authenticates from somewhere. */
		p->endpoint = m->endpoint;
	sodium_free(m);
}

/* The parent's candidates for the hub; it built them, so they are sane. */
static void
tun_candidates(struct imsg *imsg)
{
	struct hub_candidates	 c;
	unsigned int		 i;

	(void)imsg_get_data(imsg, &c, sizeof(c));
	if (c.n > HUB_CAND_MAX || c.nat >= NAT_KIND_MAX)
		fatalx("parent sent %u candidates, NAT kind %u", c.n, c.nat);
	for (i = 0; i < c.n; i++)
		if (c.c[i].kind < HUB_CAND_LAN ||
		    c.c[i].kind >= HUB_CAND_MAX_KIND ||
		    c.c[i].addr.af == 0 || !addr_ok(&c.c[i].addr))
			fatalx("parent sent a malformed candidate");
	hubclient_candidates(tp.hub, &c);
}

/* The parent is trusted, but a count past the array is a bug. */
static void
tun_routes(struct imsg *imsg)
{
	struct routes_msg	 m;

	(void)imsg_get_data(imsg, &m, sizeof(m));
	if (m.n > HUB_ROUTES_MAX)
		fatalx("parent sent %u routes", m.n);
	if (imsg->hdr.type == IMSG_TUN_ADVERTISE)
		hubclient_advertise(tp.hub, &m);
	else
		hubclient_routes_set(tp.hub, &m);
}

static void
tun_dispatch_parent(struct privsep *ps, int from, struct imsg *imsg)
{
	uint8_t	 priv[KEY_LEN];

	switch (imsg->hdr.type) {
	case IMSG_TUN_PRIVKEY:
		if (tp.dev->have_key)
			fatalx("parent sent a second private key");
		(void)imsg_get_data(imsg, priv, sizeof(priv));
		if (wg_dev_set_key(tp.dev, priv) == -1)
			fatalx("the node key has a low-order public key");
		sodium_memzero(priv, sizeof(priv));
		proc_compose(ps, PROC_PARENT, IMSG_TUN_PUBKEY, 0, -1,
		    tp.dev->self.pub, KEY_LEN);
		break;
	case IMSG_TUN_DEVICE:
		tun_set_device(imsg);
		break;
	case IMSG_TUN_PEER:
		tun_set_peer(imsg);
		break;
	case IMSG_TUN_HUB: {
		struct tun_hub_msg	 th;

		(void)imsg_get_data(imsg, &th, sizeof(th));
		hubclient_configure(tp.hub, &th);
		break;
	}
	case IMSG_HUB_LOGOUT:
		hubclient_logout(tp.hub);
		break;
	case IMSG_TUN_CANDIDATES:
		tun_candidates(imsg);
		break;
	case IMSG_ROUTES_SET:
	case IMSG_TUN_ADVERTISE:
		tun_routes(imsg);
		break;
	case IMSG_EXIT_SET: {
		struct exit_msg	 m;

		(void)imsg_get_data(imsg, &m, sizeof(m));
		troutes_exit_set(hubclient_routes(tp.hub), tp.dev, &m);
		break;
	}
	case IMSG_TUN_PEERS_END:
		if (!tp.in_config)
			wg_config_begin(tp.dev);	/* no peers at all */
		wg_config_end(tp.dev);
		tp.in_config = 0;
		log_debug("%d peers configured", tp.dev->npeers);
		break;
	default:
		fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
	}
}

static int
peer_prefix(void *arg, int af, const uint8_t *addr, unsigned int plen)
{
	struct ctl_peer		*cp = arg;
	struct ip_prefix	*pf;

	if (cp->nallowed == CONF_MAX_ALLOWED)
		return 1;
	pf = &cp->allowed[cp->nallowed++];
	memset(pf, 0, sizeof(*pf));
	pf->af = (sa_family_t)af;
	pf->plen = (uint8_t)plen;
	memcpy(&pf->addr, addr, af == AF_INET ? 4 : 16);
	return 0;
}

/*
 * hamctl peers: one message per peer, then the unattributed counters;
 * the same, as other types, is the web child's snapshot.
 */
static void
tun_send_peers(struct privsep *ps, int to, uint32_t client, uint32_t tpeer,
    uint32_t tend)
{
	struct ctl_peer		 cp;
	struct ctl_peers_end	 end;
	struct wg_peer		*p;
	uint64_t		 now = now_ns();
	int			 i;

	for (i = 0; i < WG_MAX_PEERS; i++) {
		if ((p = tp.dev->peers[i]) == NULL)
			continue;
		memset(&cp, 0, sizeof(cp));
		cp.id = p->id;
		(void)snprintf(cp.name, sizeof(cp.name), "%s", p->name);
		key_to_base64(cp.pubkey, p->pubkey);
		cp.has_psk = (uint8_t)p->has_psk;
		cp.session = wg_peer_has_session(p, now);
		cp.endpoint = p->endpoint;
		/* Where packets go, once the engine has chosen. */
		if (p->path != PATH_NONE && p->path_addr.af != 0)
			cp.endpoint = p->path_addr;
		cp.path = p->path;
		cp.path_since = p->path_since;
		cp.rtt_us = p->rtt_us;
		cp.last_handshake = p->st.last_handshake;
		cp.rx_bytes = p->st.rx_bytes;
		cp.tx_bytes = p->st.tx_bytes;
		cp.rx_packets = p->st.rx_packets;
		cp.tx_packets = p->st.tx_packets;
		cp.handshakes = p->st.handshakes;
		memcpy(cp.drops, p->st.drops, sizeof(cp.drops));
		cp.keepalive = p->keepalive;
		(void)allowedips_foreach_peer(tp.dev->aips, p->id, peer_prefix,
		    &cp);
		tunwatch_fill(i, p, &cp.ext);
		proc_compose(ps, to, tpeer, client, -1, &cp, sizeof(cp));
	}
	memset(&end, 0, sizeof(end));
	end.npeers = (uint32_t)tp.dev->npeers;
	memcpy(end.drops, tp.dev->drops, sizeof(end.drops));
	end.unknown_peer = tp.dev->unknown_peer;
	end.cookies_sent = tp.dev->cookies_sent;
	end.ratelimited = tp.dev->ratelimited;
	proc_compose(ps, to, tend, client, -1, &end, sizeof(end));
}

static void
tun_web_snapshot(void)
{
	tun_send_peers(tp.ps, HAMD_PROC_WEB, 0, IMSG_WEB_PEER,
	    IMSG_WEB_PEERS_END);
}

/*
 * hamctl exit NODE | off.  NODE is a hub peer's key or name; it must
 * offer to be an exit node, approved.  The parent answers hamctl once
 * the routing is in place.
 */
static void
tun_exit(uint32_t client, const struct ctl_exit *ce, int run)
{
	struct troutes	*tr = hubclient_routes(tp.hub);
	struct wg_peer	*wp = NULL;
	uint8_t		 key[KEY_LEN];
	char		 node[CTL_NAME_MAX];
	int		 i;

	(void)snprintf(node, sizeof(node), "%s", ce->node);
	if (strcmp(node, "off") == 0) {
		troutes_exit_off(tr, tp.dev, client);
		return;
	}
	/* One exit node at a time: for the machine, or for one run. */
	if (troutes_exit_current(tr) != 0 && run) {
		hub_reply_result(NULL, client, EBUSY, "an exit node is in use "
		    "already (hamctl exit off first)");
		return;
	}
	if (run && ce->cgroup == 0) {
		hub_reply_result(NULL, client, EINVAL, "no cgroup");
		return;
	}
	if (key_from_base64(key, node) == 0)
		wp = wg_peer_by_key(tp.dev, key);
	for (i = 0; wp == NULL && i < WG_MAX_PEERS; i++)
		if (tp.dev->peers[i] != NULL &&
		    strcmp(tp.dev->peers[i]->name, node) == 0)
			wp = tp.dev->peers[i];
	if (wp == NULL || !hubclient_is_hub_peer(tp.hub, wp->id)) {
		hub_reply_result(NULL, client, ENOENT, "no hub peer of that "
		    "name or key (hamctl peers lists them)");
		return;
	}
	if (troutes_exit_offered(tr, wp->id) == 0) {
		hub_reply_result(NULL, client, EPERM, "that peer does not "
		    "offer to be an exit node, or no administrator of a "
		    "network you share approved it (0.0.0.0/0 or ::/0)");
		return;
	}
	troutes_exit_choose(tr, tp.dev, wp->id, client, run ? ce->cgroup : 0,
	    run ? ce->level : 0, ce->flags);
}

static void
tun_dispatch_control(struct privsep *ps, int from, struct imsg *imsg)
{
	switch (imsg->hdr.type) {
	case IMSG_CTL_PEERS:
		tun_send_peers(ps, HAMD_PROC_CONTROL, imsg->hdr.peerid,
		    IMSG_CTL_PEER, IMSG_CTL_PEERS_END);
		break;
	case IMSG_CTL_HUB_REQ: {
		struct hub_request	*req;
		struct ctl_cred		 cred;

		/* It may hold a network password: guarded memory only. */
		if ((req = sodium_malloc(sizeof(*req))) == NULL)
			fatal("%s: sodium_malloc", __func__);
		memcpy(&cred, imsg->data, sizeof(cred));
		memcpy(req, (uint8_t *)imsg->data + sizeof(cred),
		    sizeof(*req));
		sodium_memzero((void *)(uintptr_t)imsg->data, imsg->datalen);
		hubclient_request(tp.hub, imsg->hdr.peerid, &cred, req,
		    now_ns());
		sodium_free(req);
		break;
	}
	case IMSG_CTL_EXIT:
	case IMSG_CTL_RUN: {
		struct ctl_exit	 ce;

		memcpy(&ce, (uint8_t *)imsg->data + sizeof(struct ctl_cred),
		    sizeof(ce));
		tun_exit(imsg->hdr.peerid, &ce,
		    imsg->hdr.type == IMSG_CTL_RUN);
		break;
	}
	default:
		fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
	}
}

/* Test-only knobs, from the environment the parent passed on. */
static void
tun_test_hooks(void)
{
#ifdef HAMD_TEST_HOOKS
	const char	*s;

	if ((s = getenv("HAMD_TEST_REKEY_AFTER")) != NULL && atoi(s) > 0) {
		tp.dev->rekey_after = (uint64_t)atoi(s) * 1000000000u;
		log_info("test hook: rekey after %d s", atoi(s));
	}
	if ((s = getenv("HAMD_TEST_KEYLOG")) != NULL && *s == '1') {
		tp.dev->keylog = 1;
		log_info("test hook: session keys are logged");
	}
	if ((s = getenv("HAMD_TEST_UNDER_LOAD")) != NULL && *s == '1') {
		tp.dev->force_under_load = 1;
		log_info("test hook: always under load");
	}
	if ((s = getenv("HAMD_TEST_HOSTILE_OVERLAY")) != NULL &&
	    (*s == '1' || *s == '2')) {
		test_hostile_overlay = *s - '0';
		log_info("test hook: the hub state reports a %s overlay",
		    test_hostile_overlay == 1 ? "public" : "hub-holding");
	}
#endif
}

static const struct proc_peer tun_peers[] = {
	{ PROC_PARENT, tun_dispatch_parent },
	{ HAMD_PROC_CONTROL, tun_dispatch_control },
	{ HAMD_PROC_ENGINE, tun_dispatch_engine },
};

void
tun_run(struct privsep *ps)
{
	struct wg_io	 io = {
		NULL, io_out_reserve, io_out_commit, io_tun_write, io_endpoint
	};
	struct timeval	 tick = { 0, TICK_MS * 1000 };
	struct hubclient_io hio = {
		.send_frame = hub_send_frame,
		.close_conn = hub_close_conn,
		.state = hub_state,
		.engine_peer = hub_engine_peer,
		.engine_peer_del = hub_engine_peer_del,
		.reply_net = hub_reply_net,
		.reply_member = hub_reply_member,
		.reply_result = hub_reply_result,
		.routes_offer = hub_routes_offer,
		.reply_route = hub_reply_route,
		.exit_offer = hub_exit_offer,
		.engine_names = hub_engine_names,
		.engine_relay = hub_engine_relay,
		.relay_register = hub_relay_register,
		.relay_confirmed = hub_relay_confirmed,
		.engine_paths = hub_engine_paths,
	};

	if (sodium_init() < 0)
		fatalx("libsodium failed to initialise");
	memset(&tp, 0, sizeof(tp));
	tp.ps = ps;
	tp.fd = -1;
	proc_child_setup(ps);
	if ((tp.dev = wg_dev_new(&io, 1420)) == NULL)
		fatalx("cannot allocate the WireGuard device");
	if ((tp.hub = hubclient_new(&hio, tp.dev)) == NULL)
		fatalx("cannot allocate the hub session");
	tun_test_hooks();
	tunwatch_init(ps, tp.dev, tun_web_snapshot);
	pktbatch_init(&tp.out, &ps->iev[HAMD_PROC_ENGINE].ibuf, IMSG_PKT_OUT);
	proc_peers(ps, tun_peers, nitems(tun_peers));
	tp.ev_tick = event_new(ps->base, -1, EV_PERSIST, tun_tick, NULL);
	if (tp.ev_tick == NULL || event_add(tp.ev_tick, &tick) == -1)
		fatalx("cannot start the timer");
	proc_child_loop(ps, &policy_tun);
}
