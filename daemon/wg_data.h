/*
 * The transport path (wg_data.c), for the device (wg_device.c).
 */
#ifndef HAMD_WG_DATA_H
#define HAMD_WG_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/wg.h"

/* A keepalive on the current session, or an initiation if there is none. */
void	 wg_peer_send_keepalive(struct wg_dev *, struct wg_peer *,
	    uint64_t now);
/*
 * The initiator's new session: staged packets confirm it to the
 * responder; if there are none, a keepalive does.
 */
void	 wg_peer_confirm_session(struct wg_dev *, struct wg_peer *,
	    uint64_t now);
/* A data message, of at least WG_DATA_MIN_LEN bytes. */
void	 wg_recv_data(struct wg_dev *, const struct pkt_addr *,
	    const uint8_t *msg, size_t len, uint64_t now);

#endif
