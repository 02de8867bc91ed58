/*
 * Path selection for a hub peer; the rules are in pathsel.h.  Pure
 * state and arithmetic on injected time, so check_pathsel.c can play
 * minutes of traffic in microseconds.
 */
#include "autoconf.h"

#include <string.h>

#include "daemon/pathsel.h"

static int
addr_same(const struct pkt_addr *a, const struct pkt_addr *b)
{
	return a->af == b->af && a->port == b->port &&
	    memcmp(a->addr, b->addr, a->af == AF_INET ? 4 : 16) == 0;
}

/*
 * The wait before probe number step+1 of a schedule.  Quick at first,
 * since the peer is probing us at the same moment (the hub told both)
 * and the first packets through open the NATs; then slow enough to
 * cost nothing on a pair that cannot connect, and slower still when
 * both NATs map per destination or UDP is blocked: such a pair connects
 * only if something changes.
 */
static uint64_t
probe_gap(unsigned int step, int hopeless, int idle)
{
	switch (step) {
	case 0:
	case 1:
		return 1000;
	case 2:
		return 2000;
	case 3:
		return 4000;
	default:
		if (idle)
			return hopeless ? PATHSEL_IDLE_HOPELESS_MS :
			    PATHSEL_IDLE_PROBE_MS;
		return hopeless ? PATHSEL_HOPELESS_MS : PATHSEL_PROBE_MS;
	}
}

/* Nothing sent for a while: a relayed pair nobody uses. */
static int
pathsel_idle(const struct pathsel *sel, uint64_t now)
{
	return sel->last_tx == 0 || now - sel->last_tx > PATHSEL_IDLE_MS;
}

void
pathsel_init(struct pathsel *sel)
{
	memset(sel, 0, sizeof(*sel));
	sel->kind = PATH_NONE;
}

/*
 * Make addr the current path.  hold: we are leaving the old address
 * for one of the same or lower rank, so it has to wait out a hold-down
 * before it may come back; the hold-down doubles while changes follow
 * each other and starts over after a stable path.
 */
static void
pathsel_switch(struct pathsel *sel, int kind, const struct pkt_addr *addr,
    uint64_t now, int hold)
{
	int	 was_low = sel->kind < PATH_DIRECT;

	if (hold && sel->kind != PATH_NONE) {
		if (sel->holddown == 0 ||
		    now - sel->since >= PATHSEL_STABLE_MS)
			sel->holddown = PATHSEL_HOLD_MIN_MS;
		else if (sel->holddown < PATHSEL_HOLD_MAX_MS / 2)
			sel->holddown *= 2;
		else
			sel->holddown = PATHSEL_HOLD_MAX_MS;
		sel->held = sel->addr;
		sel->held_until = now + sel->holddown;
	}
	sel->kind = kind;
	sel->addr = *addr;
	sel->since = now;
	/* A new path gets its full grace before it counts as silent. */
	sel->last_rx = now;
	sel->last_tx = 0;
	sel->unanswered = 0;
	sel->answer_ms = 0;
	if (kind >= PATH_DIRECT) {
		sel->next_probe = 0;
		sel->probe_step = 0;
	} else if (!was_low) {
		/* Fell off a direct path: start trying to get back. */
		sel->next_probe = now + probe_gap(1, 0, 0);
		sel->probe_step = 1;
	}
}

/*
 * How long this path may take to answer, and a probe of it: the
 * defaults, or for a path that has been slow, twice its usual time
 * plus 100 ms.
 */
static uint64_t
pathsel_wait(const struct pathsel *sel, uint64_t least)
{
	uint64_t	 w = 2 * (uint64_t)sel->answer_ms + 100;

	return w > least ? w : least;
}

/* A handshake probe went out on the current path, and nothing since. */
static int
pathsel_probing(const struct pathsel *sel)
{
	return sel->last_hs > sel->last_rx;
}

/*
 * Has the current path failed?  Silence alone says little: an idle
 * tunnel is silent too.  It has failed when a handshake probe went
 * unanswered (see pathsel_tick), or when not even the peer's persistent
 * keepalives have come for PATHSEL_DEAD_MS.  elsewhere: a handshake
 * response has just come another way; while our probe is unanswered,
 * that is the probe's answer (the peer answers the first copy that
 * reaches it, and the direct copy left first), so the current path did
 * not carry the probe.  Any other packet that way says nothing: the
 * peer may simply not have chosen the same path as we have yet.
 */
static int
pathsel_failed(const struct pathsel *sel, uint64_t now, int elsewhere)
{
	if (pathsel_probing(sel) && (elsewhere ||
	    now - sel->last_hs >= pathsel_wait(sel, PATHSEL_ANSWER_MS)))
		return 1;
	return now - sel->last_rx >= PATHSEL_DEAD_MS;
}

