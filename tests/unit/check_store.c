/*
 * Unit tests for the hub's store (hub/store.h), on SQLite and on
 * PostgreSQL: the same tests run against both backends, two suites.
 * On SQLite each test gets a database in its own directory under /tmp;
 * on PostgreSQL a schema of its own in a server this program starts
 * itself (pgserver.h), which is skipped, with the reason, only where
 * PostgreSQL 15 is not installed.  Besides the API's cases (and whether
 * the statements' placeholders map to PostgreSQL's), the last ones run
 * the store in several processes at once: a writer killed at a random
 * moment must have lost nothing it acknowledged, an invite raced by a
 * hundred processes is used exactly once, and concurrent approvals and
 * evictions leave a consistent database.  The raw sqlite3 and libpq
 * APIs check what the store's interface cannot show (integrity, file
 * version, the two schemas alike); check_store_pg.c has the tests of
 * PostgreSQL alone.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <arpa/inet.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "hub/store.h"
#include "hub/store_sql.h"
#include "tests/unit/pgserver.h"
#include "tests/unit/storetest.h"

#define NKEYS		640
#define NNETS		16

static char		 topdir[64];
char			 dir[96];
char			 dbpath[128];
char			 err[256];
static uint8_t		 keys[NKEYS][HUB_KEY_LEN];
static uint8_t		 netids[NNETS][HUB_NETID_LEN];
/* The backend of the suite running: its tests' unchecked fixture says. */
int			 use_pg;
struct pgserver		 pgsrv;
char			 pgconn[512];	/* the test's schema */
char			 pgschema[32];

#define K(i)		(keys[(i)])
#define NID(i)		(netids[(i)])

/* Node pools: a /24 given with host bits set, and a ULA /64. */
static const uint8_t	 P4[4] = { 10, 7, 0, 77 };
static const uint8_t	 P6[16] = { 0xfd, 0, 0xaa, 0xaa, 0xbb, 0xbb, 0xcc,
    0xcc, 0, 0, 0, 0, 0, 0, 0, 0x77 };

