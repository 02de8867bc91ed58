/*
 * hamhubd's own messages between its processes (parent, control,
 * engine, authority) and their payloads.  The framework's, the control
 * process's and hamctl's messages come first (privsep/proc.h,
 * privsep/control.h, ctl/ctlmsg.h); this enum continues from them,
 * numbered densely because the rule table (hub/hubd_msg.c) is
 * indexed by type.
 */
#ifndef HAMD_HUB_HUBD_MSG_H
#define HAMD_HUB_HUBD_MSG_H

#include <stdint.h>

#include "ctl/ctlmsg.h"
#include "ipc/addr.h"
#include "privsep/proc.h"
#include "proto/dgram.h"
#include "proto/hubproto.h"

/*
 * The processes: parent, control, authority, the web child (only with
 * http-listen) and one or more engines (hamhubd.conf's "engines"), the
 * first at HUBD_PROC_ENGINE and the others after it, named "engine",
 * "engine2", ...
 */
#define HUBD_PROC_CONTROL	1
#define HUBD_PROC_AUTHORITY	2
#define HUBD_PROC_WEB		3	/* optional: http-listen */
#define HUBD_PROC_ENGINE	4
#define HUBD_ENGINES_MAX	16
#define HUBD_NPROCS		(HUBD_PROC_ENGINE + HUBD_ENGINES_MAX)
#define HUBD_ENGINE_BITS	((uint32_t)((1u << HUBD_ENGINES_MAX) - 1) << \
				    HUBD_PROC_ENGINE)

enum hubd_imsg_type {
	IMSG_HUBD_LISTENER = CTL_IMSG_END, /* parent -> engine: fd +
					   int32_t kind */
	IMSG_HUBD_PRIVKEY,		/* parent -> authority: 32 bytes */
	IMSG_HUBD_PUBKEY,		/* authority -> parent: 32 bytes */
	IMSG_HUBD_CONF,			/* parent -> engine, authority:
					   struct hubd_conf_msg */
	IMSG_HUBD_ENGINE_STATS,		/* engine -> authority:
					   struct hubd_engine_stats */

	/*
	 * Node connections: engine <-> authority carry the frame bodies
	 * of every connection, peerid being the engine's connection id.
	 */
	IMSG_HUB_FRAME_IN,		/* engine -> authority: frame body */
	IMSG_HUB_FRAME_OUT,		/* authority -> engine: frame body */
	IMSG_HUB_CONN_OPEN,		/* engine -> authority:
					   struct hub_conn_msg */
	IMSG_HUB_CONN_CLOSE,		/* authority -> engine: close it */
	IMSG_HUB_CONN_CLOSED,		/* engine -> authority: it is gone */

	/* the relay: authority -> engine */
	IMSG_HUBD_RELAY_ADD,		/* struct hubd_relay_msg */
	IMSG_HUBD_RELAY_DEL,		/* uint32_t relay id */
	IMSG_HUBD_RELAY_PAIR,		/* struct hubd_relay_pair */
	/* a node of another hub of the cluster, relayed here by UDP */
	IMSG_HUBD_RELAY_GUEST,		/* struct hubd_relay_guest */
	/* UDP registrations: the engine asks, the authority checks */
	IMSG_HUBD_RELAY_REGISTER,	/* engine -> authority:
					   struct hubd_relay_reg */
	IMSG_HUBD_RELAY_REGISTERED,	/* authority -> engine:
					   struct hubd_relay_reg */
	/* a REGISTER for a node another engine holds: that one checks */
	IMSG_HUBD_RELAY_REG_FWD,	/* engine -> engine:
					   struct hubd_relay_reg */
	/* a relayed packet for a node another engine holds */
	IMSG_HUBD_RELAY_FWD,		/* engine -> engine: uint32_t relay
					   id, then the DATA or frame */

	/*
	 * The web child (http-listen): the authority's snapshot once a
	 * second, and the events (IMSG_CTL_EVENT).  The web child sends
	 * nothing.
	 */
	IMSG_HUBD_WEB_LISTENER,		/* parent -> web: fd, empty */
	IMSG_HUBD_WEB_STATUS,		/* authority -> web:
					   struct ctl_hubd_status */
	IMSG_HUBD_WEB_NODE,		/* authority -> web:
					   struct ctl_hubd_node, each */
	IMSG_HUBD_WEB_NET,		/* authority -> web:
					   struct hub_net_info, each */
	IMSG_HUBD_WEB_MEMBER,		/* authority -> web:
					   struct hubd_web_member, each */
	IMSG_HUBD_WEB_END,		/* authority -> web:
					   struct hubd_web_end */

	/* The store, before IMSG_HUBD_CONF. */
	IMSG_HUBD_DATABASE,		/* parent -> authority:
					   struct hubd_db_msg */

	/*
	 * What the engine carried for each node, asked only when a node
	 * listing or a web snapshot is made (hub/authtraffic.c), a page of
	 * connections at a time.
	 */
	IMSG_HUBD_TRAFFIC_ASK,		/* authority -> engine:
					   struct hubd_traffic_ask */
	IMSG_HUBD_TRAFFIC,		/* engine -> authority: its page,
					   struct hubd_traffic_page */

	HUBD_IMSG_MAX
};

