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
	int64_t		 last;		/* when the last token came; 0: new;
				   < 0: inherited (bucket_table) */
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

/*
 * A table of buckets found by a keyed hash.  It starts small and
 * doubles as identities arrive, up to the most it was given: a small
 * hub pays for the identities it has seen, not for a large hub's room.
 * It doubles once the identities that used it since it last grew pass
 * 1/BUCKET_TABLE_SPARSE of its size, so that two rarely share a slot
 * while it can still grow; past the most, sharing grows with the
 * crowd.  Doubling copies each slot into both its heirs (the id in
 * slot i of n slots is in slot i or i + n of 2n), so nobody gains a
 * fresh burst by it; an heir's first use counts as an identity's.  A
 * doubling that finds no memory leaves the table as it was.
 */
#define BUCKET_TABLE_FIRST	1024
#define BUCKET_TABLE_SPARSE	16

struct bucket_table {
	struct bucket	*slot;
	size_t		 n;		/* a power of two */
	size_t		 max;
	size_t		 used;		/* slots first used at this size */
	uint8_t		 key[crypto_shorthash_KEYBYTES];
};

/*
 * At most max slots (a power of two), a fresh hash key (getrandom).
 * -1 if out of memory.
 */
int	bucket_table_init(struct bucket_table *, size_t max);
/*
 * The slot for id (any bytes).  Valid until the next find in the same
 * table, which may move the slots.
 */
struct bucket *bucket_table_find(struct bucket_table *, const void *id,
	    size_t len);

#endif
