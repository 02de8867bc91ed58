/*
 * The parent's part of the data plane: the TUN device, its addresses and
 * routes, the UDP sockets, and the peers as each child needs them (keys
 * to tun, endpoints to engine).  Runs as root with CAP_NET_ADMIN.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/hamd_msg.h"
#include "daemon/lanclass.h"
#include "daemon/l2sw.h"
#include "crypto/key.h"
#include "privsep/log.h"
#include "daemon/netconf.h"

#ifndef UDP_GRO
#define UDP_GRO		104
#endif

/* Socket buffers: a burst of a few thousand datagrams must fit. */
#define UDP_SOCKBUF	(8 * 1024 * 1024)

static int
prefix_equal(const struct ip_prefix *a, const struct ip_prefix *b)
{
	return a->af == b->af && a->plen == b->plen &&
	    memcmp(&a->addr, &b->addr, a->af == AF_INET ? 4 : 16) == 0;
}

/* The routes the configuration asks for: allowed IPs outside our subnets. */
static int
wanted_routes(const struct hamd_config *conf, struct ip_prefix *out,
    int max)
{
	const struct conf_peer	*peer;
	char			 buf[PREFIX_STRLEN];
	int			 n = 0, i, j, covered;

	TAILQ_FOREACH(peer, &conf->peers, entry) {
		for (i = 0; i < peer->nallowed; i++) {
			const struct ip_prefix *a = &peer->allowed[i];

			if (a->plen == 0) {
				log_warnx("peer %s: not routing %s through the "
				    "tunnel (a default route needs policy "
				    "routing; add it yourself)", peer->name,
				    prefix_str(a, buf, sizeof(buf)));
				continue;
			}
			for (covered = 0, j = 0; j < conf->naddrs; j++)
				if (prefix_within(a, &conf->addrs[j]))
					covered = 1;
			for (j = 0; j < n; j++)
				if (prefix_equal(&out[j], a))
					covered = 1;
			if (!covered && n < max)
				out[n++] = *a;
		}
	}
	return n;
}

static int
udp_socket(int af, uint16_t port, uint16_t *bound, char *err, size_t len)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	int			 fd, one = 1, sz = UDP_SOCKBUF;
	uint32_t		 mark = NETCONF_MARK;

	if ((fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		(void)snprintf(err, len, "UDP socket: %s", strerror(errno));
		return -1;
	}
	memset(&ss, 0, sizeof(ss));
	if (af == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sl = sizeof(*sin6);
		/* One socket per family keeps the engine's addresses plain. */
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one));
	}
	if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) == -1)
		log_warn("%s: SO_MARK", __func__);
	/* FORCE: we hold CAP_NET_ADMIN, so rmem_max does not cap us. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	/*
	 * UDP GRO (Linux >= 5.0): the kernel hands the engine runs of
	 * same-size datagrams from one source as one buffer, which the
	 * engine splits; one receive then moves up to 64 KB.  Set here
	 * because the engine's seccomp filter has no setsockopt.  Without
	 * it (older kernel) every datagram is read on its own, as before.
	 */
