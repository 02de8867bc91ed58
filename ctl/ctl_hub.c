/*
 * hamctl's hub commands on a node: requests that hamd carries to its
 * hub (networks, membership, their administration).  Also the listing
 * code that ctl_hubd.c shares: read rows until the closing ctl_result,
 * then print them as a table or as JSON.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ctl/ctl_output.h"
#include "ctl/ctl_cmd.h"
#include "ctl/ctl_conn.h"
#include "ctl/ctl_hub.h"
#include "ctl/ctlmsg.h"
#include "proto/hubproto.h"
#include "ipc/imsg.h"
#include "crypto/key.h"

_Static_assert(NF_MAX <= FIELDS_MAX, "NF_MAX");
_Static_assert(MF_MAX <= FIELDS_MAX, "MF_MAX");


/* ---- the fields of networks and members ------------------------------- */

static void
field_name(char *dst, const char *name)
{
	(void)strlcpy(dst, name != NULL ? name : "?", CTL_FIELD_MAX);
}

/* An overlay address; empty when the hub assigned none. */
static void
field_ip(char *dst, int af, const uint8_t *a)
{
	static const uint8_t	 zero[16];

	if (memcmp(a, zero, af == AF_INET ? 4 : 16) != 0 &&
	    inet_ntop(af, a, dst, CTL_FIELD_MAX) == NULL)
		dst[0] = '\0';
}

static void
field_seen(char *dst, int online, int64_t t)
{
	long long	 d = (long long)(time(NULL) - t);

	if (d < 0)
		d = 0;
	if (online)
		(void)strlcpy(dst, "now", CTL_FIELD_MAX);
	else if (t == 0)
		(void)strlcpy(dst, "never", CTL_FIELD_MAX);
	else if (d < 60)
		(void)snprintf(dst, CTL_FIELD_MAX, "%llds ago", d);
	else if (d < 3600)
		(void)snprintf(dst, CTL_FIELD_MAX, "%lld min ago", d / 60);
	else if (d < 86400)
		(void)snprintf(dst, CTL_FIELD_MAX, "%lld h ago", d / 3600);
	else
		(void)snprintf(dst, CTL_FIELD_MAX, "%lld days ago", d / 86400);
}

void
hub_net_fields(const void *p, char f[][CTL_FIELD_MAX])
{
	const struct hub_net_info	*n = p;

	field_text(f[NF_NAME], n->name, sizeof(n->name));
	hub_netid_format(n->netid, f[NF_ID]);
	field_name(f[NF_TYPE], hub_type_name(n->type));
	field_name(f[NF_MODE], hub_mode_name(n->mode));
	field_name(f[NF_ROLE], hub_role_name(n->role));
	field_name(f[NF_STATE], hub_mstate_name(n->state));
	if (n->state == HUB_MSTATE_ACTIVE)
		field_name(f[NF_YOU], hub_role_name(n->role));
	else
		(void)snprintf(f[NF_YOU], CTL_FIELD_MAX, "%s, %s",
		    hub_role_name(n->role), hub_mstate_name(n->state));
	(void)snprintf(f[NF_MEMBERS], CTL_FIELD_MAX, "%u", n->members);
	(void)snprintf(f[NF_LIMIT], CTL_FIELD_MAX, "%u", n->limit);
	if (n->limit != 0)
		(void)snprintf(f[NF_SIZE], CTL_FIELD_MAX, "%u/%u", n->members,
		    n->limit);
	else
		(void)snprintf(f[NF_SIZE], CTL_FIELD_MAX, "%u/none",
		    n->members);
	(void)snprintf(f[NF_PENDING], CTL_FIELD_MAX, "%u", n->pending);
	(void)snprintf(f[NF_ONLINE], CTL_FIELD_MAX, "%u", n->online);
	field_name(f[NF_BROADCAST], n->flags & HUB_NET_BROADCAST ? "yes" :
	    "no");
	field_name(f[NF_ETHERNET], n->flags & HUB_NET_ETHERNET ? "yes" :
	    "no");
}

