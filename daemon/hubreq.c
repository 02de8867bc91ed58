/*
 * Waiting hub requests (see hubreq.h).  A handful at most: scanned.
 */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>

#include "daemon/hubreq.h"

struct hubreq_slot *
hubreq_new(struct hubreq *r, uint32_t client, uint32_t uid,
    const struct hub_request *req, uint64_t deadline)
{
	struct hubreq_slot	*s;
	int			 i;

	for (i = 0; i < HUBREQ_MAX; i++) {
		s = &r->s[i];
		if (s->hub_id != 0)
			continue;
		if (++r->next == 0)
			r->next = 1;
		memset(s, 0, sizeof(*s));
		s->hub_id = r->next;
		s->client = client;
		s->deadline = deadline;
		s->uid = uid;
		s->op = req->op;
		(void)snprintf(s->net, sizeof(s->net), "%s", req->net);
		return s;
	}
	return NULL;
}

struct hubreq_slot *
hubreq_find(struct hubreq *r, uint32_t id)
{
	int	 i;

	if (id == 0)
		return NULL;
	for (i = 0; i < HUBREQ_MAX; i++)
		if (r->s[i].hub_id == id)
			return &r->s[i];
	return NULL;
}

void
hubreq_end(struct hubreq *r, uint64_t now,
    void (*fn)(void *, uint32_t, int, const char *), void *arg, int code,
    const char *msg)
{
	int	 i;

	for (i = 0; i < HUBREQ_MAX; i++) {
		if (r->s[i].hub_id == 0 || (now != 0 &&
		    now < r->s[i].deadline))
			continue;
		r->s[i].hub_id = 0;
		fn(arg, r->s[i].client, code, msg);
	}
}
