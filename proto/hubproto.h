/*
 * The node-to-hub protocol: frames on the TCP connection, the secure
 * channel's frame types, and the plaintext messages inside it.  Shared
 * by hamd (the tun process is the client) and hamhubd (the authority
 * process is the server).  PROTOCOL.md gives every byte layout.
 *
 * On the stream each frame is a 2-byte big-endian body length, then the
 * body; a body is 1..HUB_FRAME_MAX bytes.  The body's first byte is the
 * frame type:
 *
 *	HUB_FRAME_INIT	node -> hub: Noise IK message 1, payload a TAI64N
 *			timestamp (12 bytes)
 *	HUB_FRAME_RESP	hub -> node: Noise IK message 2, empty payload
 *	HUB_FRAME_DATA	either way: ChaCha20-Poly1305 of one message,
 *			nonce a 64-bit counter per direction from 0
 *
 * The decoded structs below are what the codec produces and consumes;
 * the encoder writes only what the wire format says (strings as a
 * length and their bytes), never the structs' padding.
 */
#ifndef HAMD_HUBPROTO_H
#define HAMD_HUBPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "ipc/addr.h"
#include "proto/dgram.h"		/* RELAY_HDR_LEN */
#include "proto/hubroute.h"

#define HUB_PROLOGUE		"hamd hub protocol v1"
/*
 * 2: network and peer flags (broadcast); 3: PEER_RELAY, which a hub
 * sends only to a node that logged in with 3.  A hub takes 2 and 3.
 */
#define HUB_PROTOCOL_VERSION	3
#define HUB_PROTOCOL_MIN	2
#define HUB_DEFAULT_PORT	7777
#define HUB_FRAME_MAX		16384	/* largest frame body */
#define HUB_MSG_MAX		(HUB_FRAME_MAX - 1 - 16)	/* plaintext */

#define HUB_KEY_LEN		32
#define HUB_NETID_LEN		16
#define HUB_NAME_MAX		64	/* network name with its NUL */
#define HUB_PASSWORD_MAX	128	/* password with its NUL */
#define HUB_NICK_MAX		33	/* nickname with its NUL */
#define HUB_TEXT_MAX		200	/* result message with its NUL */

enum hub_frame_type {
	HUB_FRAME_INIT = 1,
	HUB_FRAME_RESP = 2,
	HUB_FRAME_DATA = 4,
	/*
	 * Relayed WireGuard packets, not encrypted by the channel (they
	 * are end-to-end encrypted already) and handled by the engines
	 * only: type, 3 zero bytes, a relay id (4 bytes, big-endian: the
	 * destination node->hub, the source hub->node), the packet.
	 */
	HUB_FRAME_RELAY = 8,
};
#define HUB_RELAY_HDR_LEN	RELAY_HDR_LEN	/* of a relay frame */

/*
 * Between a daemon's engine (which owns the TCP connection) and the
 * process that holds the channel keys (hamd's tun, hamhubd's
 * authority): a connection opened, with its far end and ours.
 */
struct hub_conn_msg {
	struct pkt_addr		remote;
	struct pkt_addr		local;
};

enum hub_msg_type {
	/* node -> hub */
	HUB_MSG_LOGIN = 0x10,
	HUB_MSG_REQUEST = 0x11,
	HUB_MSG_LOGOUT = 0x14,
	HUB_MSG_CANDIDATES = 0x15,	/* where the node may be reached */
	/* either way */
	HUB_MSG_PING = 0x12,
	HUB_MSG_PONG = 0x13,
	/* hub -> node */
	HUB_MSG_LOGIN_OK = 0x20,
	HUB_MSG_LOGIN_REFUSED = 0x21,
	HUB_MSG_PEER_UP = 0x22,
	HUB_MSG_PEER_DOWN = 0x23,
	HUB_MSG_PEER_CHECK = 0x24,
	HUB_MSG_RESPONSE = 0x25,
	HUB_MSG_NET_ENTRY = 0x26,
	HUB_MSG_MEMBER_ENTRY = 0x27,
	HUB_MSG_RELAY_INFO = 0x28,	/* the node's relay id and token */
	HUB_MSG_PEER_PATHS = 0x29,	/* a peer's candidates: probe now */
	HUB_MSG_PEER_ROUTES = 0x2a,	/* a peer's approved subnet routes */
	HUB_MSG_ROUTE_ENTRY = 0x2b,	/* one route in a ROUTES answer */
	HUB_MSG_PEER_NAMES = 0x2c,	/* a peer's nickname and networks */
	HUB_MSG_PEER_RELAY = 0x2d,	/* a peer at another hub: relay
					   through it as a guest */
};

