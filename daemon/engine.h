/*
 * The engine process (engine.c): its dispatchers and set-up, for the
 * unit tests that play parent and tun by calling them with hand-made
 * messages.  Its parts, bottom to top, are listed in engine_ctx.h.
 */
#ifndef HAMD_DAEMON_ENGINE_H
#define HAMD_DAEMON_ENGINE_H

#include "daemon/engine_addr.h"
#include "daemon/engine_ctx.h"
#include "daemon/engine_hub.h"
#include "daemon/engine_nat.h"
#include "daemon/engine_paths.h"
#include "daemon/engine_peers.h"
#include "daemon/engine_relay.h"
#include "daemon/engine_rx.h"
#include "daemon/engine_sock.h"
#include "daemon/engine_tx.h"
#include "privsep/proc.h"

/* Everything is allocated here, before the sandbox. */
void	engine_init(struct privsep *);
void	engine_dispatch_parent(struct privsep *, int, struct imsg *);
void	engine_dispatch_tun(struct privsep *, int, struct imsg *);
void	engine_dispatch_control(struct privsep *, int, struct imsg *);

#endif
