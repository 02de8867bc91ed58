/*
 * The encodings of the Curve25519 points of small order, as X25519
 * (RFC 7748) reads a public key: 0, 1, the two points of order 8,
 * p - 1, p and p + 1 (the last two name 0 and 1 again), each also with
 * its top bit set, which X25519 ignores.  (Lists for implementations
 * that reduce all 256 bits add u + p for these; with the top bit
 * ignored those are other, harmless points.)  A peer key must be none
 * of them.  For check_key (the test of key_is_low_order) and
 * check_parse (configurations that name them).
 */
#ifndef HAMD_TESTS_LOWORDER_H
#define HAMD_TESTS_LOWORDER_H

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

#endif
