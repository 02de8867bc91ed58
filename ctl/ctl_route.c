/*
 * hamctl's subnet-route commands on a node: advertise and withdraw
 * this node's LAN prefixes, list routes (the hub's view: what is
 * advertised and approved; the node's view: what it routes and
 * serves), and approve or revoke another member's route in a network
 * this node administers.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <arpa/inet.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/key.h"
#include "ctl/ctl_cmd.h"
#include "ctl/ctl_conn.h"
#include "ctl/ctl_hub.h"
#include "ctl/ctl_list.h"
#include "ctl/ctlmsg.h"
#include "ipc/addr.h"
#include "proto/hubproto.h"

enum { RF_NET, RF_NICK, RF_KEY, RF_PREFIX, RF_STATE, RF_MAX };
enum { LF_PREFIX, LF_VIA, LF_STATE, LF_WHY, LF_MAX };
_Static_assert(RF_MAX <= FIELDS_MAX && LF_MAX <= FIELDS_MAX, "fields");

static void
route_fields(const void *v, char f[][CTL_FIELD_MAX])
{
	const struct hub_route_info	*r = v;
	static const uint8_t		 zero[HUB_NETID_LEN];

	if (memcmp(r->netid, zero, sizeof(zero)) != 0)
		hub_netid_format(r->netid, f[RF_NET]);
	field_text(f[RF_NICK], r->nick, sizeof(r->nick));
	key_to_base64(f[RF_KEY], r->key);
	if (hub_route_ok(&r->prefix))
		(void)prefix_str(&r->prefix, f[RF_PREFIX], CTL_FIELD_MAX);
	(void)strlcpy(f[RF_STATE], r->approved ? "approved" : "advertised",
	    CTL_FIELD_MAX);
}

static const struct ctl_col route_cols[] = {
	{ "ROUTE", "route", COL_STR, RF_PREFIX, 0 },
	{ "STATE", "state", COL_STR, RF_STATE, 0 },
	{ "NICKNAME", "nickname", COL_STR, RF_NICK, 0 },
	{ "PUBLIC KEY", "public_key", COL_STR, RF_KEY, 0 },
	{ NULL, "network", COL_STR, RF_NET, 0 },
};
static const struct ctl_listing routes_listing = {
	.item = IMSG_CTL_HUB_ROUTE, .len = sizeof(struct hub_route_info),
	.fields = route_fields, .cols = route_cols,
	.ncols = nitems(route_cols), .what = "routes"
};

static const char *const route_states[CTL_ROUTE_STATE_MAX] = {
	[CTL_ROUTE_INSTALLED] = "installed",
	[CTL_ROUTE_REFUSED] = "refused",
	[CTL_ROUTE_SERVED] = "served",
	[CTL_ROUTE_EXIT] = "exit",
};

static void
local_fields(const void *v, char f[][CTL_FIELD_MAX])
{
	const struct ctl_route	*r = v;

	if (r->p.af == AF_INET || r->p.af == AF_INET6)
		(void)prefix_str(&r->p, f[LF_PREFIX], CTL_FIELD_MAX);
	if (r->state == CTL_ROUTE_EXIT)
		(void)strlcpy(f[LF_PREFIX], r->p.af == AF_INET ? "default" :
		    "default (IPv6)", CTL_FIELD_MAX);
	if (r->peer != 0)
		(void)snprintf(f[LF_VIA], CTL_FIELD_MAX, "peer %u", r->peer);
	else
		(void)strlcpy(f[LF_VIA], "this node", CTL_FIELD_MAX);
	(void)strlcpy(f[LF_STATE], r->state < CTL_ROUTE_STATE_MAX ?
	    route_states[r->state] : "?", CTL_FIELD_MAX);
	field_text(f[LF_WHY], r->why, sizeof(r->why));
}

static const struct ctl_col local_cols[] = {
	{ "ROUTE", "route", COL_STR, LF_PREFIX, 0 },
	{ "VIA", "via", COL_STR, LF_VIA, 0 },
	{ "STATE", "state", COL_STR, LF_STATE, 0 },
	{ "WHY", "why", COL_STR, LF_WHY, 0 },
};
static const struct ctl_listing local_listing = {
	.item = IMSG_CTL_ROUTE, .len = sizeof(struct ctl_route),
	.fields = local_fields, .cols = local_cols,
	.ncols = nitems(local_cols), .what = "routes"
};

static int
usage(const char *name)
{
	return ctl_usage(route_commands, route_ncommands, name);
}

/* A route prefix as the hub takes it; 0, or -1 having said why. */
static int
req_prefix(struct hub_request *req, const char *s)
{
	char	 err[128];

	if (prefix_parse(s, &req->prefix, 0, err, sizeof(err)) == -1) {
		fprintf(stderr, "hamctl: route \"%s\": %s\n", s, err);
		return -1;
	}
	if (!hub_route_ok(&req->prefix)) {
		fprintf(stderr, "hamctl: route \"%s\": not a LAN prefix "
		    "(loopback, link-local and multicast ranges are never "
		    "routed; 0.0.0.0/0 and ::/0 offer this node as an exit "
		    "node)\n", s);
		return -1;
	}
	return 0;
}

