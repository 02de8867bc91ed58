/*
 * hamd's own messages between its processes (parent, control, engine,
 * tun) and their payloads.  The framework's, the control process's and
 * hamctl's messages come first (privsep/proc.h, privsep/control.h,
 * ctl/ctlmsg.h); this enum continues from them, numbered densely
 * because the rule table (hamd_msg.c) is indexed by type.
 */
#ifndef HAMD_DAEMON_HAMD_MSG_H
#define HAMD_DAEMON_HAMD_MSG_H

#include <sys/types.h>
#include <stdint.h>

#include "crypto/key.h"
#include "ctl/ctlmsg.h"
#include "daemon/config.h"
#include "ipc/pktbatch.h"
#include "privsep/proc.h"
#include "proto/hubproto.h"

#define HAMD_PROC_CONTROL	1
#define HAMD_PROC_ENGINE	2
#define HAMD_PROC_TUN		3
#define HAMD_PROC_WEB		4	/* optional: http-listen */

enum hamd_imsg_type {
	IMSG_TUN_PRIVKEY = CTL_IMSG_END, /* parent -> tun: 32 bytes */
	IMSG_TUN_PUBKEY,		/* tun -> parent: 32 bytes */

	/* data plane set-up: parent -> tun, parent -> engine */
	IMSG_TUN_DEVICE,		/* fd + struct tun_device_msg */
	IMSG_TUN_PEER,			/* struct tun_peer_msg (holds the PSK) */
	IMSG_TUN_PEERS_END,		/* empty: peers not sent are removed */
	IMSG_ENGINE_SOCKET,		/* fd + int32_t address family */
	IMSG_ENGINE_PEER,		/* struct engine_peer_msg */
	IMSG_ENGINE_PEERS_END,		/* empty */

	/* data plane: batches (ipc/pktbatch.h) and endpoint confirmation */
	IMSG_PKT_OUT,			/* tun -> engine: ciphertext to send */
	IMSG_PKT_IN,			/* engine -> tun: datagrams received */
	IMSG_ENDPOINT,			/* tun -> engine: struct endpoint_msg */

	/* the hub connection: engine <-> tun carry its frame bodies */
	IMSG_HUB_FRAME_IN,		/* engine -> tun: frame body */
	IMSG_HUB_FRAME_OUT,		/* tun -> engine: frame body */
	IMSG_HUB_CONN_OPEN,		/* engine -> tun: struct hub_conn_msg */
	IMSG_HUB_CONN_CLOSE,		/* tun -> engine: close it, empty */
	IMSG_HUB_CONN_CLOSED,		/* engine -> tun: it is gone, empty */
	IMSG_HUB_CONNECT,		/* engine -> parent: want a socket, empty */
	IMSG_HUB_SOCKET,		/* parent -> engine: fd (connect started) +
					   struct hub_conn_msg (the hub) */
	IMSG_HUB_STATE,			/* tun -> parent: struct hub_state_msg */
	IMSG_TUN_HUB,			/* parent -> tun: struct tun_hub_msg */
	IMSG_HUB_LOGOUT,		/* parent -> tun: stopping, log out; empty */
	IMSG_ENGINE_PEER_DEL,		/* tun -> engine: uint32_t peer id */

	/* NAT discovery: what the hub's UDP ports saw */
	IMSG_NAT_STATE,			/* engine -> parent: struct nat_state_msg */

	/* NAT traversal and relay */
	IMSG_TUN_CANDIDATES,		/* parent -> tun: struct hub_candidates */
	IMSG_ENGINE_RELAY,		/* tun -> engine: struct engine_relay_msg */
	IMSG_ENGINE_PATHS,		/* tun -> engine: struct engine_paths_msg */
	IMSG_PEER_PROBE,		/* engine -> tun: struct peer_probe_msg */
	IMSG_PATH_INFO,			/* engine -> tun: struct path_info_msg */
	/* the relay's registration: tun holds the token, the engine none */
	IMSG_RELAY_REGISTER,		/* tun -> engine: a REGISTER to send */
	IMSG_RELAY_REGISTERED,		/* engine -> tun: the hub's answer */
	IMSG_RELAY_CONFIRMED,		/* tun -> engine: uint32_t relay id */
	/* the relay through other hubs of a cluster: guest registrations */
	IMSG_ENGINE_PEER_HUB,		/* tun -> engine: struct
					   engine_peer_hub_msg */
	IMSG_RELAY_GUEST_REGISTER,	/* tun -> engine: struct
					   relay_guest_msg */
	IMSG_RELAY_GUEST_REGISTERED,	/* engine -> tun: struct
					   relay_guest_msg */
	IMSG_RELAY_GUEST_CONFIRMED,	/* tun -> engine: struct pkt_addr */

