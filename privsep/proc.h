/*
 * Privilege-separated processes: the parent creates one socketpair for
 * every pair of processes, forks and re-executes itself for each child
 * with "-P name", and each child finds its channels at fixed descriptor
 * numbers (PROC_FD_BASE + the other process's index).  Messages between
 * processes are checked against one rule table per program: origin,
 * destination, payload size and fd.  A message that breaks a rule is
 * fatal in the receiver.
 */
#ifndef HAMD_PROC_H
#define HAMD_PROC_H

#include <sys/types.h>
#include <stdint.h>

#include "ipc/imsg.h"
#include "ipc/imsgev.h"

/*
 * hamd's processes: the parent, three children, and an optional one (the
 * web child) that runs only when the configuration asks for it
 * (proc_desc.optional).
 */
#define PROC_MAX	5
/*
 * The most processes any program has (hamhubd: parent, control,
 * authority, the web child and up to 16 engines).  Arrays are this
 * large; how many a program runs is in struct privsep.
 */
#define PROC_SLOTS	20
#define PROC_PARENT	0
#define PROC_FD_BASE	3		/* child: fd of process i is 3 + i */
#define PROC_BIT(id)	(1u << (id))

/*
 * The framework's own messages, checked and handled by proc.c for every
 * program; the control process's and the programs' types follow from
 * PROC_IMSG_FIRST.
 */
enum proc_imsg_type {
	PROC_IMSG_LOG = 1,	/* child -> parent: int32_t priority, the
				   line with its NUL */
	PROC_IMSG_LOG_VERBOSE,	/* parent -> children: int32_t level */
	PROC_IMSG_FIRST
};

struct privsep;

/* A rule for one message type. */
enum msg_fd { MSG_FD_NONE = 0, MSG_FD_REQUIRED };
struct msg_rule {
	const char	*name;		/* NULL: type not in use */
	uint32_t	 from;		/* PROC_BIT mask of allowed senders */
	uint32_t	 to;		/* PROC_BIT mask of allowed receivers */
	uint32_t	 minlen;	/* payload bounds; equal for exact */
	uint32_t	 maxlen;
	enum msg_fd	 fd;
	int		 nulterm;	/* payload must end in its only NUL */
};

typedef void (*proc_dispatch_fn)(struct privsep *, int from, struct imsg *);

/* A process this one takes messages from, and its handler. */
struct proc_peer {
	int			 id;
	proc_dispatch_fn	 dispatch;
};

struct proc_desc {
	const char	*name;
	void		(*run)(struct privsep *);	/* child entry, NULL for parent */
	/*
	 * Started only when the configuration asks for it: without it
	 * the others run without a channel to it, and messages to it are
	 * dropped (proc_compose returns -1 with EPIPE).
	 */
	int		 optional;
};

struct privsep {
	const struct proc_desc	*procs;		/* nprocs entries */
	int			 nprocs;	/* the parent: how many run;
						   a child: its table's size */
	const struct msg_rule	*rules;
	uint32_t		 nrules;	/* rules[0..nrules-1] by type */
	int			 id;		/* this process's index */
	pid_t			 pids[PROC_SLOTS];
	struct event_base	*base;
	struct imsgev		 iev[PROC_SLOTS];	/* iev[id] unused */
	int			 fds[PROC_SLOTS];	/* -1 when unused */
	proc_dispatch_fn	 dispatch[PROC_SLOTS];
	void			(*on_close)(struct privsep *, int peer);
	void			*arg;		/* the program's own state */
	/* spawn parameters, also passed to each child on its command line */
	const char		*user;
	const char		*chroot_dir;
	const char		*chroot_dirs[PROC_SLOTS];	/* per child */
	const char		*progname;	/* argv[0] of children */
	int			 foreground;
	int			 verbose;
	uint32_t		 off;		/* PROC_BIT of optional children
						   not started (parent only) */
};

/* Look up a process by name; -1 if unknown. */
int	proc_lookup(const struct privsep *, const char *name);

/*
 * Parent: create the socketpairs, fork and exec /proc/self/exe for every
 * child with argv + "-P name -U user -C dir [-d] [-v]".  Fills ps->pids.
 * Fatal on error.
 */
void	proc_spawn(struct privsep *, int argc, char *argv[]);
/*
 * Child: name the process "program: child" (hamd: engine) the way the
 * OpenBSD daemons do, in its command line (ps) and as far as the
 * kernel's 15 bytes allow in its comm name (top, the journal).
 */
void	proc_set_title(const struct privsep *, int argc, char *argv[]);
/*
 * Child: take the channel fds at their fixed numbers, close all others.
 * A program may run fewer processes than its table names (hamhubd's
 * engines) or leave an optional one out: a channel that is not there is
 * -1, but the parent's must be.
 */
void	proc_child_fds(struct privsep *);
/* Set up the libevent channels and the dispatchers (after event_base). */
void	proc_listen(struct privsep *);
/*
 * Install the handlers of the processes this one takes messages from,
 * from the process file's table; a message from any other is fatal.
 */
void	proc_peers(struct privsep *, const struct proc_peer *, size_t);
/* The name of a message type in the program's rules ("unknown"). */
const char *proc_msg_name(const struct privsep *, uint32_t type);

/* Compose to process `to'. Fatal if the rule table forbids it. */
int	proc_compose(struct privsep *, int to, uint32_t type, uint32_t peerid,
	    int fd, const void *data, size_t len);
/*
 * The same, but a message that cannot be queued for want of memory is
 * not fatal: -1 with errno ENOMEM and nothing queued (the fd closed).  For
 * what a daemon may drop without losing track of anything, such as one
 * connection's frame, so that a memory limit refuses work instead of
 * ending the process.
 */
int	proc_compose_try(struct privsep *, int to, uint32_t type,
	    uint32_t peerid, int fd, const void *data, size_t len);
/* Whether process id runs (has a channel to us). */
int	proc_running(const struct privsep *, int id);
/* Flush every channel, blocking; used before exit. */
void	proc_flush_all(struct privsep *);
/* Close the channel to one process (the parent, at shutdown). */
void	proc_close(struct privsep *, int peer);

/*
 * Check an incoming message from `from' against the rules; fatalx with a
 * message naming the sender, type and size on any violation.
 */
void	proc_check(struct privsep *, int from, const struct imsg *);

/*
 * Child start: enter the sandbox (chroot, user, capabilities), create the
 * event base and the channels, and send log lines to the parent.  The
 * child then sets its dispatchers and calls proc_child_loop, which loads
 * the seccomp policy and runs the event loop; it never returns.
 */
struct seccomp_policy;
void	proc_child_setup(struct privsep *);
__attribute__((__noreturn__))
void	proc_child_loop(struct privsep *, const struct seccomp_policy *);

/*
 * The shared ring the parent passed in imsg (ipc/pktring.h): map it as
 * side, then tell process to, with an empty message of type ready,
 * that this side can take batches through it.  -1 (logged) if it
 * cannot be mapped: the batches then keep going over the socketpair.
 */
struct pktring_map;
int	proc_ring_take(struct privsep *, struct imsg *, struct pktring_map *,
	    int side, int to, uint32_t ready);

/* Forward log lines of a child to the parent (installs a log sink). */
void	proc_log_to_parent(struct privsep *);

#endif
