/*
 * The hub cluster's notification payloads (hub/clustermsg.c): every
 * form goes out and comes back the same; anything else that arrives on
 * the channel, truncated, oversized, garbage or almost right, is
 * refused whole and leaves nothing behind.
 */
#include "autoconf.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "hub/clustermsg.h"
#include "proto/hubproto.h"

static void
fill(struct cluster_ev *ev, int type)
{
	size_t	 i;

	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->hub = INT64_MAX;
	for (i = 0; i < sizeof(ev->key); i++)
		ev->key[i] = (uint8_t)(0xf0 + i);
	for (i = 0; i < sizeof(ev->net); i++)
		ev->net[i] = (uint8_t)(i * 17);
}

/* What the parser gives back is what was formatted, field for field. */
static void
roundtrip(const struct cluster_ev *ev)
{
	struct cluster_ev	 back;
	char			 msg[CLUSTER_MSG_MAX];
	size_t			 len;

	len = cluster_msg_format(ev, msg, sizeof(msg));
	ck_assert_uint_gt(len, 0);
	ck_assert_uint_eq(len, strlen(msg));
	ck_assert_int_eq(cluster_msg_parse(&back, msg), 0);
	ck_assert_int_eq(back.type, ev->type);
	ck_assert(back.hub == ev->hub);
	if (ev->type != CLUSTER_NET && ev->type != CLUSTER_NETDEL)
		ck_assert_mem_eq(back.key, ev->key, sizeof(ev->key));
	if (ev->type == CLUSTER_MEMBER || ev->type == CLUSTER_NET ||
	    ev->type == CLUSTER_NETDEL || ev->type == CLUSTER_NETROUTES)
		ck_assert_mem_eq(back.net, ev->net, sizeof(ev->net));
	ck_assert_int_eq(back.graceful, ev->graceful);
	ck_assert_mem_eq(&back.before, &ev->before, sizeof(ev->before));
	ck_assert_mem_eq(&back.after, &ev->after, sizeof(ev->after));
	ck_assert_int_eq(back.ntype, ev->ntype);
	ck_assert_int_eq(back.nflags, ev->nflags);
}

START_TEST(t_roundtrip)
{
	struct cluster_ev	 ev;
	int			 t;

	for (t = CLUSTER_UP; t < CLUSTER_EV_MAX; t++) {
		fill(&ev, t);
		if (t == CLUSTER_DOWN)
			ev.graceful = 1;
		if (t == CLUSTER_MEMBER) {
			ev.before.has = 1;
			ev.before.role = HUB_ROLE_ADMIN;
			ev.after.has = 1;
			ev.after.state = HUB_MSTATE_BANNED;
		}
		if (t == CLUSTER_NETDEL) {
			ev.ntype = HUB_TYPE_GATEWAY;
			ev.nflags = HUB_NET_FLAGS;
		}
		roundtrip(&ev);
		ev.hub = 1;
		roundtrip(&ev);
	}
	fill(&ev, CLUSTER_MEMBER);	/* no row either side */
	roundtrip(&ev);
}
END_TEST

START_TEST(t_format_refuses)
{
	struct cluster_ev	 ev;
	char			 msg[CLUSTER_MSG_MAX];

	fill(&ev, 0);
	ck_assert_uint_eq(cluster_msg_format(&ev, msg, sizeof(msg)), 0);
	fill(&ev, CLUSTER_EV_MAX);
	ck_assert_uint_eq(cluster_msg_format(&ev, msg, sizeof(msg)), 0);
	fill(&ev, CLUSTER_UP);
	ev.hub = 0;
	ck_assert_uint_eq(cluster_msg_format(&ev, msg, sizeof(msg)), 0);
	fill(&ev, CLUSTER_MEMBER);
	ev.after.has = 1;
	ev.after.state = HUB_MSTATE_MAX;
	ck_assert_uint_eq(cluster_msg_format(&ev, msg, sizeof(msg)), 0);
	fill(&ev, CLUSTER_NETDEL);
	ev.nflags = 0x80;
	ck_assert_uint_eq(cluster_msg_format(&ev, msg, sizeof(msg)), 0);
	/* Too little room: nothing written, 0. */
	fill(&ev, CLUSTER_UP);
	memset(msg, 'x', sizeof(msg));
	ck_assert_uint_eq(cluster_msg_format(&ev, msg, 20), 0);
	ck_assert_int_eq(msg[0], 'x');
}
END_TEST

