/*
 * Chained hash tables that grow with what they hold, so that a lookup
 * stays about one comparison whether the hub has ten sessions or a
 * hundred thousand.  Intrusive: the element embeds a struct hlink and
 * the caller computes the hash (keyed, when the network picks the
 * keys) and compares; the table only keeps the chains.
 *
 * Growing needs memory; when there is none the table keeps its size
 * and its chains grow longer instead: only the very first buckets
 * must be had.
 */
#ifndef HAMD_HUB_HTAB_H
#define HAMD_HUB_HTAB_H

#include <stddef.h>
#include <stdint.h>

struct hlink {
	struct hlink	*next;
	uint64_t	 hash;
};

struct htab {
	struct hlink	**b;
	size_t		 nb;		/* power of two, 0 before the first */
	size_t		 n;
};

/* The chain hash belongs to; walk it with ->next, comparing hash first. */
struct hlink	*htab_chain(const struct htab *, uint64_t hash);
/* -1 only when the table has no buckets yet and none can be had. */
int		 htab_insert(struct htab *, struct hlink *, uint64_t hash);
void		 htab_remove(struct htab *, struct hlink *);
void		 htab_free(struct htab *);

/* A 32-bit number the caller does not choose freely, mixed. */
uint64_t	 htab_hash32(uint32_t);

#define HTAB_ENTRY(l, type, field) \
	((type *)(void *)((char *)(l) - offsetof(type, field)))

#endif
