/*
 * The hub engine's relay table; see relay.h.
 *
 * Sessions sit in three chained hash tables (by relay id, by
 * connection, by registered UDP address) that share one bucket count
 * and grow together, so a chain stays about one long.  Ids and
 * connection numbers come from the authority and the engine, so a
 * multiplicative hash does for them; UDP addresses are the network's
 * choice, so theirs is keyed (SipHash).  Each session keeps the ids it
 * may relay to in a sorted array: a pair is in both arrays or in
 * neither.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hub/ratelimit.h"
#include "hub/relay.h"
#include "hub/slab.h"

#define RELAY_MIN_BUCKETS	64	/* power of two */
#define ADDR_KEY_LEN		(1 + 2 + 16)

struct rsess {
	struct rsess	*next_id, *next_conn, *next_addr;
	uint32_t	 id;
	uint32_t	 conn;
	struct pkt_addr	 conn_addr;	/* of the hub connection */
	int		 registered;	/* in the address table */
	struct pkt_addr	 udp;		/* where it registered from */
	struct pkt_addr	 local;		/* and to */
	int		 sock;
	uint64_t	 udp_when;	/* ms, of the last REGISTER */
	struct bucket	 reg_rate;	/* REGISTERs passed on */
	uint32_t	*peers;		/* sorted */
	size_t		 npeers, peers_cap;
};

struct relay_table {
	struct slab	 sessions;	/* the struct rsess */
	struct rsess	**by_id, **by_conn, **by_addr;
	size_t		 nbuckets;	/* power of two */
	uint32_t	 count;
	uint32_t	 nparts, part;	/* ids of this table: % nparts */
	uint8_t		 key[crypto_shorthash_KEYBYTES];
};

static size_t
hash32(uint32_t v, size_t nb)
{
	/* Fibonacci hashing: the high bits of the product are the mixed ones. */
	return (size_t)(((uint64_t)v * UINT64_C(0x9e3779b97f4a7c15)) >> 32) &
	    (nb - 1);
}

/* The bytes that name an address: only the family's, never padding. */
static void
addr_key(const struct pkt_addr *a, uint8_t k[ADDR_KEY_LEN])
{
	memset(k, 0, ADDR_KEY_LEN);
	k[0] = a->af;
	memcpy(k + 1, &a->port, 2);
	memcpy(k + 3, a->addr, a->af == AF_INET ? 4 : 16);
}

static size_t
hash_addr(const struct relay_table *t, const uint8_t k[ADDR_KEY_LEN],
    size_t nb)
{
	uint8_t		 h[crypto_shorthash_BYTES];
	uint64_t	 v;

	(void)crypto_shorthash(h, k, ADDR_KEY_LEN, t->key);
	memcpy(&v, h, sizeof(v));
	return (size_t)v & (nb - 1);
}

static int
addr_eq(const struct pkt_addr *a, const struct pkt_addr *b)
{
	return a->af == b->af && a->port == b->port &&
	    memcmp(a->addr, b->addr, a->af == AF_INET ? 4 : 16) == 0;
}

static struct rsess *
find_id(const struct relay_table *t, uint32_t id)
{
	struct rsess	*s;

	for (s = t->by_id[hash32(id, t->nbuckets)]; s != NULL; s = s->next_id)
		if (s->id == id)
			return s;
	return NULL;
}

static struct rsess *
find_conn(const struct relay_table *t, uint32_t conn)
{
	struct rsess	*s;

	if (conn == 0)		/* a guest's: it names no connection */
		return NULL;
	for (s = t->by_conn[hash32(conn, t->nbuckets)]; s != NULL;
	    s = s->next_conn)
		if (s->conn == conn)
			return s;
	return NULL;
}

static struct rsess *
find_addr(const struct relay_table *t, const struct pkt_addr *a)
{
	uint8_t		 k[ADDR_KEY_LEN];
	struct rsess	*s;

	if (a->af != AF_INET && a->af != AF_INET6)
		return NULL;
	addr_key(a, k);
	for (s = t->by_addr[hash_addr(t, k, t->nbuckets)]; s != NULL;
	    s = s->next_addr)
		if (addr_eq(&s->udp, a))
			return s;
	return NULL;
}

static void
link_addr(struct relay_table *t, struct rsess **tab, size_t nb,
    struct rsess *s)
{
	uint8_t	 k[ADDR_KEY_LEN];
	size_t	 b;

	addr_key(&s->udp, k);
	b = hash_addr(t, k, nb);
	s->next_addr = tab[b];
	tab[b] = s;
}

