/*
 * libFuzzer target: LAN classification and replication (daemon/lanclass.c,
 * daemon/lanrep.c) on whatever a program writes to the TUN device or a
 * peer sends.  The first 10 bytes choose the overlay (IPv4 address and
 * prefix length, the low bytes of the IPv6 one and its prefix length);
 * the rest is the packet.  Besides no crash and no access out of
 * bounds: the data path's cheap tests never miss what the classifier
 * calls the LAN's, a directed broadcast is only ever the pool's, the
 * packet goes to nobody but the peers broadcast flows with, at most
 * once each, and a refusal is always counted.  The same bytes go to the
 * Ethernet switch (daemon/l2sw.c), as a frame from the TAP device and as
 * a plaintext from a port and from a peer that is none: a frame reaches
 * the TAP device only whole, from its port's MAC, for us or a group, and
 * a refusal is counted.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "compat/bytes.h"
#include "daemon/l2sw.h"
#include "daemon/lanclass.h"
#include "daemon/lanrep.h"
#include "daemon/wg.h"
#include "daemon/wg_session.h"
#include "privsep/log.h"

int	LLVMFuzzerTestOneInput(const unsigned char *, size_t);

#define CHECK(c)	do { if (!(c)) abort(); } while (0)
#define BASE		0x40000000u
#define NPEERS		3

static struct wg_dev	*dev;
static struct lanrep	*lr;
static struct l2sw	*sw;
static size_t		 tapped, taplen;

static void
tap_write(void *arg, const uint8_t *frame, size_t len)
{
	tapped++;
	taplen = len;
}
static uint8_t		 buf[2048];

static uint8_t *
reserve(void *arg, uint32_t peer, uint16_t flags, const struct pkt_addr *to,
    size_t maxlen)
{
	return maxlen <= sizeof(buf) ? buf : NULL;
}

static void
commit(void *arg, size_t len)
{
}

static void
tun_write(void *arg, uint8_t *pkt, size_t len)
{
}

static void
endpoint(void *arg, uint32_t peer, const struct pkt_addr *a)
{
}

static void
quiet(int pri, const char *line)
{
}

/*
 * The device lives in sodium's guarded pages, where LSan looks for no
 * pointers: freed at exit, or what it holds would show as leaked.
 */
static void
fini(void)
{
	lanrep_free(lr);
	l2sw_free(sw);
	wg_dev_free(dev);
}

static void
init(void)
{
	const struct wg_io	 io = {
		.out_reserve = reserve,
		.out_commit = commit,
		.tun_write = tun_write,
		.endpoint = endpoint,
	};
	uint8_t			 k[32];
	uint32_t		 i;

	if (sodium_init() < 0)
		abort();
	log_set_sink(quiet);
	CHECK((dev = wg_dev_new(&io, 1420)) != NULL);
	randombytes_buf(k, sizeof(k));
	CHECK(wg_dev_set_key(dev, k) == 0);
	for (i = 0; i < NPEERS; i++) {
		randombytes_buf(k, sizeof(k));
		k[0] = (uint8_t)i;
		CHECK(wg_peer_set(dev, BASE + i, "p", k, NULL, 0, NULL, 0,
		    1) == 0);
		wg_peer_set_hub(wg_peer_by_id(dev, BASE + i));
	}
	CHECK((lr = lanrep_new(dev, BASE)) != NULL);
	lanrep_set_rate(lr, 1000000, 1000000);
	/* Peers 0 and 2 share a network with broadcast on; 1 does not. */
	lanrep_peer(lr, BASE + 0, 1);
	lanrep_peer(lr, BASE + 2, 1);
	/* Peer 0 is a port of the switch; 1 and 2 are not. */
	CHECK((sw = l2sw_new(dev, BASE, tap_write, NULL)) != NULL);
	l2sw_self(sw, dev->self.pub, 1420);
	l2sw_set_rate(sw, 1000000, 1000000);
	l2sw_peer(sw, BASE + 0, wg_peer_by_id(dev, BASE + 0)->pubkey, 1);
	(void)atexit(fini);
}

