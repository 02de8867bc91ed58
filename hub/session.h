/*
 * The authority's sessions, one per node connection an engine carries,
 * found by connection, by key once the node is online, and by relay id
 * (hash tables that grow with them: no lookup scans); what every part
 * of the authority shares (its process, the store, the hub's key and
 * configuration, the counters); and sending to a node: a message sealed
 * on the session's channel and handed to its engine.
 *
 * The authority is one single-threaded process, so there is one of
 * it: au.  Each part keeps the rest of its state to itself.
 *
 * What a session costs is kept small: the struct, its channel from the
 * locked pool (chanpool.c) once the handshake is done, its memberships
 * while online (presence.c), and candidates over the rate only while
 * they wait.  Nothing here ends the process when memory runs out: a
 * session that cannot be had is a connection refused.
 */
#ifndef HAMD_HUB_SESSION_H
#define HAMD_HUB_SESSION_H

#include <sys/queue.h>

#include <stdint.h>
#include <time.h>

#include "crypto/key.h"		/* KEY_B64_LEN */
#include "crypto/tai64n.h"
#include "hub/htab.h"
#include "hub/hubd_msg.h"
#include "hub/relaycred.h"
#include "hub/store.h"
#include "proto/hubchan.h"
#include "proto/hubproto.h"

struct logrl;

enum session_state {
	SESSION_WAIT_INIT = 0,	/* connected, no handshake yet */
	SESSION_WAIT_LOGIN,	/* channel up, login not yet seen */
	SESSION_ONLINE,
	SESSION_CLOSING		/* asked the engine to close it */
};

struct mrow;
SLIST_HEAD(mrow_list, mrow);

struct session {
	struct hlink		 by_conn;
	struct hlink		 by_key;	/* online */
	struct hlink		 by_relay;	/* online */
	TAILQ_ENTRY(session)	 online;	/* au.onlines */
	TAILQ_ENTRY(session)	 waiting;	/* au.waiting, oldest first */
	TAILQ_ENTRY(session)	 failed;	/* au.failed */
	TAILQ_ENTRY(session)	 deferred;	/* candidates.c's waiting list */
	int64_t			 hub;		/* 0, or the cluster hub a
						   ghost is online at
						   (remote.c): no
						   connection, no relay,
						   by key only */
	int			 eng;		/* the engine's process id */
	uint32_t		 conn;		/* the engine's connection id */
	uint8_t			 state;
	uint8_t			 graceful;	/* LOGOUT received */
	uint8_t			 is_waiting, is_failed, is_deferred;
	uint8_t			 cand_seen;	/* a CANDIDATES applied since
						   the login */
	uint8_t			 known;		/* node holds its stored row */
	uint8_t			 has_rows;	/* it belongs to a network */
	uint8_t			 has_routes;	/* an approved subnet route */
	uint8_t			 wants_names;	/* asked for PEER_NAMES */
	uint16_t		 udp_port;
	uint16_t		 proto;		/* its LOGIN's version */
	const char		*why_failed;	/* its channel broke */
	struct pkt_addr		 remote;	/* TCP peer, as the engine saw */
	struct pkt_addr		 endpoint;	/* remote IP, node's UDP port */
	struct hub_chan		*chan;		/* from the pool, once up */
	uint8_t			 key[HUB_KEY_LEN];	/* once known */
	uint8_t			 ts[TAI64N_LEN];	/* of its handshake */
	uint64_t		 opened;	/* ns */
	struct store_node	 node;
	/* presence: its active memberships while online, and a mark */
	struct mrow_list	 rows;
	uint32_t		 mark;
	/* NAT traversal: from the login on (relay.id 0 before) */
	struct relay_cred	 relay;
	struct hub_candidates	 cands;		/* validated; told to peers */
	struct hub_candidates	*cand_next;	/* over the rate, waiting */
	/* what its engine said it carried, in traffic round traffic_round */
	struct ctl_hub_traffic	 traffic;
	uint32_t		 traffic_round;
};
TAILQ_HEAD(session_list, session);

