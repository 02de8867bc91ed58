/*
 * nftables over netlink (see nftmasq.h).  One batch per change:
 * begin, the table's messages, end; the kernel applies a batch whole
 * or not at all and acknowledges each message.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon/nftmasq.h"
#include "ipc/addr.h"

#define TABLE		"hamd"
#define CHAIN		"post"
#define NAT_PRIO	100	/* srcnat */
#define RUN_TABLE	"hamdrun"
#define ONLY_TABLE	"hamdonly"

struct nbuf {
	uint8_t		 b[16384];
	size_t		 len;
	size_t		 msg;		/* where the open message starts */
	uint32_t	 seq;
	int		 err;
};

static void *
nb_put(struct nbuf *nb, const void *data, size_t len)
{
	size_t	 al = NLMSG_ALIGN(len);
	void	*p;

	if (nb->err || nb->len + al > sizeof(nb->b)) {
		nb->err = 1;
		return NULL;
	}
	p = nb->b + nb->len;
	memset(p, 0, al);
	if (data != NULL)
		memcpy(p, data, len);
	nb->len += al;
	return p;
}

/* A message: its header and nfgenmsg; its attributes follow. */
static void
nb_msg(struct nbuf *nb, uint16_t type, uint16_t flags, uint8_t family,
    uint16_t res_id)
{
	struct nlmsghdr	 h;
	struct nfgenmsg	 g;

	nb->msg = nb->len;
	memset(&h, 0, sizeof(h));
	h.nlmsg_type = type;
	h.nlmsg_flags = NLM_F_REQUEST | flags;
	h.nlmsg_seq = ++nb->seq;
	(void)nb_put(nb, &h, sizeof(h));
	memset(&g, 0, sizeof(g));
	g.nfgen_family = family;
	g.version = NFNETLINK_V0;
	g.res_id = htons(res_id);
	(void)nb_put(nb, &g, sizeof(g));
}

static void
nb_end(struct nbuf *nb)
{
	if (!nb->err)
		((struct nlmsghdr *)(nb->b + nb->msg))->nlmsg_len =
		    (uint32_t)(nb->len - nb->msg);
}

static void
nb_attr(struct nbuf *nb, uint16_t type, const void *data, size_t len)
{
	struct nlattr	 a;

	a.nla_type = type;
	a.nla_len = (uint16_t)(NLA_HDRLEN + len);
	(void)nb_put(nb, &a, sizeof(a));
	(void)nb_put(nb, data, len);
}

static void
nb_str(struct nbuf *nb, uint16_t type, const char *s)
{
	nb_attr(nb, type, s, strlen(s) + 1);
}

static void
nb_u32(struct nbuf *nb, uint16_t type, uint32_t v)
{
	v = htonl(v);
	nb_attr(nb, type, &v, sizeof(v));
}

/* A nested attribute: open it, fill it, close it with its offset. */
static size_t
nb_nest(struct nbuf *nb, uint16_t type)
{
	struct nlattr	 a;
	size_t		 at = nb->len;

	a.nla_type = type | NLA_F_NESTED;
	a.nla_len = 0;
	(void)nb_put(nb, &a, sizeof(a));
	return at;
}

static void
nb_close(struct nbuf *nb, size_t at)
{
	if (!nb->err)
		((struct nlattr *)(nb->b + at))->nla_len =
		    (uint16_t)(nb->len - at);
}

static void
table_msg(struct nbuf *nb, uint16_t msg, uint16_t flags, const char *table)
{
	nb_msg(nb, NFNL_SUBSYS_NFTABLES << 8 | msg, flags | NLM_F_ACK,
	    NFPROTO_INET, 0);
	nb_str(nb, NFTA_TABLE_NAME, table);
	nb_end(nb);
}

static void
chain(struct nbuf *nb, const char *table, const char *name, uint32_t hooknum,
    int32_t prio, const char *type)
{
	size_t	 hook;

	nb_msg(nb, NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWCHAIN,
	    NLM_F_CREATE | NLM_F_ACK, NFPROTO_INET, 0);
	nb_str(nb, NFTA_CHAIN_TABLE, table);
	nb_str(nb, NFTA_CHAIN_NAME, name);
	hook = nb_nest(nb, NFTA_CHAIN_HOOK);
	nb_u32(nb, NFTA_HOOK_HOOKNUM, hooknum);
	nb_u32(nb, NFTA_HOOK_PRIORITY, (uint32_t)prio);
	nb_close(nb, hook);
	nb_str(nb, NFTA_CHAIN_TYPE, type);
	nb_end(nb);
}

