/*
 * libFuzzer target for daemon/allowedips.c.  The input is a program:
 * a table size, then operations (insert, remove, lookup, remove a peer)
 * on addresses built from a few bases and bit flips, so that prefixes
 * nest and collide the way a trie's corner cases need.  Every result
 * is checked against a linear scan, and the table's own invariants
 * against allowedips_verify; any difference aborts.
 *
 *	clang -g -fsanitize=fuzzer,address,undefined -Idaemon \
 *	    daemon/allowedips.c tests/fuzz/fuzz_allowedips.c -o fuzz_aip
 *
 * With -DFUZZ_STANDALONE it is an ordinary program that replays the
 * files named on its command line, for compilers without libFuzzer.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/allowedips.h"
#include "tests/unit/aipverify.h"

#define NONE		ALLOWEDIPS_PEER_NONE
#define MAX_OPS		2048
#define MAX_ENTRIES	512
#define NPEERS		8

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct ref_entry {
	int		 af;
	unsigned int	 plen;
	uint8_t		 addr[16];
	uint32_t	 peer;
};

static struct ref_entry	 ref[MAX_ENTRIES];
static size_t		 nref;

struct input {
	const uint8_t	*p;
	size_t		 left;
};

/* Past the end of the input every byte reads as zero. */
static uint8_t
next(struct input *in)
{
	if (in->left == 0)
		return 0;
	in->left--;
	return *in->p++;
}

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond); \
		abort();						\
	}								\
} while (0)

static size_t
af_len(int af)
{
	return af == AF_INET ? 4 : 16;
}

static void
clear_host(uint8_t *a, unsigned int plen, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		if (plen >= 8 * (i + 1))
			continue;
		if (plen <= 8 * i)
			a[i] = 0;
		else
			a[i] &= (uint8_t)(0xff << (8 - (plen - 8 * i)));
	}
}

static struct ref_entry *
ref_find(int af, const uint8_t *addr, unsigned int plen)
{
	uint8_t	 a[16];
	size_t	 i;

	memcpy(a, addr, af_len(af));
	clear_host(a, plen, af_len(af));
	for (i = 0; i < nref; i++)
		if (ref[i].af == af && ref[i].plen == plen &&
		    memcmp(ref[i].addr, a, af_len(af)) == 0)
			return &ref[i];
	return NULL;
}

static int
ref_insert(size_t max, int af, const uint8_t *addr, unsigned int plen,
    uint32_t peer)
{
	struct ref_entry	*e;

	if (plen > 8 * af_len(af) || peer == NONE) {
		errno = EINVAL;
		return -1;
	}
	if ((e = ref_find(af, addr, plen)) != NULL) {
		e->peer = peer;
		return 0;
	}
	if (nref >= max) {
		errno = ENOSPC;
		return -1;
	}
	e = &ref[nref++];
	memset(e, 0, sizeof(*e));
	e->af = af;
	e->plen = plen;
	memcpy(e->addr, addr, af_len(af));
	clear_host(e->addr, plen, af_len(af));
	e->peer = peer;
	return 0;
}

static int
ref_remove(int af, const uint8_t *addr, unsigned int plen, uint32_t peer)
{
	struct ref_entry	*e;

	if (plen > 8 * af_len(af)) {
		errno = EINVAL;
		return -1;
	}
	e = ref_find(af, addr, plen);
	if (e == NULL || (peer != NONE && e->peer != peer)) {
		errno = ENOENT;
		return -1;
	}
	*e = ref[--nref];
	return 0;
}

static size_t
ref_remove_peer(uint32_t peer)
{
	size_t	 i, j, nr;

	for (i = j = 0; i < nref; i++)
		if (ref[i].peer != peer)
			ref[j++] = ref[i];
	nr = nref - j;
	nref = j;
	return nr;
}

static uint32_t
ref_lookup(int af, const uint8_t *addr)
{
	const struct ref_entry	*best = NULL;
	uint8_t			 a[16];
	size_t			 i;

	for (i = 0; i < nref; i++) {
		if (ref[i].af != af)
			continue;
		memcpy(a, addr, af_len(af));
		clear_host(a, ref[i].plen, af_len(af));
		if (memcmp(a, ref[i].addr, af_len(af)) == 0 &&
		    (best == NULL || ref[i].plen > best->plen))
			best = &ref[i];
	}
	return best != NULL ? best->peer : NONE;
}

/* Counts, per reference entry, how often the listing produced it. */
struct listing {
	uint32_t	 peer;
	size_t		 seen[MAX_ENTRIES];
	size_t		 n;
};

static int
listing_cb(void *arg, int af, const uint8_t *addr, unsigned int plen)
{
	struct listing		*l = arg;
	struct ref_entry	*e;

	e = ref_find(af, addr, plen);
	CHECK(e != NULL && e->peer == l->peer);
	/* Host bits come back zeroed. */
	CHECK(memcmp(e->addr, addr, af_len(af)) == 0);
	l->seen[e - ref]++;
	l->n++;
	return 0;
}

