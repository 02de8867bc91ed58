/*
 * hubload: a load generator for hamhubd that speaks the node protocol
 * on the project's own code (proto/: the framer, the Noise IK channel
 * and the message codec).  See bench/README.md.
 *
 * A coordinator (hubload.c) computes every node's key, then forks
 * workers (hubload_worker.c), each owning the nodes whose index is its
 * number modulo the worker count and driving their connections from
 * one epoll loop.  The coordinator sends each worker commands over a
 * socketpair and waits for one reply per command; a node's key is its
 * index in the shared key table, so a message about a peer names it by
 * index on both sides.
 *
 * Times are CLOCK_MONOTONIC nanoseconds, which every process of the
 * machine shares: a worker's "seen" time and another's "answered" time
 * compare directly.
 */
#ifndef HAMD_BENCH_HUBLOAD_H
#define HAMD_BENCH_HUBLOAD_H

#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>

#define HL_MAX_WORKERS		64
#define HL_NONE			UINT32_MAX	/* no node */
#define HL_NAME_MAX		64
#define HL_PASS_MAX		64
#define HL_INIT_LEN		109	/* HUB_CHAN_INIT_LEN */
#define HL_CAPTURE		2	/* HL_LOGIN flag: keep node a's INIT */
#define HL_RETRY		4	/* HL_LOGIN flag: try again after a
					   failure or a "busy" refusal, as
					   hamd does, until the timeout */

/* What every process knows, set before the workers fork. */
struct hl_global {
	uint32_t		 nkeys;		/* nodes that may ever log in */
	uint8_t			(*priv)[32];
	uint8_t			(*pub)[32];
	uint32_t		*slot;		/* key hash: index + 1, 0 empty */
	uint32_t		 nslot;		/* power of two */
	uint8_t			 hub_pub[32];
	struct sockaddr_in	 hub;
	uint32_t		 src_base;	/* host order; 0: the kernel's */
	uint32_t		 src_count;	/* addresses from src_base on */
	uint32_t		 per_src;	/* nodes per source address */
	int			 nworkers;
	int			 ping_s;	/* PING interval of online nodes */
	int			 verbose;
};
extern struct hl_global	 hl;

/* The index of a public key, or HL_NONE. */
uint32_t	hl_key_index(const uint8_t pub[32]);
uint64_t	hl_now_ns(void);

/* Coordinator -> worker. */
enum hl_op {
	HL_LOGIN = 1,	/* owned nodes of [a, b): log in, conc at a time */
	HL_LOGOUT,	/* owned nodes of [a, b): LOGOUT (flag 1: just close) */
	HL_REQ,		/* node a: one REQUEST (key: the key argument) */
	HL_INVITE,	/* node a: INVITE keys [key, key + count) */
	HL_JOIN,	/* owned nodes of [a, b): JOIN net (invited) */
	HL_WATCH,	/* remember when each node hears about key (flag:
			   HL_SEEN_UP or HL_SEEN_DOWN), from now on */
	HL_REPORT,	/* owned nodes of [a, b): what they see */
	HL_SPAM,	/* node a: the same REQUEST count times, back to back */
	HL_CANDS,	/* node a: count CANDIDATES lists at once */
	HL_QUIT,
};

#define HL_SEEN_UP	1	/* PEER_UP with an endpoint: online */
#define HL_SEEN_DOWN	2	/* PEER_DOWN */
#define HL_SEEN_ANY	3	/* any message about the key */

struct hl_cmd {
	int32_t		 op;
	uint32_t	 a, b;		/* node range [a, b), or node a */
	uint32_t	 key;		/* a key index, or HL_NONE */
	uint32_t	 count;
	uint32_t	 conc;		/* logins in flight per worker */
	int32_t		 flags;
	uint32_t	 timeout_ms;	/* give up on what is not done */
	uint8_t		 req_op;	/* enum hub_op */
	uint8_t		 req_op2;	/* HL_SPAM: alternate with this */
	uint8_t		 type, mode;
	char		 net[HL_NAME_MAX];
	char		 password[HL_PASS_MAX];
};

