/*
 * Ethernet networks; see l2sw.h.
 *
 * Ports are kept as lanrep keeps its peers: a dense array of ids for
 * the walk a group frame takes, and each port's slot by id.  A unicast
 * frame finds its port by a walk over the dense array, comparing MACs:
 * a LAN of tens of members, where a table would cost more than it saves.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "compat/bytes.h"
#include "daemon/l2sw.h"

#define NS	UINT64_C(1000000000)

struct l2sw *
l2sw_new(struct wg_dev *dev, uint32_t base,
    void (*tap_write)(void *, const uint8_t *, size_t), void *arg)
{
	struct l2sw	*sw;

	if ((sw = calloc(1, sizeof(*sw))) == NULL)
		return NULL;
	sw->dev = dev;
	sw->base = base;
	sw->tap_write = tap_write;
	sw->tap_arg = arg;
	sw->max_frame = 1500;
	l2sw_set_rate(sw, LAN_RATE, LAN_BURST);
	return sw;
}

void
l2sw_free(struct l2sw *sw)
{
	free(sw);
}

void
l2sw_self(struct l2sw *sw, const uint8_t key[32], size_t mtu)
{
	lan_mac_of(sw->mac, key);
	sw->have_mac = 1;
	sw->max_frame = mtu > L2_HDR_LEN ? mtu - L2_HDR_LEN : 0;
}

void
l2sw_set_rate(struct l2sw *sw, uint32_t rate, uint32_t burst)
{
	sw->cost = NS / (rate == 0 ? 1 : rate);
	sw->cap = sw->cost * (burst == 0 ? 1 : burst);
}

static struct l2_port *
port(struct l2sw *sw, uint32_t id)
{
	if (id < sw->base || id - sw->base >= LAN_MAX_PEERS)
		return NULL;
	return &sw->ports[id - sw->base];
}

void
l2sw_peer(struct l2sw *sw, uint32_t id, const uint8_t key[32], int on)
{
	struct l2_port	*pt, *moved;

	if ((pt = port(sw, id)) == NULL)
		return;
	if (on)
		lan_mac_of(pt->mac, key);
	if (pt->on == (on != 0))
		return;
	if (on) {
		pt->on = 1;
		pt->pos = sw->non;
		sw->on[sw->non++] = id;
		pt->bucket.tokens = sw->cap;
		pt->bucket.last = 0;
	} else {
		pt->on = 0;
		sw->on[pt->pos] = sw->on[--sw->non];
		moved = port(sw, sw->on[pt->pos]);
		moved->pos = pt->pos;
	}
	sw->st.ports = sw->non;
}

void
l2sw_peer_gone(struct l2sw *sw, uint32_t id)
{
	struct l2_port	*pt;

	if ((pt = port(sw, id)) == NULL)
		return;
	l2sw_peer(sw, id, NULL, 0);
	memset(pt, 0, sizeof(*pt));
}

static void
send_to(struct l2sw *sw, uint32_t id, size_t len, uint64_t now)
{
	struct wg_peer	*p;

	if ((p = wg_peer_by_id(sw->dev, id)) == NULL)
		return;
	wg_peer_send(sw->dev, p, sw->buf, len, now);
	sw->ports[id - sw->base].tx++;
	sw->st.tx_copies++;
}

/* The test hook's sending: group frames to every hub peer, no checks. */
static void
rogue_send(struct l2sw *sw, size_t len, uint64_t now)
{
	struct wg_peer	*p;
	int		 i;

	for (i = 0; i < WG_MAX_PEERS; i++) {
		if ((p = sw->dev->peers[i]) == NULL || !p->from_hub)
			continue;
		wg_peer_send(sw->dev, p, sw->buf, len, now);
		sw->st.tx_copies++;
	}
	sw->st.tx_frames++;
}

