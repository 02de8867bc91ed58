/*
 * LAN replication, in the tun process (DESIGN.md, "LAN semantics").
 *
 * A broadcast or multicast packet read from the TUN device (lanclass.h
 * says which) goes, encrypted for each like any other packet, to every
 * hub peer that shares a network with broadcast on with this node: once
 * each, however many such networks the two share.  The hub says which
 * peers those are (the LAN flag of PEER_UP).  Such a packet from a peer
 * reaches the TUN device only if the peer is one of them; never from a
 * peer of hamd.conf, which may be any WireGuard.  Token buckets, one
 * for what this node sends and one per peer for what that peer sends,
 * keep one member from flooding the others; every refusal is counted
 * by reason (hamctl status and peers).
 */
#ifndef HAMD_LANREP_H
#define HAMD_LANREP_H

#include <stddef.h>
#include <stdint.h>

#include "ctl/ctlmsg.h"
#include "daemon/lanclass.h"
#include "daemon/wg.h"

/* Each sender's allowance: packets per second, and the bucket's size. */
#define LAN_RATE		500
#define LAN_BURST		1000
#define LAN_MAX_PEERS		4096	/* hub peers, by id - base */

struct lan_bucket {
	uint64_t		 tokens;	/* ns of credit */
	uint64_t		 last;		/* ns */
};

struct lan_peer {
	uint8_t			 on;
	uint32_t		 pos;		/* in lanrep.on[] while on */
	struct lan_bucket	 bucket;
	uint64_t		 rx, tx;
};

struct lanrep {
	struct wg_dev		*dev;
	uint32_t		 base;		/* the first hub peer id */
	struct lan_addrs	 addrs;
	uint64_t		 cost;		/* ns of credit a packet takes */
	uint64_t		 cap;		/* the bucket's size, ns */
	/*
	 * Test hook: a member that breaks the rules, sending past its own
	 * limit and to every hub peer, whatever the hub said.
	 */
	int			 rogue;
	struct lan_bucket	 self;
	struct ctl_lan		 st;
	uint32_t		 non;
	uint32_t		 on[LAN_MAX_PEERS];	/* ids, LAN on */
	struct lan_peer		 peers[LAN_MAX_PEERS];
	/*
	 * The packet every copy is sealed from: tun may have read it
	 * where wg seals (wg_tx_room), and the first copy would encrypt
	 * it in place under the later ones.
	 */
	uint8_t			 pkt[WG_DATA_MAX_PLAIN];
};

/*
 * Take one packet's credit (cost ns of a bucket of cap ns) at now > 0;
 * 0 if there is not enough.
 */
int		 lan_bucket_take(struct lan_bucket *, uint64_t cost,
		    uint64_t cap, uint64_t now);

/* Hub peers have ids base .. base + LAN_MAX_PEERS - 1; NULL: ENOMEM. */
struct lanrep	*lanrep_new(struct wg_dev *, uint32_t base);
void		 lanrep_free(struct lanrep *);
/* Packets per second and burst, each at least 1 (tests change them). */
void		 lanrep_set_rate(struct lanrep *, uint32_t rate,
		    uint32_t burst);
/*
 * The overlay the hub assigned (prefix lengths as in LOGIN_OK); a NULL
 * address leaves its family out.  Also sets the device's directed
 * broadcast for the receive path's cheap test.
 */
void		 lanrep_addrs(struct lanrep *, const uint8_t v4[4],
		    unsigned int plen4, const uint8_t v6[16],
		    unsigned int plen6);
/* Whether broadcast flows with hub peer id; ids of no hub peer: ignored. */
void		 lanrep_peer(struct lanrep *, uint32_t id, int on);
/* The peer is gone: off, its counters zeroed for the next one. */
void		 lanrep_peer_gone(struct lanrep *, uint32_t id);

/* A packet read from the TUN device that no peer routes (wg_io). */
void		 lanrep_send(struct lanrep *, const uint8_t *pkt, size_t len,
		    uint64_t now);
/*
 * A packet p sent, authenticated and from its own address, whose
 * destination lan_rx_maybe() names: 1 to write it to the device, 0 if
 * refused (counted in p's drops).
 */
int		 lanrep_accept(struct lanrep *, struct wg_peer *p,
		    const uint8_t *pkt, size_t len, uint64_t now);

void		 lanrep_peer_info(const struct lanrep *, uint32_t id,
		    struct ctl_peer_lan *);
void		 lanrep_stats(const struct lanrep *, struct ctl_lan *);

#endif