#ifndef UDP_GRO
#define UDP_GRO 104
#endif
	if (setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof(one)) == -1)
		log_debug("%s: UDP_GRO: %s", __func__, strerror(errno));
	if (bind(fd, (struct sockaddr *)&ss, sl) == -1) {
		(void)snprintf(err, len, "cannot listen on UDP port %u (%s): "
		    "%s; choose another listen-port", port,
		    af == AF_INET ? "IPv4" : "IPv6", strerror(errno));
		(void)close(fd);
		return -1;
	}
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == -1) {
		(void)snprintf(err, len, "getsockname: %s", strerror(errno));
		(void)close(fd);
		return -1;
	}
	*bound = ntohs(af == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
	    ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

int
netconf_setup(struct netconf *nc, const struct hamd_config *conf, char *err,
    size_t len)
{
	char		 buf[PREFIX_STRLEN], what[128], tapname[IFNAMSIZ];
	int		 i, rc;
	uint16_t	 port;

	memset(nc, 0, sizeof(*nc));
	nc->sock4 = nc->sock6 = -1;
	nc->tun.fd = -1;
	nc->nl.fd = -1;
	nc->next_id = 1;
	if ((rc = nl_open(&nc->nl)) < 0) {
		(void)snprintf(err, len, "netlink: %s", strerror(-rc));
		return -1;
	}
	nc->tap.fd = -1;
	if (tundev_open(&nc->tun, conf->ifname, err, len) == -1)
		return -1;
	/*
	 * Ethernet networks come from the hub: with one, a TAP device
	 * ("ham0eth" beside ham0), up once it has its MAC (netconf_tap_key).
	 */
	if (conf->hub.enabled) {
		(void)snprintf(tapname, sizeof(tapname), "%.12seth",
		    conf->ifname);
		if (tundev_open_tap(&nc->tap, tapname, err, len) == -1)
			return -1;
		nc->tap_mtu = conf->mtu - L2_TAP_OVERHEAD;
	}
	/* Before it is up: no link-local address but the one we set. */
	if (conf->hub.enabled &&
	    (rc = nl_link_no_ll6(&nc->nl, nc->tun.ifindex)) < 0)
		log_debug("%s: addr_gen_mode none: %s", nc->tun.name,
		    strerror(-rc));
	if ((rc = nl_link_up(&nc->nl, nc->tun.ifindex, conf->mtu)) < 0) {
		(void)snprintf(err, len, "%s: cannot set MTU %u and bring it "
		    "up: %s", nc->tun.name, conf->mtu, strerror(-rc));
		return -1;
	}
	for (i = 0; i < conf->naddrs; i++) {
		prefix_str(&conf->addrs[i], buf, sizeof(buf));
		rc = nl_prefix_conflict(&nc->nl, nc->tun.ifindex,
		    &conf->addrs[i], what, sizeof(what));
		if (rc > 0)
			log_warnx("address %s overlaps %s already on this "
			    "machine; traffic may take the wrong way", buf,
			    what);
		if ((rc = nl_addr_add(&nc->nl, nc->tun.ifindex,
		    &conf->addrs[i])) < 0) {
			(void)snprintf(err, len, "%s: cannot add address %s: "
			    "%s", nc->tun.name, buf, strerror(-rc));
			return -1;
		}
	}
	nc->nroutes = wanted_routes(conf, nc->routes, NETCONF_MAX_ROUTES);
	for (i = 0; i < nc->nroutes; i++) {
		if ((rc = nl_route_add(&nc->nl, nc->tun.ifindex,
		    &nc->routes[i])) < 0) {
			(void)snprintf(err, len, "%s: cannot add route %s: %s",
			    nc->tun.name, prefix_str(&nc->routes[i], buf,
			    sizeof(buf)), strerror(-rc));
			return -1;
		}
	}
	if ((nc->sock4 = udp_socket(AF_INET, conf->listen_port, &port, err,
	    len)) == -1)
		return -1;
	nc->port = port;
	if ((nc->sock6 = udp_socket(AF_INET6, port, &port, err, len)) == -1) {
		/* A machine without IPv6 still works over IPv4. */
		log_warnx("%s; continuing with IPv4 only", err);
		nc->sock6 = -1;
	} else
		nc->have6 = 1;
	log_info("interface %s up (mtu %u, offloads 0x%x), listening on "
	    "UDP port %u", nc->tun.name, conf->mtu, nc->tun.offloads,
	    nc->port);
	return 0;
}

/* Stable peer ids: the same public key keeps its id across reloads. */
static uint32_t
peer_id(struct netconf *nc, const uint8_t pub[KEY_LEN])
{
	int	 i;

	for (i = 0; i < nc->nids; i++)
		if (sodium_memcmp(nc->ids[i].pub, pub, KEY_LEN) == 0)
			return nc->ids[i].id;
	if (nc->nids == NETCONF_MAX_IDS)
		fatalx("too many distinct peers since start; restart hamd");
	memcpy(nc->ids[nc->nids].pub, pub, KEY_LEN);
	nc->ids[nc->nids].id = nc->next_id++;
	return nc->ids[nc->nids++].id;
}

static void
sockaddr_to_pkt(const struct sockaddr *sa, struct pkt_addr *pa)
{
	union sockunion	 su;

	memset(&su, 0, sizeof(su));
	memcpy(&su, sa, sa->sa_family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	/* Port 0 (an interface's address) still fills in the address. */
	(void)sockaddr_to_addr(&su, sizeof(su), pa);
}

/* Resolve "host" and port to a pkt_addr; -1 if it does not resolve. */
static int
resolve_endpoint(const char *host, uint16_t port, struct pkt_addr *out)
{
	struct addrinfo	 hints, *res;
	char		 serv[8];
	int		 rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
	(void)snprintf(serv, sizeof(serv), "%u", port);
	if ((rc = getaddrinfo(host, serv, &hints, &res)) != 0) {
		log_warnx("endpoint %s: %s", host, gai_strerror(rc));
		return -1;
	}
	sockaddr_to_pkt(res->ai_addr, out);
	freeaddrinfo(res);
	return out->af != 0 ? 0 : -1;
}

int
netconf_check_psks(const struct hamd_config *conf, char *err, size_t len)
{
	const struct conf_peer	*cp;
	uint8_t			 psk[KEY_LEN];
	char			 e[512];

	TAILQ_FOREACH(cp, &conf->peers, entry) {
		if (!cp->has_psk)
			continue;
		if (key_file_read(cp->psk_file, psk, e, sizeof(e)) == -1) {
			(void)snprintf(err, len, "peer %s: %s", cp->name, e);
			return -1;
		}
		sodium_memzero(psk, sizeof(psk));
	}
	return 0;
}

/* Send the peers: keys and allowed IPs to tun, endpoints to engine. */
void
netconf_send_peers(struct netconf *nc, struct privsep *ps,
    const struct hamd_config *conf)
{
	const struct conf_peer	*cp;
	struct tun_peer_msg	*tp;
	struct engine_peer_msg	 ep;
	char			 err[512];

	/* The PSK passes through here: keep it off the stack. */
	if ((tp = sodium_malloc(sizeof(*tp))) == NULL)
		fatal("%s: sodium_malloc", __func__);
	nc->npeer_eps = 0;
	TAILQ_FOREACH(cp, &conf->peers, entry) {
		memset(tp, 0, sizeof(*tp));
		tp->id = peer_id(nc, cp->pubkey);
		(void)snprintf(tp->name, sizeof(tp->name), "%s", cp->name);
		memcpy(tp->pubkey, cp->pubkey, KEY_LEN);
		if (cp->has_psk) {
			/* Checked before the configuration was accepted. */
			if (key_file_read(cp->psk_file, tp->psk, err,
			    sizeof(err)) == -1) {
				log_warnx("peer %s left out: %s", cp->name, err);
				continue;
			}
			tp->has_psk = 1;
		}
		tp->keepalive = cp->keepalive;
		tp->nallowed = (uint32_t)cp->nallowed;
		memcpy(tp->allowed, cp->allowed,
		    sizeof(cp->allowed[0]) * (size_t)cp->nallowed);
		memset(&ep, 0, sizeof(ep));
		ep.id = tp->id;
		if (cp->has_endpoint)
			(void)resolve_endpoint(cp->endpoint_host,
			    cp->endpoint_port, &ep.endpoint);
		tp->endpoint = ep.endpoint;
		if (ep.endpoint.af != 0 && nc->npeer_eps < CONF_MAX_PEERS)
			nc->peer_eps[nc->npeer_eps++] = ep.endpoint;
		proc_compose(ps, HAMD_PROC_TUN, IMSG_TUN_PEER, 0, -1, tp,
		    sizeof(*tp));
		proc_compose(ps, HAMD_PROC_ENGINE, IMSG_ENGINE_PEER, 0, -1, &ep,
		    sizeof(ep));
	}
	sodium_free(tp);
	proc_compose(ps, HAMD_PROC_TUN, IMSG_TUN_PEERS_END, 0, -1, NULL, 0);
	proc_compose(ps, HAMD_PROC_ENGINE, IMSG_ENGINE_PEERS_END, 0, -1, NULL,
	    0);
}

void
netconf_send_devices(struct netconf *nc, struct privsep *ps,
    const struct hamd_config *conf)
{
	struct tun_device_msg	 td;
	int32_t			 af;

	memset(&td, 0, sizeof(td));
	(void)snprintf(td.ifname, sizeof(td.ifname), "%s", nc->tun.name);
	td.mtu = conf->mtu;
	td.offloads = nc->tun.offloads;
	td.vnet_hdr = nc->tun.vnet_hdr;
	/* The fd moves to tun: the device lives exactly as long as tun. */
	proc_compose(ps, HAMD_PROC_TUN, IMSG_TUN_DEVICE, 0, nc->tun.fd, &td,
	    sizeof(td));
	nc->tun.fd = -1;
	af = AF_INET;
	proc_compose(ps, HAMD_PROC_ENGINE, IMSG_ENGINE_SOCKET, 0, nc->sock4,
	    &af, sizeof(af));
	nc->sock4 = -1;
	if (nc->sock6 != -1) {
		af = AF_INET6;
		proc_compose(ps, HAMD_PROC_ENGINE, IMSG_ENGINE_SOCKET, 0,
		    nc->sock6, &af, sizeof(af));
		nc->sock6 = -1;
	}
}

void
netconf_send_tap(struct netconf *nc, struct privsep *ps)
{
	if (nc->tap.fd == -1)
		return;
	proc_compose(ps, HAMD_PROC_TUN, IMSG_TAP_DEVICE, 0, nc->tap.fd, NULL,
	    0);
	nc->tap.fd = -1;
}

void
netconf_tap_key(struct netconf *nc, const uint8_t pub[32])
{
	uint8_t	 mac[LAN_MAC_LEN];
	int	 rc;

	if (nc->tap.ifindex == 0)
		return;
	lan_mac_of(mac, pub);
	if ((rc = nl_link_mac_up(&nc->nl, nc->tap.ifindex, nc->tap_mtu,
	    mac)) < 0)
		log_warnx("%s: cannot set its MAC address and bring it up: %s",
		    nc->tap.name, strerror(-rc));
	else
		log_info("%s: up for Ethernet networks, MAC "
		    "%02x:%02x:%02x:%02x:%02x:%02x", nc->tap.name, mac[0],
		    mac[1], mac[2], mac[3], mac[4], mac[5]);
}

int
netconf_reload(struct netconf *nc, const struct hamd_config *old,
    const struct hamd_config *new)
{
	struct ip_prefix	 want[NETCONF_MAX_ROUTES];
	char			 buf[PREFIX_STRLEN];
	int			 n, i, j, found, rc;

	/* Addresses: drop those gone, add the new ones. */
	for (i = 0; i < old->naddrs; i++) {
		for (found = 0, j = 0; j < new->naddrs; j++)
			if (prefix_equal(&old->addrs[i], &new->addrs[j]))
				found = 1;
		if (!found)
			(void)nl_addr_del(&nc->nl, nc->tun.ifindex,
			    &old->addrs[i]);
	}
	for (j = 0; j < new->naddrs; j++)
		if ((rc = nl_addr_add(&nc->nl, nc->tun.ifindex,
		    &new->addrs[j])) < 0)
			log_warnx("reload: cannot add address %s: %s",
			    prefix_str(&new->addrs[j], buf, sizeof(buf)),
			    strerror(-rc));
	n = wanted_routes(new, want, NETCONF_MAX_ROUTES);
	for (i = 0; i < nc->nroutes; i++) {
		for (found = 0, j = 0; j < n; j++)
			if (prefix_equal(&nc->routes[i], &want[j]))
				found = 1;
		if (!found)
			(void)nl_route_del(&nc->nl, nc->tun.ifindex,
			    &nc->routes[i]);
	}
	for (j = 0; j < n; j++)
		if ((rc = nl_route_add(&nc->nl, nc->tun.ifindex, &want[j])) < 0)
			log_warnx("reload: cannot add route %s: %s",
			    prefix_str(&want[j], buf, sizeof(buf)),
			    strerror(-rc));
	memcpy(nc->routes, want, sizeof(want[0]) * (size_t)n);
	nc->nroutes = n;
	if (old->mtu != new->mtu &&
	    (rc = nl_link_up(&nc->nl, nc->tun.ifindex, new->mtu)) < 0)
		log_warnx("reload: cannot set MTU %u: %s", new->mtu,
		    strerror(-rc));
	return 0;
}

/* ---- the hub ----------------------------------------------------------- */

int
netconf_hub_socket(struct netconf *nc, const struct conf_hub *hub,
    struct hub_conn_msg *cm, char *err, size_t len)
{
	const struct conf_hub_addr *ha;
	struct addrinfo	 hints, *res, *ai;
	char		 port[8];
	unsigned int	 n = 0, pick, turn;
	int		 fd, rc, one = 1;
	uint32_t	 mark = NETCONF_MARK;

	/*
	 * Each attempt takes the next hub of the list, and within a name
	 * the next address it resolves to: a node whose hub went away
	 * tries another of the cluster at its next attempt.
	 */
	if (hub->naddrs < 1)
		fatalx("%s: no hub address", __func__);
	turn = nc->hub_turn++;
	nc->hub_cur = (int)(turn % (unsigned int)hub->naddrs);
	ha = &hub->addr[nc->hub_cur];
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	(void)snprintf(port, sizeof(port), "%u", ha->port);
	if ((rc = getaddrinfo(ha->host, port, &hints, &res)) != 0) {
		(void)snprintf(err, len, "hub %s: %s", ha->host,
		    gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next)
		n++;
	pick = (turn / (unsigned int)hub->naddrs) % n;
	for (ai = res; pick > 0; ai = ai->ai_next)
		pick--;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1) {
		(void)snprintf(err, len, "hub socket: %s", strerror(errno));
		freeaddrinfo(res);
		return -1;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	/* Outside an exit node's tunnel, like the UDP sockets. */
	(void)setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark));
	memset(cm, 0, sizeof(*cm));
	sockaddr_to_pkt(ai->ai_addr, &cm->remote);
	nc->hub_addr = cm->remote;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1 &&
	    errno != EINPROGRESS) {
		/* The engine sees the error through SO_ERROR and backs off. */
		log_debug("hub connect: %s", strerror(errno));
	}
	freeaddrinfo(res);
	return fd;
}

