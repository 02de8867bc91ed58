/*
 * The WireGuard device: sessions, index table, cryptokey routing,
 * timers.  See wg.h.  The state machine follows the whitepaper (section
 * 6) and the Linux driver's choices where the paper leaves room:
 * three keypairs per peer (previous, current, next), the responder's
 * keypair unusable for sending until the initiator's first data packet
 * confirms it, and timers expressed as deadlines checked by wg_tick.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/config.h"
#include "privsep/log.h"
#include "crypto/tai64n.h"
#include "daemon/wg.h"
#include "crypto/wg_handshake.h"
#include "crypto/wg_timers.h"
#include "crypto/wg_wire.h"

/* Handshake messages per second above which we demand cookies. */
#define UNDER_LOAD_PER_SEC	200
/* Retransmissions get up to this much random delay, as in Linux. */
#define JITTER_NS		(UINT64_C(333) * 1000000)
/* Under load a source may send this many handshake messages a second. */
#define RL_PER_SEC		20
#define RL_BURST		5
#define RL_COST			(WG_NSEC_PER_SEC / RL_PER_SEC)
/* Keys are wiped this long after the last handshake. */
#define ZERO_KEYS_AFTER		WG_NSEC(REJECT_AFTER_TIME * 3)

/* Why an initiation goes out: see peer_initiate. */
enum init_mode { INIT_NORMAL, INIT_RETRY, INIT_FORCED };

static void	peer_initiate(struct wg_dev *, struct wg_peer *, uint64_t,
		    enum init_mode);
static void	peer_send_keepalive(struct wg_dev *, struct wg_peer *,
		    uint64_t);

/* ---- index table ------------------------------------------------------ */

static struct wg_index **
index_bucket(struct wg_dev *d, uint32_t index)
{
	/* Indexes are random: their low bits spread well enough. */
	return &d->buckets[index % WG_INDEX_BUCKETS];
}

static struct wg_index *
index_find(struct wg_dev *d, uint32_t index)
{
	struct wg_index	*e;

	for (e = *index_bucket(d, index); e != NULL; e = e->next)
		if (e->index == index)
			return e;
	return NULL;
}

static void
index_remove(struct wg_dev *d, struct wg_index *e)
{
	struct wg_index	**pp;

	if (e->index == 0)
		return;
	for (pp = index_bucket(d, e->index); *pp != NULL; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	}
	e->index = 0;
	e->next = NULL;
}

/* Give e a fresh random index nobody holds (0 is reserved for "none"). */
static void
index_add(struct wg_dev *d, struct wg_index *e)
{
	uint32_t	 idx;

	index_remove(d, e);
	do {
		idx = randombytes_random();
	} while (idx == 0 || index_find(d, idx) != NULL);
	e->index = idx;
	e->next = *index_bucket(d, idx);
	*index_bucket(d, idx) = e;
}

/* The session keeps the index its handshake announced: move the entry. */
static void
index_move(struct wg_dev *d, struct wg_index *from, struct wg_index *to)
{
	uint32_t	 idx = from->index;

	index_remove(d, to);
	index_remove(d, from);
	if (idx == 0)
		return;
	to->index = idx;
	to->next = *index_bucket(d, idx);
	*index_bucket(d, idx) = to;
}

/* ---- keypairs ------------------------------------------------------------ */

static void
keypair_clear(struct wg_dev *d, struct wg_peer *p, struct wg_keypair *kp)
{
	int	 i = (int)(kp - p->kp);

	index_remove(d, &p->kp_idx[i]);
	sodium_memzero(kp, sizeof(*kp));
	if (p->current == kp)
		p->current = NULL;
	if (p->previous == kp)
		p->previous = NULL;
	if (p->next == kp)
		p->next = NULL;
}

/* A free keypair slot (one of the three is never in use here). */
static struct wg_keypair *
keypair_slot(struct wg_peer *p)
{
	int	 i;

	for (i = 0; i < 3; i++)
		if (!p->kp[i].valid)
			return &p->kp[i];
	return NULL;
}

static int
keypair_expired(const struct wg_keypair *kp, uint64_t now)
{
	return now - kp->birth >= WG_NSEC(REJECT_AFTER_TIME);
}

int
wg_peer_has_session(const struct wg_peer *p, uint64_t now)
{
	return p->current != NULL && p->current->valid &&
	    !keypair_expired(p->current, now);
}

static void
peer_clear_sessions(struct wg_dev *d, struct wg_peer *p)
{
	int	 i;

	for (i = 0; i < 3; i++)
		keypair_clear(d, p, &p->kp[i]);
	index_remove(d, &p->hs_idx);
	noise_hs_clear(&p->hs);
	p->hs_state = WG_HS_NONE;
	p->t_retransmit = p->t_keepalive = p->t_new_handshake = 0;
}

