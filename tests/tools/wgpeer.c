/*
 * wgpeer: a WireGuard peer for tests only, built on the project's crypto
 * core, that sends hamd crafted datagrams and says what came back.
 *
 *   wgpeer -k KEYFILE -r PUBKEY [-P PSKFILE] -t ADDR:PORT -l ADDR:PORT
 *          -x ADDR:PORT [-s SRC] [-d DST] [-b BADSRC] [-n COUNT] [-w MS]
 *          SCENARIO
 *
 *   -k  our private key file (hamctl genkey)   -r  hamd's public key
 *   -P  the pre-shared key file, if the peer has one
 *   -t  hamd's UDP address (IPv4)
 *   -l  the "main" socket: every valid handshake leaves from here, so it
 *       is the endpoint hamd must keep
 *   -x  the "hostile" socket: unauthenticated or replayed datagrams leave
 *       from here, so that a test can check that hamd never moved the
 *       endpoint to where such a packet came from
 *   -s  our tunnel address (in our allowed IPs), -d hamd's tunnel address,
 *   -b  an inner source outside our allowed IPs
 *   -n  initiations in the flood (500) or init-rate
 *   -w  how long silence must last before "no reply" counts, and the
 *       wait for an answer (1000 ms)
 *
 * Scenarios: sizes badmac1 handshake replay-init replay-data forged-tag
 * unknown-index bad-source cookie-unknown-index response-foreign-index
 * response-stale-index confirm init-rate flood (each documented at its
 * function).
 * Prints one line; exit 0 if hamd behaved as the scenario expects, 1 if
 * not, 2 on a usage or local error.  IPv4 only, outside and inside.
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

#include "crypto/cookie.h"
#include "crypto/key.h"
#include "crypto/noise.h"
#include "crypto/tai64n.h"
#include "crypto/transport.h"
#include "crypto/wg_handshake.h"
#include "crypto/wg_result.h"
#include "crypto/wg_wire.h"

#define ECHO_LEN	60	/* IPv4 20 + ICMP 8 + 32 bytes of payload */
#define MSG_MAX		2048

static struct {
	struct noise_protocol	proto;
	struct noise_static	me;
	uint8_t			peer[32];
	uint8_t			psk[32];
	int			has_psk;
	struct cookie_maker	cm;	/* mac1/mac2 of what we send hamd */
	struct cookie_checker	cc;	/* mac1 of hamd's responses to us */
	struct sockaddr_in	target;
	int			fd_main, fd_hostile;
	struct in_addr		src, dst, badsrc;
	int			count;
	int			wait_ms;
} g;

/* One session, from our side (the initiator). */
struct session {
	struct wg_session_keys	keys;
	uint32_t		local, remote;
	uint64_t		send_ctr;
};

/* What next_answer() found. */
enum { ANS_NONE, ANS_ECHO, ANS_OTHER };

static uint64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t
deadline_ms(int ms)
{
	return now_ns() + (uint64_t)ms * 1000000u;
}

static void
send_on(int fd, const uint8_t *msg, size_t len)
{
	if (sendto(fd, msg, len, 0, (struct sockaddr *)&g.target,
	    sizeof(g.target)) != (ssize_t)len) {
		printf("error: sendto: %s\n", strerror(errno));
		exit(2);
	}
}

/*
 * The next datagram on either socket before the deadline; -1 if none.
 * hamd's timers may start a handshake with us at any time, whatever the
 * scenario does: its initiations answer nothing we sent, so skip them.
 */
static ssize_t
recv_msg(uint64_t deadline, uint8_t *buf, size_t cap, int *fd)
{
	struct pollfd	 pfd[2];
	uint64_t	 now;
	ssize_t		 n;
	int		 i, ms;

	pfd[0].fd = g.fd_main;
	pfd[1].fd = g.fd_hostile;
	for (;;) {
		/* A deadline in the past still takes what is queued. */
		now = now_ns();
		ms = now >= deadline ? 0 :
		    (int)((deadline - now + 999999) / 1000000u);
		pfd[0].events = pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, ms) == 0 && now_ns() >= deadline)
			return -1;
		for (i = 0; i < 2; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			n = recv(pfd[i].fd, buf, cap, MSG_DONTWAIT);
			if (n < 0)
				continue;
			if (n >= 4 && get_le32(buf) == WG_MSG_INITIATION)
				continue;
			*fd = pfd[i].fd;
			return n;
		}
	}
}

