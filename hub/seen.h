/*
 * The handshake timestamps the hub remembers per node key, so that a
 * replayed INIT is refused before it costs the node anything
 * (PROTOCOL.md, "Handshake").  In memory only, and bounded: a key
 * enters when it logs in, never for a handshake alone, and in one of
 * two parts that each forget their least recently used key when full:
 * nodes that belong to a network, and the others.  A flood of new keys
 * (which belong to no network: joining costs a password hash, rate
 * limited) can only churn the second part, never push out the keys of
 * the nodes that matter.
 */
#ifndef HAMD_HUB_SEEN_H
#define HAMD_HUB_SEEN_H

#include <stdint.h>

#include "crypto/tai64n.h"

#define SEEN_MEMBERS_MAX	65536	/* keys of nodes in a network */
#define SEEN_OTHERS_MAX		16384	/* keys of the others */

/* Before the sandbox: draws the hash's secret. */
void	seen_init(void);
/*
 * A handshake of key with timestamp ts: 0 if it is not newer than the
 * last one taken from that key (a replay), else 1 (and it is the last
 * one now, if the key is remembered).
 */
int	seen_check(const uint8_t key[32], const uint8_t ts[TAI64N_LEN]);
/* key logged in with ts; member: it belongs to a network. */
void	seen_login(const uint8_t key[32], const uint8_t ts[TAI64N_LEN],
	    int member);
/* Keys remembered, in each part. */
uint32_t seen_count(int member);

#endif
