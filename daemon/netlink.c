/*
 * A small rtnetlink client: one request at a time, each acknowledged.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon/netlink.h"

#define NL_BUFSIZE	16384

struct nl_req {
	struct nlmsghdr	 hdr;
	union {
		struct ifinfomsg	ifi;
		struct ifaddrmsg	ifa;
		struct rtmsg		rtm;
		struct fib_rule_hdr	frh;
	} u;
	char		 attrs[256];
};

int
nl_open(struct nl *nl)
{
	struct sockaddr_nl	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	nl->seq = 1;
	if ((nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
	    NETLINK_ROUTE)) == -1)
		return -errno;
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		int e = errno;

		(void)close(nl->fd);
		nl->fd = -1;
		return -e;
	}
	return 0;
}

void
nl_close(struct nl *nl)
{
	if (nl->fd != -1)
		(void)close(nl->fd);
	nl->fd = -1;
}

static void
nl_attr(struct nl_req *r, unsigned short type, const void *data, size_t len)
{
	struct rtattr	*rta;
	size_t		 off = NLMSG_ALIGN(r->hdr.nlmsg_len);

	/* Requests are built from fixed fields only; overflow is a bug. */
	if (off + RTA_SPACE(len) > sizeof(*r))
		return;
	rta = (struct rtattr *)((char *)r + off);
	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	r->hdr.nlmsg_len = (uint32_t)(off + RTA_SPACE(len));
}

/* Send r to the kernel under the next sequence number, said in *seq. */
static int
nl_send(struct nl *nl, struct nl_req *r, uint32_t *seq)
{
	struct sockaddr_nl	 sa;

	*seq = nl->seq++;
	r->hdr.nlmsg_seq = *seq;
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	if (sendto(nl->fd, r, r->hdr.nlmsg_len, 0, (struct sockaddr *)&sa,
	    sizeof(sa)) == -1)
		return -errno;
	return 0;
}

/* The kernel's next datagram of answers; -errno on failure. */
static ssize_t
nl_recv(struct nl *nl, char *buf, size_t len)
{
	ssize_t	 n;

	while ((n = recv(nl->fd, buf, len, 0)) == -1)
		if (errno != EINTR)
			return -errno;
	return n;
}

/* Send one request and wait for its acknowledgement. */
static int
nl_talk(struct nl *nl, struct nl_req *r)
{
	char			 buf[NL_BUFSIZE];
	struct nlmsghdr		*h;
	ssize_t			 n;
	uint32_t		 seq;
	int			 rc;

	r->hdr.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	if ((rc = nl_send(nl, r, &seq)) != 0)
		return rc;
	for (;;) {
		if ((n = nl_recv(nl, buf, sizeof(buf))) < 0)
			return (int)n;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		    h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EBADMSG;
				return e->error;	/* 0 is the ack */
			}
		}
	}
}

int
nl_link_up(struct nl *nl, unsigned int ifindex, unsigned int mtu)
{
	struct nl_req	 r;
	uint32_t	 m = mtu;

	memset(&r, 0, sizeof(r));
	r.hdr.nlmsg_len = NLMSG_LENGTH(sizeof(r.u.ifi));
	r.hdr.nlmsg_type = RTM_NEWLINK;
	r.u.ifi.ifi_family = AF_UNSPEC;
	r.u.ifi.ifi_index = (int)ifindex;
	r.u.ifi.ifi_flags = IFF_UP;
	r.u.ifi.ifi_change = IFF_UP;
	nl_attr(&r, IFLA_MTU, &m, sizeof(m));
	return nl_talk(nl, &r);
}

