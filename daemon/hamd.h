/*
 * hamd: message types and the payloads shared by its processes and by
 * hamctl.  One enum for every message on every channel, numbered densely
 * because the rule table (msgrules.c) is indexed by type.
 */
#ifndef HAMD_HAMD_H
#define HAMD_HAMD_H

#include <sys/types.h>
#include <stdint.h>

#include "config.h"
#include "hubproto.h"
#include "key.h"
#include "pktbatch.h"
#include "relayauth.h"	/* RELAY_*_TYPE */
#include "proc.h"
#include "wg_result.h"

#define HAMD_PROC_CONTROL	1
#define HAMD_PROC_ENGINE	2
#define HAMD_PROC_TUN		3

/* hamhubd's processes (hub/), same framework and message enum. */
#define HUBD_PROC_CONTROL	1
#define HUBD_PROC_ENGINE	2
#define HUBD_PROC_AUTHORITY	3

enum imsg_type {
	IMSG_NONE = 0,
	IMSG_LOG = PROC_IMSG_LOG,	/* child -> parent, see proc.h */

	/* parent -> children: configuration */
	IMSG_CONF_CONTROL = PROC_IMSG_FIRST, /* struct conf_control */
	IMSG_CONTROL_SOCKET,		/* fd: the listening control socket */
	IMSG_TUN_PRIVKEY,		/* 32 bytes: the node's private key */
	IMSG_TUN_PUBKEY,		/* tun -> parent: 32 bytes */
	IMSG_LOG_VERBOSE,		/* parent -> children: int32_t */

	/*
	 * Control socket (hamctl <-> control) and control <-> parent.  On
	 * the control socket requests carry their arguments only; control
	 * prefixes a struct ctl_cred when it forwards them to the parent.
	 * Replies travel back with the client's id as peerid.
	 */
	IMSG_CTL_STATUS,		/* request; reply IMSG_CTL_STATUS_REPLY */
	IMSG_CTL_RELOAD,		/* request; reply IMSG_CTL_RESULT */
	IMSG_CTL_LOG_VERBOSE,		/* request: int32_t 0 or 1 */
	IMSG_CTL_STATUS_REPLY,		/* struct ctl_status */
	IMSG_CTL_RESULT,		/* struct ctl_result, ends a request */

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

	/* hamctl peers: control -> tun, replies tun -> control */
	IMSG_CTL_PEERS,			/* request (struct ctl_cred on the way in) */
	IMSG_CTL_PEER,			/* struct ctl_peer, one per peer */
	IMSG_CTL_PEERS_END,		/* struct ctl_peers_end, ends the reply */
	IMSG_CTL_ENGINE,		/* request, answered by the engine */
	IMSG_CTL_ENGINE_REPLY,		/* struct engine_stats */

	/*
	 * The hub channel.  hamd: engine <-> tun carry frame bodies of the
	 * node's one TCP connection (peerid 0).  hamhubd: engine <->
	 * authority carry them for every node connection, peerid being
	 * the engine's connection id.
	 */
	IMSG_HUB_FRAME_IN,		/* engine -> tun/authority: frame body */
	IMSG_HUB_FRAME_OUT,		/* tun/authority -> engine: frame body */
	IMSG_HUB_CONN_OPEN,		/* engine -> tun/authority: struct hub_conn_msg */
	IMSG_HUB_CONN_CLOSE,		/* tun/authority -> engine: close it, empty */
	IMSG_HUB_CONN_CLOSED,		/* engine -> tun/authority: it is gone, empty */

	/* hamd: the hub connection and what the hub assigns */
	IMSG_HUB_CONNECT,		/* engine -> parent: want a socket, empty */
	IMSG_HUB_SOCKET,		/* parent -> engine: fd (connect started) +
					   struct hub_conn_msg (the hub) */
	IMSG_HUB_STATE,			/* tun -> parent: struct hub_state_msg */
	IMSG_TUN_HUB,			/* parent -> tun: struct tun_hub_msg */
	IMSG_HUB_LOGOUT,		/* parent -> tun: stopping, log out; empty */
	IMSG_ENGINE_PEER_DEL,		/* tun -> engine: uint32_t peer id */
	IMSG_CTL_HUB_REQ,		/* hamctl -> control -> tun: struct ctl_hub_req */
	IMSG_CTL_HUB_NET,		/* tun -> control: struct ctl_hub_net */
	IMSG_CTL_HUB_MEMBER,		/* tun -> control: struct ctl_hub_member */

