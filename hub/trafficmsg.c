/*
 * The traffic question's messages; see trafficmsg.h.
 */
#include "autoconf.h"

#include <string.h>

#include "hub/trafficmsg.h"

size_t
traffic_ask_len(uint32_t n)
{
	return HUBD_TRAFFIC_HDR + (size_t)n * sizeof(uint32_t);
}

size_t
traffic_page_len(uint32_t n)
{
	return HUBD_TRAFFIC_HDR + (size_t)n * sizeof(struct hubd_conn_traffic);
}

/* The count in a message's header, if it has one whole. */
static int
count_of(const void *data, size_t len, uint32_t *n)
{
	if (len < HUBD_TRAFFIC_HDR)
		return -1;
	memcpy(n, (const uint8_t *)data + sizeof(uint32_t), sizeof(*n));
	return *n <= HUBD_TRAFFIC_PAGE ? 0 : -1;
}

int
traffic_ask_get(const void *data, size_t len, struct hubd_traffic_ask *out)
{
	uint32_t	 n;

	memset(out, 0, sizeof(*out));
	if (count_of(data, len, &n) == -1 || len != traffic_ask_len(n))
		return -1;
	memcpy(out, data, len);
	return 0;
}

int
traffic_page_get(const void *data, size_t len, struct hubd_traffic_page *out)
{
	uint32_t	 n;

	/* The header only: a page is large, and its entries are copied. */
	memset(out, 0, HUBD_TRAFFIC_HDR);
	if (count_of(data, len, &n) == -1 || len != traffic_page_len(n))
		return -1;
	memcpy(out, data, len);
	return 0;
}

int
traffic_page_answers(const struct hubd_traffic_page *p, const uint32_t *conns,
    uint32_t n)
{
	uint32_t	 i;

	if (p->n != n)
		return -1;
	for (i = 0; i < n; i++)
		if (p->e[i].conn != conns[i] || p->e[i].found > 1)
			return -1;
	return 0;
}
