/*
 * Cryptokey routing: the allowed-IPs table of the tun process.
 *
 * Each IPv4 or IPv6 prefix maps to one peer id.  Outbound, the longest
 * prefix that holds a packet's destination names the peer whose session
 * encrypts it; inbound, a decrypted packet is delivered only if the
 * longest prefix holding its source names the peer it authenticated as.
 *
 * Peer ids are the caller's (the tun process's peer index); the table
 * never looks behind them.  ALLOWEDIPS_PEER_NONE is reserved: it is what
 * a lookup returns when nothing matches and may not be inserted.
 *
 * Addresses are raw bytes in network order, 4 for AF_INET and 16 for
 * AF_INET6: a struct in_addr or in6_addr, or straight out of an IP
 * header.  The two families are separate tables, as in WireGuard: an
 * IPv4-mapped IPv6 address (::ffff:a.b.c.d) is looked up among IPv6
 * prefixes only and never matches an IPv4 entry.
 *
 * Errors: -1 with errno EAFNOSUPPORT (af), EINVAL (plen beyond the
 * family's width, or ALLOWEDIPS_PEER_NONE inserted), ENOSPC (the table
 * holds max_entries prefixes), ENOMEM, ENOENT (nothing to remove).  A
 * call that fails has changed nothing.
 *
 * Not thread-safe; the tun process is single-threaded.  Lookups never
 * allocate, never write to the table and never recurse; they read at
 * most 6 index nodes for IPv4 and 22 for IPv6, one cache line each.  A
 * change costs some microseconds: it recomputes one index node from
 * the trie.  Memory is bounded by max_entries.
 */
#ifndef HAMD_ALLOWEDIPS_H
#define HAMD_ALLOWEDIPS_H

#include <sys/socket.h>		/* AF_INET, AF_INET6 */
#include <stddef.h>
#include <stdint.h>

#define ALLOWEDIPS_PEER_NONE	UINT32_MAX

struct allowedips;

/* Called per prefix by allowedips_foreach_peer; nonzero stops the walk. */
typedef int (*allowedips_cb)(void *arg, int af, const uint8_t *addr,
    unsigned int plen);

/* An empty table that will refuse to hold more than max_entries prefixes. */
struct allowedips	*allowedips_new(size_t max_entries);
/* Free the table and everything in it; NULL is a no-op. */
void	 allowedips_free(struct allowedips *);

/*
 * Map af addr/plen to peer.  Host bits beyond plen are ignored.  If the
 * prefix is already in the table it moves to peer, whoever held it
 * (WireGuard's semantics), and that never fails for want of room.
 */
int	 allowedips_insert(struct allowedips *, int af, const void *addr,
	    unsigned int plen, uint32_t peer);
/*
 * Remove exactly af addr/plen (host bits ignored).  With a peer id, only
 * if that peer holds it, so that one peer's update cannot take another's
 * prefix away; ALLOWEDIPS_PEER_NONE removes it whoever holds it.
 */
int	 allowedips_remove(struct allowedips *, int af, const void *addr,
	    unsigned int plen, uint32_t peer);
/* Remove every prefix of peer; returns how many there were. */
size_t	 allowedips_remove_peer(struct allowedips *, uint32_t peer);

/* The peer of the longest prefix holding addr, or ALLOWEDIPS_PEER_NONE. */
uint32_t allowedips_lookup(const struct allowedips *, int af,
	    const void *addr);

/*
 * The inbound source check is the same lookup under a name that says
 * what it is for.  The caller drops a decrypted packet unless this
 * returns the peer it authenticated as: a peer may only speak from the
 * addresses it is allowed, or any peer could spoof any other.
 */
static inline uint32_t
allowedips_lookup_src(const struct allowedips *t, int af, const void *src)
{
	return allowedips_lookup(t, af, src);
}

/*
 * Call cb for each prefix of peer, oldest first; the address has its
 * host bits zeroed.  cb must not change the table.  Returns 0, or the
 * first nonzero value cb returned.
 */
int	 allowedips_foreach_peer(const struct allowedips *, uint32_t peer,
	    allowedips_cb cb, void *arg);
/* Prefixes in the table, both families. */
size_t	 allowedips_count(const struct allowedips *);

struct allowedips_stats {
	size_t		 entries;	/* prefixes */
	size_t		 peers;		/* peers holding at least one */
	size_t		 trie_nodes;	/* entries and branch points */
	size_t		 index_nodes;	/* the lookup index's */
	size_t		 bytes;		/* memory held, roughly */
	int		 index_lost;	/* families looked up the slow way */
};

/*
 * Size and health, for hamctl.  index_lost counts address families
 * whose lookup index was dropped when memory ran out: lookups there
 * are still right, only slower, until a later change rebuilds it.
 */
void	 allowedips_stats(const struct allowedips *,
	    struct allowedips_stats *);

#endif
