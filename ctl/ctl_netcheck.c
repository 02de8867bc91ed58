/*
 * hamctl netcheck: one report of what the node knows about its
 * connectivity, from hamd's status (NAT discovery, the hub session) and
 * its peers (paths, and what the hub said of each peer's NAT), plus the
 * round trip of a TCP connect to the hub, timed here.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl/ctl_monitor.h"
#include "ctl/ctl_output.h"
#include "ctl/ctlmsg.h"
#include "ctl/ctl_conn.h"
#include "ipc/imsg.h"

#define CONNECT_WAIT_MS	2000

/* "host port N" as status shows the hub; 0 or -1. */
static int
hub_host_port(const char *hub, char *host, size_t hlen, char *port,
    size_t plen)
{
	const char	*sp = strstr(hub, " port ");
	size_t		 n;

	if (sp == NULL)
		return -1;
	n = (size_t)(sp - hub);
	if (n > 0 && hub[0] == '[' && hub[n - 1] == ']') {
		hub++;
		n -= 2;
	}
	if (n == 0 || n >= hlen)
		return -1;
	memcpy(host, hub, n);
	host[n] = '\0';
	(void)snprintf(port, plen, "%s", sp + 6);
	return 0;
}

/* Milliseconds for a TCP connect to the hub; -1 if it failed. */
static double
hub_rtt(const char *hub)
{
	struct addrinfo		 hints, *res;
	struct pollfd		 pfd;
	struct timespec		 t0, t1;
	char			 host[256], port[16];
	socklen_t		 len = sizeof(int);
	int			 fd, err = 0;
	double			 ms = -1;

	if (hub_host_port(hub, host, sizeof(host), port, sizeof(port)) == -1)
		return -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	if ((fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		freeaddrinfo(res);
		return -1;
	}
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	if (connect(fd, res->ai_addr, res->ai_addrlen) == 0 ||
	    errno == EINPROGRESS) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, CONNECT_WAIT_MS) == 1 &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
		    err == 0) {
			(void)clock_gettime(CLOCK_MONOTONIC, &t1);
			ms = (t1.tv_sec - t0.tv_sec) * 1e3 +
			    (t1.tv_nsec - t0.tv_nsec) / 1e6;
		}
	}
	(void)close(fd);
	freeaddrinfo(res);
	return ms;
}

const char *
relay_reason(int self_nat, const struct ctl_peer *p)
{
	if (p->path != PATH_RELAY_UDP && p->path != PATH_RELAY_TCP)
		return NULL;
	if (self_nat == NAT_NO_ANSWER)
		return "udp-blocked: UDP from this node does not get through";
	if (p->ext.peer_nat == NAT_NO_ANSWER)
		return "peer-udp-blocked: UDP from the peer does not get "
		    "through";
	if (self_nat == NAT_DEPENDENT && p->ext.peer_nat == NAT_DEPENDENT)
		return "symmetric-nat-both: both sides map a new port per "
		    "destination";
	/*
	 * One side maps per destination: its probes come from a port the
	 * other side's filter never saw, and without port prediction only
	 * a filter open to any port (endpoint-independent) lets them in.
	 */
	if (self_nat == NAT_DEPENDENT || p->ext.peer_nat == NAT_DEPENDENT)
		return "symmetric-nat-one-side: a new port per destination on "
		    "one side, a filter that refused it on the other";
	if (p->ext.ncands == 0)
		return "no-candidates: the peer offered no address";
	return "no-candidate-answered: probes to every candidate went "
	    "unanswered";
}

/* The short code, for JSON: the part before the colon. */
static void
reason_code(const char *r, char *buf, size_t len)
{
	(void)snprintf(buf, len, "%.*s", (int)strcspn(r, ":"), r);
}

static const char *
udp_state(int nat)
{
	switch (nat) {
	case NAT_UNKNOWN:
		return "unknown";
	case NAT_NO_ANSWER:
		return "blocked (TCP only)";
	default:
		return "works";
	}
}

static const char *
mapping(int nat)
{
	switch (nat) {
	case NAT_NONE:
		return "none (public address)";
	case NAT_INDEPENDENT:
		return "endpoint-independent";
	case NAT_DEPENDENT:
		return "endpoint-dependent (symmetric)";
	case NAT_NO_ANSWER:
		return "unknown (no UDP answer)";
	default:
		return "unknown";
	}
}

static const char *
filtering(int filter)
{
	switch (filter) {
	case NAT_FILTER_OTHER_PORT:
		return "other ports allowed (an answer from a hub port this "
		    "node never sent to got in: endpoint-independent or "
		    "address-dependent)";
	case NAT_FILTER_PORT:
		return "address-and-port-dependent (only answers from where "
		    "this node sent get in)";
	default:
		return "unknown (not measured yet, or no UDP answer)";
	}
}