/* Whatever is in a test's directory, then the directory. */
static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int
rmtree(const char *path)
{
	return nftw(path, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/*
 * Each test's directory is made inside one for the whole run, which
 * main() removes: a failed assertion ends a test's process at once,
 * without its teardown.
 */
static void
setup(void)
{
	char	 sql[64];
	int	 i;

	(void)snprintf(dir, sizeof(dir), "%s/t.XXXXXX", topdir);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	(void)snprintf(dbpath, sizeof(dbpath), "%s/hub.db", dir);
	/* The index in the first bytes: peers come back sorted by key. */
	for (i = 0; i < NKEYS; i++) {
		memset(keys[i], 0xa5, HUB_KEY_LEN);
		keys[i][0] = i >> 8;
		keys[i][1] = i;
	}
	for (i = 0; i < NNETS; i++) {
		memset(netids[i], 0x3c, HUB_NETID_LEN);
		netids[i][0] = i;
	}
	if (!use_pg)
		return;
	/* The test's process is new: its PID names its schema. */
	(void)snprintf(pgschema, sizeof(pgschema), "t%d", (int)getpid());
	(void)snprintf(pgconn, sizeof(pgconn), "%s options='-c "
	    "search_path=%s,public'", pgsrv.conninfo, pgschema);
	(void)snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", pgschema);
	ck_assert_msg(pgserver_sql(&pgsrv, sql, err, sizeof(err)) == 0,
	    "%s", err);
}

static void
teardown(void)
{
	char	 sql[64];

	ck_assert_int_eq(rmtree(dir), 0);
	if (!use_pg)
		return;
	(void)snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", pgschema);
	ck_assert_msg(pgserver_sql(&pgsrv, sql, err, sizeof(err)) == 0,
	    "%s", err);
}

static void
be_sqlite(void)
{
	use_pg = 0;
}

static void
be_pg(void)
{
	use_pg = 1;
}

struct store *
tstore_open(void)
{
	if (use_pg)
		return store_open_pg(pgconn, NULL, err, sizeof(err));
	return store_open(dbpath, err, sizeof(err));
}

struct store *
opendb(void)
{
	struct store	*st;

	st = tstore_open();
	ck_assert_msg(st != NULL, "store_open: %s", err);
	return st;
}

/* The test's schema on the server, a connection of our own. */
PGconn *
rawpg(void)
{
	PGconn	*c = PQconnectdb(pgconn);

	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
	(void)PQsetNoticeProcessor(c, pgserver_quiet, NULL);
	return c;
}

/* The raw API, for what the store does not show. */
static sqlite3 *
rawdb(void)
{
	sqlite3	*db = NULL;

	ck_assert_int_eq(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READWRITE,
	    NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

void
raw_exec(const char *sql)
{
	sqlite3		*db;
	PGconn		*c;
	PGresult	*r;

	if (use_pg) {
		c = rawpg();
		r = PQexec(c, sql);
		ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK ||
		    PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql,
		    PQresultErrorMessage(r));
		PQclear(r);
		PQfinish(c);
		return;
	}
	db = rawdb();
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* One integer; ?1, if there, is net (made $1 for PostgreSQL). */
static int64_t
raw_int_pg(const char *sql, const uint8_t *net)
{
	const char	*vals[1] = { (const char *)net };
	int		 lens[1] = { HUB_NETID_LEN }, fmts[1] = { 1 };
	char		 q[512], *p;
	PGconn		*c = rawpg();
	PGresult	*r;
	int64_t		 v;

	(void)strlcpy(q, sql, sizeof(q));
	for (p = q; (p = strchr(p, '?')) != NULL; p++)
		*p = '$';
	r = PQexecParams(c, q, net != NULL, NULL, vals, lens, fmts, 0);
	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK &&
	    PQntuples(r) == 1, "%s: %s", sql, PQresultErrorMessage(r));
	v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	PQfinish(c);
	return v;
}

int64_t
raw_int(const char *sql, const uint8_t *net)
{
	sqlite3		*db;
	sqlite3_stmt	*s;
	int64_t		 v;

	if (use_pg)
		return raw_int_pg(sql, net);
	db = rawdb();
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL),
	    SQLITE_OK);
	if (net != NULL)
		sqlite3_bind_blob(s, 1, net, HUB_NETID_LEN, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

/*
 * PostgreSQL checks its constraints on every statement and has no
 * integrity pragma; what it holds is asked of it: no member or invite
 * of a network that is gone, one owner per network.
 */
static void
assert_integrity(void)
{
	sqlite3		*db;
	sqlite3_stmt	*s;

	if (use_pg) {
		ck_assert_int_eq(raw_int("SELECT count(*) FROM members m"
		    " WHERE NOT EXISTS (SELECT 1 FROM nets n"
		    " WHERE n.id = m.net)", NULL), 0);
		ck_assert_int_eq(raw_int("SELECT count(*) FROM invites i"
		    " WHERE NOT EXISTS (SELECT 1 FROM nets n"
		    " WHERE n.id = i.net)", NULL), 0);
		ck_assert_int_eq(raw_int("SELECT count(*) FROM nets n"
		    " WHERE (SELECT count(*) FROM members m WHERE m.net = n.id"
		    " AND m.role = 2) <> 1", NULL), 0);
		return;
	}
	db = rawdb();
	ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1,
	    &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(s, 0), "ok");
	ck_assert_int_eq(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA foreign_key_check",
	    -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	sqlite3_close(db);
}

static void
login(struct store *st, int i, struct store_node *n)
{
	struct store_node	 tmp;

	ck_assert_int_eq(store_node_login(st, K(i), P4, 24, P6, 64, NULL, 1000 + i,
	    n == NULL ? &tmp : n), STORE_OK);
}

static void
mknet(struct store *st, int id, const char *name, int type, int mode,
    uint32_t limit, int owner)
{
	struct store_net	 n;

	memset(&n, 0, sizeof(n));
	memcpy(n.id, NID(id), sizeof(n.id));
	(void)strlcpy(n.name, name, sizeof(n.name));
	(void)strlcpy(n.pwhash, "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ"
	    "$aGFzaGhhc2hoYXNoaGFzaA", sizeof(n.pwhash));
	n.type = type;
	n.mode = mode;
	n.limit = limit;
	memcpy(n.owner, K(owner), sizeof(n.owner));
	n.created = 500 + id;
	ck_assert_int_eq(store_net_create(st, &n), STORE_OK);
}

static void
join(struct store *st, int net, int i, int state)
{
	ck_assert_int_eq(store_member_join(st, NID(net), K(i), state, 2000),
	    STORE_OK);
}

static int
member_state(struct store *st, int net, int i)
{
	struct store_member	 m;

	ck_assert_int_eq(store_member_get(st, NID(net), K(i), &m), STORE_OK);
	return m.state;
}

static int
member_role(struct store *st, int net, int i)
{
	struct store_member	 m;

	ck_assert_int_eq(store_member_get(st, NID(net), K(i), &m), STORE_OK);
	return m.role;
}

static void
assert_v4(const struct store_node *n, int a, int b, int c, int d)
{
	ck_assert_msg(n->v4[0] == a && n->v4[1] == b && n->v4[2] == c &&
	    n->v4[3] == d, "v4 %u.%u.%u.%u, want %d.%d.%d.%d", n->v4[0],
	    n->v4[1], n->v4[2], n->v4[3], a, b, c, d);
}

/* pool6 with host bits cleared and off in the low 32 bits. */
static void
assert_v6(const struct store_node *n, const uint8_t *pool, int plen,
    uint32_t off)
{
	uint8_t	 want[16];
	int	 i;

	memcpy(want, pool, 16);
	for (i = 0; i < 16; i++) {
		if (i * 8 >= plen)
			want[i] = 0;
		else if (i * 8 + 8 > plen)
			want[i] &= 0xff << (8 - (plen - i * 8));
	}
	want[12] = off >> 24;
	want[13] = off >> 16;
	want[14] = off >> 8;
	want[15] = off;
	ck_assert_mem_eq(n->v6, want, 16);
}

/*
 * Schema and files.
 */

START_TEST(test_schema_fresh)
{
	struct store	*st;
	struct stat	 sb;
	char		 p[160];
	int		 v;

	st = opendb();
	v = store_schema_version(st);
	ck_assert_int_eq(v, (int)store_nmigrations);
	ck_assert_int_eq(raw_int("PRAGMA user_version", NULL), v);
	ck_assert_int_eq(stat(dbpath, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0600);
	/* SQLite's own files inherit the mode; none may be wider. */
	(void)snprintf(p, sizeof(p), "%s-wal", dbpath);
	ck_assert_int_eq(stat(p, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 077, 0);
	(void)snprintf(p, sizeof(p), "%s-shm", dbpath);
	ck_assert_int_eq(stat(p, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 077, 0);
	store_close(st);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM pragma_journal_mode"
	    " WHERE journal_mode = 'wal'", NULL), 1);
	assert_integrity();
	/* Reopening a current database migrates nothing. */
	st = opendb();
	ck_assert_int_eq(store_schema_version(st), v);
	store_close(st);
}
END_TEST

START_TEST(test_schema_reopen)
{
	struct store		*st;
	struct store_node	 n, m;
	struct store_net	 net;
	uint8_t			 ula[16], got[16];
	int			 i;

	for (i = 0; i < 16; i++)
		ula[i] = 0xf0 + i;
	st = opendb();
	ck_assert_int_eq(store_meta_get_or_set(st, "ula", ula, 16), STORE_OK);
	login(st, 1, &n);
	mknet(st, 0, "office", HUB_TYPE_MESH, HUB_MODE_AUTO, 0, 1);
	store_close(st);

	st = opendb();
	memset(got, 0, sizeof(got));
	ck_assert_int_eq(store_meta_get_or_set(st, "ula", got, 16), STORE_OK);
	ck_assert_mem_eq(got, ula, 16);
	ck_assert_int_eq(store_node_get(st, K(1), &m), STORE_OK);
	ck_assert_mem_eq(&m, &n, sizeof(m));
	ck_assert_int_eq(store_net_by_name(st, "office", &net), STORE_OK);
	ck_assert_int_eq(member_role(st, 0, 1), HUB_ROLE_OWNER);
	store_close(st);
}
END_TEST

/* Networks made before the broadcast setting have it on. */
START_TEST(test_schema_bcast)
{
	struct store		*st;
	struct store_net	 net;

	st = opendb();
	mknet(st, 1, "old", HUB_TYPE_MESH, HUB_MODE_AUTO, 0, 1);
	ck_assert_int_eq(store_net_by_id(st, NID(1), &net), STORE_OK);
	ck_assert_int_eq(net.bcast, 0);
	store_close(st);
	/*
	 * Back to schema 2: no columns, no route tables (step 3 -> 4), no
	 * cluster tables (4 -> 5).
	 */
	raw_exec("DROP TABLE hub_online");
	raw_exec("DROP TABLE hubs");
	raw_exec("DROP TABLE route_ok");
	raw_exec("DROP TABLE gateway_nets");
	raw_exec("DROP TABLE routes");
	raw_exec("ALTER TABLE nets DROP COLUMN bcast");
	raw_exec("ALTER TABLE nets DROP COLUMN eth");
	raw_exec(use_pg ? "UPDATE schema_version SET version = 2" :
	    "PRAGMA user_version = 2");
	st = opendb();
	ck_assert_int_eq(store_schema_version(st), (int)store_nmigrations);
	ck_assert_int_eq(store_net_by_id(st, NID(1), &net), STORE_OK);
	ck_assert_int_eq(net.bcast, 1);
	ck_assert_int_eq(net.eth, 0);
	store_close(st);
}
END_TEST

START_TEST(test_schema_newer)
{
	struct store	*st;
	char		 sql[64];
	int		 v;

	st = opendb();
	v = store_schema_version(st);
	store_close(st);
	(void)snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
	raw_exec(sql);
	err[0] = '\0';
	ck_assert_ptr_null(store_open(dbpath, err, sizeof(err)));
	ck_assert_msg(strstr(err, "newer") != NULL, "message: %s", err);
	/* Refusing it changed nothing. */
	ck_assert_int_eq(raw_int("PRAGMA user_version", NULL), v + 1);
}
END_TEST

START_TEST(test_schema_mode)
{
	static const mode_t	 bad[] = { 0640, 0604, 0620, 0660, 0644 };
	struct store		*st;
	char			 p[160];
	size_t			 i;

	store_close(opendb());
	for (i = 0; i < nitems(bad); i++) {
		ck_assert_int_eq(chmod(dbpath, bad[i]), 0);
		err[0] = '\0';
		ck_assert_ptr_null(store_open(dbpath, err, sizeof(err)));
		ck_assert_msg(strstr(err, "mode") != NULL, "message: %s", err);
	}
	ck_assert_int_eq(chmod(dbpath, 0600), 0);
	st = opendb();
	store_close(st);

	/* A leftover WAL that others can read is as bad. */
	(void)snprintf(p, sizeof(p), "%s-wal", dbpath);
	ck_assert_int_eq(close(open(p, O_WRONLY | O_CREAT, 0600)), 0);
	ck_assert_int_eq(chmod(p, 0644), 0);
	ck_assert_ptr_null(store_open(dbpath, err, sizeof(err)));
	ck_assert_int_eq(unlink(p), 0);
	store_close(opendb());
}
END_TEST

START_TEST(test_schema_bad_files)
{
	char	 p[160];
	int	 fd;

	/* Not a database. */
	fd = open(dbpath, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "this is not an SQLite database, no no",
	    37), 37);
	ck_assert_int_eq(write(fd, "................................", 32),
	    32);
	ck_assert_int_eq(close(fd), 0);
	err[0] = '\0';
	ck_assert_ptr_null(store_open(dbpath, err, sizeof(err)));
	ck_assert_str_ne(err, "");

	/* Not a file, and not in an existing directory. */
	(void)snprintf(p, sizeof(p), "%s/sub", dir);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	err[0] = '\0';
	ck_assert_ptr_null(store_open(p, err, sizeof(err)));
	ck_assert_str_ne(err, "");
	ck_assert_int_eq(rmdir(p), 0);
	(void)snprintf(p, sizeof(p), "%s/none/hub.db", dir);
	err[0] = '\0';
	ck_assert_ptr_null(store_open(p, err, sizeof(err)));
	ck_assert_str_ne(err, "");
}
END_TEST

START_TEST(test_meta)
{
	struct store	*st;
	uint8_t		 a[16], b[16];

	st = opendb();
	memset(a, 1, sizeof(a));
	memset(b, 2, sizeof(b));
	ck_assert_int_eq(store_meta_get_or_set(st, "ula", a, 16), STORE_OK);
	ck_assert_int_eq(store_meta_get_or_set(st, "ula", b, 16), STORE_OK);
	ck_assert_mem_eq(a, b, 16);
	memset(b, 2, sizeof(b));
	ck_assert_int_eq(store_meta_get_or_set(st, "ula", b, 8), STORE_ERR);
	ck_assert_ptr_nonnull(strstr(store_errmsg(st), "ula"));
	ck_assert_int_eq(store_meta_get_or_set(st, "other", b, 8), STORE_OK);
	ck_assert_int_eq(store_meta_get_or_set(st, "", b, 8), STORE_ERR);
	store_close(st);
}
END_TEST

START_TEST(test_strerror)
{
	int	 c;

	for (c = STORE_DENIED; c <= STORE_OK; c++)
		ck_assert_str_ne(store_strerror(c), "unknown error");
	ck_assert_str_eq(store_strerror(-99), "unknown error");
	ck_assert_str_eq(store_errmsg(NULL), "no store");
}
END_TEST

/*
 * A PostgreSQL backend turns each '?' of a statement into '$'
 * (store_sql.c).  That is sound only if every '?' is a placeholder ?1
 * to ?9, nothing already has a '$', and each statement uses its
 * numbers 1..n without a gap: PostgreSQL wants a type for every one,
 * and finds it where the number appears.  The schema has none at all.
 */
START_TEST(test_sql_placeholders)
{
	const char	*q, *p;
	unsigned int	 used;
	int		 i, n, hi;

	for (i = 0; i < Q_MAX; i++) {
		q = store_queries[i];
		ck_assert_ptr_nonnull(q);
		ck_assert_msg(strchr(q, '$') == NULL, "statement %d has a $", i);
		used = 0;
		hi = 0;
		for (p = q; (p = strchr(p, '?')) != NULL; p++) {
			n = p[1] - '0';
			ck_assert_msg(n >= 1 && n <= STORE_SQL_MAXARG &&
			    !(p[2] >= '0' && p[2] <= '9'),
			    "statement %d: '?' that is no placeholder: %s", i, p);
			used |= 1U << n;
			if (n > hi)
				hi = n;
		}
		ck_assert_msg(used == (1U << (hi + 1)) - 2,
		    "statement %d: placeholders are not ?1..?%d", i, hi);
	}
	ck_assert_uint_gt(store_nmigrations, 0);
	for (i = 0; i < (int)store_nmigrations; i++)
		ck_assert_ptr_null(strpbrk(store_migrations[i], "?$"));
}
END_TEST

/*
 * Nodes and their addresses.
 */

START_TEST(test_node_assign)
{
	struct store		*st;
	struct store_node	 n, m;

	st = opendb();
	ck_assert_int_eq(store_node_get(st, K(1), &n), STORE_NOTFOUND);
	/* The first host, not the network address. */
	ck_assert_int_eq(store_node_login(st, K(1), P4, 24, P6, 64, NULL, 100, &n),
	    STORE_OK);
	ck_assert_mem_eq(n.key, K(1), 32);
	assert_v4(&n, 10, 7, 0, 1);
	assert_v6(&n, P6, 64, 1);
	ck_assert_str_eq(n.nick, "");
	ck_assert_int_eq(n.created, 100);
	ck_assert_int_eq(n.last_seen, 100);
	ck_assert_int_eq(store_node_login(st, K(2), P4, 24, P6, 64, NULL, 110, &n),
	    STORE_OK);
	assert_v4(&n, 10, 7, 0, 2);
	assert_v6(&n, P6, 64, 2);

	/* Stable across logins: created stays, last_seen moves. */
	ck_assert_int_eq(store_node_login(st, K(1), P4, 24, P6, 64, NULL, 200, &n),
	    STORE_OK);
	assert_v4(&n, 10, 7, 0, 1);
	ck_assert_int_eq(n.created, 100);
	ck_assert_int_eq(n.last_seen, 200);
	ck_assert_int_eq(store_node_get(st, K(1), &m), STORE_OK);
	ck_assert_mem_eq(&m, &n, sizeof(m));
	store_close(st);

	/* And across restarts. */
	st = opendb();
	ck_assert_int_eq(store_node_login(st, K(2), P4, 24, P6, 64, NULL, 300, &n),
	    STORE_OK);
	assert_v4(&n, 10, 7, 0, 2);
	ck_assert_int_eq(n.created, 110);
	ck_assert_int_eq(store_node_login(st, K(3), P4, 24, P6, 64, NULL, 300, &n),
	    STORE_OK);
	assert_v4(&n, 10, 7, 0, 3);
	store_close(st);
}
END_TEST

START_TEST(test_node_full)
{
	static const uint8_t	 p30[4] = { 10, 9, 0, 6 };
	struct store		*st;
	struct store_node	 n;
	uint32_t		 c;

	/* 10.9.0.4/30: .4 is the network, .7 the broadcast address. */
	st = opendb();
	ck_assert_int_eq(store_node_login(st, K(1), p30, 30, P6, 64, NULL, 1, &n),
	    STORE_OK);
	assert_v4(&n, 10, 9, 0, 5);
	assert_v6(&n, P6, 64, 1);
	ck_assert_int_eq(store_node_login(st, K(2), p30, 30, P6, 64, NULL, 1, &n),
	    STORE_OK);
	assert_v4(&n, 10, 9, 0, 6);
	ck_assert_int_eq(store_node_login(st, K(3), p30, 30, P6, 64, NULL, 1, &n),
	    STORE_FULL);
	ck_assert_int_eq(store_node_get(st, K(3), &n), STORE_NOTFOUND);
	ck_assert_int_eq(store_node_count(st, &c), STORE_OK);
	ck_assert_uint_eq(c, 2);
	/* A full pool still lets its nodes in. */
	ck_assert_int_eq(store_node_login(st, K(2), p30, 30, P6, 64, NULL, 9, &n),
	    STORE_OK);
	assert_v4(&n, 10, 9, 0, 6);
	store_close(st);
}
END_TEST

START_TEST(test_node_pool_change)
{
	static const uint8_t	 a[4] = { 10, 1, 0, 0 }, b[4] = { 10, 2, 0, 0 };
	static const uint8_t	 p6b[16] = { 0xfd, 0x11, 0x11, 0x22, 0x22,
	    0xff, 0xff, 0xff, 0xff, 0xff };
	struct store		*st;
	struct store_node	 n;

	st = opendb();
	ck_assert_int_eq(store_node_login(st, K(1), a, 24, P6, 64, NULL, 1, &n), 0);
	ck_assert_int_eq(store_node_login(st, K(2), a, 24, P6, 64, NULL, 1, &n), 0);
	ck_assert_int_eq(store_node_login(st, K(3), a, 24, P6, 64, NULL, 1, &n), 0);
	assert_v4(&n, 10, 1, 0, 3);

	/* K2 meets another pool: a new address, and a gap in the old. */
	ck_assert_int_eq(store_node_login(st, K(2), b, 24, P6, 64, NULL, 2, &n), 0);
	assert_v4(&n, 10, 2, 0, 1);
	assert_v6(&n, P6, 64, 1);
	ck_assert_int_eq(store_node_login(st, K(4), a, 24, P6, 64, NULL, 3, &n), 0);
	assert_v4(&n, 10, 1, 0, 2);
	assert_v6(&n, P6, 64, 2);
	ck_assert_int_eq(store_node_login(st, K(5), a, 24, P6, 64, NULL, 3, &n), 0);
	assert_v4(&n, 10, 1, 0, 4);
	ck_assert_int_eq(store_node_login(st, K(2), a, 24, P6, 64, NULL, 4, &n), 0);
	assert_v4(&n, 10, 1, 0, 5);
	assert_v6(&n, P6, 64, 5);

	/* Only the IPv6 pool changed: the IPv4 address stays. */
	ck_assert_int_eq(store_node_login(st, K(1), a, 24, p6b, 40, NULL, 5, &n), 0);
	assert_v4(&n, 10, 1, 0, 1);
	assert_v6(&n, p6b, 40, 1);
	ck_assert_uint_eq(n.v6[4], 0x22);
	ck_assert_uint_eq(n.v6[5], 0);

	/*
	 * Narrowed to 10.1.0.0/30, K3's .3 is the broadcast address; with
	 * .1 and .2 taken the pool is full, and K3's row is untouched.
	 */
	ck_assert_int_eq(store_node_login(st, K(3), a, 30, P6, 64, NULL, 6, &n),
	    STORE_FULL);
	ck_assert_int_eq(store_node_get(st, K(3), &n), STORE_OK);
	assert_v4(&n, 10, 1, 0, 3);
	ck_assert_int_eq(n.last_seen, 1);
	store_close(st);
}
END_TEST

START_TEST(test_node_many)
{
	static const uint8_t	 p16[4] = { 10, 8, 0, 0 };
	static const uint8_t	 ones[16] = { 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct store		*st;
	struct store_node	 n;
	int			 i;

	st = opendb();
	for (i = 0; i < 300; i++) {
		ck_assert_int_eq(store_node_login(st, K(i), p16, 16, ones, 96, NULL,
		    i, &n), STORE_OK);
		assert_v4(&n, 10, 8, (i + 1) >> 8, (i + 1) & 0xff);
		assert_v6(&n, ones, 96, i + 1);
	}
	ck_assert_int_eq(store_node_get(st, K(299), &n), STORE_OK);
	assert_v4(&n, 10, 8, 1, 44);
	store_close(st);
}
END_TEST

/* Online, to the expiry: the first 520 keys. */
static int
keep_first(void *arg, const uint8_t *key)
{
	int	 i;

	for (i = 0; i < 520; i++)
		if (memcmp(key, K(i), HUB_KEY_LEN) == 0)
			return 1;
	return 0;
}

START_TEST(test_node_expire)
{
	static const uint8_t	 p16[4] = { 10, 8, 0, 0 };
	struct store		*st;
	struct store_node	 n;
	uint32_t		 c;
	int			 i;

	st = opendb();
	for (i = 0; i < 600; i++)
		ck_assert_int_eq(store_node_login(st, K(i), p16, 16, P6, 64,
		    NULL, i + 1, &n), STORE_OK);
	/* A member: in a network, it is kept however old. */
	ck_assert_int_eq(store_node_login(st, K(600), p16, 16, P6, 64, NULL,
	    50, &n), STORE_OK);
	mknet(st, 1, "keep", HUB_TYPE_MESH, HUB_MODE_AUTO, 0, 600);
	/*
	 * The oldest 520 are online: more than a batch reads.  The first
	 * sweep finds only them, and marks them seen; the next reaches the
	 * 80 behind them, and gives their addresses back.
	 */
	ck_assert_int_eq(store_node_expire(st, 2000, 3000, keep_first, NULL),
	    0);
	ck_assert_int_eq(store_node_expire(st, 2000, 3000, keep_first, NULL),
	    80);
	ck_assert_int_eq(store_node_expire(st, 2000, 3000, keep_first, NULL),
	    0);
	ck_assert_int_eq(store_node_count(st, &c), STORE_OK);
	ck_assert_uint_eq(c, 521);
	ck_assert_int_eq(store_node_get(st, K(0), &n), STORE_OK);
	ck_assert_int_eq(n.last_seen, 3000);
	ck_assert_int_eq(store_node_get(st, K(600), &n), STORE_OK);
	ck_assert_int_eq(store_node_get(st, K(520), &n), STORE_NOTFOUND);
	ck_assert_int_eq(store_node_get(st, K(599), &n), STORE_NOTFOUND);
	/* The lowest address given back is the next one handed out. */
	ck_assert_int_eq(store_node_login(st, K(610), p16, 16, P6, 64, NULL,
	    3001, &n), STORE_OK);
	assert_v4(&n, 10, 8, 2, 9);
	ck_assert_int_eq(store_node_login(st, K(611), p16, 16, P6, 64, NULL,
	    3001, &n), STORE_OK);
	assert_v4(&n, 10, 8, 2, 10);
	/* Without a keep, everyone not seen since is forgotten. */
	ck_assert_int_eq(store_node_expire(st, 3001, 3002, NULL, NULL), 256);
	store_close(st);
}
END_TEST

START_TEST(test_node_args)
{
	struct store		*st;
	struct store_node	 n;

	st = opendb();
	ck_assert_int_eq(store_node_login(st, K(1), P4, 31, P6, 64, NULL, 1, &n),
	    STORE_ERR);
	ck_assert_str_ne(store_errmsg(st), "");
	ck_assert_int_eq(store_node_login(st, K(1), P4, 32, P6, 64, NULL, 1, &n),
	    STORE_ERR);
	ck_assert_int_eq(store_node_login(st, K(1), P4, -1, P6, 64, NULL, 1, &n),
	    STORE_ERR);
	ck_assert_int_eq(store_node_login(st, K(1), P4, 24, P6, 97, NULL, 1, &n),
	    STORE_ERR);
	ck_assert_int_eq(store_node_get(st, K(1), &n), STORE_NOTFOUND);
	store_close(st);
}
END_TEST

static int
count_nodes(void *arg, const struct store_node *n)
{
	int	*c = arg;

	(*c)++;
	return 0;
}

static int
stop_at_first(void *arg, const struct store_node *n)
{
	int	*c = arg;

	(*c)++;
	return 1;
}

/* A callback reading the store, the running iteration's query too. */
static int
nested(void *arg, const struct store_node *n)
{
	struct store		*st = arg;
	struct store_node	 m;
	uint32_t		 c;
	int			 calls = 0;

	ck_assert_int_eq(store_node_get(st, n->key, &m), STORE_OK);
	ck_assert_mem_eq(&m, n, sizeof(m));
	ck_assert_int_eq(store_node_count(st, &c), STORE_OK);
	ck_assert_uint_eq(c, 3);
	ck_assert_int_eq(store_node_foreach(st, count_nodes, &calls), 0);
	ck_assert_int_eq(calls, 3);
	return 0;
}

START_TEST(test_node_nested)
{
	struct store	*st;
	int		 calls = 0;

	st = opendb();
	login(st, 1, NULL);
	login(st, 2, NULL);
	login(st, 3, NULL);
	ck_assert_int_eq(store_node_foreach(st, nested, st), 0);
	/* The cached statement is whole again afterwards. */
	ck_assert_int_eq(store_node_foreach(st, count_nodes, &calls), 0);
	ck_assert_int_eq(calls, 3);
	store_close(st);
}
END_TEST

START_TEST(test_node_nick)
{
	struct store		*st;
	struct store_node	 n;
	uint32_t		 c;
	int			 calls = 0;

	st = opendb();
	login(st, 1, NULL);
	login(st, 2, NULL);
	ck_assert_int_eq(store_node_set_nick(st, K(1), "alice"), STORE_OK);
	ck_assert_int_eq(store_node_set_nick(st, K(3), "carol"),
	    STORE_NOTFOUND);
	ck_assert_int_eq(store_node_set_nick(st, K(2),
	    "0123456789abcdef0123456789abcdef"), STORE_OK);
	ck_assert_int_eq(store_node_set_nick(st, K(2),
	    "0123456789abcdef0123456789abcdefX"), STORE_ERR);
	ck_assert_int_eq(store_node_get(st, K(1), &n), STORE_OK);
	ck_assert_str_eq(n.nick, "alice");
	login(st, 1, &n);
	ck_assert_str_eq(n.nick, "alice");
	ck_assert_int_eq(store_node_get(st, K(2), &n), STORE_OK);
	ck_assert_str_eq(n.nick, "0123456789abcdef0123456789abcdef");

	ck_assert_int_eq(store_node_count(st, &c), STORE_OK);
	ck_assert_uint_eq(c, 2);
	ck_assert_int_eq(store_node_foreach(st, count_nodes, &calls), 0);
	ck_assert_int_eq(calls, 2);
	calls = 0;
	ck_assert_int_eq(store_node_foreach(st, stop_at_first, &calls), 0);
	ck_assert_int_eq(calls, 1);
	store_close(st);
}
END_TEST

/*
 * Networks.
 */

static void
fill_net(struct store_net *n, int id, const char *name, int owner)
{
	memset(n, 0, sizeof(*n));
	memcpy(n->id, NID(id), sizeof(n->id));
	(void)strlcpy(n->name, name, sizeof(n->name));
	(void)strlcpy(n->pwhash, "$argon2id$x", sizeof(n->pwhash));
	n->type = HUB_TYPE_MESH;
	n->mode = HUB_MODE_AUTO;
	memcpy(n->owner, K(owner), sizeof(n->owner));
	n->created = 77;
}

START_TEST(test_net_create)
{
	struct store		*st;
	struct store_net	 n, a, b;
	struct store_member	 m;
	uint32_t		 act, pend, c;

	st = opendb();
	login(st, 1, NULL);
	fill_net(&n, 1, "home", 1);
	n.type = HUB_TYPE_HUBSPOKE;
	n.mode = HUB_MODE_APPROVAL;
	n.limit = 10;
	ck_assert_int_eq(store_net_create(st, &n), STORE_OK);
	ck_assert_int_eq(store_net_by_name(st, "home", &a), STORE_OK);
	ck_assert_mem_eq(&a, &n, sizeof(a));
	ck_assert_int_eq(store_net_by_id(st, NID(1), &b), STORE_OK);
	ck_assert_mem_eq(&b, &n, sizeof(b));
	ck_assert_int_eq(store_net_by_name(st, "nope", &a), STORE_NOTFOUND);
	ck_assert_int_eq(store_net_by_id(st, NID(2), &a), STORE_NOTFOUND);

	/* The owner is its first active member. */
	ck_assert_int_eq(store_member_get(st, NID(1), K(1), &m), STORE_OK);
	ck_assert_mem_eq(m.netid, NID(1), 16);
	ck_assert_mem_eq(m.key, K(1), 32);
	ck_assert_int_eq(m.role, HUB_ROLE_OWNER);
	ck_assert_int_eq(m.state, HUB_MSTATE_ACTIVE);
	ck_assert_int_eq(m.since, 77);
	ck_assert_int_eq(store_net_counts(st, NID(1), &act, &pend), STORE_OK);
	ck_assert_uint_eq(act, 1);
	ck_assert_uint_eq(pend, 0);
	ck_assert_int_eq(store_net_counts(st, NID(2), &act, &pend),
	    STORE_NOTFOUND);

	/* Names are one namespace whatever their case; IDs unique. */
	fill_net(&a, 2, "home", 1);
	ck_assert_int_eq(store_net_create(st, &a), STORE_EXISTS);
	fill_net(&a, 2, "HoMe", 1);
	ck_assert_int_eq(store_net_create(st, &a), STORE_EXISTS);
	ck_assert_int_eq(store_net_by_name(st, "HOME", &b), STORE_OK);
	ck_assert_mem_eq(b.id, NID(1), 16);
	fill_net(&a, 1, "other", 1);
	ck_assert_int_eq(store_net_create(st, &a), STORE_EXISTS);
	ck_assert_int_eq(store_net_by_name(st, "other", &b), STORE_NOTFOUND);

	/* Bad fields. */
	fill_net(&a, 3, "", 1);
	ck_assert_int_eq(store_net_create(st, &a), STORE_ERR);
	fill_net(&a, 3, "x", 1);
	a.type = HUB_TYPE_MAX;
	ck_assert_int_eq(store_net_create(st, &a), STORE_ERR);
	fill_net(&a, 3, "x", 1);
	a.mode = HUB_MODE_MAX;
	ck_assert_int_eq(store_net_create(st, &a), STORE_ERR);
	fill_net(&a, 3, "x", 1);
	memset(a.pwhash, 'p', sizeof(a.pwhash));
	ck_assert_int_eq(store_net_create(st, &a), STORE_ERR);
	/* 63 bytes is the longest name. */
	fill_net(&a, 3, "", 1);
	memset(a.name, 'n', sizeof(a.name) - 1);
	ck_assert_int_eq(store_net_create(st, &a), STORE_OK);
	ck_assert_int_eq(store_net_count(st, &c), STORE_OK);
	ck_assert_uint_eq(c, 2);
	store_close(st);
}
END_TEST

START_TEST(test_net_update)
{
	struct store		*st;
	struct store_net	 n, u, got;

	st = opendb();
	fill_net(&n, 1, "lab", 1);
	ck_assert_int_eq(store_net_create(st, &n), STORE_OK);
	u = n;
	(void)strlcpy(u.pwhash, "$argon2id$new", sizeof(u.pwhash));
	u.mode = HUB_MODE_CLOSED;
	u.limit = 5;
	u.bcast = 1;
	/* These stay as they are. */
	(void)strlcpy(u.name, "renamed", sizeof(u.name));
	u.type = HUB_TYPE_HUBSPOKE;
	memcpy(u.owner, K(9), 32);
	u.created = 1;
	ck_assert_int_eq(store_net_update(st, &u), STORE_OK);
	ck_assert_int_eq(store_net_by_id(st, NID(1), &got), STORE_OK);
	ck_assert_str_eq(got.pwhash, "$argon2id$new");
	ck_assert_int_eq(got.mode, HUB_MODE_CLOSED);
	ck_assert_uint_eq(got.limit, 5);
	ck_assert_int_eq(got.bcast, 1);
	u.bcast = 0;
	ck_assert_int_eq(store_net_update(st, &u), STORE_OK);
	ck_assert_int_eq(store_net_by_id(st, NID(1), &got), STORE_OK);
	ck_assert_int_eq(got.bcast, 0);
	u.bcast = 2;
	ck_assert_int_eq(store_net_update(st, &u), STORE_ERR);
	u.bcast = 1;
	ck_assert_str_eq(got.name, "lab");
	ck_assert_int_eq(got.type, HUB_TYPE_MESH);
	ck_assert_mem_eq(got.owner, K(1), 32);
	ck_assert_int_eq(got.created, 77);
	memcpy(u.id, NID(2), 16);
	ck_assert_int_eq(store_net_update(st, &u), STORE_NOTFOUND);
	store_close(st);
}
END_TEST

START_TEST(test_net_delete)
{
	struct store		*st;
	struct store_member	 m;

	st = opendb();
	mknet(st, 1, "doomed", HUB_TYPE_MESH, HUB_MODE_AUTO, 0, 1);
	mknet(st, 2, "kept", HUB_TYPE_MESH, HUB_MODE_AUTO, 0, 1);
	join(st, 1, 2, HUB_MSTATE_ACTIVE);
	join(st, 1, 3, HUB_MSTATE_PENDING);
	join(st, 1, 4, HUB_MSTATE_ACTIVE);
	ck_assert_int_eq(store_member_set_state(st, NID(1), K(4),
	    HUB_MSTATE_ACTIVE, HUB_MSTATE_BANNED, 5), STORE_OK);
	ck_assert_int_eq(store_invite_add(st, NID(1), K(5), 5), STORE_OK);
	join(st, 2, 2, HUB_MSTATE_ACTIVE);
	ck_assert_int_eq(store_invite_add(st, NID(2), K(5), 5), STORE_OK);

	ck_assert_int_eq(store_net_delete(st, NID(1)), STORE_OK);
	ck_assert_int_eq(store_net_by_id(st, NID(1), NULL), STORE_NOTFOUND);
	ck_assert_int_eq(store_net_by_name(st, "doomed", NULL),
	    STORE_NOTFOUND);
	ck_assert_int_eq(store_member_get(st, NID(1), K(1), &m),
	    STORE_NOTFOUND);
	ck_assert_int_eq(store_member_get(st, NID(1), K(4), &m),
	    STORE_NOTFOUND);
	ck_assert_int_eq(store_member_join_invited(st, NID(1), K(5), 6),
	    STORE_NOTFOUND);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM members WHERE net = ?1",
	    NID(1)), 0);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM invites WHERE net = ?1",
	    NID(1)), 0);
	ck_assert_int_eq(store_net_delete(st, NID(1)), STORE_NOTFOUND);

	/* The other network is whole. */
	ck_assert_int_eq(member_state(st, 2, 2), HUB_MSTATE_ACTIVE);
	ck_assert_int_eq(store_member_join_invited(st, NID(2), K(5), 6),
	    STORE_OK);
	store_close(st);
	assert_integrity();
}
END_TEST

