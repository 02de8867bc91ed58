/*
 * The store on SQLite.  Every change is one BEGIN IMMEDIATE transaction:
 * taking the write lock before reading means that the checks a change
 * depends on (a free address, a member limit, an unused invite) cannot
 * be invalidated by another process before the commit, so no call ever
 * has to detect a conflict and start over.  WAL with synchronous=FULL
 * makes a commit durable before the call returns, which is what lets
 * the hub acknowledge a change to a node.
 *
 * All the SQL is in one table below and compiled once, when the store
 * opens.  Compiling inside a transaction would hold the write lock for
 * the parse as well: with several processes on one file, every one of
 * them waits for that.  The statements are finalized on close.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/socket.h>

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

#include "compat/bytes.h"
#include "hub/store.h"

/* The SQL below spells the enums as numbers. */
_Static_assert(HUB_ROLE_MEMBER == 0 && HUB_ROLE_ADMIN == 1 &&
    HUB_ROLE_OWNER == 2 && HUB_ROLE_MAX == 3, "hub_role values");
_Static_assert(HUB_MSTATE_ACTIVE == 0 && HUB_MSTATE_PENDING == 1 &&
    HUB_MSTATE_BANNED == 2 && HUB_MSTATE_MAX == 3, "hub_mstate values");
_Static_assert(HUB_TYPE_MESH == 0 && HUB_TYPE_HUBSPOKE == 1 &&
    HUB_TYPE_MAX == 2, "hub_net_type values");
_Static_assert(HUB_MODE_MAX == 3, "hub_join_mode values");
_Static_assert(HUB_NICK_MAX == 33 && HUB_NAME_MAX == 64 &&
    STORE_PWHASH_MAX == 128, "string limits in the schema");


/*
 * migrations[i] takes a database from user_version i to i + 1.  Append
 * only: a released step never changes, since databases out there have
 * already run it.
 *
 * Blocked ranges keep the family as 4 or 6 rather than AF_INET and
 * AF_INET6, whose values differ between systems.  A non-active member
 * is always a plain member, so a role survives only while it can be
 * used; one owner per network is an index rather than a convention.
 */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE meta ("
	"	name	TEXT PRIMARY KEY NOT NULL,"
	"	val	BLOB NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE nodes ("
	"	pubkey	BLOB PRIMARY KEY NOT NULL"
	"		CHECK (length(pubkey) = 32),"
	"	v4	INTEGER NOT NULL UNIQUE"
	"		CHECK (v4 BETWEEN 0 AND 4294967295),"
	"	v6	BLOB NOT NULL CHECK (length(v6) = 16),"
	"	nick	TEXT NOT NULL DEFAULT '' CHECK (length(nick) <= 32),"
	"	created	INTEGER NOT NULL,"
	"	last_seen INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE nets ("
	"	id	BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),"
	"	name	TEXT NOT NULL COLLATE NOCASE UNIQUE"
	"		CHECK (length(name) BETWEEN 1 AND 63),"
	"	pwhash	TEXT NOT NULL CHECK (length(pwhash) <= 127),"
	"	type	INTEGER NOT NULL CHECK (type BETWEEN 0 AND 1),"
	"	mode	INTEGER NOT NULL CHECK (mode BETWEEN 0 AND 2),"
	"	lim	INTEGER NOT NULL CHECK (lim BETWEEN 0 AND 4294967295),"
	"	owner	BLOB NOT NULL CHECK (length(owner) = 32),"
	"	created	INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE members ("
	"	net	BLOB NOT NULL REFERENCES nets (id) ON DELETE CASCADE,"
	"	pubkey	BLOB NOT NULL CHECK (length(pubkey) = 32),"
	"	role	INTEGER NOT NULL CHECK (role BETWEEN 0 AND 2),"
	"	state	INTEGER NOT NULL CHECK (state BETWEEN 0 AND 2),"
	"	since	INTEGER NOT NULL,"
	"	PRIMARY KEY (net, pubkey),"
	"	CHECK (role = 0 OR state = 0)"
	") WITHOUT ROWID;"
	"CREATE INDEX members_pubkey ON members (pubkey, state);"
	"CREATE UNIQUE INDEX members_owner ON members (net) WHERE role = 2;"
	"CREATE TABLE invites ("
	"	net	BLOB NOT NULL REFERENCES nets (id) ON DELETE CASCADE,"
	"	pubkey	BLOB NOT NULL CHECK (length(pubkey) = 32),"
	"	created	INTEGER NOT NULL,"
	"	PRIMARY KEY (net, pubkey)"
	") WITHOUT ROWID;"
	"CREATE TABLE blocks ("
	"	af	INTEGER NOT NULL,"
	"	plen	INTEGER NOT NULL,"
	"	addr	BLOB NOT NULL,"
	"	created	INTEGER NOT NULL,"
	"	PRIMARY KEY (af, plen, addr),"
	"	CHECK ((af = 4 AND length(addr) = 4 AND plen <= 32) OR"
	"	    (af = 6 AND length(addr) = 16 AND plen <= 128)),"
	"	CHECK (plen >= 0)"
	") WITHOUT ROWID;",
};

/*
 * The statements.  Enum hub_role, hub_mstate and hub_net_type appear as
 * their numbers (asserted above).  Peers: me and o are two members'
 * rows in a network they share; in a hub-and-spoke network (type 1)
 * one of them must have a role.
 */
#define NODE_COLS	"pubkey, v4, v6, nick, created, last_seen"
#define NET_COLS	"id, name, pwhash, type, mode, lim, owner, created"
#define NET_COLS_N	"n.id, n.name, n.pwhash, n.type, n.mode, n.lim, " \
			"n.owner, n.created"
#define MEMBER_COLS	"net, pubkey, role, state, since"
#define MEMBER_COLS_M	"m.net, m.pubkey, m.role, m.state, m.since"
#define PEER_RULE	"me.state = 0 AND o.state = 0 AND" \
			" (n.type = 0 OR me.role > 0 OR o.role > 0)"

enum query {
	Q_META_GET, Q_META_ADD,
	Q_NODE_GET, Q_NODE_FREE4, Q_NODE_ADD, Q_NODE_SEEN, Q_NODE_NICK,
	Q_NODE_ALL, Q_NODE_COUNT,
	Q_NET_ADD, Q_NET_DEL, Q_NET_BY_NAME, Q_NET_BY_ID, Q_NET_EXISTS,
	Q_NET_UPDATE, Q_NET_OWNER, Q_NET_ALL, Q_NET_COUNT, Q_NET_COUNTS,
	Q_NET_ROOM,
	Q_MEMBER_GET, Q_MEMBER_ADD, Q_MEMBER_STATE, Q_MEMBER_ROLE,
	Q_MEMBER_DEL, Q_MEMBER_DEL_NET, Q_MEMBER_DEMOTE_OWNER, Q_MEMBER_ALL,
	Q_MEMBER_NETS,
	Q_INVITE_ADD, Q_INVITE_DEL, Q_INVITE_DEL_NET,
	Q_PEERS, Q_ARE_PEERS,
	Q_BLOCK_ADD, Q_BLOCK_DEL, Q_BLOCK_ALL, Q_BLOCK_COUNT, Q_BLOCK_PLENS,
	Q_BLOCK_FIND,
	Q_MAX
};

