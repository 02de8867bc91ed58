/*
 * The configuration lexer shared by hamd.conf and hamhubd.conf.
 *
 * A file is read whole and checked for NUL bytes and overlong lines
 * before the first token, so the lexer only ever sees text.  A line may
 * be continued with a backslash; '#' starts a comment that ends with its
 * line.  Words are made of letters, digits and -_./:[]+%@ (and what the
 * grammar adds); a word of digits is a number, a word in the grammar's
 * keyword table is that keyword, any other word or a quoted string is a
 * string.  "$name" expands a macro defined earlier by "name = value".
 * Nothing here opens anything but the files it reads.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat/util.h"
#include "privsep/conflex.h"
#include "privsep/log.h"

#define FILE_MAX	(16 * 1024 * 1024)	/* refuse bigger files */
/* Room to push back a macro's value and one char. */
#define UNGET_MAX	(CONFLEX_TOKEN_MAX + 8)
#define FROM_MACRO	0x100	/* pushed-back char came from a macro */

struct conflex_file {
	struct conflex_file	*parent;	/* the including file */
	char			*name;
	unsigned char		*buf;		/* the whole file */
	size_t			 len;
	size_t			 pos;
	int			 lineno;
	int			 depth;		/* 1 for the main file */
	int			 eof_nl;	/* the newline at EOF is out */
	size_t			 nunget;
	int			 unget[UNGET_MAX];
};

struct conflex_macro {
	struct conflex_macro	*next;
	char			*name;
	char			*value;
};

/* ---- messages ---- */

void
conflex_verr(struct conflex *cl, const char *name, int line,
    const char *fmt, va_list ap)
{
	char	 msg[LOG_LINE_MAX];

	if (cl->aborted)
		return;
	if (name == NULL)
		name = conflex_filename(cl);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	if (line > 0)
		log_warnx("%s:%d: %s", name, line, msg);
	else
		log_warnx("%s: %s", name, msg);
	if (++cl->errors >= CONFLEX_MAX_ERRORS) {
		log_warnx("%s: too many errors, giving up", name);
		cl->aborted = 1;
	}
}

void
conflex_err_in(struct conflex *cl, const char *name, int line,
    const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	conflex_verr(cl, name, line, fmt, ap);
	va_end(ap);
}

void
conflex_err(struct conflex *cl, int line, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	conflex_verr(cl, NULL, line, fmt, ap);
	va_end(ap);
}

void
conflex_warn(struct conflex *cl, int line, const char *fmt, ...)
{
	char	 msg[LOG_LINE_MAX];
	va_list	 ap;

	if (cl->aborted)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("%s:%d: warning: %s", conflex_filename(cl), line, msg);
}

void
conflex_oom(struct conflex *cl)
{
	if (cl->file != NULL)
		conflex_err(cl, cl->file->lineno, "out of memory");
	else if (!cl->aborted) {
		log_warnx("out of memory");
		cl->errors++;
	}
	cl->aborted = 1;
}

const char *
conflex_shown(const char *s)
{
	static char	 bufs[4][72];
	static int	 n;

	return shown(s, bufs[n++ % 4], sizeof(bufs[0]));
}

const char *
conflex_filename(const struct conflex *cl)
{
	return cl->file != NULL ? cl->file->name : "";
}

/* ---- files ---- */

