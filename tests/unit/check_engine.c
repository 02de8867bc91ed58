/*
 * The engine's data path against real UDP sockets on loopback: what it
 * passes to tun and what it drops on receive, where it sends tun's
 * batches, the per-peer and global counters, the endpoint rules across
 * roaming and reconfiguration, and fatalx on a malformed batch.  Also
 * the UDP offloads: GSO trains on send (and the fallback when the
 * kernel refuses one), GRO trains split into records on receive.
 *
 * The engine's parts are linked as they are and driven without the
 * sandbox: the test plays parent and tun by calling the dispatchers
 * with hand-made messages (daemon/engine.h), and the hub by a TCP
 * listener and a UDP socket on loopback.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "compat/util.h"
#include "crypto/wg_wire.h"
#include "daemon/engine.h"
#include "daemon/engine_xrelay.h"
#include "daemon/hamd_msg.h"
#include "ipc/pktbatch.h"
#include "privsep/log.h"
#include "proto/relayauth.h"

#ifndef SO_NO_CHECK
#define SO_NO_CHECK	11
#endif

#include "crypto/transport.h"

/* A peer's slot in the engine's table. */
#define PEER(id)	(*peer_slot(id))

static struct privsep	 ps;
static struct msg_rule	 rules[HAMD_IMSG_MAX];
static struct imsgbuf	 tunside;	/* tun's end of the channel */
static int		 esock;		/* the engine's IPv4 socket */
static int		 remote;	/* a peer on loopback */
static struct pkt_addr	 remote_addr;

static double		 retry_s = -1;	/* the last "retrying in" seen */

static void
quiet(int priority, const char *line)
{
	const char	*r;

	(void)priority;
	if ((r = strstr(line, "retrying in ")) != NULL)
		retry_s = atof(r + strlen("retrying in "));
	/* CHECK_ENGINE_LOG=1 shows the engine's log lines (debugging). */
	if (getenv("CHECK_ENGINE_LOG") != NULL)
		fprintf(stderr, "%s\n", line);
}

/* tun's channel is never dispatched here: we read its far end directly. */
static void
no_handler(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

static struct pkt_addr
loop_addr(int fd)
{
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);
	struct pkt_addr		 a;

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	memset(&a, 0, sizeof(a));
	a.af = AF_INET;
	a.port = sin.sin_port;
	memcpy(a.addr, &sin.sin_addr, 4);
	return a;
}