static const char *const queries[Q_MAX] = {
	[Q_META_GET] = "SELECT val FROM meta WHERE name = ?1",
	[Q_META_ADD] = "INSERT INTO meta (name, val) VALUES (?1, ?2)",

	[Q_NODE_GET] = "SELECT " NODE_COLS " FROM nodes WHERE pubkey = ?1",
	/*
	 * The lowest host address of [?1, ?2] no node has: ?1 itself, or
	 * the one after some used address.  One pass over the pool's used
	 * addresses, by index.
	 */
	[Q_NODE_FREE4] = "SELECT c FROM (SELECT ?1 AS c UNION ALL"
	    " SELECT v4 + 1 FROM nodes WHERE v4 BETWEEN ?1 AND ?2 - 1)"
	    " WHERE c <= ?2 AND NOT EXISTS (SELECT 1 FROM nodes WHERE v4 = c)"
	    " ORDER BY c LIMIT 1",
	[Q_NODE_ADD] = "INSERT INTO nodes (" NODE_COLS ")"
	    " VALUES (?1, ?2, ?3, '', ?4, ?4)",
	[Q_NODE_SEEN] = "UPDATE nodes SET v4 = ?2, v6 = ?3, last_seen = ?4"
	    " WHERE pubkey = ?1",
	[Q_NODE_NICK] = "UPDATE nodes SET nick = ?2 WHERE pubkey = ?1",
	[Q_NODE_ALL] = "SELECT " NODE_COLS " FROM nodes ORDER BY v4",
	[Q_NODE_COUNT] = "SELECT count(*) FROM nodes",

	[Q_NET_ADD] = "INSERT INTO nets (" NET_COLS ")"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[Q_NET_DEL] = "DELETE FROM nets WHERE id = ?1",
	[Q_NET_BY_NAME] = "SELECT " NET_COLS " FROM nets WHERE name = ?1",
	[Q_NET_BY_ID] = "SELECT " NET_COLS " FROM nets WHERE id = ?1",
	[Q_NET_EXISTS] = "SELECT 1 FROM nets WHERE id = ?1",
	[Q_NET_UPDATE] = "UPDATE nets SET pwhash = ?2, mode = ?3, lim = ?4"
	    " WHERE id = ?1",
	[Q_NET_OWNER] = "UPDATE nets SET owner = ?2 WHERE id = ?1",
	[Q_NET_ALL] = "SELECT " NET_COLS " FROM nets ORDER BY name",
	[Q_NET_COUNT] = "SELECT count(*) FROM nets",
	[Q_NET_COUNTS] = "SELECT"
	    " (SELECT count(*) FROM members m WHERE m.net = n.id AND"
	    "  m.state = 0),"
	    " (SELECT count(*) FROM members m WHERE m.net = n.id AND"
	    "  m.state = 1)"
	    " FROM nets n WHERE n.id = ?1",
	/* Places left for active members; 1 when there is no limit. */
	[Q_NET_ROOM] = "SELECT CASE WHEN lim = 0 THEN 1 ELSE lim -"
	    " (SELECT count(*) FROM members m WHERE m.net = n.id AND"
	    "  m.state = 0) END FROM nets n WHERE n.id = ?1",

	[Q_MEMBER_GET] = "SELECT " MEMBER_COLS " FROM members"
	    " WHERE net = ?1 AND pubkey = ?2",
	[Q_MEMBER_ADD] = "INSERT INTO members (" MEMBER_COLS ")"
	    " VALUES (?1, ?2, ?3, ?4, ?5)",
	/* A role is for using the network: it goes with the access. */
	[Q_MEMBER_STATE] = "UPDATE members SET state = ?3, since = ?4,"
	    " role = CASE WHEN ?3 = 0 THEN role ELSE 0 END"
	    " WHERE net = ?1 AND pubkey = ?2",
	[Q_MEMBER_ROLE] = "UPDATE members SET role = ?3"
	    " WHERE net = ?1 AND pubkey = ?2",
	[Q_MEMBER_DEL] = "DELETE FROM members WHERE net = ?1 AND pubkey = ?2",
	[Q_MEMBER_DEL_NET] = "DELETE FROM members WHERE net = ?1",
	[Q_MEMBER_DEMOTE_OWNER] = "UPDATE members SET role = 1"
	    " WHERE net = ?1 AND role = 2",
	[Q_MEMBER_ALL] = "SELECT " MEMBER_COLS " FROM members"
	    " WHERE net = ?1 ORDER BY state, role DESC, since, pubkey",
	[Q_MEMBER_NETS] = "SELECT " NET_COLS_N ", " MEMBER_COLS_M
	    " FROM members m JOIN nets n ON n.id = m.net"
	    " WHERE m.pubkey = ?1 ORDER BY n.name",

	[Q_INVITE_ADD] = "INSERT INTO invites (net, pubkey, created)"
	    " VALUES (?1, ?2, ?3)",
	[Q_INVITE_DEL] = "DELETE FROM invites WHERE net = ?1 AND pubkey = ?2",
	[Q_INVITE_DEL_NET] = "DELETE FROM invites WHERE net = ?1",

	[Q_PEERS] = "SELECT DISTINCT o.pubkey FROM members me"
	    " JOIN nets n ON n.id = me.net"
	    " JOIN members o ON o.net = me.net AND o.pubkey <> me.pubkey"
	    " WHERE me.pubkey = ?1 AND " PEER_RULE " ORDER BY o.pubkey",
	[Q_ARE_PEERS] = "SELECT EXISTS (SELECT 1 FROM members me"
	    " JOIN nets n ON n.id = me.net"
	    " JOIN members o ON o.net = me.net AND o.pubkey = ?2"
	    " WHERE me.pubkey = ?1 AND " PEER_RULE ")",

	[Q_BLOCK_ADD] = "INSERT INTO blocks (af, plen, addr, created)"
	    " VALUES (?1, ?2, ?3, ?4)",
	[Q_BLOCK_DEL] = "DELETE FROM blocks WHERE af = ?1 AND plen = ?2 AND"
	    " addr = ?3",
	[Q_BLOCK_ALL] = "SELECT af, plen, addr, created FROM blocks"
	    " ORDER BY af, addr, plen",
	[Q_BLOCK_COUNT] = "SELECT count(*) FROM blocks",
	[Q_BLOCK_PLENS] = "SELECT DISTINCT plen FROM blocks WHERE af = ?1",
	[Q_BLOCK_FIND] = "SELECT 1 FROM blocks WHERE af = ?1 AND plen = ?2"
	    " AND addr = ?3",
};

struct store {
	sqlite3		*db;
	sqlite3_stmt	*stmt[Q_MAX];
	uint8_t		 inuse[Q_MAX];
	int64_t		 busy_since;	/* the current wait for a lock */
	uint64_t	 rnd;		/* xorshift state, for naps */
	char		 err[256];
};

/* The longest nap between two tries for a lock. */
#define STORE_NAP_MAX_MS	64

static int64_t
mono_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return (0);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/*
 * Before try n + 1 for a lock: a random nap of up to 2^n ms, at most
 * STORE_NAP_MAX_MS.  The first are short, so that brief contention
 * costs little; the randomness keeps many waiters from waking in step,
 * where the same ones would lose every time, and the cap bounds how
 * long a free lock stays untaken.
 */
static void
nap(struct store *st, int n)
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
	struct store	*st = arg;
	int64_t		 now = mono_ms();

	if (n == 0)
		st->busy_since = now;
	else if (now - st->busy_since >= STORE_BUSY_MS)
		return (0);
	nap(st, n);
	return (1);
}

