/*
 * hamd.conf: the grammar and its lexer.
 *
 * One statement a line; a peer block holds one option a line.  The file
 * is read whole and checked for NUL bytes and overlong lines before the
 * first token, so the lexer only ever sees text.  Errors print as
 * "file:line: message" and the parse goes on at the next line, so one
 * run reports every mistake; any error makes parse_config return NULL.
 * Nothing here opens anything but the files it reads: key files, the
 * socket and addresses are the parent's business.
 */

%code top {
#include "autoconf.h"
}

%{
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "key.h"
#include "log.h"

#define FILE_MAX	(16 * 1024 * 1024)	/* refuse bigger files */
#define TOKEN_MAX	CONF_LINE_MAX		/* longest word or string */
#define UNGET_MAX	(TOKEN_MAX + 8)		/* a macro value and a char */
#define FROM_MACRO	0x100	/* pushed-back char came from a macro */
#define MAX_ERRORS	50	/* then stop: the rest is noise */

struct file {
	struct file	*parent;	/* the file that included this one */
	char		*name;
	unsigned char	*buf;		/* the whole file */
	size_t		 len;
	size_t		 pos;
	int		 lineno;
	int		 depth;		/* 1 for the main file */
	int		 eof_nl;	/* the newline at EOF was returned */
	size_t		 nunget;
	int		 unget[UNGET_MAX];
};

struct macro {
	struct macro	*next;
	char		*name;
	char		*value;
};

/* Where a given allowed IP lives, for duplicates across peers. */
struct aip_slot {
	struct conf_peer	*peer;
	int			 idx;
};

static struct file		*file;
static struct hamd_config	*conf;
static struct macro		*macros;
static int			 errors;
static int			 aborted;

/* Statements that may appear once. */
enum once {
	ONCE_USER, ONCE_CHROOT, ONCE_STATEDIR, ONCE_SOCKET, ONCE_ADMINGROUP,
	ONCE_READACCESS, ONCE_LOG, ONCE_INTERFACE, ONCE_MTU, ONCE_LISTENPORT,
	ONCE_PRIVATEKEY,
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

/* Lexer state. */
static int			 from_macro;	/* of the last char read */
static char			 tokbuf[TOKEN_MAX];	/* last token's text */
static int			 stmt_ntok;	/* tokens on this line */
static int			 after_nl = 1;
static int			 first_tok;
static int			 line_start;	/* lexing a line's first token */
static char			 first_text[72];

static int	 yylex(void);
static void	 yyerror(const char *);
static void	 conf_err(int, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	 conf_err_in(const char *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	 conf_oom(void);
static const char *shown(const char *);

static void	 do_include(int, const char *);
static void	 macro_set(int, const char *, const char *);
static int	 once(int, enum once, const char *);
static void	 set_name(int, const char *, char *, size_t, const char *);
static void	 set_path(int, const char *, char *, size_t, const char *);
static void	 set_ifname(int, const char *);
static int	 in_range(int, const char *, int64_t, int64_t, int64_t);
static void	 add_address(int, const char *);
static void	 peer_begin(int, const char *);
static void	 peer_end(void);
static void	 peer_pubkey(int, const char *);
static void	 peer_psk(int, const char *);
static void	 peer_endpoint(int, const char *);
static void	 peer_allowed(int, const char *);
static void	 peer_keepalive(int, int64_t);

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
%token	NL "end of line"
%token	LEXERROR "invalid token"
%token	<string> STRING "string"
%token	<number> NUMBER "number"
%destructor { free($$); } <string>

%%

grammar		: %empty
		| grammar NL
		| grammar INCLUDE STRING NL {
			do_include(LINE(@3), $3);
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
			macro_set(LINE(@1), $1, $3);
			free($1);
			free($3);
		}
		| STRING '=' NUMBER {
			char	 v[32];

			(void)snprintf(v, sizeof(v), "%lld", (long long)$3);
			macro_set(LINE(@1), $1, v);
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
	{ "all",			ALL },
	{ "allowed-ips",		ALLOWED_IPS },
	{ "brief",			BRIEF },
	{ "chroot",			CHROOT },
	{ "endpoint",			ENDPOINT },
	{ "include",			INCLUDE },
	{ "interface",			INTERFACE },
	{ "listen-port",		LISTEN_PORT },
	{ "log",			LOG },
	{ "mtu",			MTU },
	{ "peer",			PEER },
	{ "persistent-keepalive",	PERSISTENT_KEEPALIVE },
	{ "preshared-key",		PRESHARED_KEY },
	{ "private-key",		PRIVATE_KEY },
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
	if (i >= sizeof(keywords) / sizeof(keywords[0]))
		return (NULL);
	return (keywords[i].name);
}

static int
kw_cmp(const void *k, const void *e)
{
	return (strcmp(k, ((const struct keyword *)e)->name));
}

static int
lookup(const char *s)
{
	const struct keyword	*kw;

	kw = bsearch(s, keywords, sizeof(keywords) / sizeof(keywords[0]),
	    sizeof(keywords[0]), kw_cmp);
	return (kw != NULL ? kw->token : STRING);
}

static const char *
token_name(int tok)
{
	size_t	 i;

	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (keywords[i].token == tok)
			return (keywords[i].name);
	return (NULL);
}

static int
is_peer_option(int tok)
{
	return (tok == PUBLIC_KEY || tok == PRESHARED_KEY ||
	    tok == ENDPOINT || tok == ALLOWED_IPS ||
	    tok == PERSISTENT_KEEPALIVE);
}

/* ---- messages ---- */

static void __attribute__((format(printf, 3, 0)))
conf_verr(const char *name, int line, const char *fmt, va_list ap)
{
	char	 msg[LOG_LINE_MAX];

	if (aborted)
		return;
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	if (line > 0)
		log_warnx("%s:%d: %s", name, line, msg);
	else
		log_warnx("%s: %s", name, msg);
	if (++errors >= MAX_ERRORS) {
		log_warnx("%s: too many errors, giving up", name);
		aborted = 1;
	}
}

static void
conf_err_in(const char *name, int line, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	conf_verr(name, line, fmt, ap);
	va_end(ap);
}

static void
conf_err(int line, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	conf_verr(file->name, line, fmt, ap);
	va_end(ap);
}

static void
conf_oom(void)
{
	if (file != NULL)
		conf_err(file->lineno, "out of memory");
	else if (!aborted) {
		log_warnx("out of memory");
		errors++;
	}
	aborted = 1;
}

/*
 * User text quoted back in a message: printable and at most 64 bytes,
 * so hostile input can neither flood the log nor forge lines in it.
 * Four rotating buffers: enough for any one message.
 */
static const char *
shown(const char *s)
{
	static char	 bufs[4][72];
	static int	 n;
	char		*b = bufs[n++ % 4];
	size_t		 i, j = 0;

	for (i = 0; s[i] != '\0'; i++) {
		if (i == 64) {
			memcpy(b + j, "...", 3);
			j += 3;
			break;
		}
		b[j++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	}
	b[j] = '\0';
	return (b);
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

	if (aborted || yychar == LEXERROR)
		return;		/* the lexer has said why */
	if (yychar == 0 && curpeer != NULL) {
		conf_err(line, "unexpected end of file: missing '}' for "
		    "peer \"%s\" opened on line %d", shown(curpeer->name),
		    peer_line);
		return;
	}
	if (stmt_ntok == 1 && curpeer != NULL && yychar == STRING) {
		conf_err(line, "unknown peer option \"%s\": expected "
		    "public-key, preshared-key, endpoint, allowed-ips or "
		    "persistent-keepalive", shown(tokbuf));
		return;
	}
	if (stmt_ntok == 1 && (kw = token_name(yychar)) != NULL) {
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
	if (stmt_ntok == 2 && first_tok == STRING && curpeer == NULL &&
	    yychar != '=') {
		conf_err(line, "unknown keyword \"%s\"", first_text);
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
		    rest, yychar == STRING ? "\"" : "", shown(tokbuf),
		    yychar == STRING ? "\"" : "", comma != NULL ? comma : "");
	} else
		conf_err(line, "syntax error: %s", rest);
}

/* ---- files ---- */

static void
file_free(struct file *f)
{
	if (f == NULL)
		return;
	free(f->name);
	free(f->buf);
	free(f);
}

/*
 * Read a whole file and check that it is text made of lines: a NUL
 * byte or an overlong line refuses it before anything is parsed, with
 * the line that is wrong.  Errors are said at "from" (the include
 * line) when the file cannot be read, at the bad line otherwise.
 */
static struct file *
pushfile(const char *name, const char *from, int fromline)
{
	struct file	*f;
	struct stat	 st;
	unsigned char	*nb;
	size_t		 cap = 0, i, col;
	ssize_t		 n;
	int		 fd, line;

	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->name = strdup(name)) == NULL) {
		free(f);
		conf_oom();
		return (NULL);
	}
	fd = open(name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd == -1) {
		if (from != NULL)
			conf_err_in(from, fromline, "include \"%s\": %s",
			    shown(name), strerror(errno));
		else
			conf_err_in(name, 0, "%s", strerror(errno));
		goto fail;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		if (from != NULL)
			conf_err_in(from, fromline, "include \"%s\": not a "
			    "regular file", shown(name));
		else
			conf_err_in(name, 0, "not a regular file");
		goto fail;
	}
	for (;;) {
		if (f->len == cap) {
			if (cap >= FILE_MAX) {
				conf_err_in(name, 0, "file larger than %d "
				    "bytes", FILE_MAX);
				goto fail;
			}
			cap = cap == 0 ? 65536 : cap * 2;
			if ((nb = realloc(f->buf, cap)) == NULL) {
				conf_oom();
				goto fail;
			}
			f->buf = nb;
		}
		n = read(fd, f->buf + f->len, cap - f->len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			conf_err_in(name, 0, "read: %s", strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		f->len += (size_t)n;
	}
	(void)close(fd);
	fd = -1;
	for (i = 0, col = 0, line = 1; i < f->len; i++) {
		if (f->buf[i] == '\0') {
			conf_err_in(name, line, "NUL byte in the file: "
			    "expected a text file");
			goto fail;
		}
		if (f->buf[i] == '\n') {
			line++;
			col = 0;
		} else if (++col > CONF_LINE_MAX) {
			conf_err_in(name, line, "line too long: expected at "
			    "most %d bytes", CONF_LINE_MAX);
			goto fail;
		}
	}
	f->lineno = 1;
	f->parent = file;
	f->depth = file != NULL ? file->depth + 1 : 1;
	return (f);
 fail:
	if (fd != -1)
		(void)close(fd);
	file_free(f);
	return (NULL);
}

/* Back to the including file; -1 at the end of the main one. */
static int
popfile(void)
{
	struct file	*prev;

	if (file->parent == NULL)
		return (-1);
	prev = file->parent;
	file_free(file);
	file = prev;
	return (0);
}

static void
do_include(int line, const char *path)
{
	struct file	*f, *nf;

	if (path[0] != '/') {
		conf_err(line, "include path \"%s\" is not absolute: "
		    "expected a path starting with /", shown(path));
		return;
	}
	for (f = file; f != NULL; f = f->parent)
		if (strcmp(f->name, path) == 0) {
			conf_err(line, "include \"%s\": the file includes "
			    "itself", shown(path));
			return;
		}
	if (file->depth >= CONF_INCLUDE_DEPTH) {
		conf_err(line, "include \"%s\": nested too deep, at most %d "
		    "files may be open at once", shown(path),
		    CONF_INCLUDE_DEPTH);
		return;
	}
	if ((nf = pushfile(path, file->name, line)) != NULL)
		file = nf;
}

/* ---- lexer ---- */

static int
lgetc(int continuation)
{
	struct file	*f = file;
	int		 c;

	if (f->nunget > 0) {
		c = f->unget[--f->nunget];
		from_macro = (c & FROM_MACRO) != 0;
		return (c & ~FROM_MACRO);
	}
	from_macro = 0;
	for (;;) {
		if (f->pos >= f->len)
			return (EOF);
		c = f->buf[f->pos++];
		if (c != '\\' || !continuation)
			return (c);
		/* Backslash-newline joins lines, also before a CR LF. */
		if (f->pos < f->len && f->buf[f->pos] == '\n')
			f->pos++;
		else if (f->pos + 1 < f->len && f->buf[f->pos] == '\r' &&
		    f->buf[f->pos + 1] == '\n')
			f->pos += 2;
		else
			return (c);
		f->lineno++;
	}
}

/* Push back the char just read; one at a time keeps its origin right. */
static void
lungetc(int c)
{
	if (c == EOF || file->nunget >= UNGET_MAX)
		return;
	file->unget[file->nunget++] = c | (from_macro ? FROM_MACRO : 0);
}

/* Say what is wrong, drop the rest of the line, let the parser resync. */
static int __attribute__((format(printf, 1, 2)))
lex_error(const char *fmt, ...)
{
	va_list	 ap;
	int	 c;

	va_start(ap, fmt);
	conf_verr(file->name, LINE(yylloc), fmt, ap);
	va_end(ap);
	while ((c = lgetc(1)) != '\n' && c != EOF)
		;
	lungetc(c);
	return (LEXERROR);
}

static int
is_alnum(int c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'));
}

/* What an unquoted word may hold: enough for paths, addresses, keys. */
static int
is_word(int c)
{
	return (is_alnum(c) || (c != '\0' && c != EOF &&
	    strchr("-_./:[]+%@", c) != NULL));
}

static int
is_macro_name(const char *s)
{
	if (*s == '\0' || (*s >= '0' && *s <= '9'))
		return (0);
	for (; *s != '\0'; s++)
		if (!is_alnum((unsigned char)*s) && *s != '_')
			return (0);
	return (1);
}

static int
is_number(const char *s)
{
	if (*s == '-')
		s++;
	return (*s != '\0' && strspn(s, "0123456789") == strlen(s));
}

static int
lex_quoted(void)
{
	size_t	 len = 0;
	int	 c, next;

	for (;;) {
		c = lgetc(1);
		if (c == EOF || c == '\n') {
			lungetc(c);
			return (lex_error("unterminated quoted string: "
			    "expected a closing \" on the same line"));
		}
		if (c == '"')
			break;
		if (c == '\\') {
			next = lgetc(1);
			if (next != '"' && next != '\\') {
				lungetc(next);
				return (lex_error("invalid escape in quoted "
				    "string: expected \\\" or \\\\"));
			}
			c = next;
		} else if (c < 0x20 || c == 0x7f)
			return (lex_error("control character 0x%02x in "
			    "quoted string", c));
		if (len >= sizeof(tokbuf) - 1)
			return (lex_error("quoted string too long: expected "
			    "at most %zu bytes", sizeof(tokbuf) - 1));
		tokbuf[len++] = (char)c;
	}
	tokbuf[len] = '\0';
	if ((yylval.string = strdup(tokbuf)) == NULL) {
		conf_oom();
		return (0);
	}
	return (STRING);
}

static int
lex_word(int c)
{
	size_t	 len = 0;
	char	*end;
	int	 tok;

	do {
		if (len >= sizeof(tokbuf) - 1) {
			tokbuf[len] = '\0';
			return (lex_error("word too long: expected at most "
			    "%zu bytes", sizeof(tokbuf) - 1));
		}
		tokbuf[len++] = (char)c;
		tokbuf[len] = '\0';
		c = lgetc(1);
		/*
		 * '=' belongs to the word (base64 keys end with it) unless
		 * the line starts "name=": that defines a macro.
		 */
	} while (is_word(c) || (c == '=' && !(line_start &&
	    is_macro_name(tokbuf))));
	lungetc(c);
	tokbuf[len] = '\0';
	if ((tok = lookup(tokbuf)) != STRING)
		return (tok);
	if (is_number(tokbuf)) {
		errno = 0;
		yylval.number = strtoll(tokbuf, &end, 10);
		if (errno == ERANGE || *end != '\0')
			return (lex_error("number %s is too large",
			    shown(tokbuf)));
		return (NUMBER);
	}
	if ((yylval.string = strdup(tokbuf)) == NULL) {
		conf_oom();
		return (0);
	}
	return (STRING);
}

/*
 * $name: push the macro's value back to be read as if written here.
 * Its characters are marked, and a '$' among them is not expanded, so
 * no definition can make the lexer loop.
 */
static int
lex_macro(void)
{
	char		 name[TOKEN_MAX];
	const struct macro *m;
	size_t		 len = 0, n;
	int		 c;

	while ((c = lgetc(1)) != EOF && (is_alnum(c) || c == '_')) {
		if (len >= sizeof(name) - 1)
			return (lex_error("macro name too long"));
		name[len++] = (char)c;
	}
	lungetc(c);
	name[len] = '\0';
	if (len == 0)
		return (lex_error("'$' must be followed by a macro name"));
	for (m = macros; m != NULL; m = m->next)
		if (strcmp(m->name, name) == 0)
			break;
	if (m == NULL)
		return (lex_error("macro \"%s\" is not defined", shown(name)));
	n = strlen(m->value);
	if (n > UNGET_MAX - file->nunget)
		return (lex_error("macro \"%s\" is too long to expand here",
		    shown(name)));
	while (n > 0)
		file->unget[file->nunget++] =
		    (unsigned char)m->value[--n] | FROM_MACRO;
	return (-1);
}

static int
lex_token(void)
{
	int	 c, tok;

 top:
	if (aborted)
		return (0);
	do {
		c = lgetc(1);
	} while (c == ' ' || c == '\t' || c == '\r');
	yylloc.first_line = yylloc.last_line = file->lineno;
	tokbuf[0] = '\0';
	if (c == '#')	/* a comment ends with its line, backslash or not */
		while ((c = lgetc(0)) != '\n' && c != EOF)
			;
	if (c == EOF) {
		/* The last line of a file needs no newline. */
		if (!file->eof_nl) {
			file->eof_nl = 1;
			return (NL);
		}
		if (popfile() == 0)
			goto top;
		if (file->len > 0 && file->buf[file->len - 1] == '\n' &&
		    file->lineno > 1)
			yylloc.first_line = yylloc.last_line = file->lineno - 1;
		return (0);
	}
	if (c == '\n') {
		file->lineno++;
		return (NL);
	}
	if (c == '$') {
		if (from_macro)
			return (lex_error("'$' in the value of a macro: "
			    "macros do not nest"));
		if ((tok = lex_macro()) != -1)
			return (tok);
		goto top;
	}
	if (c == '"')
		return (lex_quoted());
	if (c == '{' || c == '}' || c == ',' || c == '=') {
		tokbuf[0] = (char)c;
		tokbuf[1] = '\0';
		return (c);
	}
	if (is_word(c))
		return (lex_word(c));
	if (c >= 0x20 && c < 0x7f)
		return (lex_error("unexpected character '%c'", c));
	return (lex_error("unexpected byte 0x%02x", c));
}

static int
yylex(void)
{
	int	 tok;

	line_start = after_nl || stmt_ntok == 0;
	tok = lex_token();
	if (after_nl) {
		stmt_ntok = 0;
		after_nl = 0;
	}
	if (++stmt_ntok == 1) {
		first_tok = tok;
		(void)snprintf(first_text, sizeof(first_text), "%s",
		    shown(tokbuf));
	}
	if (tok == NL)
		after_nl = 1;
	return (tok);
}

/* ---- statements ---- */

static void
macro_set(int line, const char *name, const char *value)
{
	struct macro	*m;
	char		*v;

	if (!is_macro_name(name)) {
		conf_err(line, "invalid macro name \"%s\": expected letters, "
		    "digits and _, not starting with a digit", shown(name));
		return;
	}
	if ((v = strdup(value)) == NULL) {
		conf_oom();
		return;
	}
	for (m = macros; m != NULL; m = m->next)
		if (strcmp(m->name, name) == 0) {
			free(m->value);
			m->value = v;
			return;
		}
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->name = strdup(name)) == NULL) {
		free(m);
		free(v);
		conf_oom();
		return;
	}
	m->value = v;
	m->next = macros;
	macros = m;
}

static int
once(int line, enum once which, const char *kw)
{
	unsigned int	*set = which >= PONCE_PUBKEY ? &peer_seen : &seen;

	if (which >= PONCE_PUBKEY && curpeer == NULL)
		return (-1);	/* out of memory at the block's start */
	if (*set & (1U << which)) {
		if (which >= PONCE_PUBKEY)
			conf_err(line, "%s given twice for peer \"%s\"", kw,
			    shown(curpeer->name));
		else
			conf_err(line, "%s given twice", kw);
		return (-1);
	}
	*set |= 1U << which;
	return (0);
}

static int
in_range(int line, const char *what, int64_t v, int64_t lo, int64_t hi)
{
	if (v < lo || v > hi) {
		conf_err(line, "%s %lld out of range: expected %lld-%lld",
		    what, (long long)v, (long long)lo, (long long)hi);
		return (-1);
	}
	return (0);
}

static int
copy_str(char *dst, size_t len, const char *src)
{
	size_t	 n = strlen(src);

	if (n >= len)
		return (-1);
	memcpy(dst, src, n + 1);
	return (0);
}

/* User and group names as useradd(8) takes them, plus a trailing '$'. */
static void
set_name(int line, const char *kw, char *dst, size_t len, const char *v)
{
	size_t	 n = strlen(v), i;
	int	 ok = n > 0 && n < len && (v[0] == '_' ||
		    (is_alnum((unsigned char)v[0]) && !(v[0] >= '0' &&
		    v[0] <= '9')));

	for (i = 1; ok && i < n; i++)
		if (!is_alnum((unsigned char)v[i]) && v[i] != '_' &&
		    v[i] != '.' && v[i] != '-' && !(v[i] == '$' && i == n - 1))
			ok = 0;
	if (!ok) {
		conf_err(line, "%s \"%s\" is not a valid name: expected 1-%zu "
		    "of A-Z a-z 0-9 _ . -, starting with a letter or _", kw,
		    shown(v), len - 1);
		return;
	}
	(void)copy_str(dst, len, v);
}

static void
set_path(int line, const char *kw, char *dst, size_t len, const char *v)
{
	if (v[0] != '/') {
		conf_err(line, "%s \"%s\" is not an absolute path: expected a "
		    "path starting with /", kw, shown(v));
		return;
	}
	if (copy_str(dst, len, v) == -1)
		conf_err(line, "%s path too long (%zu bytes): expected at "
		    "most %zu", kw, strlen(v), len - 1);
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

static int
prefix_eq(const struct conf_prefix *a, const struct conf_prefix *b)
{
	return (a->af == b->af && a->plen == b->plen &&
	    memcmp(&a->addr, &b->addr, a->af == AF_INET ?
	    sizeof(struct in_addr) : sizeof(struct in6_addr)) == 0);
}

static void
add_address(int line, const char *v)
{
	struct conf_prefix	 p;
	char			 err[256];
	int			 i;
	const uint8_t		*b;

	if (conf_parse_prefix_err(v, &p, 1, err, sizeof(err)) == -1) {
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
	if (key_is_zero(key)) {
		conf_err(line, "public-key of peer \"%s\" is all zeros",
		    shown(curpeer->name));
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

static uint32_t
prefix_hash(const struct conf_prefix *p)
{
	const uint8_t	*b = (const uint8_t *)&p->addr;
	size_t		 i, n = p->af == AF_INET ? 4 : 16;
	uint32_t	 h = 2166136261U;

	h = (h ^ p->af) * 16777619U;
	h = (h ^ p->plen) * 16777619U;
	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619U;
	return (h);
}

/*
 * Record curpeer->allowed[idx]; the peer that has it already, if any.
 * Open addressing over every peer's allowed IPs keeps this linear in
 * the size of the file.
 */
static struct conf_peer *
aip_claim(int idx, int *oom)
{
	const struct conf_prefix *p = &curpeer->allowed[idx];
	struct aip_slot	*ns, *s;
	size_t		 i, j, nsize;

	*oom = 0;
	if ((aip_count + 1) * 2 > aip_size) {
		nsize = aip_size == 0 ? 256 : aip_size * 2;
		if ((ns = calloc(nsize, sizeof(*ns))) == NULL) {
			*oom = 1;
			return (NULL);
		}
		for (i = 0; i < aip_size; i++) {
			if (aip_tab[i].peer == NULL)
				continue;
			j = prefix_hash(&aip_tab[i].peer->allowed[
			    aip_tab[i].idx]) & (nsize - 1);
			while (ns[j].peer != NULL)
				j = (j + 1) & (nsize - 1);
			ns[j] = aip_tab[i];
		}
		free(aip_tab);
		aip_tab = ns;
		aip_size = nsize;
	}
	for (j = prefix_hash(p) & (aip_size - 1); aip_tab[j].peer != NULL;
	    j = (j + 1) & (aip_size - 1)) {
		s = &aip_tab[j];
		if (prefix_eq(&s->peer->allowed[s->idx], p))
			return (s->peer);
	}
	aip_tab[j].peer = curpeer;
	aip_tab[j].idx = idx;
	aip_count++;
	return (NULL);
}

static void
peer_allowed(int line, const char *v)
{
	struct conf_prefix	 p;
	struct conf_peer	*owner;
	char			 err[256];
	int			 i, oom;

	if (curpeer == NULL)
		return;
	if (conf_parse_prefix_err(v, &p, 0, err, sizeof(err)) == -1) {
		conf_err(line, "allowed-ips: %s", err);
		return;
	}
	for (i = 0; i < curpeer->nallowed; i++)
		if (prefix_eq(&curpeer->allowed[i], &p)) {
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
	struct macro	*m;

	while (file != NULL) {
		struct file	*parent = file->parent;

		file_free(file);
		file = parent;
	}
	while ((m = macros) != NULL) {
		macros = m->next;
		free(m->name);
		free(m->value);
		free(m);
	}
	free(scratch);
	scratch = NULL;
	free(aip_tab);
	aip_tab = NULL;
	aip_size = aip_count = 0;
	curpeer = NULL;
	conf = NULL;
	errors = aborted = 0;
	seen = peer_seen = 0;
	addrs_full = peer_full = 0;
	peer_line = 0;
	stmt_ntok = 0;
	after_nl = 1;
	first_tok = 0;
	first_text[0] = tokbuf[0] = '\0';
	from_macro = 0;
}

struct hamd_config *
parse_config(const char *filename, const char *opts_socket)
{
	struct hamd_config	*c;
	int			 nerr;

	if (filename == NULL)
		filename = CONF_DEFAULT_FILE;
	parse_reset();
	if ((c = config_new_default()) == NULL) {
		log_warnx("%s: out of memory", filename);
		return (NULL);
	}
	conf = c;
	if ((file = pushfile(filename, NULL, 0)) != NULL) {
		if (yyparse() != 0 && errors == 0)
			conf_err(LINE(yylloc), "cannot parse the file");
	} else if (errors == 0)
		errors++;
	nerr = errors;
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
		return (NULL);
	}
	return (c);
}
