/*
 * The control process both daemons run: it owns the UNIX control
 * socket, learns each caller's credentials from the kernel
 * (SO_PEERCRED), decides from the program's request table what the
 * caller may do, and forwards permitted requests, stamped with those
 * credentials, to the process that answers them.  Replies travel back
 * with the caller's connection id as peerid.
 *
 * The messages here are the ones the control process itself knows;
 * each program's requests follow from CONTROL_IMSG_FIRST (for hamctl,
 * ctl/ctlmsg.h).
 */
#ifndef HAMD_PRIVSEP_CONTROL_H
#define HAMD_PRIVSEP_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include "privsep/proc.h"

enum control_imsg_type {
	IMSG_CONTROL_CONF = PROC_IMSG_FIRST,	/* parent -> control:
						   struct conf_control */
	IMSG_CONTROL_SOCKET,		/* parent -> control: the listening
					   socket's fd */
	IMSG_CTL_RESULT,		/* struct ctl_result: ends a request */
	IMSG_CTL_RELOAD,		/* request: re-read the configuration */
	IMSG_CTL_LOG_VERBOSE,		/* request: int32_t 0 or 1 */
	CONTROL_IMSG_FIRST
};

/* Who asked, as the kernel told the control process (SO_PEERCRED). */
struct ctl_cred {
	uint32_t	uid;
	uint32_t	gid;
	int32_t		pid;
};

#define CTL_MSG_MAX	256
struct ctl_result {
	int32_t		code;		/* 0, or an errno value */
	char		msg[CTL_MSG_MAX];	/* NUL-terminated */
};

enum read_access {
	READ_ACCESS_ADMINS = 0,	/* default: only root and the admin group */
	READ_ACCESS_ALL,	/* any local user may run read-only commands */
};

/* What the control process needs to decide who may do what. */
#define CONF_ADMIN_UIDS	64
struct conf_control {
	int32_t		read_access;	/* enum read_access */
	int32_t		has_admin_gid;
	uint32_t	admin_gid;
	uint32_t	nuids;		/* members named in the group file */
	uint32_t	uids[CONF_ADMIN_UIDS];
};

/*
 * Each program names its requests: the message type, who may send it,
 * its payload size on the socket, and which process answers.
 */
enum ctl_need { NEED_READ, NEED_ADMIN };
#define CTL_REQUEST_MAX	512	/* largest request payload */
struct ctl_request {
	uint32_t	 type;
	const char	*name;
	enum ctl_need	 need;
	size_t		 len;
	int		 to;		/* the process that answers */
	/* if set, decides the need from the payload (len bytes) */
	enum ctl_need	(*need_of)(const void *, size_t);
};
struct control_program {
	const struct ctl_request *requests;
	size_t			 nrequests;
	const char		*conffile;	/* named in "permission denied" */
	/*
	 * Monitoring (0: none): a permitted request of type monitor turns
	 * its connection into a subscriber, and every message of type
	 * event that another process sends us goes to every subscriber
	 * as it is.  Events are the program's own; control never reads
	 * them.
	 */
	uint32_t		 monitor;
	uint32_t		 event;
};

/*
 * The rules of the control process's own messages in a program's rule
 * table (privsep/proc.h): the parent's configuration and socket, and
 * the result that ends each request, from the processes in answerers,
 * and the two requests every daemon's parent answers (reload, log).
 */
#define CONTROL_MSG_RULES(control, answerers)				\
	[IMSG_CONTROL_CONF] = { .name = "control-conf",			\
	    .from = PROC_BIT(PROC_PARENT), .to = PROC_BIT(control),	\
	    .minlen = sizeof(struct conf_control),			\
	    .maxlen = sizeof(struct conf_control) },			\
	[IMSG_CONTROL_SOCKET] = { .name = "control-socket",		\
	    .from = PROC_BIT(PROC_PARENT), .to = PROC_BIT(control),	\
	    .fd = MSG_FD_REQUIRED },					\
	[IMSG_CTL_RESULT] = { .name = "ctl-result", .from = (answerers), \
	    .to = PROC_BIT(control), .minlen = sizeof(struct ctl_result), \
	    .maxlen = sizeof(struct ctl_result) },			\
	[IMSG_CTL_RELOAD] = { .name = "ctl-reload",			\
	    .from = PROC_BIT(control), .to = PROC_BIT(PROC_PARENT),	\
	    .minlen = sizeof(struct ctl_cred),				\
	    .maxlen = sizeof(struct ctl_cred) },			\
	[IMSG_CTL_LOG_VERBOSE] = { .name = "ctl-log-verbose",		\
	    .from = PROC_BIT(control), .to = PROC_BIT(PROC_PARENT),	\
	    .minlen = sizeof(struct ctl_cred) + sizeof(int32_t),	\
	    .maxlen = sizeof(struct ctl_cred) + sizeof(int32_t) }

/* The control process's entry; never returns. */
__attribute__((__noreturn__))
void	control_main(struct privsep *, const struct control_program *);

#endif
