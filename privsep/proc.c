/*
 * Process framework: spawning by fork and re-exec, fixed channel fds,
 * message dispatch with rule checks, and log forwarding to the parent.
 */
#include "autoconf.h"

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "ipc/pktring.h"
#include "privsep/log.h"
#include "privsep/proc.h"
#include "privsep/sandbox.h"

/* Socket buffers large enough for batched data-path messages. */
#define PROC_SOCKBUF	(4 * 1024 * 1024)

static struct privsep	*log_ps;	/* for the log sink */

int
proc_lookup(const struct privsep *ps, const char *name)
{
	int	 i;

	for (i = 0; i < ps->nprocs; i++)
		if (ps->procs[i].name != NULL &&
		    strcmp(ps->procs[i].name, name) == 0)
			return i;
	return -1;
}

static void
proc_sockbuf(int fd)
{
	int	 sz = PROC_SOCKBUF;

	/* Best effort: the kernel caps it at net.core.[rw]mem_max. */
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
}

static __dead void
proc_exec_child(struct privsep *ps, int c, int pairs[PROC_SLOTS][PROC_SLOTS])
{
	char	*nargv[32], title[64];
	int	 nargc = 0, k, v, tmp[PROC_SLOTS];

	/*
	 * Move our ends of the pairs to 3 + peer.  Go through descriptors
	 * above the target range first so that no dup2 overwrites a
	 * descriptor still to be moved.
	 */
	for (k = 0; k < ps->nprocs; k++) {
		tmp[k] = -1;
		if (k == c || pairs[c][k] == -1)
			continue;
		if ((tmp[k] = fcntl(pairs[c][k], F_DUPFD_CLOEXEC, 64)) == -1)
			_exit(127);
	}
	for (k = 0; k < ps->nprocs; k++) {
		if (k == c)
			continue;
		/* A process not started leaves its slot closed. */
		if (tmp[k] == -1) {
			(void)close(PROC_FD_BASE + k);
			continue;
		}
		if (dup2(tmp[k], PROC_FD_BASE + k) == -1)
			_exit(127);
	}
	/* Everything else, our own slot included, goes away. */
	(void)close(PROC_FD_BASE + c);
	(void)syscall(SYS_close_range, PROC_FD_BASE + ps->nprocs, ~0U, 0);

	(void)snprintf(title, sizeof(title), "%s: %s",
	    ps->progname != NULL ? ps->progname : "hamd", ps->procs[c].name);
	nargv[nargc++] = title;
	nargv[nargc++] = (char *)"-P";
	nargv[nargc++] = (char *)ps->procs[c].name;
	nargv[nargc++] = (char *)"-U";
	nargv[nargc++] = (char *)ps->user;
	nargv[nargc++] = (char *)"-C";
	nargv[nargc++] = (char *)(ps->chroot_dirs[c] != NULL ?
	    ps->chroot_dirs[c] : ps->chroot_dir);
	if (ps->foreground)
		nargv[nargc++] = (char *)"-d";
	for (v = 0; v < ps->verbose && v < 4; v++)
		nargv[nargc++] = (char *)"-v";
	nargv[nargc] = NULL;

	execv("/proc/self/exe", nargv);
	{
		char	msg[256];
		int	n = snprintf(msg, sizeof(msg),
		    "hamd: cannot execute %s: %s\n", ps->procs[c].name,
		    strerror(errno));
		if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) == -1)
			_exit(127);
	}
	_exit(127);
}

