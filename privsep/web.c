/*
 * The web child: libevent's evhttp on the socket the parent bound,
 * behind limits of our own, and the counters of what it refused.  See
 * web.h.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat/compat.h"
#include "compat/util.h"
#include "privsep/control.h"
#include "privsep/log.h"
#include "privsep/policies.h"
#include "privsep/proc.h"
#include "privsep/web.h"

/* ---- the child --------------------------------------------------------- */

/*
 * Our record of one connection.  evhttp owns the connection; we hold a
 * reference on its bufferevent so that we can see when evhttp let it
 * go (its callbacks cleared) and count a connection that ended without
 * a request we answered, which evhttp itself never reports.
 */
struct web_conn {
	struct bufferevent	*bev;
	time_t			 since;
	uint64_t		 bytes;		/* read from the client */
	int			 answered;	/* a request reached us */
	int			 refused;	/* counted already */
};

static struct {
	struct privsep		*ps;
	const struct web_program *prog;
	struct evhttp		*http;
	struct event		*ev_sweep;
	struct web_stats	 st;
	struct web_conn		 conns[WEB_MAX_CONNS * 2];
} w;

const char *
web_refusal_str(int r)
{
	static const char *const names[WEB_REF_MAX] = {
		[WEB_REF_METHOD] = "method",
		[WEB_REF_NOT_FOUND] = "not_found",
		[WEB_REF_TRAVERSAL] = "traversal",
		[WEB_REF_OVERSIZE] = "oversize",
		[WEB_REF_MALFORMED] = "malformed",
		[WEB_REF_SLOW] = "slow",
		[WEB_REF_BUSY] = "busy",
	};

	return r >= 0 && r < WEB_REF_MAX ? names[r] : "unknown";
}

const struct web_stats *
web_stats(void)
{
	return &w.st;
}

static void
web_refuse(struct web_conn *c, int why)
{
	w.st.refused[why]++;
	if (c != NULL)
		c->refused = 1;
}

static void
conn_input(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct web_conn	*c = arg;

	c->bytes += info->n_added;
}

/* evhttp asks for each new connection's bufferevent. */
static struct bufferevent *
web_bevcb(struct event_base *base, void *arg)
{
	struct bufferevent	*bev;
	struct web_conn		*c = NULL;
	size_t			 i;

	if ((bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)) ==
	    NULL)
		return NULL;
	w.st.conns++;
	for (i = 0; i < nitems(w.conns); i++)
		if (w.conns[i].bev == NULL) {
			c = &w.conns[i];
			break;
		}
	if (c == NULL) {
		/* Untracked: the sweep cannot end it, so end it now. */
		web_refuse(NULL, WEB_REF_BUSY);
		return bev;
	}
	memset(c, 0, sizeof(*c));
	c->bev = bev;
	c->since = time(NULL);
	bufferevent_incref(bev);
	(void)evbuffer_add_cb(bufferevent_get_input(bev), conn_input, c);
	if (++w.st.open > WEB_MAX_CONNS)
		c->since = 0;	/* the sweep ends it as busy */
	return bev;
}

static struct web_conn *
conn_of(struct evhttp_request *req)
{
	struct evhttp_connection	*evcon;
	struct bufferevent		*bev;
	size_t				 i;

	if ((evcon = evhttp_request_get_connection(req)) == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL)
		return NULL;
	for (i = 0; i < nitems(w.conns); i++)
		if (w.conns[i].bev == bev)
			return &w.conns[i];
	return NULL;
}

static void
conn_end(struct web_conn *c, int why)
{
	evutil_socket_t	 fd = bufferevent_getfd(c->bev);

	/* evhttp sees the end of the stream and frees its side. */
	if (fd != -1)
		(void)shutdown(fd, SHUT_RDWR);
	if (!c->refused)
		web_refuse(c, why);
}

/*
 * Once a second: release connections evhttp is done with (counting
 * those that never got an answer), and end those over the limits.
 */
static void
web_sweep(int fd, short what, void *arg)
{
	bufferevent_data_cb	 rcb;
	struct web_conn		*c;
	time_t			 now = time(NULL);
	size_t			 i;

	for (i = 0; i < nitems(w.conns); i++) {
		c = &w.conns[i];
		if (c->bev == NULL)
			continue;
		bufferevent_getcb(c->bev, &rcb, NULL, NULL, NULL);
		if (rcb == NULL && bufferevent_getfd(c->bev) != -1 &&
		    c->since != 0 && now - c->since > 0) {
			/* evhttp freed it: only our reference holds it. */
			if (!c->answered && !c->refused)
				web_refuse(c, c->bytes > WEB_MAX_HEADERS ?
				    WEB_REF_OVERSIZE : c->bytes == 0 ||
				    now - c->since >= WEB_READ_TIMEOUT ?
				    WEB_REF_SLOW : WEB_REF_MALFORMED);
			evbuffer_remove_cb(bufferevent_get_input(c->bev),
			    conn_input, c);
			bufferevent_decref(c->bev);
			c->bev = NULL;
			w.st.open--;
			continue;
		}
		if (c->since == 0)
			conn_end(c, WEB_REF_BUSY);
		else if (!c->answered &&
		    now - c->since >= WEB_REQUEST_DEADLINE)
			conn_end(c, WEB_REF_SLOW);
	}
}

