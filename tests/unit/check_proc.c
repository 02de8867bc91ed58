/*
 * The receiver's rule check: a message of the wrong type, origin, size,
 * fd or termination ends the process (fatalx, exit status 1); a correct
 * one passes.  Run against hamd's own rule table, with the framework's
 * and the control process's messages (check_prochub: hamhubd's).
 */
#include "autoconf.h"

#include "daemon/hamd_msg.h"
#include "tests/unit/proctest.h"

static void
setup_msg(int self, uint32_t type, size_t len, int fd)
{
	setup_msg_in(hamd_procs, hamd_msg_rules, HAMD_IMSG_MAX, self, type,
	    len, fd);
}

/* These must not be in hamd's real procs: entry points are not linked. */
void control_main(struct privsep *p, const struct control_program *c)
{ (void)p; (void)c; exit(0); }
void engine_run(struct privsep *p) { (void)p; }
void tun_run(struct privsep *p) { (void)p; }

START_TEST(t_valid)
{
	setup_msg(HAMD_PROC_TUN, IMSG_TUN_PRIVKEY, KEY_LEN, -1);
	proc_check(&ps, PROC_PARENT, &msg);
	setup_msg(PROC_PARENT, IMSG_TUN_PUBKEY, KEY_LEN, -1);
	proc_check(&ps, HAMD_PROC_TUN, &msg);
	setup_msg(HAMD_PROC_CONTROL, IMSG_CONTROL_SOCKET, 0, 5);
	proc_check(&ps, PROC_PARENT, &msg);
	setup_msg(PROC_PARENT, PROC_IMSG_LOG, 20, -1);
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
	setup_msg(PROC_PARENT, HAMD_IMSG_MAX + 7, 0, -1);
	proc_check(&ps, HAMD_PROC_CONTROL, &msg);
}
END_TEST

START_TEST(t_type_zero)
{
	setup_msg(PROC_PARENT, 0, 0, -1);
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
	setup_msg(PROC_PARENT, PROC_IMSG_LOG, 20, -1);
	proc_check(&ps, HAMD_PROC_ENGINE, &msg);
}
END_TEST

START_TEST(t_log_oversized)
{
	setup_msg(PROC_PARENT, PROC_IMSG_LOG, sizeof(int32_t) + LOG_LINE_MAX + 1, -1);
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

	/*
	 * Dense numbering: every type of hamd's own has a rule; 0 and the
	 * framework's types are not in a program's table.
	 */
	for (t = CTL_IMSG_END; t < HAMD_IMSG_MAX; t++)
		ck_assert_msg(hamd_msg_rules[t].name != NULL,
		    "message type %u has no rule", t);
	for (t = 0; t < PROC_IMSG_FIRST; t++)
		ck_assert_ptr_null(hamd_msg_rules[t].name);
}
END_TEST

int
main(void)
{
	TCase	*tc = tcase_create("rules");

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
	return run_tcase("proc", tc);
}
