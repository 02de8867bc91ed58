/*
 * libFuzzer target: the node-to-hub protocol as either end reads it.
 *
 * The first input byte picks a mode; the rest is the input:
 *	0	a message: hub_msg_decode, and whatever decodes must
 *		re-encode to exactly the same bytes (and not fit in one
 *		byte less); the same bytes as one addr alone
 *		(hub_addr_decode, the cluster's hubs.relay), likewise
 *	1	a stream of DATA frame bodies, each a 2-byte big-endian
 *		length and the body, opened one after another on an
 *		established channel until one is refused (bit 2 of the
 *		mode byte: the node's side instead of the hub's); what
 *		opens is decoded as a message
 *	2	an INIT body for the hub: hub_chan_accept_static, then
 *		hub_chan_accept_finish when the first step took it
 *	3	a RESP body for a node that sent the fixed INIT
 *	and, mode byte bit 3 with mode 1: the rest is plaintext, sealed
 *	by one side and opened by the other, which must give it back
 * Keys, ephemerals and the timestamp are fixed, so every run is
 * reproducible and FUZZ_MAKE_SEEDS can write valid inputs for each mode
 * as a starting corpus (tools/fuzz.sh does).
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -Icrypto -Ihub \
 *	    -Iipc tests/fuzz/fuzz_hubframe.c hub/hubproto.c hub/hubchan.c \
 *	    crypto/{blake2s_glue,noise,transport,replay,tai64n}.c \
 *	    -lsodium -lb2
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto/blake2s_glue.h"
#include "proto/hubchan.h"
#include "proto/hubproto.h"
#include "crypto/noise.h"
#include "crypto/tai64n.h"
#include "crypto/wg_result.h"

static struct {
	struct noise_protocol	proto;
	struct noise_static	hub_s, node_s;
	struct hub_chan		node_sent;	/* INIT sent, waits for RESP */
	struct hub_chan		node;		/* established */
	struct hub_chan		hub;		/* established */
	uint8_t			init[HUB_CHAN_INIT_LEN];
	uint8_t			resp[HUB_CHAN_RESP_LEN];
	uint8_t			ts[TAI64N_LEN];
	uint8_t			e_hub[32];
	int			ready;
} fx;

static void
derive(uint8_t out[32], const char *label)
{
	wg_hash(out, (const uint8_t *)label, strlen(label));
}

static void
setup(void)
{
	uint8_t	e[32], ts[TAI64N_LEN];
	size_t	n;

	if (fx.ready)
		return;
	if (sodium_init() < 0 || hub_proto_init(&fx.proto) != WG_OK)
		abort();
	derive(fx.hub_s.priv, "fuzz hub");
	derive(fx.node_s.priv, "fuzz node");
	if (crypto_scalarmult_base(fx.hub_s.pub, fx.hub_s.priv) != 0 ||
	    crypto_scalarmult_base(fx.node_s.pub, fx.node_s.priv) != 0)
		abort();
	derive(fx.e_hub, "fuzz hub ephemeral");
	tai64n_encode(fx.ts, 1700000000, 0);

	/* hub_chan_initiate takes a fresh ephemeral and the clock; build
	 * the same state by hand with fixed ones */
	if (noise_hs_init(&fx.node_sent.hs, &fx.proto, NOISE_INITIATOR,
	    &fx.node_s, fx.hub_s.pub) != WG_OK)
		abort();
	derive(e, "fuzz node ephemeral");
	if (noise_hs_set_ephemeral(&fx.node_sent.hs, e) != WG_OK ||
	    noise_write_msg1(&fx.node_sent.hs, fx.ts, sizeof(fx.ts),
	    fx.init + 1, sizeof(fx.init) - 1, &n) != WG_OK ||
	    n + 1 != sizeof(fx.init))
		abort();
	fx.init[0] = HUB_FRAME_INIT;
	fx.node_sent.state = HUB_CHAN_INIT_SENT;
	memcpy(fx.node_sent.remote, fx.hub_s.pub, 32);

	if (hub_chan_accept_static(&fx.hub, &fx.proto, &fx.hub_s, fx.init,
	    sizeof(fx.init)) != WG_OK ||
	    noise_hs_set_ephemeral(&fx.hub.hs, fx.e_hub) != WG_OK ||
	    hub_chan_accept_finish(&fx.hub, fx.init, sizeof(fx.init), ts,
	    fx.resp, sizeof(fx.resp), &n) != WG_OK ||
	    memcmp(ts, fx.ts, sizeof(ts)) != 0)
		abort();
	fx.node = fx.node_sent;
	if (hub_chan_finish(&fx.node, fx.resp, sizeof(fx.resp)) != WG_OK)
		abort();
	fx.ready = 1;
}

/* One addr alone: what decodes encodes back to the same bytes. */
static void
run_addr(const uint8_t *m, size_t len)
{
	struct pkt_addr	 a;
	uint8_t		 e[HUB_ADDR_MAX];

	if (hub_addr_decode(&a, m, len) != 0) {
		if (a.af != 0 || a.port != 0)
			abort();	/* refused: zeroed */
		return;
	}
	if (hub_addr_encode(&a, e) != len || memcmp(e, m, len) != 0)
		abort();
}