static void
web_error(struct evhttp_request *req, int code, const char *why)
{
	struct evbuffer	*b = evbuffer_new();

	if (b == NULL) {
		evhttp_send_error(req, code, why);
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; charset=utf-8");
	evbuffer_add_printf(b, "%d %s\n", code, why);
	evhttp_send_reply(req, code, why, b);
	evbuffer_free(b);
}

static void
web_request(struct evhttp_request *req, void *arg)
{
	struct web_conn			*c = conn_of(req);
	const struct evhttp_uri		*uri;
	const struct web_route		*r = NULL;
	struct evkeyvalq		*oh;
	struct evbuffer			*b;
	enum evhttp_cmd_type		 m = evhttp_request_get_command(req);
	const char			*path;
	char				*dec = NULL;
	size_t				 i, declen;
	int				 code;

	if (c != NULL)
		c->answered = 1;
	if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
		web_refuse(c, WEB_REF_METHOD);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "GET, HEAD");
		web_error(req, 405, "Method Not Allowed");
		return;
	}
	uri = evhttp_request_get_evhttp_uri(req);
	path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	if (path == NULL || path[0] == '\0')
		path = "/";
	/* A decoded NUL shortens the string: refused as well. */
	if ((dec = evhttp_uridecode(path, 0, &declen)) == NULL ||
	    declen != strlen(dec) || !web_path_sane(dec) || !web_path_sane(path)) {
		web_refuse(c, WEB_REF_TRAVERSAL);
		free(dec);
		web_error(req, 400, "Bad Request");
		return;
	}
	for (i = 0; i < w.prog->nroutes; i++)
		if (strcmp(w.prog->routes[i].path, dec) == 0) {
			r = &w.prog->routes[i];
			break;
		}
	free(dec);
	if (r == NULL) {
		web_refuse(c, WEB_REF_NOT_FOUND);
		web_error(req, 404, "Not Found");
		return;
	}
	if ((b = evbuffer_new()) == NULL) {
		web_error(req, 503, "Service Unavailable");
		return;
	}
	if ((code = r->build(b, uri != NULL ? evhttp_uri_get_query(uri) :
	    NULL)) != 0) {
		evbuffer_free(b);
		web_error(req, code, code == 404 ? "Not Found" :
		    "Service Unavailable");
		return;
	}
	oh = evhttp_request_get_output_headers(req);
	evhttp_add_header(oh, "Content-Type", r->content_type);
	evhttp_add_header(oh, "Cache-Control", "no-store");
	evhttp_add_header(oh, "X-Content-Type-Options", "nosniff");
	/* Our own scripts and styles only; no framing by others. */
	evhttp_add_header(oh, "Content-Security-Policy", "default-src 'self'; "
	    "frame-ancestors 'none'");
	w.st.served++;
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

#ifdef HAMD_TEST_HOOKS
static const char	*forge_to;	/* HAMD_TEST_WEB_FORGE */

/* See struct web_forge: an admin request, as root, past our own check. */
static void
web_test_forge(void)
{
	struct ctl_cred		 cred = { .uid = 0, .gid = 0, .pid = 1 };
	uint8_t			 buf[sizeof(cred) + CTL_REQUEST_MAX];
	const struct web_forge	*f;
	size_t			 i;
	int			 to;

	if (forge_to == NULL || (to = proc_lookup(w.ps, forge_to)) < 0 ||
	    to == w.ps->id)
		return;
	for (i = 0; i < w.prog->nforge; i++) {
		f = &w.prog->forge[i];
		if (f->to != to || f->len > CTL_REQUEST_MAX)
			continue;
		memset(buf, 0, sizeof(buf));
		memcpy(buf, &cred, sizeof(cred));
		if (f->payload != NULL)
			memcpy(buf + sizeof(cred), f->payload, f->len);
		log_info("test hook: forging %s to %s",
		    proc_msg_name(w.ps, f->type), forge_to);
		if (imsg_compose(&w.ps->iev[to].ibuf, f->type, 1, -1, buf,
		    sizeof(cred) + f->len) == -1 ||
		    imsgbuf_flush(&w.ps->iev[to].ibuf) == -1)
			log_warn("test hook: forge");
		return;
	}
}
#endif

