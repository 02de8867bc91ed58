/*
 * The member-name responder's parser and answers (daemon/dnsmsg.c):
 * A and AAAA for NICK.NETWORK.DOMAIN byte for byte, case folded;
 * NXDOMAIN and REFUSED where they belong; every hostile form dropped:
 * truncation at every length, compression pointers (loops included),
 * oversized and reserved labels, names past 255 bytes, responses,
 * several questions, records other than one OPT, trailing bytes,
 * oversized queries, bytes that would fake a dot.
 */
#include "autoconf.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/dnsmsg.h"
#include "tests/tools/dnsquery.h"

static struct dns_table	 t;
static uint8_t		 out[DNS_ANSWER_MAX];

static void
setup(void)
{
	struct dns_member	 m;

	memset(&t, 0, sizeof(t));
	ck_assert_int_eq(dns_domain("Hamd.Internal.", t.domain), 0);
	ck_assert_str_eq(t.domain, "hamd.internal");
	memset(&m, 0, sizeof(m));
	m.id = 7;
	dns_label("My Laptop!", m.nick);
	ck_assert_str_eq(m.nick, "my-laptop-");
	m.has4 = m.has6 = 1;
	memcpy(m.v4, "\x64\x40\x00\x02", 4);
	m.v6[0] = 0xfd;
	m.v6[15] = 2;
	m.nnets = 2;
	strcpy(m.nets[0], "office");
	strcpy(m.nets[1], "home.lan");
	ck_assert_int_eq(dns_table_set(&t, &m), 0);
}

static void
teardown(void)
{
	dns_table_free(&t);
}

/* A query for name (dotted) of type; opt: an EDNS OPT record after. */
static size_t
query(uint8_t *b, const char *name, int type, int opt)
{
	return dnsquery(b, 0xabcd, name, type, opt ? 0 : -1);
}

static enum dns_verdict
ask(const uint8_t *b, size_t len, size_t *n)
{
	enum dns_verdict	 v;

	*n = dns_answer(&t, b, len, out, &v);
	return v;
}

START_TEST(t_answers)
{
	uint8_t			 b[600];
	size_t			 len, n;

	len = query(b, "my-laptop-.office.hamd.internal", 1, 0);
	ck_assert_int_eq(ask(b, len, &n), DNS_ANSWERED);
	ck_assert_uint_eq(n, len + 16);
	ck_assert(out[0] == 0xab && out[1] == 0xcd);
	ck_assert_uint_eq(out[2], 0x85);	/* QR, AA, RD */
	ck_assert_uint_eq(out[3], 0x00);
	ck_assert(out[7] == 1 && out[11] == 0);
	ck_assert(memcmp(out + 12, b + 12, len - 12) == 0);
	ck_assert(out[len] == 0xc0 && out[len + 1] == 12);
	ck_assert(out[len + 3] == 1 && out[len + 9] == 10 && out[len + 11] == 4);
	ck_assert(memcmp(out + len + 12, "\x64\x40\x00\x02", 4) == 0);
	/* AAAA, names case-folded, a network with a dot, EDNS */
	len = query(b, "MY-LAPTOP-.Home.LAN.hamd.internal", 28, 1);
	ck_assert_int_eq(ask(b, len, &n), DNS_ANSWERED);
	ck_assert_uint_eq(n, len - 11 + 28);
	ck_assert_uint_eq(out[11], 0);		/* no OPT back */
	ck_assert(out[n - 16] == 0xfd && out[n - 1] == 2);
	/* ANY: both; another type: none, but NOERROR */
	len = query(b, "my-laptop-.office.hamd.internal", 255, 0);
	ck_assert_int_eq(ask(b, len, &n), DNS_ANSWERED);
	ck_assert_uint_eq(out[7], 2);
	len = query(b, "my-laptop-.office.hamd.internal", 16, 0);
	ck_assert_int_eq(ask(b, len, &n), DNS_ANSWERED);
	ck_assert(n == len && out[7] == 0 && (out[3] & 0xf) == 0);
}
END_TEST

START_TEST(t_nx_refused)
{
	uint8_t	 b[600];
	size_t	 len, n;

	len = query(b, "nobody.office.hamd.internal", 1, 0);
	ck_assert_int_eq(ask(b, len, &n), DNS_NXDOMAIN);
	ck_assert(n == len && (out[3] & 0xf) == 3 && out[7] == 0);
	len = query(b, "my-laptop-.elsewhere.hamd.internal", 1, 0);
	ck_assert_int_eq(ask(b, len, &n), DNS_NXDOMAIN);
	len = query(b, "office.hamd.internal", 1, 0);
	ck_assert_int_eq(ask(b, len, &n), DNS_NXDOMAIN);
	len = query(b, "hamd.internal", 1, 0);
	ck_assert_int_eq(ask(b, len, &n), DNS_REFUSED);
	len = query(b, "example.org", 1, 0);
	ck_assert_int_eq(ask(b, len, &n), DNS_REFUSED);
	ck_assert_uint_eq(out[3] & 0xf, 5);
	len = query(b, "my-laptop-.office.xhamd.internal", 1, 0);
	ck_assert_int_eq(ask(b, len, &n), DNS_REFUSED);
	/* another class, another opcode */
	len = query(b, "my-laptop-.office.hamd.internal", 1, 0);
	b[len - 1] = 3;
	ck_assert_int_eq(ask(b, len, &n), DNS_REFUSED);
	b[len - 1] = 1;
	b[2] = 0x28;		/* UPDATE */
	ck_assert_int_eq(ask(b, len, &n), DNS_REFUSED);
	/* A removed member stops resolving. */
	dns_table_del(&t, 7);
	b[2] = 0x01;
	ck_assert_int_eq(ask(b, len, &n), DNS_NXDOMAIN);
}
END_TEST

