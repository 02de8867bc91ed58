/*
 * The parents' shared duties: control socket, admin group, key file and
 * supervision of the children.  See parent.h.
 */
#include "autoconf.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <event2/event.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <time.h>

#include "crypto/key.h"
#include "privsep/log.h"
#include "privsep/parent.h"
#include "privsep/sandbox.h"

static void	parent_sigchld(struct parent_base *);

/* How long children get to exit on their own before SIGKILL. */
#define SHUTDOWN_GRACE_MS	1000

const char *
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


/* Read a key, creating it on first start where that is allowed. */
static void
parent_key_load(const char *path, int may_create, const char *what,
    uint8_t priv[KEY_LEN])
{
	char		 err[512];
	struct stat	 st;
	uint8_t		 pub[KEY_LEN];
	char		 b64[KEY_B64_LEN + 1];

	if (lstat(path, &st) == -1 && errno == ENOENT && may_create) {
		key_generate(priv);
		if (key_file_write(path, priv, err, sizeof(err)) == -1)
			fatalx("%s", err);
		if (key_public(pub, priv) == -1)
			fatalx("generated key has a low-order public key");
		key_to_base64(b64, pub);
		log_info("created %s key %s", what, path);
		audit("key-created", "path=%s pubkey=%s", path, b64);
		return;
	}
	if (key_file_read(path, priv, err, sizeof(err)) == -1)
		fatalx("%s", err);
}

static int
parent_ctl_socket_open(struct parent_base *p, const char *path)
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
			fatalx("another %s is running on %s (stop it or "
			    "use -s to choose another socket)", p->progname, path);
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
	 * denied" from the daemon instead of a bare EACCES from the kernel.
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
parent_ctl_socket_remove(struct parent_base *p)
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
parent_conf_control(const char *admin_group, int read_access,
    const char *conffile, struct conf_control *cc)
{
	struct group	*gr;
	struct passwd	*pw;
	char		**m;

	memset(cc, 0, sizeof(*cc));
	cc->read_access = read_access;
	if (admin_group[0] == '\0')
		return 0;
	if ((gr = getgrnam(admin_group)) == NULL) {
		log_warnx("%s: admin-group \"%s\" does not exist; create it "
		    "with 'groupadd %s' or remove the admin-group line",
		    conffile, admin_group, admin_group);
		return -1;
	}
	cc->has_admin_gid = 1;
	cc->admin_gid = gr->gr_gid;
	for (m = gr->gr_mem; *m != NULL; m++) {
		if (cc->nuids == CONF_ADMIN_UIDS) {
			log_warnx("admin-group \"%s\" has more than %d "
			    "members; only the first %d are admins by name",
			    admin_group, CONF_ADMIN_UIDS,
			    CONF_ADMIN_UIDS);
			break;
		}
		if ((pw = getpwnam(*m)) != NULL)
			cc->uids[cc->nuids++] = pw->pw_uid;
	}
	return 0;
}


void
parent_broadcast_verbose(struct parent_base *p, int v)
{
	int32_t	 val = v;
	int	 c;

	log_setverbose(v);
	for (c = 1; c < p->ps.nprocs; c++)
		proc_compose(&p->ps, c, PROC_IMSG_LOG_VERBOSE, 0, -1, &val,
		    sizeof(val));
}


static void
parent_finish(struct parent_base *p)
{
	if (p->prog->finish != NULL)
		p->prog->finish(p);
	event_base_loopbreak(p->ps.base);
}

static int
children_alive(const struct parent_base *p)
{
	int	 c, n = 0;

	for (c = 1; c < p->ps.nprocs; c++)
		if (p->ps.pids[c] > 0)
			n++;
	return n;
}

static void
shutdown_timeout(int fd, short ev, void *arg)
{
	struct parent_base	*p = arg;
	int		 c;

	for (c = 1; c < p->ps.nprocs; c++) {
		if (p->ps.pids[c] <= 0)
			continue;
		log_warnx("%s (pid %d) did not exit; killing it",
		    p->ps.procs[c].name, p->ps.pids[c]);
		(void)kill(p->ps.pids[c], SIGKILL);
	}
}

