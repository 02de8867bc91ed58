/*
 * Hostile input for every WireGuard parser (classifier, initiation,
 * response, cookie reply, data message): every wrong length 0..200,
 * non-zero reserved bytes, wrong types, every byte of mac1 flipped,
 * forged tags, replays and counters past the limit.  Nothing may crash
 * and every refusal must carry its own reason.  Also the cookie
 * machinery's timing (secret rotation, cookie lifetime, one reply per
 * message) and the transport's padding rule.
 */
#include "autoconf.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto/cookie.h"
#include "crypto/noise.h"
#include "crypto/replay.h"
#include "crypto/tai64n.h"
#include "crypto/transport.h"
#include "crypto/wg_handshake.h"
#include "crypto/wg_result.h"
#include "crypto/wg_timers.h"
#include "crypto/wg_wire.h"
#include "tests/unit/wgtest.h"
#include "proto/dgram.h"

/* WireGuard's four messages as proto/dgram.c sorts them (kinds 1-4). */
static int
wg_msg_classify(const uint8_t *m, size_t len, int *type, uint32_t *idx)
{
	enum dgram_kind	 k = dgram_classify(m, len, idx);

	if (!dgram_is_wireguard(k))
		return WG_DROP_MALFORMED;
	*type = (int)k;
	return WG_OK;
}
_Static_assert((int)DGRAM_WG_INITIATION == (int)WG_MSG_INITIATION &&
    (int)DGRAM_WG_DATA == (int)WG_MSG_DATA, "kinds 1-4 are WireGuard's types");


#define MAXLEN	200

/* Two introduced nodes and one initiation from a to b, not consumed. */
struct fixture {
	struct noise_protocol	p;
	struct node		a, b;
	struct noise_handshake	hi;
	uint32_t		ia;
	uint8_t			ts[TAI64N_LEN];
	uint8_t			init[MAXLEN + 64];
};

static void
fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	wg_protocol_init(&f->p);
	node_random(&f->a);
	node_random(&f->b);
	node_pair(&f->a, &f->b);
	f->ia = 0x01020304;
	tai64n_now(f->ts);
	/* Junk after the message, so that longer lengths read real bytes. */
	randombytes_buf(f->init, sizeof(f->init));
	ck_assert_int_eq(noise_hs_init(&f->hi, &f->p, NOISE_INITIATOR,
	    &f->a.s, f->b.s.pub), WG_OK);
	ck_assert_int_eq(wg_create_initiation(&f->hi, f->ia, f->ts, &f->a.cm,
	    0, f->init), WG_OK);
}

static int
consume_init(struct fixture *f, const uint8_t *msg, size_t len)
{
	struct noise_handshake	hr;
	uint8_t			pub[32], ts[12];
	uint32_t		idx;
	int			r;

	ck_assert_int_eq(noise_hs_init(&hr, &f->p, NOISE_RESPONDER, &f->b.s,
	    NULL), WG_OK);
	r = wg_consume_initiation(&hr, &f->b.cc, msg, len, &idx, pub, ts);
	if (r != WG_OK)
		ck_assert(is_zero(&hr, sizeof(hr)));
	noise_hs_clear(&hr);
	return r;
}

/* ------------------------------------------------------------------ */
/* classifier */

START_TEST(test_classify)
{
	uint8_t		buf[MAXLEN];
	uint32_t	idx;
	size_t		len;
	int		type, t, want, r;

	randombytes_buf(buf, sizeof(buf));
	for (t = 0; t < 256; t++) {
		for (len = 0; len <= MAXLEN; len++) {
			buf[0] = (uint8_t)t;
			buf[1] = buf[2] = buf[3] = 0;
			put_le32(buf + 4, 0xdeadbeef);
			put_le32(buf + 8, 0xcafef00d);
			want = (t == 1 && len == WG_INIT_LEN) ||
			    (t == 2 && len == WG_RESP_LEN) ||
			    (t == 3 && len == WG_COOKIE_REPLY_LEN) ||
			    (t == 4 && len >= WG_DATA_MIN_LEN);
			type = -1;
			r = wg_msg_classify(buf, len, &type, &idx);
			if (r != (want ? WG_OK : WG_DROP_MALFORMED))
				ck_abort_msg("type %d len %zu: %d", t, len, r);
			if (want && type != t)
				ck_abort_msg("type %d classified %d", t, type);
			if (want && t == 1 && idx != 0)
				ck_abort_msg("initiation has no receiver");
			if (want && (t == 3 || t == 4) && idx != 0xdeadbeef)
				ck_abort_msg("type %d receiver %x", t, idx);
			if (want && t == 2 && idx != 0xcafef00d)
				ck_abort_msg("response receiver %x", idx);
			/* any non-zero reserved byte: unknown type */
			if (len >= 4 && t >= 1 && t <= 4) {
				buf[1 + len % 3] = (uint8_t)(1 + t);
				if (wg_msg_classify(buf, len, &type, &idx) !=
				    WG_DROP_MALFORMED)
					ck_abort_msg("reserved accepted");
			}
		}
	}
	/* the largest datagram is fine, one more is not */
	{
		static uint8_t big[WG_DATA_MAX_LEN + 1];

		big[0] = WG_MSG_DATA;
		ck_assert_int_eq(wg_msg_classify(big, WG_DATA_MAX_LEN, &type,
		    &idx), WG_OK);
		ck_assert_int_eq(wg_msg_classify(big, WG_DATA_MAX_LEN + 1,
		    &type, &idx), WG_DROP_MALFORMED);
	}
}
END_TEST

