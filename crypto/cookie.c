/*
 * mac1/mac2 and cookie replies; see cookie.h.
 */
#include "autoconf.h"

#include <string.h>

#include <sodium.h>

#include "crypto/blake2s_glue.h"
#include "crypto/cookie.h"
#include "crypto/wg_result.h"
#include "crypto/wg_timers.h"
#include "crypto/wg_wire.h"

#define LABEL_MAC1	"mac1----"
#define LABEL_COOKIE	"cookie--"
#define LABEL_LEN	8

/* Has something born at birth reached age seconds at now?  A clock that
 * seems to run backwards counts as expired: the safe direction. */
static int
expired(uint64_t birth, uint64_t now, uint64_t age)
{
	return now < birth || now - birth >= WG_NSEC(age);
}

void
cookie_mac1_key(uint8_t key[WG_KEY_LEN], const uint8_t pub[32])
{
	wg_hash2(key, (const uint8_t *)LABEL_MAC1, LABEL_LEN, pub, 32);
}

void
cookie_cookie_key(uint8_t key[WG_KEY_LEN], const uint8_t pub[32])
{
	wg_hash2(key, (const uint8_t *)LABEL_COOKIE, LABEL_LEN, pub, 32);
}

void
cookie_maker_init(struct cookie_maker *cm, const uint8_t peer_pub[32])
{
	sodium_memzero(cm, sizeof(*cm));
	cookie_mac1_key(cm->mac1_key, peer_pub);
	cookie_cookie_key(cm->cookie_key, peer_pub);
}

void
cookie_maker_clear(struct cookie_maker *cm)
{
	sodium_memzero(cm, sizeof(*cm));
}

void
cookie_add_macs(struct cookie_maker *cm, uint8_t *msg, size_t len,
    uint64_t now)
{
	uint8_t	*mac1 = msg + len - WG_MACS_LEN;
	uint8_t	*mac2 = mac1 + WG_MAC_LEN;

	wg_mac(mac1, cm->mac1_key, WG_KEY_LEN, msg, len - WG_MACS_LEN);
	memcpy(cm->last_mac1, mac1, WG_MAC_LEN);
	cm->mac1_sent = 1;

	if (cm->cookie_valid && !expired(cm->cookie_birth, now,
	    COOKIE_SECRET_MAX_AGE - COOKIE_SECRET_LATENCY))
		wg_mac(mac2, cm->cookie, COOKIE_LEN, msg, len - WG_MAC_LEN);
	else {
		/* Forget an expired cookie rather than keep checking. */
		if (cm->cookie_valid) {
			sodium_memzero(cm->cookie, sizeof(cm->cookie));
			cm->cookie_valid = 0;
		}
		memset(mac2, 0, WG_MAC_LEN);
	}
}

int
cookie_consume_reply(struct cookie_maker *cm, const uint8_t *msg,
    size_t len, uint64_t now)
{
	uint8_t	cookie[COOKIE_LEN];

	if (len != WG_COOKIE_REPLY_LEN || get_le32(msg) != WG_MSG_COOKIE)
		return WG_DROP_MALFORMED;
	if (!cm->mac1_sent)
		return WG_DROP_STATE;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(cookie, NULL, NULL,
	    msg + WG_COOKIE_OFF_COOKIE, COOKIE_LEN + WG_MAC_LEN,
	    cm->last_mac1, WG_MAC_LEN, msg + WG_COOKIE_OFF_NONCE,
	    cm->cookie_key) != 0) {
		sodium_memzero(cookie, sizeof(cookie));
		return WG_DROP_BAD_MAC;
	}
	memcpy(cm->cookie, cookie, COOKIE_LEN);
	cm->cookie_birth = now;
	cm->cookie_valid = 1;
	/* One reply per message: a replayed reply finds nothing to open. */
	cm->mac1_sent = 0;
	sodium_memzero(cookie, sizeof(cookie));
	return WG_OK;
}

