/*
 * hubload's workers: each drives the connections of the nodes it owns
 * (index modulo the worker count) from one epoll loop, and carries out
 * the coordinator's commands.  A node here is what hamd's tun and
 * engine are to a hub: a TCP connection from its own source address,
 * the Noise IK handshake with its own key, LOGIN, and then whatever
 * the hub says about its peers, counted rather than acted on.
 *
 * Per node the worker keeps little: its connection (no buffer while
 * nothing is in flight, as on the hub), the channel while connected,
 * and the set of peers the hub has told it about.
 */
#include "autoconf.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "bench/hubload.h"
#include "crypto/noise.h"
#include "crypto/wg_result.h"
#include "proto/framer.h"
#include "proto/hubchan.h"
#include "proto/hubproto.h"

_Static_assert(HL_INIT_LEN == HUB_CHAN_INIT_LEN, "the INIT a step replays");

#define EV_BATCH	256
#define READ_MAX	(64 * 1024)	/* per readable event */
#define OUT_MAX		(1024 * 1024)
#define PIPELINE	64		/* invites in flight */
#define CTRL_TAG	UINT64_MAX	/* epoll data of the command socket */

enum { N_OFF = 0, N_CONNECTING, N_INIT_SENT, N_LOGIN_SENT, N_ONLINE };

/* The channel and the key it is made with, while connected. */
struct nchan {
	struct hub_chan		 ch;
	struct noise_static	 self;
};

/* Peers the hub told a node about: index -> what it said last. */
struct pset {
	uint32_t	*k;		/* index + 1; 0 empty */
	uint8_t		*st;		/* HL_SEEN_UP, 4 offline, 0 down */
	uint32_t	 cap, n, nup;
};

struct hnode {
	uint32_t	 idx;
	int		 fd;
	uint8_t		 state;
	uint8_t		 in_batch;	/* part of the running HL_LOGIN */
	uint8_t		 had_v4;
	uint8_t		 writing;	/* EPOLLOUT armed */
	uint8_t		 v4[4];
	struct nchan	*nc;
	struct framer	 fr;
	struct frame_out out;
	uint64_t	 t0;		/* this connection's start */
	uint64_t	 last_ping;
	uint64_t	 seen;		/* when it heard the watched key */
	uint32_t	 req_lo, reqid;	/* requests awaiting an answer */
	uint8_t		 tries;		/* HL_RETRY: attempts so far */
	struct pset	 peers;
};

static struct {
	int		 id;
	int		 ctl;		/* socket to the coordinator */
	int		 ep;
	struct noise_protocol proto;
	struct hnode	*nodes;		/* owned: index id + k * nworkers */
	uint32_t	 nnodes;
	uint32_t	 nextreq;

	/* the running command */
	struct hl_cmd	 cmd;
	struct hl_reply	 rep;
	int		 busy;
	uint64_t	 deadline;
	uint32_t	*queue;		/* HL_LOGIN: nodes still to start */
	uint32_t	 qlen, qpos, inflight, left;
	struct {
		uint32_t	 idx;
		uint64_t	 when;
	}		*retry;		/* HL_RETRY: to start again then */
	uint32_t	 nretry;
	uint32_t	 inv_next, inv_end, inv_out;	/* HL_INVITE */
	uint32_t	 inv_ring[PIPELINE];	/* keys in flight, in order */
	uint32_t	 inv_head;
	uint32_t	*inv_retry;		/* answered EAGAIN */
	uint32_t	 inv_nretry;
	uint64_t	 inv_hold;		/* no invite before then */
	uint32_t	 inv_owner;

	uint32_t	 watch;		/* key index, or HL_NONE */
	int		 watch_kind;
	uint64_t	 frames, about;
} w;

static void	node_close(struct hnode *, int lost);
static void	cmd_node_done(struct hnode *, int ok, int refused);
static void	login_pump(void);
static void	invite_answer(struct hnode *, int code);

/* ---- peer sets ---------------------------------------------------------- */

