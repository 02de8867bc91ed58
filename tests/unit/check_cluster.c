/*
 * The hub cluster's connection (hub/cluster.c) against a PostgreSQL
 * server of the test's own: it registers its hub and renews the lease,
 * writes and reads a node's row, hears other hubs' notifications and
 * ignores its own and anything malformed, declares a hub whose lease ran
 * out gone (its rows deleted, its id no longer alive), registers again
 * when its row was taken, and comes back after its connection was cut,
 * with the resync.  Skipped without PostgreSQL 15 (HAMD_TEST_PG=no too).
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <arpa/inet.h>

#include <check.h>
#include <event2/event.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hub/cluster.h"
#include "hub/session.h"
#include "hub/store.h"
#include "tests/unit/pgserver.h"

/* What cluster.c reads of the authority: its sessions online. */
struct authority	 au;

struct session *
session_online(const uint8_t *key)
{
	(void)key;
	return NULL;
}

static struct pgserver	 pgsrv;
static char		 conninfo[512], err[256];
static struct event_base *base;
static struct store	*st;
static PGconn		*raw;
static int		 nev, nalive, nresync;
static struct cluster_ev last;
static int64_t		 alive[CLUSTER_HUBS_MAX];
static size_t		 nalive_ids;

static void
on_event(const struct cluster_ev *ev)
{
	nev++;
	last = *ev;
}

static void
on_alive(const int64_t *ids, size_t n)
{
	nalive++;
	nalive_ids = n;
	memcpy(alive, ids, n * sizeof(*ids));
}

static void
on_resync(void)
{
	nresync++;
}

static const struct cluster_cb cb = { on_event, on_alive, on_resync };

static uint64_t
now_ms(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Run the loop until cond holds or ms pass; whether it held. */
static int
spin(int (*cond)(void), int ms)
{
	uint64_t	 end = now_ms() + (uint64_t)ms;

	while (now_ms() < end) {
		(void)event_base_loop(base, EVLOOP_NONBLOCK);
		if (cond != NULL && cond())
			return 1;
		(void)usleep(10000);
	}
	return cond != NULL && cond();
}

static int
connected(void)
{
	return cluster_connected();
}

static void
sql(const char *q)
{
	PGresult	*res = PQexec(raw, q);

	ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", q,
	    PQerrorMessage(raw));
	PQclear(res);
}

static long long
sql_int(const char *q)
{
	PGresult	*res = PQexec(raw, q);
	long long	 v;

	ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK &&
	    PQntuples(res) == 1, "%s: %s", q, PQerrorMessage(raw));
	v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return v;
}

/* A schema of the test's own (its process's), the store, the cluster. */
static void
setup(void)
{
	char	 q[128];

	(void)snprintf(conninfo, sizeof(conninfo), "%s options='-c "
	    "search_path=t%d,public'", pgsrv.conninfo, (int)getpid());
	(void)snprintf(q, sizeof(q), "CREATE SCHEMA t%d", (int)getpid());
	ck_assert_msg(pgserver_sql(&pgsrv, q, err, sizeof(err)) == 0, "%s",
	    err);
	st = store_open_pg(conninfo, NULL, err, sizeof(err));
	ck_assert_msg(st != NULL, "store_open_pg: %s", err);
	raw = PQconnectdb(conninfo);
	ck_assert_int_eq(PQstatus(raw), CONNECTION_OK);
	(void)PQsetNoticeProcessor(raw, pgserver_quiet, NULL);
	memset(&au, 0, sizeof(au));
	TAILQ_INIT(&au.onlines);
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	cluster_init(st, base, &cb);
	ck_assert(cluster_on());
	ck_assert(cluster_self() > 0);
	ck_assert_msg(spin(connected, 10000), "the cluster did not connect");
}

static void
teardown(void)
{
	char	 q[128];

	PQfinish(raw);
	(void)snprintf(q, sizeof(q), "DROP SCHEMA t%d CASCADE", (int)getpid());
	(void)pgserver_sql(&pgsrv, q, err, sizeof(err));
}

static char *
hex(char *out, const uint8_t *b, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		(void)sprintf(out + 2 * i, "%02x", b[i]);
	return out;
}

