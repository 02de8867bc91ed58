/* Hub peers' paths and probes; see engine_paths.h and pathsel.h. */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "compat/util.h"
#include "daemon/engine_addr.h"
#include "daemon/engine_ctx.h"
#include "daemon/engine_nat.h"
#include "daemon/engine_paths.h"
#include "daemon/engine_relay.h"
#include "daemon/engine_sock.h"
#include "daemon/engine_tx.h"
#include "daemon/engine_xrelay.h"
#include "privsep/log.h"

#define PROBE_PUNCH_MS		10000	/* resends to candidates after a punch */
static const uint16_t probe_resend_ms[] = { 250, 500, 1000, 2000 };
#define PROBE_RESENDS		nitems(probe_resend_ms)

TAILQ_HEAD(engine_hp_list, engine_hp);

static struct {
	struct engine_hp	*hps;		/* id - ENGINE_HUB_ID_BASE */
	struct engine_hp_list	 active;	/* hub peers the tick looks at */
	struct event		*tick_ev;
} paths;

static void
active_add(struct engine_hp *hp)
{
	struct timeval	 tv = { 0, ENGINE_TICK_MS * 1000 };

	if (hp->active)
		return;
	if (TAILQ_EMPTY(&paths.active) &&
	    evtimer_add(paths.tick_ev, &tv) == -1)
		fatalx("%s: evtimer_add", __func__);
	TAILQ_INSERT_TAIL(&paths.active, hp, entry);
	hp->active = 1;
}

static void
active_del(struct engine_hp *hp)
{
	if (!hp->active)
		return;
	TAILQ_REMOVE(&paths.active, hp, entry);
	hp->active = 0;
	if (TAILQ_EMPTY(&paths.active))
		(void)evtimer_del(paths.tick_ev);
}

int
paths_idle(void)
{
	return TAILQ_EMPTY(&paths.active);
}

void
paths_sent(struct engine_peer *p)
{
	if (p->hp != NULL)
		active_add(p->hp);
}

/*
 * Whether the peer is at another hub of the cluster that relays for us
 * (our guest registration there is confirmed): then its relayed packets
 * go there, by UDP, else through our own hub, where the peer may be a
 * guest (PROTOCOL.md, "Relay across hubs").
 */
static int
xrelay_for(const struct engine_hp *hp, uint64_t now)
{
	return hp->xhub.af != 0 && hp->xrelay_id != 0 &&
	    xrelay_usable(&hp->xhub, now);
}

/*
 * A copy for the peer through the relay: want as relay_send's, or
 * PATH_NONE for the best way we have.
 */
static int
hp_relay_send(struct engine_hp *hp, int want, const uint8_t *pkt,
    size_t len)
{
	int	 r;

	if (want == PATH_NONE && xrelay_for(hp, now_ms()))
		r = relay_send_guest(hp->peer, &hp->xhub, hp->xrelay_id, pkt,
		    len);
	else
		r = relay_send(hp->peer, hp->relay_id, want, pkt, len);
	if (r == -1)
		return -1;
	active_add(hp);
	return 0;
}

static int
relay_usable(const struct engine_hp *hp, uint64_t now)
{
	return (hp->relay_id != 0 && relay_mode(now) != PATH_NONE) ||
	    xrelay_for(hp, now);
}

static void
hp_cand_add(struct engine_hp *hp, const struct pkt_addr *a, int lan)
{
	unsigned int	 i;

	for (i = 0; i < hp->ncand; i++) {
		if (addr_equal(&hp->cand[i], a)) {
			hp->cand_lan[i] |= lan;
			return;
		}
	}
	if (hp->ncand < ENGINE_MAX_CANDS) {
		hp->cand[hp->ncand] = *a;
		hp->cand_lan[hp->ncand] = lan;
		hp->ncand++;
	}
}

/* The addresses probes go to: the hub's candidates, PEER_UP's endpoint. */
static void
hp_cands_rebuild(struct engine_peer *p)
{
	struct engine_hp	*hp = p->hp;
	unsigned int		 i;

	hp->ncand = 0;
	for (i = 0; i < hp->hubc.n; i++)
		hp_cand_add(hp, &hp->hubc.c[i].addr,
		    hp->hubc.c[i].kind == HUB_CAND_LAN);
	if (p->conf_ep.af != 0)
		hp_cand_add(hp, &p->conf_ep, 0);
}

