/*
 * Presence; see presence.h.
 *
 * A struct mrow is one online node's active membership in one network:
 * on the session's list of rows and on the network's list of online
 * members with a role, or of plain ones.  A struct netmem exists while
 * a network has an online active member.  Pending and banned rows
 * make no peers and are not kept.
 *
 * Flags: two peers may send each other broadcast and multicast when a
 * network that makes them peers has it on, and Ethernet frames when
 * one of those is an Ethernet network (the flags of PEER_UP, those of
 * the networks ORed).  Whenever they can change for an online pair (a
 * network's setting, a membership, a deleted network) both hear
 * PEER_UP again with the new flags.  A node that is offline hears them
 * at its next login, read from the store for peers offline then.
 */
#include "autoconf.h"

#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include "hub/cluster.h"
#include "hub/guest.h"
#include "hub/logrl.h"
#include "hub/presence.h"
#include "hub/routesync.h"
#include "hub/session.h"
#include "privsep/log.h"
#include "privsep/proc.h"

TAILQ_HEAD(mrow_tq, mrow);

struct netmem {
	struct hlink		 link;
	uint8_t			 id[HUB_NETID_LEN];
	uint8_t			 type;		/* enum hub_net_type */
	char			 name[HUB_NAME_MAX];	/* for member names */
	uint8_t			 flags;		/* HUB_NET_* */
	struct mrow_tq		 roles;		/* owners and administrators */
	struct mrow_tq		 plain;
	uint32_t		 n;
};

struct mrow {
	SLIST_ENTRY(mrow)	 in_session;
	TAILQ_ENTRY(mrow)	 in_net;
	struct netmem		*net;
	struct session		*s;
	uint8_t			 role;
};

/* A network's rows of someone offline, read from the store. */
struct offrow {
	uint8_t			 id[HUB_NETID_LEN];
	uint8_t			 role;
};
#define OFFROWS_MAX		64	/* more are read as "maybe": see below */

static struct htab	 nets;
static uint32_t		 epoch;		/* presence_each_peer's marks */
static struct logrl	 rl_db = LOGRL_LOG("database errors");

/* ---- the image ------------------------------------------------------------ */

static uint64_t
netid_hash(const uint8_t id[HUB_NETID_LEN])
{
	uint64_t	 v;

	/* Network ids are random, drawn by the hub: no key needed. */
	memcpy(&v, id, sizeof(v));
	return v;
}

static struct netmem *
netmem_find(const uint8_t id[HUB_NETID_LEN])
{
	uint64_t	 h = netid_hash(id);
	struct hlink	*l;
	struct netmem	*n;

	for (l = htab_chain(&nets, h); l != NULL; l = l->next) {
		n = HTAB_ENTRY(l, struct netmem, link);
		if (l->hash == h && memcmp(n->id, id, HUB_NETID_LEN) == 0)
			return n;
	}
	return NULL;
}

static struct mrow_tq *
net_list(struct netmem *n, uint8_t role)
{
	return role > HUB_ROLE_MEMBER ? &n->roles : &n->plain;
}

/* s becomes an active member of net with role; -1: no memory. */
static int
row_add(struct session *s, const struct store_net *net, uint8_t role)
{
	const uint8_t	*id = net->id;
	struct netmem	*n;
	struct mrow	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -1;
	if ((n = netmem_find(id)) == NULL) {
		if ((n = calloc(1, sizeof(*n))) == NULL) {
			free(r);
			return -1;
		}
		memcpy(n->id, id, HUB_NETID_LEN);
		n->type = net->type;
		memcpy(n->name, net->name, sizeof(n->name));
		n->name[sizeof(n->name) - 1] = '\0';
		n->flags = (net->bcast ? HUB_NET_BROADCAST : 0) |
		    (net->eth ? HUB_NET_ETHERNET : 0);
		TAILQ_INIT(&n->roles);
		TAILQ_INIT(&n->plain);
		if (htab_insert(&nets, &n->link, netid_hash(id)) == -1) {
			free(n);
			free(r);
			return -1;
		}
	}
	r->net = n;
	r->s = s;
	r->role = role;
	TAILQ_INSERT_TAIL(net_list(n, role), r, in_net);
	n->n++;
	SLIST_INSERT_HEAD(&s->rows, r, in_session);
	return 0;
}