void
hub_member_fields(const void *p, char f[][CTL_FIELD_MAX])
{
	const struct hub_member_info	*m = p;

	field_text(f[MF_NICK], m->nick, sizeof(m->nick));
	key_to_base64(f[MF_KEY], m->key);
	field_ip(f[MF_V4], AF_INET, m->v4);
	field_ip(f[MF_V6], AF_INET6, m->v6);
	field_name(f[MF_ROLE], hub_role_name(m->role));
	field_name(f[MF_STATE], hub_mstate_name(m->state));
	field_name(f[MF_ONLINE], m->online ? "yes" : "no");
	if (m->endpoint.af == AF_INET || m->endpoint.af == AF_INET6)
		format_addr(f[MF_ENDPOINT], CTL_FIELD_MAX, &m->endpoint);
	field_seen(f[MF_SEEN], m->online, m->last_seen);
	(void)snprintf(f[MF_SEEN_UNIX], CTL_FIELD_MAX, "%lld",
	    (long long)m->last_seen);
}

/* "106.8 Mbit/s 9120 pkt/s" */
static void
rate_cell(char *dst, uint64_t bytes_per_s, uint64_t packets_per_s)
{
	char	 r[32];

	format_rate(r, sizeof(r), bytes_per_s);
	(void)snprintf(dst, CTL_FIELD_MAX, "%s %llu pkt/s", r,
	    (unsigned long long)packets_per_s);
}

/* hamctl hub nodes: the node, and what the hub carries for it. */
static void
hub_node_fields(const void *p, char f[][CTL_FIELD_MAX])
{
	char				 in[32], out[32];
	const struct ctl_hubd_node	*n = p;
	const struct ctl_hub_traffic	*t = &n->traffic;
	const uint64_t			 v[] = {
		t->rate.rx_bytes, t->rate.tx_bytes, t->rate.rx_packets,
		t->rate.tx_packets, t->rx_bytes, t->tx_bytes, t->rx_packets,
		t->tx_packets, t->relay_rx_bytes, t->relay_tx_bytes,
	};
	size_t				 i;

	hub_member_fields(&n->node, f);
	for (i = 0; i < nitems(v); i++)
		(void)snprintf(f[MF_RX_BPS + i], CTL_FIELD_MAX, "%llu",
		    (unsigned long long)v[i]);
	if (n->node.online) {
		rate_cell(f[MF_IN], t->rate.rx_bytes, t->rate.rx_packets);
		rate_cell(f[MF_OUT], t->rate.tx_bytes, t->rate.tx_packets);
		format_bytes(in, sizeof(in), t->rx_bytes);
		format_bytes(out, sizeof(out), t->tx_bytes);
		(void)snprintf(f[MF_TOTAL], CTL_FIELD_MAX, "%s / %s", in, out);
	}
}

static const struct ctl_col network_cols[] = {
	{ "NAME", "name", COL_STR, NF_NAME, 0 },
	{ "ID", "id", COL_STR, NF_ID, 0 },
	{ "TYPE", "type", COL_STR, NF_TYPE, 0 },
	{ "MODE", "mode", COL_STR, NF_MODE, 0 },
	{ "YOU", NULL, COL_STR, NF_YOU, COL_NODE_VIEW },
	{ NULL, "role", COL_STR, NF_ROLE, COL_NODE_VIEW },
	{ NULL, "state", COL_STR, NF_STATE, COL_NODE_VIEW },
	{ "MEMBERS", NULL, COL_STR, NF_SIZE, 0 },
	{ NULL, "members", COL_INT, NF_MEMBERS, 0 },
	{ NULL, "limit", COL_INT, NF_LIMIT, 0 },
	{ "PENDING", "pending", COL_INT, NF_PENDING, 0 },
	{ "ONLINE", "online", COL_INT, NF_ONLINE, 0 },
	{ "BROADCAST", "broadcast", COL_BOOL, NF_BROADCAST, 0 },
	{ "ETHERNET", "ethernet", COL_BOOL, NF_ETHERNET, 0 },
};
static const struct ctl_listing networks_listing = {
	.item = IMSG_CTL_HUB_NET, .len = sizeof(struct hub_net_info),
	.fields = hub_net_fields, .cols = network_cols,
	.ncols = nitems(network_cols), .what = "networks"
};

