/*
 * libFuzzer target: the node's hub session (daemon/hubclient.c) as the
 * tun process runs it, against a hub that says anything.
 *
 * Each run builds a WireGuard device with a fixed node key and one
 * static peer (id 1, a fixed key, 10.0.0.0/24, as hamd.conf would give
 * it), a hubclient configured with a fixed hub key, opens a connection
 * and completes the Noise IK handshake with a hub-side channel.  The
 * input is then a sequence of records, each an op byte and its
 * arguments:
 *
 *	op % 16 < 8	a message: 2-byte big-endian length and that many
 *			plaintext bytes, which the hub seals and the node
 *			reads (a closed connection is reopened first)
 *	8	time passes: 1 byte, that many half seconds (tick)
 *	9	a hamctl request: 2 bytes (the op and the limit, and
 *		bits for the rest)
 *	10	the connection: 1 byte; it closes and, unless the byte
 *		says not to, reopens with a good RESP, a forged one, or
 *		none yet
 *	11	hamd stops: hubclient_logout
 *	12	a raw frame body (2-byte length and bytes), not sealed
 *	13	a hub peer answers its liveness check: 1 byte picks it
 *	14	the configuration is reloaded: the static peer again
 *	15	the parent's candidates: 1 byte picks a set
 *
 * After every step the device and the session must hold together:
 * never more than WG_MAX_PEERS peers; each hub peer has exactly its
 * /32, /128 and link-local /128 and nothing else; the node's own key
 * is never a peer;
 * hub peer ids never meet the static peer's, which survives unchanged;
 * what the engine was told and what hamctl was answered match; and
 * everything the node sends opens and decodes on the hub's side.
 * NAT traversal: CANDIDATES go out only after the login and say what
 * the parent gave; the engine holds a relay id only while a session
 * is up; paths reach the engine only for hub peers we have, with no
 * candidate nobody can be reached at; REGISTERs go out only for the
 * session the engine knows, counting up from 1, and only the hub's
 * answer under the session's token confirms the UDP relay.
 *
 * FUZZ_MAKE_SEEDS builds a program that writes valid inputs (login,
 * peer list, checks, requests, reconnection, logout) into argv[1] and
 * runs each once (tools/fuzz.sh does).
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <netinet/in.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "daemon/allowedips.h"
#include "tests/unit/aipverify.h"
#include "daemon/hamd_msg.h"
#include "proto/hubchan.h"
#include "daemon/hubclient.h"
#include "proto/hubproto.h"
#include "privsep/log.h"
#include "proto/relayauth.h"
#include "daemon/wg.h"

#define NS		1000000000ull
#define HUB_ID_BASE	0x40000000u	/* hubclient.c's HUB_PEER_ID_BASE */
#define HUB_IDS		WG_MAX_PEERS	/* hubclient.c's MAX_HUB_PEERS */
#define STATIC_ID	1u
#define MAX_CLIENTS	1024
#define MAX_PENDING	64		/* hubclient.c's */

#define CHECK(c)	do { if (!(c)) fail(#c, __LINE__); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct {
	int			ready;
	struct noise_protocol	proto;
	struct noise_static	hub_s;
	uint8_t			node_priv[32], node_pub[32];
	uint8_t			static_pub[32];
} fx;

static struct fz {
	struct wg_dev		*dev;
	struct hubclient	*hc;
	uint64_t		 now;
	struct hub_chan		 hub;		/* the hub's end */
	int			 conn;		/* the engine has one open */
	int			 close_asked;	/* the node called close_conn */
	int			 hub_ready;	/* hub side established */
	int			 got_login;	/* LOGIN read on this connection */
	int			 node_state;	/* last hub_state_msg.state */
	uint8_t			 init[HUB_CHAN_INIT_LEN];
	int			 have_init;
	uint8_t			 told[HUB_IDS];	/* the engine's hub peers */
	uint32_t		 relay_id;	/* the engine's, 0: none */
	uint64_t		 reg_counter;	/* of its last REGISTER */
	int			 answering;	/* relay_answer runs */
	int			 ganswering;	/* the same at another hub */
	int			 gconfirms;	/* guest registrations confirmed */
	struct relay_guest_msg	 greg;		/* the last guest REGISTER */
	struct hub_candidates	 cands;		/* the parent's latest */
	int			 cands_set;
	int			 paths;		/* PEER_PATHS passed on */
	uint8_t			 outstanding[MAX_CLIENTS];
	int			 noutstanding;
	uint32_t		 next_client;
	/* for the seed program's report */
	int			 max_hub_peers, logins, onlines, confirms;
	uint8_t			 pt[HUB_FRAME_MAX];
	uint8_t			 frame[HUB_FRAME_MAX];
} f;

static uint8_t	 outbuf[70000];

static void
fail(const char *what, int line)
{
	fprintf(stderr, "fuzz_hubclient: invariant broken at line %d: %s\n",
	    line, what);
	abort();
}

static void
quiet(int pri, const char *line)
{
	(void)pri;
	(void)line;
}

/* ---- the WireGuard device's I/O -------------------------------------- */

static uint8_t *
wg_reserve(void *arg, uint32_t peer, uint16_t flags,
    const struct pkt_addr *to, size_t maxlen)
{
	(void)arg; (void)peer; (void)flags; (void)to;
	return maxlen <= sizeof(outbuf) ? outbuf : NULL;
}

static void
wg_commit(void *arg, size_t len)
{
	(void)arg;
	CHECK(len <= sizeof(outbuf));
}

static void
wg_tun_write(void *arg, uint8_t *pkt, size_t len)
{
	(void)arg; (void)pkt; (void)len;
}

static void
wg_endpoint(void *arg, uint32_t peer, const struct pkt_addr *a, int response)
{
	(void)arg; (void)peer; (void)a;
}

/* ---- the hub session's I/O ------------------------------------------- */