START_TEST(test_net_transfer)
{
	struct store		*st;
	struct store_net	 n;

	st = opendb();
	mknet(st, 1, "shop", HUB_TYPE_MESH, HUB_MODE_AUTO, 0, 1);
	join(st, 1, 2, HUB_MSTATE_ACTIVE);
	join(st, 1, 3, HUB_MSTATE_PENDING);
	ck_assert_int_eq(store_net_transfer(st, NID(1), K(9)),
	    STORE_NOTFOUND);
	ck_assert_int_eq(store_net_transfer(st, NID(1), K(3)),
	    STORE_NOTFOUND);
	ck_assert_int_eq(store_net_transfer(st, NID(5), K(2)),
	    STORE_NOTFOUND);
	ck_assert_int_eq(member_role(st, 1, 1), HUB_ROLE_OWNER);

	ck_assert_int_eq(store_net_transfer(st, NID(1), K(2)), STORE_OK);
	ck_assert_int_eq(store_net_by_id(st, NID(1), &n), STORE_OK);
	ck_assert_mem_eq(n.owner, K(2), 32);
	ck_assert_int_eq(member_role(st, 1, 2), HUB_ROLE_OWNER);
	ck_assert_int_eq(member_role(st, 1, 1), HUB_ROLE_ADMIN);
	ck_assert_int_eq(member_state(st, 1, 1), HUB_MSTATE_ACTIVE);
	/* Once more is no change. */
	ck_assert_int_eq(store_net_transfer(st, NID(1), K(2)), STORE_OK);
	ck_assert_int_eq(member_role(st, 1, 1), HUB_ROLE_ADMIN);

	/* The protections moved with it. */
	ck_assert_int_eq(store_member_remove(st, NID(1), K(2)), STORE_DENIED);
	ck_assert_int_eq(store_member_set_state(st, NID(1), K(2),
	    HUB_MSTATE_ACTIVE, HUB_MSTATE_BANNED, 9), STORE_DENIED);
	ck_assert_int_eq(store_member_set_state(st, NID(1), K(1),
	    HUB_MSTATE_ACTIVE, HUB_MSTATE_BANNED, 9), STORE_OK);
	ck_assert_int_eq(member_role(st, 1, 1), HUB_ROLE_MEMBER);
	store_close(st);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM members WHERE"
	    " net = ?1 AND role = 2", NID(1)), 1);
}
END_TEST

