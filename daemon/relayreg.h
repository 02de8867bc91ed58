/*
 * The node's relay registration, as tun runs it (PROTOCOL.md, "Relay").
 * The login's relay token and the REGISTER counter stay in tun, which
 * holds every secret: the engine faces the network and holds none, so
 * it only sends the REGISTERs built here and passes back the
 * REGISTERED datagrams that came from the hub's address and port, which
 * are checked here.
 *
 * A REGISTER proves to the hub that we hold the token without showing
 * it: the token keys a MAC (proto/relayauth.h) over our relay id and a
 * counter that grows with every REGISTER of the login.  An answer is
 * taken only under the token, for one of our last few REGISTERs, and
 * newer than the last answer taken, so that nobody without the token
 * can make us believe the UDP relay works, not even by replaying the
 * hub's own answers.
 *
 * Pure: no I/O, and every call that needs the time is given it
 * (monotonic nanoseconds), so the rules can be tested by themselves.
 */
#ifndef HAMD_DAEMON_RELAYREG_H
#define HAMD_DAEMON_RELAYREG_H

#include <stddef.h>
#include <stdint.h>

#include "proto/hubproto.h"	/* struct hub_relay_info */
#include "proto/relayauth.h"

#define RELAYREG_INTERVAL	(20 * 1000000000ull)	/* ns between REGISTERs */
#define RELAYREG_WINDOW		4	/* our REGISTERs an answer may name */

struct relayreg {
	uint32_t	 id;		/* ours, 0: no session */
	uint8_t		 token[RELAY_AUTH_TOKEN_LEN];
	uint64_t	 counter;	/* of the last REGISTER built */
	uint64_t	 answered;	/* counter of the last answer taken */
	uint64_t	 next;		/* ns: the next REGISTER is due */
};

/* A login's credentials (RELAY_INFO): the first REGISTER is due now. */
void	relayreg_begin(struct relayreg *, const struct hub_relay_info *,
	    uint64_t now);
/* The login is over: the token is wiped. */
void	relayreg_end(struct relayreg *);
/*
 * 1 with a REGISTER in out when one is due (at the login, then every
 * RELAYREG_INTERVAL), 0 when none is, or without a session.
 */
int	relayreg_due(struct relayreg *, uint64_t now,
	    uint8_t out[RELAY_AUTH_LEN]);
/* 0 if in is the hub's answer to one of our REGISTERs (see above). */
int	relayreg_answer(struct relayreg *, const uint8_t *in, size_t len);

#endif
