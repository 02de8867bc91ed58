/*
 * The secure channel over a node-to-hub connection: a Noise IK handshake
 * (Noise_IK_25519_ChaChaPoly_BLAKE2s, prologue HUB_PROLOGUE) on the
 * crypto/noise.h core, then ChaCha20-Poly1305 frames with an implicit
 * 64-bit counter per direction.
 *
 * These functions work on frame bodies (type byte first); the 2-byte
 * stream length prefix is the framer's.  The node pins the hub's public
 * key; the hub learns the node's from the INIT and decides, between the
 * two accept steps, whether it wants that key at all.
 *
 * TCP delivers in order, so each side knows the counter of the next
 * frame without it being sent: a replayed, reordered, dropped or forged
 * frame fails authentication.  Every refusal of received bytes is fatal
 * for the connection: the channel is wiped (only remote survives, for
 * the caller's log line) and further use is refused; the caller closes.
 *
 * A hub must not treat a connection as the node's until the first DATA
 * frame has opened: anyone can replay a captured INIT and get a RESP,
 * though never the keys.  The INIT's timestamp lets the hub refuse
 * stale ones early (tai64n_after against the last accepted per key).
 *
 * Memory: the caller owns the struct (the tun process keeps it in
 * sodium_malloc'd memory); the handshake points at the caller's
 * noise_protocol and noise_static, which must outlive it.
 */
#ifndef HAMD_HUBCHAN_H
#define HAMD_HUBCHAN_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/noise.h"
#include "crypto/tai64n.h"

#define HUB_CHAN_TAG_LEN	16
/* frame body lengths */
#define HUB_CHAN_INIT_LEN	(1 + NOISE_MSG1_OVERHEAD + TAI64N_LEN)
#define HUB_CHAN_RESP_LEN	(1 + NOISE_MSG2_OVERHEAD)
#define HUB_CHAN_DATA_OVERHEAD	(1 + HUB_CHAN_TAG_LEN)

enum hub_chan_state {
	HUB_CHAN_EMPTY = 0,	/* zeroed, cleared, failed, or hub accepting */
	HUB_CHAN_INIT_SENT,	/* node: waits for RESP */
	HUB_CHAN_ESTABLISHED
};

struct hub_chan {
	int			state;	/* enum hub_chan_state */
	struct noise_handshake	hs;
	uint8_t			send_key[32], recv_key[32];
	uint64_t		send_n, recv_n;	/* next counter each way */
	uint8_t			remote[32];	/* the peer's static key */
	uint8_t			hash[32];	/* handshake hash */
};

/* Noise_IK_25519_ChaChaPoly_BLAKE2s with HUB_PROLOGUE.  WG_OK or
 * WG_ERR_ARG. */
int	hub_proto_init(struct noise_protocol *);

/*
 * Node: start over on c and write the INIT body (HUB_CHAN_INIT_LEN
 * bytes) into out, its payload the current TAI64N time.  WG_OK,
 * WG_ERR_ARG (cap) or WG_DROP_BAD_KEY (hub_pub is a low-order point).
 */
int	hub_chan_initiate(struct hub_chan *, const struct noise_protocol *,
	    const struct noise_static *self, const uint8_t hub_pub[32],
	    uint8_t *out, size_t cap, size_t *outlen);

/*
 * Hub: read an INIT body in two steps.  The first starts over on c,
 * checks the framing and decrypts the node's static key into c->remote
 * (not yet proven: refuse unknown or blocked keys here, before the
 * second Diffie-Hellman); the second reads the timestamp into ts, writes
 * the RESP body (HUB_CHAN_RESP_LEN bytes) and establishes the channel.
 * Pass the same body to both.  Results: WG_OK, WG_DROP_MALFORMED,
 * WG_DROP_BAD_MAC (e.g. the node pinned another hub key),
 * WG_DROP_BAD_KEY, WG_ERR_ARG (order, cap: the channel is left as it
 * was).
 */
int	hub_chan_accept_static(struct hub_chan *, const struct noise_protocol *,
	    const struct noise_static *self, const uint8_t *in, size_t len);
int	hub_chan_accept_finish(struct hub_chan *, const uint8_t *in,
	    size_t len, uint8_t ts[TAI64N_LEN], uint8_t *out, size_t cap,
	    size_t *outlen);

/* Node: read the RESP body; ESTABLISHED on WG_OK.  WG_DROP_STATE when no
 * INIT is outstanding. */
int	hub_chan_finish(struct hub_chan *, const uint8_t *in, size_t len);

/*
 * Seal len (<= HUB_MSG_MAX) bytes of pt into a DATA body in out
 * (len + HUB_CHAN_DATA_OVERHEAD bytes).  pt may be out + 1 (in place),
 * no other overlap.  WG_OK, WG_ERR_ARG (state, size) or
 * WG_ERR_SEND_LIMIT (counter exhausted: reconnect).
 */
int	hub_chan_seal(struct hub_chan *, const uint8_t *pt, size_t len,
	    uint8_t *out, size_t cap, size_t *outlen);
/*
 * Open the next DATA body into pt (cap bytes; may be in + 1).  WG_OK,
 * WG_DROP_MALFORMED, WG_DROP_BAD_MAC, WG_DROP_COUNTER_LIMIT,
 * WG_DROP_STATE (not established), or WG_ERR_ARG (cap: nothing
 * consumed, the channel stays usable).
 */
int	hub_chan_open(struct hub_chan *, const uint8_t *in, size_t len,
	    uint8_t *pt, size_t cap, size_t *ptlen);

/* Wipe everything; the channel is then HUB_CHAN_EMPTY. */
void	hub_chan_clear(struct hub_chan *);

#endif
