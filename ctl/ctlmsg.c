/* Names of the values hamctl and the daemons show; see ctlmsg.h. */
#include "autoconf.h"

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
