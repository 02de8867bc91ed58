/*
 * hamctl's view of broadcast and multicast among members (the tun
 * process's LAN replication): the node's totals in status and at the
 * end of peers, and each peer's line.
 */
#ifndef HAMD_CTL_LAN_H
#define HAMD_CTL_LAN_H

#include "ctl/ctl_conn.h"
#include "ctl/ctl_output.h"
#include "ctl/ctlmsg.h"

/* Ask tun for its totals (IMSG_CTL_LAN); 0, or -1 (reported). */
int	lan_fetch(struct ctl_ctx *, struct ctl_lan *);
void	lan_print(const struct ctl_lan *);
void	lan_json(struct json *, const struct ctl_lan *);
void	lan_peer_print(const struct ctl_peer_lan *);
void	lan_peer_json(struct json *, const struct ctl_peer_lan *);

#endif
