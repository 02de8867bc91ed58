/*
 * control: owns the UNIX control socket.  It learns each caller's
 * credentials from the kernel (SO_PEERCRED), decides what the caller may
 * do, and forwards permitted requests to the parent stamped with those
 * credentials.  A malformed request closes that one connection.
 */
#include "autoconf.h"

#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <event2/event.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "privsep/control.h"
#include "privsep/log.h"
#include "privsep/policies.h"
#include "privsep/proc.h"
#include "privsep/sandbox.h"

/*
 * Enough for several administrators and scripts at once.  The socket is
 * open to every local user, so one user holds at most a few of the
 * slots and root always finds one; a connection carries one request
 * and does not linger.
 */
#define CONTROL_MAX_CLIENTS	64
#define CONTROL_MAX_PER_UID	8	/* for users other than root */
#define CONTROL_ROOT_RESERVE	16	/* slots only root may take */
#define CONTROL_REQUEST_WAIT	10	/* s from connect to the request */
#define CONTROL_REPLY_WAIT	90	/* s for the answer to arrive */
/*
 * Monitors stay connected; one that does not read its events is cut
 * off rather than let control's memory grow without bound.
 */
#define CONTROL_MAX_MONITORS	16
#define CONTROL_MONITOR_QUEUE	4096	/* events queued for one client */

struct ctl_conn {
	TAILQ_ENTRY(ctl_conn)	 entry;
	uint32_t		 id;
	struct imsgev		 iev;
	struct ctl_cred		 cred;
	int			 asked;		/* its one request is forwarded */
	int			 monitor;	/* subscribed to events */
	struct event		*ev_timeout;
};

struct control {
	struct privsep		*ps;
	const struct control_program *prog;
	struct conf_control	 conf;
	int			 have_conf;
	int			 sock;
	struct event		*ev_accept;
	TAILQ_HEAD(, ctl_conn)	 conns;
	int			 nconns;
	int			 nmonitors;
	uint32_t		 next_id;
};

static struct control	 ctl;

static void	control_conn_close(struct ctl_conn *);
static void	control_conn_arm(struct ctl_conn *, int);
static void	control_dispatch_reply(struct privsep *, int, struct imsg *);

static const struct ctl_request *
ctl_request_find(uint32_t type)
{
	size_t	 i;

	for (i = 0; i < ctl.prog->nrequests; i++)
		if (ctl.prog->requests[i].type == type)
			return &ctl.prog->requests[i];
	return NULL;
}

static int
caller_is_admin(const struct ctl_cred *cred)
{
	uint32_t	 i;

	if (cred->uid == 0)
		return 1;
	if (!ctl.conf.has_admin_gid)
		return 0;
	if (cred->gid == ctl.conf.admin_gid)
		return 1;
	for (i = 0; i < ctl.conf.nuids && i < CONF_ADMIN_UIDS; i++)
		if (ctl.conf.uids[i] == cred->uid)
			return 1;
	return 0;
}

static int
caller_may(const struct ctl_cred *cred, enum ctl_need need)
{
	if (caller_is_admin(cred))
		return 1;
	return need == NEED_READ && ctl.conf.read_access == READ_ACCESS_ALL;
}

static struct ctl_conn *
control_conn_find(uint32_t id)
{
	struct ctl_conn	*c;

	TAILQ_FOREACH(c, &ctl.conns, entry)
		if (c->id == id)
			return c;
	return NULL;
}

static void
control_deny(struct ctl_conn *c, const struct ctl_request *req,
    enum ctl_need need)
{
	struct ctl_result	 r;
	char			 q[64];

	memset(&r, 0, sizeof(r));
	r.code = EPERM;
	(void)snprintf(r.msg, sizeof(r.msg), "permission denied: \"%s\" "
	    "needs root or the admin group%s%s", req->name,
	    need == NEED_READ ? ", or read-access all in " : "",
	    need == NEED_READ ? ctl.prog->conffile : "");
	audit("control-denied", "uid=%u gid=%u pid=%d command=%s",
	    c->cred.uid, c->cred.gid, c->cred.pid,
	    log_quote(req->name, q, sizeof(q)));
	(void)imsgev_compose(&c->iev, IMSG_CTL_RESULT, 0, -1, &r, sizeof(r));
}

/*
 * The connection now takes events until it closes; it has nothing more
 * to ask, so it has no reply to wait for either.
 */
static int
control_subscribe(struct ctl_conn *c)
{
	struct ctl_result	 r;

	if (ctl.nmonitors >= CONTROL_MAX_MONITORS) {
		memset(&r, 0, sizeof(r));
		r.code = EBUSY;
		(void)snprintf(r.msg, sizeof(r.msg), "too many monitors "
		    "(%d) already", CONTROL_MAX_MONITORS);
		(void)imsgev_compose(&c->iev, IMSG_CTL_RESULT, 0, -1, &r,
		    sizeof(r));
		return 0;
	}
	c->monitor = 1;
	ctl.nmonitors++;
	if (c->ev_timeout != NULL)
		(void)evtimer_del(c->ev_timeout);
	log_debug("control client uid %u pid %d monitors", c->cred.uid,
	    c->cred.pid);
	/* Tells the client that every event from now on reaches it. */
	memset(&r, 0, sizeof(r));
	(void)snprintf(r.msg, sizeof(r.msg), "monitoring");
	(void)imsgev_compose(&c->iev, IMSG_CTL_RESULT, 0, -1, &r, sizeof(r));
	return 0;
}