static int
is_busy(int rc)
{
	rc &= 0xff;
	return (rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
}

static int	fail(struct store *, int, const char *, ...)
		    __attribute__((__format__(printf, 3, 4)));

static int
fail(struct store *st, int code, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(st->err, sizeof(st->err), fmt, ap);
	va_end(ap);
	return (code);
}

/* Call this before anything else touches the connection's error. */
static int
dberr(struct store *st, const char *what)
{
	return (fail(st, STORE_ERR, "%s: %s", what, sqlite3_errmsg(st->db)));
}

/*
 * Compiling reads the schema, which can meet a lock like any read:
 * retried within the same time as the busy handler gets.
 */
static int
compile(struct store *st, const char *sql, sqlite3_stmt **sp,
    unsigned int flags)
{
	int64_t	 start = mono_ms();
	int	 rc, n;

	for (n = 0;; n++) {
		*sp = NULL;
		rc = sqlite3_prepare_v3(st->db, sql, -1, flags, sp, NULL);
		if (rc == SQLITE_OK)
			return (STORE_OK);
		sqlite3_finalize(*sp);
		*sp = NULL;
		if (!is_busy(rc) || mono_ms() - start >= STORE_BUSY_MS)
			return (dberr(st, "prepare"));
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
vbind(struct store *st, sqlite3_stmt *s, const char *fmt, va_list ap)
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
				return (fail(st, STORE_ERR, "blob too long"));
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
			return (fail(st, STORE_ERR, "bad bind format %c",
			    *fmt));
		}
	}
	if (rc != SQLITE_OK)
		return (dberr(st, "bind"));
	return (STORE_OK);
}

/*
 * Give back a statement taken with take(): reset, and its bindings
 * dropped so that it keeps no pointer into the caller's memory.
 */
static void
give(struct store *st, enum query q, sqlite3_stmt *s)
{
	if (s == NULL)
		return;
	if (s == st->stmt[q]) {
		(void)sqlite3_reset(s);
		(void)sqlite3_clear_bindings(s);
		st->inuse[q] = 0;
	} else
		sqlite3_finalize(s);
}

/*
 * Statement q with its arguments bound, NULL on error.  A callback of
 * an iteration may ask for the statement the iteration is running; it
 * gets a copy of its own, compiled for the occasion.
 */
static sqlite3_stmt *
vtake(struct store *st, enum query q, const char *fmt, va_list ap)
{
	sqlite3_stmt	*s;

	if (!st->inuse[q] && st->stmt[q] != NULL) {
		s = st->stmt[q];
		st->inuse[q] = 1;
	} else if (compile(st, queries[q], &s, 0) != STORE_OK)
		return (NULL);
	if (vbind(st, s, fmt, ap) != STORE_OK) {
		give(st, q, s);
		return (NULL);
	}
	return (s);
}

