/*
 * TAI64N timestamps; see tai64n.h.
 */
#include "autoconf.h"

#include <string.h>
#include <time.h>

#include "compat/bytes.h"
#include "crypto/tai64n.h"

void
tai64n_encode(uint8_t out[TAI64N_LEN], uint64_t unix_sec, uint32_t nsec)
{
	uint64_t	label = TAI64N_BASE + unix_sec;

	put_be32(out, (uint32_t)(label >> 32));
	put_be32(out + 4, (uint32_t)label);
	put_be32(out + 8, nsec & ~TAI64N_WHITEN_MASK);
}

void
tai64n_now(uint8_t out[TAI64N_LEN])
{
	struct timespec	ts;

	/* CLOCK_REALTIME cannot fail with a valid pointer; a zero time
	 * would only make the peer refuse us, never accept a replay. */
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 0)
		ts.tv_sec = ts.tv_nsec = 0;
	tai64n_encode(out, (uint64_t)ts.tv_sec, (uint32_t)ts.tv_nsec);
}

int
tai64n_after(const uint8_t ts[TAI64N_LEN], const uint8_t last[TAI64N_LEN])
{
	/* Timestamps are not secret: they travel encrypted but the peer
	 * chose them, so an ordinary comparison is fine. */
	return memcmp(ts, last, TAI64N_LEN) > 0;
}
