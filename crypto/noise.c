/*
 * Noise IK / IKpsk2 handshake core.  See noise.h for the patterns and
 * the memory rules.
 *
 * Naming follows the Noise specification: ck and h are the chaining key
 * and handshake hash, MixHash(x) is h = Hash(h || x), MixKey(x) is
 * (ck, k) = Kdf2(ck, x).  Each message is computed on local copies and
 * committed to the state only when it succeeded, and every local that
 * held a secret is wiped on every path out.
 */
#include "autoconf.h"

#include <string.h>

#include <sodium.h>

#include "crypto/blake2s_glue.h"
#include "crypto/noise.h"
#include "crypto/transport.h"
#include "crypto/wg_result.h"

#define NAME_IK		"Noise_IK_25519_ChaChaPoly_BLAKE2s"
#define NAME_IKPSK2	"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"

/* The symmetric state of one message in progress. */
struct sym {
	uint8_t	ck[NOISE_HASH_LEN];
	uint8_t	h[NOISE_HASH_LEN];
	uint8_t	k[NOISE_KEY_LEN];
	uint8_t	dh[NOISE_PUBLIC_LEN];
};

static void
sym_load(struct sym *y, const struct noise_handshake *hs)
{
	memcpy(y->ck, hs->ck, sizeof(y->ck));
	memcpy(y->h, hs->h, sizeof(y->h));
}

static void
sym_store(struct noise_handshake *hs, const struct sym *y)
{
	memcpy(hs->ck, y->ck, sizeof(hs->ck));
	memcpy(hs->h, y->h, sizeof(hs->h));
}

static void
sym_wipe(struct sym *y)
{
	sodium_memzero(y, sizeof(*y));
}

static void
mix_hash(struct sym *y, const uint8_t *data, size_t len)
{
	wg_hash2(y->h, y->h, NOISE_HASH_LEN, data, len);
}

/* MixKey with the output key wanted (k) or not (the next MixKey would
 * overwrite it unused): Kdf2 or Kdf1, same chaining key either way. */
static void
mix_key(struct sym *y, const uint8_t *in, size_t len, int want_k)
{
	if (want_k)
		wg_kdf2(y->ck, y->k, y->ck, in, len);
	else
		wg_kdf1(y->ck, y->ck, in, len);
}

/* The "psk" token: MixKeyAndHash. */
static void
mix_psk(struct sym *y, const uint8_t *psk)
{
	uint8_t	zero[NOISE_PSK_LEN], tau[NOISE_HASH_LEN];

	memset(zero, 0, sizeof(zero));
	wg_kdf3(y->ck, tau, y->k, y->ck, psk != NULL ? psk : zero,
	    NOISE_PSK_LEN);
	mix_hash(y, tau, sizeof(tau));
	sodium_memzero(tau, sizeof(tau));
}

/*
 * DH into y->dh.  The all-zero result means the peer's point has small
 * order: any such key would make the shared secret public, so refuse it
 * (libsodium >= 1.0.16 already fails there; check anyway).
 */
static int
dh(struct sym *y, const uint8_t priv[NOISE_PRIVATE_LEN],
    const uint8_t pub[NOISE_PUBLIC_LEN])
{
	if (crypto_scalarmult(y->dh, priv, pub) != 0 ||
	    sodium_is_zero(y->dh, sizeof(y->dh))) {
		sodium_memzero(y->dh, sizeof(y->dh));
		return WG_DROP_BAD_KEY;
	}
	return WG_OK;
}

/* EncryptAndHash: every handshake encryption uses a fresh k, nonce 0. */
static void
encrypt_and_hash(struct sym *y, uint8_t *out, const uint8_t *pt, size_t len)
{
	wg_aead_seal(out, y->k, 0, y->h, NOISE_HASH_LEN, pt, len);
	mix_hash(y, out, len + NOISE_TAG_LEN);
}

static int
decrypt_and_hash(struct sym *y, uint8_t *out, const uint8_t *ct, size_t len)
{
	if (wg_aead_open(out, y->k, 0, y->h, NOISE_HASH_LEN, ct, len) != 0)
		return WG_DROP_BAD_MAC;
	mix_hash(y, ct, len);
	return WG_OK;
}

