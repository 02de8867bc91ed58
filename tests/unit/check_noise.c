/*
 * The handshake: the Noise core against the cacophony known-answer
 * vector, the WireGuard layer against an independent Python reference
 * (tests/unit/wg_kat.py), and full in-memory handshakes between two
 * nodes, with and without a pre-shared key, down to a data message each
 * way.  Also TAI64N and the refusal of low-order points.
 */
#include "autoconf.h"

#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto/cookie.h"
#include "crypto/noise.h"
#include "crypto/tai64n.h"
#include "crypto/transport.h"
#include "crypto/wg_handshake.h"
#include "crypto/wg_result.h"
#include "crypto/wg_timers.h"
#include "tests/unit/loworder.h"
#include "tests/unit/wgtest.h"

#ifndef VECTORS_DIR
#define VECTORS_DIR	"../shared/vectors"
#endif
#define CACOPHONY_FILE	"noise-IKpsk2-25519-ChaChaPoly-BLAKE2s.json"

/* ------------------------------------------------------------------ */
/* the cacophony vector */

/*
 * A purpose-built reader for the vector file: finds the next "key" after
 * *pos and returns its string value (or the first string of an array
 * value), advancing *pos past it.  The file holds only hex and plain
 * ASCII strings, no escapes.
 */
static int
json_next(const char **pos, const char *key, char *out, size_t cap)
{
	char		 pat[64];
	const char	*p, *q;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	if ((p = strstr(*pos, pat)) == NULL)
		return -1;
	p += strlen(pat);
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
	    *p == ':' || *p == '[')
		p++;
	if (*p != '"')
		return -1;
	p++;
	if ((q = strchr(p, '"')) == NULL || (size_t)(q - p) >= cap)
		return -1;
	memcpy(out, p, (size_t)(q - p));
	out[q - p] = '\0';
	*pos = q + 1;
	return 0;
}

/* Read a hex field into a fresh buffer; *len gets its byte length. */
static uint8_t *
json_hex(const char **pos, const char *key, size_t *len)
{
	static char	 hex[4096];
	uint8_t		*b;

	ck_assert_msg(json_next(pos, key, hex, sizeof(hex)) == 0,
	    "vector field %s missing", key);
	*len = strlen(hex) / 2;
	ck_assert((b = malloc(*len + 1)) != NULL);
	unhex(b, *len, hex);
	return b;
}