static void
run_msg(const uint8_t *m, size_t len)
{
	struct hub_msg	 msg;
	uint8_t		*e;
	size_t		 n;

	run_addr(m, len);
	if (hub_msg_decode(&msg, m, len) != 0)
		return;
	if ((e = malloc(len)) == NULL)
		abort();
	/* exact size, so ASan sees a write past what decode accepted */
	if ((n = hub_msg_encode(&msg, e, len)) != len ||
	    memcmp(e, m, len) != 0)
		abort();
	if (len > 0 && hub_msg_encode(&msg, e, len - 1) != 0)
		abort();
	if (strcmp(hub_msg_name(msg.type), "unknown") == 0)
		abort();
	sodium_memzero(&msg, sizeof(msg));
	free(e);
}

static void
run_frames(const uint8_t *m, size_t len, int node_side)
{
	struct hub_chan	 c = node_side ? fx.node : fx.hub;
	uint8_t		*body, pt[HUB_FRAME_MAX];
	size_t		 blen, ptlen;
	uint64_t	 n0 = c.recv_n;

	while (len >= 2) {
		blen = (size_t)m[0] << 8 | m[1];
		m += 2;
		len -= 2;
		if (blen > len)
			blen = len;	/* a short last frame, fed as is */
		if ((body = malloc(blen > 0 ? blen : 1)) == NULL)
			abort();
		if (blen > 0)
			memcpy(body, m, blen);
		m += blen;
		len -= blen;
		if (hub_chan_open(&c, body, blen, pt, sizeof(pt), &ptlen) !=
		    WG_OK) {
			free(body);
			/* refusals are fatal and wipe the keys */
			if (c.state != HUB_CHAN_EMPTY ||
			    !sodium_is_zero(c.recv_key, sizeof(c.recv_key)))
				abort();
			break;
		}
		free(body);
		if (ptlen + HUB_CHAN_DATA_OVERHEAD != blen ||
		    c.recv_n != ++n0)
			abort();
		run_msg(pt, ptlen);
	}
	hub_chan_clear(&c);
}

/* Plaintext through a channel and back: must come out as it went in. */
static void
run_seal(const uint8_t *m, size_t len, int node_side)
{
	struct hub_chan	 from = node_side ? fx.hub : fx.node;
	struct hub_chan	 to = node_side ? fx.node : fx.hub;
	uint8_t		*f, pt[HUB_FRAME_MAX];
	size_t		 flen, ptlen;
	int		 r;

	if ((f = malloc(len + HUB_CHAN_DATA_OVERHEAD)) == NULL)
		abort();
	r = hub_chan_seal(&from, m, len, f, len + HUB_CHAN_DATA_OVERHEAD,
	    &flen);
	if (len > HUB_MSG_MAX) {
		if (r != WG_ERR_ARG)
			abort();
	} else if (r != WG_OK || flen != len + HUB_CHAN_DATA_OVERHEAD ||
	    hub_chan_open(&to, f, flen, pt, sizeof(pt), &ptlen) != WG_OK ||
	    ptlen != len || memcmp(pt, m, len) != 0)
		abort();
	free(f);
	hub_chan_clear(&from);
	hub_chan_clear(&to);
}

static void
run_accept(const uint8_t *m, size_t len)
{
	struct hub_chan	c;
	uint8_t		ts[TAI64N_LEN], resp[HUB_CHAN_RESP_LEN];
	size_t		n;

	if (hub_chan_accept_static(&c, &fx.proto, &fx.hub_s, m, len) ==
	    WG_OK) {
		if (len != HUB_CHAN_INIT_LEN)
			abort();
		(void)noise_hs_set_ephemeral(&c.hs, fx.e_hub);
		if (hub_chan_accept_finish(&c, m, len, ts, resp, sizeof(resp),
		    &n) == WG_OK && (n != sizeof(resp) ||
		    c.state != HUB_CHAN_ESTABLISHED))
			abort();
	}
	hub_chan_clear(&c);
}

static void
run_finish(const uint8_t *m, size_t len)
{
	struct hub_chan	c = fx.node_sent;

	if (hub_chan_finish(&c, m, len) == WG_OK) {
		if (len != HUB_CHAN_RESP_LEN ||
		    c.state != HUB_CHAN_ESTABLISHED)
			abort();
	} else if (c.state != HUB_CHAN_EMPTY ||
	    !sodium_is_zero((uint8_t *)&c.hs, sizeof(c.hs)))
		abort();
	hub_chan_clear(&c);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t	*m;
	size_t	 len;

	setup();
	if (size < 1 || size > 2 * HUB_FRAME_MAX)
		return 0;
	len = size - 1;
	/* an exact-size copy: ASan sees any read past the input */
	if ((m = malloc(len > 0 ? len : 1)) == NULL)
		abort();
	if (len > 0)
		memcpy(m, data + 1, len);
	switch (data[0] & 3) {
	case 0:
		run_msg(m, len);
		break;
	case 1:
		if (data[0] & 8)
			run_seal(m, len, (data[0] >> 2) & 1);
		else
			run_frames(m, len, (data[0] >> 2) & 1);
		break;
	case 2:
		run_accept(m, len);
		break;
	case 3:
		run_finish(m, len);
		break;
	}
	free(m);
	return 0;
}

