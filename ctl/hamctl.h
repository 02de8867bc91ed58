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

#include "hamd.h"
#include "imsg.h"

struct ctl_ctx {
	const char	*socket;
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

void	format_addr(char *, size_t, const struct pkt_addr *);
void	format_prefix(char *, size_t, const struct conf_prefix *);
void	format_bytes(char *, size_t, uint64_t);
void	format_uptime(char *, size_t, int64_t);

#endif
