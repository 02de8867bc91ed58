/*
 * The WireGuard whitepaper's rules over time and counts (section 6), on
 * two devices whose clock only the test moves (tests/unit/wgpair.h):
 * keys wiped 3 x REJECT_AFTER_TIME after they were made (read in the
 * devices' memory, not from a flag), no key used past
 * REJECT_AFTER_TIME, handshake attempts given up after
 * REKEY_ATTEMPT_TIME until there is something to send, a responder
 * that sends nothing under a session before the initiator confirms it,
 * the send counter's two limits, and at most INITIATIONS_PER_SECOND
 * handshakes a second from one peer; and hamd's own: crossed
 * initiations that end in a session and lose no data, and a hub peer's
 * one probe keepalive when a stream of data to it stops.
 */
#include "autoconf.h"

#include <check.h>
#include <stdlib.h>

#include "crypto/wg_handshake.h"
#include "crypto/wg_wire.h"
#include "tests/unit/wgpair.h"

#define TICK		(SEC / 10)	/* tun's timer runs every 100 ms */
#define MS		(SEC / 1000)

static uint32_t
type_of(const struct side *s, int i)
{
	return get_le32(s->q[i].buf);
}

/* How many of the datagrams s has queued are of type t. */
static int
count_type(const struct side *s, uint32_t t)
{
	int	 i, n = 0;

	for (i = 0; i < s->nq; i++)
		if (type_of(s, i) == t)
			n++;
	return n;
}

/* Only datagram i of what from queued reaches to; the rest are lost. */
static void
deliver_one(struct side *from, int i, struct side *to)
{
	struct dgram	 d = from->q[i];

	from->nq = 0;
	wg_receive(to->dev, &from->addr, d.buf, d.len, now);
}

/* A data message's receiver index: which of the peer's sessions. */
static uint32_t
receiver_of(const struct dgram *d)
{
	return get_le32(d->buf + 4);
}

/* a starts with a ping; the handshake completes and b gets the ping. */
static void
session(void)
{
	int	 w = b.tun_writes;

	introduce(&a, &b, NULL);
	introduce(&b, &a, NULL);
	send_ping(&a, &b);
	ck_assert_int_eq(deliver(&a, &b), 1);	/* initiation */
	ck_assert_int_eq(deliver(&b, &a), 1);	/* response */
	ck_assert_int_eq(deliver(&a, &b), 1);	/* the ping confirms */
	ck_assert_int_eq(b.tun_writes, w + 1);
	ck_assert(wg_peer_has_session(peer_of(&a), now));
	ck_assert(wg_peer_has_session(peer_of(&b), now));
	/* A clock read just before (tunwatch's, once) sees it too. */
	ck_assert(wg_peer_has_session(peer_of(&a), now - 1));
	ck_assert(wg_peer_has_session(peer_of(&b), now - 1));
}

/*
 * Run both devices' timers every TICK up to t (included), everything
 * either sends reaching the other at once.
 */
static void
run_to(uint64_t t)
{
	while (now < t) {
		now = t - now < TICK ? t : now + TICK;
		wg_tick(a.dev, now);
		wg_tick(b.dev, now);
		while (deliver(&a, &b) + deliver(&b, &a) > 0)
			;
	}
}

/* Does the device's memory (itself and every peer) hold these bytes? */
static int
holds(const struct side *s, const uint8_t *key, size_t len)
{
	const struct wg_dev	*d = s->dev;
	int			 i;

	if (memmem(d, sizeof(*d), key, len) != NULL)
		return 1;
	for (i = 0; i < WG_MAX_PEERS; i++)
		if (d->peers[i] != NULL && memmem(d->peers[i],
		    sizeof(*d->peers[i]), key, len) != NULL)
			return 1;
	return 0;
}

/*
 * 3 x REJECT_AFTER_TIME after a session was made, with no handshake
 * since, its keys are gone from both devices' memory: every byte of
 * every keypair slot and of the handshake state is zero, and the four
 * key values appear nowhere in the device or its peers.  A tick
 * earlier they were all still there, which proves the search works.
 */
