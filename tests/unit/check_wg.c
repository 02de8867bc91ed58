/*
 * Unit tests for the WireGuard device (daemon/wg_*.c): two devices in
 * one process, each the other's peer, their datagrams carried by hand
 * so that a test decides what arrives and when.  They check when a
 * handshake counts: as in WireGuard, once the session is confirmed (the
 * initiator on a valid response, the responder on the first transport
 * message that authenticates under it), never when the responder only
 * answers, so a handshake that cannot complete (preshared keys that
 * differ) shows as none on both sides.
 */
#include "autoconf.h"

#include <check.h>
#include <stdlib.h>

#include "tests/unit/wgpair.h"

static void
assert_handshakes(const struct side *s, uint64_t n)
{
	const struct wg_peer	*p = peer_of(s);

	ck_assert_uint_eq(p->st.handshakes, n);
	if (n == 0)
		ck_assert_int_eq(p->st.last_handshake, 0);
	else
		ck_assert_int_gt(p->st.last_handshake, 0);
}

/*
 * Preshared keys that differ: the responder answers, but the initiator
 * cannot open the answer, so no session exists and neither side may
 * show a handshake; retries change nothing.  The responder's keys that
 * were never confirmed are still wiped in time.
 */
START_TEST(test_psk_mismatch)
{
	uint8_t			 pa[32], pb[32];
	const struct wg_peer	*pr;
	int			 i, try;

	memset(pa, 0x11, sizeof(pa));
	memset(pb, 0x22, sizeof(pb));
	introduce(&a, &b, pa);
	introduce(&b, &a, pb);

	send_ping(&a, &b);
	for (try = 0; try < 3; try++) {
		ck_assert_int_eq(deliver(&a, &b), 1);	/* initiation */
		ck_assert_int_eq(deliver(&b, &a), 1);	/* response */
		ck_assert_int_eq(a.nq, 0);		/* nothing to confirm */
		assert_handshakes(&a, 0);
		assert_handshakes(&b, 0);
		ck_assert_uint_eq(peer_of(&a)->st.drops[WG_DROP_BAD_MAC],
		    (uint64_t)try + 1);
		ck_assert(!wg_peer_has_session(peer_of(&a), now));
		ck_assert(!wg_peer_has_session(peer_of(&b), now));
		/* The retransmit timer: REKEY_TIMEOUT and some jitter. */
		now += WG_NSEC(REKEY_TIMEOUT + 1);
		next_timestamp();
		wg_tick(a.dev, now);
	}
	ck_assert_int_eq(a.tun_writes + b.tun_writes, 0);

	/* Keys wiped REJECT_AFTER_TIME * 3 after the last derivation. */
	pr = peer_of(&b);
	ck_assert_ptr_nonnull(pr->next);
	now += WG_NSEC(REJECT_AFTER_TIME * 3);
	wg_tick(b.dev, now);
	ck_assert_ptr_null(pr->next);
	for (i = 0; i < 3; i++)
		ck_assert(!pr->kp[i].valid);
	assert_handshakes(&b, 0);
}
END_TEST

/*
 * Matching keys (or none): the initiator counts on the response, the
 * responder on the first data packet under the new session, each once.
 */
static void
handshake_counts(const uint8_t *psk)
{
	introduce(&a, &b, psk);
	introduce(&b, &a, psk);

	send_ping(&a, &b);
	ck_assert_int_eq(deliver(&a, &b), 1);
	/* Answered, not confirmed: the initiator may never see it. */
	ck_assert_int_eq(b.nq, 1);
	assert_handshakes(&b, 0);
	ck_assert_ptr_nonnull(peer_of(&b)->next);

	ck_assert_int_eq(deliver(&b, &a), 1);
	assert_handshakes(&a, 1);
	ck_assert_uint_gt(peer_of(&a)->rtt_us, 0);
	/* The staged ping goes out on the new session. */
	ck_assert_int_eq(a.nq, 1);
	assert_handshakes(&b, 0);

	ck_assert_int_eq(deliver(&a, &b), 1);
	ck_assert_int_eq(b.tun_writes, 1);
	assert_handshakes(&b, 1);
	ck_assert_ptr_null(peer_of(&b)->next);
	ck_assert(wg_peer_has_session(peer_of(&b), now));

	/* More traffic both ways is no new handshake. */
	send_ping(&b, &a);
	ck_assert_int_eq(deliver(&b, &a), 1);
	send_ping(&a, &b);
	ck_assert_int_eq(deliver(&a, &b), 1);
	ck_assert_int_eq(a.tun_writes, 1);
	ck_assert_int_eq(b.tun_writes, 2);
	assert_handshakes(&a, 1);
	assert_handshakes(&b, 1);
}

