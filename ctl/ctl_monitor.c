/*
 * hamctl monitor and hamctl hub monitor: with -j, the daemon's events
 * as they happen, one JSON object a line; without, a live view that
 * redraws in place once a second (peers or nodes, paths, round trips,
 * rates) with the latest events under it.  The events come from the
 * daemon over one connection that stays open (IMSG_CTL_MONITOR); the
 * view's tables are asked for once a second over others.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat/util.h"
#include "crypto/key.h"
#include "crypto/wg_result.h"
#include "ctl/ctl_monitor.h"
#include "ctl/ctl_output.h"
#include "ctl/ctlmsg.h"
#include "ctl/ctl_conn.h"
#include "ipc/imsg.h"

#define VIEW_EVENTS	8		/* latest events under the table */
#define VIEW_PEERS	4096

static volatile sig_atomic_t	 quit;

static void
on_signal(int sig)
{
	quit = 1;
}

static int64_t
mono_ms(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- events ------------------------------------------------------------ */

static void
event_json(const struct ctl_event *e)
{
	struct json	 j;
	char		 buf[128];

	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	json_int(&j, "time_ms", e->time_ms);
	json_string(&j, "event", ctl_event_str((int)e->kind));
	if (e->name[0] != '\0')
		json_string(&j, "name", e->name);
	if (e->key[0] != '\0')
		json_string(&j, "key", e->key);
	if (e->network[0] != '\0')
		json_string(&j, "network", e->network);
	switch (e->kind) {
	case EV_PATH:
		json_string(&j, "old_path", path_kind_str(e->old_path));
		json_string(&j, "path", path_kind_str(e->path));
		break;
	case EV_PEER_UP:
	case EV_PEER_ADD:
	case EV_HANDSHAKE:
		json_string(&j, "path", path_kind_str(e->path));
		break;
	default:
		break;
	}
	if (e->addr.af != 0) {
		format_addr(buf, sizeof(buf), &e->addr);
		json_string(&j, "endpoint", buf);
	}
	if (e->kind == EV_HANDSHAKE || e->kind == EV_PEER_UP)
		json_fixed(&j, "rtt_ms", e->rtt_us / 1000.0, 3);
	if (e->kind == EV_DROPS) {
		json_string(&j, "reason", wg_result_str((int)e->reason));
		json_int(&j, "count", (int64_t)e->count);
	}
	if (e->kind == EV_PEER_DOWN || e->kind == EV_LOGOUT ||
	    e->kind == EV_LOST) {
		json_int(&j, "duration_ms", e->duration_ms);
		if (e->kind == EV_PEER_DOWN) {
			json_int(&j, "rx_bytes", (int64_t)e->rx_bytes);
			json_int(&j, "tx_bytes", (int64_t)e->tx_bytes);
			json_int(&j, "rx_packets", (int64_t)e->rx_packets);
			json_int(&j, "tx_packets", (int64_t)e->tx_packets);
		}
	}
	if (e->detail[0] != '\0')
		json_string(&j, "detail", e->detail);
	json_object_end(&j);
	json_end(&j);
	(void)fflush(stdout);
}

/* One line for the live view. */
static void
event_line(const struct ctl_event *e, char *buf, size_t len)
{
	char		 t[16], a[CTL_DETAIL_MAX + 16], who[80];
	time_t		 s = (time_t)(e->time_ms / 1000);
	struct tm	*tm = localtime(&s);

	(void)strftime(t, sizeof(t), "%H:%M:%S", tm);
	(void)snprintf(who, sizeof(who), "%s", e->name[0] != '\0' ? e->name :
	    e->key[0] != '\0' ? e->key : "");
	a[0] = '\0';
	switch (e->kind) {
	case EV_PATH:
		(void)snprintf(a, sizeof(a), "%s -> %s",
		    path_kind_str(e->old_path), path_kind_str(e->path));
		break;
	case EV_DROPS:
		(void)snprintf(a, sizeof(a), "%llu %s",
		    (unsigned long long)e->count,
		    wg_result_str((int)e->reason));
		break;
	case EV_PEER_DOWN:
		(void)snprintf(a, sizeof(a), "after %lld s",
		    (long long)(e->duration_ms / 1000));
		break;
	default:
		(void)snprintf(a, sizeof(a), "%s", e->detail);
	}
	(void)snprintf(buf, len, "%s %-11s %-20.20s %s", t,
	    ctl_event_str((int)e->kind), who, a);
}

struct evstream {
	struct ctl_ctx	 ctx;
	char		 lines[VIEW_EVENTS][160];
	unsigned int	 n;
};

/* Subscribe; 0, or -1 (reported). */
static int
ev_open(struct ctl_ctx *parent, struct evstream *es)
{
	memset(es, 0, sizeof(*es));
	es->ctx = *parent;
	es->ctx.fd = -1;
	return ctl_send(&es->ctx, IMSG_CTL_MONITOR, NULL, 0);
}

/*
 * Take what has arrived, waiting up to ms; each event to JSON or to the
 * view's lines.  -1 when the daemon is gone or refused.
 */
static int
ev_pump(struct evstream *es, int ms, int json)
{
	struct pollfd		 pfd = { .fd = es->ctx.fd, .events = POLLIN };
	struct ctl_event	 e;
	struct ctl_result	 res;
	struct imsg		 imsg;
	ssize_t			 n;

	if (poll(&pfd, 1, ms) == -1)
		return errno == EINTR ? 0 : -1;
	if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
		return 0;
	n = imsgbuf_read(&es->ctx.ibuf);
	if (n == 0 || (n == -1 && errno != EAGAIN)) {
		fprintf(stderr, "hamctl: the daemon closed the monitor\n");
		return -1;
	}
	while ((n = imsg_get(&es->ctx.ibuf, &imsg)) > 0) {
		if (imsg.hdr.type == IMSG_CTL_RESULT &&
		    imsg_get_data(&imsg, &res, sizeof(res)) == 0) {
			res.msg[sizeof(res.msg) - 1] = '\0';
			imsg_free(&imsg);
			if (res.code == 0) {
				/* subscribed: every later event reaches us */
				if (json)
					printf("{\"time_ms\":%lld,\"event\":"
					    "\"subscribed\"}\n", (long long)
					    unix_ms());
				(void)fflush(stdout);
				continue;
			}
			fprintf(stderr, "hamctl: %s\n", res.msg);
			return -1;
		}
		if (imsg.hdr.type != IMSG_CTL_EVENT ||
		    imsg_get_data(&imsg, &e, sizeof(e)) == -1) {
			fprintf(stderr, "hamctl: unexpected message %u\n",
			    imsg.hdr.type);
			imsg_free(&imsg);
			return -1;
		}
		imsg_free(&imsg);
		e.name[sizeof(e.name) - 1] = '\0';
		e.key[sizeof(e.key) - 1] = '\0';
		e.network[sizeof(e.network) - 1] = '\0';
		e.detail[sizeof(e.detail) - 1] = '\0';
		if (json)
			event_json(&e);
		else
			event_line(&e, es->lines[es->n++ % VIEW_EVENTS],
			    sizeof(es->lines[0]));
	}
	return n == -1 ? -1 : 0;
}

/* ---- the node's view ------------------------------------------------- */

int
monitor_fetch_peers(struct ctl_ctx *ctx, struct ctl_peer *peers, int max)
{
	struct imsg	 imsg;
	int		 n = 0;

	if (ctl_send(ctx, IMSG_CTL_PEERS, NULL, 0) == -1)
		return -1;
	for (;;) {
		if (ctl_next(ctx, &imsg) == -1)
			return -1;
		if (imsg.hdr.type == IMSG_CTL_PEER && n < max &&
		    imsg_get_data(&imsg, &peers[n], sizeof(peers[0])) == 0) {
			peers[n].name[sizeof(peers[n].name) - 1] = '\0';
			peers[n].pubkey[sizeof(peers[n].pubkey) - 1] = '\0';
			n++;
			imsg_free(&imsg);
			continue;
		}
		imsg_free(&imsg);
		if (imsg.hdr.type == IMSG_CTL_PEER)
			continue;
		ctl_disconnect(ctx);
		return imsg.hdr.type == IMSG_CTL_PEERS_END ? n : -1;
	}
}

static void
draw_node(const struct ctl_status *st, const struct ctl_peer *p, int n,
    const struct evstream *es)
{
	char		 rx[32], tx[32], ep[64], rtt[16], t[32];
	uint64_t	 trx = 0, ttx = 0;
	time_t		 now = time(NULL);
	unsigned int	 i, k;
	int		 up = 0;

	(void)strftime(t, sizeof(t), "%H:%M:%S", localtime(&now));
	/* Home and clear: the view replaces itself. */
	printf("\033[H\033[2J");
	printf("hamd %s  %s  hub %s  nat %s\n\n", st->version, t,
	    st->hub_state == HUB_STATE_ONLINE ? "online" : "offline",
	    nat_kind_str(st->nat.kind));
	printf("%-16s %-9s %-22s %9s %14s %14s\n", "PEER", "PATH",
	    "ENDPOINT", "RTT", "RX", "TX");
	for (k = 0; k < (unsigned int)n; k++) {
		format_rate(rx, sizeof(rx), p[k].ext.rate.rx_bytes);
		format_rate(tx, sizeof(tx), p[k].ext.rate.tx_bytes);
		format_addr(ep, sizeof(ep), &p[k].endpoint);
		if (p[k].rtt_us != 0)
			(void)snprintf(rtt, sizeof(rtt), "%.1f ms",
			    p[k].rtt_us / 1000.0);
		else
			(void)snprintf(rtt, sizeof(rtt), "-");
		printf("%-16.16s %-9s %-22.22s %9s %14s %14s%s\n", p[k].name,
		    p[k].session ? path_kind_str(p[k].path) : "down", ep, rtt,
		    rx, tx, p[k].session ? "" : " *");
		trx += p[k].ext.rate.rx_bytes;
		ttx += p[k].ext.rate.tx_bytes;
		up += p[k].session != 0;
	}
	format_rate(rx, sizeof(rx), trx);
	format_rate(tx, sizeof(tx), ttx);
	printf("\ntotal: %d peers, %d up, rx %s, tx %s\n", n, up, rx, tx);
	printf("\nevents:\n");
	i = es->n > VIEW_EVENTS ? es->n - VIEW_EVENTS : 0;
	for (; i < es->n; i++)
		printf("  %s\n", es->lines[i % VIEW_EVENTS]);
	(void)fflush(stdout);
}

static int
view_node(struct ctl_ctx *ctx, struct evstream *es)
{
	struct ctl_peer		*peers;
	struct ctl_status	 st;
	struct ctl_result	 res;
	int64_t			 next = 0, now;
	int			 n;

	if ((peers = calloc(VIEW_PEERS, sizeof(*peers))) == NULL) {
		fprintf(stderr, "hamctl: out of memory\n");
		return 1;
	}
	while (!quit) {
		if ((now = mono_ms()) >= next) {
			if (ctl_call(ctx, IMSG_CTL_STATUS, NULL, 0,
			    IMSG_CTL_STATUS_REPLY, &st, sizeof(st), &res) !=
			    IMSG_CTL_STATUS_REPLY ||
			    (n = monitor_fetch_peers(ctx, peers, VIEW_PEERS)) ==
			    -1)
				break;
			st.version[sizeof(st.version) - 1] = '\0';
			draw_node(&st, peers, n, es);
			next = now + 1000;
			continue;
		}
		if (ev_pump(es, (int)(next - now), 0) == -1)
			break;
	}
	free(peers);
	return quit ? 0 : 1;
}

/* ---- the hub's view -------------------------------------------------- */

#define VIEW_NODES	2048

static int
fetch_nodes(struct ctl_ctx *ctx, struct ctl_hubd_node *nodes)
{
	struct imsg	 imsg;
	int		 n = 0;

	if (ctl_send(ctx, IMSG_CTL_HUBD_NODES, NULL, 0) == -1)
		return -1;
	for (;;) {
		if (ctl_next(ctx, &imsg) == -1)
			return -1;
		if (imsg.hdr.type == IMSG_CTL_HUBD_NODE) {
			if (n < VIEW_NODES && imsg_get_data(&imsg, &nodes[n],
			    sizeof(nodes[0])) == 0) {
				nodes[n].node.nick[HUB_NICK_MAX - 1] = '\0';
				n++;
			}
			imsg_free(&imsg);
			continue;
		}
		imsg_free(&imsg);
		ctl_disconnect(ctx);
		return imsg.hdr.type == IMSG_CTL_RESULT ? n : -1;
	}
}

static void
draw_hub(const struct ctl_hubd_status *st, const struct ctl_hubd_status *prev,
    double secs, const struct ctl_hubd_node *nodes, int n,
    const struct evstream *es)
{
	const struct hub_member_info	*m;
	char		 b64[KEY_B64_LEN + 1], ep[64], v4[INET_ADDRSTRLEN];
	char		 in[32], out[32];
	char		 rx[32], tx[32], rl[32], t[32];
	time_t		 now = time(NULL);
	unsigned int	 i;
	int		 k;

#define RATE(f)	(prev != NULL && secs > 0 && st->engine.f >= prev->engine.f ? \
	(uint64_t)((st->engine.f - prev->engine.f) / secs) : 0)
	format_rate(rx, sizeof(rx), RATE(rx_bytes));
	format_rate(tx, sizeof(tx), RATE(tx_bytes));
	format_rate(rl, sizeof(rl), RATE(relay_bytes));
#undef RATE
	(void)strftime(t, sizeof(t), "%H:%M:%S", localtime(&now));
	printf("\033[H\033[2J");
	printf("hamhubd %s  %s\n\n", st->version, t);
	printf("active users: %u of %u nodes online, %u networks, "
	    "%u connections\n", st->online, st->nodes, st->networks,
	    st->engine.open);
	printf("hub traffic: rx %s, tx %s; relayed %s\n\n", rx, tx, rl);
	printf("%-16s %-14s %-22s %14s %14s %s\n", "NODE", "IPV4",
	    "ENDPOINT", "IN", "OUT", "KEY");
	for (k = 0; k < n; k++) {
		m = &nodes[k].node;
		if (!m->online)
			continue;
		key_to_base64(b64, m->key);
		(void)inet_ntop(AF_INET, m->v4, v4, sizeof(v4));
		format_addr(ep, sizeof(ep), &m->endpoint);
		format_rate(in, sizeof(in), nodes[k].traffic.rate.rx_bytes);
		format_rate(out, sizeof(out), nodes[k].traffic.rate.tx_bytes);
		printf("%-16.16s %-14s %-22.22s %14s %14s %.12s...\n",
		    m->nick[0] != '\0' ? m->nick : "-", v4, ep, in, out, b64);
	}
	printf("\nevents:\n");
	i = es->n > VIEW_EVENTS ? es->n - VIEW_EVENTS : 0;
	for (; i < es->n; i++)
		printf("  %s\n", es->lines[i % VIEW_EVENTS]);
	(void)fflush(stdout);
}

