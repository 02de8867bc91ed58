/*
 * Nodes online at the other hubs of a cluster, as this hub's presence
 * needs them: one ghost session each, online by key (session.h: no
 * connection, no relay id), with the memberships, address, endpoint and
 * candidates its peers here are told of, so that presence.c treats a
 * pair across two hubs as a pair of its own and tells the side logged
 * in here.  What another hub says (cluster.c) is applied here: a login
 * makes a ghost, a logoff ends it (its peers here hear PEER_DOWN, or
 * PEER_CHECK if it was lost), a move to another hub updates it, and a
 * hub whose lease ran out takes its ghosts with it (PEER_CHECK, as a
 * single hub does for a node whose connection it lost).
 *
 * The cost of an event is the node's rows read from the database and
 * its peers here told; a hub never reads the whole of the others.
 */
#ifndef HAMD_HUB_REMOTE_H
#define HAMD_HUB_REMOTE_H

#include <stddef.h>
#include <stdint.h>

struct cluster_ev;
struct session;

/* reap closes the sessions this part failed (login_reap). */
void	 remote_init(void (*reap)(void));
void	 remote_event(const struct cluster_ev *);
/* The hubs alive now: the ghosts of any other are gone. */
void	 remote_alive(const int64_t *ids, size_t n);
/* Back after the database was lost: the ghosts made true again. */
void	 remote_resync(void);
/* g's node logged in here: its ghost goes without a word. */
void	 remote_drop(struct session *g);
/* Ghosts, for the status. */
uint32_t remote_count(void);

#endif
