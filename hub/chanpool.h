/*
 * The authority's secret state, one node channel per slot, from one
 * locked pool: a slab (slab.h) whose chunks of 256 channels are guarded,
 * locked memory (libsodium's sodium_malloc), rather than a guarded
 * allocation per session, which costs four memory mappings each and ran
 * into the kernel's limit on mappings at some 16,000 sessions.
 *
 * The pool shrinks when nodes leave; channels are wiped when they are
 * given back.
 */
#ifndef HAMD_HUB_CHANPOOL_H
#define HAMD_HUB_CHANPOOL_H

#include <stddef.h>

struct hub_chan;

/* A zeroed channel, or NULL with no memory (the caller refuses). */
struct hub_chan	*chanpool_get(void);
/* Wiped and back to the pool; NULL is fine. */
void		 chanpool_put(struct hub_chan *);
/* Slots in use and bytes held, for hamctl hub status. */
size_t		 chanpool_used(void);
size_t		 chanpool_bytes(void);

#endif
