/*
 * hubload's steps: what a test or the benchmark asks for, one command
 * line argument each (bench/README.md lists them), and the benchmark
 * itself ("bench"), which prints the table of issue 11.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/hubload.h"
#include "proto/framer.h"
#include "proto/hubproto.h"

#define MAXWORDS	12
/* Nodes past N the benchmark keeps for new logins with N stored. */
#define BENCH_SPARE	200
#define BENCH_LATE	100

static uint8_t	 captured[HL_INIT_LEN];
static uint32_t	 captured_node = HL_NONE;

static int
op_parse(const char *s)
{
	int	 i;

	for (i = 1; i < HUB_OP_MAX; i++)
		if (strcmp(s, hub_op_name(i)) == 0)
			return i;
	die("unknown request %s", s);
}

static double
ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

/* ---- replaying an INIT ------------------------------------------------------ */

/*
 * Send the captured INIT on a new connection from its node's address:
 * a hub that remembers the node's last handshake closes without a RESP.
 * 1 if a RESP came, 0 if the hub closed, -1 if it did neither in time.
 */
static int
replay_init(void)
{
	struct sockaddr_in	 src;
	struct pollfd		 pfd;
	struct framer		 fr;
	const uint8_t		*body;
	uint8_t			 buf[2 + HL_INIT_LEN];
	size_t			 len;
	ssize_t			 n;
	int			 fd, rc = -1, r;
	uint64_t		 end = hl_now_ns() + 5000000000ull;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		die("socket: %s", strerror(errno));
	if (hl.src_count > 0) {
		memset(&src, 0, sizeof(src));
		src.sin_family = AF_INET;
		src.sin_addr.s_addr = htonl(hl.src_base +
		    (captured_node / hl.per_src) % hl.src_count);
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)) == -1)
			die("bind: %s", strerror(errno));
	}
	if (connect(fd, (struct sockaddr *)&hl.hub, sizeof(hl.hub)) == -1)
		die("connect: %s", strerror(errno));
	(void)framer_put_len(buf, HL_INIT_LEN);
	memcpy(buf + 2, captured, HL_INIT_LEN);
	if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
		die("write: %s", strerror(errno));
	(void)framer_init(&fr, HUB_FRAME_MAX);
	while (hl_now_ns() < end) {
		if ((r = framer_next(&fr, &body, &len)) == 1) {
			rc = 1;
			break;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = framer_read_fd(&fr, fd, 0);
		if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
			rc = 0;
			break;
		}
	}
	framer_free(&fr);
	(void)close(fd);
	return rc;
}

/*
 * The captured INIT, count times, one connection after the other: the
 * hub must answer none (each is a replay), and it may refuse most
 * before any Diffie-Hellman (its handshakes per address).
 */
static void
replay_flood(uint32_t count)
{
	uint32_t	 i, answered = 0, closed = 0, neither = 0;
	uint64_t	 t0 = hl_now_ns();
	int		 rc;

	for (i = 0; i < count; i++) {
		rc = replay_init();
		if (rc == 1)
			answered++;
		else if (rc == 0)
			closed++;
		else
			neither++;
	}
	printf("replay %u: %u answered, %u closed, %u neither, in %.2f s\n",
	    count, answered, closed, neither,
	    (double)(hl_now_ns() - t0) / 1e9);
	if (answered > 0)
		wrong("replay %u: the hub answered %u replays", count, answered);
}

/* ---- the benchmark ---------------------------------------------------------- */

struct bench {
	uint32_t		 n;
	double			 x25519;
	struct login_result	 first, late, back;
	long			 rss_idle, rss_on, rss_off;
	long			 each_idle[HL_MAX_PROCS], each_on[HL_MAX_PROCS],
				 each_off[HL_MAX_PROCS];
	double			 join_ms[2], leave_ms[2];
	int			 have[2];
	double			 promote_us, demote_us, evict_us, evict_ms;
	double			 refused_us;
	int			 have_ops;
	uint32_t		 rc_tries, rc_logins;
	uint64_t		 rc_msgs;
	double			 rc_us;
};