int
noise_protocol_init(struct noise_protocol *p, const char *name,
    const uint8_t *prologue, size_t prologuelen)
{
	size_t	namelen;

	memset(p, 0, sizeof(*p));
	if (strcmp(name, NAME_IKPSK2) == 0)
		p->psk2 = 1;
	else if (strcmp(name, NAME_IK) != 0)
		return -1;
	/*
	 * InitializeSymmetric: a name longer than the hash is hashed,
	 * a shorter one zero-padded.  Both supported names are longer, but
	 * keep the rule whole.
	 */
	namelen = strlen(name);
	if (namelen <= NOISE_HASH_LEN)
		memcpy(p->h0, name, namelen);
	else
		wg_hash(p->h0, (const uint8_t *)name, namelen);
	memcpy(p->ck0, p->h0, sizeof(p->ck0));
	wg_hash2(p->h0, p->h0, sizeof(p->h0), prologue, prologuelen);
	return 0;
}

int
noise_hs_init(struct noise_handshake *hs, const struct noise_protocol *p,
    int role, const struct noise_static *s, const uint8_t *rs)
{
	sodium_memzero(hs, sizeof(*hs));
	if (p == NULL || s == NULL ||
	    (role == NOISE_INITIATOR) != (rs != NULL) ||
	    (role != NOISE_INITIATOR && role != NOISE_RESPONDER))
		return WG_ERR_ARG;
	hs->proto = p;
	hs->s = s;
	hs->role = role;
	memcpy(hs->ck, p->ck0, sizeof(hs->ck));
	/* The pre-message "<- s": both hash the responder's static key. */
	if (role == NOISE_INITIATOR) {
		memcpy(hs->rs, rs, sizeof(hs->rs));
		wg_hash2(hs->h, p->h0, sizeof(p->h0), rs, NOISE_PUBLIC_LEN);
	} else
		wg_hash2(hs->h, p->h0, sizeof(p->h0), s->pub,
		    NOISE_PUBLIC_LEN);
	hs->state = NOISE_HS_START;
	return WG_OK;
}

int
noise_hs_set_ephemeral(struct noise_handshake *hs,
    const uint8_t priv[NOISE_PRIVATE_LEN])
{
	memcpy(hs->e_priv, priv, sizeof(hs->e_priv));
	if (crypto_scalarmult_base(hs->e_pub, hs->e_priv) != 0 ||
	    sodium_is_zero(hs->e_pub, sizeof(hs->e_pub))) {
		sodium_memzero(hs->e_priv, sizeof(hs->e_priv));
		hs->e_fixed = 0;
		return WG_DROP_BAD_KEY;
	}
	hs->e_fixed = 1;
	return WG_OK;
}

void
noise_hs_clear(struct noise_handshake *hs)
{
	sodium_memzero(hs, sizeof(*hs));
}

/* The "e" token on the sending side: make (or take) the ephemeral. */
static void
write_e(struct noise_handshake *hs, struct sym *y, uint8_t *out)
{
	if (!hs->e_fixed) {
		/* A clamped scalar's public key is never zero. */
		randombytes_buf(hs->e_priv, sizeof(hs->e_priv));
		(void)crypto_scalarmult_base(hs->e_pub, hs->e_priv);
	}
	hs->e_fixed = 0;
	memcpy(out, hs->e_pub, NOISE_PUBLIC_LEN);
	mix_hash(y, hs->e_pub, NOISE_PUBLIC_LEN);
	if (hs->proto->psk2)
		mix_key(y, hs->e_pub, NOISE_PUBLIC_LEN, 0);
}

/* The "e" token on the receiving side. */
static void
read_e(const struct noise_handshake *hs, struct sym *y, const uint8_t *re)
{
	mix_hash(y, re, NOISE_PUBLIC_LEN);
	if (hs->proto->psk2)
		mix_key(y, re, NOISE_PUBLIC_LEN, 0);
}

