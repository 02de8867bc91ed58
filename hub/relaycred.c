/* A login's relay credentials; see relaycred.h. */
#include "autoconf.h"

#include <sodium.h>
#include <string.h>

#include "compat/bytes.h"
#include "hub/relaycred.h"
#include "proto/relayauth.h"

_Static_assert(HUB_RELAY_TOKEN_LEN == RELAY_AUTH_TOKEN_LEN,
    "the relay token keys the REGISTER MAC");

void
relay_cred_new(struct relay_cred *rc, uint32_t id)
{
	memset(rc, 0, sizeof(*rc));
	rc->id = id;
	randombytes_buf(rc->token, sizeof(rc->token));
}

void
relay_cred_clear(struct relay_cred *rc)
{
	sodium_memzero(rc, sizeof(*rc));
}

enum relay_cred_verdict
relay_cred_check(struct relay_cred *rc, const uint8_t *msg, size_t len,
    uint8_t answer[RELAY_AUTH_LEN])
{
	uint32_t	 id;
	uint64_t	 counter;

	if (rc->id == 0 || relay_auth_peek(msg, len, RELAY_REGISTER_TYPE, &id,
	    &counter) == -1 || id != rc->id)
		return RELAY_CRED_MALFORMED;
	if (relay_auth_verify(msg, rc->token) == -1)
		return RELAY_CRED_BAD_MAC;
	/*
	 * A REGISTER seen on the wire, sent again, must not move the
	 * session: only a counter never taken before is news.
	 */
	if (counter <= rc->counter)
		return RELAY_CRED_REPLAY;
	rc->counter = counter;
	relay_auth_build(answer, RELAY_REGISTERED_TYPE, id, counter,
	    rc->token);
	return RELAY_CRED_OK;
}

void
relay_guest_key(uint8_t gk[RELAY_GUEST_KEY_LEN], const uint8_t hub_priv[32])
{
	crypto_generichash(gk, RELAY_GUEST_KEY_LEN,
	    (const uint8_t *)RELAY_GUEST_LABEL, sizeof(RELAY_GUEST_LABEL) - 1,
	    hub_priv, 32);
}

void
relay_cred_guest(struct relay_cred *rc, const uint8_t gk[RELAY_GUEST_KEY_LEN],
    int64_t hub, const uint8_t node[HUB_KEY_LEN], uint32_t id)
{
	uint8_t	 in[8 + HUB_KEY_LEN + 4];

	memset(rc, 0, sizeof(*rc));
	rc->id = id;
	put_be64(in, (uint64_t)hub);
	memcpy(in + 8, node, HUB_KEY_LEN);
	put_be32(in + 8 + HUB_KEY_LEN, id);
	crypto_generichash(rc->token, sizeof(rc->token), in, sizeof(in),
	    gk, RELAY_GUEST_KEY_LEN);
	sodium_memzero(in, sizeof(in));
}
