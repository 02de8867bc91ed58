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

void
logrl_audit(struct logrl *rl, const char *fmt, ...)
{
	char		 buf[LOG_LINE_MAX];
	va_list		 ap;

	if (!logrl_take(rl))
		return;
	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (rl->suppressed > 0)
		audit(rl->event, "%s suppressed=%llu", buf,
		    (unsigned long long)rl->suppressed);
	else
		audit(rl->event, "%s", buf);
	rl->suppressed = 0;
}

void
logrl_warn(struct logrl *rl, const char *fmt, ...)
{
	char		 buf[LOG_LINE_MAX];
	va_list		 ap;

	if (!logrl_take(rl))
		return;
	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (rl->suppressed > 0)
		log_warnx("%s (%llu more suppressed)", buf,
		    (unsigned long long)rl->suppressed);
	else
		log_warnx("%s", buf);
	rl->suppressed = 0;
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
