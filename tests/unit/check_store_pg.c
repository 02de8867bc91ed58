/*
 * The store's tests that only PostgreSQL has, run in check_store's
 * PostgreSQL suite: its schema is SQLite's, column for column; the
 * version refuses a newer database; a password comes only as its own
 * argument and is never echoed; a connection the server ends fails a
 * request with a clear error and comes back; and a server that crashes
 * (stopped without a checkpoint, its default synchronous_commit off)
 * has lost no login the store acknowledged, while the writer saw its
 * requests fail and went on once the server was back.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <check.h>
#include <signal.h>
#include <sqlite3.h>
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

static const uint8_t	 P4[4] = { 10, 7, 0, 0 };
static const uint8_t	 P6[16] = { 0xfd, 0, 0xaa, 0xaa, 0xbb, 0xbb };

static void
key(uint8_t k[HUB_KEY_LEN], int i)
{
	memset(k, 0x5a, HUB_KEY_LEN);
	k[0] = i >> 8;
	k[1] = i;
}

static void
sleep_ms(long ms)
{
	struct timespec	 ts = { ms / 1000, ms % 1000 * 1000000L };

	(void)nanosleep(&ts, NULL);
}

START_TEST(test_pg_schema_fresh)
{
	struct store	*st;

	st = opendb();
	ck_assert_str_eq(store_backend_name(st), "postgresql");
	ck_assert_int_eq(store_schema_version(st), (int)store_nmigrations);
	store_close(st);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM schema_version", NULL),
	    1);
	ck_assert_int_eq(raw_int("SELECT version FROM schema_version", NULL),
	    (int)store_nmigrations);
	/* Reopening a current database migrates nothing. */
	st = opendb();
	ck_assert_int_eq(store_schema_version(st), (int)store_nmigrations);
	store_close(st);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM schema_version", NULL),
	    1);
}
END_TEST

START_TEST(test_pg_schema_newer)
{
	char	 sql[64];

	store_close(opendb());
	(void)snprintf(sql, sizeof(sql), "UPDATE schema_version SET version "
	    "= %d", (int)store_nmigrations + 1);
	raw_exec(sql);
	err[0] = '\0';
	ck_assert_ptr_null(tstore_open());
	ck_assert_msg(strstr(err, "newer") != NULL, "message: %s", err);
	ck_assert_int_eq(raw_int("SELECT version FROM schema_version", NULL),
	    (int)store_nmigrations + 1);
}
END_TEST

/* Rows of text, one line each, after one another. */
static void
sqlite_lines(sqlite3 *db, const char *sql, char *out, size_t len)
{
	sqlite3_stmt	*s;

	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		(void)strlcat(out, (const char *)sqlite3_column_text(s, 0),
		    len);
		(void)strlcat(out, "\n", len);
	}
	sqlite3_finalize(s);
}

static void
pg_lines(PGconn *c, const char *sql, char *out, size_t len)
{
	PGresult	*r;
	int		 i;

	r = PQexec(c, sql);
	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s",
	    PQresultErrorMessage(r));
	for (i = 0; i < PQntuples(r); i++) {
		(void)strlcat(out, PQgetvalue(r, i, 0), len);
		(void)strlcat(out, "\n", len);
	}
	PQclear(r);
}

/*
 * What each schema is made of, in the same words: each table's columns
 * in order with their kind and whether NULL is allowed, the column
 * lists each table keeps unique, and the indexes made by name.  The
 * kinds: SQLite's declared types, PostgreSQL's mapped onto them
 * (bigint INTEGER, bytea BLOB, text and citext TEXT).  PostgreSQL's
 * schema_version is what SQLite keeps in PRAGMA user_version.
 */
static const char sqlite_cols[] =
    "SELECT t.name || '.' || c.name || ' ' || c.type || ' ' ||"
    " CASE WHEN c.\"notnull\" THEN 'NOT NULL' ELSE 'NULL' END"
    " FROM sqlite_master t, pragma_table_info(t.name) c"
    " WHERE t.type = 'table' ORDER BY t.name, c.cid";
