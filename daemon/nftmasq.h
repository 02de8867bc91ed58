/*
 * The one nftables rule hamd may need: masquerading what an exit node
 * forwards from the tunnel.  Spoken straight over a netfilter netlink
 * socket the parent opens before its sandbox (the parent cannot run
 * nft).  The table is hamd's own, "inet hamd", and nothing else is
 * touched: turning it off deletes that table.
 */
#ifndef HAMD_NFTMASQ_H
#define HAMD_NFTMASQ_H

/* A NETLINK_NETFILTER socket, or -1. */
int	nftmasq_open(void);
/*
 * table inet hamd { chain post { type nat hook postrouting priority
 * srcnat; ... } }, replacing any table of that name, with
 * "iifname IFNAME masquerade" when all is set (an exit node), and
 * "iifname IFNAME ip daddr P masquerade" (ip6 for IPv6) for each of
 * the n prefixes (subnet routes served with masquerade); nothing at
 * all deletes the table.  0 or -errno.
 */
struct ip_prefix;
int	nftmasq_set(int fd, const char *ifname, int all,
	    const struct ip_prefix *, int n);
/*
 * hamctl run: table inet hamdrun marks what the sockets of one cgroup
 * (v2: its id, the inode of its directory, and its level) send, and
 * masquerades it into the tunnel with the hamd interface's address
 * (the route was chosen, and the source with it, before the mark made
 * it go there).  cgroup 0 deletes the table.  0 or -errno.
 */
int	nftmasq_run(int fd, const char *ifname, uint64_t cgroup,
	    uint32_t level, uint32_t mark);
/*
 * hamctl run without -x: table inet hamdonly drops (and counts) what
 * the sockets of one cgroup send anywhere but through IFNAME or
 * loopback.  cgroup 0 deletes the table.  0 or -errno.
 */
int	nftmasq_confine(int fd, const char *ifname, uint64_t cgroup,
	    uint32_t level);

#endif
