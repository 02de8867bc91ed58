/*
 * Rate limits in the hub's processes: token buckets, alone or in a
 * table found by a keyed hash, and the key that counts a source
 * address.  A table's hash is keyed so that nobody can pick identities
 * that share another's slot; when two do share one, the newcomer
 * inherits the tokens left, so a collision never grants a fresh burst.
 */
#ifndef HAMD_HUB_RATELIMIT_H
#define HAMD_HUB_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "ipc/addr.h"

/*
 * A source, as limits count it: one IPv4 address, or one IPv6 /64 (a
 * host usually has a whole /64 to pick addresses from).
 */
#define SRC_KEY_LEN	17
void	src_key(const struct pkt_addr *, uint8_t key[SRC_KEY_LEN]);

struct bucket {
	int		 tokens;
	int64_t		 last;		/* when the last token came; 0: new */
};

/*
 * Bring b up to now: a full burst the first time, then one more token
 * every `every` (in now's unit; now is never 0), burst at most.
 */
void	bucket_refill(struct bucket *, int burst, int64_t every, int64_t now);
/* Refill, then take a token if there is one.  1 if taken. */
int	bucket_take(struct bucket *, int burst, int64_t every, int64_t now);
/*
 * Refill both (each its own burst and interval, one clock), then take a
 * token from each only if both have one: a refusal by one never costs
 * the other.  1 if taken.
 */
int	bucket_take_both(struct bucket *, int burst, int64_t every,
	    struct bucket *, int burst2, int64_t every2, int64_t now);
/*
 * Take n tokens for work already done: the count may go below zero,
 * and the bucket then gives nothing until refills bring it back up.
 */
void	bucket_charge(struct bucket *, int n);

struct bucket_table {
	struct bucket	*slot;
	size_t		 n;
	uint8_t		 key[crypto_shorthash_KEYBYTES];
};

/* n slots, and a fresh hash key (getrandom).  -1 if out of memory. */
int	bucket_table_init(struct bucket_table *, size_t n);
/* The slot for id (any bytes). */
struct bucket *bucket_table_find(const struct bucket_table *, const void *id,
	    size_t len);

#endif
