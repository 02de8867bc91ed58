/* The hub's address and the relay's pseudo addresses; see engine_addr.h. */
#include "autoconf.h"

#include <arpa/inet.h>
#include <string.h>

#include "daemon/engine_addr.h"

static struct pkt_addr	 hub;

const struct pkt_addr *
hub_addr(void)
{
	return &hub;
}

void
hub_addr_set(const struct pkt_addr *a)
{
	hub = *a;
}

void
hub_addr_port(int n, struct pkt_addr *a)
{
	*a = hub;
	a->port = htons((uint16_t)(ntohs(hub.port) + n));
}

int
relay_pseudo(const struct pkt_addr *a)
{
	if (hub.af == 0 || a->af != hub.af || memcmp(a->addr, hub.addr,
	    hub.af == AF_INET ? 4 : 16) != 0)
		return PATH_NONE;
	if (a->port == hub.port)
		return PATH_RELAY_UDP;
	if (a->port == 0)
		return PATH_RELAY_TCP;
	return PATH_NONE;
}

void
relay_pseudo_addr(int kind, struct pkt_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (kind != PATH_RELAY_UDP && kind != PATH_RELAY_TCP)
		return;
	*a = hub;
	if (kind == PATH_RELAY_TCP)
		a->port = 0;
}