static int
udp_loopback(void)
{
	struct sockaddr_in	 sin;
	int			 fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ne(fd, -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

static void
to_engine(int from, uint32_t type, int fd, const void *data, size_t len)
{
	struct imsg	 m;

	memset(&m, 0, sizeof(m));
	m.hdr.type = type;
	m.hdr.len = (uint32_t)(IMSG_HEADER_SIZE + len);
	m.fd = fd;
	m.data = data;
	m.datalen = len;
	if (from == PROC_PARENT)
		engine_dispatch_parent(&ps, from, &m);
	else
		engine_dispatch_tun(&ps, from, &m);
}

static void
send_peer(uint32_t id, const struct pkt_addr *ep)
{
	struct engine_peer_msg	 m;

	memset(&m, 0, sizeof(m));
	m.id = id;
	if (ep != NULL)
		m.endpoint = *ep;
	to_engine(PROC_PARENT, IMSG_ENGINE_PEER, -1, &m, sizeof(m));
}

static void
send_endpoint(uint32_t id, const struct pkt_addr *a)
{
	struct endpoint_msg	 m;

	memset(&m, 0, sizeof(m));
	m.id = id;
	m.addr = *a;
	to_engine(HAMD_PROC_TUN, IMSG_ENDPOINT, -1, &m, sizeof(m));
}

/* A PKT_OUT payload built record by record, as tun would. */
struct out {
	uint8_t		 buf[131072];
	size_t		 len;
};

static void
out_add(struct out *o, uint32_t peer, uint16_t flags,
    const struct pkt_addr *to, const char *data)
{
	struct pkt_rec	 r;
	size_t		 n = strlen(data);

	memset(&r, 0, sizeof(r));
	r.peer = peer;
	r.len = (uint16_t)n;
	r.flags = flags;
	if (to != NULL)
		r.addr = *to;
	memcpy(o->buf + o->len, &r, sizeof(r));
	o->len += sizeof(r);
	memset(o->buf + o->len, 0, (n + 3) & ~(size_t)3);
	memcpy(o->buf + o->len, data, n);
	o->len += (n + 3) & ~(size_t)3;
}

/* A record of len bytes, each byte fill. */
static void
out_add_len(struct out *o, uint32_t peer, uint16_t flags,
    const struct pkt_addr *to, size_t n, uint8_t fill)
{
	struct pkt_rec	 r;

	ck_assert_uint_le(o->len + sizeof(r) + n + 3, sizeof(o->buf));
	memset(&r, 0, sizeof(r));
	r.peer = peer;
	r.len = (uint16_t)n;
	r.flags = flags;
	if (to != NULL)
		r.addr = *to;
	memcpy(o->buf + o->len, &r, sizeof(r));
	o->len += sizeof(r);
	memset(o->buf + o->len, 0, (n + 3) & ~(size_t)3);
	memset(o->buf + o->len, fill, n);
	o->len += (n + 3) & ~(size_t)3;
}

/*
 * Read datagrams on the remote socket (no GRO: one per recv) and check
 * that they are exactly want[0 .. n) long, each filled with its index
 * (mod 256), and that nothing follows.
 */
static void
remote_expect(const size_t *want, int n)
{
	static uint8_t	 buf[65536];
	ssize_t		 got;
	int		 i;

	for (i = 0; i < n; i++) {
		got = recv(remote, buf, sizeof(buf), MSG_DONTWAIT);
		ck_assert_msg(got == (ssize_t)want[i],
		    "datagram %d: %zd bytes, want %zu", i, got, want[i]);
		ck_assert_msg(got == 0 || (buf[0] == (uint8_t)i &&
		    buf[got - 1] == (uint8_t)i), "datagram %d out of order", i);
	}
	ck_assert_int_eq(recv(remote, buf, sizeof(buf), MSG_DONTWAIT), -1);
}

/* The next datagram on the remote socket, NUL-terminated; -1 if none. */
static ssize_t
remote_recv(char *buf, size_t len)
{
	ssize_t	 n = recv(remote, buf, len - 1, MSG_DONTWAIT);

	if (n >= 0)
		buf[n] = '\0';
	return n;
}

static void
setup(void)
{
	int	 sv[2];
	int32_t	 af = AF_INET;

	log_init("check_engine", 1, 0);
	log_set_sink(quiet);
	memset(&ps, 0, sizeof(ps));
	ps.id = HAMD_PROC_ENGINE;
	/* The engine's messages to tun here, as daemon/hamd_msg.c has them. */
	memset(rules, 0, sizeof(rules));
	rules[IMSG_PEER_PROBE] = (struct msg_rule){ "peer-probe",
	    PROC_BIT(HAMD_PROC_ENGINE), PROC_BIT(HAMD_PROC_TUN),
	    sizeof(struct peer_probe_msg), sizeof(struct peer_probe_msg),
	    MSG_FD_NONE, 0 };
	rules[IMSG_PATH_INFO] = (struct msg_rule){ "path-info",
	    PROC_BIT(HAMD_PROC_ENGINE), PROC_BIT(HAMD_PROC_TUN),
	    sizeof(struct path_info_msg), sizeof(struct path_info_msg),
	    MSG_FD_NONE, 0 };
	rules[IMSG_RELAY_REGISTERED] = (struct msg_rule){ "relay-registered",
	    PROC_BIT(HAMD_PROC_ENGINE), PROC_BIT(HAMD_PROC_TUN),
	    RELAY_AUTH_LEN, RELAY_AUTH_LEN, MSG_FD_NONE, 0 };
	rules[IMSG_RELAY_GUEST_REGISTERED] = (struct msg_rule){
	    "relay-guest-registered", PROC_BIT(HAMD_PROC_ENGINE),
	    PROC_BIT(HAMD_PROC_TUN), sizeof(struct relay_guest_msg),
	    sizeof(struct relay_guest_msg), MSG_FD_NONE, 0 };
	rules[IMSG_HUB_CONN_OPEN] = (struct msg_rule){ "hub-conn-open",
	    PROC_BIT(HAMD_PROC_ENGINE), PROC_BIT(HAMD_PROC_TUN),
	    sizeof(struct hub_conn_msg), sizeof(struct hub_conn_msg),
	    MSG_FD_NONE, 0 };
	ps.rules = rules;
	ps.nrules = HAMD_IMSG_MAX;
	/* Only tun's channel exists here. */
	ps.fds[PROC_PARENT] = ps.fds[HAMD_PROC_CONTROL] = -1;
	ck_assert_ptr_nonnull(ps.base = event_base_new());
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(imsgev_init(&ps.iev[HAMD_PROC_TUN], ps.base, sv[0],
	    no_handler, &ps), 0);
	ps.fds[HAMD_PROC_TUN] = sv[0];
	ck_assert_int_eq(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_eq(imsgbuf_init(&tunside, sv[1]), 0);
	engine_init(&ps);

	esock = udp_loopback();
	remote = udp_loopback();
	remote_addr = loop_addr(remote);
	to_engine(PROC_PARENT, IMSG_ENGINE_SOCKET, esock, &af, sizeof(af));
	send_peer(1, &remote_addr);
	send_peer(2, NULL);
	to_engine(PROC_PARENT, IMSG_ENGINE_PEERS_END, -1, NULL, 0);
}

START_TEST(t_send)
{
	struct out	*o = calloc(1, sizeof(*o));
	struct pkt_addr	 v6 = remote_addr, port0 = remote_addr;
	char		 buf[256];
	int		 i;

	v6.af = AF_INET6;
	port0.port = 0;
	out_add(o, 1, 0, NULL, "to-endpoint");
	out_add(o, 2, 0, NULL, "no-endpoint");
	out_add(o, 7, 0, NULL, "never-configured");
	out_add(o, PKT_PEER_NONE, 0, NULL, "nowhere");
	out_add(o, PKT_PEER_NONE, PKT_F_TO_ADDR, &port0, "refused");
	out_add(o, PKT_PEER_NONE, PKT_F_TO_ADDR, &remote_addr, "to-addr");
	out_add(o, 1, PKT_F_TO_ADDR, &v6, "no-v6-socket");
	to_engine(HAMD_PROC_TUN, IMSG_PKT_OUT, -1, o->buf, o->len);

	ck_assert_int_eq(remote_recv(buf, sizeof(buf)), 11);
	ck_assert_str_eq(buf, "to-endpoint");
	/* The refused datagram did not stop the ones after it. */
	ck_assert_int_eq(remote_recv(buf, sizeof(buf)), 7);
	ck_assert_str_eq(buf, "to-addr");
	ck_assert_int_eq(remote_recv(buf, sizeof(buf)), -1);

	ck_assert_uint_eq(PEER(1).stats.tx_packets, 1);
	ck_assert_uint_eq(PEER(1).stats.tx_bytes, 11);
	ck_assert_uint_eq(PEER(2).stats.no_endpoint, 1);
	ck_assert_uint_eq(ectx.stats.tx_unknown_peer, 2);
	ck_assert_uint_eq(ectx.stats.tx_errors, 1);
	ck_assert_uint_eq(ectx.stats.tx_no_socket, 1);
	ck_assert_uint_eq(ectx.stats.tx_datagrams, 2);

	/* More than one sendmmsg worth, in order. */
	memset(o, 0, sizeof(*o));
	for (i = 0; i < 3 * ENGINE_BATCH + 5; i++) {
		(void)snprintf(buf, sizeof(buf), "n%d", i);
		out_add(o, 1, 0, NULL, buf);
	}
	to_engine(HAMD_PROC_TUN, IMSG_PKT_OUT, -1, o->buf, o->len);
	for (i = 0; i < 3 * ENGINE_BATCH + 5; i++) {
		char	 want[16];

		(void)snprintf(want, sizeof(want), "n%d", i);
		ck_assert_int_gt(remote_recv(buf, sizeof(buf)), 0);
		ck_assert_str_eq(buf, want);
	}
	ck_assert_uint_eq(PEER(1).stats.tx_packets,
	    1 + 3 * ENGINE_BATCH + 5);
	free(o);
}
END_TEST

/*
 * Runs of same-size records to one address leave as GSO trains and
 * arrive as separate datagrams of the right sizes, in order, at a socket
 * without GRO; a train ends at a shorter record, another address or
 * peer, 64 segments or 65000 bytes.
 */
START_TEST(t_send_gso)
{
	struct out	*o = calloc(1, sizeof(*o));
	size_t		 want[128], bytes = 0;
	int		 i, n = 0;

	/* 30 records of 100 bytes, the last 60: one train. */
	for (i = 0; i < 30; i++) {
		want[n] = i == 29 ? 60 : 100;
		bytes += want[n];
		out_add_len(o, 1, 0, NULL, want[n], (uint8_t)n);
		n++;
	}
	to_engine(HAMD_PROC_TUN, IMSG_PKT_OUT, -1, o->buf, o->len);
	remote_expect(want, n);
	ck_assert_uint_eq(ectx.stats.tx_gso_trains, 1);
	ck_assert_uint_eq(ectx.stats.tx_datagrams, 30);
	ck_assert_uint_eq(ectx.stats.tx_bytes, bytes);
	ck_assert_uint_eq(PEER(1).stats.tx_packets, 30);
	ck_assert_uint_eq(PEER(1).stats.tx_bytes, bytes);
	ck_assert(esock_get(AF_INET)->gso);

	/*
	 * 3 x 100, 50 (ends the train), 2 x 100, 100 to the same address
	 * for no peer (another train), 65 x 10 (64 + 1), 50 x 1400 (46 fit
	 * 65000 bytes with the headers, then 4).
	 */
	memset(o, 0, sizeof(*o));
	n = 0;
#define ADD(peer, fl, to, len) do {					\
	want[n] = (len);						\
	out_add_len(o, (peer), (fl), (to), (len), (uint8_t)n);		\
	n++;								\
} while (0)
	for (i = 0; i < 3; i++)
		ADD(1, 0, NULL, 100);
	ADD(1, 0, NULL, 50);
	ADD(1, 0, NULL, 100);
	ADD(1, 0, NULL, 100);
	ADD(PKT_PEER_NONE, PKT_F_TO_ADDR, &remote_addr, 100);
	for (i = 0; i < 65; i++)
		ADD(1, 0, NULL, 10);
	to_engine(HAMD_PROC_TUN, IMSG_PKT_OUT, -1, o->buf, o->len);
	remote_expect(want, n);
	/* 4 + 2 + (1 alone) + 64 + (1 alone) */
	ck_assert_uint_eq(ectx.stats.tx_gso_trains, 1 + 3);
	ck_assert_uint_eq(ectx.stats.tx_datagrams, 30 + n);

	memset(o, 0, sizeof(*o));
	n = 0;
	for (i = 0; i < 50; i++)
		ADD(1, 0, NULL, 1400);
#undef ADD
	to_engine(HAMD_PROC_TUN, IMSG_PKT_OUT, -1, o->buf, o->len);
	remote_expect(want, n);
	ck_assert_uint_eq(ectx.stats.tx_gso_trains, 4 + 2);
	ck_assert_uint_eq(ectx.stats.tx_datagrams, 30 + 72 + 50);
	ck_assert_uint_eq(ectx.stats.tx_errors, 0);
	ck_assert_uint_eq(ectx.stats.tx_dropped, 0);
	free(o);
}
END_TEST

/*
 * A socket that cannot send GSO trains (SO_NO_CHECK makes the kernel
 * refuse them with EINVAL): the train goes out datagram by datagram,
 * GSO stays off on that socket, nothing is lost or miscounted.
 */
START_TEST(t_send_gso_fallback)
{
	struct out	*o = calloc(1, sizeof(*o));
	size_t		 want[30];
	int		 i, one = 1;

	ck_assert_int_eq(setsockopt(esock, SOL_SOCKET, SO_NO_CHECK, &one,
	    sizeof(one)), 0);
	for (i = 0; i < 30; i++) {
		want[i] = 100;
		out_add_len(o, 1, 0, NULL, want[i], (uint8_t)i);
	}
	to_engine(HAMD_PROC_TUN, IMSG_PKT_OUT, -1, o->buf, o->len);
	remote_expect(want, 30);
	ck_assert_uint_eq(ectx.stats.tx_gso_fallback, 1);
	ck_assert_uint_eq(ectx.stats.tx_gso_trains, 0);
	ck_assert(!esock_get(AF_INET)->gso);
	ck_assert_uint_eq(ectx.stats.tx_datagrams, 30);
	ck_assert_uint_eq(ectx.stats.tx_bytes, 3000);
	ck_assert_uint_eq(PEER(1).stats.tx_packets, 30);
	ck_assert_uint_eq(ectx.stats.tx_errors, 0);

	/* Off for good: no more trains, no more refusals. */
	to_engine(HAMD_PROC_TUN, IMSG_PKT_OUT, -1, o->buf, o->len);
	remote_expect(want, 30);
	ck_assert_uint_eq(ectx.stats.tx_gso_fallback, 1);
	ck_assert_uint_eq(ectx.stats.tx_datagrams, 60);
	free(o);
}
END_TEST

struct got {
	int		 n;
	struct pkt_rec	 rec[8];
	size_t		 len[8];
};

static void
collect(void *arg, const struct pkt_rec *r, const uint8_t *pkt)
{
	struct got	*g = arg;

	if (g->n < 8) {
		g->rec[g->n] = *r;
		g->len[g->n] = r->len;
	}
	g->n++;
}

START_TEST(t_receive)
{
	struct sockaddr_in	 to;
	struct pkt_addr		 eng = loop_addr(esock);
	struct imsg		 m;
	struct got		 g;
	uint8_t			 msg[WG_INIT_LEN];

	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = eng.port;
	memcpy(&to.sin_addr, eng.addr, 4);
#define SEND(len) ck_assert_int_eq(sendto(remote, msg, (len), 0, \
	(struct sockaddr *)&to, sizeof(to)), (len))
	memset(msg, 0, sizeof(msg));
	msg[0] = WG_MSG_INITIATION;
	SEND(WG_INIT_LEN);
	SEND(WG_INIT_LEN - 1);			/* wrong size */
	msg[0] = WG_MSG_DATA;
	SEND(WG_DATA_MIN_LEN);
	SEND(WG_DATA_MIN_LEN - 1);		/* too short */
	msg[1] = 1;				/* reserved byte set */
	SEND(WG_DATA_MIN_LEN);
	SEND(0);
#undef SEND

	engine_rx(esock, EV_READ, esock_get(AF_INET));
	ck_assert_uint_eq(ectx.stats.rx_datagrams, 6);
	ck_assert_uint_eq(ectx.stats.rx_malformed, 4);

	ck_assert_int_eq(imsgbuf_read(&tunside), 1);
	ck_assert_int_eq(imsg_get(&tunside, &m), 1);
	ck_assert_uint_eq(m.hdr.type, IMSG_PKT_IN);
	memset(&g, 0, sizeof(g));
	ck_assert_int_eq(pktbatch_foreach(m.data, m.datalen, collect, &g), 2);
	ck_assert_uint_eq(g.len[0], WG_INIT_LEN);
	ck_assert_uint_eq(g.rec[0].flags, PKT_F_HANDSHAKE);
	ck_assert_uint_eq(g.len[1], WG_DATA_MIN_LEN);
	ck_assert_uint_eq(g.rec[1].flags, 0);
	ck_assert_uint_eq(g.rec[1].peer, PKT_PEER_NONE);
	ck_assert(addr_equal(&g.rec[1].addr, &remote_addr));
	imsg_free(&m);
	ck_assert_int_eq(imsg_get(&tunside, &m), 0);
}
END_TEST

