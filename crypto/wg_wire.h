/*
 * WireGuard message types, sizes and field offsets.
 *
 * Every message starts with a 4-byte little-endian type whose upper three
 * bytes are reserved and zero; receivers read the type as one 32-bit
 * word, so a non-zero reserved byte makes an unknown type, never a known
 * one.  The project's own UDP messages (discovery probes, relay frames)
 * use first-byte values WireGuard never uses; proto/dgram.h sorts every
 * datagram by type and length before any crypto touches it.
 *
 * Layouts (offset: size field):
 *
 * 1 initiation, 148 bytes
 *	0:1 type=1  1:3 reserved  4:4 sender index  8:32 ephemeral
 *	40:48 encrypted static  88:28 encrypted timestamp
 *	116:16 mac1  132:16 mac2
 * 2 response, 92 bytes
 *	0:1 type=2  1:3 reserved  4:4 sender index  8:4 receiver index
 *	12:32 ephemeral  44:16 encrypted nothing  60:16 mac1  76:16 mac2
 * 3 cookie reply, 64 bytes
 *	0:1 type=3  1:3 reserved  4:4 receiver index  8:24 nonce
 *	32:32 encrypted cookie
 * 4 data, >= 32 bytes: see transport.h
 */
#ifndef HAMD_WG_WIRE_H
#define HAMD_WG_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "compat/bytes.h"

enum wg_msg_type {
	WG_MSG_INITIATION = 1,
	WG_MSG_RESPONSE = 2,
	WG_MSG_COOKIE = 3,
	WG_MSG_DATA = 4
};

#define WG_INIT_LEN		148
#define WG_INIT_OFF_SENDER	4
#define WG_INIT_OFF_NOISE	8	/* the Noise message 1 starts here */
#define WG_INIT_OFF_MAC1	116
#define WG_INIT_OFF_MAC2	132

#define WG_RESP_LEN		92
#define WG_RESP_OFF_SENDER	4
#define WG_RESP_OFF_RECEIVER	8
#define WG_RESP_OFF_NOISE	12	/* the Noise message 2 starts here */
#define WG_RESP_OFF_MAC1	60
#define WG_RESP_OFF_MAC2	76

#define WG_COOKIE_REPLY_LEN	64
#define WG_COOKIE_OFF_RECEIVER	4
#define WG_COOKIE_OFF_NONCE	8
#define WG_COOKIE_OFF_COOKIE	32

/* mac1 and mac2 end every handshake message. */
#define WG_MACS_LEN		32

/* 4 data: type, receiver, counter, then the sealed packet and its tag. */
#define WG_AEAD_TAG_LEN		16
#define WG_DATA_HDR_LEN		16
#define WG_DATA_MIN_LEN		(WG_DATA_HDR_LEN + WG_AEAD_TAG_LEN)
/* The largest data message that fits in one UDP datagram. */
#define WG_DATA_MAX_LEN		65535

#endif
