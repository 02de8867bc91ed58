/*
 * Traffic meters; see meter.h.
 */
#include "autoconf.h"

#include "hub/meter.h"

/* The current and previous slots as of now's slot, without moving them. */
static void
slots_at(const struct meter *m, uint64_t slot, uint64_t *cb, uint64_t *pb,
    uint64_t *cp, uint64_t *pp)
{
	*cb = *pb = *cp = *pp = 0;
	/* A clock that went back (it does not) counts as the same slot. */
	if (slot <= m->slot) {
		*cb = m->cur_bytes;
		*pb = m->prev_bytes;
		*cp = m->cur_packets;
		*pp = m->prev_packets;
	} else if (slot == m->slot + 1) {
		*pb = m->cur_bytes;
		*pp = m->cur_packets;
	}
}

void
meter_add(struct meter *m, uint64_t len, uint64_t now)
{
	uint64_t	 slot = now / METER_SLOT_MS, cb, pb, cp, pp;

	if (slot > m->slot) {
		slots_at(m, slot, &cb, &pb, &cp, &pp);
		m->cur_bytes = cb;
		m->prev_bytes = pb;
		m->cur_packets = (uint32_t)cp;
		m->prev_packets = (uint32_t)pp;
		m->slot = slot;
	}
	m->bytes += len;
	m->packets++;
	m->cur_bytes += len;
	/* Four billion packets in a slot: beyond any link. */
	if (m->cur_packets < UINT32_MAX)
		m->cur_packets++;
}

/*
 * (prev * (S - e) / S + cur) per S ms, e the time into the current slot:
 * a steady stream reads steady at any e.  The products stay far inside
 * 64 bits for anything a slot can carry (2^40 bytes: 4 Tbit/s).
 */
static uint64_t
per_second(uint64_t cur, uint64_t prev, uint64_t e)
{
	const uint64_t	 S = METER_SLOT_MS;

	return (prev * (S - e) + cur * S) * 1000 / (S * S);
}

void
meter_rate(const struct meter *m, uint64_t now, uint64_t *bps, uint64_t *pps)
{
	uint64_t	 slot = now / METER_SLOT_MS, e, cb, pb, cp, pp;

	slots_at(m, slot, &cb, &pb, &cp, &pp);
	e = slot < m->slot ? 0 : now % METER_SLOT_MS;
	*bps = per_second(cb, pb, e);
	*pps = per_second(cp, pp, e);
}