static void
file_free(struct conflex_file *f)
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
static struct conflex_file *
pushfile(struct conflex *cl, const char *name, const char *from,
    int fromline)
{
	struct conflex_file	*f;
	struct stat		 st;
	unsigned char		*nb;
	size_t			 cap = 0, i, col;
	ssize_t			 n;
	int			 fd, line;

	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->name = strdup(name)) == NULL) {
		free(f);
		conflex_oom(cl);
		return NULL;
	}
	fd = open(name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd == -1) {
		if (from != NULL)
			conflex_err_in(cl, from, fromline, "include \"%s\": %s",
			    conflex_shown(name), strerror(errno));
		else
			conflex_err_in(cl, name, 0, "%s", strerror(errno));
		goto fail;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		if (from != NULL)
			conflex_err_in(cl, from, fromline, "include \"%s\": "
			    "not a regular file", conflex_shown(name));
		else
			conflex_err_in(cl, name, 0, "not a regular file");
		goto fail;
	}
	for (;;) {
		if (f->len == cap) {
			if (cap >= FILE_MAX) {
				conflex_err_in(cl, name, 0, "file larger than "
				    "%d bytes", FILE_MAX);
				goto fail;
			}
			cap = cap == 0 ? 65536 : cap * 2;
			if ((nb = realloc(f->buf, cap)) == NULL) {
				conflex_oom(cl);
				goto fail;
			}
			f->buf = nb;
		}
		n = read(fd, f->buf + f->len, cap - f->len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			conflex_err_in(cl, name, 0, "read: %s",
			    strerror(errno));
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
			conflex_err_in(cl, name, line, "NUL byte in the file: "
			    "expected a text file");
			goto fail;
		}
		if (f->buf[i] == '\n') {
			line++;
			col = 0;
		} else if (++col > CONF_LINE_MAX) {
			conflex_err_in(cl, name, line, "line too long: "
			    "expected at most %d bytes", CONF_LINE_MAX);
			goto fail;
		}
	}
	f->lineno = 1;
	f->parent = cl->file;
	f->depth = cl->file != NULL ? cl->file->depth + 1 : 1;
	return f;
 fail:
	if (fd != -1)
		(void)close(fd);
	file_free(f);
	return NULL;
}

/* Back to the including file; -1 at the end of the main one. */
static int
popfile(struct conflex *cl)
{
	struct conflex_file	*prev;

	if (cl->file->parent == NULL)
		return -1;
	prev = cl->file->parent;
	file_free(cl->file);
	cl->file = prev;
	return 0;
}

int
conflex_open(struct conflex *cl, const char *path)
{
	struct conflex_file	*f;

	if ((f = pushfile(cl, path, NULL, 0)) == NULL) {
		if (cl->errors == 0)
			cl->errors++;
		return -1;
	}
	cl->file = f;
	return 0;
}

void
conflex_include(struct conflex *cl, int line, const char *path)
{
	struct conflex_file	*f, *nf;

	if (path[0] != '/') {
		conflex_err(cl, line, "include path \"%s\" is not absolute: "
		    "expected a path starting with /", conflex_shown(path));
		return;
	}
	for (f = cl->file; f != NULL; f = f->parent)
		if (strcmp(f->name, path) == 0) {
			conflex_err(cl, line, "include \"%s\": the file "
			    "includes itself", conflex_shown(path));
			return;
		}
	if (cl->file->depth >= CONF_INCLUDE_DEPTH) {
		conflex_err(cl, line, "include \"%s\": nested too deep, at "
		    "most %d files may be open at once", conflex_shown(path),
		    CONF_INCLUDE_DEPTH);
		return;
	}
	if ((nf = pushfile(cl, path, cl->file->name, line)) != NULL)
		cl->file = nf;
}

void
conflex_init(struct conflex *cl, const struct conflex_syntax *syn)
{
	conflex_reset(cl);
	cl->syn = syn;
}

void
conflex_reset(struct conflex *cl)
{
	struct conflex_macro	*m;

	while (cl->file != NULL) {
		struct conflex_file	*parent = cl->file->parent;

		file_free(cl->file);
		cl->file = parent;
	}
	while ((m = cl->macros) != NULL) {
		cl->macros = m->next;
		free(m->name);
		free(m->value);
		free(m);
	}
	cl->errors = cl->aborted = 0;
	cl->tokline = 0;
	cl->stmt_ntok = 0;
	cl->after_nl = 1;
	cl->line_start = 0;
	cl->first_tok = 0;
	cl->first_text[0] = cl->prev_text[0] = cl->tokbuf[0] = '\0';
	cl->from_macro = 0;
}