static void
io_send_frame(void *arg, const uint8_t *body, size_t len)
{
	struct hub_msg	 m;
	size_t		 ptlen;

	(void)arg;
	/* Nothing goes out on a connection the node gave up. */
	CHECK(f.conn && !f.close_asked);
	CHECK(len >= 1 && len <= HUB_FRAME_MAX);
	if (body[0] == HUB_FRAME_INIT) {
		CHECK(len == HUB_CHAN_INIT_LEN);
		memcpy(f.init, body, len);
		f.have_init = 1;
		return;
	}
	CHECK(body[0] == HUB_FRAME_DATA);
	CHECK(f.hub_ready);
	CHECK(hub_chan_open(&f.hub, body, len, f.pt, sizeof(f.pt), &ptlen) ==
	    WG_OK);
	CHECK(hub_msg_decode(&m, f.pt, ptlen) == 0);
	switch (m.type) {
	case HUB_MSG_LOGIN:
		CHECK(!f.got_login);
		CHECK(m.u.login.version == HUB_PROTOCOL_VERSION);
		CHECK(m.u.login.udp_port == 51820);
		CHECK(strcmp(m.u.login.nick, "fuzz") == 0);
		f.got_login = 1;
		f.logins++;
		break;
	case HUB_MSG_CANDIDATES:
		CHECK(f.got_login);
		CHECK(f.node_state == HUB_STATE_ONLINE);
		CHECK(f.cands_set);
		CHECK(m.u.cands.n == f.cands.n && m.u.cands.nat == f.cands.nat);
		CHECK(memcmp(m.u.cands.c, f.cands.c, f.cands.n *
		    sizeof(f.cands.c[0])) == 0);
		break;
	case HUB_MSG_REQUEST:
	case HUB_MSG_PING:
	case HUB_MSG_PONG:
	case HUB_MSG_LOGOUT:
		CHECK(f.got_login);	/* the login comes first */
		break;
	default:
		fail("node sent a hub's message", __LINE__);
	}
	sodium_memzero(&m, sizeof(m));
}

static void
io_close_conn(void *arg)
{
	(void)arg;
	f.close_asked = 1;
}

static void
io_state(void *arg, const struct hub_state_msg *st)
{
	(void)arg;
	CHECK(st->state >= 0 && st->state < HUB_STATE_MAX);
	CHECK(memchr(st->reason, '\0', sizeof(st->reason)) != NULL);
	if (st->state == HUB_STATE_ONLINE) {
		CHECK(st->addr.v4_plen >= 8 && st->addr.v4_plen <= 30);
		CHECK(st->addr.v6_plen >= 48 && st->addr.v6_plen <= 124);
		f.onlines++;
	}
	f.node_state = st->state;
}

static int
hub_id_ok(uint32_t id)
{
	return id >= HUB_ID_BASE && id - HUB_ID_BASE < HUB_IDS;
}

static void
io_engine_peer(void *arg, uint32_t id, const struct pkt_addr *a)
{
	struct wg_peer	*wp;

	(void)arg;
	CHECK(hub_id_ok(id));
	CHECK(a->af == AF_INET || a->af == AF_INET6);
	CHECK((wp = wg_peer_by_id(f.dev, id)) != NULL && wp->from_hub);
	f.told[id - HUB_ID_BASE] = 1;
}

static void
io_engine_peer_del(void *arg, uint32_t id)
{
	(void)arg;
	CHECK(hub_id_ok(id));
	CHECK(wg_peer_by_id(f.dev, id) == NULL);	/* gone first */
	f.told[id - HUB_ID_BASE] = 0;
}

static void
io_engine_relay(void *arg, uint32_t relay_id)
{
	(void)arg;
	if (relay_id != 0) {
		CHECK(f.conn && f.node_state == HUB_STATE_ONLINE);
	} else
		CHECK(f.relay_id != 0);		/* only a real change */
	f.relay_id = relay_id;
	f.reg_counter = 0;
}

/* A REGISTER for this session, its counter one more than the last. */
static void
io_relay_register(void *arg, const uint8_t *msg, size_t len)
{
	uint64_t	 counter;
	uint32_t	 id;

	(void)arg;
	CHECK(f.relay_id != 0 && f.conn && f.node_state == HUB_STATE_ONLINE);
	CHECK(relay_auth_peek(msg, len, RELAY_REGISTER_TYPE, &id,
	    &counter) == 0);
	CHECK(id == f.relay_id && counter == f.reg_counter + 1);
	f.reg_counter = counter;
}

/* Only an answer we made, for the session we have, confirms. */
static void
io_relay_confirmed(void *arg, uint32_t relay_id)
{
	(void)arg;
	CHECK(f.answering && relay_id != 0 && relay_id == f.relay_id);
	f.confirms++;
}

/* Another hub of the cluster a PEER_RELAY named, for a peer we have. */
static void
io_engine_peer_hub(void *arg, const struct engine_peer_hub_msg *m)
{
	(void)arg;
	CHECK(f.conn && f.node_state == HUB_STATE_ONLINE);
	CHECK(hub_id_ok(m->id));
	CHECK(m->relay_id != 0 && m->hub.port != 0 &&
	    (m->hub.af == AF_INET || m->hub.af == AF_INET6));
}

/* A guest REGISTER there: a REGISTER, while we are logged in. */
static void
io_relay_guest_register(void *arg, const struct relay_guest_msg *m)
{
	uint64_t	 counter;
	uint32_t	 id;

	(void)arg;
	CHECK(f.conn && f.node_state == HUB_STATE_ONLINE);
	CHECK(relay_auth_peek(m->msg, sizeof(m->msg), RELAY_REGISTER_TYPE,
	    &id, &counter) == 0 && id != 0 && counter != 0);
	CHECK(m->hub.port != 0 &&
	    (m->hub.af == AF_INET || m->hub.af == AF_INET6));
	f.greg = *m;
}

static void
io_relay_guest_confirmed(void *arg, const struct pkt_addr *hub)
{
	(void)arg;
	CHECK(f.ganswering && memcmp(hub, &f.greg.hub, sizeof(*hub)) == 0);
	f.gconfirms++;
}

/*
 * Another hub answers the last guest REGISTER, under a token the
 * fuzzer's PEER_RELAY may or may not have given: only then it confirms.
 */
