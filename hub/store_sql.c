/*
 * The store's SQL, kept apart from any database's API so that the
 * SQLite backend (store_sqlite.c) and a PostgreSQL one behind the same
 * hub/store.h run the same statements.
 *
 * Placeholders are numbered, ?1 to ?9, and every '?' in a statement is
 * one: PostgreSQL's form is the same with '$' for '?', so a backend for
 * it rewrites the text mechanically (check_store proves that rewrite
 * sound: no other '?', numbers 1..n all used).  Numbered rather than
 * plain '?' because a statement may use an argument twice (Q_NODE_ADD,
 * Q_MEMBER_STATE), as both databases allow.  Arguments
 * are bound by the backend in the order of their numbers (store_db.h).
 *
 * The statements are plain SQL that both databases read the same way,
 * but for three things a PostgreSQL backend has to know:
 *  - names compare without regard to ASCII case because the column is
 *    declared so (COLLATE NOCASE here; citext, or an index on
 *    lower(name), there), not because the statements say so;
 *  - a bare placeholder whose type nothing in the statement fixes
 *    (SELECT ?1 in Q_FREE4_FILL) is untyped there and wants a cast;
 *  - EXISTS (Q_ARE_PEERS) is an integer here and a boolean there.
 * The schema's text is SQLite's own (BLOB, WITHOUT ROWID, COLLATE
 * NOCASE, the version in PRAGMA user_version): PostgreSQL's rendering
 * of the same steps is store_pg_migrations below, and check_store
 * compares the tables, columns and indexes both make.
 *
 * How store_pg.c meets the three: it binds every argument with a type
 * (bytea, bigint; text alone is left for the server to infer, so that
 * a name meets the citext column as citext), which settles the untyped
 * placeholder; it reads a boolean column as an integer; and the name
 * column is citext in the "C" collation, which compares and sorts as
 * NOCASE does.  A statement that PostgreSQL must read otherwise goes
 * into store_pg_queries, by name, with the same placeholders.
 */
#include "autoconf.h"

#include <stddef.h>

#include "hub/store.h"
#include "hub/store_sql.h"

/* The SQL below spells the enums as numbers. */
_Static_assert(HUB_ROLE_MEMBER == 0 && HUB_ROLE_ADMIN == 1 &&
    HUB_ROLE_OWNER == 2 && HUB_ROLE_MAX == 3, "hub_role values");
_Static_assert(HUB_MSTATE_ACTIVE == 0 && HUB_MSTATE_PENDING == 1 &&
    HUB_MSTATE_BANNED == 2 && HUB_MSTATE_MAX == 3, "hub_mstate values");
_Static_assert(HUB_TYPE_MESH == 0 && HUB_TYPE_HUBSPOKE == 1 &&
    HUB_TYPE_GATEWAY == 2 && HUB_TYPE_MAX == 3, "hub_net_type values");
_Static_assert(HUB_MODE_MAX == 3, "hub_join_mode values");
_Static_assert(HUB_NICK_MAX == 33 && HUB_NAME_MAX == 64 &&
    STORE_PWHASH_MAX == 128, "string limits in the schema");

/*
 * store_migrations[i] takes a database from version i to i + 1.  Append
 * only: a released step never changes, since databases out there have
 * already run it.
 *
 * Blocked ranges keep the family as 4 or 6 rather than AF_INET and
 * AF_INET6, whose values differ between systems.  A non-active member
 * is always a plain member, so a role survives only while it can be
 * used; one owner per network is an index rather than a convention.
 */