/*
 * With UDP_GRO on the engine's socket (as the parent sets it), a train
 * sent with UDP_SEGMENT over loopback arrives as one buffer; the engine
 * splits it into one record per datagram, classifies each, and drops
 * only the bad one.
 */
START_TEST(t_receive_gro)
{
	struct sockaddr_in	 to;
	struct pkt_addr		 eng = loop_addr(esock);
	union engine_cmsg	 ctl;
	struct cmsghdr		*c;
	struct msghdr		 mh;
	struct iovec		 iov;
	struct imsg		 m;
	struct got		 g;
	uint8_t			 train[3 * WG_INIT_LEN + WG_DATA_MIN_LEN];
	uint16_t		 seg = WG_INIT_LEN;
	int			 one = 1;

	ck_assert_int_eq(setsockopt(esock, SOL_UDP, UDP_GRO, &one,
	    sizeof(one)), 0);
	memset(train, 0, sizeof(train));
	train[0] = WG_MSG_INITIATION;
	train[WG_INIT_LEN] = 9;				/* not WireGuard */
	train[2 * WG_INIT_LEN] = WG_MSG_INITIATION;
	train[3 * WG_INIT_LEN] = WG_MSG_DATA;		/* the short last */

	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = eng.port;
	memcpy(&to.sin_addr, eng.addr, 4);
	iov.iov_base = train;
	iov.iov_len = sizeof(train);
	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &to;
	mh.msg_namelen = sizeof(to);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	memset(&ctl, 0, sizeof(ctl));
	mh.msg_control = &ctl;
	mh.msg_controllen = CMSG_SPACE(sizeof(seg));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_UDP;
	c->cmsg_type = UDP_SEGMENT;
	c->cmsg_len = CMSG_LEN(sizeof(seg));
	memcpy(CMSG_DATA(c), &seg, sizeof(seg));
	ck_assert_int_eq(sendmsg(remote, &mh, 0), (ssize_t)sizeof(train));

	engine_rx(esock, EV_READ, esock_get(AF_INET));
	/* One buffer held all four: the kernel did not split the train. */
	ck_assert_uint_eq(ectx.stats.rx_gro_trains, 1);
	ck_assert_uint_eq(ectx.stats.rx_datagrams, 4);
	ck_assert_uint_eq(ectx.stats.rx_bytes, sizeof(train));
	ck_assert_uint_eq(ectx.stats.rx_malformed, 1);
	ck_assert_uint_eq(ectx.stats.rx_truncated, 0);

	ck_assert_int_eq(imsgbuf_read(&tunside), 1);
	ck_assert_int_eq(imsg_get(&tunside, &m), 1);
	ck_assert_uint_eq(m.hdr.type, IMSG_PKT_IN);
	memset(&g, 0, sizeof(g));
	ck_assert_int_eq(pktbatch_foreach(m.data, m.datalen, collect, &g), 3);
	ck_assert_uint_eq(g.len[0], WG_INIT_LEN);
	ck_assert_uint_eq(g.rec[0].flags, PKT_F_HANDSHAKE);
	ck_assert_uint_eq(g.len[1], WG_INIT_LEN);
	ck_assert_uint_eq(g.rec[1].flags, PKT_F_HANDSHAKE);
	ck_assert_uint_eq(g.len[2], WG_DATA_MIN_LEN);
	ck_assert_uint_eq(g.rec[2].flags, 0);
	ck_assert(addr_equal(&g.rec[0].addr, &remote_addr));
	ck_assert(addr_equal(&g.rec[2].addr, &remote_addr));
	imsg_free(&m);
	ck_assert_int_eq(imsg_get(&tunside, &m), 0);
}
END_TEST

