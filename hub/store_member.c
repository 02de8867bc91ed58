/*
 * Memberships: who is in which network in what state and role, the
 * invitations, and who therefore are peers.
 */
#include "autoconf.h"

#include <stdint.h>
#include <string.h>

#include "hub/store.h"
#include "hub/store_db.h"
#include "hub/store_net.h"

static int
member_row_at(struct store *st, struct db_stmt *s, int c,
    struct store_member *m)
{
	memset(m, 0, sizeof(*m));
	if (db_col_blob(st, s, c, m->netid, sizeof(m->netid)) != STORE_OK ||
	    db_col_blob(st, s, c + 1, m->key, sizeof(m->key)) != STORE_OK)
		return STORE_ERR;
	m->role = db_col_int(s, c + 2);
	m->state = db_col_int(s, c + 3);
	m->since = db_col_int(s, c + 4);
	return STORE_OK;
}

static int
member_row(struct store *st, struct db_stmt *s, void *out)
{
	return member_row_at(st, s, 0, out);
}

int
store_member_get(struct store *st, const uint8_t net[16],
    const uint8_t key[32], struct store_member *out)
{
	struct store_member	 m;

	return db_row(st, Q_MEMBER_GET, db_take(st, Q_MEMBER_GET, "nk", net,
	    key), member_row, out == NULL ? &m : out);
}

/*
 * May one more member become active?  Inside the caller's transaction,
 * so the answer holds until its commit.  STORE_NOTFOUND if there is no
 * such network.
 */
static int
room(struct store *st, const uint8_t net[16])
{
	int64_t	 left;
	int	 rc;

	rc = db_int(st, &left, Q_NET_ROOM, "n", net);
	if (rc == STORE_OK && left <= 0)
		rc = db_fail(st, STORE_FULL, "the network's member limit is "
		    "reached");
	else if (rc == STORE_NOTFOUND)
		(void)db_fail(st, rc, "no such network");
	return rc;
}

/* STORE_OK with m filled, STORE_NOTFOUND without a row. */
static int
member_read(struct store *st, const uint8_t net[16], const uint8_t key[32],
    struct store_member *m)
{
	int	 rc;

	if ((rc = store_member_get(st, net, key, m)) == STORE_NOTFOUND)
		(void)db_fail(st, rc, "not a member");
	return rc;
}

/* Inside a transaction: make a node an active member, or a new one. */
static int
activate(struct store *st, const uint8_t net[16], const uint8_t key[32],
    int exists, int64_t now)
{
	int	 rc;

	if ((rc = room(st, net)) != STORE_OK)
		return rc;
	if (exists)
		return db_run(st, Q_MEMBER_STATE, "nkdi", net, key,
		    (int)HUB_MSTATE_ACTIVE, now);
	return db_run(st, Q_MEMBER_ADD, "nkddi", net, key, (int)HUB_ROLE_MEMBER,
	    (int)HUB_MSTATE_ACTIVE, now);
}

int
store_member_join(struct store *st, const uint8_t net[16],
    const uint8_t key[32], uint8_t state, int64_t now)
{
	struct store_member	 m;
	int			 rc;

	if (state != HUB_MSTATE_ACTIVE && state != HUB_MSTATE_PENDING)
		return db_fail(st, STORE_ERR, "bad state %u to join in", state);
	if ((rc = db_begin(st)) != STORE_OK)
		return rc;
	if ((rc = store_net_exists(st, net)) != STORE_OK)
		return db_end(st, rc);
	rc = member_read(st, net, key, &m);
	if (rc == STORE_OK) {
		if (m.state == HUB_MSTATE_BANNED)
			rc = db_fail(st, STORE_BANNED,
			    "banned from the network");
		else if (m.state == HUB_MSTATE_ACTIVE || state == m.state)
			rc = db_fail(st, STORE_EXISTS, "already a member");
		else
			rc = activate(st, net, key, 1, now);
	} else if (rc == STORE_NOTFOUND) {
		if (state == HUB_MSTATE_ACTIVE)
			rc = activate(st, net, key, 0, now);
		else
			rc = db_run(st, Q_MEMBER_ADD, "nkddi", net, key,
			    (int)HUB_ROLE_MEMBER, (int)state, now);
	}
	return db_end(st, rc);
}

int
store_member_join_invited(struct store *st, const uint8_t net[16],
    const uint8_t key[32], int64_t now)
{
	struct store_member	 m;
	int			 rc;

	if ((rc = db_begin(st)) != STORE_OK)
		return rc;
	/*
	 * Consuming the invite first under the write lock is what makes
	 * exactly one of several concurrent callers see it; a refusal
	 * below rolls the consumption back.
	 */
	rc = db_run(st, Q_INVITE_DEL, "nk", net, key);
	if (rc == STORE_OK && db_changed(st) == 0)
		rc = db_fail(st, STORE_NOTFOUND, "no invitation");
	if (rc != STORE_OK)
		return db_end(st, rc);
	rc = member_read(st, net, key, &m);
	if (rc == STORE_OK && m.state == HUB_MSTATE_ACTIVE)
		rc = db_fail(st, STORE_EXISTS, "already a member");
	else if (rc == STORE_OK || rc == STORE_NOTFOUND)
		rc = activate(st, net, key, rc == STORE_OK, now);
	return db_end(st, rc);
}

