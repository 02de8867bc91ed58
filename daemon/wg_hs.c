/*
 * Handshakes: initiations sent and retried, initiations answered,
 * responses and cookie replies taken, and what guards the work they
 * cost: mac1 always, mac2 (cookies) under load, and a token bucket per
 * source address.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <sodium.h>
#include <string.h>

#include "privsep/log.h"
#include "crypto/tai64n.h"
#include "crypto/wg_handshake.h"
#include "crypto/wg_timers.h"
#include "crypto/wg_wire.h"
#include "daemon/wg.h"
#include "daemon/wg_hs.h"
#include "daemon/wg_session.h"

/* Handshake messages per second above which we demand cookies. */
#define UNDER_LOAD_PER_SEC	200
/* Retransmissions get up to this much random delay, as in Linux. */
#define JITTER_NS		(UINT64_C(333) * 1000000)
/* Under load a source may send this many handshake messages a second. */
#define RL_PER_SEC		20
#define RL_BURST		5
#define RL_COST			(WG_NSEC_PER_SEC / RL_PER_SEC)

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

void
wg_initiate(struct wg_dev *d, struct wg_peer *p, uint64_t now,
    enum wg_init_mode mode)
{
	uint8_t	 msg[WG_INIT_LEN], ts[TAI64N_LEN];
	int	 retry = mode == WG_INIT_RETRY;

	if (!d->have_key)
		return;
	if (mode == WG_INIT_NORMAL && p->hs_state == WG_HS_INITIATED &&
	    now - p->t_last_init_sent < WG_NSEC(REKEY_TIMEOUT))
		return;
	/* A probe does not prolong an attempt that is giving up. */
	if (mode == WG_INIT_NORMAL || p->t_attempt_start == 0 ||
	    p->hs_state != WG_HS_INITIATED)
		p->t_attempt_start = now;
	noise_hs_clear(&p->hs);
	if (noise_hs_init(&p->hs, &d->proto, NOISE_INITIATOR, &d->self,
	    p->pubkey) != WG_OK)
		return;
	p->hs_idx.peer = p;
	p->hs_idx.kp = NULL;
	wg_index_add(d, &p->hs_idx);
	tai64n_now(ts);
	if (wg_create_initiation(&p->hs, p->hs_idx.index, ts, &p->cm, now,
	    msg) != WG_OK) {
		wg_index_remove(d, &p->hs_idx);
		noise_hs_clear(&p->hs);
		p->hs_state = WG_HS_NONE;
		return;
	}
	p->hs_state = WG_HS_INITIATED;
	p->t_last_init_sent = now;
	p->t_retransmit = now + WG_NSEC(REKEY_TIMEOUT) +
	    randombytes_uniform((uint32_t)JITTER_NS);
	peer_send_handshake_msg(d, p, msg, sizeof(msg), NULL,
	    mode == WG_INIT_FORCED);
	log_debug("peer %s: handshake initiation sent%s", p->name,
	    retry ? " (retry)" : "");
}

void
wg_peer_initiate(struct wg_dev *d, struct wg_peer *p, uint64_t now)
{
	wg_initiate(d, p, now, WG_INIT_NORMAL);
}

