/*
 * The half of the store's plumbing that no database needs to know
 * about: the error texts, the calls of store_backend.h handed to the
 * backend the store was opened with (store_impl.h), and reading rows
 * the common ways (see store_db.h).
 */
#include "autoconf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "hub/store.h"
#include "hub/store_db.h"
#include "hub/store_impl.h"

int
db_fail(struct store *st, int code, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(st->err, sizeof(st->err), fmt, ap);
	va_end(ap);
	st->nomem = 0;
	return code;
}

int
db_nomem(struct store *st, const char *what)
{
	(void)db_fail(st, STORE_ERR, "%s: out of memory", what);
	st->nomem = 1;
	return STORE_ERR;
}

int
store_nomem(struct store *st)
{
	return st != NULL && st->nomem;
}

int
store_down(struct store *st)
{
	return st != NULL && st->down;
}

const char *
store_errmsg(struct store *st)
{
	if (st == NULL)
		return "no store";
	return st->err;
}

int
store_newer(struct store *st, int v)
{
	return db_fail(st, STORE_ERR, "database schema version %d is newer "
	    "than this program's (%zu): refusing to use it", v,
	    store_nmigrations);
}

const char *
store_backend_name(struct store *st)
{
	return st->be->name;
}

int
store_schema_version(struct store *st)
{
	return st->be->version(st);
}

void
store_close(struct store *st)
{
	if (st != NULL)
		st->be->close(st);
}

struct db_stmt *
db_vtake(struct store *st, enum store_query q, const char *fmt, va_list ap)
{
	return st->be->vtake(st, q, fmt, ap);
}

void
db_give(struct store *st, enum store_query q, struct db_stmt *s)
{
	if (s != NULL)
		st->be->give(st, q, s);
}

int
db_next(struct store *st, struct db_stmt *s, int first)
{
	return st->be->next(st, s, first);
}

int64_t
db_col_int(struct db_stmt *s, int col)
{
	return s->be->col_int(s, col);
}

size_t
db_col_len(struct db_stmt *s, int col)
{
	return s->be->col_len(s, col);
}

int
db_col_blob(struct store *st, struct db_stmt *s, int col, void *dst,
    size_t len)
{
	return st->be->col_blob(st, s, col, dst, len);
}

int
db_col_text(struct store *st, struct db_stmt *s, int col, char *dst,
    size_t len)
{
	return st->be->col_text(st, s, col, dst, len);
}

int
db_changed(struct store *st)
{
	return st->be->changed(st);
}

int
db_begin(struct store *st)
{
	return st->be->begin(st);
}

#ifdef HAMD_TEST_HOOKS
/*
 * Test hook: called around the next transaction's COMMIT, before it
 * (STORE_TEST_BEFORE) and after it (STORE_TEST_AFTER), then disarmed.
 */
static void	(*test_commit_hook)(int);

void
store_test_commit_hook(void (*fn)(int when))
{
	test_commit_hook = fn;
}

static void
test_hook(int when)
{
	void	(*fn)(int) = test_commit_hook;

	if (fn == NULL)
		return;
	if (when == STORE_TEST_AFTER)
		test_commit_hook = NULL;
	fn(when);
}
#endif

int
db_end(struct store *st, int rc)
{
#ifdef HAMD_TEST_HOOKS
	if (rc == STORE_OK)
		test_hook(STORE_TEST_BEFORE);
	rc = st->be->end(st, rc);
	if (rc == STORE_OK)
		test_hook(STORE_TEST_AFTER);
	return rc;
#else
	return st->be->end(st, rc);
#endif
}

const char *
store_strerror(int code)
{
	switch (code) {
	case STORE_OK:
		return "success";
	case STORE_ERR:
		return "database error";
	case STORE_NOTFOUND:
		return "not found";
	case STORE_EXISTS:
		return "already exists";
	case STORE_FULL:
		return "limit reached";
	case STORE_BANNED:
		return "banned";
	case STORE_DENIED:
		return "not allowed on the owner";
	}
	return "unknown error";
}

struct db_stmt *
db_take(struct store *st, enum store_query q, const char *fmt, ...)
{
	struct db_stmt	*s;
	va_list		 ap;

	va_start(ap, fmt);
	s = db_vtake(st, q, fmt, ap);
	va_end(ap);
	return s;
}

int
db_run(struct store *st, enum store_query q, const char *fmt, ...)
{
	struct db_stmt	*s;
	va_list		 ap;
	int		 rc;

	va_start(ap, fmt);
	s = db_vtake(st, q, fmt, ap);
	va_end(ap);
	if (s == NULL)
		return STORE_ERR;
	rc = db_next(st, s, 1);
	if (rc == DB_ROW || rc == DB_DONE)
		rc = STORE_OK;
	else if (rc == STORE_EXISTS)
		rc = db_fail(st, rc, "%s", store_strerror(rc));
	db_give(st, q, s);
	return rc;
}

static int
notfound(struct store *st)
{
	return db_fail(st, STORE_NOTFOUND, "%s",
	    store_strerror(STORE_NOTFOUND));
}

static int
int_row(struct store *st, struct db_stmt *s, void *out)
{
	*(int64_t *)out = db_col_int(s, 0);
	return STORE_OK;
}

int
db_int(struct store *st, int64_t *out, enum store_query q, const char *fmt,
    ...)
{
	struct db_stmt	*s;
	va_list		 ap;

	va_start(ap, fmt);
	s = db_vtake(st, q, fmt, ap);
	va_end(ap);
	return db_row(st, q, s, int_row, out);
}

int
db_count(struct store *st, uint32_t *n, enum store_query q)
{
	int64_t	 v;
	int	 rc;

	if ((rc = db_int(st, &v, q, "")) == STORE_OK)
		*n = (uint32_t)v;
	return rc;
}

int
db_row(struct store *st, enum store_query q, struct db_stmt *s,
    int (*fn)(struct store *, struct db_stmt *, void *), void *out)
{
	int	 rc;

	if (s == NULL)
		return STORE_ERR;
	switch ((rc = db_next(st, s, 1))) {
	case DB_ROW:
		rc = fn(st, s, out);
		break;
	case DB_DONE:
		rc = notfound(st);
		break;
	}
	db_give(st, q, s);
	return rc;
}

int
db_each(struct store *st, enum store_query q, struct db_stmt *s,
    int (*fn)(struct store *, struct db_stmt *, void *, void *),
    void *cb, void *arg)
{
	int	 rc, first = 1;

	if (s == NULL)
		return STORE_ERR;
	for (;;) {
		rc = db_next(st, s, first);
		first = 0;
		if (rc == DB_DONE) {
			rc = STORE_OK;
			break;
		}
		if (rc != DB_ROW)
			break;
		if ((rc = fn(st, s, cb, arg)) != 0) {
			/* A callback's stop is not an error. */
			if (rc > 0)
				rc = STORE_OK;
			break;
		}
	}
	db_give(st, q, s);
	return rc;
}
