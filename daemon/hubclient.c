/*
 * The tun process's side of the hub protocol (see hubclient.h and
 * PROTOCOL.md, "Node to hub").  Everything the hub says arrives here
 * authenticated by the channel; it is still checked, because a hub is
 * not trusted with more than membership: it cannot hand us a peer whose
 * allowed IPs reach beyond that peer's own two overlay addresses.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <arpa/inet.h>

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/allowedips.h"
#include "proto/hubchan.h"
#include "daemon/hubclient.h"
#include "daemon/hubcheck.h"
#include "daemon/hubreq.h"
#include "daemon/lanclass.h"
#include "daemon/relayreg.h"
#include "daemon/tunroutes.h"
#include "proto/hubproto.h"
#include "crypto/key.h"
#include "privsep/log.h"

#define NS			1000000000ull
#define HANDSHAKE_TIMEOUT	(10 * NS)	/* INIT to RESP, and login */
#define PING_INTERVAL		(20 * NS)
#define HUB_SILENCE_MAX		(60 * NS)	/* then the connection is dead */
#define REQUEST_TIMEOUT		(30 * NS)
#define CHECK_TIMEOUT		(15 * NS)	/* a peer must answer by then */
#define MAX_HUB_PEERS		HUB_PEER_IDS

enum hc_state { HC_IDLE = 0, HC_HANDSHAKE, HC_LOGIN, HC_ONLINE };

struct hc_peer {
	int		 used;
	uint32_t	 id;
	uint8_t		 key[HUB_KEY_LEN];
	int		 listed;	/* in the current login's list */
	uint64_t	 check_until;	/* 0: no liveness check running */
	uint64_t	 check_rx;	/* packets received when it began */
	uint64_t	 check_hs;	/* handshakes when it began */
	uint8_t		 v4[4], v6[16];	/* its overlay addresses */
};

struct hubclient {
	struct hubclient_io	 io;
	struct wg_dev		*dev;
	struct noise_protocol	 proto;
	int			 configured;
	struct tun_hub_msg	 conf;
	enum hc_state		 state;
	struct hub_chan		 chan;
	uint64_t		 deadline;	/* handshake or login */
	uint64_t		 last_rx;
	uint64_t		 next_ping;
	int			 syncing;	/* login list not yet ended */
	uint64_t		 now;		/* of the event being handled */
	struct hub_state_msg	 st;
	struct hubreq		 reqs;		/* waiting for the hub */
	struct hc_peer		 peers[MAX_HUB_PEERS];
	struct hub_candidates	 cands;		/* the parent's latest */
	int			 have_cands;
	struct relayreg		 relay;		/* this login's, with its token */
	struct relayguests	 guests;	/* at other hubs, with tokens */
	struct troutes		*routes;	/* subnet routes */
	uint8_t			 pt[HUB_MSG_MAX];
	uint8_t			 frame[HUB_FRAME_MAX];
};

static struct hc_peer	*peer_find(struct hubclient *,
			    const uint8_t [HUB_KEY_LEN]);

static void
hc_set_state(struct hubclient *hc, int state, const char *reason)
{
	if (hc->st.state != state)
		hc->st.since = (int64_t)time(NULL);
	hc->st.state = state;
	(void)snprintf(hc->st.reason, sizeof(hc->st.reason), "%s",
	    reason != NULL ? reason : "");
	hc->io.state(hc->io.arg, &hc->st);
}

struct hubclient *
hubclient_new(const struct hubclient_io *io, struct wg_dev *dev)
{
	struct hubclient	*hc;

	if ((hc = sodium_malloc(sizeof(*hc))) == NULL)
		return NULL;
	memset(hc, 0, sizeof(*hc));
	hc->io = *io;
	hc->dev = dev;
	if (hub_proto_init(&hc->proto) != 0 || (hc->routes =
	    troutes_new(io->routes_offer, io->exit_offer, io->arg)) == NULL) {
		sodium_free(hc);
		return NULL;
	}
	return hc;
}

void
hubclient_free(struct hubclient *hc)
{
	if (hc == NULL)
		return;
	hub_chan_clear(&hc->chan);
	troutes_free(hc->routes);
	sodium_free(hc);	/* wipes */
}

void
hubclient_configure(struct hubclient *hc, const struct tun_hub_msg *m)
{
	hc->conf = *m;
	hc->conf.nick[sizeof(hc->conf.nick) - 1] = '\0';
	hc->configured = 1;
	hc_set_state(hc, HUB_STATE_CONNECTING, "connecting");
}

