/* Sorting datagrams on the WireGuard port; see dgram.h. */
#include "autoconf.h"

#include "compat/bytes.h"
#include "crypto/wg_wire.h"
#include "proto/dgram.h"

/* WireGuard reads its type as one little-endian word: 1-4, three zeros. */
static enum dgram_kind
classify_wireguard(const uint8_t *p, size_t len, uint32_t *receiver)
{
	if (len < 4)
		return DGRAM_MALFORMED;
	switch (get_le32(p)) {
	case WG_MSG_INITIATION:
		if (len != WG_INIT_LEN)
			return DGRAM_MALFORMED;
		*receiver = 0;
		return DGRAM_WG_INITIATION;
	case WG_MSG_RESPONSE:
		if (len != WG_RESP_LEN)
			return DGRAM_MALFORMED;
		*receiver = get_le32(p + WG_RESP_OFF_RECEIVER);
		return DGRAM_WG_RESPONSE;
	case WG_MSG_COOKIE:
		if (len != WG_COOKIE_REPLY_LEN)
			return DGRAM_MALFORMED;
		*receiver = get_le32(p + WG_COOKIE_OFF_RECEIVER);
		return DGRAM_WG_COOKIE;
	case WG_MSG_DATA:
		if (len < WG_DATA_MIN_LEN || len > WG_DATA_MAX_LEN)
			return DGRAM_MALFORMED;
		*receiver = get_le32(p + 4);
		return DGRAM_WG_DATA;
	default:
		return DGRAM_MALFORMED;
	}
}

enum dgram_kind
dgram_classify(const uint8_t *p, size_t len, uint32_t *receiver)
{
	uint32_t	 dummy, inner;

	if (receiver == NULL)
		receiver = &dummy;
	*receiver = 0;
	if (len < 4)
		return DGRAM_MALFORMED;
	if (p[0] < NAT_PROBE_TYPE)
		return classify_wireguard(p, len, receiver);
	/* Reserved bytes are zero; a discovery message may set one flag. */
	if ((p[2] | p[3]) != 0 || (p[1] != 0 && (p[1] != NAT_FLAG_OTHER_PORT ||
	    (p[0] != NAT_PROBE_TYPE && p[0] != NAT_ANSWER_TYPE))))
		return DGRAM_MALFORMED;
	switch (p[0]) {
	case NAT_PROBE_TYPE:
		return len == NAT_PROBE_LEN ? DGRAM_NAT_PROBE :
		    DGRAM_MALFORMED;
	case NAT_ANSWER_TYPE:
		return len == NAT_ANSWER_LEN ? DGRAM_NAT_ANSWER :
		    DGRAM_MALFORMED;
	case RELAY_REGISTER_TYPE:
	case RELAY_REGISTERED_TYPE:
		if (len != RELAY_AUTH_LEN)
			return DGRAM_MALFORMED;
		*receiver = get_be32(p + 4);
		return p[0] == RELAY_REGISTER_TYPE ? DGRAM_RELAY_REGISTER :
		    DGRAM_RELAY_REGISTERED;
	case RELAY_DATA_TYPE:
		if (len < RELAY_HDR_LEN || !dgram_is_wireguard(
		    classify_wireguard(p + RELAY_HDR_LEN, len - RELAY_HDR_LEN,
		    &inner)))
			return DGRAM_MALFORMED;
		*receiver = get_be32(p + 4);
		return DGRAM_RELAY_DATA;
	default:
		return DGRAM_MALFORMED;
	}
}

int
dgram_is_wireguard(enum dgram_kind k)
{
	return k >= DGRAM_WG_INITIATION && k <= DGRAM_WG_DATA;
}
