/*
 * The authority's answers to hamctl hub requests (through the control
 * process): status, nodes, networks, blocked ranges, and blocking and
 * unblocking one.
 */
#ifndef HAMD_HUB_AUTHCTL_H
#define HAMD_HUB_AUTHCTL_H

struct imsg;

/* One request from control; control checked the caller's rights. */
void	authctl_request(struct imsg *);
/* An engine's latest counters, for the status. */
void	authctl_engine_stats(int from, struct imsg *);
/* hamctl hub status, also the web child's each second */
struct ctl_hubd_status;
void	authctl_status_fill(struct ctl_hubd_status *);
/* A node as hamctl hub nodes and the console show it. */
struct store_node;
struct hub_member_info;
struct ctl_hubd_node;
void	authctl_node_info(const struct store_node *, struct hub_member_info *);
/* And what it carried, as of the last traffic round (authtraffic.h). */
void	authctl_node_row(const struct store_node *, struct ctl_hubd_node *);

#endif
