/*
 * What the hub carries for one node in one direction: totals, and a
 * rate over the last METER_SLOT_MS..2 * METER_SLOT_MS without a timer.
 * Each meter keeps the bytes and packets of the current slot of time
 * and of the one before; a count moves the slots on when its time is
 * in a later one, so an idle meter costs nothing, and a rate is read
 * only when someone asks (the sliding-window estimate: the slot before
 * weighted by the share of it still inside the window, plus the current
 * one).  Pure code: the caller passes the time, so the unit tests drive
 * it directly.
 */
#ifndef HAMD_HUB_METER_H
#define HAMD_HUB_METER_H

#include <stdint.h>

#define METER_SLOT_MS	2000

struct meter {
	uint64_t	 bytes, packets;		/* ever */
	uint64_t	 cur_bytes, prev_bytes;		/* this slot, the one
							   before */
	uint32_t	 cur_packets, prev_packets;
	uint64_t	 slot;				/* of cur: ms / slot */
};

/* One packet (or frame) of len bytes at now (ms, monotonic). */
void	meter_add(struct meter *, uint64_t len, uint64_t now);
/* Bytes and packets per second at now; 0 for a meter idle since 2 slots. */
void	meter_rate(const struct meter *, uint64_t now, uint64_t *bytes_per_s,
	    uint64_t *packets_per_s);

#endif