/* Internet checksum (RFC 1071). */
static uint16_t
csum(const uint8_t *p, size_t len)
{
	uint32_t	 s = 0;
	size_t		 i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/*
 * Seal an ICMP echo request from src to hamd's tunnel address as a data
 * message on s, with the session's next counter.  The kernel behind
 * hamd answers it, which proves the packet went all the way through.
 */
static size_t
make_echo(struct session *s, struct in_addr src, uint16_t seq,
    uint8_t *out, size_t cap)
{
	uint8_t	*ip = out + WG_DATA_HDR_LEN, *icmp = ip + 20;
	size_t	 len;
	int	 i;

	memset(ip, 0, ECHO_LEN);
	ip[0] = 0x45;
	put_be16(ip + 2, ECHO_LEN);
	put_be16(ip + 4, seq);
	ip[6] = 0x40;		/* DF */
	ip[8] = 64;		/* TTL */
	ip[9] = 1;		/* ICMP */
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &g.dst, 4);
	put_be16(ip + 10, csum(ip, 20));
	icmp[0] = 8;		/* echo request */
	put_be16(icmp + 4, (uint16_t)getpid());
	put_be16(icmp + 6, seq);
	for (i = 8; i < ECHO_LEN - 20; i++)
		icmp[i] = (uint8_t)i;
	put_be16(icmp + 2, csum(icmp, ECHO_LEN - 20));
	if (wg_data_seal(out, cap, ECHO_LEN, 1420, s->remote, s->send_ctr++,
	    s->keys.send, &len) != WG_OK) {
		printf("error: wg_data_seal\n");
		exit(2);
	}
	return len;
}

/* Our echo reply (from hamd's tunnel address) with sequence seq? */
static int
is_echo_reply(const uint8_t *ip, size_t len, uint16_t *seq)
{
	size_t	 hl;

	if (len < 28 || ip[0] >> 4 != 4 || ip[9] != 1)
		return 0;
	hl = (size_t)(ip[0] & 15) * 4;
	if (hl < 20 || len < hl + 8 || memcmp(ip + 12, &g.dst, 4) != 0 ||
	    ip[hl] != 0 || ip[hl + 1] != 0 ||
	    (ip[hl + 4] << 8 | ip[hl + 5]) != (getpid() & 0xffff))
		return 0;
	*seq = (uint16_t)(ip[hl + 6] << 8 | ip[hl + 7]);
	return 1;
}

/*
 * The next answer before the deadline: an echo reply on s (its sequence
 * in *seq), or anything else that is not a data message (its type in
 * *type).  Data we cannot open (an older run's session) and keepalives
 * answer nothing we sent here, so they are skipped.
 */
static int
next_answer(struct session *s, uint64_t deadline, int *type, uint16_t *seq)
{
	uint8_t	 buf[MSG_MAX];
	size_t	 ptlen;
	ssize_t	 n;
	int	 fd;

	while ((n = recv_msg(deadline, buf, sizeof(buf), &fd)) >= 0) {
		*type = n >= 4 ? (int)get_le32(buf) : -1;
		if (*type != WG_MSG_DATA || n < WG_DATA_MIN_LEN)
			return ANS_OTHER;
		if (s == NULL || get_le32(buf + 4) != s->local ||
		    wg_data_open(buf, (size_t)n, s->keys.recv, &ptlen) != WG_OK)
			continue;
		if (is_echo_reply(buf + WG_DATA_HDR_LEN, ptlen, seq))
			return ANS_ECHO;
	}
	return ANS_NONE;
}

/* Nothing but skippable traffic for g.wait_ms; else say what came. */
static int
silence(struct session *s, const char *after)
{
	uint16_t	 seq;
	int		 type;

	switch (next_answer(s, deadline_ms(g.wait_ms), &type, &seq)) {
	case ANS_NONE:
		return 1;
	case ANS_ECHO:
		printf("echo reply %u to %s\n", seq, after);
		return 0;
	default:
		printf("reply type %d to %s\n", type, after);
		return 0;
	}
}

