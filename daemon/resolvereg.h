/*
 * Registering the member-name responder with systemd-resolved: its
 * addresses become the per-link DNS servers of hamd's interface, with
 * the names' domain as a routing-only domain ("~hamd.internal"), so
 * that resolved asks it for those names and for nothing else.
 *
 * The parent does it: resolved grants SetLinkDNS and friends to a
 * caller with CAP_NET_ADMIN, which only the parent keeps, and what it
 * sends is its own (the configured domain, the overlay addresses it
 * checked and bound).  The only bytes it reads back are the system
 * bus's replies, from root's dbus-daemon and resolved, never from the
 * network.  Each change is one short connection, so nothing of sd-bus
 * stays in the parent between changes.
 */
#ifndef HAMD_RESOLVEREG_H
#define HAMD_RESOLVEREG_H

#include <sys/types.h>

struct ip_prefix;

struct resolvereg {
	int	ours;		/* resolved runs in this network namespace */
	int	ifindex;	/* the link registered now, or 0 */
	char	ifname[16];	/* its name */
	char	why[160];	/* why not: not ours, or the last failure */
};

/*
 * At start: is there a systemd-resolved on the system bus, and does
 * it see the network namespace hamd's interface is in?  A resolved of
 * another namespace (a container's hamd on the host's bus, or a test's
 * in a namespace of its own) would take the link index for one of its
 * own links.  A resolved that starts after hamd is not used.
 */
void	resolvereg_init(struct resolvereg *);
/*
 * The n addresses (n 0: revert) as the DNS servers of link ifindex
 * (named ifname, for the log), routing domain "~domain", never the
 * default route for other names.  Failures are logged, not fatal.
 */
void	resolvereg_set(struct resolvereg *, int ifindex, const char *ifname,
	    const struct ip_prefix *, int n, const char *domain);
/* For hamctl status: registered, or why not. */
void	resolvereg_state(const struct resolvereg *, char *, size_t);
/* Give the link back to resolved's own settings (at exit). */
void	resolvereg_revert(struct resolvereg *);
/*
 * Does process pid live in the network namespace of socket fd?  1 yes,
 * 0 no, -1 cannot tell (no such process, fd not a socket).
 */
int	resolvereg_same_netns(pid_t, int fd);

#endif