static void
peer_clear_staged(struct wg_peer *p)
{
	int	 i;

	for (i = 0; i < p->nstaged; i++) {
		sodium_memzero(p->staged[i]->data, p->staged[i]->len);
		free(p->staged[i]);
		p->staged[i] = NULL;
	}
	p->nstaged = 0;
}

/*
 * Install a new session.  The initiator may send on it at once; the
 * responder waits in `next' until the initiator's first data packet
 * proves the initiator has it too.
 */
static void
peer_add_keypair(struct wg_dev *d, struct wg_peer *p,
    const struct wg_session_keys *keys, uint32_t remote, int initiator,
    uint64_t now)
{
	struct wg_keypair	*kp;
	int			 i;

	if (initiator) {
		if (p->next != NULL) {
			struct wg_keypair *n = p->next;

			if (p->previous != NULL)
				keypair_clear(d, p, p->previous);
			if (p->current != NULL)
				keypair_clear(d, p, p->current);
			p->next = NULL;
			p->previous = n;
		} else {
			if (p->previous != NULL)
				keypair_clear(d, p, p->previous);
			p->previous = p->current;
		}
		p->current = NULL;
	} else {
		if (p->next != NULL)
			keypair_clear(d, p, p->next);
		if (p->previous != NULL)
			keypair_clear(d, p, p->previous);
	}
	kp = keypair_slot(p);
	i = (int)(kp - p->kp);
	memset(kp, 0, sizeof(*kp));
	kp->keys = *keys;
	replay_init(&kp->replay);
	kp->birth = now;
	kp->initiator = initiator;
	kp->remote_index = remote;
	kp->valid = 1;
	/* The handshake's index now names this session. */
	p->kp_idx[i].peer = p;
	p->kp_idx[i].kp = kp;
	index_move(d, &p->hs_idx, &p->kp_idx[i]);
	kp->local_index = p->kp_idx[i].index;
	if (initiator)
		p->current = kp;
	else
		p->next = kp;
	if (d->keylog) {
		char	 hs[2 * WG_AEAD_KEY_LEN + 1], hr[2 * WG_AEAD_KEY_LEN + 1];

		/* Test builds only: lets a test look for session keys. */
		(void)sodium_bin2hex(hs, sizeof(hs), keys->send, WG_AEAD_KEY_LEN);
		(void)sodium_bin2hex(hr, sizeof(hr), keys->recv, WG_AEAD_KEY_LEN);
		log_info("test hook: keylog peer %s send %s recv %s", p->name,
		    hs, hr);
	}
	p->t_last_handshake = now;
	p->st.handshakes++;
	p->st.last_handshake = (int64_t)time(NULL);
}

/* The responder's first data packet on `next': it becomes current. */
static void
peer_confirm_next(struct wg_dev *d, struct wg_peer *p)
{
	if (p->previous != NULL)
		keypair_clear(d, p, p->previous);
	p->previous = p->current;
	p->current = p->next;
	p->next = NULL;
}

/* ---- device and peers --------------------------------------------------- */

struct wg_dev *
wg_dev_new(const struct wg_io *io, size_t mtu)
{
	struct wg_dev	*d;

	if ((d = sodium_malloc(sizeof(*d))) == NULL)
		return NULL;
	memset(d, 0, sizeof(*d));
	d->io = *io;
	d->mtu = mtu;
	d->rekey_after = WG_NSEC(REKEY_AFTER_TIME);
	randombytes_buf(d->rl_key, sizeof(d->rl_key));
	wg_protocol_init(&d->proto);
	if ((d->aips = allowedips_new(WG_MAX_PEERS * 64)) == NULL) {
		sodium_free(d);
		return NULL;
	}
	return d;
}

static void
peer_free(struct wg_dev *d, struct wg_peer *p)
{
	peer_clear_sessions(d, p);
	peer_clear_staged(p);
	cookie_maker_clear(&p->cm);
	(void)allowedips_remove_peer(d->aips, p->id);
	sodium_free(p);	/* wipes */
}

void
wg_dev_free(struct wg_dev *d)
{
	int	 i;

	if (d == NULL)
		return;
	for (i = 0; i < WG_MAX_PEERS; i++)
		if (d->peers[i] != NULL)
			peer_free(d, d->peers[i]);
	allowedips_free(d->aips);
	cookie_checker_clear(&d->cc);
	sodium_free(d);
}

int
wg_dev_set_key(struct wg_dev *d, const uint8_t priv[32])
{
	memcpy(d->self.priv, priv, 32);
	if (crypto_scalarmult_base(d->self.pub, d->self.priv) != 0 ||
	    sodium_is_zero(d->self.pub, 32))
		return -1;
	cookie_checker_init(&d->cc, d->self.pub);
	d->have_key = 1;
	return 0;
}

struct wg_peer *
wg_peer_by_id(struct wg_dev *d, uint32_t id)
{
	int	 i;

	for (i = 0; i < WG_MAX_PEERS; i++)
		if (d->peers[i] != NULL && d->peers[i]->id == id)
			return d->peers[i];
	return NULL;
}