static void
addr_bytes(const struct pkt_addr *a, uint8_t out[18], size_t *len)
{
	size_t	 n = a->af == AF_INET ? 4 : 16;

	memcpy(out, a->addr, n);
	memcpy(out + n, &a->port, 2);
	*len = n + 2;
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

void
wg_recv_initiation(struct wg_dev *d, const struct pkt_addr *src,
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
	wg_note_endpoint(d, p, src, 0, now);

	/*
	 * Our own initiation, if any, loses to theirs.  If it was in
	 * flight, the two may have crossed: the peer dropped ours for
	 * this one just as we drop ours now, and each answer will name an
	 * initiation that is gone.  With data to send, the responder's
	 * session is confirmed by it; without, nothing ever would be (both
	 * sides checking each other after a hub outage, say), so unless
	 * the session is confirmed first we try again, as Linux's
	 * retransmit timer does.  Not both at once, or they would cross
	 * again: the side with the lower public key after 1 s, the other
	 * after 3 s, by when the first has usually made the session.
	 */
	if (p->hs_state == WG_HS_INITIATED)
		p->t_recross = now + (memcmp(d->self.pub, p->pubkey,
		    sizeof(p->pubkey)) < 0 ? WG_NSEC(1) : WG_NSEC(3));
	noise_hs_clear(&p->hs);
	p->hs = hs;
	p->hs_state = WG_HS_NONE;
	p->t_retransmit = 0;
	p->hs_idx.peer = p;
	p->hs_idx.kp = NULL;
	wg_index_add(d, &p->hs_idx);
	if (wg_create_response(&p->hs, p->hs_idx.index, remote,
	    p->has_psk ? p->psk : NULL, &p->cm, now, resp) != WG_OK ||
	    wg_derive_keys(&p->hs, &keys) != WG_OK) {
		wg_index_remove(d, &p->hs_idx);
		noise_hs_clear(&p->hs);
		goto out;
	}
	wg_peer_add_keypair(d, p, &keys, remote, 0, now);
	sodium_memzero(&keys, sizeof(keys));
	peer_send_handshake_msg(d, p, resp, sizeof(resp), src, 0);
	log_debug("peer %s: handshake response sent", p->name);
 out:
	noise_hs_clear(&hs);
}

struct wg_peer *
wg_recv_response(struct wg_dev *d, const struct pkt_addr *src,
    const uint8_t *msg, size_t len, uint64_t now)
{
	struct wg_session_keys	 keys;
	struct wg_index		*e;
	struct wg_peer		*p;
	uint32_t		 remote;
	int			 r;

	if (!d->have_key)
		return NULL;
	e = wg_index_find(d, get_le32(msg + WG_RESP_OFF_RECEIVER));
	if (e == NULL || e->kp != NULL) {
		d->drops[WG_DROP_UNKNOWN_INDEX]++;
		return NULL;
	}
	p = e->peer;
	if (p->hs_state != WG_HS_INITIATED) {
		p->st.drops[WG_DROP_STATE]++;
		return NULL;
	}
	if (check_macs(d, src, msg, len, now))
		return NULL;
	r = wg_consume_response(&p->hs, &d->cc, p->has_psk ? p->psk : NULL,
	    msg, len, p->hs_idx.index, &remote);
	if (r != WG_OK) {
		p->st.drops[r]++;
		return NULL;
	}
	if (wg_derive_keys(&p->hs, &keys) != WG_OK)
		return NULL;
	p->hs_state = WG_HS_NONE;
	p->t_retransmit = 0;
	p->t_attempt_start = 0;
	/* The response answers our latest initiation: no other is open. */
	if (now - p->t_last_init_sent >= UINT64_C(1000) * UINT32_MAX)
		p->rtt_us = UINT32_MAX;
	else if ((p->rtt_us = (uint32_t)((now - p->t_last_init_sent) /
	    1000)) == 0)
		p->rtt_us = 1;		/* 0 means none */
	wg_note_endpoint(d, p, src, 1, now);
	wg_peer_add_keypair(d, p, &keys, remote, 1, now);
	sodium_memzero(&keys, sizeof(keys));
	log_debug("peer %s: handshake complete (initiator)", p->name);
	return p;
}

void
wg_recv_cookie(struct wg_dev *d, const uint8_t *msg, size_t len, uint64_t now)
{
	struct wg_index	*e;
	int		 r;

	e = wg_index_find(d, get_le32(msg + WG_COOKIE_OFF_RECEIVER));
	if (e == NULL) {
		d->drops[WG_DROP_UNKNOWN_INDEX]++;
		return;
	}
	if ((r = cookie_consume_reply(&e->peer->cm, msg, len, now)) != WG_OK)
		e->peer->st.drops[r]++;
}
