/*
 * hamd: the parent process.  It loads the configuration, creates what
 * needs root (state directory, key file, control socket, later the TUN
 * device and the UDP sockets), spawns the children, hands each one the
 * part it needs, then keeps only CAP_NET_ADMIN and CAP_KILL and
 * supervises: a child that dies ends the daemon.
 */
#include "autoconf.h"

#include <sys/capability.h>
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

#include "config.h"
#include "hamd.h"
#include "key.h"
#include "log.h"
#include "netconf.h"
#include "parent.h"
#include "proc.h"
#include "sandbox.h"

/* How long a logout gets to reach the hub before the children stop. */
#define LOGOUT_GRACE_MS	300
/* Interfaces come and go without telling us: look again this often. */
#define CANDIDATES_RECHECK_S	30

struct parent {
	struct parent_base	 b;	/* first: ps->arg points to both */
	struct hamd_config	*conf;
	const char		*conffile;
	const char		*opt_socket;
	int			 opt_verbose;
	int			 ctl_sock;
	time_t			 started;
	uint8_t			 pubkey[KEY_LEN];
	int			 have_pubkey;
	struct event		*ev_sig[4];
	struct hub_state_msg	 hub;		/* as tun last reported */
	char			 overlay_warning[CTL_MSG_MAX];
	struct event		*ev_hub_retry;
	struct event		*ev_logout;
	struct netconf		 net;
	struct nat_state_msg	 nat;		/* NAT discovery, refined */
	struct hub_candidates	 cands;		/* as last sent to tun */
	int			 cands_sent;
	struct event		*ev_cands;
};

static void	candidates_update(struct parent *);

static __dead void
usage(void)
{
	fprintf(stderr, "usage: hamd [-dnv] [-f file] [-s socket]\n");
	exit(1);
}

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

static void
send_control_conf(struct parent *p, const struct conf_control *cc)
{
	proc_compose(&p->b.ps, HAMD_PROC_CONTROL, IMSG_CONF_CONTROL, 0, -1,
	    cc, sizeof(*cc));
}

