/*
 * Nodes: a key, the overlay addresses the hub gave it, its nickname and
 * when it was last seen.  Addresses are handed out at login, the lowest
 * free one of the pool first, in time that does not grow with the
 * number of nodes; nodes in no network expire and give theirs back.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/bytes.h"
#include "ipc/addr.h"
#include "hub/store.h"
#include "hub/store_db.h"
#include "hub/store_meta.h"

static int
node_row(struct store *st, struct db_stmt *s, void *out)
{
	struct store_node	*n = out;
	int64_t			 v4;

	memset(n, 0, sizeof(*n));
	v4 = db_col_int(s, 1);
	if (v4 < 0 || v4 > UINT32_MAX)
		return db_fail(st, STORE_ERR, "corrupt row: v4");
	put_be32(n->v4, (uint32_t)v4);
	if (db_col_blob(st, s, 0, n->key, sizeof(n->key)) != STORE_OK ||
	    db_col_blob(st, s, 2, n->v6, sizeof(n->v6)) != STORE_OK ||
	    db_col_text(st, s, 3, n->nick, sizeof(n->nick)) != STORE_OK)
		return STORE_ERR;
	n->created = db_col_int(s, 4);
	n->last_seen = db_col_int(s, 5);
	return STORE_OK;
}

int
store_node_get(struct store *st, const uint8_t key[32],
    struct store_node *out)
{
	struct store_node	 n;

	return db_row(st, Q_NODE_GET, db_take(st, Q_NODE_GET, "k", key),
	    node_row, out == NULL ? &n : out);
}

static uint32_t
mask32(int plen)
{
	return plen == 0 ? 0 : UINT32_MAX << (32 - plen);
}

#define POOL4_META	"pool4"
#define POOL4_LEN	9	/* network (4), prefix length (1), mark (4) */

/*
 * Inside the caller's transaction: the lowest free address of the pool
 * net4/plen4 (hosts lo..hi).  Addresses are handed out upwards from a
 * high-water mark kept in meta "pool4"; those below it that no node has
 * (an expired node's) are rows of free4, lowest first.  So the cost
 * does not depend on how many nodes there are.  A pool the meta row
 * does not name (the first start, a new configuration) is taken in
 * once: its mark above the highest address in use, the holes below it
 * into free4.
 */
static int
alloc4(struct store *st, uint32_t net4, int plen4, uint32_t lo, uint32_t hi,
    uint32_t *out)
{
	uint8_t		 m[POOL4_LEN];
	int64_t		 v;
	uint32_t	 next;
	int		 rc;

	rc = store_meta_read(st, POOL4_META, m, sizeof(m));
	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		return rc;
	if (rc == STORE_NOTFOUND || get_be32(m) != net4 || m[4] != plen4) {
		if ((rc = db_run(st, Q_FREE4_CLEAR, "")) != STORE_OK)
			return rc;
		rc = db_int(st, &v, Q_NODE_MAX4, "ii", (int64_t)lo,
		    (int64_t)hi);
		if (rc == STORE_NOTFOUND)
			next = lo;
		else if (rc == STORE_OK)
			next = (uint32_t)v + 1;
		else
			return rc;
		if (next > lo && (rc = db_run(st, Q_FREE4_FILL, "ii",
		    (int64_t)lo, (int64_t)next)) != STORE_OK)
			return rc;
		put_be32(m, net4);
		m[4] = (uint8_t)plen4;
	} else
		next = get_be32(m + 5);
	rc = db_int(st, &v, Q_FREE4_MIN, "ii", (int64_t)lo, (int64_t)hi);
	if (rc == STORE_OK) {
		*out = (uint32_t)v;
		return db_run(st, Q_FREE4_DEL, "i", v);
	}
	if (rc != STORE_NOTFOUND)
		return rc;
	if (next > hi || next < lo)
		return db_fail(st, STORE_FULL, "the address pool is full");
	*out = next;
	put_be32(m + 5, next + 1);
	return db_run(st, Q_META_PUT, "tb", POOL4_META, m, sizeof(m));
}