static void
row_del(struct mrow *r)
{
	struct netmem	*n = r->net;

	TAILQ_REMOVE(net_list(n, r->role), r, in_net);
	SLIST_REMOVE(&r->s->rows, r, mrow, in_session);
	free(r);
	if (--n->n == 0) {
		htab_remove(&nets, &n->link);
		free(n);
	}
}

static void
row_set_role(struct mrow *r, uint8_t role)
{
	TAILQ_REMOVE(net_list(r->net, r->role), r, in_net);
	r->role = role;
	TAILQ_INSERT_TAIL(net_list(r->net, role), r, in_net);
}

static struct mrow *
row_of(const struct session *s, const struct netmem *n)
{
	struct mrow	*r;

	SLIST_FOREACH(r, &s->rows, in_session)
		if (r->net == n)
			return r;
	return NULL;
}

static void
rows_drop(struct session *s)
{
	while (!SLIST_EMPTY(&s->rows))
		row_del(SLIST_FIRST(&s->rows));
}

static int
rule(uint8_t type, uint8_t ra, uint8_t rb)
{
	return type == HUB_TYPE_MESH || ra > HUB_ROLE_MEMBER ||
	    rb > HUB_ROLE_MEMBER;
}

/* Whether online a and b are peers by a network other than except. */
static int
peers_except(const struct session *a, const struct session *b,
    const struct netmem *except)
{
	const struct mrow	*ra, *rb;

	SLIST_FOREACH(ra, &a->rows, in_session) {
		if (ra->net == except)
			continue;
		if ((rb = row_of(b, ra->net)) != NULL &&
		    rule(ra->net->type, ra->role, rb->role))
			return 1;
	}
	return 0;
}

/*
 * The flags of online a and b's pair from the networks other than
 * except that make them peers: theirs ORed.
 */
static uint8_t
flags_except(const struct session *a, const struct session *b,
    const struct netmem *except)
{
	const struct mrow	*ra, *rb;
	uint8_t			 f = 0;

	SLIST_FOREACH(ra, &a->rows, in_session) {
		if (ra->net == except || ra->net->flags == 0)
			continue;
		if ((rb = row_of(b, ra->net)) != NULL &&
		    rule(ra->net->type, ra->role, rb->role))
			f |= ra->net->flags;
	}
	return f;
}

uint32_t
presence_online(const uint8_t netid[16])
{
	struct netmem	*n = netmem_find(netid);

	return n != NULL ? n->n : 0;
}

/* ---- messages --------------------------------------------------------- */

/*
 * PEER_NAMES to `to', if it asked: what online `about' is called and
 * the networks where the two are peers (about itself: its own), from
 * the image alone, no store.
 */
static void
names_tell(struct session *to, const struct session *about)
{
	struct hub_msg	 m;
	struct mrow	*r, *o;

	if (!to->wants_names || to->state != SESSION_ONLINE)
		return;
	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_PEER_NAMES;
	memcpy(m.u.names.key, about->key, HUB_KEY_LEN);
	memcpy(m.u.names.nick, about->node.nick, sizeof(m.u.names.nick));
	m.u.names.nick[sizeof(m.u.names.nick) - 1] = '\0';
	SLIST_FOREACH(r, &to->rows, in_session) {
		if (m.u.names.n == HUB_NAMES_MAX)
			break;
		if (to != about && ((o = row_of(about, r->net)) == NULL ||
		    !rule(r->net->type, r->role, o->role)))
			continue;
		memcpy(m.u.names.nets[m.u.names.n++], r->net->name,
		    HUB_NAME_MAX);
	}
	(void)session_send(to, &m);
}