START_TEST(test_keys_zeroed)
{
	struct wg_session_keys	 ka;
	const struct wg_peer	*pa, *pb;
	uint64_t		 made;

	session();
	made = now;
	pa = peer_of(&a);
	pb = peer_of(&b);
	ka = pa->current->keys;
	ck_assert(memcmp(ka.send, pb->current->keys.recv, 32) == 0);
	ck_assert(memcmp(ka.recv, pb->current->keys.send, 32) == 0);

	run_to(made + WG_NSEC(REJECT_AFTER_TIME * 3) - TICK);
	ck_assert_uint_eq(pa->st.handshakes, 1);	/* no new session */
	ck_assert_uint_eq(pb->st.handshakes, 1);
	ck_assert(holds(&a, ka.send, 32) && holds(&a, ka.recv, 32));
	ck_assert(holds(&b, ka.send, 32) && holds(&b, ka.recv, 32));

	run_to(made + WG_NSEC(REJECT_AFTER_TIME * 3));
	ck_assert_uint_eq(pa->st.handshakes, 1);
	ck_assert_uint_eq(pb->st.handshakes, 1);
	ck_assert(!holds(&a, ka.send, 32) && !holds(&a, ka.recv, 32));
	ck_assert(!holds(&b, ka.send, 32) && !holds(&b, ka.recv, 32));
	ck_assert(sodium_is_zero((const void *)pa->kp, sizeof(pa->kp)));
	ck_assert(sodium_is_zero((const void *)pb->kp, sizeof(pb->kp)));
	ck_assert(sodium_is_zero((const void *)&pa->hs, sizeof(pa->hs)));
	ck_assert(sodium_is_zero((const void *)&pb->hs, sizeof(pb->hs)));
	ck_assert_ptr_null(pa->current);
	ck_assert_ptr_null(pb->current);
}
END_TEST

/*
 * A data message that arrives when its key is REJECT_AFTER_TIME old is
 * dropped and counted, though one sealed at the same moment and
 * arriving a millisecond earlier got through; and from then on neither
 * side sends under that key: a packet to send waits for a new
 * handshake instead.
 */
START_TEST(test_reject_after_time)
{
	struct dgram		 late[2];
	struct wg_peer		*pa, *pb;
	uint64_t		 made, ctr;
	int			 w;

	session();
	made = now;
	pa = peer_of(&a);
	pb = peer_of(&b);
	/* Two pings sealed a second in, that the network holds back. */
	now += SEC;
	send_ping(&a, &b);
	send_ping(&a, &b);
	ck_assert_int_eq(count_type(&a, WG_MSG_DATA), 2);
	late[0] = a.q[0];
	late[1] = a.q[1];
	a.nq = 0;

	run_to(made + WG_NSEC(REJECT_AFTER_TIME) - MS);
	ck_assert_uint_eq(pb->st.handshakes, 1);
	w = b.tun_writes;
	wg_receive(b.dev, &a.addr, late[0].buf, late[0].len, now);
	ck_assert_int_eq(b.tun_writes, w + 1);
	/* The responder still sends on it, for this last millisecond. */
	send_ping(&b, &a);
	ck_assert_int_eq(count_type(&b, WG_MSG_DATA), 1);
	b.nq = 0;

	now = made + WG_NSEC(REJECT_AFTER_TIME);
	wg_receive(b.dev, &a.addr, late[1].buf, late[1].len, now);
	ck_assert_int_eq(b.tun_writes, w + 1);
	ck_assert_uint_eq(pb->st.drops[WG_DROP_STATE], 1);
	ck_assert(!wg_peer_has_session(pa, now));
	ck_assert(!wg_peer_has_session(pb, now));

	ctr = pa->current->send_counter;
	send_ping(&a, &b);
	ck_assert_int_eq(count_type(&a, WG_MSG_DATA), 0);
	ck_assert_int_eq(count_type(&a, WG_MSG_INITIATION), 1);
	ck_assert_uint_eq(pa->current->send_counter, ctr);
	ck_assert_int_eq(pa->nstaged, 1);
	ctr = pb->current->send_counter;
	send_ping(&b, &a);
	ck_assert_int_eq(count_type(&b, WG_MSG_DATA), 0);
	ck_assert_uint_eq(pb->current->send_counter, ctr);
	ck_assert_int_eq(pb->nstaged, 1);
	/* Nor does a keepalive the timers owe go out under it. */
	a.nq = b.nq = 0;
	now += WG_NSEC(KEEPALIVE_TIMEOUT);
	wg_tick(a.dev, now);
	wg_tick(b.dev, now);
	ck_assert_int_eq(count_type(&a, WG_MSG_DATA), 0);
	ck_assert_int_eq(count_type(&b, WG_MSG_DATA), 0);
}
END_TEST