static void
relay_guest_answer(void)
{
	struct relay_guest_msg	 m;
	uint8_t			 token[RELAY_AUTH_TOKEN_LEN];
	uint64_t		 counter;
	uint32_t		 id;

	if (f.greg.hub.af == 0 || relay_auth_peek(f.greg.msg,
	    sizeof(f.greg.msg), RELAY_REGISTER_TYPE, &id, &counter) == -1)
		return;
	memset(token, 0x5a, sizeof(token));
	m.hub = f.greg.hub;
	relay_auth_build(m.msg, RELAY_REGISTERED_TYPE, id, counter, token);
	f.ganswering = 1;
	hubclient_relay_guest_answer(f.hc, &m, f.now);
	f.ganswering = 0;
}

/*
 * The hub answers the last REGISTER, under the token of msg_relay_info
 * (a RELAY_INFO the fuzzer wrote has another, and is refused).
 */
static void
relay_answer(void)
{
	uint8_t	 msg[RELAY_AUTH_LEN], token[RELAY_AUTH_TOKEN_LEN];

	if (f.reg_counter == 0)
		return;
	memset(token, 0x5a, sizeof(token));
	relay_auth_build(msg, RELAY_REGISTERED_TYPE, f.relay_id,
	    f.reg_counter, token);
	f.answering = 1;
	hubclient_relay_answer(f.hc, msg, sizeof(msg));
	f.answering = 0;
}

static int
cand_sane(const struct hub_candidate *c)
{
	const uint8_t	*a = c->addr.addr;
	static const uint8_t	 zero[16];

	if (c->kind < HUB_CAND_LAN || c->kind >= HUB_CAND_MAX_KIND ||
	    c->addr.port == 0)
		return 0;
	if (c->addr.af == AF_INET)
		return a[0] != 0 && a[0] != 127 && a[0] < 224;
	if (c->addr.af == AF_INET6)
		return a[0] != 0xff && memcmp(a, zero, 15) != 0;
	return 0;
}

static void
io_engine_paths(void *arg, const struct engine_paths_msg *m)
{
	struct wg_peer	*wp;
	unsigned int	 i;

	(void)arg;
	CHECK(hub_id_ok(m->id));
	CHECK((wp = wg_peer_by_id(f.dev, m->id)) != NULL && wp->from_hub);
	CHECK(m->punch == 1);
	CHECK(m->cands.n <= HUB_CAND_MAX && m->cands.nat < NAT_KIND_MAX);
	for (i = 0; i < m->cands.n; i++)
		CHECK(cand_sane(&m->cands.c[i]));
	f.paths++;
}

static void
client_ok(uint32_t client)
{
	CHECK(client < MAX_CLIENTS && f.outstanding[client]);
}

/*
 * Subnet routes reach the parent for a hub peer we have (or us), LAN
 * prefixes only (an exit offer is no route), never more than there
 * may be; the parent's verdict never comes here, so no route enters
 * the allowed IPs and the peers keep their /32 and /128 alone.
 */
static void
io_routes_offer(void *arg, const struct routes_msg *m)
{
	uint32_t	 i;

	(void)arg;
	CHECK(m->n <= HUB_ROUTES_MAX);
	CHECK(m->id == 0 || hub_id_ok(m->id));
	for (i = 0; i < m->n; i++)
		CHECK(m->id == 0 ? hub_route_ok(&m->p[i]) :
		    hub_route_valid(&m->p[i]));
}

static void
io_reply_route(void *arg, uint32_t client, const struct hub_route_info *ri)
{
	(void)arg;
	client_ok(client);
	CHECK(ri->id == 0 && ri->approved <= 1);
	CHECK(memchr(ri->nick, '\0', sizeof(ri->nick)) != NULL);
}

/* Nobody chooses an exit node here: there is none to leave either. */
static void
io_exit_offer(void *arg, const struct exit_msg *m)
{
	(void)arg;
	(void)m;
	CHECK(0);
}

static void
io_engine_names(void *arg, uint32_t id, const uint8_t *v4, const uint8_t *v6,
    const struct hub_peer_names *pn)
{
	(void)arg;
	(void)v4;
	(void)v6;
	CHECK(id == 0 || hub_id_ok(id));
	CHECK(pn->n <= HUB_NAMES_MAX);
	CHECK(memchr(pn->nick, '\0', sizeof(pn->nick)) != NULL);
}

static void
io_reply_net(void *arg, uint32_t client, const struct hub_net_info *ni)
{
	(void)arg;
	client_ok(client);
	CHECK(ni->id == 0);
	CHECK(memchr(ni->name, '\0', sizeof(ni->name)) != NULL);
}

static void
io_reply_member(void *arg, uint32_t client, const struct hub_member_info *mi)
{
	(void)arg;
	client_ok(client);
	CHECK(mi->id == 0);
	CHECK(memchr(mi->nick, '\0', sizeof(mi->nick)) != NULL);
}

static void
io_reply_result(void *arg, uint32_t client, int code, const char *msg)
{
	(void)arg;
	(void)code;
	client_ok(client);	/* and only once */
	CHECK(msg != NULL && strlen(msg) < HUB_TEXT_MAX);
	f.outstanding[client] = 0;
	f.noutstanding--;
}

/* ---- invariants ------------------------------------------------------ */

struct prefixes {
	int		 n;
	struct {
		int	 af;
		uint8_t	 addr[16];
		unsigned plen;
	} p[8];
};

static int
collect(void *arg, int af, const uint8_t *addr, unsigned int plen)
{
	struct prefixes	*ps = arg;

	if (ps->n < 8) {
		ps->p[ps->n].af = af;
		memcpy(ps->p[ps->n].addr, addr, af == AF_INET ? 4 : 16);
		ps->p[ps->n].plen = plen;
	}
	ps->n++;
	return 0;
}

/* The harness's own checks need no coverage feedback, and are faster. */
#if defined(__clang__) && __clang_major__ >= 13
#define NO_COVERAGE	__attribute__((no_sanitize("coverage")))
#else
#define NO_COVERAGE
#endif