static void
send_peer(struct session *to, int type, const uint8_t *key,
    const struct store_node *n, const struct pkt_addr *endpoint,
    uint8_t flags)
{
	struct hub_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = (uint8_t)type;
	memcpy(m.u.peer.key, key, HUB_KEY_LEN);
	if (type == HUB_MSG_PEER_UP) {
		memcpy(m.u.peer.v4, n->v4, 4);
		memcpy(m.u.peer.v6, n->v6, 16);
		memcpy(m.u.peer.nick, n->nick, sizeof(m.u.peer.nick));
		if (endpoint != NULL)
			m.u.peer.endpoint = *endpoint;
		m.u.peer.flags = flags;
	}
	(void)session_send(to, &m);
}

/* Online peers a and b: their flags changed, to flags. */
static void
pair_lan(struct session *a, struct session *b, uint8_t flags)
{
	send_peer(a, HUB_MSG_PEER_UP, b->key, &b->node, &b->endpoint, flags);
	send_peer(b, HUB_MSG_PEER_UP, a->key, &a->node, &a->endpoint, flags);
}

void
presence_send_paths(struct session *to, const struct session *about)
{
	struct hub_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_PEER_PATHS;
	memcpy(m.u.paths.key, about->key, HUB_KEY_LEN);
	m.u.paths.relay_id = about->relay.id;
	m.u.paths.cands = about->cands;
	(void)session_send(to, &m);
	guest_tell(to, about);
}

static void
relay_pair_send(const struct session *a, const struct session *b, int up)
{
	struct hubd_relay_pair	 p;

	/* Two guests never relay through this hub: their own hubs do. */
	if (a->relay.id == 0 || b->relay.id == 0 ||
	    (a->hub != 0 && b->hub != 0))
		return;
	memset(&p, 0, sizeof(p));
	p.a = a->relay.id;
	p.b = b->relay.id;
	p.up = up;
	/* Each engine keeps its own sessions' side of the pair. */
	(void)relay_engine_send(a->relay.id, IMSG_HUBD_RELAY_PAIR, &p,
	    sizeof(p));
	if (a->eng != b->eng)
		(void)relay_engine_send(b->relay.id, IMSG_HUBD_RELAY_PAIR, &p,
		    sizeof(p));
}

/* Two online nodes became peers: each hears of the other, paths too. */
static void
pair_up(struct session *a, struct session *b)
{
	pair_lan(a, b, flags_except(a, b, NULL));
	presence_send_paths(a, b);
	presence_send_paths(b, a);
	relay_pair_send(a, b, 1);
	if (b->has_routes)
		routes_tell(a, b->key);
	if (a->has_routes)
		routes_tell(b, a->key);
	names_tell(a, b);
	names_tell(b, a);
}

static void
pair_down(struct session *a, struct session *b)
{
	send_peer(a, HUB_MSG_PEER_DOWN, b->key, NULL, NULL, 0);
	send_peer(b, HUB_MSG_PEER_DOWN, a->key, NULL, NULL, 0);
	relay_pair_send(a, b, 0);
}

/* ---- walking peers ------------------------------------------------------ */

static uint32_t
epoch_next(void)
{
	struct session	*s;

	if (++epoch == 0) {
		/* Once in four billion walks: no old mark may match. */
		TAILQ_FOREACH(s, &au.onlines, online)
			s->mark = 0;
		TAILQ_FOREACH(s, &au.ghosts, online)
			s->mark = 0;
		epoch = 1;
	}
	return epoch;
}

