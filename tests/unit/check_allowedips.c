/*
 * Unit tests for daemon/allowedips.c: the cases of the Linux WireGuard
 * allowedips selftest, the edges of the API, and a long randomized run
 * checked against a linear scan that is too simple to be wrong.  One
 * case measures lookup time and prints it; it asserts nothing about
 * speed, which depends on the machine.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <arpa/inet.h>

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/allowedips.h"
#include "tests/unit/aipverify.h"

#define NONE	ALLOWEDIPS_PEER_NONE

/* The selftest's peers a..h. */
enum { PA = 1, PB, PC, PD, PE, PF, PG, PH };

static struct allowedips *t;

static void
setup(void)
{
	t = allowedips_new(100000);
	ck_assert_ptr_nonnull(t);
}

static void
teardown(void)
{
	const char	*why = NULL;

	ck_assert_msg(allowedips_verify(t, &why) == 0, "verify: %s", why);
	allowedips_free(t);
	t = NULL;
}

static const uint8_t *
ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	static uint8_t	 buf[4];

	buf[0] = a;
	buf[1] = b;
	buf[2] = c;
	buf[3] = d;
	return buf;
}

static const uint8_t *
ip6(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	static uint8_t	 buf[16];
	uint32_t	 w[4];

	w[0] = htonl(a);
	w[1] = htonl(b);
	w[2] = htonl(c);
	w[3] = htonl(d);
	memcpy(buf, w, sizeof(buf));
	return buf;
}

#define INS4(p, a, b, c, d, len) \
	ck_assert_int_eq(allowedips_insert(t, AF_INET, ip4(a, b, c, d), \
	    len, p), 0)
#define INS6(p, a, b, c, d, len) \
	ck_assert_int_eq(allowedips_insert(t, AF_INET6, ip6(a, b, c, d), \
	    len, p), 0)
#define RM4(p, a, b, c, d, len) \
	allowedips_remove(t, AF_INET, ip4(a, b, c, d), len, p)
#define RM6(p, a, b, c, d, len) \
	allowedips_remove(t, AF_INET6, ip6(a, b, c, d), len, p)
#define L4(a, b, c, d) allowedips_lookup(t, AF_INET, ip4(a, b, c, d))
#define L6(a, b, c, d) allowedips_lookup(t, AF_INET6, ip6(a, b, c, d))
#define T4(p, a, b, c, d) ck_assert_uint_eq(L4(a, b, c, d), p)
#define T6(p, a, b, c, d) ck_assert_uint_eq(L6(a, b, c, d), p)
#define N4(p, a, b, c, d) ck_assert_uint_ne(L4(a, b, c, d), p)
#define N6(p, a, b, c, d) ck_assert_uint_ne(L6(a, b, c, d), p)

/* The selftest's fixed table, which the next cases start from. */
static void
kernel_table(void)
{
	INS4(PA, 192, 168, 4, 0, 24);
	INS4(PB, 192, 168, 4, 4, 32);
	INS4(PC, 192, 168, 0, 0, 16);
	INS4(PD, 192, 95, 5, 64, 27);
	/* Moves the /27 from d to c; the host bit must be masked. */
	INS4(PC, 192, 95, 5, 65, 27);
	INS6(PD, 0x26075300, 0x60006b00, 0, 0xc05f0543, 128);
	INS6(PC, 0x26075300, 0x60006b00, 0, 0, 64);
	INS4(PE, 0, 0, 0, 0, 0);
	INS6(PE, 0, 0, 0, 0, 0);
	INS6(PF, 0, 0, 0, 0, 0);
	INS6(PG, 0x24046800, 0, 0, 0, 32);
	INS6(PH, 0x24046800, 0x40040800, 0xdeadbeef, 0xdeadbeef, 64);
	INS6(PA, 0x24046800, 0x40040800, 0xdeadbeef, 0xdeadbeef, 128);
	INS6(PC, 0x24446800, 0x40e40800, 0xdeaebeef, 0xdefbeef, 128);
	INS6(PB, 0x24446800, 0xf0e40800, 0xeeaebeef, 0, 98);
	INS4(PG, 64, 15, 112, 0, 20);
	INS4(PH, 64, 15, 123, 211, 25);
	INS4(PA, 10, 0, 0, 0, 25);
	INS4(PB, 10, 0, 0, 128, 25);
	INS4(PA, 10, 1, 0, 0, 30);
	INS4(PB, 10, 1, 0, 4, 30);
	INS4(PC, 10, 1, 0, 8, 29);
	INS4(PD, 10, 1, 0, 16, 29);
}

START_TEST(test_kernel_lookups)
{
	kernel_table();
	/* Both default routes went in; ::/0 moved from e to f. */
	ck_assert_uint_eq(allowedips_count(t), 21);
	T4(PA, 192, 168, 4, 20);
	T4(PA, 192, 168, 4, 0);
	T4(PB, 192, 168, 4, 4);
	T4(PC, 192, 168, 200, 182);
	T4(PC, 192, 95, 5, 68);
	T4(PE, 192, 95, 5, 96);
	T6(PD, 0x26075300, 0x60006b00, 0, 0xc05f0543);
	T6(PC, 0x26075300, 0x60006b00, 0, 0xc02e01ee);
	T6(PF, 0x26075300, 0x60006b01, 0, 0);
	T6(PG, 0x24046800, 0x40040806, 0, 0x1006);
	T6(PG, 0x24046800, 0x40040806, 0x1234, 0x5678);
	T6(PF, 0x240467ff, 0x40040806, 0x1234, 0x5678);
	T6(PF, 0x24046801, 0x40040806, 0x1234, 0x5678);
	T6(PH, 0x24046800, 0x40040800, 0x1234, 0x5678);
	T6(PH, 0x24046800, 0x40040800, 0, 0);
	T6(PH, 0x24046800, 0x40040800, 0x10101010, 0x10101010);
	T6(PA, 0x24046800, 0x40040800, 0xdeadbeef, 0xdeadbeef);
	T4(PG, 64, 15, 116, 26);
	T4(PG, 64, 15, 127, 3);
	T4(PG, 64, 15, 123, 1);
	T4(PH, 64, 15, 123, 128);
	T4(PH, 64, 15, 123, 129);
	T4(PA, 10, 0, 0, 52);
	T4(PB, 10, 0, 0, 220);
	T4(PA, 10, 1, 0, 2);
	T4(PB, 10, 1, 0, 6);
	T4(PC, 10, 1, 0, 10);
	T4(PD, 10, 1, 0, 20);
}
END_TEST

START_TEST(test_kernel_remove_by_peer)
{
	kernel_table();
	INS4(PA, 1, 0, 0, 0, 32);
	INS4(PA, 64, 0, 0, 0, 32);
	INS4(PA, 128, 0, 0, 0, 32);
	INS4(PA, 192, 0, 0, 0, 32);
	INS4(PA, 255, 0, 0, 0, 32);
	/* a had 4 prefixes from the table and 5 new ones. */
	ck_assert_uint_eq(allowedips_remove_peer(t, PA), 9);
	N4(PA, 1, 0, 0, 0);
	N4(PA, 64, 0, 0, 0);
	N4(PA, 128, 0, 0, 0);
	N4(PA, 192, 0, 0, 0);
	N4(PA, 255, 0, 0, 0);
	/* Where a's prefixes were, the next shorter ones show through. */
	T4(PE, 1, 0, 0, 0);
	T4(PC, 192, 168, 4, 20);
	T4(PB, 192, 168, 4, 4);
	T4(PE, 10, 0, 0, 52);
	T4(PB, 10, 0, 0, 220);
	T4(PE, 10, 1, 0, 2);
	T6(PH, 0x24046800, 0x40040800, 0xdeadbeef, 0xdeadbeef);
	ck_assert_uint_eq(allowedips_count(t), 17);
	ck_assert_uint_eq(allowedips_remove_peer(t, PA), 0);
}
END_TEST

