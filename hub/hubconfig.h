/*
 * hamhubd's configuration: what hubparse.y builds from hamhubd.conf.
 * Plain data, like hamd's: the parent owns it and sends each child only
 * the part that child needs.  Types and limits that hamd.conf has too
 * come from below: names and paths from privsep/conflex.h, read-access
 * from privsep/control.h, prefixes from ipc/addr.h.
 */
#ifndef HAMD_HUBCONFIG_H
#define HAMD_HUBCONFIG_H

#include <sys/types.h>
#include <sys/socket.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl/ctlmsg.h"		/* CTL_SOCKET_* */
#include "ipc/addr.h"
#include "privsep/conflex.h"
#include "privsep/control.h"	/* enum read_access */
#include "privsep/webparse.h"	/* struct web_listen */

#define HUBD_CONF_DEFAULT_FILE	SYSCONFDIR "/hamhubd.conf"

/* Build-time paths; configure defines them in autoconf.h. */
#ifndef HUBD_USER
#define HUBD_USER		"_hamhub"
#endif
#ifndef HUBD_STATEDIR
#define HUBD_STATEDIR		"/var/lib/hamhubd"
#endif
/*
 * In the state directory: the key, the chroot of control and engine,
 * and the authority's chroot, whose data/ holds the database
 * (hamhubd.c makes them).
 */
#define HUBD_KEY_NAME		"hub.key"
#define HUBD_CHROOT_NAME	"empty"
#define HUBD_AUTHORITY_NAME	"authority"
#define HUBD_DB_PATH		HUBD_AUTHORITY_NAME "/data/hub.db"
#define HUBD_DEFAULT_CHROOT	HUBD_STATEDIR "/" HUBD_CHROOT_NAME
#define HUBD_DEFAULT_SOCKET	CTL_SOCKET_HAMHUBD

#define HUBD_DEFAULT_PORT	7777	/* HUB_DEFAULT_PORT, checked */
#define HUBD_MAX_LISTEN		8	/* addresses; "*" is two of them */
#define HUBD_DEFAULT_POOL4	"100.64.0.0/10"	/* RFC 6598 shared space */
#define HUBD_POOL4_PLEN_MIN	8
#define HUBD_POOL4_PLEN_MAX	30
#define HUBD_POOL6_PLEN_MIN	48
#define HUBD_POOL6_PLEN_MAX	96
#define HUBD_DEFAULT_MAX_CONNS	4096
#define HUBD_MAX_CONNS_MAX	1000000
#define HUBD_DEFAULT_PER_ADDR	16
#define HUBD_PER_ADDR_MAX	65535
#define HUBD_DEFAULT_LOGIN_TIMEOUT 10	/* seconds */
#define HUBD_LOGIN_TIMEOUT_MAX	300
/* Engine processes at most (hub/hubd_msg.h: HUBD_ENGINES_MAX). */
#define HUBD_CONF_ENGINES_MAX	16
/* A node in no network is forgotten when not seen for this long. */
#define HUBD_DEFAULT_NODE_EXPIRY (30 * 86400)	/* seconds */
#define HUBD_NODE_EXPIRY_MAX	(3650 * 86400)
/* "[x:x::x]:65535" */
#define HUBD_LISTEN_STRLEN	(INET6_ADDRSTRLEN + 8)

/* The store: SQLite in the state directory, or a shared PostgreSQL. */
enum hubd_db {
	HUBD_DB_SQLITE,
	HUBD_DB_POSTGRESQL
};
#define HUBD_CONNINFO_MAX	1024	/* libpq's connection string */

/* One TCP (and UDP) listener: a numeric address and its port. */
struct hubd_listen {
	struct sockaddr_storage	 ss;	/* sockaddr_in or sockaddr_in6 */
	socklen_t		 len;	/* of that */
};

struct hubd_config {
	/* privilege separation */
	char			 user[CONF_NAME_MAX];
	char			 chroot_dir[PATH_MAX];	/* control, engine */
	char			 state_dir[PATH_MAX];	/* see HUBD_*_NAME */
	/* control socket */
	char			 socket_path[CONF_SOCKET_MAX];
	char			 admin_group[CONF_NAME_MAX];	/* "" = none */
	enum read_access	 read_access;
	int			 verbose;	/* log verbose: 1 */
	/* the hub's static key; "" = hub.key in state_dir */
	char			 private_key_file[PATH_MAX];
	/* where nodes connect: at least one after parsing */
	struct hubd_listen	 listen[HUBD_MAX_LISTEN];
	int			 nlisten;
	/* overlay addresses handed to nodes */
	struct ip_prefix	 pool4;		/* always set */
	struct ip_prefix	 pool6;		/* af 0, plen 0: none given,
						   derive a ULA /64 */
	/* limits on node connections */
	uint32_t		 max_conns;
	uint32_t		 max_per_addr;
	uint32_t		 login_timeout;	/* seconds */
	uint32_t		 node_expiry;	/* seconds */
	/* engine processes; 0: one per CPU (hubd_engines()) */
	uint32_t		 engines;
	struct web_listen	 web;		/* http-listen: the web child */
	/* database: the store's backend */
	enum hubd_db		 db_type;
	char			 db_conninfo[HUBD_CONNINFO_MAX];
	char			 db_password_file[PATH_MAX];	/* "" none */
};

/*
 * Parse file (NULL: the default) into a new config, defaults first.
 * Errors are printed with log_warnx as "file:line: message"; returns
 * NULL if there was any.  Warnings ("file:line: warning: ...") do not
 * fail the parse.  socket_override, if not NULL, replaces the socket
 * from the file (hamhubd -s).
 */
struct hubd_config	*hubd_parse_config(const char *file,
			    const char *socket_override);
/* The engine processes to run: as configured, or one per CPU online. */
uint32_t		 hubd_engines(const struct hubd_config *);
/* A config with every default filled in.  NULL on ENOMEM. */
struct hubd_config	*hubd_config_new_default(void);
void			 hubd_config_free(struct hubd_config *);
/* The private key file, with the state-directory default applied; NULL
 * if it does not fit in len. */
char			*hubd_private_key_path(const struct hubd_config *,
			    char *buf, size_t len);

/*
 * Helpers the parser uses, also tested directly.
 *
 * A listen address: numeric IPv4, IPv6 (brackets allowed, no scope) or
 * "*" for both wildcards; fills out[0..*n-1] with the port set.  0, or
 * -1 with the reason in err.
 */
int	hubd_parse_listen(const char *addr, uint16_t port,
	    struct hubd_listen out[2], int *n, char *err, size_t errlen);
/*
 * An address pool: the prefix length in range and the space unicast.
 * 0 if fine, 1 if usable but not private space (err says why: a
 * warning), -1 if not usable (err says why).
 */
int	hubd_check_pool(const struct ip_prefix *, char *err,
	    size_t errlen);
/*
 * A PostgreSQL connection string the authority can use: libpq reads
 * it, it names no password (that comes from a password file only) and
 * no passfile, and every host is a network name or address or an
 * abstract socket (@name): the authority connects from its chroot,
 * where no socket directory is.  0, or -1 with the reason in err.
 */
int	hubd_check_conninfo(const char *conninfo, char *err, size_t errlen);
/* "192.0.2.1:7777" or "[2001:db8::1]:7777" into buf; returns buf. */
const char *hubd_listen_str(const struct hubd_listen *, char *buf,
	    size_t len);
/* The parser's keyword table, in order; NULL past the end (tests). */
const char *hubd_conf_keyword(size_t);

#endif