void
presence_each_peer(struct session *s, void (*fn)(struct session *, void *),
    void *arg)
{
	struct mrow	*r, *m;
	uint32_t	 e = epoch_next();
	int		 all;

	s->mark = e;
	SLIST_FOREACH(r, &s->rows, in_session) {
		/* A plain spoke's peers are the hub's owners and admins. */
		all = rule(r->net->type, r->role, HUB_ROLE_MEMBER);
		TAILQ_FOREACH(m, &r->net->roles, in_net)
			if (m->s->mark != e) {
				m->s->mark = e;
				fn(m->s, arg);
			}
		if (!all)
			continue;
		TAILQ_FOREACH(m, &r->net->plain, in_net)
			if (m->s->mark != e) {
				m->s->mark = e;
				fn(m->s, arg);
			}
	}
}

/* ---- logging in and off ------------------------------------------------ */

/* A peer's key and flags, as the store lists them. */
struct keyflags {
	uint8_t		 key[HUB_KEY_LEN];
	uint8_t		 flags;
};

struct login_walk {
	struct session	*s;
	int		 failed;
	/* every peer with its flags, sorted by key (the store's order) */
	struct keyflags	*kf;
	size_t		 nkf, capkf;
};

static int
login_row(void *arg, const struct store_net *net, const struct store_member *m)
{
	struct login_walk	*lw = arg;

	lw->s->has_rows = 1;
	if (m->state != HUB_MSTATE_ACTIVE)
		return 0;
	if (row_add(lw->s, net, m->role) == -1) {
		lw->failed = 1;
		return 1;
	}
	return 0;
}

static int
login_flags(void *arg, const uint8_t *key, uint8_t flags)
{
	struct login_walk	*lw = arg;
	void			*p;
	size_t			 cap;

	if (flags == 0)
		return 0;
	if (lw->nkf == lw->capkf) {
		cap = lw->capkf == 0 ? 64 : lw->capkf * 2;
		if ((p = reallocarray(lw->kf, cap, sizeof(*lw->kf))) == NULL) {
			lw->failed = 1;
			return 1;
		}
		lw->kf = p;
		lw->capkf = cap;
	}
	memcpy(lw->kf[lw->nkf].key, key, HUB_KEY_LEN);
	lw->kf[lw->nkf++].flags = flags;
	return 0;
}

static int
key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, HUB_KEY_LEN);
}

static int
login_peer(void *arg, const struct store_node *n)
{
	struct login_walk	*lw = arg;
	struct session		*o;
	struct keyflags		*kf = NULL;

	if ((o = session_online(n->key)) != NULL)
		pair_up(lw->s, o);
	else {
		/* An offline peer's flags, from the store. */
		if (lw->nkf > 0)
			kf = bsearch(n->key, lw->kf, lw->nkf, sizeof(*kf),
			    key_cmp);
		send_peer(lw->s, HUB_MSG_PEER_UP, n->key, n, NULL,
		    kf != NULL ? kf->flags : 0);
	}
	return 0;
}

/* Whether one of s's networks has a flag set. */
static int
rows_flagged(const struct session *s)
{
	const struct mrow	*r;

	SLIST_FOREACH(r, &s->rows, in_session)
		if (r->net->flags != 0)
			return 1;
	return 0;
}

int
presence_login(struct session *s)
{
	struct login_walk	 lw;

	memset(&lw, 0, sizeof(lw));
	lw.s = s;
	s->has_rows = 0;
	routes_load(s);
	if (store_node_networks(au.store, s->key, login_row, &lw) !=
	    STORE_OK || lw.failed) {
		if (!lw.failed)
			authority_dberr(&rl_db, "a login's networks");
		rows_drop(s);
		return -1;
	}
	/*
	 * An incomplete list must not end: it would remove peers.  The
	 * rows stay, so that the logoff that follows tells those told.
	 * No active membership, no peers: no need to ask.
	 */
	if (rows_flagged(s) && (store_peer_flags(au.store, s->key,
	    login_flags, &lw) != STORE_OK || lw.failed)) {
		if (!lw.failed)
			logrl_warn(&rl_db, "%s: %s", __func__,
			    store_errmsg(au.store));
		free(lw.kf);
		return -1;
	}
	if (!SLIST_EMPTY(&s->rows) &&
	    store_peer_nodes(au.store, s->key, login_peer, &lw) != STORE_OK) {
		authority_dberr(&rl_db, "a login's peer list");
		free(lw.kf);
		return -1;
	}
	if (s->has_routes)
		routes_tell(s, s->key);
	free(lw.kf);
	session_respond(s, 0, 0, "peers listed");
	return 0;
}

