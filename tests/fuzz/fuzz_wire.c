/*
 * libFuzzer target: arbitrary datagrams through the WireGuard message
 * classifier and every parser behind it (initiation, response, cookie
 * reply, data), as the tun process would run them, plus the Noise core
 * on raw bytes.
 *
 * The first input byte picks a mode; the rest is the datagram:
 *	0	as received: classify, then the parser for its type
 *	1	the same after fixing mac1 (and the response's receiver
 *		index), so that mutations reach the Noise layer and its
 *		Diffie-Hellman on arbitrary points instead of stopping at
 *		mac1, which a fuzzer cannot forge
 *	2	the Noise core directly: message 1 for a responder, message
 *		2 for an initiator, arbitrary lengths and payload sizes
 *	3	data messages against a known key and a replay window
 * Keys, ephemerals and timestamps are fixed, so every run is
 * reproducible and "make seeds" (FUZZ_MAKE_SEEDS) can write valid
 * messages for each mode as a starting corpus.
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *	    -fno-sanitize-recover=undefined -Icrypto \
 *	    tests/fuzz/fuzz_wire.c crypto/{blake2s_glue,noise,transport,\
 *	    replay,cookie,tai64n,wg_handshake}.c -lsodium -lb2
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto/blake2s_glue.h"
#include "crypto/cookie.h"
#include "crypto/noise.h"
#include "crypto/replay.h"
#include "crypto/tai64n.h"
#include "crypto/transport.h"
#include "crypto/wg_handshake.h"
#include "crypto/wg_result.h"
#include "crypto/wg_wire.h"
#include "proto/dgram.h"

/* WireGuard's four messages as proto/dgram.c sorts them (kinds 1-4). */
static int
wg_msg_classify(const uint8_t *m, size_t len, int *type, uint32_t *idx)
{
	enum dgram_kind	 k = dgram_classify(m, len, idx);

	if (!dgram_is_wireguard(k))
		return WG_DROP_MALFORMED;
	*type = (int)k;
	return WG_OK;
}
_Static_assert((int)DGRAM_WG_INITIATION == (int)WG_MSG_INITIATION &&
    (int)DGRAM_WG_DATA == (int)WG_MSG_DATA, "kinds 1-4 are WireGuard's types");


#define I_INDEX		0x11111111
#define R_INDEX		0x22222222
#define NOW		UINT64_C(1000000000000)

static struct {
	struct noise_protocol	proto;
	struct noise_static	si, sr;
	struct cookie_checker	cc_i, cc_r;	/* what each side receives */
	struct cookie_maker	cm_i;		/* initiator -> responder */
	struct cookie_maker	cm_r;		/* responder -> initiator */
	struct noise_handshake	hi;		/* initiator, msg 1 sent */
	uint8_t			init[WG_INIT_LEN];
	uint8_t			resp[WG_RESP_LEN];
	uint8_t			data_key[32];
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
	struct noise_handshake	hr;
	uint8_t			e[32], ts[TAI64N_LEN], pub[32];
	uint32_t		idx;

	if (fx.ready)
		return;
	if (sodium_init() < 0)
		abort();
	wg_protocol_init(&fx.proto);
	derive(fx.si.priv, "fuzz initiator");
	derive(fx.sr.priv, "fuzz responder");
	if (crypto_scalarmult_base(fx.si.pub, fx.si.priv) != 0 ||
	    crypto_scalarmult_base(fx.sr.pub, fx.sr.priv) != 0)
		abort();
	cookie_checker_init(&fx.cc_i, fx.si.pub);
	cookie_checker_init(&fx.cc_r, fx.sr.pub);
	cookie_maker_init(&fx.cm_i, fx.sr.pub);
	cookie_maker_init(&fx.cm_r, fx.si.pub);
	derive(fx.data_key, "fuzz data key");
	tai64n_encode(ts, 1700000000, 0);

