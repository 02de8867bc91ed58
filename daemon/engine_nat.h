/*
 * NAT discovery.  While the hub connection is up, every NAT_INTERVAL
 * seconds: one probe to each of the hub's UDP ports P and P+1 (P its
 * TCP port) from the UDP socket of the hub's family, with one fresh
 * nonce; missing answers get up to NAT_RESENDS more probes, a second
 * apart.  Each answer says which address and port that hub port saw.
 * Both alike: the NAT maps endpoint-independently; different: it maps
 * per destination; none within NAT_DEADLINE seconds: UDP does not get
 * through.  The parent hears the result of every round; it alone can
 * tell "no NAT" from an endpoint-independent one (its own addresses).
 * An answer only ever changes this report: it never reaches tun and
 * never moves a peer's endpoint.
 */
#ifndef HAMD_DAEMON_ENGINE_NAT_H
#define HAMD_DAEMON_ENGINE_NAT_H

#include <stdint.h>

#include "privsep/proc.h"

void	nat_init(struct privsep *);
/* The hub connection came up: a round now. */
void	nat_start(void);
/* The hub connection is gone: no round, no valid nonce. */
void	nat_stop(void);
/* The last kind reported (enum nat_kind; NAT_UNKNOWN before any). */
int32_t	nat_kind(void);

#endif