static void
logoff_tell(struct session *o, void *arg)
{
	struct session	*s = arg;
	struct hubd_relay_pair	 p;

	send_peer(o, s->graceful ? HUB_MSG_PEER_DOWN : HUB_MSG_PEER_CHECK,
	    s->key, NULL, NULL, 0);
	/*
	 * Its engine forgets it with its pairs (RELAY_DEL); a peer's on
	 * another engine forgets the pair here, or a later session with
	 * the same relay id could be relayed to.
	 */
	if (o->eng != s->eng && o->relay.id != 0 && s->relay.id != 0) {
		memset(&p, 0, sizeof(p));
		p.a = s->relay.id;
		p.b = o->relay.id;
		p.up = 0;
		(void)relay_engine_send(o->relay.id, IMSG_HUBD_RELAY_PAIR, &p,
		    sizeof(p));
	}
}

void
presence_logoff(struct session *s)
{
	/* Its relay session goes with its pairs: no PAIR 0 needed. */
	presence_each_peer(s, logoff_tell, s);
	rows_drop(s);
	session_set_offline(s);
}

/* ---- nodes online at another hub of the cluster (remote.c) ------------ */

int
presence_remote_rows(struct session *g)
{
	struct login_walk	 lw;

	memset(&lw, 0, sizeof(lw));
	lw.s = g;
	if (store_node_networks(au.store, g->key, login_row, &lw) !=
	    STORE_OK || lw.failed) {
		if (!lw.failed)
			authority_dberr(&rl_db, "a remote node's networks");
		rows_drop(g);
		return -1;
	}
	routes_load(g);
	return 0;
}

static void
remote_pair(struct session *o, void *arg)
{
	pair_up(o, arg);
}

void
presence_remote_tell(struct session *g)
{
	presence_each_peer(g, remote_pair, g);
}

void
presence_forget(struct session *g)
{
	rows_drop(g);
	session_set_offline(g);
}

/* ---- membership changes ------------------------------------------------- */

/*
 * The pair of x (online or not) and online m lost its entitlement
 * through this network; tell whoever is online unless another network
 * keeps them peers.
 */
static void
lost(struct session *x, const uint8_t *xkey, struct session *m,
    const struct netmem *n)
{
	uint8_t		 f;

	if (x != NULL) {
		f = flags_except(x, m, n);
		if (!peers_except(x, m, n))
			pair_down(x, m);
		else if ((n->flags & ~f) != 0)
			pair_lan(x, m, f);	/* peers still, fewer flags */
		return;
	}
	if (store_are_peers(au.store, xkey, m->key) == 0)
		send_peer(m, HUB_MSG_PEER_DOWN, xkey, NULL, NULL, 0);
}

struct sweep {
	struct session		*x;
	const uint8_t		*xkey;
	int			 type;
	uint8_t			 rb, ra;	/* x's role before and after */
	int			 was, is;
};

/*
 * x, online, lost its entitlement to offline members it may still
 * hold a tunnel to (one that lost its hub connection and answered the
 * liveness check): it hears PEER_DOWN for each unless another network
 * keeps them peers.
 */
static int
sweep_offline(void *arg, const struct store_member *m)
{
	struct sweep	*sw = arg;
	int		 bef, aft;

	if (m->state != HUB_MSTATE_ACTIVE ||
	    memcmp(m->key, sw->xkey, HUB_KEY_LEN) == 0 ||
	    session_online(m->key) != NULL)
		return 0;
	bef = sw->was && rule((uint8_t)sw->type, sw->rb, m->role);
	aft = sw->is && rule((uint8_t)sw->type, sw->ra, m->role);
	if (bef && !aft && store_are_peers(au.store, sw->xkey, m->key) == 0)
		send_peer(sw->x, HUB_MSG_PEER_DOWN, m->key, NULL, NULL, 0);
	return 0;
}

