/*
 * The authority's sessions, one per node connection the engine
 * carries, found by connection id and, once the node is online, by its
 * key; what every part of the authority shares (its process, the
 * store, the hub's key and configuration); and sending to a node: a
 * message sealed on the session's channel and handed to the engine.
 *
 * The authority is one single-threaded process, so there is one of
 * it: au.  Each part keeps the rest of its state to itself.
 */
#ifndef HAMD_HUB_SESSION_H
#define HAMD_HUB_SESSION_H

#include <sys/queue.h>

#include <stdint.h>
#include <time.h>

#include "crypto/key.h"		/* KEY_B64_LEN */
#include "hub/hubd_msg.h"
#include "hub/ratelimit.h"
#include "hub/relaycred.h"
#include "hub/store.h"
#include "proto/hubchan.h"
#include "proto/hubproto.h"

enum session_state {
	SESSION_WAIT_INIT = 0,	/* connected, no handshake yet */
	SESSION_WAIT_LOGIN,	/* channel up, login not yet seen */
	SESSION_ONLINE,
	SESSION_CLOSING		/* asked the engine to close it */
};

struct session {
	TAILQ_ENTRY(session)	 entry;		/* all sessions */
	TAILQ_ENTRY(session)	 online;	/* online ones */
	struct session		*hnext;		/* same connection bucket */
	struct session		*knext;		/* same key bucket, online */
	uint32_t		 conn;		/* the engine's id */
	int			 state;
	const char		*failed;	/* why its channel broke */
	struct pkt_addr		 remote;	/* TCP peer, as the engine saw */
	struct hub_chan		*chan;		/* sodium_malloc'd */
	uint8_t			 key[HUB_KEY_LEN];	/* once known */
	uint16_t		 udp_port;
	int			 graceful;	/* LOGOUT received */
	uint64_t		 opened;	/* ns */
	struct pkt_addr		 endpoint;	/* remote IP, node's UDP port */
	struct store_node	 node;
	/* peers this node has been told are up, sorted by key */
	uint8_t			(*told)[HUB_KEY_LEN];
	size_t			 ntold, told_cap;
	/* NAT traversal: from the login on (relay.id 0 before) */
	struct relay_cred	 relay;
	struct hub_candidates	 cands;		/* validated; told to peers */
	struct bucket		 cand_rate;	/* CANDIDATES, in s */
	int			 cand_seen;	/* a CANDIDATES applied since
						   the login */
	int			 cand_deferred;	/* cand_next waits for a token */
	struct hub_candidates	 cand_next;	/* the last one over the rate */
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
	struct session_list	 sessions;
	struct session_list	 onlines;
	uint32_t		 nonline;
	uint32_t		 nfailed;	/* sessions failed, not closed */
};

extern struct authority	 au;

/* Wall-clock seconds, as the store keeps time. */
int64_t		 authority_now(void);
/* Monotonic nanoseconds. */
uint64_t	 authority_ns(void);
/* A key in base64, into buf; buf. */
const char	*key_str(const uint8_t *key, char buf[KEY_B64_LEN + 1]);

void		 session_init(void);
/* A new session for an accepted connection, in no state but the first. */
struct session	*session_new(uint32_t conn, const struct pkt_addr *remote);
/* Gone: out of every table, channel and relay token wiped. */
void		 session_free(struct session *);
struct session	*session_by_conn(uint32_t conn);
/* The online session of a node, or NULL. */
struct session	*session_online(const uint8_t *key);
/* Into and out of the online table (the state is the caller's). */
void		 session_set_online(struct session *);
void		 session_set_offline(struct session *);
/* A relay id no session holds, closing ones included; never 0. */
uint32_t	 session_new_relay_id(void);

/*
 * Seal m on s's channel and hand it to the engine.  -1 if s is closing
 * or its channel failed: a session whose frame cannot be sealed is
 * marked failed (no more frames go to it) and au.nfailed counts it, for
 * the caller's caller to close it once the current message is done.
 */
int		 session_send(struct session *, const struct hub_msg *);
void		 session_respond(struct session *, uint32_t id, int code,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void		 session_send_net(struct session *, const struct hub_net_info *);
void		 session_send_member(struct session *,
		    const struct hub_member_info *);

#endif