static sqlite3_stmt *
take(struct store *st, enum query q, const char *fmt, ...)
{
	sqlite3_stmt	*s;
	va_list		 ap;

	va_start(ap, fmt);
	s = vtake(st, q, fmt, ap);
	va_end(ap);
	return (s);
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
step(struct store *st, sqlite3_stmt *s, int first)
{
	int64_t	 start = 0;
	int	 rc, n;

	for (n = 0;; n++) {
		rc = sqlite3_step(s);
		if (!first || !is_busy(rc) || !sqlite3_get_autocommit(st->db))
			return (rc);
		if (start == 0)
			start = mono_ms();
		else if (mono_ms() - start >= STORE_BUSY_MS)
			return (rc);
		(void)sqlite3_reset(s);
		nap(st, n);
	}
}

/*
 * Run a statement that returns no rows.  A uniqueness violation is
 * STORE_EXISTS: the callers insert where a row may already be.
 */
static int
run(struct store *st, enum query q, const char *fmt, ...)
{
	sqlite3_stmt	*s;
	va_list		 ap;
	int		 rc;

	va_start(ap, fmt);
	s = vtake(st, q, fmt, ap);
	va_end(ap);
	if (s == NULL)
		return (STORE_ERR);
	rc = step(st, s, 1);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		rc = STORE_OK;
	else if (rc == SQLITE_CONSTRAINT_UNIQUE ||
	    rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		rc = fail(st, STORE_EXISTS, "%s", store_strerror(STORE_EXISTS));
	else
		rc = dberr(st, "step");
	give(st, q, s);
	return (rc);
}

/* Rows the last run() changed: 0 means there was no such row. */
static int
changed(struct store *st)
{
	return (sqlite3_changes(st->db));
}

/* A query for one integer: STORE_NOTFOUND without a row. */
static int
query_int(struct store *st, int64_t *out, enum query q, const char *fmt,
    ...)
{
	sqlite3_stmt	*s;
	va_list		 ap;
	int		 rc;

	va_start(ap, fmt);
	s = vtake(st, q, fmt, ap);
	va_end(ap);
	if (s == NULL)
		return (STORE_ERR);
	switch (step(st, s, 1)) {
	case SQLITE_ROW:
		*out = sqlite3_column_int64(s, 0);
		rc = STORE_OK;
		break;
	case SQLITE_DONE:
		rc = fail(st, STORE_NOTFOUND, "%s",
		    store_strerror(STORE_NOTFOUND));
		break;
	default:
		rc = dberr(st, "step");
		break;
	}
	give(st, q, s);
	return (rc);
}

static int
count_of(struct store *st, uint32_t *n, enum query q)
{
	int64_t	 v;
	int	 rc;

	if ((rc = query_int(st, &v, q, "")) == STORE_OK)
		*n = (uint32_t)v;
	return (rc);
}

/* One-off SQL (pragmas at open) for one integer or text row. */
static int
pragma_row(struct store *st, const char *sql, int64_t *num, char *txt,
    size_t txtlen)
{
	sqlite3_stmt	*s;
	const char	*p;
	int		 rc;

	if ((rc = compile(st, sql, &s, 0)) != STORE_OK)
		return (rc);
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
	return (rc);
}

static int
tx_begin(struct store *st)
{
	int64_t	 start = mono_ms();
	int	 rc, n;

	for (n = 0;; n++) {
		rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			return (STORE_OK);
		if (!is_busy(rc) || mono_ms() - start >= STORE_BUSY_MS)
			return (dberr(st, "begin"));
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
tx_end(struct store *st, int rc)
{
	if (rc == STORE_OK) {
		if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) ==
		    SQLITE_OK)
			return (STORE_OK);
		rc = dberr(st, "commit");
	}
	if (!sqlite3_get_autocommit(st->db))
		(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return (rc);
}

/* Copy a blob column of exactly len bytes. */
static int
col_blob(struct store *st, sqlite3_stmt *s, int i, void *dst, size_t len)
{
	const void	*p = sqlite3_column_blob(s, i);

	if (len == 0 && sqlite3_column_bytes(s, i) == 0)
		return (STORE_OK);
	if ((size_t)sqlite3_column_bytes(s, i) != len || p == NULL)
		return (fail(st, STORE_ERR, "corrupt row: column %s is not "
		    "%zu bytes", sqlite3_column_name(s, i), len));
	memcpy(dst, p, len);
	return (STORE_OK);
}

static int
col_text(struct store *st, sqlite3_stmt *s, int i, char *dst, size_t len)
{
	const unsigned char	*p = sqlite3_column_text(s, i);

	if (p == NULL || (size_t)sqlite3_column_bytes(s, i) >= len)
		return (fail(st, STORE_ERR, "corrupt row: column %s is too "
		    "long", sqlite3_column_name(s, i)));
	memcpy(dst, p, (size_t)sqlite3_column_bytes(s, i) + 1);
	return (STORE_OK);
}

/* Run a query for at most one row and convert it with fn. */
static int
get_row(struct store *st, enum query q, sqlite3_stmt *s,
    int (*fn)(struct store *, sqlite3_stmt *, void *), void *out)
{
	int	 rc;

	if (s == NULL)
		return (STORE_ERR);
	switch (step(st, s, 1)) {
	case SQLITE_ROW:
		rc = fn(st, s, out);
		break;
	case SQLITE_DONE:
		rc = fail(st, STORE_NOTFOUND, "%s",
		    store_strerror(STORE_NOTFOUND));
		break;
	default:
		rc = dberr(st, "step");
		break;
	}
	give(st, q, s);
	return (rc);
}

/*
 * Iteration: fn turns the current row into a callback call and returns
 * <0 for a bad row, else whether the callback wants to stop.  The
 * callbacks may read the store but must not change it, since the
 * statement is still open.
 */
static int
each(struct store *st, enum query q, sqlite3_stmt *s,
    int (*fn)(struct store *, sqlite3_stmt *, void *, void *),
    void *cb, void *arg)
{
	int	 rc, first = 1;

	if (s == NULL)
		return (STORE_ERR);
	for (;;) {
		rc = step(st, s, first);
		first = 0;
		if (rc == SQLITE_DONE) {
			rc = STORE_OK;
			break;
		}
		if (rc != SQLITE_ROW) {
			rc = dberr(st, "step");
			break;
		}
		if ((rc = fn(st, s, cb, arg)) != 0) {
			/* A callback's stop is not an error. */
			if (rc > 0)
				rc = STORE_OK;
			break;
		}
	}
	give(st, q, s);
	return (rc);
}

const char *
store_strerror(int code)
{
	switch (code) {
	case STORE_OK:
		return ("success");
	case STORE_ERR:
		return ("database error");
	case STORE_NOTFOUND:
		return ("not found");
	case STORE_EXISTS:
		return ("already exists");
	case STORE_FULL:
		return ("limit reached");
	case STORE_BANNED:
		return ("banned");
	case STORE_DENIED:
		return ("not allowed on the owner");
	}
	return ("unknown error");
}

const char *
store_errmsg(struct store *st)
{
	if (st == NULL)
		return ("no store");
	return (st->err);
}

/* Settings that belong to the connection rather than the file. */
static int
configure(struct store *st)
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
		return (dberr(st, "pragma"));

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
			return (rc);
		nap(st, n);
	}
	if (strcmp(mode, "wal") != 0)
		return (fail(st, STORE_ERR, "cannot use write-ahead logging "
		    "(journal mode %s)", mode));
	return (STORE_OK);
}

int
store_schema_version(struct store *st)
{
	int64_t	 v = 0;
	int	 rc;

	if ((rc = pragma_row(st, "PRAGMA user_version", &v, NULL, 0)) !=
	    STORE_OK)
		return (rc);
	if (v < 0 || v > INT_MAX)
		return (fail(st, STORE_ERR, "bad schema version %lld",
		    (long long)v));
	return ((int)v);
}

static int
newer(struct store *st, int v)
{
	return (fail(st, STORE_ERR, "database schema version %d is newer "
	    "than this program's (%zu): refusing to use it", v,
	    nitems(migrations)));
}

/*
 * Each step in its own transaction, and the version read again inside
 * it: another process may have migrated the file since we looked.
 */
static int
migrate(struct store *st)
{
	char	 sql[64];
	int	 rc, v;

	for (;;) {
		if ((v = store_schema_version(st)) < 0)
			return (v);
		if ((size_t)v > nitems(migrations))
			return (newer(st, v));
		if ((size_t)v == nitems(migrations))
			return (STORE_OK);
		if ((rc = tx_begin(st)) != STORE_OK)
			return (rc);
		if ((v = store_schema_version(st)) < 0)
			return (tx_end(st, v));
		if ((size_t)v >= nitems(migrations)) {
			(void)tx_end(st, STORE_NOTFOUND);
			continue;
		}
		if (sqlite3_exec(st->db, migrations[v], NULL, NULL, NULL) !=
		    SQLITE_OK)
			return (tx_end(st, dberr(st, "schema migration")));
		(void)snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
		    v + 1);
		if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
			return (tx_end(st, dberr(st, "schema version")));
		if ((rc = tx_end(st, STORE_OK)) != STORE_OK)
			return (rc);
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
			return (0);
		(void)snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &sb) == -1) {
		(void)snprintf(err, errlen, "%s: %s", path, strerror(errno));
		(void)close(fd);
		return (-1);
	}
	(void)close(fd);
	if (!S_ISREG(sb.st_mode)) {
		(void)snprintf(err, errlen, "%s: not a regular file", path);
		return (-1);
	}
	if ((sb.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		(void)snprintf(err, errlen, "%s: mode %04o lets others in; "
		    "refusing it (chmod 600)", path,
		    (unsigned int)(sb.st_mode & 07777));
		return (-1);
	}
	return (0);
}

struct store *
store_open(const char *path, char *err, size_t errlen)
{
	static const char *const sfx[] = { "-wal", "-shm" };
	struct store	*st;
	char		 aux[PATH_MAX];
	size_t		 i;
	int		 flags;

	if (check_file(path, 1, err, errlen) == -1)
		return (NULL);
	for (i = 0; i < nitems(sfx); i++) {
		if ((size_t)snprintf(aux, sizeof(aux), "%s%s", path, sfx[i]) >=
		    sizeof(aux)) {
			(void)snprintf(err, errlen, "%s: path too long", path);
			return (NULL);
		}
		if (check_file(aux, 0, err, errlen) == -1)
			return (NULL);
	}

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		(void)snprintf(err, errlen, "%s", strerror(errno));
		return (NULL);
	}
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
		if (compile(st, queries[i], &st->stmt[i],
		    SQLITE_PREPARE_PERSISTENT) != STORE_OK)
			goto fail_st;
	st->err[0] = '\0';
	return (st);
 fail_st:
	(void)snprintf(err, errlen, "%s: %s", path, st->err);
 fail:
	store_close(st);
	return (NULL);
}

void
store_close(struct store *st)
{
	size_t	 i;

	if (st == NULL)
		return;
	for (i = 0; i < Q_MAX; i++)
		sqlite3_finalize(st->stmt[i]);
	/* Nothing else is left open, so this cannot be busy. */
	(void)sqlite3_close(st->db);
	free(st);
}

int
store_meta_get_or_set(struct store *st, const char *name, void *val,
    size_t len)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (name == NULL || *name == '\0')
		return (fail(st, STORE_ERR, "empty meta name"));
	if ((rc = tx_begin(st)) != STORE_OK)
		return (rc);
	if ((s = take(st, Q_META_GET, "t", name)) == NULL)
		return (tx_end(st, STORE_ERR));
	switch (step(st, s, 1)) {
	case SQLITE_ROW:
		if ((size_t)sqlite3_column_bytes(s, 0) != len)
			rc = fail(st, STORE_ERR, "meta %s: stored value is %d "
			    "bytes, not %zu", name, sqlite3_column_bytes(s, 0),
			    len);
		else
			rc = col_blob(st, s, 0, val, len);
		break;
	case SQLITE_DONE:
		rc = run(st, Q_META_ADD, "tb", name, val, len);
		break;
	default:
		rc = dberr(st, "meta");
		break;
	}
	give(st, Q_META_GET, s);
	return (tx_end(st, rc));
}

