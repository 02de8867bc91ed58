/*
 * The hub engine's relay; see relayfwd.h.
 */
#include "autoconf.h"

#include <errno.h>
#include <sodium.h>
#include <stdint.h>
#include <string.h>

#include "compat/bytes.h"
#include "compat/util.h"
#include "hub/engstate.h"
#include "hub/hubd_msg.h"
#include "hub/nodeconn.h"
#include "hub/relay.h"
#include "hub/relayfwd.h"
#include "hub/udpio.h"
#include "privsep/log.h"
#include "proto/dgram.h"
#include "proto/hubproto.h"

/* A relay frame rewritten as a datagram: the framer's is not ours. */
static uint8_t	 framebuf[HUB_FRAME_MAX];
/* A packet for another engine, behind its destination's id. */
static uint8_t	 fwdbuf[sizeof(uint32_t) + RELAY_HDR_LEN + 65527];

void
relayfwd_init(void)
{
	uint8_t	 key[crypto_shorthash_KEYBYTES];

	randombytes_buf(key, sizeof(key));
	if ((eng.relay = relay_table_new(key)) == NULL)
		fatal("%s: relay_table_new", __func__);
	sodium_memzero(key, sizeof(key));
}

static void
count(enum relay_verdict v)
{
	switch (v) {
	case RELAY_OK:
		return;
	case RELAY_DENIED:
		eng.stats.relay_denied++;
		break;
	case RELAY_FOREIGN:
		eng.stats.relay_foreign++;
		break;
	case RELAY_THROTTLED:
		eng.stats.relay_throttled++;
		break;
	default:
		eng.stats.relay_unknown++;
		break;
	}
	eng_stats_touch();
}

static void
count_bad(void)
{
	eng.stats.relay_bad++;
	eng_stats_touch();
}

/*
 * Send b (len bytes, header included, its id field naming the sender
 * already; ours to rewrite) to a destination of ours, as r says.
 */
static void
deliver(uint8_t *b, size_t len, const struct relay_route *r)
{
	struct hconn	*d = NULL;

	if (r->via_udp) {
		b[0] = RELAY_DATA_TYPE;
		if (r->dst_sock < 0 || r->dst_sock >= eng.nlis ||
		    udp_send_from(eng.lis[r->dst_sock].fd, &r->dst_addr,
		    &r->dst_local, b, len) == -1)
			return;
		d = nodeconn_find(r->dst_conn);
	} else {
		if (len > HUB_FRAME_MAX) {
			/* A datagram too large for a frame. */
			count_bad();
			return;
		}
		b[0] = HUB_FRAME_RELAY;
		if ((d = nodeconn_find(r->dst_conn)) == NULL ||
		    nodeconn_relay_out(d, b, len) == -1)
			return;
	}
	if (d != NULL)
		nodeconn_count_relay(d, 1, len, now_ms());
	eng.stats.relay_packets++;
	eng.stats.relay_bytes += len;
	eng_stats_touch();
}

/*
 * Forward b as the route says, with the id field now naming the
 * sender: here, or through the engine that holds the destination (the
 * pair is checked here, on the sender's side).
 */
static void
forward(uint8_t *b, size_t len, const struct relay_route *r)
{
	struct hconn	*s;

	/* The sender's connection is this engine's, as its session is. */
	if ((s = nodeconn_find(r->src_conn)) != NULL)
		nodeconn_count_relay(s, 0, len, now_ms());
	put_be32(b + 4, r->src_id);
	if (r->part == eng.index || eng.nengines == 1) {
		deliver(b, len, r);
		return;
	}
	memcpy(fwdbuf, &r->dst_id, sizeof(r->dst_id));
	memcpy(fwdbuf + sizeof(r->dst_id), b, len);
	/* Without the memory to pass it on: dropped, as the network may. */
	(void)proc_compose_try(eng.ps, HUBD_PROC_ENGINE + (int)r->part,
	    IMSG_HUBD_RELAY_FWD, 0, -1, fwdbuf, sizeof(r->dst_id) + len);
}