const char *const store_migrations[] = {
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
	/*
	 * 1 -> 2: addresses are handed out without looking at every node:
	 * free4 holds the pool's addresses below its high-water mark that
	 * no node has (freed ones), meta "pool4" the pool and that mark
	 * (store_node.c).  Expiry finds old nodes by last_seen, and nodes
	 * with an invitation by key.
	 */
	"CREATE TABLE free4 ("
	"	v4	INTEGER PRIMARY KEY NOT NULL"
	"		CHECK (v4 BETWEEN 0 AND 4294967295)"
	");"
	"CREATE INDEX nodes_seen ON nodes (last_seen);"
	"CREATE INDEX invites_pubkey ON invites (pubkey);",
	/*
	 * 2 -> 3: whether broadcast and multicast flow among a network's
	 * members (hamctl set NET broadcast on|off), on as on a LAN.
	 */
	"ALTER TABLE nets ADD COLUMN bcast INTEGER NOT NULL DEFAULT 1"
	"	CHECK (bcast BETWEEN 0 AND 1);"
	/* and whether it is an Ethernet network (layer 2, TAP devices) */
	"ALTER TABLE nets ADD COLUMN eth INTEGER NOT NULL DEFAULT 0"
	"	CHECK (eth BETWEEN 0 AND 1);",
	/*
	 * 3 -> 4: subnet routes.  routes holds what each node advertises,
	 * route_ok which network approved which of them (by whom, since
	 * when); withdrawing a route or deleting the network takes its
	 * approvals with it.  Families as in blocks: 4 or 6.
	 */
	"CREATE TABLE routes ("
	"	pubkey	BLOB NOT NULL CHECK (length(pubkey) = 32),"
	"	af	INTEGER NOT NULL,"
	"	plen	INTEGER NOT NULL,"
	"	addr	BLOB NOT NULL,"
	"	created	INTEGER NOT NULL,"
	"	PRIMARY KEY (pubkey, af, plen, addr),"
	"	CHECK ((af = 4 AND length(addr) = 4 AND plen BETWEEN 0 AND 32)"
	"	    OR (af = 6 AND length(addr) = 16 AND"
	"	    plen BETWEEN 0 AND 128))"
	") WITHOUT ROWID;"
	"CREATE TABLE route_ok ("
	"	net	BLOB NOT NULL REFERENCES nets (id) ON DELETE CASCADE,"
	"	pubkey	BLOB NOT NULL,"
	"	af	INTEGER NOT NULL,"
	"	plen	INTEGER NOT NULL,"
	"	addr	BLOB NOT NULL,"
	"	approver BLOB NOT NULL CHECK (length(approver) = 32),"
	"	since	INTEGER NOT NULL,"
	"	PRIMARY KEY (net, pubkey, af, plen, addr),"
	"	FOREIGN KEY (pubkey, af, plen, addr)"
	"	    REFERENCES routes (pubkey, af, plen, addr) ON DELETE CASCADE"
	") WITHOUT ROWID;"
	"CREATE INDEX route_ok_pubkey ON route_ok (pubkey, af, plen, addr);"
	/*
	 * A gateway network is stored as a hub-and-spoke one (type 1) with
	 * a row here: the owner's routes count as approved in it.
	 */
	"CREATE TABLE gateway_nets ("
	"	net	BLOB PRIMARY KEY NOT NULL"
	"		REFERENCES nets (id) ON DELETE CASCADE"
	") WITHOUT ROWID;",
	/*
	 * 4 -> 5: a cluster of hubs on one database (PostgreSQL; a hub on
	 * SQLite is alone and leaves both empty).  hubs has one row per
	 * running hub, its lease renewed every second in the database's
	 * own time (milliseconds); hub_online one per node logged in to
	 * one of them, with what its peers on other hubs are told: its
	 * PEER_UP (address, nickname, endpoint) and PEER_PATHS (relay id,
	 * candidates) as the protocol encodes them (cluster.c).
	 */
	"CREATE TABLE hubs ("
	"	id	INTEGER PRIMARY KEY NOT NULL CHECK (id > 0),"
	"	started	INTEGER NOT NULL,"
	"	lease	INTEGER NOT NULL,"
	"	nodes	INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE TABLE hub_online ("
	"	pubkey	BLOB PRIMARY KEY NOT NULL CHECK (length(pubkey) = 32),"
	"	hub	INTEGER NOT NULL,"
	"	up	BLOB NOT NULL,"
	"	paths	BLOB NOT NULL,"
	"	since	INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE INDEX hub_online_hub ON hub_online (hub);",
	/*
	 * 5 -> 6: the address and UDP port where a hub relays, as the
	 * protocol encodes an addr (NULL: none known yet), so that the
	 * other hubs can send their nodes there as guests (guest.h).
	 */
	"ALTER TABLE hubs ADD COLUMN relay BLOB;",
};

