/* The TCP connection to the hub; see engine_hub.h. */
#include "autoconf.h"

#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "compat/util.h"
#include "daemon/engine_addr.h"
#include "daemon/engine_ctx.h"
#include "daemon/engine_hub.h"
#include "daemon/engine_rx.h"
#include "daemon/engine_sock.h"
#include "daemon/hamd_msg.h"
#include "privsep/log.h"
#include "proto/framer.h"

#define HUB_CONNECT_TIMEOUT	10		/* s */
/* A connection up this long was a success: the next delay starts over. */
#define HUB_STABLE		30000		/* ms */
/* Bytes read per readable event, so UDP and tun get their turn. */
#define HUB_READ_MAX		(64 * 1024)
/*
 * Frames queued towards tun before we stop reading the hub: a hostile
 * hub cannot make us buffer more than this many frames (4 MB).
 */
#define HUB_TUN_BACKLOG		256

enum hub_conn_state {
	HUBC_IDLE = 0,		/* no hub: the parent sent no socket yet */
	HUBC_WAIT_SOCKET,	/* asked the parent with IMSG_HUB_CONNECT */
	HUBC_CONNECTING,	/* connect() under way */
	HUBC_UP,		/* connected; tun has IMSG_HUB_CONN_OPEN */
	HUBC_BACKOFF,		/* waiting before asking again */
};

static struct {
	enum hub_conn_state	 state;
	int			 fd;		/* -1 unless CONNECTING or UP */
	struct event		*rev;		/* on fd */
	struct event		*wev;		/* on fd: connected, or writable */
	struct event		*timer;		/* connect timeout, or backoff */
	struct event		*hold_ev;	/* reads held: is tun back? */
	struct framer		 fr;
	struct frame_out	 out;
	int			 held;		/* reads held: tun behind */
	uint64_t		 up_since;	/* ms, monotonic */
	uint32_t		 backoff;	/* ms, the next delay before jitter */
	uint64_t		 rng;		/* jitter and nonces: not a secret */
	struct hub_hooks	 hooks;
} hub;

int
hub_is_up(void)
{
	return hub.state == HUBC_UP;
}

