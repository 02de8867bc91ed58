/*
 * tun's side of the relay through the other hubs of a cluster
 * (PROTOCOL.md, "Relay across hubs"): what the hub session does with a
 * PEER_RELAY, on its timer, with a REGISTERED from another hub and when
 * the login ends, around relayguest.c's rules.  The guest tokens stay
 * in the table (tun); the engine hears which hub each peer is at, sends
 * the REGISTERs built here to the hub named with each, and hears which
 * hubs confirmed our registration.
 */
#ifndef HAMD_DAEMON_HUBGUEST_H
#define HAMD_DAEMON_HUBGUEST_H

#include <stdint.h>

#include "daemon/hamd_msg.h"
#include "daemon/relayguest.h"

/* How it reaches the engine (a part of struct hubclient_io). */
struct hubguest_io {
	void	*arg;
	/* the hub a peer is at, and its relay id there */
	void	(*engine_peer_hub)(void *, const struct engine_peer_hub_msg *);
	/* a REGISTER for the engine to send to the hub it names */
	void	(*relay_guest_register)(void *,
		    const struct relay_guest_msg *);
	/* a REGISTERED from that hub answered one of ours */
	void	(*relay_guest_confirmed)(void *, const struct pkt_addr *hub);
};

/*
 * PEER_RELAY about hub peer peer_id: the engine learns the peer's hub
 * and relay id there, and we register there as a guest.
 */
void	hubguest_offer(struct relayguests *, const struct hubguest_io *,
	    uint32_t peer_id, const struct hub_peer_relay *, uint64_t now);
/* The REGISTERs due now, to the engine. */
void	hubguest_tick(struct relayguests *, const struct hubguest_io *,
	    uint64_t now);
/*
 * A REGISTERED the engine received from another hub: if it answers one
 * of ours there, the engine hears that this hub relays us.  0, or -1 if
 * it answers none.
 */
int	hubguest_answer(struct relayguests *, const struct hubguest_io *,
	    const struct relay_guest_msg *, uint64_t now);

#endif
