/*
 * ctlsend: put hostile bytes on hamd's control socket and say what the
 * daemon did about them.
 *
 *   ctlsend SOCKET raw                   send standard input as it is
 *   ctlsend SOCKET msg TYPE LEN [fd]     a well-formed header of TYPE with
 *                                        LEN zero bytes, optionally an fd
 *   ctlsend SOCKET hdr TYPE LENFIELD     a header whose length field is
 *                                        LENFIELD, nothing after it
 *   ctlsend - type TYPE                  print TYPE's number
 *
 * TYPE is status, reload, log, peers, engine, privkey (an internal
 * type), masq, confine or a number.
 * Prints "closed" if hamd closed the connection within two seconds,
 * "reply status" or "reply result" for a reply (or its type number), or "open" if neither happened.
 */
#include "autoconf.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/hamd_msg.h"

static uint32_t
type_of(const char *s)
{
	if (strcmp(s, "status") == 0)
		return IMSG_CTL_STATUS;
	if (strcmp(s, "reload") == 0)
		return IMSG_CTL_RELOAD;
	if (strcmp(s, "log") == 0)
		return IMSG_CTL_LOG_VERBOSE;
	if (strcmp(s, "peers") == 0)
		return IMSG_CTL_PEERS;
	if (strcmp(s, "engine") == 0)
		return IMSG_CTL_ENGINE;
	if (strcmp(s, "privkey") == 0)
		return IMSG_TUN_PRIVKEY;
	if (strcmp(s, "masq") == 0)
		return IMSG_CTL_MASQ;
	if (strcmp(s, "confine") == 0)
		return IMSG_CTL_CONFINE;
	return (uint32_t)strtoul(s, NULL, 0);
}

static int
send_all(int s, const uint8_t *buf, size_t len, int fd)
{
	struct msghdr	 msg;
	struct iovec	 iov;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cm;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = (void *)buf;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (fd != -1) {
		struct cmsghdr *c;

		memset(&cm, 0, sizeof(cm));
		msg.msg_control = cm.buf;
		msg.msg_controllen = sizeof(cm.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	return sendmsg(s, &msg, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

int
main(int argc, char *argv[])
{
	struct sockaddr_un	 sun;
	struct imsg_hdr		 h;
	struct pollfd		 pfd;
	uint8_t			*buf;
	size_t			 len = 0, cap = 1 << 20;
	int			 s, fd = -1;
	ssize_t			 n;

	if (argc < 3) {
		fprintf(stderr, "usage: ctlsend socket raw|msg|hdr ...\n");
		return 2;
	}
	if (argc == 4 && strcmp(argv[2], "type") == 0) {
		printf("%u\n", type_of(argv[3]));
		return 0;
	}
	if ((buf = calloc(1, cap + IMSG_HEADER_SIZE)) == NULL)
		return 2;
	if (strcmp(argv[2], "raw") == 0) {
		while ((n = read(STDIN_FILENO, buf + len, cap - len)) > 0)
			len += (size_t)n;
	} else if (argc >= 5 && (strcmp(argv[2], "msg") == 0 ||
	    strcmp(argv[2], "hdr") == 0)) {
		uint32_t v = (uint32_t)strtoul(argv[4], NULL, 0);

		memset(&h, 0, sizeof(h));
		h.type = type_of(argv[3]);
		h.pid = (uint32_t)getpid();
		if (argv[2][0] == 'm') {
			if (v > cap)
				return 2;
			h.len = IMSG_HEADER_SIZE + v;
			len = IMSG_HEADER_SIZE + v;
			if (argc > 5 && strcmp(argv[5], "fd") == 0) {
				h.len |= IMSG_FD_MARK;
				fd = open("/dev/null", O_RDONLY);
			}
		} else {
			h.len = v;
			len = IMSG_HEADER_SIZE;
		}
		memcpy(buf, &h, sizeof(h));
	} else {
		fprintf(stderr, "ctlsend: bad arguments\n");
		return 2;
	}

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", argv[1]);
	if ((s = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(s, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		perror("ctlsend: connect");
		return 2;
	}
	if (len > 0 && send_all(s, buf, len, fd) == -1) {
		/* The daemon may close before we finish: that is an answer. */
		printf("closed\n");
		return 0;
	}
	pfd.fd = s;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 2000) <= 0) {
		printf("open\n");
		return 0;
	}
	n = read(s, buf, IMSG_HEADER_SIZE);
	if (n <= 0)
		printf("closed\n");
	else if (n == IMSG_HEADER_SIZE) {
		memcpy(&h, buf, sizeof(h));
		if (h.type == IMSG_CTL_STATUS_REPLY)
			printf("reply status\n");
		else if (h.type == IMSG_CTL_RESULT)
			printf("reply result\n");
		else
			printf("reply %u\n", h.type);
	} else
		printf("short reply\n");
	free(buf);
	close(s);
	return 0;
}
