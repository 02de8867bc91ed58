/*
 * The node's own commands: status, peers, reload, log, and the key
 * helpers genkey and pubkey, which need no daemon.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <arpa/inet.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/key.h"
#include "ctl/ctl_lan.h"
#include "ctl/ctl_monitor.h"
#include "ctl/ctl_output.h"
#include "ctl/ctlmsg.h"
#include "ctl/ctl_cmd.h"
#include "ctl/ctl_conn.h"
#include "ipc/imsg.h"

static int	cmd_status(struct ctl_ctx *, const struct command *, int,
	    char **);
static int	cmd_reload(struct ctl_ctx *, const struct command *, int,
	    char **);
static int	cmd_log(struct ctl_ctx *, const struct command *, int,
	    char **);
static int	cmd_peers(struct ctl_ctx *, const struct command *, int,
	    char **);
static int	cmd_genkey(struct ctl_ctx *, const struct command *, int,
	    char **);
static int	cmd_pubkey(struct ctl_ctx *, const struct command *, int,
	    char **);
static int	cmd_monitor(struct ctl_ctx *, const struct command *, int,
	    char **);
static int	cmd_netcheck(struct ctl_ctx *, const struct command *, int,
	    char **);

const struct command node_commands[] = {
	{ .name = "status", .args = "",
	    .help = "show version, uptime, node key, hub connection and "
	    "processes", .fn = cmd_status },
	{ .name = "peers", .args = "",
	    .help = "show each peer: key, path (lan, direct, relay-udp, "
	    "relay-tcp) and endpoint, round-trip time, allowed IPs, latest "
	    "handshake, traffic and drops", .fn = cmd_peers },
	{ .name = "monitor", .args = "",
	    .help = "live view of peers, paths, round trips and rates, "
	    "refreshed in place; with -j, events as they happen, one JSON "
	    "object a line", .fn = cmd_monitor },
	{ .name = "netcheck", .args = "",
	    .help = "report the node's connectivity: NAT mapping, public "
	    "endpoint, UDP or TCP only, round trip to the hub, and why each "
	    "relayed peer is relayed", .fn = cmd_netcheck },
	{ .name = "reload", .args = "",
	    .help = "re-read hamd.conf (root or admin group)",
	    .fn = cmd_reload },
	{ .name = "log", .args = "brief|verbose",
	    .help = "set the log level of every hamd process", .fn = cmd_log },
	{ .name = "genkey", .args = "[file]",
	    .help = "write a new private key to file (mode 0600) or standard "
	    "output", .fn = cmd_genkey },
	{ .name = "pubkey", .args = "[file]",
	    .help = "print the public key of a private key read from file or "
	    "standard input", .fn = cmd_pubkey },
};
const size_t node_ncommands = nitems(node_commands);

/* The hub session, as hamd's status reports it. */
struct hub_view {
	const char	*state;
	char		 since[32];	/* local time, "" if unknown */
	char		 v4[64];	/* "" unless online */
	char		 v6[64];
};

static void
hub_view(const struct ctl_status *st, struct hub_view *v)
{
	static const char *const names[HUB_STATE_MAX] = {
		[HUB_STATE_NONE] = "none",
		[HUB_STATE_CONNECTING] = "connecting",
		[HUB_STATE_ONLINE] = "online",
		[HUB_STATE_REFUSED] = "refused",
	};
	const struct hub_login_ok	*a = &st->hub_addr;
	char				 ip[INET6_ADDRSTRLEN];
	time_t				 t = (time_t)st->hub_since;
	struct tm			 tm;

	memset(v, 0, sizeof(*v));
	/* Configured but not reported on yet: on its way. */
	v->state = st->hub[0] == '\0' ? "none" :
	    st->hub_state > HUB_STATE_NONE && st->hub_state < HUB_STATE_MAX ?
	    names[st->hub_state] : "connecting";
	if (st->hub_since > 0 && localtime_r(&t, &tm) != NULL)
		(void)strftime(v->since, sizeof(v->since), "%Y-%m-%d %H:%M:%S",
		    &tm);
	if (st->hub_state != HUB_STATE_ONLINE)
		return;
	if (inet_ntop(AF_INET, a->v4, ip, sizeof(ip)) != NULL)
		(void)snprintf(v->v4, sizeof(v->v4), "%s/%u", ip, a->v4_plen);
	if (a->v6_plen != 0 && inet_ntop(AF_INET6, a->v6, ip, sizeof(ip)))
		(void)snprintf(v->v6, sizeof(v->v6), "%s/%u", ip, a->v6_plen);
}