/* ---- characters ---- */

static int
lgetc(struct conflex *cl, int continuation)
{
	struct conflex_file	*f = cl->file;
	int			 c;

	if (f->nunget > 0) {
		c = f->unget[--f->nunget];
		cl->from_macro = (c & FROM_MACRO) != 0;
		return c & ~FROM_MACRO;
	}
	cl->from_macro = 0;
	for (;;) {
		if (f->pos >= f->len)
			return EOF;
		c = f->buf[f->pos++];
		if (c != '\\' || !continuation)
			return c;
		/* Backslash-newline joins lines, also before a CR LF. */
		if (f->pos < f->len && f->buf[f->pos] == '\n')
			f->pos++;
		else if (f->pos + 1 < f->len && f->buf[f->pos] == '\r' &&
		    f->buf[f->pos + 1] == '\n')
			f->pos += 2;
		else
			return c;
		f->lineno++;
	}
}

/* Push back the char just read; one at a time keeps its origin right. */
static void
lungetc(struct conflex *cl, int c)
{
	struct conflex_file	*f = cl->file;

	if (c == EOF || f->nunget >= UNGET_MAX)
		return;
	f->unget[f->nunget++] = c | (cl->from_macro ? FROM_MACRO : 0);
}

/* Say what is wrong, drop the rest of the line, let the parser resync. */
static int __attribute__((format(printf, 2, 3)))
lex_error(struct conflex *cl, const char *fmt, ...)
{
	va_list	 ap;
	int	 c;

	va_start(ap, fmt);
	conflex_verr(cl, NULL, cl->tokline, fmt, ap);
	va_end(ap);
	while ((c = lgetc(cl, 1)) != '\n' && c != EOF)
		;
	lungetc(cl, c);
	return cl->syn->t_error;
}

static int
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* What an unquoted word may hold: enough for paths, addresses, keys. */
static int
is_word(const struct conflex *cl, int c)
{
	return is_alnum(c) || (c != '\0' && c != EOF &&
	    (strchr("-_./:[]+%@", c) != NULL ||
	    strchr(cl->syn->word_extra, c) != NULL));
}