static const struct ctl_col member_cols[] = {
	{ "NICKNAME", "nickname", COL_STR, MF_NICK, 0 },
	{ "PUBLIC KEY", "public_key", COL_STR, MF_KEY, 0 },
	{ "IPV4", "ipv4", COL_STR, MF_V4, 0 },
	{ "IPV6", "ipv6", COL_STR, MF_V6, 0 },
	{ "ROLE", "role", COL_STR, MF_ROLE, COL_NODE_VIEW },
	{ "STATE", "state", COL_STR, MF_STATE, COL_NODE_VIEW },
	{ "ONLINE", "online", COL_BOOL, MF_ONLINE, 0 },
	{ "ENDPOINT", "endpoint", COL_STR, MF_ENDPOINT, 0 },
	{ "IN", NULL, COL_STR, MF_IN, COL_HUB_VIEW },
	{ "OUT", NULL, COL_STR, MF_OUT, COL_HUB_VIEW },
	{ "TOTAL IN / OUT", NULL, COL_STR, MF_TOTAL, COL_HUB_VIEW },
	{ "LAST SEEN", NULL, COL_STR, MF_SEEN, 0 },
	{ NULL, "last_seen", COL_INT, MF_SEEN_UNIX, 0 },
	{ NULL, "rx_bytes_per_s", COL_INT, MF_RX_BPS, COL_HUB_VIEW },
	{ NULL, "tx_bytes_per_s", COL_INT, MF_TX_BPS, COL_HUB_VIEW },
	{ NULL, "rx_packets_per_s", COL_INT, MF_RX_PPS, COL_HUB_VIEW },
	{ NULL, "tx_packets_per_s", COL_INT, MF_TX_PPS, COL_HUB_VIEW },
	{ NULL, "rx_bytes", COL_INT, MF_RX_BYTES, COL_HUB_VIEW },
	{ NULL, "tx_bytes", COL_INT, MF_TX_BYTES, COL_HUB_VIEW },
	{ NULL, "rx_packets", COL_INT, MF_RX_PACKETS, COL_HUB_VIEW },
	{ NULL, "tx_packets", COL_INT, MF_TX_PACKETS, COL_HUB_VIEW },
	{ NULL, "relay_rx_bytes", COL_INT, MF_RELAY_RX_BYTES, COL_HUB_VIEW },
	{ NULL, "relay_tx_bytes", COL_INT, MF_RELAY_TX_BYTES, COL_HUB_VIEW },
};
static const struct ctl_listing members_listing = {
	.item = IMSG_CTL_HUB_MEMBER, .len = sizeof(struct hub_member_info),
	.fields = hub_member_fields, .cols = member_cols,
	.ncols = nitems(member_cols), .what = "members"
};

/* The hub's own view (hamctl hub ...): no asker, so no role or state. */
const struct ctl_listing hub_nodes_listing = {
	.item = IMSG_CTL_HUBD_NODE, .len = sizeof(struct ctl_hubd_node),
	.hub_view = 1, .fields = hub_node_fields, .cols = member_cols,
	.ncols = nitems(member_cols), .what = "nodes"
};
const struct ctl_listing hub_networks_listing = {
	.item = IMSG_CTL_HUB_NET, .len = sizeof(struct hub_net_info),
	.hub_view = 1, .fields = hub_net_fields, .cols = network_cols,
	.ncols = nitems(network_cols), .what = "networks"
};

/* ---- passwords -------------------------------------------------------- */

/*
 * Never from argv, where ps shows it: from the terminal with echo off,
 * or one line of standard input for scripts.  A signal while echo is
 * off restores the terminal before it takes effect.
 */
static volatile sig_atomic_t	 pw_signo;
static const int		 pw_signals[] = {
	SIGHUP, SIGINT, SIGQUIT, SIGTERM
};

/* The prompt and the newline are a courtesy; failing to write them is
 * no reason to fail the command. */
static void
tty_puts(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) == -1)
		return;
}

static void
pw_catch(int signo)
{
	pw_signo = signo;
}

/* One line without its newline: its length, -1 (errno), -2 too long. */
static ssize_t
read_line(int fd, char *buf, size_t len)
{
	size_t	 n = 0;
	ssize_t	 r;
	char	 c = 0;
	int	 over = 0;

	for (;;) {
		if ((r = read(fd, &c, 1)) == -1 && errno == EINTR &&
		    pw_signo == 0)
			continue;
		if (r == -1) {
			sodium_memzero(buf, len);
			return -1;
		}
		if (r == 0 || c == '\n')
			break;
		if (n + 1 < len)
			buf[n++] = c;
		else
			over = 1;
	}
	sodium_memzero(&c, sizeof(c));
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	if (over) {
		sodium_memzero(buf, len);
		return -2;
	}
	return (ssize_t)n;
}