static void
hub_status_json(struct json *j, const struct ctl_status *st)
{
	struct hub_view	 v;
	char		 seen[64];

	hub_view(st, &v);
	json_object_begin(j, "hub");
	json_string(j, "state", v.state);
	if (st->hub[0] != '\0') {
		json_string(j, "endpoint", st->hub);
		if (st->hub_since > 0)
			json_int(j, "since", st->hub_since);
		if (st->hub_reason[0] != '\0' &&
		    st->hub_state != HUB_STATE_ONLINE)
			json_string(j, "reason", st->hub_reason);
	}
	if (v.v4[0] != '\0')
		json_string(j, "address", v.v4);
	if (v.v6[0] != '\0')
		json_string(j, "address6", v.v6);
	if (st->hub_state == HUB_STATE_ONLINE &&
	    st->hub_addr.observed.af != 0) {
		format_addr(seen, sizeof(seen), &st->hub_addr.observed);
		json_string(j, "seen_from", seen);
	}
	if (st->overlay_warning[0] != '\0')
		json_string(j, "overlay_warning", st->overlay_warning);
	if (st->names[0] != '\0') {
		json_string(j, "names", st->names);
		json_string(j, "resolver", st->resolver);
	}
	json_object_end(j);
}

static void
hub_status_print(const struct ctl_status *st)
{
	struct hub_view	 v;
	char		 seen[64];

	hub_view(st, &v);
	if (st->hub[0] == '\0')
		printf("hub:        none configured\n");
	else if (st->hub_state == HUB_STATE_ONLINE)
		printf("hub:        %s: online%s%s, address %s%s%s\n", st->hub,
		    v.since[0] ? " since " : "", v.since, v.v4,
		    v.v6[0] ? " " : "", v.v6);
	else if (st->hub_state == HUB_STATE_REFUSED)
		printf("hub:        %s: refused: %s\n", st->hub,
		    st->hub_reason[0] ? st->hub_reason : "no reason given");
	else
		printf("hub:        %s: connecting%s%s%s\n", st->hub,
		    st->hub_reason[0] ? " (" : "", st->hub_reason,
		    st->hub_reason[0] ? ")" : "");
	if (st->hub_state == HUB_STATE_ONLINE &&
	    st->hub_addr.observed.af != 0) {
		format_addr(seen, sizeof(seen), &st->hub_addr.observed);
		printf("seen from:  %s (the hub's view of this node)\n", seen);
	}
	if (st->overlay_warning[0] != '\0')
		printf("warning:    %s\n", st->overlay_warning);
	if (st->names[0] != '\0')
		printf("names:      *.%s; %s\n", st->names, st->resolver);
}

static int
nat_has_eps(const struct nat_state_msg *n)
{
	return n->kind == NAT_NONE || n->kind == NAT_INDEPENDENT ||
	    n->kind == NAT_DEPENDENT;
}

static void
nat_status_json(struct json *j, const struct nat_state_msg *n)
{
	char	 ep[64];

	json_object_begin(j, "nat");
	json_string(j, "kind", nat_kind_str(n->kind));
	if (nat_has_eps(n)) {
		format_addr(ep, sizeof(ep), &n->public_ep);
		json_string(j, "public_endpoint", ep);
		format_addr(ep, sizeof(ep), &n->second_ep);
		json_string(j, "second_endpoint", ep);
	}
	json_object_end(j);
}

