/*
 * The authority's question to its engines: what each online node's
 * connection carried (hub/meter.h), asked only when someone makes a
 * node listing (hamctl hub nodes, hamctl hub monitor) or the web child
 * is sent its snapshot, never on a timer of its own.
 *
 * A round asks each engine for its part of the connections a page at
 * a time (HUBD_TRAFFIC_PAGE), the next page when the last is
 * answered: an engine never does more than one page's lookups between
 * two turns of its loop, whatever the number of nodes, and the
 * authority holds one array of connection ids for the round.  The
 * answers land in the sessions; when every engine has answered, or at
 * the deadline (an answer lost for want of memory), the waiters are
 * served.  A listing asks for every online node; a snapshot for the
 * online nodes among those it will show (at most HUBD_WEB_NODES_MAX).
 * A listing asked during a snapshot's round waits for the next round;
 * anything else joins the round that runs.
 */
#ifndef HAMD_HUB_AUTHTRAFFIC_H
#define HAMD_HUB_AUTHTRAFFIC_H

#include <stdint.h>

struct ctl_hub_traffic;
struct imsg;
struct session;

/* A listing for control's client: done(client) once the round is over. */
void	authtraffic_listing(uint32_t client, void (*done)(uint32_t));
/* The web snapshot: done() once the round is over. */
void	authtraffic_snapshot(void (*done)(void));
/* An engine's page (IMSG_HUBD_TRAFFIC). */
void	authtraffic_answer(int from, struct imsg *);
/* The authority's tick: a round past its deadline ends. */
void	authtraffic_tick(uint64_t now_ms);
/* What s carried as of the last round, zero if that round missed it. */
void	authtraffic_of(const struct session *, struct ctl_hub_traffic *);

#endif