static int
pathsel_heard(struct pathsel *sel, int kind, const struct pkt_addr *addr,
    uint64_t now, int response)
{
	if (kind <= PATH_NONE || kind >= PATH_KIND_MAX)
		return 0;
	if (sel->kind != PATH_NONE && addr_same(addr, &sel->addr)) {
		/* It answered data of ours: how long that took. */
		if (sel->unanswered > sel->last_rx) {
			uint64_t	 d = now - sel->unanswered;

			if (d > PATHSEL_SAMPLE_MAX_MS)
				d = PATHSEL_SAMPLE_MAX_MS;
			sel->answer_ms = sel->answer_ms == 0 ? (uint32_t)d :
			    (uint32_t)((7 * (uint64_t)sel->answer_ms + d) / 8);
		}
		sel->last_rx = now;
		/*
		 * The same address, now also one of the peer's LAN
		 * candidates.  Never down: the list we were given can be
		 * short for a moment (the hub's at a login names the
		 * connection's address alone), and the address that
		 * answers is the same host either way.
		 */
		return pathsel_relabel(sel, kind);
	}
	if (sel->held.af != 0 && addr_same(addr, &sel->held) &&
	    now < sel->held_until)
		return 0;
	if (kind > sel->kind) {
		pathsel_switch(sel, kind, addr, now, 0);
		return 1;
	}
	if (kind < sel->kind && !pathsel_failed(sel, now, response))
		return 0;
	pathsel_switch(sel, kind, addr, now, 1);
	return 1;
}

int
pathsel_relabel(struct pathsel *sel, int kind)
{
	if (sel->kind < PATH_DIRECT || kind <= sel->kind)
		return 0;
	sel->kind = kind;
	sel->next_probe = 0;
	return 1;
}

int
pathsel_authenticated(struct pathsel *sel, int kind,
    const struct pkt_addr *addr, uint64_t now)
{
	return pathsel_heard(sel, kind, addr, now, 0);
}

int
pathsel_answered(struct pathsel *sel, int kind, const struct pkt_addr *addr,
    uint64_t now)
{
	return pathsel_heard(sel, kind, addr, now, 1);
}

void
pathsel_sent(struct pathsel *sel, uint64_t now)
{
	int	 was_idle;

	if (sel->kind == PATH_NONE)
		return;
	was_idle = pathsel_idle(sel, now);
	sel->last_tx = now;
	/* The first data since the path last spoke waits for an answer. */
	if (sel->unanswered <= sel->last_rx)
		sel->unanswered = now;
	/* Traffic again on an idle relayed pair: a probe soon. */
	if (was_idle && sel->kind < PATH_DIRECT &&
	    sel->next_probe > now + PATHSEL_PROBE_MS)
		sel->next_probe = now + PATHSEL_PROBE_MS;
}

void
pathsel_punch(struct pathsel *sel, uint64_t now)
{
	sel->next_probe = now;
	sel->probe_step = 0;
}

int
pathsel_tick(struct pathsel *sel, uint64_t now, int relay_usable,
    int relay_kind, const struct pkt_addr *relay_addr, int has_cands,
    int hopeless)
{
	int	 a = 0;

	/*
	 * We send data and nothing answers it: the path may be dead (a
	 * NAT mapping expired, the peer moved), or slow.  A handshake
	 * initiation is always answered, so it tells the two apart: only
	 * a direct path whose probe has gone unanswered (see
	 * pathsel_failed) while we still send gives way to the relay.
	 */
	if (sel->kind != PATH_NONE && sel->last_tx != 0 &&
	    now - sel->last_tx <= PATHSEL_SENDING_MS &&
	    sel->unanswered > sel->last_rx &&
	    now - sel->unanswered >= pathsel_wait(sel, PATHSEL_QUIET_MS)) {
		if (sel->last_hs == 0 || now - sel->last_hs >= PATHSEL_HS_MS) {
			a |= PATHSEL_A_HANDSHAKE;
			sel->last_hs = now;
		} else if (relay_usable && sel->kind >= PATH_DIRECT &&
		    relay_kind > PATH_NONE && relay_kind < PATH_DIRECT &&
		    pathsel_failed(sel, now, 0)) {
			pathsel_switch(sel, relay_kind, relay_addr, now, 1);
			a |= PATHSEL_A_CHANGED;
		}
	}
	/*
	 * The hold-down on the address we left is over: it may be back,
	 * so look now instead of at the next slot of the schedule (which
	 * can be 5 s away).  The look is a handshake, which the peer
	 * answers where its first copy came from: a keepalive would go
	 * unanswered, and a peer that took that address while we held it
	 * down (its own hold-down ended first) would send nothing on it
	 * until it had data, so neither side would learn that the other
	 * may come back.  The schedule's own slots stay as they were.
	 */
	if (sel->held.af != 0 && now >= sel->held_until) {
		sel->held.af = 0;
		if (sel->kind > PATH_NONE && sel->kind < PATH_DIRECT &&
		    has_cands)
			a |= PATHSEL_A_HANDSHAKE;
	}
	/*
	 * On a relay that is gone (the hub is down), a direct path must not
	 * wait out a hold-down: it is the only way left.
	 */
	if (sel->kind > PATH_NONE && sel->kind < PATH_DIRECT &&
	    (!relay_usable || relay_kind != sel->kind))
		sel->held.af = 0;
	if (sel->kind >= PATH_DIRECT || !has_cands) {
		sel->next_probe = 0;
		sel->probe_step = 0;
	} else if (sel->next_probe == 0) {
		sel->next_probe = now + probe_gap(1, hopeless, 0);
		sel->probe_step = 1;
	} else if (now >= sel->next_probe) {
		a |= PATHSEL_A_KEEPALIVE;
		sel->probe_step++;
		sel->next_probe = now + probe_gap(sel->probe_step, hopeless,
		    pathsel_idle(sel, now));
	}
	return a;
}

int
pathsel_busy(const struct pathsel *sel, uint64_t now, int has_cands)
{
	if (sel->kind < PATH_DIRECT && has_cands)
		return 1;
	return sel->last_tx != 0 && now - sel->last_tx <= PATHSEL_SENDING_MS;
}
