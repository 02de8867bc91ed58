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
 * on: table inet hamd { chain post { type nat hook postrouting
 * priority srcnat; iifname IFNAME masquerade } }, replacing any
 * table of that name; off: delete it.  0 or -errno.
 */
int	nftmasq_set(int fd, const char *ifname, int on);

#endif
