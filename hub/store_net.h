/*
 * What the membership operations (store_member.c) read of networks.
 */
#ifndef HAMD_STORE_NET_H
#define HAMD_STORE_NET_H

#include <stdint.h>

struct store;
struct store_net;
struct db_stmt;

/* A network from the columns of a row starting at column c. */
#define STORE_NET_NCOLS	10
int	 store_net_row(struct store *, struct db_stmt *, int c,
	    struct store_net *);
/* STORE_OK, or STORE_NOTFOUND (with its message) if there is none. */
int	 store_net_exists(struct store *, const uint8_t id[16]);

#endif
