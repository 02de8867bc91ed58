/*
 * The authority's budgets (hub/budget.c), on a clock of our own: each
 * limit refuses the first request over its burst, whose identity it
 * names (key, source address or the whole hub), gives one more after
 * its interval, and a refusal by one budget spends nothing of another.
 * Every limit of budget.h is reached here: removing one fails a test.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <check.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hub/budget.h"
#include "hub/ratelimit.h"

#define T0	1000000		/* ms; any start but 0 */

static void
key_n(uint8_t key[32], uint32_t n)
{
	memset(key, 0, 32);
	memcpy(key, &n, sizeof(n));
	key[31] = 0x5a;
}

/* 10.x.y.z for n, or an IPv6 address in the /64 that n names. */
static void
src_n(struct pkt_addr *a, uint32_t n)
{
	memset(a, 0, sizeof(*a));
	a->af = AF_INET;
	a->addr[0] = 10;
	a->addr[1] = (uint8_t)(n >> 16);
	a->addr[2] = (uint8_t)(n >> 8);
	a->addr[3] = (uint8_t)n;
	a->port = htons(40000);
}

static void
src6_n(struct pkt_addr *a, uint32_t net, uint32_t host)
{
	memset(a, 0, sizeof(*a));
	a->af = AF_INET6;
	a->addr[0] = 0xfd;
	memcpy(a->addr + 4, &net, sizeof(net));
	memcpy(a->addr + 12, &host, sizeof(host));
}

/*
 * The tables' hash keys come from libsodium's random bytes: a generator
 * of our own, the same every run, so which identities share a slot is
 * fixed too (the budgets of two that share one are one budget, by
 * design), and a test that passes once passes always.
 */
static uint64_t	 det_calls;

static const char *
det_name(void)
{
	return "check_budget";
}

static void
det_buf(void *buf, size_t n)
{
	uint8_t	 seed[randombytes_SEEDBYTES];

	memset(seed, 0x42, sizeof(seed));
	memcpy(seed, &det_calls, sizeof(det_calls));
	det_calls++;
	randombytes_buf_deterministic(buf, n, seed);
}

static uint32_t
det_random(void)
{
	uint32_t	 v;

	det_buf(&v, sizeof(v));
	return v;
}

static struct randombytes_implementation det_rng = {
	.implementation_name = det_name,
	.random = det_random,
	.buf = det_buf,
};

/* Each test runs in a process of its own (Check forks): a fresh start. */
static void
setup(void)
{
	ck_assert_int_eq(randombytes_set_implementation(&det_rng), 0);
	ck_assert_int_ge(sodium_init(), 0);
	ck_assert_int_eq(budget_init(), 0);
}

START_TEST(t_handshake)
{
	struct pkt_addr	 a, b, a6, a6b;
	int		 i;

	src_n(&a, 1);
	src_n(&b, 2);
	for (i = 0; i < BUDGET_HANDSHAKE_BURST; i++)
		ck_assert_int_eq(budget_handshake(&a, T0), BUDGET_OK);
	ck_assert_int_eq(budget_handshake(&a, T0), BUDGET_ADDR);
	ck_assert_int_eq(budget_handshake(&b, T0), BUDGET_OK);
	ck_assert_int_eq(budget_handshake(&a, T0 +
	    BUDGET_HANDSHAKE_EVERY_MS - 1), BUDGET_ADDR);
	ck_assert_int_eq(budget_handshake(&a, T0 +
	    BUDGET_HANDSHAKE_EVERY_MS), BUDGET_OK);
	ck_assert_int_eq(budget_handshake(&a, T0 +
	    BUDGET_HANDSHAKE_EVERY_MS), BUDGET_ADDR);
	/* One IPv6 /64 is one source, whatever the host part. */
	src6_n(&a6, 7, 1);
	src6_n(&a6b, 7, 2);
	for (i = 0; i < BUDGET_HANDSHAKE_BURST; i++)
		ck_assert_int_eq(budget_handshake(i % 2 ? &a6 : &a6b, T0),
		    BUDGET_OK);
	ck_assert_int_eq(budget_handshake(&a6b, T0), BUDGET_ADDR);
}
END_TEST

