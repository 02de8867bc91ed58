/* The hub engine's shared state; see engstate.h. */
#include "autoconf.h"

#include <errno.h>

#include "compat/util.h"
#include "hub/engstate.h"
#include "privsep/log.h"

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

int
eng_sock_retry(int err, struct lograte *rl, const char *what)
{
	unsigned long long	 missed;

	switch (err) {
	case EAGAIN:
#if EWOULDBLOCK != EAGAIN
	case EWOULDBLOCK:
#endif
		return 0;
	case EINTR:
	case ECONNABORTED:	/* accept: gone before we took it */
	case EPROTO:
	case ECONNREFUSED:	/* recvmsg: ICMP about an answer */
	case EHOSTUNREACH:
	case ENETUNREACH:
		return 1;
	default:
		/*
		 * Out of fds or memory: the socket stays readable, so stop
		 * for this turn; the kernel keeps what waits, and closing
		 * connections frees fds.
		 */
		errno = err;
		if (lograte_ok(rl, &missed))
			log_warn("%s (%llu more since the last report)", what,
			    missed);
		return 0;
	}
}