/* Authority CPU of one request, us, and its answer's code. */
static double
timed_req(uint32_t node, int op, const char *net, uint32_t key,
    const char *pw, int *code)
{
	uint64_t	 cpu0 = hub_cpu("authority");

	*code = do_req(node, op, net, key, 0, 0, pw, NULL);
	/* The answer is the last thing the request does. */
	return (double)(hub_cpu("authority") - cpu0) / 1e3;
}

/*
 * A network of size members: nodes [0, size - 1) in it, node size - 1
 * the newcomer, whose join and leave are timed from the hub's answer
 * until every member has heard.
 */
static int
bench_net(struct bench *b, int which, uint32_t size)
{
	struct hl_reply	 r;
	char		 net[32];
	uint32_t	 newbie = size - 1;

	(void)snprintf(net, sizeof(net), "hl-fan%u", size);
	if (do_req(0, HUB_OP_CREATE, net, HL_NONE, HUB_TYPE_MESH,
	    HUB_MODE_CLOSED, HL_PASSWORD, NULL) != 0) {
		wrong("bench: cannot create %s", net);
		return -1;
	}
	if (do_invite(0, net, 1, size) == -1 || do_join(net, 1, newbie) == -1) {
		wrong("bench: cannot fill %s", net);
		return -1;
	}
	if (wait_peers(0, newbie, newbie - 1, newbie, 120, &r) == -1) {
		wrong("bench: %s: members see %u..%u peers, not %u", net,
		    r.peers_min, r.peers_max, newbie - 1);
		return -1;
	}
	do_watch(newbie, HL_SEEN_UP);
	if (do_req(newbie, HUB_OP_JOIN, net, HL_NONE, 0, 0, "", NULL) != 0 ||
	    wait_seen(0, newbie, newbie, 60, &r) == -1) {
		wrong("bench: %s: the newcomer's join reached %u of %u", net,
		    r.seen, newbie);
		return -1;
	}
	b->join_ms[which] = ms(r.seen_max - c.last_sent);
	do_watch(newbie, HL_SEEN_DOWN);
	if (do_req(newbie, HUB_OP_LEAVE, net, HL_NONE, 0, 0, "", NULL) != 0 ||
	    wait_seen(0, newbie, newbie, 60, &r) == -1) {
		wrong("bench: %s: the newcomer's leave reached %u of %u", net,
		    r.seen, newbie);
		return -1;
	}
	b->leave_ms[which] = ms(r.seen_max - c.last_sent);
	b->have[which] = 1;
	return 0;
}

/*
 * One member of the 1,000 reconnecting in a loop, each attempt a tick
 * of the TAI64N clock after the last (as fast as a real node could):
 * the logins its key's budget allows, what its peers heard about it,
 * and the authority's CPU per attempt.
 */
#define BENCH_RECONNECTS	20

static void
bench_reconnect(struct bench *b)
{
	struct login_result	 lr;
	struct hl_reply		 r;
	uint32_t		 node = 7, i;
	uint64_t		 cpu0;

	do_watch(node, HL_SEEN_ANY);
	cpu0 = hub_cpu("authority");
	for (i = 0; i < BENCH_RECONNECTS; i++) {
		do_logout(node, node + 1, 1);
		sleep_ms(20);
		do_login(node, node + 1, 1, 10, 0, &lr);
		b->rc_logins += lr.ok;
	}
	b->rc_us = (double)(hub_cpu("authority") - cpu0) / 1e3 /
	    BENCH_RECONNECTS;
	b->rc_tries = BENCH_RECONNECTS;
	sleep_ms(1000);		/* the last login's fan-out */
	do_report(0, hl.nkeys, &r);
	b->rc_msgs = r.about;
}

