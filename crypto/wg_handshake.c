/*
 * WireGuard handshake messages over the Noise core; see wg_handshake.h.
 */
#include "autoconf.h"

#include <string.h>

#include <sodium.h>

#include "cookie.h"
#include "noise.h"
#include "tai64n.h"
#include "transport.h"
#include "wg_handshake.h"
#include "wg_result.h"
#include "wg_wire.h"

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
wg_msg_classify(const uint8_t *msg, size_t len, int *type,
    uint32_t *receiver)
{
	uint32_t	t;

	if (len < 4)
		return (WG_DROP_MALFORMED);
	/* One 32-bit word: non-zero reserved bytes make an unknown type. */
	t = wg_get_le32(msg);
	switch (t) {
	case WG_MSG_INITIATION:
		if (len != WG_INIT_LEN)
			return (WG_DROP_MALFORMED);
		*receiver = 0;
		break;
	case WG_MSG_RESPONSE:
		if (len != WG_RESP_LEN)
			return (WG_DROP_MALFORMED);
		*receiver = wg_get_le32(msg + WG_RESP_OFF_RECEIVER);
		break;
	case WG_MSG_COOKIE:
		if (len != WG_COOKIE_REPLY_LEN)
			return (WG_DROP_MALFORMED);
		*receiver = wg_get_le32(msg + WG_COOKIE_OFF_RECEIVER);
		break;
	case WG_MSG_DATA:
		if (len < WG_DATA_MIN_LEN || len > WG_DATA_MAX_LEN)
			return (WG_DROP_MALFORMED);
		*receiver = wg_get_le32(msg + 4);
		break;
	default:
		return (WG_DROP_MALFORMED);
	}
	*type = (int)t;
	return (WG_OK);
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
	wg_put_le32(out + WG_INIT_OFF_SENDER, local_index);
	if ((r = noise_write_msg1(hs, ts, TAI64N_LEN, out + WG_INIT_OFF_NOISE,
	    INIT_NOISE_LEN, &n)) != WG_OK)
		return (r);
	cookie_add_macs(cm, out, WG_INIT_LEN, now);
	return (WG_OK);
}

/* The checks every initiation gets before any Diffie-Hellman. */
static int
initiation_precheck(const struct cookie_checker *cc, const uint8_t *msg,
    size_t len)
{
	if (len != WG_INIT_LEN || wg_get_le32(msg) != WG_MSG_INITIATION)
		return (WG_DROP_MALFORMED);
	return (cookie_check_mac1(cc, msg, len));
}

int
wg_initiation_open(struct noise_handshake *hs,
    const struct cookie_checker *cc, const uint8_t *msg, size_t len,
    uint32_t *peer_index, uint8_t peer_pub[NOISE_PUBLIC_LEN])
{
	int	r;

	if (hs->state != NOISE_HS_START || hs->role != NOISE_RESPONDER)
		return (WG_ERR_ARG);
	if ((r = initiation_precheck(cc, msg, len)) != WG_OK) {
		noise_hs_clear(hs);
		return (r);
	}
	if ((r = noise_read_msg1_static(hs, msg + WG_INIT_OFF_NOISE,
	    INIT_NOISE_LEN)) != WG_OK)
		return (r);
	*peer_index = wg_get_le32(msg + WG_INIT_OFF_SENDER);
	memcpy(peer_pub, hs->rs, NOISE_PUBLIC_LEN);
	return (WG_OK);
}

int
wg_initiation_finish(struct noise_handshake *hs, const uint8_t *msg,
    size_t len, uint8_t ts[TAI64N_LEN])
{
	size_t	n;
	int	r;

	if (hs->state != NOISE_HS_MSG1_STATIC)
		return (WG_ERR_ARG);
	if (len != WG_INIT_LEN || wg_get_le32(msg) != WG_MSG_INITIATION) {
		noise_hs_clear(hs);
		return (WG_DROP_MALFORMED);
	}
	if ((r = noise_read_msg1_payload(hs, msg + WG_INIT_OFF_NOISE,
	    INIT_NOISE_LEN, ts, TAI64N_LEN, &n)) != WG_OK)
		return (r);
	/* The fixed layout makes any other length impossible. */
	if (n != TAI64N_LEN) {
		noise_hs_clear(hs);
		return (WG_DROP_MALFORMED);
	}
	return (WG_OK);
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
		return (r);
	return (wg_initiation_finish(hs, msg, len, ts));
}

int
wg_check_timestamp(const uint8_t ts[TAI64N_LEN], const uint8_t *last)
{
	if (last != NULL && !tai64n_after(ts, last))
		return (WG_DROP_REPLAY);
	return (WG_OK);
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
	wg_put_le32(out + WG_RESP_OFF_SENDER, local_index);
	wg_put_le32(out + WG_RESP_OFF_RECEIVER, peer_index);
	if ((r = noise_write_msg2(hs, psk, NULL, 0, out + WG_RESP_OFF_NOISE,
	    RESP_NOISE_LEN, &n)) != WG_OK)
		return (r);
	cookie_add_macs(cm, out, WG_RESP_LEN, now);
	return (WG_OK);
}

int
wg_consume_response(struct noise_handshake *hs,
    const struct cookie_checker *cc, const uint8_t *psk, const uint8_t *msg,
    size_t len, uint32_t local_index, uint32_t *peer_index)
{
	size_t	n;
	int	r;

	if (len != WG_RESP_LEN || wg_get_le32(msg) != WG_MSG_RESPONSE)
		return (WG_DROP_MALFORMED);
	if (wg_get_le32(msg + WG_RESP_OFF_RECEIVER) != local_index)
		return (WG_DROP_UNKNOWN_INDEX);
	if ((r = cookie_check_mac1(cc, msg, len)) != WG_OK)
		return (r);
	if (hs->state != NOISE_HS_MSG1_SENT || hs->role != NOISE_INITIATOR)
		return (WG_DROP_STATE);
	if ((r = noise_read_msg2(hs, psk, msg + WG_RESP_OFF_NOISE,
	    RESP_NOISE_LEN, NULL, 0, &n)) != WG_OK)
		return (r);
	*peer_index = wg_get_le32(msg + WG_RESP_OFF_SENDER);
	return (WG_OK);
}

int
wg_derive_keys(struct noise_handshake *hs, struct wg_session_keys *keys)
{
	return (noise_split(hs, keys->send, keys->recv, NULL));
}
