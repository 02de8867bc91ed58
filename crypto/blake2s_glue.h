/*
 * The BLAKE2s-based primitives of the WireGuard whitepaper (section 5.4):
 *
 *	Hash(in)	BLAKE2s-256
 *	Mac(key, in)	keyed BLAKE2s with a 16-byte output (mac1, mac2,
 *			cookies)
 *	Hmac(key, in)	RFC 2104 HMAC over BLAKE2s-256 (64-byte block)
 *	Kdf_n(key, in)	HKDF (RFC 5869) with HMAC-BLAKE2s, empty info,
 *			n = 1, 2 or 3 outputs of 32 bytes
 *
 * Built on libb2.  No function keeps state between calls; every
 * intermediate secret (inner hash, HKDF pseudo-random key) is wiped
 * before returning.  Outputs may alias inputs: each function reads all
 * of its input before writing any output.
 */
#ifndef HAMD_BLAKE2S_GLUE_H
#define HAMD_BLAKE2S_GLUE_H

#include <stddef.h>
#include <stdint.h>

#define WG_HASH_LEN	32	/* BLAKE2s-256 */
#define WG_MAC_LEN	16	/* BLAKE2s-128, mac1/mac2/cookie */
#define WG_KEY_LEN	32	/* every symmetric key in the protocol */

/* out = Hash(a || b); b may be NULL when blen is 0. */
void	wg_hash2(uint8_t out[WG_HASH_LEN], const uint8_t *a, size_t alen,
	    const uint8_t *b, size_t blen);
/* out = Hash(in) */
void	wg_hash(uint8_t out[WG_HASH_LEN], const uint8_t *in, size_t inlen);
/*
 * out = Mac(key, in): keyed BLAKE2s-128.  The key is 32 bytes for mac1
 * and for cookies (the secret Rm) but 16 for mac2, whose key is the
 * cookie itself; keylen is 1..32.
 */
void	wg_mac(uint8_t out[WG_MAC_LEN], const uint8_t *key, size_t keylen,
	    const uint8_t *in, size_t inlen);
/* out = Hmac(key, in) for keys of any length (longer ones are hashed). */
void	wg_hmac(uint8_t out[WG_HASH_LEN], const uint8_t *key, size_t keylen,
	    const uint8_t *in, size_t inlen);
/*
 * HKDF with the chaining key as salt and in as input key material;
 * writes the first 1, 2 or 3 blocks into o1, o2, o3.  Pass NULL for an
 * output not wanted past the first (Kdf1 = wg_kdf(o1, NULL, NULL, ...)).
 */
void	wg_kdf(uint8_t o1[WG_HASH_LEN], uint8_t *o2, uint8_t *o3,
	    const uint8_t ck[WG_HASH_LEN], const uint8_t *in, size_t inlen);

#define wg_kdf1(a, ck, in, n)		wg_kdf((a), NULL, NULL, (ck), (in), (n))
#define wg_kdf2(a, b, ck, in, n)	wg_kdf((a), (b), NULL, (ck), (in), (n))
#define wg_kdf3(a, b, c, ck, in, n)	wg_kdf((a), (b), (c), (ck), (in), (n))

#endif