static uint32_t
pset_slot(const struct pset *p, uint32_t idx)
{
	uint32_t	 h = (idx * 2654435761u) & (p->cap - 1);

	while (p->k[h] != 0 && p->k[h] != idx + 1)
		h = (h + 1) & (p->cap - 1);
	return h;
}

static void
pset_set(struct pset *p, uint32_t idx, uint8_t st)
{
	uint32_t	 h, i, ocap;
	uint32_t	*ok;
	uint8_t		*ost;

	if (p->cap == 0 || (p->n + 1) * 4 > p->cap * 3) {
		ocap = p->cap;
		ok = p->k;
		ost = p->st;
		p->cap = ocap ? ocap * 2 : 16;
		if ((p->k = calloc(p->cap, sizeof(*p->k))) == NULL ||
		    (p->st = calloc(p->cap, 1)) == NULL) {
			fprintf(stderr, "hubload: out of memory\n");
			exit(2);
		}
		p->n = 0;
		for (i = 0; i < ocap; i++)
			if (ok[i] != 0) {
				h = pset_slot(p, ok[i] - 1);
				p->k[h] = ok[i];
				p->st[h] = ost[i];
				p->n++;
			}
		free(ok);
		free(ost);
	}
	h = pset_slot(p, idx);
	if (p->k[h] == 0) {
		p->k[h] = idx + 1;
		p->n++;
	} else if (p->st[h] == HL_SEEN_UP)
		p->nup--;
	p->st[h] = st;
	if (st == HL_SEEN_UP)
		p->nup++;
}

static void
pset_clear(struct pset *p)
{
	free(p->k);
	free(p->st);
	memset(p, 0, sizeof(*p));
}

/* ---- sending ------------------------------------------------------------ */

static void
node_arm(struct hnode *n, int out)
{
	struct epoll_event	 ev;

	if (n->writing == out)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | (out ? EPOLLOUT : 0);
	ev.data.u64 = n->idx;
	if (epoll_ctl(w.ep, EPOLL_CTL_MOD, n->fd, &ev) == -1) {
		perror("hubload: epoll_ctl");
		exit(2);
	}
	n->writing = (uint8_t)out;
}

static void
node_flush(struct hnode *n)
{
	switch (frame_out_write(&n->out, n->fd, NULL)) {
	case -1:
		node_close(n, 1);
		break;
	case 0:
		node_arm(n, 1);
		break;
	default:
		node_arm(n, 0);
		break;
	}
}

static int
node_frame(struct hnode *n, const uint8_t *body, size_t len)
{
	if (frame_out_add(&n->out, body, len) == -1) {
		node_close(n, 1);
		return -1;
	}
	node_flush(n);
	return n->fd == -1 ? -1 : 0;
}

static int
node_send(struct hnode *n, const struct hub_msg *m)
{
	uint8_t	 pt[HUB_MSG_MAX], f[HUB_FRAME_MAX];
	size_t	 len, flen;

	if ((len = hub_msg_encode(m, pt, sizeof(pt))) == 0 ||
	    hub_chan_seal(&n->nc->ch, pt, len, f, sizeof(f), &flen) != WG_OK) {
		node_close(n, 1);
		return -1;
	}
	return node_frame(n, f, flen);
}

static int
node_request(struct hnode *n, uint8_t op, const char *net,
    const char *password, uint32_t key, uint8_t type, uint8_t mode)
{
	struct hub_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_REQUEST;
	if (++w.nextreq == 0)
		w.nextreq = 1;
	m.u.req.id = w.nextreq;
	m.u.req.op = op;
	m.u.req.type = type;
	m.u.req.mode = mode;
	(void)snprintf(m.u.req.net, sizeof(m.u.req.net), "%s", net);
	(void)snprintf(m.u.req.password, sizeof(m.u.req.password), "%s",
	    password);
	if (key != HL_NONE) {
		m.u.req.has_key = 1;
		memcpy(m.u.req.key, hl.pub[key], 32);
	}
	if (n->reqid == 0 || n->req_lo == 0)
		n->req_lo = m.u.req.id;
	n->reqid = m.u.req.id;
	return node_send(n, &m);
}

