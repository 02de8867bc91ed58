/*
 * hamd's configuration: defaults, and the checks on addresses and
 * endpoints that parse.y and the tests share.  Nothing here resolves a
 * name or touches the file system: the parser only records what the
 * file says, the parent acts on it.
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

#include "compat/util.h"
#include "daemon/config.h"
#include "daemon/dnsmsg.h"
#include "proto/hubproto.h"

_Static_assert(sizeof(CONF_DEFAULT_SOCKET) <= CONF_SOCKET_MAX,
    "the default socket path does not fit in sun_path");
_Static_assert(sizeof(CONF_DEFAULT_IFNAME) <= IFNAMSIZ,
    "the default interface name is too long");

struct hamd_config *
config_new_default(void)
{
	struct hamd_config	*conf;

	if ((conf = calloc(1, sizeof(*conf))) == NULL)
		return NULL;
	if (conflex_copy(conf->user, sizeof(conf->user), HAMD_USER) == -1 ||
	    conflex_copy(conf->chroot_dir, sizeof(conf->chroot_dir),
	    CONF_DEFAULT_CHROOT) == -1 ||
	    conflex_copy(conf->state_dir, sizeof(conf->state_dir),
	    HAMD_STATEDIR) == -1 ||
	    conflex_copy(conf->socket_path, sizeof(conf->socket_path),
	    CONF_DEFAULT_SOCKET) == -1 ||
	    conflex_copy(conf->ifname, sizeof(conf->ifname),
	    CONF_DEFAULT_IFNAME) == -1) {
		free(conf);
		return NULL;
	}
	conf->admin_group[0] = '\0';
	conf->read_access = READ_ACCESS_ADMINS;
	conf->verbose = 0;
	conf->mtu = CONF_DEFAULT_MTU;
	conf->listen_port = CONF_DEFAULT_PORT;
	conf->hub.keepalive = CONF_DEFAULT_HUB_KEEPALIVE;
	(void)strlcpy(conf->dns_domain, DNS_DEFAULT_DOMAIN,
	    sizeof(conf->dns_domain));
	conf->private_key_file[0] = '\0';
	TAILQ_INIT(&conf->peers);
	return conf;
}

void
config_free(struct hamd_config *conf)
{
	struct conf_peer	*p;

	if (conf == NULL)
		return;
	while ((p = TAILQ_FIRST(&conf->peers)) != NULL) {
		TAILQ_REMOVE(&conf->peers, p, entry);
		free(p);
	}
	free(conf);
}

const char *
config_private_key_path(const struct hamd_config *conf, char *buf,
    size_t len)
{
	int	 n;

	if (conf->private_key_file[0] != '\0')
		n = snprintf(buf, len, "%s", conf->private_key_file);
	else
		n = snprintf(buf, len, "%s/private.key", conf->state_dir);
	if (n < 0 || (size_t)n >= len)
		return NULL;
	return buf;
}

static int
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* RFC 1123 names, plus '_' that some zones use; no resolution here. */
static int
valid_hostname(const char *h, size_t n)
{
	size_t	 i, label = 0;

	if (n == 0 || n > 253 + (h[n - 1] == '.'))
		return 0;
	for (i = 0; i < n; i++) {
		if (h[i] == '.') {
			if (label == 0 || h[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!is_alnum((unsigned char)h[i]) && h[i] != '-' &&
		    h[i] != '_')
			return 0;
		if (h[i] == '-' && label == 0)
			return 0;
		if (++label > 63)
			return 0;
	}
	return h[n - 1] != '-';
}

/* An interface name after '%' in a link-local address. */
static int
valid_zone(const char *z)
{
	size_t	 n = strlen(z);

	return n > 0 && n < IFNAMSIZ &&
	    strspn(z, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_.-") == n;
}

int
conf_parse_endpoint_err(const char *s, char *host, size_t hostlen,
    uint16_t *port, char *err, size_t errlen)
{
	char		 sb[80], tmp[INET6_ADDRSTRLEN + IFNAMSIZ + 1];
	struct in6_addr	 in6;
	struct in_addr	 in4;
	const char	*h, *p, *close, *pct;
	size_t		 hl;
	unsigned long	 v;

	if (s == NULL || *s == '\0') {
		seterr(err, errlen, "empty endpoint: expected host:port");
		return -1;
	}
	if (s[0] == '[') {
		h = s + 1;
		if ((close = strchr(h, ']')) == NULL) {
			seterr(err, errlen, "missing ] in endpoint %s: "
			    "expected [address]:port", shown(s, sb, sizeof(sb)));
			return -1;
		}
		hl = (size_t)(close - h);
		if (hl == 0 || hl >= sizeof(tmp))
			goto bad6;
		memcpy(tmp, h, hl);
		tmp[hl] = '\0';
		if ((pct = strchr(tmp, '%')) != NULL) {
			if (!valid_zone(pct + 1))
				goto bad6;
			tmp[pct - tmp] = '\0';
		}
		if (inet_pton(AF_INET6, tmp, &in6) != 1)
			goto bad6;
		if (close[1] != ':') {
			seterr(err, errlen, "missing port in endpoint %s: "
			    "expected [address]:port", shown(s, sb, sizeof(sb)));
			return -1;
		}
		p = close + 2;
	} else {
		if ((p = strrchr(s, ':')) == NULL) {
			seterr(err, errlen, "missing port in endpoint %s: "
			    "expected host:port", shown(s, sb, sizeof(sb)));
			return -1;
		}
		h = s;
		hl = (size_t)(p - s);
		if (memchr(s, ':', hl) != NULL) {
			seterr(err, errlen, "IPv6 endpoint %s needs brackets: "
			    "expected [address]:port", shown(s, sb, sizeof(sb)));
			return -1;
		}
		p++;
		if (hl == 0) {
			seterr(err, errlen, "missing host in endpoint %s: "
			    "expected host:port", shown(s, sb, sizeof(sb)));
			return -1;
		}
		/* Digits and dots only: an IPv4 address or nothing. */
		if (strspn(h, "0123456789.") == hl) {
			if (hl >= sizeof(tmp))
				goto bad4;
			memcpy(tmp, h, hl);
			tmp[hl] = '\0';
			if (inet_pton(AF_INET, tmp, &in4) != 1)
				goto bad4;
		} else if (hl > 253 + (h[hl - 1] == '.')) {
			seterr(err, errlen, "host name in endpoint %s too long: "
			    "expected at most 253 bytes", shown(s, sb, sizeof(sb)));
			return -1;
		} else if (!valid_hostname(h, hl)) {
			seterr(err, errlen, "invalid host name in endpoint %s: "
			    "expected an IPv4 address, [IPv6 address] or DNS "
			    "name", shown(s, sb, sizeof(sb)));
			return -1;
		}
	}
	if (*p == '\0' || strlen(p) > 5 ||
	    strspn(p, "0123456789") != strlen(p)) {
		seterr(err, errlen, "invalid port in endpoint %s: expected a "
		    "number 1-65535", shown(s, sb, sizeof(sb)));
		return -1;
	}
	v = strtoul(p, NULL, 10);
	if (v < 1 || v > 65535) {
		seterr(err, errlen, "port %lu out of range in endpoint %s: "
		    "expected 1-65535", v, shown(s, sb, sizeof(sb)));
		return -1;
	}
	if (hostlen == 0 || hl >= hostlen) {
		seterr(err, errlen, "host in endpoint %s too long: expected "
		    "at most %zu bytes", shown(s, sb, sizeof(sb)),
		    hostlen > 0 ? hostlen - 1 : 0);
		return -1;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	*port = (uint16_t)v;
	return 0;
 bad6:
	seterr(err, errlen, "invalid IPv6 address in endpoint %s: expected "
	    "[address]:port", shown(s, sb, sizeof(sb)));
	return -1;
 bad4:
	seterr(err, errlen, "invalid IPv4 address in endpoint %s: expected "
	    "a.b.c.d:port", shown(s, sb, sizeof(sb)));
	return -1;
}

int
conf_parse_endpoint(const char *s, char *host, size_t hostlen,
    uint16_t *port)
{
	return conf_parse_endpoint_err(s, host, hostlen, port, NULL, 0);
}

int
conf_parse_public_ep(const char *s, struct conf_public_ep *ep, char *err,
    size_t errlen)
{
	char		 sb[80], host[INET6_ADDRSTRLEN + IFNAMSIZ + 1];
	uint16_t	 port;
	const uint8_t	*b;

	memset(ep, 0, sizeof(*ep));
	if (conf_parse_endpoint_err(s, host, sizeof(host), &port, err,
	    errlen) == -1)
		return -1;
	if (inet_pton(AF_INET, host, &ep->addr.v4) == 1)
		ep->af = AF_INET;
	else if (inet_pton(AF_INET6, host, &ep->addr.v6) == 1)
		ep->af = AF_INET6;
	else {
		seterr(err, errlen, "%s is not a numeric address: expected "
		    "a.b.c.d:port or [IPv6 address]:port (names are not "
		    "looked up)", shown(s, sb, sizeof(sb)));
		return -1;
	}
	b = (const uint8_t *)&ep->addr;
	if ((ep->af == AF_INET && (b[0] == 0 || b[0] == 127 || b[0] >= 224 ||
	    (b[0] == 169 && b[1] == 254))) ||
	    (ep->af == AF_INET6 && (IN6_IS_ADDR_UNSPECIFIED(&ep->addr.v6) ||
	    IN6_IS_ADDR_LOOPBACK(&ep->addr.v6) ||
	    IN6_IS_ADDR_MULTICAST(&ep->addr.v6) ||
	    IN6_IS_ADDR_LINKLOCAL(&ep->addr.v6) ||
	    IN6_IS_ADDR_V4MAPPED(&ep->addr.v6)))) {
		seterr(err, errlen, "%s cannot be reached by peers: expected "
		    "a unicast address, not unspecified, loopback, multicast "
		    "or link-local", shown(s, sb, sizeof(sb)));
		memset(ep, 0, sizeof(*ep));
		return -1;
	}
	ep->port = port;
	ep->set = 1;
	return 0;
}

int
conf_dns_domain(struct hamd_config *conf, const char *v)
{
	char	 d[DNS_NAME_MAX + 1];

	if (v[0] == '\0') {
		conf->dns_domain[0] = '\0';
		return 0;
	}
	if (dns_domain(v, d) == -1)
		return -1;
	(void)strlcpy(conf->dns_domain, d, sizeof(conf->dns_domain));
	return 0;
}

int
conf_parse_hub_addr(const char *v, struct conf_hub_addr *ha)
{
	struct in6_addr	 a6;
	uint16_t	 port = 0;

	memset(ha, 0, sizeof(*ha));
	if (conf_parse_endpoint(v, ha->host, sizeof(ha->host), &port) == -1) {
		if (strlen(v) == 0 || strlen(v) >= sizeof(ha->host) ||
		    strpbrk(v, " \t/[]") != NULL || (strchr(v, ':') != NULL &&
		    inet_pton(AF_INET6, v, &a6) != 1))
			return -1;
		(void)strlcpy(ha->host, v, sizeof(ha->host));
		port = 0;
	}
	ha->port = port != 0 ? port : CONF_DEFAULT_HUB_PORT;
	return 0;
}

int
conf_nick_valid(const char *v)
{
	size_t	 n = 0;

	for (; *v != '\0'; v++, n++)
		if (*v < 0x20 || *v > 0x7e || *v == '"' || *v == '\\')
			return 0;
	return n < CONF_NICK_MAX;
}

int
conf_prefix_eq(const struct ip_prefix *a, const struct ip_prefix *b)
{
	return a->af == b->af && a->plen == b->plen &&
	    memcmp(&a->addr, &b->addr, a->af == AF_INET ?
	    sizeof(struct in_addr) : sizeof(struct in6_addr)) == 0;
}

int
conf_advertise_add(struct hamd_config *conf, const char *s, int masq,
    char *err, size_t errlen)
{
	struct ip_prefix	 p;
	int			 i;

	if (prefix_parse(s, &p, 0, err, errlen) == -1)
		return -1;
	if (!hub_route_valid(&p)) {
		seterr(err, errlen, "not a LAN prefix: a default route, "
		    "loopback, link-local or multicast range is never routed");
		return -1;
	}
	for (i = 0; i < conf->nadvertise; i++)
		if (conf_prefix_eq(&conf->advertise[i], &p) ||
		    prefix_overlap(&conf->advertise[i], &p)) {
			seterr(err, errlen, "overlaps a route advertised "
			    "above");
			return -1;
		}
	if (conf->nadvertise == CONF_MAX_ADVERTISE) {
		seterr(err, errlen, "at most %d routes", CONF_MAX_ADVERTISE);
		return -1;
	}
	conf->advertise_masq[conf->nadvertise] = (uint8_t)(masq != 0);
	conf->advertise[conf->nadvertise++] = p;
	return 0;
}

uint32_t
conf_prefix_hash(const struct ip_prefix *p)
{
	const uint8_t	*b = (const uint8_t *)&p->addr;
	size_t		 i, n = p->af == AF_INET ? 4 : 16;
	uint32_t	 h = 2166136261U;

	h = (h ^ p->af) * 16777619U;
	h = (h ^ p->plen) * 16777619U;
	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619U;
	return h;
}