void
cookie_checker_init(struct cookie_checker *cc, const uint8_t local_pub[32])
{
	sodium_memzero(cc, sizeof(*cc));
	cookie_mac1_key(cc->mac1_key, local_pub);
	cookie_cookie_key(cc->cookie_key, local_pub);
}

void
cookie_checker_clear(struct cookie_checker *cc)
{
	sodium_memzero(cc, sizeof(*cc));
}

/* The cookie for a source, under a secret renewed every two minutes. */
static void
make_cookie(struct cookie_checker *cc, uint8_t cookie[COOKIE_LEN],
    const uint8_t *src, size_t srclen, uint64_t now)
{
	if (!cc->secret_valid ||
	    expired(cc->secret_birth, now, COOKIE_SECRET_MAX_AGE)) {
		randombytes_buf(cc->secret, sizeof(cc->secret));
		cc->secret_birth = now;
		cc->secret_valid = 1;
	}
	wg_mac(cookie, cc->secret, COOKIE_SECRET_LEN, src, srclen);
}

int
cookie_check_mac1(const struct cookie_checker *cc, const uint8_t *msg,
    size_t len)
{
	uint8_t	mac[WG_MAC_LEN];

	if (len < WG_MACS_LEN)
		return WG_DROP_MALFORMED;
	wg_mac(mac, cc->mac1_key, WG_KEY_LEN, msg, len - WG_MACS_LEN);
	if (sodium_memcmp(mac, msg + len - WG_MACS_LEN, WG_MAC_LEN) != 0)
		return WG_DROP_BAD_MAC;
	return WG_OK;
}

int
cookie_checker_validate(struct cookie_checker *cc, const uint8_t *msg,
    size_t len, const uint8_t *src, size_t srclen, int check_mac2,
    uint64_t now, int *mac2_ok)
{
	uint8_t	cookie[COOKIE_LEN], mac[WG_MAC_LEN];
	int	r;

	*mac2_ok = 0;
	if ((r = cookie_check_mac1(cc, msg, len)) != WG_OK)
		return r;
	if (!check_mac2)
		return WG_OK;
	make_cookie(cc, cookie, src, srclen, now);
	wg_mac(mac, cookie, COOKIE_LEN, msg, len - WG_MAC_LEN);
	*mac2_ok = sodium_memcmp(mac, msg + len - WG_MAC_LEN, WG_MAC_LEN) == 0;
	/* The right mac2 for this message is as good as the cookie for it. */
	sodium_memzero(mac, sizeof(mac));
	sodium_memzero(cookie, sizeof(cookie));
	return WG_OK;
}

int
cookie_reply_create(struct cookie_checker *cc, uint8_t out[64],
    const uint8_t *msg, size_t len, const uint8_t *src, size_t srclen,
    uint64_t now)
{
	uint8_t		cookie[COOKIE_LEN];
	uint32_t	type;

	if (len < 4)
		return WG_DROP_MALFORMED;
	type = get_le32(msg);
	if (!(type == WG_MSG_INITIATION && len == WG_INIT_LEN) &&
	    !(type == WG_MSG_RESPONSE && len == WG_RESP_LEN))
		return WG_DROP_MALFORMED;

	make_cookie(cc, cookie, src, srclen, now);
	out[0] = WG_MSG_COOKIE;
	out[1] = out[2] = out[3] = 0;
	/* Both handshake messages carry their sender index at offset 4. */
	memcpy(out + WG_COOKIE_OFF_RECEIVER, msg + 4, 4);
	randombytes_buf(out + WG_COOKIE_OFF_NONCE, COOKIE_NONCE_LEN);
	(void)crypto_aead_xchacha20poly1305_ietf_encrypt(
	    out + WG_COOKIE_OFF_COOKIE, NULL, cookie, COOKIE_LEN,
	    msg + len - WG_MACS_LEN, WG_MAC_LEN, NULL,
	    out + WG_COOKIE_OFF_NONCE, cc->cookie_key);
	sodium_memzero(cookie, sizeof(cookie));
	return WG_OK;
}