/*
 * Discovery messages may carry one flag in byte 1 (NAT_FLAG_OTHER_PORT);
 * any other value there, any reserved byte, or the flag on another of
 * our types is malformed.
 */
START_TEST(test_classify_nat_flags)
{
	static const uint8_t	 types[] = { NAT_PROBE_TYPE, NAT_ANSWER_TYPE,
	    RELAY_REGISTER_TYPE, RELAY_DATA_TYPE };
	uint8_t			 buf[NAT_PROBE_LEN];
	size_t			 i, len;
	int			 b1;
	enum dgram_kind		 k;

	for (i = 0; i < sizeof(types); i++) {
		len = types[i] == NAT_PROBE_TYPE ? NAT_PROBE_LEN :
		    types[i] == NAT_ANSWER_TYPE ? NAT_ANSWER_LEN :
		    RELAY_AUTH_LEN;
		for (b1 = 0; b1 < 256; b1++) {
			memset(buf, 0, sizeof(buf));
			buf[0] = types[i];
			buf[1] = (uint8_t)b1;
			k = dgram_classify(buf, len, NULL);
			if (b1 == 0 && types[i] != RELAY_DATA_TYPE)
				ck_assert_int_ne(k, DGRAM_MALFORMED);
			else if (b1 == NAT_FLAG_OTHER_PORT &&
			    (types[i] == NAT_PROBE_TYPE ||
			    types[i] == NAT_ANSWER_TYPE))
				ck_assert_int_eq(k, types[i] ==
				    NAT_PROBE_TYPE ? DGRAM_NAT_PROBE :
				    DGRAM_NAT_ANSWER);
			else if (b1 != 0)
				ck_assert_msg(k == DGRAM_MALFORMED, "type %#x "
				    "byte 1 %#x taken", types[i], b1);
		}
		/* The flag and a reserved byte: still malformed. */
		memset(buf, 0, sizeof(buf));
		buf[0] = types[i];
		buf[1] = NAT_FLAG_OTHER_PORT;
		buf[3] = 1;
		ck_assert_int_eq(dgram_classify(buf, len, NULL),
		    DGRAM_MALFORMED);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* initiation */

START_TEST(test_init_lengths)
{
	struct fixture	f;
	size_t		len;
	int		r;

	fixture_init(&f);
	for (len = 0; len <= MAXLEN; len++) {
		r = consume_init(&f, f.init, len);
		if (len == WG_INIT_LEN)
			ck_assert_int_eq(r, WG_OK);
		else if (r != WG_DROP_MALFORMED)
			ck_abort_msg("initiation of %zu bytes: %s", len,
			    wg_result_str(r));
	}
}
END_TEST

START_TEST(test_init_type_reserved)
{
	struct fixture	f;
	uint8_t		m[WG_INIT_LEN];
	int		i, v;

	fixture_init(&f);
	for (i = 0; i < 4; i++) {
		for (v = 0; v < 256; v++) {
			memcpy(m, f.init, sizeof(m));
			m[i] = (uint8_t)v;
			if (i == 0 && v == WG_MSG_INITIATION)
				continue;
			if (i > 0 && v == 0)
				continue;
			/* recompute mac1 so only the header is wrong */
			cookie_add_macs(&f.a.cm, m, sizeof(m), 0);
			ck_assert_int_eq(consume_init(&f, m, sizeof(m)),
			    WG_DROP_MALFORMED);
		}
	}
}
END_TEST

START_TEST(test_init_mac1)
{
	struct fixture	f;
	uint8_t		m[WG_INIT_LEN];
	int		i, bit;

	fixture_init(&f);
	/* every bit of mac1 */
	for (i = WG_INIT_OFF_MAC1; i < WG_INIT_OFF_MAC2; i++)
		for (bit = 0; bit < 8; bit++) {
			memcpy(m, f.init, sizeof(m));
			m[i] ^= (uint8_t)(1 << bit);
			ck_assert_int_eq(consume_init(&f, m, sizeof(m)),
			    WG_DROP_BAD_MAC);
		}
	/* every byte before mac1 is covered by it */
	for (i = 4; i < WG_INIT_OFF_MAC1; i++) {
		memcpy(m, f.init, sizeof(m));
		m[i] ^= 0x80;
		ck_assert_int_eq(consume_init(&f, m, sizeof(m)),
		    WG_DROP_BAD_MAC);
	}
	/* mac1 for someone else's key */
	{
		struct cookie_maker other;
		uint8_t pub[32];

		randombytes_buf(pub, sizeof(pub));
		cookie_maker_init(&other, pub);
		memcpy(m, f.init, sizeof(m));
		cookie_add_macs(&other, m, sizeof(m), 0);
		ck_assert_int_eq(consume_init(&f, m, sizeof(m)),
		    WG_DROP_BAD_MAC);
	}
	/* mac2 is not checked here (only under load, by the checker) */
	for (i = WG_INIT_OFF_MAC2; i < WG_INIT_LEN; i++) {
		memcpy(m, f.init, sizeof(m));
		m[i] ^= 0xff;
		ck_assert_int_eq(consume_init(&f, m, sizeof(m)), WG_OK);
	}
	ck_assert_int_eq(consume_init(&f, f.init, WG_INIT_LEN), WG_OK);
}
END_TEST

START_TEST(test_init_forged_body)
{
	struct fixture	f;
	uint8_t		m[WG_INIT_LEN];
	int		i, r;

	/*
	 * A sender who knows the responder's public key can always make a
	 * valid mac1; the Noise layer must then refuse every changed byte
	 * of the ephemeral, static and timestamp.  A changed ephemeral may
	 * happen to be a low-order point (bad_key); anything else is
	 * bad_mac.
	 */
	fixture_init(&f);
	for (i = WG_INIT_OFF_NOISE; i < WG_INIT_OFF_MAC1; i++) {
		memcpy(m, f.init, sizeof(m));
		m[i] ^= 0x01;
		cookie_add_macs(&f.a.cm, m, sizeof(m), 0);
		r = consume_init(&f, m, sizeof(m));
		if (r != WG_DROP_BAD_MAC && !(r == WG_DROP_BAD_KEY && i < 40))
			ck_abort_msg("byte %d: %s", i, wg_result_str(r));
	}
	/* The sender index is authenticated only by mac1. */
	memcpy(m, f.init, sizeof(m));
	m[WG_INIT_OFF_SENDER] ^= 1;
	cookie_add_macs(&f.a.cm, m, sizeof(m), 0);
	ck_assert_int_eq(consume_init(&f, m, sizeof(m)), WG_OK);
}
END_TEST

START_TEST(test_init_replay)
{
	struct fixture		f;
	struct noise_handshake	hr;
	uint8_t			pub[32], ts[12], last[12];
	uint32_t		idx;

	fixture_init(&f);
	/* The first copy is accepted and its timestamp recorded... */
	ck_assert_int_eq(noise_hs_init(&hr, &f.p, NOISE_RESPONDER, &f.b.s,
	    NULL), WG_OK);
	ck_assert_int_eq(wg_consume_initiation(&hr, &f.b.cc, f.init,
	    WG_INIT_LEN, &idx, pub, ts), WG_OK);
	ck_assert_int_eq(wg_check_timestamp(ts, NULL), WG_OK);
	memcpy(last, ts, sizeof(last));
	/* ...a replayed copy decrypts fine, but its timestamp is not newer */
	ck_assert_int_eq(noise_hs_init(&hr, &f.p, NOISE_RESPONDER, &f.b.s,
	    NULL), WG_OK);
	ck_assert_int_eq(wg_consume_initiation(&hr, &f.b.cc, f.init,
	    WG_INIT_LEN, &idx, pub, ts), WG_OK);
	ck_assert_int_eq(wg_check_timestamp(ts, last), WG_DROP_REPLAY);
	noise_hs_clear(&hr);
}
END_TEST

START_TEST(test_init_wrong_responder)
{
	struct fixture		f;
	struct node		c;
	struct noise_handshake	hr;
	uint8_t			m[WG_INIT_LEN], pub[32], ts[12];
	uint32_t		idx;

	/* An initiation for b, with a mac1 valid for c, sent to c. */
	fixture_init(&f);
	node_random(&c);
	memcpy(m, f.init, sizeof(m));
	cookie_maker_init(&f.a.cm, c.s.pub);
	cookie_add_macs(&f.a.cm, m, sizeof(m), 0);
	ck_assert_int_eq(noise_hs_init(&hr, &f.p, NOISE_RESPONDER, &c.s,
	    NULL), WG_OK);
	ck_assert_int_eq(wg_consume_initiation(&hr, &c.cc, m, sizeof(m),
	    &idx, pub, ts), WG_DROP_BAD_MAC);
	/* misuse: a responder state that was not started */
	ck_assert_int_eq(wg_consume_initiation(&hr, &c.cc, m, sizeof(m),
	    &idx, pub, ts), WG_ERR_ARG);
	ck_assert_int_eq(wg_initiation_finish(&hr, m, sizeof(m), ts),
	    WG_ERR_ARG);
}
END_TEST

/* ------------------------------------------------------------------ */
/* response */

struct rfixture {
	struct fixture		f;
	uint32_t		ib;
	uint8_t			resp[MAXLEN + 64];
};

static void
rfixture_init(struct rfixture *rf, const uint8_t *psk)
{
	struct noise_handshake	hr;
	uint8_t			pub[32], ts[12];
	uint32_t		idx;

	fixture_init(&rf->f);
	rf->ib = 0x0a0b0c0d;
	randombytes_buf(rf->resp, sizeof(rf->resp));
	ck_assert_int_eq(noise_hs_init(&hr, &rf->f.p, NOISE_RESPONDER,
	    &rf->f.b.s, NULL), WG_OK);
	ck_assert_int_eq(wg_consume_initiation(&hr, &rf->f.b.cc, rf->f.init,
	    WG_INIT_LEN, &idx, pub, ts), WG_OK);
	ck_assert_int_eq(wg_create_response(&hr, rf->ib, idx, psk,
	    &rf->f.b.cm, 0, rf->resp), WG_OK);
	noise_hs_clear(&hr);
}

/* Feed a response to the initiator; a refusal must leave it waiting. */
static int
consume_resp(struct rfixture *rf, const uint8_t *msg, size_t len)
{
	struct noise_handshake	before = rf->f.hi;
	uint32_t		idx;
	int			r;

	r = wg_consume_response(&rf->f.hi, &rf->f.a.cc, NULL, msg, len,
	    rf->f.ia, &idx);
	if (r != WG_OK)
		ck_assert(memcmp(&before, &rf->f.hi, sizeof(before)) == 0);
	else
		ck_assert_uint_eq(idx, rf->ib);
	return r;
}

START_TEST(test_resp_hostile)
{
	struct rfixture	rf;
	uint8_t		m[WG_RESP_LEN];
	size_t		len;
	int		i, v, bit, r;

	rfixture_init(&rf, NULL);
	for (len = 0; len <= MAXLEN; len++)
		if (len != WG_RESP_LEN)
			ck_assert_int_eq(consume_resp(&rf, rf.resp, len),
			    WG_DROP_MALFORMED);
	for (i = 0; i < 4; i++)
		for (v = 0; v < 256; v++) {
			if ((i == 0 && v == WG_MSG_RESPONSE) || (i > 0 && v == 0))
				continue;
			memcpy(m, rf.resp, sizeof(m));
			m[i] = (uint8_t)v;
			cookie_add_macs(&rf.f.b.cm, m, sizeof(m), 0);
			ck_assert_int_eq(consume_resp(&rf, m, sizeof(m)),
			    WG_DROP_MALFORMED);
		}
	/* addressed to another index */
	memcpy(m, rf.resp, sizeof(m));
	m[WG_RESP_OFF_RECEIVER] ^= 1;
	cookie_add_macs(&rf.f.b.cm, m, sizeof(m), 0);
	ck_assert_int_eq(consume_resp(&rf, m, sizeof(m)),
	    WG_DROP_UNKNOWN_INDEX);
	/* mac1, bit by bit */
	for (i = WG_RESP_OFF_MAC1; i < WG_RESP_OFF_MAC2; i++)
		for (bit = 0; bit < 8; bit++) {
			memcpy(m, rf.resp, sizeof(m));
			m[i] ^= (uint8_t)(1 << bit);
			ck_assert_int_eq(consume_resp(&rf, m, sizeof(m)),
			    WG_DROP_BAD_MAC);
		}
	/* the Noise body with a valid mac1 */
	for (i = WG_RESP_OFF_NOISE; i < WG_RESP_OFF_MAC1; i++) {
		memcpy(m, rf.resp, sizeof(m));
		m[i] ^= 0x01;
		cookie_add_macs(&rf.f.b.cm, m, sizeof(m), 0);
		r = consume_resp(&rf, m, sizeof(m));
		if (r != WG_DROP_BAD_MAC && !(r == WG_DROP_BAD_KEY &&
		    i < WG_RESP_OFF_NOISE + 32))
			ck_abort_msg("byte %d: %s", i, wg_result_str(r));
	}
	/* After all that, the genuine response still works, once. */
	ck_assert_int_eq(consume_resp(&rf, rf.resp, WG_RESP_LEN), WG_OK);
	ck_assert_int_eq(consume_resp(&rf, rf.resp, WG_RESP_LEN),
	    WG_DROP_STATE);
	noise_hs_clear(&rf.f.hi);
}
END_TEST

START_TEST(test_resp_wrong_psk)
{
	struct rfixture	rf;
	uint8_t		psk[32];

	randombytes_buf(psk, sizeof(psk));
	rfixture_init(&rf, psk);
	ck_assert_int_eq(consume_resp(&rf, rf.resp, WG_RESP_LEN),
	    WG_DROP_BAD_MAC);
	noise_hs_clear(&rf.f.hi);
}
END_TEST

/* ------------------------------------------------------------------ */
/* cookies */

static const uint8_t src1[6] = { 192, 0, 2, 1, 0xca, 0x6c };
static const uint8_t src2[6] = { 192, 0, 2, 2, 0xca, 0x6c };

START_TEST(test_cookie_flow)
{
	struct fixture		f;
	struct noise_handshake	h;
	uint8_t			reply[WG_COOKIE_REPLY_LEN], m[WG_INIT_LEN];
	uint64_t		t0 = WG_NSEC(5000);
	int			ok, type;
	uint32_t		idx;

	fixture_init(&f);
	/* Under load, an initiation without mac2: mac1 fine, no cookie. */
	ck_assert_int_eq(cookie_checker_validate(&f.b.cc, f.init, WG_INIT_LEN,
	    src1, sizeof(src1), 1, t0, &ok), WG_OK);
	ck_assert_int_eq(ok, 0);
	/* Not under load, mac2 is not even looked at. */
	ck_assert_int_eq(cookie_checker_validate(&f.b.cc, f.init, WG_INIT_LEN,
	    src1, sizeof(src1), 0, t0, &ok), WG_OK);
	ck_assert_int_eq(ok, 0);

	ck_assert_int_eq(cookie_reply_create(&f.b.cc, reply, f.init,
	    WG_INIT_LEN, src1, sizeof(src1), t0), WG_OK);
	ck_assert_int_eq(wg_msg_classify(reply, sizeof(reply), &type, &idx),
	    WG_OK);
	ck_assert_int_eq(type, WG_MSG_COOKIE);
	ck_assert_uint_eq(idx, f.ia);	/* back to the initiator's index */
	ck_assert_int_eq(cookie_consume_reply(&f.a.cm, reply, sizeof(reply),
	    t0), WG_OK);
	/* each reply opens once */
	ck_assert_int_eq(cookie_consume_reply(&f.a.cm, reply, sizeof(reply),
	    t0), WG_DROP_STATE);

	/* The retried initiation carries mac2 and passes under load, from
	 * the same address only. */
	ck_assert_int_eq(noise_hs_init(&h, &f.p, NOISE_INITIATOR, &f.a.s,
	    f.b.s.pub), WG_OK);
	ck_assert_int_eq(wg_create_initiation(&h, f.ia, f.ts, &f.a.cm,
	    t0 + WG_NSEC(1), m), WG_OK);
	ck_assert(!is_zero(m + WG_INIT_OFF_MAC2, 16));
	ck_assert_int_eq(cookie_checker_validate(&f.b.cc, m, sizeof(m),
	    src1, sizeof(src1), 1, t0 + WG_NSEC(2), &ok), WG_OK);
	ck_assert_int_eq(ok, 1);
	ck_assert_int_eq(cookie_checker_validate(&f.b.cc, m, sizeof(m),
	    src2, sizeof(src2), 1, t0 + WG_NSEC(2), &ok), WG_OK);
	ck_assert_int_eq(ok, 0);
	/* a flipped mac2 bit: mac1 still fine, mac2 not */
	m[WG_INIT_LEN - 1] ^= 1;
	ck_assert_int_eq(cookie_checker_validate(&f.b.cc, m, sizeof(m),
	    src1, sizeof(src1), 1, t0 + WG_NSEC(2), &ok), WG_OK);
	ck_assert_int_eq(ok, 0);
	m[WG_INIT_LEN - 1] ^= 1;

	/* The responder's secret rotates after 120 s: old cookies die. */
	ck_assert_int_eq(cookie_checker_validate(&f.b.cc, m, sizeof(m),
	    src1, sizeof(src1), 1, t0 + WG_NSEC(COOKIE_SECRET_MAX_AGE) - 1,
	    &ok), WG_OK);
	ck_assert_int_eq(ok, 1);
	ck_assert_int_eq(cookie_checker_validate(&f.b.cc, m, sizeof(m),
	    src1, sizeof(src1), 1, t0 + WG_NSEC(COOKIE_SECRET_MAX_AGE), &ok),
	    WG_OK);
	ck_assert_int_eq(ok, 0);
	noise_hs_clear(&h);
}
END_TEST

START_TEST(test_cookie_lifetime)
{
	struct fixture		f;
	uint8_t			reply[WG_COOKIE_REPLY_LEN], m[WG_INIT_LEN];
	const uint64_t		t0 = WG_NSEC(77);
	const uint64_t		life = WG_NSEC(COOKIE_SECRET_MAX_AGE -
				    COOKIE_SECRET_LATENCY);

	fixture_init(&f);
	ck_assert_int_eq(cookie_reply_create(&f.b.cc, reply, f.init,
	    WG_INIT_LEN, src1, sizeof(src1), t0), WG_OK);
	ck_assert_int_eq(cookie_consume_reply(&f.a.cm, reply, sizeof(reply),
	    t0), WG_OK);
	/* The initiator uses its cookie for 115 s, then sends zeros. */
	memcpy(m, f.init, sizeof(m));
	cookie_add_macs(&f.a.cm, m, sizeof(m), t0 + life - 1);
	ck_assert(!is_zero(m + WG_INIT_OFF_MAC2, 16));
	cookie_add_macs(&f.a.cm, m, sizeof(m), t0 + life);
	ck_assert(is_zero(m + WG_INIT_OFF_MAC2, 16));
	ck_assert_int_eq(f.a.cm.cookie_valid, 0);
	/* A clock that runs backwards counts as expired. */
	ck_assert_int_eq(cookie_reply_create(&f.b.cc, reply, m, sizeof(m),
	    src1, sizeof(src1), t0), WG_OK);
	ck_assert_int_eq(cookie_consume_reply(&f.a.cm, reply, sizeof(reply),
	    t0), WG_OK);
	cookie_add_macs(&f.a.cm, m, sizeof(m), t0 - 1);
	ck_assert(is_zero(m + WG_INIT_OFF_MAC2, 16));
}
END_TEST

START_TEST(test_cookie_reply_hostile)
{
	struct fixture		f;
	struct cookie_maker	fresh;
	uint8_t			reply[MAXLEN + 64], m[WG_COOKIE_REPLY_LEN];
	uint8_t			other[WG_INIT_LEN];
	size_t			len;
	int			i, v, bit;

	fixture_init(&f);
	randombytes_buf(reply, sizeof(reply));
	ck_assert_int_eq(cookie_reply_create(&f.b.cc, reply, f.init,
	    WG_INIT_LEN, src1, sizeof(src1), 0), WG_OK);
	/* no message of ours awaits a reply */
	cookie_maker_init(&fresh, f.b.s.pub);
	ck_assert_int_eq(cookie_consume_reply(&fresh, reply,
	    WG_COOKIE_REPLY_LEN, 0), WG_DROP_STATE);

	for (len = 0; len <= MAXLEN; len++)
		if (len != WG_COOKIE_REPLY_LEN)
			ck_assert_int_eq(cookie_consume_reply(&f.a.cm, reply,
			    len, 0), WG_DROP_MALFORMED);
	for (i = 0; i < 4; i++)
		for (v = 0; v < 256; v++) {
			if ((i == 0 && v == WG_MSG_COOKIE) || (i > 0 && v == 0))
				continue;
			memcpy(m, reply, sizeof(m));
			m[i] = (uint8_t)v;
			ck_assert_int_eq(cookie_consume_reply(&f.a.cm, m,
			    sizeof(m), 0), WG_DROP_MALFORMED);
		}
	/* every bit of the nonce and the encrypted cookie */
	for (i = WG_COOKIE_OFF_NONCE; i < WG_COOKIE_REPLY_LEN; i++)
		for (bit = 0; bit < 8; bit++) {
			memcpy(m, reply, sizeof(m));
			m[i] ^= (uint8_t)(1 << bit);
			ck_assert_int_eq(cookie_consume_reply(&f.a.cm, m,
			    sizeof(m), 0), WG_DROP_BAD_MAC);
		}
	/* a reply to an older message of ours: the AD (mac1) differs */
	memcpy(other, f.init, sizeof(other));
	other[WG_INIT_OFF_SENDER] ^= 1;
	cookie_add_macs(&f.a.cm, other, sizeof(other), 0);
	ck_assert_int_eq(cookie_consume_reply(&f.a.cm, reply,
	    WG_COOKIE_REPLY_LEN, 0), WG_DROP_BAD_MAC);
	ck_assert_int_eq(f.a.cm.cookie_valid, 0);
	/* a reply encrypted for a different responder key */
	{
		struct node c;

		node_random(&c);
		cookie_add_macs(&f.a.cm, f.init, WG_INIT_LEN, 0);
		ck_assert_int_eq(cookie_reply_create(&c.cc, m, f.init,
		    WG_INIT_LEN, src1, sizeof(src1), 0), WG_OK);
		ck_assert_int_eq(cookie_consume_reply(&f.a.cm, m, sizeof(m),
		    0), WG_DROP_BAD_MAC);
	}
	/* the genuine one still opens */
	ck_assert_int_eq(cookie_consume_reply(&f.a.cm, reply,
	    WG_COOKIE_REPLY_LEN, 0), WG_OK);
	ck_assert_int_eq(f.a.cm.cookie_valid, 1);
}
END_TEST

START_TEST(test_cookie_checker_hostile)
{
	struct fixture	f;
	uint8_t		buf[MAXLEN], out[WG_COOKIE_REPLY_LEN];
	size_t		len;
	int		ok;

	fixture_init(&f);
	randombytes_buf(buf, sizeof(buf));
	for (len = 0; len <= MAXLEN; len++) {
		int r = cookie_checker_validate(&f.b.cc, buf, len, src1,
		    sizeof(src1), 1, 0, &ok);

		ck_assert_int_eq(r, len < WG_MACS_LEN ? WG_DROP_MALFORMED :
		    WG_DROP_BAD_MAC);
		ck_assert_int_eq(ok, 0);
		ck_assert_int_eq(cookie_check_mac1(&f.b.cc, buf, len),
		    len < WG_MACS_LEN ? WG_DROP_MALFORMED : WG_DROP_BAD_MAC);
		/* replies only to handshake messages of the right size */
		buf[0] = (uint8_t)(1 + len % 4);
		buf[1] = buf[2] = buf[3] = 0;
		r = cookie_reply_create(&f.b.cc, out, buf, len, src1,
		    sizeof(src1), 0);
		ck_assert_int_eq(r, (buf[0] == 1 && len == WG_INIT_LEN) ||
		    (buf[0] == 2 && len == WG_RESP_LEN) ? WG_OK :
		    WG_DROP_MALFORMED);
	}
	ck_assert_int_eq(cookie_checker_validate(&f.b.cc, f.init, WG_INIT_LEN,
	    NULL, 0, 1, 0, &ok), WG_OK);
}
END_TEST

/* ------------------------------------------------------------------ */
/* data messages */

START_TEST(test_padding)
{
	static const struct { size_t len, mtu, want; } t[] = {
		{ 0, 1420, 0 }, { 1, 1420, 16 }, { 15, 1420, 16 },
		{ 16, 1420, 16 }, { 17, 1420, 32 }, { 1400, 1420, 1408 },
		{ 1408, 1420, 1408 }, { 1409, 1420, 1420 },
		{ 1419, 1420, 1420 }, { 1420, 1420, 1420 },
		/* bigger than the MTU: the last unit is padded */
		{ 1421, 1420, 1436 }, { 2840, 1420, 2840 },
		{ 2841, 1420, 2856 },
		/* mtu 0: no cap */
		{ 0, 0, 0 }, { 1, 0, 16 }, { 1500, 0, 1504 },
		/* an MTU that is not a multiple of 16 caps below roundup */
		{ 1281, 1283, 1283 }, { 1283, 1283, 1283 },
		{ 1279, 1283, 1280 }, { 1, 1, 1 }, { 2, 1, 2 },
	};
	size_t	i;

	for (i = 0; i < nitems(t); i++)
		ck_assert_msg(wg_data_padded_len(t[i].len, t[i].mtu) ==
		    t[i].want, "pad(%zu, %zu) = %zu, want %zu", t[i].len,
		    t[i].mtu, wg_data_padded_len(t[i].len, t[i].mtu),
		    t[i].want);
}
END_TEST

START_TEST(test_data_hostile)
{
	uint8_t			key[32], msg[MAXLEN + 64], m[MAXLEN + 64];
	uint8_t			pt[100];
	struct replay_window	rw;
	uint32_t		rcv;
	uint64_t		ctr;
	size_t			n, len, ptlen;
	int			i, bit, r;

	randombytes_buf(key, sizeof(key));
	randombytes_buf(pt, sizeof(pt));
	randombytes_buf(msg, sizeof(msg));
	memcpy(msg + WG_DATA_HDR_LEN, pt, 100);
	ck_assert_int_eq(wg_data_seal(msg, sizeof(msg), 100, 1420, 0x55667788,
	    42, key, &n), WG_OK);
	ck_assert_uint_eq(n, WG_DATA_MIN_LEN + 112);
	ck_assert_int_eq(wg_data_header(msg, n, &rcv, &ctr), WG_OK);
	ck_assert_uint_eq(rcv, 0x55667788);
	ck_assert_uint_eq(ctr, 42);

	/* Lengths: short ones are malformed; other lengths cut or extend
	 * the ciphertext, so the tag fails. */
	for (len = 0; len <= MAXLEN; len++) {
		memcpy(m, msg, sizeof(m));
		r = wg_data_open(m, len, key, &ptlen);
		if (len < WG_DATA_MIN_LEN)
			ck_assert_int_eq(r, WG_DROP_MALFORMED);
		else if (len == n)
			ck_assert_int_eq(r, WG_OK);
		else
			ck_assert_int_eq(r, WG_DROP_BAD_MAC);
	}
	/* type and reserved bytes */
	for (i = 0; i < 4; i++) {
		memcpy(m, msg, sizeof(m));
		m[i] ^= 0x10;
		ck_assert_int_eq(wg_data_open(m, n, key, &ptlen),
		    WG_DROP_MALFORMED);
	}
	/* every bit of counter, ciphertext and tag; the receiver index is
	 * not authenticated (the caller's lookup uses it) */
	for (i = 8; i < (int)n; i++)
		for (bit = 0; bit < 8; bit++) {
			memcpy(m, msg, sizeof(m));
			m[i] ^= (uint8_t)(1 << bit);
			r = wg_data_open(m, n, key, &ptlen);
			if (r != WG_DROP_BAD_MAC)
				ck_abort_msg("byte %d bit %d: %s", i, bit,
				    wg_result_str(r));
		}
	memcpy(m, msg, sizeof(m));
	m[4] ^= 1;
	ck_assert_int_eq(wg_data_open(m, n, key, &ptlen), WG_OK);
	/* a wrong key */
	memcpy(m, msg, sizeof(m));
	key[0] ^= 1;
	ck_assert_int_eq(wg_data_open(m, n, key, &ptlen), WG_DROP_BAD_MAC);
	key[0] ^= 1;

	/* Replays, and a forgery with a huge counter must not move the
	 * window: the genuine packet is still accepted after it. */
	replay_init(&rw);
	memcpy(m, msg, sizeof(m));
	put_le64(m + 8, 1000000);
	ck_assert_int_eq(wg_data_open_window(m, n, key, &rw, &ptlen),
	    WG_DROP_BAD_MAC);
	memcpy(m, msg, sizeof(m));
	ck_assert_int_eq(wg_data_open_window(m, n, key, &rw, &ptlen), WG_OK);
	ck_assert_uint_eq(ptlen, 112);
	ck_assert_mem_eq(m + WG_DATA_HDR_LEN, pt, 100);
	memcpy(m, msg, sizeof(m));
	ck_assert_int_eq(wg_data_open_window(m, n, key, &rw, &ptlen),
	    WG_DROP_REPLAY);
}
END_TEST

START_TEST(test_data_limits)
{
	uint8_t			key[32], m[128];
	struct replay_window	rw;
	size_t			n, ptlen;

	randombytes_buf(key, sizeof(key));
	/* the sender refuses to use the last counters */
	ck_assert_int_eq(wg_data_seal(m, sizeof(m), 0, 1420, 1,
	    REJECT_AFTER_MESSAGES, key, &n), WG_ERR_SEND_LIMIT);
	ck_assert_int_eq(wg_data_seal(m, sizeof(m), 0, 1420, 1, UINT64_MAX,
	    key, &n), WG_ERR_SEND_LIMIT);
	ck_assert_int_eq(wg_data_seal(m, sizeof(m), 0, 1420, 1,
	    REJECT_AFTER_MESSAGES - 1, key, &n), WG_OK);
	replay_init(&rw);
	ck_assert_int_eq(wg_data_open_window(m, n, key, &rw, &ptlen), WG_OK);
	ck_assert_uint_eq(ptlen, 0);		/* keepalive */
	/* the receiver refuses them before any crypto, even if
	 * authentic-looking */
	put_le64(m + 8, REJECT_AFTER_MESSAGES);
	ck_assert_int_eq(wg_data_header(m, n, NULL, NULL),
	    WG_DROP_COUNTER_LIMIT);
	ck_assert_int_eq(wg_data_open(m, n, key, &ptlen),
	    WG_DROP_COUNTER_LIMIT);
	ck_assert_int_eq(wg_data_open_window(m, n, key, &rw, &ptlen),
	    WG_DROP_COUNTER_LIMIT);
	put_le64(m + 8, UINT64_MAX);
	ck_assert_int_eq(wg_data_open(m, n, key, &ptlen),
	    WG_DROP_COUNTER_LIMIT);

	/* buffer too small, packet too large */
	ck_assert_int_eq(wg_data_seal(m, WG_DATA_MIN_LEN + 15, 1, 0, 1, 0,
	    key, &n), WG_ERR_ARG);
	ck_assert_int_eq(wg_data_seal(m, WG_DATA_MIN_LEN + 16, 1, 0, 1, 0,
	    key, &n), WG_OK);
	ck_assert_int_eq(wg_data_seal(m, sizeof(m), WG_DATA_MAX_PLAIN + 1, 0,
	    1, 0, key, &n), WG_ERR_ARG);
}
END_TEST

START_TEST(test_data_big)
{
	static uint8_t	buf[WG_DATA_MAX_LEN];
	uint8_t		key[32];
	size_t		n, ptlen;

	/* the largest message: padding must not push it past 65535 */
	randombytes_buf(key, sizeof(key));
	ck_assert_int_eq(wg_data_seal(buf, sizeof(buf), WG_DATA_MAX_PLAIN, 0,
	    1, 0, key, &n), WG_ERR_ARG);	/* 65503 rounds up to 65504 */
	ck_assert_int_eq(wg_data_seal(buf, sizeof(buf), WG_DATA_MAX_PLAIN - 15,
	    0, 1, 0, key, &n), WG_OK);
	ck_assert_uint_le(n, WG_DATA_MAX_LEN);
	ck_assert_int_eq(wg_data_open(buf, n, key, &ptlen), WG_OK);
	ck_assert_int_eq(wg_data_seal(buf, sizeof(buf), WG_DATA_MAX_PLAIN,
	    WG_DATA_MAX_PLAIN, 1, 0, key, &n), WG_OK);
	ck_assert_uint_eq(n, WG_DATA_MAX_LEN);
	ck_assert_int_eq(wg_data_open(buf, n, key, &ptlen), WG_OK);
}
END_TEST

START_TEST(test_result_strings)
{
	int	r;

	/* every reason has its own name: the daemon's counters need them */
	for (r = 0; r < WG_RESULT_MAX; r++) {
		int s;

		ck_assert_str_ne(wg_result_str(r), "unknown");
		for (s = 0; s < r; s++)
			ck_assert_str_ne(wg_result_str(r), wg_result_str(s));
	}
	ck_assert_str_eq(wg_result_str(WG_RESULT_MAX), "unknown");
	ck_assert_str_eq(wg_result_str(-1), "unknown");
}
END_TEST

static Suite *
wire_suite(void)
{
	Suite	*s = suite_create("wgwire");
	TCase	*tc;

	tc = tcase_create("handshake");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_classify);
	tcase_add_test(tc, test_classify_nat_flags);
	tcase_add_test(tc, test_init_lengths);
	tcase_add_test(tc, test_init_type_reserved);
	tcase_add_test(tc, test_init_mac1);
	tcase_add_test(tc, test_init_forged_body);
	tcase_add_test(tc, test_init_replay);
	tcase_add_test(tc, test_init_wrong_responder);
	tcase_add_test(tc, test_resp_hostile);
	tcase_add_test(tc, test_resp_wrong_psk);
	suite_add_tcase(s, tc);

	tc = tcase_create("cookie");
	tcase_add_test(tc, test_cookie_flow);
	tcase_add_test(tc, test_cookie_lifetime);
	tcase_add_test(tc, test_cookie_reply_hostile);
	tcase_add_test(tc, test_cookie_checker_hostile);
	suite_add_tcase(s, tc);

	tc = tcase_create("data");
	tcase_add_test(tc, test_padding);
	tcase_add_test(tc, test_data_hostile);
	tcase_add_test(tc, test_data_limits);
	tcase_add_test(tc, test_data_big);
	tcase_add_test(tc, test_result_strings);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 nfailed;

	if (sodium_init() < 0)
		return EXIT_FAILURE;
	sr = srunner_create(wire_suite());
	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
