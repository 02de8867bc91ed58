/*
 * fakehub: a hub for tests only, that says what a real hub must not, to
 * a running hamd.  It holds the hub's key, so everything it sends is
 * authenticated: only the node's state machine stands between these
 * messages and the node's state.
 *
 *   fakehub -k KEYFILE -l ADDR:PORT [-w SECONDS] SCENARIO...
 *
 *   -k  the hub's private key file (hamctl genkey); hamd pins its key
 *   -l  the TCP address and port to listen on (IPv4)
 *   -w  how long to wait for each connection and each answer (20)
 *
 * Each scenario takes the next connection hamd makes: the channel's
 * handshake and hamd's LOGIN, then:
 *
 *   second-login  LOGIN_OK with 100.64.0.5, the end of the peer list, a
 *                 PING (its PONG proves hamd online), then a second
 *                 LOGIN_OK with 100.64.0.99: hamd must close the
 *                 connection and keep its first address
 *   unasked       LOGIN_OK, the end of the peer list, then answers to
 *                 no request (RESPONSE, NET_ENTRY and MEMBER_ENTRY with
 *                 request id 77, a second end of the peer list); then,
 *                 for the first REQUEST hamd sends, a NET_ENTRY named
 *                 "stranger" and a RESPONSE under the next request id
 *                 before the real answer, a NET_ENTRY named "mine" and
 *                 a RESPONSE with the request's id; then a PING whose
 *                 PONG proves the connection survived all of it
 *   early-peer    a PEER_UP before any answer to the login: hamd must
 *                 close the connection and add no peer
 *   node-message  LOGIN_OK, then a LOGIN, which only nodes send: hamd
 *                 must close the connection
 *
 * Prints "SCENARIO: ok" for each that went as it should, else what
 * happened and "SCENARIO: WRONG"; exit 0 if all were ok, 1 if not, 2
 * on a usage or local error.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto/key.h"
#include "crypto/wg_result.h"
#include "proto/hubchan.h"
#include "proto/hubproto.h"

#define REQ_STRAY	77	/* a request id nobody used */

static struct {
	struct noise_protocol	 proto;
	struct noise_static	 self;
	struct hub_chan		 chan;
	int			 lfd, fd;
	int			 wait_s;
	uint8_t			 body[HUB_FRAME_MAX];
	uint8_t			 pt[HUB_MSG_MAX];
} g;

static uint64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* n bytes before the deadline: 1, 0 on end of stream, -1 on timeout. */
static int
read_full(uint8_t *buf, size_t n, uint64_t deadline)
{
	struct pollfd	 pfd = { g.fd, POLLIN, 0 };
	ssize_t		 r;
	size_t		 got = 0;
	uint64_t	 now;

	while (got < n) {
		if ((now = now_ms()) >= deadline)
			return -1;
		if (poll(&pfd, 1, (int)(deadline - now)) <= 0)
			continue;
		if ((r = read(g.fd, buf + got, n - got)) == 0 ||
		    (r == -1 && errno == ECONNRESET))
			return 0;
		if (r == -1 && errno != EINTR && errno != EAGAIN) {
			printf("error: read: %s\n", strerror(errno));
			exit(2);
		}
		if (r > 0)
			got += (size_t)r;
	}
	return 1;
}

/* The next frame body into g.body: its length, 0 at EOF, -1 on timeout. */
static ssize_t
read_frame(uint64_t deadline)
{
	uint8_t	 hdr[2];
	size_t	 len;
	int	 r;

	if ((r = read_full(hdr, 2, deadline)) != 1)
		return r;
	len = (size_t)hdr[0] << 8 | hdr[1];
	if (len == 0 || len > sizeof(g.body)) {
		printf("error: hamd sent a frame of %zu bytes\n", len);
		exit(2);
	}
	if ((r = read_full(g.body, len, deadline)) != 1)
		return r;
	return (ssize_t)len;
}

static void
write_frame(const uint8_t *body, size_t len)
{
	uint8_t	 hdr[2] = { (uint8_t)(len >> 8), (uint8_t)len };

	if (write(g.fd, hdr, 2) != 2 ||
	    write(g.fd, body, len) != (ssize_t)len) {
		printf("error: write: %s\n", strerror(errno));
		exit(2);
	}
}

static void
send_msg(const struct hub_msg *m)
{
	uint8_t	 frame[HUB_FRAME_MAX];
	size_t	 len, flen;

	if ((len = hub_msg_encode(m, g.pt, sizeof(g.pt))) == 0 ||
	    hub_chan_seal(&g.chan, g.pt, len, frame, sizeof(frame),
	    &flen) != WG_OK) {
		printf("error: cannot send %s\n", hub_msg_name(m->type));
		exit(2);
	}
	write_frame(frame, flen);
}

