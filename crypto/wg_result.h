/*
 * Results of the WireGuard crypto core.
 *
 * Every refusal of a received message carries a reason, so that the tun
 * process can count drops per reason (hamctl shows the counters) and an
 * operator can tell a hostile sender (bad_mac, malformed) from a lossy
 * path (replay) or a stale session (unknown_index).  The daemon-level
 * reasons (unknown_index, allowed_ips, the lan_* ones) are listed here
 * too so that one enum indexes one counter array.
 *
 * WG_OK is 0 and every failure is non-zero, so "if (r != WG_OK)" is
 * always the right test.
 */
#ifndef HAMD_WG_RESULT_H
#define HAMD_WG_RESULT_H

enum wg_result {
	WG_OK = 0,
	/* drops: a received message is refused */
	WG_DROP_MALFORMED,	/* length, type or reserved bytes wrong */
	WG_DROP_BAD_MAC,	/* mac1, mac2 or an AEAD tag did not verify */
	WG_DROP_REPLAY,		/* counter seen or too old; timestamp not newer */
	WG_DROP_UNKNOWN_INDEX,	/* receiver index names no session (caller) */
	WG_DROP_ALLOWED_IPS,	/* inner source not allowed for peer (caller) */
	WG_DROP_COUNTER_LIMIT,	/* counter >= REJECT_AFTER_MESSAGES */
	WG_DROP_BAD_KEY,	/* a DH gave the all-zero (low-order) result */
	WG_DROP_STATE,		/* valid bytes, but not expected in this state */
	/* local errors: nothing was received wrongly */
	WG_ERR_ARG,		/* caller passed a wrong size or state */
	WG_ERR_SEND_LIMIT,	/* send counter exhausted: rekey first */
	/*
	 * LAN drops (daemon/lanrep.c): a broadcast or multicast packet a
	 * peer sent authenticated and from its own address, but refused.
	 * After the others so that their numbers stay what they were.
	 */
	WG_DROP_LAN_OFF,	/* the peer shares no network with broadcast on */
	WG_DROP_LAN_RATE,	/* over the peer's broadcast rate */
	WG_DROP_LAN_CONTROL,	/* IGMP, MLD or neighbour discovery: not ours */
	/* Ethernet frames (daemon/l2sw.c) */
	WG_DROP_L2_OFF,		/* the peer shares no Ethernet network with us */
	WG_DROP_L2_SOURCE,	/* source MAC not the one bound to its key */
	WG_DROP_L2_DEST,	/* unicast frame for another MAC than ours */
	WG_RESULT_MAX
};

static inline const char *
wg_result_str(int r)
{
	switch (r) {
	case WG_OK:			return "ok";
	case WG_DROP_MALFORMED:		return "malformed";
	case WG_DROP_BAD_MAC:		return "bad_mac";
	case WG_DROP_REPLAY:		return "replay";
	case WG_DROP_UNKNOWN_INDEX:	return "unknown_index";
	case WG_DROP_ALLOWED_IPS:	return "allowed_ips";
	case WG_DROP_COUNTER_LIMIT:	return "counter_limit";
	case WG_DROP_BAD_KEY:		return "bad_key";
	case WG_DROP_STATE:		return "state";
	case WG_ERR_ARG:		return "bad_argument";
	case WG_ERR_SEND_LIMIT:		return "send_limit";
	case WG_DROP_LAN_OFF:		return "lan_off";
	case WG_DROP_LAN_RATE:		return "lan_rate";
	case WG_DROP_LAN_CONTROL:	return "lan_control";
	case WG_DROP_L2_OFF:		return "l2_off";
	case WG_DROP_L2_SOURCE:		return "l2_source";
	case WG_DROP_L2_DEST:		return "l2_dest";
	default:			return "unknown";
	}
}

#endif
