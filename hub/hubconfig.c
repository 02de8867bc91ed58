/*
 * hamhubd's configuration: defaults, and the checks on listen addresses
 * and address pools that hubparse.y and the tests share.  Nothing here
 * resolves a name or touches the file system.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "compat/util.h"
#include "hub/hubconfig.h"
#include "proto/hubproto.h"

_Static_assert(HUBD_DEFAULT_PORT == HUB_DEFAULT_PORT,
    "hamhubd.conf's default port is not the protocol's");
_Static_assert(sizeof(HUBD_DEFAULT_SOCKET) <= CONF_SOCKET_MAX,
    "the default socket path does not fit in sun_path");

struct hubd_config *
hubd_config_new_default(void)
{
	struct hubd_config	*conf;
	int			 n;

	if ((conf = calloc(1, sizeof(*conf))) == NULL)
		return NULL;
	if (conflex_copy(conf->user, sizeof(conf->user), HUBD_USER) == -1 ||
	    conflex_copy(conf->chroot_dir, sizeof(conf->chroot_dir),
	    HUBD_DEFAULT_CHROOT) == -1 ||
	    conflex_copy(conf->state_dir, sizeof(conf->state_dir),
	    HUBD_STATEDIR) == -1 ||
	    conflex_copy(conf->socket_path, sizeof(conf->socket_path),
	    HUBD_DEFAULT_SOCKET) == -1 ||
	    hubd_parse_listen("*", HUBD_DEFAULT_PORT, conf->listen, &n, NULL,
	    0) == -1 ||
	    prefix_parse(HUBD_DEFAULT_POOL4, &conf->pool4, 0, NULL, 0) == -1) {
		free(conf);
		return NULL;
	}
	conf->nlisten = n;
	conf->admin_group[0] = '\0';
	conf->read_access = READ_ACCESS_ADMINS;
	conf->verbose = 0;
	conf->private_key_file[0] = '\0';
	memset(&conf->pool6, 0, sizeof(conf->pool6));
	conf->max_conns = HUBD_DEFAULT_MAX_CONNS;
	conf->max_per_addr = HUBD_DEFAULT_PER_ADDR;
	conf->login_timeout = HUBD_DEFAULT_LOGIN_TIMEOUT;
	conf->node_expiry = HUBD_DEFAULT_NODE_EXPIRY;
	return conf;
}

void
hubd_config_free(struct hubd_config *conf)
{
	free(conf);
}

uint32_t
hubd_engines(const struct hubd_config *conf)
{
	long	 n;

	if (conf->engines != 0)
		return conf->engines;
	if ((n = sysconf(_SC_NPROCESSORS_ONLN)) < 1)
		n = 1;
	return n > HUBD_CONF_ENGINES_MAX ? HUBD_CONF_ENGINES_MAX : (uint32_t)n;
}

char *
hubd_private_key_path(const struct hubd_config *conf, char *buf,
    size_t len)
{
	int	 n;

	if (conf->private_key_file[0] != '\0')
		n = snprintf(buf, len, "%s", conf->private_key_file);
	else
		n = snprintf(buf, len, "%s/%s", conf->state_dir,
		    HUBD_KEY_NAME);
	if (n < 0 || (size_t)n >= len)
		return NULL;
	return buf;
}

static void
set_v4(struct hubd_listen *l, const struct in_addr *a, uint16_t port)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&l->ss;

	memset(l, 0, sizeof(*l));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	sin->sin_addr = *a;
	l->len = sizeof(*sin);
}

static void
set_v6(struct hubd_listen *l, const struct in6_addr *a, uint16_t port)
{
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&l->ss;

	memset(l, 0, sizeof(*l));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	sin6->sin6_addr = *a;
	l->len = sizeof(*sin6);
}

int
hubd_parse_listen(const char *addr, uint16_t port, struct hubd_listen out[2],
    int *n, char *err, size_t errlen)
{
	char		 a[INET6_ADDRSTRLEN], sb[80];
	struct in_addr	 in4;
	struct in6_addr	 in6;
	size_t		 len;

	*n = 0;
	if (port == 0) {
		seterr(err, errlen, "port 0 is not a port to listen on: "
		    "expected 1-65535");
		return -1;
	}
	if (strcmp(addr, "*") == 0) {
		in4.s_addr = htonl(INADDR_ANY);
		set_v4(&out[0], &in4, port);
		set_v6(&out[1], &in6addr_any, port);
		*n = 2;
		return 0;
	}
	len = strlen(addr);
	if (len >= 2 && addr[0] == '[' && addr[len - 1] == ']') {
		addr++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof(a))
		goto bad;
	memcpy(a, addr, len);
	a[len] = '\0';
	if (strchr(a, '%') != NULL) {
		seterr(err, errlen, "scoped address %s: expected an address "
		    "without %%interface", shown(a, sb, sizeof(sb)));
		return -1;
	}
	if (inet_pton(AF_INET, a, &in4) == 1) {
		if (IN_MULTICAST(ntohl(in4.s_addr)) ||
		    in4.s_addr == htonl(INADDR_BROADCAST)) {
			seterr(err, errlen, "%s is not a unicast address",
			    shown(a, sb, sizeof(sb)));
			return -1;
		}
		set_v4(&out[0], &in4, port);
		*n = 1;
		return 0;
	}
	if (inet_pton(AF_INET6, a, &in6) == 1) {
		if (IN6_IS_ADDR_MULTICAST(&in6)) {
			seterr(err, errlen, "%s is not a unicast address",
			    shown(a, sb, sizeof(sb)));
			return -1;
		}
		if (IN6_IS_ADDR_V4MAPPED(&in6)) {
			seterr(err, errlen, "%s is an IPv4-mapped address: "
			    "expected the IPv4 address itself",
			    shown(a, sb, sizeof(sb)));
			return -1;
		}
		set_v6(&out[0], &in6, port);
		*n = 1;
		return 0;
	}
 bad:
	seterr(err, errlen, "invalid address %s: expected a numeric IPv4 or "
	    "IPv6 address, or * for all", shown(addr, sb, sizeof(sb)));
	return -1;
}

const char *
hubd_listen_str(const struct hubd_listen *l, char *buf, size_t len)
{
	const struct sockaddr_in	*sin = (const void *)&l->ss;
	const struct sockaddr_in6	*sin6 = (const void *)&l->ss;
	char				 a[INET6_ADDRSTRLEN];

	if (l->ss.ss_family == AF_INET &&
	    inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a)) != NULL)
		(void)snprintf(buf, len, "%s:%u", a, ntohs(sin->sin_port));
	else if (l->ss.ss_family == AF_INET6 &&
	    inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a)) != NULL)
		(void)snprintf(buf, len, "[%s]:%u", a,
		    ntohs(sin6->sin6_port));
	else
		(void)snprintf(buf, len, "?");
	return buf;
}

/* Do p and range share an address, that is, does one hold the other? */
static int
overlaps(const struct ip_prefix *p, const char *range)
{
	struct ip_prefix	 r;
	const uint8_t		*x = (const uint8_t *)&p->addr;
	const uint8_t		*y = (const uint8_t *)&r.addr;
	unsigned int		 bits, i;

	if (prefix_parse(range, &r, 0, NULL, 0) == -1 || r.af != p->af)
		return 0;
	bits = p->plen < r.plen ? p->plen : r.plen;
	for (i = 0; i < bits / 8; i++)
		if (x[i] != y[i])
			return 0;
	if (bits % 8 != 0 && ((x[i] ^ y[i]) & (0xff << (8 - bits % 8)) &
	    0xff) != 0)
		return 0;
	return 1;
}

