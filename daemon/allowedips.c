/*
 * The allowed-IPs table.  Two structures per address family:
 *
 * The trie is the truth.  A path-compressed binary trie whose nodes
 * stand for prefixes: each either maps its prefix to a peer (an entry)
 * or exists only because two subtrees part there (a branch point, which
 * always has both children).  A child's prefix extends its parent's;
 * the bit right after the parent's length picks the side.  With no
 * one-child branch points, n entries need fewer than 2n nodes.  Inserts,
 * removals, the per-peer lists and the listings all work here.
 *
 * The index is what lookups read.  A binary trie costs one dependent
 * load per level, some 14 for 10,000 prefixes, and on the virtual
 * machines hamd was measured on a load that misses the L2 cache costs
 * about 180 ns: the trie alone took 190 ns a lookup.  So lookups
 * use a multibit trie of stride 6, compressed like Poptrie: a node
 * has a 64-bit vector of which of its 64 slots have a child, the
 * children contiguous in slot order (found by popcount), and the best
 * prefix ending inside the node for each slot, stored as runs (a
 * 64-bit vector marking where a run starts, and one peer id per run).
 * Unlike Poptrie, a node holds only prefixes ending inside it and the
 * lookup keeps the best seen so far: a change to one prefix rewrites
 * one node, never a subtree.  IPv4 needs at most 6 levels, and the
 * whole index of 10,000 prefixes is a few hundred kilobytes.
 *
 * Every change to the trie is replayed into the index.  If that fails
 * for want of memory the index of that family is dropped and lookups
 * fall back to the trie (slower, still right) until a later change
 * manages to rebuild it.
 *
 * Keys are two host-order 64-bit words, most significant bit first; an
 * IPv4 address sits in the top half of the first word.  IPv4 thus
 * costs a few wasted instructions but shares every line with IPv6.
 *
 * Each peer with prefixes has a small record in a hash table holding
 * the list of its entries, so that removing a peer, or listing its
 * prefixes for hamctl, costs what that peer holds, not the whole table.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/queue.h>

#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/allowedips.h"

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

static int
aip_fam(int af)
{
	if (af == AF_INET)
		return (AIP_V4);
	if (af == AF_INET6)
		return (AIP_V6);
	return (-1);
}

static inline void
aip_load(int fam, const void *addr, uint64_t k[2])
{
	uint32_t	 a4;
	uint64_t	 a6[2];

	/* memcpy: packet headers give no alignment guarantee. */
	if (fam == AIP_V4) {
		memcpy(&a4, addr, sizeof(a4));
		k[0] = (uint64_t)be32toh(a4) << 32;
		k[1] = 0;
	} else {
		memcpy(a6, addr, sizeof(a6));
		k[0] = be64toh(a6[0]);
		k[1] = be64toh(a6[1]);
	}
}

static void
aip_store(int fam, const uint64_t k[2], uint8_t *out)
{
	uint32_t	 a4;
	uint64_t	 a6[2];

	if (fam == AIP_V4) {
		a4 = htobe32((uint32_t)(k[0] >> 32));
		memcpy(out, &a4, sizeof(a4));
	} else {
		a6[0] = htobe64(k[0]);
		a6[1] = htobe64(k[1]);
		memcpy(out, a6, sizeof(a6));
	}
}

static void
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
	return ((k[i >> 6] >> (63 - (i & 63))) & 1);
}

/* Length of the common leading part of two keys, at most 128. */
static unsigned int
aip_common(const uint64_t a[2], const uint64_t b[2])
{
	uint64_t	 x;

	if ((x = a[0] ^ b[0]) != 0)
		return ((unsigned int)__builtin_clzll(x));
	if ((x = a[1] ^ b[1]) != 0)
		return (64 + (unsigned int)__builtin_clzll(x));
	return (128);
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
	return ((unsigned int)__builtin_popcountll(x));
#else
	x -= (x >> 1) & 0x5555555555555555ULL;
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return ((unsigned int)((x * 0x0101010101010101ULL) >> 56));
#endif
}

/* The 6 bits of k at depth d of the index, as a slot number. */
static unsigned int
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
	return ((unsigned int)(top >> (64 - FIB_STRIDE)));
}

/* k with bits [pos, pos + 6) replaced by slot; bits beyond are cleared. */
static void
fib_with_slot(const uint64_t k[2], unsigned int pos, unsigned int slot,
    unsigned int width, uint64_t out[2])
{
	uint64_t	 m[2], v = (uint64_t)slot << (64 - FIB_STRIDE);

	aip_mask(pos, m);
	out[0] = k[0] & m[0];
	out[1] = k[1] & m[1];
	if (pos < 64) {
		out[0] |= v >> pos;
		if (pos > 64 - FIB_STRIDE)
			out[1] |= v << (64 - pos);
	} else
		out[1] |= v >> (pos - 64);
	aip_mask(width, m);
	out[0] &= m[0];
	out[1] &= m[1];
}

