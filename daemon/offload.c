/*
 * Completing checksums and cutting TCP super-packets from the TUN
 * device into segments; see offload.h.  The rules are those of TCP
 * segmentation offload in hardware: every segment gets the original
 * headers with its own lengths, sequence number and checksums; FIN and
 * PSH belong to the last segment only, CWR to the first only, and IPv4
 * identifiers count up from the original.
 */
#include "autoconf.h"

#include <string.h>

#include "offload.h"

#define IPPROTO_TCP_	6
#define TCP_FIN		0x01
#define TCP_PSH		0x08
#define TCP_CWR		0x80

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

uint32_t
offload_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t	 s = sum;

	/* 16-bit big-endian words; a 64-bit accumulator cannot overflow. */
	while (len >= 2) {
		s += get16(p);
		p += 2;
		len -= 2;
	}
	if (len)
		s += (uint32_t)p[0] << 8;
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
	put16(pkt + field, (uint16_t)~offload_csum_fold(
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
	seq = get32(pkt + iphl + 4);
	id = v6 ? 0 : get16(pkt + 4);
	flags = pkt[iphl + 13];
	for (off = hdr; off < len; off += plen, n++) {
		uint8_t	*t = seg + iphl;
		size_t	 l4;

		plen = len - off < mss ? len - off : mss;
		memcpy(seg, pkt, hdr);
		memcpy(seg + hdr, pkt + off, plen);
		l4 = tcphl + plen;
		if (v6)
			put16(seg + 4, (uint16_t)l4);
		else {
			put16(seg + 2, (uint16_t)(iphl + l4));
			put16(seg + 4, (uint16_t)(id + n));
			put16(seg + 10, 0);
			put16(seg + 10, (uint16_t)~offload_csum_fold(
			    offload_csum_add(0, seg, iphl)));
		}
		put32(t + 4, seq + (uint32_t)(off - hdr));
		t[13] = flags;
		if (off + plen < len)
			t[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
		if (n > 0)
			t[13] &= (uint8_t)~TCP_CWR;
		put16(t + 16, 0);
		put16(t + 16, (uint16_t)~offload_csum_fold(offload_csum_add(
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
