/*
 * hamhubd: the parent process of the hub.  It loads the configuration,
 * creates what needs root (state directory, the hub's key, the database
 * directory, the control socket, the listening sockets and the UDP
 * sockets of NAT discovery), spawns the children, hands each one its
 * part, drops every capability and supervises: a child that dies ends
 * the daemon.
 *
 * The hub's key goes to the authority only; the engine, which faces the
 * network, gets the listening sockets and no key or credential.
 */
#include "autoconf.h"

#include <sys/capability.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <linux/filter.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hub/dbconn.h"
#include "hub/hubd_msg.h"
#include "hub/hubconfig.h"
#include "crypto/key.h"
#include "privsep/control.h"
#include "privsep/log.h"
#include "privsep/parent.h"
#include "privsep/policies.h"
#include "privsep/proc.h"
#include "privsep/sandbox.h"

/* The authority's chroot holds only the database directory. */
#define DATABASE_DIR	"data"

_Static_assert(HUBD_CONF_ENGINES_MAX == HUBD_ENGINES_MAX, "engines");

/* Descriptors a process keeps besides its node connections. */
#define FD_RESERVE	(HUBD_NPROCS + HUBD_MAX_LISTEN * HUBD_SOCKS_PER_LISTEN + 64)

struct hubparent {
	struct parent_base	 b;	/* first: ps->arg points to both */
	struct hubd_config	*conf;	/* b.conf, typed */
	char			 authority_dir[PATH_MAX];
	uint32_t		 engines;
	int			 backlog;
	/*
	 * Until sent: for each engine, per address the TCP listener, then
	 * UDP P and P+1.  With several engines each has its own sockets,
	 * bound to the same ports with SO_REUSEPORT: the kernel spreads
	 * connections and datagrams over them.
	 */
	int			 lfds[HUBD_ENGINES_MAX][HUBD_MAX_LISTEN *
				     HUBD_SOCKS_PER_LISTEN];
	/* PostgreSQL: until sent, with the password */
	struct hubd_db_msg	 db;
};

static void
dir_make(const char *dir, mode_t mode, uid_t uid, gid_t gid)
{
	struct stat	 st;

	if (mkdir(dir, mode) == -1 && errno != EEXIST)
		fatal("cannot create %s", dir);
	if (lstat(dir, &st) == -1)
		fatal("%s", dir);
	if (!S_ISDIR(st.st_mode))
		fatalx("%s is not a directory", dir);
	if (st.st_uid != uid || (st.st_mode & 07777) != mode) {
		if (chown(dir, uid, gid) == -1 || chmod(dir, mode) == -1)
			fatal("cannot set owner and mode of %s", dir);
	}
}

/*
 * state-directory (root, 0700): the hub's key; empty/ for control and
 * engine; authority/ (root, 0755) is the authority's chroot and holds
 * data/ (the hub user, 0700), where SQLite keeps the database and its
 * journal.
 */
static void
state_dirs_prepare(struct hubparent *p, uid_t uid, gid_t gid)
{
	char	 data[PATH_MAX];
	int	 n;

	dir_make(p->conf->state_dir, 0700, 0, 0);
	n = snprintf(p->authority_dir, sizeof(p->authority_dir), "%s/%s",
	    p->conf->state_dir, HUBD_AUTHORITY_NAME);
	if (n < 0 || (size_t)n >= sizeof(p->authority_dir))
		fatalx("state-directory path is too long");
	dir_make(p->authority_dir, 0755, 0, 0);
	n = snprintf(data, sizeof(data), "%s/%s", p->authority_dir,
	    DATABASE_DIR);
	if (n < 0 || (size_t)n >= sizeof(data))
		fatalx("state-directory path is too long");
	dir_make(data, 0700, uid, gid);
	if (mkdir(p->conf->chroot_dir, 0755) == -1 && errno != EEXIST)
		fatal("cannot create chroot directory %s", p->conf->chroot_dir);
}

/*
 * A TCP listener on l, or a UDP socket for NAT discovery on l's address
 * and port + port_add (the TCP port and the next one).  No SO_REUSEADDR
 * on UDP: there it would let a second socket share the port silently.
 */
