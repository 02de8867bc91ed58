/*
 * hamd's web child: Prometheus metrics from the snapshots the parent,
 * the engine and tun send it each second, and counts of the events tun
 * sends as they happen.  It holds the node's public facts only: peer
 * names, public keys, counters.  See privsep/web.h.
 */
#include "autoconf.h"

#include <event2/buffer.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/compat.h"
#include "crypto/wg_result.h"
#include "daemon/hamd_msg.h"
#include "privsep/log.h"
#include "privsep/proc.h"
#include "privsep/web.h"

#define WEB_PEERS_MAX	4096

static struct {
	struct ctl_status	 status;
	int			 have_status;
	struct engine_stats	 engine;
	struct ctl_peer		*peers, *building;
	uint32_t		 npeers, nbuilding;
	struct ctl_peers_end	 end;
	uint64_t		 events[EV_KIND_MAX];
	uint64_t		 drops_seen[WG_RESULT_MAX];
} wn;

static void
web_dispatch_parent(struct privsep *ps, int from, struct imsg *imsg)
{
	switch (imsg->hdr.type) {
	case IMSG_WEB_STATUS:
		(void)imsg_get_data(imsg, &wn.status, sizeof(wn.status));
		wn.status.pubkey[sizeof(wn.status.pubkey) - 1] = '\0';
		if (wn.status.nprocs > PROC_MAX)
			fatalx("parent sent %u processes", wn.status.nprocs);
		wn.have_status = 1;
		break;
	default:
		fatalx("%s: unexpected message %s", __func__,
		    proc_msg_name(ps, imsg->hdr.type));
	}
}

static void
web_dispatch_engine(struct privsep *ps, int from, struct imsg *imsg)
{
	(void)imsg_get_data(imsg, &wn.engine, sizeof(wn.engine));
}

static void
web_dispatch_tun(struct privsep *ps, int from, struct imsg *imsg)
{
	struct ctl_event	 ev;
	struct ctl_peer		*p;

	switch (imsg->hdr.type) {
	case IMSG_WEB_PEER:
		if (wn.nbuilding == WEB_PEERS_MAX)
			fatalx("tun sent more than %d peers", WEB_PEERS_MAX);
		p = &wn.building[wn.nbuilding++];
		(void)imsg_get_data(imsg, p, sizeof(*p));
		p->name[sizeof(p->name) - 1] = '\0';
		p->pubkey[sizeof(p->pubkey) - 1] = '\0';
		break;
	case IMSG_WEB_PEERS_END: {
		struct ctl_peer	*t;

		(void)imsg_get_data(imsg, &wn.end, sizeof(wn.end));
		t = wn.peers;
		wn.peers = wn.building;
		wn.npeers = wn.nbuilding;
		wn.building = t;
		wn.nbuilding = 0;
		break;
	}
	case IMSG_CTL_EVENT:
		(void)imsg_get_data(imsg, &ev, sizeof(ev));
		if (ev.kind < EV_KIND_MAX)
			wn.events[ev.kind]++;
		break;
	default:
		fatalx("%s: unexpected message %s", __func__,
		    proc_msg_name(ps, imsg->hdr.type));
	}
}

/* A counter family with one sample per peer. */
static void
peer_family(struct evbuffer *b, const char *name, const char *type,
    const char *help, size_t off)
{
	const char	*lab[3];
	char		 ln[CTL_NAME_MAX + 8], lk[KEY_B64_LEN + 8];
	uint32_t	 i;

	prom_family(b, name, type, help);
	for (i = 0; i < wn.npeers; i++) {
		const struct ctl_peer	*p = &wn.peers[i];
		uint64_t		 v;

		memcpy(&v, (const uint8_t *)p + off, sizeof(v));
		(void)snprintf(ln, sizeof(ln), "peer=%s", p->name);
		(void)snprintf(lk, sizeof(lk), "key=%s", p->pubkey);
		lab[0] = ln;
		lab[1] = lk;
		lab[2] = NULL;
		prom_u64(b, name, v, lab);
	}
}