/* What NAT discovery found; a node tells the hub in CANDIDATES. */
enum nat_kind {
	NAT_UNKNOWN = 0,		/* no discovery yet */
	NAT_NONE,			/* public endpoint is our own */
	NAT_INDEPENDENT,		/* endpoint-independent mapping */
	NAT_DEPENDENT,			/* a new mapping per destination */
	NAT_NO_ANSWER,			/* UDP to the hub blocked or filtered */
	NAT_KIND_MAX
};

/*
 * NAT traversal.  A candidate is an address where a node may be
 * reached; only an authenticated packet from an address ever makes it
 * a peer's endpoint, so candidates are hints.
 */
#define HUB_CAND_MAX		8
#define HUB_RELAY_TOKEN_LEN	16
enum hub_cand_kind {
	HUB_CAND_LAN = 1,	/* a local address (private ranges only) */
	HUB_CAND_PUBLIC,	/* found by NAT discovery */
	HUB_CAND_FORWARD,	/* "public-endpoint" in hamd.conf */
	HUB_CAND_OBSERVED,	/* hub: TCP source address, node's UDP port */
	HUB_CAND_MAX_KIND
};
struct hub_candidate {
	uint8_t		kind;		/* enum hub_cand_kind */
	uint8_t		pad[3];
	struct pkt_addr	addr;		/* AF_INET or AF_INET6, port != 0 */
};
/* CANDIDATES, node -> hub; also parent -> tun in hamd. */
struct hub_candidates {
	uint8_t		nat;		/* enum nat_kind */
	uint8_t		n;		/* 0..HUB_CAND_MAX */
	uint8_t		pad[2];
	struct hub_candidate c[HUB_CAND_MAX];
};
/* RELAY_INFO, hub -> node, right after LOGIN_OK. */
struct hub_relay_info {
	uint32_t	relay_id;	/* != 0, this login's */
	uint8_t		token[HUB_RELAY_TOKEN_LEN];
};
/* PEER_PATHS, hub -> node: after PEER_UP, and when candidates change. */
struct hub_peer_paths {
	uint8_t		key[HUB_KEY_LEN];
	uint32_t	relay_id;	/* the peer's, for relay frames */
	struct hub_candidates cands;
};
/*
 * PEER_RELAY, hub -> node, after PEER_PATHS about a peer logged in at
 * another hub of the cluster: that hub's relay address, the peer's
 * relay id there, and the node's own guest relay id and token there
 * (relaycred.h), for REGISTERs to that hub.
 */
struct hub_peer_relay {
	uint8_t		key[HUB_KEY_LEN];	/* the peer */
	uint32_t	relay_id;	/* the peer's, at that hub; != 0 */
	struct pkt_addr	hub;		/* AF_INET or AF_INET6, port != 0 */
	uint32_t	guest_id;	/* ours there; != 0 */
	uint8_t		token[HUB_RELAY_TOKEN_LEN];	/* ours there */
};

/* Requests a node makes on behalf of its administrator (hamctl). */
enum hub_op {
	HUB_OP_NETWORKS = 1,	/* list the node's networks */
	HUB_OP_MEMBERS,		/* net: list members (pending ones too) */
	HUB_OP_CREATE,		/* net, password, type, mode, limit */
	HUB_OP_DELETE,		/* net */
	HUB_OP_JOIN,		/* net, password (empty with an invite) */
	HUB_OP_LEAVE,		/* net */
	HUB_OP_APPROVE,		/* net, key */
	HUB_OP_REJECT,		/* net, key */
	HUB_OP_EVICT,		/* net, key */
	HUB_OP_INVITE,		/* net, key */
	HUB_OP_SET_PASSWORD,	/* net, password */
	HUB_OP_SET_MODE,	/* net, mode */
	HUB_OP_SET_LIMIT,	/* net, limit (0: none) */
	HUB_OP_PROMOTE,		/* net, key: make admin */
	HUB_OP_DEMOTE,		/* net, key: make plain member */
	HUB_OP_TRANSFER,	/* net, key: new owner */
	HUB_OP_NICKNAME,	/* nick: this node's nickname */
	HUB_OP_SET_BROADCAST,	/* net, flags: HUB_NET_BROADCAST on or off */
	/* (create's flags: HUB_NET_ETHERNET for an Ethernet network) */
	/* subnet routes: the prefix follows the strings on the wire */
	HUB_OP_ADVERTISE,	/* prefix: this node reaches it */
	HUB_OP_WITHDRAW,	/* prefix: no longer */
	HUB_OP_ROUTES,		/* net or "": list routes */
	HUB_OP_ROUTE_APPROVE,	/* net, key, prefix */
	HUB_OP_ROUTE_REVOKE,	/* net, key, prefix */
	HUB_OP_NAMES,		/* member names: PEER_NAMES now and on change */
	HUB_OP_MAX
};

