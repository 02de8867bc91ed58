/*
 * A PostgreSQL server of the test's own, for the store's tests on that
 * backend: initdb and pg_ctl in a new directory under /tmp, run as
 * nobody when the test runs as root (PostgreSQL refuses root), listening
 * on a UNIX socket in that directory only.  A guard process stops it
 * with pg_ctl (which signals the PID the server recorded) and removes
 * the directory when the test's process ends, however it ends.
 */
#ifndef HAMD_TESTS_PGSERVER_H
#define HAMD_TESTS_PGSERVER_H

#include <stddef.h>

struct pgserver {
	char	dir[64];	/* socket, data/, logs */
	char	bindir[128];
	/* "host=DIR port=5432 dbname=postgres user=hamd" */
	char	conninfo[256];
	char	opts[320];	/* pg_ctl -o, for a restart */
	int	guard_fd;	/* closing it stops the server */
	int	guard_pid;
};

/*
 * Start one: 0, or -1 with why (no PostgreSQL 15 installed: the caller
 * skips; a server that does not start: the caller fails).  *missing
 * says which.  Extra server settings in opts ("-c name=value ...").
 */
int	pgserver_start(struct pgserver *, const char *opts, int *missing,
	    char *why, size_t whylen);
/*
 * Stop it as a crash would (pg_ctl stop -m immediate: no checkpoint,
 * what is not in the WAL on disk is lost) and start it again, with
 * recovery; 0 or -1.
 */
int	pgserver_crash_restart(struct pgserver *);
/* Stop it now and wait until it is gone with its directory. */
void	pgserver_stop(struct pgserver *);
/* A notice processor that drops the server's notices. */
void	pgserver_quiet(void *, const char *);
/* Run SQL as the superuser on the server's database; 0 or -1. */
int	pgserver_sql(const struct pgserver *, const char *sql, char *err,
	    size_t errlen);

#endif
