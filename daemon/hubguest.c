/* tun's side of the relay through other hubs; see hubguest.h. */
#include "autoconf.h"

#include <string.h>

#include "daemon/hubguest.h"
#include "privsep/log.h"

void
hubguest_offer(struct relayguests *t, const struct hubguest_io *io,
    uint32_t peer_id, const struct hub_peer_relay *pr, uint64_t now)
{
	struct engine_peer_hub_msg	 m;

	if (relayguest_offer(t, pr, now) == -1) {
		log_warnx("hub: peer %u is at a hub we cannot register at "
		    "(%d other hubs at most); it is relayed through ours",
		    peer_id, RELAYGUEST_MAX);
		return;
	}
	memset(&m, 0, sizeof(m));
	m.id = peer_id;
	m.relay_id = pr->relay_id;
	m.hub = pr->hub;
	io->engine_peer_hub(io->arg, &m);
	hubguest_tick(t, io, now);
}

void
hubguest_tick(struct relayguests *t, const struct hubguest_io *io,
    uint64_t now)
{
	struct relay_guest_msg	 m;

	memset(&m, 0, sizeof(m));
	while (relayguest_due(t, now, m.msg, &m.hub))
		io->relay_guest_register(io->arg, &m);
}

int
hubguest_answer(struct relayguests *t, const struct hubguest_io *io,
    const struct relay_guest_msg *m, uint64_t now)
{
	int	 was;

	was = relayguest_usable(t, &m->hub, now);
	if (relayguest_answer(t, &m->hub, m->msg, sizeof(m->msg), now) == -1)
		return -1;
	if (!was)
		log_debug("hub: guest registration at another hub "
		    "confirmed");
	io->relay_guest_confirmed(io->arg, &m->hub);
	return 0;
}
