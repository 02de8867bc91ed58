/*
 * The parents' shared duties: control socket, admin group, key file and
 * supervision of the children.  See parent.h.
 */
#include "autoconf.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
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

#include "hamd.h"
#include "key.h"
#include "log.h"
#include "parent.h"

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
void
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

int
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
void
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
int
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
	for (c = 1; c < PROC_MAX; c++)
		proc_compose(&p->ps, c, IMSG_LOG_VERBOSE, 0, -1, &val,
		    sizeof(val));
}


static void
parent_finish(struct parent_base *p)
{
	event_base_loopbreak(p->ps.base);
}

static int
children_alive(const struct parent_base *p)
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
	struct parent_base	*p = arg;
	int		 c;

	for (c = 1; c < PROC_MAX; c++) {
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

void
parent_sigchld(struct parent_base *p)
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