struct wg_peer *
wg_peer_by_key(struct wg_dev *d, const uint8_t pub[32])
{
	int	 i;

	for (i = 0; i < WG_MAX_PEERS; i++)
		if (d->peers[i] != NULL &&
		    sodium_memcmp(d->peers[i]->pubkey, pub, 32) == 0)
			return d->peers[i];
	return NULL;
}

void
wg_config_begin(struct wg_dev *d)
{
	int	 i;

	for (i = 0; i < WG_MAX_PEERS; i++)
		if (d->peers[i] != NULL)
			d->peers[i]->seen = 0;
}

void
wg_config_end(struct wg_dev *d)
{
	int	 i;

	for (i = 0; i < WG_MAX_PEERS; i++) {
		/* Peers the hub gave us are not the file's to remove. */
		if (d->peers[i] == NULL || d->peers[i]->seen ||
		    d->peers[i]->from_hub)
			continue;
		log_info("peer %s removed", d->peers[i]->name);
		peer_free(d, d->peers[i]);
		d->peers[i] = NULL;
		d->npeers--;
	}
}

int
wg_peer_set(struct wg_dev *d, uint32_t id, const char *name,
    const uint8_t pub[32], const uint8_t *psk, uint16_t keepalive,
    const struct ip_prefix *allowed, int nallowed, uint64_t now)
{
	struct wg_peer	*p;
	int		 i, slot = -1;

	if ((p = wg_peer_by_key(d, pub)) == NULL) {
		for (i = 0; i < WG_MAX_PEERS && slot == -1; i++)
			if (d->peers[i] == NULL)
				slot = i;
		if (slot == -1 || (p = sodium_malloc(sizeof(*p))) == NULL)
			return -1;
		memset(p, 0, sizeof(*p));
		memcpy(p->pubkey, pub, 32);
		p->passive_ka = WG_NSEC(KEEPALIVE_TIMEOUT);
		cookie_maker_init(&p->cm, pub);
		p->hs_idx.peer = p;
		d->peers[slot] = p;
		d->npeers++;
	} else if ((psk == NULL) != !p->has_psk ||
	    (psk != NULL && sodium_memcmp(psk, p->psk, 32) != 0)) {
		/* Sessions made with the old PSK must not outlive it. */
		peer_clear_sessions(d, p);
	}
	p->id = id;
	(void)snprintf(p->name, sizeof(p->name), "%s", name);
	p->has_psk = psk != NULL;
	if (psk != NULL)
		memcpy(p->psk, psk, 32);
	else
		sodium_memzero(p->psk, 32);
	p->keepalive = keepalive;
	p->seen = 1;
	(void)allowedips_remove_peer(d->aips, id);
	for (i = 0; i < nallowed; i++)
		if (allowedips_insert(d->aips, allowed[i].af, &allowed[i].addr,
		    allowed[i].plen, id) == -1)
			return -1;
	(void)now;
	return 0;
}

int
wg_peer_remove(struct wg_dev *d, uint32_t id)
{
	int	 i;

	for (i = 0; i < WG_MAX_PEERS; i++) {
		if (d->peers[i] == NULL || d->peers[i]->id != id)
			continue;
		/*
		 * Every keypair goes with the peer, so a packet still in
		 * flight on one of its sessions finds no index and is
		 * dropped.
		 */
		peer_free(d, d->peers[i]);
		d->peers[i] = NULL;
		d->npeers--;
		return 0;
	}
	return -1;
}

/* ---- sending ------------------------------------------------------------- */

/*
 * probe: an initiation a probe forced; a hub peer's gets PKT_F_PROBE so
 * the engine copies it to every candidate.  Ordinary initiations (the
 * first, rekeys, retries) follow the peer's path: with none yet, the
 * engine sends handshakes everywhere anyway.
 */
static void
peer_send_handshake_msg(struct wg_dev *d, struct wg_peer *p,
    const uint8_t *msg, size_t len, const struct pkt_addr *to, int probe)
{
	uint8_t		*out;
	uint16_t	 flags = PKT_F_HANDSHAKE;

	if (to != NULL)
		flags |= PKT_F_TO_ADDR;
	else if (p != NULL && probe)
		flags |= p->probe_flags;
	out = d->io.out_reserve(d->io.arg, p != NULL ? p->id : PKT_PEER_NONE,
	    flags, to, len);
	if (out == NULL)
		return;
	memcpy(out, msg, len);
	d->io.out_commit(d->io.arg, len);
}

/*
 * Start a handshake.  INIT_NORMAL: at most one per REKEY_TIMEOUT while
 * one is unanswered; INIT_RETRY: the retransmit timer's; INIT_FORCED: a
 * probe's, which the caller limits (a new ephemeral each time, so the
 * answer to an earlier one no longer counts: the limit keeps it above
 * any sane round trip).
 */
