/*
 * Our side of the hub's relay, as a client: how relayed packets leave
 * (UDP DATA datagrams to the hub's port P, or relay frames in the TCP
 * connection), and what comes back.  The wire format is proto/dgram.h
 * and PROTOCOL.md, "Relay".
 *
 * The relay's credentials are tun's.  tun gives us our relay id for
 * the login (IMSG_ENGINE_RELAY), hands us each REGISTER it built under
 * the token (IMSG_RELAY_REGISTER), which we send from the WireGuard
 * socket, checks the REGISTERED answers we pass it
 * (IMSG_RELAY_REGISTERED) and tells us when one proved that UDP reaches
 * the hub (IMSG_RELAY_CONFIRMED).  We hold no token and check no MAC: a
 * forged answer costs tun a MAC computation and changes nothing.
 */
#ifndef HAMD_DAEMON_ENGINE_RELAY_H
#define HAMD_DAEMON_ENGINE_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/engine_hub.h"	/* HUB_OUT_MAX */
#include "daemon/engine_peers.h"
#include "daemon/engine_xrelay.h"	/* RELAY_UDP_VALID_MS */
#include "privsep/proc.h"

/*
 * Relay frames may fill only part of the queue towards the hub, so the
 * channel's own frames (tun's) always find room: a full queue ends the
 * connection, a full relay share only drops relayed packets, as UDP would.
 */
#define RELAY_OUT_MAX		(HUB_OUT_MAX / 2)

void	relay_init(void);
/* tun's messages: the session's id, a REGISTER, a confirmation. */
void	relay_session(struct imsg *);
void	relay_register(struct imsg *);
void	relay_confirmed(struct imsg *);
/* The same at other hubs of a cluster, as a guest (engine_xrelay.h). */
void	relay_guest_register(struct imsg *);
void	relay_guest_confirmed(struct imsg *);
/* The hub connection is gone, and the relay session with it. */
void	relay_reset(void);
/* A HUB_FRAME_RELAY frame from the hub's TCP stream. */
void	relay_frame_in(const uint8_t *, size_t);

/*
 * How our relayed packets leave now: PATH_RELAY_UDP while tun confirms
 * our registration, else PATH_RELAY_TCP while the connection is up
 * (UDP may be blocked, or our NAT forgot the mapping), else PATH_NONE.
 */
int	relay_mode(uint64_t now);
/*
 * A packet for peer p, whose relay id is rid, through the relay.  want:
 * the relay path an answer should go back on (PATH_RELAY_TCP: a
 * question that came in the TCP connection), PATH_NONE for our current
 * mode.  -1 if it did not go.
 */
int	relay_send(struct engine_peer *p, uint32_t rid, int want,
	    const uint8_t *, size_t);
/*
 * The same through another hub of the cluster, by UDP to its relay
 * address, where rid is the peer's relay id: only while our guest
 * registration there is confirmed (xrelay_usable).  -1 if it did not go.
 */
int	relay_send_guest(struct engine_peer *p, const struct pkt_addr *hub,
	    uint32_t rid, const uint8_t *, size_t);

#endif
