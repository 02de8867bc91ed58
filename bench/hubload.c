/*
 * hubload: a load generator for hamhubd (see hubload.h and
 * bench/README.md).  This file is the coordinator: options, the nodes'
 * keys, the workers, the steps a test or benchmark asks for, and the
 * measurements of the hub's processes (CPU time from
 * /proc/PID/schedstat, memory from /proc/PID/status).
 *
 *   hubload -c ADDR:PORT -k HUBKEY -n NODES [-w WORKERS] [-s ADDR/COUNT]
 *           [-a PER_ADDR] [-S SEED] [-p NAME=PID ...] [-i PING_S] [-v]
 *           STEP ...
 *
 * Each STEP is one argument, words separated by spaces; the steps run
 * in order and each prints one line.  A step that checks something and
 * finds it wrong prints "hubload: WRONG: ..." and makes the exit status
 * 1; 2 means the generator could not run.
 */
#include "autoconf.h"

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "bench/hubload.h"
#include "crypto/key.h"
#include "proto/framer.h"
#include "proto/hubchan.h"
#include "proto/hubproto.h"

struct hl_global	 hl;
struct hl_coord		 c;

void
wrong(const char *fmt, ...)
{
	va_list	 ap;

	printf("hubload: WRONG: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	c.wrong = 1;
}

void
die(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "hubload: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(2);
}

uint64_t
hl_now_ns(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void
sleep_ms(unsigned ms)
{
	struct timespec	 ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* ---- keys ------------------------------------------------------------------ */

static uint32_t
key_hash(const uint8_t pub[32])
{
	uint32_t	 v;

	memcpy(&v, pub, sizeof(v));	/* public keys are uniform already */
	return v & (hl.nslot - 1);
}

uint32_t
hl_key_index(const uint8_t pub[32])
{
	uint32_t	 h = key_hash(pub), s;

	while ((s = hl.slot[h]) != 0) {
		if (memcmp(hl.pub[s - 1], pub, 32) == 0)
			return s - 1;
		h = (h + 1) & (hl.nslot - 1);
	}
	return HL_NONE;
}

/*
 * Node i's key follows from the seed and i, so that separate runs (a
 * test's steps, a hub restart) see the same nodes come back.
 */
static void
keys_make(void)
{
	uint8_t		 in[80];
	uint32_t	 i, h;
	size_t		 sl = strlen(c.seed);

	hl.priv = calloc(hl.nkeys, 32);
	hl.pub = calloc(hl.nkeys, 32);
	for (hl.nslot = 16; hl.nslot < hl.nkeys * 2; hl.nslot *= 2)
		;
	hl.slot = calloc(hl.nslot, sizeof(*hl.slot));
	if (hl.priv == NULL || hl.pub == NULL || hl.slot == NULL)
		die("out of memory");
	memcpy(in, c.seed, sl);
	for (i = 0; i < hl.nkeys; i++) {
		memcpy(in + sl, &i, sizeof(i));
		(void)crypto_generichash(hl.priv[i], 32, in, sl + sizeof(i),
		    NULL, 0);
		if (key_public(hl.pub[i], hl.priv[i]) == -1)
			die("key %u has a low-order public key", i);
		for (h = key_hash(hl.pub[i]); hl.slot[h] != 0;
		    h = (h + 1) & (hl.nslot - 1))
			;
		hl.slot[h] = i + 1;
	}
}

/* This thread's CPU time, ns: what the hub's is compared with. */
static uint64_t
cpu_ns(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * CPU time, not wall time, as for the hub's processes (schedstat): a
 * loaded machine stretches neither.  The least of a few rounds.
 */
double
x25519_cost(void)
{
	uint8_t		 q[32], n[32], p[32];
	uint64_t	 t0, best = UINT64_MAX;
	int		 i, round, rounds = 500;

	randombytes_buf(n, sizeof(n));
	(void)crypto_scalarmult_base(p, n);
	for (round = 0; round < 5; round++) {
		t0 = cpu_ns();
		for (i = 0; i < rounds; i++) {
			if (crypto_scalarmult(q, n, p) != 0)
				die("crypto_scalarmult");
			p[0] ^= q[1];
		}
		if (cpu_ns() - t0 < best)
			best = cpu_ns() - t0;
	}
	return (double)best / rounds / 1000.0;
}

/* ---- the hub's processes ------------------------------------------------ */

static uint64_t
proc_cpu_ns(pid_t pid)
{
	char			 path[64];
	unsigned long long	 ns = 0;
	FILE			*f;

	(void)snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	(void)fclose(f);
	return ns;
}

static long
proc_rss_kb(pid_t pid)
{
	char	 path[64], line[256];
	long	 kb = -1;
	FILE	*f;

	(void)snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	(void)fclose(f);
	return kb;
}

uint64_t
hub_cpu(const char *prefix)
{
	uint64_t	 ns = 0;
	int		 i;

	for (i = 0; i < c.nprocs; i++)
		if (strncmp(c.procs[i].name, prefix, strlen(prefix)) == 0)
			ns += proc_cpu_ns(c.procs[i].pid);
	return ns;
}

long
hub_rss(long each[HL_MAX_PROCS])
{
	long	 sum = 0, kb;
	int	 i;

	for (i = 0; i < c.nprocs; i++) {
		kb = proc_rss_kb(c.procs[i].pid);
		if (each != NULL)
			each[i] = kb;
		if (kb > 0)
			sum += kb;
	}
	return sum;
}

/* ---- workers ----------------------------------------------------------- */

static void
workers_start(void)
{
	int	 i, sv[2];
	pid_t	 pid;

	for (i = 0; i < hl.nworkers; i++) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
		    sv) == -1)
			die("socketpair: %s", strerror(errno));
		fflush(stdout);
		if ((pid = fork()) == -1)
			die("fork: %s", strerror(errno));
		if (pid == 0) {
			(void)close(sv[0]);
			(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
			hl_worker_run(i, sv[1]);
		}
		(void)close(sv[1]);
		c.fd[i] = sv[0];
		c.pid[i] = pid;
	}
}

static void
workers_stop(void)
{
	struct hl_cmd	 cmd;
	int		 i;

	memset(&cmd, 0, sizeof(cmd));
	cmd.op = HL_QUIT;
	for (i = 0; i < hl.nworkers; i++) {
		if (write(c.fd[i], &cmd, sizeof(cmd)) == -1)
			fprintf(stderr, "hubload: worker %d: %s\n", i,
			    strerror(errno));
		(void)close(c.fd[i]);
	}
	for (i = 0; i < hl.nworkers; i++)
		(void)waitpid(c.pid[i], NULL, 0);
}

static void
send_cmd(int wk, const struct hl_cmd *cmd)
{
	if (write(c.fd[wk], cmd, sizeof(*cmd)) != (ssize_t)sizeof(*cmd))
		die("worker %d: %s", wk, strerror(errno));
}

static void
recv_reply(int wk, struct hl_reply *r)
{
	ssize_t	 n = read(c.fd[wk], r, sizeof(*r));

	if (n != (ssize_t)sizeof(*r))
		die("worker %d went away", wk);
}

static void
sum_reply(struct hl_reply *t, const struct hl_reply *r)
{
	t->ok += r->ok;
	t->failed += r->failed;
	t->refused += r->refused;
	t->eagain += r->eagain;
	t->ebusy += r->ebusy;
	t->retries += r->retries;
	t->lat_sum += r->lat_sum;
	t->addr_changed += r->addr_changed;
	t->online += r->online;
	t->seen += r->seen;
	t->frames += r->frames;
	t->about += r->about;
	if (r->t_first != 0 && (t->t_first == 0 || r->t_first < t->t_first))
		t->t_first = r->t_first;
	if (r->t_last > t->t_last)
		t->t_last = r->t_last;
	if (r->online > 0 && (t->peers_min == UINT32_MAX ||
	    r->peers_min < t->peers_min))
		t->peers_min = r->peers_min;
	if (r->peers_max > t->peers_max)
		t->peers_max = r->peers_max;
	if (r->seen_min != 0 && (t->seen_min == 0 || r->seen_min < t->seen_min))
		t->seen_min = r->seen_min;
	if (r->seen_max > t->seen_max)
		t->seen_max = r->seen_max;
	if (r->t_resp != 0) {
		t->t_resp = r->t_resp;
		t->t_sent = r->t_sent;
		t->code = r->code;
		memcpy(t->msg, r->msg, sizeof(t->msg));
	}
	if (r->init[0] != 0)
		memcpy(t->init, r->init, sizeof(t->init));
}

/* A command to every worker at once; their replies summed. */
void
run_all(const struct hl_cmd *cmd, struct hl_reply *t)
{
	struct hl_reply	 r;
	int		 i;

	memset(t, 0, sizeof(*t));
	t->peers_min = UINT32_MAX;
	for (i = 0; i < hl.nworkers; i++)
		send_cmd(i, cmd);
	for (i = 0; i < hl.nworkers; i++) {
		recv_reply(i, &r);
		sum_reply(t, &r);
	}
	if (t->peers_min == UINT32_MAX)
		t->peers_min = 0;
}

/*
 * The same command for each node of [a, b) at once, each to its own
 * worker (there must be enough of them: -w); their replies summed.
 */
void
run_each(const struct hl_cmd *cmd, uint32_t a, uint32_t b, struct hl_reply *t)
{
	struct hl_cmd	 one = *cmd;
	struct hl_reply	 r;
	uint32_t	 i;

	if (b - a > (uint32_t)hl.nworkers)
		die("%u nodes at once need as many workers (-w)", b - a);
	memset(t, 0, sizeof(*t));
	t->peers_min = UINT32_MAX;
	for (i = a; i < b; i++) {
		one.a = i;
		send_cmd((int)(i % (uint32_t)hl.nworkers), &one);
	}
	for (i = a; i < b; i++) {
		recv_reply((int)(i % (uint32_t)hl.nworkers), &r);
		sum_reply(t, &r);
	}
	if (t->peers_min == UINT32_MAX)
		t->peers_min = 0;
}

/* A command for node a, to its worker alone. */
void
run_one(const struct hl_cmd *cmd, struct hl_reply *t)
{
	int	 wk = (int)(cmd->a % (uint32_t)hl.nworkers);

	memset(t, 0, sizeof(*t));
	send_cmd(wk, cmd);
	recv_reply(wk, t);
}

/* ---- steps ----------------------------------------------------------------- */

void
do_login(uint32_t a, uint32_t b, uint32_t conc, uint32_t timeout_s,
    int retry, struct login_result *lr)
{
	struct hl_cmd	 cmd;
	struct hl_reply	 r;
	uint64_t	 cpu0 = hub_cpu("authority");

	memset(&cmd, 0, sizeof(cmd));
	cmd.op = HL_LOGIN;
	cmd.a = a;
	cmd.b = b;
	cmd.conc = conc;
	cmd.timeout_ms = timeout_s * 1000;
	cmd.flags = retry ? HL_RETRY : 0;
	run_all(&cmd, &r);
	memset(lr, 0, sizeof(*lr));
	lr->ok = r.ok;
	lr->retries = r.retries;
	lr->refused = r.refused;
	lr->failed = r.failed;
	lr->secs = (double)(r.t_last - r.t_first) / 1e9;
	lr->rate = lr->secs > 0 ? r.ok / lr->secs : 0;
	lr->lat_ms = r.ok ? (double)r.lat_sum / r.ok / 1e6 : 0;
	lr->auth_us = r.ok ? (double)(hub_cpu("authority") - cpu0) / r.ok /
	    1e3 : 0;
	c.addr_changed += r.addr_changed;
}

/* One node at a time, one after the other: latency without queueing. */
void
do_login_serial(uint32_t a, uint32_t b, struct login_result *lr)
{
	struct hl_cmd	 cmd;
	struct hl_reply	 r;
	uint64_t	 cpu0 = hub_cpu("authority"), lat = 0;
	uint32_t	 i;

	memset(lr, 0, sizeof(*lr));
	memset(&cmd, 0, sizeof(cmd));
	cmd.op = HL_LOGIN;
	cmd.conc = 1;
	cmd.timeout_ms = 30000;
	for (i = a; i < b; i++) {
		cmd.a = i;
		cmd.b = i + 1;
		run_one(&cmd, &r);
		lr->ok += r.ok;
		lr->refused += r.refused;
		lr->failed += r.failed;
		lat += r.lat_sum;
	}
	lr->lat_ms = lr->ok ? (double)lat / lr->ok / 1e6 : 0;
	lr->auth_us = lr->ok ? (double)(hub_cpu("authority") - cpu0) /
	    lr->ok / 1e3 : 0;
}

void
do_logout(uint32_t a, uint32_t b, int drop)
{
	struct hl_cmd	 cmd;
	struct hl_reply	 r;

	memset(&cmd, 0, sizeof(cmd));
	cmd.op = HL_LOGOUT;
	cmd.a = a;
	cmd.b = b;
	cmd.flags = drop;
	run_all(&cmd, &r);
}

/* A request from node; its answer's code, or -1 (no answer). */
int
do_req(uint32_t node, int op, const char *net, uint32_t key, int type,
    int mode, const char *password, struct hl_reply *r)
{
	struct hl_cmd	 cmd;
	struct hl_reply	 tmp;

	if (r == NULL)
		r = &tmp;
	memset(&cmd, 0, sizeof(cmd));
	cmd.op = HL_REQ;
	cmd.a = node;
	cmd.key = key;
	cmd.req_op = (uint8_t)op;
	cmd.type = (uint8_t)type;
	cmd.mode = (uint8_t)mode;
	cmd.timeout_ms = 60000;
	(void)snprintf(cmd.net, sizeof(cmd.net), "%s", net);
	(void)snprintf(cmd.password, sizeof(cmd.password), "%s", password);
	run_one(&cmd, r);
	c.last_sent = r->t_sent;
	c.last_resp = r->t_resp;
	c.last_code = r->failed ? -1 : r->code;
	if (hl.verbose)
		printf("# request %s from %u: %d %s\n", hub_op_name(op), node,
		    c.last_code, r->msg);
	return c.last_code;
}

/*
 * Node owner invites [a, b) into net.  Requests over the owner's share
 * (EAGAIN) are made again after a pause: the hub's limits hold for
 * benchmarks too.
 */
int
do_invite(uint32_t owner, const char *net, uint32_t a, uint32_t b)
{
	struct hl_cmd	 cmd;
	struct hl_reply	 r;

	memset(&cmd, 0, sizeof(cmd));
	cmd.op = HL_INVITE;
	cmd.a = owner;
	cmd.key = a;
	cmd.count = b - a;
	cmd.timeout_ms = 600000;
	(void)snprintf(cmd.net, sizeof(cmd.net), "%s", net);
	run_one(&cmd, &r);
	return r.failed > 0 || r.ok + r.refused != b - a ? -1 : 0;
}

int
do_join(const char *net, uint32_t a, uint32_t b)
{
	struct hl_cmd	 cmd;
	struct hl_reply	 r;

	memset(&cmd, 0, sizeof(cmd));
	cmd.op = HL_JOIN;
	cmd.a = a;
	cmd.b = b;
	cmd.timeout_ms = 120000;
	(void)snprintf(cmd.net, sizeof(cmd.net), "%s", net);
	run_all(&cmd, &r);
	if (r.ok != b - a)
		printf("# join %s: %u ok, %u refused, %u busy, %u failed\n",
		    net, r.ok, r.refused, r.eagain, r.failed);
	return r.ok == b - a ? 0 : -1;
}

void
do_watch(uint32_t key, int kind)
{
	struct hl_cmd	 cmd;
	struct hl_reply	 r;

	memset(&cmd, 0, sizeof(cmd));
	cmd.op = HL_WATCH;
	cmd.key = key;
	cmd.flags = kind;
	run_all(&cmd, &r);
}

void
do_report(uint32_t a, uint32_t b, struct hl_reply *r)
{
	struct hl_cmd	 cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.op = HL_REPORT;
	cmd.a = a;
	cmd.b = b;
	run_all(&cmd, r);
}

/*
 * Wait until every online node of [a, b) sees want peers online (and
 * there are online of them, if online is not 0).  0 when it happened.
 */
int
wait_peers(uint32_t a, uint32_t b, uint32_t want, uint32_t online,
    unsigned timeout_s, struct hl_reply *r)
{
	uint64_t	 end = hl_now_ns() + (uint64_t)timeout_s * 1000000000ull;

	for (;;) {
		do_report(a, b, r);
		if (r->peers_min == want && r->peers_max == want &&
		    (online == 0 || r->online == online))
			return 0;
		if (hl_now_ns() > end)
			return -1;
		sleep_ms(50);
	}
}

/* Wait until count nodes of [a, b) heard the watched key. */
int
wait_seen(uint32_t a, uint32_t b, uint32_t count, unsigned timeout_s,
    struct hl_reply *r)
{
	uint64_t	 end = hl_now_ns() + (uint64_t)timeout_s * 1000000000ull;

	for (;;) {
		do_report(a, b, r);
		if (r->seen >= count)
			return 0;
		if (hl_now_ns() > end)
			return -1;
		sleep_ms(20);
	}
}

uint32_t
num(const char *s)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > UINT32_MAX)
		die("not a number: %s", s);
	return (uint32_t)v;
}