static ssize_t
tty_read_line(const char *prompt, char *buf, size_t len)
{
	struct sigaction	 sa, saved[nitems(pw_signals)];
	struct termios		 old, quiet;
	ssize_t			 n;
	size_t			 i;
	int			 fd, e;

	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		return -1;
	if (tcgetattr(fd, &old) == -1) {
		e = errno;
		(void)close(fd);
		errno = e;
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = pw_catch;	/* no SA_RESTART: read must return */
	(void)sigemptyset(&sa.sa_mask);
	pw_signo = 0;
	for (i = 0; i < nitems(pw_signals); i++)
		(void)sigaction(pw_signals[i], &sa, &saved[i]);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	(void)tcsetattr(fd, TCSAFLUSH, &quiet);
	tty_puts(fd, prompt);
	n = read_line(fd, buf, len);
	e = errno;
	(void)tcsetattr(fd, TCSAFLUSH, &old);
	tty_puts(fd, "\n");
	(void)close(fd);
	for (i = 0; i < nitems(pw_signals); i++)
		(void)sigaction(pw_signals[i], &saved[i], NULL);
	if (pw_signo != 0) {
		sodium_memzero(buf, len);
		(void)raise(pw_signo);
	}
	errno = e;
	return n;
}

/* A password into buf (HUB_PASSWORD_MAX bytes); 0 or -1 (reported). */
static int
get_password(const char *prompt, char *buf, size_t len)
{
	ssize_t	 n;

	if (isatty(STDIN_FILENO))
		n = tty_read_line(prompt, buf, len);
	else
		n = read_line(STDIN_FILENO, buf, len);
	if (n == -2)
		fprintf(stderr, "hamctl: the password is longer than %zu "
		    "bytes; choose a shorter one\n", len - 1);
	else if (n == -1)
		fprintf(stderr, "hamctl: cannot read the password: %s\n",
		    strerror(errno));
	return n < 0 ? -1 : 0;
}

/* A new password: not empty, and typed twice at a terminal. */
static int
get_new_password(const char *net, char *buf, size_t len)
{
	char	 again[HUB_PASSWORD_MAX], prompt[HUB_NAME_MAX + 32];
	int	 rc = 0;

	(void)snprintf(prompt, sizeof(prompt), "New password for %s: ", net);
	if (get_password(prompt, buf, len) == -1)
		return -1;
	if (buf[0] == '\0') {
		fprintf(stderr, "hamctl: the password is empty; a network "
		    "needs one (type it at the prompt, or give it on "
		    "standard input)\n");
		return -1;
	}
	if (!isatty(STDIN_FILENO))
		return 0;
	if (get_password("Retype it: ", again, sizeof(again)) == -1)
		rc = -1;
	else if (strcmp(buf, again) != 0) {
		fprintf(stderr, "hamctl: the passwords do not match; nothing "
		    "was sent\n");
		rc = -1;
	}
	sodium_memzero(again, sizeof(again));
	if (rc == -1)
		sodium_memzero(buf, len);
	return rc;
}

/* ---- requests --------------------------------------------------------- */

int
req_net(struct hub_request *req, const char *s)
{
	if (!hub_name_valid(s) && !hub_netid_parse(s, NULL)) {
		fprintf(stderr, "hamctl: \"%s\" is not a network: give its "
		    "name (1-63 letters, digits, '.', '_' or '-', not "
		    "starting with '.' or '-') or the 32 hex digits of its ID "
		    "that 'hamctl networks' shows\n", s);
		return -1;
	}
	(void)strlcpy(req->net, s, sizeof(req->net));
	return 0;
}

int
req_key(struct hub_request *req, const char *s)
{
	if (key_from_base64(req->key, s) == -1) {
		fprintf(stderr, "hamctl: \"%s\" is not a node's public key: "
		    "give the 44 characters of base64 that 'hamctl status' "
		    "prints on that node or 'hamctl members NETWORK' lists\n",
		    s);
		return -1;
	}
	req->has_key = 1;
	return 0;
}

static int
req_limit(struct hub_request *req, const char *s)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
	    v > 65535) {
		fprintf(stderr, "hamctl: member limit \"%s\": give a number "
		    "from 1 to 65535, or 0 for no limit\n", s);
		return -1;
	}
	req->limit = (uint32_t)v;
	return 0;
}