int
nl_link_mac_up(struct nl *nl, unsigned int ifindex, unsigned int mtu,
    const uint8_t mac[6])
{
	struct nl_req	 r;
	uint32_t	 m = mtu;

	memset(&r, 0, sizeof(r));
	r.hdr.nlmsg_len = NLMSG_LENGTH(sizeof(r.u.ifi));
	r.hdr.nlmsg_type = RTM_NEWLINK;
	r.u.ifi.ifi_family = AF_UNSPEC;
	r.u.ifi.ifi_index = (int)ifindex;
	r.u.ifi.ifi_flags = IFF_UP;
	r.u.ifi.ifi_change = IFF_UP;
	nl_attr(&r, IFLA_MTU, &m, sizeof(m));
	nl_attr(&r, IFLA_ADDRESS, mac, 6);
	return nl_talk(nl, &r);
}

static size_t
prefix_addrlen(const struct ip_prefix *p)
{
	return p->af == AF_INET ? 4 : 16;
}

int
nl_link_no_ll6(struct nl *nl, unsigned int ifindex)
{
	struct nl_req	 r;
	struct rtattr	*spec, *inet6, *mode;
	size_t		 off;

	memset(&r, 0, sizeof(r));
	r.hdr.nlmsg_len = NLMSG_LENGTH(sizeof(r.u.ifi));
	r.hdr.nlmsg_type = RTM_NEWLINK;
	r.u.ifi.ifi_family = AF_UNSPEC;
	r.u.ifi.ifi_index = (int)ifindex;
	/* IFLA_AF_SPEC { AF_INET6 { IFLA_INET6_ADDR_GEN_MODE: u8 } } */
	off = NLMSG_ALIGN(r.hdr.nlmsg_len);
	spec = (struct rtattr *)((char *)&r + off);
	inet6 = (struct rtattr *)RTA_DATA(spec);
	mode = (struct rtattr *)RTA_DATA(inet6);
	mode->rta_type = IFLA_INET6_ADDR_GEN_MODE;
	mode->rta_len = RTA_LENGTH(1);
	*(uint8_t *)RTA_DATA(mode) = IN6_ADDR_GEN_MODE_NONE;
	inet6->rta_type = AF_INET6;
	inet6->rta_len = RTA_LENGTH(RTA_SPACE(1));
	spec->rta_type = IFLA_AF_SPEC;
	spec->rta_len = RTA_LENGTH(RTA_SPACE(RTA_SPACE(1)));
	r.hdr.nlmsg_len = (uint32_t)(off + RTA_SPACE(RTA_SPACE(RTA_SPACE(1))));
	return nl_talk(nl, &r);
}

static int
nl_addr(struct nl *nl, int type, unsigned int ifindex,
    const struct ip_prefix *p)
{
	struct nl_req	 r;
	uint32_t	 flags = IFA_F_NODAD, brd;

	memset(&r, 0, sizeof(r));
	r.hdr.nlmsg_len = NLMSG_LENGTH(sizeof(r.u.ifa));
	r.hdr.nlmsg_type = (unsigned short)type;
	if (type == RTM_NEWADDR)
		r.hdr.nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
	r.u.ifa.ifa_family = (unsigned char)p->af;
	r.u.ifa.ifa_prefixlen = p->plen;
	r.u.ifa.ifa_index = ifindex;
	nl_attr(&r, IFA_LOCAL, &p->addr, prefix_addrlen(p));
	nl_attr(&r, IFA_ADDRESS, &p->addr, prefix_addrlen(p));
	if (p->af == AF_INET6)
		nl_attr(&r, IFA_FLAGS, &flags, sizeof(flags));
	/*
	 * The subnet's broadcast address ("brd +"): the kernel then takes
	 * a directed broadcast from the tunnel as one, and sends one there.
	 */
	if (p->af == AF_INET && p->plen <= 30) {
		memcpy(&brd, &p->addr, 4);
		brd |= htonl(UINT32_MAX >> p->plen);
		nl_attr(&r, IFA_BROADCAST, &brd, sizeof(brd));
	}
	return nl_talk(nl, &r);
}

int
nl_addr_add(struct nl *nl, unsigned int ifindex, const struct ip_prefix *p)
{
	return nl_addr(nl, RTM_NEWADDR, ifindex, p);
}

int
nl_addr_del(struct nl *nl, unsigned int ifindex, const struct ip_prefix *p)
{
	return nl_addr(nl, RTM_DELADDR, ifindex, p);
}