/* In the 1,000 network: one promote, demote and evict; refused joins. */
static void
bench_ops(struct bench *b, uint32_t size)
{
	struct hl_cmd	 cmd;
	struct hl_reply	 r;
	char		 net[32];
	uint32_t	 newbie = size - 1;
	uint64_t	 cpu0;
	int		 code;

	(void)snprintf(net, sizeof(net), "hl-fan%u", size);
	b->promote_us = timed_req(0, HUB_OP_PROMOTE, net, 5, "", &code);
	b->demote_us = timed_req(0, HUB_OP_DEMOTE, net, 5, "", &code);
	do_watch(6, HL_SEEN_DOWN);
	b->evict_us = timed_req(0, HUB_OP_EVICT, net, 6, "", &code);
	if (code == 0 && wait_seen(0, newbie, newbie - 2, 60, &r) == 0)
		b->evict_ms = ms(r.seen_max - c.last_sent);
	/* Use up the newcomer's password budget, then time refusals. */
	memset(&cmd, 0, sizeof(cmd));
	cmd.op = HL_SPAM;
	cmd.a = newbie;
	cmd.key = HL_NONE;
	cmd.req_op = HUB_OP_JOIN;
	cmd.count = 12;
	cmd.timeout_ms = 120000;
	(void)snprintf(cmd.net, sizeof(cmd.net), "%s", net);
	(void)snprintf(cmd.password, sizeof(cmd.password), "wrong-password");
	run_one(&cmd, &r);
	cmd.count = 200;
	cpu0 = hub_cpu("authority");
	run_one(&cmd, &r);
	b->refused_us = (double)(hub_cpu("authority") - cpu0) / 1e3 /
	    cmd.count;
	if (r.eagain != cmd.count)
		printf("# refused joins: %u of %u over the rate\n", r.eagain,
		    cmd.count);
	b->have_ops = 1;
	bench_reconnect(b);
	(void)do_req(0, HUB_OP_DELETE, net, HL_NONE, 0, 0, "", NULL);
}

static void
bench_print(const struct bench *b)
{
	int	 i;

	printf("| what | N = %u |\n|---|---|\n", b->n);
	printf("| one X25519 (this run, generator) | %.1f us |\n", b->x25519);
	printf("| new nodes: logins/s (all %u at once; tried again) | %.0f "
	    "(%u) |\n", b->n, b->first.rate, b->first.retries);
	printf("| new node login, %u stored: latency / authority CPU | "
	    "%.2f ms / %.0f us |\n", b->n, b->late.lat_ms, b->late.auth_us);
	printf("| returning logins/s (tried again) | %.0f (%u) |\n",
	    b->back.rate, b->back.retries);
	printf("| returning login: authority CPU (x 5 X25519) | %.0f us "
	    "(%.2fx) |\n", b->back.auth_us, b->back.auth_us /
	    (5 * b->x25519));
	printf("| memory per online node, all hub processes | %.2f KiB |\n",
	    (double)(b->rss_on - b->rss_idle) / b->n);
	printf("| hub RSS idle / %u online / after they left | %ld / %ld / "
	    "%ld KiB |\n", b->n, b->rss_idle, b->rss_on, b->rss_off);
	for (i = 0; i < c.nprocs; i++)
		printf("| - %s (pid %d) | %ld / %ld / %ld KiB |\n",
		    c.procs[i].name, (int)c.procs[i].pid, b->each_idle[i],
		    b->each_on[i], b->each_off[i]);
	if (b->have[0])
		printf("| newcomer joins 100 online: all told / leave (from the request) | "
		    "%.1f / %.1f ms |\n", b->join_ms[0], b->leave_ms[0]);
	if (b->have[1])
		printf("| newcomer joins 1,000 online: all told / leave (from the request) | "
		    "%.1f / %.1f ms |\n", b->join_ms[1], b->leave_ms[1]);
	if (b->have_ops) {
		printf("| PROMOTE / DEMOTE / EVICT, 1,000 online: authority "
		    "CPU | %.0f / %.0f / %.0f us |\n", b->promote_us,
		    b->demote_us, b->evict_us);
		printf("| EVICT: every member told | %.1f ms |\n",
		    b->evict_ms);
		printf("| JOIN refused over the rate: authority CPU | %.1f us "
		    "|\n", b->refused_us);
		printf("| one member reconnecting %u times, 998 peers online: "
		    "logins let in / messages to its peers / authority CPU "
		    "per attempt | %u / %llu / %.0f us |\n", b->rc_tries,
		    b->rc_logins, (unsigned long long)b->rc_msgs, b->rc_us);
	}
}

