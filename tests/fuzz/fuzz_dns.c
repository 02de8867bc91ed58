/*
 * libFuzzer target: the member-name responder's parser (daemon/dnsmsg.c)
 * on any bytes.  No crash, no read or write out of bounds; an answer is
 * never larger than DNS_ANSWER_MAX, always a response (QR set) to the
 * same id with the question as it came, and is given only for a query
 * that was whole: dropping is the only answer to anything else.  A
 * second run on the same bytes gives the same answer.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/dnsmsg.h"
#include "tests/tools/dnsquery.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct dns_table	 table;

static void
table_init(void)
{
	struct dns_member	 m;

	if (table.domain[0] != '\0')
		return;
	(void)dns_domain(DNS_DEFAULT_DOMAIN, table.domain);
	memset(&m, 0, sizeof(m));
	m.id = 1;
	dns_label("Laptop", m.nick);
	m.has4 = m.has6 = 1;
	m.v4[0] = 100;
	m.v4[1] = 64;
	m.v4[3] = 2;
	m.v6[0] = 0xfd;
	m.nnets = 2;
	(void)strcpy(m.nets[0], "office");
	(void)strcpy(m.nets[1], "a.b");
	if (dns_table_set(&table, &m) == -1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t		 out[DNS_ANSWER_MAX], again[DNS_ANSWER_MAX];
	enum dns_verdict	 v, v2;
	size_t			 n, n2;

	table_init();
	n = dns_answer(&table, data, size, out, &v);
	if (n > DNS_ANSWER_MAX || (n == 0) != (v == DNS_DROPPED) ||
	    v >= DNS_VERDICTS)
		abort();
	if (n > 0 && (size < 12 || size > DNS_QUERY_MAX ||
	    memcmp(out, data, 2) != 0 || !(out[2] & 0x80) ||
	    (data[2] & 0x80)))
		abort();
	n2 = dns_answer(&table, data, size, again, &v2);
	if (n2 != n || v2 != v || memcmp(out, again, n) != 0)
		abort();
	return 0;
}

#ifdef FUZZ_MAKE_SEEDS
static void
seed(const char *dir, const char *name, const uint8_t *m, size_t len)
{
	char	path[4096];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL || fwrite(m, 1, len, f) != len ||
	    fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* A query for NAME of TYPE, with an EDNS OPT record or not. */
static size_t
query(uint8_t *b, const char *name, int type, int opt)
{
	return dnsquery(b, 0x1234, name, type, opt ? 4096 : -1);
}

int
main(int argc, char *argv[])
{
	uint8_t	 b[600];

	if (argc != 2)
		return 2;
	seed(argv[1], "a", b, query(b, "laptop.office.hamd.internal", 1, 0));
	seed(argv[1], "aaaa-opt", b, query(b, "LAPTOP.a.b.hamd.internal", 28,
	    1));
	seed(argv[1], "nx", b, query(b, "nobody.office.hamd.internal", 1, 0));
	seed(argv[1], "refused", b, query(b, "example.org", 1, 0));
	seed(argv[1], "pointer", b, query(b, "x", 1, 0));
	b[12] = 0xc0;
	b[13] = 12;
	seed(argv[1], "loop", b, 18);
	return 0;
}
#endif
