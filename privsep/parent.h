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

#include "proc.h"

struct conf_control;
struct event;

struct parent_base {
	struct privsep	 ps;
	const char	*progname;	/* in messages: "hamd", "hamhubd" */
	int		 shutting_down;
	int		 exit_code;
	struct event	*ev_timer;
	dev_t		 ctl_dev;
	ino_t		 ctl_ino;
	char		 ctl_path[108];
};

const char	*signame(int);

/*
 * Create the control socket at path (replacing a stale one, refusing
 * when another daemon answers there).  Fatal on error.
 */
int	parent_ctl_socket_open(struct parent_base *, const char *path);
/* Remove it, but only if it is still the one we created. */
void	parent_ctl_socket_remove(struct parent_base *);

/* Resolve the admin group for the control process; -1 if unknown. */
int	parent_conf_control(const char *admin_group, int read_access,
	    const char *conffile, struct conf_control *);

/*
 * Read a private key; if it does not exist and may_create is set,
 * generate one (mode 0600) and audit it.  Fatal on error.
 */
void	parent_key_load(const char *path, int may_create, const char *what,
	    uint8_t priv[32]);

/* Close the children's channels; SIGKILL stragglers after a grace. */
void	parent_shutdown(struct parent_base *, int code);
/* Reap children; an unexpected death shuts the daemon down. */
void	parent_sigchld(struct parent_base *);
/* Tell every child the log level. */
void	parent_broadcast_verbose(struct parent_base *, int);

#endif
