/*
 * tun's watch over its peers: see tunwatch.h.  State is kept per slot
 * of the device's peer table and checked against the peer's id and key,
 * so a slot reused for another peer starts afresh.
 */
#include "autoconf.h"

#include <string.h>
#include <time.h>

#include "compat/compat.h"
#include "compat/util.h"
#include "crypto/key.h"
#include "daemon/hamd_msg.h"
#include "daemon/tunwatch.h"
#include "daemon/wg.h"
#include "privsep/log.h"
#include "privsep/proc.h"

#define SAMPLE_NS	UINT64_C(1000000000)

struct watch {
	uint32_t		 id;		/* 0: slot unused */
	uint8_t			 key[KEY_LEN];
	int			 up;		/* has a session */
	int64_t			 up_ms;		/* since when, unix ms */
	struct wg_peer_stats	 at_up;		/* counters then */
	struct wg_peer_stats	 last;		/* at the latest tick */
	char			 name[CTL_NAME_MAX];
	struct pkt_addr		 addr;		/* where it was reached */
	uint64_t		 handshakes;
	uint64_t		 drops[WG_RESULT_MAX];
	/* counters at the last RATE_WINDOW + 1 samples, a ring */
	struct ctl_rate		 ring[RATE_WINDOW + 1];
	unsigned int		 nsamples;
	unsigned int		 head;
	struct ctl_rate		 rate;
	int32_t			 peer_nat;
	uint32_t		 ncands;
};

static struct {
	struct privsep		*ps;
	struct wg_dev		*dev;
	void			(*snapshot)(void);
	uint64_t		 next_sample;
	uint64_t		 dev_drops[WG_RESULT_MAX];
	int			 hub_online;
	struct watch		 w[WG_MAX_PEERS];
} tw;

/* To control (every monitor) and the web child, if they listen. */
static void
emit(struct ctl_event *ev)
{
	ev->time_ms = unix_ms();
	(void)proc_compose(tw.ps, HAMD_PROC_CONTROL, IMSG_CTL_EVENT, 0, -1, ev,
	    sizeof(*ev));
	if (proc_running(tw.ps, HAMD_PROC_WEB))
		(void)proc_compose(tw.ps, HAMD_PROC_WEB, IMSG_CTL_EVENT, 0, -1,
		    ev, sizeof(*ev));
}

static void
ev_peer(struct ctl_event *ev, int kind, const struct wg_peer *p)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = (uint32_t)kind;
	key_to_base64(ev->key, p->pubkey);
	(void)strlcpy(ev->name, p->name, sizeof(ev->name));
	ev->path = p->path;
	ev->addr = p->path != PATH_NONE && p->path_addr.af != 0 ?
	    p->path_addr : p->endpoint;
}

void
tunwatch_init(struct privsep *ps, struct wg_dev *dev, void (*snapshot)(void))
{
	memset(&tw, 0, sizeof(tw));
	tw.ps = ps;
	tw.dev = dev;
	tw.snapshot = snapshot;
}

/*
 * The tunnel ended: one record of what it carried, for the audit trail
 * and the monitors.  Counts and times only: nothing secret.
 */
static void
transfer_record(const struct ctl_event *ev, const char *addr)
{
	audit("transfer", "peer=%s key=%s endpoint=%s duration=%lld.%03llds "
	    "rx_bytes=%llu tx_bytes=%llu rx_packets=%llu tx_packets=%llu",
	    ev->name, ev->key, addr, (long long)(ev->duration_ms / 1000),
	    (long long)(ev->duration_ms % 1000),
	    (unsigned long long)ev->rx_bytes, (unsigned long long)ev->tx_bytes,
	    (unsigned long long)ev->rx_packets,
	    (unsigned long long)ev->tx_packets);
}

/*
 * The session ended: ev (kind EV_PEER_DOWN, the peer's key, name and
 * address) gets what the tunnel carried since it came up, by the
 * counters st, and goes out with its transfer record.
 */
static void
peer_down(struct watch *w, const struct wg_peer_stats *st,
    struct ctl_event *ev)
{
	char	 a[64];