static int
nl_route_in(struct nl *nl, int type, unsigned int ifindex,
    const struct ip_prefix *p, unsigned short newflags, uint32_t table)
{
	struct nl_req	 r;
	uint32_t	 oif = ifindex;

	memset(&r, 0, sizeof(r));
	r.hdr.nlmsg_len = NLMSG_LENGTH(sizeof(r.u.rtm));
	r.hdr.nlmsg_type = (unsigned short)type;
	if (type == RTM_NEWROUTE)
		r.hdr.nlmsg_flags = newflags;
	r.u.rtm.rtm_family = (unsigned char)p->af;
	r.u.rtm.rtm_dst_len = p->plen;
	r.u.rtm.rtm_table = table < 256 ? (unsigned char)table : RT_TABLE_UNSPEC;
	r.u.rtm.rtm_protocol = RTPROT_STATIC;
	r.u.rtm.rtm_scope = RT_SCOPE_LINK;
	r.u.rtm.rtm_type = RTN_UNICAST;
	if (p->plen > 0)
		nl_attr(&r, RTA_DST, &p->addr, prefix_addrlen(p));
	nl_attr(&r, RTA_OIF, &oif, sizeof(oif));
	if (table >= 256)
		nl_attr(&r, RTA_TABLE, &table, sizeof(table));
	return nl_talk(nl, &r);
}

static int
nl_route(struct nl *nl, int type, unsigned int ifindex,
    const struct ip_prefix *p, unsigned short newflags)
{
	return nl_route_in(nl, type, ifindex, p, newflags, RT_TABLE_MAIN);
}

int
nl_route_table(struct nl *nl, int add, unsigned int ifindex,
    const struct ip_prefix *p, uint32_t table)
{
	return nl_route_in(nl, add ? RTM_NEWROUTE : RTM_DELROUTE, ifindex, p,
	    NLM_F_CREATE | NLM_F_REPLACE, table);
}

int
nl_route_add(struct nl *nl, unsigned int ifindex, const struct ip_prefix *p)
{
	return nl_route(nl, RTM_NEWROUTE, ifindex, p,
	    NLM_F_CREATE | NLM_F_REPLACE);
}

int
nl_route_add_new(struct nl *nl, unsigned int ifindex,
    const struct ip_prefix *p)
{
	return nl_route(nl, RTM_NEWROUTE, ifindex, p,
	    NLM_F_CREATE | NLM_F_EXCL);
}

int
nl_route_del(struct nl *nl, unsigned int ifindex, const struct ip_prefix *p)
{
	return nl_route(nl, RTM_DELROUTE, ifindex, p, 0);
}

