/*
 * The member-name responder's parser and answers (see dnsmsg.h,
 * RFC 1035).  Every length is checked against what is left before it is
 * used; a question is copied into the answer as it came.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "compat/bytes.h"
#include "daemon/dnsmsg.h"

#define HDR_LEN		12
#define F_QR		0x8000
#define F_AA		0x0400
#define F_RD		0x0100
#define OPCODE(f)	(((f) >> 11) & 0xf)
#define RC_NXDOMAIN	3
#define RC_REFUSED	5
#define T_A		1
#define T_AAAA		28
#define T_ANY		255
#define T_OPT		41
#define C_IN		1

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

void
dns_label(const char *nick, char out[DNS_LABEL_MAX + 1])
{
	size_t	 i;
	int	 c;

	for (i = 0; i < DNS_LABEL_MAX && nick[i] != '\0'; i++) {
		c = lower((unsigned char)nick[i]);
		out[i] = (char)((c >= 'a' && c <= 'z') || (c >= '0' &&
		    c <= '9') || c == '-' ? c : '-');
	}
	out[i] = '\0';
}

int
dns_domain(const char *in, char out[DNS_NAME_MAX + 1])
{
	size_t	 i, n = strlen(in), lab = 0;

	if (n > 0 && in[n - 1] == '.')
		n--;
	if (n == 0 || n > DNS_NAME_MAX - 2 * (DNS_LABEL_MAX + 1))
		return -1;
	for (i = 0; i < n; i++) {
		if (in[i] == '.') {
			if (lab == 0)
				return -1;
			lab = 0;
		} else if (++lab > DNS_LABEL_MAX || (unsigned char)in[i] <=
		    0x20 || (unsigned char)in[i] >= 0x7f)
			return -1;
		out[i] = (char)lower((unsigned char)in[i]);
	}
	out[n] = '\0';
	return lab == 0 ? -1 : 0;
}

int
dns_table_set(struct dns_table *t, const struct dns_member *m)
{
	struct dns_member	*nm;
	size_t			 i;

	for (i = 0; i < t->n; i++)
		if (t->m[i].id == m->id) {
			t->m[i] = *m;
			return 0;
		}
	if (t->n == t->cap) {
		if ((nm = reallocarray(t->m, t->cap + 64, sizeof(*nm))) ==
		    NULL)
			return -1;
		t->m = nm;
		t->cap += 64;
	}
	t->m[t->n++] = *m;
	return 0;
}

void
dns_table_del(struct dns_table *t, uint32_t id)
{
	size_t	 i;

	for (i = 0; i < t->n; i++)
		if (t->m[i].id == id) {
			t->m[i] = t->m[--t->n];
			return;
		}
}

void
dns_table_free(struct dns_table *t)
{
	free(t->m);
	t->m = NULL;
	t->n = t->cap = 0;
}

/*
 * The question's name, at q + HDR_LEN, into name (lowercase, dotted, no
 * trailing dot); its wire length, or 0 if it is not a name we take:
 * a pointer, a label of a reserved type, a byte that could confuse the
 * dotted form, past the packet's end or DNS_NAME_MAX.
 */
static size_t
qname(const uint8_t *q, size_t len, char name[DNS_NAME_MAX + 1])
{
	size_t	 off = HDR_LEN, out = 0, l, i;

	for (;;) {
		if (off >= len)
			return 0;
		l = q[off++];
		if (l == 0)
			break;
		if (l > DNS_LABEL_MAX || off + l > len ||
		    out + l + (out > 0) > DNS_NAME_MAX - 1)
			return 0;	/* pointers and 0x40/0x80 types too */
		if (out > 0)
			name[out++] = '.';
		for (i = 0; i < l; i++, off++) {
			if (q[off] <= 0x20 || q[off] >= 0x7f || q[off] == '.')
				return 0;
			name[out++] = (char)lower(q[off]);
		}
	}
	name[out] = '\0';
	return off - HDR_LEN;
}