	ev->duration_ms = unix_ms() - w->up_ms;
	ev->rx_bytes = st->rx_bytes - w->at_up.rx_bytes;
	ev->tx_bytes = st->tx_bytes - w->at_up.tx_bytes;
	ev->rx_packets = st->rx_packets - w->at_up.rx_packets;
	ev->tx_packets = st->tx_packets - w->at_up.tx_packets;
	pkt_addr_str(&ev->addr, a, sizeof(a));
	transfer_record(ev, a);
	emit(ev);
	w->up = 0;
}

static void
sample(struct watch *w, const struct wg_peer *p)
{
	struct ctl_rate	*now, *old;
	unsigned int	 n, span;

	w->head = (w->head + 1) % (RATE_WINDOW + 1);
	now = &w->ring[w->head];
	now->rx_bytes = p->st.rx_bytes;
	now->tx_bytes = p->st.tx_bytes;
	now->rx_packets = p->st.rx_packets;
	now->tx_packets = p->st.tx_packets;
	if (w->nsamples < RATE_WINDOW + 1)
		w->nsamples++;
	n = w->nsamples;
	if (n < 2) {
		memset(&w->rate, 0, sizeof(w->rate));
		return;
	}
	span = n - 1;
	old = &w->ring[(w->head + RATE_WINDOW + 1 - span) % (RATE_WINDOW + 1)];
	w->rate.rx_bytes = (now->rx_bytes - old->rx_bytes) / span;
	w->rate.tx_bytes = (now->tx_bytes - old->tx_bytes) / span;
	w->rate.rx_packets = (now->rx_packets - old->rx_packets) / span;
	w->rate.tx_packets = (now->tx_packets - old->tx_packets) / span;
}

/*
 * Drops since the last report, by reason: one event per reason that
 * grew, for the peer p (NULL: drops no peer can be blamed for).
 */
static void
drops(uint64_t seen[WG_RESULT_MAX], const uint64_t now[WG_RESULT_MAX],
    const struct wg_peer *p)
{
	struct ctl_event	 ev;
	int			 r;

	for (r = 1; r < WG_RESULT_MAX; r++) {
		if (now[r] == seen[r])
			continue;
		if (p != NULL)
			ev_peer(&ev, EV_DROPS, p);
		else {
			memset(&ev, 0, sizeof(ev));
			ev.kind = EV_DROPS;
		}
		ev.reason = (uint32_t)r;
		ev.count = now[r] - seen[r];
		(void)strlcpy(ev.detail, wg_result_str(r), sizeof(ev.detail));
		seen[r] = now[r];
		emit(&ev);
	}
}

/* The peer's record and events, once it is gone from the device. */
static void
peer_gone(struct watch *w)
{
	struct ctl_event	 ev;

	memset(&ev, 0, sizeof(ev));
	key_to_base64(ev.key, w->key);
	(void)strlcpy(ev.name, w->name, sizeof(ev.name));
	ev.addr = w->addr;
	if (w->up) {
		/* Its counters as of the last tick went with it. */
		ev.kind = EV_PEER_DOWN;
		peer_down(w, &w->last, &ev);
	}
	ev.kind = EV_PEER_REMOVE;
	ev.duration_ms = 0;
	ev.rx_bytes = ev.tx_bytes = ev.rx_packets = ev.tx_packets = 0;
	emit(&ev);
	memset(w, 0, sizeof(*w));
}

/* What changed about one peer since the last look. */
static void
watch_peer(struct watch *w, const struct wg_peer *p, uint64_t now)
{
	struct ctl_event	 ev;
	int			 up;

	if (w->id == 0) {
		w->id = p->id;
		memcpy(w->key, p->pubkey, KEY_LEN);
		w->handshakes = p->st.handshakes;
		memcpy(w->drops, p->st.drops, sizeof(w->drops));
		ev_peer(&ev, EV_PEER_ADD, p);
		emit(&ev);
	}
	w->last = p->st;
	(void)strlcpy(w->name, p->name, sizeof(w->name));
	w->addr = p->path != PATH_NONE && p->path_addr.af != 0 ?
	    p->path_addr : p->endpoint;
	if (p->st.handshakes != w->handshakes) {
		w->handshakes = p->st.handshakes;
		ev_peer(&ev, EV_HANDSHAKE, p);
		ev.rtt_us = p->rtt_us;
		ev.count = p->st.handshakes;
		emit(&ev);
	}
	up = wg_peer_has_session(p, now);
	if (up && !w->up) {
		w->up = 1;
		w->up_ms = unix_ms();
		w->at_up = p->st;
		ev_peer(&ev, EV_PEER_UP, p);
		ev.rtt_us = p->rtt_us;
		emit(&ev);
	} else if (!up && w->up) {
		ev_peer(&ev, EV_PEER_DOWN, p);
		peer_down(w, &p->st, &ev);
	}
}