/*
 * An initiation nobody answers is retried every REKEY_TIMEOUT (plus
 * jitter) until REKEY_ATTEMPT_TIME has passed since the attempt began,
 * then never again (the packet that wanted it is dropped) until there
 * is something to send, which starts a whole new attempt at once.
 */
START_TEST(test_attempts_stop)
{
	struct wg_peer	*pa;
	uint64_t	 t0, first = 0, last = 0;
	int		 n = 0;

	introduce(&a, &b, NULL);
	pa = peer_of(&a);
	t0 = now;
	send_ping(&a, &b);
	while (now <= t0 + WG_NSEC(REKEY_ATTEMPT_TIME * 10)) {
		ck_assert_int_eq(count_type(&a, WG_MSG_INITIATION), a.nq);
		if (a.nq > 0) {
			if (n++ == 0)
				first = now;
			last = now;
		}
		a.nq = 0;	/* b never hears of it */
		now += TICK;
		wg_tick(a.dev, now);
	}
	ck_assert_uint_eq(first, t0);
	ck_assert_msg(last < t0 + WG_NSEC(REKEY_ATTEMPT_TIME),
	    "an initiation %.1f s into the attempt",
	    (double)(last - t0) / SEC);
	/* Retried all along: the last retry is within two of the end. */
	ck_assert_uint_ge(last, t0 + WG_NSEC(REKEY_ATTEMPT_TIME) -
	    2 * (WG_NSEC(REKEY_TIMEOUT) + 333 * MS));
	ck_assert_int_ge(n, REKEY_ATTEMPT_TIME / (REKEY_TIMEOUT + 1));
	ck_assert_int_eq(pa->nstaged, 0);
	ck_assert_int_eq(pa->hs_state, WG_HS_NONE);

	/* Something to send: a new attempt, at once and then retried. */
	t0 = now;
	send_ping(&a, &b);
	ck_assert_int_eq(count_type(&a, WG_MSG_INITIATION), 1);
	a.nq = 0;
	while (a.nq == 0 && now < t0 + WG_NSEC(REKEY_TIMEOUT + 1)) {
		now += TICK;
		wg_tick(a.dev, now);
	}
	ck_assert_int_eq(count_type(&a, WG_MSG_INITIATION), 1);
}
END_TEST

/*
 * The responder of a new session sends nothing under it until a packet
 * from the initiator proves the initiator has it; then what waited goes
 * out under it.  On a rekey it keeps sending under the session before,
 * which the initiator still holds.
 */
