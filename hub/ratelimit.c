/* Rate limits; see ratelimit.h. */
#include "autoconf.h"

#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>

#include "hub/ratelimit.h"

void
src_key(const struct pkt_addr *a, uint8_t key[SRC_KEY_LEN])
{
	memset(key, 0, SRC_KEY_LEN);
	key[0] = a->af;
	memcpy(key + 1, a->addr, a->af == AF_INET ? 4 : 8);
}

void
bucket_refill(struct bucket *b, int burst, int64_t every, int64_t now)
{
	int64_t	 n;

	if (b->last == 0) {
		b->tokens = burst;
		b->last = now;
		return;
	}
	if (b->tokens < burst && now - b->last >= every) {
		n = (now - b->last) / every;
		if (n >= burst - b->tokens)
			b->tokens = burst;
		else {
			b->tokens += (int)n;
			b->last += n * every;
		}
	}
	/* Full, it waits for nothing: the next token counts from now. */
	if (b->tokens >= burst)
		b->last = now;
}

int
bucket_take(struct bucket *b, int burst, int64_t every, int64_t now)
{
	bucket_refill(b, burst, every, now);
	if (b->tokens <= 0)
		return 0;
	b->tokens--;
	return 1;
}

int
bucket_take_both(struct bucket *a, int burst, int64_t every, struct bucket *b,
    int burst2, int64_t every2, int64_t now)
{
	bucket_refill(a, burst, every, now);
	bucket_refill(b, burst2, every2, now);
	if (a->tokens <= 0 || b->tokens <= 0)
		return 0;
	a->tokens--;
	b->tokens--;
	return 1;
}

void
bucket_charge(struct bucket *b, int n)
{
	/* Bounded below: a debt of more than a day's refill is not kept. */
	if (b->tokens - n < -(1 << 24))
		b->tokens = -(1 << 24);
	else
		b->tokens -= n;
}

int
bucket_table_init(struct bucket_table *t, size_t max)
{
	size_t	 n = max < BUCKET_TABLE_FIRST ? max : BUCKET_TABLE_FIRST;

	if (max == 0 || (max & (max - 1)) != 0)
		return -1;
	if ((t->slot = calloc(n, sizeof(*t->slot))) == NULL)
		return -1;
	t->n = n;
	t->max = max;
	t->used = 0;
	randombytes_buf(t->key, sizeof(t->key));
	return 0;
}

/*
 * Twice the slots, each heir a copy of its slot marked inherited (its
 * time negated) until an identity uses it; nothing if no memory.
 */
static void
bucket_table_grow(struct bucket_table *t)
{
	struct bucket	*s;

	size_t		 i;

	if ((s = reallocarray(t->slot, t->n, 2 * sizeof(*s))) == NULL)
		return;
	for (i = 0; i < t->n; i++)
		s[i].last = -s[i].last;		/* inherited, not yet used */
	memcpy(s + t->n, s, t->n * sizeof(*s));
	t->slot = s;
	t->n *= 2;
	t->used = 0;
}

struct bucket *
bucket_table_find(struct bucket_table *t, const void *id, size_t len)
{
	uint8_t		 h[crypto_shorthash_BYTES];
	uint64_t	 v;
	struct bucket	*b;

	(void)crypto_shorthash(h, id, len, t->key);
	memcpy(&v, h, sizeof(v));
	b = &t->slot[v & (t->n - 1)];
	if (b->last > 0)
		return b;
	b->last = -b->last;
	if (++t->used > t->n / BUCKET_TABLE_SPARSE && t->n < t->max) {
		bucket_table_grow(t);
		b = &t->slot[v & (t->n - 1)];
	}
	return b;
}