void
proc_spawn(struct privsep *ps, int argc, char *argv[])
{
	int	 pairs[PROC_SLOTS][PROC_SLOTS];
	int	 i, j, sv[2], c;
	pid_t	 pid;

	if (ps->nprocs < 2 || ps->nprocs > PROC_SLOTS)
		fatalx("%s: %d processes", __func__, ps->nprocs);
	for (i = 0; i < PROC_SLOTS; i++)
		for (j = 0; j < PROC_SLOTS; j++)
			pairs[i][j] = -1;
	for (i = 0; i < ps->nprocs; i++) {
		if (ps->off & PROC_BIT(i))
			continue;
		for (j = i + 1; j < ps->nprocs; j++) {
			if (ps->off & PROC_BIT(j))
				continue;
			if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
			    sv) == -1)
				fatal("%s: socketpair", __func__);
			proc_sockbuf(sv[0]);
			proc_sockbuf(sv[1]);
			pairs[i][j] = sv[0];
			pairs[j][i] = sv[1];
		}
	}

	ps->pids[PROC_PARENT] = getpid();
	for (c = 1; c < ps->nprocs; c++) {
		if (ps->off & PROC_BIT(c)) {
			if (!ps->procs[c].optional)
				fatalx("%s: %s is not optional", __func__,
				    ps->procs[c].name);
			ps->pids[c] = 0;
			continue;
		}
		switch ((pid = fork())) {
		case -1:
			fatal("%s: fork", __func__);
		case 0:
			proc_exec_child(ps, c, pairs);
		default:
			ps->pids[c] = pid;
			break;
		}
	}

	for (i = 0; i < ps->nprocs; i++)
		for (j = 0; j < ps->nprocs; j++)
			if (i != PROC_PARENT && pairs[i][j] != -1)
				(void)close(pairs[i][j]);
	for (j = 0; j < PROC_SLOTS; j++)
		ps->fds[j] = j < ps->nprocs ? pairs[PROC_PARENT][j] : -1;
	(void)argc;
	(void)argv;
}

void
proc_set_title(const struct privsep *ps, int argc, char *argv[])
{
	char	 title[64];
	char	*start, *end;
	int	 i;

	(void)snprintf(title, sizeof(title), "%s: %s",
	    ps->progname != NULL ? ps->progname : "hamd",
	    ps->procs[ps->id].name);
	/* The kernel keeps 15 bytes and the NUL; it cuts the rest. */
	(void)prctl(PR_SET_NAME, title, 0, 0, 0);
	/*
	 * The command line the kernel shows is the argv strings, which lie
	 * back to back: write the title over them and clear the rest, so
	 * that ps shows the title alone.
	 */
	if (argc < 1 || argv[0] == NULL)
		return;
	start = argv[0];
	end = argv[0] + strlen(argv[0]);
	for (i = 1; i < argc && argv[i] != NULL; i++)
		if (argv[i] == end + 1)
			end = argv[i] + strlen(argv[i]);
	if ((size_t)(end - start) < strlen(title))
		return;
	memset(start, 0, (size_t)(end - start));
	memcpy(start, title, strlen(title));
	/*
	 * /proc/PID/cmdline would still span the whole old area: the title
	 * and a run of empty arguments for whatever splits it at NULs
	 * (pgrep -a, xargs -0).  A last byte that is not NUL is the
	 * kernel's sign of a rewritten title: it then ends the command
	 * line at the title's own NUL.
	 */
	if (end > start + strlen(title))
		*end = ' ';
	for (i = 1; i < argc; i++)
		argv[i] = NULL;
}

void
proc_child_fds(struct privsep *ps)
{
	int	 k, fd, type;
	socklen_t len = sizeof(type);

	for (k = 0; k < PROC_SLOTS; k++) {
		ps->fds[k] = -1;
		if (k == ps->id || k >= ps->nprocs)
			continue;
		fd = PROC_FD_BASE + k;
		len = sizeof(type);
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1 ||
		    type != SOCK_STREAM) {
			/* The parent runs fewer than the table names. */
			if (k != PROC_PARENT)
				continue;
			fatalx("channel to %s missing: run hamd without -P",
			    ps->procs[k].name);
		}
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
			fatal("%s: fcntl", __func__);
		ps->fds[k] = fd;
	}
	(void)syscall(SYS_close_range, PROC_FD_BASE + ps->nprocs, ~0U, 0);
}

