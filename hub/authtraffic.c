/*
 * The authority's traffic rounds; see authtraffic.h.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "hub/authtraffic.h"
#include "hub/session.h"
#include "hub/trafficmsg.h"
#include "privsep/log.h"
#include "privsep/proc.h"

/* An engine that has not answered by then is given up for this round. */
#define TRAFFIC_DEADLINE_MS	3000

struct round {
	uint32_t	 id;			/* 0: none runs */
	int		 full;			/* every online node */
	uint64_t	 deadline;
	uint32_t	*conns;			/* grouped by engine */
	size_t		 first[HUBD_ENGINES_MAX], end[HUBD_ENGINES_MAX];
	size_t		 next[HUBD_ENGINES_MAX];	/* not yet asked */
	uint32_t	 asked[HUBD_ENGINES_MAX];	/* in the page out */
	int		 pending;		/* engines with a page out */
	uint32_t	*clients;		/* listings to serve */
	size_t		 nclients, cap;
	int		 web;			/* and the snapshot */
};

static struct {
	struct round	 cur;
	uint32_t	*later;			/* listings for the next round */
	size_t		 nlater, caplater;
	uint32_t	 last_id, done_id;
	void		(*listing)(uint32_t);
	void		(*snapshot)(void);
} tr;

static int
push(uint32_t **a, size_t *n, size_t *cap, uint32_t v)
{
	uint32_t	*p;
	size_t		 c;

	if (*n == *cap) {
		c = *cap ? *cap * 2 : 8;
		if ((p = reallocarray(*a, c, sizeof(*p))) == NULL)
			return -1;
		*a = p;
		*cap = c;
	}
	(*a)[(*n)++] = v;
	return 0;
}

static void	round_start(int full);

static void
round_finish(void)
{
	struct round	 r = tr.cur;
	size_t		 i;

	memset(&tr.cur, 0, sizeof(tr.cur));
	free(r.conns);
	tr.done_id = r.id;
	for (i = 0; i < r.nclients; i++)
		tr.listing(r.clients[i]);
	free(r.clients);
	if (r.web)
		tr.snapshot();
	/* Listings that came during a snapshot's round: theirs now. */
	if (tr.nlater > 0 && tr.cur.id == 0) {
		tr.cur.clients = tr.later;
		tr.cur.nclients = tr.nlater;
		tr.cur.cap = tr.caplater;
		tr.later = NULL;
		tr.nlater = tr.caplater = 0;
		round_start(1);
	}
}

/* The engine's next page, or it is done; -1 once none is out. */
static int
page_send(int e)
{
	struct hubd_traffic_ask	 ask;
	struct round		*r = &tr.cur;
	size_t			 n = r->end[e] - r->next[e];

	if (n == 0)
		return -1;
	if (n > HUBD_TRAFFIC_PAGE)
		n = HUBD_TRAFFIC_PAGE;
	memset(&ask, 0, sizeof(ask));
	ask.round = r->id;
	ask.n = (uint32_t)n;
	memcpy(ask.conn, r->conns + r->next[e], n * sizeof(ask.conn[0]));
	if (proc_compose_try(au.ps, HUBD_PROC_ENGINE + e,
	    IMSG_HUBD_TRAFFIC_ASK, 0, -1, &ask,
	    traffic_ask_len((uint32_t)n)) == -1) {
		authority_nomem("a traffic question to an engine dropped");
		return -1;
	}
	r->asked[e] = (uint32_t)n;
	return 0;
}

struct collect {
	size_t		 count[HUBD_ENGINES_MAX];
	size_t		 seen;
	int		 fill;
};

static void
collect_one(struct collect *c, const struct session *s)
{
	struct round	*r = &tr.cur;
	int		 e = s->eng - HUBD_PROC_ENGINE;

	if (e < 0 || e >= HUBD_ENGINES_MAX)
		return;
	if (!c->fill)
		c->count[e]++;
	else if (r->next[e] < r->end[e])
		r->conns[r->next[e]++] = s->conn;
}

/* The snapshot's nodes: the first the store lists, as authweb.c. */
static int
collect_web(void *arg, const struct store_node *n)
{
	struct collect		*c = arg;
	const struct session	*s;

	if (c->seen++ == HUBD_WEB_NODES_MAX)
		return 1;
	if ((s = session_online(n->key)) != NULL)
		collect_one(c, s);
	return 0;
}