static int
collect_nets(void *arg, const struct store_net *n)
{
	char	*out = arg;

	(void)strlcat(out, n->name, 128);
	(void)strlcat(out, " ", 128);
	return 0;
}

START_TEST(test_net_foreach)
{
	struct store	*st;
	char		 names[128] = "";
	uint32_t	 c;

	st = opendb();
	ck_assert_int_eq(store_net_count(st, &c), STORE_OK);
	ck_assert_uint_eq(c, 0);
	mknet(st, 1, "zulu", HUB_TYPE_MESH, HUB_MODE_AUTO, 0, 1);
	mknet(st, 2, "alpha", HUB_TYPE_MESH, HUB_MODE_AUTO, 0, 1);
	mknet(st, 3, "mike", HUB_TYPE_MESH, HUB_MODE_AUTO, 0, 2);
	ck_assert_int_eq(store_net_foreach(st, collect_nets, names), 0);
	ck_assert_str_eq(names, "alpha mike zulu ");
	ck_assert_int_eq(store_net_count(st, &c), STORE_OK);
	ck_assert_uint_eq(c, 3);
	store_close(st);
}
END_TEST

/*
 * Members.
 */

START_TEST(test_member_join)
{
	struct store		*st;
	struct store_member	 m;
	uint32_t		 act, pend;

	st = opendb();
	mknet(st, 1, "net", HUB_TYPE_MESH, HUB_MODE_AUTO, 0, 1);
	ck_assert_int_eq(store_member_join(st, NID(1), K(2),
	    HUB_MSTATE_ACTIVE, 10), STORE_OK);
	ck_assert_int_eq(store_member_get(st, NID(1), K(2), &m), STORE_OK);
	ck_assert_int_eq(m.state, HUB_MSTATE_ACTIVE);
	ck_assert_int_eq(m.role, HUB_ROLE_MEMBER);
	ck_assert_int_eq(m.since, 10);
	ck_assert_int_eq(store_member_join(st, NID(1), K(2),
	    HUB_MSTATE_ACTIVE, 11), STORE_EXISTS);
	ck_assert_int_eq(store_member_join(st, NID(1), K(2),
	    HUB_MSTATE_PENDING, 11), STORE_EXISTS);
	ck_assert_int_eq(store_member_join(st, NID(1), K(1),
	    HUB_MSTATE_PENDING, 11), STORE_EXISTS);

	ck_assert_int_eq(store_member_join(st, NID(1), K(3),
	    HUB_MSTATE_PENDING, 12), STORE_OK);
	ck_assert_int_eq(store_member_join(st, NID(1), K(3),
	    HUB_MSTATE_PENDING, 13), STORE_EXISTS);
	ck_assert_int_eq(store_net_counts(st, NID(1), &act, &pend), 0);
	ck_assert_uint_eq(act, 2);
	ck_assert_uint_eq(pend, 1);
	/* A pending member the password now admits. */
	ck_assert_int_eq(store_member_join(st, NID(1), K(3),
	    HUB_MSTATE_ACTIVE, 14), STORE_OK);
	ck_assert_int_eq(store_member_get(st, NID(1), K(3), &m), STORE_OK);
	ck_assert_int_eq(m.state, HUB_MSTATE_ACTIVE);
	ck_assert_int_eq(m.since, 14);

	ck_assert_int_eq(store_member_join(st, NID(2), K(3),
	    HUB_MSTATE_ACTIVE, 14), STORE_NOTFOUND);
	ck_assert_int_eq(store_member_join(st, NID(1), K(4),
	    HUB_MSTATE_BANNED, 14), STORE_ERR);
	ck_assert_int_eq(store_member_get(st, NID(1), K(4), &m),
	    STORE_NOTFOUND);
	store_close(st);
}
END_TEST

START_TEST(test_member_limit)
{
	struct store		*st;
	struct store_net	 n;
	struct store_member	 m;
	uint32_t		 act, pend;

	st = opendb();
	mknet(st, 1, "small", HUB_TYPE_MESH, HUB_MODE_AUTO, 3, 1);
	join(st, 1, 2, HUB_MSTATE_ACTIVE);
	join(st, 1, 3, HUB_MSTATE_ACTIVE);
	ck_assert_int_eq(store_member_join(st, NID(1), K(4),
	    HUB_MSTATE_ACTIVE, 5), STORE_FULL);
	ck_assert_int_eq(store_member_get(st, NID(1), K(4), &m),
	    STORE_NOTFOUND);
	/* Waiting costs no place. */
	join(st, 1, 4, HUB_MSTATE_PENDING);
	ck_assert_int_eq(store_member_set_state(st, NID(1), K(4),
	    HUB_MSTATE_PENDING, HUB_MSTATE_ACTIVE, 6), STORE_FULL);
	ck_assert_int_eq(store_member_join(st, NID(1), K(4),
	    HUB_MSTATE_ACTIVE, 6), STORE_FULL);
	ck_assert_int_eq(member_state(st, 1, 4), HUB_MSTATE_PENDING);
	ck_assert_int_eq(store_net_counts(st, NID(1), &act, &pend), 0);
	ck_assert_uint_eq(act, 3);
	ck_assert_uint_eq(pend, 1);

	/* A place freed is a place. */
	ck_assert_int_eq(store_member_remove(st, NID(1), K(3)), STORE_OK);
	ck_assert_int_eq(store_member_set_state(st, NID(1), K(4),
	    HUB_MSTATE_PENDING, HUB_MSTATE_ACTIVE, 7), STORE_OK);
	ck_assert_int_eq(store_member_join(st, NID(1), K(3),
	    HUB_MSTATE_ACTIVE, 8), STORE_FULL);

	/* Lowered under the count: members stay, nobody new comes in. */
	ck_assert_int_eq(store_net_by_id(st, NID(1), &n), STORE_OK);
	n.limit = 1;
	ck_assert_int_eq(store_net_update(st, &n), STORE_OK);
	ck_assert_int_eq(member_state(st, 1, 4), HUB_MSTATE_ACTIVE);
	ck_assert_int_eq(store_member_join(st, NID(1), K(3),
	    HUB_MSTATE_ACTIVE, 8), STORE_FULL);
	n.limit = 0;
	ck_assert_int_eq(store_net_update(st, &n), STORE_OK);
	join(st, 1, 3, HUB_MSTATE_ACTIVE);
	ck_assert_int_eq(store_net_counts(st, NID(1), &act, &pend), 0);
	ck_assert_uint_eq(act, 4);
	store_close(st);
}
END_TEST

START_TEST(test_member_ban)
{
	struct store		*st;
	struct store_member	 m;

	st = opendb();
	mknet(st, 1, "net", HUB_TYPE_MESH, HUB_MODE_APPROVAL, 0, 1);
	join(st, 1, 2, HUB_MSTATE_ACTIVE);
	ck_assert_int_eq(store_member_set_role(st, NID(1), K(2),
	    HUB_ROLE_ADMIN), STORE_OK);
	ck_assert_int_eq(store_member_set_state(st, NID(1), K(2),
	    HUB_MSTATE_ACTIVE, HUB_MSTATE_BANNED, 20), STORE_OK);
	ck_assert_int_eq(store_member_get(st, NID(1), K(2), &m), STORE_OK);
	ck_assert_int_eq(m.state, HUB_MSTATE_BANNED);
	ck_assert_int_eq(m.role, HUB_ROLE_MEMBER);
	ck_assert_int_eq(m.since, 20);
	ck_assert_int_eq(store_member_join(st, NID(1), K(2),
	    HUB_MSTATE_ACTIVE, 21), STORE_BANNED);
	ck_assert_int_eq(store_member_join(st, NID(1), K(2),
	    HUB_MSTATE_PENDING, 21), STORE_BANNED);

	/* Compare-and-set: only from the state named. */
	ck_assert_int_eq(store_member_set_state(st, NID(1), K(2),
	    HUB_MSTATE_ACTIVE, HUB_MSTATE_BANNED, 22), STORE_NOTFOUND);
	ck_assert_int_eq(store_member_set_state(st, NID(1), K(2),
	    HUB_MSTATE_PENDING, HUB_MSTATE_ACTIVE, 22), STORE_NOTFOUND);
	ck_assert_int_eq(store_member_set_state(st, NID(1), K(7),
	    HUB_MSTATE_PENDING, HUB_MSTATE_ACTIVE, 22), STORE_NOTFOUND);
	ck_assert_int_eq(store_member_set_state(st, NID(1), K(2),
	    HUB_MSTATE_MAX, HUB_MSTATE_ACTIVE, 22), STORE_ERR);
	ck_assert_int_eq(member_state(st, 1, 2), HUB_MSTATE_BANNED);
	/* The owner lifts the ban. */
	ck_assert_int_eq(store_member_set_state(st, NID(1), K(2),
	    HUB_MSTATE_BANNED, HUB_MSTATE_ACTIVE, 23), STORE_OK);
	ck_assert_int_eq(store_member_get(st, NID(1), K(2), &m), STORE_OK);
	ck_assert_int_eq(m.state, HUB_MSTATE_ACTIVE);
	ck_assert_int_eq(m.role, HUB_ROLE_MEMBER);

	/* Approve, and the owner beyond reach. */
	join(st, 1, 3, HUB_MSTATE_PENDING);
	ck_assert_int_eq(store_member_set_state(st, NID(1), K(3),
	    HUB_MSTATE_PENDING, HUB_MSTATE_ACTIVE, 24), STORE_OK);
	ck_assert_int_eq(member_state(st, 1, 3), HUB_MSTATE_ACTIVE);
	ck_assert_int_eq(store_member_set_state(st, NID(1), K(1),
	    HUB_MSTATE_ACTIVE, HUB_MSTATE_BANNED, 25), STORE_DENIED);
	ck_assert_int_eq(store_member_set_state(st, NID(1), K(1),
	    HUB_MSTATE_ACTIVE, HUB_MSTATE_PENDING, 25), STORE_DENIED);
	ck_assert_int_eq(member_state(st, 1, 1), HUB_MSTATE_ACTIVE);
	ck_assert_int_eq(member_role(st, 1, 1), HUB_ROLE_OWNER);
	store_close(st);
}
END_TEST

