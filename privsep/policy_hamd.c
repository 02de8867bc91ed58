/*
 * Seccomp allow-lists of hamd's children, one table per process.  The
 * default action kills the process; every entry says why it is needed.
 * A call that is missing here shows up as the child dying by SIGSYS,
 * which the parent logs, so a gap is never silent.
 */
#include "autoconf.h"

#include <sys/ioctl.h>
#include <sys/socket.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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
	/* SOL_UDP (IPPROTO_UDP) and UDP_SEGMENT: the kernel's ABI. */
	ALLOW_ARG2(getsockopt, 1, 17, 2, 103,
	    "UDP_SEGMENT probe: a kernel without UDP GSO would send a "
	    "train as one datagram (that level and option only)"),
	ALLOW_ARG2(getsockopt, 1, SOL_SOCKET, 2, SO_ERROR,
	    "SO_ERROR: how the hub socket's connect() ended (that level "
	    "and option only)"),
	ALLOW(getpeername, "the hub connection's far end, for tun"),
	ALLOW(getsockname, "the hub connection's near end, for tun"),
};

static const struct seccomp_allow tun_allow[] = {
	EVENT_LOOP_BASE,
	ALLOW(getrandom, "libsodium: ephemeral keys and nonces"),
	ALLOW_NOEXEC(mprotect, "libsodium: guarded pages for secrets; "
	    "never executable"),
	ALLOW(mlock, "libsodium: secrets never reach swap"),
	ALLOW(munlock, "libsodium: release locked secrets"),
};

const struct seccomp_policy policy_engine = {
	"engine", engine_allow, nitems(engine_allow)
};
const struct seccomp_policy policy_tun = {
	"tun", tun_allow, nitems(tun_allow)
};

/*
 * The parent after start: besides PARENT_BASE, the hub connection (a
 * TCP socket per attempt, the hub's name resolved each time, by DNS
 * where it is not in /etc/hosts), the device's addresses and routes
 * over the netlink socket it opened before, the machine's own
 * addresses for NAT discovery and candidates (getifaddrs opens a
 * netlink socket of its own), the preshared keys a reload reads into
 * guarded memory, and the system bus for systemd-resolved.
 */
static const struct seccomp_allow hamd_parent_allow[] = {
	PARENT_BASE,
	ALLOW_ARG1(socket, 0, AF_INET, "the hub's TCP connection; DNS"),
	ALLOW_ARG1(socket, 0, AF_INET6, "the hub's TCP connection; DNS"),
	ALLOW_ARG1(socket, 0, AF_NETLINK, "getifaddrs: the machine's "
	    "addresses"),
	ALLOW(bind, "getifaddrs binds its netlink socket"),
	ALLOW(getsockname, "getifaddrs: its netlink port id"),
	ALLOW_ARG2(setsockopt, 1, IPPROTO_TCP, 2, TCP_NODELAY,
	    "the hub connection: frames are small"),
	ALLOW_ARG2(setsockopt, 1, SOL_SOCKET, 2, SO_KEEPALIVE,
	    "the hub connection"),
	ALLOW_ARG2(setsockopt, 1, SOL_SOCKET, 2, SO_MARK,
	    "the hub connection: outside an exit node's tunnel"),
	ALLOW_ARG2(setsockopt, 1, IPPROTO_IP, 2, IP_RECVERR,
	    "DNS: the resolver's UDP socket"),
	ALLOW_ARG2(setsockopt, 1, IPPROTO_IPV6, 2, IPV6_RECVERR,
	    "DNS: the resolver's UDP socket"),
	ALLOW(sendmmsg, "DNS: A and AAAA queries at once"),
	ALLOW_ARG1(ioctl, 1, FIONREAD, "DNS: the size of an answer"),
	ALLOW_ARG1(ioctl, 1, SIOCGIFNAME, "an interface's name for a "
	    "warning about an overlapping route"),
	ALLOW(uname, "DNS: the resolver reads resolv.conf again when it "
	    "changed"),
	ALLOW(mlock, "libsodium: a preshared key on its way to tun"),
	ALLOW(munlock, "libsodium: release it"),
	/*
	 * sd-bus, registering the member names with systemd-resolved
	 * (daemon/resolvereg.c): one connection to the system bus per
	 * change (socket, connect, sendmsg, recvmsg, ppoll: above).  It
	 * sizes its buffers and reads who the bus is; those options only.
	 */
	ALLOW_ARG2(setsockopt, 1, SOL_SOCKET, 2, SO_SNDBUF,
	    "sd-bus: the bus connection's buffers"),
	ALLOW_ARG2(setsockopt, 1, SOL_SOCKET, 2, SO_RCVBUF,
	    "sd-bus: the bus connection's buffers"),
	ALLOW_ARG2(setsockopt, 1, SOL_SOCKET, 2, SO_SNDBUFFORCE,
	    "sd-bus: the bus connection's buffers"),
	ALLOW_ARG2(setsockopt, 1, SOL_SOCKET, 2, SO_RCVBUFFORCE,
	    "sd-bus: the bus connection's buffers"),
	ALLOW_ARG2(getsockopt, 1, SOL_SOCKET, 2, SO_SNDBUF,
	    "sd-bus: the bus connection's buffers"),
	ALLOW_ARG2(getsockopt, 1, SOL_SOCKET, 2, SO_RCVBUF,
	    "sd-bus: the bus connection's buffers"),
	ALLOW_ARG2(getsockopt, 1, SOL_SOCKET, 2, SO_ACCEPTCONN,
	    "sd-bus: is the fd a listening socket"),
	ALLOW_ARG2(getsockopt, 1, SOL_SOCKET, 2, SO_PEERCRED,
	    "sd-bus: the bus daemon's credentials"),
	ALLOW_ARG2(getsockopt, 1, SOL_SOCKET, 2, SO_PEERSEC,
	    "sd-bus: the bus daemon's security label"),
	ALLOW_ARG2(getsockopt, 1, SOL_SOCKET, 2, SO_PEERGROUPS,
	    "sd-bus: the bus daemon's groups"),
};

const struct seccomp_policy policy_hamd_parent = {
	.proc = "parent",
	.allow = hamd_parent_allow,
	.nallow = nitems(hamd_parent_allow),
};
