/*
 * hamhubd's persistent state: nodes and their overlay addresses,
 * networks, memberships, invites, blocked address ranges and a few
 * hub-wide values.  One interface, two backends: SQLite for one hub
 * (store_sqlite.c) and PostgreSQL, which several hubs can share
 * (store_pg.c); see store_backend.h.
 *
 * Every call that changes state does so in one transaction: it either
 * happens completely and is on disk when the call returns, or it does
 * not happen at all.  Any negative return leaves the store unchanged.
 * Several processes may use the same database at once; the store waits
 * for a busy database up to STORE_BUSY_MS before it gives up.
 *
 * Keys are X25519 public keys (32 bytes), network IDs 16 bytes, IPv4
 * and IPv6 addresses bytes in network order.  Times are whatever the
 * caller passes (unix seconds); the store never reads the clock except
 * to bound its waiting.
 */
#ifndef HAMD_STORE_H
#define HAMD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "proto/hubproto.h"

#define STORE_OK	  0
#define STORE_ERR	(-1)	/* database error: see store_errmsg() */
#define STORE_NOTFOUND	(-2)
#define STORE_EXISTS	(-3)
#define STORE_FULL	(-4)	/* member limit or address pool */
#define STORE_BANNED	(-5)
#define STORE_DENIED	(-6)	/* not allowed on the network's owner */

#define STORE_BUSY_MS	5000
#define STORE_PWHASH_MAX	128	/* Argon2id string with its NUL */

struct store;

struct store_node {
	uint8_t		key[HUB_KEY_LEN];
	uint8_t		v4[4];
	uint8_t		v6[16];
	char		nick[HUB_NICK_MAX];
	int64_t		created, last_seen;
};

struct store_net {
	uint8_t		id[HUB_NETID_LEN];
	char		name[HUB_NAME_MAX];
	char		pwhash[STORE_PWHASH_MAX];
	uint8_t		type, mode;	/* enum hub_net_type, hub_join_mode */
	uint32_t	limit;		/* active members, 0: none */
	uint8_t		owner[HUB_KEY_LEN];
	int64_t		created;
	/*
	 * 0/1: broadcast and multicast flow among the members (a LAN's
	 * semantics); networks made before the column existed have it on.
	 */
	uint8_t		bcast;
	/* 0/1: an Ethernet network (layer 2); fixed when it is made */
	uint8_t		eth;
};

struct store_member {
	uint8_t		netid[HUB_NETID_LEN];
	uint8_t		key[HUB_KEY_LEN];
	uint8_t		role, state;	/* enum hub_role, hub_mstate */
	int64_t		since;		/* last change of state */
};

struct store_block {
	uint8_t		af;		/* AF_INET or AF_INET6 */
	uint8_t		plen;
	uint8_t		addr[16];	/* AF_INET: the first 4 bytes */
	int64_t		created;
};

/*
 * Open or create the database.  A new file is created mode 0600; an
 * existing one that group or others may access is refused, as is one
 * written by a newer version of the code.  NULL with a message in err
 * on failure.
 */
struct store	*store_open(const char *path, char *err, size_t errlen);
/*
 * Connect to PostgreSQL (libpq's connection string; password, if not
 * NULL, from a file, never in the string) and bring the schema up to
 * date, as store_open does for a file.  The same operations then run
 * on a database several hubs may share (store_pg.c says how).
 */
struct store	*store_open_pg(const char *conninfo, const char *password,
		    char *err, size_t errlen);
void		 store_close(struct store *);
/* "sqlite" or "postgresql". */
const char	*store_backend_name(struct store *);
int		 store_schema_version(struct store *);
const char	*store_errmsg(struct store *);
/* Whether the last error was the database's want of memory. */
int		 store_nomem(struct store *);
/*
 * Whether the database cannot be reached now (PostgreSQL: the
 * connection is lost and not made again yet; never on SQLite).
 */
int		 store_down(struct store *);
const char	*store_strerror(int code);

/*
 * Hub-wide values (the IPv6 ULA prefix chosen at first start): if name
 * is absent store val, else copy the stored value into val.  The stored
 * value must be exactly len bytes (STORE_ERR otherwise).
 */
int	store_meta_get_or_set(struct store *, const char *name, void *val,
	    size_t len);

int	store_node_get(struct store *, const uint8_t key[32],
	    struct store_node *out);
/*
 * A login, in one transaction: get the node or create it with the
 * lowest free IPv4 address of pool4/plen4 (never the pool's network or
 * broadcast address, so plen4 <= 30), and the IPv6 address pool6/plen6
 * (plen6 <= 96) with the same host offset in its low 32 bits; nick, if
 * neither NULL nor empty, becomes its nickname.  A node whose stored
 * IPv4 address is no longer a host of pool4 gets a new one; its IPv6
 * address always follows pool6 and the IPv4 offset.  Sets last_seen.
 * STORE_FULL when the pool has no free address.  The cost does not
 * grow with the number of nodes.
 */
