/*
 * hamctl hub ...: the hub operator's commands, sent to hamhubd's control
 * socket (HAMCTL_HUBD_SOCKET unless -s names another).  Listings go
 * through ctl_list (ctl_hub.c), like a node's own hub listings.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <stdio.h>
#include <string.h>

#include "ctl/ctl_monitor.h"
#include "ctl/ctl_output.h"
#include "ctl/ctl_cmd.h"
#include "ctl/ctl_conn.h"
#include "ctl/ctl_hub.h"
#include "ctl/ctlmsg.h"
#include "proto/hubproto.h"
#include "ipc/imsg.h"


static int
hubd_usage(const char *sub)
{
	char	 form[32];

	(void)snprintf(form, sizeof(form), "hub %s", sub);
	return ctl_usage(hubd_commands, hubd_ncommands, form);
}

/* ---- listings --------------------------------------------------------- */

static int
range_valid(const struct ip_prefix *p)
{
	return (p->af == AF_INET && p->plen <= 32) ||
	    (p->af == AF_INET6 && p->plen <= 128);
}

static void
range_fields(const void *p, char f[][CTL_FIELD_MAX])
{
	const struct ctl_cidr	*c = p;

	if (range_valid(&c->prefix))
		format_prefix(f[0], CTL_FIELD_MAX, &c->prefix);
}

static const struct ctl_col range_cols[] = {
	{ "RANGE", "range", COL_STR, 0, 0 },
};
static const struct ctl_listing blocks_listing = {
	.item = IMSG_CTL_HUBD_CIDR, .len = sizeof(struct ctl_cidr),
	.fields = range_fields, .cols = range_cols,
	.ncols = nitems(range_cols), .what = "blocks"
};

static int
hub_list(struct ctl_ctx *ctx, int argc, char **argv)
{
	static const struct {
		const char			*sub;
		uint32_t			 type;
		const struct ctl_listing	*l;
	} lists[] = {
		{ "nodes", IMSG_CTL_HUBD_NODES, &hub_nodes_listing },
		{ "networks", IMSG_CTL_HUBD_NETWORKS, &hub_networks_listing },
		{ "blocks", IMSG_CTL_HUBD_BLOCKS, &blocks_listing },
	};
	size_t	 i;

	for (i = 0; i < nitems(lists); i++)
		if (strcmp(argv[0], lists[i].sub) == 0)
			break;
	if (i == nitems(lists) || argc != 1)
		return hubd_usage(argv[0]);
	return ctl_list(ctx, lists[i].type, NULL, 0, lists[i].l);
}

/* ---- status and key --------------------------------------------------- */

/* 0, or -1 (reported: no hub, or a refusal). */
static int
status_get(struct ctl_ctx *ctx, struct ctl_hubd_status *st)
{
	struct ctl_result	 res;
	uint32_t		 i;
	int			 t;

	t = ctl_call(ctx, IMSG_CTL_HUBD_STATUS, NULL, 0,
	    IMSG_CTL_HUBD_STATUS_REPLY, st, sizeof(*st), &res);
	if (t == -1)
		return -1;
	if (t == IMSG_CTL_RESULT) {
		(void)print_result(ctx, &res);
		return -1;
	}
	st->version[sizeof(st->version) - 1] = '\0';
	st->pubkey[sizeof(st->pubkey) - 1] = '\0';
	if (st->nprocs > PROC_MAX)
		st->nprocs = PROC_MAX;
	for (i = 0; i < st->nprocs; i++)
		st->procs[i].name[sizeof(st->procs[i].name) - 1] = '\0';
	return 0;
}

static void
pool_str(char *buf, size_t len, const struct ip_prefix *p)
{
	if (range_valid(p) && p->plen > 0)
		format_prefix(buf, len, p);
	else
		(void)snprintf(buf, len, "(none)");
}

