/*
 * hamd: the parent process.  It loads the configuration, creates what
 * needs root (state directory, key file, control socket, later the TUN
 * device and the UDP sockets), spawns the children, hands each one the
 * part it needs, then keeps only CAP_NET_ADMIN and CAP_KILL and
 * supervises: a child that dies ends the daemon.
 */
#include "autoconf.h"

#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <grp.h>
#include <ifaddrs.h>
#include <pwd.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/config.h"
#include "daemon/hamd_msg.h"
#include "crypto/key.h"
#include "privsep/log.h"
#include "daemon/netconf.h"
#include "daemon/overlay.h"
#include "daemon/resolvereg.h"
#include "daemon/subnet.h"
#include "privsep/parent.h"
#include "privsep/policies.h"
#include "privsep/proc.h"
#include "privsep/sandbox.h"

/* How long a logout gets to reach the hub before the children stop. */
#define LOGOUT_GRACE_MS	300
/* Interfaces come and go without telling us: look again this often. */
#define CANDIDATES_RECHECK_S	30

struct parent {
	struct parent_base	 b;	/* first: ps->arg points to both */
	struct hamd_config	*conf;	/* b.conf, typed */
	uint8_t			 pubkey[KEY_LEN];
	int			 have_pubkey;
	struct hub_state_msg	 hub;		/* as tun last reported */
	char			 overlay_warning[CTL_MSG_MAX];
	struct event		*ev_hub_retry;
	struct event		*ev_logout;
	struct netconf		 net;
	struct nat_state_msg	 nat;		/* NAT discovery, refined */
	struct hub_candidates	 cands;		/* as last sent to tun */
	int			 cands_sent;
	struct event		*ev_cands;
	struct event		*ev_web;	/* status to the web child */
	struct subnet		 subnet;	/* routes through peers, served */
	struct ip_prefix	 dns_bound[2];	/* the responder's addresses */
	struct resolvereg	 resolved;	/* systemd-resolved asks them */
};

static void	candidates_update(struct parent *);
static void	advertise_send(struct parent *);
static void	dns_bind(struct parent *);

/* The state directory: root-owned, 0700; created on first start. */
static void
state_dir_prepare(const struct hamd_config *conf)
{
	struct stat	 st;
	const char	*dir = conf->state_dir;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		fatal("cannot create state directory %s", dir);
	if (stat(dir, &st) == -1)
		fatal("state directory %s", dir);
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)))
		fatalx("state directory %s must be a directory owned by root "
		    "and writable only by root (fix with: chown root %s && "
		    "chmod 700 %s)", dir, dir, dir);
	/* The default chroot lives inside it; create it if missing. */
	if (mkdir(conf->chroot_dir, 0755) == -1 && errno != EEXIST &&
	    errno != ENOENT)
		fatal("cannot create chroot directory %s", conf->chroot_dir);
}

/* Fields that only a restart can change: say so, keep the old value. */
static void
reload_keep_fixed(const struct hamd_config *old, struct hamd_config *new)
{
#define KEEP(field, what)						\
	if (strcmp(old->field, new->field) != 0) {			\
		log_warnx("reload: %s changed; it takes effect only "	\
		    "after a restart", what);				\
		memcpy(new->field, old->field, sizeof(new->field));	\
	}
	KEEP(user, "user");
	KEEP(chroot_dir, "chroot");
	KEEP(state_dir, "state-directory");
	KEEP(socket_path, "socket");
	KEEP(private_key_file, "private-key");
#undef KEEP
	if (memcmp(&old->hub, &new->hub, sizeof(old->hub)) != 0) {
		log_warnx("reload: the hub settings take effect only after a "
		    "restart");
		new->hub = old->hub;
	}
}

/*
 * A new configuration, parsed and checked by the framework: refuse it
 * if a preshared key is missing, keep what needs a restart, apply the
 * rest.
 */
static int
hamd_reload(struct parent_base *b, void *nc, char *msg, size_t msglen)
{
	struct parent		*p = (struct parent *)b;
	struct hamd_config	*nconf = nc;
	char			 err[512];

	if (netconf_check_psks(nconf, err, sizeof(err)) == -1) {
		log_warnx("reload: %s", err);
		(void)snprintf(msg, msglen, "%.120s; the running configuration "
		    "is kept (details in the log)", err);
		return EINVAL;
	}
	reload_keep_fixed(p->conf, nconf);
	if (strcmp(p->conf->ifname, nconf->ifname) != 0 ||
	    p->conf->listen_port != nconf->listen_port) {
		log_warnx("reload: interface and listen-port take effect only "
		    "after a restart");
		memcpy(nconf->ifname, p->conf->ifname, sizeof(nconf->ifname));
		nconf->listen_port = p->conf->listen_port;
	}
	(void)netconf_reload(&p->net, p->conf, nconf);
	p->conf = nconf;
	netconf_send_peers(&p->net, &p->b.ps, nconf);
	candidates_update(p);	/* public-endpoint may have changed */
	if (p->conf->hub.enabled)
		advertise_send(p);
	(void)snprintf(msg, msglen, "configuration reloaded from %s",
	    p->b.conffile);
	return 0;
}

