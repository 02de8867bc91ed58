/* The locked pool of node channels; see chanpool.h. */
#include "autoconf.h"

#include <sys/mman.h>
#include <sys/queue.h>

#include <errno.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hub/chanpool.h"
#include "privsep/log.h"
#include "proto/hubchan.h"

#define SLOTS_PER_CHUNK		256

struct chunk;

/* In locked memory: the channel, and which chunk it belongs to. */
struct slot {
	struct chunk	*chunk;
	uint32_t	 idx;
	struct hub_chan	 ch;
};

/* In ordinary memory: a chunk's bookkeeping. */
struct chunk {
	TAILQ_ENTRY(chunk)	 entry;		/* chunks with a free slot */
	struct slot		*slots;		/* sodium_malloc'd */
	uint32_t		 nfree;
	uint32_t		 free_head;	/* index, or SLOTS_PER_CHUNK */
	uint16_t		 next_free[SLOTS_PER_CHUNK];
};
TAILQ_HEAD(chunk_list, chunk);

static struct chunk_list	 open_chunks = TAILQ_HEAD_INITIALIZER(open_chunks);
static size_t			 nchunks, used;
static int			 warned_lock;

static struct chunk *
chunk_new(void)
{
	struct chunk	*c;
	size_t		 len = sizeof(struct slot) * SLOTS_PER_CHUNK;
	uint32_t	 i;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->slots = sodium_malloc(len)) == NULL) {
		free(c);
		return NULL;
	}
	/*
	 * sodium_malloc locks what it can and says nothing when it cannot
	 * (RLIMIT_MEMLOCK): ask again, to say so once.
	 */
	if (mlock(c->slots, len) == -1 && !warned_lock) {
		warned_lock = 1;
		log_warn("node channels beyond %zu KiB are not locked in "
		    "memory (RLIMIT_MEMLOCK)", nchunks * len / 1024);
	}
	sodium_memzero(c->slots, len);
	for (i = 0; i < SLOTS_PER_CHUNK; i++) {
		c->slots[i].chunk = c;
		c->slots[i].idx = i;
		c->next_free[i] = (uint16_t)(i + 1);
	}
	c->free_head = 0;
	c->nfree = SLOTS_PER_CHUNK;
	TAILQ_INSERT_HEAD(&open_chunks, c, entry);
	nchunks++;
	return c;
}

struct hub_chan *
chanpool_get(void)
{
	struct chunk	*c;
	struct slot	*s;

	if ((c = TAILQ_FIRST(&open_chunks)) == NULL &&
	    (c = chunk_new()) == NULL)
		return NULL;
	s = &c->slots[c->free_head];
	c->free_head = c->next_free[c->free_head];
	if (--c->nfree == 0)
		TAILQ_REMOVE(&open_chunks, c, entry);
	used++;
	return &s->ch;
}

void
chanpool_put(struct hub_chan *ch)
{
	struct slot	*s;
	struct chunk	*c, *o;

	if (ch == NULL)
		return;
	s = (struct slot *)(void *)((char *)ch - offsetof(struct slot, ch));
	c = s->chunk;
	hub_chan_clear(ch);
	sodium_memzero(ch, sizeof(*ch));
	c->next_free[s->idx] = (uint16_t)c->free_head;
	c->free_head = s->idx;
	if (c->nfree++ == 0)
		TAILQ_INSERT_HEAD(&open_chunks, c, entry);
	used--;
	if (c->nfree < SLOTS_PER_CHUNK)
		return;
	/* All free: back to the system, unless it is the only one left. */
	TAILQ_FOREACH(o, &open_chunks, entry)
		if (o != c)
			break;
	if (o == NULL)
		return;
	TAILQ_REMOVE(&open_chunks, c, entry);
	sodium_free(c->slots);
	free(c);
	nchunks--;
}

size_t
chanpool_used(void)
{
	return used;
}

size_t
chanpool_bytes(void)
{
	return nchunks * sizeof(struct slot) * SLOTS_PER_CHUNK;
}
