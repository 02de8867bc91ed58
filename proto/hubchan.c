/*
 * The node-to-hub secure channel; see hubchan.h for the contract and
 * PROTOCOL.md ("Node to hub") for the bytes.
 */
#include "autoconf.h"

#include <string.h>

#include <sodium.h>

#include "proto/hubchan.h"
#include "proto/hubproto.h"
#include "crypto/noise.h"
#include "crypto/tai64n.h"
#include "crypto/transport.h"
#include "crypto/wg_result.h"

#define HUB_NOISE_NAME	"Noise_IK_25519_ChaChaPoly_BLAKE2s"

/* The counter that must never be used, so that n + 1 cannot wrap. */
#define HUB_CHAN_N_LIMIT	UINT64_MAX

int
hub_proto_init(struct noise_protocol *p)
{
	if (noise_protocol_init(p, HUB_NOISE_NAME,
	    (const uint8_t *)HUB_PROLOGUE, strlen(HUB_PROLOGUE)) != 0)
		return WG_ERR_ARG;
	return WG_OK;
}

void
hub_chan_clear(struct hub_chan *c)
{
	sodium_memzero(c, sizeof(*c));
}

/*
 * Received bytes were refused: the connection is over.  Wipe every
 * secret so that nothing more can be sealed or opened on it, but keep
 * the peer's public key, which the caller may want to name in its log.
 */
static int
chan_fail(struct hub_chan *c, int r)
{
	uint8_t	remote[sizeof(c->remote)];

	memcpy(remote, c->remote, sizeof(remote));
	hub_chan_clear(c);
	memcpy(c->remote, remote, sizeof(remote));
	return r;
}

/* Handshake done: derive the transport keys; split wipes the state. */
static int
chan_establish(struct hub_chan *c)
{
	int	r;

	if ((r = noise_split(&c->hs, c->send_key, c->recv_key, c->hash)) !=
	    WG_OK)
		return r;
	c->send_n = c->recv_n = 0;
	c->state = HUB_CHAN_ESTABLISHED;
	return WG_OK;
}

int
hub_chan_initiate(struct hub_chan *c, const struct noise_protocol *p,
    const struct noise_static *self, const uint8_t hub_pub[32],
    uint8_t *out, size_t cap, size_t *outlen)
{
	uint8_t	ts[TAI64N_LEN];
	size_t	n;
	int	r;

	hub_chan_clear(c);
	if (cap < HUB_CHAN_INIT_LEN || hub_pub == NULL)
		return WG_ERR_ARG;
	if ((r = noise_hs_init(&c->hs, p, NOISE_INITIATOR, self, hub_pub)) !=
	    WG_OK)
		return r;
	/* The hub refuses a timestamp not newer than the last it took
	 * from this key, which stops INIT replays early. */
	tai64n_now(ts);
	if ((r = noise_write_msg1(&c->hs, ts, sizeof(ts), out + 1, cap - 1,
	    &n)) != WG_OK) {
		hub_chan_clear(c);
		return r;
	}
	out[0] = HUB_FRAME_INIT;
	memcpy(c->remote, hub_pub, sizeof(c->remote));
	c->state = HUB_CHAN_INIT_SENT;
	*outlen = n + 1;
	return WG_OK;
}

int
hub_chan_accept_static(struct hub_chan *c, const struct noise_protocol *p,
    const struct noise_static *self, const uint8_t *in, size_t len)
{
	int	r;

	hub_chan_clear(c);
	if ((r = noise_hs_init(&c->hs, p, NOISE_RESPONDER, self, NULL)) !=
	    WG_OK)
		return r;
	/* The payload is a timestamp and nothing else: exact length. */
	if (len != HUB_CHAN_INIT_LEN || in[0] != HUB_FRAME_INIT)
		return chan_fail(c, WG_DROP_MALFORMED);
	if ((r = noise_read_msg1_static(&c->hs, in + 1, len - 1)) != WG_OK)
		return chan_fail(c, r);
	memcpy(c->remote, c->hs.rs, sizeof(c->remote));
	return WG_OK;
}

