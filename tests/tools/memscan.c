/*
 * memscan: search a process's memory for byte strings, as root, through
 * /proc/PID/maps and /proc/PID/mem.  Used to prove that the engine never
 * holds a key: the same scan of tun, which must hold them, shows that the
 * method finds what is there.
 *
 *   memscan PID HEX...   prints "HEX found" or "HEX absent" per pattern;
 *                        exit 0, or 2 on error (no region readable)
 */
#include "autoconf.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_PATTERNS	16
#define CHUNK		(1 << 20)

static int
unhex(const char *s, uint8_t *out, size_t max, size_t *len)
{
	size_t	 n = strlen(s), i;

	if (n % 2 != 0 || n / 2 > max || n == 0)
		return -1;
	for (i = 0; i < n / 2; i++) {
		unsigned int	 v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	*len = n / 2;
	return 0;
}

int
main(int argc, char *argv[])
{
	uint8_t		 pat[MAX_PATTERNS][64], *buf;
	size_t		 plen[MAX_PATTERNS], overlap = 64;
	int		 found[MAX_PATTERNS] = { 0 }, npat, i, fd, regions = 0;
	char		 path[64], line[512];
	FILE		*maps;

	if (argc < 3 || argc - 2 > MAX_PATTERNS) {
		fprintf(stderr, "usage: memscan pid hex...\n");
		return 2;
	}
	npat = argc - 2;
	for (i = 0; i < npat; i++)
		if (unhex(argv[i + 2], pat[i], sizeof(pat[i]), &plen[i]) == -1) {
			fprintf(stderr, "memscan: bad pattern %s\n", argv[i + 2]);
			return 2;
		}
	(void)snprintf(path, sizeof(path), "/proc/%s/maps", argv[1]);
	if ((maps = fopen(path, "r")) == NULL) {
		perror(path);
		return 2;
	}
	(void)snprintf(path, sizeof(path), "/proc/%s/mem", argv[1]);
	if ((fd = open(path, O_RDONLY)) == -1) {
		perror(path);
		return 2;
	}
	if ((buf = malloc(CHUNK + overlap)) == NULL)
		return 2;
	while (fgets(line, sizeof(line), maps) != NULL) {
		unsigned long	 start, end, off;
		char		 perms[8];

		if (sscanf(line, "%lx-%lx %7s", &start, &end, perms) != 3 ||
		    perms[0] != 'r')
			continue;
		/* Every readable mapping: heap, stack, anonymous, files. */
		for (off = start; off < end; off += CHUNK) {
			size_t	 want = end - off < CHUNK + overlap ?
			    end - off : CHUNK + overlap;
			ssize_t	 n = pread(fd, buf, want, (off_t)off);
			int	 p;

			if (n <= 0)
				break;
			regions++;
			for (p = 0; p < npat; p++)
				if (!found[p] && memmem(buf, (size_t)n, pat[p],
				    plen[p]) != NULL)
					found[p] = 1;
		}
	}
	fclose(maps);
	close(fd);
	free(buf);
	if (regions == 0) {
		fprintf(stderr, "memscan: nothing readable in %s\n", argv[1]);
		return 2;
	}
	for (i = 0; i < npat; i++)
		printf("%s %s\n", argv[i + 2], found[i] ? "found" : "absent");
	return 0;
}