/*
 * The same steps for PostgreSQL: store_pg_migrations[i] does what
 * store_migrations[i] does, column for column (check_store compares
 * the two schemas), in PostgreSQL's types: BLOB is bytea, INTEGER
 * bigint (SQLite's integers are 64 bits), TEXT COLLATE NOCASE citext in
 * the "C" collation (ASCII case folded, byte order: NOCASE exactly).
 * The version is in the table schema_version, which store_pg.c keeps
 * as SQLite keeps PRAGMA user_version.  Append a step to both lists at
 * once.
 */
const char *const store_pg_migrations[] = {
	/* 0 -> 1 */
	"CREATE EXTENSION IF NOT EXISTS citext;"
	"CREATE TABLE meta ("
	"	name	TEXT PRIMARY KEY NOT NULL,"
	"	val	BYTEA NOT NULL"
	");"
	"CREATE TABLE nodes ("
	"	pubkey	BYTEA PRIMARY KEY NOT NULL"
	"		CHECK (length(pubkey) = 32),"
	"	v4	BIGINT NOT NULL UNIQUE"
	"		CHECK (v4 BETWEEN 0 AND 4294967295),"
	"	v6	BYTEA NOT NULL CHECK (length(v6) = 16),"
	"	nick	TEXT NOT NULL DEFAULT '' CHECK (length(nick) <= 32),"
	"	created	BIGINT NOT NULL,"
	"	last_seen BIGINT NOT NULL"
	");"
	"CREATE TABLE nets ("
	"	id	BYTEA PRIMARY KEY NOT NULL CHECK (length(id) = 16),"
	"	name	CITEXT COLLATE \"C\" NOT NULL UNIQUE"
	"		CHECK (length(name) BETWEEN 1 AND 63),"
	"	pwhash	TEXT NOT NULL CHECK (length(pwhash) <= 127),"
	"	type	BIGINT NOT NULL CHECK (type BETWEEN 0 AND 1),"
	"	mode	BIGINT NOT NULL CHECK (mode BETWEEN 0 AND 2),"
	"	lim	BIGINT NOT NULL CHECK (lim BETWEEN 0 AND 4294967295),"
	"	owner	BYTEA NOT NULL CHECK (length(owner) = 32),"
	"	created	BIGINT NOT NULL"
	");"
	"CREATE TABLE members ("
	"	net	BYTEA NOT NULL REFERENCES nets (id) ON DELETE CASCADE,"
	"	pubkey	BYTEA NOT NULL CHECK (length(pubkey) = 32),"
	"	role	BIGINT NOT NULL CHECK (role BETWEEN 0 AND 2),"
	"	state	BIGINT NOT NULL CHECK (state BETWEEN 0 AND 2),"
	"	since	BIGINT NOT NULL,"
	"	PRIMARY KEY (net, pubkey),"
	"	CHECK (role = 0 OR state = 0)"
	");"
	"CREATE INDEX members_pubkey ON members (pubkey, state);"
	"CREATE UNIQUE INDEX members_owner ON members (net) WHERE role = 2;"
	"CREATE TABLE invites ("
	"	net	BYTEA NOT NULL REFERENCES nets (id) ON DELETE CASCADE,"
	"	pubkey	BYTEA NOT NULL CHECK (length(pubkey) = 32),"
	"	created	BIGINT NOT NULL,"
	"	PRIMARY KEY (net, pubkey)"
	");"
	"CREATE TABLE blocks ("
	"	af	BIGINT NOT NULL,"
	"	plen	BIGINT NOT NULL,"
	"	addr	BYTEA NOT NULL,"
	"	created	BIGINT NOT NULL,"
	"	PRIMARY KEY (af, plen, addr),"
	"	CHECK ((af = 4 AND length(addr) = 4 AND plen <= 32) OR"
	"	    (af = 6 AND length(addr) = 16 AND plen <= 128)),"
	"	CHECK (plen >= 0)"
	");",
	/* 1 -> 2 */
	"CREATE TABLE free4 ("
	"	v4	BIGINT PRIMARY KEY NOT NULL"
	"		CHECK (v4 BETWEEN 0 AND 4294967295)"
	");"
	"CREATE INDEX nodes_seen ON nodes (last_seen);"
	"CREATE INDEX invites_pubkey ON invites (pubkey);",
	/* 2 -> 3 */
	"ALTER TABLE nets ADD COLUMN bcast BIGINT NOT NULL DEFAULT 1"
	"	CHECK (bcast BETWEEN 0 AND 1);"
	"ALTER TABLE nets ADD COLUMN eth BIGINT NOT NULL DEFAULT 0"
	"	CHECK (eth BETWEEN 0 AND 1);",
	/* 3 -> 4 */
	"CREATE TABLE routes ("
	"	pubkey	BYTEA NOT NULL CHECK (length(pubkey) = 32),"
	"	af	BIGINT NOT NULL,"
	"	plen	BIGINT NOT NULL,"
	"	addr	BYTEA NOT NULL,"
	"	created	BIGINT NOT NULL,"
	"	PRIMARY KEY (pubkey, af, plen, addr),"
	"	CHECK ((af = 4 AND length(addr) = 4 AND plen BETWEEN 0 AND 32)"
	"	    OR (af = 6 AND length(addr) = 16 AND"
	"	    plen BETWEEN 0 AND 128))"
	");"
	"CREATE TABLE route_ok ("
	"	net	BYTEA NOT NULL REFERENCES nets (id) ON DELETE CASCADE,"
	"	pubkey	BYTEA NOT NULL,"
	"	af	BIGINT NOT NULL,"
	"	plen	BIGINT NOT NULL,"
	"	addr	BYTEA NOT NULL,"
	"	approver BYTEA NOT NULL CHECK (length(approver) = 32),"
	"	since	BIGINT NOT NULL,"
	"	PRIMARY KEY (net, pubkey, af, plen, addr),"
	"	FOREIGN KEY (pubkey, af, plen, addr)"
	"	    REFERENCES routes (pubkey, af, plen, addr) ON DELETE CASCADE"
	");"
	"CREATE INDEX route_ok_pubkey ON route_ok (pubkey, af, plen, addr);"
	"CREATE TABLE gateway_nets ("
	"	net	BYTEA PRIMARY KEY NOT NULL"
	"		REFERENCES nets (id) ON DELETE CASCADE"
	");",
	/* 4 -> 5 */
	"CREATE TABLE hubs ("
	"	id	BIGINT PRIMARY KEY NOT NULL CHECK (id > 0),"
	"	started	BIGINT NOT NULL,"
	"	lease	BIGINT NOT NULL,"
	"	nodes	BIGINT NOT NULL DEFAULT 0"
	");"
	"CREATE TABLE hub_online ("
	"	pubkey	BYTEA PRIMARY KEY NOT NULL CHECK (length(pubkey) = 32),"
	"	hub	BIGINT NOT NULL,"
	"	up	BYTEA NOT NULL,"
	"	paths	BYTEA NOT NULL,"
	"	since	BIGINT NOT NULL"
	");"
	"CREATE INDEX hub_online_hub ON hub_online (hub);",
	/* 5 -> 6 */
	"ALTER TABLE hubs ADD COLUMN relay BYTEA;",
};

