/*
 * libFuzzer target: a read from the TUN device with its virtio header,
 * completed or cut into segments.  No crash, no read or write out of
 * bounds, and no segment longer than the input it came from.
 */
#include "autoconf.h"

#include <stdlib.h>

#include "daemon/offload.h"

int	LLVMFuzzerTestOneInput(const unsigned char *, size_t);

static size_t	 input_len;

static void
check(void *arg, const uint8_t *pkt, size_t len)
{
	(void)arg;
	(void)pkt;
	if (len > input_len)
		abort();
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static uint8_t	 scratch[65536];

	if (size > 65535 + VNET_HDR_LEN)
		return 0;
	input_len = size;
	(void)offload_split(data, size, scratch, check, NULL);
	return 0;
}