int
nl_prefix_conflict(struct nl *nl, unsigned int ifindex,
    const struct ip_prefix *p, char *what, size_t len)
{
	struct nl_req		 r;
	char			 buf[NL_BUFSIZE], dst[INET6_ADDRSTRLEN], ifn[IF_NAMESIZE];
	struct nlmsghdr		*h;
	struct ip_prefix	 route;
	ssize_t			 n;
	uint32_t		 seq;
	int			 found = 0, rc;

	memset(&r, 0, sizeof(r));
	r.hdr.nlmsg_len = NLMSG_LENGTH(sizeof(r.u.rtm));
	r.hdr.nlmsg_type = RTM_GETROUTE;
	r.hdr.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	r.u.rtm.rtm_family = (unsigned char)p->af;
	if ((rc = nl_send(nl, &r, &seq)) != 0)
		return rc;
	for (;;) {
		if ((n = nl_recv(nl, buf, sizeof(buf))) < 0)
			return (int)n;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		    h = NLMSG_NEXT(h, n)) {
			struct rtmsg	*rtm;
			struct rtattr	*a;
			int		 alen;
			const uint8_t	*rdst = NULL;
			uint32_t	 oif = 0;

			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return found;
			if (h->nlmsg_type == NLMSG_ERROR)
				return -EIO;
			if (h->nlmsg_type != RTM_NEWROUTE ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)))
				continue;
			rtm = NLMSG_DATA(h);
			/* Default routes overlap everything: not a conflict. */
			if (rtm->rtm_dst_len == 0 || found ||
			    (rtm->rtm_table != RT_TABLE_MAIN &&
			    rtm->rtm_table != RT_TABLE_LOCAL) ||
			    rtm->rtm_type == RTN_MULTICAST ||
			    rtm->rtm_type == RTN_BROADCAST)
				continue;
			alen = (int)RTM_PAYLOAD(h);
			for (a = RTM_RTA(rtm); RTA_OK(a, alen);
			    a = RTA_NEXT(a, alen)) {
				if (a->rta_type == RTA_DST &&
				    RTA_PAYLOAD(a) == prefix_addrlen(p))
					rdst = RTA_DATA(a);
				else if (a->rta_type == RTA_OIF &&
				    RTA_PAYLOAD(a) == sizeof(oif))
					memcpy(&oif, RTA_DATA(a), sizeof(oif));
			}
			if (rdst == NULL || oif == ifindex)
				continue;
			/* Link-local and loopback routes are everywhere. */
			if (p->af == AF_INET6 && rdst[0] == 0xfe &&
			    (rdst[1] & 0xc0) == 0x80)
				continue;
			if (p->af == AF_INET6 && rtm->rtm_dst_len == 128 &&
			    rtm->rtm_table == RT_TABLE_LOCAL &&
			    memcmp(rdst, &in6addr_loopback, 16) == 0)
				continue;
			if (p->af == AF_INET && rdst[0] == 127)
				continue;
			memset(&route, 0, sizeof(route));
			route.af = p->af;
			route.plen = rtm->rtm_dst_len;
			memcpy(&route.addr, rdst, p->af == AF_INET ? 4 : 16);
			if (!prefix_overlap(&route, p))
				continue;
			(void)inet_ntop(p->af, rdst, dst, sizeof(dst));
			if (if_indextoname(oif, ifn) == NULL)
				(void)snprintf(ifn, sizeof(ifn), "#%u", oif);
			(void)snprintf(what, len, "route %s/%u via %s", dst,
			    rtm->rtm_dst_len, ifn);
			found = 1;
		}
	}
}

int
nl_route_oif(struct nl *nl, const struct ip_prefix *p, unsigned int *oif)
{
	struct nl_req		 r;
	char			 buf[NL_BUFSIZE];
	struct nlmsghdr		*h;
	ssize_t			 n;
	uint32_t		 seq;
	int			 rc;

	memset(&r, 0, sizeof(r));
	r.hdr.nlmsg_len = NLMSG_LENGTH(sizeof(r.u.rtm));
	r.hdr.nlmsg_type = RTM_GETROUTE;
	r.hdr.nlmsg_flags = NLM_F_REQUEST;
	r.u.rtm.rtm_family = (unsigned char)p->af;
	r.u.rtm.rtm_dst_len = p->af == AF_INET ? 32 : 128;
	nl_attr(&r, RTA_DST, &p->addr, prefix_addrlen(p));
	if ((rc = nl_send(nl, &r, &seq)) != 0)
		return rc;
	for (;;) {
		if ((n = nl_recv(nl, buf, sizeof(buf))) < 0)
			return (int)n;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		    h = NLMSG_NEXT(h, n)) {
			struct rtmsg	*rtm;
			struct rtattr	*a;
			int		 alen;

			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				return h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)) ||
				    e->error == 0 ? -EIO : e->error;
			}
			if (h->nlmsg_type != RTM_NEWROUTE ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)))
				return -EIO;
			rtm = NLMSG_DATA(h);
			alen = (int)RTM_PAYLOAD(h);
			for (a = RTM_RTA(rtm); RTA_OK(a, alen);
			    a = RTA_NEXT(a, alen))
				if (a->rta_type == RTA_OIF &&
				    RTA_PAYLOAD(a) == sizeof(*oif)) {
					memcpy(oif, RTA_DATA(a), sizeof(*oif));
					return 0;
				}
			return -ENETUNREACH;
		}
	}
}