static int
is_macro_name(const char *s)
{
	if (*s == '\0' || (*s >= '0' && *s <= '9'))
		return 0;
	for (; *s != '\0'; s++)
		if (!is_alnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

static int
is_number(const char *s)
{
	if (*s == '-')
		s++;
	return *s != '\0' && strspn(s, "0123456789") == strlen(s);
}

/* ---- tokens ---- */

static int
lex_quoted(struct conflex *cl, struct conflex_value *v)
{
	size_t	 len = 0;
	int	 c, next;

	for (;;) {
		c = lgetc(cl, 1);
		if (c == EOF || c == '\n') {
			lungetc(cl, c);
			return lex_error(cl, "unterminated quoted string: "
			    "expected a closing \" on the same line");
		}
		if (c == '"')
			break;
		if (c == '\\') {
			next = lgetc(cl, 1);
			if (next != '"' && next != '\\') {
				lungetc(cl, next);
				return lex_error(cl, "invalid escape in "
				    "quoted string: expected \\\" or \\\\");
			}
			c = next;
		} else if (c < 0x20 || c == 0x7f)
			return lex_error(cl, "control character 0x%02x in "
			    "quoted string", c);
		if (len >= sizeof(cl->tokbuf) - 1)
			return lex_error(cl, "quoted string too long: "
			    "expected at most %zu bytes",
			    sizeof(cl->tokbuf) - 1);
		cl->tokbuf[len++] = (char)c;
	}
	cl->tokbuf[len] = '\0';
	if ((v->string = strdup(cl->tokbuf)) == NULL) {
		conflex_oom(cl);
		return 0;
	}
	return cl->syn->t_string;
}

static int
lex_word(struct conflex *cl, struct conflex_value *v, int c)
{
	char	*end;
	size_t	 len = 0;
	int	 tok;

	do {
		if (len >= sizeof(cl->tokbuf) - 1) {
			cl->tokbuf[len] = '\0';
			return lex_error(cl, "word too long: expected at "
			    "most %zu bytes", sizeof(cl->tokbuf) - 1);
		}
		cl->tokbuf[len++] = (char)c;
		cl->tokbuf[len] = '\0';
		c = lgetc(cl, 1);
		/*
		 * '=' belongs to the word (base64 keys end with it) unless
		 * the line starts "name=": that defines a macro.
		 */
	} while (is_word(cl, c) || (c == '=' && !(cl->line_start &&
	    is_macro_name(cl->tokbuf))));
	lungetc(cl, c);
	cl->tokbuf[len] = '\0';
	if ((tok = cl->syn->keyword(cl->tokbuf)) != -1)
		return tok;
	if (is_number(cl->tokbuf)) {
		errno = 0;
		v->number = strtoll(cl->tokbuf, &end, 10);
		if (errno == ERANGE || *end != '\0')
			return lex_error(cl, "number %s is too large",
			    conflex_shown(cl->tokbuf));
		return cl->syn->t_number;
	}
	if ((v->string = strdup(cl->tokbuf)) == NULL) {
		conflex_oom(cl);
		return 0;
	}
	return cl->syn->t_string;
}

/*
 * $name: push the macro's value back to be read as if written here.
 * Its characters are marked, and a '$' among them is not expanded, so
 * no definition can make the lexer loop.
 */
static int
lex_macro(struct conflex *cl)
{
	char				 name[CONFLEX_TOKEN_MAX];
	const struct conflex_macro	*m;
	struct conflex_file		*f = cl->file;
	size_t				 len = 0, n;
	int				 c;

	while ((c = lgetc(cl, 1)) != EOF && (is_alnum(c) || c == '_')) {
		if (len >= sizeof(name) - 1)
			return lex_error(cl, "macro name too long");
		name[len++] = (char)c;
	}
	lungetc(cl, c);
	name[len] = '\0';
	if (len == 0)
		return lex_error(cl, "'$' must be followed by a macro "
		    "name");
	for (m = cl->macros; m != NULL; m = m->next)
		if (strcmp(m->name, name) == 0)
			break;
	if (m == NULL)
		return lex_error(cl, "macro \"%s\" is not defined",
		    conflex_shown(name));
	n = strlen(m->value);
	if (n > UNGET_MAX - f->nunget)
		return lex_error(cl, "macro \"%s\" is too long to expand "
		    "here", conflex_shown(name));
	while (n > 0)
		f->unget[f->nunget++] =
		    (unsigned char)m->value[--n] | FROM_MACRO;
	return -1;
}

static int
lex_token(struct conflex *cl, struct conflex_value *v)
{
	struct conflex_file	*f;
	int			 c, tok;

 top:
	if (cl->aborted)
		return 0;
	f = cl->file;
	do {
		c = lgetc(cl, 1);
	} while (c == ' ' || c == '\t' || c == '\r');
	cl->tokline = f->lineno;
	cl->tokbuf[0] = '\0';
	if (c == '#')	/* a comment ends with its line, backslash or not */
		while ((c = lgetc(cl, 0)) != '\n' && c != EOF)
			;
	if (c == EOF) {
		/* The last line of a file needs no newline. */
		if (!f->eof_nl) {
			f->eof_nl = 1;
			return cl->syn->t_nl;
		}
		if (popfile(cl) == 0)
			goto top;
		if (f->len > 0 && f->buf[f->len - 1] == '\n' &&
		    f->lineno > 1)
			cl->tokline = f->lineno - 1;
		return 0;
	}
	if (c == '\n') {
		f->lineno++;
		return cl->syn->t_nl;
	}
	if (c == '$') {
		if (cl->from_macro)
			return lex_error(cl, "'$' in the value of a macro: "
			    "macros do not nest");
		if ((tok = lex_macro(cl)) != -1)
			return tok;
		goto top;
	}
	if (c == '"')
		return lex_quoted(cl, v);
	if (c != 0 && c != EOF && strchr("{},=", c) != NULL &&
	    strchr(cl->syn->punct, c) != NULL) {
		cl->tokbuf[0] = (char)c;
		cl->tokbuf[1] = '\0';
		return c;
	}
	if (is_word(cl, c))
		return lex_word(cl, v, c);
	if (c >= 0x20 && c < 0x7f)
		return lex_error(cl, "unexpected character '%c'", c);
	return lex_error(cl, "unexpected byte 0x%02x", c);
}

int
conflex_lex(struct conflex *cl, struct conflex_value *v)
{
	int	 tok;

	v->string = NULL;
	v->number = 0;
	(void)snprintf(cl->prev_text, sizeof(cl->prev_text), "%s",
	    conflex_shown(cl->tokbuf));
	cl->line_start = cl->after_nl || cl->stmt_ntok == 0;
	tok = lex_token(cl, v);
	if (cl->after_nl) {
		cl->stmt_ntok = 0;
		cl->after_nl = 0;
	}
	if (++cl->stmt_ntok == 1) {
		cl->first_tok = tok;
		(void)snprintf(cl->first_text, sizeof(cl->first_text), "%s",
		    conflex_shown(cl->tokbuf));
	}
	if (tok == cl->syn->t_nl)
		cl->after_nl = 1;
	return tok;
}

/* ---- statements both grammars have ---- */

void
conflex_macro_set(struct conflex *cl, int line, const char *name,
    const char *value)
{
	struct conflex_macro	*m;
	char			*v;

	if (!is_macro_name(name)) {
		conflex_err(cl, line, "invalid macro name \"%s\": expected "
		    "letters, digits and _, not starting with a digit",
		    conflex_shown(name));
		return;
	}
	if ((v = strdup(value)) == NULL) {
		conflex_oom(cl);
		return;
	}
	for (m = cl->macros; m != NULL; m = m->next)
		if (strcmp(m->name, name) == 0) {
			free(m->value);
			m->value = v;
			return;
		}
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->name = strdup(name)) == NULL) {
		free(m);
		free(v);
		conflex_oom(cl);
		return;
	}
	m->value = v;
	m->next = cl->macros;
	cl->macros = m;
}