/* Is p inside range? */
static int
within(const struct ip_prefix *p, const char *range)
{
	struct ip_prefix	 r;

	return prefix_parse(range, &r, 0, NULL, 0) == 0 && r.af == p->af &&
	    p->plen >= r.plen && overlaps(p, range);
}

/* Each host of a comma-separated list reachable from a chroot. */
static int
hosts_usable(const char *hosts, char *err, size_t errlen)
{
	const char	*h = hosts;
	size_t		 n;

	for (;;) {
		n = strcspn(h, ",");
		if (n == 0 || h[0] == '/') {
			(void)snprintf(err, errlen, "host %.*s: the authority "
			    "connects from its chroot, where a socket "
			    "directory cannot be reached: use a network "
			    "address (127.0.0.1 for a local server) or an "
			    "abstract socket (@name)", (int)n, h);
			return -1;
		}
		if (h[n] == '\0')
			return 0;
		h += n + 1;
	}
}

int
hubd_check_conninfo(const char *conninfo, char *err, size_t errlen)
{
	PQconninfoOption	*opts, *o;
	char			*msg = NULL;
	const char		*host = NULL, *hostaddr = NULL;
	int			 rc = 0;

	if ((opts = PQconninfoParse(conninfo, &msg)) == NULL) {
		(void)snprintf(err, errlen, "bad connection string: %s",
		    msg != NULL ? msg : "out of memory");
		if (msg != NULL)
			PQfreemem(msg);
		return -1;
	}
	for (o = opts; o->keyword != NULL && rc == 0; o++) {
		if (o->val == NULL || o->val[0] == '\0')
			continue;
		if (strcmp(o->keyword, "password") == 0 ||
		    strcmp(o->keyword, "passfile") == 0) {
			(void)snprintf(err, errlen, "no %s in the connection "
			    "string: give password-file", o->keyword);
			rc = -1;
		} else if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "hostaddr") == 0)
			hostaddr = o->val;
	}
	if (rc == 0 && host == NULL && hostaddr == NULL) {
		(void)snprintf(err, errlen, "no host in the connection string "
		    "(the default is a socket directory, which the "
		    "authority's chroot cannot reach)");
		rc = -1;
	} else if (rc == 0 && host != NULL && hostaddr == NULL)
		rc = hosts_usable(host, err, errlen);
	PQconninfoFree(opts);
	return rc;
}