int
store_member_set_state(struct store *st, const uint8_t net[16],
    const uint8_t key[32], uint8_t from, uint8_t to, int64_t now)
{
	struct store_member	 m;
	int			 rc;

	if (from >= HUB_MSTATE_MAX || to >= HUB_MSTATE_MAX)
		return db_fail(st, STORE_ERR, "bad member state");
	if ((rc = db_begin(st)) != STORE_OK)
		return rc;
	if ((rc = member_read(st, net, key, &m)) != STORE_OK)
		return db_end(st, rc);
	if (m.state != from)
		rc = db_fail(st, STORE_NOTFOUND, "member is %s",
		    m.state == HUB_MSTATE_ACTIVE ? "active" :
		    m.state == HUB_MSTATE_PENDING ? "pending" : "banned");
	else if (from == to)
		rc = STORE_OK;
	else if (m.role == HUB_ROLE_OWNER)
		rc = db_fail(st, STORE_DENIED, "%s",
		    store_strerror(STORE_DENIED));
	else if (to == HUB_MSTATE_ACTIVE)
		rc = activate(st, net, key, 1, now);
	else {
		rc = db_run(st, Q_MEMBER_STATE, "nkdi", net, key, (int)to, now);
		/* An invite given before the ban must not undo it. */
		if (rc == STORE_OK && to == HUB_MSTATE_BANNED)
			rc = db_run(st, Q_INVITE_DEL, "nk", net, key);
	}
	return db_end(st, rc);
}

int
store_member_set_role(struct store *st, const uint8_t net[16],
    const uint8_t key[32], uint8_t role)
{
	struct store_member	 m;
	int			 rc;

	if (role == HUB_ROLE_OWNER)
		return db_fail(st, STORE_DENIED, "ownership moves only by "
		    "transfer");
	if (role >= HUB_ROLE_MAX)
		return db_fail(st, STORE_ERR, "bad role %u", role);
	if ((rc = db_begin(st)) != STORE_OK)
		return rc;
	if ((rc = member_read(st, net, key, &m)) != STORE_OK)
		return db_end(st, rc);
	if (m.state != HUB_MSTATE_ACTIVE)
		rc = db_fail(st, STORE_NOTFOUND, "not an active member");
	else if (m.role == HUB_ROLE_OWNER)
		rc = db_fail(st, STORE_DENIED, "%s",
		    store_strerror(STORE_DENIED));
	else
		rc = db_run(st, Q_MEMBER_ROLE, "nkd", net, key, (int)role);
	return db_end(st, rc);
}

int
store_member_remove(struct store *st, const uint8_t net[16],
    const uint8_t key[32])
{
	struct store_member	 m;
	int			 rc;

	if ((rc = db_begin(st)) != STORE_OK)
		return rc;
	if ((rc = member_read(st, net, key, &m)) != STORE_OK)
		return db_end(st, rc);
	if (m.role == HUB_ROLE_OWNER)
		rc = db_fail(st, STORE_DENIED, "%s",
		    store_strerror(STORE_DENIED));
	/* Removing the row would lift the ban: leaving is no way out. */
	else if (m.state == HUB_MSTATE_BANNED)
		rc = db_fail(st, STORE_BANNED, "banned from the network");
	else
		rc = db_run(st, Q_MEMBER_DEL, "nk", net, key);
	return db_end(st, rc);
}

int
store_net_transfer(struct store *st, const uint8_t net[16],
    const uint8_t new_owner[32])
{
	struct store_member	 m;
	int			 rc;

	if ((rc = db_begin(st)) != STORE_OK)
		return rc;
	if ((rc = store_net_exists(st, net)) != STORE_OK ||
	    (rc = member_read(st, net, new_owner, &m)) != STORE_OK)
		return db_end(st, rc);
	if (m.state != HUB_MSTATE_ACTIVE)
		return db_end(st, db_fail(st, STORE_NOTFOUND, "not an active "
		    "member"));
	if (m.role == HUB_ROLE_OWNER)
		return db_end(st, STORE_OK);
	/* Demote first: the index allows one owner at a time. */
	if ((rc = db_run(st, Q_MEMBER_DEMOTE_OWNER, "n", net)) == STORE_OK &&
	    (rc = db_run(st, Q_MEMBER_ROLE, "nkd", net, new_owner,
	    (int)HUB_ROLE_OWNER)) == STORE_OK)
		rc = db_run(st, Q_NET_OWNER, "nk", net, new_owner);
	return db_end(st, rc);
}

