/*
 * LAN replication; see lanrep.h.
 *
 * The peers broadcast flows with are kept as a dense array of ids, so
 * that a packet costs a walk over those alone; each peer's slot knows
 * its place in it, so turning one off is a swap with the last.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/lanrep.h"

#define NS	UINT64_C(1000000000)

struct lanrep *
lanrep_new(struct wg_dev *dev, uint32_t base)
{
	struct lanrep	*lr;

	if ((lr = calloc(1, sizeof(*lr))) == NULL)
		return NULL;
	lr->dev = dev;
	lr->base = base;
	lanrep_set_rate(lr, LAN_RATE, LAN_BURST);
	return lr;
}

void
lanrep_free(struct lanrep *lr)
{
	free(lr);
}

void
lanrep_set_rate(struct lanrep *lr, uint32_t rate, uint32_t burst)
{
	if (rate == 0)
		rate = 1;
	if (burst == 0)
		burst = 1;
	lr->cost = NS / rate;
	lr->cap = lr->cost * burst;
	lr->st.rate = rate;
	lr->st.burst = burst;
}

void
lanrep_addrs(struct lanrep *lr, const uint8_t v4[4], unsigned int plen4,
    const uint8_t v6[16], unsigned int plen6)
{
	lan_addrs_set(&lr->addrs, v4, plen4, v6, plen6);
	/* 0.0.0.0 without an IPv4 overlay: no packet goes there. */
	memcpy(lr->dev->lan_bcast4, lr->addrs.bcast4, 4);
}

static struct lan_peer *
slot(struct lanrep *lr, uint32_t id)
{
	if (id < lr->base || id - lr->base >= LAN_MAX_PEERS)
		return NULL;
	return &lr->peers[id - lr->base];
}

void
lanrep_peer(struct lanrep *lr, uint32_t id, int on)
{
	struct lan_peer	*lp, *moved;

	if ((lp = slot(lr, id)) == NULL || lp->on == (on != 0))
		return;
	if (on) {
		lp->on = 1;
		lp->pos = lr->non;
		lr->on[lr->non++] = id;
		/* A full bucket: what was owed before is forgiven. */
		lp->bucket.tokens = lr->cap;
		lp->bucket.last = 0;
	} else {
		lp->on = 0;
		lr->on[lp->pos] = lr->on[--lr->non];
		moved = slot(lr, lr->on[lp->pos]);
		moved->pos = lp->pos;
	}
	lr->st.peers = lr->non;
}

void
lanrep_peer_gone(struct lanrep *lr, uint32_t id)
{
	struct lan_peer	*lp;

	if ((lp = slot(lr, id)) == NULL)
		return;
	lanrep_peer(lr, id, 0);
	memset(lp, 0, sizeof(*lp));
}

int
lan_bucket_take(struct lan_bucket *b, uint64_t cost, uint64_t cap,
    uint64_t now)
{
	uint64_t	 t = b->tokens;

	if (b->last == 0 || now - b->last >= cap)
		t = cap;
	else if (now > b->last)
		t = t + (now - b->last) > cap ? cap : t + (now - b->last);
	b->last = now;
	if (t < cost) {
		b->tokens = t;
		return 0;
	}
	b->tokens = t - cost;
	return 1;
}

/* The test hook's sending: to every hub peer, no limit (lanrep.h). */
static void
rogue_send(struct lanrep *lr, const uint8_t *pkt, size_t len, uint64_t now)
{
	struct wg_peer	*p;
	int		 i;

	lr->st.tx_packets++;
	for (i = 0; i < WG_MAX_PEERS; i++) {
		if ((p = lr->dev->peers[i]) == NULL || !p->from_hub)
			continue;
		wg_peer_send(lr->dev, p, pkt, len, now);
		lr->st.tx_copies++;
	}
}

void
lanrep_send(struct lanrep *lr, const uint8_t *pkt, size_t len, uint64_t now)
{
	struct wg_peer	*p;
	uint32_t	 i;

	switch (lan_classify(&lr->addrs, pkt, len)) {
	case LAN_NONE:
		lr->st.tx_unrouted++;
		return;
	case LAN_CONTROL:
		lr->st.tx_control++;
		return;
	case LAN_BCAST:
	case LAN_DBCAST:
	case LAN_MCAST4:
	case LAN_MCAST6:
		break;
	default:
		lr->st.tx_other++;
		return;
	}
	/* Receivers take such packets from our overlay addresses alone. */
	if (!lan_src_ours(&lr->addrs, pkt, len) || len > sizeof(lr->pkt)) {
		lr->st.tx_other++;
		return;
	}
	memcpy(lr->pkt, pkt, len);
	pkt = lr->pkt;
	if (lr->rogue) {
		rogue_send(lr, pkt, len, now);
		return;
	}
	if (lr->non == 0) {
		lr->st.tx_no_peer++;
		return;
	}
	if (!lan_bucket_take(&lr->self, lr->cost, lr->cap, now)) {
		lr->st.tx_rate++;
		return;
	}
	lr->st.tx_packets++;
	for (i = 0; i < lr->non; i++) {
		if ((p = wg_peer_by_id(lr->dev, lr->on[i])) == NULL)
			continue;
		wg_peer_send(lr->dev, p, pkt, len, now);
		lr->peers[lr->on[i] - lr->base].tx++;
		lr->st.tx_copies++;
	}
}

int
lanrep_accept(struct lanrep *lr, struct wg_peer *p, const uint8_t *pkt,
    size_t len, uint64_t now)
{
	struct lan_peer	*lp = slot(lr, p->id);
	int		 r;

	switch (lan_classify(&lr->addrs, pkt, len)) {
	case LAN_NONE:
		return 1;	/* unicast after all: as any packet */
	case LAN_BCAST:
	case LAN_DBCAST:
	case LAN_MCAST4:
	case LAN_MCAST6:
		r = WG_OK;
		break;
	case LAN_MALFORMED:
		r = WG_DROP_MALFORMED;
		break;
	default:
		r = WG_DROP_LAN_CONTROL;
		break;
	}
	if (lp == NULL || !lp->on)
		r = WG_DROP_LAN_OFF;	/* first: it may send none at all */
	if (r == WG_OK && !lan_bucket_take(&lp->bucket, lr->cost, lr->cap, now))
		r = WG_DROP_LAN_RATE;
	switch (r) {
	case WG_OK:
		lp->rx++;
		lr->st.rx_packets++;
		return 1;
	case WG_DROP_LAN_OFF:
		lr->st.rx_off++;
		break;
	case WG_DROP_LAN_RATE:
		lr->st.rx_rate++;
		break;
	case WG_DROP_LAN_CONTROL:
		lr->st.rx_control++;
		break;
	}
	p->st.drops[r]++;
	return 0;
}

void
lanrep_peer_info(const struct lanrep *lr, uint32_t id,
    struct ctl_peer_lan *out)
{
	memset(out, 0, sizeof(*out));
	if (id < lr->base || id - lr->base >= LAN_MAX_PEERS)
		return;
	out->on = lr->peers[id - lr->base].on;
	out->rx_packets = lr->peers[id - lr->base].rx;
	out->tx_packets = lr->peers[id - lr->base].tx;
}

void
lanrep_stats(const struct lanrep *lr, struct ctl_lan *out)
{
	*out = lr->st;
	out->peers = lr->non;
}
