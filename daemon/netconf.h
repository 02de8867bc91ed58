/*
 * The parent's part of the data plane: TUN device, addresses, routes,
 * UDP sockets, and peers as each child needs them.
 */
#ifndef HAMD_NETCONF_H
#define HAMD_NETCONF_H

#include "daemon/config.h"
#include "daemon/netlink.h"
#include "privsep/proc.h"
#include "daemon/tundev.h"

#define NETCONF_MAX_ROUTES	(CONF_MAX_PEERS * 4)
#define NETCONF_MAX_IDS		(CONF_MAX_PEERS * 4)
/*
 * The firewall mark on hamd's own sockets (UDP to peers, TCP to the
 * hub), so that an exit node's rules (subnet.h) keep them out of the
 * tunnel.  wg-quick's is 51820; one more, so both can run.
 */
#define NETCONF_MARK		51821

struct netconf {
	struct tundev		 tun;		/* fd is -1 once sent to tun */
	struct tundev		 tap;		/* Ethernet networks; fd as tun's,
						   ifindex 0 without a hub */
	unsigned int		 tap_mtu;
	struct nl		 nl;
	int			 sock4;		/* -1 once sent to engine */
	int			 sock6;
	uint16_t		 port;
	struct ip_prefix	 routes[NETCONF_MAX_ROUTES];	/* installed */
	int			 nroutes;
	struct {
		uint8_t		 pub[KEY_LEN];
		uint32_t	 id;
	}			 ids[NETCONF_MAX_IDS];
	int			 nids;
	uint32_t		 next_id;
	struct ip_prefix	 overlay[2];	/* the hub's addresses, set */
	int			 noverlay;
	struct ip_prefix	 ll6;		/* our link-local; af 0: none */
	unsigned int		 hub_turn;	/* connection attempts so far */
	int			 hub_cur;	/* the hub address last tried */
	/*
	 * Where the node's own traffic goes: the hub it connects to and
	 * the static peers' endpoints, as last resolved.  An overlay that
	 * held one of them would pull its packets into the tunnel.
	 */
	struct pkt_addr		 hub_addr;
	struct pkt_addr		 peer_eps[CONF_MAX_PEERS];
	int			 npeer_eps;
	int			 have6;		/* an IPv6 socket is open */
};

/* Create the device, set addresses and routes, open the sockets. */
int	netconf_setup(struct netconf *, const struct hamd_config *,
	    char *err, size_t len);
/*
 * The node's key is known: the TAP device takes the MAC bound to it
 * (lan_mac_of) and comes up.
 */
void	netconf_tap_key(struct netconf *, const uint8_t pub[32]);
/*
 * Hand the TAP device to tun, if there is one.  After the hub's
 * configuration: a message with an fd ends the parent's write, and tun
 * must know its hub before the engine's connection to it comes up.
 */
void	netconf_send_tap(struct netconf *, struct privsep *);
/* Hand the TUN fd to tun and the sockets to engine. */
void	netconf_send_devices(struct netconf *, struct privsep *,
	    const struct hamd_config *);
/*
 * Read every preshared key file once, so that a missing or unsafe file
 * refuses the configuration (at start or reload) instead of a peer.
 */
int	netconf_check_psks(const struct hamd_config *, char *err, size_t len);
/* Send every peer (tun: keys, engine: endpoints), then the end marks. */
void	netconf_send_peers(struct netconf *, struct privsep *,
	    const struct hamd_config *);
/* Apply address, route and MTU changes of a reload. */
int	netconf_reload(struct netconf *, const struct hamd_config *old,
	    const struct hamd_config *new);

/*
 * Start a non-blocking TCP connect to the hub; the fd (or -1 with a
 * message in err) and the address it goes to.  Resolves the name each
 * time and takes the resolved addresses in turn.
 */
struct hub_conn_msg;
int	netconf_hub_socket(struct netconf *, const struct conf_hub *,
	    struct hub_conn_msg *, char *err, size_t len);
/*
 * Set the addresses the hub assigned (want: IPv4, IPv6, as
 * overlay_check() made them) on the device (their prefixes route the
 * overlay, nothing else), replacing earlier ones.  A prefix that
 * collides with a route or address already on this machine is not
 * set; warning then says which and what to do.  For broadcast and
 * multicast among members (lanrep.h): the IPv4 address comes with its
 * pool's broadcast address, the IPv6 one with the link-local address
 * fe80::/64 and its low 64 bits, and a route for 255.255.255.255
 * through the device unless one exists already.
 */
void	netconf_overlay_apply(struct netconf *, const struct ip_prefix want[2],
	    char *warning, size_t len);

/*
 * 0 if no overlay pool in want holds an address the node's own traffic
 * goes to (the hub, a static peer's endpoint); else -1 with err saying
 * which.
 */
int	netconf_overlay_clear(const struct netconf *,
	    const struct ip_prefix want[2], char *err, size_t len);

/*
 * Where peers may reach us, for the hub: the configured port forward,
 * the public endpoint NAT discovery found (when the mapping is the same
 * for every destination), and the private addresses of our other
 * interfaces with our WireGuard port; at most HUB_CAND_MAX.
 */
struct hub_candidates;
struct nat_state_msg;
void	netconf_candidates(const struct netconf *, const struct hamd_config *,
	    const struct nat_state_msg *, struct hub_candidates *);

#endif