static void
nat_status_print(const struct nat_state_msg *n)
{
	char	 a[64], b[64];

	format_addr(a, sizeof(a), &n->public_ep);
	format_addr(b, sizeof(b), &n->second_ep);
	switch (n->kind) {
	case NAT_NONE:
		printf("nat:        no NAT, public endpoint %s\n", a);
		break;
	case NAT_INDEPENDENT:
		printf("nat:        endpoint-independent mapping, public "
		    "endpoint %s\n", a);
		break;
	case NAT_DEPENDENT:
		printf("nat:        endpoint-dependent mapping (symmetric "
		    "NAT): the hub saw %s and %s\n", a, b);
		break;
	case NAT_NO_ANSWER:
		printf("nat:        no answer from the hub's UDP ports (UDP "
		    "blocked?)\n");
		break;
	default:
		printf("nat:        not probed yet\n");
		break;
	}
}

static int
cmd_status(struct ctl_ctx *ctx, const struct command *cmd, int argc,
    char **argv)
{
	struct ctl_status	 st;
	struct ctl_result	 res;
	struct ctl_lan		 lan;
	char			 up[64];
	uint32_t		 i;
	int			 t;

	if (argc != 1) {
		fprintf(stderr, "usage: hamctl status\n");
		return 1;
	}
	t = ctl_call(ctx, IMSG_CTL_STATUS, NULL, 0, IMSG_CTL_STATUS_REPLY,
	    &st, sizeof(st), &res);
	if (t == -1)
		return 1;
	if (t == IMSG_CTL_RESULT) {
		/* Only a refusal comes back as a result here. */
		(void)print_result(ctx, &res);
		return 1;
	}
	st.version[sizeof(st.version) - 1] = '\0';
	st.pubkey[sizeof(st.pubkey) - 1] = '\0';
	if (st.nprocs > PROC_MAX)
		st.nprocs = PROC_MAX;
	for (i = 0; i < st.nprocs; i++)
		st.procs[i].name[sizeof(st.procs[i].name) - 1] = '\0';
	st.hub[sizeof(st.hub) - 1] = '\0';
	st.hub_reason[sizeof(st.hub_reason) - 1] = '\0';
	st.overlay_warning[sizeof(st.overlay_warning) - 1] = '\0';
	st.names[sizeof(st.names) - 1] = '\0';
	st.resolver[sizeof(st.resolver) - 1] = '\0';
	/* tun's side: broadcast and multicast among members. */
	if (lan_fetch(ctx, &lan) == -1)
		return 1;

	if (ctx->json) {
		struct json j;

		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_string(&j, "version", st.version);
		json_int(&j, "uptime", st.uptime);
		json_string(&j, "public_key", st.pubkey);
		json_string(&j, "log", st.verbose ? "verbose" : "brief");
		hub_status_json(&j, &st);
		nat_status_json(&j, &st.nat);
		lan_json(&j, &lan);
		json_array_begin(&j, "processes");
		for (i = 0; i < st.nprocs; i++) {
			json_object_begin(&j, NULL);
			json_string(&j, "name", st.procs[i].name);
			json_int(&j, "pid", st.procs[i].pid);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_object_end(&j);
		json_end(&j);
		return 0;
	}
	format_uptime(up, sizeof(up), st.uptime);
	printf("hamd %s, up %s\n", st.version, up);
	printf("public key: %s\n", st.pubkey[0] ? st.pubkey : "(loading)");
	printf("log level:  %s\n", st.verbose ? "verbose" : "brief");
	hub_status_print(&st);
	nat_status_print(&st.nat);
	lan_print(&lan);
	printf("processes:\n");
	for (i = 0; i < st.nprocs; i++)
		printf("  %-8s %d\n", st.procs[i].name, st.procs[i].pid);
	return 0;
}

/* The drop reasons hamctl shows, in this order. */
static const int drop_reasons[] = {
	WG_DROP_BAD_MAC, WG_DROP_REPLAY, WG_DROP_ALLOWED_IPS,
	WG_DROP_UNKNOWN_INDEX, WG_DROP_MALFORMED, WG_DROP_COUNTER_LIMIT,
	WG_DROP_BAD_KEY, WG_DROP_STATE, WG_DROP_LAN_OFF, WG_DROP_LAN_RATE,
	WG_DROP_LAN_CONTROL, WG_DROP_L2_OFF, WG_DROP_L2_SOURCE, WG_DROP_L2_DEST,
};
#define NDROP_REASONS	nitems(drop_reasons)

static void
peer_json(struct json *j, const struct ctl_peer *p)
{
	char	 buf[128];
	size_t	 i;

	json_object_begin(j, NULL);
	json_string(j, "name", p->name);
	json_string(j, "public_key", p->pubkey);
	json_bool(j, "preshared_key", p->has_psk);
	json_bool(j, "session", p->session);
	if (p->endpoint.af != 0) {
		format_addr(buf, sizeof(buf), &p->endpoint);
		json_string(j, "endpoint", buf);
	}
	json_string(j, "path", p->path > PATH_NONE && p->path < PATH_KIND_MAX ?
	    path_kind_str(p->path) : "none");
	if (p->rtt_us != 0)
		json_fixed(j, "rtt_ms", p->rtt_us / 1000.0, 3);
	else
		json_null(j, "rtt_ms");
	json_int(j, "path_since", p->path_since);
	json_array_begin(j, "allowed_ips");
	for (i = 0; i < p->nallowed && i < CTL_MAX_ALLOWED; i++) {
		format_prefix(buf, sizeof(buf), &p->allowed[i]);
		json_string(j, NULL, buf);
	}
	json_array_end(j);
	json_int(j, "latest_handshake", p->last_handshake);
	json_int(j, "handshakes", (int64_t)p->handshakes);
	json_int(j, "rx_bytes", (int64_t)p->rx_bytes);
	json_int(j, "tx_bytes", (int64_t)p->tx_bytes);
	json_int(j, "rx_packets", (int64_t)p->rx_packets);
	json_int(j, "tx_packets", (int64_t)p->tx_packets);
	/* per second over the last RATE_WINDOW seconds */
	json_int(j, "rx_bytes_per_second", (int64_t)p->ext.rate.rx_bytes);
	json_int(j, "tx_bytes_per_second", (int64_t)p->ext.rate.tx_bytes);
	json_int(j, "rx_packets_per_second", (int64_t)p->ext.rate.rx_packets);
	json_int(j, "tx_packets_per_second", (int64_t)p->ext.rate.tx_packets);
	json_int(j, "persistent_keepalive", p->keepalive);
	json_object_begin(j, "drops");
	for (i = 0; i < NDROP_REASONS; i++)
		json_int(j, wg_result_str(drop_reasons[i]),
		    (int64_t)p->drops[drop_reasons[i]]);
	json_object_end(j);
	lan_peer_json(j, &p->lan);
	json_object_end(j);
}

static void
peer_print(const struct ctl_peer *p, time_t now)
{
	char	 buf[128], rx[32], tx[32];
	size_t	 i;

	printf("peer %s\n", p->name);
	printf("  public key:      %s%s\n", p->pubkey,
	    p->has_psk ? " (with preshared key)" : "");
	if (p->path > PATH_NONE && p->path < PATH_KIND_MAX) {
		if (p->path_since > 0 && now >= p->path_since)
			printf("  path:            %s (since %lld seconds "
			    "ago)\n", path_kind_str(p->path),
			    (long long)(now - p->path_since));
		else
			printf("  path:            %s\n", path_kind_str(p->path));
	} else
		printf("  path:            -\n");
	format_addr(buf, sizeof(buf), &p->endpoint);
	printf("  endpoint:        %s\n", buf);
	if (p->rtt_us != 0)
		printf("  round trip:      %.3f ms (latest handshake)\n",
		    p->rtt_us / 1000.0);
	printf("  allowed ips:     ");
	for (i = 0; i < p->nallowed && i < CTL_MAX_ALLOWED; i++) {
		format_prefix(buf, sizeof(buf), &p->allowed[i]);
		printf("%s%s", i > 0 ? ", " : "", buf);
	}
	printf("%s\n", p->nallowed == 0 ? "(none)" : "");
	if (p->last_handshake == 0)
		printf("  latest handshake: never\n");
	else
		printf("  latest handshake: %lld seconds ago%s\n",
		    (long long)(now - p->last_handshake),
		    p->session ? "" : " (session expired)");
	format_bytes(rx, sizeof(rx), p->rx_bytes);
	format_bytes(tx, sizeof(tx), p->tx_bytes);
	printf("  transfer:        %s received, %s sent (%llu / %llu "
	    "packets)\n", rx, tx, (unsigned long long)p->rx_packets,
	    (unsigned long long)p->tx_packets);
	format_rate(rx, sizeof(rx), p->ext.rate.rx_bytes);
	format_rate(tx, sizeof(tx), p->ext.rate.tx_bytes);
	printf("  rate:            %s received, %s sent (%llu / %llu "
	    "packets/s, last %d s)\n", rx, tx,
	    (unsigned long long)p->ext.rate.rx_packets,
	    (unsigned long long)p->ext.rate.tx_packets, RATE_WINDOW);
	if (p->keepalive)
		printf("  keepalive:       every %u seconds\n", p->keepalive);
	lan_peer_print(&p->lan);
	printf("  dropped:        ");
	for (i = 0; i < NDROP_REASONS; i++)
		printf(" %s %llu%s", wg_result_str(drop_reasons[i]),
		    (unsigned long long)p->drops[drop_reasons[i]],
		    i + 1 < NDROP_REASONS ? "," : "\n");
}

static int
cmd_peers(struct ctl_ctx *ctx, const struct command *cmd, int argc,
    char **argv)
{
	struct imsg		 imsg;
	struct ctl_peer		 p;
	struct ctl_peers_end	 end;
	struct engine_stats	 es;
	struct ctl_result	 res;
	struct json		 j;
	size_t			 i;
	int			 n = 0;

	if (argc != 1) {
		fprintf(stderr, "usage: hamctl peers\n");
		return 1;
	}
	if (ctl_send(ctx, IMSG_CTL_PEERS, NULL, 0) == -1)
		return 1;
	if (ctx->json) {
		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_array_begin(&j, "peers");
	}
	for (;;) {
		if (ctl_next(ctx, &imsg) == -1)
			return 1;
		if (imsg.hdr.type == IMSG_CTL_PEER &&
		    imsg_get_data(&imsg, &p, sizeof(p)) == 0) {
			imsg_free(&imsg);
			p.name[sizeof(p.name) - 1] = '\0';
			p.pubkey[sizeof(p.pubkey) - 1] = '\0';
			if (ctx->json)
				peer_json(&j, &p);
			else {
				if (n > 0)
					printf("\n");
				peer_print(&p, time(NULL));
			}
			n++;
			continue;
		}
		if (imsg.hdr.type == IMSG_CTL_PEERS_END &&
		    imsg_get_data(&imsg, &end, sizeof(end)) == 0) {
			imsg_free(&imsg);
			break;
		}
		if (imsg.hdr.type == IMSG_CTL_RESULT &&
		    imsg_get_data(&imsg, &res, sizeof(res)) == 0) {
			imsg_free(&imsg);
			ctl_disconnect(ctx);
			res.msg[sizeof(res.msg) - 1] = '\0';
			fprintf(stderr, "hamctl: %s\n", res.msg);
			return 1;
		}
		fprintf(stderr, "hamctl: unexpected reply %u from hamd\n",
		    imsg.hdr.type);
		imsg_free(&imsg);
		ctl_disconnect(ctx);
		return 1;
	}
	ctl_disconnect(ctx);
	/* The engine's side: what never reached tun. */
	if (ctl_call(ctx, IMSG_CTL_ENGINE, NULL, 0, IMSG_CTL_ENGINE_REPLY, &es,
	    sizeof(es), &res) != IMSG_CTL_ENGINE_REPLY)
		return 1;
	if (ctx->json) {
		json_array_end(&j);
		json_object_begin(&j, "engine");
		json_int(&j, "rx_datagrams", (int64_t)es.rx_datagrams);
		json_int(&j, "rx_bytes", (int64_t)es.rx_bytes);
		json_int(&j, "rx_malformed", (int64_t)es.rx_malformed);
		json_int(&j, "rx_truncated", (int64_t)es.rx_truncated);
		json_int(&j, "tx_datagrams", (int64_t)es.tx_datagrams);
		json_int(&j, "tx_bytes", (int64_t)es.tx_bytes);
		json_int(&j, "tx_errors", (int64_t)es.tx_errors);
		json_int(&j, "tx_dropped", (int64_t)es.tx_dropped);
		json_int(&j, "tx_unknown_peer", (int64_t)es.tx_unknown_peer);
		json_int(&j, "tx_gso_trains", (int64_t)es.tx_gso_trains);
		json_int(&j, "rx_gro_trains", (int64_t)es.rx_gro_trains);
		json_int(&j, "nat_answers", (int64_t)es.nat_answers);
		json_int(&j, "nat_bad", (int64_t)es.nat_bad);
		json_int(&j, "relay_tx", (int64_t)es.relay_tx);
		json_int(&j, "relay_rx", (int64_t)es.relay_rx);
		json_int(&j, "relay_bad", (int64_t)es.relay_bad);
		json_int(&j, "probes", (int64_t)es.probes);
		json_int(&j, "path_changes", (int64_t)es.path_changes);
		json_int(&j, "dns_queries", (int64_t)es.dns_queries);
		json_int(&j, "dns_answers", (int64_t)es.dns_answers);
		json_int(&j, "dns_nxdomain", (int64_t)es.dns_nxdomain);
		json_int(&j, "dns_refused", (int64_t)es.dns_refused);
		json_int(&j, "dns_dropped", (int64_t)es.dns_dropped);
		json_object_end(&j);
		json_object_begin(&j, "unattributed_drops");
		for (i = 0; i < NDROP_REASONS; i++)
			json_int(&j, wg_result_str(drop_reasons[i]),
			    (int64_t)end.drops[drop_reasons[i]]);
		json_int(&j, "unknown_peer", (int64_t)end.unknown_peer);
		json_object_end(&j);
		json_int(&j, "cookie_replies_sent", (int64_t)end.cookies_sent);
		json_int(&j, "handshakes_ratelimited",
		    (int64_t)end.ratelimited);
		lan_json(&j, &end.lan);
		json_object_end(&j);
		json_end(&j);
		return 0;
	}
	if (n == 0)
		printf("no peers configured\n");
	printf("%sdropped without a peer:", n > 0 ? "\n" : "");
	for (i = 0; i < NDROP_REASONS; i++)
		printf(" %s %llu,", wg_result_str(drop_reasons[i]),
		    (unsigned long long)end.drops[drop_reasons[i]]);
	printf(" unknown_peer %llu; cookie replies sent %llu; handshakes over "
	    "a source's rate %llu\n", (unsigned long long)end.unknown_peer,
	    (unsigned long long)end.cookies_sent,
	    (unsigned long long)end.ratelimited);
	lan_print(&end.lan);
	printf("engine: %llu datagrams received (%llu malformed, %llu too "
	    "large), %llu sent (%llu refused, %llu dropped); discovery: "
	    "%llu answers, %llu bad; relay: %llu sent, %llu received, %llu "
	    "bad; %llu probes, %llu path changes\n",
	    (unsigned long long)es.rx_datagrams,
	    (unsigned long long)es.rx_malformed,
	    (unsigned long long)es.rx_truncated,
	    (unsigned long long)es.tx_datagrams,
	    (unsigned long long)es.tx_errors,
	    (unsigned long long)es.tx_dropped,
	    (unsigned long long)es.nat_answers,
	    (unsigned long long)es.nat_bad,
	    (unsigned long long)es.relay_tx,
	    (unsigned long long)es.relay_rx,
	    (unsigned long long)es.relay_bad,
	    (unsigned long long)es.probes,
	    (unsigned long long)es.path_changes);
	if (es.dns_queries > 0)
		printf("member names: %llu queries, %llu answered (%llu "
		    "NXDOMAIN, %llu REFUSED), %llu dropped\n",
		    (unsigned long long)es.dns_queries,
		    (unsigned long long)es.dns_answers,
		    (unsigned long long)es.dns_nxdomain,
		    (unsigned long long)es.dns_refused,
		    (unsigned long long)es.dns_dropped);
	return 0;
}

static int
cmd_reload(struct ctl_ctx *ctx, const struct command *cmd, int argc,
    char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "usage: hamctl reload\n");
		return 1;
	}
	return ctl_do(ctx, IMSG_CTL_RELOAD, NULL, 0);
}

