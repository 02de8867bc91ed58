/*
 * Path selection for one hub peer: which of the ways we have heard the
 * peer from (LAN, a public or peer-reflexive address, the hub's relay
 * over UDP or TCP) its packets go to, when to ask tun for a probe, and
 * when to give a silent direct path up for the relay.
 *
 * Pure: no I/O, no clock.  Every call takes the time (now, monotonic
 * milliseconds, never 0), so the rules can be tested against a made-up
 * clock.  The engine feeds in what tun authenticated (IMSG_ENDPOINT),
 * that it sent something, and a tick every few hundred milliseconds; it
 * acts on what comes back.  Only an authenticated packet makes an
 * address a path: candidates are hints that the engine probes.
 *
 * The rules:
 *  - a path of higher rank (enum path_kind) is taken at once;
 *  - another address of the same rank is taken at once (the peer
 *    rebound or roamed);
 *  - a lower rank only when the current path has failed: a handshake
 *    probe on it went unanswered for PATHSEL_ANSWER_MS, or the
 *    handshake response came the lower way instead (the peer answers
 *    the first copy that reaches it, and the relay's copy leaves after
 *    the direct one), or the path has been silent for PATHSEL_DEAD_MS
 *    (an idle
 *    tunnel is silent too, so silence alone is no reason to leave a
 *    path);
 *  - an address we left for one of the same or lower rank may come back
 *    only after a hold-down (2 s, doubling per change up to 60 s, back
 *    to 2 s once a path held for 60 s), so two live paths cannot make
 *    the choice flap with every packet; when a relayed pair's hold-down
 *    ends, it probes at once, with a handshake (answered where its
 *    first copy arrives, so also by a peer that is already back on
 *    that address), rather than at the next slot of its schedule, so
 *    a path that came back is taken when it may be;
 *  - data we sent that nothing on the path has answered for
 *    PATHSEL_QUIET_MS makes the path suspect.  A hub peer answers all
 *    data, with data or a keepalive within 100 to 200 ms (tun's
 *    WG_HUB_PASSIVE_KA_NS), and tun reports what authenticated ten
 *    times a second, so on a live path this never happens; an idle
 *    tunnel sends no data and is never suspect.  While suspect and
 *    sending: one handshake probe per PATHSEL_HS_MS; a direct path
 *    whose probe is unanswered falls back to the relay as above when
 *    the relay is usable;
 *  - a slow path gets longer: both waits are at least twice the time
 *    this path has been taking to answer, plus 100 ms (a moving
 *    average), so a long round trip is never mistaken for silence;
 *  - below PATH_DIRECT, with candidates to try: keepalive probes at
 *    1, 2 and 4 s, then every 5 s (30 s when the NATs on both sides
 *    make a direct path unlikely) while we send, every 2 min (10 min)
 *    once nothing was sent for 30 s, so idle pairs cost next to
 *    nothing; traffic brings the 5 s schedule back, and a punch from
 *    the hub starts over.
 *
 * "We send" means data: neither keepalives (ours are not answered),
 * nor handshake messages, nor probes.
 */
#ifndef HAMD_PATHSEL_H
#define HAMD_PATHSEL_H

#include <stdint.h>

#include "ctl/ctlmsg.h"		/* enum path_kind */
#include "ipc/addr.h"

/*
 * Unanswered data for this long makes a path suspect: the peer's
 * keepalive is due within 200 ms, its report within 100 ms more, and
 * 100 ms are left for a busy machine.
 */
#define PATHSEL_QUIET_MS	400
#define PATHSEL_SENDING_MS	1000	/* "we send" means: within this */
#define PATHSEL_HS_MS		2000	/* between handshake probes */
#define PATHSEL_ANSWER_MS	600	/* a handshake probe's answer is late */
#define PATHSEL_SAMPLE_MAX_MS	2000	/* longer answers count as this */
#define PATHSEL_DEAD_MS		60000	/* silence that no keepalive explains */
#define PATHSEL_HOLD_MIN_MS	2000
#define PATHSEL_HOLD_MAX_MS	60000
#define PATHSEL_STABLE_MS	60000	/* a path this old resets the hold */
#define PATHSEL_PROBE_MS	5000	/* steady probing interval */
#define PATHSEL_HOPELESS_MS	30000	/* ... for NATs that rarely punch */
#define PATHSEL_IDLE_MS		30000	/* nothing sent this long: idle */
#define PATHSEL_IDLE_PROBE_MS	120000	/* probing an idle pair */
#define PATHSEL_IDLE_HOPELESS_MS 600000	/* ... with NATs that rarely punch */

/* What pathsel_tick asks the caller to do (a bit mask). */
#define PATHSEL_A_KEEPALIVE	0x01	/* IMSG_PEER_PROBE PROBE_KEEPALIVE */
#define PATHSEL_A_HANDSHAKE	0x02	/* IMSG_PEER_PROBE PROBE_HANDSHAKE */
#define PATHSEL_A_CHANGED	0x04	/* fell back to the relay */

struct pathsel {
	int		 kind;		/* enum path_kind of the current path */
	struct pkt_addr	 addr;		/* its address (relay: pseudo) */
	uint64_t	 since;		/* when it was chosen */
	uint64_t	 last_rx;	/* last authenticated packet on it */
	uint64_t	 last_tx;	/* last data sent on it, 0: none yet */
	uint64_t	 unanswered;	/* first data sent after last_rx */
	uint32_t	 answer_ms;	/* how long answers take, averaged;
					   0: not known yet */
	uint64_t	 last_hs;	/* last handshake probe, 0: none */

	/* hold-down of the address we last moved away from */
	struct pkt_addr	 held;		/* af 0: none */
	uint64_t	 held_until;
	uint32_t	 holddown;	/* ms, the last one given (0: none) */

	/* keepalive probes while below PATH_DIRECT */
	uint64_t	 next_probe;	/* 0: not scheduled */
	unsigned int	 probe_step;	/* probes sent in this schedule */
};

void	pathsel_init(struct pathsel *);
/*
 * A packet from addr, of path kind, authenticated.  1 if the current
 * path changed to it, 0 if not.
 */
int	pathsel_authenticated(struct pathsel *, int kind,
	    const struct pkt_addr *, uint64_t now);
/*
 * The same for a handshake response: the answer to our initiation.
 * While a probe of the current path is unanswered, a response from
 * another way says the probe's direct copy never reached the peer.
 */
int	pathsel_answered(struct pathsel *, int kind,
	    const struct pkt_addr *, uint64_t now);
/*
 * The peer's candidates changed: the current path's address is of kind
 * now.  Only up (direct to LAN) counts; 1 if the path's kind changed.
 */
int	pathsel_relabel(struct pathsel *, int kind);
/* We sent data on the current path. */
void	pathsel_sent(struct pathsel *, uint64_t now);
/* The hub says probe now: the probe schedule starts over at once. */
void	pathsel_punch(struct pathsel *, uint64_t now);
/*
 * Timers.  relay_usable: a relay path exists for this peer now, as
 * relay_kind at relay_addr; has_cands: there are addresses to probe;
 * hopeless: both NATs map per destination, or one side's UDP is
 * blocked, so probes are spaced out.  Returns PATHSEL_A_* bits.
 */
int	pathsel_tick(struct pathsel *, uint64_t now, int relay_usable,
	    int relay_kind, const struct pkt_addr *relay_addr, int has_cands,
	    int hopeless);
/* 1 while ticks may still ask for something (probes, quiet checks). */
int	pathsel_busy(const struct pathsel *, uint64_t now, int has_cands);

#endif