static int
cmd_routes(struct ctl_ctx *ctx, const struct command *cmd, int argc,
    char **argv)
{
	struct hub_request	 req;

	if (argc > 2)
		return usage(argv[0]);
	if (argc == 2 && strcmp(argv[1], "-l") == 0)
		return ctl_list(ctx, IMSG_CTL_ROUTES, NULL, 0,
		    &local_listing);
	memset(&req, 0, sizeof(req));
	req.op = HUB_OP_ROUTES;
	if (argc == 2) {
		if (!hub_name_valid(argv[1]) &&
		    !hub_netid_parse(argv[1], NULL)) {
			fprintf(stderr, "hamctl: \"%s\" is not a network name "
			    "or ID\n", argv[1]);
			return 1;
		}
		(void)strlcpy(req.net, argv[1], sizeof(req.net));
	}
	return ctl_list(ctx, IMSG_CTL_HUB_REQ, &req, sizeof(req),
	    &routes_listing);
}

static int
masq_request(struct ctl_ctx *ctx, const struct ip_prefix *p, int on)
{
	struct ctl_masq		 m;

	memset(&m, 0, sizeof(m));
	m.prefix = *p;
	m.on = (uint32_t)on;
	return ctl_do(ctx, IMSG_CTL_MASQ, &m, sizeof(m));
}

/*
 * route advertise PREFIX [masquerade] | withdraw PREFIX;
 * route approve|revoke NET KEY PREFIX
 */
static int
cmd_route(struct ctl_ctx *ctx, const struct command *cmd, int argc,
    char **argv)
{
	struct hub_request	 req;
	int			 own = cmd->arg == HUB_OP_ADVERTISE ||
				    cmd->arg == HUB_OP_WITHDRAW;
	int			 masq = cmd->arg == HUB_OP_ADVERTISE &&
				    argc == 4 && strcmp(argv[3], "masquerade") == 0;

	if (argc != (own ? 3 : 5) && !masq)
		return usage("route");
	memset(&req, 0, sizeof(req));
	req.op = (uint8_t)cmd->arg;
	if (!own && (req_net(&req, argv[2]) == -1 ||
	    req_key(&req, argv[3]) == -1))
		return 1;
	if (req_prefix(&req, argv[own ? 2 : 4]) == -1)
		return 1;
	/* Masquerading first: the route is never served without it. */
	if (masq && masq_request(ctx, &req.prefix, 1) != 0)
		return 1;
	return hub_send(ctx, &req);
}

/* hamctl route masquerade PREFIX on|off */
static int
cmd_masq(struct ctl_ctx *ctx, const struct command *cmd, int argc,
    char **argv)
{
	struct hub_request	 req;

	if (argc != 4 || (strcmp(argv[3], "on") != 0 &&
	    strcmp(argv[3], "off") != 0))
		return usage("route");
	memset(&req, 0, sizeof(req));
	if (req_prefix(&req, argv[2]) == -1)
		return 1;
	return masq_request(ctx, &req.prefix, strcmp(argv[3], "on") == 0);
}