/* The device's peers, in slot order; how many. */
NO_COVERAGE static int
gather(struct wg_peer **list)
{
	int	 i, n = 0;

	for (i = 0; i < WG_MAX_PEERS; i++)
		if (f.dev->peers[i] != NULL)
			list[n++] = f.dev->peers[i];
	return n;
}

/*
 * The invariants.  full: also verify the allowed-IPs table and sweep
 * every hub peer id the session could hold (slow, so not after every
 * step).
 */
NO_COVERAGE static void
check(int full)
{
	static struct wg_peer	*list[WG_MAX_PEERS];
	static uint8_t		 present[HUB_IDS];
	static const uint8_t	 ten[4] = { 10, 0, 0, 0 };
	struct prefixes		 ps;
	struct wg_peer		*wp, *sp = NULL;
	const char		*why = NULL;
	size_t			 total = 0;
	int			 i, j, n, nhub = 0, v4, v6, ll;

	CHECK(f.dev->npeers >= 0 && f.dev->npeers <= WG_MAX_PEERS);
	n = gather(list);
	CHECK(n == f.dev->npeers);
	memset(present, 0, sizeof(present));
	for (i = 0; i < n; i++) {
		wp = list[i];
		/* our own key is never a peer; keys are unique */
		CHECK(sodium_memcmp(wp->pubkey, fx.node_pub, 32) != 0);
		for (j = i + 1; j < n; j++)
			CHECK(memcmp(list[j]->pubkey, wp->pubkey, 32) != 0);
		memset(&ps, 0, sizeof(ps));
		(void)allowedips_foreach_peer(f.dev->aips, wp->id, collect,
		    &ps);
		total += (size_t)ps.n;
		if (!wp->from_hub) {
			/* the one static peer, as configured */
			CHECK(wp->id == STATIC_ID && sp == NULL);
			CHECK(memcmp(wp->pubkey, fx.static_pub, 32) == 0);
			CHECK(ps.n == 1 && ps.p[0].af == AF_INET &&
			    ps.p[0].plen == 24 &&
			    memcmp(ps.p[0].addr, ten, 4) == 0);
			sp = wp;
			continue;
		}
		nhub++;
		/* hub ids are the session's, unique, never the file's */
		CHECK(wp->id != STATIC_ID && hub_id_ok(wp->id));
		CHECK(!present[wp->id - HUB_ID_BASE]);
		present[wp->id - HUB_ID_BASE] = 1;
		CHECK(hubclient_is_hub_peer(f.hc, wp->id));
		CHECK(memcmp(wp->pubkey, fx.static_pub, 32) != 0);
		/*
		 * exactly a /32, a /128 and the /128 of its link-local
		 * address (fe80:: and the other's low 64 bits)
		 */
		CHECK(ps.n == 3);
		for (v4 = -1, v6 = -1, ll = -1, j = 0; j < 3; j++) {
			if (ps.p[j].af == AF_INET)
				v4 = j;
			else if (ps.p[j].addr[0] == 0xfe)
				ll = j;
			else
				v6 = j;
		}
		CHECK(v4 != -1 && v6 != -1 && ll != -1);
		CHECK(ps.p[v4].plen == 32);
		CHECK(ps.p[v6].af == AF_INET6 && ps.p[v6].plen == 128);
		CHECK(ps.p[ll].af == AF_INET6 && ps.p[ll].plen == 128);
		CHECK(ps.p[ll].addr[1] == 0x80 &&
		    memcmp(ps.p[ll].addr + 8, ps.p[v6].addr + 8, 8) == 0);
	}
	CHECK(sp != NULL);	/* the static peer survives */
	/* no prefix left behind by a peer that went */
	CHECK(allowedips_count(f.dev->aips) == total);
	CHECK(!hubclient_is_hub_peer(f.hc, STATIC_ID));
	if (full) {
		CHECK(allowedips_verify(f.dev->aips, &why) == 0);
		/* the session holds no peer the device lacks */
		for (i = 0; i < HUB_IDS; i++)
			CHECK(hubclient_is_hub_peer(f.hc,
			    HUB_ID_BASE + (uint32_t)i) == present[i]);
	}
	/* the engine knows no peer that went */
	for (i = 0; i < HUB_IDS; i++)
		if (f.told[i])
			CHECK(present[i]);
	/* each request is answered once; none waits on a lost connection */
	CHECK(f.noutstanding >= 0 && f.noutstanding <= MAX_PENDING);
	if (!f.conn)
		CHECK(f.noutstanding == 0);
	if (nhub > f.max_hub_peers)
		f.max_hub_peers = nhub;
}

/* ---- the connection -------------------------------------------------- */

static void
conn_down(void)
{
	if (!f.conn)
		return;
	hubclient_conn_closed(f.hc, f.now);
	CHECK(f.relay_id == 0);		/* the relay session ended with it */
	f.conn = 0;
	f.close_asked = 0;
	f.hub_ready = 0;
	f.got_login = 0;
	hub_chan_clear(&f.hub);
}

/* variant 0: a good RESP; 1: a forged one (byte `arg' flipped); 2: none */
static void
conn_up(int variant, uint8_t arg)
{
	struct hub_conn_msg	 cm;
	uint8_t			 ts[TAI64N_LEN], resp[HUB_CHAN_RESP_LEN];
	size_t			 n;

	conn_down();
	memset(&cm, 0, sizeof(cm));
	cm.remote.af = AF_INET;
	cm.remote.port = htons(HUB_DEFAULT_PORT);
	f.conn = 1;
	f.close_asked = 0;
	f.have_init = 0;
	f.hub_ready = 0;
	f.got_login = 0;
	hub_chan_clear(&f.hub);
	hubclient_conn_open(f.hc, &cm, f.now);
	CHECK(f.have_init && !f.close_asked);
	CHECK(hub_chan_accept_static(&f.hub, &fx.proto, &fx.hub_s, f.init,
	    sizeof(f.init)) == WG_OK);
	CHECK(memcmp(f.hub.remote, fx.node_pub, 32) == 0);
	CHECK(hub_chan_accept_finish(&f.hub, f.init, sizeof(f.init), ts, resp,
	    sizeof(resp), &n) == WG_OK && n == sizeof(resp));
	f.hub_ready = 1;
	switch (variant) {
	case 0:
		hubclient_frame(f.hc, resp, n, f.now);
		CHECK(f.got_login && !f.close_asked);
		break;
	case 1:
		resp[arg % n] ^= (uint8_t)(1 << (arg >> 5));
		hubclient_frame(f.hc, resp, n, f.now);
		CHECK(!f.got_login && f.close_asked);	/* forged */
		break;
	default:
		break;
	}
}

