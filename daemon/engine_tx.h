/*
 * Send: tun -> sockets.  Datagrams are queued per socket and leave with
 * sendmmsg.  Runs of records to one address with one length go out as
 * a train: one message with UDP_SEGMENT, cut into datagrams by the
 * kernel (or the NIC) after the socket layer, because the per-datagram
 * cost of the UDP stack is most of this process's CPU.  A socket whose
 * kernel refuses trains sends datagram by datagram from then on.
 */
#ifndef HAMD_DAEMON_ENGINE_TX_H
#define HAMD_DAEMON_ENGINE_TX_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/engine_peers.h"
#include "ipc/addr.h"

/*
 * A send train: at most this many datagrams (the kernel's
 * UDP_MAX_SEGMENTS) and this many bytes with the IP and UDP headers, so
 * the whole train fits one 64 KB IP packet before segmentation.
 */
#define ENGINE_GSO_SEGS		64
#define ENGINE_GSO_BYTES	65000

void	tx_init(void);
/*
 * fn runs for a peer whose datagrams went out or were refused by the
 * kernel (both are "we send" for path selection).
 */
void	tx_on_sent(void (*fn)(struct engine_peer *));
/*
 * Queue one datagram of len bytes for dst on behalf of p (NULL: no
 * peer).  pkt must stay valid until tx_flush_all: it lives in tun's
 * imsg, or in a probe cache that the flush comes before.
 */
void	tx_queue(const struct pkt_addr *dst, struct engine_peer *p,
	    const uint8_t *pkt, size_t len);
void	tx_flush_all(void);

#endif
