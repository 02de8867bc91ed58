/*
 * A small JSON writer for hamctl -j: objects, arrays, strings escaped as
 * RFC 8259 requires.  Commas are placed by the writer, not the caller.
 */
#ifndef HAMD_CTL_OUTPUT_H
#define HAMD_CTL_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

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

#endif