	if (noise_hs_init(&fx.hi, &fx.proto, NOISE_INITIATOR, &fx.si,
	    fx.sr.pub) != WG_OK)
		abort();
	derive(e, "fuzz initiator ephemeral");
	if (noise_hs_set_ephemeral(&fx.hi, e) != WG_OK ||
	    wg_create_initiation(&fx.hi, I_INDEX, ts, &fx.cm_i, NOW,
	    fx.init) != WG_OK)
		abort();
	/* a genuine response, for the seeds */
	if (noise_hs_init(&hr, &fx.proto, NOISE_RESPONDER, &fx.sr, NULL) !=
	    WG_OK || wg_consume_initiation(&hr, &fx.cc_r, fx.init,
	    WG_INIT_LEN, &idx, pub, ts) != WG_OK)
		abort();
	derive(e, "fuzz responder ephemeral");
	if (noise_hs_set_ephemeral(&hr, e) != WG_OK ||
	    wg_create_response(&hr, R_INDEX, idx, NULL, &fx.cm_r, NOW,
	    fx.resp) != WG_OK)
		abort();
	noise_hs_clear(&hr);
	fx.ready = 1;
}

static void
run_initiation(const uint8_t *m, size_t len)
{
	struct noise_handshake	hr;
	uint8_t			pub[32], ts[TAI64N_LEN], reply[64];
	uint8_t			resp[WG_RESP_LEN], src[18];
	uint32_t		idx;
	int			ok;

	memset(src, 0x5a, sizeof(src));
	if (cookie_checker_validate(&fx.cc_r, m, len, src, sizeof(src), 1,
	    NOW, &ok) != WG_OK)
		return;
	(void)cookie_reply_create(&fx.cc_r, reply, m, len, src, sizeof(src),
	    NOW);
	if (noise_hs_init(&hr, &fx.proto, NOISE_RESPONDER, &fx.sr, NULL) !=
	    WG_OK)
		abort();
	if (wg_consume_initiation(&hr, &fx.cc_r, m, len, &idx, pub, ts) ==
	    WG_OK) {
		(void)wg_check_timestamp(ts, NULL);
		/* a valid initiation must lead to a response */
		if (wg_create_response(&hr, R_INDEX, idx, NULL, &fx.cm_r, NOW,
		    resp) != WG_OK)
			abort();
	}
	noise_hs_clear(&hr);
}

static void
run_response(const uint8_t *m, size_t len)
{
	struct noise_handshake	hi = fx.hi;
	struct wg_session_keys	k;
	uint32_t		idx;

	if (wg_consume_response(&hi, &fx.cc_i, NULL, m, len, I_INDEX,
	    &idx) == WG_OK) {
		if (wg_derive_keys(&hi, &k) != WG_OK)
			abort();
	} else if (memcmp(&hi, &fx.hi, sizeof(hi)) != 0)
		abort();	/* a refusal must not touch the state */
	noise_hs_clear(&hi);
}

static void
run_cookie(const uint8_t *m, size_t len)
{
	struct cookie_maker	cm = fx.cm_i;	/* has an initiation out */

	if (cookie_consume_reply(&cm, m, len, NOW) == WG_OK && !cm.cookie_valid)
		abort();
}

static void
run_data(uint8_t *m, size_t len)
{
	struct replay_window	rw;
	size_t			ptlen;

	replay_init(&rw);
	/* a window that has seen something, so both branches run */
	(void)replay_commit(&rw, 100000);
	if (wg_data_open_window(m, len, fx.data_key, &rw, &ptlen) == WG_OK &&
	    ptlen + WG_DATA_MIN_LEN != len)
		abort();
}

static void
dispatch(uint8_t *m, size_t len)
{
	uint32_t	idx;
	int		type;

	if (wg_msg_classify(m, len, &type, &idx) != WG_OK) {
		/* The parsers must refuse what the classifier refused. */
		if (len == WG_INIT_LEN)
			run_initiation(m, len);
		run_cookie(m, len);
		return;
	}
	switch (type) {
	case WG_MSG_INITIATION:
		run_initiation(m, len);
		break;
	case WG_MSG_RESPONSE:
		run_response(m, len);
		break;
	case WG_MSG_COOKIE:
		run_cookie(m, len);
		break;
	case WG_MSG_DATA:
		run_data(m, len);
		break;
	default:
		abort();
	}
}

