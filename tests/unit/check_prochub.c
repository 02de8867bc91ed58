/*
 * check_proc's rule checks against hamhubd's table: the hub's key only
 * ever reaches the authority, frames come only from the engine.
 */
#include "autoconf.h"

#include "hub/hubd_msg.h"
#include "tests/unit/proctest.h"

/*
 * hamhubd's processes by name (hamhubd.c has the real table), with
 * every engine: what one engine may send another is part of the rules.
 */
#define E_(n)	[HUBD_PROC_ENGINE + (n) - 1] = { "engine" #n, NULL }
static const struct proc_desc hubd_procs[HUBD_NPROCS] = {
	[PROC_PARENT] = { "parent", NULL },
	[HUBD_PROC_CONTROL] = { "control", NULL },
	[HUBD_PROC_AUTHORITY] = { "authority", NULL },
	[HUBD_PROC_WEB] = { "web", NULL, .optional = 1 },
	E_(1), E_(2), E_(3), E_(4), E_(5), E_(6), E_(7), E_(8), E_(9),
	E_(10), E_(11), E_(12), E_(13), E_(14), E_(15), E_(16),
};
_Static_assert(HUBD_ENGINES_MAX == 16, "hubd_procs names every engine");
/* The framework's rules, checked by forking for each pair: two engines. */
#define FRAMEWORK_NPROCS	(HUBD_PROC_ENGINE + 2)

static void
setup_hub_msg(int self, uint32_t type, size_t len, int fd)
{
	setup_msg_in(hubd_procs, hubd_msg_rules, HUBD_IMSG_MAX, self, type,
	    len, fd);
}


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

#define P	PROC_BIT(PROC_PARENT)
#define C	PROC_BIT(HUBD_PROC_CONTROL)
#define E	HUBD_ENGINE_BITS
#define A	PROC_BIT(HUBD_PROC_AUTHORITY)
#define W	PROC_BIT(HUBD_PROC_WEB)

/*
 * Every message hamhubd's processes may send each other (check_proc.c
 * says why): hub/hubd_msg.c must allow exactly these.  Above all, what
 * the engine (the network-facing process, no key) may send to the
 * authority (the hub's key, every session) changes only here on
 * purpose.
 */
static const struct expect_rule hubd_expected[] = {
	/* parent -> authority: the hub's key, only there */
	{ IMSG_HUBD_PRIVKEY,	P, A },
	{ IMSG_HUBD_DATABASE,	P, A },
	{ IMSG_HUBD_PUBKEY,	A, P },
	{ IMSG_HUBD_CONF,	P, E | A },
	{ IMSG_HUBD_LISTENER,	P, E },
	/* engine -> authority: frame bodies and counters, checked there */
	{ IMSG_HUB_CONN_OPEN,	E, A },
	{ IMSG_HUB_FRAME_IN,	E, A },
	{ IMSG_HUB_CONN_CLOSED,	E, A },
	{ IMSG_HUBD_ENGINE_STATS, E, A },
	/* what each node's connection carried, asked a page at a time */
	{ IMSG_HUBD_TRAFFIC,	E, A },
	/* a REGISTER from the network, whose MAC only the authority checks */
	{ IMSG_HUBD_RELAY_REGISTER, E, A },
	/* authority -> engine */
	{ IMSG_HUB_FRAME_OUT,	A, E },
	{ IMSG_HUB_CONN_CLOSE,	A, E },
	{ IMSG_HUBD_RELAY_ADD,	A, E },
	{ IMSG_HUBD_RELAY_DEL,	A, E },
	{ IMSG_HUBD_RELAY_PAIR,	A, E },
	{ IMSG_HUBD_RELAY_GUEST, A, E },
	{ IMSG_HUBD_RELAY_REGISTERED, A, E },
	{ IMSG_HUBD_TRAFFIC_ASK, A, E },
	/* engine -> engine: a relay frame or REGISTER for another's node */
	{ IMSG_HUBD_RELAY_REG_FWD, E, E },
	{ IMSG_HUBD_RELAY_FWD,	E, E },
	/* control */
	{ IMSG_CONTROL_CONF,	P, C },
	{ IMSG_CONTROL_SOCKET,	P, C },
	{ IMSG_CTL_RELOAD,	C, P },
	{ IMSG_CTL_LOG_VERBOSE,	C, P },
	{ IMSG_CTL_STATUS,	C, A },
	{ IMSG_CTL_HUBD_STATUS,	C, A },
	{ IMSG_CTL_HUBD_NODES,	C, A },
	{ IMSG_CTL_HUBD_NETWORKS, C, A },
	{ IMSG_CTL_HUBD_BLOCK,	C, A },
	{ IMSG_CTL_HUBD_UNBLOCK, C, A },
	{ IMSG_CTL_HUBD_BLOCKS,	C, A },
	{ IMSG_CTL_HUBD_STATUS_REPLY, A, C },
	{ IMSG_CTL_HUBD_CIDR,	A, C },
	{ IMSG_CTL_HUB_NET,	A, C },
	{ IMSG_CTL_HUBD_NODE,	A, C },
	{ IMSG_CTL_RESULT,	P | A, C },
	/* events as they happen: to control's monitors and the web child */
	{ IMSG_CTL_EVENT,	A, C | W },
	/* the web child only receives (check_proc.c says why) */
	{ IMSG_HUBD_WEB_LISTENER, P, W },
	{ IMSG_HUBD_WEB_STATUS,	A, W },
	{ IMSG_HUBD_WEB_NODE,	A, W },
	{ IMSG_HUBD_WEB_NET,	A, W },
	{ IMSG_HUBD_WEB_MEMBER,	A, W },
	{ IMSG_HUBD_WEB_END,	A, W },
};

