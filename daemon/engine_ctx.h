/*
 * What every part of the engine shares: its process (the channels to
 * parent, control and tun), its counters, and rate-limited logging of
 * failures.  The engine's files sit on this one, in this order, each
 * using only those before it (PROTOCOL.md, "Path choice", says what
 * they do together):
 *
 *	engine_ctx	this: the process and its counters
 *	engine_addr	the hub's address and the relay's pseudo addresses
 *	engine_xrelay	the other hubs of a cluster that relay for us
 *	engine_sock	the UDP sockets; one datagram to one address
 *	engine_peers	the peer table: ids, endpoints, per-peer counters
 *	engine_rx	receive: sockets -> tun, GRO, classification
 *	engine_tx	send: tun -> sockets, GSO trains
 *	engine_hub	the TCP connection to the hub
 *	engine_nat	NAT discovery against the hub's two UDP ports
 *	engine_relay	our relay session: REGISTER, DATA, relay frames
 *	engine_paths	hub peers: candidates, probes, path choice
 *	engine_dns	the member-name responder (on engine_ctx alone)
 *	engine		dispatch and init
 *
 * A lower part that must hand something up (a datagram of the relay's
 * type, the hub coming or going) calls a function the upper part
 * registered at init.  None of these holds a key, ever.
 */
#ifndef HAMD_DAEMON_ENGINE_CTX_H
#define HAMD_DAEMON_ENGINE_CTX_H

#include <stdint.h>
#include <time.h>

#include "ctl/ctlmsg.h"		/* struct engine_stats */
#include "privsep/proc.h"

struct engine_ctx {
	struct privsep		*ps;
	struct engine_stats	 stats;		/* hamctl engine */
};

extern struct engine_ctx	 ectx;

#endif
