/*
 * The store on PostgreSQL (libpq): the connection (its settings, the
 * schema migrations) and the calls of store_backend.h, so that the
 * operations of store_meta.c, store_node.c, store_net.c,
 * store_member.c and store_block.c run unchanged on a database that
 * several hubs share.
 *
 * Isolation.  The operations are written for SQLite's BEGIN IMMEDIATE:
 * the write lock is taken before anything is read, so the checks a
 * change depends on (a free address, a member limit, an unused invite)
 * hold until the commit, and no operation ever meets a conflict it has
 * to start over from.  Here each transaction is READ COMMITTED and
 * takes one transaction-scoped advisory lock first (STORE_PG_LOCK), so
 * the writers of every hub on the database run one after another, each
 * statement seeing every commit before it, exactly as on SQLite.
 * SERIALIZABLE would detect the same races only to abort one side, and
 * retrying means running the operation again from its start, which the
 * operations are not built for (and a login storm would keep retrying
 * the same lowest free address).  Readers outside a transaction are
 * never blocked; a lock wait ends after STORE_BUSY_MS (lock_timeout),
 * as SQLite's busy handler does.
 *
 * SQLite undoes a failed statement alone and leaves the transaction
 * going (an operation may go on after STORE_EXISTS); PostgreSQL would
 * abort the whole transaction.  So a statement that changes rows inside
 * a transaction runs behind a savepoint, sent in one pipeline with it:
 * no extra round trip unless it fails.
 *
 * Durability: synchronous_commit is on for the session whatever the
 * server's default, so a COMMIT has reached the WAL on disk (and any
 * synchronous standby) before db_end returns.
 *
 * Statements: '?' made '$' (store_sql.c), each prepared the first time
 * it runs on a connection, arguments in binary with their types and
 * results in binary.  A query's rows are all fetched at once, so a
 * callback may run other statements on the same connection while an
 * iteration is open.
 *
 * A lost connection fails the statement with a clear error and never
 * the process; the next statement outside a transaction (or the next
 * transaction) connects again, at most once a second.  Inside a
 * transaction it never does: what ran before the loss is gone with it.
 */
#include "autoconf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "compat/bytes.h"
#include "hub/store.h"
#include "hub/store_backend.h"
#include "hub/store_impl.h"
#include "hub/store_pgconn.h"
#include "hub/store_sql.h"

/* Type OIDs are fixed by PostgreSQL's catalog for good. */
#define OID_BOOL	16
#define OID_BYTEA	17
#define OID_INT8	20
#define OID_INT2	21
#define OID_INT4	23

/* The advisory lock every writing transaction takes: "hamhubd\0". */
#define STORE_PG_LOCK	"7522537277426788352"

/* The shortest time between two tries to connect again. */
#define RECONNECT_SEC	1

struct pg_stmt {
	struct db_stmt	 base;		/* first */
	enum store_query q;
	PGresult	*res;
	int		 ran;		/* res is the statement's */
	int		 row, nrows;
	int		 inuse;		/* taken (the cached ones) */
	int		 copy;		/* made for one use */
	int		 nparams;
	char		 sig[STORE_SQL_MAXARG + 1];	/* types, by format */
	const char	*vals[STORE_SQL_MAXARG];
	int		 lens[STORE_SQL_MAXARG];
	int		 fmts[STORE_SQL_MAXARG];
	Oid		 types[STORE_SQL_MAXARG];
	uint8_t		 ints[STORE_SQL_MAXARG][8];
};

struct pg_store {
	struct store	 base;		/* first */
	PGconn		*conn;
	char		*conninfo;
	char		*password;	/* NULL: none */
	char		*sql[Q_MAX];	/* PostgreSQL's text */
	int		 dml[Q_MAX];	/* changes rows */
	char		 prepared[Q_MAX][STORE_SQL_MAXARG + 2];	/* "" no */
	struct pg_stmt	 stmt[Q_MAX];
	int		 intx;		/* in a transaction */
	int		 changed;
	time_t		 last_try;	/* to connect */
};

static const struct db_backend pg_backend;

