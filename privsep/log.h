/*
 * Logging in the OpenBSD style, plus audit records.
 *
 * The parent writes to stderr (foreground, -d) or to syslog.  Children are
 * chrooted and have no /dev/log: they install a sink that forwards each
 * formatted line to the parent, which writes it out.  Audit records are
 * key=value lines at LOG_AUTHPRIV|LOG_NOTICE, always prefixed "audit:".
 */
#ifndef HAMD_LOG_H
#define HAMD_LOG_H

#include <stdarg.h>
#include <stdint.h>
#include <syslog.h>

#define LOG_LINE_MAX	1024

#ifndef __dead
#define __dead __attribute__((__noreturn__))
#endif

/* Where lines go. A sink receives the priority and the finished line. */
typedef void (*log_sink_fn)(int priority, const char *line);

void	log_init(const char *ident, int foreground, int verbose);
void	log_procname(const char *);	/* prefix for every line */
void	log_set_sink(log_sink_fn);	/* NULL: back to stderr/syslog */
void	log_setverbose(int);
int	log_getverbose(void);
/* Write an already formatted line (the parent, for lines from children). */
void	log_emit(int priority, const char *line);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
__dead void fatal(const char *, ...) __attribute__((format(printf, 1, 2)));
__dead void fatalx(const char *, ...) __attribute__((format(printf, 1, 2)));
/*
 * Called with every audit record's event and its key=value text, after
 * it is logged: a process that reports events (the hub's authority)
 * sees each one where it happens without a hook at every call.
 */
void	log_set_audit_hook(void (*)(const char *event, const char *kv));
/* Called by fatal/fatalx before exit, e.g. to flush a sink. */
void	log_set_fatal_hook(void (*)(void));

/*
 * audit("reload", "uid=%u result=%s", uid, "ok") logs
 * "audit: event=reload uid=0 result=ok" at LOG_AUTHPRIV|LOG_NOTICE.
 * Values with spaces must be quoted by the caller (use log_quote).
 */
void	audit(const char *event, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Quote s for a key=value record into buf: "..." with \" and \\ escaped
 * and control characters as \xNN. Returns buf. */
const char *log_quote(const char *s, char *buf, size_t len);

/*
 * One kind of event logged at most once per LOG_RATE_MS: a flood of
 * them (hostile datagrams, refused sends) costs a line per interval,
 * with the count of those left out since the last one.
 */
#define LOG_RATE_MS	10000
struct log_rate {
	uint64_t	 last;		/* ms, monotonic */
	int		 logged;	/* last is valid */
	uint64_t	 missed;	/* events not logged since */
};
/* 1: log this one, with *missed left out before it; 0: count it. */
int	log_rate_ok(struct log_rate *, unsigned long long *missed);

#endif
