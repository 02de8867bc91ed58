/*
 * Broadcast and multicast among members (daemon/lanclass.c,
 * daemon/lanrep.c): which packets are a LAN's and which belong to the
 * link alone, replication to exactly the peers broadcast flows with,
 * once each, the token buckets on both sides, what a peer may send us,
 * and the whole way through two WireGuard devices (tests/unit/wgpair.h).
 */
#include "autoconf.h"

#include <check.h>
#include <stdlib.h>

#include "tests/unit/wgpair.h"
#include "daemon/l2sw.h"
#include "daemon/lanclass.h"
#include "daemon/lanrep.h"
#include "daemon/wg_session.h"

#define BASE		PEER_ID		/* hub peer ids start here */
#define MS		UINT64_C(1000000)

static const uint8_t	 me4[4] = { 100, 64, 0, 1 };
static const uint8_t	 me6[16] = { 0xfd, 0x12, 0x34, 0x56, 0, 0, 0, 0,
				    0, 0, 0, 0, 0, 0, 0, 1 };
static struct lan_addrs	 la;

/* ---- packets ------------------------------------------------------------ */

/* An IPv4 packet of len bytes, protocol proto, from src to dst. */
static size_t
pkt4(uint8_t *p, size_t len, const uint8_t src[4], uint8_t d0, uint8_t d1,
    uint8_t d2, uint8_t d3, uint8_t proto)
{
	memset(p, 0, len);
	p[0] = 0x45;
	put_be16(p + 2, (uint16_t)len);
	p[8] = 1;
	p[9] = proto;
	memcpy(p + 12, src, 4);
	p[16] = d0;
	p[17] = d1;
	p[18] = d2;
	p[19] = d3;
	return len;
}

/* An IPv6 packet: next header nh, then plen payload bytes (zero). */
static size_t
pkt6(uint8_t *p, const uint8_t src[16], const char *dst, uint8_t nh,
    size_t plen)
{
	memset(p, 0, 40 + plen);
	p[0] = 0x60;
	put_be16(p + 4, (uint16_t)plen);
	p[6] = nh;
	p[7] = 1;
	memcpy(p + 8, src, 16);
	ck_assert_int_eq(inet_pton(AF_INET6, dst, p + 24), 1);
	return 40 + plen;
}

static enum lan_kind
kind(const uint8_t *p, size_t len)
{
	return lan_classify(&la, p, len);
}

static void
lan_setup(void)
{
	lan_addrs_set(&la, me4, 10, me6, 64);
}

/* ---- classification ----------------------------------------------------- */

