/* Rate-limited log and audit lines; see logrl.h. */
#include "autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "hub/logrl.h"
#include "privsep/log.h"

#define LOGRL_MAX	32	/* kinds of line in one process */

static struct logrl	*kinds[LOGRL_MAX];
static int		 nkinds;

/* Whether a line of this kind may go out now; counts it if not. */
static int
logrl_take(struct logrl *rl)
{
	int64_t	 now = (int64_t)time(NULL);

	if (!rl->registered && nkinds < LOGRL_MAX) {
		kinds[nkinds++] = rl;
		rl->registered = 1;
	}
	if (bucket_take(&rl->b, LOGRL_BURST, LOGRL_EVERY_S, now))
		return 1;
	if (rl->suppressed++ == 0)
		rl->since = now;
	return 0;
}

/*
 * Format a line if the limiter lets it out: 0 if not, else 1 with
 * *suppressed the lines held back since the last one (then zeroed).
 */
static int
logrl_vformat(struct logrl *rl, char *buf, size_t len,
    unsigned long long *suppressed, const char *fmt, va_list ap)
{
	if (!logrl_take(rl))
		return 0;
	(void)vsnprintf(buf, len, fmt, ap);
	*suppressed = (unsigned long long)rl->suppressed;
	rl->suppressed = 0;
	return 1;
}

void
logrl_audit(struct logrl *rl, const char *fmt, ...)
{
	char			 buf[LOG_LINE_MAX];
	unsigned long long	 n;
	va_list			 ap;
	int			 out;

	va_start(ap, fmt);
	out = logrl_vformat(rl, buf, sizeof(buf), &n, fmt, ap);
	va_end(ap);
	if (out && n > 0)
		audit(rl->event, "%s suppressed=%llu", buf, n);
	else if (out)
		audit(rl->event, "%s", buf);
}

void
logrl_warn(struct logrl *rl, const char *fmt, ...)
{
	char			 buf[LOG_LINE_MAX];
	unsigned long long	 n;
	va_list			 ap;
	int			 out;

	va_start(ap, fmt);
	out = logrl_vformat(rl, buf, sizeof(buf), &n, fmt, ap);
	va_end(ap);
	if (out && n > 0)
		log_warnx("%s (%llu more suppressed)", buf, n);
	else if (out)
		log_warnx("%s", buf);
}

void
logrl_tick(int64_t now)
{
	struct logrl	*rl;
	int		 i;

	for (i = 0; i < nkinds; i++) {
		rl = kinds[i];
		if (rl->suppressed == 0 || now - rl->since < LOGRL_EVERY_S)
			continue;
		if (rl->event != NULL)
			audit(rl->event, "suppressed=%llu",
			    (unsigned long long)rl->suppressed);
		else
			log_warnx("%s: %llu more suppressed", rl->what,
			    (unsigned long long)rl->suppressed);
		rl->suppressed = 0;
	}
}
