/*
 * Batches of packets between tun and engine: many packets in one message,
 * each with a small record saying which peer or address it belongs to.
 *
 * Both sides see only this interface (add/commit/flush on the way out,
 * foreach on the way in), whatever carries the batches: one imsg per
 * batch over the socketpair, or, once both sides have mapped the
 * shared-memory ring (ipc/pktring.h), the batch written in place into
 * the ring and a 16-byte descriptor over the socketpair.
 *
 * Payload layout: records back to back, each a struct pkt_rec followed
 * by len bytes of packet and zero padding to a multiple of 4.
 */
#ifndef HAMD_PKTBATCH_H
#define HAMD_PKTBATCH_H

#include <stddef.h>
#include <stdint.h>

#include "ipc/addr.h"
#include "ipc/imsg.h"
#include "ipc/pktring.h"

#define PKT_PEER_NONE	0xffffffffu
#define PKT_MAX_LEN	65535	/* a UDP datagram or a TUN super-packet */

/* Flags of a record. */
#define PKT_F_TO_ADDR	0x0001	/* send to addr, not to the peer's endpoint */
#define PKT_F_HANDSHAKE	0x0002	/* a handshake message (for counters) */
/*
 * A hub peer's probe (a handshake initiation or a keepalive tun made
 * for hole punching): the engine sends a copy to every candidate and to
 * the relay as well as to the current path.
 */
#define PKT_F_PROBE	0x0004
#define PKT_F_ALL	(PKT_F_TO_ADDR | PKT_F_HANDSHAKE | PKT_F_PROBE)

struct pkt_rec {
	uint32_t	 peer;		/* peer id or PKT_PEER_NONE */
	uint16_t	 len;		/* packet bytes after the record */
	uint16_t	 flags;
	struct pkt_addr	 addr;
};

struct pktbatch {
	struct imsgbuf	*ib;
	uint32_t	 type;		/* message type of the batches */
	struct ibuf	*cur;		/* the batch being filled */
	size_t		 used;
	uint8_t		*pending;	/* record of the packet being added */
	unsigned int	 count;		/* packets in cur */
	struct pktring	*ring;		/* NULL: batches as imsgs */
	uint32_t	 ring_type;	/* the descriptors' message type */
	uint64_t	 start;		/* ring: where the batch starts */
	uint64_t	 full;		/* ring: packets refused for room */
};

void	 pktbatch_init(struct pktbatch *, struct imsgbuf *, uint32_t type);
/*
 * Reserve room for a packet of up to maxlen bytes and return where to
 * write it; then pktbatch_commit with its real length.  NULL on ENOMEM
 * (or maxlen > PKT_MAX_LEN).  A full batch is queued first.
 */
uint8_t	*pktbatch_add(struct pktbatch *, uint32_t peer, uint16_t flags,
	    const struct pkt_addr *, size_t maxlen);
void	 pktbatch_commit(struct pktbatch *, size_t len);
/* Queue the current batch, if any; returns the packets it held. */
unsigned int pktbatch_flush(struct pktbatch *);
/* Drop the current batch unsent (shutdown). */
void	 pktbatch_discard(struct pktbatch *);
/*
 * From now on, batches go into ring r, each announced by a type
 * message (struct pkt_ring_msg).  What was batched so far is flushed
 * first, as an imsg.  In ring mode pktbatch_add returns NULL also when
 * the ring has no room (counted in full): the caller drops the packet.
 */
void	 pktbatch_use_ring(struct pktbatch *, struct pktring *r,
	    uint32_t type);
/*
 * Bytes that can still be added before the reader must release some;
 * SIZE_MAX without a ring (a socketpair's queue grows as needed).
 */
size_t	 pktbatch_room(struct pktbatch *);
/* 1 if the reader of the ring released a position it cannot have. */
int	 pktbatch_broken(const struct pktbatch *);

/*
 * Walk a received batch.  The whole payload is validated first (record
 * sizes, lengths, padding, flags, address family), so a malformed batch
 * makes no callback at all and returns -1; otherwise fn is called once
 * per packet and the count is returned.
 */
typedef void (*pktbatch_fn)(void *arg, const struct pkt_rec *,
    const uint8_t *pkt);
int	pktbatch_foreach(const uint8_t *payload, size_t len, pktbatch_fn,
	    void *arg);
/*
 * The same for a batch in a ring, from its descriptor (the payload of
 * the ring's message type, struct pkt_ring_msg).  The records' headers
 * are copied out of the shared memory and checked before any callback;
 * the packet pointers point into the ring, whose bytes the other side
 * can still change: copy before deciding anything on them.  -1 for an
 * impossible descriptor or a malformed batch; the caller then
 * pktring_release()s once it no longer needs the packets.
 */
int	pktbatch_ring_foreach(struct pktring *, const void *desc, size_t len,
	    pktbatch_fn, void *arg);

#endif