static struct aip_node *
aip_node_new(struct allowedips *t, int fam, const uint64_t k[2],
    unsigned int plen)
{
	struct aip_node	*n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return (NULL);
	aip_mask(plen, n->mask);
	n->key[0] = k[0] & n->mask[0];
	n->key[1] = k[1] & n->mask[1];
	n->plen = (uint8_t)plen;
	/*
	 * At plen == width there are no children, and word 0 keeps the
	 * read inside the key; the result is never used.
	 */
	n->bitw = (plen >> 6) & 1;
	n->bitsh = 63 - (plen & 63);
	n->fam = (uint8_t)fam;
	n->peer = ALLOWEDIPS_PEER_NONE;
	t->ntrie++;
	return (n);
}

static void
aip_node_free(struct allowedips *t, struct aip_node *n)
{
	if (n == NULL)
		return;
	t->ntrie--;
	free(n);
}

static struct aip_node **
aip_slot(struct allowedips *t, struct aip_node *n)
{
	struct aip_node	*p = n->parent;

	if (p == NULL)
		return (&t->root[n->fam]);
	return (&p->child[p->child[0] == n ? 0 : 1]);
}

static inline size_t
aip_hash(const struct allowedips *t, uint32_t id)
{
	/* Fibonacci hashing: take the high bits, the well-mixed ones. */
	return ((uint32_t)(id * 2654435761U) >> (32 - t->bucket_bits));
}

static struct aip_peer *
aip_peer_find(const struct allowedips *t, uint32_t id)
{
	struct aip_peer	*p;

	for (p = t->buckets[aip_hash(t, id)]; p != NULL; p = p->next)
		if (p->id == id)
			return (p);
	return (NULL);
}

/* Doubling is an optimisation: if memory is short, chains grow instead. */
static void
aip_rehash(struct allowedips *t)
{
	struct aip_peer	**nb, **ob = t->buckets, *p, *next;
	size_t		 i, on = t->nbuckets, h;

	if (t->nbuckets >= AIP_BUCKETS_MAX)
		return;
	if ((nb = calloc(on * 2, sizeof(*nb))) == NULL)
		return;
	t->buckets = nb;
	t->nbuckets = on * 2;
	t->bucket_bits++;
	for (i = 0; i < on; i++) {
		for (p = ob[i]; p != NULL; p = next) {
			next = p->next;
			h = aip_hash(t, p->id);
			p->next = nb[h];
			nb[h] = p;
		}
	}
	free(ob);
}

static struct aip_peer *
aip_peer_get(struct allowedips *t, uint32_t id)
{
	struct aip_peer	*p;
	size_t		 h;

	if ((p = aip_peer_find(t, id)) != NULL)
		return (p);
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (NULL);
	p->id = id;
	TAILQ_INIT(&p->nodes);
	h = aip_hash(t, id);
	p->next = t->buckets[h];
	t->buckets[h] = p;
	if (++t->npeers > t->nbuckets)
		aip_rehash(t);
	return (p);
}

/* A peer record lives exactly as long as the peer holds a prefix. */
static void
aip_peer_put(struct allowedips *t, struct aip_peer *p)
{
	struct aip_peer	**pp;

	if (p->count != 0)
		return;
	for (pp = &t->buckets[aip_hash(t, p->id)]; *pp != p; pp = &(*pp)->next)
		;
	*pp = p->next;
	t->npeers--;
	free(p);
}

static void
aip_attach(struct aip_node *n, struct aip_peer *p)
{
	n->owner = p;
	n->peer = p->id;
	TAILQ_INSERT_TAIL(&p->nodes, n, entry);
	p->count++;
}

static void
aip_detach(struct allowedips *t, struct aip_node *n)
{
	struct aip_peer	*p = n->owner;

	TAILQ_REMOVE(&p->nodes, n, entry);
	p->count--;
	n->owner = NULL;
	n->peer = ALLOWEDIPS_PEER_NONE;
	aip_peer_put(t, p);
}

/*
 * The trie's answer for k, counting only entries of length lo..hi.
 * With the full range, this is the lookup the index stands in for.
 */
static uint32_t
aip_trie_lookup(const struct allowedips *t, int fam, const uint64_t k[2],
    unsigned int lo, unsigned int hi)
{
	const struct aip_node	*n;
	uint32_t		 best = ALLOWEDIPS_PEER_NONE;

	for (n = t->root[fam]; n != NULL && n->plen <= hi;
	    n = n->child[(k[n->bitw] >> n->bitsh) & 1]) {
		if ((((k[0] ^ n->key[0]) & n->mask[0]) |
		    ((k[1] ^ n->key[1]) & n->mask[1])) != 0)
			break;
		if (n->owner != NULL && n->plen >= lo)
			best = n->peer;
	}
	return (best);
}

static inline const uint32_t *
fib_leaves(const struct fib_node *n)
{
	return ((n->leafvec & FIB_INLINE) ? n->lv.inl : n->lv.ptr);
}

static inline unsigned int
fib_runs(const struct fib_node *n)
{
	return (1 + aip_popcount(n->leafvec & ~FIB_INLINE));
}

/* Does the node hold no prefix of its own? */
static inline int
fib_bare(const struct fib_node *n)
{
	return (n->leafvec == FIB_INLINE &&
	    n->lv.inl[0] == ALLOWEDIPS_PEER_NONE);
}

