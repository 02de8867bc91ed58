/*
 * Receive: sockets -> tun.  recvmmsg a burst of datagrams, drop what
 * cannot be a WireGuard message (dgram_classify: type and size only),
 * and pass the rest to tun in one IMSG_PKT_IN batch per burst, each
 * tagged with its source address.  The parent has set UDP_GRO, so one
 * buffer may hold several datagrams of the same size (the last may be
 * shorter); each is split out and classified on its own.  Datagrams of
 * the project's own types (discovery, relay) go to the handler the
 * part above registered for their kind, never to tun as they are.
 *
 * When tun falls behind, reading stops (the kernel drops at the socket
 * buffer, which costs us nothing) and resumes once tun caught up.
 */
#ifndef HAMD_DAEMON_ENGINE_RX_H
#define HAMD_DAEMON_ENGINE_RX_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/engine_sock.h"
#include "ipc/addr.h"
#include "privsep/proc.h"
#include "proto/dgram.h"

/*
 * Batches queued towards tun before we stop reading the sockets.  Each
 * queued batch holds up to IMSG_MAX_PAYLOAD bytes, so this bounds our
 * memory when tun falls behind (or a flood of well-shaped garbage
 * arrives) to this many batches plus one recvmmsg round (at most
 * ENGINE_BATCH GRO trains of 64 KB); meanwhile the kernel drops
 * datagrams at the socket buffer, which costs us no CPU.  Reading
 * resumes below half of it.
 */
#define ENGINE_TUN_BACKLOG	16
/* How often a paused reader looks whether tun caught up. */
#define ENGINE_RESUME_USEC	1000

/* A datagram of one of our own kinds; from is NULL if unreadable. */
typedef void	(*rx_handler)(const uint8_t *, size_t,
		    const struct pkt_addr *from);

void	rx_init(struct privsep *);
/* From now on, batches for tun go into this ring (tun mapped it). */
struct pktring;
void	rx_use_ring(struct pktring *);
/* Datagrams of this kind go to h. */
void	rx_handle(enum dgram_kind, rx_handler h);
/* fn runs whenever reading stops or resumes (see rx_paused). */
void	rx_on_flow(void (*fn)(void));
/* Read this socket (the parent just sent it). */
void	rx_watch(struct engine_sock *);
/* The sockets' read event (EV_READ on fd; arg the engine_sock). */
void	engine_rx(int fd, short what, void *arg);
/* 1 while tun is behind and nothing is read. */
int	rx_paused(void);

/*
 * A WireGuard packet for tun, from that address (a relayed one: from
 * the relay's pseudo address); -1 if it is no WireGuard message.
 */
int	rx_deliver(const uint8_t *, size_t, const struct pkt_addr *from);
/* Send what rx_deliver batched; the number of batches queued. */
int	rx_flush(void);
/*
 * Hand queued messages to tun now rather than on the next loop turn,
 * and stop reading if tun is too far behind.
 */
void	rx_push(void);

/*
 * Reading held because tun is behind is polled rather than driven by
 * tun's channel: that channel's handler is the framework's, and a
 * millisecond is short next to a socket buffer that holds thousands of
 * datagrams.  rx_later arms timer ev to look again in
 * ENGINE_RESUME_USEC; rx_tun_behind says whether tun's channel still
 * holds more than n messages, and if so, arms ev.
 */
struct event;
void	rx_later(struct event *ev);
int	rx_tun_behind(uint32_t n, struct event *ev);

#endif
