/*
 * Membership: what a logged-in node may do to networks, decided against
 * the store.  Each request is an operation in one table with the role it
 * needs in the network named (the caller's row decides, checked before
 * the operation runs), so no operation checks its caller itself.  Every
 * change is one store transaction; after it, presence tells the pairs
 * the changed row made or ended (presence.c), so an eviction reaches
 * every peer in the same event-loop turn, at a cost linear in them.
 *
 * Requests cost the asking key and its address a budget before any of
 * their work: one unit each, and one more for every 32 messages a
 * request made the hub send (a change in a large network, a long
 * listing), charged after it; with the budget spent, a request gets
 * EAGAIN at the price of a table lookup.
 *
 * Joining by password costs an Argon2id verification.  A wrong password,
 * an unknown network and a closed network give the same answer after
 * the same work (unknown networks are checked against a dummy hash), and
 * failures are rate-limited per node and per source address before any
 * hashing happens.  The authority is single-threaded, so at most one
 * verification runs at a time; a hub-wide budget per second bounds the
 * time a flood of joins can take from everything else.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "crypto/key.h"
#include "hub/budget.h"
#include "hub/cluster.h"
#include "hub/logrl.h"
#include "hub/membership.h"
#include "hub/presence.h"
#include "hub/routeops.h"
#include "hub/session.h"
#include "hub/store.h"
#include "privsep/log.h"
#include "privsep/proc.h"
#include "proto/hubproto.h"

#define JOIN_REFUSED	"wrong network name or password, or the network " \
			"does not take new members"

static struct logrl		 rl_hash = LOGRL_AUDIT("hash-ratelimited");
static struct logrl		 rl_hash_hub = LOGRL_AUDIT("hash-ratelimited");
static struct logrl		 rl_joinref = LOGRL_AUDIT("join-refused");
static struct logrl		 rl_req = LOGRL_AUDIT("request-ratelimited");
static struct logrl		 rl_db = LOGRL_LOG("database errors");
static char			 dummy_hash[crypto_pwhash_STRBYTES];

/*
 * May this session have a password hashed now?  Takes the tokens if so.
 * 0, or an errno value for the answer: EAGAIN (this node or address is
 * over its share), EBUSY (the hub is over its budget).
 */
static int
hash_take(struct session *s)
{
	switch (budget_hash(s->key, &s->remote, (int64_t)authority_ms())) {
	case BUDGET_OK:
		return 0;
	case BUDGET_HUB:
		return EBUSY;
	default:
		return EAGAIN;
	}
}