static struct pg_store *
pgs(struct store *st)
{
	return (struct pg_store *)(void *)st;
}

static struct pg_stmt *
pgq(struct db_stmt *s)
{
	return (struct pg_stmt *)(void *)s;
}

/* libpq's messages end in a newline, which ours do not. */
static int
pg_fail(struct pg_store *st, const char *what, const char *msg)
{
	size_t	 len = strlen(msg);

	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		len--;
	return db_fail(&st->base, STORE_ERR, "%s: %.*s", what, (int)len, msg);
}

/* The connection is gone: say so, whatever libpq's words for it. */
static int
lost(struct pg_store *st, const char *what)
{
	if (PQstatus(st->conn) == CONNECTION_BAD)
		st->base.down = 1;
	return pg_fail(st, what, PQstatus(st->conn) == CONNECTION_BAD ?
	    "database connection lost" : PQerrorMessage(st->conn));
}

/* A result's error as a STORE_* code with its message. */
static int
res_fail(struct pg_store *st, const char *what, const PGresult *res)
{
	const char	*state, *msg;

	if (res == NULL || PQstatus(st->conn) == CONNECTION_BAD)
		return lost(st, what);
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if ((msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)) == NULL)
		msg = PQresultErrorMessage(res);
	(void)pg_fail(st, what, msg);
	if (state != NULL && strcmp(state, "23505") == 0)
		return STORE_EXISTS;	/* unique_violation */
	if (state != NULL && strcmp(state, "55P03") == 0)
		return db_fail(&st->base, STORE_ERR, "%s: database busy "
		    "(lock not granted within %d ms)", what, STORE_BUSY_MS);
	return STORE_ERR;
}

