/*
 * LAN destinations; see lanclass.h.
 */
#include "autoconf.h"

#include <sodium.h>
#include <string.h>

#include "compat/bytes.h"
#include "daemon/lanclass.h"

#define PROTO_HOPOPTS	0
#define PROTO_IGMP	2
#define PROTO_ROUTING	43
#define PROTO_FRAGMENT	44
#define PROTO_ICMPV6	58
#define PROTO_DSTOPTS	60
/* Extension headers we walk past before we give up looking. */
#define EXT_MAX		8

void
lan_link_local(uint8_t out[16], const uint8_t v6[16])
{
	memset(out, 0, 16);
	out[0] = 0xfe;
	out[1] = 0x80;
	memcpy(out + 8, v6 + 8, 8);
}

void
lan_mac_of(uint8_t mac[LAN_MAC_LEN], const uint8_t key[32])
{
	static const char		 label[] = "hamd ethernet mac";
	crypto_generichash_state	 st;
	uint8_t				 h[16];

	(void)crypto_generichash_init(&st, NULL, 0, sizeof(h));
	(void)crypto_generichash_update(&st, (const uint8_t *)label,
	    sizeof(label) - 1);
	(void)crypto_generichash_update(&st, key, 32);
	(void)crypto_generichash_final(&st, h, sizeof(h));
	memcpy(mac, h, LAN_MAC_LEN);
	mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02);
}

void
lan_addrs_set(struct lan_addrs *a, const uint8_t v4[4], unsigned int plen4,
    const uint8_t v6[16], unsigned int plen6)
{
	uint32_t	 host;

	memset(a, 0, sizeof(*a));
	if (v4 != NULL && plen4 >= 1 && plen4 <= 30) {
		a->have4 = 1;
		memcpy(a->v4, v4, 4);
		host = UINT32_MAX >> plen4;
		put_be32(a->bcast4, get_be32(v4) | host);
	}
	if (v6 != NULL && plen6 >= 1 && plen6 <= 124) {
		a->have6 = 1;
		memcpy(a->v6, v6, 16);
		lan_link_local(a->ll6, v6);
	}
}

/* ICMPv6 types that only the link's own hosts and routers may use. */
static int
icmp6_link_only(uint8_t type)
{
	switch (type) {
	case 130: case 131: case 132: case 143:		/* MLD */
	case 133: case 134: case 135: case 136: case 137: /* ND */
	case 141: case 142:				/* inverse ND */
	case 148: case 149:				/* SEND */
	case 151: case 152: case 153:			/* router discovery */
		return 1;
	default:
		return 0;
	}
}

static enum lan_kind
classify6(const uint8_t *pkt, size_t len)
{
	const uint8_t	*dst = pkt + 24;
	size_t		 off = 40, end;
	uint8_t		 nh = pkt[6], scope = dst[1] & 0x0f;
	int		 i;

	if (dst[0] != 0xff)
		return LAN_NONE;
	if (scope <= 1 || scope == 0xf)
		return LAN_OTHER;
	end = 40 + (size_t)get_be16(pkt + 4);
	if (end > len)
		return LAN_MALFORMED;
	for (i = 0; i < EXT_MAX; i++) {
		switch (nh) {
		case PROTO_ICMPV6:
			if (off + 1 > end)
				return LAN_MALFORMED;
			return icmp6_link_only(pkt[off]) ? LAN_CONTROL :
			    LAN_MCAST6;
		case PROTO_HOPOPTS:
		case PROTO_ROUTING:
		case PROTO_DSTOPTS:
			if (off + 2 > end)
				return LAN_MALFORMED;
			nh = pkt[off];
			off += ((size_t)pkt[off + 1] + 1) * 8;
			if (off > end)
				return LAN_MALFORMED;
			break;
		case PROTO_FRAGMENT:
			if (off + 8 > end)
				return LAN_MALFORMED;
			/* A later fragment hides its protocol: data, then. */
			if ((get_be16(pkt + off + 2) & 0xfff8) != 0)
				return LAN_MCAST6;
			nh = pkt[off];
			off += 8;
			break;
		default:
			return LAN_MCAST6;
		}
	}
	return LAN_MCAST6;
}

static enum lan_kind
classify4(const struct lan_addrs *a, const uint8_t *pkt, size_t len)
{
	const uint8_t	*dst = pkt + 16;
	enum lan_kind	 k;
	size_t		 ihl = (size_t)(pkt[0] & 0x0f) * 4, tot;

	if (dst[0] == 255 && dst[1] == 255 && dst[2] == 255 && dst[3] == 255)
		k = LAN_BCAST;
	else if (dst[0] >= 224 && dst[0] < 240)
		k = LAN_MCAST4;
	else if (dst[0] >= 240)
		return LAN_OTHER;
	else if (a->have4 && memcmp(dst, a->bcast4, 4) == 0)
		k = LAN_DBCAST;
	else
		return LAN_NONE;
	tot = get_be16(pkt + 2);
	if (ihl < 20 || ihl > tot || tot > len)
		return LAN_MALFORMED;
	if (pkt[9] == PROTO_IGMP)
		return LAN_CONTROL;
	return k;
}

enum lan_kind
lan_classify(const struct lan_addrs *a, const uint8_t *pkt, size_t len)
{
	if (len >= 20 && (pkt[0] >> 4) == 4)
		return classify4(a, pkt, len);
	if (len >= 40 && (pkt[0] >> 4) == 6)
		return classify6(pkt, len);
	return LAN_NONE;
}

int
lan_src_ours(const struct lan_addrs *a, const uint8_t *pkt, size_t len)
{
	if (len >= 20 && (pkt[0] >> 4) == 4)
		return a->have4 && memcmp(pkt + 12, a->v4, 4) == 0;
	if (len >= 40 && (pkt[0] >> 4) == 6)
		return a->have6 && (memcmp(pkt + 8, a->v6, 16) == 0 ||
		    memcmp(pkt + 8, a->ll6, 16) == 0);
	return 0;
}

const char *
lan_kind_str(int k)
{
	static const char *const names[LAN_KIND_MAX] = {
		[LAN_NONE] = "unicast",
		[LAN_BCAST] = "broadcast",
		[LAN_DBCAST] = "directed-broadcast",
		[LAN_MCAST4] = "multicast",
		[LAN_MCAST6] = "multicast6",
		[LAN_CONTROL] = "link-control",
		[LAN_OTHER] = "not-forwarded",
		[LAN_MALFORMED] = "malformed",
	};

	if (k < 0 || k >= LAN_KIND_MAX)
		return "unknown";
	return names[k];
}