static void
fib_put_leaves(struct allowedips *t, struct fib_node *n)
{
	if ((n->leafvec & FIB_INLINE) == 0) {
		t->nleaves -= fib_runs(n);
		free(n->lv.ptr);
	}
	n->leafvec = FIB_INLINE;
	memset(&n->lv, 0, sizeof(n->lv));
	n->lv.inl[0] = ALLOWEDIPS_PEER_NONE;
}

/* A bare node at depth d on k's path. */
static void
fib_init(struct fib_node *n, const uint64_t k[2], unsigned int d)
{
	uint64_t	 m[2];

	memset(n, 0, sizeof(*n));
	n->leafvec = FIB_INLINE;
	n->lv.inl[0] = ALLOWEDIPS_PEER_NONE;
	n->depth = (uint8_t)d;
	aip_mask(d * FIB_STRIDE, m);
	n->key[0] = k[0] & m[0];
	n->key[1] = k[1] & m[1];
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
		return (((k[0] ^ n->key[0]) >> (64 - len)) != 0);
	return (k[0] != n->key[0] ||
	    ((k[1] ^ n->key[1]) >> (128 - len)) != 0);
}

static struct fib_node *
fib_block(unsigned int cnt)
{
	void	*p;

	/* Aligned, so that each node is exactly one cache line. */
	if (posix_memalign(&p, sizeof(struct fib_node),
	    cnt * sizeof(struct fib_node)) != 0)
		return (NULL);
	return (p);
}

static inline struct fib_node *
fib_child(const struct fib_node *n, unsigned int slot)
{
	return (&n->children[aip_popcount(n->vector & ((1ULL << slot) - 1))]);
}

/* Free what hangs below n; recursion depth is at most FIB_LEVELS. */
static void
fib_clear(struct allowedips *t, struct fib_node *n)
{
	unsigned int	 i, nc = aip_popcount(n->vector);

	for (i = 0; i < nc; i++)
		fib_clear(t, &n->children[i]);
	free(n->children);
	t->nfib -= nc;
	fib_put_leaves(t, n);
	n->vector = 0;
	n->children = NULL;
}

/* What slot i of the node at depth d on k's path must hold. */
static void
fib_expand(const struct allowedips *t, int fam, const uint64_t k[2],
    unsigned int d, uint32_t exp[FIB_SLOTS])
{
	unsigned int	 i, lo = d * FIB_STRIDE, hi = lo + FIB_STRIDE - 1;
	uint64_t	 sk[2];

	if (hi > aip_width[fam])
		hi = aip_width[fam];
	for (i = 0; i < FIB_SLOTS; i++) {
		fib_with_slot(k, lo, i, aip_width[fam], sk);
		exp[i] = aip_trie_lookup(t, fam, sk, lo, hi);
	}
}

static int
fib_set_leaves(struct allowedips *t, struct fib_node *n,
    const uint32_t exp[FIB_SLOTS])
{
	uint64_t	 vec = 0;
	uint32_t	*lv;
	unsigned int	 i, runs = 1, old;

	for (i = 1; i < FIB_SLOTS; i++)
		if (exp[i] != exp[i - 1]) {
			vec |= 1ULL << i;
			runs++;
		}
	if (runs <= FIB_INLINE_MAX) {
		fib_put_leaves(t, n);
		n->leafvec = vec | FIB_INLINE;
		lv = n->lv.inl;
	} else {
		old = (n->leafvec & FIB_INLINE) ? 0 : fib_runs(n);
		if (runs <= old) {
			/* It fits where it was. */
			lv = n->lv.ptr;
			t->nleaves -= old;
		} else {
			if ((lv = calloc(runs, sizeof(*lv))) == NULL)
				return (-1);
			fib_put_leaves(t, n);
			n->lv.ptr = lv;
		}
		n->leafvec = vec;
		t->nleaves += runs;
	}
	lv[0] = exp[0];
	for (i = 1, runs = 1; i < FIB_SLOTS; i++)
		if (exp[i] != exp[i - 1])
			lv[runs++] = exp[i];
	return (0);
}

/* A new bare child of n in slot, at depth d on k's path; NULL if no memory. */
static struct fib_node *
fib_add_child(struct allowedips *t, struct fib_node *n, unsigned int slot,
    const uint64_t k[2], unsigned int d)
{
	struct fib_node	*nc;
	unsigned int	 cnt = aip_popcount(n->vector);
	unsigned int	 pos = aip_popcount(n->vector & ((1ULL << slot) - 1));

	if ((nc = fib_block(cnt + 1)) == NULL)
		return (NULL);
	if (n->children != NULL) {
		memcpy(nc, n->children, pos * sizeof(*nc));
		memcpy(nc + pos + 1, n->children + pos,
		    (cnt - pos) * sizeof(*nc));
	}
	fib_init(&nc[pos], k, d);
	free(n->children);
	n->children = nc;
	n->vector |= 1ULL << slot;
	t->nfib++;
	return (&nc[pos]);
}

