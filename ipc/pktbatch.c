/* Packet batches over imsg; see pktbatch.h. */
#include "autoconf.h"

#include <sys/socket.h>

#include <arpa/inet.h>
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

uint8_t *
pktbatch_add(struct pktbatch *b, uint32_t peer, uint16_t flags,
    const struct pkt_addr *addr, size_t maxlen)
{
	struct pkt_rec	 rec;
	size_t		 need = sizeof(rec) + PAD4(maxlen);

	if (maxlen > PKT_MAX_LEN)
		return NULL;
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
	unsigned int	 n = b->count;

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
