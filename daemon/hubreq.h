/*
 * The hamctl requests tun's hub session has sent and waits on: which
 * client asked, until when, and what to audit with the answer.  Below
 * hubclient.c, which sends and answers them.
 */
#ifndef HAMD_HUBREQ_H
#define HAMD_HUBREQ_H

#include <stdint.h>

#include "proto/hubproto.h"

#define HUBREQ_MAX		64

struct hubreq_slot {
	uint32_t	 hub_id;	/* 0: free */
	uint32_t	 client;
	uint64_t	 deadline;
	uint32_t	 uid;		/* who asked, for the audit record */
	uint8_t		 op;
	char		 net[HUB_NAME_MAX];
};

struct hubreq {
	uint32_t		 next;		/* the last id given */
	struct hubreq_slot	 s[HUBREQ_MAX];
};

/* A free slot with a new id (never 0) for req; NULL when all are taken. */
struct hubreq_slot *hubreq_new(struct hubreq *, uint32_t client, uint32_t uid,
		    const struct hub_request *, uint64_t deadline);
/* The slot waiting for id (0: none), or NULL. */
struct hubreq_slot *hubreq_find(struct hubreq *, uint32_t id);
/*
 * End the waiting requests, with code and msg through fn: every one
 * (now 0), or those whose deadline has passed.
 */
void		 hubreq_end(struct hubreq *, uint64_t now,
		    void (*fn)(void *, uint32_t client, int code,
		    const char *), void *arg, int code, const char *msg);

#endif
