/*
 * libFuzzer target: what the web child parses itself (privsep/webparse.c).
 * The input, cut at its first NUL, is an http-listen value and a request
 * path.  A value taken must describe a real listener (family, port); a
 * path taken must hold no ".." segment, backslash or control byte, which
 * is checked here independently of the code under test.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>

#include "privsep/webparse.h"

int	LLVMFuzzerTestOneInput(const unsigned char *, size_t);

static int
has_dotdot(const char *p)
{
	size_t	 i, n = strlen(p);

	for (i = 0; i + 1 < n; i++)
		if (p[i] == '.' && p[i + 1] == '.' &&
		    (i == 0 || p[i - 1] == '/') &&
		    (i + 2 == n || p[i + 2] == '/'))
			return 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct web_listen	 wl;
	char			 err[256], str[64], *s;
	size_t			 i;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (web_listen_parse(s, &wl, err, sizeof(err)) == 0) {
		if (!wl.set || wl.port == 0 ||
		    (wl.af != AF_INET && wl.af != AF_INET6))
			abort();
		web_listen_str(&wl, str, sizeof(str));
		if (strlen(str) == 0)
			abort();
	} else if (err[0] == '\0')
		abort();
	if (web_path_sane(s)) {
		if (s[0] != '/' || has_dotdot(s) || strchr(s, '\\') != NULL)
			abort();
		for (i = 0; s[i] != '\0'; i++)
			if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
				abort();
	}
	free(s);
	return 0;
}
