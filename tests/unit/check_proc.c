/*
 * The receiver's rule check: a message of the wrong type, origin, size,
 * fd or termination ends the process (fatalx, exit status 1); a correct
 * one passes.  Run against hamd's own rule table, with the framework's
 * and the control process's messages (check_prochub: hamhubd's).
 */
#include "autoconf.h"

#include "daemon/hamd_msg.h"
#include "tests/unit/proctest.h"

/* hamd's processes by name (hamd.c has the real table with entries). */
static const struct proc_desc hamd_procs[PROC_MAX] = {
	[PROC_PARENT] = { "parent", NULL },
	[HAMD_PROC_CONTROL] = { "control", NULL },
	[HAMD_PROC_ENGINE] = { "engine", NULL },
	[HAMD_PROC_TUN] = { "tun", NULL },
	[HAMD_PROC_WEB] = { "web", NULL, .optional = 1 },
};

static void
setup_msg(int self, uint32_t type, size_t len, int fd)
{
	setup_msg_in(hamd_procs, hamd_msg_rules, HAMD_IMSG_MAX, self, type,
	    len, fd);
}


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

#define P	PROC_BIT(PROC_PARENT)
#define C	PROC_BIT(HAMD_PROC_CONTROL)
#define E	PROC_BIT(HAMD_PROC_ENGINE)
#define T	PROC_BIT(HAMD_PROC_TUN)
#define W	PROC_BIT(HAMD_PROC_WEB)

/*
 * Every message hamd's processes may send each other, by channel: the
 * type, who may send it, who may receive it.  daemon/hamd_msg.c must
 * allow exactly these.  A new type, or a new sender or receiver for one,
 * fails t_rules_fixed until it is added here on purpose: above all
 * anything the engine (which parses the network's bytes and holds no
 * key) may send to tun (which holds them all), since a message that
 * asked tun for a key, or for a Diffie-Hellman with its static key,
 * would hand a compromised engine what the design keeps from it.
 */
static const struct expect_rule hamd_expected[] = {
	/* parent -> tun: the only way a key enters tun */
	{ IMSG_TUN_PRIVKEY,	P, T },
	{ IMSG_TUN_DEVICE,	P, T },
	{ IMSG_TUN_PEER,	P, T },
	{ IMSG_TUN_PEERS_END,	P, T },
	{ IMSG_TUN_HUB,		P, T },
	{ IMSG_HUB_LOGOUT,	P, T },
	{ IMSG_TUN_CANDIDATES,	P, T },
	/* tun -> parent: a public key and the hub's state, no secret */
	{ IMSG_TUN_PUBKEY,	T, P },
	{ IMSG_HUB_STATE,	T, P },
	/* parent -> engine, and back */
	{ IMSG_ENGINE_SOCKET,	P, E },
	{ IMSG_ENGINE_PEERS_END, P, E },
	{ IMSG_HUB_SOCKET,	P, E },
	{ IMSG_ENGINE_PEER,	P | T, E },
	{ IMSG_HUB_CONNECT,	E, P },
	{ IMSG_NAT_STATE,	E, P },
	/* tun -> engine: ciphertext, endpoints and paths, never a key */
	{ IMSG_PKT_OUT,		T, E },
	{ IMSG_ENDPOINT,	T, E },
	{ IMSG_HUB_FRAME_OUT,	T, E },
	{ IMSG_HUB_CONN_CLOSE,	T, E },
	{ IMSG_ENGINE_RELAY,	T, E },
	{ IMSG_ENGINE_PATHS,	T, E },
	{ IMSG_ENGINE_PEER_DEL,	T, E },
	/* a REGISTER tun built with the relay token, which stays in tun */
	{ IMSG_RELAY_REGISTER,	T, E },
	{ IMSG_RELAY_CONFIRMED,	T, E },
	/* the same at other hubs of a cluster, as a guest there */
	{ IMSG_ENGINE_PEER_HUB,	T, E },
	{ IMSG_RELAY_GUEST_REGISTER, T, E },
	{ IMSG_RELAY_GUEST_CONFIRMED, T, E },
	/*
	 * engine -> tun: received ciphertext and hints that tun checks;
	 * none asks tun for a key, a signature or a Diffie-Hellman result
	 * (a probe makes tun start a handshake of its own, rate-limited;
	 * a REGISTERED only has tun check the hub's MAC on it, and what
	 * tun says back is whether it held).
	 */
	{ IMSG_PKT_IN,		E, T },
	{ IMSG_HUB_FRAME_IN,	E, T },
	{ IMSG_HUB_CONN_OPEN,	E, T },
	{ IMSG_HUB_CONN_CLOSED,	E, T },
	{ IMSG_PEER_PROBE,	E, T },
	{ IMSG_PATH_INFO,	E, T },
	/*
	 * The shared ring (ipc/pktring.h): the parent's sealed memory to
	 * both, each one's word that it mapped it, then descriptors of
	 * batches of ciphertext, which the ring's bounds are checked
	 * against.
	 */
	{ IMSG_RING,		P, T | E },
	{ IMSG_TUN_RING_READY,	T, E },
	{ IMSG_ENGINE_RING_READY, E, T },
	{ IMSG_PKT_RING_OUT,	T, E },
	{ IMSG_PKT_RING_IN,	E, T },
	{ IMSG_RELAY_REGISTERED, E, T },
	{ IMSG_RELAY_GUEST_REGISTERED, E, T },
	/* control: requests with the caller's credentials, and answers */
	{ IMSG_CONTROL_CONF,	P, C },
	{ IMSG_CONTROL_SOCKET,	P, C },
	{ IMSG_CTL_STATUS,	C, P },
	{ IMSG_CTL_RELOAD,	C, P },
	{ IMSG_CTL_LOG_VERBOSE,	C, P },
	{ IMSG_CTL_HUBD_STATUS,	C, P },
	{ IMSG_CTL_STATUS_REPLY, P, C },
	{ IMSG_CTL_RESULT,	P | T, C },
	{ IMSG_CTL_PEERS,	C, T },
	{ IMSG_CTL_HUB_REQ,	C, T },
	{ IMSG_CTL_PEER,	T, C },
	{ IMSG_CTL_PEERS_END,	T, C },
	{ IMSG_CTL_HUB_NET,	T, C },
	{ IMSG_CTL_HUB_MEMBER,	T, C },
	{ IMSG_CTL_ENGINE,	C, E },
	{ IMSG_CTL_ENGINE_REPLY, E, C },
	{ IMSG_CTL_LAN,		C, T },
	{ IMSG_TAP_DEVICE,	P, T },
	{ IMSG_CTL_LAN_REPLY,	T, C },
	/* events as they happen: to control's monitors and the web child */
	{ IMSG_CTL_EVENT,	T, C | W },
	/*
	 * The web child (HTTP, hostile input): it only receives snapshots
	 * and events.  Nothing here, ever, with W as a sender: what it
	 * says cannot change state because no process takes it.
	 */
	{ IMSG_WEB_LISTENER,	P, W },
	{ IMSG_WEB_STATUS,	P, W },
	{ IMSG_WEB_ENGINE,	E, W },
	{ IMSG_WEB_PEER,	T, W },
	{ IMSG_WEB_PEERS_END,	T, W },
	/*
	 * Subnet routes: tun offers what the hub approved, the parent
	 * checks and installs it and says what it took; the engine has
	 * no part in it.
	 */
	{ IMSG_ROUTES_OFFER,	T, P },
	{ IMSG_ROUTES_SET,	P, T },
	{ IMSG_TUN_ADVERTISE,	P, T },
	{ IMSG_CTL_HUB_ROUTE,	T, C },
	{ IMSG_CTL_ROUTES,	C, P },
	{ IMSG_CTL_ROUTE,	P, C },
	{ IMSG_CTL_EXIT,	C, T },
	{ IMSG_CTL_RUN,		C, T },
	/* hamctl's masquerade and a run confined to the tunnel: nftables */
	{ IMSG_CTL_MASQ,	C, P },
	{ IMSG_CTL_CONFINE,	C, P },
	{ IMSG_EXIT_OFFER,	T, P },
	/* names and addresses only: the responder holds nothing secret */
	{ IMSG_ENGINE_DNS,	P, E },
	{ IMSG_ENGINE_NAMES,	T, E },
	{ IMSG_EXIT_SET,	P, T },
};