static void
unlink_addr(struct relay_table *t, struct rsess *s)
{
	uint8_t		 k[ADDR_KEY_LEN];
	struct rsess	**sp;

	if (!s->registered)
		return;
	addr_key(&s->udp, k);
	for (sp = &t->by_addr[hash_addr(t, k, t->nbuckets)]; *sp != NULL;
	    sp = &(*sp)->next_addr)
		if (*sp == s) {
			*sp = s->next_addr;
			break;
		}
	s->registered = 0;
}

/* Rebuild all three tables with nb buckets.  -1 if out of memory. */
static int
rehash(struct relay_table *t, size_t nb)
{
	struct rsess	**id, **conn, **addr, *s, *next;
	size_t		 i, b;

	id = calloc(nb, sizeof(*id));
	conn = calloc(nb, sizeof(*conn));
	addr = calloc(nb, sizeof(*addr));
	if (id == NULL || conn == NULL || addr == NULL) {
		free(id);
		free(conn);
		free(addr);
		return -1;
	}
	/* Every session is in by_id: walk that one, relink all three. */
	for (i = 0; t->by_id != NULL && i < t->nbuckets; i++)
		for (s = t->by_id[i]; s != NULL; s = next) {
			next = s->next_id;
			b = hash32(s->id, nb);
			s->next_id = id[b];
			id[b] = s;
			if (s->conn != 0) {
				b = hash32(s->conn, nb);
				s->next_conn = conn[b];
				conn[b] = s;
			}
			if (s->registered)
				link_addr(t, addr, nb, s);
		}
	free(t->by_id);
	free(t->by_conn);
	free(t->by_addr);
	t->by_id = id;
	t->by_conn = conn;
	t->by_addr = addr;
	t->nbuckets = nb;
	return 0;
}

struct relay_table *
relay_table_new(const uint8_t key[crypto_shorthash_KEYBYTES])
{
	struct relay_table	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->sessions.size = sizeof(struct rsess);
	t->sessions.per_chunk = 512;
	t->nparts = 1;
	memcpy(t->key, key, sizeof(t->key));
	if (rehash(t, RELAY_MIN_BUCKETS) == -1) {
		free(t);
		return NULL;
	}
	return t;
}

void
relay_table_free(struct relay_table *t)
{
	struct rsess	*s, *next;
	size_t		 i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nbuckets; i++)
		for (s = t->by_id[i]; s != NULL; s = next) {
			next = s->next_id;
			free(s->peers);
			slab_put(&t->sessions, s);
		}
	slab_release(&t->sessions);
	free(t->by_id);
	free(t->by_conn);
	free(t->by_addr);
	sodium_memzero(t, sizeof(*t));
	free(t);
}

void
relay_table_part(struct relay_table *t, uint32_t nparts, uint32_t part)
{
	t->nparts = nparts > 0 ? nparts : 1;
	t->part = part;
}

static int
is_ours(const struct relay_table *t, uint32_t id)
{
	return id % t->nparts == t->part;
}

uint32_t
relay_count(const struct relay_table *t)
{
	return t->count;
}

/* ---- allowed pairs ---------------------------------------------------- */

