/*
 * The parent's part of a PostgreSQL store: what the authority needs to
 * connect from its sandbox, gathered while the parent still may read
 * any file and ask the resolver.
 */
#ifndef HAMD_DBCONN_H
#define HAMD_DBCONN_H

#include <stddef.h>

#include "hub/hubconfig.h"
#include "hub/hubd_msg.h"

/*
 * From conf: the password out of its file (the file must be the
 * hub's alone, as the key is) and each host name resolved to an
 * address.  0, or -1 with the reason in err; m holds the password:
 * wipe it once sent.
 */
int	dbconn_prepare(const struct hubd_config *conf, struct hubd_db_msg *m,
	    char *err, size_t errlen);

#endif