/* hamctl exit NODE | off */
static int
cmd_exit(struct ctl_ctx *ctx, const struct command *cmd, int argc,
    char **argv)
{
	struct ctl_exit		 ce;

	if (argc != 2 && (argc != 3 || strcmp(argv[2], "nolan") != 0))
		return usage(argv[0]);
	memset(&ce, 0, sizeof(ce));
	if (argc == 3)
		ce.flags = CTL_EXIT_NOLAN;
	if (strlen(argv[1]) >= sizeof(ce.node)) {
		fprintf(stderr, "hamctl: \"%s\": give the exit node's "
		    "nickname or public key, or off\n", argv[1]);
		return 1;
	}
	(void)strlcpy(ce.node, argv[1], sizeof(ce.node));
	return ctl_do(ctx, IMSG_CTL_EXIT, &ce, sizeof(ce));
}

/*
 * Where cgroup v2 is mounted, and the cgroup path its root stands for:
 * the mount point into mnt; -1 when there is none.
 */
static int
cgroup2_mount(char *mnt, size_t len, char *root, size_t rlen)
{
	FILE	*f;
	char	 line[1024], *p, *fld[6];
	int	 i, found = 0;

	if ((f = fopen("/proc/self/mountinfo", "re")) == NULL)
		return -1;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		if ((p = strstr(line, " - cgroup2 ")) == NULL)
			continue;
		*p = '\0';
		/* id parent major:minor root mountpoint ... */
		fld[0] = strtok(line, " ");
		for (i = 1; i < 6 && fld[i - 1] != NULL; i++)
			fld[i] = strtok(NULL, " ");
		if (fld[4] == NULL)
			continue;
		(void)strlcpy(root, fld[3], rlen);
		(void)strlcpy(mnt, fld[4], len);
		found = 1;
	}
	(void)fclose(f);
	return found ? 0 : -1;
}

/*
 * Through the exit node node (IMSG_CTL_RUN; "off" ends it), or, node
 * NULL, to the tunnel only (IMSG_CTL_CONFINE; end ends it).
 */
static int
run_request(struct ctl_ctx *ctx, const char *node, uint64_t cgroup,
    uint32_t level, int end)
{
	struct ctl_exit		 ce;
	struct ctl_result	 res;

	memset(&ce, 0, sizeof(ce));
	if (node != NULL)
		(void)strlcpy(ce.node, node, sizeof(ce.node));
	ce.cgroup = cgroup;
	ce.level = level;
	if (end)
		ce.flags = CTL_EXIT_END;
	ctl_disconnect(ctx);
	if (ctl_call(ctx, node != NULL ? IMSG_CTL_RUN : IMSG_CTL_CONFINE,
	    &ce, sizeof(ce), IMSG_CTL_RESULT,
	    &res, sizeof(res), &res) == -1)
		return -1;
	ctl_disconnect(ctx);
	res.msg[sizeof(res.msg) - 1] = '\0';
	if (res.code != 0) {
		fprintf(stderr, "hamctl: %s\n", res.msg);
		return -1;
	}
	return 0;
}

/*
 * hamctl run [-x NODE] [--] command ...: a cgroup of its own for the
 * command, whose sockets alone go through the exit node NODE, or,
 * without -x, through the tunnel or nowhere; the command's exit status.
 * Needs write access to the cgroup tree (root).
 */