/* Another engine's relayed packet for a node of ours. */
void
relayfwd_from_engine(struct imsg *imsg)
{
	struct relay_route	 r;
	uint32_t		 dst;
	size_t			 len = imsg_get_len(imsg) - sizeof(dst);

	memcpy(&dst, imsg->data, sizeof(dst));
	memcpy(fwdbuf, imsg->data + sizeof(dst), len);
	if (fwdbuf[0] != RELAY_DATA_TYPE && fwdbuf[0] != HUB_FRAME_RELAY)
		fatalx("%s: not a relayed packet", __func__);
	memset(&r, 0, sizeof(r));
	if (relay_deliver(eng.relay, dst, now_ms(), &r) != RELAY_OK) {
		count(RELAY_UNKNOWN_DEST);
		return;
	}
	deliver(fwdbuf, len, &r);
}

/*
 * A REGISTER is passed on only from where its node logged in and within
 * its session's rate; the authority answers only if it takes it.
 */
static void
register_gate(struct hubd_relay_reg *m, uint64_t now)
{
	enum relay_verdict	 v;

	if ((v = relay_register_gate(eng.relay, m->relay_id, &m->from, now,
	    &m->conn)) != RELAY_OK) {
		count(v);
		return;
	}
	/* Without the memory, dropped: the node registers again soon. */
	(void)auth_send(IMSG_HUBD_RELAY_REGISTER, 0, m, sizeof(*m));
}

void
relayfwd_register(int sock, const uint8_t *b, uint32_t id,
    const struct udp_in *in, uint64_t now)
{
	struct hubd_relay_reg	 m;
	uint32_t		 part = id % eng.nengines;

	memset(&m, 0, sizeof(m));
	m.relay_id = id;
	m.sock = sock;
	m.from = in->from;
	m.local = in->local;
	memcpy(m.dgram, b, sizeof(m.dgram));
	/*
	 * Another engine holds the session (and would hold the node's own
	 * datagrams: one address's reach one engine): that one counts it.
	 */
	if (part != eng.index) {
		(void)proc_compose_try(eng.ps, HUBD_PROC_ENGINE + (int)part,
		    IMSG_HUBD_RELAY_REG_FWD, 0, -1, &m, sizeof(m));
		return;
	}
	register_gate(&m, now);
}

/* Another engine's REGISTER for a session of ours. */
void
relayfwd_reg_from_engine(struct imsg *imsg)
{
	struct hubd_relay_reg	 m;

	if (imsg_get_data(imsg, &m, sizeof(m)) == -1)
		fatalx("%s: bad size", __func__);
	if (m.sock < 0 || m.sock >= eng.nlis || !eng.lis[m.sock].relay ||
	    dgram_classify(m.dgram, sizeof(m.dgram), NULL) !=
	    DGRAM_RELAY_REGISTER)
		fatalx("%s: not a REGISTER on a relaying socket", __func__);
	register_gate(&m, now_ms());
}

void
relayfwd_data(uint8_t *b, size_t len, uint32_t dst, const struct udp_in *in,
    uint64_t now)
{
	struct relay_route	 r;
	enum relay_verdict	 v;

	if ((v = relay_route_udp(eng.relay, &in->from, dst, now, &r)) !=
	    RELAY_OK && v != RELAY_ELSEWHERE) {
		count(v);
		return;
	}
	forward(b, len, &r);
}

/*
 * A relay frame from a node connection.  Only a connection with a
 * relay session (a logged-in node) may send them; they do not count
 * as activity before that, or they would hold a slot open unlogged.
 */
void
relayfwd_frame(struct hconn *c, const uint8_t *body, size_t len)
{
	struct relay_route	 r;
	enum relay_verdict	 v;
	uint32_t		 dst;

	/* The same checks as a DATA datagram's, on the same bytes. */
	memcpy(framebuf, body, len);
	framebuf[0] = RELAY_DATA_TYPE;
	if (dgram_classify(framebuf, len, &dst) != DGRAM_RELAY_DATA) {
		count_bad();
		return;
	}
	v = relay_route_conn(eng.relay, c->id, dst, now_ms(), &r);
	if (v == RELAY_UNKNOWN_SENDER) {
		count(v);
		return;
	}
	c->last_frame = now_ms();
	if (v != RELAY_OK && v != RELAY_ELSEWHERE) {
		count(v);
		return;
	}
	forward(framebuf, len, &r);
}

/*
 * The authority's word on relay sessions.  A session for a connection
 * already gone, or a DEL, PAIR or REGISTERED naming one, is a message
 * that crossed the connection's close: ignored.
 */
