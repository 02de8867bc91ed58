/*
 * Confinement of a child process: chroot, unprivileged user, no
 * capabilities, no new privileges, not dumpable, death with the parent,
 * and a seccomp allow-list whose default action kills the process.
 */
#ifndef HAMD_SANDBOX_H
#define HAMD_SANDBOX_H

#include <sys/types.h>
#include <stddef.h>

/*
 * One allowed system call.  The reason is there for the reader and for
 * the log when verbose.  Where a call is only allowed with certain
 * arguments, up to two checks: the argument, or with a mask only the
 * bits the mask selects, must equal the value.
 */
struct seccomp_arg {
	unsigned int	 arg;		/* argument index */
	unsigned long	 mask;		/* 0: the whole argument */
	unsigned long	 val;		/* required value */
};

struct seccomp_allow {
	int			 nr;	/* SCMP_SYS(name) */
	const char		*why;
	int			 nargs;	/* 0, 1 or 2 */
	struct seccomp_arg	 cmp[2];
};

struct seccomp_policy {
	const char			*proc;
	const struct seccomp_allow	*allow;
	size_t				 nallow;
};

/*
 * Resolve user; 0, or -1 with a message in err telling how to create the
 * user.  The parent calls it at start so a missing user is a clear error.
 */
int	sandbox_lookup_user(const char *user, uid_t *, gid_t *,
	    char *err, size_t errlen);
/*
 * Check that dir is a directory owned by root, not writable by group or
 * others, and empty.  0, or -1 with a message in err.
 */
int	sandbox_check_chroot(const char *dir, char *err, size_t errlen);
/*
 * Enter the sandbox: chroot(dir), drop the bounding set, switch to user,
 * clear every capability set, PR_SET_NO_NEW_PRIVS, not dumpable,
 * PR_SET_PDEATHSIG(SIGKILL) and a check that the parent still lives.
 * Fatal on any failure.
 */
void	sandbox_enter(const char *dir, const char *user, pid_t parent);
/* Load the policy. Fatal on failure. */
void	sandbox_seccomp(const struct seccomp_policy *);
/*
 * Test-only (built with --enable-test-hooks): if the environment names
 * this process in HAMD_TEST_FORBIDDEN_SYSCALL ("engine", or
 * "engine:KIND"), break its policy the way KIND says, so the test sees
 * the kernel kill the process: ptrace (the default: a system call no
 * policy allows), mmap-exec (an executable mapping), mprotect-exec (a
 * writable page made executable), open-write (a file opened for
 * writing).
 */
void	sandbox_test_violation(const char *proc);

/*
 * Drop every capability of the parent except those in keep[], set no
 * new privileges, and make it not dumpable.
 */
void	sandbox_parent_caps(const int *keep, size_t nkeep);

#endif
