/* The hub engine's shared state; see engstate.h. */
#include "autoconf.h"

#include "compat/util.h"
#include "hub/engstate.h"

struct engstate	 eng;

void
eng_stats_touch(void)
{
	eng.stats_changed = 1;
}

int
lograte_ok(struct lograte *rl, unsigned long long *missed)
{
	uint64_t	 now = now_ms();

	if (rl->logged && now - rl->last < ENG_LOG_INTERVAL * 1000) {
		rl->missed++;
		return 0;
	}
	rl->logged = 1;
	rl->last = now;
	*missed = rl->missed;
	rl->missed = 0;
	return 1;
}
