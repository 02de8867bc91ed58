/*
 * The WireGuard handshake (whitepaper section 5.4) on top of the Noise
 * core: Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s with the prologue
 * "WireGuard v1 zx2c4 Jason@zx2c4.com", a TAI64N timestamp as the
 * initiation's payload, an empty payload in the response, sender and
 * receiver indexes around the Noise messages and mac1/mac2 after them.
 * Layouts are in wg_wire.h.
 *
 * Flow, initiator:
 *	noise_hs_init(hs, &wgproto, NOISE_INITIATOR, &me, peer_pub);
 *	wg_create_initiation(hs, my_index, ts, &peer_cookie_maker, now, buf);
 *	... type 2 arrives, found by its receiver index ...
 *	wg_consume_response(hs, &my_checker, psk, msg, len, my_index, &idx);
 *	wg_derive_keys(hs, &keys);
 * Responder:
 *	cookie_checker_validate() (mac1, and mac2 under load) first;
 *	noise_hs_init(scratch, &wgproto, NOISE_RESPONDER, &me, NULL);
 *	wg_initiation_open(scratch, ...)	-> initiator's static key:
 *						   look the peer up
 *	wg_initiation_finish(scratch, ...)	-> timestamp: check it with
 *						   wg_check_timestamp()
 *	copy scratch over the peer's handshake, then
 *	wg_create_response(hs, my_index, idx, psk, &peer_cookie_maker, ...);
 *	wg_derive_keys(hs, &keys);	(send only after the initiator's
 *					 first data message confirms them)
 *
 * Read an initiation into a scratch handshake: a refused or replayed one
 * must not clobber the peer's handshake in progress.  Every consumer
 * checks mac1 itself again (one BLAKE2s) before any Diffie-Hellman, so a
 * caller that forgot the checker still does no DH for junk.
 */
#ifndef HAMD_WG_HANDSHAKE_H
#define HAMD_WG_HANDSHAKE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/cookie.h"
#include "crypto/noise.h"
#include "crypto/tai64n.h"
#include "crypto/transport.h"
#include "crypto/wg_wire.h"

#define WG_CONSTRUCTION	"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
#define WG_IDENTIFIER	"WireGuard v1 zx2c4 Jason@zx2c4.com"

/* The WireGuard protocol's initial state; build once, share. */
void	wg_protocol_init(struct noise_protocol *);

/*
 * Initiator: write the 148-byte initiation into out.  hs was started as
 * initiator with the peer's public key; cm is the peer's cookie maker
 * (mac1 from its public key, mac2 from its cookie).  ts is normally
 * tai64n_now().  WG_OK, WG_ERR_ARG or WG_DROP_BAD_KEY (the peer's public
 * key is a low-order point).
 */
int	wg_create_initiation(struct noise_handshake *hs, uint32_t local_index,
	    const uint8_t ts[TAI64N_LEN], struct cookie_maker *cm,
	    uint64_t now, uint8_t out[WG_INIT_LEN]);
/*
 * Responder, step 1: check the layout and mac1, decrypt the initiator's
 * static key into peer_pub and give its sender index.  hs was started
 * as responder.  WG_OK, WG_DROP_MALFORMED, WG_DROP_BAD_MAC,
 * WG_DROP_BAD_KEY, WG_ERR_ARG.
 */
int	wg_initiation_open(struct noise_handshake *hs,
	    const struct cookie_checker *cc, const uint8_t *msg, size_t len,
	    uint32_t *peer_index, uint8_t peer_pub[NOISE_PUBLIC_LEN]);
/* Responder, step 2: the same msg; decrypt the timestamp into ts. */
int	wg_initiation_finish(struct noise_handshake *hs, const uint8_t *msg,
	    size_t len, uint8_t ts[TAI64N_LEN]);
/* Both steps at once. */
int	wg_consume_initiation(struct noise_handshake *hs,
	    const struct cookie_checker *cc, const uint8_t *msg, size_t len,
	    uint32_t *peer_index, uint8_t peer_pub[NOISE_PUBLIC_LEN],
	    uint8_t ts[TAI64N_LEN]);
/*
 * WG_OK if ts is strictly newer than last (NULL: nothing seen from this
 * peer yet), else WG_DROP_REPLAY.
 */
int	wg_check_timestamp(const uint8_t ts[TAI64N_LEN], const uint8_t *last);

/*
 * Responder: write the 92-byte response after a consumed initiation.
 * psk is the peer's pre-shared key or NULL; cm the peer's cookie maker.
 */
int	wg_create_response(struct noise_handshake *hs, uint32_t local_index,
	    uint32_t peer_index, const uint8_t *psk, struct cookie_maker *cm,
	    uint64_t now, uint8_t out[WG_RESP_LEN]);
/*
 * Initiator: check and consume a response addressed to local_index
 * (WG_DROP_UNKNOWN_INDEX otherwise) and return the responder's index.
 * A refused response leaves hs as it was.  WG_OK, WG_DROP_MALFORMED,
 * WG_DROP_UNKNOWN_INDEX, WG_DROP_BAD_MAC, WG_DROP_BAD_KEY, WG_DROP_STATE
 * (no initiation outstanding).
 */
int	wg_consume_response(struct noise_handshake *hs,
	    const struct cookie_checker *cc, const uint8_t *psk,
	    const uint8_t *msg, size_t len, uint32_t local_index,
	    uint32_t *peer_index);
/* Transport keys for this side's role; wipes hs.  WG_OK or WG_ERR_ARG. */
int	wg_derive_keys(struct noise_handshake *hs, struct wg_session_keys *);

#endif