START_TEST(t_register)
{
	const struct cluster_hub	*h;
	char				 q[128];
	size_t				 n;

	(void)snprintf(q, sizeof(q), "SELECT count(*) FROM hubs WHERE id = "
	    "%lld", (long long)cluster_self());
	ck_assert_int_eq(sql_int(q), 1);
	cluster_tick(5);
	h = cluster_hubs(&n);
	ck_assert_uint_eq(n, 1);
	ck_assert(h[0].id == cluster_self());
	ck_assert(h[0].left_ms > 0 && h[0].left_ms <= CLUSTER_LEASE_MS);
	ck_assert(h[0].nodes == 5);
	ck_assert_int_eq(nalive, 1);
	ck_assert_uint_eq(nalive_ids, 1);
	ck_assert(alive[0] == cluster_self());
}
END_TEST

/*
 * Where a hub relays: the first address a connection reached goes into
 * its row with the lease, and the others read it; a row whose address
 * is not one is read as none.
 */
START_TEST(t_relay_addr)
{
	struct pkt_addr	 a, b, got;
	char		 q[160];

	memset(&a, 0, sizeof(a));
	a.af = AF_INET;
	a.port = htons(7777);
	a.addr[0] = 203; a.addr[2] = 113; a.addr[3] = 2;
	b = a;
	b.addr[3] = 3;
	cluster_tick(0);
	ck_assert_int_eq(cluster_hub_relay(cluster_self(), &got), -1);
	memset(&got, 0, sizeof(got));
	cluster_relay_addr(&got);		/* no address: not taken */
	cluster_relay_addr(&a);
	cluster_relay_addr(&b);			/* the first stays */
	cluster_tick(0);
	ck_assert_int_eq(cluster_hub_relay(cluster_self(), &got), 0);
	ck_assert_mem_eq(&got, &a, sizeof(a));
	ck_assert_int_eq(cluster_hub_relay(cluster_self() ^ 1, &got), -1);
	/* another hub's row with garbage for an address */
	(void)snprintf(q, sizeof(q), "INSERT INTO hubs (id, started, lease, "
	    "relay) VALUES (%lld, 0, 9000000000000, '\\x0102')",
	    (long long)(cluster_self() ^ 1));
	sql(q);
	cluster_tick(0);
	ck_assert_int_eq(cluster_hub_relay(cluster_self() ^ 1, &got), -1);
	ck_assert_int_eq(cluster_hub_relay(cluster_self(), &got), 0);
}
END_TEST

START_TEST(t_rows)
{
	struct session	 s;
	struct hub_msg	 up, paths;
	int64_t		 hub;

	memset(&s, 0, sizeof(s));
	memset(s.key, 0x42, sizeof(s.key));
	s.node.v4[0] = 100;
	s.node.v4[3] = 9;
	(void)snprintf(s.node.nick, sizeof(s.node.nick), "nine");
	s.endpoint.af = AF_INET;
	s.endpoint.port = htons(51820);
	s.endpoint.addr[0] = 192;
	s.cands.n = 1;
	s.cands.c[0].kind = HUB_CAND_OBSERVED;
	s.cands.c[0].addr = s.endpoint;
	s.relay.id = 1234;
	cluster_online(&s);
	ck_assert_int_eq(cluster_read_online(s.key, &hub, &up, &paths), 0);
	ck_assert(hub == cluster_self());
	ck_assert_mem_eq(up.u.peer.key, s.key, sizeof(s.key));
	ck_assert_mem_eq(&up.u.peer.endpoint, &s.endpoint, sizeof(s.endpoint));
	ck_assert_str_eq(up.u.peer.nick, "nine");
	ck_assert_uint_eq(paths.u.paths.cands.n, 1);
	/* Its relay id: the other hubs relay it as a guest under it. */
	ck_assert_uint_eq(paths.u.paths.relay_id, 1234);
	s.cands.n = 0;
	cluster_paths(&s);
	ck_assert_int_eq(cluster_read_online(s.key, &hub, &up, &paths), 0);
	ck_assert_uint_eq(paths.u.paths.cands.n, 0);
	/* A row that does not decode is refused, not taken. */
	sql("UPDATE hub_online SET up = '\\x0102'");
	ck_assert_int_eq(cluster_read_online(s.key, &hub, &up, &paths), -1);
	cluster_offline(&s);
	ck_assert_int_eq(cluster_read_online(s.key, &hub, &up, &paths), -1);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM hub_online"), 0);
}
END_TEST

