/*
 * What the web child and the parents parse without an HTTP server (web.h):
 * the http-listen value both configuration parsers take, the socket the
 * parent binds for it, and the request paths the web child looks up.
 * Apart from web.c, so that the parsers, their tests and the fuzz target
 * need no evhttp.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat/compat.h"
#include "compat/util.h"
#include "privsep/webparse.h"

int
web_listen_parse(const char *s, struct web_listen *wl, char *err,
    size_t errlen)
{
	char		 host[INET6_ADDRSTRLEN + 3];
	const char	*colon, *p;
	char		*end;
	unsigned long	 port;
	size_t		 hl;

	memset(wl, 0, sizeof(*wl));
	if ((colon = strrchr(s, ':')) == NULL) {
		(void)strlcpy(host, WEB_DEFAULT_ADDR, sizeof(host));
		p = s;
	} else {
		hl = (size_t)(colon - s);
		if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') {
			s++;
			hl -= 2;
		} else if (memchr(s, ':', hl) != NULL) {
			/* "::1:9100": which colon ends the address? */
			seterr(err, errlen, "an IPv6 address needs brackets: "
			    "[ADDRESS]:PORT");
			return -1;
		}
		if (hl == 0 || hl >= sizeof(host)) {
			seterr(err, errlen, "expected PORT, ADDRESS:PORT or "
			    "[IPv6 ADDRESS]:PORT");
			return -1;
		}
		memcpy(host, s, hl);
		host[hl] = '\0';
		p = colon + 1;
	}
	errno = 0;
	port = strtoul(p, &end, 10);
	if (*p < '0' || *p > '9' || *end != '\0' || errno != 0 ||
	    port == 0 || port > 65535) {
		seterr(err, errlen, "the port must be a number from 1 to "
		    "65535");
		return -1;
	}
	if (inet_pton(AF_INET, host, &wl->addr.v4) == 1)
		wl->af = AF_INET;
	else if (inet_pton(AF_INET6, host, &wl->addr.v6) == 1)
		wl->af = AF_INET6;
	else {
		seterr(err, errlen, "the address must be numeric (names are "
		    "not looked up)");
		return -1;
	}
	wl->port = (uint16_t)port;
	wl->set = 1;
	return 0;
}

void
web_listen_str(const struct web_listen *wl, char *buf, size_t len)
{
	char	 a[INET6_ADDRSTRLEN];

	if (!wl->set) {
		(void)snprintf(buf, len, "off");
		return;
	}
	(void)inet_ntop(wl->af, &wl->addr, a, sizeof(a));
	(void)snprintf(buf, len, wl->af == AF_INET6 ? "[%s]:%u" : "%s:%u", a,
	    wl->port);
}

int
web_listen_socket(const struct web_listen *wl, char *err, size_t errlen)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 slen;
	char			 a[64];
	int			 fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (wl->af == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(wl->port);
		sin->sin_addr = wl->addr.v4;
		slen = sizeof(*sin);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(wl->port);
		sin6->sin6_addr = wl->addr.v6;
		slen = sizeof(*sin6);
	}
	web_listen_str(wl, a, sizeof(a));
	if ((fd = socket(wl->af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		seterr(err, errlen, "http-listen %s: socket: %s", a,
		    strerror(errno));
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (wl->af == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, slen) == -1 ||
	    listen(fd, 32) == -1) {
		seterr(err, errlen, "http-listen %s: %s", a, strerror(errno));
		(void)close(fd);
		return -1;
	}
	return fd;
}

int
web_path_sane(const char *p)
{
	const char	*s;

	if (p == NULL || p[0] != '/')
		return 0;
	for (s = p; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == '\\' || *s == 0x7f)
			return 0;
	for (s = p; (s = strstr(s, "..")) != NULL; s++)
		if ((s == p || s[-1] == '/') && (s[2] == '\0' || s[2] == '/'))
			return 0;
	return 1;
}