static const char pg_cols[] =
    "SELECT table_name || '.' || column_name || ' ' ||"
    " CASE WHEN data_type IN ('bigint', 'integer') THEN 'INTEGER'"
    "  WHEN data_type = 'bytea' THEN 'BLOB'"
    "  WHEN data_type = 'text' OR udt_name = 'citext' THEN 'TEXT'"
    "  ELSE data_type END || ' ' ||"
    " CASE WHEN is_nullable = 'NO' THEN 'NOT NULL' ELSE 'NULL' END"
    " FROM information_schema.columns"
    " WHERE table_schema = current_schema()"
    " AND table_name <> 'schema_version'"
    " ORDER BY table_name COLLATE \"C\", ordinal_position";
/* An INTEGER PRIMARY KEY is the rowid: unique, with no index. */
static const char sqlite_unique[] =
    "SELECT u FROM (SELECT t.name || ' (' || (SELECT group_concat(name,"
    " ', ') FROM (SELECT ii.name FROM pragma_index_info(il.name) ii"
    " ORDER BY ii.seqno)) || ')' || CASE WHEN il.partial THEN ' partial'"
    " ELSE '' END AS u"
    " FROM sqlite_master t, pragma_index_list(t.name) il"
    " WHERE t.type = 'table' AND il.\"unique\""
    " UNION ALL SELECT t.name || ' (' || c.name || ')'"
    " FROM sqlite_master t, pragma_table_info(t.name) c"
    " WHERE t.type = 'table' AND c.pk = 1 AND upper(c.type) = 'INTEGER'"
    " AND NOT EXISTS (SELECT 1 FROM pragma_index_list(t.name) il"
    " WHERE il.origin = 'pk')) ORDER BY u";
static const char pg_unique[] =
    "SELECT u FROM (SELECT tc.relname || ' (' || (SELECT"
    " string_agg(a.attname, ', ' ORDER BY k.n) FROM"
    " unnest(i.indkey::int2[]) WITH ORDINALITY k(att, n)"
    " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.att)"
    " || ')' || CASE WHEN i.indpred IS NOT NULL THEN ' partial' ELSE ''"
    " END AS u FROM pg_index i JOIN pg_class tc ON tc.oid = i.indrelid"
    " JOIN pg_namespace ns ON ns.oid = tc.relnamespace"
    " WHERE ns.nspname = current_schema() AND i.indisunique"
    " AND tc.relname <> 'schema_version') s ORDER BY u COLLATE \"C\"";
static const char sqlite_indexes[] =
    "SELECT name FROM sqlite_master WHERE type = 'index'"
    " AND sql IS NOT NULL ORDER BY name";
static const char pg_indexes[] =
    "SELECT c.relname FROM pg_index i JOIN pg_class c"
    " ON c.oid = i.indexrelid JOIN pg_namespace ns"
    " ON ns.oid = c.relnamespace WHERE ns.nspname = current_schema()"
    " AND NOT EXISTS (SELECT 1 FROM pg_constraint k"
    " WHERE k.conindid = i.indexrelid) ORDER BY c.relname::text COLLATE \"C\"";