_Static_assert(nitems(store_pg_migrations) == nitems(store_migrations),
    "every schema step in both dialects");

/*
 * The statements.  Enum hub_role, hub_mstate and hub_net_type appear as
 * their numbers (asserted above).  Peers: me and o are two members'
 * rows in a network they share; in a hub-and-spoke network (type 1)
 * one of them must have a role.
 */
#define NODE_COLS	"pubkey, v4, v6, nick, created, last_seen"
#define NET_COLS	"id, name, pwhash, type, mode, lim, owner, created, " \
			"bcast, eth"
#define NET_COLS_N	"n.id, n.name, n.pwhash, " GW_TYPE("n") ", n.mode, " \
			"n.lim, n.owner, n.created, n.bcast, n.eth"
/* A network's type as the protocol has it: 2 for a gateway network. */
#define GW_TYPE(t)	"CASE WHEN EXISTS (SELECT 1 FROM gateway_nets g" \
			" WHERE g.net = " t ".id) THEN 2 ELSE " t ".type END"
#define NET_SEL		"id, name, pwhash, " GW_TYPE("nets") ", mode, lim," \
			" owner, created, bcast, eth"
#define MEMBER_COLS	"net, pubkey, role, state, since"
#define MEMBER_COLS_M	"m.net, m.pubkey, m.role, m.state, m.since"
#define PEER_RULE	"me.state = 0 AND o.state = 0 AND" \
			" (n.type = 0 OR me.role > 0 OR o.role > 0)"

