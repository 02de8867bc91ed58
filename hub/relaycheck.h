/*
 * The authority's side of the relay: each login's credentials (relay
 * id and token, relaycred.c), given to the node and, without the
 * token, to the engine; and the REGISTERs the engine passes on,
 * checked with the token the engine never sees.  A taken one goes
 * back to the engine with the REGISTERED to send; a refused one gets
 * nothing and is counted here.
 */
#ifndef HAMD_HUB_RELAYCHECK_H
#define HAMD_HUB_RELAYCHECK_H

#include <stdint.h>

struct hub_relay_info;
struct hubd_engine_stats;
struct imsg;
struct session;

/* A login: fresh credentials (before the session is online). */
void	relaycheck_new(struct session *);
/* The engine told, and what the node gets; -1 with no memory. */
int	relaycheck_start(struct session *, struct hub_relay_info *);
/* The session ended: the engine forgets it (and its pairs). */
void	relaycheck_end(struct session *);
/* IMSG_HUBD_RELAY_REGISTER from an engine. */
void	relaycheck_register(int eng, struct imsg *);
/* Add the REGISTERs refused here to the engine's counters. */
void	relaycheck_counts(struct hubd_engine_stats *);

#endif
