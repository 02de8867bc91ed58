/*
 * Shared-memory rings for packet batches between two processes (hamd's
 * tun and engine).  The parent creates one sealed memfd and passes it
 * to both; each maps it and from then on the batches' bytes are written
 * once into shared memory instead of being copied into a socketpair and
 * out again.  What still crosses the socketpair is a 16-byte descriptor
 * per batch (struct pkt_ring_msg), in order with every other message on
 * that channel: a batch can never overtake a message sent before it, and
 * the descriptor is the reader's wake-up.
 *
 * Layout of the memory (PKTRING_MAP_LEN bytes):
 *
 *	[0, 4096)		control page: the release position of
 *				ring 0 at offset 0, of ring 1 at offset 64
 *	[4096, 4096 + S)	ring 0: written by side 0 (tun), read by 1
 *	[4096 + S, 4096 + 2S)	ring 1: written by side 1 (engine), read by 0
 *
 * Each side maps its own ring writable and the other's read-only.
 * Positions are byte counts since the start, never wrapping (64 bits);
 * a position's offset in the ring is pos % S.  A batch is contiguous:
 * one that would cross the end starts again at the next multiple of S.
 * The writer may reuse bytes only below the reader's release position,
 * which the reader stores once it is done with a batch (for the engine:
 * once its datagrams are sent, since the send reads them in place).
 *
 * Neither side trusts the other: the reader checks every descriptor
 * against where the next batch may start and the ring's bounds, copies
 * each record's header before checking it and uses only that copy (the
 * writer can change the shared bytes at any time), and the packet bytes
 * themselves must be copied before anything is decided on them.  The
 * writer checks that a release position lies between the last one and
 * what it has written.  Only ciphertext may ever be written here: the
 * engine reads all of it.
 */
#ifndef HAMD_PKTRING_H
#define HAMD_PKTRING_H

#include <stddef.h>
#include <stdint.h>

#define PKTRING_CTL_LEN		4096
#define PKTRING_SIZE		(8u << 20)	/* per direction */
#define PKTRING_MAP_LEN		(PKTRING_CTL_LEN + 2 * (size_t)PKTRING_SIZE)
/* The most one batch may hold: bytes and records. */
#define PKTRING_BATCH_MAX	(256u * 1024u)
#define PKTRING_BATCH_RECS	4096

/* IMSG_PKT_RING_OUT, IMSG_PKT_RING_IN: one batch in the ring. */
struct pkt_ring_msg {
	uint64_t	 pos;		/* where it starts */
	uint32_t	 len;		/* bytes of records */
	uint32_t	 count;		/* records */
};

/* IMSG_RING: parent -> tun and engine, with the memfd. */
struct ring_msg {
	uint32_t	 size;		/* bytes per direction: PKTRING_SIZE */
	uint32_t	 zero;
};

struct pktring {
	uint8_t		*data;		/* size bytes */
	size_t		 size;
	uint64_t	*released;	/* in the control page */
	/* writer */
	uint64_t	 head;		/* end of the last batch sent */
	uint64_t	 seen;		/* last release position read */
	int		 broken;	/* the reader released nonsense */
	/* reader */
	uint64_t	 expect;	/* where the next batch may start */
};

/* Both rings of one side, mapped; and the memory, for unmapping. */
struct pktring_map {
	struct pktring	 tx;		/* the ring this side writes */
	struct pktring	 rx;		/* the ring it reads */
	void		*base;
	size_t		 len;
};

/*
 * Map fd (PKTRING_MAP_LEN bytes) as side 0 or 1.  -1 with errno when
 * mmap fails or size is not PKTRING_SIZE.
 */
int	 pktring_map(struct pktring_map *, int fd, size_t size, int side);
void	 pktring_unmap(struct pktring_map *);
/*
 * The same from IMSG_RING's payload (struct ring_msg, len bytes) and
 * its fd, which is closed either way (the mapping does not need it).
 */
int	 pktring_map_msg(struct pktring_map *, const void *data, size_t len,
	    int fd, int side);

/* Writer: what the reader has released, checked; sets broken if bad. */
uint64_t pktring_released(struct pktring *);

/*
 * Reader: check a descriptor against the ring.  Returns a pointer to
 * the batch's first byte, or NULL if the descriptor is impossible.
 */
const uint8_t *pktring_batch(struct pktring *, const struct pkt_ring_msg *);
/* Reader: done with everything up to the end of the last batch. */
void	 pktring_release(struct pktring *);

#endif
