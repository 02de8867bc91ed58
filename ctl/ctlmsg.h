/*
 * The control-socket messages hamctl shares with the daemons: request
 * and reply types and their payloads.  On the socket a request carries
 * its arguments only; the control process prefixes a struct ctl_cred
 * when it forwards one (privsep/control.h), and each request ends with
 * a struct ctl_result.  The daemons' own messages continue from
 * CTL_IMSG_END (daemon/hamd_msg.h, hub/hubd_msg.h).
 */
#ifndef HAMD_CTL_CTLMSG_H
#define HAMD_CTL_CTLMSG_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/key.h"		/* KEY_B64_LEN */
#include "crypto/wg_result.h"	/* WG_RESULT_MAX */
#include "ipc/addr.h"
#include "privsep/control.h"
#include "privsep/proc.h"	/* PROC_MAX */
#include "proto/hubproto.h"

/* Where each daemon's control socket is unless configured otherwise. */
#define CTL_SOCKET_HAMD		HAMD_RUNDIR "/hamd.sock"
#define CTL_SOCKET_HAMHUBD	HAMD_RUNDIR "/hamhubd.sock"

enum ctl_imsg_type {
	/* hamd */
	IMSG_CTL_STATUS = CONTROL_IMSG_FIRST, /* reply IMSG_CTL_STATUS_REPLY */
	IMSG_CTL_STATUS_REPLY,		/* struct ctl_status */
	IMSG_CTL_PEERS,			/* replies IMSG_CTL_PEER..., then
					   IMSG_CTL_PEERS_END */
	IMSG_CTL_PEER,			/* struct ctl_peer, one per peer */
	IMSG_CTL_PEERS_END,		/* struct ctl_peers_end */
	IMSG_CTL_ENGINE,		/* reply IMSG_CTL_ENGINE_REPLY */
	IMSG_CTL_ENGINE_REPLY,		/* struct engine_stats */
	IMSG_CTL_HUB_REQ,		/* struct hub_request, for the hub */
	IMSG_CTL_HUB_NET,		/* reply row: struct hub_net_info */
	IMSG_CTL_HUB_MEMBER,		/* reply row: struct hub_member_info */
	/* hamhubd */
	IMSG_CTL_HUBD_STATUS,		/* reply IMSG_CTL_HUBD_STATUS_REPLY */
	IMSG_CTL_HUBD_STATUS_REPLY,	/* struct ctl_hubd_status */
	IMSG_CTL_HUBD_NODES,		/* replies IMSG_CTL_HUBD_NODE... */
	IMSG_CTL_HUBD_NETWORKS,		/* replies IMSG_CTL_HUB_NET... */
	IMSG_CTL_HUBD_BLOCK,		/* struct ctl_cidr */
	IMSG_CTL_HUBD_UNBLOCK,		/* struct ctl_cidr */
	IMSG_CTL_HUBD_BLOCKS,		/* replies IMSG_CTL_HUBD_CIDR... */
	IMSG_CTL_HUBD_CIDR,		/* struct ctl_cidr */
	/* both daemons */
	IMSG_CTL_MONITOR,		/* subscribe: IMSG_CTL_EVENT... until
					   the client closes */
	IMSG_CTL_EVENT,			/* struct ctl_event */
	/* hamd, after the rest so that their numbers stay */
	IMSG_CTL_LAN,			/* reply IMSG_CTL_LAN_REPLY */
	IMSG_CTL_LAN_REPLY,		/* struct ctl_lan */
	/* hamd: subnet routes */
	IMSG_CTL_HUB_ROUTE,		/* reply row: struct hub_route_info */
	IMSG_CTL_ROUTES,		/* reply IMSG_CTL_ROUTE..., then result */
	IMSG_CTL_ROUTE,			/* struct ctl_route: one in use */
	IMSG_CTL_EXIT,			/* struct ctl_exit: choose or leave */
	IMSG_CTL_RUN,			/* struct ctl_exit: one cgroup's */
	IMSG_CTL_MASQ,			/* struct ctl_masq: a served prefix */
	IMSG_CTL_CONFINE,		/* struct ctl_exit: one cgroup's, to
					   the tunnel only */
	/* hamhubd: hamctl hub nodes' rows (IMSG_CTL_HUBD_NODES) */
	IMSG_CTL_HUBD_NODE,		/* struct ctl_hubd_node */
	CTL_IMSG_END
};

#define CTL_NAME_MAX		64	/* peer names, with the NUL */

/*
 * A subnet route as this node uses it (hamctl routes -l): through a
 * peer, or served by this node as a gateway, and what the parent made
 * of it.
 */
