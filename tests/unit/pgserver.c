/*
 * A test's own PostgreSQL server (see pgserver.h).
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "tests/unit/pgserver.h"

#define PG_MAJOR	"15"
#define PG_USER		"nobody"	/* the server's, when we are root */

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

/*
 * Run a PostgreSQL program as the server's user, its output into log;
 * its exit status, or -1.
 */
static int
run_pg(const struct pgserver *srv, char *const argv[], const char *log)
{
	struct passwd	*pw = NULL;
	pid_t		 pid;
	int		 status, fd;

	if (geteuid() == 0 && (pw = getpwnam(PG_USER)) == NULL)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600)) ==
		    -1 || dup2(fd, 1) == -1 || dup2(fd, 2) == -1)
			_exit(126);
		if (pw != NULL && (fchown(fd, pw->pw_uid, pw->pw_gid) == -1 ||
		    setgroups(0, NULL) == -1 || setgid(pw->pw_gid) == -1 ||
		    setuid(pw->pw_uid) == -1))
			_exit(126);
		if (chdir(srv->dir) == -1)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int
pg_ctl(const struct pgserver *srv, const char *what, const char *opts)
{
	char	 prog[192], data[96], log[96];
	char	*argv[12];
	int	 n = 0;

	(void)snprintf(prog, sizeof(prog), "%s/pg_ctl", srv->bindir);
	(void)snprintf(data, sizeof(data), "%s/data", srv->dir);
	(void)snprintf(log, sizeof(log), "%s/server.log", srv->dir);
	argv[n++] = prog;
	argv[n++] = (char *)what;
	argv[n++] = "-D";
	argv[n++] = data;
	argv[n++] = "-w";
	argv[n++] = "-t";
	argv[n++] = "60";
	if (strcmp(what, "start") == 0) {
		argv[n++] = "-l";
		argv[n++] = log;
		argv[n++] = "-o";
		argv[n++] = (char *)opts;
	} else {
		argv[n++] = "-m";
		argv[n++] = "immediate";
	}
	argv[n] = NULL;
	return run_pg(srv, argv, log);
}

/*
 * Waits for the end of file that the test process's exit makes, then
 * stops the server and removes its directory.  Signals that end the
 * test (^C to its process group) must not end this first.
 */