START_TEST(test_kernel_remove_nested)
{
	INS4(PA, 192, 168, 0, 0, 16);
	INS4(PA, 192, 168, 0, 0, 24);
	ck_assert_uint_eq(allowedips_remove_peer(t, PA), 2);
	N4(PA, 192, 168, 0, 1);
	ck_assert_uint_eq(allowedips_count(t), 0);
}
END_TEST

START_TEST(test_kernel_exact_remove)
{
	kernel_table();
	INS4(PA, 1, 0, 0, 0, 32);
	INS4(PA, 192, 0, 0, 0, 24);
	INS6(PA, 0x24446801, 0x40e40800, 0xdeaebeef, 0xdefbeef, 128);
	INS6(PA, 0x24446800, 0xf0e40800, 0xeeaebeef, 0, 98);
	T4(PA, 1, 0, 0, 0);
	T4(PA, 192, 0, 0, 1);
	T6(PA, 0x24446801, 0x40e40800, 0xdeaebeef, 0xdefbeef);
	T6(PA, 0x24446800, 0xf0e40800, 0xeeaebeef, 0x10101010);

	/* Only an exact match is removed. */
	errno = 0;
	ck_assert_int_eq(RM4(PA, 192, 0, 0, 0, 32), -1);
	ck_assert_int_eq(errno, ENOENT);
	T4(PA, 192, 0, 0, 1);
	/* Another peer's removal leaves a's prefix alone. */
	ck_assert_int_eq(RM4(PB, 192, 0, 0, 0, 24), -1);
	ck_assert_int_eq(errno, ENOENT);
	T4(PA, 192, 0, 0, 1);
	/* An invalid length is an error and changes nothing. */
	ck_assert_int_eq(RM4(PB, 192, 0, 0, 0, 33), -1);
	ck_assert_int_eq(errno, EINVAL);
	T4(PA, 192, 0, 0, 1);
	ck_assert_int_eq(RM4(PA, 192, 0, 0, 0, 24), 0);
	N4(PA, 192, 0, 0, 1);
	ck_assert_int_eq(RM4(PA, 1, 0, 0, 0, 32), 0);
	N4(PA, 1, 0, 0, 0);

	ck_assert_int_eq(RM6(PA, 0x24446801, 0x40e40800, 0xdeaebeef,
	    0xdefbeef, 96), -1);
	T6(PA, 0x24446801, 0x40e40800, 0xdeaebeef, 0xdefbeef);
	ck_assert_int_eq(RM6(PB, 0x24446801, 0x40e40800, 0xdeaebeef,
	    0xdefbeef, 128), -1);
	T6(PA, 0x24446801, 0x40e40800, 0xdeaebeef, 0xdefbeef);
	ck_assert_int_eq(RM6(PA, 0x24446801, 0x40e40800, 0xdeaebeef,
	    0xdefbeef, 129), -1);
	ck_assert_int_eq(errno, EINVAL);
	T6(PA, 0x24446801, 0x40e40800, 0xdeaebeef, 0xdefbeef);
	ck_assert_int_eq(RM6(PA, 0x24446801, 0x40e40800, 0xdeaebeef,
	    0xdefbeef, 128), 0);
	N6(PA, 0x24446801, 0x40e40800, 0xdeaebeef, 0xdefbeef);
	ck_assert_int_eq(RM6(PB, 0x24446800, 0xf0e40800, 0xeeaebeef, 0, 98),
	    -1);
	T6(PA, 0x24446800, 0xf0e40800, 0xeeaebeef, 0x10101010);
	ck_assert_int_eq(RM6(PA, 0x24446800, 0xf0e40800, 0xeeaebeef, 0, 98),
	    0);
	N6(PA, 0x24446800, 0xf0e40800, 0xeeaebeef, 0x10101010);
	/* The rest of the table is as it was, less b's /98 that a took. */
	ck_assert_uint_eq(allowedips_count(t), 20);
	T4(PA, 192, 168, 4, 20);
	T6(PF, 0x24446800, 0xf0e40800, 0xeeaebeef, 0x10101010);
	/* PEER_NONE removes whoever holds the prefix. */
	ck_assert_int_eq(RM4(NONE, 192, 168, 4, 0, 24), 0);
	T4(PC, 192, 168, 4, 20);
}
END_TEST

/* The deepest trie there is: 128 /128s, each one bit from the next. */
START_TEST(test_kernel_deep)
{
	uint8_t		 ip[16];
	uint64_t	 part;
	unsigned int	 i;
	const char	*why = NULL;

	for (i = 0; i < 128; i++) {
		part = htobe64(~(1ULL << (i % 64)));
		memset(ip, 0xff, sizeof(ip));
		memcpy(ip + (i < 64) * 8, &part, 8);
		ck_assert_int_eq(allowedips_insert(t, AF_INET6, ip, 128, PA),
		    0);
	}
	ck_assert_uint_eq(allowedips_count(t), 128);
	ck_assert_msg(allowedips_verify(t, &why) == 0, "verify: %s", why);
	memset(ip, 0xff, sizeof(ip));
	ck_assert_uint_eq(allowedips_lookup(t, AF_INET6, ip), NONE);
	ip[15] = 0xfe;
	ck_assert_uint_eq(allowedips_lookup(t, AF_INET6, ip), PA);
	/* Also a chain of nested prefixes, /0 to /128, on one address. */
	memset(ip, 0xa5, sizeof(ip));
	for (i = 0; i <= 128; i++)
		ck_assert_int_eq(allowedips_insert(t, AF_INET6, ip, i,
		    PB + i % 5), 0);
	ck_assert_uint_eq(allowedips_lookup(t, AF_INET6, ip), PB + 128 % 5);
	ck_assert_msg(allowedips_verify(t, &why) == 0, "verify: %s", why);
	/* teardown frees it all; leaks show under ASan and valgrind */
}
END_TEST

struct listed {
	int		 af;
	uint8_t		 addr[16];
	unsigned int	 plen;
};

struct collect {
	struct listed	 e[64];
	size_t		 n;
	int		 stop_after;
};

static int
collect_cb(void *arg, int af, const uint8_t *addr, unsigned int plen)
{
	struct collect	*c = arg;

	ck_assert_uint_lt(c->n, 64);
	c->e[c->n].af = af;
	memset(c->e[c->n].addr, 0, 16);
	memcpy(c->e[c->n].addr, addr, af == AF_INET ? 4 : 16);
	c->e[c->n].plen = plen;
	c->n++;
	if (c->stop_after != 0 && (int)c->n == c->stop_after)
		return 42;
	return 0;
}

static int
listed_has(const struct collect *c, int af, const uint8_t *addr,
    unsigned int plen)
{
	size_t	 i;

	for (i = 0; i < c->n; i++)
		if (c->e[i].af == af && c->e[i].plen == plen &&
		    memcmp(c->e[i].addr, addr, af == AF_INET ? 4 : 16) == 0)
			return 1;
	return 0;
}

