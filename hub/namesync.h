/*
 * Member names: PEER_NAMES, what a peer is called and the networks two
 * nodes share, for the nodes that asked (op names).  Below presence.c,
 * which decides whom to tell.
 */
#ifndef HAMD_HUB_NAMESYNC_H
#define HAMD_HUB_NAMESYNC_H

#include <stdint.h>

struct session;

/* Tell `to', if it asked, what `about' is called and where. */
void	names_tell(struct session *to, const uint8_t about[32]);

#endif
