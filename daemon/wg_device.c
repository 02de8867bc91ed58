/*
 * The WireGuard device: its key, its peers and their configuration,
 * received messages dispatched by type, and the whitepaper's timers
 * (section 6) as deadlines that wg_tick checks.  The sessions are
 * wg_session.c's, the handshakes wg_hs.c's and the transport path
 * wg_data.c's.
 */
#include "autoconf.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "ipc/addr.h"
#include "privsep/log.h"
#include "crypto/wg_handshake.h"
#include "crypto/wg_timers.h"
#include "crypto/wg_wire.h"
#include "daemon/wg.h"
#include "daemon/wg_data.h"
#include "daemon/wg_hs.h"
#include "daemon/wg_session.h"

/*
 * Keys are wiped this long after the last were made, confirmed or not
 * (Linux arms this timer when a session is derived).
 */
#define ZERO_KEYS_AFTER		WG_NSEC(REJECT_AFTER_TIME * 3)

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
	wg_peer_clear_sessions(d, p);
	wg_peer_clear_staged(p);
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
		wg_peer_clear_sessions(d, p);
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

void
wg_peer_set_hub(struct wg_peer *p)
{
	p->from_hub = 1;
	p->passive_ka = WG_HUB_PASSIVE_KA_NS;
	p->probe_flags = PKT_F_PROBE;
}

void
wg_receive(struct wg_dev *d, const struct pkt_addr *src, const uint8_t *msg,
    size_t len, uint64_t now)
{
	struct wg_peer	*p;
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
		wg_recv_initiation(d, src, msg, len, now);
		return;
	case WG_MSG_RESPONSE:
		if (len != WG_RESP_LEN)
			break;
		if ((p = wg_recv_response(d, src, msg, len, now)) != NULL)
			wg_peer_confirm_session(d, p, now);
		return;
	case WG_MSG_COOKIE:
		if (len != WG_COOKIE_REPLY_LEN)
			break;
		wg_recv_cookie(d, msg, len, now);
		return;
	case WG_MSG_DATA:
		if (len < WG_DATA_MIN_LEN)
			break;
		wg_recv_data(d, src, msg, len, now);
		return;
	}
	d->drops[WG_DROP_MALFORMED]++;
}

static void
peer_tick(struct wg_dev *d, struct wg_peer *p, uint64_t now)
{
	if (p->hs_state == WG_HS_INITIATED && p->t_retransmit != 0 &&
	    now >= p->t_retransmit) {
		if (now - p->t_attempt_start >= WG_NSEC(REKEY_ATTEMPT_TIME)) {
			log_info("peer %s: no handshake answer for %d s; giving "
			    "up until there is traffic", p->name,
			    REKEY_ATTEMPT_TIME);
			wg_index_remove(d, &p->hs_idx);
			noise_hs_clear(&p->hs);
			p->hs_state = WG_HS_NONE;
			p->t_retransmit = 0;
			p->t_attempt_start = 0;
			wg_peer_clear_staged(p);
		} else
			wg_initiate(d, p, now, WG_INIT_RETRY);
	}
	/*
	 * Crossed initiations, and nothing confirmed ours since.  The
	 * session we made as responder then is an orphan: the peer
	 * dropped the initiation it answers (had the peer taken it up,
	 * the keepalive an initiator sends at once would have confirmed
	 * it by now).  It goes before we try again: kept, it would make
	 * our new session wipe the current one (Linux's rule: a pending
	 * responder session means the peer moved on), which the peer
	 * still sends with until our first packet under the new one
	 * reaches it.
	 */
	if (p->t_recross != 0 && now >= p->t_recross) {
		p->t_recross = 0;
		if (p->hs_state != WG_HS_INITIATED) {
			wg_peer_drop_next(d, p);
			wg_initiate(d, p, now, WG_INIT_NORMAL);
		}
	}
	if (p->t_keepalive != 0 && now >= p->t_keepalive) {
		p->t_keepalive = 0;
		wg_peer_send_keepalive(d, p, now);
	}
	if (p->t_rx_stall != 0 && now >= p->t_rx_stall) {
		p->t_rx_stall = 0;
		(void)wg_peer_probe(d, p, WG_PROBE_KEEPALIVE, now);
	}
	if (p->t_new_handshake != 0 && now >= p->t_new_handshake) {
		p->t_new_handshake = 0;
		log_debug("peer %s: no reply to data for %d s; new handshake",
		    p->name, KEEPALIVE_TIMEOUT + REKEY_TIMEOUT);
		wg_initiate(d, p, now, WG_INIT_NORMAL);
	}
	if (p->keepalive != 0 && (p->current != NULL || p->t_last_sent == 0) &&
	    now - p->t_last_sent >= WG_NSEC(p->keepalive))
		wg_peer_send_keepalive(d, p, now);
	if (p->t_last_keys != 0 &&
	    now - p->t_last_keys >= ZERO_KEYS_AFTER) {
		log_debug("peer %s: session keys wiped after %d s", p->name,
		    REJECT_AFTER_TIME * 3);
		wg_peer_clear_sessions(d, p);
		p->t_last_keys = 0;
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