	/* hamhubd */
	IMSG_HUBD_LISTENER,		/* parent -> engine: fd + int32_t kind */
	IMSG_HUBD_PRIVKEY,		/* parent -> authority: 32 bytes */
	IMSG_HUBD_PUBKEY,		/* authority -> parent: 32 bytes */
	IMSG_HUBD_CONF,			/* parent -> authority: struct hubd_conf_msg */
	IMSG_CTL_HUBD_STATUS,		/* request; reply IMSG_CTL_HUBD_STATUS_REPLY */
	IMSG_CTL_HUBD_STATUS_REPLY,	/* struct ctl_hubd_status */
	IMSG_CTL_HUBD_NODES,		/* request; replies IMSG_CTL_HUB_MEMBER... */
	IMSG_CTL_HUBD_NETWORKS,		/* request; replies IMSG_CTL_HUB_NET... */
	IMSG_CTL_HUBD_BLOCK,		/* request: struct ctl_cidr */
	IMSG_CTL_HUBD_UNBLOCK,		/* request: struct ctl_cidr */
	IMSG_CTL_HUBD_BLOCKS,		/* request; replies IMSG_CTL_HUBD_CIDR... */
	IMSG_CTL_HUBD_CIDR,		/* struct ctl_cidr */
	IMSG_HUBD_ENGINE_STATS,		/* engine -> authority: struct hubd_engine_stats */

	/* NAT discovery (hamd): what the hub's UDP ports saw */
	IMSG_NAT_STATE,			/* engine -> parent: struct nat_state_msg */

	/* NAT traversal and relay (hamd) */
	IMSG_TUN_CANDIDATES,		/* parent -> tun: struct hub_candidates */
	IMSG_ENGINE_RELAY,		/* tun -> engine: struct engine_relay_msg */
	IMSG_ENGINE_PATHS,		/* tun -> engine: struct engine_paths_msg */
	IMSG_PEER_PROBE,		/* engine -> tun: struct peer_probe_msg */
	IMSG_PATH_INFO,			/* engine -> tun: struct path_info_msg */

	/* hamhubd relay: authority -> engine */
	IMSG_HUBD_RELAY_ADD,		/* struct hubd_relay_msg */
	IMSG_HUBD_RELAY_DEL,		/* uint32_t relay id */
	IMSG_HUBD_RELAY_PAIR,		/* struct hubd_relay_pair */

	IMSG_MAX_TYPE
};

/* Who asked, as the kernel told the control process (SO_PEERCRED). */
struct ctl_cred {
	uint32_t	uid;
	uint32_t	gid;
	int32_t		pid;
};

#define CTL_MSG_MAX	256
struct ctl_result {
	int32_t		code;		/* 0, or an errno value */
	char		msg[CTL_MSG_MAX];	/* NUL-terminated */
};

#define CTL_PROC_NAME	16
struct ctl_proc {
	char		name[CTL_PROC_NAME];
	int32_t		pid;
};

/*
 * NAT discovery: the engine probes the hub's two UDP ports (the hub's
 * TCP port and the next one) from its WireGuard socket; the answers say
 * where the probes came from.  Same public endpoint for both: the NAT
 * maps endpoint-independently.  See PROTOCOL.md, "NAT discovery".
 */
#define NAT_PROBE_TYPE		0x80	/* first byte; WireGuard uses 1-4 */
#define NAT_ANSWER_TYPE		0x81
#define NAT_PROBE_LEN		64	/* type, 3 zero bytes, nonce, zeros */
#define NAT_ANSWER_LEN		32	/* never more than a probe */
enum nat_kind {
	NAT_UNKNOWN = 0,		/* no discovery yet */
	NAT_NONE,			/* public endpoint is our own */
	NAT_INDEPENDENT,		/* endpoint-independent mapping */
	NAT_DEPENDENT,			/* a new mapping per destination */
	NAT_NO_ANSWER,			/* UDP to the hub blocked or filtered */
	NAT_KIND_MAX
};
struct nat_state_msg {
	int32_t			kind;		/* enum nat_kind */
	int32_t			pad;
	struct pkt_addr		public_ep;	/* as the hub's first port saw it */
	struct pkt_addr		second_ep;	/* as the second port saw it */
	int64_t			when;		/* unix seconds */
};

/*
 * Relay datagrams on the WireGuard port (node <-> hub UDP port P), first
 * byte a type WireGuard never uses.  See PROTOCOL.md, "Relay".
 *	REGISTER  node -> hub: 32 bytes, relay id and counter under a MAC
 *		  keyed with the relay token (hub/relayauth.h)
 *	REGISTERED hub -> node: 32 bytes, the same for the answer
 *	DATA      type, 3 zero, relay id (4: destination node->hub, source
 *		  hub->node), then one WireGuard packet
 */
#define RELAY_REGISTER_LEN	32	/* RELAY_AUTH_LEN */
#define RELAY_REGISTERED_LEN	32

/* The path a hub peer's packets take; higher is preferred. */
enum path_kind {
	PATH_NONE = 0,			/* nowhere to send yet */
	PATH_RELAY_TCP,			/* through the hub's TCP connection */
	PATH_RELAY_UDP,			/* through the hub's UDP port */
	PATH_DIRECT,			/* straight to a public address */
	PATH_LAN,			/* straight to a LAN candidate */
	PATH_KIND_MAX
};