int
hubclient_is_hub_peer(const struct hubclient *hc, uint32_t id)
{
	return hc != NULL && id >= HUB_PEER_ID_BASE &&
	    id - HUB_PEER_ID_BASE < MAX_HUB_PEERS &&
	    hc->peers[id - HUB_PEER_ID_BASE].used;
}

/* ---- sending --------------------------------------------------------- */

static int
hc_send(struct hubclient *hc, const struct hub_msg *m)
{
	size_t	 len, flen;

	if ((len = hub_msg_encode(m, hc->pt, sizeof(hc->pt))) == 0) {
		log_warnx("hub: cannot encode %s", hub_msg_name(m->type));
		return -1;
	}
	if (hub_chan_seal(&hc->chan, hc->pt, len, hc->frame,
	    sizeof(hc->frame), &flen) != WG_OK) {
		sodium_memzero(hc->pt, len);
		log_warnx("hub: cannot seal %s", hub_msg_name(m->type));
		return -1;
	}
	sodium_memzero(hc->pt, len);
	hc->io.send_frame(hc->io.arg, hc->frame, flen);
	return 0;
}

/* ---- NAT traversal ------------------------------------------------------ */

static void
send_candidates(struct hubclient *hc)
{
	struct hub_msg	 m;

	if (hc->state != HC_ONLINE || !hc->have_cands)
		return;
	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_CANDIDATES;
	m.u.cands = hc->cands;
	if (hc_send(hc, &m) == 0)
		log_debug("hub: %u candidates sent", hc->cands.n);
}

void
hubclient_candidates(struct hubclient *hc, const struct hub_candidates *c)
{
	if (hc->have_cands && memcmp(&hc->cands, c, sizeof(*c)) == 0)
		return;
	hc->cands = *c;
	hc->have_cands = 1;
	send_candidates(hc);
}

/* ---- the relay's registration (relayreg.h) ----------------------------- */

/* A REGISTER when one is due, for the engine to send to the hub. */
static void
relay_tick(struct hubclient *hc, uint64_t now)
{
	uint8_t	 msg[RELAY_AUTH_LEN];

	if (hc->state != HC_ONLINE)
		return;
	if (relayreg_due(&hc->relay, now, msg))
		hc->io.relay_register(hc->io.arg, msg, sizeof(msg));
	hubguest_tick(&hc->guests, &hc->io.guest, now);
}

/*
 * This login's relay credentials (RELAY_INFO).  The token stays here:
 * the engine learns our relay id, and registers with what we build.
 */
static void
relay_begin(struct hubclient *hc, const struct hub_relay_info *ri)
{
	relayreg_begin(&hc->relay, ri, hc->now);
#ifdef HAMD_TEST_HOOKS
	if (hc->dev->keylog) {
		char	 hex[2 * HUB_RELAY_TOKEN_LEN + 1];

		/* Test builds only: lets a test look for the token. */
		(void)sodium_bin2hex(hex, sizeof(hex), ri->token,
		    sizeof(ri->token));
		log_info("test hook: relay token %s", hex);
	}
#endif
	hc->io.engine_relay(hc->io.arg, ri->relay_id);
	relay_tick(hc, hc->now);
}

/* The hub forgets our relay session with the login. */
static void
relay_end(struct hubclient *hc)
{
	relayguest_clear(&hc->guests);
	if (hc->relay.id == 0)
		return;
	relayreg_end(&hc->relay);
	hc->io.engine_relay(hc->io.arg, 0);
}

void
hubclient_relay_answer(struct hubclient *hc, const uint8_t *msg, size_t len)
{
	if (hc->state != HC_ONLINE ||
	    relayreg_answer(&hc->relay, msg, len) == -1) {
		log_debug("hub: a REGISTERED that answers none of ours; "
		    "ignored");
		return;
	}
	hc->io.relay_confirmed(hc->io.arg, hc->relay.id);
}

void
hubclient_relay_guest_answer(struct hubclient *hc,
    const struct relay_guest_msg *m, uint64_t now)
{
	if (hc->state != HC_ONLINE ||
	    hubguest_answer(&hc->guests, &hc->io.guest, m, now) == -1)
		log_debug("hub: a REGISTERED from another hub that answers "
		    "none of ours; ignored");
}


/*
 * Addresses nobody can be reached at; the hub checked the rest, and
 * only an authenticated packet ever makes a candidate an endpoint.
 */
