/*
 * Hub-wide values: a name and the bytes stored under it the first time
 * it was asked for (see store_meta_get_or_set in store.h).
 */
#include "autoconf.h"

#include <stddef.h>
#include <stdint.h>

#include "hub/store.h"
#include "hub/store_db.h"
#include "hub/store_meta.h"

int
store_meta_read(struct store *st, const char *name, void *val, size_t len)
{
	struct db_stmt	*s;
	int		 rc;

	if ((s = db_take(st, Q_META_GET, "t", name)) == NULL)
		return STORE_ERR;
	switch ((rc = db_next(st, s, 1))) {
	case DB_ROW:
		if (db_col_len(s, 0) != len)
			rc = db_fail(st, STORE_ERR, "meta %s: stored value is "
			    "%zu bytes, not %zu", name, db_col_len(s, 0), len);
		else
			rc = db_col_blob(st, s, 0, val, len);
		break;
	case DB_DONE:
		rc = STORE_NOTFOUND;
		break;
	}
	db_give(st, Q_META_GET, s);
	return rc;
}

int
store_meta_get_or_set(struct store *st, const char *name, void *val,
    size_t len)
{
	int	 rc;

	if (name == NULL || *name == '\0')
		return db_fail(st, STORE_ERR, "empty meta name");
	if ((rc = db_begin(st)) != STORE_OK)
		return rc;
	if ((rc = store_meta_read(st, name, val, len)) == STORE_NOTFOUND)
		rc = db_run(st, Q_META_ADD, "tb", name, val, len);
	return db_end(st, rc);
}