int
netconf_overlay_clear(const struct netconf *nc, const struct ip_prefix want[2],
    char *err, size_t len)
{
	char	 a[ADDR_STRLEN], b[PREFIX_STRLEN];
	int	 i, j;

	for (i = 0; i < 2; i++) {
		if (prefix_contains(&want[i], nc->hub_addr.af,
		    nc->hub_addr.addr)) {
			(void)snprintf(err, len, "overlay %s holds the hub's "
			    "address %s", prefix_str(&want[i], b, sizeof(b)),
			    pkt_addr_str(&nc->hub_addr, a, sizeof(a)));
			return -1;
		}
		for (j = 0; j < nc->npeer_eps; j++)
			if (prefix_contains(&want[i], nc->peer_eps[j].af,
			    nc->peer_eps[j].addr)) {
				(void)snprintf(err, len, "overlay %s holds the "
				    "endpoint %s of a configured peer",
				    prefix_str(&want[i], b, sizeof(b)),
				    pkt_addr_str(&nc->peer_eps[j], a,
				    sizeof(a)));
				return -1;
			}
	}
	return 0;
}

/*
 * What a LAN needs besides the addresses (see netconf.h): hamd's own
 * link-local address, which peers accept as ours (hubclient.c gives
 * each hub peer fe80:: and its overlay's low 64 bits as an allowed
 * IP), and the route that sends a program's 255.255.255.255 here
 * rather than to the default route's interface.
 */