int
hub_chan_accept_finish(struct hub_chan *c, const uint8_t *in, size_t len,
    uint8_t ts[TAI64N_LEN], uint8_t *out, size_t cap, size_t *outlen)
{
	uint8_t	payload[TAI64N_LEN];
	size_t	plen, n;
	int	r;

	if (c->state != HUB_CHAN_EMPTY ||
	    c->hs.state != NOISE_HS_MSG1_STATIC || cap < HUB_CHAN_RESP_LEN)
		return WG_ERR_ARG;
	if (len != HUB_CHAN_INIT_LEN || in[0] != HUB_FRAME_INIT)
		return chan_fail(c, WG_DROP_MALFORMED);
	if ((r = noise_read_msg1_payload(&c->hs, in + 1, len - 1, payload,
	    sizeof(payload), &plen)) != WG_OK)
		return chan_fail(c, r);
	if (plen != TAI64N_LEN)		/* cannot happen: length checked */
		return chan_fail(c, WG_DROP_MALFORMED);
	if ((r = noise_write_msg2(&c->hs, NULL, NULL, 0, out + 1, cap - 1,
	    &n)) != WG_OK)
		return chan_fail(c, r);
	out[0] = HUB_FRAME_RESP;
	if ((r = chan_establish(c)) != WG_OK) {
		sodium_memzero(out, cap);
		return chan_fail(c, r);
	}
	memcpy(ts, payload, TAI64N_LEN);
	*outlen = n + 1;
	return WG_OK;
}

int
hub_chan_finish(struct hub_chan *c, const uint8_t *in, size_t len)
{
	size_t	plen;
	int	r;

	if (c->state != HUB_CHAN_INIT_SENT)
		return WG_DROP_STATE;
	if (len != HUB_CHAN_RESP_LEN || in[0] != HUB_FRAME_RESP)
		return chan_fail(c, WG_DROP_MALFORMED);
	/* noise_read_msg2 keeps the state on a refusal, for datagram
	 * transports; here a bad RESP ends the connection, so wipe. */
	if ((r = noise_read_msg2(&c->hs, NULL, in + 1, len - 1, NULL, 0,
	    &plen)) != WG_OK)
		return chan_fail(c, r);
	if ((r = chan_establish(c)) != WG_OK)
		return chan_fail(c, r);
	return WG_OK;
}

int
hub_chan_seal(struct hub_chan *c, const uint8_t *pt, size_t len,
    uint8_t *out, size_t cap, size_t *outlen)
{
	if (c->state != HUB_CHAN_ESTABLISHED || len > HUB_MSG_MAX ||
	    cap < len + HUB_CHAN_DATA_OVERHEAD)
		return WG_ERR_ARG;
	if (c->send_n >= HUB_CHAN_N_LIMIT)
		return WG_ERR_SEND_LIMIT;
	/* The type byte is authenticated too, so no other frame type can
	 * be passed off as this one.  It lies before pt's in-place
	 * position, so writing it first cannot clobber the plaintext. */
	out[0] = HUB_FRAME_DATA;
	wg_aead_seal(out + 1, c->send_key, c->send_n, out, 1, pt, len);
	c->send_n++;
	*outlen = len + HUB_CHAN_DATA_OVERHEAD;
	return WG_OK;
}

int
hub_chan_open(struct hub_chan *c, const uint8_t *in, size_t len,
    uint8_t *pt, size_t cap, size_t *ptlen)
{
	if (c->state != HUB_CHAN_ESTABLISHED)
		return chan_fail(c, WG_DROP_STATE);
	if (len < HUB_CHAN_DATA_OVERHEAD || len > HUB_FRAME_MAX ||
	    in[0] != HUB_FRAME_DATA)
		return chan_fail(c, WG_DROP_MALFORMED);
	if (cap < len - HUB_CHAN_DATA_OVERHEAD)
		return WG_ERR_ARG;
	if (c->recv_n >= HUB_CHAN_N_LIMIT)
		return chan_fail(c, WG_DROP_COUNTER_LIMIT);
	if (wg_aead_open(pt, c->recv_key, c->recv_n, in, 1, in + 1,
	    len - 1) != 0)
		return chan_fail(c, WG_DROP_BAD_MAC);
	c->recv_n++;
	*ptlen = len - HUB_CHAN_DATA_OVERHEAD;
	return WG_OK;
}