static int
peer_find(const struct rsess *s, uint32_t id, size_t *pos)
{
	size_t	 lo = 0, hi = s->npeers, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->peers[mid] == id) {
			*pos = mid;
			return 1;
		}
		if (s->peers[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return 0;
}

/* -1 if out of memory (nothing changed). */
static int
peer_add(struct rsess *s, uint32_t id)
{
	size_t	 pos, cap;
	void	*n;

	if (peer_find(s, id, &pos))
		return 0;
	if (s->npeers == s->peers_cap) {
		cap = s->peers_cap ? s->peers_cap * 2 : 8;
		if ((n = reallocarray(s->peers, cap, sizeof(*s->peers))) ==
		    NULL)
			return -1;
		s->peers = n;
		s->peers_cap = cap;
	}
	memmove(&s->peers[pos + 1], &s->peers[pos],
	    (s->npeers - pos) * sizeof(*s->peers));
	s->peers[pos] = id;
	s->npeers++;
	return 0;
}

static void
peer_del(struct rsess *s, uint32_t id)
{
	size_t	 pos;

	if (!peer_find(s, id, &pos))
		return;
	memmove(&s->peers[pos], &s->peers[pos + 1],
	    (s->npeers - pos - 1) * sizeof(*s->peers));
	s->npeers--;
}

int
relay_pair(struct relay_table *t, uint32_t a, uint32_t b, int up)
{
	struct rsess	*sa = NULL, *sb = NULL;

	/* A session of ours must be here; another part's is not. */
	if (a == b || (is_ours(t, a) && (sa = find_id(t, a)) == NULL) ||
	    (is_ours(t, b) && (sb = find_id(t, b)) == NULL) ||
	    (sa == NULL && sb == NULL))
		return -1;
	if (!up) {
		if (sa != NULL)
			peer_del(sa, b);
		if (sb != NULL)
			peer_del(sb, a);
		return 0;
	}
	if (sa != NULL && peer_add(sa, b) == -1)
		return -1;
	if (sb != NULL && peer_add(sb, a) == -1) {
		if (sa != NULL)
			peer_del(sa, b);	/* both arrays or neither */
		return -1;
	}
	return 0;
}

int
relay_paired(const struct relay_table *t, uint32_t a, uint32_t b)
{
	struct rsess	*sa;
	size_t		 pos;

	if ((sa = find_id(t, a)) == NULL)
		return 0;
	return peer_find(sa, b, &pos);
}

/* ---- sessions --------------------------------------------------------- */

/* A new session, guest (conn 0) or not; the caller checked conn. */
static int
sess_add(struct relay_table *t, uint32_t conn, uint32_t id,
    const struct pkt_addr *host)
{
	struct rsess	*s;
	size_t		 b;

	if (id == 0 || !is_ours(t, id)) {
		errno = EDOM;
		return -1;
	}
	if (find_id(t, id) != NULL) {
		errno = EEXIST;
		return -1;
	}
	/* Grow first: a failed rehash leaves the table as it was. */
	if (t->count >= t->nbuckets && t->nbuckets <= SIZE_MAX / 4 &&
	    rehash(t, t->nbuckets * 2) == -1)
		return -1;
	if ((s = slab_get(&t->sessions)) == NULL)
		return -1;
	s->id = id;
	s->conn = conn;
	s->conn_addr = *host;
	b = hash32(id, t->nbuckets);
	s->next_id = t->by_id[b];
	t->by_id[b] = s;
	if (conn != 0) {
		b = hash32(conn, t->nbuckets);
		s->next_conn = t->by_conn[b];
		t->by_conn[b] = s;
	}
	t->count++;
	return 0;
}

int
relay_add(struct relay_table *t, uint32_t conn, uint32_t id,
    const struct pkt_addr *conn_addr)
{
	if (conn == 0) {
		errno = EDOM;
		return -1;
	}
	if (find_conn(t, conn) != NULL) {
		errno = EEXIST;
		return -1;
	}
	return sess_add(t, conn, id, conn_addr);
}

int
relay_add_guest(struct relay_table *t, uint32_t id,
    const struct pkt_addr *host)
{
	return sess_add(t, 0, id, host);
}

static void
sess_remove(struct relay_table *t, struct rsess *s)
{
	struct rsess	**sp, *o;
	size_t		 i;

	/* Its peers forget it: a pair is in both arrays or neither. */
	for (i = 0; i < s->npeers; i++)
		if ((o = find_id(t, s->peers[i])) != NULL)
			peer_del(o, s->id);
	unlink_addr(t, s);
	for (sp = &t->by_id[hash32(s->id, t->nbuckets)]; *sp != NULL;
	    sp = &(*sp)->next_id)
		if (*sp == s) {
			*sp = s->next_id;
			break;
		}
	for (sp = &t->by_conn[hash32(s->conn, t->nbuckets)]; *sp != NULL;
	    sp = &(*sp)->next_conn)
		if (*sp == s) {
			*sp = s->next_conn;
			break;
		}
	t->count--;
	free(s->peers);
	slab_put(&t->sessions, s);
}

int
relay_del(struct relay_table *t, uint32_t id)
{
	struct rsess	*s;

	if ((s = find_id(t, id)) == NULL)
		return -1;
	sess_remove(t, s);
	return 0;
}

int
relay_del_conn(struct relay_table *t, uint32_t conn)
{
	struct rsess	*s;

	if ((s = find_conn(t, conn)) == NULL)
		return -1;
	sess_remove(t, s);
	return 0;
}

uint32_t
relay_id_of_conn(const struct relay_table *t, uint32_t conn)
{
	struct rsess	*s;

	return (s = find_conn(t, conn)) != NULL ? s->id : 0;
}

/* The same IP address, whatever the ports. */
static int
same_host(const struct pkt_addr *a, const struct pkt_addr *b)
{
	return a->af == b->af && (a->af == AF_INET || a->af == AF_INET6) &&
	    memcmp(a->addr, b->addr, a->af == AF_INET ? 4 : 16) == 0;
}

enum relay_verdict
relay_register_gate(struct relay_table *t, uint32_t id,
    const struct pkt_addr *from, uint64_t now, uint32_t *conn)
{
	struct rsess	*s;

	*conn = 0;
	if ((s = find_id(t, id)) == NULL)
		return RELAY_UNKNOWN_SENDER;
	/*
	 * Whoever holds the token can register, but only from where its
	 * node logged in: a stolen token cannot send a node's relayed
	 * packets to a third party, and nobody elsewhere can make the
	 * authority check MACs in a node's name.
	 */
	if (!same_host(from, &s->conn_addr))
		return RELAY_FOREIGN;
	if (!bucket_take(&s->reg_rate, RELAY_REG_BURST, RELAY_REG_EVERY_MS,
	    (int64_t)now))
		return RELAY_THROTTLED;
	*conn = s->conn;
	return RELAY_OK;
}

int
relay_register_bind(struct relay_table *t, uint32_t id, uint32_t conn,
    const struct pkt_addr *from, const struct pkt_addr *local, int sock,
    uint64_t now)
{
	struct rsess	*s, *o;

	if ((s = find_id(t, id)) == NULL || s->conn != conn ||
	    !same_host(from, &s->conn_addr))
		return -1;
	/*
	 * One session per address.  A NAT that gave another node's old
	 * mapping to this one: the proven registration is the newer.
	 */
	if ((o = find_addr(t, from)) != NULL && o != s)
		unlink_addr(t, o);
	if (!s->registered || !addr_eq(&s->udp, from)) {
		/* Rebinding: the old address no longer names it. */
		unlink_addr(t, s);
		memset(&s->udp, 0, sizeof(s->udp));
		s->udp.af = from->af;
		s->udp.port = from->port;
		memcpy(s->udp.addr, from->addr, from->af == AF_INET ? 4 : 16);
		link_addr(t, t->by_addr, t->nbuckets, s);
		s->registered = 1;
	}
	if (local != NULL)
		s->local = *local;
	else
		memset(&s->local, 0, sizeof(s->local));
	s->sock = sock;
	s->udp_when = now;
	return 0;
}

static int
fresh(const struct rsess *s, uint64_t now)
{
	return s->registered && now - s->udp_when < RELAY_UDP_FRESH_MS;
}

static enum relay_verdict
route(const struct relay_table *t, const struct rsess *src, uint32_t dst,
    uint64_t now, struct relay_route *r)
{
	const struct rsess	*d;
	size_t			 pos;

	memset(r, 0, sizeof(*r));
	if (is_ours(t, dst) && (d = find_id(t, dst)) == NULL)
		return RELAY_UNKNOWN_DEST;
	if (!peer_find(src, dst, &pos))
		return RELAY_DENIED;
	r->src_id = src->id;
	r->src_conn = src->conn;
	r->dst_id = dst;
	if (!is_ours(t, dst)) {
		r->part = dst % t->nparts;
		return RELAY_ELSEWHERE;
	}
	return relay_deliver(t, dst, now, r) == RELAY_OK ? RELAY_OK :
	    RELAY_UNKNOWN_DEST;
}

enum relay_verdict
relay_deliver(const struct relay_table *t, uint32_t dst, uint64_t now,
    struct relay_route *r)
{
	const struct rsess	*d;

	if (!is_ours(t, dst) || (d = find_id(t, dst)) == NULL)
		return RELAY_UNKNOWN_DEST;
	r->dst_id = d->id;
	r->part = t->part;
	r->dst_conn = d->conn;
	r->via_udp = 0;
	if (fresh(d, now)) {
		r->via_udp = 1;
		r->dst_addr = d->udp;
		r->dst_local = d->local;
		r->dst_sock = d->sock;
	} else if (d->conn == 0)
		return RELAY_UNKNOWN_DEST;	/* a guest, by UDP only */
	return RELAY_OK;
}

enum relay_verdict
relay_route_udp(const struct relay_table *t, const struct pkt_addr *from,
    uint32_t dst, uint64_t now, struct relay_route *r)
{
	const struct rsess	*s;

	/*
	 * A stale registration names nobody: the NAT may have handed
	 * that mapping to a host that never logged in.
	 */
	if ((s = find_addr(t, from)) == NULL || !fresh(s, now)) {
		memset(r, 0, sizeof(*r));
		return RELAY_UNKNOWN_SENDER;
	}
	return route(t, s, dst, now, r);
}

enum relay_verdict
relay_route_conn(const struct relay_table *t, uint32_t conn, uint32_t dst,
    uint64_t now, struct relay_route *r)
{
	const struct rsess	*s;

	if ((s = find_conn(t, conn)) == NULL) {
		memset(r, 0, sizeof(*r));
		return RELAY_UNKNOWN_SENDER;
	}
	return route(t, s, dst, now, r);
}