static int
listen_socket(const struct hubd_listen *l, int type, int port_add, int shared,
    int backlog)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)(void *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)(void *)&ss;
	char			 host[INET6_ADDRSTRLEN];
	int			 fd, one = 1, port;

	memcpy(&ss, &l->ss, sizeof(ss));
	/* port_add -1: a port of the kernel's choosing. */
	if (ss.ss_family == AF_INET) {
		port = port_add < 0 ? 0 : ntohs(sin->sin_port) + port_add;
		sin->sin_port = htons((uint16_t)port);
		(void)inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
	} else {
		port = port_add < 0 ? 0 : ntohs(sin6->sin6_port) + port_add;
		sin6->sin6_port = htons((uint16_t)port);
		(void)inet_ntop(AF_INET6, &sin6->sin6_addr, host,
		    sizeof(host));
	}
	if ((fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		fatal("socket");
	if (type == SOCK_STREAM)
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one));
	if (shared && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one,
	    sizeof(one)) == -1)
		fatal("setsockopt SO_REUSEPORT");
	if (ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one));
	/* Answers leave from the address the probe reached (wildcards). */
	if (type == SOCK_DGRAM && (ss.ss_family == AF_INET ?
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) :
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
	    sizeof(one))) == -1)
		fatal("setsockopt PKTINFO");
	if (bind(fd, (struct sockaddr *)&ss, l->len) == -1) {
		if (type == SOCK_DGRAM)
			fatal("cannot bind UDP %s port %d for NAT discovery "
			    "(port in use? the hub needs UDP on its TCP port "
			    "and the next one)", host, port);
		fatal("cannot listen on %s port %d (another hub running? "
		    "change listen in the configuration)", host, port);
	}
	if (type == SOCK_STREAM && listen(fd, backlog) == -1)
		fatal("listen");
	return fd;
}

/*
 * With several engines, the kernel picks a socket of the group by a
 * classic BPF program: the source address (an IPv6 /64) modulo the
 * number of engines.  So every connection and datagram from one address
 * reaches the same engine, which can count connections per address
 * exactly, and a node's TCP connection and UDP datagrams meet in one
 * engine (the relay's and discovery's sockets form groups in the same
 * order).  The sockets of a group were bound, and listened, in engine
 * order: index e is engine e.
 */
static void
steer_by_source(int fd, int af, uint32_t engines)
{
	struct sock_filter	 v4[] = {
		{ BPF_LD | BPF_W | BPF_ABS, 0, 0, (uint32_t)SKF_NET_OFF + 12 },
		{ BPF_ALU | BPF_MOD | BPF_K, 0, 0, engines },
		{ BPF_RET | BPF_A, 0, 0, 0 },
	};
	struct sock_filter	 v6[] = {
		{ BPF_LD | BPF_W | BPF_ABS, 0, 0, (uint32_t)SKF_NET_OFF + 8 },
		{ BPF_MISC | BPF_TAX, 0, 0, 0 },
		{ BPF_LD | BPF_W | BPF_ABS, 0, 0, (uint32_t)SKF_NET_OFF + 12 },
		{ BPF_ALU | BPF_XOR | BPF_X, 0, 0, 0 },
		{ BPF_ALU | BPF_MOD | BPF_K, 0, 0, engines },
		{ BPF_RET | BPF_A, 0, 0, 0 },
	};
	struct sock_fprog	 prog;

	if (af == AF_INET) {
		prog.len = nitems(v4);
		prog.filter = v4;
	} else {
		prog.len = nitems(v6);
		prog.filter = v6;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog,
	    sizeof(prog)) == -1)
		fatal("setsockopt SO_ATTACH_REUSEPORT_CBPF");
}

/*
 * SO_REUSEPORT would let another process of ours (root, binding before
 * it drops privileges) join the group silently, where a plain bind
 * fails: so the port must be free first, as a plain bind finds it.
 */
static void
listen_probe(const struct hubd_listen *l, int type, int port_add)
{
	(void)close(listen_socket(l, type, port_add, 0, 1));
}

