/*
 * The authority's reports: every audit record that is an event (login,
 * logout, lost, refused, join, leave, evict) goes to control for the
 * monitors and to the web child, as it is logged; and with a web child,
 * a snapshot of status, nodes (with what each carried: authtraffic.h)
 * and networks once a second.  The audit hook sees each record where it
 * happens, so the login and membership code need no call of their own.
 */
#include "autoconf.h"

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compat/compat.h"
#include "compat/util.h"
#include "crypto/key.h"
#include "hub/authctl.h"
#include "hub/authtraffic.h"
#include "hub/authweb.h"
#include "hub/membership.h"
#include "hub/session.h"
#include "privsep/log.h"
#include "privsep/proc.h"

static struct event	*web_ev;

static const struct {
	const char	*audit;
	int		 kind;
} audit_events[] = {
	{ "login", EV_LOGIN },
	{ "logout", EV_LOGOUT },
	{ "connection-lost", EV_LOST },
	{ "login-blocked", EV_REFUSED },
	{ "login-new-ratelimited", EV_REFUSED },
	{ "handshake-replay", EV_REFUSED },
	{ "join-refused", EV_REFUSED },
	{ "join", EV_JOIN },
	{ "approve", EV_JOIN },
	{ "leave", EV_LEAVE },
	{ "evict", EV_EVICT },
	{ "reject", EV_EVICT },
};

/* The value of key=... in an audit record's text (quotes removed). */
static void
kv_get(const char *kv, const char *key, char *out, size_t outlen)
{
	const char	*p = kv, *v;
	size_t		 kl = strlen(key), n;

	out[0] = '\0';
	while ((p = strstr(p, key)) != NULL) {
		if ((p == kv || p[-1] == ' ') && p[kl] == '=')
			break;
		p += kl;
	}
	if (p == NULL)
		return;
	v = p + kl + 1;
	if (*v == '"') {
		v++;
		n = strcspn(v, "\"");
	} else
		n = strcspn(v, " ");
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, v, n);
	out[n] = '\0';
}

static void
authweb_audit(const char *event, const char *kv)
{
	struct ctl_event	 ev;
	char			 from[64], dur[32], reason[CTL_DETAIL_MAX];
	struct store_node	 node;
	struct session		*s;
	uint8_t			 k[KEY_LEN];
	size_t			 i;

	for (i = 0; i < nitems(audit_events); i++)
		if (strcmp(audit_events[i].audit, event) == 0)
			break;
	if (i == nitems(audit_events))
		return;
	memset(&ev, 0, sizeof(ev));
	ev.time_ms = unix_ms();
	ev.kind = (uint32_t)audit_events[i].kind;
	kv_get(kv, "node", ev.key, sizeof(ev.key));
	/*
	 * The nickname, for people; the key stays the node's name.  An
	 * online node's is in its session (logins and logouts, most of the
	 * events, cost no query); the others' in the store.
	 */
	if (key_from_base64(k, ev.key) == 0) {
		if ((s = session_online(k)) != NULL)
			(void)snprintf(ev.name, sizeof(ev.name), "%.*s",
			    (int)sizeof(s->node.nick) - 1, s->node.nick);
		else if (store_node_get(au.store, k, &node) == STORE_OK)
			(void)snprintf(ev.name, sizeof(ev.name), "%.*s",
			    (int)sizeof(node.nick) - 1, node.nick);
	}
	kv_get(kv, "net", ev.network, sizeof(ev.network));
	kv_get(kv, "from", from, sizeof(from));
	kv_get(kv, "duration", dur, sizeof(dur));
	ev.duration_ms = (int64_t)strtoll(dur, NULL, 10) * 1000;
	if (ev.kind == EV_REFUSED)
		(void)snprintf(ev.detail, sizeof(ev.detail), "%s from %.48s",
		    event, from);
	else if (ev.kind == EV_LOGOUT || ev.kind == EV_LOST) {
		kv_get(kv, "reason", reason, sizeof(reason));
		(void)snprintf(ev.detail, sizeof(ev.detail), "%.40s (from "
		    "%.46s)", reason, from);
	} else if (ev.kind == EV_LOGIN) {
		kv_get(kv, "address", reason, sizeof(reason));
		(void)snprintf(ev.detail, sizeof(ev.detail), "%.40s from "
		    "%.48s", reason, from);
	} else
		(void)strlcpy(ev.detail, event, sizeof(ev.detail));
	/* A monitor may miss one when memory runs out: counted, not fatal. */
	if (proc_compose_try(au.ps, HUBD_PROC_CONTROL, IMSG_CTL_EVENT, 0, -1,
	    &ev, sizeof(ev)) == -1 && errno == ENOMEM)
		authority_nomem("an event for the monitors dropped");
	if (proc_running(au.ps, HUBD_PROC_WEB) &&
	    proc_compose_try(au.ps, HUBD_PROC_WEB, IMSG_CTL_EVENT, 0, -1,
	    &ev, sizeof(ev)) == -1)
		authority_nomem("an event for the web child dropped");
}

