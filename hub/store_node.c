/*
 * Nodes: a key, the overlay addresses the hub gave it, its nickname and
 * when it was last seen.  Addresses are handed out at login, the lowest
 * free one of the pool first.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <stdint.h>
#include <string.h>

#include "compat/bytes.h"
#include "ipc/addr.h"
#include "hub/store.h"
#include "hub/store_db.h"

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

int
store_node_login(struct store *st, const uint8_t key[32],
    const uint8_t pool4[4], int plen4, const uint8_t pool6[16], int plen6,
    int64_t now, struct store_node *out)
{
	struct store_node	 n;
	struct ip_prefix	 p6;
	uint32_t		 net4, lo, hi, v4;
	int64_t			 free4;
	int			 rc, found;

	/* A /31 or /32 has no host address besides those two. */
	if (plen4 < 0 || plen4 > 30)
		return db_fail(st, STORE_ERR, "IPv4 pool prefix length %d is "
		    "not 0-30", plen4);
	if (plen6 < 0 || plen6 > 96)
		return db_fail(st, STORE_ERR, "IPv6 pool prefix length %d is "
		    "not 0-96", plen6);
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
	v4 = get_be32(n.v4);
	if (!found || v4 < lo || v4 > hi) {
		rc = db_int(st, &free4, Q_NODE_FREE4, "ii", (int64_t)lo,
		    (int64_t)hi);
		if (rc == STORE_NOTFOUND)
			rc = db_fail(st, STORE_FULL,
			    "the address pool is full");
		if (rc != STORE_OK)
			return db_end(st, rc);
		v4 = (uint32_t)free4;
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

	rc = db_run(st, found ? Q_NODE_SEEN : Q_NODE_ADD, "kibi", key,
	    (int64_t)v4, n.v6, sizeof(n.v6), now);
	/* The UNIQUE v4 is a backstop; the write lock already excludes. */
	if (rc == STORE_EXISTS)
		rc = db_fail(st, STORE_ERR, "address %u.%u.%u.%u taken twice",
		    n.v4[0], n.v4[1], n.v4[2], n.v4[3]);
	if ((rc = db_end(st, rc)) == STORE_OK && out != NULL)
		*out = n;
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
store_node_count(struct store *st, uint32_t *n)
{
	return db_count(st, n, Q_NODE_COUNT);
}
