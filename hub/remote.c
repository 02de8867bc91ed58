/*
 * Ghosts of the nodes online at other hubs; see remote.h.
 */
#include "autoconf.h"

#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include "hub/cluster.h"
#include "hub/clustermsg.h"
#include "hub/guest.h"
#include "hub/presence.h"
#include "hub/remote.h"
#include "hub/routesync.h"
#include "hub/session.h"
#include "privsep/log.h"

static void			(*reap)(void);
static int64_t			 alive_last[CLUSTER_HUBS_MAX];
static size_t			 nalive_last;
static int			 stray;	/* a ghost of a hub not listed */

void
remote_init(void (*fn)(void))
{
	reap = fn;
}

uint32_t
remote_count(void)
{
	return au.nghosts;
}

static void
ghost_free(struct session *g)
{
	guest_end(g);
	TAILQ_REMOVE(&au.ghosts, g, online);
	au.nghosts--;
	free(g);
}

void
remote_drop(struct session *g)
{
	presence_forget(g);
	ghost_free(g);
}

/* Gone from its hub: its peers here hear it, as of a logoff here. */
static void
ghost_end(struct session *g, int graceful)
{
	g->graceful = (uint8_t)graceful;
	presence_logoff(g);
	ghost_free(g);
}

static void
ghost_fill(struct session *g, int64_t hub, const struct hub_msg *up,
    const struct hub_msg *paths)
{
	g->hub = hub;
	memcpy(g->node.key, up->u.peer.key, HUB_KEY_LEN);
	memcpy(g->node.v4, up->u.peer.v4, 4);
	memcpy(g->node.v6, up->u.peer.v6, 16);
	memcpy(g->node.nick, up->u.peer.nick, sizeof(g->node.nick));
	g->node.nick[sizeof(g->node.nick) - 1] = '\0';
	g->endpoint = up->u.peer.endpoint;
	g->cands = paths->u.paths.cands;
	guest_set(g, paths->u.paths.relay_id);
}

static int
listed(const int64_t *ids, size_t n, int64_t id)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

static void
remote_up(int64_t hub, const uint8_t *key)
{
	struct hub_msg	 up, paths;
	struct session	*s;
	int64_t		 at;

	/* Only as the row says now: a later move may have overtaken it. */
	if (cluster_read_online(key, &at, &up, &paths) == -1 || at != hub)
		return;
	if ((s = session_online(key)) != NULL && s->hub == 0) {
		/* It left this hub for another: this session is stale. */
		session_fail(s, "logged in at another hub of the cluster");
		reap();
		s = session_online(key);
	}
	if (s != NULL) {
		/* Moved between two other hubs, or its row was written again. */
		if (!listed(alive_last, nalive_last, hub))
			stray = 1;
		ghost_fill(s, hub, &up, &paths);
		presence_remote_tell(s);
		return;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		authority_nomem("a node online at another hub");
		return;
	}
	memcpy(s->key, key, HUB_KEY_LEN);
	s->state = SESSION_ONLINE;
	s->eng = -1;
	SLIST_INIT(&s->rows);
	ghost_fill(s, hub, &up, &paths);
	if (session_set_online(s) == -1) {
		free(s);
		authority_nomem("a node online at another hub");
		return;
	}
	TAILQ_INSERT_TAIL(&au.ghosts, s, online);
	au.nghosts++;
	if (!listed(alive_last, nalive_last, hub))
		stray = 1;
	if (presence_remote_rows(s) == -1) {
		remote_drop(s);
		return;
	}
	presence_remote_tell(s);
}

static struct session *
ghost_of(const struct cluster_ev *ev)
{
	struct session	*g = session_online(ev->key);

	return g != NULL && g->hub == ev->hub ? g : NULL;
}

static void
tell_paths(struct session *o, void *arg)
{
	presence_send_paths(o, arg);
}

/*
 * Its row was written again (candidates, nickname): the ghost takes it,
 * and its peers here hear what changed.
 */
static void
remote_row(const struct cluster_ev *ev)
{
	struct hub_msg	 up, paths;
	struct session	*g;
	int64_t		 at;

	if ((g = ghost_of(ev)) == NULL ||
	    cluster_read_online(ev->key, &at, &up, &paths) == -1 ||
	    at != ev->hub)
		return;
	ghost_fill(g, at, &up, &paths);
	if (ev->type == CLUSTER_PATHS)
		presence_each_peer(g, tell_paths, g);
	else
		presence_names(g, 0);
}