static void
peer_initiate(struct wg_dev *d, struct wg_peer *p, uint64_t now,
    enum init_mode mode)
{
	uint8_t	 msg[WG_INIT_LEN], ts[TAI64N_LEN];
	int	 retry = mode == INIT_RETRY;

	if (!d->have_key)
		return;
	if (mode == INIT_NORMAL && p->hs_state == WG_HS_INITIATED &&
	    now - p->t_last_init_sent < WG_NSEC(REKEY_TIMEOUT))
		return;
	/* A probe does not prolong an attempt that is giving up. */
	if (mode == INIT_NORMAL || p->t_attempt_start == 0 ||
	    p->hs_state != WG_HS_INITIATED)
		p->t_attempt_start = now;
	noise_hs_clear(&p->hs);
	if (noise_hs_init(&p->hs, &d->proto, NOISE_INITIATOR, &d->self,
	    p->pubkey) != WG_OK)
		return;
	p->hs_idx.peer = p;
	p->hs_idx.kp = NULL;
	index_add(d, &p->hs_idx);
	tai64n_now(ts);
	if (wg_create_initiation(&p->hs, p->hs_idx.index, ts, &p->cm, now,
	    msg) != WG_OK) {
		index_remove(d, &p->hs_idx);
		noise_hs_clear(&p->hs);
		p->hs_state = WG_HS_NONE;
		return;
	}
	p->hs_state = WG_HS_INITIATED;
	p->t_last_init_sent = now;
	p->t_retransmit = now + WG_NSEC(REKEY_TIMEOUT) +
	    randombytes_uniform((uint32_t)JITTER_NS);
	peer_send_handshake_msg(d, p, msg, sizeof(msg), NULL,
	    mode == INIT_FORCED);
	log_debug("peer %s: handshake initiation sent%s", p->name,
	    retry ? " (retry)" : "");
}

void
wg_peer_initiate(struct wg_dev *d, struct wg_peer *p, uint64_t now)
{
	peer_initiate(d, p, now, INIT_NORMAL);
}

/*
 * Encrypt one packet (or a keepalive, len 0) on the current session;
 * flags go on its record (PKT_F_PROBE for a probe keepalive).
 */
static int
peer_encrypt(struct wg_dev *d, struct wg_peer *p, const uint8_t *pkt,
    size_t len, uint64_t now, uint16_t flags)
{
	struct wg_keypair	*kp = p->current;
	uint8_t			*out;
	size_t			 cap, outlen;
	uint64_t		 ctr;

	if (kp == NULL || !kp->valid || keypair_expired(kp, now) ||
	    kp->send_counter >= REJECT_AFTER_MESSAGES)
		return -1;
	cap = wg_data_msg_len(len, d->mtu);
	if ((out = d->io.out_reserve(d->io.arg, p->id, flags, NULL, cap)) ==
	    NULL)
		return 0;	/* no room: dropped like a full queue */
	if (len > 0)	/* a keepalive has no packet at all */
		memcpy(out + WG_DATA_HDR_LEN, pkt, len);
	ctr = kp->send_counter++;
	if (wg_data_seal(out, cap, len, d->mtu, kp->remote_index, ctr,
	    kp->keys.send, &outlen) != WG_OK) {
		d->io.out_commit(d->io.arg, 0);
		return -1;
	}
	d->io.out_commit(d->io.arg, outlen);
	p->st.tx_packets++;
	p->st.tx_bytes += outlen;
	p->t_last_sent = now;
	/* We sent something: no passive keepalive is owed. */
	p->t_keepalive = 0;
	if (len > 0 && p->t_new_handshake == 0)
		p->t_new_handshake = now +
		    WG_NSEC(KEEPALIVE_TIMEOUT + REKEY_TIMEOUT);
	/* The initiator of an old session starts the next one. */
	if (kp->initiator && (now - kp->birth >= d->rekey_after ||
	    kp->send_counter >= REKEY_AFTER_MESSAGES))
		peer_initiate(d, p, now, INIT_NORMAL);
	return 0;
}

static void
peer_stage(struct wg_peer *p, const uint8_t *pkt, size_t len)
{
	struct wg_staged	*s;

	if (p->nstaged == WG_MAX_STAGED) {
		/* Keep the newest: drop the oldest, wiped like the rest. */
		sodium_memzero(p->staged[0]->data, p->staged[0]->len);
		free(p->staged[0]);
		memmove(&p->staged[0], &p->staged[1],
		    sizeof(p->staged[0]) * (WG_MAX_STAGED - 1));
		p->nstaged--;
	}
	if ((s = malloc(sizeof(*s) + len)) == NULL)
		return;
	s->len = (uint16_t)len;
	memcpy(s->data, pkt, len);
	p->staged[p->nstaged++] = s;
}