static int
one_event(void)
{
	return nev >= 1;
}

START_TEST(t_notify)
{
	uint8_t		 key[32];
	char		 k[65], q[256];

	memset(key, 0x5a, sizeof(key));
	hex(k, key, sizeof(key));
	(void)snprintf(q, sizeof(q), "SELECT pg_notify('hamhub', 'up 42 %s')",
	    k);
	sql(q);
	ck_assert(spin(one_event, 5000));
	ck_assert_int_eq(last.type, CLUSTER_UP);
	ck_assert(last.hub == 42);
	ck_assert_mem_eq(last.key, key, sizeof(key));
	/* Garbage, and the hub's own, are not handed on. */
	sql("SELECT pg_notify('hamhub', 'up 42')");
	sql("SELECT pg_notify('hamhub', '')");
	sql("SELECT pg_notify('hamhub', repeat('x', 7000))");
	(void)snprintf(q, sizeof(q), "SELECT pg_notify('hamhub', 'up %lld "
	    "%s')", (long long)cluster_self(), k);
	sql(q);
	(void)spin(NULL, 500);
	ck_assert_int_eq(nev, 1);
}
END_TEST

START_TEST(t_lease)
{
	const int64_t	*a;

	/* 77 ran out long ago; 78 holds a lease for an hour. */
	sql("INSERT INTO hubs VALUES (77, 0, 0, 3)");
	sql("INSERT INTO hubs VALUES (78, 0, "
	    "(extract(epoch from clock_timestamp()) * 1000)::bigint + 3600000, "
	    "1)");
	sql("INSERT INTO hub_online VALUES (decode(repeat('11', 32), 'hex'), "
	    "77, '', '', 0)");
	cluster_tick(0);
	a = alive;
	ck_assert_uint_eq(nalive_ids, 2);
	ck_assert((a[0] == 78 && a[1] == cluster_self()) ||
	    (a[1] == 78 && a[0] == cluster_self()));
	ck_assert_int_eq(sql_int("SELECT count(*) FROM hubs WHERE id = 77"),
	    0);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM hub_online"), 0);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM hubs"), 2);
}
END_TEST

START_TEST(t_reregister)
{
	sql("DELETE FROM hubs");
	cluster_tick(0);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM hubs"), 1);
	ck_assert_int_eq(nalive, 1);
}
END_TEST

static int
resynced(void)
{
	cluster_tick(0);
	return nresync == 1 && cluster_connected();
}

START_TEST(t_lost)
{
	/* Every connection of the hub's cut, as a restarted server would. */
	sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
	    "application_name = 'hamhubd'");
	cluster_tick(0);
	ck_assert(!cluster_connected());
	ck_assert_int_eq(nresync, 0);
	ck_assert_msg(spin(resynced, 5000), "not back within 5 s");
	ck_assert_int_eq(sql_int("SELECT count(*) FROM hubs"), 1);
}
END_TEST

static Suite *
cluster_suite(void)
{
	Suite	*s = suite_create("cluster");
	TCase	*tc = tcase_create("cluster");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, t_register);
	tcase_add_test(tc, t_relay_addr);
	tcase_add_test(tc, t_rows);
	tcase_add_test(tc, t_notify);
	tcase_add_test(tc, t_lease);
	tcase_add_test(tc, t_reregister);
	tcase_add_test(tc, t_lost);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner		*sr;
	const char	*env = getenv("HAMD_TEST_PG");
	char		 why[256];
	int		 failed, missing = 0;

	if (env != NULL && strcmp(env, "no") == 0) {
		(void)printf("cluster: skipped: HAMD_TEST_PG=no\n");
		return 77;
	}
	if (pgserver_start(&pgsrv, NULL, &missing, why, sizeof(why)) != 0 ||
	    pgserver_sql(&pgsrv, "CREATE EXTENSION citext SCHEMA public", why,
	    sizeof(why)) != 0) {
		pgserver_stop(&pgsrv);
		(void)printf("cluster: %s%s\n", missing ? "skipped: " : "",
		    why);
		return missing ? 77 : EXIT_FAILURE;
	}
	sr = srunner_create(cluster_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	pgserver_stop(&pgsrv);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
