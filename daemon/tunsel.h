/*
 * tun's part in subnet routes, exit nodes and member names (tunsel.c),
 * called by tun.c.
 */
#ifndef HAMD_TUNSEL_H
#define HAMD_TUNSEL_H

#include <stdint.h>

#include "daemon/hamd_msg.h"
#include "daemon/wg.h"
#include "ipc/imsg.h"
#include "privsep/proc.h"

struct hubclient;

void	tunsel_init(struct privsep *);
/* The hub session's io (hubclient.h): to the parent, to the engine. */
void	tunsel_routes_offer(void *, const struct routes_msg *);
void	tunsel_exit_offer(void *, const struct exit_msg *);
void	tunsel_engine_names(void *, uint32_t id, const uint8_t *v4,
	    const uint8_t *v6, const struct hub_peer_names *);
void	tunsel_reply_route(void *, uint32_t client,
	    const struct hub_route_info *);
/* IMSG_ROUTES_SET, IMSG_TUN_ADVERTISE, IMSG_EXIT_SET from the parent. */
void	tunsel_parent(struct imsg *, struct hubclient *, struct wg_dev *);
/* IMSG_CTL_EXIT, IMSG_CTL_RUN from control. */
void	tunsel_control(struct imsg *, struct hubclient *, struct wg_dev *);

#endif
