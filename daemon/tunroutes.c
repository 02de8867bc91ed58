/*
 * tun's table of subnet routes (see tunroutes.h).  Entry 0 of the
 * table is ours (what we serve); the others are gateways, found by
 * peer id with a scan: there are few.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>

#include "daemon/allowedips.h"
#include "daemon/tunroutes.h"
#include "privsep/log.h"
#include "proto/hubproto.h"

struct tr_entry {
	uint32_t		 id;		/* hub peer; 0 in e[0]: us */
	int			 used;
	int			 fresh;		/* told since the login */
	uint8_t			 noffer, nok;
	uint8_t			 exit;		/* offers: 1 IPv4, 2 IPv6 */
	struct ip_prefix	 offer[HUB_ROUTES_MAX];
	struct ip_prefix	 ok[HUB_ROUTES_MAX];	/* in allowed IPs */
};

struct troutes {
	void			(*send)(void *, const struct routes_msg *);
	void			(*exit_send)(void *, const struct exit_msg *);
	void			*arg;
	uint32_t		 exit_id;	/* chosen; 0: none */
	uint32_t		 exit_in;	/* in its allowed IPs: 1, 2 */
	struct tr_entry		 e[TROUTES_PEERS + 1];
	struct routes_msg	 config;
};

struct troutes *
troutes_new(void (*send)(void *, const struct routes_msg *),
    void (*exit_send)(void *, const struct exit_msg *), void *arg)
{
	struct troutes	*tr;

	if ((tr = calloc(1, sizeof(*tr))) == NULL)
		return NULL;
	tr->send = send;
	tr->exit_send = exit_send;
	tr->arg = arg;
	tr->e[0].used = 1;
	return tr;
}

void
troutes_free(struct troutes *tr)
{
	free(tr);
}

static struct tr_entry *
entry(struct troutes *tr, uint32_t id, int create)
{
	int	 i;

	if (id == 0)
		return &tr->e[0];
	for (i = 1; i <= TROUTES_PEERS; i++)
		if (tr->e[i].used && tr->e[i].id == id)
			return &tr->e[i];
	for (i = 1; create && i <= TROUTES_PEERS; i++)
		if (!tr->e[i].used) {
			memset(&tr->e[i], 0, sizeof(tr->e[i]));
			tr->e[i].used = 1;
			tr->e[i].id = id;
			return &tr->e[i];
		}
	return NULL;
}

static int
same(const struct ip_prefix *a, const struct ip_prefix *b)
{
	return a->af == b->af && a->plen == b->plen &&
	    memcmp(&a->addr, &b->addr, a->af == AF_INET ? 4 : 16) == 0;
}

static int
in(const struct ip_prefix *set, int n, const struct ip_prefix *p)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (same(&set[i], p))
			return 1;
	return 0;
}

static void
send_offer(struct troutes *tr, const struct tr_entry *e)
{
	struct routes_msg	 m;

	memset(&m, 0, sizeof(m));
	m.id = e->id;
	m.n = e->noffer;
	memcpy(m.p, e->offer, sizeof(m.p));
	tr->send(tr->arg, &m);
}

/* Why p cannot go through peer id, or NULL. */
static const char *
refusal(struct troutes *tr, struct wg_dev *dev, uint32_t id,
    const struct ip_prefix *p, const struct hub_login_ok *login)
{
	struct ip_prefix	 pool;
	uint32_t		 owner;
	int			 i, j;

	memset(&pool, 0, sizeof(pool));
	pool.af = AF_INET;
	pool.plen = login->v4_plen;
	memcpy(&pool.addr.v4, login->v4, 4);
	(void)prefix_mask(&pool);
	if (prefix_overlap(&pool, p))
		return "it overlaps the overlay";
	pool.af = AF_INET6;
	pool.plen = login->v6_plen;
	memcpy(&pool.addr.v6, login->v6, 16);
	(void)prefix_mask(&pool);
	if (prefix_overlap(&pool, p))
		return "it overlaps the overlay";
	/* The exit node's default holds everything: no conflict. */
	owner = allowedips_lookup(dev->aips, p->af, &p->addr);
	if (owner != ALLOWEDIPS_PEER_NONE && owner != id &&
	    owner != tr->exit_id)
		return "another peer's allowed IPs hold it";
	for (i = 1; i <= TROUTES_PEERS; i++) {
		if (!tr->e[i].used || tr->e[i].id == id)
			continue;
		for (j = 0; j < tr->e[i].noffer; j++)
			if (prefix_overlap(&tr->e[i].offer[j], p))
				return "it overlaps another gateway's route";
	}
	for (i = 0; i < WG_MAX_PEERS; i++)
		if (dev->peers[i] != NULL &&
		    prefix_contains(p, dev->peers[i]->endpoint.af,
		    dev->peers[i]->endpoint.addr))
			return "it holds a peer's endpoint";
	return NULL;
}

