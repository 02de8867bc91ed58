/* Fixed-size objects in chunks of their own; see slab.h. */
#include "autoconf.h"

#include <sys/mman.h>
#include <sys/queue.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "hub/slab.h"

/* Before each object, in the chunk: where it belongs. */
struct slab_hdr {
	struct slab_chunk	*chunk;
	uint32_t		 idx;
	uint32_t		 pad[3];	/* objects stay 16-aligned */
};

struct slab_chunk {
	TAILQ_ENTRY(slab_chunk)	 entry;
	uint8_t			*mem;
	uint32_t		 nfree;
	uint32_t		 free_head;	/* per_chunk: none */
	uint16_t		 next_free[];
};

static size_t
stride(const struct slab *sl)
{
	return sizeof(struct slab_hdr) + ((sl->size + 15) & ~(size_t)15);
}

static size_t
chunk_len(const struct slab *sl)
{
	return stride(sl) * sl->per_chunk;
}

static struct slab_chunk *
chunk_new(struct slab *sl)
{
	struct slab_chunk	*c;
	struct slab_hdr		*h;
	size_t			 len = chunk_len(sl);
	uint32_t		 i;

	if ((c = calloc(1, sizeof(*c) + sl->per_chunk *
	    sizeof(c->next_free[0]))) == NULL)
		return NULL;
	if (sl->chunk_alloc != NULL)
		c->mem = sl->chunk_alloc(len);
	else if ((c->mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) == MAP_FAILED)
		c->mem = NULL;
	if (c->mem == NULL) {
		free(c);
		return NULL;
	}
	for (i = 0; i < sl->per_chunk; i++) {
		h = (struct slab_hdr *)(void *)(c->mem + i * stride(sl));
		h->chunk = c;
		h->idx = i;
		c->next_free[i] = (uint16_t)(i + 1);
	}
	c->free_head = 0;
	c->nfree = sl->per_chunk;
	TAILQ_INSERT_HEAD(&sl->open, c, entry);
	sl->nchunks++;
	return c;
}

static void
chunk_release(struct slab *sl, struct slab_chunk *c)
{
	TAILQ_REMOVE(&sl->open, c, entry);
	if (sl->chunk_free != NULL)
		sl->chunk_free(c->mem, chunk_len(sl));
	else
		(void)munmap(c->mem, chunk_len(sl));
	free(c);
	sl->nchunks--;
}

void *
slab_get(struct slab *sl)
{
	struct slab_chunk	*c;
	struct slab_hdr		*h;
	void			*o;

	if (!sl->ready) {
		TAILQ_INIT(&sl->open);
		sl->ready = 1;
	}
	if ((c = TAILQ_FIRST(&sl->open)) == NULL && (c = chunk_new(sl)) == NULL)
		return NULL;
	h = (struct slab_hdr *)(void *)(c->mem + c->free_head * stride(sl));
	c->free_head = c->next_free[c->free_head];
	if (--c->nfree == 0)
		TAILQ_REMOVE(&sl->open, c, entry);
	sl->used++;
	o = h + 1;
	memset(o, 0, sl->size);
	return o;
}

void
slab_put(struct slab *sl, void *o)
{
	struct slab_hdr		*h;
	struct slab_chunk	*c, *other;

	if (o == NULL)
		return;
	h = (struct slab_hdr *)o - 1;
	c = h->chunk;
	sodium_memzero(o, sl->size);
	c->next_free[h->idx] = (uint16_t)c->free_head;
	c->free_head = h->idx;
	if (c->nfree++ == 0)
		TAILQ_INSERT_HEAD(&sl->open, c, entry);
	sl->used--;
	if (c->nfree < sl->per_chunk)
		return;
	/* All free: back to the system, unless it is the only spare. */
	TAILQ_FOREACH(other, &sl->open, entry)
		if (other != c)
			break;
	if (other != NULL)
		chunk_release(sl, c);
}

void
slab_release(struct slab *sl)
{
	struct slab_chunk	*c, *next;

	if (!sl->ready)
		return;
	/* A chunk with an object still out stays: the caller's bug. */
	for (c = TAILQ_FIRST(&sl->open); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->nfree == sl->per_chunk)
			chunk_release(sl, c);
	}
}

size_t
slab_bytes(const struct slab *sl)
{
	return sl->nchunks * chunk_len(sl);
}