void
relayfwd_add(struct imsg *imsg)
{
	struct hubd_relay_msg	 m;
	struct hconn		*c;

	if (imsg_get_data(imsg, &m, sizeof(m)) == -1)
		fatalx("%s: bad size", __func__);
	if ((c = nodeconn_find(m.conn)) == NULL || c->closing)
		return;
	if (relay_add(eng.relay, m.conn, m.relay_id, &c->remote) == -1) {
		if (errno == EEXIST)
			fatalx("%s: authority sent relay id %u for "
			    "connection %u twice", __func__, m.relay_id,
			    m.conn);
		if (errno == EDOM)
			fatalx("%s: authority sent relay id %u, not this "
			    "engine's", __func__, m.relay_id);
		/* No memory: this node is not relayed; nothing else changes. */
		eng.stats.refused_nomem++;
		eng_stats_touch();
		return;
	}
	eng.stats.relay_sessions = relay_count(eng.relay);
	eng_stats_touch();
}

/*
 * A guest: a node of another hub of the cluster.  Its id may clash
 * with one of our own sessions' (each hub draws its own ids): then it
 * is not relayed here, and our own session keeps the id.
 */
void
relayfwd_guest(struct imsg *imsg)
{
	struct hubd_relay_guest	 m;

	if (imsg_get_data(imsg, &m, sizeof(m)) == -1)
		fatalx("%s: bad size", __func__);
	if (m.host.af != AF_INET && m.host.af != AF_INET6)
		fatalx("%s: relay id %u with no address", __func__,
		    m.relay_id);
	if (relay_add_guest(eng.relay, m.relay_id, &m.host) == -1) {
		if (errno == EDOM)
			fatalx("%s: authority sent relay id %u, not this "
			    "engine's", __func__, m.relay_id);
		if (errno == EEXIST)
			log_debug("%s: relay id %u is in use here",
			    __func__, m.relay_id);
		else
			eng.stats.refused_nomem++;
		eng_stats_touch();
		return;
	}
	eng.stats.relay_sessions = relay_count(eng.relay);
	eng_stats_touch();
}

void
relayfwd_del(struct imsg *imsg)
{
	uint32_t	 id;

	if (imsg_get_data(imsg, &id, sizeof(id)) == -1)
		fatalx("%s: bad size", __func__);
	if (relay_del(eng.relay, id) == 0) {
		eng.stats.relay_sessions = relay_count(eng.relay);
		eng_stats_touch();
	}
}

void
relayfwd_pair(struct imsg *imsg)
{
	struct hubd_relay_pair	 p;

	if (imsg_get_data(imsg, &p, sizeof(p)) == -1)
		fatalx("%s: bad size", __func__);
	if (p.up != 0 && p.up != 1)
		fatalx("%s: bad pair state %d", __func__, p.up);
	if (relay_pair(eng.relay, p.a, p.b, p.up) == -1)
		log_debug("%s: relay pair %u %u (%d) not taken", __func__,
		    p.a, p.b, p.up);
}

/*
 * A REGISTER the authority took.  What it echoes must be what we sent
 * it: an answer for another id, or through a socket that does not
 * relay, is a broken authority.
 */
void
relayfwd_registered(struct imsg *imsg)
{
	struct hubd_relay_reg	 m;
	uint32_t		 id;

	if (imsg_get_data(imsg, &m, sizeof(m)) == -1)
		fatalx("%s: bad size", __func__);
	if (dgram_classify(m.dgram, sizeof(m.dgram), &id) !=
	    DGRAM_RELAY_REGISTERED || id != m.relay_id)
		fatalx("%s: not a REGISTERED for relay id %u", __func__,
		    m.relay_id);
	if (m.sock < 0 || m.sock >= eng.nlis || !eng.lis[m.sock].relay)
		fatalx("%s: socket %d does not relay", __func__, m.sock);
	if (relay_register_bind(eng.relay, m.relay_id, m.conn, &m.from,
	    &m.local, m.sock, now_ms()) == -1)
		return;
	eng.stats.relay_registers++;
	eng_stats_touch();
	(void)udp_send_from(eng.lis[m.sock].fd, &m.from, &m.local, m.dgram,
	    sizeof(m.dgram));
}