START_TEST(t_newkey_addr)
{
	struct pkt_addr	 a, b;
	int		 i;

	src_n(&a, 1);
	src_n(&b, 2);
	for (i = 0; i < BUDGET_NEWKEY_BURST; i++)
		ck_assert_int_eq(budget_newkey(&a, T0), BUDGET_OK);
	ck_assert_int_eq(budget_newkey(&a, T0), BUDGET_ADDR);
	ck_assert_int_eq(budget_newkey(&b, T0), BUDGET_OK);
	ck_assert_int_eq(budget_newkey(&a, T0 + BUDGET_NEWKEY_EVERY_MS - 1),
	    BUDGET_ADDR);
	ck_assert_int_eq(budget_newkey(&a, T0 + BUDGET_NEWKEY_EVERY_MS),
	    BUDGET_OK);
}
END_TEST

START_TEST(t_newkey_hub)
{
	struct pkt_addr	 a, spent;
	uint32_t	 i;

	/* An address that spent its share long ago, and has not refilled. */
	src_n(&spent, 5);
	for (i = 0; i < BUDGET_NEWKEY_BURST; i++)
		ck_assert_int_eq(budget_newkey(&spent, T0 - 20000), BUDGET_OK);
	/* Every other address has budget left; the hub runs out. */
	for (i = 0; i < BUDGET_NEWKEY_HUB_BURST; i++) {
		src_n(&a, 1000 + i);
		ck_assert_int_eq(budget_newkey(&a, T0), BUDGET_OK);
	}
	src_n(&a, 999);
	ck_assert_int_eq(budget_newkey(&a, T0), BUDGET_HUB);
	/* An address over its own share spends no token of the hub's. */
	ck_assert_int_eq(budget_newkey(&spent, T0 +
	    BUDGET_NEWKEY_HUB_EVERY_MS), BUDGET_ADDR);
	ck_assert_int_eq(budget_newkey(&a, T0 + BUDGET_NEWKEY_HUB_EVERY_MS),
	    BUDGET_OK);
	ck_assert_int_eq(budget_newkey(&a, T0 + BUDGET_NEWKEY_HUB_EVERY_MS),
	    BUDGET_HUB);
}
END_TEST

START_TEST(t_login_key)
{
	struct pkt_addr	 a, b;
	uint8_t		 k[32], k2[32];
	int		 i;

	src_n(&a, 1);
	src_n(&b, 2);
	key_n(k, 1);
	key_n(k2, 2);
	for (i = 0; i < BUDGET_LOGIN_BURST; i++)
		ck_assert_int_eq(budget_login(k, i % 2 ? &a : &b, T0),
		    BUDGET_OK);
	/* From anywhere: the key's budget, not its address's. */
	ck_assert_int_eq(budget_login(k, &a, T0), BUDGET_KEY);
	ck_assert_int_eq(budget_login(k, &b, T0), BUDGET_KEY);
	ck_assert_int_eq(budget_login(k2, &a, T0), BUDGET_OK);
	ck_assert_int_eq(budget_login(k, &a, T0 + BUDGET_LOGIN_EVERY_MS),
	    BUDGET_OK);
	ck_assert_int_eq(budget_login(k, &a, T0 + BUDGET_LOGIN_EVERY_MS),
	    BUDGET_KEY);
}
END_TEST

START_TEST(t_login_addr)
{
	struct pkt_addr	 a, b;
	uint8_t		 k[32];
	uint32_t	 i;

	src_n(&a, 1);
	src_n(&b, 2);
	for (i = 0; i < BUDGET_LOGIN_ADDR_BURST; i++) {
		key_n(k, 100 + i);
		ck_assert_int_eq(budget_login(k, &a, T0), BUDGET_OK);
	}
	key_n(k, 99);
	ck_assert_int_eq(budget_login(k, &a, T0), BUDGET_ADDR);
	/* That refusal spent none of the key's: all 8 are left elsewhere. */
	for (i = 0; i < BUDGET_LOGIN_BURST; i++)
		ck_assert_int_eq(budget_login(k, &b, T0), BUDGET_OK);
	ck_assert_int_eq(budget_login(k, &b, T0), BUDGET_KEY);
	key_n(k, 98);
	ck_assert_int_eq(budget_login(k, &a, T0 +
	    BUDGET_LOGIN_ADDR_EVERY_MS), BUDGET_OK);
	key_n(k, 97);
	ck_assert_int_eq(budget_login(k, &a, T0 +
	    BUDGET_LOGIN_ADDR_EVERY_MS), BUDGET_ADDR);
}
END_TEST

