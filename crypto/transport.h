/*
 * WireGuard transport data messages (type 4) and the ChaCha20-Poly1305
 * construction shared with the handshake.
 *
 * Data message layout (all integers little-endian):
 *
 *	offset	size	field
 *	0	1	type = 4
 *	1	3	reserved, zero
 *	4	4	receiver index (the index the receiver chose)
 *	8	8	counter, the AEAD nonce
 *	16	n+16	ChaCha20-Poly1305(key, counter, plaintext, no AD)
 *
 * The plaintext is an IP packet padded with zeros to a multiple of 16
 * (capped at the MTU) so that lengths leak less; a keepalive is a
 * zero-length plaintext.  The AEAD nonce is 32 zero bits followed by the
 * 64-bit little-endian counter, as in RFC 8439 and Noise.
 *
 * Both directions work in place so that the hot path neither allocates
 * nor copies: the caller reads the packet to buf + WG_DATA_HDR_LEN and
 * seals it there; a received message is opened where it lies.
 */
#ifndef HAMD_TRANSPORT_H
#define HAMD_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/replay.h"
#include "crypto/wg_wire.h"	/* the data message's sizes */

#define WG_AEAD_KEY_LEN		32
#define WG_PAD_MULTIPLE		16
#define WG_DATA_MAX_PLAIN	(WG_DATA_MAX_LEN - WG_DATA_MIN_LEN)

/* Session keys from one handshake, named for this side. */
struct wg_session_keys {
	uint8_t	send[WG_AEAD_KEY_LEN];
	uint8_t	recv[WG_AEAD_KEY_LEN];
};

/*
 * ChaCha20-Poly1305 (IETF) with nonce 0^32 || le64(nonce): out gets
 * ptlen + 16 bytes and may equal pt (in place).  Open returns 0, or -1 if
 * the tag is wrong (out is then unspecified); it writes ctlen - 16 bytes
 * and may also work in place.
 */
void	wg_aead_seal(uint8_t *out, const uint8_t key[WG_AEAD_KEY_LEN],
	    uint64_t nonce, const uint8_t *ad, size_t adlen, const uint8_t *pt,
	    size_t ptlen);
int	wg_aead_open(uint8_t *out, const uint8_t key[WG_AEAD_KEY_LEN],
	    uint64_t nonce, const uint8_t *ad, size_t adlen, const uint8_t *ct,
	    size_t ctlen);

/*
 * Length of the padded plaintext for a packet of len bytes:
 * min(roundup16(len), mtu), the way WireGuard pads.  mtu 0 means "no
 * cap"; a len above the mtu (a packet the stack should not have sent) is
 * padded as its last mtu-sized unit would be, as Linux and wireguard-go
 * do, so the result is never smaller than len.
 */
size_t	wg_data_padded_len(size_t len, size_t mtu);
/* Bytes a data message takes for a plaintext of len bytes. */
#define wg_data_msg_len(len, mtu) \
	(WG_DATA_MIN_LEN + wg_data_padded_len((len), (mtu)))

/*
 * Seal in place: buf + WG_DATA_HDR_LEN holds ptlen bytes of plaintext;
 * buf has cap bytes.  Writes the header, the zero padding and the tag;
 * *outlen is the message length.  counter must come from the session's
 * send counter and never repeat for a key.  WG_OK, WG_ERR_ARG (cap too
 * small, packet too big) or WG_ERR_SEND_LIMIT (counter at or past
 * REJECT_AFTER_MESSAGES: the key is used up).
 */
int	wg_data_seal(uint8_t *buf, size_t cap, size_t ptlen, size_t mtu,
	    uint32_t receiver, uint64_t counter,
	    const uint8_t key[WG_AEAD_KEY_LEN], size_t *outlen);

/*
 * Parse a data message's header: the receiver index (for the caller's
 * session lookup) and the counter.  WG_OK, WG_DROP_MALFORMED (type,
 * reserved, length) or WG_DROP_COUNTER_LIMIT.  Cheap and keyless, so the
 * caller drops junk before spending any crypto on it.
 */
int	wg_data_header(const uint8_t *msg, size_t len, uint32_t *receiver,
	    uint64_t *counter);
/*
 * Authenticate and decrypt in place.  On WG_OK the plaintext (still
 * padded; the IP header says how long the packet is) starts at
 * msg + WG_DATA_HDR_LEN and is *ptlen bytes long; 0 means keepalive.
 * Does NOT touch a replay window: see wg_data_open_window.
 * WG_OK, WG_DROP_MALFORMED, WG_DROP_COUNTER_LIMIT or WG_DROP_BAD_MAC.
 */
int	wg_data_open(uint8_t *msg, size_t len,
	    const uint8_t key[WG_AEAD_KEY_LEN], size_t *ptlen);
/*
 * The whole receive check in the only safe order: header, replay
 * pre-check (drops an old counter before decrypting), authenticate and
 * decrypt, and only then commit the counter to the window, so that a
 * forged packet can never move the window.  Adds WG_DROP_REPLAY.
 */
int	wg_data_open_window(uint8_t *msg, size_t len,
	    const uint8_t key[WG_AEAD_KEY_LEN], struct replay_window *,
	    size_t *ptlen);

#endif