/*
 * The next message of type want (others, such as CANDIDATES, skipped):
 * 1, 0 if hamd closed the connection, -1 if the deadline passed.
 */
static int
expect_msg(int want, struct hub_msg *m)
{
	uint64_t	 deadline = now_ms() + (uint64_t)g.wait_s * 1000;
	size_t		 ptlen;
	ssize_t		 n;

	for (;;) {
		if ((n = read_frame(deadline)) <= 0)
			return (int)n;
		if (hub_chan_open(&g.chan, g.body, (size_t)n, g.pt,
		    sizeof(g.pt), &ptlen) != WG_OK ||
		    hub_msg_decode(m, g.pt, ptlen) == -1) {
			printf("error: a frame from hamd that does not open\n");
			exit(2);
		}
		if (m->type == want)
			return 1;
	}
}

/* hamd closes the connection before the deadline, whatever it sends. */
static int
closed_by_hamd(void)
{
	struct hub_msg	 m;

	return expect_msg(-1, &m) == 0;
}

/* Accept hamd's next connection and take its handshake and LOGIN. */
static void
session(void)
{
	struct pollfd	 pfd = { g.lfd, POLLIN, 0 };
	struct hub_msg	 m;
	uint8_t		 ts[TAI64N_LEN], resp[HUB_FRAME_MAX];
	size_t		 rlen;
	ssize_t		 n;

	if (poll(&pfd, 1, g.wait_s * 1000) != 1 ||
	    (g.fd = accept(g.lfd, NULL, NULL)) == -1) {
		printf("error: hamd did not connect within %d s\n", g.wait_s);
		exit(2);
	}
	hub_chan_clear(&g.chan);
	if ((n = read_frame(now_ms() + (uint64_t)g.wait_s * 1000)) <= 0 ||
	    hub_chan_accept_static(&g.chan, &g.proto, &g.self, g.body,
	    (size_t)n) != WG_OK ||
	    hub_chan_accept_finish(&g.chan, g.body, (size_t)n, ts, resp,
	    sizeof(resp), &rlen) != WG_OK) {
		printf("error: no valid handshake from hamd\n");
		exit(2);
	}
	write_frame(resp, rlen);
	if (expect_msg(HUB_MSG_LOGIN, &m) != 1) {
		printf("error: no LOGIN from hamd\n");
		exit(2);
	}
}

static void
session_end(void)
{
	close(g.fd);
	g.fd = -1;
	hub_chan_clear(&g.chan);
}

static void
login_ok(uint8_t last)
{
	struct hub_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_LOGIN_OK;
	m.u.login_ok.v4[0] = 100;
	m.u.login_ok.v4[1] = 64;
	m.u.login_ok.v4[3] = last;
	m.u.login_ok.v4_plen = 10;
	m.u.login_ok.v6[0] = 0xfd;
	m.u.login_ok.v6[1] = 0x77;
	m.u.login_ok.v6[15] = last;
	m.u.login_ok.v6_plen = 64;
	send_msg(&m);
}

/* RESPONSE id (0: the end of the peer list after a login). */
static void
response(uint32_t id, const char *text)
{
	struct hub_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_RESPONSE;
	m.u.resp.id = id;
	(void)snprintf(m.u.resp.msg, sizeof(m.u.resp.msg), "%s", text);
	send_msg(&m);
}

static void
net_entry(uint32_t id, const char *name)
{
	struct hub_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_NET_ENTRY;
	m.u.net.id = id;
	randombytes_buf(m.u.net.netid, sizeof(m.u.net.netid));
	(void)snprintf(m.u.net.name, sizeof(m.u.net.name), "%s", name);
	m.u.net.members = 1;
	send_msg(&m);
}

/* A PING answered by its PONG: the session lives.  1 or 0. */
static int
pong(void)
{
	struct hub_msg	 m;
	uint64_t	 cookie;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_PING;
	randombytes_buf(&cookie, sizeof(cookie));
	m.u.ping = cookie;
	send_msg(&m);
	return expect_msg(HUB_MSG_PONG, &m) == 1 && m.u.ping == cookie;
}

static int
scen_second_login(void)
{
	login_ok(5);
	response(0, "");
	if (!pong())
		return printf("no PONG after the login\n"), 1;
	login_ok(99);
	if (!closed_by_hamd())
		return printf("connection still open after a second "
		    "LOGIN_OK\n"), 1;
	return 0;
}

