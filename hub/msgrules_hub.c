/*
 * hamhubd: who may send which message to whom, how large it is, and the
 * requests its control socket takes.  Same enum as hamd (daemon/hamd.h);
 * types hamhubd does not use have no rule and are refused.
 */
#include "autoconf.h"

#include "hamd.h"
#include "log.h"

#define P	PROC_BIT(PROC_PARENT)
#define C	PROC_BIT(HUBD_PROC_CONTROL)
#define E	PROC_BIT(HUBD_PROC_ENGINE)
#define A	PROC_BIT(HUBD_PROC_AUTHORITY)
#define EXACT(n)	(n), (n)
#define CRED		sizeof(struct ctl_cred)

const struct msg_rule hubd_msg_rules[IMSG_MAX_TYPE] = {
	[IMSG_LOG] = { "log", C | E | A, P,
	    sizeof(int32_t) + 1, sizeof(int32_t) + LOG_LINE_MAX,
	    MSG_FD_NONE, 1 },
	[IMSG_CONF_CONTROL] = { "conf-control", P, C,
	    EXACT(sizeof(struct conf_control)), MSG_FD_NONE, 0 },
	[IMSG_CONTROL_SOCKET] = { "control-socket", P, C,
	    EXACT(0), MSG_FD_REQUIRED, 0 },
	[IMSG_LOG_VERBOSE] = { "log-verbose", P, C | E | A,
	    EXACT(sizeof(int32_t)), MSG_FD_NONE, 0 },
	/* hamctl status against the hub: answered with a pointer to hub status */
	[IMSG_CTL_STATUS] = { "ctl-status", C, A,
	    EXACT(CRED), MSG_FD_NONE, 0 },
	[IMSG_CTL_RELOAD] = { "ctl-reload", C, P,
	    EXACT(CRED), MSG_FD_NONE, 0 },
	[IMSG_CTL_LOG_VERBOSE] = { "ctl-log-verbose", C, P,
	    EXACT(CRED + sizeof(int32_t)), MSG_FD_NONE, 0 },
	[IMSG_CTL_RESULT] = { "ctl-result", P | A, C,
	    EXACT(sizeof(struct ctl_result)), MSG_FD_NONE, 0 },
	[IMSG_HUBD_LISTENER] = { "hubd-listener", P, E,
	    EXACT(sizeof(int32_t)), MSG_FD_REQUIRED, 0 },
	[IMSG_HUBD_CONF] = { "hubd-conf", P, E | A,
	    EXACT(sizeof(struct hubd_conf_msg)), MSG_FD_NONE, 0 },
	[IMSG_HUBD_PRIVKEY] = { "hubd-privkey", P, A,
	    EXACT(KEY_LEN), MSG_FD_NONE, 0 },
	[IMSG_HUBD_PUBKEY] = { "hubd-pubkey", A, P,
	    EXACT(KEY_LEN), MSG_FD_NONE, 0 },
	/* Node connections: frame bodies the authority checks again. */
	[IMSG_HUB_CONN_OPEN] = { "hub-conn-open", E, A,
	    EXACT(sizeof(struct hub_conn_msg)), MSG_FD_NONE, 0 },
	[IMSG_HUB_FRAME_IN] = { "hub-frame-in", E, A,
	    1, HUB_FRAME_MAX, MSG_FD_NONE, 0 },
	[IMSG_HUB_FRAME_OUT] = { "hub-frame-out", A, E,
	    1, HUB_FRAME_MAX, MSG_FD_NONE, 0 },
	[IMSG_HUB_CONN_CLOSE] = { "hub-conn-close", A, E,
	    EXACT(0), MSG_FD_NONE, 0 },
	[IMSG_HUB_CONN_CLOSED] = { "hub-conn-closed", E, A,
	    EXACT(0), MSG_FD_NONE, 0 },
	[IMSG_HUBD_ENGINE_STATS] = { "hubd-engine-stats", E, A,
	    EXACT(sizeof(struct hubd_engine_stats)), MSG_FD_NONE, 0 },
	/* Relay sessions and the pairs that may use them. */
	[IMSG_HUBD_RELAY_ADD] = { "hubd-relay-add", A, E,
	    EXACT(sizeof(struct hubd_relay_msg)), MSG_FD_NONE, 0 },
	[IMSG_HUBD_RELAY_DEL] = { "hubd-relay-del", A, E,
	    EXACT(sizeof(uint32_t)), MSG_FD_NONE, 0 },
	[IMSG_HUBD_RELAY_PAIR] = { "hubd-relay-pair", A, E,
	    EXACT(sizeof(struct hubd_relay_pair)), MSG_FD_NONE, 0 },
	/* hamctl hub ...: control -> authority, replies back */
	[IMSG_CTL_HUBD_STATUS] = { "ctl-hubd-status", C, A,
	    EXACT(CRED), MSG_FD_NONE, 0 },
	[IMSG_CTL_HUBD_STATUS_REPLY] = { "ctl-hubd-status-reply", A, C,
	    EXACT(sizeof(struct ctl_hubd_status)), MSG_FD_NONE, 0 },
	[IMSG_CTL_HUBD_NODES] = { "ctl-hubd-nodes", C, A,
	    EXACT(CRED), MSG_FD_NONE, 0 },
	[IMSG_CTL_HUBD_NETWORKS] = { "ctl-hubd-networks", C, A,
	    EXACT(CRED), MSG_FD_NONE, 0 },
	[IMSG_CTL_HUBD_BLOCK] = { "ctl-hubd-block", C, A,
	    EXACT(CRED + sizeof(struct ctl_cidr)), MSG_FD_NONE, 0 },
	[IMSG_CTL_HUBD_UNBLOCK] = { "ctl-hubd-unblock", C, A,
	    EXACT(CRED + sizeof(struct ctl_cidr)), MSG_FD_NONE, 0 },
	[IMSG_CTL_HUBD_BLOCKS] = { "ctl-hubd-blocks", C, A,
	    EXACT(CRED), MSG_FD_NONE, 0 },
	[IMSG_CTL_HUBD_CIDR] = { "ctl-hubd-cidr", A, C,
	    EXACT(sizeof(struct ctl_cidr)), MSG_FD_NONE, 0 },
	[IMSG_CTL_HUB_NET] = { "ctl-hub-net", A, C,
	    EXACT(sizeof(struct hub_net_info)), MSG_FD_NONE, 0 },
	[IMSG_CTL_HUB_MEMBER] = { "ctl-hub-member", A, C,
	    EXACT(sizeof(struct hub_member_info)), MSG_FD_NONE, 0 },
};