#define PEER_U64(b, n, t, h, f) \
	peer_family(b, n, t, h, offsetof(struct ctl_peer, f))

static void
metrics_peers(struct evbuffer *b)
{
	const char	*lab[5];
	char		 ln[CTL_NAME_MAX + 8], lk[KEY_B64_LEN + 8], lx[48];
	uint32_t	 i, up = 0;
	int		 r;

	for (i = 0; i < wn.npeers; i++)
		up += wn.peers[i].session != 0;
	prom_family(b, "hamd_peers", "gauge", "Peers configured or "
	    "announced by the hub");
	prom_u64(b, "hamd_peers", wn.npeers, NULL);
	prom_family(b, "hamd_peers_up", "gauge", "Peers with a usable "
	    "session");
	prom_u64(b, "hamd_peers_up", up, NULL);
	PEER_U64(b, "hamd_peer_receive_bytes_total", "counter",
	    "Bytes of plaintext received from the peer", rx_bytes);
	PEER_U64(b, "hamd_peer_transmit_bytes_total", "counter",
	    "Bytes of plaintext sent to the peer", tx_bytes);
	PEER_U64(b, "hamd_peer_receive_packets_total", "counter",
	    "Packets received from the peer", rx_packets);
	PEER_U64(b, "hamd_peer_transmit_packets_total", "counter",
	    "Packets sent to the peer", tx_packets);
	PEER_U64(b, "hamd_peer_handshakes_total", "counter",
	    "Handshakes completed with the peer", handshakes);
	prom_family(b, "hamd_peer_up", "gauge", "1 if the peer has a usable "
	    "session");
	prom_family(b, "hamd_peer_last_handshake_timestamp_seconds", "gauge",
	    "Unix time of the last handshake, 0 for never");
	prom_family(b, "hamd_peer_rtt_seconds", "gauge", "Round trip of the "
	    "last handshake");
	prom_family(b, "hamd_peer_path", "gauge", "1 for the path the "
	    "peer's packets take (lan, direct, relay-udp, relay-tcp, none)");
	prom_family(b, "hamd_peer_drops_total", "counter", "Packets from the "
	    "peer dropped, by reason");
	for (i = 0; i < wn.npeers; i++) {
		const struct ctl_peer	*p = &wn.peers[i];

		(void)snprintf(ln, sizeof(ln), "peer=%s", p->name);
		(void)snprintf(lk, sizeof(lk), "key=%s", p->pubkey);
		lab[0] = ln;
		lab[1] = lk;
		lab[2] = NULL;
		prom_u64(b, "hamd_peer_up", p->session != 0, lab);
		prom_u64(b, "hamd_peer_last_handshake_timestamp_seconds",
		    (uint64_t)(p->last_handshake > 0 ? p->last_handshake : 0),
		    lab);
		prom_sample(b, "hamd_peer_rtt_seconds", p->rtt_us / 1e6, lab);
		(void)snprintf(lx, sizeof(lx), "path=%s",
		    path_kind_str(p->path));
		lab[2] = lx;
		lab[3] = NULL;
		prom_u64(b, "hamd_peer_path", 1, lab);
		for (r = 1; r < WG_RESULT_MAX; r++) {
			(void)snprintf(lx, sizeof(lx), "reason=%s",
			    wg_result_str(r));
			prom_u64(b, "hamd_peer_drops_total", p->drops[r], lab);
		}
	}
	prom_family(b, "hamd_drops_total", "counter", "Packets dropped "
	    "that no peer can be blamed for, by reason");
	for (r = 1; r < WG_RESULT_MAX; r++) {
		(void)snprintf(lx, sizeof(lx), "reason=%s", wg_result_str(r));
		lab[0] = lx;
		lab[1] = NULL;
		prom_u64(b, "hamd_drops_total", wn.end.drops[r], lab);
	}
	prom_family(b, "hamd_handshakes_unknown_peer_total", "counter",
	    "Handshake initiations from keys we do not know");
	prom_u64(b, "hamd_handshakes_unknown_peer_total", wn.end.unknown_peer,
	    NULL);
	prom_family(b, "hamd_cookies_sent_total", "counter", "Cookie replies "
	    "sent under load");
	prom_u64(b, "hamd_cookies_sent_total", wn.end.cookies_sent, NULL);
	prom_family(b, "hamd_handshakes_ratelimited_total", "counter",
	    "Handshakes refused over a source's share");
	prom_u64(b, "hamd_handshakes_ratelimited_total", wn.end.ratelimited,
	    NULL);
}

