/*
 * What the node operations (store_node.c) read and write of the
 * hub-wide values, inside their own transaction.
 */
#ifndef HAMD_STORE_META_H
#define HAMD_STORE_META_H

#include <stddef.h>

struct store;

/* STORE_OK with exactly len bytes in val, or STORE_NOTFOUND. */
int	 store_meta_read(struct store *, const char *name, void *val,
	    size_t len);

#endif
