/*
 * Membership: the requests logged-in nodes make about networks,
 * decided against the store.
 */
#ifndef HAMD_HUB_MEMBERSHIP_H
#define HAMD_HUB_MEMBERSHIP_H

#include <stdint.h>

struct hub_net_info;
struct hub_request;
struct session;
struct store_net;

/* One request from a logged-in node; answered, never refused silently. */
void	membership_request(struct session *, struct hub_request *);
/* A network as asker sees it (NULL: as the hub sees it). */
void	membership_net_info(const struct store_net *, const uint8_t *asker,
	    struct hub_net_info *);

#endif