/* An event from a process: to every subscriber that keeps up. */
static void
control_event(const struct imsg *imsg)
{
	struct ctl_conn	*c, *next;

	for (c = TAILQ_FIRST(&ctl.conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (!c->monitor)
			continue;
		if (imsgbuf_queued(&c->iev.ibuf) >= CONTROL_MONITOR_QUEUE) {
			log_warnx("monitor of uid %u reads too slowly; "
			    "closing it", c->cred.uid);
			control_conn_close(c);
			continue;
		}
		(void)imsgev_compose(&c->iev, imsg->hdr.type, 0, -1,
		    imsg->data, imsg->datalen);
	}
}

/* One request from a client; -1 closes the connection. */
static int
control_request(struct ctl_conn *c, struct imsg *imsg)
{
	const struct ctl_request	*req;
	uint8_t				 buf[sizeof(struct ctl_cred) +
					    CTL_REQUEST_MAX];
	size_t				 len = imsg_get_len(imsg);
	enum ctl_need			 need;
	int				 rc;

	if ((req = ctl_request_find(imsg->hdr.type)) == NULL) {
		log_warnx("client uid %u sent unknown request %u; closing",
		    c->cred.uid, imsg->hdr.type);
		return -1;
	}
	if (len != req->len || imsg->fd != -1) {
		log_warnx("client uid %u sent a malformed %s request; closing",
		    c->cred.uid, req->name);
		return -1;
	}
	if (req->type == IMSG_CTL_LOG_VERBOSE) {
		int32_t	 v;

		memcpy(&v, imsg->data, sizeof(v));
		if (v != 0 && v != 1)
			return -1;
	}
	need = req->need;
	if (req->need_of != NULL)
		need = req->need_of(imsg->data, len);
	if (!ctl.have_conf || !caller_may(&c->cred, need)) {
		control_deny(c, req, need);
		return 0;
	}
	if (ctl.prog->monitor != 0 && req->type == ctl.prog->monitor)
		return control_subscribe(c);
	if (len > CTL_REQUEST_MAX)
		fatalx("%s: request table allows %zu bytes", __func__, len);
	memcpy(buf, &c->cred, sizeof(c->cred));
	memcpy(buf + sizeof(c->cred), imsg->data, len);
	/* Without memory to pass it on, the client is closed, not us. */
	rc = proc_compose_try(ctl.ps, req->to, req->type, c->id, -1, buf,
	    sizeof(c->cred) + len);
	/* Requests may carry a network password. */
	sodium_memzero(buf, sizeof(buf));
	if (rc == -1 && errno == ENOMEM) {
		log_warnx("no memory to pass on a request of uid %u; closing "
		    "it", c->cred.uid);
		return -1;
	}
	return 0;
}

static void
control_conn_event(int fd, short what, void *arg)
{
	struct imsgev	*iev = arg;
	struct ctl_conn	*c = iev->data;
	struct imsg	 imsg;
	int		 n;

	if (what & EV_WRITE) {
		if (imsgbuf_write(&c->iev.ibuf) == -1) {
			control_conn_close(c);
			return;
		}
	}
	if (what & EV_READ) {
		n = imsgbuf_read(&c->iev.ibuf);
		if (n == 0 || (n == -1 && errno != EAGAIN)) {
			control_conn_close(c);
			return;
		}
		for (;;) {
			n = imsg_get(&c->iev.ibuf, &imsg);
			if (n == -1) {
				log_warnx("client uid %u sent a malformed "
				    "message; closing", c->cred.uid);
				control_conn_close(c);
				return;
			}
			if (n == 0)
				break;
			if (c->asked) {
				/* One request per connection (PROTOCOL.md). */
				log_warnx("client uid %u sent a second request; "
				    "closing", c->cred.uid);
				imsg_free(&imsg);
				control_conn_close(c);
				return;
			}
			c->asked = 1;
			control_conn_arm(c, CONTROL_REPLY_WAIT);
			n = control_request(c, &imsg);
			imsg_free(&imsg);
			if (n == -1) {
				control_conn_close(c);
				return;
			}
		}
	}
	imsgev_update(&c->iev);
}

static void
control_conn_timeout(int fd, short what, void *arg)
{
	struct ctl_conn	*c = arg;

	log_debug("control client uid %u timed out", c->cred.uid);
	control_conn_close(c);
}

static void
control_conn_arm(struct ctl_conn *c, int seconds)
{
	struct timeval	 tv = { seconds, 0 };

	if (c->ev_timeout == NULL &&
	    (c->ev_timeout = evtimer_new(ctl.ps->base, control_conn_timeout,
	    c)) == NULL)
		fatalx("%s: timer", __func__);
	(void)evtimer_add(c->ev_timeout, &tv);
}

static int
conns_of(uint32_t uid)
{
	struct ctl_conn	*c;
	int		 n = 0;

	TAILQ_FOREACH(c, &ctl.conns, entry)
		if (c->cred.uid == uid)
			n++;
	return n;
}

static void
control_conn_close(struct ctl_conn *c)
{
	if (c->ev_timeout != NULL)
		event_free(c->ev_timeout);
	TAILQ_REMOVE(&ctl.conns, c, entry);
	ctl.nconns--;
	if (c->monitor)
		ctl.nmonitors--;
	imsgev_close(&c->iev);
	free(c);
}

static void
control_accept(int fd, short what, void *arg)
{
	struct ctl_conn	*c;
	struct ucred	 uc;
	socklen_t	 len = sizeof(uc);
	int		 s;

	if ((s = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) ==
	    -1) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_warn("accept");
		return;
	}
	if (ctl.nconns >= CONTROL_MAX_CLIENTS) {
		log_warnx("too many control clients; refusing one");
		(void)close(s);
		return;
	}
	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1) {
		log_warn("SO_PEERCRED");
		(void)close(s);
		return;
	}
	if (uc.uid != 0 && (conns_of(uc.uid) >= CONTROL_MAX_PER_UID ||
	    ctl.nconns >= CONTROL_MAX_CLIENTS - CONTROL_ROOT_RESERVE)) {
		log_warnx("uid %u has too many control connections; refusing "
		    "one", uc.uid);
		(void)close(s);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("%s", __func__);
		(void)close(s);
		return;
	}
	c->cred.uid = uc.uid;
	c->cred.gid = uc.gid;
	c->cred.pid = uc.pid;
	c->id = ++ctl.next_id;
	if (c->id == 0)
		c->id = ++ctl.next_id;
	if (imsgev_init(&c->iev, ctl.ps->base, s, control_conn_event, c) ==
	    -1) {
		log_warn("%s", __func__);
		(void)close(s);
		free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&ctl.conns, c, entry);
	ctl.nconns++;
	control_conn_arm(c, CONTROL_REQUEST_WAIT);
	log_debug("control client uid %u pid %d connected", uc.uid, uc.pid);
}