/* hamctl status, and the web child's copy of it each second. */
static void
send_status(struct parent *p, int to, uint32_t type, uint32_t client)
{
	struct ctl_status	 s;
	int			 i;

	memset(&s, 0, sizeof(s));
	(void)strlcpy(s.version, PACKAGE_VERSION, sizeof(s.version));
	s.uptime = (int64_t)(time(NULL) - p->b.started);
	if (p->have_pubkey)
		key_to_base64(s.pubkey, p->pubkey);
	s.verbose = (uint8_t)log_getverbose();
	/* Running processes only: an optional child may not be. */
	for (i = 0; i < PROC_MAX; i++) {
		if (i != PROC_PARENT && p->b.ps.pids[i] <= 0)
			continue;
		(void)strlcpy(s.procs[s.nprocs].name, p->b.ps.procs[i].name,
		    sizeof(s.procs[s.nprocs].name));
		s.procs[s.nprocs++].pid = p->b.ps.pids[i];
	}
	s.hub_state = p->hub.state;
	s.hub_since = p->hub.since;
	if (p->conf->hub.enabled) {
		/* A reload may have shortened the list. */
		const struct conf_hub_addr *ha = &p->conf->hub.addr[
		    p->net.hub_cur < p->conf->hub.naddrs ? p->net.hub_cur : 0];

		(void)snprintf(s.hub, sizeof(s.hub), "%s%s%s port %u",
		    strchr(ha->host, ':') != NULL ? "[" : "", ha->host,
		    strchr(ha->host, ':') != NULL ? "]" : "", ha->port);
	}
	(void)strlcpy(s.hub_reason, p->hub.reason, sizeof(s.hub_reason));
	s.hub_addr = p->hub.addr;
	(void)strlcpy(s.overlay_warning, p->overlay_warning,
	    sizeof(s.overlay_warning));
	s.nat = p->nat;
	(void)strlcpy(s.names, p->conf->dns_domain, sizeof(s.names));
	if (s.names[0] != '\0')
		resolvereg_state(&p->resolved, s.resolver, sizeof(s.resolver));
	if (p->conf->public_ep.set) {
		s.port_forward.af = p->conf->public_ep.af;
		s.port_forward.port = htons(p->conf->public_ep.port);
		memcpy(s.port_forward.addr, &p->conf->public_ep.addr,
		    p->conf->public_ep.af == AF_INET ? 4 : 16);
	}
	(void)proc_compose(&p->b.ps, to, type, client, -1, &s, sizeof(s));
}

static void
reply_status(struct parent *p, uint32_t client)
{
	send_status(p, HAMD_PROC_CONTROL, IMSG_CTL_STATUS_REPLY, client);
}

static void
web_status(int fd, short ev, void *arg)
{
	send_status(arg, HAMD_PROC_WEB, IMSG_WEB_STATUS, 0);
}

/* ---- the hub ------------------------------------------------------------ */

static void	hub_socket_send(struct parent *);

static void
hub_retry(int fd, short ev, void *arg)
{
	hub_socket_send(arg);
}

/* The engine wants a connection to the hub: start one and pass it. */
static void
hub_socket_send(struct parent *p)
{
	struct hub_conn_msg	 cm;
	struct timeval		 tv = { 5, 0 };
	char			 err[512];
	int			 fd;

	if (!p->conf->hub.enabled)
		return;
	if ((fd = netconf_hub_socket(&p->net, &p->conf->hub, &cm, err,
	    sizeof(err))) == -1) {
		/* Resolution failed: the engine's backoff never started. */
		log_warnx("%s; retrying in %lld s", err, (long long)tv.tv_sec);
		if (p->ev_hub_retry == NULL &&
		    (p->ev_hub_retry = evtimer_new(p->b.ps.base, hub_retry,
		    p)) == NULL)
			fatalx("%s: timer", __func__);
		(void)evtimer_add(p->ev_hub_retry, &tv);
		return;
	}
	proc_compose(&p->b.ps, HAMD_PROC_ENGINE, IMSG_HUB_SOCKET, 0, fd, &cm,
	    sizeof(cm));
}

