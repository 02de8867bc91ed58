/*
 * Subnet routes in the parent (see subnet.h).  Nothing here trusts
 * tun: every prefix is checked again as if a compromised tun had sent
 * it.  A route through a peer must be a LAN prefix (hub_route_valid:
 * never a default route), and must not overlap the overlay, a route or
 * address of another interface, a static peer's route, another
 * gateway's route or one we serve, nor hold the hub's address or a
 * static peer's endpoint (our own tunnel traffic would enter the
 * tunnel).  A prefix we serve must be reached through another
 * interface than ours.
 *
 * Serving P sets, and takes back when nothing is served any more:
 *  - net.ipv4.conf.IF.forwarding = 1 on the hamd interface and on each
 *    interface a served prefix is routed through (IFLA_INET_CONF; the
 *    previous values are restored), and net.ipv6.conf.all.forwarding
 *    = 1 while an IPv6 prefix is served (written to the file opened
 *    before the sandbox; restored too);
 *  - rules: "iif IF to P lookup main" per prefix (priority 5360) and
 *    "iif IF prohibit" (5361) per family, so that nothing but P is
 *    forwarded from the tunnel.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon/nftmasq.h"
#include "daemon/subnet.h"
#include "privsep/log.h"
#include "proto/hubproto.h"

#define V6_FORWARDING	"/proc/sys/net/ipv6/conf/all/forwarding"

void
subnet_init(struct subnet *sn)
{
	memset(sn, 0, sizeof(*sn));
	sn->v6prev = -1;
	/* The parent's sandbox opens nothing for writing later. */
	if ((sn->v6fd = open(V6_FORWARDING, O_RDWR | O_CLOEXEC)) == -1)
		log_debug("%s: %s", V6_FORWARDING, strerror(errno));
	if ((sn->nftfd = nftmasq_open()) == -1)
		log_debug("netfilter netlink: %s", strerror(errno));
}

static int
prefix_same(const struct ip_prefix *a, const struct ip_prefix *b)
{
	return a->af == b->af && a->plen == b->plen &&
	    memcmp(&a->addr, &b->addr, a->af == AF_INET ? 4 : 16) == 0;
}

static int
has(const struct subnet_set *s, const struct ip_prefix *p, int installed)
{
	int	 i;

	for (i = 0; i < s->n; i++)
		if ((!installed || s->ok[i]) && prefix_same(&s->p[i], p))
			return 1;
	return 0;
}

/* Why p may not go through a peer, or NULL. */
static const char *
peer_refusal(const struct subnet *sn, struct netconf *nc, uint32_t id,
    const struct ip_prefix *p, char *why, size_t len)
{
	struct ip_prefix	 o;
	char			 a[PREFIX_STRLEN], what[128];
	int			 i, j;

	if (!hub_route_valid(p))
		return "not a LAN prefix";
	for (i = 0; i < nc->noverlay; i++) {
		o = nc->overlay[i];
		(void)prefix_mask(&o);
		if (prefix_overlap(&o, p))
			return "overlaps the overlay";
	}
	if (prefix_contains(p, nc->hub_addr.af, nc->hub_addr.addr))
		return "holds the hub's address";
	for (i = 0; i < nc->npeer_eps; i++)
		if (prefix_contains(p, nc->peer_eps[i].af,
		    nc->peer_eps[i].addr))
			return "holds a configured peer's endpoint";
	for (i = 0; i < nc->nroutes; i++)
		if (prefix_overlap(&nc->routes[i], p))
			return "overlaps a configured peer's allowed-ips";
	for (i = 0; i < sn->served.n; i++)
		if (prefix_overlap(&sn->served.p[i], p))
			return "overlaps a route this node serves";
	for (i = 0; i < SUBNET_GATEWAYS; i++) {
		if (sn->peers[i].id == 0 || sn->peers[i].id == id)
			continue;
		for (j = 0; j < sn->peers[i].n; j++)
			if (sn->peers[i].ok[j] &&
			    prefix_overlap(&sn->peers[i].p[j], p)) {
				(void)snprintf(why, len, "overlaps %s through "
				    "another peer", prefix_str(
				    &sn->peers[i].p[j], a, sizeof(a)));
				return why;
			}
	}
	if (nl_prefix_conflict(&nc->nl, nc->tun.ifindex, p, what,
	    sizeof(what)) != 0) {
		(void)snprintf(why, len, "overlaps %.60s here", what);
		return why;
	}
	return NULL;
}

