/*
 * The control process's seccomp allow-list; both daemons run the same
 * control process (privsep/control.c).
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <fcntl.h>
#include <stddef.h>

#include "privsep/policy.h"
#include "privsep/sandbox.h"

static const struct seccomp_allow control_allow[] = {
	EVENT_LOOP_BASE,
	ALLOW(accept4, "accept a hamctl connection"),
	ALLOW_ARG1(getsockopt, 2, SO_PEERCRED,
	    "SO_PEERCRED: who is calling (nothing else)"),
	ALLOW_ARG1(fcntl, 1, F_GETFL, "make accepted sockets non-blocking"),
	ALLOW_ARG1(fcntl, 1, F_SETFL, "make accepted sockets non-blocking"),
};

const struct seccomp_policy policy_control = {
	"control", control_allow, nitems(control_allow)
};