/* ---- a node's connection -------------------------------------------------- */

static struct hnode *
node_of(uint32_t idx)
{
	if (idx >= hl.nkeys || idx % (uint32_t)hl.nworkers != (uint32_t)w.id)
		return NULL;
	return &w.nodes[idx / (uint32_t)hl.nworkers];
}

static void
node_close(struct hnode *n, int lost)
{
	int	 was = n->state;

	if (n->fd != -1) {
		(void)epoll_ctl(w.ep, EPOLL_CTL_DEL, n->fd, NULL);
		(void)close(n->fd);
	}
	n->fd = -1;
	n->state = N_OFF;
	n->writing = 0;
	framer_free(&n->fr);
	frame_out_free(&n->out);
	if (n->nc != NULL) {
		hub_chan_clear(&n->nc->ch);
		sodium_memzero(&n->nc->self, sizeof(n->nc->self));
		free(n->nc);
		n->nc = NULL;
	}
	/* A node that logs in again hears its peers again. */
	pset_clear(&n->peers);
	if (lost && n->in_batch && was != N_ONLINE)
		cmd_node_done(n, 0, 0);
}

static int
node_connect(struct hnode *n)
{
	struct sockaddr_in	 src;
	struct epoll_event	 ev;
	int			 one = 1;

	n->t0 = hl_now_ns();
	if ((n->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return -1;
	(void)setsockopt(n->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (hl.src_count > 0) {
		memset(&src, 0, sizeof(src));
		src.sin_family = AF_INET;
		src.sin_addr.s_addr = htonl(hl.src_base + (n->idx / hl.per_src) %
		    hl.src_count);
		if (bind(n->fd, (struct sockaddr *)&src, sizeof(src)) == -1) {
			perror("hubload: bind");
			(void)close(n->fd);
			n->fd = -1;
			return -1;
		}
	}
	if (connect(n->fd, (struct sockaddr *)&hl.hub, sizeof(hl.hub)) == -1 &&
	    errno != EINPROGRESS) {
		(void)close(n->fd);
		n->fd = -1;
		return -1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLOUT;
	ev.data.u64 = n->idx;
	if (epoll_ctl(w.ep, EPOLL_CTL_ADD, n->fd, &ev) == -1) {
		perror("hubload: epoll_ctl");
		exit(2);
	}
	n->writing = 1;
	(void)framer_init(&n->fr, HUB_FRAME_MAX);
	frame_out_init(&n->out, OUT_MAX);
	n->state = N_CONNECTING;
	return 0;
}

/* Connected: the INIT, made with the node's key. */
static void
node_connected(struct hnode *n)
{
	uint8_t		 init[HUB_CHAN_INIT_LEN];
	size_t		 len;
	int		 err = 0;
	socklen_t	 sl = sizeof(err);

	if (getsockopt(n->fd, SOL_SOCKET, SO_ERROR, &err, &sl) == -1 ||
	    err != 0) {
		node_close(n, 1);
		return;
	}
	if ((n->nc = calloc(1, sizeof(*n->nc))) == NULL) {
		node_close(n, 1);
		return;
	}
	memcpy(n->nc->self.priv, hl.priv[n->idx], 32);
	memcpy(n->nc->self.pub, hl.pub[n->idx], 32);
	if (hub_chan_initiate(&n->nc->ch, &w.proto, &n->nc->self, hl.hub_pub,
	    init, sizeof(init), &len) != WG_OK) {
		node_close(n, 1);
		return;
	}
	n->state = N_INIT_SENT;
	if (w.busy && w.cmd.op == HL_LOGIN && (w.cmd.flags & HL_CAPTURE) &&
	    n->idx == w.cmd.key && len == sizeof(w.rep.init))
		memcpy(w.rep.init, init, len);
	(void)node_frame(n, init, len);
}

static void
peer_heard(struct hnode *n, const uint8_t *key, int kind, int online)
{
	uint32_t	 idx = hl_key_index(key);

	if (idx == HL_NONE)
		return;
	if (kind == HL_SEEN_UP)
		pset_set(&n->peers, idx, online ? HL_SEEN_UP : 4);
	else
		pset_set(&n->peers, idx, 0);
	if (idx != w.watch)
		return;
	w.about++;
	if (n->seen == 0 && (w.watch_kind == HL_SEEN_ANY ||
	    (w.watch_kind == kind && (kind != HL_SEEN_UP || online))))
		n->seen = hl_now_ns();
}

static void
node_message(struct hnode *n, struct hub_msg *m)
{
	struct hub_msg	 pong;

	switch (m->type) {
	case HUB_MSG_LOGIN_OK:
		if (n->state != N_LOGIN_SENT)
			break;
		n->state = N_ONLINE;
		n->last_ping = hl_now_ns();
		if (n->in_batch) {
			if (n->had_v4 && memcmp(n->v4, m->u.login_ok.v4, 4) != 0)
				w.rep.addr_changed++;
			memcpy(n->v4, m->u.login_ok.v4, 4);
			n->had_v4 = 1;
			cmd_node_done(n, 1, 0);
		}
		break;
	case HUB_MSG_LOGIN_REFUSED:
		if (hl.verbose)
			fprintf(stderr, "hubload: node %u refused: %s\n",
			    n->idx, m->u.refused.msg);
		if (n->in_batch)
			cmd_node_done(n, 0, m->u.refused.reason);
		node_close(n, 0);
		break;
	case HUB_MSG_PEER_UP:
		peer_heard(n, m->u.peer.key, HL_SEEN_UP,
		    m->u.peer.endpoint.af != 0);
		break;
	case HUB_MSG_PEER_DOWN:
		peer_heard(n, m->u.peer.key, HL_SEEN_DOWN, 0);
		break;
	case HUB_MSG_PEER_CHECK:
		if (hl_key_index(m->u.peer.key) == w.watch) {
			w.about++;
			if (n->seen == 0 && w.watch_kind == HL_SEEN_ANY)
				n->seen = hl_now_ns();
		}
		break;
	case HUB_MSG_PEER_PATHS:
		if (hl_key_index(m->u.paths.key) == w.watch)
			w.about++;
		break;
	case HUB_MSG_PING:
		memset(&pong, 0, sizeof(pong));
		pong.type = HUB_MSG_PONG;
		pong.u.ping = m->u.ping;
		(void)node_send(n, &pong);
		break;
	case HUB_MSG_RESPONSE:
		/* Pipelined (invites): any id still awaited counts. */
		if (m->u.resp.id != 0 && n->req_lo != 0 &&
		    m->u.resp.id - n->req_lo <= n->reqid - n->req_lo &&
		    w.busy && (w.cmd.op == HL_REQ || w.cmd.op == HL_JOIN ||
		    w.cmd.op == HL_SPAM || w.cmd.op == HL_INVITE)) {
			if (m->u.resp.id == n->reqid)
				n->req_lo = 0;
			if (w.cmd.op == HL_INVITE) {
				invite_answer(n, m->u.resp.code);
				break;
			}
			if (m->u.resp.code == 0)
				w.rep.ok++;
			else if (m->u.resp.code == EAGAIN ||
			    m->u.resp.code == EBUSY)
				w.rep.eagain++;
			else
				w.rep.refused++;
			w.rep.code = m->u.resp.code;
			(void)snprintf(w.rep.msg, sizeof(w.rep.msg), "%s",
			    m->u.resp.msg);
			w.rep.t_resp = hl_now_ns();
			cmd_node_done(n, m->u.resp.code == 0, 0);
		}
		break;
	default:
		break;
	}
}

static void
node_frame_in(struct hnode *n, const uint8_t *body, size_t len)
{
	struct hub_msg	 m;
	struct hub_msg	 lg;
	uint8_t		 pt[HUB_MSG_MAX];
	size_t		 ptlen;

	w.frames++;
	if (n->state == N_INIT_SENT) {
		if (hub_chan_finish(&n->nc->ch, body, len) != WG_OK) {
			node_close(n, 1);
			return;
		}
		memset(&lg, 0, sizeof(lg));
		lg.type = HUB_MSG_LOGIN;
		lg.u.login.version = HUB_PROTOCOL_VERSION;
		lg.u.login.udp_port = 51820;
		n->state = N_LOGIN_SENT;
		(void)node_send(n, &lg);
		return;
	}
	if (body[0] == HUB_FRAME_RELAY)
		return;
	if (n->nc == NULL || hub_chan_open(&n->nc->ch, body, len, pt,
	    sizeof(pt), &ptlen) != WG_OK || hub_msg_decode(&m, pt, ptlen) ==
	    -1) {
		node_close(n, 1);
		return;
	}
	node_message(n, &m);
}

static void
node_readable(struct hnode *n)
{
	const uint8_t	*body;
	size_t		 len, total = 0;
	ssize_t		 r;
	int		 rc;

	for (;;) {
		while (n->fd != -1 &&
		    (rc = framer_next(&n->fr, &body, &len)) == 1)
			node_frame_in(n, body, len);
		if (n->fd == -1)
			return;
		if (rc == -1 || total >= READ_MAX) {
			if (rc == -1)
				node_close(n, 1);
			return;
		}
		r = framer_read_fd(&n->fr, n->fd, READ_MAX - total);
		if (r > 0) {
			total += (size_t)r;
			continue;
		}
		if (r == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		node_close(n, 1);
		return;
	}
}

static void
node_event(struct hnode *n, uint32_t events)
{
	if (n->fd == -1)
		return;
	if (n->state == N_CONNECTING) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			node_connected(n);
		return;
	}
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		node_readable(n);
	if (n->fd != -1 && (events & EPOLLOUT))
		node_flush(n);
}

/* ---- commands ------------------------------------------------------------- */

static void
cmd_reply(void)
{
	w.rep.op = w.cmd.op;
	w.busy = 0;
	if (write(w.ctl, &w.rep, sizeof(w.rep)) != (ssize_t)sizeof(w.rep)) {
		perror("hubload: worker reply");
		exit(2);
	}
}

/* Start queued logins while fewer than conc are in flight. */
static void
login_pump(void)
{
	struct hnode	*n;
	uint64_t	 now = hl_now_ns();
	uint32_t	 i, idx;

	for (i = 0; i < w.nretry && w.inflight < w.cmd.conc;) {
		if (w.retry[i].when > now) {
			i++;
			continue;
		}
		idx = w.retry[i].idx;
		w.retry[i] = w.retry[--w.nretry];
		n = node_of(idx);
		n->in_batch = 1;
		w.inflight++;
		if (node_connect(n) == -1)
			cmd_node_done(n, 0, 0);
	}
	while (w.qpos < w.qlen && w.inflight < w.cmd.conc) {
		n = node_of(w.queue[w.qpos++]);
		if (n->state != N_OFF) {	/* online already */
			n->in_batch = 0;
			w.rep.ok++;
			w.left--;
			continue;
		}
		n->in_batch = 1;
		w.inflight++;
		if (w.rep.t_first == 0)
			w.rep.t_first = hl_now_ns();
		if (node_connect(n) == -1)
			cmd_node_done(n, 0, 0);
	}
	if (w.left == 0)
		cmd_reply();
}

/*
 * Invites in flight, PIPELINE at a time; those the hub answers EAGAIN
 * (the owner's request budget) are sent again after a pause.
 */
static void
invite_pump(struct hnode *owner)
{
	uint32_t	 key;

	if (hl_now_ns() < w.inv_hold)
		return;
	while ((w.inv_nretry > 0 || w.inv_next < w.inv_end) &&
	    w.inv_out < PIPELINE && owner->state == N_ONLINE) {
		key = w.inv_nretry > 0 ? w.inv_retry[--w.inv_nretry] :
		    w.inv_next++;
		if (node_request(owner, HUB_OP_INVITE, w.cmd.net, "", key, 0,
		    0) == -1)
			break;
		w.inv_ring[(w.inv_head + w.inv_out) % PIPELINE] = key;
		w.inv_out++;
	}
}

static void
invite_answer(struct hnode *owner, int code)
{
	uint32_t	 key = w.inv_ring[w.inv_head];

	w.inv_head = (w.inv_head + 1) % PIPELINE;
	w.inv_out--;
	if (code == EAGAIN) {
		w.inv_retry[w.inv_nretry++] = key;
		w.inv_hold = hl_now_ns() + 200000000ull;
	} else if (code == 0)
		w.rep.ok++;
	else
		w.rep.refused++;
	w.rep.t_last = hl_now_ns();
	invite_pump(owner);
	if (w.inv_out == 0 && w.inv_nretry == 0 && w.inv_next == w.inv_end)
		cmd_reply();
}

static void
cmd_node_done(struct hnode *n, int ok, int refused)
{
	uint64_t	 now = hl_now_ns();

	if (!w.busy)
		return;
	switch (w.cmd.op) {
	case HL_LOGIN:
		if (!n->in_batch)
			return;
		n->in_batch = 0;
		w.inflight--;
		/*
		 * Like hamd: again after a backoff, if not refused for good:
		 * 1 s, doubling up to 60 s, each randomly a quarter shorter
		 * or longer, so that the nodes a hub turned away do not all
		 * come back at once.
		 */
		if (!ok && (w.cmd.flags & HL_RETRY) && (refused == 0 ||
		    refused == HUB_REFUSED_BUSY) && (w.deadline == 0 ||
		    now + 1000000000ull < w.deadline)) {
			uint64_t	 ms = 1000ull << (n->tries < 6 ?
					    n->tries : 6);

			if (ms > 60000)
				ms = 60000;
			ms = ms * 3 / 4 + randombytes_uniform((uint32_t)ms / 2);
			if (n->tries < UINT8_MAX)
				n->tries++;
			w.retry[w.nretry].idx = n->idx;
			w.retry[w.nretry++].when = now + ms * 1000000ull;
			w.rep.retries++;
			login_pump();
			break;
		}
		n->tries = 0;
		w.left--;
		if (ok) {
			w.rep.ok++;
			w.rep.lat_sum += now - n->t0;
		} else if (refused)
			w.rep.refused++;
		else
			w.rep.failed++;
		w.rep.t_last = now;
		login_pump();
		break;
	case HL_JOIN:
	case HL_REQ:
		w.rep.t_last = now;
		if (--w.left == 0)
			cmd_reply();
		break;
	case HL_SPAM:
		w.rep.t_last = now;
		if (--w.left == 0)
			cmd_reply();
		else
			(void)node_request(n, w.cmd.req_op2 != 0 &&
			    w.left % 2 == 0 ? w.cmd.req_op2 : w.cmd.req_op,
			    w.cmd.net, w.cmd.password, w.cmd.key, w.cmd.type,
			    w.cmd.mode);
		break;
	}
}

static void
cmd_report(void)
{
	struct hnode	*n;
	uint32_t	 i;

	w.rep.peers_min = UINT32_MAX;
	for (i = 0; i < w.nnodes; i++) {
		n = &w.nodes[i];
		if (n->idx < w.cmd.a || n->idx >= w.cmd.b)
			continue;
		if (n->state == N_ONLINE) {
			w.rep.online++;
			if (n->peers.nup < w.rep.peers_min)
				w.rep.peers_min = n->peers.nup;
			if (n->peers.nup > w.rep.peers_max)
				w.rep.peers_max = n->peers.nup;
		}
		if (n->seen != 0) {
			w.rep.seen++;
			if (w.rep.seen_min == 0 || n->seen < w.rep.seen_min)
				w.rep.seen_min = n->seen;
			if (n->seen > w.rep.seen_max)
				w.rep.seen_max = n->seen;
		}
	}
	if (w.rep.online == 0)
		w.rep.peers_min = 0;
	w.rep.frames = w.frames;
	w.rep.about = w.about;
	cmd_reply();
}

static void
cmd_start(void)
{
	struct hnode	*n;
	uint32_t	 i;
	struct hub_msg	 m;

	memset(&w.rep, 0, sizeof(w.rep));
	w.busy = 1;
	w.deadline = w.cmd.timeout_ms ? hl_now_ns() +
	    (uint64_t)w.cmd.timeout_ms * 1000000 : 0;
	switch (w.cmd.op) {
	case HL_LOGIN:
		w.qlen = w.qpos = w.inflight = w.nretry = 0;
		if (w.cmd.conc == 0)
			w.cmd.conc = 64;
		for (i = 0; i < w.nnodes; i++)
			if (w.nodes[i].idx >= w.cmd.a &&
			    w.nodes[i].idx < w.cmd.b)
				w.queue[w.qlen++] = w.nodes[i].idx;
		w.left = w.qlen;
		login_pump();
		break;
	case HL_LOGOUT:
		for (i = 0; i < w.nnodes; i++) {
			n = &w.nodes[i];
			if (n->idx < w.cmd.a || n->idx >= w.cmd.b ||
			    n->state == N_OFF)
				continue;
			if (!(w.cmd.flags & 1) && n->state == N_ONLINE) {
				memset(&m, 0, sizeof(m));
				m.type = HUB_MSG_LOGOUT;
				if (node_send(n, &m) == -1)
					continue;
				/* Blocking: the LOGOUT must leave before the FIN. */
				(void)shutdown(n->fd, SHUT_WR);
			}
			node_close(n, 0);
			w.rep.ok++;
		}
		cmd_reply();
		break;
	case HL_REQ:
	case HL_SPAM:
		n = node_of(w.cmd.a);
		w.left = w.cmd.op == HL_SPAM ? w.cmd.count : 1;
		if (n == NULL || n->state != N_ONLINE || w.left == 0) {
			w.rep.failed = 1;
			w.rep.code = -1;
			cmd_reply();
			break;
		}
		w.rep.t_sent = w.rep.t_first = hl_now_ns();
		if (node_request(n, w.cmd.req_op, w.cmd.net, w.cmd.password,
		    w.cmd.key, w.cmd.type, w.cmd.mode) == -1) {
			w.rep.failed = 1;
			cmd_reply();
		}
		break;
	case HL_INVITE:
		n = node_of(w.cmd.a);
		w.inv_next = w.cmd.key;
		w.inv_end = w.cmd.key + w.cmd.count;
		w.inv_out = w.inv_head = w.inv_nretry = 0;
		w.inv_owner = w.cmd.a;
		free(w.inv_retry);
		if ((w.inv_retry = calloc(w.cmd.count + 1,
		    sizeof(*w.inv_retry))) == NULL) {
			fprintf(stderr, "hubload: out of memory\n");
			exit(2);
		}
		w.rep.t_first = hl_now_ns();
		if (n == NULL || n->state != N_ONLINE) {
			w.rep.failed = w.cmd.count;
			cmd_reply();
			break;
		}
		invite_pump(n);
		if (w.inv_out == 0)
			cmd_reply();
		break;
	case HL_JOIN:
		w.left = 0;
		w.rep.t_first = hl_now_ns();
		for (i = 0; i < w.nnodes; i++) {
			n = &w.nodes[i];
			if (n->idx < w.cmd.a || n->idx >= w.cmd.b ||
			    n->state != N_ONLINE)
				continue;
			if (node_request(n, HUB_OP_JOIN, w.cmd.net,
			    w.cmd.password, HL_NONE, 0, 0) == 0)
				w.left++;
		}
		if (w.left == 0)
			cmd_reply();
		break;
	case HL_WATCH:
		w.watch = w.cmd.key;
		w.watch_kind = w.cmd.flags;
		w.frames = w.about = 0;
		for (i = 0; i < w.nnodes; i++)
			w.nodes[i].seen = 0;
		cmd_reply();
		break;
	case HL_REPORT:
		cmd_report();
		break;
	case HL_QUIT:
		exit(0);
	default:
		fprintf(stderr, "hubload: worker: unknown command %d\n",
		    w.cmd.op);
		exit(2);
	}
}

/* A command that took too long: what is not done failed. */
static void
cmd_timeout(void)
{
	struct hnode	*n;
	uint32_t	 i;

	if (!w.busy || w.deadline == 0 || hl_now_ns() < w.deadline)
		return;
	switch (w.cmd.op) {
	case HL_LOGIN:
		for (i = 0; i < w.nnodes; i++) {
			n = &w.nodes[i];
			if (n->in_batch) {
				n->in_batch = 0;
				w.rep.failed++;
				if (n->state != N_ONLINE)
					node_close(n, 0);
			}
		}
		w.rep.failed += w.qlen - w.qpos + w.nretry;
		w.nretry = 0;
		break;
	default:
		w.rep.failed += w.left;
		break;
	}
	cmd_reply();
}

static void
ctl_readable(void)
{
	ssize_t	 n;

	n = read(w.ctl, &w.cmd, sizeof(w.cmd));
	if (n == 0)
		exit(0);
	if (n != (ssize_t)sizeof(w.cmd)) {
		fprintf(stderr, "hubload: worker: short command\n");
		exit(2);
	}
	if (w.busy) {
		fprintf(stderr, "hubload: worker: command while busy\n");
		exit(2);
	}
	cmd_start();
}

/* Online nodes ping now and then, so the hub keeps them. */
static void
pings(void)
{
	static uint64_t	 last;
	struct hub_msg	 m;
	struct hnode	*n;
	uint64_t	 now = hl_now_ns(), every;
	uint32_t	 i;

	if (now - last < 1000000000ull)
		return;
	last = now;
	every = (uint64_t)hl.ping_s * 1000000000ull;
	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_PING;
	for (i = 0; i < w.nnodes; i++) {
		n = &w.nodes[i];
		if (n->state != N_ONLINE || now - n->last_ping < every)
			continue;
		n->last_ping = now;
		m.u.ping = now;
		(void)node_send(n, &m);
	}
}

void
hl_worker_run(int id, int fd)
{
	struct epoll_event	 ev, evs[EV_BATCH];
	uint32_t		 i, idx;
	int			 k, nev;

	memset(&w, 0, sizeof(w));
	w.id = id;
	w.ctl = fd;
	w.watch = HL_NONE;
	if (hub_proto_init(&w.proto) != WG_OK) {
		fprintf(stderr, "hubload: hub_proto_init\n");
		exit(2);
	}
	w.nnodes = (hl.nkeys + (uint32_t)hl.nworkers - 1 - (uint32_t)id) /
	    (uint32_t)hl.nworkers;
	if ((w.nodes = calloc(w.nnodes + 1, sizeof(*w.nodes))) == NULL ||
	    (w.queue = calloc(w.nnodes + 1, sizeof(*w.queue))) == NULL ||
	    (w.retry = calloc(w.nnodes + 1, sizeof(*w.retry))) == NULL) {
		fprintf(stderr, "hubload: out of memory\n");
		exit(2);
	}
	for (i = 0; i < w.nnodes; i++) {
		w.nodes[i].idx = (uint32_t)id + i * (uint32_t)hl.nworkers;
		w.nodes[i].fd = -1;
	}
	if ((w.ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		perror("hubload: epoll_create1");
		exit(2);
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = CTRL_TAG;
	if (epoll_ctl(w.ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
		perror("hubload: epoll_ctl");
		exit(2);
	}
	for (;;) {
		nev = epoll_wait(w.ep, evs, EV_BATCH, 200);
		if (nev == -1 && errno != EINTR) {
			perror("hubload: epoll_wait");
			exit(2);
		}
		for (k = 0; k < nev; k++) {
			if (evs[k].data.u64 == CTRL_TAG) {
				ctl_readable();
				continue;
			}
			idx = (uint32_t)evs[k].data.u64;
			node_event(node_of(idx), evs[k].events);
		}
		pings();
		if (w.busy && w.cmd.op == HL_INVITE && w.inv_nretry > 0)
			invite_pump(node_of(w.inv_owner));
		if (w.busy && w.cmd.op == HL_LOGIN && w.nretry > 0)
			login_pump();
		cmd_timeout();
	}
}
