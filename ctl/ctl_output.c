/* JSON output for hamctl -j. */
#include "autoconf.h"

#include <inttypes.h>
#include <stdio.h>

#include "ctl/ctl_output.h"

void
json_write_string(FILE *out, const char *s)
{
	const unsigned char	*p;

	fputc('"', out);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

void
json_init(struct json *j, FILE *out)
{
	j->out = out;
	j->depth = 0;
	j->count[0] = 0;
}

/* Comma and key before a member. */
static void
json_member(struct json *j, const char *key)
{
	if (j->count[j->depth]++ > 0)
		fputc(',', j->out);
	if (key != NULL) {
		json_write_string(j->out, key);
		fputc(':', j->out);
	}
}

static void
json_open(struct json *j, const char *key, int c)
{
	json_member(j, key);
	fputc(c, j->out);
	if (j->depth + 1 < JSON_DEPTH)
		j->depth++;
	j->count[j->depth] = 0;
}

static void
json_close(struct json *j, int c)
{
	fputc(c, j->out);
	if (j->depth > 0)
		j->depth--;
}

void
json_object_begin(struct json *j, const char *key)
{
	json_open(j, key, '{');
}

void
json_object_end(struct json *j)
{
	json_close(j, '}');
}

void
json_array_begin(struct json *j, const char *key)
{
	json_open(j, key, '[');
}

void
json_array_end(struct json *j)
{
	json_close(j, ']');
}

void
json_string(struct json *j, const char *key, const char *value)
{
	json_member(j, key);
	json_write_string(j->out, value);
}

void
json_int(struct json *j, const char *key, int64_t value)
{
	json_member(j, key);
	fprintf(j->out, "%" PRId64, value);
}

/* A number with a fixed count of decimals (milliseconds, say). */
void
json_fixed(struct json *j, const char *key, double value, int decimals)
{
	json_member(j, key);
	fprintf(j->out, "%.*f", decimals, value);
}

void
json_null(struct json *j, const char *key)
{
	json_member(j, key);
	fputs("null", j->out);
}

void
json_bool(struct json *j, const char *key, int value)
{
	json_member(j, key);
	fputs(value ? "true" : "false", j->out);
}

void
json_end(struct json *j)
{
	fputc('\n', j->out);
	fflush(j->out);
}