/* Wait for the echo reply seq; 1 if it came. */
static int
echo_answered(struct session *s, uint16_t want, const char *what)
{
	uint64_t	 deadline = deadline_ms(g.wait_ms * 2);
	uint16_t	 seq;
	int		 type;

	for (;;) {
		switch (next_answer(s, deadline, &type, &seq)) {
		case ANS_NONE:
			printf("no reply to %s\n", what);
			return 0;
		case ANS_ECHO:
			if (seq == want)
				return 1;
			break;	/* a late one from before: not ours */
		default:
			printf("reply type %d to %s\n", type, what);
			return 0;
		}
	}
}

/*
 * A TAI64N timestamp newer than any an earlier run sent: hamd accepts
 * only strictly increasing ones, and their 16.8 ms granularity would
 * make two quick runs collide.  Waiting for two slot changes also keeps
 * us past hamd's limit of one initiation per 20 ms from a peer.
 */
static void
fresh_ts(uint8_t ts[TAI64N_LEN])
{
	static int	 waited;
	uint8_t		 t0[TAI64N_LEN];
	int		 changes = 0;
	struct timespec	 ms = { 0, 1000000 };

	tai64n_now(ts);
	while (!waited && changes < 2) {
		memcpy(t0, ts, sizeof(t0));
		while (memcmp(t0, ts, sizeof(t0)) == 0) {
			nanosleep(&ms, NULL);
			tai64n_now(ts);
		}
		changes++;
	}
	waited = 1;
}

/*
 * A real initiation from us with timestamp ts and a fresh index; hs
 * keeps its state for the response.
 */
static void
make_initiation_at(struct noise_handshake *hs, uint32_t *idx,
    const uint8_t ts[TAI64N_LEN], uint8_t out[WG_INIT_LEN])
{
	*idx = randombytes_random();
	if (noise_hs_init(hs, &g.proto, NOISE_INITIATOR, &g.me, g.peer) !=
	    WG_OK || wg_create_initiation(hs, *idx, ts, &g.cm, now_ns(),
	    out) != WG_OK) {
		printf("error: cannot build an initiation\n");
		exit(2);
	}
}

/* The same, timestamped now. */
static void
make_initiation(struct noise_handshake *hs, uint32_t *idx,
    uint8_t out[WG_INIT_LEN])
{
	uint8_t	 ts[TAI64N_LEN];

	fresh_ts(ts);
	make_initiation_at(hs, idx, ts, out);
}

/*
 * The answer to our initiation: 2 if a response that verifies (s then
 * holds the session), 3 if a cookie reply that opens (our cookie maker
 * then holds the cookie), 0 if nothing came; data messages are skipped,
 * anything else is printed and gives -1.
 */
static int
await_response(struct noise_handshake *hs, struct session *s)
{
	uint8_t		 buf[MSG_MAX];
	uint64_t	 deadline = deadline_ms(g.wait_ms * 2);
	ssize_t		 n;
	int		 fd, r;

	do {
		if ((n = recv_msg(deadline, buf, sizeof(buf), &fd)) < 0)
			return 0;
	} while (n >= WG_DATA_MIN_LEN && get_le32(buf) == WG_MSG_DATA);
	if (n == WG_RESP_LEN && get_le32(buf) == WG_MSG_RESPONSE) {
		r = wg_consume_response(hs, &g.cc, g.has_psk ? g.psk : NULL,
		    buf, (size_t)n, s->local, &s->remote);
		if (r == WG_OK && wg_derive_keys(hs, &s->keys) == WG_OK) {
			s->send_ctr = 0;
			return 2;
		}
		printf("response refused: %s\n", wg_result_str(r));
		return -1;
	}
	if (n == WG_COOKIE_REPLY_LEN && get_le32(buf) == WG_MSG_COOKIE) {
		if ((r = cookie_consume_reply(&g.cm, buf, (size_t)n,
		    now_ns())) == WG_OK)
			return 3;
		printf("cookie reply refused: %s\n", wg_result_str(r));
		return -1;
	}
	printf("reply type %d (%zd bytes) to an initiation\n",
	    n >= 4 ? (int)get_le32(buf) : -1, n);
	return -1;
}

/*
 * A handshake from the main socket, as a real initiator does it: if hamd
 * is under load it answers with a cookie reply, and we retry once with
 * mac2.  0, or -1 after printing why.
 */
