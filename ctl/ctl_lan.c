/*
 * Broadcast and multicast in hamctl status and peers; see ctl_lan.h.
 */
#include "autoconf.h"

#include <stdio.h>

#include "ctl/ctl_lan.h"

int
lan_fetch(struct ctl_ctx *ctx, struct ctl_lan *lan)
{
	struct ctl_result	 res;
	int			 t;

	t = ctl_call(ctx, IMSG_CTL_LAN, NULL, 0, IMSG_CTL_LAN_REPLY, lan,
	    sizeof(*lan), &res);
	if (t == IMSG_CTL_RESULT) {
		res.msg[sizeof(res.msg) - 1] = '\0';
		fprintf(stderr, "hamctl: %s\n", res.msg);
		return -1;
	}
	return t == -1 ? -1 : 0;
}

void
lan_print(const struct ctl_lan *l)
{
	printf("lan:        broadcast and multicast with %u peer%s (each "
	    "sender %u packets/s, burst %u)\n", l->peers,
	    l->peers == 1 ? "" : "s", l->rate, l->burst);
	printf("            sent %llu (%llu copies); not sent: %llu over "
	    "our rate, %llu no peer, %llu link control, %llu other\n",
	    (unsigned long long)l->tx_packets,
	    (unsigned long long)l->tx_copies,
	    (unsigned long long)l->tx_rate,
	    (unsigned long long)l->tx_no_peer,
	    (unsigned long long)l->tx_control,
	    (unsigned long long)l->tx_other);
	printf("            received %llu; refused: %llu broadcast off, %llu "
	    "over a peer's rate, %llu link control\n",
	    (unsigned long long)l->rx_packets,
	    (unsigned long long)l->rx_off,
	    (unsigned long long)l->rx_rate,
	    (unsigned long long)l->rx_control);
	printf("ethernet:   frames with %u peer%s; sent %llu (%llu copies); "
	    "not sent: %llu over our rate, %llu not from our MAC, %llu to "
	    "no peer, %llu too large\n", l->l2.ports,
	    l->l2.ports == 1 ? "" : "s",
	    (unsigned long long)l->l2.tx_frames,
	    (unsigned long long)l->l2.tx_copies,
	    (unsigned long long)l->l2.tx_rate,
	    (unsigned long long)l->l2.tx_source,
	    (unsigned long long)l->l2.tx_unknown,
	    (unsigned long long)l->l2.tx_oversize);
	printf("            received %llu; refused: %llu no Ethernet network, "
	    "%llu forged source MAC, %llu not for us, %llu over a peer's "
	    "rate, %llu malformed\n",
	    (unsigned long long)l->l2.rx_frames,
	    (unsigned long long)l->l2.rx_off,
	    (unsigned long long)l->l2.rx_source,
	    (unsigned long long)l->l2.rx_dest,
	    (unsigned long long)l->l2.rx_rate,
	    (unsigned long long)l->l2.rx_malformed);
}

void
lan_json(struct json *j, const struct ctl_lan *l)
{
	json_object_begin(j, "lan");
	json_int(j, "peers", l->peers);
	json_int(j, "rate", l->rate);
	json_int(j, "burst", l->burst);
	json_int(j, "tx_packets", (int64_t)l->tx_packets);
	json_int(j, "tx_copies", (int64_t)l->tx_copies);
	json_object_begin(j, "tx_dropped");
	json_int(j, "rate", (int64_t)l->tx_rate);
	json_int(j, "no_peer", (int64_t)l->tx_no_peer);
	json_int(j, "control", (int64_t)l->tx_control);
	json_int(j, "other", (int64_t)l->tx_other);
	json_object_end(j);
	json_int(j, "tx_unrouted", (int64_t)l->tx_unrouted);
	json_int(j, "rx_packets", (int64_t)l->rx_packets);
	json_object_begin(j, "rx_dropped");
	json_int(j, "off", (int64_t)l->rx_off);
	json_int(j, "rate", (int64_t)l->rx_rate);
	json_int(j, "control", (int64_t)l->rx_control);
	json_object_end(j);
	json_object_begin(j, "ethernet");
	json_int(j, "peers", l->l2.ports);
	json_int(j, "tx_frames", (int64_t)l->l2.tx_frames);
	json_int(j, "tx_copies", (int64_t)l->l2.tx_copies);
	json_object_begin(j, "tx_dropped");
	json_int(j, "rate", (int64_t)l->l2.tx_rate);
	json_int(j, "source", (int64_t)l->l2.tx_source);
	json_int(j, "unknown", (int64_t)l->l2.tx_unknown);
	json_int(j, "oversize", (int64_t)l->l2.tx_oversize);
	json_object_end(j);
	json_int(j, "rx_frames", (int64_t)l->l2.rx_frames);
	json_object_begin(j, "rx_dropped");
	json_int(j, "off", (int64_t)l->l2.rx_off);
	json_int(j, "source", (int64_t)l->l2.rx_source);
	json_int(j, "dest", (int64_t)l->l2.rx_dest);
	json_int(j, "rate", (int64_t)l->l2.rx_rate);
	json_int(j, "malformed", (int64_t)l->l2.rx_malformed);
	json_object_end(j);
	json_object_end(j);
	json_object_end(j);
}

void
lan_peer_print(const struct ctl_peer_lan *l)
{
	printf("  broadcast:       %s, %llu received, %llu sent\n",
	    l->on ? "on" : "off", (unsigned long long)l->rx_packets,
	    (unsigned long long)l->tx_packets);
	if (l->eth || l->rx_frames != 0 || l->tx_frames != 0)
		printf("  ethernet:        %s, %llu frames received, %llu "
		    "sent\n", l->eth ? "on" : "off",
		    (unsigned long long)l->rx_frames,
		    (unsigned long long)l->tx_frames);
}

void
lan_peer_json(struct json *j, const struct ctl_peer_lan *l)
{
	json_object_begin(j, "lan");
	json_bool(j, "on", l->on);
	json_int(j, "rx_packets", (int64_t)l->rx_packets);
	json_int(j, "tx_packets", (int64_t)l->tx_packets);
	json_bool(j, "ethernet", l->eth);
	json_int(j, "rx_frames", (int64_t)l->rx_frames);
	json_int(j, "tx_frames", (int64_t)l->tx_frames);
	json_object_end(j);
}
