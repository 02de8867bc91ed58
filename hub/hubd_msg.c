/*
 * hamhubd: who may send which message to whom, how large it is, and the
 * requests its control socket takes.  Types hamhubd does not use (hamd's
 * control requests among them) have no rule and are refused.
 */
#include "autoconf.h"

#include "hub/hubd_msg.h"
#include "privsep/log.h"

/* PROTOCOL.md gives these layouts byte for byte. */
_Static_assert(sizeof(struct hubd_relay_msg) == 8, "hubd_relay_msg");
_Static_assert(sizeof(struct hubd_relay_reg) == 88, "hubd_relay_reg");
_Static_assert(HUBD_NPROCS <= PROC_SLOTS && HUBD_NPROCS <= CTL_HUBD_PROCS,
    "hamhubd's processes");
_Static_assert(sizeof(struct hubd_web_member) == 56, "hubd_web_member");
_Static_assert(sizeof(struct hubd_web_end) == 24, "hubd_web_end");
_Static_assert(sizeof(struct hubd_conn_traffic) == 104, "hubd_conn_traffic");
_Static_assert(sizeof(struct ctl_hubd_node) == 224, "ctl_hubd_node");

#define P	PROC_BIT(PROC_PARENT)
#define C	PROC_BIT(HUBD_PROC_CONTROL)
#define E	HUBD_ENGINE_BITS
#define A	PROC_BIT(HUBD_PROC_AUTHORITY)
#define W	PROC_BIT(HUBD_PROC_WEB)
#define EXACT(n)	.minlen = (n), .maxlen = (n)
#define CRED		sizeof(struct ctl_cred)