enum ctl_route_state {
	CTL_ROUTE_INSTALLED = 0,	/* in the kernel and allowed IPs */
	CTL_ROUTE_REFUSED,		/* the parent refused it: see why */
	CTL_ROUTE_SERVED,		/* ours: forwarded from the tunnel */
	CTL_ROUTE_EXIT,			/* everything, through this exit node */
	CTL_ROUTE_STATE_MAX
};
/* hamctl exit NODE | off: a hub peer's nickname or key, or "off". */
struct ctl_exit {
	char			node[CTL_NAME_MAX];
	/*
	 * hamctl run (IMSG_CTL_RUN): only the sockets of this cgroup v2
	 * (the inode of its directory, its level below the root) go
	 * through the exit node; 0 with node "off": the run is over.
	 */
	uint64_t		cgroup;
	uint32_t		level;
	uint32_t		flags;		/* CTL_EXIT_* */
};
#define CTL_EXIT_NOLAN		0x1	/* the LAN through the exit node too */
#define CTL_EXIT_END		0x2	/* IMSG_CTL_CONFINE: that cgroup's
					   run is over */

/*
 * hamctl route masquerade PREFIX on|off (and route advertise PREFIX
 * masquerade): while this node serves prefix, what it forwards there
 * leaves with its own address.  Until hamd stops; hamd.conf's
 * advertise-route ... masquerade is the lasting way.
 */
struct ctl_masq {
	struct ip_prefix	prefix;
	uint32_t		on;
};

struct ctl_route {
	struct ip_prefix	p;
	uint32_t		state;		/* enum ctl_route_state */
	uint32_t		peer;		/* peer id; 0: our own */
	char			why[96];	/* refused: the reason */
};
#define CTL_MAX_ALLOWED		64	/* allowed IPs shown per peer */
#define CTL_PROC_NAME		16
#define CTL_HUBD_PROCS		20	/* hamhubd: parent, control, web,
					   authority, up to 16 engines */

struct ctl_proc {
	char		name[CTL_PROC_NAME];
	int32_t		pid;
};

/* The path a hub peer's packets take; higher is preferred. */
enum path_kind {
	PATH_NONE = 0,			/* nowhere to send yet */
	PATH_RELAY_TCP,			/* through the hub's TCP connection */
	PATH_RELAY_UDP,			/* through the hub's UDP port */
	PATH_DIRECT,			/* straight to a public address */
	PATH_LAN,			/* straight to a LAN candidate */
	PATH_KIND_MAX
};
/* "lan", "direct", "relay-udp", "relay-tcp", "none"; never NULL. */
const char	*path_kind_str(int);

/* What NAT discovery found (engine -> parent, and in hamctl status). */
/* What gets through the node's NAT (or firewall) unasked. */
enum nat_filter {
	NAT_FILTER_UNKNOWN = 0,		/* not measured (yet) */
	NAT_FILTER_OTHER_PORT,		/* an answer from a port the node
					   never sent to got in */
	NAT_FILTER_PORT,		/* it did not: address-and-port-
					   dependent filtering */
	NAT_FILTER_MAX
};

struct nat_state_msg {
	int32_t			kind;		/* enum nat_kind */
	int32_t			filter;		/* enum nat_filter */
	struct pkt_addr		public_ep;	/* as the hub's first port saw it */
	struct pkt_addr		second_ep;	/* as the second port saw it */
	int64_t			when;		/* unix seconds */
};
/* "none", "endpoint-independent", ...; never NULL. */
const char	*nat_kind_str(int);
/* "other-ports-allowed", "address-and-port-dependent", "unknown". */
const char	*nat_filter_str(int);

/* Where the node's hub session is (tun -> parent, shown by status). */
enum hub_state {
	HUB_STATE_NONE = 0,		/* no hub configured */
	HUB_STATE_CONNECTING,		/* TCP connect or handshake under way */
	HUB_STATE_ONLINE,		/* logged in */
	HUB_STATE_REFUSED,		/* the hub refused the login */
	HUB_STATE_MAX
};

struct ctl_status {
	char		version[32];
	int64_t		uptime;		/* seconds */
	char		pubkey[KEY_B64_LEN + 1];
	uint8_t		verbose;
	uint8_t		pad[2];
	uint32_t	nprocs;
	struct ctl_proc	procs[PROC_MAX];
	/* the hub session: enum hub_state, addresses when online */
	int32_t		hub_state;
	int32_t		pad2;
	int64_t		hub_since;
	char		hub[280];		/* host and port, "" none */
	char		hub_reason[HUB_TEXT_MAX];
	struct hub_login_ok hub_addr;
	char		overlay_warning[CTL_MSG_MAX];	/* "" if none */
	struct nat_state_msg nat;	/* what NAT discovery found */
	struct pkt_addr	port_forward;	/* public-endpoint; af 0: none */
	/* member names: their domain ("": off), and systemd-resolved's view */
	char		names[256];
	char		resolver[160];
};