static int
cand_usable(const struct hubclient *hc, const struct hub_candidate *c)
{
	const uint8_t		*a = c->addr.addr;

	if (c->kind < HUB_CAND_LAN || c->kind >= HUB_CAND_MAX_KIND ||
	    c->addr.port == 0 || !addr_is_unicast(&c->addr))
		return 0;
	/*
	 * Not in our overlay prefix: a probe there would go into our own
	 * tunnel, and a path there would loop through it.
	 */
	if (c->addr.af == AF_INET)
		return !addr_bits_equal(a, hc->st.addr.v4,
		    hc->st.addr.v4_plen);
	return !addr_bits_equal(a, hc->st.addr.v6, hc->st.addr.v6_plen);
}

static void
peer_paths(struct hubclient *hc, const struct hub_peer_paths *pp)
{
	struct engine_paths_msg	 m;
	struct hc_peer		*hp;
	char			 b64[KEY_B64_LEN + 1];
	unsigned int		 i, dropped = 0;

	/* PEER_UP comes first; after a login, the peer's own again. */
	if ((hp = peer_find(hc, pp->key)) == NULL ||
	    (hc->syncing && !hp->listed)) {
		key_to_base64(b64, pp->key);
		log_debug("hub: paths of %s, not a peer of ours (yet); "
		    "ignored", b64);
		return;
	}
	memset(&m, 0, sizeof(m));
	m.id = hp->id;
	m.relay_id = pp->relay_id;
	m.punch = 1;
	m.cands.nat = pp->cands.nat < NAT_KIND_MAX ? pp->cands.nat :
	    NAT_UNKNOWN;
	for (i = 0; i < pp->cands.n && i < HUB_CAND_MAX; i++) {
		if (!cand_usable(hc, &pp->cands.c[i])) {
			dropped++;
			continue;
		}
		m.cands.c[m.cands.n] = pp->cands.c[i];
		memset(m.cands.c[m.cands.n].pad, 0,
		    sizeof(m.cands.c[m.cands.n].pad));
		m.cands.c[m.cands.n].addr.pad = 0;
		m.cands.n++;
	}
	if (dropped > 0)
		log_debug("hub: %u unusable candidates of peer %u dropped",
		    dropped, hp->id);
	hc->io.engine_paths(hc->io.arg, &m);
}

/* ---- requests from hamctl -------------------------------------------- */

void
hubclient_request(struct hubclient *hc, uint32_t client,
    const struct ctl_cred *cred, const struct hub_request *req, uint64_t now)
{
	struct hub_msg		 m;
	struct hubreq_slot	*slot;

	if (!hc->configured) {
		hc->io.reply_result(hc->io.arg, client, ENOTCONN,
		    "no hub is configured (add a hub line to hamd.conf)");
		return;
	}
	if (hc->state != HC_ONLINE) {
		hc->io.reply_result(hc->io.arg, client, ENOTCONN,
		    "not logged in to the hub yet; see hamctl status");
		return;
	}
	if ((slot = hubreq_new(&hc->reqs, client, cred->uid, req,
	    now + REQUEST_TIMEOUT)) == NULL) {
		hc->io.reply_result(hc->io.arg, client, EBUSY,
		    "too many requests in flight; try again");
		return;
	}
	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_REQUEST;
	m.u.req = *req;
	m.u.req.id = slot->hub_id;
	if (hc_send(hc, &m) == -1) {
		sodium_memzero(&m, sizeof(m));
		slot->hub_id = 0;
		hc->io.reply_result(hc->io.arg, client, EINVAL,
		    "the request does not fit the hub protocol");
		return;
	}
	sodium_memzero(&m, sizeof(m));
}

void
hubclient_logout(struct hubclient *hc)
{
	struct hub_msg	 m;

	if (hc->state != HC_ONLINE)
		return;
	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_LOGOUT;
	(void)hc_send(hc, &m);
	hc->io.close_conn(hc->io.arg);
	hub_chan_clear(&hc->chan);
	hc->state = HC_IDLE;
	relay_end(hc);
	log_info("logged out of the hub");
	audit("hub-logout", "peers=%d", hc->dev->npeers);
}

/* ---- what the hub may tell us ------------------------------------------ */

/*
 * A peer's addresses must lie in the pools of our login, not be ours,
 * and not be routed to a peer of hamd.conf: the file's peers keep what
 * the file gives them.
 */