/*
 * The hub has work left after the generator closed the last connection
 * (100,000 closes and their last_seen): wait until the authority is
 * idle, under 5% of a core over half a second (60 s at most), and then
 * for its memory to be given back (it trims once a second).
 */
static void
wait_quiet(void)
{
	uint64_t	 end = hl_now_ns() + 60000000000ull, c0;

	do {
		c0 = hub_cpu("authority");
		sleep_ms(500);
	} while (hub_cpu("authority") - c0 > 25000000ull &&
	    hl_now_ns() < end);
	sleep_ms(1500);
}

static uint64_t	 phase_t0;

static void
phase(const char *what)
{
	uint64_t	 now = hl_now_ns();

	if (phase_t0 != 0)
		printf("# bench: ... %.1f s\n", (double)(now - phase_t0) / 1e9);
	if (what != NULL)
		printf("# bench: %s\n", what);
	phase_t0 = now;
}

static void
bench(void)
{
	struct bench	 b;
	uint32_t	 n;

	if (hl.nkeys <= BENCH_SPARE)
		die("bench: -n must leave %d spare keys", BENCH_SPARE);
	memset(&b, 0, sizeof(b));
	n = b.n = hl.nkeys - BENCH_SPARE;
	b.x25519 = x25519_cost();
	b.rss_idle = hub_rss(b.each_idle);
	printf("# bench: %u new nodes log in\n", n);
	phase_t0 = hl_now_ns();
	do_login(0, n, 128, 900, 1, &b.first);
	if (b.first.ok != n)
		wrong("bench: %u of %u logged in (%u refused, %u failed)",
		    b.first.ok, n, b.first.refused, b.first.failed);
	sleep_ms(1000);		/* the last logins' fan-out */
	b.rss_on = hub_rss(b.each_on);
	phase("new nodes one at a time");
	do_login_serial(n, n + BENCH_LATE, &b.late);
	do_logout(0, n + BENCH_LATE, 0);
	wait_quiet();
	b.rss_off = hub_rss(b.each_off);
	phase("the nodes log in again");
	do_login(0, n, 128, 900, 1, &b.back);
	if (b.back.ok != n)
		wrong("bench: %u of %u logged in again", b.back.ok, n);
	if (n >= 100) {
		phase("a network of 100");
		(void)bench_net(&b, 0, 100);
		(void)do_req(0, HUB_OP_DELETE, "hl-fan100", HL_NONE, 0, 0, "",
		    NULL);
	}
	if (n >= 1000) {
		phase("a network of 1,000");
		if (bench_net(&b, 1, 1000) == 0) {
			phase("promote, demote, evict, refused joins");
			bench_ops(&b, 1000);
		}
	}
	phase(NULL);
	bench_print(&b);
}

/* ---- steps ------------------------------------------------------------------- */

static void
print_login(const char *what, uint32_t a, uint32_t b,
    const struct login_result *lr)
{
	printf("%s %u-%u: %u ok, %u refused, %u failed, %u tried again; "
	    "%.0f/s, %.2f ms each, authority %.0f us each\n", what, a, b,
	    lr->ok, lr->refused, lr->failed, lr->retries, lr->rate, lr->lat_ms,
	    lr->auth_us);
}

/* Log in [a, b) again after the hub restarts, retrying until deadline. */
static void
restart_wait(uint32_t a, uint32_t b, unsigned timeout_s)
{
	struct hl_reply		 r;
	struct login_result	 lr;
	uint64_t		 end;
	uint32_t		 before = c.addr_changed;

	printf("hubload: restart the hub now\n");
	fflush(stdout);
	end = hl_now_ns() + (uint64_t)timeout_s * 1000000000ull;
	do {
		sleep_ms(100);
		do_report(a, b, &r);
	} while (r.online > 0 && hl_now_ns() < end);
	if (r.online > 0) {
		wrong("restart-wait: the hub did not go away");
		return;
	}
	printf("restart-wait: every node lost the hub\n");
	for (;;) {
		do_login(a, b, 64, 10, 1, &lr);
		do_report(a, b, &r);
		if (r.online == b - a || hl_now_ns() > end)
			break;
		sleep_ms(500);
	}
	if (r.online != b - a)
		wrong("restart-wait: %u of %u back online", r.online, b - a);
	else
		printf("restart-wait: %u nodes back online\n", r.online);
	if (c.addr_changed != before)
		wrong("restart-wait: %u nodes got another address",
		    c.addr_changed - before);
}