START_TEST(test_member_invite)
{
	struct store		*st;
	struct store_net	 n;
	struct store_member	 m;

	st = opendb();
	mknet(st, 1, "club", HUB_TYPE_MESH, HUB_MODE_CLOSED, 0, 1);
	ck_assert_int_eq(store_invite_add(st, NID(1), K(5), 1), STORE_OK);
	ck_assert_int_eq(store_invite_add(st, NID(1), K(5), 1), STORE_EXISTS);
	ck_assert_int_eq(store_invite_add(st, NID(9), K(5), 1),
	    STORE_NOTFOUND);
	ck_assert_int_eq(store_invite_add(st, NID(1), K(1), 1), STORE_EXISTS);
	ck_assert_int_eq(store_member_join_invited(st, NID(1), K(6), 2),
	    STORE_NOTFOUND);
	ck_assert_int_eq(store_member_join_invited(st, NID(1), K(5), 2),
	    STORE_OK);
	ck_assert_int_eq(store_member_get(st, NID(1), K(5), &m), STORE_OK);
	ck_assert_int_eq(m.state, HUB_MSTATE_ACTIVE);
	ck_assert_int_eq(m.role, HUB_ROLE_MEMBER);
	ck_assert_int_eq(m.since, 2);
	/* Single use. */
	ck_assert_int_eq(store_member_join_invited(st, NID(1), K(5), 3),
	    STORE_NOTFOUND);

	/* A new invitation is a new approval: it lifts a ban. */
	ck_assert_int_eq(store_member_set_state(st, NID(1), K(5),
	    HUB_MSTATE_ACTIVE, HUB_MSTATE_BANNED, 4), STORE_OK);
	ck_assert_int_eq(store_invite_add(st, NID(1), K(5), 5), STORE_OK);
	ck_assert_int_eq(store_member_join_invited(st, NID(1), K(5), 6),
	    STORE_OK);
	ck_assert_int_eq(member_state(st, 1, 5), HUB_MSTATE_ACTIVE);
	/* It also admits a pending member. */
	join(st, 1, 8, HUB_MSTATE_PENDING);
	ck_assert_int_eq(store_invite_add(st, NID(1), K(8), 5), STORE_OK);
	ck_assert_int_eq(store_member_join_invited(st, NID(1), K(8), 6),
	    STORE_OK);
	ck_assert_int_eq(member_state(st, 1, 8), HUB_MSTATE_ACTIVE);

	/* But a ban withdraws an invitation given before it. */
	ck_assert_int_eq(store_invite_add(st, NID(1), K(7), 7), STORE_OK);
	join(st, 1, 7, HUB_MSTATE_PENDING);
	ck_assert_int_eq(store_member_set_state(st, NID(1), K(7),
	    HUB_MSTATE_PENDING, HUB_MSTATE_BANNED, 8), STORE_OK);
	ck_assert_int_eq(store_member_join_invited(st, NID(1), K(7), 9),
	    STORE_NOTFOUND);
	ck_assert_int_eq(member_state(st, 1, 7), HUB_MSTATE_BANNED);

	/* At the limit the invitation waits for a place. */
	ck_assert_int_eq(store_net_by_id(st, NID(1), &n), STORE_OK);
	n.limit = 3;
	ck_assert_int_eq(store_net_update(st, &n), STORE_OK);
	ck_assert_int_eq(store_invite_add(st, NID(1), K(6), 10), STORE_OK);
	ck_assert_int_eq(store_member_join_invited(st, NID(1), K(6), 11),
	    STORE_FULL);
	ck_assert_int_eq(store_member_get(st, NID(1), K(6), &m),
	    STORE_NOTFOUND);
	ck_assert_int_eq(store_invite_add(st, NID(1), K(6), 10), STORE_EXISTS);
	n.limit = 4;
	ck_assert_int_eq(store_net_update(st, &n), STORE_OK);
	ck_assert_int_eq(store_member_join_invited(st, NID(1), K(6), 12),
	    STORE_OK);
	ck_assert_int_eq(member_state(st, 1, 6), HUB_MSTATE_ACTIVE);
	store_close(st);
}
END_TEST

START_TEST(test_member_remove)
{
	struct store		*st;
	struct store_member	 m;

	st = opendb();
	mknet(st, 1, "net", HUB_TYPE_MESH, HUB_MODE_APPROVAL, 0, 1);
	join(st, 1, 2, HUB_MSTATE_ACTIVE);
	join(st, 1, 3, HUB_MSTATE_PENDING);
	join(st, 1, 4, HUB_MSTATE_ACTIVE);
	ck_assert_int_eq(store_member_set_state(st, NID(1), K(4),
	    HUB_MSTATE_ACTIVE, HUB_MSTATE_BANNED, 5), STORE_OK);

	ck_assert_int_eq(store_member_remove(st, NID(1), K(2)), STORE_OK);
	ck_assert_int_eq(store_member_get(st, NID(1), K(2), &m),
	    STORE_NOTFOUND);
	ck_assert_int_eq(store_member_remove(st, NID(1), K(2)),
	    STORE_NOTFOUND);
	ck_assert_int_eq(store_member_remove(st, NID(1), K(3)), STORE_OK);
	/* Leaving must not be a way around a ban. */
	ck_assert_int_eq(store_member_remove(st, NID(1), K(4)), STORE_BANNED);
	ck_assert_int_eq(member_state(st, 1, 4), HUB_MSTATE_BANNED);
	ck_assert_int_eq(store_member_remove(st, NID(1), K(1)), STORE_DENIED);
	ck_assert_int_eq(member_role(st, 1, 1), HUB_ROLE_OWNER);
	/* Back by the ordinary way. */
	join(st, 1, 2, HUB_MSTATE_PENDING);
	store_close(st);
}
END_TEST

START_TEST(test_member_roles)
{
	struct store	*st;

	st = opendb();
	mknet(st, 1, "net", HUB_TYPE_MESH, HUB_MODE_APPROVAL, 0, 1);
	join(st, 1, 2, HUB_MSTATE_ACTIVE);
	join(st, 1, 3, HUB_MSTATE_PENDING);
	ck_assert_int_eq(store_member_set_role(st, NID(1), K(2),
	    HUB_ROLE_ADMIN), STORE_OK);
	ck_assert_int_eq(member_role(st, 1, 2), HUB_ROLE_ADMIN);
	ck_assert_int_eq(store_member_set_role(st, NID(1), K(2),
	    HUB_ROLE_MEMBER), STORE_OK);
	ck_assert_int_eq(member_role(st, 1, 2), HUB_ROLE_MEMBER);
	ck_assert_int_eq(store_member_set_role(st, NID(1), K(2),
	    HUB_ROLE_OWNER), STORE_DENIED);
	ck_assert_int_eq(store_member_set_role(st, NID(1), K(1),
	    HUB_ROLE_MEMBER), STORE_DENIED);
	ck_assert_int_eq(store_member_set_role(st, NID(1), K(3),
	    HUB_ROLE_ADMIN), STORE_NOTFOUND);
	ck_assert_int_eq(store_member_set_role(st, NID(1), K(9),
	    HUB_ROLE_ADMIN), STORE_NOTFOUND);
	ck_assert_int_eq(store_member_set_role(st, NID(1), K(2), 7),
	    STORE_ERR);
	ck_assert_int_eq(member_role(st, 1, 1), HUB_ROLE_OWNER);
	ck_assert_int_eq(member_role(st, 1, 2), HUB_ROLE_MEMBER);
	ck_assert_int_eq(member_role(st, 1, 3), HUB_ROLE_MEMBER);
	store_close(st);
}
END_TEST

struct rows {
	int	 n;
	int	 idx[64];
	int	 state[64];
	int	 role[64];
	char	 names[128];
};

static int
member_rows(void *arg, const struct store_member *m)
{
	struct rows	*r = arg;

	r->idx[r->n] = m->key[0] << 8 | m->key[1];
	r->state[r->n] = m->state;
	r->role[r->n] = m->role;
	r->n++;
	return 0;
}

static int
node_net_rows(void *arg, const struct store_net *n,
    const struct store_member *m)
{
	struct rows	*r = arg;

	ck_assert_mem_eq(n->id, m->netid, 16);
	r->state[r->n] = m->state;
	r->role[r->n] = m->role;
	r->n++;
	(void)strlcat(r->names, n->name, sizeof(r->names));
	(void)strlcat(r->names, " ", sizeof(r->names));
	return 0;
}

START_TEST(test_member_lists)
{
	struct store	*st;
	struct rows	 r;

	st = opendb();
	mknet(st, 1, "beta", HUB_TYPE_MESH, HUB_MODE_APPROVAL, 0, 1);
	mknet(st, 2, "alpha", HUB_TYPE_MESH, HUB_MODE_APPROVAL, 0, 3);
	mknet(st, 3, "gamma", HUB_TYPE_MESH, HUB_MODE_APPROVAL, 0, 3);
	join(st, 1, 4, HUB_MSTATE_PENDING);
	join(st, 1, 2, HUB_MSTATE_ACTIVE);
	join(st, 1, 5, HUB_MSTATE_ACTIVE);
	ck_assert_int_eq(store_member_set_state(st, NID(1), K(5),
	    HUB_MSTATE_ACTIVE, HUB_MSTATE_BANNED, 3000), STORE_OK);
	join(st, 2, 2, HUB_MSTATE_PENDING);

	/* Active (the owner first), then pending, then banned. */
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(store_member_foreach(st, NID(1), member_rows, &r), 0);
	ck_assert_int_eq(r.n, 4);
	ck_assert_int_eq(r.idx[0], 1);
	ck_assert_int_eq(r.role[0], HUB_ROLE_OWNER);
	ck_assert_int_eq(r.idx[1], 2);
	ck_assert_int_eq(r.idx[2], 4);
	ck_assert_int_eq(r.state[2], HUB_MSTATE_PENDING);
	ck_assert_int_eq(r.idx[3], 5);
	ck_assert_int_eq(r.state[3], HUB_MSTATE_BANNED);
	ck_assert_int_eq(store_member_foreach(st, NID(9), member_rows, &r),
	    STORE_NOTFOUND);

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(store_node_networks(st, K(2), node_net_rows, &r), 0);
	ck_assert_int_eq(r.n, 2);
	ck_assert_str_eq(r.names, "alpha beta ");
	ck_assert_int_eq(r.state[0], HUB_MSTATE_PENDING);
	ck_assert_int_eq(r.state[1], HUB_MSTATE_ACTIVE);
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(store_node_networks(st, K(3), node_net_rows, &r), 0);
	ck_assert_str_eq(r.names, "alpha gamma ");
	ck_assert_int_eq(r.role[0], HUB_ROLE_OWNER);
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(store_node_networks(st, K(5), node_net_rows, &r), 0);
	ck_assert_int_eq(r.n, 1);
	ck_assert_int_eq(r.state[0], HUB_MSTATE_BANNED);
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(store_node_networks(st, K(9), node_net_rows, &r), 0);
	ck_assert_int_eq(r.n, 0);
	store_close(st);
}
END_TEST

/*
 * Peers.
 */

static int
peer_rows(void *arg, const uint8_t *peer)
{
	struct rows	*r = arg;

	ck_assert_int_lt(r->n, 64);
	r->idx[r->n++] = peer[0] << 8 | peer[1];
	return 0;
}

/* The peers of who are exactly the list, each once (ends with -1). */
static void
peers_are(struct store *st, int who, ...)
{
	struct rows	 r;
	va_list		 ap;
	int		 i, want, n = 0;

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(store_peers_of(st, K(who), peer_rows, &r), STORE_OK);
	va_start(ap, who);
	while ((want = va_arg(ap, int)) != -1) {
		/* Sorted by key, and keys sort by index. */
		ck_assert_msg(n < r.n && r.idx[n] == want,
		    "peers of %d: #%d is %d, want %d", who, n,
		    n < r.n ? r.idx[n] : -1, want);
		ck_assert_int_eq(store_are_peers(st, K(who), K(want)), 1);
		ck_assert_int_eq(store_are_peers(st, K(want), K(who)), 1);
		n++;
	}
	va_end(ap);
	ck_assert_msg(r.n == n, "peers of %d: %d, want %d", who, r.n, n);
	for (i = 1; i < r.n; i++)
		ck_assert_int_lt(r.idx[i - 1], r.idx[i]);
}

static int
flag_rows(void *arg, const uint8_t *peer, uint8_t flags)
{
	struct rows	*r = arg;

	ck_assert_int_lt(r->n, 64);
	r->state[r->n] = flags;
	r->idx[r->n++] = peer[0] << 8 | peer[1];
	return 0;
}

/*
 * The peers of who whose networks' flags have bit (ends with -1); every
 * peer is listed once, in order, with its flags.
 */
static void
flagged_peers_are(struct store *st, int who, int bit, ...)
{
	struct rows	 all, r;
	va_list		 ap;
	int		 want, n = 0, i;

	memset(&all, 0, sizeof(all));
	ck_assert_int_eq(store_peer_flags(st, K(who), flag_rows, &all),
	    STORE_OK);
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(store_peers_of(st, K(who), peer_rows, &r),
	    STORE_OK);
	ck_assert_int_eq(all.n, r.n);
	memset(&r, 0, sizeof(r));
	for (i = 0; i < all.n; i++) {
		ck_assert(i == 0 || all.idx[i - 1] < all.idx[i]);
		if (all.state[i] & bit)
			r.idx[r.n++] = all.idx[i];
	}
	va_start(ap, bit);
	while ((want = va_arg(ap, int)) != -1) {
		ck_assert_msg(n < r.n && r.idx[n] == want,
		    "LAN peers of %d: #%d is %d, want %d", who, n,
		    n < r.n ? r.idx[n] : -1, want);
		n++;
	}
	va_end(ap);
	ck_assert_msg(r.n == n, "LAN peers of %d: %d, want %d", who, r.n, n);
}

#define lan_peers_are(st, who, ...) \
	flagged_peers_are(st, who, HUB_NET_BROADCAST, __VA_ARGS__)
#define eth_peers_are(st, who, ...) \
	flagged_peers_are(st, who, HUB_NET_ETHERNET, __VA_ARGS__)

static void
mknet_eth(struct store *st, int id, const char *name, int owner)
{
	struct store_net	 n;

	memset(&n, 0, sizeof(n));
	memcpy(n.id, NID(id), sizeof(n.id));
	(void)strlcpy(n.name, name, sizeof(n.name));
	(void)strlcpy(n.pwhash, "$argon2id$x", sizeof(n.pwhash));
	memcpy(n.owner, K(owner), sizeof(n.owner));
	n.bcast = 1;
	n.eth = 1;
	ck_assert_int_eq(store_net_create(st, &n), STORE_OK);
	ck_assert_int_eq(store_net_by_id(st, NID(id), &n), STORE_OK);
	ck_assert(n.eth == 1 && n.bcast == 1);
}

static void
set_bcast(struct store *st, int id, int on)
{
	struct store_net	 n;

	ck_assert_int_eq(store_net_by_id(st, NID(id), &n), STORE_OK);
	n.bcast = (uint8_t)on;
	ck_assert_int_eq(store_net_update(st, &n), STORE_OK);
}