START_TEST(t_hash_key_addr)
{
	struct pkt_addr	 a, b;
	uint8_t		 k[32];
	uint32_t	 i;

	src_n(&a, 1);
	src_n(&b, 2);
	key_n(k, 1);
	for (i = 0; i < BUDGET_HASH_BURST; i++)
		ck_assert_int_eq(budget_hash(k, i % 2 ? &a : &b, T0),
		    BUDGET_OK);
	ck_assert_int_eq(budget_hash(k, &b, T0), BUDGET_KEY);
	ck_assert_int_eq(budget_hash(k, &a, T0 + BUDGET_HASH_EVERY_MS - 1),
	    BUDGET_KEY);
	/* Another address: 8 keys, then none. */
	src_n(&a, 3);
	for (i = 0; i < BUDGET_HASH_BURST; i++) {
		key_n(k, 10 + i);
		ck_assert_int_eq(budget_hash(k, &a, T0 + 5000), BUDGET_OK);
	}
	key_n(k, 9);
	ck_assert_int_eq(budget_hash(k, &a, T0 + 5000), BUDGET_ADDR);
	ck_assert_int_eq(budget_hash(k, &a, T0 + 5000 +
	    BUDGET_HASH_EVERY_MS), BUDGET_OK);
}
END_TEST

START_TEST(t_hash_hub)
{
	struct pkt_addr	 a;
	uint8_t		 k[32];
	uint32_t	 i;

	for (i = 0; i < BUDGET_HASH_HUB_BURST; i++) {
		key_n(k, 100 + i);
		src_n(&a, 100 + i);
		ck_assert_int_eq(budget_hash(k, &a, T0), BUDGET_OK);
	}
	key_n(k, 1);
	src_n(&a, 1);
	ck_assert_int_eq(budget_hash(k, &a, T0), BUDGET_HUB);
	ck_assert_int_eq(budget_hash(k, &a, T0 + BUDGET_HASH_HUB_EVERY_MS -
	    1), BUDGET_HUB);
	ck_assert_int_eq(budget_hash(k, &a, T0 + BUDGET_HASH_HUB_EVERY_MS),
	    BUDGET_OK);
	/* The refusals by the hub cost the key nothing: 7 left of 8. */
	for (i = 1; i < BUDGET_HASH_BURST; i++)
		ck_assert_int_eq(budget_hash(k, &a, T0 + 4000), BUDGET_OK);
	ck_assert_int_eq(budget_hash(k, &a, T0 + 4000), BUDGET_KEY);
}
END_TEST

START_TEST(t_request)
{
	struct pkt_addr	 a, b;
	uint8_t		 k[32];
	uint32_t	 i;

	src_n(&a, 1);
	src_n(&b, 2);
	key_n(k, 1);
	ck_assert_int_eq(budget_request(k, &a, T0), BUDGET_OK);
	/* Asking takes nothing; the charge after the work does. */
	ck_assert_int_eq(budget_request(k, &a, T0), BUDGET_OK);
	budget_request_charge(k, &a, (uint64_t)(BUDGET_REQ_BURST - 2) *
	    BUDGET_REQ_MSGS_PER_UNIT);
	ck_assert_int_eq(budget_request(k, &a, T0), BUDGET_OK);
	budget_request_charge(k, &a, 0);
	ck_assert_int_eq(budget_request(k, &b, T0), BUDGET_KEY);
	ck_assert_int_eq(budget_request(k, &b, T0 + BUDGET_REQ_EVERY_MS),
	    BUDGET_OK);
	/* Four keys spend a's 4096 units; a fifth key has none there. */
	src_n(&a, 3);
	for (i = 0; i < BUDGET_REQ_ADDR_BURST / BUDGET_REQ_BURST; i++) {
		key_n(k, 10 + i);
		ck_assert_int_eq(budget_request(k, &a, T0), BUDGET_OK);
		budget_request_charge(k, &a, (uint64_t)(BUDGET_REQ_BURST -
		    1) * BUDGET_REQ_MSGS_PER_UNIT);
	}
	key_n(k, 9);
	ck_assert_int_eq(budget_request(k, &a, T0), BUDGET_ADDR);
	ck_assert_int_eq(budget_request(k, &b, T0), BUDGET_OK);
	ck_assert_int_eq(budget_request(k, &a, T0 +
	    BUDGET_REQ_ADDR_EVERY_MS), BUDGET_OK);
}
END_TEST