START_TEST(test_kernel_iterate)
{
	struct collect	 c;

	INS4(PA, 192, 95, 5, 93, 27);
	INS6(PA, 0x26075300, 0x60006b00, 0, 0xc05f0543, 128);
	INS4(PA, 10, 1, 0, 20, 29);
	INS6(PA, 0x26075300, 0x6d8a6bf8, 0xdab1f1df, 0xc05f1523, 83);
	INS6(PA, 0x26075300, 0x6d8a6bf8, 0xdab1f1df, 0xc05f1523, 21);
	INS4(PB, 10, 1, 0, 20, 30);

	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(allowedips_foreach_peer(t, PA, collect_cb, &c), 0);
	ck_assert_uint_eq(c.n, 5);
	/* Listed with host bits zeroed, oldest first. */
	ck_assert(listed_has(&c, AF_INET, ip4(192, 95, 5, 64), 27));
	ck_assert(listed_has(&c, AF_INET6,
	    ip6(0x26075300, 0x60006b00, 0, 0xc05f0543), 128));
	ck_assert(listed_has(&c, AF_INET, ip4(10, 1, 0, 16), 29));
	ck_assert(listed_has(&c, AF_INET6,
	    ip6(0x26075300, 0x6d8a6bf8, 0xdab1e000, 0), 83));
	ck_assert(listed_has(&c, AF_INET6, ip6(0x26075000, 0, 0, 0), 21));
	ck_assert_int_eq(c.e[0].af, AF_INET);
	ck_assert_uint_eq(c.e[0].plen, 27);
	ck_assert_uint_eq(c.e[4].plen, 21);

	/* A nonzero return stops the walk and comes back. */
	memset(&c, 0, sizeof(c));
	c.stop_after = 2;
	ck_assert_int_eq(allowedips_foreach_peer(t, PA, collect_cb, &c), 42);
	ck_assert_uint_eq(c.n, 2);

	/* A peer with nothing lists nothing. */
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(allowedips_foreach_peer(t, PH, collect_cb, &c), 0);
	ck_assert_uint_eq(c.n, 0);
}
END_TEST

START_TEST(test_mapped_v6)
{
	uint8_t		 mapped[16];

	memset(mapped, 0, sizeof(mapped));
	mapped[10] = mapped[11] = 0xff;
	mapped[12] = 192;
	mapped[13] = 0;
	mapped[14] = 2;
	mapped[15] = 1;

	INS4(PA, 0, 0, 0, 0, 0);
	INS4(PB, 192, 0, 2, 1, 32);
	/* ::ffff:192.0.2.1 is an IPv6 address; no IPv4 entry holds it. */
	ck_assert_uint_eq(allowedips_lookup(t, AF_INET6, mapped), NONE);
	ck_assert_uint_eq(allowedips_lookup_src(t, AF_INET6, mapped), NONE);
	T4(PB, 192, 0, 2, 1);
	ck_assert_int_eq(allowedips_insert(t, AF_INET6, mapped, 96, PC), 0);
	ck_assert_uint_eq(allowedips_lookup(t, AF_INET6, mapped), PC);
	T4(PB, 192, 0, 2, 1);
	T4(PA, 198, 51, 100, 7);
	/* Nor does an IPv6 entry for 0.0.0.0/8's bytes catch IPv4. */
	INS6(PD, 0, 0, 0, 0, 0);
	T4(PA, 10, 0, 0, 1);
}
END_TEST

START_TEST(test_default_and_hosts)
{
	/* Empty: nothing matches, including the zero address. */
	T4(NONE, 0, 0, 0, 0);
	T6(NONE, 0, 0, 0, 0);
	INS4(PA, 0, 0, 0, 0, 0);
	T4(PA, 0, 0, 0, 0);
	T4(PA, 255, 255, 255, 255);
	T6(NONE, 0, 0, 0, 0);
	INS4(PB, 203, 0, 113, 9, 32);
	T4(PB, 203, 0, 113, 9);
	T4(PA, 203, 0, 113, 8);
	T4(PA, 203, 0, 113, 10);
	/* /0 with host bits set is still ::/0. */
	INS6(PC, 0xffffffff, 1, 2, 3, 0);
	T6(PC, 0, 0, 0, 0);
	T6(PC, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff);
	INS6(PD, 0x20010db8, 0, 0, 1, 128);
	T6(PD, 0x20010db8, 0, 0, 1);
	T6(PC, 0x20010db8, 0, 0, 0);
	T6(PC, 0x20010db8, 0, 0, 3);
	INS6(PE, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 128);
	T6(PE, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff);
	T6(PC, 0xffffffff, 0xffffffff, 0xffffffff, 0xfffffffe);
	INS4(PE, 255, 255, 255, 255, 32);
	T4(PE, 255, 255, 255, 255);
	T4(PA, 255, 255, 255, 254);
	/* Removing the defaults leaves the hosts. */
	ck_assert_int_eq(RM4(PA, 0, 0, 0, 0, 0), 0);
	ck_assert_int_eq(RM6(PC, 0, 0, 0, 0, 0), 0);
	T4(NONE, 203, 0, 113, 8);
	T4(PB, 203, 0, 113, 9);
	T6(PD, 0x20010db8, 0, 0, 1);
	T6(NONE, 0x20010db8, 0, 0, 0);
	ck_assert_uint_eq(allowedips_count(t), 4);
}
END_TEST

START_TEST(test_move_between_peers)
{
	struct collect	 c;

	INS4(PA, 10, 0, 0, 0, 8);
	INS4(PA, 10, 1, 0, 0, 16);
	INS4(PB, 10, 2, 0, 0, 16);
	ck_assert_uint_eq(allowedips_count(t), 3);
	/* Re-inserting moves, it does not duplicate. */
	INS4(PB, 10, 1, 2, 3, 16);
	ck_assert_uint_eq(allowedips_count(t), 3);
	T4(PB, 10, 1, 9, 9);
	memset(&c, 0, sizeof(c));
	allowedips_foreach_peer(t, PA, collect_cb, &c);
	ck_assert_uint_eq(c.n, 1);
	ck_assert(listed_has(&c, AF_INET, ip4(10, 0, 0, 0), 8));
	/* Inserting for the same peer again is a no-op. */
	INS4(PB, 10, 1, 0, 0, 16);
	ck_assert_uint_eq(allowedips_count(t), 3);
	/* A moves its last prefix away: it has nothing left. */
	INS4(PC, 10, 0, 0, 0, 8);
	ck_assert_uint_eq(allowedips_remove_peer(t, PA), 0);
	/* Removing b leaves c intact. */
	ck_assert_uint_eq(allowedips_remove_peer(t, PB), 2);
	T4(PC, 10, 1, 9, 9);
	T4(PC, 10, 2, 9, 9);
	ck_assert_uint_eq(allowedips_count(t), 1);
	/* After the move, c may no longer remove the prefix. */
	INS4(PB, 10, 0, 0, 0, 8);
	ck_assert_int_eq(RM4(PC, 10, 0, 0, 0, 8), -1);
	ck_assert_int_eq(RM4(PB, 10, 0, 0, 0, 8), 0);
	ck_assert_uint_eq(allowedips_count(t), 0);
}
END_TEST

START_TEST(test_host_bits_masked)
{
	struct collect	 c;

	INS4(PA, 10, 1, 2, 3, 8);
	INS6(PA, 0x20010db8, 0xffffffff, 0xffffffff, 0xffffffff, 33);
	memset(&c, 0, sizeof(c));
	allowedips_foreach_peer(t, PA, collect_cb, &c);
	ck_assert_uint_eq(c.n, 2);
	ck_assert(listed_has(&c, AF_INET, ip4(10, 0, 0, 0), 8));
	ck_assert(listed_has(&c, AF_INET6, ip6(0x20010db8, 0x80000000, 0, 0),
	    33));
	/* The same prefix written with other host bits is the same. */
	INS4(PB, 10, 200, 0, 0, 8);
	ck_assert_uint_eq(allowedips_count(t), 2);
	T4(PB, 10, 0, 0, 1);
	ck_assert_int_eq(RM4(PB, 10, 9, 9, 9, 8), 0);
	ck_assert_int_eq(RM6(PA, 0x20010db8, 0x80000000, 0, 0, 33), 0);
	ck_assert_uint_eq(allowedips_count(t), 0);
}
END_TEST