/* tun -> engine: this login's relay credentials (relay_id 0: none). */
struct engine_relay_msg {
	uint32_t		relay_id;
	uint8_t			token[HUB_RELAY_TOKEN_LEN];
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

/* hamhubd: authority -> engine, a logged-in node's relay session. */
struct hubd_relay_msg {
	uint32_t		conn;		/* its TCP connection */
	uint32_t		relay_id;
	uint8_t			token[HUB_RELAY_TOKEN_LEN];
};
/* hamhubd: two relay sessions may (up 1) or may no longer (up 0) relay. */
struct hubd_relay_pair {
	uint32_t		a, b;		/* relay ids */
	int32_t			up;
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
};

/* What the control process needs to decide who may do what. */
#define CONF_ADMIN_UIDS	64
struct conf_control {
	int32_t		read_access;	/* enum read_access */
	int32_t		has_admin_gid;
	uint32_t	admin_gid;
	uint32_t	nuids;		/* members named in the group file */
	uint32_t	uids[CONF_ADMIN_UIDS];
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
	struct conf_prefix	allowed[CONF_MAX_ALLOWED];
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
};

/* One peer in the reply to hamctl peers. */
struct ctl_peer {
	uint32_t		id;
	char			name[CONF_NAME_MAX];
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
	struct conf_prefix	allowed[CONF_MAX_ALLOWED];
	/* hub peers: the path the engine chose (PATH_NONE for others) */
	int32_t			path;		/* enum path_kind */
	uint32_t		rtt_us;		/* last handshake, 0: none */
	int64_t			path_since;	/* unix seconds, 0: never */
};

/* The end of the reply: drops no peer can be blamed for. */
struct ctl_peers_end {
	uint32_t		npeers;
	uint32_t		pad;
	uint64_t		drops[WG_RESULT_MAX];
	uint64_t		unknown_peer;	/* initiations from unknown keys */
	uint64_t		cookies_sent;
	uint64_t		ratelimited;	/* handshakes over a source's share */
};

/* The engine's counters; rx_datagrams counts everything read. */
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
};

/* A hub TCP connection: the far end, and our end. */
struct hub_conn_msg {
	struct pkt_addr		remote;
	struct pkt_addr		local;
};

/* Where the node's hub session is (tun -> parent, shown by status). */
enum hub_state {
	HUB_STATE_NONE = 0,		/* no hub configured */
	HUB_STATE_CONNECTING,		/* TCP connect or handshake under way */
	HUB_STATE_ONLINE,		/* logged in */
	HUB_STATE_REFUSED,		/* the hub refused the login */
	HUB_STATE_MAX
};
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
	uint8_t			pad[3];
};

/* hamhubd: what the authority needs from the configuration. */
struct hubd_conf_msg {
	struct conf_prefix	pool4;
	struct conf_prefix	pool6;		/* plen 0: derive a ULA /64 */
	uint32_t		max_conns;	/* engine: all connections */
	uint32_t		max_per_addr;	/* engine: from one address */
	uint32_t		login_timeout;	/* s */
	int32_t			pids[PROC_MAX];	/* for hamctl hub status */
};

/* An address range (hamctl hub block, unblock, blocks). */
struct ctl_cidr {
	struct conf_prefix	prefix;
};

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
	struct conf_prefix	pool4;
	struct conf_prefix	pool6;
	struct hubd_engine_stats engine;
	uint32_t		nprocs;
	struct ctl_proc		procs[PROC_MAX];
};

/*
 * The control process serves both daemons; each names its requests:
 * the message type, who may send it, its payload size on the socket,
 * and which process answers.
 */
enum ctl_need { NEED_READ, NEED_ADMIN };
#define CTL_REQUEST_MAX	512	/* largest request payload */
struct ctl_request {
	uint32_t	 type;
	const char	*name;
	enum ctl_need	 need;
	size_t		 len;
	int		 to;		/* the process that answers */
	/* if set, decides the need from the payload (len bytes) */
	enum ctl_need	(*need_of)(const void *, size_t);
};
struct control_program {
	const struct ctl_request *requests;
	size_t			 nrequests;
	const char		*conffile;	/* named in "permission denied" */
};
void	control_main(struct privsep *, const struct control_program *);

/* Entry points of the children, one file each. */
void	control_run(struct privsep *);
void	engine_run(struct privsep *);
void	tun_run(struct privsep *);

extern const struct msg_rule	hamd_msg_rules[IMSG_MAX_TYPE];
extern const struct proc_desc	hamd_procs[PROC_MAX];

/* hamhubd's children (hub/) and tables (hub/msgrules_hub.c). */
void	hubcontrol_run(struct privsep *);
void	hubengine_run(struct privsep *);
void	authority_run(struct privsep *);
extern const struct msg_rule	hubd_msg_rules[IMSG_MAX_TYPE];
extern const struct proc_desc	hubd_procs[PROC_MAX];

/* Seccomp policies, one per child (privsep/policy_hamd.c). */
struct seccomp_policy;
extern const struct seccomp_policy	policy_control;
extern const struct seccomp_policy	policy_engine;
extern const struct seccomp_policy	policy_tun;
extern const struct seccomp_policy	policy_hubd_authority;
extern const struct seccomp_policy	policy_hubd_engine;

#endif
