/*
 * The authority's two halves: authority.c keeps the node sessions and
 * presence (who is online, which peers each was told about); membership.c
 * decides the requests nodes make about networks.  Both run in the
 * authority process and share these declarations.
 */
#ifndef HAMD_MEMBERSHIP_H
#define HAMD_MEMBERSHIP_H

#include <sys/queue.h>
#include <stdint.h>

#include "proto/hubchan.h"
#include "proto/hubproto.h"
#include "hub/store.h"

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
	uint32_t		 conn;		/* the engine's id */
	int			 state;
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
	/* NAT traversal: from the login on (relay_id 0 before) */
	uint32_t		 relay_id;	/* unique among sessions */
	uint8_t			 relay_token[HUB_RELAY_TOKEN_LEN];
	struct hub_candidates	 cands;		/* validated; told to peers */
	int64_t			 cand_refill;	/* s: last token added */
	int			 cand_tokens;	/* CANDIDATES allowed now */
	int			 cand_seen;	/* a CANDIDATES applied since
						   the login */
	int			 cand_deferred;	/* cand_next waits for a token */
	struct hub_candidates	 cand_next;	/* the last one over the rate */
};

struct authority;

/* Provided by authority.c for membership.c. */
struct store	*authority_store(struct authority *);
int64_t		 authority_now(void);
void		 session_respond(struct authority *, struct session *,
		    uint32_t id, int code, const char *fmt, ...)
		    __attribute__((format(printf, 5, 6)));
void		 session_send_net(struct authority *, struct session *,
		    const struct hub_net_info *);
void		 session_send_member(struct authority *, struct session *,
		    const struct hub_member_info *);
/* The online session of a node, or NULL. */
struct session	*authority_online(struct authority *, const uint8_t *key);
/*
 * Membership changed for these nodes: tell each online one about peers
 * it gained (up) and lost (down).
 */
void		 presence_resync(struct authority *, const uint8_t (*keys)[32],
		    size_t n);

/* membership.c: one request from a logged-in node. */
void		 membership_request(struct authority *, struct session *,
		    struct hub_request *);
/* The hub's own view for hamctl hub networks. */
void		 membership_net_info(struct authority *, const struct store_net *,
		    const uint8_t *asker, struct hub_net_info *);

#endif