static void
control_dispatch_parent(struct privsep *ps, int from, struct imsg *imsg)
{
	switch (imsg->hdr.type) {
	case IMSG_CONTROL_CONF:
		(void)imsg_get_data(imsg, &ctl.conf, sizeof(ctl.conf));
		if (ctl.conf.nuids > CONF_ADMIN_UIDS)
			fatalx("parent sent %u admin uids", ctl.conf.nuids);
		ctl.have_conf = 1;
		break;
	case IMSG_CONTROL_SOCKET:
		if (ctl.sock != -1)
			fatalx("parent sent a second control socket");
		ctl.sock = imsg_get_fd(imsg);
		ctl.ev_accept = event_new(ps->base, ctl.sock,
		    EV_READ | EV_PERSIST, control_accept, NULL);
		if (ctl.ev_accept == NULL ||
		    event_add(ctl.ev_accept, NULL) == -1)
			fatalx("cannot listen on the control socket");
		break;
	default:
		control_dispatch_reply(ps, from, imsg);
	}
}

/*
 * Replies go to the client that asked, if it is still there.  The rule
 * table has already checked that this sender may send this type to us,
 * and every such type is a reply.
 */
static void
control_dispatch_reply(struct privsep *ps, int from, struct imsg *imsg)
{
	struct ctl_conn	*c;

	if (ctl.prog->event != 0 && imsg->hdr.type == ctl.prog->event) {
		control_event(imsg);
		return;
	}
	if ((c = control_conn_find(imsg->hdr.peerid)) == NULL)
		return;
	(void)imsgev_compose(&c->iev, imsg->hdr.type, 0, -1, imsg->data,
	    imsg->datalen);
}

void
control_main(struct privsep *ps, const struct control_program *prog)
{
	struct proc_peer	 peers[PROC_SLOTS];
	size_t			 n = 0;
	int			 i;

	memset(&ctl, 0, sizeof(ctl));
	ctl.ps = ps;
	ctl.prog = prog;
	ctl.sock = -1;
	TAILQ_INIT(&ctl.conns);

	proc_child_setup(ps);
	/* The parent configures us; every other process only replies. */
	peers[n++] = (struct proc_peer){ PROC_PARENT, control_dispatch_parent };
	for (i = 1; i < ps->nprocs; i++)
		if (i != ps->id)
			peers[n++] = (struct proc_peer){ i,
			    control_dispatch_reply };
	proc_peers(ps, peers, n);
	proc_child_loop(ps, &policy_control);
}
