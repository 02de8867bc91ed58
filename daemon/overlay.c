/*
 * The overlay addresses a hub assigns, checked again by the parent.
 * tun checks the hub's pools already; the parent, which turns them into
 * routes as root, does not take a compromised tun's word for it.
 */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>

#include "daemon/overlay.h"
#include "proto/hubproto.h"

/* The pool sizes a hub may use (hamhubd.conf(5)): IPv4, then IPv6. */
static const struct {
	unsigned int	 minlen, maxlen;
} overlay_plen[2] = {
	{ .minlen = 8, .maxlen = 30 },
	{ .minlen = 48, .maxlen = 124 },
};

int
overlay_check(const struct hub_login_ok *ok, struct ip_prefix want[2],
    char *err, size_t errlen)
{
	char		 buf[PREFIX_STRLEN];
	int		 i;

	memset(want, 0, 2 * sizeof(*want));
	want[0].af = AF_INET;
	want[0].plen = ok->v4_plen;
	memcpy(&want[0].addr, ok->v4, sizeof(ok->v4));
	want[1].af = AF_INET6;
	want[1].plen = ok->v6_plen;
	memcpy(&want[1].addr, ok->v6, sizeof(ok->v6));
	for (i = 0; i < 2; i++) {
		if (want[i].plen < overlay_plen[i].minlen ||
		    want[i].plen > overlay_plen[i].maxlen) {
			(void)snprintf(err, errlen, "overlay %s: a pool of "
			    "prefix length /%u, outside /%u-/%u",
			    prefix_str(&want[i], buf, sizeof(buf)),
			    want[i].plen, overlay_plen[i].minlen,
			    overlay_plen[i].maxlen);
			return -1;
		}
		if (!prefix_is_overlay_space(&want[i])) {
			(void)snprintf(err, errlen, "overlay %s: outside the "
			    "private, shared and unique local ranges, it "
			    "would route public addresses into the tunnel",
			    prefix_str(&want[i], buf, sizeof(buf)));
			return -1;
		}
	}
	return 0;
}
