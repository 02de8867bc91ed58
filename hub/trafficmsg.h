/*
 * The traffic question's messages (IMSG_HUBD_TRAFFIC_ASK from the
 * authority, IMSG_HUBD_TRAFFIC from an engine; hubd_msg.h): each is a
 * header and as many entries as it says, no more, no less; and an
 * answer must be for the page that was asked, connection by
 * connection.  Pure code, for the engine, the authority, the unit tests
 * and the fuzz target.
 */
#ifndef HAMD_HUB_TRAFFICMSG_H
#define HAMD_HUB_TRAFFICMSG_H

#include <stddef.h>
#include <stdint.h>

#include "hub/hubd_msg.h"

/* The length of a message of n entries. */
size_t	traffic_ask_len(uint32_t n);
size_t	traffic_page_len(uint32_t n);

/*
 * Copy a message of len bytes.  0, or -1 when its count is over
 * HUBD_TRAFFIC_PAGE or its length is not the count's: then the header
 * of *out is zeroes (and an ask's entries; a page's are not touched).
 */
int	traffic_ask_get(const void *, size_t len, struct hubd_traffic_ask *out);
int	traffic_page_get(const void *, size_t len,
	    struct hubd_traffic_page *out);

/*
 * Whether a page answers the question for these n connections: 0, or
 * -1 if it has another count, another connection in some place, or a
 * found other than 0 or 1.
 */
int	traffic_page_answers(const struct hubd_traffic_page *,
	    const uint32_t *conns, uint32_t n);

#endif
