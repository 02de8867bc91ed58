/*
 * hubload: one node's connection, as hamd's tun and engine would make
 * it (a TCP connection from the node's own source address, the Noise
 * IK handshake with its key, LOGIN), and what the hub then tells it
 * about its peers, counted rather than acted on.  Per node little is
 * kept: no buffer while nothing is in flight, as on the hub, the
 * channel while connected, and the set of peers the hub named.
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
#include <unistd.h>

#include <sodium.h>

#include "bench/hubload_worker.h"
#include "crypto/wg_result.h"

_Static_assert(HL_INIT_LEN == HUB_CHAN_INIT_LEN, "the INIT a step replays");

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

int
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

int
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

struct hnode *
node_of(uint32_t idx)
{
	if (idx >= hl.nkeys || idx % (uint32_t)hl.nworkers != (uint32_t)w.id)
		return NULL;
	return &w.nodes[idx / (uint32_t)hl.nworkers];
}

void
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

int
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
			    m->u.resp.code == EBUSY) {
				w.rep.eagain++;
				if (m->u.resp.code == EBUSY)
					w.rep.ebusy++;
			}
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

void
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
