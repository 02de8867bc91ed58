/*
 * Handshakes (wg_hs.c), for the transport path (wg_data.c) and the
 * device (wg_device.c).
 */
#ifndef HAMD_WG_HS_H
#define HAMD_WG_HS_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/wg.h"

/*
 * Why an initiation goes out.  WG_INIT_NORMAL: at most one per
 * REKEY_TIMEOUT while one is unanswered; WG_INIT_RETRY: the retransmit
 * timer's; WG_INIT_FORCED: a probe's, which the caller limits (each
 * initiation has a new ephemeral, so the answer to an earlier one no
 * longer counts: the limit keeps them apart by more than any sane round
 * trip).
 */
enum wg_init_mode { WG_INIT_NORMAL, WG_INIT_RETRY, WG_INIT_FORCED };

/* Start a handshake with p, unless mode says not now. */
void		 wg_initiate(struct wg_dev *, struct wg_peer *, uint64_t now,
		    enum wg_init_mode);
/* Received messages of each type, of their exact length. */
void		 wg_recv_initiation(struct wg_dev *, const struct pkt_addr *,
		    const uint8_t *msg, size_t len, uint64_t now);
/* The peer whose session the response completed, else NULL. */
struct wg_peer	*wg_recv_response(struct wg_dev *, const struct pkt_addr *,
		    const uint8_t *msg, size_t len, uint64_t now);
void		 wg_recv_cookie(struct wg_dev *, const uint8_t *msg,
		    size_t len, uint64_t now);

#endif