static void
engine_counter(struct evbuffer *b, const char *name, const char *help,
    uint64_t v)
{
	prom_family(b, name, "counter", help);
	prom_u64(b, name, v, NULL);
}

/* A counter by direction and reason, read from a struct at each offset. */
struct drop_field {
	const char	*dir, *reason;
	size_t		 off;
};

static void
metrics_drops(struct evbuffer *b, const char *name, const char *help,
    const void *base, const struct drop_field *f, size_t n)
{
	const char	*lab[3];
	char		 ld[32], lr[32];
	uint64_t	 v;
	size_t		 i;

	prom_family(b, name, "counter", help);
	for (i = 0; i < n; i++) {
		memcpy(&v, (const uint8_t *)base + f[i].off, sizeof(v));
		(void)snprintf(ld, sizeof(ld), "direction=%s", f[i].dir);
		(void)snprintf(lr, sizeof(lr), "reason=%s", f[i].reason);
		lab[0] = ld;
		lab[1] = lr;
		lab[2] = NULL;
		prom_u64(b, name, v, lab);
	}
}

/* Ethernet networks: tun's switch. */
static void
metrics_l2(struct evbuffer *b, const struct ctl_l2 *l)
{
	static const struct drop_field drops[] = {
		{ "transmit", "rate", offsetof(struct ctl_l2, tx_rate) },
		{ "transmit", "source", offsetof(struct ctl_l2, tx_source) },
		{ "transmit", "unknown", offsetof(struct ctl_l2, tx_unknown) },
		{ "transmit", "oversize", offsetof(struct ctl_l2, tx_oversize) },
		{ "receive", "off", offsetof(struct ctl_l2, rx_off) },
		{ "receive", "source", offsetof(struct ctl_l2, rx_source) },
		{ "receive", "dest", offsetof(struct ctl_l2, rx_dest) },
		{ "receive", "rate", offsetof(struct ctl_l2, rx_rate) },
		{ "receive", "malformed", offsetof(struct ctl_l2, rx_malformed) },
	};

	prom_family(b, "hamd_ethernet_peers", "gauge", "Peers Ethernet "
	    "frames flow with");
	prom_u64(b, "hamd_ethernet_peers", l->ports, NULL);
	engine_counter(b, "hamd_ethernet_transmit_frames_total", "Frames "
	    "from the TAP device sent to peers, each counted once",
	    l->tx_frames);
	engine_counter(b, "hamd_ethernet_receive_frames_total", "Frames "
	    "from peers written to the TAP device", l->rx_frames);
	metrics_drops(b, "hamd_ethernet_dropped_total", "Frames not sent or "
	    "refused, by direction and reason", l, drops, nitems(drops));
}