/*
 * Rates: what a peer carried per second over the last RATE_WINDOW
 * seconds, sampled once a second.
 */
#define RATE_WINDOW		3
struct ctl_rate {
	uint64_t		rx_bytes, tx_bytes;	/* per second */
	uint64_t		rx_packets, tx_packets;
};

/*
 * What a hub peer's tun knows for netcheck: the NAT the hub said the
 * peer is behind, and how many candidates reached us.
 */
struct ctl_peer_ext {
	struct ctl_rate		rate;
	int32_t			peer_nat;	/* enum nat_kind */
	uint32_t		ncands;		/* usable candidates */
	int64_t			up_since;	/* unix ms of the session's
						   start, 0: down */
};

/*
 * Broadcast and multicast (daemon/lanrep.c): the node's totals, in
 * hamctl status and at the end of hamctl peers.  "Not sent" counts
 * packets read from the TUN device, each once however many peers it
 * was for; "refused" what peers sent, summed over them.
 */
/* Ethernet networks (daemon/l2sw.c): frames through the TAP device. */
struct ctl_l2 {
	uint32_t		ports;		/* hub peers frames flow with */
	uint32_t		pad;
	uint64_t		tx_frames;	/* read from the TAP device, sent */
	uint64_t		tx_copies;	/* encrypted copies, one a peer */
	uint64_t		tx_rate;	/* not sent: group frames over our
						   rate */
	uint64_t		tx_source;	/* not sent: not from our MAC */
	uint64_t		tx_unknown;	/* not sent: no port has that MAC,
						   or no port at all */
	uint64_t		tx_oversize;	/* not sent: larger than the tunnel
						   takes */
	uint64_t		rx_frames;	/* written to the TAP device */
	uint64_t		rx_off;		/* refused: no Ethernet network */
	uint64_t		rx_source;	/* refused: source MAC not its own */
	uint64_t		rx_dest;	/* refused: unicast for another MAC */
	uint64_t		rx_rate;	/* refused: over the peer's rate */
	uint64_t		rx_malformed;	/* refused: a broken header */
};

struct ctl_lan {
	uint32_t		peers;		/* hub peers broadcast flows with */
	uint32_t		rate;		/* each sender's: packets/s */
	uint32_t		burst;		/* ... and its bucket */
	uint32_t		pad;
	uint64_t		tx_packets;	/* replicated */
	uint64_t		tx_copies;	/* encrypted copies, one a peer */
	uint64_t		tx_rate;	/* not sent: over our own rate */
	uint64_t		tx_no_peer;	/* not sent: nobody to send to */
	uint64_t		tx_control;	/* not sent: IGMP, MLD, ND */
	uint64_t		tx_other;	/* not sent: not from our overlay
						   address, scope, malformed */
	uint64_t		tx_unrouted;	/* unicast that no peer routes */
	uint64_t		rx_packets;	/* accepted from peers */
	uint64_t		rx_off;		/* refused: no shared broadcast */
	uint64_t		rx_rate;	/* refused: over the peer's rate */
	uint64_t		rx_control;	/* refused: IGMP, MLD, ND */
	struct ctl_l2		l2;
};

/* A peer's broadcast and multicast: whether they flow, and how many. */
struct ctl_peer_lan {
	uint8_t			on;
	uint8_t			eth;		/* Ethernet frames flow with it */
	uint8_t			pad[6];
	uint64_t		rx_packets;	/* accepted from it */
	uint64_t		tx_packets;	/* copies sent to it */
	uint64_t		rx_frames;	/* frames taken from it */
	uint64_t		tx_frames;	/* frames sent to it */
};

/* One peer in the reply to hamctl peers. */
struct ctl_peer {
	uint32_t		id;
	char			name[CTL_NAME_MAX];
	char			pubkey[KEY_B64_LEN + 1];
	uint8_t			has_psk;
	uint8_t			session;	/* a usable session exists */
	uint8_t			pad;
	struct pkt_addr		endpoint;	/* af 0: not known */
	int64_t			last_handshake;	/* unix seconds, 0: never */
	uint64_t		rx_bytes, tx_bytes;
	uint64_t		rx_packets, tx_packets;
	uint64_t		handshakes;
	uint64_t		drops[WG_RESULT_MAX];
	uint16_t		keepalive;
	uint16_t		pad2;
	uint32_t		nallowed;
	struct ip_prefix	allowed[CTL_MAX_ALLOWED];
	/* hub peers: the path the engine chose (PATH_NONE for others) */
	int32_t			path;		/* enum path_kind */
	uint32_t		rtt_us;		/* last handshake, 0: none */
	int64_t			path_since;	/* unix seconds, 0: never */
	struct ctl_peer_ext	ext;		/* rates, netcheck */
	struct ctl_peer_lan	lan;
};