START_TEST(test_responder_waits)
{
	struct wg_peer	*pa, *pb;
	uint32_t	 old_remote;
	int		 w;

	introduce(&a, &b, NULL);
	introduce(&b, &a, NULL);
	pa = peer_of(&a);
	pb = peer_of(&b);
	wg_peer_initiate(a.dev, pa, now);
	ck_assert_int_eq(deliver(&a, &b), 1);
	ck_assert_int_eq(count_type(&b, WG_MSG_RESPONSE), 1);
	ck_assert_ptr_nonnull(pb->next);
	send_ping(&b, &a);
	ck_assert_int_eq(count_type(&b, WG_MSG_DATA), 0);
	ck_assert_int_eq(pb->nstaged, 1);
	/* Only the response arrives; a confirms with a keepalive. */
	ck_assert_int_eq(type_of(&b, 0), WG_MSG_RESPONSE);
	deliver_one(&b, 0, &a);
	ck_assert(wg_peer_has_session(pa, now));
	ck_assert_int_eq(a.nq, 1);
	ck_assert_int_eq(deliver(&a, &b), 1);
	ck_assert_ptr_null(pb->next);
	/* Confirmed: the held ping goes out, under the new session. */
	ck_assert_int_eq(count_type(&b, WG_MSG_DATA), 1);
	ck_assert_uint_eq(receiver_of(&b.q[0]), pa->current->local_index);
	w = a.tun_writes;
	ck_assert_int_eq(deliver(&b, &a), 1);
	ck_assert_int_eq(a.tun_writes, w + 1);

	/* A rekey: b answers, and keeps sending under the old session. */
	old_remote = pb->current->remote_index;
	now += 2 * SEC;
	next_timestamp();
	wg_peer_initiate(a.dev, pa, now);
	ck_assert_int_eq(deliver(&a, &b), 1);
	ck_assert_ptr_nonnull(pb->next);
	ck_assert_int_eq(type_of(&b, 0), WG_MSG_RESPONSE);
	deliver_one(&b, 0, &a);		/* a has the new session now */
	ck_assert_int_eq(a.nq, 1);	/* its confirmation, held back */
	send_ping(&b, &a);
	ck_assert_int_eq(b.nq, 1);
	ck_assert_int_eq(type_of(&b, 0), WG_MSG_DATA);
	ck_assert_uint_eq(receiver_of(&b.q[0]), old_remote);
	ck_assert_int_eq(deliver(&b, &a), 1);	/* a still opens it */
	ck_assert_int_eq(a.tun_writes, w + 2);
	ck_assert_int_eq(deliver(&a, &b), 1);	/* the confirmation */
	ck_assert_ptr_null(pb->next);
	send_ping(&b, &a);
	ck_assert_int_eq(type_of(&b, 0), WG_MSG_DATA);
	ck_assert_uint_eq(receiver_of(&b.q[0]), pa->current->local_index);
	ck_assert_uint_ne(receiver_of(&b.q[0]), old_remote);
}
END_TEST

/*
 * The send counter, driven directly: the message that brings a key to
 * REKEY_AFTER_MESSAGES starts a handshake (whichever side made the
 * session, as in Linux and wireguard-go), the one before does not; at
 * REJECT_AFTER_MESSAGES nothing more goes out under that key (the
 * packet waits for the new session), and nothing aborts.
 */
static void
counter_limits(struct side *s, struct side *o)
{
	struct wg_keypair	*kp;
	struct wg_peer		*p = peer_of(s);
	int			 w = o->tun_writes;

	kp = p->current;
	kp->send_counter = REKEY_AFTER_MESSAGES - 2;
	send_ping(s, o);
	ck_assert_int_eq(s->nq, 1);
	ck_assert_int_eq(type_of(s, 0), WG_MSG_DATA);
	ck_assert_int_eq(deliver(s, o), 1);
	ck_assert_int_eq(o->tun_writes, w + 1);

	/* The initiation must be newer than the last, and not too soon. */
	now += SEC;
	next_timestamp();
	send_ping(s, o);
	ck_assert_int_eq(s->nq, 2);
	ck_assert_int_eq(type_of(s, 0), WG_MSG_DATA);
	ck_assert_int_eq(type_of(s, 1), WG_MSG_INITIATION);
	ck_assert_int_eq(deliver(s, o), 2);
	ck_assert_int_eq(o->tun_writes, w + 2);
	ck_assert_int_eq(deliver(o, s), 1);	/* response */
	ck_assert_ptr_ne(p->current, kp);
	ck_assert_int_eq(deliver(s, o), 1);	/* confirmation */

	/* The last message a key may carry, then none. */
	kp = p->current;
	kp->send_counter = REJECT_AFTER_MESSAGES - 1;
	now += WG_NSEC(REKEY_TIMEOUT);
	next_timestamp();
	send_ping(s, o);
	ck_assert_int_eq(s->nq, 2);		/* and a rekey */
	ck_assert_int_eq(type_of(s, 0), WG_MSG_DATA);
	ck_assert_uint_eq(get_le64(s->q[0].buf + 8), REJECT_AFTER_MESSAGES - 1);
	ck_assert_int_eq(type_of(s, 1), WG_MSG_INITIATION);
	deliver_one(s, 0, o);
	ck_assert_int_eq(o->tun_writes, w + 3);
	send_ping(s, o);
	ck_assert_int_eq(count_type(s, WG_MSG_DATA), 0);
	ck_assert_uint_eq(kp->send_counter, REJECT_AFTER_MESSAGES);
	ck_assert_int_eq(p->nstaged, 1);
	/* The handshake's retry brings the new session; the ping follows. */
	now += WG_NSEC(REKEY_TIMEOUT + 1);
	next_timestamp();
	wg_tick(s->dev, now);
	ck_assert_int_eq(count_type(s, WG_MSG_DATA), 0);
	ck_assert_int_eq(deliver(s, o), 1);	/* initiation */
	ck_assert_int_eq(deliver(o, s), 1);	/* response */
	ck_assert_ptr_ne(p->current, kp);
	ck_assert_int_eq(p->nstaged, 0);
	ck_assert_int_eq(deliver(s, o), 1);
	ck_assert_int_eq(o->tun_writes, w + 4);
}