static int
cmd_log(struct ctl_ctx *ctx, const struct command *cmd, int argc,
    char **argv)
{
	int32_t			 v;

	if (argc != 2 || (strcmp(argv[1], "brief") != 0 &&
	    strcmp(argv[1], "verbose") != 0)) {
		fprintf(stderr, "usage: hamctl log brief|verbose\n");
		return 1;
	}
	v = strcmp(argv[1], "verbose") == 0;
	return ctl_do(ctx, IMSG_CTL_LOG_VERBOSE, &v, sizeof(v));
}

static int
cmd_genkey(struct ctl_ctx *ctx, const struct command *cmd, int argc,
    char **argv)
{
	uint8_t	 priv[KEY_LEN];
	char	 b64[KEY_B64_LEN + 1], err[512];
	int	 rc = 0;

	if (argc > 2) {
		fprintf(stderr, "usage: hamctl genkey [file]\n");
		return 1;
	}
	key_generate(priv);
	if (argc == 2) {
		if (key_file_write(argv[1], priv, err, sizeof(err)) == -1) {
			fprintf(stderr, "hamctl: %s\n", err);
			rc = 1;
		}
	} else {
		key_to_base64(b64, priv);
		printf("%s\n", b64);
		sodium_memzero(b64, sizeof(b64));
	}
	sodium_memzero(priv, sizeof(priv));
	return rc;
}