static void
guard(struct pgserver *srv, int fd)
{
	char	 c;

	(void)signal(SIGINT, SIG_IGN);
	(void)signal(SIGTERM, SIG_IGN);
	(void)signal(SIGHUP, SIG_IGN);
	while (read(fd, &c, 1) == -1 && errno == EINTR)
		continue;
	(void)pg_ctl(srv, "stop", NULL);
	(void)nftw(srv->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	_exit(0);
}

static int
find_bindir(struct pgserver *srv)
{
	const char	*env = getenv("HAMD_PG_BINDIR");
	char		 p[192];

	(void)snprintf(srv->bindir, sizeof(srv->bindir), "%s",
	    env != NULL ? env : "/usr/lib/postgresql/" PG_MAJOR "/bin");
	(void)snprintf(p, sizeof(p), "%s/initdb", srv->bindir);
	if (access(p, X_OK) == -1)
		return -1;
	(void)snprintf(p, sizeof(p), "%s/pg_ctl", srv->bindir);
	return access(p, X_OK);
}

/*
 * Local connections are trusted but for the role "hub", which must
 * give its password (the store's password-file path).
 */
static int
write_hba(const struct pgserver *srv)
{
	static const char	 hba[] =
	    "local all hub scram-sha-256\n"
	    "local all all trust\n";
	struct passwd		*pw;
	char			 p[96];
	int			 fd, rc = 0;

	(void)snprintf(p, sizeof(p), "%s/data/pg_hba.conf", srv->dir);
	if ((fd = open(p, O_WRONLY | O_TRUNC)) == -1)
		return -1;
	if (write(fd, hba, sizeof(hba) - 1) != (ssize_t)sizeof(hba) - 1)
		rc = -1;
	if (geteuid() == 0 && ((pw = getpwnam(PG_USER)) == NULL ||
	    fchown(fd, pw->pw_uid, pw->pw_gid) == -1))
		rc = -1;
	(void)close(fd);
	return rc;
}

int
pgserver_start(struct pgserver *srv, const char *opts, int *missing,
    char *why, size_t whylen)
{
	struct passwd	*pw;
	char		 prog[192], data[96], log[96];
	char		*argv[16];
	int		 p[2], n = 0;

	memset(srv, 0, sizeof(*srv));
	srv->guard_fd = -1;
	*missing = 0;
	if (find_bindir(srv) == -1) {
		*missing = 1;
		(void)snprintf(why, whylen, "no PostgreSQL %s in %s (apt-get "
		    "install postgresql-%s, or set HAMD_PG_BINDIR)", PG_MAJOR,
		    srv->bindir, PG_MAJOR);
		return -1;
	}
	(void)snprintf(srv->dir, sizeof(srv->dir), "/tmp/hamd-pg.XXXXXX");
	if (mkdtemp(srv->dir) == NULL) {
		(void)snprintf(why, whylen, "mkdtemp: %s", strerror(errno));
		return -1;
	}
	if (geteuid() == 0 && ((pw = getpwnam(PG_USER)) == NULL ||
	    chown(srv->dir, pw->pw_uid, pw->pw_gid) == -1)) {
		(void)snprintf(why, whylen, "no user %s to run PostgreSQL as",
		    PG_USER);
		(void)rmdir(srv->dir);
		return -1;
	}

	/* From here on the guard removes what we make, whatever happens. */
	if (pipe2(p, O_CLOEXEC) == -1 || (srv->guard_pid = fork()) == -1) {
		(void)snprintf(why, whylen, "guard: %s", strerror(errno));
		(void)rmdir(srv->dir);
		return -1;
	}
	if (srv->guard_pid == 0) {
		(void)close(p[1]);
		guard(srv, p[0]);
	}
	(void)close(p[0]);
	srv->guard_fd = p[1];

	(void)snprintf(prog, sizeof(prog), "%s/initdb", srv->bindir);
	(void)snprintf(data, sizeof(data), "%s/data", srv->dir);
	(void)snprintf(log, sizeof(log), "%s/initdb.log", srv->dir);
	argv[n++] = prog;
	argv[n++] = "-D";
	argv[n++] = data;
	argv[n++] = "-U";
	argv[n++] = "hamd";
	argv[n++] = "-A";
	argv[n++] = "trust";
	argv[n++] = "-E";
	argv[n++] = "UTF8";
	argv[n++] = "--locale=C";
	/* The test's files need not outlive the machine. */
	argv[n++] = "--no-sync";
	argv[n] = NULL;
	if (run_pg(srv, argv, log) != 0 || write_hba(srv) == -1) {
		(void)snprintf(why, whylen, "initdb failed (see %s)", log);
		return -1;
	}
	/*
	 * No TCP at all; the socket in our directory.  synchronous_commit
	 * off as the server's default, so that the store's own setting is
	 * what the tests see.
	 */
	(void)snprintf(srv->opts, sizeof(srv->opts), "-k %s "
	    "-c listen_addresses= -c max_connections=150 "
	    "-c synchronous_commit=off %s", srv->dir, opts != NULL ? opts : "");
	if (pg_ctl(srv, "start", srv->opts) != 0) {
		(void)snprintf(why, whylen, "pg_ctl start failed (see "
		    "%s/server.log)", srv->dir);
		return -1;
	}
	(void)snprintf(srv->conninfo, sizeof(srv->conninfo), "host=%s "
	    "port=5432 dbname=postgres user=hamd", srv->dir);
	return 0;
}

int
pgserver_crash_restart(struct pgserver *srv)
{
	if (pg_ctl(srv, "stop", NULL) != 0)
		return -1;
	return pg_ctl(srv, "start", srv->opts) == 0 ? 0 : -1;
}

void
pgserver_stop(struct pgserver *srv)
{
	int	 status;

	if (srv->guard_fd == -1)
		return;
	(void)close(srv->guard_fd);
	srv->guard_fd = -1;
	while (waitpid(srv->guard_pid, &status, 0) == -1 && errno == EINTR)
		continue;
}

void
pgserver_quiet(void *arg, const char *msg)
{
}

int
pgserver_sql(const struct pgserver *srv, const char *sql, char *err,
    size_t errlen)
{
	PGconn		*c;
	PGresult	*r;
	int		 rc = 0;

	c = PQconnectdb(srv->conninfo);
	if (PQstatus(c) != CONNECTION_OK) {
		(void)snprintf(err, errlen, "%s", PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	(void)PQsetNoticeProcessor(c, pgserver_quiet, NULL);
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK) {
		(void)snprintf(err, errlen, "%s", PQresultErrorMessage(r));
		rc = -1;
	}
	PQclear(r);
	PQfinish(c);
	return rc;
}