static int
handshake(struct session *s)
{
	struct noise_handshake	 hs;
	uint8_t			 init[WG_INIT_LEN];
	int			 tries, r = 0;

	for (tries = 0; tries < 2; tries++) {
		make_initiation(&hs, &s->local, init);
		send_on(g.fd_main, init, sizeof(init));
		if ((r = await_response(&hs, s)) != 3)
			break;
	}
	noise_hs_clear(&hs);
	if (r == 2)
		return 0;
	if (r == 0)
		printf("no reply to an initiation\n");
	else if (r == 3)
		printf("cookie reply to an initiation with mac2\n");
	return -1;
}

/* ---- scenarios ----------------------------------------------------------- */

static size_t
wire_len(uint32_t type)
{
	switch (type) {
	case WG_MSG_INITIATION:	return WG_INIT_LEN;
	case WG_MSG_RESPONSE:	return WG_RESP_LEN;
	case WG_MSG_COOKIE:	return WG_COOKIE_REPLY_LEN;
	default:		return 64;	/* a data message */
	}
}

/* A datagram of len bytes (random) whose first bytes spell type word t. */
static void
send_typed(uint32_t t, size_t len)
{
	uint8_t	 buf[1500], word[4];

	randombytes_buf(buf, len);
	put_le32(word, t);
	memcpy(buf, word, len < 4 ? len : 4);
	send_on(g.fd_hostile, buf, len);
}

/*
 * Every size a type cannot have, short data messages, unknown types and
 * known types with a non-zero reserved byte: the classifier must drop
 * all of them before any crypto, and none may draw an answer.  Paced a
 * little so that hamd's socket buffer sees them all.
 */
static int
scen_sizes(void)
{
	struct timespec	 pace = { 0, 50000 };
	uint32_t	 t;
	size_t		 len;
	int		 n = 0, b;

	for (t = WG_MSG_INITIATION; t <= WG_MSG_COOKIE; t++)
		for (len = 0; len <= 1500; len = len == 200 ? 1500 : len + 1) {
			if (len == wire_len(t))
				continue;
			send_typed(t, len);
			n++;
			if (n % 32 == 0)
				nanosleep(&pace, NULL);
		}
	for (len = 0; len < WG_DATA_MIN_LEN; len++, n++)
		send_typed(WG_MSG_DATA, len);
	/* Unknown types, in a datagram the size of an initiation. */
	for (t = 0; t <= 255; t++) {
		if (t >= WG_MSG_INITIATION && t <= WG_MSG_DATA)
			continue;
		send_typed(t, WG_INIT_LEN);
		n++;
	}
	for (t = WG_MSG_INITIATION; t <= WG_MSG_DATA; t++)
		for (b = 1; b <= 3; b++, n++)
			send_typed(t | 1u << (8 * b), wire_len(t));
	if (!silence(NULL, "a malformed datagram"))
		return 1;
	printf("ok: %d malformed datagrams, no reply\n", n);
	return 0;
}

/* A correct initiation but for one bit of mac1: hamd must stay silent. */
static int
scen_badmac1(void)
{
	struct noise_handshake	 hs;
	uint8_t			 init[WG_INIT_LEN];
	uint32_t		 idx;

	make_initiation(&hs, &idx, init);
	noise_hs_clear(&hs);
	init[WG_INIT_OFF_MAC1] ^= 1;
	send_on(g.fd_hostile, init, sizeof(init));
	if (!silence(NULL, "an initiation with a bad mac1"))
		return 1;
	printf("ok\n");
	return 0;
}

/* A real handshake and a ping through the tunnel: the tool is a peer. */
static int
scen_handshake(void)
{
	struct session	 s;
	uint8_t		 msg[MSG_MAX];

	if (handshake(&s) == -1)
		return 1;
	send_on(g.fd_main, msg, make_echo(&s, g.src, 1, msg, sizeof(msg)));
	if (!echo_answered(&s, 1, "an echo request"))
		return 1;
	printf("ok\n");
	return 0;
}

/*
 * Data with a payload under the session s before the deadline (keepalives
 * and other sessions' data skipped): 1 if some came, its length in *len.
 */
static int
data_on(struct session *s, uint64_t deadline, size_t *len)
{
	uint8_t	 buf[MSG_MAX];
	ssize_t	 n;
	int	 fd;

	while ((n = recv_msg(deadline, buf, sizeof(buf), &fd)) >= 0)
		if (n >= WG_DATA_MIN_LEN && get_le32(buf) == WG_MSG_DATA &&
		    get_le32(buf + 4) == s->local &&
		    wg_data_open(buf, (size_t)n, s->keys.recv, len) == WG_OK &&
		    *len > 0)
			return 1;
	return 0;
}

