/*
 * Subnet routes, the parent's half: it alone changes the kernel's
 * routes, rules and forwarding.  A peer's approved routes (from tun)
 * are checked and installed through the hamd interface; the routes
 * this node serves as a gateway get forwarding and the rules that keep
 * it to exactly those prefixes.  What it refuses, and why, is kept
 * for hamctl routes -l.
 */
#ifndef HAMD_SUBNET_H
#define HAMD_SUBNET_H

#include <stdint.h>

#include "ctl/ctlmsg.h"
#include "daemon/hamd_msg.h"
#include "daemon/netconf.h"

#define SUBNET_GATEWAYS		256	/* peers with routes at once */
#define SUBNET_FWD_IFS		(HUB_ROUTES_MAX + 1)
/*
 * Rule priorities (ip rule): forwarded packets from the hamd interface
 * may go to a served prefix (SUBNET_PRIO) and nowhere else
 * (SUBNET_PRIO + 1, prohibit).  Below the main table's 32766.
 */
#define SUBNET_PRIO		5360
/*
 * The exit node, as wg-quick routes a default route: its own table
 * holding a default route through the hamd interface, a rule sending
 * there every packet without hamd's mark (5370), and before it a rule
 * that looks in the main table for anything but its default route
 * (5369), so that the LAN and the hub's and peers' routes stay as they
 * are.  hamd's own sockets carry the mark (SO_MARK), so its tunnel and
 * hub traffic never enter the tunnel.
 */
#define EXIT_PRIO		5369
#define EXIT_TABLE		51821
#define EXIT_MARK		NETCONF_MARK
/*
 * hamctl run: nftables marks what one cgroup's sockets send (table
 * inet hamdrun) and rules 5371 (main without its default) and 5372
 * send marked packets to the exit table; nothing else is touched.
 */
#define RUN_MARK		(NETCONF_MARK + 1)

struct subnet_set {
	uint32_t		 id;		/* 0: free; else the peer */
	uint8_t			 n;
	struct ip_prefix	 p[HUB_ROUTES_MAX];
	uint8_t			 ok[HUB_ROUTES_MAX];	/* installed */
	char			 why[HUB_ROUTES_MAX][96];
};

struct subnet {
	struct subnet_set	 peers[SUBNET_GATEWAYS];
	struct subnet_set	 served;		/* id unused */
	int			 prohibit4, prohibit6;	/* rules in place */
	/* interfaces we turned IPv4 forwarding on for, and what it was */
	struct {
		unsigned int	 ifindex;
		int		 prev;
	}			 fwd[SUBNET_FWD_IFS];
	int			 nfwd;
	int			 v6fd;		/* net.ipv6.conf.all.forwarding */
	int			 v6prev;	/* -1: we did not change it */
	int			 nftfd;		/* masquerade (nftmasq.h) */
	/* advertise-route ... masquerade: served with the gateway's address */
	struct ip_prefix	 masq_conf[HUB_ROUTES_MAX];
	int			 nmasq_conf;
	/* hamctl route masquerade: the same, until hamd stops */
	struct ip_prefix	 masq_ctl[HUB_ROUTES_MAX];
	int			 nmasq_ctl;
	/* what table inet hamd holds now */
	int			 masq_all;
	struct ip_prefix	 masq_on[HUB_ROUTES_MAX];
	int			 nmasq_on;
	uint32_t		 exit_id;	/* the exit node in use, 0: none */
	uint32_t		 exit_af;	/* 1 IPv4, 2 IPv6 routed through it */
	uint64_t		 exit_cgroup;	/* hamctl run's; 0: everything */
	uint64_t		 only_cgroup;	/* hamctl run without -x: this
						   cgroup to the tunnel only */
};

/* Before the sandbox: opens what it may have to write later. */
void	subnet_init(struct subnet *);
/*
 * tun's OFFER: install (peer) or serve (id 0) what passes the checks;
 * out: what was taken, for tun's allowed IPs (peers only).  Returns 1
 * if out is to be sent.
 */
int	subnet_offer(struct subnet *, struct netconf *,
	    const struct routes_msg *, struct routes_msg *out);
/*
 * tun chose an exit node (id, families af) or left it (id 0): route
 * everything through the tunnel, or put the routing back as it was.
 * out: the answer for tun.
 */
void	subnet_exit(struct subnet *, struct netconf *,
	    const struct exit_msg *, struct exit_msg *out, char *msg,
	    size_t len);
/*
 * hamd.conf's advertise-route lines with masquerade (at start and on
 * reload): those prefixes, while served, leave with the gateway's
 * address.
 */
void	subnet_masq_conf(struct subnet *, struct netconf *,
	    const struct ip_prefix *, int n);
/*
 * hamctl route masquerade PREFIX on|off: the same for one prefix, until
 * hamd stops.  0, or -1 with msg saying why not.
 */
int	subnet_masq_ctl(struct subnet *, struct netconf *,
	    const struct ip_prefix *, int on, char *msg, size_t len);
/*
 * hamctl run without -x: what the sockets of cgroup (v2: its inode, at
 * level) send leaves through the hamd interface or not at all (end: its
 * run is over).  0, or -1 with msg saying why not.
 */
int	subnet_confine(struct subnet *, struct netconf *, uint64_t cgroup,
	    uint32_t level, int end, char *msg, size_t len);
/* hamctl routes -l: each route, installed, refused or served. */
void	subnet_list(const struct subnet *,
	    void (*fn)(void *, const struct ctl_route *), void *);
/*
 * At start, once the device exists: rules at hamd's priorities and its
 * nftables tables that a hamd which did not stop cleanly left behind.
 */
void	subnet_clean(struct subnet *, struct netconf *);
/* hamd stops: rules and forwarding back as they were. */
void	subnet_shutdown(struct subnet *, struct netconf *);

#endif
