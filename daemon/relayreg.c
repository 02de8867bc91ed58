/* The node's relay registration, in tun; see relayreg.h. */
#include "autoconf.h"

#include <sodium.h>
#include <string.h>

#include "daemon/relayreg.h"

_Static_assert(RELAY_AUTH_TOKEN_LEN == HUB_RELAY_TOKEN_LEN,
    "the token RELAY_INFO brings keys the REGISTER's MAC");

void
relayreg_begin(struct relayreg *rr, const struct hub_relay_info *ri,
    uint64_t now)
{
	relayreg_end(rr);
	rr->id = ri->relay_id;
	memcpy(rr->token, ri->token, sizeof(rr->token));
	rr->next = now;
}

void
relayreg_end(struct relayreg *rr)
{
	sodium_memzero(rr, sizeof(*rr));
}

int
relayreg_due(struct relayreg *rr, uint64_t now, uint8_t out[RELAY_AUTH_LEN])
{
	if (rr->id == 0 || now < rr->next)
		return 0;
	/* The counter starts at 1 with each token, as the hub expects. */
	relay_auth_build(out, RELAY_REGISTER_TYPE, rr->id, ++rr->counter,
	    rr->token);
	rr->next = now + RELAYREG_INTERVAL;
	return 1;
}

int
relayreg_answer(struct relayreg *rr, const uint8_t *in, size_t len)
{
	uint64_t	 counter;
	uint32_t	 id;

	if (rr->id == 0 || relay_auth_peek(in, len, RELAY_REGISTERED_TYPE,
	    &id, &counter) == -1 || id != rr->id ||
	    counter > rr->counter || counter <= rr->answered ||
	    counter + RELAYREG_WINDOW <= rr->counter ||
	    relay_auth_verify(in, rr->token) == -1)
		return -1;
	rr->answered = counter;
	return 0;
}
