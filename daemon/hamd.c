/*
 * hamd: the parent process.  It loads the configuration, creates what
 * needs root (state directory, key file, control socket, later the TUN
 * device and the UDP sockets), spawns the children, hands each one the
 * part it needs, then keeps only CAP_NET_ADMIN and CAP_KILL and
 * supervises: a child that dies ends the daemon.
 */
#include "autoconf.h"

#include <sys/capability.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "hamd.h"
#include "key.h"
#include "log.h"
#include "netconf.h"
#include "proc.h"
#include "sandbox.h"

/* How long children get to exit on their own before SIGKILL. */
#define SHUTDOWN_GRACE_MS	1000

struct parent {
	struct privsep		 ps;
	struct hamd_config	*conf;
	const char		*conffile;
	const char		*opt_socket;
	int			 opt_verbose;
	int			 ctl_sock;
	dev_t			 ctl_dev;
	ino_t			 ctl_ino;
	char			 ctl_path[CONF_SOCKET_MAX];
	time_t			 started;
	uint8_t			 pubkey[KEY_LEN];
	int			 have_pubkey;
	int			 shutting_down;
	int			 exit_code;
	struct event		*ev_timer;
	struct event		*ev_sig[4];
	struct netconf		 net;
};

static __dead void
usage(void)
{
	fprintf(stderr, "usage: hamd [-dnv] [-f file] [-s socket]\n");
	exit(1);
}

static const char *
signame(int sig)
{
	static char	 buf[16];
	const char	*n = sigabbrev_np(sig);

	if (n == NULL) {
		(void)snprintf(buf, sizeof(buf), "%d", sig);
		return buf;
	}
	(void)snprintf(buf, sizeof(buf), "SIG%s", n);
	return buf;
}

/* The state directory: root-owned, 0700; created on first start. */
static void
state_dir_prepare(const struct hamd_config *conf)
{
	struct stat	 st;
	const char	*dir = conf->state_dir;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		fatal("cannot create state directory %s", dir);
	if (stat(dir, &st) == -1)
		fatal("state directory %s", dir);
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)))
		fatalx("state directory %s must be a directory owned by root "
		    "and writable only by root (fix with: chown root %s && "
		    "chmod 700 %s)", dir, dir, dir);
	/* The default chroot lives inside it; create it if missing. */
	if (mkdir(conf->chroot_dir, 0755) == -1 && errno != EEXIST &&
	    errno != ENOENT)
		fatal("cannot create chroot directory %s", conf->chroot_dir);
}

/* Read the node key, creating it on first start at the default path. */
static void
node_key_load(const struct hamd_config *conf, uint8_t priv[KEY_LEN])
{
	char		 path[PATH_MAX], err[512];
	struct stat	 st;
	uint8_t		 pub[KEY_LEN];
	char		 b64[KEY_B64_LEN + 1];

	if (config_private_key_path(conf, path, sizeof(path)) == NULL)
		fatalx("private key path is too long");
	if (lstat(path, &st) == -1 && errno == ENOENT &&
	    conf->private_key_file[0] == '\0') {
		key_generate(priv);
		if (key_file_write(path, priv, err, sizeof(err)) == -1)
			fatalx("%s", err);
		if (key_public(pub, priv) == -1)
			fatalx("generated key has a low-order public key");
		key_to_base64(b64, pub);
		log_info("created node key %s", path);
		audit("key-created", "path=%s pubkey=%s", path, b64);
		return;
	}
	if (key_file_read(path, priv, err, sizeof(err)) == -1)
		fatalx("%s", err);
}

static int
ctl_socket_open(struct parent *p, const char *path)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	mode_t			 old;
	int			 fd, probe;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		fatalx("control socket path %s is too long", path);

	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			fatalx("%s exists and is not a socket; remove it or "
			    "choose another path with -s", path);
		if ((probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC,
		    0)) == -1)
			fatal("socket");
		if (connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			fatalx("another hamd is running on %s (stop it or "
			    "use -s to choose another socket)", path);
		(void)close(probe);
		if (unlink(path) == -1)
			fatal("unlink stale socket %s", path);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		fatal("socket");
	/*
	 * Anyone may connect: the control process decides per caller from
	 * SO_PEERCRED, so an unprivileged user gets a clear "permission
	 * denied" from hamd instead of a bare EACCES from the kernel.
	 */
	old = umask(0111);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fatal("bind %s", path);
	(void)umask(old);
	if (chmod(path, 0666) == -1)
		fatal("chmod %s", path);
	if (listen(fd, 16) == -1)
		fatal("listen %s", path);
	if (stat(path, &st) == -1)
		fatal("stat %s", path);
	p->ctl_dev = st.st_dev;
	p->ctl_ino = st.st_ino;
	(void)strlcpy(p->ctl_path, path, sizeof(p->ctl_path));
	return fd;
}