/* ---- the steps ------------------------------------------------------- */

static void
step_message(const uint8_t *pt, size_t len)
{
	uint8_t		*body;
	size_t		 flen;

	if (!f.conn)
		conn_up(0, 0);
	if (hub_chan_seal(&f.hub, pt, len, f.frame, sizeof(f.frame), &flen) !=
	    WG_OK)
		return;
	/* an exact-size copy: ASan sees any read past the frame */
	if ((body = malloc(flen)) == NULL)
		abort();
	memcpy(body, f.frame, flen);
	hubclient_frame(f.hc, body, flen, f.now);
	free(body);
}

/* The parent's candidates: arg's low bits say how many, the rest vary. */
static void
step_candidates(uint8_t arg)
{
	struct hub_candidates	 c;
	unsigned int		 i;

	memset(&c, 0, sizeof(c));
	c.nat = (uint8_t)((arg >> 4) % NAT_KIND_MAX);
	c.n = (uint8_t)(arg % (HUB_CAND_MAX + 1));
	for (i = 0; i < c.n; i++) {
		c.c[i].kind = (uint8_t)(HUB_CAND_LAN + (i + arg) % 3);
		c.c[i].addr.af = AF_INET;
		c.c[i].addr.port = htons(51820);
		c.c[i].addr.addr[0] = 192;
		c.c[i].addr.addr[1] = 168;
		c.c[i].addr.addr[3] = (uint8_t)(1 + i);
	}
	f.cands = c;
	f.cands_set = 1;
	hubclient_candidates(f.hc, &c);
}

static void
step_raw(const uint8_t *b, size_t len)
{
	uint8_t	*body;

	if ((body = malloc(len > 0 ? len : 1)) == NULL)
		abort();
	if (len > 0)
		memcpy(body, b, len);
	hubclient_frame(f.hc, body, len, f.now);
	free(body);
}

static void
step_request(uint8_t op, uint8_t bits)
{
	static const char	*nets[] = { "", "home", "office",
				    "0123456789abcdef0123456789abcdef", "-bad",
				    "a.b_c-d", "x", "net" };
	struct hub_request	 req;
	struct ctl_cred		 cred;
	uint32_t		 client;

	if (f.next_client >= MAX_CLIENTS)
		return;
	client = f.next_client++;
	memset(&req, 0, sizeof(req));
	memset(&cred, 0, sizeof(cred));
	cred.uid = 1000 + client;
	cred.pid = 4242;
	req.op = (uint8_t)((op & 31) % (HUB_OP_MAX + 1));
	(void)snprintf(req.net, sizeof(req.net), "%s", nets[bits & 7]);
	if (bits & 8) {
		req.has_key = 1;
		memset(req.key, op, sizeof(req.key));
	}
	if (bits & 16)
		(void)snprintf(req.password, sizeof(req.password), "pw%u",
		    op);
	if (bits & 32)
		(void)snprintf(req.nick, sizeof(req.nick), "nick");
	req.mode = (uint8_t)((bits >> 6) % (HUB_MODE_MAX + 1));
	req.type = (uint8_t)((bits >> 6) % (HUB_TYPE_MAX + 1));
	req.limit = op & 128 ? 70000 : (op >> 5) & 3;	/* 70000: too big */
	f.outstanding[client] = 1;
	f.noutstanding++;
	hubclient_request(f.hc, client, &cred, &req, f.now);
}

static void
step_answer(uint8_t arg)
{
	struct wg_peer	*hub[WG_MAX_PEERS];
	int		 i, n = 0;

	for (i = 0; i < WG_MAX_PEERS; i++)
		if (f.dev->peers[i] != NULL && f.dev->peers[i]->from_hub)
			hub[n++] = f.dev->peers[i];
	if (n == 0)
		return;
	if (arg & 1)
		hub[(arg >> 1) % n]->st.rx_packets++;
	else
		hub[(arg >> 1) % n]->st.handshakes++;
}

static void
static_peer(void)
{
	struct ip_prefix	 net;

	memset(&net, 0, sizeof(net));
	net.af = AF_INET;
	net.plen = 24;
	net.addr.v4.s_addr = htonl(0x0a000000);
	if (wg_peer_set(f.dev, STATIC_ID, "static", fx.static_pub, NULL, 25,
	    &net, 1, f.now) == -1)
		abort();
}