START_TEST(t_candidates)
{
	uint8_t		 k[32], k2[32];
	int		 i;

	key_n(k, 1);
	key_n(k2, 2);
	for (i = 0; i < BUDGET_CAND_BURST; i++)
		ck_assert_int_eq(budget_candidates(k, T0), BUDGET_OK);
	ck_assert_int_eq(budget_candidates(k, T0), BUDGET_KEY);
	ck_assert_int_eq(budget_candidates(k2, T0), BUDGET_OK);
	ck_assert_int_eq(budget_candidates(k, T0 + BUDGET_CAND_EVERY_MS - 1),
	    BUDGET_KEY);
	ck_assert_int_eq(budget_candidates(k, T0 + BUDGET_CAND_EVERY_MS),
	    BUDGET_OK);
}
END_TEST

/*
 * The tables under the budgets grow with the identities they meet, to
 * their most and no further, and a doubling hands no identity a fresh
 * burst: each that had spent its tokens is still refused after it.
 */
#define TBL_BURST	3
#define TBL_EVERY	1000

START_TEST(t_table_grows)
{
	struct bucket_table	 t;
	uint32_t		 i;

	ck_assert_int_eq(bucket_table_init(&t, 3000), -1);	/* not 2^k */
	ck_assert_int_eq(bucket_table_init(&t, 1 << 14), 0);
	ck_assert_uint_eq(t.n, BUCKET_TABLE_FIRST);
	for (i = 0; i < 100; i++)
		ck_assert(bucket_take(bucket_table_find(&t, &i, sizeof(i)),
		    TBL_BURST, TBL_EVERY, T0));
	/* 100 identities: room for 16 times as many, at most twice that. */
	ck_assert_uint_ge(t.n, 100 * BUCKET_TABLE_SPARSE / 2);
	ck_assert_uint_le(t.n, 2 * 100 * BUCKET_TABLE_SPARSE);
	for (i = 100; i < 5000; i++)
		(void)bucket_take(bucket_table_find(&t, &i, sizeof(i)),
		    TBL_BURST, TBL_EVERY, T0);
	ck_assert_uint_eq(t.n, 1 << 14);
	free(t.slot);
}
END_TEST

START_TEST(t_table_inherits)
{
	struct bucket_table	 t;
	struct bucket		*b;
	size_t			 n0;
	uint32_t		 i, id;

	ck_assert_int_eq(bucket_table_init(&t, 1 << 16), 0);
	/* 50 identities spend their burst (two may share a slot). */
	for (id = 0; id < 50; id++) {
		for (i = 0; i <= TBL_BURST; i++)
			if (!bucket_take(bucket_table_find(&t, &id,
			    sizeof(id)), TBL_BURST, TBL_EVERY, T0))
				break;
		ck_assert_uint_le(i, TBL_BURST);
	}
	/* Newcomers make the table double, again and again. */
	n0 = t.n;
	for (id = 1000; id < 4000; id++)
		(void)bucket_take(bucket_table_find(&t, &id, sizeof(id)),
		    TBL_BURST, TBL_EVERY, T0);
	ck_assert_uint_ge(t.n, 8 * n0);
	/* Still spent: no fresh burst came with the room. */
	for (id = 0; id < 50; id++)
		ck_assert(!bucket_take(bucket_table_find(&t, &id, sizeof(id)),
		    TBL_BURST, TBL_EVERY, T0 + TBL_EVERY - 1));
	/* And their tokens come back with time, as before. */
	for (id = 0; id < 50; id++) {
		b = bucket_table_find(&t, &id, sizeof(id));
		bucket_refill(b, TBL_BURST, TBL_EVERY, T0 + TBL_EVERY);
		ck_assert_int_eq(b->tokens, 1);
	}
	free(t.slot);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("budget");
	TCase	*tc = tcase_create("budget");
	SRunner	*sr;
	int	 nf;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, t_handshake);
	tcase_add_test(tc, t_newkey_addr);
	tcase_add_test(tc, t_newkey_hub);
	tcase_add_test(tc, t_login_key);
	tcase_add_test(tc, t_login_addr);
	tcase_add_test(tc, t_hash_key_addr);
	tcase_add_test(tc, t_hash_hub);
	tcase_add_test(tc, t_request);
	tcase_add_test(tc, t_candidates);
	suite_add_tcase(s, tc);
	tc = tcase_create("table");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, t_table_grows);
	tcase_add_test(tc, t_table_inherits);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
