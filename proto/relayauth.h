/*
 * The relay's UDP registration: the node's tun builds each REGISTER
 * and checks each REGISTERED (daemon/relayreg.c), the hub's authority
 * checks each REGISTER and builds its answer (hub/relaycred.c); the
 * engines on both sides only carry them.  A REGISTER proves
 * that its sender holds this login's relay token without showing it:
 * the token keys a MAC over the relay id and a counter that grows with
 * every REGISTER of the login, so a REGISTER seen on the wire can be
 * neither replayed nor turned into a new one.  The answer, REGISTERED,
 * carries the same counter under a MAC too, so nobody without the token
 * can make a node believe its UDP relay works.
 *
 * Both are RELAY_AUTH_LEN bytes (an answer is never larger than its
 * question):
 *	0	type (RELAY_REGISTER_TYPE or RELAY_REGISTERED_TYPE)
 *	1	3 zero bytes
 *	4	relay id, big-endian
 *	8	counter, big-endian
 *	16	BLAKE2b-128 of bytes 0..15, keyed with the 16-byte token
 */
#ifndef HAMD_RELAYAUTH_H
#define HAMD_RELAYAUTH_H

#include <stddef.h>
#include <stdint.h>

#include "proto/dgram.h"	/* the types, RELAY_AUTH_LEN */

#define RELAY_AUTH_MAC_LEN	16
#define RELAY_AUTH_TOKEN_LEN	16

void	relay_auth_build(uint8_t out[RELAY_AUTH_LEN], uint8_t type,
	    uint32_t id, uint64_t counter,
	    const uint8_t token[RELAY_AUTH_TOKEN_LEN]);
/*
 * The id and counter of a message of this type and exact length, read
 * without checking the MAC (to find the token).  -1 if it is no such
 * message (length, type, zero bytes).
 */
int	relay_auth_peek(const uint8_t *in, size_t len, uint8_t type,
	    uint32_t *id, uint64_t *counter);
/* 0 if the MAC is right for this token (constant time), else -1. */
int	relay_auth_verify(const uint8_t in[RELAY_AUTH_LEN],
	    const uint8_t token[RELAY_AUTH_TOKEN_LEN]);

#endif