/* hamd.conf's advertise-route lines, for tun to offer at each login. */
static void
advertise_send(struct parent *p)
{
	struct routes_msg	 m;
	struct ip_prefix	 masq[CONF_MAX_ADVERTISE];
	int			 i, n = 0;

	memset(&m, 0, sizeof(m));
	m.n = (uint32_t)p->conf->nadvertise;
	memcpy(m.p, p->conf->advertise, sizeof(m.p[0]) * m.n);
	proc_compose(&p->b.ps, HAMD_PROC_TUN, IMSG_TUN_ADVERTISE, 0, -1, &m,
	    sizeof(m));
	for (i = 0; i < p->conf->nadvertise; i++)
		if (p->conf->advertise_masq[i])
			masq[n++] = p->conf->advertise[i];
	subnet_masq_conf(&p->subnet, &p->net, masq, n);
}

static void
hub_configure_tun(struct parent *p)
{
	struct tun_hub_msg	 th;

	if (!p->conf->hub.enabled)
		return;
	memset(&th, 0, sizeof(th));
	memcpy(th.hub_pub, p->conf->hub.pubkey, sizeof(th.hub_pub));
	th.udp_port = p->net.port;
	th.keepalive = p->conf->hub.keepalive;
	(void)strlcpy(th.nick, p->conf->hub.nickname, sizeof(th.nick));
	th.names = p->conf->dns_domain[0] != '\0';
	proc_compose(&p->b.ps, HAMD_PROC_TUN, IMSG_TUN_HUB, 0, -1, &th,
	    sizeof(th));
	advertise_send(p);
}

/*
 * Where peers may reach us, for tun to tell the hub: sent when it
 * changes (NAT discovery, a reload, interfaces seen by the periodic
 * look), and only with a hub.
 */
static void
candidates_update(struct parent *p)
{
	struct hub_candidates	 c;
	char			 a[INET6_ADDRSTRLEN + 8];
	unsigned int		 i;

	if (!p->conf->hub.enabled)
		return;
	netconf_candidates(&p->net, p->conf, &p->nat, &c);
	if (p->cands_sent && memcmp(&c, &p->cands, sizeof(c)) == 0)
		return;
	p->cands = c;
	p->cands_sent = 1;
	for (i = 0; i < c.n; i++)
		log_debug("candidate %u: %s %s", i, c.c[i].kind ==
		    HUB_CAND_LAN ? "lan" : c.c[i].kind == HUB_CAND_PUBLIC ?
		    "public" : "forward", pkt_addr_str(&c.c[i].addr, a,
		    sizeof(a)));
	proc_compose(&p->b.ps, HAMD_PROC_TUN, IMSG_TUN_CANDIDATES, 0, -1, &c,
	    sizeof(c));
}

static void
candidates_recheck(int fd, short ev, void *arg)
{
	candidates_update(arg);
}

static void
hub_state_update(struct parent *p, struct imsg *imsg)
{
	struct hub_state_msg	 st;
	struct ip_prefix	 want[2];
	char			 err[200], q[220];

	(void)imsg_get_data(imsg, &st, sizeof(st));
	st.reason[sizeof(st.reason) - 1] = '\0';
	if (st.state < 0 || st.state >= HUB_STATE_MAX)
		fatalx("tun sent hub state %d", st.state);
	p->hub = st;
	if (st.state != HUB_STATE_ONLINE)
		return;
	/*
	 * tun checked the hub's pools.  Routes are the parent's to set,
	 * as root: it does not act on less than the same check, so that
	 * not even a compromised tun can route public traffic into the
	 * tunnel.
	 */
	if (overlay_check(&st.addr, want, err, sizeof(err)) == -1 ||
	    netconf_overlay_clear(&p->net, want, err, sizeof(err)) == -1) {
		(void)snprintf(p->overlay_warning, sizeof(p->overlay_warning),
		    "%s: not set", err);
		log_warnx("tun reported %s; not set", err);
		audit("overlay-refused", "reason=%s",
		    log_quote(err, q, sizeof(q)));
		return;
	}
	netconf_overlay_apply(&p->net, want, p->overlay_warning,
	    sizeof(p->overlay_warning));
	dns_bind(p);
}

/*
 * The member-name responder: a UDP socket on each overlay address,
 * port 53, bound here (the engine cannot) and answered by the engine.
 * A new address gets a new socket; one that cannot be bound is logged
 * and left out.
 */