/* ---- main ------------------------------------------------------------------- */

static void
usage(void)
{
	fprintf(stderr, "usage: hubload -c ADDR:PORT -k HUBKEY -n NODES "
	    "[-w WORKERS] [-s ADDR/COUNT] [-a PER_ADDR]\n"
	    "               [-S SEED] [-p NAME=PID ...] [-i PING_S] [-v] "
	    "STEP ...\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	char	*p, addr[64];
	int	 ch, i, port;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sodium_init() < 0)
		die("sodium_init");
	(void)snprintf(c.seed, sizeof(c.seed), "hubload");
	hl.per_src = 8;
	hl.ping_s = 30;
	while ((ch = getopt(argc, argv, "a:c:i:k:n:p:s:S:vw:")) != -1) {
		switch (ch) {
		case 'a':
			hl.per_src = num(optarg);
			break;
		case 'c':
			(void)snprintf(addr, sizeof(addr), "%s", optarg);
			if ((p = strrchr(addr, ':')) == NULL)
				usage();
			*p++ = '\0';
			port = (int)num(p);
			hl.hub.sin_family = AF_INET;
			hl.hub.sin_port = htons((uint16_t)port);
			if (inet_pton(AF_INET, addr, &hl.hub.sin_addr) != 1)
				die("not an IPv4 address: %s", addr);
			break;
		case 'i':
			hl.ping_s = (int)num(optarg);
			break;
		case 'k':
			if (key_from_base64(hl.hub_pub, optarg) == -1)
				die("not a key: %s", optarg);
			break;
		case 'n':
			hl.nkeys = num(optarg);
			break;
		case 'p':
			if (c.nprocs == HL_MAX_PROCS ||
			    (p = strchr(optarg, '=')) == NULL)
				usage();
			(void)snprintf(c.procs[c.nprocs].name,
			    sizeof(c.procs[c.nprocs].name), "%.*s",
			    (int)(p - optarg), optarg);
			c.procs[c.nprocs++].pid = (pid_t)num(p + 1);
			break;
		case 's':
			(void)snprintf(addr, sizeof(addr), "%s", optarg);
			if ((p = strchr(addr, '/')) == NULL)
				usage();
			*p++ = '\0';
			hl.src_count = num(p);
			{
				struct in_addr	 in;

				if (inet_pton(AF_INET, addr, &in) != 1)
					die("not an IPv4 address: %s", addr);
				hl.src_base = ntohl(in.s_addr);
			}
			break;
		case 'S':
			(void)snprintf(c.seed, sizeof(c.seed), "%s", optarg);
			break;
		case 'v':
			hl.verbose = 1;
			break;
		case 'w':
			hl.nworkers = (int)num(optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (hl.hub.sin_family == 0 || hl.nkeys == 0 || argc == 0 ||
	    hl.per_src == 0)
		usage();
	if (hl.nworkers == 0)
		hl.nworkers = (int)((hl.nkeys + 14999) / 15000);
	if (hl.nworkers < 1 || hl.nworkers > HL_MAX_WORKERS)
		die("workers: 1 to %d", HL_MAX_WORKERS);
	(void)signal(SIGPIPE, SIG_IGN);
	keys_make();
	workers_start();
	for (i = 0; i < argc; i++)
		step(argv[i]);
	workers_stop();
	return c.wrong ? 1 : 0;
}
