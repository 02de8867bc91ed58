/*
 * hamctl's commands: each module (ctl_node.c, ctl_hub.c, ctl_hubd.c)
 * has a table of them, and hamctl.c dispatches over the tables.
 */
#ifndef HAMD_CTL_CMD_H
#define HAMD_CTL_CMD_H

#include <stddef.h>

struct ctl_ctx;

struct command {
	const char	*name;
	const char	*args;
	const char	*help;
	int		(*fn)(struct ctl_ctx *, int, char **);
};

/*
 * Print the usage lines of the commands called name; "name word" (set
 * owner, hub block) prints only the forms with word among their
 * arguments.  Returns 1, the exit status of a usage error.
 */
int	ctl_usage(const struct command *, size_t, const char *name);

/* The modules' tables. */
extern const struct command	node_commands[];
extern const size_t		node_ncommands;
extern const struct command	hub_node_commands[];
extern const size_t		hub_node_ncommands;
extern const struct command	hubd_commands[];
extern const size_t		hubd_ncommands;

#endif
