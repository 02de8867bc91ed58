/*
 * What check_store.c shares with check_store_pg.c: the test's database
 * (a file on SQLite, a schema of its own on PostgreSQL) and raw access
 * to it past the store's interface.
 */
#ifndef HAMD_TESTS_STORETEST_H
#define HAMD_TESTS_STORETEST_H

#include <check.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "hub/store.h"
#include "tests/unit/pgserver.h"

extern char		 dir[96];	/* the test's own directory */
extern char		 dbpath[128];	/* SQLite's file in it */
extern char		 err[256];
extern int		 use_pg;	/* the suite's backend */
extern struct pgserver	 pgsrv;
extern char		 pgconn[512];	/* the test's schema */
extern char		 pgschema[32];

/* The store on the suite's backend; NULL with err set. */
struct store	*tstore_open(void);
/* The same, the test failing if it does not open. */
struct store	*opendb(void);
/* A connection of the test's own to its schema. */
PGconn		*rawpg(void);
void		 raw_exec(const char *sql);
/* One integer; ?1, if there, is net. */
int64_t		 raw_int(const char *sql, const uint8_t *net);

/* check_store_pg.c's tests, into the PostgreSQL suite's cases. */
void	store_pg_tests(TCase *);
void	store_pg_process_tests(TCase *);

#endif
