/*
 * RFC 6479 anti-replay window; see replay.h.
 *
 * Counter c lives in bit c % 64 of block (c / 64) % REPLAY_BLOCKS.  The
 * blocks from the one holding the highest counter back to
 * REPLAY_BLOCKS - 1 blocks before it are live; when a higher counter
 * arrives, every block strictly after the old highest one's, up to and
 * including the new one's, is recycled (cleared).  The oldest live block
 * then starts at most REPLAY_WINDOW_SIZE + 63 below the highest counter,
 * so every counter the window claims to remember is still in a live
 * block.
 */
#include "autoconf.h"

#include <string.h>

#include "crypto/replay.h"
#include "crypto/wg_result.h"
#include "crypto/wg_timers.h"

#define BLOCK(c)	((c) / REPLAY_BLOCK_BITS)
#define SLOT(b)		((b) % REPLAY_BLOCKS)
#define BIT(c)		(UINT64_C(1) << ((c) % REPLAY_BLOCK_BITS))

void
replay_init(struct replay_window *rw)
{
	memset(rw, 0, sizeof(*rw));
}

int
replay_check(const struct replay_window *rw, uint64_t c)
{
	if (c >= REJECT_AFTER_MESSAGES)
		return WG_DROP_COUNTER_LIMIT;
	if (c >= rw->next)
		return WG_OK;		/* new highest: never seen */
	/* c < next here, so next >= 1; REJECT_AFTER_MESSAGES keeps
	 * c + REPLAY_WINDOW_SIZE far from overflow. */
	if (c + REPLAY_WINDOW_SIZE < rw->next - 1)
		return WG_DROP_REPLAY;	/* older than the window */
	if (rw->map[SLOT(BLOCK(c))] & BIT(c))
		return WG_DROP_REPLAY;
	return WG_OK;
}

int
replay_commit(struct replay_window *rw, uint64_t c)
{
	uint64_t	first, last, n, b;
	int		r;

	if ((r = replay_check(rw, c)) != WG_OK)
		return r;
	if (c >= rw->next) {
		/*
		 * Recycle the blocks between the old highest counter's
		 * block (exclusive) and c's (inclusive).  With nothing
		 * accepted yet the map is all zero already, but clearing
		 * from block 0 is harmless and keeps one path.  A jump of
		 * more than a whole ring clears each block once.
		 */
		first = rw->next == 0 ? 0 : BLOCK(rw->next - 1) + 1;
		last = BLOCK(c);
		if (last >= first) {
			n = last - first + 1;
			if (n > REPLAY_BLOCKS)
				n = REPLAY_BLOCKS;
			for (b = 0; b < n; b++)
				rw->map[SLOT(first + b)] = 0;
		}
		rw->next = c + 1;
	}
	rw->map[SLOT(BLOCK(c))] |= BIT(c);
	return WG_OK;
}
