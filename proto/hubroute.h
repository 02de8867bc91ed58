/*
 * What a route prefix on the node-to-hub protocol may be: a LAN, or an
 * exit node's offer.  Apart from the codec (hubproto.c), which checks
 * every prefix it reads or writes with these, and from the hub and
 * node code that checks them again.
 */
#ifndef HAMD_HUBROUTE_H
#define HAMD_HUBROUTE_H

#include "ipc/addr.h"

/*
 * A route a node may advertise or install: IPv4 or IPv6, no host bits
 * past the length, a length of at least 1 (never a default route),
 * and a unicast range (not loopback, link-local, multicast, 0/8 or
 * 240/4).  The codec checks this on every prefix it reads or writes.
 */
int	hub_route_valid(const struct ip_prefix *);
/*
 * 0.0.0.0/0 or ::/0: an exit node's offer to carry all traffic, which
 * travels where routes do (advertised, approved, PEER_ROUTES) but is
 * never installed as a route: a member that chooses the exit node
 * (hamctl exit) routes through it with rules of its own.
 */
int	hub_route_exit(const struct ip_prefix *);
/* Either: what the codec carries as a prefix. */
#define hub_route_ok(p)	(hub_route_valid(p) || hub_route_exit(p))

#endif
