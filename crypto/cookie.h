/*
 * mac1, mac2 and cookie replies: WireGuard's defence against handshake
 * floods (whitepaper section 5.4.4 and 5.4.7).
 *
 * mac1 = Mac(Hash("mac1----" || receiver's static public), msg up to
 * mac1).  Anyone who knows the receiver's public key can compute it, so
 * it proves nothing about the sender; it only lets a responder drop
 * junk with one BLAKE2s instead of a Diffie-Hellman, and keeps the
 * responder silent to senders that do not know its key.
 *
 * mac2 = Mac(cookie, msg up to mac2) proves that the sender recently got
 * a cookie at its source address, i.e. the address is not spoofed.  A
 * responder under load demands it: it answers a valid mac1 without a
 * valid mac2 with a cookie reply instead of doing the handshake.
 *
 * cookie = Mac(Rm, source address || source port), with Rm a random
 * secret replaced every COOKIE_SECRET_MAX_AGE seconds, so a cookie needs
 * no per-sender state on the responder.  It travels encrypted under
 * XChaCha20-Poly1305 keyed by Hash("cookie--" || responder's static
 * public), with the triggering message's mac1 as associated data, so
 * only the sender of that very message can use the reply.
 *
 * Time is a monotonic clock in nanoseconds, passed by the caller (tests
 * use a fake one).  The structs are the caller's; cookie_maker is per
 * peer (we send to it), cookie_checker is one per local static key.
 */
#ifndef HAMD_COOKIE_H
#define HAMD_COOKIE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/blake2s_glue.h"

#define COOKIE_LEN		16
#define COOKIE_NONCE_LEN	24
#define COOKIE_SECRET_LEN	32

/* Sender side, one per peer: adds mac1/mac2, takes in cookie replies. */
struct cookie_maker {
	uint8_t		mac1_key[WG_KEY_LEN];	/* from the peer's public */
	uint8_t		cookie_key[WG_KEY_LEN];	/* decrypts its replies */
	uint8_t		cookie[COOKIE_LEN];
	uint64_t	cookie_birth;		/* when it arrived */
	int		cookie_valid;
	uint8_t		last_mac1[WG_MAC_LEN];	/* AD of the reply we await */
	int		mac1_sent;
};

/* Receiver side, one per local static key: checks macs, makes cookies. */
struct cookie_checker {
	uint8_t		mac1_key[WG_KEY_LEN];	/* from our public */
	uint8_t		cookie_key[WG_KEY_LEN];	/* encrypts our replies */
	uint8_t		secret[COOKIE_SECRET_LEN];	/* Rm */
	uint64_t	secret_birth;
	int		secret_valid;
};

/* The mac1 and cookie-reply keys for a static public key. */
void	cookie_mac1_key(uint8_t key[WG_KEY_LEN], const uint8_t pub[32]);
void	cookie_cookie_key(uint8_t key[WG_KEY_LEN], const uint8_t pub[32]);

void	cookie_maker_init(struct cookie_maker *, const uint8_t peer_pub[32]);
void	cookie_maker_clear(struct cookie_maker *);
/*
 * Fill the last 32 bytes of a handshake message of len bytes (>= 32):
 * mac1 always, mac2 from the cookie if one is held and younger than
 * COOKIE_SECRET_MAX_AGE - COOKIE_SECRET_LATENCY seconds, else zeros.
 * Remembers mac1 so that a cookie reply to this message can be opened.
 */
void	cookie_add_macs(struct cookie_maker *, uint8_t *msg, size_t len,
	    uint64_t now);
/*
 * Take a cookie reply (64 bytes) from the peer this maker belongs to
 * (the caller found it by the reply's receiver index).  Refused unless
 * it answers the last message we sent: WG_OK, WG_DROP_MALFORMED,
 * WG_DROP_STATE (no message awaits a reply; each reply is accepted once)
 * or WG_DROP_BAD_MAC.
 */
int	cookie_consume_reply(struct cookie_maker *, const uint8_t *msg,
	    size_t len, uint64_t now);

void	cookie_checker_init(struct cookie_checker *,
	    const uint8_t local_pub[32]);
void	cookie_checker_clear(struct cookie_checker *);
/*
 * mac1 only: constant-time, one keyed BLAKE2s, no state touched.
 * WG_OK, WG_DROP_MALFORMED (len < 32) or WG_DROP_BAD_MAC.
 */
int	cookie_check_mac1(const struct cookie_checker *, const uint8_t *msg,
	    size_t len);
/*
 * Check a received handshake message before any Diffie-Hellman: mac1
 * first, and mac2 only when check_mac2 is set (the caller is under
 * load).  src is the datagram's source address (4 or 16 bytes, network
 * order) followed by its source port (2 bytes, network order), as the
 * Linux driver hashes it; srclen its length.  On WG_OK, *mac2_ok tells
 * whether mac2 was checked and valid; a caller under load answers
 * mac2_ok == 0 with cookie_reply_create() and does nothing else.
 * May renew the secret, hence not const.
 */
int	cookie_checker_validate(struct cookie_checker *, const uint8_t *msg,
	    size_t len, const uint8_t *src, size_t srclen, int check_mac2,
	    uint64_t now, int *mac2_ok);
/*
 * Build the 64-byte cookie reply to a handshake message msg (type 1 or
 * 2, whose sender index becomes the reply's receiver index) that came
 * from src.  WG_OK or WG_DROP_MALFORMED.
 */
int	cookie_reply_create(struct cookie_checker *,
	    uint8_t out[64], const uint8_t *msg, size_t len,
	    const uint8_t *src, size_t srclen, uint64_t now);

#endif
