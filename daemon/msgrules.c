/*
 * Who may send which message to whom, and how large it is.  The receiver
 * checks every message against this table (proc_check) before its
 * handler sees it; a mismatch is fatal.
 */
#include "autoconf.h"

#include "hamd.h"
#include "log.h"

#define P	PROC_BIT(PROC_PARENT)
#define C	PROC_BIT(HAMD_PROC_CONTROL)
#define E	PROC_BIT(HAMD_PROC_ENGINE)
#define T	PROC_BIT(HAMD_PROC_TUN)
#define EXACT(n)	(n), (n)

const struct msg_rule hamd_msg_rules[IMSG_MAX_TYPE] = {
	[IMSG_LOG] = { "log", C | E | T, P,
	    sizeof(int32_t) + 1, sizeof(int32_t) + LOG_LINE_MAX,
	    MSG_FD_NONE, 1 },
	[IMSG_CONF_CONTROL] = { "conf-control", P, C,
	    EXACT(sizeof(struct conf_control)), MSG_FD_NONE, 0 },
	[IMSG_CONTROL_SOCKET] = { "control-socket", P, C,
	    EXACT(0), MSG_FD_REQUIRED, 0 },
	[IMSG_TUN_PRIVKEY] = { "tun-privkey", P, T,
	    EXACT(KEY_LEN), MSG_FD_NONE, 0 },
	[IMSG_TUN_PUBKEY] = { "tun-pubkey", T, P,
	    EXACT(KEY_LEN), MSG_FD_NONE, 0 },
	[IMSG_LOG_VERBOSE] = { "log-verbose", P, C | E | T,
	    EXACT(sizeof(int32_t)), MSG_FD_NONE, 0 },
	[IMSG_CTL_STATUS] = { "ctl-status", C, P,
	    EXACT(sizeof(struct ctl_cred)), MSG_FD_NONE, 0 },
	[IMSG_CTL_RELOAD] = { "ctl-reload", C, P,
	    EXACT(sizeof(struct ctl_cred)), MSG_FD_NONE, 0 },
	[IMSG_CTL_LOG_VERBOSE] = { "ctl-log-verbose", C, P,
	    EXACT(sizeof(struct ctl_cred) + sizeof(int32_t)), MSG_FD_NONE, 0 },
	[IMSG_CTL_STATUS_REPLY] = { "ctl-status-reply", P, C,
	    EXACT(sizeof(struct ctl_status)), MSG_FD_NONE, 0 },
	[IMSG_CTL_RESULT] = { "ctl-result", P | T, C,
	    EXACT(sizeof(struct ctl_result)), MSG_FD_NONE, 0 },
	[IMSG_TUN_DEVICE] = { "tun-device", P, T,
	    EXACT(sizeof(struct tun_device_msg)), MSG_FD_REQUIRED, 0 },
	[IMSG_TUN_PEER] = { "tun-peer", P, T,
	    EXACT(sizeof(struct tun_peer_msg)), MSG_FD_NONE, 0 },
	[IMSG_TUN_PEERS_END] = { "tun-peers-end", P, T,
	    EXACT(0), MSG_FD_NONE, 0 },
	[IMSG_ENGINE_SOCKET] = { "engine-socket", P, E,
	    EXACT(sizeof(int32_t)), MSG_FD_REQUIRED, 0 },
	[IMSG_ENGINE_PEER] = { "engine-peer", P | T, E,
	    EXACT(sizeof(struct engine_peer_msg)), MSG_FD_NONE, 0 },
	[IMSG_ENGINE_PEERS_END] = { "engine-peers-end", P, E,
	    EXACT(0), MSG_FD_NONE, 0 },
	/* Batches hold at least one record; pktbatch_foreach checks the rest. */
	[IMSG_PKT_OUT] = { "pkt-out", T, E,
	    sizeof(struct pkt_rec), IMSG_MAX_PAYLOAD, MSG_FD_NONE, 0 },
	[IMSG_PKT_IN] = { "pkt-in", E, T,
	    sizeof(struct pkt_rec), IMSG_MAX_PAYLOAD, MSG_FD_NONE, 0 },
	[IMSG_ENDPOINT] = { "endpoint", T, E,
	    EXACT(sizeof(struct endpoint_msg)), MSG_FD_NONE, 0 },
	[IMSG_CTL_PEERS] = { "ctl-peers", C, T,
	    EXACT(sizeof(struct ctl_cred)), MSG_FD_NONE, 0 },
	[IMSG_CTL_PEER] = { "ctl-peer", T, C,
	    EXACT(sizeof(struct ctl_peer)), MSG_FD_NONE, 0 },
	[IMSG_CTL_PEERS_END] = { "ctl-peers-end", T, C,
	    EXACT(sizeof(struct ctl_peers_end)), MSG_FD_NONE, 0 },
	[IMSG_CTL_ENGINE] = { "ctl-engine", C, E,
	    EXACT(sizeof(struct ctl_cred)), MSG_FD_NONE, 0 },
	[IMSG_CTL_ENGINE_REPLY] = { "ctl-engine-reply", E, C,
	    EXACT(sizeof(struct engine_stats)), MSG_FD_NONE, 0 },
	/* The hub connection: frame bodies, checked again by tun. */
	[IMSG_HUB_FRAME_IN] = { "hub-frame-in", E, T,
	    1, HUB_FRAME_MAX, MSG_FD_NONE, 0 },
	[IMSG_HUB_FRAME_OUT] = { "hub-frame-out", T, E,
	    1, HUB_FRAME_MAX, MSG_FD_NONE, 0 },
	[IMSG_HUB_CONN_OPEN] = { "hub-conn-open", E, T,
	    EXACT(sizeof(struct hub_conn_msg)), MSG_FD_NONE, 0 },
	[IMSG_HUB_CONN_CLOSE] = { "hub-conn-close", T, E,
	    EXACT(0), MSG_FD_NONE, 0 },
	[IMSG_HUB_CONN_CLOSED] = { "hub-conn-closed", E, T,
	    EXACT(0), MSG_FD_NONE, 0 },
	[IMSG_HUB_CONNECT] = { "hub-connect", E, P,
	    EXACT(0), MSG_FD_NONE, 0 },
	[IMSG_HUB_SOCKET] = { "hub-socket", P, E,
	    EXACT(sizeof(struct hub_conn_msg)), MSG_FD_REQUIRED, 0 },
	[IMSG_NAT_STATE] = { "nat-state", E, P,
	    EXACT(sizeof(struct nat_state_msg)), MSG_FD_NONE, 0 },
	[IMSG_TUN_CANDIDATES] = { "tun-candidates", P, T,
	    EXACT(sizeof(struct hub_candidates)), MSG_FD_NONE, 0 },
	[IMSG_ENGINE_RELAY] = { "engine-relay", T, E,
	    EXACT(sizeof(struct engine_relay_msg)), MSG_FD_NONE, 0 },
	[IMSG_ENGINE_PATHS] = { "engine-paths", T, E,
	    EXACT(sizeof(struct engine_paths_msg)), MSG_FD_NONE, 0 },
	[IMSG_PEER_PROBE] = { "peer-probe", E, T,
	    EXACT(sizeof(struct peer_probe_msg)), MSG_FD_NONE, 0 },
	[IMSG_PATH_INFO] = { "path-info", E, T,
	    EXACT(sizeof(struct path_info_msg)), MSG_FD_NONE, 0 },
	[IMSG_HUB_STATE] = { "hub-state", T, P,
	    EXACT(sizeof(struct hub_state_msg)), MSG_FD_NONE, 0 },
	[IMSG_TUN_HUB] = { "tun-hub", P, T,
	    EXACT(sizeof(struct tun_hub_msg)), MSG_FD_NONE, 0 },
	[IMSG_HUB_LOGOUT] = { "hub-logout", P, T,
	    EXACT(0), MSG_FD_NONE, 0 },
	[IMSG_ENGINE_PEER_DEL] = { "engine-peer-del", T, E,
	    EXACT(sizeof(uint32_t)), MSG_FD_NONE, 0 },
	[IMSG_CTL_HUB_REQ] = { "ctl-hub-req", C, T,
	    EXACT(sizeof(struct ctl_cred) + sizeof(struct hub_request)),
	    MSG_FD_NONE, 0 },
	/* hamctl hub ... against a node: answered with a pointer */
	[IMSG_CTL_HUBD_STATUS] = { "ctl-hubd-status", C, P,
	    EXACT(sizeof(struct ctl_cred)), MSG_FD_NONE, 0 },
	[IMSG_CTL_HUB_NET] = { "ctl-hub-net", T, C,
	    EXACT(sizeof(struct hub_net_info)), MSG_FD_NONE, 0 },
	[IMSG_CTL_HUB_MEMBER] = { "ctl-hub-member", T, C,
	    EXACT(sizeof(struct hub_member_info)), MSG_FD_NONE, 0 },
};

