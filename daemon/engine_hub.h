/*
 * The node's one TCP connection to the hub.  The parent creates each
 * socket and starts its connect() (the engine may not create sockets);
 * the engine sees it through, cuts the stream into frames for tun and
 * writes tun's frames back, and when the connection fails or ends it
 * waits (exponential backoff with jitter, so that a hub coming back is
 * not hit by every node at once) and asks the parent for a new socket.
 * Frames are the hub channel's ciphertext: the engine never sees what
 * they say.  Relay frames are the exception, and go to the relay
 * client (a hook), never to tun's channel.
 */
#ifndef HAMD_DAEMON_ENGINE_HUB_H
#define HAMD_DAEMON_ENGINE_HUB_H

#include <stddef.h>
#include <stdint.h>

#include "privsep/proc.h"

/* Reconnecting: 1 s, doubling up to 6 s, each delay +- 25 % within. */
#define HUB_BACKOFF_MIN		1000		/* ms */
/*
 * Short: a node must be back on a restarted hub within seconds, since
 * the hub also relays its traffic and carries hole-punch coordination.
 */
#define HUB_BACKOFF_MAX		6000		/* ms */
#define HUB_JITTER_PCT		25		/* +- this much of a delay */
/* Unsent bytes towards the hub before we give the connection up. */
#define HUB_OUT_MAX		(1024 * 1024)

/* What the parts above learn of the connection. */
struct hub_hooks {
	void	(*up)(void);		/* up, and tun knows */
	void	(*down)(void);		/* gone, or replaced by a new one */
	void	(*relay_frame)(const uint8_t *body, size_t len);
};

void		 hub_init(struct privsep *, const struct hub_hooks *);
/* The parent's IMSG_HUB_SOCKET. */
void		 hub_socket(struct imsg *);
/* tun's IMSG_HUB_FRAME_OUT and IMSG_HUB_CONN_CLOSE. */
void		 hub_frame_out(struct imsg *);
void		 hub_conn_close(struct imsg *);

int		 hub_is_up(void);
/* Jitter and discovery nonces: spreads and guards against guessing. */
uint64_t	 hub_random(void);
/*
 * Queue a frame body (our own: a relay frame) unless that would leave
 * more than limit bytes unsent; -1 (ENOBUFS, or ENOTCONN when the
 * connection is not up) if it was not queued.
 */
int		 hub_queue(const uint8_t *body, size_t len, size_t limit);

#endif
