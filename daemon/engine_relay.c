/* Our side of the hub's relay; see engine_relay.h. */
#include "autoconf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compat/bytes.h"
#include "compat/util.h"
#include "daemon/engine_addr.h"
#include "daemon/engine_ctx.h"
#include "daemon/engine_relay.h"
#include "daemon/engine_rx.h"
#include "daemon/engine_sock.h"
#include "daemon/engine_xrelay.h"
#include "daemon/hamd_msg.h"
#include "privsep/log.h"
#include "proto/dgram.h"

static struct {
	uint32_t		 id;		/* ours, 0: none */
	uint64_t		 registered;	/* ms of tun's last confirmation */
	uint8_t			*frame;		/* a TCP relay frame, built */
} relay;

int
relay_mode(uint64_t now)
{
	struct engine_sock	*s = esock_get(hub_addr()->af);

	if (relay.id == 0 || !hub_is_up())
		return PATH_NONE;
	if (relay.registered != 0 &&
	    now - relay.registered < RELAY_UDP_VALID_MS &&
	    s != NULL && s->fd != -1)
		return PATH_RELAY_UDP;
	return PATH_RELAY_TCP;
}

/* A relay DATA datagram for relay id rid to the hub at dst. */
static int
relay_udp(const struct pkt_addr *dst, uint32_t rid, const uint8_t *pkt,
    size_t len)
{
	uint8_t		 hdr[RELAY_HDR_LEN];
	struct iovec	 iov[2];

	/* No GSO: the hub forwards datagram by datagram. */
	memset(hdr, 0, sizeof(hdr));
	hdr[0] = RELAY_DATA_TYPE;
	put_be32(hdr + 4, rid);
	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = (void *)(uintptr_t)pkt;
	iov[1].iov_len = len;
	return esock_send(dst, iov, 2, sizeof(hdr) + len);
}

static void
relay_sent(struct engine_peer *p, size_t len)
{
	ectx.stats.relay_tx++;
	p->stats.tx_packets++;
	p->stats.tx_bytes += len;
}

int
relay_send(struct engine_peer *p, uint32_t rid, int want, const uint8_t *pkt,
    size_t len)
{
	uint8_t		*f;
	int		 mode;

	mode = relay_mode(now_ms());
	if (want == PATH_RELAY_TCP && mode != PATH_NONE)
		mode = PATH_RELAY_TCP;
	if (mode == PATH_NONE || rid == 0) {
		p->stats.no_endpoint++;
		return -1;
	}
	if (mode == PATH_RELAY_UDP) {
		if (relay_udp(hub_addr(), rid, pkt, len) == -1)
			return -1;
	} else {
		f = relay.frame;
		if (len + RELAY_HDR_LEN > HUB_FRAME_MAX) {
			ectx.stats.tx_dropped++;
			return -1;
		}
		memset(f, 0, RELAY_HDR_LEN);
		f[0] = HUB_FRAME_RELAY;
		put_be32(f + 4, rid);
		memcpy(f + RELAY_HDR_LEN, pkt, len);
		if (hub_queue(f, RELAY_HDR_LEN + len, RELAY_OUT_MAX) == -1) {
			ectx.stats.tx_dropped++;
			return -1;
		}
	}
	relay_sent(p, len);
	return 0;
}

int
relay_send_guest(struct engine_peer *p, const struct pkt_addr *hub,
    uint32_t rid, const uint8_t *pkt, size_t len)
{
	if (rid == 0 || !xrelay_usable(hub, now_ms())) {
		p->stats.no_endpoint++;
		return -1;
	}
	if (relay_udp(hub, rid, pkt, len) == -1)
		return -1;
	relay_sent(p, len);
	return 0;
}

/* tun: our relay id for this login (0: the login ended). */
void
relay_session(struct imsg *imsg)
{
	struct engine_relay_msg	 m;

	if (imsg_get_data(imsg, &m, sizeof(m)) == -1)
		fatalx("%s: bad size", __func__);
	relay.id = m.relay_id;
	relay.registered = 0;
	xrelay_reset();
	if (relay.id == 0)
		log_debug("relay: no session");
	else
		log_debug("relay: session %u", relay.id);
}

/*
 * tun: a REGISTER for the hub's port P, from the WireGuard socket.  It
 * is tun's work under the token; we only check that it is a REGISTER
 * for the session we have, since one built just before the session
 * ended is no use to anybody.
 */
void
relay_register(struct imsg *imsg)
{
	uint8_t		 msg[RELAY_AUTH_LEN];
	struct iovec	 iov;
	uint32_t	 id;

	if (imsg_get_data(imsg, msg, sizeof(msg)) == -1)
		fatalx("%s: bad size", __func__);
	if (dgram_classify(msg, sizeof(msg), &id) != DGRAM_RELAY_REGISTER)
		fatalx("%s: tun sent something else than a REGISTER",
		    __func__);
	if (id == 0 || id != relay.id || !hub_is_up()) {
		log_debug("%s: REGISTER for relay id %u, not ours (%u); "
		    "dropped", __func__, id, relay.id);
		return;
	}
	iov.iov_base = msg;
	iov.iov_len = sizeof(msg);
	(void)esock_send(hub_addr(), &iov, 1, sizeof(msg));
}