static int
peer_addrs_acceptable(struct hubclient *hc, const struct hub_peer *p)
{
	const struct hub_login_ok	*ok = &hc->st.addr;
	uint32_t			 owner;

	if (!addr_bits_equal(p->v4, ok->v4, ok->v4_plen) ||
	    !addr_bits_equal(p->v6, ok->v6, ok->v6_plen) ||
	    memcmp(p->v4, ok->v4, 4) == 0 || memcmp(p->v6, ok->v6, 16) == 0)
		return 0;
	owner = allowedips_lookup(hc->dev->aips, AF_INET, p->v4);
	if (owner != ALLOWEDIPS_PEER_NONE && !hubclient_is_hub_peer(hc, owner))
		return 0;
	owner = allowedips_lookup(hc->dev->aips, AF_INET6, p->v6);
	if (owner != ALLOWEDIPS_PEER_NONE && !hubclient_is_hub_peer(hc, owner))
		return 0;
	return 1;
}

/* ---- peers ----------------------------------------------------------- */

static struct hc_peer *
peer_find(struct hubclient *hc, const uint8_t key[HUB_KEY_LEN])
{
	int	 i;

	for (i = 0; i < MAX_HUB_PEERS; i++)
		if (hc->peers[i].used &&
		    sodium_memcmp(hc->peers[i].key, key, HUB_KEY_LEN) == 0)
			return &hc->peers[i];
	return NULL;
}

static void
peer_remove(struct hubclient *hc, struct hc_peer *hp, const char *why)
{
	char	 b64[KEY_B64_LEN + 1], q[128];

	key_to_base64(b64, hp->key);
	(void)wg_peer_remove(hc->dev, hp->id);
	troutes_forget(hc->routes, hp->id);
	hc->io.engine_peer_del(hc->io.arg, hp->id);
	log_info("hub peer %s removed: %s", b64, why);
	audit("peer-removed", "peer=%s reason=%s", b64,
	    log_quote(why, q, sizeof(q)));
	memset(hp, 0, sizeof(*hp));
}

void
hubclient_forget(struct hubclient *hc, const uint8_t key[HUB_KEY_LEN])
{
	struct hc_peer	*hp;

	if ((hp = peer_find(hc, key)) != NULL)
		peer_remove(hc, hp, "configured in hamd.conf now");
}

