/*
 * hamhubd.conf parser: every statement, its default and its limits,
 * the messages and their file:line, include and macros, the checks made
 * once the whole file is read, and hostile input (truncation, garbage,
 * oversize, NUL).  Files go to a mkdtemp(3) directory that each test
 * removes; log lines are caught with a sink.
 */
#include "autoconf.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <check.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "privsep/conflex.h"
#include "hub/hubconfig.h"
#include "privsep/log.h"

#ifndef TOP_SRCDIR
#define TOP_SRCDIR "."
#endif

/* Every statement; line numbers matter to the tests below. */
static const char full_conf[] =
    "# a full hamhubd.conf\n"					/* 1 */
    "user \"hubuser\"\n"
    "chroot \"/var/empty/hamhub\"\n"
    "state-directory \"/var/lib/hubtest\"\n"
    "socket \"/run/hubtest/hamhubd.sock\"\n"			/* 5 */
    "admin-group \"wheel\"\n"
    "read-access all\n"
    "log verbose\n"
    "private-key \"/etc/hamhubd/hub.key\"\n"
    "listen on 192.0.2.1 port 7000\n"				/* 10 */
    "listen on \"2001:db8::1\"\n"
    "listen on [2001:db8::2] port 7001\n"
    "listen on * port 443\n"
    "address-pool 10.99.0.0/16\n"
    "address-pool fd12:3456:789a::/48\n"			/* 15 */
    "max-connections 100\n"
    "max-connections-per-address 4\n"
    "login-timeout 30\n";

#define CONFTEST_FILE		"hamhubd.conf"
#define CONFTEST_DIR		"check_hubparse"
#define CONFTEST_TYPE		struct hubd_config
#define CONFTEST_PARSE(path)	hubd_parse_config((path), NULL)
#include "tests/unit/conftest.h"

/* Log lines that are errors, not warnings. */
static int
nerrors(void)
{
	int	 i, n = 0;

	for (i = 0; i < nlogs; i++)
		if (strstr(logs[i], ": warning: ") == NULL)
			n++;
	return n;
}

static struct hubd_config *
parses(const char *text)
{
	struct hubd_config	*c = parse_text(text);

	if (c == NULL || nlogs != 0) {
		fprintf(stderr, "expected to parse:\n%s\n", text);
		dump_logs();
	}
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(nlogs, 0);
	return c;
}

/* text parses, with one warning at line that says msg. */
static struct hubd_config *
warns_at(const char *text, int line, const char *msg)
{
	struct hubd_config	*c = parse_text(text);
	int			 ok;

	ok = c != NULL && nlogs == 1 &&
	    logged_at("hamhubd.conf", line, "warning: ") &&
	    logged_at("hamhubd.conf", line, msg);
	if (!ok) {
		fprintf(stderr, "expected a warning at %d: ...%s... for:\n%s\n",
		    line, msg, text);
		dump_logs();
	}
	ck_assert_ptr_nonnull(c);
	ck_assert_msg(ok, "no warning \"%s\" at line %d", msg, line);
	return c;
}

/* A growing string for the generated configs. */
struct sbuf {
	char	*s;
	size_t	 len, cap;
};

static void __attribute__((format(printf, 2, 3)))
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (b->s == NULL) {
		b->cap = 256;
		b->len = 0;
		ck_assert_ptr_nonnull(b->s = malloc(b->cap));
	}
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		ck_assert_int_ge(n, 0);
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		b->cap = b->cap * 2 + (size_t)n + 64;
		ck_assert_ptr_nonnull(b->s = realloc(b->s, b->cap));
	}
}