/* Remove the socket only if it is still the one we created. */
static void
ctl_socket_remove(struct parent *p)
{
	struct stat	 st;

	if (p->ctl_path[0] == '\0')
		return;
	if (lstat(p->ctl_path, &st) == 0 && st.st_dev == p->ctl_dev &&
	    st.st_ino == p->ctl_ino)
		(void)unlink(p->ctl_path);
}

/* Resolve the admin group into what control needs; -1 if it is unknown. */
static int
conf_control_build(const struct hamd_config *conf, struct conf_control *cc)
{
	struct group	*gr;
	struct passwd	*pw;
	char		**m;

	memset(cc, 0, sizeof(*cc));
	cc->read_access = conf->read_access;
	if (conf->admin_group[0] == '\0')
		return 0;
	if ((gr = getgrnam(conf->admin_group)) == NULL) {
		log_warnx("admin-group \"%s\" does not exist; create it with "
		    "'groupadd %s' or remove the admin-group line",
		    conf->admin_group, conf->admin_group);
		return -1;
	}
	cc->has_admin_gid = 1;
	cc->admin_gid = gr->gr_gid;
	for (m = gr->gr_mem; *m != NULL; m++) {
		if (cc->nuids == CONF_ADMIN_UIDS) {
			log_warnx("admin-group \"%s\" has more than %d "
			    "members; only the first %d are admins by name",
			    conf->admin_group, CONF_ADMIN_UIDS,
			    CONF_ADMIN_UIDS);
			break;
		}
		if ((pw = getpwnam(*m)) != NULL)
			cc->uids[cc->nuids++] = pw->pw_uid;
	}
	return 0;
}

static void
send_control_conf(struct parent *p, const struct conf_control *cc)
{
	proc_compose(&p->ps, HAMD_PROC_CONTROL, IMSG_CONF_CONTROL, 0, -1,
	    cc, sizeof(*cc));
}

static void
broadcast_verbose(struct parent *p, int v)
{
	int32_t	 val = v;
	int	 c;

	log_setverbose(v);
	for (c = 1; c < PROC_MAX; c++)
		proc_compose(&p->ps, c, IMSG_LOG_VERBOSE, 0, -1, &val,
		    sizeof(val));
}

static int
effective_verbose(const struct parent *p, const struct hamd_config *conf)
{
	return p->opt_verbose > conf->verbose ? p->opt_verbose : conf->verbose;
}

/* Fields that only a restart can change: say so, keep the old value. */
static void
reload_keep_fixed(const struct hamd_config *old, struct hamd_config *new)
{
#define KEEP(field, what)						\
	if (strcmp(old->field, new->field) != 0) {			\
		log_warnx("reload: %s changed; it takes effect only "	\
		    "after a restart", what);				\
		memcpy(new->field, old->field, sizeof(new->field));	\
	}
	KEEP(user, "user");
	KEEP(chroot_dir, "chroot");
	KEEP(state_dir, "state-directory");
	KEEP(socket_path, "socket");
	KEEP(private_key_file, "private-key");
#undef KEEP
}

/* Returns 0 or an errno value, with a message for the caller in msg. */
static int
parent_reload(struct parent *p, char *msg, size_t msglen)
{
	struct hamd_config	*nconf;
	struct conf_control	 cc;
	char			 err[512];

	log_info("reloading configuration from %s", p->conffile);
	if ((nconf = parse_config(p->conffile, p->opt_socket)) == NULL) {
		(void)snprintf(msg, msglen, "%s has errors (see the hamd "
		    "log); the running configuration is kept", p->conffile);
		return EINVAL;
	}
	if (conf_control_build(nconf, &cc) == -1) {
		config_free(nconf);
		(void)snprintf(msg, msglen, "admin-group of %s does not "
		    "exist; the running configuration is kept", p->conffile);
		return EINVAL;
	}
	if (netconf_check_psks(nconf, err, sizeof(err)) == -1) {
		log_warnx("reload: %s", err);
		config_free(nconf);
		(void)snprintf(msg, msglen, "%.120s; the running configuration "
		    "is kept (details in the log)", err);
		return EINVAL;
	}
	reload_keep_fixed(p->conf, nconf);
	if (strcmp(p->conf->ifname, nconf->ifname) != 0 ||
	    p->conf->listen_port != nconf->listen_port) {
		log_warnx("reload: interface and listen-port take effect only "
		    "after a restart");
		memcpy(nconf->ifname, p->conf->ifname, sizeof(nconf->ifname));
		nconf->listen_port = p->conf->listen_port;
	}
	(void)netconf_reload(&p->net, p->conf, nconf);
	config_free(p->conf);
	p->conf = nconf;
	send_control_conf(p, &cc);
	netconf_send_peers(&p->net, &p->ps, nconf);
	broadcast_verbose(p, effective_verbose(p, nconf));
	(void)snprintf(msg, msglen, "configuration reloaded from %s",
	    p->conffile);
	return 0;
}

