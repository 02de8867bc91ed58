/*
 * libFuzzer target: the hub cluster's notification payloads
 * (hub/clustermsg.c), which any client of the database may send on the
 * channel.  Every input is parsed as the text libpq would hand over
 * (up to its first NUL); a payload that parses must be the very text
 * the formatter writes for what was parsed (one form per event, so
 * nothing odd is ever taken), and one that does not leaves the event
 * all zero.  FUZZ_MAKE_SEEDS builds a program that writes one payload
 * of each form as a starting corpus (tools/fuzz.sh does).
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/clustermsg.h"

int	LLVMFuzzerTestOneInput(const unsigned char *, size_t);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static const struct cluster_ev	 zero;
	struct cluster_ev		 ev;
	char				*in, out[CLUSTER_MSG_MAX];

	if ((in = malloc(size + 1)) == NULL)
		abort();
	memcpy(in, data, size);
	in[size] = '\0';
	if (cluster_msg_parse(&ev, in) == 0) {
		if (cluster_msg_format(&ev, out, sizeof(out)) == 0 ||
		    strcmp(out, in) != 0)
			abort();
	} else if (memcmp(&ev, &zero, sizeof(ev)) != 0)
		abort();
	free(in);
	return 0;
}

#ifdef FUZZ_MAKE_SEEDS
int
main(int argc, char **argv)
{
	struct cluster_ev	 ev;
	char			 path[4096], out[CLUSTER_MSG_MAX];
	FILE			*f;
	size_t			 len;
	int			 t;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 1;
	}
	for (t = CLUSTER_UP; t < CLUSTER_EV_MAX; t++) {
		memset(&ev, 0, sizeof(ev));
		ev.type = t;
		ev.hub = 1234567 + t;
		memset(ev.key, 0xab, sizeof(ev.key));
		memset(ev.net, 0x5c, sizeof(ev.net));
		ev.after.has = t == CLUSTER_MEMBER;
		ev.nflags = t == CLUSTER_NETDEL ? 1 : 0;
		if ((len = cluster_msg_format(&ev, out, sizeof(out))) == 0)
			return 1;
		(void)snprintf(path, sizeof(path), "%s/seed%d", argv[1], t);
		if ((f = fopen(path, "w")) == NULL ||
		    fwrite(out, 1, len, f) != len || fclose(f) != 0) {
			perror(path);
			return 1;
		}
	}
	return 0;
}
#endif