struct hl_reply {
	int32_t		 op;
	uint32_t	 ok;		/* logins, requests that got code 0 */
	uint32_t	 failed;	/* not done in time, or closed */
	uint32_t	 refused;	/* LOGIN_REFUSED, or a non-zero code */
	uint32_t	 eagain;	/* requests answered EAGAIN or EBUSY */
	uint32_t	 ebusy;		/* of those, EBUSY: the hub's budget */
	uint32_t	 retries;	/* HL_RETRY: logins tried again */
	uint64_t	 t_first;	/* first sent */
	uint64_t	 t_last;	/* last done */
	uint64_t	 lat_sum;	/* login latencies, ns */
	int32_t		 code;		/* HL_REQ: the answer */
	uint32_t	 addr_changed;	/* logins whose v4 differs from the
					   node's previous login */
	uint64_t	 t_sent, t_resp;
	/* HL_REPORT */
	uint32_t	 online;
	uint32_t	 peers_min, peers_max;	/* peers up and online */
	uint32_t	 seen;		/* nodes that heard the watched key */
	uint64_t	 seen_min, seen_max;
	uint64_t	 frames;	/* frames received since the watch */
	uint64_t	 about;		/* messages about the watched key */
	char		 msg[200];
	uint8_t		 init[HL_INIT_LEN];	/* HL_LOGIN, HL_CAPTURE */
};

/* The worker's main loop; never returns. */
__attribute__((noreturn))
void	hl_worker_run(int id, int fd);

/* ---- the coordinator (hubload.c), for the steps (hubload_steps.c) ---- */

#define HL_PASSWORD		"hubload-password"
#define HL_MAX_PROCS		32

struct hl_coord {
	int		 fd[HL_MAX_WORKERS];
	pid_t		 pid[HL_MAX_WORKERS];
	struct {
		char	 name[32];
		pid_t	 pid;
	}		 procs[HL_MAX_PROCS];	/* -p: the hub's processes */
	int		 nprocs;
	int		 wrong;		/* a check failed */
	uint64_t	 last_sent;	/* the last request, ns */
	uint64_t	 last_resp;	/* and its answer */
	int		 last_code;
	uint32_t	 addr_changed;	/* logins with another address */
	char		 seed[64];
};
extern struct hl_coord	 c;

struct login_result {
	uint32_t	 ok, refused, failed, retries;
	double		 secs;		/* first start to last done */
	double		 rate;		/* logins a second */
	double		 lat_ms;	/* mean */
	double		 auth_us;	/* authority CPU per login */
};

void	wrong(const char *, ...) __attribute__((format(printf, 1, 2)));
void	die(const char *, ...)
	    __attribute__((noreturn, format(printf, 1, 2)));
void	sleep_ms(unsigned);
/* A decimal number, or die. */
uint32_t num(const char *);
/* One X25519 scalar multiplication on this machine now, in us. */
double	x25519_cost(void);
/* CPU time of the hub's processes whose name starts with prefix. */
uint64_t hub_cpu(const char *prefix);
/* Resident memory of the hub's processes, kB: the sum, and each. */
long	hub_rss(long each[HL_MAX_PROCS]);

/* A command to every worker, their replies summed; or to node a's. */
void	run_all(const struct hl_cmd *, struct hl_reply *);
void	run_one(const struct hl_cmd *, struct hl_reply *);
/* To each node of [a, b) at once, each to its own worker. */
void	run_each(const struct hl_cmd *, uint32_t a, uint32_t b,
	    struct hl_reply *);

void	do_login(uint32_t a, uint32_t b, uint32_t conc, uint32_t timeout_s,
	    int retry, struct login_result *);
void	do_login_serial(uint32_t a, uint32_t b, struct login_result *);
void	do_logout(uint32_t a, uint32_t b, int drop);
/* A request from node; the answer's code, -1 for none. */
int	do_req(uint32_t node, int op, const char *net, uint32_t key, int type,
	    int mode, const char *password, struct hl_reply *);
int	do_invite(uint32_t owner, const char *net, uint32_t a, uint32_t b);
int	do_join(const char *net, uint32_t a, uint32_t b);
void	do_watch(uint32_t key, int kind);
void	do_report(uint32_t a, uint32_t b, struct hl_reply *);
int	wait_peers(uint32_t a, uint32_t b, uint32_t want, uint32_t online,
	    unsigned timeout_s, struct hl_reply *);
int	wait_seen(uint32_t a, uint32_t b, uint32_t count, unsigned timeout_s,
	    struct hl_reply *);

/* hubload_steps.c: one step of the command line. */
void	step(const char *);

#endif