/* SQL without arguments or rows (settings, transactions, schema). */
static int
run(struct pg_store *st, const char *sql)
{
	PGresult	*res;
	int		 rc = STORE_OK;

	res = PQexec(st->conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = res_fail(st, "statement", res);
	PQclear(res);
	return rc;
}

/*
 * Settings of the session, whatever the server's, the database's or
 * the role's defaults: commits are durable before they return, a lock
 * is waited for as long as SQLite's busy handler would, reads outside
 * a transaction see the latest commit, and a hub stopped inside a
 * transaction cannot hold every other hub's writes for long.
 */
static int
session(struct pg_store *st)
{
	char	 sql[512];
	int	 i;

	for (i = 0; i < Q_MAX; i++)
		st->prepared[i][0] = '\0';
	st->intx = 0;
	(void)snprintf(sql, sizeof(sql),
	    "SET synchronous_commit = on;"
	    "SET lock_timeout = %d;"
	    "SET default_transaction_isolation = 'read committed';"
	    "SET idle_in_transaction_session_timeout = %d",
	    STORE_BUSY_MS, STORE_BUSY_MS * 6);
	return run(st, sql);
}

static void
quiet(void *arg, const char *msg)
{
}

/*
 * Connection defaults a configuration may override: a timeout to
 * connect, and keepalives that notice a dead server or path in well
 * under a minute rather than the system's two hours.  Then the
 * configured string, then what it may not change.
 */
static PGconn *
pg_open(const char *conninfo, const char *password, int start)
{
	const char	*kw[16], *val[16];
	PGconn		*conn;
	int		 n = 0;

	kw[n] = "connect_timeout";		val[n++] = "10";
	kw[n] = "keepalives_idle";		val[n++] = "10";
	kw[n] = "keepalives_interval";		val[n++] = "5";
	kw[n] = "keepalives_count";		val[n++] = "3";
	kw[n] = "tcp_user_timeout";		val[n++] = "20000";
	kw[n] = "fallback_application_name";	val[n++] = "hamhubd";
	kw[n] = "dbname";			val[n++] = conninfo;
	kw[n] = "client_encoding";		val[n++] = "UTF8";
	if (password != NULL) {
		kw[n] = "password";		val[n++] = password;
	}
	kw[n] = NULL;
	val[n] = NULL;
	conn = start ? PQconnectStartParams(kw, val, 1) :
	    PQconnectdbParams(kw, val, 1);
	/* libpq would print the server's notices on stderr. */
	if (conn != NULL && PQstatus(conn) != CONNECTION_BAD)
		(void)PQsetNoticeProcessor(conn, quiet, NULL);
	return conn;
}

static int
connect_db(struct pg_store *st)
{
	st->last_try = time(NULL);
	PQfinish(st->conn);
	st->conn = pg_open(st->conninfo, st->password, 0);
	if (st->conn == NULL)
		return db_nomem(&st->base, "connect");
	st->base.down = PQstatus(st->conn) != CONNECTION_OK;
	if (st->base.down)
		return pg_fail(st, "connect", PQerrorMessage(st->conn));
	return session(st);
}

PGconn *
store_pg_connect_start(struct store *bst)
{
	struct pg_store	*st = pgs(bst);

	if (bst->be != &pg_backend)
		return NULL;
	return pg_open(st->conninfo, st->password, 1);
}

/*
 * Before a statement outside a transaction, or a transaction: a lost
 * connection is made again, but not more than once a second, so that a
 * database that is down costs a request one failed try at most.
 */
static int
ready(struct pg_store *st)
{
	if (PQstatus(st->conn) == CONNECTION_OK)
		return STORE_OK;
	if (st->intx)
		return lost(st, "statement");
	if (time(NULL) - st->last_try < RECONNECT_SEC)
		return db_fail(&st->base, STORE_ERR, "database connection "
		    "lost; trying again");
	return connect_db(st);
}

static void
stmt_clear(struct pg_stmt *s)
{
	PQclear(s->res);
	s->res = NULL;
	s->ran = 0;
	s->row = -1;
	s->nrows = 0;
	s->nparams = 0;
}

static void
pg_give(struct store *bst, enum store_query q, struct db_stmt *ds)
{
	struct pg_stmt	*s = pgq(ds);

	stmt_clear(s);
	if (s->copy)
		free(s);
	else
		s->inuse = 0;
}

/*
 * Arguments by the format of store_backend.h: keys, IDs and blobs as
 * bytea, integers as bigint, both in binary; text in text form and
 * without a type, so that the server gives it the column's (a name
 * compared with the citext column is citext).
 */
static int
vbind(struct pg_store *st, struct pg_stmt *s, const char *fmt, va_list ap)
{
	const void	*p;
	size_t		 len;
	int		 i;

	for (i = 0; *fmt != '\0'; fmt++, i++) {
		if (i == STORE_SQL_MAXARG)
			return db_fail(&st->base, STORE_ERR, "too many "
			    "arguments");
		s->fmts[i] = 1;
		s->types[i] = OID_BYTEA;
		s->sig[i] = 'b';
		switch (*fmt) {
		case 'k':
		case 'n':
			s->vals[i] = va_arg(ap, const void *);
			s->lens[i] = *fmt == 'k' ? HUB_KEY_LEN : HUB_NETID_LEN;
			break;
		case 'b':
			p = va_arg(ap, const void *);
			len = va_arg(ap, size_t);
			if (len > INT32_MAX)
				return db_fail(&st->base, STORE_ERR,
				    "blob too long");
			/* NULL would be SQL NULL, not an empty blob. */
			s->vals[i] = len == 0 ? "" : p;
			s->lens[i] = (int)len;
			break;
		case 't':
			s->vals[i] = va_arg(ap, const char *);
			s->lens[i] = 0;
			s->fmts[i] = 0;
			s->types[i] = 0;
			s->sig[i] = 't';
			break;
		case 'i':
		case 'd':
			put_be64(s->ints[i], *fmt == 'i' ?
			    (uint64_t)va_arg(ap, int64_t) :
			    (uint64_t)(int64_t)va_arg(ap, int));
			s->vals[i] = (const char *)s->ints[i];
			s->lens[i] = 8;
			s->types[i] = OID_INT8;
			s->sig[i] = 'i';
			break;
		default:
			return db_fail(&st->base, STORE_ERR,
			    "bad bind format %c", *fmt);
		}
	}
	s->nparams = i;
	s->sig[i] = '\0';
	return STORE_OK;
}

static struct db_stmt *
pg_take(struct store *bst, enum store_query q, const char *fmt, va_list ap)
{
	struct pg_store	*st = pgs(bst);
	struct pg_stmt	*s = &st->stmt[q];

	if (ready(st) != STORE_OK)
		return NULL;
	if (s->inuse) {
		if ((s = calloc(1, sizeof(*s))) == NULL) {
			(void)db_nomem(bst, "statement");
			return NULL;
		}
		s->base.be = &pg_backend;
		s->q = q;
		s->copy = 1;
	}
	s->inuse = 1;
	stmt_clear(s);
	if (vbind(st, s, fmt, ap) != STORE_OK) {
		pg_give(bst, q, &s->base);
		return NULL;
	}
	return &s->base;
}

/*
 * Prepared once per connection with the argument types of its first
 * use; a use with other types (no caller does that today) runs
 * unprepared rather than wrongly typed.
 */
static int
prepare(struct pg_store *st, struct pg_stmt *s, char *name, size_t len)
{
	PGresult	*res;
	int		 rc = STORE_OK;

	(void)snprintf(name, len, "hamd_%d", (int)s->q);
	if (st->prepared[s->q][0] != '\0')
		return strcmp(st->prepared[s->q] + 1, s->sig) == 0 ?
		    STORE_OK : STORE_NOTFOUND;
	res = PQprepare(st->conn, name, st->sql[s->q], s->nparams, s->types);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = res_fail(st, "prepare", res);
	else
		(void)snprintf(st->prepared[s->q], sizeof(st->prepared[s->q]),
		    "=%s", s->sig);
	PQclear(res);
	return rc;
}

static int
send_stmt(struct pg_store *st, struct pg_stmt *s, const char *name)
{
	if (name != NULL)
		return PQsendQueryPrepared(st->conn, name, s->nparams,
		    s->vals, s->lens, s->fmts, 1);
	return PQsendQueryParams(st->conn, st->sql[s->q], s->nparams,
	    s->types, s->vals, s->lens, s->fmts, 1);
}

/*
 * A statement that changes rows, inside a transaction: savepoint,
 * statement and release in one pipeline.  If the statement fails the
 * release is skipped with it, and rolling back to the savepoint leaves
 * the transaction as it was before the statement, as SQLite does.
 */
static int
failed(const PGresult *r)
{
	return r == NULL || (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK);
}

static PGresult *
exec_guarded(struct pg_store *st, struct pg_stmt *s, const char *name)
{
	PGresult	*r[3] = { NULL, NULL, NULL }, *x, *out;
	int		 i, ok = 0;

	if (!PQenterPipelineMode(st->conn))
		return NULL;
	if (PQsendQueryParams(st->conn, "SAVEPOINT hamd_stmt", 0, NULL,
	    NULL, NULL, NULL, 0) && send_stmt(st, s, name) &&
	    PQsendQueryParams(st->conn, "RELEASE SAVEPOINT hamd_stmt", 0,
	    NULL, NULL, NULL, NULL, 0) && PQpipelineSync(st->conn)) {
		/* Each query's results end in NULL; then the sync's. */
		for (i = 0; i < 3; i++) {
			while ((x = PQgetResult(st->conn)) != NULL) {
				if (r[i] == NULL)
					r[i] = x;
				else
					PQclear(x);
			}
			if (r[i] == NULL)
				break;
		}
		if (i == 3 && (x = PQgetResult(st->conn)) != NULL) {
			ok = PQresultStatus(x) == PGRES_PIPELINE_SYNC;
			PQclear(x);
		}
	}
	/* A pipeline left half read is no connection to go on with. */
	if (!ok || !PQexitPipelineMode(st->conn)) {
		for (i = 0; i < 3; i++)
			PQclear(r[i]);
		PQfinish(st->conn);
		st->conn = NULL;
		return NULL;
	}
	out = failed(r[0]) ? r[0] : failed(r[1]) ? r[1] : failed(r[2]) ?
	    r[2] : r[1];
	ok = !failed(r[0]) && failed(out);
	for (i = 0; i < 3; i++)
		if (r[i] != out)
			PQclear(r[i]);
	if (ok)
		PQclear(PQexec(st->conn, "ROLLBACK TO SAVEPOINT hamd_stmt;"
		    "RELEASE SAVEPOINT hamd_stmt"));
	return out;
}

static int
execute(struct pg_store *st, struct pg_stmt *s)
{
	char		 name[32];
	const char	*pname = name;
	ExecStatusType	 status;
	int		 rc;

	if ((rc = prepare(st, s, name, sizeof(name))) == STORE_NOTFOUND)
		pname = NULL;
	else if (rc != STORE_OK)
		return rc;
	if (st->intx && st->dml[s->q])
		s->res = exec_guarded(st, s, pname);
	else if (pname != NULL)
		s->res = PQexecPrepared(st->conn, pname, s->nparams, s->vals,
		    s->lens, s->fmts, 1);
	else
		s->res = PQexecParams(st->conn, st->sql[s->q], s->nparams,
		    s->types, s->vals, s->lens, s->fmts, 1);
	s->ran = 1;
	s->row = -1;
	status = PQresultStatus(s->res);
	if (s->res == NULL || (status != PGRES_TUPLES_OK &&
	    status != PGRES_COMMAND_OK))
		return res_fail(st, "step", s->res);
	if (status == PGRES_COMMAND_OK)
		st->changed = atoi(PQcmdTuples(s->res));
	s->nrows = PQntuples(s->res);
	return STORE_OK;
}

static int
pg_next(struct store *bst, struct db_stmt *ds, int first)
{
	struct pg_store	*st = pgs(bst);
	struct pg_stmt	*s = pgq(ds);
	int		 rc;

	if (!s->ran && (rc = execute(st, s)) != STORE_OK)
		return rc;
	if (s->row + 1 >= s->nrows)
		return DB_DONE;
	s->row++;
	return DB_ROW;
}

static int64_t
pg_col_int(struct db_stmt *ds, int i)
{
	struct pg_stmt		*s = pgq(ds);
	const uint8_t		*p;

	if (s->res == NULL || s->row < 0 || PQgetisnull(s->res, s->row, i))
		return 0;
	p = (const uint8_t *)PQgetvalue(s->res, s->row, i);
	switch (PQftype(s->res, i)) {
	case OID_INT8:
		return (int64_t)get_be64(p);
	case OID_INT4:
		return (int32_t)get_be32(p);
	case OID_INT2:
		return (int16_t)(p[0] << 8 | p[1]);
	case OID_BOOL:
		return p[0] != 0;
	}
	return 0;
}

static size_t
pg_col_len(struct db_stmt *ds, int i)
{
	struct pg_stmt	*s = pgq(ds);

	if (s->res == NULL || s->row < 0)
		return 0;
	return (size_t)PQgetlength(s->res, s->row, i);
}

static int
pg_col_blob(struct store *st, struct db_stmt *ds, int i, void *dst,
    size_t len)
{
	struct pg_stmt	*s = pgq(ds);

	if (s->res == NULL || s->row < 0 || PQgetisnull(s->res, s->row, i) ||
	    (size_t)PQgetlength(s->res, s->row, i) != len)
		return db_fail(st, STORE_ERR, "corrupt row: column %s is not "
		    "%zu bytes", s->res == NULL ? "?" : PQfname(s->res, i),
		    len);
	memcpy(dst, PQgetvalue(s->res, s->row, i), len);
	return STORE_OK;
}

static int
pg_col_text(struct store *st, struct db_stmt *ds, int i, char *dst,
    size_t len)
{
	struct pg_stmt	*s = pgq(ds);
	size_t		 n;
	const char	*p;

	if (s->res == NULL || s->row < 0 || PQgetisnull(s->res, s->row, i) ||
	    (n = (size_t)PQgetlength(s->res, s->row, i)) >= len)
		return db_fail(st, STORE_ERR, "corrupt row: column %s is too "
		    "long", s->res == NULL ? "?" : PQfname(s->res, i));
	p = PQgetvalue(s->res, s->row, i);
	/* A text value is never meant to hold a NUL. */
	if (memchr(p, '\0', n) != NULL)
		return db_fail(st, STORE_ERR, "corrupt row: column %s has a "
		    "NUL", PQfname(s->res, i));
	memcpy(dst, p, n);
	dst[n] = '\0';
	return STORE_OK;
}

static int
pg_changed(struct store *st)
{
	return pgs(st)->changed;
}

static int
pg_begin(struct store *bst)
{
	struct pg_store	*st = pgs(bst);
	int		 rc;

	if ((rc = ready(st)) != STORE_OK)
		return rc;
	if ((rc = run(st, "BEGIN ISOLATION LEVEL READ COMMITTED;"
	    "SELECT pg_advisory_xact_lock(" STORE_PG_LOCK ")")) != STORE_OK) {
		if (PQstatus(st->conn) == CONNECTION_OK)
			(void)run(st, "ROLLBACK");
		return rc;
	}
	st->intx = 1;
	return STORE_OK;
}

/*
 * A COMMIT that fails (or whose answer never comes) has not reported
 * success, so the caller reports failure; PostgreSQL has then either
 * rolled the transaction back or, when the connection broke after the
 * server received COMMIT, may have committed it: the operations are
 * written so that doing one again is harmless or refused cleanly.
 */
static int
pg_end(struct store *bst, int rc)
{
	struct pg_store	*st = pgs(bst);
	PGresult	*res;

	if (!st->intx)
		return rc;
	st->intx = 0;
	if (rc == STORE_OK) {
		res = PQexec(st->conn, "COMMIT");
		/* COMMIT of an aborted transaction says ROLLBACK. */
		if (PQresultStatus(res) == PGRES_COMMAND_OK &&
		    strcmp(PQcmdStatus(res), "COMMIT") == 0) {
			PQclear(res);
			return STORE_OK;
		}
		rc = PQresultStatus(res) == PGRES_COMMAND_OK ?
		    db_fail(bst, STORE_ERR, "commit: the transaction was "
		    "rolled back") : res_fail(st, "commit", res);
		PQclear(res);
	}
	if (PQstatus(st->conn) == CONNECTION_OK &&
	    PQtransactionStatus(st->conn) != PQTRANS_IDLE)
		PQclear(PQexec(st->conn, "ROLLBACK"));
	return rc;
}

/* The version, as PRAGMA user_version is SQLite's: 0 without a table. */
static int
pg_version(struct store *bst)
{
	struct pg_store	*st = pgs(bst);
	PGresult	*res;
	const char	*state;
	long		 v;
	int		 rc;

	if ((rc = ready(st)) != STORE_OK)
		return rc;
	res = PQexec(st->conn, "SELECT version FROM schema_version");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		rc = state != NULL && strcmp(state, "42P01") == 0 ? 0 :
		    res_fail(st, "schema version", res);
	} else if (PQntuples(res) != 1)
		rc = db_fail(bst, STORE_ERR, "schema version: %d rows",
		    PQntuples(res));
	else {
		v = strtol(PQgetvalue(res, 0, 0), NULL, 10);
		rc = v < 0 || v > 1000000 ? db_fail(bst, STORE_ERR,
		    "bad schema version %ld", v) : (int)v;
	}
	PQclear(res);
	return rc;
}