START_TEST(test_counter_initiator)
{
	session();
	counter_limits(&a, &b);
}
END_TEST

START_TEST(test_counter_responder)
{
	session();
	send_ping(&b, &a);		/* b may send now */
	ck_assert_int_eq(deliver(&b, &a), 1);
	ck_assert(!peer_of(&b)->current->initiator);
	counter_limits(&b, &a);
}
END_TEST

/*
 * One peer sends 100 initiations in a second, each valid, each newer
 * than the last and each from another address, so neither the replay
 * check nor the per-source limit refuses any: the responder answers
 * one per 1/INITIATIONS_PER_SECOND s, 50, and counts the rest.
 */
START_TEST(test_initiation_flood)
{
	struct noise_protocol	 proto;
	struct noise_handshake	 hs;
	struct cookie_maker	 cm;
	struct pkt_addr		 src;
	struct wg_peer		*pb;
	uint8_t			 msg[WG_INIT_LEN], ts[TAI64N_LEN];
	uint64_t		 t0 = now;
	int			 i, answered = 0;

	introduce(&b, &a, NULL);
	pb = peer_of(&b);
	wg_protocol_init(&proto);
	cookie_maker_init(&cm, b.pub);
	src = a.addr;
	for (i = 0; i < 100; i++) {
		now = t0 + (uint64_t)i * 10 * MS;
		tai64n_encode(ts, (uint64_t)time(NULL) + 1 + (uint64_t)i, 0);
		ck_assert_int_eq(noise_hs_init(&hs, &proto, NOISE_INITIATOR,
		    &a.dev->self, b.pub), WG_OK);
		ck_assert_int_eq(wg_create_initiation(&hs, 1000 + (uint32_t)i,
		    ts, &cm, now, msg), WG_OK);
		noise_hs_clear(&hs);
		src.addr[3] = (uint8_t)(10 + i);
		wg_receive(b.dev, &src, msg, sizeof(msg), now);
		answered += count_type(&b, WG_MSG_RESPONSE);
		b.nq = 0;
	}
	ck_assert_int_eq(answered, INITIATIONS_PER_SECOND);
	ck_assert_uint_eq(pb->st.drops[WG_DROP_STATE],
	    100 - INITIATIONS_PER_SECOND);
	ck_assert_uint_eq(pb->st.drops[WG_DROP_REPLAY], 0);
	ck_assert_uint_eq(b.dev->ratelimited, 0);
	ck_assert_uint_eq(b.dev->cookies_sent, 0);
	/* The limit is a rate: a 1/50 s later the next one is answered. */
	now += 20 * MS;
	tai64n_encode(ts, (uint64_t)time(NULL) + 200, 0);
	ck_assert_int_eq(noise_hs_init(&hs, &proto, NOISE_INITIATOR,
	    &a.dev->self, b.pub), WG_OK);
	ck_assert_int_eq(wg_create_initiation(&hs, 2000, ts, &cm, now, msg),
	    WG_OK);
	noise_hs_clear(&hs);
	wg_receive(b.dev, &a.addr, msg, sizeof(msg), now);
	ck_assert_int_eq(count_type(&b, WG_MSG_RESPONSE), 1);
	cookie_maker_clear(&cm);
}
END_TEST