int
netcheck_run(struct ctl_ctx *ctx)
{
	struct ctl_status	 st;
	struct ctl_result	 res;
	struct ctl_peer		*peers;
	struct json		 j;
	char			 buf[128], code[48];
	const char		*why;
	double			 rtt;
	int			 n, i, nat;

	if (ctl_call(ctx, IMSG_CTL_STATUS, NULL, 0, IMSG_CTL_STATUS_REPLY,
	    &st, sizeof(st), &res) != IMSG_CTL_STATUS_REPLY) {
		if (res.msg[0] != '\0')
			fprintf(stderr, "hamctl: %s\n", res.msg);
		return 1;
	}
	st.hub[sizeof(st.hub) - 1] = '\0';
	st.hub_reason[sizeof(st.hub_reason) - 1] = '\0';
	if ((peers = calloc(4096, sizeof(*peers))) == NULL)
		return 1;
	if ((n = monitor_fetch_peers(ctx, peers, 4096)) == -1) {
		free(peers);
		return 1;
	}
	nat = st.nat.kind;
	rtt = st.hub[0] != '\0' ? hub_rtt(st.hub) : -1;
	if (ctx->json) {
		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_string(&j, "hub", st.hub);
		json_bool(&j, "hub_online", st.hub_state == HUB_STATE_ONLINE);
		if (rtt >= 0)
			json_fixed(&j, "hub_rtt_ms", rtt, 3);
		else
			json_null(&j, "hub_rtt_ms");
		json_string(&j, "nat", nat_kind_str(nat));
		json_string(&j, "mapping", mapping(nat));
		json_string(&j, "filtering", nat_filter_str(st.nat.filter));
		json_bool(&j, "udp", nat != NAT_NO_ANSWER &&
		    nat != NAT_UNKNOWN);
		if (st.nat.public_ep.af != 0) {
			format_addr(buf, sizeof(buf), &st.nat.public_ep);
			json_string(&j, "public_endpoint", buf);
		}
		if (st.port_forward.af != 0) {
			format_addr(buf, sizeof(buf), &st.port_forward);
			json_string(&j, "port_forward", buf);
		}
		json_array_begin(&j, "peers");
		for (i = 0; i < n; i++) {
			json_object_begin(&j, NULL);
			json_string(&j, "name", peers[i].name);
			json_string(&j, "key", peers[i].pubkey);
			json_string(&j, "path", path_kind_str(peers[i].path));
			json_string(&j, "peer_nat",
			    nat_kind_str(peers[i].ext.peer_nat));
			json_int(&j, "candidates", peers[i].ext.ncands);
			if ((why = relay_reason(nat, &peers[i])) != NULL) {
				reason_code(why, code, sizeof(code));
				json_string(&j, "relay_reason", code);
				json_string(&j, "relay_detail", why);
			}
			json_object_end(&j);
		}
		json_array_end(&j);
		json_object_end(&j);
		json_end(&j);
		free(peers);
		return 0;
	}
	printf("hub:              %s (%s)\n", st.hub[0] != '\0' ? st.hub :
	    "none configured", st.hub_state == HUB_STATE_ONLINE ? "online" :
	    st.hub_reason[0] != '\0' ? st.hub_reason : "offline");
	if (rtt >= 0)
		printf("hub round trip:   %.1f ms (TCP connect)\n", rtt);
	else
		printf("hub round trip:   unknown (TCP connect failed)\n");
	printf("udp to the hub:   %s\n", udp_state(nat));
	printf("nat mapping:      %s\n", mapping(nat));
	printf("nat filtering:    %s\n", filtering(st.nat.filter));
	if (st.nat.public_ep.af != 0) {
		format_addr(buf, sizeof(buf), &st.nat.public_ep);
		printf("public endpoint:  %s\n", buf);
	}
	if (st.port_forward.af != 0) {
		format_addr(buf, sizeof(buf), &st.port_forward);
		printf("port forward:     %s (public-endpoint)\n", buf);
	} else
		printf("port forward:     none configured\n");
	for (i = 0; i < n; i++) {
		why = relay_reason(nat, &peers[i]);
		printf("peer %-16s %-10s peer nat %s, %u candidates%s%s\n",
		    peers[i].name, path_kind_str(peers[i].path),
		    nat_kind_str(peers[i].ext.peer_nat), peers[i].ext.ncands,
		    why != NULL ? "; relayed: " : "", why != NULL ? why : "");
	}
	free(peers);
	return 0;
}
