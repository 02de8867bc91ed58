/*
 * The hub engine's node connections: it accepts them on the TCP
 * listeners, cuts each stream into frames and hands the bodies to the
 * authority, and writes the authority's frames back.  It never looks
 * inside a frame: everything it moves is ciphertext or a Noise
 * handshake.  Relay frames, which never reach the authority, go to the
 * handler the engine gives nodeconn_init().
 *
 * Each connection gets an id that is never reused while the process
 * lives, so a late message from the authority about a closed
 * connection can never reach a newer one.  The authority hears of each
 * connection exactly twice: IMSG_HUB_CONN_OPEN when it is accepted and
 * IMSG_HUB_CONN_CLOSED when it ends, whatever the reason.
 *
 * What one hostile client can cost us is bounded: one framer buffer
 * (2 + HUB_FRAME_MAX bytes, only while a frame is in flight), 1 MiB of
 * output, a share of the reads per loop turn, and its slot until the
 * login or idle timeout.  The number of connections is bounded in total
 * and per address.  An idle connection costs its struct and its two
 * events, in one object from a slab (hub/slab.h).  A connection that
 * cannot be had, or go on, for want of memory is refused or closed,
 * counted (refused_nomem) and logged now and then; nothing else is.
 *
 * Everything for the authority goes through auth_send(): when the
 * authority falls behind, reading from every node socket pauses.
 */
#ifndef HAMD_HUB_NODECONN_H
#define HAMD_HUB_NODECONN_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include "hub/meter.h"
#include "ipc/addr.h"
#include "proto/framer.h"

struct haddr;
struct hubd_conf_msg;
struct ctl_hub_traffic;

struct hconn {
	TAILQ_ENTRY(hconn)	 entry;		/* all connections */
	LIST_ENTRY(hconn)	 hentry;	/* id bucket */
	uint32_t		 id;
	int			 fd;		/* -1 once closed */
	struct event		*rev;		/* both in the same slab */
	struct event		*wev;		/* object, after the struct */
	struct framer		 fr;
	struct frame_out	 out;
	struct pkt_addr		 remote;
	struct pkt_addr		 local;
	struct haddr		*addr;
	uint64_t		 opened;	/* monotonic ms */
	uint64_t		 last_frame;	/* 0: none yet */
	int			 closing;	/* the authority said CONN_CLOSE,
						   or no memory to go on */
	int			 shut;		/* our FIN sent */
	int			 untold;	/* the authority never heard of
						   it: no CONN_CLOSED either */
	uint64_t		 close_by;	/* give up flushing then; 0:
						   close at the next tick */
	/* what it carried: frames and relayed packets, from and to it */
	struct meter		 rx, tx;
	uint64_t		 relay_rx_bytes, relay_tx_bytes;
	uint64_t		 relay_rx_packets, relay_tx_packets;
};

/* A relay frame body (byte 0 HUB_FRAME_RELAY) from a connection. */
typedef void	(*nodeconn_relay_fn)(struct hconn *, const uint8_t *, size_t);

/* Before seccomp: draws a secret. */
void		 nodeconn_init(nodeconn_relay_fn);
/* Limits from the configuration; 0 keeps the default. */
void		 nodeconn_limits(const struct hubd_conf_msg *);
/* The TCP listeners' event handler (arg: the struct listener). */
void		 nodeconn_accept(int fd, short, void *);
/* Whether reading (and accepting) is paused for the authority. */
int		 nodeconn_paused(void);
/* Login and idle timeouts, close lingers; once a second. */
void		 nodeconn_tick(uint64_t now);

struct hconn	*nodeconn_find(uint32_t id);
/* The authority's word: a frame for a connection, or close it. */
void		 nodeconn_frame_out(uint32_t id, const uint8_t *, size_t);
void		 nodeconn_close_asked(uint32_t id);
/*
 * Queue a relay frame body on c.  -1 (dropped, not queued) when c is
 * closing or its unsent output is already large: the authority's own
 * frames must always find room.
 */
int		 nodeconn_relay_out(struct hconn *c, const uint8_t *, size_t);

/* A packet relayed from (tx 0) or to (tx 1) c's node, len bytes. */
void		 nodeconn_count_relay(struct hconn *c, int tx, size_t len,
		    uint64_t now);
/* What c carried, its rates as of now. */
void		 nodeconn_traffic(const struct hconn *c, uint64_t now,
		    struct ctl_hub_traffic *);

/*
 * A message for the authority, minding its backlog.  -1 when there is
 * no memory for it (or the authority is gone).
 */
int		 auth_send(uint32_t type, uint32_t id, const void *, size_t);

#endif
