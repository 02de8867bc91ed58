/*
 * PEER_ROUTES from the store.  A node keeps its own list of each
 * peer's routes and replaces it with every PEER_ROUTES, so sending the
 * whole set again is always right; only whom to tell is presence's
 * and routeops' business.
 */
#include "autoconf.h"

#include <string.h>

#include "hub/routesync.h"
#include "hub/session.h"
#include "hub/store.h"
#include "privsep/log.h"
#include "proto/hubproto.h"

void
routes_tell(struct session *to, const uint8_t about[32])
{
	struct hub_msg	 m;

	if (to->state != SESSION_ONLINE)
		return;
	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_PEER_ROUTES;
	memcpy(m.u.routes.key, about, HUB_KEY_LEN);
	if (store_routes_between(au.store, to->key, about, m.u.routes.p,
	    &m.u.routes.n) != STORE_OK) {
		/* Better no message than a list that drops a live route. */
		log_warnx("%s: %s", __func__, store_errmsg(au.store));
		return;
	}
	(void)session_send(to, &m);
}

void
routes_load(struct session *s)
{
	int	 rc;

	if ((rc = store_route_any(au.store, s->key)) < 0) {
		log_warnx("%s: %s", __func__, store_errmsg(au.store));
		return;		/* keep the old flag: it errs on telling */
	}
	s->has_routes = rc > 0;
}
