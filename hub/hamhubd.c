/*
 * hamhubd: the parent process of the hub.  It loads the configuration,
 * creates what needs root (state directory, the hub's key, the database
 * directory, the control socket, the listening sockets and the UDP
 * sockets of NAT discovery), spawns the children, hands each one its
 * part, drops every capability and supervises: a child that dies ends
 * the daemon.
 *
 * The hub's key goes to the authority only; the engine, which faces the
 * network, gets the listening sockets and nothing secret.
 */
#include "autoconf.h"

#include <sys/capability.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
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

#include "hamd.h"
#include "hubconfig.h"
#include "key.h"
#include "log.h"
#include "parent.h"
#include "proc.h"
#include "sandbox.h"

/* The authority's chroot holds only the database directory. */
#define DATABASE_DIR	"data"

struct hubparent {
	struct parent_base	 b;	/* first: ps->arg points to both */
	struct hubd_config	*conf;
	const char		*conffile;
	const char		*opt_socket;
	int			 opt_verbose;
	char			 authority_dir[PATH_MAX];
	/* until sent: per address the TCP listener, then UDP P and P+1 */
	int			 lfds[HUBD_MAX_LISTEN * 3];
	struct event		*ev_sig[4];
};

static __dead void
usage(void)
{
	fprintf(stderr, "usage: hamhubd [-dnv] [-f file] [-s socket]\n");
	exit(1);
}

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
listen_socket(const struct hubd_listen *l, int type, int port_add)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)(void *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)(void *)&ss;
	char			 host[INET6_ADDRSTRLEN];
	int			 fd, one = 1, port;

	memcpy(&ss, &l->ss, sizeof(ss));
	if (ss.ss_family == AF_INET) {
		port = ntohs(sin->sin_port) + port_add;
		sin->sin_port = htons((uint16_t)port);
		(void)inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
	} else {
		port = ntohs(sin6->sin6_port) + port_add;
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
	if (type == SOCK_STREAM && listen(fd, 128) == -1)
		fatal("listen");
	return fd;
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

/* Per address: the TCP listener (kind 0), then UDP P and P+1 (kind 1). */
static void
send_listeners(struct hubparent *p)
{
	int32_t	 kind;
	int	 i;

	for (i = 0; i < p->conf->nlisten * 3; i++) {
		kind = i % 3 == 0 ? 0 : 1;
		proc_compose(&p->b.ps, HUBD_PROC_ENGINE, IMSG_HUBD_LISTENER, 0,
		    p->lfds[i], &kind, sizeof(kind));
		p->lfds[i] = -1;
	}
}

static void
send_conf(struct hubparent *p)
{
	struct hubd_conf_msg	 m;
	int			 i;

	memset(&m, 0, sizeof(m));
	m.pool4 = p->conf->pool4;
	m.pool6 = p->conf->pool6;
	m.max_conns = p->conf->max_conns;
	m.max_per_addr = p->conf->max_per_addr;
	m.login_timeout = p->conf->login_timeout;
	for (i = 0; i < PROC_MAX; i++)
		m.pids[i] = p->b.ps.pids[i];
	m.pids[PROC_PARENT] = (int32_t)getpid();
	proc_compose(&p->b.ps, HUBD_PROC_ENGINE, IMSG_HUBD_CONF, 0, -1, &m,
	    sizeof(m));
	proc_compose(&p->b.ps, HUBD_PROC_AUTHORITY, IMSG_HUBD_CONF, 0, -1, &m,
	    sizeof(m));
}

static int
effective_verbose(const struct hubparent *p)
{
	return p->opt_verbose > p->conf->verbose ? p->opt_verbose :
	    p->conf->verbose;
}

/* Only access rules and log level change on reload; say what does not. */
static int
parent_reload(struct hubparent *p, char *msg, size_t msglen)
{
	struct hubd_config	*nconf;
	struct conf_control	 cc;

	log_info("reloading configuration from %s", p->conffile);
	if ((nconf = hubd_parse_config(p->conffile, p->opt_socket)) == NULL) {
		(void)snprintf(msg, msglen, "%s has errors (see the log); "
		    "the running configuration is kept", p->conffile);
		return EINVAL;
	}
	if (parent_conf_control(nconf->admin_group, nconf->read_access,
	    p->conffile, &cc) == -1) {
		hubd_config_free(nconf);
		(void)snprintf(msg, msglen, "admin-group of %s does not "
		    "exist; the running configuration is kept", p->conffile);
		return EINVAL;
	}
	proc_compose(&p->b.ps, HUBD_PROC_CONTROL, IMSG_CONF_CONTROL, 0, -1,
	    &cc, sizeof(cc));
	p->conf->read_access = nconf->read_access;
	p->conf->verbose = nconf->verbose;
	(void)strlcpy(p->conf->admin_group, nconf->admin_group,
	    sizeof(p->conf->admin_group));
	hubd_config_free(nconf);
	parent_broadcast_verbose(&p->b, effective_verbose(p));
	(void)snprintf(msg, msglen, "access rules and log level reloaded "
	    "from %s; other settings take effect after a restart",
	    p->conffile);
	return 0;
}

static void
reply_result(struct hubparent *p, uint32_t client, int code, const char *msg)
{
	struct ctl_result	 r;

	memset(&r, 0, sizeof(r));
	r.code = code;
	(void)strlcpy(r.msg, msg, sizeof(r.msg));
	proc_compose(&p->b.ps, HUBD_PROC_CONTROL, IMSG_CTL_RESULT, client, -1,
	    &r, sizeof(r));
}

static void
parent_dispatch_control(struct privsep *ps, int from, struct imsg *imsg)
{
	struct hubparent	*p = ps->arg;
	struct ctl_cred		 cred;
	char			 msg[CTL_MSG_MAX];
	int32_t			 v;
	int			 code;

	memcpy(&cred, imsg->data, sizeof(cred));
	switch (imsg->hdr.type) {
	case IMSG_CTL_RELOAD:
		code = parent_reload(p, msg, sizeof(msg));
		audit("reload", "uid=%u pid=%d via=control result=%s",
		    cred.uid, cred.pid, code == 0 ? "ok" : "rejected");
		reply_result(p, imsg->hdr.peerid, code, msg);
		break;
	case IMSG_CTL_LOG_VERBOSE:
		memcpy(&v, (const uint8_t *)imsg->data + sizeof(cred),
		    sizeof(v));
		if (v != 0 && v != 1)
			fatalx("control sent log level %d", v);
		parent_broadcast_verbose(&p->b, v);
		audit("log-level", "uid=%u pid=%d level=%s", cred.uid,
		    cred.pid, v ? "verbose" : "brief");
		reply_result(p, imsg->hdr.peerid, 0, v ?
		    "log level is now verbose" : "log level is now brief");
		break;
	default:
		fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
	}
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

static void
parent_dispatch_none(struct privsep *ps, int from, struct imsg *imsg)
{
	fatalx("%s: unexpected message %u from %s", __func__, imsg->hdr.type,
	    ps->procs[from].name);
}

static void
parent_signal(int sig, short ev, void *arg)
{
	struct hubparent	*p = arg;
	char			 msg[CTL_MSG_MAX];
	int			 code;

	switch (sig) {
	case SIGCHLD:
		parent_sigchld(&p->b);
		break;
	case SIGHUP:
		code = parent_reload(p, msg, sizeof(msg));
		if (code != 0)
			log_warnx("%s", msg);
		audit("reload", "uid=%u via=SIGHUP result=%s", 0U,
		    code == 0 ? "ok" : "rejected");
		break;
	case SIGINT:
	case SIGTERM:
		log_info("received %s, shutting down", signame(sig));
		parent_shutdown(&p->b, 0);
		break;
	}
}

static void
parent_on_close(struct privsep *ps, int peer)
{
	proc_close(ps, peer);
}

static __dead void
child_main(const char *name, const char *user, const char *dir,
    int verbose)
{
	struct privsep	 ps;

	memset(&ps, 0, sizeof(ps));
	ps.procs = hubd_procs;
	ps.rules = hubd_msg_rules;
	ps.nrules = IMSG_MAX_TYPE;
	if ((ps.id = proc_lookup(&ps, name)) <= PROC_PARENT)
		fatalx("unknown process name %s", name);
	if (user == NULL || dir == NULL)
		fatalx("-P needs -U and -C: it is for hamhubd's own use");
	ps.user = user;
	ps.chroot_dir = dir;
	ps.verbose = verbose;
	log_init("hamhubd", 1, verbose);
	log_procname(name);
	proc_child_fds(&ps);
	ps.procs[ps.id].run(&ps);
	exit(0);
}

int
main(int argc, char *argv[])
{
	struct hubparent	 p;
	struct conf_control	 cc;
	uint8_t			 priv[KEY_LEN];
	const char		*procname = NULL, *puser = NULL, *pdir = NULL;
	char			 err[512], keypath[PATH_MAX];
	uid_t			 uid;
	gid_t			 gid;
	int			 ch, foreground = 0, noaction = 0, verbose = 0;
	int			 sigs[4] = { SIGCHLD, SIGHUP, SIGINT, SIGTERM };
	int			 keep[] = { CAP_KILL };
	int			 ctl_sock, i;

	memset(&p, 0, sizeof(p));
	p.conffile = HUBD_CONF_DEFAULT_FILE;
	while ((ch = getopt(argc, argv, "C:df:nP:s:U:v")) != -1) {
		switch (ch) {
		case 'C':
			pdir = optarg;
			break;
		case 'd':
			foreground = 1;
			break;
		case 'f':
			p.conffile = optarg;
			break;
		case 'n':
			noaction = 1;
			break;
		case 'P':
			procname = optarg;
			break;
		case 's':
			p.opt_socket = optarg;
			break;
		case 'U':
			puser = optarg;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (procname != NULL)
		child_main(procname, puser, pdir, verbose);

	log_init("hamhubd", 1, verbose);
	log_procname("parent");
	if (sodium_init() < 0)
		fatalx("libsodium failed to initialise");
	if ((p.conf = hubd_parse_config(p.conffile, p.opt_socket)) == NULL)
		fatalx("%s: configuration has errors, not starting",
		    p.conffile);
	if (parent_conf_control(p.conf->admin_group, p.conf->read_access,
	    p.conffile, &cc) == -1)
		fatalx("%s: configuration has errors, not starting",
		    p.conffile);
	listen_check_ports(p.conf, p.conffile);
	if (noaction) {
		fprintf(stderr, "configuration OK\n");
		exit(0);
	}
	if (geteuid() != 0)
		fatalx("hamhubd must be started as root: it drops its "
		    "privileges itself");
	if (sandbox_lookup_user(p.conf->user, &uid, &gid, err,
	    sizeof(err)) == -1)
		fatalx("%s", err);
	state_dirs_prepare(&p, uid, gid);
	if (sandbox_check_chroot(p.conf->chroot_dir, err, sizeof(err)) == -1)
		fatalx("%s", err);
	p.opt_verbose = verbose;
	if (hubd_private_key_path(p.conf, keypath, sizeof(keypath)) == NULL)
		fatalx("private key path is too long");
	parent_key_load(keypath, 1, "hub", priv);
	p.b.progname = "hamhubd";
	ctl_sock = parent_ctl_socket_open(&p.b, p.conf->socket_path);
	/* Bound now, while the parent may still bind a low port. */
	for (i = 0; i < p.conf->nlisten; i++) {
		p.lfds[i * 3] = listen_socket(&p.conf->listen[i],
		    SOCK_STREAM, 0);
		p.lfds[i * 3 + 1] = listen_socket(&p.conf->listen[i],
		    SOCK_DGRAM, 0);
		p.lfds[i * 3 + 2] = listen_socket(&p.conf->listen[i],
		    SOCK_DGRAM, 1);
	}

	if (!foreground) {
		if (daemon(0, 0) == -1)
			fatal("daemon");
		log_init("hamhubd", 0, effective_verbose(&p));
	}
	log_setverbose(effective_verbose(&p));

	p.b.ps.procs = hubd_procs;
	p.b.ps.rules = hubd_msg_rules;
	p.b.ps.nrules = IMSG_MAX_TYPE;
	p.b.ps.id = PROC_PARENT;
	p.b.ps.arg = &p;
	p.b.ps.user = p.conf->user;
	p.b.ps.chroot_dir = p.conf->chroot_dir;
	p.b.ps.chroot_dirs[HUBD_PROC_AUTHORITY] = p.authority_dir;
	p.b.ps.progname = "hamhubd";
	p.b.ps.foreground = foreground;
	p.b.ps.verbose = effective_verbose(&p);
	(void)signal(SIGPIPE, SIG_IGN);
	proc_spawn(&p.b.ps, argc, argv);
	/* Everything is bound; the parent needs only to stop children. */
	sandbox_parent_caps(keep, 1);

	if ((p.b.ps.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	p.b.ps.dispatch[HUBD_PROC_CONTROL] = parent_dispatch_control;
	p.b.ps.dispatch[HUBD_PROC_ENGINE] = parent_dispatch_none;
	p.b.ps.dispatch[HUBD_PROC_AUTHORITY] = parent_dispatch_authority;
	p.b.ps.on_close = parent_on_close;
	proc_listen(&p.b.ps);
	for (i = 0; i < 4; i++) {
		p.ev_sig[i] = evsignal_new(p.b.ps.base, sigs[i], parent_signal,
		    &p);
		if (p.ev_sig[i] == NULL || evsignal_add(p.ev_sig[i], NULL) == -1)
			fatalx("cannot install signal handlers");
	}

	proc_compose(&p.b.ps, HUBD_PROC_CONTROL, IMSG_CONF_CONTROL, 0, -1, &cc,
	    sizeof(cc));
	proc_compose(&p.b.ps, HUBD_PROC_CONTROL, IMSG_CONTROL_SOCKET, 0,
	    ctl_sock, NULL, 0);
	send_conf(&p);
	proc_compose(&p.b.ps, HUBD_PROC_AUTHORITY, IMSG_HUBD_PRIVKEY, 0, -1,
	    priv, sizeof(priv));
	sodium_memzero(priv, sizeof(priv));
	send_listeners(&p);

	log_info("started (version %s, control socket %s)", PACKAGE_VERSION,
	    p.b.ctl_path);
	audit("start", "pid=%d version=%s config=%s", (int)getpid(),
	    PACKAGE_VERSION, p.conffile);

	event_base_dispatch(p.b.ps.base);

	parent_ctl_socket_remove(&p.b);
	audit("stop", "pid=%d reason=%s", (int)getpid(),
	    p.b.exit_code == 0 ? "signal" : "child-death");
	log_info("stopped");
	hubd_config_free(p.conf);
	return p.b.exit_code;
}