/* The end of the reply: drops no peer can be blamed for. */
struct ctl_peers_end {
	uint32_t		npeers;
	uint32_t		pad;
	uint64_t		drops[WG_RESULT_MAX];
	uint64_t		unknown_peer;	/* initiations from unknown keys */
	uint64_t		cookies_sent;
	uint64_t		ratelimited;	/* handshakes over a source's share */
	struct ctl_lan		lan;
};

/* The node engine's counters; rx_datagrams counts everything read. */
struct engine_stats {
	uint64_t		 rx_datagrams;
	uint64_t		 rx_bytes;
	uint64_t		 rx_malformed;	/* not a WireGuard message */
	uint64_t		 rx_truncated;	/* larger than our buffers */
	uint64_t		 rx_errors;	/* recvmmsg failed */
	uint64_t		 rx_paused;	/* reads stopped: tun behind */
	uint64_t		 rx_gro_trains;	/* buffers holding >1 datagram */
	uint64_t		 tx_datagrams;
	uint64_t		 tx_bytes;
	uint64_t		 tx_errors;	/* datagrams refused */
	uint64_t		 tx_dropped;	/* socket buffer full */
	uint64_t		 tx_gso_trains;	/* sent with UDP_SEGMENT */
	uint64_t		 tx_gso_fallback; /* trains resent one by one */
	uint64_t		 tx_no_socket;	/* no socket for the family */
	uint64_t		 tx_unknown_peer; /* id not configured */
	uint64_t		 nat_answers;	/* discovery answers taken */
	uint64_t		 nat_bad;	/* 0x80/0x81 datagrams dropped
						   (counted as malformed too) */
	uint64_t		 relay_tx;	/* packets sent through the hub */
	uint64_t		 relay_rx;	/* packets the hub relayed to us */
	uint64_t		 relay_bad;	/* relay datagrams/frames dropped
						   (datagrams of a relay type
						   count as malformed too) */
	uint64_t		 probes;	/* probe copies sent to candidates */
	uint64_t		 path_changes;
	/* the member-name responder */
	uint64_t		 dns_queries;	/* datagrams read */
	uint64_t		 dns_answers;	/* answers sent */
	uint64_t		 dns_nxdomain;	/* of which: no such member */
	uint64_t		 dns_refused;	/* of which: not ours */
	uint64_t		 dns_dropped;	/* malformed, over the rate */
};

/*
 * Events (hamctl monitor, the web child): sent by the process that sees
 * the change as it happens, to control (for every monitor) and to the
 * web child.  One layout for both daemons; fields a kind does not use
 * are zero.
 */
enum ctl_event_kind {
	EV_NONE = 0,
	/* hamd */
	EV_PEER_ADD,		/* a peer was configured or announced */
	EV_PEER_UP,		/* its first session: the tunnel is up */
	EV_HANDSHAKE,		/* a handshake completed (rtt_us) */
	EV_PATH,		/* path: old_path -> path, addr */
	EV_PEER_DOWN,		/* no session any more: the transfer */
	EV_PEER_REMOVE,		/* removed (config, hub, eviction) */
	EV_DROPS,		/* count drops of reason in the last second */
	EV_HUB_ONLINE,		/* logged in to the hub */
	EV_HUB_OFFLINE,		/* lost, refused or logged out (detail) */
	/* hamhubd */
	EV_LOGIN,		/* a node logged in (addr: from where) */
	EV_LOGOUT,		/* it logged out: the session's transfer */
	EV_LOST,		/* its connection went away */
	EV_REFUSED,		/* a login was refused (detail) */
	EV_JOIN,		/* a node joined network */
	EV_LEAVE,		/* a node left network */
	EV_EVICT,		/* a node was evicted from network */
	EV_KIND_MAX
};
/* "peer-up", ...; never NULL. */
const char	*ctl_event_str(int);
/* A rate for people: "943.2 Mbit/s". */
void		 format_rate(char *, size_t, uint64_t bytes_per_s);