static const struct ctl_request hubd_ctl_requests[] = {
	{ IMSG_CTL_STATUS, "status", NEED_READ, 0, HUBD_PROC_AUTHORITY,
	    NULL },
	{ IMSG_CTL_RELOAD, "reload", NEED_ADMIN, 0, PROC_PARENT, NULL },
	{ IMSG_CTL_LOG_VERBOSE, "log", NEED_ADMIN, sizeof(int32_t),
	    PROC_PARENT, NULL },
	{ IMSG_CTL_HUBD_STATUS, "hub status", NEED_READ, 0,
	    HUBD_PROC_AUTHORITY, NULL },
	{ IMSG_CTL_HUBD_NODES, "hub nodes", NEED_READ, 0,
	    HUBD_PROC_AUTHORITY, NULL },
	{ IMSG_CTL_HUBD_NETWORKS, "hub networks", NEED_READ, 0,
	    HUBD_PROC_AUTHORITY, NULL },
	{ IMSG_CTL_HUBD_BLOCKS, "hub blocks", NEED_READ, 0,
	    HUBD_PROC_AUTHORITY, NULL },
	{ IMSG_CTL_HUBD_BLOCK, "hub block", NEED_ADMIN,
	    sizeof(struct ctl_cidr), HUBD_PROC_AUTHORITY, NULL },
	{ IMSG_CTL_HUBD_UNBLOCK, "hub unblock", NEED_ADMIN,
	    sizeof(struct ctl_cidr), HUBD_PROC_AUTHORITY, NULL },
};

static const struct control_program hubd_control = {
	hubd_ctl_requests,
	sizeof(hubd_ctl_requests) / sizeof(hubd_ctl_requests[0]),
	"hamhubd.conf"
};

void
hubcontrol_run(struct privsep *ps)
{
	control_main(ps, &hubd_control);
}

const struct proc_desc hubd_procs[PROC_MAX] = {
	[PROC_PARENT] = { "parent", NULL },
	[HUBD_PROC_CONTROL] = { "control", hubcontrol_run },
	[HUBD_PROC_ENGINE] = { "engine", hubengine_run },
	[HUBD_PROC_AUTHORITY] = { "authority", authority_run },
};