/*
 * A network's flags (REQUEST for create and set-broadcast, NET_ENTRY)
 * and a peer's (PEER_UP).  HUB_NET_BROADCAST: broadcast and multicast
 * flow among the network's members; in PEER_UP, between the node and
 * that peer (they share at least one network where it is on).
 */
#define HUB_NET_BROADCAST	0x01
/*
 * HUB_NET_ETHERNET: the network joins its members at layer 2 (a TAP
 * device, Ethernet frames); set when it is made and never after.  In
 * PEER_UP: the two share such a network, so frames flow between them.
 */
#define HUB_NET_ETHERNET	0x02
#define HUB_NET_FLAGS		(HUB_NET_BROADCAST | HUB_NET_ETHERNET)

enum hub_join_mode { HUB_MODE_AUTO = 0, HUB_MODE_APPROVAL, HUB_MODE_CLOSED,
	HUB_MODE_MAX };
/*
 * A gateway network is a hub-and-spoke one whose owner is the gateway:
 * members see the owner (and administrators), not each other, and the
 * owner's advertised routes count as approved there.
 */
enum hub_net_type { HUB_TYPE_MESH = 0, HUB_TYPE_HUBSPOKE, HUB_TYPE_GATEWAY,
	HUB_TYPE_MAX };
enum hub_role { HUB_ROLE_MEMBER = 0, HUB_ROLE_ADMIN, HUB_ROLE_OWNER,
	HUB_ROLE_MAX };
enum hub_mstate { HUB_MSTATE_ACTIVE = 0, HUB_MSTATE_PENDING,
	HUB_MSTATE_BANNED, HUB_MSTATE_MAX };

/* Why a login was refused. */
enum hub_refusal { HUB_REFUSED_BLOCKED = 1, HUB_REFUSED_VERSION,
	HUB_REFUSED_POOL_FULL, HUB_REFUSED_BUSY, HUB_REFUSED_MAX };

struct hub_login {
	uint16_t	version;
	uint16_t	udp_port;	/* the node's WireGuard port */
	char		nick[HUB_NICK_MAX];
};

struct hub_login_ok {
	uint8_t		v4[4];		/* the node's overlay addresses */
	uint8_t		v4_plen;	/* the pool's prefix length */
	uint8_t		v6_plen;
	uint8_t		v6[16];
	struct pkt_addr	observed;	/* where the hub saw the node from */
};

struct hub_login_refused {
	uint8_t		reason;		/* enum hub_refusal */
	char		msg[HUB_TEXT_MAX];
};

struct hub_peer {			/* PEER_UP; DOWN and CHECK use key */
	uint8_t		key[HUB_KEY_LEN];
	uint8_t		v4[4];
	uint8_t		v6[16];
	struct pkt_addr	endpoint;	/* af 0: unknown */
	char		nick[HUB_NICK_MAX];
	uint8_t		flags;		/* HUB_NET_BROADCAST or 0 */
};

struct hub_request {
	uint32_t	id;		/* echoed in the entries and response */
	uint8_t		op;		/* enum hub_op */
	uint8_t		has_key;
	uint8_t		type;		/* enum hub_net_type */
	uint8_t		mode;		/* enum hub_join_mode */
	uint32_t	limit;		/* member limit, 0: none; <= 65535 */
	uint8_t		key[HUB_KEY_LEN];
	char		net[HUB_NAME_MAX];	/* name or 32 hex digits */
	char		password[HUB_PASSWORD_MAX];
	char		nick[HUB_NICK_MAX];
	uint8_t		flags;		/* HUB_NET_*: create, set-broadcast */
	struct ip_prefix prefix;	/* route ops only (hub_op_has_prefix) */
};

/*
 * Subnet routes.  A node advertises LAN prefixes it reaches; an
 * administrator of a network approves each for that network; members
 * of the network that are the node's peers route the approved ones
 * through it.  Never a default route, never more than HUB_ROUTES_MAX
 * a node.
 */
#define HUB_ROUTES_MAX		16
/* PEER_ROUTES, hub -> node: the whole approved set (n 0: none). */
struct hub_peer_routes {
	uint8_t		key[HUB_KEY_LEN];	/* our own: we are the gateway */
	uint8_t		n;
	uint8_t		pad[3];
	struct ip_prefix p[HUB_ROUTES_MAX];
};
/* ROUTE_ENTRY, hub -> node: one advertised route. */
struct hub_route_info {
	uint32_t	id;		/* request id */
	uint8_t		netid[HUB_NETID_LEN];	/* zero: the asker's own */
	uint8_t		key[HUB_KEY_LEN];	/* the advertising node */
	struct ip_prefix prefix;
	uint8_t		approved;	/* in that network (own: anywhere) */
	char		nick[HUB_NICK_MAX];
	uint8_t		pad[2];
};