int
noise_write_msg1(struct noise_handshake *hs, const uint8_t *payload,
    size_t plen, uint8_t *out, size_t outcap, size_t *outlen)
{
	struct sym	y;
	int		r;

	if (hs->state != NOISE_HS_START || hs->role != NOISE_INITIATOR ||
	    plen > SIZE_MAX - NOISE_MSG1_OVERHEAD ||
	    outcap < plen + NOISE_MSG1_OVERHEAD)
		return WG_ERR_ARG;
	sym_load(&y, hs);

	write_e(hs, &y, out);
	/* es */
	if ((r = dh(&y, hs->e_priv, hs->rs)) != WG_OK)
		goto fail;
	mix_key(&y, y.dh, sizeof(y.dh), 1);
	/* s */
	encrypt_and_hash(&y, out + NOISE_PUBLIC_LEN, hs->s->pub,
	    NOISE_PUBLIC_LEN);
	/* ss */
	if ((r = dh(&y, hs->s->priv, hs->rs)) != WG_OK)
		goto fail;
	mix_key(&y, y.dh, sizeof(y.dh), 1);
	/* payload */
	encrypt_and_hash(&y, out + 2 * NOISE_PUBLIC_LEN + NOISE_TAG_LEN,
	    payload, plen);

	sym_store(hs, &y);
	sym_wipe(&y);
	hs->state = NOISE_HS_MSG1_SENT;
	*outlen = plen + NOISE_MSG1_OVERHEAD;
	return WG_OK;
 fail:
	sym_wipe(&y);
	sodium_memzero(out, outcap);
	noise_hs_clear(hs);
	return r;
}

int
noise_read_msg1_static(struct noise_handshake *hs, const uint8_t *msg,
    size_t len)
{
	struct sym	y;
	int		r;

	if (hs->state != NOISE_HS_START || hs->role != NOISE_RESPONDER)
		return WG_ERR_ARG;
	if (len < NOISE_MSG1_OVERHEAD) {
		noise_hs_clear(hs);
		return WG_DROP_MALFORMED;
	}
	sym_load(&y, hs);

	memcpy(hs->re, msg, NOISE_PUBLIC_LEN);
	read_e(hs, &y, hs->re);
	/* es, from this side: DH(s, re) */
	if ((r = dh(&y, hs->s->priv, hs->re)) != WG_OK)
		goto fail;
	mix_key(&y, y.dh, sizeof(y.dh), 1);
	/* s */
	if ((r = decrypt_and_hash(&y, hs->rs, msg + NOISE_PUBLIC_LEN,
	    NOISE_PUBLIC_LEN + NOISE_TAG_LEN)) != WG_OK)
		goto fail;

	sym_store(hs, &y);
	sym_wipe(&y);
	hs->state = NOISE_HS_MSG1_STATIC;
	return WG_OK;
 fail:
	sym_wipe(&y);
	noise_hs_clear(hs);
	return r;
}

int
noise_read_msg1_payload(struct noise_handshake *hs, const uint8_t *msg,
    size_t len, uint8_t *payload, size_t cap, size_t *plen)
{
	struct sym	y;
	size_t		n;
	int		r;

	if (hs->state != NOISE_HS_MSG1_STATIC || hs->role != NOISE_RESPONDER)
		return WG_ERR_ARG;
	if (len < NOISE_MSG1_OVERHEAD ||
	    (n = len - NOISE_MSG1_OVERHEAD) > cap) {
		noise_hs_clear(hs);
		return WG_DROP_MALFORMED;
	}
	sym_load(&y, hs);

	/* ss */
	if ((r = dh(&y, hs->s->priv, hs->rs)) != WG_OK)
		goto fail;
	mix_key(&y, y.dh, sizeof(y.dh), 1);
	/* payload */
	if ((r = decrypt_and_hash(&y, payload,
	    msg + 2 * NOISE_PUBLIC_LEN + NOISE_TAG_LEN, n + NOISE_TAG_LEN)) !=
	    WG_OK)
		goto fail;

	sym_store(hs, &y);
	sym_wipe(&y);
	hs->state = NOISE_HS_MSG1_READ;
	*plen = n;
	return WG_OK;
 fail:
	sym_wipe(&y);
	noise_hs_clear(hs);
	return r;
}

int
noise_read_msg1(struct noise_handshake *hs, const uint8_t *msg, size_t len,
    uint8_t *payload, size_t cap, size_t *plen)
{
	int	r;

	if ((r = noise_read_msg1_static(hs, msg, len)) != WG_OK)
		return r;
	return noise_read_msg1_payload(hs, msg, len, payload, cap, plen);
}