static void
lan_setup(struct netconf *nc)
{
	struct ip_prefix	 bcast;
	char			 buf[PREFIX_STRLEN];
	int			 i, rc;

	for (i = 0; i < nc->noverlay; i++) {
		if (nc->overlay[i].af == AF_INET6) {
			memset(&nc->ll6, 0, sizeof(nc->ll6));
			nc->ll6.af = AF_INET6;
			nc->ll6.plen = 64;
			lan_link_local((uint8_t *)&nc->ll6.addr,
			    (const uint8_t *)&nc->overlay[i].addr);
			if ((rc = nl_addr_add(&nc->nl, nc->tun.ifindex,
			    &nc->ll6)) < 0) {
				log_warnx("%s: cannot add address %s: %s",
				    nc->tun.name, prefix_str(&nc->ll6, buf,
				    sizeof(buf)), strerror(-rc));
				nc->ll6.af = 0;
			}
			continue;
		}
		memset(&bcast, 0, sizeof(bcast));
		bcast.af = AF_INET;
		bcast.plen = 32;
		memset(&bcast.addr, 0xff, 4);
		rc = nl_route_add_new(&nc->nl, nc->tun.ifindex, &bcast);
		if (rc == -EEXIST)
			log_debug("%s: a route for 255.255.255.255 exists; "
			    "left as it is", nc->tun.name);
		else if (rc < 0)
			log_warnx("%s: cannot route 255.255.255.255 here: %s",
			    nc->tun.name, strerror(-rc));
	}
}

