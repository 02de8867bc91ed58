/*
 * The receiver's rule check: a message of the wrong type, origin, size,
 * fd or termination ends the process (fatalx, exit status 1); a correct
 * one passes.  Run against hamd's own rule table.
 */
#include "autoconf.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "hamd.h"
#include "log.h"
#include "proc.h"

static struct privsep	 ps;
static struct imsg	 msg;
static uint8_t		 payload[HUB_FRAME_MAX + 64];

static void
quiet(int priority, const char *line)
{
	(void)priority;
	(void)line;
}

/* A message of type, len bytes, fd, as process `self' receives it. */
static void
setup_msg(int self, uint32_t type, size_t len, int fd)
{
	memset(&ps, 0, sizeof(ps));
	ps.procs = hamd_procs;
	ps.rules = hamd_msg_rules;
	ps.nrules = IMSG_MAX_TYPE;
	ps.id = self;
	memset(&msg, 0, sizeof(msg));
	msg.hdr.type = type;
	msg.hdr.len = (uint32_t)(IMSG_HEADER_SIZE + len);
	msg.fd = fd;
	msg.data = payload;
	msg.datalen = len;
	memset(payload, 'x', sizeof(payload));
	log_set_sink(quiet);
}

/* These must not be in hamd's real procs: entry points are not linked. */
void control_main(struct privsep *p, const struct control_program *c)
{ (void)p; (void)c; }
void engine_run(struct privsep *p) { (void)p; }
void tun_run(struct privsep *p) { (void)p; }
void hubengine_run(struct privsep *p) { (void)p; }
void authority_run(struct privsep *p) { (void)p; }

/* The same checks against hamhubd's table. */
static void
setup_hub_msg(int self, uint32_t type, size_t len, int fd)
{
	setup_msg(self, type, len, fd);
	ps.procs = hubd_procs;
	ps.rules = hubd_msg_rules;
}

START_TEST(t_valid)
{
	setup_msg(HAMD_PROC_TUN, IMSG_TUN_PRIVKEY, KEY_LEN, -1);
	proc_check(&ps, PROC_PARENT, &msg);
	setup_msg(PROC_PARENT, IMSG_TUN_PUBKEY, KEY_LEN, -1);
	proc_check(&ps, HAMD_PROC_TUN, &msg);
	setup_msg(HAMD_PROC_CONTROL, IMSG_CONTROL_SOCKET, 0, 5);
	proc_check(&ps, PROC_PARENT, &msg);
	setup_msg(PROC_PARENT, IMSG_LOG, 20, -1);
	payload[19] = '\0';
	proc_check(&ps, HAMD_PROC_ENGINE, &msg);
}
END_TEST

START_TEST(t_key_from_engine)
{
	/* Only the parent may hand tun a key. */
	setup_msg(HAMD_PROC_TUN, IMSG_TUN_PRIVKEY, KEY_LEN, -1);
	proc_check(&ps, HAMD_PROC_ENGINE, &msg);
}
END_TEST

START_TEST(t_key_to_engine)
{
	/* A key is never accepted by the engine, whoever sends it. */
	setup_msg(HAMD_PROC_ENGINE, IMSG_TUN_PRIVKEY, KEY_LEN, -1);
	proc_check(&ps, PROC_PARENT, &msg);
}
END_TEST

START_TEST(t_short)
{
	setup_msg(HAMD_PROC_TUN, IMSG_TUN_PRIVKEY, KEY_LEN - 1, -1);
	proc_check(&ps, PROC_PARENT, &msg);
}
END_TEST

START_TEST(t_long)
{
	setup_msg(HAMD_PROC_TUN, IMSG_TUN_PRIVKEY, KEY_LEN + 1, -1);
	proc_check(&ps, PROC_PARENT, &msg);
}
END_TEST

START_TEST(t_unknown_type)
{
	setup_msg(PROC_PARENT, IMSG_MAX_TYPE + 7, 0, -1);
	proc_check(&ps, HAMD_PROC_CONTROL, &msg);
}
END_TEST

START_TEST(t_type_zero)
{
	setup_msg(PROC_PARENT, IMSG_NONE, 0, -1);
	proc_check(&ps, HAMD_PROC_CONTROL, &msg);
}
END_TEST

START_TEST(t_unexpected_fd)
{
	setup_msg(HAMD_PROC_TUN, IMSG_TUN_PRIVKEY, KEY_LEN, 5);
	proc_check(&ps, PROC_PARENT, &msg);
}
END_TEST

START_TEST(t_missing_fd)
{
	setup_msg(HAMD_PROC_CONTROL, IMSG_CONTROL_SOCKET, 0, -1);
	proc_check(&ps, PROC_PARENT, &msg);
}
END_TEST