/* Read one key from standard input: 44 characters and a newline. */
static int
read_key_stdin(uint8_t key[KEY_LEN])
{
	char	 buf[128];
	size_t	 n;
	int	 rc;

	n = fread(buf, 1, sizeof(buf) - 1, stdin);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	rc = key_from_base64(key, buf);
	sodium_memzero(buf, sizeof(buf));
	return rc;
}

static int
cmd_pubkey(struct ctl_ctx *ctx, const struct command *cmd, int argc,
    char **argv)
{
	uint8_t	 priv[KEY_LEN], pub[KEY_LEN];
	char	 b64[KEY_B64_LEN + 1], err[512];
	int	 rc;

	if (argc > 2) {
		fprintf(stderr, "usage: hamctl pubkey [file]\n");
		return 1;
	}
	if (argc == 2)
		rc = key_file_read(argv[1], priv, err, sizeof(err));
	else {
		rc = read_key_stdin(priv);
		(void)strlcpy(err, "standard input does not hold a private key "
		    "(44 characters of base64, as 'hamctl genkey' prints)",
		    sizeof(err));
	}
	if (rc == -1) {
		fprintf(stderr, "hamctl: %s\n", err);
		return 1;
	}
	rc = key_public(pub, priv);
	sodium_memzero(priv, sizeof(priv));
	if (rc == -1) {
		fprintf(stderr, "hamctl: that private key gives a low-order "
		    "public key; generate another with 'hamctl genkey'\n");
		return 1;
	}
	key_to_base64(b64, pub);
	if (ctx->json) {
		struct json j;

		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_string(&j, "public_key", b64);
		json_object_end(&j);
		json_end(&j);
	} else
		printf("%s\n", b64);
	return 0;
}

static int
cmd_monitor(struct ctl_ctx *ctx, const struct command *cmd, int argc,
    char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "usage: hamctl [-j] monitor\n");
		return 1;
	}
	return monitor_run(ctx, 0);
}

static int
cmd_netcheck(struct ctl_ctx *ctx, const struct command *cmd, int argc,
    char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "usage: hamctl [-j] netcheck\n");
		return 1;
	}
	return netcheck_run(ctx);
}