static int
member_each(struct store *st, struct db_stmt *s, void *cb, void *arg)
{
	int			(*fn)(void *, const struct store_member *) = cb;
	struct store_member	 m;

	if (member_row_at(st, s, 0, &m) != STORE_OK)
		return STORE_ERR;
	return fn(arg, &m) != 0;
}

int
store_member_foreach(struct store *st, const uint8_t net[16],
    int (*cb)(void *, const struct store_member *), void *arg)
{
	int	 rc;

	if ((rc = store_net_exists(st, net)) != STORE_OK)
		return rc;
	return db_each(st, Q_MEMBER_ALL, db_take(st, Q_MEMBER_ALL, "n", net),
	    member_each, (void *)cb, arg);
}

static int
netmember_each(struct store *st, struct db_stmt *s, void *cb, void *arg)
{
	int			(*fn)(void *, const struct store_net *,
				    const struct store_member *) = cb;
	struct store_net	 n;
	struct store_member	 m;

	if (store_net_row(st, s, 0, &n) != STORE_OK ||
	    member_row_at(st, s, STORE_NET_NCOLS, &m) != STORE_OK)
		return STORE_ERR;
	return fn(arg, &n, &m) != 0;
}

int
store_node_networks(struct store *st, const uint8_t key[32],
    int (*cb)(void *, const struct store_net *, const struct store_member *),
    void *arg)
{
	return db_each(st, Q_MEMBER_NETS, db_take(st, Q_MEMBER_NETS, "k", key),
	    netmember_each, (void *)cb, arg);
}

int
store_invite_get(struct store *st, const uint8_t net[16],
    const uint8_t key[32])
{
	int64_t	 one;

	return db_int(st, &one, Q_INVITE_GET, "nk", net, key);
}

int
store_invite_add(struct store *st, const uint8_t net[16],
    const uint8_t key[32], int64_t now)
{
	struct store_member	 m;
	int			 rc;

	if ((rc = db_begin(st)) != STORE_OK)
		return rc;
	if ((rc = store_net_exists(st, net)) != STORE_OK)
		return db_end(st, rc);
	rc = member_read(st, net, key, &m);
	if (rc == STORE_OK && m.state == HUB_MSTATE_ACTIVE)
		rc = db_fail(st, STORE_EXISTS, "already a member");
	else if (rc == STORE_OK || rc == STORE_NOTFOUND)
		rc = db_run(st, Q_INVITE_ADD, "nki", net, key, now);
	return db_end(st, rc);
}

/*
 * Peers.
 */

static int
peer_each(struct store *st, struct db_stmt *s, void *cb, void *arg)
{
	int		(*fn)(void *, const uint8_t *) = cb;
	uint8_t		 key[HUB_KEY_LEN];

	if (db_col_blob(st, s, 0, key, sizeof(key)) != STORE_OK)
		return STORE_ERR;
	return fn(arg, key) != 0;
}

int
store_peers_of(struct store *st, const uint8_t key[32],
    int (*cb)(void *, const uint8_t peer[32]), void *arg)
{
	return db_each(st, Q_PEERS, db_take(st, Q_PEERS, "k", key), peer_each,
	    (void *)cb, arg);
}

static int
peer_flags_each(struct store *st, struct db_stmt *s, void *cb, void *arg)
{
	int		(*fn)(void *, const uint8_t *, uint8_t) = cb;
	uint8_t		 key[HUB_KEY_LEN], flags = 0;

	if (db_col_blob(st, s, 0, key, sizeof(key)) != STORE_OK)
		return STORE_ERR;
	if (db_col_int(s, 1) != 0)
		flags |= HUB_NET_BROADCAST;
	if (db_col_int(s, 2) != 0)
		flags |= HUB_NET_ETHERNET;
	return fn(arg, key, flags) != 0;
}

int
store_peer_flags(struct store *st, const uint8_t key[32],
    int (*cb)(void *, const uint8_t peer[32], uint8_t flags), void *arg)
{
	return db_each(st, Q_PEER_FLAGS, db_take(st, Q_PEER_FLAGS, "k", key),
	    peer_flags_each, (void *)cb, arg);
}

int
store_are_peers(struct store *st, const uint8_t a[32], const uint8_t b[32])
{
	int64_t	 yes;
	int	 rc;

	if (memcmp(a, b, HUB_KEY_LEN) == 0)
		return 0;
	if ((rc = db_int(st, &yes, Q_ARE_PEERS, "kk", a, b)) != STORE_OK)
		return rc == STORE_NOTFOUND ? STORE_ERR : rc;
	return yes != 0;
}