static int
req_mode(struct hub_request *req, const char *s)
{
	int	 v;

	if ((v = hub_mode_parse(s)) == -1) {
		fprintf(stderr, "hamctl: join mode \"%s\": give auto (the "
		    "password lets a node in), approval (an administrator "
		    "approves it too) or closed (only invited nodes)\n", s);
		return -1;
	}
	req->mode = (uint8_t)v;
	return 0;
}

/* Send a request that changes something, print its result; wipes req. */
int
hub_send(struct ctl_ctx *ctx, struct hub_request *req)
{
	int	 rc;

	rc = ctl_do(ctx, IMSG_CTL_HUB_REQ, req, sizeof(*req));
	sodium_memzero(req, sizeof(*req));
	return rc;
}

static int
node_usage(const char *name)
{
	return ctl_usage(hub_node_commands, hub_node_ncommands, name);
}

/* ---- the commands ----------------------------------------------------- */

static int
cmd_networks(struct ctl_ctx *ctx, const struct command *cmd, int argc,
    char **argv)
{
	struct hub_request	 req;

	if (argc != 1)
		return node_usage(argv[0]);
	memset(&req, 0, sizeof(req));
	req.op = HUB_OP_NETWORKS;
	return ctl_list(ctx, IMSG_CTL_HUB_REQ, &req, sizeof(req),
	    &networks_listing);
}

static int
cmd_members(struct ctl_ctx *ctx, const struct command *cmd, int argc,
    char **argv)
{
	struct hub_request	 req;

	if (argc != 2)
		return node_usage(argv[0]);
	memset(&req, 0, sizeof(req));
	req.op = HUB_OP_MEMBERS;
	if (req_net(&req, argv[1]) == -1)
		return 1;
	return ctl_list(ctx, IMSG_CTL_HUB_REQ, &req, sizeof(req),
	    &members_listing);
}

/* create's options, in any order, each at most once. */
static int
create_options(struct hub_request *req, int argc, char **argv)
{
	int	 i, v, type = 0, mode = 0, limit = 0, eth = 0;

	for (i = 0; i < argc; i++) {
		if ((v = hub_type_parse(argv[i])) != -1 && type++ == 0)
			req->type = (uint8_t)v;
		else if (strcmp(argv[i], "ethernet") == 0 && eth++ == 0)
			req->flags |= HUB_NET_ETHERNET;
		else if (hub_mode_parse(argv[i]) != -1 && mode++ == 0)
			(void)req_mode(req, argv[i]);
		else if (strcmp(argv[i], "limit") == 0 && limit++ == 0) {
			if (i + 1 == argc) {
				fprintf(stderr, "hamctl: limit needs a number: "
				    "limit N, N from 1 to 65535\n");
				return -1;
			}
			if (req_limit(req, argv[++i]) == -1)
				return -1;
		} else {
			fprintf(stderr, "hamctl: unexpected \"%s\": the "
			    "options are mesh, hub-and-spoke or gateway, auto, "
			    "approval or closed, ethernet, and limit N, each "
			    "at most once\n", argv[i]);
			return -1;
		}
	}
	return 0;
}

static int
cmd_create(struct ctl_ctx *ctx, const struct command *cmd, int argc,
    char **argv)
{
	struct hub_request	 req;

	if (argc < 2)
		return node_usage(argv[0]);
	if (hub_netid_parse(argv[1], NULL)) {
		fprintf(stderr, "hamctl: 32 hex digits name a network by its "
		    "ID; choose another name\n");
		return 1;
	}
	memset(&req, 0, sizeof(req));
	req.op = HUB_OP_CREATE;
	if (req_net(&req, argv[1]) == -1 ||
	    create_options(&req, argc - 2, argv + 2) == -1 ||
	    get_new_password(req.net, req.password, sizeof(req.password)) == -1)
		return 1;
	return hub_send(ctx, &req);
}

