/*
 * The parent's part of the data plane: TUN device, addresses, routes,
 * UDP sockets, and peers as each child needs them.
 */
#ifndef HAMD_NETCONF_H
#define HAMD_NETCONF_H

#include "config.h"
#include "netlink.h"
#include "proc.h"
#include "tundev.h"

#define NETCONF_MAX_ROUTES	(CONF_MAX_PEERS * 4)
#define NETCONF_MAX_IDS		(CONF_MAX_PEERS * 4)

struct netconf {
	struct tundev		 tun;		/* fd is -1 once sent to tun */
	struct nl		 nl;
	int			 sock4;		/* -1 once sent to engine */
	int			 sock6;
	uint16_t		 port;
	struct conf_prefix	 routes[NETCONF_MAX_ROUTES];	/* installed */
	int			 nroutes;
	struct {
		uint8_t		 pub[KEY_LEN];
		uint32_t	 id;
	}			 ids[NETCONF_MAX_IDS];
	int			 nids;
	uint32_t		 next_id;
};

/* Create the device, set addresses and routes, open the sockets. */
int	netconf_setup(struct netconf *, const struct hamd_config *,
	    char *err, size_t len);
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

#endif
