/*
 * The few small helpers every layer uses: an error message into the
 * caller's buffer, hostile text quoted safely, and the monotonic clock.
 */
#ifndef HAMD_COMPAT_UTIL_H
#define HAMD_COMPAT_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Format into err (errlen bytes); nothing when err is NULL. */
void		 seterr(char *err, size_t errlen, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
/*
 * Input quoted back in a message: at most 64 bytes and printable (any
 * other byte shows as '?'), so a hostile value can neither flood a log
 * nor forge lines in it.  Returns buf.
 */
const char	*shown(const char *s, char *buf, size_t len);
/* Milliseconds and nanoseconds of CLOCK_MONOTONIC. */
uint64_t	 now_ms(void);
uint64_t	 now_ns(void);
#ifdef HAMD_TEST_HOOKS
/*
 * Test builds only: from now on now_ns() runs n times as fast in this
 * process (tun's WireGuard timers, minutes long, in seconds).
 */
void		 now_ns_scale(unsigned int n);
#endif
/* Unix time in milliseconds (CLOCK_REALTIME): for timestamps people read. */
int64_t		 unix_ms(void);

#endif