void
netconf_overlay_apply(struct netconf *nc, const struct ip_prefix want[2],
    char *warning, size_t len)
{
	struct ip_prefix	 net;
	char			 buf[PREFIX_STRLEN], what[256], q[300];
	int			 i, j, rc, same;

	same = nc->noverlay == 2;
	for (i = 0; i < 2 && same; i++)
		same = memcmp(&nc->overlay[i], &want[i], sizeof(want[i])) == 0;
	if (same)
		return;
	for (i = 0; i < nc->noverlay; i++)
		(void)nl_addr_del(&nc->nl, nc->tun.ifindex, &nc->overlay[i]);
	if (nc->ll6.af != 0)
		(void)nl_addr_del(&nc->nl, nc->tun.ifindex, &nc->ll6);
	nc->ll6.af = 0;
	nc->noverlay = 0;
	warning[0] = '\0';
	for (i = 0, j = 0; i < 2; i++) {
		prefix_str(&want[i], buf, sizeof(buf));
		net = want[i];
		(void)prefix_mask(&net);
		rc = nl_prefix_conflict(&nc->nl, nc->tun.ifindex, &net, what,
		    sizeof(what));
		if (rc > 0) {
			(void)snprintf(warning, len, "overlay %s overlaps %s "
			    "on this machine: not set; ask the hub operator "
			    "for another address-pool or move the local "
			    "network", prefix_str(&net, buf, sizeof(buf)),
			    what);
			log_warnx("%s", warning);
			audit("overlay-conflict", "prefix=%s with=%s", buf,
			    log_quote(what, q, sizeof(q)));
			continue;
		}
		if ((rc = nl_addr_add(&nc->nl, nc->tun.ifindex,
		    &want[i])) < 0) {
			log_warnx("%s: cannot add address %s: %s",
			    nc->tun.name, buf, strerror(-rc));
			continue;
		}
		log_info("%s: overlay address %s", nc->tun.name, buf);
		nc->overlay[j++] = want[i];
	}
	nc->noverlay = j;
	lan_setup(nc);
}

