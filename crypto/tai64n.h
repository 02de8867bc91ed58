/*
 * TAI64N timestamps, the payload of a WireGuard initiation.
 *
 * A responder accepts an initiation from a peer only if its timestamp is
 * strictly newer than the last one it accepted from that peer, so a
 * captured initiation cannot be replayed to reset a session.  12 bytes,
 * big-endian so that byte order is time order: 8 bytes of
 * 2^62 + 10 + unix seconds (the TAI64 label as WireGuard writes it,
 * ignoring leap seconds), then 4 bytes of nanoseconds.
 *
 * The nanoseconds are rounded down to a multiple of 2^24 ns (~16.8 ms),
 * as the Linux driver and wireguard-go do: initiations are limited to 50
 * per second anyway, and a precise clock reading would help an observer
 * fingerprint the host.
 */
#ifndef HAMD_TAI64N_H
#define HAMD_TAI64N_H

#include <stdint.h>

#define TAI64N_LEN		12
#define TAI64N_BASE		UINT64_C(0x400000000000000a)
#define TAI64N_WHITEN_MASK	((UINT32_C(1) << 24) - 1)

/* Encode a wall-clock time (whitened as above). */
void	tai64n_encode(uint8_t out[TAI64N_LEN], uint64_t unix_sec,
	    uint32_t nsec);
/* Encode the current wall-clock time (CLOCK_REALTIME). */
void	tai64n_now(uint8_t out[TAI64N_LEN]);
/* 1 if ts is strictly newer than last, else 0 (equal is a replay). */
int	tai64n_after(const uint8_t ts[TAI64N_LEN],
	    const uint8_t last[TAI64N_LEN]);

#endif
