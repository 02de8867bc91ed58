/* Packet batches over imsg; see pktbatch.h. */
#include "autoconf.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ipc/pktbatch.h"

#define PAD4(n)	(((n) + 3u) & ~(size_t)3u)

_Static_assert(sizeof(struct pkt_rec) == 28, "pkt_rec is a wire layout");

void
pktbatch_init(struct pktbatch *b, struct imsgbuf *ib, uint32_t type)
{
	memset(b, 0, sizeof(*b));
	b->ib = ib;
	b->type = type;
}

/* Where the next record goes in the ring, or NULL without room. */
static uint8_t *
ring_reserve(struct pktbatch *b, size_t need)
{
	struct pktring	*r = b->ring;
	uint64_t	 off;

	if (b->count > 0 && (b->used + need > PKTRING_BATCH_MAX ||
	    b->count == PKTRING_BATCH_RECS ||
	    b->start % r->size + b->used + need > r->size))
		(void)pktbatch_flush(b);
	if (b->count == 0) {
		/* A batch never crosses the end: it starts over at 0. */
		b->start = r->head;
		off = b->start % r->size;
		if (off + need > r->size)
			b->start += r->size - off;
		b->used = 0;
	}
	if (b->start + b->used + need - pktring_released(r) > r->size) {
		/* Let the reader see what there is, so it can release. */
		(void)pktbatch_flush(b);
		b->full++;
		return NULL;
	}
	return r->data + b->start % r->size + b->used;
}

uint8_t *
pktbatch_add(struct pktbatch *b, uint32_t peer, uint16_t flags,
    const struct pkt_addr *addr, size_t maxlen)
{
	struct pkt_rec	 rec;
	size_t		 need = sizeof(rec) + PAD4(maxlen);

	if (maxlen > PKT_MAX_LEN)
		return NULL;
	if (b->ring != NULL) {
		if ((b->pending = ring_reserve(b, need)) == NULL)
			return NULL;
		memset(&rec, 0, sizeof(rec));
		rec.peer = peer;
		rec.flags = flags;
		if (addr != NULL)
			rec.addr = *addr;
		memcpy(b->pending, &rec, sizeof(rec));
		return b->pending + sizeof(rec);
	}
	if (b->cur != NULL && b->used + need > IMSG_MAX_PAYLOAD)
		(void)pktbatch_flush(b);
	if (b->cur == NULL) {
		b->cur = imsg_create(b->ib, b->type, 0, IMSG_MAX_PAYLOAD);
		if (b->cur == NULL)
			return NULL;
		b->used = 0;
		b->count = 0;
	}
	memset(&rec, 0, sizeof(rec));
	rec.peer = peer;
	rec.flags = flags;
	if (addr != NULL)
		rec.addr = *addr;
	b->pending = imsg_payload(b->cur) + b->used;
	memcpy(b->pending, &rec, sizeof(rec));
	return b->pending + sizeof(rec);
}

void
pktbatch_commit(struct pktbatch *b, size_t len)
{
	uint16_t	 l = (uint16_t)len;
	size_t		 padded = PAD4(len);

	memcpy(b->pending + offsetof(struct pkt_rec, len), &l, sizeof(l));
	/* Padding is zeroed: no heap residue crosses the boundary. */
	memset(b->pending + sizeof(struct pkt_rec) + len, 0, padded - len);
	b->used += sizeof(struct pkt_rec) + padded;
	b->count++;
	b->pending = NULL;
}

unsigned int
pktbatch_flush(struct pktbatch *b)
{
	struct pkt_ring_msg	 d;
	unsigned int		 n = b->count;

	if (b->ring != NULL) {
		if (n == 0)
			return 0;
		memset(&d, 0, sizeof(d));
		d.pos = b->start;
		d.len = (uint32_t)b->used;
		d.count = n;
		if (imsg_compose(b->ib, b->ring_type, 0, -1, &d,
		    sizeof(d)) == -1)
			return 0;	/* ENOMEM: the batch is lost */
		b->ring->head = b->start + b->used;
		b->used = 0;
		b->count = 0;
		return n;
	}
	if (b->cur == NULL)
		return 0;
	if (b->count == 0)
		imsg_abandon(b->cur);
	else
		(void)imsg_close(b->ib, b->cur, b->used);
	b->cur = NULL;
	b->used = 0;
	b->count = 0;
	return n;
}

void
pktbatch_discard(struct pktbatch *b)
{
	if (b->cur != NULL)
		imsg_abandon(b->cur);
	b->cur = NULL;
	b->used = b->count = 0;
}

void
pktbatch_use_ring(struct pktbatch *b, struct pktring *r, uint32_t type)
{
	(void)pktbatch_flush(b);
	b->ring = r;
	b->ring_type = type;
	b->used = b->count = 0;
}

size_t
pktbatch_room(struct pktbatch *b)
{
	struct pktring	*r = b->ring;
	uint64_t	 end;

	if (r == NULL)
		return SIZE_MAX;
	end = b->count > 0 ? b->start + b->used : r->head;
	return r->size - (size_t)(end - pktring_released(r));
}

int
pktbatch_broken(const struct pktbatch *b)
{
	return b->ring != NULL && b->ring->broken;
}

static int
rec_valid(const struct pkt_rec *r)
{
	if (r->flags & ~PKT_F_ALL)
		return 0;
	switch (r->addr.af) {
	case 0:
		return !(r->flags & PKT_F_TO_ADDR);
	case AF_INET:
	case AF_INET6:
		return 1;
	default:
		return 0;
	}
}

int
pktbatch_ring_foreach(struct pktring *r, const void *desc, size_t dlen,
    pktbatch_fn fn, void *arg)
{
	/* Private copies of the headers: the ring is not ours alone. */
	static struct {
		struct pkt_rec	 rec;
		uint32_t	 off;
	}			 recs[PKTRING_BATCH_RECS];
	struct pkt_ring_msg	 d;
	const uint8_t		*p;
	size_t			 off, len;
	unsigned int		 n = 0, i;

	if (dlen != sizeof(d))
		return -1;
	memcpy(&d, desc, sizeof(d));
	if ((p = pktring_batch(r, &d)) == NULL)
		return -1;
	len = d.len;
	for (off = 0; off < len; ) {
		if (len - off < sizeof(recs[0].rec) || n == d.count)
			return -1;
		memcpy(&recs[n].rec, p + off, sizeof(recs[0].rec));
		off += sizeof(recs[0].rec);
		if (!rec_valid(&recs[n].rec) ||
		    PAD4(recs[n].rec.len) > len - off)
			return -1;
		recs[n].off = (uint32_t)off;
		off += PAD4(recs[n].rec.len);
		n++;
	}
	if (n != d.count)
		return -1;
	for (i = 0; i < n; i++)
		fn(arg, &recs[i].rec, p + recs[i].off);
	return (int)n;
}

int
pktbatch_foreach(const uint8_t *p, size_t len, pktbatch_fn fn, void *arg)
{
	struct pkt_rec	 rec;
	size_t		 off;
	int		 n = 0;

	/* First pass: the whole batch must be well formed. */
	for (off = 0; off < len; ) {
		if (len - off < sizeof(rec))
			return -1;
		memcpy(&rec, p + off, sizeof(rec));
		off += sizeof(rec);
		if (!rec_valid(&rec) || PAD4(rec.len) > len - off)
			return -1;
		off += PAD4(rec.len);
		n++;
	}
	for (off = 0; off < len; ) {
		memcpy(&rec, p + off, sizeof(rec));
		off += sizeof(rec);
		fn(arg, &rec, p + off);
		off += PAD4(rec.len);
	}
	return n;
}