/*
 * Each step in its own transaction under the write lock, the version
 * read again inside it: another hub may have migrated the database
 * since we looked.  PostgreSQL's DDL is transactional, so a step
 * either happens whole or not at all.
 */
static int
migrate(struct pg_store *st)
{
	struct store	*bst = &st->base;
	char		 sql[96];
	int		 rc, v;

	for (;;) {
		if ((v = pg_version(bst)) < 0)
			return v;
		if ((size_t)v > store_nmigrations)
			return store_newer(bst, v);
		if ((size_t)v == store_nmigrations)
			return STORE_OK;
		if ((rc = pg_begin(bst)) != STORE_OK)
			return rc;
		if ((rc = run(st, "CREATE TABLE IF NOT EXISTS schema_version "
		    "(version INTEGER NOT NULL);"
		    "INSERT INTO schema_version SELECT 0 WHERE NOT EXISTS "
		    "(SELECT 1 FROM schema_version)")) != STORE_OK)
			return pg_end(bst, rc);
		if ((v = pg_version(bst)) < 0)
			return pg_end(bst, v);
		if ((size_t)v >= store_nmigrations) {
			(void)pg_end(bst, STORE_NOTFOUND);
			continue;
		}
		if ((rc = run(st, store_pg_migrations[v])) != STORE_OK)
			return pg_end(bst, rc);
		(void)snprintf(sql, sizeof(sql), "UPDATE schema_version "
		    "SET version = %d", v + 1);
		if ((rc = run(st, sql)) != STORE_OK)
			return pg_end(bst, rc);
		if ((rc = pg_end(bst, STORE_OK)) != STORE_OK)
			return rc;
	}
}

