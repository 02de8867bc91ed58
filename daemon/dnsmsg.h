/*
 * The member-name DNS responder's wire format: one query in, one answer
 * out, or nothing.  Pure code (no I/O, no clock), so the engine runs it
 * on hostile bytes and the tests and the fuzz target run it alone.
 *
 * A member is NICK.NETWORK.DOMAIN for each network it shares with this
 * node (and this node itself for each of its networks).  Only A and
 * AAAA are answered; a name inside DOMAIN that is no member's gets
 * NXDOMAIN; anything outside it, another class or opcode gets REFUSED;
 * nothing is ever recursed.  Compression pointers in a question, a
 * truncated or oversized query, a response, more than one question,
 * records other than one EDNS OPT: dropped, never answered.
 */
#ifndef HAMD_DNSMSG_H
#define HAMD_DNSMSG_H

#include <stddef.h>
#include <stdint.h>

#define DNS_QUERY_MAX		512	/* bytes: larger queries are dropped */
#define DNS_ANSWER_MAX		512
#define DNS_NAME_MAX		255
#define DNS_LABEL_MAX		63
#define DNS_NETS_MAX		16
#define DNS_TTL			10	/* s: names change when members do */
#define DNS_DEFAULT_DOMAIN	"hamd.internal"

struct dns_member {
	uint32_t	 id;			/* who told us: a peer id, 0 us */
	char		 nick[DNS_LABEL_MAX + 1];	/* dns_label()'d */
	uint8_t		 v4[4], v6[16];
	uint8_t		 has4, has6;
	uint8_t		 nnets;
	char		 nets[DNS_NETS_MAX][64];	/* lowercase */
};

struct dns_table {
	char			 domain[DNS_NAME_MAX + 1];	/* lowercase */
	struct dns_member	*m;
	size_t			 n, cap;
};

/* What became of a query. */
enum dns_verdict {
	DNS_ANSWERED = 0,	/* a member's addresses (maybe none of the type) */
	DNS_NXDOMAIN,		/* in the domain, no such member */
	DNS_REFUSED,		/* not ours to answer */
	DNS_DROPPED,		/* malformed or hostile: no answer */
	DNS_VERDICTS
};

/*
 * A nickname as a DNS label: ASCII letters lowercased, digits and '-'
 * kept, anything else '-', at most 63 bytes; "" when nothing is left.
 */
void	dns_label(const char *nick, char out[DNS_LABEL_MAX + 1]);
/* A domain as the table keeps it: lowercase, no trailing dot; -1 if bad. */
int	dns_domain(const char *in, char out[DNS_NAME_MAX + 1]);
/* Add or replace the member with this id; remove it (nothing to add). */
int	dns_table_set(struct dns_table *, const struct dns_member *);
void	dns_table_del(struct dns_table *, uint32_t id);
void	dns_table_free(struct dns_table *);
/*
 * The answer to q (len bytes) in out (DNS_ANSWER_MAX bytes): its
 * length, 0 when it is dropped; *verdict says which.
 */
size_t	dns_answer(const struct dns_table *, const uint8_t *q, size_t len,
	    uint8_t *out, enum dns_verdict *verdict);

#endif