static char *
slurp(const char *path)
{
	FILE	*f;
	char	*buf;
	long	 n;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	ck_assert(fseek(f, 0, SEEK_END) == 0);
	ck_assert((n = ftell(f)) > 0 && n < 1 << 20);
	rewind(f);
	ck_assert((buf = malloc((size_t)n + 1)) != NULL);
	ck_assert(fread(buf, 1, (size_t)n, f) == (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

START_TEST(test_cacophony)
{
	const char		*path = VECTORS_DIR "/" CACOPHONY_FILE;
	struct noise_protocol	 proto;
	struct noise_static	 si, sr;
	struct noise_handshake	 hi, hr;
	uint8_t			*prologue, *psk, *rpsk, *b, *rs, *hash;
	uint8_t			*payload, *ct;
	uint8_t			 out[1024], pt[1024], hh_i[32], hh_r[32];
	uint8_t			 i_send[32], i_recv[32], r_send[32], r_recv[32];
	uint64_t		 n_i = 0, n_r = 0;
	size_t			 len, plen, clen, outlen, ptlen;
	char			*doc, name[128];
	const char		*pos;
	int			 msgno;

	/* A missing vector is a failure, never a skip. */
	doc = slurp(path);
	ck_assert_msg(doc != NULL, "cannot read %s: %s", path,
	    strerror(errno));
	pos = doc;
	ck_assert(json_next(&pos, "protocol_name", name, sizeof(name)) == 0);
	ck_assert_str_eq(name, "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s");

	prologue = json_hex(&pos, "init_prologue", &len);
	ck_assert_int_eq(noise_protocol_init(&proto, name, prologue, len), 0);
	psk = json_hex(&pos, "init_psks", &len);
	ck_assert_uint_eq(len, 32);
	b = json_hex(&pos, "init_static", &len);
	ck_assert_uint_eq(len, 32);
	memcpy(si.priv, b, 32);
	ck_assert_int_eq(crypto_scalarmult_base(si.pub, si.priv), 0);
	free(b);
	b = json_hex(&pos, "init_ephemeral", &len);
	rs = json_hex(&pos, "init_remote_static", &len);
	ck_assert_int_eq(noise_hs_init(&hi, &proto, NOISE_INITIATOR, &si, rs),
	    WG_OK);
	ck_assert_int_eq(noise_hs_set_ephemeral(&hi, b), WG_OK);
	free(b);
	free(prologue);

	/* The responder's prologue and psk must equal the initiator's. */
	prologue = json_hex(&pos, "resp_prologue", &len);
	free(prologue);
	rpsk = json_hex(&pos, "resp_psks", &len);
	ck_assert_mem_eq(rpsk, psk, 32);
	b = json_hex(&pos, "resp_static", &len);
	memcpy(sr.priv, b, 32);
	ck_assert_int_eq(crypto_scalarmult_base(sr.pub, sr.priv), 0);
	ck_assert_mem_eq(sr.pub, rs, 32);
	free(b);
	ck_assert_int_eq(noise_hs_init(&hr, &proto, NOISE_RESPONDER, &sr,
	    NULL), WG_OK);
	b = json_hex(&pos, "resp_ephemeral", &len);
	ck_assert_int_eq(noise_hs_set_ephemeral(&hr, b), WG_OK);
	free(b);
	hash = json_hex(&pos, "handshake_hash", &len);
	ck_assert_uint_eq(len, 32);

	for (msgno = 0; strstr(pos, "\"payload\"") != NULL; msgno++) {
		payload = json_hex(&pos, "payload", &plen);
		ct = json_hex(&pos, "ciphertext", &clen);
		switch (msgno) {
		case 0:
			ck_assert_int_eq(noise_write_msg1(&hi, payload, plen,
			    out, sizeof(out), &outlen), WG_OK);
			ck_assert_uint_eq(outlen, clen);
			ck_assert_mem_eq(out, ct, clen);
			ck_assert_int_eq(noise_read_msg1(&hr, out, outlen, pt,
			    sizeof(pt), &ptlen), WG_OK);
			ck_assert_uint_eq(ptlen, plen);
			ck_assert_mem_eq(pt, payload, plen);
			ck_assert_mem_eq(hr.rs, si.pub, 32);
			break;
		case 1:
			ck_assert_int_eq(noise_write_msg2(&hr, psk, payload,
			    plen, out, sizeof(out), &outlen), WG_OK);
			ck_assert_uint_eq(outlen, clen);
			ck_assert_mem_eq(out, ct, clen);
			ck_assert_int_eq(noise_read_msg2(&hi, psk, out, outlen,
			    pt, sizeof(pt), &ptlen), WG_OK);
			ck_assert_uint_eq(ptlen, plen);
			ck_assert_mem_eq(pt, payload, plen);
			ck_assert_int_eq(noise_split(&hi, i_send, i_recv,
			    hh_i), WG_OK);
			ck_assert_int_eq(noise_split(&hr, r_send, r_recv,
			    hh_r), WG_OK);
			ck_assert_mem_eq(hh_i, hash, 32);
			ck_assert_mem_eq(hh_r, hash, 32);
			ck_assert_mem_eq(i_send, r_recv, 32);
			ck_assert_mem_eq(i_recv, r_send, 32);
			break;
		default:
			/* Transport: plain Noise nonces, no AD, turns
			 * alternate starting with the initiator. */
			ck_assert_uint_eq(clen, plen + 16);
			if (msgno % 2 == 0) {
				wg_aead_seal(out, i_send, n_i, NULL, 0,
				    payload, plen);
				ck_assert_mem_eq(out, ct, clen);
				ck_assert_int_eq(wg_aead_open(pt, r_recv, n_i,
				    NULL, 0, out, clen), 0);
				n_i++;
			} else {
				wg_aead_seal(out, r_send, n_r, NULL, 0,
				    payload, plen);
				ck_assert_mem_eq(out, ct, clen);
				ck_assert_int_eq(wg_aead_open(pt, i_recv, n_r,
				    NULL, 0, out, clen), 0);
				n_r++;
			}
			ck_assert_mem_eq(pt, payload, plen);
			break;
		}
		free(payload);
		free(ct);
	}
	/* Both handshake messages and at least one transport message each
	 * way were checked. */
	ck_assert_int_ge(msgno, 4);
	/* Split wiped both handshakes. */
	ck_assert(is_zero(&hi, sizeof(hi)));
	ck_assert(is_zero(&hr, sizeof(hr)));
	sodium_memzero(&si, sizeof(si));
	sodium_memzero(&sr, sizeof(sr));
	free(psk);
	free(rpsk);
	free(rs);
	free(hash);
	free(doc);
}
END_TEST

/* ------------------------------------------------------------------ */
/* the Noise core on its own */

START_TEST(test_protocol_names)
{
	struct noise_protocol	p;

	ck_assert_int_eq(noise_protocol_init(&p,
	    "Noise_IK_25519_ChaChaPoly_BLAKE2s", NULL, 0), 0);
	ck_assert_int_eq(p.psk2, 0);
	ck_assert_int_eq(noise_protocol_init(&p,
	    "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s", NULL, 0), 0);
	ck_assert_int_eq(p.psk2, 1);
	/* Anything this code would not faithfully run is refused. */
	ck_assert_int_eq(noise_protocol_init(&p,
	    "Noise_XX_25519_ChaChaPoly_BLAKE2s", NULL, 0), -1);
	ck_assert_int_eq(noise_protocol_init(&p,
	    "Noise_IK_25519_AESGCM_SHA256", NULL, 0), -1);
	ck_assert_int_eq(noise_protocol_init(&p,
	    "Noise_IKpsk1_25519_ChaChaPoly_BLAKE2s", NULL, 0), -1);
	ck_assert_int_eq(noise_protocol_init(&p, "", NULL, 0), -1);
}
END_TEST

/*
 * Run a Noise handshake with arbitrary payloads, as the hub channel
 * will; returns the result of reading message 1 or 2 that failed, or
 * WG_OK with the keys in the out arguments.
 */
static int
noise_run(const char *name, const uint8_t *pro_i, size_t pro_i_len,
    const uint8_t *pro_r, size_t pro_r_len, const uint8_t *psk_i,
    const uint8_t *psk_r, uint8_t keys[4][32])
{
	struct noise_protocol	pi, pr;
	struct noise_handshake	hi, hr;
	struct node		a, b;
	uint8_t			m[512], pt[512], big[300];
	size_t			n, ptlen;
	int			r;

	node_random(&a);
	node_random(&b);
	memset(big, 0xa5, sizeof(big));
	ck_assert_int_eq(noise_protocol_init(&pi, name, pro_i, pro_i_len), 0);
	ck_assert_int_eq(noise_protocol_init(&pr, name, pro_r, pro_r_len), 0);
	ck_assert_int_eq(noise_hs_init(&hi, &pi, NOISE_INITIATOR, &a.s,
	    b.s.pub), WG_OK);
	ck_assert_int_eq(noise_hs_init(&hr, &pr, NOISE_RESPONDER, &b.s, NULL),
	    WG_OK);
	ck_assert_int_eq(noise_write_msg1(&hi, big, sizeof(big), m, sizeof(m),
	    &n), WG_OK);
	ck_assert_uint_eq(n, sizeof(big) + NOISE_MSG1_OVERHEAD);
	if ((r = noise_read_msg1(&hr, m, n, pt, sizeof(pt), &ptlen)) != WG_OK)
		return r;
	ck_assert_uint_eq(ptlen, sizeof(big));
	ck_assert_mem_eq(pt, big, sizeof(big));
	ck_assert_mem_eq(hr.rs, a.s.pub, 32);
	ck_assert_int_eq(noise_write_msg2(&hr, psk_r, big, 17, m, sizeof(m),
	    &n), WG_OK);
	ck_assert_uint_eq(n, 17 + NOISE_MSG2_OVERHEAD);
	if ((r = noise_read_msg2(&hi, psk_i, m, n, pt, sizeof(pt), &ptlen)) !=
	    WG_OK) {
		ck_assert_int_eq(hi.state, NOISE_HS_MSG1_SENT);
		return r;
	}
	ck_assert_uint_eq(ptlen, 17);
	ck_assert_int_eq(noise_split(&hi, keys[0], keys[1], NULL), WG_OK);
	ck_assert_int_eq(noise_split(&hr, keys[2], keys[3], NULL), WG_OK);
	return WG_OK;
}

START_TEST(test_noise_ik_prologue)
{
	const uint8_t	hub[] = "hamd hub v1", other[] = "hamd hub v2";
	uint8_t		keys[4][32], psk[32];

	/* IK without psk, with a prologue of our own: keys agree. */
	ck_assert_int_eq(noise_run("Noise_IK_25519_ChaChaPoly_BLAKE2s",
	    hub, sizeof(hub), hub, sizeof(hub), NULL, NULL, keys), WG_OK);
	ck_assert_mem_eq(keys[0], keys[3], 32);
	ck_assert_mem_eq(keys[1], keys[2], 32);
	ck_assert_mem_ne(keys[0], keys[1], 32);
	/* A different prologue is a different protocol: message 1 fails. */
	ck_assert_int_eq(noise_run("Noise_IK_25519_ChaChaPoly_BLAKE2s",
	    hub, sizeof(hub), other, sizeof(other), NULL, NULL, keys),
	    WG_DROP_BAD_MAC);
	/* IKpsk2 with a psk, and with mismatched psks. */
	randombytes_buf(psk, sizeof(psk));
	ck_assert_int_eq(noise_run("Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s",
	    hub, sizeof(hub), hub, sizeof(hub), psk, psk, keys), WG_OK);
	ck_assert_mem_eq(keys[0], keys[3], 32);
	ck_assert_int_eq(noise_run("Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s",
	    hub, sizeof(hub), hub, sizeof(hub), psk, NULL, keys),
	    WG_DROP_BAD_MAC);
}
END_TEST

START_TEST(test_noise_state_machine)
{
	struct noise_protocol	p;
	struct noise_handshake	hi, hr;
	struct node		a, b;
	uint8_t			m[256], pt[64], k1[32], k2[32];
	size_t			n, ptlen;

	node_random(&a);
	node_random(&b);
	wg_protocol_init(&p);
	/* init arguments */
	ck_assert_int_eq(noise_hs_init(&hi, &p, NOISE_INITIATOR, &a.s, NULL),
	    WG_ERR_ARG);
	ck_assert_int_eq(noise_hs_init(&hr, &p, NOISE_RESPONDER, &b.s,
	    a.s.pub), WG_ERR_ARG);
	ck_assert_int_eq(noise_hs_init(&hr, &p, 7, &b.s, NULL), WG_ERR_ARG);

	ck_assert_int_eq(noise_hs_init(&hi, &p, NOISE_INITIATOR, &a.s,
	    b.s.pub), WG_OK);
	ck_assert_int_eq(noise_hs_init(&hr, &p, NOISE_RESPONDER, &b.s, NULL),
	    WG_OK);
	/* out of order, wrong role, too small */
	ck_assert_int_eq(noise_split(&hi, k1, k2, NULL), WG_ERR_ARG);
	ck_assert_int_eq(noise_write_msg1(&hr, NULL, 0, m, sizeof(m), &n),
	    WG_ERR_ARG);
	ck_assert_int_eq(noise_write_msg2(&hr, NULL, NULL, 0, m, sizeof(m),
	    &n), WG_ERR_ARG);
	ck_assert_int_eq(noise_read_msg2(&hi, NULL, m, 48, NULL, 0, &n),
	    WG_ERR_ARG);
	ck_assert_int_eq(noise_write_msg1(&hi, NULL, 0, m,
	    NOISE_MSG1_OVERHEAD - 1, &n), WG_ERR_ARG);
	ck_assert_int_eq(noise_write_msg1(&hi, NULL, 0, m, sizeof(m), &n),
	    WG_OK);
	ck_assert_int_eq(noise_write_msg1(&hi, NULL, 0, m, sizeof(m), &n),
	    WG_ERR_ARG);
	/* a payload larger than the reader's buffer */
	ck_assert_int_eq(noise_read_msg1(&hr, m, n + 1, pt, 0, &ptlen),
	    WG_DROP_MALFORMED);
	/* refused: the scratch state is wiped */
	ck_assert(is_zero(&hr, sizeof(hr)));
	ck_assert_int_eq(noise_hs_init(&hr, &p, NOISE_RESPONDER, &b.s, NULL),
	    WG_OK);
	ck_assert_int_eq(noise_read_msg1_payload(&hr, m, n, pt, sizeof(pt),
	    &ptlen), WG_ERR_ARG);
	ck_assert_int_eq(noise_read_msg1(&hr, m, n, pt, sizeof(pt), &ptlen),
	    WG_OK);
	ck_assert_uint_eq(ptlen, 0);
	ck_assert_int_eq(noise_read_msg1(&hr, m, n, pt, sizeof(pt), &ptlen),
	    WG_ERR_ARG);
	ck_assert_int_eq(noise_write_msg2(&hr, NULL, NULL, 0, m,
	    NOISE_MSG2_OVERHEAD - 1, &n), WG_ERR_ARG);
	ck_assert_int_eq(noise_write_msg2(&hr, NULL, NULL, 0, m, sizeof(m),
	    &n), WG_OK);
	/* the responder dropped its ephemeral private key already */
	ck_assert(is_zero(hr.e_priv, sizeof(hr.e_priv)));
	/* a truncated message 2 leaves the initiator waiting */
	ck_assert_int_eq(noise_read_msg2(&hi, NULL, m, n - 1, NULL, 0,
	    &ptlen), WG_DROP_MALFORMED);
	ck_assert_int_eq(hi.state, NOISE_HS_MSG1_SENT);
	ck_assert_int_eq(noise_read_msg2(&hi, NULL, m, n, NULL, 0, &ptlen),
	    WG_OK);
	ck_assert(is_zero(hi.e_priv, sizeof(hi.e_priv)));
	ck_assert_int_eq(noise_read_msg2(&hi, NULL, m, n, NULL, 0, &ptlen),
	    WG_ERR_ARG);
	ck_assert_int_eq(noise_split(&hi, k1, k2, NULL), WG_OK);
	ck_assert(is_zero(&hi, sizeof(hi)));
	ck_assert_int_eq(noise_split(&hi, k1, k2, NULL), WG_ERR_ARG);
	noise_hs_clear(&hr);
	ck_assert(is_zero(&hr, sizeof(hr)));
}
END_TEST

/* ------------------------------------------------------------------ */
/* WireGuard against the Python reference (tests/unit/wg_kat.py) */

#define KAT_SI \
	"62c9fbcb45fe6dfa0c3eedcea66978c1c13aa5f5135c8ad55fbe95db7c0c4c5e"
#define KAT_SR \
	"d8bc4dd4d2dc756be957617f540da0b93aa8817e59f3f7a98ab8303cad8f7956"
#define KAT_EI \
	"4a0890128f9e9423fb007c8f7338f30f41c9ae419e9761ec2e538b967ffa4279"
#define KAT_ER \
	"cc9347ed97a94ca2ce5bae2464e51a0a9d066296da9f946e6507d9837d7d6660"
#define KAT_PSK \
	"ea42ae2ff426099c8297005693fa9ee62cc54b062dca042064b2f8763fe015a0"
#define KAT_SI_PUB \
	"03175cff1c7cb1eafc5d59f14bfa2aa0923b85a1a4ac89131f39b658a4e37a59"
#define KAT_SR_PUB \
	"d0c6618584cc8cc7258daad7ca3397df665f62ab3390ea77e8716344ef5afa44"
#define KAT_TS \
	"400000006553f10a07000000"
#define KAT_INIT \
	"01000000443322110e550ebd595aa780b9332bd5aab94a6790a8496664d5752f" \
	"e06f17794049950479ed68a77cb073676ee3a33b982568e337baa59461b6102e" \
	"b89b8c8198967a2467c9b8fc3293f6f00c39fbfe99e4bd6070c8a4160dfcb1b8" \
	"55beb34c5557d541dbc64585b7b5ffad022b8b1f90d3cf5070c2f42dcf2c9190" \
	"5e1fe5c100000000000000000000000000000000"
#define KAT_RESP \
	"02000000d4c3b2a1443322111e244ec0f89b1f7ce095c53ecdfa8ea216189526" \
	"76bb13363d366b199774766e735f55fd6e9df8bd74b094ccd70857fae746ebfc" \
	"48bc4ae5a01c74258d2f14f400000000000000000000000000000000"
#define KAT_I_SEND \
	"a1e83b1c8484154c0991da760d4cc91d6fa0d8eff7dafd42645054f00f53c811"
#define KAT_I_RECV \
	"6a34bb3be1750f2f3f1a6a5cb56e81f0fff1c4a1000d8826102face6c218d999"
#define KAT_DATA_PT \
	"68616d64206461746120706c616e65206b617421"
#define KAT_DATA \
	"04000000d4c3b2a10000000000000000b49a8fb3eac29bfe38d3a7a290f114d3" \
	"4d617ead7c17cd4669f057fc4d868ca31065ac4202ae1bd9fb92546da44fa14d"
#define KAT_KEEPALIVE \
	"040000004433221107000000000000002bd68edb2a328de343b720301b7b468e"
#define KAT_RM \
	"dee5207f6e096f7ac9412220953b2e594a27ad0a947c8c68729ec1eee180aa77"
#define KAT_SRC \
	"c0000201ca6c"
#define KAT_COOKIE \
	"f81b5613d9907a5744cb805821dab1c5"
#define KAT_COOKIE_REPLY \
	"03000000443322116eebed9d232ab0bad199ecd8e4e74f0e6341aeab244e2763" \
	"2cc42734bd9f8426bf93d208fa78e3181141301d9e4a86158119b23a367553cc"
#define KAT_TS2 \
	"400000006553f10b00000000"
#define KAT_INIT2 \
	"01000000443322110e550ebd595aa780b9332bd5aab94a6790a8496664d5752f" \
	"e06f17794049950479ed68a77cb073676ee3a33b982568e337baa59461b6102e" \
	"b89b8c8198967a2467c9b8fc3293f6f00c39fbfe99e4bd6070c8a4160dfcb1b9" \
	"52beb34cd8db2706b0f094d8e540ca0c20bb33ee658d8ce002b62b70d471f21e" \
	"7bba764cfe026c98a6d9a65e6b4725514ec682d9"
#define KAT_I_IDX	0x11223344
#define KAT_R_IDX	0xa1b2c3d4

START_TEST(test_wg_python_reference)
{
	struct noise_protocol	p;
	struct noise_handshake	hi, hr;
	struct node		ni, nr;
	struct wg_session_keys	ki, kr;
	uint8_t			priv[32], ei[32], er[32], psk[32], ts[12];
	uint8_t			ts2[12], init[WG_INIT_LEN], resp[WG_RESP_LEN];
	uint8_t			got_pub[32], got_ts[12], buf[128], src[6];
	uint8_t			cookie_reply[64];
	uint32_t		idx;
	size_t			n;
	int			mac2_ok;
	uint64_t		now = WG_NSEC(1000);

	unhex(priv, 32, KAT_SI);
	node_from_priv(&ni, priv);
	unhex(priv, 32, KAT_SR);
	node_from_priv(&nr, priv);
	assert_hex(ni.s.pub, 32, KAT_SI_PUB, "initiator public");
	assert_hex(nr.s.pub, 32, KAT_SR_PUB, "responder public");
	node_pair(&ni, &nr);
	unhex(ei, 32, KAT_EI);
	unhex(er, 32, KAT_ER);
	unhex(psk, 32, KAT_PSK);
	unhex(ts, 12, KAT_TS);
	unhex(ts2, 12, KAT_TS2);
	wg_protocol_init(&p);

	/* The timestamp encoder agrees with the reference's. */
	tai64n_encode(got_ts, 1700000000, 123456789);
	ck_assert_mem_eq(got_ts, ts, 12);

	ck_assert_int_eq(noise_hs_init(&hi, &p, NOISE_INITIATOR, &ni.s,
	    nr.s.pub), WG_OK);
	ck_assert_int_eq(noise_hs_set_ephemeral(&hi, ei), WG_OK);
	ck_assert_int_eq(wg_create_initiation(&hi, KAT_I_IDX, ts, &ni.cm, now,
	    init), WG_OK);
	assert_hex(init, sizeof(init), KAT_INIT, "initiation");

	ck_assert_int_eq(noise_hs_init(&hr, &p, NOISE_RESPONDER, &nr.s, NULL),
	    WG_OK);
	ck_assert_int_eq(wg_consume_initiation(&hr, &nr.cc, init, sizeof(init),
	    &idx, got_pub, got_ts), WG_OK);
	ck_assert_uint_eq(idx, KAT_I_IDX);
	ck_assert_mem_eq(got_pub, ni.s.pub, 32);
	ck_assert_mem_eq(got_ts, ts, 12);
	ck_assert_int_eq(noise_hs_set_ephemeral(&hr, er), WG_OK);
	ck_assert_int_eq(wg_create_response(&hr, KAT_R_IDX, idx, psk, &nr.cm,
	    now, resp), WG_OK);
	assert_hex(resp, sizeof(resp), KAT_RESP, "response");

	ck_assert_int_eq(wg_consume_response(&hi, &ni.cc, psk, resp,
	    sizeof(resp), KAT_I_IDX, &idx), WG_OK);
	ck_assert_uint_eq(idx, KAT_R_IDX);
	ck_assert_int_eq(wg_derive_keys(&hi, &ki), WG_OK);
	ck_assert_int_eq(wg_derive_keys(&hr, &kr), WG_OK);
	assert_hex(ki.send, 32, KAT_I_SEND, "initiator send key");
	assert_hex(ki.recv, 32, KAT_I_RECV, "initiator recv key");
	ck_assert_mem_eq(kr.send, ki.recv, 32);
	ck_assert_mem_eq(kr.recv, ki.send, 32);

	/* A data message, padded to 32 by the MTU rule, and a keepalive. */
	unhex(buf + WG_DATA_HDR_LEN, 20, KAT_DATA_PT);
	ck_assert_int_eq(wg_data_seal(buf, sizeof(buf), 20, 1420, KAT_R_IDX,
	    0, ki.send, &n), WG_OK);
	ck_assert_uint_eq(n, 64);
	assert_hex(buf, n, KAT_DATA, "data message");
	ck_assert_int_eq(wg_data_seal(buf, sizeof(buf), 0, 1420, KAT_I_IDX,
	    7, kr.send, &n), WG_OK);
	assert_hex(buf, n, KAT_KEEPALIVE, "keepalive");

	/* Cookie: the responder's secret is set to the reference's. */
	unhex(nr.cc.secret, 32, KAT_RM);
	nr.cc.secret_birth = now;
	nr.cc.secret_valid = 1;
	unhex(src, sizeof(src), KAT_SRC);
	ck_assert_int_eq(cookie_checker_validate(&nr.cc, init, sizeof(init),
	    src, sizeof(src), 1, now, &mac2_ok), WG_OK);
	ck_assert_int_eq(mac2_ok, 0);
	/* The reference's reply to the first initiation opens, and gives
	 * the reference's cookie. */
	unhex(cookie_reply, 64, KAT_COOKIE_REPLY);
	ck_assert_int_eq(cookie_consume_reply(&ni.cm, cookie_reply, 64, now),
	    WG_OK);
	assert_hex(ni.cm.cookie, 16, KAT_COOKIE, "cookie");
	/* The next initiation carries the reference's mac2... */
	ck_assert_int_eq(noise_hs_init(&hi, &p, NOISE_INITIATOR, &ni.s,
	    nr.s.pub), WG_OK);
	ck_assert_int_eq(noise_hs_set_ephemeral(&hi, ei), WG_OK);
	ck_assert_int_eq(wg_create_initiation(&hi, KAT_I_IDX, ts2, &ni.cm,
	    now + WG_NSEC(1), init), WG_OK);
	assert_hex(init, sizeof(init), KAT_INIT2, "initiation with mac2");
	/* ...which the responder accepts under load. */
	ck_assert_int_eq(cookie_checker_validate(&nr.cc, init, sizeof(init),
	    src, sizeof(src), 1, now + WG_NSEC(1), &mac2_ok), WG_OK);
	ck_assert_int_eq(mac2_ok, 1);

	noise_hs_clear(&hi);
	sodium_memzero(&ki, sizeof(ki));
	sodium_memzero(&kr, sizeof(kr));
}
END_TEST

/* ------------------------------------------------------------------ */
/* WireGuard between two in-memory nodes */

static void
wg_handshake_pair(const uint8_t *psk_i, const uint8_t *psk_r, int expect)
{
	struct noise_protocol	p;
	struct noise_handshake	hi, hr, scratch;
	struct node		a, b;
	struct wg_session_keys	ka, kb;
	struct replay_window	rwa, rwb;
	uint8_t			init[WG_INIT_LEN], resp[WG_RESP_LEN];
	uint8_t			ts[12], got_ts[12], pub[32], buf[2048];
	uint8_t			pkt[1400];
	uint32_t		ia, ib, idx;
	size_t			n, ptlen;
	int			r, i;

	node_random(&a);
	node_random(&b);
	node_pair(&a, &b);
	wg_protocol_init(&p);
	randombytes_buf(&ia, sizeof(ia));
	randombytes_buf(&ib, sizeof(ib));
	tai64n_now(ts);

	ck_assert_int_eq(noise_hs_init(&hi, &p, NOISE_INITIATOR, &a.s,
	    b.s.pub), WG_OK);
	ck_assert_int_eq(wg_create_initiation(&hi, ia, ts, &a.cm, 0, init),
	    WG_OK);

	/* Responder: scratch state, lookup between the two steps. */
	ck_assert_int_eq(noise_hs_init(&scratch, &p, NOISE_RESPONDER, &b.s,
	    NULL), WG_OK);
	ck_assert_int_eq(wg_initiation_open(&scratch, &b.cc, init,
	    sizeof(init), &idx, pub), WG_OK);
	ck_assert_uint_eq(idx, ia);
	ck_assert_mem_eq(pub, a.s.pub, 32);
	ck_assert_int_eq(wg_initiation_finish(&scratch, init, sizeof(init),
	    got_ts), WG_OK);
	ck_assert_mem_eq(got_ts, ts, 12);
	ck_assert_int_eq(wg_check_timestamp(got_ts, NULL), WG_OK);
	hr = scratch;
	noise_hs_clear(&scratch);
	ck_assert_int_eq(wg_create_response(&hr, ib, idx, psk_r, &b.cm, 0,
	    resp), WG_OK);
	ck_assert_int_eq(wg_derive_keys(&hr, &kb), WG_OK);

	r = wg_consume_response(&hi, &a.cc, psk_i, resp, sizeof(resp), ia,
	    &idx);
	ck_assert_int_eq(r, expect);
	if (r != WG_OK) {
		/* Nothing changed: still waiting for the real response. */
		ck_assert_int_eq(hi.state, NOISE_HS_MSG1_SENT);
		noise_hs_clear(&hi);
		return;
	}
	ck_assert_uint_eq(idx, ib);
	ck_assert_int_eq(wg_derive_keys(&hi, &ka), WG_OK);
	ck_assert_mem_eq(ka.send, kb.recv, 32);
	ck_assert_mem_eq(ka.recv, kb.send, 32);
	ck_assert_mem_ne(ka.send, ka.recv, 32);

	/* Data both ways, in place, through the replay windows. */
	replay_init(&rwa);
	replay_init(&rwb);
	for (i = 0; i < 40; i++) {
		size_t len = (size_t)i * 37 % sizeof(pkt);

		randombytes_buf(pkt, len);
		memcpy(buf + WG_DATA_HDR_LEN, pkt, len);
		ck_assert_int_eq(wg_data_seal(buf, sizeof(buf), len, 1420,
		    ib, (uint64_t)i, ka.send, &n), WG_OK);
		ck_assert_uint_eq(n, wg_data_msg_len(len, 1420));
		ck_assert_uint_eq((n - WG_DATA_MIN_LEN) % 16, 0);
		ck_assert_int_eq(wg_data_open_window(buf, n, kb.recv, &rwb,
		    &ptlen), WG_OK);
		ck_assert_uint_ge(ptlen, len);
		ck_assert_mem_eq(buf + WG_DATA_HDR_LEN, pkt, len);
		ck_assert(is_zero(buf + WG_DATA_HDR_LEN + len, ptlen - len));

		memcpy(buf + WG_DATA_HDR_LEN, pkt, len);
		ck_assert_int_eq(wg_data_seal(buf, sizeof(buf), len, 1420,
		    ia, (uint64_t)i, kb.send, &n), WG_OK);
		ck_assert_int_eq(wg_data_open_window(buf, n, ka.recv, &rwa,
		    &ptlen), WG_OK);
		ck_assert_mem_eq(buf + WG_DATA_HDR_LEN, pkt, len);
		/* The same message again is a replay. */
		ck_assert_int_eq(wg_data_open_window(buf, n, ka.recv, &rwa,
		    &ptlen), WG_DROP_REPLAY);
	}
	sodium_memzero(&ka, sizeof(ka));
	sodium_memzero(&kb, sizeof(kb));
}

START_TEST(test_wg_handshake_nopsk)
{
	wg_handshake_pair(NULL, NULL, WG_OK);
}
END_TEST

START_TEST(test_wg_handshake_psk)
{
	uint8_t	psk[32], zero[32], other[32];

	randombytes_buf(psk, sizeof(psk));
	memset(zero, 0, sizeof(zero));
	wg_handshake_pair(psk, psk, WG_OK);
	/* No psk is the all-zero psk. */
	wg_handshake_pair(zero, NULL, WG_OK);
	wg_handshake_pair(NULL, zero, WG_OK);
	/* Mismatches fail on the initiator's side, as the tag of the
	 * response's empty payload. */
	memcpy(other, psk, sizeof(other));
	other[31] ^= 1;
	wg_handshake_pair(psk, other, WG_DROP_BAD_MAC);
	wg_handshake_pair(NULL, psk, WG_DROP_BAD_MAC);
	wg_handshake_pair(psk, NULL, WG_DROP_BAD_MAC);
}
END_TEST

/* ------------------------------------------------------------------ */
/* low-order points */

/* Every encoding of a point of small order (tests/unit/loworder.h). */
#define NLOW	LOW_ORDER_KEYS

START_TEST(test_low_order_peer_static)
{
	struct noise_protocol	p;
	struct noise_handshake	hi;
	struct node		a;
	struct cookie_maker	cm;
	uint8_t			bad[32], init[WG_INIT_LEN], ts[12];

	node_random(&a);
	wg_protocol_init(&p);
	low_order_key(bad, (size_t)_i);
	cookie_maker_init(&cm, bad);
	tai64n_now(ts);
	ck_assert_int_eq(noise_hs_init(&hi, &p, NOISE_INITIATOR, &a.s, bad),
	    WG_OK);
	ck_assert_int_eq(wg_create_initiation(&hi, 1, ts, &cm, 0, init),
	    WG_DROP_BAD_KEY);
	ck_assert(is_zero(&hi, sizeof(hi)));
}
END_TEST

START_TEST(test_low_order_ephemerals)
{
	struct noise_protocol	p;
	struct noise_handshake	hi, hr;
	struct node		a, b;
	uint8_t			init[WG_INIT_LEN], resp[WG_RESP_LEN], ts[12];
	uint8_t			pub[32], got_ts[12];
	uint32_t		idx;

	node_random(&a);
	node_random(&b);
	node_pair(&a, &b);
	wg_protocol_init(&p);
	tai64n_now(ts);

	/* An initiation whose ephemeral is low order, with a valid mac1
	 * (anyone who knows our public key can make one). */
	ck_assert_int_eq(noise_hs_init(&hi, &p, NOISE_INITIATOR, &a.s,
	    b.s.pub), WG_OK);
	ck_assert_int_eq(wg_create_initiation(&hi, 1, ts, &a.cm, 0, init),
	    WG_OK);
	low_order_key(init + 8, (size_t)_i);
	cookie_add_macs(&a.cm, init, sizeof(init), 0);
	ck_assert_int_eq(noise_hs_init(&hr, &p, NOISE_RESPONDER, &b.s, NULL),
	    WG_OK);
	ck_assert_int_eq(wg_consume_initiation(&hr, &b.cc, init, sizeof(init),
	    &idx, pub, got_ts), WG_DROP_BAD_KEY);
	ck_assert(is_zero(&hr, sizeof(hr)));

	/* A response whose ephemeral is low order: refused, and the
	 * initiator keeps waiting. */
	ck_assert_int_eq(noise_hs_init(&hi, &p, NOISE_INITIATOR, &a.s,
	    b.s.pub), WG_OK);
	ck_assert_int_eq(wg_create_initiation(&hi, 1, ts, &a.cm, 0, init),
	    WG_OK);
	ck_assert_int_eq(noise_hs_init(&hr, &p, NOISE_RESPONDER, &b.s, NULL),
	    WG_OK);
	ck_assert_int_eq(wg_consume_initiation(&hr, &b.cc, init, sizeof(init),
	    &idx, pub, got_ts), WG_OK);
	ck_assert_int_eq(wg_create_response(&hr, 2, idx, NULL, &b.cm, 0,
	    resp), WG_OK);
	low_order_key(resp + 12, (size_t)_i);
	cookie_add_macs(&b.cm, resp, sizeof(resp), 0);
	ck_assert_int_eq(wg_consume_response(&hi, &a.cc, NULL, resp,
	    sizeof(resp), 1, &idx), WG_DROP_BAD_KEY);
	ck_assert_int_eq(hi.state, NOISE_HS_MSG1_SENT);
	noise_hs_clear(&hi);
	noise_hs_clear(&hr);
}
END_TEST

START_TEST(test_low_order_initiator_static)
{
	struct noise_protocol	p;
	struct noise_handshake	hi, hr;
	struct noise_static	evil;
	struct node		b;
	struct cookie_maker	cm;
	uint8_t			init[WG_INIT_LEN], ts[12], pub[32], got[12];
	uint32_t		idx;

	/*
	 * An initiator claiming a low-order static key.  It can still
	 * encrypt that key (es needs only its ephemeral) and, with a
	 * private key that does not match, compute a non-zero ss of its
	 * own; the responder's ss = DH(its key, low-order point) is zero
	 * and must be refused after the static step.
	 */
	node_random(&b);
	wg_protocol_init(&p);
	cookie_maker_init(&cm, b.s.pub);
	randombytes_buf(evil.priv, 32);
	low_order_key(evil.pub, (size_t)_i);
	tai64n_now(ts);
	ck_assert_int_eq(noise_hs_init(&hi, &p, NOISE_INITIATOR, &evil,
	    b.s.pub), WG_OK);
	ck_assert_int_eq(wg_create_initiation(&hi, 1, ts, &cm, 0, init),
	    WG_OK);
	ck_assert_int_eq(noise_hs_init(&hr, &p, NOISE_RESPONDER, &b.s, NULL),
	    WG_OK);
	ck_assert_int_eq(wg_initiation_open(&hr, &b.cc, init, sizeof(init),
	    &idx, pub), WG_OK);
	ck_assert_mem_eq(pub, evil.pub, 32);
	ck_assert_int_eq(wg_initiation_finish(&hr, init, sizeof(init), got),
	    WG_DROP_BAD_KEY);
	ck_assert(is_zero(&hr, sizeof(hr)));
	noise_hs_clear(&hi);
}
END_TEST

/* ------------------------------------------------------------------ */
/* TAI64N */

START_TEST(test_tai64n)
{
	uint8_t	a[12], b[12];
	uint32_t ns;
	int	i;

	/* The label is 2^62 + 10 + seconds, big-endian. */
	tai64n_encode(a, 0, 0);
	assert_hex(a, 12, "400000000000000a00000000", "epoch");
	tai64n_encode(a, 1, 999999999);
	/* 999999999 & ~(2^24 - 1) = 989855744 = 0x3b000000 */
	assert_hex(a, 12, "400000000000000b3b000000", "whitened");
	/* Whitening: every nanosecond value inside one 2^24 ns slot gives
	 * the same stamp, and the next slot a greater one. */
	for (i = 0; i < 1000; i++) {
		ns = (uint32_t)i * 16777;
		tai64n_encode(a, 5, ns);
		tai64n_encode(b, 5, ns & ~TAI64N_WHITEN_MASK);
		ck_assert_mem_eq(a, b, 12);
	}
	tai64n_encode(a, 5, 16777215);
	tai64n_encode(b, 5, 16777216);
	ck_assert(tai64n_after(b, a));
	ck_assert(!tai64n_after(a, b));
	/* strictly greater */
	ck_assert(!tai64n_after(a, a));
	ck_assert_int_eq(wg_check_timestamp(a, a), WG_DROP_REPLAY);
	ck_assert_int_eq(wg_check_timestamp(a, b), WG_DROP_REPLAY);
	ck_assert_int_eq(wg_check_timestamp(b, a), WG_OK);
	ck_assert_int_eq(wg_check_timestamp(a, NULL), WG_OK);
	/* seconds dominate nanoseconds */
	tai64n_encode(a, 6, 0);
	tai64n_encode(b, 5, 999999999);
	ck_assert(tai64n_after(a, b));
	/* now() is after 2020-01-01 and never goes back between calls */
	tai64n_encode(b, 1577836800, 0);
	tai64n_now(a);
	ck_assert(tai64n_after(a, b));
	memcpy(b, a, 12);
	tai64n_now(a);
	ck_assert(memcmp(a, b, 12) >= 0);
	ck_assert_uint_eq(((uint32_t)a[9] << 16 | (uint32_t)a[10] << 8 |
	    a[11]) & 0xffffff, 0);
}
END_TEST

static Suite *
noise_suite(void)
{
	Suite	*s = suite_create("noise");
	TCase	*tc;

	tc = tcase_create("vectors");
	tcase_add_test(tc, test_cacophony);
	tcase_add_test(tc, test_wg_python_reference);
	suite_add_tcase(s, tc);

	tc = tcase_create("core");
	tcase_add_test(tc, test_protocol_names);
	tcase_add_test(tc, test_noise_ik_prologue);
	tcase_add_test(tc, test_noise_state_machine);
	suite_add_tcase(s, tc);

	tc = tcase_create("wireguard");
	tcase_add_test(tc, test_wg_handshake_nopsk);
	tcase_add_test(tc, test_wg_handshake_psk);
	tcase_add_loop_test(tc, test_low_order_peer_static, 0, NLOW);
	tcase_add_loop_test(tc, test_low_order_ephemerals, 0, NLOW);
	tcase_add_loop_test(tc, test_low_order_initiator_static, 0, NLOW);
	tcase_add_test(tc, test_tai64n);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 nfailed;

	if (sodium_init() < 0)
		return EXIT_FAILURE;
	sr = srunner_create(noise_suite());
	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