/* Shrinking in place cannot fail; the block stays a little too big. */
static void
fib_del_child(struct allowedips *t, struct fib_node *n, unsigned int slot)
{
	unsigned int	 cnt = aip_popcount(n->vector);
	unsigned int	 pos = aip_popcount(n->vector & ((1ULL << slot) - 1));

	fib_clear(t, &n->children[pos]);
	memmove(n->children + pos, n->children + pos + 1,
	    (cnt - pos - 1) * sizeof(*n->children));
	n->vector &= ~(1ULL << slot);
	t->nfib--;
	if (cnt == 1) {
		free(n->children);
		n->children = NULL;
	}
}

/*
 * Put a bare node at depth d on k's path where c is, with c below it.
 * c's path and k's agree up to depth d.  Nothing outside c moves.
 */
static int
fib_split(struct allowedips *t, struct fib_node *c, const uint64_t k[2],
    unsigned int d)
{
	struct fib_node	*blk;

	if ((blk = fib_block(1)) == NULL)
		return (-1);
	blk[0] = *c;
	fib_init(c, k, d);
	c->vector = 1ULL << fib_slot(blk[0].key, d);
	c->children = blk;
	t->nfib++;
	return (0);
}

/*
 * Bring the index in line with the trie after the entry k/plen was
 * added, moved or removed.  Its node is the one at depth plen / 6 on
 * k's path: find it, making it if the entry needs it, recompute it,
 * and take out nodes that no longer hold anything or branch.
 */
static int
fib_update(struct allowedips *t, int fam, const uint64_t k[2],
    unsigned int plen)
{
	struct fib_node	*path[FIB_LEVELS], *n, *c, *blk;
	unsigned int	 depth = plen / FIB_STRIDE, np = 0, cd, i;
	uint32_t	 exp[FIB_SLOTS];
	int		 bare;

	fib_expand(t, fam, k, depth, exp);
	for (bare = 1, i = 0; i < FIB_SLOTS; i++)
		if (exp[i] != ALLOWEDIPS_PEER_NONE)
			bare = 0;

	n = &t->fib[fam];
	while (n->depth < depth) {
		i = fib_slot(k, n->depth);
		if ((n->vector & (1ULL << i)) == 0) {
			/* Nothing below: a leaf node, if there is a need. */
			if (bare)
				return (0);
			path[np++] = n;
			if ((n = fib_add_child(t, n, i, k, depth)) == NULL)
				return (-1);
			break;
		}
		c = fib_child(n, i);
		cd = aip_common(k, c->key) / FIB_STRIDE;
		if (cd > depth)
			cd = depth;
		if (cd < c->depth) {
			/* c is off our path, or below our node. */
			if (bare)
				return (0);
			if (fib_split(t, c, k, cd) == -1)
				return (-1);
		}
		path[np++] = n;
		n = c;
	}
	if (fib_set_leaves(t, n, exp) == -1)
		return (-1);

	/* path[np - 1] holds n in a block that is not n's own. */
	while (np > 0 && fib_bare(n)) {
		if (n->vector == 0) {
			n = path[--np];
			fib_del_child(t, n, fib_slot(k, n->depth));
		} else if ((n->vector & (n->vector - 1)) == 0) {
			/* One child: it takes n's place, with its path. */
			blk = n->children;
			*n = blk[0];
			free(blk);
			t->nfib--;
			break;
		} else
			break;
	}
	return (0);
}

/* Replay every entry of the family; used after the index was dropped. */
static int
fib_build(struct allowedips *t, int fam)
{
	const struct aip_node	*n;

	n = t->root[fam];
	while (n != NULL) {
		if (n->owner != NULL &&
		    fib_update(t, fam, n->key, n->plen) == -1)
			return (-1);
		if (n->child[0] != NULL)
			n = n->child[0];
		else if (n->child[1] != NULL)
			n = n->child[1];
		else {
			while (n->parent != NULL &&
			    (n == n->parent->child[1] ||
			    n->parent->child[1] == NULL))
				n = n->parent;
			n = n->parent != NULL ? n->parent->child[1] : NULL;
		}
	}
	return (0);
}

/*
 * Called after every change to the trie.  A failed index update leaves
 * the index wrong, so it goes, and lookups use the trie.  A rebuild
 * costs a full replay, so it is tried only every so many changes.
 */
static void
fib_sync(struct allowedips *t, int fam, const uint64_t k[2],
    unsigned int plen)
{
	if (t->fib_ok[fam]) {
		if (fib_update(t, fam, k, plen) == 0)
			return;
	} else {
		if (t->fib_retry[fam] > 0) {
			t->fib_retry[fam]--;
			return;
		}
		if (fib_build(t, fam) == 0) {
			t->fib_ok[fam] = 1;
			return;
		}
	}
	fib_clear(t, &t->fib[fam]);
	t->fib_ok[fam] = 0;
	t->fib_retry[fam] = 16 + t->count / 8;
}

