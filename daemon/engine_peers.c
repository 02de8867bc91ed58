/* The engine's peer table; see engine_peers.h. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/engine_addr.h"
#include "daemon/engine_peers.h"
#include "privsep/log.h"

static struct {
	struct engine_peer	*peers;		/* indexed by id, [0] unused */
	struct engine_peer	*hub_peers;	/* id - ENGINE_HUB_ID_BASE */
	uint32_t		 maxid;		/* highest id ever configured */
	uint32_t		 gen;		/* current configuration */
} pt;

void
peers_init(void)
{
	pt.gen = 1;
	if ((pt.peers = calloc(ENGINE_MAX_ID + 1, sizeof(*pt.peers))) == NULL ||
	    (pt.hub_peers = calloc(ENGINE_HUB_MAX_IDS,
	    sizeof(*pt.hub_peers))) == NULL)
		fatal("%s: calloc", __func__);
}

int
hub_peer_id(uint32_t id)
{
	return id >= ENGINE_HUB_ID_BASE &&
	    id - ENGINE_HUB_ID_BASE < ENGINE_HUB_MAX_IDS;
}

struct engine_peer *
peer_slot(uint32_t id)
{
	if (id >= 1 && id <= ENGINE_MAX_ID)
		return &pt.peers[id];
	if (hub_peer_id(id))
		return &pt.hub_peers[id - ENGINE_HUB_ID_BASE];
	return NULL;
}

struct engine_peer *
peer_get(uint32_t id)
{
	struct engine_peer	*p = peer_slot(id);

	return p != NULL && p->configured ? p : NULL;
}

void
peer_configure(uint32_t id, const struct pkt_addr *ep)
{
	struct engine_peer	*p = &pt.peers[id];
	char			 buf[ADDR_STRLEN];

	if (!p->configured) {
		memset(p, 0, sizeof(*p));
		p->configured = 1;
		p->fast = 1;
		p->conf_ep = p->ep = *ep;
		log_debug("peer %u added, endpoint %s", id,
		    pkt_addr_str(&p->ep, buf, sizeof(buf)));
	} else if (!addr_equal(&p->conf_ep, ep)) {
		/* A new configured endpoint wins over a roamed one. */
		p->conf_ep = p->ep = *ep;
		log_debug("peer %u endpoint %s (configuration)", id,
		    pkt_addr_str(&p->ep, buf, sizeof(buf)));
	}
	p->gen = pt.gen;
	if (id > pt.maxid)
		pt.maxid = id;
}

void
peers_end(void)
{
	uint32_t	 id;

	for (id = 1; id <= pt.maxid; id++) {
		if (pt.peers[id].configured && pt.peers[id].gen != pt.gen) {
			memset(&pt.peers[id], 0, sizeof(pt.peers[id]));
			log_debug("peer %u removed", id);
		}
	}
	pt.gen++;
}

void
peer_roam(struct engine_peer *p, uint32_t id, const struct pkt_addr *a)
{
	char	 buf[ADDR_STRLEN];

	/*
	 * Port 0 is the TCP relay's pseudo address, hub IP:P the UDP
	 * relay's: a configured peer is not relayed, and a stale report
	 * (the hub changed meanwhile) is no reason to end the daemon.
	 */
	if (a->port == 0 || relay_pseudo(a) != PATH_NONE) {
		log_debug("%s: peer %u: relay address ignored", __func__, id);
		return;
	}
	if (addr_equal(&p->ep, a))
		return;
	p->ep = *a;
	p->stats.roams++;
	log_info("peer %u endpoint %s", id, pkt_addr_str(&p->ep, buf,
	    sizeof(buf)));
}