/*
 * The framework's messages have the same rule in every program: log
 * lines go from any child to the parent, the log level from the parent
 * to any child.
 */
#define ALL_CHILDREN	((uint32_t)(PROC_BIT(PROC_SLOTS) - 1 - \
			    PROC_BIT(PROC_PARENT)))
static const struct msg_rule proc_rules[PROC_IMSG_FIRST] = {
	[PROC_IMSG_LOG] = { .name = "log", .from = ALL_CHILDREN,
	    .to = PROC_BIT(PROC_PARENT), .minlen = sizeof(int32_t) + 1,
	    .maxlen = sizeof(int32_t) + LOG_LINE_MAX, .nulterm = 1 },
	[PROC_IMSG_LOG_VERBOSE] = { .name = "log-verbose",
	    .from = PROC_BIT(PROC_PARENT), .to = ALL_CHILDREN,
	    .minlen = sizeof(int32_t), .maxlen = sizeof(int32_t) },
};

/* The rule for type, or NULL if the program does not use it. */
static const struct msg_rule *
proc_rule(const struct privsep *ps, uint32_t type)
{
	const struct msg_rule	*r;

	if (type < PROC_IMSG_FIRST)
		r = &proc_rules[type];
	else if (type < ps->nrules)
		r = &ps->rules[type];
	else
		return NULL;
	return r->name != NULL ? r : NULL;
}

const char *
proc_msg_name(const struct privsep *ps, uint32_t type)
{
	const struct msg_rule	*r = proc_rule(ps, type);

	return r != NULL ? r->name : "unknown";
}

void
proc_check(struct privsep *ps, int from, const struct imsg *imsg)
{
	const struct msg_rule	*r;
	uint32_t		 type = imsg->hdr.type;
	size_t			 len = imsg->datalen;
	const char		*fname = ps->procs[from].name;

	if ((r = proc_rule(ps, type)) == NULL)
		fatalx("unknown message type %u from %s", type, fname);
	if (!(r->from & PROC_BIT(from)) || !(r->to & PROC_BIT(ps->id)))
		fatalx("message %s from %s not accepted here", r->name, fname);
	if (len < r->minlen || len > r->maxlen)
		fatalx("message %s from %s has size %zu, expected %u-%u",
		    r->name, fname, len, r->minlen, r->maxlen);
	if ((r->fd == MSG_FD_REQUIRED) != (imsg->fd != -1))
		fatalx("message %s from %s %s a file descriptor", r->name,
		    fname, imsg->fd == -1 ? "lacks" : "carries unexpected");
	if (r->nulterm && (len == 0 || imsg->data[len - 1] != '\0'))
		fatalx("message %s from %s is not NUL-terminated", r->name,
		    fname);
}

/* Lines from children: only the levels and facilities we produce. */
static void
proc_log_from_child(struct privsep *ps, int from, struct imsg *imsg)
{
	int32_t	 pri;
	int	 fac;

	memcpy(&pri, imsg->data, sizeof(pri));
	fac = pri & LOG_FACMASK;
	if ((pri & ~(LOG_FACMASK | LOG_PRIMASK)) != 0 ||
	    (fac != 0 && fac != LOG_AUTHPRIV))
		fatalx("log line from %s with bad priority %d",
		    ps->procs[from].name, pri);
	log_emit(pri, (const char *)imsg->data + sizeof(pri));
}

static void
proc_log_verbose(struct imsg *imsg)
{
	int32_t	 v;

	memcpy(&v, imsg->data, sizeof(v));
	log_setverbose(v);
}

