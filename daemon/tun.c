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
#include "daemon/tunsel.h"
#include "daemon/lanrep.h"
#include "daemon/l2sw.h"
#include "daemon/tunwatch.h"
#include "crypto/key.h"
#include "privsep/log.h"
#include "privsep/policies.h"
#include "daemon/offload.h"
#include "ipc/pktbatch.h"
#include "ipc/pktring.h"
#include "privsep/proc.h"
#include "privsep/sandbox.h"
#include "daemon/wg.h"

/* TUN reads per readiness event before we let other events run. */
#define TUN_READS_PER_EVENT	256
#define TICK_MS			100
/* Probes the engine may ask for, per peer and second. */
#define PROBES_PER_SEC		10
/*
 * Room the ring must have before we read the TUN device again: what
 * one 64 KB super-packet becomes (its segments, each with its record
 * and the WireGuard header and tag), twice.  With less, reading stops
 * and the kernel's queue in front of the device holds the rest (its
 * qdisc pushes back on the sending sockets), until the engine has sent
 * enough; we look again every TUN_ROOM_USEC.
 */
#define TUN_RING_ROOM		(2 * 96 * 1024)
#define TUN_ROOM_USEC		200

struct tunproc {
	struct privsep		*ps;
	struct wg_dev		*dev;
	struct hubclient	*hub;
	struct lanrep		*lan;		/* broadcast and multicast */
	struct l2sw		*l2;		/* Ethernet networks */
	int			 tap;		/* the TAP device, or -1 */
	struct event		*ev_tap;
	struct pktbatch		 out;		/* to the engine */
	int			 fd;		/* the TUN device */
	int			 vnet_hdr;
	struct event		*ev_tun;
	struct event		*ev_tick;
	struct event		*ev_room;	/* ring full: look again */
	struct pktring_map	 ring;		/* shared with the engine */
	int			 ring_mapped;
	int			 engine_ready;	/* the engine mapped it too */
	int			 tun_paused;	/* not reading the device */
	int			 in_config;	/* between peers and end mark */
	unsigned int		 offloads;	/* TUN_F_* in force */
	uint64_t		 offload_drops;	/* reads that made no sense */
	uint8_t			 rbuf[VNET_HDR_LEN + 65536];
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
io_endpoint(void *arg, uint32_t peer, const struct pkt_addr *addr,
    int response)
{
	struct endpoint_msg	 m;

	memset(&m, 0, sizeof(m));
	m.id = peer;
	m.addr = *addr;
	m.flags = response ? ENDPOINT_F_RESPONSE : 0;
	proc_compose(tp.ps, HAMD_PROC_ENGINE, IMSG_ENDPOINT, 0, -1, &m,
	    sizeof(m));
}

static void
io_lan_out(void *arg, const uint8_t *pkt, size_t len, uint64_t now)
{
	lanrep_send(tp.lan, pkt, len, now);
}

static int
io_lan_in(void *arg, struct wg_peer *p, const uint8_t *pkt, size_t len,
    uint64_t now)
{
	return lanrep_accept(tp.lan, p, pkt, len, now);
}

static void
io_frame_in(void *arg, struct wg_peer *p, const uint8_t *pt, size_t len,
    uint64_t now)
{
	l2sw_receive(tp.l2, p, pt, len, now);
}

static void
tap_write(void *arg, const uint8_t *frame, size_t len)
{
	/* A full device queue drops the frame, as a NIC would. */
	if (tp.tap != -1 && write(tp.tap, frame, len) == -1 &&
	    errno != EAGAIN)
		log_debug("write to the TAP device: %s", strerror(errno));
}

/* Queue what the device produced and wake the engine channel. */
static void
tun_flush(void)
{
	if (tp.fd != -1)
		gro_flush(&tp.gro);
	if (pktbatch_flush(&tp.out) > 0) {
		/*
		 * Written now rather than on the next turn of the loop: no
		 * wait for the socket to be reported writable, and no
		 * EV_WRITE to arm and disarm when it all went.  An error is
		 * left for the channel's own handler.
		 */
		(void)imsgbuf_write(&tp.ps->iev[HAMD_PROC_ENGINE].ibuf);
		imsgev_update(&tp.ps->iev[HAMD_PROC_ENGINE]);
	}
	if (pktbatch_broken(&tp.out))
		fatalx("the engine released ring space it was never given");
}

/* ---- events ------------------------------------------------------------ */

static void
tun_send_segment(void *arg, const uint8_t *pkt, size_t len)
{
	wg_send_packet(tp.dev, pkt, len, *(uint64_t *)arg);
}

/* No room in the ring: stop reading the device until there is. */
static int
tun_ring_full(void)
{
	struct timeval	 tv = { 0, TUN_ROOM_USEC };

	if (pktbatch_room(&tp.out) >= TUN_RING_ROOM)
		return 0;
	/* What is batched must reach the engine, or nothing is freed. */
	tun_flush();
	if (!tp.tun_paused) {
		tp.tun_paused = 1;
		(void)event_del(tp.ev_tun);
	}
	if (evtimer_add(tp.ev_room, &tv) == -1)
		fatalx("%s: evtimer_add", __func__);
	return 1;
}

static void
tun_room(int fd, short what, void *arg)
{
	if (tun_ring_full())
		return;
	tp.tun_paused = 0;
	if (event_add(tp.ev_tun, NULL) == -1)
		fatalx("%s: event_add", __func__);
}

static void
tun_readable(int fd, short what, void *arg)
{
	uint64_t	 now = now_ns();
	ssize_t		 n;
	int		 i;

	for (i = 0; i < TUN_READS_PER_EVENT; i++) {
		if (tun_ring_full())
			break;
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
			/* Segments are built where they are sealed. */
			if (offload_split(tp.rbuf, (size_t)n, wg_tx_room(tp.dev),
			    tun_send_segment, &now) == -1)
				tp.offload_drops++;
		} else if (n > VNET_HDR_LEN)
			wg_send_packet(tp.dev, tp.rbuf + VNET_HDR_LEN,
			    (size_t)n - VNET_HDR_LEN, now);
	}
	tun_flush();
}

