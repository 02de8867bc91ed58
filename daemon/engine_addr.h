/*
 * The hub's address, as the parent named it with the last socket, and
 * what it makes of other addresses: the relay's pseudo addresses.
 * Relayed packets reach tun from hub IP:P (P the hub's port) when they
 * came as UDP datagrams and from hub IP:0 when they came in the TCP
 * connection, so tun's endpoint reports name the relay like any other
 * address.  Every part of the engine needs to tell these apart from a
 * peer's, so they live at the bottom.
 */
#ifndef HAMD_DAEMON_ENGINE_ADDR_H
#define HAMD_DAEMON_ENGINE_ADDR_H

#include <stdint.h>

#include "ctl/ctlmsg.h"		/* enum path_kind */
#include "ipc/addr.h"

/* The hub we connect to (family 0: none named yet). */
const struct pkt_addr	*hub_addr(void);
void			 hub_addr_set(const struct pkt_addr *);
/* The hub's address with its port plus n (NAT discovery: P and P+1). */
void			 hub_addr_port(int n, struct pkt_addr *);

/* The relay path a pseudo address names, PATH_NONE for any other. */
int			 relay_pseudo(const struct pkt_addr *);
/* The pseudo address of PATH_RELAY_UDP or _TCP; family 0 for others. */
void			 relay_pseudo_addr(int kind, struct pkt_addr *);

#endif