START_TEST(test_pg_schema_same)
{
	static char	 a[8192], b[8192];
	struct store	*st;
	sqlite3		*db;
	PGconn		*c;

	/* Both migrated to the end, by the store itself. */
	st = store_open(dbpath, err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
	store_close(st);
	store_close(opendb());

	ck_assert_int_eq(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	c = rawpg();
	a[0] = b[0] = '\0';
	sqlite_lines(db, sqlite_cols, a, sizeof(a));
	pg_lines(c, pg_cols, b, sizeof(b));
	ck_assert_str_eq(b, a);
	a[0] = b[0] = '\0';
	sqlite_lines(db, sqlite_unique, a, sizeof(a));
	pg_lines(c, pg_unique, b, sizeof(b));
	ck_assert_str_eq(b, a);
	a[0] = b[0] = '\0';
	sqlite_lines(db, sqlite_indexes, a, sizeof(a));
	pg_lines(c, pg_indexes, b, sizeof(b));
	ck_assert_str_eq(b, a);
	ck_assert_ptr_nonnull(strstr(a, "members_owner"));
	PQfinish(c);
	sqlite3_close(db);
}
END_TEST

/* Names compare as NOCASE does: ASCII case only, and sort so. */
START_TEST(test_pg_names)
{
	struct store		*st;
	struct store_net	 n;

	st = opendb();
	memset(&n, 0, sizeof(n));
	(void)strlcpy(n.name, "Office", sizeof(n.name));
	key(n.owner, 1);
	memset(n.id, 1, sizeof(n.id));
	ck_assert_int_eq(store_net_create(st, &n), STORE_OK);
	memset(n.id, 2, sizeof(n.id));
	(void)strlcpy(n.name, "oFFICE", sizeof(n.name));
	ck_assert_int_eq(store_net_create(st, &n), STORE_EXISTS);
	(void)strlcpy(n.name, "_b", sizeof(n.name));
	ck_assert_int_eq(store_net_create(st, &n), STORE_OK);
	ck_assert_int_eq(store_net_by_name(st, "OFFICE", &n), STORE_OK);
	ck_assert_str_eq(n.name, "Office");
	/* NOCASE sorts "_" (0x5f) before the folded "o" (0x6f). */
	ck_assert_int_eq(raw_int("SELECT count(*) FROM nets WHERE name = "
	    "'_B' AND name < 'office'", NULL), 1);
	store_close(st);
}
END_TEST

START_TEST(test_pg_password)
{
	struct store	*st;
	char		 conn[640], sql[128];

	raw_exec("DO $$ BEGIN CREATE ROLE hub LOGIN PASSWORD 'Sekr3t-pw';"
	    " EXCEPTION WHEN duplicate_object THEN NULL; END $$");
	raw_exec("GRANT CREATE ON DATABASE postgres TO hub");
	(void)snprintf(sql, sizeof(sql), "GRANT ALL ON SCHEMA %s TO hub",
	    pgschema);
	raw_exec(sql);

	/* Never in the connection string, and never repeated. */
	(void)snprintf(conn, sizeof(conn), "%s user=hub password=Sekr3t-pw",
	    pgconn);
	err[0] = '\0';
	ck_assert_ptr_null(store_open_pg(conn, NULL, err, sizeof(err)));
	ck_assert_msg(strstr(err, "password file") != NULL, "%s", err);
	ck_assert_ptr_null(strstr(err, "Sekr3t"));

	(void)snprintf(conn, sizeof(conn), "%s user=hub", pgconn);
	ck_assert_ptr_null(store_open_pg(conn, NULL, err, sizeof(err)));
	ck_assert_ptr_null(store_open_pg(conn, "wrong", err, sizeof(err)));
	ck_assert_msg(strstr(err, "password authentication failed") != NULL,
	    "%s", err);
	st = store_open_pg(conn, "Sekr3t-pw", err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
	store_close(st);
}
END_TEST

/* The server ends the store's session: one request fails, then back. */
START_TEST(test_pg_lost)
{
	struct store		*st;
	struct store_node	 n;
	uint8_t			 k[HUB_KEY_LEN];
	int			 rc, tries;

	st = opendb();
	key(k, 1);
	ck_assert_int_eq(store_node_login(st, k, P4, 24, P6, 64, NULL, 5, &n),
	    STORE_OK);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM (SELECT"
	    " pg_terminate_backend(pid) FROM pg_stat_activity"
	    " WHERE application_name = 'hamhubd') s", NULL), 1);
	ck_assert_int_eq(store_node_get(st, k, &n), STORE_ERR);
	ck_assert_msg(strstr(store_errmsg(st), "connection lost") != NULL,
	    "%s", store_errmsg(st));
	/* Back within its once-a-second retry, the data with it. */
	for (tries = 0; tries < 50; tries++) {
		if ((rc = store_node_get(st, k, &n)) == STORE_OK)
			break;
		sleep_ms(100);
	}
	ck_assert_int_eq(rc, STORE_OK);
	ck_assert_int_eq(n.last_seen, 5);
	ck_assert_int_eq(store_node_login(st, k, P4, 24, P6, 64, NULL, 6, &n),
	    STORE_OK);
	store_close(st);
}
END_TEST

#define CRASH_MIN	20
#define CRASH_SPAN	100
#define CRASH_AFTER	20	/* logins after the server is back */

/*
 * The writer: logins, each acknowledged once store_node_login returned.
 * A failure must say why; the writer then tries the same login again
 * until the server is back, and ends a while after.  Exit 0, or why not.
 */
static int
crash_writer(int ack)
{
	struct store		*st;
	struct store_node	 n;
	uint8_t			 k[HUB_KEY_LEN];
	uint32_t		 i, end = UINT32_MAX;
	int			 rc, failed = 0, tries;

	if ((st = tstore_open()) == NULL)
		return 1;
	for (i = 0; i < end; i++) {
		key(k, i % 256);
		for (tries = 0;; tries++) {
			rc = store_node_login(st, k, P4, 16, P6, 64, NULL, i, &n);
			if (rc == STORE_OK)
				break;
			if (rc != STORE_ERR || *store_errmsg(st) == '\0')
				return 2;
			if (!failed)
				(void)fprintf(stderr, "writer: login %u: %s "
				    "(as expected)\n", i, store_errmsg(st));
			failed = 1;
			if (tries == 600)
				return 3;
			sleep_ms(100);
		}
		if (failed && end == UINT32_MAX)
			end = i + CRASH_AFTER;
		if (write(ack, &i, sizeof(i)) != sizeof(i))
			return 4;
	}
	store_close(st);
	return failed ? 0 : 5;
}

START_TEST(test_pg_server_crash)
{
	struct store		*st;
	struct store_node	 n;
	uint8_t			 k[HUB_KEY_LEN];
	uint32_t		 i, got, acked = 0, crash_at;
	int			 p[2], status;
	pid_t			 pid;

	store_close(opendb());
	srandom((unsigned int)time(NULL) ^ (unsigned int)getpid());
	crash_at = CRASH_MIN + random() % CRASH_SPAN;
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		(void)close(p[0]);
		_exit(crash_writer(p[1]));
	}
	(void)close(p[1]);
	while (read(p[0], &got, sizeof(got)) == sizeof(got)) {
		ck_assert_uint_eq(got, acked);
		if (++acked == crash_at)
			ck_assert_int_eq(pgserver_crash_restart(&pgsrv), 0);
	}
	(void)close(p[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "writer status %#x", status);
	ck_assert_uint_ge(acked, crash_at + CRASH_AFTER);

	st = opendb();
	for (i = 0; i < acked; i++) {
		key(k, i % 256);
		ck_assert_int_eq(store_node_get(st, k, &n), STORE_OK);
		ck_assert_msg(n.last_seen >= i, "acknowledged login %u of %u "
		    "lost", i, acked);
	}
	store_close(st);
}
END_TEST

void
store_pg_tests(TCase *tc)
{
	tcase_add_test(tc, test_pg_schema_fresh);
	tcase_add_test(tc, test_pg_schema_newer);
	tcase_add_test(tc, test_pg_schema_same);
	tcase_add_test(tc, test_pg_names);
	tcase_add_test(tc, test_pg_password);
	tcase_add_test(tc, test_pg_lost);
}

void
store_pg_process_tests(TCase *tc)
{
	tcase_add_test(tc, test_pg_server_crash);
}