/* The statements in PostgreSQL's form: '?' is '$' (store_sql.c). */
static int
texts(struct pg_store *st)
{
	const char	*q;
	char		*p;
	int		 i;

	for (i = 0; i < Q_MAX; i++) {
		q = store_pg_queries[i] != NULL ? store_pg_queries[i] :
		    store_queries[i];
		if ((st->sql[i] = strdup(q)) == NULL)
			return db_nomem(&st->base, "queries");
		for (p = st->sql[i]; (p = strchr(p, '?')) != NULL; p++)
			*p = '$';
		q += strspn(q, " (");
		st->dml[i] = strncmp(q, "SELECT", 6) != 0;
		st->stmt[i].base.be = &pg_backend;
		st->stmt[i].q = i;
		st->stmt[i].row = -1;
	}
	return STORE_OK;
}

static void
pg_close(struct store *bst)
{
	struct pg_store	*st = pgs(bst);
	int		 i;

	for (i = 0; i < Q_MAX; i++) {
		PQclear(st->stmt[i].res);
		free(st->sql[i]);
	}
	PQfinish(st->conn);
	free(st->conninfo);
	if (st->password != NULL) {
		explicit_bzero(st->password, strlen(st->password));
		free(st->password);
	}
	free(st);
}

/*
 * A password belongs in its own argument (from a file the parent
 * reads), never in the connection string, which ends up in logs and
 * process listings.  A string libpq cannot read is left for the
 * connection to report.
 */
