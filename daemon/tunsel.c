/*
 * tun's part in subnet routes, exit nodes and member names, apart from
 * its event loop (tun.c): the hub session's news passed on to the
 * parent (routes, the exit node) and to the engine (names), and the
 * answers and requests that come back.  tun keeps no state here: the
 * routes and the exit node are tunroutes.c's, inside the hub session.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "crypto/key.h"
#include "daemon/hamd_msg.h"
#include "daemon/hubclient.h"
#include "daemon/tunroutes.h"
#include "daemon/tunsel.h"
#include "privsep/log.h"
#include "privsep/proc.h"

static struct {
	struct privsep	*ps;
} sel;

void
tunsel_init(struct privsep *ps)
{
	sel.ps = ps;
}

static void
reply(uint32_t client, int code, const char *msg)
{
	struct ctl_result	 r;

	memset(&r, 0, sizeof(r));
	r.code = code;
	(void)snprintf(r.msg, sizeof(r.msg), "%s", msg);
	proc_compose(sel.ps, HAMD_PROC_CONTROL, IMSG_CTL_RESULT, client, -1,
	    &r, sizeof(r));
}

/* Routes the hub approved, for the parent to check and install. */
void
tunsel_routes_offer(void *arg, const struct routes_msg *m)
{
	proc_compose(sel.ps, PROC_PARENT, IMSG_ROUTES_OFFER, 0, -1, m,
	    sizeof(*m));
}

void
tunsel_exit_offer(void *arg, const struct exit_msg *m)
{
	proc_compose(sel.ps, PROC_PARENT, IMSG_EXIT_OFFER, 0, -1, m,
	    sizeof(*m));
}

void
tunsel_engine_names(void *arg, uint32_t id, const uint8_t *v4, const uint8_t *v6,
    const struct hub_peer_names *pn)
{
	struct engine_names_msg	 m;

	memset(&m, 0, sizeof(m));
	m.id = id;
	memcpy(m.v4, v4, sizeof(m.v4));
	memcpy(m.v6, v6, sizeof(m.v6));
	memcpy(m.nick, pn->nick, sizeof(m.nick));
	m.n = pn->n;
	memcpy(m.nets, pn->nets, sizeof(m.nets));
	proc_compose(sel.ps, HAMD_PROC_ENGINE, IMSG_ENGINE_NAMES, 0, -1, &m,
	    sizeof(m));
}

void
tunsel_reply_route(void *arg, uint32_t client, const struct hub_route_info *ri)
{
	proc_compose(sel.ps, HAMD_PROC_CONTROL, IMSG_CTL_HUB_ROUTE, client, -1,
	    ri, sizeof(*ri));
}

/* The parent is trusted, but a count past the array is a bug. */
static void
routes_msg(struct imsg *imsg, struct hubclient *hub)
{
	struct routes_msg	 m;

	(void)imsg_get_data(imsg, &m, sizeof(m));
	if (m.n > HUB_ROUTES_MAX)
		fatalx("parent sent %u routes", m.n);
	if (imsg->hdr.type == IMSG_TUN_ADVERTISE)
		hubclient_advertise(hub, &m);
	else
		hubclient_routes_set(hub, &m);
}

void
tunsel_parent(struct imsg *imsg, struct hubclient *hub, struct wg_dev *dev)
{
	struct exit_msg	 m;

	if (imsg->hdr.type != IMSG_EXIT_SET) {
		routes_msg(imsg, hub);
		return;
	}
	(void)imsg_get_data(imsg, &m, sizeof(m));
	troutes_exit_set(hubclient_routes(hub), dev, &m);
}

/*
 * hamctl exit NODE | off.  NODE is a hub peer's key or name; it must
 * offer to be an exit node, approved.  The parent answers hamctl once
 * the routing is in place.
 */
static void
exit_req(struct hubclient *hub, struct wg_dev *dev, uint32_t client,
    const struct ctl_exit *ce, int run)
{
	struct troutes	*tr = hubclient_routes(hub);
	struct wg_peer	*wp = NULL;
	uint8_t		 key[KEY_LEN];
	char		 node[CTL_NAME_MAX];
	int		 i;

	(void)snprintf(node, sizeof(node), "%s", ce->node);
	if (strcmp(node, "off") == 0) {
		troutes_exit_off(tr, dev, client);
		return;
	}
	/* One exit node at a time: for the machine, or for one run. */
	if (troutes_exit_current(tr) != 0 && run) {
		reply(client, EBUSY, "an exit node is in use "
		    "already (hamctl exit off first)");
		return;
	}
	if (run && ce->cgroup == 0) {
		reply(client, EINVAL, "no cgroup");
		return;
	}
	if (key_from_base64(key, node) == 0)
		wp = wg_peer_by_key(dev, key);
	for (i = 0; wp == NULL && i < WG_MAX_PEERS; i++)
		if (dev->peers[i] != NULL &&
		    strcmp(dev->peers[i]->name, node) == 0)
			wp = dev->peers[i];
	if (wp == NULL || !hubclient_is_hub_peer(hub, wp->id)) {
		reply(client, ENOENT, "no hub peer of that "
		    "name or key (hamctl peers lists them)");
		return;
	}
	if (troutes_exit_offered(tr, wp->id) == 0) {
		reply(client, EPERM, "that peer does not "
		    "offer to be an exit node, or no administrator of a "
		    "network you share approved it (0.0.0.0/0 or ::/0)");
		return;
	}
	troutes_exit_choose(tr, dev, wp->id, client, run ? ce->cgroup : 0,
	    run ? ce->level : 0, ce->flags);
}

void
tunsel_control(struct imsg *imsg, struct hubclient *hub, struct wg_dev *dev)
{
	struct ctl_exit	 ce;

	memcpy(&ce, (uint8_t *)imsg->data + sizeof(struct ctl_cred),
	    sizeof(ce));
	exit_req(hub, dev, imsg->hdr.peerid, &ce,
	    imsg->hdr.type == IMSG_CTL_RUN);
}