static int
cmd_join(struct ctl_ctx *ctx, const struct command *cmd, int argc,
    char **argv)
{
	struct hub_request	 req;
	char			 prompt[HUB_NAME_MAX + 64];

	if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "-") != 0))
		return node_usage(argv[0]);
	memset(&req, 0, sizeof(req));
	req.op = HUB_OP_JOIN;
	if (req_net(&req, argv[1]) == -1)
		return 1;
	(void)snprintf(prompt, sizeof(prompt), "Password for %s (just press "
	    "enter if you were invited): ", req.net);
	if (argc == 2 &&
	    get_password(prompt, req.password, sizeof(req.password)) == -1)
		return 1;
	return hub_send(ctx, &req);
}

/* Commands that name a network, and for some a node. */
/* A request on a network, and a member's KEY where the form has one. */
static int
cmd_simple(struct ctl_ctx *ctx, const struct command *cmd, int argc,
    char **argv)
{
	struct hub_request	 req;
	int			 key = strstr(cmd->args, "KEY") != NULL;

	if (argc != 2 + key)
		return node_usage(argv[0]);
	memset(&req, 0, sizeof(req));
	req.op = (uint8_t)cmd->arg;
	if (req_net(&req, argv[1]) == -1 ||
	    (key && req_key(&req, argv[2]) == -1))
		return 1;
	return hub_send(ctx, &req);
}

/* hamctl set NETWORK what ...: argv holds what follows "what". */
static int
set_password(struct hub_request *req, int argc, char **argv)
{
	req->op = HUB_OP_SET_PASSWORD;
	return argc != 0 ? -2 :
	    get_new_password(req->net, req->password, sizeof(req->password));
}

static int
set_mode(struct hub_request *req, int argc, char **argv)
{
	req->op = HUB_OP_SET_MODE;
	return argc != 1 ? -2 : req_mode(req, argv[0]);
}

static int
set_limit(struct hub_request *req, int argc, char **argv)
{
	req->op = HUB_OP_SET_LIMIT;
	return argc != 1 ? -2 : req_limit(req, argv[0]);
}

static int
set_broadcast(struct hub_request *req, int argc, char **argv)
{
	if (argc != 1 || (strcmp(argv[0], "on") != 0 &&
	    strcmp(argv[0], "off") != 0))
		return -2;
	req->op = HUB_OP_SET_BROADCAST;
	req->flags = strcmp(argv[0], "on") == 0 ? HUB_NET_BROADCAST : 0;
	return 0;
}

static int
set_admin(struct hub_request *req, int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "on") != 0 &&
	    strcmp(argv[1], "off") != 0))
		return -2;
	req->op = strcmp(argv[1], "on") == 0 ? HUB_OP_PROMOTE : HUB_OP_DEMOTE;
	return req_key(req, argv[0]);
}

static int
set_owner(struct hub_request *req, int argc, char **argv)
{
	req->op = HUB_OP_TRANSFER;
	return argc != 1 ? -2 : req_key(req, argv[0]);
}

/* What "set" changes; the command table names each form. */
enum { SET_PASSWORD, SET_MODE, SET_LIMIT, SET_ADMIN, SET_OWNER,
	SET_BROADCAST };
static int (*const set_ops[])(struct hub_request *, int, char **) = {
	[SET_PASSWORD] = set_password,
	[SET_MODE] = set_mode,
	[SET_LIMIT] = set_limit,
	[SET_ADMIN] = set_admin,
	[SET_OWNER] = set_owner,
	[SET_BROADCAST] = set_broadcast,
};

static int
set_nickname(struct ctl_ctx *ctx, const struct command *cmd, int argc,
    char **argv)
{
	struct hub_request	 req;

	if (argc != 3)
		return node_usage("set nickname");
	if (!hub_nick_valid(argv[2])) {
		fprintf(stderr, "hamctl: nickname \"%s\": use up to %d "
		    "printable ASCII characters without '\"' or '\\'\n",
		    argv[2], HUB_NICK_MAX - 1);
		return 1;
	}
	memset(&req, 0, sizeof(req));
	req.op = HUB_OP_NICKNAME;
	(void)strlcpy(req.nick, argv[2], sizeof(req.nick));
	return hub_send(ctx, &req);
}