int
noise_write_msg2(struct noise_handshake *hs, const uint8_t *psk,
    const uint8_t *payload, size_t plen, uint8_t *out, size_t outcap,
    size_t *outlen)
{
	struct sym	y;
	int		r;

	if (hs->state != NOISE_HS_MSG1_READ || hs->role != NOISE_RESPONDER ||
	    plen > SIZE_MAX - NOISE_MSG2_OVERHEAD ||
	    outcap < plen + NOISE_MSG2_OVERHEAD)
		return WG_ERR_ARG;
	sym_load(&y, hs);

	write_e(hs, &y, out);
	/* ee */
	if ((r = dh(&y, hs->e_priv, hs->re)) != WG_OK)
		goto fail;
	mix_key(&y, y.dh, sizeof(y.dh), 0);
	/* se, from this side: DH(e, rs) */
	if ((r = dh(&y, hs->e_priv, hs->rs)) != WG_OK)
		goto fail;
	mix_key(&y, y.dh, sizeof(y.dh), !hs->proto->psk2);
	if (hs->proto->psk2)
		mix_psk(&y, psk);
	/* payload */
	encrypt_and_hash(&y, out + NOISE_PUBLIC_LEN, payload, plen);

	sym_store(hs, &y);
	sym_wipe(&y);
	/* The ephemeral has done its work; keep it no longer than that. */
	sodium_memzero(hs->e_priv, sizeof(hs->e_priv));
	hs->state = NOISE_HS_DONE;
	*outlen = plen + NOISE_MSG2_OVERHEAD;
	return WG_OK;
 fail:
	sym_wipe(&y);
	sodium_memzero(out, outcap);
	noise_hs_clear(hs);
	return r;
}

int
noise_read_msg2(struct noise_handshake *hs, const uint8_t *psk,
    const uint8_t *msg, size_t len, uint8_t *payload, size_t cap,
    size_t *plen)
{
	struct sym	 y;
	const uint8_t	*re = msg;	/* the responder's ephemeral */
	size_t		 n;
	int		 r;

	if (hs->state != NOISE_HS_MSG1_SENT || hs->role != NOISE_INITIATOR)
		return WG_ERR_ARG;
	/* Refusals below leave hs alone: a forgery must not end it. */
	if (len < NOISE_MSG2_OVERHEAD || (n = len - NOISE_MSG2_OVERHEAD) > cap)
		return WG_DROP_MALFORMED;
	sym_load(&y, hs);

	read_e(hs, &y, re);
	/* ee */
	if ((r = dh(&y, hs->e_priv, re)) != WG_OK)
		goto fail;
	mix_key(&y, y.dh, sizeof(y.dh), 0);
	/* se, from this side: DH(s, re) */
	if ((r = dh(&y, hs->s->priv, re)) != WG_OK)
		goto fail;
	mix_key(&y, y.dh, sizeof(y.dh), !hs->proto->psk2);
	if (hs->proto->psk2)
		mix_psk(&y, psk);
	/* payload */
	if ((r = decrypt_and_hash(&y, payload, msg + NOISE_PUBLIC_LEN,
	    n + NOISE_TAG_LEN)) != WG_OK)
		goto fail;

	sym_store(hs, &y);
	sym_wipe(&y);
	memcpy(hs->re, re, NOISE_PUBLIC_LEN);
	sodium_memzero(hs->e_priv, sizeof(hs->e_priv));
	hs->state = NOISE_HS_DONE;
	*plen = n;
	return WG_OK;
 fail:
	sym_wipe(&y);
	return r;
}

int
noise_split(struct noise_handshake *hs, uint8_t send[NOISE_KEY_LEN],
    uint8_t recv[NOISE_KEY_LEN], uint8_t *hash)
{
	uint8_t	k1[NOISE_KEY_LEN], k2[NOISE_KEY_LEN];

	if (hs->state != NOISE_HS_DONE)
		return WG_ERR_ARG;
	wg_kdf2(k1, k2, hs->ck, NULL, 0);
	/* The initiator sends with the first key, the responder with the
	 * second: each side's send key is the other's receive key. */
	if (hs->role == NOISE_INITIATOR) {
		memcpy(send, k1, NOISE_KEY_LEN);
		memcpy(recv, k2, NOISE_KEY_LEN);
	} else {
		memcpy(send, k2, NOISE_KEY_LEN);
		memcpy(recv, k1, NOISE_KEY_LEN);
	}
	if (hash != NULL)
		memcpy(hash, hs->h, NOISE_HASH_LEN);
	sodium_memzero(k1, sizeof(k1));
	sodium_memzero(k2, sizeof(k2));
	noise_hs_clear(hs);
	return WG_OK;
}
