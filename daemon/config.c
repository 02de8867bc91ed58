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

#include "config.h"

_Static_assert(sizeof(CONF_DEFAULT_SOCKET) <= CONF_SOCKET_MAX,
    "the default socket path does not fit in sun_path");
_Static_assert(sizeof(CONF_DEFAULT_IFNAME) <= IFNAMSIZ,
    "the default interface name is too long");

static int
copy_str(char *dst, size_t len, const char *src)
{
	size_t	 n = strlen(src);

	if (n >= len)
		return (-1);
	memcpy(dst, src, n + 1);
	return (0);
}

struct hamd_config *
config_new_default(void)
{
	struct hamd_config	*conf;

	if ((conf = calloc(1, sizeof(*conf))) == NULL)
		return (NULL);
	if (copy_str(conf->user, sizeof(conf->user), HAMD_USER) == -1 ||
	    copy_str(conf->chroot_dir, sizeof(conf->chroot_dir),
	    CONF_DEFAULT_CHROOT) == -1 ||
	    copy_str(conf->state_dir, sizeof(conf->state_dir),
	    HAMD_STATEDIR) == -1 ||
	    copy_str(conf->socket_path, sizeof(conf->socket_path),
	    CONF_DEFAULT_SOCKET) == -1 ||
	    copy_str(conf->ifname, sizeof(conf->ifname),
	    CONF_DEFAULT_IFNAME) == -1) {
		free(conf);
		return (NULL);
	}
	conf->admin_group[0] = '\0';
	conf->read_access = READ_ACCESS_ADMINS;
	conf->verbose = 0;
	conf->mtu = CONF_DEFAULT_MTU;
	conf->listen_port = CONF_DEFAULT_PORT;
	conf->hub.port = CONF_DEFAULT_HUB_PORT;
	conf->hub.keepalive = CONF_DEFAULT_HUB_KEEPALIVE;
	conf->private_key_file[0] = '\0';
	TAILQ_INIT(&conf->peers);
	return (conf);
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
		return (NULL);
	return (buf);
}

static void __attribute__((format(printf, 3, 4)))
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * Input quoted back in a message: at most 64 bytes and printable, so a
 * hostile value can neither flood the log nor forge lines in it.
 */
static const char *
shown(const char *s, char *buf, size_t len)
{
	size_t	 i, j = 0, max = 64;

	for (i = 0; s[i] != '\0' && j + 4 < len; i++) {
		if (i == max) {
			memcpy(buf + j, "...", 3);
			j += 3;
			break;
		}
		buf[j++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	}
	buf[j] = '\0';
	return (buf);
}

static size_t
addr_len(sa_family_t af)
{
	return (af == AF_INET ? sizeof(struct in_addr) :
	    sizeof(struct in6_addr));
}

/* Clear the bits past plen; returns whether any was set. */
static int
prefix_mask(struct conf_prefix *p)
{
	uint8_t		*b = (uint8_t *)&p->addr;
	size_t		 i, n = addr_len(p->af);
	int		 changed = 0;

	for (i = 0; i < n; i++) {
		size_t		 bit = i * 8;
		uint8_t		 keep;

		if (bit + 8 <= p->plen)
			continue;
		keep = bit >= p->plen ? 0 :
		    (uint8_t)(0xff << (8 - (p->plen - bit)));
		if (b[i] & ~keep)
			changed = 1;
		b[i] &= keep;
	}
	return (changed);
}

const char *
conf_prefix_str(const struct conf_prefix *p, char *buf, size_t len)
{
	char	 a[INET6_ADDRSTRLEN];

	if (inet_ntop(p->af, &p->addr, a, sizeof(a)) == NULL)
		(void)snprintf(a, sizeof(a), "?");
	(void)snprintf(buf, len, "%s/%u", a, p->plen);
	return (buf);
}

int
conf_parse_prefix_err(const char *s, struct conf_prefix *p,
    int host_bits_ok, char *err, size_t errlen)
{
	char		 a[INET6_ADDRSTRLEN], sb[80], net[CONF_PREFIX_STRLEN];
	const char	*slash, *l;
	size_t		 alen;
	unsigned int	 max, plen;

	memset(p, 0, sizeof(*p));
	if (s == NULL || *s == '\0') {
		seterr(err, errlen, "empty address: expected a.b.c.d/len "
		    "or x:x::x/len");
		return (-1);
	}
	slash = strchr(s, '/');
	alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(a))
		goto bad;
	memcpy(a, s, alen);
	a[alen] = '\0';
	if (strchr(a, ':') != NULL) {
		p->af = AF_INET6;
		max = 128;
	} else {
		p->af = AF_INET;
		max = 32;
	}
	if (inet_pton(p->af, a, &p->addr) != 1)
		goto bad;
	plen = max;
	if (slash != NULL) {
		l = slash + 1;
		/* Digits only: no sign, no space, no "0x", at most 3. */
		if (l[0] == '\0' || strspn(l, "0123456789") != strlen(l)) {
			seterr(err, errlen, "invalid prefix length in %s: "
			    "expected 0-%u after the /",
			    shown(s, sb, sizeof(sb)), max);
			return (-1);
		}
		if (strlen(l) > 3 || (plen = (unsigned int)atoi(l)) > max) {
			seterr(err, errlen, "prefix length %s out of range "
			    "in %s: expected 0-%u", shown(l, net, sizeof(net)),
			    shown(s, sb, sizeof(sb)), max);
			return (-1);
		}
	}
	p->plen = (uint8_t)plen;
	if (!host_bits_ok) {
		struct conf_prefix	 m = *p;

		if (prefix_mask(&m)) {
			seterr(err, errlen, "host bits set in %s: expected "
			    "the network address %s", shown(s, sb, sizeof(sb)),
			    conf_prefix_str(&m, net, sizeof(net)));
			return (-1);
		}
	}
	return (0);
 bad:
	seterr(err, errlen, "invalid address %s: expected a.b.c.d/len or "
	    "x:x::x/len", shown(s, sb, sizeof(sb)));
	memset(p, 0, sizeof(*p));
	return (-1);
}

