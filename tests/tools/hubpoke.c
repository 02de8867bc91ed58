/*
 * hubpoke: hostile input at a hub's TCP port, for tests only.  It plays
 * a node (or something pretending to be one) on the project's own
 * framer, channel and codec, and says what the hub did.
 *
 *   hubpoke [-f ADDR] [-s SRC[,SRC...]] [-t SECONDS] [-w MS] HOST PORT
 *           MODE [ARGS]
 *
 *   -f  another IPv4 address of this host, which the hub must take for
 *       a stranger's (relay mode)
 *   -s  local IPv4 addresses to connect from, one after the other per
 *       connection (the hub counts connections per address)
 *   -t  the hub's login timeout (10): connections that send too little
 *       must be closed no earlier than this and not much later
 *   -w  how long to wait for the hub to answer or close (the login
 *       timeout plus 3 s)
 *
 * Modes (HUBKEY is the hub's public key in base64):
 *   garbage N          N random bytes on one connection
 *   truncated [HUBKEY] a valid length prefix and half a body, then EOF
 *                      (must close at once) and, on a second connection,
 *                      silence (must close at the login timeout); with
 *                      HUBKEY also a real handshake followed by half a
 *                      DATA frame (the login timeout again)
 *   oversized [HUBKEY] length fields 16385, 32768 and 65535 (and one
 *                      after a real handshake)
 *   zero [HUBKEY]      a length field of 0 (and one after a handshake)
 *   idle N             N connections that send nothing
 *   badkey HUBKEY      an INIT made for another hub's key
 *   loworder HUBKEY    INITs whose ephemeral or static key is a point of
 *                      small order, built with noise.h by setting the
 *                      key directly, and forged so that they would
 *                      authenticate if the hub accepted an all-zero
 *                      Diffie-Hellman result
 *   replay HUBKEY      log in as a fresh key, capture the INIT and the
 *                      LOGIN frame, replay both on a new connection while
 *                      the session lives; then an INIT the hub never saw
 *                      with that captured LOGIN behind it
 *   badframes HUBKEY   frames of the right length but the wrong kind,
 *                      state, tag or content, before and after a login
 *   flood N HUBKEY     N fresh keys handshake and log in at once, each
 *                      answers a ping, then all log out
 *   slowread HUBKEY    a logged-in node that sends PINGs and never reads
 *                      the PONGs: the hub must cut it off, not queue
 *   relay HUBKEY       the relay's rules: nodes A and B log in (fresh
 *                      keys, no network in common) and register their
 *                      UDP sockets; nothing reaches B from a connection
 *                      that has not logged in, from an unregistered UDP
 *                      address, from a REGISTER with a wrong MAC, or
 *                      from A (no network in common), over TCP or UDP;
 *                      REGISTERED is 32 bytes with the right counter and
 *                      MAC; B's REGISTERs captured and replayed from
 *                      another address get no answer and do not move
 *                      B's registration; no answer is larger than what
 *                      provoked it; with -f, B's REGISTER with the
 *                      right MAC and a fresh counter, sent from ADDR,
 *                      gets no answer and does not move B either; then A
 *                      creates a network, B joins, and A's packets reach
 *                      B with A's relay id, as many bytes as were sent
 *   relayhold N HUBKEY a node that logs in, registers its UDP socket
 *                      and prints "relayhold: id=ID token=HEX" (its
 *                      relay token, for a memory scan), then stays
 *                      logged in for N seconds or until SIGTERM
 *
 * Prints what it saw ("MODE: key=value ... ok", or "MODE: WRONG: ..."
 * for each thing the hub should not have done), then "hubpoke:
 * connections=N", how many connections it opened.  Exit 0 if the hub
 * behaved as the mode expects, 1 if not, 2 on a usage or local error.
 * "Closed" means end of stream or a reset.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "compat/util.h"
#include "crypto/blake2s_glue.h"
#include "proto/framer.h"
#include "proto/hubchan.h"
#include "daemon/hamd_msg.h"
#include "proto/hubproto.h"
#include "crypto/key.h"
#include "crypto/noise.h"
#include "proto/relayauth.h"
#include "crypto/tai64n.h"
#include "crypto/transport.h"
#include "crypto/wg_result.h"

#define MAX_SRC		64
#define MAX_CONNS	4096

/* How a connection ended, as far as we saw. */
enum { C_OPEN = 0, C_EOF, C_RESET };

struct pconn {
	int			fd;
	int			state;		/* C_OPEN, C_EOF, C_RESET */
	uint64_t		opened;		/* ms */
	uint64_t		sent;		/* ms, our last bytes */
	uint64_t		ended;		/* ms, when state != C_OPEN */
	unsigned		frames;		/* frames the hub sent */
	struct framer		fr;
	struct hub_chan		ch;
	struct noise_static	self;
	uint8_t			init[HUB_CHAN_INIT_LEN];	/* as sent */
};

static struct {
	struct sockaddr_storage	hub;
	socklen_t		hublen;
	struct in_addr		src[MAX_SRC];
	int			nsrc, nextsrc;
	struct in_addr		foreign;	/* -f */
	int			have_foreign;
	int			login_timeout;	/* s */
	int			wait_ms;
	struct noise_protocol	proto;
	uint8_t			hub_pub[32];
	int			have_hub;
	int			bad;		/* the hub misbehaved */
	unsigned		nconns;		/* connections opened */
} g;

static const char	*mode;

/* Points of small order on Curve25519 (u = 0, and one of order 8). */
static const uint8_t	low_order[][32] = {
	{ 0 },
	{ 0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3,
	  0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32,
	  0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00 },
};
#define NLOW	nitems(low_order)

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list	ap;

	printf("%s: error: ", mode != NULL ? mode : "hubpoke");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(2);
}

/* A finding: the hub did something this mode does not allow. */
static void __attribute__((format(printf, 1, 2)))
wrong(const char *fmt, ...)
{
	va_list	ap;

	printf("%s: WRONG: ", mode);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	g.bad = 1;
}

/* ---- connections ----------------------------------------------------- */

