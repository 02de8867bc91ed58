/*
 * Checks and records of tun's hub session (see hubcheck.h).
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <stdio.h>
#include <string.h>

#include "daemon/hubcheck.h"
#include "ipc/addr.h"
#include "privsep/log.h"
#include "proto/hubproto.h"

void
hub_sanitize(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			*s = '?';
}

void
hub_msg_sanitize(struct hub_msg *m)
{
	switch (m->type) {
	case HUB_MSG_LOGIN_REFUSED:
		hub_sanitize(m->u.refused.msg);
		break;
	case HUB_MSG_RESPONSE:
		hub_sanitize(m->u.resp.msg);
		break;
	case HUB_MSG_NET_ENTRY:
		hub_sanitize(m->u.net.name);
		break;
	case HUB_MSG_MEMBER_ENTRY:
		hub_sanitize(m->u.member.nick);
		break;
	case HUB_MSG_PEER_UP:
		hub_sanitize(m->u.peer.nick);
		break;
	case HUB_MSG_ROUTE_ENTRY:
		hub_sanitize(m->u.route.nick);
		break;
	case HUB_MSG_PEER_NAMES:
		hub_sanitize(m->u.names.nick);
		break;
	}
}

int
hub_pools_acceptable(const struct hub_login_ok *ok)
{
	struct ip_prefix	 p4 = { .af = AF_INET, .plen = ok->v4_plen };
	struct ip_prefix	 p6 = { .af = AF_INET6, .plen = ok->v6_plen };

	memcpy(&p4.addr, ok->v4, sizeof(ok->v4));
	memcpy(&p6.addr, ok->v6, sizeof(ok->v6));
	return ok->v6_plen >= 48 && ok->v6_plen <= 124 && ok->v4_plen <= 30 &&
	    prefix_is_overlay_space(&p4) && prefix_is_overlay_space(&p6);
}

void
hub_audit_request(uint8_t op, const char *netname, uint32_t uid, int code)
{
	char	 net[HUB_NAME_MAX + 2];
	uint8_t	 id[HUB_NETID_LEN];

	if (op == HUB_OP_NETWORKS || op == HUB_OP_MEMBERS ||
	    op == HUB_OP_ROUTES)
		return;
	/* The name went through hub_name_valid() or it was refused. */
	(void)snprintf(net, sizeof(net), "%s",
	    hub_name_valid(netname) || hub_netid_parse(netname, id) ||
	    netname[0] == '\0' ? netname : "?");
	audit("hub-request", "op=%s net=%s uid=%u result=%d",
	    hub_op_name(op), net[0] != '\0' ? net : "-", uid, code);
}