/*
 * hamd as the responder holds a session it may not send on until a
 * packet of ours under it arrives.  The test has hamd's host ping our
 * tunnel address meanwhile, five times a second: nothing may come under
 * the new session for -w ms; then our keepalive confirms it, and the
 * pings must come under it.
 */
static int
scen_confirm(void)
{
	struct session	 s;
	uint8_t		 msg[MSG_MAX];
	size_t		 len;

	if (handshake(&s) == -1)
		return 1;
	if (data_on(&s, deadline_ms(g.wait_ms), &len)) {
		printf("data (%zu bytes) under the session before we "
		    "confirmed it\n", len);
		return 1;
	}
	if (wg_data_seal(msg, sizeof(msg), 0, 1420, s.remote, s.send_ctr++,
	    s.keys.send, &len) != WG_OK) {
		printf("error: wg_data_seal\n");
		return 2;
	}
	send_on(g.fd_main, msg, len);
	if (!data_on(&s, deadline_ms(g.wait_ms * 2), &len)) {
		printf("no data under the session after our keepalive\n");
		return 1;
	}
	printf("ok\n");
	return 0;
}

/*
 * The same initiation twice, the copy from elsewhere after the original
 * was answered: its timestamp is not newer, so exactly one response.
 */
static int
scen_replay_init(void)
{
	struct noise_handshake	 hs;
	struct session		 s;
	struct timespec		 limit = { 0, 30 * 1000000 };
	uint8_t			 init[WG_INIT_LEN];
	int			 r;

	make_initiation(&hs, &s.local, init);
	send_on(g.fd_main, init, sizeof(init));
	r = await_response(&hs, &s);
	noise_hs_clear(&hs);
	if (r != 2) {
		if (r == 0 || r == 3)
			printf("%s to the original initiation\n",
			    r == 0 ? "no reply" : "cookie reply");
		return 1;
	}
	/*
	 * Wait out hamd's limit of one initiation per 20 ms from a peer,
	 * so that only the timestamp check can refuse the copy.
	 */
	nanosleep(&limit, NULL);
	send_on(g.fd_hostile, init, sizeof(init));
	if (!silence(&s, "a replayed initiation"))
		return 1;
	printf("ok\n");
	return 0;
}

/* One data message twice, the copy from elsewhere: one echo reply. */
static int
scen_replay_data(void)
{
	struct session	 s;
	uint8_t		 msg[MSG_MAX];
	size_t		 len;

	if (handshake(&s) == -1)
		return 1;
	len = make_echo(&s, g.src, 1, msg, sizeof(msg));
	send_on(g.fd_main, msg, len);
	if (!echo_answered(&s, 1, "the original echo request"))
		return 1;
	send_on(g.fd_hostile, msg, len);
	if (!silence(&s, "a replayed data message"))
		return 1;
	printf("ok\n");
	return 0;
}

/*
 * A data message with one tag bit flipped must be dropped; then the
 * genuine message with the same counter must still get through, which
 * proves the forgery did not move the replay window.  A last forgery
 * leaves the hostile address as the latest source, so that the caller's
 * endpoint check sees whether hamd followed it.
 */
static int
scen_forged_tag(void)
{
	struct session	 s;
	uint8_t		 msg[MSG_MAX];
	size_t		 len;

	if (handshake(&s) == -1)
		return 1;
	len = make_echo(&s, g.src, 1, msg, sizeof(msg));
	msg[len - 1] ^= 0x80;
	send_on(g.fd_hostile, msg, len);
	if (!silence(&s, "a forged data message"))
		return 1;
	s.send_ctr = 0;
	send_on(g.fd_main, msg, make_echo(&s, g.src, 1, msg, sizeof(msg)));
	if (!echo_answered(&s, 1, "the genuine message after a forgery"))
		return 1;
	len = make_echo(&s, g.src, 2, msg, sizeof(msg));
	msg[WG_DATA_HDR_LEN] ^= 0x80;	/* ciphertext this time */
	send_on(g.fd_hostile, msg, len);
	if (!silence(&s, "a second forged data message"))
		return 1;
	printf("ok\n");
	return 0;
}