/* Listing networks and members reads; every other hub request changes. */
static enum ctl_need
hub_request_need(const void *data, size_t len)
{
	const struct hub_request	*r = data;

	if (len == sizeof(*r) &&
	    (r->op == HUB_OP_NETWORKS || r->op == HUB_OP_MEMBERS))
		return NEED_READ;
	return NEED_ADMIN;
}

static const struct ctl_request hamd_ctl_requests[] = {
	{ IMSG_CTL_STATUS, "status", NEED_READ, 0, PROC_PARENT, NULL },
	{ IMSG_CTL_RELOAD, "reload", NEED_ADMIN, 0, PROC_PARENT, NULL },
	{ IMSG_CTL_LOG_VERBOSE, "log", NEED_ADMIN, sizeof(int32_t),
	    PROC_PARENT, NULL },
	{ IMSG_CTL_PEERS, "peers", NEED_READ, 0, HAMD_PROC_TUN, NULL },
	{ IMSG_CTL_ENGINE, "engine", NEED_READ, 0, HAMD_PROC_ENGINE, NULL },
	{ IMSG_CTL_HUBD_STATUS, "hub status", NEED_READ, 0, PROC_PARENT,
	    NULL },
	{ IMSG_CTL_HUB_REQ, "hub request", NEED_ADMIN,
	    sizeof(struct hub_request), HAMD_PROC_TUN, hub_request_need },
};

static const struct control_program hamd_control = {
	hamd_ctl_requests,
	sizeof(hamd_ctl_requests) / sizeof(hamd_ctl_requests[0]),
	"hamd.conf"
};

void
control_run(struct privsep *ps)
{
	control_main(ps, &hamd_control);
}

const struct proc_desc hamd_procs[PROC_MAX] = {
	[PROC_PARENT] = { "parent", NULL },
	[HAMD_PROC_CONTROL] = { "control", control_run },
	[HAMD_PROC_ENGINE] = { "engine", engine_run },
	[HAMD_PROC_TUN] = { "tun", tun_run },
};
