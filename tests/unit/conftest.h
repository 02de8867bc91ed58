/*
 * What the two configuration parsers' tests share (check_parse for
 * hamd.conf, check_hubparse for hamhubd.conf): files in a mkdtemp(3)
 * directory that each test removes, log lines caught with a sink, and
 * "fails at file:line with this message".  Define before including:
 *	CONFTEST_FILE	"hamd.conf"
 *	CONFTEST_DIR	"check_parse" (the temporary directory's prefix)
 *	CONFTEST_TYPE	struct hamd_config
 *	CONFTEST_PARSE(path)	parse_config((path), NULL)
 */
#ifndef HAMD_TESTS_CONFTEST_H
#define HAMD_TESTS_CONFTEST_H

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "privsep/log.h"

static char	 tmpdir[64];
static char	*made[64];
static int	 nmade;

#define MAXLOG	512
static char	 logs[MAXLOG][LOG_LINE_MAX];
static int	 nlogs;

static void
sink(int priority, const char *line)
{
	(void)priority;
	if (nlogs < MAXLOG)
		(void)snprintf(logs[nlogs++], LOG_LINE_MAX, "%s", line);
}

static void
dump_logs(void)
{
	int	 i;

	for (i = 0; i < nlogs; i++)
		fprintf(stderr, "  log: %s\n", logs[i]);
}

static void
setup(void)
{
	(void)snprintf(tmpdir, sizeof(tmpdir), "/tmp/" CONFTEST_DIR ".XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	nmade = 0;
	nlogs = 0;
	log_set_sink(sink);
}

static void
teardown(void)
{
	int	 i;

	for (i = 0; i < nmade; i++) {
		(void)unlink(made[i]);
		free(made[i]);
	}
	nmade = 0;
	ck_assert_int_eq(rmdir(tmpdir), 0);
	log_set_sink(NULL);
}

static const char *
path_of(const char *name)
{
	static char	 bufs[4][PATH_MAX];
	static int	 n;
	char		*b = bufs[n++ % 4];

	(void)snprintf(b, PATH_MAX, "%s/%s", tmpdir, name);
	return b;
}

static const char *
write_file_len(const char *name, const void *data, size_t len)
{
	const char	*path = path_of(name);
	FILE		*f;
	int		 i;

	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	for (i = 0; i < nmade; i++)
		if (strcmp(made[i], path) == 0)
			return path;
	ck_assert_int_lt(nmade, 64);
	ck_assert_ptr_nonnull(made[nmade++] = strdup(path));
	return path;
}

static const char *
write_file(const char *name, const char *text)
{
	return write_file_len(name, text, strlen(text));
}

static CONFTEST_TYPE *
parse_text(const char *text)
{
	nlogs = 0;
	return CONFTEST_PARSE(write_file(CONFTEST_FILE, text));
}

/* A line in the log with "file:line: " and msg in it. */
static int
logged_at(const char *name, int line, const char *msg)
{
	char	 prefix[PATH_MAX + 32];
	int	 i;

	(void)snprintf(prefix, sizeof(prefix), "%s:%d: ", path_of(name),
	    line);
	for (i = 0; i < nlogs; i++)
		if (strncmp(logs[i], prefix, strlen(prefix)) == 0 &&
		    strstr(logs[i], msg) != NULL)
			return 1;
	return 0;
}

static int
logged(const char *msg)
{
	int	 i;

	for (i = 0; i < nlogs; i++)
		if (strstr(logs[i], msg) != NULL)
			return 1;
	return 0;
}

/* text must fail with msg at the file's line. */
static void
fails_at(const char *text, int line, const char *msg)
{
	CONFTEST_TYPE	*c = parse_text(text);

	if (c != NULL || !logged_at(CONFTEST_FILE, line, msg)) {
		fprintf(stderr, "expected %s:%d: ...%s... for:\n%s\n",
		    CONFTEST_FILE, line, msg, text);
		dump_logs();
	}
	ck_assert_ptr_null(c);
	ck_assert_msg(logged_at(CONFTEST_FILE, line, msg),
	    "no \"%s\" at line %d", msg, line);
}

#endif
