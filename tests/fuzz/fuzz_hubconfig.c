/*
 * libFuzzer target: hamhubd.conf parser.  The input is written to a
 * file (the parser reads files, as hamhubd does) and parsed; every
 * outcome but a crash, a leak or undefined behaviour is fine.  A config
 * that parses must hold what the parser promises.  FUZZ_MAKE_SEEDS
 * builds a program that writes valid configs as a starting corpus
 * (tools/fuzz.sh does).
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub/hubconfig.h"
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
	struct hubd_config	*conf;
	FILE			*f;

	if (path[0] == '\0') {
		(void)snprintf(path, sizeof(path), "/tmp/fuzz_hubconfig.%d",
		    (int)getpid());
		log_set_sink(quiet);
	}
	if ((f = fopen(path, "w")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, f) != size)
		abort();
	(void)fclose(f);
	conf = hubd_parse_config(path, NULL);
	if (conf != NULL) {
		if (conf->nlisten < 1 || conf->nlisten > HUBD_MAX_LISTEN ||
		    conf->pool4.af != AF_INET ||
		    conf->pool4.plen < HUBD_POOL4_PLEN_MIN ||
		    conf->pool4.plen > HUBD_POOL4_PLEN_MAX ||
		    (conf->pool6.af != 0 && conf->pool6.af != AF_INET6) ||
		    conf->max_conns < 1 || conf->max_per_addr < 1 ||
		    conf->login_timeout < 1 ||
		    memchr(conf->chroot_dir, '\0', sizeof(conf->chroot_dir)) ==
		    NULL || conf->chroot_dir[0] != '/')
			abort();
		hubd_config_free(conf);
	}
	(void)unlink(path);
	return 0;
}

#ifdef FUZZ_MAKE_SEEDS
static const char *const seeds[] = {
	"user \"_hamhub\"\nchroot /var/empty\nstate-directory /srv/hub\n"
	"socket /run/h.sock\nadmin-group wheel\nread-access all\n"
	"log verbose\nprivate-key /etc/hub.key\n",
	"p = 7000\nlisten on 127.0.0.1 port $p\nlisten on [::1]\n"
	"listen on * port 443\n",
	"address-pool 10.1.0.0/16\naddress-pool fd00:1:2::/48\n"
	"max-connections 100\nmax-connections-per-address 4\n"
	"login-timeout 30\n",
	"# comment\nlisten \\\n on \"::\" port 1\r\ninclude \"/nonexistent\"\n",
};

int
main(int argc, char *argv[])
{
	char	 path[4096];
	FILE	*f;
	size_t	 i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s corpus-dir\n", argv[0]);
		return 1;
	}
	for (i = 0; i < nitems(seeds); i++) {
		(void)snprintf(path, sizeof(path), "%s/seed-%zu", argv[1], i);
		if ((f = fopen(path, "w")) == NULL ||
		    fputs(seeds[i], f) == EOF || fclose(f) != 0) {
			perror(path);
			return 1;
		}
	}
	return 0;
}
#endif