static void
dns_bind(struct parent *p)
{
	struct engine_dns_msg	 m;
	struct ip_prefix	 srv[2];
	union sockunion		 su;
	struct pkt_addr		 a;
	socklen_t		 sl;
	char			 b[PREFIX_STRLEN];
	int			 i, j, fd, n = 0, bound = 0;

	if (p->conf->dns_domain[0] == '\0')
		return;
	for (i = 0; i < p->net.noverlay; i++) {
		j = p->net.overlay[i].af == AF_INET ? 0 : 1;
		if (memcmp(&p->dns_bound[j], &p->net.overlay[i],
		    sizeof(p->dns_bound[j])) == 0)
			continue;
		memset(&a, 0, sizeof(a));
		a.af = (uint8_t)p->net.overlay[i].af;
		a.port = htons(53);
		memcpy(a.addr, &p->net.overlay[i].addr, j == 0 ? 4 : 16);
		sl = addr_to_sockaddr(&a, &su);
		prefix_str(&p->net.overlay[i], b, sizeof(b));
		if ((fd = socket(a.af, SOCK_DGRAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0)) == -1 ||
		    bind(fd, (struct sockaddr *)&su, sl) == -1) {
			log_warn("member names: cannot answer on %s port 53",
			    b);
			if (fd != -1)
				(void)close(fd);
			continue;
		}
		memset(&m, 0, sizeof(m));
		m.af = a.af;
		(void)strlcpy(m.domain, p->conf->dns_domain, sizeof(m.domain));
		proc_compose(&p->b.ps, HAMD_PROC_ENGINE, IMSG_ENGINE_DNS, 0, fd,
		    &m, sizeof(m));
		p->dns_bound[j] = p->net.overlay[i];
		bound = 1;
		log_info("member names: *.%s answered on %s port 53",
		    p->conf->dns_domain, b);
	}
	if (!bound)
		return;
	/* Registered again with both, whichever is new. */
	for (j = 0; j < 2; j++)
		if (p->dns_bound[j].af != 0)
			srv[n++] = p->dns_bound[j];
	resolvereg_set(&p->resolved, (int)p->net.tun.ifindex, p->net.tun.name,
	    srv, n, p->conf->dns_domain);
}

/* ---- subnet routes -------------------------------------------------- */

static void
routes_offer(struct parent *p, struct imsg *imsg)
{
	struct routes_msg	 m, out;

	(void)imsg_get_data(imsg, &m, sizeof(m));
	if (subnet_offer(&p->subnet, &p->net, &m, &out))
		proc_compose(&p->b.ps, HAMD_PROC_TUN, IMSG_ROUTES_SET, 0, -1,
		    &out, sizeof(out));
}

_Static_assert(CONF_MAX_ADVERTISE == HUB_ROUTES_MAX, "advertise-route");

struct route_reply {
	struct parent	*p;
	uint32_t	 client;
};

static void
route_row(void *arg, const struct ctl_route *r)
{
	struct route_reply	*rr = arg;

	proc_compose(&rr->p->b.ps, HAMD_PROC_CONTROL, IMSG_CTL_ROUTE,
	    rr->client, -1, r, sizeof(*r));
}

/* Requests other than reload and log level (the framework's). */
static void
parent_dispatch_control(struct privsep *ps, int from, struct imsg *imsg)
{
	struct parent	*p = ps->arg;
	uint32_t	 client = imsg->hdr.peerid;
	char		 msg[CTL_MSG_MAX];

	switch (imsg->hdr.type) {
	case IMSG_CTL_STATUS:
		reply_status(p, client);
		break;
	case IMSG_CTL_ROUTES: {
		struct route_reply	 rr = { p, client };

		subnet_list(&p->subnet, route_row, &rr);
		parent_reply_result(&p->b, client, 0, "routes listed");
		break;
	}
	case IMSG_CTL_MASQ: {
		struct ctl_masq	 m;

		memcpy(&m, (uint8_t *)imsg->data + sizeof(struct ctl_cred),
		    sizeof(m));
		if (subnet_masq_ctl(&p->subnet, &p->net, &m.prefix,
		    m.on != 0, msg, sizeof(msg)) == -1)
			parent_reply_result(&p->b, client, EINVAL, msg);
		else
			parent_reply_result(&p->b, client, 0, msg);
		break;
	}
	case IMSG_CTL_CONFINE: {
		struct ctl_exit	 ce;

		memcpy(&ce, (uint8_t *)imsg->data + sizeof(struct ctl_cred),
		    sizeof(ce));
		if (subnet_confine(&p->subnet, &p->net, ce.cgroup, ce.level,
		    (ce.flags & CTL_EXIT_END) != 0, msg, sizeof(msg)) == -1)
			parent_reply_result(&p->b, client, EBUSY, msg);
		else
			parent_reply_result(&p->b, client, 0, msg);
		break;
	}
	case IMSG_CTL_HUBD_STATUS:
		parent_reply_result(&p->b, client, EOPNOTSUPP, "this is hamd's "
		    "socket: hub commands go to hamhubd's (hamctl -s "
		    "/run/hamhubd.sock hub ...)");
		break;
	default:
		fatalx("%s: unexpected message %s", __func__,
		    proc_msg_name(ps, imsg->hdr.type));
	}
}

