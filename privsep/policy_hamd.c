/*
 * Seccomp allow-lists of hamd's children, one table per process.  The
 * default action kills the process; every entry says why it is needed.
 * A call that is missing here shows up as the child dying by SIGSYS,
 * which the parent logs, so a gap is never silent.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <fcntl.h>
#include <stddef.h>

#include "privsep/policy.h"
#include "privsep/sandbox.h"


/*
 * The UDP sockets arrive after this filter is loaded, already bound and
 * non-blocking, with UDP_GRO on (the parent sets all three), so the
 * engine needs no socket(), bind(), setsockopt() or fcntl(): only the
 * data calls themselves, and one read-only probe.  The hub's TCP
 * socket arrives the same way with its connect() already started: the
 * engine only learns how that ended and which addresses it joined, and
 * moves bytes with read() and write().
 */
static const struct seccomp_allow engine_allow[] = {
	EVENT_LOOP_BASE,
	ALLOW(recvmmsg, "UDP: receive a burst of datagrams per call"),
	ALLOW(sendmmsg, "UDP: send a burst of datagrams per call"),
	{ SCMP_SYS(getsockopt),
	    "UDP_SEGMENT probe: a kernel without UDP GSO would send a "
	    "train as one datagram (that level and option only)",
	    /* SOL_UDP (IPPROTO_UDP) and UDP_SEGMENT: the kernel's ABI. */
	    2, { 1, 2 }, { 17, 103 } },
	{ SCMP_SYS(getsockopt),
	    "SO_ERROR: how the hub socket's connect() ended (that level "
	    "and option only)",
	    2, { 1, 2 }, { SOL_SOCKET, SO_ERROR } },
	ALLOW(getpeername, "the hub connection's far end, for tun"),
	ALLOW(getsockname, "the hub connection's near end, for tun"),
};

static const struct seccomp_allow tun_allow[] = {
	EVENT_LOOP_BASE,
	ALLOW(getrandom, "libsodium: ephemeral keys and nonces"),
	ALLOW(mprotect, "libsodium: guarded pages for secrets"),
	ALLOW(mlock, "libsodium: secrets never reach swap"),
	ALLOW(munlock, "libsodium: release locked secrets"),
};

const struct seccomp_policy policy_engine = {
	"engine", engine_allow, nitems(engine_allow)
};
const struct seccomp_policy policy_tun = {
	"tun", tun_allow, nitems(tun_allow)
};
