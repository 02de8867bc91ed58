/*
 * Helpers shared by the WireGuard crypto tests (check_blake2s.c,
 * check_noise.c, check_replay.c, check_wgwire.c).  Header-only so that
 * each test stays one program built from one .c file plus crypto/.
 */
#ifndef HAMD_WGTEST_H
#define HAMD_WGTEST_H

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "crypto/cookie.h"
#include "crypto/noise.h"
#include "crypto/transport.h"
#include "crypto/wg_handshake.h"
#include "crypto/wg_result.h"

static inline int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode hex into out; fails the test unless it is exactly len bytes. */
static inline void
unhex(uint8_t *out, size_t len, const char *hex)
{
	size_t	i;
	int	hi, lo;

	ck_assert_msg(strlen(hex) == 2 * len, "hex of %zu chars, want %zu",
	    strlen(hex), 2 * len);
	for (i = 0; i < len; i++) {
		hi = hexval(hex[2 * i]);
		lo = hexval(hex[2 * i + 1]);
		ck_assert(hi >= 0 && lo >= 0);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
}

/* Compare bytes against hex, printing both on failure. */
static inline void
assert_hex(const uint8_t *got, size_t len, const char *hex,
    const char *what)
{
	uint8_t	want[4096];
	char	gothex[2 * sizeof(want) + 1];

	ck_assert(len <= sizeof(want));
	unhex(want, len, hex);
	if (memcmp(got, want, len) != 0) {
		sodium_bin2hex(gothex, sizeof(gothex), got, len);
		ck_abort_msg("%s:\n got  %s\n want %s", what, gothex, hex);
	}
}

/* A WireGuard node for in-memory handshakes. */
struct node {
	struct noise_static	s;
	struct cookie_checker	cc;	/* checks what is sent to us */
	struct cookie_maker	cm;	/* makes macs for the other node */
};

static inline void
node_from_priv(struct node *n, const uint8_t priv[32])
{
	memcpy(n->s.priv, priv, 32);
	ck_assert_int_eq(crypto_scalarmult_base(n->s.pub, n->s.priv), 0);
	cookie_checker_init(&n->cc, n->s.pub);
}

static inline void
node_random(struct node *n)
{
	uint8_t	priv[32];

	randombytes_buf(priv, sizeof(priv));
	node_from_priv(n, priv);
	sodium_memzero(priv, sizeof(priv));
}

/* Introduce two nodes: each one's maker is keyed by the other's key. */
static inline void
node_pair(struct node *a, struct node *b)
{
	cookie_maker_init(&a->cm, b->s.pub);
	cookie_maker_init(&b->cm, a->s.pub);
}

static inline int
is_zero(const void *p, size_t len)
{
	return sodium_is_zero(p, len);
}

#endif