/* A well-formed data message for an index nobody holds. */
static int
scen_unknown_index(void)
{
	struct session	 s;
	uint8_t		 msg[MSG_MAX];

	memset(&s, 0, sizeof(s));
	randombytes_buf(&s.keys, sizeof(s.keys));
	s.remote = randombytes_random();
	send_on(g.fd_hostile, msg, make_echo(&s, g.src, 1, msg, sizeof(msg)));
	if (!silence(NULL, "data for an unknown index"))
		return 1;
	printf("ok\n");
	return 0;
}

/*
 * A cookie reply for a receiver index nobody holds (no initiation of
 * hamd's asked for it): dropped before any crypto, no answer.
 */
static int
scen_cookie_unknown_index(void)
{
	uint8_t	 msg[WG_COOKIE_REPLY_LEN];

	randombytes_buf(msg, sizeof(msg));
	put_le32(msg, WG_MSG_COOKIE);
	send_on(g.fd_hostile, msg, sizeof(msg));
	if (!silence(NULL, "a cookie reply for an unknown index"))
		return 1;
	printf("ok\n");
	return 0;
}

/* A response to receiver, with a mac1 hamd checks: only the index is wrong. */
static void
make_response(uint32_t receiver, uint8_t out[WG_RESP_LEN])
{
	randombytes_buf(out, WG_RESP_LEN);
	put_le32(out, WG_MSG_RESPONSE);
	put_le32(out + WG_RESP_OFF_RECEIVER, receiver);
	cookie_add_macs(&g.cm, out, WG_RESP_LEN, now_ns());
}

/* A response to an index hamd never gave out: a reply nobody asked for. */
static int
scen_response_foreign_index(void)
{
	uint8_t	 resp[WG_RESP_LEN];

	make_response(randombytes_random(), resp);
	send_on(g.fd_hostile, resp, sizeof(resp));
	if (!silence(NULL, "a response to a foreign index"))
		return 1;
	printf("ok\n");
	return 0;
}

/*
 * A response to the index of a handshake that is over: hamd's own
 * response gave it, and the session now holds it.  Dropped, and the
 * session it names still carries an echo request and its reply.
 */
static int
scen_response_stale_index(void)
{
	struct session	 s;
	uint8_t		 msg[MSG_MAX], resp[WG_RESP_LEN];

	if (handshake(&s) == -1)
		return 1;
	make_response(s.remote, resp);
	send_on(g.fd_hostile, resp, sizeof(resp));
	if (!silence(&s, "a response to a finished handshake"))
		return 1;
	send_on(g.fd_main, msg, make_echo(&s, g.src, 1, msg, sizeof(msg)));
	if (!echo_answered(&s, 1, "an echo request after a stale response"))
		return 1;
	printf("ok\n");
	return 0;
}

/*
 * An authenticated packet whose inner source is not ours must not reach
 * hamd's host; a good one right after it proves the session still works
 * (so the silence meant a drop, not a dead tunnel).  The silence alone
 * proves little: hamd's host would answer to the bad source, which is
 * not routed to us.  The caller also counts the echo requests the host
 * received.
 */
static int
scen_bad_source(void)
{
	struct session	 s;
	uint8_t		 msg[MSG_MAX];

	if (handshake(&s) == -1)
		return 1;
	send_on(g.fd_main, msg, make_echo(&s, g.badsrc, 1, msg, sizeof(msg)));
	if (!silence(&s, "an echo request from a source not allowed"))
		return 1;
	send_on(g.fd_main, msg, make_echo(&s, g.src, 2, msg, sizeof(msg)));
	if (!echo_answered(&s, 2, "an echo request after the bad one"))
		return 1;
	printf("ok\n");
	return 0;
}

/* Count the answers that arrive until the deadline. */
static void
count_cookies(uint64_t deadline, int *cookies, int *other)
{
	uint8_t	 buf[MSG_MAX];
	ssize_t	 n;
	int	 fd;

	while ((n = recv_msg(deadline, buf, sizeof(buf), &fd)) >= 0) {
		if (n == WG_COOKIE_REPLY_LEN &&
		    get_le32(buf) == WG_MSG_COOKIE)
			(*cookies)++;
		else
			(*other)++;
	}
}