static char *
repeat(int c, size_t n)
{
	char	*s;

	ck_assert_ptr_nonnull(s = malloc(n + 1));
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static const char *
pfx(const struct ip_prefix *p)
{
	static char	 bufs[4][PREFIX_STRLEN];
	static int	 n;

	return prefix_str(p, bufs[n++ % 4], PREFIX_STRLEN);
}

static const char *
lis(const struct hubd_listen *l)
{
	static char	 bufs[4][HUBD_LISTEN_STRLEN];
	static int	 n;

	return hubd_listen_str(l, bufs[n++ % 4], HUBD_LISTEN_STRLEN);
}

/* ---- statements and defaults ---- */

START_TEST(t_defaults)
{
	struct hubd_config	*c, *d;
	char			 buf[PATH_MAX];

	ck_assert_ptr_nonnull(d = hubd_config_new_default());
	ck_assert_str_eq(d->user, HUBD_USER);
	ck_assert_str_eq(d->chroot_dir, HUBD_STATEDIR "/empty");
	ck_assert_str_eq(d->state_dir, HUBD_STATEDIR);
	ck_assert_str_eq(d->socket_path, HAMD_RUNDIR "/hamhubd.sock");
	ck_assert_str_eq(d->admin_group, "");
	ck_assert_int_eq(d->read_access, READ_ACCESS_ADMINS);
	ck_assert_int_eq(d->verbose, 0);
	ck_assert_str_eq(d->private_key_file, "");
	ck_assert_str_eq(hubd_private_key_path(d, buf, sizeof(buf)),
	    HUBD_STATEDIR "/hub.key");
	ck_assert_ptr_null(hubd_private_key_path(d, buf, 5));
	ck_assert_int_eq(d->nlisten, 2);
	ck_assert_str_eq(lis(&d->listen[0]), "0.0.0.0:7777");
	ck_assert_uint_eq(d->listen[0].len, sizeof(struct sockaddr_in));
	ck_assert_str_eq(lis(&d->listen[1]), "[::]:7777");
	ck_assert_uint_eq(d->listen[1].len, sizeof(struct sockaddr_in6));
	ck_assert_int_eq(d->pool4.af, AF_INET);
	ck_assert_str_eq(pfx(&d->pool4), "100.64.0.0/10");
	ck_assert_int_eq(d->pool6.af, 0);
	ck_assert_uint_eq(d->pool6.plen, 0);
	ck_assert_uint_eq(d->max_conns, 4096);
	ck_assert_uint_eq(d->max_per_addr, 16);
	ck_assert_uint_eq(d->login_timeout, 10);
	ck_assert_uint_eq(d->node_expiry, 30 * 86400);
	ck_assert_uint_eq(d->engines, 0);	/* one per CPU */
	ck_assert_uint_ge(hubd_engines(d), 1);
	ck_assert_uint_le(hubd_engines(d), HUBD_CONF_ENGINES_MAX);

	/* An empty file and a file of comments give the same. */
	c = parses("");
	ck_assert_int_eq(memcmp(c, d, sizeof(*c)), 0);
	hubd_config_free(c);
	c = parses("# nothing\n\n   # at all \\\n\t\n");
	ck_assert_int_eq(memcmp(c, d, sizeof(*c)), 0);
	hubd_config_free(c);
	hubd_config_free(d);
	hubd_config_free(NULL);
}
END_TEST

START_TEST(t_full)
{
	struct hubd_config	*c = parses(full_conf);
	char			 buf[PATH_MAX];

	ck_assert_str_eq(c->user, "hubuser");
	ck_assert_str_eq(c->chroot_dir, "/var/empty/hamhub");
	ck_assert_str_eq(c->state_dir, "/var/lib/hubtest");
	ck_assert_str_eq(c->socket_path, "/run/hubtest/hamhubd.sock");
	ck_assert_str_eq(c->admin_group, "wheel");
	ck_assert_int_eq(c->read_access, READ_ACCESS_ALL);
	ck_assert_int_eq(c->verbose, 1);
	ck_assert_str_eq(c->private_key_file, "/etc/hamhubd/hub.key");
	ck_assert_str_eq(hubd_private_key_path(c, buf, sizeof(buf)),
	    "/etc/hamhubd/hub.key");
	ck_assert_int_eq(c->nlisten, 5);
	ck_assert_str_eq(lis(&c->listen[0]), "192.0.2.1:7000");
	ck_assert_str_eq(lis(&c->listen[1]), "[2001:db8::1]:7777");
	ck_assert_str_eq(lis(&c->listen[2]), "[2001:db8::2]:7001");
	ck_assert_str_eq(lis(&c->listen[3]), "0.0.0.0:443");
	ck_assert_str_eq(lis(&c->listen[4]), "[::]:443");
	ck_assert_str_eq(pfx(&c->pool4), "10.99.0.0/16");
	ck_assert_int_eq(c->pool6.af, AF_INET6);
	ck_assert_str_eq(pfx(&c->pool6), "fd12:3456:789a::/48");
	ck_assert_uint_eq(c->max_conns, 100);
	ck_assert_uint_eq(c->max_per_addr, 4);
	ck_assert_uint_eq(c->login_timeout, 30);
	hubd_config_free(c);
}
END_TEST

START_TEST(t_choices)
{
	struct hubd_config	*c;

	c = parses("read-access admins\nlog brief\n");
	ck_assert_int_eq(c->read_access, READ_ACCESS_ADMINS);
	ck_assert_int_eq(c->verbose, 0);
	hubd_config_free(c);
	c = parses("read-access all\nlog verbose\n");
	ck_assert_int_eq(c->read_access, READ_ACCESS_ALL);
	ck_assert_int_eq(c->verbose, 1);
	hubd_config_free(c);
	fails_at("\nread-access everyone\n", 2,
	    "unexpected string \"everyone\", expecting admins or all");
	fails_at("log loud\n", 1, "expecting brief or verbose");
	fails_at("log\n", 1, "unexpected end of line, expecting brief or "
	    "verbose");
}
END_TEST

/*
 * database: SQLite by default; PostgreSQL with a connection string the
 * authority can use from its chroot, and a password only from a file.
 */
START_TEST(t_database)
{
	struct hubd_config	*c;

	c = parses("log brief\n");
	ck_assert_int_eq(c->db_type, HUBD_DB_SQLITE);
	hubd_config_free(c);
	c = parses("database sqlite\n");
	ck_assert_int_eq(c->db_type, HUBD_DB_SQLITE);
	hubd_config_free(c);
	c = parses("database postgresql \"host=db1.example.org,10.0.0.2 "
	    "dbname=hub user=hub\" password-file \"/etc/hamd/pgpass\"\n");
	ck_assert_int_eq(c->db_type, HUBD_DB_POSTGRESQL);
	ck_assert_str_eq(c->db_conninfo, "host=db1.example.org,10.0.0.2 "
	    "dbname=hub user=hub");
	ck_assert_str_eq(c->db_password_file, "/etc/hamd/pgpass");
	hubd_config_free(c);
	c = parses("database postgresql \"host=@pgsock dbname=hub\"\n");
	ck_assert_str_eq(c->db_password_file, "");
	hubd_config_free(c);
	fails_at("database postgresql \"host=h password=sekrit\"\n", 1,
	    "no password in the connection string: give password-file");
	fails_at("database postgresql \"host=h passfile=/root/.pgpass\"\n", 1,
	    "no passfile");
	fails_at("database postgresql \"host=/var/run/postgresql\"\n", 1,
	    "a socket directory cannot be reached");
	fails_at("database postgresql \"host=h,/tmp\"\n", 1,
	    "a socket directory cannot be reached");
	fails_at("database postgresql \"dbname=hub\"\n", 1,
	    "no host in the connection string");
	fails_at("database postgresql \"host='h\"\n", 1,
	    "bad connection string");
	fails_at("database postgresql \"host=h\" password-file \"rel\"\n",
	    1, "absolute");
	fails_at("database mysql\n", 1, "expecting postgresql or sqlite");
	fails_at("database sqlite\ndatabase sqlite\n", 2, "database");
}
END_TEST

START_TEST(t_layout)
{
	struct hubd_config	*c;

	/* No newline at the end, CR LF lines, continuation, comments. */
	c = parses("login-timeout 20");
	ck_assert_uint_eq(c->login_timeout, 20);
	hubd_config_free(c);
	c = parses("login-timeout 20\r\nlisten on ::1\r\n");
	ck_assert_uint_eq(c->login_timeout, 20);
	ck_assert_str_eq(lis(&c->listen[0]), "[::1]:7777");
	hubd_config_free(c);
	c = parses("listen \\\n on \\\n 127.0.0.1 # comment \\\n"
	    "chroot \"/a#b\"\n");
	ck_assert_int_eq(c->nlisten, 1);
	ck_assert_str_eq(c->chroot_dir, "/a#b");
	hubd_config_free(c);
	c = parses("chroot \"/q\\\"\\\\\"\n");
	ck_assert_str_eq(c->chroot_dir, "/q\"\\");
	hubd_config_free(c);
	/* Line numbers count continued lines. */
	fails_at("login-timeout \\\n20\nlogin-timeout 1\n", 3,
	    "login-timeout given twice");
	fails_at("# x \\\nlogin-timeout 0\n", 2, "login-timeout 0 out of "
	    "range");
}
END_TEST

/* ---- listen ---- */

START_TEST(t_listen)
{
	struct hubd_config	*c;

	c = parses("listen on 127.0.0.1\n");
	ck_assert_int_eq(c->nlisten, 1);
	ck_assert_str_eq(lis(&c->listen[0]), "127.0.0.1:7777");
	hubd_config_free(c);
	c = parses("listen on 0.0.0.0 port 1\nlisten on :: port 65535\n"
	    "listen on [fd00::1] port 2\nlisten on \"*\" port 3\n");
	ck_assert_int_eq(c->nlisten, 5);
	ck_assert_str_eq(lis(&c->listen[0]), "0.0.0.0:1");
	ck_assert_str_eq(lis(&c->listen[1]), "[::]:65535");
	ck_assert_str_eq(lis(&c->listen[2]), "[fd00::1]:2");
	ck_assert_str_eq(lis(&c->listen[3]), "0.0.0.0:3");
	ck_assert_str_eq(lis(&c->listen[4]), "[::]:3");
	hubd_config_free(c);
	/* The same address on other ports, other addresses on one port. */
	c = parses("listen on 192.0.2.1 port 1\nlisten on 192.0.2.1 port 2\n"
	    "listen on 192.0.2.2 port 1\nlisten on :: port 1\n");
	ck_assert_int_eq(c->nlisten, 4);
	hubd_config_free(c);
	c = parses("a = \"127.0.0.1 port 99\"\nlisten on $a\n");
	ck_assert_str_eq(lis(&c->listen[0]), "127.0.0.1:99");
	hubd_config_free(c);

	fails_at("listen on 127.0.0.1 port 0\n", 1, "port 0 out of range: "
	    "expected 1-65535");
	fails_at("listen on 127.0.0.1 port 65536\n", 1, "port 65536 out of "
	    "range: expected 1-65535");
	fails_at("listen on 127.0.0.1 port -1\n", 1, "port -1 out of range");
	fails_at("listen on 127.0.0.1 port\n", 1, "unexpected end of line, "
	    "expecting number");
	fails_at("listen on 127.0.0.1 port \"80\"\n", 1, "unexpected string "
	    "\"80\", expecting number");
	fails_at("listen on 127.0.0.1 7777\n", 1, "listen on 127.0.0.1 7777: "
	    "expected port before the number");
	fails_at("listen on\n", 1, "unexpected end of line, expecting string");
	fails_at("listen\n", 1, "unexpected end of line, expecting on");
	fails_at("listen 127.0.0.1\n", 1, "unexpected string \"127.0.0.1\", "
	    "expecting on");
	fails_at("listen on hub.example.org\n", 1, "listen on: invalid "
	    "address hub.example.org: expected a numeric IPv4 or IPv6 "
	    "address, or * for all");
	fails_at("listen on 127.0.0.256\n", 1, "invalid address");
	fails_at("listen on []\n", 1, "invalid address");
	fails_at("listen on [127.0.0.1\n", 1, "invalid address");
	fails_at("listen on **\n", 1, "invalid address");
	fails_at("listen on fe80::1%eth0\n", 1, "scoped address fe80::1%eth0");
	fails_at("listen on 224.0.0.1\n", 1, "224.0.0.1 is not a unicast "
	    "address");
	fails_at("listen on 255.255.255.255\n", 1, "not a unicast address");
	fails_at("listen on ff02::1\n", 1, "not a unicast address");
	fails_at("listen on ::ffff:127.0.0.1\n", 1, "is an IPv4-mapped "
	    "address: expected the IPv4 address itself");

	/* Duplicates and overlaps on one port. */
	fails_at("listen on 127.0.0.1\n\nlisten on 127.0.0.1 port 7777\n", 3,
	    "listen on 127.0.0.1 port 7777 given twice (also on line 1)");
	fails_at("listen on ::1\nlisten on [::1]\n", 2, "given twice");
	fails_at("listen on *\nlisten on *\n", 2, "listen on * port 7777 "
	    "given twice (also on line 1)");
	fails_at("listen on *\nlisten on 0.0.0.0\n", 2, "given twice");
	fails_at("listen on * port 5\nlisten on 127.0.0.1 port 5\n", 2,
	    "listen on 127.0.0.1 port 5 overlaps the one on line 1: a "
	    "wildcard address takes every IPv4 address on its port");
	fails_at("listen on ::1\nlisten on *\n", 2, "listen on * port 7777 "
	    "overlaps the one on line 1: a wildcard address takes every "
	    "IPv6 address");
	/* The wildcard of one family does not cover the other. */
	c = parses("listen on 0.0.0.0\nlisten on ::1\n");
	ck_assert_int_eq(c->nlisten, 2);
	hubd_config_free(c);
}
END_TEST

START_TEST(t_listen_many)
{
	struct hubd_config	*c;
	struct sbuf		 b = { NULL, 0, 0 };
	int			 i;

	/* HUBD_MAX_LISTEN fit, one more does not; said once. */
	for (i = 0; i < HUBD_MAX_LISTEN; i++)
		sb_printf(&b, "listen on 127.0.0.%d\n", i + 1);
	c = parses(b.s);
	ck_assert_int_eq(c->nlisten, HUBD_MAX_LISTEN);
	hubd_config_free(c);
	sb_printf(&b, "listen on 10.0.0.1\nlisten on 10.0.0.2\n");
	fails_at(b.s, HUBD_MAX_LISTEN + 1, "too many listen addresses: at "
	    "most 8, where * counts as two");
	ck_assert_int_eq(nlogs, 1);

	/* "*" is two: four fit, a fifth does not. */
	b.len = 0;
	for (i = 0; i < 4; i++)
		sb_printf(&b, "listen on * port %d\n", 100 + i);
	c = parses(b.s);
	ck_assert_int_eq(c->nlisten, 8);
	hubd_config_free(c);
	sb_printf(&b, "listen on * port 200\n");
	fails_at(b.s, 5, "too many listen addresses");
	/* Seven and a "*" do not fit either. */
	b.len = 0;
	for (i = 0; i < 7; i++)
		sb_printf(&b, "listen on 127.0.0.%d\n", i + 1);
	sb_printf(&b, "listen on * port 1\n");
	fails_at(b.s, 8, "too many listen addresses");
	free(b.s);
}
END_TEST

/* ---- address pools ---- */

START_TEST(t_pool)
{
	struct hubd_config	*c;

	c = parses("address-pool 10.0.0.0/8\n");
	ck_assert_str_eq(pfx(&c->pool4), "10.0.0.0/8");
	ck_assert_int_eq(c->pool6.af, 0);
	hubd_config_free(c);
	c = parses("address-pool 192.168.7.4/30\naddress-pool fd00::/96\n");
	ck_assert_str_eq(pfx(&c->pool4), "192.168.7.4/30");
	ck_assert_str_eq(pfx(&c->pool6), "fd00::/96");
	hubd_config_free(c);
	c = parses("address-pool \"fdff:1:2::/48\"\naddress-pool "
	    "172.31.0.0/16\n");
	ck_assert_str_eq(pfx(&c->pool6), "fdff:1:2::/48");
	ck_assert_str_eq(pfx(&c->pool4), "172.31.0.0/16");
	hubd_config_free(c);
	fails_at("address-pool 172.31.0.0/16\naddress-pool 100.64.0.0/24\n",
	    2, "address-pool for IPv4 given twice");

	/* Sizes. */
	fails_at("address-pool 10.0.0.0/7\n", 1, "address-pool 10.0.0.0/7 is "
	    "too large: expected a prefix length of 8-30 for IPv4");
	fails_at("address-pool 10.0.0.0/31\n", 1, "address-pool 10.0.0.0/31 "
	    "is too small: expected a prefix length of 8-30 for IPv4");
	fails_at("address-pool 10.0.0.1\n", 1, "10.0.0.1/32 is too small");
	fails_at("address-pool fd00::/47\n", 1, "address-pool fd00::/47 is "
	    "too large: expected a prefix length of 48-96 for IPv6");
	fails_at("address-pool fd00::/97\n", 1, "fd00::/97 is too small");
	fails_at("address-pool 0.0.0.0/0\n", 1, "too large");

	/* Syntax. */
	fails_at("address-pool 10.0.0.1/8\n", 1, "address-pool: host bits set "
	    "in 10.0.0.1/8: expected the network address 10.0.0.0/8");
	fails_at("address-pool 10.0.0/8\n", 1, "address-pool: invalid address "
	    "10.0.0/8: expected a.b.c.d/len or x:x::x/len");
	fails_at("address-pool 10.0.0.0/33\n", 1, "prefix length 33 out of "
	    "range");
	fails_at("address-pool\n", 1, "unexpected end of line, expecting "
	    "string");
	fails_at("address-pool 10.0.0.0/8, 10.1.0.0/16\n", 1,
	    "unexpected character ','");

	/* Space nodes cannot use. */
	fails_at("address-pool 127.0.0.0/8\n", 1, "address-pool 127.0.0.0/8 "
	    "overlaps 127.0.0.0/8, which nodes cannot use: expected unicast "
	    "space such as 100.64.0.0/10");
	fails_at("address-pool 0.0.0.0/8\n", 1, "overlaps 0.0.0.0/8");
	fails_at("address-pool 169.254.0.0/24\n", 1, "overlaps 169.254.0.0/16");
	fails_at("address-pool 224.0.0.0/8\n", 1, "overlaps 224.0.0.0/3");
	fails_at("address-pool 240.0.0.0/8\n", 1, "overlaps 224.0.0.0/3");
	fails_at("address-pool ::ffff:0:0/96\n", 1, "overlaps ::/8");
	fails_at("address-pool fe80::/64\n", 1, "overlaps fe80::/10");
	fails_at("address-pool ff05::/48\n", 1, "overlaps ff00::/8");

	/* Public space: refused, since nodes refuse it too. */
	fails_at("address-pool 1.0.0.0/8\n", 1, "address-pool 1.0.0.0/8 "
	    "is not private address space (RFC 1918 or RFC 6598)");
	fails_at("\naddress-pool 100.0.0.0/9\n", 2, "not private");
	fails_at("address-pool 172.0.0.0/11\n", 1, "not private");
	fails_at("address-pool 2001:db8::/48\n", 1, "address-pool "
	    "2001:db8::/48 is not a unique local prefix (fc00::/7)");
	(void)c;
	(void)warns_at;
}
END_TEST

/* ---- limits ---- */

START_TEST(t_limits)
{
	static const struct {
		const char	*kw;
		int64_t		 max;
		size_t		 off;
	} lim[] = {
		{ "max-connections", 1000000,
		    offsetof(struct hubd_config, max_conns) },
		{ "max-connections-per-address", 65535,
		    offsetof(struct hubd_config, max_per_addr) },
		{ "login-timeout", 300,
		    offsetof(struct hubd_config, login_timeout) },
		{ "node-expiry", 315360000,
		    offsetof(struct hubd_config, node_expiry) },
		{ "engines", 16, offsetof(struct hubd_config, engines) },
	};
	struct hubd_config	*c;
	char			 t[256], m[256];
	size_t			 i;

	for (i = 0; i < nitems(lim); i++) {
		(void)snprintf(t, sizeof(t), "%s 1\n", lim[i].kw);
		c = parses(t);
		ck_assert_uint_eq(*(uint32_t *)((char *)c + lim[i].off), 1);
		hubd_config_free(c);
		(void)snprintf(t, sizeof(t), "%s %lld\n", lim[i].kw,
		    (long long)lim[i].max);
		c = parses(t);
		ck_assert_uint_eq(*(uint32_t *)((char *)c + lim[i].off),
		    lim[i].max);
		hubd_config_free(c);
		(void)snprintf(t, sizeof(t), "\n%s 0\n", lim[i].kw);
		(void)snprintf(m, sizeof(m), "%s 0 out of range: expected "
		    "1-%lld", lim[i].kw, (long long)lim[i].max);
		fails_at(t, 2, m);
		(void)snprintf(t, sizeof(t), "%s %lld\n", lim[i].kw,
		    (long long)lim[i].max + 1);
		(void)snprintf(m, sizeof(m), "%s %lld out of range",
		    lim[i].kw, (long long)lim[i].max + 1);
		fails_at(t, 1, m);
		(void)snprintf(t, sizeof(t), "%s -5\n", lim[i].kw);
		fails_at(t, 1, "-5 out of range");
		(void)snprintf(t, sizeof(t), "%s \"10\"\n", lim[i].kw);
		fails_at(t, 1, "unexpected string \"10\", expecting number");
		(void)snprintf(t, sizeof(t), "%s\n", lim[i].kw);
		fails_at(t, 1, "unexpected end of line, expecting number");
		(void)snprintf(t, sizeof(t), "%s 5\n%s 6\n", lim[i].kw,
		    lim[i].kw);
		(void)snprintf(m, sizeof(m), "%s given twice", lim[i].kw);
		fails_at(t, 2, m);
	}
	fails_at("max-connections 9223372036854775807\n", 1, "out of range");
	fails_at("max-connections 99999999999999999999\n", 1, "number "
	    "99999999999999999999 is too large");
}
END_TEST

/* ---- paths and names ---- */

START_TEST(t_paths)
{
	struct hubd_config	*c;
	struct sbuf		 b = { NULL, 0, 0 };
	char			*s, buf[PATH_MAX];

	fails_at("chroot \"var/empty\"\n", 1, "chroot \"var/empty\" is not "
	    "an absolute path");
	fails_at("state-directory x\n", 1, "is not an absolute path");
	fails_at("socket \"hamhubd.sock\"\n", 1, "is not an absolute path");
	fails_at("private-key \"\"\n", 1, "is not an absolute path");
	fails_at("chroot /\n", 1, "chroot / confines nothing: expected an "
	    "empty directory such as " HUBD_STATEDIR "/empty");

	/* The default chroot follows the state directory. */
	c = parses("state-directory /srv/hub\n");
	ck_assert_str_eq(c->state_dir, "/srv/hub");
	ck_assert_str_eq(c->chroot_dir, "/srv/hub/empty");
	ck_assert_str_eq(hubd_private_key_path(c, buf, sizeof(buf)),
	    "/srv/hub/hub.key");
	hubd_config_free(c);
	c = parses("chroot /var/empty\nstate-directory /srv/hub\n");
	ck_assert_str_eq(c->chroot_dir, "/var/empty");
	hubd_config_free(c);
	/* An explicit chroot inside the state directory is fine... */
	c = parses("chroot /srv/hub/jail\nstate-directory /srv/hub\n");
	hubd_config_free(c);
	c = parses("chroot /srv/hubx\nstate-directory /srv/hub\n");
	hubd_config_free(c);
	/* ...one that holds it is not, whichever line comes first. */
	fails_at("\nchroot /srv/hub\nstate-directory /srv/hub\n", 2,
	    "chroot /srv/hub holds the state directory /srv/hub, so the "
	    "engine could reach the key and the database: expected an empty "
	    "directory such as /srv/hub/empty");
	fails_at("chroot /srv/hub/authority/data/\nstate-directory "
	    "/srv/hub\n", 1, "chroot /srv/hub/authority/data/ is in the "
	    "authority's directory /srv/hub/authority, so the engine could "
	    "reach the database: expected an empty directory such as "
	    "/srv/hub/empty");
	fails_at("chroot /srv/hub/authority\nstate-directory /srv/hub\n",
	    1, "is in the authority's directory");
	hubd_config_free(parses("chroot /srv/hub/authorityx\n"
	    "state-directory /srv/hub\n"));
	fails_at("state-directory /srv/hub/\nchroot //srv//\n", 2,
	    "chroot //srv// holds the state directory /srv/hub/");
	fails_at("chroot /var/lib\n", 1, "holds the state directory "
	    HUBD_STATEDIR);
	ck_assert_int_eq(nlogs, 1);
	/* The key may not be where the engine can read it. */
	fails_at("chroot /var/empty\n\nprivate-key /var/empty/k\n", 3,
	    "private-key /var/empty/k is inside the chroot /var/empty of the "
	    "network-facing processes: expected a file outside it, such as "
	    HUBD_STATEDIR "/hub.key");
	fails_at("private-key " HUBD_STATEDIR "/empty/hub.key\n", 1,
	    "is inside the chroot");
	c = parses("private-key /var/empty2/k\nchroot /var/empty\n");
	hubd_config_free(c);

	/* socket: shorter than 108 bytes. */
	s = repeat('s', 107);
	s[0] = '/';
	sb_printf(&b, "socket \"%s\"\n", s);
	c = parses(b.s);
	ck_assert_uint_eq(strlen(c->socket_path), 107);
	hubd_config_free(c);
	b.len = 0;
	sb_printf(&b, "\nsocket %sx\n", s);			/* 108 */
	fails_at(b.s, 2, "socket path too long (108 bytes): expected at "
	    "most 107");
	free(s);

	/* PATH_MAX - 1 fits, PATH_MAX does not. */
	s = repeat('p', PATH_MAX - 1);
	s[0] = '/';
	b.len = 0;
	sb_printf(&b, "chroot \"%s\"\n", s);
	c = parses(b.s);
	ck_assert_uint_eq(strlen(c->chroot_dir), PATH_MAX - 1);
	hubd_config_free(c);
	b.len = 0;
	sb_printf(&b, "private-key \"%sq\"\n", s);
	fails_at(b.s, 1, "private-key path too long");
	/* What the state directory holds must fit below it. */
	s[PATH_MAX - sizeof("/" HUBD_DB_PATH)] = '\0';
	b.len = 0;
	sb_printf(&b, "state-directory \"%s\"\n", s);
	c = parses(b.s);
	ck_assert_ptr_nonnull(hubd_private_key_path(c, buf, sizeof(buf)));
	ck_assert_str_eq(c->chroot_dir + strlen(s), "/empty");
	hubd_config_free(c);
	b.len = 0;
	sb_printf(&b, "\nstate-directory \"%sx\"\nprivate-key /k\n"
	    "chroot /c\n", s);
	fails_at(b.s, 2, "state-directory too long to hold "
	    "authority/data/hub.db: expected at most 4073 bytes");
	ck_assert_int_eq(nlogs, 1);
	free(s);
	free(b.s);
}
END_TEST

START_TEST(t_names)
{
	struct hubd_config	*c;
	struct sbuf		 b = { NULL, 0, 0 };
	char			*s = repeat('u', CONF_NAME_MAX - 1);

	sb_printf(&b, "user %s\nadmin-group \"%s\"\n", s, s);
	c = parses(b.s);
	ck_assert_str_eq(c->user, s);
	ck_assert_str_eq(c->admin_group, s);
	hubd_config_free(c);
	b.len = 0;
	sb_printf(&b, "user %sv\nadmin-group \"%sv\"\n", s, s);
	fails_at(b.s, 1, "is not a valid name: expected 1-63");
	ck_assert(logged_at("hamhubd.conf", 2, "admin-group"));
	free(s);
	free(b.s);

	c = parses("user \"_ham-hub.1$\"\nadmin-group Staff\n");
	ck_assert_str_eq(c->user, "_ham-hub.1$");
	ck_assert_str_eq(c->admin_group, "Staff");
	hubd_config_free(c);
	fails_at("user \"\"\n", 1, "user \"\" is not a valid name");
	fails_at("user \"1000\"\n", 1, "not a valid name");
	fails_at("user \"a b\"\n", 1, "not a valid name");
	fails_at("admin-group \"wh:eel\"\n", 1, "not a valid name");
	fails_at("user 1000\n", 1, "unexpected number 1000, expecting "
	    "string");
	/* Keywords are words of their own: quote them to use them. */
	fails_at("user all\n", 1, "unexpected all, expecting string");
	c = parses("user \"all\"\n");
	ck_assert_str_eq(c->user, "all");
	hubd_config_free(c);
}
END_TEST

START_TEST(t_given_twice)
{
	static const char *const once[] = {
		"user a", "chroot /c", "state-directory /s", "socket /x",
		"admin-group g", "read-access all", "log brief",
		"private-key /k", "address-pool fd00::/64",
		"max-connections 5", "max-connections-per-address 5",
		"login-timeout 5",
	};
	char	 t[256], m[128], kw[64];
	size_t	 i;

	for (i = 0; i < nitems(once); i++) {
		(void)snprintf(t, sizeof(t), "%s\n\n%s\n", once[i], once[i]);
		(void)snprintf(kw, sizeof(kw), "%s", once[i]);
		*strchr(kw, ' ') = '\0';
		if (strcmp(kw, "address-pool") == 0)
			(void)snprintf(kw, sizeof(kw), "address-pool for "
			    "IPv6");
		(void)snprintf(m, sizeof(m), "%s given twice", kw);
		fails_at(t, 3, m);
		ck_assert_int_eq(nlogs, 1);
	}
}
END_TEST

/* ---- errors ---- */

START_TEST(t_syntax)
{
	fails_at("login-timeout 5\nfrobnicate 7\n", 2, "unknown keyword "
	    "\"frobnicate\"");
	fails_at("frobnicate\n", 1, "unknown keyword \"frobnicate\"");
	fails_at("listen-port 7777\n", 1, "unknown keyword \"listen-port\": "
	    "hamhubd.conf has listen on * port N");
	fails_at("address 10.0.0.1/24\n", 1, "unknown keyword \"address\": "
	    "hamhubd.conf has address-pool PREFIX");
	fails_at("peer p {\n}\n", 1, "unknown keyword \"peer\": hamhubd.conf "
	    "has no peers");
	fails_at("port 7777\n", 1, "port is part of listen: expected listen "
	    "on ADDRESS port N");
	fails_at("on\n", 1, "syntax error: unexpected on");
	fails_at("user\n", 1, "unexpected end of line, expecting string");
	fails_at("user a b\n", 1, "unexpected string \"b\", expecting end of "
	    "line");
	fails_at("chroot\n", 1, "expecting string");
	fails_at("state-directory\n", 1, "expecting string");
	fails_at("socket\n", 1, "expecting string");
	fails_at("admin-group\n", 1, "expecting string");
	fails_at("private-key\n", 1, "expecting string");
	fails_at("read-access\n", 1, "expecting admins or all");
	fails_at("include\n", 1, "unexpected end of line, expecting string");
	fails_at("listen on * { }\n", 1, "unexpected character '{'");
	fails_at("listen on * ! \n", 1, "unexpected character '!'");
	fails_at("user \"\x01\"\n", 1, "control character 0x01 in quoted "
	    "string");
	fails_at("user \xc3\xa9\n", 1, "unexpected byte 0xc3");
	fails_at("user \"a\\b\"\n", 1, "invalid escape in quoted string");
	fails_at("user \"abc\n", 1, "unterminated quoted string");
	fails_at("= 5\n", 1, "unexpected '='");
	fails_at("7777\n", 1, "unexpected number 7777");
	/* Errors on several lines are all said, each at its line. */
	fails_at("user 1\nlog x\nlisten on nope\nmax-connections 0\n", 1,
	    "expecting string");
	ck_assert(logged_at("hamhubd.conf", 2, "expecting brief or verbose"));
	ck_assert(logged_at("hamhubd.conf", 3, "invalid address nope"));
	ck_assert(logged_at("hamhubd.conf", 4, "max-connections 0 out of "
	    "range"));
	ck_assert_int_eq(nlogs, 4);
}
END_TEST

START_TEST(t_too_many_errors)
{
	struct sbuf	 b = { NULL, 0, 0 };
	int		 i;

	for (i = 0; i < 500; i++)
		sb_printf(&b, "login-timeout 0\n");
	ck_assert_ptr_null(parse_text(b.s));
	ck_assert(logged("too many errors, giving up"));
	ck_assert_int_lt(nlogs, 60);
	free(b.s);
}
END_TEST

START_TEST(t_missing_file)
{
	char	 p[PATH_MAX + 16];

	(void)snprintf(p, sizeof(p), "%s/absent.conf", tmpdir);
	ck_assert_ptr_null(hubd_parse_config(p, NULL));
	ck_assert(logged("absent.conf: No such file or directory"));
	nlogs = 0;
	ck_assert_ptr_null(hubd_parse_config(tmpdir, NULL));
	ck_assert(logged("not a regular file"));
}
END_TEST

START_TEST(t_keywords_sorted)
{
	const char	*prev, *cur;
	size_t		 i;

	ck_assert_ptr_nonnull(prev = hubd_conf_keyword(0));
	for (i = 1; (cur = hubd_conf_keyword(i)) != NULL; i++) {
		ck_assert_msg(strcmp(prev, cur) < 0, "keyword table not sorted "
		    "at \"%s\" > \"%s\"", prev, cur);
		prev = cur;
	}
	ck_assert_uint_eq(i, 27);
}
END_TEST

/* ---- include and macros ---- */

START_TEST(t_include)
{
	struct hubd_config	*c;
	char			 t[PATH_MAX * 2];
	const char		*inc;

	inc = write_file("listen.conf", "# listeners\nlisten on 127.0.0.1\n"
	    "port_v = 9\nlogin-timeout 42");		/* no final \n */
	(void)snprintf(t, sizeof(t), "max-connections 7\ninclude \"%s\"\n"
	    "listen on ::1 port $port_v\n", inc);
	c = parses(t);
	ck_assert_uint_eq(c->max_conns, 7);
	ck_assert_uint_eq(c->login_timeout, 42);
	ck_assert_int_eq(c->nlisten, 2);
	ck_assert_str_eq(lis(&c->listen[1]), "[::1]:9");
	hubd_config_free(c);

	/* Errors in an included file name it and its line; the including
	 * file's lines stay right after it. */
	inc = write_file("bad.conf", "\n\nlogin-timeout 0\n");
	(void)snprintf(t, sizeof(t), "include %s\n\nmax-connections 0\n",
	    inc);
	ck_assert_ptr_null(parse_text(t));
	ck_assert(logged_at("bad.conf", 3, "login-timeout 0 out of range"));
	ck_assert(logged_at("hamhubd.conf", 3, "max-connections 0 out of "
	    "range"));
	ck_assert_int_eq(nlogs, 2);

	/* A check made at the end names the file of the statement. */
	inc = write_file("jail.conf", "# jail\nchroot /srv/hub\n");
	(void)snprintf(t, sizeof(t), "state-directory /srv/hub/state\n"
	    "include \"%s\"\n", inc);
	ck_assert_ptr_null(parse_text(t));
	ck_assert(logged_at("jail.conf", 2, "chroot /srv/hub holds the "
	    "state directory"));

	fails_at("include \"x.conf\"\n", 1, "include path \"x.conf\" is not "
	    "absolute: expected a path starting with /");
	(void)snprintf(t, sizeof(t), "\ninclude \"%s/nope.conf\"\n", tmpdir);
	fails_at(t, 2, "nope.conf\": No such file or directory");
	(void)snprintf(t, sizeof(t), "include \"%s\"\n", tmpdir);
	fails_at(t, 1, "not a regular file");
	(void)snprintf(t, sizeof(t), "include \"%s\" user\n", inc);
	fails_at(t, 1, "unexpected user, expecting end of line");
	(void)snprintf(t, sizeof(t), "user x\ninclude \"%s\"\n",
	    path_of("hamhubd.conf"));
	fails_at(t, 2, "the file includes itself");
	ck_assert_int_eq(nlogs, 1);
}
END_TEST

START_TEST(t_include_depth)
{
	char	 name[32], next[32], t[PATH_MAX + 64];
	int	 i;

	for (i = 9; i >= 0; i--) {
		(void)snprintf(name, sizeof(name), "inc%d.conf", i);
		(void)snprintf(next, sizeof(next), "inc%d.conf", i + 1);
		if (i == 9)
			(void)snprintf(t, sizeof(t), "login-timeout 9\n");
		else
			(void)snprintf(t, sizeof(t), "# level %d\ninclude "
			    "\"%s\"\n", i, path_of(next));
		write_file(name, t);
	}
	/* hamhubd.conf + inc2..inc8: 8 open, inc8's include fails. */
	(void)snprintf(t, sizeof(t), "include \"%s\"\n", path_of("inc2.conf"));
	ck_assert_ptr_null(parse_text(t));
	ck_assert(logged_at("inc8.conf", 2, "nested too deep, at most 8 "
	    "files may be open at once"));
	ck_assert_int_eq(nlogs, 1);
	(void)snprintf(t, sizeof(t), "include \"%s\"\n", path_of("inc3.conf"));
	hubd_config_free(parses(t));
}
END_TEST

START_TEST(t_macros)
{
	struct hubd_config	*c;

	c = parses(
	    "dir = \"/srv/hub\"\n"
	    "hubport = 7000\n"
	    "pool=\"10.42.0.0/16\"\n"
	    "state-directory $dir\n"
	    "listen on * port $hubport\n"
	    "address-pool $pool\n"
	    "hubport = 2\n"		/* redefined: later uses see 2 */
	    "login-timeout $hubport\n");
	ck_assert_str_eq(c->state_dir, "/srv/hub");
	ck_assert_str_eq(lis(&c->listen[0]), "0.0.0.0:7000");
	ck_assert_str_eq(pfx(&c->pool4), "10.42.0.0/16");
	ck_assert_uint_eq(c->login_timeout, 2);
	hubd_config_free(c);

	fails_at("user x\nlisten on * port $nope\n", 2, "macro \"nope\" is "
	    "not defined");
	fails_at("user $\n", 1, "'$' must be followed by a macro name");
	fails_at("a = \"$b\"\nb = \"$a\"\nuser $a\n", 3, "'$' in the value of "
	    "a macro: macros do not nest");
	fails_at("\"9a\" = 1\n", 1, "invalid macro name \"9a\"");
	/* A keyword is not a macro name. */
	fails_at("port = 7000\n", 1, "port is part of listen");
	fails_at("on = 1\n", 1, "unexpected on");
	fails_at("a = b c\n", 1, "unexpected string \"c\", expecting end of "
	    "line");
	fails_at("login-timeout $m\nm = 5\n", 1, "macro \"m\" is not "
	    "defined");
}
END_TEST

/* ---- -s ---- */

START_TEST(t_opts_socket)
{
	struct hubd_config	*c;
	char			*s;
	const char		*path;

	path = write_file("hamhubd.conf", "socket /run/file.sock\n");
	ck_assert_ptr_nonnull(c = hubd_parse_config(path, "/tmp/o.sock"));
	ck_assert_str_eq(c->socket_path, "/tmp/o.sock");
	hubd_config_free(c);
	ck_assert_ptr_nonnull(c = hubd_parse_config(path, NULL));
	ck_assert_str_eq(c->socket_path, "/run/file.sock");
	hubd_config_free(c);

	nlogs = 0;
	ck_assert_ptr_null(hubd_parse_config(path, "rel.sock"));
	ck_assert(logged("socket \"rel.sock\" given with -s is not an "
	    "absolute path"));
	s = repeat('s', CONF_SOCKET_MAX);
	s[0] = '/';
	nlogs = 0;
	ck_assert_ptr_null(hubd_parse_config(path, s));
	ck_assert(logged("socket path given with -s too long (108 bytes)"));
	s[CONF_SOCKET_MAX - 1] = '\0';
	ck_assert_ptr_nonnull(c = hubd_parse_config(path, s));
	hubd_config_free(c);
	free(s);
	/* -s does not hide an error in the file. */
	path = write_file("hamhubd.conf", "socket relative\n");
	nlogs = 0;
	ck_assert_ptr_null(hubd_parse_config(path, "/ok.sock"));
	ck_assert(logged_at("hamhubd.conf", 1, "is not an absolute path"));
}
END_TEST

START_TEST(t_example)
{
	struct hubd_config	*c;

	nlogs = 0;
	c = hubd_parse_config(TOP_SRCDIR "/etc/hamhubd.conf.example", NULL);
	if (c == NULL || nlogs != 0)
		dump_logs();
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(nlogs, 0);
	ck_assert_int_ge(c->nlisten, 2);
	ck_assert_int_eq(c->pool6.af, AF_INET6);
	hubd_config_free(c);
}
END_TEST

/* ---- the helpers ---- */

START_TEST(t_helpers)
{
	struct hubd_listen	 l[2];
	struct ip_prefix	 p;
	char			 err[256], s[HUBD_LISTEN_STRLEN];
	int			 n;

	ck_assert_int_eq(hubd_parse_listen("*", 1, l, &n, NULL, 0), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(l[0].ss.ss_family, AF_INET);
	ck_assert_int_eq(l[1].ss.ss_family, AF_INET6);
	ck_assert_int_eq(hubd_parse_listen("[::1]", 65535, l, &n, NULL, 0),
	    0);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(hubd_listen_str(&l[0], s, sizeof(s)), "[::1]:65535");
	ck_assert_int_eq(hubd_parse_listen("1.2.3.4", 0, l, &n, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(n, 0);
	ck_assert_str_eq(err, "port 0 is not a port to listen on: expected "
	    "1-65535");
	ck_assert_int_eq(hubd_parse_listen("", 1, l, &n, err, sizeof(err)),
	    -1);
	ck_assert_int_eq(hubd_parse_listen("[", 1, l, &n, err, sizeof(err)),
	    -1);
	ck_assert_int_eq(hubd_parse_listen("1.2.3.4 ", 1, l, &n, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(hubd_parse_listen("01.2.3.4", 1, l, &n, err,
	    sizeof(err)), -1);
	/* A tiny buffer truncates, never overflows. */
	ck_assert_int_eq(hubd_parse_listen("x", 1, l, &n, err, 4), -1);
	ck_assert_str_eq(err, "inv");
	memset(l, 0, sizeof(l));
	ck_assert_str_eq(hubd_listen_str(&l[0], s, sizeof(s)), "?");

	ck_assert_int_eq(prefix_parse("100.64.0.0/10", &p, 0, NULL, 0), 0);
	ck_assert_int_eq(hubd_check_pool(&p, NULL, 0), 0);
	ck_assert_int_eq(prefix_parse("100.128.0.0/10", &p, 0, NULL, 0), 0);
	ck_assert_int_eq(hubd_check_pool(&p, err, sizeof(err)), -1);
	ck_assert_int_eq(prefix_parse("100.0.0.0/8", &p, 0, NULL, 0), 0);
	ck_assert_int_eq(hubd_check_pool(&p, err, sizeof(err)), -1);
	ck_assert_int_eq(prefix_parse("192.168.0.0/16", &p, 0, NULL, 0), 0);
	ck_assert_int_eq(hubd_check_pool(&p, err, sizeof(err)), 0);
	ck_assert_int_eq(prefix_parse("192.168.0.0/15", &p, 0, NULL, 0), 0);
	ck_assert_int_eq(hubd_check_pool(&p, err, sizeof(err)), -1);
	ck_assert_int_eq(prefix_parse("126.0.0.0/8", &p, 0, NULL, 0), 0);
	ck_assert_int_eq(hubd_check_pool(&p, err, sizeof(err)), -1);
	ck_assert_int_eq(prefix_parse("fc00::/48", &p, 0, NULL, 0), 0);
	ck_assert_int_eq(hubd_check_pool(&p, err, sizeof(err)), 0);
	ck_assert_int_eq(prefix_parse("fe00::/48", &p, 0, NULL, 0), 0);
	ck_assert_int_eq(hubd_check_pool(&p, err, sizeof(err)), -1);
	ck_assert_int_eq(prefix_parse("100::/48", &p, 0, NULL, 0), 0);
	ck_assert_int_eq(hubd_check_pool(&p, err, sizeof(err)), -1);
	ck_assert_int_eq(prefix_parse("ff::/48", &p, 0, NULL, 0), 0);
	ck_assert_int_eq(hubd_check_pool(&p, err, sizeof(err)), -1);
	ck_assert_int_eq(prefix_parse("1::/48", &p, 0, NULL, 0), 0);
	ck_assert_int_eq(hubd_check_pool(&p, err, sizeof(err)), -1);
}
END_TEST

/* ---- hostile input ---- */

START_TEST(t_truncated)
{
	struct hubd_config	*c;
	size_t			 n, len = strlen(full_conf), good = 0;

	for (n = 0; n <= len; n++) {
		nlogs = 0;
		c = hubd_parse_config(write_file_len("hamhubd.conf", full_conf,
		    n), NULL);
		/* NULL exactly when an error was said about it. */
		ck_assert_msg((c == NULL) == (nerrors() > 0), "prefix %zu", n);
		if (c != NULL)
			good++;
		hubd_config_free(c);
	}
	ck_assert_uint_gt(good, 10);
}
END_TEST

static uint32_t	 rng = 54321;

static uint32_t
next_rand(void)
{
	rng = rng * 1103515245U + 12345U;
	return rng >> 8;
}

START_TEST(t_garbage)
{
	static const char *const frags[] = {
		"listen", "on", "port", "*", "address-pool", "include",
		"max-connections", "login-timeout", "chroot", "user",
		"state-directory", "private-key", "{", "}", "\n", "\n", " ",
		" ", ",", "=", "$a", "$", "\"", "\\", "\\\n", "#",
		"a = \"on\"\n", "7777", "-1", "10.0.0.0/8", "fd00::/48", "::1",
		"[::1]", "127.0.0.1", "1.0.0.0/8", "\"/x\"", "\r\n", "0",
		"99999999999999999999", "log", "verbose", "socket", "x", "\t",
		"\xff", "\"\"", "a = 1\n", "/", "//", "/srv", "/srv/x",
	};
	char		 buf[4096];
	size_t		 len, i;
	int		 iter;
	struct hubd_config *c;

	for (iter = 0; iter < 600; iter++) {
		len = next_rand() % sizeof(buf);
		if (iter % 2 == 0) {
			for (i = 0; i < len; i++) {
				uint32_t r = next_rand();

				buf[i] = (char)(r % 8 == 0 ? r >> 8 :
				    0x20 + (r >> 8) % 0x5f);
				if (r % 17 == 0)
					buf[i] = '\n';
			}
		} else {
			for (i = 0; i < len;) {
				const char *f = frags[next_rand() %
				    nitems(frags)];
				size_t	 fl = strlen(f);

				if (i + fl > len)
					break;
				memcpy(buf + i, f, fl);
				i += fl;
			}
			len = i;
		}
		nlogs = 0;
		c = hubd_parse_config(write_file_len("hamhubd.conf", buf, len),
		    NULL);
		ck_assert_msg((c == NULL) == (nerrors() > 0), "iteration %d",
		    iter);
		if (c != NULL) {
			ck_assert_int_ge(c->nlisten, 1);
			ck_assert_int_le(c->nlisten, HUBD_MAX_LISTEN);
		}
		hubd_config_free(c);
	}
}
END_TEST

START_TEST(t_oversized)
{
	struct sbuf	 b = { NULL, 0, 0 };
	char		*s;

	s = repeat('#', CONF_LINE_MAX);
	sb_printf(&b, "user x\n%s\n", s);
	hubd_config_free(parses(b.s));
	b.len = 0;
	sb_printf(&b, "user x\n%s#\nlogin-timeout 0\n", s);
	fails_at(b.s, 2, "line too long: expected at most 8192 bytes");
	ck_assert_int_eq(nlogs, 1);
	free(s);

	s = repeat('w', 8000);
	b.len = 0;
	sb_printf(&b, "user %s\\\n%s\n", s, s);
	fails_at(b.s, 1, "word too long");
	b.len = 0;
	sb_printf(&b, "user \"%s\\\n%s\"\nlogin-timeout 0\n", s, s);
	fails_at(b.s, 1, "quoted string too long");
	ck_assert(logged_at("hamhubd.conf", 3, "login-timeout 0 out of "
	    "range"));
	free(s);

	/* Long values are shortened in messages. */
	s = repeat('z', 5000);
	b.len = 0;
	sb_printf(&b, "listen on \"%s\"\n", s);
	fails_at(b.s, 1, "invalid address zzzz");
	ck_assert(logged("...: expected a numeric"));
	ck_assert_uint_lt(strlen(logs[0]), 400);
	free(s);
	free(b.s);
}
END_TEST

START_TEST(t_nul)
{
	static const char	 t1[] = "user x\nlogin-timeout 5\0\n";

	nlogs = 0;
	ck_assert_ptr_null(hubd_parse_config(write_file_len("hamhubd.conf",
	    t1, sizeof(t1) - 1), NULL));
	ck_assert(logged_at("hamhubd.conf", 2, "NUL byte in the file: "
	    "expected a text file"));
	ck_assert_int_eq(nlogs, 1);
}
END_TEST

static Suite *
hubparse_suite(void)
{
	Suite	*s = suite_create("hubparse");
	TCase	*tc;

	tc = tcase_create("statements");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, t_defaults);
	tcase_add_test(tc, t_full);
	tcase_add_test(tc, t_choices);
	tcase_add_test(tc, t_database);
	tcase_add_test(tc, t_layout);
	tcase_add_test(tc, t_opts_socket);
	tcase_add_test(tc, t_example);
	tcase_add_test(tc, t_helpers);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, t_listen);
	tcase_add_test(tc, t_listen_many);
	tcase_add_test(tc, t_pool);
	tcase_add_test(tc, t_limits);
	tcase_add_test(tc, t_paths);
	tcase_add_test(tc, t_names);
	tcase_add_test(tc, t_given_twice);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, t_syntax);
	tcase_add_test(tc, t_too_many_errors);
	tcase_add_test(tc, t_missing_file);
	tcase_add_test(tc, t_keywords_sorted);
	suite_add_tcase(s, tc);

	tc = tcase_create("include and macros");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, t_include);
	tcase_add_test(tc, t_include_depth);
	tcase_add_test(tc, t_macros);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, t_truncated);
	tcase_add_test(tc, t_garbage);
	tcase_add_test(tc, t_oversized);
	tcase_add_test(tc, t_nul);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(hubparse_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
