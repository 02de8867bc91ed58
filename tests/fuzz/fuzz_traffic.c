/*
 * libFuzzer target: what the authority and the engine read of each
 * other about the nodes' traffic (hub/trafficmsg.c), and the meters
 * behind it (hub/meter.c).  The input is taken as an ask and as a page;
 * each is taken only when its length is its count's, checked here
 * independently; a page taken answers the ask it would answer and no
 * other.  Then the input drives a meter, 8 bytes a count (a length and
 * a step of time): totals add up, and a rate is never above what the
 * last two slots could have carried.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hub/meter.h"
#include "hub/trafficmsg.h"

int	LLVMFuzzerTestOneInput(const unsigned char *, size_t);

static struct hubd_traffic_ask	 ask;
static struct hubd_traffic_page	 page;
static uint32_t			 conns[HUBD_TRAFFIC_PAGE];

static void
messages(const unsigned char *data, size_t size)
{
	uint32_t	 n = 0, i;
	int		 whole;

	if (size >= 8)
		memcpy(&n, data + 4, 4);
	whole = size >= 8 && n <= HUBD_TRAFFIC_PAGE;
	if ((traffic_ask_get(data, size, &ask) == 0) !=
	    (whole && size == 8 + 4 * (size_t)n))
		abort();
	if ((traffic_page_get(data, size, &page) == 0) !=
	    (whole && size == 8 + 104 * (size_t)n))
		abort();
	if (!(whole && size == 8 + 104 * (size_t)n))
		return;
	for (i = 0; i < n; i++)
		conns[i] = page.e[i].conn;
	for (i = 0; i < n && page.e[i].found <= 1; i++)
		;
	if ((traffic_page_answers(&page, conns, n) == 0) != (i == n))
		abort();
	if (n > 0 && i == n) {
		conns[n - 1]++;
		if (traffic_page_answers(&page, conns, n) == 0)
			abort();
		if (traffic_page_answers(&page, conns, n - 1) == 0)
			abort();
	}
}

static void
meters(const unsigned char *data, size_t size)
{
	struct meter	 m;
	uint64_t	 now = 1, sum = 0, bps, pps, len, step;
	uint32_t	 l, s;
	size_t		 k;

	memset(&m, 0, sizeof(m));
	for (k = 0; k + 8 <= size; k += 8) {
		memcpy(&l, data + k, 4);
		memcpy(&s, data + k + 4, 4);
		len = l % 65536;
		step = s % (3 * METER_SLOT_MS);
		now += step;
		meter_add(&m, len, now);
		sum += len;
		if (m.bytes != sum || m.packets != k / 8 + 1)
			abort();
		meter_rate(&m, now, &bps, &pps);
		/* At most the two slots' worth, over one slot. */
		if (bps > (m.cur_bytes + m.prev_bytes) * 1000 / METER_SLOT_MS ||
		    pps > ((uint64_t)m.cur_packets + m.prev_packets) * 1000 /
		    METER_SLOT_MS)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	messages(data, size);
	meters(data, size);
	return 0;
}
