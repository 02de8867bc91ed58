/*
 * LAN destinations: which IP packets are a broadcast or multicast that
 * the members of the node's networks share, as on one Ethernet segment
 * (lanrep.c replicates those), and which belong to the link alone and
 * are never forwarded (IGMP, MLD, neighbour discovery).  Pure functions
 * on bytes, so the unit tests and the fuzz target drive them directly;
 * the tun process calls them only for packets that no peer's allowed
 * IPs route, or whose destination lan_group() or lan_rx_maybe() name.
 */
#ifndef HAMD_LANCLASS_H
#define HAMD_LANCLASS_H

#include <stddef.h>
#include <stdint.h>

enum lan_kind {
	LAN_NONE = 0,	/* a unicast destination, or not an IP packet */
	LAN_BCAST,	/* 255.255.255.255, the limited broadcast */
	LAN_DBCAST,	/* the overlay pool's directed broadcast */
	LAN_MCAST4,	/* 224.0.0.0/4 */
	LAN_MCAST6,	/* ffXY::/16 with scope Y from 2 (link) to 0xe */
	LAN_CONTROL,	/* IGMP, MLD, ND, router discovery: the link's own */
	LAN_OTHER,	/* 240.0.0.0/4 but 255.255.255.255, IPv6 multicast
			   of scope 0, 1 or 0xf: never forwarded */
	LAN_MALFORMED,	/* a LAN destination, but the header is broken */
	LAN_KIND_MAX
};

/*
 * The node's overlay as LAN classification needs it: its addresses
 * (packets it forwards must come from one of them), the IPv4 pool's
 * directed broadcast, and the IPv6 link-local address hamd gives the
 * interface (fe80:: and the low 64 bits of the overlay IPv6 address).
 */
struct lan_addrs {
	int		 have4, have6;
	uint8_t		 v4[4];
	uint8_t		 bcast4[4];
	uint8_t		 v6[16];
	uint8_t		 ll6[16];
};

/*
 * From the hub's addresses and prefix lengths; a family whose prefix
 * length is out of range (IPv4 above 30, IPv6 above 124) is left out.
 */
void		 lan_addrs_set(struct lan_addrs *, const uint8_t v4[4],
		    unsigned int plen4, const uint8_t v6[16],
		    unsigned int plen6);
/* The link-local address of an overlay IPv6 address: fe80::/64 + IID. */
void		 lan_link_local(uint8_t out[16], const uint8_t v6[16]);
/*
 * The MAC address bound to a node's key in Ethernet networks: the first
 * six bytes of BLAKE2b("hamd ethernet mac" || key), made a locally
 * administered unicast address.  The parent sets it on the TAP device;
 * peers take frames from that node with that source only.
 */
#define LAN_MAC_LEN	6
void		 lan_mac_of(uint8_t mac[LAN_MAC_LEN], const uint8_t key[32]);

/*
 * What pkt (len bytes read from the TUN device or decrypted) is.  Only
 * the destination and, for the control kinds, the protocol are read.
 */
enum lan_kind	 lan_classify(const struct lan_addrs *, const uint8_t *pkt,
		    size_t len);
/* 1 if the source of pkt (already classified, not LAN_NONE) is ours. */
int		 lan_src_ours(const struct lan_addrs *, const uint8_t *pkt,
		    size_t len);
/* "broadcast", "multicast6", ...; never NULL. */
const char	*lan_kind_str(int);

/*
 * The data path's cheap tests, on a packet whose IP version and length
 * the caller has checked (20 bytes for IPv4, 40 for IPv6).
 *
 * On the way out: a destination no peer's allowed IPs may take, a
 * broadcast or multicast one (224.0.0.0 and up, ff00::/8).
 */
static inline int
lan_group(int v6, const uint8_t *dst)
{
	return v6 ? dst[0] == 0xff : dst[0] >= 224;
}

/* On the way in: those, and the overlay's directed broadcast. */
static inline int
lan_rx_maybe(const uint8_t *pkt, const uint8_t bcast4[4])
{
	if ((pkt[0] >> 4) == 6)
		return pkt[24] == 0xff;
	return pkt[16] >= 224 || (pkt[16] == bcast4[0] &&
	    pkt[17] == bcast4[1] && pkt[18] == bcast4[2] &&
	    pkt[19] == bcast4[3]);
}

#endif
