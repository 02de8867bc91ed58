/* Names of the values hamctl and the daemons show; see ctlmsg.h. */
#include "autoconf.h"

#include <stdio.h>

#include "ctl/ctlmsg.h"

const char *
path_kind_str(int kind)
{
	switch (kind) {
	case PATH_LAN:
		return "lan";
	case PATH_DIRECT:
		return "direct";
	case PATH_RELAY_UDP:
		return "relay-udp";
	case PATH_RELAY_TCP:
		return "relay-tcp";
	default:
		return "none";
	}
}

const char *
nat_kind_str(int kind)
{
	switch (kind) {
	case NAT_NONE:
		return "none";
	case NAT_INDEPENDENT:
		return "endpoint-independent";
	case NAT_DEPENDENT:
		return "endpoint-dependent";
	case NAT_NO_ANSWER:
		return "no-answer";
	default:
		return "unknown";
	}
}

const char *
nat_filter_str(int filter)
{
	switch (filter) {
	case NAT_FILTER_OTHER_PORT:
		return "other-ports-allowed";
	case NAT_FILTER_PORT:
		return "address-and-port-dependent";
	default:
		return "unknown";
	}
}

const char *
ctl_event_str(int kind)
{
	static const char *const names[EV_KIND_MAX] = {
		[EV_PEER_ADD] = "peer-add",
		[EV_PEER_UP] = "peer-up",
		[EV_HANDSHAKE] = "handshake",
		[EV_PATH] = "path",
		[EV_PEER_DOWN] = "peer-down",
		[EV_PEER_REMOVE] = "peer-remove",
		[EV_DROPS] = "drops",
		[EV_HUB_ONLINE] = "hub-online",
		[EV_HUB_OFFLINE] = "hub-offline",
		[EV_LOGIN] = "login",
		[EV_LOGOUT] = "logout",
		[EV_LOST] = "lost",
		[EV_REFUSED] = "refused",
		[EV_JOIN] = "join",
		[EV_LEAVE] = "leave",
		[EV_EVICT] = "evict",
	};

	if (kind <= EV_NONE || kind >= EV_KIND_MAX || names[kind] == NULL)
		return "unknown";
	return names[kind];
}

void
format_rate(char *buf, size_t len, uint64_t bytes_per_s)
{
	double	 bits = (double)bytes_per_s * 8;

	if (bits >= 1e9)
		(void)snprintf(buf, len, "%.2f Gbit/s", bits / 1e9);
	else if (bits >= 1e6)
		(void)snprintf(buf, len, "%.1f Mbit/s", bits / 1e6);
	else if (bits >= 1e3)
		(void)snprintf(buf, len, "%.1f kbit/s", bits / 1e3);
	else
		(void)snprintf(buf, len, "%.0f bit/s", bits);
}