static void
tap_readable(int fd, short what, void *arg)
{
	uint64_t	 now = now_ns();
	ssize_t		 n;
	int		 i;

	for (i = 0; i < TUN_READS_PER_EVENT; i++) {
		if ((n = read(fd, tp.rbuf, sizeof(tp.rbuf))) == -1) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("read from the TAP device");
			break;
		}
		l2sw_send(tp.l2, tp.rbuf, (size_t)n, now);
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
	if (st->state == HUB_STATE_ONLINE)
		lanrep_addrs(tp.lan, st->addr.v4, st->addr.v4_plen,
		    st->addr.v6, st->addr.v6_plen);
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
	lanrep_peer_gone(tp.lan, id);
	l2sw_peer_gone(tp.l2, id);
	tun_flush();
	proc_compose(tp.ps, HAMD_PROC_ENGINE, IMSG_ENGINE_PEER_DEL, 0, -1,
	    &id, sizeof(id));
}

static void
hub_peer_lan(void *arg, uint32_t id, const uint8_t key[32], uint8_t flags)
{
	lanrep_peer(tp.lan, id, (flags & HUB_NET_BROADCAST) != 0);
	l2sw_peer(tp.l2, id, key, (flags & HUB_NET_ETHERNET) != 0);
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
hub_engine_peer_hub(void *arg, const struct engine_peer_hub_msg *m)
{
	proc_compose(tp.ps, HAMD_PROC_ENGINE, IMSG_ENGINE_PEER_HUB, 0, -1, m,
	    sizeof(*m));
}

static void
hub_relay_guest_register(void *arg, const struct relay_guest_msg *m)
{
	proc_compose(tp.ps, HAMD_PROC_ENGINE, IMSG_RELAY_GUEST_REGISTER, 0,
	    -1, m, sizeof(*m));
}

static void
hub_relay_guest_confirmed(void *arg, const struct pkt_addr *hub)
{
	proc_compose(tp.ps, HAMD_PROC_ENGINE, IMSG_RELAY_GUEST_CONFIRMED, 0,
	    -1, hub, sizeof(*hub));
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

/*
 * One datagram from the engine.  From the ring, its bytes can change
 * under us, so nothing may read them twice: handshake messages (and
 * anything else that short) are copied here; data messages are copied
 * by wg_recv_data before it looks at them, and a data message is the
 * only kind wg_receive takes at more than 256 bytes.
 */
static void
tun_recv_one(void *arg, const struct pkt_rec *rec, const uint8_t *pkt)
{
	uint8_t	 copy[256];

	if (rec->len <= sizeof(copy)) {
		memcpy(copy, pkt, rec->len);
		pkt = copy;
	}
	wg_receive(tp.dev, &rec->addr, pkt, rec->len, *(uint64_t *)arg);
}

static void
tun_ring_start(void)
{
	if (tp.ring_mapped && tp.engine_ready &&
	    tp.out.ring == NULL)
		pktbatch_use_ring(&tp.out, &tp.ring.tx, IMSG_PKT_RING_OUT);
}

/* The parent's shared memory: map it and tell the engine. */
static void
tun_ring(struct imsg *imsg)
{
	if (tp.ring_mapped)
		fatalx("parent sent a second ring");
	if (proc_ring_take(tp.ps, imsg, &tp.ring, 0, HAMD_PROC_ENGINE,
	    IMSG_TUN_RING_READY) == -1)
		return;
	tp.ring_mapped = 1;
	tun_ring_start();
}

static void
tun_dispatch_engine(struct privsep *ps, int from, struct imsg *imsg)
{
	uint64_t	 now = now_ns();

	struct hub_conn_msg	 hc;
	struct relay_guest_msg	 grm;

	switch (imsg->hdr.type) {
	case IMSG_PKT_IN:
		if (pktbatch_foreach(imsg->data, imsg->datalen, tun_recv_one,
		    &now) == -1)
			fatalx("engine sent a malformed packet batch");
		tun_flush();
		break;
	case IMSG_PKT_RING_IN:
		/* Only after our IMSG_TUN_RING_READY, sent once mapped. */
		if (!tp.ring_mapped)
			fatalx("engine sent a ring batch before the ring");
		if (pktbatch_ring_foreach(&tp.ring.rx, imsg->data,
		    imsg->datalen, tun_recv_one, &now) == -1)
			fatalx("engine sent a malformed ring batch");
		pktring_release(&tp.ring.rx);
		tun_flush();
		break;
	case IMSG_ENGINE_RING_READY:
		if (tp.engine_ready)
			fatalx("engine said twice that it mapped the ring");
		tp.engine_ready = 1;
		tun_ring_start();
		break;
	case IMSG_HUB_CONN_OPEN:
		(void)imsg_get_data(imsg, &hc, sizeof(hc));
		hubclient_conn_open(tp.hub, &hc, now);
		break;
	case IMSG_HUB_CONN_CLOSED:
		hubclient_conn_closed(tp.hub, now);
		/* The liveness checks' initiations go now, not at the tick. */
		tun_flush();
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
	case IMSG_RELAY_GUEST_REGISTERED:
		if (imsg_get_data(imsg, &grm, sizeof(grm)) == -1)
			fatalx("%s: bad size", __func__);
		hubclient_relay_guest_answer(tp.hub, &grm, now);
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
	if (tp.dev->have_key)
		l2sw_self(tp.l2, tp.dev->self.pub, td.mtu);
	tp.ev_tun = event_new(tp.ps->base, tp.fd, EV_READ | EV_PERSIST,
	    tun_readable, NULL);
	tp.ev_room = evtimer_new(tp.ps->base, tun_room, NULL);
	if (tp.ev_tun == NULL || tp.ev_room == NULL ||
	    event_add(tp.ev_tun, NULL) == -1)
		fatalx("cannot watch the TUN device");
}

/* The TAP device of Ethernet networks (a hub is configured). */
static void
tun_set_tap(struct imsg *imsg)
{
	if (tp.tap != -1)
		fatalx("parent sent a second TAP device");
	tp.tap = imsg_get_fd(imsg);
	tp.ev_tap = event_new(tp.ps->base, tp.tap, EV_READ | EV_PERSIST,
	    tap_readable, NULL);
	if (tp.ev_tap == NULL || event_add(tp.ev_tap, NULL) == -1)
		fatalx("cannot watch the TAP device");
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
		l2sw_self(tp.l2, tp.dev->self.pub, tp.dev->mtu);
		proc_compose(ps, PROC_PARENT, IMSG_TUN_PUBKEY, 0, -1,
		    tp.dev->self.pub, KEY_LEN);
		break;
	case IMSG_TAP_DEVICE:
		tun_set_tap(imsg);
		break;
	case IMSG_TUN_DEVICE:
		tun_set_device(imsg);
		break;
	case IMSG_RING:
		tun_ring(imsg);
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
	case IMSG_EXIT_SET:
		tunsel_parent(imsg, tp.hub, tp.dev);
		break;
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
		lanrep_peer_info(tp.lan, p->id, &cp.lan);
		l2sw_peer_info(tp.l2, p->id, &cp.lan);
		proc_compose(ps, to, tpeer, client, -1, &cp, sizeof(cp));
	}
	memset(&end, 0, sizeof(end));
	end.npeers = (uint32_t)tp.dev->npeers;
	memcpy(end.drops, tp.dev->drops, sizeof(end.drops));
	end.unknown_peer = tp.dev->unknown_peer;
	end.cookies_sent = tp.dev->cookies_sent;
	end.ratelimited = tp.dev->ratelimited;
	lanrep_stats(tp.lan, &end.lan);
	l2sw_stats(tp.l2, &end.lan.l2);
	proc_compose(ps, to, tend, client, -1, &end, sizeof(end));
}

static void
tun_web_snapshot(void)
{
	tun_send_peers(tp.ps, HAMD_PROC_WEB, 0, IMSG_WEB_PEER,
	    IMSG_WEB_PEERS_END);
}

static void
tun_dispatch_control(struct privsep *ps, int from, struct imsg *imsg)
{
	switch (imsg->hdr.type) {
	case IMSG_CTL_PEERS:
		tun_send_peers(ps, HAMD_PROC_CONTROL, imsg->hdr.peerid,
		    IMSG_CTL_PEER, IMSG_CTL_PEERS_END);
		break;
	case IMSG_CTL_LAN: {
		struct ctl_lan	 lan;

		lanrep_stats(tp.lan, &lan);
		l2sw_stats(tp.l2, &lan.l2);
		proc_compose(ps, HAMD_PROC_CONTROL, IMSG_CTL_LAN_REPLY,
		    imsg->hdr.peerid, -1, &lan, sizeof(lan));
		break;
	}
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
	case IMSG_CTL_RUN:
		tunsel_control(imsg, tp.hub, tp.dev);
		break;
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
	if ((s = getenv("HAMD_TEST_TIME_SCALE")) != NULL && atoi(s) > 1) {
		now_ns_scale((unsigned int)atoi(s));
		log_info("test hook: tun's clock runs %d times fast", atoi(s));
	}
	if ((s = getenv("HAMD_TEST_SEND_COUNTER")) != NULL) {
		tp.dev->send_counter0 = strtoull(s, NULL, 10);
		log_info("test hook: sessions start sending at counter %llu",
		    (unsigned long long)tp.dev->send_counter0);
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
	if ((s = getenv("HAMD_TEST_LAN_ROGUE")) != NULL && *s == '1') {
		tp.lan->rogue = 1;
		tp.l2->rogue = 1;
		log_info("test hook: broadcast sent to every hub peer, "
		    "without our own limit");
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
		NULL, io_out_reserve, io_out_commit, io_tun_write, io_endpoint,
		io_lan_out, io_lan_in, io_frame_in
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
		.routes_offer = tunsel_routes_offer,
		.reply_route = tunsel_reply_route,
		.exit_offer = tunsel_exit_offer,
		.engine_names = tunsel_engine_names,
		.engine_relay = hub_engine_relay,
		.relay_register = hub_relay_register,
		.relay_confirmed = hub_relay_confirmed,
		.engine_paths = hub_engine_paths,
		.peer_lan = hub_peer_lan,
		.guest = {
			.engine_peer_hub = hub_engine_peer_hub,
			.relay_guest_register = hub_relay_guest_register,
			.relay_guest_confirmed = hub_relay_guest_confirmed,
		},
	};

	if (sodium_init() < 0)
		fatalx("libsodium failed to initialise");
	memset(&tp, 0, sizeof(tp));
	tp.ps = ps;
	tunsel_init(ps);
	tp.fd = -1;
	proc_child_setup(ps);
	if ((tp.dev = wg_dev_new(&io, 1420)) == NULL)
		fatalx("cannot allocate the WireGuard device");
	if ((tp.hub = hubclient_new(&hio, tp.dev)) == NULL)
		fatalx("cannot allocate the hub session");
	if ((tp.lan = lanrep_new(tp.dev, HUB_PEER_ID_BASE)) == NULL)
		fatalx("cannot allocate the LAN replication");
	if ((tp.l2 = l2sw_new(tp.dev, HUB_PEER_ID_BASE, tap_write, NULL)) ==
	    NULL)
		fatalx("cannot allocate the Ethernet switch");
	tp.tap = -1;
	tun_test_hooks();
	tunwatch_init(ps, tp.dev, tun_web_snapshot);
	pktbatch_init(&tp.out, &ps->iev[HAMD_PROC_ENGINE].ibuf, IMSG_PKT_OUT);
	proc_peers(ps, tun_peers, nitems(tun_peers));
	tp.ev_tick = event_new(ps->base, -1, EV_PERSIST, tun_tick, NULL);
	if (tp.ev_tick == NULL || event_add(tp.ev_tick, &tick) == -1)
		fatalx("cannot start the timer");
	proc_child_loop(ps, &policy_tun);
}