static int
effective_verbose(const struct parent *p, const struct hamd_config *conf)
{
	return p->opt_verbose > conf->verbose ? p->opt_verbose : conf->verbose;
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

/* Returns 0 or an errno value, with a message for the caller in msg. */
static int
parent_reload(struct parent *p, char *msg, size_t msglen)
{
	struct hamd_config	*nconf;
	struct conf_control	 cc;
	char			 err[512];

	log_info("reloading configuration from %s", p->conffile);
	if ((nconf = parse_config(p->conffile, p->opt_socket)) == NULL) {
		(void)snprintf(msg, msglen, "%s has errors (see the hamd "
		    "log); the running configuration is kept", p->conffile);
		return EINVAL;
	}
	if (parent_conf_control(nconf->admin_group, nconf->read_access,
	    p->conffile, &cc) == -1) {
		config_free(nconf);
		(void)snprintf(msg, msglen, "admin-group of %s does not "
		    "exist; the running configuration is kept", p->conffile);
		return EINVAL;
	}
	if (netconf_check_psks(nconf, err, sizeof(err)) == -1) {
		log_warnx("reload: %s", err);
		config_free(nconf);
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
	config_free(p->conf);
	p->conf = nconf;
	send_control_conf(p, &cc);
	netconf_send_peers(&p->net, &p->b.ps, nconf);
	candidates_update(p);	/* public-endpoint may have changed */
	parent_broadcast_verbose(&p->b, effective_verbose(p, nconf));
	(void)snprintf(msg, msglen, "configuration reloaded from %s",
	    p->conffile);
	return 0;
}

static void
reply_result(struct parent *p, uint32_t client, int code, const char *msg)
{
	struct ctl_result	 r;

	memset(&r, 0, sizeof(r));
	r.code = code;
	(void)strlcpy(r.msg, msg, sizeof(r.msg));
	proc_compose(&p->b.ps, HAMD_PROC_CONTROL, IMSG_CTL_RESULT, client, -1,
	    &r, sizeof(r));
}

static void
reply_status(struct parent *p, uint32_t client)
{
	struct ctl_status	 s;
	int			 i;

	memset(&s, 0, sizeof(s));
	(void)strlcpy(s.version, PACKAGE_VERSION, sizeof(s.version));
	s.uptime = (int64_t)(time(NULL) - p->started);
	if (p->have_pubkey)
		key_to_base64(s.pubkey, p->pubkey);
	s.verbose = (uint8_t)log_getverbose();
	s.nprocs = PROC_MAX;
	for (i = 0; i < PROC_MAX; i++) {
		(void)strlcpy(s.procs[i].name, p->b.ps.procs[i].name,
		    sizeof(s.procs[i].name));
		s.procs[i].pid = p->b.ps.pids[i];
	}
	s.hub_state = p->hub.state;
	s.hub_since = p->hub.since;
	if (p->conf->hub.enabled)
		(void)snprintf(s.hub, sizeof(s.hub), "%s%s%s port %u",
		    strchr(p->conf->hub.host, ':') != NULL ? "[" : "",
		    p->conf->hub.host,
		    strchr(p->conf->hub.host, ':') != NULL ? "]" : "",
		    p->conf->hub.port);
	(void)strlcpy(s.hub_reason, p->hub.reason, sizeof(s.hub_reason));
	s.hub_addr = p->hub.addr;
	(void)strlcpy(s.overlay_warning, p->overlay_warning,
	    sizeof(s.overlay_warning));
	s.nat = p->nat;
	proc_compose(&p->b.ps, HAMD_PROC_CONTROL, IMSG_CTL_STATUS_REPLY, client,
	    -1, &s, sizeof(s));
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
	proc_compose(&p->b.ps, HAMD_PROC_TUN, IMSG_TUN_HUB, 0, -1, &th,
	    sizeof(th));
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

	(void)imsg_get_data(imsg, &st, sizeof(st));
	st.reason[sizeof(st.reason) - 1] = '\0';
	if (st.state < 0 || st.state >= HUB_STATE_MAX)
		fatalx("tun sent hub state %d", st.state);
	/* tun checked the hub's pools; the parent does not act on less. */
	if (st.state == HUB_STATE_ONLINE && (st.addr.v4_plen < 8 ||
	    st.addr.v4_plen > 30 || st.addr.v6_plen < 48 ||
	    st.addr.v6_plen > 124))
		fatalx("tun sent overlay prefixes /%u and /%u",
		    st.addr.v4_plen, st.addr.v6_plen);
	p->hub = st;
	if (st.state == HUB_STATE_ONLINE)
		netconf_overlay_apply(&p->net, &st.addr, p->overlay_warning,
		    sizeof(p->overlay_warning));
}

static void
parent_dispatch_control(struct privsep *ps, int from, struct imsg *imsg)
{
	struct parent	*p = ps->arg;
	struct ctl_cred	 cred;
	uint32_t	 client = imsg->hdr.peerid;
	char		 msg[CTL_MSG_MAX];
	int32_t		 v;
	int		 code;

	memcpy(&cred, imsg->data, sizeof(cred));
	switch (imsg->hdr.type) {
	case IMSG_CTL_STATUS:
		reply_status(p, client);
		break;
	case IMSG_CTL_HUBD_STATUS:
		reply_result(p, client, EOPNOTSUPP, "this is hamd's socket: "
		    "hub commands go to hamhubd's (hamctl -s "
		    "/run/hamhubd.sock hub ...)");
		break;
	case IMSG_CTL_RELOAD:
		code = parent_reload(p, msg, sizeof(msg));
		audit("reload", "uid=%u pid=%d via=control result=%s",
		    cred.uid, cred.pid, code == 0 ? "ok" : "rejected");
		reply_result(p, client, code, msg);
		break;
	case IMSG_CTL_LOG_VERBOSE:
		memcpy(&v, imsg->data + sizeof(cred), sizeof(v));
		if (v != 0 && v != 1)
			fatalx("control sent log level %d", v);
		parent_broadcast_verbose(&p->b, v);
		audit("log-level", "uid=%u pid=%d level=%s", cred.uid,
		    cred.pid, v ? "verbose" : "brief");
		reply_result(p, client, 0, v ? "log level is now verbose" :
		    "log level is now brief");
		break;
	default:
		fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
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
		key_to_base64(b64, p->pubkey);
		log_info("node public key %s", b64);
		break;
	case IMSG_HUB_STATE:
		hub_state_update(p, imsg);
		break;
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
		if (m.public_ep.af != 0 || m.second_ep.af != 0)
			fatalx("engine sent endpoints with no answer");
		break;
	default:
		fatalx("engine sent NAT kind %d", m.kind);
	}
	if (m.kind == NAT_INDEPENDENT && nat_is_own(p, &m.public_ep))
		m.kind = NAT_NONE;
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
parent_stop(struct parent *p)
{
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

static void
parent_signal(int sig, short ev, void *arg)
{
	struct parent	*p = arg;
	char		 msg[CTL_MSG_MAX];
	int		 code;

	switch (sig) {
	case SIGCHLD:
		parent_sigchld(&p->b);
		break;
	case SIGHUP:
		code = parent_reload(p, msg, sizeof(msg));
		if (code != 0)
			log_warnx("%s", msg);
		audit("reload", "uid=%u via=SIGHUP result=%s", 0U,
		    code == 0 ? "ok" : "rejected");
		break;
	case SIGINT:
	case SIGTERM:
		log_info("received %s, shutting down", signame(sig));
		parent_stop(p);
		break;
	}
}

static void
parent_on_close(struct privsep *ps, int peer)
{
	/* The death itself is reported from SIGCHLD. */
	proc_close(ps, peer);
}

static __dead void
child_main(const char *name, const char *user, const char *dir,
    int verbose)
{
	struct privsep	 ps;

	memset(&ps, 0, sizeof(ps));
	ps.procs = hamd_procs;
	ps.rules = hamd_msg_rules;
	ps.nrules = IMSG_MAX_TYPE;
	if ((ps.id = proc_lookup(&ps, name)) <= PROC_PARENT)
		fatalx("unknown process name %s", name);
	if (user == NULL || dir == NULL)
		fatalx("-P needs -U and -C: it is for hamd's own use");
	ps.user = user;
	ps.chroot_dir = dir;
	ps.verbose = verbose;
	log_init("hamd", 1, verbose);
	log_procname(name);
	proc_child_fds(&ps);
	ps.procs[ps.id].run(&ps);
	exit(0);
}

int
main(int argc, char *argv[])
{
	struct parent		 p;
	struct conf_control	 cc;
	uint8_t			 priv[KEY_LEN];
	const char		*procname = NULL, *puser = NULL, *pdir = NULL;
	char			 err[512], keypath[PATH_MAX];
	uid_t			 uid;
	gid_t			 gid;
	int			 ch, foreground = 0, noaction = 0, verbose = 0;
	int			 sigs[4] = { SIGCHLD, SIGHUP, SIGINT, SIGTERM };
	int			 keep[] = { CAP_NET_ADMIN, CAP_KILL };
	int			 i;

	memset(&p, 0, sizeof(p));
	p.conffile = CONF_DEFAULT_FILE;
	while ((ch = getopt(argc, argv, "C:df:nP:s:U:v")) != -1) {
		switch (ch) {
		case 'C':
			pdir = optarg;
			break;
		case 'd':
			foreground = 1;
			break;
		case 'f':
			p.conffile = optarg;
			break;
		case 'n':
			noaction = 1;
			break;
		case 'P':
			procname = optarg;
			break;
		case 's':
			p.opt_socket = optarg;
			break;
		case 'U':
			puser = optarg;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (procname != NULL)
		child_main(procname, puser, pdir, verbose);

	log_init("hamd", 1, verbose);
	log_procname("parent");
	if (sodium_init() < 0)
		fatalx("libsodium failed to initialise");
	if ((p.conf = parse_config(p.conffile, p.opt_socket)) == NULL)
		fatalx("%s: configuration has errors, not starting",
		    p.conffile);
	if (parent_conf_control(p.conf->admin_group, p.conf->read_access,
	    p.conffile, &cc) == -1)
		fatalx("%s: configuration has errors, not starting",
		    p.conffile);
	if (noaction) {
		fprintf(stderr, "configuration OK\n");
		exit(0);
	}
	if (geteuid() != 0)
		fatalx("hamd must be started as root: it drops its privileges "
		    "itself");
	if (sandbox_lookup_user(p.conf->user, &uid, &gid, err,
	    sizeof(err)) == -1)
		fatalx("%s", err);
	state_dir_prepare(p.conf);
	if (sandbox_check_chroot(p.conf->chroot_dir, err, sizeof(err)) == -1)
		fatalx("%s", err);
	p.opt_verbose = verbose;
	if (netconf_check_psks(p.conf, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (config_private_key_path(p.conf, keypath, sizeof(keypath)) == NULL)
		fatalx("private key path is too long");
	parent_key_load(keypath, p.conf->private_key_file[0] == '\0', "node",
	    priv);
	p.b.progname = "hamd";
	p.ctl_sock = parent_ctl_socket_open(&p.b, p.conf->socket_path);
	if (netconf_setup(&p.net, p.conf, err, sizeof(err)) == -1) {
		parent_ctl_socket_remove(&p.b);
		fatalx("%s", err);
	}

	if (!foreground) {
		if (daemon(0, 0) == -1)
			fatal("daemon");
		log_init("hamd", 0, effective_verbose(&p, p.conf));
	}
	log_setverbose(effective_verbose(&p, p.conf));
	p.started = time(NULL);

	p.b.ps.procs = hamd_procs;
	p.b.ps.rules = hamd_msg_rules;
	p.b.ps.nrules = IMSG_MAX_TYPE;
	p.b.ps.id = PROC_PARENT;
	p.b.ps.arg = &p;
	p.b.ps.user = p.conf->user;
	p.b.ps.chroot_dir = p.conf->chroot_dir;
	p.b.ps.foreground = foreground;
	p.b.ps.verbose = effective_verbose(&p, p.conf);
	(void)signal(SIGPIPE, SIG_IGN);
	proc_spawn(&p.b.ps, argc, argv);
	sandbox_parent_caps(keep, sizeof(keep) / sizeof(keep[0]));

	if ((p.b.ps.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	p.b.ps.dispatch[HAMD_PROC_CONTROL] = parent_dispatch_control;
	p.b.ps.dispatch[HAMD_PROC_ENGINE] = parent_dispatch_engine;
	p.b.ps.dispatch[HAMD_PROC_TUN] = parent_dispatch_tun;
	p.b.ps.on_close = parent_on_close;
	proc_listen(&p.b.ps);
	for (i = 0; i < 4; i++) {
		p.ev_sig[i] = evsignal_new(p.b.ps.base, sigs[i], parent_signal,
		    &p);
		if (p.ev_sig[i] == NULL || evsignal_add(p.ev_sig[i], NULL) == -1)
			fatalx("cannot install signal handlers");
	}

	send_control_conf(&p, &cc);
	proc_compose(&p.b.ps, HAMD_PROC_CONTROL, IMSG_CONTROL_SOCKET, 0,
	    p.ctl_sock, NULL, 0);
	p.ctl_sock = -1;
	proc_compose(&p.b.ps, HAMD_PROC_TUN, IMSG_TUN_PRIVKEY, 0, -1, priv,
	    sizeof(priv));
	sodium_memzero(priv, sizeof(priv));
	netconf_send_devices(&p.net, &p.b.ps, p.conf);
	netconf_send_peers(&p.net, &p.b.ps, p.conf);
	hub_configure_tun(&p);
	candidates_update(&p);
	if (p.conf->hub.enabled) {
		struct timeval	 tv = { CANDIDATES_RECHECK_S, 0 };

		if ((p.ev_cands = event_new(p.b.ps.base, -1, EV_PERSIST,
		    candidates_recheck, &p)) == NULL ||
		    event_add(p.ev_cands, &tv) == -1)
			fatalx("cannot start the candidates timer");
	}
	hub_socket_send(&p);

	log_info("started (version %s, control socket %s)", PACKAGE_VERSION,
	    p.b.ctl_path);
	audit("start", "pid=%d version=%s config=%s", (int)getpid(),
	    PACKAGE_VERSION, p.conffile);

	event_base_dispatch(p.b.ps.base);

	parent_ctl_socket_remove(&p.b);
	audit("stop", "pid=%d reason=%s", (int)getpid(),
	    p.b.exit_code == 0 ? "signal" : "child-death");
	log_info("stopped");
	config_free(p.conf);
	return p.b.exit_code;
}
