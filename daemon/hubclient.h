/*
 * The node's session with its hub, as the tun process runs it: the
 * Noise IK handshake and transport over the engine's TCP connection,
 * login, the peers the hub announces (their keys and allowed IPs go
 * into the WireGuard device, their endpoints to the engine), liveness
 * checks, and hamctl's requests to the hub.
 *
 * Peers the hub gave us outlive the connection: losing the hub changes
 * nothing on the data plane.  After a new login the hub lists every
 * peer we are entitled to (online ones with an endpoint); peers that the
 * list leaves out are removed at its end, which is how an eviction
 * decided while we were away reaches us.
 */
#ifndef HAMD_HUBCLIENT_H
#define HAMD_HUBCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/hamd_msg.h"
#include "daemon/hubguest.h"
#include "daemon/wg.h"

/*
 * Peers the hub gives us have ids from HUB_PEER_ID_BASE on (the file's
 * count from 1, and the engine relies on the split: its
 * ENGINE_HUB_ID_BASE is the same number).
 */
#define HUB_PEER_ID_BASE	0x40000000u
#define HUB_PEER_IDS		WG_MAX_PEERS
#define HUB_PEER_ID(id)		((id) >= HUB_PEER_ID_BASE && \
				    (id) - HUB_PEER_ID_BASE < HUB_PEER_IDS)

/* How the hub session reaches the other processes. */
struct hubclient_io {
	void	*arg;
	void	(*send_frame)(void *, const uint8_t *body, size_t len);
	void	(*close_conn)(void *);
	void	(*state)(void *, const struct hub_state_msg *);
	void	(*engine_peer)(void *, uint32_t id, const struct pkt_addr *);
	void	(*engine_peer_del)(void *, uint32_t id);
	void	(*reply_net)(void *, uint32_t client,
		    const struct hub_net_info *);
	void	(*reply_member)(void *, uint32_t client,
		    const struct hub_member_info *);
	void	(*reply_result)(void *, uint32_t client, int code,
		    const char *msg);
	/* this login's relay id (relay_id 0: none any more) */
	void	(*engine_relay)(void *, uint32_t relay_id);
	/* a REGISTER for the engine to send to the hub's UDP port */
	void	(*relay_register)(void *, const uint8_t *msg, size_t len);
	/* a REGISTERED proved that UDP reaches the hub's relay */
	void	(*relay_confirmed)(void *, uint32_t relay_id);
	/* a hub peer's candidates, from the hub's PEER_PATHS */
	void	(*engine_paths)(void *, const struct engine_paths_msg *);
	/* subnet routes for the parent to check and install */
	void	(*routes_offer)(void *, const struct routes_msg *);
	void	(*reply_route)(void *, uint32_t client,
		    const struct hub_route_info *);
	/* the exit node chosen or left, for the parent to route */
	void	(*exit_offer)(void *, const struct exit_msg *);
	/* a member's names (id 0: ours), for the engine's responder */
	void	(*engine_names)(void *, uint32_t id, const uint8_t *v4,
		    const uint8_t *v6, const struct hub_peer_names *);
	/*
	 * what flows with a hub peer: broadcast and multicast, Ethernet
	 * frames (HUB_NET_BROADCAST, HUB_NET_ETHERNET of its PEER_UP)
	 */
	void	(*peer_lan)(void *, uint32_t id, const uint8_t key[32],
		    uint8_t flags);
	/* the relay through other hubs of a cluster */
	struct hubguest_io	 guest;
};

/* The client id of requests hamd makes itself (hamd.conf's routes). */
#define HUBCLIENT_SELF		0xffffffffu

struct hubclient;

/* In sodium_malloc'd memory; NULL on ENOMEM. */
struct hubclient *hubclient_new(const struct hubclient_io *,
		    struct wg_dev *);
void		 hubclient_free(struct hubclient *);
/* The parent's IMSG_TUN_HUB: which hub, our port and nickname. */
void		 hubclient_configure(struct hubclient *,
		    const struct tun_hub_msg *);

/* The engine's connection events and frames. */
void		 hubclient_conn_open(struct hubclient *,
		    const struct hub_conn_msg *, uint64_t now);
void		 hubclient_conn_closed(struct hubclient *, uint64_t now);
void		 hubclient_frame(struct hubclient *, const uint8_t *,
		    size_t, uint64_t now);

/* A hamctl request for the hub (already checked by control). */
struct ctl_cred;
void		 hubclient_request(struct hubclient *, uint32_t client,
		    const struct ctl_cred *, const struct hub_request *,
		    uint64_t now);
/* hamd stops: tell the hub, so that peers tear their tunnels down. */
void		 hubclient_logout(struct hubclient *);

/* Timers: pings, handshake and request deadlines, liveness checks. */
void		 hubclient_tick(struct hubclient *, uint64_t now);

/*
 * hamd.conf now names this key: the hub's peer of that key goes, so
 * that the file's peer starts clean.
 */
void		 hubclient_forget(struct hubclient *, const uint8_t key[32]);

/*
 * The parent's candidates (IMSG_TUN_CANDIDATES, checked by the caller):
 * sent to the hub after each login, and at once when they change while
 * we are online.
 */
void		 hubclient_candidates(struct hubclient *,
		    const struct hub_candidates *);

/*
 * A REGISTERED datagram the engine received from the hub's address and
 * port: if it answers one of our REGISTERs, the engine hears that the
 * UDP relay works (relayreg.h).
 */
void		 hubclient_relay_answer(struct hubclient *, const uint8_t *,
		    size_t);

/*
 * A REGISTERED the engine received from another hub of the cluster that
 * we registered at as a guest (hubguest.h).
 */
void		 hubclient_relay_guest_answer(struct hubclient *,
		    const struct relay_guest_msg *, uint64_t now);

/* The parent installed these routes of a peer (IMSG_ROUTES_SET). */
void		 hubclient_routes_set(struct hubclient *,
		    const struct routes_msg *);
/* Its subnet routes and exit node (tunroutes.h), for tun.c. */
struct troutes	*hubclient_routes(struct hubclient *);
/* hamd.conf's advertise-route prefixes (IMSG_TUN_ADVERTISE). */
void		 hubclient_advertise(struct hubclient *,
		    const struct routes_msg *);

/* Is this a peer the hub gave us (for hamctl peers)? */
int		 hubclient_is_hub_peer(const struct hubclient *, uint32_t id);

#endif
