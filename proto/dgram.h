/*
 * What arrives on the WireGuard UDP port, told apart by type and length
 * alone, before any crypto touches it: WireGuard's four messages, the
 * hub's NAT discovery probes and answers, and the relay's datagrams.
 * The project's own types are first bytes WireGuard never uses (it
 * reads a 32-bit little-endian type of 1-4 with three zero bytes), so
 * one socket carries all of them.  PROTOCOL.md gives every layout.
 *
 * Nothing here holds or needs a key: the engines, which face the
 * network and hold none, sort datagrams with it.
 */
#ifndef HAMD_PROTO_DGRAM_H
#define HAMD_PROTO_DGRAM_H

#include <stddef.h>
#include <stdint.h>

/*
 * NAT discovery: the node probes the hub's two UDP ports (the hub's TCP
 * port and the next one) from its WireGuard socket; each answer says
 * where the probe came from.  See PROTOCOL.md, "NAT discovery".
 */
#define NAT_PROBE_TYPE		0x80
#define NAT_ANSWER_TYPE		0x81
#define NAT_PROBE_LEN		64	/* type, 3 zero bytes, nonce, zeros */
#define NAT_ANSWER_LEN		32	/* never more than a probe */
/*
 * Byte 1 of a probe: answer from another port of the same address, one
 * the node never sent to (its NAT's filtering); the answer carries it too.
 */
#define NAT_FLAG_OTHER_PORT	0x01

/*
 * The relay (PROTOCOL.md, "Relay"):
 *	REGISTER   node -> hub, RELAY_AUTH_LEN bytes (proto/relayauth.h)
 *	REGISTERED hub -> node, the same size
 *	DATA       either way: type, 3 zero bytes, a relay id (big-endian;
 *		   the destination node -> hub, the source hub -> node),
 *		   then one WireGuard packet
 */
#define RELAY_REGISTER_TYPE	0x82
#define RELAY_REGISTERED_TYPE	0x83
#define RELAY_DATA_TYPE		0x84
#define RELAY_AUTH_LEN		32
#define RELAY_HDR_LEN		8	/* of a relay datagram or frame */

enum dgram_kind {
	DGRAM_MALFORMED = 0,		/* none of these: drop and count */
	DGRAM_WG_INITIATION,
	DGRAM_WG_RESPONSE,
	DGRAM_WG_COOKIE,
	DGRAM_WG_DATA,
	DGRAM_NAT_PROBE,
	DGRAM_NAT_ANSWER,
	DGRAM_RELAY_REGISTER,
	DGRAM_RELAY_REGISTERED,
	DGRAM_RELAY_DATA,
	DGRAM_KIND_MAX
};

/*
 * Sort a datagram.  Checks only what is free to check: a known type,
 * zero reserved bytes, the exact length of fixed-size messages and the
 * bounds of the others (a relayed packet must itself be a WireGuard
 * message of the right size).  For WireGuard's types 2-4, *receiver gets
 * the index the session is looked up by (0 for an initiation, which
 * names none yet); for relay datagrams, the relay id.  receiver may be
 * NULL.
 */
enum dgram_kind	 dgram_classify(const uint8_t *, size_t, uint32_t *receiver);
/* Whether the kind is one of WireGuard's four messages. */
int		 dgram_is_wireguard(enum dgram_kind);

#endif
