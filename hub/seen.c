/* The handshake timestamps remembered per key; see seen.h. */
#include "autoconf.h"

#include <sys/queue.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "hub/htab.h"
#include "hub/seen.h"

struct seen {
	struct hlink		 link;
	TAILQ_ENTRY(seen)	 lru;		/* most recent first */
	uint8_t			 key[32];
	uint8_t			 ts[TAI64N_LEN];
	uint8_t			 member;
};
TAILQ_HEAD(seen_list, seen);

static struct htab	 table;
static struct seen_list	 lru[2] = { TAILQ_HEAD_INITIALIZER(lru[0]),
			     TAILQ_HEAD_INITIALIZER(lru[1]) };
static uint32_t		 count[2];
static const uint32_t	 limit[2] = { SEEN_OTHERS_MAX, SEEN_MEMBERS_MAX };
static uint8_t		 hash_key[crypto_shorthash_KEYBYTES];

void
seen_init(void)
{
	randombytes_buf(hash_key, sizeof(hash_key));
}

static uint64_t
seen_hash(const uint8_t key[32])
{
	uint8_t		 h[crypto_shorthash_BYTES];
	uint64_t	 v;

	(void)crypto_shorthash(h, key, 32, hash_key);
	memcpy(&v, h, sizeof(v));
	return v;
}

static struct seen *
seen_find(const uint8_t key[32])
{
	uint64_t	 h = seen_hash(key);
	struct hlink	*l;
	struct seen	*e;

	for (l = htab_chain(&table, h); l != NULL; l = l->next) {
		e = HTAB_ENTRY(l, struct seen, link);
		if (l->hash == h && memcmp(e->key, key, 32) == 0)
			return e;
	}
	return NULL;
}

static void
seen_touch(struct seen *e)
{
	TAILQ_REMOVE(&lru[e->member], e, lru);
	TAILQ_INSERT_HEAD(&lru[e->member], e, lru);
}

int
seen_check(const uint8_t key[32], const uint8_t ts[TAI64N_LEN])
{
	struct seen	*e;

	if ((e = seen_find(key)) == NULL)
		return 1;
	if (memcmp(ts, e->ts, TAI64N_LEN) <= 0)
		return 0;
	memcpy(e->ts, ts, TAI64N_LEN);
	seen_touch(e);
	return 1;
}

void
seen_login(const uint8_t key[32], const uint8_t ts[TAI64N_LEN], int member)
{
	struct seen	*e;
	int		 part = member ? 1 : 0;

	if ((e = seen_find(key)) != NULL) {
		if (memcmp(ts, e->ts, TAI64N_LEN) > 0)
			memcpy(e->ts, ts, TAI64N_LEN);
		if (e->member == part) {
			seen_touch(e);
			return;
		}
		/* It joined or left every network: the other part now. */
		TAILQ_REMOVE(&lru[e->member], e, lru);
		count[e->member]--;
	} else if (count[part] < limit[part]) {
		if ((e = calloc(1, sizeof(*e))) == NULL)
			return;		/* not remembered; still fresh */
		memcpy(e->key, key, 32);
		memcpy(e->ts, ts, TAI64N_LEN);
		if (htab_insert(&table, &e->link, seen_hash(key)) == -1) {
			free(e);
			return;
		}
	} else {
		/* Full: its least recent key makes room, in its part only. */
		e = TAILQ_LAST(&lru[part], seen_list);
		TAILQ_REMOVE(&lru[part], e, lru);
		count[part]--;
		htab_remove(&table, &e->link);
		memcpy(e->key, key, 32);
		memcpy(e->ts, ts, TAI64N_LEN);
		(void)htab_insert(&table, &e->link, seen_hash(key));
	}
	e->member = (uint8_t)part;
	TAILQ_INSERT_HEAD(&lru[part], e, lru);
	count[part]++;
	/* A key that moved parts may leave its new part one too many. */
	if (count[part] > limit[part]) {
		e = TAILQ_LAST(&lru[part], seen_list);
		TAILQ_REMOVE(&lru[part], e, lru);
		count[part]--;
		htab_remove(&table, &e->link);
		free(e);
	}
}

uint32_t
seen_count(int member)
{
	return count[member ? 1 : 0];
}
