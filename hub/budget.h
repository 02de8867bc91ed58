/*
 * The authority's budgets: every limit on the work a node key, a
 * source address (an IPv4 address or an IPv6 /64) or everyone together
 * can make the authority do, in one place, each a token bucket checked
 * before the work it guards.  One clock for all: monotonic milliseconds
 * (never 0).  Tables of buckets are found by a keyed hash and never
 * grow (ratelimit.h): identities that share a slot share its budget,
 * and a newcomer to a slot inherits what is left in it.
 *
 * What each guards, and its numbers:
 *  - handshakes per source: the Diffie-Hellman of an INIT, before any
 *    of it.  A burst of 64, then 40 a second: many nodes behind one NAT
 *    returning to a restarted hub get in within seconds.
 *  - new node keys, per source and hub-wide, once the INIT names an
 *    unknown key.  Per source a burst of 32, then one every 30 s; the
 *    hub a burst of 2048, then 1000 a second.  Every new key takes a
 *    pool address until it expires (node-expiry), so nobody may mint
 *    them by the thousand, and a flood from many addresses takes at
 *    most a share of the authority from the nodes it knows.
 *  - logins, per key and per source, once the LOGIN authenticated.
 *    Per key a burst of 8, then one every 10 s; per source a burst of
 *    256, then 20 a second.  Each login tells every online peer twice
 *    (the node's loss, then its return), so a node reconnecting in a
 *    loop must not make its peers pay for every round.
 *  - password hashes (Argon2id: create, set-password, join), per key,
 *    per source and hub-wide.  Per key and per source a burst of 8,
 *    then one every 12 s; the hub a burst of 16, then 4 a second (each
 *    takes about 0.12 s of a core: a flood of joins takes at most half
 *    of the authority).
 *  - requests, per key and per source, in units: one a request, and one
 *    more for every 32 messages it made the hub send, charged after it.
 *    Per key a burst of 1024 units, then 250 a second; per source 4096,
 *    then 1000 a second.
 *  - candidate lists per key: a burst of 4, then one every 10 s.  Each
 *    costs up to two PEER_PATHS per online peer and makes them probe.
 * The budgets are the key's and the address's, never the session's:
 * logging in again buys no fresh burst.
 */
#ifndef HAMD_HUB_BUDGET_H
#define HAMD_HUB_BUDGET_H

#include <stdint.h>

#include "ipc/addr.h"

#define BUDGET_HANDSHAKE_BURST		64
#define BUDGET_HANDSHAKE_EVERY_MS	25
#define BUDGET_NEWKEY_BURST		32
#define BUDGET_NEWKEY_EVERY_MS		30000
#define BUDGET_NEWKEY_HUB_BURST		2048
#define BUDGET_NEWKEY_HUB_EVERY_MS	1
#define BUDGET_LOGIN_BURST		8
#define BUDGET_LOGIN_EVERY_MS		10000
#define BUDGET_LOGIN_ADDR_BURST		256
#define BUDGET_LOGIN_ADDR_EVERY_MS	50
#define BUDGET_HASH_BURST		8
#define BUDGET_HASH_EVERY_MS		12000
#define BUDGET_HASH_HUB_BURST		16
#define BUDGET_HASH_HUB_EVERY_MS	250
#define BUDGET_REQ_BURST		1024
#define BUDGET_REQ_EVERY_MS		4
#define BUDGET_REQ_ADDR_BURST		4096
#define BUDGET_REQ_ADDR_EVERY_MS	1
#define BUDGET_REQ_MSGS_PER_UNIT	32
#define BUDGET_CAND_BURST		4
#define BUDGET_CAND_EVERY_MS		10000

/* What refused: the key's budget, the source's, or the hub's. */
enum budget_verdict {
	BUDGET_OK = 0,
	BUDGET_KEY,
	BUDGET_ADDR,
	BUDGET_HUB,
};

/* The tables, each with a fresh hash key.  -1 if out of memory. */
int	budget_init(void);
#ifdef HAMD_TEST_HOOKS
/* Test builds: lower the hub-wide budgets if the environment asks. */
int	budget_test_small(void);
#endif
enum budget_verdict budget_handshake(const struct pkt_addr *, int64_t now);
/* The source's and the hub's, both or neither. */
enum budget_verdict budget_newkey(const struct pkt_addr *, int64_t now);
/* The key's and the source's, both or neither. */
enum budget_verdict budget_login(const uint8_t key[32],
	    const struct pkt_addr *, int64_t now);
/* All three or none. */
enum budget_verdict budget_hash(const uint8_t key[32],
	    const struct pkt_addr *, int64_t now);
/* Whether a request may start: both have a unit left.  Takes nothing. */
enum budget_verdict budget_request(const uint8_t key[32],
	    const struct pkt_addr *, int64_t now);
/* What a request cost, once done: 1 unit and 1 per 32 messages sent. */
void	budget_request_charge(const uint8_t key[32], const struct pkt_addr *,
	    uint64_t sent);
enum budget_verdict budget_candidates(const uint8_t key[32], int64_t now);

#endif