/* splitmix64: spreads reconnects, guards nothing. */
uint64_t
hub_random(void)
{
	uint64_t	 z = (hub.rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static const char *
hub_name(char *buf, size_t len)
{
	return pkt_addr_str(hub_addr(), buf, len);
}

/* Read the hub while it is up, unless tun is behind. */
static void
hub_rx_update(void)
{
	if (hub.rev == NULL)
		return;
	if (hub.state == HUBC_UP && !rx_paused() && !hub.held) {
		if (!event_pending(hub.rev, EV_READ, NULL) &&
		    event_add(hub.rev, NULL) == -1)
			fatalx("%s: event_add", __func__);
	} else
		(void)event_del(hub.rev);
}

static void
hub_rx_hold(void)
{
	hub.held = 1;
	hub_rx_update();
	rx_later(hub.hold_ev);
}

static void
hub_hold_timer(int fd, short what, void *arg)
{
	if (rx_tun_behind(HUB_TUN_BACKLOG / 2, hub.hold_ev))
		return;
	hub.held = 0;
	hub_rx_update();
}

/* Drop the socket and whatever was buffered for it (wiped). */
static void
hub_close_fd(void)
{
	if (hub.rev != NULL) {
		event_free(hub.rev);
		hub.rev = NULL;
	}
	if (hub.wev != NULL) {
		event_free(hub.wev);
		hub.wev = NULL;
	}
	if (hub.fd != -1) {
		(void)close(hub.fd);
		hub.fd = -1;
	}
	(void)evtimer_del(hub.timer);
	(void)evtimer_del(hub.hold_ev);
	hub.hooks.down();
	framer_reset(&hub.fr);
	frame_out_free(&hub.out);
	hub.held = 0;
}

/*
 * The next wait: the current delay, 25 % shorter or longer at random so
 * that nodes do not return to a restarted hub all at once, but never
 * outside HUB_BACKOFF_MIN..HUB_BACKOFF_MAX, which is what we promise.
 */
static uint64_t
hub_backoff_delay(void)
{
	uint64_t	 lo, hi;

	lo = (uint64_t)hub.backoff * (100 - HUB_JITTER_PCT) / 100;
	hi = (uint64_t)hub.backoff * (100 + HUB_JITTER_PCT) / 100;
	if (lo < HUB_BACKOFF_MIN)
		lo = HUB_BACKOFF_MIN;
	if (hi > HUB_BACKOFF_MAX)
		hi = HUB_BACKOFF_MAX;
	return lo + hub_random() % (hi - lo + 1);
}

/*
 * The connection is over, or never came up: tell tun if it knew of it
 * (and did not end it itself), and ask for a new socket after the
 * backoff.  A connection that stayed up long enough counts as a
 * success, so the wait starts over at the minimum; otherwise it
 * doubles, up to the maximum.
 */
static void
hub_retry(const char *what, const char *why, int tell_tun)
{
	struct timeval		 tv;
	uint64_t		 delay;
	char			 buf[ADDR_STRLEN];
	int			 was_up = hub.state == HUBC_UP;

	hub_close_fd();
	if (was_up && now_ms() - hub.up_since >= HUB_STABLE)
		hub.backoff = HUB_BACKOFF_MIN;
	if (was_up && tell_tun)
		(void)proc_compose(ectx.ps, HAMD_PROC_TUN,
		    IMSG_HUB_CONN_CLOSED, 0, -1, NULL, 0);
	delay = hub_backoff_delay();
	hub.backoff = hub.backoff * 2 > HUB_BACKOFF_MAX ? HUB_BACKOFF_MAX :
	    hub.backoff * 2;
	hub.state = HUBC_BACKOFF;
	tv.tv_sec = (time_t)(delay / 1000);
	tv.tv_usec = (suseconds_t)(delay % 1000) * 1000;
	if (evtimer_add(hub.timer, &tv) == -1)
		fatalx("%s: evtimer_add", __func__);
	log_info("hub connection to %s %s (%s), retrying in %.1f s",
	    hub_name(buf, sizeof(buf)), what, why, (double)delay / 1000);
}

static void
hub_lost(const char *why)
{
	hub_retry(hub.state == HUBC_UP ? "lost" : "failed", why, 1);
}

/* Connect timeout, or the end of a backoff. */
static void
hub_timer(int fd, short what, void *arg)
{
	switch (hub.state) {
	case HUBC_CONNECTING:
		hub_lost("connect timed out");
		break;
	case HUBC_BACKOFF:
		hub.state = HUBC_WAIT_SOCKET;
		(void)proc_compose(ectx.ps, PROC_PARENT, IMSG_HUB_CONNECT, 0,
		    -1, NULL, 0);
		break;
	default:
		break;
	}
}

static int
hub_sockname(int fd, int peer, struct pkt_addr *a)
{
	union sockunion	 su;
	socklen_t	 sl = sizeof(su);

	memset(&su, 0, sizeof(su));
	if ((peer ? getpeername(fd, &su.sa, &sl) :
	    getsockname(fd, &su.sa, &sl)) == -1)
		return -1;
	if (sockaddr_to_addr(&su, sl, a) == -1) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	return 0;
}

static void
hub_connected(void)
{
	struct hub_conn_msg	 m;
	socklen_t		 sl = sizeof(int);
	char			 buf[ADDR_STRLEN];
	int			 err = 0;

	if (getsockopt(hub.fd, SOL_SOCKET, SO_ERROR, &err, &sl) == -1)
		err = errno;
	if (err != 0) {
		hub_lost(strerror(err));
		return;
	}
	memset(&m, 0, sizeof(m));
	if (hub_sockname(hub.fd, 1, &m.remote) == -1 ||
	    hub_sockname(hub.fd, 0, &m.local) == -1) {
		hub_lost(strerror(errno));
		return;
	}
	(void)evtimer_del(hub.timer);
	hub.state = HUBC_UP;
	hub.up_since = now_ms();
	log_info("hub connection to %s up", hub_name(buf, sizeof(buf)));
	(void)proc_compose(ectx.ps, HAMD_PROC_TUN, IMSG_HUB_CONN_OPEN, 0, -1,
	    &m, sizeof(m));
	/* tun's first frame, the handshake, arrives next; until then idle. */
	if (frame_out_pending(&hub.out) == 0)
		(void)event_del(hub.wev);
	hub_rx_update();
	hub.hooks.up();
}

static void
hub_write(int fd, short what, void *arg)
{
	if (hub.state == HUBC_CONNECTING) {
		hub_connected();
		return;
	}
	switch (frame_out_write(&hub.out, hub.fd, NULL)) {
	case -1:
		hub_lost(strerror(errno));
		break;
	case 0:
		break;		/* wev stays armed */
	default:
		(void)event_del(hub.wev);
		break;
	}
}

/*
 * Frames go to tun as they are found, so the framer holds at most one
 * incomplete frame; a bad length or a frame cut by EOF ends the
 * connection, since the stream cannot be trusted past it.  Relay
 * frames go to the relay client, never to tun's channel.
 */
static void
hub_read_frames(void)
{
	struct imsgbuf		*tun = &ectx.ps->iev[HAMD_PROC_TUN].ibuf;
	const uint8_t		*body;
	size_t			 len, total = 0;
	ssize_t			 n;
	int			 r;

	for (;;) {
		while ((r = framer_next(&hub.fr, &body, &len)) == 1) {
			if (body[0] == HUB_FRAME_RELAY)
				hub.hooks.relay_frame(body, len);
			else
				(void)proc_compose(ectx.ps, HAMD_PROC_TUN,
				    IMSG_HUB_FRAME_IN, 0, -1, body, len);
		}
		if (r == -1) {
			hub_lost("bad frame length from the hub");
			return;
		}
		if (imsgbuf_queued(tun) >= HUB_TUN_BACKLOG) {
			hub_rx_hold();
			return;
		}
		if (rx_paused() || total >= HUB_READ_MAX)
			return;
		n = framer_read_fd(&hub.fr, hub.fd, HUB_READ_MAX - total);
		if (n > 0) {
			total += (size_t)n;
			continue;
		}
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n == 0)
			hub_lost(framer_pending(&hub.fr) > 0 ?
			    "closed inside a frame" : "closed by the hub");
		else
			hub_lost(strerror(errno));
		return;
	}
}

static void
hub_read(int fd, short what, void *arg)
{
	hub_read_frames();
	(void)rx_flush();
}

/*
 * The parent's socket, connect() started.  Normally the answer to our
 * IMSG_HUB_CONNECT (or the first one, at start); one that arrives at
 * any other time replaces the connection we have (a reload may name
 * another hub).
 */
void
hub_socket(struct imsg *imsg)
{
	struct hub_conn_msg	 m;
	struct timeval		 tv = { HUB_CONNECT_TIMEOUT, 0 };
	char			 buf[ADDR_STRLEN];
	int			 fd;

	if (imsg_get_data(imsg, &m, sizeof(m)) == -1)
		fatalx("%s: bad size", __func__);
	if (esock_index(m.remote.af) == -1 || m.remote.port == 0)
		fatalx("%s: bad hub address", __func__);
	if ((fd = imsg_get_fd(imsg)) == -1)
		fatalx("%s: no socket", __func__);
	if (hub.state == HUBC_UP || hub.state == HUBC_CONNECTING) {
		log_info("hub connection to %s replaced",
		    hub_name(buf, sizeof(buf)));
		if (hub.state == HUBC_UP)
			(void)proc_compose(ectx.ps, HAMD_PROC_TUN,
			    IMSG_HUB_CONN_CLOSED, 0, -1, NULL, 0);
		hub.backoff = HUB_BACKOFF_MIN;
	}
	hub_close_fd();
	addr_normalize(&m.remote);
	hub_addr_set(&m.remote);
	hub.fd = fd;
	hub.state = HUBC_CONNECTING;
	if ((hub.rev = event_new(ectx.ps->base, fd, EV_READ | EV_PERSIST,
	    hub_read, NULL)) == NULL ||
	    (hub.wev = event_new(ectx.ps->base, fd, EV_WRITE | EV_PERSIST,
	    hub_write, NULL)) == NULL)
		fatalx("%s: event_new", __func__);
	if (event_add(hub.wev, NULL) == -1 ||
	    evtimer_add(hub.timer, &tv) == -1)
		fatalx("%s: event_add", __func__);
	log_debug("hub connection to %s: connecting",
	    hub_name(buf, sizeof(buf)));
}

int
hub_queue(const uint8_t *body, size_t len, size_t limit)
{
	if (hub.state != HUBC_UP) {
		errno = ENOTCONN;
		return -1;
	}
	if (frame_out_pending(&hub.out) + FRAMER_HDR_LEN + len > limit) {
		errno = ENOBUFS;
		return -1;
	}
	if (frame_out_add(&hub.out, body, len) == -1) {
		if (errno != ENOBUFS)
			fatal("%s: frame_out_add", __func__);
		return -1;
	}
	if (!event_pending(hub.wev, EV_WRITE, NULL) &&
	    event_add(hub.wev, NULL) == -1)
		fatalx("%s: event_add", __func__);
	return 0;
}

void
hub_frame_out(struct imsg *imsg)
{
	size_t	 len = imsg_get_len(imsg);

	if (len == 0 || len > HUB_FRAME_MAX)
		fatalx("%s: bad frame size %zu", __func__, len);
	/* Meant for a connection that is gone: tun hears CONN_CLOSED. */
	if (hub.state != HUBC_UP)
		return;
	if (hub_queue(imsg->data, len, HUB_OUT_MAX) == -1)
		hub_lost("the hub is not reading: 1 MiB unsent");
}

/*
 * tun ends the session (failed handshake, refused login, silence):
 * what is queued gets one try, and tun already knows, so no
 * CONN_CLOSED.  A close meant for a connection that already failed
 * finds none and changes nothing.
 */
void
hub_conn_close(struct imsg *imsg)
{
	if (imsg_get_len(imsg) != 0)
		fatalx("%s: bad size", __func__);
	if (hub.state != HUBC_UP)
		return;
	(void)frame_out_write(&hub.out, hub.fd, NULL);
	hub_retry("closed", "the session ended", 0);
}

/* Before seccomp: getrandom is not allowed afterwards. */
void
hub_init(struct privsep *ps, const struct hub_hooks *hooks)
{
	hub.fd = -1;
	hub.backoff = HUB_BACKOFF_MIN;
	hub.hooks = *hooks;
	if (framer_init(&hub.fr, HUB_FRAME_MAX) == -1)
		fatal("%s: framer_init", __func__);
	frame_out_init(&hub.out, HUB_OUT_MAX);
	if ((hub.timer = evtimer_new(ps->base, hub_timer, NULL)) == NULL ||
	    (hub.hold_ev = evtimer_new(ps->base, hub_hold_timer,
	    NULL)) == NULL)
		fatalx("%s: evtimer_new", __func__);
	rx_on_flow(hub_rx_update);
	if (getrandom(&hub.rng, sizeof(hub.rng), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(hub.rng))
		hub.rng = now_ms() ^ ((uint64_t)getpid() << 32);
}