	/* the shared-memory ring of batches (ipc/pktring.h) */
	IMSG_RING,			/* parent -> tun, engine: memfd +
					   struct ring_msg */
	IMSG_TUN_RING_READY,		/* tun -> engine: mapped, empty */
	IMSG_ENGINE_RING_READY,		/* engine -> tun: mapped, empty */
	IMSG_PKT_RING_OUT,		/* tun -> engine: struct pkt_ring_msg */
	IMSG_PKT_RING_IN,		/* engine -> tun: struct pkt_ring_msg */

	/*
	 * The web child (http-listen): read-only snapshots, once a second,
	 * and the events (IMSG_CTL_EVENT).  The web child sends nothing.
	 */
	IMSG_WEB_LISTENER,		/* parent -> web: fd, empty */
	IMSG_WEB_STATUS,		/* parent -> web: struct ctl_status */
	IMSG_WEB_ENGINE,		/* engine -> web: struct engine_stats */
	IMSG_WEB_PEER,			/* tun -> web: struct ctl_peer, each */
	IMSG_WEB_PEERS_END,		/* tun -> web: struct ctl_peers_end */

	/* Ethernet networks: the TAP device, with a hub */
	IMSG_TAP_DEVICE,		/* parent -> tun: fd, empty */
	/*
	 * Subnet routes: tun passes on what the hub approved (a peer's, or
	 * id 0: ours to serve), the parent checks and installs it and says
	 * what it took, and only that enters the peer's allowed IPs.
	 */
	IMSG_ROUTES_OFFER,		/* tun -> parent: struct routes_msg */
	IMSG_ROUTES_SET,		/* parent -> tun: struct routes_msg */
	IMSG_TUN_ADVERTISE,		/* parent -> tun: struct routes_msg */
	/* the exit node: tun chooses, the parent routes, tun lets it in */
	IMSG_EXIT_OFFER,		/* tun -> parent: struct exit_msg */
	IMSG_EXIT_SET,			/* parent -> tun: struct exit_msg */
	/* member names: the parent binds, the engine answers, tun knows */
	IMSG_ENGINE_DNS,		/* parent -> engine: fd + engine_dns_msg */
	IMSG_ENGINE_NAMES,		/* tun -> engine: struct engine_names_msg */

	HAMD_IMSG_MAX
};

/*
 * tun -> engine: this login's relay id (0: none).  The token stays in
 * tun, which builds every REGISTER (IMSG_RELAY_REGISTER, RELAY_AUTH_LEN
 * bytes) and checks every REGISTERED (IMSG_RELAY_REGISTERED, as many).
 */
struct engine_relay_msg {
	uint32_t		relay_id;
};

/*
 * tun -> engine: the hub of the cluster a hub peer is logged in at
 * (PEER_RELAY): that hub's relay address and the peer's relay id there.
 * Each IMSG_ENGINE_PATHS forgets it; this follows for a peer at
 * another hub.
 */
struct engine_peer_hub_msg {
	uint32_t		id;		/* hub peer id */
	uint32_t		relay_id;	/* the peer's there, != 0 */
	struct pkt_addr		hub;		/* AF_INET(6), port != 0 */
};

/*
 * A REGISTER for another hub of the cluster, built under our guest
 * token there (tun -> engine), or a REGISTERED that came from one
 * (engine -> tun): the datagram and that hub's relay address.
 */
struct relay_guest_msg {
	struct pkt_addr		hub;
	uint8_t			msg[RELAY_AUTH_LEN];
};

/* tun -> engine: a hub peer's candidates and relay id (hints only). */
struct engine_paths_msg {
	uint32_t		id;		/* hub peer id */
	uint32_t		relay_id;	/* 0: cannot be relayed */
	int32_t			punch;		/* probe the candidates now */
	int32_t			pad;
	struct hub_candidates	cands;
};

/* engine -> tun: send the peer something it authenticates. */
#define PROBE_KEEPALIVE		0	/* on the session, if one is usable */
#define PROBE_HANDSHAKE		1	/* a handshake initiation: it is answered */
struct peer_probe_msg {
	uint32_t		id;
	int32_t			kind;		/* PROBE_* */
};

