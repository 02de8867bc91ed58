/*
 * A connection of its own to the PostgreSQL database a store is on,
 * with the store's settings and password (store_pg.c): for what cannot
 * share the store's connection, the cluster's LISTEN (cluster.c).
 * NULL when the store is not on PostgreSQL or there is no memory;
 * otherwise the caller checks PQstatus and calls PQfinish.
 */
#ifndef HAMD_HUB_STORE_PGCONN_H
#define HAMD_HUB_STORE_PGCONN_H

#include <libpq-fe.h>

struct store;

PGconn	*store_pg_connect(struct store *);

#endif