/*
 * The listen backlog: the kernel's maximum (net.core.somaxconn), so
 * that a hub restarted under many nodes drops no connection the kernel
 * could have kept waiting.
 */
static int
listen_backlog(void)
{
	char	 buf[32];
	long	 n = 0;
	FILE	*f;

	if ((f = fopen("/proc/sys/net/core/somaxconn", "r")) != NULL) {
		if (fgets(buf, sizeof(buf), f) != NULL)
			n = strtol(buf, NULL, 10);
		(void)fclose(f);
	}
	/* Unreadable: listen() caps whatever it is given at the maximum. */
	return n > 0 && n <= INT_MAX ? (int)n : 65535;
}

/*
 * Raise the open-file limit as far as this process may (children
 * inherit it) and say what that allows: each engine holds its share of
 * the node connections, one descriptor each.
 */
static void
nofile_raise(struct hubparent *p)
{
	struct rlimit	 rl;
	char		 buf[32];
	long		 nr_open = 0;
	rlim_t		 per, total;
	FILE		*f;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("getrlimit RLIMIT_NOFILE");
		return;
	}
	if ((f = fopen("/proc/sys/fs/nr_open", "r")) != NULL) {
		if (fgets(buf, sizeof(buf), f) != NULL)
			nr_open = strtol(buf, NULL, 10);
		(void)fclose(f);
	}
	/* Above the hard limit only with CAP_SYS_RESOURCE; else the hard. */
	if (nr_open > 0 && (rlim_t)nr_open > rl.rlim_max) {
		struct rlimit	 up = { (rlim_t)nr_open, (rlim_t)nr_open };

		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			rl = up;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("setrlimit RLIMIT_NOFILE");
	}
	(void)getrlimit(RLIMIT_NOFILE, &rl);
	per = rl.rlim_cur > FD_RESERVE ? rl.rlim_cur - FD_RESERVE : 0;
	total = per * p->engines;
	log_info("open files: %llu per process; %u engine%s can hold about "
	    "%llu node connections (max-connections %u)",
	    (unsigned long long)rl.rlim_cur, p->engines,
	    p->engines == 1 ? "" : "s", (unsigned long long)total,
	    p->conf->max_conns);
	if (total < p->conf->max_conns)
		log_warnx("max-connections %u is more than the open-file limit "
		    "allows: raise the limit (LimitNOFILE=) or use more "
		    "engines", p->conf->max_conns);
}