/* Another process's word that it is done: a file, made. */
static int
wait_file(const char *path, unsigned timeout_s)
{
	uint64_t	 end = hl_now_ns() + (uint64_t)timeout_s * 1000000000ull;

	while (access(path, F_OK) == -1) {
		if (hl_now_ns() > end)
			return -1;
		sleep_ms(50);
	}
	return 0;
}

static void
step_spam(char **v, int n)
{
	struct hl_cmd	 cmd;
	struct hl_reply	 r;
	char		*slash, *dash;
	uint64_t	 cpu0;
	uint32_t	 end = 0;

	if (n < 6)
		die("spam NODE[-END] OP[/OP] NET KEY COUNT [PASSWORD]");
	memset(&cmd, 0, sizeof(cmd));
	cmd.op = HL_SPAM;
	/* A range: every node of it at once, each from its own worker. */
	if ((dash = strchr(v[1], '-')) != NULL) {
		*dash = '\0';
		end = num(dash + 1);
	}
	cmd.a = num(v[1]);
	if (dash == NULL)
		end = cmd.a + 1;
	if (end <= cmd.a)
		die("spam: an empty range of nodes");
	if ((slash = strchr(v[2], '/')) != NULL) {
		*slash = '\0';
		cmd.req_op2 = (uint8_t)op_parse(slash + 1);
	}
	cmd.req_op = (uint8_t)op_parse(v[2]);
	(void)snprintf(cmd.net, sizeof(cmd.net), "%s", v[3]);
	cmd.key = strcmp(v[4], "-") == 0 ? HL_NONE : num(v[4]);
	cmd.count = num(v[5]);
	cmd.timeout_ms = 300000;
	if (n > 6)
		(void)snprintf(cmd.password, sizeof(cmd.password), "%s", v[6]);
	cpu0 = hub_cpu("authority");
	run_each(&cmd, cmd.a, end, &r);
	printf("spam %s: %u ok, %u over the rate, %u refused, %u unanswered "
	    "in %.2f s; authority %.0f us each; %u of them hub busy\n", v[2],
	    r.ok, r.eagain, r.refused, r.failed,
	    (double)(r.t_last - r.t_first) / 1e9, cmd.count ?
	    (double)(hub_cpu("authority") - cpu0) / 1e3 / cmd.count /
	    (end - cmd.a) : 0.0, r.ebusy);
}

static void
step_reconnect(uint32_t node, uint32_t count)
{
	struct login_result	 lr;
	uint32_t		 i, ok = 0, refused = 0, failed = 0;

	for (i = 0; i < count; i++) {
		do_logout(node, node + 1, 1);
		/*
		 * Past the tick of the TAI64N clock (2^24 ns), as hamd is:
		 * an INIT in the same tick as the last is a replay to the
		 * hub, refused before any login budget is asked.
		 */
		sleep_ms(20);
		do_login(node, node + 1, 1, 10, 0, &lr);
		ok += lr.ok;
		refused += lr.refused;
		failed += lr.failed;
	}
	printf("reconnect %u: %u logins, %u refused, %u failed\n", node, ok,
	    refused, failed);
}

