/*
 * The web child both daemons may run (../shared/DESIGN.md, "The web
 * child"): the one process that parses HTTP.  The parent binds the
 * listener and passes it; the child serves read-only pages built from
 * the snapshots and events the other processes send it.  It holds no
 * key and no admin right: the rule tables let it send nothing but log
 * lines, so nothing it says can change state.  Without an http-listen
 * line it is not started.
 *
 * Here: the listener's configuration and socket (parent side), and the
 * HTTP server with its limits and its counters of refused requests
 * (child side); each program adds its routes and snapshots.
 */
#ifndef HAMD_PRIVSEP_WEB_H
#define HAMD_PRIVSEP_WEB_H

#include <sys/types.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "privsep/proc.h"
#include "privsep/webparse.h"

struct evbuffer;
struct evhttp_request;

/* Limits: a client gets this much, then the connection is refused. */
#define WEB_MAX_CONNS		64
#define WEB_MAX_HEADERS		8192	/* bytes of request line and headers */
#define WEB_READ_TIMEOUT	5	/* s between reads */
#define WEB_REQUEST_DEADLINE	10	/* s for a whole request to arrive */

/* Why a request or a connection was refused (the metrics' reason). */
enum web_refusal {
	WEB_REF_METHOD = 0,	/* not GET or HEAD: 405 */
	WEB_REF_NOT_FOUND,	/* no such page: 404 */
	WEB_REF_TRAVERSAL,	/* "..", a NUL, a backslash in the path: 400 */
	WEB_REF_OVERSIZE,	/* request line and headers too large */
	WEB_REF_MALFORMED,	/* not HTTP the parser accepts */
	WEB_REF_SLOW,		/* not complete within the deadline */
	WEB_REF_BUSY,		/* over WEB_MAX_CONNS */
	WEB_REF_MAX
};
const char	*web_refusal_str(int);

struct web_stats {
	uint64_t	 conns;			/* accepted */
	uint32_t	 open;
	uint32_t	 pad;
	uint64_t	 served;		/* answered 200 */
	uint64_t	 refused[WEB_REF_MAX];
};

/* A page: its path, exactly, and what builds it into buf. */
struct web_route {
	const char	*path;
	const char	*content_type;
	/* 0 and the body in buf, or an HTTP status to send instead */
	int		(*build)(struct evbuffer *, const char *query);
};

/*
 * Test hook (--enable-test-hooks, HAMD_TEST_WEB_FORGE=NAME): the web
 * child writes this request straight onto its channel to process NAME,
 * past its own rule check, as a compromised web child would, with root's
 * credentials in front.  The receiver must refuse it (fatal), never act.
 */
struct web_forge {
	int		 to;
	uint32_t	 type;
	size_t		 len;		/* payload after the ctl_cred */
	const void	*payload;	/* len bytes; NULL: zeros */
};

struct web_program {
	const struct web_route	*routes;
	size_t			 nroutes;
	uint32_t		 listener;	/* parent -> web: the socket */
	/* the program's snapshots and events; the parent's listener
	   message is the framework's */
	const struct proc_peer	*peers;
	size_t			 npeers;
	const char		*metric_prefix;	/* "hamd", "hamhubd" */
	const struct web_forge	*forge;		/* test hook; may be NULL */
	size_t			 nforge;
};

/* The web child's entry; never returns. */
__attribute__((__noreturn__))
void	web_main(struct privsep *, const struct web_program *);
const struct web_stats *web_stats(void);

/*
 * Prometheus text exposition (version 0.0.4): a family's HELP and TYPE,
 * then its samples.  Labels are "name=value" pairs, values escaped
 * here; NULL ends the list.
 */
void	prom_family(struct evbuffer *, const char *name, const char *type,
	    const char *help);
void	prom_sample(struct evbuffer *, const char *name, double value,
	    const char *const *labels);
void	prom_u64(struct evbuffer *, const char *name, uint64_t value,
	    const char *const *labels);
/* The HTTP child's own counters, as prefix_http_... families. */
void	web_metrics_self(struct evbuffer *, const char *prefix);
/* Text for HTML: <, >, &, " and ' escaped. */
void	html_text(struct evbuffer *, const char *);

#endif
