/*
 * Logging: stderr in the foreground, syslog otherwise, or a sink that
 * carries lines to another process.  Every line is formatted here, once,
 * so a sink never has to trust a format string from elsewhere.
 */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "compat/util.h"
#include "privsep/log.h"

static int		 log_foreground = 1;
static int		 log_journal;	/* stderr is the systemd journal */
static int		 log_verbose;
static const char	*log_proc;
static log_sink_fn	 log_sink;
static void		(*log_fatal_hook)(void);
static void		(*audit_hook)(const char *, const char *);

void
log_init(const char *ident, int foreground, int verbose)
{
	log_foreground = foreground;
	log_verbose = verbose;
	/*
	 * Under systemd with -d, stderr goes to the journal, which reads a
	 * "<priority>" prefix; audit records keep their authpriv facility.
	 */
	log_journal = foreground && getenv("JOURNAL_STREAM") != NULL;
	if (!foreground)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
}

void
log_procname(const char *name)
{
	log_proc = name;
}

void
log_set_sink(log_sink_fn fn)
{
	log_sink = fn;
}

void
log_setverbose(int v)
{
	log_verbose = v;
}

int
log_getverbose(void)
{
	return log_verbose;
}

void
log_set_fatal_hook(void (*fn)(void))
{
	log_fatal_hook = fn;
}

void
log_emit(int priority, const char *line)
{
	int	 saved = errno;

	if (log_foreground) {
		/* One write per line keeps lines of several processes whole. */
		char	buf[LOG_LINE_MAX + 16];
		size_t	n = 0, l = strnlen(line, LOG_LINE_MAX);

		if (log_journal)
			n = (size_t)snprintf(buf, 16, "<%d>", priority);
		memcpy(buf + n, line, l);
		n += l;
		buf[n++] = '\n';
		ssize_t	w = write(STDERR_FILENO, buf, n);

		(void)w;	/* nowhere left to complain */
	} else
		syslog(priority, "%s", line);
	errno = saved;
}

static void
vlog(int priority, const char *prefix, const char *fmt, va_list ap,
    const char *suffix)
{
	char	 line[LOG_LINE_MAX];
	size_t	 o = 0;
	int	 n, saved = errno;

	n = snprintf(line, sizeof(line), "%s%s%s", log_proc ? log_proc : "",
	    log_proc ? ": " : "", prefix);
	if (n > 0)
		o = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	n = vsnprintf(line + o, sizeof(line) - o, fmt, ap);
	if (n > 0)
		o = o + (size_t)n < sizeof(line) ? o + (size_t)n :
		    sizeof(line) - 1;
	if (suffix != NULL)
		(void)snprintf(line + o, sizeof(line) - o, ": %s", suffix);
	if (log_sink != NULL)
		log_sink(priority, line);
	else
		log_emit(priority, line);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	char	 err[256];
	int	 saved = errno;

	(void)snprintf(err, sizeof(err), "%s", strerror(saved));
	va_start(ap, fmt);
	vlog(LOG_ERR, "", fmt, ap, err);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, "", fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, "", fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, "", fmt, ap, NULL);
	va_end(ap);
}

static __dead void
vfatal(const char *fmt, va_list ap, const char *suffix)
{
	vlog(LOG_CRIT, "fatal: ", fmt, ap, suffix);
	if (log_fatal_hook != NULL)
		log_fatal_hook();
	exit(1);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	char	 err[256];

	(void)snprintf(err, sizeof(err), "%s", strerror(errno));
	va_start(ap, fmt);
	vfatal(fmt, ap, err);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vfatal(fmt, ap, NULL);
}

void
audit(const char *event, const char *fmt, ...)
{
	va_list	 ap;
	char	 prefix[128], kv[LOG_LINE_MAX];

	(void)snprintf(prefix, sizeof(prefix), "audit: event=%s ", event);
	va_start(ap, fmt);
	vlog(LOG_AUTHPRIV | LOG_NOTICE, prefix, fmt, ap, NULL);
	va_end(ap);
	if (audit_hook != NULL) {
		va_start(ap, fmt);
		(void)vsnprintf(kv, sizeof(kv), fmt, ap);
		va_end(ap);
		audit_hook(event, kv);
	}
}

void
log_set_audit_hook(void (*fn)(const char *, const char *))
{
	audit_hook = fn;
}

const char *
log_quote(const char *s, char *buf, size_t len)
{
	size_t	 o = 0;

	if (len < 3) {
		if (len > 0)
			buf[0] = '\0';
		return buf;
	}
	buf[o++] = '"';
	for (; *s != '\0' && o + 5 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			(void)snprintf(buf + o, len - o, "\\x%02x", c);
			o += 4;
		} else
			buf[o++] = (char)c;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

int
log_rate_ok(struct log_rate *rl, unsigned long long *missed)
{
	uint64_t	 now = now_ms();

	if (rl->logged && now - rl->last < LOG_RATE_MS) {
		rl->missed++;
		return 0;
	}
	rl->logged = 1;
	rl->last = now;
	*missed = rl->missed;
	rl->missed = 0;
	return 1;
}