void
tunwatch_tick(uint64_t now)
{
	struct wg_peer		*p;
	struct watch		*w;
	int			 i, second = 0;

	if (now >= tw.next_sample) {
		second = 1;
		tw.next_sample = now + SAMPLE_NS;
	}
	for (i = 0; i < WG_MAX_PEERS; i++) {
		p = tw.dev->peers[i];
		w = &tw.w[i];
		if (w->id != 0 && (p == NULL || p->id != w->id ||
		    memcmp(p->pubkey, w->key, KEY_LEN) != 0))
			peer_gone(w);
		if (p == NULL)
			continue;
		watch_peer(w, p, now);
		if (second) {
			sample(w, p);
			drops(w->drops, p->st.drops, p);
		}
	}
	if (!second)
		return;
	drops(tw.dev_drops, tw.dev->drops, NULL);
	if (proc_running(tw.ps, HAMD_PROC_WEB) && tw.snapshot != NULL)
		tw.snapshot();
}

void
tunwatch_path(const struct wg_peer *p, int path, const struct pkt_addr *addr)
{
	struct ctl_event	 ev;

	int			 i;

	if (p->path == path && addr_equal(&p->path_addr, addr))
		return;
	/* A peer's first path may come before the tick saw the peer. */
	for (i = 0; i < WG_MAX_PEERS; i++)
		if (tw.dev->peers[i] == p) {
			if (tw.w[i].id != 0 && tw.w[i].id != p->id)
				peer_gone(&tw.w[i]);
			/*
			 * Not the last tick's clock: a session made since
			 * would be born after it and look expired (a
			 * peer-down and peer-up around every handshake
			 * that comes just before a path change).
			 */
			watch_peer(&tw.w[i], p, now_ns());
			break;
		}
	ev_peer(&ev, EV_PATH, p);
	ev.old_path = p->path;
	ev.path = path;
	ev.addr = *addr;
	emit(&ev);
}

void
tunwatch_paths(const struct engine_paths_msg *m)
{
	struct wg_peer	*p;
	int		 i;

	/* The hub's word may come before the tick saw the peer. */
	for (i = 0; i < WG_MAX_PEERS; i++) {
		if ((p = tw.dev->peers[i]) == NULL || p->id != m->id)
			continue;
		if (tw.w[i].id != 0 && tw.w[i].id != p->id)
			peer_gone(&tw.w[i]);
		watch_peer(&tw.w[i], p, now_ns());
		tw.w[i].peer_nat = m->cands.nat;
		tw.w[i].ncands = m->cands.n;
		return;
	}
}

void
tunwatch_hub(const struct hub_state_msg *st)
{
	struct ctl_event	 ev;
	int			 online = st->state == HUB_STATE_ONLINE;

	if (online == tw.hub_online)
		return;
	tw.hub_online = online;
	memset(&ev, 0, sizeof(ev));
	ev.kind = online ? EV_HUB_ONLINE : EV_HUB_OFFLINE;
	(void)strlcpy(ev.detail, st->reason, sizeof(ev.detail));
	emit(&ev);
}

void
tunwatch_fill(int slot, const struct wg_peer *p, struct ctl_peer_ext *x)
{
	const struct watch	*w;

	memset(x, 0, sizeof(*x));
	if (slot < 0 || slot >= WG_MAX_PEERS)
		return;
	w = &tw.w[slot];
	if (w->id != p->id)
		return;		/* new since the last tick */
	x->rate = w->rate;
	x->peer_nat = w->peer_nat;
	x->ncands = w->ncands;
	x->up_since = w->up ? w->up_ms : 0;
}