/* Broadcast and multicast among members: tun's totals. */
static void
metrics_lan(struct evbuffer *b)
{
	const struct ctl_lan	*l = &wn.end.lan;
	static const struct drop_field drops[] = {
		{ "transmit", "rate", offsetof(struct ctl_lan, tx_rate) },
		{ "transmit", "no_peer", offsetof(struct ctl_lan, tx_no_peer) },
		{ "transmit", "control", offsetof(struct ctl_lan, tx_control) },
		{ "transmit", "other", offsetof(struct ctl_lan, tx_other) },
		{ "receive", "off", offsetof(struct ctl_lan, rx_off) },
		{ "receive", "rate", offsetof(struct ctl_lan, rx_rate) },
		{ "receive", "control", offsetof(struct ctl_lan, rx_control) },
	};

	prom_family(b, "hamd_lan_peers", "gauge", "Peers broadcast and "
	    "multicast flow with");
	prom_u64(b, "hamd_lan_peers", l->peers, NULL);
	engine_counter(b, "hamd_lan_transmit_packets_total", "Broadcast and "
	    "multicast packets sent to the peers, each counted once",
	    l->tx_packets);
	engine_counter(b, "hamd_lan_transmit_copies_total", "Their "
	    "encrypted copies, one per peer", l->tx_copies);
	engine_counter(b, "hamd_lan_receive_packets_total", "Broadcast and "
	    "multicast packets taken from peers", l->rx_packets);
	metrics_drops(b, "hamd_lan_dropped_total", "Broadcast and multicast "
	    "packets not sent or refused, by direction and reason", l, drops,
	    nitems(drops));
	metrics_l2(b, &l->l2);
}

static void
metrics_engine(struct evbuffer *b)
{
	const struct engine_stats	*e = &wn.engine;

	engine_counter(b, "hamd_engine_receive_datagrams_total",
	    "UDP datagrams the engine read", e->rx_datagrams);
	engine_counter(b, "hamd_engine_receive_bytes_total",
	    "Bytes of UDP the engine read", e->rx_bytes);
	engine_counter(b, "hamd_engine_receive_malformed_total",
	    "Datagrams dropped as not WireGuard", e->rx_malformed);
	engine_counter(b, "hamd_engine_receive_truncated_total",
	    "Datagrams larger than the engine's buffers", e->rx_truncated);
	engine_counter(b, "hamd_engine_receive_errors_total",
	    "Failed receive calls", e->rx_errors);
	engine_counter(b, "hamd_engine_transmit_datagrams_total",
	    "UDP datagrams the engine sent", e->tx_datagrams);
	engine_counter(b, "hamd_engine_transmit_bytes_total",
	    "Bytes of UDP the engine sent", e->tx_bytes);
	engine_counter(b, "hamd_engine_transmit_errors_total",
	    "Datagrams the kernel refused", e->tx_errors);
	engine_counter(b, "hamd_engine_transmit_dropped_total",
	    "Datagrams dropped on a full socket buffer", e->tx_dropped);
	engine_counter(b, "hamd_engine_nat_answers_total",
	    "NAT discovery answers taken", e->nat_answers);
	engine_counter(b, "hamd_engine_relay_transmit_packets_total",
	    "Packets sent through the hub's relay", e->relay_tx);
	engine_counter(b, "hamd_engine_relay_receive_packets_total",
	    "Packets the hub relayed to us", e->relay_rx);
	engine_counter(b, "hamd_engine_relay_bad_total",
	    "Relay datagrams or frames dropped", e->relay_bad);
	engine_counter(b, "hamd_engine_probes_total",
	    "Probe copies sent to candidates", e->probes);
	engine_counter(b, "hamd_engine_path_changes_total",
	    "Path changes of hub peers", e->path_changes);
	engine_counter(b, "hamd_engine_dns_queries_total",
	    "Queries the member-name responder read", e->dns_queries);
	engine_counter(b, "hamd_engine_dns_answers_total",
	    "Answers the member-name responder sent", e->dns_answers);
	engine_counter(b, "hamd_engine_dns_dropped_total",
	    "Queries dropped unanswered: malformed or over the rate",
	    e->dns_dropped);
}

