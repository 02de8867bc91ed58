/*
 * The engine's peer table: where each peer's packets go, nothing
 * secret.  Configured peers (hamd.conf, sent by the parent) have ids 1
 * .. ENGINE_MAX_ID and follow WireGuard's rule: the endpoint is where
 * the last authenticated packet came from.  Peers the hub tells tun
 * about get ids from their own range, so they never meet a configured
 * peer's: hubclient.c's HUB_PEER_ID_BASE and MAX_HUB_PEERS.  Only tun
 * adds or removes those, a reload's end of peers leaves them alone, and
 * their endpoint is whatever path engine_paths chose.
 */
#ifndef HAMD_DAEMON_ENGINE_PEERS_H
#define HAMD_DAEMON_ENGINE_PEERS_H

#include <stdint.h>

#include "daemon/netconf.h"	/* NETCONF_MAX_IDS */
#include "ipc/addr.h"

/* Peer ids are 1 .. NETCONF_MAX_IDS (the parent's netconf.c). */
#define ENGINE_MAX_ID		NETCONF_MAX_IDS
#define ENGINE_HUB_ID_BASE	0x40000000u
#define ENGINE_HUB_MAX_IDS	4096

struct engine_peer_stats {
	uint64_t		 tx_packets;
	uint64_t		 tx_bytes;
	uint64_t		 tx_refused;	/* the kernel refused them (a local
						   firewall, no route) */
	uint64_t		 no_endpoint;	/* dropped: nowhere to send */
	uint64_t		 tx_data;	/* data records taken from tun:
						   not keepalives, handshakes
						   or probes (hub peers) */
	uint64_t		 roams;		/* endpoint moved by tun */
};

struct engine_hp;

struct engine_peer {
	int			 configured;
	/*
	 * Records without PKT_F_TO_ADDR or PKT_F_PROBE go straight to ep:
	 * always for a configured peer, for a hub peer while its path is
	 * direct or LAN.  The send path checks nothing else.
	 */
	int			 fast;
	uint32_t		 gen;		/* configuration last sent in */
	struct pkt_addr		 conf_ep;	/* endpoint in the config (hub
						   peers: PEER_UP's, a hint) */
	struct pkt_addr		 ep;		/* current: conf_ep or roamed */
	struct engine_peer_stats stats;
	struct engine_hp	*hp;		/* hub peers only (engine_paths) */
};

void			 peers_init(void);
int			 hub_peer_id(uint32_t);
/* The slot of a configured or hub peer id, NULL for any other id. */
struct engine_peer	*peer_slot(uint32_t);
/* A known peer, or NULL for any other id (including hostile ones). */
struct engine_peer	*peer_get(uint32_t);

/* The parent's peer id (checked) with its configured endpoint. */
void			 peer_configure(uint32_t id, const struct pkt_addr *);
/* End of a configuration: configured peers not sent in it are gone. */
void			 peers_end(void);
/* tun: a packet of configured peer p authenticated from a. */
void			 peer_roam(struct engine_peer *, uint32_t id,
			    const struct pkt_addr *);

#endif