struct allowedips *
allowedips_new(size_t max_entries)
{
	struct allowedips	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return (NULL);
	t->nbuckets = AIP_BUCKETS_MIN;
	t->bucket_bits = (unsigned int)__builtin_ctzll(AIP_BUCKETS_MIN);
	if ((t->buckets = calloc(t->nbuckets, sizeof(*t->buckets))) == NULL) {
		free(t);
		return (NULL);
	}
	fib_init(&t->fib[AIP_V4], t->fib[AIP_V4].key, 0);
	fib_init(&t->fib[AIP_V6], t->fib[AIP_V6].key, 0);
	t->fib_ok[AIP_V4] = t->fib_ok[AIP_V6] = 1;
#ifdef AIP_POPCNT_DISPATCH
	t->hw_popcnt = __builtin_cpu_supports("popcnt");
#endif
	t->max = max_entries;
	return (t);
}

/* Iterative, with no stack: parent pointers lead back up. */
static void
aip_free_trie(struct allowedips *t, struct aip_node *n)
{
	struct aip_node	*c;

	while (n != NULL) {
		if ((c = n->child[0]) != NULL) {
			n->child[0] = NULL;
			n = c;
		} else if ((c = n->child[1]) != NULL) {
			n->child[1] = NULL;
			n = c;
		} else {
			c = n->parent;
			aip_node_free(t, n);
			n = c;
		}
	}
}

void
allowedips_free(struct allowedips *t)
{
	struct aip_peer	*p, *next;
	size_t		 i;

	if (t == NULL)
		return;
	aip_free_trie(t, t->root[AIP_V4]);
	aip_free_trie(t, t->root[AIP_V6]);
	fib_clear(t, &t->fib[AIP_V4]);
	fib_clear(t, &t->fib[AIP_V6]);
	for (i = 0; i < t->nbuckets; i++) {
		for (p = t->buckets[i]; p != NULL; p = next) {
			next = p->next;
			free(p);
		}
	}
	free(t->buckets);
	free(t);
}

int
allowedips_insert(struct allowedips *t, int af, const void *addr,
    unsigned int plen, uint32_t peer)
{
	struct aip_node	**slot, *parent = NULL, *n, *nn, *glue;
	struct aip_peer	*p;
	uint64_t	 k[2], m[2];
	unsigned int	 cb;
	int		 fam;

	if ((fam = aip_fam(af)) == -1) {
		errno = EAFNOSUPPORT;
		return (-1);
	}
	if (plen > aip_width[fam] || peer == ALLOWEDIPS_PEER_NONE) {
		errno = EINVAL;
		return (-1);
	}
	aip_load(fam, addr, k);
	aip_mask(plen, m);
	k[0] &= m[0];
	k[1] &= m[1];

	/* Descend while the node's prefix is a proper prefix of ours. */
	slot = &t->root[fam];
	cb = 0;
	while ((n = *slot) != NULL) {
		cb = aip_common(k, n->key);
		if (cb > plen)
			cb = plen;
		if (cb > n->plen)
			cb = n->plen;
		if (cb < n->plen || n->plen == plen)
			break;
		parent = n;
		slot = &n->child[aip_bit(k, n->plen)];
	}

	if (n != NULL && n->plen == plen && cb == plen) {
		/* The prefix has a node already: claim it, or move it. */
		if (n->owner == NULL && t->count >= t->max) {
			errno = ENOSPC;
			return (-1);
		}
		if (n->owner != NULL && n->owner->id == peer)
			return (0);
		if ((p = aip_peer_get(t, peer)) == NULL)
			return (-1);
		if (n->owner != NULL)
			aip_detach(t, n);
		else
			t->count++;
		aip_attach(n, p);
		fib_sync(t, fam, k, plen);
		return (0);
	}

	if (t->count >= t->max) {
		errno = ENOSPC;
		return (-1);
	}
	/* Allocate everything first, so that failure leaves no trace. */
	glue = NULL;
	if ((nn = aip_node_new(t, fam, k, plen)) == NULL)
		return (-1);
	if (n != NULL && cb < plen &&
	    (glue = aip_node_new(t, fam, k, cb)) == NULL) {
		aip_node_free(t, nn);
		return (-1);
	}
	if ((p = aip_peer_get(t, peer)) == NULL) {
		aip_node_free(t, nn);
		aip_node_free(t, glue);
		return (-1);
	}
	aip_attach(nn, p);
	t->count++;

	if (n == NULL) {
		/* An empty place: a new leaf. */
		nn->parent = parent;
		*slot = nn;
	} else if (cb == plen) {
		/* Ours is a prefix of n's: n hangs below the new node. */
		nn->parent = parent;
		nn->child[aip_bit(n->key, plen)] = n;
		n->parent = nn;
		*slot = nn;
	} else {
		/* The two part at bit cb: a branch point holds both. */
		glue->parent = parent;
		glue->child[aip_bit(k, cb)] = nn;
		glue->child[aip_bit(n->key, cb)] = n;
		nn->parent = glue;
		n->parent = glue;
		*slot = glue;
	}
	fib_sync(t, fam, k, plen);
	return (0);
}

/* Replace n by c (maybe NULL) in n's parent, and free n. */
static void
aip_splice(struct allowedips *t, struct aip_node *n, struct aip_node *c)
{
	*aip_slot(t, n) = c;
	if (c != NULL)
		c->parent = n->parent;
	aip_node_free(t, n);
}