static void
status_json(const struct ctl_hubd_status *st)
{
	const struct hubd_engine_stats	*e = &st->engine;
	struct json			 j;
	char				 buf[CTL_FIELD_MAX];
	uint32_t			 i;

	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	json_string(&j, "version", st->version);
	json_int(&j, "uptime", st->uptime);
	json_string(&j, "public_key", st->pubkey);
	json_int(&j, "nodes", st->nodes);
	json_int(&j, "online", st->online);
	json_int(&j, "networks", st->networks);
	json_int(&j, "blocks", st->blocks);
	pool_str(buf, sizeof(buf), &st->pool4);
	json_string(&j, "pool4", buf);
	pool_str(buf, sizeof(buf), &st->pool6);
	json_string(&j, "pool6", buf);
	json_object_begin(&j, "engine");
	json_int(&j, "open", e->open);
	json_int(&j, "accepted", (int64_t)e->accepted);
	json_int(&j, "refused", (int64_t)e->refused);
	json_int(&j, "closed_idle", (int64_t)e->closed_idle);
	json_int(&j, "bad_frames", (int64_t)e->bad_frames);
	json_int(&j, "rx_frames", (int64_t)e->rx_frames);
	json_int(&j, "tx_frames", (int64_t)e->tx_frames);
	json_int(&j, "rx_bytes", (int64_t)e->rx_bytes);
	json_int(&j, "tx_bytes", (int64_t)e->tx_bytes);
	json_int(&j, "nat_probes", (int64_t)e->nat_probes);
	json_int(&j, "nat_dropped", (int64_t)e->nat_dropped);
	json_int(&j, "relay_sessions", e->relay_sessions);
	json_int(&j, "relay_registers", (int64_t)e->relay_registers);
	json_int(&j, "relay_packets", (int64_t)e->relay_packets);
	json_int(&j, "relay_bytes", (int64_t)e->relay_bytes);
	json_int(&j, "relay_unknown", (int64_t)e->relay_unknown);
	json_int(&j, "relay_denied", (int64_t)e->relay_denied);
	json_int(&j, "relay_bad", (int64_t)e->relay_bad);
	json_int(&j, "relay_foreign", (int64_t)e->relay_foreign);
	json_int(&j, "relay_throttled", (int64_t)e->relay_throttled);
	json_object_end(&j);
	json_array_begin(&j, "processes");
	for (i = 0; i < st->nprocs; i++) {
		if (st->procs[i].name[0] == '\0')
			continue;
		json_object_begin(&j, NULL);
		json_string(&j, "name", st->procs[i].name);
		json_int(&j, "pid", st->procs[i].pid);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
	json_end(&j);
}

static void
status_text(const struct ctl_hubd_status *st)
{
	const struct hubd_engine_stats	*e = &st->engine;
	char				 a[64], b[64];
	uint32_t			 i;

	format_uptime(a, sizeof(a), st->uptime);
	printf("hamhubd %s, up %s\n", st->version, a);
	printf("public key:  %s\n", st->pubkey[0] ? st->pubkey : "(loading)");
	printf("nodes:       %u known, %u online\n", st->nodes, st->online);
	printf("networks:    %u\n", st->networks);
	printf("blocked:     %u address range%s\n", st->blocks,
	    st->blocks == 1 ? "" : "s");
	pool_str(a, sizeof(a), &st->pool4);
	pool_str(b, sizeof(b), &st->pool6);
	printf("pools:       %s, %s\n", a, b);
	printf("connections: %u open; %llu accepted, %llu refused over the "
	    "limits, %llu closed idle, %llu with bad frames\n", e->open,
	    (unsigned long long)e->accepted, (unsigned long long)e->refused,
	    (unsigned long long)e->closed_idle,
	    (unsigned long long)e->bad_frames);
	format_bytes(a, sizeof(a), e->rx_bytes);
	format_bytes(b, sizeof(b), e->tx_bytes);
	printf("frames:      %llu received (%s), %llu sent (%s)\n",
	    (unsigned long long)e->rx_frames, a,
	    (unsigned long long)e->tx_frames, b);
	printf("discovery:   %llu probes answered, %llu datagrams dropped\n",
	    (unsigned long long)e->nat_probes,
	    (unsigned long long)e->nat_dropped);
	format_bytes(a, sizeof(a), e->relay_bytes);
	printf("relay:       %u sessions, %llu registrations; %llu packets "
	    "forwarded (%s), %llu from or to unknown nodes, %llu denied, "
	    "%llu malformed\n", e->relay_sessions,
	    (unsigned long long)e->relay_registers,
	    (unsigned long long)e->relay_packets, a,
	    (unsigned long long)e->relay_unknown,
	    (unsigned long long)e->relay_denied,
	    (unsigned long long)e->relay_bad);
	printf("             %llu registrations from a foreign address, %llu "
	    "over the rate\n", (unsigned long long)e->relay_foreign,
	    (unsigned long long)e->relay_throttled);
	printf("processes:\n");
	for (i = 0; i < st->nprocs; i++)
		if (st->procs[i].name[0] != '\0')
			printf("  %-10s %d\n", st->procs[i].name,
			    st->procs[i].pid);
}

static int
hub_status(struct ctl_ctx *ctx, int argc, char **argv)
{
	struct ctl_hubd_status	 st;

	if (argc != 1)
		return hubd_usage(argv[0]);
	if (status_get(ctx, &st) == -1)
		return 1;
	if (ctx->json)
		status_json(&st);
	else
		status_text(&st);
	return 0;
}

static int
hub_key(struct ctl_ctx *ctx, int argc, char **argv)
{
	struct ctl_hubd_status	 st;
	struct json		 j;

	if (argc != 1)
		return hubd_usage(argv[0]);
	if (status_get(ctx, &st) == -1)
		return 1;
	if (st.pubkey[0] == '\0') {
		fprintf(stderr, "hamctl: hamhubd has not loaded its key yet; "
		    "try again in a moment\n");
		return 1;
	}
	if (ctx->json) {
		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_string(&j, "public_key", st.pubkey);
		json_object_end(&j);
		json_end(&j);
	} else
		printf("%s\n", st.pubkey);
	return 0;
}

/* ---- block and unblock ------------------------------------------------ */

/* An address or range; 10.1.2.3/8 means 10.0.0.0/8. */
static int
parse_range(const char *s, struct ctl_cidr *c)
{
	char		 err[256];
	uint8_t		*b = (uint8_t *)&c->prefix.addr;
	unsigned int	 i, bits, n;

	memset(c, 0, sizeof(*c));
	if (prefix_parse(s, &c->prefix, 1, err, sizeof(err)) == -1) {
		fprintf(stderr, "hamctl: %s (a bare address blocks just "
		    "that address)\n", err);
		return -1;
	}
	n = c->prefix.af == AF_INET ? 4 : 16;
	for (i = 0; i < n; i++) {
		bits = c->prefix.plen > i * 8 ? c->prefix.plen - i * 8 : 0;
		if (bits < 8)
			b[i] &= (uint8_t)(0xff00 >> bits);
	}
	return 0;
}

static int
hub_block(struct ctl_ctx *ctx, int argc, char **argv)
{
	struct ctl_cidr		 c;
	struct ctl_result	 res;
	uint32_t		 type;

	if (argc != 2)
		return hubd_usage(argv[0]);
	if (parse_range(argv[1], &c) == -1)
		return 1;
	type = strcmp(argv[0], "block") == 0 ? IMSG_CTL_HUBD_BLOCK :
	    IMSG_CTL_HUBD_UNBLOCK;
	if (ctl_call(ctx, type, &c, sizeof(c), IMSG_CTL_RESULT, &res,
	    sizeof(res), &res) == -1)
		return 1;
	return print_result(ctx, &res);
}

static int
hub_monitor(struct ctl_ctx *ctx, int argc, char **argv)
{
	if (argc != 1)
		return hubd_usage(argv[0]);
	return monitor_run(ctx, 1);
}

/* ---- dispatch --------------------------------------------------------- */

static const struct {
	const char	*sub;
	int		(*fn)(struct ctl_ctx *, int, char **);
} hub_subs[] = {
	{ "status", hub_status },
	{ "key", hub_key },
	{ "nodes", hub_list },
	{ "networks", hub_list },
	{ "blocks", hub_list },
	{ "block", hub_block },
	{ "unblock", hub_block },
	{ "monitor", hub_monitor },
};

static int
cmd_hub(struct ctl_ctx *ctx, int argc, char **argv)
{
	size_t	 i;

	if (!ctx->socket_set)
		ctx->socket = HAMCTL_HUBD_SOCKET;
	for (i = 0; argc >= 2 && i < nitems(hub_subs); i++)
		if (strcmp(argv[1], hub_subs[i].sub) == 0)
			return hub_subs[i].fn(ctx, argc - 1, argv + 1);
	if (argc >= 2)
		fprintf(stderr, "hamctl: unknown command \"hub %s\"\n",
		    argv[1]);
	return ctl_usage(hubd_commands, hubd_ncommands, argv[0]);
}

const struct command hubd_commands[] = {
	{ "hub", "status", "show hamhubd: version, uptime, public key, "
	    "nodes, networks, blocked ranges, pools, connections, processes",
	    cmd_hub },
	{ "hub", "key", "print the hub's public key, for the hub line of "
	    "each node's hamd.conf", cmd_hub },
	{ "hub", "nodes", "list every node the hub knows: key, nickname, "
	    "addresses, online, endpoint, last seen", cmd_hub },
	{ "hub", "networks", "list every network on the hub", cmd_hub },
	{ "hub", "blocks", "list the address ranges the hub refuses", cmd_hub },
	{ "hub", "block CIDR", "refuse logins from an address or range; "
	    "nodes online from it are logged off", cmd_hub },
	{ "hub", "unblock CIDR", "accept logins from a blocked range again",
	    cmd_hub },
	{ "hub", "monitor", "live view of active users, networks and the hub's "
	    "traffic, refreshed in place; with -j, events (login, logout, "
	    "join, evict, refusals) as they happen, one JSON object a line",
	    cmd_hub },
};
const size_t hubd_ncommands = nitems(hubd_commands);
