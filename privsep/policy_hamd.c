/*
 * Seccomp allow-lists of hamd's children, one table per process.  The
 * default action kills the process; every entry says why it is needed.
 * A call that is missing here shows up as the child dying by SIGSYS,
 * which the parent logs, so a gap is never silent.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <fcntl.h>
#include <seccomp.h>
#include <stddef.h>

#include "hamd.h"
#include "sandbox.h"

#define ALLOW(name, why)	{ SCMP_SYS(name), why, 0, { 0, 0 }, { 0, 0 } }
#define ALLOW_ARG1(name, a, v, why) \
	{ SCMP_SYS(name), why, 1, { a, 0 }, { v, 0 } }
#define NELEM(a)		(sizeof(a) / sizeof((a)[0]))

/*
 * What every child's event loop needs: libevent's epoll backend, imsg
 * channel I/O with fd passing, malloc, the clock for timers, and exit.
 */
#define EVENT_LOOP_BASE							\
	ALLOW(epoll_wait, "libevent: wait for events"),			\
	ALLOW(epoll_pwait, "libevent: wait for events (newer libc)"),	\
	ALLOW(epoll_ctl, "libevent: add and remove fds"),		\
	ALLOW(read, "libevent's internal signal/notify fds"),		\
	ALLOW(write, "libevent's notify fd; stderr before the log channel"), \
	ALLOW(recvmsg, "imsg: read channel data and passed fds"),	\
	ALLOW(sendmsg, "imsg: write channel data and passed fds"),	\
	ALLOW(poll, "imsg: blocking flush of log lines before exit"),	\
	ALLOW(close, "closing passed and accepted fds"),		\
	ALLOW(clock_gettime, "libevent timers (when not in the vDSO)"), \
	ALLOW(gettimeofday, "libevent cached time (when not in the vDSO)"), \
	ALLOW(brk, "malloc"),						\
	ALLOW(mmap, "malloc of large buffers (imsg read buffers)"),	\
	ALLOW(munmap, "free of large buffers"),				\
	ALLOW(mremap, "realloc of large buffers"),			\
	ALLOW(madvise, "free returns memory to the kernel"),		\
	ALLOW(getpid, "imsg stamps the sender's pid in each header"),	\
	ALLOW(rt_sigreturn, "return from a signal handler"),		\
	ALLOW(rt_sigprocmask, "libc blocks signals around abort"),	\
	ALLOW(exit, "thread exit"),					\
	ALLOW(exit_group, "process exit")

static const struct seccomp_allow control_allow[] = {
	EVENT_LOOP_BASE,
	ALLOW(accept4, "accept a hamctl connection"),
	ALLOW_ARG1(getsockopt, 2, SO_PEERCRED,
	    "SO_PEERCRED: who is calling (nothing else)"),
	ALLOW_ARG1(fcntl, 1, F_GETFL, "make accepted sockets non-blocking"),
	ALLOW_ARG1(fcntl, 1, F_SETFL, "make accepted sockets non-blocking"),
};

/*
 * The UDP sockets arrive after this filter is loaded, already bound and
 * non-blocking, with UDP_GRO on (the parent sets all three), so the
 * engine needs no socket(), bind(), setsockopt() or fcntl(): only the
 * data calls themselves, and one read-only probe.
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
};

static const struct seccomp_allow tun_allow[] = {
	EVENT_LOOP_BASE,
	ALLOW(getrandom, "libsodium: ephemeral keys and nonces"),
	ALLOW(mprotect, "libsodium: guarded pages for secrets"),
	ALLOW(mlock, "libsodium: secrets never reach swap"),
	ALLOW(munlock, "libsodium: release locked secrets"),
};

const struct seccomp_policy policy_control = {
	"control", control_allow, NELEM(control_allow)
};
const struct seccomp_policy policy_engine = {
	"engine", engine_allow, NELEM(engine_allow)
};
const struct seccomp_policy policy_tun = {
	"tun", tun_allow, NELEM(tun_allow)
};