/*
 * Nodes.
 */

static int
node_row(struct store *st, sqlite3_stmt *s, void *out)
{
	struct store_node	*n = out;
	int64_t			 v4;

	memset(n, 0, sizeof(*n));
	v4 = sqlite3_column_int64(s, 1);
	if (v4 < 0 || v4 > UINT32_MAX)
		return (fail(st, STORE_ERR, "corrupt row: v4"));
	put_be32(n->v4, (uint32_t)v4);
	if (col_blob(st, s, 0, n->key, sizeof(n->key)) != STORE_OK ||
	    col_blob(st, s, 2, n->v6, sizeof(n->v6)) != STORE_OK ||
	    col_text(st, s, 3, n->nick, sizeof(n->nick)) != STORE_OK)
		return (STORE_ERR);
	n->created = sqlite3_column_int64(s, 4);
	n->last_seen = sqlite3_column_int64(s, 5);
	return (STORE_OK);
}

int
store_node_get(struct store *st, const uint8_t key[32],
    struct store_node *out)
{
	struct store_node	 n;

	return (get_row(st, Q_NODE_GET, take(st, Q_NODE_GET, "k", key),
	    node_row, out == NULL ? &n : out));
}

static uint32_t
mask32(int plen)
{
	return (plen == 0 ? 0 : UINT32_MAX << (32 - plen));
}

/* Clear the bits of a big-endian address after the first plen. */
static void
clear_host(uint8_t *a, size_t len, int plen)
{
	size_t	 i;

	for (i = 0; i < len; i++, plen -= 8) {
		if (plen <= 0)
			a[i] = 0;
		else if (plen < 8)
			a[i] &= 0xff << (8 - plen);
	}
}

int
store_node_login(struct store *st, const uint8_t key[32],
    const uint8_t pool4[4], int plen4, const uint8_t pool6[16], int plen6,
    int64_t now, struct store_node *out)
{
	struct store_node	 n;
	uint32_t		 net4, lo, hi, v4;
	int64_t			 free4;
	int			 rc, found;

	/* A /31 or /32 has no host address besides those two. */
	if (plen4 < 0 || plen4 > 30)
		return (fail(st, STORE_ERR, "IPv4 pool prefix length %d is "
		    "not 0-30", plen4));
	if (plen6 < 0 || plen6 > 96)
		return (fail(st, STORE_ERR, "IPv6 pool prefix length %d is "
		    "not 0-96", plen6));
	net4 = get_be32(pool4) & mask32(plen4);
	lo = net4 + 1;
	hi = (net4 | ~mask32(plen4)) - 1;

	if ((rc = tx_begin(st)) != STORE_OK)
		return (rc);
	rc = store_node_get(st, key, &n);
	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		return (tx_end(st, rc));
	found = rc == STORE_OK;
	if (!found) {
		memset(&n, 0, sizeof(n));
		memcpy(n.key, key, sizeof(n.key));
		n.created = now;
	}
	v4 = get_be32(n.v4);
	if (!found || v4 < lo || v4 > hi) {
		rc = query_int(st, &free4, Q_NODE_FREE4, "ii", (int64_t)lo,
		    (int64_t)hi);
		if (rc == STORE_NOTFOUND)
			rc = fail(st, STORE_FULL, "the address pool is full");
		if (rc != STORE_OK)
			return (tx_end(st, rc));
		v4 = (uint32_t)free4;
		put_be32(n.v4, v4);
	}
	/*
	 * The IPv6 address follows from the IPv4 one, so it is simply
	 * derived again: that also moves it when only pool6 changed.
	 */
	memcpy(n.v6, pool6, sizeof(n.v6));
	clear_host(n.v6, sizeof(n.v6), plen6);
	put_be32(n.v6 + 12, v4 - net4);
	n.last_seen = now;

	rc = run(st, found ? Q_NODE_SEEN : Q_NODE_ADD, "kibi", key,
	    (int64_t)v4, n.v6, sizeof(n.v6), now);
	/* The UNIQUE v4 is a backstop; the write lock already excludes. */
	if (rc == STORE_EXISTS)
		rc = fail(st, STORE_ERR, "address %u.%u.%u.%u taken twice",
		    n.v4[0], n.v4[1], n.v4[2], n.v4[3]);
	if ((rc = tx_end(st, rc)) == STORE_OK && out != NULL)
		*out = n;
	return (rc);
}

int
store_node_set_nick(struct store *st, const uint8_t key[32],
    const char *nick)
{
	int	 rc;

	if (strnlen(nick, HUB_NICK_MAX) >= HUB_NICK_MAX)
		return (fail(st, STORE_ERR, "nickname too long"));
	if ((rc = tx_begin(st)) != STORE_OK)
		return (rc);
	rc = run(st, Q_NODE_NICK, "kt", key, nick);
	if (rc == STORE_OK && changed(st) == 0)
		rc = fail(st, STORE_NOTFOUND, "no such node");
	return (tx_end(st, rc));
}

static int
node_each(struct store *st, sqlite3_stmt *s, void *cb, void *arg)
{
	int			(*fn)(void *, const struct store_node *) = cb;
	struct store_node	 n;

	if (node_row(st, s, &n) != STORE_OK)
		return (STORE_ERR);
	return (fn(arg, &n) != 0);
}

int
store_node_foreach(struct store *st,
    int (*cb)(void *, const struct store_node *), void *arg)
{
	return (each(st, Q_NODE_ALL, take(st, Q_NODE_ALL, ""), node_each,
	    (void *)cb, arg));
}

int
store_node_count(struct store *st, uint32_t *n)
{
	return (count_of(st, n, Q_NODE_COUNT));
}

/*
 * Networks.
 */

static int
net_row_at(struct store *st, sqlite3_stmt *s, int c, struct store_net *n)
{
	memset(n, 0, sizeof(*n));
	if (col_blob(st, s, c, n->id, sizeof(n->id)) != STORE_OK ||
	    col_text(st, s, c + 1, n->name, sizeof(n->name)) != STORE_OK ||
	    col_text(st, s, c + 2, n->pwhash, sizeof(n->pwhash)) != STORE_OK ||
	    col_blob(st, s, c + 6, n->owner, sizeof(n->owner)) != STORE_OK)
		return (STORE_ERR);
	n->type = sqlite3_column_int(s, c + 3);
	n->mode = sqlite3_column_int(s, c + 4);
	n->limit = (uint32_t)sqlite3_column_int64(s, c + 5);
	n->created = sqlite3_column_int64(s, c + 7);
	return (STORE_OK);
}

static int
net_row(struct store *st, sqlite3_stmt *s, void *out)
{
	return (net_row_at(st, s, 0, out));
}

static int
net_valid(struct store *st, const struct store_net *n)
{
	size_t	 len = strnlen(n->name, sizeof(n->name));

	if (len == 0 || len == sizeof(n->name))
		return (fail(st, STORE_ERR, "bad network name length"));
	if (strnlen(n->pwhash, sizeof(n->pwhash)) == sizeof(n->pwhash))
		return (fail(st, STORE_ERR, "password hash too long"));
	if (n->type >= HUB_TYPE_MAX || n->mode >= HUB_MODE_MAX)
		return (fail(st, STORE_ERR, "bad network type or mode"));
	return (STORE_OK);
}

