/* Addresses across process boundaries; see addr.h. */
#include "autoconf.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/util.h"
#include "ipc/addr.h"

const char *
pkt_addr_str(const struct pkt_addr *a, char *buf, size_t len)
{
	char	 host[INET6_ADDRSTRLEN];

	if ((a->af != AF_INET && a->af != AF_INET6) ||
	    inet_ntop(a->af, a->addr, host, sizeof(host)) == NULL) {
		(void)snprintf(buf, len, "none");
		return buf;
	}
	(void)snprintf(buf, len, a->af == AF_INET6 ? "[%s]:%u" : "%s:%u",
	    host, ntohs(a->port));
	return buf;
}

void
addr_normalize(struct pkt_addr *a)
{
	a->pad = 0;
	switch (a->af) {
	case AF_INET:
		memset(a->addr + 4, 0, sizeof(a->addr) - 4);
		break;
	case AF_INET6:
		break;
	default:
		memset(a, 0, sizeof(*a));
		break;
	}
}

int
addr_equal(const struct pkt_addr *a, const struct pkt_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

socklen_t
addr_to_sockaddr(const struct pkt_addr *a, union sockunion *su)
{
	memset(su, 0, sizeof(*su));
	switch (a->af) {
	case AF_INET:
		su->sin.sin_family = AF_INET;
		su->sin.sin_port = a->port;
		memcpy(&su->sin.sin_addr, a->addr, 4);
		return sizeof(su->sin);
	case AF_INET6:
		su->sin6.sin6_family = AF_INET6;
		su->sin6.sin6_port = a->port;
		memcpy(&su->sin6.sin6_addr, a->addr, 16);
		return sizeof(su->sin6);
	default:
		return 0;
	}
}

int
sockaddr_to_addr(const union sockunion *su, socklen_t len, struct pkt_addr *a)
{
	static const uint8_t	 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };

	memset(a, 0, sizeof(*a));
	if (su->sa.sa_family == AF_INET && len >= sizeof(su->sin)) {
		a->af = AF_INET;
		a->port = su->sin.sin_port;
		memcpy(a->addr, &su->sin.sin_addr, 4);
	} else if (su->sa.sa_family == AF_INET6 && len >= sizeof(su->sin6)) {
		a->port = su->sin6.sin6_port;
		if (memcmp(&su->sin6.sin6_addr, mapped, sizeof(mapped)) == 0) {
			a->af = AF_INET;
			memcpy(a->addr, (const uint8_t *)&su->sin6.sin6_addr +
			    12, 4);
		} else {
			a->af = AF_INET6;
			memcpy(a->addr, &su->sin6.sin6_addr, 16);
		}
	} else
		return -1;
	return a->port != 0 ? 0 : -1;
}

int
addr_is_unicast(const struct pkt_addr *a)
{
	static const uint8_t	 mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const uint8_t	 zero[12];
	const uint8_t		*p = a->addr;

	switch (a->af) {
	case AF_INET:
		return p[0] != 0 && p[0] != 127 && !(p[0] == 169 &&
		    p[1] == 254) && p[0] < 224;
	case AF_INET6:
		/* ::, ::1 and the deprecated IPv4-compatible ::/96. */
		if (memcmp(p, zero, sizeof(zero)) == 0)
			return 0;
		if (p[0] == 0xff || (p[0] == 0xfe && (p[1] & 0xc0) == 0x80))
			return 0;
		return memcmp(p, mapped, sizeof(mapped)) != 0;
	default:
		return 0;
	}
}

static size_t
prefix_bytes(sa_family_t af)
{
	return af == AF_INET ? sizeof(struct in_addr) :
	    sizeof(struct in6_addr);
}

int
prefix_mask(struct ip_prefix *p)
{
	uint8_t		*b = (uint8_t *)&p->addr;
	size_t		 i, n = prefix_bytes(p->af);
	int		 changed = 0;

	for (i = 0; i < n; i++) {
		size_t		 bit = i * 8;
		uint8_t		 keep;

		if (bit + 8 <= p->plen)
			continue;
		keep = bit >= p->plen ? 0 :
		    (uint8_t)(0xff << (8 - (p->plen - bit)));
		if (b[i] & ~keep)
			changed = 1;
		b[i] &= keep;
	}
	return changed;
}

const char *
prefix_str(const struct ip_prefix *p, char *buf, size_t len)
{
	char	 a[INET6_ADDRSTRLEN];

	if (inet_ntop(p->af, &p->addr, a, sizeof(a)) == NULL)
		(void)snprintf(a, sizeof(a), "?");
	(void)snprintf(buf, len, "%s/%u", a, p->plen);
	return buf;
}

