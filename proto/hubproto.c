/*
 * The node-to-hub message codec and the checks of network names, ids
 * and nicknames it shares with the handlers; see hubproto.h
 * and PROTOCOL.md ("Node to hub") for the layouts.
 *
 * Every message has one validity function used by both directions, so
 * that the encoder can never produce what the decoder refuses, and a
 * successful decode always re-encodes to the same bytes (the fuzz
 * target checks that).  The wire is written field by field through a
 * small cursor instead of copying structs, so padding, host byte order
 * and bytes after a string's NUL never leave the process.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "compat/bytes.h"
#include "proto/hubproto.h"

#define HUB_LIMIT_MAX	65535

/* ------------------------------------------------------------------ */
/* cursors */

/*
 * A failed write or read only sets err; the later calls see it and do
 * nothing, so the codecs read straight through and test once at the end.
 */
struct wcur {
	uint8_t		*p;
	size_t		 cap;
	size_t		 len;
	int		 err;
};

struct rcur {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
	int		 err;
};

static void
put_bytes(struct wcur *w, const void *b, size_t n)
{
	if (w->err || n > w->cap - w->len) {
		w->err = 1;
		return;
	}
	if (n > 0)
		memcpy(w->p + w->len, b, n);
	w->len += n;
}

static void
put8(struct wcur *w, uint8_t v)
{
	put_bytes(w, &v, 1);
}

static void
put16(struct wcur *w, uint16_t v)
{
	uint8_t	b[2];

	put_be16(b, v);
	put_bytes(w, b, sizeof(b));
}

static void
put32(struct wcur *w, uint32_t v)
{
	uint8_t	b[4];

	put_be32(b, v);
	put_bytes(w, b, sizeof(b));
}

static void
put64(struct wcur *w, uint64_t v)
{
	uint8_t	b[8];

	put_be64(b, v);
	put_bytes(w, b, sizeof(b));
}

/*
 * A string is its length byte and its bytes.  The NUL must lie inside
 * the array: a string that fills it would be cut or read past the end
 * on the other side.
 */
static void
put_str(struct wcur *w, const char *s, size_t size)
{
	size_t	n;

	if ((n = strnlen(s, size)) >= size || n > UINT8_MAX) {
		w->err = 1;
		return;
	}
	put8(w, (uint8_t)n);
	put_bytes(w, s, n);
}

static int
addr_len(uint8_t af)
{
	switch (af) {
	case 0:
		return 0;
	case AF_INET:
		return 4;
	case AF_INET6:
		return 16;
	default:
		return -1;
	}
}

/* The port is already in network order in the struct: copy it as is. */
static void
put_addr(struct wcur *w, const struct pkt_addr *a)
{
	int	n;

	/* "No address" with a port would not survive the round trip. */
	if ((n = addr_len(a->af)) < 0 || (a->af == 0 && a->port != 0)) {
		w->err = 1;
		return;
	}
	put8(w, a->af);
	put_bytes(w, &a->port, sizeof(a->port));
	put_bytes(w, a->addr, (size_t)n);
}

static void
get_bytes(struct rcur *r, void *b, size_t n)
{
	if (r->err || n > r->len - r->off) {
		r->err = 1;
		return;
	}
	if (n > 0)
		memcpy(b, r->p + r->off, n);
	r->off += n;
}

static uint8_t
get8(struct rcur *r)
{
	uint8_t	v = 0;

	get_bytes(r, &v, 1);
	return v;
}

static uint16_t
get16(struct rcur *r)
{
	uint8_t	b[2] = { 0, 0 };

	get_bytes(r, b, sizeof(b));
	return get_be16(b);
}

static uint32_t
get32(struct rcur *r)
{
	uint8_t	b[4] = { 0, 0, 0, 0 };

	get_bytes(r, b, sizeof(b));
	return get_be32(b);
}

static uint64_t
get64(struct rcur *r)
{
	uint8_t	b[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };

	get_bytes(r, b, sizeof(b));
	return get_be64(b);
}

