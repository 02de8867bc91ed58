/*
 * Anti-replay window for transport counters (RFC 6479, the same scheme
 * and size as the Linux WireGuard driver).
 *
 * A bitmap of REPLAY_BITS bits in 64-bit blocks, used as a ring: moving
 * the window forward clears whole blocks instead of shifting bits, so
 * the cost of a jump is bounded by the number of blocks.  One block is
 * always being recycled, so REPLAY_WINDOW_SIZE = 8192 - 64 = 8128
 * counters behind the highest one are remembered.  A counter is
 * accepted when it is below REJECT_AFTER_MESSAGES, not older than
 * highest - REPLAY_WINDOW_SIZE, and not seen before.
 *
 * Two calls, because a counter must only enter the window once its
 * packet authenticated (otherwise a forgery with a huge counter would
 * move the window and make every genuine packet look old):
 *
 *	replay_check()	 read-only; may run before decryption to skip the
 *			 work for an obvious replay.  Optional.
 *	replay_commit()	 after successful decryption only.  Checks again
 *			 and records the counter; this one is authoritative,
 *			 because with batched decryption two copies of one
 *			 packet can both pass replay_check() before either
 *			 commits.
 *
 * The struct is the caller's (one per receiving key) and holds no
 * secrets.  Not thread-safe.
 */
#ifndef HAMD_REPLAY_H
#define HAMD_REPLAY_H

#include <stdint.h>

#define REPLAY_BLOCK_BITS	64
#define REPLAY_BITS		8192
#define REPLAY_BLOCKS		(REPLAY_BITS / REPLAY_BLOCK_BITS)
#define REPLAY_WINDOW_SIZE	(REPLAY_BITS - REPLAY_BLOCK_BITS)

struct replay_window {
	uint64_t	next;	/* highest accepted counter + 1; 0: none */
	uint64_t	map[REPLAY_BLOCKS];	/* bit c % REPLAY_BITS: c seen */
};

void	replay_init(struct replay_window *);
/* WG_OK, WG_DROP_REPLAY or WG_DROP_COUNTER_LIMIT; changes nothing. */
int	replay_check(const struct replay_window *, uint64_t counter);
/* The same answer, and on WG_OK the counter is recorded. */
int	replay_commit(struct replay_window *, uint64_t counter);

#endif