void
parent_shutdown(struct parent_base *p, int code)
{
	struct timeval	 tv = { SHUTDOWN_GRACE_MS / 1000,
	    (SHUTDOWN_GRACE_MS % 1000) * 1000 };
	int		 c;

	if (p->shutting_down)
		return;
	p->shutting_down = 1;
	p->exit_code = code;
	/* Children exit when their channel to us closes. */
	for (c = 1; c < p->ps.nprocs; c++)
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
parent_sigchld(struct parent_base *p)
{
	pid_t	 pid;
	int	 st, c, died = 0;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (c = 1; c < p->ps.nprocs; c++)
			if (p->ps.pids[c] == pid)
				break;
		if (c == p->ps.nprocs)
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


int
parent_verbose(const struct parent_base *p)
{
	struct parent_settings	 ps;

	memset(&ps, 0, sizeof(ps));
	p->prog->settings(p->conf, &ps);
	return p->opt_verbose > ps.verbose ? p->opt_verbose : ps.verbose;
}

void
parent_reply_result(struct parent_base *p, uint32_t client, int code,
    const char *msg)
{
	struct ctl_result	 r;

	memset(&r, 0, sizeof(r));
	r.code = code;
	(void)strlcpy(r.msg, msg, sizeof(r.msg));
	proc_compose(&p->ps, p->prog->control, IMSG_CTL_RESULT, client, -1,
	    &r, sizeof(r));
}

static void
send_control_conf(struct parent_base *p, const struct conf_control *cc)
{
	proc_compose(&p->ps, p->prog->control, IMSG_CONTROL_CONF, 0, -1, cc,
	    sizeof(*cc));
}

/* Returns 0 or an errno value, with a message for the caller in msg. */
static int
parent_reload(struct parent_base *p, char *msg, size_t msglen)
{
	const struct parent_program	*prog = p->prog;
	struct parent_settings		 set;
	struct conf_control		 cc;
	void				*nconf;
	int				 code;

	log_info("reloading configuration from %s", p->conffile);
	if ((nconf = prog->parse(p->conffile, p->opt_socket)) == NULL) {
		(void)snprintf(msg, msglen, "%s has errors (see the %s log); "
		    "the running configuration is kept", p->conffile,
		    prog->name);
		return EINVAL;
	}
	memset(&set, 0, sizeof(set));
	prog->settings(nconf, &set);
	if (parent_conf_control(set.admin_group, set.read_access,
	    p->conffile, &cc) == -1) {
		prog->free(nconf);
		(void)snprintf(msg, msglen, "admin-group of %s does not "
		    "exist; the running configuration is kept", p->conffile);
		return EINVAL;
	}
	{
		struct parent_settings	 cur;

		memset(&cur, 0, sizeof(cur));
		prog->settings(p->conf, &cur);
		if (memcmp(&cur.web, &set.web, sizeof(cur.web)) != 0)
			log_warnx("reload: http-listen takes effect only "
			    "after a restart");
	}
	if ((code = prog->reload(p, nconf, msg, msglen)) != 0) {
		prog->free(nconf);
		return code;
	}
	prog->free(p->conf);
	p->conf = nconf;
	send_control_conf(p, &cc);
	parent_broadcast_verbose(p, parent_verbose(p));
	return 0;
}

/* Reload and the log level are every daemon's; the rest the program's. */
static void
parent_dispatch_control(struct privsep *ps, int from, struct imsg *imsg)
{
	struct parent_base	*p = ps->arg;
	struct ctl_cred		 cred;
	uint32_t		 client = imsg->hdr.peerid;
	char			 msg[CTL_MSG_MAX];
	int32_t			 v;
	int			 code;

	memcpy(&cred, imsg->data, sizeof(cred));
	switch (imsg->hdr.type) {
	case IMSG_CTL_RELOAD:
		code = parent_reload(p, msg, sizeof(msg));
		audit("reload", "uid=%u pid=%d via=control result=%s",
		    cred.uid, cred.pid, code == 0 ? "ok" : "rejected");
		parent_reply_result(p, client, code, msg);
		break;
	case IMSG_CTL_LOG_VERBOSE:
		memcpy(&v, imsg->data + sizeof(cred), sizeof(v));
		if (v != 0 && v != 1)
			fatalx("control sent log level %d", v);
		parent_broadcast_verbose(p, v);
		audit("log-level", "uid=%u pid=%d level=%s", cred.uid,
		    cred.pid, v ? "verbose" : "brief");
		parent_reply_result(p, client, 0, v ?
		    "log level is now verbose" : "log level is now brief");
		break;
	default:
		if (p->prog->control_request == NULL)
			fatalx("%s: unexpected message %s", __func__,
			    proc_msg_name(ps, imsg->hdr.type));
		p->prog->control_request(ps, from, imsg);
	}
}

static void
parent_signal(int sig, short ev, void *arg)
{
	struct parent_base	*p = arg;
	char			 msg[CTL_MSG_MAX];
	int			 code;

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
		if (p->prog->stop != NULL)
			p->prog->stop(p);
		else
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
parent_usage(const struct parent_program *prog)
{
	fprintf(stderr, "usage: %s %s\n", prog->name, prog->usage);
	exit(1);
}

/* A re-executed child: find its channels and run it. */
static __dead void
child_main(const struct parent_program *prog, const char *name,
    const char *user, const char *dir, int verbose, int argc, char *argv[])
{
	struct privsep	 ps;

	/* The title is written over argv, where these point. */
	if ((name != NULL && (name = strdup(name)) == NULL) ||
	    (user != NULL && (user = strdup(user)) == NULL) ||
	    (dir != NULL && (dir = strdup(dir)) == NULL))
		fatal("%s: strdup", __func__);
	memset(&ps, 0, sizeof(ps));
	ps.procs = prog->procs;
	ps.nprocs = prog->nprocs ? prog->nprocs : PROC_MAX;
	ps.rules = prog->rules;
	ps.nrules = prog->nrules;
	if ((ps.id = proc_lookup(&ps, name)) <= PROC_PARENT)
		fatalx("unknown process name %s", name);
	if (user == NULL || dir == NULL)
		fatalx("-P needs -U and -C: it is for %s's own use",
		    prog->name);
	ps.user = user;
	ps.chroot_dir = dir;
	ps.verbose = verbose;
	ps.progname = prog->name;
	log_init(prog->name, 1, verbose);
	log_procname(name);
	proc_child_fds(&ps);
	proc_set_title(&ps, argc, argv);
	ps.procs[ps.id].run(&ps);
	exit(0);
}

int
parent_main(const struct parent_program *prog, struct parent_base *p,
    int argc, char *argv[])
{
	struct parent_settings	 set;
	struct conf_control	 cc;
	struct proc_peer	 peers[PROC_SLOTS];
	uint8_t			 priv[KEY_LEN];
	const char		*procname = NULL, *puser = NULL, *pdir = NULL;
	char			 err[512];
	uid_t			 uid;
	gid_t			 gid;
	int			 ch, foreground = 0, noaction = 0, verbose = 0;
	int			 sigs[4] = { SIGCHLD, SIGHUP, SIGINT, SIGTERM };
	int			 ctl_sock, web_sock = -1, i;
	size_t			 n;

	p->prog = prog;
	p->progname = prog->name;
	p->conffile = prog->conffile;
	while ((ch = getopt(argc, argv, "C:df:nP:s:U:v")) != -1) {
		switch (ch) {
		case 'C':
			pdir = optarg;
			break;
		case 'd':
			foreground = 1;
			break;
		case 'f':
			p->conffile = optarg;
			break;
		case 'n':
			noaction = 1;
			break;
		case 'P':
			procname = optarg;
			break;
		case 's':
			p->opt_socket = optarg;
			break;
		case 'U':
			puser = optarg;
			break;
		case 'v':
			verbose++;
			break;
		default:
			parent_usage(prog);
		}
	}
	if (optind != argc)
		parent_usage(prog);
	if (procname != NULL)
		child_main(prog, procname, puser, pdir, verbose, argc, argv);

	log_init(prog->name, 1, verbose);
	log_procname("parent");
	if (sodium_init() < 0)
		fatalx("libsodium failed to initialise");
	if ((p->conf = prog->parse(p->conffile, p->opt_socket)) == NULL)
		fatalx("%s: configuration has errors, not starting",
		    p->conffile);
	memset(&set, 0, sizeof(set));
	prog->settings(p->conf, &set);
	if (parent_conf_control(set.admin_group, set.read_access, p->conffile,
	    &cc) == -1)
		fatalx("%s: configuration has errors, not starting",
		    p->conffile);
	if (prog->check != NULL)
		prog->check(p);
	if (noaction) {
		fprintf(stderr, "configuration OK\n");
		exit(0);
	}
	if (geteuid() != 0)
		fatalx("%s must be started as root: it drops its privileges "
		    "itself", prog->name);
	if (sandbox_lookup_user(set.user, &uid, &gid, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (prog->prepare != NULL)
		prog->prepare(p, uid, gid);
	if (sandbox_check_chroot(set.chroot_dir, err, sizeof(err)) == -1)
		fatalx("%s", err);
	p->opt_verbose = verbose;
	parent_key_load(set.keypath, set.key_may_create, prog->keywhat, priv);
	ctl_sock = parent_ctl_socket_open(p, set.socket_path);
	if (prog->web != 0 && set.web.set &&
	    (web_sock = web_listen_socket(&set.web, err, sizeof(err))) == -1) {
		parent_ctl_socket_remove(p);
		sodium_memzero(priv, sizeof(priv));
		fatalx("%s", err);
	}
	if (prog->setup != NULL && prog->setup(p, err, sizeof(err)) == -1) {
		parent_ctl_socket_remove(p);
		sodium_memzero(priv, sizeof(priv));
		fatalx("%s", err);
	}

	if (!foreground) {
		if (daemon(0, 0) == -1)
			fatal("daemon");
		log_init(prog->name, 0, parent_verbose(p));
	}
	log_setverbose(parent_verbose(p));
	p->started = time(NULL);

	p->ps.procs = prog->procs;
	/* The setup hook may have said how many run (hamhubd's engines). */
	if (p->ps.nprocs == 0)
		p->ps.nprocs = prog->nprocs ? prog->nprocs : PROC_MAX;
	p->ps.rules = prog->rules;
	p->ps.nrules = prog->nrules;
	p->ps.id = PROC_PARENT;
	p->ps.arg = p;
	/* The configuration may be replaced by a reload; these stay. */
	if ((p->ps.user = strdup(set.user)) == NULL ||
	    (p->ps.chroot_dir = strdup(set.chroot_dir)) == NULL)
		fatal("%s: strdup", __func__);
	p->ps.progname = prog->name;
	p->ps.foreground = foreground;
	p->ps.verbose = parent_verbose(p);
	if (prog->web != 0 && !set.web.set)
		p->ps.off |= PROC_BIT(prog->web);
	(void)signal(SIGPIPE, SIG_IGN);
	proc_spawn(&p->ps, argc, argv);
	sandbox_parent_caps(prog->caps, prog->ncaps);

	if ((p->ps.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	n = 0;
	peers[n++] = (struct proc_peer){ prog->control,
	    parent_dispatch_control };
	for (i = 0; (size_t)i < prog->npeers && n < PROC_SLOTS; i++)
		peers[n++] = prog->peers[i];
	proc_peers(&p->ps, peers, n);
	p->ps.on_close = parent_on_close;
	proc_listen(&p->ps);
	for (i = 0; i < 4; i++) {
		p->ev_sig[i] = evsignal_new(p->ps.base, sigs[i], parent_signal,
		    p);
		if (p->ev_sig[i] == NULL || evsignal_add(p->ev_sig[i], NULL) ==
		    -1)
			fatalx("cannot install signal handlers");
	}

	send_control_conf(p, &cc);
	proc_compose(&p->ps, prog->control, IMSG_CONTROL_SOCKET, 0, ctl_sock,
	    NULL, 0);
	proc_compose(&p->ps, prog->keyproc, prog->keytype, 0, -1, priv,
	    sizeof(priv));
	sodium_memzero(priv, sizeof(priv));
	if (web_sock != -1) {
		char	 a[64];

		web_listen_str(&set.web, a, sizeof(a));
		log_info("serving HTTP on %s", a);
		proc_compose(&p->ps, prog->web, prog->webtype, 0, web_sock,
		    NULL, 0);
	}
	prog->start(p);

	log_info("started (version %s, control socket %s)", PACKAGE_VERSION,
	    p->ctl_path);
	audit("start", "pid=%d version=%s config=%s", (int)getpid(),
	    PACKAGE_VERSION, p->conffile);
	/*
	 * Everything that needed more is done: the children run, the
	 * devices and listeners are passed, the signals are set up.
	 */
	sandbox_seccomp(prog->policy);
	sandbox_test_violation(p->ps.procs[PROC_PARENT].name);

	event_base_dispatch(p->ps.base);

	parent_ctl_socket_remove(p);
	audit("stop", "pid=%d reason=%s", (int)getpid(),
	    p->exit_code == 0 ? "signal" : "child-death");
	log_info("stopped");
	prog->free(p->conf);
	return p->exit_code;
}