static void
parent_dispatch_tun(struct privsep *ps, int from, struct imsg *imsg)
{
	struct parent	*p = ps->arg;
	char		 b64[KEY_B64_LEN + 1];

	switch (imsg->hdr.type) {
	case IMSG_TUN_PUBKEY:
		(void)imsg_get_data(imsg, p->pubkey, sizeof(p->pubkey));
		p->have_pubkey = 1;
		netconf_tap_key(&p->net, p->pubkey);
		key_to_base64(b64, p->pubkey);
		log_info("node public key %s", b64);
		break;
	case IMSG_HUB_STATE:
		hub_state_update(p, imsg);
		break;
	case IMSG_ROUTES_OFFER:
		routes_offer(p, imsg);
		break;
	case IMSG_EXIT_OFFER: {
		struct exit_msg	 m, out;
		char		 msg[CTL_MSG_MAX];

		(void)imsg_get_data(imsg, &m, sizeof(m));
		subnet_exit(&p->subnet, &p->net, &m, &out, msg, sizeof(msg));
		proc_compose(&p->b.ps, HAMD_PROC_TUN, IMSG_EXIT_SET, 0, -1,
		    &out, sizeof(out));
		if (m.client != 0)
			parent_reply_result(&p->b, m.client, out.ok ? 0 : EIO,
			    msg);
		break;
	}
	default:
		fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
	}
}

/* ---- NAT discovery -------------------------------------------------- */

/* 1 if a is one of this machine's addresses with our UDP port. */
static int
nat_is_own(const struct parent *p, const struct pkt_addr *a)
{
	struct ifaddrs		*ifa, *i;
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	int			 own = 0;

	if (ntohs(a->port) != p->net.port)
		return 0;
	if (getifaddrs(&ifa) == -1) {
		log_warn("%s: getifaddrs", __func__);
		return 0;
	}
	for (i = ifa; i != NULL && !own; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != a->af)
			continue;
		if (a->af == AF_INET) {
			sin = (const struct sockaddr_in *)(void *)i->ifa_addr;
			own = memcmp(&sin->sin_addr, a->addr, 4) == 0;
		} else {
			sin6 = (const struct sockaddr_in6 *)(void *)
			    i->ifa_addr;
			own = memcmp(&sin6->sin6_addr, a->addr, 16) == 0;
		}
	}
	freeifaddrs(ifa);
	return own;
}

static const char *
nat_ep_str(const struct pkt_addr *a, char *buf, size_t len)
{
	char	 ip[INET6_ADDRSTRLEN];

	if (inet_ntop(a->af, a->addr, ip, sizeof(ip)) == NULL)
		(void)strlcpy(ip, "?", sizeof(ip));
	(void)snprintf(buf, len, a->af == AF_INET6 ? "[%s]:%u" : "%s:%u", ip,
	    ntohs(a->port));
	return buf;
}

static int
nat_ep_sane(const struct pkt_addr *a)
{
	return (a->af == AF_INET || a->af == AF_INET6) && a->port != 0;
}

/*
 * The engine's verdict of one round.  Only the parent knows the
 * machine's own addresses, so it alone tells "no NAT" from an
 * endpoint-independent NAT.  A change is logged; a repeat is not.
 */