START_TEST(test_peers_lan)
{
	struct store	*st;

	st = opendb();
	/* mesh 1: 1, 2, 3 with broadcast; mesh 2: 1, 4 without */
	mknet(st, 1, "games", HUB_TYPE_MESH, HUB_MODE_AUTO, 0, 1);
	set_bcast(st, 1, 1);
	join(st, 1, 2, HUB_MSTATE_ACTIVE);
	join(st, 1, 3, HUB_MSTATE_ACTIVE);
	join(st, 1, 5, HUB_MSTATE_PENDING);
	mknet(st, 2, "office", HUB_TYPE_MESH, HUB_MODE_AUTO, 0, 1);
	join(st, 2, 4, HUB_MSTATE_ACTIVE);
	join(st, 2, 2, HUB_MSTATE_ACTIVE);
	/* hub-and-spoke 3 with broadcast: spokes 11, 12 see hub 10 only */
	mknet(st, 3, "star", HUB_TYPE_HUBSPOKE, HUB_MODE_AUTO, 0, 10);
	set_bcast(st, 3, 1);
	join(st, 3, 11, HUB_MSTATE_ACTIVE);
	join(st, 3, 12, HUB_MSTATE_ACTIVE);

	lan_peers_are(st, 1, 2, 3, -1);
	lan_peers_are(st, 2, 1, 3, -1);		/* 4 through office only */
	lan_peers_are(st, 4, -1);
	lan_peers_are(st, 5, -1);
	lan_peers_are(st, 11, 10, -1);
	lan_peers_are(st, 10, 11, 12, -1);
	/* Either network with broadcast on is enough. */
	set_bcast(st, 2, 1);
	lan_peers_are(st, 4, 1, 2, -1);
	set_bcast(st, 1, 0);
	lan_peers_are(st, 1, 2, 4, -1);
	lan_peers_are(st, 3, -1);
	eth_peers_are(st, 1, -1);
	/* An Ethernet network (4): 2 and 3 share it, and 3 with 6. */
	mknet_eth(st, 4, "lanparty", 2);
	join(st, 4, 3, HUB_MSTATE_ACTIVE);
	join(st, 4, 6, HUB_MSTATE_ACTIVE);
	eth_peers_are(st, 2, 3, 6, -1);
	eth_peers_are(st, 3, 2, 6, -1);
	eth_peers_are(st, 1, -1);
	lan_peers_are(st, 6, 2, 3, -1);	/* broadcast on by default */
	store_close(st);
}
END_TEST

START_TEST(test_peers_mesh)
{
	struct store	*st;

	st = opendb();
	mknet(st, 1, "mesh", HUB_TYPE_MESH, HUB_MODE_APPROVAL, 0, 1);
	join(st, 1, 2, HUB_MSTATE_ACTIVE);
	join(st, 1, 3, HUB_MSTATE_ACTIVE);
	join(st, 1, 4, HUB_MSTATE_PENDING);
	join(st, 1, 5, HUB_MSTATE_ACTIVE);
	ck_assert_int_eq(store_member_set_state(st, NID(1), K(5),
	    HUB_MSTATE_ACTIVE, HUB_MSTATE_BANNED, 1), STORE_OK);

	peers_are(st, 1, 2, 3, -1);
	peers_are(st, 2, 1, 3, -1);
	peers_are(st, 3, 1, 2, -1);
	peers_are(st, 4, -1);
	peers_are(st, 5, -1);
	peers_are(st, 9, -1);
	ck_assert_int_eq(store_are_peers(st, K(2), K(4)), 0);
	ck_assert_int_eq(store_are_peers(st, K(4), K(2)), 0);
	ck_assert_int_eq(store_are_peers(st, K(2), K(5)), 0);
	ck_assert_int_eq(store_are_peers(st, K(2), K(2)), 0);
	ck_assert_int_eq(store_are_peers(st, K(2), K(9)), 0);
	store_close(st);
}
END_TEST

START_TEST(test_peers_hubspoke)
{
	struct store	*st;

	st = opendb();
	mknet(st, 1, "star", HUB_TYPE_HUBSPOKE, HUB_MODE_AUTO, 0, 10);
	join(st, 1, 11, HUB_MSTATE_ACTIVE);
	join(st, 1, 12, HUB_MSTATE_ACTIVE);
	join(st, 1, 13, HUB_MSTATE_ACTIVE);
	join(st, 1, 14, HUB_MSTATE_PENDING);
	ck_assert_int_eq(store_member_set_role(st, NID(1), K(11),
	    HUB_ROLE_ADMIN), STORE_OK);

	peers_are(st, 10, 11, 12, 13, -1);
	peers_are(st, 11, 10, 12, 13, -1);
	/* Spokes see the hub's owner and admins, not each other. */
	peers_are(st, 12, 10, 11, -1);
	peers_are(st, 13, 10, 11, -1);
	peers_are(st, 14, -1);
	ck_assert_int_eq(store_are_peers(st, K(12), K(13)), 0);
	ck_assert_int_eq(store_are_peers(st, K(13), K(12)), 0);

	/* A demoted admin is a spoke. */
	ck_assert_int_eq(store_member_set_role(st, NID(1), K(11),
	    HUB_ROLE_MEMBER), STORE_OK);
	peers_are(st, 12, 10, -1);
	peers_are(st, 11, 10, -1);
	ck_assert_int_eq(store_are_peers(st, K(12), K(11)), 0);
	store_close(st);
}
END_TEST

START_TEST(test_peers_union)
{
	struct store	*st;

	st = opendb();
	/* mesh: 1 (owner), 2, 3, 20. */
	mknet(st, 1, "mesh", HUB_TYPE_MESH, HUB_MODE_AUTO, 0, 1);
	join(st, 1, 2, HUB_MSTATE_ACTIVE);
	join(st, 1, 3, HUB_MSTATE_ACTIVE);
	join(st, 1, 20, HUB_MSTATE_ACTIVE);
	/* hub-and-spoke: 2 (owner), 4 (admin), spokes 20 and 5. */
	mknet(st, 2, "star", HUB_TYPE_HUBSPOKE, HUB_MODE_AUTO, 0, 2);
	join(st, 2, 4, HUB_MSTATE_ACTIVE);
	join(st, 2, 20, HUB_MSTATE_ACTIVE);
	join(st, 2, 5, HUB_MSTATE_ACTIVE);
	ck_assert_int_eq(store_member_set_role(st, NID(2), K(4),
	    HUB_ROLE_ADMIN), STORE_OK);
	/* A mesh where 20 only waits: 6 is no peer of it. */
	mknet(st, 3, "other", HUB_TYPE_MESH, HUB_MODE_APPROVAL, 0, 6);
	join(st, 3, 20, HUB_MSTATE_PENDING);
	/* And a mesh that repeats 1 and 3 for 20. */
	mknet(st, 4, "again", HUB_TYPE_MESH, HUB_MODE_AUTO, 0, 3);
	join(st, 4, 20, HUB_MSTATE_ACTIVE);
	join(st, 4, 1, HUB_MSTATE_ACTIVE);

	peers_are(st, 20, 1, 2, 3, 4, -1);
	peers_are(st, 2, 1, 3, 4, 5, 20, -1);
	peers_are(st, 5, 2, 4, -1);
	peers_are(st, 6, -1);
	ck_assert_int_eq(store_are_peers(st, K(5), K(20)), 0);
	ck_assert_int_eq(store_are_peers(st, K(6), K(20)), 0);
	store_close(st);
}
END_TEST

/*
 * Blocked ranges.
 */

static struct store_block *
blk(int af, const char *addr, int plen)
{
	static struct store_block	 b;

	memset(&b, 0, sizeof(b));
	b.af = af;
	b.plen = plen;
	b.created = 42;
	ck_assert_int_eq(inet_pton(af, addr, b.addr), 1);
	return &b;
}

static int
match(struct store *st, int af, const char *addr)
{
	uint8_t	 a[16];

	memset(a, 0, sizeof(a));
	ck_assert_int_eq(inet_pton(af, addr, a), 1);
	return store_block_match(st, af, a);
}

static int
block_rows(void *arg, const struct store_block *b)
{
	char	*out = arg;
	char	 a[INET6_ADDRSTRLEN], line[80];

	ck_assert_ptr_nonnull(inet_ntop(b->af, b->addr, a, sizeof(a)));
	(void)snprintf(line, sizeof(line), "%s/%u@%lld ", a, b->plen,
	    (long long)b->created);
	(void)strlcat(out, line, 512);
	return 0;
}

START_TEST(test_block_v4)
{
	struct store	*st;
	char		 rows[512] = "";
	uint32_t	 c;

	st = opendb();
	ck_assert_int_eq(match(st, AF_INET, "10.1.2.3"), 0);
	ck_assert_int_eq(store_block_add(st, blk(AF_INET, "10.1.2.3", 8)),
	    STORE_OK);
	ck_assert_int_eq(store_block_add(st, blk(AF_INET, "10.0.0.0", 8)),
	    STORE_EXISTS);
	ck_assert_int_eq(store_block_add(st, blk(AF_INET, "10.0.0.0", 16)),
	    STORE_OK);
	ck_assert_int_eq(store_block_add(st, blk(AF_INET, "192.0.2.7", 32)),
	    STORE_OK);
	ck_assert_int_eq(store_block_foreach(st, block_rows, rows), 0);
	ck_assert_str_eq(rows, "10.0.0.0/8@42 10.0.0.0/16@42 "
	    "192.0.2.7/32@42 ");
	ck_assert_int_eq(store_block_count(st, &c), STORE_OK);
	ck_assert_uint_eq(c, 3);

	ck_assert_int_eq(match(st, AF_INET, "10.200.1.1"), 1);
	ck_assert_int_eq(match(st, AF_INET, "11.0.0.1"), 0);
	ck_assert_int_eq(match(st, AF_INET, "9.255.255.255"), 0);
	ck_assert_int_eq(match(st, AF_INET, "192.0.2.7"), 1);
	ck_assert_int_eq(match(st, AF_INET, "192.0.2.8"), 0);
	/* IPv4 rules say nothing about IPv6. */
	ck_assert_int_eq(match(st, AF_INET6, "a00::1"), 0);

	/* Removal goes by the normalised range too. */
	ck_assert_int_eq(store_block_remove(st, blk(AF_INET, "10.99.0.0", 8)),
	    STORE_OK);
	ck_assert_int_eq(store_block_remove(st, blk(AF_INET, "10.0.0.0", 8)),
	    STORE_NOTFOUND);
	ck_assert_int_eq(match(st, AF_INET, "10.200.1.1"), 0);
	ck_assert_int_eq(match(st, AF_INET, "10.0.5.5"), 1);

	/* Everything, then nothing. */
	ck_assert_int_eq(store_block_add(st, blk(AF_INET, "1.2.3.4", 0)),
	    STORE_OK);
	ck_assert_int_eq(match(st, AF_INET, "203.0.113.1"), 1);
	ck_assert_int_eq(store_block_remove(st, blk(AF_INET, "0.0.0.0", 0)),
	    STORE_OK);
	ck_assert_int_eq(match(st, AF_INET, "203.0.113.1"), 0);
	store_close(st);
}
END_TEST

START_TEST(test_block_v6)
{
	struct store	*st;
	char		 rows[512] = "";

	st = opendb();
	ck_assert_int_eq(store_block_add(st, blk(AF_INET6, "2001:db8:1234::5",
	    32)), STORE_OK);
	ck_assert_int_eq(store_block_add(st, blk(AF_INET6, "2001:db8::", 32)),
	    STORE_EXISTS);
	ck_assert_int_eq(store_block_add(st, blk(AF_INET6, "fd00::ff", 127)),
	    STORE_OK);
	ck_assert_int_eq(store_block_add(st, blk(AF_INET6, "2001:db8:0:1::",
	    61)), STORE_OK);
	ck_assert_int_eq(store_block_foreach(st, block_rows, rows), 0);
	ck_assert_str_eq(rows, "2001:db8::/32@42 2001:db8::/61@42 "
	    "fd00::fe/127@42 ");
	ck_assert_int_eq(match(st, AF_INET6, "2001:db8:ffff::1"), 1);
	ck_assert_int_eq(match(st, AF_INET6, "2001:db9::1"), 0);
	ck_assert_int_eq(match(st, AF_INET6, "2001:db7:ffff:ffff::"), 0);
	ck_assert_int_eq(match(st, AF_INET6, "fd00::fe"), 1);
	ck_assert_int_eq(match(st, AF_INET6, "fd00::ff"), 1);
	ck_assert_int_eq(match(st, AF_INET6, "fd00::100"), 0);
	ck_assert_int_eq(match(st, AF_INET, "32.1.13.184"), 0);
	ck_assert_int_eq(store_block_remove(st, blk(AF_INET6, "2001:db8::",
	    32)), STORE_OK);
	ck_assert_int_eq(match(st, AF_INET6, "2001:db8:ffff::1"), 0);
	ck_assert_int_eq(match(st, AF_INET6, "2001:db8:0:7::1"), 1);
	store_close(st);
}
END_TEST

START_TEST(test_block_mapped)
{
	struct store	*st;
	char		 rows[512] = "";

	st = opendb();
	ck_assert_int_eq(store_block_add(st, blk(AF_INET, "203.0.113.0", 24)),
	    STORE_OK);
	ck_assert_int_eq(match(st, AF_INET6, "::ffff:203.0.113.9"), 1);
	ck_assert_int_eq(match(st, AF_INET6, "::ffff:203.0.114.1"), 0);
	/* Not mapped, so not IPv4. */
	ck_assert_int_eq(match(st, AF_INET6, "::203.0.113.9"), 0);
	ck_assert_int_eq(match(st, AF_INET6, "64:ff9b::203.0.113.9"), 0);

	/* A mapped range is kept as the IPv4 range it is. */
	ck_assert_int_eq(store_block_add(st, blk(AF_INET6,
	    "::ffff:198.51.100.77", 120)), STORE_OK);
	ck_assert_int_eq(store_block_add(st, blk(AF_INET, "198.51.100.0",
	    24)), STORE_EXISTS);
	ck_assert_int_eq(store_block_foreach(st, block_rows, rows), 0);
	ck_assert_str_eq(rows, "198.51.100.0/24@42 203.0.113.0/24@42 ");
	ck_assert_int_eq(match(st, AF_INET, "198.51.100.200"), 1);
	ck_assert_int_eq(match(st, AF_INET6, "::ffff:198.51.100.200"), 1);

	/* An IPv6 rule, even ::/0, does not cover IPv4 clients. */
	ck_assert_int_eq(store_block_add(st, blk(AF_INET6, "::", 0)),
	    STORE_OK);
	ck_assert_int_eq(match(st, AF_INET6, "2001:db8::1"), 1);
	ck_assert_int_eq(match(st, AF_INET6, "::ffff:192.0.2.1"), 0);
	ck_assert_int_eq(match(st, AF_INET, "192.0.2.1"), 0);
	store_close(st);
}
END_TEST

