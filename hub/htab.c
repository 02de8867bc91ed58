/* Growing chained hash tables; see htab.h. */
#include "autoconf.h"

#include <stdlib.h>

#include "hub/htab.h"

#define HTAB_FIRST	64

uint64_t
htab_hash32(uint32_t v)
{
	/* Fibonacci hashing: the product's high bits are the mixed ones. */
	return ((uint64_t)v * UINT64_C(0x9e3779b97f4a7c15)) >> 16;
}

struct hlink *
htab_chain(const struct htab *t, uint64_t hash)
{
	if (t->nb == 0)
		return NULL;
	return t->b[hash & (t->nb - 1)];
}

/* Twice the buckets; without the memory, keep the table as it is. */
static void
htab_grow(struct htab *t)
{
	struct hlink	**nb, *l, *next;
	size_t		 n = t->nb ? t->nb * 2 : HTAB_FIRST, i;

	if ((nb = calloc(n, sizeof(*nb))) == NULL)
		return;
	for (i = 0; i < t->nb; i++)
		for (l = t->b[i]; l != NULL; l = next) {
			next = l->next;
			l->next = nb[l->hash & (n - 1)];
			nb[l->hash & (n - 1)] = l;
		}
	free(t->b);
	t->b = nb;
	t->nb = n;
}

int
htab_insert(struct htab *t, struct hlink *l, uint64_t hash)
{
	struct hlink	**slot;

	if (t->n >= t->nb)
		htab_grow(t);
	if (t->nb == 0)
		return -1;
	l->hash = hash;
	slot = &t->b[hash & (t->nb - 1)];
	l->next = *slot;
	*slot = l;
	t->n++;
	return 0;
}

void
htab_remove(struct htab *t, struct hlink *l)
{
	struct hlink	**sp;

	if (t->nb == 0)
		return;
	for (sp = &t->b[l->hash & (t->nb - 1)]; *sp != NULL;
	    sp = &(*sp)->next)
		if (*sp == l) {
			*sp = l->next;
			t->n--;
			return;
		}
}

void
htab_free(struct htab *t)
{
	free(t->b);
	t->b = NULL;
	t->nb = t->n = 0;
}
