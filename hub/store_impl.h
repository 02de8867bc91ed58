/*
 * What a database backend fills in (store_sqlite.c, store_pg.c): its
 * struct store and its statements begin with these, and its calls are
 * a table that store_db.c's db_* functions (store_backend.h) go
 * through.  Both backends are in every hamhubd, so the configuration
 * chooses one at run time and the operations never know which.
 */
#ifndef HAMD_STORE_IMPL_H
#define HAMD_STORE_IMPL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "hub/store_backend.h"

struct db_backend {
	const char	*name;		/* "sqlite", "postgresql" */
	struct db_stmt	*(*vtake)(struct store *, enum store_query,
			    const char *, va_list);
	void		 (*give)(struct store *, enum store_query,
			    struct db_stmt *);
	int		 (*next)(struct store *, struct db_stmt *, int);
	int64_t		 (*col_int)(struct db_stmt *, int);
	size_t		 (*col_len)(struct db_stmt *, int);
	int		 (*col_blob)(struct store *, struct db_stmt *, int,
			    void *, size_t);
	int		 (*col_text)(struct store *, struct db_stmt *, int,
			    char *, size_t);
	int		 (*changed)(struct store *);
	int		 (*begin)(struct store *);
	int		 (*end)(struct store *, int);
	int		 (*version)(struct store *);
	void		 (*close)(struct store *);
};

/* The first member of each backend's own store. */
struct store {
	const struct db_backend	*be;
	char			 err[256];
	int			 nomem;	/* the last error: no memory */
	int			 down;	/* the server cannot be reached */
};

/* The first member of each backend's own statement. */
struct db_stmt {
	const struct db_backend	*be;
};

/* The refusal of a database that a newer program has migrated. */
int	store_newer(struct store *, int version);
/* db_fail(), for a failure for want of memory (store_nomem() says so). */
int	db_nomem(struct store *, const char *what);

#endif
