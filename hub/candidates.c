/*
 * A node's candidates; see candidates.h.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "hub/budget.h"
#include "hub/candidates.h"
#include "hub/cluster.h"
#include "hub/presence.h"
#include "hub/session.h"
#include "privsep/log.h"

/*
 * CANDIDATES cost the key's budget (budget.h): the last one over it
 * waits for the next token (the 1 s tick).
 */
static struct session_list	 deferred = TAILQ_HEAD_INITIALIZER(deferred);

static void
undefer(struct session *s)
{
	if (!s->is_deferred)
		return;
	TAILQ_REMOVE(&deferred, s, deferred);
	s->is_deferred = 0;
	free(s->cand_next);
	s->cand_next = NULL;
}

void
candidates_end(struct session *s)
{
	undefer(s);
}
/* FORWARD candidates kept per list: a node has a router or two. */
#define CAND_FORWARD_MAX	2

void
candidates_login(struct session *s)
{
	memset(&s->cands, 0, sizeof(s->cands));
	s->cand_seen = 0;
	undefer(s);
	if (s->udp_port != 0) {
		s->cands.c[0].kind = HUB_CAND_OBSERVED;
		s->cands.c[0].addr = s->endpoint;
		s->cands.n = 1;
	}
}

/* ---- what a node may claim -------------------------------------------- */

/* 10/8, 172.16/12, 192.168/16, 100.64/10 (carrier NAT), fc00::/7. */
static int
addr_private(const struct pkt_addr *a)
{
	const uint8_t	*p = a->addr;

	if (a->af == AF_INET)
		return p[0] == 10 || (p[0] == 172 && (p[1] & 0xf0) == 16) ||
		    (p[0] == 192 && p[1] == 168) ||
		    (p[0] == 100 && (p[1] & 0xc0) == 64);
	return a->af == AF_INET6 && (p[0] & 0xfe) == 0xfc;
}

/*
 * In the hub's own overlay pools (the addresses nodes get inside the
 * tunnel): a "LAN" candidate there would have every peer send tunnel
 * packets into its own tunnel.
 */
static int
addr_overlay(const struct pkt_addr *a)
{
	if (a->af == AF_INET)
		return prefix_contains(&au.conf.pool4, AF_INET, a->addr);
	return a->af == AF_INET6 && au.plen6 > 0 &&
	    addr_bits_equal(au.pool6, a->addr, au.plen6);
}

/* The same IP (any port) as the node's hub connection. */
static int
addr_is_remote(const struct session *s, const struct pkt_addr *a)
{
	return a->af == s->remote.af && memcmp(a->addr, s->remote.addr,
	    a->af == AF_INET ? 4 : 16) == 0;
}

/*
 * What a node may claim: LAN addresses only in private ranges (they
 * are tried by every peer, so they must not aim peers at the public
 * Internet) and outside the hub's overlay pools; a public address or a
 * port forward only on the IP the hub sees the node connect from (a
 * port forward lives on the router the node reaches the hub through:
 * anything else would let a node aim every peer's probes at a third
 * party).  OBSERVED is the hub's own word.
 */
static int
cand_ok(const struct session *s, const struct hub_candidate *c)
{
	switch (c->kind) {
	case HUB_CAND_LAN:
		return addr_private(&c->addr) && !addr_overlay(&c->addr);
	case HUB_CAND_PUBLIC:
		return addr_is_remote(s, &c->addr);
	case HUB_CAND_FORWARD:
		return addr_is_remote(s, &c->addr) && addr_is_unicast(&c->addr);
	default:
		return 0;
	}
}

static int
cand_allowed(struct session *s)
{
	return budget_candidates(s->key, (int64_t)authority_ms()) ==
	    BUDGET_OK;
}

/* ---- applying a list -------------------------------------------------- */

