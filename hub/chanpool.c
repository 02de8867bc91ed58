/* The locked pool of node channels; see chanpool.h. */
#include "autoconf.h"

#include <sys/mman.h>

#include <sodium.h>

#include "hub/chanpool.h"
#include "hub/slab.h"
#include "privsep/log.h"
#include "proto/hubchan.h"

#define CHANS_PER_CHUNK		256

static void	*chunk_locked(size_t);
static void	 chunk_unlock(void *, size_t);

static struct slab	 chans = {
	.size = sizeof(struct hub_chan),
	.per_chunk = CHANS_PER_CHUNK,
	.chunk_alloc = chunk_locked,
	.chunk_free = chunk_unlock,
};
static int		 warned_lock;

static void *
chunk_locked(size_t len)
{
	void	*p;

	if ((p = sodium_malloc(len)) == NULL)
		return NULL;
	/*
	 * sodium_malloc locks what it can and says nothing when it cannot
	 * (RLIMIT_MEMLOCK): ask again, to say so once.
	 */
	if (mlock(p, len) == -1 && !warned_lock) {
		warned_lock = 1;
		log_warn("node channels beyond %zu KiB are not locked in "
		    "memory (RLIMIT_MEMLOCK)", slab_bytes(&chans) / 1024);
	}
	return p;
}

static void
chunk_unlock(void *p, size_t len)
{
	sodium_free(p);
}

struct hub_chan *
chanpool_get(void)
{
	return slab_get(&chans);
}

void
chanpool_put(struct hub_chan *ch)
{
	if (ch == NULL)
		return;
	hub_chan_clear(ch);
	slab_put(&chans, ch);
}

size_t
chanpool_used(void)
{
	return chans.used;
}

size_t
chanpool_bytes(void)
{
	return slab_bytes(&chans);
}