static int
view_hub(struct ctl_ctx *ctx, struct evstream *es)
{
	struct ctl_hubd_node	*nodes;
	struct ctl_hubd_status	 st, prev;
	struct ctl_result	 res;
	int64_t			 next = 0, now, last = 0;
	int			 n, have_prev = 0;

	memset(&prev, 0, sizeof(prev));
	if ((nodes = calloc(VIEW_NODES, sizeof(*nodes))) == NULL) {
		fprintf(stderr, "hamctl: out of memory\n");
		return 1;
	}
	while (!quit) {
		if ((now = mono_ms()) >= next) {
			if (ctl_call(ctx, IMSG_CTL_HUBD_STATUS, NULL, 0,
			    IMSG_CTL_HUBD_STATUS_REPLY, &st, sizeof(st),
			    &res) != IMSG_CTL_HUBD_STATUS_REPLY ||
			    (n = fetch_nodes(ctx, nodes)) == -1)
				break;
			st.version[sizeof(st.version) - 1] = '\0';
			draw_hub(&st, have_prev ? &prev : NULL,
			    (now - last) / 1000.0, nodes, n, es);
			prev = st;
			have_prev = 1;
			last = now;
			next = now + 1000;
			continue;
		}
		if (ev_pump(es, (int)(next - now), 0) == -1)
			break;
	}
	free(nodes);
	return quit ? 0 : 1;
}

int
monitor_run(struct ctl_ctx *ctx, int hub)
{
	struct evstream	*es;
	int		 rc = 1;

	(void)signal(SIGINT, on_signal);
	(void)signal(SIGTERM, on_signal);
	(void)signal(SIGPIPE, SIG_IGN);
	if ((es = calloc(1, sizeof(*es))) == NULL) {
		fprintf(stderr, "hamctl: out of memory\n");
		return 1;
	}
	if (ev_open(ctx, es) == -1) {
		free(es);
		return 1;
	}
	if (ctx->json) {
		/* Events only, as they come, until the daemon goes away. */
		while (!quit && ev_pump(es, 1000, 1) == 0)
			;
		rc = quit ? 0 : 1;
	} else if (hub)
		rc = view_hub(ctx, es);
	else
		rc = view_node(ctx, es);
	ctl_disconnect(&es->ctx);
	free(es);
	return rc;
}
