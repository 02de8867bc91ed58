/*
 * A DNS query as a stub resolver sends it, for the tests and the fuzz
 * seeds of the member-name responder (daemon/dnsmsg.c).
 */
#ifndef HAMD_TESTS_DNSQUERY_H
#define HAMD_TESTS_DNSQUERY_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * Into b: a query with id for NAME (dotted, no final dot) of TYPE, class
 * IN, recursion desired; with an EDNS OPT record announcing udpsize if
 * udpsize >= 0.  Its length.  b must hold strlen(name) + 29 bytes.
 */
static inline size_t
dnsquery(uint8_t *b, uint16_t id, const char *name, int type, int udpsize)
{
	size_t		 off = 12, l;
	const char	*p = name, *dot;

	memset(b, 0, 12);
	b[0] = (uint8_t)(id >> 8);
	b[1] = (uint8_t)id;
	b[2] = 0x01;		/* RD */
	b[5] = 1;		/* QDCOUNT */
	b[11] = udpsize >= 0;	/* ARCOUNT */
	while (*p != '\0') {
		dot = strchr(p, '.');
		l = dot != NULL ? (size_t)(dot - p) : strlen(p);
		b[off++] = (uint8_t)l;
		memcpy(b + off, p, l);
		off += l;
		p += l + (dot != NULL);
	}
	b[off++] = 0;
	b[off++] = (uint8_t)(type >> 8);
	b[off++] = (uint8_t)type;
	b[off++] = 0;
	b[off++] = 1;		/* IN */
	if (udpsize >= 0) {
		memset(b + off, 0, 11);
		b[off + 2] = 41;	/* OPT */
		b[off + 3] = (uint8_t)(udpsize >> 8);
		b[off + 4] = (uint8_t)udpsize;
		off += 11;
	}
	return off;
}

#endif
