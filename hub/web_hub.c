/*
 * hamhubd's web child: Prometheus metrics and the read-only console,
 * from the authority's snapshot (once a second) and its events (as they
 * happen).  It knows public facts only: keys, nicknames, addresses,
 * counters.  See privsep/web.h.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/compat.h"
#include "hub/hubd_msg.h"
#include "hub/web_console.h"
#include "hub/webstate.h"
#include "privsep/log.h"
#include "privsep/proc.h"
#include "privsep/web.h"

static void
gauge(struct evbuffer *b, const char *name, const char *help, uint64_t v)
{
	prom_family(b, name, "gauge", help);
	prom_u64(b, name, v, NULL);
}

static void
counter(struct evbuffer *b, const char *name, const char *help, uint64_t v)
{
	prom_family(b, name, "counter", help);
	prom_u64(b, name, v, NULL);
}

static int
build_metrics(struct evbuffer *b, const char *query)
{
	const struct ctl_hubd_status	*s = &hw.cur->status;
	const struct hubd_engine_stats	*e = &s->engine;
	const char			*lab[2];
	char				 l[64];
	uint32_t			 i;
	int				 k;

	gauge(b, "hamhubd_up", "1 while hamhubd serves metrics", 1);
	prom_family(b, "hamhubd_events_total", "counter", "Events since "
	    "start, by kind (as hamctl monitor shows them)");
	for (k = EV_LOGIN; k < EV_KIND_MAX; k++) {
		(void)snprintf(l, sizeof(l), "kind=%s", ctl_event_str(k));
		lab[0] = l;
		lab[1] = NULL;
		prom_u64(b, "hamhubd_events_total", hw.counts[k], lab);
	}
	counter(b, "hamhubd_logins_total", "Logins accepted since start",
	    hw.counts[EV_LOGIN]);
	prom_family(b, "hamhubd_refusals_total", "counter", "Logins and "
	    "joins refused since start, by reason");
	for (i = 0; i < HUBWEB_REFUSALS; i++) {
		(void)snprintf(l, sizeof(l), "reason=%s", hubweb_refusals[i]);
		lab[0] = l;
		lab[1] = NULL;
		prom_u64(b, "hamhubd_refusals_total", hw.refused_by[i], lab);
	}
	web_metrics_self(b, "hamhubd");
	if (!hw.have)
		return 0;
	gauge(b, "hamhubd_uptime_seconds", "Seconds since hamhubd started",
	    (uint64_t)s->uptime);
	prom_family(b, "hamhubd_process_up", "gauge", "1 for each running "
	    "process of hamhubd (a dead one ends hamhubd)");
	for (i = 0; i < s->nprocs; i++) {
		(void)snprintf(l, sizeof(l), "process=%.*s", CTL_PROC_NAME,
		    s->procs[i].name);
		lab[0] = l;
		lab[1] = NULL;
		prom_u64(b, "hamhubd_process_up", s->procs[i].pid > 0, lab);
	}
	gauge(b, "hamhubd_nodes", "Nodes the hub knows", s->nodes);
	gauge(b, "hamhubd_nodes_online", "Nodes logged in now", s->online);
	gauge(b, "hamhubd_networks", "Networks", s->networks);
	gauge(b, "hamhubd_blocks", "Address ranges refused", s->blocks);
	gauge(b, "hamhubd_connections", "Node connections open", e->open);
	counter(b, "hamhubd_connections_accepted_total", "Node connections "
	    "accepted", e->accepted);
	counter(b, "hamhubd_connections_refused_total", "Node connections "
	    "refused over the connection limits", e->refused);
	counter(b, "hamhubd_connections_idle_closed_total", "Connections "
	    "closed for sending nothing in time", e->closed_idle);
	counter(b, "hamhubd_frames_bad_total", "Frames of zero or oversized "
	    "length", e->bad_frames);
	counter(b, "hamhubd_receive_bytes_total", "Bytes of node "
	    "connections read", e->rx_bytes);
	counter(b, "hamhubd_transmit_bytes_total", "Bytes of node "
	    "connections written", e->tx_bytes);
	counter(b, "hamhubd_discovery_probes_total", "NAT discovery probes "
	    "answered", e->nat_probes);
	counter(b, "hamhubd_discovery_dropped_total", "NAT discovery probes "
	    "dropped (malformed or over the rate)", e->nat_dropped);
	counter(b, "hamhubd_relay_packets_total", "Packets relayed between "
	    "nodes", e->relay_packets);
	counter(b, "hamhubd_relay_bytes_total", "Bytes relayed between nodes",
	    e->relay_bytes);
	counter(b, "hamhubd_relay_denied_total", "Relay packets to a node "
	    "sharing no network", e->relay_denied);
	counter(b, "hamhubd_relay_unknown_total", "Relay packets from no "
	    "logged-in node", e->relay_unknown);
	counter(b, "hamhubd_relay_bad_total", "Malformed relay traffic",
	    e->relay_bad);
	gauge(b, "hamhubd_relay_sessions", "Relay sessions", e->relay_sessions);
	prom_family(b, "hamhubd_db_snapshot_seconds", "gauge", "Time the "
	    "last snapshot's database queries took (status, nodes, "
	    "networks, members)");
	prom_sample(b, "hamhubd_db_snapshot_seconds",
	    (double)hw.cur->end.db_us / 1e6, NULL);
	return 0;
}

static const struct web_route hubd_routes[] = {
	{ "/", "text/html; charset=utf-8", console_page },
	{ "/console.css", "text/css; charset=utf-8", console_css },
	{ "/console.js", "text/javascript; charset=utf-8", console_js },
	{ "/state.json", "application/json", console_state },
	{ "/metrics", "text/plain; version=0.0.4; charset=utf-8",
	    build_metrics },
};

static const struct proc_peer hubd_web_peers[] = {
	{ HUBD_PROC_AUTHORITY, hubweb_dispatch },
};

/*
 * Test hook: what a compromised web child would ask for (web.h): a
 * reload, and a block of every IPv4 address, which would log off every
 * node if the authority ever took it.
 */
static const struct ctl_cidr forge_all = {
	.prefix = { .af = AF_INET, .plen = 0 }
};
static const struct web_forge hubd_forge[] = {
	{ PROC_PARENT, IMSG_CTL_RELOAD, 0, NULL },
	{ HUBD_PROC_AUTHORITY, IMSG_CTL_HUBD_BLOCK, sizeof(struct ctl_cidr),
	    &forge_all },
};

static const struct web_program hubd_web = {
	.routes = hubd_routes,
	.nroutes = nitems(hubd_routes),
	.listener = IMSG_HUBD_WEB_LISTENER,
	.peers = hubd_web_peers,
	.npeers = nitems(hubd_web_peers),
	.metric_prefix = "hamhubd",
	.forge = hubd_forge,
	.nforge = nitems(hubd_forge),
};

void
hubweb_run(struct privsep *ps)
{
	if ((hw.cur = calloc(1, sizeof(*hw.cur))) == NULL ||
	    (hw.next = calloc(1, sizeof(*hw.next))) == NULL)
		fatal("%s: calloc", __func__);
	web_main(ps, &hubd_web);
}