/* What an authenticated address is: the relay, a LAN candidate, direct. */
static int
hp_path_kind(const struct engine_hp *hp, const struct pkt_addr *a)
{
	unsigned int	 i;
	int		 k;

	if ((k = relay_pseudo(a)) != PATH_NONE)
		return k;
	/* Relayed by the peer's hub, where we are a guest: by UDP. */
	if (hp->xhub.af != 0 && addr_equal(a, &hp->xhub))
		return PATH_RELAY_UDP;
	for (i = 0; i < hp->ncand; i++)
		if (hp->cand_lan[i] && addr_equal(&hp->cand[i], a))
			return PATH_LAN;
	/* Advertised or not: behind some NATs only this one works. */
	return PATH_DIRECT;
}

/* Both NATs map per destination, or UDP is blocked on a side. */
static int
hp_hopeless(const struct engine_hp *hp)
{
	return nat_kind() == NAT_NO_ANSWER || hp->nat == NAT_NO_ANSWER ||
	    (nat_kind() == NAT_DEPENDENT && hp->nat == NAT_DEPENDENT);
}

static void
path_changed(struct engine_peer *p, int from)
{
	struct engine_hp	*hp = p->hp;
	struct path_info_msg	 m;
	struct timespec		 ts;
	char			 buf[ADDR_STRLEN];

	p->ep = hp->sel.addr;
	p->fast = hp->sel.kind >= PATH_DIRECT;
	ectx.stats.path_changes++;
	p->stats.roams++;
	(void)pkt_addr_str(&p->ep, buf, sizeof(buf));
	log_info("peer %u path %s -> %s, endpoint %s", hp->id,
	    path_kind_str(from), path_kind_str(hp->sel.kind), buf);
	audit("path-change", "peer=%u from=%s to=%s endpoint=%s", hp->id,
	    path_kind_str(from), path_kind_str(hp->sel.kind), buf);
	memset(&m, 0, sizeof(m));
	m.id = hp->id;
	m.path = hp->sel.kind;
	m.addr = p->ep;
	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		ts.tv_sec = 0;
	m.since = ts.tv_sec;
	(void)proc_compose(ectx.ps, HAMD_PROC_TUN, IMSG_PATH_INFO, 0, -1, &m,
	    sizeof(m));
}

/*
 * The candidates changed: the address we send to may have become one of
 * the peer's LAN candidates.  Said at once, not at the next packet from
 * it, which on an idle tunnel is the persistent keepalive (25 s).
 */
static void
hp_relabel(struct engine_peer *p)
{
	struct engine_hp	*hp = p->hp;
	int			 from = hp->sel.kind;

	if (from >= PATH_DIRECT &&
	    pathsel_relabel(&hp->sel, hp_path_kind(hp, &hp->sel.addr)))
		path_changed(p, from);
}

static void
probe_msg(uint32_t id, int32_t kind)
{
	struct peer_probe_msg	 m;

	memset(&m, 0, sizeof(m));
	m.id = id;
	m.kind = kind;
	(void)proc_compose(ectx.ps, HAMD_PROC_TUN, IMSG_PEER_PROBE, 0, -1, &m,
	    sizeof(m));
}

/* Copies to every candidate but the current direct path. */
static void
probe_cands(struct engine_peer *p, const uint8_t *pkt, size_t len)
{
	struct engine_hp	*hp = p->hp;
	unsigned int		 i;

	for (i = 0; i < hp->ncand; i++) {
		if (p->fast && addr_equal(&hp->cand[i], &p->ep))
			continue;
		tx_queue(&hp->cand[i], p, pkt, len);
		ectx.stats.probes++;
	}
}

/*
 * A probe (or, with no path yet, a handshake message): to the current
 * path, every candidate, and the relay unless that is the current path,
 * so whichever way works answers.  cache: keep it for the resends.
 */
