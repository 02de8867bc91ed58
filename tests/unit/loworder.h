/*
 * The encodings of the Curve25519 points of small order, as X25519
 * (RFC 7748) reads a public key: 0, 1, the two points of order 8,
 * p - 1, p and p + 1 (the last two name 0 and 1 again), and each of
 * them with its top bit set, which X25519 ignores.  (Lists for
 * implementations that reduce all 256 bits add u + p for these; with
 * the top bit ignored those are other, harmless points.)  A
 * Diffie-Hellman with any of them gives zero whatever the scalar, and a
 * peer key must be none of them.  For check_noise (handshakes that meet
 * them), check_key (key_is_low_order) and check_parse (configurations
 * that name them).
 */
#ifndef HAMD_TESTS_LOWORDER_H
#define HAMD_TESTS_LOWORDER_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

static const char *const low_order_hex[] = {
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0100000000000000000000000000000000000000000000000000000000000000",
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
};
#define LOW_ORDER_N	(sizeof(low_order_hex) / sizeof(low_order_hex[0]))
/* Every encoding: each point without and with the top bit. */
#define LOW_ORDER_KEYS	(2 * LOW_ORDER_N)

/* The i-th of the LOW_ORDER_KEYS encodings into out. */
static inline void
low_order_key(uint8_t out[32], size_t i)
{
	(void)sodium_hex2bin(out, 32, low_order_hex[i / 2], 64, NULL, NULL,
	    NULL);
	if (i % 2 == 1)
		out[31] |= 0x80;
}

#endif
