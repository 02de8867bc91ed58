/* Datagrams and the hub addresses they use; see udpio.h. */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include "hub/udpio.h"

/* Room for either family's PKTINFO. */
union pktinfo_buf {
	struct cmsghdr	 h;
	uint8_t		 b[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
			    CMSG_SPACE(sizeof(struct in_pktinfo))];
};

/* The hub address a datagram reached, from its PKTINFO; af 0 if none. */
static void
local_of(struct msghdr *in, struct pkt_addr *a)
{
	struct cmsghdr		*c;
	struct in_pktinfo	 pi;
	struct in6_pktinfo	 pi6;

	memset(a, 0, sizeof(*a));
	for (c = CMSG_FIRSTHDR(in); c != NULL; c = CMSG_NXTHDR(in, c)) {
		if (c->cmsg_level == IPPROTO_IP &&
		    c->cmsg_type == IP_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(pi))) {
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			a->af = AF_INET;
			memcpy(a->addr, &pi.ipi_addr, 4);
			return;
		}
		if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(pi6))) {
			memcpy(&pi6, CMSG_DATA(c), sizeof(pi6));
			a->af = AF_INET6;
			memcpy(a->addr, &pi6.ipi6_addr, 16);
			return;
		}
	}
}

ssize_t
udp_recv(int fd, uint8_t *buf, size_t len, struct udp_in *in)
{
	union sockunion		 from;
	union pktinfo_buf	 cbuf;
	struct iovec		 iov;
	struct msghdr		 msg;
	ssize_t			 n;

	memset(in, 0, sizeof(*in));
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = buf;
	iov.iov_len = len;
	msg.msg_name = &from;
	msg.msg_namelen = sizeof(from);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.b;
	msg.msg_controllen = sizeof(cbuf.b);
	if ((n = recvmsg(fd, &msg, MSG_DONTWAIT)) == -1)
		return -1;
	if (sockaddr_to_addr(&from, msg.msg_namelen, &in->from) == -1)
		memset(&in->from, 0, sizeof(in->from));
	local_of(&msg, &in->local);
	in->truncated = (msg.msg_flags & MSG_TRUNC) != 0;
	return n;
}

/* The control message making a datagram leave from local; its length. */
static size_t
local_cmsg(const struct pkt_addr *local, uint8_t *out, size_t outlen)
{
	struct cmsghdr		*o = (struct cmsghdr *)(void *)out;
	struct in_pktinfo	 pi;
	struct in6_pktinfo	 pi6;

	memset(out, 0, outlen);
	if (local->af == AF_INET && outlen >= CMSG_SPACE(sizeof(pi))) {
		memset(&pi, 0, sizeof(pi));
		memcpy(&pi.ipi_spec_dst, local->addr, 4);
		o->cmsg_level = IPPROTO_IP;
		o->cmsg_type = IP_PKTINFO;
		o->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(o), &pi, sizeof(pi));
		return CMSG_SPACE(sizeof(pi));
	}
	if (local->af == AF_INET6 && outlen >= CMSG_SPACE(sizeof(pi6))) {
		memset(&pi6, 0, sizeof(pi6));
		memcpy(&pi6.ipi6_addr, local->addr, 16);
		o->cmsg_level = IPPROTO_IPV6;
		o->cmsg_type = IPV6_PKTINFO;
		o->cmsg_len = CMSG_LEN(sizeof(pi6));
		memcpy(CMSG_DATA(o), &pi6, sizeof(pi6));
		return CMSG_SPACE(sizeof(pi6));
	}
	return 0;
}

int
udp_send_from(int fd, const struct pkt_addr *a, const struct pkt_addr *local,
    const uint8_t *buf, size_t len)
{
	union sockunion		 to;
	union pktinfo_buf	 cbuf;
	struct iovec		 iov;
	struct msghdr		 out;
	socklen_t		 tolen;
	size_t			 clen;

	if ((tolen = addr_to_sockaddr(a, &to)) == 0)
		return -1;
	clen = local_cmsg(local, cbuf.b, sizeof(cbuf.b));
	memset(&out, 0, sizeof(out));
	iov.iov_base = (void *)(uintptr_t)buf;
	iov.iov_len = len;
	out.msg_name = &to;
	out.msg_namelen = tolen;
	out.msg_iov = &iov;
	out.msg_iovlen = 1;
	out.msg_control = clen > 0 ? cbuf.b : NULL;
	out.msg_controllen = clen;
	if (sendmsg(fd, &out, MSG_DONTWAIT) != (ssize_t)len)
		return -1;
	return 0;
}