/* The web child sends nothing but log lines: no rule names it a sender. */
START_TEST(t_web_sends_nothing)
{
	uint32_t	 t;

	for (t = PROC_IMSG_FIRST; t < HAMD_IMSG_MAX; t++)
		ck_assert_msg(hamd_msg_rules[t].name == NULL ||
		    !(hamd_msg_rules[t].from & W),
		    "the web child may send %s", hamd_msg_rules[t].name);
}
END_TEST

/* A web child that asks for a reload, or anything of control's: fatal. */
START_TEST(t_web_reload)
{
	setup_msg(PROC_PARENT, IMSG_CTL_RELOAD, sizeof(struct ctl_cred), -1);
	proc_check(&ps, HAMD_PROC_WEB, &msg);
}
END_TEST

START_TEST(t_web_hub_request)
{
	setup_msg(HAMD_PROC_TUN, IMSG_CTL_HUB_REQ, sizeof(struct ctl_cred) +
	    sizeof(struct hub_request), -1);
	proc_check(&ps, HAMD_PROC_WEB, &msg);
}
END_TEST

START_TEST(t_web_event)
{
	/* Not even an event: the web child is no source of them. */
	setup_msg(HAMD_PROC_CONTROL, IMSG_CTL_EVENT, sizeof(struct ctl_event),
	    -1);
	proc_check(&ps, HAMD_PROC_WEB, &msg);
}
END_TEST

START_TEST(t_rules_fixed)
{
	assert_rules_exactly(hamd_procs, PROC_MAX, hamd_msg_rules, HAMD_IMSG_MAX,
	    hamd_expected, nitems(hamd_expected));
}
END_TEST

START_TEST(t_framework_rules)
{
	log_set_sink(quiet);
	assert_framework_rules(hamd_procs, PROC_MAX, hamd_msg_rules, HAMD_IMSG_MAX);
}
END_TEST

int
main(void)
{
	TCase	*tc = tcase_create("rules");

	tcase_add_test(tc, t_valid);
	tcase_add_test(tc, t_every_rule_named);
	tcase_add_test(tc, t_rules_fixed);
	tcase_add_test(tc, t_framework_rules);
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
	tcase_add_test(tc, t_web_sends_nothing);
	tcase_add_exit_test(tc, t_web_reload, 1);
	tcase_add_exit_test(tc, t_web_hub_request, 1);
	tcase_add_exit_test(tc, t_web_event, 1);
	return run_tcase("proc", tc);
}
