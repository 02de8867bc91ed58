/*
 * What check_proc and check_prochub share: a message as a process
 * receives it, checked against one program's rule table.
 */
#ifndef HAMD_TESTS_PROCTEST_H
#define HAMD_TESTS_PROCTEST_H

#include <sys/wait.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "privsep/log.h"
#include "privsep/proc.h"

static struct privsep	 ps;
static struct imsg	 msg;
static uint8_t		 payload[70000];

static void
quiet(int priority, const char *line)
{
	(void)priority;
	(void)line;
}

/* A message of type, len bytes, fd, as process `self' receives it. */
static void
setup_msg_in(const struct proc_desc *procs, const struct msg_rule *rules,
    uint32_t nrules, int self, uint32_t type, size_t len, int fd)
{
	memset(&ps, 0, sizeof(ps));
	ps.procs = procs;
	ps.rules = rules;
	ps.nrules = nrules;
	ps.id = self;
	memset(&msg, 0, sizeof(msg));
	msg.hdr.type = type;
	msg.hdr.len = (uint32_t)(IMSG_HEADER_SIZE + len);
	msg.fd = fd;
	msg.data = payload;
	msg.datalen = len;
	memset(payload, 'x', sizeof(payload));
	log_set_sink(quiet);
}

/*
 * Who may send a message type to whom, as a test expects it: a
 * program's rule table must allow exactly the (type, sender, receiver)
 * triples its test lists, so that no rule is added, widened or dropped
 * without the test being changed with it.
 */
struct expect_rule {
	uint32_t	 type;
	uint32_t	 from;		/* PROC_BIT masks */
	uint32_t	 to;
};

/* Each triple the table allows and want does not, and the reverse. */
static void
assert_rules_exactly(const struct proc_desc *procs, int nprocs,
    const struct msg_rule *rules, uint32_t nrules,
    const struct expect_rule *want, size_t nwant)
{
	uint32_t	 wfrom[256], wto[256];
	uint32_t	 t;
	size_t		 i;
	int		 f, r, bad = 0;

	ck_assert_uint_le(nrules, 256);
	memset(wfrom, 0, sizeof(wfrom));
	memset(wto, 0, sizeof(wto));
	for (i = 0; i < nwant; i++) {
		ck_assert_msg(want[i].type >= PROC_IMSG_FIRST &&
		    want[i].type < nrules, "expected type %u is not a "
		    "program's type", want[i].type);
		ck_assert_msg(wfrom[want[i].type] == 0, "type %u expected "
		    "twice", want[i].type);
		wfrom[want[i].type] = want[i].from;
		wto[want[i].type] = want[i].to;
	}
	for (t = 0; t < nrules; t++) {
		const struct msg_rule	*ru = &rules[t];
		uint32_t		 from = ru->name ? ru->from : 0;
		uint32_t		 to = ru->name ? ru->to : 0;

		/* No rule may name a process the program does not have. */
		ck_assert_msg(((from | to) >> nprocs) == 0, "type %u (%s) names "
		    "a process past the table", t, ru->name);
		for (f = 0; f < nprocs; f++)
			for (r = 0; r < nprocs; r++) {
				int has = (from & PROC_BIT(f)) &&
				    (to & PROC_BIT(r));
				int exp = (wfrom[t] & PROC_BIT(f)) &&
				    (wto[t] & PROC_BIT(r));

				if (has == exp)
					continue;
				fprintf(stderr, "type %u (%s): %s -> %s is %s\n",
				    t, ru->name ? ru->name : "no rule",
				    procs[f].name, procs[r].name, has ?
				    "allowed, not expected" :
				    "expected, not allowed");
				bad++;
			}
	}
	ck_assert_msg(bad == 0, "%d (type, sender, receiver) triples differ "
	    "from the expected table (listed above)", bad);
}

/*
 * Does process self take a message of type and len bytes (a line with
 * its NUL) from process from?  proc_check runs in a child of ours,
 * where a refusal is fatal.
 */
static int
proc_accepts(const struct proc_desc *procs, const struct msg_rule *rules,
    uint32_t nrules, int self, int from, uint32_t type, size_t len)
{
	pid_t	 pid;
	int	 st;

	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		setup_msg_in(procs, rules, nrules, self, type, len, -1);
		payload[len - 1] = '\0';
		proc_check(&ps, from, &msg);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/*
 * The framework's own messages (privsep/proc.c), the same in every
 * program: log lines go from any child to the parent, the log level
 * from the parent to any child, and nothing else.
 */
static void
assert_framework_rules(const struct proc_desc *procs, int nprocs,
    const struct msg_rule *rules, uint32_t nrules)
{
	int	 f, r, log_ok, verbose_ok;

	for (f = 0; f < nprocs; f++)
		for (r = 0; r < nprocs; r++) {
			if (f == r)
				continue;
			log_ok = proc_accepts(procs, rules, nrules, r, f,
			    PROC_IMSG_LOG, sizeof(int32_t) + 16);
			verbose_ok = proc_accepts(procs, rules, nrules, r, f,
			    PROC_IMSG_LOG_VERBOSE, sizeof(int32_t));
			ck_assert_msg(log_ok == (f != PROC_PARENT &&
			    r == PROC_PARENT), "log line %s -> %s: %s",
			    procs[f].name, procs[r].name,
			    log_ok ? "accepted" : "refused");
			ck_assert_msg(verbose_ok == (f == PROC_PARENT),
			    "log level %s -> %s: %s", procs[f].name,
			    procs[r].name, verbose_ok ? "accepted" :
			    "refused");
		}
}

/* Run a suite's one test case, a fork per test (exit tests need it). */
static int
run_tcase(const char *name, TCase *tc)
{
	Suite	*s = suite_create(name);
	SRunner	*sr;
	int	 failed;

	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
