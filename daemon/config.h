/*
 * hamd's configuration: what parse.y builds from hamd.conf.
 * Everything here is plain data; the parent owns it and sends to each
 * child only the part that child needs.
 */
#ifndef HAMD_CONFIG_H
#define HAMD_CONFIG_H

#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <net/if.h>
#include <limits.h>
#include <stdint.h>

#include "crypto/key.h"
#include "ctl/ctlmsg.h"		/* CTL_SOCKET_* */
#include "ipc/addr.h"
#include "privsep/conflex.h"	/* CONF_NAME_MAX, CONF_SOCKET_MAX */
#include "privsep/control.h"	/* enum read_access */
#include "privsep/webparse.h"	/* struct web_listen */

#define CONF_DEFAULT_FILE	SYSCONFDIR "/hamd.conf"
#define CONF_DEFAULT_MTU	1420
#define CONF_DEFAULT_PORT	51820
#define CONF_DEFAULT_IFNAME	"ham0"
#define CONF_MAX_ADDRS		16	/* interface addresses */
#define CONF_MAX_ALLOWED	64	/* allowed-ips per peer */
#define CONF_MAX_PEERS		1024
#define CONF_MTU_MIN		1280	/* the IPv6 minimum link MTU */
#define CONF_MTU_MAX		65535
#define CONF_MAX_ADVERTISE	16	/* HUB_ROUTES_MAX */

/* Build-time paths; configure defines them in autoconf.h. */
#ifndef HAMD_USER
#define HAMD_USER		"_hamd"
#endif
#ifndef HAMD_STATEDIR
#define HAMD_STATEDIR		"/var/lib/hamd"
#endif
#ifndef HAMD_RUNDIR
#define HAMD_RUNDIR		"/run"
#endif
#define CONF_DEFAULT_CHROOT	HAMD_STATEDIR "/empty"
#define CONF_DEFAULT_SOCKET	CTL_SOCKET_HAMD

struct conf_peer {
	TAILQ_ENTRY(conf_peer)	 entry;
	char			 name[CONF_NAME_MAX];
	uint8_t			 pubkey[KEY_LEN];
	int			 has_psk;
	char			 psk_file[PATH_MAX];	/* read by the parent */
	int			 has_endpoint;
	char			 endpoint_host[256];	/* as written, IPv6
							   without brackets */
	uint16_t		 endpoint_port;
	struct ip_prefix	 allowed[CONF_MAX_ALLOWED];
	int			 nallowed;
	uint16_t		 keepalive;		/* seconds, 0 = off */
};
TAILQ_HEAD(conf_peers, conf_peer);

/* The hub this node logs in to (hub ... in hamd.conf). */
#define CONF_NICK_MAX		33	/* HUB_NICK_MAX */
#define CONF_DEFAULT_HUB_PORT	7777	/* HUB_DEFAULT_PORT */
/*
 * Hub peers' persistent keepalive (hub-keepalive): NAT mappings and
 * conntrack entries for UDP commonly expire after 30 s of silence, so a
 * useful value stays below that.
 */
#define CONF_DEFAULT_HUB_KEEPALIVE 25	/* s */
/* One address of the hub (a cluster's hubs share one key). */
struct conf_hub_addr {
	char			 host[256];	/* IPv6 without brackets */
	uint16_t		 port;
};
#define CONF_HUB_ADDRS		8

struct conf_hub {
	int			 enabled;
	/* In the order given: tried in turn, the next after a failure. */
	struct conf_hub_addr	 addr[CONF_HUB_ADDRS];
	int			 naddrs;
	uint8_t			 pubkey[KEY_LEN];
	char			 nickname[CONF_NICK_MAX];
	uint16_t		 keepalive;	/* for the hub's peers, s */
};

/*
 * public-endpoint: a port forwarded to this node's WireGuard port,
 * offered to peers as a candidate.  A numeric address: the parser looks
 * up no names, and a candidate must not change behind our back.
 */
