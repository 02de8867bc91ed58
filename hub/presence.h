/*
 * Presence: two online nodes that share a network know each other
 * (PEER_UP, and each other's paths, so both probe at once) and the
 * engine may relay between them; when they stop sharing one, or one
 * logs off, the other is told (PEER_DOWN, or PEER_CHECK when the hub
 * lost it).  PEER_UP also says whether broadcast flows between the
 * two: whether a network that makes them peers has it on.
 *
 * Computed by deltas: the authority keeps, for every online node, its
 * active memberships, and for every network with an online member,
 * those members (owners and administrators apart from plain members,
 * since a plain member of a hub-and-spoke network peers with the
 * former only).  A login, a logout or one membership change then
 * touches only the pairs it changes: the cost of an event is linear in
 * the members it must tell, never in the size of the hub or the square
 * of a network.  The store stays the truth; this is its image for the
 * nodes online, updated with every change the authority makes.
 */
#ifndef HAMD_HUB_PRESENCE_H
#define HAMD_HUB_PRESENCE_H

#include <stddef.h>
#include <stdint.h>

struct session;
struct store_member;
struct store_net;

/*
 * After a login: take in the node's memberships, tell it about every
 * peer it is entitled to and those online about it, then end the list.
 * -1 if the store failed or there was no memory (nothing ended the
 * list: the caller refuses the login).
 */
int	presence_login(struct session *);
/* Off line: gracefully (tear down) or lost (check liveness). */
void	presence_logoff(struct session *);
/*
 * The store changed key's row in net from before to after (NULL: no
 * row).  Tells the pairs whose entitlement changed, and only those;
 * this and the two below tell the other hubs of a cluster too
 * (cluster.c), which apply it with the _apply forms.
 */
void	presence_member(const struct store_net *, const uint8_t key[32],
	    const struct store_member *before,
	    const struct store_member *after);
/*
 * net's broadcast setting is now net->bcast: its online pairs that no
 * other network gives broadcast hear PEER_UP with the new flag.
 */
void	presence_net_lan(const struct store_net *);
/* net was deleted; rows: its rows before, n of them. */
void	presence_net_deleted(const struct store_net *,
	    const struct store_member *rows, size_t n);
/*
 * Subnet routes changed: key's in network netid (approved or revoked
 * there: every online member of netid and key are told), or every
 * route of x (x withdrew one: its online peers and x are told).
 */
void	presence_routes_net(const uint8_t netid[16], const uint8_t key[32]);
void	presence_routes_peers(struct session *x);
/*
 * Member names of x changed (its nickname, all 0: its online peers and
 * x hear), or x asked for them (all 1: x hears about every online peer
 * and itself).  Only nodes that asked are told.
 */
void	presence_names(struct session *x, int all);
/*
 * The same three without telling the other hubs of a cluster: for
 * what another hub did and told (remote.c).  Offline members' rows
 * are not known then: n is 0.
 */
void	presence_member_apply(const struct store_net *, const uint8_t key[32],
	    const struct store_member *before,
	    const struct store_member *after);
void	presence_net_lan_apply(const struct store_net *);
void	presence_net_deleted_apply(const struct store_net *,
	    const struct store_member *rows, size_t n);
/*
 * A node online at another hub (a ghost session of remote.c, with no
 * connection here): its active memberships taken in (-1: the store
 * failed or no memory, none kept); each online peer told of it as of a
 * login here, PEER_UP and PEER_PATHS (again when it moved); out of the
 * image without a word (it logged in here).
 */
int	presence_remote_rows(struct session *);
void	presence_remote_tell(struct session *);
void	presence_forget(struct session *);
/* Active members of a network online now. */
uint32_t presence_online(const uint8_t netid[16]);
/* Call fn for each online peer of s, once each. */
void	presence_each_peer(struct session *,
	    void (*fn)(struct session *peer, void *), void *);
/* Tell to where about may be reached, and its relay id: probe now. */
void	presence_send_paths(struct session *to, const struct session *about);

#endif