static void
metrics_status(struct evbuffer *b)
{
	const struct ctl_status	*s = &wn.status;
	const char		*lab[3];
	char			 l1[48], l2[48];
	uint32_t		 i;
	int			 k;

	prom_family(b, "hamd_up", "gauge", "1 while hamd serves metrics");
	prom_u64(b, "hamd_up", 1, NULL);
	if (!wn.have_status)
		return;
	prom_family(b, "hamd_uptime_seconds", "gauge", "Seconds since hamd "
	    "started");
	prom_u64(b, "hamd_uptime_seconds", (uint64_t)s->uptime, NULL);
	prom_family(b, "hamd_process_up", "gauge", "1 for each running "
	    "process of hamd (a dead one ends hamd)");
	for (i = 0; i < s->nprocs; i++) {
		(void)snprintf(l1, sizeof(l1), "process=%s",
		    s->procs[i].name);
		lab[0] = l1;
		lab[1] = NULL;
		prom_u64(b, "hamd_process_up", s->procs[i].pid > 0, lab);
	}
	prom_family(b, "hamd_hub_online", "gauge", "1 while logged in to the "
	    "hub");
	prom_u64(b, "hamd_hub_online", s->hub_state == HUB_STATE_ONLINE, NULL);
	prom_family(b, "hamd_nat", "gauge", "1 for the NAT behaviour "
	    "discovery found");
	for (k = NAT_UNKNOWN; k < NAT_KIND_MAX; k++) {
		(void)snprintf(l2, sizeof(l2), "kind=%s", nat_kind_str(k));
		lab[0] = l2;
		lab[1] = NULL;
		prom_u64(b, "hamd_nat", s->nat.kind == k, lab);
	}
}

static void
metrics_events(struct evbuffer *b)
{
	const char	*lab[2];
	char		 l[48];
	int		 k;

	prom_family(b, "hamd_events_total", "counter", "Events since start, "
	    "by kind (as hamctl monitor shows them)");
	for (k = EV_PEER_ADD; k <= EV_HUB_OFFLINE; k++) {
		(void)snprintf(l, sizeof(l), "kind=%s", ctl_event_str(k));
		lab[0] = l;
		lab[1] = NULL;
		prom_u64(b, "hamd_events_total", wn.events[k], lab);
	}
}

static int
build_metrics(struct evbuffer *b, const char *query)
{
	metrics_status(b);
	metrics_peers(b);
	metrics_engine(b);
	metrics_lan(b);
	metrics_events(b);
	web_metrics_self(b, "hamd");
	return 0;
}

static int
build_index(struct evbuffer *b, const char *query)
{
	evbuffer_add_printf(b, "<!doctype html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><title>hamd</title></head><body>"
	    "<h1>hamd</h1><p><a href=\"/metrics\">metrics</a></p>"
	    "</body></html>\n");
	return 0;
}

static const struct web_route hamd_routes[] = {
	{ "/", "text/html; charset=utf-8", build_index },
	{ "/metrics", "text/plain; version=0.0.4; charset=utf-8",
	    build_metrics },
};

static const struct proc_peer hamd_web_peers[] = {
	{ PROC_PARENT, web_dispatch_parent },
	{ HAMD_PROC_ENGINE, web_dispatch_engine },
	{ HAMD_PROC_TUN, web_dispatch_tun },
};

/* Test hook: what a compromised web child would ask for (web.h). */
static const struct web_forge hamd_forge[] = {
	{ PROC_PARENT, IMSG_CTL_RELOAD, 0, NULL },
	{ HAMD_PROC_TUN, IMSG_CTL_HUB_REQ, sizeof(struct hub_request), NULL },
};

static const struct web_program hamd_web = {
	.routes = hamd_routes,
	.nroutes = nitems(hamd_routes),
	.listener = IMSG_WEB_LISTENER,
	.peers = hamd_web_peers,
	.npeers = nitems(hamd_web_peers),
	.metric_prefix = "hamd",
	.forge = hamd_forge,
	.nforge = nitems(hamd_forge),
};

void
web_run(struct privsep *ps)
{
	if ((wn.peers = calloc(WEB_PEERS_MAX, sizeof(*wn.peers))) == NULL ||
	    (wn.building = calloc(WEB_PEERS_MAX, sizeof(*wn.building))) ==
	    NULL)
		fatal("%s: calloc", __func__);
	web_main(ps, &hamd_web);
}
