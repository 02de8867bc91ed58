/*
 * libFuzzer target: the imsg reader.  The input arrives on a socketpair
 * in chunks whose sizes come from the input itself, and every message
 * the reader produces is taken and released.  The reader must never
 * crash, leak or hand out a message that was not framed correctly.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipc/imsg.h"

int	LLVMFuzzerTestOneInput(const unsigned char *, size_t);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct imsgbuf	 ib;
	struct imsg	 imsg;
	int		 sv[2], n, bufsz = 1 << 20;
	size_t		 off = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == -1)
		abort();
	(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	if (imsgbuf_init(&ib, sv[1]) == -1)
		abort();
	while (off < size) {
		/* First byte of each chunk: its length (1-256). */
		size_t	 chunk = (size_t)data[off++] + 1;

		if (chunk > size - off)
			chunk = size - off;
		if (chunk > 0 && write(sv[0], data + off, chunk) != (ssize_t)chunk)
			break;
		off += chunk;
		if (imsgbuf_read(&ib) == -1 && errno != EAGAIN)
			break;
		while ((n = imsg_get(&ib, &imsg)) == 1) {
			if (imsg.hdr.len < IMSG_HEADER_SIZE ||
			    imsg.hdr.len > IMSG_MAX_SIZE ||
			    imsg.datalen != imsg.hdr.len - IMSG_HEADER_SIZE)
				abort();
			imsg_free(&imsg);
		}
		if (n == -1)
			break;
	}
	imsgbuf_clear(&ib);
	(void)close(sv[0]);
	(void)close(sv[1]);
	return 0;
}