static void
nat_state_update(struct parent *p, struct imsg *imsg)
{
	struct nat_state_msg	 m;
	char			 a[INET6_ADDRSTRLEN + 8];
	char			 b[INET6_ADDRSTRLEN + 8];
	int			 changed;

	(void)imsg_get_data(imsg, &m, sizeof(m));
	switch (m.kind) {
	case NAT_INDEPENDENT:
	case NAT_DEPENDENT:
		if (!nat_ep_sane(&m.public_ep) || !nat_ep_sane(&m.second_ep) ||
		    m.public_ep.af != m.second_ep.af)
			fatalx("engine sent NAT endpoints of families %u "
			    "and %u", m.public_ep.af, m.second_ep.af);
		break;
	case NAT_NO_ANSWER:
		if (m.public_ep.af != 0 || m.second_ep.af != 0 ||
		    m.filter != NAT_FILTER_UNKNOWN)
			fatalx("engine sent endpoints with no answer");
		break;
	default:
		fatalx("engine sent NAT kind %d", m.kind);
	}
	if (m.filter < 0 || m.filter >= NAT_FILTER_MAX)
		fatalx("engine sent NAT filtering %d", m.filter);
	if (m.kind == NAT_INDEPENDENT && nat_is_own(p, &m.public_ep))
		m.kind = NAT_NONE;
	if (m.filter != p->nat.filter && m.filter != NAT_FILTER_UNKNOWN)
		log_info("NAT filtering: %s", m.filter == NAT_FILTER_PORT ?
		    "address-and-port-dependent (only what answers this "
		    "node's own packets gets in)" : "an answer from a port "
		    "this node never sent to got in");
	changed = m.kind != p->nat.kind ||
	    memcmp(&m.public_ep, &p->nat.public_ep, sizeof(m.public_ep)) != 0 ||
	    memcmp(&m.second_ep, &p->nat.second_ep, sizeof(m.second_ep)) != 0;
	p->nat = m;
	if (!changed)
		return;
	candidates_update(p);
	switch (m.kind) {
	case NAT_NONE:
		log_info("NAT: none, public endpoint %s",
		    nat_ep_str(&m.public_ep, a, sizeof(a)));
		break;
	case NAT_INDEPENDENT:
		log_info("NAT: endpoint-independent mapping, public endpoint "
		    "%s", nat_ep_str(&m.public_ep, a, sizeof(a)));
		break;
	case NAT_DEPENDENT:
		log_info("NAT: endpoint-dependent mapping (symmetric NAT): "
		    "the hub saw %s and %s",
		    nat_ep_str(&m.public_ep, a, sizeof(a)),
		    nat_ep_str(&m.second_ep, b, sizeof(b)));
		break;
	default:
		log_info("NAT: no answer from the hub's UDP ports (UDP "
		    "blocked?)");
		break;
	}
}

static void
parent_dispatch_engine(struct privsep *ps, int from, struct imsg *imsg)
{
	switch (imsg->hdr.type) {
	case IMSG_HUB_CONNECT:
		hub_socket_send(ps->arg);
		break;
	case IMSG_NAT_STATE:
		nat_state_update(ps->arg, imsg);
		break;
	default:
		fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
	}
}

static void
logout_done(int fd, short ev, void *arg)
{
	struct parent	*p = arg;

	parent_shutdown(&p->b, 0);
}

/*
 * A node that stops on purpose logs out first, so that its peers tear
 * their tunnels down now instead of checking its liveness.  The logout
 * travels tun -> engine -> hub in order; a short grace lets it leave.
 */
static void
hamd_stop(struct parent_base *b)
{
	struct parent	*p = (struct parent *)b;
	struct timeval	 tv = { 0, LOGOUT_GRACE_MS * 1000 };

	if (p->hub.state != HUB_STATE_ONLINE || p->ev_logout != NULL) {
		parent_shutdown(&p->b, 0);
		return;
	}
	proc_compose(&p->b.ps, HAMD_PROC_TUN, IMSG_HUB_LOGOUT, 0, -1, NULL, 0);
	if ((p->ev_logout = evtimer_new(p->b.ps.base, logout_done, p)) ==
	    NULL || evtimer_add(p->ev_logout, &tv) == -1)
		parent_shutdown(&p->b, 0);
}

/* ---- the program ---------------------------------------------------- */

/* Listing networks and members reads; every other hub request changes. */
static enum ctl_need
hub_request_need(const void *data, size_t len)
{
	const struct hub_request	*r = data;

	if (len == sizeof(*r) && (r->op == HUB_OP_NETWORKS ||
	    r->op == HUB_OP_MEMBERS || r->op == HUB_OP_ROUTES))
		return NEED_READ;
	return NEED_ADMIN;
}