int
store_net_create(struct store *st, const struct store_net *n)
{
	int	 rc;

	if ((rc = net_valid(st, n)) != STORE_OK)
		return (rc);
	if ((rc = tx_begin(st)) != STORE_OK)
		return (rc);
	rc = run(st, Q_NET_ADD, "nttddiki", n->id, n->name, n->pwhash,
	    (int)n->type, (int)n->mode, (int64_t)n->limit, n->owner,
	    n->created);
	if (rc == STORE_OK)
		rc = run(st, Q_MEMBER_ADD, "nkddi", n->id, n->owner,
		    (int)HUB_ROLE_OWNER, (int)HUB_MSTATE_ACTIVE, n->created);
	return (tx_end(st, rc));
}

int
store_net_delete(struct store *st, const uint8_t id[16])
{
	int	 rc;

	if ((rc = tx_begin(st)) != STORE_OK)
		return (rc);
	/*
	 * The cascade would do, but only on a connection that enabled
	 * foreign keys; saying it costs nothing and survives a session in
	 * the sqlite3 shell.
	 */
	if ((rc = run(st, Q_INVITE_DEL_NET, "n", id)) == STORE_OK &&
	    (rc = run(st, Q_MEMBER_DEL_NET, "n", id)) == STORE_OK &&
	    (rc = run(st, Q_NET_DEL, "n", id)) == STORE_OK &&
	    changed(st) == 0)
		rc = fail(st, STORE_NOTFOUND, "no such network");
	return (tx_end(st, rc));
}

int
store_net_by_name(struct store *st, const char *name, struct store_net *out)
{
	struct store_net	 n;

	return (get_row(st, Q_NET_BY_NAME, take(st, Q_NET_BY_NAME, "t", name),
	    net_row, out == NULL ? &n : out));
}

int
store_net_by_id(struct store *st, const uint8_t id[16],
    struct store_net *out)
{
	struct store_net	 n;

	return (get_row(st, Q_NET_BY_ID, take(st, Q_NET_BY_ID, "n", id),
	    net_row, out == NULL ? &n : out));
}

int
store_net_update(struct store *st, const struct store_net *n)
{
	int	 rc;

	if ((rc = net_valid(st, n)) != STORE_OK)
		return (rc);
	if ((rc = tx_begin(st)) != STORE_OK)
		return (rc);
	rc = run(st, Q_NET_UPDATE, "ntdi", n->id, n->pwhash, (int)n->mode,
	    (int64_t)n->limit);
	if (rc == STORE_OK && changed(st) == 0)
		rc = fail(st, STORE_NOTFOUND, "no such network");
	return (tx_end(st, rc));
}

static int
net_each(struct store *st, sqlite3_stmt *s, void *cb, void *arg)
{
	int			(*fn)(void *, const struct store_net *) = cb;
	struct store_net	 n;

	if (net_row_at(st, s, 0, &n) != STORE_OK)
		return (STORE_ERR);
	return (fn(arg, &n) != 0);
}

int
store_net_foreach(struct store *st,
    int (*cb)(void *, const struct store_net *), void *arg)
{
	return (each(st, Q_NET_ALL, take(st, Q_NET_ALL, ""), net_each,
	    (void *)cb, arg));
}

int
store_net_count(struct store *st, uint32_t *n)
{
	return (count_of(st, n, Q_NET_COUNT));
}

static int
counts_row(struct store *st, sqlite3_stmt *s, void *out)
{
	uint32_t	*c = out;

	c[0] = (uint32_t)sqlite3_column_int64(s, 0);
	c[1] = (uint32_t)sqlite3_column_int64(s, 1);
	return (STORE_OK);
}

int
store_net_counts(struct store *st, const uint8_t id[16], uint32_t *active,
    uint32_t *pending)
{
	uint32_t	 c[2] = { 0, 0 };
	int		 rc;

	rc = get_row(st, Q_NET_COUNTS, take(st, Q_NET_COUNTS, "n", id),
	    counts_row, c);
	if (rc == STORE_OK) {
		if (active != NULL)
			*active = c[0];
		if (pending != NULL)
			*pending = c[1];
	}
	return (rc);
}

/*
 * Members.
 */

static int
member_row_at(struct store *st, sqlite3_stmt *s, int c,
    struct store_member *m)
{
	memset(m, 0, sizeof(*m));
	if (col_blob(st, s, c, m->netid, sizeof(m->netid)) != STORE_OK ||
	    col_blob(st, s, c + 1, m->key, sizeof(m->key)) != STORE_OK)
		return (STORE_ERR);
	m->role = sqlite3_column_int(s, c + 2);
	m->state = sqlite3_column_int(s, c + 3);
	m->since = sqlite3_column_int64(s, c + 4);
	return (STORE_OK);
}

static int
member_row(struct store *st, sqlite3_stmt *s, void *out)
{
	return (member_row_at(st, s, 0, out));
}

int
store_member_get(struct store *st, const uint8_t net[16],
    const uint8_t key[32], struct store_member *out)
{
	struct store_member	 m;

	return (get_row(st, Q_MEMBER_GET, take(st, Q_MEMBER_GET, "nk", net,
	    key), member_row, out == NULL ? &m : out));
}

/*
 * May one more member become active?  Inside the caller's transaction,
 * so the answer holds until its commit.  STORE_NOTFOUND if there is no
 * such network.
 */
static int
room(struct store *st, const uint8_t net[16])
{
	int64_t	 left;
	int	 rc;

	rc = query_int(st, &left, Q_NET_ROOM, "n", net);
	if (rc == STORE_OK && left <= 0)
		rc = fail(st, STORE_FULL, "the network's member limit is "
		    "reached");
	else if (rc == STORE_NOTFOUND)
		(void)fail(st, rc, "no such network");
	return (rc);
}

static int
net_exists(struct store *st, const uint8_t net[16])
{
	int64_t	 one;
	int	 rc;

	if ((rc = query_int(st, &one, Q_NET_EXISTS, "n", net)) ==
	    STORE_NOTFOUND)
		(void)fail(st, rc, "no such network");
	return (rc);
}

/* STORE_OK with m filled, STORE_NOTFOUND without a row. */
static int
member_read(struct store *st, const uint8_t net[16], const uint8_t key[32],
    struct store_member *m)
{
	int	 rc;

	if ((rc = store_member_get(st, net, key, m)) == STORE_NOTFOUND)
		(void)fail(st, rc, "not a member");
	return (rc);
}

/* Inside a transaction: make a node an active member, or a new one. */
static int
activate(struct store *st, const uint8_t net[16], const uint8_t key[32],
    int exists, int64_t now)
{
	int	 rc;

	if ((rc = room(st, net)) != STORE_OK)
		return (rc);
	if (exists)
		return (run(st, Q_MEMBER_STATE, "nkdi", net, key,
		    (int)HUB_MSTATE_ACTIVE, now));
	return (run(st, Q_MEMBER_ADD, "nkddi", net, key, (int)HUB_ROLE_MEMBER,
	    (int)HUB_MSTATE_ACTIVE, now));
}

