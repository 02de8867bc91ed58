/* Small helpers every layer uses; see util.h. */
#include "autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compat/util.h"

void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

const char *
shown(const char *s, char *buf, size_t len)
{
	size_t	 i, j = 0;

	for (i = 0; s[i] != '\0' && j + 4 < len; i++) {
		if (i == 64) {
			memcpy(buf + j, "...", 3);
			j += 3;
			break;
		}
		buf[j++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	}
	buf[j] = '\0';
	return buf;
}

uint64_t
now_ms(void)
{
	struct timespec	 ts;

	/* Cannot fail on Linux with a valid clock and pointer. */
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		abort();
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

#ifdef HAMD_TEST_HOOKS
static uint64_t	 now_scale = 1;

void
now_ns_scale(unsigned int n)
{
	now_scale = n > 0 ? n : 1;
}
#endif

uint64_t
now_ns(void)
{
	struct timespec	 ts;
	uint64_t	 ns;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		abort();
	ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#ifdef HAMD_TEST_HOOKS
	ns *= now_scale;
#endif
	return ns;
}

int64_t
unix_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		abort();
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
