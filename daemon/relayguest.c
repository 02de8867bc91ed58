/* The node's guest registrations at other hubs; see relayguest.h. */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <sodium.h>
#include <string.h>

#include "daemon/relayguest.h"

static int
same(const struct pkt_addr *a, const struct pkt_addr *b)
{
	return a->af == b->af && a->port == b->port &&
	    (a->af == AF_INET || a->af == AF_INET6) &&
	    memcmp(a->addr, b->addr, a->af == AF_INET ? 4 : 16) == 0;
}

static struct relayguest *
find(const struct relayguests *t, const struct pkt_addr *hub)
{
	size_t	 i;

	for (i = 0; i < RELAYGUEST_MAX; i++)
		if (same(&t->g[i].hub, hub))
			return (struct relayguest *)&t->g[i];
	return NULL;
}

int
relayguest_offer(struct relayguests *t, const struct hub_peer_relay *pr,
    uint64_t now)
{
	struct hub_relay_info	 ri;
	struct relayguest	*g;
	size_t			 i;

	if (pr->guest_id == 0 ||
	    (pr->hub.af != AF_INET && pr->hub.af != AF_INET6))
		return -1;
	if ((g = find(t, &pr->hub)) != NULL && g->rr.id == pr->guest_id &&
	    sodium_memcmp(g->rr.token, pr->token, sizeof(pr->token)) == 0)
		return 0;
	for (i = 0; g == NULL && i < RELAYGUEST_MAX; i++)
		if (t->g[i].hub.af == 0)
			g = &t->g[i];
	if (g == NULL)
		return -1;
	memset(&ri, 0, sizeof(ri));
	ri.relay_id = pr->guest_id;
	memcpy(ri.token, pr->token, sizeof(ri.token));
	relayreg_begin(&g->rr, &ri, now);
	sodium_memzero(&ri, sizeof(ri));
	memset(&g->hub, 0, sizeof(g->hub));
	g->hub.af = pr->hub.af;
	g->hub.port = pr->hub.port;
	memcpy(g->hub.addr, pr->hub.addr, pr->hub.af == AF_INET ? 4 : 16);
	g->confirmed = 0;
	return 0;
}

int
relayguest_due(struct relayguests *t, uint64_t now,
    uint8_t out[RELAY_AUTH_LEN], struct pkt_addr *to)
{
	size_t	 i;

	for (i = 0; i < RELAYGUEST_MAX; i++)
		if (t->g[i].hub.af != 0 && relayreg_due(&t->g[i].rr, now,
		    out)) {
			*to = t->g[i].hub;
			return 1;
		}
	return 0;
}

int
relayguest_answer(struct relayguests *t, const struct pkt_addr *from,
    const uint8_t *in, size_t len, uint64_t now)
{
	struct relayguest	*g;

	if ((g = find(t, from)) == NULL ||
	    relayreg_answer(&g->rr, in, len) == -1)
		return -1;
	g->confirmed = now;
	return 0;
}

int
relayguest_usable(const struct relayguests *t, const struct pkt_addr *hub,
    uint64_t now)
{
	const struct relayguest	*g;

	return (g = find(t, hub)) != NULL && g->confirmed != 0 &&
	    now - g->confirmed < RELAYGUEST_VALID;
}

void
relayguest_clear(struct relayguests *t)
{
	sodium_memzero(t, sizeof(*t));
}