/* What hamctl may ask, who may ask it, and which process answers. */
static const struct ctl_request hamd_ctl_requests[] = {
	{ .type = IMSG_CTL_STATUS, .name = "status", .need = NEED_READ,
	    .to = PROC_PARENT },
	{ .type = IMSG_CTL_RELOAD, .name = "reload", .need = NEED_ADMIN,
	    .to = PROC_PARENT },
	{ .type = IMSG_CTL_LOG_VERBOSE, .name = "log", .need = NEED_ADMIN,
	    .len = sizeof(int32_t), .to = PROC_PARENT },
	{ .type = IMSG_CTL_PEERS, .name = "peers", .need = NEED_READ,
	    .to = HAMD_PROC_TUN },
	{ .type = IMSG_CTL_ENGINE, .name = "engine", .need = NEED_READ,
	    .to = HAMD_PROC_ENGINE },
	{ .type = IMSG_CTL_ROUTES, .name = "routes", .need = NEED_READ,
	    .to = PROC_PARENT },
	{ .type = IMSG_CTL_EXIT, .name = "exit", .need = NEED_ADMIN,
	    .len = sizeof(struct ctl_exit), .to = HAMD_PROC_TUN },
	{ .type = IMSG_CTL_RUN, .name = "run", .need = NEED_ADMIN,
	    .len = sizeof(struct ctl_exit), .to = HAMD_PROC_TUN },
	{ .type = IMSG_CTL_CONFINE, .name = "run (tunnel only)",
	    .need = NEED_ADMIN, .len = sizeof(struct ctl_exit),
	    .to = PROC_PARENT },
	{ .type = IMSG_CTL_MASQ, .name = "masquerade", .need = NEED_ADMIN,
	    .len = sizeof(struct ctl_masq), .to = PROC_PARENT },
	{ .type = IMSG_CTL_LAN, .name = "lan", .need = NEED_READ,
	    .to = HAMD_PROC_TUN },
	{ .type = IMSG_CTL_HUBD_STATUS, .name = "hub status",
	    .need = NEED_READ, .to = PROC_PARENT },
	{ .type = IMSG_CTL_HUB_REQ, .name = "hub request", .need = NEED_ADMIN,
	    .len = sizeof(struct hub_request), .to = HAMD_PROC_TUN,
	    .need_of = hub_request_need },
	/* control itself subscribes the connection to the events */
	{ .type = IMSG_CTL_MONITOR, .name = "monitor", .need = NEED_READ,
	    .to = HAMD_PROC_CONTROL },
};

static const struct control_program hamd_control = {
	.requests = hamd_ctl_requests,
	.nrequests = nitems(hamd_ctl_requests),
	.conffile = "hamd.conf",
	.monitor = IMSG_CTL_MONITOR,
	.event = IMSG_CTL_EVENT,
};

static void
control_run(struct privsep *ps)
{
	control_main(ps, &hamd_control);
}

static const struct proc_desc hamd_procs[PROC_MAX] = {
	[PROC_PARENT] = { "parent", NULL },
	[HAMD_PROC_CONTROL] = { "control", control_run },
	[HAMD_PROC_ENGINE] = { "engine", engine_run },
	[HAMD_PROC_TUN] = { "tun", tun_run },
	[HAMD_PROC_WEB] = { "web", web_run, .optional = 1 },
};


static void *
hamd_parse(const char *file, const char *opt_socket)
{
	return parse_config(file, opt_socket);
}

static void
hamd_free(void *conf)
{
	config_free(conf);
}

static void
hamd_settings(const void *c, struct parent_settings *set)
{
	const struct hamd_config	*conf = c;

	set->user = conf->user;
	set->chroot_dir = conf->chroot_dir;
	set->socket_path = conf->socket_path;
	set->admin_group = conf->admin_group;
	set->read_access = conf->read_access;
	set->verbose = conf->verbose;
	if (config_private_key_path(conf, set->keypath,
	    sizeof(set->keypath)) == NULL)
		fatalx("private key path is too long");
	set->key_may_create = conf->private_key_file[0] == '\0';
	set->web = conf->web;
}

static void
hamd_prepare(struct parent_base *b, uid_t uid, gid_t gid)
{
	struct parent	*p = (struct parent *)b;
	char		 err[512];

	p->conf = b->conf;
	state_dir_prepare(p->conf);
	if (netconf_check_psks(p->conf, err, sizeof(err)) == -1)
		fatalx("%s", err);
}

static int
hamd_setup(struct parent_base *b, char *err, size_t errlen)
{
	struct parent	*p = (struct parent *)b;

	subnet_init(&p->subnet);
	if (netconf_setup(&p->net, p->conf, err, errlen) == -1)
		return -1;
	subnet_clean(&p->subnet, &p->net);
	if (p->conf->dns_domain[0] != '\0') {
		resolvereg_init(&p->resolved);
		if (!p->resolved.ours)
			log_info("member names: not registered with "
			    "systemd-resolved: %s", p->resolved.why);
	}
	return 0;
}