int
store_node_login(struct store *st, const uint8_t key[32],
    const uint8_t pool4[4], int plen4, const uint8_t pool6[16], int plen6,
    const char *nick, int64_t now, struct store_node *out)
{
	struct store_node	 n;
	struct ip_prefix	 p6;
	uint32_t		 net4, lo, hi, v4;
	int			 rc, found;

	/* A /31 or /32 has no host address besides those two. */
	if (plen4 < 0 || plen4 > 30)
		return db_fail(st, STORE_ERR, "IPv4 pool prefix length %d is "
		    "not 0-30", plen4);
	if (plen6 < 0 || plen6 > 96)
		return db_fail(st, STORE_ERR, "IPv6 pool prefix length %d is "
		    "not 0-96", plen6);
	if (nick != NULL && strnlen(nick, HUB_NICK_MAX) >= HUB_NICK_MAX)
		return db_fail(st, STORE_ERR, "nickname too long");
	net4 = get_be32(pool4) & mask32(plen4);
	lo = net4 + 1;
	hi = (net4 | ~mask32(plen4)) - 1;

	if ((rc = db_begin(st)) != STORE_OK)
		return rc;
	rc = store_node_get(st, key, &n);
	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		return db_end(st, rc);
	found = rc == STORE_OK;
	if (!found) {
		memset(&n, 0, sizeof(n));
		memcpy(n.key, key, sizeof(n.key));
		n.created = now;
	}
	if (nick != NULL && nick[0] != '\0')
		(void)snprintf(n.nick, sizeof(n.nick), "%s", nick);
	v4 = get_be32(n.v4);
	if (!found || v4 < lo || v4 > hi) {
		if ((rc = alloc4(st, net4, plen4, lo, hi, &v4)) != STORE_OK)
			return db_end(st, rc);
		put_be32(n.v4, v4);
	}
	/*
	 * The IPv6 address follows from the IPv4 one, so it is simply
	 * derived again: that also moves it when only pool6 changed.
	 */
	memset(&p6, 0, sizeof(p6));
	p6.af = AF_INET6;
	p6.plen = (uint8_t)plen6;
	memcpy(&p6.addr.v6, pool6, sizeof(n.v6));
	(void)prefix_mask(&p6);
	memcpy(n.v6, &p6.addr.v6, sizeof(n.v6));
	put_be32(n.v6 + 12, v4 - net4);
	n.last_seen = now;

	rc = db_run(st, found ? Q_NODE_SEEN : Q_NODE_ADD, "kibit", key,
	    (int64_t)v4, n.v6, sizeof(n.v6), now, n.nick);
	/* The UNIQUE v4 is a backstop; the write lock already excludes. */
	if (rc == STORE_EXISTS)
		rc = db_fail(st, STORE_ERR, "address %u.%u.%u.%u taken twice",
		    n.v4[0], n.v4[1], n.v4[2], n.v4[3]);
	if ((rc = db_end(st, rc)) == STORE_OK && out != NULL)
		*out = n;
	return rc;
}

int
store_node_in_pool(const struct store_node *n, const uint8_t pool4[4],
    int plen4, const uint8_t pool6[16], int plen6)
{
	uint32_t	 net4, v4 = get_be32(n->v4);
	uint8_t		 v6[16];
	struct ip_prefix p6;

	if (plen4 < 0 || plen4 > 30 || plen6 < 0 || plen6 > 96)
		return 0;
	net4 = get_be32(pool4) & mask32(plen4);
	if (v4 <= net4 || v4 >= (net4 | ~mask32(plen4)))
		return 0;
	memset(&p6, 0, sizeof(p6));
	p6.af = AF_INET6;
	p6.plen = (uint8_t)plen6;
	memcpy(&p6.addr.v6, pool6, sizeof(v6));
	(void)prefix_mask(&p6);
	memcpy(v6, &p6.addr.v6, sizeof(v6));
	put_be32(v6 + 12, v4 - net4);
	return memcmp(v6, n->v6, sizeof(v6)) == 0;
}

int
store_node_touch(struct store *st, const uint8_t (*keys)[32], size_t n,
    int64_t now)
{
	size_t	 i;
	int	 rc;

	if (n == 0)
		return STORE_OK;
	if ((rc = db_begin(st)) != STORE_OK)
		return rc;
	for (i = 0; i < n && rc == STORE_OK; i++)
		rc = db_run(st, Q_NODE_TOUCH, "ki", keys[i], now);
	return db_end(st, rc);
}