struct authority {
	struct privsep		*ps;
	struct store		*store;
	struct noise_protocol	 proto;
	struct noise_static	*self;		/* sodium_malloc'd */
	int			 have_key;
	struct hubd_conf_msg	 conf;
	int			 have_conf;
	uint8_t			 pool6[16];	/* configured or derived */
	int			 plen6;
	time_t			 started;
	struct session_list	 onlines;
	struct session_list	 waiting;	/* not online yet, by age */
	struct session_list	 failed;	/* to close after this turn */
	struct session_list	 ghosts;	/* online at other hubs of a
						   cluster (remote.c), on
						   their online entry */
	uint32_t		 nsessions;
	uint32_t		 nonline;
	uint32_t		 nghosts;
	uint64_t		 sent;		/* messages sealed to nodes */
	uint64_t		 nomem;		/* connections refused, or
						   messages dropped, for want
						   of memory */
};

extern struct authority	 au;

/* Wall-clock seconds, as the store keeps time. */
int64_t		 authority_now(void);
/* Monotonic nanoseconds, and milliseconds. */
uint64_t	 authority_ns(void);
uint64_t	 authority_ms(void);
/* A key in base64, into buf; buf. */
const char	*key_str(const uint8_t *key, char buf[KEY_B64_LEN + 1]);

/* Before the sandbox: draws the key hash's secret. */
void		 session_init(void);
/*
 * A new session for an accepted connection, in no state but the
 * first, or NULL when there is no memory for it (counted).
 */
struct session	*session_new(int eng, uint32_t conn,
		    const struct pkt_addr *remote);
/* Gone: out of every table, channel and relay token wiped. */
void		 session_free(struct session *);
struct session	*session_by_conn(int eng, uint32_t conn);
/* Something refused or dropped for want of memory: counted and logged. */
void		 authority_nomem(const char *what);
/*
 * The database failed: for want of memory, authority_nomem(); any other
 * error is logged within rl's rate, "what: the database's message".
 */
void		 authority_dberr(struct logrl *rl, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/*
 * What a node is answered when a request failed in the database: that
 * it cannot be reached now (nothing was changed), or an error.
 */
const char	*authority_dbtext(void);
/* The online session of a node, or NULL. */
struct session	*session_online(const uint8_t *key);
/* The online session holding a relay id, or NULL. */
struct session	*session_by_relay(uint32_t id);
/*
 * Into and out of the online tables (the state is the caller's); a
 * ghost (s->hub != 0) into the key's table only, which may fail (-1)
 * for want of memory before any connection came.
 */
int		 session_set_online(struct session *);
void		 session_set_offline(struct session *);
/*
 * A ghost's guest relay id (guest.c) into and out of the relay id
 * table; -1 for want of memory.
 */
int		 session_relay_link(struct session *);
void		 session_relay_unlink(struct session *);
/* Out of au.waiting (it logged in, or is closing). */
void		 session_unwait(struct session *);
/*
 * A relay id for s that no online session holds; never 0.  It names
 * the engine with s's connection: id % engines is that engine's index.
 */
uint32_t	 session_new_relay_id(const struct session *);

/*
 * Seal m on s's channel and hand it to its engine.  -1 if s is closing
 * or its channel failed: a session whose frame cannot be sealed or
 * handed on is marked failed (no more frames go to it) and put on
 * au.failed, for login_reap() to close once the current message is
 * done (closing it here would pull it from under a caller walking
 * sessions).
 */
int		 session_send(struct session *, const struct hub_msg *);
/* Mark s failed (the first reason stays), for login_reap(). */
void		 session_fail(struct session *, const char *why);
void		 session_respond(struct session *, uint32_t id, int code,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void		 session_send_net(struct session *, const struct hub_net_info *);
void		 session_send_member(struct session *,
		    const struct hub_member_info *);
/* To s's engine; -1 (counted, nothing sent) when no memory. */
int		 session_engine(struct session *, uint32_t type,
		    const void *, size_t);
/* To the engine of a relay id (id % engines); -1 with no memory. */
int		 relay_engine_send(uint32_t id, uint32_t type, const void *,
		    size_t);

#endif
