/*
 * Child confinement and the parent's capability drop.
 */
#include "autoconf.h"

#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "privsep/log.h"
#include "privsep/sandbox.h"

int
sandbox_lookup_user(const char *user, uid_t *uid, gid_t *gid, char *err,
    size_t errlen)
{
	struct passwd	*pw;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		(void)snprintf(err, errlen, "unprivileged user \"%s\" does not "
		    "exist: create it with 'useradd --system --no-create-home "
		    "--shell /usr/sbin/nologin %s' or set another with \"user\" "
		    "in the configuration", user, user);
		return -1;
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0) {
		(void)snprintf(err, errlen, "user \"%s\" has uid or gid 0; the "
		    "children must run unprivileged", user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

int
sandbox_check_chroot(const char *dir, char *err, size_t errlen)
{
	struct stat	 st;
	DIR		*d;
	struct dirent	*de;
	int		 entries = 0;

	if (stat(dir, &st) == -1) {
		(void)snprintf(err, errlen, "chroot directory %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		(void)snprintf(err, errlen, "chroot directory %s must be a "
		    "directory owned by root and writable by nobody else "
		    "(fix with: chown root:root %s && chmod 755 %s)", dir, dir,
		    dir);
		return -1;
	}
	if ((d = opendir(dir)) == NULL) {
		(void)snprintf(err, errlen, "chroot directory %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			entries++;
	(void)closedir(d);
	if (entries != 0) {
		(void)snprintf(err, errlen, "chroot directory %s is not empty; "
		    "the children must see nothing there", dir);
		return -1;
	}
	return 0;
}

static void
drop_bounding_set(void)
{
	cap_value_t	 c;

	/* cap_max_bits() is what the running kernel knows. */
	for (c = 0; c < (cap_value_t)cap_max_bits(); c++)
		if (cap_drop_bound(c) == -1 && errno != EINVAL)
			fatal("%s: drop capability %d from the bounding set",
			    __func__, c);
}

void
sandbox_enter(const char *dir, const char *user, pid_t parent)
{
	char		 err[512];
	uid_t		 uid;
	gid_t		 gid;
	cap_t		 caps;

	/* Resolve the user while /etc is still visible. */
	if (sandbox_lookup_user(user, &uid, &gid, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (chroot(dir) == -1)
		fatal("chroot %s", dir);
	if (chdir("/") == -1)
		fatal("chdir /");

	/* Needs CAP_SETPCAP, so before the uid changes. */
	drop_bounding_set();
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1)
		fatal("clear ambient capabilities");

	if (setgroups(1, &gid) == -1)
		fatal("setgroups");
	if (setresgid(gid, gid, gid) == -1)
		fatal("setresgid");
	if (setresuid(uid, uid, uid) == -1)
		fatal("setresuid");
	/* Leaving uid 0 clears the sets; make sure, and prove it sticks. */
	if ((caps = cap_init()) == NULL)
		fatal("cap_init");
	if (cap_set_proc(caps) == -1)
		fatal("cap_set_proc");
	cap_free(caps);
	if (setuid(0) != -1 || seteuid(0) != -1)
		fatalx("could regain root after dropping privileges");

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("PR_SET_NO_NEW_PRIVS");
	/* Keeps other processes of the same uid out of our memory. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("PR_SET_DUMPABLE");
	/* A credential change resets the death signal: set it after. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1)
		fatal("PR_SET_PDEATHSIG");
	if (getppid() != parent)
		fatalx("parent died during start-up");
}

void
sandbox_seccomp(const struct seccomp_policy *pol)
{
	struct scmp_arg_cmp	 cmp[2];
	scmp_filter_ctx		 ctx;
	size_t			 i;
	int			 j, rc;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		fatalx("%s: seccomp_init failed", pol->proc);
	for (i = 0; i < pol->nallow; i++) {
		const struct seccomp_allow *a = &pol->allow[i];

		if (a->nargs < 0 || a->nargs > 2)
			fatalx("%s: seccomp rule %zu (%s): %d argument checks",
			    pol->proc, i, a->why, a->nargs);
		for (j = 0; j < a->nargs; j++) {
			const struct seccomp_arg *c = &a->cmp[j];

			cmp[j] = c->mask != 0 ?
			    SCMP_CMP(c->arg, SCMP_CMP_MASKED_EQ, c->mask,
			    c->val) : SCMP_CMP(c->arg, SCMP_CMP_EQ, c->val);
		}
		rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, a->nr,
		    (unsigned int)a->nargs, cmp);
		if (rc < 0)
			fatalx("%s: seccomp rule %zu (%s): %s", pol->proc, i,
			    a->why, strerror(-rc));
	}
	if ((rc = seccomp_load(ctx)) < 0)
		fatalx("%s: seccomp_load: %s", pol->proc, strerror(-rc));
	seccomp_release(ctx);
	log_debug("seccomp policy loaded: %zu system calls allowed",
	    pol->nallow);
}

#ifdef HAMD_TEST_HOOKS
static void
violate_ptrace(void)
{
	/* ptrace is in no policy. */
	(void)syscall(SYS_ptrace, 0, 0, 0, 0);
}

static void
violate_mmap_exec(void)
{
	(void)mmap(NULL, 4096, PROT_READ | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static void
violate_mprotect_exec(void)
{
	void	*p;

	/* A page the process may have, then the step it may not take. */
	if ((p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) == MAP_FAILED)
		fatal("test hook: mmap");
	(void)mprotect(p, 4096, PROT_READ | PROT_EXEC);
}

static void
violate_open_write(void)
{
	/* /dev/null: nothing changes should the filter let it through. */
	(void)open("/dev/null", O_WRONLY | O_CLOEXEC);
}

static const struct {
	const char	*name;
	void		(*call)(void);
} violations[] = {
	{ .name = "ptrace", .call = violate_ptrace },
	{ .name = "mmap-exec", .call = violate_mmap_exec },
	{ .name = "mprotect-exec", .call = violate_mprotect_exec },
	{ .name = "open-write", .call = violate_open_write },
};
#endif

void
sandbox_test_violation(const char *proc)
{
#ifdef HAMD_TEST_HOOKS
	const char	*want = getenv("HAMD_TEST_FORBIDDEN_SYSCALL");
	const char	*kind = "ptrace";
	size_t		 n, i;

	if (want == NULL)
		return;
	n = strcspn(want, ":");
	if (strlen(proc) != n || strncmp(want, proc, n) != 0)
		return;
	if (want[n] == ':')
		kind = want + n + 1;
	for (i = 0; i < nitems(violations); i++) {
		if (strcmp(kind, violations[i].name) != 0)
			continue;
		log_info("test hook: %s against the seccomp filter", kind);
		violations[i].call();
		fatalx("test hook: %s was not stopped by seccomp", kind);
	}
	fatalx("test hook: HAMD_TEST_FORBIDDEN_SYSCALL=%s: no such violation "
	    "(ptrace, mmap-exec, mprotect-exec, open-write)", want);
#else
	(void)proc;
#endif
}

void
sandbox_parent_caps(const int *keep, size_t nkeep)
{
	cap_t		 caps;
	cap_value_t	 c;
	size_t		 i;
	int		 kept;

	for (c = 0; c < (cap_value_t)cap_max_bits(); c++) {
		for (kept = 0, i = 0; i < nkeep; i++)
			if (keep[i] == c)
				kept = 1;
		if (!kept && cap_drop_bound(c) == -1 && errno != EINVAL)
			fatal("%s: drop capability %d", __func__, c);
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1)
		fatal("clear ambient capabilities");
	if ((caps = cap_init()) == NULL)
		fatal("cap_init");
	for (i = 0; i < nkeep; i++) {
		cap_value_t v = keep[i];

		if (cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_SET) == -1 ||
		    cap_set_flag(caps, CAP_PERMITTED, 1, &v, CAP_SET) == -1)
			fatal("cap_set_flag");
	}
	if (cap_set_proc(caps) == -1)
		fatal("cap_set_proc");
	cap_free(caps);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("PR_SET_NO_NEW_PRIVS");
	/*
	 * It has read the key files: a core dump (a death by its seccomp
	 * filter dumps one) must not leave what it held on disk.
	 */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("PR_SET_DUMPABLE");
}
