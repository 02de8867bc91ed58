/*
 * NAT discovery answers; see natdisc.h.
 *
 * Sources (an IPv4 address or an IPv6 /64) share a table of NAT_SLOTS
 * token buckets keyed by a secret hash.  A slot changes hands only
 * after a second without probes from its owner, so all answers
 * together stay under NAT_SLOTS * NAT_RATE a second, whatever the
 * number of (spoofed) sources.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <sodium.h>
#include <string.h>

#include "hub/natdisc.h"
#include "hub/ratelimit.h"
#include "hub/udpio.h"
#include "proto/dgram.h"

#define NAT_RATE	20		/* answers a second, bursts as many */
#define NAT_SLOTS	1024		/* power of two */

/* A token bucket of discovery answers for one source. */
struct natslot {
	uint8_t		 key[SRC_KEY_LEN];	/* zeros: free */
	uint64_t	 last;		/* monotonic ms */
	uint32_t	 tokens;	/* thousandths of an answer */
};

static struct natslot	 slots[NAT_SLOTS];
static uint8_t		 slot_key[crypto_shorthash_KEYBYTES];

void
natdisc_init(void)
{
	randombytes_buf(slot_key, sizeof(slot_key));
}

/* May src have an answer now?  Takes one token if so. */
static int
nat_allow(const struct pkt_addr *src, uint64_t now)
{
	uint8_t		 key[SRC_KEY_LEN], h[crypto_shorthash_BYTES];
	uint32_t	 v;
	uint64_t	 t, elapsed;
	struct natslot	*s;

	src_key(src, key);
	(void)crypto_shorthash(h, key, sizeof(key), slot_key);
	memcpy(&v, h, sizeof(v));
	s = &slots[v & (NAT_SLOTS - 1)];
	elapsed = now - s->last;
	if (memcmp(s->key, key, sizeof(key)) != 0) {
		/* Another source's, and busy: this one waits. */
		if (s->last != 0 && elapsed < 1000)
			return 0;
		memcpy(s->key, key, sizeof(key));
		s->tokens = NAT_RATE * 1000;
	} else {
		t = (uint64_t)s->tokens + elapsed * NAT_RATE;
		s->tokens = t > NAT_RATE * 1000 ? NAT_RATE * 1000 :
		    (uint32_t)t;
	}
	s->last = now;
	if (s->tokens < 1000)
		return 0;
	s->tokens -= 1000;
	return 1;
}

int
natdisc_answer(int fd, int aside_fd, const uint8_t *probe,
    const struct udp_in *in, uint64_t now)
{
	const struct pkt_addr	*src = &in->from;
	uint8_t			 ans[NAT_ANSWER_LEN];

	/* A filtering probe is answered from the aside socket, or not. */
	if (probe[1] == NAT_FLAG_OTHER_PORT) {
		if (aside_fd == -1)
			return 0;
		fd = aside_fd;
	}
	if (src->af == 0 || !nat_allow(src, now))
		return 0;
	memset(ans, 0, sizeof(ans));
	ans[0] = NAT_ANSWER_TYPE;
	ans[1] = probe[1];
	memcpy(ans + 4, probe + 4, 8);		/* the nonce */
	ans[12] = src->af == AF_INET ? 4 : 6;
	memcpy(ans + 14, &src->port, 2);	/* network order */
	memcpy(ans + 16, src->addr, src->af == AF_INET ? 4 : 16);
	return udp_send_from(fd, src, &in->local, ans, sizeof(ans)) == 0;
}
