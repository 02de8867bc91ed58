/*
 * rtnetlink for the parent: bring the TUN link up with its MTU, set its
 * addresses and the routes of the overlay.  Every request is acknowledged
 * by the kernel; functions return 0 or -errno.
 */
#ifndef HAMD_NETLINK_H
#define HAMD_NETLINK_H

#include "daemon/config.h"

struct nl {
	int		 fd;
	uint32_t	 seq;
};

int	nl_open(struct nl *);
void	nl_close(struct nl *);
/* Set the MTU and bring the link up. */
int	nl_link_up(struct nl *, unsigned int ifindex, unsigned int mtu);
/* The same with a MAC address (a TAP device). */
int	nl_link_mac_up(struct nl *, unsigned int ifindex, unsigned int mtu,
	    const uint8_t mac[6]);
/*
 * No IPv6 link-local address of the kernel's making (addr_gen_mode
 * none): hamd sets one that its peers can tell is its own.
 */
int	nl_link_no_ll6(struct nl *, unsigned int ifindex);
/*
 * Add (or replace) an interface address; IPv6 without DAD, IPv4 with
 * its subnet's broadcast address up to a /30.
 */
int	nl_addr_add(struct nl *, unsigned int ifindex, const struct ip_prefix *);
int	nl_addr_del(struct nl *, unsigned int ifindex, const struct ip_prefix *);
/* A route for prefix through the interface, in the main table. */
int	nl_route_add(struct nl *, unsigned int ifindex, const struct ip_prefix *);
/* The same, but -EEXIST if the table has a route for prefix already. */
int	nl_route_add_new(struct nl *, unsigned int ifindex,
	    const struct ip_prefix *);
int	nl_route_del(struct nl *, unsigned int ifindex, const struct ip_prefix *);

/*
 * Does prefix overlap a route of another interface or an address of
 * this machine?  1 with a description in what, 0 if not, -errno on
 * failure.  Used to report overlay prefixes that collide with the LAN.
 */
int	nl_prefix_conflict(struct nl *, unsigned int ifindex,
	    const struct ip_prefix *, char *what, size_t len);

/* The same in another table (add 1, delete 0). */
int	nl_route_table(struct nl *, int add, unsigned int ifindex,
	    const struct ip_prefix *, uint32_t table);
/* The interface the main table sends p's first address through. */
int	nl_route_oif(struct nl *, const struct ip_prefix *, unsigned int *oif);

/*
 * A policy routing rule (ip rule): add (1) or delete (0).  action is
 * FR_ACT_TO_TBL (table), FR_ACT_PROHIBIT, ...; iif "" and dst.plen 0
 * match anything; fwmark 0 matches any mark; suppress_plen n > 0
 * suppresses routes of prefix length n - 1 or less.
 */
struct nl_rule_spec {
	int			 af;
	uint32_t		 prio;
	int			 action;
	uint32_t		 table;
	int			 invert;
	char			 iif[16];
	struct ip_prefix	 dst;
	uint32_t		 fwmark;
	int			 suppress_plen;
};
int	nl_rule(struct nl *, int add, const struct nl_rule_spec *);
/* net.ipv4.conf.IF.forwarding, set through the link (IFLA_INET_CONF). */
int	nl_inet_forwarding(struct nl *, unsigned int ifindex, int on);

#endif