#ifdef FUZZ_MAKE_SEEDS
static void
seed(const char *dir, const char *name, uint8_t mode, const uint8_t *m,
    size_t len)
{
	char	path[4096];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL || fwrite(&mode, 1, 1, f) != 1 ||
	    (len > 0 && fwrite(m, 1, len, f) != len) || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* Append one frame (length prefix and body) sealing msg. */
static size_t
add_frame(struct hub_chan *c, const struct hub_msg *msg, uint8_t *out)
{
	uint8_t	pt[512];
	size_t	n, flen;

	if ((n = hub_msg_encode(msg, pt, sizeof(pt))) == 0 ||
	    hub_chan_seal(c, pt, n, out + 2, 1024, &flen) != WG_OK)
		exit(1);
	out[0] = (uint8_t)(flen >> 8);
	out[1] = (uint8_t)flen;
	return flen + 2;
}

/* Write valid inputs for every mode into the directory argv[1]. */
int
main(int argc, char *argv[])
{
	struct hub_msg	msgs[9];
	struct hub_chan	c;
	uint8_t		buf[4096];
	char		name[32];
	size_t		i, n, off;
	int		side;

	if (argc != 2)
		return 2;
	setup();
	memset(msgs, 0, sizeof(msgs));
	msgs[0].type = HUB_MSG_LOGIN;
	msgs[0].u.login.version = HUB_PROTOCOL_VERSION;
	msgs[0].u.login.udp_port = 51820;
	strlcpy(msgs[0].u.login.nick, "laptop", sizeof(msgs[0].u.login.nick));
	msgs[1].type = HUB_MSG_REQUEST;
	msgs[1].u.req.id = 1;
	msgs[1].u.req.op = HUB_OP_CREATE;
	msgs[1].u.req.has_key = 1;
	msgs[1].u.req.mode = HUB_MODE_APPROVAL;
	msgs[1].u.req.limit = 10;
	memset(msgs[1].u.req.key, 0x42, HUB_KEY_LEN);
	strlcpy(msgs[1].u.req.net, "home", sizeof(msgs[1].u.req.net));
	strlcpy(msgs[1].u.req.password, "pw", sizeof(msgs[1].u.req.password));
	msgs[2].type = HUB_MSG_LOGIN_OK;
	msgs[2].u.login_ok.v4_plen = 24;
	msgs[2].u.login_ok.v6_plen = 64;
	msgs[2].u.login_ok.observed.af = 2;	/* AF_INET */
	msgs[2].u.login_ok.observed.port = 0x6cca;
	msgs[3].type = HUB_MSG_PEER_UP;
	msgs[3].u.peer.endpoint.af = 10;	/* AF_INET6 */
	strlcpy(msgs[3].u.peer.nick, "peer", sizeof(msgs[3].u.peer.nick));
	msgs[4].type = HUB_MSG_NET_ENTRY;
	strlcpy(msgs[4].u.net.name, "office", sizeof(msgs[4].u.net.name));
	msgs[5].type = HUB_MSG_MEMBER_ENTRY;
	msgs[5].u.member.online = 1;
	msgs[5].u.member.last_seen = 1700000000;
	msgs[6].type = HUB_MSG_RESPONSE;
	strlcpy(msgs[6].u.resp.msg, "ok", sizeof(msgs[6].u.resp.msg));
	msgs[7].type = HUB_MSG_LOGIN_REFUSED;
	msgs[7].u.refused.reason = HUB_REFUSED_VERSION;
	msgs[8].type = HUB_MSG_PEER_RELAY;
	msgs[8].u.prelay.relay_id = 7;
	msgs[8].u.prelay.guest_id = 8;
	msgs[8].u.prelay.hub.af = 2;		/* AF_INET */
	msgs[8].u.prelay.hub.port = 0x611e;

	for (i = 0; i < 9; i++) {
		if ((n = hub_msg_encode(&msgs[i], buf, sizeof(buf))) == 0)
			return 1;
		snprintf(name, sizeof(name), "msg-%s",
		    hub_msg_name(msgs[i].type));
		seed(argv[1], name, 0, buf, n);
	}
	/* three frames each way, sealed in order */
	for (side = 0; side < 2; side++) {
		c = side ? fx.hub : fx.node;
		for (i = 0, off = 0; i < 3; i++)
			off += add_frame(&c, &msgs[side ? 2 + i : i],
			    buf + off);
		snprintf(name, sizeof(name), "frames-%s",
		    side ? "to-node" : "to-hub");
		seed(argv[1], name, (uint8_t)(1 | side << 2), buf, off);
		hub_chan_clear(&c);
	}
	n = hub_msg_encode(&msgs[1], buf, sizeof(buf));
	seed(argv[1], "seal", 1 | 8, buf, n);
	seed(argv[1], "init", 2, fx.init, sizeof(fx.init));
	seed(argv[1], "resp", 3, fx.resp, sizeof(fx.resp));
	return 0;
}
#endif