/*
 * count real initiations from the main socket, one every 5 ms, each
 * newer than the last (the TAI64N timestamp one nanosecond on) and each
 * with a fresh index: no replay, and too few to put hamd under load.
 * hamd answers one peer at most INITIATIONS_PER_SECOND (50) a second,
 * however valid its initiations, and counts the rest (peer.state).
 * Prints "answered=A of N in T ms".
 */
static int
scen_init_rate(void)
{
	struct noise_handshake	 hs;
	struct timespec		 pace = { 0, 5000000 };
	uint8_t			 init[WG_INIT_LEN], ts[TAI64N_LEN];
	uint8_t			 buf[MSG_MAX];
	uint64_t		 t0, deadline;
	uint32_t		 idx;
	ssize_t			 n;
	int			 i, fd, answered = 0;

	fresh_ts(ts);
	t0 = now_ns();
	for (i = 0; i < g.count; i++) {
		put_be32(ts + 8, get_be32(ts + 8) + 1);
		make_initiation_at(&hs, &idx, ts, init);
		noise_hs_clear(&hs);
		send_on(g.fd_main, init, sizeof(init));
		nanosleep(&pace, NULL);
		deadline = i == g.count - 1 ? deadline_ms(g.wait_ms) : 0;
		while ((n = recv_msg(deadline, buf, sizeof(buf), &fd)) >= 0)
			if (n == WG_RESP_LEN && get_le32(buf) == WG_MSG_RESPONSE)
				answered++;
	}
	printf("answered=%d of %d in %llu ms\n", answered, g.count,
	    (unsigned long long)((now_ns() - t0) / 1000000u -
	    (uint64_t)g.wait_ms));
	return answered > 0 ? 0 : 1;
}

/*
 * count initiations with a valid mac1 and random contents (what anyone
 * who knows hamd's public key can send), as fast as we can, from the
 * hostile socket.  More than 200 handshake messages a second put hamd
 * under load: it must then answer with cookie replies instead of doing
 * Diffie-Hellman.  Then the cookie must work: a real initiation from the
 * main socket draws a cookie reply, and the retry with mac2 a response.
 */
static int
scen_flood(void)
{
	struct cookie_maker	 junk;
	struct noise_handshake	 hs;
	struct session		 s;
	uint8_t			 init[WG_INIT_LEN];
	int			 i, cookies = 0, other = 0, r;

	cookie_maker_init(&junk, g.peer);
	for (i = 0; i < g.count; i++) {
		randombytes_buf(init, sizeof(init));
		put_le32(init, WG_MSG_INITIATION);
		cookie_add_macs(&junk, init, sizeof(init), now_ns());
		send_on(g.fd_hostile, init, sizeof(init));
		/* Drain as we go: our socket buffer holds fewer replies. */
		count_cookies(now_ns(), &cookies, &other);
	}
	count_cookies(deadline_ms(g.wait_ms), &cookies, &other);
	if (other > 0 || cookies == 0) {
		printf("%d cookie replies and %d other answers to %d "
		    "initiations\n", cookies, other, g.count);
		return 1;
	}
	/* Still under load: the probe must draw a cookie reply, not a response. */
	make_initiation(&hs, &s.local, init);
	send_on(g.fd_main, init, sizeof(init));
	r = await_response(&hs, &s);
	noise_hs_clear(&hs);
	if (r != 3) {
		if (r >= 0)
			printf("%s to an initiation without mac2 under load\n",
			    r == 2 ? "response" : "no reply");
		return 1;
	}
	make_initiation(&hs, &s.local, init);
	send_on(g.fd_main, init, sizeof(init));
	r = await_response(&hs, &s);
	noise_hs_clear(&hs);
	if (r != 2) {
		if (r >= 0)
			printf("%s to an initiation with mac2\n",
			    r == 3 ? "cookie reply" : "no reply");
		return 1;
	}
	printf("ok: %d initiations, cookies=%d, handshake with mac2 answered\n",
	    g.count, cookies);
	return 0;
}

/* ---- set-up ---------------------------------------------------------------- */