/* dst has size bytes and is already zeroed: the NUL comes with it. */
static void
get_str(struct rcur *r, char *dst, size_t size)
{
	size_t	n;

	n = get8(r);
	if (r->err || n >= size || n > r->len - r->off ||
	    memchr(r->p + r->off, '\0', n) != NULL) {
		r->err = 1;
		return;
	}
	get_bytes(r, dst, n);
}

static void
get_addr(struct rcur *r, struct pkt_addr *a)
{
	int	n;

	a->af = get8(r);
	get_bytes(r, &a->port, sizeof(a->port));
	if (r->err || (n = addr_len(a->af)) < 0 ||
	    (a->af == 0 && a->port != 0)) {
		r->err = 1;
		return;
	}
	get_bytes(r, a->addr, (size_t)n);
}

/* A route prefix: family (2 or 10), length, 4 or 16 address bytes. */
static void
put_prefix(struct wcur *w, const struct ip_prefix *p)
{
	if (!hub_route_ok(p)) {
		w->err = 1;
		return;
	}
	put8(w, (uint8_t)p->af);
	put8(w, p->plen);
	put_bytes(w, &p->addr, p->af == AF_INET ? 4 : 16);
}

static void
get_prefix(struct rcur *r, struct ip_prefix *p)
{
	int	n;

	memset(p, 0, sizeof(*p));
	p->af = get8(r);
	p->plen = get8(r);
	if (r->err || (n = addr_len((uint8_t)p->af)) <= 0) {
		r->err = 1;
		return;
	}
	get_bytes(r, &p->addr, (size_t)n);
	if (!r->err && !hub_route_ok(p))
		r->err = 1;
}

static void
put_routes(struct wcur *w, const struct hub_peer_routes *m)
{
	size_t	i;

	if (m->n > HUB_ROUTES_MAX) {
		w->err = 1;
		return;
	}
	put_bytes(w, m->key, HUB_KEY_LEN);
	put8(w, m->n);
	for (i = 0; i < m->n; i++)
		put_prefix(w, &m->p[i]);
}

static void
get_routes(struct rcur *r, struct hub_peer_routes *m)
{
	size_t	i;

	get_bytes(r, m->key, HUB_KEY_LEN);
	m->n = get8(r);
	if (m->n > HUB_ROUTES_MAX) {
		r->err = 1;
		return;
	}
	for (i = 0; i < m->n && !r->err; i++)
		get_prefix(r, &m->p[i]);
}

/* ------------------------------------------------------------------ */
/* field rules shared by encoder and decoder */

/*
 * A candidate is somewhere to send UDP: "no address" or port 0 would
 * only make the receiver send to nowhere.
 */
static int
cand_valid(const struct hub_candidate *c)
{
	return c->kind >= HUB_CAND_LAN && c->kind < HUB_CAND_MAX_KIND &&
	    (c->addr.af == AF_INET || c->addr.af == AF_INET6) &&
	    c->addr.port != 0;
}

static int
cands_valid(const struct hub_candidates *m)
{
	size_t	i;

	if (m->nat >= NAT_KIND_MAX || m->n > HUB_CAND_MAX)
		return 0;
	for (i = 0; i < m->n; i++)
		if (!cand_valid(&m->c[i]))
			return 0;
	return 1;
}

/* Relay id 0 means "none" in every process: it never names a session. */
static int
relay_info_valid(const struct hub_relay_info *m)
{
	return m->relay_id != 0;
}

static int
peer_relay_valid(const struct hub_peer_relay *m)
{
	return m->relay_id != 0 && m->guest_id != 0 &&
	    (m->hub.af == AF_INET || m->hub.af == AF_INET6) &&
	    m->hub.port != 0;
}

static void
put_cands(struct wcur *w, const struct hub_candidates *m)
{
	size_t	i;

	if (!cands_valid(m)) {
		w->err = 1;
		return;
	}
	put8(w, m->nat);
	put8(w, m->n);
	for (i = 0; i < m->n; i++) {
		put8(w, m->c[i].kind);
		put_addr(w, &m->c[i].addr);
	}
}

