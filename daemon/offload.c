/*
 * Completing checksums and cutting TCP super-packets from the TUN
 * device into segments; see offload.h.  The rules are those of TCP
 * segmentation offload in hardware: every segment gets the original
 * headers with its own lengths, sequence number and checksums; FIN and
 * PSH belong to the last segment only, CWR to the first only, and IPv4
 * identifiers count up from the original.
 */
#include "autoconf.h"

#include <endian.h>
#include <string.h>

#include "compat/bytes.h"
#include "daemon/offload.h"

#define IPPROTO_TCP_	6
#define TCP_FIN		0x01
#define TCP_PSH		0x08
#define TCP_CWR		0x80

/*
 * The sum is over big-endian 16-bit words, but a ones' complement sum
 * does not care about byte order as long as it is swapped back at the
 * end: add the buffer as native 32-bit words into 64 bits (eight bytes
 * per round instead of two, on every segment of every super-packet),
 * fold, and swap the 16-bit result into the big-endian domain.
 */
uint32_t
offload_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t	 acc = 0, s;
	uint32_t	 w0, w1;
	uint16_t	 h;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w0, p, 4);
		memcpy(&w1, p + 4, 4);
		acc += (uint64_t)w0 + w1;
	}
	for (; len >= 2; p += 2, len -= 2) {
		memcpy(&h, p, 2);
		acc += h;
	}
	/* A last odd byte is the high byte of a big-endian word. */
	if (len) {
		uint8_t	 last[2] = { p[0], 0 };

		memcpy(&h, last, 2);
		acc += h;
	}
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	h = (uint16_t)acc;
	s = (uint64_t)sum + be16toh(h);
	while (s >> 32)
		s = (s & 0xffffffff) + (s >> 32);
	return (uint32_t)s;
}

uint16_t
offload_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void
vnet_parse(const uint8_t *b, struct vnet_hdr *h)
{
	/* Little-endian: what the TUN device uses on every Linux host we run on. */
	h->flags = b[0];
	h->gso_type = b[1];
	h->hdr_len = (uint16_t)(b[2] | b[3] << 8);
	h->gso_size = (uint16_t)(b[4] | b[5] << 8);
	h->csum_start = (uint16_t)(b[6] | b[7] << 8);
	h->csum_offset = (uint16_t)(b[8] | b[9] << 8);
}

/* Pseudo-header sum for TCP over IPv4 or IPv6. */
static uint32_t
pseudo_sum(const uint8_t *ip, int v6, size_t l4len)
{
	uint32_t	 s;

	if (v6) {
		s = offload_csum_add(0, ip + 8, 32);
		s += (uint32_t)(l4len >> 16) + (uint32_t)(l4len & 0xffff);
	} else {
		s = offload_csum_add(0, ip + 12, 8);
		s += (uint32_t)l4len;
	}
	return s + IPPROTO_TCP_;
}

static int
finish_csum(uint8_t *pkt, size_t len, const struct vnet_hdr *h)
{
	size_t	 start = h->csum_start, field = start + h->csum_offset;

	if (start >= len || field + 2 > len)
		return -1;
	/* The field holds the pseudo-header sum: sum over it, invert. */
	put_be16(pkt + field, (uint16_t)~offload_csum_fold(
	    offload_csum_add(0, pkt + start, len - start)));
	return 0;
}