START_TEST(test_addrs)
{
	struct lan_addrs	 x;
	uint8_t			 v4[4] = { 192, 168, 7, 9 };

	ck_assert(la.have4 && la.have6);
	ck_assert_mem_eq(la.bcast4, "\x64\x7f\xff\xff", 4);
	ck_assert_mem_eq(la.ll6, "\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	lan_addrs_set(&x, v4, 24, NULL, 0);
	ck_assert(x.have4 && !x.have6);
	ck_assert_mem_eq(x.bcast4, "\xc0\xa8\x07\xff", 4);
	lan_addrs_set(&x, v4, 30, me6, 124);
	ck_assert_mem_eq(x.bcast4, "\xc0\xa8\x07\x0b", 4);
	ck_assert(x.have6);
	/* /31 and /32 have no broadcast address; /0 is no pool */
	lan_addrs_set(&x, v4, 31, me6, 125);
	ck_assert(!x.have4 && !x.have6);
	ck_assert(sodium_is_zero(x.bcast4, 4));
	lan_addrs_set(&x, v4, 0, me6, 0);
	ck_assert(!x.have4 && !x.have6);
}
END_TEST

START_TEST(test_classify4)
{
	uint8_t		 p[128];
	static const uint8_t other[4] = { 100, 64, 0, 2 };

	ck_assert_int_eq(kind(p, pkt4(p, 28, me4, 255, 255, 255, 255, 17)),
	    LAN_BCAST);
	ck_assert_int_eq(kind(p, pkt4(p, 28, me4, 100, 127, 255, 255, 17)),
	    LAN_DBCAST);
	ck_assert_int_eq(kind(p, pkt4(p, 28, me4, 224, 0, 0, 251, 17)),
	    LAN_MCAST4);
	ck_assert_int_eq(kind(p, pkt4(p, 28, me4, 239, 255, 255, 250, 17)),
	    LAN_MCAST4);
	ck_assert_int_eq(kind(p, pkt4(p, 32, me4, 224, 0, 0, 22, 2)),
	    LAN_CONTROL);			/* IGMPv3 report */
	ck_assert_int_eq(kind(p, pkt4(p, 28, me4, 240, 0, 0, 1, 17)),
	    LAN_OTHER);
	ck_assert_int_eq(kind(p, pkt4(p, 28, me4, 100, 64, 0, 2, 17)),
	    LAN_NONE);
	ck_assert_int_eq(kind(p, pkt4(p, 28, me4, 10, 0, 0, 255, 17)),
	    LAN_NONE);
	/* the header must hold together */
	pkt4(p, 28, me4, 255, 255, 255, 255, 17);
	p[0] = 0x44;
	ck_assert_int_eq(kind(p, 28), LAN_MALFORMED);
	p[0] = 0x4f;				/* 60 bytes of header */
	ck_assert_int_eq(kind(p, 28), LAN_MALFORMED);
	pkt4(p, 28, me4, 224, 0, 0, 1, 17);
	ck_assert_int_eq(kind(p, 27), LAN_MALFORMED);
	ck_assert_int_eq(kind(p, 19), LAN_NONE);	/* not even IPv4 */
	p[0] = 0x55;
	ck_assert_int_eq(kind(p, 28), LAN_NONE);
	/* without an overlay, no directed broadcast */
	memset(&la, 0, sizeof(la));
	ck_assert_int_eq(kind(p, pkt4(p, 28, me4, 100, 127, 255, 255, 17)),
	    LAN_NONE);
	/* whose source */
	lan_setup();
	ck_assert(lan_src_ours(&la, p, 28));
	pkt4(p, 28, other, 255, 255, 255, 255, 17);
	ck_assert(!lan_src_ours(&la, p, 28));
}
END_TEST

START_TEST(test_classify6)
{
	uint8_t		 p[256], other[16];

	ck_assert_int_eq(kind(p, pkt6(p, me6, "ff02::fb", 17, 8)),
	    LAN_MCAST6);
	ck_assert_int_eq(kind(p, pkt6(p, me6, "ff05::c", 17, 8)),
	    LAN_MCAST6);
	ck_assert_int_eq(kind(p, pkt6(p, me6, "ff0e::1", 17, 8)),
	    LAN_MCAST6);
	ck_assert_int_eq(kind(p, pkt6(p, me6, "ff01::1", 17, 8)),
	    LAN_OTHER);
	ck_assert_int_eq(kind(p, pkt6(p, me6, "ff00::1", 17, 8)),
	    LAN_OTHER);
	ck_assert_int_eq(kind(p, pkt6(p, me6, "ff0f::1", 17, 8)),
	    LAN_OTHER);
	ck_assert_int_eq(kind(p, pkt6(p, me6, "fd12:3456::2", 17, 8)),
	    LAN_NONE);
	/* an echo request to all nodes is data; ND and RS are not */
	pkt6(p, me6, "ff02::1", 58, 8);
	p[40] = 128;
	ck_assert_int_eq(kind(p, 48), LAN_MCAST6);
	p[40] = 135;
	ck_assert_int_eq(kind(p, 48), LAN_CONTROL);
	p[40] = 133;
	ck_assert_int_eq(kind(p, 48), LAN_CONTROL);
	/* an MLDv2 report behind its hop-by-hop router alert */
	pkt6(p, me6, "ff02::16", 0, 8 + 8);
	p[40] = 58;
	p[41] = 0;
	p[48] = 143;
	ck_assert_int_eq(kind(p, 56), LAN_CONTROL);
	p[41] = 1;				/* the options run past the end */
	ck_assert_int_eq(kind(p, 56), LAN_MALFORMED);
	/* fragments: the first shows its protocol, a later one does not */
	pkt6(p, me6, "ff02::16", 44, 8 + 8);
	p[40] = 58;
	p[48] = 131;
	ck_assert_int_eq(kind(p, 56), LAN_CONTROL);
	put_be16(p + 42, 8 << 3);
	ck_assert_int_eq(kind(p, 56), LAN_MCAST6);
	/* lengths */
	pkt6(p, me6, "ff02::fb", 17, 8);
	ck_assert_int_eq(kind(p, 47), LAN_MALFORMED);
	ck_assert_int_eq(kind(p, 39), LAN_NONE);
	pkt6(p, me6, "ff02::1", 58, 0);
	ck_assert_int_eq(kind(p, 40), LAN_MALFORMED);	/* no ICMP type */
	/* eight extension headers and no end: data, not a hang */
	pkt6(p, me6, "ff02::1", 60, 8 * 9);
	for (int i = 0; i < 9; i++)
		p[40 + 8 * i] = 60;
	ck_assert_int_eq(kind(p, 40 + 8 * 9), LAN_MCAST6);
	/* whose source: the overlay address or our link-local one */
	pkt6(p, me6, "ff02::fb", 17, 8);
	ck_assert(lan_src_ours(&la, p, 48));
	memcpy(p + 8, la.ll6, 16);
	ck_assert(lan_src_ours(&la, p, 48));
	memcpy(other, me6, 16);
	other[15] = 2;
	memcpy(p + 8, other, 16);
	ck_assert(!lan_src_ours(&la, p, 48));
	lan_link_local(other, other);
	memcpy(p + 8, other, 16);
	ck_assert(!lan_src_ours(&la, p, 48));
}
END_TEST

START_TEST(test_cheap_tests)
{
	uint8_t		 p[64];

	pkt4(p, 28, me4, 224, 0, 0, 251, 17);
	ck_assert(lan_group(0, p + 16) && lan_rx_maybe(p, la.bcast4));
	pkt4(p, 28, me4, 100, 127, 255, 255, 17);
	ck_assert(!lan_group(0, p + 16) && lan_rx_maybe(p, la.bcast4));
	pkt4(p, 28, me4, 100, 64, 0, 2, 17);
	ck_assert(!lan_group(0, p + 16) && !lan_rx_maybe(p, la.bcast4));
	pkt6(p, me6, "ff02::fb", 17, 8);
	ck_assert(lan_group(1, p + 24) && lan_rx_maybe(p, la.bcast4));
	pkt6(p, me6, "fe80::1", 17, 8);
	ck_assert(!lan_group(1, p + 24) && !lan_rx_maybe(p, la.bcast4));
	ck_assert_str_eq(lan_kind_str(LAN_BCAST), "broadcast");
	ck_assert_str_eq(lan_kind_str(LAN_KIND_MAX), "unknown");
	ck_assert_str_eq(lan_kind_str(-1), "unknown");
}
END_TEST

/* ---- replication: one device, hub peers without sessions ------------------ */

#define NPEERS		6

static struct lanrep	*lr;
static int		 reserved;

static uint8_t *
r_reserve(void *arg, uint32_t peer, uint16_t flags, const struct pkt_addr *to,
    size_t maxlen)
{
	static uint8_t	 buf[2048];

	reserved++;
	return buf;
}

static void
r_commit(void *arg, size_t len)
{
}

static void
rep_setup(void)
{
	const struct wg_io	 io = {
		.out_reserve = r_reserve,
		.out_commit = r_commit,
		.tun_write = t_tun_write,
		.endpoint = t_endpoint,
	};
	struct ip_prefix	 allowed;
	uint8_t			 priv[32], pub[32];
	int			 i;

	ck_assert_int_ge(sodium_init(), 0);
	log_set_sink(quiet);
	lan_setup();
	ck_assert_ptr_nonnull(a.dev = wg_dev_new(&io, 1420));
	randombytes_buf(priv, sizeof(priv));
	ck_assert_int_eq(wg_dev_set_key(a.dev, priv), 0);
	for (i = 0; i < NPEERS; i++) {
		randombytes_buf(priv, sizeof(priv));
		ck_assert_int_eq(crypto_scalarmult_base(pub, priv), 0);
		memset(&allowed, 0, sizeof(allowed));
		allowed.af = AF_INET;
		allowed.plen = 32;
		memcpy(&allowed.addr.v4, me4, 4);
		((uint8_t *)&allowed.addr.v4)[3] = (uint8_t)(10 + i);
		ck_assert_int_eq(wg_peer_set(a.dev, BASE + (uint32_t)i, "p",
		    pub, NULL, 0, &allowed, 1, 1), 0);
		wg_peer_set_hub(wg_peer_by_id(a.dev, BASE + (uint32_t)i));
	}
	ck_assert_ptr_nonnull(lr = lanrep_new(a.dev, BASE));
	lanrep_addrs(lr, me4, 10, me6, 64);
	reserved = 0;
	now = 1000 * SEC;
}

static void
rep_teardown(void)
{
	lanrep_free(lr);
	wg_dev_free(a.dev);
	log_set_sink(NULL);
}

/* Packets each peer holds for a session: what replication gave it. */
static int
staged(int i)
{
	return wg_peer_by_id(a.dev, BASE + (uint32_t)i)->nstaged;
}

static void
assert_staged(const int *want)
{
	int	 i;

	for (i = 0; i < NPEERS; i++)
		ck_assert_msg(staged(i) == want[i], "peer %d holds %d, want %d",
		    i, staged(i), want[i]);
}

START_TEST(test_replicate)
{
	struct ctl_lan		 st;
	struct ctl_peer_lan	 pl;
	uint8_t			 p[64];
	const int		 none[NPEERS] = { 0 };
	const int		 once[NPEERS] = { 1, 0, 1, 1, 0, 0 };
	const int		 twice[NPEERS] = { 2, 0, 1, 2, 0, 0 };
	static const uint8_t	 foreign[4] = { 100, 64, 0, 99 };

	pkt4(p, 28, me4, 255, 255, 255, 255, 17);
	lanrep_send(lr, p, 28, now);
	assert_staged(none);
	lanrep_stats(lr, &st);
	ck_assert_uint_eq(st.tx_no_peer, 1);

	lanrep_peer(lr, BASE + 0, 1);
	lanrep_peer(lr, BASE + 2, 1);
	lanrep_peer(lr, BASE + 3, 1);
	lanrep_peer(lr, BASE + 3, 1);		/* twice is once */
	lanrep_peer(lr, 1, 1);			/* not a hub peer */
	lanrep_peer(lr, BASE + LAN_MAX_PEERS, 1);
	lanrep_stats(lr, &st);
	ck_assert_uint_eq(st.peers, 3);
	lanrep_send(lr, p, 28, now);
	assert_staged(once);
	ck_assert_int_gt(reserved, 0);		/* handshakes started */
	lanrep_stats(lr, &st);
	ck_assert_uint_eq(st.tx_packets, 1);
	ck_assert_uint_eq(st.tx_copies, 3);

	/* what is not the LAN's goes to nobody */
	lanrep_send(lr, p, pkt4(p, 28, me4, 100, 64, 0, 99, 17), now);
	lanrep_send(lr, p, pkt4(p, 32, me4, 224, 0, 0, 22, 2), now);
	lanrep_send(lr, p, pkt4(p, 28, me4, 240, 1, 2, 3, 17), now);
	lanrep_send(lr, p, pkt4(p, 28, foreign, 255, 255, 255, 255, 17), now);
	assert_staged(once);
	lanrep_stats(lr, &st);
	ck_assert_uint_eq(st.tx_unrouted, 1);
	ck_assert_uint_eq(st.tx_control, 1);
	ck_assert_uint_eq(st.tx_other, 2);

	/* off in the middle of the list: the rest stay */
	lanrep_peer(lr, BASE + 2, 0);
	lanrep_send(lr, p, pkt6(p, la.ll6, "ff02::fb", 17, 8), now);
	assert_staged(twice);
	lanrep_peer_info(lr, BASE + 0, &pl);
	ck_assert(pl.on && pl.tx_packets == 2 && pl.rx_packets == 0);
	lanrep_peer_info(lr, BASE + 2, &pl);
	ck_assert(!pl.on && pl.tx_packets == 1);
	lanrep_peer_gone(lr, BASE + 2);
	lanrep_peer_info(lr, BASE + 2, &pl);
	ck_assert(!pl.on && pl.tx_packets == 0);
	lanrep_peer_gone(lr, BASE + 0);
	lanrep_peer_gone(lr, BASE + 3);
	lanrep_stats(lr, &st);
	ck_assert_uint_eq(st.peers, 0);
	lanrep_peer_info(lr, 3, &pl);		/* a static peer */
	ck_assert(!pl.on && pl.tx_packets == 0);
}
END_TEST

/* Each peer's turn on and off, in every order: the set stays exact. */
START_TEST(test_replicate_set)
{
	uint8_t		 p[64];
	int		 want[NPEERS], step, i, on[NPEERS];
	uint32_t	 r = 12345;

	memset(on, 0, sizeof(on));
	memset(want, 0, sizeof(want));
	lanrep_set_rate(lr, 1000000, 1000000);
	pkt4(p, 28, me4, 224, 1, 2, 3, 17);
	for (step = 0; step < 40; step++) {
		r = r * 1103515245 + 12345;
		i = (int)((r >> 16) % NPEERS);
		on[i] = !on[i];
		lanrep_peer(lr, BASE + (uint32_t)i, on[i]);
		lanrep_send(lr, p, 28, now);
		for (i = 0; i < NPEERS; i++)
			if (on[i] && want[i] < WG_MAX_STAGED)
				want[i]++;
		assert_staged(want);
	}
}
END_TEST

START_TEST(test_rate_send)
{
	struct ctl_lan	 st;
	uint8_t		 p[64];
	int		 i;

	lanrep_set_rate(lr, 10, 5);
	lanrep_peer(lr, BASE + 1, 1);
	pkt4(p, 28, me4, 255, 255, 255, 255, 17);
	for (i = 0; i < 20; i++)
		lanrep_send(lr, p, 28, now);
	lanrep_stats(lr, &st);
	ck_assert_uint_eq(st.tx_packets, 5);	/* the burst */
	ck_assert_uint_eq(st.tx_rate, 15);
	ck_assert_uint_eq(st.rate, 10);
	ck_assert_uint_eq(st.burst, 5);
	/* 10 a second: one more after 100 ms, none before */
	lanrep_send(lr, p, 28, now + 99 * MS);
	lanrep_send(lr, p, 28, now + 100 * MS);
	lanrep_send(lr, p, 28, now + 101 * MS);
	lanrep_stats(lr, &st);
	ck_assert_uint_eq(st.tx_packets, 6);
	/* a long pause fills the bucket, never past its size */
	now += 3600 * SEC;
	for (i = 0; i < 20; i++)
		lanrep_send(lr, p, 28, now);
	lanrep_stats(lr, &st);
	ck_assert_uint_eq(st.tx_packets, 11);
	ck_assert_uint_eq(staged(1), 11);
	/* the test hook's rogue sends to every hub peer, past any limit */
	lr->rogue = 1;
	lanrep_send(lr, p, 28, now);
	ck_assert_int_eq(staged(0), 1);
	ck_assert_int_eq(staged(1), 12);
	ck_assert_int_eq(staged(5), 1);
}
END_TEST

START_TEST(test_accept)
{
	struct wg_peer		*hub = wg_peer_by_id(a.dev, BASE + 4);
	struct wg_peer		 file;
	struct ctl_lan		 st;
	struct ctl_peer_lan	 pl;
	uint8_t			 p[64];
	int			 i, took;

	memset(&file, 0, sizeof(file));
	file.id = 3;				/* a peer of hamd.conf */
	pkt4(p, 28, me4, 255, 255, 255, 255, 17);
	ck_assert_int_eq(lanrep_accept(lr, &file, p, 28, now), 0);
	ck_assert_uint_eq(file.st.drops[WG_DROP_LAN_OFF], 1);
	ck_assert_int_eq(lanrep_accept(lr, hub, p, 28, now), 0);
	ck_assert_uint_eq(hub->st.drops[WG_DROP_LAN_OFF], 1);
	/* unicast after all (the cheap test's false alarm): as any packet */
	ck_assert_int_eq(lanrep_accept(lr, &file, p, pkt4(p, 28, me4, 100, 64,
	    0, 1, 17), now), 1);

	lanrep_set_rate(lr, 10, 5);
	lanrep_peer(lr, BASE + 4, 1);
	pkt6(p, me6, "ff02::fb", 17, 8);
	for (took = 0, i = 0; i < 8; i++)
		took += lanrep_accept(lr, hub, p, 48, now);
	ck_assert_int_eq(took, 5);
	ck_assert_uint_eq(hub->st.drops[WG_DROP_LAN_RATE], 3);
	ck_assert_int_eq(lanrep_accept(lr, hub, p, 48, now + 100 * MS), 1);
	/* the link's own business, and broken headers */
	pkt6(p, me6, "ff02::1", 58, 8);
	p[40] = 136;
	ck_assert_int_eq(lanrep_accept(lr, hub, p, 48, now + SEC), 0);
	ck_assert_uint_eq(hub->st.drops[WG_DROP_LAN_CONTROL], 1);
	ck_assert_int_eq(lanrep_accept(lr, hub, p, 47, now + SEC), 0);
	ck_assert_uint_eq(hub->st.drops[WG_DROP_MALFORMED], 1);
	ck_assert_int_eq(lanrep_accept(lr, hub, p, pkt4(p, 28, me4, 250, 0,
	    0, 1, 17), now + SEC), 0);
	ck_assert_uint_eq(hub->st.drops[WG_DROP_LAN_CONTROL], 2);
	lanrep_stats(lr, &st);
	ck_assert_uint_eq(st.rx_packets, 6);
	ck_assert_uint_eq(st.rx_off, 2);
	ck_assert_uint_eq(st.rx_rate, 3);
	ck_assert_uint_eq(st.rx_control, 2);
	lanrep_peer_info(lr, BASE + 4, &pl);
	ck_assert(pl.on && pl.rx_packets == 6);
	/* a peer's bucket is its own; turned on again, it starts full */
	lanrep_peer(lr, BASE + 4, 0);
	lanrep_peer(lr, BASE + 4, 1);
	pkt4(p, 28, me4, 224, 0, 0, 251, 17);
	for (took = 0, i = 0; i < 8; i++)
		took += lanrep_accept(lr, hub, p, 28, now + SEC);
	ck_assert_int_eq(took, 5);
}
END_TEST

/* ---- Ethernet: the switch ------------------------------------------------ */

static int		 tapped;
static uint8_t		 tapbuf[2048];
static size_t		 taplen;

static void
tap_w(void *arg, const uint8_t *frame, size_t len)
{
	tapped++;
	taplen = len;
	memcpy(tapbuf, frame, len < sizeof(tapbuf) ? len : sizeof(tapbuf));
}

/* A frame of len bytes from src to dst, type 0x8137 (IPX). */
static size_t
frame(uint8_t *f, size_t len, const uint8_t *dst, const uint8_t *src)
{
	memset(f, 0x5a, len);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x81;
	f[13] = 0x37;
	return len;
}

/* What a peer would send: the 4-byte header, then the frame. */
static size_t
wire(uint8_t *w, const uint8_t *f, size_t len)
{
	w[0] = L2_TYPE;
	w[1] = 0;
	put_be16(w + 2, (uint16_t)len);
	memcpy(w + L2_HDR_LEN, f, len);
	return len + L2_HDR_LEN;
}

static const uint8_t	 bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

START_TEST(test_l2_send)
{
	struct l2sw	*sw;
	struct ctl_l2	 st;
	struct wg_peer	*p0 = wg_peer_by_id(a.dev, BASE + 0);
	struct wg_peer	*p1 = wg_peer_by_id(a.dev, BASE + 1);
	uint8_t		 f[1600], m0[6], m1[6], other[6] = { 2, 1, 2, 3, 4, 5 };
	size_t		 len;

	ck_assert_ptr_nonnull(sw = l2sw_new(a.dev, BASE, tap_w, NULL));
	l2sw_self(sw, a.dev->self.pub, 1420);
	lan_mac_of(m0, p0->pubkey);
	lan_mac_of(m1, p1->pubkey);
	ck_assert((sw->mac[0] & 3) == 2 && (m0[0] & 3) == 2);
	ck_assert(memcmp(m0, m1, 6) != 0);
	/* no ports yet */
	l2sw_send(sw, f, frame(f, 60, bcast, sw->mac), now);
	l2sw_peer(sw, BASE + 0, p0->pubkey, 1);
	l2sw_peer(sw, BASE + 1, p1->pubkey, 1);
	l2sw_peer(sw, 5, p1->pubkey, 1);		/* no hub peer */
	/* a group frame to every port, once, behind its header */
	l2sw_send(sw, f, frame(f, 60, bcast, sw->mac), now);
	ck_assert_int_eq(p0->nstaged, 1);
	ck_assert_int_eq(p1->nstaged, 1);
	ck_assert_int_eq(staged(2), 0);
	ck_assert_uint_eq(p0->staged[0]->len, 64);
	ck_assert_int_eq(p0->staged[0]->data[0], L2_TYPE);
	ck_assert_int_eq(get_be16(p0->staged[0]->data + 2), 60);
	ck_assert_mem_eq(p0->staged[0]->data + L2_HDR_LEN, f, 60);
	/* unicast to its owner alone */
	l2sw_send(sw, f, frame(f, 100, m1, sw->mac), now);
	ck_assert_int_eq(p0->nstaged, 1);
	ck_assert_int_eq(p1->nstaged, 2);
	/* refused: nobody's MAC, not ours, too large, too short */
	l2sw_send(sw, f, frame(f, 60, other, sw->mac), now);
	l2sw_send(sw, f, frame(f, 60, bcast, m0), now);
	l2sw_send(sw, f, frame(f, 1417, bcast, sw->mac), now);
	len = frame(f, 1416, bcast, sw->mac);
	l2sw_send(sw, f, len, now);		/* fits exactly */
	l2sw_send(sw, f, 13, now);
	l2sw_stats(sw, &st);
	ck_assert_uint_eq(st.ports, 2);
	ck_assert_uint_eq(st.tx_frames, 3);
	ck_assert_uint_eq(st.tx_copies, 5);
	ck_assert_uint_eq(st.tx_unknown, 2);
	ck_assert_uint_eq(st.tx_source, 1);
	ck_assert_uint_eq(st.tx_oversize, 1);
	/* group frames keep to the rate */
	wg_peer_clear_staged(p0);
	l2sw_set_rate(sw, 10, 3);
	sw->self.last = 0;
	for (len = 0; len < 10; len++)
		l2sw_send(sw, f, frame(f, 60, bcast, sw->mac), now);
	ck_assert_int_eq(p0->nstaged, 3);
	l2sw_peer_gone(sw, BASE + 0);
	l2sw_peer_gone(sw, BASE + 1);
	l2sw_stats(sw, &st);
	ck_assert_uint_eq(st.ports, 0);
	l2sw_free(sw);
}
END_TEST

START_TEST(test_l2_receive)
{
	struct l2sw		*sw;
	struct ctl_l2		 st;
	struct ctl_peer_lan	 pl;
	struct wg_peer		*p0 = wg_peer_by_id(a.dev, BASE + 0);
	struct wg_peer		*p3 = wg_peer_by_id(a.dev, BASE + 3);
	uint8_t			 f[256], w[260], m0[6], m3[6];
	uint8_t			 other[6] = { 2, 1, 2, 3, 4, 5 };
	size_t			 len;
	int			 i;

	ck_assert_ptr_nonnull(sw = l2sw_new(a.dev, BASE, tap_w, NULL));
	l2sw_self(sw, a.dev->self.pub, 1420);
	lan_mac_of(m0, p0->pubkey);
	lan_mac_of(m3, p3->pubkey);
	l2sw_peer(sw, BASE + 0, p0->pubkey, 1);
	tapped = 0;
	/* for us, from its own MAC: written as it came */
	len = wire(w, f, frame(f, 80, sw->mac, m0));
	l2sw_receive(sw, p0, w, len + 12, now);	/* the message's padding */
	ck_assert_int_eq(tapped, 1);
	ck_assert_uint_eq(taplen, 80);
	ck_assert_mem_eq(tapbuf, f, 80);
	l2sw_receive(sw, p0, w, wire(w, f, frame(f, 60, bcast, m0)), now);
	ck_assert_int_eq(tapped, 2);
	/* a forged source, another's destination, a peer not a port */
	l2sw_receive(sw, p0, w, wire(w, f, frame(f, 60, bcast, m3)), now);
	l2sw_receive(sw, p0, w, wire(w, f, frame(f, 60, other, m0)), now);
	l2sw_receive(sw, p3, w, wire(w, f, frame(f, 60, bcast, m3)), now);
	ck_assert_int_eq(tapped, 2);
	ck_assert_uint_eq(p0->st.drops[WG_DROP_L2_SOURCE], 1);
	ck_assert_uint_eq(p0->st.drops[WG_DROP_L2_DEST], 1);
	ck_assert_uint_eq(p3->st.drops[WG_DROP_L2_OFF], 1);
	/* broken headers */
	len = wire(w, f, frame(f, 60, bcast, m0));
	w[0] = 0xe1;
	l2sw_receive(sw, p0, w, len, now);
	w[0] = L2_TYPE;
	w[1] = 1;
	l2sw_receive(sw, p0, w, len, now);
	w[1] = 0;
	l2sw_receive(sw, p0, w, len - 1, now);	/* shorter than it says */
	put_be16(w + 2, 13);
	l2sw_receive(sw, p0, w, len, now);
	l2sw_receive(sw, p0, w, 3, now);
	ck_assert_uint_eq(p0->st.drops[WG_DROP_MALFORMED], 5);
	ck_assert_int_eq(tapped, 2);
	/* a port's group frames keep to its rate */
	l2sw_set_rate(sw, 10, 4);
	l2sw_peer(sw, BASE + 0, p0->pubkey, 0);
	l2sw_peer(sw, BASE + 0, p0->pubkey, 1);
	len = wire(w, f, frame(f, 60, bcast, m0));
	for (i = 0; i < 10; i++)
		l2sw_receive(sw, p0, w, len, now);
	ck_assert_int_eq(tapped, 6);
	ck_assert_uint_eq(p0->st.drops[WG_DROP_LAN_RATE], 6);
	l2sw_stats(sw, &st);
	ck_assert_uint_eq(st.rx_frames, 6);
	ck_assert_uint_eq(st.rx_source, 1);
	ck_assert_uint_eq(st.rx_dest, 1);
	ck_assert_uint_eq(st.rx_off, 1);
	ck_assert_uint_eq(st.rx_malformed, 5);
	ck_assert_uint_eq(st.rx_rate, 6);
	memset(&pl, 0, sizeof(pl));
	l2sw_peer_info(sw, BASE + 0, &pl);
	ck_assert(pl.eth && pl.rx_frames == 6);
	l2sw_free(sw);
}
END_TEST

/* ---- through two devices ------------------------------------------------ */

static struct lanrep	*lra, *lrb;
static struct l2sw	*swa, *swb;

static void
e_frame_in(void *arg, struct wg_peer *p, const uint8_t *pt, size_t len,
    uint64_t t)
{
	l2sw_receive(arg == &a ? swa : swb, p, pt, len, t);
}

static void
e_lan_out(void *arg, const uint8_t *pkt, size_t len, uint64_t t)
{
	lanrep_send(arg == &a ? lra : lrb, pkt, len, t);
}

static int
e_lan_in(void *arg, struct wg_peer *p, const uint8_t *pkt, size_t len,
    uint64_t t)
{
	return lanrep_accept(arg == &a ? lra : lrb, p, pkt, len, t);
}

static void
e2e_setup(void)
{
	setup();
	a.dev->io.lan_out = b.dev->io.lan_out = e_lan_out;
	a.dev->io.lan_in = b.dev->io.lan_in = e_lan_in;
	a.dev->io.frame_in = b.dev->io.frame_in = e_frame_in;
	introduce(&a, &b, NULL);
	introduce(&b, &a, NULL);
	ck_assert_ptr_nonnull(lra = lanrep_new(a.dev, BASE));
	ck_assert_ptr_nonnull(lrb = lanrep_new(b.dev, BASE));
	lanrep_addrs(lra, a.overlay, 24, NULL, 0);
	lanrep_addrs(lrb, b.overlay, 24, NULL, 0);
	ck_assert_ptr_nonnull(swa = l2sw_new(a.dev, BASE, tap_w, NULL));
	ck_assert_ptr_nonnull(swb = l2sw_new(b.dev, BASE, tap_w, NULL));
	l2sw_self(swa, a.pub, 1420);
	l2sw_self(swb, b.pub, 1420);
}

static void
e2e_teardown(void)
{
	lanrep_free(lra);
	lanrep_free(lrb);
	l2sw_free(swa);
	l2sw_free(swb);
	teardown();
}

/* A datagram from s to dst, into s's device. */
static void
send_to(struct side *s, uint8_t d0, uint8_t d1, uint8_t d2, uint8_t d3)
{
	uint8_t	 p[28];

	pkt4(p, sizeof(p), s->overlay, d0, d1, d2, d3, 17);
	wg_send_packet(s->dev, p, sizeof(p), now);
}

START_TEST(test_through)
{
	uint8_t		 f[128];

	/* broadcast flows both ways: a's is held for the handshake */
	lanrep_peer(lra, PEER_ID, 1);
	lanrep_peer(lrb, PEER_ID, 1);
	send_to(&a, 255, 255, 255, 255);
	ck_assert_int_eq(deliver(&a, &b), 1);		/* initiation */
	ck_assert_int_eq(deliver(&b, &a), 1);		/* response */
	ck_assert_int_eq(deliver(&a, &b), 1);		/* the broadcast */
	ck_assert_int_eq(b.tun_writes, 1);
	send_to(&b, 10, 0, 0, 255);			/* b's directed one */
	send_to(&b, 224, 0, 0, 251);
	ck_assert_int_eq(deliver(&b, &a), 2);
	ck_assert_int_eq(a.tun_writes, 2);
	/* unicast goes by allowed IPs as ever, LAN or not */
	send_ping(&a, &b);
	ck_assert_int_eq(deliver(&a, &b), 1);
	ck_assert_int_eq(b.tun_writes, 2);

	/* b says no: a's broadcast is refused and counted */
	lanrep_peer(lrb, PEER_ID, 0);
	send_to(&a, 255, 255, 255, 255);
	ck_assert_int_eq(deliver(&a, &b), 1);
	ck_assert_int_eq(b.tun_writes, 2);
	ck_assert_uint_eq(peer_of(&b)->st.drops[WG_DROP_LAN_OFF], 1);
	/* and a says no: nothing leaves it at all */
	lanrep_peer(lra, PEER_ID, 0);
	send_to(&a, 255, 255, 255, 255);
	ck_assert_int_eq(a.nq, 0);

	/* an Ethernet frame: a's switch to b's, and its TAP device */
	tapped = 0;
	l2sw_peer(swa, PEER_ID, b.pub, 1);
	l2sw_peer(swb, PEER_ID, a.pub, 1);
	l2sw_send(swa, f, frame(f, 98, bcast, swa->mac), now);
	ck_assert_int_eq(deliver(&a, &b), 1);
	ck_assert_int_eq(tapped, 1);
	ck_assert_uint_eq(taplen, 98);
	ck_assert_mem_eq(tapbuf, f, 98);
	ck_assert_int_eq(b.tun_writes, 2);		/* not as IP */
	/* a device without a switch takes it for a malformed packet */
	b.dev->io.frame_in = NULL;
	l2sw_send(swa, f, frame(f, 98, swb->mac, swa->mac), now);
	ck_assert_int_eq(deliver(&a, &b), 1);
	ck_assert_int_eq(tapped, 1);
	ck_assert_uint_eq(peer_of(&b)->st.drops[WG_DROP_MALFORMED], 1);
}
END_TEST

static Suite *
lan_suite(void)
{
	Suite	*s = suite_create("lan");
	TCase	*tc;

	tc = tcase_create("classify");
	tcase_add_checked_fixture(tc, lan_setup, NULL);
	tcase_add_test(tc, test_addrs);
	tcase_add_test(tc, test_classify4);
	tcase_add_test(tc, test_classify6);
	tcase_add_test(tc, test_cheap_tests);
	suite_add_tcase(s, tc);

	tc = tcase_create("replicate");
	tcase_add_checked_fixture(tc, rep_setup, rep_teardown);
	tcase_add_test(tc, test_replicate);
	tcase_add_test(tc, test_replicate_set);
	tcase_add_test(tc, test_rate_send);
	tcase_add_test(tc, test_accept);
	tcase_add_test(tc, test_l2_send);
	tcase_add_test(tc, test_l2_receive);
	suite_add_tcase(s, tc);

	tc = tcase_create("through");
	tcase_add_checked_fixture(tc, e2e_setup, e2e_teardown);
	tcase_add_test(tc, test_through);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(lan_suite());
	int	 failed;

	(void)next_timestamp;	/* wgpair.h's, for the tests that wait */
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