/* Its routes changed: its peers here hear the set it serves now. */
static void
remote_routes(const struct cluster_ev *ev)
{
	struct session	*g;
	int		 had;

	if ((g = ghost_of(ev)) == NULL)
		return;
	had = g->has_routes;
	routes_load(g);
	if (had || g->has_routes)
		presence_routes_peers(g);
}

static const struct store_member *
row(struct store_member *m, const struct cluster_ev *ev,
    const struct cluster_row *r)
{
	if (!r->has)
		return NULL;
	memset(m, 0, sizeof(*m));
	memcpy(m->netid, ev->net, HUB_NETID_LEN);
	memcpy(m->key, ev->key, HUB_KEY_LEN);
	m->state = r->state;
	m->role = r->role;
	return m;
}

void
remote_event(const struct cluster_ev *ev)
{
	struct store_net	 net;
	struct store_member	 b, a;
	struct session		*g;

	switch (ev->type) {
	case CLUSTER_UP:
		remote_up(ev->hub, ev->key);
		break;
	case CLUSTER_DOWN:
		if ((g = ghost_of(ev)) != NULL)
			ghost_end(g, ev->graceful);
		break;
	case CLUSTER_PATHS:
	case CLUSTER_NAMES:
		remote_row(ev);
		break;
	case CLUSTER_MEMBER:
		/* A network deleted since has told its own. */
		if (store_net_by_id(au.store, ev->net, &net) == STORE_OK)
			presence_member_apply(&net, ev->key,
			    row(&b, ev, &ev->before), row(&a, ev, &ev->after));
		break;
	case CLUSTER_NET:
		if (store_net_by_id(au.store, ev->net, &net) == STORE_OK)
			presence_net_lan_apply(&net);
		break;
	case CLUSTER_ROUTES:
		remote_routes(ev);
		break;
	case CLUSTER_NETROUTES:
		presence_routes_net(ev->net, ev->key);
		break;
	case CLUSTER_NETDEL:
		memset(&net, 0, sizeof(net));
		memcpy(net.id, ev->net, HUB_NETID_LEN);
		net.type = ev->ntype;
		net.bcast = (ev->nflags & HUB_NET_BROADCAST) != 0;
		net.eth = (ev->nflags & HUB_NET_ETHERNET) != 0;
		presence_net_deleted_apply(&net, NULL, 0);
		break;
	}
	reap();
}


void
remote_alive(const int64_t *ids, size_t n)
{
	struct session	*g, *next;
	size_t		 i;
	uint32_t	 ended = 0;
	int		 went;

	/*
	 * The ghosts are walked only when a hub went, or one has a hub
	 * that was not listed when it came (new since, or gone before
	 * this hub ever saw it alive).
	 */
	for (i = 0; i < nalive_last && listed(ids, n, alive_last[i]); i++)
		;
	went = i < nalive_last;
	if (went || stray) {
		stray = 0;
		for (g = TAILQ_FIRST(&au.ghosts); g != NULL; g = next) {
			next = TAILQ_NEXT(g, online);
			if (!listed(ids, n, g->hub)) {
				ghost_end(g, 0);
				ended++;
			}
		}
	}
	if (went || ended > 0)
		log_info("cluster: a hub's lease ran out; the peers here of "
		    "%u of its nodes, not logged in elsewhere, check their "
		    "liveness", ended);
	nalive_last = n < CLUSTER_HUBS_MAX ? n : CLUSTER_HUBS_MAX;
	memcpy(alive_last, ids, nalive_last * sizeof(*ids));
	reap();
}

/* ---- after the database was lost ------------------------------------ */

static void
resync_one(const uint8_t key[32], int64_t hub, void *arg)
{
	struct session	*g = session_online(key);

	if (g != NULL && g->hub == hub) {
		g->known = 1;		/* seen: a ghost's own mark */
		return;
	}
	remote_up(hub, key);
	if ((g = session_online(key)) != NULL && g->hub == hub)
		g->known = 1;
}

void
remote_resync(void)
{
	struct session	*g, *next;

	if (cluster_each_online(resync_one, NULL) == -1)
		return;
	for (g = TAILQ_FIRST(&au.ghosts); g != NULL; g = next) {
		next = TAILQ_NEXT(g, online);
		if (!g->known)
			ghost_end(g, 0);
		else
			g->known = 0;
	}
	reap();
}