/*
 * PEER_NAMES, hub -> node (after op names): what a peer is called and
 * the networks the two share, for the node's DNS responder; about the
 * node itself, its own networks.
 */
#define HUB_NAMES_MAX		16
struct hub_peer_names {
	uint8_t		key[HUB_KEY_LEN];
	char		nick[HUB_NICK_MAX];
	uint8_t		n;
	uint8_t		pad[2];
	char		nets[HUB_NAMES_MAX][HUB_NAME_MAX];
};

struct hub_response {
	uint32_t	id;
	int32_t		code;		/* 0 or an errno value */
	char		msg[HUB_TEXT_MAX];
};

struct hub_net_info {
	uint32_t	id;		/* request id */
	uint8_t		netid[HUB_NETID_LEN];
	char		name[HUB_NAME_MAX];
	uint8_t		type, mode, role, state;	/* role/state: the asker's */
	uint32_t	members;	/* active */
	uint32_t	pending;
	uint32_t	limit;
	uint32_t	online;
	uint8_t		flags;		/* HUB_NET_* */
};

struct hub_member_info {
	uint32_t	id;		/* request id */
	uint8_t		key[HUB_KEY_LEN];
	char		nick[HUB_NICK_MAX];
	uint8_t		v4[4];
	uint8_t		v6[16];
	uint8_t		role, state, online, pad;
	struct pkt_addr	endpoint;	/* hub's view; af 0 when offline */
	int64_t		last_seen;	/* unix seconds, 0: never */
};

/* Any message, decoded. */
struct hub_msg {
	uint8_t		type;		/* enum hub_msg_type */
	union {
		struct hub_login		login;
		struct hub_login_ok		login_ok;
		struct hub_login_refused	refused;
		struct hub_peer			peer;	/* UP, DOWN, CHECK */
		struct hub_request		req;
		struct hub_response		resp;
		struct hub_net_info		net;
		struct hub_member_info		member;
		struct hub_candidates		cands;
		struct hub_relay_info		relay;
		struct hub_peer_paths		paths;
		struct hub_peer_routes		routes;
		struct hub_route_info		route;
		struct hub_peer_names		names;
		struct hub_peer_relay		prelay;
		uint64_t			ping;	/* PING, PONG: cookie */
	} u;
};

/*
 * Encode msg into out (cap bytes).  Returns the length, or 0 if a field
 * is out of range (unknown type or enum, string without a NUL in its
 * array) or it does not fit.  Strings go out as a 1-byte length and the
 * bytes without the NUL.
 */
size_t	hub_msg_encode(const struct hub_msg *, uint8_t *out, size_t cap);
/*
 * Decode exactly len bytes.  0, or -1 for anything but a well-formed
 * message: unknown type, short or trailing bytes, a string that is too
 * long or holds a NUL, an enum value out of range.  On -1 the struct is
 * zeroed.  Passwords in a decoded request are the caller's to wipe.
 */
int	hub_msg_decode(struct hub_msg *, const uint8_t *in, size_t len);

/*
 * One address alone as the messages' addr field encodes it (family,
 * port, 0, 4 or 16 address bytes), for the cluster's tables: its
 * length, or 0 if a is no address the field can hold; and back, 0 or
 * -1 for anything but exactly one (a zeroed).
 */
#define HUB_ADDR_MAX		19
size_t	hub_addr_encode(const struct pkt_addr *, uint8_t out[HUB_ADDR_MAX]);
int	hub_addr_decode(struct pkt_addr *, const uint8_t *in, size_t len);

/* The name of a message type, op, mode, type, role or state, for logs. */
const char	*hub_msg_name(int type);
const char	*hub_op_name(int op);
const char	*hub_mode_name(int mode);
const char	*hub_type_name(int type);
const char	*hub_role_name(int role);
const char	*hub_mstate_name(int st);
/* Parse a mode or type name ("auto", "approval", "closed"; "mesh",
 * "hub-and-spoke"); -1 if unknown. */
int		 hub_mode_parse(const char *);
int		 hub_type_parse(const char *);

/*
 * Network names: 1..63 bytes of [A-Za-z0-9._-], not starting with '-'
 * or '.', and not 32 hex digits (which name a network by ID).
 */
int	hub_name_valid(const char *);
/* Is this 32 hex digits?  Fills id if so. */
int	hub_netid_parse(const char *, uint8_t id[HUB_NETID_LEN]);
void	hub_netid_format(const uint8_t id[HUB_NETID_LEN], char out[33]);
/* Nicknames: 0..32 printable ASCII bytes without '"' or '\\'. */
int	hub_nick_valid(const char *);
/* Whether a request with this op carries a prefix. */
int	hub_op_has_prefix(int op);

#endif
