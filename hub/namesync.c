/*
 * PEER_NAMES from the store.  The nickname is the node row's, the
 * networks those where both are active peers; the whole set each time,
 * so telling again is always right.
 */
#include "autoconf.h"

#include <string.h>

#include "hub/namesync.h"
#include "hub/session.h"
#include "hub/store.h"
#include "privsep/log.h"
#include "proto/hubproto.h"

void
names_tell(struct session *to, const uint8_t about[32])
{
	struct hub_msg		 m;
	struct store_node	 n;
	struct session		*a;

	if (!to->wants_names || to->state != SESSION_ONLINE)
		return;
	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_PEER_NAMES;
	memcpy(m.u.names.key, about, HUB_KEY_LEN);
	/* An online node's nickname is its session's: the latest. */
	if ((a = session_online(about)) != NULL)
		memcpy(m.u.names.nick, a->node.nick, sizeof(m.u.names.nick));
	else if (store_node_get(au.store, about, &n) == STORE_OK)
		memcpy(m.u.names.nick, n.nick, sizeof(m.u.names.nick));
	m.u.names.nick[sizeof(m.u.names.nick) - 1] = '\0';
	if (store_shared_nets(au.store, to->key, about, m.u.names.nets,
	    &m.u.names.n) != STORE_OK) {
		log_warnx("%s: %s", __func__, store_errmsg(au.store));
		return;
	}
	(void)session_send(to, &m);
}