static void
peer_up(struct hubclient *hc, const struct hub_peer *hpm, uint64_t now)
{
	struct ip_prefix	 allowed[3];
	struct hc_peer		*hp;
	struct wg_peer		*wp;
	char			 b64[KEY_B64_LEN + 1], name[64];
	uint32_t		 owner;
	int			 i, fresh = 0;

	key_to_base64(b64, hpm->key);
	if (sodium_memcmp(hpm->key, hc->dev->self.pub, HUB_KEY_LEN) == 0) {
		log_warnx("hub announced our own key as a peer; ignored");
		return;
	}
	if ((wp = wg_peer_by_key(hc->dev, hpm->key)) != NULL &&
	    !wp->from_hub) {
		log_info("hub peer %s is configured in hamd.conf; the file "
		    "wins", b64);
		return;
	}
	if (!peer_addrs_acceptable(hc, hpm)) {
		log_warnx("hub peer %s: its addresses are outside the overlay, "
		    "ours, or a configured peer's; ignored", b64);
		audit("hub-peer-refused", "peer=%s", b64);
		return;
	}
	if ((hp = peer_find(hc, hpm->key)) == NULL) {
		if (hpm->endpoint.af == 0 && hc->syncing)
			return;		/* entitled but offline: nothing to do */
		for (i = 0; i < MAX_HUB_PEERS && hp == NULL; i++)
			if (!hc->peers[i].used)
				hp = &hc->peers[i];
		if (hp == NULL) {
			log_warnx("hub peer %s: too many peers", b64);
			return;
		}
		memset(hp, 0, sizeof(*hp));
		hp->used = 1;
		hp->id = HUB_PEER_ID_BASE + (uint32_t)(hp - hc->peers);
		memcpy(hp->key, hpm->key, HUB_KEY_LEN);
		fresh = 1;
	}
	hp->listed = 1;
	hp->check_until = 0;
	memcpy(hp->v4, hpm->v4, 4);
	memcpy(hp->v6, hpm->v6, 16);
	/* A peer reaches us from its own overlay addresses, nothing else. */
	memset(allowed, 0, sizeof(allowed));
	allowed[0].af = AF_INET;
	allowed[0].plen = 32;
	memcpy(&allowed[0].addr.v4, hpm->v4, 4);
	allowed[1].af = AF_INET6;
	allowed[1].plen = 128;
	memcpy(&allowed[1].addr.v6, hpm->v6, 16);
	/* The link-local address its hamd sets (netconf.c): multicast. */
	allowed[2].af = AF_INET6;
	allowed[2].plen = 128;
	lan_link_local((uint8_t *)&allowed[2].addr.v6, hpm->v6);
	/*
	 * An address is one peer's, and the hub's latest word on it wins:
	 * a hub peer still holding one of these (the hub gave it to
	 * another node while we were away, say) goes, rather than stay
	 * on without its allowed IPs.  Hub peers hold only a /32 and two
	 * /128s, so a lookup that names one is an exact match.
	 */
	for (i = 0; i < 3; i++) {
		owner = allowedips_lookup(hc->dev->aips, allowed[i].af,
		    &allowed[i].addr);
		if (owner != hp->id && hubclient_is_hub_peer(hc, owner))
			peer_remove(hc, &hc->peers[owner - HUB_PEER_ID_BASE],
			    "the hub gave its address to another peer");
	}
	if (hpm->nick[0] != '\0' && hub_nick_valid(hpm->nick))
		(void)snprintf(name, sizeof(name), "%s", hpm->nick);
	else
		(void)snprintf(name, sizeof(name), "%.12s", b64);
	if (wg_peer_set(hc->dev, hp->id, name, hpm->key, NULL,
	    hc->conf.keepalive, allowed, 3, now) == -1) {
		log_warnx("hub peer %s: cannot be added", b64);
		(void)wg_peer_remove(hc->dev, hp->id);
		memset(hp, 0, sizeof(*hp));
		return;
	}
	troutes_reapply(hc->routes, hc->dev, hp->id);
	wp = wg_peer_by_id(hc->dev, hp->id);
	wg_peer_set_hub(wp);
	if (hc->io.peer_lan != NULL)
		hc->io.peer_lan(hc->io.arg, hp->id, hpm->key, hpm->flags);
	if (hpm->endpoint.af != 0) {
		/*
		 * A hint where to send first; only an authenticated packet
		 * (tun's IMSG_ENDPOINT) moves an endpoint later.
		 */
		if (wp->endpoint.af == 0)
			wp->endpoint = hpm->endpoint;
		if (fresh)
			hc->io.engine_peer(hc->io.arg, hp->id, &hpm->endpoint);
	}
	if (fresh) {
		log_info("hub peer %s (%s) up", b64, name);
		audit("peer-added", "peer=%s via=hub", b64);
		if (hpm->endpoint.af != 0)
			wg_peer_initiate(hc->dev, wp, now);
	}
}

static void
peer_check(struct hubclient *hc, const uint8_t key[HUB_KEY_LEN],
    uint64_t now)
{
	struct hc_peer	*hp;
	struct wg_peer	*wp;

	if ((hp = peer_find(hc, key)) == NULL ||
	    (wp = wg_peer_by_id(hc->dev, hp->id)) == NULL)
		return;
	if (hp->check_until != 0)
		return;
	hp->check_until = now + CHECK_TIMEOUT;
	hp->check_rx = wp->st.rx_packets;
	hp->check_hs = wp->st.handshakes;
	log_info("checking that peer %s is alive", wp->name);
	wg_peer_initiate(hc->dev, wp, now);
}

static void
peers_tick(struct hubclient *hc, uint64_t now)
{
	struct wg_peer	*wp;
	int		 i;

	for (i = 0; i < MAX_HUB_PEERS; i++) {
		struct hc_peer	*hp = &hc->peers[i];

		if (!hp->used || hp->check_until == 0)
			continue;
		if ((wp = wg_peer_by_id(hc->dev, hp->id)) == NULL) {
			memset(hp, 0, sizeof(*hp));
			continue;
		}
		if (wp->st.rx_packets != hp->check_rx ||
		    wp->st.handshakes != hp->check_hs) {
			hp->check_until = 0;	/* it answered */
			continue;
		}
		if (now >= hp->check_until)
			peer_remove(hc, hp, "did not answer a liveness check");
	}
}

static void
sync_end(struct hubclient *hc)
{
	struct hub_request	 req;
	struct ctl_cred		 cred;
	int			 i;

	hc->syncing = 0;
	for (i = 0; i < MAX_HUB_PEERS; i++)
		if (hc->peers[i].used && !hc->peers[i].listed)
			peer_remove(hc, &hc->peers[i],
			    "no longer shares a network with us");
	troutes_sync_end(hc->routes, hc->dev);
	if (hc->conf.names) {	/* member names from now on */
		memset(&req, 0, sizeof(req));
		memset(&cred, 0, sizeof(cred));
		req.op = HUB_OP_NAMES;
		hubclient_request(hc, HUBCLIENT_SELF, &cred, &req, hc->now);
	}
}