/* engine -> tun: a peer's path changed (for hamctl peers). */
struct path_info_msg {
	uint32_t		id;
	int32_t			path;		/* enum path_kind */
	struct pkt_addr		addr;		/* where packets go */
	int64_t			since;		/* unix seconds */
};

struct tun_device_msg {
	char		ifname[16];
	uint32_t	mtu;
	uint32_t	offloads;	/* TUN_F_* the device accepted */
	int32_t		vnet_hdr;
};

/* A static peer as tun needs it: keys, allowed IPs, timers. */
struct tun_peer_msg {
	uint32_t		id;
	char			name[CONF_NAME_MAX];
	uint8_t			pubkey[KEY_LEN];
	uint8_t			psk[KEY_LEN];	/* zero when has_psk is 0 */
	uint8_t			has_psk;
	uint8_t			pad;
	uint16_t		keepalive;	/* persistent keepalive, s */
	uint32_t		nallowed;
	struct ip_prefix	allowed[CONF_MAX_ALLOWED];
	struct pkt_addr		endpoint;	/* configured, for display */
};

/* A peer as the engine needs it: where to send, nothing secret. */
struct engine_peer_msg {
	uint32_t		id;
	struct pkt_addr		endpoint;	/* af 0: none configured */
};

/* tun -> engine: a packet from addr authenticated as peer id. */
struct endpoint_msg {
	uint32_t		id;
	struct pkt_addr		addr;
	uint32_t		flags;		/* ENDPOINT_F_* */
};
/* It was a handshake response: the answer to our initiation came that way. */
#define ENDPOINT_F_RESPONSE	0x1

struct hub_state_msg {
	int32_t			state;		/* enum hub_state */
	int32_t			pad;
	int64_t			since;		/* unix seconds */
	struct hub_login_ok	addr;		/* valid when ONLINE */
	char			reason[HUB_TEXT_MAX];	/* why not online */
};

/* parent -> tun: the hub to log in to, and what to tell it. */
struct tun_hub_msg {
	uint8_t			hub_pub[KEY_LEN];
	uint16_t		udp_port;	/* our WireGuard port */
	uint16_t		keepalive;	/* for the hub's peers, s */
	char			nick[HUB_NICK_MAX];
	uint8_t			names;		/* ask for member names */
	uint8_t			pad[2];
};

/*
 * A set of subnet routes.  id: a hub peer's (HUB_PEER_ID range), or 0
 * for this node's own: served as a gateway (OFFER), or hamd.conf's
 * advertise-route lines (ADVERTISE).  The whole set each time.
 */
struct routes_msg {
	uint32_t		id;
	uint32_t		n;		/* 0..HUB_ROUTES_MAX */
	struct ip_prefix	p[HUB_ROUTES_MAX];
};

/*
 * An exit node chosen (id: the hub peer) or left (id 0).  af: what it
 * offers, 1 IPv4, 2 IPv6, 3 both.  client: the hamctl that asked (the
 * parent answers it), 0 when tun lost the exit node by itself.  ok:
 * parent -> tun, 1 when the routing is in place (or gone, for id 0).
 */
struct exit_msg {
	uint32_t		client;
	uint32_t		id;
	uint32_t		af;
	int32_t			ok;
	uint64_t		cgroup;		/* hamctl run: only its sockets */
	uint32_t		level;		/* the cgroup's, below the root */
	uint32_t		flags;		/* CTL_EXIT_NOLAN */
};

/* parent -> engine: a socket bound to an overlay address, port 53. */
struct engine_dns_msg {
	int32_t			af;
	char			domain[256];	/* "" : no responder */
};

/*
 * tun -> engine: what a member is called (a hub peer's id, 0 this
 * node) and the networks it shares with us; n 0: forget it.
 */
struct engine_names_msg {
	uint32_t		id;
	uint8_t			v4[4];
	uint8_t			v6[16];
	char			nick[HUB_NICK_MAX];
	uint8_t			n;
	uint8_t			pad[2];
	char			nets[HUB_NAMES_MAX][HUB_NAME_MAX];
};

/* The children's entry points, one file each (hamd.c: the table). */
void	engine_run(struct privsep *);
void	tun_run(struct privsep *);
void	web_run(struct privsep *);

extern const struct msg_rule	hamd_msg_rules[HAMD_IMSG_MAX];

#endif
