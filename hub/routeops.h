/*
 * The subnet-route requests: advertise and withdraw (a node's own),
 * routes (list), route-approve and route-revoke (a network's
 * administrators).  membership.c checks the caller's role first, as
 * for every request.
 */
#ifndef HAMD_HUB_ROUTEOPS_H
#define HAMD_HUB_ROUTEOPS_H

struct hub_request;
struct session;
struct store_member;
struct store_net;

/*
 * Answer req from s.  net: the network the request names, or NULL if
 * there is none (advertise, withdraw, an own routes list); me: s's row
 * in it, or NULL.
 */
void	routeops_request(struct session *, const struct hub_request *,
	    const struct store_net *net, const struct store_member *me);

#endif
