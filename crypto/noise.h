/*
 * Noise IK and IKpsk2 over 25519, ChaChaPoly and BLAKE2s: the handshake
 * core shared by the WireGuard data plane (wg_handshake.h lays WireGuard's
 * message formats, indexes, timestamp and mac1/mac2 over it) and by the
 * node-to-hub channel (the same pattern with its own prologue).
 *
 * Only the two patterns this project uses are supported, and the code
 * checks the protocol name against them, so that a name and the
 * behaviour it promises cannot drift apart:
 *
 *	IK:	<- s
 *		...
 *		-> e, es, s, ss
 *		<- e, ee, se
 *	IKpsk2:	the same with "psk" after "se"; in psk modes the "e" token
 *		also mixes the ephemeral into the chaining key.
 *
 * Every MixKey in these patterns is followed by exactly one encryption
 * before the next, so every handshake AEAD uses nonce 0.
 *
 * Message 1 is e (32) || Enc(s) (32 + 16) || Enc(payload) (len + 16);
 * message 2 is e (32) || Enc(payload) (len + 16).  Payloads are opaque.
 *
 * Memory: the caller owns every struct (the tun process places them in
 * sodium_malloc'd memory); nothing here allocates or keeps globals.  The
 * handshake state points at the caller's static key instead of copying
 * it, so the long-term private key exists once.  The state holds the
 * ephemeral private key and chaining key until noise_split() or
 * noise_hs_clear() wipes them.
 *
 * Not thread-safe: one handshake state belongs to one thread.
 */
#ifndef HAMD_NOISE_H
#define HAMD_NOISE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/blake2s_glue.h"

#define NOISE_PUBLIC_LEN	32
#define NOISE_PRIVATE_LEN	32
#define NOISE_PSK_LEN		32
#define NOISE_TAG_LEN		16
#define NOISE_HASH_LEN		WG_HASH_LEN
#define NOISE_KEY_LEN		WG_KEY_LEN

/* bytes a message adds to its payload */
#define NOISE_MSG1_OVERHEAD	(NOISE_PUBLIC_LEN + NOISE_PUBLIC_LEN + \
				    NOISE_TAG_LEN + NOISE_TAG_LEN)
#define NOISE_MSG2_OVERHEAD	(NOISE_PUBLIC_LEN + NOISE_TAG_LEN)

/* Which pattern; immutable once built, shared by every handshake. */
struct noise_protocol {
	uint8_t		ck0[NOISE_HASH_LEN];	/* after InitializeSymmetric */
	uint8_t		h0[NOISE_HASH_LEN];	/* ... and MixHash(prologue) */
	int		psk2;
};

/* A long-term identity.  pub must be the public key of priv. */
struct noise_static {
	uint8_t		priv[NOISE_PRIVATE_LEN];
	uint8_t		pub[NOISE_PUBLIC_LEN];
};

enum noise_role {
	NOISE_INITIATOR = 1,
	NOISE_RESPONDER = 2
};

/* Where a handshake is; each function refuses to run out of order. */
enum noise_hs_state {
	NOISE_HS_EMPTY = 0,	/* zeroed or cleared */
	NOISE_HS_START,		/* noise_hs_init done */
	NOISE_HS_MSG1_SENT,	/* initiator: waits for message 2 */
	NOISE_HS_MSG1_STATIC,	/* responder: s read, ss and payload next */
	NOISE_HS_MSG1_READ,	/* responder: may write message 2 */
	NOISE_HS_DONE		/* both: noise_split() may run */
};

struct noise_handshake {
	const struct noise_protocol	*proto;
	const struct noise_static	*s;	/* the caller's; not copied */
	int				 role;
	int				 state;
	int				 e_fixed;	/* e_* set by the caller */
	uint8_t				 ck[NOISE_HASH_LEN];
	uint8_t				 h[NOISE_HASH_LEN];
	uint8_t				 e_priv[NOISE_PRIVATE_LEN];
	uint8_t				 e_pub[NOISE_PUBLIC_LEN];
	uint8_t				 re[NOISE_PUBLIC_LEN];	/* remote e */
	uint8_t				 rs[NOISE_PUBLIC_LEN];	/* remote s */
};

