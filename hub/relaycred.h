/*
 * A login's relay credentials, as the authority keeps them: the relay
 * id, the token (the one place on the hub it lives; the engines never
 * see it) and the counter of the last REGISTER taken.  The engine
 * passes on the REGISTERs that come from the node's own address; this
 * decides whether the node sent them (PROTOCOL.md, "Relay").  Pure
 * code, for the unit tests.
 */
#ifndef HAMD_HUB_RELAYCRED_H
#define HAMD_HUB_RELAYCRED_H

#include <stddef.h>
#include <stdint.h>

#include "proto/dgram.h"	/* RELAY_AUTH_LEN */
#include "proto/hubproto.h"	/* HUB_RELAY_TOKEN_LEN */

struct relay_cred {
	uint32_t	 id;
	uint8_t		 token[HUB_RELAY_TOKEN_LEN];
	uint64_t	 counter;	/* of the last REGISTER taken, 0: none */
};

enum relay_cred_verdict {
	RELAY_CRED_OK = 0,
	RELAY_CRED_MALFORMED,	/* not a REGISTER for this id */
	RELAY_CRED_BAD_MAC,	/* not made with this token */
	RELAY_CRED_REPLAY,	/* counter not above the last one taken */
};

/* Fresh credentials for id (not 0): a random token, no counter yet. */
void	relay_cred_new(struct relay_cred *, uint32_t id);
/* Wipe them. */
void	relay_cred_clear(struct relay_cred *);
/*
 * A REGISTER (len bytes) for these credentials.  RELAY_CRED_OK only if
 * it is one for this id, its MAC is right for the token (constant
 * time) and its counter is strictly greater than the last one taken
 * (counters start at 1).  Then the counter is taken and answer holds
 * the REGISTERED: the same id and counter under the same token.  A
 * refused REGISTER changes nothing.
 */
enum relay_cred_verdict relay_cred_check(struct relay_cred *,
	    const uint8_t *msg, size_t len, uint8_t answer[RELAY_AUTH_LEN]);

/*
 * Guest credentials, for the relay across the hubs of a cluster: a node
 * logged in at one hub registers at another as a guest, under a token
 * that neither hub draws but both compute, from the key every hub of
 * the cluster shares.  The guest key is derived once from the hub's
 * private key (keyed BLAKE2b-256 over RELAY_GUEST_LABEL: no other use
 * of the hub key hashes that label); a token is the keyed BLAKE2b-128,
 * under the guest key, of the hub's id (8 bytes), the node's public key
 * (32) and its relay id (4, the login's: the token dies with the login),
 * all big-endian.  So a token works at one hub, for one node's one
 * login, and nothing but the cluster's key makes one.
 */
#define RELAY_GUEST_LABEL	"hamd relay guest key v1"
#define RELAY_GUEST_KEY_LEN	32
void	relay_guest_key(uint8_t gk[RELAY_GUEST_KEY_LEN],
	    const uint8_t hub_priv[32]);
/* The guest credentials of id (not 0) of node at hub; no counter yet. */
void	relay_cred_guest(struct relay_cred *,
	    const uint8_t gk[RELAY_GUEST_KEY_LEN], int64_t hub,
	    const uint8_t node[HUB_KEY_LEN], uint32_t id);

#endif
