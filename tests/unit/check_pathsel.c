/*
 * Unit tests for daemon/pathsel.c: the path rules of a hub peer on a
 * made-up clock (upgrades, rebinding, lower ranks after silence, the
 * hold-down against flapping), the handshake probes and relay fallback
 * of a silent path, and the probe backoff schedule.
 */
#include "autoconf.h"

#include <sys/socket.h>
#include <arpa/inet.h>

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/hamd_msg.h"
#include "daemon/pathsel.h"

/* Far from 0, which pathsel may use as "never". */
#define T0	1000000ULL

static struct pkt_addr
mk(const char *ip, uint16_t port)
{
	struct pkt_addr	 a;

	memset(&a, 0, sizeof(a));
	a.af = AF_INET;
	a.port = htons(port);
	ck_assert_int_eq(inet_pton(AF_INET, ip, a.addr), 1);
	return a;
}

static int
same(const struct pkt_addr *a, const struct pkt_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static struct pkt_addr	 lan, pub, pub2, relay, relaytcp;
static struct pathsel	 s;

static void
setup(void)
{
	lan = mk("192.168.1.2", 51820);
	pub = mk("198.51.100.7", 40000);
	pub2 = mk("198.51.100.7", 40001);
	relay = mk("203.0.113.1", 7000);
	relaytcp = mk("203.0.113.1", 0);
	pathsel_init(&s);
}

/* Tick with a usable UDP relay and candidates; the action bits. */
static int
tick(uint64_t now)
{
	return pathsel_tick(&s, now, 1, PATH_RELAY_UDP, &relay, 1, 0);
}

/*
 * Data sent at t that nothing answers: a handshake probe
 * PATHSEL_QUIET_MS later, and when the probe too is still unanswered
 * PATHSEL_ANSWER_MS after that, the relay.  Returns the time of the
 * fallback.
 */
static uint64_t
fall_back(uint64_t t)
{
	pathsel_sent(&s, t);
	ck_assert_int_eq(tick(t) & PATHSEL_A_HANDSHAKE, 0);
	t += PATHSEL_QUIET_MS;
	pathsel_sent(&s, t);
	ck_assert(tick(t) & PATHSEL_A_HANDSHAKE);
	ck_assert_int_ge(s.kind, PATH_DIRECT);
	pathsel_sent(&s, t + PATHSEL_ANSWER_MS - 1);
	ck_assert_int_eq(tick(t + PATHSEL_ANSWER_MS - 1) & PATHSEL_A_CHANGED,
	    0);
	t += PATHSEL_ANSWER_MS;
	pathsel_sent(&s, t);
	ck_assert(tick(t) & PATHSEL_A_CHANGED);
	return t;
}

START_TEST(t_upgrade)
{
	ck_assert_int_eq(s.kind, PATH_NONE);
	ck_assert_int_eq(pathsel_authenticated(&s, PATH_RELAY_TCP, &relaytcp,
	    T0), 1);
	ck_assert_int_eq(s.kind, PATH_RELAY_TCP);
	/* Higher ranks win at once, however fresh the current path is. */
	ck_assert_int_eq(pathsel_authenticated(&s, PATH_RELAY_UDP, &relay,
	    T0 + 1), 1);
	ck_assert_int_eq(pathsel_authenticated(&s, PATH_DIRECT, &pub,
	    T0 + 2), 1);
	ck_assert_int_eq(s.kind, PATH_DIRECT);
	ck_assert(same(&s.addr, &pub));
	ck_assert_uint_eq(s.since, T0 + 2);
	/* The same path again changes nothing. */
	ck_assert_int_eq(pathsel_authenticated(&s, PATH_DIRECT, &pub,
	    T0 + 3), 0);
	ck_assert_uint_eq(s.last_rx, T0 + 3);
	/* LAN beats public. */
	ck_assert_int_eq(pathsel_authenticated(&s, PATH_LAN, &lan, T0 + 4), 1);
	ck_assert_int_eq(s.kind, PATH_LAN);
	ck_assert(same(&s.addr, &lan));
	/* Nonsense kinds are ignored. */
	ck_assert_int_eq(pathsel_authenticated(&s, PATH_NONE, &pub, T0 + 5), 0);
	ck_assert_int_eq(pathsel_authenticated(&s, PATH_KIND_MAX, &pub,
	    T0 + 5), 0);
	ck_assert_int_eq(s.kind, PATH_LAN);
}
END_TEST

START_TEST(t_rebind)
{
	ck_assert_int_eq(pathsel_authenticated(&s, PATH_DIRECT, &pub, T0), 1);
	/* The peer's NAT gave it a new port: taken at once. */
	ck_assert_int_eq(pathsel_authenticated(&s, PATH_DIRECT, &pub2,
	    T0 + 10), 1);
	ck_assert(same(&s.addr, &pub2));
	/* A straggler from the old port does not take it back. */
	ck_assert_int_eq(pathsel_authenticated(&s, PATH_DIRECT, &pub,
	    T0 + 20), 0);
	ck_assert(same(&s.addr, &pub2));
	/* After the hold-down it may (it really is back). */
	ck_assert_int_eq(pathsel_authenticated(&s, PATH_DIRECT, &pub,
	    T0 + 10 + PATHSEL_HOLD_MIN_MS), 1);
	ck_assert(same(&s.addr, &pub));
}
END_TEST

/*
 * One address, seen as the candidates say: direct until the peer's
 * list names it LAN, then LAN at once (pathsel_relabel, without waiting
 * for a packet from it), and LAN still when a short list (the hub's at
 * a login) has it as direct for a moment.  Relays are not relabelled.
 */
START_TEST(t_relabel)
{
	ck_assert_int_eq(pathsel_authenticated(&s, PATH_DIRECT, &lan, T0), 1);
	ck_assert_int_eq(pathsel_relabel(&s, PATH_DIRECT), 0);
	ck_assert_int_eq(pathsel_relabel(&s, PATH_LAN), 1);
	ck_assert_int_eq(s.kind, PATH_LAN);
	ck_assert_int_eq(pathsel_authenticated(&s, PATH_DIRECT, &lan,
	    T0 + 10), 0);
	ck_assert_int_eq(s.kind, PATH_LAN);
	ck_assert_uint_eq(s.last_rx, T0 + 10);
	ck_assert_int_eq(pathsel_relabel(&s, PATH_DIRECT), 0);
	ck_assert_int_eq(s.kind, PATH_LAN);
	ck_assert_int_eq(pathsel_authenticated(&s, PATH_LAN, &lan, T0 + 20),
	    0);

	pathsel_init(&s);
	ck_assert_int_eq(pathsel_authenticated(&s, PATH_RELAY_UDP, &relay,
	    T0), 1);
	ck_assert_int_eq(pathsel_relabel(&s, PATH_LAN), 0);
	ck_assert_int_eq(s.kind, PATH_RELAY_UDP);
}
END_TEST

START_TEST(t_lower_rank)
{
	uint64_t	 t;

	ck_assert_int_eq(pathsel_authenticated(&s, PATH_DIRECT, &pub, T0), 1);
	/* Relay packets while the direct path is fresh: refused. */
	for (t = T0 + 100; t < T0 + 3000; t += 100)
		ck_assert_int_eq(pathsel_authenticated(&s, PATH_RELAY_UDP,
		    &relay, t), 0);
	/* Direct keeps talking: still refused. */
	ck_assert_int_eq(pathsel_authenticated(&s, PATH_DIRECT, &pub,
	    T0 + 2900), 0);
	ck_assert_int_eq(s.kind, PATH_DIRECT);
	/* 3 s of silence is an idle tunnel, not a failed path: refused. */
	ck_assert_int_eq(pathsel_authenticated(&s, PATH_RELAY_UDP, &relay,
	    T0 + 5900), 0);
	/* Data not yet answered is no failure either. */
	t = T0 + 6000;
	pathsel_sent(&s, t);
	ck_assert_int_eq(tick(t), 0);
	ck_assert_int_eq(pathsel_authenticated(&s, PATH_RELAY_UDP, &relay,
	    t + 1), 0);
	/*
	 * Unanswered for PATHSEL_QUIET_MS: a probe.  Data of the peer's
	 * through the relay says nothing (it may not have chosen our path
	 * yet); the probe's answer, a handshake response, through the
	 * relay says the direct copy never reached the peer: taken.
	 */
	t += PATHSEL_QUIET_MS;
	ck_assert(tick(t) & PATHSEL_A_HANDSHAKE);
	ck_assert_int_eq(pathsel_authenticated(&s, PATH_RELAY_UDP, &relay,
	    t + 110), 0);
	ck_assert_int_eq(pathsel_answered(&s, PATH_RELAY_UDP, &relay,
	    t + 120), 1);
	ck_assert_int_eq(s.kind, PATH_RELAY_UDP);
	ck_assert(same(&s.addr, &relay));
	/* LAN over direct is an upgrade; direct after LAN waits again. */
	ck_assert_int_eq(pathsel_authenticated(&s, PATH_LAN, &lan, T0 + 10000),
	    1);
	ck_assert_int_eq(pathsel_authenticated(&s, PATH_DIRECT, &pub2,
	    T0 + 13000), 0);
	/* A minute without a word, not even a keepalive: dead, go down. */
	ck_assert_int_eq(pathsel_authenticated(&s, PATH_DIRECT, &pub2,
	    T0 + 10000 + PATHSEL_DEAD_MS), 1);
}
END_TEST

/*
 * A probe answered on the direct path keeps it, even when a response
 * comes through the relay too (it should not: the peer drops the
 * relay's copy as a replay of the direct one).
 */
START_TEST(t_probe_answered)
{
	uint64_t	 t = T0 + 1000;

	ck_assert_int_eq(pathsel_authenticated(&s, PATH_DIRECT, &pub, T0), 1);
	pathsel_sent(&s, t);
	t += PATHSEL_QUIET_MS;
	ck_assert(tick(t) & PATHSEL_A_HANDSHAKE);
	ck_assert_int_eq(pathsel_authenticated(&s, PATH_DIRECT, &pub, t + 5),
	    0);
	ck_assert_int_eq(pathsel_answered(&s, PATH_RELAY_UDP, &relay,
	    t + 110), 0);
	for (t += 50; t < T0 + 5000; t += 50) {
		pathsel_sent(&s, t);
		(void)pathsel_authenticated(&s, PATH_DIRECT, &pub, t + 20);
		ck_assert_int_eq(tick(t + 20), 0);
	}
	ck_assert_int_eq(s.kind, PATH_DIRECT);
}
END_TEST

/*
 * A slow path (answers after 700 ms) is never taken for a silent one:
 * the waits grow with the answers' usual time.
 */
START_TEST(t_slow_path)
{
	uint64_t	 t;

	ck_assert_int_eq(pathsel_authenticated(&s, PATH_DIRECT, &pub, T0), 1);
	for (t = T0 + 1000; t < T0 + 60000; t += 100) {
		pathsel_sent(&s, t);
		/* The first answers arrive before the average is known. */
		if (t % 1000 == 0)
			(void)pathsel_authenticated(&s, PATH_DIRECT, &pub,
			    t + 700);
		(void)tick(t);
	}
	ck_assert_int_eq(s.kind, PATH_DIRECT);
	ck_assert_uint_ge(s.answer_ms, 600);
}
END_TEST

START_TEST(t_quiet)
{
	uint64_t	 t, at[16];
	int		 a, hs = 0;

	ck_assert_int_eq(pathsel_authenticated(&s, PATH_DIRECT, &pub, T0), 1);
	/* Silent but we do not send: nothing to do. */
	ck_assert_int_eq(tick(T0 + 10000), 0);
	ck_assert_int_eq(pathsel_busy(&s, T0 + 10000, 1), 0);
	/* Sending, and the peer answers each send: nothing either. */
	for (t = T0 + 10000; t < T0 + 20000; t += 100) {
		pathsel_sent(&s, t);
		ck_assert_int_eq(pathsel_tick(&s, t, 0, PATH_NONE, &relay, 1,
		    0), 0);
		(void)pathsel_authenticated(&s, PATH_DIRECT, &pub, t + 50);
	}
	/*
	 * The answers stop (the last at T0 + 19950), no relay: one
	 * handshake probe PATHSEL_QUIET_MS after the first unanswered
	 * send, then one per PATHSEL_HS_MS; the path stays.
	 */
	for (t = T0 + 20000; t < T0 + 30000; t += 100) {
		pathsel_sent(&s, t);
		a = pathsel_tick(&s, t, 0, PATH_NONE, &relay, 1, 0);
		ck_assert_int_eq(a & ~PATHSEL_A_HANDSHAKE, 0);
		if (a & PATHSEL_A_HANDSHAKE) {
			ck_assert_int_lt(hs, 16);
			at[hs++] = t;
		}
		ck_assert(pathsel_busy(&s, t, 1));
	}
	ck_assert_int_eq(hs, 5);
	ck_assert_uint_eq(at[0], T0 + 20000 + PATHSEL_QUIET_MS);
	ck_assert_uint_eq(at[1] - at[0], PATHSEL_HS_MS);
	ck_assert_int_eq(s.kind, PATH_DIRECT);

	/* Now a relay is usable: the next tick falls back to it. */
	pathsel_sent(&s, T0 + 30000);
	a = tick(T0 + 30000);
	ck_assert(a & PATHSEL_A_CHANGED);
	ck_assert_int_eq(s.kind, PATH_RELAY_UDP);
	ck_assert(same(&s.addr, &relay));
	/* The relay gets its grace; then it too is silent: probes again. */
	pathsel_sent(&s, T0 + 30100);
	ck_assert_int_eq(tick(T0 + 30100) & PATHSEL_A_HANDSHAKE, 0);
	pathsel_sent(&s, T0 + 30100 + PATHSEL_QUIET_MS);
	a = tick(T0 + 30100 + PATHSEL_QUIET_MS);
	ck_assert(a & PATHSEL_A_HANDSHAKE);
	ck_assert_int_eq(a & PATHSEL_A_CHANGED, 0);
	ck_assert_int_eq(s.kind, PATH_RELAY_UDP);
}
END_TEST

/* probe_times: do we send all the while (a pair in use)? */
static int	 sending;

/* The times at which keepalive probes come, ticking every 250 ms. */
static int
probe_times(uint64_t from, uint64_t to, int hopeless, uint64_t *at, int max)
{
	uint64_t	 t;
	int		 n = 0;

	for (t = from; t <= to; t += 250)
		if ((sending ? pathsel_sent(&s, t) : (void)0,
		    pathsel_tick(&s, t, 1, PATH_RELAY_UDP, &relay, 1,
		    hopeless) & PATHSEL_A_KEEPALIVE)) {
			ck_assert_int_lt(n, max);
			at[n++] = t - from;
		}
	return n;
}

START_TEST(t_backoff)
{
	uint64_t	 at[16];
	int		 n;

	ck_assert_int_eq(pathsel_authenticated(&s, PATH_RELAY_UDP, &relay,
	    T0), 1);
	sending = 1;
	/* A punch: at once, then 1, 2, 4, 5, 5 s apart. */
	pathsel_punch(&s, T0);
	n = probe_times(T0, T0 + 22000, 0, at, 16);
	ck_assert_int_eq(n, 7);
	ck_assert_uint_eq(at[0], 0);
	ck_assert_uint_eq(at[1], 1000);
	ck_assert_uint_eq(at[2], 3000);
	ck_assert_uint_eq(at[3], 7000);
	ck_assert_uint_eq(at[4], 12000);
	ck_assert_uint_eq(at[5], 17000);
	ck_assert_uint_eq(at[6], 22000);

	/* Another punch starts over. */
	pathsel_punch(&s, T0 + 23000);
	n = probe_times(T0 + 23000, T0 + 26000, 0, at, 16);
	ck_assert_int_eq(n, 3);
	ck_assert_uint_eq(at[1], 1000);
	ck_assert_uint_eq(at[2], 3000);

	/* A hopeless pair: the steady interval is 30 s. */
	pathsel_punch(&s, T0 + 100000);
	n = probe_times(T0 + 100000, T0 + 100000 + 67000, 1, at, 16);
	ck_assert_int_eq(n, 6);
	ck_assert_uint_eq(at[3], 7000);
	ck_assert_uint_eq(at[4], 37000);
	ck_assert_uint_eq(at[5], 67000);

	/* No candidates: no probes, and nothing keeps the peer busy. */
	pathsel_punch(&s, T0 + 200000);
	ck_assert_int_eq(pathsel_tick(&s, T0 + 200000, 1, PATH_RELAY_UDP,
	    &relay, 0, 0) & PATHSEL_A_KEEPALIVE, 0);
	ck_assert_int_eq(pathsel_busy(&s, T0 + 200000, 0), 0);
	ck_assert_int_eq(pathsel_busy(&s, T0 + 200000, 1), 1);

	/* Direct: probing stops (an idle direct pair: nobody sends). */
	sending = 0;
	ck_assert_int_eq(pathsel_authenticated(&s, PATH_DIRECT, &pub,
	    T0 + 300000), 1);
	pathsel_punch(&s, T0 + 300000);
	n = probe_times(T0 + 300000, T0 + 320000, 0, at, 16);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(pathsel_busy(&s, T0 + 320000, 1), 0);
}
END_TEST

/*
 * A relayed pair nobody uses: after the first rounds, a probe every
 * 2 minutes (every 10 for hopeless NATs); traffic brings 5 s back.
 */
START_TEST(t_idle_backoff)
{
	uint64_t	 at[16];
	int		 n;

	sending = 0;
	ck_assert_int_eq(pathsel_authenticated(&s, PATH_RELAY_UDP, &relay,
	    T0), 1);
	pathsel_punch(&s, T0);
	n = probe_times(T0, T0 + 400000, 0, at, 16);
	ck_assert_int_eq(n, 7);
	ck_assert_uint_eq(at[3], 7000);
	ck_assert_uint_eq(at[4], 127000);
	ck_assert_uint_eq(at[5], 247000);
	ck_assert_uint_eq(at[6], 367000);
	/* Traffic: the next probe within 5 s, then every 5 s. */
	sending = 1;
	n = probe_times(T0 + 400250, T0 + 411000, 0, at, 16);
	ck_assert_int_eq(n, 2);
	ck_assert_uint_le(at[0], PATHSEL_PROBE_MS);
	ck_assert_uint_eq(at[1] - at[0], PATHSEL_PROBE_MS);
	/* Hopeless and idle: every 10 minutes. */
	sending = 0;
	pathsel_punch(&s, T0 + 500000);
	n = probe_times(T0 + 500000, T0 + 500000 + 1300000, 1, at, 16);
	ck_assert_int_eq(n, 6);
	ck_assert_uint_eq(at[4], 7000 + PATHSEL_IDLE_HOPELESS_MS);
	ck_assert_uint_eq(at[5], 7000 + 2 * PATHSEL_IDLE_HOPELESS_MS);
}
END_TEST

/*
 * Falling off direct starts probing by itself, 1 s later, on the
 * schedule's slots (1, 3, 7 s); the moment the hold-down on the direct
 * address ends, a handshake probe too (a keepalive would go unanswered
 * by a peer that already took that address), and only then.
 */
START_TEST(t_fallback_probes)
{
	uint64_t	 at[16], t, u;
	int		 n, hs = 0;

	ck_assert_int_eq(pathsel_authenticated(&s, PATH_DIRECT, &pub, T0), 1);
	t = fall_back(T0 + 3000);
	n = probe_times(t + 250, t + 7000, 0, at, 16);
	ck_assert_int_eq(n, 3);
	ck_assert_uint_eq(at[0], 750);		/* t + 1000 */
	ck_assert_uint_eq(at[1], 2750);		/* t + 3000 */
	ck_assert_uint_eq(at[2], 6750);		/* t + 7000 */

	pathsel_init(&s);
	ck_assert_int_eq(pathsel_authenticated(&s, PATH_DIRECT, &pub, T0), 1);
	t = fall_back(T0 + 3000);
	for (u = t + 50; u <= t + 20000; u += 50)
		if (tick(u) & PATHSEL_A_HANDSHAKE) {
			ck_assert_uint_eq(u, t + PATHSEL_HOLD_MIN_MS);
			hs++;
		}
	ck_assert_int_eq(hs, 1);
}
END_TEST

/*
 * An idle tunnel: data goes out after minutes of silence and is
 * answered, so nothing is probed.  Then data nobody answers: a probe;
 * but we stopped sending, so nothing moves either.
 */
START_TEST(t_idle_answered)
{
	uint64_t	 t;

	ck_assert_int_eq(pathsel_authenticated(&s, PATH_DIRECT, &pub, T0), 1);
	t = T0 + 120000;
	pathsel_sent(&s, t);
	ck_assert_int_eq(pathsel_authenticated(&s, PATH_DIRECT, &pub, t + 40),
	    0);
	for (t += 50; t < T0 + 130000; t += 50)
		ck_assert_int_eq(tick(t), 0);
	ck_assert_int_eq(s.kind, PATH_DIRECT);
	t = T0 + 200000;
	pathsel_sent(&s, t);
	t += PATHSEL_QUIET_MS;
	ck_assert(tick(t) & PATHSEL_A_HANDSHAKE);
	for (t += PATHSEL_SENDING_MS; t < T0 + 210000; t += 50)
		ck_assert_int_eq(tick(t) & PATHSEL_A_CHANGED, 0);
	ck_assert_int_eq(s.kind, PATH_DIRECT);
}
END_TEST

START_TEST(t_holddown)
{
	uint64_t	 t;
	int		 i, changes = 0;

	/* Direct, then silent while we send: relay. */
	ck_assert_int_eq(pathsel_authenticated(&s, PATH_DIRECT, &pub, T0), 1);
	changes++;
	t = fall_back(T0 + 3000);
	ck_assert_int_eq(changes, 1);
	changes = 0;
	/* Both paths alive again, packets alternating every 50 ms. */
	for (i = 0, t += 50; i < 100; i++, t += 50) {
		if (i % 2 == 0)
			changes += pathsel_authenticated(&s, PATH_DIRECT, &pub,
			    t);
		else
			changes += pathsel_authenticated(&s, PATH_RELAY_UDP,
			    &relay, t);
		(void)tick(t);
	}
	/* One return to direct, once its hold-down has passed. */
	ck_assert_int_le(changes, 2);
	ck_assert_int_eq(s.kind, PATH_DIRECT);

	/* Starting from nothing: at most 2 changes in 100 alternations. */
	pathsel_init(&s);
	changes = 0;
	for (i = 0, t = T0; i < 100; i++, t += 100)
		changes += pathsel_authenticated(&s, i % 2 ? PATH_DIRECT :
		    PATH_RELAY_UDP, i % 2 ? &pub : &relay, t);
	ck_assert_int_le(changes, 2);
	ck_assert_int_eq(s.kind, PATH_DIRECT);
}
END_TEST

/* Repeated fallbacks: the hold-down doubles, then resets when stable. */
START_TEST(t_holddown_doubling)
{
	uint64_t	 t = T0;
	uint32_t	 want = PATHSEL_HOLD_MIN_MS;
	int		 round;

	ck_assert_int_eq(pathsel_authenticated(&s, PATH_DIRECT, &pub, t), 1);
	for (round = 0; round < 8; round++) {
		t = fall_back(t + 3000);
		ck_assert_uint_eq(s.holddown, want);
		ck_assert_uint_eq(s.held_until, t + want);
		/* Refused until the hold-down has passed. */
		ck_assert_int_eq(pathsel_authenticated(&s, PATH_DIRECT, &pub,
		    t + want - 1), 0);
		t += want;
		ck_assert_int_eq(pathsel_authenticated(&s, PATH_DIRECT, &pub,
		    t), 1);
		want = want * 2 > PATHSEL_HOLD_MAX_MS ? PATHSEL_HOLD_MAX_MS :
		    want * 2;
	}
	ck_assert_uint_eq(s.holddown, PATHSEL_HOLD_MAX_MS);
	/* A minute on direct: the next fallback starts at 2 s again. */
	for (t += 1000; t - s.since < PATHSEL_STABLE_MS; t += 1000)
		(void)pathsel_authenticated(&s, PATH_DIRECT, &pub, t);
	(void)fall_back(t + 3000);
	ck_assert_uint_eq(s.holddown, PATHSEL_HOLD_MIN_MS);
}
END_TEST

START_TEST(t_names)
{
	ck_assert_str_eq(path_kind_str(PATH_LAN), "lan");
	ck_assert_str_eq(path_kind_str(PATH_DIRECT), "direct");
	ck_assert_str_eq(path_kind_str(PATH_RELAY_UDP), "relay-udp");
	ck_assert_str_eq(path_kind_str(PATH_RELAY_TCP), "relay-tcp");
	ck_assert_str_eq(path_kind_str(PATH_NONE), "none");
	ck_assert_str_eq(path_kind_str(-1), "none");
}
END_TEST

int
main(void)
{
	Suite	*su = suite_create("pathsel");
	TCase	*tc = tcase_create("rules");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, t_upgrade);
	tcase_add_test(tc, t_rebind);
	tcase_add_test(tc, t_relabel);
	tcase_add_test(tc, t_lower_rank);
	tcase_add_test(tc, t_probe_answered);
	tcase_add_test(tc, t_slow_path);
	tcase_add_test(tc, t_quiet);
	tcase_add_test(tc, t_backoff);
	tcase_add_test(tc, t_fallback_probes);
	tcase_add_test(tc, t_idle_answered);
	tcase_add_test(tc, t_idle_backoff);
	tcase_add_test(tc, t_holddown);
	tcase_add_test(tc, t_holddown_doubling);
	tcase_add_test(tc, t_names);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