int
prefix_parse(const char *s, struct ip_prefix *p, int host_bits_ok,
    char *err, size_t errlen)
{
	char		 a[INET6_ADDRSTRLEN], sb[80], net[PREFIX_STRLEN];
	const char	*slash, *l;
	size_t		 alen;
	unsigned int	 max, plen;

	memset(p, 0, sizeof(*p));
	if (s == NULL || *s == '\0') {
		seterr(err, errlen, "empty address: expected a.b.c.d/len "
		    "or x:x::x/len");
		return -1;
	}
	slash = strchr(s, '/');
	alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(a))
		goto bad;
	memcpy(a, s, alen);
	a[alen] = '\0';
	if (strchr(a, ':') != NULL) {
		p->af = AF_INET6;
		max = 128;
	} else {
		p->af = AF_INET;
		max = 32;
	}
	if (inet_pton(p->af, a, &p->addr) != 1)
		goto bad;
	plen = max;
	if (slash != NULL) {
		l = slash + 1;
		/* Digits only: no sign, no space, no "0x", at most 3. */
		if (l[0] == '\0' || strspn(l, "0123456789") != strlen(l)) {
			seterr(err, errlen, "invalid prefix length in %s: "
			    "expected 0-%u after the /",
			    shown(s, sb, sizeof(sb)), max);
			return -1;
		}
		if (strlen(l) > 3 || (plen = (unsigned int)atoi(l)) > max) {
			seterr(err, errlen, "prefix length %s out of range "
			    "in %s: expected 0-%u", shown(l, net, sizeof(net)),
			    shown(s, sb, sizeof(sb)), max);
			return -1;
		}
	}
	p->plen = (uint8_t)plen;
	if (!host_bits_ok) {
		struct ip_prefix	 m = *p;

		if (prefix_mask(&m)) {
			seterr(err, errlen, "host bits set in %s: expected "
			    "the network address %s", shown(s, sb, sizeof(sb)),
			    prefix_str(&m, net, sizeof(net)));
			return -1;
		}
	}
	return 0;
 bad:
	seterr(err, errlen, "invalid address %s: expected a.b.c.d/len or "
	    "x:x::x/len", shown(s, sb, sizeof(sb)));
	memset(p, 0, sizeof(*p));
	return -1;
}

int
addr_bits_equal(const uint8_t *a, const uint8_t *b, unsigned int bits)
{
	unsigned int	 full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, full) != 0)
		return 0;
	return rest == 0 ||
	    ((a[full] ^ b[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

int
prefix_overlap(const struct ip_prefix *a, const struct ip_prefix *b)
{
	if (a->af != b->af)
		return 0;
	return addr_bits_equal((const uint8_t *)&a->addr, (const uint8_t *)&b->addr,
	    a->plen < b->plen ? a->plen : b->plen);
}

int
prefix_within(const struct ip_prefix *p, const struct ip_prefix *range)
{
	return p->af == range->af && p->plen >= range->plen &&
	    prefix_overlap(p, range);
}

int
prefix_contains(const struct ip_prefix *p, int af, const uint8_t *a)
{
	return p->af == af && addr_bits_equal((const uint8_t *)&p->addr, a,
	    p->plen);
}

int
prefix_is_overlay_space(const struct ip_prefix *p)
{
	static const struct { uint8_t net[4]; unsigned int plen; } v4[] = {
		{ { 10, 0, 0, 0 }, 8 }, { { 172, 16, 0, 0 }, 12 },
		{ { 192, 168, 0, 0 }, 16 }, { { 100, 64, 0, 0 }, 10 },
	};
	static const uint8_t	 ula[16] = { 0xfc };
	const uint8_t		*a = (const uint8_t *)&p->addr;
	size_t			 i;

	if (p->af == AF_INET6)
		return p->plen >= 7 && addr_bits_equal(a, ula, 7);
	if (p->af != AF_INET)
		return 0;
	for (i = 0; i < nitems(v4); i++)
		if (p->plen >= v4[i].plen && addr_bits_equal(a, v4[i].net,
		    v4[i].plen))
			return 1;
	return 0;
}

int
addr_is_private(const struct pkt_addr *a)
{
	struct ip_prefix	 p = { .af = a->af };

	if (a->af != AF_INET && a->af != AF_INET6)
		return 0;
	p.plen = a->af == AF_INET ? 32 : 128;
	memcpy(&p.addr, a->addr, a->af == AF_INET ? 4 : 16);
	return prefix_is_overlay_space(&p);
}
