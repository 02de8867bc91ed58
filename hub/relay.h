/*
 * The hub engine's relay table: one session per logged-in node (its
 * relay id, its TCP connection and that connection's address, and the
 * UDP address it last registered from), and the pairs of sessions
 * allowed to relay to each other (nodes that share a network, as the
 * authority says).  No secret: the relay token stays with the
 * authority, which checks every REGISTER the table lets through.  Pure
 * code: no sockets, no clock (the caller passes the time), so the unit
 * tests drive it directly.
 *
 * Every lookup on the packet path is a hash lookup (keyed, so nobody
 * choosing source addresses can pile up a chain) plus a binary search
 * in the sender's sorted list of allowed peers: thousands of sessions
 * cost no more per packet than ten.
 */
#ifndef HAMD_RELAY_H
#define HAMD_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "ipc/addr.h"

/*
 * A registration stays good this long: the destination gets relayed
 * packets by UDP, and its address still names it as a sender.  Nodes
 * register every 20 s, so a few lost REGISTERs change nothing.
 */
#define RELAY_UDP_FRESH_MS	(120 * 1000)
/*
 * REGISTERs passed on to the authority per session: a burst of
 * RELAY_REG_BURST, then one every RELAY_REG_EVERY_MS.  A node sends one
 * every 20 s; a flood in its name must not load the authority.
 */
#define RELAY_REG_BURST		8
#define RELAY_REG_EVERY_MS	2000

struct relay_table;

enum relay_verdict {
	RELAY_OK = 0,
	RELAY_ELSEWHERE,	/* allowed; the destination is another
				   table's (engine's): r says which */
	RELAY_UNKNOWN_SENDER,	/* no (fresh) registration / no session */
	RELAY_UNKNOWN_DEST,	/* no session with that id */
	RELAY_DENIED,		/* the two share no network */
	RELAY_FOREIGN,		/* REGISTER from another IP address than
				   its node's hub connection */
	RELAY_THROTTLED,	/* REGISTER over its session's rate */
};

/* Where a relayed packet goes. */
struct relay_route {
	uint32_t	 src_id;	/* the sender's id, for the header */
	uint32_t	 src_conn;	/* and its connection */
	uint32_t	 dst_id;
	uint32_t	 part;		/* the table that delivers it */
	int		 via_udp;	/* else as a frame on dst_conn */
	uint32_t	 dst_conn;
	struct pkt_addr	 dst_addr;	/* via UDP: the registered address */
	struct pkt_addr	 dst_local;	/* the hub address it registered to */
	int		 dst_sock;	/* the caller's index of that socket */
};

/* key: for the address hash; the caller draws it at random. */
struct relay_table *relay_table_new(const uint8_t
		    key[crypto_shorthash_KEYBYTES]);
/*
 * The table holds the sessions of one part of the relay ids: those
 * with id % nparts == part (a hub's engines, each for the nodes whose
 * connections it holds).  A pair with a session of another part is
 * kept on this side only, and a packet for one is RELAY_ELSEWHERE.
 * New tables hold every id (one part).
 */
void		 relay_table_part(struct relay_table *, uint32_t nparts,
		    uint32_t part);
void		 relay_table_free(struct relay_table *);
uint32_t	 relay_count(const struct relay_table *);

/*
 * A new session, for the node whose hub connection conn comes from
 * conn_addr (only its IP address counts).  0, or -1: EDOM if id or
 * conn is 0 or id is not of this table's part, EEXIST if it is in use
 * or conn already has a session (the caller has lost track), else out
 * of memory.
 */
int		 relay_add(struct relay_table *, uint32_t conn, uint32_t id,
		    const struct pkt_addr *conn_addr);
/*
 * A guest session: a node logged in at another hub of the cluster,
 * relayed here by UDP only (no connection: conn 0 never names one), its
 * REGISTERs taken only from host's IP address (where its own hub sees
 * it).  0, or -1: EDOM if id is 0 or not of this table's part, EEXIST
 * if it is in use, else out of memory.  Its pairs, registration and
 * removal are those of any session; a packet for it while it has no
 * fresh registration is RELAY_UNKNOWN_DEST.
 */
int		 relay_add_guest(struct relay_table *, uint32_t id,
		    const struct pkt_addr *host);
/* Remove a session, its pairs and its address.  0, or -1 if unknown. */
int		 relay_del(struct relay_table *, uint32_t id);
int		 relay_del_conn(struct relay_table *, uint32_t conn);
/* The relay id of conn's session, 0 if it has none. */
uint32_t	 relay_id_of_conn(const struct relay_table *, uint32_t conn);

/*
 * Allow (up 1) or forbid (up 0) relaying between two sessions, both
 * ways (on the sides of this table's part).  Idempotent.  0, or -1 if
 * a == b or a session of this part is unknown.
 */
int		 relay_pair(struct relay_table *, uint32_t a, uint32_t b,
		    int up);
int		 relay_paired(const struct relay_table *, uint32_t a,
		    uint32_t b);

/*
 * A REGISTER for id from the address from, before anyone checked its
 * MAC (the authority does).  RELAY_OK if id names a session (else
 * RELAY_UNKNOWN_SENDER), from has the IP address of that session's hub
 * connection (else RELAY_FOREIGN: a registration never leaves the host
 * that logged in) and the session's rate allows one more now (else
 * RELAY_THROTTLED); it takes that one, and *conn is the session's
 * connection (0 for a guest).  Changes nothing else.
 */
enum relay_verdict relay_register_gate(struct relay_table *, uint32_t id,
		    const struct pkt_addr *from, uint64_t now, uint32_t *conn);
/*
 * The authority took a REGISTER of id, whose session was on conn: the
 * session is now reached at from (an address another session had
 * loses it: the newest registration wins), through the socket sock and
 * the hub address local (NULL: none), as of now (ms).  0, or -1 if that
 * session is gone (the answer crossed its end) or from is not its
 * connection's IP address.
 */
int		 relay_register_bind(struct relay_table *, uint32_t id,
		    uint32_t conn, const struct pkt_addr *from,
		    const struct pkt_addr *local, int sock, uint64_t now);

/*
 * Route a packet for dst from a UDP source address, or from a TCP
 * connection.  RELAY_OK fills *r: by UDP if dst registered in the last
 * RELAY_UDP_FRESH_MS, else by its connection.
 */
enum relay_verdict relay_route_udp(const struct relay_table *,
		    const struct pkt_addr *from, uint32_t dst, uint64_t now,
		    struct relay_route *r);
enum relay_verdict relay_route_conn(const struct relay_table *,
		    uint32_t conn, uint32_t dst, uint64_t now,
		    struct relay_route *r);
/*
 * A packet another table's session sent to dst of this one, the pair
 * checked there: RELAY_OK with *r (src_id left for the caller), or
 * RELAY_UNKNOWN_DEST.
 */
enum relay_verdict relay_deliver(const struct relay_table *, uint32_t dst,
		    uint64_t now, struct relay_route *r);

#endif
