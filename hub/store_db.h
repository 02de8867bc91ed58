/*
 * The common ways the store's operations read rows, on top of the
 * backend's calls (store_backend.h), so that no backend writes them
 * again.
 */
#ifndef HAMD_STORE_DB_H
#define HAMD_STORE_DB_H

#include <stdint.h>

#include "hub/store_backend.h"

/* db_vtake with the arguments in line. */
struct db_stmt	*db_take(struct store *, enum store_query q,
		    const char *fmt, ...);
/*
 * Run a statement for its effect (a row it returns is ignored).  A
 * uniqueness violation is STORE_EXISTS: the callers insert where a row
 * may already be.
 */
int	 db_run(struct store *, enum store_query q, const char *fmt, ...);
/* A query for one integer: STORE_NOTFOUND without a row. */
int	 db_int(struct store *, int64_t *out, enum store_query q,
	    const char *fmt, ...);
/* A query with no arguments for one count. */
int	 db_count(struct store *, uint32_t *n, enum store_query q);
/*
 * Run s, taken for q, for at most one row and convert it with fn (which
 * returns a STORE_* code); STORE_NOTFOUND without a row.  Gives s back;
 * s NULL (db_take failed) is STORE_ERR.
 */
int	 db_row(struct store *, enum store_query q, struct db_stmt *s,
	    int (*fn)(struct store *, struct db_stmt *, void *), void *out);
/*
 * Iteration: fn turns the current row into a call of the caller's
 * callback cb and returns <0 for a bad row, else whether the callback
 * wants to stop.  The callbacks may read the store but must not change
 * it, since the statement is still open.  Gives s back.
 */
int	 db_each(struct store *, enum store_query q, struct db_stmt *s,
	    int (*fn)(struct store *, struct db_stmt *, void *, void *),
	    void *cb, void *arg);

#endif
