/*
 * hubload's workers: each drives the connections of the nodes it owns
 * (index modulo the worker count, hubload_node.c) from one epoll loop,
 * and carries out the coordinator's commands.
 */
#include "autoconf.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "bench/hubload_worker.h"
#include "crypto/wg_result.h"

struct hl_worker	 w;

static void	login_pump(void);

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

void
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

void
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
	case HL_CANDS:
		/* A LAN address, changed every time, as a roaming node would. */
		n = node_of(w.cmd.a);
		memset(&m, 0, sizeof(m));
		m.type = HUB_MSG_CANDIDATES;
		m.u.cands.n = 1;
		m.u.cands.c[0].kind = HUB_CAND_LAN;
		m.u.cands.c[0].addr.af = AF_INET;
		m.u.cands.c[0].addr.addr[0] = 192;
		m.u.cands.c[0].addr.addr[1] = 168;
		for (i = 0; n != NULL && n->state == N_ONLINE &&
		    i < w.cmd.count; i++) {
			m.u.cands.c[0].addr.addr[3] = (uint8_t)(1 + i % 250);
			m.u.cands.c[0].addr.port = htons((uint16_t)(40000 + i));
			if (node_send(n, &m) == -1)
				break;
			w.rep.ok++;
		}
		w.rep.failed = w.cmd.count - w.rep.ok;
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
