/*
 * Listings: a request answered by rows of one message type and then a
 * struct ctl_result.  Each row is turned into text fields; a column
 * shows one field, under a heading (NULL: JSON only) and a JSON key
 * (NULL: text only).  An empty field shows as "-" and is left out of
 * the JSON.
 */
#ifndef HAMD_CTL_LIST_H
#define HAMD_CTL_LIST_H

#include <stddef.h>
#include <stdint.h>

struct ctl_ctx;

#define CTL_FIELD_MAX	80
/* Fields a row may have; the column tables pick from them. */
#define FIELDS_MAX	32
enum ctl_col_kind { COL_STR, COL_INT, COL_BOOL };
struct ctl_col {
	const char		*head;
	const char		*key;
	enum ctl_col_kind	 kind;
	int			 field;
	int			 view;		/* 0 every listing, or: */
};
/* The asker's own view (role, state): not in the hub's listings. */
#define COL_NODE_VIEW	1
/* What the hub carries for a node: in the hub's listings only. */
#define COL_HUB_VIEW	2
struct ctl_listing {
	uint32_t		 item;		/* message type of a row */
	size_t			 len;		/* its exact payload size */
	int			 hub_view;	/* the hub's listing: no asker */
	void			(*fields)(const void *,
				    char [][CTL_FIELD_MAX]);
	const struct ctl_col	*cols;
	size_t			 ncols;
	const char		*what;		/* JSON key; "no <what>" */
};
/*
 * A field from a fixed array of text: cut at its NUL and at the field's
 * size, control bytes shown as '?'.
 */
void	field_text(char *dst, const char *src, size_t srclen);
/* Send the request, print the rows; the exit status. */
int	ctl_list(struct ctl_ctx *, uint32_t type, const void *, size_t,
	    const struct ctl_listing *);

#endif
