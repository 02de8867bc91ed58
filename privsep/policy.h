/*
 * What the seccomp allow-lists of both daemons share: the entry macros
 * and the calls every child's event loop needs.
 */
#ifndef HAMD_POLICY_H
#define HAMD_POLICY_H

#include <seccomp.h>

#include "privsep/policies.h"
#include "privsep/sandbox.h"

#define ALLOW(name, why)	{ SCMP_SYS(name), why, 0, { 0, 0 }, { 0, 0 } }
#define ALLOW_ARG1(name, a, v, why) \
	{ SCMP_SYS(name), why, 1, { a, 0 }, { v, 0 } }
#define ALLOW_ARG2(name, a, v, b, w, why) \
	{ SCMP_SYS(name), why, 2, { a, b }, { v, w } }

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
	ALLOW(exit_group, "process exit"),				\
	ALLOW(sigaltstack, "sanitizer runtimes (ASan/UBSan test builds) " \
	    "set and clear an alternate signal stack")

#endif
