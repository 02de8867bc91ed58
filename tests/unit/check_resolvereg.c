/*
 * systemd-resolved registration (daemon/resolvereg.c) without a bus:
 * the network-namespace test that keeps hamd from registering with a
 * resolved of another namespace, and a missing bus, which leaves
 * nothing registered.  tests/netns/resolved.sh runs it against a real
 * resolved.
 */
#include "autoconf.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <check.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipc/addr.h"
#include "privsep/log.h"
#include "daemon/resolvereg.h"

START_TEST(t_same_netns)
{
	int	 sv[2], p[2];
	pid_t	 pid;
	char	 c;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(resolvereg_same_netns(getpid(), sv[0]), 1);
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(resolvereg_same_netns(getpid(), p[0]), -1);
	ck_assert_int_eq(resolvereg_same_netns(getpid(), -1), -1);
	ck_assert_int_eq(resolvereg_same_netns(0, sv[0]), -1);
	/* A process of another network namespace does not see it. */
	if ((pid = fork()) == 0) {
		c = unshare(CLONE_NEWNET) == 0 ? 'y' : 'n';
		if (write(p[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	ck_assert_int_ne(pid, -1);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	if (c == 'y')
		ck_assert_int_eq(resolvereg_same_netns(pid, sv[0]), 0);
	else
		ck_assert_int_eq(resolvereg_same_netns(pid, sv[0]), 1);
	(void)kill(pid, SIGKILL);
	(void)waitpid(pid, NULL, 0);
	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(t_no_bus)
{
	struct resolvereg	 r;
	struct ip_prefix	 a;
	char			 buf[256];

	ck_assert_int_eq(setenv("DBUS_SYSTEM_BUS_ADDRESS",
	    "unix:path=/nonexistent/hamd-test-bus", 1), 0);
	memset(&r, 0xa5, sizeof(r));
	resolvereg_init(&r);
	ck_assert_int_eq(r.ours, 0);
	ck_assert_int_eq(r.ifindex, 0);
	ck_assert(r.why[0] != '\0');
	memset(&a, 0, sizeof(a));
	a.af = AF_INET;
	a.plen = 32;
	ck_assert_int_eq(inet_pton(AF_INET, "100.64.0.1", &a.addr), 1);
	resolvereg_set(&r, 5, "ham0", &a, 1, "hamd.internal");
	ck_assert_int_eq(r.ifindex, 0);
	resolvereg_revert(&r);
	ck_assert_int_eq(r.ifindex, 0);
	resolvereg_state(&r, buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "not registered with "
	    "systemd-resolved: "));
	/* what hamctl status shows in each state */
	memset(&r, 0, sizeof(r));
	r.ours = 1;
	resolvereg_state(&r, buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "once the responder answers"));
	r.ifindex = 3;
	(void)strlcpy(r.ifname, "ham0", sizeof(r.ifname));
	resolvereg_state(&r, buf, sizeof(buf));
	ck_assert_str_eq(buf, "registered with systemd-resolved on ham0");
	(void)strlcpy(r.why, "SetLinkDNS: Access denied", sizeof(r.why));
	resolvereg_state(&r, buf, sizeof(buf));
	ck_assert_str_eq(buf, "systemd-resolved refused: SetLinkDNS: Access "
	    "denied");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("resolvereg");
	TCase	*tc = tcase_create("resolvereg");
	SRunner	*sr;
	int	 failed;

	log_init("check_resolvereg", 1, 0);
	tcase_add_test(tc, t_same_netns);
	tcase_add_test(tc, t_no_bus);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