static void
peer_send_staged(struct wg_dev *d, struct wg_peer *p, uint64_t now)
{
	int	 i, n = p->nstaged;

	for (i = 0; i < n; i++)
		(void)peer_encrypt(d, p, p->staged[i]->data,
		    p->staged[i]->len, now, 0);
	peer_clear_staged(p);
}

static void
peer_send_keepalive(struct wg_dev *d, struct wg_peer *p, uint64_t now)
{
	if (peer_encrypt(d, p, NULL, 0, now, 0) == -1)
		peer_initiate(d, p, now, INIT_NORMAL);
}

void
wg_peer_set_hub(struct wg_peer *p)
{
	p->from_hub = 1;
	p->passive_ka = WG_HUB_PASSIVE_KA_NS;
	p->probe_flags = PKT_F_PROBE;
}

int
wg_peer_probe(struct wg_dev *d, struct wg_peer *p, int kind, uint64_t now)
{
	if (kind == WG_PROBE_KEEPALIVE && wg_peer_has_session(p, now) &&
	    peer_encrypt(d, p, NULL, 0, now, p->probe_flags) == 0)
		return 1;
	if (p->t_last_init_sent != 0 &&
	    now - p->t_last_init_sent < WG_PROBE_INIT_NS)
		return 0;
	peer_initiate(d, p, now, INIT_FORCED);
	return p->hs_state == WG_HS_INITIATED && p->t_last_init_sent == now;
}

/* The destination of an IP packet; 0 or -1 for anything else. */
static int
ip_dst(const uint8_t *pkt, size_t len, int *af, const uint8_t **dst)
{
	if (len >= 20 && (pkt[0] >> 4) == 4) {
		*af = AF_INET;
		*dst = pkt + 16;
		return 0;
	}
	if (len >= 40 && (pkt[0] >> 4) == 6) {
		*af = AF_INET6;
		*dst = pkt + 24;
		return 0;
	}
	return -1;
}

void
wg_send_packet(struct wg_dev *d, const uint8_t *pkt, size_t len,
    uint64_t now)
{
	const uint8_t	*dst;
	struct wg_peer	*p;
	uint32_t	 id;
	int		 af;

	if (len == 0 || len > WG_DATA_MAX_PLAIN || ip_dst(pkt, len, &af,
	    &dst) == -1)
		return;
	if ((id = allowedips_lookup(d->aips, af, dst)) == ALLOWEDIPS_PEER_NONE ||
	    (p = wg_peer_by_id(d, id)) == NULL)
		return;	/* no peer routes it: the kernel should not have */
	if (p->nstaged == 0 && peer_encrypt(d, p, pkt, len, now, 0) == 0)
		return;
	peer_stage(p, pkt, len);
	peer_initiate(d, p, now, INIT_NORMAL);
}

/* ---- receiving --------------------------------------------------------- */

static void
addr_bytes(const struct pkt_addr *a, uint8_t out[18], size_t *len)
{
	size_t	 n = a->af == AF_INET ? 4 : 16;

	memcpy(out, a->addr, n);
	memcpy(out + n, &a->port, 2);
	*len = n + 2;
}

/*
 * An authenticated packet came from src.  The engine hears of an
 * address when it is new to the peer's slots or its slot was reported a
 * second or more ago: a path's liveness, at a bounded rate.
 */
static void
note_endpoint(struct wg_dev *d, struct wg_peer *p, const struct pkt_addr *src,
    uint64_t now)
{
	struct wg_ep_slot	*s = NULL;
	int			 i;

	p->endpoint = *src;
	for (i = 0; i < WG_EP_SLOTS; i++)
		if (p->ep_seen[i].addr.af != 0 &&
		    memcmp(&p->ep_seen[i].addr, src, sizeof(*src)) == 0)
			s = &p->ep_seen[i];
	if (s != NULL && now - s->reported < WG_EP_REPORT_NS)
		return;
	if (s == NULL) {
		/* The slot reported longest ago (or a free one) goes. */
		s = &p->ep_seen[0];
		for (i = 1; i < WG_EP_SLOTS; i++)
			if (p->ep_seen[i].addr.af == 0 || (s->addr.af != 0 &&
			    p->ep_seen[i].reported < s->reported))
				s = &p->ep_seen[i];
		s->addr = *src;
	}
	s->reported = now;
	d->io.endpoint(d->io.arg, p->id, src);
}

/*
 * Count handshake messages per second; above the threshold we are under
 * load for the rest of the second and the next, and demand cookies.
 */
static int
under_load(struct wg_dev *d, uint64_t now)
{
	if (now - d->load_window_start >= WG_NSEC_PER_SEC) {
		d->under_load = d->load_count > UNDER_LOAD_PER_SEC;
		d->load_window_start = now;
		d->load_count = 0;
	}
	if (++d->load_count > UNDER_LOAD_PER_SEC)
		d->under_load = 1;
	return d->under_load || d->force_under_load;
}

