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

#endif