static int
has_password(const char *conninfo)
{
	PQconninfoOption	*opts, *o;
	int			 found = 0;

	if ((opts = PQconninfoParse(conninfo, NULL)) == NULL)
		return 0;
	for (o = opts; o->keyword != NULL; o++)
		if (o->val != NULL && strcmp(o->keyword, "password") == 0)
			found = 1;
	PQconninfoFree(opts);
	return found;
}

struct store *
store_open_pg(const char *conninfo, const char *password, char *err,
    size_t errlen)
{
	struct pg_store	*st;

	if (has_password(conninfo)) {
		(void)snprintf(err, errlen, "postgresql: the connection string "
		    "has a password: give it in a password file");
		return NULL;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->conninfo = strdup(conninfo)) == NULL ||
	    (password != NULL && (st->password = strdup(password)) == NULL)) {
		(void)snprintf(err, errlen, "%s", strerror(ENOMEM));
		if (st != NULL)
			free(st->conninfo);
		free(st);
		return NULL;
	}
	st->base.be = &pg_backend;
	if (texts(st) != STORE_OK || connect_db(st) != STORE_OK ||
	    migrate(st) != STORE_OK) {
		(void)snprintf(err, errlen, "postgresql: %s", st->base.err);
		pg_close(&st->base);
		return NULL;
	}
	st->base.err[0] = '\0';
	return &st->base;
}

static const struct db_backend pg_backend = {
	.name = "postgresql",
	.vtake = pg_take,
	.give = pg_give,
	.next = pg_next,
	.col_int = pg_col_int,
	.col_len = pg_col_len,
	.col_blob = pg_col_blob,
	.col_text = pg_col_text,
	.changed = pg_changed,
	.begin = pg_begin,
	.end = pg_end,
	.version = pg_version,
	.close = pg_close,
};
