/*
 * The node's guest registrations at the other hubs of a cluster, as tun
 * runs them (PROTOCOL.md, "Relay across hubs"): for each hub a
 * peer is logged in at, the guest id and token PEER_RELAY brought
 * (relayreg.h does the REGISTER and its answer, per hub), so that the
 * node can register there and be relayed through that hub.  The tokens
 * stay here (tun); the engine only sends the REGISTERs built here to
 * the hub address given with each, and passes back REGISTERED
 * datagrams with the address they came from.
 *
 * hubguest.c runs it for the hub session.  Pure: no I/O, the time
 * (monotonic nanoseconds) is given, so the rules are tested alone.
 */
#ifndef HAMD_DAEMON_RELAYGUEST_H
#define HAMD_DAEMON_RELAYGUEST_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/relayreg.h"
#include "proto/hubproto.h"

#define RELAYGUEST_MAX		8	/* other hubs registered at */
#define RELAYGUEST_VALID	(60 * 1000000000ull)	/* ns a confirmation
							   lasts, as at home */

struct relayguest {
	struct pkt_addr	 hub;		/* af 0: a free slot */
	struct relayreg	 rr;		/* our guest id and token there */
	uint64_t	 confirmed;	/* ns of the last answer taken */
};

struct relayguests {
	struct relayguest	 g[RELAYGUEST_MAX];
};

/*
 * PEER_RELAY's credentials at pr->hub: a new hub registers at once; the
 * same credentials again change nothing; other ones (a new login of
 * ours) start afresh.  0, or -1 if RELAYGUEST_MAX other hubs are held.
 */
int	relayguest_offer(struct relayguests *, const struct hub_peer_relay *,
	    uint64_t now);
/*
 * 1 with a REGISTER in out, for the hub *to, when one is due at some
 * hub (one per call), else 0.
 */
int	relayguest_due(struct relayguests *, uint64_t now,
	    uint8_t out[RELAY_AUTH_LEN], struct pkt_addr *to);
/*
 * A REGISTERED that came from from: 0 if it answers one of our
 * REGISTERs to that hub (address and port), as relayreg_answer takes
 * them; then that hub's registration is confirmed as of now.
 */
int	relayguest_answer(struct relayguests *, const struct pkt_addr *from,
	    const uint8_t *in, size_t len, uint64_t now);
/* Whether our registration at hub is confirmed and fresh. */
int	relayguest_usable(const struct relayguests *,
	    const struct pkt_addr *hub, uint64_t now);
/* Our login ended: every guest token with it (wiped). */
void	relayguest_clear(struct relayguests *);

#endif
