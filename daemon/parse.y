/*
 * hamd.conf: the grammar.
 *
 * One statement a line; a peer block holds one option a line.  The
 * lexer (whole-file reading, include, macros, words and strings) is
 * conflex.c, shared with hamhubd.conf; this file has the keywords and
 * the statements.  Errors print as "file:line: message" and the parse
 * goes on at the next line, so one run reports every mistake; any error
 * makes parse_config return NULL.
 * Nothing here opens anything but the files it reads: key files, the
 * socket and addresses are the parent's business.
 */

%code top {
#include "autoconf.h"
}

%{
#include <sys/types.h>

#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"
#include "privsep/conflex.h"
#include "crypto/key.h"
#include "privsep/log.h"

/* Where a given allowed IP lives, for duplicates across peers. */
struct aip_slot {
	struct conf_peer	*peer;
	int			 idx;
};

static struct conflex		 lex;
static struct hamd_config	*conf;

/* Statements that may appear once. */
enum once {
	ONCE_USER, ONCE_CHROOT, ONCE_STATEDIR, ONCE_SOCKET, ONCE_ADMINGROUP,
	ONCE_READACCESS, ONCE_LOG, ONCE_INTERFACE, ONCE_MTU, ONCE_LISTENPORT,
	ONCE_PRIVATEKEY, ONCE_HUB, ONCE_NICKNAME, ONCE_PUBLICEP,
	ONCE_HUBKEEPALIVE, ONCE_HTTPLISTEN, ONCE_DNSDOMAIN,
	PONCE_PUBKEY, PONCE_PSK, PONCE_ENDPOINT, PONCE_KEEPALIVE
};
static unsigned int		 seen;		/* global statements */
static int			 addrs_full;	/* "too many" said once */

/* The open peer block, if any. */
static struct conf_peer		*curpeer;
static struct conf_peer		*scratch;	/* stands in past the limit */
static int			 peer_line;
static unsigned int		 peer_seen;
static int			 peer_full;

static struct aip_slot		*aip_tab;
static size_t			 aip_size, aip_count;

static int	 yylex(void);
static void	 yyerror(const char *);
static void	 conf_err(int, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	 once(int, enum once, const char *);
static void	 set_ifname(int, const char *);
static void	 add_address(int, const char *);
static void	 peer_begin(int, const char *);
static void	 peer_end(void);
static void	 peer_pubkey(int, const char *);
static void	 peer_psk(int, const char *);
static void	 peer_endpoint(int, const char *);
static void	 peer_allowed(int, const char *);
static void	 peer_keepalive(int, int64_t);
static void	 hub_add(int, const char *);
static void	 hub_pubkey(int, const char *);
static int	 hub_has_key;
static void	 public_ep_set(int, const char *);
static void	 http_listen_set(int, const char *);
/* Where public-endpoint was given: it needs a hub, known at the end. */
static int	 public_ep_line;
static char	 public_ep_file[PATH_MAX];

/* The shared helpers, with this parser's lexer. */
#define shown(s)		conflex_shown(s)
#define conf_oom()		conflex_oom(&lex)
#define copy_str(d, l, s)	conflex_copy((d), (l), (s))
#define in_range(line, what, v, lo, hi) \
	conflex_in_range(&lex, (line), (what), (v), (lo), (hi))
#define set_name(line, kw, d, l, v) \
	(void)conflex_set_name(&lex, (line), (kw), (d), (l), (v))
#define set_path(line, kw, d, l, v) \
	(void)conflex_set_path(&lex, (line), (kw), (d), (l), (v))

#define LINE(loc)	((loc).first_line)
%}

%define api.prefix {hamdconf_}
%define parse.error verbose
%locations
%expect 0

%union {
	int64_t	 number;
	char	*string;
}

%token	ADDRESS "address" ADMIN_GROUP "admin-group" ADMINS "admins"
%token	ALL "all" ALLOWED_IPS "allowed-ips" BRIEF "brief" CHROOT "chroot"
%token	ENDPOINT "endpoint" INCLUDE "include" INTERFACE "interface"
%token	LISTEN_PORT "listen-port" LOG "log" MTU "mtu" PEER "peer"
%token	PERSISTENT_KEEPALIVE "persistent-keepalive"
%token	PRESHARED_KEY "preshared-key" PRIVATE_KEY "private-key"
%token	PUBLIC_KEY "public-key" READ_ACCESS "read-access" SOCKET "socket"
%token	STATE_DIRECTORY "state-directory" USER "user" VERBOSE "verbose"
%token	HUB "hub" NICKNAME "nickname" HUB_KEEPALIVE "hub-keepalive"
%token	PUBLIC_ENDPOINT "public-endpoint" HTTP_LISTEN "http-listen"
%token	ADVERTISE_ROUTE "advertise-route" MASQUERADE "masquerade"
%token	DNS_DOMAIN "dns-domain"
%token	NL "end of line"
%token	LEXERROR "invalid token"
%token	<string> STRING "string"
%token	<number> NUMBER "number"
%type	<number> optmasq
%destructor { free($$); } <string>

%%

grammar		: %empty
		| grammar NL
		| grammar INCLUDE STRING NL {
			conflex_include(&lex, LINE(@3), $3);
			free($3);
		}
		| grammar varset NL
		| grammar main NL
		| grammar peer NL
		| grammar error NL {
			/* Out of any block: a broken "peer" line. */
			curpeer = NULL;
			yyerrok;
		}
		;

varset		: STRING '=' STRING {
			conflex_macro_set(&lex, LINE(@1), $1, $3);
			free($1);
			free($3);
		}
		| STRING '=' NUMBER {
			char	 v[32];

			(void)snprintf(v, sizeof(v), "%lld", (long long)$3);
			conflex_macro_set(&lex, LINE(@1), $1, v);
			free($1);
		}
		;

main		: USER STRING {
			if (once(LINE(@1), ONCE_USER, "user") == 0)
				set_name(LINE(@2), "user", conf->user,
				    sizeof(conf->user), $2);
			free($2);
		}
		| CHROOT STRING {
			if (once(LINE(@1), ONCE_CHROOT, "chroot") == 0) {
				if (strcmp($2, "/") == 0)
					conf_err(LINE(@2), "chroot / confines "
					    "nothing: expected an empty "
					    "directory such as %s",
					    CONF_DEFAULT_CHROOT);
				else
					set_path(LINE(@2), "chroot",
					    conf->chroot_dir,
					    sizeof(conf->chroot_dir), $2);
			}
			free($2);
		}
		| STATE_DIRECTORY STRING {
			if (once(LINE(@1), ONCE_STATEDIR,
			    "state-directory") == 0)
				set_path(LINE(@2), "state-directory",
				    conf->state_dir, sizeof(conf->state_dir),
				    $2);
			free($2);
		}
		| SOCKET STRING {
			if (once(LINE(@1), ONCE_SOCKET, "socket") == 0)
				set_path(LINE(@2), "socket", conf->socket_path,
				    sizeof(conf->socket_path), $2);
			free($2);
		}
		| ADMIN_GROUP STRING {
			if (once(LINE(@1), ONCE_ADMINGROUP,
			    "admin-group") == 0)
				set_name(LINE(@2), "admin-group",
				    conf->admin_group,
				    sizeof(conf->admin_group), $2);
			free($2);
		}
		| READ_ACCESS ADMINS {
			if (once(LINE(@1), ONCE_READACCESS,
			    "read-access") == 0)
				conf->read_access = READ_ACCESS_ADMINS;
		}
		| READ_ACCESS ALL {
			if (once(LINE(@1), ONCE_READACCESS,
			    "read-access") == 0)
				conf->read_access = READ_ACCESS_ALL;
		}
		| LOG BRIEF {
			if (once(LINE(@1), ONCE_LOG, "log") == 0)
				conf->verbose = 0;
		}
		| LOG VERBOSE {
			if (once(LINE(@1), ONCE_LOG, "log") == 0)
				conf->verbose = 1;
		}
		| INTERFACE STRING {
			if (once(LINE(@1), ONCE_INTERFACE, "interface") == 0)
				set_ifname(LINE(@2), $2);
			free($2);
		}
		| MTU NUMBER {
			if (once(LINE(@1), ONCE_MTU, "mtu") == 0 &&
			    in_range(LINE(@2), "mtu", $2, CONF_MTU_MIN,
			    CONF_MTU_MAX) == 0)
				conf->mtu = (uint16_t)$2;
		}
		| ADDRESS STRING {
			add_address(LINE(@2), $2);
			free($2);
		}
		| LISTEN_PORT NUMBER {
			if (once(LINE(@1), ONCE_LISTENPORT,
			    "listen-port") == 0 &&
			    in_range(LINE(@2), "listen-port", $2, 1,
			    65535) == 0)
				conf->listen_port = (uint16_t)$2;
		}
		| PRIVATE_KEY STRING {
			if (once(LINE(@1), ONCE_PRIVATEKEY,
			    "private-key") == 0)
				set_path(LINE(@2), "private-key",
				    conf->private_key_file,
				    sizeof(conf->private_key_file), $2);
			free($2);
		}
		| HUB {
			/* -1: a repeated hub line, already reported */
			hub_has_key = -1;
			if (once(LINE(@1), ONCE_HUB, "hub") == 0)
				hub_has_key = 0;
		} hubaddrs hubkey {
			if (hub_has_key == 0)
				conf_err(LINE(@1), "hub needs the hub's "
				    "public-key (hamctl hub key prints it on "
				    "the hub)");
		}
		| NICKNAME STRING {
			if (once(LINE(@1), ONCE_NICKNAME, "nickname") == 0) {
				if (!conf_nick_valid($2))
					conf_err(LINE(@2), "nickname %s: "
					    "expected up to 32 printable "
					    "characters without quotes or "
					    "backslashes", shown($2));
				else
					copy_str(conf->hub.nickname,
					    sizeof(conf->hub.nickname), $2);
			}
			free($2);
		}
		| ADVERTISE_ROUTE STRING optmasq {
			char	 e[128];

			if (conf_advertise_add(conf, $2, $3, e, sizeof(e)) == -1)
				conf_err(LINE(@2), "advertise-route %s: %s",
				    shown($2), e);
			free($2);
		}
		| DNS_DOMAIN STRING {
			if (once(LINE(@1), ONCE_DNSDOMAIN, "dns-domain") == 0 &&
			    conf_dns_domain(conf, $2) == -1)
				conf_err(LINE(@2), "dns-domain %s: expected a "
				    "domain name, or \"\" for none", shown($2));
			free($2);
		}
		| HUB_KEEPALIVE NUMBER {
			if (once(LINE(@1), ONCE_HUBKEEPALIVE,
			    "hub-keepalive") == 0 &&
			    in_range(LINE(@2), "hub-keepalive", $2, 0,
			    65535) == 0)
				conf->hub.keepalive = (uint16_t)$2;
		}
		| HTTP_LISTEN STRING {
			if (once(LINE(@1), ONCE_HTTPLISTEN, "http-listen") == 0)
				http_listen_set(LINE(@2), $2);
			free($2);
		}
		| HTTP_LISTEN NUMBER {
			char	 v[32];

			(void)snprintf(v, sizeof(v), "%lld", (long long)$2);
			if (once(LINE(@1), ONCE_HTTPLISTEN, "http-listen") == 0)
				http_listen_set(LINE(@2), v);
		}
		| PUBLIC_ENDPOINT STRING {
			if (once(LINE(@1), ONCE_PUBLICEP,
			    "public-endpoint") == 0)
				public_ep_set(LINE(@2), $2);
			free($2);
		}
		;

optmasq		: %empty { $$ = 0; }
		| MASQUERADE { $$ = 1; }
		;

/* A cluster's hubs: several addresses, one key. */
hubaddrs	: STRING {
			if (hub_has_key == 0)
				hub_add(LINE(@1), $1);
			free($1);
		}
		| hubaddrs STRING {
			if (hub_has_key == 0)
				hub_add(LINE(@2), $2);
			free($2);
		}
		;

hubkey		: %empty
		| PUBLIC_KEY STRING {
			hub_pubkey(LINE(@2), $2);
			free($2);
		}
		;

peer		: PEER STRING optnl '{' {
			peer_begin(LINE(@1), $2);
		} peeropts '}' {
			peer_end();
			free($2);
		}
		;

peeropts	: %empty
		| peeropts NL
		| peeropts peeropt NL
		| peeropts error NL {
			yyerrok;
		}
		;

peeropt		: PUBLIC_KEY STRING {
			if (once(LINE(@1), PONCE_PUBKEY, "public-key") == 0)
				peer_pubkey(LINE(@2), $2);
			free($2);
		}
		| PRESHARED_KEY STRING {
			if (once(LINE(@1), PONCE_PSK, "preshared-key") == 0)
				peer_psk(LINE(@2), $2);
			free($2);
		}
		| ENDPOINT STRING {
			if (once(LINE(@1), PONCE_ENDPOINT, "endpoint") == 0)
				peer_endpoint(LINE(@2), $2);
			free($2);
		}
		| ALLOWED_IPS prefixes
		| PERSISTENT_KEEPALIVE NUMBER {
			if (once(LINE(@1), PONCE_KEEPALIVE,
			    "persistent-keepalive") == 0)
				peer_keepalive(LINE(@2), $2);
		}
		;

prefixes	: STRING {
			peer_allowed(LINE(@1), $1);
			free($1);
		}
		| prefixes ',' optnl STRING {
			peer_allowed(LINE(@4), $4);
			free($4);
		}
		;

optnl		: %empty
		| optnl NL
		;

%%

/* Sorted for bsearch; a unit test keeps it so. */
static const struct keyword {
	const char	*name;
	int		 token;
} keywords[] = {
	{ "address",			ADDRESS },
	{ "admin-group",		ADMIN_GROUP },
	{ "admins",			ADMINS },
	{ "advertise-route",		ADVERTISE_ROUTE },
	{ "all",			ALL },
	{ "allowed-ips",		ALLOWED_IPS },
	{ "brief",			BRIEF },
	{ "chroot",			CHROOT },
	{ "dns-domain",			DNS_DOMAIN },
	{ "endpoint",			ENDPOINT },
	{ "http-listen",		HTTP_LISTEN },
	{ "hub",			HUB },
	{ "hub-keepalive",		HUB_KEEPALIVE },
	{ "include",			INCLUDE },
	{ "interface",			INTERFACE },
	{ "listen-port",		LISTEN_PORT },
	{ "log",			LOG },
	{ "masquerade",			MASQUERADE },
	{ "mtu",			MTU },
	{ "nickname",			NICKNAME },
	{ "peer",			PEER },
	{ "persistent-keepalive",	PERSISTENT_KEEPALIVE },
	{ "preshared-key",		PRESHARED_KEY },
	{ "private-key",		PRIVATE_KEY },
	{ "public-endpoint",		PUBLIC_ENDPOINT },
	{ "public-key",			PUBLIC_KEY },
	{ "read-access",		READ_ACCESS },
	{ "socket",			SOCKET },
	{ "state-directory",		STATE_DIRECTORY },
	{ "user",			USER },
	{ "verbose",			VERBOSE },
};

const char *
conf_keyword(size_t i)
{
	if (i >= nitems(keywords))
		return NULL;
	return keywords[i].name;
}

static int
kw_cmp(const void *k, const void *e)
{
	return strcmp(k, ((const struct keyword *)e)->name);
}

static int
lookup(const char *s)
{
	const struct keyword	*kw;

	kw = bsearch(s, keywords, nitems(keywords),
	    sizeof(keywords[0]), kw_cmp);
	return kw != NULL ? kw->token : -1;
}

static const struct conflex_syntax syntax = {
	lookup, STRING, NUMBER, NL, LEXERROR, "", "{},="
};

static const char *
token_name(int tok)
{
	size_t	 i;

	for (i = 0; i < nitems(keywords); i++)
		if (keywords[i].token == tok)
			return keywords[i].name;
	return NULL;
}

static int
is_peer_option(int tok)
{
	return tok == PUBLIC_KEY || tok == PRESHARED_KEY ||
	    tok == ENDPOINT || tok == ALLOWED_IPS ||
	    tok == PERSISTENT_KEEPALIVE;
}

/* ---- messages ---- */

static void
conf_err(int line, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	conflex_verr(&lex, NULL, line, fmt, ap);
	va_end(ap);
}

/*
 * Bison's verbose message, reworded with what the lexer saw: the text
 * of a word, and for a few common mistakes a sentence that names it.
 */
static void
yyerror(const char *msg)
{
	const char	*rest, *comma, *kw;
	int		 line = LINE(yylloc);

	if (lex.aborted || yychar == LEXERROR)
		return;		/* the lexer has said why */
	if (yychar == 0 && curpeer != NULL) {
		conf_err(line, "unexpected end of file: missing '}' for "
		    "peer \"%s\" opened on line %d", shown(curpeer->name),
		    peer_line);
		return;
	}
	if (lex.stmt_ntok == 1 && curpeer != NULL && yychar == STRING) {
		conf_err(line, "unknown peer option \"%s\": expected "
		    "public-key, preshared-key, endpoint, allowed-ips or "
		    "persistent-keepalive", shown(lex.tokbuf));
		return;
	}
	if (lex.stmt_ntok == 1 && (kw = token_name(yychar)) != NULL) {
		if (curpeer != NULL && !is_peer_option(yychar)) {
			conf_err(line, "%s is not valid inside a peer block "
			    "(missing '}' for peer \"%s\"?)", kw,
			    shown(curpeer->name));
			return;
		}
		if (curpeer == NULL && is_peer_option(yychar)) {
			conf_err(line, "%s is only valid inside a peer block",
			    kw);
			return;
		}
	}
	if (lex.stmt_ntok == 2 && lex.first_tok == STRING &&
	    curpeer == NULL && yychar != '=') {
		conf_err(line, "unknown keyword \"%s\"", lex.first_text);
		return;
	}
	if (strncmp(msg, "syntax error, ", 14) != 0) {
		conf_err(line, "%s", msg);
		return;
	}
	rest = msg + 14;
	if (yychar == STRING || yychar == NUMBER) {
		comma = strstr(rest, ", expecting");
		conf_err(line, "syntax error: %.*s %s%s%s%s",
		    comma != NULL ? (int)(comma - rest) : (int)strlen(rest),
		    rest, yychar == STRING ? "\"" : "", shown(lex.tokbuf),
		    yychar == STRING ? "\"" : "", comma != NULL ? comma : "");
	} else
		conf_err(line, "syntax error: %s", rest);
}

/* ---- lexer ---- */

static int
yylex(void)
{
	struct conflex_value	 v;
	int			 tok;

	tok = conflex_lex(&lex, &v);
	yylloc.first_line = yylloc.last_line = lex.tokline;
	if (tok == STRING)
		yylval.string = v.string;
	else if (tok == NUMBER)
		yylval.number = v.number;
	return tok;
}

/* ---- statements ---- */

static int
once(int line, enum once which, const char *kw)
{
	unsigned int	*set = which >= PONCE_PUBKEY ? &peer_seen : &seen;

	if (which >= PONCE_PUBKEY && curpeer == NULL)
		return -1;	/* out of memory at the block's start */
	if (*set & (1U << which)) {
		if (which >= PONCE_PUBKEY)
			conf_err(line, "%s given twice for peer \"%s\"", kw,
			    shown(curpeer->name));
		else
			conf_err(line, "%s given twice", kw);
		return -1;
	}
	*set |= 1U << which;
	return 0;
}

static void
set_ifname(int line, const char *v)
{
	size_t	 n = strlen(v);

	if (n == 0 || n >= IFNAMSIZ || strcmp(v, ".") == 0 ||
	    strcmp(v, "..") == 0 || strspn(v, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != n) {
		conf_err(line, "interface \"%s\" is not a valid interface "
		    "name: expected 1-%d of A-Z a-z 0-9 _ . -, not . or ..",
		    shown(v), IFNAMSIZ - 1);
		return;
	}
	(void)copy_str(conf->ifname, sizeof(conf->ifname), v);
}

static void
add_address(int line, const char *v)
{
	struct ip_prefix	 p;
	char			 err[256];
	int			 i;
	const uint8_t		*b;

	if (prefix_parse(v, &p, 1, err, sizeof(err)) == -1) {
		conf_err(line, "address: %s", err);
		return;
	}
	b = (const uint8_t *)&p.addr;
	if ((p.af == AF_INET && (p.addr.v4.s_addr == htonl(INADDR_ANY) ||
	    IN_MULTICAST(ntohl(p.addr.v4.s_addr)))) ||
	    (p.af == AF_INET6 && (IN6_IS_ADDR_UNSPECIFIED(&p.addr.v6) ||
	    b[0] == 0xff))) {
		conf_err(line, "address %s is not usable on an interface: "
		    "expected a unicast address", shown(v));
		return;
	}
	for (i = 0; i < conf->naddrs; i++)
		if (conf->addrs[i].af == p.af && memcmp(&conf->addrs[i].addr,
		    &p.addr, p.af == AF_INET ? sizeof(struct in_addr) :
		    sizeof(struct in6_addr)) == 0) {
			conf_err(line, "address %s given twice", shown(v));
			return;
		}
	if (conf->naddrs >= CONF_MAX_ADDRS) {
		if (!addrs_full)
			conf_err(line, "too many addresses: at most %d",
			    CONF_MAX_ADDRS);
		addrs_full = 1;
		return;
	}
	conf->addrs[conf->naddrs++] = p;
}

static void
peer_begin(int line, const char *name)
{
	struct conf_peer	*p;
	size_t			 n = strlen(name);

	if (n == 0 || n >= CONF_NAME_MAX || strspn(name,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	    "_.-@+:") != n)
		conf_err(line, "peer name \"%s\" is not valid: expected 1-%d "
		    "of A-Z a-z 0-9 _ . - @ + :", shown(name),
		    CONF_NAME_MAX - 1);
	TAILQ_FOREACH(p, &conf->peers, entry)
		if (strcmp(p->name, name) == 0) {
			conf_err(line, "peer \"%s\" defined twice",
			    shown(name));
			break;
		}
	if (conf->npeers >= CONF_MAX_PEERS) {
		conf_err(line, "too many peers: at most %d", CONF_MAX_PEERS);
		if (scratch == NULL && (scratch = malloc(sizeof(*scratch))) ==
		    NULL) {
			conf_oom();
			return;
		}
		p = scratch;
		memset(p, 0, sizeof(*p));
	} else {
		if ((p = calloc(1, sizeof(*p))) == NULL) {
			conf_oom();
			return;
		}
		TAILQ_INSERT_TAIL(&conf->peers, p, entry);
		conf->npeers++;
	}
	(void)snprintf(p->name, sizeof(p->name), "%s", name);
	curpeer = p;
	peer_line = line;
	peer_seen = 0;
	peer_full = 0;
}

static void
peer_end(void)
{
	if (curpeer != NULL && !(peer_seen & (1U << PONCE_PUBKEY)))
		conf_err(peer_line, "peer \"%s\" has no public-key: every "
		    "peer needs one", shown(curpeer->name));
	curpeer = NULL;
}

/* The hubs of one cluster: in order, each once. */
static void
hub_add(int line, const char *v)
{
	struct conf_hub_addr	 ha;
	int			 i;

	if (conf_parse_hub_addr(v, &ha) == -1) {
		conf_err(line, "hub %s: expected a host name or address, with "
		    ":port if not 7777", shown(v));
		return;
	}
	for (i = 0; i < conf->hub.naddrs; i++)
		if (strcmp(conf->hub.addr[i].host, ha.host) == 0 &&
		    conf->hub.addr[i].port == ha.port) {
			conf_err(line, "hub %s is listed twice", shown(v));
			return;
		}
	if (conf->hub.naddrs == CONF_HUB_ADDRS) {
		conf_err(line, "hub %s: at most %d addresses (the hubs of one "
		    "cluster)", shown(v), CONF_HUB_ADDRS);
		return;
	}
	conf->hub.addr[conf->hub.naddrs++] = ha;
	conf->hub.enabled = 1;
}

static void
hub_pubkey(int line, const char *v)
{
	uint8_t	 key[KEY_LEN];

	if (key_from_base64(key, v) == -1) {
		conf_err(line, "hub public-key is not a valid key: expected "
		    "%d characters of base64 as hamctl hub key prints",
		    KEY_B64_LEN);
		return;
	}
	if (key_is_low_order(key)) {
		conf_err(line, "hub public-key is a point of small order "
		    "(all zeros or another): no hub has it, and no secret "
		    "can be agreed with it");
		return;
	}
	if (hub_has_key == 0) {
		memcpy(conf->hub.pubkey, key, KEY_LEN);
		hub_has_key = 1;
	}
}

static void
http_listen_set(int line, const char *v)
{
	char	 err[256];

	if (web_listen_parse(v, &conf->web, err, sizeof(err)) == -1)
		conf_err(line, "http-listen: %s", err);
}

static void
public_ep_set(int line, const char *v)
{
	char	 err[256];

	if (conf_parse_public_ep(v, &conf->public_ep, err, sizeof(err)) ==
	    -1) {
		conf_err(line, "public-endpoint: %s", err);
		return;
	}
	public_ep_line = line;
	copy_str(public_ep_file, sizeof(public_ep_file),
	    conflex_filename(&lex));
}

static void
peer_pubkey(int line, const char *v)
{
	struct conf_peer	*p;
	uint8_t			 key[KEY_LEN];

	/* Never quoted back: it may be a private key pasted by mistake. */
	if (key_from_base64(key, v) == -1) {
		conf_err(line, "public-key of peer \"%s\" is not a valid key: "
		    "expected %d characters of base64 as wg pubkey prints",
		    shown(curpeer->name), KEY_B64_LEN);
		return;
	}
	/* Every Diffie-Hellman with such a key has a result anyone knows. */
	if (key_is_low_order(key)) {
		conf_err(line, "public-key of peer \"%s\" is a point of small "
		    "order (all zeros or another): no secret can be agreed "
		    "with it", shown(curpeer->name));
		return;
	}
	TAILQ_FOREACH(p, &conf->peers, entry)
		if (p != curpeer && memcmp(p->pubkey, key, KEY_LEN) == 0) {
			conf_err(line, "public-key of peer \"%s\" is already "
			    "used by peer \"%s\"", shown(curpeer->name),
			    shown(p->name));
			return;
		}
	memcpy(curpeer->pubkey, key, KEY_LEN);
}

static void
peer_psk(int line, const char *v)
{
	set_path(line, "preshared-key", curpeer->psk_file,
	    sizeof(curpeer->psk_file), v);
	if (curpeer->psk_file[0] != '\0')
		curpeer->has_psk = 1;
}

static void
peer_endpoint(int line, const char *v)
{
	char	 err[256];

	if (conf_parse_endpoint_err(v, curpeer->endpoint_host,
	    sizeof(curpeer->endpoint_host), &curpeer->endpoint_port, err,
	    sizeof(err)) == -1) {
		conf_err(line, "endpoint: %s", err);
		return;
	}
	curpeer->has_endpoint = 1;
}

static void
peer_keepalive(int line, int64_t v)
{
	if (curpeer == NULL)
		return;
	if (in_range(line, "persistent-keepalive", v, 0, 65535) == 0)
		curpeer->keepalive = (uint16_t)v;
}

/*
 * Record curpeer->allowed[idx]; the peer that has it already, if any.
 * Open addressing over every peer's allowed IPs keeps this linear in
 * the size of the file.
 */
static struct conf_peer *
aip_claim(int idx, int *oom)
{
	const struct ip_prefix *p = &curpeer->allowed[idx];
	struct aip_slot	*ns, *s;
	size_t		 i, j, nsize;

	*oom = 0;
	if ((aip_count + 1) * 2 > aip_size) {
		nsize = aip_size == 0 ? 256 : aip_size * 2;
		if ((ns = calloc(nsize, sizeof(*ns))) == NULL) {
			*oom = 1;
			return NULL;
		}
		for (i = 0; i < aip_size; i++) {
			if (aip_tab[i].peer == NULL)
				continue;
			j = conf_prefix_hash(&aip_tab[i].peer->allowed[
			    aip_tab[i].idx]) & (nsize - 1);
			while (ns[j].peer != NULL)
				j = (j + 1) & (nsize - 1);
			ns[j] = aip_tab[i];
		}
		free(aip_tab);
		aip_tab = ns;
		aip_size = nsize;
	}
	for (j = conf_prefix_hash(p) & (aip_size - 1); aip_tab[j].peer != NULL;
	    j = (j + 1) & (aip_size - 1)) {
		s = &aip_tab[j];
		if (conf_prefix_eq(&s->peer->allowed[s->idx], p))
			return s->peer;
	}
	aip_tab[j].peer = curpeer;
	aip_tab[j].idx = idx;
	aip_count++;
	return NULL;
}

static void
peer_allowed(int line, const char *v)
{
	struct ip_prefix	 p;
	struct conf_peer	*owner;
	char			 err[256];
	int			 i, oom;

	if (curpeer == NULL)
		return;
	if (prefix_parse(v, &p, 0, err, sizeof(err)) == -1) {
		conf_err(line, "allowed-ips: %s", err);
		return;
	}
	for (i = 0; i < curpeer->nallowed; i++)
		if (conf_prefix_eq(&curpeer->allowed[i], &p)) {
			conf_err(line, "allowed-ips %s given twice for peer "
			    "\"%s\"", shown(v), shown(curpeer->name));
			return;
		}
	if (curpeer->nallowed >= CONF_MAX_ALLOWED) {
		if (!peer_full)
			conf_err(line, "too many allowed-ips for peer \"%s\": "
			    "at most %d", shown(curpeer->name),
			    CONF_MAX_ALLOWED);
		peer_full = 1;
		return;
	}
	curpeer->allowed[curpeer->nallowed] = p;
	if (curpeer == scratch) {
		curpeer->nallowed++;
		return;
	}
	if ((owner = aip_claim(curpeer->nallowed, &oom)) != NULL) {
		conf_err(line, "allowed-ips %s of peer \"%s\" already belongs "
		    "to peer \"%s\"", shown(v), shown(curpeer->name),
		    shown(owner->name));
		return;
	}
	if (oom) {
		conf_oom();
		return;
	}
	curpeer->nallowed++;
}

/* ---- entry point ---- */

static void
parse_reset(void)
{
	conflex_reset(&lex);
	free(scratch);
	scratch = NULL;
	free(aip_tab);
	aip_tab = NULL;
	aip_size = aip_count = 0;
	curpeer = NULL;
	conf = NULL;
	seen = peer_seen = 0;
	public_ep_line = 0;
	public_ep_file[0] = '\0';
	addrs_full = peer_full = 0;
	peer_line = 0;
}

struct hamd_config *
parse_config(const char *filename, const char *opts_socket)
{
	struct hamd_config	*c;
	int			 nerr;

	if (filename == NULL)
		filename = CONF_DEFAULT_FILE;
	conflex_init(&lex, &syntax);
	parse_reset();
	if ((c = config_new_default()) == NULL) {
		log_warnx("%s: out of memory", filename);
		return NULL;
	}
	conf = c;
	if (conflex_open(&lex, filename) == 0 && yyparse() != 0 &&
	    lex.errors == 0)
		conf_err(LINE(yylloc), "cannot parse the file");
	if (c->public_ep.set && !c->hub.enabled)
		conflex_err_in(&lex, public_ep_file, public_ep_line,
		    "public-endpoint is offered to peers through the hub: it "
		    "needs a hub line");
	nerr = lex.errors;
	parse_reset();
	if (nerr == 0 && c->private_key_file[0] == '\0') {
		char	 kp[PATH_MAX];

		/* The default key path must fit wherever it is used. */
		if (config_private_key_path(c, kp, sizeof(kp)) == NULL) {
			log_warnx("%s: state-directory too long to hold "
			    "private.key: expected at most %zu bytes, or set "
			    "private-key", filename, sizeof(kp) -
			    sizeof("/private.key"));
			nerr++;
		}
	}

	if (opts_socket != NULL) {
		if (opts_socket[0] != '/') {
			log_warnx("socket \"%s\" given with -s is not an "
			    "absolute path", shown(opts_socket));
			nerr++;
		} else if (copy_str(c->socket_path, sizeof(c->socket_path),
		    opts_socket) == -1) {
			log_warnx("socket path given with -s too long (%zu "
			    "bytes): expected at most %zu", strlen(opts_socket),
			    sizeof(c->socket_path) - 1);
			nerr++;
		}
	}
	if (nerr > 0) {
		config_free(c);
		return NULL;
	}
	return c;
}