static int
scen_unasked(void)
{
	struct hub_msg	 m;
	uint32_t	 id;

	login_ok(5);
	response(0, "");
	if (!pong())
		return printf("no PONG after the login\n"), 1;
	response(REQ_STRAY, "nobody asked");
	net_entry(REQ_STRAY, "stray");
	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_MEMBER_ENTRY;
	m.u.member.id = REQ_STRAY;
	randombytes_buf(m.u.member.key, sizeof(m.u.member.key));
	send_msg(&m);
	response(0, "");
	if (!pong())
		return printf("no PONG after answers nobody asked for\n"), 1;
	printf("unasked: waiting for a request\n");
	if (expect_msg(HUB_MSG_REQUEST, &m) != 1)
		return printf("no REQUEST from hamd\n"), 1;
	id = m.u.req.id;
	sodium_memzero(&m, sizeof(m));
	net_entry(id + 1, "stranger");
	response(id + 1, "not yours");
	net_entry(id, "mine");
	response(id, "");
	if (!pong())
		return printf("no PONG after the request's answer\n"), 1;
	return 0;
}

static int
scen_early_peer(void)
{
	struct hub_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_PEER_UP;
	randombytes_buf(m.u.peer.key, sizeof(m.u.peer.key));
	m.u.peer.v4[0] = 100;
	m.u.peer.v4[1] = 64;
	m.u.peer.v4[3] = 6;
	m.u.peer.v6[0] = 0xfd;
	m.u.peer.v6[1] = 0x77;
	m.u.peer.v6[15] = 6;
	send_msg(&m);
	if (!closed_by_hamd())
		return printf("connection still open after a PEER_UP before "
		    "the login's answer\n"), 1;
	return 0;
}

static int
scen_node_message(void)
{
	struct hub_msg	 m;

	login_ok(5);
	response(0, "");
	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_LOGIN;
	m.u.login.version = HUB_PROTOCOL_VERSION;
	send_msg(&m);
	if (!closed_by_hamd())
		return printf("connection still open after a LOGIN from the "
		    "hub\n"), 1;
	return 0;
}

static const struct {
	const char	*name;
	int		(*fn)(void);
} scenarios[] = {
	{ "second-login", scen_second_login },
	{ "unasked", scen_unasked },
	{ "early-peer", scen_early_peer },
	{ "node-message", scen_node_message },
};

static void
usage(void)
{
	fprintf(stderr, "usage: fakehub -k keyfile -l addr:port [-w seconds] "
	    "scenario ...\n");
	exit(2);
}

static int
listen_on(const char *s)
{
	struct sockaddr_in	 sin;
	char			 host[64], *colon;
	int			 fd, one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	if (snprintf(host, sizeof(host), "%s", s) >= (int)sizeof(host) ||
	    (colon = strrchr(host, ':')) == NULL)
		usage();
	*colon = '\0';
	sin.sin_port = htons((uint16_t)atoi(colon + 1));
	if (sin.sin_port == 0 || inet_pton(AF_INET, host, &sin.sin_addr) != 1)
		usage();
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 4) == -1) {
		printf("error: listen on %s: %s\n", s, strerror(errno));
		exit(2);
	}
	return fd;
}

int
main(int argc, char *argv[])
{
	const char	*keyfile = NULL, *addr = NULL;
	char		 err[256];
	size_t		 i;
	int		 ch, a, failed = 0, found;

	if (sodium_init() < 0)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&g, 0, sizeof(g));
	g.wait_s = 20;
	g.fd = -1;
	while ((ch = getopt(argc, argv, "k:l:w:")) != -1) {
		switch (ch) {
		case 'k': keyfile = optarg; break;
		case 'l': addr = optarg; break;
		case 'w': g.wait_s = atoi(optarg); break;
		default: usage();
		}
	}
	if (keyfile == NULL || addr == NULL || optind == argc ||
	    g.wait_s <= 0)
		usage();
	for (a = optind; a < argc; a++) {
		for (i = 0, found = 0; i < nitems(scenarios); i++)
			found |= strcmp(argv[a], scenarios[i].name) == 0;
		if (!found)
			usage();
	}
	if (key_file_read(keyfile, g.self.priv, err, sizeof(err)) == -1 ||
	    key_public(g.self.pub, g.self.priv) == -1) {
		printf("error: %s\n", err);
		return 2;
	}
	if (hub_proto_init(&g.proto) != 0)
		return 2;
	g.lfd = listen_on(addr);
	for (a = optind; a < argc; a++)
		for (i = 0; i < nitems(scenarios); i++) {
			if (strcmp(argv[a], scenarios[i].name) != 0)
				continue;
			session();
			if (scenarios[i].fn() == 0)
				printf("%s: ok\n", argv[a]);
			else {
				printf("%s: WRONG\n", argv[a]);
				failed = 1;
			}
			session_end();
		}
	return failed;
}
