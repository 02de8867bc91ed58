/*
 * Route prefixes (see hubroute.h).
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <string.h>

#include "compat/compat.h"
#include "proto/hubroute.h"

/* Ranges no route may touch: they are not somewhere a LAN lives. */
static const struct {
	int		 af;
	uint8_t		 plen;
	uint8_t		 a[16];
} route_banned[] = {
	{ AF_INET, 8, { 0 } },			/* "this network" */
	{ AF_INET, 8, { 127 } },		/* loopback */
	{ AF_INET, 16, { 169, 254 } },		/* link-local */
	{ AF_INET, 3, { 224 } },		/* multicast, 240/4, broadcast */
	{ AF_INET6, 8, { 0 } },			/* ::, ::1, mapped, compatible */
	{ AF_INET6, 10, { 0xfe, 0x80 } },	/* link-local */
	{ AF_INET6, 8, { 0xff } },		/* multicast */
};

int
hub_route_exit(const struct ip_prefix *p)
{
	static const uint8_t	 zero[16];

	return p != NULL && (p->af == AF_INET || p->af == AF_INET6) &&
	    p->plen == 0 && memcmp(&p->addr, zero,
	    p->af == AF_INET ? 4 : 16) == 0;
}

int
hub_route_valid(const struct ip_prefix *p)
{
	struct ip_prefix	 q, b;
	size_t			 i;

	if (p == NULL || (p->af != AF_INET && p->af != AF_INET6) ||
	    p->plen == 0 || p->plen > (p->af == AF_INET ? 32 : 128))
		return 0;
	q = *p;
	if (prefix_mask(&q))
		return 0;		/* host bits set */
	for (i = 0; i < nitems(route_banned); i++) {
		if (route_banned[i].af != p->af)
			continue;
		memset(&b, 0, sizeof(b));
		b.af = (sa_family_t)route_banned[i].af;
		b.plen = route_banned[i].plen;
		memcpy(&b.addr, route_banned[i].a, p->af == AF_INET ? 4 : 16);
		if (prefix_overlap(&b, p))
			return 0;
	}
	return 1;
}