/*
 * Both sides initiate at once (a hub outage has every node check every
 * peer at the same moment): each initiation reaches the other before
 * its answer, each side drops its own for the other's, and both
 * responses then name initiations that are gone.  Neither side has
 * data, so nothing would ever confirm either responder's session and
 * both liveness checks would fail: each side whose initiation was
 * dropped tries again at its retransmit time, as Linux does, and a
 * handshake completes.
 */
START_TEST(test_crossed_initiations)
{
	struct wg_peer	*pa, *pb;
	struct dgram	 ia, ib;

	introduce(&a, &b, NULL);
	introduce(&b, &a, NULL);
	pa = peer_of(&a);
	pb = peer_of(&b);
	wg_peer_initiate(a.dev, pa, now);
	wg_peer_initiate(b.dev, pb, now);
	ck_assert_int_eq(a.nq, 1);
	ck_assert_int_eq(b.nq, 1);
	ia = a.q[0];
	ib = b.q[0];
	a.nq = b.nq = 0;
	wg_receive(b.dev, &a.addr, ia.buf, ia.len, now);
	wg_receive(a.dev, &b.addr, ib.buf, ib.len, now);
	ck_assert_int_eq(count_type(&a, WG_MSG_RESPONSE), 1);
	ck_assert_int_eq(count_type(&b, WG_MSG_RESPONSE), 1);
	while (deliver(&a, &b) + deliver(&b, &a) > 0)
		;
	ck_assert_uint_eq(pa->st.handshakes + pb->st.handshakes, 0);
	next_timestamp();	/* the clock we move is not the wall clock */
	run_to(now + WG_NSEC(REKEY_TIMEOUT) + SEC);
	ck_assert_uint_ge(pa->st.handshakes, 1);
	ck_assert_uint_ge(pb->st.handshakes, 1);
	ck_assert(wg_peer_has_session(pa, now));
	ck_assert(wg_peer_has_session(pb, now));
}
END_TEST

/*
 * The same crossing on a tunnel that carries data: the side that tries
 * again completes its handshake as initiator while the session the
 * crossing left it as responder was never taken up by the other side
 * (that side dropped its own initiation).  Linux's rule would keep
 * that orphan and wipe the current session, which the other side still
 * sends with until our first packet under the new one reaches it: its
 * data in flight meanwhile would be lost (a ping in natpath.sh's hub
 * outage).  The orphan goes instead, and that data arrives.
 */
START_TEST(test_crossed_initiations_keep_data)
{
	struct side	*lo, *hi;
	struct dgram	 ia, ib;
	int		 w;

	session();
	now += SEC;
	next_timestamp();
	lo = memcmp(a.pub, b.pub, 32) < 0 ? &a : &b;
	hi = lo == &a ? &b : &a;
	wg_peer_initiate(a.dev, peer_of(&a), now);
	wg_peer_initiate(b.dev, peer_of(&b), now);
	ck_assert_int_eq(count_type(&a, WG_MSG_INITIATION), 1);
	ck_assert_int_eq(count_type(&b, WG_MSG_INITIATION), 1);
	ia = a.q[a.nq - 1];
	ib = b.q[b.nq - 1];
	a.nq = b.nq = 0;
	wg_receive(b.dev, &a.addr, ia.buf, ia.len, now);
	wg_receive(a.dev, &b.addr, ib.buf, ib.len, now);
	while (deliver(&a, &b) + deliver(&b, &a) > 0)
		;
	ck_assert_ptr_nonnull(peer_of(lo)->next);	/* the orphan */
	/* The lower key tries again first; its initiation only. */
	next_timestamp();
	while (count_type(lo, WG_MSG_INITIATION) == 0) {
		ck_assert_uint_lt(now, 1010 * SEC);
		now += TICK;
		wg_tick(lo->dev, now);
		wg_tick(hi->dev, now);
		hi->nq = 0;
	}
	deliver(lo, hi);
	ck_assert_int_eq(count_type(hi, WG_MSG_RESPONSE), 1);
	deliver(hi, lo);
	ck_assert(wg_peer_has_session(peer_of(lo), now));
	lo->nq = 0;	/* its first packet under the new session is late */
	w = lo->tun_writes;
	send_ping(hi, lo);
	ck_assert_int_eq(deliver(hi, lo), 1);
	ck_assert_int_eq(lo->tun_writes, w + 1);
}
END_TEST

