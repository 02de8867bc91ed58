/*
 * Inside hubload's workers (hubload_worker.c: commands and the loop;
 * hubload_node.c: one node's connection and what the hub tells it):
 * the state they share.
 */
#ifndef HAMD_BENCH_HUBLOAD_WORKER_H
#define HAMD_BENCH_HUBLOAD_WORKER_H

#include <stdint.h>

#include "bench/hubload.h"
#include "crypto/noise.h"
#include "proto/framer.h"
#include "proto/hubchan.h"
#include "proto/hubproto.h"

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

struct hl_worker {
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
};
extern struct hl_worker	 w;

/* hubload_node.c */
struct hnode	*node_of(uint32_t idx);
void		 node_close(struct hnode *, int lost);
int		 node_connect(struct hnode *);
int		 node_send(struct hnode *, const struct hub_msg *);
int		 node_request(struct hnode *, uint8_t op, const char *net,
		    const char *password, uint32_t key, uint8_t type,
		    uint8_t mode);
void		 node_event(struct hnode *, uint32_t events);

/* hubload_worker.c */
void		 cmd_node_done(struct hnode *, int ok, int refused);
void		 invite_answer(struct hnode *, int code);

#endif
