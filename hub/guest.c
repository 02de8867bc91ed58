/* Guests: the relay across a cluster's hubs; see guest.h. */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <string.h>

#include <sodium.h>

#include "hub/cluster.h"
#include "hub/guest.h"
#include "hub/hubd_msg.h"
#include "hub/relaycred.h"
#include "hub/session.h"
#include "privsep/log.h"

static uint8_t	 gkey[RELAY_GUEST_KEY_LEN];
static int	 have_gkey;

void
guest_init(const uint8_t hub_priv[32])
{
	relay_guest_key(gkey, hub_priv);
	have_gkey = 1;
}

void
guest_end(struct session *g)
{
	if (g->relay.id == 0)
		return;
	/* Its pairs go with it in the engine: no PAIR 0 needed. */
	(void)relay_engine_send(g->relay.id, IMSG_HUBD_RELAY_DEL,
	    &g->relay.id, sizeof(g->relay.id));
	session_relay_unlink(g);
	relay_cred_clear(&g->relay);
}

void
guest_set(struct session *g, uint32_t id)
{
	struct hubd_relay_guest	 m;

	if (g->relay.id == id && id != 0)
		return;
	guest_end(g);
	if (id == 0 || !have_gkey || cluster_self() == 0 ||
	    (g->endpoint.af != AF_INET && g->endpoint.af != AF_INET6))
		return;
	if (session_by_relay(id) != NULL) {
		/* Each hub draws its own ids: rarely, two are the same. */
		log_debug("guest: relay id %u is in use here", id);
		return;
	}
	relay_cred_guest(&g->relay, gkey, cluster_self(), g->key, id);
	if (session_relay_link(g) == -1) {
		relay_cred_clear(&g->relay);
		authority_nomem("a guest relay session");
		return;
	}
	memset(&m, 0, sizeof(m));
	m.relay_id = id;
	m.host = g->endpoint;
	if (relay_engine_send(id, IMSG_HUBD_RELAY_GUEST, &m, sizeof(m)) ==
	    -1) {
		session_relay_unlink(g);
		relay_cred_clear(&g->relay);
	}
}

void
guest_tell(struct session *to, const struct session *about)
{
	struct hub_msg		 m;
	struct relay_cred	 rc;

	if (about->hub == 0 || to->hub != 0 || to->proto < 3 ||
	    about->relay.id == 0 || to->relay.id == 0 || !have_gkey)
		return;
	memset(&m, 0, sizeof(m));
	if (cluster_hub_relay(about->hub, &m.u.prelay.hub) == -1)
		return;
	m.type = HUB_MSG_PEER_RELAY;
	memcpy(m.u.prelay.key, about->key, HUB_KEY_LEN);
	m.u.prelay.relay_id = about->relay.id;
	m.u.prelay.guest_id = to->relay.id;
	/* What that hub computes when to registers there. */
	relay_cred_guest(&rc, gkey, about->hub, to->key, to->relay.id);
	memcpy(m.u.prelay.token, rc.token, HUB_RELAY_TOKEN_LEN);
	relay_cred_clear(&rc);
	(void)session_send(to, &m);
	sodium_memzero(&m, sizeof(m));
}