/*
 * Build the initial symmetric state from a protocol name (only
 * "Noise_IK_25519_ChaChaPoly_BLAKE2s" and
 * "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s") and a prologue, which both
 * sides must agree on.  0, or -1 for an unsupported name.
 */
int	noise_protocol_init(struct noise_protocol *, const char *name,
	    const uint8_t *prologue, size_t prologuelen);

/*
 * Start a handshake.  The initiator must know the responder's static
 * public key rs (IK's pre-message); the responder passes NULL and learns
 * the initiator's from message 1.  s must outlive the handshake.
 * WG_OK or WG_ERR_ARG.
 */
int	noise_hs_init(struct noise_handshake *, const struct noise_protocol *,
	    int role, const struct noise_static *s, const uint8_t *rs);
/*
 * Use this ephemeral private key for the next message instead of a fresh
 * random one.  Only for known-answer tests: reusing an ephemeral destroys
 * forward secrecy.  WG_OK, or WG_DROP_BAD_KEY if its public key is zero.
 */
int	noise_hs_set_ephemeral(struct noise_handshake *,
	    const uint8_t priv[NOISE_PRIVATE_LEN]);
/* Wipe everything; the struct is then NOISE_HS_EMPTY. */
void	noise_hs_clear(struct noise_handshake *);

/*
 * Initiator: write message 1 (plen + NOISE_MSG1_OVERHEAD bytes) into out
 * (outcap bytes).  WG_OK, WG_ERR_ARG (state, size) or WG_DROP_BAD_KEY
 * (rs is a low-order point).
 */
int	noise_write_msg1(struct noise_handshake *, const uint8_t *payload,
	    size_t plen, uint8_t *out, size_t outcap, size_t *outlen);
/*
 * Responder: read message 1 in two steps, so that the caller can look
 * up the initiator's static key (hs->rs after the first step) and drop an
 * unknown peer before the second Diffie-Hellman.  On any refusal the
 * state is wiped: read into a scratch handshake, never into a live one.
 * noise_read_msg1() does both steps.  The payload is written to payload
 * (cap bytes; NULL if cap is 0); a longer payload is WG_DROP_MALFORMED.
 * Results: WG_OK, WG_DROP_MALFORMED, WG_DROP_BAD_MAC, WG_DROP_BAD_KEY,
 * WG_ERR_ARG.
 */
int	noise_read_msg1_static(struct noise_handshake *, const uint8_t *msg,
	    size_t len);
int	noise_read_msg1_payload(struct noise_handshake *, const uint8_t *msg,
	    size_t len, uint8_t *payload, size_t cap, size_t *plen);
int	noise_read_msg1(struct noise_handshake *, const uint8_t *msg,
	    size_t len, uint8_t *payload, size_t cap, size_t *plen);
/*
 * Responder: write message 2.  psk is the pre-shared key for IKpsk2
 * (NULL means all zeros, as WireGuard does without one); ignored for IK.
 */
int	noise_write_msg2(struct noise_handshake *, const uint8_t *psk,
	    const uint8_t *payload, size_t plen, uint8_t *out, size_t outcap,
	    size_t *outlen);
/*
 * Initiator: read message 2.  A refused message leaves the state as it
 * was, so that a forged response cannot abort a handshake in progress.
 */
int	noise_read_msg2(struct noise_handshake *, const uint8_t *psk,
	    const uint8_t *msg, size_t len, uint8_t *payload, size_t cap,
	    size_t *plen);
/*
 * Derive the transport keys (Noise Split) for this side's role and, if
 * hash is not NULL, copy out the handshake hash (for channel binding and
 * tests).  Wipes the handshake.  WG_OK or WG_ERR_ARG (not done).
 */
int	noise_split(struct noise_handshake *, uint8_t send[NOISE_KEY_LEN],
	    uint8_t recv[NOISE_KEY_LEN], uint8_t *hash);

#endif
