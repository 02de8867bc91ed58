/*
 * The hub cluster: several hubs on one PostgreSQL database, each
 * telling the others what changed through the database's LISTEN/NOTIFY
 * on a connection of its own (a store's connection runs one statement
 * at a time and cannot wait for notifications).  See PROTOCOL.md, "Hub
 * cluster", and clustermsg.h for the payloads.
 *
 * What this part keeps in the database: the hub's row in hubs, with a
 * lease it renews every second (in the database's time, so the hubs'
 * clocks need not agree), and a row in hub_online for each node logged
 * in here.  Every second it also reads every hub's row: a hub whose
 * lease ran out is gone, and the first hub to see that deletes it with
 * its nodes' rows.  What it hears it hands to the authority's callbacks
 * (remote.c acts on them); what this hub changes it says through the
 * cluster_* calls, after the store has committed it.
 *
 * On SQLite the hub is alone: every call here does nothing.  A lost
 * connection is tried again with backoff; when it is back the hub
 * registers again, writes its nodes' rows again (another hub may have
 * declared it gone meanwhile) and calls resync, which reads what the
 * others hold.  Nothing here ends the process.
 */
#ifndef HAMD_HUB_CLUSTER_H
#define HAMD_HUB_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "hub/clustermsg.h"
#include "ipc/addr.h"

struct event_base;
struct hub_msg;
struct session;
struct store;
struct store_member;
struct store_net;

/* A hub's lease, and how long after its end it is declared gone. */
#define CLUSTER_LEASE_MS	3000
#define CLUSTER_HUBS_MAX	64	/* hubs seen in one read */

struct cluster_hub {
	int64_t		 id;
	int64_t		 up_ms;		/* since it registered */
	int64_t		 left_ms;	/* of its lease; < 0: run out */
	int64_t		 nodes;		/* as it last said */
	struct pkt_addr	 relay;		/* where it relays; af 0: unknown */
};

struct cluster_cb {
	/* a notification from another hub, parsed */
	void	(*event)(const struct cluster_ev *);
	/* the hubs alive now (their ids): others' nodes are gone */
	void	(*alive)(const int64_t *ids, size_t n);
	/* back after a loss: read what may have been missed */
	void	(*resync)(void);
};

/* Whether this hub is one of a cluster: its store is on PostgreSQL. */
int	cluster_on(void);
/* This hub's id in the cluster (0 alone). */
int64_t	cluster_self(void);
/* Whether the cluster's connection is up now. */
int	cluster_connected(void);
/* After the store opened; nothing when it is SQLite. */
void	cluster_init(struct store *, struct event_base *,
	    const struct cluster_cb *);
/* Once a second: the lease, the others' leases, reconnecting. */
void	cluster_tick(uint32_t nonline);
/* The hubs read by the last tick, and how many. */
const struct cluster_hub *cluster_hubs(size_t *n);
/*
 * Where this hub relays: the address and port a node's connection
 * reached (the UDP port P is the TCP port).  The first one stays, and
 * goes into this hub's row with its lease.
 */
void	cluster_relay_addr(const struct pkt_addr *);
/* Where hub relays, as its row last said: 0, or -1 if unknown. */
int	cluster_hub_relay(int64_t hub, struct pkt_addr *);

/* This hub's changes, once the store has them. */
void	cluster_online(const struct session *);
void	cluster_offline(const struct session *);
void	cluster_paths(const struct session *);
void	cluster_member(const struct store_net *, const uint8_t key[32],
	    const struct store_member *before,
	    const struct store_member *after);
void	cluster_net(const struct store_net *);
void	cluster_netdel(const struct store_net *);
/* s advertised or withdrew a route; a route of key was (un)approved. */
void	cluster_routes(const struct session *);
void	cluster_netroutes(const uint8_t net[16], const uint8_t key[32]);
/* s's nickname changed. */
void	cluster_names(const struct session *);

/*
 * A node's row in hub_online: its hub, and the PEER_UP and PEER_PATHS
 * it holds, decoded.  0, or -1 if there is none, it cannot be read or
 * does not decode (said in the log).
 */
int	cluster_read_online(const uint8_t key[32], int64_t *hub,
	    struct hub_msg *up, struct hub_msg *paths);
/* Call fn for the key and hub of every node online at another hub. */
int	cluster_each_online(void (*fn)(const uint8_t key[32], int64_t hub,
	    void *), void *);

#endif
