/*
 * The other hubs of a cluster that relay for us as a guest (PROTOCOL.md,
 * "Relay across hubs"): the relay addresses of the hubs our peers are
 * logged in at, as tun named them (IMSG_ENGINE_PEER_HUB), and when tun
 * last confirmed our guest registration at each.  Only these addresses
 * may send us a REGISTERED or relay data besides our own hub; tun
 * builds and checks the datagrams, under tokens we never see.
 */
#ifndef HAMD_DAEMON_ENGINE_XRELAY_H
#define HAMD_DAEMON_ENGINE_XRELAY_H

#include <stdint.h>

#include "ipc/addr.h"

#define XRELAY_HUBS		8	/* other hubs, as RELAYGUEST_MAX */
/*
 * A REGISTERED confirmed by tun makes the UDP relay good this long, at
 * our own hub (engine_relay.h) and at the others.
 */
#define RELAY_UDP_VALID_MS	60000

/* A hub a peer is at: known from now on.  -1 if the table is full. */
int	xrelay_hub_add(const struct pkt_addr *);
/* Whether a datagram from this address and port comes from one. */
int	xrelay_known(const struct pkt_addr *);
/* tun: a REGISTERED from hub answered our REGISTER there. */
void	xrelay_confirm(const struct pkt_addr *hub, uint64_t now);
/* Whether our guest registration at hub is confirmed and fresh. */
int	xrelay_usable(const struct pkt_addr *hub, uint64_t now);
/* Our relay session changed: no registration anywhere holds. */
void	xrelay_reset(void);

#endif