/* The switch's turn: the bytes as a frame out and a plaintext in. */
static void
l2_round(const uint8_t *pt, size_t len)
{
	static uint64_t	 t = 1000000000;
	struct wg_peer	*p;
	struct ctl_l2	 before, after;
	uint8_t		 mac[LAN_MAC_LEN];
	uint64_t	 drops;
	int		 i, r;

	l2sw_stats(sw, &before);
	l2sw_send(sw, pt, len, t);
	l2sw_stats(sw, &after);
	p = wg_peer_by_id(dev, BASE + 0);
	if (after.tx_frames != before.tx_frames) {
		CHECK(len >= L2_ETH_HDR && len <= sw->max_frame);
		CHECK(memcmp(pt + LAN_MAC_LEN, sw->mac, LAN_MAC_LEN) == 0);
		CHECK(p->nstaged == 1);
	}
	for (i = 0; i < NPEERS; i++) {
		p = wg_peer_by_id(dev, BASE + (uint32_t)i);
		if (i != 0)
			CHECK(p->nstaged == 0);
		wg_peer_clear_staged(p);
	}
	for (i = 0; i < 2; i++) {
		p = wg_peer_by_id(dev, BASE + (uint32_t)i);
		for (drops = 0, r = 0; r < WG_RESULT_MAX; r++)
			drops += p->st.drops[r];
		tapped = 0;
		l2sw_receive(sw, p, pt, len, t);
		for (r = 0; r < WG_RESULT_MAX; r++)
			drops -= p->st.drops[r];
		if (!tapped) {
			CHECK(drops == (uint64_t)-1);
			continue;
		}
		/* whole, from the port's own MAC, for us or a group */
		lan_mac_of(mac, p->pubkey);
		CHECK(i == 0 && drops == 0 && tapped == 1);
		CHECK(len >= L2_HDR_LEN + L2_ETH_HDR && pt[0] == L2_TYPE &&
		    taplen == get_be16(pt + 2) && taplen + L2_HDR_LEN <= len);
		CHECK(memcmp(pt + L2_HDR_LEN + LAN_MAC_LEN, mac,
		    LAN_MAC_LEN) == 0);
		CHECK((pt[L2_HDR_LEN] & 1) ||
		    memcmp(pt + L2_HDR_LEN, sw->mac, LAN_MAC_LEN) == 0);
	}
	t += 1000;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static uint64_t		 now = 1000000000;
	struct ctl_lan		 before, after;
	struct lan_addrs	 a;
	struct wg_peer		*p;
	uint8_t			 v6[16] = { 0xfd, 0x01 };
	const uint8_t		*pkt;
	enum lan_kind		 k;
	uint64_t		 drops;
	size_t			 len, i;
	int			 v, grp, took, staged[NPEERS];

	if (dev == NULL)
		init();
	if (size < 10 || size - 10 > WG_DATA_MAX_PLAIN)
		return 0;
	l2_round(data + 10, size - 10);
	memcpy(v6 + 12, data + 5, 4);
	lan_addrs_set(&a, data, data[4] % 33, v6, data[9]);
	lanrep_addrs(lr, data, data[4] % 33, v6, data[9]);
	pkt = data + 10;
	len = size - 10;

	k = lan_classify(&a, pkt, len);
	CHECK(k >= LAN_NONE && k < LAN_KIND_MAX);
	CHECK(lan_kind_str(k) != NULL);
	(void)lan_src_ours(&a, pkt, len);
	v = len >= 20 && (pkt[0] >> 4) == 4 ? 4 :
	    len >= 40 && (pkt[0] >> 4) == 6 ? 6 : 0;
	if (v == 0) {
		CHECK(k == LAN_NONE);
		return 0;
	}
	grp = lan_group(v == 6, pkt + (v == 6 ? 24 : 16));
	/* the cheap tests see all that is the LAN's */
	CHECK(!grp || (k != LAN_NONE && k != LAN_DBCAST));
	CHECK(grp || (k != LAN_BCAST && k != LAN_MCAST4 && k != LAN_MCAST6 &&
	    k != LAN_OTHER));
	CHECK(v != 6 || grp == (k != LAN_NONE));
	if (k != LAN_NONE)
		CHECK(lan_rx_maybe(pkt, dev->lan_bcast4));
	if (k == LAN_DBCAST)
		CHECK(v == 4 && a.have4 && memcmp(pkt + 16, a.bcast4, 4) == 0);

	/*
	 * out: held for peers 0 and 2 (no sessions here), never for 1, at
	 * most once each; or not sent, and counted once
	 */
	lanrep_stats(lr, &before);
	lanrep_send(lr, pkt, len, now);
	lanrep_stats(lr, &after);
	staged[0] = wg_peer_by_id(dev, BASE + 0)->nstaged;
	staged[1] = wg_peer_by_id(dev, BASE + 1)->nstaged;
	staged[2] = wg_peer_by_id(dev, BASE + 2)->nstaged;
	CHECK(staged[1] == 0);
	if (after.tx_packets != before.tx_packets) {
		CHECK(k == LAN_BCAST || k == LAN_DBCAST || k == LAN_MCAST4 ||
		    k == LAN_MCAST6);
		CHECK(after.tx_copies - before.tx_copies == 2);
		CHECK(staged[0] == 1 && staged[2] == 1);
	} else {
		CHECK(staged[0] == 0 && staged[2] == 0);
		CHECK(after.tx_unrouted + after.tx_control + after.tx_other +
		    after.tx_no_peer + after.tx_rate == before.tx_unrouted +
		    before.tx_control + before.tx_other + before.tx_no_peer +
		    before.tx_rate + 1);
	}
	for (i = 0; i < NPEERS; i++)
		wg_peer_clear_staged(wg_peer_by_id(dev, BASE + (uint32_t)i));

	/* in: from each peer, taken only from those it flows with */
	if (k == LAN_NONE)
		return 0;
	for (i = 0; i < NPEERS; i++) {
		p = wg_peer_by_id(dev, BASE + (uint32_t)i);
		for (drops = 0, v = 0; v < WG_RESULT_MAX; v++)
			drops += p->st.drops[v];
		took = lanrep_accept(lr, p, pkt, len, now);
		if (i == 1)
			CHECK(!took && p->st.drops[WG_DROP_LAN_OFF] > 0);
		if (took)
			CHECK(k == LAN_BCAST || k == LAN_DBCAST ||
			    k == LAN_MCAST4 || k == LAN_MCAST6);
		for (v = 0; v < WG_RESULT_MAX; v++)
			drops -= p->st.drops[v];
		CHECK(took ? drops == 0 : drops == (uint64_t)-1);
	}
	now += 1000;
	return 0;
}