static void
pc_open_rcvbuf(struct pconn *c, int rcvbuf)
{
	struct sockaddr_in	sin;
	int			one = 1;

	memset(c, 0, sizeof(*c));
	if ((c->fd = socket(g.hub.ss_family, SOCK_STREAM | SOCK_CLOEXEC,
	    0)) == -1)
		die("socket: %s", strerror(errno));
	/* Before connect, so that the window we offer stays small. */
	if (rcvbuf > 0 && setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
	    sizeof(rcvbuf)) == -1)
		die("SO_RCVBUF: %s", strerror(errno));
	if (g.nsrc > 0) {
		if (g.hub.ss_family != AF_INET)
			die("-s needs an IPv4 hub address");
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr = g.src[g.nextsrc++ % g.nsrc];
		if (bind(c->fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
			die("bind %s: %s", inet_ntoa(sin.sin_addr),
			    strerror(errno));
	}
	if (connect(c->fd, (struct sockaddr *)&g.hub, g.hublen) == -1)
		die("connect: %s", strerror(errno));
	g.nconns++;
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (framer_init(&c->fr, HUB_FRAME_MAX) == -1)
		die("framer_init: %s", strerror(errno));
	c->opened = c->sent = now_ms();
	c->state = C_OPEN;
}

static void
pc_open(struct pconn *c)
{
	pc_open_rcvbuf(c, 0);
}

static void
pc_free(struct pconn *c)
{
	if (c->fd != -1)
		(void)close(c->fd);
	c->fd = -1;
	framer_free(&c->fr);
	hub_chan_clear(&c->ch);
	sodium_memzero(&c->self, sizeof(c->self));
}

static void
pc_ended(struct pconn *c, int how)
{
	if (c->state != C_OPEN)
		return;
	c->state = how;
	c->ended = now_ms();
}

static uint64_t
pc_age(const struct pconn *c)
{
	return (c->state == C_OPEN ? now_ms() : c->ended) - c->opened;
}

/* Since our last bytes: what the hub had no reason to wait after. */
static uint64_t
pc_since_sent(const struct pconn *c)
{
	return (c->state == C_OPEN ? now_ms() : c->ended) - c->sent;
}

static const char *
pc_how(const struct pconn *c)
{
	return c->state == C_EOF ? "eof" : c->state == C_RESET ? "reset" :
	    "open";
}

/* Write everything; a hub that closed on us ends the connection. */
static int
pc_write(struct pconn *c, const void *buf, size_t len)
{
	const uint8_t	*p = buf;
	ssize_t		 n;

	c->sent = now_ms();
	while (len > 0) {
		n = send(c->fd, p, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			if (errno == EPIPE || errno == ECONNRESET) {
				pc_ended(c, C_RESET);
				return -1;
			}
			die("send: %s", strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
pc_send_frame(struct pconn *c, const uint8_t *body, size_t len)
{
	uint8_t	buf[FRAMER_HDR_LEN + HUB_FRAME_MAX];

	if (len == 0 || len > HUB_FRAME_MAX)
		die("frame of %zu bytes", len);
	(void)framer_put_len(buf, len);
	memcpy(buf + FRAMER_HDR_LEN, body, len);
	return pc_write(c, buf, FRAMER_HDR_LEN + len);
}

/* A raw 2-byte length field and then len bytes of body. */
static int
pc_send_raw(struct pconn *c, unsigned lenfield, const uint8_t *body,
    size_t len)
{
	uint8_t	hdr[2] = { (uint8_t)(lenfield >> 8), (uint8_t)lenfield };

	if (pc_write(c, hdr, 2) == -1)
		return -1;
	return len > 0 ? pc_write(c, body, len) : 0;
}

/*
 * The next frame from the hub before the deadline: 1 with *body, *len;
 * 0 when the hub closed (or sent a bad length, which it never should);
 * -1 at the deadline.
 */
static int
pc_recv(struct pconn *c, uint64_t deadline, const uint8_t **body,
    size_t *len)
{
	struct pollfd	pfd;
	uint64_t	now;
	ssize_t		n;
	int		r;

	for (;;) {
		if ((r = framer_next(&c->fr, body, len)) == 1) {
			c->frames++;
			return 1;
		}
		if (r == -1) {
			wrong("the hub sent a bad frame length");
			pc_ended(c, C_RESET);
			return 0;
		}
		if (c->state != C_OPEN)
			return 0;
		now = now_ms();
		pfd.fd = c->fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (now >= deadline ||
		    poll(&pfd, 1, (int)(deadline - now)) == 0)
			return -1;
		n = framer_read_fd(&c->fr, c->fd, 0);
		if (n == 0)
			pc_ended(c, C_EOF);
		else if (n == -1 && errno == ECONNRESET)
			pc_ended(c, C_RESET);
		else if (n == -1 && errno != EAGAIN && errno != EINTR)
			die("read: %s", strerror(errno));
	}
}

/*
 * Wait for the hub to close, taking (and counting) whatever it still
 * sends.  1 if it closed before the deadline.
 */
static int
pc_wait_closed(struct pconn *c, uint64_t deadline)
{
	const uint8_t	*body;
	size_t		 len;
	int		 r;

	while ((r = pc_recv(c, deadline, &body, &len)) == 1)
		;
	return r == 0;
}

/* ---- the channel ------------------------------------------------------ */

static void
fresh_static(struct noise_static *s)
{
	do
		key_generate(s->priv);
	while (key_public(s->pub, s->priv) == -1);
}

/* Send our INIT (kept in c->init) for hub_pub with a fresh key. */
static int
pc_initiate(struct pconn *c, const uint8_t hub_pub[32])
{
	size_t	n;

	fresh_static(&c->self);
	if (hub_chan_initiate(&c->ch, &g.proto, &c->self, hub_pub, c->init,
	    sizeof(c->init), &n) != WG_OK || n != sizeof(c->init))
		die("hub_chan_initiate");
	return pc_send_frame(c, c->init, n);
}

/* The RESP to our INIT; 0 when the channel is up. */
static int
pc_finish(struct pconn *c, uint64_t deadline)
{
	const uint8_t	*body;
	size_t		 len;
	int		 r;

	if ((r = pc_recv(c, deadline, &body, &len)) != 1)
		return r == 0 ? -1 : -2;
	if (hub_chan_finish(&c->ch, body, len) != WG_OK) {
		wrong("the hub's RESP does not authenticate");
		return -1;
	}
	return 0;
}

static int
pc_handshake(struct pconn *c, uint64_t deadline)
{
	if (pc_initiate(c, g.hub_pub) == -1)
		return -1;
	return pc_finish(c, deadline);
}

/* Seal one message; the DATA body goes to out (if not NULL) too. */
static int
pc_send_msg(struct pconn *c, const struct hub_msg *m, uint8_t *out,
    size_t *outlen)
{
	uint8_t	pt[HUB_MSG_MAX], f[HUB_FRAME_MAX];
	size_t	n, flen;

	if ((n = hub_msg_encode(m, pt, sizeof(pt))) == 0)
		die("hub_msg_encode %s", hub_msg_name(m->type));
	if (hub_chan_seal(&c->ch, pt, n, f, sizeof(f), &flen) != WG_OK)
		die("hub_chan_seal");
	if (out != NULL) {
		memcpy(out, f, flen);
		*outlen = flen;
	}
	return pc_send_frame(c, f, flen);
}

/* The next message; 1, 0 (closed), -1 (deadline) or -3 (undecodable). */
static int
pc_recv_msg(struct pconn *c, uint64_t deadline, struct hub_msg *m)
{
	const uint8_t	*body;
	uint8_t		 pt[HUB_MSG_MAX];
	size_t		 len, ptlen;
	int		 r;

	if ((r = pc_recv(c, deadline, &body, &len)) != 1)
		return r;
	if (hub_chan_open(&c->ch, body, len, pt, sizeof(pt), &ptlen) !=
	    WG_OK || hub_msg_decode(m, pt, ptlen) == -1) {
		wrong("the hub sent a frame that does not open or decode");
		return -3;
	}
	return 1;
}

/* Wait for a message of this type, skipping others (PEER_UP, ...). */
static int
pc_expect(struct pconn *c, uint64_t deadline, int type, struct hub_msg *m)
{
	int	r;

	while ((r = pc_recv_msg(c, deadline, m)) == 1)
		if (m->type == type)
			return 1;
	return r;
}

static int
pc_login(struct pconn *c, const char *nick, uint64_t deadline,
    uint8_t *data, size_t *datalen)
{
	struct hub_msg	m;
	int		r;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_LOGIN;
	m.u.login.version = HUB_PROTOCOL_VERSION;
	m.u.login.udp_port = 51820;
	(void)snprintf(m.u.login.nick, sizeof(m.u.login.nick), "%s", nick);
	if (pc_send_msg(c, &m, data, datalen) == -1)
		return -1;
	if ((r = pc_recv_msg(c, deadline, &m)) != 1)
		return -1;
	if (m.type != HUB_MSG_LOGIN_OK) {
		wrong("login answered with %s", hub_msg_name(m.type));
		return -1;
	}
	return 0;
}

static int
pc_ping(struct pconn *c, uint64_t cookie, uint64_t deadline)
{
	struct hub_msg	m;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_PING;
	m.u.ping = cookie;
	if (pc_send_msg(c, &m, NULL, NULL) == -1)
		return -1;
	if (pc_expect(c, deadline, HUB_MSG_PONG, &m) != 1 ||
	    m.u.ping != cookie)
		return -1;
	return 0;
}

static int
pc_logout(struct pconn *c)
{
	struct hub_msg	m;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_LOGOUT;
	return pc_send_msg(c, &m, NULL, NULL);
}

static const char *
b64(const uint8_t *key)
{
	static char	buf[4][KEY_B64_LEN + 1];
	static int	i;

	i = (i + 1) % 4;
	key_to_base64(buf[i], key);
	return buf[i];
}

static uint64_t
deadline(void)
{
	return now_ms() + (uint64_t)g.wait_ms;
}

/* Fast: the hub has no reason to wait for anything. */
#define QUICK_MS	1500

/*
 * The common check: the hub closed c, within QUICK_MS of our last
 * bytes when quick, else at the login timeout after the connection
 * opened (no earlier, and not much later); with no_frames, without
 * sending a thing.  Returns 1 if all held.
 */
static int
expect_closed(struct pconn *c, const char *what, int quick, int no_frames)
{
	uint64_t	lt = (uint64_t)g.login_timeout * 1000;
	uint64_t	age;
	int		ok = 1;

	if (!pc_wait_closed(c, deadline())) {
		wrong("%s: still open after %llu ms", what,
		    (unsigned long long)pc_age(c));
		return 0;
	}
	age = pc_age(c);
	if (quick && pc_since_sent(c) > QUICK_MS) {
		wrong("%s: closed only %llu ms after our last bytes", what,
		    (unsigned long long)pc_since_sent(c));
		ok = 0;
	}
	if (!quick && (age + 200 < lt || age > lt + 2500)) {
		wrong("%s: closed after %llu ms, login timeout %llu ms", what,
		    (unsigned long long)age, (unsigned long long)lt);
		ok = 0;
	}
	if (no_frames && c->frames > 0) {
		wrong("%s: the hub answered %u frame(s) before closing", what,
		    c->frames);
		ok = 0;
	}
	return ok;
}

static void
need_hub(void)
{
	if (!g.have_hub)
		die("this needs the hub's public key");
}

/* ---- modes ------------------------------------------------------------ */

static void
m_garbage(int n)
{
	struct pconn	 c;
	uint8_t		*buf;
	unsigned	 lf;
	int		 quick;

	if (n < 1 || n > 1 << 20)
		die("garbage: 1..1048576 bytes");
	if ((buf = malloc((size_t)n)) == NULL)
		die("malloc");
	randombytes_buf(buf, (size_t)n);
	lf = n >= 2 ? (unsigned)buf[0] << 8 | buf[1] : 0;
	/*
	 * A bad length field or a complete first frame (never a valid
	 * INIT) ends it at once; a frame still missing bytes waits for
	 * the login timeout.
	 */
	quick = n >= 2 && (lf == 0 || lf > HUB_FRAME_MAX ||
	    (size_t)n >= 2 + lf);
	pc_open(&c);
	(void)pc_write(&c, buf, (size_t)n);
	free(buf);
	if (!expect_closed(&c, "garbage", quick, 1))
		;
	else if (n >= 2)
		printf("garbage: bytes=%d length_field=%u closed=%s ms=%llu "
		    "ok\n", n, lf, pc_how(&c), (unsigned long long)pc_age(&c));
	else	/* no length field yet */
		printf("garbage: bytes=%d closed=%s ms=%llu ok\n", n,
		    pc_how(&c), (unsigned long long)pc_age(&c));
	pc_free(&c);
}

static void
m_truncated(void)
{
	struct pconn	c[3];
	uint8_t		body[HUB_CHAN_INIT_LEN], f[HUB_FRAME_MAX];
	size_t		half = sizeof(body) / 2, flen;
	int		i, n = g.have_hub ? 3 : 2, ok = 1;

	/* An INIT's length and half an INIT-sized body. */
	randombytes_buf(body, sizeof(body));
	body[0] = HUB_FRAME_INIT;
	for (i = 0; i < 2; i++) {
		pc_open(&c[i]);
		(void)pc_send_raw(&c[i], sizeof(body), body, half);
	}
	if (shutdown(c[0].fd, SHUT_WR) == -1)
		die("shutdown: %s", strerror(errno));
	if (n == 3) {
		/* A real handshake, then half of a DATA frame. */
		pc_open(&c[2]);
		if (pc_handshake(&c[2], deadline()) != 0) {
			wrong("handshake failed (%s)", pc_how(&c[2]));
			ok = 0;
		}
		memset(f, 0, sizeof(f));
		f[0] = HUB_FRAME_DATA;
		flen = 40;
		(void)pc_send_raw(&c[2], (unsigned)flen, f, flen / 2);
	}
	ok &= expect_closed(&c[0], "half a frame, then EOF", 1, 1);
	ok &= expect_closed(&c[1], "half a frame, then silence", 0, 1);
	if (n == 3)
		ok &= expect_closed(&c[2], "handshake, half a DATA frame, "
		    "then silence", 0, 0);
	if (ok)
		printf("truncated: eof_closed_ms=%llu hang_closed_ms=%llu",
		    (unsigned long long)pc_age(&c[0]),
		    (unsigned long long)pc_age(&c[1]));
	if (ok && n == 3)
		printf(" after_handshake_closed_ms=%llu",
		    (unsigned long long)pc_age(&c[2]));
	if (ok)
		printf(" ok\n");
	for (i = 0; i < n; i++)
		pc_free(&c[i]);
}

/* Frames with a bad length field, before and after a handshake. */
static void
m_badlength(const char *name, const unsigned *fields, int nf)
{
	struct pconn	c;
	uint8_t		junk[100];
	int		i, ok = 1, conns = 0;

	randombytes_buf(junk, sizeof(junk));
	for (i = 0; i < nf; i++) {
		pc_open(&c);
		conns++;
		(void)pc_send_raw(&c, fields[i], junk, i % 2 ? sizeof(junk) :
		    0);
		ok &= expect_closed(&c, name, 1, 1);
		pc_free(&c);
	}
	if (g.have_hub) {
		pc_open(&c);
		conns++;
		if (pc_handshake(&c, deadline()) != 0) {
			wrong("handshake failed (%s)", pc_how(&c));
			ok = 0;
		}
		(void)pc_send_raw(&c, fields[0], junk, sizeof(junk));
		ok &= expect_closed(&c, "after a handshake", 1, 0);
		pc_free(&c);
	}
	if (ok)
		printf("%s: connections=%d all closed at once ok\n", name,
		    conns);
}

static void
m_idle(int n)
{
	struct pconn	*c;
	struct pollfd	*pfd;
	uint64_t	 end, lt = (uint64_t)g.login_timeout * 1000;
	uint64_t	 tmin = UINT64_MAX, tmax = 0, now;
	uint8_t		 buf[256];
	int		 i, open, early = 0, timed = 0, late = 0;
	ssize_t		 r;

	if (n < 1 || n > MAX_CONNS)
		die("idle: 1..%d connections", MAX_CONNS);
	if ((c = calloc((size_t)n, sizeof(*c))) == NULL ||
	    (pfd = calloc((size_t)n, sizeof(*pfd))) == NULL)
		die("calloc");
	for (i = 0; i < n; i++)
		pc_open(&c[i]);
	end = deadline();
	for (open = n; open > 0 && (now = now_ms()) < end;) {
		for (i = 0; i < n; i++) {
			pfd[i].fd = c[i].state == C_OPEN ? c[i].fd : -1;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		if (poll(pfd, (nfds_t)n, (int)(end - now)) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			r = read(c[i].fd, buf, sizeof(buf));
			if (r > 0) {
				c[i].frames++;	/* bytes, really */
				continue;
			}
			if (r == -1 && errno == EINTR)
				continue;
			pc_ended(&c[i], r == 0 ? C_EOF : C_RESET);
			open--;
		}
	}
	for (i = 0; i < n; i++) {
		if (c[i].frames > 0)
			wrong("connection %d: the hub sent bytes", i);
		if (c[i].state == C_OPEN)
			continue;
		if (pc_age(&c[i]) + 200 < lt) {
			early++;
			continue;
		}
		if (pc_age(&c[i]) > lt + 2500)
			late++;
		else
			timed++;
		if (pc_age(&c[i]) < tmin)
			tmin = pc_age(&c[i]);
		if (pc_age(&c[i]) > tmax)
			tmax = pc_age(&c[i]);
	}
	printf("idle: opened=%d refused=%d timed_out=%d late=%d open=%d "
	    "min_ms=%llu max_ms=%llu%s\n", n, early, timed, late, open,
	    timed + late > 0 ? (unsigned long long)tmin : 0ULL,
	    (unsigned long long)tmax, open == 0 && late == 0 ? " ok" : "");
	if (open > 0 || late > 0)
		wrong("%d still open, %d closed late", open, late);
	for (i = 0; i < n; i++)
		pc_free(&c[i]);
	free(c);
	free(pfd);
}

static void
m_badkey(void)
{
	struct pconn		c;
	struct noise_static	other;
	int			ok;

	need_hub();
	fresh_static(&other);
	pc_open(&c);
	(void)pc_initiate(&c, other.pub);
	ok = expect_closed(&c, "INIT for another hub", 1, 1);
	if (ok)
		printf("badkey: closed=%s ms=%llu without a RESP ok\n",
		    pc_how(&c), (unsigned long long)pc_age(&c));
	pc_free(&c);
}

/*
 * Noise IK message 1 by hand, with the two Diffie-Hellman results
 * given: the way a hub that did not refuse all-zero results would
 * compute them for a low-order point.  Checked against noise.c below.
 */
static void
forge_msg1(uint8_t out[HUB_CHAN_INIT_LEN], const uint8_t e_pub[32],
    const uint8_t dh_es[32], const uint8_t s_pub[32],
    const uint8_t dh_ss[32], const uint8_t ts[TAI64N_LEN])
{
	uint8_t	ck[32], h[32], k[32];
	uint8_t	*m = out + 1;

	memcpy(ck, g.proto.ck0, 32);
	wg_hash2(h, g.proto.h0, 32, g.hub_pub, 32);
	memcpy(m, e_pub, 32);
	wg_hash2(h, h, 32, e_pub, 32);
	wg_kdf2(ck, k, ck, dh_es, 32);
	wg_aead_seal(m + 32, k, 0, h, 32, s_pub, 32);
	wg_hash2(h, h, 32, m + 32, 48);
	wg_kdf2(ck, k, ck, dh_ss, 32);
	wg_aead_seal(m + 80, k, 0, h, 32, ts, TAI64N_LEN);
	out[0] = HUB_FRAME_INIT;
	sodium_memzero(ck, sizeof(ck));
	sodium_memzero(k, sizeof(k));
}

static void
forge_selftest(void)
{
	struct noise_handshake	hs;
	struct noise_static	s;
	uint8_t			e[32], e_pub[32], es[32], ss[32];
	uint8_t			ts[TAI64N_LEN], a[HUB_CHAN_INIT_LEN];
	uint8_t			b[HUB_CHAN_INIT_LEN];
	size_t			n;

	fresh_static(&s);
	key_generate(e);
	tai64n_now(ts);
	if (noise_hs_init(&hs, &g.proto, NOISE_INITIATOR, &s, g.hub_pub) !=
	    WG_OK || noise_hs_set_ephemeral(&hs, e) != WG_OK ||
	    noise_write_msg1(&hs, ts, sizeof(ts), b + 1, sizeof(b) - 1, &n) !=
	    WG_OK)
		die("noise_write_msg1");
	if (crypto_scalarmult_base(e_pub, e) != 0 ||
	    crypto_scalarmult(es, e, g.hub_pub) != 0 ||
	    crypto_scalarmult(ss, s.priv, g.hub_pub) != 0)
		die("crypto_scalarmult");
	b[0] = HUB_FRAME_INIT;
	forge_msg1(a, e_pub, es, s.pub, ss, ts);
	if (memcmp(a, b, sizeof(a)) != 0)
		die("the forged INIT differs from noise.c's");
	noise_hs_clear(&hs);
}

static void
m_loworder(void)
{
	struct pconn		 c;
	struct noise_static	 s;
	uint8_t			 e[32], e_pub[32], dh[32], zero[32];
	uint8_t			 ts[TAI64N_LEN];
	size_t			 i, n;
	int			 kind, ok = 1, conns = 0;
	static const char	*what[] = { "ephemeral set in noise.h",
	    "static set in noise.h", "ephemeral, forged with a zero DH",
	    "static, forged with a zero DH" };

	need_hub();
	forge_selftest();
	memset(zero, 0, sizeof(zero));
	for (i = 0; i < NLOW; i++) {
		for (kind = 0; kind < 4; kind++) {
			pc_open(&c);
			conns++;
			fresh_static(&c.self);
			tai64n_now(ts);
			key_generate(e);
			if (crypto_scalarmult_base(e_pub, e) != 0)
				die("crypto_scalarmult_base");
			switch (kind) {
			case 0:
				/* Any valid ephemeral, then its public half
				 * replaced: write_msg1 sends what is set. */
				if (noise_hs_init(&c.ch.hs, &g.proto,
				    NOISE_INITIATOR, &c.self, g.hub_pub) !=
				    WG_OK ||
				    noise_hs_set_ephemeral(&c.ch.hs, e) !=
				    WG_OK)
					die("noise_hs_init");
				memcpy(c.ch.hs.e_pub, low_order[i], 32);
				break;
			case 1:
				/* An identity whose public key is the point. */
				s = c.self;
				memcpy(s.pub, low_order[i], 32);
				if (noise_hs_init(&c.ch.hs, &g.proto,
				    NOISE_INITIATOR, &s, g.hub_pub) != WG_OK)
					die("noise_hs_init");
				break;
			}
			if (kind < 2) {
				if (noise_write_msg1(&c.ch.hs, ts, sizeof(ts),
				    c.init + 1, sizeof(c.init) - 1, &n) !=
				    WG_OK)
					die("noise_write_msg1");
				c.init[0] = HUB_FRAME_INIT;
				noise_hs_clear(&c.ch.hs);
			} else if (kind == 2) {
				/* ss is real; es is what the hub would get */
				if (crypto_scalarmult(dh, c.self.priv,
				    g.hub_pub) != 0)
					die("crypto_scalarmult");
				forge_msg1(c.init, low_order[i], zero,
				    c.self.pub, dh, ts);
			} else {
				/* es is real; ss is what the hub would get */
				if (crypto_scalarmult(dh, e, g.hub_pub) != 0)
					die("crypto_scalarmult");
				forge_msg1(c.init, e_pub, dh, low_order[i],
				    zero, ts);
			}
			(void)pc_send_frame(&c, c.init, sizeof(c.init));
			ok &= expect_closed(&c, what[kind], 1, 1);
			pc_free(&c);
		}
	}
	sodium_memzero(e, sizeof(e));
	sodium_memzero(&s, sizeof(s));
	if (ok)
		printf("loworder: connections=%d all refused without a RESP "
		    "ok\n", conns);
}

static void
m_replay(void)
{
	struct pconn	 a, b, c;
	const uint8_t	*body;
	uint8_t		 data[HUB_FRAME_MAX];
	size_t		 datalen = 0, len;
	uint64_t	 cookie;
	const char	*verdict = NULL;

	need_hub();
	/* The victim: a real session, recorded. */
	pc_open(&a);
	if (pc_handshake(&a, deadline()) != 0 ||
	    pc_login(&a, "replayed", deadline(), data, &datalen) != 0) {
		wrong("the real session did not log in (%s)", pc_how(&a));
		pc_free(&a);
		return;
	}
	printf("replay: node=%s logged in\n", b64(a.self.pub));

	/*
	 * The attacker replays both frames while the victim is online.
	 * The hub should refuse the INIT (its timestamp is not newer);
	 * were it to answer, the LOGIN recorded under other keys must
	 * fail.
	 */
	pc_open(&b);
	(void)pc_send_frame(&b, a.init, sizeof(a.init));
	switch (pc_recv(&b, now_ms() + QUICK_MS, &body, &len)) {
	case 0:
		verdict = "init_refused";
		break;
	case 1:
		(void)pc_send_frame(&b, data, datalen);
		if (expect_closed(&b, "replayed LOGIN", 1, 0))
			verdict = "init_accepted data_refused";
		break;
	default:
		wrong("replayed INIT: neither answered nor closed");
		break;
	}
	if (verdict != NULL)
		printf("replay: replayed_init=%s closed=%s ms=%llu\n",
		    verdict, pc_how(&b), (unsigned long long)pc_age(&b));

	/* An INIT the hub never saw (held back by an attacker on the
	 * path) is fresh: a RESP, but the recorded LOGIN cannot open. */
	pc_open(&c);
	if (pc_handshake(&c, deadline()) != 0)
		wrong("an unseen INIT got no RESP (%s)", pc_how(&c));
	else {
		(void)pc_send_frame(&c, data, datalen);
		if (expect_closed(&c, "recorded LOGIN on a fresh channel", 1,
		    0))
			printf("replay: unseen_init=accepted "
			    "recorded_login=refused closed=%s\n",
			    pc_how(&c));
	}

	/* The victim never noticed. */
	randombytes_buf(&cookie, sizeof(cookie));
	if (a.state != C_OPEN || pc_ping(&a, cookie, deadline()) != 0)
		wrong("the real session is gone (%s)", pc_how(&a));
	else if (pc_logout(&a) == 0 && expect_closed(&a, "logout", 1, 0) &&
	    !g.bad)
		printf("replay: the real session kept working ok\n");
	pc_free(&a);
	pc_free(&b);
	pc_free(&c);
}

/* One connection of badframes: set up, send the bad thing, see it end. */
static void
bf_one(const char *what, int setup, const uint8_t *body, size_t len,
    int tweak, int *ok)
{
	struct pconn	c;
	struct hub_msg	m;
	uint8_t		f[HUB_FRAME_MAX], pt[64];
	size_t		flen, ptlen;

	pc_open(&c);
	if (setup >= 1 && pc_handshake(&c, deadline()) != 0) {
		wrong("%s: handshake failed (%s)", what, pc_how(&c));
		*ok = 0;
		pc_free(&c);
		return;
	}
	if (setup >= 2 && pc_login(&c, "badframes", deadline(), NULL,
	    NULL) != 0) {
		wrong("%s: login failed (%s)", what, pc_how(&c));
		*ok = 0;
		pc_free(&c);
		return;
	}
	memset(&m, 0, sizeof(m));
	switch (tweak) {
	case 0:		/* the body as given */
		(void)pc_send_frame(&c, body, len);
		break;
	case 1:		/* a PING with one bit of its tag flipped */
		m.type = HUB_MSG_PING;
		ptlen = hub_msg_encode(&m, pt, sizeof(pt));
		(void)hub_chan_seal(&c.ch, pt, ptlen, f, sizeof(f), &flen);
		f[flen - 1] ^= 1;
		(void)pc_send_frame(&c, f, flen);
		break;
	case 2:		/* a message that skips one counter value */
		m.type = HUB_MSG_PING;
		ptlen = hub_msg_encode(&m, pt, sizeof(pt));
		(void)hub_chan_seal(&c.ch, pt, ptlen, f, sizeof(f), &flen);
		(void)hub_chan_seal(&c.ch, pt, ptlen, f, sizeof(f), &flen);
		(void)pc_send_frame(&c, f, flen);
		break;
	case 3:		/* sealed bytes that are not a message */
		memset(pt, 0, sizeof(pt));
		pt[0] = HUB_MSG_LOGIN;	/* and 7 bytes short */
		(void)hub_chan_seal(&c.ch, pt, 1, f, sizeof(f), &flen);
		(void)pc_send_frame(&c, f, flen);
		break;
	case 4:		/* a PING instead of the LOGIN */
		m.type = HUB_MSG_PING;
		(void)pc_send_msg(&c, &m, NULL, NULL);
		break;
	case 5:		/* a message only hubs send */
		m.type = HUB_MSG_LOGIN_OK;
		m.u.login_ok.v4_plen = 24;
		m.u.login_ok.v6_plen = 64;
		(void)pc_send_msg(&c, &m, NULL, NULL);
		break;
	case 6:		/* the handshake's INIT again */
		(void)pc_send_frame(&c, c.init, sizeof(c.init));
		break;
	}
	*ok &= expect_closed(&c, what, 1, setup == 0);
	pc_free(&c);
}

static void
m_badframes(void)
{
	uint8_t	b[HUB_CHAN_INIT_LEN + 1];
	int	ok = 1, n = 0;

	need_hub();
	randombytes_buf(b, sizeof(b));
	b[0] = HUB_FRAME_RESP;
	bf_one("a RESP first", 0, b, HUB_CHAN_RESP_LEN, 0, &ok), n++;
	b[0] = HUB_FRAME_DATA;
	bf_one("a DATA frame first", 0, b, 40, 0, &ok), n++;
	b[0] = 9;
	bf_one("an unknown frame type first", 0, b, 20, 0, &ok), n++;
	b[0] = HUB_FRAME_INIT;
	bf_one("an INIT one byte short", 0, b, HUB_CHAN_INIT_LEN - 1, 0,
	    &ok), n++;
	bf_one("an INIT one byte long", 0, b, HUB_CHAN_INIT_LEN + 1, 0,
	    &ok), n++;
	bf_one("random INIT-sized bytes", 0, b, HUB_CHAN_INIT_LEN, 0, &ok),
	    n++;
	bf_one("a second INIT", 1, NULL, 0, 6, &ok), n++;
	bf_one("a DATA frame with a bad tag", 1, NULL, 0, 1, &ok), n++;
	bf_one("a DATA frame that skips a counter", 1, NULL, 0, 2, &ok), n++;
	bf_one("a malformed message", 1, NULL, 0, 3, &ok), n++;
	bf_one("a PING before the LOGIN", 1, NULL, 0, 4, &ok), n++;
	b[0] = HUB_FRAME_RESP;
	bf_one("a RESP after the handshake", 1, b, HUB_CHAN_RESP_LEN, 0,
	    &ok), n++;
	bf_one("a bad tag when online", 2, NULL, 0, 1, &ok), n++;
	bf_one("a malformed message when online", 2, NULL, 0, 3, &ok), n++;
	bf_one("a message only hubs send", 2, NULL, 0, 5, &ok), n++;
	if (ok)
		printf("badframes: connections=%d all closed at once ok\n", n);
}

static void
m_flood(int n)
{
	struct pconn	*c;
	struct hub_msg	 m;
	uint64_t	 end, t0 = now_ms();
	char		 nick[HUB_NICK_MAX];
	int		 i, up = 0, pong = 0, closed = 0;

	need_hub();
	if (n < 1 || n > MAX_CONNS)
		die("flood: 1..%d", MAX_CONNS);
	if ((c = calloc((size_t)n, sizeof(*c))) == NULL)
		die("calloc");
	/* Every INIT goes out before any RESP is read: all at once. */
	for (i = 0; i < n; i++) {
		pc_open(&c[i]);
		(void)pc_initiate(&c[i], g.hub_pub);
	}
	end = deadline();
	for (i = 0; i < n; i++)
		if (pc_finish(&c[i], end) != 0)
			wrong("flood %d: no RESP (%s)", i, pc_how(&c[i]));
	for (i = 0; i < n; i++) {
		if (c[i].ch.state != HUB_CHAN_ESTABLISHED)
			continue;
		memset(&m, 0, sizeof(m));
		m.type = HUB_MSG_LOGIN;
		m.u.login.version = HUB_PROTOCOL_VERSION;
		m.u.login.udp_port = (uint16_t)(40000 + i);
		(void)snprintf(nick, sizeof(nick), "flood%d", i);
		memcpy(m.u.login.nick, nick, sizeof(nick));
		(void)pc_send_msg(&c[i], &m, NULL, NULL);
	}
	for (i = 0; i < n; i++) {
		if (c[i].ch.state != HUB_CHAN_ESTABLISHED)
			continue;
		if (pc_recv_msg(&c[i], end, &m) == 1 &&
		    m.type == HUB_MSG_LOGIN_OK)
			up++;
		else
			wrong("flood %d: no LOGIN_OK (%s)", i, pc_how(&c[i]));
	}
	/* All of them at once are sessions the hub answers. */
	for (i = 0; i < n; i++) {
		if (c[i].state != C_OPEN ||
		    c[i].ch.state != HUB_CHAN_ESTABLISHED)
			continue;
		memset(&m, 0, sizeof(m));
		m.type = HUB_MSG_PING;
		m.u.ping = (uint64_t)i + 1;
		(void)pc_send_msg(&c[i], &m, NULL, NULL);
	}
	for (i = 0; i < n; i++) {
		if (c[i].state != C_OPEN ||
		    c[i].ch.state != HUB_CHAN_ESTABLISHED)
			continue;
		if (pc_expect(&c[i], end, HUB_MSG_PONG, &m) == 1 &&
		    m.u.ping == (uint64_t)i + 1)
			pong++;
	}
	for (i = 0; i < n; i++)
		if (c[i].state == C_OPEN &&
		    c[i].ch.state == HUB_CHAN_ESTABLISHED)
			(void)pc_logout(&c[i]);
	for (i = 0; i < n; i++)
		if (pc_wait_closed(&c[i], end))
			closed++;
	printf("flood: sessions=%d logged_in=%d answered=%d closed=%d "
	    "ms=%llu%s\n", n, up, pong, closed,
	    (unsigned long long)(now_ms() - t0),
	    up == n && pong == n && closed == n ? " ok" : "");
	if (up != n || pong != n || closed != n)
		g.bad = 1;
	for (i = 0; i < n; i++)
		pc_free(&c[i]);
	free(c);
}

/*
 * A logged-in node that sends PINGs and never reads the PONGs: the
 * hub must stop queueing for it (1 MiB of output) and cut it off,
 * without waiting for the login or idle timeouts.
 */
static void
m_slowread(void)
{
	struct pconn	 c;
	struct hub_msg	 m;
	struct pollfd	 pfd;
	uint8_t		 pt[64], f[64], *batch;
	size_t		 ptlen, flen, blen, off, bcap = 64 * 1024;
	uint64_t	 sent = 0, end, t0;
	ssize_t		 n;
	int		 i, per;

	need_hub();
	pc_open_rcvbuf(&c, 4096);
	if (pc_handshake(&c, deadline()) != 0 ||
	    pc_login(&c, "slowread", deadline(), NULL, NULL) != 0) {
		wrong("did not log in (%s)", pc_how(&c));
		pc_free(&c);
		return;
	}
	if ((batch = malloc(bcap)) == NULL)
		die("malloc");
	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_PING;
	ptlen = hub_msg_encode(&m, pt, sizeof(pt));
	t0 = now_ms();
	end = deadline();
	while (c.state == C_OPEN && now_ms() < end) {
		/* A batch of PINGs, each with the next counter. */
		per = (int)(bcap / (FRAMER_HDR_LEN + ptlen +
		    HUB_CHAN_DATA_OVERHEAD));
		for (i = 0, blen = 0; i < per; i++) {
			if (hub_chan_seal(&c.ch, pt, ptlen, f, sizeof(f),
			    &flen) != WG_OK)
				die("hub_chan_seal");
			(void)framer_put_len(batch + blen, flen);
			memcpy(batch + blen + FRAMER_HDR_LEN, f, flen);
			blen += FRAMER_HDR_LEN + flen;
		}
		for (off = 0; off < blen && c.state == C_OPEN;) {
			pfd.fd = c.fd;
			pfd.events = POLLOUT;
			pfd.revents = 0;
			if (poll(&pfd, 1, 100) <= 0) {
				if (now_ms() >= end)
					break;
				continue;
			}
			n = send(c.fd, batch + off, blen - off,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n > 0) {
				off += (size_t)n;
				sent += (uint64_t)n;
			} else if (n == -1 && (errno == EPIPE ||
			    errno == ECONNRESET))
				pc_ended(&c, C_RESET);
			else if (n == -1 && errno != EAGAIN && errno != EINTR)
				die("send: %s", strerror(errno));
			else if (pfd.revents & (POLLHUP | POLLERR))
				pc_ended(&c, C_RESET);
		}
		if (now_ms() >= end)
			break;
	}
	free(batch);
	if (c.state == C_OPEN)
		wrong("still open after sending %llu bytes in %llu ms",
		    (unsigned long long)sent,
		    (unsigned long long)(now_ms() - t0));
	else
		printf("slowread: sent=%llu closed=%s ms=%llu ok\n",
		    (unsigned long long)sent, pc_how(&c),
		    (unsigned long long)(c.ended - t0));
	pc_free(&c);
}

/* ---- relay ------------------------------------------------------------- */

#define RELAY_QUIET_MS	700	/* how long "nothing arrives" is watched */

static void	usage(void) __attribute__((noreturn));

/*
 * A UDP socket connected to the hub's UDP port (its TCP port number),
 * from the IPv4 address src if not NULL.
 */
static int
udp_open_from(const struct in_addr *src)
{
	struct sockaddr_in	sin;
	int			fd;

	if ((fd = socket(g.hub.ss_family, SOCK_DGRAM, 0)) == -1)
		die("socket: %s", strerror(errno));
	if (src != NULL) {
		if (g.hub.ss_family != AF_INET)
			die("-f needs an IPv4 hub address");
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr = *src;
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
			die("bind %s: %s", inet_ntoa(sin.sin_addr),
			    strerror(errno));
	}
	if (connect(fd, (struct sockaddr *)&g.hub, g.hublen) == -1)
		die("connect udp: %s", strerror(errno));
	return fd;
}

static int
udp_open(void)
{
	return udp_open_from(NULL);
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* A datagram within ms, into buf; its length, or -1 if none came. */
static ssize_t
udp_recv(int fd, uint8_t *buf, size_t len, int ms)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, ms) <= 0)
		return -1;
	return recv(fd, buf, len, MSG_DONTWAIT);
}

/*
 * Send a REGISTER for id under token, with a counter above every one
 * sent before (one sequence for all ids: still rising for each).  Its
 * counter; the datagram is left in out if not NULL (to replay it).
 */
static uint64_t
udp_register(int fd, uint32_t id, const uint8_t *token,
    uint8_t out[RELAY_AUTH_LEN])
{
	static uint64_t	counter;
	uint8_t		b[RELAY_AUTH_LEN];

	relay_auth_build(b, RELAY_REGISTER_TYPE, id, ++counter, token);
	if (send(fd, b, sizeof(b), 0) != (ssize_t)sizeof(b))
		die("send register: %s", strerror(errno));
	if (out != NULL)
		memcpy(out, b, sizeof(b));
	return counter;
}

/*
 * The answer to a REGISTER of id with counter under token: within 2 s,
 * REGISTERED of exactly 32 bytes, same id and counter, MAC by token.
 */
static void
udp_registered(int fd, const char *who, uint32_t id, uint64_t counter,
    const uint8_t *token)
{
	uint8_t		buf[2048];
	uint32_t	aid;
	uint64_t	ac;
	ssize_t		n;

	n = udp_recv(fd, buf, sizeof(buf), 2000);
	if (n != RELAY_AUTH_LEN)
		wrong("%s's REGISTER answered with %zd bytes", who, n);
	else if (relay_auth_peek(buf, (size_t)n, RELAY_REGISTERED_TYPE, &aid,
	    &ac) == -1 || aid != id || ac != counter)
		wrong("%s's REGISTERED is not for its id and counter", who);
	else if (relay_auth_verify(buf, token) == -1)
		wrong("%s's REGISTERED has a wrong MAC", who);
}

/* A relay datagram or frame body to id: header and a fake packet. */
static size_t
relay_body(uint8_t type, uint32_t id, uint8_t *b, size_t len)
{
	memset(b, 0, len);
	b[0] = type;
	put32(b + 4, id);
	/* Looks like WireGuard data: type 4, three zero bytes. */
	b[HUB_RELAY_HDR_LEN] = 4;
	randombytes_buf(b + HUB_RELAY_HDR_LEN + 4, len - HUB_RELAY_HDR_LEN - 4);
	return len;
}

/* Nothing for B on its UDP socket or its connection for a while. */
static void
b_gets_nothing(const char *what, int ub, struct pconn *b)
{
	uint8_t		 buf[2048], pt[HUB_MSG_MAX];
	const uint8_t	*body;
	size_t		 len, ptlen;
	uint64_t	 end = now_ms() + RELAY_QUIET_MS;

	if (udp_recv(ub, buf, sizeof(buf), RELAY_QUIET_MS) >= 0)
		wrong("%s: B got a datagram", what);
	while (pc_recv(b, end, &body, &len) == 1) {
		if (len > 0 && body[0] == HUB_FRAME_RELAY)
			wrong("%s: B got a relay frame", what);
		/* Open the hub's messages: the channel counts them. */
		else if (hub_chan_open(&b->ch, body, len, pt, sizeof(pt),
		    &ptlen) != WG_OK)
			wrong("%s: a frame for B does not open", what);
	}
}

static int
relay_request(struct pconn *c, int op, const char *net, uint32_t id)
{
	struct hub_msg	m;

	memset(&m, 0, sizeof(m));
	m.type = HUB_MSG_REQUEST;
	m.u.req.id = id;
	m.u.req.op = (uint8_t)op;
	m.u.req.mode = HUB_MODE_AUTO;
	m.u.req.type = HUB_TYPE_MESH;
	(void)snprintf(m.u.req.net, sizeof(m.u.req.net), "%s", net);
	(void)snprintf(m.u.req.password, sizeof(m.u.req.password),
	    "pokepassword");
	if (pc_send_msg(c, &m, NULL, NULL) == -1)
		return -1;
	while (pc_expect(c, deadline(), HUB_MSG_RESPONSE, &m) == 1)
		if (m.u.resp.id == id)
			return m.u.resp.code;
	return -1;
}

static void
m_relay(void)
{
	struct pconn	 a, b, c;
	struct hub_msg	 m;
	struct hub_relay_info ra, rb;
	uint8_t		 buf[2048], pkt[200], f[HUB_FRAME_MAX];
	uint8_t		 cap1[RELAY_AUTH_LEN], cap2[RELAY_AUTH_LEN];
	uint64_t	 c1;
	char		 net[32];
	const uint8_t	*body;
	size_t		 len;
	ssize_t		 n;
	int		 ua, ub, ux, uf = -1, got;

	if (!g.have_hub)
		usage();
	pc_open(&a);
	pc_open(&b);
	pc_open(&c);
	if (pc_handshake(&a, deadline()) != 0 ||
	    pc_login(&a, "relay-a", deadline(), NULL, NULL) == -1 ||
	    pc_expect(&a, deadline(), HUB_MSG_RELAY_INFO, &m) != 1)
		die("A: no login with relay info");
	ra = m.u.relay;
	if (pc_handshake(&b, deadline()) != 0 ||
	    pc_login(&b, "relay-b", deadline(), NULL, NULL) == -1 ||
	    pc_expect(&b, deadline(), HUB_MSG_RELAY_INFO, &m) != 1)
		die("B: no login with relay info");
	rb = m.u.relay;
	if (ra.relay_id == 0 || rb.relay_id == 0 || ra.relay_id == rb.relay_id)
		wrong("relay ids %u and %u", ra.relay_id, rb.relay_id);
	if (pc_handshake(&c, deadline()) != 0)
		die("C: no handshake");

	ua = udp_open();
	ub = udp_open();
	ux = udp_open();
	/*
	 * B registers twice (answers no larger than the questions); an
	 * eavesdropper keeps both datagrams.
	 */
	c1 = udp_register(ub, rb.relay_id, rb.token, cap1);
	udp_registered(ub, "B", rb.relay_id, c1, rb.token);
	c1 = udp_register(ub, rb.relay_id, rb.token, cap2);
	udp_registered(ub, "B", rb.relay_id, c1, rb.token);

	/* C has not logged in: its relay frame goes nowhere. */
	(void)pc_send_frame(&c, pkt, relay_body(HUB_FRAME_RELAY, rb.relay_id,
	    pkt, sizeof(pkt)));
	b_gets_nothing("a connection that did not log in", ub, &b);
	/* An address that never registered. */
	(void)send(ux, pkt, relay_body(RELAY_DATA_TYPE, rb.relay_id, pkt,
	    sizeof(pkt)), 0);
	b_gets_nothing("an unregistered address", ub, &b);
	if (udp_recv(ux, buf, sizeof(buf), 10) >= 0)
		wrong("the hub answered an unregistered address");
	/* A REGISTER for B's id with a wrong token: no answer, no takeover. */
	memcpy(buf, rb.token, HUB_RELAY_TOKEN_LEN);
	buf[0] ^= 1;
	(void)udp_register(ux, rb.relay_id, buf, NULL);
	if (udp_recv(ux, buf, sizeof(buf), RELAY_QUIET_MS) >= 0)
		wrong("a REGISTER with a wrong token was answered");
	/*
	 * B's captured REGISTERs (the last counter taken, and a lower one)
	 * replayed from another address: no answer, and B stays where it
	 * registered (the positive control below sends to B by UDP).
	 */
	(void)send(ux, cap2, sizeof(cap2), 0);
	(void)send(ux, cap1, sizeof(cap1), 0);
	if (udp_recv(ux, buf, sizeof(buf), RELAY_QUIET_MS) >= 0)
		wrong("a replayed REGISTER was answered");
	(void)send(ux, pkt, relay_body(RELAY_DATA_TYPE, ra.relay_id, pkt,
	    sizeof(pkt)), 0);
	if (udp_recv(ua, buf, sizeof(buf), RELAY_QUIET_MS) >= 0)
		wrong("a wrong token made the hub relay");
	/*
	 * B's REGISTER, right in every way, from another host: only where
	 * B logged in from may move B (the positive control below sends to
	 * B by UDP).
	 */
	if (g.have_foreign) {
		uf = udp_open_from(&g.foreign);
		(void)udp_register(uf, rb.relay_id, rb.token, NULL);
		if (udp_recv(uf, buf, sizeof(buf), RELAY_QUIET_MS) >= 0)
			wrong("a REGISTER from a foreign address was answered");
	}

	/* A and B share no network: nothing by TCP or by UDP. */
	c1 = udp_register(ua, ra.relay_id, ra.token, NULL);
	udp_registered(ua, "A", ra.relay_id, c1, ra.token);
	(void)pc_send_frame(&a, pkt, relay_body(HUB_FRAME_RELAY, rb.relay_id,
	    pkt, sizeof(pkt)));
	(void)send(ua, pkt, relay_body(RELAY_DATA_TYPE, rb.relay_id, pkt,
	    sizeof(pkt)), 0);
	b_gets_nothing("a node sharing no network", ub, &b);
	/* Garbage of every relay type and size from A: never answered. */
	for (len = 0; len <= 40; len++) {
		relay_body(RELAY_DATA_TYPE, rb.relay_id, f, 64);
		(void)send(ua, f, len, 0);
		relay_body(RELAY_REGISTER_TYPE, ra.relay_id, f, 64);
		(void)send(ua, f, len, 0);
	}
	while ((n = udp_recv(ua, buf, sizeof(buf), 300)) >= 0)
		if (n > RELAY_AUTH_LEN)
			wrong("a %zd-byte answer to garbage", n);

	/* The positive control: one network, and the same packets pass. */
	(void)snprintf(net, sizeof(net), "poke%08x", randombytes_random());
	if (relay_request(&a, HUB_OP_CREATE, net, 1) != 0 ||
	    relay_request(&b, HUB_OP_JOIN, net, 2) != 0)
		die("cannot create and join %s", net);
	(void)send(ua, pkt, relay_body(RELAY_DATA_TYPE, rb.relay_id, pkt,
	    sizeof(pkt)), 0);
	n = udp_recv(ub, buf, sizeof(buf), 2000);
	if (n != (ssize_t)sizeof(pkt) || buf[0] != RELAY_DATA_TYPE ||
	    get32(buf + 4) != ra.relay_id ||
	    memcmp(buf + HUB_RELAY_HDR_LEN, pkt + HUB_RELAY_HDR_LEN,
	    sizeof(pkt) - HUB_RELAY_HDR_LEN) != 0)
		wrong("A's datagram did not reach B as sent (%zd bytes)", n);
	if (udp_recv(ux, buf, sizeof(buf), 10) >= 0)
		wrong("a replayed REGISTER moved B's packets to its sender");
	if (uf != -1 && udp_recv(uf, buf, sizeof(buf), 10) >= 0)
		wrong("a foreign REGISTER moved B's packets to its sender");
	(void)pc_send_frame(&a, pkt, relay_body(HUB_FRAME_RELAY, rb.relay_id,
	    pkt, sizeof(pkt)));
	n = udp_recv(ub, buf, sizeof(buf), 2000);
	if (n != (ssize_t)sizeof(pkt) || get32(buf + 4) != ra.relay_id)
		wrong("A's TCP relay frame did not reach B (%zd bytes)", n);
	/* B's UDP gone quiet is not tested here: 120 s is too long. */
	got = 0;
	(void)pc_send_frame(&b, pkt, relay_body(HUB_FRAME_RELAY, ra.relay_id,
	    pkt, sizeof(pkt)));
	if ((n = udp_recv(ua, buf, sizeof(buf), 2000)) == (ssize_t)sizeof(pkt))
		got = 1;
	if (!got)
		wrong("B's TCP relay frame did not reach A");
	(void)pc_recv(&b, now_ms() + 10, &body, &len);
	(void)pc_logout(&a);
	(void)pc_logout(&b);
	close(ua);
	close(ub);
	close(ux);
	if (uf != -1)
		close(uf);
	pc_free(&a);
	pc_free(&b);
	pc_free(&c);
	if (!g.bad)
		printf("relay: ok\n");
}

static volatile sig_atomic_t	 held_enough;

static void
hold_stop(int sig)
{
	held_enough = 1;
}

/*
 * A node that holds a live relay token and says what it is: a memory
 * scan can then look for the token where it must be and where it must
 * never be.
 */
static void
m_relayhold(int secs)
{
	struct pconn		 c;
	struct hub_msg		 m;
	struct hub_relay_info	 ri;
	char			 hex[2 * HUB_RELAY_TOKEN_LEN + 1];
	uint64_t		 end, counter;
	int			 u, i = 0;

	if (!g.have_hub)
		usage();
	signal(SIGTERM, hold_stop);
	pc_open(&c);
	if (pc_handshake(&c, deadline()) != 0 ||
	    pc_login(&c, "relay-hold", deadline(), NULL, NULL) == -1 ||
	    pc_expect(&c, deadline(), HUB_MSG_RELAY_INFO, &m) != 1)
		die("no login with relay info");
	ri = m.u.relay;
	u = udp_open();
	counter = udp_register(u, ri.relay_id, ri.token, NULL);
	udp_registered(u, "the node", ri.relay_id, counter, ri.token);
	(void)sodium_bin2hex(hex, sizeof(hex), ri.token, sizeof(ri.token));
	printf("relayhold: id=%u token=%s\n", ri.relay_id, hex);
	end = now_ms() + (uint64_t)secs * 1000;
	/* Pings keep the session: the hub closes one silent for 90 s. */
	while (!held_enough && now_ms() < end) {
		if (i++ % 10 == 0 && pc_ping(&c, now_ms(), deadline()) == -1) {
			wrong("the hub dropped the session");
			break;
		}
		(void)poll(NULL, 0, 500);
	}
	(void)pc_logout(&c);
	close(u);
	sodium_memzero(&ri, sizeof(ri));
	sodium_memzero(&m, sizeof(m));
	pc_free(&c);
	if (!g.bad)
		printf("relayhold: ok\n");
}

/* ---- main ------------------------------------------------------------- */

static void
usage(void)
{
	fprintf(stderr, "usage: hubpoke [-f ADDR] [-s SRC[,SRC...]] "
	    "[-t SECONDS] [-w MS] HOST PORT MODE [ARGS]\n");
	exit(2);
}

static int
num(const char *s, int lo, int hi)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < lo || v > hi)
		usage();
	return (int)v;
}

static void
set_sources(char *list)
{
	char	*a;

	for (a = strtok(list, ","); a != NULL; a = strtok(NULL, ",")) {
		if (g.nsrc == MAX_SRC)
			die("at most %d sources", MAX_SRC);
		if (inet_pton(AF_INET, a, &g.src[g.nsrc]) != 1)
			die("not an IPv4 address: %s", a);
		g.nsrc++;
	}
}

static void
set_hub(const char *host, const char *port)
{
	struct addrinfo	hints, *res;
	int		rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0)
		die("%s port %s: %s", host, port, gai_strerror(rc));
	memcpy(&g.hub, res->ai_addr, res->ai_addrlen);
	g.hublen = res->ai_addrlen;
	freeaddrinfo(res);
}

int
main(int argc, char *argv[])
{
	const char	*hubkey = NULL;
	int		 ch, n = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	g.login_timeout = 10;
	g.wait_ms = -1;
	while ((ch = getopt(argc, argv, "f:s:t:w:")) != -1) {
		switch (ch) {
		case 'f':
			if (inet_pton(AF_INET, optarg, &g.foreign) != 1)
				die("not an IPv4 address: %s", optarg);
			g.have_foreign = 1;
			break;
		case 's': set_sources(optarg); break;
		case 't': g.login_timeout = num(optarg, 1, 300); break;
		case 'w': g.wait_ms = num(optarg, 1, 600000); break;
		default: usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 3)
		usage();
	mode = argv[2];
	if (g.wait_ms < 0)
		g.wait_ms = (g.login_timeout + 3) * 1000;
	if (sodium_init() < 0 || hub_proto_init(&g.proto) != WG_OK)
		die("crypto set-up");
	set_hub(argv[0], argv[1]);

	/* HUBKEY is the last argument of the modes that take it. */
	if (strcmp(mode, "garbage") == 0 || strcmp(mode, "idle") == 0) {
		if (argc != 4)
			usage();
		n = num(argv[3], 1, 1 << 20);
	} else if (strcmp(mode, "flood") == 0 ||
	    strcmp(mode, "relayhold") == 0) {
		if (argc != 5)
			usage();
		n = num(argv[3], 1, strcmp(mode, "flood") == 0 ? MAX_CONNS :
		    3600);
		hubkey = argv[4];
	} else if (argc == 4)
		hubkey = argv[3];
	else if (argc != 3)
		usage();
	if (hubkey != NULL) {
		if (key_from_base64(g.hub_pub, hubkey) == -1)
			die("not a key: %s", hubkey);
		g.have_hub = 1;
	}

	if (strcmp(mode, "garbage") == 0)
		m_garbage(n);
	else if (strcmp(mode, "truncated") == 0)
		m_truncated();
	else if (strcmp(mode, "oversized") == 0) {
		static const unsigned f[] = { HUB_FRAME_MAX + 1, 32768, 65535 };

		m_badlength("oversized", f, 3);
	} else if (strcmp(mode, "zero") == 0) {
		static const unsigned f[] = { 0, 0 };

		m_badlength("zero", f, 2);
	} else if (strcmp(mode, "idle") == 0)
		m_idle(n);
	else if (strcmp(mode, "badkey") == 0)
		m_badkey();
	else if (strcmp(mode, "loworder") == 0)
		m_loworder();
	else if (strcmp(mode, "replay") == 0)
		m_replay();
	else if (strcmp(mode, "badframes") == 0)
		m_badframes();
	else if (strcmp(mode, "flood") == 0)
		m_flood(n);
	else if (strcmp(mode, "slowread") == 0)
		m_slowread();
	else if (strcmp(mode, "relay") == 0)
		m_relay();
	else if (strcmp(mode, "relayhold") == 0)
		m_relayhold(n);
	else
		usage();
	printf("hubpoke: connections=%u\n", g.nconns);
	return g.bad ? 1 : 0;
}
