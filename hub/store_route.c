/*
 * Subnet routes: what nodes advertise, and which network approved
 * which.  Families are stored as 4 or 6, as in blocks.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <stdint.h>
#include <string.h>

#include "ipc/addr.h"
#include "hub/store.h"
#include "hub/store_db.h"

static int
fam(const struct ip_prefix *p, size_t *len)
{
	*len = p->af == AF_INET ? 4 : 16;
	return p->af == AF_INET ? 4 : 6;
}

/*
 * Only what the protocol carries reaches the table: check p, say its
 * family as stored and its address's length, and begin a transaction.
 */
static int
route_begin(struct store *st, const struct ip_prefix *p, int *f,
    size_t *len)
{
	if (!hub_route_ok(p))
		return db_fail(st, STORE_ERR, "not a route prefix");
	*f = fam(p, len);
	return db_begin(st);
}

int
store_route_add(struct store *st, const uint8_t key[32],
    const struct ip_prefix *p, int64_t now)
{
	size_t	 len;
	int64_t	 n;
	int	 f, rc;

	if ((rc = route_begin(st, p, &f, &len)) != STORE_OK)
		return rc;
	rc = db_int(st, &n, Q_ROUTE_NCOUNT, "k", key);
	if (rc == STORE_OK && n >= HUB_ROUTES_MAX)
		rc = db_fail(st, STORE_FULL, "%d routes already",
		    HUB_ROUTES_MAX);
	if (rc == STORE_OK)
		rc = db_run(st, Q_ROUTE_ADD, "kddbi", key, f, (int)p->plen,
		    &p->addr, len, now);
	return db_end(st, rc);
}

int
store_route_del(struct store *st, const uint8_t key[32],
    const struct ip_prefix *p)
{
	size_t	 len;
	int	 f, rc;

	if ((rc = route_begin(st, p, &f, &len)) != STORE_OK)
		return rc;
	rc = db_run(st, Q_ROUTE_DEL, "kddb", key, f, (int)p->plen, &p->addr,
	    len);
	if (rc == STORE_OK && db_changed(st) == 0)
		rc = db_fail(st, STORE_NOTFOUND, "no such route");
	return db_end(st, rc);
}

/* Columns from `col': af, plen, addr. */
static int
col_prefix(struct store *st, struct db_stmt *s, int col,
    struct ip_prefix *p)
{
	int	 f = (int)db_col_int(s, col);

	memset(p, 0, sizeof(*p));
	if (f != 4 && f != 6)
		return db_fail(st, STORE_ERR, "route family %d", f);
	p->af = f == 4 ? AF_INET : AF_INET6;
	p->plen = (uint8_t)db_col_int(s, col + 1);
	return db_col_blob(st, s, col + 2, &p->addr, f == 4 ? 4 : 16);
}

/* pubkey, af, plen, addr */
static int
route_row(struct store *st, struct db_stmt *s, struct store_route *r)
{
	memset(r, 0, sizeof(*r));
	if (db_col_blob(st, s, 0, r->key, 32) != STORE_OK ||
	    col_prefix(st, s, 1, &r->p) != STORE_OK)
		return STORE_ERR;
	return STORE_OK;
}

/* pubkey, af, plen, addr, approved */
static int
route_each(struct store *st, struct db_stmt *s, void *cb, void *arg)
{
	int			(*fn)(void *, const struct store_route *) = cb;
	struct store_route	 r;

	if (route_row(st, s, &r) != STORE_OK)
		return STORE_ERR;
	r.approved = db_col_int(s, 4) != 0;
	return fn(arg, &r) != 0;
}

int
store_routes_of_node(struct store *st, const uint8_t key[32],
    int (*cb)(void *, const struct store_route *), void *arg)
{
	return db_each(st, Q_ROUTE_OF_NODE, db_take(st, Q_ROUTE_OF_NODE, "k",
	    key), route_each, (void *)cb, arg);
}

int
store_routes_of_net(struct store *st, const uint8_t net[16],
    int (*cb)(void *, const struct store_route *), void *arg)
{
	return db_each(st, Q_ROUTE_OF_NET, db_take(st, Q_ROUTE_OF_NET, "n",
	    net), route_each, (void *)cb, arg);
}

/* The approved lists have no fifth column: every row is approved. */
static int
approved_each(struct store *st, struct db_stmt *s, void *cb, void *arg)
{
	int			(*fn)(void *, const struct store_route *) = cb;
	struct store_route	 r;

	if (route_row(st, s, &r) != STORE_OK)
		return STORE_ERR;
	r.approved = 1;
	return fn(arg, &r) != 0;
}

int
store_routes_approved(struct store *st, const uint8_t *id, int shared,
    int (*cb)(void *, const struct store_route *), void *arg)
{
	enum store_query	 q = shared ? Q_ROUTE_OK_SHARED : Q_ROUTE_OK_NET;

	return db_each(st, q, db_take(st, q, shared ? "k" : "n", id),
	    approved_each, (void *)cb, arg);
}

int
store_route_approve(struct store *st, const uint8_t net[16],
    const uint8_t key[32], const struct ip_prefix *p, const uint8_t by[32],
    int64_t now)
{
	size_t	 len;
	int64_t	 one;
	int	 f, rc;

	if ((rc = route_begin(st, p, &f, &len)) != STORE_OK)
		return rc;
	rc = db_int(st, &one, Q_ROUTE_GET, "kddb", key, f, (int)p->plen,
	    &p->addr, len);
	if (rc == STORE_OK)
		rc = db_run(st, Q_ROUTE_OK_ADD, "nddbkki", net, f,
		    (int)p->plen, &p->addr, len, key, by, now);
	return db_end(st, rc);
}

int
store_route_revoke(struct store *st, const uint8_t net[16],
    const uint8_t key[32], const struct ip_prefix *p)
{
	size_t	 len;
	int	 f, rc;

	if ((rc = route_begin(st, p, &f, &len)) != STORE_OK)
		return rc;
	rc = db_run(st, Q_ROUTE_OK_DEL, "nddbk", net, f, (int)p->plen,
	    &p->addr, len, key);
	if (rc == STORE_OK && db_changed(st) == 0)
		rc = db_fail(st, STORE_NOTFOUND, "route not approved there");
	return db_end(st, rc);
}

struct between {
	struct ip_prefix	*out;
	uint8_t			 n;
};

static int
between_each(struct store *st, struct db_stmt *s, void *cb, void *arg)
{
	struct between	*b = arg;

	(void)cb;
	if (b->n >= HUB_ROUTES_MAX)
		return 1;
	if (col_prefix(st, s, 0, &b->out[b->n]) != STORE_OK)
		return STORE_ERR;
	b->n++;
	return 0;
}

int
store_routes_between(struct store *st, const uint8_t to[32],
    const uint8_t about[32], struct ip_prefix *out, uint8_t *n)
{
	struct between	 b = { out, 0 };
	int		 rc;

	rc = db_each(st, Q_ROUTE_BETWEEN, db_take(st, Q_ROUTE_BETWEEN, "kk",
	    to, about), between_each, NULL, &b);
	*n = b.n;
	return rc;
}

int
store_route_any(struct store *st, const uint8_t key[32])
{
	int64_t	 one;
	int	 rc;

	rc = db_int(st, &one, Q_ROUTE_OK_ANY, "k", key);
	if (rc == STORE_NOTFOUND)
		return 0;
	return rc == STORE_OK ? 1 : rc;
}