static void
setup(void)
{
	uint8_t	 priv[32];

	if (fx.ready)
		return;
	if (sodium_init() < 0 || hub_proto_init(&fx.proto) != WG_OK)
		abort();
	log_set_sink(quiet);
	/* Fixed keys, so that inputs are reproducible. */
	memset(fx.node_priv, 0x11, 32);
	memset(fx.hub_s.priv, 0x33, 32);
	memset(priv, 0x22, 32);
	fx.node_priv[0] &= 248;
	fx.node_priv[31] = (fx.node_priv[31] & 127) | 64;
	fx.hub_s.priv[0] &= 248;
	fx.hub_s.priv[31] = (fx.hub_s.priv[31] & 127) | 64;
	priv[0] &= 248;
	priv[31] = (priv[31] & 127) | 64;
	if (crypto_scalarmult_base(fx.node_pub, fx.node_priv) != 0 ||
	    crypto_scalarmult_base(fx.hub_s.pub, fx.hub_s.priv) != 0 ||
	    crypto_scalarmult_base(fx.static_pub, priv) != 0)
		abort();
	fx.ready = 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wg_io		 wio = { NULL, wg_reserve, wg_commit,
				    wg_tun_write, wg_endpoint };
	struct hubclient_io	 hio = { NULL, io_send_frame, io_close_conn,
				    io_state, io_engine_peer,
				    io_engine_peer_del, io_reply_net,
				    io_reply_member, io_reply_result,
				    io_engine_relay, io_relay_register,
				    io_relay_confirmed, io_engine_paths,
				    io_routes_offer, io_reply_route,
				    io_exit_offer, io_engine_names, NULL,
				    { NULL, io_engine_peer_hub,
				    io_relay_guest_register,
				    io_relay_guest_confirmed } };
	struct tun_hub_msg	 conf;
	size_t			 off = 0, len;
	unsigned int		 steps = 0;
	uint8_t			 op, arg;

	setup();
	memset(&f, 0, sizeof(f));
	f.now = 1000 * NS;
	if ((f.dev = wg_dev_new(&wio, 1420)) == NULL ||
	    wg_dev_set_key(f.dev, fx.node_priv) == -1)
		abort();
	static_peer();
	if ((f.hc = hubclient_new(&hio, f.dev)) == NULL)
		abort();
	memset(&conf, 0, sizeof(conf));
	memcpy(conf.hub_pub, fx.hub_s.pub, 32);
	conf.udp_port = 51820;
	conf.keepalive = 25;
	(void)snprintf(conf.nick, sizeof(conf.nick), "fuzz");
	hubclient_configure(f.hc, &conf);
	conn_up(0, 0);
	check(1);

	while (off < size) {
		op = data[off++];
		arg = off < size ? data[off] : 0;
		switch (op % 16) {
		case 8:		/* time passes, up to ~2 minutes */
			off++;
			f.now += (uint64_t)arg * (NS / 2) + 1;
			hubclient_tick(f.hc, f.now);
			wg_tick(f.dev, f.now);
			relay_answer();
			relay_guest_answer();
			break;
		case 9:
			step_request(arg, off + 1 < size ? data[off + 1] : 0);
			off += 2;
			break;
		case 10:	/* the connection drops; maybe a new one */
			off++;
			conn_down();
			if ((arg & 3) != 3)
				conn_up(arg & 3, arg >> 2);
			break;
		case 11:
			hubclient_logout(f.hc);
			break;
		case 15:
			off++;
			step_candidates(arg);
			break;
		case 12:
		case 0: case 1: case 2: case 3: case 4: case 5: case 6:
		case 7:
			if (size - off < 2) {
				off = size;
				break;
			}
			len = (size_t)data[off] << 8 | data[off + 1];
			off += 2;
			if (len > size - off)
				len = size - off;
			if (op % 16 == 12)
				step_raw(data + off, len);
			else
				step_message(data + off, len);
			off += len;
			break;
		case 13:
			off++;
			step_answer(arg);
			break;
		case 14:	/* IMSG_TUN_PEERS ... IMSG_TUN_PEERS_END */
			wg_config_begin(f.dev);
			static_peer();
			wg_config_end(f.dev);
			break;
		}
		if (off > size)
			off = size;
		/* The engine closes what the node gave up, and says so. */
		if (f.conn && f.close_asked)
			conn_down();
		check((++steps & 15) == 0);
	}
	conn_down();
	check(1);
	hubclient_free(f.hc);
	wg_dev_free(f.dev);
	hub_chan_clear(&f.hub);
	return 0;
}

#ifdef FUZZ_MAKE_SEEDS
static uint8_t	 sbuf[8192];
static size_t	 slen;

static void
put_msg(const struct hub_msg *m)
{
	size_t	 n;

	if ((n = hub_msg_encode(m, sbuf + slen + 3,
	    sizeof(sbuf) - slen - 3)) == 0) {
		fprintf(stderr, "cannot encode %s\n", hub_msg_name(m->type));
		exit(1);
	}
	sbuf[slen] = 0;
	sbuf[slen + 1] = (uint8_t)(n >> 8);
	sbuf[slen + 2] = (uint8_t)n;
	slen += 3 + n;
}

static void
put_op(uint8_t op, int nargs, uint8_t a, uint8_t b)
{
	sbuf[slen++] = op;
	if (nargs > 0)
		sbuf[slen++] = a;
	if (nargs > 1)
		sbuf[slen++] = b;
}

static void
msg_login_ok(void)
{
	struct hub_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_LOGIN_OK;
	m.u.login_ok.v4[0] = 10;
	m.u.login_ok.v4[1] = 77;
	m.u.login_ok.v4[3] = 1;
	m.u.login_ok.v4_plen = 16;
	m.u.login_ok.v6[0] = 0xfd;
	m.u.login_ok.v6[15] = 1;
	m.u.login_ok.v6_plen = 64;
	m.u.login_ok.observed.af = AF_INET;
	m.u.login_ok.observed.port = htons(51820);
	m.u.login_ok.observed.addr[0] = 203;
	m.u.login_ok.observed.addr[1] = 0;
	m.u.login_ok.observed.addr[2] = 113;
	m.u.login_ok.observed.addr[3] = 9;
	put_msg(&m);
}

static void
peer_key(uint8_t key[HUB_KEY_LEN], int i)
{
	memset(key, 0x40 + i, HUB_KEY_LEN);
}

/*
 * type PEER_UP, DOWN or CHECK for peer i (2: offline, no endpoint), with
 * key if not NULL and the addresses of peer host if not 0.
 */
static void
msg_peer_as(uint8_t type, int i, const uint8_t *key, int host)
{
	struct hub_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	if (key != NULL)
		memcpy(m.u.peer.key, key, HUB_KEY_LEN);
	else
		peer_key(m.u.peer.key, i);
	if (host == 0)
		host = 2 + i;
	if (type == HUB_MSG_PEER_UP) {
		m.u.peer.v4[0] = 10;
		m.u.peer.v4[1] = 77;
		m.u.peer.v4[3] = (uint8_t)host;
		m.u.peer.v6[0] = 0xfd;
		m.u.peer.v6[15] = (uint8_t)host;
		if (i != 2) {
			m.u.peer.endpoint.af = i == 1 ? AF_INET6 : AF_INET;
			m.u.peer.endpoint.port = htons(51820);
			m.u.peer.endpoint.addr[0] = 198;
			m.u.peer.endpoint.addr[1] = 51;
			m.u.peer.endpoint.addr[2] = 100;
			m.u.peer.endpoint.addr[3] = (uint8_t)(1 + i);
		}
		(void)snprintf(m.u.peer.nick, sizeof(m.u.peer.nick),
		    "peer%d", i);
	}
	put_msg(&m);
}

