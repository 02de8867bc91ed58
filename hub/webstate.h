/*
 * hamhubd's web child: the snapshot the authority sends once a second
 * and the recent events (webstate.c), kept for the metrics (web_hub.c)
 * and the console (web_console.c).
 */
#ifndef HAMD_HUB_WEBSTATE_H
#define HAMD_HUB_WEBSTATE_H

#include <stdint.h>

#include "ctl/ctlmsg.h"
#include "hub/hubd_msg.h"

#define HUBWEB_EVENTS	64		/* recent events the console shows */

struct hubweb_snap {
	struct ctl_hubd_status	 status;
	struct ctl_hubd_node	 nodes[HUBD_WEB_NODES_MAX];
	struct hub_net_info	 nets[HUBD_WEB_NETS_MAX];
	struct hubd_web_member	 members[HUBD_WEB_MEMBERS_MAX];
	struct hubd_web_end	 end;
	uint32_t		 nnodes, nnets, nmembers;
};

struct hubweb {
	struct hubweb_snap	*cur, *next;	/* shown, being received */
	int			 have;
	struct ctl_event	 events[HUBWEB_EVENTS];	/* a ring */
	uint32_t		 nevents;	/* ever received */
	uint64_t		 counts[EV_KIND_MAX];
	uint64_t		 refused_by[8];	/* see hubweb_refusals */
};
extern struct hubweb	 hw;

/* Refusal reasons, as the audit records name them (login-blocked, ...). */
#define HUBWEB_REFUSALS	4
extern const char *const hubweb_refusals[HUBWEB_REFUSALS];

/* The authority's snapshots and events (webstate.c). */
struct privsep;
struct imsg;
void	hubweb_dispatch(struct privsep *, int, struct imsg *);

/* The node of a key in the current snapshot, or NULL. */
const struct ctl_hubd_node *hubweb_node(const uint8_t key[32]);

#endif
