/*
 * The store's SQL: the schema's migrations and every statement, by
 * name.  Text only, with no database's API, so that each backend behind
 * hub/store.h runs the same statements (see store_sql.c for the dialect
 * and the placeholders).
 */
#ifndef HAMD_STORE_SQL_H
#define HAMD_STORE_SQL_H

#include <stddef.h>

enum store_query {
	Q_META_GET, Q_META_ADD,
	Q_META_PUT,
	Q_NODE_GET, Q_NODE_ADD, Q_NODE_SEEN, Q_NODE_NICK, Q_NODE_TOUCH,
	Q_NODE_ALL, Q_NODE_COUNT, Q_NODE_MAX4, Q_NODE_EXPIRED, Q_NODE_DEL,
	Q_FREE4_MIN, Q_FREE4_ADD, Q_FREE4_DEL, Q_FREE4_CLEAR, Q_FREE4_FILL,
	Q_NET_ADD, Q_NET_DEL, Q_NET_BY_NAME, Q_NET_BY_ID, Q_NET_EXISTS,
	Q_NET_UPDATE, Q_NET_OWNER, Q_NET_ALL, Q_NET_COUNT, Q_NET_COUNTS,
	Q_NET_ROOM, Q_NET_GATEWAY,
	Q_MEMBER_GET, Q_MEMBER_ADD, Q_MEMBER_STATE, Q_MEMBER_ROLE,
	Q_MEMBER_DEL, Q_MEMBER_DEL_NET, Q_MEMBER_DEMOTE_OWNER, Q_MEMBER_ALL,
	Q_MEMBER_NETS,
	Q_INVITE_ADD, Q_INVITE_DEL, Q_INVITE_DEL_NET, Q_INVITE_GET,
	Q_PEERS, Q_PEER_NODES, Q_ARE_PEERS, Q_PEER_FLAGS, Q_NET_ETH,
	Q_BLOCK_ADD, Q_BLOCK_DEL, Q_BLOCK_ALL, Q_BLOCK_COUNT, Q_BLOCK_PLENS,
	Q_BLOCK_FIND,
	Q_ROUTE_ADD, Q_ROUTE_DEL, Q_ROUTE_GET, Q_ROUTE_NCOUNT, Q_ROUTE_OF_NODE,
	Q_ROUTE_OF_NET, Q_ROUTE_OK_ADD, Q_ROUTE_OK_DEL, Q_ROUTE_OK_NET,
	Q_ROUTE_OK_SHARED, Q_ROUTE_BETWEEN, Q_ROUTE_OK_ANY,
	Q_MAX
};

/* Placeholders are ?1 .. ?STORE_SQL_MAXARG. */
#define STORE_SQL_MAXARG	9

extern const char *const store_queries[Q_MAX];

/*
 * store_migrations[i] takes a database from schema version i to i + 1;
 * the schema's version is store_nmigrations.
 */
extern const char *const store_migrations[];
extern const size_t store_nmigrations;

/*
 * PostgreSQL's rendering of each migration (as many), and its text of
 * the statements it cannot read as written (NULL for the rest).
 */
extern const char *const store_pg_migrations[];
extern const char *const store_pg_queries[Q_MAX];

#endif