/* A member's names (ours: our own addresses), for the responder. */
static void
peer_names(struct hubclient *hc, const struct hub_peer_names *pn)
{
	struct hc_peer	*hp = NULL;

	if (sodium_memcmp(pn->key, hc->dev->self.pub, HUB_KEY_LEN) != 0 &&
	    (hp = peer_find(hc, pn->key)) == NULL)
		return;
	hc->io.engine_names(hc->io.arg, hp != NULL ? hp->id : 0,
	    hp != NULL ? hp->v4 : hc->st.addr.v4,
	    hp != NULL ? hp->v6 : hc->st.addr.v6, pn);
}

/* A gateway's approved routes (our own key: those we serve). */
static void
peer_routes(struct hubclient *hc, const struct hub_peer_routes *pr)
{
	struct hc_peer	*hp = NULL;

	if (sodium_memcmp(pr->key, hc->dev->self.pub, HUB_KEY_LEN) != 0 &&
	    (hp = peer_find(hc, pr->key)) == NULL)
		return;		/* not our peer: nothing goes through it */
	troutes_offer(hc->routes, hc->dev, hp != NULL ? hp->id : 0, pr,
	    &hc->st.addr);
}

/* hamd.conf's advertise-route lines, at each login; answers are logged. */
static void
advertise(struct hubclient *hc)
{
	const struct routes_msg	*a = troutes_config(hc->routes);
	struct hub_request	 req;
	struct ctl_cred		 cred;
	uint32_t		 i;

	memset(&cred, 0, sizeof(cred));
	for (i = 0; i < a->n; i++) {
		memset(&req, 0, sizeof(req));
		req.op = HUB_OP_ADVERTISE;
		req.prefix = a->p[i];
		hubclient_request(hc, HUBCLIENT_SELF, &cred, &req, hc->now);
	}
}

void
hubclient_routes_set(struct hubclient *hc, const struct routes_msg *m)
{
	troutes_accept(hc->routes, hc->dev, m);
}

struct troutes *
hubclient_routes(struct hubclient *hc)
{
	return hc->routes;
}

void
hubclient_advertise(struct hubclient *hc, const struct routes_msg *m)
{
	troutes_set_config(hc->routes, m);
	if (hc->state == HC_ONLINE)
		advertise(hc);
}

/* ---- receiving ------------------------------------------------------- */

/*
 * The session is over, whoever ended it.  Tunnels stay; but without the
 * hub nobody tells us a peer went away, so each one is checked, and
 * those that answer keep their tunnels.
 */
static void
session_end(struct hubclient *hc)
{
	int	 i, was_online = hc->state == HC_ONLINE;

	hub_chan_clear(&hc->chan);
	hc->state = HC_IDLE;
	hc->syncing = 0;
	relay_end(hc);
	hubreq_end(&hc->reqs, 0, hc->io.reply_result, hc->io.arg, ENOTCONN,
	    "the hub connection was lost");
	if (!was_online)
		return;
	log_warnx("lost the hub connection; tunnels stay up");
	audit("hub-lost", "peers=%d", hc->dev->npeers);
	for (i = 0; i < MAX_HUB_PEERS; i++)
		if (hc->peers[i].used)
			peer_check(hc, hc->peers[i].key, hc->now);
}

static void
hc_fail(struct hubclient *hc, const char *why)
{
	log_warnx("hub: %s; closing the connection", why);
	hc->io.close_conn(hc->io.arg);
	session_end(hc);
	hc_set_state(hc, HUB_STATE_CONNECTING, why);
}

static void
on_login_ok(struct hubclient *hc, const struct hub_login_ok *ok)
{
	char	 v4[INET_ADDRSTRLEN], v6[INET6_ADDRSTRLEN];
	int	 i;

	if (!hub_pools_acceptable(ok)) {
		hc_fail(hc, "hub assigned addresses outside private IPv4, "
		    "100.64.0.0/10 and ULA IPv6 space; refused");
		return;
	}
	hc->state = HC_ONLINE;
	hc->syncing = 1;
	for (i = 0; i < MAX_HUB_PEERS; i++)
		hc->peers[i].listed = 0;
	troutes_sync_begin(hc->routes);
	hc->st.addr = *ok;
	(void)inet_ntop(AF_INET, ok->v4, v4, sizeof(v4));
	(void)inet_ntop(AF_INET6, ok->v6, v6, sizeof(v6));
	log_info("logged in to the hub: %s/%u %s/%u", v4, ok->v4_plen, v6,
	    ok->v6_plen);
	audit("hub-login", "address=%s address6=%s", v4, v6);
	hc_set_state(hc, HUB_STATE_ONLINE, NULL);
	send_candidates(hc);
	advertise(hc);
}

