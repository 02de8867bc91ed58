/*
 * The engine's counters for the web child, once a second, when there is
 * one (http-listen).  Read-only: the web child answers nothing.
 */
#include "autoconf.h"

#include <event2/event.h>

#include "daemon/engine_ctx.h"
#include "daemon/engine_web.h"
#include "daemon/hamd_msg.h"
#include "privsep/log.h"
#include "privsep/proc.h"

static struct event	*web_ev;

static void
engine_web_tick(int fd, short what, void *arg)
{
	struct privsep	*ps = arg;

	(void)proc_compose(ps, HAMD_PROC_WEB, IMSG_WEB_ENGINE, 0, -1,
	    &ectx.stats, sizeof(ectx.stats));
}

void
engine_web_init(struct privsep *ps)
{
	struct timeval	 tv = { 1, 0 };

	if (!proc_running(ps, HAMD_PROC_WEB))
		return;
	if ((web_ev = event_new(ps->base, -1, EV_PERSIST, engine_web_tick,
	    ps)) == NULL || event_add(web_ev, &tv) == -1)
		fatalx("%s: timer", __func__);
}
