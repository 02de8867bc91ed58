/*
 * The engine's UDP sockets, one per address family: bound, non-blocking
 * and with UDP_GRO set by the parent (the engine may not create or
 * configure sockets), read by engine_rx and written by engine_tx.  The
 * project's own datagrams (discovery probes, REGISTER, relayed DATA)
 * leave one at a time through esock_send.
 */
#ifndef HAMD_DAEMON_ENGINE_SOCK_H
#define HAMD_DAEMON_ENGINE_SOCK_H

#include <sys/socket.h>
#include <sys/uio.h>

#include <stddef.h>

#include "ipc/addr.h"

/* Older libc headers; the values are the kernel's ABI. */
#ifndef SOL_UDP
#define SOL_UDP			17
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT		103
#endif
#ifndef UDP_GRO
#define UDP_GRO			104
#endif

enum { SOCK_V4, SOCK_V6, SOCK_MAX };

/* Datagrams per recvmmsg and per sendmmsg. */
#define ENGINE_BATCH		64

/* Room for one cmsg carrying an int (UDP_GRO) or a uint16_t (UDP_SEGMENT). */
union engine_cmsg {
	char			 buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr		 align;
};

struct event;

struct engine_sock {
	int			 fd;		/* -1: not sent (yet) */
	int			 af;
	int			 gso;		/* UDP_SEGMENT works here */
	struct event		*ev;		/* readable; engine_rx's */
};

void			 esock_init(void);
/* SOCK_V4 or SOCK_V6 for a family, -1 for any other. */
int			 esock_index(int af);
/* The socket of a family (NULL for another family), open or not. */
struct engine_sock	*esock_get(int af);
/* The parent's socket for af (fatal: a bad family, a second socket). */
struct engine_sock	*esock_open(int af, int fd);
/*
 * One datagram of len bytes, gathered from iov, to dst from the socket
 * of its family; counted in the engine's counters.  -1 if it did not
 * go (no socket, a full buffer, refused).
 */
int			 esock_send(const struct pkt_addr *dst,
			    const struct iovec *iov, int iovcnt, size_t len);

#endif
