/*
 * Blocked address ranges: logins from inside one are refused.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <stdint.h>
#include <string.h>

#include "ipc/addr.h"
#include "hub/store.h"
#include "hub/store_db.h"

static const uint8_t v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* To the stored form: IPv4 for a range of mapped addresses, host bits
 * cleared. */
static int
block_norm(struct store *st, const struct store_block *b,
    struct ip_prefix *p)
{
	memset(p, 0, sizeof(*p));
	switch (b->af) {
	case AF_INET:
		if (b->plen > 32)
			return db_fail(st, STORE_ERR, "IPv4 prefix length %d "
			    "is not 0-32", b->plen);
		p->af = AF_INET;
		p->plen = b->plen;
		memcpy(&p->addr.v4, b->addr, 4);
		break;
	case AF_INET6:
		if (b->plen > 128)
			return db_fail(st, STORE_ERR, "IPv6 prefix length %d "
			    "is not 0-128", b->plen);
		/* Clients come as mapped addresses on a dual-stack socket. */
		if (b->plen >= 96 && memcmp(b->addr, v4mapped,
		    sizeof(v4mapped)) == 0) {
			p->af = AF_INET;
			p->plen = b->plen - 96;
			memcpy(&p->addr.v4, b->addr + 12, 4);
		} else {
			p->af = AF_INET6;
			p->plen = b->plen;
			memcpy(&p->addr.v6, b->addr, 16);
		}
		break;
	default:
		return db_fail(st, STORE_ERR, "address family %u is not IPv4 "
		    "or IPv6", b->af);
	}
	(void)prefix_mask(p);
	return STORE_OK;
}

/*
 * The family as the table keeps it: 4 or 6 rather than AF_INET and
 * AF_INET6, whose values differ between systems.  *len: the address's.
 */
static int
block_fam(const struct ip_prefix *p, size_t *len)
{
	*len = p->af == AF_INET ? 4 : 16;
	return p->af == AF_INET ? 4 : 6;
}

/* A change to the table: the stored form of b, and the write lock. */
static int
block_begin(struct store *st, const struct store_block *b,
    struct ip_prefix *p, int *fam, size_t *len)
{
	int	 rc;

	if ((rc = block_norm(st, b, p)) != STORE_OK)
		return rc;
	*fam = block_fam(p, len);
	return db_begin(st);
}

int
store_block_add(struct store *st, const struct store_block *b)
{
	struct ip_prefix	 p;
	size_t			 len;
	int			 fam, rc;

	if ((rc = block_begin(st, b, &p, &fam, &len)) != STORE_OK)
		return rc;
	rc = db_run(st, Q_BLOCK_ADD, "ddbi", fam, (int)p.plen, &p.addr, len,
	    b->created);
	return db_end(st, rc);
}

int
store_block_remove(struct store *st, const struct store_block *b)
{
	struct ip_prefix	 p;
	size_t			 len;
	int			 fam, rc;

	if ((rc = block_begin(st, b, &p, &fam, &len)) != STORE_OK)
		return rc;
	rc = db_run(st, Q_BLOCK_DEL, "ddb", fam, (int)p.plen, &p.addr, len);
	if (rc == STORE_OK && db_changed(st) == 0)
		rc = db_fail(st, STORE_NOTFOUND, "no such blocked range");
	return db_end(st, rc);
}

static int
block_each(struct store *st, struct db_stmt *s, void *cb, void *arg)
{
	int			(*fn)(void *, const struct store_block *) = cb;
	struct store_block	 b;
	int			 fam;

	memset(&b, 0, sizeof(b));
	fam = db_col_int(s, 0);
	b.af = fam == 4 ? AF_INET : AF_INET6;
	b.plen = db_col_int(s, 1);
	if (db_col_blob(st, s, 2, b.addr, fam == 4 ? 4 : 16) != STORE_OK)
		return STORE_ERR;
	b.created = db_col_int(s, 3);
	return fn(arg, &b) != 0;
}

int
store_block_foreach(struct store *st,
    int (*cb)(void *, const struct store_block *), void *arg)
{
	return db_each(st, Q_BLOCK_ALL, db_take(st, Q_BLOCK_ALL, ""),
	    block_each, (void *)cb, arg);
}

int
store_block_count(struct store *st, uint32_t *n)
{
	return db_count(st, n, Q_BLOCK_COUNT);
}

struct block_probe {
	struct ip_prefix	 full;	/* the address */
	size_t			 len;
	int			 fam;
	int			 hit;
};

/* Is the address's prefix of this row's length blocked? */
static int
plen_each(struct store *st, struct db_stmt *s, void *cb, void *arg)
{
	struct block_probe	*bp = arg;
	struct ip_prefix	 p = bp->full;
	int64_t			 one;
	int			 rc;

	(void)cb;
	p.plen = (uint8_t)db_col_int(s, 0);
	(void)prefix_mask(&p);
	rc = db_int(st, &one, Q_BLOCK_FIND, "ddb", bp->fam, (int)p.plen,
	    &p.addr, bp->len);
	if (rc == STORE_NOTFOUND)
		return 0;
	if (rc != STORE_OK)
		return rc;
	bp->hit = 1;
	return 1;
}

/*
 * One indexed lookup per prefix length in use: there are at most 129,
 * and a hub's list rarely has more than a handful.
 */
int
store_block_match(struct store *st, int af, const uint8_t addr[16])
{
	struct store_block	 b;
	struct block_probe	 bp;
	int			 rc;

	if (af != AF_INET && af != AF_INET6)
		return db_fail(st, STORE_ERR, "address family %d is not IPv4 "
		    "or IPv6", af);
	memset(&b, 0, sizeof(b));
	b.af = af;
	b.plen = af == AF_INET ? 32 : 128;
	memcpy(b.addr, addr, af == AF_INET ? 4 : 16);
	memset(&bp, 0, sizeof(bp));
	if ((rc = block_norm(st, &b, &bp.full)) != STORE_OK)
		return rc;
	bp.fam = block_fam(&bp.full, &bp.len);
	rc = db_each(st, Q_BLOCK_PLENS, db_take(st, Q_BLOCK_PLENS, "d",
	    bp.fam), plen_each, NULL, &bp);
	return rc == STORE_OK ? bp.hit : rc;
}
