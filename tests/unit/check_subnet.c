/*
 * The parent's answers to hamctl about subnet routes (daemon/subnet.c):
 * route masquerade checks the client's prefix (a client's bytes: an
 * answer, never fatal), refuses an exit node's offer, keeps each prefix
 * once and at most HUB_ROUTES_MAX; a run without -x is confined one at
 * a time and only its own end lifts it.  As root, in a network
 * namespace of its own, against the kernel's nftables; elsewhere the
 * checks that need no kernel.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <check.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon/netconf.h"
#include "daemon/subnet.h"
#include "privsep/log.h"

static struct subnet	 sn;
static struct netconf	 nc;
static int		 kernel;	/* nftables of our own namespace */

static void
setup(void)
{
	memset(&nc, 0, sizeof(nc));
	(void)strlcpy(nc.tun.name, "ham0", sizeof(nc.tun.name));
	nc.nl.fd = -1;
	subnet_init(&sn);
	kernel = sn.nftfd != -1;
}

static void
teardown(void)
{
	if (sn.nftfd != -1)
		(void)close(sn.nftfd);
}

static struct ip_prefix
pfx(const char *s)
{
	struct ip_prefix	 p;

	ck_assert_int_eq(prefix_parse(s, &p, 1, NULL, 0), 0);
	return p;
}

START_TEST(t_masq_ctl)
{
	struct ip_prefix	 p, bad;
	char			 msg[256], b[32];
	int			 i;

	p = pfx("192.168.50.0/24");
	ck_assert_int_eq(subnet_masq_ctl(&sn, &nc, &p, 1, msg, sizeof(msg)),
	    0);
	ck_assert_int_eq(sn.nmasq_ctl, 1);
	ck_assert_ptr_nonnull(strstr(msg, "advertise-route \"192.168.50.0/24\""));
	/* twice: still once */
	ck_assert_int_eq(subnet_masq_ctl(&sn, &nc, &p, 1, msg, sizeof(msg)),
	    0);
	ck_assert_int_eq(sn.nmasq_ctl, 1);
	ck_assert_int_eq(subnet_masq_ctl(&sn, &nc, &p, 0, msg, sizeof(msg)),
	    0);
	ck_assert_int_eq(sn.nmasq_ctl, 0);
	/* off for what was never on: nothing to do, no error */
	ck_assert_int_eq(subnet_masq_ctl(&sn, &nc, &p, 0, msg, sizeof(msg)),
	    0);
	/* an exit node's offer */
	p = pfx("0.0.0.0/0");
	ck_assert_int_eq(subnet_masq_ctl(&sn, &nc, &p, 1, msg, sizeof(msg)),
	    -1);
	ck_assert_ptr_nonnull(strstr(msg, "always masquerades"));
	/* hostile: a family, a length, host bits, loopback */
	memset(&bad, 0, sizeof(bad));
	bad.af = 77;
	bad.plen = 8;
	ck_assert_int_eq(subnet_masq_ctl(&sn, &nc, &bad, 1, msg, sizeof(msg)),
	    -1);
	bad = pfx("10.0.0.0/8");
	bad.plen = 200;
	ck_assert_int_eq(subnet_masq_ctl(&sn, &nc, &bad, 1, msg, sizeof(msg)),
	    -1);
	bad = pfx("10.0.0.1/8");
	ck_assert_int_eq(subnet_masq_ctl(&sn, &nc, &bad, 1, msg, sizeof(msg)),
	    -1);
	bad = pfx("127.0.0.0/8");
	ck_assert_int_eq(subnet_masq_ctl(&sn, &nc, &bad, 1, msg, sizeof(msg)),
	    -1);
	ck_assert_int_eq(sn.nmasq_ctl, 0);
	/* at most HUB_ROUTES_MAX */
	for (i = 0; i < HUB_ROUTES_MAX; i++) {
		(void)snprintf(b, sizeof(b), "10.%d.0.0/16", i);
		p = pfx(b);
		ck_assert_int_eq(subnet_masq_ctl(&sn, &nc, &p, 1, msg,
		    sizeof(msg)), 0);
	}
	p = pfx("172.16.0.0/12");
	ck_assert_int_eq(subnet_masq_ctl(&sn, &nc, &p, 1, msg, sizeof(msg)),
	    -1);
	ck_assert_ptr_nonnull(strstr(msg, "turn one off first"));
	ck_assert_int_eq(sn.nmasq_ctl, HUB_ROUTES_MAX);
}
END_TEST

START_TEST(t_confine)
{
	char	 msg[256];

	ck_assert_int_eq(subnet_confine(&sn, &nc, 0, 1, 0, msg, sizeof(msg)),
	    -1);
	ck_assert_int_eq(subnet_confine(&sn, &nc, 42, 0, 0, msg, sizeof(msg)),
	    -1);
	ck_assert_int_eq(subnet_confine(&sn, &nc, 42, 65, 0, msg, sizeof(msg)),
	    -1);
	ck_assert_int_eq(subnet_confine(&sn, &nc, 42, 1, 1, msg, sizeof(msg)),
	    -1);	/* the end of a run never confined */
	if (!kernel) {
		ck_assert_int_eq(subnet_confine(&sn, &nc, 42, 1, 0, msg,
		    sizeof(msg)), -1);
		ck_assert_ptr_nonnull(strstr(msg, "nftables"));
		ck_assert_uint_eq(sn.only_cgroup, 0);
		return;
	}
	ck_assert_int_eq(subnet_confine(&sn, &nc, 42, 1, 0, msg, sizeof(msg)),
	    0);
	ck_assert_uint_eq(sn.only_cgroup, 42);
	ck_assert_int_eq(subnet_confine(&sn, &nc, 43, 1, 0, msg, sizeof(msg)),
	    -1);
	ck_assert_ptr_nonnull(strstr(msg, "one at a time"));
	ck_assert_int_eq(subnet_confine(&sn, &nc, 43, 1, 1, msg, sizeof(msg)),
	    -1);	/* another run's end lifts nothing */
	ck_assert_uint_eq(sn.only_cgroup, 42);
	ck_assert_int_eq(subnet_confine(&sn, &nc, 42, 1, 1, msg, sizeof(msg)),
	    0);
	ck_assert_uint_eq(sn.only_cgroup, 0);
	ck_assert_int_eq(subnet_confine(&sn, &nc, 43, 1, 0, msg, sizeof(msg)),
	    0);
	subnet_shutdown(&sn, &nc);
	ck_assert_uint_eq(sn.only_cgroup, 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("subnet");
	TCase	*tc = tcase_create("hamctl");
	SRunner	*sr;
	int	 failed;

	log_init("check_subnet", 1, 0);
	/* nftables of our own, where we may: none of the machine's. */
	if (getuid() != 0 || unshare(CLONE_NEWNET) == -1)
		fprintf(stderr, "check_subnet: no network namespace of its "
		    "own: the checks that need nftables are left out\n");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, t_masq_ctl);
	tcase_add_test(tc, t_confine);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
