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

#include "daemon/aiptable.h"
#include "daemon/allowedips.h"

_Static_assert(AIP_NONE == ALLOWEDIPS_PEER_NONE, "one \"no peer\"");

static int
aip_fam(int af)
{
	if (af == AF_INET)
		return AIP_V4;
	if (af == AF_INET6)
		return AIP_V6;
	return -1;
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

/* Length of the common leading part of two keys, at most 128. */
static unsigned int
aip_common(const uint64_t a[2], const uint64_t b[2])
{
	uint64_t	 x;

	if ((x = a[0] ^ b[0]) != 0)
		return (unsigned int)__builtin_clzll(x);
	if ((x = a[1] ^ b[1]) != 0)
		return 64 + (unsigned int)__builtin_clzll(x);
	return 128;
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
		return NULL;
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
	return n;
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
		return &t->root[n->fam];
	return &p->child[p->child[0] == n ? 0 : 1];
}

struct aip_peer *
aip_peer_find(const struct allowedips *t, uint32_t id)
{
	struct aip_peer	*p;

	for (p = t->buckets[aip_hash(t, id)]; p != NULL; p = p->next)
		if (p->id == id)
			return p;
	return NULL;
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
		return p;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->id = id;
	TAILQ_INIT(&p->nodes);
	h = aip_hash(t, id);
	p->next = t->buckets[h];
	t->buckets[h] = p;
	if (++t->npeers > t->nbuckets)
		aip_rehash(t);
	return p;
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

uint32_t
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
	return best;
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

static struct fib_node *
fib_block(unsigned int cnt)
{
	void	*p;

	/* Aligned, so that each node is exactly one cache line. */
	if (posix_memalign(&p, sizeof(struct fib_node),
	    cnt * sizeof(struct fib_node)) != 0)
		return NULL;
	return p;
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

void
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
				return -1;
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
	return 0;
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
		return NULL;
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
	return &nc[pos];
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
		return -1;
	blk[0] = *c;
	fib_init(c, k, d);
	c->vector = 1ULL << fib_slot(blk[0].key, d);
	c->children = blk;
	t->nfib++;
	return 0;
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
				return 0;
			path[np++] = n;
			if ((n = fib_add_child(t, n, i, k, depth)) == NULL)
				return -1;
			break;
		}
		c = fib_child(n, i);
		cd = aip_common(k, c->key) / FIB_STRIDE;
		if (cd > depth)
			cd = depth;
		if (cd < c->depth) {
			/* c is off our path, or below our node. */
			if (bare)
				return 0;
			if (fib_split(t, c, k, cd) == -1)
				return -1;
		}
		path[np++] = n;
		n = c;
	}
	if (fib_set_leaves(t, n, exp) == -1)
		return -1;

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
	return 0;
}

