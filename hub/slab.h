/*
 * Fixed-size objects in chunks of their own, apart from the allocator's
 * heap: what the hub keeps per connection or session.  A chunk whose
 * objects are all free goes back to the system (one spare is kept), so
 * memory goes back down when nodes leave; with the objects in the heap
 * instead, the few small allocations that outlive a connection (an
 * event library's per-descriptor entries, say) pin every page around
 * them, and a hub that once held a hundred thousand connections would
 * keep their memory.
 *
 * Chunks come from mmap, or from a caller's allocator (the authority's
 * channels: guarded, locked memory).  Objects are zeroed when taken and
 * wiped when given back.
 */
#ifndef HAMD_HUB_SLAB_H
#define HAMD_HUB_SLAB_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

struct slab_chunk;
TAILQ_HEAD(slab_chunks, slab_chunk);

struct slab {
	size_t			 size;		/* of an object */
	uint32_t		 per_chunk;	/* at most 65535 */
	/* NULL: anonymous mmap */
	void			*(*chunk_alloc)(size_t);
	void			 (*chunk_free)(void *, size_t);
	struct slab_chunks	 open;		/* chunks with a free object */
	int			 ready;
	size_t			 nchunks, used;
};

/* Objects of size bytes, per_chunk to a chunk. */
#define SLAB_INIT(sz, n)	{ .size = (sz), .per_chunk = (n) }

/* A zeroed object, or NULL when no chunk can be had. */
void	*slab_get(struct slab *);
/* Wiped and back; NULL is fine. */
void	 slab_put(struct slab *, void *);
/* Bytes of chunks held. */
size_t	 slab_bytes(const struct slab *);
/* Every chunk with no object out back to the system, the spare too. */
void	 slab_release(struct slab *);

#endif
