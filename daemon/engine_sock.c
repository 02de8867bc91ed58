/* The engine's UDP sockets; see engine_sock.h. */
#include "autoconf.h"

#include <sys/socket.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include "daemon/engine_ctx.h"
#include "daemon/engine_sock.h"
#include "privsep/log.h"

static struct engine_sock	 socks[SOCK_MAX];

void
esock_init(void)
{
	int	 i;

	for (i = 0; i < SOCK_MAX; i++) {
		socks[i].fd = -1;
		socks[i].af = i == SOCK_V4 ? AF_INET : AF_INET6;
		socks[i].gso = 0;
		socks[i].ev = NULL;
	}
}

int
esock_index(int af)
{
	switch (af) {
	case AF_INET:
		return SOCK_V4;
	case AF_INET6:
		return SOCK_V6;
	default:
		return -1;
	}
}

struct engine_sock *
esock_get(int af)
{
	int	 i;

	return (i = esock_index(af)) == -1 ? NULL : &socks[i];
}

struct engine_sock *
esock_open(int af, int fd)
{
	struct engine_sock	*s;
	socklen_t		 sl;
	int			 v;

	if ((s = esock_get(af)) == NULL)
		fatalx("%s: bad address family", __func__);
	if (s->fd != -1)
		fatalx("%s: second socket for %s", __func__,
		    af == AF_INET ? "IPv4" : "IPv6");
	/* Already non-blocking and bound: seccomp forbids fcntl here. */
	s->fd = fd;
	/*
	 * A kernel before 4.18 has no UDP_SEGMENT and silently ignores
	 * the cmsg, sending a train as one oversized datagram: ask first.
	 */
	sl = sizeof(v);
	s->gso = getsockopt(fd, SOL_UDP, UDP_SEGMENT, &v, &sl) == 0;
	log_debug("%s: %s socket ready, UDP GSO %s", __func__,
	    af == AF_INET ? "IPv4" : "IPv6", s->gso ? "on" : "unavailable");
	return s;
}

int
esock_send(const struct pkt_addr *dst, const struct iovec *iov, int iovcnt,
    size_t len)
{
	struct engine_sock	*s = esock_get(dst->af);
	struct mmsghdr		 m;
	union sockunion		 su;
	int			 r;

	if (s == NULL || s->fd == -1) {
		ectx.stats.tx_no_socket++;
		return -1;
	}
	memset(&m, 0, sizeof(m));
	m.msg_hdr.msg_name = &su;
	m.msg_hdr.msg_namelen = addr_to_sockaddr(dst, &su);
	m.msg_hdr.msg_iov = (struct iovec *)(uintptr_t)iov;
	m.msg_hdr.msg_iovlen = (size_t)iovcnt;
	do
		r = sendmmsg(s->fd, &m, 1, MSG_DONTWAIT);
	while (r == -1 && errno == EINTR);
	if (r != 1) {
		if (r == 0 || errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ENOBUFS)
			ectx.stats.tx_dropped++;
		else
			ectx.stats.tx_errors++;
		return -1;
	}
	ectx.stats.tx_datagrams++;
	ectx.stats.tx_bytes += len;
	return 0;
}
