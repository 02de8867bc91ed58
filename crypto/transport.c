/*
 * Transport data messages: see transport.h for the layout.
 */
#include "autoconf.h"

#include <string.h>

#include <sodium.h>

#include "crypto/replay.h"
#include "crypto/transport.h"
#include "crypto/wg_result.h"
#include "crypto/wg_timers.h"
#include "crypto/wg_wire.h"

static void
make_nonce(uint8_t n[crypto_aead_chacha20poly1305_IETF_NPUBBYTES],
    uint64_t counter)
{
	memset(n, 0, 4);
	put_le64(n + 4, counter);
}

/*
 * libsodium's detached calls let the tag sit right after the data while
 * the data is processed in place.  A zero-length input may come as a
 * NULL pointer; hand libsodium a valid one instead, since it may pass
 * the pointer on to memcpy.
 */
void
wg_aead_seal(uint8_t *out, const uint8_t key[WG_AEAD_KEY_LEN],
    uint64_t nonce, const uint8_t *ad, size_t adlen, const uint8_t *pt,
    size_t ptlen)
{
	uint8_t	n[crypto_aead_chacha20poly1305_IETF_NPUBBYTES];
	uint8_t	dummy[1] = { 0 };

	make_nonce(n, nonce);
	(void)crypto_aead_chacha20poly1305_ietf_encrypt_detached(
	    ptlen > 0 ? out : dummy, out + ptlen, NULL,
	    pt != NULL ? pt : dummy, ptlen, ad, adlen, NULL, n, key);
}

int
wg_aead_open(uint8_t *out, const uint8_t key[WG_AEAD_KEY_LEN],
    uint64_t nonce, const uint8_t *ad, size_t adlen, const uint8_t *ct,
    size_t ctlen)
{
	uint8_t	n[crypto_aead_chacha20poly1305_IETF_NPUBBYTES];
	uint8_t	dummy[1];
	size_t	ptlen;

	if (ctlen < WG_AEAD_TAG_LEN)
		return -1;
	ptlen = ctlen - WG_AEAD_TAG_LEN;
	make_nonce(n, nonce);
	if (crypto_aead_chacha20poly1305_ietf_decrypt_detached(
	    ptlen > 0 ? out : dummy, NULL, ct, ptlen, ct + ptlen, ad, adlen,
	    n, key) != 0)
		return -1;
	return 0;
}

size_t
wg_data_padded_len(size_t len, size_t mtu)
{
	size_t	last, padded;

	last = len;
	if (mtu == 0)
		return (len + WG_PAD_MULTIPLE - 1) & ~(size_t)(WG_PAD_MULTIPLE - 1);
	if (last > mtu)
		last %= mtu;
	padded = (last + WG_PAD_MULTIPLE - 1) & ~(size_t)(WG_PAD_MULTIPLE - 1);
	if (padded > mtu)
		padded = mtu;
	return len + (padded - last);
}

int
wg_data_seal(uint8_t *buf, size_t cap, size_t ptlen, size_t mtu,
    uint32_t receiver, uint64_t counter, const uint8_t key[WG_AEAD_KEY_LEN],
    size_t *outlen)
{
	size_t	padded;

	if (counter >= REJECT_AFTER_MESSAGES)
		return WG_ERR_SEND_LIMIT;
	if (ptlen > WG_DATA_MAX_PLAIN)
		return WG_ERR_ARG;
	padded = wg_data_padded_len(ptlen, mtu);
	if (padded > WG_DATA_MAX_PLAIN || cap < WG_DATA_MIN_LEN + padded)
		return WG_ERR_ARG;

	buf[0] = WG_MSG_DATA;
	buf[1] = buf[2] = buf[3] = 0;
	put_le32(buf + 4, receiver);
	put_le64(buf + 8, counter);
	memset(buf + WG_DATA_HDR_LEN + ptlen, 0, padded - ptlen);
	wg_aead_seal(buf + WG_DATA_HDR_LEN, key, counter, NULL, 0,
	    buf + WG_DATA_HDR_LEN, padded);
	*outlen = WG_DATA_MIN_LEN + padded;
	return WG_OK;
}

int
wg_data_header(const uint8_t *msg, size_t len, uint32_t *receiver,
    uint64_t *counter)
{
	uint64_t	c;

	if (len < WG_DATA_MIN_LEN || len > WG_DATA_MAX_LEN ||
	    get_le32(msg) != WG_MSG_DATA)
		return WG_DROP_MALFORMED;
	c = get_le64(msg + 8);
	if (c >= REJECT_AFTER_MESSAGES)
		return WG_DROP_COUNTER_LIMIT;
	if (receiver != NULL)
		*receiver = get_le32(msg + 4);
	if (counter != NULL)
		*counter = c;
	return WG_OK;
}

int
wg_data_open(uint8_t *msg, size_t len, const uint8_t key[WG_AEAD_KEY_LEN],
    size_t *ptlen)
{
	uint64_t	counter;
	int		r;

	if ((r = wg_data_header(msg, len, NULL, &counter)) != WG_OK)
		return r;
	if (wg_aead_open(msg + WG_DATA_HDR_LEN, key, counter, NULL, 0,
	    msg + WG_DATA_HDR_LEN, len - WG_DATA_HDR_LEN) != 0)
		return WG_DROP_BAD_MAC;
	*ptlen = len - WG_DATA_MIN_LEN;
	return WG_OK;
}

int
wg_data_open_window(uint8_t *msg, size_t len,
    const uint8_t key[WG_AEAD_KEY_LEN], struct replay_window *rw,
    size_t *ptlen)
{
	uint64_t	counter;
	int		r;

	if ((r = wg_data_header(msg, len, NULL, &counter)) != WG_OK)
		return r;
	if ((r = replay_check(rw, counter)) != WG_OK)
		return r;
	if ((r = wg_data_open(msg, len, key, ptlen)) != WG_OK)
		return r;
	return replay_commit(rw, counter);
}