#define CTL_DETAIL_MAX		96
struct ctl_event {
	int64_t			time_ms;	/* unix milliseconds */
	uint32_t		kind;		/* enum ctl_event_kind */
	int32_t			path;		/* EV_PATH: new; else current */
	int32_t			old_path;	/* EV_PATH: before */
	uint32_t		reason;		/* EV_DROPS: enum wg_result */
	uint64_t		count;		/* EV_DROPS */
	uint32_t		rtt_us;		/* EV_HANDSHAKE */
	uint32_t		pad;
	int64_t			duration_ms;	/* EV_PEER_DOWN, EV_LOGOUT,
						   EV_LOST */
	uint64_t		rx_bytes, tx_bytes;	/* ... what it carried */
	uint64_t		rx_packets, tx_packets;
	struct pkt_addr		addr;		/* endpoint, path address */
	char			key[KEY_B64_LEN + 1];	/* peer or node */
	char			name[CTL_NAME_MAX];	/* peer, nickname */
	char			network[HUB_NAME_MAX];
	char			detail[CTL_DETAIL_MAX];
};

/* An address range (hamctl hub block, unblock, blocks). */
struct ctl_cidr {
	struct ip_prefix	prefix;
};

/* The hub engine's counters. */
struct hubd_engine_stats {
	uint64_t		accepted;
	uint64_t		refused;	/* over the connection limits */
	uint64_t		closed_idle;	/* sent nothing in time */
	uint64_t		bad_frames;	/* zero or oversized length */
	uint64_t		rx_frames, tx_frames;
	uint64_t		rx_bytes, tx_bytes;
	uint32_t		open;		/* connections now */
	uint32_t		pad;
	uint64_t		nat_probes, nat_dropped;	/* UDP discovery */
	uint64_t		relay_packets, relay_bytes;	/* forwarded */
	uint64_t		relay_registers;	/* REGISTER taken */
	uint64_t		relay_unknown;	/* from no logged-in node */
	uint64_t		relay_denied;	/* to a node sharing no network */
	uint64_t		relay_bad;	/* malformed relay traffic */
	uint32_t		relay_sessions;
	uint32_t		pad2;
	uint64_t		relay_foreign;	/* REGISTER from another address
						   than its node's connection */
	uint64_t		relay_throttled; /* REGISTER over the rate */
	uint64_t		refused_nomem;	/* connections refused or cut,
						   messages dropped, for want
						   of memory (all processes) */
};

/* A hub of the cluster, as its row in the database says. */
#define CTL_HUBD_CLUSTER_MAX	16
struct ctl_hubd_peer {
	int64_t			id;
	int64_t			up_ms;		/* since it registered */
	int64_t			lease_ms;	/* left; < 0: run out */
	int64_t			nodes;		/* online there */
};

/*
 * What the hub carries for an online node (its engine's meters,
 * hub/meter.h): rx what the hub received from it, tx what it sent it;
 * its control channel (frames, with their 2-byte length) and what the
 * hub relayed for it by UDP and TCP (the relayed packets), and of that
 * the relay's share.  Rates per second over the last 2 to 4 seconds.
 */
struct ctl_hub_traffic {
	uint64_t		rx_bytes, tx_bytes;	/* totals */
	uint64_t		rx_packets, tx_packets;
	uint64_t		relay_rx_bytes, relay_tx_bytes;
	uint64_t		relay_rx_packets, relay_tx_packets;
	struct ctl_rate		rate;
};

/* A row of hamctl hub nodes: the node, and its traffic when online. */
struct ctl_hubd_node {
	struct hub_member_info	node;
	struct ctl_hub_traffic	traffic;	/* zero when offline */
};

struct ctl_hubd_status {
	char			version[32];
	int64_t			uptime;
	char			pubkey[KEY_B64_LEN + 1];
	uint8_t			pad[3];
	uint32_t		nodes;		/* known */
	uint32_t		online;
	uint32_t		networks;
	uint32_t		blocks;
	struct ip_prefix	pool4;
	struct ip_prefix	pool6;
	struct hubd_engine_stats engine;	/* every engine's, summed */
	uint32_t		nprocs;
	struct ctl_proc		procs[CTL_HUBD_PROCS];
	/* the database and the cluster */
	char			database[16];	/* sqlite, postgresql */
	uint8_t			db_up;		/* the store reaches it */
	uint8_t			cluster_up;	/* the cluster's connection */
	uint8_t			pad4[6];
	int64_t			hub_id;		/* 0: no cluster */
	uint32_t		remote;		/* online at the others */
	uint32_t		nhubs;		/* its hubs, this one too */
	struct ctl_hubd_peer	hubs[CTL_HUBD_CLUSTER_MAX];
};

#endif
