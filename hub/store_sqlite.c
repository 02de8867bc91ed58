/*
 * The store on SQLite: the connection (file checks, settings, schema
 * migrations) and the calls of store_backend.h (statements, rows,
 * transactions, errors).  The operations themselves are in
 * store_meta.c, store_node.c, store_net.c, store_member.c and
 * store_block.c; the SQL in store_sql.c.
 *
 * Every change is one BEGIN IMMEDIATE transaction: taking the write
 * lock before reading means that the checks a change depends on cannot
 * be invalidated by another process before the commit.  WAL with
 * synchronous=FULL makes a commit durable before the call returns,
 * which is what lets the hub acknowledge a change to a node.
 *
 * Every statement is compiled once, when the store opens.  Compiling
 * inside a transaction would hold the write lock for the parse as well:
 * with several processes on one file, every one of them waits for that.
 * The statements are finalized on close.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "hub/store.h"
#include "hub/store_backend.h"
#include "hub/store_impl.h"
#include "hub/store_sql.h"

/* A compiled statement under the name the callers know. */
struct sq_stmt {
	struct db_stmt	 base;		/* first */
	sqlite3_stmt	*s;
	int		 inuse;		/* taken (the cached ones) */
	int		 copy;		/* compiled for one use */
};

struct sq_store {
	struct store	 base;		/* first */
	sqlite3		*db;
	struct sq_stmt	 stmt[Q_MAX];
	int64_t		 busy_since;	/* the current wait for a lock */
	uint64_t	 rnd;		/* xorshift state, for naps */
};

static const struct db_backend sqlite_backend;

static struct sq_store *
sqs(struct store *st)
{
	return (struct sq_store *)(void *)st;
}

static sqlite3_stmt *
sq(struct db_stmt *s)
{
	return ((struct sq_stmt *)(void *)s)->s;
}

/* The longest nap between two tries for a lock. */
#define STORE_NAP_MAX_MS	64

static int64_t
mono_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Before try n + 1 for a lock: a random nap of up to 2^n ms, at most
 * STORE_NAP_MAX_MS.  The first are short, so that brief contention
 * costs little; the randomness keeps many waiters from waking in step,
 * where the same ones would lose every time, and the cap bounds how
 * long a free lock stays untaken.
 */
static void
nap(struct sq_store *st, int n)
{
	struct timespec	 ts;
	uint64_t	 x = st->rnd;
	long		 ms, cap;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	st->rnd = x;
	cap = n < 6 ? 1L << n : STORE_NAP_MAX_MS;
	ms = 1 + (long)(x % (uint64_t)cap);
	ts.tv_sec = 0;
	ts.tv_nsec = ms * 1000000L;
	(void)nanosleep(&ts, NULL);
}

/*
 * SQLite's busy handler: called with n = 0, 1, ... while a lock is
 * taken, and the wait ends (SQLITE_BUSY) after STORE_BUSY_MS.  It
 * replaces sqlite3_busy_timeout(), whose fixed schedule ends in 100 ms
 * steps that a crowd of waiters takes together.
 */
static int
busy_wait(void *arg, int n)
{
	struct sq_store	*st = arg;
	int64_t		 now = mono_ms();

	if (n == 0)
		st->busy_since = now;
	else if (now - st->busy_since >= STORE_BUSY_MS)
		return 0;
	nap(st, n);
	return 1;
}