int
conf_parse_prefix(const char *s, struct conf_prefix *p, int host_bits_ok)
{
	return (conf_parse_prefix_err(s, p, host_bits_ok, NULL, 0));
}

static int
is_alnum(int c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'));
}

/* RFC 1123 names, plus '_' that some zones use; no resolution here. */
static int
valid_hostname(const char *h, size_t n)
{
	size_t	 i, label = 0;

	if (n == 0 || n > 253 + (h[n - 1] == '.'))
		return (0);
	for (i = 0; i < n; i++) {
		if (h[i] == '.') {
			if (label == 0 || h[i - 1] == '-')
				return (0);
			label = 0;
			continue;
		}
		if (!is_alnum((unsigned char)h[i]) && h[i] != '-' &&
		    h[i] != '_')
			return (0);
		if (h[i] == '-' && label == 0)
			return (0);
		if (++label > 63)
			return (0);
	}
	return (h[n - 1] != '-');
}

/* An interface name after '%' in a link-local address. */
static int
valid_zone(const char *z)
{
	size_t	 n = strlen(z);

	return (n > 0 && n < IFNAMSIZ &&
	    strspn(z, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_.-") == n);
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
		return (-1);
	}
	if (s[0] == '[') {
		h = s + 1;
		if ((close = strchr(h, ']')) == NULL) {
			seterr(err, errlen, "missing ] in endpoint %s: "
			    "expected [address]:port", shown(s, sb, sizeof(sb)));
			return (-1);
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
			return (-1);
		}
		p = close + 2;
	} else {
		if ((p = strrchr(s, ':')) == NULL) {
			seterr(err, errlen, "missing port in endpoint %s: "
			    "expected host:port", shown(s, sb, sizeof(sb)));
			return (-1);
		}
		h = s;
		hl = (size_t)(p - s);
		if (memchr(s, ':', hl) != NULL) {
			seterr(err, errlen, "IPv6 endpoint %s needs brackets: "
			    "expected [address]:port", shown(s, sb, sizeof(sb)));
			return (-1);
		}
		p++;
		if (hl == 0) {
			seterr(err, errlen, "missing host in endpoint %s: "
			    "expected host:port", shown(s, sb, sizeof(sb)));
			return (-1);
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
			return (-1);
		} else if (!valid_hostname(h, hl)) {
			seterr(err, errlen, "invalid host name in endpoint %s: "
			    "expected an IPv4 address, [IPv6 address] or DNS "
			    "name", shown(s, sb, sizeof(sb)));
			return (-1);
		}
	}
	if (*p == '\0' || strlen(p) > 5 ||
	    strspn(p, "0123456789") != strlen(p)) {
		seterr(err, errlen, "invalid port in endpoint %s: expected a "
		    "number 1-65535", shown(s, sb, sizeof(sb)));
		return (-1);
	}
	v = strtoul(p, NULL, 10);
	if (v < 1 || v > 65535) {
		seterr(err, errlen, "port %lu out of range in endpoint %s: "
		    "expected 1-65535", v, shown(s, sb, sizeof(sb)));
		return (-1);
	}
	if (hostlen == 0 || hl >= hostlen) {
		seterr(err, errlen, "host in endpoint %s too long: expected "
		    "at most %zu bytes", shown(s, sb, sizeof(sb)),
		    hostlen > 0 ? hostlen - 1 : 0);
		return (-1);
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	*port = (uint16_t)v;
	return (0);
 bad6:
	seterr(err, errlen, "invalid IPv6 address in endpoint %s: expected "
	    "[address]:port", shown(s, sb, sizeof(sb)));
	return (-1);
 bad4:
	seterr(err, errlen, "invalid IPv4 address in endpoint %s: expected "
	    "a.b.c.d:port", shown(s, sb, sizeof(sb)));
	return (-1);
}

int
conf_parse_endpoint(const char *s, char *host, size_t hostlen,
    uint16_t *port)
{
	return (conf_parse_endpoint_err(s, host, hostlen, port, NULL, 0));
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
		return (-1);
	if (inet_pton(AF_INET, host, &ep->addr.v4) == 1)
		ep->af = AF_INET;
	else if (inet_pton(AF_INET6, host, &ep->addr.v6) == 1)
		ep->af = AF_INET6;
	else {
		seterr(err, errlen, "%s is not a numeric address: expected "
		    "a.b.c.d:port or [IPv6 address]:port (names are not "
		    "looked up)", shown(s, sb, sizeof(sb)));
		return (-1);
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
		return (-1);
	}
	ep->port = port;
	ep->set = 1;
	return (0);
}