START_TEST(t_log_unterminated)
{
	setup_msg(PROC_PARENT, IMSG_LOG, 20, -1);
	proc_check(&ps, HAMD_PROC_ENGINE, &msg);
}
END_TEST

START_TEST(t_log_oversized)
{
	setup_msg(PROC_PARENT, IMSG_LOG, sizeof(int32_t) + LOG_LINE_MAX + 1, -1);
	payload[sizeof(int32_t) + LOG_LINE_MAX] = '\0';
	proc_check(&ps, HAMD_PROC_ENGINE, &msg);
}
END_TEST

START_TEST(t_ctl_from_engine)
{
	/* Control requests carry credentials: only control may send them. */
	setup_msg(PROC_PARENT, IMSG_CTL_RELOAD, sizeof(struct ctl_cred), -1);
	proc_check(&ps, HAMD_PROC_ENGINE, &msg);
}
END_TEST

START_TEST(t_every_rule_named)
{
	uint32_t	 t;

	/* Dense numbering: every type but 0 is used by hamd or hamhubd. */
	for (t = 1; t < IMSG_MAX_TYPE; t++)
		ck_assert_msg(hamd_msg_rules[t].name != NULL ||
		    hubd_msg_rules[t].name != NULL,
		    "message type %u has no rule", t);
	ck_assert_ptr_null(hamd_msg_rules[IMSG_NONE].name);
	ck_assert_ptr_null(hubd_msg_rules[IMSG_NONE].name);
}
END_TEST

START_TEST(t_hub_valid)
{
	setup_hub_msg(HUBD_PROC_AUTHORITY, IMSG_HUBD_PRIVKEY, KEY_LEN, -1);
	proc_check(&ps, PROC_PARENT, &msg);
	setup_hub_msg(HUBD_PROC_AUTHORITY, IMSG_HUB_FRAME_IN, 100, -1);
	proc_check(&ps, HUBD_PROC_ENGINE, &msg);
	setup_hub_msg(HUBD_PROC_ENGINE, IMSG_HUBD_LISTENER, sizeof(int32_t),
	    5);
	proc_check(&ps, PROC_PARENT, &msg);
}
END_TEST

START_TEST(t_hub_key_to_engine)
{
	/* The network-facing engine never receives the hub's key. */
	setup_hub_msg(HUBD_PROC_ENGINE, IMSG_HUBD_PRIVKEY, KEY_LEN, -1);
	proc_check(&ps, PROC_PARENT, &msg);
}
END_TEST

START_TEST(t_hub_frame_oversized)
{
	setup_hub_msg(HUBD_PROC_AUTHORITY, IMSG_HUB_FRAME_IN,
	    HUB_FRAME_MAX + 1, -1);
	proc_check(&ps, HUBD_PROC_ENGINE, &msg);
}
END_TEST

START_TEST(t_hub_type_of_hamd)
{
	/* hamd's data plane messages mean nothing to hamhubd. */
	setup_hub_msg(HUBD_PROC_AUTHORITY, IMSG_TUN_PRIVKEY, KEY_LEN, -1);
	proc_check(&ps, PROC_PARENT, &msg);
}
END_TEST

START_TEST(t_hub_frame_from_control)
{
	setup_hub_msg(HUBD_PROC_AUTHORITY, IMSG_HUB_FRAME_IN, 100, -1);
	proc_check(&ps, HUBD_PROC_CONTROL, &msg);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("proc");
	TCase	*tc = tcase_create("rules");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, t_valid);
	tcase_add_test(tc, t_every_rule_named);
	tcase_add_exit_test(tc, t_key_from_engine, 1);
	tcase_add_exit_test(tc, t_key_to_engine, 1);
	tcase_add_exit_test(tc, t_short, 1);
	tcase_add_exit_test(tc, t_long, 1);
	tcase_add_exit_test(tc, t_unknown_type, 1);
	tcase_add_exit_test(tc, t_type_zero, 1);
	tcase_add_exit_test(tc, t_unexpected_fd, 1);
	tcase_add_exit_test(tc, t_missing_fd, 1);
	tcase_add_exit_test(tc, t_log_unterminated, 1);
	tcase_add_exit_test(tc, t_log_oversized, 1);
	tcase_add_exit_test(tc, t_ctl_from_engine, 1);
	tcase_add_test(tc, t_hub_valid);
	tcase_add_exit_test(tc, t_hub_key_to_engine, 1);
	tcase_add_exit_test(tc, t_hub_frame_oversized, 1);
	tcase_add_exit_test(tc, t_hub_type_of_hamd, 1);
	tcase_add_exit_test(tc, t_hub_frame_from_control, 1);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	/* Exit tests need a fork per test. */
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
