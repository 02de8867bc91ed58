/*
 * hamhubd.conf: the grammar.
 *
 * One statement a line.  The lexer (whole-file reading, include, macros,
 * words and strings) is privsep/conflex.c, shared with hamd.conf; this
 * file has the keywords and the statements.  Errors print as
 * "file:line: message" and the parse goes on at the next line, so one
 * run reports every mistake; any error makes hubd_parse_config return
 * NULL.  Nothing here opens anything but the files it reads: the key,
 * the database and the listeners are the parent's business.
 */

%code top {
#include "autoconf.h"
}

%{
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc/addr.h"
#include "privsep/conflex.h"
#include "privsep/control.h"	/* enum read_access */
#include "privsep/conflex.h"
#include "hub/hubconfig.h"
#include "privsep/log.h"

/* A statement's place, for checks made once the whole file is read. */
struct where {
	char	*file;
	int	 line;
};

static struct conflex		 lex;
static struct hubd_config	*conf;

/* Statements that may appear once. */
enum once {
	ONCE_USER, ONCE_CHROOT, ONCE_STATEDIR, ONCE_SOCKET, ONCE_ADMINGROUP,
	ONCE_READACCESS, ONCE_LOG, ONCE_PRIVATEKEY, ONCE_POOL4, ONCE_POOL6,
	ONCE_MAXCONNS, ONCE_PERADDR, ONCE_LOGINTIMEOUT, ONCE_NODEEXPIRY,
	ONCE_ENGINES, ONCE_HTTPLISTEN, ONCE_DATABASE
};
static unsigned int		 seen;
static struct where		 chroot_at, statedir_at, privkey_at;

/* The listen statements: where each address came from. */
static int			 listen_given;	/* the default is gone */
static int			 listen_line[HUBD_MAX_LISTEN];
static int			 listen_full;	/* "too many" said once */

static int	 yylex(void);
static void	 yyerror(const char *);
static void	 conf_err(int, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	 once(int, enum once, const char *);
static void	 remember(struct where *, int);
static void	 set_chroot(int, const char *);
static void	 add_listen(int, const char *, int64_t);
static void	 http_listen_set(int, const char *);
static void	 set_pool(int, const char *);
static void	 set_limit(int, enum once, const char *, int64_t, int64_t,
		    int64_t, uint32_t *);
static void	 set_database(int, const char *, const char *);

#define LINE(loc)	((loc).first_line)
%}

%define api.prefix {hubdconf_}
%define parse.error verbose
%locations
%expect 0

%union {
	int64_t	 number;
	char	*string;
}

%token	ADDRESS_POOL "address-pool" ADMIN_GROUP "admin-group"
%token	HTTP_LISTEN "http-listen"
%token	ADMINS "admins" ALL "all" BRIEF "brief" CHROOT "chroot"
%token	DATABASE "database" PASSWORD_FILE "password-file"
%token	POSTGRESQL "postgresql" SQLITE "sqlite"
%token	INCLUDE "include" LISTEN "listen" LOG "log"
%token	LOGIN_TIMEOUT "login-timeout" MAX_CONNECTIONS "max-connections"
%token	NODE_EXPIRY "node-expiry" ENGINES "engines"
%token	MAX_CONNECTIONS_PER_ADDRESS "max-connections-per-address"
%token	ON "on" PORT "port" PRIVATE_KEY "private-key"
%token	READ_ACCESS "read-access" SOCKET "socket"
%token	STATE_DIRECTORY "state-directory" USER "user" VERBOSE "verbose"
%token	NL "end of line"
%token	LEXERROR "invalid token"
%token	<string> STRING "string"
%token	<number> NUMBER "number"
%type	<string> pwfile
%type	<number> port
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
		| grammar error NL {
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

main		: HTTP_LISTEN STRING {
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
		| USER STRING {
			if (once(LINE(@1), ONCE_USER, "user") == 0)
				(void)conflex_set_name(&lex, LINE(@2), "user",
				    conf->user, sizeof(conf->user), $2);
			free($2);
		}
		| CHROOT STRING {
			if (once(LINE(@1), ONCE_CHROOT, "chroot") == 0)
				set_chroot(LINE(@2), $2);
			free($2);
		}
		| STATE_DIRECTORY STRING {
			if (once(LINE(@1), ONCE_STATEDIR,
			    "state-directory") == 0 &&
			    conflex_set_path(&lex, LINE(@2), "state-directory",
			    conf->state_dir, sizeof(conf->state_dir), $2) == 0)
				remember(&statedir_at, LINE(@2));
			free($2);
		}
		| SOCKET STRING {
			if (once(LINE(@1), ONCE_SOCKET, "socket") == 0)
				(void)conflex_set_path(&lex, LINE(@2),
				    "socket", conf->socket_path,
				    sizeof(conf->socket_path), $2);
			free($2);
		}
		| ADMIN_GROUP STRING {
			if (once(LINE(@1), ONCE_ADMINGROUP,
			    "admin-group") == 0)
				(void)conflex_set_name(&lex, LINE(@2),
				    "admin-group", conf->admin_group,
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
		| PRIVATE_KEY STRING {
			if (once(LINE(@1), ONCE_PRIVATEKEY,
			    "private-key") == 0 &&
			    conflex_set_path(&lex, LINE(@2), "private-key",
			    conf->private_key_file,
			    sizeof(conf->private_key_file), $2) == 0)
				remember(&privkey_at, LINE(@2));
			free($2);
		}
		| LISTEN ON STRING port {
			add_listen(LINE(@3), $3, $4);
			free($3);
		}
		| ADDRESS_POOL STRING {
			set_pool(LINE(@2), $2);
			free($2);
		}
		| MAX_CONNECTIONS NUMBER {
			set_limit(LINE(@1), ONCE_MAXCONNS, "max-connections",
			    $2, 1, HUBD_MAX_CONNS_MAX, &conf->max_conns);
		}
		| MAX_CONNECTIONS_PER_ADDRESS NUMBER {
			set_limit(LINE(@1), ONCE_PERADDR,
			    "max-connections-per-address", $2, 1,
			    HUBD_PER_ADDR_MAX, &conf->max_per_addr);
		}
		| LOGIN_TIMEOUT NUMBER {
			set_limit(LINE(@1), ONCE_LOGINTIMEOUT, "login-timeout",
			    $2, 1, HUBD_LOGIN_TIMEOUT_MAX,
			    &conf->login_timeout);
		}
		| NODE_EXPIRY NUMBER {
			set_limit(LINE(@1), ONCE_NODEEXPIRY, "node-expiry",
			    $2, 1, HUBD_NODE_EXPIRY_MAX, &conf->node_expiry);
		}
		| ENGINES NUMBER {
			set_limit(LINE(@1), ONCE_ENGINES, "engines", $2, 1,
			    HUBD_CONF_ENGINES_MAX, &conf->engines);
		}
		| DATABASE SQLITE {
			if (once(LINE(@1), ONCE_DATABASE, "database") == 0)
				conf->db_type = HUBD_DB_SQLITE;
		}
		| DATABASE POSTGRESQL STRING pwfile {
			if (once(LINE(@1), ONCE_DATABASE, "database") == 0)
				set_database(LINE(@3), $3, $4);
			free($3);
			free($4);
		}
		;

pwfile		: %empty {
			$$ = NULL;
		}
		| PASSWORD_FILE STRING {
			$$ = $2;
		}
		;

port		: %empty {
			$$ = HUBD_DEFAULT_PORT;
		}
		| PORT NUMBER {
			$$ = conflex_in_range(&lex, LINE(@2), "port", $2, 1,
			    65535) == 0 ? $2 : -1;
		}
		;

%%

/* Sorted for bsearch; a unit test keeps it so. */
static const struct keyword {
	const char	*name;
	int		 token;
} keywords[] = {
	{ "address-pool",		ADDRESS_POOL },
	{ "admin-group",		ADMIN_GROUP },
	{ "admins",			ADMINS },
	{ "all",			ALL },
	{ "brief",			BRIEF },
	{ "chroot",			CHROOT },
	{ "database",			DATABASE },
	{ "engines",			ENGINES },
	{ "http-listen",		HTTP_LISTEN },
	{ "include",			INCLUDE },
	{ "listen",			LISTEN },
	{ "log",			LOG },
	{ "login-timeout",		LOGIN_TIMEOUT },
	{ "max-connections",		MAX_CONNECTIONS },
	{ "max-connections-per-address", MAX_CONNECTIONS_PER_ADDRESS },
	{ "node-expiry",		NODE_EXPIRY },
	{ "on",				ON },
	{ "password-file",		PASSWORD_FILE },
	{ "port",			PORT },
	{ "postgresql",			POSTGRESQL },
	{ "private-key",		PRIVATE_KEY },
	{ "read-access",		READ_ACCESS },
	{ "socket",			SOCKET },
	{ "sqlite",			SQLITE },
	{ "state-directory",		STATE_DIRECTORY },
	{ "user",			USER },
	{ "verbose",			VERBOSE },
};

const char *
hubd_conf_keyword(size_t i)
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

/* '*' is a word here ("listen on *"); '=' defines macros. */
static const struct conflex_syntax syntax = {
	lookup, STRING, NUMBER, NL, LEXERROR, "*", "="
};

/* hamd.conf statements someone may carry over, and what to write. */
static const struct {
	const char	*word;
	const char	*instead;
} hints[] = {
	{ "address",		"address-pool PREFIX" },
	{ "listen-port",	"listen on * port N" },
	{ "peer",		"no peers: nodes log in with their own keys" },
};

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
 * of a word, and for an unknown keyword a sentence that names it.
 */
static void
yyerror(const char *msg)
{
	const char	*rest, *comma;
	int		 line = LINE(yylloc);
	size_t		 i;

	if (lex.aborted || yychar == LEXERROR)
		return;		/* the lexer has said why */
	if (lex.first_tok == LISTEN && lex.stmt_ntok == 4 &&
	    yychar == NUMBER) {
		conf_err(line, "listen on %s %s: expected port before the "
		    "number", lex.prev_text, conflex_shown(lex.tokbuf));
		return;
	}
	if (lex.stmt_ntok == 1 && yychar == PORT) {
		conf_err(line, "port is part of listen: expected listen on "
		    "ADDRESS port N");
		return;
	}
	if (lex.stmt_ntok == 2 && lex.first_tok == STRING && yychar != '=') {
		for (i = 0; i < nitems(hints); i++)
			if (strcmp(lex.first_text, hints[i].word) == 0) {
				conf_err(line, "unknown keyword \"%s\": "
				    "hamhubd.conf has %s", lex.first_text,
				    hints[i].instead);
				return;
			}
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
		    rest, yychar == STRING ? "\"" : "",
		    conflex_shown(lex.tokbuf), yychar == STRING ? "\"" : "",
		    comma != NULL ? comma : "");
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
	if (seen & (1U << which)) {
		conf_err(line, "%s given twice", kw);
		return -1;
	}
	seen |= 1U << which;
	return 0;
}

static void
remember(struct where *w, int line)
{
	free(w->file);
	if ((w->file = strdup(conflex_filename(&lex))) == NULL)
		conflex_oom(&lex);
	w->line = line;
}

static void
forget(struct where *w)
{
	free(w->file);
	w->file = NULL;
	w->line = 0;
}

static void
set_chroot(int line, const char *v)
{
	if (strcmp(v, "/") == 0) {
		conf_err(line, "chroot / confines nothing: expected an empty "
		    "directory such as %s", HUBD_DEFAULT_CHROOT);
		return;
	}
	if (conflex_set_path(&lex, line, "chroot", conf->chroot_dir,
	    sizeof(conf->chroot_dir), v) == 0)
		remember(&chroot_at, line);
}

static int
same_listen(const struct hubd_listen *a, const struct hubd_listen *b)
{
	return a->len == b->len && memcmp(&a->ss, &b->ss, a->len) == 0;
}

/* The port, and whether the address is the wildcard. */
static uint16_t
listen_port(const struct hubd_listen *l, int *any)
{
	const struct sockaddr_in	*sin = (const void *)&l->ss;
	const struct sockaddr_in6	*sin6 = (const void *)&l->ss;

	if (l->ss.ss_family == AF_INET) {
		*any = sin->sin_addr.s_addr == htonl(INADDR_ANY);
		return ntohs(sin->sin_port);
	}
	*any = IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr);
	return ntohs(sin6->sin6_port);
}

/*
 * The first "listen on" replaces the default.  The same address and
 * port twice is an error, and so is an address beside the wildcard of
 * its family on the same port: the second bind would fail.
 */
static void
add_listen(int line, const char *addr, int64_t port)
{
	struct hubd_listen	 l[2];
	char			 err[256];
	int			 i, j, n, any1, any2;
	uint16_t		 p1;

	if (port == -1)
		return;		/* said */
	if (!listen_given) {
		listen_given = 1;
		conf->nlisten = 0;
	}
	if (hubd_parse_listen(addr, (uint16_t)port, l, &n, err,
	    sizeof(err)) == -1) {
		conf_err(line, "listen on: %s", err);
		return;
	}
	for (i = 0; i < n; i++) {
		p1 = listen_port(&l[i], &any1);
		for (j = 0; j < conf->nlisten; j++) {
			if (l[i].ss.ss_family != conf->listen[j].ss.ss_family)
				continue;
			if (same_listen(&l[i], &conf->listen[j])) {
				conf_err(line, "listen on %s port %u given "
				    "twice (also on line %d)",
				    conflex_shown(addr), p1, listen_line[j]);
				return;
			}
			if (listen_port(&conf->listen[j], &any2) == p1 &&
			    (any1 || any2)) {
				conf_err(line, "listen on %s port %u overlaps "
				    "the one on line %d: a wildcard address "
				    "takes every %s address on its port",
				    conflex_shown(addr), p1, listen_line[j],
				    l[i].ss.ss_family == AF_INET ? "IPv4" :
				    "IPv6");
				return;
			}
		}
	}
	if (conf->nlisten + n > HUBD_MAX_LISTEN) {
		if (!listen_full)
			conf_err(line, "too many listen addresses: at most %d, "
			    "where * counts as two", HUBD_MAX_LISTEN);
		listen_full = 1;
		return;
	}
	for (i = 0; i < n; i++) {
		listen_line[conf->nlisten] = line;
		conf->listen[conf->nlisten++] = l[i];
	}
}

static void
set_pool(int line, const char *v)
{
	struct ip_prefix	 p;
	char			 err[256];
	int			 r;

	if (prefix_parse(v, &p, 0, err, sizeof(err)) == -1) {
		conf_err(line, "address-pool: %s", err);
		return;
	}
	if (once(line, p.af == AF_INET ? ONCE_POOL4 : ONCE_POOL6,
	    p.af == AF_INET ? "address-pool for IPv4" :
	    "address-pool for IPv6") == -1)
		return;
	if ((r = hubd_check_pool(&p, err, sizeof(err))) == -1) {
		conf_err(line, "address-pool %s", err);
		return;
	}
	if (r == 1)
		conflex_warn(&lex, line, "address-pool %s", err);
	if (p.af == AF_INET)
		conf->pool4 = p;
	else
		conf->pool6 = p;
}

static void
set_limit(int line, enum once which, const char *kw, int64_t v, int64_t lo,
    int64_t hi, uint32_t *dst)
{
	if (once(line, which, kw) == 0 &&
	    conflex_in_range(&lex, line, kw, v, lo, hi) == 0)
		*dst = (uint32_t)v;
}

/*
 * The connection string is checked now, for what the hub cannot use
 * (hubd_check_conninfo says what), so that it fails at -n rather than
 * in the authority.
 */
static void
set_database(int line, const char *conninfo, const char *pwfile)
{
	char	 err[256];

	if (hubd_check_conninfo(conninfo, err, sizeof(err)) == -1) {
		conf_err(line, "database postgresql: %s", err);
		return;
	}
	if (conflex_copy(conf->db_conninfo, sizeof(conf->db_conninfo),
	    conninfo) == -1) {
		conf_err(line, "database postgresql: connection string too "
		    "long");
		return;
	}
	if (pwfile != NULL && conflex_set_path(&lex, line, "password-file",
	    conf->db_password_file, sizeof(conf->db_password_file),
	    pwfile) == -1)
		return;
	conf->db_type = HUBD_DB_POSTGRESQL;
}

/* ---- after the last line ---- */

/* path without repeated or trailing slashes, into buf. */
static void
clean_path(const char *path, char *buf, size_t len)
{
	size_t	 i, j = 0;

	for (i = 0; path[i] != '\0' && j + 1 < len; i++) {
		if (path[i] == '/' && j > 0 && buf[j - 1] == '/')
			continue;
		buf[j++] = path[i];
	}
	while (j > 1 && buf[j - 1] == '/')
		j--;
	buf[j] = '\0';
}

/* Is path dir or below it?  By the text only: no link is followed. */
static int
path_inside(const char *path, const char *dir)
{
	char	 p[PATH_MAX], d[PATH_MAX];
	size_t	 n;

	clean_path(path, p, sizeof(p));
	clean_path(dir, d, sizeof(d));
	n = strlen(d);
	if (strcmp(d, "/") == 0)
		return 1;
	return strncmp(p, d, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

/* dir/name into buf; -1 if it does not fit. */
static int
join(char *buf, size_t len, const char *dir, const char *name)
{
	size_t	 dl = strlen(dir), nl = strlen(name);

	if (dl + 1 + nl >= len)
		return -1;
	memcpy(buf, dir, dl);
	buf[dl] = '/';
	memcpy(buf + dl + 1, name, nl + 1);
	return 0;
}

/* The database's path is the longest below the state directory. */
_Static_assert(sizeof(HUBD_DB_PATH) > sizeof(HUBD_KEY_NAME) &&
    sizeof(HUBD_DB_PATH) > sizeof(HUBD_CHROOT_NAME),
    "check_config checks the wrong path");

/* Checks that need the whole file; the defaults that follow from it. */
static void
check_config(const char *filename)
{
	char	 buf[PATH_MAX];

	if (join(buf, sizeof(buf), conf->state_dir, HUBD_DB_PATH) == -1) {
		conflex_err_in(&lex, statedir_at.file != NULL ?
		    statedir_at.file : filename, statedir_at.line,
		    "state-directory too long to hold %s: expected at most "
		    "%zu bytes", HUBD_DB_PATH, sizeof(buf) -
		    sizeof(HUBD_DB_PATH) - 1);
		return;
	}
	/* The default chroot follows the state directory. */
	if (!(seen & (1U << ONCE_CHROOT)))
		(void)join(conf->chroot_dir, sizeof(conf->chroot_dir),
		    conf->state_dir, HUBD_CHROOT_NAME);
	if ((seen & (1U << ONCE_CHROOT)) &&
	    path_inside(conf->state_dir, conf->chroot_dir)) {
		conflex_err_in(&lex, chroot_at.file, chroot_at.line, "chroot "
		    "%s holds the state directory %s, so the engine could "
		    "reach the key and the database: expected an empty "
		    "directory such as %s/%s", conflex_shown(conf->chroot_dir),
		    conflex_shown(conf->state_dir),
		    conflex_shown(conf->state_dir), HUBD_CHROOT_NAME);
		return;
	}
	(void)join(buf, sizeof(buf), conf->state_dir, HUBD_AUTHORITY_NAME);
	if ((seen & (1U << ONCE_CHROOT)) &&
	    path_inside(conf->chroot_dir, buf)) {
		conflex_err_in(&lex, chroot_at.file, chroot_at.line, "chroot "
		    "%s is in the authority's directory %s, so the engine "
		    "could reach the database: expected an empty directory "
		    "such as %s/%s", conflex_shown(conf->chroot_dir),
		    conflex_shown(buf), conflex_shown(conf->state_dir),
		    HUBD_CHROOT_NAME);
		return;
	}
	if (conf->private_key_file[0] != '\0' &&
	    path_inside(conf->private_key_file, conf->chroot_dir))
		conflex_err_in(&lex, privkey_at.file, privkey_at.line,
		    "private-key %s is inside the chroot %s of the "
		    "network-facing processes: expected a file outside it, "
		    "such as %s/%s", conflex_shown(conf->private_key_file),
		    conflex_shown(conf->chroot_dir),
		    conflex_shown(conf->state_dir), HUBD_KEY_NAME);
}

/* ---- entry point ---- */

static void
parse_reset(void)
{
	conflex_reset(&lex);
	conf = NULL;
	seen = 0;
	forget(&chroot_at);
	forget(&statedir_at);
	forget(&privkey_at);
	memset(listen_line, 0, sizeof(listen_line));
	listen_given = listen_full = 0;
}

struct hubd_config *
hubd_parse_config(const char *filename, const char *socket_override)
{
	struct hubd_config	*c;
	int			 nerr;

	if (filename == NULL)
		filename = HUBD_CONF_DEFAULT_FILE;
	conflex_init(&lex, &syntax);
	parse_reset();
	if ((c = hubd_config_new_default()) == NULL) {
		log_warnx("%s: out of memory", filename);
		return NULL;
	}
	conf = c;
	if (conflex_open(&lex, filename) == 0) {
		if (yyparse() != 0 && lex.errors == 0)
			conf_err(LINE(yylloc), "cannot parse the file");
		if (lex.errors == 0)
			check_config(filename);
	}
	nerr = lex.errors;
	parse_reset();

	if (socket_override != NULL) {
		if (socket_override[0] != '/') {
			log_warnx("socket \"%s\" given with -s is not an "
			    "absolute path", conflex_shown(socket_override));
			nerr++;
		} else if (conflex_copy(c->socket_path,
		    sizeof(c->socket_path), socket_override) == -1) {
			log_warnx("socket path given with -s too long (%zu "
			    "bytes): expected at most %zu",
			    strlen(socket_override),
			    sizeof(c->socket_path) - 1);
			nerr++;
		}
	}
	if (nerr > 0) {
		hubd_config_free(c);
		return NULL;
	}
	return c;
}

static void
http_listen_set(int line, const char *v)
{
	char	 err[256];

	if (web_listen_parse(v, &conf->web, err, sizeof(err)) == -1)
		conf_err(line, "http-listen: %s", err);
}