const char *const store_queries[Q_MAX] = {
	[Q_META_GET] = "SELECT val FROM meta WHERE name = ?1",
	[Q_META_ADD] = "INSERT INTO meta (name, val) VALUES (?1, ?2)",

	[Q_META_PUT] = "INSERT INTO meta (name, val) VALUES (?1, ?2)"
	    " ON CONFLICT (name) DO UPDATE SET val = excluded.val",

	[Q_NODE_GET] = "SELECT " NODE_COLS " FROM nodes WHERE pubkey = ?1",
	[Q_NODE_ADD] = "INSERT INTO nodes (" NODE_COLS ")"
	    " VALUES (?1, ?2, ?3, ?5, ?4, ?4)",
	[Q_NODE_SEEN] = "UPDATE nodes SET v4 = ?2, v6 = ?3, last_seen = ?4,"
	    " nick = ?5 WHERE pubkey = ?1",
	[Q_NODE_NICK] = "UPDATE nodes SET nick = ?2 WHERE pubkey = ?1",
	[Q_NODE_TOUCH] = "UPDATE nodes SET last_seen = ?2 WHERE pubkey = ?1"
	    " AND last_seen < ?2",
	[Q_NODE_ALL] = "SELECT " NODE_COLS " FROM nodes ORDER BY v4",
	[Q_NODE_COUNT] = "SELECT count(*) FROM nodes",
	/* The pool's highest address in use, by the index on v4. */
	[Q_NODE_MAX4] = "SELECT v4 FROM nodes WHERE v4 BETWEEN ?1 AND ?2"
	    " ORDER BY v4 DESC LIMIT 1",
	/* Not seen since ?1, and in no network: no row, no invitation. */
	[Q_NODE_EXPIRED] = "SELECT pubkey, v4 FROM nodes WHERE last_seen < ?1"
	    " AND NOT EXISTS (SELECT 1 FROM members m"
	    "  WHERE m.pubkey = nodes.pubkey)"
	    " AND NOT EXISTS (SELECT 1 FROM invites i"
	    "  WHERE i.pubkey = nodes.pubkey)"
	    " ORDER BY last_seen LIMIT ?2",
	[Q_NODE_DEL] = "DELETE FROM nodes WHERE pubkey = ?1",

	[Q_FREE4_MIN] = "SELECT v4 FROM free4 WHERE v4 BETWEEN ?1 AND ?2"
	    " ORDER BY v4 LIMIT 1",
	[Q_FREE4_ADD] = "INSERT INTO free4 (v4) VALUES (?1)",
	[Q_FREE4_DEL] = "DELETE FROM free4 WHERE v4 = ?1",
	[Q_FREE4_CLEAR] = "DELETE FROM free4",
	/* Every address of [?1, ?2) no node has: once per pool. */
	[Q_FREE4_FILL] = "WITH RECURSIVE r (c) AS (SELECT ?1 UNION ALL"
	    " SELECT c + 1 FROM r WHERE c + 1 < ?2)"
	    " INSERT INTO free4 (v4) SELECT c FROM r"
	    " WHERE NOT EXISTS (SELECT 1 FROM nodes WHERE v4 = c)",

	[Q_NET_ADD] = "INSERT INTO nets (" NET_COLS ")"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0)",
	[Q_NET_DEL] = "DELETE FROM nets WHERE id = ?1",
	[Q_NET_BY_NAME] = "SELECT " NET_SEL " FROM nets WHERE name = ?1",
	[Q_NET_BY_ID] = "SELECT " NET_SEL " FROM nets WHERE id = ?1",
	[Q_NET_GATEWAY] = "INSERT INTO gateway_nets (net) VALUES (?1)",
	[Q_NET_EXISTS] = "SELECT 1 FROM nets WHERE id = ?1",
	[Q_NET_UPDATE] = "UPDATE nets SET pwhash = ?2, mode = ?3, lim = ?4,"
	    " bcast = ?5 WHERE id = ?1",
	[Q_NET_OWNER] = "UPDATE nets SET owner = ?2 WHERE id = ?1",
	[Q_NET_ALL] = "SELECT " NET_SEL " FROM nets ORDER BY name",
	[Q_NET_COUNT] = "SELECT count(*) FROM nets",
	[Q_NET_COUNTS] = "SELECT"
	    " (SELECT count(*) FROM members m WHERE m.net = n.id AND"
	    "  m.state = 0),"
	    " (SELECT count(*) FROM members m WHERE m.net = n.id AND"
	    "  m.state = 1)"
	    " FROM nets n WHERE n.id = ?1",
	/* Only when it is made. */
	[Q_NET_ETH] = "UPDATE nets SET eth = ?2 WHERE id = ?1",
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
	[Q_INVITE_GET] = "SELECT 1 FROM invites WHERE net = ?1 AND pubkey = ?2",

	[Q_PEERS] = "SELECT DISTINCT o.pubkey FROM members me"
	    " JOIN nets n ON n.id = me.net"
	    " JOIN members o ON o.net = me.net AND o.pubkey <> me.pubkey"
	    " WHERE me.pubkey = ?1 AND " PEER_RULE " ORDER BY o.pubkey",
	/* The same peers, with their node rows. */
	[Q_PEER_NODES] = "SELECT " NODE_COLS " FROM nodes WHERE pubkey IN"
	    " (SELECT o.pubkey FROM members me"
	    " JOIN nets n ON n.id = me.net"
	    " JOIN members o ON o.net = me.net AND o.pubkey <> me.pubkey"
	    " WHERE me.pubkey = ?1 AND " PEER_RULE ")",
	/* The peers, with their networks' flags ORed (HUB_NET_*). */
	[Q_PEER_FLAGS] = "SELECT o.pubkey, max(n.bcast), max(n.eth)"
	    " FROM members me"
	    " JOIN nets n ON n.id = me.net"
	    " JOIN members o ON o.net = me.net AND o.pubkey <> me.pubkey"
	    " WHERE me.pubkey = ?1 AND " PEER_RULE
	    " GROUP BY o.pubkey ORDER BY o.pubkey",
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

	/* Subnet routes (see the 2 -> 3 step). */