/* Replay every entry of the family; used after the index was dropped. */
static int
fib_build(struct allowedips *t, int fam)
{
	const struct aip_node	*n;

	for (n = t->root[fam]; n != NULL; n = aip_walk_next(n))
		if (n->owner != NULL &&
		    fib_update(t, fam, n->key, n->plen) == -1)
			return -1;
	return 0;
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
		return NULL;
	t->nbuckets = AIP_BUCKETS_MIN;
	t->bucket_bits = (unsigned int)__builtin_ctzll(AIP_BUCKETS_MIN);
	if ((t->buckets = calloc(t->nbuckets, sizeof(*t->buckets))) == NULL) {
		free(t);
		return NULL;
	}
	fib_init(&t->fib[AIP_V4], t->fib[AIP_V4].key, 0);
	fib_init(&t->fib[AIP_V6], t->fib[AIP_V6].key, 0);
	t->fib_ok[AIP_V4] = t->fib_ok[AIP_V6] = 1;
#ifdef AIP_POPCNT_DISPATCH
	t->hw_popcnt = __builtin_cpu_supports("popcnt");
#endif
	t->max = max_entries;
	return t;
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

/*
 * The family index and the masked key of af/addr/plen; -1 with errno
 * for an unknown family or a length too long for it.
 */
static int
aip_prefix_key(int af, const void *addr, unsigned int plen, int *fam,
    uint64_t k[2])
{
	uint64_t	 m[2];

	if ((*fam = aip_fam(af)) == -1) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (plen > aip_width[*fam]) {
		errno = EINVAL;
		return -1;
	}
	aip_load(*fam, addr, k);
	aip_mask(plen, m);
	k[0] &= m[0];
	k[1] &= m[1];
	return 0;
}

int
allowedips_insert(struct allowedips *t, int af, const void *addr,
    unsigned int plen, uint32_t peer)
{
	struct aip_node	**slot, *parent = NULL, *n, *nn, *glue;
	struct aip_peer	*p;
	uint64_t	 k[2];
	unsigned int	 cb;
	int		 fam;

	if (peer == ALLOWEDIPS_PEER_NONE) {
		errno = EINVAL;
		return -1;
	}
	if (aip_prefix_key(af, addr, plen, &fam, k) == -1)
		return -1;

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
			return -1;
		}
		if (n->owner != NULL && n->owner->id == peer)
			return 0;
		if ((p = aip_peer_get(t, peer)) == NULL)
			return -1;
		if (n->owner != NULL)
			aip_detach(t, n);
		else
			t->count++;
		aip_attach(n, p);
		fib_sync(t, fam, k, plen);
		return 0;
	}

	if (t->count >= t->max) {
		errno = ENOSPC;
		return -1;
	}
	/* Allocate everything first, so that failure leaves no trace. */
	glue = NULL;
	if ((nn = aip_node_new(t, fam, k, plen)) == NULL)
		return -1;
	if (n != NULL && cb < plen &&
	    (glue = aip_node_new(t, fam, k, cb)) == NULL) {
		aip_node_free(t, nn);
		return -1;
	}
	if ((p = aip_peer_get(t, peer)) == NULL) {
		aip_node_free(t, nn);
		aip_node_free(t, glue);
		return -1;
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
	return 0;
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
	uint64_t	 k[2];
	int		 fam;

	if (aip_prefix_key(af, addr, plen, &fam, k) == -1)
		return -1;

	for (n = t->root[fam]; n != NULL && n->plen < plen;
	    n = n->child[aip_bit(k, n->plen)])
		if (((k[0] ^ n->key[0]) & n->mask[0]) != 0 ||
		    ((k[1] ^ n->key[1]) & n->mask[1]) != 0)
			break;
	if (n == NULL || n->plen != plen || n->owner == NULL ||
	    n->key[0] != k[0] || n->key[1] != k[1] ||
	    (peer != ALLOWEDIPS_PEER_NONE && n->peer != peer)) {
		errno = ENOENT;
		return -1;
	}
	aip_remove_node(t, n);
	return 0;
}

size_t
allowedips_remove_peer(struct allowedips *t, uint32_t peer)
{
	struct aip_peer	*p;
	size_t		 i, nr;

	if ((p = aip_peer_find(t, peer)) == NULL)
		return 0;
	/* The last removal frees p: count, don't test p's list. */
	nr = p->count;
	for (i = 0; i < nr; i++)
		aip_remove_node(t, TAILQ_FIRST(&p->nodes));
	return nr;
}

#ifdef AIP_POPCNT_DISPATCH
__attribute__((target("popcnt"))) uint32_t
fib_lookup_popcnt(const struct fib_node *n, const uint64_t k[2])
{
	return fib_lookup(n, k, 1);
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
		return ALLOWEDIPS_PEER_NONE;
	aip_load(fam, addr, k);
	if (__builtin_expect(!t->fib_ok[fam], 0))
		return aip_trie_lookup(t, fam, k, 0, 128);
#ifdef AIP_POPCNT_DISPATCH
	if (t->hw_popcnt)
		return fib_lookup_popcnt(&t->fib[fam], k);
#endif
	return fib_lookup(&t->fib[fam], k, 0);
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
		return 0;
	TAILQ_FOREACH(n, &p->nodes, entry) {
		aip_store(n->fam, n->key, addr);
		if ((rv = cb(arg, n->fam == AIP_V4 ? AF_INET : AF_INET6,
		    addr, n->plen)) != 0)
			return rv;
	}
	return 0;
}

size_t
allowedips_count(const struct allowedips *t)
{
	return t->count;
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
