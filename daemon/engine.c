/*
 * engine (peer-engine): all network I/O on sockets the parent created.
 * It faces hostile input and therefore holds no key, ever.  The data
 * plane and the hub session grow here; for now it runs sandboxed and
 * answers the parent.
 */
#include "autoconf.h"

#include <string.h>

#include "hamd.h"
#include "log.h"
#include "proc.h"
#include "sandbox.h"

static void
engine_dispatch_parent(struct privsep *ps, int from, struct imsg *imsg)
{
	int32_t	 v;

	switch (imsg->hdr.type) {
	case IMSG_LOG_VERBOSE:
		(void)imsg_get_data(imsg, &v, sizeof(v));
		log_setverbose(v);
		break;
	default:
		fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
	}
}

static void
engine_dispatch_child(struct privsep *ps, int from, struct imsg *imsg)
{
	fatalx("%s: unexpected message %u from %s", __func__, imsg->hdr.type,
	    ps->procs[from].name);
}

void
engine_run(struct privsep *ps)
{
	proc_child_setup(ps);
	ps->dispatch[PROC_PARENT] = engine_dispatch_parent;
	ps->dispatch[HAMD_PROC_CONTROL] = engine_dispatch_child;
	ps->dispatch[HAMD_PROC_TUN] = engine_dispatch_child;
	proc_child_loop(ps, &policy_engine);
}
