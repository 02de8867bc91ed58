/*
 * BLAKE2s, keyed BLAKE2s, HMAC-BLAKE2s and HKDF for the WireGuard
 * handshake, on top of libb2.
 *
 * libb2 returns -1 only for argument errors (NULL with a non-zero length,
 * lengths out of range); every call here passes lengths fixed at compile
 * time or checked by the caller, so a failure is a programming error and
 * aborts rather than leaving an output half-computed.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include <blake2.h>
#include <sodium.h>

#include "crypto/blake2s_glue.h"

#define HMAC_BLOCK	BLAKE2S_BLOCKBYTES

static void
b2_check(int r)
{
	if (r != 0)
		abort();
}

void
wg_hash2(uint8_t out[WG_HASH_LEN], const uint8_t *a, size_t alen,
    const uint8_t *b, size_t blen)
{
	blake2s_state	st;

	b2_check(blake2s_init(&st, WG_HASH_LEN));
	/* Never hand libb2 a NULL pointer, even with a zero length. */
	if (alen > 0)
		b2_check(blake2s_update(&st, a, alen));
	if (blen > 0)
		b2_check(blake2s_update(&st, b, blen));
	b2_check(blake2s_final(&st, out, WG_HASH_LEN));
	/* The state holds whatever was hashed: chaining values are secret. */
	sodium_memzero(&st, sizeof(st));
}

void
wg_hash(uint8_t out[WG_HASH_LEN], const uint8_t *in, size_t inlen)
{
	wg_hash2(out, in, inlen, NULL, 0);
}

void
wg_mac(uint8_t out[WG_MAC_LEN], const uint8_t *key, size_t keylen,
    const uint8_t *in, size_t inlen)
{
	blake2s_state	st;

	b2_check(blake2s_init_key(&st, WG_MAC_LEN, key, keylen));
	if (inlen > 0)
		b2_check(blake2s_update(&st, in, inlen));
	b2_check(blake2s_final(&st, out, WG_MAC_LEN));
	sodium_memzero(&st, sizeof(st));
}

/*
 * HMAC over BLAKE2s rather than BLAKE2s's own keyed mode, because that is
 * what the whitepaper (and Noise's HKDF) specifies.  The 64-byte block is
 * BLAKE2s's block size.
 */
void
wg_hmac(uint8_t out[WG_HASH_LEN], const uint8_t *key, size_t keylen,
    const uint8_t *in, size_t inlen)
{
	blake2s_state	st;
	uint8_t		k[HMAC_BLOCK], pad[HMAC_BLOCK], inner[WG_HASH_LEN];
	size_t		i;

	memset(k, 0, sizeof(k));
	if (keylen > HMAC_BLOCK)
		wg_hash(k, key, keylen);
	else if (keylen > 0)
		memcpy(k, key, keylen);

	for (i = 0; i < HMAC_BLOCK; i++)
		pad[i] = k[i] ^ 0x36;
	b2_check(blake2s_init(&st, WG_HASH_LEN));
	b2_check(blake2s_update(&st, pad, HMAC_BLOCK));
	if (inlen > 0)
		b2_check(blake2s_update(&st, in, inlen));
	b2_check(blake2s_final(&st, inner, WG_HASH_LEN));

	for (i = 0; i < HMAC_BLOCK; i++)
		pad[i] = k[i] ^ 0x5c;
	b2_check(blake2s_init(&st, WG_HASH_LEN));
	b2_check(blake2s_update(&st, pad, HMAC_BLOCK));
	b2_check(blake2s_update(&st, inner, WG_HASH_LEN));
	b2_check(blake2s_final(&st, out, WG_HASH_LEN));

	sodium_memzero(&st, sizeof(st));
	sodium_memzero(k, sizeof(k));
	sodium_memzero(pad, sizeof(pad));
	sodium_memzero(inner, sizeof(inner));
}

/*
 * HKDF-Extract then Expand with empty info, as the whitepaper writes it:
 *	t0 = Hmac(ck, in)
 *	t1 = Hmac(t0, 0x1)
 *	t2 = Hmac(t0, t1 || 0x2)
 *	t3 = Hmac(t0, t2 || 0x3)
 * Each output is computed into a local first, so o1..o3 may alias ck or
 * in (the handshake writes the new chaining key over the old one).
 */
void
wg_kdf(uint8_t o1[WG_HASH_LEN], uint8_t *o2, uint8_t *o3,
    const uint8_t ck[WG_HASH_LEN], const uint8_t *in, size_t inlen)
{
	uint8_t	prk[WG_HASH_LEN], t1[WG_HASH_LEN + 1], t2[WG_HASH_LEN + 1];
	uint8_t	t3[WG_HASH_LEN];

	wg_hmac(prk, ck, WG_HASH_LEN, in, inlen);

	t1[0] = 0x1;
	wg_hmac(t1, prk, WG_HASH_LEN, t1, 1);
	if (o2 != NULL || o3 != NULL) {
		t1[WG_HASH_LEN] = 0x2;
		wg_hmac(t2, prk, WG_HASH_LEN, t1, WG_HASH_LEN + 1);
		if (o3 != NULL) {
			t2[WG_HASH_LEN] = 0x3;
			wg_hmac(t3, prk, WG_HASH_LEN, t2, WG_HASH_LEN + 1);
			memcpy(o3, t3, WG_HASH_LEN);
		}
		if (o2 != NULL)
			memcpy(o2, t2, WG_HASH_LEN);
	}
	memcpy(o1, t1, WG_HASH_LEN);

	sodium_memzero(prk, sizeof(prk));
	sodium_memzero(t1, sizeof(t1));
	sodium_memzero(t2, sizeof(t2));
	sodium_memzero(t3, sizeof(t3));
}
