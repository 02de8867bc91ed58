/*
 * A peer's sessions: the receiver-index table that maps an incoming
 * message to its peer and keypair, the three keypairs (previous,
 * current, next) and how a new one rotates them, and the endpoint an
 * authenticated packet proves.  As in the Linux driver, the responder's
 * keypair is unusable for sending until the initiator's first data
 * packet confirms it.
 */
#include "autoconf.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "privsep/log.h"
#include "crypto/wg_timers.h"
#include "daemon/wg.h"
#include "daemon/wg_session.h"

static struct wg_index **
index_bucket(struct wg_dev *d, uint32_t index)
{
	/* Indexes are random: their low bits spread well enough. */
	return &d->buckets[index % WG_INDEX_BUCKETS];
}

struct wg_index *
wg_index_find(struct wg_dev *d, uint32_t index)
{
	struct wg_index	*e;

	for (e = *index_bucket(d, index); e != NULL; e = e->next)
		if (e->index == index)
			return e;
	return NULL;
}

void
wg_index_remove(struct wg_dev *d, struct wg_index *e)
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

void
wg_index_add(struct wg_dev *d, struct wg_index *e)
{
	uint32_t	 idx;

	wg_index_remove(d, e);
	do {
		idx = randombytes_random();
	} while (idx == 0 || wg_index_find(d, idx) != NULL);
	e->index = idx;
	e->next = *index_bucket(d, idx);
	*index_bucket(d, idx) = e;
}

/* The session keeps the index its handshake announced: move the entry. */
static void
index_move(struct wg_dev *d, struct wg_index *from, struct wg_index *to)
{
	uint32_t	 idx = from->index;

	wg_index_remove(d, to);
	wg_index_remove(d, from);
	if (idx == 0)
		return;
	to->index = idx;
	to->next = *index_bucket(d, idx);
	*index_bucket(d, idx) = to;
}

static void
keypair_clear(struct wg_dev *d, struct wg_peer *p, struct wg_keypair *kp)
{
	int	 i = (int)(kp - p->kp);

	wg_index_remove(d, &p->kp_idx[i]);
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

/* A clock read before the session was made does not see it expired. */
int
wg_keypair_expired(const struct wg_keypair *kp, uint64_t now)
{
	return now > kp->birth &&
	    now - kp->birth >= WG_NSEC(REJECT_AFTER_TIME);
}

int
wg_peer_has_session(const struct wg_peer *p, uint64_t now)
{
	return p->current != NULL && p->current->valid &&
	    !wg_keypair_expired(p->current, now);
}

void
wg_peer_clear_sessions(struct wg_dev *d, struct wg_peer *p)
{
	int	 i;

	for (i = 0; i < 3; i++)
		keypair_clear(d, p, &p->kp[i]);
	wg_index_remove(d, &p->hs_idx);
	noise_hs_clear(&p->hs);
	p->hs_state = WG_HS_NONE;
	p->t_retransmit = p->t_keepalive = p->t_new_handshake = 0;
	p->t_recross = 0;
}

void
wg_peer_clear_staged(struct wg_peer *p)
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
 * A handshake has happened only when both sides hold its session: the
 * initiator once a response checks out (it installs its keypair only
 * then), the responder once a transport message authenticates under the
 * new keypair.  A responder that has merely answered cannot know that
 * its answer could be opened (the preshared keys may differ), so it
 * counts nothing until then, as WireGuard does.
 */
static void
handshake_done(struct wg_peer *p)
{
	p->st.handshakes++;
	p->st.last_handshake = (int64_t)time(NULL);
}

void
wg_peer_add_keypair(struct wg_dev *d, struct wg_peer *p,
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
	kp->send_counter = d->send_counter0;
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
	/* Made, not yet confirmed: the keys' lifetime starts here. */
	p->t_last_keys = now;
	if (initiator)
		handshake_done(p);
}

void
wg_peer_confirm_next(struct wg_dev *d, struct wg_peer *p)
{
	if (p->previous != NULL)
		keypair_clear(d, p, p->previous);
	p->previous = p->current;
	p->current = p->next;
	p->next = NULL;
	p->t_recross = 0;
	handshake_done(p);
}

void
wg_peer_drop_next(struct wg_dev *d, struct wg_peer *p)
{
	if (p->next != NULL)
		keypair_clear(d, p, p->next);
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

/*
 * An authenticated packet came from src.  The engine hears of an
 * address when it is new to the peer's slots or its slot was reported a
 * second or more ago: a path's liveness, at a bounded rate.
 */
void
wg_note_endpoint(struct wg_dev *d, struct wg_peer *p, const struct pkt_addr *src,
    int response, uint64_t now)
{
	struct wg_ep_slot	*s = NULL;
	int			 i;

	p->endpoint = *src;
	for (i = 0; i < WG_EP_SLOTS; i++)
		if (p->ep_seen[i].addr.af != 0 &&
		    memcmp(&p->ep_seen[i].addr, src, sizeof(*src)) == 0)
			s = &p->ep_seen[i];
	if (s != NULL && !response && now - s->reported < (p->from_hub ?
	    WG_EP_REPORT_HUB_NS : WG_EP_REPORT_NS))
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
	d->io.endpoint(d->io.arg, p->id, src, response);
}