int
conflex_in_range(struct conflex *cl, int line, const char *what, int64_t v,
    int64_t lo, int64_t hi)
{
	if (v < lo || v > hi) {
		conflex_err(cl, line, "%s %lld out of range: expected "
		    "%lld-%lld", what, (long long)v, (long long)lo,
		    (long long)hi);
		return -1;
	}
	return 0;
}

int
conflex_copy(char *dst, size_t len, const char *src)
{
	size_t	 n = strlen(src);

	if (n >= len)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

int
conflex_set_name(struct conflex *cl, int line, const char *kw, char *dst,
    size_t len, const char *v)
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
		conflex_err(cl, line, "%s \"%s\" is not a valid name: "
		    "expected 1-%zu of A-Z a-z 0-9 _ . -, starting with a "
		    "letter or _", kw, conflex_shown(v), len - 1);
		return -1;
	}
	(void)conflex_copy(dst, len, v);
	return 0;
}

int
conflex_set_path(struct conflex *cl, int line, const char *kw, char *dst,
    size_t len, const char *v)
{
	if (v[0] != '/') {
		conflex_err(cl, line, "%s \"%s\" is not an absolute path: "
		    "expected a path starting with /", kw, conflex_shown(v));
		return -1;
	}
	if (conflex_copy(dst, len, v) == -1) {
		conflex_err(cl, line, "%s path too long (%zu bytes): "
		    "expected at most %zu", kw, strlen(v), len - 1);
		return -1;
	}
	return 0;
}
