/*
 * A node's candidates (PROTOCOL.md, "Candidates"): the places its peers
 * may probe.  What it claims is checked against what the hub can see,
 * deduplicated, rate-limited, and sent to its online peers
 * (PEER_PATHS) together with theirs, so that both sides probe at once.
 */
#ifndef HAMD_HUB_CANDIDATES_H
#define HAMD_HUB_CANDIDATES_H

struct session;
struct hub_candidates;

/* At the login: the one candidate the hub can vouch for. */
void	candidates_login(struct session *);
/* A CANDIDATES from a node; over the rate it waits for a token. */
void	candidates_take(struct session *, const struct hub_candidates *);
/* The 1 s tick: apply the lists that waited for a token. */
void	candidates_tick(void);
/* The session ends: a list waiting for it is dropped. */
void	candidates_end(struct session *);

#endif
