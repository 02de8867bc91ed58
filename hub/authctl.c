/*
 * hamctl hub requests in the authority; see authctl.h.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hub/authctl.h"
#include "hub/authtraffic.h"
#include "hub/cluster.h"
#include "hub/login.h"
#include "hub/membership.h"
#include "hub/relaycheck.h"
#include "hub/remote.h"
#include "hub/session.h"
#include "privsep/log.h"
#include "privsep/proc.h"

/* Each engine's last report; hamctl hub status shows their sum. */
static struct hubd_engine_stats	 engine[HUBD_ENGINES_MAX];

void
authctl_engine_stats(int from, struct imsg *imsg)
{
	if (imsg_get_data(imsg, &engine[from - HUBD_PROC_ENGINE],
	    sizeof(engine[0])) == -1)
		fatalx("%s: bad size", __func__);
}

static void
engines_sum(struct hubd_engine_stats *t)
{
	const struct hubd_engine_stats	*e;
	int				 i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < HUBD_ENGINES_MAX; i++) {
		e = &engine[i];
		t->accepted += e->accepted;
		t->refused += e->refused;
		t->closed_idle += e->closed_idle;
		t->bad_frames += e->bad_frames;
		t->rx_frames += e->rx_frames;
		t->tx_frames += e->tx_frames;
		t->rx_bytes += e->rx_bytes;
		t->tx_bytes += e->tx_bytes;
		t->open += e->open;
		t->nat_probes += e->nat_probes;
		t->nat_dropped += e->nat_dropped;
		t->relay_packets += e->relay_packets;
		t->relay_bytes += e->relay_bytes;
		t->relay_registers += e->relay_registers;
		t->relay_unknown += e->relay_unknown;
		t->relay_denied += e->relay_denied;
		t->relay_bad += e->relay_bad;
		t->relay_foreign += e->relay_foreign;
		t->relay_throttled += e->relay_throttled;
		t->refused_nomem += e->refused_nomem;
		/* Each engine holds the relay sessions of its part of ids. */
		t->relay_sessions += e->relay_sessions;
	}
}