static void
probe_out(struct engine_peer *p, const uint8_t *pkt, size_t len, int cache)
{
	struct engine_hp	*hp = p->hp;
	uint64_t		 now = now_ms();
	int			 cur = hp->sel.kind;

	if (cur == PATH_NONE && hp->ncand == 0 && !relay_usable(hp, now)) {
		p->stats.no_endpoint++;
		return;
	}
	if (cur >= PATH_DIRECT)
		tx_queue(&p->ep, p, pkt, len);
	probe_cands(p, pkt, len);
	/*
	 * The relay's copy: at once when there is no path yet, else
	 * PROBE_RELAY_MS after the others, also when the relay is the
	 * current path.  Every copy is the same packet, so the peer takes
	 * the first to arrive and drops the rest as replays: a relay copy
	 * that overtook a direct one would hide a direct path that works
	 * (from a relayed pair trying to go direct, the direct copy is the
	 * point of the probe) or, answered, look like one that failed
	 * (the peer answers a handshake where its first copy came from:
	 * pathsel.h).
	 */
	hp->probe_relay = 0;
	if (cur == PATH_NONE && relay_usable(hp, now))
		(void)hp_relay_send(hp, PATH_NONE, pkt, len);
	else if (cur != PATH_NONE && relay_usable(hp, now))
		hp->probe_relay = 1;
	/*
	 * The candidates get resends only while hole punching is timed:
	 * just after the hub told both sides to probe, or with no path
	 * yet.  Later probes go once: a candidate that never answers then
	 * costs one packet per probe, whoever named it.
	 */
	hp->probe_cands = hp->ncand > 0 && (cur == PATH_NONE ||
	    (hp->punch_at != 0 && now - hp->punch_at < PROBE_PUNCH_MS));
	if (cache && len <= PROBE_CACHE_LEN &&
	    (hp->probe_cands || hp->probe_relay)) {
		memcpy(hp->probe, pkt, len);
		hp->probe_len = (uint16_t)len;
		hp->probe_at = now;
		hp->probe_step = 0;
		active_add(hp);
	} else
		hp->probe_relay = 0;
}

void
paths_tx(struct engine_peer *p, const struct pkt_rec *rec, const uint8_t *pkt)
{
	struct engine_hp	*hp = p->hp;
	int			 k;

	if (hp == NULL) {
		/* A configured peer is always fast: cannot happen. */
		fatalx("%s: peer %u has no path state", __func__, rec->peer);
	}
	if (rec->flags & PKT_F_TO_ADDR) {
		/* An answer, back where its question came from. */
		if (hp->xhub.af != 0 && addr_equal(&rec->addr, &hp->xhub))
			(void)relay_send_guest(p, &hp->xhub, hp->xrelay_id,
			    pkt, rec->len);
		else if ((k = relay_pseudo(&rec->addr)) != PATH_NONE)
			(void)hp_relay_send(hp, k, pkt, rec->len);
		else
			tx_queue(&rec->addr, p, pkt, rec->len);
		return;
	}
	if (rec->flags & PKT_F_PROBE) {
		probe_out(p, pkt, rec->len, 1);
		return;
	}
	switch (hp->sel.kind) {
	case PATH_NONE:
		/* Nothing authenticated yet: a handshake goes everywhere. */
		if (rec->flags & PKT_F_HANDSHAKE)
			probe_out(p, pkt, rec->len, 0);
		else
			p->stats.no_endpoint++;
		break;
	case PATH_RELAY_UDP:
	case PATH_RELAY_TCP:
		(void)hp_relay_send(hp, PATH_NONE, pkt, rec->len);
		break;
	default:
		tx_queue(&p->ep, p, pkt, rec->len);
		break;
	}
}