START_TEST(t_hostile)
{
	uint8_t	 b[1200];
	size_t	 len, n, i;

	len = query(b, "my-laptop-.office.hamd.internal", 1, 1);
	for (i = 0; i < len; i++)
		ck_assert_int_eq(ask(b, i, &n), i < len - 11 ? DNS_DROPPED :
		    DNS_DROPPED);
	ck_assert_int_eq(ask(b, len, &n), DNS_ANSWERED);
	/* a response, two questions, an answer record, two extras */
	b[2] |= 0x80;
	ck_assert_int_eq(ask(b, len, &n), DNS_DROPPED);
	b[2] = 0x01;
	b[5] = 2;
	ck_assert_int_eq(ask(b, len, &n), DNS_DROPPED);
	b[5] = 1;
	b[7] = 1;
	ck_assert_int_eq(ask(b, len, &n), DNS_DROPPED);
	b[7] = 0;
	b[11] = 2;
	ck_assert_int_eq(ask(b, len, &n), DNS_DROPPED);
	b[11] = 1;
	b[len - 9] = 1;		/* not an OPT */
	ck_assert_int_eq(ask(b, len, &n), DNS_DROPPED);
	/* trailing bytes */
	len = query(b, "my-laptop-.office.hamd.internal", 1, 0);
	ck_assert_int_eq(ask(b, len + 1, &n), DNS_DROPPED);
	/* a pointer to itself, and one forward */
	b[12] = 0xc0;
	b[13] = 12;
	ck_assert_int_eq(ask(b, len, &n), DNS_DROPPED);
	b[13] = 14;
	ck_assert_int_eq(ask(b, len, &n), DNS_DROPPED);
	b[12] = 0x40;		/* reserved label types */
	ck_assert_int_eq(ask(b, len, &n), DNS_DROPPED);
	b[12] = 0x80;
	ck_assert_int_eq(ask(b, len, &n), DNS_DROPPED);
	/* a label of 64, a name past 255, a query past 512 */
	memset(b, 0, sizeof(b));
	b[5] = 1;
	b[12] = 64;
	memset(b + 13, 'a', 64);
	ck_assert_int_eq(ask(b, 13 + 64 + 5, &n), DNS_DROPPED);
	for (i = 0; i < 5; i++) {
		b[12 + i * 64] = 63;
		memset(b + 13 + i * 64, 'a', 63);
	}
	b[12 + 5 * 64] = 0;
	ck_assert_int_eq(ask(b, 12 + 5 * 64 + 5, &n), DNS_DROPPED);
	ck_assert_int_eq(ask(b, 513, &n), DNS_DROPPED);
	/* bytes that would fake a dot, or hide a NUL */
	len = query(b, "my-laptop-.office.hamd.internal", 1, 0);
	b[13 + 2] = '.';
	ck_assert_int_eq(ask(b, len, &n), DNS_DROPPED);
	b[13 + 2] = 0;
	ck_assert_int_eq(ask(b, len, &n), DNS_DROPPED);
	b[13 + 2] = 0xc3;
	ck_assert_int_eq(ask(b, len, &n), DNS_DROPPED);
	/* garbage */
	for (i = 0; i < 2000; i++) {
		size_t	 j, l = (size_t)(rand() % 600);

		for (j = 0; j < l; j++)
			b[j] = (uint8_t)rand();
		(void)ask(b, l, &n);
		ck_assert_uint_le(n, DNS_ANSWER_MAX);
	}
}
END_TEST

START_TEST(t_labels_domains)
{
	char	 l[DNS_LABEL_MAX + 1], d[DNS_NAME_MAX + 1], big[300];

	dns_label("", l);
	ck_assert_str_eq(l, "");
	dns_label("a.b_c D", l);
	ck_assert_str_eq(l, "a-b-c-d");
	memset(big, 'x', 100);
	big[100] = '\0';
	dns_label(big, l);
	ck_assert_uint_eq(strlen(l), DNS_LABEL_MAX);
	ck_assert_int_eq(dns_domain("", d), -1);
	ck_assert_int_eq(dns_domain(".", d), -1);
	ck_assert_int_eq(dns_domain("a..b", d), -1);
	ck_assert_int_eq(dns_domain(".a", d), -1);
	ck_assert_int_eq(dns_domain("a b", d), -1);
	ck_assert_int_eq(dns_domain(big, d), -1);	/* a 100-byte label */
	ck_assert_int_eq(dns_domain("ham", d), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("dns");
	TCase	*tc = tcase_create("responder");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, t_answers);
	tcase_add_test(tc, t_nx_refused);
	tcase_add_test(tc, t_hostile);
	tcase_add_test(tc, t_labels_domains);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