const struct msg_rule hubd_msg_rules[HUBD_IMSG_MAX] = {
	CONTROL_MSG_RULES(HUBD_PROC_CONTROL, P | A),
	/* hamctl status against the hub: answered with a pointer to hub status */
	[IMSG_CTL_STATUS] = { .name = "ctl-status", .from = C, .to = A,
	    EXACT(CRED) },
	[IMSG_HUBD_LISTENER] = { .name = "hubd-listener", .from = P, .to = E,
	    EXACT(sizeof(int32_t)), .fd = MSG_FD_REQUIRED },
	[IMSG_HUBD_CONF] = { .name = "hubd-conf", .from = P, .to = E | A,
	    EXACT(sizeof(struct hubd_conf_msg)) },
	[IMSG_HUBD_PRIVKEY] = { .name = "hubd-privkey", .from = P, .to = A,
	    EXACT(KEY_LEN) },
	[IMSG_HUBD_DATABASE] = { .name = "hubd-database", .from = P, .to = A,
	    EXACT(sizeof(struct hubd_db_msg)) },
	[IMSG_HUBD_PUBKEY] = { .name = "hubd-pubkey", .from = A, .to = P,
	    EXACT(KEY_LEN) },
	/* Node connections: frame bodies the authority checks again. */
	[IMSG_HUB_CONN_OPEN] = { .name = "hub-conn-open", .from = E, .to = A,
	    EXACT(sizeof(struct hub_conn_msg)) },
	[IMSG_HUB_FRAME_IN] = { .name = "hub-frame-in", .from = E, .to = A,
	    .minlen = 1, .maxlen = HUB_FRAME_MAX },
	[IMSG_HUB_FRAME_OUT] = { .name = "hub-frame-out", .from = A, .to = E,
	    .minlen = 1, .maxlen = HUB_FRAME_MAX },
	[IMSG_HUB_CONN_CLOSE] = { .name = "hub-conn-close", .from = A,
	    .to = E },
	[IMSG_HUB_CONN_CLOSED] = { .name = "hub-conn-closed", .from = E,
	    .to = A },
	[IMSG_HUBD_ENGINE_STATS] = { .name = "hubd-engine-stats", .from = E,
	    .to = A, EXACT(sizeof(struct hubd_engine_stats)) },
	/* Relay sessions and the pairs that may use them. */
	[IMSG_HUBD_RELAY_ADD] = { .name = "hubd-relay-add", .from = A, .to = E,
	    EXACT(sizeof(struct hubd_relay_msg)) },
	[IMSG_HUBD_RELAY_DEL] = { .name = "hubd-relay-del", .from = A, .to = E,
	    EXACT(sizeof(uint32_t)) },
	[IMSG_HUBD_RELAY_PAIR] = { .name = "hubd-relay-pair", .from = A,
	    .to = E, EXACT(sizeof(struct hubd_relay_pair)) },
	[IMSG_HUBD_RELAY_GUEST] = { .name = "hubd-relay-guest", .from = A,
	    .to = E, EXACT(sizeof(struct hubd_relay_guest)) },
	/* REGISTERs: the engine forwards, the authority checks the MAC. */
	[IMSG_HUBD_RELAY_REGISTER] = { .name = "hubd-relay-register",
	    .from = E, .to = A, EXACT(sizeof(struct hubd_relay_reg)) },
	[IMSG_HUBD_RELAY_REGISTERED] = { .name = "hubd-relay-registered",
	    .from = A, .to = E, EXACT(sizeof(struct hubd_relay_reg)) },
	/* A REGISTER, or a relayed packet, for another engine's node. */
	[IMSG_HUBD_RELAY_REG_FWD] = { .name = "hubd-relay-reg-fwd", .from = E,
	    .to = E, EXACT(sizeof(struct hubd_relay_reg)) },
	[IMSG_HUBD_RELAY_FWD] = { .name = "hubd-relay-fwd", .from = E,
	    .to = E, .minlen = sizeof(uint32_t) + RELAY_HDR_LEN + 32,
	    .maxlen = sizeof(uint32_t) + RELAY_HDR_LEN + 65527 },
	/* What each node's connection carried: asked, a page at a time. */
	[IMSG_HUBD_TRAFFIC_ASK] = { .name = "hubd-traffic-ask", .from = A,
	    .to = E, .minlen = HUBD_TRAFFIC_HDR,
	    .maxlen = sizeof(struct hubd_traffic_ask) },
	[IMSG_HUBD_TRAFFIC] = { .name = "hubd-traffic", .from = E, .to = A,
	    .minlen = HUBD_TRAFFIC_HDR,
	    .maxlen = sizeof(struct hubd_traffic_page) },
	/* hamctl hub ...: control -> authority, replies back */
	[IMSG_CTL_HUBD_STATUS] = { .name = "ctl-hubd-status", .from = C,
	    .to = A, EXACT(CRED) },
	[IMSG_CTL_HUBD_STATUS_REPLY] = { .name = "ctl-hubd-status-reply",
	    .from = A, .to = C, EXACT(sizeof(struct ctl_hubd_status)) },
	[IMSG_CTL_HUBD_NODES] = { .name = "ctl-hubd-nodes", .from = C, .to = A,
	    EXACT(CRED) },
	[IMSG_CTL_HUBD_NETWORKS] = { .name = "ctl-hubd-networks", .from = C,
	    .to = A, EXACT(CRED) },
	[IMSG_CTL_HUBD_BLOCK] = { .name = "ctl-hubd-block", .from = C, .to = A,
	    EXACT(CRED + sizeof(struct ctl_cidr)) },
	[IMSG_CTL_HUBD_UNBLOCK] = { .name = "ctl-hubd-unblock", .from = C,
	    .to = A, EXACT(CRED + sizeof(struct ctl_cidr)) },
	[IMSG_CTL_HUBD_BLOCKS] = { .name = "ctl-hubd-blocks", .from = C,
	    .to = A, EXACT(CRED) },
	[IMSG_CTL_HUBD_CIDR] = { .name = "ctl-hubd-cidr", .from = A, .to = C,
	    EXACT(sizeof(struct ctl_cidr)) },
	[IMSG_CTL_HUB_NET] = { .name = "ctl-hub-net", .from = A, .to = C,
	    EXACT(sizeof(struct hub_net_info)) },
	[IMSG_CTL_HUBD_NODE] = { .name = "ctl-hubd-node", .from = A,
	    .to = C, EXACT(sizeof(struct ctl_hubd_node)) },
	/* Events: to control (monitors) and the web child, never from it. */
	[IMSG_CTL_EVENT] = { .name = "ctl-event", .from = A, .to = C | W,
	    EXACT(sizeof(struct ctl_event)) },
	/* The web child receives; no rule lets it send (only log lines). */
	[IMSG_HUBD_WEB_LISTENER] = { .name = "hubd-web-listener", .from = P,
	    .to = W, .fd = MSG_FD_REQUIRED },
	[IMSG_HUBD_WEB_STATUS] = { .name = "hubd-web-status", .from = A,
	    .to = W, EXACT(sizeof(struct ctl_hubd_status)) },
	[IMSG_HUBD_WEB_NODE] = { .name = "hubd-web-node", .from = A, .to = W,
	    EXACT(sizeof(struct ctl_hubd_node)) },
	[IMSG_HUBD_WEB_NET] = { .name = "hubd-web-net", .from = A, .to = W,
	    EXACT(sizeof(struct hub_net_info)) },
	[IMSG_HUBD_WEB_MEMBER] = { .name = "hubd-web-member", .from = A,
	    .to = W, EXACT(sizeof(struct hubd_web_member)) },
	[IMSG_HUBD_WEB_END] = { .name = "hubd-web-end", .from = A, .to = W,
	    EXACT(sizeof(struct hubd_web_end)) },
};