void
step(const char *line)
{
	char		 buf[512], *v[MAXWORDS], *p;
	struct hl_reply	 r;
	struct login_result lr;
	struct hl_cmd	 cmd;
	int		 n = 0, code, kind;
	uint32_t	 a, b;

	(void)snprintf(buf, sizeof(buf), "%s", line);
	for (p = strtok(buf, " "); p != NULL && n < MAXWORDS;
	    p = strtok(NULL, " "))
		v[n++] = p;
	if (n == 0)
		return;
	if (hl.verbose)
		printf("# step: %s\n", line);
#define NEED(k, usage) do { if (n < (k)) die("usage: %s", usage); } while (0)
	if (strcmp(v[0], "bench") == 0) {
		bench();
	} else if (strcmp(v[0], "login") == 0 ||
	    strcmp(v[0], "try-login") == 0) {
		NEED(3, "login A B [CONC [TIMEOUT]]");
		a = num(v[1]);
		b = num(v[2]);
		do_login(a, b, n > 3 ? num(v[3]) : 64, n > 4 ? num(v[4]) : 300,
		    v[0][0] == 'l', &lr);
		print_login(v[0], a, b, &lr);
		if (v[0][0] == 'l' && lr.ok != b - a)
			wrong("login: %u of %u logged in", lr.ok, b - a);
	} else if (strcmp(v[0], "login-serial") == 0) {
		NEED(3, "login-serial A B");
		a = num(v[1]);
		b = num(v[2]);
		do_login_serial(a, b, &lr);
		print_login(v[0], a, b, &lr);
	} else if (strcmp(v[0], "logout") == 0 || strcmp(v[0], "drop") == 0) {
		NEED(3, "logout A B");
		do_logout(num(v[1]), num(v[2]), v[0][0] == 'd');
		printf("%s %s-%s\n", v[0], v[1], v[2]);
	} else if (strcmp(v[0], "create") == 0) {
		NEED(3, "create NODE NET [TYPE] [MODE]");
		code = do_req(num(v[1]), HUB_OP_CREATE, v[2], HL_NONE,
		    n > 3 ? hub_type_parse(v[3]) : HUB_TYPE_MESH,
		    n > 4 ? hub_mode_parse(v[4]) : HUB_MODE_CLOSED,
		    HL_PASSWORD, &r);
		printf("create %s: %d %s\n", v[2], code, r.msg);
		if (code != 0)
			wrong("create %s failed", v[2]);
	} else if (strcmp(v[0], "invite") == 0) {
		NEED(5, "invite NODE NET A B");
		if (do_invite(num(v[1]), v[2], num(v[3]), num(v[4])) == -1)
			wrong("invite into %s failed", v[2]);
		printf("invite %s-%s into %s\n", v[3], v[4], v[2]);
	} else if (strcmp(v[0], "join") == 0) {
		NEED(4, "join NET A B");
		if (do_join(v[1], num(v[2]), num(v[3])) == -1)
			wrong("join %s failed", v[1]);
		printf("join %s-%s into %s\n", v[2], v[3], v[1]);
	} else if (strcmp(v[0], "req") == 0) {
		NEED(4, "req NODE OP NET [KEY|-] [CODE]");
		code = do_req(num(v[1]), op_parse(v[2]), v[3],
		    n > 4 && strcmp(v[4], "-") != 0 ? num(v[4]) : HL_NONE,
		    0, 0, HL_PASSWORD, &r);
		printf("req %s %s: %d %s\n", v[2], v[3], code, r.msg);
		if (n > 5 && code != atoi(v[5]))
			wrong("req %s %s: code %d, not %s", v[2], v[3], code,
			    v[5]);
	} else if (strcmp(v[0], "spam") == 0) {
		step_spam(v, n);
	} else if (strcmp(v[0], "expect-peers") == 0) {
		NEED(4, "expect-peers A B COUNT [TIMEOUT]");
		a = num(v[1]);
		b = num(v[2]);
		if (wait_peers(a, b, num(v[3]), b - a, n > 4 ? num(v[4]) : 60,
		    &r) == -1)
			wrong("expect-peers %u-%u: %u online, seeing %u..%u "
			    "peers, not %s", a, b, r.online, r.peers_min,
			    r.peers_max, v[3]);
		else
			printf("expect-peers %u-%u: all %u see %s peers\n", a,
			    b, r.online, v[3]);
	} else if (strcmp(v[0], "watch") == 0) {
		NEED(3, "watch KEY up|down|any");
		kind = strcmp(v[2], "up") == 0 ? HL_SEEN_UP :
		    strcmp(v[2], "down") == 0 ? HL_SEEN_DOWN : HL_SEEN_ANY;
		do_watch(num(v[1]), kind);
		printf("watch %s %s\n", v[1], v[2]);
	} else if (strcmp(v[0], "expect-seen") == 0) {
		NEED(4, "expect-seen A B COUNT [TIMEOUT]");
		a = num(v[1]);
		b = num(v[2]);
		if (wait_seen(a, b, num(v[3]), n > 4 ? num(v[4]) : 30, &r) == -1)
			wrong("expect-seen %u-%u: %u heard, not %s", a, b,
			    r.seen, v[3]);
		else
			printf("expect-seen %u-%u: %u heard, the last %.1f ms "
			    "after the answer\n", a, b, r.seen,
			    r.seen_max > c.last_resp ?
			    ms(r.seen_max - c.last_resp) : 0.0);
	} else if (strcmp(v[0], "expect-about") == 0) {
		do_report(0, hl.nkeys, &r);
		printf("expect-about: %llu messages about the watched key\n",
		    (unsigned long long)r.about);
		if (n > 1 && r.about > num(v[1]))
			wrong("expect-about: %llu messages, more than %s",
			    (unsigned long long)r.about, v[1]);
	} else if (strcmp(v[0], "reconnect") == 0) {
		NEED(3, "reconnect NODE COUNT");
		step_reconnect(num(v[1]), num(v[2]));
	} else if (strcmp(v[0], "capture") == 0) {
		NEED(2, "capture NODE");
		memset(&cmd, 0, sizeof(cmd));
		cmd.op = HL_LOGIN;
		cmd.a = cmd.key = num(v[1]);
		cmd.b = cmd.a + 1;
		cmd.flags = HL_CAPTURE;
		cmd.conc = 1;
		cmd.timeout_ms = 10000;
		run_one(&cmd, &r);
		if (r.ok != 1 || r.init[0] != 1)
			wrong("capture %s: no login", v[1]);
		memcpy(captured, r.init, sizeof(captured));
		captured_node = cmd.a;
		printf("capture %s: logged in, INIT kept\n", v[1]);
	} else if (strcmp(v[0], "replay") == 0 && n > 1) {
		if (captured_node == HL_NONE)
			die("replay needs a capture first");
		replay_flood(num(v[1]));
	} else if (strcmp(v[0], "replay") == 0) {
		if (captured_node == HL_NONE)
			die("replay needs a capture first");
		code = replay_init();
		printf("replay: %s\n", code == 1 ? "the hub answered" :
		    code == 0 ? "the hub closed without an answer" :
		    "no answer and no close");
		if (code != 0)
			wrong("replay: a replayed INIT was not refused");
	} else if (strcmp(v[0], "restart-wait") == 0) {
		NEED(4, "restart-wait A B TIMEOUT");
		restart_wait(num(v[1]), num(v[2]), num(v[3]));
	} else if (strcmp(v[0], "report") == 0) {
		NEED(3, "report A B");
		do_report(num(v[1]), num(v[2]), &r);
		printf("report %s-%s: %u online, peers %u..%u, %llu frames\n",
		    v[1], v[2], r.online, r.peers_min, r.peers_max,
		    (unsigned long long)r.frames);
	} else if (strcmp(v[0], "cands") == 0) {
		NEED(3, "cands NODE COUNT");
		memset(&cmd, 0, sizeof(cmd));
		cmd.op = HL_CANDS;
		cmd.a = num(v[1]);
		cmd.count = num(v[2]);
		run_one(&cmd, &r);
		printf("cands %s: %u lists sent\n", v[1], r.ok);
		if (r.ok != cmd.count)
			wrong("cands %s: %u of %u sent", v[1], r.ok, cmd.count);
	} else if (strcmp(v[0], "sleep") == 0) {
		NEED(2, "sleep MS");
		sleep_ms(num(v[1]));
	} else if (strcmp(v[0], "wait-file") == 0) {
		NEED(3, "wait-file PATH TIMEOUT");
		if (wait_file(v[1], num(v[2])) == -1)
			wrong("wait-file %s: not there after %s s", v[1], v[2]);
		else
			printf("wait-file %s: there\n", v[1]);
	} else
		die("unknown step %s", v[0]);
#undef NEED
}
