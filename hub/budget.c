/* The authority's budgets; see budget.h. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "hub/budget.h"
#include "hub/ratelimit.h"

/* The most room, for the keys and addresses of a large hub. */
#define KEY_SLOTS	(1 << 17)
#define ADDR_SLOTS	(1 << 16)
/* Password hashes are few: a small table will do. */
#define HASH_SLOTS	1024

static struct {
	struct bucket_table	 handshakes;	/* per source */
	struct bucket_table	 newkeys;	/* per source */
	struct bucket		 newkeys_hub;
	struct bucket_table	 login_keys, login_addrs;
	struct bucket_table	 hash_keys, hash_addrs;
	struct bucket		 hash_hub;
	struct bucket_table	 req_keys, req_addrs;
	struct bucket_table	 cand_keys;
} bg;

/* The hub-wide budgets' bursts and intervals (a test hook may lower them). */
static int	 newkey_hub_burst = BUDGET_NEWKEY_HUB_BURST;
static int64_t	 newkey_hub_every = BUDGET_NEWKEY_HUB_EVERY_MS;
static int	 hash_hub_burst = BUDGET_HASH_HUB_BURST;
static int64_t	 hash_hub_every = BUDGET_HASH_HUB_EVERY_MS;

#ifdef HAMD_TEST_HOOKS
/*
 * Test hook: HAMD_TEST_HUB_BUDGET=small gives the hub-wide budgets a
 * burst of 16 new keys and of 4 password checks, refilled only after
 * ten minutes, so a namespace test reaches them whatever the machine's
 * load (tests/netns/hubbudget.sh).  1 if it is set.
 */
int
budget_test_small(void)
{
	const char	*s = getenv("HAMD_TEST_HUB_BUDGET");

	if (s == NULL || strcmp(s, "small") != 0)
		return 0;
	newkey_hub_burst = 16;
	hash_hub_burst = 4;
	newkey_hub_every = hash_hub_every = 600000;
	return 1;
}
#endif

int
budget_init(void)
{
	memset(&bg, 0, sizeof(bg));
	if (bucket_table_init(&bg.handshakes, ADDR_SLOTS) == -1 ||
	    bucket_table_init(&bg.newkeys, ADDR_SLOTS) == -1 ||
	    bucket_table_init(&bg.login_keys, KEY_SLOTS) == -1 ||
	    bucket_table_init(&bg.login_addrs, ADDR_SLOTS) == -1 ||
	    bucket_table_init(&bg.hash_keys, HASH_SLOTS) == -1 ||
	    bucket_table_init(&bg.hash_addrs, HASH_SLOTS) == -1 ||
	    bucket_table_init(&bg.req_keys, KEY_SLOTS) == -1 ||
	    bucket_table_init(&bg.req_addrs, ADDR_SLOTS) == -1 ||
	    bucket_table_init(&bg.cand_keys, KEY_SLOTS) == -1)
		return -1;
	return 0;
}

static struct bucket *
by_key(struct bucket_table *t, const uint8_t key[32])
{
	return bucket_table_find(t, key, 32);
}

static struct bucket *
by_src(struct bucket_table *t, const struct pkt_addr *src)
{
	uint8_t	 k[SRC_KEY_LEN];

	src_key(src, k);
	return bucket_table_find(t, k, sizeof(k));
}

enum budget_verdict
budget_handshake(const struct pkt_addr *src, int64_t now)
{
	return bucket_take(by_src(&bg.handshakes, src),
	    BUDGET_HANDSHAKE_BURST, BUDGET_HANDSHAKE_EVERY_MS, now) ?
	    BUDGET_OK : BUDGET_ADDR;
}

enum budget_verdict
budget_newkey(const struct pkt_addr *src, int64_t now)
{
	struct bucket	*a = by_src(&bg.newkeys, src);

	if (bucket_take_both(a, BUDGET_NEWKEY_BURST, BUDGET_NEWKEY_EVERY_MS,
	    &bg.newkeys_hub, newkey_hub_burst, newkey_hub_every, now))
		return BUDGET_OK;
	return a->tokens <= 0 ? BUDGET_ADDR : BUDGET_HUB;
}

enum budget_verdict
budget_login(const uint8_t key[32], const struct pkt_addr *src, int64_t now)
{
	struct bucket	*k = by_key(&bg.login_keys, key);

	if (bucket_take_both(k, BUDGET_LOGIN_BURST, BUDGET_LOGIN_EVERY_MS,
	    by_src(&bg.login_addrs, src), BUDGET_LOGIN_ADDR_BURST,
	    BUDGET_LOGIN_ADDR_EVERY_MS, now))
		return BUDGET_OK;
	return k->tokens <= 0 ? BUDGET_KEY : BUDGET_ADDR;
}

enum budget_verdict
budget_hash(const uint8_t key[32], const struct pkt_addr *src, int64_t now)
{
	struct bucket	*k = by_key(&bg.hash_keys, key);
	struct bucket	*a = by_src(&bg.hash_addrs, src);

	bucket_refill(k, BUDGET_HASH_BURST, BUDGET_HASH_EVERY_MS, now);
	bucket_refill(a, BUDGET_HASH_BURST, BUDGET_HASH_EVERY_MS, now);
	if (k->tokens <= 0)
		return BUDGET_KEY;
	if (a->tokens <= 0)
		return BUDGET_ADDR;
	if (!bucket_take(&bg.hash_hub, hash_hub_burst, hash_hub_every, now))
		return BUDGET_HUB;
	k->tokens--;
	a->tokens--;
	return BUDGET_OK;
}

enum budget_verdict
budget_request(const uint8_t key[32], const struct pkt_addr *src,
    int64_t now)
{
	struct bucket	*k = by_key(&bg.req_keys, key);
	struct bucket	*a = by_src(&bg.req_addrs, src);

	bucket_refill(k, BUDGET_REQ_BURST, BUDGET_REQ_EVERY_MS, now);
	bucket_refill(a, BUDGET_REQ_ADDR_BURST, BUDGET_REQ_ADDR_EVERY_MS,
	    now);
	if (k->tokens <= 0)
		return BUDGET_KEY;
	return a->tokens <= 0 ? BUDGET_ADDR : BUDGET_OK;
}

void
budget_request_charge(const uint8_t key[32], const struct pkt_addr *src,
    uint64_t sent)
{
	uint64_t	 units = 1 + sent / BUDGET_REQ_MSGS_PER_UNIT;
	int		 n = units > (1 << 20) ? 1 << 20 : (int)units;

	bucket_charge(by_key(&bg.req_keys, key), n);
	bucket_charge(by_src(&bg.req_addrs, src), n);
}

enum budget_verdict
budget_candidates(const uint8_t key[32], int64_t now)
{
	return bucket_take(by_key(&bg.cand_keys, key), BUDGET_CAND_BURST,
	    BUDGET_CAND_EVERY_MS, now) ? BUDGET_OK : BUDGET_KEY;
}
