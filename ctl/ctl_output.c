/* hamctl's output: the JSON writer for -j, and values as people read them. */
#include "autoconf.h"

#include <sys/socket.h>

#include <arpa/inet.h>
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

void
format_uptime(char *buf, size_t len, int64_t s)
{
	if (s >= 86400)
		(void)snprintf(buf, len, "%lldd %02lld:%02lld:%02lld",
		    (long long)(s / 86400), (long long)(s % 86400 / 3600),
		    (long long)(s % 3600 / 60), (long long)(s % 60));
	else
		(void)snprintf(buf, len, "%02lld:%02lld:%02lld",
		    (long long)(s / 3600), (long long)(s % 3600 / 60),
		    (long long)(s % 60));
}

void
format_addr(char *buf, size_t len, const struct pkt_addr *a)
{
	if (a->af != AF_INET && a->af != AF_INET6)
		(void)snprintf(buf, len, "(none)");
	else
		(void)pkt_addr_str(a, buf, len);
}

void
format_prefix(char *buf, size_t len, const struct ip_prefix *p)
{
	char	 ip[INET6_ADDRSTRLEN];

	if (inet_ntop(p->af, &p->addr, ip, sizeof(ip)) == NULL)
		(void)snprintf(ip, sizeof(ip), "?");
	(void)snprintf(buf, len, "%s/%u", ip, p->plen);
}

void
format_bytes(char *buf, size_t len, uint64_t b)
{
	const char	*unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double		 v = (double)b;
	int		 u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	(void)snprintf(buf, len, u == 0 ? "%.0f %s" : "%.2f %s", v, unit[u]);
}