static void ctl_result(uint32_t, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
ctl_result(uint32_t client, int code, const char *fmt, ...)
{
	struct ctl_result	 r;
	va_list			 ap;

	memset(&r, 0, sizeof(r));
	r.code = code;
	va_start(ap, fmt);
	(void)vsnprintf(r.msg, sizeof(r.msg), fmt, ap);
	va_end(ap);
	/* Without the memory, the client's wait times out; we go on. */
	if (proc_compose_try(au.ps, HUBD_PROC_CONTROL, IMSG_CTL_RESULT,
	    client, -1, &r, sizeof(r)) == -1)
		authority_nomem("an answer to control dropped");
}

static void	cluster_fill(struct ctl_hubd_status *);

void
authctl_status_fill(struct ctl_hubd_status *stp)
{
	int	 i;

	memset(stp, 0, sizeof(*stp));
	(void)snprintf(stp->version, sizeof(stp->version), "%s",
	    PACKAGE_VERSION);
	stp->uptime = (int64_t)(time(NULL) - au.started);
	if (au.have_key)
		key_to_base64(stp->pubkey, au.self->pub);
	(void)store_node_count(au.store, &stp->nodes);
	stp->online = au.nonline;
	(void)store_net_count(au.store, &stp->networks);
	(void)store_block_count(au.store, &stp->blocks);
	stp->pool4 = au.conf.pool4;
	stp->pool6.af = AF_INET6;
	stp->pool6.plen = (uint8_t)au.plen6;
	memcpy(&stp->pool6.addr, au.pool6, 16);
	engines_sum(&stp->engine);
	relaycheck_counts(&stp->engine);
	stp->engine.refused_nomem += au.nomem;
	/* Running processes only: the web child and some engines may not. */
	for (i = 0; i < HUBD_NPROCS && stp->nprocs < CTL_HUBD_PROCS; i++) {
		if (au.conf.pids[i] <= 0)
			continue;
		(void)snprintf(stp->procs[stp->nprocs].name,
		    sizeof(stp->procs[stp->nprocs].name), "%s",
		    au.ps->procs[i].name);
		stp->procs[stp->nprocs++].pid = au.conf.pids[i];
	}
	cluster_fill(stp);
}

static void
cluster_fill(struct ctl_hubd_status *stp)
{
	const struct cluster_hub	*h;
	size_t				 i, n;

	(void)snprintf(stp->database, sizeof(stp->database), "%s",
	    store_backend_name(au.store));
	stp->db_up = !store_down(au.store);
	stp->hub_id = cluster_self();
	stp->cluster_up = cluster_connected();
	stp->remote = remote_count();
	h = cluster_hubs(&n);
	for (i = 0; i < n && stp->nhubs < CTL_HUBD_CLUSTER_MAX; i++) {
		stp->hubs[stp->nhubs].id = h[i].id;
		stp->hubs[stp->nhubs].up_ms = h[i].up_ms;
		stp->hubs[stp->nhubs].lease_ms = h[i].left_ms;
		stp->hubs[stp->nhubs++].nodes = h[i].nodes;
	}
}

static void
ctl_status(uint32_t client)
{
	struct ctl_hubd_status	 st;

	authctl_status_fill(&st);
	if (proc_compose_try(au.ps, HUBD_PROC_CONTROL,
	    IMSG_CTL_HUBD_STATUS_REPLY, client, -1, &st, sizeof(st)) == -1)
		authority_nomem("an answer to control dropped");
}

struct ctl_walk {
	uint32_t	 client;
	uint32_t	 n;
	int		 nomem;
};

void
authctl_node_info(const struct store_node *n, struct hub_member_info *mi)
{
	struct session	*s;

	memset(mi, 0, sizeof(*mi));
	memcpy(mi->key, n->key, HUB_KEY_LEN);
	memcpy(mi->nick, n->nick, sizeof(mi->nick));
	memcpy(mi->v4, n->v4, 4);
	memcpy(mi->v6, n->v6, 16);
	mi->last_seen = n->last_seen;
	if ((s = session_online(n->key)) != NULL) {
		mi->online = 1;
		mi->endpoint = s->endpoint;
	}
}

void
authctl_node_row(const struct store_node *n, struct ctl_hubd_node *row)
{
	authctl_node_info(n, &row->node);
	authtraffic_of(session_online(n->key), &row->traffic);
}

static int
ctl_node(void *arg, const struct store_node *n)
{
	struct ctl_walk		*w = arg;
	struct ctl_hubd_node	 row;

	authctl_node_row(n, &row);
	/* A listing cut short by a memory limit ends with an error. */
	if (proc_compose_try(au.ps, HUBD_PROC_CONTROL, IMSG_CTL_HUBD_NODE,
	    w->client, -1, &row, sizeof(row)) == -1) {
		authority_nomem("a listing for control cut short");
		w->nomem = 1;
		return 1;
	}
	w->n++;
	return 0;
}

static int
ctl_net(void *arg, const struct store_net *net)
{
	struct ctl_walk		*w = arg;
	struct hub_net_info	 ni;

	membership_net_info(net, NULL, &ni);
	/* A listing cut short by a memory limit ends with an error. */
	if (proc_compose_try(au.ps, HUBD_PROC_CONTROL, IMSG_CTL_HUB_NET,
	    w->client, -1, &ni, sizeof(ni)) == -1) {
		authority_nomem("a listing for control cut short");
		w->nomem = 1;
		return 1;
	}
	w->n++;
	return 0;
}

static int
ctl_block_entry(void *arg, const struct store_block *b)
{
	struct ctl_walk	*w = arg;
	struct ctl_cidr	 c;

	memset(&c, 0, sizeof(c));
	c.prefix.af = b->af;
	c.prefix.plen = b->plen;
	memcpy(&c.prefix.addr, b->addr, b->af == AF_INET ? 4 : 16);
	/* A listing cut short by a memory limit ends with an error. */
	if (proc_compose_try(au.ps, HUBD_PROC_CONTROL, IMSG_CTL_HUBD_CIDR,
	    w->client, -1, &c, sizeof(c)) == -1) {
		authority_nomem("a listing for control cut short");
		w->nomem = 1;
		return 1;
	}
	w->n++;
	return 0;
}

static void
ctl_block(uint32_t client, const struct ctl_cred *cred,
    const struct ctl_cidr *c, int add)
{
	struct store_block	 b;
	struct session		*s, *next;
	char			 buf[PREFIX_STRLEN];
	int			 rc;

	if ((c->prefix.af != AF_INET || c->prefix.plen > 32) &&
	    (c->prefix.af != AF_INET6 || c->prefix.plen > 128)) {
		ctl_result(client, EINVAL, "not an address range");
		return;
	}
	memset(&b, 0, sizeof(b));
	b.af = (uint8_t)c->prefix.af;
	b.plen = c->prefix.plen;
	memcpy(b.addr, &c->prefix.addr, b.af == AF_INET ? 4 : 16);
	b.created = authority_now();
	prefix_str(&c->prefix, buf, sizeof(buf));
	rc = add ? store_block_add(au.store, &b) :
	    store_block_remove(au.store, &b);
	if (rc == STORE_EXISTS) {
		ctl_result(client, EEXIST, "%s is already blocked", buf);
		return;
	}
	if (rc == STORE_NOTFOUND) {
		ctl_result(client, ENOENT, "%s is not blocked", buf);
		return;
	}
	if (rc != STORE_OK) {
		ctl_result(client, EIO, "database: %s",
		    store_errmsg(au.store));
		return;
	}
	login_blocks_changed();
	audit(add ? "block" : "unblock", "range=%s uid=%u", buf, cred->uid);
	if (!add) {
		ctl_result(client, 0, "%s unblocked", buf);
		return;
	}
	/* Nodes already in the range are logged off now. */
	for (s = TAILQ_FIRST(&au.onlines); s != NULL; s = next) {
		next = TAILQ_NEXT(s, online);
		if (store_block_match(au.store, s->remote.af,
		    s->remote.addr) == 1) {
			s->graceful = 1;
			login_refuse(s, HUB_REFUSED_BLOCKED, "this address "
			    "range is blocked by the hub operator");
		}
	}
	ctl_result(client, 0, "%s blocked", buf);
}

/* A listing: one message per entry, then the result. */
static void
ctl_listed(uint32_t client, int rc, const struct ctl_walk *w,
    const char *what)
{
	if (w->nomem)
		ctl_result(client, ENOMEM, "the hub is out of memory: the "
		    "listing stopped after %u %s", w->n, what);
	else if (rc != STORE_OK)
		ctl_result(client, EIO, "database: %s",
		    store_errmsg(au.store));
	else
		ctl_result(client, 0, "%u %s", w->n, what);
}

/* The engines have said what each node carried: the listing now. */
static void
ctl_nodes(uint32_t client)
{
	struct ctl_walk		 w;

	memset(&w, 0, sizeof(w));
	w.client = client;
	ctl_listed(client, store_node_foreach(au.store, ctl_node, &w), &w,
	    "nodes");
}

void
authctl_request(struct imsg *imsg)
{
	struct ctl_cred		 cred;
	struct ctl_cidr		 cidr;
	struct ctl_walk		 w;
	uint32_t		 client = imsg->hdr.peerid;

	/* The rule table checked the size: a credential comes first. */
	memcpy(&cred, imsg->data, sizeof(cred));
	memset(&w, 0, sizeof(w));
	w.client = client;
	/* The few milliseconds before the parent names the database. */
	if (au.store == NULL) {
		ctl_result(client, EAGAIN, "the hub is starting; try again");
		return;
	}
	switch (imsg->hdr.type) {
	case IMSG_CTL_STATUS:
		ctl_result(client, EOPNOTSUPP, "this is hamhubd's socket: use "
		    "'hamctl hub status' here, 'hamctl status' on a node");
		break;
	case IMSG_CTL_HUBD_STATUS:
		ctl_status(client);
		break;
	case IMSG_CTL_HUBD_NODES:
		authtraffic_listing(client, ctl_nodes);
		break;
	case IMSG_CTL_HUBD_NETWORKS:
		ctl_listed(client, store_net_foreach(au.store, ctl_net, &w),
		    &w, "networks");
		break;
	case IMSG_CTL_HUBD_BLOCKS:
		ctl_listed(client, store_block_foreach(au.store,
		    ctl_block_entry, &w), &w, "blocked ranges");
		break;
	case IMSG_CTL_HUBD_BLOCK:
	case IMSG_CTL_HUBD_UNBLOCK:
		memcpy(&cidr, (const uint8_t *)imsg->data + sizeof(cred),
		    sizeof(cidr));
		ctl_block(client, &cred, &cidr,
		    imsg->hdr.type == IMSG_CTL_HUBD_BLOCK);
		break;
	default:
		fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
	}
}
