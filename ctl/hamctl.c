/*
 * hamctl: the control client.  Subcommands come from one table; those
 * that talk to hamd send one request over the control socket and print
 * the reply, for people or (-j) as JSON.
 */
#include "autoconf.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/ctl_output.h"
#include "ctl/ctl_cmd.h"
#include "ctl/ctl_conn.h"



static int	cmd_help(struct ctl_ctx *, const struct command *, int,
	    char **);

static const struct command help_command[] = {
	{ .name = "help", .args = "", .help = "show this list of commands",
	    .fn = cmd_help },
};

/* Every command: ours, the hub commands of a node, the hub's own. */
static const size_t help_ncommands = nitems(help_command);
static const struct command *const command_tables[] = {
	help_command, node_commands, hub_node_commands, route_commands,
	hubd_commands
};
static const size_t *const command_counts[] = {
	&help_ncommands, &node_ncommands, &hub_node_ncommands,
	&route_ncommands, &hubd_ncommands
};
#define NTABLES	nitems(command_tables)

static size_t
table_len(size_t t)
{
	return *command_counts[t];
}

static void
usage(FILE *out)
{
	fprintf(out, "usage: hamctl [-j] [-s socket] command [argument ...]\n"
	    "run 'hamctl help' for the commands\n");
}

#define HELP_LEFT	28	/* the column of "command arguments" */
#define HELP_WIDTH	79

/* A command's synopsis, then its help wrapped to HELP_WIDTH. */
static void
help_line(const struct command *c)
{
	const char	*h = c->help;
	const size_t	 room = HELP_WIDTH - HELP_LEFT - 3;
	char		 left[128];
	size_t		 n;

	(void)snprintf(left, sizeof(left), "%s%s%s", c->name,
	    c->args[0] != '\0' ? " " : "", c->args);
	if (strlen(left) >= HELP_LEFT) {
		printf("  %s\n", left);
		left[0] = '\0';
	}
	do {
		if ((n = strlen(h)) > room) {
			/* at the last space that fits, or after a long word */
			for (n = room; n > 0 && h[n] != ' '; n--)
				;
			if (n == 0)
				n = strcspn(h, " ");
		}
		printf("  %-*s %.*s\n", HELP_LEFT, left, (int)n, h);
		left[0] = '\0';
		h += n;
		h += strspn(h, " ");
	} while (*h != '\0');
}

static int
cmd_help(struct ctl_ctx *ctx, const struct command *cmd, int argc,
    char **argv)
{
	size_t	 i, t;

	if (ctx->json) {
		struct json j;

		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_array_begin(&j, "commands");
		for (t = 0; t < NTABLES; t++)
			for (i = 0; i < table_len(t); i++) {
				const struct command *c = &command_tables[t][i];

				json_object_begin(&j, NULL);
				json_string(&j, "name", c->name);
				json_string(&j, "arguments", c->args);
				json_string(&j, "help", c->help);
				json_object_end(&j);
			}
		json_array_end(&j);
		json_object_end(&j);
		json_end(&j);
		return 0;
	}
	printf("usage: hamctl [-j] [-s socket] command [argument ...]\n\n"
	    "  -j         JSON output\n"
	    "  -s socket  control socket (default %s;\n"
	    "             %s for the \"hub ...\" commands)\n\n"
	    "commands:\n",
	    HAMCTL_SOCKET, HAMCTL_HUBD_SOCKET);
	for (t = 0; t < NTABLES; t++)
		for (i = 0; i < table_len(t); i++)
			help_line(&command_tables[t][i]);
	return 0;
}

int
main(int argc, char *argv[])
{
	const struct command	*cmd;
	struct ctl_ctx		 ctx;
	size_t			 t;
	int			 ch;

	memset(&ctx, 0, sizeof(ctx));
	ctx.socket = HAMCTL_SOCKET;
	ctx.fd = -1;
	while ((ch = getopt(argc, argv, "+hjs:")) != -1) {
		switch (ch) {
		case 'h':
			return cmd_help(&ctx, NULL, 0, NULL);
		case 'j':
			ctx.json = 1;
			break;
		case 's':
			ctx.socket = optarg;
			ctx.socket_set = 1;
			break;
		default:
			usage(stderr);
			return 1;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return 1;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "hamctl: libsodium failed to initialise\n");
		return 1;
	}
	for (t = 0; t < NTABLES; t++) {
		switch (ctl_command_find(command_tables[t], table_len(t), argc,
		    argv, &cmd)) {
		case 0:
			if (cmd->hubd && !ctx.socket_set)
				ctx.socket = HAMCTL_HUBD_SOCKET;
			return cmd->fn(&ctx, cmd, argc, argv);
		case 1:
			fprintf(stderr, "hamctl: \"%s\" takes one of these "
			    "forms:\n", argv[0]);
			return ctl_usage(command_tables[t], table_len(t),
			    argv[0]);
		default:
			break;
		}
	}
	fprintf(stderr, "hamctl: unknown command \"%s\"; run 'hamctl help' "
	    "for the list\n", argv[0]);
	return 1;
}
