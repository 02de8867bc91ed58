/*
 * The WireGuard whitepaper's protocol constants (section 6.1), in one
 * place so that the timer state machine, the transport and the replay
 * window cannot disagree.  Times are in seconds unless the name says
 * otherwise; the crypto core itself takes monotonic time in nanoseconds
 * (WG_NSEC) so that tests can drive it with a fake clock.
 */
#ifndef HAMD_WG_TIMERS_H
#define HAMD_WG_TIMERS_H

#include <stdint.h>

/* Start a new handshake once this many messages used one key. */
#define REKEY_AFTER_MESSAGES	(UINT64_C(1) << 60)
/*
 * Never send or accept a counter at or past this: 2^64 - 2^13 - 1, the
 * whitepaper's and wireguard-go's value.  It leaves room below 2^64 for
 * the replay window, so the window arithmetic cannot overflow.  (Linux
 * uses U64_MAX - 8128 - 1, slightly larger; peers never get near either.)
 */
#define REJECT_AFTER_MESSAGES	(UINT64_MAX - (UINT64_C(1) << 13))

#define REKEY_AFTER_TIME	120	/* initiator rekeys a key this old */
#define REJECT_AFTER_TIME	180	/* no key is used past this age */
#define REKEY_ATTEMPT_TIME	90	/* give up retrying a handshake */
#define REKEY_TIMEOUT		5	/* retransmit an unanswered initiation */
#define KEEPALIVE_TIMEOUT	10	/* passive keepalive after receiving */

/* The responder's cookie secret changes this often (whitepaper 5.4.7). */
#define COOKIE_SECRET_MAX_AGE	120
/*
 * An initiator stops using a cookie this much earlier than the secret
 * behind it rotates, so that a mac2 in flight is not computed from a
 * cookie that expired on the way (the Linux driver's margin).
 */
#define COOKIE_SECRET_LATENCY	5

/* Handshake initiations a responder should accept per peer per second. */
#define INITIATIONS_PER_SECOND	50

#define WG_NSEC_PER_SEC		UINT64_C(1000000000)
#define WG_NSEC(sec)		((uint64_t)(sec) * WG_NSEC_PER_SEC)

#endif
