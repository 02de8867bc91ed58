/*
 * Log and audit lines that others can provoke at will (refusals: a
 * replayed handshake, a flood of joins, logins over the rate) must not
 * fill the log.  Each kind goes out at most LOGRL_BURST times at once,
 * then once every LOGRL_EVERY_S seconds; the next line that goes out
 * carries the count of those left out ("suppressed=N" in an audit
 * record, "(N more suppressed)" in a log line), and logrl_tick()
 * reports a count still untold after LOGRL_EVERY_S on a line of its
 * own.
 */
#ifndef HAMD_HUB_LOGRL_H
#define HAMD_HUB_LOGRL_H

#include <stdint.h>

#include "hub/ratelimit.h"

#define LOGRL_BURST		10
#define LOGRL_EVERY_S		10

struct logrl {
	const char	*event;		/* audit event; NULL: a log line */
	const char	*what;		/* for a line that only counts */
	struct bucket	 b;
	uint64_t	 suppressed;
	int64_t		 since;		/* the first one suppressed, s */
	int		 registered;
};
#define LOGRL_AUDIT(ev)		{ .event = (ev), .what = (ev) }
#define LOGRL_LOG(w)		{ .event = NULL, .what = (w) }

/* audit(rl->event, fmt, ...), within the rate. */
void	logrl_audit(struct logrl *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* log_warnx(fmt, ...), within the rate. */
void	logrl_warn(struct logrl *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Once a second: say what waited too long to be counted. */
void	logrl_tick(int64_t now);

#endif