static void
check_all(struct allowedips *t)
{
	static struct listing	 l;
	const char		*why = NULL;
	uint8_t			 a[16];
	size_t			 i, want;
	uint32_t		 peer;
	unsigned int		 b;

	if (allowedips_verify(t, &why) != 0) {
		fprintf(stderr, "verify: %s\n", why);
		abort();
	}
	CHECK(allowedips_count(t) == nref);
	for (peer = 0; peer < NPEERS; peer++) {
		memset(&l, 0, sizeof(l));
		l.peer = peer;
		CHECK(allowedips_foreach_peer(t, peer, listing_cb, &l) == 0);
		for (i = 0, want = 0; i < nref; i++) {
			if (ref[i].peer != peer)
				continue;
			CHECK(l.seen[i] == 1);
			want++;
		}
		CHECK(l.n == want);
	}
	/* Each prefix's own address, and its neighbours one bit away. */
	for (i = 0; i < nref; i++) {
		memcpy(a, ref[i].addr, 16);
		CHECK(allowedips_lookup(t, ref[i].af, a) ==
		    ref_lookup(ref[i].af, a));
		b = ref[i].plen == 0 ? 0 : ref[i].plen - 1;
		a[b / 8] ^= (uint8_t)(0x80 >> (b % 8));
		CHECK(allowedips_lookup(t, ref[i].af, a) ==
		    ref_lookup(ref[i].af, a));
	}
}

static const uint8_t bases[4][16] = {
	{ 0 },
	{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	{ 0x80 },
	{ 0x0a, 0x55, 0xaa, 0x55, 0xaa, 0x55, 0xaa, 0x55,
	  0xaa, 0x55, 0xaa, 0x55, 0xaa, 0x55, 0xaa, 0x55 },
};

/*
 * The next address of a family: the last one again, the last with one
 * bit flipped, a fixed base, or raw bytes from the input.
 */
static void
next_addr(struct input *in, int af, uint8_t cur[16])
{
	uint8_t		 x = next(in);
	size_t		 len = af_len(af), i;
	unsigned int	 b;

	switch (x >> 6) {
	case 0:
		break;
	case 1:
		b = next(in) % (8 * len);
		cur[b / 8] ^= (uint8_t)(0x80 >> (b % 8));
		break;
	case 2:
		for (i = 0; i < len; i++)
			cur[i] = next(in);
		break;
	default:
		memcpy(cur, bases[x & 3], 16);
		/* The low bits pick a flip too, for near-misses. */
		b = (x >> 2) & 0xf;
		if (b != 0)
			cur[(b * 2 - 1) % len] ^= 1;
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct allowedips	*t;
	struct input		 in = { data, size };
	uint8_t			 cur[2][16], a[16], x;
	unsigned int		 plen, width;
	uint32_t		 peer;
	size_t			 max, ops, got, want;
	int			 af, rv, rrv, err, rerr;

	if (size == 0)
		return 0;
	x = next(&in);
	max = x < 0xf0 ? 1 + (size_t)x % 64 : MAX_ENTRIES;
	if ((t = allowedips_new(max)) == NULL)
		abort();
	nref = 0;
	memset(cur, 0, sizeof(cur));

	for (ops = 0; in.left > 0 && ops < MAX_OPS; ops++) {
		x = next(&in);
		af = (x & 4) ? AF_INET6 : AF_INET;
		width = (unsigned int)(8 * af_len(af));
		switch (x & 3) {
		case 0:
			next_addr(&in, af, cur[af == AF_INET6]);
			plen = next(&in) % (width + 2);	/* one invalid */
			peer = next(&in);
			peer = peer == 0xff ? NONE : peer % NPEERS;
			errno = 0;
			rv = allowedips_insert(t, af, cur[af == AF_INET6], plen,
			    peer);
			err = errno;
			errno = 0;
			rrv = ref_insert(max, af, cur[af == AF_INET6], plen,
			    peer);
			rerr = errno;
			CHECK(rv == rrv);
			CHECK(rv == 0 || err == rerr);
			break;
		case 1:
			next_addr(&in, af, cur[af == AF_INET6]);
			plen = next(&in) % (width + 2);
			peer = next(&in);
			peer = peer >= 0x80 ? NONE : peer % NPEERS;
			errno = 0;
			rv = allowedips_remove(t, af, cur[af == AF_INET6], plen,
			    peer);
			err = errno;
			errno = 0;
			rrv = ref_remove(af, cur[af == AF_INET6], plen, peer);
			rerr = errno;
			CHECK(rv == rrv);
			CHECK(rv == 0 || err == rerr);
			break;
		case 2:
			next_addr(&in, af, cur[af == AF_INET6]);
			memcpy(a, cur[af == AF_INET6], 16);
			CHECK(allowedips_lookup(t, af, a) == ref_lookup(af, a));
			CHECK(allowedips_lookup_src(t, af, a) ==
			    ref_lookup(af, a));
			break;
		default:
			peer = next(&in) % NPEERS;
			got = allowedips_remove_peer(t, peer);
			want = ref_remove_peer(peer);
			CHECK(got == want);
			break;
		}
		CHECK(allowedips_count(t) == nref);
		if (ops % 64 == 63)
			check_all(t);
	}
	check_all(t);
	/* Emptying by peer must leave nothing. */
	for (peer = 0; peer < NPEERS; peer++)
		CHECK(allowedips_remove_peer(t, peer) == ref_remove_peer(peer));
	CHECK(allowedips_count(t) == 0);
	check_all(t);
	allowedips_free(t);
	return 0;
}

#ifdef FUZZ_STANDALONE
int
main(int argc, char *argv[])
{
	FILE		*f;
	uint8_t		*buf;
	long		 len;
	int		 i;

	for (i = 1; i < argc; i++) {
		if ((f = fopen(argv[i], "rb")) == NULL ||
		    fseek(f, 0, SEEK_END) == -1 || (len = ftell(f)) < 0 ||
		    fseek(f, 0, SEEK_SET) == -1) {
			perror(argv[i]);
			return 1;
		}
		if ((buf = malloc((size_t)len + 1)) == NULL ||
		    fread(buf, 1, (size_t)len, f) != (size_t)len) {
			perror(argv[i]);
			return 1;
		}
		fclose(f);
		LLVMFuzzerTestOneInput(buf, (size_t)len);
		free(buf);
	}
	return 0;
}
#endif