static void
reply_result(struct parent *p, uint32_t client, int code, const char *msg)
{
	struct ctl_result	 r;

	memset(&r, 0, sizeof(r));
	r.code = code;
	(void)strlcpy(r.msg, msg, sizeof(r.msg));
	proc_compose(&p->ps, HAMD_PROC_CONTROL, IMSG_CTL_RESULT, client, -1,
	    &r, sizeof(r));
}

static void
reply_status(struct parent *p, uint32_t client)
{
	struct ctl_status	 s;
	int			 i;

	memset(&s, 0, sizeof(s));
	(void)strlcpy(s.version, PACKAGE_VERSION, sizeof(s.version));
	s.uptime = (int64_t)(time(NULL) - p->started);
	if (p->have_pubkey)
		key_to_base64(s.pubkey, p->pubkey);
	s.verbose = (uint8_t)log_getverbose();
	s.nprocs = PROC_MAX;
	for (i = 0; i < PROC_MAX; i++) {
		(void)strlcpy(s.procs[i].name, p->ps.procs[i].name,
		    sizeof(s.procs[i].name));
		s.procs[i].pid = p->ps.pids[i];
	}
	proc_compose(&p->ps, HAMD_PROC_CONTROL, IMSG_CTL_STATUS_REPLY, client,
	    -1, &s, sizeof(s));
}

static void
parent_dispatch_control(struct privsep *ps, int from, struct imsg *imsg)
{
	struct parent	*p = ps->arg;
	struct ctl_cred	 cred;
	uint32_t	 client = imsg->hdr.peerid;
	char		 msg[CTL_MSG_MAX];
	int32_t		 v;
	int		 code;

	memcpy(&cred, imsg->data, sizeof(cred));
	switch (imsg->hdr.type) {
	case IMSG_CTL_STATUS:
		reply_status(p, client);
		break;
	case IMSG_CTL_RELOAD:
		code = parent_reload(p, msg, sizeof(msg));
		audit("reload", "uid=%u pid=%d via=control result=%s",
		    cred.uid, cred.pid, code == 0 ? "ok" : "rejected");
		reply_result(p, client, code, msg);
		break;
	case IMSG_CTL_LOG_VERBOSE:
		memcpy(&v, imsg->data + sizeof(cred), sizeof(v));
		if (v != 0 && v != 1)
			fatalx("control sent log level %d", v);
		broadcast_verbose(p, v);
		audit("log-level", "uid=%u pid=%d level=%s", cred.uid,
		    cred.pid, v ? "verbose" : "brief");
		reply_result(p, client, 0, v ? "log level is now verbose" :
		    "log level is now brief");
		break;
	default:
		fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
	}
}

static void
parent_dispatch_tun(struct privsep *ps, int from, struct imsg *imsg)
{
	struct parent	*p = ps->arg;
	char		 b64[KEY_B64_LEN + 1];

	switch (imsg->hdr.type) {
	case IMSG_TUN_PUBKEY:
		(void)imsg_get_data(imsg, p->pubkey, sizeof(p->pubkey));
		p->have_pubkey = 1;
		key_to_base64(b64, p->pubkey);
		log_info("node public key %s", b64);
		break;
	default:
		fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
	}
}

static void
parent_dispatch_engine(struct privsep *ps, int from, struct imsg *imsg)
{
	fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
}

static void
parent_finish(struct parent *p)
{
	event_base_loopbreak(p->ps.base);
}