START_TEST(test_handshake_psk)
{
	uint8_t	 psk[32];

	memset(psk, 0x33, sizeof(psk));
	handshake_counts(psk);
}
END_TEST

START_TEST(test_handshake_no_psk)
{
	handshake_counts(NULL);
}
END_TEST

/*
 * With nothing staged the initiator confirms with a keepalive, which
 * counts like any data: it is an authenticated transport message.
 */
START_TEST(test_keepalive_confirms)
{
	introduce(&a, &b, NULL);
	introduce(&b, &a, NULL);

	wg_peer_initiate(a.dev, peer_of(&a), now);
	ck_assert_int_eq(deliver(&a, &b), 1);
	ck_assert_int_eq(deliver(&b, &a), 1);
	assert_handshakes(&a, 1);
	assert_handshakes(&b, 0);
	ck_assert_int_eq(deliver(&a, &b), 1);	/* the keepalive */
	ck_assert_int_eq(b.tun_writes, 0);
	assert_handshakes(&b, 1);
}
END_TEST

/*
 * A transport message that names the new session but does not
 * authenticate confirms nothing: only the initiator, who has the keys,
 * can confirm.
 */
START_TEST(test_forged_confirmation)
{
	const struct wg_peer	*pb;
	uint8_t			 msg[32 + 16];

	introduce(&a, &b, NULL);
	introduce(&b, &a, NULL);

	wg_peer_initiate(a.dev, peer_of(&a), now);
	ck_assert_int_eq(deliver(&a, &b), 1);
	pb = peer_of(&b);
	ck_assert_ptr_nonnull(pb->next);

	memset(msg, 0, sizeof(msg));
	msg[0] = 4;				/* transport data */
	put_le32(msg + 4, pb->next->local_index);
	randombytes_buf(msg + 16, sizeof(msg) - 16);
	wg_receive(b.dev, &a.addr, msg, sizeof(msg), now);
	ck_assert_uint_eq(pb->st.drops[WG_DROP_BAD_MAC], 1);
	assert_handshakes(&b, 0);
	ck_assert_ptr_nonnull(pb->next);

	/* The real confirmation still works. */
	ck_assert_int_eq(deliver(&b, &a), 1);
	ck_assert_int_eq(deliver(&a, &b), 1);
	assert_handshakes(&b, 1);
}
END_TEST

/* A second handshake the other way round counts once more on each side. */
START_TEST(test_second_handshake)
{
	introduce(&a, &b, NULL);
	introduce(&b, &a, NULL);

	send_ping(&a, &b);
	ck_assert_int_eq(deliver(&a, &b), 1);
	ck_assert_int_eq(deliver(&b, &a), 1);
	ck_assert_int_eq(deliver(&a, &b), 1);
	assert_handshakes(&a, 1);
	assert_handshakes(&b, 1);

	now += 2 * SEC;
	wg_peer_initiate(b.dev, peer_of(&b), now);
	ck_assert_int_eq(deliver(&b, &a), 1);
	assert_handshakes(&a, 1);
	ck_assert_int_eq(deliver(&a, &b), 1);
	assert_handshakes(&b, 2);
	ck_assert_int_eq(deliver(&b, &a), 1);	/* b's keepalive */
	assert_handshakes(&a, 2);
}
END_TEST

static Suite *
wg_suite(void)
{
	Suite	*s = suite_create("wg");
	TCase	*tc = tcase_create("handshake counts");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_psk_mismatch);
	tcase_add_test(tc, test_handshake_psk);
	tcase_add_test(tc, test_handshake_no_psk);
	tcase_add_test(tc, test_keepalive_confirms);
	tcase_add_test(tc, test_forged_confirmation);
	tcase_add_test(tc, test_second_handshake);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(wg_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
