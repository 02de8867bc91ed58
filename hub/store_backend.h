/*
 * What a database backend gives the store's operations (store_meta.c,
 * store_node.c, store_net.c, store_member.c, store_block.c): the named
 * statements of store_sql.h run with bound arguments, their rows, and
 * transactions.  The SQLite backend is store_sqlite.c; a PostgreSQL one
 * implements the same calls with libpq, and the operations, with every
 * rule they enforce, stay as they are.
 *
 * Errors: every call that fails has put a message into the store (see
 * store_errmsg) and returns one of the STORE_* codes of hub/store.h.
 */
#ifndef HAMD_STORE_BACKEND_H
#define HAMD_STORE_BACKEND_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "hub/store_sql.h"

struct store;
/* A statement with its arguments bound, and where it is in its rows. */
struct db_stmt;

/* Set the store's message and return code. */
int	 db_fail(struct store *, int code, const char *fmt, ...)
	    __attribute__((__format__(printf, 3, 4)));

/*
 * Statement q with its arguments bound by a format, one character each:
 * k a key (32 bytes), n a network ID (16), b a blob (pointer, size_t),
 * t text, i an int64_t, d an int; argument i binds placeholder ?i.
 * Blobs and text stay the caller's until the statement is given back.
 * NULL on error.  A callback of an iteration may take the statement the
 * iteration is running: it gets one of its own.  (db_take in
 * store_db.h is the same with the arguments in line.)
 */
struct db_stmt	*db_vtake(struct store *, enum store_query q,
		    const char *fmt, va_list);
/* Done with a statement from db_take (NULL is a no-op). */
void	 db_give(struct store *, enum store_query q, struct db_stmt *);
/*
 * The next row: DB_ROW, DB_DONE, or a STORE_* code: STORE_EXISTS when
 * a statement that changes rows would break a uniqueness constraint,
 * else STORE_ERR.  first says that no row has been read yet, so that a
 * backend may retry a step that met a lock without repeating a row.
 */
#define DB_DONE	0
#define DB_ROW	1
int	 db_next(struct store *, struct db_stmt *, int first);

/* Columns of the current row, counted from 0. */
int64_t	 db_col_int(struct db_stmt *, int col);
size_t	 db_col_len(struct db_stmt *, int col);
/* Copy a blob column of exactly len bytes; STORE_ERR for another size. */
int	 db_col_blob(struct store *, struct db_stmt *, int col, void *dst,
	    size_t len);
/* Copy a text column with its NUL; STORE_ERR if it needs more than len. */
int	 db_col_text(struct store *, struct db_stmt *, int col, char *dst,
	    size_t len);

/* Rows the last statement changed: 0 means there was no such row. */
int	 db_changed(struct store *);

/*
 * Transactions.  db_begin takes the database's write lock before
 * anything is read, so that the checks a change depends on (a free
 * address, a member limit, an unused invite) hold until db_end commits:
 * no operation ever has to detect a conflict and start over.  db_end
 * commits if rc is STORE_OK, else rolls back, and returns rc, or
 * STORE_ERR if the commit failed (then nothing happened).  A commit is
 * durable when db_end returns.
 */
int	 db_begin(struct store *);
int	 db_end(struct store *, int rc);

#endif
