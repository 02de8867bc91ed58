/*
 * hamctl monitor (ctl_monitor.c) and hamctl netcheck (ctl_netcheck.c).
 */
#ifndef HAMD_CTL_MONITOR_H
#define HAMD_CTL_MONITOR_H

#include <stddef.h>
#include <stdint.h>

#include "ctl/ctlmsg.h"

struct ctl_ctx;

/* The live view (hub: hamhubd's), or with -j the event stream. */
int	monitor_run(struct ctl_ctx *, int hub);
/* Every peer of hamd, at most max; the count, or -1 (reported). */
int	monitor_fetch_peers(struct ctl_ctx *, struct ctl_peer *, int max);

int	netcheck_run(struct ctl_ctx *);
/* Why a relayed peer is relayed ("code: words"); NULL if it is not. */
const char *relay_reason(int self_nat, const struct ctl_peer *);

#endif