struct web_walk {
	struct hubd_web_end	 end;
	int			 nomem;	/* a part not sent: stop there */
	uint8_t			 netid[HUB_NETID_LEN];
};

/* One part of a snapshot; -1 (and the walk stops) without memory. */
static int
web_send(struct web_walk *w, uint32_t type, const void *data, size_t len)
{
	if (w->nomem)
		return -1;
	if (proc_compose_try(au.ps, HUBD_PROC_WEB, type, 0, -1, data,
	    len) == -1) {
		authority_nomem("a web snapshot cut short");
		w->nomem = 1;
		return -1;
	}
	return 0;
}

static int
web_node(void *arg, const struct store_node *n)
{
	struct web_walk		*w = arg;
	struct ctl_hubd_node	 row;

	if (w->end.nodes == HUBD_WEB_NODES_MAX) {
		w->end.truncated = 1;
		return 1;
	}
	authctl_node_row(n, &row);
	row.node.nick[sizeof(row.node.nick) - 1] = '\0';
	if (web_send(w, IMSG_HUBD_WEB_NODE, &row, sizeof(row)) == -1)
		return 1;
	w->end.nodes++;
	return 0;
}

static int
web_member(void *arg, const struct store_member *m)
{
	struct web_walk		*w = arg;
	struct hubd_web_member	 wm;

	if (w->end.members == HUBD_WEB_MEMBERS_MAX) {
		w->end.truncated = 1;
		return 1;
	}
	memset(&wm, 0, sizeof(wm));
	memcpy(wm.netid, m->netid, sizeof(wm.netid));
	memcpy(wm.key, m->key, sizeof(wm.key));
	wm.role = m->role;
	wm.state = m->state;
	if (web_send(w, IMSG_HUBD_WEB_MEMBER, &wm, sizeof(wm)) == -1)
		return 1;
	w->end.members++;
	return 0;
}

static int
web_net(void *arg, const struct store_net *net)
{
	struct web_walk		*w = arg;
	struct hub_net_info	 ni;

	if (w->end.nets == HUBD_WEB_NETS_MAX) {
		w->end.truncated = 1;
		return 1;
	}
	membership_net_info(net, NULL, &ni);
	if (web_send(w, IMSG_HUBD_WEB_NET, &ni, sizeof(ni)) == -1)
		return 1;
	w->end.nets++;
	(void)store_member_foreach(au.store, net->id, web_member, w);
	return w->nomem;
}

/* The engines have said what the snapshot's nodes carried. */
static void
authweb_snapshot(void)
{
	struct ctl_hubd_status	 st;
	struct web_walk		 w;
	uint64_t		 t0 = authority_ns();

	memset(&w, 0, sizeof(w));
	/*
	 * The status opens a snapshot (the web child starts a new one
	 * there), so a snapshot cut short by a want of memory is never
	 * added to: it ends where it was cut, marked truncated, or is
	 * dropped whole when not even its end could be sent.
	 */
	authctl_status_fill(&st);
	if (web_send(&w, IMSG_HUBD_WEB_STATUS, &st, sizeof(st)) == -1)
		return;
	(void)store_node_foreach(au.store, web_node, &w);
	if (!w.nomem)
		(void)store_net_foreach(au.store, web_net, &w);
	if (w.nomem)
		w.end.truncated = 1;
	w.end.db_us = (authority_ns() - t0) / 1000;
	w.nomem = 0;
	(void)web_send(&w, IMSG_HUBD_WEB_END, &w.end, sizeof(w.end));
}

static void
authweb_tick(int fd, short what, void *arg)
{
	/* Until the parent has named the database there is none. */
	if (au.store == NULL)
		return;
	authtraffic_snapshot(authweb_snapshot);
}

void
authweb_init(struct privsep *ps)
{
	struct timeval	 tv = { 1, 0 };

	log_set_audit_hook(authweb_audit);
	if (!proc_running(ps, HUBD_PROC_WEB))
		return;
	if ((web_ev = event_new(ps->base, -1, EV_PERSIST, authweb_tick,
	    NULL)) == NULL || event_add(web_ev, &tv) == -1)
		fatalx("%s: timer", __func__);
}