void
troutes_offer(struct troutes *tr, struct wg_dev *dev, uint32_t id,
    const struct hub_peer_routes *pr, const struct hub_login_ok *login)
{
	struct tr_entry		*e;
	struct ip_prefix	 keep[HUB_ROUTES_MAX];
	const char		*no;
	char			 a[PREFIX_STRLEN];
	int			 i, n = 0;

	if ((e = entry(tr, id, pr->n > 0)) == NULL) {
		if (pr->n > 0)
			log_warnx("routes of peer %u ignored: more than %d "
			    "gateways", id, TROUTES_PEERS);
		return;
	}
	e->fresh = 1;
	e->noffer = 0;
	e->exit = 0;
	for (i = 0; i < pr->n && i < HUB_ROUTES_MAX; i++) {
		/* A peer's exit offer is no route; ours is served. */
		if (id != 0 && hub_route_exit(&pr->p[i])) {
			e->exit |= pr->p[i].af == AF_INET ? 1 : 2;
			continue;
		}
		if (id != 0 && (no = refusal(tr, dev, id, &pr->p[i],
		    login)) != NULL) {
			log_warnx("route %s through peer %u refused: %s",
			    prefix_str(&pr->p[i], a, sizeof(a)), id, no);
			continue;
		}
		e->offer[e->noffer++] = pr->p[i];
	}
	/* Taken away: out of the allowed IPs now, not after a round trip. */
	for (i = 0; i < e->nok; i++) {
		if (in(e->offer, e->noffer, &e->ok[i]))
			keep[n++] = e->ok[i];
		else if (id != 0)
			(void)allowedips_remove(dev->aips, e->ok[i].af,
			    &e->ok[i].addr, e->ok[i].plen, id);
	}
	memcpy(e->ok, keep, sizeof(keep[0]) * (size_t)n);
	e->nok = (uint8_t)n;
	send_offer(tr, e);
	if (id != 0 && id == tr->exit_id && (e->exit & tr->exit_in) !=
	    tr->exit_in)
		troutes_exit_off(tr, dev, 0);
	if (id != 0 && e->noffer == 0 && e->nok == 0 && e->exit == 0)
		e->used = 0;
}

/* ---- the exit node ----------------------------------------------------- */

static void
exit_allowed(struct troutes *tr, struct wg_dev *dev, uint32_t id, int af,
    int add)
{
	struct ip_prefix	 any;
	int			 f;

	for (f = 1; f <= 2; f++) {
		if (!(af & f))
			continue;
		memset(&any, 0, sizeof(any));
		any.af = f == 1 ? AF_INET : AF_INET6;
		if (add)
			(void)allowedips_insert(dev->aips, any.af, &any.addr, 0,
			    id);
		else
			(void)allowedips_remove(dev->aips, any.af, &any.addr,
			    0, id);
	}
}

int
troutes_exit_offered(struct troutes *tr, uint32_t id)
{
	struct tr_entry	*e;

	return id != 0 && (e = entry(tr, id, 0)) != NULL ? e->exit : 0;
}

uint32_t
troutes_exit_current(const struct troutes *tr)
{
	return tr->exit_id;
}

void
troutes_exit_choose(struct troutes *tr, struct wg_dev *dev, uint32_t id,
    uint32_t client, uint64_t cgroup, uint32_t level, uint32_t flags)
{
	struct exit_msg	 m;

	/* The old exit node carries nothing from now on. */
	if (tr->exit_id != 0 && tr->exit_in != 0)
		exit_allowed(tr, dev, tr->exit_id, (int)tr->exit_in, 0);
	tr->exit_in = 0;
	tr->exit_id = id;
	memset(&m, 0, sizeof(m));
	m.client = client;
	m.id = id;
	m.af = (uint32_t)troutes_exit_offered(tr, id);
	m.cgroup = id != 0 ? cgroup : 0;
	m.level = id != 0 ? level : 0;
	m.flags = id != 0 ? flags & CTL_EXIT_NOLAN : 0;
	tr->exit_send(tr->arg, &m);
}

