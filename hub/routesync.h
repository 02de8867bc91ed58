/*
 * Telling nodes the subnet routes they use: PEER_ROUTES, the whole
 * set a node routes through one peer (or, about itself, the set it
 * serves as a gateway), computed from the store each time.  Below
 * presence.c and routeops.c, which decide when.
 */
#ifndef HAMD_HUB_ROUTESYNC_H
#define HAMD_HUB_ROUTESYNC_H

#include <stdint.h>

struct session;

/* Send `to' what it routes through `about' (its own key: what it serves). */
void	routes_tell(struct session *to, const uint8_t about[32]);
/* Read again whether s has an approved route anywhere (s->has_routes). */
void	routes_load(struct session *s);

#endif
