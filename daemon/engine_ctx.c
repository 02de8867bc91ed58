/* The engine's process and counters; see engine_ctx.h. */
#include "autoconf.h"

#include "daemon/engine_ctx.h"

struct engine_ctx	 ectx;

/*
 * 1 if a line may be logged now, with *missed the events not logged since
 * the previous line.  Events in between are only counted, so a flood of
 * failures costs a counter increment each, not a log line.
 */
int
ratelimit_ok(struct ratelimit *rl, unsigned long long *missed)
{
	struct timespec	 now;

	if (clock_gettime(CLOCK_MONOTONIC, &now) == -1)
		now.tv_sec = 0;
	if (rl->logged && now.tv_sec - rl->last < ENGINE_LOG_INTERVAL) {
		rl->missed++;
		return 0;
	}
	rl->logged = 1;
	rl->last = now.tv_sec;
	*missed = rl->missed;
	rl->missed = 0;
	return 1;
}