static const struct {
	const char	*name;
	int		(*fn)(void);
} scenarios[] = {
	{ "sizes", scen_sizes },
	{ "badmac1", scen_badmac1 },
	{ "handshake", scen_handshake },
	{ "replay-init", scen_replay_init },
	{ "replay-data", scen_replay_data },
	{ "forged-tag", scen_forged_tag },
	{ "unknown-index", scen_unknown_index },
	{ "bad-source", scen_bad_source },
	{ "cookie-unknown-index", scen_cookie_unknown_index },
	{ "response-foreign-index", scen_response_foreign_index },
	{ "response-stale-index", scen_response_stale_index },
	{ "confirm", scen_confirm },
	{ "init-rate", scen_init_rate },
	{ "flood", scen_flood },
};

static void
usage(void)
{
	size_t	 i;

	fprintf(stderr, "usage: wgpeer -k keyfile -r pubkey [-P pskfile] "
	    "-t addr:port -l addr:port -x addr:port\n"
	    "              [-s src] [-d dst] [-b badsrc] [-n count] [-w ms] "
	    "scenario\nscenarios:");
	for (i = 0; i < nitems(scenarios); i++)
		fprintf(stderr, " %s", scenarios[i].name);
	fprintf(stderr, "\n");
	exit(2);
}

static void
parse_addr(const char *s, struct sockaddr_in *sin)
{
	char	 host[64], *colon;
	long	 port;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	if (snprintf(host, sizeof(host), "%s", s) >= (int)sizeof(host) ||
	    (colon = strrchr(host, ':')) == NULL)
		usage();
	*colon = '\0';
	port = strtol(colon + 1, NULL, 10);
	if (port <= 0 || port > 65535 ||
	    inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		usage();
	sin->sin_port = htons((uint16_t)port);
}

static int
bound_socket(const char *addr)
{
	struct sockaddr_in	 sin;
	int			 fd;

	parse_addr(addr, &sin);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		printf("error: bind %s: %s\n", addr, strerror(errno));
		exit(2);
	}
	return fd;
}

static void
read_key(const char *path, uint8_t key[32])
{
	char	 err[256];

	if (key_file_read(path, key, err, sizeof(err)) == -1) {
		printf("error: %s\n", err);
		exit(2);
	}
}

static void
inet_arg(const char *s, struct in_addr *a)
{
	if (inet_pton(AF_INET, s, a) != 1)
		usage();
}

int
main(int argc, char *argv[])
{
	const char	*keyfile = NULL, *pub = NULL, *main_addr = NULL;
	const char	*hostile_addr = NULL;
	size_t		 i;
	int		 ch;

	if (sodium_init() < 0)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&g, 0, sizeof(g));
	g.count = 500;
	g.wait_ms = 1000;
	inet_arg("10.0.0.2", &g.src);
	inet_arg("10.0.0.1", &g.dst);
	inet_arg("10.0.0.99", &g.badsrc);
	while ((ch = getopt(argc, argv, "b:d:k:l:n:P:r:s:t:w:x:")) != -1) {
		switch (ch) {
		case 'b': inet_arg(optarg, &g.badsrc); break;
		case 'd': inet_arg(optarg, &g.dst); break;
		case 'k': keyfile = optarg; break;
		case 'l': main_addr = optarg; break;
		case 'n': g.count = atoi(optarg); break;
		case 'P': read_key(optarg, g.psk); g.has_psk = 1; break;
		case 'r': pub = optarg; break;
		case 's': inet_arg(optarg, &g.src); break;
		case 't': parse_addr(optarg, &g.target); break;
		case 'w': g.wait_ms = atoi(optarg); break;
		case 'x': hostile_addr = optarg; break;
		default: usage();
		}
	}
	if (argc - optind != 1 || keyfile == NULL || pub == NULL ||
	    main_addr == NULL || hostile_addr == NULL ||
	    g.target.sin_port == 0 || g.count <= 0 || g.wait_ms <= 0 ||
	    key_from_base64(g.peer, pub) == -1)
		usage();
	read_key(keyfile, g.me.priv);
	if (key_public(g.me.pub, g.me.priv) == -1) {
		printf("error: a low-order private key\n");
		return 2;
	}
	wg_protocol_init(&g.proto);
	cookie_maker_init(&g.cm, g.peer);
	cookie_checker_init(&g.cc, g.me.pub);
	g.fd_main = bound_socket(main_addr);
	g.fd_hostile = bound_socket(hostile_addr);
	for (i = 0; i < nitems(scenarios); i++)
		if (strcmp(argv[optind], scenarios[i].name) == 0)
			return scenarios[i].fn();
	usage();
	return 2;
}