void
troutes_exit_off(struct troutes *tr, struct wg_dev *dev, uint32_t client)
{
	if (tr->exit_id == 0 && client == 0)
		return;
	if (client == 0)
		log_warnx("the exit node went away or no longer offers it: "
		    "traffic takes the direct way again");
	troutes_exit_choose(tr, dev, 0, client, 0, 0, 0);
}

void
troutes_exit_set(struct troutes *tr, struct wg_dev *dev,
    const struct exit_msg *m)
{
	/* Only the latest choice, and only what it still offers. */
	if (!m->ok || m->id == 0 || m->id != tr->exit_id)
		return;
	tr->exit_in = m->af & (uint32_t)troutes_exit_offered(tr, m->id);
	if (tr->exit_in == 0)
		troutes_exit_off(tr, dev, 0);	/* withdrawn meanwhile */
	else
		exit_allowed(tr, dev, m->id, (int)tr->exit_in, 1);
}

void
troutes_accept(struct troutes *tr, struct wg_dev *dev,
    const struct routes_msg *m)
{
	struct tr_entry	*e;
	uint32_t	 i;
	int		 j;

	if (m->id == 0 || (e = entry(tr, m->id, 0)) == NULL)
		return;		/* the peer went meanwhile */
	for (j = 0; j < e->nok; j++)
		if (!in(m->p, (int)m->n, &e->ok[j]))
			(void)allowedips_remove(dev->aips, e->ok[j].af,
			    &e->ok[j].addr, e->ok[j].plen, m->id);
	e->nok = 0;
	for (i = 0; i < m->n && i < HUB_ROUTES_MAX; i++) {
		/* A verdict on an older offer counts only for what stays. */
		if (!in(e->offer, e->noffer, &m->p[i]))
			continue;
		if (allowedips_insert(dev->aips, m->p[i].af, &m->p[i].addr,
		    m->p[i].plen, m->id) == -1) {
			log_warnx("route of peer %u: allowed IPs full", m->id);
			continue;
		}
		e->ok[e->nok++] = m->p[i];
	}
}

void
troutes_reapply(struct troutes *tr, struct wg_dev *dev, uint32_t id)
{
	struct tr_entry	*e;
	int		 i;

	if ((e = entry(tr, id, 0)) == NULL)
		return;
	for (i = 0; i < e->nok; i++)
		(void)allowedips_insert(dev->aips, e->ok[i].af,
		    &e->ok[i].addr, e->ok[i].plen, id);
	if (id == tr->exit_id && tr->exit_in != 0)
		exit_allowed(tr, dev, id, (int)tr->exit_in, 1);
}

void
troutes_forget(struct troutes *tr, uint32_t id)
{
	struct tr_entry	*e;

	if (id == 0 || (e = entry(tr, id, 0)) == NULL)
		return;
	e->noffer = e->nok = 0;
	e->exit = 0;
	send_offer(tr, e);
	e->used = 0;
	if (id == tr->exit_id) {
		tr->exit_in = 0;	/* the peer took its allowed IPs along */
		troutes_exit_off(tr, NULL, 0);
	}
}

void
troutes_sync_begin(struct troutes *tr)
{
	int	 i;

	for (i = 0; i <= TROUTES_PEERS; i++)
		tr->e[i].fresh = 0;
}

void
troutes_sync_end(struct troutes *tr, struct wg_dev *dev)
{
	struct tr_entry	*e;
	int		 i, j;

	for (i = 0; i <= TROUTES_PEERS; i++) {
		e = &tr->e[i];
		if (!e->used || e->fresh || (e->noffer == 0 && e->nok == 0 &&
		    e->exit == 0))
			continue;
		e->exit = 0;
		for (j = 0; i > 0 && j < e->nok; j++)
			(void)allowedips_remove(dev->aips, e->ok[j].af,
			    &e->ok[j].addr, e->ok[j].plen, e->id);
		e->noffer = e->nok = 0;
		send_offer(tr, e);
		if (i > 0 && e->id == tr->exit_id)
			troutes_exit_off(tr, dev, 0);
		if (i > 0)
			e->used = 0;
	}
}

void
troutes_set_config(struct troutes *tr, const struct routes_msg *m)
{
	tr->config = *m;
	if (tr->config.n > HUB_ROUTES_MAX)
		tr->config.n = HUB_ROUTES_MAX;
}

const struct routes_msg *
troutes_config(const struct troutes *tr)
{
	return &tr->config;
}