static void
aip_remove_node(struct allowedips *t, struct aip_node *n)
{
	struct aip_node	*p, *c;
	uint64_t	 k[2];
	unsigned int	 plen = n->plen;
	int		 fam = n->fam;

	k[0] = n->key[0];
	k[1] = n->key[1];
	aip_detach(t, n);
	t->count--;
	/* With both children, n is now a branch point; nothing to undo. */
	if (n->child[0] == NULL || n->child[1] == NULL) {
		c = n->child[0] != NULL ? n->child[0] : n->child[1];
		p = n->parent;
		aip_splice(t, n, c);
		/*
		 * A branch point that lost a leaf has one child left and
		 * nothing to justify it.  Above it nothing changed.
		 */
		if (c == NULL && p != NULL && p->owner == NULL)
			aip_splice(t, p, p->child[0] != NULL ? p->child[0] :
			    p->child[1]);
	}
	fib_sync(t, fam, k, plen);
}

int
allowedips_remove(struct allowedips *t, int af, const void *addr,
    unsigned int plen, uint32_t peer)
{
	struct aip_node	*n;
	uint64_t	 k[2], m[2];
	int		 fam;

	if ((fam = aip_fam(af)) == -1) {
		errno = EAFNOSUPPORT;
		return (-1);
	}
	if (plen > aip_width[fam]) {
		errno = EINVAL;
		return (-1);
	}
	aip_load(fam, addr, k);
	aip_mask(plen, m);
	k[0] &= m[0];
	k[1] &= m[1];

	for (n = t->root[fam]; n != NULL && n->plen < plen;
	    n = n->child[aip_bit(k, n->plen)])
		if (((k[0] ^ n->key[0]) & n->mask[0]) != 0 ||
		    ((k[1] ^ n->key[1]) & n->mask[1]) != 0)
			break;
	if (n == NULL || n->plen != plen || n->owner == NULL ||
	    n->key[0] != k[0] || n->key[1] != k[1] ||
	    (peer != ALLOWEDIPS_PEER_NONE && n->peer != peer)) {
		errno = ENOENT;
		return (-1);
	}
	aip_remove_node(t, n);
	return (0);
}

size_t
allowedips_remove_peer(struct allowedips *t, uint32_t peer)
{
	struct aip_peer	*p;
	size_t		 i, nr;

	if ((p = aip_peer_find(t, peer)) == NULL)
		return (0);
	/* The last removal frees p: count, don't test p's list. */
	nr = p->count;
	for (i = 0; i < nr; i++)
		aip_remove_node(t, TAILQ_FIRST(&p->nodes));
	return (nr);
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
	uint32_t	 best = ALLOWEDIPS_PEER_NONE, leaf;
	unsigned int	 i, r;

	for (;;) {
		i = fib_slot(k, n->depth);
		upto = n->leafvec & (UINT64_MAX - FIB_INLINE) &
		    (UINT64_MAX >> (63 - i));
		r = hw ? (unsigned int)__builtin_popcountll(upto) :
		    aip_popcount(upto);
		leaf = fib_leaves(n)[r];
		if (leaf != ALLOWEDIPS_PEER_NONE)
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
	return (best);
}

#ifdef AIP_POPCNT_DISPATCH
static __attribute__((target("popcnt"))) uint32_t
fib_lookup_popcnt(const struct fib_node *n, const uint64_t k[2])
{
	return (fib_lookup(n, k, 1));
}
#endif

uint32_t
allowedips_lookup(const struct allowedips *t, int af, const void *addr)
{
	uint64_t	 k[2];
	int		 fam;

	if (af == AF_INET)
		fam = AIP_V4;
	else if (af == AF_INET6)
		fam = AIP_V6;
	else
		return (ALLOWEDIPS_PEER_NONE);
	aip_load(fam, addr, k);
	if (__builtin_expect(!t->fib_ok[fam], 0))
		return (aip_trie_lookup(t, fam, k, 0, 128));
#ifdef AIP_POPCNT_DISPATCH
	if (t->hw_popcnt)
		return (fib_lookup_popcnt(&t->fib[fam], k));
#endif
	return (fib_lookup(&t->fib[fam], k, 0));
}

int
allowedips_foreach_peer(const struct allowedips *t, uint32_t peer,
    allowedips_cb cb, void *arg)
{
	const struct aip_peer	*p;
	const struct aip_node	*n;
	uint8_t			 addr[16];
	int			 rv;

	if ((p = aip_peer_find(t, peer)) == NULL)
		return (0);
	TAILQ_FOREACH(n, &p->nodes, entry) {
		aip_store(n->fam, n->key, addr);
		if ((rv = cb(arg, n->fam == AIP_V4 ? AF_INET : AF_INET6,
		    addr, n->plen)) != 0)
			return (rv);
	}
	return (0);
}

size_t
allowedips_count(const struct allowedips *t)
{
	return (t->count);
}

void
allowedips_stats(const struct allowedips *t, struct allowedips_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->entries = t->count;
	st->peers = t->npeers;
	st->trie_nodes = t->ntrie;
	st->index_nodes = t->nfib;
	st->bytes = sizeof(*t) + t->nbuckets * sizeof(*t->buckets) +
	    t->npeers * sizeof(struct aip_peer) +
	    t->ntrie * sizeof(struct aip_node) +
	    t->nfib * sizeof(struct fib_node) +
	    t->nleaves * sizeof(uint32_t);
	st->index_lost = !t->fib_ok[AIP_V4] + !t->fib_ok[AIP_V6];
}

#define AIP_CHECK(cond, msg) do {					\
	if (!(cond)) {							\
		if (why != NULL)					\
			*why = (msg);					\
		return (-1);						\
	}								\
} while (0)

