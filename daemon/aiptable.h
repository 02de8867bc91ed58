/*
 * The allowed-IPs table's insides (see allowedips.c): the trie and
 * index nodes, and the small walks over them that both the table and
 * the tests' invariant checker (tests/unit/aipverify.h) need.  Nothing
 * but those two includes it; the rest of hamd knows the table only
 * through daemon/allowedips.h.
 */
#ifndef HAMD_AIPTABLE_H
#define HAMD_AIPTABLE_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

/* allowedips.h's AIP_NONE (asserted there): no peer. */
#define AIP_NONE	UINT32_MAX

#define AIP_V4		0
#define AIP_V6		1
#define AIP_BUCKETS_MIN	16
#define AIP_BUCKETS_MAX	((size_t)1 << 24)

#define FIB_STRIDE	6
#define FIB_SLOTS	64
#define FIB_LEVELS	(128 / FIB_STRIDE + 1)	/* IPv6: depths 0..21 */

struct aip_peer;

/*
 * A trie node.  Its key has the bits beyond plen cleared and mask has
 * plen leading ones.  Branch points have no owner and PEER_NONE.  bitw
 * and bitsh locate bit plen of a key, the one that picks the child.
 */
struct aip_node {
	struct aip_node		*child[2];
	uint64_t		 key[2];
	uint64_t		 mask[2];
	uint32_t		 peer;
	uint8_t			 bitw;
	uint8_t			 bitsh;
	uint8_t			 plen;
	uint8_t			 fam;		/* AIP_V4, AIP_V6 */
	struct aip_node		*parent;
	struct aip_peer		*owner;
	TAILQ_ENTRY(aip_node)	 entry;		/* owner->nodes */
};

struct aip_peer {
	struct aip_peer		*next;		/* hash chain */
	TAILQ_HEAD(, aip_node)	 nodes;
	uint32_t		 id;
	uint32_t		 count;
};

/*
 * An index node at depth d looks at key bits [6d, 6d + 6) and holds the
 * prefixes of length 6d .. 6d + 5 under its path (the key's first 6d
 * bits).  Slot i's best such prefix is the peer id of the run holding
 * i, leaves[popcount(leafvec & bits 1..i)]: bit j > 0 of leafvec says a
 * run starts at slot j.  One always starts at slot 0, so bit 0 is free
 * to say that the leaves sit in the node itself, as they do for most
 * nodes (a few runs): no allocation, and no second cache line to read.
 *
 * The index is path-compressed: a node that holds no prefix and has
 * one child is left out, and the child, deeper than depth + 1, carries
 * the path that a lookup must check.  Otherwise 10,000 IPv6 hosts in
 * one /64 would mean ten levels of single-child nodes under each.  A
 * node is one cache line.
 */
#define FIB_INLINE	1ULL
#define FIB_INLINE_MAX	4

struct fib_node {
	uint64_t		 vector;
	uint64_t		 leafvec;
	struct fib_node		*children;	/* in slot order */
	uint64_t		 key[2];	/* path; the rest 0 */
	union {
		uint32_t	*ptr;
		uint32_t	 inl[FIB_INLINE_MAX];
	}			 lv;
	uint8_t			 depth;
};

_Static_assert(sizeof(struct fib_node) <= 64, "an index node is a line");

struct allowedips {
	struct aip_node		*root[2];
	struct fib_node		 fib[2];
	int			 fib_ok[2];
	int			 hw_popcnt;
	size_t			 fib_retry[2];	/* changes to wait */
	size_t			 count;
	size_t			 max;
	struct aip_peer		**buckets;
	size_t			 nbuckets;	/* a power of two */
	unsigned int		 bucket_bits;
	size_t			 npeers;
	size_t			 ntrie;		/* trie nodes */
	size_t			 nfib;		/* index nodes */
	size_t			 nleaves;	/* leaves allocated */
};

static const unsigned int aip_width[2] = { 32, 128 };

static inline void
aip_mask(unsigned int plen, uint64_t m[2])
{
	/* Shifts by 64 are undefined, hence the cases. */
	if (plen == 0)
		m[0] = 0;
	else if (plen >= 64)
		m[0] = UINT64_MAX;
	else
		m[0] = UINT64_MAX << (64 - plen);
	if (plen <= 64)
		m[1] = 0;
	else
		m[1] = UINT64_MAX << (128 - plen);
}

static inline unsigned int
aip_bit(const uint64_t k[2], unsigned int i)
{
	return (k[i >> 6] >> (63 - (i & 63))) & 1;
}

/*
 * Generic x86-64 has no popcnt instruction, and there the builtin is a
 * call into libgcc; this is not.  Lookups pick the instruction at run
 * time where the CPU has it (see allowedips_lookup).
 */
#if defined(__x86_64__) && !defined(__POPCNT__)
#define AIP_POPCNT_DISPATCH
#endif

