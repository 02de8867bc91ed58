/*
 * hamctl's connection to a daemon's control socket: one request, its
 * replies, and the result that ends them.
 */
#include "autoconf.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/ctl_output.h"
#include "ctl/ctlmsg.h"
#include "ctl/ctl_conn.h"
#include "ipc/imsg.h"

/* A reply takes milliseconds; anything near this means hamd is stuck. */
#define REPLY_TIMEOUT_MS	15000

static int
ctl_connect(struct ctl_ctx *ctx)
{
	struct sockaddr_un	 sun;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, ctx->socket, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		fprintf(stderr, "hamctl: socket path %s is too long\n",
		    ctx->socket);
		return -1;
	}
	if ((ctx->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		fprintf(stderr, "hamctl: socket: %s\n", strerror(errno));
		return -1;
	}
	if (connect(ctx->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		int	 e = errno;

		fprintf(stderr, "hamctl: cannot connect to %s: %s\n",
		    ctx->socket, strerror(e));
		if (e == ENOENT || e == ECONNREFUSED)
			fprintf(stderr, "hamctl: is hamd running? Start it, "
			    "or name its socket with -s\n");
		(void)close(ctx->fd);
		return -1;
	}
	if (imsgbuf_init(&ctx->ibuf, ctx->fd) == -1) {
		fprintf(stderr, "hamctl: out of memory\n");
		(void)close(ctx->fd);
		return -1;
	}
	return 0;
}

void
ctl_disconnect(struct ctl_ctx *ctx)
{
	imsgbuf_clear(&ctx->ibuf);
	(void)close(ctx->fd);
}

/* Connect and send one request; 0 or -1 (reported). */
int
ctl_send(struct ctl_ctx *ctx, uint32_t type, const void *arg, size_t arglen)
{
	if (ctl_connect(ctx) == -1)
		return -1;
	if (imsg_compose(&ctx->ibuf, type, 0, -1, arg, arglen) == -1 ||
	    imsgbuf_flush(&ctx->ibuf) == -1) {
		fprintf(stderr, "hamctl: cannot send the request: %s\n",
		    strerror(errno));
		ctl_disconnect(ctx);
		return -1;
	}
	return 0;
}

/* Wait for the next reply message; 0, or -1 (reported, disconnected). */
int
ctl_next(struct ctl_ctx *ctx, struct imsg *imsg)
{
	struct pollfd	 pfd;
	int		 n;

	for (;;) {
		if ((n = imsg_get(&ctx->ibuf, imsg)) == -1) {
			fprintf(stderr, "hamctl: malformed reply from hamd\n");
			break;
		}
		if (n == 1)
			return 0;
		pfd.fd = ctx->fd;
		pfd.events = POLLIN;
		if ((n = poll(&pfd, 1, REPLY_TIMEOUT_MS)) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "hamctl: poll: %s\n", strerror(errno));
			break;
		}
		if (n == 0) {
			fprintf(stderr, "hamctl: no reply from hamd within %d "
			    "seconds\n", REPLY_TIMEOUT_MS / 1000);
			break;
		}
		if ((n = imsgbuf_read(&ctx->ibuf)) == 0) {
			fprintf(stderr, "hamctl: hamd closed the connection "
			    "(was the request malformed?)\n");
			break;
		}
		if (n == -1 && errno != EAGAIN) {
			fprintf(stderr, "hamctl: read: %s\n", strerror(errno));
			break;
		}
	}
	ctl_disconnect(ctx);
	return -1;
}

/*
 * Send one request and wait for its reply.  The reply's payload lands in
 * out (exactly outlen bytes for type `want'); a struct ctl_result may
 * come instead (an error such as permission denied), reported in *res.
 * Returns the reply type, or -1.
 */
int
ctl_call(struct ctl_ctx *ctx, uint32_t type, const void *arg, size_t arglen,
    uint32_t want, void *out, size_t outlen, struct ctl_result *res)
{
	struct imsg	 imsg;
	int		 rtype;

	if (ctl_send(ctx, type, arg, arglen) == -1 || ctl_next(ctx, &imsg) == -1)
		return -1;
	rtype = (int)imsg.hdr.type;
	if (imsg.hdr.type == IMSG_CTL_RESULT &&
	    imsg_get_data(&imsg, res, sizeof(*res)) == 0) {
		res->msg[sizeof(res->msg) - 1] = '\0';
	} else if (imsg.hdr.type != want ||
	    imsg_get_data(&imsg, out, outlen) == -1) {
		fprintf(stderr, "hamctl: unexpected reply %u from hamd (is "
		    "hamctl the same version as hamd?)\n", imsg.hdr.type);
		imsg_free(&imsg);
		ctl_disconnect(ctx);
		return -1;
	}
	imsg_free(&imsg);
	ctl_disconnect(ctx);
	return rtype;
}

void
json_result(struct json *j, const struct ctl_result *res)
{
	json_bool(j, "ok", res->code == 0);
	json_string(j, "message", res->msg);
	if (res->code != 0)
		json_string(j, "error", strerror(res->code));
}

/* Print a ctl_result; 0 if it reports success. */
int
ctl_do(struct ctl_ctx *ctx, uint32_t type, const void *arg, size_t len)
{
	struct ctl_result	 res;

	if (ctl_call(ctx, type, arg, len, IMSG_CTL_RESULT, &res, sizeof(res),
	    &res) == -1)
		return 1;
	return print_result(ctx, &res);
}

int
print_result(struct ctl_ctx *ctx, const struct ctl_result *res)
{
	if (ctx->json) {
		struct json j;

		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_result(&j, res);
		json_object_end(&j);
		json_end(&j);
	}
	if (res->code != 0)
		fprintf(stderr, "hamctl: %s\n", res->msg);
	else if (!ctx->json)
		printf("%s\n", res->msg);
	return res->code == 0 ? 0 : 1;
}
