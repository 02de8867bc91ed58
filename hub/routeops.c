/*
 * Subnet routes on the hub.  A node advertises a prefix it reaches;
 * nothing is routed until an administrator of a network approves it
 * there; then every active member of that network that is the node's
 * peer gets it (PEER_ROUTES) and routes it through the node, and the
 * node itself hears that it now serves it.  Revoking, withdrawing,
 * an eviction or the network's deletion takes it away in the same
 * turn of the event loop.
 *
 * Conflicts are refused where they are made: an advertisement that
 * overlaps a route another node has approved in a network the
 * advertiser belongs to, and an approval that overlaps a route of
 * another node approved in any network the gateway belongs to (its
 * peers there would have to choose).  Prefixes inside the hub's own
 * overlay pools are refused: they would pull the overlay into one
 * node.  Nodes check again what they install (the parent refuses
 * overlaps with the machine's own routes).
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "crypto/key.h"
#include "hub/cluster.h"
#include "hub/presence.h"
#include "hub/routeops.h"
#include "hub/routesync.h"
#include "hub/session.h"
#include "hub/store.h"
#include "privsep/log.h"
#include "proto/hubproto.h"

struct rop {
	struct session			*s;
	const struct hub_request	*req;
	const struct store_net		*net;
	const uint8_t			*skip;	/* whose routes never conflict */
	struct store_route		 clash;
	int				 found;
	char				 id[33];
	char				 who[KEY_B64_LEN + 1];
};

static int
clash_each(void *arg, const struct store_route *r)
{
	struct rop	*o = arg;

	/* An exit offer is no route: it overlaps nothing. */
	if (memcmp(r->key, o->skip, HUB_KEY_LEN) == 0 ||
	    hub_route_exit(&r->p) || !prefix_overlap(&r->p, &o->req->prefix))
		return 0;
	o->clash = *r;
	o->found = 1;
	return 1;
}

/* 1 (answered) if prefix overlaps an approved route of someone else. */
static int
clashes(struct rop *o, const uint8_t *of)
{
	char	 a[PREFIX_STRLEN], b[PREFIX_STRLEN], k[KEY_B64_LEN + 1];
	int	 rc;

	o->skip = of;
	o->found = 0;
	if (hub_route_exit(&o->req->prefix))
		return 0;
	rc = store_routes_approved(au.store, of, 1, clash_each, o);
	if (rc != STORE_OK && rc != STORE_NOTFOUND) {
		log_warnx("%s: %s", __func__, store_errmsg(au.store));
		session_respond(o->s, o->req->id, EIO, "%s",
		    authority_dbtext());
		return 1;
	}
	if (!o->found)
		return 0;
	session_respond(o->s, o->req->id, EADDRINUSE, "%s overlaps %s, "
	    "routed through node %.12s... in a network it shares",
	    prefix_str(&o->req->prefix, a, sizeof(a)),
	    prefix_str(&o->clash.p, b, sizeof(b)), key_str(o->clash.key, k));
	return 1;
}

/* Inside a pool the hub gives overlay addresses from? */
static int
in_overlay(const struct ip_prefix *p)
{
	struct ip_prefix	 pool6;

	memset(&pool6, 0, sizeof(pool6));
	if (hub_route_exit(p))
		return 0;
	pool6.af = AF_INET6;
	pool6.plen = (uint8_t)au.plen6;
	memcpy(&pool6.addr.v6, au.pool6, 16);
	return prefix_overlap(p, &au.conf.pool4) ||
	    (au.plen6 > 0 && prefix_overlap(p, &pool6));
}

static void
op_advertise(struct rop *o)
{
	char	 a[PREFIX_STRLEN];
	int	 rc;

	prefix_str(&o->req->prefix, a, sizeof(a));
	if (in_overlay(&o->req->prefix)) {
		session_respond(o->s, o->req->id, EINVAL, "%s overlaps the "
		    "hub's overlay addresses", a);
		return;
	}
	if (clashes(o, o->s->key))
		return;
	rc = store_route_add(au.store, o->s->key, &o->req->prefix,
	    authority_now());
	switch (rc) {
	case STORE_OK:
		audit("route-advertise", "node=%s route=%s", o->who, a);
		/* The owner of a gateway network needs no approval there. */
		routes_load(o->s);
		if (o->s->has_routes)
			presence_routes_peers(o->s);
		cluster_routes(o->s);
		session_respond(o->s, o->req->id, 0, "%s advertised; routed in "
		    "the gateway networks this node owns, elsewhere once an "
		    "administrator approves it", a);
		break;
	case STORE_EXISTS:
		session_respond(o->s, o->req->id, EEXIST, "%s is advertised "
		    "already", a);
		break;
	case STORE_FULL:
		session_respond(o->s, o->req->id, ENOSPC, "a node advertises "
		    "at most %d routes", HUB_ROUTES_MAX);
		break;
	default:
		log_warnx("advertise: %s", store_errmsg(au.store));
		session_respond(o->s, o->req->id, EIO, "%s",
		    authority_dbtext());
	}
}

static void
op_withdraw(struct rop *o)
{
	char	 a[PREFIX_STRLEN];
	int	 rc;

	prefix_str(&o->req->prefix, a, sizeof(a));
	rc = store_route_del(au.store, o->s->key, &o->req->prefix);
	if (rc == STORE_NOTFOUND) {
		session_respond(o->s, o->req->id, ENOENT, "%s is not "
		    "advertised", a);
		return;
	}
	if (rc != STORE_OK) {
		log_warnx("withdraw: %s", store_errmsg(au.store));
		session_respond(o->s, o->req->id, EIO, "%s",
		    authority_dbtext());
		return;
	}
	audit("route-withdraw", "node=%s route=%s", o->who, a);
	/* Told while it still counts as a gateway: the sets shrink. */
	if (o->s->has_routes) {
		presence_routes_peers(o->s);
		routes_load(o->s);
	}
	cluster_routes(o->s);
	session_respond(o->s, o->req->id, 0, "%s withdrawn", a);
}