/* The online members of n whose pair with x changes, and how. */
static void
walk_members(struct sweep *sw, struct netmem *n, struct mrow_tq *list)
{
	struct mrow	*m, *next;
	int		 bef, aft;

	for (m = TAILQ_FIRST(list); m != NULL; m = next) {
		next = TAILQ_NEXT(m, in_net);
		if (m->s == sw->x)
			continue;
		bef = sw->was && rule((uint8_t)sw->type, sw->rb, m->role);
		aft = sw->is && rule((uint8_t)sw->type, sw->ra, m->role);
		if (bef == aft)
			continue;
		if (aft) {
			/* Only two online nodes are told of a new pair. */
			if (sw->x != NULL && !peers_except(sw->x, m->s, n))
				pair_up(sw->x, m->s);
			else if (sw->x != NULL && (n->flags &
			    ~flags_except(sw->x, m->s, n)) != 0)
				pair_lan(sw->x, m->s, n->flags |
				    flags_except(sw->x, m->s, n));
		} else
			lost(sw->x, sw->xkey, m->s, n);
	}
}

static void	member_pairs(const struct store_net *, const uint8_t *,
		    const struct store_member *, const struct store_member *);

static void
names_about(struct session *p, void *arg)
{
	names_tell(p, arg);
}

static void
names_both(struct session *p, void *arg)
{
	struct session	*x = arg;

	names_tell(p, x);
	names_tell(x, p);
}

/* Both ways between x and each online peer, and x's own. */
static void
routes_both(struct session *p, void *arg)
{
	struct session	*x = arg;

	if (x->has_routes)
		routes_tell(p, x->key);
	if (p->has_routes)
		routes_tell(x, p->key);
	names_tell(p, x);
	names_tell(x, p);
}

void
presence_names(struct session *x, int all)
{
	presence_each_peer(x, all ? names_both : names_about, x);
	names_tell(x, x);
}

void
presence_routes_peers(struct session *x)
{
	presence_each_peer(x, routes_both, x);
	routes_tell(x, x->key);
}

void
presence_routes_net(const uint8_t netid[16], const uint8_t key[32])
{
	struct netmem	*n = netmem_find(netid);
	struct mrow	*m;
	struct session	*x;
	int		 i;

	for (i = 0; n != NULL && i < 2; i++)
		TAILQ_FOREACH(m, i == 0 ? &n->roles : &n->plain, in_net)
			routes_tell(m->s, key);
	if ((x = session_online(key)) != NULL) {
		routes_load(x);
		if (n == NULL || row_of(x, n) == NULL)
			routes_tell(x, key);
	}
}

/*
 * A changed row can change the routes between pairs that stay peers
 * (through another network), so after the pairs those of x are sent
 * again; with no route on either side that costs a walk and nothing.
 */
void
presence_member(const struct store_net *net, const uint8_t key[32],
    const struct store_member *before, const struct store_member *after)
{
	presence_member_apply(net, key, before, after);
	cluster_member(net, key, before, after);
}

void
presence_member_apply(const struct store_net *net, const uint8_t key[32],
    const struct store_member *before, const struct store_member *after)
{
	struct session	*x;

	member_pairs(net, key, before, after);
	/* An owner's role may make its routes count (gateway networks). */
	if ((x = session_online(key)) != NULL)
		routes_load(x);
	if (x != NULL && x->state == SESSION_ONLINE)
		presence_each_peer(x, routes_both, x);
	if (x != NULL && x->has_routes)
		routes_tell(x, key);
	if (x != NULL)
		names_tell(x, x);
}