int	store_node_login(struct store *, const uint8_t key[32],
	    const uint8_t pool4[4], int plen4, const uint8_t pool6[16],
	    int plen6, const char *nick, int64_t now, struct store_node *out);
/*
 * Whether a stored node's addresses are those store_node_login would
 * give it with these pools (then a returning node needs no write).
 */
int	store_node_in_pool(const struct store_node *, const uint8_t pool4[4],
	    int plen4, const uint8_t pool6[16], int plen6);
/* last_seen = now for n nodes, in one transaction (never backwards). */
int	store_node_touch(struct store *, const uint8_t (*keys)[32], size_t n,
	    int64_t now);
/*
 * Forget up to STORE_EXPIRE_MAX nodes in no network (no row in any
 * state, no invitation) last seen before `before', oldest first, except
 * those keep says to keep (keep may be NULL: online ones), whose
 * last_seen becomes now; the addresses of the forgotten go back to the
 * pool.  The number forgotten, or <0.
 */
#define STORE_EXPIRE_MAX	256
int	store_node_expire(struct store *, int64_t before, int64_t now,
	    int (*keep)(void *, const uint8_t *key), void *arg);
int	store_node_set_nick(struct store *, const uint8_t key[32],
	    const char *nick);
/*
 * Iterators stop when the callback returns nonzero.  A callback may read
 * the store but must not change it: its statement is still open.
 */
int	store_node_foreach(struct store *,
	    int (*cb)(void *, const struct store_node *), void *arg);
int	store_node_count(struct store *, uint32_t *n);

/*
 * STORE_EXISTS if the name (compared without regard to ASCII case) or
 * the ID is taken.  The owner becomes an active member with role OWNER.
 */
int	store_net_create(struct store *, const struct store_net *);
/* With its members and invites. */
int	store_net_delete(struct store *, const uint8_t id[16]);
int	store_net_by_name(struct store *, const char *name,
	    struct store_net *out);
int	store_net_by_id(struct store *, const uint8_t id[16],
	    struct store_net *out);
/* Updates pwhash, mode, limit and bcast; name, ID, type and owner stay. */
int	store_net_update(struct store *, const struct store_net *);
int	store_net_foreach(struct store *,
	    int (*cb)(void *, const struct store_net *), void *arg);
int	store_net_count(struct store *, uint32_t *n);
int	store_net_counts(struct store *, const uint8_t id[16],
	    uint32_t *active, uint32_t *pending);
/* The new owner must be an active member; the old one becomes ADMIN. */
int	store_net_transfer(struct store *, const uint8_t net[16],
	    const uint8_t new_owner[32]);

int	store_member_get(struct store *, const uint8_t net[16],
	    const uint8_t key[32], struct store_member *out);
/*
 * Join as ACTIVE or PENDING.  STORE_BANNED if the node is banned here,
 * STORE_EXISTS if it is a member in the same or a better state (active
 * beats pending), STORE_FULL if joining ACTIVE would pass the limit.  A
 * pending member that joins ACTIVE becomes active.
 */
int	store_member_join(struct store *, const uint8_t net[16],
	    const uint8_t key[32], uint8_t state, int64_t now);
/*
 * Join by invite: consumes the invite for (net, key) and makes the node
 * an active member, lifting a ban.  STORE_NOTFOUND without an invite;
 * STORE_FULL at the limit and STORE_EXISTS for an active member, both
 * keeping the invite.  Of concurrent callers exactly one succeeds.
 */
int	store_member_join_invited(struct store *, const uint8_t net[16],
	    const uint8_t key[32], int64_t now);
/*
 * Compare-and-set of a member's state: STORE_NOTFOUND unless the member
 * is in state `from'; STORE_FULL if `to' is ACTIVE and the net is at its
 * limit; STORE_DENIED for the owner.  Leaving ACTIVE resets the role to
 * MEMBER; a ban also withdraws an outstanding invite.
 */
int	store_member_set_state(struct store *, const uint8_t net[16],
	    const uint8_t key[32], uint8_t from, uint8_t to, int64_t now);
/*
 * MEMBER or ADMIN, for active members only (STORE_NOTFOUND otherwise);
 * STORE_DENIED for OWNER or on the owner (see store_net_transfer).
 */
int	store_member_set_role(struct store *, const uint8_t net[16],
	    const uint8_t key[32], uint8_t role);
/*
 * Leave or reject.  STORE_DENIED for the owner; STORE_BANNED for a
 * banned member, whose row is the ban (lift it with set_state).
 */
int	store_member_remove(struct store *, const uint8_t net[16],
	    const uint8_t key[32]);
int	store_member_foreach(struct store *, const uint8_t net[16],
	    int (*cb)(void *, const struct store_member *), void *arg);