static int
children_alive(const struct parent *p)
{
	int	 c, n = 0;

	for (c = 1; c < PROC_MAX; c++)
		if (p->ps.pids[c] > 0)
			n++;
	return n;
}

static void
shutdown_timeout(int fd, short ev, void *arg)
{
	struct parent	*p = arg;
	int		 c;

	for (c = 1; c < PROC_MAX; c++) {
		if (p->ps.pids[c] <= 0)
			continue;
		log_warnx("%s (pid %d) did not exit; killing it",
		    p->ps.procs[c].name, p->ps.pids[c]);
		(void)kill(p->ps.pids[c], SIGKILL);
	}
}

static void
parent_shutdown(struct parent *p, int code)
{
	struct timeval	 tv = { SHUTDOWN_GRACE_MS / 1000,
	    (SHUTDOWN_GRACE_MS % 1000) * 1000 };
	int		 c;

	if (p->shutting_down)
		return;
	p->shutting_down = 1;
	p->exit_code = code;
	/* Children exit when their channel to us closes. */
	for (c = 1; c < PROC_MAX; c++)
		proc_close(&p->ps, c);
	if (children_alive(p) == 0) {
		parent_finish(p);
		return;
	}
	p->ev_timer = evtimer_new(p->ps.base, shutdown_timeout, p);
	if (p->ev_timer == NULL || evtimer_add(p->ev_timer, &tv) == -1)
		fatalx("%s: timer", __func__);
}

static void
parent_sigchld(struct parent *p)
{
	pid_t	 pid;
	int	 st, c, died = 0;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (c = 1; c < PROC_MAX; c++)
			if (p->ps.pids[c] == pid)
				break;
		if (c == PROC_MAX)
			continue;
		p->ps.pids[c] = 0;
		if (p->shutting_down && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
			log_debug("%s (pid %d) exited", p->ps.procs[c].name,
			    pid);
			continue;
		}
		if (WIFSIGNALED(st)) {
			log_warnx("%s (pid %d) was killed by signal %s",
			    p->ps.procs[c].name, pid, signame(WTERMSIG(st)));
			audit("child-death", "proc=%s pid=%d signal=%s",
			    p->ps.procs[c].name, pid, signame(WTERMSIG(st)));
		} else {
			log_warnx("%s (pid %d) exited with status %d",
			    p->ps.procs[c].name, pid, WEXITSTATUS(st));
			audit("child-death", "proc=%s pid=%d status=%d",
			    p->ps.procs[c].name, pid, WEXITSTATUS(st));
		}
		died = 1;
	}
	if (died && !p->shutting_down) {
		log_warnx("a child process died; shutting down");
		parent_shutdown(p, 1);
	}
	if (p->shutting_down && children_alive(p) == 0)
		parent_finish(p);
}

static void
parent_signal(int sig, short ev, void *arg)
{
	struct parent	*p = arg;
	char		 msg[CTL_MSG_MAX];
	int		 code;

	switch (sig) {
	case SIGCHLD:
		parent_sigchld(p);
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
		parent_shutdown(p, 0);
		break;
	}
}

static void
parent_on_close(struct privsep *ps, int peer)
{
	/* The death itself is reported from SIGCHLD. */
	proc_close(ps, peer);
}

static __dead void
child_main(const char *name, const char *user, const char *dir,
    int verbose)
{
	struct privsep	 ps;

	memset(&ps, 0, sizeof(ps));
	ps.procs = hamd_procs;
	ps.rules = hamd_msg_rules;
	ps.nrules = IMSG_MAX_TYPE;
	if ((ps.id = proc_lookup(&ps, name)) <= PROC_PARENT)
		fatalx("unknown process name %s", name);
	if (user == NULL || dir == NULL)
		fatalx("-P needs -U and -C: it is for hamd's own use");
	ps.user = user;
	ps.chroot_dir = dir;
	ps.verbose = verbose;
	log_init("hamd", 1, verbose);
	log_procname(name);
	proc_child_fds(&ps);
	ps.procs[ps.id].run(&ps);
	exit(0);
}