static void
on_message(struct hubclient *hc, const struct hub_msg *m, uint64_t now)
{
	struct hubreq_slot	*pd;
	struct hc_peer		*hp;
	struct hub_msg		 pong;

	if (hc->state == HC_LOGIN && m->type != HUB_MSG_LOGIN_OK &&
	    m->type != HUB_MSG_LOGIN_REFUSED) {
		hc_fail(hc, "hub sent a message before answering the login");
		return;
	}
	switch (m->type) {
	case HUB_MSG_LOGIN_OK:
		if (hc->state != HC_LOGIN) {
			hc_fail(hc, "hub sent a second login answer");
			return;
		}
		on_login_ok(hc, &m->u.login_ok);
		break;
	case HUB_MSG_LOGIN_REFUSED:
		log_warnx("hub refused the login: %s", m->u.refused.msg);
		audit("hub-login-refused", "reason=%u",
		    m->u.refused.reason);
		hc->io.close_conn(hc->io.arg);
		session_end(hc);
		hc_set_state(hc, HUB_STATE_REFUSED, m->u.refused.msg);
		break;
	case HUB_MSG_PEER_UP:
		peer_up(hc, &m->u.peer, now);
		break;
	case HUB_MSG_PEER_DOWN:
		if ((hp = peer_find(hc, m->u.peer.key)) != NULL)
			peer_remove(hc, hp, "the hub took it down");
		break;
	case HUB_MSG_PEER_CHECK:
		peer_check(hc, m->u.peer.key, now);
		break;
	case HUB_MSG_PING:
		memset(&pong, 0, sizeof(pong));
		pong.type = HUB_MSG_PONG;
		pong.u.ping = m->u.ping;
		(void)hc_send(hc, &pong);
		break;
	case HUB_MSG_PONG:
		break;
	case HUB_MSG_RELAY_INFO:
		if (m->u.relay.relay_id == 0) {
			hc_fail(hc, "hub sent relay id 0");
			return;
		}
		relay_begin(hc, &m->u.relay);
		break;
	case HUB_MSG_PEER_PATHS:
		peer_paths(hc, &m->u.paths);
		break;
	case HUB_MSG_PEER_ROUTES:
		peer_routes(hc, &m->u.routes);
		break;
	case HUB_MSG_PEER_NAMES:
		peer_names(hc, &m->u.names);
		break;
	case HUB_MSG_PEER_RELAY:
		/*
		 * The relay through a peer's hub of the cluster; the guest
		 * token stays in hc->guests (the caller wipes the message).
		 */
		if ((hp = peer_find(hc, m->u.prelay.key)) != NULL)
			hubguest_offer(&hc->guests, &hc->io.guest, hp->id,
			    &m->u.prelay, now);
		break;
	case HUB_MSG_ROUTE_ENTRY:
		if ((pd = hubreq_find(&hc->reqs, m->u.route.id)) != NULL) {
			struct hub_route_info	 ri = m->u.route;

			ri.id = 0;
			hc->io.reply_route(hc->io.arg, pd->client, &ri);
		}
		break;
	case HUB_MSG_NET_ENTRY:
		if ((pd = hubreq_find(&hc->reqs, m->u.net.id)) != NULL) {
			struct hub_net_info	 ni = m->u.net;

			ni.id = 0;
			hc->io.reply_net(hc->io.arg, pd->client, &ni);
		}
		break;
	case HUB_MSG_MEMBER_ENTRY:
		if ((pd = hubreq_find(&hc->reqs, m->u.member.id)) != NULL) {
			struct hub_member_info	 mi = m->u.member;

			mi.id = 0;
			hc->io.reply_member(hc->io.arg, pd->client, &mi);
		}
		break;
	case HUB_MSG_RESPONSE:
		/* Response 0 ends the peer list that follows a login. */
		if (m->u.resp.id == 0) {
			if (hc->syncing)
				sync_end(hc);
			break;
		}
		if ((pd = hubreq_find(&hc->reqs, m->u.resp.id)) != NULL) {
			hub_audit_request(pd->op, pd->net, pd->uid,
			    m->u.resp.code);
			hc->io.reply_result(hc->io.arg, pd->client,
			    m->u.resp.code, m->u.resp.msg);
			pd->hub_id = 0;
		}
		break;
	default:
		hc_fail(hc, "hub sent a message only nodes send");
		break;
	}
}