/* The batch's frame, and a table replaced (or, without on, deleted). */
static void
batch(struct nbuf *nb, int begin, const char *table, int on)
{
	if (!begin) {
		nb_msg(nb, NFNL_MSG_BATCH_END, 0, AF_UNSPEC,
		    NFNL_SUBSYS_NFTABLES);
		nb_end(nb);
		return;
	}
	nb_msg(nb, NFNL_MSG_BATCH_BEGIN, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
	nb_end(nb);
	/* Create it (so that the delete cannot fail), then delete it. */
	table_msg(nb, NFT_MSG_NEWTABLE, NLM_F_CREATE, table);
	table_msg(nb, NFT_MSG_DELTABLE, 0, table);
	if (on)
		table_msg(nb, NFT_MSG_NEWTABLE, NLM_F_CREATE, table);
}

static void
expr(struct nbuf *nb, const char *name, size_t *data)
{
	(void)nb_nest(nb, NFTA_LIST_ELEM);
	nb_str(nb, NFTA_EXPR_NAME, name);
	*data = nb_nest(nb, NFTA_EXPR_DATA);
}

static void
data(struct nbuf *nb, uint16_t type, const void *p, size_t len)
{
	size_t	 v = nb_nest(nb, type);

	nb_attr(nb, NFTA_DATA_VALUE, p, len);
	nb_close(nb, v);
}

static void
cmp(struct nbuf *nb, uint32_t op, const void *p, size_t len)
{
	size_t	 e = nb->len, d;

	expr(nb, "cmp", &d);
	nb_u32(nb, NFTA_CMP_SREG, NFT_REG_1);
	nb_u32(nb, NFTA_CMP_OP, op);
	data(nb, NFTA_CMP_DATA, p, len);
	nb_close(nb, d);
	nb_close(nb, e);
}

static void
cmp_eq(struct nbuf *nb, const void *p, size_t len)
{
	cmp(nb, NFT_CMP_EQ, p, len);
}

static void
meta(struct nbuf *nb, uint32_t key)
{
	size_t	 e = nb->len, d;

	expr(nb, "meta", &d);
	nb_u32(nb, NFTA_META_DREG, NFT_REG_1);
	nb_u32(nb, NFTA_META_KEY, key);
	nb_close(nb, d);
	nb_close(nb, e);
}

/* ip daddr P / ip6 daddr P: the family, then the masked address. */
static void
daddr(struct nbuf *nb, const struct ip_prefix *p)
{
	uint8_t	 proto = p->af == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;
	uint8_t	 mask[16], zero[16], addr[16];
	size_t	 e, d, len = p->af == AF_INET ? 4 : 16;
	unsigned int i;

	meta(nb, NFT_META_NFPROTO);
	cmp_eq(nb, &proto, 1);
	e = nb->len;
	expr(nb, "payload", &d);
	nb_u32(nb, NFTA_PAYLOAD_DREG, NFT_REG_1);
	nb_u32(nb, NFTA_PAYLOAD_BASE, NFT_PAYLOAD_NETWORK_HEADER);
	nb_u32(nb, NFTA_PAYLOAD_OFFSET, p->af == AF_INET ? 16 : 24);
	nb_u32(nb, NFTA_PAYLOAD_LEN, (uint32_t)len);
	nb_close(nb, d);
	nb_close(nb, e);
	memset(mask, 0, sizeof(mask));
	for (i = 0; i < p->plen; i++)
		mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	memset(zero, 0, sizeof(zero));
	e = nb->len;
	expr(nb, "bitwise", &d);
	nb_u32(nb, NFTA_BITWISE_SREG, NFT_REG_1);
	nb_u32(nb, NFTA_BITWISE_DREG, NFT_REG_1);
	nb_u32(nb, NFTA_BITWISE_LEN, (uint32_t)len);
	data(nb, NFTA_BITWISE_MASK, mask, len);
	data(nb, NFTA_BITWISE_XOR, zero, len);
	nb_close(nb, d);
	nb_close(nb, e);
	memcpy(addr, &p->addr, len);
	for (i = 0; i < len; i++)
		addr[i] &= mask[i];
	cmp_eq(nb, addr, len);
}

static size_t
rule_begin(struct nbuf *nb, const char *table, const char *chain)
{
	nb_msg(nb, NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWRULE,
	    NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK, NFPROTO_INET, 0);
	nb_str(nb, NFTA_RULE_TABLE, table);
	nb_str(nb, NFTA_RULE_CHAIN, chain);
	return nb_nest(nb, NFTA_RULE_EXPRESSIONS);
}

static void
masq(struct nbuf *nb)
{
	size_t	 e = nb->len, d;

	expr(nb, "masq", &d);
	nb_close(nb, d);
	nb_close(nb, e);
}

/* iifname IFNAME [daddr] masquerade */
static void
rule(struct nbuf *nb, const char *ifname, const struct ip_prefix *p)
{
	char	 name[IFNAMSIZ];
	size_t	 exprs;

	exprs = rule_begin(nb, TABLE, CHAIN);
	meta(nb, NFT_META_IIFNAME);
	memset(name, 0, sizeof(name));
	(void)snprintf(name, sizeof(name), "%s", ifname);
	cmp_eq(nb, name, sizeof(name));
	if (p != NULL)
		daddr(nb, p);
	masq(nb);
	nb_close(nb, exprs);
	nb_end(nb);
}

static void
build(struct nbuf *nb, const char *ifname, int all,
    const struct ip_prefix *ps, int n)
{
	int	 i, on = all || n > 0;

	batch(nb, 1, TABLE, on);
	if (on) {
		chain(nb, TABLE, CHAIN, NF_INET_POST_ROUTING, NAT_PRIO, "nat");
		if (all)
			rule(nb, ifname, NULL);
		for (i = 0; i < n; i++)
			rule(nb, ifname, &ps[i]);
	}
	batch(nb, 0, TABLE, 0);
}

/* socket cgroupv2 level LEVEL == CGROUP */
static void
socket_cgroup(struct nbuf *nb, uint64_t cgroup, uint32_t level)
{
	size_t	 e = nb->len, d;

	expr(nb, "socket", &d);
	nb_u32(nb, NFTA_SOCKET_KEY, NFT_SOCKET_CGROUPV2);
	nb_u32(nb, NFTA_SOCKET_DREG, NFT_REG_1);
	nb_u32(nb, NFTA_SOCKET_LEVEL, level);
	nb_close(nb, d);
	nb_close(nb, e);
	cmp_eq(nb, &cgroup, sizeof(cgroup));	/* host order */
}

/* oifname != NAME */
static void
oifname_ne(struct nbuf *nb, const char *ifname)
{
	char	 name[IFNAMSIZ];

	meta(nb, NFT_META_OIFNAME);
	memset(name, 0, sizeof(name));
	(void)snprintf(name, sizeof(name), "%s", ifname);
	cmp(nb, NFT_CMP_NEQ, name, sizeof(name));
}

/*
 * table inet hamdonly {
 *	chain out { type filter hook output priority filter;
 *	    socket cgroupv2 level L == ID oifname != IFNAME
 *	    oifname != "lo" counter drop }
 * }
 */
static void
build_confine(struct nbuf *nb, const char *ifname, uint64_t cgroup,
    uint32_t level)
{
	size_t	 exprs, e, d, v, vd;

	batch(nb, 1, ONLY_TABLE, cgroup != 0);
	if (cgroup != 0) {
		chain(nb, ONLY_TABLE, "out", NF_INET_LOCAL_OUT, 0, "filter");
		exprs = rule_begin(nb, ONLY_TABLE, "out");
		socket_cgroup(nb, cgroup, level);
		oifname_ne(nb, ifname);
		oifname_ne(nb, "lo");
		e = nb->len;
		expr(nb, "counter", &d);
		nb_close(nb, d);
		nb_close(nb, e);
		e = nb->len;
		expr(nb, "immediate", &d);
		nb_u32(nb, NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
		v = nb_nest(nb, NFTA_IMMEDIATE_DATA);
		vd = nb_nest(nb, NFTA_DATA_VERDICT);
		nb_u32(nb, NFTA_VERDICT_CODE, NF_DROP);
		nb_close(nb, vd);
		nb_close(nb, v);
		nb_close(nb, d);
		nb_close(nb, e);
		nb_close(nb, exprs);
		nb_end(nb);
	}
	batch(nb, 0, ONLY_TABLE, 0);
}

/*
 * table inet hamdrun {
 *	chain out { type route hook output priority mangle;
 *	    socket cgroupv2 level L == ID meta mark set MARK }
 *	chain post { type nat hook postrouting priority srcnat;
 *	    meta mark MARK oifname IFNAME masquerade }
 * }
 */
static void
build_run(struct nbuf *nb, const char *ifname, uint64_t cgroup,
    uint32_t level, uint32_t mark)
{
	char	 name[IFNAMSIZ];
	size_t	 exprs, e, d, v;

	batch(nb, 1, RUN_TABLE, cgroup != 0);
	if (cgroup != 0) {
		chain(nb, RUN_TABLE, "out", NF_INET_LOCAL_OUT, -150, "route");
		exprs = rule_begin(nb, RUN_TABLE, "out");
		socket_cgroup(nb, cgroup, level);
		e = nb->len;
		expr(nb, "immediate", &d);
		nb_u32(nb, NFTA_IMMEDIATE_DREG, NFT_REG_1);
		v = nb_nest(nb, NFTA_IMMEDIATE_DATA);
		nb_attr(nb, NFTA_DATA_VALUE, &mark, sizeof(mark));
		nb_close(nb, v);
		nb_close(nb, d);
		nb_close(nb, e);
		e = nb->len;
		expr(nb, "meta", &d);
		nb_u32(nb, NFTA_META_KEY, NFT_META_MARK);
		nb_u32(nb, NFTA_META_SREG, NFT_REG_1);
		nb_close(nb, d);
		nb_close(nb, e);
		nb_close(nb, exprs);
		nb_end(nb);
		chain(nb, RUN_TABLE, "post", NF_INET_POST_ROUTING, NAT_PRIO,
		    "nat");
		exprs = rule_begin(nb, RUN_TABLE, "post");
		meta(nb, NFT_META_MARK);
		cmp_eq(nb, &mark, sizeof(mark));
		meta(nb, NFT_META_OIFNAME);
		memset(name, 0, sizeof(name));
		(void)snprintf(name, sizeof(name), "%s", ifname);
		cmp_eq(nb, name, sizeof(name));
		masq(nb);
		nb_close(nb, exprs);
		nb_end(nb);
	}
	batch(nb, 0, RUN_TABLE, 0);
}

int
nftmasq_open(void)
{
	struct sockaddr_nl	 sa;
	int			 fd;

	if ((fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
	    NETLINK_NETFILTER)) == -1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		(void)close(fd);
		return -1;
	}
	return fd;
}

/* Send a batch and wait for its acknowledgements: 0 or -errno. */
static int
talk(int fd, struct nbuf *nb, uint32_t want)
{
	struct sockaddr_nl	 sa;
	uint8_t			 buf[8192];
	struct nlmsghdr		*h;
	ssize_t			 n;
	uint32_t		 acks = 0;

	if (fd == -1)
		return -EBADF;
	if (nb->err)
		return -ENOBUFS;
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	if (sendto(fd, nb->b, nb->len, 0, (struct sockaddr *)&sa,
	    sizeof(sa)) == -1)
		return -errno;
	while (acks < want) {
		if ((n = recv(fd, buf, sizeof(buf), 0)) == -1) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		    h = NLMSG_NEXT(h, n)) {
			struct nlmsgerr	*e = NLMSG_DATA(h);

			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				return -EBADMSG;
			acks++;
			/* A failed message aborts the batch: no more acks. */
			if (e->error != 0)
				return e->error;
		}
	}
	return 0;
}

