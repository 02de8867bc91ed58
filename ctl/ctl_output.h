/*
 * hamctl's output.  A small JSON writer for -j: objects, arrays, strings
 * escaped as RFC 8259 requires, commas placed by the writer, not the
 * caller.  And addresses, sizes and durations as people read them.
 */
#ifndef HAMD_CTL_OUTPUT_H
#define HAMD_CTL_OUTPUT_H

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

#include "ipc/addr.h"

#define JSON_DEPTH	16

struct json {
	FILE	*out;
	int	 depth;
	int	 count[JSON_DEPTH];	/* members written at each level */
};

void	json_init(struct json *, FILE *);
void	json_object_begin(struct json *, const char *key);
void	json_object_end(struct json *);
void	json_array_begin(struct json *, const char *key);
void	json_array_end(struct json *);
/* key is NULL inside arrays. */
void	json_string(struct json *, const char *key, const char *value);
void	json_int(struct json *, const char *key, int64_t value);
void	json_bool(struct json *, const char *key, int value);
void	json_fixed(struct json *, const char *key, double value,
	    int decimals);
void	json_null(struct json *, const char *key);
/* Finish with a newline. */
void	json_end(struct json *);
/* Write s as a JSON string literal, quotes included. */
void	json_write_string(FILE *, const char *s);

/* "(none)" for an address of family 0. */
void	format_addr(char *, size_t, const struct pkt_addr *);
void	format_prefix(char *, size_t, const struct ip_prefix *);
/* "1.50 MiB" */
void	format_bytes(char *, size_t, uint64_t);
/* "2d 03:04:05" */
void	format_uptime(char *, size_t, int64_t);

#endif