START_TEST(t_hub_web_sends_nothing)
{
	uint32_t	 t;

	for (t = PROC_IMSG_FIRST; t < HUBD_IMSG_MAX; t++)
		ck_assert_msg(hubd_msg_rules[t].name == NULL ||
		    !(hubd_msg_rules[t].from & W),
		    "the web child may send %s", hubd_msg_rules[t].name);
}
END_TEST

/* A web child that asks the authority to block a range: fatal there. */
START_TEST(t_hub_web_block)
{
	setup_hub_msg(HUBD_PROC_AUTHORITY, IMSG_CTL_HUBD_BLOCK,
	    sizeof(struct ctl_cred) + sizeof(struct ctl_cidr), -1);
	proc_check(&ps, HUBD_PROC_WEB, &msg);
}
END_TEST

/*
 * The traffic question: a page the engine answers, valid; one over a
 * page, shorter than its header, or an engine asking the authority
 * instead of answering, is fatal.
 */
START_TEST(t_hub_traffic_valid)
{
	setup_hub_msg(HUBD_PROC_AUTHORITY, IMSG_HUBD_TRAFFIC,
	    HUBD_TRAFFIC_HDR + 3 * sizeof(struct hubd_conn_traffic), -1);
	proc_check(&ps, HUBD_PROC_ENGINE, &msg);
	setup_hub_msg(HUBD_PROC_ENGINE, IMSG_HUBD_TRAFFIC_ASK,
	    sizeof(struct hubd_traffic_ask), -1);
	proc_check(&ps, HUBD_PROC_AUTHORITY, &msg);
}
END_TEST

START_TEST(t_hub_traffic_oversized)
{
	setup_hub_msg(HUBD_PROC_AUTHORITY, IMSG_HUBD_TRAFFIC,
	    sizeof(struct hubd_traffic_page) + 1, -1);
	proc_check(&ps, HUBD_PROC_ENGINE, &msg);
}
END_TEST

START_TEST(t_hub_traffic_short)
{
	setup_hub_msg(HUBD_PROC_AUTHORITY, IMSG_HUBD_TRAFFIC,
	    HUBD_TRAFFIC_HDR - 1, -1);
	proc_check(&ps, HUBD_PROC_ENGINE, &msg);
}
END_TEST

START_TEST(t_hub_traffic_ask_from_engine)
{
	setup_hub_msg(HUBD_PROC_AUTHORITY, IMSG_HUBD_TRAFFIC_ASK,
	    sizeof(struct hubd_traffic_ask), -1);
	proc_check(&ps, HUBD_PROC_ENGINE, &msg);
}
END_TEST

START_TEST(t_hub_rules_fixed)
{
	assert_rules_exactly(hubd_procs, HUBD_NPROCS, hubd_msg_rules, HUBD_IMSG_MAX,
	    hubd_expected, nitems(hubd_expected));
}
END_TEST

START_TEST(t_hub_framework_rules)
{
	log_set_sink(quiet);
	assert_framework_rules(hubd_procs, FRAMEWORK_NPROCS, hubd_msg_rules,
	    HUBD_IMSG_MAX);
}
END_TEST

int
main(void)
{
	TCase	*tc = tcase_create("hub rules");

	tcase_add_test(tc, t_hub_valid);
	tcase_add_test(tc, t_hub_every_rule_named);
	tcase_add_test(tc, t_hub_rules_fixed);
	tcase_add_test(tc, t_hub_framework_rules);
	tcase_add_exit_test(tc, t_hub_key_to_engine, 1);
	tcase_add_exit_test(tc, t_hub_frame_oversized, 1);
	tcase_add_exit_test(tc, t_hub_type_of_hamd, 1);
	tcase_add_exit_test(tc, t_hub_frame_from_control, 1);
	tcase_add_test(tc, t_hub_web_sends_nothing);
	tcase_add_exit_test(tc, t_hub_web_block, 1);
	tcase_add_test(tc, t_hub_traffic_valid);
	tcase_add_exit_test(tc, t_hub_traffic_oversized, 1);
	tcase_add_exit_test(tc, t_hub_traffic_short, 1);
	tcase_add_exit_test(tc, t_hub_traffic_ask_from_engine, 1);
	return run_tcase("prochub", tc);
}
