/*
 * Addresses as they cross process boundaries: a UDP/TCP endpoint
 * (struct pkt_addr, fixed size, compared with memcmp once normalised)
 * and an address with a prefix length (struct ip_prefix: an interface
 * address, an allowed IP, an overlay pool), with their conversions to
 * and from the kernel's socket addresses and to text.
 */
#ifndef HAMD_IPC_ADDR_H
#define HAMD_IPC_ADDR_H

#include <sys/socket.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

/* A UDP or TCP endpoint; port in network byte order. */
struct pkt_addr {
	uint8_t		 af;		/* AF_INET, AF_INET6, 0 = none */
	uint8_t		 pad;
	uint16_t	 port;
	uint8_t		 addr[16];	/* IPv4 in the first 4 bytes */
};

/* "[ipv6]:port" at most, with its NUL. */
#define ADDR_STRLEN	(INET6_ADDRSTRLEN + 8)

union sockunion {
	struct sockaddr		 sa;
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	struct sockaddr_storage	 ss;
};

/* "a.b.c.d:port" or "[v6]:port" into buf, "none" for family 0; buf. */
const char	*pkt_addr_str(const struct pkt_addr *, char *buf, size_t len);
/* Zero what the family does not use, so addresses compare with memcmp. */
void		 addr_normalize(struct pkt_addr *);
int		 addr_equal(const struct pkt_addr *, const struct pkt_addr *);
/*
 * Into a socket address; the length, 0 for family 0.  The IPv6 scope id
 * has no room in a pkt_addr: a link-local peer cannot be sent to.
 */
socklen_t	 addr_to_sockaddr(const struct pkt_addr *, union sockunion *);
/*
 * From a socket address the kernel gave us.  An IPv4-mapped IPv6
 * address (a dual-stack listener's IPv4 client) becomes IPv4.  -1 if
 * the family is not IPv4 or IPv6, len is short, or the port is 0 (no
 * one can be answered there).
 */
int		 sockaddr_to_addr(const union sockunion *, socklen_t len,
		    struct pkt_addr *);

/*
 * A unicast address another host can send to: not 0/8, 127/8,
 * 169.254/16, multicast or reserved IPv4; not ::, ::1, the deprecated
 * IPv4-compatible ::/96, multicast, link-local or IPv4-mapped IPv6.
 */
int		 addr_is_unicast(const struct pkt_addr *);
/*
 * A private address: RFC 1918, shared address space (RFC 6598) or
 * unique local IPv6 (prefix_is_overlay_space for one host).
 */
int		 addr_is_private(const struct pkt_addr *);
/* Whether a and b (address bytes) agree in their first bits bits. */
int		 addr_bits_equal(const uint8_t *a, const uint8_t *b,
		    unsigned int bits);

/* An address with a prefix length. */
struct ip_prefix {
	sa_family_t	af;		/* AF_INET or AF_INET6 */
	uint8_t		plen;		/* 0..32 or 0..128 */
	union {
		struct in_addr	v4;
		struct in6_addr	v6;
	} addr;
};
#define PREFIX_STRLEN	(INET6_ADDRSTRLEN + 4)	/* "addr/len" */

/*
 * "10.0.0.0/24", "fd00::1/64", or an address alone (a host prefix).
 * host_bits_ok 0 refuses bits set past the length.  0, or -1 with a
 * message in err (which may be NULL) that says what is wrong.
 */
int		 prefix_parse(const char *, struct ip_prefix *,
		    int host_bits_ok, char *err, size_t errlen);
/* "10.0.0.0/24" into buf (PREFIX_STRLEN bytes); returns buf. */
const char	*prefix_str(const struct ip_prefix *, char *buf, size_t len);
/* Clear the bits past plen; returns whether any was set. */
int		 prefix_mask(struct ip_prefix *);
/* Whether the two share an address, that is, one holds the other. */
int		 prefix_overlap(const struct ip_prefix *,
		    const struct ip_prefix *);
/* Whether p lies inside range. */
int		 prefix_within(const struct ip_prefix *p,
		    const struct ip_prefix *range);
/* Whether address a (4 or 16 bytes of family af) lies inside p. */
int		 prefix_contains(const struct ip_prefix *p, int af,
		    const uint8_t *a);
/*
 * Overlay space: private IPv4 (RFC 1918), shared address space (RFC
 * 6598) and unique local IPv6 (RFC 4193).  An overlay outside it would
 * route public addresses into the tunnel, so hub pools, the addresses a
 * node accepts from its hub and the routes its parent sets are all held
 * to it.
 */
int		 prefix_is_overlay_space(const struct ip_prefix *);

#endif