static int
segment_tcp(const uint8_t *pkt, size_t len, const struct vnet_hdr *h,
    uint8_t *seg, offload_fn fn, void *arg)
{
	int		 v6 = (pkt[0] >> 4) == 6, n = 0;
	size_t		 iphl, tcphl, hdr, off, mss = h->gso_size, plen;
	uint32_t	 seq;
	uint16_t	 id;
	uint8_t		 flags;

	if (v6) {
		if (len < 40 || pkt[6] != IPPROTO_TCP_)
			return -1;	/* extension headers: not from our stack */
		iphl = 40;
	} else {
		if (len < 20 || (pkt[0] >> 4) != 4 || pkt[9] != IPPROTO_TCP_)
			return -1;
		iphl = (size_t)(pkt[0] & 0x0f) * 4;
		if (iphl < 20)
			return -1;
	}
	if (len < iphl + 20)
		return -1;
	tcphl = (size_t)(pkt[iphl + 12] >> 4) * 4;
	hdr = iphl + tcphl;
	if (tcphl < 20 || len < hdr || mss == 0)
		return -1;
	seq = get_be32(pkt + iphl + 4);
	id = v6 ? 0 : get_be16(pkt + 4);
	flags = pkt[iphl + 13];
	for (off = hdr; off < len; off += plen, n++) {
		uint8_t	*t = seg + iphl;
		size_t	 l4;

		plen = len - off < mss ? len - off : mss;
		memcpy(seg, pkt, hdr);
		memcpy(seg + hdr, pkt + off, plen);
		l4 = tcphl + plen;
		if (v6)
			put_be16(seg + 4, (uint16_t)l4);
		else {
			put_be16(seg + 2, (uint16_t)(iphl + l4));
			put_be16(seg + 4, (uint16_t)(id + n));
			put_be16(seg + 10, 0);
			put_be16(seg + 10, (uint16_t)~offload_csum_fold(
			    offload_csum_add(0, seg, iphl)));
		}
		put_be32(t + 4, seq + (uint32_t)(off - hdr));
		t[13] = flags;
		if (off + plen < len)
			t[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
		if (n > 0)
			t[13] &= (uint8_t)~TCP_CWR;
		put_be16(t + 16, 0);
		put_be16(t + 16, (uint16_t)~offload_csum_fold(offload_csum_add(
		    pseudo_sum(seg, v6, l4), t, l4)));
		fn(arg, seg, iphl + l4);
	}
	return n;
}

int
offload_split(const uint8_t *buf, size_t len, uint8_t *scratch,
    offload_fn fn, void *arg)
{
	struct vnet_hdr	 h;
	const uint8_t	*pkt = buf + VNET_HDR_LEN;
	size_t		 plen;

	if (len <= VNET_HDR_LEN)
		return -1;
	vnet_parse(buf, &h);
	plen = len - VNET_HDR_LEN;
	switch (h.gso_type & ~VNET_GSO_ECN) {
	case VNET_GSO_NONE:
		if (h.flags & VNET_F_NEEDS_CSUM) {
			memcpy(scratch, pkt, plen);
			if (finish_csum(scratch, plen, &h) == -1)
				return -1;
			fn(arg, scratch, plen);
		} else
			fn(arg, pkt, plen);
		return 1;
	case VNET_GSO_TCPV4:
	case VNET_GSO_TCPV6:
		/* Segments get fresh checksums; the partial one is ignored. */
		return segment_tcp(pkt, plen, &h, scratch, fn, arg);
	default:
		return -1;
	}
}

/* ---- receive side: merging segments for the TUN device --------------- */

#define TCP_SYN		0x02
#define TCP_RST		0x04
#define TCP_URG		0x20
#define TCP_ECE		0x40

void
gro_init(struct gro *g, void (*write)(void *, const uint8_t *, size_t),
    void *arg)
{
	memset(g, 0, sizeof(*g));
	g->write = write;
	g->arg = arg;
}

/* Headers of a TCP segment we could merge; 0 if it is not one. */
static size_t
tcp_headers(const uint8_t *pkt, size_t len, int *v6)
{
	size_t	 iphl, tcphl;

	if (len >= 40 && (pkt[0] >> 4) == 6) {
		if (pkt[6] != IPPROTO_TCP_ ||
		    (size_t)get_be16(pkt + 4) + 40 != len)
			return 0;
		iphl = 40;
		*v6 = 1;
	} else if (len >= 20 && pkt[0] == 0x45) {
		/* No IP options, no fragments, and the length is exact. */
		if (pkt[9] != IPPROTO_TCP_ || get_be16(pkt + 2) != len ||
		    (get_be16(pkt + 6) & 0x3fff) != 0)
			return 0;
		iphl = 20;
		*v6 = 0;
	} else
		return 0;
	if (len < iphl + 20)
		return 0;
	tcphl = (size_t)(pkt[iphl + 12] >> 4) * 4;
	if (tcphl < 20 || len < iphl + tcphl)
		return 0;
	/* Only plain data: control flags go through on their own. */
	if (pkt[iphl + 13] & (TCP_SYN | TCP_RST | TCP_URG | TCP_FIN |
	    TCP_CWR | TCP_ECE))
		return 0;
	return iphl + tcphl;
}

/* Same flow: addresses, ports (and for IPv4 TOS, TTL, protocol). */
static int
same_flow(const uint8_t *a, const uint8_t *b, int v6)
{
	if (v6)
		return memcmp(a, b, 4) == 0 &&		/* version, class, label */
		    memcmp(a + 6, b + 6, 34 + 4) == 0;	/* nh, hops, addrs, ports */
	return a[1] == b[1] && a[8] == b[8] && a[9] == b[9] &&
	    memcmp(a + 12, b + 12, 8 + 4) == 0;
}

static void
gro_write_flow(struct gro *g, struct gro_flow *f)
{
	uint8_t	*v = f->buf, *ip = f->buf + VNET_HDR_LEN;
	size_t	 iphl = f->v6 ? 40 : 20, l4 = f->len - iphl;

	if (f->len == 0)
		return;
	memset(v, 0, VNET_HDR_LEN);
	if (f->nsegs > 1) {
		/* One packet for the stack; it trusts our NEEDS_CSUM. */
		v[0] = VNET_F_NEEDS_CSUM;
		v[1] = f->v6 ? VNET_GSO_TCPV6 : VNET_GSO_TCPV4;
		v[2] = (uint8_t)f->hdrlen;
		v[3] = (uint8_t)(f->hdrlen >> 8);
		v[4] = (uint8_t)f->mss;
		v[5] = (uint8_t)(f->mss >> 8);
		v[6] = (uint8_t)iphl;
		v[8] = 16;		/* the TCP checksum field */
		if (f->v6)
			put_be16(ip + 4, (uint16_t)l4);
		else {
			put_be16(ip + 2, (uint16_t)f->len);
			put_be16(ip + 10, 0);
			put_be16(ip + 10, (uint16_t)~offload_csum_fold(
			    offload_csum_add(0, ip, iphl)));
		}
		/* NEEDS_CSUM: the field holds the pseudo-header sum only. */
		put_be16(ip + iphl + 16, offload_csum_fold(pseudo_sum(ip, f->v6,
		    l4)));
	}
	g->write(g->arg, f->buf, VNET_HDR_LEN + f->len);
	f->len = 0;
	f->nsegs = 0;
}

void
gro_flush(struct gro *g)
{
	int	 i;

	for (i = 0; i < GRO_FLOWS; i++)
		gro_write_flow(g, &g->flows[i]);
}

static void
gro_start(struct gro *g, struct gro_flow *f, const uint8_t *pkt, size_t len,
    size_t hdrlen, int v6)
{
	memcpy(f->buf + VNET_HDR_LEN, pkt, len);
	f->len = len;
	f->hdrlen = hdrlen;
	f->mss = len - hdrlen;
	f->v6 = v6;
	f->nsegs = 1;
	f->closed = (pkt[(v6 ? 40 : 20) + 13] & TCP_PSH) != 0 || f->mss == 0;
	f->age = ++g->clock;
}

/* Can seg (headers h bytes) follow what f holds? */
static int
gro_fits(const struct gro_flow *f, const uint8_t *seg, size_t len, size_t h)
{
	const uint8_t	*ip = f->buf + VNET_HDR_LEN;
	size_t		 iphl = f->v6 ? 40 : 20, plen = len - h;
	const uint8_t	*t0 = ip + iphl, *t1 = seg + iphl;
	uint32_t	 next;

	if (f->closed || h != f->hdrlen || plen == 0 || plen > f->mss ||
	    f->nsegs == GRO_MAX_SEGS || f->len + plen > GRO_MAX_LEN)
		return 0;
	/* Same ack, window and options; flags apart from PSH the same. */
	next = get_be32(t0 + 4) + (uint32_t)(f->len - f->hdrlen);
	if (get_be32(t1 + 4) != next || memcmp(t0 + 8, t1 + 8, 4) != 0 ||
	    memcmp(t0 + 14, t1 + 14, 2) != 0 ||
	    (t0[13] & ~TCP_PSH) != (t1[13] & ~TCP_PSH) ||
	    memcmp(t0 + 20, t1 + 20, h - iphl - 20) != 0)
		return 0;
	return 1;
}

void
gro_packet(struct gro *g, const uint8_t *pkt, size_t len)
{
	struct gro_flow	*f, *oldest = NULL, *same = NULL;
	size_t		 h;
	int		 v6 = 0, i;
	uint8_t		 plain[VNET_HDR_LEN + GRO_MAX_LEN];

	if ((h = tcp_headers(pkt, len, &v6)) == 0) {
		/* Not mergeable; a TCP packet of a held flow must follow it. */
		for (i = 0; i < GRO_FLOWS; i++) {
			f = &g->flows[i];
			if (f->len > 0 && len >= 40 && (pkt[0] >> 4) ==
			    (f->v6 ? 6 : 4) && same_flow(f->buf + VNET_HDR_LEN,
			    pkt, f->v6))
				gro_write_flow(g, f);
		}
		if (len > GRO_MAX_LEN)
			return;
		memset(plain, 0, VNET_HDR_LEN);
		memcpy(plain + VNET_HDR_LEN, pkt, len);
		g->write(g->arg, plain, VNET_HDR_LEN + len);
		return;
	}
	for (i = 0; i < GRO_FLOWS; i++) {
		f = &g->flows[i];
		if (f->len == 0) {
			if (oldest == NULL || oldest->len > 0)
				oldest = f;
			continue;
		}
		if (f->v6 == v6 && same_flow(f->buf + VNET_HDR_LEN, pkt, v6))
			same = f;
		else if (oldest == NULL || (oldest->len > 0 &&
		    f->age < oldest->age))
			oldest = f;
	}
	if (same != NULL) {
		if (gro_fits(same, pkt, len, h)) {
			uint8_t	*ip = same->buf + VNET_HDR_LEN;

			memcpy(ip + same->len, pkt + h, len - h);
			same->len += len - h;
			same->nsegs++;
			g->merged++;
			/* PSH and the last short segment end the train. */
			ip[(v6 ? 40 : 20) + 13] |= pkt[(v6 ? 40 : 20) + 13] &
			    TCP_PSH;
			if (len - h < same->mss || (pkt[(v6 ? 40 : 20) + 13] &
			    TCP_PSH))
				same->closed = 1;
			return;
		}
		gro_write_flow(g, same);
		gro_start(g, same, pkt, len, h, v6);
		return;
	}
	if (oldest->len > 0)
		gro_write_flow(g, oldest);
	gro_start(g, oldest, pkt, len, h, v6);
}