int
store_member_join(struct store *st, const uint8_t net[16],
    const uint8_t key[32], uint8_t state, int64_t now)
{
	struct store_member	 m;
	int			 rc;

	if (state != HUB_MSTATE_ACTIVE && state != HUB_MSTATE_PENDING)
		return (fail(st, STORE_ERR, "bad state %u to join in", state));
	if ((rc = tx_begin(st)) != STORE_OK)
		return (rc);
	if ((rc = net_exists(st, net)) != STORE_OK)
		return (tx_end(st, rc));
	rc = member_read(st, net, key, &m);
	if (rc == STORE_OK) {
		if (m.state == HUB_MSTATE_BANNED)
			rc = fail(st, STORE_BANNED, "banned from the network");
		else if (m.state == HUB_MSTATE_ACTIVE || state == m.state)
			rc = fail(st, STORE_EXISTS, "already a member");
		else
			rc = activate(st, net, key, 1, now);
	} else if (rc == STORE_NOTFOUND) {
		if (state == HUB_MSTATE_ACTIVE)
			rc = activate(st, net, key, 0, now);
		else
			rc = run(st, Q_MEMBER_ADD, "nkddi", net, key,
			    (int)HUB_ROLE_MEMBER, (int)state, now);
	}
	return (tx_end(st, rc));
}

int
store_member_join_invited(struct store *st, const uint8_t net[16],
    const uint8_t key[32], int64_t now)
{
	struct store_member	 m;
	int			 rc;

	if ((rc = tx_begin(st)) != STORE_OK)
		return (rc);
	/*
	 * Consuming the invite first under the write lock is what makes
	 * exactly one of several concurrent callers see it; a refusal
	 * below rolls the consumption back.
	 */
	rc = run(st, Q_INVITE_DEL, "nk", net, key);
	if (rc == STORE_OK && changed(st) == 0)
		rc = fail(st, STORE_NOTFOUND, "no invitation");
	if (rc != STORE_OK)
		return (tx_end(st, rc));
	rc = member_read(st, net, key, &m);
	if (rc == STORE_OK && m.state == HUB_MSTATE_ACTIVE)
		rc = fail(st, STORE_EXISTS, "already a member");
	else if (rc == STORE_OK || rc == STORE_NOTFOUND)
		rc = activate(st, net, key, rc == STORE_OK, now);
	return (tx_end(st, rc));
}

int
store_member_set_state(struct store *st, const uint8_t net[16],
    const uint8_t key[32], uint8_t from, uint8_t to, int64_t now)
{
	struct store_member	 m;
	int			 rc;

	if (from >= HUB_MSTATE_MAX || to >= HUB_MSTATE_MAX)
		return (fail(st, STORE_ERR, "bad member state"));
	if ((rc = tx_begin(st)) != STORE_OK)
		return (rc);
	if ((rc = member_read(st, net, key, &m)) != STORE_OK)
		return (tx_end(st, rc));
	if (m.state != from)
		rc = fail(st, STORE_NOTFOUND, "member is %s",
		    m.state == HUB_MSTATE_ACTIVE ? "active" :
		    m.state == HUB_MSTATE_PENDING ? "pending" : "banned");
	else if (from == to)
		rc = STORE_OK;
	else if (m.role == HUB_ROLE_OWNER)
		rc = fail(st, STORE_DENIED, "%s",
		    store_strerror(STORE_DENIED));
	else if (to == HUB_MSTATE_ACTIVE)
		rc = activate(st, net, key, 1, now);
	else {
		rc = run(st, Q_MEMBER_STATE, "nkdi", net, key, (int)to, now);
		/* An invite given before the ban must not undo it. */
		if (rc == STORE_OK && to == HUB_MSTATE_BANNED)
			rc = run(st, Q_INVITE_DEL, "nk", net, key);
	}
	return (tx_end(st, rc));
}

int
store_member_set_role(struct store *st, const uint8_t net[16],
    const uint8_t key[32], uint8_t role)
{
	struct store_member	 m;
	int			 rc;

	if (role == HUB_ROLE_OWNER)
		return (fail(st, STORE_DENIED, "ownership moves only by "
		    "transfer"));
	if (role >= HUB_ROLE_MAX)
		return (fail(st, STORE_ERR, "bad role %u", role));
	if ((rc = tx_begin(st)) != STORE_OK)
		return (rc);
	if ((rc = member_read(st, net, key, &m)) != STORE_OK)
		return (tx_end(st, rc));
	if (m.state != HUB_MSTATE_ACTIVE)
		rc = fail(st, STORE_NOTFOUND, "not an active member");
	else if (m.role == HUB_ROLE_OWNER)
		rc = fail(st, STORE_DENIED, "%s",
		    store_strerror(STORE_DENIED));
	else
		rc = run(st, Q_MEMBER_ROLE, "nkd", net, key, (int)role);
	return (tx_end(st, rc));
}

int
store_member_remove(struct store *st, const uint8_t net[16],
    const uint8_t key[32])
{
	struct store_member	 m;
	int			 rc;

	if ((rc = tx_begin(st)) != STORE_OK)
		return (rc);
	if ((rc = member_read(st, net, key, &m)) != STORE_OK)
		return (tx_end(st, rc));
	if (m.role == HUB_ROLE_OWNER)
		rc = fail(st, STORE_DENIED, "%s",
		    store_strerror(STORE_DENIED));
	/* Removing the row would lift the ban: leaving is no way out. */
	else if (m.state == HUB_MSTATE_BANNED)
		rc = fail(st, STORE_BANNED, "banned from the network");
	else
		rc = run(st, Q_MEMBER_DEL, "nk", net, key);
	return (tx_end(st, rc));
}

int
store_net_transfer(struct store *st, const uint8_t net[16],
    const uint8_t new_owner[32])
{
	struct store_member	 m;
	int			 rc;

	if ((rc = tx_begin(st)) != STORE_OK)
		return (rc);
	if ((rc = net_exists(st, net)) != STORE_OK ||
	    (rc = member_read(st, net, new_owner, &m)) != STORE_OK)
		return (tx_end(st, rc));
	if (m.state != HUB_MSTATE_ACTIVE)
		return (tx_end(st, fail(st, STORE_NOTFOUND, "not an active "
		    "member")));
	if (m.role == HUB_ROLE_OWNER)
		return (tx_end(st, STORE_OK));
	/* Demote first: the index allows one owner at a time. */
	if ((rc = run(st, Q_MEMBER_DEMOTE_OWNER, "n", net)) == STORE_OK &&
	    (rc = run(st, Q_MEMBER_ROLE, "nkd", net, new_owner,
	    (int)HUB_ROLE_OWNER)) == STORE_OK)
		rc = run(st, Q_NET_OWNER, "nk", net, new_owner);
	return (tx_end(st, rc));
}

static int
member_each(struct store *st, sqlite3_stmt *s, void *cb, void *arg)
{
	int			(*fn)(void *, const struct store_member *) = cb;
	struct store_member	 m;

	if (member_row_at(st, s, 0, &m) != STORE_OK)
		return (STORE_ERR);
	return (fn(arg, &m) != 0);
}

int
store_member_foreach(struct store *st, const uint8_t net[16],
    int (*cb)(void *, const struct store_member *), void *arg)
{
	int	 rc;

	if ((rc = net_exists(st, net)) != STORE_OK)
		return (rc);
	return (each(st, Q_MEMBER_ALL, take(st, Q_MEMBER_ALL, "n", net),
	    member_each, (void *)cb, arg));
}

static int
netmember_each(struct store *st, sqlite3_stmt *s, void *cb, void *arg)
{
	int			(*fn)(void *, const struct store_net *,
				    const struct store_member *) = cb;
	struct store_net	 n;
	struct store_member	 m;

	if (net_row_at(st, s, 0, &n) != STORE_OK ||
	    member_row_at(st, s, 8, &m) != STORE_OK)
		return (STORE_ERR);
	return (fn(arg, &n, &m) != 0);
}

