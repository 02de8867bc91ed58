/*
 * Presence; see presence.h.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "hub/presence.h"
#include "hub/session.h"
#include "privsep/log.h"
#include "privsep/proc.h"

/* ---- the peers a node was told about, sorted by key ------------------- */

static int
told_find(const struct session *s, const uint8_t *key, size_t *pos)
{
	size_t	 lo = 0, hi = s->ntold, mid;
	int	 c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = memcmp(s->told[mid], key, HUB_KEY_LEN);
		if (c == 0) {
			*pos = mid;
			return 1;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return 0;
}

static void
told_add(struct session *s, const uint8_t *key)
{
	size_t	 pos;
	void	*n;

	if (told_find(s, key, &pos))
		return;
	if (s->ntold == s->told_cap) {
		size_t	 cap = s->told_cap ? s->told_cap * 2 : 16;

		if ((n = reallocarray(s->told, cap, HUB_KEY_LEN)) == NULL)
			fatal("%s", __func__);
		s->told = n;
		s->told_cap = cap;
	}
	memmove(s->told[pos + 1], s->told[pos],
	    (s->ntold - pos) * HUB_KEY_LEN);
	memcpy(s->told[pos], key, HUB_KEY_LEN);
	s->ntold++;
}

static int
told_del(struct session *s, const uint8_t *key)
{
	size_t	 pos;

	if (!told_find(s, key, &pos))
		return 0;
	memmove(s->told[pos], s->told[pos + 1],
	    (s->ntold - pos - 1) * HUB_KEY_LEN);
	s->ntold--;
	return 1;
}

/* ---- messages --------------------------------------------------------- */

static void
send_peer(struct session *to, int type, const uint8_t *key)
{
	struct hub_msg		 m;
	struct store_node	 n;
	struct session		*o;

	memset(&m, 0, sizeof(m));
	m.type = (uint8_t)type;
	memcpy(m.u.peer.key, key, HUB_KEY_LEN);
	if (type == HUB_MSG_PEER_UP) {
		if ((o = session_online(key)) != NULL) {
			n = o->node;
			m.u.peer.endpoint = o->endpoint;
		} else if (store_node_get(au.store, key, &n) != STORE_OK)
			return;
		memcpy(m.u.peer.v4, n.v4, 4);
		memcpy(m.u.peer.v6, n.v6, 16);
		memcpy(m.u.peer.nick, n.nick, sizeof(m.u.peer.nick));
	}
	(void)session_send(to, &m);
}

void
presence_send_paths(struct session *to, const struct session *about)
{
	struct hub_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_PEER_PATHS;
	memcpy(m.u.paths.key, about->key, HUB_KEY_LEN);
	m.u.paths.relay_id = about->relay.id;
	m.u.paths.cands = about->cands;
	(void)session_send(to, &m);
}

static void
relay_pair_send(const struct session *a, const struct session *b, int up)
{
	struct hubd_relay_pair	 p;

	if (a->relay.id == 0 || b->relay.id == 0)
		return;
	memset(&p, 0, sizeof(p));
	p.a = a->relay.id;
	p.b = b->relay.id;
	p.up = up;
	proc_compose(au.ps, HUBD_PROC_ENGINE, IMSG_HUBD_RELAY_PAIR, 0, -1, &p,
	    sizeof(p));
}

/* ---- pairs ------------------------------------------------------------ */

/*
 * Make both sides of a pair of online nodes know each other.  The
 * first time, each also gets the other's paths (both probe at once),
 * and the engine may relay between them from now on.
 */
static void
pair_up(struct session *a, struct session *b)
{
	size_t	 pos;
	int	 fresh = 0;

	if (!told_find(a, b->key, &pos)) {
		told_add(a, b->key);
		send_peer(a, HUB_MSG_PEER_UP, b->key);
		fresh = 1;
	}
	if (!told_find(b, a->key, &pos)) {
		told_add(b, a->key);
		send_peer(b, HUB_MSG_PEER_UP, a->key);
		fresh = 1;
	}
	if (!fresh)
		return;
	presence_send_paths(a, b);
	presence_send_paths(b, a);
	relay_pair_send(a, b, 1);
}

static void
pair_down(struct session *a, const uint8_t *keyp)
{
	struct session	*b;
	uint8_t		 key[HUB_KEY_LEN];

	/* keyp may point into a->told, which told_del() shifts. */
	memcpy(key, keyp, sizeof(key));
	if (told_del(a, key))
		send_peer(a, HUB_MSG_PEER_DOWN, key);
	if ((b = session_online(key)) == NULL)
		return;
	if (told_del(b, a->key))
		send_peer(b, HUB_MSG_PEER_DOWN, a->key);
	/* They share no network any more: no relaying either. */
	relay_pair_send(a, b, 0);
}

struct peerlist {
	uint8_t		(*keys)[HUB_KEY_LEN];
	size_t		 n, cap;
};

static int
peerlist_add(void *arg, const uint8_t peer[32])
{
	struct peerlist	*pl = arg;
	void		*n;

	if (pl->n == pl->cap) {
		size_t	 cap = pl->cap ? pl->cap * 2 : 64;

		if ((n = reallocarray(pl->keys, cap, HUB_KEY_LEN)) == NULL)
			fatal("%s", __func__);
		pl->keys = n;
		pl->cap = cap;
	}
	memcpy(pl->keys[pl->n++], peer, HUB_KEY_LEN);
	return 0;
}

static int
peerlist_has(const struct peerlist *pl, const uint8_t *key)
{
	size_t	 i;

	for (i = 0; i < pl->n; i++)
		if (memcmp(pl->keys[i], key, HUB_KEY_LEN) == 0)
			return 1;
	return 0;
}

/*
 * Bring one online node's peers in line with the store.  keys are the
 * nodes whose relation to it may have changed: any of them it is no
 * longer entitled to gets a PEER_DOWN even if it is not in the told
 * set (a peer that dropped its hub connection without logging out is
 * not, yet it may still hold a tunnel to it).
 */
static void
resync_one(struct session *s, const uint8_t (*keys)[32], size_t nkeys)
{
	struct peerlist	 pl;
	struct session	*o;
	size_t		 i, pos;

	memset(&pl, 0, sizeof(pl));
	if (store_peers_of(au.store, s->key, peerlist_add, &pl) != STORE_OK) {
		log_warnx("%s: %s", __func__, store_errmsg(au.store));
		free(pl.keys);
		return;
	}
	/* Lost peers first, from the end: told shrinks as we go. */
	for (i = s->ntold; i-- > 0;)
		if (!peerlist_has(&pl, s->told[i]))
			pair_down(s, s->told[i]);
	for (i = 0; i < nkeys; i++)
		if (memcmp(keys[i], s->key, HUB_KEY_LEN) != 0 &&
		    !peerlist_has(&pl, keys[i]) &&
		    !told_find(s, keys[i], &pos))
			send_peer(s, HUB_MSG_PEER_DOWN, keys[i]);
	for (i = 0; i < pl.n; i++)
		if ((o = session_online(pl.keys[i])) != NULL)
			pair_up(s, o);
	free(pl.keys);
}

void
presence_resync(const uint8_t (*keys)[32], size_t n)
{
	struct session	*s;
	size_t		 i;

	for (i = 0; i < n; i++)
		if ((s = session_online(keys[i])) != NULL)
			resync_one(s, keys, n);
}

int
presence_login(struct session *s)
{
	struct peerlist	 pl;
	struct session	*o;
	size_t		 i;

	memset(&pl, 0, sizeof(pl));
	if (store_peers_of(au.store, s->key, peerlist_add, &pl) != STORE_OK) {
		/* An incomplete list must not end: it would remove peers. */
		log_warnx("%s: %s", __func__, store_errmsg(au.store));
		free(pl.keys);
		return -1;
	}
	for (i = 0; i < pl.n; i++) {
		if ((o = session_online(pl.keys[i])) != NULL)
			pair_up(s, o);
		else
			send_peer(s, HUB_MSG_PEER_UP, pl.keys[i]);
	}
	free(pl.keys);
	session_respond(s, 0, 0, "peers listed");
	return 0;
}

void
presence_logoff(struct session *s)
{
	struct session	*o;
	size_t		 i;

	for (i = 0; i < s->ntold; i++) {
		if ((o = session_online(s->told[i])) == NULL)
			continue;
		if (told_del(o, s->key))
			send_peer(o, s->graceful ? HUB_MSG_PEER_DOWN :
			    HUB_MSG_PEER_CHECK, s->key);
	}
	s->ntold = 0;
	session_set_offline(s);
}
