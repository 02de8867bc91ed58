/*
 * hamctl's commands: each module (ctl_node.c, ctl_hub.c, ctl_hubd.c)
 * has a table of them, and hamctl.c dispatches over the tables.
 */
#ifndef HAMD_CTL_CMD_H
#define HAMD_CTL_CMD_H

#include <stddef.h>

struct ctl_ctx;

/*
 * A command, or one form of it: several entries may share a name ("set
 * NETWORK mode ...", "hub status"), and the word at argv[word_at] picks
 * the form.  fn gets argv from the command's name on and its entry, so
 * one handler can serve several forms told apart by arg.
 */
struct command {
	const char	*name;
	const char	*args;
	const char	*help;
	int		(*fn)(struct ctl_ctx *, const struct command *, int,
			    char **);
	const char	*word;		/* NULL: the only form */
	int		 word_at;
	int		 arg;		/* the form's own value */
	int		 hubd;		/* hamhubd's socket unless -s */
};

/*
 * The form of a command argv asks for in tab: 0 and *out, or -1 when
 * no entry has the name, or 1 when one does but no form fits (say the
 * usage).
 */
int	ctl_command_find(const struct command *, size_t, int, char **,
	    const struct command **out);

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
extern const struct command	route_commands[];
extern const size_t		route_ncommands;

#endif
