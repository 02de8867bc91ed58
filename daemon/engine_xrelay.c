/* The other hubs that relay for us as a guest; see engine_xrelay.h. */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>

#include "daemon/engine_xrelay.h"
#include "privsep/log.h"

static struct xhub {
	struct pkt_addr	 hub;		/* af 0: a free slot */
	uint64_t	 confirmed;	/* ms of tun's last word, 0: none */
} xh[XRELAY_HUBS];
static size_t	 nxh;		/* slots used */

/* Slots hold normalized addresses (addr_normalize). */
static struct xhub *
find(const struct pkt_addr *hub)
{
	struct pkt_addr	 a = *hub;
	size_t		 i;

	addr_normalize(&a);
	if (a.af != AF_INET && a.af != AF_INET6)
		return NULL;
	for (i = 0; i < XRELAY_HUBS; i++)
		if (addr_equal(&xh[i].hub, &a))
			return &xh[i];
	return NULL;
}

int
xrelay_hub_add(const struct pkt_addr *hub)
{
	size_t	 i;

	if (find(hub) != NULL)
		return 0;
	if (hub->af != AF_INET && hub->af != AF_INET6)
		return -1;
	for (i = 0; i < XRELAY_HUBS; i++)
		if (xh[i].hub.af == 0) {
			xh[i].hub = *hub;
			addr_normalize(&xh[i].hub);
			xh[i].confirmed = 0;
			nxh++;
			return 0;
		}
	return -1;
}

int
xrelay_known(const struct pkt_addr *from)
{
	/* Every received datagram asks: no table, no cost. */
	return nxh != 0 && from != NULL && find(from) != NULL;
}

void
xrelay_confirm(const struct pkt_addr *hub, uint64_t now)
{
	struct xhub	*x;

	if ((x = find(hub)) == NULL)
		return;
	if (x->confirmed == 0)
		log_debug("relay: guest registration at another hub "
		    "confirmed");
	x->confirmed = now;
}

int
xrelay_usable(const struct pkt_addr *hub, uint64_t now)
{
	const struct xhub	*x;

	return (x = find(hub)) != NULL && x->confirmed != 0 &&
	    now - x->confirmed < RELAY_UDP_VALID_MS;
}

void
xrelay_reset(void)
{
	size_t	 i;

	for (i = 0; i < XRELAY_HUBS; i++)
		xh[i].confirmed = 0;
}
