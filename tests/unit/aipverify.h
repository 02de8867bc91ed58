/*
 * The allowed-IPs table's invariants, checked from the inside: every
 * trie node against its parent and its peer's list, every index node
 * against what the trie says its slots must hold, the counts against
 * what is there, and the index's answers against the trie's.  Slow; for
 * check_allowedips.c and the fuzz targets, which call it after changes.
 * Header-only, so that each of them stays one file plus hamd's sources.
 */
#ifndef HAMD_AIPVERIFY_H
#define HAMD_AIPVERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/aiptable.h"
#include "daemon/allowedips.h"

/*
 * allowedips_verify: 0, or -1 with *why (if why is not NULL) naming the
 * first broken invariant.
 */
#define AIP_CHECK(cond, msg) do {					\
	if (!(cond)) {							\
		if (why != NULL)					\
			*why = (msg);					\
		return -1;						\
	}								\
} while (0)

static inline int
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
		AIP_CHECK(n->peer == AIP_NONE,
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
	return 0;
}

/*
 * Each index node must hold exactly what the trie says for its slots,
 * in canonical runs, sit on its parent's path, and exist only if it
 * holds something or branches.  Recursion depth is at most FIB_LEVELS.
 */
static inline int
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
			return -1;
	}
	return 0;
}

/*
 * The index must answer as the trie does, with either popcount, for
 * the entry's own address and the one just outside it.
 */
static inline int
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
			return 0;
#ifdef AIP_POPCNT_DISPATCH
		if (t->hw_popcnt && fib_lookup_popcnt(&t->fib[e->fam], k) !=
		    want)
			return 0;
#endif
	}
	return 1;
}

/* Does the index have the node that holds entry e? */
static inline int
fib_has_node(const struct allowedips *t, const struct aip_node *e)
{
	const struct fib_node	*f = &t->fib[e->fam];
	unsigned int		 s, depth = e->plen / FIB_STRIDE;

	while (f->depth < depth) {
		s = fib_slot(e->key, f->depth);
		if ((f->vector & (1ULL << s)) == 0)
			return 0;
		f = fib_child(f, s);
		if (fib_off_path(e->key, f))
			return 0;
	}
	return f->depth == depth;
}

static inline int
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
		/* Parent pointers are checked before the walk follows them. */
		for (; n != NULL; n = aip_walk_next(n)) {
			if (aip_verify_node(t, n, fam, why) == -1)
				return -1;
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
		}
		if (t->fib_ok[fam]) {
			if (fib_verify_node(t, fam, &t->fib[fam], NULL, 0,
			    &fnodes, &fleaves, why) == -1)
				return -1;
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
	return 0;
}

#endif
