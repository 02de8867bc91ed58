/*
 * The authority's side of the relay; see relaycheck.h.
 */
#include "autoconf.h"

#include <string.h>

#include "hub/relaycheck.h"
#include "hub/session.h"
#include "privsep/log.h"
#include "privsep/proc.h"

static uint64_t	 refused_mac;		/* counted as relay_unknown */
static uint64_t	 refused_replay;	/* counted as relay_bad */

void
relaycheck_new(struct session *s)
{
	relay_cred_new(&s->relay, session_new_relay_id(s));
}

int
relaycheck_start(struct session *s, struct hub_relay_info *ri)
{
	struct hubd_relay_msg	 rm;

	memset(&rm, 0, sizeof(rm));
	rm.conn = s->conn;
	rm.relay_id = s->relay.id;
	if (relay_engine_send(s->relay.id, IMSG_HUBD_RELAY_ADD, &rm,
	    sizeof(rm)) == -1)
		return -1;
	memset(ri, 0, sizeof(*ri));
	ri->relay_id = s->relay.id;
	memcpy(ri->token, s->relay.token, sizeof(ri->token));
	return 0;
}

void
relaycheck_end(struct session *s)
{
	/*
	 * Its pairs go with it: no PAIR 0 per peer needed.  Without the
	 * memory to say so, the engine forgets it when the connection
	 * closes, as it does for a DEL that crossed the close.
	 */
	(void)relay_engine_send(s->relay.id, IMSG_HUBD_RELAY_DEL,
	    &s->relay.id, sizeof(s->relay.id));
}

/*
 * The engine passes on only REGISTERs it sorted as such, for the
 * session it names, so a REGISTER that is not one for that id is a
 * broken engine.  A session gone or going since is a message that
 * crossed its end: ignored.
 */
void
relaycheck_register(int eng, struct imsg *imsg)
{
	struct hubd_relay_reg	 m;
	struct session		*s;
	uint8_t			 answer[RELAY_AUTH_LEN];

	if (imsg_get_data(imsg, &m, sizeof(m)) == -1)
		fatalx("%s: bad size", __func__);
	/* A guest (guest.h) has no connection: conn 0. */
	if (m.conn == 0)
		s = session_by_relay(m.relay_id);
	else
		s = session_by_conn(eng, m.conn);
	if (s == NULL || s->state != SESSION_ONLINE ||
	    s->relay.id != m.relay_id || (m.conn == 0) != (s->hub != 0))
		return;
	switch (relay_cred_check(&s->relay, m.dgram, sizeof(m.dgram),
	    answer)) {
	case RELAY_CRED_OK:
		break;
	case RELAY_CRED_BAD_MAC:
		refused_mac++;
		return;
	case RELAY_CRED_REPLAY:
		refused_replay++;
		return;
	default:
		fatalx("%s: the engine passed on no REGISTER for relay id %u",
		    __func__, m.relay_id);
	}
	memcpy(m.dgram, answer, sizeof(m.dgram));
	/* Without the memory, the node registers again in 20 s. */
	(void)relay_engine_send(s->relay.id, IMSG_HUBD_RELAY_REGISTERED, &m,
	    sizeof(m));
}

void
relaycheck_counts(struct hubd_engine_stats *st)
{
	st->relay_unknown += refused_mac;
	st->relay_bad += refused_replay;
}
