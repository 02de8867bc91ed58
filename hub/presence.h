/*
 * Presence: which online node has been told about which peer.  Two
 * online nodes that share a network know each other (PEER_UP, and each
 * other's paths, so both probe at once) and the engine may relay
 * between them; when they stop sharing one, or one logs off, the other
 * is told (PEER_DOWN, or PEER_CHECK when the hub lost it).  The work
 * per event is proportional to the peers concerned.
 */
#ifndef HAMD_HUB_PRESENCE_H
#define HAMD_HUB_PRESENCE_H

#include <stddef.h>
#include <stdint.h>

struct session;

/*
 * After a login: tell the node about every peer it is entitled to and
 * those online about it, then end the list.  -1 if the store failed
 * (nothing ended the list: the caller must close the session).
 */
int	presence_login(struct session *);
/* Off line: gracefully (tear down) or lost (check liveness). */
void	presence_logoff(struct session *);
/*
 * Membership changed for these nodes: tell each online one about peers
 * it gained (up) and lost (down).
 */
void	presence_resync(const uint8_t (*keys)[32], size_t n);
/* Tell to where about may be reached, and its relay id: probe now. */
void	presence_send_paths(struct session *to, const struct session *about);

#endif
