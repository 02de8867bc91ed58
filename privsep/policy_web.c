/*
 * The web child's seccomp allow-list; both daemons run it.  It accepts
 * on the listener the parent bound and talks HTTP on what it accepted:
 * no file is opened, no socket created, nothing executed.
 */
#include "autoconf.h"

#include <sys/ioctl.h>
#include <sys/socket.h>

#include <fcntl.h>
#include <stddef.h>

#include "privsep/policy.h"
#include "privsep/sandbox.h"

static const struct seccomp_allow web_allow[] = {
	EVENT_LOOP_BASE,
	ALLOW(accept4, "accept an HTTP client"),
	ALLOW(accept, "accept an HTTP client (older libevent)"),
	ALLOW(shutdown, "end a connection over the limits"),
	ALLOW(getrandom, "libevent: its random numbers (evhttp's, the "
	    "event base's)"),
	ALLOW(readv, "evbuffer: read a request"),
	ALLOW(writev, "evbuffer: write a reply"),
	ALLOW_ARG1(ioctl, 1, FIONREAD, "evbuffer: how much a client sent "
	    "(that request only)"),
	ALLOW(getpeername, "evhttp: the client's address"),
	ALLOW(getsockname, "evhttp: the listener's address"),
	ALLOW_ARG1(fcntl, 1, F_GETFL, "make accepted sockets non-blocking"),
	ALLOW_ARG1(fcntl, 1, F_SETFL, "make accepted sockets non-blocking"),
	ALLOW_ARG1(fcntl, 1, F_GETFD, "close-on-exec on accepted sockets"),
	ALLOW_ARG1(fcntl, 1, F_SETFD, "close-on-exec on accepted sockets"),
	ALLOW(setsockopt, "evhttp: socket options of accepted sockets"),
	ALLOW(getsockopt, "evhttp: socket errors of accepted sockets"),
};

const struct seccomp_policy policy_web = {
	"web", web_allow, nitems(web_allow)
};
