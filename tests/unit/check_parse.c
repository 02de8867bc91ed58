/*
 * hamd.conf parser: every statement, its default and its limits, the
 * messages and their file:line, include and macros, and hostile input
 * (truncation, garbage, oversize, NUL).  Files go to a mkdtemp(3)
 * directory that each test removes; log lines are caught with a sink.
 */
#include "autoconf.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <check.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/key.h"
#include "daemon/config.h"
#include "privsep/conflex.h"
#include "privsep/log.h"
#include "tests/unit/loworder.h"

#ifndef TOP_SRCDIR
#define TOP_SRCDIR "."
#endif

/* Canonical base64 of fixed 32-byte strings; any key decoder takes them. */
#define K1 "JTA7RlFcZ3J9iJOeqbS/ytXg6/YBDBciLThDTllkb3o="
#define K2 "SlVga3aBjJeirbjDztnk7/oFEBsmMTxHUl1oc36JlJ8="
#define K3 "b3qFkJumsbzH0t3o8/4JFB8qNUBLVmFsd4KNmKOuucQ="
#define K4 "lJ+qtcDL1uHs9wINGCMuOURPWmVwe4aRnKeyvcjT3uk="
#define KZERO "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

/* Every statement; line numbers matter to the tests below. */
static const char full_conf[] =
    "# a full configuration\n"					/* 1 */
    "user \"hamuser\"\n"
    "chroot \"/var/empty/hamd\"\n"
    "state-directory \"/var/lib/hamtest\"\n"
    "socket \"/run/hamtest/hamd.sock\"\n"			/* 5 */
    "admin-group \"wheel\"\n"
    "read-access all\n"
    "log verbose\n"
    "interface \"wg-test0\"\n"
    "mtu 1400\n"						/* 10 */
    "address 10.7.0.1/24\n"
    "address fd00:7::1/64\n"
    "listen-port 51821\n"
    "private-key \"/etc/hamd/node.key\"\n"
    "\n"							/* 15 */
    "peer \"alice\" {\n"
    "\tpublic-key \"" K1 "\"\n"
    "\tpreshared-key \"/etc/hamd/alice.psk\"\n"
    "\tendpoint \"192.0.2.10:51820\"\n"
    "\tallowed-ips 10.7.0.2/32, fd00:7::2/128\n"		/* 20 */
    "\tallowed-ips 192.168.10.0/24\n"
    "\tpersistent-keepalive 25\n"
    "}\n"
    "\n"
    "peer bob {\n"						/* 25 */
    "\tpublic-key \"" K2 "\"\n"
    "\tendpoint \"[2001:db8::1]:51820\"\n"
    "\tallowed-ips 10.7.0.3/32\n"
    "}\n"
    "peer \"carol\"\n"						/* 30 */
    "{\n"
    "\tpublic-key " K3 "\n"
    "\tendpoint vpn.example.org:4500\n"
    "}\n";

#define CONFTEST_FILE		"hamd.conf"
#define CONFTEST_DIR		"check_parse"
#define CONFTEST_TYPE		struct hamd_config
#define CONFTEST_PARSE(path)	parse_config((path), NULL)
#include "tests/unit/conftest.h"