static void
msg_peer(uint8_t type, int i)
{
	msg_peer_as(type, i, NULL, 0);
}

static void
msg_response(uint32_t id, int32_t code, const char *text)
{
	struct hub_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_RESPONSE;
	m.u.resp.id = id;
	m.u.resp.code = code;
	(void)snprintf(m.u.resp.msg, sizeof(m.u.resp.msg), "%s", text);
	put_msg(&m);
}

static void
msg_entries(uint32_t id)
{
	struct hub_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_NET_ENTRY;
	m.u.net.id = id;
	memset(m.u.net.netid, 0xab, sizeof(m.u.net.netid));
	(void)snprintf(m.u.net.name, sizeof(m.u.net.name), "home");
	m.u.net.type = HUB_TYPE_MESH;
	m.u.net.mode = HUB_MODE_APPROVAL;
	m.u.net.role = HUB_ROLE_OWNER;
	m.u.net.members = 3;
	m.u.net.online = 2;
	put_msg(&m);
	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_MEMBER_ENTRY;
	m.u.member.id = id;
	peer_key(m.u.member.key, 0);
	(void)snprintf(m.u.member.nick, sizeof(m.u.member.nick), "peer0");
	m.u.member.v4[0] = 10;
	m.u.member.v4[1] = 77;
	m.u.member.v4[3] = 2;
	m.u.member.online = 1;
	m.u.member.endpoint.af = AF_INET;
	m.u.member.endpoint.port = htons(51820);
	m.u.member.last_seen = 1700000000;
	put_msg(&m);
}

static void
msg_simple(uint8_t type)
{
	struct hub_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	if (type == HUB_MSG_PING || type == HUB_MSG_PONG)
		m.u.ping = 0x0123456789abcdefull;
	if (type == HUB_MSG_LOGIN) {
		m.u.login.version = HUB_PROTOCOL_VERSION;
		m.u.login.udp_port = 51820;
	}
	if (type == HUB_MSG_LOGIN_REFUSED) {
		m.u.refused.reason = HUB_REFUSED_BLOCKED;
		(void)snprintf(m.u.refused.msg, sizeof(m.u.refused.msg),
		    "go away");
	}
	put_msg(&m);
}

static void
msg_relay_info(uint32_t id)
{
	struct hub_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_RELAY_INFO;
	m.u.relay.relay_id = id;
	memset(m.u.relay.token, 0x5a, sizeof(m.u.relay.token));
	put_msg(&m);
}

/*
 * PEER_RELAY for peer i: at hub 203.0.113.(100 + h), our guest token
 * there of byte k (0x5a: the one relay_guest_answer answers under).
 */
static void
msg_peer_relay(int i, int h, uint8_t k)
{
	struct hub_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_PEER_RELAY;
	peer_key(m.u.prelay.key, i);
	m.u.prelay.relay_id = 70 + (uint32_t)i;
	m.u.prelay.hub.af = AF_INET;
	m.u.prelay.hub.port = htons(7777);
	m.u.prelay.hub.addr[0] = 203;
	m.u.prelay.hub.addr[2] = 113;
	m.u.prelay.hub.addr[3] = (uint8_t)(100 + h);
	m.u.prelay.guest_id = 1234;
	memset(m.u.prelay.token, k, sizeof(m.u.prelay.token));
	put_msg(&m);
}

/* Paths of peer i (key from peer_key), with good and useless entries. */
static void
msg_paths(int i)
{
	struct hub_msg	 m;
	struct hub_candidate	*c;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_PEER_PATHS;
	peer_key(m.u.paths.key, i);
	m.u.paths.relay_id = 7 + (uint32_t)i;
	m.u.paths.cands.nat = 2;	/* NAT_INDEPENDENT */
	c = &m.u.paths.cands.c[0];
	c[0].kind = HUB_CAND_LAN;
	c[0].addr.af = AF_INET;
	c[0].addr.port = htons(51820);
	c[0].addr.addr[0] = 192;
	c[0].addr.addr[1] = 168;
	c[0].addr.addr[3] = 9;
	c[1].kind = HUB_CAND_OBSERVED;
	c[1].addr.af = AF_INET;
	c[1].addr.port = htons(40000);
	c[1].addr.addr[0] = 203;
	c[1].addr.addr[2] = 113;
	c[1].addr.addr[3] = 5;
	c[2].kind = HUB_CAND_PUBLIC;		/* loopback: dropped */
	c[2].addr.af = AF_INET;
	c[2].addr.port = htons(51820);
	c[2].addr.addr[0] = 127;
	c[2].addr.addr[3] = 1;
	c[3].kind = HUB_CAND_FORWARD;		/* ::1: dropped */
	c[3].addr.af = AF_INET6;
	c[3].addr.port = htons(51820);
	c[3].addr.addr[15] = 1;
	c[4].kind = HUB_CAND_FORWARD;		/* multicast: dropped */
	c[4].addr.af = AF_INET;
	c[4].addr.port = htons(51820);
	c[4].addr.addr[0] = 239;
	m.u.paths.cands.n = 5;
	put_msg(&m);
}

static void
sync3(void)
{
	msg_login_ok();
	msg_peer(HUB_MSG_PEER_UP, 0);
	msg_peer(HUB_MSG_PEER_UP, 1);
	msg_peer(HUB_MSG_PEER_UP, 2);
	msg_response(0, 0, "");
}

static void
seed(const char *dir, const char *name)
{
	char	 path[4096];
	FILE	*fp;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) == NULL ||
	    fwrite(sbuf, 1, slen, fp) != slen || fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
	(void)LLVMFuzzerTestOneInput(sbuf, slen);
	printf("seed %-12s %4zu bytes: logins %d, online %d, hub peers up "
	    "to %d, paths %d, relay confirmed %d, as a guest %d\n", name,
	    slen, f.logins, f.onlines, f.max_hub_peers, f.paths, f.confirms,
	    f.gconfirms);
	slen = 0;
}