START_TEST(test_block_bad)
{
	struct store		*st;
	struct store_block	 b;
	uint8_t			 a[16];
	uint32_t		 c;

	st = opendb();
	ck_assert_int_eq(store_block_add(st, blk(AF_INET, "10.0.0.0", 33)),
	    STORE_ERR);
	ck_assert_ptr_nonnull(strstr(store_errmsg(st), "33"));
	ck_assert_int_eq(store_block_add(st, blk(AF_INET6, "2001:db8::", 129)),
	    STORE_ERR);
	ck_assert_ptr_nonnull(strstr(store_errmsg(st), "129"));
	ck_assert_int_eq(store_block_remove(st, blk(AF_INET, "10.0.0.0", 40)),
	    STORE_ERR);
	memset(&b, 0, sizeof(b));
	b.af = AF_UNIX;
	ck_assert_int_eq(store_block_add(st, &b), STORE_ERR);
	memset(a, 0, sizeof(a));
	ck_assert_int_lt(store_block_match(st, AF_UNIX, a), 0);
	ck_assert_int_eq(store_block_count(st, &c), STORE_OK);
	ck_assert_uint_eq(c, 0);
	store_close(st);
}
END_TEST

/*
 * Several processes.
 */

/* Exit codes of the children: the store's result, made positive. */
static int
rc_exit(int rc)
{
	return rc > 0 ? 100 : -rc;
}

static int
wait_code(pid_t pid)
{
	int	 status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status), "child %d: status %#x", (int)pid,
	    status);
	return WEXITSTATUS(status);
}

static void
seed(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	srandom((unsigned int)(ts.tv_nsec ^ getpid() << 16));
}

#define DUR_MIN		20
#define DUR_SPAN	200
#define DUR_MAX		60000

START_TEST(test_durability)
{
	static const uint8_t	 p16[4] = { 10, 8, 0, 0 };
	struct store		*st;
	struct store_node	 n;
	uint32_t		 i, got, acked = 0, kill_at;
	int			 p[2], status;
	pid_t			 pid;

	store_close(opendb());
	seed();
	kill_at = DUR_MIN + random() % DUR_SPAN;
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		(void)close(p[0]);
		if ((st = tstore_open()) == NULL)
			_exit(1);
		/*
		 * Until killed: the parent never lets this finish.  New
		 * nodes first, then their logins again.
		 */
		for (i = 0; i < DUR_MAX; i++) {
			if (store_node_login(st, K(i % NKEYS), p16, 16, P6, 64, NULL,
			    i, &n) != STORE_OK)
				_exit(2);
			/* The acknowledgement: only once it is committed. */
			if (write(p[1], &i, sizeof(i)) != sizeof(i))
				_exit(3);
		}
		store_close(st);
		_exit(0);
	}
	(void)close(p[1]);
	while (read(p[0], &got, sizeof(got)) == sizeof(got)) {
		ck_assert_uint_eq(got, acked);
		if (++acked == kill_at)
			ck_assert_int_eq(kill(pid, SIGKILL), 0);
	}
	(void)close(p[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	    "child status %#x", status);
	ck_assert_uint_ge(acked, kill_at);

	assert_integrity();
	st = opendb();
	for (i = 0; i < acked; i++) {
		ck_assert_msg(store_node_get(st, K(i % NKEYS), &n) == STORE_OK,
		    "acknowledged login %u of %u lost", i, acked);
		ck_assert_msg(n.last_seen >= i, "acknowledged login %u of %u "
		    "lost", i, acked);
		assert_v4(&n, 10, 8, (i % NKEYS + 1) >> 8,
		    (i % NKEYS + 1) & 0xff);
	}
	/* One more may have committed without its acknowledgement. */
	ck_assert_int_eq(store_node_count(st, &got), STORE_OK);
	ck_assert_uint_ge(got, acked < NKEYS ? acked : NKEYS);
	if (acked < NKEYS)
		ck_assert_uint_le(got, acked + 1);
	store_close(st);
}
END_TEST

#define RACERS		100

/*
 * Fork n children that each open the store, report ready, wait for
 * the start and run fn; returns how many exited with each code.
 */
static void
race(int n, int (*fn)(struct store *, int), int codes[128])
{
	pid_t	 pids[RACERS];
	int	 ready[2], go[2], i, code;
	char	 c;

	ck_assert_int_le(n, RACERS);
	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(go), 0);
	for (i = 0; i < n; i++) {
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0) {
			struct store	*st;

			(void)close(ready[0]);
			(void)close(go[1]);
			seed();
			if ((st = tstore_open()) == NULL) {
				(void)fprintf(stderr, "child: %s\n", err);
				_exit(101);
			}
			if (write(ready[1], "r", 1) != 1)
				_exit(102);
			/* End of file is the start signal, for all at once. */
			if (read(go[0], &c, 1) == -1)
				_exit(103);
			code = fn(st, i);
			store_close(st);
			_exit(code);
		}
	}
	(void)close(ready[1]);
	(void)close(go[0]);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(read(ready[0], &c, 1), 1);
	(void)close(go[1]);
	(void)close(ready[0]);
	memset(codes, 0, 128 * sizeof(codes[0]));
	for (i = 0; i < n; i++) {
		code = wait_code(pids[i]);
		ck_assert_int_lt(code, 128);
		codes[code]++;
	}
}

static int
racer_invited(struct store *st, int i)
{
	int	 rc;

	rc = store_member_join_invited(st, NID(1), K(2), 1000 + i);
	if (rc == STORE_ERR)
		(void)fprintf(stderr, "racer %d: %s\n", i, store_errmsg(st));
	return rc_exit(rc);
}

START_TEST(test_race_invite)
{
	struct store	*st;
	int		 codes[128];

	st = opendb();
	mknet(st, 1, "race", HUB_TYPE_MESH, HUB_MODE_CLOSED, 0, 1);
	ck_assert_int_eq(store_invite_add(st, NID(1), K(2), 1), STORE_OK);
	store_close(st);

	race(RACERS, racer_invited, codes);
	ck_assert_int_eq(codes[rc_exit(STORE_OK)], 1);
	ck_assert_int_eq(codes[rc_exit(STORE_NOTFOUND)], RACERS - 1);

	st = opendb();
	ck_assert_int_eq(member_state(st, 1, 2), HUB_MSTATE_ACTIVE);
	ck_assert_int_eq(store_member_join_invited(st, NID(1), K(2), 9),
	    STORE_NOTFOUND);
	store_close(st);
	assert_integrity();
}
END_TEST

#define STATE_PROCS	20
#define STATE_MEMBERS	50
#define STATE_LIMIT	30
#define STATE_OPS	25

/* Owners and their admins approving and evicting at the same time. */
static int
racer_states(struct store *st, int me)
{
	static const uint8_t	 moves[][2] = {
		{ HUB_MSTATE_PENDING, HUB_MSTATE_ACTIVE },	/* approve */
		{ HUB_MSTATE_ACTIVE, HUB_MSTATE_BANNED },	/* evict */
		{ HUB_MSTATE_BANNED, HUB_MSTATE_ACTIVE },	/* unban */
		{ HUB_MSTATE_PENDING, HUB_MSTATE_BANNED },	/* refuse */
	};
	int			 i, j, m, rc;

	for (j = 0; j < STATE_OPS; j++) {
		i = 1 + random() % STATE_MEMBERS;
		m = random() % 5;
		if (m == 4)
			rc = store_member_join(st, NID(1), K(i),
			    HUB_MSTATE_PENDING, j);
		else
			rc = store_member_set_state(st, NID(1), K(i),
			    moves[m][0], moves[m][1], j);
		if (rc == STORE_ERR || rc == STORE_DENIED) {
			(void)fprintf(stderr, "racer %d: %s\n", me,
			    store_errmsg(st));
			return rc_exit(rc);
		}
	}
	return 0;
}

START_TEST(test_race_states)
{
	struct store	*st;
	uint32_t	 act, pend;
	int		 codes[128], i, banned;

	st = opendb();
	mknet(st, 1, "busy", HUB_TYPE_MESH, HUB_MODE_APPROVAL, STATE_LIMIT,
	    0);
	for (i = 1; i <= STATE_MEMBERS; i++)
		join(st, 1, i, i <= 20 ? HUB_MSTATE_ACTIVE :
		    HUB_MSTATE_PENDING);
	store_close(st);

	race(STATE_PROCS, racer_states, codes);
	ck_assert_int_eq(codes[0], STATE_PROCS);

	assert_integrity();
	st = opendb();
	ck_assert_int_eq(store_net_counts(st, NID(1), &act, &pend), STORE_OK);
	ck_assert_uint_le(act, STATE_LIMIT);
	banned = 0;
	for (i = 0; i <= STATE_MEMBERS; i++) {
		switch (member_state(st, 1, i)) {
		case HUB_MSTATE_BANNED:
			ck_assert_int_eq(member_role(st, 1, i),
			    HUB_ROLE_MEMBER);
			banned++;
			break;
		case HUB_MSTATE_ACTIVE:
		case HUB_MSTATE_PENDING:
			break;
		default:
			ck_abort_msg("member %d in no state", i);
		}
	}
	ck_assert_uint_eq(act + pend + banned, STATE_MEMBERS + 1);
	ck_assert_int_eq(member_role(st, 1, 0), HUB_ROLE_OWNER);
	store_close(st);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM members", NULL),
	    STATE_MEMBERS + 1);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM members"
	    " WHERE state = 0 AND net = ?1", NID(1)), act);
}
END_TEST

#define LOGIN_PROCS	10
#define LOGIN_EACH	20

static int
racer_logins(struct store *st, int me)
{
	struct store_node	 n;
	int			 j, rc;

	for (j = 0; j < LOGIN_EACH; j++) {
		rc = store_node_login(st, K(me * LOGIN_EACH + j), P4, 23, P6,
		    64, NULL, j, &n);
		if (rc != STORE_OK) {
			(void)fprintf(stderr, "racer %d: %s\n", me,
			    store_errmsg(st));
			return rc_exit(rc);
		}
	}
	return 0;
}

static int
seen_v4(void *arg, const struct store_node *n)
{
	uint8_t	*seen = arg;
	int	 off = (n->v4[2] & 1) << 8 | n->v4[3];

	ck_assert_int_eq(n->v4[0], 10);
	ck_assert_int_eq(n->v4[1], 7);
	ck_assert_int_eq(n->v6[14] << 8 | n->v6[15], off);
	ck_assert_int_eq(seen[off]++, 0);
	return 0;
}

START_TEST(test_race_logins)
{
	uint8_t		 seen[512];
	struct store	*st;
	int		 codes[128], i;

	store_close(opendb());
	race(LOGIN_PROCS, racer_logins, codes);
	ck_assert_int_eq(codes[0], LOGIN_PROCS);

	/* Distinct, and still the lowest: exactly 1..200. */
	memset(seen, 0, sizeof(seen));
	st = opendb();
	ck_assert_int_eq(store_node_foreach(st, seen_v4, seen), 0);
	store_close(st);
	for (i = 1; i <= LOGIN_PROCS * LOGIN_EACH; i++)
		ck_assert_int_eq(seen[i], 1);
	ck_assert_int_eq(seen[0], 0);
	ck_assert_int_eq(seen[LOGIN_PROCS * LOGIN_EACH + 1], 0);
	assert_integrity();
}
END_TEST


/* ---- subnet routes ------------------------------------------------------ */

static struct ip_prefix
rp(const char *s)
{
	struct ip_prefix	 p;

	ck_assert_int_eq(prefix_parse(s, &p, 1, NULL, 0), 0);
	return p;
}

static int
route_count(void *arg, const struct store_route *r)
{
	int	*n = arg;

	n[0]++;
	n[1] += r->approved;
	return 0;
}

/* How many routes of node i, and how many approved. */
static void
routes_of(struct store *st, int i, int all, int approved)
{
	int	 n[2] = { 0, 0 };

	ck_assert_int_eq(store_routes_of_node(st, K(i), route_count, n),
	    STORE_OK);
	ck_assert_int_eq(n[0], all);
	ck_assert_int_eq(n[1], approved);
}

static int
between(struct store *st, int to, int about)
{
	struct ip_prefix	 out[HUB_ROUTES_MAX];
	uint8_t			 n = 99;

	ck_assert_int_eq(store_routes_between(st, K(to), K(about), out, &n),
	    STORE_OK);
	return n;
}