/* tun: a REGISTERED we passed on was the hub's answer to our REGISTER. */
void
relay_confirmed(struct imsg *imsg)
{
	uint32_t	 id;

	if (imsg_get_data(imsg, &id, sizeof(id)) == -1)
		fatalx("%s: bad size", __func__);
	if (id == 0)
		fatalx("%s: tun confirmed relay id 0", __func__);
	/* The session it answered for may have ended meanwhile. */
	if (id != relay.id || !hub_is_up())
		return;
	if (relay.registered == 0)
		log_debug("relay: UDP registration confirmed");
	relay.registered = now_ms();
}

/*
 * tun: a REGISTER for another hub of the cluster, under our guest token
 * there.  As at our own hub, we check only that it is a REGISTER for
 * our session (the guest id is our relay id), and that it goes to a hub
 * a peer is at, not anywhere tun might say.
 */
void
relay_guest_register(struct imsg *imsg)
{
	struct relay_guest_msg	 m;
	struct iovec		 iov;
	uint32_t		 id;

	if (imsg_get_data(imsg, &m, sizeof(m)) == -1)
		fatalx("%s: bad size", __func__);
	if (dgram_classify(m.msg, sizeof(m.msg), &id) !=
	    DGRAM_RELAY_REGISTER)
		fatalx("%s: tun sent something else than a REGISTER",
		    __func__);
	if (id == 0 || id != relay.id || !hub_is_up() ||
	    !xrelay_known(&m.hub)) {
		log_debug("%s: REGISTER for relay id %u (ours %u) to a hub "
		    "we do not know or without a session; dropped", __func__,
		    id, relay.id);
		return;
	}
	iov.iov_base = m.msg;
	iov.iov_len = sizeof(m.msg);
	(void)esock_send(&m.hub, &iov, 1, sizeof(m.msg));
}

/* tun: a REGISTERED from another hub answered our REGISTER there. */
void
relay_guest_confirmed(struct imsg *imsg)
{
	struct pkt_addr	 hub;

	if (imsg_get_data(imsg, &hub, sizeof(hub)) == -1)
		fatalx("%s: bad size", __func__);
	if (relay.id != 0 && hub_is_up())
		xrelay_confirm(&hub, now_ms());
}

void
relay_reset(void)
{
	/*
	 * A relay session lives as long as its login; the next one brings
	 * a new id.  Direct paths do not care.
	 */
	relay.id = 0;
	relay.registered = 0;
	xrelay_reset();
}

/* A relayed WireGuard packet, from the pseudo address of its way. */
static int
relay_deliver(const uint8_t *pkt, size_t len, const struct pkt_addr *from)
{
	if (rx_deliver(pkt, len, from) == -1)
		return -1;
	ectx.stats.relay_rx++;
	return 0;
}

/* Not a WireGuard message either: malformed too, as for discovery. */
static void
relay_bad(void)
{
	ectx.stats.relay_bad++;
	ectx.stats.rx_malformed++;
}

/*
 * Relay datagrams are for us only from the hub's address and port P;
 * dgram_classify checked their type and length.
 */
static int
relay_from_hub(const struct pkt_addr *from)
{
	return from != NULL && relay_pseudo(from) == PATH_RELAY_UDP;
}

/*
 * REGISTERED: to tun, which holds the token, if it names our session;
 * anyone may send one, so tun hears only those that could be right.
 */
static void
relay_rx_registered(const uint8_t *pkt, size_t len,
    const struct pkt_addr *from)
{
	struct relay_guest_msg	 m;

	if (relay.id == 0 || !hub_is_up() || get_be32(pkt + 4) != relay.id ||
	    len != sizeof(m.msg) ||
	    (!relay_from_hub(from) && !xrelay_known(from))) {
		relay_bad();
		return;
	}
	if (relay_from_hub(from))
		(void)proc_compose(ectx.ps, HAMD_PROC_TUN,
		    IMSG_RELAY_REGISTERED, 0, -1, pkt, len);
	else {
		/* From another hub, where we are a guest. */
		memset(&m, 0, sizeof(m));
		m.hub = *from;
		memcpy(m.msg, pkt, sizeof(m.msg));
		(void)proc_compose(ectx.ps, HAMD_PROC_TUN,
		    IMSG_RELAY_GUEST_REGISTERED, 0, -1, &m, sizeof(m));
	}
	rx_push();
}

/*
 * DATA from our hub, or from another hub of the cluster that relays
 * for us as a guest (from its address and port, which name that way).
 */
static void
relay_rx_data(const uint8_t *pkt, size_t len, const struct pkt_addr *from)
{
	if ((!relay_from_hub(from) && !xrelay_known(from)) ||
	    relay_deliver(pkt + RELAY_HDR_LEN, len - RELAY_HDR_LEN,
	    from) == -1)
		relay_bad();
}

/* REGISTER is the hub's to receive. */
static void
relay_rx_register(const uint8_t *pkt, size_t len, const struct pkt_addr *from)
{
	relay_bad();
}

void
relay_frame_in(const uint8_t *body, size_t len)
{
	struct pkt_addr	 from;

	relay_pseudo_addr(PATH_RELAY_TCP, &from);
	if (len < RELAY_HDR_LEN || (body[1] | body[2] | body[3]) != 0 ||
	    relay_deliver(body + RELAY_HDR_LEN, len - RELAY_HDR_LEN,
	    &from) == -1)
		ectx.stats.relay_bad++;
}

void
relay_init(void)
{
	if ((relay.frame = malloc(HUB_FRAME_MAX)) == NULL)
		fatal("%s: malloc", __func__);
	rx_handle(DGRAM_RELAY_REGISTER, relay_rx_register);
	rx_handle(DGRAM_RELAY_REGISTERED, relay_rx_registered);
	rx_handle(DGRAM_RELAY_DATA, relay_rx_data);
}
