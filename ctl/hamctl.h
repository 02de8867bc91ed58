/*
 * hamctl's shared parts: the connection to a daemon's control socket,
 * output helpers, and the command tables of its modules (hamctl.c: the
 * node's own commands; ctl_hub.c: a node's requests to its hub;
 * ctl_hubd.c: hamctl hub ..., the hub operator's commands).
 */
#ifndef HAMD_HAMCTL_H
#define HAMD_HAMCTL_H

#include <stddef.h>
#include <stdint.h>

#include "ctl/ctlmsg.h"
#include "ctl/ctl_output.h"
#include "ipc/imsg.h"

/* hamctl talks to hamd, hamctl hub ... to hamhubd, unless -s says. */
#define HAMCTL_SOCKET		HAMD_RUNDIR "/hamd.sock"
#define HAMCTL_HUBD_SOCKET	HAMD_RUNDIR "/hamhubd.sock"

struct ctl_ctx {
	const char	*socket;
	int		 socket_set;	/* -s was given */
	int		 json;
	int		 fd;
	struct imsgbuf	 ibuf;
};

struct command {
	const char	*name;
	const char	*args;
	const char	*help;
	int		(*fn)(struct ctl_ctx *, int, char **);
};

extern const struct command	node_commands[];
extern const size_t		node_ncommands;
extern const struct command	hub_node_commands[];
extern const size_t		hub_node_ncommands;
extern const struct command	hubd_commands[];
extern const size_t		hubd_ncommands;

/* Connect and send one request; 0 or -1 (reported). */
int	ctl_send(struct ctl_ctx *, uint32_t type, const void *, size_t);
/* Wait for the next reply message; 0, or -1 (reported, disconnected). */
int	ctl_next(struct ctl_ctx *, struct imsg *);
void	ctl_disconnect(struct ctl_ctx *);
/*
 * Send one request and wait for its reply of type want (outlen bytes
 * into out), or a struct ctl_result into res.  The reply type, or -1.
 */
int	ctl_call(struct ctl_ctx *, uint32_t type, const void *, size_t,
	    uint32_t want, void *out, size_t outlen, struct ctl_result *res);
/* Print a ctl_result (JSON with -j); 0 if it reports success. */
int	print_result(struct ctl_ctx *, const struct ctl_result *);
struct json;
/* A result's members inside a JSON object: ok, message, error. */
void	json_result(struct json *, const struct ctl_result *);

/*
 * Print the usage lines of the commands called name; "name word" (set
 * owner, hub block) prints only the forms with word among their
 * arguments.  Returns 1, the exit status of a usage error.
 */
int	ctl_usage(const struct command *, size_t, const char *name);

/*
 * Listings (ctl_hub.c, used by ctl_hubd.c too): a request answered by
 * rows of one message type and then a struct ctl_result.  Each row is
 * turned into text fields; a column shows one field, under a heading
 * (NULL: JSON only) and a JSON key (NULL: text only).  An empty field
 * shows as "-" and is left out of the JSON.
 */
#define CTL_FIELD_MAX	80
enum ctl_col_kind { COL_STR, COL_INT, COL_BOOL };
struct ctl_col {
	const char		*head;
	const char		*key;
	enum ctl_col_kind	 kind;
	int			 field;
	int			 node_only;	/* the asker's own view (role,
						   state): not in hub listings */
};
struct ctl_listing {
	uint32_t		 item;		/* message type of a row */
	size_t			 len;		/* its exact payload size */
	int			 hub_view;	/* the hub's listing: no asker */
	void			(*fields)(const void *,
				    char [][CTL_FIELD_MAX]);
	const struct ctl_col	*cols;
	size_t			 ncols;
	const char		*what;		/* JSON key; "no <what>" */
};
/* Send the request, print the rows; the exit status. */
int	ctl_list(struct ctl_ctx *, uint32_t type, const void *, size_t,
	    const struct ctl_listing *);

/* The fields of a network and of a member or node, for listings. */
enum { NF_NAME, NF_ID, NF_TYPE, NF_MODE, NF_ROLE, NF_STATE, NF_YOU,
	NF_MEMBERS, NF_LIMIT, NF_SIZE, NF_PENDING, NF_ONLINE, NF_MAX };
enum { MF_NICK, MF_KEY, MF_V4, MF_V6, MF_ROLE, MF_STATE, MF_ONLINE,
	MF_ENDPOINT, MF_SEEN, MF_SEEN_UNIX, MF_MAX };
void	hub_net_fields(const void *, char [][CTL_FIELD_MAX]);
void	hub_member_fields(const void *, char [][CTL_FIELD_MAX]);
/* The hub's own listings of them (hamctl hub nodes, hub networks). */
extern const struct ctl_listing	hub_nodes_listing, hub_networks_listing;


#endif