void
l2sw_send(struct l2sw *sw, const uint8_t *frame, size_t len, uint64_t now)
{
	uint32_t	 i;

	if (len < L2_ETH_HDR)
		return;		/* the kernel writes none such */
	if (len > sw->max_frame) {
		sw->st.tx_oversize++;
		return;
	}
	/* A frame from another MAC (a bridge behind us) is not ours. */
	if (!sw->rogue && (!sw->have_mac ||
	    memcmp(frame + LAN_MAC_LEN, sw->mac, LAN_MAC_LEN) != 0)) {
		sw->st.tx_source++;
		return;
	}
	sw->buf[0] = L2_TYPE;
	sw->buf[1] = 0;
	put_be16(sw->buf + 2, (uint16_t)len);
	memcpy(sw->buf + L2_HDR_LEN, frame, len);
	len += L2_HDR_LEN;
	if (frame[0] & 1) {			/* broadcast or multicast */
		if (sw->rogue) {
			rogue_send(sw, len, now);
			return;
		}
		if (sw->non == 0) {
			sw->st.tx_unknown++;
			return;
		}
		if (!lan_bucket_take(&sw->self, sw->cost, sw->cap, now)) {
			sw->st.tx_rate++;
			return;
		}
		for (i = 0; i < sw->non; i++)
			send_to(sw, sw->on[i], len, now);
		sw->st.tx_frames++;
		return;
	}
	for (i = 0; i < sw->non; i++)
		if (memcmp(sw->ports[sw->on[i] - sw->base].mac, frame,
		    LAN_MAC_LEN) == 0) {
			send_to(sw, sw->on[i], len, now);
			sw->st.tx_frames++;
			return;
		}
	sw->st.tx_unknown++;
}

void
l2sw_receive(struct l2sw *sw, struct wg_peer *p, const uint8_t *pt,
    size_t len, uint64_t now)
{
	struct l2_port	*pp = port(sw, p->id);
	const uint8_t	*frame = pt + L2_HDR_LEN;
	size_t		 flen;
	int		 r = WG_OK;

	if (len < L2_HDR_LEN + L2_ETH_HDR || pt[0] != L2_TYPE || pt[1] != 0 ||
	    (flen = get_be16(pt + 2)) < L2_ETH_HDR || flen > len - L2_HDR_LEN)
		r = WG_DROP_MALFORMED;
	else if (pp == NULL || !pp->on)
		r = WG_DROP_L2_OFF;	/* first: it may send none at all */
	else if (memcmp(frame + LAN_MAC_LEN, pp->mac, LAN_MAC_LEN) != 0)
		r = WG_DROP_L2_SOURCE;
	else if (frame[0] & 1) {
		if (!lan_bucket_take(&pp->bucket, sw->cost, sw->cap, now))
			r = WG_DROP_LAN_RATE;
	} else if (!sw->have_mac || memcmp(frame, sw->mac, LAN_MAC_LEN) != 0)
		r = WG_DROP_L2_DEST;
	switch (r) {
	case WG_OK:
		pp->rx++;
		sw->st.rx_frames++;
		sw->tap_write(sw->tap_arg, frame, flen);
		return;
	case WG_DROP_MALFORMED:
		sw->st.rx_malformed++;
		break;
	case WG_DROP_L2_OFF:
		sw->st.rx_off++;
		break;
	case WG_DROP_L2_SOURCE:
		sw->st.rx_source++;
		break;
	case WG_DROP_L2_DEST:
		sw->st.rx_dest++;
		break;
	default:
		sw->st.rx_rate++;
		break;
	}
	p->st.drops[r]++;
}

void
l2sw_peer_info(const struct l2sw *sw, uint32_t id, struct ctl_peer_lan *out)
{
	if (id < sw->base || id - sw->base >= LAN_MAX_PEERS)
		return;
	out->eth = sw->ports[id - sw->base].on;
	out->rx_frames = sw->ports[id - sw->base].rx;
	out->tx_frames = sw->ports[id - sw->base].tx;
}

void
l2sw_stats(const struct l2sw *sw, struct ctl_l2 *out)
{
	*out = sw->st;
	out->ports = sw->non;
}