int
hubd_check_pool(const struct ip_prefix *p, char *err, size_t errlen)
{
	/* Space a pool must not touch: nodes could not use it. */
	static const char *const bad4[] = {
		"0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16",
		"224.0.0.0/3",		/* multicast and reserved */
	};
	static const char *const bad6[] = {
		"::/8",			/* ::, ::1, IPv4-mapped */
		"fe80::/10", "ff00::/8",
	};
	static const char *const private4[] = {
		"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
		"100.64.0.0/10",
	};
	char		 ps[PREFIX_STRLEN];
	const char	*const *bad;
	size_t		 i, nbad;
	unsigned int	 lo, hi;
	int		 v4 = p->af == AF_INET;

	(void)prefix_str(p, ps, sizeof(ps));
	lo = v4 ? HUBD_POOL4_PLEN_MIN : HUBD_POOL6_PLEN_MIN;
	hi = v4 ? HUBD_POOL4_PLEN_MAX : HUBD_POOL6_PLEN_MAX;
	if (p->plen < lo || p->plen > hi) {
		seterr(err, errlen, "%s is too %s: expected a prefix length "
		    "of %u-%u for %s", ps, p->plen < lo ? "large" : "small",
		    lo, hi, v4 ? "IPv4" : "IPv6");
		return -1;
	}
	bad = v4 ? bad4 : bad6;
	nbad = v4 ? nitems(bad4) :
	    nitems(bad6);
	for (i = 0; i < nbad; i++)
		if (overlaps(p, bad[i])) {
			seterr(err, errlen, "%s overlaps %s, which nodes "
			    "cannot use: expected unicast space such as %s",
			    ps, bad[i], v4 ? HUBD_DEFAULT_POOL4 :
			    "fd00:1234:5678::/48");
			return -1;
		}
	if (v4) {
		for (i = 0; i < nitems(private4); i++)
			if (within(p, private4[i]))
				return 0;
		seterr(err, errlen, "%s is not private address space (RFC "
		    "1918 or RFC 6598): nodes refuse a pool that would route "
		    "public addresses into the mesh", ps);
		return -1;
	}
	if (within(p, "fc00::/7"))
		return 0;
	seterr(err, errlen, "%s is not a unique local prefix (fc00::/7): "
	    "nodes refuse a pool that would route public addresses into the "
	    "mesh", ps);
	return -1;
}