static int
is_busy(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

/* Call this before anything else touches the connection's error. */
static int
dberr(struct sq_store *st, const char *what)
{
	int	 nomem = (sqlite3_extended_errcode(st->db) & 0xff) ==
		    SQLITE_NOMEM;

	(void)db_fail(&st->base, STORE_ERR, "%s: %s", what,
	    sqlite3_errmsg(st->db));
	st->base.nomem = nomem;
	return STORE_ERR;
}

/*
 * Compiling reads the schema, which can meet a lock like any read:
 * retried within the same time as the busy handler gets.
 */
static int
compile(struct sq_store *st, const char *sql, sqlite3_stmt **sp,
    unsigned int flags)
{
	int64_t	 start = mono_ms();
	int	 rc, n;

	for (n = 0;; n++) {
		*sp = NULL;
		rc = sqlite3_prepare_v3(st->db, sql, -1, flags, sp, NULL);
		if (rc == SQLITE_OK)
			return STORE_OK;
		sqlite3_finalize(*sp);
		*sp = NULL;
		if (!is_busy(rc) || mono_ms() - start >= STORE_BUSY_MS)
			return dberr(st, "prepare");
		nap(st, n);
	}
}

/*
 * Bind the arguments of a statement by a format, one character each:
 * k a key (32 bytes), n a network ID (16), b a blob (pointer, size_t),
 * t text, i an int64_t, d an int.  Blobs and text stay the caller's
 * until the statement is given back.
 */
static int
vbind(struct sq_store *st, sqlite3_stmt *s, const char *fmt, va_list ap)
{
	const void	*p;
	size_t		 len;
	int		 i, rc = SQLITE_OK;

	for (i = 1; *fmt != '\0' && rc == SQLITE_OK; fmt++, i++) {
		switch (*fmt) {
		case 'k':
			p = va_arg(ap, const void *);
			rc = sqlite3_bind_blob(s, i, p, HUB_KEY_LEN,
			    SQLITE_STATIC);
			break;
		case 'n':
			p = va_arg(ap, const void *);
			rc = sqlite3_bind_blob(s, i, p, HUB_NETID_LEN,
			    SQLITE_STATIC);
			break;
		case 'b':
			p = va_arg(ap, const void *);
			len = va_arg(ap, size_t);
			if (len > INT_MAX)
				return db_fail(&st->base, STORE_ERR,
				    "blob too long");
			/* NULL would bind SQL NULL, not an empty blob. */
			if (len == 0)
				p = "";
			rc = sqlite3_bind_blob(s, i, p, (int)len,
			    SQLITE_STATIC);
			break;
		case 't':
			p = va_arg(ap, const char *);
			rc = sqlite3_bind_text(s, i, p, -1, SQLITE_STATIC);
			break;
		case 'i':
			rc = sqlite3_bind_int64(s, i, va_arg(ap, int64_t));
			break;
		case 'd':
			rc = sqlite3_bind_int(s, i, va_arg(ap, int));
			break;
		default:
			return db_fail(&st->base, STORE_ERR,
			    "bad bind format %c", *fmt);
		}
	}
	if (rc != SQLITE_OK)
		return dberr(st, "bind");
	return STORE_OK;
}

/*
 * Give back a statement taken with sq_take(): reset, and its bindings
 * dropped so that it keeps no pointer into the caller's memory.
 */
static void
sq_give(struct store *st, enum store_query q, struct db_stmt *ds)
{
	struct sq_stmt	*s = (struct sq_stmt *)(void *)ds;

	if (s->copy) {
		sqlite3_finalize(s->s);
		free(s);
		return;
	}
	(void)sqlite3_reset(s->s);
	(void)sqlite3_clear_bindings(s->s);
	s->inuse = 0;
}

/*
 * A callback of an iteration that asks for the statement the iteration
 * is running gets a copy of its own, compiled for the occasion.
 */
static struct db_stmt *
sq_take(struct store *bst, enum store_query q, const char *fmt, va_list ap)
{
	struct sq_store	*st = sqs(bst);
	struct sq_stmt	*s = &st->stmt[q];

	if (s->inuse || s->s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL) {
			(void)db_nomem(bst, "statement");
			return NULL;
		}
		s->base.be = &sqlite_backend;
		s->copy = 1;
		if (compile(st, store_queries[q], &s->s, 0) != STORE_OK) {
			free(s);
			return NULL;
		}
	}
	s->inuse = 1;
	if (vbind(st, s->s, fmt, ap) != STORE_OK) {
		sq_give(bst, q, &s->base);
		return NULL;
	}
	return &s->base;
}

