/* Shared-memory rings of packet batches; see pktring.h. */
#include "autoconf.h"

#include <sys/mman.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "ipc/pktring.h"

_Static_assert(sizeof(struct pkt_ring_msg) == 16, "a wire layout");
_Static_assert(PKTRING_SIZE % PKTRING_CTL_LEN == 0, "rings are page-aligned");

static void
ring_init(struct pktring *r, uint8_t *data, uint64_t *released)
{
	memset(r, 0, sizeof(*r));
	r->data = data;
	r->size = PKTRING_SIZE;
	r->released = released;
}

int
pktring_map(struct pktring_map *m, int fd, size_t size, int side)
{
	uint8_t	*ctl, *mine, *theirs;
	off_t	 omine, otheirs;

	memset(m, 0, sizeof(*m));
	if (size != PKTRING_SIZE || (side != 0 && side != 1)) {
		errno = EINVAL;
		return -1;
	}
	/*
	 * One reservation for the whole, then the parts over it with the
	 * protections each side needs: the other's ring read-only.
	 */
	if ((m->base = mmap(NULL, PKTRING_MAP_LEN, PROT_READ, MAP_SHARED, fd,
	    0)) == MAP_FAILED) {
		m->base = NULL;
		return -1;
	}
	m->len = PKTRING_MAP_LEN;
	ctl = m->base;
	omine = PKTRING_CTL_LEN + (off_t)side * PKTRING_SIZE;
	otheirs = PKTRING_CTL_LEN + (off_t)(1 - side) * PKTRING_SIZE;
	mine = ctl + omine;
	theirs = ctl + otheirs;
	if (mmap(ctl, PKTRING_CTL_LEN, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED ||
	    mmap(mine, PKTRING_SIZE, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_FIXED, fd, omine) == MAP_FAILED) {
		pktring_unmap(m);
		return -1;
	}
	ring_init(&m->tx, mine, (uint64_t *)(ctl + 64 * side));
	ring_init(&m->rx, theirs, (uint64_t *)(ctl + 64 * (1 - side)));
	return 0;
}

int
pktring_map_msg(struct pktring_map *m, const void *data, size_t len, int fd,
    int side)
{
	struct ring_msg	 rm;
	int		 r = -1, saved;

	if (len != sizeof(rm))
		errno = EINVAL;
	else {
		memcpy(&rm, data, sizeof(rm));
		r = pktring_map(m, fd, rm.size, side);
	}
	saved = errno;
	if (fd != -1)
		(void)close(fd);
	errno = saved;
	return r;
}

void
pktring_unmap(struct pktring_map *m)
{
	if (m->base != NULL)
		(void)munmap(m->base, m->len);
	memset(m, 0, sizeof(*m));
}

uint64_t
pktring_released(struct pktring *r)
{
	uint64_t	 rel;

	rel = __atomic_load_n(r->released, __ATOMIC_ACQUIRE);
	/* Only forwards, and never past what was written. */
	if (rel < r->seen || rel > r->head) {
		r->broken = 1;
		return r->seen;
	}
	r->seen = rel;
	return rel;
}

const uint8_t *
pktring_batch(struct pktring *r, const struct pkt_ring_msg *d)
{
	uint64_t	 next, off;

	if (d->len == 0 || d->len > PKTRING_BATCH_MAX || d->count == 0 ||
	    d->count > PKTRING_BATCH_RECS || d->pos < r->expect)
		return NULL;
	/* Right after the last batch, or at the ring's next turn. */
	next = r->expect + (r->size - r->expect % r->size) % r->size;
	if (d->pos != r->expect && d->pos != next)
		return NULL;
	off = d->pos % r->size;
	if (off + d->len > r->size)
		return NULL;
	r->expect = d->pos + d->len;
	return r->data + off;
}

void
pktring_release(struct pktring *r)
{
	__atomic_store_n(r->released, r->expect, __ATOMIC_RELEASE);
}