/*
 * A token bucket per source address (not port: one host, one budget).
 * Sources hash to slots with a secret key, so a flood cannot aim at
 * someone else's slot; a collision only shares a budget.
 */
static int
ratelimit_allow(struct wg_dev *d, const struct pkt_addr *src, uint64_t now)
{
	struct wg_rl_slot	*s;
	uint8_t			 h[crypto_shorthash_BYTES];
	size_t			 n = src->af == AF_INET ? 4 : 16;
	uint64_t		 t;

	(void)crypto_shorthash(h, src->addr, n, d->rl_key);
	s = &d->rl[(h[0] | (unsigned int)h[1] << 8) % WG_RL_SLOTS];
	if (s->af != src->af || memcmp(s->addr, src->addr, n) != 0) {
		s->af = src->af;
		memcpy(s->addr, src->addr, n);
		s->last = now;
		s->tokens = RL_COST * RL_BURST;
	}
	t = s->tokens + (now - s->last);
	if (t > RL_COST * RL_BURST)
		t = RL_COST * RL_BURST;
	s->last = now;
	if (t < RL_COST) {
		s->tokens = t;
		return 0;
	}
	s->tokens = t - RL_COST;
	return 1;
}

/*
 * mac1 (always) and mac2 (under load).  0: go on; 1: answered with a
 * cookie or dropped, stop here.
 */
static int
check_macs(struct wg_dev *d, const struct pkt_addr *src, const uint8_t *msg,
    size_t len, uint64_t now)
{
	uint8_t	 sa[18], reply[WG_COOKIE_REPLY_LEN];
	size_t	 salen;
	int	 load, mac2_ok = 0, r;

	addr_bytes(src, sa, &salen);
	load = under_load(d, now);
	r = cookie_checker_validate(&d->cc, msg, len, sa, salen, load, now,
	    &mac2_ok);
	if (r != WG_OK) {
		d->drops[r]++;
		return 1;
	}
	/* Under load even a good source gets only its share of our time. */
	if (load && !ratelimit_allow(d, src, now)) {
		d->ratelimited++;
		return 1;
	}
	if (!load || mac2_ok)
		return 0;
	if (cookie_reply_create(&d->cc, reply, msg, len, sa, salen, now) ==
	    WG_OK) {
		uint8_t *out = d->io.out_reserve(d->io.arg, PKT_PEER_NONE,
		    PKT_F_TO_ADDR | PKT_F_HANDSHAKE, src, sizeof(reply));

		if (out != NULL) {
			memcpy(out, reply, sizeof(reply));
			d->io.out_commit(d->io.arg, sizeof(reply));
			d->cookies_sent++;
		}
	}
	return 1;
}

static void
recv_initiation(struct wg_dev *d, const struct pkt_addr *src,
    const uint8_t *msg, size_t len, uint64_t now)
{
	struct noise_handshake	 hs;
	struct wg_session_keys	 keys;
	struct wg_peer		*p;
	uint8_t			 pub[32], ts[TAI64N_LEN], resp[WG_RESP_LEN];
	uint32_t		 remote;
	int			 r;

	if (!d->have_key || check_macs(d, src, msg, len, now))
		return;
	if (noise_hs_init(&hs, &d->proto, NOISE_RESPONDER, &d->self, NULL) !=
	    WG_OK)
		return;
	r = wg_initiation_open(&hs, &d->cc, msg, len, &remote, pub);
	if (r != WG_OK) {
		d->drops[r]++;
		goto out;
	}
	if ((p = wg_peer_by_key(d, pub)) == NULL) {
		d->unknown_peer++;
		goto out;
	}
	if ((r = wg_initiation_finish(&hs, msg, len, ts)) != WG_OK) {
		p->st.drops[r]++;
		goto out;
	}
	if (wg_check_timestamp(ts, p->have_ts ? p->last_ts : NULL) != WG_OK) {
		p->st.drops[WG_DROP_REPLAY]++;
		goto out;
	}
	/* A peer may start at most INITIATIONS_PER_SECOND handshakes. */
	if (p->last_init_rx != 0 && now - p->last_init_rx <
	    WG_NSEC_PER_SEC / INITIATIONS_PER_SECOND) {
		p->st.drops[WG_DROP_STATE]++;
		goto out;
	}
	p->last_init_rx = now;
	memcpy(p->last_ts, ts, sizeof(ts));
	p->have_ts = 1;
	note_endpoint(d, p, src, now);

	/* Our own initiation, if any, loses to theirs. */
	noise_hs_clear(&p->hs);
	p->hs = hs;
	p->hs_state = WG_HS_NONE;
	p->t_retransmit = 0;
	p->hs_idx.peer = p;
	p->hs_idx.kp = NULL;
	index_add(d, &p->hs_idx);
	if (wg_create_response(&p->hs, p->hs_idx.index, remote,
	    p->has_psk ? p->psk : NULL, &p->cm, now, resp) != WG_OK ||
	    wg_derive_keys(&p->hs, &keys) != WG_OK) {
		index_remove(d, &p->hs_idx);
		noise_hs_clear(&p->hs);
		goto out;
	}
	peer_add_keypair(d, p, &keys, remote, 0, now);
	sodium_memzero(&keys, sizeof(keys));
	peer_send_handshake_msg(d, p, resp, sizeof(resp), src, 0);
	log_debug("peer %s: handshake response sent", p->name);
 out:
	noise_hs_clear(&hs);
}