/* The caller tests cands_valid afterwards: n is checked before the
 * loop so that it never writes past the array. */
static void
get_cands(struct rcur *r, struct hub_candidates *m)
{
	size_t	i;

	m->nat = get8(r);
	m->n = get8(r);
	if (r->err || m->n > HUB_CAND_MAX) {
		r->err = 1;
		return;
	}
	for (i = 0; i < m->n && !r->err; i++) {
		m->c[i].kind = get8(r);
		get_addr(r, &m->c[i].addr);
	}
}

static int
login_ok_valid(const struct hub_login_ok *m)
{
	return m->v4_plen <= 32 && m->v6_plen <= 128;
}

static int
refused_valid(const struct hub_login_refused *m)
{
	return m->reason >= HUB_REFUSED_BLOCKED &&
	    m->reason < HUB_REFUSED_MAX;
}

static int
request_valid(const struct hub_request *m)
{
	return m->op >= HUB_OP_NETWORKS && m->op < HUB_OP_MAX &&
	    m->has_key <= 1 && m->type < HUB_TYPE_MAX &&
	    m->mode < HUB_MODE_MAX && m->limit <= HUB_LIMIT_MAX &&
	    (m->flags & ~HUB_NET_FLAGS) == 0;
}

static int
net_valid(const struct hub_net_info *m)
{
	return m->type < HUB_TYPE_MAX && m->mode < HUB_MODE_MAX &&
	    m->role < HUB_ROLE_MAX && m->state < HUB_MSTATE_MAX &&
	    (m->flags & ~HUB_NET_FLAGS) == 0;
}

static int
peer_valid(const struct hub_peer *m)
{
	return (m->flags & ~HUB_NET_FLAGS) == 0;
}

static int
member_valid(const struct hub_member_info *m)
{
	return m->role < HUB_ROLE_MAX && m->state < HUB_MSTATE_MAX &&
	    m->online <= 1;
}

/* ------------------------------------------------------------------ */
/* the codec */

