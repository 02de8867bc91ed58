/*
 * What the seccomp allow-lists of both daemons share: the entry macros,
 * the calls every event loop needs, and what both parents need.
 */
#ifndef HAMD_POLICY_H
#define HAMD_POLICY_H

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>

#include "privsep/policies.h"
#include "privsep/sandbox.h"

#define ALLOW(name, reason)	{ .nr = SCMP_SYS(name), .why = (reason) }
#define ALLOW_ARG1(name, a, v, reason)					\
	{ .nr = SCMP_SYS(name), .why = (reason), .nargs = 1,		\
	    .cmp = { { .arg = (a), .val = (v) } } }
#define ALLOW_ARG2(name, a, v, b, w, reason)				\
	{ .nr = SCMP_SYS(name), .why = (reason), .nargs = 2,		\
	    .cmp = { { .arg = (a), .val = (v) }, { .arg = (b), .val = (w) } } }
#define ALLOW_MASKED(name, a, m, v, reason)				\
	{ .nr = SCMP_SYS(name), .why = (reason), .nargs = 1,		\
	    .cmp = { { .arg = (a), .mask = (m), .val = (v) } } }
/*
 * Memory that may never be executable: a child that could map or
 * remap a page with PROT_EXEC could run code it was sent instead of
 * having to chain what its binary holds.  prot is the third argument
 * of mmap, mprotect and pkey_mprotect alike.
 */
#define ALLOW_NOEXEC(name, reason)	ALLOW_MASKED(name, 2, PROT_EXEC, 0, reason)

/*
 * What every event loop needs, the parents' too: libevent's epoll
 * backend, imsg channel I/O with fd passing, malloc, the clock for
 * timers, and exit.
 */
#define EVENT_LOOP_CORE							\
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
	ALLOW(munmap, "free of large buffers"),				\
	ALLOW(mremap, "realloc of large buffers"),			\
	ALLOW(madvise, "free returns memory to the kernel"),		\
	ALLOW(getpid, "imsg stamps the sender's pid in each header"),	\
	ALLOW(rt_sigreturn, "return from a signal handler"),		\
	ALLOW(rt_sigprocmask, "libc blocks signals around abort"),	\
	ALLOW(exit, "thread exit"),					\
	ALLOW(exit_group, "process exit"),				\
	ALLOW(sigaltstack, "sanitizer runtimes (ASan/UBSan test builds) " \
	    "set and clear an alternate signal stack")

/* A child's event loop: its memory is never executable. */
#define EVENT_LOOP_BASE							\
	EVENT_LOOP_CORE,						\
	ALLOW_NOEXEC(mmap, "malloc of large buffers (imsg read "	\
	    "buffers); never executable")

/*
 * What both parents need once their children run: supervision (reap,
 * kill stragglers), reload (read the configuration, look up the admin
 * group and its members), syslog, and removing the control socket at
 * exit.  Files open read-only and are never created: everything the
 * parent writes exists before its filter is loaded.
 *
 * A lookup of a group or user that /etc does not have goes on to the
 * next NSS source, and the C library loads its module then, at a
 * reload, long after start: the parent may map code (the children may
 * not).  libnss_systemd looks through its userdb directories and asks
 * systemd's userdb services over AF_UNIX sockets; the C library first
 * asks nscd the same way.
 */
#define PARENT_BASE							\
	EVENT_LOOP_CORE,						\
	ALLOW(wait4, "reap the children"),				\
	ALLOW_ARG1(kill, 1, SIGKILL, "children that do not exit in "	\
	    "time (that signal only)"),					\
	ALLOW_MASKED(openat, 2, O_ACCMODE | O_CREAT | O_TRUNC, O_RDONLY, \
	    "reload: the configuration; NSS: /etc/group, /etc/passwd, " \
	    "nsswitch.conf, userdb (read-only, never created)"),	\
	ALLOW(newfstatat, "reload and NSS: size and owner of a file"),	\
	ALLOW(fstat, "reload and NSS (older libc)"),			\
	ALLOW(lseek, "NSS: rewind /etc/group and /etc/passwd"),		\
	ALLOW(readlinkat, "NSS (systemd): userdb paths"),		\
	ALLOW(getdents64, "NSS (systemd): userdb directories"),		\
	ALLOW(geteuid, "the owner check of key and configuration "	\
	    "files"),							\
	ALLOW(mmap, "malloc; NSS modules loaded at a reload"),		\
	ALLOW(mprotect, "NSS modules loaded at a reload; libsodium's "	\
	    "guarded pages"),						\
	ALLOW(futex, "the C library's NSS locks"),			\
	ALLOW(getrandom, "NSS (systemd): hash table seeds"),		\
	ALLOW_ARG1(prctl, 0, PR_CAPBSET_READ,				\
	    "libcap's start-up probe, in a newly loaded NSS module"),	\
	ALLOW_ARG1(socket, 0, AF_UNIX, "syslog's /dev/log when syslogd " \
	    "restarted; NSS: nscd, systemd's userdb"),			\
	ALLOW(connect, "syslog, nscd, systemd's userdb"),		\
	ALLOW(sendto, "syslog lines; systemd's userdb queries"),	\
	ALLOW(recvfrom, "systemd's userdb answers"),			\
	ALLOW(ppoll, "systemd's userdb: wait for an answer"),		\
	ALLOW(unlink, "remove the control socket at exit")

#endif