START_TEST(test_limits_plen)
{
	errno = 0;
	ck_assert_int_eq(allowedips_insert(t, AF_INET, ip4(1, 2, 3, 4), 33,
	    PA), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(allowedips_insert(t, AF_INET6, ip6(1, 2, 3, 4), 129,
	    PA), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(allowedips_insert(t, AF_INET, ip4(1, 2, 3, 4), 255,
	    PA), -1);
	ck_assert_int_eq(allowedips_insert(t, AF_INET, ip4(1, 2, 3, 4), ~0U,
	    PA), -1);
	/* The reserved id cannot be inserted. */
	errno = 0;
	ck_assert_int_eq(allowedips_insert(t, AF_INET, ip4(1, 2, 3, 4), 32,
	    NONE), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(allowedips_insert(t, AF_UNIX, ip4(1, 2, 3, 4), 32,
	    PA), -1);
	ck_assert_int_eq(errno, EAFNOSUPPORT);
	errno = 0;
	ck_assert_int_eq(allowedips_remove(t, AF_UNIX, ip4(1, 2, 3, 4), 32,
	    PA), -1);
	ck_assert_int_eq(errno, EAFNOSUPPORT);
	ck_assert_uint_eq(allowedips_count(t), 0);
	/* 32 and 128 themselves are fine; peer 0 is an ordinary id. */
	ck_assert_int_eq(allowedips_insert(t, AF_INET, ip4(1, 2, 3, 4), 32, 0),
	    0);
	ck_assert_int_eq(allowedips_insert(t, AF_INET6, ip6(1, 2, 3, 4), 128,
	    NONE - 1), 0);
	T4(0, 1, 2, 3, 4);
	T6(NONE - 1, 1, 2, 3, 4);
	ck_assert_uint_eq(allowedips_lookup(t, AF_UNIX, ip4(1, 2, 3, 4)),
	    NONE);
}
END_TEST

START_TEST(test_limits_absent)
{
	/* From an empty table, and from a populated one. */
	errno = 0;
	ck_assert_int_eq(RM4(NONE, 10, 0, 0, 0, 8), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(RM6(NONE, 0, 0, 0, 0, 0), -1);
	ck_assert_uint_eq(allowedips_remove_peer(t, PA), 0);
	INS4(PA, 10, 0, 0, 0, 24);
	INS4(PA, 10, 0, 1, 0, 24);
	/* 10.0.0.0/23 exists only as a branch point; it is no entry. */
	errno = 0;
	ck_assert_int_eq(RM4(NONE, 10, 0, 0, 0, 23), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(RM4(NONE, 10, 0, 0, 0, 25), -1);
	ck_assert_int_eq(RM4(NONE, 10, 0, 2, 0, 24), -1);
	ck_assert_int_eq(RM4(NONE, 10, 0, 0, 0, 0), -1);
	/* ... until inserted, when it becomes one. */
	INS4(PB, 10, 0, 0, 0, 23);
	T4(PA, 10, 0, 0, 1);
	ck_assert_int_eq(RM4(NONE, 10, 0, 0, 0, 24), 0);
	T4(PB, 10, 0, 0, 1);
	T4(PA, 10, 0, 1, 1);
	ck_assert_int_eq(RM4(NONE, 10, 0, 0, 0, 24), -1);
	ck_assert_int_eq(RM4(NONE, 10, 0, 0, 0, 23), 0);
	ck_assert_uint_eq(allowedips_count(t), 1);
}
END_TEST

START_TEST(test_limits_full)
{
	struct allowedips	*s;
	const char		*why = NULL;
	uint8_t			 a[4];
	unsigned int		 i;

	s = allowedips_new(8);
	ck_assert_ptr_nonnull(s);
	for (i = 0; i < 8; i++) {
		memcpy(a, ip4(10, 0, (uint8_t)i, 0), 4);
		ck_assert_int_eq(allowedips_insert(s, AF_INET, a, 24, PA), 0);
	}
	errno = 0;
	ck_assert_int_eq(allowedips_insert(s, AF_INET, ip4(10, 0, 9, 0), 24,
	    PA), -1);
	ck_assert_int_eq(errno, ENOSPC);
	/* A branch point becoming an entry is a new entry too. */
	errno = 0;
	ck_assert_int_eq(allowedips_insert(s, AF_INET, ip4(10, 0, 0, 0), 22,
	    PA), -1);
	ck_assert_int_eq(errno, ENOSPC);
	errno = 0;
	ck_assert_int_eq(allowedips_insert(s, AF_INET6, ip6(1, 0, 0, 0), 64,
	    PA), -1);
	ck_assert_int_eq(errno, ENOSPC);
	/* Moving an existing prefix takes no room and still works. */
	ck_assert_int_eq(allowedips_insert(s, AF_INET, ip4(10, 0, 3, 0), 24,
	    PB), 0);
	ck_assert_uint_eq(allowedips_lookup(s, AF_INET, ip4(10, 0, 3, 1)), PB);
	ck_assert_uint_eq(allowedips_count(s), 8);
	ck_assert_msg(allowedips_verify(s, &why) == 0, "verify: %s", why);
	/* Room again after a removal. */
	ck_assert_int_eq(allowedips_remove(s, AF_INET, ip4(10, 0, 3, 0), 24,
	    PB), 0);
	ck_assert_int_eq(allowedips_insert(s, AF_INET6, ip6(1, 0, 0, 0), 64,
	    PA), 0);
	ck_assert_uint_eq(allowedips_lookup(s, AF_INET6, ip6(1, 0, 0, 5)), PA);
	ck_assert_msg(allowedips_verify(s, &why) == 0, "verify: %s", why);
	allowedips_free(s);

	/* A table of size 0 holds nothing and is still usable. */
	s = allowedips_new(0);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(allowedips_insert(s, AF_INET, ip4(0, 0, 0, 0), 0,
	    PA), -1);
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert_uint_eq(allowedips_lookup(s, AF_INET, ip4(0, 0, 0, 0)), NONE);
	allowedips_free(s);
	allowedips_free(NULL);
}
END_TEST

START_TEST(test_empty_lookups)
{
	uint8_t		 a[16];
	unsigned int	 i;

	for (i = 0; i < 256; i++) {
		memset(a, (int)i, sizeof(a));
		ck_assert_uint_eq(allowedips_lookup(t, AF_INET, a), NONE);
		ck_assert_uint_eq(allowedips_lookup(t, AF_INET6, a), NONE);
		ck_assert_uint_eq(allowedips_lookup_src(t, AF_INET, a), NONE);
	}
	ck_assert_uint_eq(allowedips_count(t), 0);
	/* Emptied again after use: the same. */
	INS4(PA, 1, 2, 3, 4, 32);
	INS6(PA, 1, 2, 3, 4, 127);
	ck_assert_uint_eq(allowedips_remove_peer(t, PA), 2);
	T4(NONE, 1, 2, 3, 4);
	T6(NONE, 1, 2, 3, 4);
}
END_TEST

/* Peer ids far apart and many of them: the peer table grows. */
START_TEST(test_many_peers)
{
	uint8_t		 a[4];
	uint32_t	 i, id;

	for (i = 0; i < 5000; i++) {
		id = i * 0x10001U;
		a[0] = 10;
		a[1] = (uint8_t)(i >> 8);
		a[2] = (uint8_t)i;
		a[3] = 0;
		ck_assert_int_eq(allowedips_insert(t, AF_INET, a, 24, id), 0);
		a[3] = 7;
		ck_assert_int_eq(allowedips_insert(t, AF_INET, a, 32, id), 0);
	}
	ck_assert_uint_eq(allowedips_count(t), 10000);
	for (i = 0; i < 5000; i += 2)
		ck_assert_uint_eq(allowedips_remove_peer(t, i * 0x10001U), 2);
	ck_assert_uint_eq(allowedips_count(t), 5000);
	for (i = 0; i < 5000; i++) {
		a[0] = 10;
		a[1] = (uint8_t)(i >> 8);
		a[2] = (uint8_t)i;
		a[3] = 1;
		ck_assert_uint_eq(allowedips_lookup(t, AF_INET, a),
		    i % 2 ? i * 0x10001U : NONE);
	}
}
END_TEST

/*
 * The checker every other case relies on must see a broken table: one
 * fault at a time, each put right before the next.
 */
static void
assert_broken(const char *want)
{
	const char	*why = NULL;

	ck_assert_int_eq(allowedips_verify(t, &why), -1);
	ck_assert_ptr_nonnull(why);
	ck_assert_msg(strcmp(why, want) == 0, "verify: %s, want %s", why,
	    want);
}

START_TEST(test_verify_catches)
{
	struct aip_node	*n;
	struct fib_node	*f = &t->fib[AIP_V4];
	uint32_t	 leaf;

	INS4(PA, 0, 0, 0, 0, 0);
	INS4(PB, 10, 0, 0, 0, 8);
	INS4(PC, 10, 1, 0, 0, 16);
	INS4(PD, 10, 2, 0, 0, 16);

	/* The two /16s part under a branch point below the /8. */
	n = t->root[AIP_V4]->child[0];
	ck_assert_uint_eq(n->plen, 8);
	n = n->child[0];
	ck_assert_ptr_null(n->owner);
	n->peer = PA;
	assert_broken("branch point with a peer");
	n->peer = NONE;

	n = n->child[1];
	n->key[0] |= 1;
	assert_broken("host bits set in key");
	n->key[0] &= ~(uint64_t)1;

	t->count--;
	assert_broken("entry count is wrong");
	t->count++;

	/* /0 lives in the index's root, inline, as the only run. */
	ck_assert(f->leafvec & 1);
	leaf = f->lv.inl[0];
	f->lv.inl[0] = PH;
	assert_broken("index lookup differs from trie");
	f->lv.inl[0] = leaf;
}
END_TEST

START_TEST(test_stats)
{
	struct allowedips_stats	 st;
	size_t			 empty;

	allowedips_stats(t, &st);
	ck_assert_uint_eq(st.entries, 0);
	ck_assert_uint_eq(st.peers, 0);
	ck_assert_uint_eq(st.trie_nodes, 0);
	ck_assert_uint_eq(st.index_nodes, 0);
	ck_assert_int_eq(st.index_lost, 0);
	empty = st.bytes;
	ck_assert_uint_gt(empty, 0);

	INS4(PA, 10, 0, 0, 0, 24);
	INS4(PA, 10, 0, 1, 0, 24);
	INS4(PB, 10, 0, 0, 7, 32);
	INS6(PC, 0x20010db8, 0, 0, 1, 128);
	allowedips_stats(t, &st);
	ck_assert_uint_eq(st.entries, 4);
	ck_assert_uint_eq(st.peers, 3);
	/* Four entries and the branch point of the two /24s. */
	ck_assert_uint_eq(st.trie_nodes, 5);
	ck_assert_uint_gt(st.index_nodes, 0);
	ck_assert_uint_gt(st.bytes, empty);
	ck_assert_int_eq(st.index_lost, 0);

	ck_assert_uint_eq(allowedips_remove_peer(t, PA), 2);
	ck_assert_uint_eq(allowedips_remove_peer(t, PB), 1);
	ck_assert_uint_eq(allowedips_remove_peer(t, PC), 1);
	allowedips_stats(t, &st);
	ck_assert_uint_eq(st.trie_nodes, 0);
	ck_assert_uint_eq(st.index_nodes, 0);
	ck_assert_uint_eq(st.peers, 0);
	ck_assert_uint_eq(st.bytes, empty);
}
END_TEST

/*
 * The reference: an unordered array, searched linearly, compared
 * byte by byte.  Slow and obviously right.
 */
struct ref_entry {
	int		 af;
	unsigned int	 plen;
	uint8_t		 addr[16];
	uint32_t	 peer;
};

struct ref {
	struct ref_entry *e;
	size_t		 n;
	size_t		 max;
};

static size_t
af_len(int af)
{
	return af == AF_INET ? 4 : 16;
}

static void
ref_clear_host(uint8_t *a, unsigned int plen, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		if (plen >= 8 * (i + 1))
			continue;
		if (plen <= 8 * i)
			a[i] = 0;
		else
			a[i] &= (uint8_t)(0xff << (8 - (plen - 8 * i)));
	}
}

static int
ref_covers(const struct ref_entry *e, const uint8_t *addr)
{
	uint8_t	 a[16];

	memcpy(a, addr, af_len(e->af));
	ref_clear_host(a, e->plen, af_len(e->af));
	return memcmp(a, e->addr, af_len(e->af)) == 0;
}

static struct ref_entry *
ref_find(struct ref *r, int af, const uint8_t *addr, unsigned int plen)
{
	uint8_t	 a[16];
	size_t	 i;

	memcpy(a, addr, af_len(af));
	ref_clear_host(a, plen, af_len(af));
	for (i = 0; i < r->n; i++)
		if (r->e[i].af == af && r->e[i].plen == plen &&
		    memcmp(r->e[i].addr, a, af_len(af)) == 0)
			return &r->e[i];
	return NULL;
}

static int
ref_insert(struct ref *r, int af, const uint8_t *addr, unsigned int plen,
    uint32_t peer)
{
	struct ref_entry	*e;

	if (plen > 8 * af_len(af) || peer == NONE) {
		errno = EINVAL;
		return -1;
	}
	if ((e = ref_find(r, af, addr, plen)) != NULL) {
		e->peer = peer;
		return 0;
	}
	if (r->n >= r->max) {
		errno = ENOSPC;
		return -1;
	}
	e = &r->e[r->n++];
	memset(e, 0, sizeof(*e));
	e->af = af;
	e->plen = plen;
	memcpy(e->addr, addr, af_len(af));
	ref_clear_host(e->addr, plen, af_len(af));
	e->peer = peer;
	return 0;
}

static int
ref_remove(struct ref *r, int af, const uint8_t *addr, unsigned int plen,
    uint32_t peer)
{
	struct ref_entry	*e;

	if (plen > 8 * af_len(af)) {
		errno = EINVAL;
		return -1;
	}
	e = ref_find(r, af, addr, plen);
	if (e == NULL || (peer != NONE && e->peer != peer)) {
		errno = ENOENT;
		return -1;
	}
	*e = r->e[--r->n];
	return 0;
}

static size_t
ref_remove_peer(struct ref *r, uint32_t peer)
{
	size_t	 i, j, nr;

	for (i = j = 0; i < r->n; i++)
		if (r->e[i].peer != peer)
			r->e[j++] = r->e[i];
	nr = r->n - j;
	r->n = j;
	return nr;
}

/* The most prefixes that held one address: how deep the nesting got. */
static size_t ref_nest_max;

static uint32_t
ref_lookup(const struct ref *r, int af, const uint8_t *addr)
{
	const struct ref_entry	*best = NULL;
	size_t			 i, nest = 0;

	for (i = 0; i < r->n; i++) {
		if (r->e[i].af != af || !ref_covers(&r->e[i], addr))
			continue;
		nest++;
		if (best == NULL || r->e[i].plen > best->plen)
			best = &r->e[i];
	}
	if (nest > ref_nest_max)
		ref_nest_max = nest;
	return best != NULL ? best->peer : NONE;
}

static uint64_t rng_state;

/* splitmix64: fixed seed, the same run every time. */
static uint64_t
rng(void)
{
	uint64_t	 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
rng_bytes(uint8_t *p, size_t len)
{
	while (len-- > 0)
		*p++ = (uint8_t)rng();
}

#define NBASES	6
static uint8_t bases[2][NBASES][16];

/*
 * Addresses close to a few bases: a random leading part of a base, then
 * random bits.  Prefixes made of these nest deeply and collide often,
 * which is where a trie's corner cases are.
 */
static void
gen_addr(int af, uint8_t *a)
{
	size_t		 len = af_len(af), i;
	unsigned int	 keep, width = (unsigned int)(8 * len);
	uint8_t		 r[16];

	if (rng() % 8 == 0) {
		rng_bytes(a, len);
		return;
	}
	memcpy(a, bases[af == AF_INET6][rng() % NBASES], len);
	keep = (unsigned int)(rng() % (width + 1));
	/* Often only a few low bits vary: many exact duplicates. */
	if (rng() % 2)
		keep = width - (unsigned int)(rng() % 6);
	rng_bytes(r, len);
	for (i = 0; i < len; i++) {
		if (keep >= 8 * (i + 1))
			continue;
		if (keep <= 8 * i)
			a[i] = r[i];
		else {
			uint8_t m = (uint8_t)(0xff << (8 - (keep - 8 * i)));
			a[i] = (uint8_t)((a[i] & m) | (r[i] & ~m));
		}
	}
}

static unsigned int
gen_plen(int af)
{
	unsigned int	 width = (unsigned int)(8 * af_len(af));

	switch (rng() % 4) {
	case 0:
		return (unsigned int)(rng() % (width + 1));
	case 1:
		return width - (unsigned int)(rng() % 4);
	case 2:
		return (unsigned int)(rng() % 9);
	default:
		/* Now and then, one too long. */
		if (rng() % 16 == 0)
			return width + 1 + (unsigned int)(rng() % 100);
		return width / 2 + (unsigned int)(rng() % (width / 2 + 1));
	}
}

static int
cmp_listed(const void *va, const void *vb)
{
	const struct listed	*a = va, *b = vb;

	if (a->af != b->af)
		return a->af < b->af ? -1 : 1;
	if (a->plen != b->plen)
		return a->plen < b->plen ? -1 : 1;
	return memcmp(a->addr, b->addr, 16);
}

struct biglist {
	struct listed	*e;
	size_t		 n, max;
};

static int
big_cb(void *arg, int af, const uint8_t *addr, unsigned int plen)
{
	struct biglist	*b = arg;

	ck_assert_uint_lt(b->n, b->max);
	memset(&b->e[b->n], 0, sizeof(b->e[b->n]));
	b->e[b->n].af = af;
	memcpy(b->e[b->n].addr, addr, af_len(af));
	b->e[b->n].plen = plen;
	b->n++;
	return 0;
}

/* The trie's listing of a peer is, as a set, the reference's. */
static void
check_listing(struct allowedips *s, const struct ref *r, uint32_t peer)
{
	struct biglist	 got, want;
	size_t		 i;

	got.max = want.max = r->n + 1;
	got.n = want.n = 0;
	got.e = calloc(got.max, sizeof(*got.e));
	want.e = calloc(want.max, sizeof(*want.e));
	ck_assert(got.e != NULL && want.e != NULL);
	ck_assert_int_eq(allowedips_foreach_peer(s, peer, big_cb, &got), 0);
	for (i = 0; i < r->n; i++) {
		if (r->e[i].peer != peer)
			continue;
		want.e[want.n].af = r->e[i].af;
		memcpy(want.e[want.n].addr, r->e[i].addr, 16);
		want.e[want.n].plen = r->e[i].plen;
		want.n++;
	}
	ck_assert_uint_eq(got.n, want.n);
	qsort(got.e, got.n, sizeof(*got.e), cmp_listed);
	qsort(want.e, want.n, sizeof(*want.e), cmp_listed);
	ck_assert(memcmp(got.e, want.e, got.n * sizeof(*got.e)) == 0);
	free(got.e);
	free(want.e);
}

#define DIFF_OPS	30000
#define DIFF_MAX	1500
#define DIFF_PEERS	12

enum { OP_INSERT, OP_REMOVE, OP_PEER };

static void
differential(uint64_t seed, size_t ops, size_t max)
{
	struct allowedips	*s;
	struct ref		 r;
	const char		*why = NULL;
	uint8_t			 a[16];
	unsigned int		 plen;
	uint32_t		 peer;
	size_t			 i, j, full = 0, moved = 0, rmok = 0, hits = 0;
	size_t			 peak = 0;
	unsigned int		 op;
	int			 af, rv, rrv, err, rerr;

	rng_state = seed;
	ref_nest_max = 0;
	for (i = 0; i < NBASES; i++) {
		rng_bytes(bases[0][i], 4);
		rng_bytes(bases[1][i], 16);
	}
	memset(&r, 0, sizeof(r));
	r.max = max;
	r.e = calloc(max, sizeof(*r.e));
	ck_assert_ptr_nonnull(r.e);
	s = allowedips_new(max);
	ck_assert_ptr_nonnull(s);

	for (i = 0; i < ops; i++) {
		af = rng() % 3 == 0 ? AF_INET6 : AF_INET;
		peer = (uint32_t)(rng() % DIFF_PEERS);
		/* The first half fills the table to its cap; then it drains. */
		op = (unsigned int)(rng() % 16);
		if (op == 15)
			op = OP_PEER;
		else if (op < (i < ops / 2 ? 12U : 6U))
			op = OP_INSERT;
		else
			op = OP_REMOVE;
		switch (op) {
		case OP_INSERT:
			gen_addr(af, a);
			plen = gen_plen(af);
			if (ref_find(&r, af, a, plen) != NULL)
				moved++;
			errno = 0;
			rv = allowedips_insert(s, af, a, plen, peer);
			err = errno;
			errno = 0;
			rrv = ref_insert(&r, af, a, plen, peer);
			rerr = errno;
			ck_assert_int_eq(rv, rrv);
			if (rv == -1)
				ck_assert_int_eq(err, rerr);
			if (rv == -1 && err == ENOSPC)
				full++;
			break;
		case OP_REMOVE:
			/* Mostly prefixes that exist, some that do not. */
			if (r.n > 0 && rng() % 4 != 0) {
				j = rng() % r.n;
				af = r.e[j].af;
				memcpy(a, r.e[j].addr, 16);
				plen = r.e[j].plen;
				if (rng() % 2)
					peer = r.e[j].peer;
				else if (rng() % 2)
					peer = NONE;
			} else {
				gen_addr(af, a);
				plen = gen_plen(af);
			}
			errno = 0;
			rv = allowedips_remove(s, af, a, plen, peer);
			err = errno;
			errno = 0;
			rrv = ref_remove(&r, af, a, plen, peer);
			rerr = errno;
			ck_assert_int_eq(rv, rrv);
			if (rv == -1)
				ck_assert_int_eq(err, rerr);
			else
				rmok++;
			break;
		default:
			if (rng() % 32 == 0)
				ck_assert_uint_eq(allowedips_remove_peer(s,
				    peer), ref_remove_peer(&r, peer));
			break;
		}
		ck_assert_uint_eq(allowedips_count(s), r.n);
		if (r.n > peak)
			peak = r.n;
		for (j = 0; j < 3; j++) {
			af = rng() % 2 ? AF_INET6 : AF_INET;
			gen_addr(af, a);
			peer = ref_lookup(&r, af, a);
			ck_assert_uint_eq(allowedips_lookup(s, af, a), peer);
			if (peer != NONE)
				hits++;
		}
		if (i % 512 == 0) {
			ck_assert_msg(allowedips_verify(s, &why) == 0,
			    "verify after op %zu: %s", i, why);
			check_listing(s, &r, (uint32_t)(rng() % DIFF_PEERS));
		}
	}
	ck_assert_msg(allowedips_verify(s, &why) == 0, "verify: %s", why);
	for (peer = 0; peer < DIFF_PEERS; peer++)
		check_listing(s, &r, peer);
	printf("allowedips differential: seed %#llx, %zu ops, cap %zu: "
	    "peak %zu entries, nesting %zu deep, %zu full, %zu moved, "
	    "%zu removed, %zu lookup hits\n", (unsigned long long)seed, ops,
	    max, peak, ref_nest_max, full, moved, rmok, hits);
	fflush(stdout);
	/* The run reached every case it is meant to exercise. */
	ck_assert_uint_gt(full, 0);
	ck_assert_uint_eq(peak, max);
	ck_assert_uint_ge(ref_nest_max, max < 100 ? 8 : 20);
	ck_assert_uint_gt(moved, 0);
	ck_assert_uint_gt(rmok, 0);
	ck_assert_uint_gt(hits, ops / 2);

	/* Emptying by peer leaves an empty table. */
	for (peer = 0; peer < DIFF_PEERS; peer++) {
		ck_assert_uint_eq(allowedips_remove_peer(s, peer),
		    ref_remove_peer(&r, peer));
		ck_assert_msg(allowedips_verify(s, &why) == 0, "verify: %s",
		    why);
	}
	ck_assert_uint_eq(allowedips_count(s), 0);
	for (j = 0; j < 100; j++) {
		af = rng() % 2 ? AF_INET6 : AF_INET;
		gen_addr(af, a);
		ck_assert_uint_eq(allowedips_lookup(s, af, a), NONE);
	}
	allowedips_free(s);
	free(r.e);
}

START_TEST(test_differential)
{
	/* Three seeds; the small cap keeps the table full half the time. */
	differential(0x68616d64ULL + (uint64_t)_i, DIFF_OPS,
	    _i == 2 ? 64 : DIFF_MAX);
}
END_TEST

/*
 * Out of memory.  An insert that cannot allocate fails and changes
 * nothing; an index update that cannot allocate drops that family's
 * index, and lookups must stay right through the trie until a later
 * change rebuilds it.  A child process runs short of memory under
 * RLIMIT_DATA; it reports by exit status, since Check's assertions do
 * not work in a process of its own.  ASan and valgrind cannot run under
 * such a limit, so there the case is skipped.
 */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN
#endif
#endif
#ifdef __SANITIZE_ADDRESS__
#define UNDER_ASAN
#endif

enum { OOM_OK, OOM_SKIP, OOM_MISMATCH, OOM_VERIFY, OOM_NOT_LOST,
    OOM_NO_ENOMEM, OOM_NOT_REBUILT, OOM_SETUP };

static long
vm_data(void)
{
	FILE	*f;
	char	 line[256];
	long	 kb = -1;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmData:", 7) == 0)
			kb = atol(line + 7);
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

#define OOM_MAX		6000
#define OOM_OPS		20000

struct filler {
	struct filler	*next;
};

/*
 * Allocate until malloc fails, in ever smaller blocks: free space left
 * in the heap by earlier tests (with CK_FORK=no) would otherwise make
 * the limit meaningless.  The 4 KiB blocks are kept apart, to give
 * some back.
 */
static void
fill_heap(struct filler **pages, struct filler **rest)
{
	static const size_t	 sizes[] = { 65536, 4096, 256, 64, 16 };
	struct filler		*f, **list;
	size_t			 i;

	for (i = 0; i < nitems(sizes); i++) {
		list = sizes[i] == 4096 ? pages : rest;
		while ((f = malloc(sizes[i])) != NULL) {
			f->next = *list;
			*list = f;
		}
	}
}

static void
free_fillers(struct filler **list, size_t n)
{
	struct filler	*f;

	while (n-- > 0 && (f = *list) != NULL) {
		*list = f->next;
		free(f);
	}
}

static int
oom_child(void)
{
	struct allowedips	*s;
	struct allowedips_stats	 st;
	struct rlimit		 rl, tight;
	struct ref		 r;
	struct filler		*pages = NULL, *rest = NULL;
	uint8_t			 a[16];
	unsigned int		 plen;
	uint32_t		 peer;
	size_t			 i, enomem = 0, lost = 0;
	long			 used;
	int			 af, rv;

	rng_state = 0x6f6f6dULL;
	for (i = 0; i < NBASES; i++) {
		rng_bytes(bases[0][i], 4);
		rng_bytes(bases[1][i], 16);
	}
	memset(&r, 0, sizeof(r));
	r.max = OOM_MAX;
	if ((r.e = calloc(r.max, sizeof(*r.e))) == NULL ||
	    (s = allowedips_new(OOM_MAX)) == NULL)
		return OOM_SETUP;
	for (i = 0; i < OOM_MAX / 2; i++) {
		af = i % 2 ? AF_INET6 : AF_INET;
		gen_addr(af, a);
		plen = (unsigned int)(rng() % (8 * af_len(af) + 1));
		peer = (uint32_t)(rng() % 64);
		if (allowedips_insert(s, af, a, plen, peer) !=
		    ref_insert(&r, af, a, plen, peer))
			return OOM_MISMATCH;
	}
	if (getrlimit(RLIMIT_DATA, &rl) == -1 || (used = vm_data()) == -1)
		return OOM_SKIP;
	tight = rl;
	tight.rlim_cur = (rlim_t)used + 65536;
	if (setrlimit(RLIMIT_DATA, &tight) == -1)
		return OOM_SKIP;
	fill_heap(&pages, &rest);
	free_fillers(&pages, 16);

	for (i = 0; i < OOM_OPS; i++) {
		af = rng() % 2 ? AF_INET6 : AF_INET;
		gen_addr(af, a);
		plen = (unsigned int)(rng() % (8 * af_len(af) + 1));
		peer = (uint32_t)(rng() % 64);
		if (rng() % 3 == 0) {
			if (allowedips_remove(s, af, a, plen, NONE) !=
			    ref_remove(&r, af, a, plen, NONE))
				return OOM_MISMATCH;
		} else {
			errno = 0;
			rv = allowedips_insert(s, af, a, plen, peer);
			if (rv == -1 && errno == ENOMEM)
				enomem++;
			else if (rv != ref_insert(&r, af, a, plen, peer))
				return OOM_MISMATCH;
		}
		allowedips_stats(s, &st);
		if (st.index_lost > 0)
			lost++;
		if (allowedips_count(s) != r.n)
			return OOM_MISMATCH;
		if (i % 4 == 0) {
			gen_addr(af, a);
			if (allowedips_lookup(s, af, a) !=
			    ref_lookup(&r, af, a))
				return OOM_MISMATCH;
		}
		if (i % 1024 == 0 && allowedips_verify(s, NULL) == -1)
			return OOM_VERIFY;
	}
	free_fillers(&pages, SIZE_MAX);
	free_fillers(&rest, SIZE_MAX);
	if (setrlimit(RLIMIT_DATA, &rl) == -1)
		return OOM_SETUP;
	if (allowedips_verify(s, NULL) == -1)
		return OOM_VERIFY;
	if (lost == 0)
		return OOM_NOT_LOST;
	if (enomem == 0)
		return OOM_NO_ENOMEM;

	/* With memory back, enough changes bring both indexes back. */
	for (i = 0; i < 4 * OOM_MAX; i++) {
		af = i % 2 ? AF_INET6 : AF_INET;
		gen_addr(af, a);
		plen = (unsigned int)(rng() % (8 * af_len(af) + 1));
		if (rng() % 2) {
			if (allowedips_remove(s, af, a, plen, NONE) !=
			    ref_remove(&r, af, a, plen, NONE))
				return OOM_MISMATCH;
		} else if (allowedips_insert(s, af, a, plen, 7) !=
		    ref_insert(&r, af, a, plen, 7))
			return OOM_MISMATCH;
	}
	allowedips_stats(s, &st);
	if (st.index_lost != 0)
		return OOM_NOT_REBUILT;
	if (allowedips_verify(s, NULL) == -1)
		return OOM_VERIFY;
	for (i = 0; i < 2000; i++) {
		af = i % 2 ? AF_INET6 : AF_INET;
		gen_addr(af, a);
		if (allowedips_lookup(s, af, a) != ref_lookup(&r, af, a))
			return OOM_MISMATCH;
	}
	printf("allowedips oom: %zu inserts refused, index lost for %zu "
	    "of %d changes, then rebuilt\n", enomem, lost, OOM_OPS);
	fflush(stdout);
	allowedips_free(s);
	free(r.e);
	return OOM_OK;
}

START_TEST(test_out_of_memory)
{
	const char	*pre = getenv("LD_PRELOAD");
	pid_t		 pid;
	int		 status;

#ifdef UNDER_ASAN
	printf("allowedips oom: skipped under ASan\n");
	return;
#endif
	if (pre != NULL && strstr(pre, "vgpreload") != NULL) {
		printf("allowedips oom: skipped under valgrind\n");
		return;
	}
	fflush(stdout);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	/* exit, not _exit: coverage tools write their data at exit. */
	if (pid == 0)
		exit(oom_child());
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status), "child died: status %#x", status);
	if (WEXITSTATUS(status) == OOM_SKIP) {
		printf("allowedips oom: skipped, RLIMIT_DATA not settable\n");
		return;
	}
	ck_assert_msg(WEXITSTATUS(status) == OOM_OK, "oom child: code %d",
	    WEXITSTATUS(status));
}
END_TEST

/*
 * Lookup time in a table of 10,000 random prefixes.  Printed, not
 * asserted: a number to compare between builds on one machine.  The
 * machine may be shared, so each figure is the best and the median of
 * several runs.
 */
#define BENCH_PREFIXES	10000
#define BENCH_QUERIES	(1 << 16)
#define BENCH_ROUNDS	4
#define BENCH_TRIALS	9

static double
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int
cmp_double(const void *va, const void *vb)
{
	double	 a = *(const double *)va, b = *(const double *)vb;

	return a < b ? -1 : a > b;
}

static void
bench_run(struct allowedips *s, int af, const uint8_t *q, double res[2])
{
	volatile uint32_t	 sink;
	uint32_t		 acc = 0;
	double			 t0, trial[BENCH_TRIALS];
	size_t			 i, len = af_len(af), round, k;

	/* Once to warm the caches, as a busy tunnel would have them. */
	for (i = 0; i < BENCH_QUERIES; i++)
		acc ^= allowedips_lookup(s, af, q + i * len);
	for (k = 0; k < BENCH_TRIALS; k++) {
		t0 = now_ns();
		for (round = 0; round < BENCH_ROUNDS; round++)
			for (i = 0; i < BENCH_QUERIES; i++)
				acc ^= allowedips_lookup(s, af, q + i * len);
		trial[k] = (now_ns() - t0) /
		    ((double)BENCH_ROUNDS * BENCH_QUERIES);
	}
	sink = acc;
	(void)sink;
	qsort(trial, BENCH_TRIALS, sizeof(trial[0]), cmp_double);
	res[0] = trial[0];
	res[1] = trial[BENCH_TRIALS / 2];
}

/*
 * hosts: BENCH_PREFIXES host routes in 10.0.0.0/8 or fd00::/64, as a
 * mesh has them; otherwise random addresses with random lengths.
 */
static void
bench_family(int af, int hosts)
{
	struct allowedips	*s;
	struct allowedips_stats	 st;
	uint8_t			*pfx, *q;
	unsigned int		*plens;
	size_t			 len = af_len(af), i, j;
	unsigned int		 width = (unsigned int)(8 * len);
	double			 rnd[2], inside[2];

	rng_state = 0x62656e6368ULL;
	s = allowedips_new(BENCH_PREFIXES);
	pfx = malloc(BENCH_PREFIXES * len);
	plens = malloc(BENCH_PREFIXES * sizeof(*plens));
	q = malloc(BENCH_QUERIES * len);
	ck_assert(s != NULL && pfx != NULL && plens != NULL && q != NULL);
	for (i = 0; i < BENCH_PREFIXES; i++) {
		rng_bytes(pfx + i * len, len);
		plens[i] = 1 + (unsigned int)(rng() % width);
		if (hosts) {
			if (af == AF_INET)
				pfx[i * len] = 10;
			else {
				memset(pfx + i * len, 0, 8);
				pfx[i * len] = 0xfd;
			}
			plens[i] = width;
		}
		ck_assert_int_eq(allowedips_insert(s, af, pfx + i * len,
		    plens[i], (uint32_t)(rng() % 1000)), 0);
	}
	/* Uniform addresses (in the hosts' network for hosts). */
	rng_bytes(q, BENCH_QUERIES * len);
	for (i = 0; hosts && i < BENCH_QUERIES; i++)
		memcpy(q + i * len, pfx, af == AF_INET ? 1 : 8);
	bench_run(s, af, q, rnd);
	/* Addresses inside the longest inserted prefixes: deepest paths. */
	for (i = 0; i < BENCH_QUERIES; i++) {
		do
			j = rng() % BENCH_PREFIXES;
		while (plens[j] < width - width / 4);
		memcpy(q + i * len, pfx + j * len, len);
		if (!hosts)
			q[i * len + len - 1] ^= (uint8_t)(rng() & 1);
	}
	bench_run(s, af, q, inside);
	allowedips_stats(s, &st);
	printf("allowedips bench: %s %s: %zu entries, %zu KiB; ns/lookup "
	    "best/median: %.1f/%.1f random, %.1f/%.1f deep\n",
	    af == AF_INET ? "IPv4" : "IPv6",
	    hosts ? (af == AF_INET ? "hosts in 10/8" : "hosts in fd00::/64") :
	    "random prefixes", st.entries, st.bytes / 1024, rnd[0], rnd[1],
	    inside[0], inside[1]);
	fflush(stdout);
	allowedips_free(s);
	free(pfx);
	free(plens);
	free(q);
}

START_TEST(test_bench)
{
	bench_family(AF_INET, 0);
	bench_family(AF_INET6, 0);
	bench_family(AF_INET, 1);
	bench_family(AF_INET6, 1);
}
END_TEST

static Suite *
allowedips_suite(void)
{
	Suite	*s = suite_create("allowedips");
	TCase	*tc;

	tc = tcase_create("kernel");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_kernel_lookups);
	tcase_add_test(tc, test_kernel_remove_by_peer);
	tcase_add_test(tc, test_kernel_remove_nested);
	tcase_add_test(tc, test_kernel_exact_remove);
	tcase_add_test(tc, test_kernel_deep);
	tcase_add_test(tc, test_kernel_iterate);
	tcase_add_test(tc, test_mapped_v6);
	tcase_add_test(tc, test_default_and_hosts);
	tcase_add_test(tc, test_move_between_peers);
	tcase_add_test(tc, test_host_bits_masked);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_limits_plen);
	tcase_add_test(tc, test_limits_absent);
	tcase_add_test(tc, test_limits_full);
	tcase_add_test(tc, test_empty_lookups);
	tcase_add_test(tc, test_many_peers);
	tcase_add_test(tc, test_stats);
	tcase_add_test(tc, test_verify_catches);
	suite_add_tcase(s, tc);

	/* Slow under valgrind; without fork, check applies no timeout. */
	tc = tcase_create("random");
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_differential, 0, 3);
	tcase_add_test(tc, test_out_of_memory);
	suite_add_tcase(s, tc);

	tc = tcase_create("bench");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_bench);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(allowedips_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