static void
collect(struct collect *c, int full)
{
	const struct session	*s;

	c->seen = 0;
	if (!full) {
		(void)store_node_foreach(au.store, collect_web, c);
		return;
	}
	TAILQ_FOREACH(s, &au.onlines, online)
		collect_one(c, s);
}

static void
round_start(int full)
{
	struct round	*r = &tr.cur;
	struct collect	 c;
	size_t		 total = 0;
	int		 e;

	if (++tr.last_id == 0)
		tr.last_id = 1;
	r->id = tr.last_id;
	r->full = full;
	r->deadline = authority_ms() + TRAFFIC_DEADLINE_MS;
	memset(&c, 0, sizeof(c));
	collect(&c, full);
	for (e = 0; e < HUBD_ENGINES_MAX; e++) {
		r->first[e] = r->next[e] = total;
		total += c.count[e];
		r->end[e] = total;
	}
	if (total > 0 && (r->conns = calloc(total, sizeof(*r->conns))) ==
	    NULL) {
		authority_nomem("the traffic of the nodes (shown as none)");
		round_finish();
		return;
	}
	if (total > 0) {
		/*
		 * The sessions stay the same between the two walks, but a
		 * cluster's database may not: what the second finds counts.
		 */
		c.fill = 1;
		collect(&c, full);
		for (e = 0; e < HUBD_ENGINES_MAX; e++) {
			r->end[e] = r->next[e];
			r->next[e] = r->first[e];
		}
	}
	for (e = 0; e < HUBD_ENGINES_MAX; e++)
		if (page_send(e) == 0)
			r->pending++;
	if (r->pending == 0)
		round_finish();
}

void
authtraffic_listing(uint32_t client, void (*done)(uint32_t))
{
	struct round	*r = &tr.cur;

	tr.listing = done;
	if (r->id != 0 && !r->full) {
		if (push(&tr.later, &tr.nlater, &tr.caplater, client) == -1)
			authority_nomem("a node listing dropped");
		return;
	}
	if (push(&r->clients, &r->nclients, &r->cap, client) == -1) {
		authority_nomem("a node listing dropped");
		return;
	}
	if (r->id == 0)
		round_start(1);
}

void
authtraffic_snapshot(void (*done)(void))
{
	tr.snapshot = done;
	if (tr.cur.id != 0) {
		/* The one before is still being answered: this one joins. */
		tr.cur.web = 1;
		return;
	}
	tr.cur.web = 1;
	round_start(0);
}

void
authtraffic_answer(int from, struct imsg *imsg)
{
	static struct hubd_traffic_page	 page;
	struct round			*r = &tr.cur;
	struct session			*s;
	size_t				 i;
	int				 e = from - HUBD_PROC_ENGINE;

	if (traffic_page_get(imsg->data, imsg_get_len(imsg), &page) == -1)
		fatalx("%s: an answer of %zu bytes", __func__,
		    imsg_get_len(imsg));
	/* An answer after its round's deadline: too late to matter. */
	if (page.round != r->id || r->id == 0)
		return;
	if (e < 0 || e >= HUBD_ENGINES_MAX || r->asked[e] == 0 ||
	    traffic_page_answers(&page, r->conns + r->next[e],
	    r->asked[e]) == -1)
		fatalx("%s: engine answered a page it was not asked",
		    __func__);
	for (i = 0; i < page.n; i++) {
		if (!page.e[i].found ||
		    (s = session_by_conn(from, page.e[i].conn)) == NULL ||
		    s->state != SESSION_ONLINE)
			continue;
		s->traffic = page.e[i].t;
		s->traffic_round = r->id;
	}
	r->next[e] += r->asked[e];
	r->asked[e] = 0;
	if (page_send(e) == -1 && --r->pending == 0)
		round_finish();
}

void
authtraffic_tick(uint64_t now)
{
	if (tr.cur.id == 0 || now < tr.cur.deadline)
		return;
	log_warnx("the engines did not say in %d ms what the nodes carried; "
	    "listing without their rates", TRAFFIC_DEADLINE_MS);
	round_finish();
}

void
authtraffic_of(const struct session *s, struct ctl_hub_traffic *t)
{
	if (s != NULL && s->traffic_round == tr.done_id && tr.done_id != 0)
		*t = s->traffic;
	else
		memset(t, 0, sizeof(*t));
}