struct conf_public_ep {
	int			 set;
	sa_family_t		 af;		/* AF_INET or AF_INET6 */
	uint16_t		 port;		/* host byte order */
	union {
		struct in_addr	 v4;
		struct in6_addr	 v6;
	}			 addr;
};

struct hamd_config {
	/* privilege separation */
	char			 user[CONF_NAME_MAX];
	char			 chroot_dir[PATH_MAX];
	char			 state_dir[PATH_MAX];
	/* control socket */
	char			 socket_path[CONF_SOCKET_MAX];
	char			 admin_group[CONF_NAME_MAX];	/* "" = none */
	enum read_access	 read_access;
	int			 verbose;	/* log verbose: 1 */
	/* interface (data plane) */
	char			 ifname[IFNAMSIZ];
	uint16_t		 mtu;
	struct ip_prefix	 addrs[CONF_MAX_ADDRS];
	int			 naddrs;
	uint16_t		 listen_port;
	char			 private_key_file[PATH_MAX];	/* "" = state_dir/private.key */
	/* static peers */
	struct conf_peers	 peers;
	int			 npeers;
	/* the hub */
	struct conf_hub		 hub;
	struct conf_public_ep	 public_ep;	/* reloadable, unlike hub */
	struct web_listen	 web;		/* http-listen: the web child */
	/* advertise-route: LAN prefixes offered to the hub at each login */
	struct ip_prefix	 advertise[CONF_MAX_ADVERTISE];
	uint8_t			 advertise_masq[CONF_MAX_ADVERTISE];
	int			 nadvertise;
	/* the member-name responder's domain; "" : none */
	char			 dns_domain[256];
};

/* A config with every default filled in. NULL on ENOMEM. */
struct hamd_config	*config_new_default(void);
void			 config_free(struct hamd_config *);
/* The private key file, with the state-directory default applied. */
const char		*config_private_key_path(const struct hamd_config *,
			    char *buf, size_t len);

/*
 * Parse file into a new config (defaults first, then the file).
 * Errors are printed with log_warnx as "file:line: message"; returns
 * NULL if there was any.  opts_socket, if not NULL, overrides the socket
 * from the file (hamd -s).
 */
struct hamd_config	*parse_config(const char *file, const char *opts_socket);

/* Helpers the parser uses, also tested directly. 0 or -1. */
int	conf_parse_endpoint(const char *, char *host, size_t hostlen,
	    uint16_t *port);
/* The same, with a message in err that says what is wrong. */
int	conf_parse_endpoint_err(const char *, char *host, size_t hostlen,
	    uint16_t *port, char *err, size_t errlen);
/*
 * One address of a hub line: "host", "host:port", "[v6]:port" or a bare
 * IPv6 address; port 7777 if none.  0, or -1 if it is none of those.
 */
int	conf_parse_hub_addr(const char *, struct conf_hub_addr *);
/* A nickname hub_nick_valid() accepts: up to 32 printable characters. */
int	conf_nick_valid(const char *);
/*
 * A public-endpoint value: a numeric IPv4 "a.b.c.d:port" or IPv6
 * "[addr]:port" of a unicast address peers can reach (not unspecified,
 * loopback, multicast or link-local).  0, or -1 with err set.
 */
int	conf_parse_public_ep(const char *, struct conf_public_ep *,
	    char *err, size_t errlen);
/* A dns-domain value (dnsmsg.h's dns_domain, or "" for none); 0 or -1. */
int	conf_dns_domain(struct hamd_config *, const char *);
int	conf_prefix_eq(const struct ip_prefix *, const struct ip_prefix *);
/* FNV-1a of a prefix: the parser's table of allowed IPs. */
uint32_t conf_prefix_hash(const struct ip_prefix *);
/*
 * An advertise-route value: a LAN prefix (hub_route_valid: no default
 * route, no host bits) not given before; 0, or -1 with err set.
 */
int	conf_advertise_add(struct hamd_config *, const char *, int masq,
	    char *err, size_t errlen);
/* The parser's keyword table, in order; NULL past the end (tests). */
const char *conf_keyword(size_t);

#endif
