/*
 * The member-name DNS responder in the engine: sockets the parent bound
 * to the node's overlay addresses (port 53), names and addresses from
 * tun, answers from dnsmsg.c.  No key, no secret: hostile DNS bytes
 * reach only this process.
 */
#ifndef HAMD_DAEMON_ENGINE_DNS_H
#define HAMD_DAEMON_ENGINE_DNS_H

#include <stdint.h>

#include "ipc/imsg.h"
#include "privsep/proc.h"

void	dns_init(struct privsep *);
/* IMSG_ENGINE_DNS (parent), IMSG_ENGINE_NAMES (tun). */
void	dns_socket(struct imsg *);
void	dns_names(struct imsg *);
/* A peer went: its names go. */
void	dns_forget(uint32_t id);

#endif
