/*
 * Unit tests for daemon/overlay.c: the parent sets only overlay
 * addresses whose pools lie in private, shared or unique local space,
 * with a prefix length a hub may use, whatever tun reports.
 */
#include "autoconf.h"

#include <sys/socket.h>
#include <arpa/inet.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/overlay.h"
#include "proto/hubproto.h"

static const struct {
	const char	*v4;
	unsigned int	 v4_plen;
	const char	*v6;
	unsigned int	 v6_plen;
	const char	*refused;	/* in the reason; NULL: accepted */
} cases[] = {
	{ .v4 = "100.64.0.5", .v4_plen = 10, .v6 = "fd12:3456:789a::5",
	    .v6_plen = 64 },
	{ .v4 = "10.1.2.3", .v4_plen = 8, .v6 = "fc00::1", .v6_plen = 48 },
	{ .v4 = "172.31.255.254", .v4_plen = 30, .v6 = "fdff::1",
	    .v6_plen = 124 },
	{ .v4 = "192.168.7.1", .v4_plen = 16, .v6 = "fd00::7",
	    .v6_plen = 64 },
	/* Public space, or a pool that reaches into it. */
	{ .v4 = "198.51.100.7", .v4_plen = 24, .v6 = "fd00::7",
	    .v6_plen = 64, .refused = "198.51.100.7/24: outside" },
	{ .v4 = "100.64.0.5", .v4_plen = 8, .v6 = "fd00::7", .v6_plen = 64,
	    .refused = "100.64.0.5/8: outside" },
	{ .v4 = "172.32.0.1", .v4_plen = 16, .v6 = "fd00::7", .v6_plen = 64,
	    .refused = "172.32.0.1/16: outside" },
	{ .v4 = "192.168.1.5", .v4_plen = 15, .v6 = "fd00::7", .v6_plen = 64,
	    .refused = "192.168.1.5/15: outside" },
	{ .v4 = "10.0.0.1", .v4_plen = 24, .v6 = "2001:db8::7", .v6_plen = 64,
	    .refused = "2001:db8::7/64: outside" },
	{ .v4 = "10.0.0.1", .v4_plen = 24, .v6 = "fe80::7", .v6_plen = 64,
	    .refused = "fe80::7/64: outside" },
	/* Prefix lengths no hub pool has. */
	{ .v4 = "10.0.0.1", .v4_plen = 7, .v6 = "fd00::7", .v6_plen = 64,
	    .refused = "prefix length /7" },
	{ .v4 = "10.0.0.1", .v4_plen = 31, .v6 = "fd00::7", .v6_plen = 64,
	    .refused = "prefix length /31" },
	{ .v4 = "10.0.0.1", .v4_plen = 24, .v6 = "fd00::7", .v6_plen = 47,
	    .refused = "prefix length /47" },
	{ .v4 = "10.0.0.1", .v4_plen = 24, .v6 = "fd00::7", .v6_plen = 128,
	    .refused = "prefix length /128" },
	{ .v4 = "10.0.0.1", .v4_plen = 0, .v6 = "fd00::7", .v6_plen = 64,
	    .refused = "prefix length /0" },
};

START_TEST(test_overlay_check)
{
	struct hub_login_ok	 ok;
	struct ip_prefix	 want[2];
	char			 err[200], buf[PREFIX_STRLEN];
	char			 exp[PREFIX_STRLEN + 8];
	int			 rc;

	memset(&ok, 0, sizeof(ok));
	ck_assert_int_eq(inet_pton(AF_INET, cases[_i].v4, ok.v4), 1);
	ck_assert_int_eq(inet_pton(AF_INET6, cases[_i].v6, ok.v6), 1);
	ok.v4_plen = (uint8_t)cases[_i].v4_plen;
	ok.v6_plen = (uint8_t)cases[_i].v6_plen;
	err[0] = '\0';
	rc = overlay_check(&ok, want, err, sizeof(err));
	if (cases[_i].refused != NULL) {
		ck_assert_msg(rc == -1, "%s/%u %s/%u accepted", cases[_i].v4,
		    cases[_i].v4_plen, cases[_i].v6, cases[_i].v6_plen);
		ck_assert_msg(strstr(err, cases[_i].refused) != NULL,
		    "reason \"%s\" lacks \"%s\"", err, cases[_i].refused);
		return;
	}
	ck_assert_msg(rc == 0, "refused: %s", err);
	(void)snprintf(exp, sizeof(exp), "%s/%u", cases[_i].v4,
	    cases[_i].v4_plen);
	ck_assert_str_eq(prefix_str(&want[0], buf, sizeof(buf)), exp);
	(void)snprintf(exp, sizeof(exp), "%s/%u", cases[_i].v6,
	    cases[_i].v6_plen);
	ck_assert_str_eq(prefix_str(&want[1], buf, sizeof(buf)), exp);
}
END_TEST

int
main(void)
{
	Suite	*su = suite_create("overlay");
	TCase	*tc = tcase_create("check");
	SRunner	*sr;
	int	 failed;

	tcase_add_loop_test(tc, test_overlay_check, 0, nitems(cases));
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
