/*
 * The lexer shared by hamd.conf (daemon/parse.y) and hamhubd.conf
 * (hub/hubparse.y): whole-file reading with the NUL and line-length
 * checks, the include stack, macros, words, quoted strings and numbers,
 * and "file:line: message" errors.  Each grammar keeps its own keyword
 * table and tells the lexer its token codes; the lexer knows nothing of
 * any statement.
 *
 * One parse at a time per struct conflex; the state lives in the struct
 * so that the two grammars never share it.
 */
#ifndef HAMD_CONFLEX_H
#define HAMD_CONFLEX_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>


/* Limits both daemons' configurations share. */
#define CONF_SOCKET_MAX		108	/* sizeof(sun_path) */
#define CONF_NAME_MAX		64	/* user, group, peer names */
#define CONF_LINE_MAX		8192	/* longest line of a file, bytes */
#define CONF_INCLUDE_DEPTH	8	/* files open at once, the first included */
#define CONFLEX_TOKEN_MAX	CONF_LINE_MAX	/* longest word or string */
#define CONFLEX_MAX_ERRORS	50	/* then stop: the rest is noise */

struct conflex_file;
struct conflex_macro;

/* What a grammar tells the lexer. */
struct conflex_syntax {
	/* The token of a keyword, or -1 if the word is not one. */
	int		(*keyword)(const char *);
	int		 t_string;	/* a word or quoted string */
	int		 t_number;	/* a word of digits */
	int		 t_nl;		/* end of a line */
	int		 t_error;	/* the lexer has said what is wrong */
	/* Characters that may appear in a word besides the usual ones
	 * (letters, digits and -_./:[]+%@); "" for none. */
	const char	*word_extra;
	/* Characters that are tokens of their own (any of "{},=", as
	 * themselves); any other is an unexpected character. */
	const char	*punct;
};

/* A token's value: string is malloc'd and the grammar's to free. */
struct conflex_value {
	char		*string;
	int64_t		 number;
};

struct conflex {
	const struct conflex_syntax *syn;
	struct conflex_file	*file;		/* the one being read */
	struct conflex_macro	*macros;
	int			 errors;	/* said so far */
	int			 aborted;	/* too many, or out of memory */

	/* The last token, for the grammar's error messages. */
	int			 tokline;	/* where it started */
	char			 tokbuf[CONFLEX_TOKEN_MAX];	/* its text */
	int			 stmt_ntok;	/* tokens on its line so far */
	int			 first_tok;	/* the line's first token */
	char			 first_text[72];	/* its text, shown */
	char			 prev_text[72];	/* the token before, shown */

	/* private */
	int			 from_macro;
	int			 after_nl;
	int			 line_start;
};

/*
 * Forget everything (files, macros, counts); ready for conflex_open.
 * The struct must start zeroed (a static one is).
 */
void	conflex_init(struct conflex *, const struct conflex_syntax *);
void	conflex_reset(struct conflex *);
/* Open the main file.  -1 if it cannot be read; the error is said and
 * counted. */
int	conflex_open(struct conflex *, const char *path);
/* The next token, 0 at the end of the main file. */
int	conflex_lex(struct conflex *, struct conflex_value *);
/* The grammar's "include" and "name = value". */
void	conflex_include(struct conflex *, int line, const char *path);
void	conflex_macro_set(struct conflex *, int line, const char *name,
	    const char *value);
/* The file being read ("" before the first). */
const char *conflex_filename(const struct conflex *);

/*
 * Errors, as "file:line: message" (file only when line is 0); name NULL
 * is the file being read.  Each counts; past CONFLEX_MAX_ERRORS the
 * parse is aborted and nothing more is said.
 */
void	conflex_err(struct conflex *, int line, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	conflex_err_in(struct conflex *, const char *name, int line,
	    const char *, ...) __attribute__((format(printf, 4, 5)));
void	conflex_verr(struct conflex *, const char *name, int line,
	    const char *, va_list) __attribute__((format(printf, 4, 0)));
/* A warning: said the same way, but not counted as an error. */
void	conflex_warn(struct conflex *, int line, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	conflex_oom(struct conflex *);

/*
 * User text quoted back in a message: printable and at most 64 bytes,
 * so hostile input can neither flood the log nor forge lines in it.
 * Four rotating buffers: enough for any one message.
 */
const char *conflex_shown(const char *);

/* Checks both grammars make on values; 0, or -1 with the error said. */
int	conflex_in_range(struct conflex *, int line, const char *what,
	    int64_t v, int64_t lo, int64_t hi);
/* User and group names as useradd(8) takes them, plus a trailing '$'. */
int	conflex_set_name(struct conflex *, int line, const char *kw,
	    char *dst, size_t len, const char *v);
/* An absolute path that fits in dst. */
int	conflex_set_path(struct conflex *, int line, const char *kw,
	    char *dst, size_t len, const char *v);
/* Copy src if it fits; -1 and dst untouched if not. */
int	conflex_copy(char *dst, size_t len, const char *src);

#endif