/*
 * The busy handler covers nearly every wait, but a few paths (a reader
 * meeting another connection's WAL recovery) return SQLITE_BUSY without
 * it.  Outside an explicit transaction a statement that has returned no
 * row may simply run again; once it has, it holds its snapshot and
 * cannot meet a lock, so retrying only before the first row never
 * repeats a row.
 */
static int
step(struct sq_store *st, sqlite3_stmt *s, int first)
{
	int64_t	 start = 0;
	int	 rc, n;

	for (n = 0;; n++) {
		rc = sqlite3_step(s);
		if (!first || !is_busy(rc) || !sqlite3_get_autocommit(st->db))
			return rc;
		if (start == 0)
			start = mono_ms();
		else if (mono_ms() - start >= STORE_BUSY_MS)
			return rc;
		(void)sqlite3_reset(s);
		nap(st, n);
	}
}

static int
sq_next(struct store *bst, struct db_stmt *s, int first)
{
	struct sq_store	*st = sqs(bst);

	switch (step(st, sq(s), first)) {
	case SQLITE_ROW:
		return DB_ROW;
	case SQLITE_DONE:
		return DB_DONE;
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		(void)dberr(st, "step");
		return STORE_EXISTS;
	}
	return dberr(st, "step");
}

static int
sq_changed(struct store *st)
{
	return sqlite3_changes(sqs(st)->db);
}

static int64_t
sq_col_int(struct db_stmt *s, int i)
{
	return sqlite3_column_int64(sq(s), i);
}

static size_t
sq_col_len(struct db_stmt *s, int i)
{
	return (size_t)sqlite3_column_bytes(sq(s), i);
}

/* One-off SQL (pragmas at open) for one integer or text row. */
static int
pragma_row(struct sq_store *st, const char *sql, int64_t *num, char *txt,
    size_t txtlen)
{
	sqlite3_stmt	*s;
	const char	*p;
	int		 rc;

	if ((rc = compile(st, sql, &s, 0)) != STORE_OK)
		return rc;
	if ((rc = step(st, s, 1)) == SQLITE_ROW) {
		if (num != NULL)
			*num = sqlite3_column_int64(s, 0);
		if (txt != NULL) {
			p = (const char *)sqlite3_column_text(s, 0);
			(void)snprintf(txt, txtlen, "%s", p == NULL ? "" : p);
		}
		rc = STORE_OK;
	} else
		rc = dberr(st, sql);
	sqlite3_finalize(s);
	return rc;
}

static int
sq_begin(struct store *bst)
{
	struct sq_store	*st = sqs(bst);
	int64_t		 start = mono_ms();
	int		 rc, n;

	for (n = 0;; n++) {
		rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			return STORE_OK;
		if (!is_busy(rc) || mono_ms() - start >= STORE_BUSY_MS)
			return dberr(st, "begin");
		nap(st, n);
	}
}

/*
 * Commit if rc is STORE_OK, else roll back; the result is rc, or
 * STORE_ERR if the commit failed (then nothing happened).  A failed
 * COMMIT in WAL mode has written nothing visible, and the rollback
 * makes sure no transaction is left open for the next call.
 */
