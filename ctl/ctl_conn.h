/*
 * hamctl's connection to a daemon's control socket: one request per
 * connection, its replies, and the struct ctl_result that ends them.
 */
#ifndef HAMD_CTL_CONN_H
#define HAMD_CTL_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "ctl/ctlmsg.h"
#include "ipc/imsg.h"

/* hamctl talks to hamd, hamctl hub ... to hamhubd, unless -s says. */
#define HAMCTL_SOCKET		CTL_SOCKET_HAMD
#define HAMCTL_HUBD_SOCKET	CTL_SOCKET_HAMHUBD

struct ctl_ctx {
	const char	*socket;
	int		 socket_set;	/* -s was given */
	int		 json;
	int		 fd;
	struct imsgbuf	 ibuf;
};

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
/*
 * Send one request whose answer is a struct ctl_result and print that:
 * 0 if it reports success, 1 if not or if there was no answer.
 */
int	ctl_do(struct ctl_ctx *, uint32_t type, const void *, size_t);
struct json;
/* A result's members inside a JSON object: ok, message, error. */
void	json_result(struct json *, const struct ctl_result *);

#endif