static void
proc_channel(int fd, short what, void *arg)
{
	struct imsgev	*iev = arg;
	struct privsep	*ps = iev->data;
	int		 peer = (int)(iev - ps->iev);
	struct imsg	 imsg;
	ssize_t		 n;

	if (what & EV_WRITE) {
		if (imsgbuf_write(&iev->ibuf) == -1) {
			if (errno != EPIPE && errno != ECONNRESET)
				fatal("write to %s", ps->procs[peer].name);
			goto closed;
		}
	}
	if (what & EV_READ) {
		n = imsgbuf_read(&iev->ibuf);
		/* A peer that died with our data unread resets the stream. */
		if (n == 0 || (n == -1 && errno == ECONNRESET))
			goto closed;
		if (n == -1 && errno != EAGAIN)
			fatal("read from %s", ps->procs[peer].name);
		for (;;) {
			n = imsg_get(&iev->ibuf, &imsg);
			if (n == -1)
				fatalx("malformed message from %s",
				    ps->procs[peer].name);
			if (n == 0)
				break;
			proc_check(ps, peer, &imsg);
			if (imsg.hdr.type == PROC_IMSG_LOG)
				proc_log_from_child(ps, peer, &imsg);
			else if (imsg.hdr.type == PROC_IMSG_LOG_VERBOSE)
				proc_log_verbose(&imsg);
			else if (ps->dispatch[peer] != NULL)
				ps->dispatch[peer](ps, peer, &imsg);
			else
				fatalx("no handler for %s",
				    ps->procs[peer].name);
			imsg_free(&imsg);
			if (ps->fds[peer] == -1)
				return;	/* the handler closed the channel */
		}
	}
	imsgev_update(iev);
	return;
 closed:
	if (ps->on_close != NULL)
		ps->on_close(ps, peer);
	else
		fatalx("%s closed the channel", ps->procs[peer].name);
}

void
proc_listen(struct privsep *ps)
{
	int	 k;

	for (k = 0; k < PROC_SLOTS; k++) {
		if (k == ps->id || ps->fds[k] == -1)
			continue;
		if (imsgev_init(&ps->iev[k], ps->base, ps->fds[k],
		    proc_channel, ps) == -1)
			fatal("%s: imsgev_init", __func__);
	}
}

void
proc_peers(struct privsep *ps, const struct proc_peer *peers, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (peers[i].id < 0 || peers[i].id >= PROC_SLOTS ||
		    peers[i].id == ps->id)
			fatalx("%s: bad peer %d", __func__, peers[i].id);
		ps->dispatch[peers[i].id] = peers[i].dispatch;
	}
}

void
proc_close(struct privsep *ps, int peer)
{
	if (ps->fds[peer] == -1)
		return;
	imsgev_close(&ps->iev[peer]);
	ps->fds[peer] = -1;
}

static int
proc_compose_rule(struct privsep *ps, int to, uint32_t type, uint32_t peerid,
    int fd, const void *data, size_t len, int may_fail)
{
	const struct msg_rule	*r;

	if ((r = proc_rule(ps, type)) == NULL)
		fatalx("%s: unknown message type %u", __func__, type);
	/* The sender keeps the rule too: a bug shows here, not there. */
	if (!(r->from & PROC_BIT(ps->id)) || !(r->to & PROC_BIT(to)) ||
	    len < r->minlen || len > r->maxlen ||
	    (r->fd == MSG_FD_REQUIRED) != (fd != -1) ||
	    (r->nulterm && (len == 0 ||
	    ((const uint8_t *)data)[len - 1] != '\0')))
		fatalx("%s: message %s to %s breaks its rule (size %zu, "
		    "fd %d)", __func__, r->name, ps->procs[to].name, len, fd);
	if (ps->fds[to] == -1) {
		if (fd != -1)
			(void)close(fd);
		errno = EPIPE;
		return -1;
	}
	if (imsgev_compose(&ps->iev[to], type, peerid, fd, data, len) == -1) {
		/* imsg_compose closed fd already. */
		if (!may_fail || errno != ENOMEM)
			fatal("%s: compose %s", __func__, r->name);
		return -1;
	}
	return 0;
}