/* One hub peer's timers; sends are queued, the caller flushes. */
static void
tick_peer(struct engine_hp *hp, uint64_t now)
{
	struct engine_peer	*p = hp->peer;
	struct pkt_addr		 ra;
	uint64_t		 el;
	int			 mode, from, a;

	/* Data taken from tun since the last look: "we send". */
	if (p->stats.tx_data != hp->data_seen)
		pathsel_sent(&hp->sel, now);
	hp->data_seen = p->stats.tx_data;
	if (xrelay_for(hp, now)) {
		/* Through the peer's hub: its relay address names the way. */
		mode = PATH_RELAY_UDP;
		ra = hp->xhub;
	} else {
		mode = hp->relay_id != 0 ? relay_mode(now) : PATH_NONE;
		relay_pseudo_addr(mode, &ra);
	}
	from = hp->sel.kind;
	a = pathsel_tick(&hp->sel, now, mode != PATH_NONE, mode, &ra,
	    hp->ncand > 0, hp_hopeless(hp));
	if (a & PATHSEL_A_CHANGED)
		path_changed(p, from);
	/* tun answers a keepalive probe with a handshake when it must. */
	if (a & PATHSEL_A_HANDSHAKE)
		probe_msg(hp->id, PROBE_HANDSHAKE);
	else if (a & PATHSEL_A_KEEPALIVE)
		probe_msg(hp->id, PROBE_KEEPALIVE);
	if (hp->probe_len == 0)
		return;
	el = now - hp->probe_at;
	if (hp->probe_relay && el >= PROBE_RELAY_MS) {
		if (relay_usable(hp, now))
			(void)hp_relay_send(hp, PATH_NONE, hp->probe,
			    hp->probe_len);
		hp->probe_relay = 0;
	}
	if (hp->probe_cands && hp->probe_step < PROBE_RESENDS &&
	    el >= probe_resend_ms[hp->probe_step]) {
		probe_cands(p, hp->probe, hp->probe_len);
		hp->probe_step++;
	}
	if (!hp->probe_relay &&
	    (!hp->probe_cands || hp->probe_step == PROBE_RESENDS))
		hp->probe_len = 0;
}

/*
 * Every ENGINE_TICK_MS while some hub peer needs watching: those that
 * sent lately, probe, or have probe copies to resend.  The others are
 * off the list until they send or hear from tun or the hub again, so
 * thousands of idle peers cost nothing.
 */
void
paths_tick(int fd, short what, void *arg)
{
	struct engine_hp	*hp, *next;
	uint64_t		 now = now_ms();

	for (hp = TAILQ_FIRST(&paths.active); hp != NULL; hp = next) {
		next = TAILQ_NEXT(hp, entry);
		tick_peer(hp, now);
		if (hp->probe_len == 0 &&
		    !pathsel_busy(&hp->sel, now, hp->ncand > 0))
			active_del(hp);
	}
	/* The resends point into the caches: out before anything moves. */
	tx_flush_all();
}

/*
 * A hub peer from tun.  Its endpoint (PEER_UP's) is only a candidate:
 * its path comes from what authenticates.
 */
void
paths_peer(uint32_t id, const struct pkt_addr *endpoint)
{
	struct engine_peer	*p = peer_slot(id);
	struct engine_hp	*hp = &paths.hps[id - ENGINE_HUB_ID_BASE];
	char			 buf[ADDR_STRLEN];

	if (!p->configured) {
		memset(p, 0, sizeof(*p));
		memset(hp, 0, sizeof(*hp));
		p->configured = 1;
		p->hp = hp;
		hp->id = id;
		hp->peer = p;
		pathsel_init(&hp->sel);
		log_debug("hub peer %u added, candidate %s", id,
		    pkt_addr_str(endpoint, buf, sizeof(buf)));
	}
	p->conf_ep = *endpoint;
	hp_cands_rebuild(p);
	hp_relabel(p);
	active_add(p->hp);
}

void
paths_peer_del(struct engine_peer *p)
{
	if (p->hp != NULL) {
		active_del(p->hp);
		memset(p->hp, 0, sizeof(*p->hp));
	}
	memset(p, 0, sizeof(*p));
}

void
paths_endpoint(struct engine_peer *p, const struct pkt_addr *a, int response)
{
	struct engine_hp	*hp = p->hp;
	int			 from = hp->sel.kind;

	if (a->port == 0 && relay_pseudo(a) == PATH_NONE) {
		log_debug("%s: peer %u: stale relay address ignored",
		    __func__, hp->id);
		return;
	}
	if ((response ? pathsel_answered : pathsel_authenticated)(&hp->sel,
	    hp_path_kind(hp, a), a, now_ms())) {
		path_changed(p, from);
		/*
		 * Up from the relay (or LAN from direct): what came this way
		 * may have been the peer's probe, sent while it stays on the
		 * lower way, and a keepalive on an idle tunnel is answered
		 * by nothing.  One keepalive of ours on the new path lets
		 * the peer take it too, instead of at our next data or
		 * persistent keepalive (25 s).
		 */
		if (from != PATH_NONE && hp->sel.kind > from &&
		    hp->sel.kind >= PATH_DIRECT)
			probe_msg(hp->id, PROBE_KEEPALIVE);
	}
	active_add(hp);
}