static int
sq_end(struct store *bst, int rc)
{
	struct sq_store	*st = sqs(bst);

	if (rc == STORE_OK) {
		if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) ==
		    SQLITE_OK)
			return STORE_OK;
		rc = dberr(st, "commit");
	}
	if (!sqlite3_get_autocommit(st->db))
		(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* Copy a blob column of exactly len bytes. */
static int
sq_col_blob(struct store *st, struct db_stmt *ds, int i, void *dst,
    size_t len)
{
	sqlite3_stmt	*s = sq(ds);
	const void	*p = sqlite3_column_blob(s, i);

	if (len == 0 && sqlite3_column_bytes(s, i) == 0)
		return STORE_OK;
	if ((size_t)sqlite3_column_bytes(s, i) != len || p == NULL)
		return db_fail(st, STORE_ERR, "corrupt row: column %s is not "
		    "%zu bytes", sqlite3_column_name(s, i), len);
	memcpy(dst, p, len);
	return STORE_OK;
}

static int
sq_col_text(struct store *st, struct db_stmt *ds, int i, char *dst,
    size_t len)
{
	sqlite3_stmt		*s = sq(ds);
	const unsigned char	*p = sqlite3_column_text(s, i);

	if (p == NULL || (size_t)sqlite3_column_bytes(s, i) >= len)
		return db_fail(st, STORE_ERR, "corrupt row: column %s is too "
		    "long", sqlite3_column_name(s, i));
	memcpy(dst, p, (size_t)sqlite3_column_bytes(s, i) + 1);
	return STORE_OK;
}

/* Settings that belong to the connection rather than the file. */
static int
configure(struct sq_store *st)
{
	char	 mode[16];
	int64_t	 start = mono_ms();
	int	 rc, n;

	sqlite3_busy_handler(st->db, busy_wait, st);
	sqlite3_extended_result_codes(st->db, 1);
	/*
	 * A database file is data, never code: no triggers or views from
	 * it run with the hub's functions, and even a corrupt or hostile
	 * file cannot make SQL writes to the schema itself.
	 */
#ifdef SQLITE_DBCONFIG_TRUSTED_SCHEMA
	(void)sqlite3_db_config(st->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0,
	    NULL);
#endif
	(void)sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	(void)sqlite3_db_config(st->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION,
	    0, NULL);

	/*
	 * Temporary tables in memory, since a chroot has no /var/tmp.
	 * synchronous=FULL syncs the WAL on each commit: an acknowledged
	 * change survives a crash of the machine, not only of the hub.
	 */
	if (sqlite3_exec(st->db, "PRAGMA foreign_keys = ON;"
	    "PRAGMA temp_store = MEMORY;"
	    "PRAGMA synchronous = FULL", NULL, NULL, NULL) != SQLITE_OK)
		return dberr(st, "pragma");

	/*
	 * Switching a new file to WAL needs the file to itself; another
	 * process opening the same new file at the same moment may keep
	 * it busy beyond what the busy handler waits for.
	 */
	for (n = 0;; n++) {
		rc = pragma_row(st, "PRAGMA journal_mode = WAL", NULL, mode,
		    sizeof(mode));
		if (rc == STORE_OK)
			break;
		if (!is_busy(sqlite3_errcode(st->db)) ||
		    mono_ms() - start >= STORE_BUSY_MS)
			return rc;
		nap(st, n);
	}
	if (strcmp(mode, "wal") != 0)
		return db_fail(&st->base, STORE_ERR, "cannot use write-ahead "
		    "logging "
		    "(journal mode %s)", mode);
	return STORE_OK;
}

static int
sq_version(struct store *bst)
{
	int64_t	 v = 0;
	int	 rc;

	if ((rc = pragma_row(sqs(bst), "PRAGMA user_version", &v, NULL, 0)) !=
	    STORE_OK)
		return rc;
	if (v < 0 || v > INT_MAX)
		return db_fail(bst, STORE_ERR, "bad schema version %lld",
		    (long long)v);
	return (int)v;
}

/*
 * Each step in its own transaction, and the version read again inside
 * it: another process may have migrated the file since we looked.
 */
static int
migrate(struct sq_store *st)
{
	struct store	*bst = &st->base;
	char		 sql[64];
	int		 rc, v;

	for (;;) {
		if ((v = sq_version(bst)) < 0)
			return v;
		if ((size_t)v > store_nmigrations)
			return store_newer(bst, v);
		if ((size_t)v == store_nmigrations)
			return STORE_OK;
		if ((rc = sq_begin(bst)) != STORE_OK)
			return rc;
		if ((v = sq_version(bst)) < 0)
			return sq_end(bst, v);
		if ((size_t)v >= store_nmigrations) {
			(void)sq_end(bst, STORE_NOTFOUND);
			continue;
		}
		if (sqlite3_exec(st->db, store_migrations[v], NULL, NULL,
		    NULL) != SQLITE_OK)
			return sq_end(bst, dberr(st, "schema migration"));
		(void)snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
		    v + 1);
		if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
			return sq_end(bst, dberr(st, "schema version"));
		if ((rc = sq_end(bst, STORE_OK)) != STORE_OK)
			return rc;
	}
}

