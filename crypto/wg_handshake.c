/*
 * WireGuard handshake messages over the Noise core; see wg_handshake.h.
 */
#include "autoconf.h"

#include <string.h>

#include <sodium.h>

#include "crypto/cookie.h"
#include "crypto/noise.h"
#include "crypto/tai64n.h"
#include "crypto/transport.h"
#include "crypto/wg_handshake.h"
#include "crypto/wg_result.h"
#include "crypto/wg_wire.h"

/* Noise message sizes inside the WireGuard messages. */
#define INIT_NOISE_LEN	(WG_INIT_OFF_MAC1 - WG_INIT_OFF_NOISE)
#define RESP_NOISE_LEN	(WG_RESP_OFF_MAC1 - WG_RESP_OFF_NOISE)

void
wg_protocol_init(struct noise_protocol *p)
{
	/* Cannot fail: the name is one noise_protocol_init knows. */
	(void)noise_protocol_init(p, WG_CONSTRUCTION,
	    (const uint8_t *)WG_IDENTIFIER, strlen(WG_IDENTIFIER));
}

int
wg_create_initiation(struct noise_handshake *hs, uint32_t local_index,
    const uint8_t ts[TAI64N_LEN], struct cookie_maker *cm, uint64_t now,
    uint8_t out[WG_INIT_LEN])
{
	size_t	n;
	int	r;

	memset(out, 0, WG_INIT_LEN);
	out[0] = WG_MSG_INITIATION;
	put_le32(out + WG_INIT_OFF_SENDER, local_index);
	if ((r = noise_write_msg1(hs, ts, TAI64N_LEN, out + WG_INIT_OFF_NOISE,
	    INIT_NOISE_LEN, &n)) != WG_OK)
		return r;
	cookie_add_macs(cm, out, WG_INIT_LEN, now);
	return WG_OK;
}

/* The checks every initiation gets before any Diffie-Hellman. */
static int
initiation_precheck(const struct cookie_checker *cc, const uint8_t *msg,
    size_t len)
{
	if (len != WG_INIT_LEN || get_le32(msg) != WG_MSG_INITIATION)
		return WG_DROP_MALFORMED;
	return cookie_check_mac1(cc, msg, len);
}

int
wg_initiation_open(struct noise_handshake *hs,
    const struct cookie_checker *cc, const uint8_t *msg, size_t len,
    uint32_t *peer_index, uint8_t peer_pub[NOISE_PUBLIC_LEN])
{
	int	r;

	if (hs->state != NOISE_HS_START || hs->role != NOISE_RESPONDER)
		return WG_ERR_ARG;
	if ((r = initiation_precheck(cc, msg, len)) != WG_OK) {
		noise_hs_clear(hs);
		return r;
	}
	if ((r = noise_read_msg1_static(hs, msg + WG_INIT_OFF_NOISE,
	    INIT_NOISE_LEN)) != WG_OK)
		return r;
	*peer_index = get_le32(msg + WG_INIT_OFF_SENDER);
	memcpy(peer_pub, hs->rs, NOISE_PUBLIC_LEN);
	return WG_OK;
}

int
wg_initiation_finish(struct noise_handshake *hs, const uint8_t *msg,
    size_t len, uint8_t ts[TAI64N_LEN])
{
	size_t	n;
	int	r;

	if (hs->state != NOISE_HS_MSG1_STATIC)
		return WG_ERR_ARG;
	if (len != WG_INIT_LEN || get_le32(msg) != WG_MSG_INITIATION) {
		noise_hs_clear(hs);
		return WG_DROP_MALFORMED;
	}
	if ((r = noise_read_msg1_payload(hs, msg + WG_INIT_OFF_NOISE,
	    INIT_NOISE_LEN, ts, TAI64N_LEN, &n)) != WG_OK)
		return r;
	/* The fixed layout makes any other length impossible. */
	if (n != TAI64N_LEN) {
		noise_hs_clear(hs);
		return WG_DROP_MALFORMED;
	}
	return WG_OK;
}

int
wg_consume_initiation(struct noise_handshake *hs,
    const struct cookie_checker *cc, const uint8_t *msg, size_t len,
    uint32_t *peer_index, uint8_t peer_pub[NOISE_PUBLIC_LEN],
    uint8_t ts[TAI64N_LEN])
{
	int	r;

	if ((r = wg_initiation_open(hs, cc, msg, len, peer_index,
	    peer_pub)) != WG_OK)
		return r;
	return wg_initiation_finish(hs, msg, len, ts);
}

int
wg_check_timestamp(const uint8_t ts[TAI64N_LEN], const uint8_t *last)
{
	if (last != NULL && !tai64n_after(ts, last))
		return WG_DROP_REPLAY;
	return WG_OK;
}

int
wg_create_response(struct noise_handshake *hs, uint32_t local_index,
    uint32_t peer_index, const uint8_t *psk, struct cookie_maker *cm,
    uint64_t now, uint8_t out[WG_RESP_LEN])
{
	size_t	n;
	int	r;

	memset(out, 0, WG_RESP_LEN);
	out[0] = WG_MSG_RESPONSE;
	put_le32(out + WG_RESP_OFF_SENDER, local_index);
	put_le32(out + WG_RESP_OFF_RECEIVER, peer_index);
	if ((r = noise_write_msg2(hs, psk, NULL, 0, out + WG_RESP_OFF_NOISE,
	    RESP_NOISE_LEN, &n)) != WG_OK)
		return r;
	cookie_add_macs(cm, out, WG_RESP_LEN, now);
	return WG_OK;
}

int
wg_consume_response(struct noise_handshake *hs,
    const struct cookie_checker *cc, const uint8_t *psk, const uint8_t *msg,
    size_t len, uint32_t local_index, uint32_t *peer_index)
{
	size_t	n;
	int	r;

	if (len != WG_RESP_LEN || get_le32(msg) != WG_MSG_RESPONSE)
		return WG_DROP_MALFORMED;
	if (get_le32(msg + WG_RESP_OFF_RECEIVER) != local_index)
		return WG_DROP_UNKNOWN_INDEX;
	if ((r = cookie_check_mac1(cc, msg, len)) != WG_OK)
		return r;
	if (hs->state != NOISE_HS_MSG1_SENT || hs->role != NOISE_INITIATOR)
		return WG_DROP_STATE;
	if ((r = noise_read_msg2(hs, psk, msg + WG_RESP_OFF_NOISE,
	    RESP_NOISE_LEN, NULL, 0, &n)) != WG_OK)
		return r;
	*peer_index = get_le32(msg + WG_RESP_OFF_SENDER);
	return WG_OK;
}

int
wg_derive_keys(struct noise_handshake *hs, struct wg_session_keys *keys)
{
	return noise_split(hs, keys->send, keys->recv, NULL);
}