static int
aip_verify_node(const struct allowedips *t, const struct aip_node *n,
    int fam, const char **why)
{
	const struct aip_node	*c, *e;
	uint64_t		 m[2];
	unsigned int		 i;

	AIP_CHECK(n->fam == fam, "node in the wrong family's trie");
	AIP_CHECK(n->plen <= aip_width[fam], "prefix length beyond width");
	aip_mask(n->plen, m);
	AIP_CHECK(n->mask[0] == m[0] && n->mask[1] == m[1], "bad mask");
	AIP_CHECK((n->key[0] & ~m[0]) == 0 && (n->key[1] & ~m[1]) == 0,
	    "host bits set in key");
	AIP_CHECK(n->bitw == ((n->plen >> 6) & 1) &&
	    n->bitsh == 63 - (n->plen & 63), "bad bit index");
	if (fam == AIP_V4)
		AIP_CHECK(n->key[1] == 0, "IPv4 key with a second word");
	if (n->owner == NULL) {
		AIP_CHECK(n->peer == ALLOWEDIPS_PEER_NONE,
		    "branch point with a peer");
		AIP_CHECK(n->child[0] != NULL && n->child[1] != NULL,
		    "branch point without two children");
	} else {
		AIP_CHECK(n->peer == n->owner->id, "peer id and owner differ");
		AIP_CHECK(aip_peer_find(t, n->peer) == n->owner,
		    "owner not in the peer table");
		TAILQ_FOREACH(e, &n->owner->nodes, entry)
			if (e == n)
				break;
		AIP_CHECK(e == n, "entry missing from its peer's list");
	}
	for (i = 0; i < 2; i++) {
		if ((c = n->child[i]) == NULL)
			continue;
		AIP_CHECK(c->parent == n, "bad parent pointer");
		AIP_CHECK(c->plen > n->plen, "child no longer than parent");
		AIP_CHECK(((c->key[0] ^ n->key[0]) & n->mask[0]) == 0 &&
		    ((c->key[1] ^ n->key[1]) & n->mask[1]) == 0,
		    "child outside its parent's prefix");
		AIP_CHECK(aip_bit(c->key, n->plen) == i, "child on wrong side");
	}
	return (0);
}

/*
 * Each index node must hold exactly what the trie says for its slots,
 * in canonical runs, sit on its parent's path, and exist only if it
 * holds something or branches.  Recursion depth is at most FIB_LEVELS.
 */
static int
fib_verify_node(const struct allowedips *t, int fam,
    const struct fib_node *n, const struct fib_node *parent,
    unsigned int pslot, size_t *nodes, size_t *leaves, const char **why)
{
	uint32_t	 exp[FIB_SLOTS];
	uint64_t	 m[2];
	unsigned int	 i, r, nc;

	AIP_CHECK(n->depth * FIB_STRIDE <= aip_width[fam], "index too deep");
	aip_mask(n->depth * FIB_STRIDE, m);
	AIP_CHECK((n->key[0] & ~m[0]) == 0 && (n->key[1] & ~m[1]) == 0,
	    "index path too long");
	AIP_CHECK((n->vector == 0) == (n->children == NULL),
	    "children and vector disagree");
	if (parent != NULL) {
		AIP_CHECK(n->depth > parent->depth, "child not deeper");
		aip_mask(parent->depth * FIB_STRIDE, m);
		AIP_CHECK((n->key[0] & m[0]) == parent->key[0] &&
		    (n->key[1] & m[1]) == parent->key[1],
		    "child off its parent's path");
		AIP_CHECK(fib_slot(n->key, parent->depth) == pslot,
		    "child in the wrong slot");
		AIP_CHECK(!fib_bare(n) || (n->vector & (n->vector - 1)) != 0,
		    "index node neither holds nor branches");
	} else
		AIP_CHECK(n->depth == 0 && n->key[0] == 0 && n->key[1] == 0,
		    "bad index root");
	if (n->leafvec & FIB_INLINE)
		AIP_CHECK(fib_runs(n) <= FIB_INLINE_MAX,
		    "too many runs inline");
	else {
		AIP_CHECK(fib_runs(n) > FIB_INLINE_MAX,
		    "few runs allocated");
		AIP_CHECK(n->lv.ptr != NULL, "no leaves");
		*leaves += fib_runs(n);
	}
	fib_expand(t, fam, n->key, n->depth, exp);
	for (i = 0, r = 0; i < FIB_SLOTS; i++) {
		if (i > 0 && (n->leafvec & (1ULL << i)) != 0) {
			AIP_CHECK(exp[i] != exp[i - 1], "runs not merged");
			r++;
		} else if (i > 0)
			AIP_CHECK(exp[i] == exp[i - 1], "run boundary missing");
		AIP_CHECK(fib_leaves(n)[r] == exp[i], "index and trie differ");
	}
	nc = 0;
	for (i = 0; i < FIB_SLOTS; i++) {
		if ((n->vector & (1ULL << i)) == 0)
			continue;
		(*nodes)++;
		if (fib_verify_node(t, fam, &n->children[nc++], n, i,
		    nodes, leaves, why) == -1)
			return (-1);
	}
	return (0);
}

