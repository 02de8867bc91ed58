/*
 * Who may send which message to whom, and how large it is.  The receiver
 * checks every message against this table (proc_check) before its
 * handler sees it; a mismatch is fatal.
 */
#include "autoconf.h"

#include "daemon/hamd_msg.h"
#include "privsep/log.h"

#define P	PROC_BIT(PROC_PARENT)
#define C	PROC_BIT(HAMD_PROC_CONTROL)
#define E	PROC_BIT(HAMD_PROC_ENGINE)
#define T	PROC_BIT(HAMD_PROC_TUN)
#define W	PROC_BIT(HAMD_PROC_WEB)
/* tun copies a peer into hamctl's reply as it is. */
_Static_assert(CTL_NAME_MAX == CONF_NAME_MAX &&
    CTL_MAX_ALLOWED == CONF_MAX_ALLOWED, "peer names and allowed IPs");

#define EXACT(n)	.minlen = (n), .maxlen = (n)

const struct msg_rule hamd_msg_rules[HAMD_IMSG_MAX] = {
	CONTROL_MSG_RULES(HAMD_PROC_CONTROL, P | T),
	[IMSG_TUN_PRIVKEY] = { .name = "tun-privkey", .from = P, .to = T,
	    EXACT(KEY_LEN) },
	[IMSG_TUN_PUBKEY] = { .name = "tun-pubkey", .from = T, .to = P,
	    EXACT(KEY_LEN) },
	[IMSG_CTL_STATUS] = { .name = "ctl-status", .from = C, .to = P,
	    EXACT(sizeof(struct ctl_cred)) },
	[IMSG_CTL_STATUS_REPLY] = { .name = "ctl-status-reply", .from = P,
	    .to = C, EXACT(sizeof(struct ctl_status)) },
	[IMSG_TUN_DEVICE] = { .name = "tun-device", .from = P, .to = T,
	    EXACT(sizeof(struct tun_device_msg)), .fd = MSG_FD_REQUIRED },
	[IMSG_TUN_PEER] = { .name = "tun-peer", .from = P, .to = T,
	    EXACT(sizeof(struct tun_peer_msg)) },
	[IMSG_TUN_PEERS_END] = { .name = "tun-peers-end", .from = P, .to = T },
	[IMSG_ENGINE_SOCKET] = { .name = "engine-socket", .from = P, .to = E,
	    EXACT(sizeof(int32_t)), .fd = MSG_FD_REQUIRED },
	[IMSG_ENGINE_PEER] = { .name = "engine-peer", .from = P | T, .to = E,
	    EXACT(sizeof(struct engine_peer_msg)) },
	[IMSG_ENGINE_PEERS_END] = { .name = "engine-peers-end", .from = P,
	    .to = E },
	/* Batches hold at least one record; pktbatch_foreach checks the rest. */
	[IMSG_PKT_OUT] = { .name = "pkt-out", .from = T, .to = E,
	    .minlen = sizeof(struct pkt_rec), .maxlen = IMSG_MAX_PAYLOAD },
	[IMSG_PKT_IN] = { .name = "pkt-in", .from = E, .to = T,
	    .minlen = sizeof(struct pkt_rec), .maxlen = IMSG_MAX_PAYLOAD },
	[IMSG_ENDPOINT] = { .name = "endpoint", .from = T, .to = E,
	    EXACT(sizeof(struct endpoint_msg)) },
	[IMSG_CTL_PEERS] = { .name = "ctl-peers", .from = C, .to = T,
	    EXACT(sizeof(struct ctl_cred)) },
	[IMSG_CTL_PEER] = { .name = "ctl-peer", .from = T, .to = C,
	    EXACT(sizeof(struct ctl_peer)) },
	[IMSG_CTL_PEERS_END] = { .name = "ctl-peers-end", .from = T, .to = C,
	    EXACT(sizeof(struct ctl_peers_end)) },
	[IMSG_CTL_ENGINE] = { .name = "ctl-engine", .from = C, .to = E,
	    EXACT(sizeof(struct ctl_cred)) },
	[IMSG_CTL_ENGINE_REPLY] = { .name = "ctl-engine-reply", .from = E,
	    .to = C, EXACT(sizeof(struct engine_stats)) },
	/* The hub connection: frame bodies, checked again by tun. */
	[IMSG_HUB_FRAME_IN] = { .name = "hub-frame-in", .from = E, .to = T,
	    .minlen = 1, .maxlen = HUB_FRAME_MAX },
	[IMSG_HUB_FRAME_OUT] = { .name = "hub-frame-out", .from = T, .to = E,
	    .minlen = 1, .maxlen = HUB_FRAME_MAX },
	[IMSG_HUB_CONN_OPEN] = { .name = "hub-conn-open", .from = E, .to = T,
	    EXACT(sizeof(struct hub_conn_msg)) },
	[IMSG_HUB_CONN_CLOSE] = { .name = "hub-conn-close", .from = T,
	    .to = E },
	[IMSG_HUB_CONN_CLOSED] = { .name = "hub-conn-closed", .from = E,
	    .to = T },
	[IMSG_HUB_CONNECT] = { .name = "hub-connect", .from = E, .to = P },
	[IMSG_HUB_SOCKET] = { .name = "hub-socket", .from = P, .to = E,
	    EXACT(sizeof(struct hub_conn_msg)), .fd = MSG_FD_REQUIRED },
	[IMSG_NAT_STATE] = { .name = "nat-state", .from = E, .to = P,
	    EXACT(sizeof(struct nat_state_msg)) },
	[IMSG_TUN_CANDIDATES] = { .name = "tun-candidates", .from = P, .to = T,
	    EXACT(sizeof(struct hub_candidates)) },
	[IMSG_ENGINE_RELAY] = { .name = "engine-relay", .from = T, .to = E,
	    EXACT(sizeof(struct engine_relay_msg)) },
	[IMSG_ENGINE_PATHS] = { .name = "engine-paths", .from = T, .to = E,
	    EXACT(sizeof(struct engine_paths_msg)) },
	[IMSG_PEER_PROBE] = { .name = "peer-probe", .from = E, .to = T,
	    EXACT(sizeof(struct peer_probe_msg)) },
	[IMSG_PATH_INFO] = { .name = "path-info", .from = E, .to = T,
	    EXACT(sizeof(struct path_info_msg)) },
	/* REGISTER and REGISTERED as on the wire; checked again by each. */
	[IMSG_RELAY_REGISTER] = { .name = "relay-register", .from = T,
	    .to = E, EXACT(RELAY_AUTH_LEN) },
	[IMSG_RELAY_REGISTERED] = { .name = "relay-registered", .from = E,
	    .to = T, EXACT(RELAY_AUTH_LEN) },
	[IMSG_RELAY_CONFIRMED] = { .name = "relay-confirmed", .from = T,
	    .to = E, EXACT(sizeof(uint32_t)) },
	[IMSG_HUB_STATE] = { .name = "hub-state", .from = T, .to = P,
	    EXACT(sizeof(struct hub_state_msg)) },
	[IMSG_TUN_HUB] = { .name = "tun-hub", .from = P, .to = T,
	    EXACT(sizeof(struct tun_hub_msg)) },
	[IMSG_HUB_LOGOUT] = { .name = "hub-logout", .from = P, .to = T },
	[IMSG_ENGINE_PEER_DEL] = { .name = "engine-peer-del", .from = T,
	    .to = E, EXACT(sizeof(uint32_t)) },
	[IMSG_CTL_HUB_REQ] = { .name = "ctl-hub-req", .from = C, .to = T,
	    EXACT(sizeof(struct ctl_cred) + sizeof(struct hub_request)) },
	/* hamctl hub ... against a node: answered with a pointer */
	[IMSG_CTL_HUBD_STATUS] = { .name = "ctl-hubd-status", .from = C,
	    .to = P, EXACT(sizeof(struct ctl_cred)) },
	[IMSG_CTL_HUB_NET] = { .name = "ctl-hub-net", .from = T, .to = C,
	    EXACT(sizeof(struct hub_net_info)) },
	[IMSG_CTL_HUB_MEMBER] = { .name = "ctl-hub-member", .from = T,
	    .to = C, EXACT(sizeof(struct hub_member_info)) },
	/* Events: to control (monitors) and the web child, never from it. */
	[IMSG_CTL_EVENT] = { .name = "ctl-event", .from = T, .to = C | W,
	    EXACT(sizeof(struct ctl_event)) },
	/* The web child receives; no rule lets it send (only log lines). */
	[IMSG_WEB_LISTENER] = { .name = "web-listener", .from = P, .to = W,
	    .fd = MSG_FD_REQUIRED },
	[IMSG_WEB_STATUS] = { .name = "web-status", .from = P, .to = W,
	    EXACT(sizeof(struct ctl_status)) },
	[IMSG_WEB_ENGINE] = { .name = "web-engine", .from = E, .to = W,
	    EXACT(sizeof(struct engine_stats)) },
	[IMSG_WEB_PEER] = { .name = "web-peer", .from = T, .to = W,
	    EXACT(sizeof(struct ctl_peer)) },
	[IMSG_WEB_PEERS_END] = { .name = "web-peers-end", .from = T, .to = W,
	    EXACT(sizeof(struct ctl_peers_end)) },
	/* Subnet routes: checked by the parent before any is installed. */
	[IMSG_ROUTES_OFFER] = { .name = "routes-offer", .from = T, .to = P,
	    EXACT(sizeof(struct routes_msg)) },
	[IMSG_ROUTES_SET] = { .name = "routes-set", .from = P, .to = T,
	    EXACT(sizeof(struct routes_msg)) },
	[IMSG_TUN_ADVERTISE] = { .name = "tun-advertise", .from = P, .to = T,
	    EXACT(sizeof(struct routes_msg)) },
	[IMSG_CTL_HUB_ROUTE] = { .name = "ctl-hub-route", .from = T, .to = C,
	    EXACT(sizeof(struct hub_route_info)) },
	[IMSG_CTL_ROUTES] = { .name = "ctl-routes", .from = C, .to = P,
	    EXACT(sizeof(struct ctl_cred)) },
	[IMSG_CTL_ROUTE] = { .name = "ctl-route", .from = P, .to = C,
	    EXACT(sizeof(struct ctl_route)) },
	[IMSG_CTL_EXIT] = { .name = "ctl-exit", .from = C, .to = T,
	    EXACT(sizeof(struct ctl_cred) + sizeof(struct ctl_exit)) },
	[IMSG_CTL_RUN] = { .name = "ctl-run", .from = C, .to = T,
	    EXACT(sizeof(struct ctl_cred) + sizeof(struct ctl_exit)) },
	[IMSG_ENGINE_DNS] = { .name = "engine-dns", .from = P, .to = E,
	    EXACT(sizeof(struct engine_dns_msg)), .fd = MSG_FD_REQUIRED },
	[IMSG_ENGINE_NAMES] = { .name = "engine-names", .from = T, .to = E,
	    EXACT(sizeof(struct engine_names_msg)) },
	[IMSG_EXIT_OFFER] = { .name = "exit-offer", .from = T, .to = P,
	    EXACT(sizeof(struct exit_msg)) },
	[IMSG_EXIT_SET] = { .name = "exit-set", .from = P, .to = T,
	    EXACT(sizeof(struct exit_msg)) },
};