START_TEST(t_endpoints)
{
	struct pkt_addr	 roamed = remote_addr, moved = remote_addr;

	roamed.port = htons(1);
	moved.port = htons(2);
	/* Only tun's word moves an endpoint. */
	send_endpoint(1, &roamed);
	ck_assert(addr_equal(&PEER(1).ep, &roamed));
	ck_assert_uint_eq(PEER(1).stats.roams, 1);
	send_endpoint(1, &roamed);
	ck_assert_uint_eq(PEER(1).stats.roams, 1);
	send_endpoint(2, &roamed);
	ck_assert(addr_equal(&PEER(2).ep, &roamed));

	/* Reload, same configured endpoint: the roamed one stays. */
	send_peer(1, &remote_addr);
	send_peer(2, NULL);
	to_engine(PROC_PARENT, IMSG_ENGINE_PEERS_END, -1, NULL, 0);
	ck_assert(addr_equal(&PEER(1).ep, &roamed));
	ck_assert(addr_equal(&PEER(2).ep, &roamed));

	/* Reload with a new endpoint for 1 and without 2. */
	send_peer(1, &moved);
	to_engine(PROC_PARENT, IMSG_ENGINE_PEERS_END, -1, NULL, 0);
	ck_assert(addr_equal(&PEER(1).ep, &moved));
	ck_assert_ptr_null(peer_get(2));
	/* tun may still report the removed peer: ignored, not fatal. */
	send_endpoint(2, &roamed);
	ck_assert_ptr_null(peer_get(2));

	/* Re-added: a fresh peer with fresh counters. */
	send_peer(1, &moved);
	send_peer(2, &remote_addr);
	to_engine(PROC_PARENT, IMSG_ENGINE_PEERS_END, -1, NULL, 0);
	ck_assert(addr_equal(&PEER(2).ep, &remote_addr));
	ck_assert_uint_eq(PEER(2).stats.roams, 0);
}
END_TEST

START_TEST(t_bad_batch)
{
	struct out	 o;

	memset(&o, 0, sizeof(o));
	out_add(&o, 1, 0, NULL, "x");
	o.len -= 2;				/* cut into the padding */
	to_engine(HAMD_PROC_TUN, IMSG_PKT_OUT, -1, o.buf, o.len);
}
END_TEST

START_TEST(t_bad_endpoint)
{
	struct pkt_addr	 none;

	memset(&none, 0, sizeof(none));
	send_endpoint(1, &none);
}
END_TEST

START_TEST(t_bad_peer_id)
{
	send_peer(ENGINE_MAX_ID + 1, NULL);
}
END_TEST

/* ---- hub peers: relay and paths ---------------------------------- */

#define HUBID	ENGINE_HUB_ID_BASE

static int		 hubs;		/* the hub's UDP port P */
static struct pkt_addr	 hub_pa;

static int	tun_expect(uint32_t, void *, size_t);

/*
 * The hub: a UDP socket on loopback for its port P, and a TCP listener
 * on the same port number, which the engine connects to as it would
 * with the parent's socket.  NAT discovery's first probes reach P as
 * the connection comes up: not what the tests look at.
 */