int
nl_rule(struct nl *nl, int add, const struct nl_rule_spec *rs)
{
	struct nl_req	 r;
	uint32_t	 prio = rs->prio, table = rs->table;

	memset(&r, 0, sizeof(r));
	r.hdr.nlmsg_len = NLMSG_LENGTH(sizeof(r.u.frh));
	r.hdr.nlmsg_type = add ? RTM_NEWRULE : RTM_DELRULE;
	if (add)
		r.hdr.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	r.u.frh.family = (unsigned char)rs->af;
	r.u.frh.action = (unsigned char)rs->action;
	r.u.frh.flags = rs->invert ? FIB_RULE_INVERT : 0;
	if (rs->action == FR_ACT_TO_TBL && rs->table < 256)
		r.u.frh.table = (unsigned char)rs->table;
	nl_attr(&r, FRA_PRIORITY, &prio, sizeof(prio));
	if (rs->action == FR_ACT_TO_TBL)
		nl_attr(&r, FRA_TABLE, &table, sizeof(table));
	if (rs->iif[0] != '\0')
		nl_attr(&r, FRA_IIFNAME, rs->iif, strlen(rs->iif) + 1);
	if (rs->dst.plen > 0) {
		r.u.frh.dst_len = rs->dst.plen;
		nl_attr(&r, FRA_DST, &rs->dst.addr, prefix_addrlen(&rs->dst));
	}
	if (rs->fwmark != 0) {
		uint32_t	 mark = rs->fwmark, mask = 0xffffffff;

		nl_attr(&r, FRA_FWMARK, &mark, sizeof(mark));
		nl_attr(&r, FRA_FWMASK, &mask, sizeof(mask));
	}
	if (rs->suppress_plen != 0) {
		uint32_t	 sp = (uint32_t)rs->suppress_plen - 1;

		nl_attr(&r, FRA_SUPPRESS_PREFIXLEN, &sp, sizeof(sp));
	}
	return nl_talk(nl, &r);
}

int
nl_inet_forwarding(struct nl *nl, unsigned int ifindex, int on)
{
	struct nl_req	 r;
	struct {
		struct rtattr	 spec;		/* IFLA_AF_SPEC */
		struct rtattr	 inet;		/* AF_INET */
		struct rtattr	 conf;		/* IFLA_INET_CONF */
		struct rtattr	 fwd;		/* IPV4_DEVCONF_FORWARDING */
		uint32_t	 val;
	} a;

	memset(&r, 0, sizeof(r));
	r.hdr.nlmsg_len = NLMSG_LENGTH(sizeof(r.u.ifi));
	r.hdr.nlmsg_type = RTM_NEWLINK;
	r.u.ifi.ifi_family = AF_UNSPEC;
	r.u.ifi.ifi_index = (int)ifindex;
	memset(&a, 0, sizeof(a));
	a.spec.rta_type = IFLA_AF_SPEC | NLA_F_NESTED;
	a.spec.rta_len = sizeof(a);
	a.inet.rta_type = AF_INET | NLA_F_NESTED;
	a.inet.rta_len = sizeof(a) - sizeof(a.spec);
	a.conf.rta_type = IFLA_INET_CONF | NLA_F_NESTED;
	a.conf.rta_len = sizeof(a.conf) + sizeof(a.fwd) + sizeof(a.val);
	a.fwd.rta_type = 1;		/* IPV4_DEVCONF_FORWARDING */
	a.fwd.rta_len = sizeof(a.fwd) + sizeof(a.val);
	a.val = on ? 1 : 0;
	memcpy((char *)&r + NLMSG_ALIGN(r.hdr.nlmsg_len), &a, sizeof(a));
	r.hdr.nlmsg_len = NLMSG_ALIGN(r.hdr.nlmsg_len) + sizeof(a);
	return nl_talk(nl, &r);
}