/* Rules and forwarding back as they were, however hamd ends. */
static void
hamd_finish(struct parent_base *b)
{
	struct parent	*p = (struct parent *)b;

	subnet_shutdown(&p->subnet, &p->net);
	resolvereg_revert(&p->resolved);
}

/*
 * The shared memory tun and engine pass batches through: made here, so
 * that neither child needs memfd_create, ftruncate or fcntl, and sealed
 * at its size, so that neither can shrink it under the other (an access
 * past the end would kill the other with SIGBUS).  Without it (a kernel
 * without memfd) batches go over the socketpair as before.
 */
static void
ring_send(struct parent *p)
{
	struct ring_msg	 rm;
	int		 fd, fd2;

	if ((fd = memfd_create("hamd-ring", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING)) == -1) {
		log_warn("memfd_create: batches go over the socketpair");
		return;
	}
	if (ftruncate(fd, (off_t)PKTRING_MAP_LEN) == -1 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_SEAL) == -1 || (fd2 = dup(fd)) == -1) {
		log_warn("the shared ring: batches go over the socketpair");
		(void)close(fd);
		return;
	}
	memset(&rm, 0, sizeof(rm));
	rm.size = PKTRING_SIZE;
	proc_compose(&p->b.ps, HAMD_PROC_TUN, IMSG_RING, 0, fd, &rm,
	    sizeof(rm));
	proc_compose(&p->b.ps, HAMD_PROC_ENGINE, IMSG_RING, 0, fd2, &rm,
	    sizeof(rm));
}

static void
hamd_start(struct parent_base *b)
{
	struct parent	*p = (struct parent *)b;

	ring_send(p);
	netconf_send_devices(&p->net, &p->b.ps, p->conf);
	netconf_send_peers(&p->net, &p->b.ps, p->conf);
	hub_configure_tun(p);
	candidates_update(p);
	netconf_send_tap(&p->net, &p->b.ps);
	if (p->conf->hub.enabled) {
		struct timeval	 tv = { CANDIDATES_RECHECK_S, 0 };

		if ((p->ev_cands = event_new(p->b.ps.base, -1, EV_PERSIST,
		    candidates_recheck, p)) == NULL ||
		    event_add(p->ev_cands, &tv) == -1)
			fatalx("cannot start the candidates timer");
	}
	hub_socket_send(p);
	if (proc_running(&p->b.ps, HAMD_PROC_WEB)) {
		struct timeval	 tv = { 1, 0 };

		if ((p->ev_web = event_new(p->b.ps.base, -1, EV_PERSIST,
		    web_status, p)) == NULL ||
		    event_add(p->ev_web, &tv) == -1)
			fatalx("cannot start the web timer");
	}
}

/* CAP_NET_BIND_SERVICE: the member-name responder's port 53. */
static const int hamd_caps[] = { CAP_NET_ADMIN, CAP_KILL,
	CAP_NET_BIND_SERVICE };

static const struct proc_peer hamd_parent_peers[] = {
	{ HAMD_PROC_ENGINE, parent_dispatch_engine },
	{ HAMD_PROC_TUN, parent_dispatch_tun },
};

static const struct parent_program hamd_program = {
	.name = "hamd",
	.usage = "[-dnv] [-f file] [-s socket]",
	.conffile = CONF_DEFAULT_FILE,
	.procs = hamd_procs,
	.web = HAMD_PROC_WEB,
	.webtype = IMSG_WEB_LISTENER,
	.rules = hamd_msg_rules,
	.nrules = HAMD_IMSG_MAX,
	.control = HAMD_PROC_CONTROL,
	.keyproc = HAMD_PROC_TUN,
	.keytype = IMSG_TUN_PRIVKEY,
	.keywhat = "node",
	.caps = hamd_caps,
	.ncaps = nitems(hamd_caps),
	.policy = &policy_hamd_parent,
	.peers = hamd_parent_peers,
	.npeers = nitems(hamd_parent_peers),
	.control_request = parent_dispatch_control,
	.parse = hamd_parse,
	.free = hamd_free,
	.settings = hamd_settings,
	.prepare = hamd_prepare,
	.setup = hamd_setup,
	.start = hamd_start,
	.reload = hamd_reload,
	.stop = hamd_stop,
	.finish = hamd_finish,
};

int
main(int argc, char *argv[])
{
	static struct parent	 p;

	return parent_main(&hamd_program, &p.b, argc, argv);
}