int
main(int argc, char *argv[])
{
	struct parent		 p;
	struct conf_control	 cc;
	uint8_t			 priv[KEY_LEN];
	const char		*procname = NULL, *puser = NULL, *pdir = NULL;
	char			 err[512];
	uid_t			 uid;
	gid_t			 gid;
	int			 ch, foreground = 0, noaction = 0, verbose = 0;
	int			 sigs[4] = { SIGCHLD, SIGHUP, SIGINT, SIGTERM };
	int			 keep[] = { CAP_NET_ADMIN, CAP_KILL };
	int			 i;

	memset(&p, 0, sizeof(p));
	p.conffile = CONF_DEFAULT_FILE;
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

	log_init("hamd", 1, verbose);
	log_procname("parent");
	if (sodium_init() < 0)
		fatalx("libsodium failed to initialise");
	if ((p.conf = parse_config(p.conffile, p.opt_socket)) == NULL)
		fatalx("%s: configuration has errors, not starting",
		    p.conffile);
	if (conf_control_build(p.conf, &cc) == -1)
		fatalx("%s: configuration has errors, not starting",
		    p.conffile);
	if (noaction) {
		fprintf(stderr, "configuration OK\n");
		exit(0);
	}
	if (geteuid() != 0)
		fatalx("hamd must be started as root: it drops its privileges "
		    "itself");
	if (sandbox_lookup_user(p.conf->user, &uid, &gid, err,
	    sizeof(err)) == -1)
		fatalx("%s", err);
	state_dir_prepare(p.conf);
	if (sandbox_check_chroot(p.conf->chroot_dir, err, sizeof(err)) == -1)
		fatalx("%s", err);
	p.opt_verbose = verbose;
	if (netconf_check_psks(p.conf, err, sizeof(err)) == -1)
		fatalx("%s", err);
	node_key_load(p.conf, priv);
	p.ctl_sock = ctl_socket_open(&p, p.conf->socket_path);
	if (netconf_setup(&p.net, p.conf, err, sizeof(err)) == -1) {
		ctl_socket_remove(&p);
		fatalx("%s", err);
	}

	if (!foreground) {
		if (daemon(0, 0) == -1)
			fatal("daemon");
		log_init("hamd", 0, effective_verbose(&p, p.conf));
	}
	log_setverbose(effective_verbose(&p, p.conf));
	p.started = time(NULL);

	p.ps.procs = hamd_procs;
	p.ps.rules = hamd_msg_rules;
	p.ps.nrules = IMSG_MAX_TYPE;
	p.ps.id = PROC_PARENT;
	p.ps.arg = &p;
	p.ps.user = p.conf->user;
	p.ps.chroot_dir = p.conf->chroot_dir;
	p.ps.foreground = foreground;
	p.ps.verbose = effective_verbose(&p, p.conf);
	(void)signal(SIGPIPE, SIG_IGN);
	proc_spawn(&p.ps, argc, argv);
	sandbox_parent_caps(keep, sizeof(keep) / sizeof(keep[0]));

	if ((p.ps.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	p.ps.dispatch[HAMD_PROC_CONTROL] = parent_dispatch_control;
	p.ps.dispatch[HAMD_PROC_ENGINE] = parent_dispatch_engine;
	p.ps.dispatch[HAMD_PROC_TUN] = parent_dispatch_tun;
	p.ps.on_close = parent_on_close;
	proc_listen(&p.ps);
	for (i = 0; i < 4; i++) {
		p.ev_sig[i] = evsignal_new(p.ps.base, sigs[i], parent_signal,
		    &p);
		if (p.ev_sig[i] == NULL || evsignal_add(p.ev_sig[i], NULL) == -1)
			fatalx("cannot install signal handlers");
	}

	send_control_conf(&p, &cc);
	proc_compose(&p.ps, HAMD_PROC_CONTROL, IMSG_CONTROL_SOCKET, 0,
	    p.ctl_sock, NULL, 0);
	p.ctl_sock = -1;
	proc_compose(&p.ps, HAMD_PROC_TUN, IMSG_TUN_PRIVKEY, 0, -1, priv,
	    sizeof(priv));
	sodium_memzero(priv, sizeof(priv));
	netconf_send_devices(&p.net, &p.ps, p.conf);
	netconf_send_peers(&p.net, &p.ps, p.conf);

	log_info("started (version %s, control socket %s)", PACKAGE_VERSION,
	    p.ctl_path);
	audit("start", "pid=%d version=%s config=%s", (int)getpid(),
	    PACKAGE_VERSION, p.conffile);

	event_base_dispatch(p.ps.base);

	ctl_socket_remove(&p);
	audit("stop", "pid=%d reason=%s", (int)getpid(),
	    p.exit_code == 0 ? "signal" : "child-death");
	log_info("stopped");
	config_free(p.conf);
	return p.exit_code;
}
