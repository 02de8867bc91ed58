/*
 * What the parents of hamd and hamhubd share: the control socket they
 * create for the control process, the admin group they resolve for it,
 * the long-term key file, and supervision of the children (a child that
 * dies ends the daemon; at shutdown children get a grace period, then
 * SIGKILL).
 */
#ifndef HAMD_PARENT_H
#define HAMD_PARENT_H

#include <sys/types.h>
#include <stdint.h>

#include <limits.h>

#include "privsep/control.h"
#include "privsep/proc.h"
#include "privsep/webparse.h"

struct event;
struct parent_base;
struct seccomp_policy;

/*
 * What the framework needs from a program's configuration, filled in
 * by its settings hook after each parse.
 */
struct parent_settings {
	const char	*user;
	const char	*chroot_dir;
	const char	*socket_path;
	const char	*admin_group;	/* "" for none */
	int		 read_access;	/* enum read_access */
	int		 verbose;
	char		 keypath[PATH_MAX];
	int		 key_may_create;	/* generate it on first start */
	struct web_listen web;		/* http-listen; .set 0: no web child */
};

/*
 * A daemon's parent, as parent_main runs it: the framework parses the
 * flags (-dnv -f -s, and -P -U -C for the re-executed children), loads
 * the configuration and the key, creates the control socket, spawns the
 * children, keeps only caps, loads policy and supervises; the
 * program's hooks do what is its own.  Reload (SIGHUP or hamctl
 * reload) and the log level are handled here for both daemons.
 */
struct parent_program {
	const char		*name;		/* "hamd": logs and messages */
	const char		*usage;		/* after "usage: name " */
	const char		*conffile;	/* the default */
	const struct proc_desc	*procs;
	/*
	 * Entries of procs (0: PROC_MAX).  The setup hook may run fewer,
	 * the first ones, by setting ps.nprocs.
	 */
	int			 nprocs;
	const struct msg_rule	*rules;
	uint32_t		 nrules;
	int			 control;	/* the control process's id */
	int			 keyproc;	/* the child given the key */
	uint32_t		 keytype;	/* ... in this message */
	const char		*keywhat;	/* "node", "hub" */
	const int		*caps;		/* kept after spawning */
	size_t			 ncaps;
	/* The parent's own allow-list, loaded once the children run. */
	const struct seccomp_policy *policy;
	/* The children the parent takes messages from, control excepted. */
	const struct proc_peer	*peers;
	size_t			 npeers;
	/*
	 * The web child (0: the program has none): started only when the
	 * configuration has an HTTP listener, which the parent binds and
	 * passes in message webtype.
	 */
	int			 web;
	uint32_t		 webtype;
	/* Control requests other than reload and log level; NULL: none. */
	proc_dispatch_fn	 control_request;

	/* Parse the file into a new configuration; NULL if it has errors. */
	void	*(*parse)(const char *file, const char *opt_socket);
	void	 (*free)(void *conf);
	void	 (*settings)(const void *conf, struct parent_settings *);
	/* A further check before -n says OK; fatal if it fails. */
	void	 (*check)(struct parent_base *);
	/* As root, before the key is read: state directories. */
	void	 (*prepare)(struct parent_base *, uid_t, gid_t);
	/*
	 * With the control socket created: what must be bound or set up
	 * while the parent is root (devices, sockets).  -1 with err stops
	 * the daemon.
	 */
	int	 (*setup)(struct parent_base *, char *err, size_t errlen);
	/* The children run: send them their parts. */
	void	 (*start)(struct parent_base *);
	/*
	 * A new configuration was parsed and its admin group resolved: take
	 * what may change at run time, say what may not.  0, or an errno
	 * value with a message in msg; on 0 the framework keeps nconf.
	 */
	int	 (*reload)(struct parent_base *, void *nconf, char *msg,
		    size_t msglen);
	/* SIGINT or SIGTERM; NULL: parent_shutdown at once. */
	void	 (*stop)(struct parent_base *);
	/* Whatever the reason, the daemon ends: undo changes to the system. */
	void	 (*finish)(struct parent_base *);
};

struct parent_base {
	struct privsep	 ps;
	const struct parent_program *prog;
	const char	*progname;	/* in messages: "hamd", "hamhubd" */
	void		*conf;		/* the program's configuration */
	const char	*conffile;
	const char	*opt_socket;	/* -s */
	int		 opt_verbose;	/* -v */
	time_t		 started;
	int		 shutting_down;
	int		 exit_code;
	struct event	*ev_timer;
	struct event	*ev_sig[4];
	dev_t		 ctl_dev;
	ino_t		 ctl_ino;
	char		 ctl_path[108];
};

/*
 * The daemon's main(): returns its exit code.  pb is the program's own
 * parent state, which starts with a struct parent_base (ps.arg points
 * to it).
 */
int	parent_main(const struct parent_program *, struct parent_base *pb,
	    int argc, char *argv[]);
/* Answer a control request with a struct ctl_result. */
void	parent_reply_result(struct parent_base *, uint32_t client, int code,
	    const char *msg);
/* The log level: -v or the configuration's, whichever is higher. */
int	parent_verbose(const struct parent_base *);

const char	*signame(int);

/* Close the children's channels; SIGKILL stragglers after a grace. */
void	parent_shutdown(struct parent_base *, int code);
/* Tell every child the log level. */
void	parent_broadcast_verbose(struct parent_base *, int);

#endif