/* The networks a node has a row in, in any state, with its row. */
int	store_node_networks(struct store *, const uint8_t key[32],
	    int (*cb)(void *, const struct store_net *,
	    const struct store_member *), void *arg);
/* STORE_EXISTS if already invited or already an active member. */
int	store_invite_add(struct store *, const uint8_t net[16],
	    const uint8_t key[32], int64_t now);
/* STORE_OK if key has an invitation to net, else STORE_NOTFOUND. */
int	store_invite_get(struct store *, const uint8_t net[16],
	    const uint8_t key[32]);

/*
 * Peers: the other nodes active in some network where this node is
 * active.  In a hub-and-spoke network two members are peers only if at
 * least one of them is OWNER or ADMIN.  Each peer is reported once.
 */
int	store_peers_of(struct store *, const uint8_t key[32],
	    int (*cb)(void *, const uint8_t peer[32]), void *arg);
/* The same peers, each with its node row, in no particular order. */
int	store_peer_nodes(struct store *, const uint8_t key[32],
	    int (*cb)(void *, const struct store_node *), void *arg);
/*
 * The same peers, in order of key, each with the network flags of the
 * networks that make them peers, ORed (HUB_NET_BROADCAST where one has
 * broadcast on, HUB_NET_ETHERNET where one is an Ethernet network).
 */
int	store_peer_flags(struct store *, const uint8_t key[32],
	    int (*cb)(void *, const uint8_t peer[32], uint8_t flags),
	    void *arg);
/* 1 if a and b are peers by that rule, 0 if not, <0 on error. */
int	store_are_peers(struct store *, const uint8_t a[32],
	    const uint8_t b[32]);

/*
 * Blocked address ranges, stored with their host bits cleared.  A range
 * inside ::ffff:0:0/96 is stored as the IPv4 range it maps.
 */
int	store_block_add(struct store *, const struct store_block *);
int	store_block_remove(struct store *, const struct store_block *);
int	store_block_foreach(struct store *,
	    int (*cb)(void *, const struct store_block *), void *arg);
int	store_block_count(struct store *, uint32_t *n);
/*
 * 1 if addr (AF_INET: 4 bytes, AF_INET6: 16) is in a blocked range, 0
 * if not, <0 on error.  An IPv4-mapped IPv6 address is an IPv4 address.
 */
int	store_block_match(struct store *, int af, const uint8_t addr[16]);

/*
 * Subnet routes (store_route.c).  A node advertises prefixes
 * (hub_route_valid ones, at most HUB_ROUTES_MAX); a network approves
 * some of them.  A route is used between two nodes when it is
 * approved in a network where both are active and peers.
 */
struct store_route {
	uint8_t			key[HUB_KEY_LEN];	/* the advertising node */
	struct ip_prefix	p;
	uint8_t			approved;
};
/* STORE_EXISTS if advertised already, STORE_FULL past HUB_ROUTES_MAX. */
int	store_route_add(struct store *, const uint8_t key[32],
	    const struct ip_prefix *, int64_t now);
/* With its approvals; STORE_NOTFOUND if not advertised. */
int	store_route_del(struct store *, const uint8_t key[32],
	    const struct ip_prefix *);
/* The node's routes; approved: in a network where it is active. */
int	store_routes_of_node(struct store *, const uint8_t key[32],
	    int (*cb)(void *, const struct store_route *), void *arg);
/* The routes of net's active members; approved: in net. */
int	store_routes_of_net(struct store *, const uint8_t net[16],
	    int (*cb)(void *, const struct store_route *), void *arg);
/*
 * STORE_NOTFOUND if key does not advertise p, STORE_EXISTS if net
 * approved it already.
 */
int	store_route_approve(struct store *, const uint8_t net[16],
	    const uint8_t key[32], const struct ip_prefix *,
	    const uint8_t by[32], int64_t now);
/* STORE_NOTFOUND if net had not approved it. */
int	store_route_revoke(struct store *, const uint8_t net[16],
	    const uint8_t key[32], const struct ip_prefix *);
/*
 * Approved routes (approved = 1): those of network id (shared 0), or
 * of every network where node id is active (shared 1).
 */
int	store_routes_approved(struct store *, const uint8_t *id, int shared,
	    int (*cb)(void *, const struct store_route *), void *arg);
/*
 * What node `to' routes through its peer `about' (to == about: what
 * about serves as a gateway), at most HUB_ROUTES_MAX into out.
 */
int	store_routes_between(struct store *, const uint8_t to[32],
	    const uint8_t about[32], struct ip_prefix *out, uint8_t *n);
/* 1 if key has an approval in any network, 0 if not, <0 on error. */
int	store_route_any(struct store *, const uint8_t key[32]);

#ifdef HAMD_TEST_HOOKS
/* Test hook: fn(when) around the next COMMIT, then no more (store_db.c). */
#define STORE_TEST_BEFORE	1
#define STORE_TEST_AFTER	2
void	store_test_commit_hook(void (*fn)(int when));
#endif

#endif