/* tun: a hub peer's candidates, relay id and NAT kind (PEER_PATHS). */
void
paths_msg(struct imsg *imsg)
{
	struct engine_paths_msg	 m;
	struct engine_peer	*p;
	struct engine_hp	*hp;
	struct hub_candidate	*c;
	uint64_t		 now;
	unsigned int		 i;

	if (imsg_get_data(imsg, &m, sizeof(m)) == -1)
		fatalx("%s: bad size", __func__);
	if (!hub_peer_id(m.id) || m.cands.n > HUB_CAND_MAX ||
	    m.cands.nat >= NAT_KIND_MAX)
		fatalx("%s: bad paths message from tun", __func__);
	for (i = 0; i < m.cands.n; i++) {
		c = &m.cands.c[i];
		if (c->kind < HUB_CAND_LAN || c->kind >= HUB_CAND_MAX_KIND ||
		    esock_index(c->addr.af) == -1 || c->addr.port == 0)
			fatalx("%s: peer %u: bad candidate", __func__, m.id);
		addr_normalize(&c->addr);
	}
	if ((p = peer_get(m.id)) == NULL) {
		log_debug("%s: peer %u not known", __func__, m.id);
		return;
	}
	hp = p->hp;
	hp->relay_id = m.relay_id;
	/* A PEER_RELAY follows if the peer is at another hub. */
	memset(&hp->xhub, 0, sizeof(hp->xhub));
	hp->xrelay_id = 0;
	hp->nat = m.cands.nat;
	hp->hubc = m.cands;
	hp_cands_rebuild(p);
	hp_relabel(p);
	log_debug("peer %u: %u candidates, relay id %u%s", m.id, hp->ncand,
	    hp->relay_id, m.punch ? ", punch" : "");
	active_add(hp);
	if (!m.punch)
		return;
	/* The peer probes us right now: so do we. */
	now = now_ms();
	hp->punch_at = now;
	pathsel_punch(&hp->sel, now);
	tick_peer(hp, now);
	tx_flush_all();
}

void
paths_peer_hub(struct imsg *imsg)
{
	struct engine_peer_hub_msg	 m;
	struct engine_peer		*p;
	struct engine_hp		*hp;

	if (imsg_get_data(imsg, &m, sizeof(m)) == -1)
		fatalx("%s: bad size", __func__);
	if (!hub_peer_id(m.id) || m.relay_id == 0 ||
	    (m.hub.af != AF_INET && m.hub.af != AF_INET6) || m.hub.port == 0)
		fatalx("%s: bad peer hub message from tun", __func__);
	addr_normalize(&m.hub);
	if ((p = peer_get(m.id)) == NULL) {
		log_debug("%s: peer %u not known", __func__, m.id);
		return;
	}
	if (xrelay_hub_add(&m.hub) == -1) {
		log_warnx("peer %u: at more than %d other hubs; relayed "
		    "through ours", m.id, XRELAY_HUBS);
		return;
	}
	hp = p->hp;
	hp->xhub = m.hub;
	hp->xrelay_id = m.relay_id;
	log_debug("peer %u: at another hub, relay id %u there", m.id,
	    m.relay_id);
}

void
paths_init(struct privsep *ps)
{
	if ((paths.hps = calloc(ENGINE_HUB_MAX_IDS,
	    sizeof(*paths.hps))) == NULL)
		fatal("%s: calloc", __func__);
	TAILQ_INIT(&paths.active);
	if ((paths.tick_ev = event_new(ps->base, -1, EV_PERSIST, paths_tick,
	    NULL)) == NULL)
		fatalx("%s: event_new", __func__);
	tx_on_sent(paths_sent);
}
