/*
 * A connection of its own to the PostgreSQL database a store is on,
 * with the store's settings and password (store_pg.c): for what cannot
 * share the store's connection, the cluster's LISTEN (cluster.c).
 * Started, not made: the caller drives PQconnectPoll on its event loop
 * (and times it out: libpq's connect_timeout does not apply then), so
 * a server that does not answer never stops the process.  NULL when
 * the store is not on PostgreSQL or there is no memory; otherwise the
 * caller checks PQstatus and calls PQfinish.
 */
#ifndef HAMD_HUB_STORE_PGCONN_H
#define HAMD_HUB_STORE_PGCONN_H

#include <libpq-fe.h>

struct store;

PGconn	*store_pg_connect_start(struct store *);

#endif