int
nftmasq_run(int fd, const char *ifname, uint64_t cgroup, uint32_t level,
    uint32_t mark)
{
	struct nbuf	 nb;

	memset(&nb, 0, sizeof(nb));
	nb.seq = (uint32_t)getpid() << 8;
	build_run(&nb, ifname, cgroup, level, mark);
	/* acknowledged: the table twice, and then two chains, two rules */
	return talk(fd, &nb, cgroup != 0 ? 7 : 2);
}

int
nftmasq_confine(int fd, const char *ifname, uint64_t cgroup, uint32_t level)
{
	struct nbuf	 nb;

	memset(&nb, 0, sizeof(nb));
	nb.seq = (uint32_t)getpid() << 8;
	build_confine(&nb, ifname, cgroup, level);
	/* acknowledged: the table twice, and then a chain and a rule */
	return talk(fd, &nb, cgroup != 0 ? 5 : 2);
}

int
nftmasq_set(int fd, const char *ifname, int all, const struct ip_prefix *ps,
    int nps)
{
	struct nbuf	 nb;

	if (nps < 0 || nps > 64)
		return -EINVAL;
	memset(&nb, 0, sizeof(nb));
	nb.seq = (uint32_t)getpid() << 8;
	build(&nb, ifname, all, ps, nps);
	/* acknowledged: the table twice, then a chain and rules */
	return talk(fd, &nb, all || nps > 0 ? 4 + (all ? 1 : 0) +
	    (uint32_t)nps : 2);
}