/* Whether list holds a candidate with a's address and port. */
static int
cand_listed(const struct hub_candidates *list, const struct pkt_addr *a)
{
	const struct pkt_addr	*b;
	size_t			 j;

	for (j = 0; j < list->n; j++) {
		b = &list->c[j].addr;
		if (a->af == b->af && a->port == b->port && memcmp(a->addr,
		    b->addr, a->af == AF_INET ? 4 : 16) == 0)
			return 1;
	}
	return 0;
}

/*
 * Apply a node's new candidate list: checked, deduplicated, at most
 * CAND_FORWARD_MAX port forwards, the observed address added, and sent
 * to every online peer (which probes at once).  The node gets its
 * peers' paths back too, except for its first list since the login:
 * presence sent them moments ago, and they have not changed since (a
 * peer's change is sent to it as it happens).
 */
static void
tell_first(struct session *o, void *arg)
{
	presence_send_paths(o, arg);
}

static void
tell_both(struct session *o, void *arg)
{
	presence_send_paths(o, arg);
	presence_send_paths(arg, o);
}

static void
cand_apply(struct session *s, const struct hub_candidates *in)
{
	struct hub_candidates	 nc;
	char			 b64[KEY_B64_LEN + 1];
	size_t			 i;
	int			 dropped = 0, nfwd = 0, first;

	memset(&nc, 0, sizeof(nc));
	nc.nat = in->nat;
	for (i = 0; i < in->n && i < HUB_CAND_MAX; i++) {
		if (!cand_ok(s, &in->c[i]) ||
		    (in->c[i].kind == HUB_CAND_FORWARD &&
		    nfwd >= CAND_FORWARD_MAX)) {
			dropped++;
			continue;
		}
		if (cand_listed(&nc, &in->c[i].addr))
			continue;
		if (in->c[i].kind == HUB_CAND_FORWARD)
			nfwd++;
		nc.c[nc.n].kind = in->c[i].kind;
		nc.c[nc.n].addr = in->c[i].addr;
		nc.n++;
	}
	if (s->udp_port != 0 && nc.n < HUB_CAND_MAX &&
	    !cand_listed(&nc, &s->endpoint)) {
		nc.c[nc.n].kind = HUB_CAND_OBSERVED;
		nc.c[nc.n].addr = s->endpoint;
		nc.n++;
	}
	if (dropped > 0)
		log_debug("node %s: %d of %u candidates dropped",
		    key_str(s->key, b64), dropped, in->n);
	s->cands = nc;
	first = !s->cand_seen;
	s->cand_seen = 1;
	presence_each_peer(s, first ? tell_first : tell_both, s);
	cluster_paths(s);
}

/*
 * Over the rate a list is not lost: it waits (replacing any older one
 * waiting) until a token refills, and candidates_tick() applies it then.
 */
void
candidates_take(struct session *s, const struct hub_candidates *in)
{
	char	 b64[KEY_B64_LEN + 1];

	if (!cand_allowed(s)) {
		/* One waits per session, in memory only while it waits. */
		if (s->cand_next == NULL &&
		    (s->cand_next = malloc(sizeof(*s->cand_next))) == NULL) {
			authority_nomem("a candidate list dropped");
			return;
		}
		*s->cand_next = *in;
		if (!s->is_deferred) {
			TAILQ_INSERT_TAIL(&deferred, s, deferred);
			s->is_deferred = 1;
		}
		log_debug("node %s: candidates over the rate, deferred",
		    key_str(s->key, b64));
		return;
	}
	/* A newer list than the one waiting: that one is stale now. */
	undefer(s);
	cand_apply(s, in);
}

void
candidates_tick(void)
{
	struct session		*s, *next;
	struct hub_candidates	 c;

	for (s = TAILQ_FIRST(&deferred); s != NULL; s = next) {
		next = TAILQ_NEXT(s, deferred);
		if (s->state != SESSION_ONLINE) {
			undefer(s);
			continue;
		}
		if (!cand_allowed(s))
			continue;
		c = *s->cand_next;
		undefer(s);
		cand_apply(s, &c);
	}
}
