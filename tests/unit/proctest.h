/*
 * What check_proc and check_prochub share: a message as a process
 * receives it, checked against one program's rule table.
 */
#ifndef HAMD_TESTS_PROCTEST_H
#define HAMD_TESTS_PROCTEST_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

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