static void
hub_setup(void)
{
	struct hub_conn_msg	 m;
	struct sockaddr_in	 sin;
	char			 buf[256];
	int			 fd, l;

	hubs = udp_loopback();
	hub_pa = loop_addr(hubs);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = hub_pa.port;
	memcpy(&sin.sin_addr, hub_pa.addr, 4);
	ck_assert_int_ne(l = socket(AF_INET, SOCK_STREAM, 0), -1);
	ck_assert_int_eq(bind(l, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(l, 1), 0);
	ck_assert_int_ne(fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK,
	    0), -1);
	ck_assert(connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 ||
	    errno == EINPROGRESS);
	memset(&m, 0, sizeof(m));
	m.remote = hub_pa;
	to_engine(PROC_PARENT, IMSG_HUB_SOCKET, fd, &m, sizeof(m));
	while (!hub_is_up())
		ck_assert_int_ne(event_base_loop(ps.base, EVLOOP_ONCE), -1);
	ck_assert_int_eq(tun_expect(IMSG_HUB_CONN_OPEN, &m, sizeof(m)), 0);
	ck_assert(addr_equal(&m.remote, &hub_pa));
	while (recv(hubs, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

static void
dgram_to_engine(int fd, const void *buf, size_t len)
{
	struct pkt_addr		 eng = loop_addr(esock);
	struct sockaddr_in	 to;

	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = eng.port;
	memcpy(&to.sin_addr, eng.addr, 4);
	ck_assert_int_eq(sendto(fd, buf, len, 0, (struct sockaddr *)&to,
	    sizeof(to)), (ssize_t)len);
}

/* The next message to tun of this type (others skipped); -1 if none. */
static int
tun_expect(uint32_t type, void *buf, size_t len)
{
	struct imsg	 m;
	ssize_t		 n;

	(void)imsgbuf_write(&ps.iev[HAMD_PROC_TUN].ibuf);
	for (;;) {
		if ((n = imsg_get(&tunside, &m)) == 0) {
			if (imsgbuf_read(&tunside) != 1)
				return -1;
			continue;
		}
		ck_assert_int_gt(n, 0);
		if (m.hdr.type != type) {
			imsg_free(&m);
			continue;
		}
		ck_assert_uint_le(m.datalen, len);
		memcpy(buf, m.data, m.datalen);
		imsg_free(&m);
		return 0;
	}
}

/* One PKT_IN batch with one record: check it came from "from". */
static void
tun_expect_pkt(const struct pkt_addr *from, size_t len)
{
	static uint8_t	 buf[IMSG_MAX_PAYLOAD];
	struct imsg	 m;
	struct got	 g;

	(void)buf;
	ck_assert_int_eq(imsgbuf_read(&tunside), 1);
	ck_assert_int_eq(imsg_get(&tunside, &m), 1);
	ck_assert_uint_eq(m.hdr.type, IMSG_PKT_IN);
	memset(&g, 0, sizeof(g));
	ck_assert_int_eq(pktbatch_foreach(m.data, m.datalen, collect, &g), 1);
	ck_assert_uint_eq(g.len[0], len);
	ck_assert(addr_equal(&g.rec[0].addr, from));
	imsg_free(&m);
}

/* A REGISTER or REGISTERED for id and counter, under token byte k. */
static void
relay_msg(uint8_t msg[RELAY_AUTH_LEN], uint8_t type, uint32_t id,
    uint64_t counter, uint8_t k)
{
	uint8_t		 token[HUB_RELAY_TOKEN_LEN];

	memset(token, k, sizeof(token));
	relay_auth_build(msg, type, id, counter, token);
}

/* tun's REGISTER for id: the engine sends it to the hub's port P. */
static void
relay_register_out(uint32_t id, uint64_t counter)
{
	uint8_t		 msg[RELAY_AUTH_LEN];

	relay_msg(msg, RELAY_REGISTER_TYPE, id, counter, 0xab);
	to_engine(HAMD_PROC_TUN, IMSG_RELAY_REGISTER, -1, msg, sizeof(msg));
}

/*
 * The login: tun tells the engine our relay id, never the token, and
 * hands it a REGISTER, which reaches the hub as it was built.
 */
static void
relay_login(uint32_t id)
{
	struct engine_relay_msg	 rm;
	uint8_t			 buf[64], want[RELAY_AUTH_LEN];

	memset(&rm, 0, sizeof(rm));
	rm.relay_id = id;
	to_engine(HAMD_PROC_TUN, IMSG_ENGINE_RELAY, -1, &rm, sizeof(rm));
	ck_assert_int_eq(relay_mode(now_ms()), PATH_RELAY_TCP);
	relay_register_out(id, 1);
	relay_msg(want, RELAY_REGISTER_TYPE, id, 1, 0xab);
	ck_assert_int_eq(recv(hubs, buf, sizeof(buf), MSG_DONTWAIT),
	    RELAY_AUTH_LEN);
	ck_assert(memcmp(buf, want, RELAY_AUTH_LEN) == 0);
	/* One for another session (it ended meanwhile) is not sent. */
	relay_register_out(id + 1, 2);
	ck_assert_int_eq(recv(hubs, buf, sizeof(buf), MSG_DONTWAIT), -1);
}

/* A REGISTERED from fd, for id and counter, under token byte k. */
static void
relay_registered_mac(int from, uint32_t id, uint64_t counter, uint8_t k)
{
	uint8_t		 msg[RELAY_AUTH_LEN];

	relay_msg(msg, RELAY_REGISTERED_TYPE, id, counter, k);
	dgram_to_engine(from, msg, sizeof(msg));
}

static void
relay_registered(int from, uint32_t id)
{
	relay_registered_mac(from, id, 1, 0xab);
}

/* The next REGISTERED the engine passed to tun is this one. */
static void
tun_expect_registered(uint32_t id, uint64_t counter, uint8_t k)
{
	uint8_t		 got[RELAY_AUTH_LEN], want[RELAY_AUTH_LEN];

	relay_msg(want, RELAY_REGISTERED_TYPE, id, counter, k);
	ck_assert_int_eq(tun_expect(IMSG_RELAY_REGISTERED, got, sizeof(got)),
	    0);
	ck_assert(memcmp(got, want, sizeof(got)) == 0);
}

/* tun checked a REGISTERED: the UDP relay works. */
static void
relay_confirm(uint32_t id)
{
	to_engine(HAMD_PROC_TUN, IMSG_RELAY_CONFIRMED, -1, &id, sizeof(id));
}

START_TEST(t_relay_rx)
{
	uint8_t		 msg[HUB_RELAY_HDR_LEN + WG_DATA_MIN_LEN];
	struct pkt_addr	 tcp;
	uint32_t	 v = htonl(9);

	hub_setup();
	relay_login(7);
	/*
	 * REGISTERED from a stranger or for another id: dropped.  Under
	 * another token, or for a REGISTER never sent: the engine cannot
	 * tell (it has no token), so tun gets them and checks them.
	 */
	relay_registered(remote, 7);
	relay_registered(hubs, 8);
	relay_registered_mac(hubs, 7, 1, 0xac);
	relay_registered_mac(hubs, 7, 2, 0xab);
	engine_rx(esock, EV_READ, esock_get(AF_INET));
	ck_assert_uint_eq(ectx.stats.relay_bad, 2);
	tun_expect_registered(7, 1, 0xac);
	tun_expect_registered(7, 2, 0xab);
	ck_assert_int_eq(relay_mode(now_ms()), PATH_RELAY_TCP);
	/* Only tun's word confirms, and only for the session we have. */
	relay_registered(hubs, 7);
	engine_rx(esock, EV_READ, esock_get(AF_INET));
	tun_expect_registered(7, 1, 0xab);
	relay_confirm(8);
	ck_assert_int_eq(relay_mode(now_ms()), PATH_RELAY_TCP);
	relay_confirm(7);
	ck_assert_uint_eq(ectx.stats.relay_bad, 2);
	ck_assert_int_eq(relay_mode(now_ms()), PATH_RELAY_UDP);

	/*
	 * DATA from the hub reaches tun from hub IP:P; from anyone else,
	 * a bare packet from hub IP:P, or a bad inner packet: dropped.
	 */
	memset(msg, 0, sizeof(msg));
	msg[0] = RELAY_DATA_TYPE;
	memcpy(msg + 4, &v, 4);
	msg[HUB_RELAY_HDR_LEN] = WG_MSG_DATA;
	dgram_to_engine(hubs, msg, sizeof(msg));
	dgram_to_engine(remote, msg, sizeof(msg));
	dgram_to_engine(hubs, msg + HUB_RELAY_HDR_LEN, WG_DATA_MIN_LEN);
	dgram_to_engine(hubs, msg, sizeof(msg) - 1);
	msg[0] = RELAY_REGISTER_TYPE;
	dgram_to_engine(hubs, msg, sizeof(msg));
	msg[0] = RELAY_DATA_TYPE;
	engine_rx(esock, EV_READ, esock_get(AF_INET));
	ck_assert_uint_eq(ectx.stats.relay_rx, 1);
	ck_assert_uint_eq(ectx.stats.relay_bad, 6);
	tun_expect_pkt(&hub_pa, WG_DATA_MIN_LEN);

	/* A relay frame in the TCP stream: from hub IP:0. */
	msg[0] = HUB_FRAME_RELAY;
	relay_frame_in(msg, sizeof(msg));
	relay_frame_in(msg, 5);
	ck_assert_int_eq(rx_flush(), 1);
	tcp = hub_pa;
	tcp.port = 0;
	tun_expect_pkt(&tcp, WG_DATA_MIN_LEN);
	ck_assert_uint_eq(ectx.stats.relay_rx, 2);
	ck_assert_uint_eq(ectx.stats.relay_bad, 7);

	/* The hub connection ends: no relay at all. */
	to_engine(HAMD_PROC_TUN, IMSG_HUB_CONN_CLOSE, -1, NULL, 0);
	ck_assert(!hub_is_up());
	ck_assert_int_eq(relay_mode(now_ms()), PATH_NONE);
}
END_TEST

/* fd's next datagram is exactly want (after an 8-byte relay header). */
static void
recv_expect(int fd, const char *want, int relayed, uint32_t rid)
{
	char		 buf[256];
	ssize_t		 n;
	size_t		 off = relayed ? HUB_RELAY_HDR_LEN : 0;
	uint32_t	 v;

	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	ck_assert_int_eq(n, (ssize_t)(off + strlen(want)));
	ck_assert(memcmp(buf + off, want, strlen(want)) == 0);
	if (relayed) {
		ck_assert_uint_eq((uint8_t)buf[0], RELAY_DATA_TYPE);
		memcpy(&v, buf + 4, 4);
		ck_assert_uint_eq(ntohl(v), rid);
	}
}

static void
send_one(uint32_t peer, uint16_t flags, const char *data)
{
	struct out	*o = calloc(1, sizeof(*o));

	ck_assert_ptr_nonnull(o);
	out_add(o, peer, flags, NULL, data);
	to_engine(HAMD_PROC_TUN, IMSG_PKT_OUT, -1, o->buf, o->len);
	free(o);
}

START_TEST(t_hub_paths)
{
	struct engine_peer_msg	 pm;
	struct engine_paths_msg	 paths;
	struct peer_probe_msg	 probe;
	struct path_info_msg	 info;
	struct engine_peer	*p;
	struct pkt_addr		 lan_addr;
	char			 buf[64];
	uint32_t		 id = HUBID;
	int			 lan;

	hub_setup();
	relay_login(7);
	relay_confirm(7);
	lan = udp_loopback();
	lan_addr = loop_addr(lan);

	/* PEER_UP's endpoint is a candidate, not a path. */
	memset(&pm, 0, sizeof(pm));
	pm.id = HUBID;
	pm.endpoint = remote_addr;
	to_engine(HAMD_PROC_TUN, IMSG_ENGINE_PEER, -1, &pm, sizeof(pm));
	ck_assert_ptr_nonnull(p = peer_get(HUBID));
	ck_assert_ptr_nonnull(p->hp);
	ck_assert_int_eq(p->hp->sel.kind, PATH_NONE);
	ck_assert_int_eq(p->fast, 0);
	ck_assert_uint_eq(p->hp->ncand, 1);
	/* Data with no path: dropped. */
	send_one(HUBID, 0, "data");
	ck_assert_uint_eq(p->stats.no_endpoint, 1);
	ck_assert_int_eq(remote_recv(buf, sizeof(buf)), -1);

	/* The hub's paths, with a punch: a probe request at once. */
	memset(&paths, 0, sizeof(paths));
	paths.id = HUBID;
	paths.relay_id = 9;
	paths.punch = 1;
	paths.cands.nat = NAT_INDEPENDENT;
	paths.cands.n = 1;
	paths.cands.c[0].kind = HUB_CAND_LAN;
	paths.cands.c[0].addr = lan_addr;
	to_engine(HAMD_PROC_TUN, IMSG_ENGINE_PATHS, -1, &paths, sizeof(paths));
	ck_assert_uint_eq(p->hp->ncand, 2);
	ck_assert_int_eq(tun_expect(IMSG_PEER_PROBE, &probe, sizeof(probe)), 0);
	ck_assert_uint_eq(probe.id, HUBID);
	ck_assert_int_eq(probe.kind, PROBE_KEEPALIVE);

	/* A probe goes to every candidate and the relay... */
	send_one(HUBID, PKT_F_PROBE | PKT_F_HANDSHAKE, "probe");
	recv_expect(remote, "probe", 0, 0);
	recv_expect(lan, "probe", 0, 0);
	recv_expect(hubs, "probe", 1, 9);
	ck_assert_uint_eq(ectx.stats.probes, 2);
	ck_assert_uint_eq(ectx.stats.relay_tx, 1);
	/* ... and again to the candidates 250 ms later. */
	ck_assert_uint_eq(p->hp->probe_len, 5);
	p->hp->probe_at -= 300;
	paths_tick(-1, EV_TIMEOUT, NULL);
	recv_expect(remote, "probe", 0, 0);
	recv_expect(lan, "probe", 0, 0);
	ck_assert_int_eq(recv(hubs, buf, sizeof(buf), MSG_DONTWAIT), -1);
	ck_assert_uint_eq(ectx.stats.probes, 4);

	/* The relay authenticates: relay-udp, and tun hears of it. */
	send_endpoint(HUBID, &hub_pa);
	ck_assert_int_eq(p->hp->sel.kind, PATH_RELAY_UDP);
	ck_assert_uint_eq(ectx.stats.path_changes, 1);
	ck_assert_int_eq(tun_expect(IMSG_PATH_INFO, &info, sizeof(info)), 0);
	ck_assert_uint_eq(info.id, HUBID);
	ck_assert_int_eq(info.path, PATH_RELAY_UDP);
	ck_assert(addr_equal(&info.addr, &hub_pa));
	send_one(HUBID, 0, "via-relay");
	recv_expect(hubs, "via-relay", 1, 9);
	ck_assert_int_eq(remote_recv(buf, sizeof(buf)), -1);

	/* The LAN candidate authenticates: lan, straight there. */
	send_endpoint(HUBID, &lan_addr);
	ck_assert_int_eq(p->hp->sel.kind, PATH_LAN);
	ck_assert_int_eq(p->fast, 1);
	ck_assert_uint_eq(ectx.stats.path_changes, 2);
	ck_assert_int_eq(tun_expect(IMSG_PATH_INFO, &info, sizeof(info)), 0);
	ck_assert_int_eq(info.path, PATH_LAN);
	/* Up from the relay: one keepalive, so the peer follows. */
	ck_assert_int_eq(tun_expect(IMSG_PEER_PROBE, &probe, sizeof(probe)), 0);
	ck_assert_uint_eq(probe.id, HUBID);
	ck_assert_int_eq(probe.kind, PROBE_KEEPALIVE);
	send_one(HUBID, 0, "direct");
	recv_expect(lan, "direct", 0, 0);
	ck_assert_int_eq(recv(hubs, buf, sizeof(buf), MSG_DONTWAIT), -1);
	/* The relay, now lower and the LAN fresh: refused. */
	send_endpoint(HUBID, &hub_pa);
	ck_assert_int_eq(p->hp->sel.kind, PATH_LAN);
	/* A handshake answer to the relay goes back through it. */
	{
		struct out	*o = calloc(1, sizeof(*o));

		out_add(o, HUBID, PKT_F_TO_ADDR | PKT_F_HANDSHAKE, &hub_pa,
		    "answer");
		to_engine(HAMD_PROC_TUN, IMSG_PKT_OUT, -1, o->buf, o->len);
		free(o);
	}
	recv_expect(hubs, "answer", 1, 9);

	/* A configured peer never takes a relay address. */
	send_endpoint(1, &hub_pa);
	ck_assert(addr_equal(&PEER(1).ep, &remote_addr));

	/* Deleted: off the tick's list, slot free. */
	ck_assert(p->hp->active);
	to_engine(HAMD_PROC_TUN, IMSG_ENGINE_PEER_DEL, -1, &id, sizeof(id));
	ck_assert_ptr_null(peer_get(HUBID));
	ck_assert(paths_idle());

	/*
	 * Back, its LAN address known only as PEER_UP's endpoint: direct.
	 * The hub's list then names it LAN: lan at once, no packet needed.
	 * A list that no longer does (the hub's at a login) leaves it lan.
	 */
	pm.endpoint = lan_addr;
	to_engine(HAMD_PROC_TUN, IMSG_ENGINE_PEER, -1, &pm, sizeof(pm));
	ck_assert_ptr_nonnull(p = peer_get(HUBID));
	send_endpoint(HUBID, &lan_addr);
	ck_assert_int_eq(p->hp->sel.kind, PATH_DIRECT);
	ck_assert_int_eq(tun_expect(IMSG_PATH_INFO, &info, sizeof(info)), 0);
	ck_assert_int_eq(info.path, PATH_DIRECT);
	paths.punch = 0;
	to_engine(HAMD_PROC_TUN, IMSG_ENGINE_PATHS, -1, &paths, sizeof(paths));
	ck_assert_int_eq(p->hp->sel.kind, PATH_LAN);
	ck_assert_int_eq(tun_expect(IMSG_PATH_INFO, &info, sizeof(info)), 0);
	ck_assert_int_eq(info.path, PATH_LAN);
	paths.cands.n = 0;
	to_engine(HAMD_PROC_TUN, IMSG_ENGINE_PATHS, -1, &paths, sizeof(paths));
	send_endpoint(HUBID, &lan_addr);
	ck_assert_int_eq(p->hp->sel.kind, PATH_LAN);
	to_engine(HAMD_PROC_TUN, IMSG_ENGINE_PEER_DEL, -1, &id, sizeof(id));
	close(lan);
}
END_TEST

/*
 * The relay through another hub of a cluster (remote plays it): guest
 * REGISTERs go to it only once tun says a peer is at it, for our
 * session only; its REGISTERED reach tun with its address; tun's word
 * confirms it, until our next relay session.
 */
START_TEST(t_relay_guest)
{
	struct engine_peer_msg		 pm;
	struct engine_peer_hub_msg	 ph;
	struct engine_paths_msg		 paths;
	struct relay_guest_msg		 gm, got;
	struct engine_peer		*p;
	char				 buf[64];
	uint8_t				 want[RELAY_AUTH_LEN];
	uint32_t			 id = HUBID, v = htonl(7);
	uint8_t				 dmsg[HUB_RELAY_HDR_LEN +
					    WG_DATA_MIN_LEN];
	struct pkt_addr			 xa;
	int				 xh;

	hub_setup();
	xh = udp_loopback();
	xa = loop_addr(xh);
	relay_login(7);
	memset(&pm, 0, sizeof(pm));
	pm.id = HUBID;
	pm.endpoint = remote_addr;
	to_engine(HAMD_PROC_TUN, IMSG_ENGINE_PEER, -1, &pm, sizeof(pm));
	ck_assert_ptr_nonnull(p = peer_get(HUBID));

	/* A hub no peer is at: nothing goes there, nothing from it counts. */
	memset(&gm, 0, sizeof(gm));
	gm.hub = xa;
	relay_msg(gm.msg, RELAY_REGISTER_TYPE, 7, 1, 0xcd);
	to_engine(HAMD_PROC_TUN, IMSG_RELAY_GUEST_REGISTER, -1, &gm,
	    sizeof(gm));
	ck_assert_int_eq(recv(xh, buf, sizeof(buf), MSG_DONTWAIT), -1);
	relay_registered_mac(xh, 7, 1, 0xcd);
	engine_rx(esock, EV_READ, esock_get(AF_INET));
	ck_assert_uint_eq(ectx.stats.relay_bad, 1);

	/* PEER_RELAY: the peer is at that hub, relay id 9 there. */
	memset(&ph, 0, sizeof(ph));
	ph.id = HUBID;
	ph.relay_id = 9;
	ph.hub = xa;
	to_engine(HAMD_PROC_TUN, IMSG_ENGINE_PEER_HUB, -1, &ph, sizeof(ph));
	ck_assert(addr_equal(&p->hp->xhub, &xa));
	ck_assert_uint_eq(p->hp->xrelay_id, 9);
	to_engine(HAMD_PROC_TUN, IMSG_RELAY_GUEST_REGISTER, -1, &gm,
	    sizeof(gm));
	ck_assert_int_eq(recv(xh, buf, sizeof(buf), MSG_DONTWAIT), RELAY_AUTH_LEN);
	ck_assert(memcmp(buf, gm.msg, RELAY_AUTH_LEN) == 0);
	/* Not for another session (it ended meanwhile). */
	relay_msg(gm.msg, RELAY_REGISTER_TYPE, 8, 2, 0xcd);
	to_engine(HAMD_PROC_TUN, IMSG_RELAY_GUEST_REGISTER, -1, &gm,
	    sizeof(gm));
	ck_assert_int_eq(recv(xh, buf, sizeof(buf), MSG_DONTWAIT), -1);

	/*
	 * Its REGISTERED for our id reach tun with its address, under any
	 * token (tun checks); for another id, dropped.  From our own hub,
	 * still the plain IMSG_RELAY_REGISTERED.
	 */
	relay_registered(xh, 8);
	relay_registered_mac(xh, 7, 1, 0xcd);
	relay_registered(hubs, 7);
	engine_rx(esock, EV_READ, esock_get(AF_INET));
	ck_assert_uint_eq(ectx.stats.relay_bad, 2);
	ck_assert_int_eq(tun_expect(IMSG_RELAY_GUEST_REGISTERED, &got,
	    sizeof(got)), 0);
	relay_msg(want, RELAY_REGISTERED_TYPE, 7, 1, 0xcd);
	ck_assert(addr_equal(&got.hub, &xa));
	ck_assert(memcmp(got.msg, want, sizeof(want)) == 0);
	tun_expect_registered(7, 1, 0xab);

	/* Only tun's word confirms it, for a hub we know. */
	ck_assert(!xrelay_usable(&xa, now_ms()));
	to_engine(HAMD_PROC_TUN, IMSG_RELAY_GUEST_CONFIRMED, -1, &hub_pa,
	    sizeof(hub_pa));
	ck_assert(!xrelay_usable(&hub_pa, now_ms()));
	to_engine(HAMD_PROC_TUN, IMSG_RELAY_GUEST_CONFIRMED, -1,
	    &xa, sizeof(xa));
	ck_assert(xrelay_usable(&xa, now_ms()));

	/*
	 * DATA from that hub reaches tun from its address, which names the
	 * way; a bare packet from there does not (it would pass for one).
	 */
	memset(dmsg, 0, sizeof(dmsg));
	dmsg[0] = RELAY_DATA_TYPE;
	memcpy(dmsg + 4, &v, 4);
	dmsg[HUB_RELAY_HDR_LEN] = WG_MSG_DATA;
	dgram_to_engine(xh, dmsg, sizeof(dmsg));
	dgram_to_engine(xh, dmsg + HUB_RELAY_HDR_LEN, WG_DATA_MIN_LEN);
	engine_rx(esock, EV_READ, esock_get(AF_INET));
	ck_assert_uint_eq(ectx.stats.relay_rx, 1);
	ck_assert_uint_eq(ectx.stats.relay_bad, 3);
	tun_expect_pkt(&xa, WG_DATA_MIN_LEN);
	/* It authenticates: relay-udp through that hub, to id 9 there. */
	send_endpoint(HUBID, &xa);
	ck_assert_int_eq(p->hp->sel.kind, PATH_RELAY_UDP);
	send_one(HUBID, 0, "via-hub2");
	recv_expect(xh, "via-hub2", 1, 9);
	ck_assert_int_eq(recv(hubs, buf, sizeof(buf), MSG_DONTWAIT), -1);

	/*
	 * A new relay session of ours: registered nowhere yet, so the
	 * relay goes through our own hub, to the peer's id here (5).
	 */
	memset(&paths, 0, sizeof(paths));
	paths.id = HUBID;
	paths.relay_id = 5;
	to_engine(HAMD_PROC_TUN, IMSG_ENGINE_PATHS, -1, &paths, sizeof(paths));
	to_engine(HAMD_PROC_TUN, IMSG_ENGINE_PEER_HUB, -1, &ph, sizeof(ph));
	relay_login(11);
	relay_confirm(11);
	ck_assert(!xrelay_usable(&xa, now_ms()));
	ck_assert_int_eq(p->hp->sel.kind, PATH_RELAY_UDP);
	send_one(HUBID, 0, "via-hub1");
	ck_assert_int_eq(recv(xh, buf, sizeof(buf), MSG_DONTWAIT), -1);
	recv_expect(hubs, "via-hub1", 1, 5);

	/* The peer's next PEER_PATHS forgets its hub until PEER_RELAY. */
	memset(&paths, 0, sizeof(paths));
	paths.id = HUBID;
	to_engine(HAMD_PROC_TUN, IMSG_ENGINE_PATHS, -1, &paths, sizeof(paths));
	ck_assert_int_eq(p->hp->xhub.af, 0);
	ck_assert_uint_eq(p->hp->xrelay_id, 0);
	to_engine(HAMD_PROC_TUN, IMSG_ENGINE_PEER_DEL, -1, &id, sizeof(id));
	close(xh);
}
END_TEST

/* tun's peer hub message is checked like any other: relay id 0. */
START_TEST(t_bad_peer_hub)
{
	struct engine_peer_hub_msg	 ph;

	hub_setup();
	memset(&ph, 0, sizeof(ph));
	ph.id = HUBID;
	ph.hub = remote_addr;
	to_engine(HAMD_PROC_TUN, IMSG_ENGINE_PEER_HUB, -1, &ph, sizeof(ph));
}
END_TEST

/* A guest REGISTER must be a REGISTER. */
START_TEST(t_bad_guest_register)
{
	struct relay_guest_msg	 gm;

	hub_setup();
	relay_login(7);
	memset(&gm, 0, sizeof(gm));
	gm.hub = remote_addr;
	relay_msg(gm.msg, RELAY_REGISTERED_TYPE, 7, 3, 0xab);
	to_engine(HAMD_PROC_TUN, IMSG_RELAY_GUEST_REGISTER, -1, &gm,
	    sizeof(gm));
}
END_TEST

/* tun may hand the engine REGISTERs only, and confirm real ids only. */
START_TEST(t_bad_register)
{
	uint8_t		 msg[RELAY_AUTH_LEN];

	hub_setup();
	relay_login(7);
	relay_msg(msg, RELAY_REGISTERED_TYPE, 7, 3, 0xab);
	to_engine(HAMD_PROC_TUN, IMSG_RELAY_REGISTER, -1, msg, sizeof(msg));
}
END_TEST

START_TEST(t_bad_confirm)
{
	hub_setup();
	relay_login(7);
	relay_confirm(0);
}
END_TEST

/*
 * The hub refuses every connection: the waits between tries double
 * from 1 s up to 6 s, and their jitter never takes them out of 1..6 s
 * (hamd.8, PROTOCOL.md).
 */
START_TEST(t_hub_backoff)
{
	struct hub_conn_msg	 m;
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);
	double			 lo = 7, hi = 0;
	int			 fd, l, i;

	/* A port nobody listens on: bound, then closed. */
	ck_assert_int_ne(l = socket(AF_INET, SOCK_STREAM, 0), -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(l, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(l, (struct sockaddr *)&sin, &sl), 0);
	close(l);
	memset(&m, 0, sizeof(m));
	m.remote.af = AF_INET;
	m.remote.port = sin.sin_port;
	memcpy(m.remote.addr, &sin.sin_addr, 4);
	for (i = 0; i < 40; i++) {
		ck_assert_int_ne(fd = socket(AF_INET,
		    SOCK_STREAM | SOCK_NONBLOCK, 0), -1);
		ck_assert(connect(fd, (struct sockaddr *)&sin,
		    sizeof(sin)) == 0 || errno == EINPROGRESS ||
		    errno == ECONNREFUSED);
		retry_s = -1;
		to_engine(PROC_PARENT, IMSG_HUB_SOCKET, fd, &m, sizeof(m));
		while (retry_s < 0)
			ck_assert_int_ne(event_base_loop(ps.base,
			    EVLOOP_ONCE), -1);
		ck_assert_msg(retry_s >= 1.0 && retry_s <= 6.0,
		    "retry %d after %.1f s", i, retry_s);
		if (i < 3)
			ck_assert_msg(retry_s <= 1.25 * (1 << i),
			    "retry %d after %.1f s", i, retry_s);
		if (retry_s < lo)
			lo = retry_s;
		if (retry_s > hi)
			hi = retry_s;
	}
	/* Jitter there is: not every wait at the cap. */
	ck_assert(lo < 2.0 && hi > 5.0 && hi - lo > 3.0);
}
END_TEST

/* tun's paths message is checked like any other. */
START_TEST(t_bad_paths)
{
	struct engine_paths_msg	 paths;

	memset(&paths, 0, sizeof(paths));
	paths.id = HUBID;
	paths.cands.n = HUB_CAND_MAX + 1;
	to_engine(HAMD_PROC_TUN, IMSG_ENGINE_PATHS, -1, &paths, sizeof(paths));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("engine");
	TCase	*tc = tcase_create("data path");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, t_send);
	tcase_add_test(tc, t_send_gso);
	tcase_add_test(tc, t_send_gso_fallback);
	tcase_add_test(tc, t_receive);
	tcase_add_test(tc, t_receive_gro);
	tcase_add_test(tc, t_endpoints);
	tcase_add_exit_test(tc, t_bad_batch, 1);
	tcase_add_exit_test(tc, t_bad_endpoint, 1);
	tcase_add_exit_test(tc, t_bad_peer_id, 1);
	tcase_add_test(tc, t_relay_rx);
	tcase_add_test(tc, t_hub_paths);
	tcase_add_exit_test(tc, t_bad_paths, 1);
	tcase_add_exit_test(tc, t_bad_register, 1);
	tcase_add_test(tc, t_hub_backoff);
	tcase_add_exit_test(tc, t_bad_confirm, 1);
	tcase_add_test(tc, t_relay_guest);
	tcase_add_exit_test(tc, t_bad_peer_hub, 1);
	tcase_add_exit_test(tc, t_bad_guest_register, 1);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
