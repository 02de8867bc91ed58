/*
 * tun's watch over its peers, for hamctl monitor, hamctl peers' rates
 * and the web child: events as peers come and go, rates sampled once a
 * second, the transfer record when a tunnel ends, and (with a web child)
 * a snapshot of every peer each second.  tun calls in at its tick and
 * where the engine or the hub session tells it something; the WireGuard
 * device itself is not touched.
 */
#ifndef HAMD_DAEMON_TUNWATCH_H
#define HAMD_DAEMON_TUNWATCH_H

#include <stdint.h>

#include "ctl/ctlmsg.h"

struct privsep;
struct wg_dev;
struct wg_peer;
struct engine_paths_msg;
struct hub_state_msg;

/* snapshot: send every peer to the web child (tun knows the format) */
void	tunwatch_init(struct privsep *, struct wg_dev *,
	    void (*snapshot)(void));
/* tun's tick (every 100 ms): changes become events at once */
void	tunwatch_tick(uint64_t now_ns);
/* the engine changed a peer's path; p->path is still the old one */
void	tunwatch_path(const struct wg_peer *, int path,
	    const struct pkt_addr *);
/* the hub's word on a peer's candidates and NAT */
void	tunwatch_paths(const struct engine_paths_msg *);
/* the hub session changed state */
void	tunwatch_hub(const struct hub_state_msg *);
/*
 * Rates and netcheck facts of the peer in the device's slot, for hamctl
 * peers and the web.
 */
void	tunwatch_fill(int slot, const struct wg_peer *, struct ctl_peer_ext *);

#endif