static struct subnet_set *
peer_set(struct subnet *sn, uint32_t id, int create)
{
	int	 i;

	for (i = 0; i < SUBNET_GATEWAYS; i++)
		if (sn->peers[i].id == id)
			return &sn->peers[i];
	for (i = 0; create && i < SUBNET_GATEWAYS; i++)
		if (sn->peers[i].id == 0) {
			memset(&sn->peers[i], 0, sizeof(sn->peers[i]));
			sn->peers[i].id = id;
			return &sn->peers[i];
		}
	return NULL;
}

static void
peer_offer(struct subnet *sn, struct netconf *nc, const struct routes_msg *m,
    struct routes_msg *out)
{
	struct subnet_set	*s = peer_set(sn, m->id, m->n > 0), next;
	const char		*no;
	char			 a[PREFIX_STRLEN], q[128];
	uint32_t		 i;
	int			 rc;

	memset(out, 0, sizeof(*out));
	out->id = m->id;
	if (s == NULL) {
		if (m->n > 0)
			log_warnx("routes of peer %u: more than %d gateways; "
			    "ignored", m->id, SUBNET_GATEWAYS);
		return;
	}
	/* Gone first, so that a prefix moving between peers can follow. */
	memset(&next, 0, sizeof(next));
	next.id = m->id;
	next.n = (uint8_t)m->n;
	memcpy(next.p, m->p, sizeof(next.p));
	for (i = 0; i < s->n; i++)
		if (s->ok[i] && !has(&next, &s->p[i], 0)) {
			(void)nl_route_del(&nc->nl, nc->tun.ifindex, &s->p[i]);
			log_info("route %s through peer %u removed",
			    prefix_str(&s->p[i], a, sizeof(a)), m->id);
			s->ok[i] = 0;
		}
	*s = next;	/* the old ones are out of the way of the checks */
	for (i = 0; i < s->n; i++) {
		prefix_str(&s->p[i], a, sizeof(a));
		if ((no = peer_refusal(sn, nc, m->id, &s->p[i], s->why[i],
		    sizeof(s->why[i]))) != NULL) {
			if (no != s->why[i])
				(void)snprintf(s->why[i], sizeof(s->why[i]),
				    "%s", no);
			log_warnx("route %s through peer %u refused: %s", a,
			    m->id, s->why[i]);
			audit("route-refused", "route=%s peer=%u reason=%s",
			    a, m->id, log_quote(s->why[i], q, sizeof(q)));
			continue;
		}
		if ((rc = nl_route_add(&nc->nl, nc->tun.ifindex,
		    &s->p[i])) < 0) {
			(void)snprintf(s->why[i], sizeof(s->why[i]), "%s",
			    strerror(-rc));
			log_warnx("route %s: %s", a, s->why[i]);
			continue;
		}
		s->ok[i] = 1;
		s->why[i][0] = '\0';
		out->p[out->n++] = s->p[i];
		log_info("route %s through peer %u", a, m->id);
	}
	if (s->n == 0)
		memset(s, 0, sizeof(*s));
}

/* ---- serving: forwarding and rules ---------------------------------- */

static int
rule(struct netconf *nc, int add, int af, uint32_t prio, int action,
    const struct ip_prefix *dst)
{
	struct nl_rule_spec	 rs;
	int			 rc;

	memset(&rs, 0, sizeof(rs));
	rs.af = af;
	rs.prio = prio;
	rs.action = action;
	rs.table = RT_TABLE_MAIN;
	(void)snprintf(rs.iif, sizeof(rs.iif), "%s", nc->tun.name);
	if (dst != NULL)
		rs.dst = *dst;
	rc = nl_rule(&nc->nl, add, &rs);
	if (rc == -EEXIST || (!add && rc == -ENOENT))
		rc = 0;
	return rc;
}