static inline unsigned int
aip_popcount(uint64_t x)
{
#if defined(__POPCNT__) || defined(__aarch64__)
	return (unsigned int)__builtin_popcountll(x);
#else
	x -= (x >> 1) & 0x5555555555555555ULL;
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (unsigned int)((x * 0x0101010101010101ULL) >> 56);
#endif
}

/* The 6 bits of k at depth d of the index, as a slot number. */
static inline unsigned int
fib_slot(const uint64_t k[2], unsigned int d)
{
	unsigned int	 pos = d * FIB_STRIDE;
	uint64_t	 top;

	if (pos == 0)
		top = k[0];
	else if (pos < 64)
		top = (k[0] << pos) | (k[1] >> (64 - pos));
	else
		top = k[1] << (pos - 64);
	return (unsigned int)(top >> (64 - FIB_STRIDE));
}

static inline size_t
aip_hash(const struct allowedips *t, uint32_t id)
{
	/* Fibonacci hashing: take the high bits, the well-mixed ones. */
	return (uint32_t)(id * 2654435761U) >> (32 - t->bucket_bits);
}

static inline const uint32_t *
fib_leaves(const struct fib_node *n)
{
	return (n->leafvec & FIB_INLINE) ? n->lv.inl : n->lv.ptr;
}

static inline unsigned int
fib_runs(const struct fib_node *n)
{
	return 1 + aip_popcount(n->leafvec & ~FIB_INLINE);
}

/* Does the node hold no prefix of its own? */
static inline int
fib_bare(const struct fib_node *n)
{
	return n->leafvec == FIB_INLINE &&
	    n->lv.inl[0] == AIP_NONE;
}

/*
 * Does k leave n's path?  Only the bits the parent did not check can
 * differ, but checking them all costs no more.  6d is never 0 or 64.
 */
static inline int
fib_off_path(const uint64_t k[2], const struct fib_node *n)
{
	unsigned int	 len = n->depth * FIB_STRIDE;

	if (len < 64)
		return ((k[0] ^ n->key[0]) >> (64 - len)) != 0;
	return k[0] != n->key[0] ||
	    ((k[1] ^ n->key[1]) >> (128 - len)) != 0;
}

static inline struct fib_node *
fib_child(const struct fib_node *n, unsigned int slot)
{
	return &n->children[aip_popcount(n->vector & ((1ULL << slot) - 1))];
}

/*
 * The walk, inlined twice on x86-64: hw says whether the popcnt
 * instruction may be used.  A node holds PEER_NONE where no prefix of
 * its own covers the slot; that must not hide a match from above.
 * Below a node off the key's path nothing can match.
 */
static inline __attribute__((always_inline)) uint32_t
fib_lookup(const struct fib_node *n, const uint64_t k[2], int hw)
{
	uint64_t	 below, upto;
	uint32_t	 best = AIP_NONE, leaf;
	unsigned int	 i, r;

	for (;;) {
		i = fib_slot(k, n->depth);
		upto = n->leafvec & (UINT64_MAX - FIB_INLINE) &
		    (UINT64_MAX >> (63 - i));
		r = hw ? (unsigned int)__builtin_popcountll(upto) :
		    aip_popcount(upto);
		leaf = fib_leaves(n)[r];
		if (leaf != AIP_NONE)
			best = leaf;
		if ((n->vector & (1ULL << i)) == 0)
			break;
		below = n->vector & ((1ULL << i) - 1);
		r = hw ? (unsigned int)__builtin_popcountll(below) :
		    aip_popcount(below);
		n = &n->children[r];
		if (fib_off_path(k, n))
			break;
	}
	return best;
}

/*
 * The node after n in preorder, NULL after the last: iterative, with no
 * stack, since parent pointers lead back up.
 */
static inline const struct aip_node *
aip_walk_next(const struct aip_node *n)
{
	if (n->child[0] != NULL)
		return n->child[0];
	if (n->child[1] != NULL)
		return n->child[1];
	while (n->parent != NULL && (n == n->parent->child[1] ||
	    n->parent->child[1] == NULL))
		n = n->parent;
	return n->parent != NULL ? n->parent->child[1] : NULL;
}

struct aip_peer	*aip_peer_find(const struct allowedips *, uint32_t id);
/*
 * The trie's answer for k, counting only entries of length lo..hi.
 * With the full range, this is the lookup the index stands in for.
 */
uint32_t	 aip_trie_lookup(const struct allowedips *, int fam,
		    const uint64_t k[2], unsigned int lo, unsigned int hi);
/* What slot i of the node at depth d on k's path must hold. */
void		 fib_expand(const struct allowedips *, int fam,
		    const uint64_t k[2], unsigned int d, uint32_t exp[FIB_SLOTS]);
#ifdef AIP_POPCNT_DISPATCH
uint32_t	 fib_lookup_popcnt(const struct fib_node *, const uint64_t k[2]);
#endif

#endif