void
hubclient_conn_open(struct hubclient *hc, const struct hub_conn_msg *c,
    uint64_t now)
{
	size_t	 len;

	if (!hc->configured || !hc->dev->have_key) {
		hc->io.close_conn(hc->io.arg);
		return;
	}
	hub_chan_clear(&hc->chan);
	if (hub_chan_initiate(&hc->chan, &hc->proto, &hc->dev->self,
	    hc->conf.hub_pub, hc->frame, sizeof(hc->frame), &len) != WG_OK) {
		hc_fail(hc, "cannot start the handshake (bad hub key?)");
		return;
	}
	hc->io.send_frame(hc->io.arg, hc->frame, len);
	hc->state = HC_HANDSHAKE;
	hc->deadline = now + HANDSHAKE_TIMEOUT;
	hc->last_rx = now;
	(void)c;
	log_debug("hub: connected, handshake sent");
}

void
hubclient_conn_closed(struct hubclient *hc, uint64_t now)
{
	hc->now = now;
	session_end(hc);
	if (hc->st.state != HUB_STATE_REFUSED)
		hc_set_state(hc, HUB_STATE_CONNECTING,
		    "connection lost; reconnecting");
}

void
hubclient_frame(struct hubclient *hc, const uint8_t *body, size_t len,
    uint64_t now)
{
	struct hub_msg	 m;
	struct hub_msg	 login;
	size_t		 ptlen;

	hc->now = now;
	hc->last_rx = now;
	switch (hc->state) {
	case HC_IDLE:
		return;
	case HC_HANDSHAKE:
		if (hub_chan_finish(&hc->chan, body, len) != WG_OK) {
			hc_fail(hc, "the hub did not prove its key");
			return;
		}
		memset(&login, 0, sizeof(login));
		login.type = HUB_MSG_LOGIN;
		login.u.login.version = HUB_PROTOCOL_VERSION;
		login.u.login.udp_port = hc->conf.udp_port;
		memcpy(login.u.login.nick, hc->conf.nick,
		    sizeof(login.u.login.nick));
		if (hc_send(hc, &login) == -1) {
			hc_fail(hc, "cannot send the login");
			return;
		}
		hc->state = HC_LOGIN;
		hc->deadline = now + HANDSHAKE_TIMEOUT;
		hc->next_ping = now + PING_INTERVAL;
		return;
	default:
		break;
	}
	if (hub_chan_open(&hc->chan, body, len, hc->pt, sizeof(hc->pt),
	    &ptlen) != WG_OK) {
		hc_fail(hc, "a frame from the hub failed authentication");
		return;
	}
	if (hub_msg_decode(&m, hc->pt, ptlen) == -1) {
		sodium_memzero(hc->pt, ptlen);
		hc_fail(hc, "the hub sent a malformed message");
		return;
	}
	sodium_memzero(hc->pt, ptlen);
	hub_msg_sanitize(&m);
	on_message(hc, &m, now);
	sodium_memzero(&m, sizeof(m));
}

void
hubclient_tick(struct hubclient *hc, uint64_t now)
{
	struct hub_msg	 ping;

	hc->now = now;
	peers_tick(hc, now);
	hubreq_end(&hc->reqs, now, hc->io.reply_result, hc->io.arg, ETIMEDOUT,
	    "the hub did not answer in time");
	switch (hc->state) {
	case HC_HANDSHAKE:
	case HC_LOGIN:
		if (now >= hc->deadline)
			hc_fail(hc, "the hub did not answer the login in "
			    "time");
		break;
	case HC_ONLINE:
		if (now - hc->last_rx > HUB_SILENCE_MAX) {
			hc_fail(hc, "the hub went silent");
			break;
		}
		relay_tick(hc, now);
		if (now >= hc->next_ping) {
			memset(&ping, 0, sizeof(ping));
			ping.type = HUB_MSG_PING;
			randombytes_buf(&ping.u.ping, sizeof(ping.u.ping));
			(void)hc_send(hc, &ping);
			hc->next_ping = now + PING_INTERVAL;
		}
		break;
	default:
		break;
	}
}
