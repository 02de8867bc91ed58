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

enum { HUB_LIST_NODES, HUB_LIST_NETWORKS, HUB_LIST_BLOCKS };

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
hub_list(struct ctl_ctx *ctx, const struct command *cmd, int argc,
    char **argv)
{
	static const struct {
		uint32_t			 type;
		const struct ctl_listing	*l;
	} lists[] = {
		[HUB_LIST_NODES] = { IMSG_CTL_HUBD_NODES, &hub_nodes_listing },
		[HUB_LIST_NETWORKS] = { IMSG_CTL_HUBD_NETWORKS,
		    &hub_networks_listing },
		[HUB_LIST_BLOCKS] = { IMSG_CTL_HUBD_BLOCKS, &blocks_listing },
	};

	if (argc != 2)
		return hubd_usage(cmd->word);
	return ctl_list(ctx, lists[cmd->arg].type, NULL, 0,
	    lists[cmd->arg].l);
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
	st->database[sizeof(st->database) - 1] = '\0';
	if (st->nhubs > CTL_HUBD_CLUSTER_MAX)
		st->nhubs = CTL_HUBD_CLUSTER_MAX;
	if (st->nprocs > CTL_HUBD_PROCS)
		st->nprocs = CTL_HUBD_PROCS;
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
cluster_json(struct json *j, const struct ctl_hubd_status *st)
{
	uint32_t	 i;

	json_object_begin(j, "cluster");
	json_int(j, "hub", st->hub_id);
	json_bool(j, "connected", st->cluster_up);
	json_int(j, "online_elsewhere", st->remote);
	json_array_begin(j, "hubs");
	for (i = 0; i < st->nhubs; i++) {
		json_object_begin(j, NULL);
		json_int(j, "id", st->hubs[i].id);
		json_bool(j, "self", st->hubs[i].id == st->hub_id);
		json_int(j, "up_ms", st->hubs[i].up_ms);
		json_int(j, "lease_ms", st->hubs[i].lease_ms);
		json_bool(j, "alive", st->hubs[i].lease_ms >= 0);
		json_int(j, "nodes", st->hubs[i].nodes);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

static void
cluster_text(const struct ctl_hubd_status *st)
{
	char		 a[64];
	uint32_t	 i;

	printf("cluster:     hub %lld, %s; %u nodes online at other hubs\n",
	    (long long)st->hub_id, st->cluster_up ? "connected" :
	    "not connected (changes are not shared; trying again)",
	    st->remote);
	for (i = 0; i < st->nhubs; i++) {
		format_uptime(a, sizeof(a), st->hubs[i].up_ms / 1000);
		printf("  hub %-20lld %s, up %s, %lld nodes, %s\n",
		    (long long)st->hubs[i].id,
		    st->hubs[i].id == st->hub_id ? "this one" : "peer",
		    a, (long long)st->hubs[i].nodes,
		    st->hubs[i].lease_ms >= 0 ? "alive" :
		    "lease run out (gone)");
	}
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
	json_int(&j, "refused_nomem", (int64_t)e->refused_nomem);
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
	json_object_begin(&j, "database");
	json_string(&j, "type", st->database);
	json_bool(&j, "reachable", st->db_up);
	json_object_end(&j);
	if (st->hub_id != 0)
		cluster_json(&j, st);
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
	printf("memory:      %llu connections or messages refused for want "
	    "of it\n", (unsigned long long)e->refused_nomem);
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
	printf("database:    %s, %s\n", st->database[0] != '\0' ?
	    st->database : "(none)", st->db_up ? "reachable" :
	    "cannot be reached (requests that need it fail; trying again)");
	if (st->hub_id != 0)
		cluster_text(st);
}

static int
hub_status(struct ctl_ctx *ctx, const struct command *cmd, int argc,
    char **argv)
{
	struct ctl_hubd_status	 st;

	if (argc != 2)
		return hubd_usage(cmd->word);
	if (status_get(ctx, &st) == -1)
		return 1;
	if (ctx->json)
		status_json(&st);
	else
		status_text(&st);
	return 0;
}

static int
hub_key(struct ctl_ctx *ctx, const struct command *cmd, int argc,
    char **argv)
{
	struct ctl_hubd_status	 st;
	struct json		 j;

	if (argc != 2)
		return hubd_usage(cmd->word);
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
hub_block(struct ctl_ctx *ctx, const struct command *cmd, int argc,
    char **argv)
{
	struct ctl_cidr		 c;
	uint32_t		 type;

	if (argc != 3)
		return hubd_usage(cmd->word);
	if (parse_range(argv[2], &c) == -1)
		return 1;
	type = (uint32_t)cmd->arg;
	return ctl_do(ctx, type, &c, sizeof(c));
}

static int
hub_monitor(struct ctl_ctx *ctx, const struct command *cmd, int argc,
    char **argv)
{
	if (argc != 2)
		return hubd_usage(cmd->word);
	return monitor_run(ctx, 1);
}

const struct command hubd_commands[] = {
	{ .name = "hub", .args = "status",
	    .help = "show hamhubd: version, uptime, public key, nodes, "
	    "networks, blocked ranges, pools, connections, processes, the "
	    "database and the cluster",
	    .fn = hub_status, .word = "status", .word_at = 1, .arg = 0,
	    .hubd = 1 },
	{ .name = "hub", .args = "key",
	    .help = "print the hub's public key, for the hub line of each "
	    "node's hamd.conf", .fn = hub_key, .word = "key", .word_at = 1,
	    .arg = 0, .hubd = 1 },
	{ .name = "hub", .args = "nodes",
	    .help = "list every node the hub knows: key, nickname, addresses, "
	    "online, endpoint, rates in and out, last seen", .fn = hub_list,
	    .word = "nodes",
	    .word_at = 1, .arg = HUB_LIST_NODES, .hubd = 1 },
	{ .name = "hub", .args = "networks",
	    .help = "list every network on the hub", .fn = hub_list,
	    .word = "networks", .word_at = 1, .arg = HUB_LIST_NETWORKS,
	    .hubd = 1 },
	{ .name = "hub", .args = "blocks",
	    .help = "list the address ranges the hub refuses", .fn = hub_list,
	    .word = "blocks", .word_at = 1, .arg = HUB_LIST_BLOCKS,
	    .hubd = 1 },
	{ .name = "hub", .args = "block CIDR",
	    .help = "refuse logins from an address or range; nodes online "
	    "from it are logged off", .fn = hub_block, .word = "block",
	    .word_at = 1, .arg = IMSG_CTL_HUBD_BLOCK, .hubd = 1 },
	{ .name = "hub", .args = "unblock CIDR",
	    .help = "accept logins from a blocked range again",
	    .fn = hub_block, .word = "unblock", .word_at = 1,
	    .arg = IMSG_CTL_HUBD_UNBLOCK, .hubd = 1 },
	{ .name = "hub", .args = "monitor",
	    .help = "live view of active users, networks and the hub's "
	    "traffic, refreshed in place; with -j, events (login, logout, "
	    "join, evict, refusals) as they happen, one JSON object a line",
	    .fn = hub_monitor, .word = "monitor", .word_at = 1, .arg = 0,
	    .hubd = 1 },
};
const size_t hubd_ncommands = nitems(hubd_commands);
