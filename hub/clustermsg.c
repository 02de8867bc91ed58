/*
 * The cluster's notification payloads; see clustermsg.h.  The parser
 * reads what any client of the database may have sent on the channel,
 * so it takes exactly the forms the formatter writes and nothing else.
 */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>

#include "hub/clustermsg.h"
#include "proto/hubproto.h"

static const struct {
	int		 type;
	const char	*word;
	const char	*fields;	/* h hub, k key, n net, g 0|1,
					   r row, t type, f flags */
} forms[] = {
	{ CLUSTER_UP,		"up",		"hk" },
	{ CLUSTER_DOWN,		"down",		"hkg" },
	{ CLUSTER_PATHS,	"paths",	"hk" },
	{ CLUSTER_MEMBER,	"member",	"hnkrr" },
	{ CLUSTER_NET,		"net",		"hn" },
	{ CLUSTER_NETDEL,	"netdel",	"hntf" },
	{ CLUSTER_ROUTES,	"routes",	"hk" },
	{ CLUSTER_NETROUTES,	"netroutes",	"hnk" },
	{ CLUSTER_NAMES,	"names",	"hk" },
};

static const char	 hex[] = "0123456789abcdef";

static char *
put_hex(char *p, const uint8_t *b, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		*p++ = hex[b[i] >> 4];
		*p++ = hex[b[i] & 15];
	}
	return p;
}

static int
row_ok(const struct cluster_row *r)
{
	return !r->has || (r->state < HUB_MSTATE_MAX && r->role < HUB_ROLE_MAX);
}

size_t
cluster_msg_format(const struct cluster_ev *ev, char *out, size_t cap)
{
	char			 buf[CLUSTER_MSG_MAX], *p = buf;
	const char		*f;
	const struct cluster_row *r;
	size_t			 i, len;
	int			 nrow = 0;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		if (forms[i].type == ev->type)
			break;
	if (i == sizeof(forms) / sizeof(forms[0]) || ev->hub <= 0 ||
	    ev->graceful > 1 || !row_ok(&ev->before) || !row_ok(&ev->after) ||
	    ev->ntype >= HUB_TYPE_MAX || (ev->nflags & ~HUB_NET_FLAGS) != 0)
		return 0;
	p += snprintf(p, 16, "%s", forms[i].word);
	for (f = forms[i].fields; *f != '\0'; f++) {
		*p++ = ' ';
		switch (*f) {
		case 'h':
			p += snprintf(p, 24, "%lld", (long long)ev->hub);
			break;
		case 'k':
			p = put_hex(p, ev->key, sizeof(ev->key));
			break;
		case 'n':
			p = put_hex(p, ev->net, sizeof(ev->net));
			break;
		case 'g':
			*p++ = (char)('0' + ev->graceful);
			break;
		case 'r':
			r = nrow++ == 0 ? &ev->before : &ev->after;
			if (!r->has)
				*p++ = '-';
			else {
				*p++ = (char)('0' + r->state);
				*p++ = (char)('0' + r->role);
			}
			break;
		case 't':
			*p++ = (char)('0' + ev->ntype);
			break;
		default:	/* 'f' */
			*p++ = (char)('0' + ev->nflags);
			break;
		}
	}
	*p = '\0';
	len = (size_t)(p - buf);
	if (len >= cap)
		return 0;
	memcpy(out, buf, len + 1);
	return len;
}

static int
get_hex(const char *s, size_t n, uint8_t *b, size_t len)
{
	const char	*x, *y;
	size_t		 i;

	if (n != len * 2)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[2 * i] == '\0' || s[2 * i + 1] == '\0' ||
		    (x = strchr(hex, s[2 * i])) == NULL ||
		    (y = strchr(hex, s[2 * i + 1])) == NULL)
			return -1;
		b[i] = (uint8_t)((x - hex) << 4 | (y - hex));
	}
	return 0;
}

/* A decimal from 1 to INT64_MAX, no sign, no leading zero. */
static int
get_hub(const char *s, size_t n, int64_t *out)
{
	uint64_t	 v = 0;
	size_t		 i;

	if (n == 0 || n > 19 || s[0] == '0')
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > (uint64_t)INT64_MAX)
		return -1;
	*out = (int64_t)v;
	return 0;
}

/* One digit below max. */
static int
get_digit(const char *s, size_t n, int max, uint8_t *out)
{
	if (n != 1 || s[0] < '0' || s[0] >= '0' + max)
		return -1;
	*out = (uint8_t)(s[0] - '0');
	return 0;
}

static int
get_row(const char *s, size_t n, struct cluster_row *r)
{
	memset(r, 0, sizeof(*r));
	if (n == 1 && s[0] == '-')
		return 0;
	if (n != 2 || get_digit(s, 1, HUB_MSTATE_MAX, &r->state) == -1 ||
	    get_digit(s + 1, 1, HUB_ROLE_MAX, &r->role) == -1)
		return -1;
	r->has = 1;
	return 0;
}

int
cluster_msg_parse(struct cluster_ev *ev, const char *payload)
{
	const char	*p = payload, *f;
	size_t		 i, n;
	int		 nrow = 0, rc = 0;

	memset(ev, 0, sizeof(*ev));
	if (strnlen(payload, CLUSTER_MSG_MAX) == CLUSTER_MSG_MAX)
		return -1;
	n = strcspn(p, " ");
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		if (strlen(forms[i].word) == n &&
		    strncmp(forms[i].word, p, n) == 0)
			break;
	if (i == sizeof(forms) / sizeof(forms[0]))
		return -1;
	ev->type = forms[i].type;
	p += n;
	/* Every failure below leaves ev all zero. */
	for (f = forms[i].fields; *f != '\0' && rc == 0; f++) {
		if (*p++ != ' ') {
			rc = -1;
			break;
		}
		n = strcspn(p, " ");
		switch (*f) {
		case 'h':
			rc = get_hub(p, n, &ev->hub);
			break;
		case 'k':
			rc = get_hex(p, n, ev->key, sizeof(ev->key));
			break;
		case 'n':
			rc = get_hex(p, n, ev->net, sizeof(ev->net));
			break;
		case 'g':
			rc = get_digit(p, n, 2, &ev->graceful);
			break;
		case 'r':
			rc = get_row(p, n, nrow++ == 0 ? &ev->before :
			    &ev->after);
			break;
		case 't':
			rc = get_digit(p, n, HUB_TYPE_MAX, &ev->ntype);
			break;
		default:	/* 'f' */
			rc = get_digit(p, n, HUB_NET_FLAGS + 1, &ev->nflags);
			break;
		}
		p += n;
	}
	if (rc != 0 || *p != '\0') {
		memset(ev, 0, sizeof(*ev));
		return -1;
	}
	return 0;
}