static void
recv_response(struct wg_dev *d, const struct pkt_addr *src,
    const uint8_t *msg, size_t len, uint64_t now)
{
	struct wg_session_keys	 keys;
	struct wg_index		*e;
	struct wg_peer		*p;
	uint32_t		 remote;
	int			 r;

	if (!d->have_key)
		return;
	e = index_find(d, get_le32(msg + WG_RESP_OFF_RECEIVER));
	if (e == NULL || e->kp != NULL) {
		d->drops[WG_DROP_UNKNOWN_INDEX]++;
		return;
	}
	p = e->peer;
	if (p->hs_state != WG_HS_INITIATED) {
		p->st.drops[WG_DROP_STATE]++;
		return;
	}
	if (check_macs(d, src, msg, len, now))
		return;
	r = wg_consume_response(&p->hs, &d->cc, p->has_psk ? p->psk : NULL,
	    msg, len, p->hs_idx.index, &remote);
	if (r != WG_OK) {
		p->st.drops[r]++;
		return;
	}
	if (wg_derive_keys(&p->hs, &keys) != WG_OK)
		return;
	p->hs_state = WG_HS_NONE;
	p->t_retransmit = 0;
	p->t_attempt_start = 0;
	/* The response answers our latest initiation: no other is open. */
	if (now - p->t_last_init_sent >= UINT64_C(1000) * UINT32_MAX)
		p->rtt_us = UINT32_MAX;
	else if ((p->rtt_us = (uint32_t)((now - p->t_last_init_sent) /
	    1000)) == 0)
		p->rtt_us = 1;		/* 0 means none */
	note_endpoint(d, p, src, now);
	peer_add_keypair(d, p, &keys, remote, 1, now);
	sodium_memzero(&keys, sizeof(keys));
	log_debug("peer %s: handshake complete (initiator)", p->name);
	/* Staged packets confirm the session; if none, a keepalive does. */
	if (p->nstaged > 0)
		peer_send_staged(d, p, now);
	else
		peer_send_keepalive(d, p, now);
}

static void
recv_cookie(struct wg_dev *d, const uint8_t *msg, size_t len, uint64_t now)
{
	struct wg_index	*e;
	int		 r;

	e = index_find(d, get_le32(msg + WG_COOKIE_OFF_RECEIVER));
	if (e == NULL) {
		d->drops[WG_DROP_UNKNOWN_INDEX]++;
		return;
	}
	if ((r = cookie_consume_reply(&e->peer->cm, msg, len, now)) != WG_OK)
		e->peer->st.drops[r]++;
}

/* The source of an inner packet whose length the IP header confirms. */
static int
inner_src(const uint8_t *pkt, size_t len, int *af, const uint8_t **src,
    size_t *iplen)
{
	size_t	 l;

	if (len >= 20 && (pkt[0] >> 4) == 4) {
		l = (size_t)pkt[2] << 8 | pkt[3];
		if (l < 20 || l > len)
			return -1;
		*af = AF_INET;
		*src = pkt + 12;
		*iplen = l;
		return 0;
	}
	if (len >= 40 && (pkt[0] >> 4) == 6) {
		l = ((size_t)pkt[4] << 8 | pkt[5]) + 40;
		if (l > len)
			return -1;
		*af = AF_INET6;
		*src = pkt + 8;
		*iplen = l;
		return 0;
	}
	return -1;
}

