/*
 * A node's requests to its hub (hamctl networks, members, create, ...),
 * and the listings of networks and members that hamctl hub shares.
 */
#ifndef HAMD_CTL_HUB_H
#define HAMD_CTL_HUB_H

#include "ctl/ctl_list.h"

struct ctl_ctx;
struct hub_request;

/* The fields of a network and of a member or node, for listings. */
enum { NF_NAME, NF_ID, NF_TYPE, NF_MODE, NF_ROLE, NF_STATE, NF_YOU,
	NF_MEMBERS, NF_LIMIT, NF_SIZE, NF_PENDING, NF_ONLINE, NF_BROADCAST,
	NF_ETHERNET, NF_MAX };
enum { MF_NICK, MF_KEY, MF_V4, MF_V6, MF_ROLE, MF_STATE, MF_ONLINE,
	MF_ENDPOINT, MF_SEEN, MF_SEEN_UNIX,
	/* the hub's listing only: what it carries for the node */
	MF_IN, MF_OUT, MF_TOTAL, MF_RX_BPS, MF_TX_BPS, MF_RX_PPS, MF_TX_PPS,
	MF_RX_BYTES, MF_TX_BYTES, MF_RX_PACKETS, MF_TX_PACKETS,
	MF_RELAY_RX_BYTES, MF_RELAY_TX_BYTES, MF_MAX };
void	hub_net_fields(const void *, char [][CTL_FIELD_MAX]);
void	hub_member_fields(const void *, char [][CTL_FIELD_MAX]);
/* The hub's own listings of them (hamctl hub nodes, hub networks). */
extern const struct ctl_listing	hub_nodes_listing, hub_networks_listing;
/*
 * A request's network (a name or the 32 hex digits of an ID) and node
 * key (base64) from the command line: -1, said on stderr, if not one.
 */
int	req_net(struct hub_request *, const char *);
int	req_key(struct hub_request *, const char *);
/* Send a request that changes something; its result printed, 0 or 1. */
int	hub_send(struct ctl_ctx *, struct hub_request *);

#endif