/* Port 65535 leaves no next port for the second discovery socket. */
static void
listen_check_ports(const struct hubd_config *conf, const char *conffile)
{
	const struct sockaddr	*sa;
	char			 buf[HUBD_LISTEN_STRLEN];
	int			 i, port;

	for (i = 0; i < conf->nlisten; i++) {
		sa = (const struct sockaddr *)&conf->listen[i].ss;
		port = ntohs(sa->sa_family == AF_INET ?
		    ((const struct sockaddr_in *)(const void *)sa)->sin_port :
		    ((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
		if (port == 65535)
			fatalx("%s: listen %s: port 65535 is not usable: NAT "
			    "discovery also needs UDP on the next port; "
			    "choose a lower port", conffile,
			    hubd_listen_str(&conf->listen[i], buf,
			    sizeof(buf)));
	}
}

/*
 * To each engine, per address: the TCP listener (kind 0), then UDP P and
 * P+1 (kind 1).  Every engine's list is in the same order, so a socket's
 * index names the same address and port in all of them.
 */
static void
send_listeners(struct hubparent *p)
{
	int32_t		 kind;
	uint32_t	 e;
	int		 i;

	for (e = 0; e < p->engines; e++)
		for (i = 0; i < p->conf->nlisten * HUBD_SOCKS_PER_LISTEN;
		    i++) {
			switch (i % HUBD_SOCKS_PER_LISTEN) {
			case 0:
				kind = HUBD_LISTENER_TCP;
				break;
			case 3:
				kind = HUBD_LISTENER_ASIDE;
				break;
			default:
				kind = HUBD_LISTENER_UDP;
				break;
			}
			proc_compose(&p->b.ps, HUBD_PROC_ENGINE + (int)e,
			    IMSG_HUBD_LISTENER, 0, p->lfds[e][i], &kind,
			    sizeof(kind));
			p->lfds[e][i] = -1;
		}
}

/*
 * The database first: the authority opens its store on it, before the
 * configuration that uses the store.
 */
static void
send_database(struct hubparent *p)
{
	p->db.type = p->conf->db_type;
	proc_compose(&p->b.ps, HUBD_PROC_AUTHORITY, IMSG_HUBD_DATABASE, 0, -1,
	    &p->db, sizeof(p->db));
	sodium_memzero(&p->db, sizeof(p->db));
}

static void
send_conf(struct hubparent *p)
{
	struct hubd_conf_msg	 m;
	int			 i;

	memset(&m, 0, sizeof(m));
	m.engines = p->engines;
	m.pool4 = p->conf->pool4;
	m.pool6 = p->conf->pool6;
	m.max_conns = p->conf->max_conns;
	m.max_per_addr = p->conf->max_per_addr;
	m.login_timeout = p->conf->login_timeout;
	m.node_expiry = p->conf->node_expiry;
	for (i = 0; i < p->b.ps.nprocs && i < HUBD_NPROCS; i++)
		m.pids[i] = p->b.ps.pids[i];
	m.pids[PROC_PARENT] = (int32_t)getpid();
	for (i = 0; i < (int)p->engines; i++)
		proc_compose(&p->b.ps, HUBD_PROC_ENGINE + i, IMSG_HUBD_CONF, 0,
		    -1, &m, sizeof(m));
	proc_compose(&p->b.ps, HUBD_PROC_AUTHORITY, IMSG_HUBD_CONF, 0, -1, &m,
	    sizeof(m));
}

/* Only access rules and log level change on reload; say what does not. */
static int
hubd_reload(struct parent_base *b, void *nc, char *msg, size_t msglen)
{
	struct hubparent	*p = (struct hubparent *)b;
	struct hubd_config	*nconf = nc, keep = *p->conf;

	keep.read_access = nconf->read_access;
	keep.verbose = nconf->verbose;
	(void)strlcpy(keep.admin_group, nconf->admin_group,
	    sizeof(keep.admin_group));
	*nconf = keep;
	p->conf = nconf;
	(void)snprintf(msg, msglen, "access rules and log level reloaded "
	    "from %s; other settings take effect after a restart",
	    p->b.conffile);
	return 0;
}


static void
parent_dispatch_authority(struct privsep *ps, int from, struct imsg *imsg)
{
	uint8_t	 pub[KEY_LEN];
	char	 b64[KEY_B64_LEN + 1];

	switch (imsg->hdr.type) {
	case IMSG_HUBD_PUBKEY:
		(void)imsg_get_data(imsg, pub, sizeof(pub));
		key_to_base64(b64, pub);
		log_info("hub public key %s", b64);
		break;
	default:
		fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
	}
}


/* ---- the program ---------------------------------------------------- */

/* What hamctl may ask, who may ask it, and which process answers. */
static const struct ctl_request hubd_ctl_requests[] = {
	{ .type = IMSG_CTL_STATUS, .name = "status", .need = NEED_READ,
	    .to = HUBD_PROC_AUTHORITY },
	{ .type = IMSG_CTL_RELOAD, .name = "reload", .need = NEED_ADMIN,
	    .to = PROC_PARENT },
	{ .type = IMSG_CTL_LOG_VERBOSE, .name = "log", .need = NEED_ADMIN,
	    .len = sizeof(int32_t), .to = PROC_PARENT },
	{ .type = IMSG_CTL_HUBD_STATUS, .name = "hub status",
	    .need = NEED_READ, .to = HUBD_PROC_AUTHORITY },
	{ .type = IMSG_CTL_HUBD_NODES, .name = "hub nodes", .need = NEED_READ,
	    .to = HUBD_PROC_AUTHORITY },
	{ .type = IMSG_CTL_HUBD_NETWORKS, .name = "hub networks",
	    .need = NEED_READ, .to = HUBD_PROC_AUTHORITY },
	{ .type = IMSG_CTL_HUBD_BLOCKS, .name = "hub blocks",
	    .need = NEED_READ, .to = HUBD_PROC_AUTHORITY },
	{ .type = IMSG_CTL_HUBD_BLOCK, .name = "hub block", .need = NEED_ADMIN,
	    .len = sizeof(struct ctl_cidr), .to = HUBD_PROC_AUTHORITY },
	{ .type = IMSG_CTL_HUBD_UNBLOCK, .name = "hub unblock",
	    .need = NEED_ADMIN, .len = sizeof(struct ctl_cidr),
	    .to = HUBD_PROC_AUTHORITY },
	/* control itself subscribes the connection to the events */
	{ .type = IMSG_CTL_MONITOR, .name = "monitor", .need = NEED_READ,
	    .to = HUBD_PROC_CONTROL },
};

static const struct control_program hubd_control = {
	.requests = hubd_ctl_requests,
	.nrequests = nitems(hubd_ctl_requests),
	.conffile = "hamhubd.conf",
	.monitor = IMSG_CTL_MONITOR,
	.event = IMSG_CTL_EVENT,
};

static void
hubcontrol_run(struct privsep *ps)
{
	control_main(ps, &hubd_control);
}

static const struct proc_desc hubd_procs[HUBD_NPROCS] = {
	[PROC_PARENT] = { "parent", NULL },
	[HUBD_PROC_CONTROL] = { "control", hubcontrol_run },
	[HUBD_PROC_AUTHORITY] = { "authority", authority_run },
	[HUBD_PROC_WEB] = { "web", hubweb_run, .optional = 1 },
	[HUBD_PROC_ENGINE] = { "engine", hubengine_run },
	[HUBD_PROC_ENGINE + 1] = { "engine2", hubengine_run },
	[HUBD_PROC_ENGINE + 2] = { "engine3", hubengine_run },
	[HUBD_PROC_ENGINE + 3] = { "engine4", hubengine_run },
	[HUBD_PROC_ENGINE + 4] = { "engine5", hubengine_run },
	[HUBD_PROC_ENGINE + 5] = { "engine6", hubengine_run },
	[HUBD_PROC_ENGINE + 6] = { "engine7", hubengine_run },
	[HUBD_PROC_ENGINE + 7] = { "engine8", hubengine_run },
	[HUBD_PROC_ENGINE + 8] = { "engine9", hubengine_run },
	[HUBD_PROC_ENGINE + 9] = { "engine10", hubengine_run },
	[HUBD_PROC_ENGINE + 10] = { "engine11", hubengine_run },
	[HUBD_PROC_ENGINE + 11] = { "engine12", hubengine_run },
	[HUBD_PROC_ENGINE + 12] = { "engine13", hubengine_run },
	[HUBD_PROC_ENGINE + 13] = { "engine14", hubengine_run },
	[HUBD_PROC_ENGINE + 14] = { "engine15", hubengine_run },
	[HUBD_PROC_ENGINE + 15] = { "engine16", hubengine_run },
};
_Static_assert(HUBD_ENGINES_MAX == 16, "hubd_procs names every engine");


static void *
hubd_parse(const char *file, const char *opt_socket)
{
	return hubd_parse_config(file, opt_socket);
}

static void
hubd_free(void *conf)
{
	hubd_config_free(conf);
}

static void
hubd_settings(const void *c, struct parent_settings *set)
{
	const struct hubd_config	*conf = c;

	set->user = conf->user;
	set->chroot_dir = conf->chroot_dir;
	set->socket_path = conf->socket_path;
	set->admin_group = conf->admin_group;
	set->read_access = conf->read_access;
	set->verbose = conf->verbose;
	if (hubd_private_key_path(conf, set->keypath,
	    sizeof(set->keypath)) == NULL)
		fatalx("private key path is too long");
	set->key_may_create = 1;
	set->web = conf->web;
}

static void
hubd_check(struct parent_base *b)
{
	listen_check_ports(b->conf, b->conffile);
}

static void
hubd_prepare(struct parent_base *b, uid_t uid, gid_t gid)
{
	struct hubparent	*p = (struct hubparent *)b;

	p->conf = b->conf;
	state_dirs_prepare(p, uid, gid);
	b->ps.chroot_dirs[HUBD_PROC_AUTHORITY] = p->authority_dir;
}

/* Bound now, while the parent may still bind a low port. */
static int
hubd_setup(struct parent_base *b, char *err, size_t errlen)
{
	struct hubparent	*p = (struct hubparent *)b;
	const struct hubd_listen *l;
	uint32_t		 e;
	int			 i, k, shared, *fds;

	/* While the password file and the resolver can still be read. */
	if (p->conf->db_type == HUBD_DB_POSTGRESQL &&
	    dbconn_prepare(p->conf, &p->db, err, errlen) == -1)
		return -1;
	p->engines = hubd_engines(p->conf);
	b->ps.nprocs = HUBD_PROC_ENGINE + (int)p->engines;
	p->backlog = listen_backlog();
	shared = p->engines > 1;
	for (i = 0; i < p->conf->nlisten; i++) {
		l = &p->conf->listen[i];
		if (shared) {
			listen_probe(l, SOCK_STREAM, 0);
			listen_probe(l, SOCK_DGRAM, 0);
			listen_probe(l, SOCK_DGRAM, 1);
		}
		for (e = 0; e < p->engines; e++) {
			fds = &p->lfds[e][i * HUBD_SOCKS_PER_LISTEN];
			fds[0] = listen_socket(l, SOCK_STREAM, 0, shared,
			    p->backlog);
			fds[1] = listen_socket(l, SOCK_DGRAM, 0, shared, 0);
			fds[2] = listen_socket(l, SOCK_DGRAM, 1, shared, 0);
			/*
			 * Each engine's own, on a port no node sends to: the
			 * filtering probe's answer leaves from it.
			 */
			fds[3] = listen_socket(l, SOCK_DGRAM, -1, 0, 0);
		}
		if (shared)
			for (k = 0; k < 3; k++)
				steer_by_source(p->lfds[0][i *
				    HUBD_SOCKS_PER_LISTEN + k],
				    l->ss.ss_family, p->engines);
	}
	nofile_raise(p);
	log_info("%u engine%s, listen backlog %d", p->engines,
	    p->engines == 1 ? "" : "s", p->backlog);
	return 0;
}

static void
hubd_start(struct parent_base *b)
{
	struct hubparent	*p = (struct hubparent *)b;

	send_database(p);
	send_conf(p);
	send_listeners(p);
}

/* Everything is bound; the parent needs only to stop its children. */
static const int hubd_caps[] = { CAP_KILL };

static const struct proc_peer hubd_parent_peers[] = {
	{ HUBD_PROC_AUTHORITY, parent_dispatch_authority },
};

static const struct parent_program hubd_program = {
	.name = "hamhubd",
	.usage = "[-dnv] [-f file] [-s socket]",
	.conffile = HUBD_CONF_DEFAULT_FILE,
	.procs = hubd_procs,
	.nprocs = HUBD_NPROCS,
	.web = HUBD_PROC_WEB,
	.webtype = IMSG_HUBD_WEB_LISTENER,
	.rules = hubd_msg_rules,
	.nrules = HUBD_IMSG_MAX,
	.control = HUBD_PROC_CONTROL,
	.keyproc = HUBD_PROC_AUTHORITY,
	.keytype = IMSG_HUBD_PRIVKEY,
	.keywhat = "hub",
	.caps = hubd_caps,
	.ncaps = nitems(hubd_caps),
	.policy = &policy_hubd_parent,
	.peers = hubd_parent_peers,
	.npeers = nitems(hubd_parent_peers),
	.parse = hubd_parse,
	.free = hubd_free,
	.settings = hubd_settings,
	.check = hubd_check,
	.prepare = hubd_prepare,
	.setup = hubd_setup,
	.start = hubd_start,
	.reload = hubd_reload,
};

int
main(int argc, char *argv[])
{
	static struct hubparent	 p;

	return parent_main(&hubd_program, &p.b, argc, argv);
}