/*
 * Tick s every 10 ms until until, counting the keepalives it sends
 * (passive ones, and probes) into what passive and probe hold.
 *
 * A hub peer whose data came as a stream that stopped sends, besides
 * the passive keepalive that answers the data (100 ms), one probe
 * keepalive (PKT_F_PROBE: to the path, the candidates and the relay)
 * WG_HUB_STALL_NS after the last packet, and no more: if its NAT forgot
 * its mappings, that packet lets the peer in again.  A single packet
 * is no stream and gets only the passive keepalive.
 */
static void
stall_count(struct side *s, uint64_t until, int *passive, int *probe)
{
	int	 i;

	while (now < until) {
		now += 10 * MS;
		wg_tick(s->dev, now);
		for (i = 0; i < s->nq; i++) {
			if (type_of(s, i) != WG_MSG_DATA ||
			    s->q[i].len != WG_DATA_MIN_LEN)
				continue;
			if (s->q[i].flags & PKT_F_PROBE)
				(*probe)++;
			else
				(*passive)++;
		}
		s->nq = 0;
	}
}

START_TEST(test_rx_stall_probe)
{
	int	 i, passive = 0, probe = 0;

	session();
	wg_peer_set_hub(peer_of(&b));
	/* The keepalive the session's ping was owed, as a static peer. */
	stall_count(&b, now + 11 * SEC, &passive, &probe);
	passive = probe = 0;
	/* A stream: three packets 150 ms apart, each answered. */
	for (i = 0; i < 3; i++) {
		send_ping(&a, &b);
		deliver(&a, &b);
		stall_count(&b, now + 150 * MS, &passive, &probe);
	}
	ck_assert_int_eq(passive, 3);
	ck_assert_int_eq(probe, 0);
	/* Then nothing: one probe, WG_HUB_STALL_NS after the last. */
	stall_count(&b, now + WG_HUB_STALL_NS - 160 * MS, &passive, &probe);
	ck_assert_int_eq(probe, 0);
	stall_count(&b, now + 200 * MS, &passive, &probe);
	ck_assert_int_eq(probe, 1);
	passive = probe = 0;
	stall_count(&b, now + 10 * SEC, &passive, &probe);
	ck_assert_int_eq(passive + probe, 0);

	/* One packet, long after: the passive keepalive alone. */
	send_ping(&a, &b);
	deliver(&a, &b);
	stall_count(&b, now + 2 * SEC, &passive, &probe);
	ck_assert_int_eq(passive, 1);
	ck_assert_int_eq(probe, 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("wgtimers");
	TCase	*tc = tcase_create("timers and limits");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_keys_zeroed);
	tcase_add_test(tc, test_reject_after_time);
	tcase_add_test(tc, test_attempts_stop);
	tcase_add_test(tc, test_responder_waits);
	tcase_add_test(tc, test_crossed_initiations);
	tcase_add_test(tc, test_crossed_initiations_keep_data);
	tcase_add_test(tc, test_rx_stall_probe);
	tcase_add_test(tc, test_counter_initiator);
	tcase_add_test(tc, test_counter_responder);
	tcase_add_test(tc, test_initiation_flood);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