static void
member_pairs(const struct store_net *net, const uint8_t *key,
    const struct store_member *before, const struct store_member *after)
{
	struct sweep	 sw;
	struct session	*x = session_online(key);
	struct netmem	*n;
	struct mrow	*r;

	memset(&sw, 0, sizeof(sw));
	sw.x = x;
	sw.xkey = key;
	sw.type = net->type;
	sw.was = before != NULL && before->state == HUB_MSTATE_ACTIVE;
	sw.is = after != NULL && after->state == HUB_MSTATE_ACTIVE;
	sw.rb = sw.was ? before->role : HUB_ROLE_MEMBER;
	sw.ra = sw.is ? after->role : HUB_ROLE_MEMBER;
	/* First x's own image, so that peers_except sees it as it is now. */
	n = netmem_find(net->id);
	if (x != NULL) {
		r = n != NULL ? row_of(x, n) : NULL;
		if (sw.is && r == NULL) {
			if (row_add(x, net, sw.ra) == -1) {
				/* No image of x here: it must log in again. */
				authority_nomem("a session's membership image");
				session_fail(x, "out of memory");
			}
		} else if (sw.is)
			row_set_role(r, sw.ra);
		else if (r != NULL)
			row_del(r);
		n = netmem_find(net->id);
	}
	if (!sw.was && !sw.is)
		return;		/* pending, banned, gone: no peers either way */
	if (sw.was && sw.is && (net->type == HUB_TYPE_MESH ||
	    (sw.rb > HUB_ROLE_MEMBER) == (sw.ra > HUB_ROLE_MEMBER)))
		return;		/* a role that changes no pair */
	if (n != NULL) {
		walk_members(&sw, n, &n->roles);
		walk_members(&sw, n, &n->plain);
	}
	if (x != NULL && x->hub == 0 && sw.was && (!sw.is || (sw.rb > HUB_ROLE_MEMBER &&
	    sw.ra == HUB_ROLE_MEMBER)))
		(void)store_member_foreach(au.store, net->id, sweep_offline,
		    &sw);
}

/* ---- a network's broadcast setting ---------------------------------------- */

static void
lan_tell(struct mrow *a, struct mrow *b, const struct netmem *n)
{
	uint8_t	 f = flags_except(a->s, b->s, n);

	/* Only where no other network decides it already. */
	if (!(f & HUB_NET_BROADCAST))
		pair_lan(a->s, b->s, f | n->flags);
}

void
presence_net_lan(const struct store_net *net)
{
	presence_net_lan_apply(net);
	cluster_net(net);
}

void
presence_net_lan_apply(const struct store_net *net)
{
	struct netmem	*n = netmem_find(net->id);
	struct mrow	*a, *b;

	if (n == NULL || ((n->flags & HUB_NET_BROADCAST) != 0) ==
	    (net->bcast != 0))
		return;
	n->flags ^= HUB_NET_BROADCAST;
	/* Each pair the network makes, once. */
	TAILQ_FOREACH(a, &n->roles, in_net) {
		for (b = TAILQ_NEXT(a, in_net); b != NULL;
		    b = TAILQ_NEXT(b, in_net))
			lan_tell(a, b, n);
		TAILQ_FOREACH(b, &n->plain, in_net)
			lan_tell(a, b, n);
	}
	if (n->type != HUB_TYPE_MESH)
		return;
	TAILQ_FOREACH(a, &n->plain, in_net)
		for (b = TAILQ_NEXT(a, in_net); b != NULL;
		    b = TAILQ_NEXT(b, in_net))
			lan_tell(a, b, n);
}

/* ---- a network deleted -------------------------------------------------- */