static int
password_hash(const char *pw, char out[STORE_PWHASH_MAX])
{
	if (crypto_pwhash_STRBYTES > STORE_PWHASH_MAX)
		return -1;
	return crypto_pwhash_str(out, pw, strlen(pw),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

/*
 * 1 if pw matches; a NULL hash still does the same work, and fails.  -1
 * when there is no memory for the work (Argon2id takes 64 MiB): the
 * caller answers busy, and nothing is refused for good.
 */
static int
password_check(const char *hash, const char *pw)
{
	if (dummy_hash[0] == '\0' &&
	    password_hash("hamd dummy password", dummy_hash) != 0) {
		dummy_hash[0] = '\0';
		return -1;
	}
	errno = 0;
	if (crypto_pwhash_str_verify(hash != NULL ? hash : dummy_hash, pw,
	    strlen(pw)) == 0)
		return hash != NULL;	/* guessed the dummy: still no network */
	return errno == ENOMEM ? -1 : 0;
}

/* ---- helpers ---------------------------------------------------------- */

static int
net_lookup(struct store *st, const char *ref, struct store_net *net)
{
	uint8_t	 id[HUB_NETID_LEN];

	if (hub_netid_parse(ref, id))
		return store_net_by_id(st, id, net);
	return store_net_by_name(st, ref, net);
}

static const char *
b64(const uint8_t *key, char buf[KEY_B64_LEN + 1])
{
	key_to_base64(buf, key);
	return buf;
}

static const char *
idhex(const uint8_t *id, char buf[33])
{
	hub_netid_format(id, buf);
	return buf;
}

void
membership_net_info(const struct store_net *net, const uint8_t *asker,
    struct hub_net_info *ni)
{
	struct store		*st = au.store;
	struct store_member	 m;

	memset(ni, 0, sizeof(*ni));
	memcpy(ni->netid, net->id, HUB_NETID_LEN);
	memcpy(ni->name, net->name, sizeof(ni->name));
	ni->type = net->type;
	ni->mode = net->mode;
	ni->limit = net->limit;
	ni->flags = (net->bcast ? HUB_NET_BROADCAST : 0) |
	    (net->eth ? HUB_NET_ETHERNET : 0);
	(void)store_net_counts(st, net->id, &ni->members, &ni->pending);
	ni->online = presence_online(net->id);
	ni->role = HUB_ROLE_MEMBER;
	ni->state = HUB_MSTATE_ACTIVE;
	if (asker != NULL &&
	    store_member_get(st, net->id, asker, &m) == STORE_OK) {
		ni->role = m.role;
		ni->state = m.state;
	}
}

/* ---- the operations --------------------------------------------------- */

struct op {
	struct store		*st;
	struct session		*s;
	struct hub_request	*req;
	struct store_net	 net;
	int			 found;	/* net is a network */
	struct store_member	 me;	/* the caller's row, if any */
	int			 have_me;
	char			 who[KEY_B64_LEN + 1];
	char			 id[33];
};

static void reply(struct op *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
reply(struct op *o, int code, const char *fmt, ...)
{
	char	 msg[HUB_TEXT_MAX];
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	session_respond(o->s, o->req->id, code, "%s", msg);
}

static void
reply_busy(struct op *o, int code)
{
	if (code == EAGAIN) {
		logrl_audit(&rl_hash, "node=%s op=%s", o->who,
		    hub_op_name(o->req->op));
		reply(o, EAGAIN, "%s", "too many password operations from "
		    "this node or address; wait a minute before trying again");
	} else {
		logrl_audit(&rl_hash_hub, "node=%s op=%s limit=hub", o->who,
		    hub_op_name(o->req->op));
		reply(o, EBUSY, "%s", "the hub is busy checking passwords; "
		    "try again in a few seconds");
	}
}

static int
is_admin(const struct op *o)
{
	return o->have_me && o->me.state == HUB_MSTATE_ACTIVE &&
	    (o->me.role == HUB_ROLE_ADMIN || o->me.role == HUB_ROLE_OWNER);
}

static int
is_owner(const struct op *o)
{
	return o->have_me && o->me.state == HUB_MSTATE_ACTIVE &&
	    o->me.role == HUB_ROLE_OWNER;
}

static int
store_failed(struct op *o, int rc)
{
	if (rc == STORE_OK)
		return 0;
	if (rc == STORE_ERR)
		authority_dberr(&rl_db, "%s %s", hub_op_name(o->req->op),
		    o->id);
	return 1;
}

static int
walk_net(void *arg, const struct store_net *net, const struct store_member *m)
{
	struct op		*o = arg;
	struct hub_net_info	 ni;

	membership_net_info(net, o->s->key, &ni);
	ni.id = o->req->id;
	session_send_net(o->s, &ni);
	return 0;
}

static int
walk_member(void *arg, const struct store_member *m)
{
	struct op		*o = arg;
	struct hub_member_info	 mi;
	struct store_node	 n;
	struct session		*on;

	/* Pending and banned rows are the administrators' business. */
	if (m->state != HUB_MSTATE_ACTIVE && !is_admin(o))
		return 0;
	if (o->req->op == HUB_OP_MEMBERS || m->state == HUB_MSTATE_PENDING) {
		memset(&mi, 0, sizeof(mi));
		mi.id = o->req->id;
		memcpy(mi.key, m->key, HUB_KEY_LEN);
		mi.role = m->role;
		mi.state = m->state;
		if (store_node_get(o->st, m->key, &n) == STORE_OK) {
			memcpy(mi.nick, n.nick, sizeof(mi.nick));
			memcpy(mi.v4, n.v4, 4);
			memcpy(mi.v6, n.v6, 16);
			mi.last_seen = n.last_seen;
		}
		if ((on = session_online(m->key)) != NULL) {
			mi.online = 1;
			mi.endpoint = on->endpoint;
		}
		session_send_member(o->s, &mi);
	}
	return 0;
}

/* The row of key in net now, into m: m, or NULL if it has none. */
static const struct store_member *
row_now(struct op *o, const uint8_t *netid, const uint8_t *key,
    struct store_member *m)
{
	return store_member_get(o->st, netid, key, m) == STORE_OK ? m : NULL;
}

static void
op_create(struct op *o)
{
	struct store_net	 net;
	struct store_member	 me;
	int			 rc;

	if (!hub_name_valid(o->req->net)) {
		reply(o, EINVAL, "\"%s\" is not a valid network name (1-63 "
		    "letters, digits, '.', '_' or '-')", o->req->net);
		return;
	}
	if (strlen(o->req->password) < 8) {
		reply(o, EINVAL, "%s", "the password must have at least 8 "
		    "characters");
		return;
	}
	/* Everything cheap first: a taken name costs no hashing. */
	if ((rc = store_net_by_name(o->st, o->req->net, NULL)) == STORE_OK) {
		reply(o, EEXIST, "a network named \"%s\" exists already",
		    o->req->net);
		return;
	}
	if (rc != STORE_NOTFOUND) {
		(void)store_failed(o, rc);
		reply(o, EIO, "%s", authority_dbtext());
		return;
	}
	if ((rc = hash_take(o->s)) != 0) {
		reply_busy(o, rc);
		return;
	}
	memset(&net, 0, sizeof(net));
	randombytes_buf(net.id, sizeof(net.id));
	(void)snprintf(net.name, sizeof(net.name), "%s", o->req->net);
	net.type = o->req->type;
	net.mode = o->req->mode;
	net.limit = o->req->limit;
	net.bcast = 1;		/* as on a LAN; the owner may turn it off */
	net.eth = (o->req->flags & HUB_NET_ETHERNET) != 0;
	memcpy(net.owner, o->s->key, HUB_KEY_LEN);
	net.created = authority_now();
	if (password_hash(o->req->password, net.pwhash) != 0) {
		reply(o, ENOMEM, "%s", "cannot hash the password");
		return;
	}
	rc = store_net_create(o->st, &net);
	sodium_memzero(net.pwhash, sizeof(net.pwhash));
	if (rc == STORE_EXISTS) {
		reply(o, EEXIST, "a network named \"%s\" exists already",
		    net.name);
		return;
	}
	if (store_failed(o, rc)) {
		reply(o, EIO, "%s", authority_dbtext());
		return;
	}
	idhex(net.id, o->id);
	audit("network-create", "net=%s name=\"%s\" owner=%s type=%s mode=%s "
	    "layer=%d", o->id, net.name, o->who, hub_type_name(net.type),
	    hub_mode_name(net.mode), net.eth ? 2 : 3);
	presence_member(&net, o->s->key, NULL, row_now(o, net.id, o->s->key,
	    &me));
	session_respond(o->s, o->req->id, 0, "created network %s (id %s)",
	    net.name, o->id);
}

static void
op_join(struct op *o)
{
	int64_t			 now = authority_now();
	struct store_member	 after;
	const struct store_member *before = o->have_me ? &o->me : NULL;
	int			 rc, ok, state, found = o->found;

	if (found && o->have_me && o->me.state == HUB_MSTATE_ACTIVE) {
		reply(o, EEXIST, "already a member of %s", o->net.name);
		return;
	}
	if (found && o->have_me && o->me.state == HUB_MSTATE_PENDING) {
		reply(o, EEXIST, "already asked to join %s; waiting for "
		    "approval", o->net.name);
		return;
	}
	/* An invitation is an approval made in advance: no password. */
	/* A read first: the write (and its lock) only for the invited. */
	if (found && store_invite_get(o->st, o->net.id, o->s->key) ==
	    STORE_OK) {
		rc = store_member_join_invited(o->st, o->net.id, o->s->key,
		    now);
		if (rc == STORE_OK) {
			audit("join", "net=%s node=%s via=invite", o->id,
			    o->who);
			presence_member(&o->net, o->s->key, before,
			    row_now(o, o->net.id, o->s->key, &after));
			reply(o, 0, "joined %s (invited)", o->net.name);
			return;
		}
		if (rc == STORE_FULL) {
			reply(o, ENOSPC, "%s is full", o->net.name);
			return;
		}
	}
	if ((rc = hash_take(o->s)) != 0) {
		reply_busy(o, rc);
		return;
	}
	ok = password_check(found ? o->net.pwhash : NULL, o->req->password);
	if (ok == -1) {
		reply(o, EBUSY, "%s", "the hub has no memory for password "
		    "checks now; try again later");
		return;
	}
	if (!ok || !found || o->net.mode == HUB_MODE_CLOSED) {
		logrl_audit(&rl_joinref, "node=%s net=%s", o->who,
		    found ? o->id : "unknown");
		reply(o, EACCES, "%s", JOIN_REFUSED);
		return;
	}
	state = o->net.mode == HUB_MODE_AUTO ? HUB_MSTATE_ACTIVE :
	    HUB_MSTATE_PENDING;
	rc = store_member_join(o->st, o->net.id, o->s->key, (uint8_t)state,
	    now);
	switch (rc) {
	case STORE_OK:
		audit("join", "net=%s node=%s state=%s", o->id, o->who,
		    hub_mstate_name(state));
		presence_member(&o->net, o->s->key, before,
		    row_now(o, o->net.id, o->s->key, &after));
		if (state == HUB_MSTATE_ACTIVE)
			reply(o, 0, "joined %s", o->net.name);
		else
			reply(o, 0, "asked to join %s; waiting for an "
			    "administrator's approval", o->net.name);
		return;
	case STORE_BANNED:
		reply(o, EPERM, "you were removed from %s; an administrator "
		    "must approve you again", o->net.name);
		break;
	case STORE_EXISTS:
		reply(o, EEXIST, "already asked to join %s; waiting for "
		    "approval", o->net.name);
		break;
	case STORE_FULL:
		reply(o, ENOSPC, "%s is full", o->net.name);
		break;
	default:
		(void)store_failed(o, rc);
		reply(o, EIO, "%s", authority_dbtext());
		break;
	}
}

#ifdef HAMD_TEST_HOOKS
/*
 * Test hook: HAMD_TEST_EVICT_PAUSE=before|after holds an eviction's
 * commit before or after it runs, for a test to kill the authority
 * there (tests/netns/hubcrash.sh).
 */
static void
test_evict_wait(int when)
{
	const char	*s = getenv("HAMD_TEST_EVICT_PAUSE");
	struct timespec	 ts = { 1, 0 };

	if (s == NULL || strcmp(s, when == STORE_TEST_BEFORE ? "before" :
	    "after") != 0)
		return;
	log_warnx("test hook: paused %s a commit", s);
	/* The line goes out now: this process serves nothing more. */
	proc_flush_all(au.ps);
	for (;;)
		(void)nanosleep(&ts, NULL);
}
#endif

/* Armed for the eviction's own transaction only. */
static void
test_evict_hook(int on)
{
#ifdef HAMD_TEST_HOOKS
	store_test_commit_hook(on ? test_evict_wait : NULL);
#else
	(void)on;
#endif
}

/* Operations on another member by an administrator. */
static void
op_on_member(struct op *o)
{
	struct store_member	 target, after;
	char			 tk[KEY_B64_LEN + 1];
	int			 had;
	int64_t			 now = authority_now();
	int			 rc = STORE_OK;
	const char		*event, *done;

	if (!o->req->has_key) {
		reply(o, EINVAL, "%s", "which node? give its public key");
		return;
	}
	b64(o->req->key, tk);
	memset(&target, 0, sizeof(target));
	rc = store_member_get(o->st, o->net.id, o->req->key, &target);
	had = rc == STORE_OK;
	if (o->req->op != HUB_OP_INVITE && rc == STORE_NOTFOUND) {
		reply(o, ENOENT, "that node is not a member of %s",
		    o->net.name);
		return;
	}
	/* An administrator acts on plain members only. */
	if (!is_owner(o) && rc == STORE_OK && target.role != HUB_ROLE_MEMBER &&
	    o->req->op != HUB_OP_INVITE) {
		reply(o, EPERM, "%s", "only the owner may act on "
		    "administrators");
		return;
	}
	switch (o->req->op) {
	case HUB_OP_APPROVE:
		event = "approve";
		done = "approved";
		rc = store_member_set_state(o->st, o->net.id, o->req->key,
		    target.state, HUB_MSTATE_ACTIVE, now);
		if (target.state == HUB_MSTATE_ACTIVE)
			rc = STORE_EXISTS;
		break;
	case HUB_OP_REJECT:
		event = "reject";
		done = "rejected";
		rc = target.state == HUB_MSTATE_PENDING ?
		    store_member_remove(o->st, o->net.id, o->req->key) :
		    STORE_NOTFOUND;
		break;
	case HUB_OP_EVICT:
		event = "evict";
		done = "evicted";
		test_evict_hook(1);
		rc = store_member_set_state(o->st, o->net.id, o->req->key,
		    target.state, HUB_MSTATE_BANNED, now);
		test_evict_hook(0);
		break;
	case HUB_OP_INVITE:
		event = "invite";
		done = "invited";
		rc = store_invite_add(o->st, o->net.id, o->req->key, now);
		break;
	case HUB_OP_PROMOTE:
		event = "promote";
		done = "promoted to administrator";
		rc = store_member_set_role(o->st, o->net.id, o->req->key,
		    HUB_ROLE_ADMIN);
		break;
	case HUB_OP_DEMOTE:
		event = "demote";
		done = "demoted to member";
		rc = store_member_set_role(o->st, o->net.id, o->req->key,
		    HUB_ROLE_MEMBER);
		break;
	default:	/* HUB_OP_TRANSFER */
		event = "transfer";
		done = "now owns the network";
		rc = store_net_transfer(o->st, o->net.id, o->req->key);
		break;
	}
	switch (rc) {
	case STORE_OK:
		audit(event, "net=%s node=%s by=%s", o->id, tk, o->who);
		presence_member(&o->net, o->req->key, had ? &target : NULL,
		    row_now(o, o->net.id, o->req->key, &after));
		/* A transfer changed the old owner's role too. */
		if (o->req->op == HUB_OP_TRANSFER)
			presence_member(&o->net, o->s->key, &o->me,
			    row_now(o, o->net.id, o->s->key, &after));
		session_respond(o->s, o->req->id, 0, "%s %s", tk, done);
		return;
	case STORE_NOTFOUND:
		reply(o, ENOENT, "nothing to do: that node is not in a state "
		    "where it can be %s", done);
		break;
	case STORE_EXISTS:
		reply(o, EEXIST, "nothing to do: that node is already %s",
		    done);
		break;
	case STORE_FULL:
		reply(o, ENOSPC, "%s is full", o->net.name);
		break;
	case STORE_DENIED:
		reply(o, EPERM, "%s", "not allowed on the network's owner");
		break;
	default:
		(void)store_failed(o, rc);
		reply(o, EIO, "%s", authority_dbtext());
		break;
	}
}

static void
op_settings(struct op *o)
{
	int		 rc;
	char		 what[64];

	switch (o->req->op) {
	case HUB_OP_SET_PASSWORD:
		if (strlen(o->req->password) < 8) {
			reply(o, EINVAL, "%s", "the password must have at "
			    "least 8 characters");
			return;
		}
		if ((rc = hash_take(o->s)) != 0) {
			reply_busy(o, rc);
			return;
		}
		if (password_hash(o->req->password, o->net.pwhash) != 0) {
			reply(o, ENOMEM, "%s", "cannot hash the password");
			return;
		}
		(void)snprintf(what, sizeof(what), "password");
		break;
	case HUB_OP_SET_MODE:
		o->net.mode = o->req->mode;
		(void)snprintf(what, sizeof(what), "mode=%s",
		    hub_mode_name(o->net.mode));
		break;
	case HUB_OP_SET_BROADCAST:
		/* ARP and neighbour discovery live on broadcast. */
		if (o->net.eth) {
			reply(o, EINVAL, "%s", "an Ethernet network always "
			    "carries broadcast");
			return;
		}
		o->net.bcast = (o->req->flags & HUB_NET_BROADCAST) != 0;
		(void)snprintf(what, sizeof(what), "broadcast=%s",
		    o->net.bcast ? "on" : "off");
		break;
	default:	/* HUB_OP_SET_LIMIT */
		o->net.limit = o->req->limit;
		(void)snprintf(what, sizeof(what), "limit=%u", o->net.limit);
		break;
	}
	rc = store_net_update(o->st, &o->net);
	sodium_memzero(o->net.pwhash, sizeof(o->net.pwhash));
	if (store_failed(o, rc)) {
		reply(o, EIO, "%s", authority_dbtext());
		return;
	}
	audit(o->req->op == HUB_OP_SET_PASSWORD ? "password-change" :
	    "network-change", "net=%s by=%s %s", o->id, o->who,
	    o->req->op == HUB_OP_SET_PASSWORD ? "" : what);
	if (o->req->op == HUB_OP_SET_BROADCAST)
		presence_net_lan(&o->net);
	reply(o, 0, "%s changed", o->req->op == HUB_OP_SET_PASSWORD ?
	    "password" : what);
}

static void
op_networks(struct op *o)
{
	if (store_node_networks(o->st, o->s->key, walk_net, o) != STORE_OK)
		reply(o, EIO, "%s", authority_dbtext());
	else
		reply(o, 0, "%s", "networks listed");
}

static void
op_nickname(struct op *o)
{
	if (!hub_nick_valid(o->req->nick))
		reply(o, EINVAL, "%s", "not a valid nickname");
	else if (store_node_set_nick(o->st, o->s->key, o->req->nick) !=
	    STORE_OK)
		reply(o, EIO, "%s", authority_dbtext());
	else {
		(void)snprintf(o->s->node.nick, sizeof(o->s->node.nick), "%s",
		    o->req->nick);
		presence_names(o->s, 0);
		cluster_names(o->s);
		reply(o, 0, "nickname set to \"%s\"", o->req->nick);
	}
}

static void
op_members(struct op *o)
{
	if (store_member_foreach(o->st, o->net.id, walk_member, o) !=
	    STORE_OK)
		reply(o, EIO, "%s", authority_dbtext());
	else
		reply(o, 0, "members of %s listed", o->net.name);
}

struct rows {
	struct store_member	*m;
	size_t			 n, cap;
	int			 failed;
};

static int
rows_add(void *arg, const struct store_member *m)
{
	struct rows	*r = arg;
	void		*n;
	size_t		 cap;

	if (r->n == r->cap) {
		cap = r->cap ? r->cap * 2 : 64;
		if ((n = reallocarray(r->m, cap, sizeof(*r->m))) == NULL) {
			r->failed = 1;
			return 1;
		}
		r->m = n;
		r->cap = cap;
	}
	r->m[r->n++] = *m;
	return 0;
}

static void
op_delete(struct op *o)
{
	struct rows	 rows;

	/* Its members, to tell the pairs that end with it. */
	memset(&rows, 0, sizeof(rows));
	if (store_member_foreach(o->st, o->net.id, rows_add, &rows) !=
	    STORE_OK || rows.failed) {
		free(rows.m);
		reply(o, rows.failed ? ENOMEM : EIO, "%s", rows.failed ?
		    "the hub is out of memory; try again later" :
		    authority_dbtext());
		return;
	}
	if (store_failed(o, store_net_delete(o->st, o->net.id))) {
		free(rows.m);
		reply(o, EIO, "%s", authority_dbtext());
		return;
	}
	audit("network-delete", "net=%s name=\"%s\" by=%s", o->id,
	    o->net.name, o->who);
	presence_net_deleted(&o->net, rows.m, rows.n);
	free(rows.m);
	reply(o, 0, "deleted %s", o->net.name);
}

/* Leave a network, or withdraw a request to join it. */
static void
op_leave(struct op *o)
{
	int		 rc;

	if (o->me.state == HUB_MSTATE_PENDING) {
		if (store_failed(o, store_member_remove(o->st, o->net.id,
		    o->s->key)))
			reply(o, EIO, "%s", authority_dbtext());
		else {
			audit("leave", "net=%s node=%s state=pending", o->id,
			    o->who);
			reply(o, 0, "withdrew the request to join %s",
			    o->net.name);
		}
		return;
	}
	rc = store_member_remove(o->st, o->net.id, o->s->key);
	if (rc == STORE_DENIED) {
		reply(o, EPERM, "%s", "the owner cannot leave: transfer "
		    "ownership or delete the network");
		return;
	}
	if (store_failed(o, rc)) {
		reply(o, EIO, "%s", authority_dbtext());
		return;
	}
	audit("leave", "net=%s node=%s", o->id, o->who);
	presence_member(&o->net, o->s->key, &o->me, NULL);
	reply(o, 0, "left %s", o->net.name);
}

/* ---- who may do what -------------------------------------------------- */

/*
 * What a request needs, in rising order.  From NEEDS_APPLICANT on, a
 * caller without that row in the network learns no more than it would
 * of a network that does not exist.
 */
/* Subnet routes and member names: routeops.c's. */
static void
op_route(struct op *o)
{
	routeops_request(o->s, o->req, o->found ? &o->net : NULL,
	    o->have_me ? &o->me : NULL);
}

enum op_needs {
	NEEDS_NODE = 0,		/* a logged-in node; no network named */
	NEEDS_ANYONE,		/* a network name, which may not exist */
	NEEDS_APPLICANT,		/* a row, active or pending */
	NEEDS_MEMBER,		/* an active member */
	NEEDS_ADMIN,		/* an active administrator, or the owner */
	NEEDS_OWNER,		/* the active owner */
};

#define DENIED_ADMIN	"only the owner or an administrator of the " \
			"network may do that"
#define DENIED_OWNER	"only the owner of the network may do that"

static const struct op_rule {
	enum op_needs	 need;
	void		(*fn)(struct op *);
	const char	*denied;	/* the answer to a lesser role */
} op_rules[HUB_OP_MAX] = {
	[HUB_OP_NETWORKS] = { .need = NEEDS_NODE, .fn = op_networks },
	[HUB_OP_CREATE] = { .need = NEEDS_NODE, .fn = op_create },
	[HUB_OP_NICKNAME] = { .need = NEEDS_NODE, .fn = op_nickname },
	[HUB_OP_JOIN] = { .need = NEEDS_ANYONE, .fn = op_join },
	[HUB_OP_LEAVE] = { .need = NEEDS_APPLICANT, .fn = op_leave },
	[HUB_OP_MEMBERS] = { .need = NEEDS_MEMBER, .fn = op_members },
	[HUB_OP_APPROVE] = { .need = NEEDS_ADMIN, .fn = op_on_member,
	    .denied = DENIED_ADMIN },
	[HUB_OP_REJECT] = { .need = NEEDS_ADMIN, .fn = op_on_member,
	    .denied = DENIED_ADMIN },
	[HUB_OP_EVICT] = { .need = NEEDS_ADMIN, .fn = op_on_member,
	    .denied = DENIED_ADMIN },
	[HUB_OP_INVITE] = { .need = NEEDS_ADMIN, .fn = op_on_member,
	    .denied = DENIED_ADMIN },
	[HUB_OP_SET_MODE] = { .need = NEEDS_ADMIN, .fn = op_settings,
	    .denied = "only the owner or an administrator may change that" },
	[HUB_OP_SET_LIMIT] = { .need = NEEDS_ADMIN, .fn = op_settings,
	    .denied = "only the owner or an administrator may change that" },
	[HUB_OP_PROMOTE] = { .need = NEEDS_OWNER, .fn = op_on_member,
	    .denied = DENIED_OWNER },
	[HUB_OP_DEMOTE] = { .need = NEEDS_OWNER, .fn = op_on_member,
	    .denied = DENIED_OWNER },
	[HUB_OP_TRANSFER] = { .need = NEEDS_OWNER, .fn = op_on_member,
	    .denied = DENIED_OWNER },
	[HUB_OP_SET_PASSWORD] = { .need = NEEDS_OWNER, .fn = op_settings,
	    .denied = "only the owner may change that" },
	[HUB_OP_SET_BROADCAST] = { .need = NEEDS_OWNER, .fn = op_settings,
	    .denied = "only the owner may change that" },
	[HUB_OP_DELETE] = { .need = NEEDS_OWNER, .fn = op_delete,
	    .denied = "only the owner may delete a network" },
	[HUB_OP_ADVERTISE] = { .need = NEEDS_NODE, .fn = op_route },
	[HUB_OP_WITHDRAW] = { .need = NEEDS_NODE, .fn = op_route },
	[HUB_OP_ROUTES] = { .need = NEEDS_NODE, .fn = op_route },
	[HUB_OP_ROUTE_APPROVE] = { .need = NEEDS_ADMIN, .fn = op_route,
	    .denied = DENIED_ADMIN },
	[HUB_OP_ROUTE_REVOKE] = { .need = NEEDS_ADMIN, .fn = op_route,
	    .denied = DENIED_ADMIN },
	[HUB_OP_NAMES] = { .need = NEEDS_NODE, .fn = op_route },
};

/* Whether the caller's row in the network meets need. */
static int
role_ok(const struct op *o, enum op_needs need)
{
	switch (need) {
	case NEEDS_NODE:
	case NEEDS_ANYONE:
		return 1;
	case NEEDS_APPLICANT:
		return o->have_me && (o->me.state == HUB_MSTATE_ACTIVE ||
		    o->me.state == HUB_MSTATE_PENDING);
	case NEEDS_MEMBER:
		return o->have_me && o->me.state == HUB_MSTATE_ACTIVE;
	case NEEDS_ADMIN:
		return is_admin(o);
	default:
		return is_owner(o);
	}
}

void
membership_request(struct session *s, struct hub_request *req)
{
	const struct op_rule	*r = NULL;
	struct op		 o;
	uint64_t		 sent = au.sent;
	int			 rc;

	memset(&o, 0, sizeof(o));
	o.st = au.store;
	o.s = s;
	o.req = req;
	b64(s->key, o.who);
	/* Before anything else, even reading the network. */
	if (budget_request(s->key, &s->remote, (int64_t)authority_ms()) !=
	    BUDGET_OK) {
		logrl_audit(&rl_req, "node=%s op=%s", o.who,
		    hub_op_name(req->op));
		reply(&o, EAGAIN, "%s", "too many requests from this node or "
		    "address; wait a few seconds before trying again");
		sodium_memzero(req->password, sizeof(req->password));
		return;
	}
	if (req->op < HUB_OP_MAX)
		r = &op_rules[req->op];
	if (r == NULL || r->fn == NULL) {
		reply(&o, EINVAL, "%s", "unknown request");
		goto out;
	}
	if (r->need != NEEDS_NODE) {
		rc = net_lookup(o.st, req->net, &o.net);
		if (rc != STORE_OK && rc != STORE_NOTFOUND) {
			(void)store_failed(&o, rc);
			reply(&o, EIO, "%s", authority_dbtext());
			goto out;
		}
		if ((o.found = rc == STORE_OK)) {
			idhex(o.net.id, o.id);
			o.have_me = store_member_get(o.st, o.net.id, s->key,
			    &o.me) == STORE_OK;
		}
	}
	if (r->need >= NEEDS_APPLICANT && (!o.found || !role_ok(&o,
	    r->need == NEEDS_APPLICANT ? NEEDS_APPLICANT : NEEDS_MEMBER))) {
		reply(&o, ENOENT, "you are not a member of a network \"%s\"",
		    req->net);
		goto out;
	}
	if (!role_ok(&o, r->need)) {
		reply(&o, EPERM, "%s", r->denied);
		goto out;
	}
	r->fn(&o);
out:
	budget_request_charge(s->key, &s->remote, au.sent - sent);
	sodium_memzero(req->password, sizeof(req->password));
	sodium_memzero(&o.net, sizeof(o.net));
}