#define ROUTE_KEY	"af = ?2 AND plen = ?3 AND addr = ?4"
	[Q_ROUTE_ADD] = "INSERT INTO routes (pubkey, af, plen, addr, created)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)",
	[Q_ROUTE_DEL] = "DELETE FROM routes WHERE pubkey = ?1 AND " ROUTE_KEY,
	[Q_ROUTE_GET] = "SELECT 1 FROM routes WHERE pubkey = ?1 AND " ROUTE_KEY,
	[Q_ROUTE_NCOUNT] = "SELECT count(*) FROM routes WHERE pubkey = ?1",
	/* A node's own, approved in some network where it is active. */
	[Q_ROUTE_OF_NODE] = "SELECT r.pubkey, r.af, r.plen, r.addr,"
	    " EXISTS (SELECT 1 FROM route_ok o JOIN members m"
	    "  ON m.net = o.net AND m.pubkey = o.pubkey AND m.state = 0"
	    "  WHERE o.pubkey = r.pubkey AND o.af = r.af AND"
	    "  o.plen = r.plen AND o.addr = r.addr) OR (r.plen > 0 AND"
	    " EXISTS (SELECT 1 FROM nets n JOIN gateway_nets g ON g.net = n.id"
	    "  WHERE n.owner = r.pubkey))"
	    " FROM routes r WHERE r.pubkey = ?1 ORDER BY r.af, r.addr, r.plen",
	/* Those of a network's active members, approved there or not. */
	[Q_ROUTE_OF_NET] = "SELECT r.pubkey, r.af, r.plen, r.addr,"
	    " EXISTS (SELECT 1 FROM route_ok o WHERE o.net = ?1 AND"
	    "  o.pubkey = r.pubkey AND o.af = r.af AND o.plen = r.plen AND"
	    "  o.addr = r.addr) OR (r.plen > 0 AND EXISTS (SELECT 1 FROM nets n"
	    "  JOIN gateway_nets g ON g.net = n.id WHERE n.id = ?1 AND"
	    "  n.owner = r.pubkey))"
	    " FROM routes r JOIN members m ON m.pubkey = r.pubkey AND"
	    " m.net = ?1 AND m.state = 0"
	    " ORDER BY r.af, r.addr, r.plen, r.pubkey",
	[Q_ROUTE_OK_ADD] = "INSERT INTO route_ok (net, pubkey, af, plen, addr,"
	    " approver, since) VALUES (?1, ?5, ?2, ?3, ?4, ?6, ?7)",
	[Q_ROUTE_OK_DEL] = "DELETE FROM route_ok WHERE net = ?1 AND"
	    " pubkey = ?5 AND " ROUTE_KEY,
	/*
	 * Approved routes another node could conflict with: those of
	 * network ?1 (?2 = 0), or of every network where node ?1 is
	 * active (?2 = 1); the node's own are left out by the caller.
	 */
	[Q_ROUTE_OK_NET] = "SELECT pubkey, af, plen, addr FROM route_ok"
	    " WHERE net = ?1 ORDER BY af, addr, plen",
	[Q_ROUTE_OK_SHARED] = "SELECT o.pubkey, o.af, o.plen, o.addr"
	    " FROM route_ok o JOIN members me ON me.net = o.net AND"
	    " me.pubkey = ?1 AND me.state = 0 ORDER BY o.af, o.addr, o.plen",
	/* What node ?1 routes through its peer ?2 (?1 = ?2: its own). */
	[Q_ROUTE_BETWEEN] = "SELECT r.af, r.plen, r.addr"
	    " FROM route_ok r JOIN nets n ON n.id = r.net"
	    " JOIN members me ON me.net = r.net AND me.pubkey = ?1"
	    " JOIN members o ON o.net = r.net AND o.pubkey = ?2"
	    " WHERE r.pubkey = ?2 AND me.state = 0 AND o.state = 0 AND"
	    " (?1 = ?2 OR n.type = 0 OR me.role > 0 OR o.role > 0)"
	    " UNION SELECT r.af, r.plen, r.addr FROM routes r"
	    " JOIN nets n ON n.owner = r.pubkey"
	    " JOIN gateway_nets g ON g.net = n.id"
	    " JOIN members me ON me.net = n.id AND me.pubkey = ?1"
	    " JOIN members o ON o.net = n.id AND o.pubkey = ?2"
	    " WHERE r.pubkey = ?2 AND r.plen > 0 AND me.state = 0 AND"
	    " o.state = 0 ORDER BY 1, 3, 2",
	[Q_ROUTE_OK_ANY] = "SELECT 1 FROM route_ok WHERE pubkey = ?1"
	    " UNION ALL SELECT 1 FROM routes r JOIN nets n ON n.owner = r.pubkey"
	    " JOIN gateway_nets g ON g.net = n.id"
	    " WHERE r.pubkey = ?1 AND r.plen > 0 LIMIT 1",
};

/*
 * PostgreSQL's text of a statement that it cannot take as written
 * above, with the same placeholders; NULL: the one above, '?' made
 * '$'.
 */
const char *const store_pg_queries[Q_MAX] = {
	/* A series, not a recursion of millions of rows. */
	[Q_FREE4_FILL] = "INSERT INTO free4 (v4) SELECT c FROM"
	    " generate_series(?1::bigint, ?2::bigint - 1) AS c"
	    " WHERE NOT EXISTS (SELECT 1 FROM nodes WHERE v4 = c)",
};

const size_t store_nmigrations = nitems(store_migrations);