/* hamctl set NETWORK what ...: the form's entry says what. */
static int
cmd_set(struct ctl_ctx *ctx, const struct command *cmd, int argc,
    char **argv)
{
	struct hub_request	 req;
	char			 form[32];
	int			 rc;

	if (argc < 3)
		return node_usage(argv[0]);
	memset(&req, 0, sizeof(req));
	if (req_net(&req, argv[1]) == -1)
		return 1;
	if ((rc = set_ops[cmd->arg](&req, argc - 3, argv + 3)) == -2) {
		(void)snprintf(form, sizeof(form), "set %s", cmd->word);
		return node_usage(form);
	}
	if (rc == -1) {
		sodium_memzero(&req, sizeof(req));
		return 1;
	}
	return hub_send(ctx, &req);
}

const struct command hub_node_commands[] = {
	{ .name = "networks", .args = "",
	    .help = "list this node's networks on its hub, with its role in "
	    "each", .fn = cmd_networks },
	{ .name = "members", .args = "NETWORK",
	    .help = "list a network's members (administrators also see "
	    "pending and evicted ones)", .fn = cmd_members },
	{ .name = "create",
	    .args = "NETWORK [mesh|hub-and-spoke|gateway] "
	    "[auto|approval|closed] [ethernet] [limit N]",
	    .help = "create a network that this node owns (default mesh, "
	    "auto, IP, no limit; ethernet: layer 2 over a TAP device); asks "
	    "for its password", .fn = cmd_create },
	{ .name = "delete", .args = "NETWORK",
	    .help = "delete a network this node owns", .fn = cmd_simple,
	    .arg = HUB_OP_DELETE },
	{ .name = "join", .args = "NETWORK [-]",
	    .help = "join a network; asks for its password (an invited node "
	    "just presses enter, or gives -)", .fn = cmd_join },
	{ .name = "leave", .args = "NETWORK", .help = "leave a network",
	    .fn = cmd_simple, .arg = HUB_OP_LEAVE },
	{ .name = "approve", .args = "NETWORK KEY",
	    .help = "let in a node waiting for approval", .fn = cmd_simple,
	    .arg = HUB_OP_APPROVE },
	{ .name = "reject", .args = "NETWORK KEY",
	    .help = "turn down a node waiting for approval", .fn = cmd_simple,
	    .arg = HUB_OP_REJECT },
	{ .name = "evict", .args = "NETWORK KEY",
	    .help = "remove a member; it cannot rejoin until approved",
	    .fn = cmd_simple, .arg = HUB_OP_EVICT },
	{ .name = "invite", .args = "NETWORK KEY",
	    .help = "let a node join without the password, even when the "
	    "network is closed", .fn = cmd_simple, .arg = HUB_OP_INVITE },
	{ .name = "set", .args = "nickname NAME",
	    .help = "this node's name in member lists (up to 32 characters)",
	    .fn = set_nickname, .word = "nickname", .word_at = 1, .arg = 0 },
	{ .name = "set", .args = "NETWORK password",
	    .help = "change the network's password (owner); asks for it twice",
	    .fn = cmd_set, .word = "password", .word_at = 2,
	    .arg = SET_PASSWORD },
	{ .name = "set", .args = "NETWORK mode auto|approval|closed",
	    .help = "who may join: anyone with the password, those an "
	    "administrator approves, or only invited nodes", .fn = cmd_set,
	    .word = "mode", .word_at = 2, .arg = SET_MODE },
	{ .name = "set", .args = "NETWORK limit N",
	    .help = "allow at most N members (1-65535, 0: no limit)",
	    .fn = cmd_set, .word = "limit", .word_at = 2, .arg = SET_LIMIT },
	{ .name = "set", .args = "NETWORK broadcast on|off",
	    .help = "whether broadcast and multicast flow among the members, "
	    "as on a LAN (owner; on when a network is made)", .fn = cmd_set,
	    .word = "broadcast", .word_at = 2, .arg = SET_BROADCAST },
	{ .name = "set", .args = "NETWORK admin KEY on|off",
	    .help = "make a member an administrator, or a plain member again "
	    "(owner)", .fn = cmd_set, .word = "admin", .word_at = 2,
	    .arg = SET_ADMIN },
	{ .name = "set", .args = "NETWORK owner KEY",
	    .help = "hand the network to another member (owner)",
	    .fn = cmd_set, .word = "owner", .word_at = 2, .arg = SET_OWNER },
};
const size_t hub_node_ncommands = nitems(hub_node_commands);