/* The member whose name, less ".domain", is rest: NICK.NETWORK. */
static const struct dns_member *
lookup(const struct dns_table *t, const char *rest, size_t rlen)
{
	const struct dns_member	*m;
	size_t			 i, j, nl;

	for (i = 0; i < t->n; i++) {
		m = &t->m[i];
		nl = strlen(m->nick);
		if (nl == 0 || nl + 1 >= rlen || rest[nl] != '.' ||
		    memcmp(rest, m->nick, nl) != 0)
			continue;
		for (j = 0; j < m->nnets; j++)
			if (strlen(m->nets[j]) == rlen - nl - 1 &&
			    memcmp(rest + nl + 1, m->nets[j], rlen - nl - 1) ==
			    0)
				return m;
	}
	return NULL;
}

static size_t
rr(uint8_t *out, size_t off, uint16_t type, const uint8_t *data, size_t dlen)
{
	put_be16(out + off, 0xc000 | HDR_LEN);	/* the question's name */
	put_be16(out + off + 2, type);
	put_be16(out + off + 4, C_IN);
	put_be32(out + off + 6, DNS_TTL);
	put_be16(out + off + 10, (uint16_t)dlen);
	memcpy(out + off + 12, data, dlen);
	return off + 12 + dlen;
}

size_t
dns_answer(const struct dns_table *t, const uint8_t *q, size_t len,
    uint8_t *out, enum dns_verdict *verdict)
{
	const struct dns_member	*m = NULL;
	char			 name[DNS_NAME_MAX + 1];
	size_t			 nlen, qend, off, dl, rl;
	uint16_t		 flags, qtype, qclass, an = 0, rcode = 0;

	*verdict = DNS_DROPPED;
	if (len < HDR_LEN || len > DNS_QUERY_MAX)
		return 0;
	flags = get_be16(q + 2);
	/* One question, no answers or authority, at most an EDNS OPT. */
	if ((flags & F_QR) || get_be16(q + 4) != 1 || get_be16(q + 6) != 0 ||
	    get_be16(q + 8) != 0 || get_be16(q + 10) > 1)
		return 0;
	if ((nlen = qname(q, len, name)) == 0 || HDR_LEN + nlen + 4 > len)
		return 0;
	qend = HDR_LEN + nlen + 4;
	qtype = get_be16(q + HDR_LEN + nlen);
	qclass = get_be16(q + HDR_LEN + nlen + 2);
	if (get_be16(q + 10) == 1) {
		/* The OPT record: root name, type 41, and its data whole. */
		if (qend + 11 > len || q[qend] != 0 ||
		    get_be16(q + qend + 1) != T_OPT ||
		    qend + 11 + get_be16(q + qend + 9) != len)
			return 0;
	} else if (qend != len)
		return 0;
	dl = strlen(t->domain);
	rl = strlen(name);
	if (OPCODE(flags) != 0 || qclass != C_IN || dl == 0 ||
	    rl <= dl + 1 || name[rl - dl - 1] != '.' ||
	    memcmp(name + rl - dl, t->domain, dl) != 0) {
		rcode = RC_REFUSED;
		*verdict = DNS_REFUSED;
	} else if ((m = lookup(t, name, rl - dl - 1)) == NULL) {
		rcode = RC_NXDOMAIN;
		*verdict = DNS_NXDOMAIN;
	} else
		*verdict = DNS_ANSWERED;
	/* The header and the question as they came, then the answers. */
	memcpy(out, q, qend);
	put_be16(out + 2, (uint16_t)(F_QR | F_AA | (flags & F_RD) |
	    (flags & 0x7800) | rcode));
	put_be16(out + 10, 0);		/* no OPT back: 512 bytes suffice */
	off = qend;
	if (m != NULL && m->has4 && (qtype == T_A || qtype == T_ANY)) {
		off = rr(out, off, T_A, m->v4, 4);
		an++;
	}
	if (m != NULL && m->has6 && (qtype == T_AAAA || qtype == T_ANY)) {
		off = rr(out, off, T_AAAA, m->v6, 16);
		an++;
	}
	put_be16(out + 6, an);
	return off;
}
