/*
 * What every part of hamhubd's engine shares: its process, the sockets
 * the parent bound, the relay table and the counters it reports.  An
 * engine is one single-threaded process, so there is one of it: eng.
 * Each part keeps the rest of its state to itself.
 *
 * A hub may run several engines (hamhubd.conf's "engines"), each with
 * sockets of its own on the same ports (SO_REUSEPORT): the kernel gives
 * each a share of the connections and of the datagrams.  Connection
 * ids are striped over them (id - 1 is the engine's index modulo their
 * number), so an id names its engine everywhere, and every engine holds
 * every relay session: a datagram may arrive at one engine for a node
 * whose connection another holds (IMSG_HUBD_RELAY_FWD).
 */
#ifndef HAMD_HUB_ENGSTATE_H
#define HAMD_HUB_ENGSTATE_H

#include <stdint.h>

#include "ctl/ctlmsg.h"		/* struct hubd_engine_stats */
#include "privsep/proc.h"

/* hubconfig.h: 8 addresses, each TCP, UDP on two ports and the aside */
#define ENG_MAX_LISTENERS	32

struct event;
struct relay_table;

/* A socket from the parent: TCP (node connections) or UDP. */
struct listener {
	int			 fd;
	int			 kind;		/* HUBD_LISTENER_* */
	int			 relay;		/* UDP port P: relays too */
	int			 port;		/* host order; -1: unknown */
	int			 aside;		/* UDP: index of the socket that
						   answers filtering probes */
	struct event		*ev;		/* TCP: accept; UDP: datagrams */
};

struct engstate {
	struct privsep		*ps;
	/* Which of the hub's engines this is (0 the first), of how many. */
	uint32_t		 index;
	uint32_t		 nengines;
	struct listener		 lis[ENG_MAX_LISTENERS];
	int			 nlis;
	struct relay_table	*relay;
	struct hubd_engine_stats stats;
	int			 stats_changed;	/* since the last report */
};

extern struct engstate	 eng;

/* The counters changed: the next tick reports them. */
void	eng_stats_touch(void);

/* Failures that could fill the log are reported this often at most. */
#define ENG_LOG_INTERVAL	10	/* s */
struct lograte {
	uint64_t		 last;		/* ms */
	int			 logged;
	uint64_t		 missed;
};
/* Whether to log now; *missed: how many were not since the last. */
int	lograte_ok(struct lograte *, unsigned long long *missed);
/*
 * After accept or recvmsg on a non-blocking socket failed with err
 * (what names the call): 1 to try the next (an error that belongs to
 * one connection or datagram), 0 to stop for this event loop turn
 * (none left; or out of fds or memory, logged through rl).
 */
int	eng_sock_retry(int err, struct lograte *rl, const char *what);

#endif
