/*
 * The hub engine's relay table: one session per logged-in node (its
 * relay id, token and TCP connection, and the UDP address it last
 * registered from), and the pairs of sessions allowed to relay to each
 * other (nodes that share a network, as the authority says).  Pure
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

#include "proto/hubproto.h"		/* HUB_RELAY_TOKEN_LEN */
#include "ipc/pktbatch.h"		/* struct pkt_addr */
#include "proto/relayauth.h"		/* RELAY_AUTH_LEN, the datagram types */

/*
 * A registration stays good this long: the destination gets relayed
 * packets by UDP, and its address still names it as a sender.  Nodes
 * register every 20 s, so a few lost REGISTERs change nothing.
 */
#define RELAY_UDP_FRESH_MS	(120 * 1000)

struct relay_table;

enum relay_verdict {
	RELAY_OK = 0,
	RELAY_UNKNOWN_SENDER,	/* no (fresh) registration / no session */
	RELAY_UNKNOWN_DEST,	/* no session with that id */
	RELAY_DENIED,		/* the two share no network */
	RELAY_BAD_TOKEN,	/* REGISTER with a wrong MAC */
	RELAY_REPLAY,		/* REGISTER whose counter is not above the
				   last one taken for its session */
	RELAY_MALFORMED,	/* not a REGISTER (length, type, zeros) */
};

/* Where a relayed packet goes. */
struct relay_route {
	uint32_t	 src_id;	/* the sender's id, for the header */
	uint32_t	 dst_id;
	int		 via_udp;	/* else as a frame on dst_conn */
	uint32_t	 dst_conn;
	struct pkt_addr	 dst_addr;	/* via UDP: the registered address */
	struct pkt_addr	 dst_local;	/* the hub address it registered to */
	int		 dst_sock;	/* the caller's index of that socket */
};

/* key: for the address hash; the caller draws it at random. */
struct relay_table *relay_table_new(const uint8_t
		    key[crypto_shorthash_KEYBYTES]);
void		 relay_table_free(struct relay_table *);
uint32_t	 relay_count(const struct relay_table *);

/*
 * A new session.  0, or -1 if id is 0 or already in use, or conn
 * already has a session (both mean the caller has lost track).
 */
int		 relay_add(struct relay_table *, uint32_t conn, uint32_t id,
		    const uint8_t token[HUB_RELAY_TOKEN_LEN]);
/* Remove a session, its pairs and its address.  0, or -1 if unknown. */
int		 relay_del(struct relay_table *, uint32_t id);
int		 relay_del_conn(struct relay_table *, uint32_t conn);
/* The relay id of conn's session, 0 if it has none. */
uint32_t	 relay_id_of_conn(const struct relay_table *, uint32_t conn);

/*
 * Allow (up 1) or forbid (up 0) relaying between two sessions, both
 * ways.  Idempotent.  0, or -1 if a == b or either is unknown.
 */
int		 relay_pair(struct relay_table *, uint32_t a, uint32_t b,
		    int up);
int		 relay_paired(const struct relay_table *, uint32_t a,
		    uint32_t b);

/*
 * A REGISTER datagram (msg, len bytes; see relayauth.h).  It is taken
 * only if it is one (else RELAY_MALFORMED), its id names a session
 * (else RELAY_UNKNOWN_SENDER, as for a source that is neither IPv4 nor
 * IPv6), its MAC is right for that session's token (constant time;
 * else RELAY_BAD_TOKEN) and its counter is strictly greater than the
 * last one taken for that session (else RELAY_REPLAY; counters start
 * at 1, a new session has taken none).  A refused REGISTER changes
 * nothing.
 *
 * On RELAY_OK the session is now reached at from (an address another
 * session had loses it: the newest registration wins), through the
 * socket sock and the hub address local (NULL: none), as of now (ms);
 * its counter is now this one; and answer holds the RELAY_AUTH_LEN
 * bytes of REGISTERED: the same id and counter under the same token.
 * *id (if not NULL) is the id read from msg whenever it is a REGISTER.
 */
enum relay_verdict relay_register(struct relay_table *, const uint8_t *msg,
		    size_t len, const struct pkt_addr *from,
		    const struct pkt_addr *local, int sock, uint64_t now,
		    uint8_t answer[RELAY_AUTH_LEN], uint32_t *id);

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

#endif