struct expiry {
	int	(*keep)(void *, const uint8_t *);
	void	*arg;
	uint8_t	 keys[STORE_EXPIRE_MAX][32];
	int64_t	 v4[STORE_EXPIRE_MAX];
	size_t	 n;
	uint8_t	 kept[STORE_EXPIRE_MAX * 2][32];
	size_t	 nkept;
};

static int
expired_row(struct store *st, struct db_stmt *s, void *cb, void *arg)
{
	struct expiry	*e = arg;

	if (db_col_blob(st, s, 0, e->keys[e->n], 32) != STORE_OK)
		return STORE_ERR;
	if (e->keep != NULL && e->keep(e->arg, e->keys[e->n])) {
		memcpy(e->kept[e->nkept++], e->keys[e->n], 32);
		return 0;
	}
	e->v4[e->n++] = db_col_int(s, 1);
	return e->n == STORE_EXPIRE_MAX;
}

int
store_node_expire(struct store *st, int64_t before, int64_t now,
    int (*keep)(void *, const uint8_t *key), void *arg)
{
	struct expiry	*e;
	size_t		 i;
	int		 rc;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return db_fail(st, STORE_ERR, "out of memory");
	e->keep = keep;
	e->arg = arg;
	if ((rc = db_begin(st)) != STORE_OK) {
		free(e);
		return rc;
	}
	/* Those kept (online) are skipped: the rest of a batch still fills. */
	rc = db_each(st, Q_NODE_EXPIRED, db_take(st, Q_NODE_EXPIRED, "ii",
	    before, (int64_t)STORE_EXPIRE_MAX * 2), expired_row, NULL, e);
	for (i = 0; i < e->n && rc == STORE_OK; i++) {
		rc = db_run(st, Q_NODE_DEL, "k", e->keys[i]);
		if (rc == STORE_OK)
			rc = db_run(st, Q_FREE4_ADD, "i", e->v4[i]);
		/* An address freed twice (a backstop): once is enough. */
		if (rc == STORE_EXISTS)
			rc = STORE_OK;
	}
	/*
	 * Those kept are seen now (they are online): so they leave the
	 * head of the order, and more of them than a batch holds cannot
	 * stop the sweep from reaching the rest.
	 */
	for (i = 0; i < e->nkept && rc == STORE_OK; i++)
		rc = db_run(st, Q_NODE_TOUCH, "ki", e->kept[i], now);
	rc = db_end(st, rc);
	if (rc == STORE_OK)
		rc = (int)e->n;
	free(e);
	return rc;
}

int
store_node_set_nick(struct store *st, const uint8_t key[32],
    const char *nick)
{
	int	 rc;

	if (strnlen(nick, HUB_NICK_MAX) >= HUB_NICK_MAX)
		return db_fail(st, STORE_ERR, "nickname too long");
	if ((rc = db_begin(st)) != STORE_OK)
		return rc;
	rc = db_run(st, Q_NODE_NICK, "kt", key, nick);
	if (rc == STORE_OK && db_changed(st) == 0)
		rc = db_fail(st, STORE_NOTFOUND, "no such node");
	return db_end(st, rc);
}

static int
node_each(struct store *st, struct db_stmt *s, void *cb, void *arg)
{
	int			(*fn)(void *, const struct store_node *) = cb;
	struct store_node	 n;

	if (node_row(st, s, &n) != STORE_OK)
		return STORE_ERR;
	return fn(arg, &n) != 0;
}

int
store_node_foreach(struct store *st,
    int (*cb)(void *, const struct store_node *), void *arg)
{
	return db_each(st, Q_NODE_ALL, db_take(st, Q_NODE_ALL, ""), node_each,
	    (void *)cb, arg);
}

int
store_peer_nodes(struct store *st, const uint8_t key[32],
    int (*cb)(void *, const struct store_node *), void *arg)
{
	return db_each(st, Q_PEER_NODES, db_take(st, Q_PEER_NODES, "k", key),
	    node_each, (void *)cb, arg);
}

int
store_node_count(struct store *st, uint32_t *n)
{
	return db_count(st, n, Q_NODE_COUNT);
}