static struct hamd_config *
parses(const char *text)
{
	struct hamd_config	*c = parse_text(text);

	if (c == NULL) {
		fprintf(stderr, "expected to parse:\n%s\n", text);
		dump_logs();
	}
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(nlogs, 0);
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

static struct conf_peer *
peer_named(struct hamd_config *c, const char *name)
{
	struct conf_peer	*p;

	TAILQ_FOREACH(p, &c->peers, entry)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

static const char *
pfx(const struct ip_prefix *p)
{
	static char	 bufs[4][PREFIX_STRLEN];
	static int	 n;

	return prefix_str(p, bufs[n++ % 4], PREFIX_STRLEN);
}

/* ---- statements and defaults ---- */

START_TEST(t_defaults)
{
	struct hamd_config	*c, *d;
	char			 buf[PATH_MAX];

	ck_assert_ptr_nonnull(d = config_new_default());
	ck_assert_str_eq(d->user, HAMD_USER);
	ck_assert_str_eq(d->chroot_dir, HAMD_STATEDIR "/empty");
	ck_assert_str_eq(d->state_dir, HAMD_STATEDIR);
	ck_assert_str_eq(d->socket_path, HAMD_RUNDIR "/hamd.sock");
	ck_assert_str_eq(d->admin_group, "");
	ck_assert_int_eq(d->read_access, READ_ACCESS_ADMINS);
	ck_assert_int_eq(d->verbose, 0);
	ck_assert_str_eq(d->ifname, "ham0");
	ck_assert_uint_eq(d->mtu, 1420);
	ck_assert_int_eq(d->naddrs, 0);
	ck_assert_uint_eq(d->listen_port, 51820);
	ck_assert_str_eq(d->private_key_file, "");
	ck_assert_int_eq(d->npeers, 0);
	ck_assert(TAILQ_EMPTY(&d->peers));
	ck_assert_str_eq(config_private_key_path(d, buf, sizeof(buf)),
	    HAMD_STATEDIR "/private.key");
	ck_assert_ptr_null(config_private_key_path(d, buf, 5));

	/* An empty file and a file of comments give the same. */
	c = parses("");
	ck_assert_int_eq(memcmp(c->user, d->user, sizeof(d->user)), 0);
	ck_assert_str_eq(c->chroot_dir, d->chroot_dir);
	ck_assert_str_eq(c->state_dir, d->state_dir);
	ck_assert_str_eq(c->socket_path, d->socket_path);
	ck_assert_str_eq(c->ifname, d->ifname);
	ck_assert_uint_eq(c->mtu, d->mtu);
	ck_assert_uint_eq(c->listen_port, d->listen_port);
	config_free(c);
	config_free(parses("# nothing\n\n   # at all \\\n\t\n"));
	config_free(d);
	config_free(NULL);
}
END_TEST

START_TEST(t_full)
{
	struct hamd_config	*c = parses(full_conf);
	struct conf_peer	*a, *b, *cp;
	char			 buf[PATH_MAX];

	ck_assert_str_eq(c->user, "hamuser");
	ck_assert_str_eq(c->chroot_dir, "/var/empty/hamd");
	ck_assert_str_eq(c->state_dir, "/var/lib/hamtest");
	ck_assert_str_eq(c->socket_path, "/run/hamtest/hamd.sock");
	ck_assert_str_eq(c->admin_group, "wheel");
	ck_assert_int_eq(c->read_access, READ_ACCESS_ALL);
	ck_assert_int_eq(c->verbose, 1);
	ck_assert_str_eq(c->ifname, "wg-test0");
	ck_assert_uint_eq(c->mtu, 1400);
	ck_assert_int_eq(c->naddrs, 2);
	ck_assert_str_eq(pfx(&c->addrs[0]), "10.7.0.1/24");
	ck_assert_str_eq(pfx(&c->addrs[1]), "fd00:7::1/64");
	ck_assert_uint_eq(c->listen_port, 51821);
	ck_assert_str_eq(c->private_key_file, "/etc/hamd/node.key");
	ck_assert_str_eq(config_private_key_path(c, buf, sizeof(buf)),
	    "/etc/hamd/node.key");
	ck_assert_int_eq(c->npeers, 3);

	ck_assert_ptr_nonnull(a = TAILQ_FIRST(&c->peers));
	ck_assert_str_eq(a->name, "alice");
	ck_assert_int_eq(a->pubkey[0], 37 % 256);
	ck_assert_int_eq(a->pubkey[1], (37 + 11) % 256);
	ck_assert_int_eq(a->has_psk, 1);
	ck_assert_str_eq(a->psk_file, "/etc/hamd/alice.psk");
	ck_assert_int_eq(a->has_endpoint, 1);
	ck_assert_str_eq(a->endpoint_host, "192.0.2.10");
	ck_assert_uint_eq(a->endpoint_port, 51820);
	ck_assert_int_eq(a->nallowed, 3);
	ck_assert_str_eq(pfx(&a->allowed[0]), "10.7.0.2/32");
	ck_assert_str_eq(pfx(&a->allowed[1]), "fd00:7::2/128");
	ck_assert_str_eq(pfx(&a->allowed[2]), "192.168.10.0/24");
	ck_assert_uint_eq(a->keepalive, 25);

	ck_assert_ptr_nonnull(b = TAILQ_NEXT(a, entry));
	ck_assert_str_eq(b->name, "bob");
	ck_assert_int_eq(b->pubkey[0], 74);
	ck_assert_int_eq(b->has_psk, 0);
	ck_assert_str_eq(b->endpoint_host, "2001:db8::1");
	ck_assert_uint_eq(b->endpoint_port, 51820);
	ck_assert_int_eq(b->nallowed, 1);
	ck_assert_uint_eq(b->keepalive, 0);

	ck_assert_ptr_nonnull(cp = TAILQ_NEXT(b, entry));
	ck_assert_str_eq(cp->name, "carol");
	ck_assert_str_eq(cp->endpoint_host, "vpn.example.org");
	ck_assert_uint_eq(cp->endpoint_port, 4500);
	ck_assert_int_eq(cp->nallowed, 0);
	ck_assert_ptr_null(TAILQ_NEXT(cp, entry));
	config_free(c);
}
END_TEST

START_TEST(t_choices)
{
	struct hamd_config	*c;

	c = parses("read-access admins\nlog brief\n");
	ck_assert_int_eq(c->read_access, READ_ACCESS_ADMINS);
	ck_assert_int_eq(c->verbose, 0);
	config_free(c);
	c = parses("read-access all\nlog verbose\n");
	ck_assert_int_eq(c->read_access, READ_ACCESS_ALL);
	ck_assert_int_eq(c->verbose, 1);
	config_free(c);
	fails_at("\nread-access everyone\n", 2,
	    "unexpected string \"everyone\", expecting admins or all");
	fails_at("log loud\n", 1, "expecting brief or verbose");
	fails_at("log\n", 1, "unexpected end of line, expecting brief or "
	    "verbose");
}
END_TEST

START_TEST(t_layout)
{
	struct hamd_config	*c;

	/* No newline at the end, CR LF lines, continuation, comments. */
	c = parses("mtu 1300");
	ck_assert_uint_eq(c->mtu, 1300);
	config_free(c);
	c = parses("mtu 1300\r\ninterface x1\r\n");
	ck_assert_uint_eq(c->mtu, 1300);
	ck_assert_str_eq(c->ifname, "x1");
	config_free(c);
	c = parses("mtu \\\n 1301 # comment \\\nchroot \"/a#b\"\n");
	ck_assert_uint_eq(c->mtu, 1301);
	ck_assert_str_eq(c->chroot_dir, "/a#b");
	config_free(c);
	c = parses("peer p {\r\npublic-key \"" K1 "\"\r\nallowed-ips "
	    "10.0.0.0/8,\\\n 10.1.0.0/16,\n\n 10.2.0.0/16\r\n}\r\n");
	ck_assert_int_eq(TAILQ_FIRST(&c->peers)->nallowed, 3);
	config_free(c);
	c = parses("chroot \"/q\\\"\\\\\"\n");
	ck_assert_str_eq(c->chroot_dir, "/q\"\\");
	config_free(c);
	/* Line numbers count continued lines. */
	fails_at("mtu \\\n1400\nmtu 1\n", 3, "mtu given twice");
	fails_at("# x \\\nmtu 1\n", 2, "mtu 1 out of range");
}
END_TEST

/* ---- range limits ---- */

START_TEST(t_mtu)
{
	struct hamd_config	*c;

	fails_at("mtu 1279\n", 1, "mtu 1279 out of range: expected "
	    "1280-65535");
	fails_at("\n\nmtu 65536\n", 3, "mtu 65536 out of range: expected "
	    "1280-65535");
	fails_at("mtu -1\n", 1, "mtu -1 out of range");
	fails_at("mtu 0\n", 1, "mtu 0 out of range");
	c = parses("mtu 1280\n");
	ck_assert_uint_eq(c->mtu, 1280);
	config_free(c);
	c = parses("mtu 65535\n");
	ck_assert_uint_eq(c->mtu, 65535);
	config_free(c);
	fails_at("mtu \"1400\"\n", 1, "unexpected string \"1400\", "
	    "expecting number");
	fails_at("mtu 14x0\n", 1, "expecting number");
}
END_TEST

START_TEST(t_listen_port)
{
	struct hamd_config	*c;

	fails_at("listen-port 0\n", 1, "listen-port 0 out of range: "
	    "expected 1-65535");
	fails_at("listen-port 65536\n", 1, "listen-port 65536 out of range: "
	    "expected 1-65535");
	c = parses("listen-port 1\n");
	ck_assert_uint_eq(c->listen_port, 1);
	config_free(c);
	c = parses("listen-port 65535\n");
	ck_assert_uint_eq(c->listen_port, 65535);
	config_free(c);
}
END_TEST

START_TEST(t_keepalive)
{
	struct hamd_config	*c;
	const char		*pre = "peer p {\npublic-key " K1 "\n";
	char			 t[256];

	(void)snprintf(t, sizeof(t), "%spersistent-keepalive 0\n}\n", pre);
	c = parses(t);
	ck_assert_uint_eq(TAILQ_FIRST(&c->peers)->keepalive, 0);
	config_free(c);
	(void)snprintf(t, sizeof(t), "%spersistent-keepalive 65535\n}\n", pre);
	c = parses(t);
	ck_assert_uint_eq(TAILQ_FIRST(&c->peers)->keepalive, 65535);
	config_free(c);
	(void)snprintf(t, sizeof(t), "%spersistent-keepalive 65536\n}\n", pre);
	fails_at(t, 3, "persistent-keepalive 65536 out of range: expected "
	    "0-65535");
	(void)snprintf(t, sizeof(t), "%spersistent-keepalive -1\n}\n", pre);
	fails_at(t, 3, "persistent-keepalive -1 out of range: expected "
	    "0-65535");
}
END_TEST

START_TEST(t_hub)
{
	struct hamd_config	*c;

	c = parses("hub \"192.0.2.1\" public-key " K1 "\n");
	ck_assert_int_eq(c->hub.enabled, 1);
	ck_assert_str_eq(c->hub.addr[0].host, "192.0.2.1");
	ck_assert_uint_eq(c->hub.addr[0].port, 7777);
	ck_assert_uint_eq(c->hub.keepalive, 25);
	config_free(c);
	c = parses("hub \"hub.example.net:9000\" public-key " K1
	    "\nnickname \"build server 1\"\n");
	ck_assert_str_eq(c->hub.addr[0].host, "hub.example.net");
	ck_assert_uint_eq(c->hub.addr[0].port, 9000);
	ck_assert_str_eq(c->hub.nickname, "build server 1");
	config_free(c);
	/* host:port and [v6]:port as for endpoints */
	c = parses("hub \"[2001:db8::1]:7000\" public-key " K1 "\n");
	ck_assert_str_eq(c->hub.addr[0].host, "2001:db8::1");
	ck_assert_uint_eq(c->hub.addr[0].port, 7000);
	config_free(c);
	c = parses("hub \"2001:db8::2\" public-key " K1 "\n");
	ck_assert_str_eq(c->hub.addr[0].host, "2001:db8::2");
	ck_assert_uint_eq(c->hub.addr[0].port, 7777);
	config_free(c);
	c = parses("mtu 1400\n");
	ck_assert_int_eq(c->hub.enabled, 0);
	config_free(c);
	/* A cluster: several addresses, in order, one key. */
	c = parses("hub \"192.0.2.1\" \"hub2.example.net:9000\" "
	    "\"[2001:db8::3]:7000\" public-key " K1 "\n");
	ck_assert_int_eq(c->hub.naddrs, 3);
	ck_assert_str_eq(c->hub.addr[0].host, "192.0.2.1");
	ck_assert_uint_eq(c->hub.addr[0].port, 7777);
	ck_assert_str_eq(c->hub.addr[1].host, "hub2.example.net");
	ck_assert_uint_eq(c->hub.addr[1].port, 9000);
	ck_assert_str_eq(c->hub.addr[2].host, "2001:db8::3");
	ck_assert_uint_eq(c->hub.addr[2].port, 7000);
	config_free(c);
	fails_at("hub \"192.0.2.1\" \"192.0.2.1:7777\" public-key " K1 "\n",
	    1, "hub 192.0.2.1:7777 is listed twice");
	fails_at("hub \"a\" \"b\" \"c\" \"d\" \"e\" \"f\" \"g\" \"h\" \"i\" "
	    "public-key " K1 "\n", 1, "hub i: at most 8 addresses");
	fails_at("hub \"192.0.2.1\" \"a b\" public-key " K1 "\n", 1,
	    "expected a host name or address");
	fails_at("hub public-key " K1 "\n", 1, "syntax error");
	fails_at("hub \"192.0.2.1\"\n", 1, "hub needs the hub's public-key");
	fails_at("hub \"192.0.2.1\" public-key \"nokey\"\n", 1,
	    "hub public-key is not a valid key");
	ck_assert(!logged("nokey"));
	fails_at("hub \"192.0.2.1:0\" public-key " K1 "\n", 1,
	    "expected a host name or address");
	fails_at("hub \"a b\" public-key " K1 "\n", 1,
	    "expected a host name or address");
	fails_at("hub \"a\" public-key " K1 "\nhub \"b\" public-key " K2
	    "\n", 2, "hub given twice");
	fails_at("nickname \"a\\\"b\"\n", 1, "expected up to 32 printable");
	fails_at("nickname \"0123456789012345678901234567890123\"\n", 1,
	    "expected up to 32 printable");
}
END_TEST

START_TEST(t_hub_keepalive)
{
	struct hamd_config	*c;

	c = parses("hub \"192.0.2.1\" public-key " K1 "\nhub-keepalive 20\n");
	ck_assert_uint_eq(c->hub.keepalive, 20);
	config_free(c);
	c = parses("hub-keepalive 0\nhub \"192.0.2.1\" public-key " K1 "\n");
	ck_assert_uint_eq(c->hub.keepalive, 0);
	config_free(c);
	c = parses("hub-keepalive 65535\n");
	ck_assert_uint_eq(c->hub.keepalive, 65535);
	config_free(c);
	fails_at("hub-keepalive 65536\n", 1, "hub-keepalive 65536 out of range");
	fails_at("hub-keepalive -1\n", 1, "out of range");
	fails_at("hub-keepalive \"x\"\n", 1, "syntax error");
	fails_at("hub-keepalive 10\nhub-keepalive 20\n", 2,
	    "hub-keepalive given twice");
	fails_at("peer \"p\" {\n\tpublic-key " K1 "\n\thub-keepalive 5\n}\n",
	    3, "not valid inside a peer block");
}
END_TEST

START_TEST(t_http_listen)
{
	struct hamd_config	*c;
	char			 buf[64];

	c = parses("");
	ck_assert_int_eq(c->web.set, 0);
	config_free(c);
	/* a port alone: loopback */
	c = parses("http-listen 9100\n");
	web_listen_str(&c->web, buf, sizeof(buf));
	ck_assert_str_eq(buf, "127.0.0.1:9100");
	config_free(c);
	c = parses("http-listen \"9100\"\n");
	web_listen_str(&c->web, buf, sizeof(buf));
	ck_assert_str_eq(buf, "127.0.0.1:9100");
	config_free(c);
	c = parses("http-listen \"192.0.2.7:80\"\n");
	web_listen_str(&c->web, buf, sizeof(buf));
	ck_assert_str_eq(buf, "192.0.2.7:80");
	config_free(c);
	c = parses("http-listen \"[::1]:9100\"\n");
	ck_assert_int_eq(c->web.af, AF_INET6);
	web_listen_str(&c->web, buf, sizeof(buf));
	ck_assert_str_eq(buf, "[::1]:9100");
	config_free(c);
	fails_at("http-listen 0\n", 1, "from 1 to 65535");
	fails_at("http-listen 65536\n", 1, "from 1 to 65535");
	fails_at("http-listen \"127.0.0.1:\"\n", 1, "from 1 to 65535");
	fails_at("http-listen \"127.0.0.1:9x\"\n", 1, "from 1 to 65535");
	fails_at("http-listen \"localhost:9100\"\n", 1, "must be numeric");
	fails_at("http-listen \":9100\"\n", 1, "expected PORT");
	fails_at("http-listen \"[]:9100\"\n", 1, "expected PORT");
	fails_at("http-listen \"::1:9100\"\n", 1, "needs brackets");
	fails_at("http-listen 9100\nhttp-listen 9101\n", 2, "http-listen");
}
END_TEST

START_TEST(t_advertise_route)
{
	struct hamd_config	*c;
	char			 buf[4096];
	size_t			 off = 0;
	int			 i;

	c = parses("advertise-route \"192.168.50.0/24\"\n"
	    "advertise-route \"fd12:3456::/48\"\n");
	ck_assert_int_eq(c->nadvertise, 2);
	ck_assert_int_eq(c->advertise[0].af, AF_INET);
	ck_assert_uint_eq(c->advertise[0].plen, 24);
	ck_assert_int_eq(c->advertise[1].af, AF_INET6);
	ck_assert(c->advertise_masq[0] == 0 && c->advertise_masq[1] == 0);
	config_free(c);
	c = parses("advertise-route \"10.1.0.0/16\" masquerade\n"
	    "advertise-route \"10.2.0.0/16\"\n");
	ck_assert(c->advertise_masq[0] == 1 && c->advertise_masq[1] == 0);
	config_free(c);
	fails_at("advertise-route \"10.1.0.0/16\" masquerade masquerade\n",
	    1, "");
	fails_at("advertise-route \"10.1.0.0/16\" nat\n", 1, "");
	fails_at("advertise-route \"0.0.0.0/0\"\n", 1, "not a LAN prefix");
	fails_at("advertise-route \"::/0\"\n", 1, "not a LAN prefix");
	fails_at("advertise-route \"127.0.0.0/8\"\n", 1, "not a LAN prefix");
	fails_at("advertise-route \"fe80::/64\"\n", 1, "not a LAN prefix");
	fails_at("advertise-route \"224.1.0.0/16\"\n", 1, "not a LAN prefix");
	fails_at("advertise-route \"10.0.0.1/24\"\n", 1, "advertise-route");
	fails_at("advertise-route \"10.0.0.0/33\"\n", 1, "advertise-route");
	fails_at("advertise-route \"10.0.0.0/x\"\n", 1, "advertise-route");
	fails_at("advertise-route \"gateway.lan\"\n", 1, "advertise-route");
	fails_at("advertise-route \"\"\n", 1, "advertise-route");
	fails_at("advertise-route 24\n", 1, "");
	fails_at("advertise-route \"10.0.0.0/8\"\n"
	    "advertise-route \"10.1.0.0/16\"\n", 2, "overlaps");
	for (i = 0; i < 17; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
		    "advertise-route \"10.%d.0.0/16\"\n", i);
	fails_at(buf, 17, "at most 16");
}
END_TEST

START_TEST(t_dns_domain)
{
	struct hamd_config	*c;

	c = parses("");
	ck_assert_str_eq(c->dns_domain, "hamd.internal");
	config_free(c);
	c = parses("dns-domain \"Ham.Example.\"\n");
	ck_assert_str_eq(c->dns_domain, "ham.example");
	config_free(c);
	c = parses("dns-domain \"\"\n");
	ck_assert_str_eq(c->dns_domain, "");
	config_free(c);
	fails_at("dns-domain \"a..b\"\n", 1, "expected a domain name");
	fails_at("dns-domain \".\"\n", 1, "expected a domain name");
	fails_at("dns-domain \"a b\"\n", 1, "expected a domain name");
	fails_at("dns-domain \"x\"\ndns-domain \"y\"\n", 2, "given twice");
	fails_at("dns-domain \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "\"\n", 1, "expected a domain name");
}
END_TEST

START_TEST(t_public_endpoint)
{
	struct hamd_config	*c;
	const uint8_t		*b;

	c = parses("hub \"192.0.2.1\" public-key " K1
	    "\npublic-endpoint \"198.51.100.20:51820\"\n");
	ck_assert_int_eq(c->public_ep.set, 1);
	ck_assert_int_eq(c->public_ep.af, AF_INET);
	ck_assert_uint_eq(c->public_ep.port, 51820);
	b = (const uint8_t *)&c->public_ep.addr;
	ck_assert(b[0] == 198 && b[1] == 51 && b[2] == 100 && b[3] == 20);
	config_free(c);
	/* before the hub line is fine too; IPv6 in brackets */
	c = parses("public-endpoint \"[2001:db8::7]:1\"\nhub \"192.0.2.1\" "
	    "public-key " K1 "\n");
	ck_assert_int_eq(c->public_ep.af, AF_INET6);
	ck_assert_uint_eq(c->public_ep.port, 1);
	b = (const uint8_t *)&c->public_ep.addr;
	ck_assert(b[0] == 0x20 && b[1] == 0x01 && b[15] == 7);
	config_free(c);
	c = parses("hub \"192.0.2.1\" public-key " K1 "\n");
	ck_assert_int_eq(c->public_ep.set, 0);
	config_free(c);

#define HUBLINE	"hub \"192.0.2.1\" public-key " K1 "\n"
	/* bad ports */
	fails_at(HUBLINE "public-endpoint \"198.51.100.20:0\"\n", 2,
	    "out of range");
	fails_at(HUBLINE "public-endpoint \"198.51.100.20:65536\"\n", 2,
	    "out of range");
	fails_at(HUBLINE "public-endpoint \"198.51.100.20\"\n", 2,
	    "missing port");
	fails_at(HUBLINE "public-endpoint \"198.51.100.20:x\"\n", 2,
	    "invalid port");
	/* bad addresses */
	fails_at(HUBLINE "public-endpoint \"fw.example.net:51820\"\n", 2,
	    "is not a numeric address");
	fails_at(HUBLINE "public-endpoint \"300.1.1.1:51820\"\n", 2,
	    "invalid IPv4 address");
	fails_at(HUBLINE "public-endpoint \"2001:db8::1:51820\"\n", 2,
	    "needs brackets");
	fails_at(HUBLINE "public-endpoint \"0.0.0.0:51820\"\n", 2,
	    "cannot be reached by peers");
	fails_at(HUBLINE "public-endpoint \"127.0.0.1:51820\"\n", 2,
	    "cannot be reached by peers");
	fails_at(HUBLINE "public-endpoint \"224.0.0.1:51820\"\n", 2,
	    "cannot be reached by peers");
	fails_at(HUBLINE "public-endpoint \"169.254.1.1:51820\"\n", 2,
	    "cannot be reached by peers");
	fails_at(HUBLINE "public-endpoint \"[::1]:51820\"\n", 2,
	    "cannot be reached by peers");
	fails_at(HUBLINE "public-endpoint \"[fe80::1]:51820\"\n", 2,
	    "cannot be reached by peers");
	fails_at(HUBLINE "public-endpoint \"[ff02::1]:51820\"\n", 2,
	    "cannot be reached by peers");
	fails_at(HUBLINE "public-endpoint \"[::ffff:192.0.2.1]:51820\"\n",
	    2, "cannot be reached by peers");
	/* duplicates */
	fails_at(HUBLINE "public-endpoint \"198.51.100.20:1\"\n"
	    "public-endpoint \"198.51.100.21:1\"\n", 3,
	    "public-endpoint given twice");
	/* it is offered through the hub */
	fails_at("public-endpoint \"198.51.100.20:51820\"\n", 1,
	    "it needs a hub line");
#undef HUBLINE
}
END_TEST

START_TEST(t_interface)
{
	struct hamd_config	*c;

	c = parses("interface \"abcdefghijklmno\"\n");	/* 15 */
	ck_assert_str_eq(c->ifname, "abcdefghijklmno");
	config_free(c);
	c = parses("interface a\n");
	ck_assert_str_eq(c->ifname, "a");
	config_free(c);
	c = parses("interface wg_0.x-1\n");
	ck_assert_str_eq(c->ifname, "wg_0.x-1");
	config_free(c);
	fails_at("interface \"abcdefghijklmnop\"\n", 1,
	    "interface \"abcdefghijklmnop\" is not a valid interface name");
	fails_at("interface \"\"\n", 1, "not a valid interface name");
	fails_at("interface \".\"\n", 1, "not a valid interface name");
	fails_at("interface \"..\"\n", 1, "not a valid interface name");
	fails_at("interface \"ham 0\"\n", 1, "not a valid interface name");
	fails_at("interface \"ham/0\"\n", 1, "not a valid interface name");
	fails_at("interface \"ham:0\"\n", 1, "not a valid interface name");
}
END_TEST

START_TEST(t_paths)
{
	struct hamd_config	*c;
	struct sbuf		 b = { NULL, 0, 0 };
	char			*s, buf[PATH_MAX];

	fails_at("chroot \"var/empty\"\n", 1, "chroot \"var/empty\" is not "
	    "an absolute path");
	fails_at("state-directory x\n", 1, "is not an absolute path");
	fails_at("socket \"hamd.sock\"\n", 1, "is not an absolute path");
	fails_at("private-key \"\"\n", 1, "is not an absolute path");
	fails_at("chroot /\n", 1, "chroot / confines nothing");
	fails_at("peer p {\npublic-key " K1 "\npreshared-key psk\n}\n", 3,
	    "preshared-key \"psk\" is not an absolute path");

	/* socket: shorter than 108 bytes. */
	s = repeat('s', 106);
	s[0] = '/';
	sb_printf(&b, "socket \"%s\"\n", s);
	c = parses(b.s);
	ck_assert_uint_eq(strlen(c->socket_path), 106);
	config_free(c);
	b.len = 0;
	sb_printf(&b, "socket %sx\n", s);			/* 107 */
	c = parses(b.s);
	ck_assert_uint_eq(strlen(c->socket_path), 107);
	config_free(c);
	b.len = 0;
	sb_printf(&b, "\nsocket %sxy\n", s);			/* 108 */
	fails_at(b.s, 2, "socket path too long (108 bytes): expected at "
	    "most 107");
	free(s);

	/* PATH_MAX - 1 fits, PATH_MAX and far beyond do not. */
	s = repeat('p', PATH_MAX - 1);
	s[0] = '/';
	b.len = 0;
	sb_printf(&b, "chroot \"%s\"\n", s);
	c = parses(b.s);
	ck_assert_uint_eq(strlen(c->chroot_dir), PATH_MAX - 1);
	config_free(c);
	b.len = 0;
	sb_printf(&b, "state-directory \"%sq\"\n", s);
	fails_at(b.s, 1, "state-directory path too long");
	/* The default key file must fit below the state directory. */
	s[PATH_MAX - sizeof("/private.key")] = '\0';
	b.len = 0;
	sb_printf(&b, "state-directory \"%s\"\n", s);
	c = parses(b.s);
	ck_assert_ptr_nonnull(config_private_key_path(c, buf, sizeof(buf)));
	config_free(c);
	b.len = 0;
	sb_printf(&b, "state-directory \"%sx\"\n", s);
	ck_assert_ptr_null(parse_text(b.s));
	ck_assert(logged("state-directory too long to hold private.key"));
	b.len = 0;
	sb_printf(&b, "state-directory \"%sx\"\nprivate-key /k\n", s);
	config_free(parses(b.s));
	free(s);
	s = repeat('p', PATH_MAX + 1000);
	s[0] = '/';
	b.len = 0;
	sb_printf(&b, "private-key \"%s\"\npeer x {\npublic-key " K1
	    "\npreshared-key %s\n}\n", s, s);
	fails_at(b.s, 1, "private-key path too long");
	ck_assert(logged_at("hamd.conf", 4, "preshared-key path too long"));
	free(s);
	free(b.s);
}
END_TEST

START_TEST(t_names)
{
	struct hamd_config	*c;
	struct sbuf		 b = { NULL, 0, 0 };
	char			*s = repeat('u', CONF_NAME_MAX - 1);

	sb_printf(&b, "user %s\nadmin-group \"%s\"\npeer %s {\npublic-key "
	    K1 "\n}\n", s, s, s);
	c = parses(b.s);
	ck_assert_str_eq(c->user, s);
	ck_assert_str_eq(c->admin_group, s);
	ck_assert_str_eq(TAILQ_FIRST(&c->peers)->name, s);
	config_free(c);
	b.len = 0;
	sb_printf(&b, "user %sv\nadmin-group \"%sv\"\npeer %sv {\n"
	    "public-key " K1 "\n}\n", s, s, s);
	fails_at(b.s, 1, "is not a valid name: expected 1-63");
	ck_assert(logged_at("hamd.conf", 2, "admin-group"));
	ck_assert(logged_at("hamd.conf", 3, "peer name"));
	free(s);
	free(b.s);

	c = parses("user \"_ham-d.1$\"\nadmin-group Staff\n");
	ck_assert_str_eq(c->user, "_ham-d.1$");
	ck_assert_str_eq(c->admin_group, "Staff");
	config_free(c);
	fails_at("user \"\"\n", 1, "user \"\" is not a valid name");
	fails_at("user \"1000\"\n", 1, "not a valid name");
	fails_at("user \"-x\"\n", 1, "not a valid name");
	fails_at("user \"a b\"\n", 1, "not a valid name");
	fails_at("admin-group \"wh:eel\"\n", 1, "not a valid name");
	fails_at("user 1000\n", 1, "unexpected number 1000, expecting "
	    "string");
	fails_at("peer \"a b\" {\npublic-key " K1 "\n}\n", 1,
	    "peer name \"a b\" is not valid");
	fails_at("peer \"\" {\npublic-key " K1 "\n}\n", 1,
	    "peer name \"\" is not valid");
	c = parses("peer \"node-1.lan@home+x:2\" {\npublic-key " K1 "\n}\n");
	config_free(c);
}
END_TEST

START_TEST(t_address)
{
	struct hamd_config	*c;
	struct sbuf		 b = { NULL, 0, 0 };
	int			 i;

	c = parses("address 10.0.0.1/24\naddress 10.0.1.1\naddress "
	    "\"fd00::1/128\"\naddress 2001:db8::7/0\naddress 10.9.9.9/32\n");
	ck_assert_int_eq(c->naddrs, 5);
	ck_assert_int_eq(c->addrs[0].af, AF_INET);
	ck_assert_uint_eq(c->addrs[0].plen, 24);
	ck_assert_str_eq(pfx(&c->addrs[1]), "10.0.1.1/32");
	ck_assert_int_eq(c->addrs[2].af, AF_INET6);
	ck_assert_str_eq(pfx(&c->addrs[2]), "fd00::1/128");
	ck_assert_str_eq(pfx(&c->addrs[3]), "2001:db8::7/0");
	config_free(c);

	fails_at("address 10.0.0.1/33\n", 1, "prefix length 33 out of range "
	    "in 10.0.0.1/33: expected 0-32");
	fails_at("address fd00::1/129\n", 1, "prefix length 129 out of range "
	    "in fd00::1/129: expected 0-128");
	fails_at("address 10.0.0.1/\n", 1, "invalid prefix length");
	fails_at("address 10.0.0.1/-1\n", 1, "invalid prefix length");
	fails_at("address 10.0.0.1/1234\n", 1, "out of range");
	fails_at("address 10.0.0.256/24\n", 1, "invalid address "
	    "10.0.0.256/24: expected a.b.c.d/len or x:x::x/len");
	fails_at("address 10.0.0/24\n", 1, "invalid address");
	fails_at("address fd00:::1/64\n", 1, "invalid address");
	fails_at("address host.example\n", 1, "invalid address");
	fails_at("address 0.0.0.0/0\n", 1, "not usable on an interface");
	fails_at("address 224.0.0.1/4\n", 1, "not usable on an interface");
	fails_at("address ::/0\n", 1, "not usable on an interface");
	fails_at("address ff02::1/16\n", 1, "not usable on an interface");
	fails_at("address 10.0.0.1/24\naddress 10.0.0.1/16\n", 2,
	    "address 10.0.0.1/16 given twice");
	fails_at("address fd00::1/64\n\naddress fd00:0::1/64\n", 3,
	    "given twice");
	fails_at("address 10.0.0.1/24, 10.0.0.2/24\n", 1,
	    "unexpected ','");

	/* CONF_MAX_ADDRS fit, one more does not. */
	for (i = 0; i < CONF_MAX_ADDRS; i++)
		sb_printf(&b, "address 10.0.%d.1/24\n", i);
	c = parses(b.s);
	ck_assert_int_eq(c->naddrs, CONF_MAX_ADDRS);
	config_free(c);
	sb_printf(&b, "address 10.1.0.1/24\naddress 10.1.0.2/24\n");
	fails_at(b.s, CONF_MAX_ADDRS + 1, "too many addresses: at most 16");
	ck_assert_int_eq(nlogs, 1);	/* said once */
	free(b.s);
}
END_TEST

START_TEST(t_allowed_ips)
{
	struct hamd_config	*c;
	struct conf_peer	*p;
	struct sbuf		 b = { NULL, 0, 0 };
	int			 i;

	c = parses("peer p {\npublic-key " K1 "\nallowed-ips 0.0.0.0/0, "
	    "::/0\nallowed-ips 10.1.2.3\nallowed-ips \"10.2.0.0/16\"\n}\n"
	    "peer q {\npublic-key " K2 "\nallowed-ips 10.2.0.0/24, "
	    "10.1.2.2/31\n}\n");
	p = TAILQ_FIRST(&c->peers);
	ck_assert_int_eq(p->nallowed, 4);
	ck_assert_str_eq(pfx(&p->allowed[0]), "0.0.0.0/0");
	ck_assert_str_eq(pfx(&p->allowed[1]), "::/0");
	ck_assert_str_eq(pfx(&p->allowed[2]), "10.1.2.3/32");
	ck_assert_str_eq(pfx(&p->allowed[3]), "10.2.0.0/16");
	/* Overlaps are fine: the longest prefix wins at run time. */
	ck_assert_int_eq(TAILQ_NEXT(p, entry)->nallowed, 2);
	config_free(c);

	fails_at("peer p {\npublic-key " K1 "\nallowed-ips 10.0.0.1/24\n}\n",
	    3, "host bits set in 10.0.0.1/24: expected the network address "
	    "10.0.0.0/24");
	fails_at("peer p {\npublic-key " K1 "\nallowed-ips 10.0.0.0/8, "
	    "fd00::1/64\n}\n", 3, "host bits set in fd00::1/64");
	fails_at("peer p {\npublic-key " K1 "\nallowed-ips 10.0.0.0/8\n"
	    "allowed-ips 10.0.0.0/8\n}\n", 4, "allowed-ips 10.0.0.0/8 given "
	    "twice for peer \"p\"");
	fails_at("peer p {\npublic-key " K1 "\nallowed-ips 10.0.0.0/8\n}\n"
	    "peer q {\npublic-key " K2 "\nallowed-ips 10.0.0.0/9, "
	    "10.0.0.0/8\n}\n", 7, "allowed-ips 10.0.0.0/8 of peer \"q\" "
	    "already belongs to peer \"p\"");
	fails_at("peer p {\npublic-key " K1 "\nallowed-ips 10.0.0.0/8,\n}\n",
	    4, "unexpected '}'");
	fails_at("peer p {\npublic-key " K1 "\nallowed-ips\n}\n", 3,
	    "unexpected end of line, expecting string");
	fails_at("peer p {\npublic-key " K1 "\nallowed-ips 10.0.0.0/33\n}\n",
	    3, "allowed-ips: prefix length 33 out of range");

	/* CONF_MAX_ALLOWED fit, more do not; said once per peer. */
	sb_printf(&b, "peer p {\npublic-key " K1 "\n");
	for (i = 0; i < CONF_MAX_ALLOWED; i++)
		sb_printf(&b, "allowed-ips 10.%d.0.0/16\n", i);
	sb_printf(&b, "}\n");
	c = parses(b.s);
	ck_assert_int_eq(TAILQ_FIRST(&c->peers)->nallowed, CONF_MAX_ALLOWED);
	config_free(c);
	b.s[b.len -= 2] = '\0';
	sb_printf(&b, "allowed-ips 11.0.0.0/8, 12.0.0.0/8\n}\n");
	fails_at(b.s, CONF_MAX_ALLOWED + 3, "too many allowed-ips for peer "
	    "\"p\": at most 64");
	ck_assert_int_eq(nlogs, 1);
	free(b.s);
}
END_TEST

START_TEST(t_endpoint)
{
	struct hamd_config	*c;
	struct conf_peer	*p;
	static const struct {
		const char	*in, *host;
		unsigned int	 port;
	} good[] = {
		{ "192.0.2.1:1", "192.0.2.1", 1 },
		{ "192.0.2.1:65535", "192.0.2.1", 65535 },
		{ "[2001:db8::1]:51820", "2001:db8::1", 51820 },
		{ "[::ffff:192.0.2.1]:7", "::ffff:192.0.2.1", 7 },
		{ "[fe80::1%eth0]:51820", "fe80::1%eth0", 51820 },
		{ "vpn.example.org:443", "vpn.example.org", 443 },
		{ "vpn.example.org.:443", "vpn.example.org.", 443 },
		{ "localhost:9", "localhost", 9 },
		{ "a-b_c.9x:9", "a-b_c.9x", 9 },
	};
	static const struct {
		const char	*in, *msg;
	} bad[] = {
		{ "192.0.2.1:0", "port 0 out of range in endpoint "
		    "192.0.2.1:0: expected 1-65535" },
		{ "192.0.2.1:65536", "port 65536 out of range" },
		{ "192.0.2.1:123456", "invalid port" },
		{ "192.0.2.1:", "invalid port" },
		{ "192.0.2.1:x", "invalid port" },
		{ "192.0.2.1:+5", "invalid port" },
		{ "192.0.2.1", "missing port in endpoint 192.0.2.1" },
		{ ":51820", "missing host" },
		{ "2001:db8::1:51820", "needs brackets: expected "
		    "[address]:port" },
		{ "[2001:db8::1]", "missing port" },
		{ "[2001:db8::1]51820", "missing port" },
		{ "[2001:db8::1:51820", "missing ]" },
		{ "[]:1", "invalid IPv6 address" },
		{ "[10.0.0.1]:1", "invalid IPv6 address" },
		{ "[fe80::1%]:1", "invalid IPv6 address" },
		{ "300.1.2.3:1", "invalid IPv4 address" },
		{ "1.2.3:1", "invalid IPv4 address" },
		{ "-bad.example:1", "invalid host name" },
		{ "bad-.example:1", "invalid host name" },
		{ "a..b:1", "invalid host name" },
		{ "a@b:1", "invalid host name" },
	};
	char		 t[512], host[256], err[256];
	uint16_t	 port;
	size_t		 i;
	char		*s;
	struct sbuf	 b = { NULL, 0, 0 };

	for (i = 0; i < nitems(good); i++) {
		(void)snprintf(t, sizeof(t), "peer p {\npublic-key " K1
		    "\nendpoint \"%s\"\n}\n", good[i].in);
		c = parses(t);
		p = TAILQ_FIRST(&c->peers);
		ck_assert_int_eq(p->has_endpoint, 1);
		ck_assert_str_eq(p->endpoint_host, good[i].host);
		ck_assert_uint_eq(p->endpoint_port, good[i].port);
		config_free(c);
		ck_assert_int_eq(conf_parse_endpoint(good[i].in, host,
		    sizeof(host), &port), 0);
		ck_assert_str_eq(host, good[i].host);
	}
	for (i = 0; i < nitems(bad); i++) {
		(void)snprintf(t, sizeof(t), "peer p {\npublic-key " K1
		    "\nendpoint \"%s\"\n}\n", bad[i].in);
		fails_at(t, 3, bad[i].msg);
		ck_assert_int_eq(conf_parse_endpoint_err(bad[i].in, host,
		    sizeof(host), &port, err, sizeof(err)), -1);
		ck_assert_msg(strstr(err, bad[i].msg) != NULL, "%s: %s",
		    bad[i].in, err);
	}
	/* Host names: 253 bytes fit, 254 do not; labels 63. */
	s = repeat('a', 253);
	for (i = 63; i < 253; i += 64)
		s[i] = '.';
	sb_printf(&b, "peer p {\npublic-key " K1 "\nendpoint %s:1\n}\n", s);
	config_free(parses(b.s));
	b.len = 0;
	sb_printf(&b, "peer p {\npublic-key " K1 "\nendpoint %sb:1\n}\n", s);
	fails_at(b.s, 3, "too long: expected at most 253 bytes");
	free(s);
	s = repeat('a', 64);
	b.len = 0;
	sb_printf(&b, "peer p {\npublic-key " K1 "\nendpoint %s.b:1\n}\n", s);
	fails_at(b.s, 3, "invalid host name");
	free(s);
	free(b.s);
	ck_assert_int_eq(conf_parse_endpoint("abc:1", host, 3, &port), -1);
	ck_assert_int_eq(conf_parse_endpoint("abc:1", host, 4, &port), 0);
	ck_assert_int_eq(conf_parse_endpoint("", host, 4, &port), -1);
	ck_assert_int_eq(conf_parse_endpoint(NULL, host, 4, &port), -1);
}
END_TEST

START_TEST(t_public_key)
{
	struct hamd_config	*c;

	fails_at("peer p {\npublic-key \"notakey\"\n}\n", 2, "public-key of "
	    "peer \"p\" is not a valid key: expected 44 characters of base64");
	/* A bad key is never echoed: it may be a private key. */
	ck_assert(!logged("notakey"));
	fails_at("peer p {\npublic-key \"" K1 "x\"\n}\n", 2,
	    "is not a valid key");
	fails_at("peer p {\npublic-key \"" K1 "\\\\\"\n}\n", 2,
	    "is not a valid key");
	fails_at("peer p {\npublic-key \"JTA7RlFcZ3J9iJOeqbS/ytXg6/YBDBciLTh"
	    "DTllkb3=\"\n}\n", 2, "is not a valid key");
	fails_at("peer p {\npublic-key " K1 "\npublic-key " K2 "\n}\n", 3,
	    "public-key given twice for peer \"p\"");
	fails_at("peer p {\npublic-key " K1 "\n}\npeer q {\npublic-key " K2
	    "\n}\npeer r {\npublic-key " K1 "\n}\n", 8,
	    "public-key of peer \"r\" is already used by peer \"p\"");
	/* Missing: names the peer and the line of the block. */
	fails_at("mtu 1400\n\npeer \"nokey\" {\n\tendpoint 192.0.2.1:1\n}\n",
	    3, "peer \"nokey\" has no public-key");
	fails_at("peer \"empty\" { }\n", 1, "peer \"empty\" has no "
	    "public-key");
	c = parses("peer \"k\" {\npublic-key \"" K4 "\"\n}\n");
	config_free(c);
}
END_TEST

/*
 * Every encoding of a point of small order, all zeros or not, is
 * refused as a peer's key and as the hub's, naming the reason; a key
 * one bit away from one of them is taken.
 */
START_TEST(t_low_order_keys)
{
	struct hamd_config	*c;
	uint8_t			 key[KEY_LEN];
	char			 b64[KEY_B64_LEN + 1], text[256];
	size_t			 i;

	for (i = 0; i < LOW_ORDER_KEYS; i++) {
		low_order_key(key, i);
		key_to_base64(b64, key);
		(void)snprintf(text, sizeof(text),
		    "peer p {\npublic-key \"%s\"\n}\n", b64);
		fails_at(text, 2, "public-key of peer \"p\" is a point of "
		    "small order (all zeros or another): no secret can be "
		    "agreed with it");
		(void)snprintf(text, sizeof(text),
		    "hub \"192.0.2.1\" public-key \"%s\"\n", b64);
		fails_at(text, 1, "hub public-key is a point of small order");
	}
	key[0] ^= 1;		/* from eeff..ff: a point of large order */
	key_to_base64(b64, key);
	(void)snprintf(text, sizeof(text), "peer p {\npublic-key \"%s\"\n}\n",
	    b64);
	c = parses(text);
	config_free(c);
}
END_TEST

START_TEST(t_peer_limits)
{
	struct hamd_config	*c;
	struct sbuf		 b = { NULL, 0, 0 };
	int			 i;

	/* CONF_MAX_PEERS fit (keys differ in their first bytes). */
	for (i = 0; i < CONF_MAX_PEERS; i++) {
		uint8_t	 k[KEY_LEN];
		char	 k64[KEY_B64_LEN + 1];

		memset(k, 0x55, sizeof(k));
		k[0] = (uint8_t)(i & 0xff);
		k[1] = (uint8_t)(i >> 8);
		key_to_base64(k64, k);
		sb_printf(&b, "peer n%d {\npublic-key \"%s\"\nallowed-ips "
		    "10.%d.%d.0/24\n}\n", i, k64, i >> 8, i & 0xff);
	}
	c = parses(b.s);
	ck_assert_int_eq(c->npeers, CONF_MAX_PEERS);
	config_free(c);
	sb_printf(&b, "peer extra {\npublic-key " K1 "\nallowed-ips "
	    "10.200.0.0/16\n}\n");
	fails_at(b.s, CONF_MAX_PEERS * 4 + 1, "too many peers: at most 1024");
	ck_assert_int_eq(nlogs, 1);
	free(b.s);

	fails_at("peer p {\npublic-key " K1 "\n}\npeer p {\npublic-key " K2
	    "\n}\n", 4, "peer \"p\" defined twice");
	fails_at("peer p {\npublic-key " K1 "\nendpoint 192.0.2.1:1\n"
	    "endpoint 192.0.2.1:2\n}\n", 4, "endpoint given twice for peer");
	fails_at("peer p {\npublic-key " K1 "\npreshared-key /a\n"
	    "preshared-key /b\n}\n", 4, "preshared-key given twice");
	fails_at("peer p {\npublic-key " K1 "\npersistent-keepalive 1\n"
	    "persistent-keepalive 1\n}\n", 4, "persistent-keepalive given "
	    "twice");
}
END_TEST

START_TEST(t_given_twice)
{
	static const char *const stmts[] = {
		"user a", "chroot /a", "state-directory /a", "socket /a",
		"admin-group a", "read-access all", "log brief", "interface a",
		"mtu 1400", "listen-port 1", "private-key /a",
	};
	char	 t[256], kw[64];
	size_t	 i;

	for (i = 0; i < nitems(stmts); i++) {
		(void)snprintf(t, sizeof(t), "%s\n# again\n%s\n", stmts[i],
		    stmts[i]);
		(void)snprintf(kw, sizeof(kw), "%.*s given twice",
		    (int)strcspn(stmts[i], " "), stmts[i]);
		fails_at(t, 3, kw);
	}
}
END_TEST

/* ---- messages, lines, recovery ---- */

START_TEST(t_error_lines)
{
	struct hamd_config	*c;

	/* Every error in one run, each at its line, good lines between. */
	c = parse_text(
	    "mtu 99\n"						/* 1 */
	    "listen-port 51821\n"
	    "# comment\n"
	    "bogus 1\n"
	    "interface \"bad name\"\n"				/* 5 */
	    "address \\\n"
	    "  10.0.0.300/24\n"
	    "peer p {\n"
	    "\tpublic-key " K1 "\n"
	    "\tfrobnicate yes\n"				/* 10 */
	    "\tallowed-ips 10.0.0.1/24\n"
	    "\tmtu 1400\n"
	    "\tendpoint \"x\n"
	    "}\n"
	    "public-key " K2 "\n"				/* 15 */
	    "log brief verbose\n"
	    "socket /ok.sock\n"
	    "read-access }\n");
	if (c != NULL || nlogs != 11)
		dump_logs();
	ck_assert_ptr_null(c);
	ck_assert(logged_at("hamd.conf", 1, "mtu 99 out of range: expected "
	    "1280-65535"));
	ck_assert(logged_at("hamd.conf", 4, "unknown keyword \"bogus\""));
	ck_assert(logged_at("hamd.conf", 5, "not a valid interface name"));
	ck_assert(logged_at("hamd.conf", 7, "invalid address 10.0.0.300/24"));
	ck_assert(logged_at("hamd.conf", 10, "unknown peer option "
	    "\"frobnicate\": expected public-key, preshared-key, endpoint, "
	    "allowed-ips or persistent-keepalive"));
	ck_assert(logged_at("hamd.conf", 11, "host bits set in 10.0.0.1/24"));
	ck_assert(logged_at("hamd.conf", 12, "mtu is not valid inside a peer "
	    "block"));
	ck_assert(logged_at("hamd.conf", 13, "unterminated quoted string"));
	ck_assert(logged_at("hamd.conf", 15, "public-key is only valid inside "
	    "a peer block"));
	ck_assert(logged_at("hamd.conf", 16, "syntax error: unexpected "
	    "verbose, expecting end of line"));
	ck_assert(logged_at("hamd.conf", 18, "syntax error: unexpected '}', "
	    "expecting admins or all"));
	ck_assert_int_eq(nlogs, 11);
}
END_TEST

START_TEST(t_syntax)
{
	fails_at("peer p {\npublic-key " K1 "\n", 2, "unexpected end of file: "
	    "missing '}' for peer \"p\" opened on line 1");
	fails_at("peer p {\npublic-key " K1, 2, "missing '}' for peer \"p\"");
	fails_at("mtu 1400\n}\n", 2, "syntax error: unexpected '}'");
	fails_at("peer p {\npublic-key " K1 " }\n", 2, "unexpected '}', "
	    "expecting end of line");
	/* The first option may share the brace's line, no other. */
	config_free(parses("peer p { public-key " K1 "\n}\n"));
	fails_at("peer p { public-key " K1 " }\n", 1, "unexpected '}', "
	    "expecting end of line");
	fails_at("peer p\nmtu 1400\n", 2, "expecting end of line or '{'");
	fails_at("peer {\n}\n", 1, "unexpected '{', expecting string");
	fails_at("peer p {\npublic-key " K1 "\n}}\n", 3, "unexpected '}'");
	fails_at("\"mtu\" 1400\n", 1, "unknown keyword \"mtu\"");
	fails_at("foo\n", 1, "unknown keyword \"foo\"");
	fails_at("mtu 1400 1500\n", 1, "unexpected number 1500, expecting end "
	    "of line");
	fails_at("mtu ! 1400\n", 1, "unexpected character '!'");
	fails_at("mtu \x01\n", 1, "unexpected byte 0x01");
	fails_at("mtu \xc3\xa9\n", 1, "unexpected byte 0xc3");
	fails_at("interface \"a\x01\"\n", 1, "control character 0x01 in "
	    "quoted string");
	fails_at("interface \"a\\n\"\n", 1, "invalid escape in quoted string");
	fails_at("interface \"abc\n", 1, "unterminated quoted string");
	fails_at("interface \"abc", 1, "unterminated quoted string");
	fails_at("interface \"a\\\nb\"\nmtu 1\n", 3, "mtu 1 out of range");
	fails_at("mtu 99999999999999999999999\n", 1, "number "
	    "99999999999999999999999 is too large");
	fails_at("mtu -99999999999999999999999\n", 1, "is too large");
	fails_at("mtu 9223372036854775807\n", 1, "mtu 9223372036854775807 out "
	    "of range");
	fails_at("mtu -9223372036854775808\n", 1, "mtu -9223372036854775808 "
	    "out of range");
	fails_at("include\n", 1, "unexpected end of line, expecting string");
	fails_at("= 5\n", 1, "unexpected '='");
}
END_TEST

START_TEST(t_too_many_errors)
{
	struct sbuf	 b = { NULL, 0, 0 };
	int		 i;

	for (i = 0; i < 500; i++)
		sb_printf(&b, "mtu 1\n");
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
	ck_assert_ptr_null(parse_config(p, NULL));
	ck_assert(logged("absent.conf: No such file or directory"));
	nlogs = 0;
	ck_assert_ptr_null(parse_config(tmpdir, NULL));
	ck_assert(logged("not a regular file"));
}
END_TEST

/* ---- include ---- */

START_TEST(t_include)
{
	struct hamd_config	*c;
	char			 t[PATH_MAX * 2];
	const char		*inc;

	inc = write_file("peers.conf", "# peers\npeer inc {\npublic-key " K1
	    "\nallowed-ips 10.5.0.0/16\n}\nmtu 1300");	/* no final \n */
	(void)snprintf(t, sizeof(t), "listen-port 4000\ninclude \"%s\"\n"
	    "interface x9\n", inc);
	c = parses(t);
	ck_assert_uint_eq(c->listen_port, 4000);
	ck_assert_uint_eq(c->mtu, 1300);
	ck_assert_str_eq(c->ifname, "x9");
	ck_assert_ptr_nonnull(peer_named(c, "inc"));
	config_free(c);

	/* Errors in an included file name it and its line; the including
	 * file's lines stay right after it. */
	inc = write_file("bad.conf", "\n\nmtu 5\n");
	(void)snprintf(t, sizeof(t), "include %s\n\nlisten-port 0\n", inc);
	ck_assert_ptr_null(parse_text(t));
	ck_assert(logged_at("bad.conf", 3, "mtu 5 out of range"));
	ck_assert(logged_at("hamd.conf", 3, "listen-port 0 out of range"));
	ck_assert_int_eq(nlogs, 2);

	fails_at("include \"peers.conf\"\n", 1, "include path \"peers.conf\" "
	    "is not absolute: expected a path starting with /");
	(void)snprintf(t, sizeof(t), "\ninclude \"%s/nope.conf\"\n", tmpdir);
	fails_at(t, 2, "nope.conf\": No such file or directory");
	(void)snprintf(t, sizeof(t), "include \"%s\"\n", tmpdir);
	fails_at(t, 1, "not a regular file");
	(void)snprintf(t, sizeof(t), "include \"%s\" mtu\n", inc);
	fails_at(t, 1, "unexpected mtu, expecting end of line");
	(void)snprintf(t, sizeof(t), "peer p {\ninclude \"%s\"\n}\n", inc);
	fails_at(t, 2, "include is not valid inside a peer block");

	/* A file including itself stops at once. */
	(void)snprintf(t, sizeof(t), "mtu 1400\ninclude \"%s\"\n",
	    path_of("hamd.conf"));
	fails_at(t, 2, "the file includes itself");
	ck_assert_int_eq(nlogs, 1);
}
END_TEST

START_TEST(t_include_depth)
{
	char	 name[32], next[32], t[PATH_MAX + 64];
	int	 i;

	/* inc0 -> inc1 -> ... -> inc9: the main file and 7 more fit. */
	for (i = 9; i >= 0; i--) {
		(void)snprintf(name, sizeof(name), "inc%d.conf", i);
		(void)snprintf(next, sizeof(next), "inc%d.conf", i + 1);
		if (i == 9)
			(void)snprintf(t, sizeof(t), "mtu 1300\n");
		else
			(void)snprintf(t, sizeof(t), "# level %d\ninclude "
			    "\"%s\"\n", i, path_of(next));
		write_file(name, t);
	}
	/* hamd.conf + inc2..inc8: 8 open, inc8's include of inc9 fails. */
	(void)snprintf(t, sizeof(t), "include \"%s\"\n", path_of("inc2.conf"));
	ck_assert_ptr_null(parse_text(t));
	ck_assert(logged_at("inc8.conf", 2, "nested too deep, at most 8 "
	    "files may be open at once"));
	ck_assert_int_eq(nlogs, 1);
	/* One level less is fine. */
	(void)snprintf(t, sizeof(t), "include \"%s\"\n", path_of("inc3.conf"));
	config_free(parses(t));
}
END_TEST

/* ---- macros ---- */

START_TEST(t_macros)
{
	struct hamd_config	*c;
	struct conf_peer	*p;

	c = parses(
	    "dir = \"/srv/ham\"\n"
	    "port = 51999\n"
	    "mtu_v = 1300\n"
	    "nets = \"10.1.0.0/16, 10.2.0.0/16\"\n"
	    "key_a=\"" K1 "\"\n"
	    "state-directory $dir\n"
	    "listen-port $port\n"
	    "mtu $mtu_v\n"
	    "peer p {\n"
	    "  public-key $key_a\n"
	    "  allowed-ips $nets, 10.3.0.0/16\n"
	    "}\n"
	    "port = 2\n"			/* redefined: later uses see 2 */
	    "peer q {\npublic-key " K2 "\npersistent-keepalive $port\n}\n");
	ck_assert_str_eq(c->state_dir, "/srv/ham");
	ck_assert_uint_eq(c->listen_port, 51999);
	ck_assert_uint_eq(c->mtu, 1300);
	p = peer_named(c, "p");
	ck_assert_int_eq(p->nallowed, 3);
	ck_assert_str_eq(pfx(&p->allowed[1]), "10.2.0.0/16");
	ck_assert_uint_eq(peer_named(c, "q")->keepalive, 2);
	config_free(c);

	fails_at("mtu 1400\nlisten-port $nope\n", 2, "macro \"nope\" is not "
	    "defined");
	fails_at("mtu $\n", 1, "'$' must be followed by a macro name");
	fails_at("a = \"$b\"\nb = \"$a\"\nmtu $a\n", 3, "'$' in the value of "
	    "a macro: macros do not nest");
	fails_at("a = \"x y z\"\nuser $a\n", 2, "unexpected string \"y\"");
	fails_at("\"9a\" = 1\n", 1, "invalid macro name \"9a\"");
	fails_at("\"a-b\" = 1\n", 1, "invalid macro name");
	fails_at("a = \n", 1, "unexpected end of line");
	fails_at("a = b c\n", 1, "unexpected string \"c\", expecting end of "
	    "line");
	/* Used before its definition. */
	fails_at("mtu $m\nm = 1400\n", 1, "macro \"m\" is not defined");
	/* A value longer than a line can hold still expands safely. */
	{
		struct sbuf	 b = { NULL, 0, 0 };
		char		*s = repeat('x', CONF_LINE_MAX - 10);

		sb_printf(&b, "m = \"%s\"\nuser $m$m\n", s);
		fails_at(b.s, 2, "user");
		free(s);
		free(b.s);
	}
}
END_TEST

START_TEST(t_keywords_sorted)
{
	const char	*prev, *cur;
	size_t		 i;

	ck_assert_ptr_nonnull(prev = conf_keyword(0));
	for (i = 1; (cur = conf_keyword(i)) != NULL; i++) {
		ck_assert_msg(strcmp(prev, cur) < 0, "keyword table not sorted "
		    "at \"%s\" > \"%s\"", prev, cur);
		prev = cur;
	}
	ck_assert_uint_eq(i, 31);
}
END_TEST

/* ---- -s ---- */

START_TEST(t_opts_socket)
{
	struct hamd_config	*c;
	char			*s;
	const char		*path;

	path = write_file("hamd.conf", "socket /run/file.sock\n");
	ck_assert_ptr_nonnull(c = parse_config(path, "/tmp/override.sock"));
	ck_assert_str_eq(c->socket_path, "/tmp/override.sock");
	config_free(c);
	ck_assert_ptr_nonnull(c = parse_config(path, NULL));
	ck_assert_str_eq(c->socket_path, "/run/file.sock");
	config_free(c);
	path = write_file("hamd.conf", "");
	ck_assert_ptr_nonnull(c = parse_config(path, "/x.sock"));
	ck_assert_str_eq(c->socket_path, "/x.sock");
	config_free(c);

	nlogs = 0;
	ck_assert_ptr_null(parse_config(path, "rel.sock"));
	ck_assert(logged("socket \"rel.sock\" given with -s is not an "
	    "absolute path"));
	s = repeat('s', CONF_SOCKET_MAX);
	s[0] = '/';
	nlogs = 0;
	ck_assert_ptr_null(parse_config(path, s));
	ck_assert(logged("socket path given with -s too long (108 bytes)"));
	s[CONF_SOCKET_MAX - 1] = '\0';
	ck_assert_ptr_nonnull(c = parse_config(path, s));
	config_free(c);
	free(s);
	/* -s does not hide an error in the file. */
	path = write_file("hamd.conf", "socket relative\n");
	nlogs = 0;
	ck_assert_ptr_null(parse_config(path, "/ok.sock"));
	ck_assert(logged_at("hamd.conf", 1, "is not an absolute path"));
}
END_TEST

START_TEST(t_example)
{
	struct hamd_config	*c;

	nlogs = 0;
	c = parse_config(TOP_SRCDIR "/etc/hamd.conf.example", NULL);
	if (c == NULL)
		dump_logs();
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(nlogs, 0);
	ck_assert_int_ge(c->npeers, 2);
	ck_assert_int_ge(c->naddrs, 1);
	config_free(c);
}
END_TEST

START_TEST(t_prefix_helper)
{
	struct ip_prefix	 p;
	char			 err[256];

	ck_assert_int_eq(prefix_parse("192.168.1.0/24", &p, 0, NULL, 0), 0);
	ck_assert_int_eq(p.af, AF_INET);
	ck_assert_uint_eq(p.plen, 24);
	ck_assert_int_eq(prefix_parse("192.168.1.1/24", &p, 0, NULL, 0), -1);
	ck_assert_int_eq(prefix_parse("192.168.1.1/24", &p, 1, NULL, 0), 0);
	ck_assert_int_eq(prefix_parse("192.168.1.128/25", &p, 0, NULL, 0), 0);
	ck_assert_int_eq(prefix_parse("192.168.1.128/24", &p, 0, NULL, 0), -1);
	ck_assert_int_eq(prefix_parse("0.0.0.0/0", &p, 0, NULL, 0), 0);
	ck_assert_int_eq(prefix_parse("1.0.0.0/0", &p, 0, NULL, 0), -1);
	ck_assert_int_eq(prefix_parse("10.0.0.1/32", &p, 0, NULL, 0), 0);
	ck_assert_int_eq(prefix_parse("2001:db8::/32", &p, 0, NULL, 0), 0);
	ck_assert_int_eq(prefix_parse("2001:db8:8000::/33", &p, 0, NULL, 0), 0);
	ck_assert_int_eq(prefix_parse("2001:db8:8000::/32", &p, 0, NULL, 0), -1);
	ck_assert_int_eq(prefix_parse("::1/128", &p, 0, NULL, 0), 0);
	ck_assert_int_eq(prefix_parse("::/0", &p, 0, NULL, 0), 0);
	ck_assert_int_eq(prefix_parse("010.0.0.1/32", &p, 1, NULL, 0), -1);
	ck_assert_int_eq(prefix_parse(" 10.0.0.1/32", &p, 1, NULL, 0), -1);
	ck_assert_int_eq(prefix_parse("10.0.0.1/ 32", &p, 1, NULL, 0), -1);
	ck_assert_int_eq(prefix_parse("10.0.0.1/32/1", &p, 1, NULL, 0), -1);
	ck_assert_int_eq(prefix_parse("", &p, 1, NULL, 0), -1);
	ck_assert_int_eq(prefix_parse(NULL, &p, 1, NULL, 0), -1);
	ck_assert_int_eq(prefix_parse("10.1.2.3/12", &p, 0, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "host bits set in 10.1.2.3/12: expected the "
	    "network address 10.0.0.0/12");
	/* A tiny buffer truncates, never overflows. */
	ck_assert_int_eq(prefix_parse("x", &p, 0, err, 4), -1);
	ck_assert_str_eq(err, "inv");
}
END_TEST

/* ---- hostile input ---- */

START_TEST(t_truncated)
{
	struct hamd_config	*c;
	size_t			 n, len = strlen(full_conf), good = 0;

	for (n = 0; n <= len; n++) {
		nlogs = 0;
		c = parse_config(write_file_len("hamd.conf", full_conf, n),
		    NULL);
		/* NULL exactly when something was said about it. */
		ck_assert_msg((c == NULL) == (nlogs > 0), "prefix %zu", n);
		if (c != NULL)
			good++;
		config_free(c);
	}
	ck_assert_uint_gt(good, 10);
}
END_TEST

static uint32_t	 rng = 12345;

static uint32_t
next_rand(void)
{
	rng = rng * 1103515245U + 12345U;
	return rng >> 8;
}

START_TEST(t_garbage)
{
	static const char *const frags[] = {
		"peer", "public-key", "allowed-ips", "endpoint", "mtu",
		"include", "address", "{", "}", "\n", "\n", " ", " ", ",", "=",
		"$a", "$", "\"", "\\", "\\\n", "#", "a = \"mtu\"\n", "1400",
		"-1", "10.0.0.0/8", "[::1]:5", K1, "\"/x\"", "\r\n", "0",
		"99999999999999999999", "interface", "log", "verbose",
		"persistent-keepalive", "preshared-key", "socket", "::/0",
		"x", "\t", "\xff", "\"\"", "a = 1\n", "}\n", "{\n",
	};
	char		 buf[4096];
	size_t		 len, i;
	int		 iter;
	struct hamd_config *c;

	for (iter = 0; iter < 600; iter++) {
		len = next_rand() % sizeof(buf);
		if (iter % 2 == 0) {
			/* Raw bytes, mostly printable, rarely a NUL. */
			for (i = 0; i < len; i++) {
				uint32_t r = next_rand();

				buf[i] = (char)(r % 8 == 0 ? r >> 8 :
				    0x20 + (r >> 8) % 0x5f);
				if (r % 17 == 0)
					buf[i] = '\n';
			}
		} else {
			/* Token soup: reaches deep into the grammar. */
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
		c = parse_config(write_file_len("hamd.conf", buf, len), NULL);
		ck_assert_msg((c == NULL) == (nlogs > 0), "iteration %d", iter);
		config_free(c);
	}
}
END_TEST

START_TEST(t_oversized)
{
	struct sbuf	 b = { NULL, 0, 0 };
	char		*s;

	/* A line of exactly CONF_LINE_MAX bytes is fine; one more is not. */
	s = repeat('#', CONF_LINE_MAX);
	sb_printf(&b, "mtu 1400\n%s\n", s);
	config_free(parses(b.s));
	b.len = 0;
	sb_printf(&b, "mtu 1400\n%s#\nmtu 5\n", s);
	fails_at(b.s, 2, "line too long: expected at most 8192 bytes");
	ck_assert_int_eq(nlogs, 1);	/* refused before parsing */
	free(s);

	/* 9 KiB of one word. */
	s = repeat('a', 9 * 1024);
	b.len = 0;
	sb_printf(&b, "%s", s);
	fails_at(b.s, 1, "line too long");
	free(s);

	/* Continued lines make a word longer than any line. */
	b.len = 0;
	s = repeat('w', 8000);
	sb_printf(&b, "user %s\\\n%s\n", s, s);
	fails_at(b.s, 1, "word too long");
	b.len = 0;
	sb_printf(&b, "user \"%s\\\n%s\"\nmtu 2\n", s, s);
	fails_at(b.s, 1, "quoted string too long");
	ck_assert(logged_at("hamd.conf", 3, "mtu 2 out of range"));
	free(s);

	/* Long values are shortened in messages. */
	s = repeat('z', 5000);
	b.len = 0;
	sb_printf(&b, "interface \"%s\"\n", s);
	fails_at(b.s, 1, "interface \"zzzz");
	ck_assert(logged("...\" is not a valid interface name"));
	ck_assert_uint_lt(strlen(logs[0]), 400);
	free(s);
	free(b.s);
}
END_TEST

START_TEST(t_nul)
{
	static const char	 t1[] = "mtu 1400\nlisten-port 1\0\nmtu 1\n";
	static const char	 t2[] = "\0";

	nlogs = 0;
	ck_assert_ptr_null(parse_config(write_file_len("hamd.conf", t1,
	    sizeof(t1) - 1), NULL));
	ck_assert(logged_at("hamd.conf", 2, "NUL byte in the file: expected "
	    "a text file"));
	ck_assert_int_eq(nlogs, 1);
	nlogs = 0;
	ck_assert_ptr_null(parse_config(write_file_len("hamd.conf", t2, 1),
	    NULL));
	ck_assert(logged_at("hamd.conf", 1, "NUL byte"));
}
END_TEST

static Suite *
parse_suite(void)
{
	Suite	*s = suite_create("parse");
	TCase	*tc;

	tc = tcase_create("statements");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, t_defaults);
	tcase_add_test(tc, t_full);
	tcase_add_test(tc, t_choices);
	tcase_add_test(tc, t_layout);
	tcase_add_test(tc, t_opts_socket);
	tcase_add_test(tc, t_example);
	tcase_add_test(tc, t_prefix_helper);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, t_mtu);
	tcase_add_test(tc, t_listen_port);
	tcase_add_test(tc, t_keepalive);
	tcase_add_test(tc, t_hub);
	tcase_add_test(tc, t_hub_keepalive);
	tcase_add_test(tc, t_public_endpoint);
	tcase_add_test(tc, t_advertise_route);
	tcase_add_test(tc, t_dns_domain);
	tcase_add_test(tc, t_http_listen);
	tcase_add_test(tc, t_interface);
	tcase_add_test(tc, t_paths);
	tcase_add_test(tc, t_names);
	tcase_add_test(tc, t_address);
	tcase_add_test(tc, t_allowed_ips);
	tcase_add_test(tc, t_endpoint);
	tcase_add_test(tc, t_public_key);
	tcase_add_test(tc, t_low_order_keys);
	tcase_add_test(tc, t_peer_limits);
	tcase_add_test(tc, t_given_twice);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, t_error_lines);
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
	SRunner	*sr = srunner_create(parse_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
