/*
 * hamhubd's web child: what the authority sends it, kept for the
 * metrics (web_hub.c) and the console (web_console.c): the latest
 * snapshot, the recent events and the counts of every event kind.
 */
#include "autoconf.h"

#include <string.h>

#include "compat/compat.h"
#include "hub/hubd_msg.h"
#include "hub/webstate.h"
#include "privsep/log.h"
#include "privsep/proc.h"

struct hubweb	 hw;

/* Refusal reasons, as the audit records name them. */
const char *const hubweb_refusals[HUBWEB_REFUSALS] = {
	"login-blocked", "login-new-ratelimited", "handshake-replay",
	"join-refused",
};

const struct ctl_hubd_node *
hubweb_node(const uint8_t key[32])
{
	uint32_t	 i;

	if (!hw.have)
		return NULL;
	for (i = 0; i < hw.cur->nnodes; i++)
		if (memcmp(hw.cur->nodes[i].node.key, key, 32) == 0)
			return &hw.cur->nodes[i];
	return NULL;
}

static void
take_event(struct imsg *imsg)
{
	struct ctl_event	*ev = &hw.events[hw.nevents % HUBWEB_EVENTS];
	size_t			 i;

	(void)imsg_get_data(imsg, ev, sizeof(*ev));
	ev->key[sizeof(ev->key) - 1] = '\0';
	ev->name[sizeof(ev->name) - 1] = '\0';
	ev->network[sizeof(ev->network) - 1] = '\0';
	ev->detail[sizeof(ev->detail) - 1] = '\0';
	if (ev->kind >= EV_KIND_MAX)
		fatalx("authority sent event kind %u", ev->kind);
	hw.nevents++;
	hw.counts[ev->kind]++;
	if (ev->kind == EV_REFUSED)
		for (i = 0; i < HUBWEB_REFUSALS; i++)
			if (strncmp(ev->detail, hubweb_refusals[i],
			    strlen(hubweb_refusals[i])) == 0 &&
			    ev->detail[strlen(hubweb_refusals[i])] == ' ')
				hw.refused_by[i]++;
}

void
hubweb_dispatch(struct privsep *ps, int from, struct imsg *imsg)
{
	struct hubweb_snap	*n = hw.next, *t;

	switch (imsg->hdr.type) {
	case IMSG_HUBD_WEB_STATUS:
		/*
		 * A snapshot starts here: one the authority could not finish
		 * (no memory for its end) is dropped, not added to.
		 */
		n->nnodes = n->nnets = n->nmembers = 0;
		(void)imsg_get_data(imsg, &n->status, sizeof(n->status));
		if (n->status.nprocs > CTL_HUBD_PROCS)
			fatalx("authority sent %u processes",
			    n->status.nprocs);
		break;
	case IMSG_HUBD_WEB_NODE:
		if (n->nnodes == HUBD_WEB_NODES_MAX)
			fatalx("authority sent too many nodes");
		(void)imsg_get_data(imsg, &n->nodes[n->nnodes],
		    sizeof(n->nodes[0]));
		n->nodes[n->nnodes].node.nick[HUB_NICK_MAX - 1] = '\0';
		n->nnodes++;
		break;
	case IMSG_HUBD_WEB_NET:
		if (n->nnets == HUBD_WEB_NETS_MAX)
			fatalx("authority sent too many networks");
		(void)imsg_get_data(imsg, &n->nets[n->nnets],
		    sizeof(n->nets[0]));
		n->nets[n->nnets].name[HUB_NAME_MAX - 1] = '\0';
		n->nnets++;
		break;
	case IMSG_HUBD_WEB_MEMBER:
		if (n->nmembers == HUBD_WEB_MEMBERS_MAX)
			fatalx("authority sent too many members");
		(void)imsg_get_data(imsg, &n->members[n->nmembers],
		    sizeof(n->members[0]));
		n->nmembers++;
		break;
	case IMSG_HUBD_WEB_END:
		(void)imsg_get_data(imsg, &n->end, sizeof(n->end));
		t = hw.cur;
		hw.cur = n;
		hw.next = t;
		hw.next->nnodes = hw.next->nnets = hw.next->nmembers = 0;
		hw.have = 1;
		break;
	case IMSG_CTL_EVENT:
		take_event(imsg);
		break;
	default:
		fatalx("%s: unexpected message %s", __func__,
		    proc_msg_name(ps, imsg->hdr.type));
	}
}
