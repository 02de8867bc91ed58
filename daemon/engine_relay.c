/* Our side of the hub's relay; see engine_relay.h. */
#include "autoconf.h"

#include <sys/time.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "compat/bytes.h"
#include "compat/util.h"
#include "daemon/engine_addr.h"
#include "daemon/engine_ctx.h"
#include "daemon/engine_relay.h"
#include "daemon/engine_rx.h"
#include "daemon/engine_sock.h"
#include "daemon/hamd_msg.h"
#include "privsep/log.h"
#include "proto/dgram.h"
#include "proto/relayauth.h"

#define RELAY_REGISTER_SEC	20	/* REGISTER this often */
#define RELAY_ANSWER_WINDOW	4	/* REGISTERs an answer may name */

static struct {
	uint32_t		 id;		/* ours, 0: none */
	uint8_t			 token[HUB_RELAY_TOKEN_LEN];
	uint64_t		 counter;	/* of the last REGISTER sent */
	uint64_t		 registered;	/* ms of the last REGISTERED */
	struct event		*timer;		/* REGISTER every 20 s */
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

int
relay_send(struct engine_peer *p, uint32_t rid, int want, const uint8_t *pkt,
    size_t len)
{
	uint8_t		 hdr[RELAY_HDR_LEN], *f;
	struct iovec	 iov[2];
	int		 mode;

	mode = relay_mode(now_ms());
	if (want == PATH_RELAY_TCP && mode != PATH_NONE)
		mode = PATH_RELAY_TCP;
	if (mode == PATH_NONE || rid == 0) {
		p->stats.no_endpoint++;
		return -1;
	}
	if (mode == PATH_RELAY_UDP) {
		/* No GSO: the hub forwards datagram by datagram. */
		memset(hdr, 0, sizeof(hdr));
		hdr[0] = RELAY_DATA_TYPE;
		put_be32(hdr + 4, rid);
		iov[0].iov_base = hdr;
		iov[0].iov_len = sizeof(hdr);
		iov[1].iov_base = (void *)(uintptr_t)pkt;
		iov[1].iov_len = len;
		if (esock_send(hub_addr(), iov, 2, sizeof(hdr) + len) == -1)
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
	ectx.stats.relay_tx++;
	p->stats.tx_packets++;
	p->stats.tx_bytes += len;
	return 0;
}

/*
 * REGISTER: the hub learns (and checks) where our UDP relay lives.  The
 * token never leaves us: it keys a MAC over our id and a counter that
 * grows with every REGISTER of this login (proto/relayauth.h).
 */
static void
relay_register(void)
{
	uint8_t		 msg[RELAY_AUTH_LEN];
	struct iovec	 iov;

	if (relay.id == 0 || !hub_is_up())
		return;
	relay_auth_build(msg, RELAY_REGISTER_TYPE, relay.id, ++relay.counter,
	    relay.token);
	iov.iov_base = msg;
	iov.iov_len = sizeof(msg);
	(void)esock_send(hub_addr(), &iov, 1, sizeof(msg));
}

static void
relay_timer(int fd, short what, void *arg)
{
	relay_register();
}

/* tun: our relay id and token from this login (id 0: the login ended). */
void
relay_session(struct imsg *imsg)
{
	struct engine_relay_msg	 m;
	struct timeval		 tv = { RELAY_REGISTER_SEC, 0 };

	if (imsg_get_data(imsg, &m, sizeof(m)) == -1)
		fatalx("%s: bad size", __func__);
	relay.id = m.relay_id;
	memcpy(relay.token, m.token, sizeof(relay.token));
	explicit_bzero(&m, sizeof(m));
	relay.registered = 0;
	relay.counter = 0;
	(void)evtimer_del(relay.timer);
	if (relay.id == 0) {
		explicit_bzero(relay.token, sizeof(relay.token));
		log_debug("relay: no session");
		return;
	}
	log_debug("relay: session %u, registering", relay.id);
	if (evtimer_add(relay.timer, &tv) == -1)
		fatalx("%s: evtimer_add", __func__);
	relay_register();
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
	explicit_bzero(relay.token, sizeof(relay.token));
	if (relay.timer != NULL)
		(void)evtimer_del(relay.timer);
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
 * Only the hub holds our token: the answer names one of our last few
 * REGISTERs under a MAC, so it is neither forged nor an old one
 * replayed.
 */
static void
relay_rx_registered(const uint8_t *pkt, size_t len,
    const struct pkt_addr *from)
{
	uint64_t	 counter;
	uint32_t	 id;

	if (!relay_from_hub(from) || relay.id == 0 || !hub_is_up() ||
	    relay_auth_peek(pkt, len, RELAY_REGISTERED_TYPE, &id,
	    &counter) == -1 || id != relay.id || counter > relay.counter ||
	    counter + RELAY_ANSWER_WINDOW <= relay.counter ||
	    relay_auth_verify(pkt, relay.token) == -1) {
		relay_bad();
		return;
	}
	if (relay.registered == 0)
		log_debug("relay: UDP registration confirmed");
	relay.registered = now_ms();
}

static void
relay_rx_data(const uint8_t *pkt, size_t len, const struct pkt_addr *from)
{
	if (!relay_from_hub(from) || relay_deliver(pkt + RELAY_HDR_LEN,
	    len - RELAY_HDR_LEN, from) == -1)
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
relay_init(struct privsep *ps)
{
	if ((relay.frame = malloc(HUB_FRAME_MAX)) == NULL)
		fatal("%s: malloc", __func__);
	if ((relay.timer = event_new(ps->base, -1, EV_PERSIST, relay_timer,
	    NULL)) == NULL)
		fatalx("%s: event_new", __func__);
	rx_handle(DGRAM_RELAY_REGISTER, relay_rx_register);
	rx_handle(DGRAM_RELAY_REGISTERED, relay_rx_registered);
	rx_handle(DGRAM_RELAY_DATA, relay_rx_data);
}