static int
cmd_run(struct ctl_ctx *ctx, const struct command *cmd, int argc,
    char **argv)
{
	char		 mnt[512], root[512], dir[1100], procs[1200];
	const char	*p, *node = NULL;
	int		 i = 1;
	struct stat	 st;
	pid_t		 pid;
	uint32_t	 level = 1;
	int		 fd, status = 0, rc;

	if (argc > 2 && strcmp(argv[1], "-x") == 0) {
		node = argv[2];
		i = 3;
		if (strlen(node) >= CTL_NAME_MAX || strcmp(node, "off") == 0)
			return usage("run");
	}
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i >= argc)
		return usage("run");
	argv += i;
	if (cgroup2_mount(mnt, sizeof(mnt), root, sizeof(root)) == -1) {
		fprintf(stderr, "hamctl: cgroup v2 is not mounted here\n");
		return 1;
	}
	for (p = root; *p != '\0'; p++)	/* the mount's root's depth */
		if (*p == '/' && p[1] != '\0')
			level++;
	(void)snprintf(dir, sizeof(dir), "%s/hamd-run.%ld", mnt,
	    (long)getpid());
	if (mkdir(dir, 0755) == -1 || stat(dir, &st) == -1) {
		fprintf(stderr, "hamctl: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	if (run_request(ctx, node, (uint64_t)st.st_ino, level, 0) == -1) {
		(void)rmdir(dir);
		return 1;
	}
	(void)snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	(void)signal(SIGINT, SIG_IGN);
	(void)signal(SIGQUIT, SIG_IGN);
	if ((pid = fork()) == 0) {
		(void)signal(SIGINT, SIG_DFL);
		(void)signal(SIGQUIT, SIG_DFL);
		/* "0": the process that writes it, before it becomes argv. */
		if ((fd = open(procs, O_WRONLY | O_CLOEXEC)) == -1 ||
		    write(fd, "0", 1) != 1) {
			fprintf(stderr, "hamctl: %s: %s\n", procs,
			    strerror(errno));
			_exit(127);
		}
		(void)close(fd);
		execvp(argv[0], argv);
		fprintf(stderr, "hamctl: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (pid == -1)
		fprintf(stderr, "hamctl: fork: %s\n", strerror(errno));
	else
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
	rc = node != NULL ? run_request(ctx, "off", 0, 0, 0) :
	    run_request(ctx, NULL, (uint64_t)st.st_ino, level, 1);
	if (rmdir(dir) == -1)
		fprintf(stderr, "hamctl: %s: %s (processes of the command "
		    "still run in it)\n", dir, strerror(errno));
	if (pid == -1 || rc == -1)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 +
	    WTERMSIG(status);
}

const struct command route_commands[] = {
	{ .name = "routes", .args = "[NETWORK | -l]",
	    .help = "the routes this node advertises, or those of a "
	    "network's members, each advertised or approved; -l: the "
	    "routes this node uses and serves now", .fn = cmd_routes },
	{ .name = "route", .args = "advertise PREFIX [masquerade]",
	    .help = "offer a LAN prefix this node reaches to its networks; "
	    "nothing is routed until an administrator approves it; "
	    "masquerade: as route masquerade PREFIX on",
	    .fn = cmd_route, .word = "advertise", .word_at = 1,
	    .arg = HUB_OP_ADVERTISE },
	{ .name = "route", .args = "masquerade PREFIX on|off",
	    .help = "while this node serves PREFIX, what it forwards there "
	    "leaves with its own address (nftables), until hamd stops",
	    .fn = cmd_masq, .word = "masquerade", .word_at = 1 },
	{ .name = "route", .args = "withdraw PREFIX",
	    .help = "stop offering it; every member stops routing it",
	    .fn = cmd_route, .word = "withdraw", .word_at = 1,
	    .arg = HUB_OP_WITHDRAW },
	{ .name = "route", .args = "approve NETWORK KEY PREFIX",
	    .help = "let the network's members route PREFIX through that "
	    "member (administrators)", .fn = cmd_route, .word = "approve",
	    .word_at = 1, .arg = HUB_OP_ROUTE_APPROVE },
	{ .name = "route", .args = "revoke NETWORK KEY PREFIX",
	    .help = "take the approval back: members stop at once",
	    .fn = cmd_route, .word = "revoke", .word_at = 1,
	    .arg = HUB_OP_ROUTE_REVOKE },
	{ .name = "exit", .args = "NODE [nolan] | off",
	    .help = "send all traffic through a peer that offers to be an "
	    "exit node (its nickname or key), LAN access kept unless "
	    "nolan; off: the direct way again", .fn = cmd_exit },
	{ .name = "run", .args = "[-x NODE] -- COMMAND ...",
	    .help = "run a command whose traffic alone goes through the exit "
	    "node NODE (a cgroup v2 of its own, marked by nftables); without "
	    "-x, its traffic goes through the tunnel (members, approved "
	    "routes, the exit node in use) or nowhere; needs root",
	    .fn = cmd_run },
};
const size_t route_ncommands = nitems(route_commands);