size_t
hub_msg_encode(const struct hub_msg *m, uint8_t *out, size_t cap)
{
	struct wcur	w;
	size_t		i;

	memset(&w, 0, sizeof(w));
	w.p = out;
	w.cap = cap;
	put8(&w, m->type);
	switch (m->type) {
	case HUB_MSG_LOGIN:
		put16(&w, m->u.login.version);
		put16(&w, m->u.login.udp_port);
		put_str(&w, m->u.login.nick, sizeof(m->u.login.nick));
		break;
	case HUB_MSG_REQUEST:
		if (!request_valid(&m->u.req)) {
			w.err = 1;
			break;
		}
		put32(&w, m->u.req.id);
		put8(&w, m->u.req.op);
		put8(&w, m->u.req.has_key);
		put8(&w, m->u.req.type);
		put8(&w, m->u.req.mode);
		put32(&w, m->u.req.limit);
		put8(&w, m->u.req.flags);
		if (m->u.req.has_key)
			put_bytes(&w, m->u.req.key, HUB_KEY_LEN);
		put_str(&w, m->u.req.net, sizeof(m->u.req.net));
		put_str(&w, m->u.req.password, sizeof(m->u.req.password));
		put_str(&w, m->u.req.nick, sizeof(m->u.req.nick));
		if (hub_op_has_prefix(m->u.req.op))
			put_prefix(&w, &m->u.req.prefix);
		break;
	case HUB_MSG_LOGOUT:
		break;
	case HUB_MSG_CANDIDATES:
		put_cands(&w, &m->u.cands);
		break;
	case HUB_MSG_PING:
	case HUB_MSG_PONG:
		put64(&w, m->u.ping);
		break;
	case HUB_MSG_LOGIN_OK:
		if (!login_ok_valid(&m->u.login_ok)) {
			w.err = 1;
			break;
		}
		put_bytes(&w, m->u.login_ok.v4, 4);
		put8(&w, m->u.login_ok.v4_plen);
		put_bytes(&w, m->u.login_ok.v6, 16);
		put8(&w, m->u.login_ok.v6_plen);
		put_addr(&w, &m->u.login_ok.observed);
		break;
	case HUB_MSG_LOGIN_REFUSED:
		if (!refused_valid(&m->u.refused)) {
			w.err = 1;
			break;
		}
		put8(&w, m->u.refused.reason);
		put_str(&w, m->u.refused.msg, sizeof(m->u.refused.msg));
		break;
	case HUB_MSG_PEER_UP:
		if (!peer_valid(&m->u.peer)) {
			w.err = 1;
			break;
		}
		put_bytes(&w, m->u.peer.key, HUB_KEY_LEN);
		put_bytes(&w, m->u.peer.v4, 4);
		put_bytes(&w, m->u.peer.v6, 16);
		put_addr(&w, &m->u.peer.endpoint);
		put_str(&w, m->u.peer.nick, sizeof(m->u.peer.nick));
		put8(&w, m->u.peer.flags);
		break;
	case HUB_MSG_PEER_DOWN:
	case HUB_MSG_PEER_CHECK:
		put_bytes(&w, m->u.peer.key, HUB_KEY_LEN);
		break;
	case HUB_MSG_RESPONSE:
		put32(&w, m->u.resp.id);
		put32(&w, (uint32_t)m->u.resp.code);
		put_str(&w, m->u.resp.msg, sizeof(m->u.resp.msg));
		break;
	case HUB_MSG_NET_ENTRY:
		if (!net_valid(&m->u.net)) {
			w.err = 1;
			break;
		}
		put32(&w, m->u.net.id);
		put_bytes(&w, m->u.net.netid, HUB_NETID_LEN);
		put_str(&w, m->u.net.name, sizeof(m->u.net.name));
		put8(&w, m->u.net.type);
		put8(&w, m->u.net.mode);
		put8(&w, m->u.net.role);
		put8(&w, m->u.net.state);
		put8(&w, m->u.net.flags);
		put32(&w, m->u.net.members);
		put32(&w, m->u.net.pending);
		put32(&w, m->u.net.limit);
		put32(&w, m->u.net.online);
		break;
	case HUB_MSG_MEMBER_ENTRY:
		if (!member_valid(&m->u.member)) {
			w.err = 1;
			break;
		}
		put32(&w, m->u.member.id);
		put_bytes(&w, m->u.member.key, HUB_KEY_LEN);
		put_str(&w, m->u.member.nick, sizeof(m->u.member.nick));
		put_bytes(&w, m->u.member.v4, 4);
		put_bytes(&w, m->u.member.v6, 16);
		put8(&w, m->u.member.role);
		put8(&w, m->u.member.state);
		put8(&w, m->u.member.online);
		put_addr(&w, &m->u.member.endpoint);
		put64(&w, (uint64_t)m->u.member.last_seen);
		break;
	case HUB_MSG_RELAY_INFO:
		if (!relay_info_valid(&m->u.relay)) {
			w.err = 1;
			break;
		}
		put32(&w, m->u.relay.relay_id);
		put_bytes(&w, m->u.relay.token, HUB_RELAY_TOKEN_LEN);
		break;
	case HUB_MSG_PEER_PATHS:
		/* Relay id 0 is allowed here: "the peer cannot be relayed". */
		put_bytes(&w, m->u.paths.key, HUB_KEY_LEN);
		put32(&w, m->u.paths.relay_id);
		put_cands(&w, &m->u.paths.cands);
		break;
	case HUB_MSG_PEER_ROUTES:
		put_routes(&w, &m->u.routes);
		break;
	case HUB_MSG_PEER_RELAY:
		if (!peer_relay_valid(&m->u.prelay)) {
			w.err = 1;
			break;
		}
		put_bytes(&w, m->u.prelay.key, HUB_KEY_LEN);
		put32(&w, m->u.prelay.relay_id);
		put_addr(&w, &m->u.prelay.hub);
		put32(&w, m->u.prelay.guest_id);
		put_bytes(&w, m->u.prelay.token, HUB_RELAY_TOKEN_LEN);
		break;
	case HUB_MSG_PEER_NAMES:
		if (m->u.names.n > HUB_NAMES_MAX) {
			w.err = 1;
			break;
		}
		put_bytes(&w, m->u.names.key, HUB_KEY_LEN);
		put_str(&w, m->u.names.nick, sizeof(m->u.names.nick));
		put8(&w, m->u.names.n);
		for (i = 0; i < m->u.names.n; i++) {
			if (!hub_name_valid(m->u.names.nets[i]))
				w.err = 1;
			put_str(&w, m->u.names.nets[i],
			    sizeof(m->u.names.nets[i]));
		}
		break;
	case HUB_MSG_ROUTE_ENTRY:
		if (m->u.route.approved > 1) {
			w.err = 1;
			break;
		}
		put32(&w, m->u.route.id);
		put_bytes(&w, m->u.route.netid, HUB_NETID_LEN);
		put_bytes(&w, m->u.route.key, HUB_KEY_LEN);
		put_prefix(&w, &m->u.route.prefix);
		put8(&w, m->u.route.approved);
		put_str(&w, m->u.route.nick, sizeof(m->u.route.nick));
		break;
	default:
		w.err = 1;
		break;
	}
	if (w.err) {
		/* A request may have left part of its password behind. */
		if (out != NULL && w.len > 0)
			sodium_memzero(out, w.len);
		return 0;
	}
	return w.len;
}