static void
fix_macs(uint8_t *m, size_t len)
{
	struct cookie_maker	cm;

	if (len == WG_INIT_LEN && m[0] == WG_MSG_INITIATION) {
		cm = fx.cm_i;
		cookie_add_macs(&cm, m, len, NOW);
	} else if (len == WG_RESP_LEN && m[0] == WG_MSG_RESPONSE) {
		put_le32(m + WG_RESP_OFF_RECEIVER, I_INDEX);
		cm = fx.cm_r;
		cookie_add_macs(&cm, m, len, NOW);
	}
}

static void
run_noise(const uint8_t *m, size_t len)
{
	struct noise_handshake	h;
	uint8_t			payload[256];
	size_t			plen, cap;

	if (len == 0)
		return;
	cap = m[0];		/* the reader's buffer size, fuzzed too */
	m++;
	len--;
	if (noise_hs_init(&h, &fx.proto, NOISE_RESPONDER, &fx.sr, NULL) !=
	    WG_OK)
		abort();
	if (noise_read_msg1(&h, m, len, payload, cap, &plen) == WG_OK &&
	    plen > cap)
		abort();
	noise_hs_clear(&h);
	h = fx.hi;
	if (noise_read_msg2(&h, NULL, m, len, payload, cap, &plen) == WG_OK &&
	    plen > cap)
		abort();
	noise_hs_clear(&h);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t	*m;
	size_t	 len;

	setup();
	if (size < 1 || size > 4096)
		return 0;
	len = size - 1;
	/* an exact-size copy: ASan sees any read past the datagram, and
	 * the data path decrypts in place */
	if ((m = malloc(len > 0 ? len : 1)) == NULL)
		abort();
	if (len > 0)
		memcpy(m, data + 1, len);
	switch (data[0] & 3) {
	case 0:
		dispatch(m, len);
		break;
	case 1:
		fix_macs(m, len);
		dispatch(m, len);
		break;
	case 2:
		run_noise(m, len);
		break;
	case 3:
		run_data(m, len);
		break;
	}
	free(m);
	return 0;
}

#ifdef FUZZ_MAKE_SEEDS
/* Write one valid message per mode into the directory argv[1]. */
static void
seed(const char *dir, const char *name, uint8_t mode, const uint8_t *m,
    size_t len)
{
	char	path[4096];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL || fwrite(&mode, 1, 1, f) != 1 ||
	    fwrite(m, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

int
main(int argc, char *argv[])
{
	struct cookie_checker	cc;
	uint8_t			buf[256], noise[256];
	size_t			n;

	if (argc != 2)
		return 2;
	setup();
	seed(argv[1], "init", 0, fx.init, WG_INIT_LEN);
	seed(argv[1], "init_fix", 1, fx.init, WG_INIT_LEN);
	seed(argv[1], "resp", 0, fx.resp, WG_RESP_LEN);
	seed(argv[1], "resp_fix", 1, fx.resp, WG_RESP_LEN);
	cc = fx.cc_r;
	if (cookie_reply_create(&cc, buf, fx.init, WG_INIT_LEN,
	    (const uint8_t *)"\x7f\0\0\1\0\1", 6, NOW) != WG_OK)
		return 1;
	seed(argv[1], "cookie", 0, buf, WG_COOKIE_REPLY_LEN);
	memset(buf + WG_DATA_HDR_LEN, 0x45, 60);
	if (wg_data_seal(buf, sizeof(buf), 60, 1420, R_INDEX, 100001,
	    fx.data_key, &n) != WG_OK)
		return 1;
	seed(argv[1], "data", 0, buf, n);
	seed(argv[1], "data3", 3, buf, n);
	noise[0] = 64;
	memcpy(noise + 1, fx.init + WG_INIT_OFF_NOISE,
	    WG_INIT_OFF_MAC1 - WG_INIT_OFF_NOISE);
	seed(argv[1], "noise1", 2, noise,
	    1 + WG_INIT_OFF_MAC1 - WG_INIT_OFF_NOISE);
	memcpy(noise + 1, fx.resp + WG_RESP_OFF_NOISE,
	    WG_RESP_OFF_MAC1 - WG_RESP_OFF_NOISE);
	seed(argv[1], "noise2", 2, noise,
	    1 + WG_RESP_OFF_MAC1 - WG_RESP_OFF_NOISE);
	return 0;
}
#endif
