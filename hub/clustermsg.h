/*
 * The payloads of the hub cluster's notifications: what one hub tells
 * the others through PostgreSQL's NOTIFY on the channel "hamhub"
 * (cluster.c sends and listens, remote.c acts).  A payload names what
 * changed, by ids, and never carries what the database holds: the hub
 * that hears it reads the rest from there.  Text, one line, fields
 * apart by one space, keys and network ids in lower-case hex:
 *
 *	up HUB KEY		KEY logged in at HUB (hub_online has its row)
 *	down HUB KEY G		KEY logged off at HUB; G 1: it said so
 *				(tear down), 0: it was lost (check liveness)
 *	paths HUB KEY		KEY's candidates changed (its row has them)
 *	member HUB NET KEY B A	KEY's row in NET changed from B to A; each
 *				"-" (no row) or two digits, state and role
 *	net HUB NET		NET's broadcast setting changed
 *	netdel HUB NET T F	NET, of type T, flags F, was deleted
 *	routes HUB KEY		KEY advertised or withdrew a subnet route
 *	netroutes HUB NET KEY	a route of KEY was approved or revoked in NET
 *	names HUB KEY		KEY's nickname changed (its row has it)
 *
 * HUB is the sender's id, a decimal from 1 to 2^63 - 1: a hub ignores
 * its own.  PROTOCOL.md has the same, with the tables.
 */
#ifndef HAMD_HUB_CLUSTERMSG_H
#define HAMD_HUB_CLUSTERMSG_H

#include <stddef.h>
#include <stdint.h>

/* The channel, and the longest payload (PostgreSQL allows 8000 bytes). */
#define CLUSTER_CHANNEL		"hamhub"
#define CLUSTER_MSG_MAX		256

enum cluster_ev_type {
	CLUSTER_UP = 1,
	CLUSTER_DOWN,
	CLUSTER_PATHS,
	CLUSTER_MEMBER,
	CLUSTER_NET,
	CLUSTER_NETDEL,
	CLUSTER_ROUTES,
	CLUSTER_NETROUTES,
	CLUSTER_NAMES,
	CLUSTER_EV_MAX		/* one past the last */
};

/* A membership row as "member" says it: present, state and role. */
struct cluster_row {
	uint8_t		 has;
	uint8_t		 state;		/* enum hub_mstate */
	uint8_t		 role;		/* enum hub_role */
};

struct cluster_ev {
	int		 type;		/* enum cluster_ev_type */
	int64_t		 hub;		/* the sender */
	uint8_t		 key[32];	/* all but net, netdel */
	uint8_t		 net[16];	/* member, net, netdel, netroutes */
	uint8_t		 graceful;	/* down */
	struct cluster_row before, after;	/* member */
	uint8_t		 ntype;		/* netdel: enum hub_net_type */
	uint8_t		 nflags;	/* netdel: HUB_NET_* */
};

/*
 * ev as a payload, into out (CLUSTER_MSG_MAX bytes): its length, or 0
 * if ev cannot be said (an unknown type, a field out of range).
 */
size_t	cluster_msg_format(const struct cluster_ev *, char *out, size_t cap);
/*
 * A payload into ev: 0, or -1 for anything but exactly one of the
 * forms above (an unknown word, a missing, extra, long or malformed
 * field, upper-case hex, a hub id of 0 or out of range, a state, role,
 * type or flag that does not exist).
 */
int	cluster_msg_parse(struct cluster_ev *, const char *payload);

#endif
