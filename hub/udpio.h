/*
 * Datagrams on the hub's UDP sockets, with the hub address each one
 * used.  Answers and relayed datagrams leave from the address the
 * datagram that caused them reached (IP_PKTINFO/IPV6_PKTINFO, which the
 * parent asked for), so that on a wildcard socket of a multi-homed hub
 * they get through the node's NAT.
 */
#ifndef HAMD_HUB_UDPIO_H
#define HAMD_HUB_UDPIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ipc/addr.h"

/* Where a datagram came from and which hub address it reached. */
struct udp_in {
	struct pkt_addr		 from;	/* af 0: no IPv4 or IPv6 source, or
					   port 0 (nobody to answer) */
	struct pkt_addr		 local;	/* af 0: not known */
	int			 truncated;	/* larger than the buffer */
};

/*
 * One datagram from fd (non-blocking) into buf.  Its length, or -1 with
 * errno (EAGAIN when there is none).
 */
ssize_t	udp_recv(int fd, uint8_t *buf, size_t len, struct udp_in *);
/* One datagram to to, from local (af 0: the kernel's choice).  0 or -1. */
int	udp_send_from(int fd, const struct pkt_addr *to,
	    const struct pkt_addr *local, const uint8_t *buf, size_t len);

#endif
