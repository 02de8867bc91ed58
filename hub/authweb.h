/*
 * The authority's events and its snapshots for the web child
 * (authweb.c).
 */
#ifndef HAMD_HUB_AUTHWEB_H
#define HAMD_HUB_AUTHWEB_H

struct privsep;

/* With the channels up: the audit hook, and a timer if a web child runs. */
void	authweb_init(struct privsep *);

#endif