/*
 * SQLite creates its files with the mode of the database file, so the
 * WAL and shared-memory files are private when the database is.  A
 * file others can read is refused rather than fixed: the mistake that
 * made it so may have exposed it already, and the administrator should
 * know.
 */
static int
check_file(const char *path, int create, char *err, size_t errlen)
{
	struct stat	 sb;
	int		 fd = -1;

	if (create)
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
	/* Not blocking: the name might be a FIFO someone left there. */
	if (fd == -1 && (!create || errno == EEXIST))
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		if (!create && errno == ENOENT)
			return 0;
		(void)snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1) {
		(void)snprintf(err, errlen, "%s: %s", path, strerror(errno));
		(void)close(fd);
		return -1;
	}
	(void)close(fd);
	if (!S_ISREG(sb.st_mode)) {
		(void)snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	if ((sb.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		(void)snprintf(err, errlen, "%s: mode %04o lets others in; "
		    "refusing it (chmod 600)", path,
		    (unsigned int)(sb.st_mode & 07777));
		return -1;
	}
	return 0;
}

static void	sq_close(struct store *);

struct store *
store_open(const char *path, char *err, size_t errlen)
{
	static const char *const sfx[] = { "-wal", "-shm" };
	struct sq_store	*st;
	char		 aux[PATH_MAX];
	size_t		 i;
	int		 flags;

	if (check_file(path, 1, err, errlen) == -1)
		return NULL;
	for (i = 0; i < nitems(sfx); i++) {
		if ((size_t)snprintf(aux, sizeof(aux), "%s%s", path, sfx[i]) >=
		    sizeof(aux)) {
			(void)snprintf(err, errlen, "%s: path too long", path);
			return NULL;
		}
		if (check_file(aux, 0, err, errlen) == -1)
			return NULL;
	}

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		(void)snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	st->base.be = &sqlite_backend;
	for (i = 0; i < Q_MAX; i++)
		st->stmt[i].base.be = &sqlite_backend;
	/* Processes forked from one another must nap differently. */
	st->rnd = (uint64_t)getpid() << 32 ^ (uint64_t)mono_ms() ^
	    (uintptr_t)st;
	if (st->rnd == 0)
		st->rnd = 1;
	/* The hub is single-threaded: no mutexes. */
	flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
#ifdef SQLITE_OPEN_NOFOLLOW
	flags |= SQLITE_OPEN_NOFOLLOW;
#endif
	if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
		(void)snprintf(err, errlen, "%s: %s", path, st->db == NULL ?
		    "out of memory" : sqlite3_errmsg(st->db));
		goto fail;
	}
	if (configure(st) != STORE_OK || migrate(st) != STORE_OK)
		goto fail_st;
	for (i = 0; i < Q_MAX; i++)
		if (compile(st, store_queries[i], &st->stmt[i].s,
		    SQLITE_PREPARE_PERSISTENT) != STORE_OK)
			goto fail_st;
	st->base.err[0] = '\0';
	return &st->base;
 fail_st:
	(void)snprintf(err, errlen, "%s: %s", path, st->base.err);
 fail:
	sq_close(&st->base);
	return NULL;
}

static void
sq_close(struct store *bst)
{
	struct sq_store	*st = sqs(bst);
	size_t		 i;

	for (i = 0; i < Q_MAX; i++)
		sqlite3_finalize(st->stmt[i].s);
	/* Nothing else is left open, so this cannot be busy. */
	(void)sqlite3_close(st->db);
	free(st);
}

static const struct db_backend sqlite_backend = {
	.name = "sqlite",
	.vtake = sq_take,
	.give = sq_give,
	.next = sq_next,
	.col_int = sq_col_int,
	.col_len = sq_col_len,
	.col_blob = sq_col_blob,
	.col_text = sq_col_text,
	.changed = sq_changed,
	.begin = sq_begin,
	.end = sq_end,
	.version = sq_version,
	.close = sq_close,
};