int
proc_compose(struct privsep *ps, int to, uint32_t type, uint32_t peerid,
    int fd, const void *data, size_t len)
{
	return proc_compose_rule(ps, to, type, peerid, fd, data, len, 0);
}

int
proc_compose_try(struct privsep *ps, int to, uint32_t type, uint32_t peerid,
    int fd, const void *data, size_t len)
{
	return proc_compose_rule(ps, to, type, peerid, fd, data, len, 1);
}

int
proc_running(const struct privsep *ps, int id)
{
	return id >= 0 && id < PROC_SLOTS && id != ps->id && ps->fds[id] != -1;
}

void
proc_flush_all(struct privsep *ps)
{
	int	 k;

	for (k = 0; k < PROC_SLOTS; k++)
		if (k != ps->id && ps->fds[k] != -1)
			(void)imsgbuf_flush(&ps->iev[k].ibuf);
}

static void
proc_log_sink(int priority, const char *line)
{
	struct privsep	*ps = log_ps;
	struct iovec	 iov[2];
	int32_t		 pri = priority;
	size_t		 n = strnlen(line, LOG_LINE_MAX - 1);
	char		 buf[LOG_LINE_MAX];

	memcpy(buf, line, n);
	buf[n] = '\0';
	iov[0].iov_base = &pri;
	iov[0].iov_len = sizeof(pri);
	iov[1].iov_base = buf;
	iov[1].iov_len = n + 1;
	if (ps->fds[PROC_PARENT] == -1 ||
	    imsg_composev(&ps->iev[PROC_PARENT].ibuf, PROC_IMSG_LOG, 0, -1,
	    iov, 2) == -1) {
		log_set_sink(NULL);
		log_emit(priority, buf);
		log_set_sink(proc_log_sink);
		return;
	}
	if (ps->iev[PROC_PARENT].ev != NULL)
		imsgev_update(&ps->iev[PROC_PARENT]);
}

static void
proc_log_flush(void)
{
	if (log_ps != NULL && log_ps->fds[PROC_PARENT] != -1)
		(void)imsgbuf_flush(&log_ps->iev[PROC_PARENT].ibuf);
}

void
proc_log_to_parent(struct privsep *ps)
{
	log_ps = ps;
	log_set_sink(proc_log_sink);
	log_set_fatal_hook(proc_log_flush);
}

static void
proc_child_on_close(struct privsep *ps, int peer)
{
	/* The parent reports deaths; a closed channel just ends us. */
	log_debug("exiting: %s closed its channel", ps->procs[peer].name);
	exit(0);
}

void
proc_child_setup(struct privsep *ps)
{
	pid_t	 parent = getppid();

	(void)signal(SIGPIPE, SIG_IGN);
	/* The parent handles ^C in the foreground; we end by EOF. */
	(void)signal(SIGINT, SIG_IGN);
	(void)signal(SIGHUP, SIG_IGN);
	sandbox_enter(ps->chroot_dir, ps->user, parent);
	/* The event base opens its fds now, before seccomp forbids it. */
	if ((ps->base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	ps->on_close = proc_child_on_close;
	proc_listen(ps);
	proc_log_to_parent(ps);
}

void
proc_child_loop(struct privsep *ps, const struct seccomp_policy *pol)
{
	sandbox_seccomp(pol);
	sandbox_test_violation(ps->procs[ps->id].name);
	log_debug("running");
	if (event_base_dispatch(ps->base) == -1)
		fatalx("event loop failed");
	exit(0);
}

int
proc_ring_take(struct privsep *ps, struct imsg *imsg, struct pktring_map *m,
    int side, int to, uint32_t ready)
{
	if (pktring_map_msg(m, imsg->data, imsg->datalen, imsg_get_fd(imsg),
	    side) == -1) {
		log_warn("cannot map the ring; batches go over the socketpair");
		return -1;
	}
	proc_compose(ps, to, ready, 0, -1, NULL, 0);
	return 0;
}