static void
web_start(int fd)
{
	struct timeval	 tv = { 1, 0 };

	if (w.http != NULL)
		fatalx("parent sent a second HTTP listener");
	if ((w.http = evhttp_new(w.ps->base)) == NULL)
		fatalx("evhttp_new failed");
	evhttp_set_max_headers_size(w.http, WEB_MAX_HEADERS);
	evhttp_set_max_body_size(w.http, 0);
	evhttp_set_timeout(w.http, WEB_READ_TIMEOUT);
	/* Every method reaches us, so that we can count what we refuse. */
	evhttp_set_allowed_methods(w.http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	evhttp_set_bevcb(w.http, web_bevcb, NULL);
	evhttp_set_gencb(w.http, web_request, NULL);
	if (evhttp_accept_socket(w.http, fd) == -1)
		fatalx("cannot serve HTTP on the listener");
	w.ev_sweep = event_new(w.ps->base, -1, EV_PERSIST, web_sweep, NULL);
	if (w.ev_sweep == NULL || event_add(w.ev_sweep, &tv) == -1)
		fatalx("cannot start the HTTP timer");
	log_debug("serving HTTP");
#ifdef HAMD_TEST_HOOKS
	web_test_forge();
#endif
}

static void
web_dispatch_parent(struct privsep *ps, int from, struct imsg *imsg)
{
	size_t	 i;

	if (imsg->hdr.type == w.prog->listener) {
		web_start(imsg_get_fd(imsg));
		return;
	}
	for (i = 0; i < w.prog->npeers; i++)
		if (w.prog->peers[i].id == PROC_PARENT) {
			w.prog->peers[i].dispatch(ps, from, imsg);
			return;
		}
	fatalx("%s: unexpected message %s", __func__,
	    proc_msg_name(ps, imsg->hdr.type));
}

void
web_main(struct privsep *ps, const struct web_program *prog)
{
	struct proc_peer	 peers[PROC_MAX];
	size_t			 i, n = 0;

	memset(&w, 0, sizeof(w));
	w.ps = ps;
	w.prog = prog;
#ifdef HAMD_TEST_HOOKS
	forge_to = getenv("HAMD_TEST_WEB_FORGE");
#endif
	proc_child_setup(ps);
	peers[n++] = (struct proc_peer){ PROC_PARENT, web_dispatch_parent };
	for (i = 0; i < prog->npeers && n < PROC_MAX; i++)
		if (prog->peers[i].id != PROC_PARENT)
			peers[n++] = prog->peers[i];
	proc_peers(ps, peers, n);
	proc_child_loop(ps, &policy_web);
}

/* ---- output ------------------------------------------------------------ */

void
prom_family(struct evbuffer *b, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

static void
prom_labels(struct evbuffer *b, const char *const *labels)
{
	const char	*eq, *v;
	int		 first = 1;

	if (labels == NULL || labels[0] == NULL)
		return;
	evbuffer_add(b, "{", 1);
	for (; *labels != NULL; labels++) {
		if ((eq = strchr(*labels, '=')) == NULL)
			continue;
		evbuffer_add_printf(b, "%s%.*s=\"", first ? "" : ",",
		    (int)(eq - *labels), *labels);
		first = 0;
		for (v = eq + 1; *v != '\0'; v++) {
			if (*v == '\\' || *v == '"')
				evbuffer_add_printf(b, "\\%c", *v);
			else if (*v == '\n')
				evbuffer_add(b, "\\n", 2);
			else
				evbuffer_add(b, v, 1);
		}
		evbuffer_add(b, "\"", 1);
	}
	evbuffer_add(b, "}", 1);
}

void
prom_sample(struct evbuffer *b, const char *name, double value,
    const char *const *labels)
{
	evbuffer_add_printf(b, "%s", name);
	prom_labels(b, labels);
	evbuffer_add_printf(b, " %.9g\n", value);
}

void
prom_u64(struct evbuffer *b, const char *name, uint64_t value,
    const char *const *labels)
{
	evbuffer_add_printf(b, "%s", name);
	prom_labels(b, labels);
	evbuffer_add_printf(b, " %llu\n", (unsigned long long)value);
}

void
web_metrics_self(struct evbuffer *b, const char *prefix)
{
	char	 n[96], l[48];
	int	 i;

	(void)snprintf(n, sizeof(n), "%s_http_connections_total", prefix);
	prom_family(b, n, "counter", "HTTP connections accepted");
	prom_u64(b, n, w.st.conns, NULL);
	(void)snprintf(n, sizeof(n), "%s_http_connections", prefix);
	prom_family(b, n, "gauge", "HTTP connections open");
	prom_u64(b, n, w.st.open, NULL);
	(void)snprintf(n, sizeof(n), "%s_http_requests_total", prefix);
	prom_family(b, n, "counter", "HTTP requests answered with a page");
	prom_u64(b, n, w.st.served, NULL);
	(void)snprintf(n, sizeof(n), "%s_http_refused_total", prefix);
	prom_family(b, n, "counter", "HTTP requests and connections "
	    "refused, by reason");
	for (i = 0; i < WEB_REF_MAX; i++) {
		const char	*lab[] = { l, NULL };

		(void)snprintf(l, sizeof(l), "reason=%s", web_refusal_str(i));
		prom_u64(b, n, w.st.refused[i], lab);
	}
}

void
html_text(struct evbuffer *b, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '<':
			evbuffer_add(b, "&lt;", 4);
			break;
		case '>':
			evbuffer_add(b, "&gt;", 4);
			break;
		case '&':
			evbuffer_add(b, "&amp;", 5);
			break;
		case '"':
			evbuffer_add(b, "&quot;", 6);
			break;
		case '\'':
			evbuffer_add(b, "&#39;", 5);
			break;
		default:
			evbuffer_add(b, s, 1);
		}
	}
}