static int
offrow_add(void *arg, const struct store_net *net, const struct store_member *m)
{
	struct offrow	*rows = arg;
	size_t		 i;

	if (m->state != HUB_MSTATE_ACTIVE)
		return 0;
	for (i = 0; i < OFFROWS_MAX && rows[i].id[0] | rows[i].role; i++)
		;
	/* Past OFFROWS_MAX, peers_off() asks the store. */
	if (i == OFFROWS_MAX)
		return 1;
	memcpy(rows[i].id, net->id, HUB_NETID_LEN);
	rows[i].role = (uint8_t)(m->role + 1);	/* never all zero */
	return 0;
}

/* Whether online s and offline key (its rows read: off) are peers. */
static int
peers_off(const struct session *s, const uint8_t *key,
    const struct offrow *off, size_t noff)
{
	const struct mrow	*r;
	size_t			 i;

	if (noff == OFFROWS_MAX)
		return store_are_peers(au.store, s->key, key) != 0;
	SLIST_FOREACH(r, &s->rows, in_session)
		for (i = 0; i < noff; i++)
			if (memcmp(r->net->id, off[i].id, HUB_NETID_LEN) == 0 &&
			    rule(r->net->type, r->role,
			    (uint8_t)(off[i].role - 1)))
				return 1;
	return 0;
}

void
presence_net_deleted(const struct store_net *net,
    const struct store_member *rows, size_t nrows)
{
	presence_net_deleted_apply(net, rows, nrows);
	cluster_netdel(net);
}

void
presence_net_deleted_apply(const struct store_net *net,
    const struct store_member *rows, size_t nrows)
{
	struct offrow	 off[OFFROWS_MAX];
	struct netmem	*n = netmem_find(net->id);
	struct session	**on = NULL;
	uint8_t		*role = NULL;
	struct mrow	*r;
	size_t		 non = 0, i, j, noff;
	uint32_t	 total, k;
	uint8_t		 f, nflags = (net->bcast ? HUB_NET_BROADCAST : 0) |
			    (net->eth ? HUB_NET_ETHERNET : 0);

	if (n != NULL) {
		total = n->n;
		if ((on = calloc(total, sizeof(*on))) == NULL ||
		    (role = calloc(total, 1)) == NULL) {
			free(on);
			authority_nomem("a membership change's fan-out");
			return;
		}
		/*
		 * Out of the image first, so that peers_except does not count
		 * it; the last row takes n with it.
		 */
		for (k = 0; k < total; k++) {
			if ((r = TAILQ_FIRST(&n->roles)) == NULL)
				r = TAILQ_FIRST(&n->plain);
			on[non] = r->s;
			role[non++] = r->role;
			row_del(r);
		}
	}
	/* Pairs of online members. */
	for (i = 0; i < non; i++)
		for (j = i + 1; j < non; j++) {
			if (!rule(net->type, role[i], role[j]))
				continue;
			f = flags_except(on[i], on[j], NULL);
			if (!peers_except(on[i], on[j], NULL))
				pair_down(on[i], on[j]);
			else if ((nflags & ~f) != 0)
				pair_lan(on[i], on[j], f);
		}
	/* An online member and an offline one: the online one hears. */
	for (j = 0; j < nrows && non > 0; j++) {
		if (rows[j].state != HUB_MSTATE_ACTIVE ||
		    session_online(rows[j].key) != NULL)
			continue;
		memset(off, 0, sizeof(off));
		(void)store_node_networks(au.store, rows[j].key, offrow_add,
		    off);
		for (noff = 0; noff < OFFROWS_MAX && (off[noff].id[0] |
		    off[noff].role); noff++)
			;
		for (i = 0; i < non; i++)
			if (rule(net->type, role[i], rows[j].role) &&
			    !peers_off(on[i], rows[j].key, off, noff))
				send_peer(on[i], HUB_MSG_PEER_DOWN,
				    rows[j].key, NULL, NULL, 0);
	}
	/* Its route approvals went with it; pairs that stay may route less. */
	for (i = 0; i < non; i++) {
		if (on[i]->has_routes) {
			presence_routes_peers(on[i]);
			routes_load(on[i]);
		}
		presence_names(on[i], 0);
	}
	free(on);
	free(role);
}
