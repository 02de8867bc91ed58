/*
 * Networks: their names, password hashes, kinds, limits and owners.
 * Who belongs to them is store_member.c's.
 */
#include "autoconf.h"

#include <stdint.h>
#include <string.h>

#include "hub/store.h"
#include "hub/store_db.h"
#include "hub/store_net.h"

int
store_net_row(struct store *st, struct db_stmt *s, int c,
    struct store_net *n)
{
	memset(n, 0, sizeof(*n));
	if (db_col_blob(st, s, c, n->id, sizeof(n->id)) != STORE_OK ||
	    db_col_text(st, s, c + 1, n->name, sizeof(n->name)) != STORE_OK ||
	    db_col_text(st, s, c + 2, n->pwhash, sizeof(n->pwhash)) !=
	    STORE_OK ||
	    db_col_blob(st, s, c + 6, n->owner, sizeof(n->owner)) != STORE_OK)
		return STORE_ERR;
	n->type = db_col_int(s, c + 3);
	n->mode = db_col_int(s, c + 4);
	n->limit = (uint32_t)db_col_int(s, c + 5);
	n->created = db_col_int(s, c + 7);
	n->bcast = (uint8_t)db_col_int(s, c + 8);
	n->eth = (uint8_t)db_col_int(s, c + 9);
	return STORE_OK;
}

static int
net_row(struct store *st, struct db_stmt *s, void *out)
{
	return store_net_row(st, s, 0, out);
}

static int
net_valid(struct store *st, const struct store_net *n)
{
	size_t	 len = strnlen(n->name, sizeof(n->name));

	if (len == 0 || len == sizeof(n->name))
		return db_fail(st, STORE_ERR, "bad network name length");
	if (strnlen(n->pwhash, sizeof(n->pwhash)) == sizeof(n->pwhash))
		return db_fail(st, STORE_ERR, "password hash too long");
	if (n->type >= HUB_TYPE_MAX || n->mode >= HUB_MODE_MAX ||
	    n->bcast > 1 || n->eth > 1)
		return db_fail(st, STORE_ERR, "bad network type, mode or "
		    "broadcast");
	return STORE_OK;
}

int
store_net_create(struct store *st, const struct store_net *n)
{
	int	 rc;

	if ((rc = net_valid(st, n)) != STORE_OK)
		return rc;
	if ((rc = db_begin(st)) != STORE_OK)
		return rc;
	/* A gateway network: hub-and-spoke, and a row that says whose. */
	rc = db_run(st, Q_NET_ADD, "nttddikid", n->id, n->name, n->pwhash,
	    n->type == HUB_TYPE_GATEWAY ? (int)HUB_TYPE_HUBSPOKE : (int)n->type,
	    (int)n->mode, (int64_t)n->limit, n->owner, n->created,
	    (int)n->bcast);
	if (rc == STORE_OK && n->eth)
		rc = db_run(st, Q_NET_ETH, "nd", n->id, (int)n->eth);
	if (rc == STORE_OK && n->type == HUB_TYPE_GATEWAY)
		rc = db_run(st, Q_NET_GATEWAY, "n", n->id);
	if (rc == STORE_OK)
		rc = db_run(st, Q_MEMBER_ADD, "nkddi", n->id, n->owner,
		    (int)HUB_ROLE_OWNER, (int)HUB_MSTATE_ACTIVE, n->created);
	return db_end(st, rc);
}

int
store_net_delete(struct store *st, const uint8_t id[16])
{
	int	 rc;

	if ((rc = db_begin(st)) != STORE_OK)
		return rc;
	/*
	 * The cascade would do, but only on a connection that enabled
	 * foreign keys; saying it costs nothing and survives a session in
	 * the sqlite3 shell.
	 */
	if ((rc = db_run(st, Q_INVITE_DEL_NET, "n", id)) == STORE_OK &&
	    (rc = db_run(st, Q_MEMBER_DEL_NET, "n", id)) == STORE_OK &&
	    (rc = db_run(st, Q_NET_DEL, "n", id)) == STORE_OK &&
	    db_changed(st) == 0)
		rc = db_fail(st, STORE_NOTFOUND, "no such network");
	return db_end(st, rc);
}

int
store_net_by_name(struct store *st, const char *name, struct store_net *out)
{
	struct store_net	 n;

	return db_row(st, Q_NET_BY_NAME, db_take(st, Q_NET_BY_NAME, "t", name),
	    net_row, out == NULL ? &n : out);
}

int
store_net_by_id(struct store *st, const uint8_t id[16],
    struct store_net *out)
{
	struct store_net	 n;

	return db_row(st, Q_NET_BY_ID, db_take(st, Q_NET_BY_ID, "n", id),
	    net_row, out == NULL ? &n : out);
}

int
store_net_update(struct store *st, const struct store_net *n)
{
	int	 rc;

	if ((rc = net_valid(st, n)) != STORE_OK)
		return rc;
	if ((rc = db_begin(st)) != STORE_OK)
		return rc;
	rc = db_run(st, Q_NET_UPDATE, "ntdid", n->id, n->pwhash, (int)n->mode,
	    (int64_t)n->limit, (int)n->bcast);
	if (rc == STORE_OK && db_changed(st) == 0)
		rc = db_fail(st, STORE_NOTFOUND, "no such network");
	return db_end(st, rc);
}

static int
net_each(struct store *st, struct db_stmt *s, void *cb, void *arg)
{
	int			(*fn)(void *, const struct store_net *) = cb;
	struct store_net	 n;

	if (store_net_row(st, s, 0, &n) != STORE_OK)
		return STORE_ERR;
	return fn(arg, &n) != 0;
}

int
store_net_foreach(struct store *st,
    int (*cb)(void *, const struct store_net *), void *arg)
{
	return db_each(st, Q_NET_ALL, db_take(st, Q_NET_ALL, ""), net_each,
	    (void *)cb, arg);
}

int
store_net_count(struct store *st, uint32_t *n)
{
	return db_count(st, n, Q_NET_COUNT);
}

static int
counts_row(struct store *st, struct db_stmt *s, void *out)
{
	uint32_t	*c = out;

	c[0] = (uint32_t)db_col_int(s, 0);
	c[1] = (uint32_t)db_col_int(s, 1);
	return STORE_OK;
}

int
store_net_counts(struct store *st, const uint8_t id[16], uint32_t *active,
    uint32_t *pending)
{
	uint32_t	 c[2] = { 0, 0 };
	int		 rc;

	rc = db_row(st, Q_NET_COUNTS, db_take(st, Q_NET_COUNTS, "n", id),
	    counts_row, c);
	if (rc == STORE_OK) {
		if (active != NULL)
			*active = c[0];
		if (pending != NULL)
			*pending = c[1];
	}
	return rc;
}

int
store_net_exists(struct store *st, const uint8_t net[16])
{
	int64_t	 one;
	int	 rc;

	if ((rc = db_int(st, &one, Q_NET_EXISTS, "n", net)) ==
	    STORE_NOTFOUND)
		(void)db_fail(st, rc, "no such network");
	return rc;
}
