/*
 * Hub peers (ids from ENGINE_HUB_ID_BASE) get their path chosen here:
 * pathsel.c decides, this part feeds it (the addresses tun says a
 * packet of theirs authenticated from, our sends, a tick), sends where
 * it says, and fans probes out to every candidate the hub named (hints
 * only) and to the relay.  Configured peers never come here.
 */
#ifndef HAMD_DAEMON_ENGINE_PATHS_H
#define HAMD_DAEMON_ENGINE_PATHS_H

#include <sys/queue.h>

#include <stdint.h>

#include "daemon/engine_peers.h"
#include "daemon/hamd_msg.h"
#include "daemon/pathsel.h"
#include "ipc/pktbatch.h"

/*
 * Path selection timers: pathsel_tick and probe resends.  Only hub
 * peers that sent lately, probe, or wait for a path are ticked.
 */
#define ENGINE_TICK_MS		50
/*
 * A probe's copy through the relay leaves this long after the direct
 * ones: a direct path that works delivers its copy first, and the peer
 * takes only the first (a later copy is a replay to it).
 */
#define PROBE_RELAY_MS		100
/*
 * The last probe of a hub peer (a handshake initiation is 148 bytes, a
 * keepalive 32) is sent again to the candidates a while after it went
 * out: the first copies may die in a NAT that has not yet seen our
 * outgoing packet, and a duplicate is only a replay the peer drops.
 */
#define PROBE_CACHE_LEN		148
/* A peer's candidates: the hub's, and the endpoint of its PEER_UP. */
#define ENGINE_MAX_CANDS	(HUB_CAND_MAX + 1)

/* A hub peer's path state: candidates, relay, path selection, probes. */
struct engine_hp {
	uint32_t		 id;
	struct engine_peer	*peer;
	uint32_t		 relay_id;	/* the peer's, 0: none */
	/* the other hub of the cluster the peer is at (af 0: ours) */
	struct pkt_addr		 xhub;
	uint32_t		 xrelay_id;	/* the peer's there */
	uint8_t			 nat;		/* its enum nat_kind */
	uint8_t			 active;	/* on the tick's list */
	uint8_t			 ncand;
	struct pkt_addr		 cand[ENGINE_MAX_CANDS];
	uint8_t			 cand_lan[ENGINE_MAX_CANDS];
	struct hub_candidates	 hubc;		/* as the hub sent them */
	struct pathsel		 sel;
	uint64_t		 data_seen;	/* stats.tx_data at the last tick */
	/* the last probe, resent at probe_resend_ms[] after probe_at */
	uint64_t		 probe_at;
	uint16_t		 probe_len;	/* 0: none pending */
	uint8_t			 probe_relay;	/* relay copy due at
						   PROBE_RELAY_MS */
	uint8_t			 probe_cands;	/* resend to the candidates */
	uint64_t		 punch_at;	/* ms of the last PEER_PATHS */
	uint8_t			 probe_step;
	uint8_t			 probe[PROBE_CACHE_LEN];
	TAILQ_ENTRY(engine_hp)	 entry;
};

void	paths_init(struct privsep *);
/* tun's IMSG_ENGINE_PEER for a hub peer id: PEER_UP's endpoint. */
void	paths_peer(uint32_t id, const struct pkt_addr *endpoint);
/* tun's IMSG_ENGINE_PEER_DEL: the peer's slot is free again. */
void	paths_peer_del(struct engine_peer *);
/* tun's IMSG_ENGINE_PATHS: candidates, relay id, NAT kind. */
void	paths_msg(struct imsg *);
/* tun's IMSG_ENGINE_PEER_HUB: the other hub the peer is at. */
void	paths_peer_hub(struct imsg *);
/*
 * tun: a packet of hub peer p authenticated from a; response: it was a
 * handshake response.
 */
void	paths_endpoint(struct engine_peer *, const struct pkt_addr *,
	    int response);
/* A record for a hub peer that is not simply "to its direct path". */
void	paths_tx(struct engine_peer *, const struct pkt_rec *,
	    const uint8_t *);
/* A hub peer sent: it needs watching (engine_tx's hook). */
void	paths_sent(struct engine_peer *);
/* The timer (EV_TIMEOUT; exposed for the tests). */
void	paths_tick(int fd, short what, void *arg);
/* Whether no hub peer needs the timer. */
int	paths_idle(void);

#endif