/* ---- candidates for NAT traversal ----------------------------------------- */

static int
cand_add(struct hub_candidates *c, int kind, const struct pkt_addr *a)
{
	unsigned int	 i;

	if (c->n >= HUB_CAND_MAX)
		return -1;
	for (i = 0; i < c->n; i++)
		if (memcmp(&c->c[i].addr, a, sizeof(*a)) == 0)
			return 0;	/* the first, most specific kind wins */
	memset(&c->c[c->n], 0, sizeof(c->c[c->n]));
	c->c[c->n].kind = (uint8_t)kind;
	c->c[c->n].addr = *a;
	c->n++;
	return 0;
}

void
netconf_candidates(const struct netconf *nc, const struct hamd_config *conf,
    const struct nat_state_msg *nat, struct hub_candidates *out)
{
	struct ifaddrs	*ifa, *i;
	struct pkt_addr	 a;
	int		 pass;

	memset(out, 0, sizeof(*out));
	out->nat = (uint8_t)nat->kind;
	if (conf->public_ep.set) {
		memset(&a, 0, sizeof(a));
		a.af = (uint8_t)conf->public_ep.af;
		a.port = htons(conf->public_ep.port);
		memcpy(a.addr, &conf->public_ep.addr,
		    a.af == AF_INET ? 4 : 16);
		(void)cand_add(out, HUB_CAND_FORWARD, &a);
	}
	/* Only a mapping that is the same for everyone can be shared. */
	if ((nat->kind == NAT_INDEPENDENT || nat->kind == NAT_NONE) &&
	    nat->public_ep.af != 0 && nat->public_ep.port != 0) {
		/*
		 * No NAT and a private address: the hub is on our side of
		 * any NAT, and the address is a LAN one (peers rank a path
		 * to it as LAN, not as public).
		 */
		(void)cand_add(out, nat->kind == NAT_NONE &&
		    addr_is_private(&nat->public_ep) ?
		    HUB_CAND_LAN : HUB_CAND_PUBLIC, &nat->public_ep);
	}
	if (getifaddrs(&ifa) == -1) {
		log_warn("%s: getifaddrs", __func__);
		return;
	}
	/* IPv4 first: most LANs have it, and room is short. */
	for (pass = 0; pass < 2; pass++) {
		for (i = ifa; i != NULL; i = i->ifa_next) {
			int	 af = pass == 0 ? AF_INET : AF_INET6;

			if (i->ifa_addr == NULL || i->ifa_addr->sa_family !=
			    af || !(i->ifa_flags & IFF_UP) ||
			    (i->ifa_flags & IFF_LOOPBACK) ||
			    strcmp(i->ifa_name, nc->tun.name) == 0 ||
			    /* the Ethernet networks' addresses: ours too */
			    (nc->tap.name[0] != '\0' &&
			    strcmp(i->ifa_name, nc->tap.name) == 0) ||
			    (af == AF_INET6 && !nc->have6))
				continue;
			sockaddr_to_pkt(i->ifa_addr, &a);
			if (!addr_is_private(&a))
				continue;
			a.port = htons(nc->port);
			if (cand_add(out, HUB_CAND_LAN, &a) == -1)
				break;
		}
	}
	freeifaddrs(ifa);
}
