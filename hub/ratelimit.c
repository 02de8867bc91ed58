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
bucket_table_init(struct bucket_table *t, size_t n)
{
	if ((t->slot = calloc(n, sizeof(*t->slot))) == NULL)
		return -1;
	t->n = n;
	randombytes_buf(t->key, sizeof(t->key));
	return 0;
}

struct bucket *
bucket_table_find(const struct bucket_table *t, const void *id, size_t len)
{
	uint8_t		 h[crypto_shorthash_BYTES];
	uint64_t	 v;

	(void)crypto_shorthash(h, id, len, t->key);
	memcpy(&v, h, sizeof(v));
	return &t->slot[v % t->n];
}