#define K64	"00112233445566778899aabbccddeeff" \
		"00112233445566778899aabbccddeeff"
#define N32	"0123456789abcdef0123456789abcdef"

static const char *const good[] = {
	"up 1 " K64,
	"down 9223372036854775807 " K64 " 0",
	"paths 42 " K64,
	"member 7 " N32 " " K64 " - 20",
	"net 7 " N32,
	"netdel 7 " N32 " 2 3",
	"routes 3 " K64,
	"netroutes 3 " N32 " " K64,
	"names 3 " K64,
};

static const char *const bad[] = {
	"",
	" ",
	"up",
	"up ",
	"up 1",
	"up 1 ",
	"UP 1 " K64,
	"upx 1 " K64,
	"up 0 " K64,			/* no hub 0 */
	"up 01 " K64,			/* a leading zero */
	"up -1 " K64,
	"up +1 " K64,
	"up 9223372036854775808 " K64,	/* past INT64_MAX */
	"up 99999999999999999999 " K64,
	"up 1 " K64 " ",			/* trailing space */
	"up 1 " K64 " x",
	"up 1  " K64,			/* two spaces */
	"up 1 00112233445566778899AABBCCDDEEFF"
	    "00112233445566778899aabbccddeeff",	/* upper case */
	"up 1 00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeef",	/* a digit short */
	"up 1 00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff0",	/* a digit long */
	"up 1 0g112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff",
	"down 1 " K64,
	"down 1 " K64 " 2",
	"down 1 " K64 " 00",
	"paths 1 " N32,
	"member 7 " N32 " " K64 " -",
	"member 7 " N32 " " K64 " - 30",	/* state 3 */
	"member 7 " N32 " " K64 " - 03",	/* role 3 */
	"member 7 " N32 " " K64 " 0 00",
	"member 7 " N32 " " K64 " -- 00",
	"member 7 " K64 " " N32 " - 00",	/* fields swapped */
	"net 7 " K64,
	"netdel 7 " N32 " 3 0",		/* no type 3 */
	"netdel 7 " N32 " 0 4",		/* no flag 4 */
	"netdel 7 " N32 " 0",
	"routes 3 " N32,
	"netroutes 3 " K64 " " N32,
	"netroutes 3 " N32,
	"names 3",
	"names 3 " K64 " 1",
};

START_TEST(t_parse)
{
	struct cluster_ev	 ev, zero;
	size_t			 i;

	memset(&zero, 0, sizeof(zero));
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(cluster_msg_parse(&ev, good[i]) == 0, "%s",
		    good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&ev, 0xa5, sizeof(ev));
		ck_assert_msg(cluster_msg_parse(&ev, bad[i]) == -1, "%s",
		    bad[i]);
		ck_assert_mem_eq(&ev, &zero, sizeof(ev));
	}
}
END_TEST

/* Every prefix of every good payload, and a payload past the limit. */
START_TEST(t_truncated)
{
	struct cluster_ev	 ev;
	char			 buf[CLUSTER_MSG_MAX * 2];
	size_t			 i, n;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		for (n = 0; n < strlen(good[i]); n++) {
			memcpy(buf, good[i], n);
			buf[n] = '\0';
			ck_assert_msg(cluster_msg_parse(&ev, buf) == -1, "%s",
			    buf);
		}
	memset(buf, '1', sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	memcpy(buf, "up ", 3);
	ck_assert_int_eq(cluster_msg_parse(&ev, buf), -1);
}
END_TEST

static Suite *
clustermsg_suite(void)
{
	Suite	*s = suite_create("clustermsg");
	TCase	*tc = tcase_create("clustermsg");

	tcase_add_test(tc, t_roundtrip);
	tcase_add_test(tc, t_format_refuses);
	tcase_add_test(tc, t_parse);
	tcase_add_test(tc, t_truncated);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(clustermsg_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