/*
 * The store the authority opens: SQLite's file in its chroot (type
 * HUBD_DB_SQLITE, the strings empty), or the PostgreSQL it connects to
 * from its sandbox: the configured connection string with hostaddr added for the names the
 * parent resolved (the chroot has no resolver), and the password the
 * parent read from password-file, "" for none.  Wiped once sent and
 * once used.
 */
#define HUBD_DB_CONNINFO_MAX	1536	/* HUBD_CONNINFO_MAX and hostaddr */
#define HUBD_DB_PASSWORD_MAX	256
struct hubd_db_msg {
	int32_t			type;		/* enum hubd_db */
	char			conninfo[HUBD_DB_CONNINFO_MAX];
	char			password[HUBD_DB_PASSWORD_MAX];
};

/* Listener kinds in IMSG_HUBD_LISTENER. */
#define HUBD_LISTENER_TCP	0
#define HUBD_LISTENER_UDP	1
/* UDP on a port of the kernel's choosing: sends discovery answers only */
#define HUBD_LISTENER_ASIDE	2
/* Per listen address: TCP on P, UDP on P and P+1, and the aside socket. */
#define HUBD_SOCKS_PER_LISTEN	4

/* What the engine and the authority need from the configuration. */
struct hubd_conf_msg {
	struct ip_prefix	pool4;
	struct ip_prefix	pool6;		/* plen 0: derive a ULA /64 */
	uint32_t		max_conns;	/* engine: all connections */
	uint32_t		max_per_addr;	/* engine: from one address */
	uint32_t		login_timeout;	/* s */
	uint32_t		node_expiry;	/* s: a node in no network */
	uint32_t		engines;	/* engine processes */
	uint32_t		pad;
	int32_t			pids[HUBD_NPROCS];	/* for hub status */
};

/*
 * authority -> engine: a logged-in node's relay session.  Its token
 * stays with the authority: the engine holds no key or credential.
 */
struct hubd_relay_msg {
	uint32_t		conn;		/* its TCP connection */
	uint32_t		relay_id;
};
/*
 * A guest relay session: a node logged in at another hub of the
 * cluster, registering here by UDP from host's IP address only.
 */
struct hubd_relay_guest {
	uint32_t		relay_id;
	uint32_t		pad;
	struct pkt_addr		host;	/* where its own hub sees it */
};
/* Two relay sessions may (up 1) or may no longer (up 0) relay. */
struct hubd_relay_pair {
	uint32_t		a, b;		/* relay ids */
	int32_t			up;
};

/*
 * A UDP registration.  engine -> authority (IMSG_HUBD_RELAY_REGISTER):
 * a REGISTER the engine let through, to check.  authority -> engine
 * (IMSG_HUBD_RELAY_REGISTERED): it was taken; bind the session to from
 * and send the REGISTERED in dgram from local on sock.  The authority
 * echoes conn, relay_id, sock, from and local.
 */
struct hubd_relay_reg {
	uint32_t		conn;		/* the session's connection */
	uint32_t		relay_id;
	int32_t			sock;		/* the engine's socket index */
	uint32_t		pad;
	struct pkt_addr		from;		/* the REGISTER's source */
	struct pkt_addr		local;		/* the hub address it reached */
	uint8_t			dgram[RELAY_AUTH_LEN];
};

/* A network's member, for the web console. */
struct hubd_web_member {
	uint8_t			netid[HUB_NETID_LEN];
	uint8_t			key[HUB_KEY_LEN];
	uint8_t			role, state;	/* enum hub_role, hub_mstate */
	uint8_t			pad[6];
};
/* The end of a snapshot. */
struct hubd_web_end {
	uint64_t		db_us;		/* the snapshot's queries took */
	uint32_t		nodes, nets;	/* sent */
	uint32_t		members;
	uint32_t		truncated;	/* 1: over the limits below */
};
/*
 * The console lists at most this many; the metrics' counts come from
 * the status and are never cut.
 */
#define HUBD_WEB_NODES_MAX	2048
#define HUBD_WEB_NETS_MAX	512
#define HUBD_WEB_MEMBERS_MAX	8192

/*
 * A page of the traffic question: at most HUBD_TRAFFIC_PAGE
 * connections, so that one answer costs the engine that many hash
 * lookups between two turns of its loop, whatever the number of
 * nodes.  The authority sends an engine its next page when the last
 * one is answered.  Both messages are the header and n entries, no
 * more: the receiver checks the length against n.
 */
#define HUBD_TRAFFIC_PAGE	256
struct hubd_traffic_ask {
	uint32_t		round;		/* echoed */
	uint32_t		n;
	uint32_t		conn[HUBD_TRAFFIC_PAGE];
};
struct hubd_conn_traffic {
	uint32_t		conn;
	uint32_t		found;		/* 0: no such connection */
	struct ctl_hub_traffic	t;
};
struct hubd_traffic_page {
	uint32_t		round;
	uint32_t		n;		/* as asked, in the same order */
	struct hubd_conn_traffic e[HUBD_TRAFFIC_PAGE];
};
#define HUBD_TRAFFIC_HDR	(2 * sizeof(uint32_t))

/* The children's entry points, one file each. */
void	hubengine_run(struct privsep *);
void	authority_run(struct privsep *);
void	hubweb_run(struct privsep *);

/* The engine a connection id belongs to: ids are striped (nodeconn.c). */
#define HUBD_CONN_ENGINE(conn, n)	((int)(((conn) - 1) % (n)))

extern const struct msg_rule	hubd_msg_rules[HUBD_IMSG_MAX];

#endif
