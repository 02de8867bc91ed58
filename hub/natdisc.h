/*
 * The hub engine's NAT discovery answers (PROTOCOL.md, "NAT
 * discovery"): a probe of exactly NAT_PROBE_LEN bytes gets
 * NAT_ANSWER_LEN bytes saying where it came from, at most NAT_RATE a
 * second per source.  An answer is always smaller than its probe and
 * the rate table bounds all answers together, so the hub is a poor
 * reflector.
 */
#ifndef HAMD_HUB_NATDISC_H
#define HAMD_HUB_NATDISC_H

#include <stddef.h>
#include <stdint.h>

struct udp_in;

/* Before seccomp: draws a secret. */
void	natdisc_init(void);
/*
 * A probe (dgram_classify said so) that arrived on fd: answered if its
 * source may have an answer now, from fd, or from aside_fd (a port no
 * node sends to) if the probe asks for another port (-1: none, such a
 * probe is dropped).  1 if answered, 0 if dropped.
 */
int	natdisc_answer(int fd, int aside_fd, const uint8_t *probe,
	    const struct udp_in *, uint64_t now);

#endif