/* The value of net.ipv4.conf.IF.forwarding, or -1. */
static int
v4_forwarding(unsigned int ifindex)
{
	char	 name[IF_NAMESIZE], path[96], c = 0;
	int	 fd;

	if (if_indextoname(ifindex, name) == NULL)
		return -1;
	(void)snprintf(path, sizeof(path),
	    "/proc/sys/net/ipv4/conf/%s/forwarding", name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (read(fd, &c, 1) != 1)
		c = 0;
	(void)close(fd);
	return c == '1' ? 1 : c == '0' ? 0 : -1;
}

static void
fwd_want(struct subnet *sn, struct netconf *nc, const unsigned int *ifs,
    int nifs)
{
	int	 i, j, keep, rc;

	/* Given back first: those no served prefix needs any more. */
	for (i = 0; i < sn->nfwd; i++) {
		for (keep = 0, j = 0; j < nifs; j++)
			keep |= ifs[j] == sn->fwd[i].ifindex;
		if (keep)
			continue;
		if (sn->fwd[i].prev == 0)
			(void)nl_inet_forwarding(&nc->nl, sn->fwd[i].ifindex,
			    0);
		sn->fwd[i--] = sn->fwd[--sn->nfwd];
	}
	for (j = 0; j < nifs; j++) {
		for (keep = 0, i = 0; i < sn->nfwd; i++)
			keep |= ifs[j] == sn->fwd[i].ifindex;
		if (keep || sn->nfwd == SUBNET_FWD_IFS)
			continue;
		sn->fwd[sn->nfwd].ifindex = ifs[j];
		sn->fwd[sn->nfwd].prev = v4_forwarding(ifs[j]);
		if (sn->fwd[sn->nfwd].prev != 1 &&
		    (rc = nl_inet_forwarding(&nc->nl, ifs[j], 1)) < 0)
			log_warnx("IPv4 forwarding on interface %u: %s",
			    ifs[j], strerror(-rc));
		sn->nfwd++;
	}
}

static void
v6_want(struct subnet *sn, int on)
{
	char	 c = 0;

	if (sn->v6fd == -1)
		return;
	/* lseek, read and write: calls the parent's filter allows. */
	if (on && sn->v6prev == -1) {
		if (lseek(sn->v6fd, 0, SEEK_SET) == -1 ||
		    read(sn->v6fd, &c, 1) != 1)
			return;
		sn->v6prev = c == '1';
		if (!sn->v6prev && (lseek(sn->v6fd, 0, SEEK_SET) == -1 ||
		    write(sn->v6fd, "1\n", 2) != 2))
			log_warn("%s", V6_FORWARDING);
	} else if (!on && sn->v6prev != -1) {
		if (!sn->v6prev && (lseek(sn->v6fd, 0, SEEK_SET) == -1 ||
		    write(sn->v6fd, "0\n", 2) != 2))
			log_warn("%s", V6_FORWARDING);
		sn->v6prev = -1;
	}
}

static int	masq_apply(struct subnet *, struct netconf *);

static void
serve(struct subnet *sn, struct netconf *nc, const struct routes_msg *m)
{
	struct subnet_set	 next;
	struct ip_prefix	 probe;
	unsigned int		 ifs[SUBNET_FWD_IFS], oif;
	char			 a[PREFIX_STRLEN];
	int			 nifs = 0, i, j, v4 = 0, v6 = 0, rc;

	memset(&next, 0, sizeof(next));
	next.n = (uint8_t)m->n;
	memcpy(next.p, m->p, sizeof(next.p));
	ifs[nifs++] = nc->tun.ifindex;
	for (i = 0; i < next.n; i++) {
		prefix_str(&next.p[i], a, sizeof(a));
		/* An exit node: where its default route goes. */
		probe = next.p[i];
		if (hub_route_exit(&probe)) {
			if (probe.af == AF_INET)
				(void)inet_pton(AF_INET, "192.0.2.1", &probe.addr);
			else
				(void)inet_pton(AF_INET6, "2001:db8::1",
				    &probe.addr);
		}
		if (!hub_route_ok(&next.p[i]))
			(void)snprintf(next.why[i], sizeof(next.why[i]),
			    "not a LAN prefix");
		else if ((rc = nl_route_oif(&nc->nl, &probe, &oif)) < 0 ||
		    oif == nc->tun.ifindex)
			(void)snprintf(next.why[i], sizeof(next.why[i]),
			    "this machine reaches it only through the tunnel");
		else {
			next.ok[i] = 1;
			for (j = 0; j < nifs && ifs[j] != oif; j++)
				;
			if (j == nifs)
				ifs[nifs++] = oif;
			if (next.p[i].af == AF_INET)
				v4 = 1;
			else
				v6 = 1;
			continue;
		}
		log_warnx("not serving %s: %s", a, next.why[i]);
	}
	/* Rules: those of prefixes gone, then the new ones. */
	for (i = 0; i < sn->served.n; i++)
		if (sn->served.ok[i] && !has(&next, &sn->served.p[i], 1)) {
			(void)rule(nc, 0, sn->served.p[i].af, SUBNET_PRIO,
			    FR_ACT_TO_TBL, &sn->served.p[i]);
			log_info("no longer serving %s", prefix_str(
			    &sn->served.p[i], a, sizeof(a)));
		}
	for (i = 0; i < next.n; i++)
		if (next.ok[i] && !has(&sn->served, &next.p[i], 1)) {
			if ((rc = rule(nc, 1, next.p[i].af, SUBNET_PRIO,
			    FR_ACT_TO_TBL, &next.p[i])) < 0)
				log_warnx("rule for %s: %s", prefix_str(
				    &next.p[i], a, sizeof(a)), strerror(-rc));
			else
				log_info("serving %s", prefix_str(&next.p[i],
				    a, sizeof(a)));
		}
	if (v4 != sn->prohibit4 && (rc = rule(nc, v4, AF_INET,
	    SUBNET_PRIO + 1, FR_ACT_PROHIBIT, NULL)) < 0)
		log_warnx("IPv4 prohibit rule: %s", strerror(-rc));
	if (v6 != sn->prohibit6 && (rc = rule(nc, v6, AF_INET6,
	    SUBNET_PRIO + 1, FR_ACT_PROHIBIT, NULL)) < 0)
		log_warnx("IPv6 prohibit rule: %s", strerror(-rc));
	sn->prohibit4 = v4;
	sn->prohibit6 = v6;
	fwd_want(sn, nc, ifs, v4 ? nifs : 0);
	v6_want(sn, v6);
	sn->served = next;
	(void)masq_apply(sn, nc);
}

static int
prefix_in(const struct ip_prefix *p, const struct ip_prefix *set, int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (prefix_same(&set[i], p))
			return i;
	return -1;
}

/*
 * What an exit node forwards leaves with its address, and so do the
 * served prefixes hamd.conf or hamctl marks masquerade.  0 or -errno
 * (nftables refused: the table is as it was).
 */
static int
masq_apply(struct subnet *sn, struct netconf *nc)
{
	struct ip_prefix	 on[HUB_ROUTES_MAX];
	const struct ip_prefix	*p;
	int			 all = 0, n = 0, i, rc;

	for (i = 0; i < sn->served.n; i++) {
		p = &sn->served.p[i];
		if (!sn->served.ok[i])
			continue;
		if (hub_route_exit(p))
			all = 1;
		else if (prefix_in(p, sn->masq_conf, sn->nmasq_conf) != -1 ||
		    prefix_in(p, sn->masq_ctl, sn->nmasq_ctl) != -1)
			on[n++] = *p;
	}
	if (all == sn->masq_all && n == sn->nmasq_on &&
	    memcmp(on, sn->masq_on, sizeof(on[0]) * (size_t)n) == 0)
		return 0;
	if ((rc = nftmasq_set(sn->nftfd, nc->tun.name, all, on, n)) < 0) {
		log_warnx("nftables masquerade: %s", strerror(-rc));
		return rc;
	}
	sn->masq_all = all;
	sn->nmasq_on = n;
	memcpy(sn->masq_on, on, sizeof(on[0]) * (size_t)n);
	return 0;
}

void
subnet_masq_conf(struct subnet *sn, struct netconf *nc,
    const struct ip_prefix *ps, int n)
{
	sn->nmasq_conf = n < HUB_ROUTES_MAX ? n : HUB_ROUTES_MAX;
	memcpy(sn->masq_conf, ps, sizeof(ps[0]) * (size_t)sn->nmasq_conf);
	(void)masq_apply(sn, nc);
}

int
subnet_masq_ctl(struct subnet *sn, struct netconf *nc,
    const struct ip_prefix *p, int on, char *msg, size_t len)
{
	struct ip_prefix	 was[HUB_ROUTES_MAX];
	char			 b[PREFIX_STRLEN];
	int			 nwas = sn->nmasq_ctl, rc;
	int			 i = prefix_in(p, sn->masq_ctl, sn->nmasq_ctl);

	/* A client's bytes: checked and answered, never fatal. */
	if (!hub_route_valid(p) && !hub_route_exit(p)) {
		(void)snprintf(msg, len, "not a LAN prefix");
		return -1;
	}
	prefix_str(p, b, sizeof(b));
	if (hub_route_exit(p)) {
		(void)snprintf(msg, len, "an exit node always masquerades "
		    "what it forwards");
		return -1;
	}
	memcpy(was, sn->masq_ctl, sizeof(was));
	if (on && i == -1) {
		if (sn->nmasq_ctl == HUB_ROUTES_MAX) {
			(void)snprintf(msg, len, "already %d prefixes "
			    "masqueraded: turn one off first", HUB_ROUTES_MAX);
			return -1;
		}
		sn->masq_ctl[sn->nmasq_ctl++] = *p;
	} else if (!on && i != -1)
		sn->masq_ctl[i] = sn->masq_ctl[--sn->nmasq_ctl];
	if ((rc = masq_apply(sn, nc)) < 0) {
		memcpy(sn->masq_ctl, was, sizeof(was));
		sn->nmasq_ctl = nwas;
		(void)snprintf(msg, len, "%s: nftables: %s; masquerading is "
		    "as it was", b, strerror(-rc));
		return -1;
	}
	if (!on && prefix_in(p, sn->masq_conf, sn->nmasq_conf) != -1)
		(void)snprintf(msg, len, "%s: hamctl's masquerade off, but "
		    "hamd.conf's advertise-route line still asks for it", b);
	else if (on)
		(void)snprintf(msg, len, "%s: masquerade on while this node "
		    "serves it, until hamd stops (for good: advertise-route "
		    "\"%s\" masquerade in hamd.conf)", b, b);
	else
		(void)snprintf(msg, len, "%s: masquerade off", b);
	log_info("hamctl: %s", msg);
	return 0;
}

/* ---- hamctl run without -x: the tunnel only ------------------------ */

int
subnet_confine(struct subnet *sn, struct netconf *nc, uint64_t cgroup,
    uint32_t level, int end, char *msg, size_t len)
{
	int	 rc;

	if (cgroup == 0 || level == 0 || level > 64) {
		(void)snprintf(msg, len, "no cgroup to confine");
		return -1;
	}
	if (end) {
		if (sn->only_cgroup != cgroup) {
			(void)snprintf(msg, len, "that run is not confined");
			return -1;
		}
		(void)nftmasq_confine(sn->nftfd, nc->tun.name, 0, 0);
		sn->only_cgroup = 0;
		(void)snprintf(msg, len, "run over");
		return 0;
	}
	if (sn->only_cgroup != 0) {
		(void)snprintf(msg, len, "another hamctl run is confined to "
		    "the tunnel now; one at a time");
		return -1;
	}
	if ((rc = nftmasq_confine(sn->nftfd, nc->tun.name, cgroup,
	    level)) < 0) {
		(void)snprintf(msg, len, "cannot confine the command to the "
		    "tunnel: nftables: %s", strerror(-rc));
		log_warnx("hamctl run: %s", msg);
		return -1;
	}
	sn->only_cgroup = cgroup;
	(void)snprintf(msg, len, "the command's traffic goes through %s "
	    "or nowhere", nc->tun.name);
	log_info("hamctl run: %s", msg);
	return 0;
}

/* ---- the exit node ---------------------------------------------------- */

static int
exit_rules(struct netconf *nc, int add, int af, int run, int nolan)
{
	struct nl_rule_spec	 rs;
	struct ip_prefix	 any;
	int			 rc, rc2;

	memset(&any, 0, sizeof(any));
	any.af = af;
	if (add && (rc = nl_route_table(&nc->nl, 1, nc->tun.ifindex, &any,
	    EXIT_TABLE)) < 0 && rc != -EEXIST)
		return rc;
	memset(&rs, 0, sizeof(rs));
	rs.af = af;
	rs.prio = EXIT_PRIO + (run ? 2 : 0);
	rs.action = FR_ACT_TO_TBL;
	rs.table = RT_TABLE_MAIN;
	rs.suppress_plen = 1;		/* main, but not its default route */
	rs.fwmark = run ? RUN_MARK : 0;
	/* Without LAN access even the main table's own routes are left. */
	rc = add && nolan ? 0 : nl_rule(&nc->nl, add, &rs);
	rs.prio++;
	rs.table = EXIT_TABLE;
	rs.suppress_plen = 0;
	rs.invert = !run;
	rs.fwmark = run ? RUN_MARK : EXIT_MARK;	/* not hamd's own packets */
	rc2 = nl_rule(&nc->nl, add, &rs);
	if (!add)
		(void)nl_route_table(&nc->nl, 0, nc->tun.ifindex, &any,
		    EXIT_TABLE);
	if (rc == -EEXIST || (!add && rc == -ENOENT))
		rc = 0;
	if (rc2 == -EEXIST || (!add && rc2 == -ENOENT))
		rc2 = 0;
	return rc < 0 ? rc : rc2;
}

/* Everything an exit node (or a run through one) had set, gone. */
static void
exit_down(struct subnet *sn, struct netconf *nc)
{
	int	 f, run = sn->exit_cgroup != 0;

	for (f = 1; f <= 2; f++)
		if (sn->exit_af & (uint32_t)f)
			(void)exit_rules(nc, 0, f == 1 ? AF_INET : AF_INET6,
			    run, 0);
	if (run)
		(void)nftmasq_run(sn->nftfd, nc->tun.name, 0, 0, 0);
	sn->exit_id = 0;
	sn->exit_af = 0;
	sn->exit_cgroup = 0;
}

void
subnet_exit(struct subnet *sn, struct netconf *nc, const struct exit_msg *m,
    struct exit_msg *out, char *msg, size_t len)
{
	uint32_t	 af = m->id != 0 ? m->af & 3 : 0;
	int		 f, rc = 0, run = m->cgroup != 0;

	if (m->id != 0 && (m->id < 0x40000000u || m->id >= 0x40000000u +
	    4096))
		fatalx("tun sent exit node %u", m->id);
	*out = *m;
	/*
	 * Taken down whole, then set up: the table is added before the
	 * rules that lead to it, and tun lets the default in only after.
	 */
	if (sn->exit_id != 0)
		exit_down(sn, nc);
	for (f = 1; f <= 2 && rc == 0; f++)
		if (af & (uint32_t)f)
			rc = exit_rules(nc, 1, f == 1 ? AF_INET : AF_INET6,
			    run, (m->flags & CTL_EXIT_NOLAN) != 0);
	if (rc == 0 && run && (rc = nftmasq_run(sn->nftfd, nc->tun.name,
	    m->cgroup, m->level, RUN_MARK)) < 0)
		log_warnx("hamctl run: nftables: %s", strerror(-rc));
	sn->exit_id = m->id;
	sn->exit_af = af;
	sn->exit_cgroup = m->cgroup;
	if (rc < 0) {
		exit_down(sn, nc);
		out->ok = 0;
		(void)snprintf(msg, len, "cannot route through the exit "
		    "node: %s; routing is as it was", strerror(-rc));
		log_warnx("%s", msg);
		return;
	}
	out->ok = 1;
	if (m->id == 0) {
		(void)snprintf(msg, len, "exit node off: traffic takes the "
		    "direct way");
		log_info("%s", msg);
	} else {
		(void)snprintf(msg, len, "%s%s goes through peer %u now",
		    run ? "the run's traffic" : "all traffic", af == 1 ?
		    " (IPv4)" : af == 2 ? " (IPv6)" : "", m->id);
		log_info("exit node: %s", msg);
	}
}

int
subnet_offer(struct subnet *sn, struct netconf *nc, const struct routes_msg *m,
    struct routes_msg *out)
{
	/* Hub peers' ids (hubclient.h): what else tun sends is a lie. */
	if (m->n > HUB_ROUTES_MAX || (m->id != 0 && (m->id < 0x40000000u ||
	    m->id >= 0x40000000u + 4096)))
		fatalx("tun sent %u routes for peer %u", m->n, m->id);
	if (m->id == 0) {
		serve(sn, nc, m);
		return 0;
	}
	peer_offer(sn, nc, m, out);
	return 1;
}

void
subnet_list(const struct subnet *sn,
    void (*fn)(void *, const struct ctl_route *), void *arg)
{
	struct ctl_route	 r;
	int			 i, j;

	if (sn->exit_id != 0)
		for (i = 1; i <= 2; i++) {
			if (!(sn->exit_af & (uint32_t)i))
				continue;
			memset(&r, 0, sizeof(r));
			r.p.af = i == 1 ? AF_INET : AF_INET6;
			r.peer = sn->exit_id;
			r.state = CTL_ROUTE_EXIT;
			fn(arg, &r);
		}
	for (i = 0; i < sn->served.n; i++) {
		memset(&r, 0, sizeof(r));
		r.p = sn->served.p[i];
		r.state = sn->served.ok[i] ? CTL_ROUTE_SERVED :
		    CTL_ROUTE_REFUSED;
		(void)snprintf(r.why, sizeof(r.why), "%s",
		    sn->served.ok[i] && prefix_in(&r.p, sn->masq_on,
		    sn->nmasq_on) != -1 ? "masquerade" : sn->served.why[i]);
		fn(arg, &r);
	}
	for (i = 0; i < SUBNET_GATEWAYS; i++)
		for (j = 0; sn->peers[i].id != 0 && j < sn->peers[i].n; j++) {
			memset(&r, 0, sizeof(r));
			r.p = sn->peers[i].p[j];
			r.peer = sn->peers[i].id;
			r.state = sn->peers[i].ok[j] ? CTL_ROUTE_INSTALLED :
			    CTL_ROUTE_REFUSED;
			(void)snprintf(r.why, sizeof(r.why), "%s",
			    sn->peers[i].why[j]);
			fn(arg, &r);
		}
}

void
subnet_clean(struct subnet *sn, struct netconf *nc)
{
	struct nl_rule_spec	 rs;
	int			 af, n, stale = 0;
	uint32_t		 prio;

	for (af = AF_INET; af != 0; af = af == AF_INET ? AF_INET6 : 0)
		for (prio = SUBNET_PRIO; prio <= EXIT_PRIO + 3; prio++) {
			if (prio == SUBNET_PRIO + 2)
				prio = EXIT_PRIO;
			memset(&rs, 0, sizeof(rs));
			rs.af = af;
			rs.prio = prio;
			/* Several served prefixes share a priority. */
			for (n = 0; n < 64 && nl_rule(&nc->nl, 0, &rs) == 0;
			    n++)
				stale++;
		}
	if (stale > 0)
		log_warnx("removed %d rules a hamd that did not stop cleanly "
		    "left behind", stale);
	(void)nftmasq_set(sn->nftfd, nc->tun.name, 0, NULL, 0);
	(void)nftmasq_run(sn->nftfd, nc->tun.name, 0, 0, 0);
	(void)nftmasq_confine(sn->nftfd, nc->tun.name, 0, 0);
}

void
subnet_shutdown(struct subnet *sn, struct netconf *nc)
{
	struct routes_msg	 none;

	struct exit_msg		 off, out;
	char			 msg[128];

	memset(&none, 0, sizeof(none));
	serve(sn, nc, &none);
	memset(&off, 0, sizeof(off));
	if (sn->exit_id != 0)
		subnet_exit(sn, nc, &off, &out, msg, sizeof(msg));
	if (sn->only_cgroup != 0)
		(void)nftmasq_confine(sn->nftfd, nc->tun.name, 0, 0);
	sn->only_cgroup = 0;
}
