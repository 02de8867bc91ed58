/* Listings: rows of one message type as a table or JSON; see ctl_list.h. */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl_conn.h"
#include "ctl/ctl_list.h"
#include "ctl/ctl_output.h"

struct table {
	const struct ctl_listing	*l;
	size_t				 nrows;
	size_t				 cap;
	char				(*cells)[CTL_FIELD_MAX];
};

static void
table_add(struct table *t, char f[][CTL_FIELD_MAX])
{
	size_t	 c, nc = t->l->ncols;

	if (t->nrows == t->cap) {
		t->cap = t->cap == 0 ? 16 : t->cap * 2;
		t->cells = reallocarray(t->cells, t->cap * nc,
		    sizeof(*t->cells));
		if (t->cells == NULL) {
			fprintf(stderr, "hamctl: out of memory\n");
			exit(1);
		}
	}
	for (c = 0; c < nc; c++)
		memcpy(t->cells[t->nrows * nc + c], f[t->l->cols[c].field],
		    CTL_FIELD_MAX);
	t->nrows++;
}

static const char *
table_cell(const struct table *t, size_t row, size_t col)
{
	const char	*s = t->cells[row * t->l->ncols + col];

	return s[0] == '\0' ? "-" : s;
}

/* Whether column c shows in the listing's view. */
static int
col_shown(const struct ctl_listing *l, size_t c)
{
	return l->cols[c].view != (l->hub_view ? COL_NODE_VIEW : COL_HUB_VIEW);
}

/* Columns padded to their widest cell; the last one is not padded. */
static void
table_text(const struct table *t)
{
	const struct ctl_col	*cols = t->l->cols;
	size_t			 w[FIELDS_MAX], c, r, last = 0;

	for (c = 0; c < t->l->ncols && c < FIELDS_MAX; c++) {
		if (cols[c].head == NULL || !col_shown(t->l, c))
			continue;
		last = c;
		w[c] = strlen(cols[c].head);
		for (r = 0; r < t->nrows; r++)
			if (strlen(table_cell(t, r, c)) > w[c])
				w[c] = strlen(table_cell(t, r, c));
	}
	for (r = 0; r <= t->nrows; r++)
		for (c = 0; c <= last; c++) {
			if (cols[c].head == NULL || !col_shown(t->l, c))
				continue;
			printf("%-*s%s", c == last ? 0 : (int)w[c],
			    r == 0 ? cols[c].head : table_cell(t, r - 1, c),
			    c == last ? "\n" : "  ");
		}
}

static void
table_json(struct json *j, const struct table *t)
{
	const struct ctl_col	*col;
	const char		*s;
	size_t			 c, r;

	json_array_begin(j, t->l->what);
	for (r = 0; r < t->nrows; r++) {
		json_object_begin(j, NULL);
		for (c = 0; c < t->l->ncols; c++) {
			col = &t->l->cols[c];
			s = t->cells[r * t->l->ncols + c];
			if (col->key == NULL || s[0] == '\0' ||
			    !col_shown(t->l, c))
				continue;
			if (col->kind == COL_INT)
				json_int(j, col->key, strtoll(s, NULL, 10));
			else if (col->kind == COL_BOOL)
				json_bool(j, col->key, strcmp(s, "yes") == 0);
			else
				json_string(j, col->key, s);
		}
		json_object_end(j);
	}
	json_array_end(j);
}

static int
table_show(struct ctl_ctx *ctx, const struct table *t,
    const struct ctl_result *res)
{
	struct json	 j;

	if (ctx->json) {
		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		table_json(&j, t);
		json_result(&j, res);
		json_object_end(&j);
		json_end(&j);
	} else if (res->code == 0 && t->nrows == 0)
		printf("no %s\n", t->l->what);
	else if (res->code == 0)
		table_text(t);
	if (res->code != 0)
		fprintf(stderr, "hamctl: %s\n", res->msg);
	return res->code == 0 ? 0 : 1;
}

/* Rows until the ctl_result that ends the reply; 0 or -1 (reported). */
static int
table_collect(struct ctl_ctx *ctx, struct table *t, struct ctl_result *res)
{
	union {
		struct hub_net_info	net;
		struct hub_member_info	member;
		struct ctl_hubd_node	node;
		struct ctl_cidr		cidr;
	}		 item;
	char		 f[FIELDS_MAX][CTL_FIELD_MAX];
	struct imsg	 imsg;

	for (;;) {
		if (ctl_next(ctx, &imsg) == -1)
			return -1;
		if (imsg.hdr.type == t->l->item && t->l->len <= sizeof(item) &&
		    imsg_get_data(&imsg, &item, t->l->len) == 0) {
			imsg_free(&imsg);
			memset(f, 0, sizeof(f));
			t->l->fields(&item, f);
			table_add(t, f);
			continue;
		}
		if (imsg.hdr.type == IMSG_CTL_RESULT &&
		    imsg_get_data(&imsg, res, sizeof(*res)) == 0) {
			imsg_free(&imsg);
			ctl_disconnect(ctx);
			res->msg[sizeof(res->msg) - 1] = '\0';
			return 0;
		}
		fprintf(stderr, "hamctl: unexpected reply %u from %s (is "
		    "hamctl the same version as the daemon?)\n",
		    imsg.hdr.type, ctx->socket);
		imsg_free(&imsg);
		ctl_disconnect(ctx);
		return -1;
	}
}

void
field_text(char *dst, const char *src, size_t srclen)
{
	size_t	 i;

	for (i = 0; i < srclen && i + 1 < CTL_FIELD_MAX && src[i] != '\0';
	    i++)
		dst[i] = (src[i] < 0x20 || src[i] == 0x7f) ? '?' : src[i];
	dst[i] = '\0';
}

int
ctl_list(struct ctl_ctx *ctx, uint32_t type, const void *arg, size_t arglen,
    const struct ctl_listing *l)
{
	struct table		 t;
	struct ctl_result	 res;
	int			 rc = 1;

	memset(&t, 0, sizeof(t));
	t.l = l;
	if (ctl_send(ctx, type, arg, arglen) == 0 &&
	    table_collect(ctx, &t, &res) == 0)
		rc = table_show(ctx, &t, &res);
	free(t.cells);
	return rc;
}