int
store_node_networks(struct store *st, const uint8_t key[32],
    int (*cb)(void *, const struct store_net *, const struct store_member *),
    void *arg)
{
	return (each(st, Q_MEMBER_NETS, take(st, Q_MEMBER_NETS, "k", key),
	    netmember_each, (void *)cb, arg));
}

int
store_invite_add(struct store *st, const uint8_t net[16],
    const uint8_t key[32], int64_t now)
{
	struct store_member	 m;
	int			 rc;

	if ((rc = tx_begin(st)) != STORE_OK)
		return (rc);
	if ((rc = net_exists(st, net)) != STORE_OK)
		return (tx_end(st, rc));
	rc = member_read(st, net, key, &m);
	if (rc == STORE_OK && m.state == HUB_MSTATE_ACTIVE)
		rc = fail(st, STORE_EXISTS, "already a member");
	else if (rc == STORE_OK || rc == STORE_NOTFOUND)
		rc = run(st, Q_INVITE_ADD, "nki", net, key, now);
	return (tx_end(st, rc));
}

/*
 * Peers.
 */

static int
peer_each(struct store *st, sqlite3_stmt *s, void *cb, void *arg)
{
	int		(*fn)(void *, const uint8_t *) = cb;
	uint8_t		 key[HUB_KEY_LEN];

	if (col_blob(st, s, 0, key, sizeof(key)) != STORE_OK)
		return (STORE_ERR);
	return (fn(arg, key) != 0);
}

int
store_peers_of(struct store *st, const uint8_t key[32],
    int (*cb)(void *, const uint8_t peer[32]), void *arg)
{
	return (each(st, Q_PEERS, take(st, Q_PEERS, "k", key), peer_each,
	    (void *)cb, arg));
}

int
store_are_peers(struct store *st, const uint8_t a[32], const uint8_t b[32])
{
	int64_t	 yes;
	int	 rc;

	if (memcmp(a, b, HUB_KEY_LEN) == 0)
		return (0);
	if ((rc = query_int(st, &yes, Q_ARE_PEERS, "kk", a, b)) != STORE_OK)
		return (rc == STORE_NOTFOUND ? STORE_ERR : rc);
	return (yes != 0);
}

/*
 * Blocked ranges.
 */

static const uint8_t v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* To the stored form: family 4 or 6, host bits cleared. */
static int
block_norm(struct store *st, const struct store_block *b, int *fam,
    uint8_t addr[16], size_t *len, int *plen)
{
	memset(addr, 0, 16);
	*plen = b->plen;
	switch (b->af) {
	case AF_INET:
		if (*plen > 32)
			return (fail(st, STORE_ERR, "IPv4 prefix length %d is "
			    "not 0-32", *plen));
		*fam = 4;
		*len = 4;
		memcpy(addr, b->addr, 4);
		break;
	case AF_INET6:
		if (*plen > 128)
			return (fail(st, STORE_ERR, "IPv6 prefix length %d is "
			    "not 0-128", *plen));
		/* Clients come as mapped addresses on a dual-stack socket. */
		if (*plen >= 96 && memcmp(b->addr, v4mapped,
		    sizeof(v4mapped)) == 0) {
			*fam = 4;
			*len = 4;
			*plen -= 96;
			memcpy(addr, b->addr + 12, 4);
		} else {
			*fam = 6;
			*len = 16;
			memcpy(addr, b->addr, 16);
		}
		break;
	default:
		return (fail(st, STORE_ERR, "address family %u is not IPv4 or "
		    "IPv6", b->af));
	}
	clear_host(addr, *len, *plen);
	return (STORE_OK);
}

int
store_block_add(struct store *st, const struct store_block *b)
{
	uint8_t	 addr[16];
	size_t	 len;
	int	 fam, plen, rc;

	if ((rc = block_norm(st, b, &fam, addr, &len, &plen)) != STORE_OK)
		return (rc);
	if ((rc = tx_begin(st)) != STORE_OK)
		return (rc);
	rc = run(st, Q_BLOCK_ADD, "ddbi", fam, plen, addr, len, b->created);
	return (tx_end(st, rc));
}

int
store_block_remove(struct store *st, const struct store_block *b)
{
	uint8_t	 addr[16];
	size_t	 len;
	int	 fam, plen, rc;

	if ((rc = block_norm(st, b, &fam, addr, &len, &plen)) != STORE_OK)
		return (rc);
	if ((rc = tx_begin(st)) != STORE_OK)
		return (rc);
	rc = run(st, Q_BLOCK_DEL, "ddb", fam, plen, addr, len);
	if (rc == STORE_OK && changed(st) == 0)
		rc = fail(st, STORE_NOTFOUND, "no such blocked range");
	return (tx_end(st, rc));
}

static int
block_each(struct store *st, sqlite3_stmt *s, void *cb, void *arg)
{
	int			(*fn)(void *, const struct store_block *) = cb;
	struct store_block	 b;
	int			 fam;

	memset(&b, 0, sizeof(b));
	fam = sqlite3_column_int(s, 0);
	b.af = fam == 4 ? AF_INET : AF_INET6;
	b.plen = sqlite3_column_int(s, 1);
	if (col_blob(st, s, 2, b.addr, fam == 4 ? 4 : 16) != STORE_OK)
		return (STORE_ERR);
	b.created = sqlite3_column_int64(s, 3);
	return (fn(arg, &b) != 0);
}

int
store_block_foreach(struct store *st,
    int (*cb)(void *, const struct store_block *), void *arg)
{
	return (each(st, Q_BLOCK_ALL, take(st, Q_BLOCK_ALL, ""), block_each,
	    (void *)cb, arg));
}

int
store_block_count(struct store *st, uint32_t *n)
{
	return (count_of(st, n, Q_BLOCK_COUNT));
}

/*
 * One indexed lookup per prefix length in use: there are at most 129,
 * and a hub's list rarely has more than a handful.
 */
int
store_block_match(struct store *st, int af, const uint8_t addr[16])
{
	struct store_block	 b;
	sqlite3_stmt		*s;
	uint8_t			 full[16], a[16];
	size_t			 len;
	int64_t			 one;
	int			 fam, plen, rc, first = 1, hit = 0;

	if (af != AF_INET && af != AF_INET6)
		return (fail(st, STORE_ERR, "address family %d is not IPv4 or "
		    "IPv6", af));
	memset(&b, 0, sizeof(b));
	b.af = af;
	b.plen = af == AF_INET ? 32 : 128;
	memcpy(b.addr, addr, af == AF_INET ? 4 : 16);
	if ((rc = block_norm(st, &b, &fam, full, &len, &plen)) != STORE_OK)
		return (rc);
	if ((s = take(st, Q_BLOCK_PLENS, "d", fam)) == NULL)
		return (STORE_ERR);
	while (!hit) {
		rc = step(st, s, first);
		first = 0;
		if (rc == SQLITE_DONE) {
			rc = STORE_OK;
			break;
		}
		if (rc != SQLITE_ROW) {
			rc = dberr(st, "step");
			break;
		}
		plen = sqlite3_column_int(s, 0);
		memcpy(a, full, len);
		clear_host(a, len, plen);
		rc = query_int(st, &one, Q_BLOCK_FIND, "ddb", fam, plen, a,
		    len);
		if (rc == STORE_OK)
			hit = 1;
		else if (rc != STORE_NOTFOUND)
			break;
		rc = STORE_OK;
	}
	give(st, Q_BLOCK_PLENS, s);
	return (rc == STORE_OK ? hit : rc);
}
