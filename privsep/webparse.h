/*
 * What the web child and the parents parse without an HTTP server
 * (webparse.c): the http-listen value, its socket, and request paths.
 */
#ifndef HAMD_PRIVSEP_WEBPARSE_H
#define HAMD_PRIVSEP_WEBPARSE_H

#include <sys/types.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

/* http-listen: "PORT" (loopback) or "ADDRESS:PORT", numeric. */
#define WEB_DEFAULT_ADDR	"127.0.0.1"
struct web_listen {
	int			 set;
	sa_family_t		 af;
	uint16_t		 port;		/* host byte order */
	union {
		struct in_addr	 v4;
		struct in6_addr	 v6;
	}			 addr;
};
int	web_listen_parse(const char *, struct web_listen *, char *err,
	    size_t errlen);
/* "127.0.0.1:9100", "[::1]:9100" */
void	web_listen_str(const struct web_listen *, char *, size_t);
/* Parent: a bound, listening, non-blocking socket; -1 with err. */
int	web_listen_socket(const struct web_listen *, char *err, size_t errlen);

/*
 * A path the web child may look up: absolute, no ".." segment, no
 * backslash, no control byte.  1 or 0.
 */
int	web_path_sane(const char *);

#endif
