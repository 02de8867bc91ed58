/*
 * libFuzzer target: hamd.conf parser.  The input is written to a file
 * (the parser reads files, as hamd does) and parsed; every outcome but a
 * crash, a leak or undefined behaviour is fine.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/config.h"
#include "privsep/log.h"

int	LLVMFuzzerTestOneInput(const unsigned char *, size_t);

static void
quiet(int priority, const char *line)
{
	(void)priority;
	(void)line;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static char		 path[64];
	struct hamd_config	*conf;
	FILE			*f;

	if (path[0] == '\0') {
		(void)snprintf(path, sizeof(path), "/tmp/fuzz_config.%d",
		    (int)getpid());
		log_set_sink(quiet);
	}
	if ((f = fopen(path, "w")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, f) != size)
		abort();
	(void)fclose(f);
	conf = parse_config(path, NULL);
	if (conf != NULL)
		config_free(conf);
	(void)unlink(path);
	return 0;
}
