/*
 * check_proc's rule checks against hamhubd's table: the hub's key only
 * ever reaches the authority, frames come only from the engine.
 */
#include "autoconf.h"

#include "hub/hubd_msg.h"
#include "tests/unit/proctest.h"

static void
setup_hub_msg(int self, uint32_t type, size_t len, int fd)
{
	setup_msg_in(hubd_procs, hubd_msg_rules, HUBD_IMSG_MAX, self, type,
	    len, fd);
}

/* Entry points are not linked. */
void control_main(struct privsep *p, const struct control_program *c)
{ (void)p; (void)c; exit(0); }
void hubengine_run(struct privsep *p) { (void)p; }
void authority_run(struct privsep *p) { (void)p; }

START_TEST(t_hub_every_rule_named)
{
	uint32_t	 t;

	for (t = CTL_IMSG_END; t < HUBD_IMSG_MAX; t++)
		ck_assert_msg(hubd_msg_rules[t].name != NULL,
		    "message type %u has no rule", t);
	for (t = 0; t < PROC_IMSG_FIRST; t++)
		ck_assert_ptr_null(hubd_msg_rules[t].name);
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
	/* hamd's own control requests mean nothing to hamhubd. */
	setup_hub_msg(HUBD_PROC_AUTHORITY, IMSG_CTL_PEERS,
	    sizeof(struct ctl_cred), -1);
	proc_check(&ps, HUBD_PROC_CONTROL, &msg);
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
	TCase	*tc = tcase_create("hub rules");

	tcase_add_test(tc, t_hub_valid);
	tcase_add_test(tc, t_hub_every_rule_named);
	tcase_add_exit_test(tc, t_hub_key_to_engine, 1);
	tcase_add_exit_test(tc, t_hub_frame_oversized, 1);
	tcase_add_exit_test(tc, t_hub_type_of_hamd, 1);
	tcase_add_exit_test(tc, t_hub_frame_from_control, 1);
	return run_tcase("prochub", tc);
}
