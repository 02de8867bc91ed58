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

#define TABLE		"hamd"
#define CHAIN		"post"
#define NAT_PRIO	100	/* srcnat */

struct nbuf {
	uint8_t		 b[2048];
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
table_msg(struct nbuf *nb, uint16_t msg, uint16_t flags)
{
	nb_msg(nb, NFNL_SUBSYS_NFTABLES << 8 | msg, flags | NLM_F_ACK,
	    NFPROTO_INET, 0);
	nb_str(nb, NFTA_TABLE_NAME, TABLE);
	nb_end(nb);
}

static void
expr(struct nbuf *nb, const char *name, size_t *data)
{
	(void)nb_nest(nb, NFTA_LIST_ELEM);
	nb_str(nb, NFTA_EXPR_NAME, name);
	*data = nb_nest(nb, NFTA_EXPR_DATA);
}

static void
build(struct nbuf *nb, const char *ifname, int on)
{
	char	 name[IFNAMSIZ];
	size_t	 hook, exprs, e, d, v;

	nb_msg(nb, NFNL_MSG_BATCH_BEGIN, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
	nb_end(nb);
	/* Create it (so that the delete cannot fail), then delete it. */
	table_msg(nb, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	table_msg(nb, NFT_MSG_DELTABLE, 0);
	if (on) {
		table_msg(nb, NFT_MSG_NEWTABLE, NLM_F_CREATE);
		nb_msg(nb, NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWCHAIN,
		    NLM_F_CREATE | NLM_F_ACK, NFPROTO_INET, 0);
		nb_str(nb, NFTA_CHAIN_TABLE, TABLE);
		nb_str(nb, NFTA_CHAIN_NAME, CHAIN);
		hook = nb_nest(nb, NFTA_CHAIN_HOOK);
		nb_u32(nb, NFTA_HOOK_HOOKNUM, NF_INET_POST_ROUTING);
		nb_u32(nb, NFTA_HOOK_PRIORITY, NAT_PRIO);
		nb_close(nb, hook);
		nb_str(nb, NFTA_CHAIN_TYPE, "nat");
		nb_end(nb);
		nb_msg(nb, NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWRULE,
		    NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK, NFPROTO_INET, 0);
		nb_str(nb, NFTA_RULE_TABLE, TABLE);
		nb_str(nb, NFTA_RULE_CHAIN, CHAIN);
		exprs = nb_nest(nb, NFTA_RULE_EXPRESSIONS);
		/* meta iifname -> reg 1 */
		e = nb->len;
		expr(nb, "meta", &d);
		nb_u32(nb, NFTA_META_DREG, NFT_REG_1);
		nb_u32(nb, NFTA_META_KEY, NFT_META_IIFNAME);
		nb_close(nb, d);
		nb_close(nb, e);
		/* cmp reg 1 == ifname, the whole IFNAMSIZ */
		e = nb->len;
		expr(nb, "cmp", &d);
		nb_u32(nb, NFTA_CMP_SREG, NFT_REG_1);
		nb_u32(nb, NFTA_CMP_OP, NFT_CMP_EQ);
		v = nb_nest(nb, NFTA_CMP_DATA);
		memset(name, 0, sizeof(name));
		(void)snprintf(name, sizeof(name), "%s", ifname);
		nb_attr(nb, NFTA_DATA_VALUE, name, sizeof(name));
		nb_close(nb, v);
		nb_close(nb, d);
		nb_close(nb, e);
		/* masquerade */
		e = nb->len;
		expr(nb, "masq", &d);
		nb_close(nb, d);
		nb_close(nb, e);
		nb_close(nb, exprs);
		nb_end(nb);
	}
	nb_msg(nb, NFNL_MSG_BATCH_END, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
	nb_end(nb);
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

int
nftmasq_set(int fd, const char *ifname, int on)
{
	struct nbuf		 nb;
	struct sockaddr_nl	 sa;
	uint8_t			 buf[8192];
	struct nlmsghdr		*h;
	ssize_t			 n;
	uint32_t		 acks = 0, want;
	int			 rc = 0;

	if (fd == -1)
		return -EBADF;
	memset(&nb, 0, sizeof(nb));
	nb.seq = (uint32_t)getpid() << 8;
	build(&nb, ifname, on);
	if (nb.err)
		return -ENOBUFS;
	want = on ? 5 : 2;	/* the acknowledged messages */
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	if (sendto(fd, nb.b, nb.len, 0, (struct sockaddr *)&sa,
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
	return rc;
}