static int
list_each(void *arg, const struct store_route *r)
{
	struct rop		*o = arg;
	struct hub_msg		 m;
	struct store_node	 n;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_ROUTE_ENTRY;
	m.u.route.id = o->req->id;
	if (o->net != NULL)
		memcpy(m.u.route.netid, o->net->id, HUB_NETID_LEN);
	memcpy(m.u.route.key, r->key, HUB_KEY_LEN);
	m.u.route.prefix = r->p;
	m.u.route.approved = r->approved;
	if (store_node_get(au.store, r->key, &n) == STORE_OK)
		memcpy(m.u.route.nick, n.nick, sizeof(m.u.route.nick));
	(void)session_send(o->s, &m);
	return 0;
}

static void
op_routes(struct rop *o, const struct store_member *me)
{
	struct store_net	 net;
	struct store_member	 row;
	uint8_t			 id[HUB_NETID_LEN];
	int			 rc;

	/* A network's list: the caller must be active in it. */
	if (o->req->net[0] != '\0' && o->net == NULL) {
		rc = hub_netid_parse(o->req->net, id) ?
		    store_net_by_id(au.store, id, &net) :
		    store_net_by_name(au.store, o->req->net, &net);
		if (rc == STORE_OK) {
			o->net = &net;
			me = store_member_get(au.store, net.id, o->s->key,
			    &row) == STORE_OK ? &row : NULL;
		}
	}
	if (o->req->net[0] != '\0' && (o->net == NULL || me == NULL ||
	    me->state != HUB_MSTATE_ACTIVE)) {
		session_respond(o->s, o->req->id, ENOENT, "you are not a "
		    "member of a network \"%s\"", o->req->net);
		return;
	}
	rc = o->net != NULL ?
	    store_routes_of_net(au.store, o->net->id, list_each, o) :
	    store_routes_of_node(au.store, o->s->key, list_each, o);
	if (rc != STORE_OK) {
		log_warnx("routes: %s", store_errmsg(au.store));
		session_respond(o->s, o->req->id, EIO, "%s",
		    authority_dbtext());
		return;
	}
	session_respond(o->s, o->req->id, 0, "routes listed");
}

/* route-approve and route-revoke: the caller is an administrator. */
static void
op_decide(struct rop *o)
{
	struct store_member	 t;
	char			 a[PREFIX_STRLEN], tk[KEY_B64_LEN + 1];
	int			 approve = o->req->op == HUB_OP_ROUTE_APPROVE;
	int			 rc;

	prefix_str(&o->req->prefix, a, sizeof(a));
	if (!o->req->has_key) {
		session_respond(o->s, o->req->id, EINVAL, "which node? give "
		    "its public key");
		return;
	}
	key_str(o->req->key, tk);
	if (approve && (store_member_get(au.store, o->net->id, o->req->key,
	    &t) != STORE_OK || t.state != HUB_MSTATE_ACTIVE)) {
		session_respond(o->s, o->req->id, ENOENT, "that node is not "
		    "an active member of %s", o->net->name);
		return;
	}
	if (approve && (in_overlay(&o->req->prefix) ||
	    clashes(o, o->req->key))) {
		if (in_overlay(&o->req->prefix))
			session_respond(o->s, o->req->id, EINVAL, "%s overlaps "
			    "the hub's overlay addresses", a);
		return;
	}
	rc = approve ? store_route_approve(au.store, o->net->id, o->req->key,
	    &o->req->prefix, o->s->key, authority_now()) :
	    store_route_revoke(au.store, o->net->id, o->req->key,
	    &o->req->prefix);
	switch (rc) {
	case STORE_OK:
		break;
	case STORE_NOTFOUND:
		session_respond(o->s, o->req->id, ENOENT, approve ? "that "
		    "node does not advertise %s" : "%s is not approved for "
		    "that node in this network", a);
		return;
	case STORE_EXISTS:
		session_respond(o->s, o->req->id, EEXIST, "%s is approved "
		    "already", a);
		return;
	default:
		log_warnx("%s: %s", hub_op_name(o->req->op),
		    store_errmsg(au.store));
		session_respond(o->s, o->req->id, EIO, "%s",
		    authority_dbtext());
		return;
	}
	audit(approve ? "route-approve" : "route-revoke",
	    "net=%s node=%s route=%s by=%s", o->id, tk, a, o->who);
	presence_routes_net(o->net->id, o->req->key);
	cluster_netroutes(o->net->id, o->req->key);
	session_respond(o->s, o->req->id, 0, "%s %s for %.12s...", a,
	    approve ? "approved" : "revoked", tk);
}

void
routeops_request(struct session *s, const struct hub_request *req,
    const struct store_net *net, const struct store_member *me)
{
	struct rop	 o;

	memset(&o, 0, sizeof(o));
	o.s = s;
	o.req = req;
	o.net = net;
	key_str(s->key, o.who);
	if (net != NULL)
		hub_netid_format(net->id, o.id);
	switch (req->op) {
	case HUB_OP_ADVERTISE:
		op_advertise(&o);
		break;
	case HUB_OP_WITHDRAW:
		op_withdraw(&o);
		break;
	case HUB_OP_ROUTES:
		op_routes(&o, me);
		break;
	case HUB_OP_NAMES:
		/* Member names: from now on, and every name at once. */
		s->wants_names = 1;
		presence_names(s, 1);
		session_respond(s, req->id, 0, "member names follow");
		break;
	default:
		op_decide(&o);
		break;
	}
}
