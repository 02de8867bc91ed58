/*
 * REGISTER and REGISTERED: see relayauth.h.
 */
#include "autoconf.h"

#include <sodium.h>
#include <string.h>

#include "compat/bytes.h"
#include "proto/relayauth.h"

static void
relay_auth_mac(uint8_t mac[RELAY_AUTH_MAC_LEN], const uint8_t *msg,
    const uint8_t token[RELAY_AUTH_TOKEN_LEN])
{
	(void)crypto_generichash(mac, RELAY_AUTH_MAC_LEN, msg,
	    RELAY_AUTH_LEN - RELAY_AUTH_MAC_LEN, token, RELAY_AUTH_TOKEN_LEN);
}

void
relay_auth_build(uint8_t out[RELAY_AUTH_LEN], uint8_t type, uint32_t id,
    uint64_t counter, const uint8_t token[RELAY_AUTH_TOKEN_LEN])
{
	memset(out, 0, RELAY_AUTH_LEN);
	out[0] = type;
	put_be32(out + 4, id);
	put_be64(out + 8, counter);
	relay_auth_mac(out + RELAY_AUTH_LEN - RELAY_AUTH_MAC_LEN, out, token);
}

int
relay_auth_peek(const uint8_t *in, size_t len, uint8_t type, uint32_t *id,
    uint64_t *counter)
{
	if (len != RELAY_AUTH_LEN || in[0] != type ||
	    (in[1] | in[2] | in[3]) != 0)
		return -1;
	*id = get_be32(in + 4);
	*counter = get_be64(in + 8);
	return 0;
}

int
relay_auth_verify(const uint8_t in[RELAY_AUTH_LEN],
    const uint8_t token[RELAY_AUTH_TOKEN_LEN])
{
	uint8_t	mac[RELAY_AUTH_MAC_LEN];
	int	r;

	relay_auth_mac(mac, in, token);
	r = sodium_memcmp(mac, in + RELAY_AUTH_LEN - RELAY_AUTH_MAC_LEN,
	    sizeof(mac));
	sodium_memzero(mac, sizeof(mac));
	return r == 0 ? 0 : -1;
}