int
main(int argc, char *argv[])
{
	int	 i;

	if (argc != 2)
		return 2;
	setup();

	msg_login_ok();
	seed(argv[1], "login");

	msg_simple(HUB_MSG_LOGIN_REFUSED);
	seed(argv[1], "refused");

	sync3();
	seed(argv[1], "sync");

	/* peers, a check, a removal, requests with their entries */
	sync3();
	msg_peer(HUB_MSG_PEER_CHECK, 0);
	put_op(8, 1, 40, 0);			/* 20 s: no answer */
	msg_peer(HUB_MSG_PEER_DOWN, 1);
	put_op(9, 2, HUB_OP_NETWORKS, 0);	/* request id 1 */
	msg_entries(1);
	msg_response(1, 0, "ok");
	put_op(9, 2, HUB_OP_MEMBERS, 1);	/* request id 2: home */
	msg_entries(2);
	msg_response(2, 0, "ok");
	put_op(9, 2, HUB_OP_CREATE, 1 | 16);	/* request id 3: home */
	msg_response(3, 17, "exists");
	msg_simple(HUB_MSG_PING);
	msg_simple(HUB_MSG_PONG);
	put_op(8, 1, 50, 0);			/* a ping goes out */
	seed(argv[1], "session");

	/* the hub goes away: checks on every peer; one answers */
	sync3();
	put_op(9, 2, HUB_OP_JOIN, 1 | 16);
	put_op(10, 1, 3, 0);			/* closed, not reopened */
	put_op(13, 1, 1, 0);
	put_op(8, 1, 40, 0);
	put_op(10, 1, 0, 0);			/* back */
	msg_login_ok();
	msg_peer(HUB_MSG_PEER_UP, 0);
	msg_response(0, 0, "");
	put_op(14, 0, 0, 0);
	put_op(11, 0, 0, 0);			/* logout */
	seed(argv[1], "reconnect");

	/* the hub goes silent, requests time out */
	sync3();
	put_op(9, 2, HUB_OP_CREATE, 2 | 16);
	put_op(8, 1, 130, 0);
	put_op(10, 1, 1 | 4 << 2, 0);		/* forged RESP */
	put_op(10, 1, 2, 0);			/* RESP never comes */
	put_op(8, 1, 30, 0);
	seed(argv[1], "silence");

	/* more requests than may wait; then they time out */
	msg_login_ok();
	for (i = 0; i < 66; i++)
		put_op(9, 2, HUB_OP_JOIN, (uint8_t)(1 + i % 7));
	msg_response(5, 0, "joined");
	put_op(8, 1, 62, 0);
	seed(argv[1], "busy");

	msg_login_ok();
	msg_peer(HUB_MSG_PEER_DOWN, 0);
	msg_peer(HUB_MSG_PEER_CHECK, 0);
	msg_response(0, 0, "");
	msg_entries(1);
	seed(argv[1], "stray");

	/* NAT traversal: candidates before and after the login, relay
	 * credentials, paths for known, unknown and early peers, loss */
	put_op(15, 1, 0x23, 0);			/* 3 candidates, before */
	msg_login_ok();
	msg_relay_info(1234);
	put_op(8, 1, 41, 0);			/* a REGISTER, answered */
	msg_paths(1);				/* before its PEER_UP */
	msg_peer(HUB_MSG_PEER_UP, 0);
	msg_peer(HUB_MSG_PEER_UP, 1);
	msg_paths(0);
	msg_paths(1);
	msg_paths(9);				/* never announced */
	msg_response(0, 0, "");
	put_op(15, 1, 0x28, 0);			/* 8 candidates now */
	put_op(15, 1, 0x28, 0);			/* the same: not sent again */
	put_op(10, 1, 3, 0);			/* lost: relay id 0 */
	put_op(10, 1, 0, 0);			/* back */
	msg_login_ok();
	msg_relay_info(99);
	msg_peer(HUB_MSG_PEER_UP, 0);
	msg_paths(0);
	msg_response(0, 0, "");
	put_op(11, 0, 0, 0);			/* logout */
	seed(argv[1], "paths");

	/*
	 * The relay across hubs: PEER_RELAY for a known peer (registered
	 * there, answered under its token), under another token at a
	 * second hub (answered, refused), for an unknown peer (ignored),
	 * then loss and a new login (the guests go with the old one)
	 */
	msg_login_ok();
	msg_relay_info(1234);
	msg_peer(HUB_MSG_PEER_UP, 0);
	msg_peer(HUB_MSG_PEER_UP, 1);
	msg_paths(0);
	msg_peer_relay(0, 1, 0x5a);
	msg_paths(1);
	msg_peer_relay(1, 2, 0x11);
	msg_peer_relay(9, 3, 0x5a);		/* never announced */
	msg_response(0, 0, "");
	put_op(8, 1, 41, 0);			/* REGISTERs, answered */
	put_op(10, 1, 0, 0);			/* lost, back */
	msg_login_ok();
	msg_relay_info(99);
	put_op(8, 1, 41, 0);			/* no guest REGISTER left */
	msg_peer(HUB_MSG_PEER_UP, 0);
	msg_paths(0);
	msg_peer_relay(0, 1, 0x5a);
	msg_response(0, 0, "");
	put_op(8, 1, 41, 0);
	seed(argv[1], "guests");

	/* what a hub must not get away with */
	sync3();
	msg_peer_as(HUB_MSG_PEER_UP, 3, fx.node_pub, 0);	/* us */
	msg_peer_as(HUB_MSG_PEER_UP, 4, fx.static_pub, 0);	/* the file's */
	msg_peer_as(HUB_MSG_PEER_UP, 5, NULL, 1);	/* our address */
	msg_peer_as(HUB_MSG_PEER_UP, 6, NULL, 2);	/* peer 0's address */
	msg_peer(HUB_MSG_PEER_UP, 0);		/* and back */
	msg_simple(HUB_MSG_LOGIN);		/* a node's message */
	seed(argv[1], "hostile");
	return 0;
}
#endif