size_t
hub_addr_encode(const struct pkt_addr *a, uint8_t out[HUB_ADDR_MAX])
{
	struct wcur	w;

	memset(&w, 0, sizeof(w));
	w.p = out;
	w.cap = HUB_ADDR_MAX;
	put_addr(&w, a);
	return w.err ? 0 : w.len;
}

int
hub_addr_decode(struct pkt_addr *a, const uint8_t *in, size_t len)
{
	struct rcur	r;

	memset(a, 0, sizeof(*a));
	memset(&r, 0, sizeof(r));
	r.p = in;
	r.len = len;
	get_addr(&r, a);
	if (r.err || r.off != len) {
		memset(a, 0, sizeof(*a));
		return -1;
	}
	return 0;
}

int
hub_msg_decode(struct hub_msg *m, const uint8_t *in, size_t len)
{
	struct rcur	r;
	size_t		i;
	int		ok = 1;

	memset(m, 0, sizeof(*m));
	memset(&r, 0, sizeof(r));
	r.p = in;
	r.len = len;
	m->type = get8(&r);
	switch (r.err ? 0 : m->type) {
	case HUB_MSG_LOGIN:
		m->u.login.version = get16(&r);
		m->u.login.udp_port = get16(&r);
		get_str(&r, m->u.login.nick, sizeof(m->u.login.nick));
		break;
	case HUB_MSG_REQUEST:
		m->u.req.id = get32(&r);
		m->u.req.op = get8(&r);
		m->u.req.has_key = get8(&r);
		m->u.req.type = get8(&r);
		m->u.req.mode = get8(&r);
		m->u.req.limit = get32(&r);
		m->u.req.flags = get8(&r);
		if (!r.err && !(ok = request_valid(&m->u.req)))
			break;
		if (m->u.req.has_key)
			get_bytes(&r, m->u.req.key, HUB_KEY_LEN);
		get_str(&r, m->u.req.net, sizeof(m->u.req.net));
		get_str(&r, m->u.req.password, sizeof(m->u.req.password));
		get_str(&r, m->u.req.nick, sizeof(m->u.req.nick));
		if (hub_op_has_prefix(m->u.req.op))
			get_prefix(&r, &m->u.req.prefix);
		break;
	case HUB_MSG_LOGOUT:
		break;
	case HUB_MSG_CANDIDATES:
		get_cands(&r, &m->u.cands);
		ok = cands_valid(&m->u.cands);
		break;
	case HUB_MSG_PING:
	case HUB_MSG_PONG:
		m->u.ping = get64(&r);
		break;
	case HUB_MSG_LOGIN_OK:
		get_bytes(&r, m->u.login_ok.v4, 4);
		m->u.login_ok.v4_plen = get8(&r);
		get_bytes(&r, m->u.login_ok.v6, 16);
		m->u.login_ok.v6_plen = get8(&r);
		get_addr(&r, &m->u.login_ok.observed);
		ok = login_ok_valid(&m->u.login_ok);
		break;
	case HUB_MSG_LOGIN_REFUSED:
		m->u.refused.reason = get8(&r);
		get_str(&r, m->u.refused.msg, sizeof(m->u.refused.msg));
		ok = refused_valid(&m->u.refused);
		break;
	case HUB_MSG_PEER_UP:
		get_bytes(&r, m->u.peer.key, HUB_KEY_LEN);
		get_bytes(&r, m->u.peer.v4, 4);
		get_bytes(&r, m->u.peer.v6, 16);
		get_addr(&r, &m->u.peer.endpoint);
		get_str(&r, m->u.peer.nick, sizeof(m->u.peer.nick));
		m->u.peer.flags = get8(&r);
		ok = peer_valid(&m->u.peer);
		break;
	case HUB_MSG_PEER_DOWN:
	case HUB_MSG_PEER_CHECK:
		get_bytes(&r, m->u.peer.key, HUB_KEY_LEN);
		break;
	case HUB_MSG_RESPONSE:
		m->u.resp.id = get32(&r);
		m->u.resp.code = (int32_t)get32(&r);
		get_str(&r, m->u.resp.msg, sizeof(m->u.resp.msg));
		break;
	case HUB_MSG_NET_ENTRY:
		m->u.net.id = get32(&r);
		get_bytes(&r, m->u.net.netid, HUB_NETID_LEN);
		get_str(&r, m->u.net.name, sizeof(m->u.net.name));
		m->u.net.type = get8(&r);
		m->u.net.mode = get8(&r);
		m->u.net.role = get8(&r);
		m->u.net.state = get8(&r);
		m->u.net.flags = get8(&r);
		m->u.net.members = get32(&r);
		m->u.net.pending = get32(&r);
		m->u.net.limit = get32(&r);
		m->u.net.online = get32(&r);
		ok = net_valid(&m->u.net);
		break;
	case HUB_MSG_MEMBER_ENTRY:
		m->u.member.id = get32(&r);
		get_bytes(&r, m->u.member.key, HUB_KEY_LEN);
		get_str(&r, m->u.member.nick, sizeof(m->u.member.nick));
		get_bytes(&r, m->u.member.v4, 4);
		get_bytes(&r, m->u.member.v6, 16);
		m->u.member.role = get8(&r);
		m->u.member.state = get8(&r);
		m->u.member.online = get8(&r);
		get_addr(&r, &m->u.member.endpoint);
		m->u.member.last_seen = (int64_t)get64(&r);
		ok = member_valid(&m->u.member);
		break;
	case HUB_MSG_RELAY_INFO:
		m->u.relay.relay_id = get32(&r);
		get_bytes(&r, m->u.relay.token, HUB_RELAY_TOKEN_LEN);
		ok = relay_info_valid(&m->u.relay);
		break;
	case HUB_MSG_PEER_PATHS:
		get_bytes(&r, m->u.paths.key, HUB_KEY_LEN);
		m->u.paths.relay_id = get32(&r);
		get_cands(&r, &m->u.paths.cands);
		ok = cands_valid(&m->u.paths.cands);
		break;
	case HUB_MSG_PEER_ROUTES:
		get_routes(&r, &m->u.routes);
		break;
	case HUB_MSG_PEER_RELAY:
		get_bytes(&r, m->u.prelay.key, HUB_KEY_LEN);
		m->u.prelay.relay_id = get32(&r);
		get_addr(&r, &m->u.prelay.hub);
		m->u.prelay.guest_id = get32(&r);
		get_bytes(&r, m->u.prelay.token, HUB_RELAY_TOKEN_LEN);
		ok = peer_relay_valid(&m->u.prelay);
		break;
	case HUB_MSG_PEER_NAMES:
		get_bytes(&r, m->u.names.key, HUB_KEY_LEN);
		get_str(&r, m->u.names.nick, sizeof(m->u.names.nick));
		m->u.names.n = get8(&r);
		if ((ok = m->u.names.n <= HUB_NAMES_MAX) == 0)
			break;
		for (i = 0; i < m->u.names.n && !r.err && ok; i++) {
			get_str(&r, m->u.names.nets[i],
			    sizeof(m->u.names.nets[i]));
			ok = r.err || hub_name_valid(m->u.names.nets[i]);
		}
		break;
	case HUB_MSG_ROUTE_ENTRY:
		m->u.route.id = get32(&r);
		get_bytes(&r, m->u.route.netid, HUB_NETID_LEN);
		get_bytes(&r, m->u.route.key, HUB_KEY_LEN);
		get_prefix(&r, &m->u.route.prefix);
		m->u.route.approved = get8(&r);
		get_str(&r, m->u.route.nick, sizeof(m->u.route.nick));
		ok = m->u.route.approved <= 1;
		break;
	default:
		r.err = 1;
		break;
	}
	if (r.err || !ok || r.off != len) {
		/* Wiped, not just cleared: a request may hold a password. */
		sodium_memzero(m, sizeof(*m));
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* network names and IDs, nicknames */

/* Locale-free on purpose: these bytes go on the wire and into the
 * store, and must mean the same on every host. */
static int
hexdigit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
name_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

int
hub_netid_parse(const char *s, uint8_t id[HUB_NETID_LEN])
{
	uint8_t	b[HUB_NETID_LEN];
	size_t	i;
	int	hi, lo;

	if (s == NULL || strnlen(s, 2 * HUB_NETID_LEN + 1) !=
	    2 * HUB_NETID_LEN)
		return 0;
	for (i = 0; i < HUB_NETID_LEN; i++) {
		if ((hi = hexdigit((unsigned char)s[2 * i])) < 0 ||
		    (lo = hexdigit((unsigned char)s[2 * i + 1])) < 0)
			return 0;
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	if (id != NULL)
		memcpy(id, b, sizeof(b));
	return 1;
}

void
hub_netid_format(const uint8_t id[HUB_NETID_LEN], char out[33])
{
	static const char	digits[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < HUB_NETID_LEN; i++) {
		out[2 * i] = digits[id[i] >> 4];
		out[2 * i + 1] = digits[id[i] & 0xf];
	}
	out[2 * HUB_NETID_LEN] = '\0';
}

int
hub_name_valid(const char *s)
{
	size_t	i, n;

	if (s == NULL || (n = strnlen(s, HUB_NAME_MAX)) == 0 ||
	    n >= HUB_NAME_MAX || s[0] == '-' || s[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!name_char((unsigned char)s[i]))
			return 0;
	/* 32 hex digits name a network by ID; a name must never shadow
	 * one. */
	return !hub_netid_parse(s, NULL);
}

int
hub_nick_valid(const char *s)
{
	size_t	i, n;

	if (s == NULL || (n = strnlen(s, HUB_NICK_MAX)) >= HUB_NICK_MAX)
		return 0;
	/* Nicknames are shown in hamctl output and logs, quoted: no
	 * control bytes, and nothing that could end or escape a quote. */
	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '"' || s[i] == '\\')
			return 0;
	return 1;
}

/* ------------------------------------------------------------------ */
/* subnet routes */

int
hub_op_has_prefix(int op)
{
	return op == HUB_OP_ADVERTISE || op == HUB_OP_WITHDRAW ||
	    op == HUB_OP_ROUTE_APPROVE || op == HUB_OP_ROUTE_REVOKE;
}