START_TEST(test_routes)
{
	struct store		*st;
	struct ip_prefix	 p, out[HUB_ROUTES_MAX];
	char			 b[32];
	int			 i, n[2];
	uint8_t			 cnt;

	st = opendb();
	mknet(st, 1, "office", HUB_TYPE_MESH, HUB_MODE_AUTO, 0, 1);
	join(st, 1, 2, HUB_MSTATE_ACTIVE);
	join(st, 1, 3, HUB_MSTATE_PENDING);
	mknet(st, 2, "star", HUB_TYPE_HUBSPOKE, HUB_MODE_AUTO, 0, 4);
	join(st, 2, 1, HUB_MSTATE_ACTIVE);
	join(st, 2, 5, HUB_MSTATE_ACTIVE);
	p = rp("192.168.50.0/24");
	ck_assert_int_eq(store_route_add(st, K(1), &p, 10), STORE_OK);
	ck_assert_int_eq(store_route_add(st, K(1), &p, 11), STORE_EXISTS);
	p = rp("fd12:3456::/48");
	ck_assert_int_eq(store_route_add(st, K(1), &p, 12), STORE_OK);
	routes_of(st, 1, 2, 0);
	/* Hostile prefixes never reach the table. */
	p = rp("0.0.0.0/1");
	ck_assert_int_eq(store_route_add(st, K(1), &p, 13), STORE_ERR);
	p = rp("0.0.0.1/0");
	ck_assert_int_eq(store_route_add(st, K(1), &p, 13), STORE_ERR);
	p = rp("10.0.0.1/24");
	ck_assert_int_eq(store_route_add(st, K(1), &p, 13), STORE_ERR);
	p = rp("127.0.0.0/8");
	ck_assert_int_eq(store_route_add(st, K(1), &p, 13), STORE_ERR);
	/* Nothing is used before an approval. */
	ck_assert_int_eq(between(st, 2, 1), 0);
	ck_assert_int_eq(between(st, 1, 1), 0);
	p = rp("192.168.50.0/24");
	ck_assert_int_eq(store_route_approve(st, NID(1), K(1), &p, K(1), 20),
	    STORE_OK);
	ck_assert_int_eq(store_route_approve(st, NID(1), K(1), &p, K(1), 21),
	    STORE_EXISTS);
	/* Not advertised: nothing to approve. */
	p = rp("10.9.0.0/16");
	ck_assert_int_eq(store_route_approve(st, NID(1), K(1), &p, K(1), 22),
	    STORE_NOTFOUND);
	routes_of(st, 1, 2, 1);
	ck_assert_int_eq(between(st, 2, 1), 1);
	ck_assert_int_eq(between(st, 1, 1), 1);	/* served */
	ck_assert_int_eq(between(st, 3, 1), 0);	/* pending */
	/* A spoke sees a route only through the hub's owner or admins. */
	ck_assert_int_eq(between(st, 5, 1), 0);
	p = rp("192.168.50.0/24");
	ck_assert_int_eq(store_route_approve(st, NID(2), K(1), &p, K(4), 23),
	    STORE_OK);
	ck_assert_int_eq(between(st, 5, 1), 0);
	ck_assert_int_eq(between(st, 4, 1), 1);
	ck_assert_int_eq(store_member_set_role(st, NID(2), K(1),
	    HUB_ROLE_ADMIN), STORE_OK);
	ck_assert_int_eq(between(st, 5, 1), 1);
	memset(n, 0, sizeof(n));
	ck_assert_int_eq(store_routes_of_net(st, NID(1), route_count, n),
	    STORE_OK);
	ck_assert(n[0] == 2 && n[1] == 1);
	memset(n, 0, sizeof(n));
	ck_assert_int_eq(store_routes_approved(st, NID(1), 0, route_count, n),
	    STORE_OK);
	ck_assert(n[0] == 1 && n[1] == 1);
	memset(n, 0, sizeof(n));
	ck_assert_int_eq(store_routes_approved(st, K(2), 1, route_count, n),
	    STORE_OK);
	ck_assert_int_eq(n[0], 1);
	ck_assert_int_eq(store_route_any(st, K(1)), 1);
	ck_assert_int_eq(store_route_any(st, K(2)), 0);
	/* Revoked in one network, still approved in the other. */
	ck_assert_int_eq(store_route_revoke(st, NID(1), K(1), &p), STORE_OK);
	ck_assert_int_eq(store_route_revoke(st, NID(1), K(1), &p),
	    STORE_NOTFOUND);
	ck_assert_int_eq(between(st, 2, 1), 0);
	ck_assert_int_eq(between(st, 5, 1), 1);
	/* An evicted gateway serves nothing. */
	ck_assert_int_eq(store_member_set_state(st, NID(2), K(1),
	    HUB_MSTATE_ACTIVE, HUB_MSTATE_BANNED, 30), STORE_OK);
	ck_assert_int_eq(between(st, 5, 1), 0);
	ck_assert_int_eq(between(st, 1, 1), 0);
	routes_of(st, 1, 2, 0);
	/* Withdrawing takes the approvals; deleting a network too. */
	ck_assert_int_eq(store_route_approve(st, NID(1), K(1), &p, K(1), 31),
	    STORE_OK);
	ck_assert_int_eq(store_route_del(st, K(1), &p), STORE_OK);
	ck_assert_int_eq(store_route_del(st, K(1), &p), STORE_NOTFOUND);
	ck_assert_int_eq(store_route_any(st, K(1)), 0);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM route_ok", NULL), 0);
	p = rp("fd12:3456::/48");
	ck_assert_int_eq(store_route_approve(st, NID(1), K(1), &p, K(1), 32),
	    STORE_OK);
	cnt = 0;
	ck_assert_int_eq(store_routes_between(st, K(2), K(1), out, &cnt),
	    STORE_OK);
	ck_assert_int_eq(cnt, 1);
	ck_assert(out[0].af == AF_INET6 && out[0].plen == 48);
	ck_assert_int_eq(store_net_delete(st, NID(1)), STORE_OK);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM route_ok", NULL), 0);
	routes_of(st, 1, 1, 0);
	/* An exit offer is stored and approved like a route. */
	p = rp("::/0");
	ck_assert_int_eq(store_route_add(st, K(6), &p, 35), STORE_OK);
	mknet(st, 3, "exits", HUB_TYPE_MESH, HUB_MODE_AUTO, 0, 6);
	join(st, 3, 2, HUB_MSTATE_ACTIVE);
	ck_assert_int_eq(store_route_approve(st, NID(3), K(6), &p, K(6), 36),
	    STORE_OK);
	cnt = 0;
	ck_assert_int_eq(store_routes_between(st, K(2), K(6), out, &cnt),
	    STORE_OK);
	ck_assert(cnt == 1 && out[0].af == AF_INET6 && out[0].plen == 0);
	/* At most HUB_ROUTES_MAX a node. */
	for (i = 1; i < HUB_ROUTES_MAX; i++) {
		(void)snprintf(b, sizeof(b), "10.%d.0.0/16", i);
		p = rp(b);
		ck_assert_int_eq(store_route_add(st, K(7), &p, 40), STORE_OK);
	}
	p = rp("10.200.0.0/16");
	ck_assert_int_eq(store_route_add(st, K(7), &p, 41), STORE_OK);
	p = rp("10.201.0.0/16");
	ck_assert_int_eq(store_route_add(st, K(7), &p, 42), STORE_FULL);
	store_close(st);
}
END_TEST


/* A gateway network: hub-and-spoke, and its owner's routes approved. */
START_TEST(test_gateway_net)
{
	struct store		*st;
	struct store_net	 n;
	struct ip_prefix	 p;

	st = opendb();
	mknet(st, 1, "gw", HUB_TYPE_GATEWAY, HUB_MODE_AUTO, 0, 1);
	ck_assert_int_eq(store_net_by_id(st, NID(1), &n), STORE_OK);
	ck_assert_int_eq(n.type, HUB_TYPE_GATEWAY);
	ck_assert_int_eq(store_net_by_name(st, "GW", &n), STORE_OK);
	ck_assert_int_eq(n.type, HUB_TYPE_GATEWAY);
	join(st, 1, 2, HUB_MSTATE_ACTIVE);
	join(st, 1, 3, HUB_MSTATE_ACTIVE);
	ck_assert_int_eq(store_are_peers(st, K(2), K(1)), 1);
	ck_assert_int_eq(store_are_peers(st, K(2), K(3)), 0);
	p = rp("192.168.50.0/24");
	ck_assert_int_eq(store_route_add(st, K(1), &p, 10), STORE_OK);
	ck_assert_int_eq(between(st, 2, 1), 1);		/* no approval */
	ck_assert_int_eq(between(st, 1, 1), 1);		/* served */
	ck_assert_int_eq(store_route_any(st, K(1)), 1);
	routes_of(st, 1, 1, 1);
	/* a member's own route is not approved by it */
	p = rp("10.9.0.0/16");
	ck_assert_int_eq(store_route_add(st, K(2), &p, 11), STORE_OK);
	ck_assert_int_eq(between(st, 1, 2), 0);
	/* nor is the owner's exit offer */
	p = rp("0.0.0.0/0");
	ck_assert_int_eq(store_route_add(st, K(1), &p, 12), STORE_OK);
	ck_assert_int_eq(between(st, 2, 1), 1);
	/* an evicted member routes nothing through it */
	ck_assert_int_eq(store_member_set_state(st, NID(1), K(2),
	    HUB_MSTATE_ACTIVE, HUB_MSTATE_BANNED, 13), STORE_OK);
	ck_assert_int_eq(between(st, 2, 1), 0);
	ck_assert_int_eq(store_net_delete(st, NID(1)), STORE_OK);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM gateway_nets", NULL), 0);
	ck_assert_int_eq(store_route_any(st, K(1)), 0);
	store_close(st);
}
END_TEST

/* A test case of the suite's backend, with its fixtures. */
static TCase *
tcase_be(Suite *s, const char *name, int pg, int timeout)
{
	TCase	*tc;

	tc = tcase_create(name);
	tcase_add_unchecked_fixture(tc, pg ? be_pg : be_sqlite, NULL);
	tcase_add_checked_fixture(tc, setup, teardown);
	if (timeout != 0)
		tcase_set_timeout(tc, timeout);
	suite_add_tcase(s, tc);
	return tc;
}

/*
 * The same tests on either backend, but for the schema's: SQLite's
 * are about its files; PostgreSQL's in check_store_pg.c.
 */
static Suite *
store_suite(int pg)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create(pg ? "store on postgresql" : "store on sqlite");

	tc = tcase_be(s, "schema", pg, 0);
	if (!pg) {
		tcase_add_test(tc, test_schema_fresh);
		tcase_add_test(tc, test_schema_newer);
		tcase_add_test(tc, test_schema_mode);
		tcase_add_test(tc, test_schema_bad_files);
		tcase_add_test(tc, test_strerror);
		tcase_add_test(tc, test_sql_placeholders);
	} else
		store_pg_tests(tc);
	tcase_add_test(tc, test_schema_reopen);
	tcase_add_test(tc, test_schema_bcast);
	tcase_add_test(tc, test_meta);

	tc = tcase_be(s, "nodes", pg, 30);
	tcase_add_test(tc, test_node_assign);
	tcase_add_test(tc, test_node_full);
	tcase_add_test(tc, test_node_pool_change);
	tcase_add_test(tc, test_node_many);
	tcase_add_test(tc, test_node_expire);
	tcase_add_test(tc, test_node_args);
	tcase_add_test(tc, test_node_nick);
	tcase_add_test(tc, test_node_nested);

	tc = tcase_be(s, "networks", pg, 0);
	tcase_add_test(tc, test_net_create);
	tcase_add_test(tc, test_net_update);
	tcase_add_test(tc, test_net_delete);
	tcase_add_test(tc, test_net_transfer);
	tcase_add_test(tc, test_net_foreach);

	tc = tcase_be(s, "members", pg, 0);
	tcase_add_test(tc, test_member_join);
	tcase_add_test(tc, test_member_limit);
	tcase_add_test(tc, test_member_ban);
	tcase_add_test(tc, test_member_invite);
	tcase_add_test(tc, test_member_remove);
	tcase_add_test(tc, test_member_roles);
	tcase_add_test(tc, test_member_lists);
	tcase_add_test(tc, test_peers_mesh);
	tcase_add_test(tc, test_peers_hubspoke);
	tcase_add_test(tc, test_peers_union);
	tcase_add_test(tc, test_peers_lan);

	tc = tcase_be(s, "blocks", pg, 0);
	tcase_add_test(tc, test_block_v4);
	tcase_add_test(tc, test_block_v6);
	tcase_add_test(tc, test_routes);
	tcase_add_test(tc, test_gateway_net);
	tcase_add_test(tc, test_block_mapped);
	tcase_add_test(tc, test_block_bad);

	tc = tcase_be(s, "processes", pg, 60);
	tcase_add_test(tc, test_durability);
	tcase_add_test(tc, test_race_invite);
	tcase_add_test(tc, test_race_states);
	tcase_add_test(tc, test_race_logins);
	if (pg)
		store_pg_process_tests(tc);

	return s;
}

/*
 * HAMD_TEST_PG=no leaves PostgreSQL out (the valgrind run, where its
 * hundred racing connections cost minutes and test libpq, not us).
 */
int
main(void)
{
	SRunner		*sr;
	const char	*env = getenv("HAMD_TEST_PG");
	char		 why[256];
	int		 failed, missing = 0, pg = 0;

	(void)strlcpy(topdir, "/tmp/check_store.XXXXXX", sizeof(topdir));
	if (mkdtemp(topdir) == NULL) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	sr = srunner_create(store_suite(0));
	if (env != NULL && strcmp(env, "no") == 0)
		(void)printf("store on postgresql: skipped: HAMD_TEST_PG=no\n");
	/*
	 * Each test has a schema of its own, first on its search path:
	 * citext goes where every one of them finds it, as an
	 * administrator would put it.
	 */
	else if (pgserver_start(&pgsrv, NULL, &missing, why,
	    sizeof(why)) == 0 && pgserver_sql(&pgsrv, "CREATE EXTENSION citext "
	    "SCHEMA public", why, sizeof(why)) == 0) {
		srunner_add_suite(sr, store_suite(1));
		pg = 1;
	} else if (missing)
		(void)printf("store on postgresql: skipped: %s\n", why);
	else {
		(void)fprintf(stderr, "store on postgresql: %s\n", why);
		pgserver_stop(&pgsrv);
		(void)rmtree(topdir);
		return EXIT_FAILURE;
	}
	(void)fflush(stdout);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (pg)
		pgserver_stop(&pgsrv);
	(void)rmtree(topdir);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