static void
recv_data(struct wg_dev *d, const struct pkt_addr *src, const uint8_t *msg,
    size_t len, uint64_t now)
{
	struct wg_index		*e;
	struct wg_keypair	*kp;
	struct wg_peer		*p;
	const uint8_t		*isrc;
	uint8_t			*pt;
	uint64_t		 ctr;
	uint32_t		 idx;
	size_t			 ptlen, iplen;
	int			 r, af;

	if ((r = wg_data_header(msg, len, &idx, &ctr)) != WG_OK) {
		d->drops[r]++;
		return;
	}
	if ((e = index_find(d, idx)) == NULL || (kp = e->kp) == NULL ||
	    !kp->valid) {
		log_debug("data for unknown index %08x", idx);
		d->drops[WG_DROP_UNKNOWN_INDEX]++;
		return;
	}
	p = e->peer;
	if (keypair_expired(kp, now)) {
		p->st.drops[WG_DROP_STATE]++;
		return;
	}
	/* Decrypt a copy: the batch we read from is not ours to change. */
	memcpy(d->buf, msg, len);
	r = wg_data_open_window(d->buf, len, kp->keys.recv, &kp->replay,
	    &ptlen);
	if (r != WG_OK) {
		log_debug("peer %s: data dropped: %s", p->name,
		    wg_result_str(r));
		p->st.drops[r]++;
		return;
	}
	if (kp == p->next)
		peer_confirm_next(d, p);
	note_endpoint(d, p, src, now);
	p->st.rx_packets++;
	p->st.rx_bytes += len;
	/* Anything authenticated answers our last data: no rekey needed. */
	p->t_new_handshake = 0;
	if (kp->initiator && now - kp->birth >= WG_NSEC(REJECT_AFTER_TIME -
	    KEEPALIVE_TIMEOUT - REKEY_TIMEOUT))
		peer_initiate(d, p, now, INIT_NORMAL);
	if (ptlen == 0)
		return;		/* keepalive */
	/* We owe a keepalive unless we send something soon. */
	if (p->t_keepalive == 0)
		p->t_keepalive = now + p->passive_ka;
	pt = d->buf + WG_DATA_HDR_LEN;
	if (inner_src(pt, ptlen, &af, &isrc, &iplen) == -1) {
		p->st.drops[WG_DROP_MALFORMED]++;
		return;
	}
	if (allowedips_lookup(d->aips, af, isrc) != p->id) {
		log_debug("peer %s: inner source not in its allowed IPs",
		    p->name);
		p->st.drops[WG_DROP_ALLOWED_IPS]++;
		return;
	}
	d->io.tun_write(d->io.arg, pt, iplen);
}

void
wg_receive(struct wg_dev *d, const struct pkt_addr *src, const uint8_t *msg,
    size_t len, uint64_t now)
{
	uint32_t	 type;

	if (len < 4) {
		d->drops[WG_DROP_MALFORMED]++;
		return;
	}
	/* The reserved bytes are part of the type word: non-zero = unknown. */
	type = get_le32(msg);
	switch (type) {
	case WG_MSG_INITIATION:
		if (len != WG_INIT_LEN)
			break;
		recv_initiation(d, src, msg, len, now);
		return;
	case WG_MSG_RESPONSE:
		if (len != WG_RESP_LEN)
			break;
		recv_response(d, src, msg, len, now);
		return;
	case WG_MSG_COOKIE:
		if (len != WG_COOKIE_REPLY_LEN)
			break;
		recv_cookie(d, msg, len, now);
		return;
	case WG_MSG_DATA:
		if (len < WG_DATA_MIN_LEN)
			break;
		recv_data(d, src, msg, len, now);
		return;
	}
	d->drops[WG_DROP_MALFORMED]++;
}

/* ---- timers ------------------------------------------------------------- */

static void
peer_tick(struct wg_dev *d, struct wg_peer *p, uint64_t now)
{
	if (p->hs_state == WG_HS_INITIATED && p->t_retransmit != 0 &&
	    now >= p->t_retransmit) {
		if (now - p->t_attempt_start >= WG_NSEC(REKEY_ATTEMPT_TIME)) {
			log_info("peer %s: no handshake answer for %d s; giving "
			    "up until there is traffic", p->name,
			    REKEY_ATTEMPT_TIME);
			index_remove(d, &p->hs_idx);
			noise_hs_clear(&p->hs);
			p->hs_state = WG_HS_NONE;
			p->t_retransmit = 0;
			p->t_attempt_start = 0;
			peer_clear_staged(p);
		} else
			peer_initiate(d, p, now, INIT_RETRY);
	}
	if (p->t_keepalive != 0 && now >= p->t_keepalive) {
		p->t_keepalive = 0;
		peer_send_keepalive(d, p, now);
	}
	if (p->t_new_handshake != 0 && now >= p->t_new_handshake) {
		p->t_new_handshake = 0;
		log_debug("peer %s: no reply to data for %d s; new handshake",
		    p->name, KEEPALIVE_TIMEOUT + REKEY_TIMEOUT);
		peer_initiate(d, p, now, INIT_NORMAL);
	}
	if (p->keepalive != 0 && (p->current != NULL || p->t_last_sent == 0) &&
	    now - p->t_last_sent >= WG_NSEC(p->keepalive))
		peer_send_keepalive(d, p, now);
	if (p->t_last_handshake != 0 &&
	    now - p->t_last_handshake >= ZERO_KEYS_AFTER) {
		log_debug("peer %s: session keys wiped after %d s", p->name,
		    REJECT_AFTER_TIME * 3);
		peer_clear_sessions(d, p);
		p->t_last_handshake = 0;
	}
}

void
wg_tick(struct wg_dev *d, uint64_t now)
{
	int	 i;

	for (i = 0; i < WG_MAX_PEERS; i++)
		if (d->peers[i] != NULL)
			peer_tick(d, d->peers[i], now);
}
