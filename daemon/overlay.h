/*
 * The overlay addresses a hub assigns, as the parent takes them from
 * tun before it sets them on the device and so routes their prefixes
 * into the tunnel.
 */
#ifndef HAMD_OVERLAY_H
#define HAMD_OVERLAY_H

#include <stddef.h>

#include "ipc/addr.h"

struct hub_login_ok;

/*
 * The IPv4 and IPv6 overlay addresses with their pools' prefix lengths
 * into want[0] and want[1]; 0, or -1 with err saying which is refused
 * and why: a prefix length outside /8-/30 (IPv4) or /48-/124 (IPv6),
 * or a pool outside the overlay space (ipc/addr.h), which would route
 * the machine's public traffic into the tunnel.
 */
int	overlay_check(const struct hub_login_ok *, struct ip_prefix want[2],
	    char *err, size_t errlen);

#endif