/*
 * The index must answer as the trie does, with either popcount, for
 * the entry's own address and the one just outside it.
 */
static int
fib_agrees(const struct allowedips *t, const struct aip_node *e)
{
	uint64_t	 k[2];
	uint32_t	 want;
	unsigned int	 i, b;

	k[0] = e->key[0];
	k[1] = e->key[1];
	for (i = 0; i < 2; i++) {
		if (i == 1) {
			b = e->plen == 0 ? 0 : e->plen - 1;
			k[b >> 6] ^= 1ULL << (63 - (b & 63));
		}
		want = aip_trie_lookup(t, e->fam, k, 0, 128);
		if (fib_lookup(&t->fib[e->fam], k, 0) != want)
			return (0);
#ifdef AIP_POPCNT_DISPATCH
		if (t->hw_popcnt && fib_lookup_popcnt(&t->fib[e->fam], k) !=
		    want)
			return (0);
#endif
	}
	return (1);
}

/* Does the index have the node that holds entry e? */
static int
fib_has_node(const struct allowedips *t, const struct aip_node *e)
{
	const struct fib_node	*f = &t->fib[e->fam];
	unsigned int		 s, depth = e->plen / FIB_STRIDE;

	while (f->depth < depth) {
		s = fib_slot(e->key, f->depth);
		if ((f->vector & (1ULL << s)) == 0)
			return (0);
		f = fib_child(f, s);
		if (fib_off_path(e->key, f))
			return (0);
	}
	return (f->depth == depth);
}

int
allowedips_verify(const struct allowedips *t, const char **why)
{
	const struct aip_node	*n, *e;
	const struct aip_peer	*p;
	size_t			 entries = 0, nodes = 0, listed = 0, peers = 0;
	size_t			 fnodes = 0, fleaves = 0, i, len;
	int			 fam;

	AIP_CHECK(t->count <= t->max, "more entries than the cap");
	for (fam = AIP_V4; fam <= AIP_V6; fam++) {
		n = t->root[fam];
		AIP_CHECK(n == NULL || n->parent == NULL, "root with a parent");
		/* Preorder without a stack; parent pointers were checked. */
		while (n != NULL) {
			if (aip_verify_node(t, n, fam, why) == -1)
				return (-1);
			nodes++;
			if (n->owner != NULL) {
				entries++;
				if (t->fib_ok[fam]) {
					AIP_CHECK(fib_has_node(t, n),
					    "entry missing from the index");
					AIP_CHECK(fib_agrees(t, n),
					    "index lookup differs from trie");
				}
			}
			AIP_CHECK(nodes <= 2 * t->count + 1, "too many nodes");
			if (n->child[0] != NULL)
				n = n->child[0];
			else if (n->child[1] != NULL)
				n = n->child[1];
			else {
				while (n->parent != NULL &&
				    (n == n->parent->child[1] ||
				    n->parent->child[1] == NULL))
					n = n->parent;
				n = n->parent != NULL ? n->parent->child[1] :
				    NULL;
			}
		}
		if (t->fib_ok[fam]) {
			if (fib_verify_node(t, fam, &t->fib[fam], NULL, 0,
			    &fnodes, &fleaves, why) == -1)
				return (-1);
		} else
			AIP_CHECK(t->fib[fam].vector == 0 &&
			    fib_bare(&t->fib[fam]), "a lost index kept nodes");
	}
	AIP_CHECK(entries == t->count, "entry count is wrong");
	AIP_CHECK(nodes == t->ntrie, "trie node count is wrong");
	AIP_CHECK(fnodes == t->nfib, "index node count is wrong");
	AIP_CHECK(fleaves == t->nleaves, "index leaf count is wrong");
	AIP_CHECK(t->nbuckets == (size_t)1 << t->bucket_bits,
	    "bucket count is wrong");
	for (i = 0; i < t->nbuckets; i++) {
		for (p = t->buckets[i]; p != NULL; p = p->next) {
			AIP_CHECK(aip_hash(t, p->id) == i,
			    "peer in wrong bucket");
			AIP_CHECK(p->count > 0, "peer record without prefixes");
			len = 0;
			TAILQ_FOREACH(e, &p->nodes, entry) {
				AIP_CHECK(e->owner == p,
				    "foreign node in list");
				AIP_CHECK(++len <= t->count, "peer list loops");
			}
			AIP_CHECK(len == p->count, "peer count is wrong");
			listed += len;
			peers++;
		}
	}
	AIP_CHECK(peers == t->npeers, "peer record count is wrong");
	AIP_CHECK(listed == t->count, "listed entries differ from count");
	return (0);
}
