/*
 * Ethernet networks, in the tun process (DESIGN.md, "LAN semantics"):
 * the node's TAP device is a port of a switch whose other ports are the
 * hub peers that share an Ethernet network with it (the ETHERNET flag
 * of PEER_UP).  Each port's MAC address is bound to its key
 * (lan_mac_of), the layer-2 analogue of allowed IPs, so there is no
 * learning: a unicast frame goes to the one peer whose key gives its
 * destination, a broadcast or multicast frame to every such peer, once
 * each; a frame from a peer is written to the TAP device only if its
 * source is that peer's own address and its destination ours, broadcast
 * or multicast.  Non-IP protocols (ARP, IPX, raw 802.3) pass as they
 * are.  Broadcast and multicast frames share the LAN's token buckets'
 * rates (lanrep.h), in buckets of their own.
 *
 * On the wire a frame rides in an ordinary WireGuard data message,
 * behind a 4-byte header that no IP packet starts with:
 *
 *	0	0xe0 (high nibble 14: neither IPv4 nor IPv6)
 *	1	0, reserved
 *	2..3	the frame's length, big-endian (the message is padded)
 *	4..	the frame: destination, source, type or length, payload
 *
 * A receiver looks for it only where the plaintext is not an IP
 * packet; a plain WireGuard peer, which would drop it, is never sent
 * one (only peers the hub flags are ports).
 */
#ifndef HAMD_L2SW_H
#define HAMD_L2SW_H

#include <stddef.h>
#include <stdint.h>

#include "ctl/ctlmsg.h"
#include "daemon/lanclass.h"
#include "daemon/lanrep.h"
#include "daemon/wg.h"

#define L2_HDR_LEN		4
#define L2_TYPE			0xe0
#define L2_ETH_HDR		14	/* destination, source, type */
/* The TAP device's MTU is the tunnel's less this: a VLAN tag fits too. */
#define L2_TAP_OVERHEAD		(L2_HDR_LEN + L2_ETH_HDR + 4)

struct l2_port {
	uint8_t			 on;
	uint8_t			 mac[LAN_MAC_LEN];
	uint32_t		 pos;		/* in l2sw.on[] while on */
	struct lan_bucket	 bucket;
	uint64_t		 rx, tx;
};

struct l2sw {
	struct wg_dev		*dev;
	uint32_t		 base;		/* the first hub peer id */
	uint8_t			 mac[LAN_MAC_LEN];	/* ours */
	int			 have_mac;
	size_t			 max_frame;	/* what fits the tunnel */
	uint64_t		 cost, cap;	/* the buckets, as lanrep's */
	int			 rogue;		/* test hook: no checks of ours */
	struct lan_bucket	 self;
	struct ctl_l2		 st;
	/* frames for the TAP device, and their length */
	void			 (*tap_write)(void *, const uint8_t *, size_t);
	void			*tap_arg;
	uint32_t		 non;
	uint32_t		 on[LAN_MAX_PEERS];	/* ids, ports */
	struct l2_port		 ports[LAN_MAX_PEERS];
	uint8_t			 buf[L2_HDR_LEN + 65536];
};

/* Hub peers have ids base .. base + LAN_MAX_PEERS - 1; NULL: ENOMEM. */
struct l2sw	*l2sw_new(struct wg_dev *, uint32_t base,
		    void (*tap_write)(void *, const uint8_t *, size_t),
		    void *arg);
void		 l2sw_free(struct l2sw *);
/* Our key (our MAC), and the tunnel's MTU (what a frame may take). */
void		 l2sw_self(struct l2sw *, const uint8_t key[32], size_t mtu);
void		 l2sw_set_rate(struct l2sw *, uint32_t rate, uint32_t burst);
/* Hub peer id (with key) is a port, or not; other ids are ignored. */
void		 l2sw_peer(struct l2sw *, uint32_t id, const uint8_t key[32],
		    int on);
void		 l2sw_peer_gone(struct l2sw *, uint32_t id);

/* A frame read from the TAP device. */
void		 l2sw_send(struct l2sw *, const uint8_t *frame, size_t len,
		    uint64_t now);
/*
 * A decrypted plaintext from p that is not an IP packet (wg_io's
 * frame_in): a frame goes to the TAP device, or is counted in p's drops.
 */
void		 l2sw_receive(struct l2sw *, struct wg_peer *p,
		    const uint8_t *pt, size_t len, uint64_t now);

void		 l2sw_peer_info(const struct l2sw *, uint32_t id,
		    struct ctl_peer_lan *);
void		 l2sw_stats(const struct l2sw *, struct ctl_l2 *);

#endif
