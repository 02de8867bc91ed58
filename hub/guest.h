/*
 * The relay across the hubs of a cluster, as this hub's authority runs
 * it: a node online at another hub (a ghost, remote.c) is relayed here
 * as a guest, under the relay id its own hub gave it and the guest
 * token every hub of the cluster computes from the shared key
 * (relaycred.h), so that its peers here can relay to it, and it to
 * them, through this hub without the two hubs talking.  Its guest
 * session lives in the engine of its id (IMSG_HUBD_RELAY_GUEST) and
 * takes REGISTERs only from where its own hub sees it; its pairs are
 * presence's, as for any session; its REGISTERs are checked by
 * relaycheck.c under the guest token.
 */
#ifndef HAMD_HUB_GUEST_H
#define HAMD_HUB_GUEST_H

#include <stdint.h>

#include "proto/hubproto.h"

struct session;

/* The hub's private key came: the guest key is derived from it. */
void	guest_init(const uint8_t hub_priv[32]);
/*
 * Ghost g's relay id at its own hub is now id (0: none): its guest
 * session here follows (an old one ends, a new one starts).  An id
 * that a session here holds already leaves g without one.
 * Call before presence pairs g with its peers here.  A clash is logged
 * at debug level.
 */
void	guest_set(struct session *g, uint32_t id);
/* Ghost g is gone: its guest session with it. */
void	guest_end(struct session *g);
/*
 * After PEER_PATHS about about to to: if about is a ghost and to a node
 * logged in here that knows it (protocol 3), PEER_RELAY: about's hub's
 * relay address, about's relay id there, and to's guest id and token
 * there.  Nothing if that hub's address is not known yet (a later
 * PEER_PATHS brings it) or either has no relay id.
 */
void	guest_tell(struct session *to, const struct session *about);

#endif
