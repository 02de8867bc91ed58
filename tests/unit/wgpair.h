/*
 * Two WireGuard devices (daemon/wg_*.c) in one process, each the
 * other's peer, their datagrams carried by hand so that a test decides
 * what arrives and when, on a clock (now) that only the test moves.
 * Shared by check_wg.c (when a handshake counts) and check_wgtimers.c
 * (the whitepaper's timers and limits).  Header-only, like wgtest.h.
 */
#ifndef HAMD_TESTS_WGPAIR_H
#define HAMD_TESTS_WGPAIR_H

#include <sys/socket.h>

#include <arpa/inet.h>
#include <check.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compat/bytes.h"
#include "ipc/addr.h"
#include "privsep/log.h"
#include "crypto/tai64n.h"
#include "crypto/wg_timers.h"
#include "daemon/wg.h"

#define NQ		16
#define PEER_ID		7
#define SEC		UINT64_C(1000000000)

struct dgram {
	uint8_t		 buf[2048];
	size_t		 len;
	uint16_t	 flags;		/* PKT_F_* tun gave it */
};

/* One device and what it sent. */
struct side {
	struct wg_dev	*dev;
	uint8_t		 priv[32], pub[32];
	struct pkt_addr	 addr;		/* where its datagrams come from */
	uint8_t		 overlay[4];
	struct dgram	 q[NQ];
	int		 nq;
	int		 tun_writes;
};

static struct side	 a, b;
static uint64_t		 now;

static uint8_t *
t_reserve(void *arg, uint32_t peer, uint16_t flags, const struct pkt_addr *to,
    size_t maxlen)
{
	struct side	*s = arg;

	ck_assert_int_lt(s->nq, NQ);
	ck_assert_uint_le(maxlen, sizeof(s->q[0].buf));
	s->q[s->nq].flags = flags;
	return s->q[s->nq].buf;
}

static void
t_commit(void *arg, size_t len)
{
	struct side	*s = arg;

	if (len == 0)
		return;
	s->q[s->nq++].len = len;
}

static void
t_tun_write(void *arg, uint8_t *pkt, size_t len)
{
	struct side	*s = arg;

	s->tun_writes++;
}

static void
t_endpoint(void *arg, uint32_t peer, const struct pkt_addr *addr,
    int response)
{
}

static void
quiet(int pri, const char *line)
{
}

static void
side_init(struct side *s, uint8_t last)
{
	const struct wg_io	 io = {
		.arg = s,
		.out_reserve = t_reserve,
		.out_commit = t_commit,
		.tun_write = t_tun_write,
		.endpoint = t_endpoint,
	};

	memset(s, 0, sizeof(*s));
	randombytes_buf(s->priv, sizeof(s->priv));
	s->priv[0] &= 248;
	s->priv[31] = (s->priv[31] & 127) | 64;
	ck_assert_int_eq(crypto_scalarmult_base(s->pub, s->priv), 0);
	ck_assert_ptr_nonnull(s->dev = wg_dev_new(&io, 1420));
	ck_assert_int_eq(wg_dev_set_key(s->dev, s->priv), 0);
	s->addr.af = AF_INET;
	s->addr.addr[0] = 192;
	s->addr.addr[1] = 0;
	s->addr.addr[2] = 2;
	s->addr.addr[3] = last;
	s->addr.port = htons(51820);
	s->overlay[0] = 10;
	s->overlay[3] = last;
}

/* Make each side the other's peer, with these preshared keys (or none). */
static void
introduce(struct side *s, const struct side *o, const uint8_t *psk)
{
	struct ip_prefix	 allowed;

	memset(&allowed, 0, sizeof(allowed));
	allowed.af = AF_INET;
	allowed.plen = 32;
	memcpy(&allowed.addr.v4, o->overlay, 4);
	ck_assert_int_eq(wg_peer_set(s->dev, PEER_ID, "other", o->pub, psk, 0,
	    &allowed, 1, now), 0);
}

static void
setup(void)
{
	ck_assert_int_ge(sodium_init(), 0);
	log_set_sink(quiet);
	now = 1000 * SEC;
	side_init(&a, 1);
	side_init(&b, 2);
}

static void
teardown(void)
{
	wg_dev_free(a.dev);
	wg_dev_free(b.dev);
	log_set_sink(NULL);
}

/* Everything from has sent so far arrives at to; returns how much. */
static int
deliver(struct side *from, struct side *to)
{
	int	 i, n = from->nq;

	from->nq = 0;
	for (i = 0; i < n; i++)
		wg_receive(to->dev, &from->addr, from->q[i].buf,
		    from->q[i].len, now);
	return n;
}

/* An IPv4 packet from s to o's overlay address, into s's device. */
static void
send_ping(struct side *s, const struct side *o)
{
	uint8_t	 pkt[28];

	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x45;
	pkt[3] = sizeof(pkt);
	pkt[8] = 64;
	pkt[9] = 1;
	memcpy(pkt + 12, s->overlay, 4);
	memcpy(pkt + 16, o->overlay, 4);
	wg_send_packet(s->dev, pkt, sizeof(pkt), now);
}

/*
 * Initiations carry the wall clock, whitened to about 17 ms, and a
 * responder takes only a newer one: a retry must wait for the next.
 */
static void
next_timestamp(void)
{
	const struct timespec	 ms = { 0, 1000000 };
	uint8_t			 t0[TAI64N_LEN], t1[TAI64N_LEN];
	int			 i;

	tai64n_now(t0);
	for (i = 0; i < 1000; i++) {
		(void)nanosleep(&ms, NULL);
		tai64n_now(t1);
		if (tai64n_after(t1, t0))
			return;
	}
	ck_abort_msg("the wall clock does not move");
}

static struct wg_peer *
peer_of(const struct side *s)
{
	struct wg_peer	*p = wg_peer_by_id(s->dev, PEER_ID);

	ck_assert_ptr_nonnull(p);
	return p;
}

#endif
