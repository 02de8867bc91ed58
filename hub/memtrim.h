/*
 * Giving memory back when connections leave.  The allocator keeps
 * freed chunks for reuse, so a process that held a hundred thousand
 * connections would keep their memory after they are gone; once the
 * count has fallen by a quarter from its peak, the free pages go back
 * to the system (glibc's malloc_trim: madvise, allowed in every child's
 * sandbox).
 */
#ifndef HAMD_HUB_MEMTRIM_H
#define HAMD_HUB_MEMTRIM_H

#include <stdint.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

struct memtrim {
	uint32_t	 peak;
};

/* Once a second, with how many there are now. */
static inline void
memtrim_tick(struct memtrim *m, uint32_t live)
{
	if (live > m->peak)
		m->peak = live;
	else if (live < m->peak - m->peak / 4) {
#ifdef __GLIBC__
		(void)malloc_trim(0);
#endif
		m->peak = live;
	}
}

#endif
