/*
 * A peer's sessions (wg_session.c), for the handshakes (wg_hs.c), the
 * transport path (wg_data.c) and the device (wg_device.c).
 */
#ifndef HAMD_WG_SESSION_H
#define HAMD_WG_SESSION_H

#include <stdint.h>

#include "daemon/wg.h"

/* The entry holding a receiver index, NULL if none does. */
struct wg_index	*wg_index_find(struct wg_dev *, uint32_t index);
/* Give e a fresh random index nobody holds (0 is reserved for "none"). */
void		 wg_index_add(struct wg_dev *, struct wg_index *e);
void		 wg_index_remove(struct wg_dev *, struct wg_index *e);

int		 wg_keypair_expired(const struct wg_keypair *, uint64_t now);
/* Every keypair and the handshake under way go, wiped. */
void		 wg_peer_clear_sessions(struct wg_dev *, struct wg_peer *);
/* The packets held for a session go, wiped. */
void		 wg_peer_clear_staged(struct wg_peer *);
/*
 * Install a new session, which takes over the handshake's index.  The
 * initiator may send on it at once; the responder's waits in `next'
 * until the initiator's first data packet proves the initiator has it.
 */
void		 wg_peer_add_keypair(struct wg_dev *, struct wg_peer *,
		    const struct wg_session_keys *, uint32_t remote,
		    int initiator, uint64_t now);
/* The responder's first data packet on `next': it becomes current. */
void		 wg_peer_confirm_next(struct wg_dev *, struct wg_peer *);
/* The responder's session nobody took up (crossed initiations). */
void		 wg_peer_drop_next(struct wg_dev *, struct wg_peer *);
/*
 * An authenticated packet came from src: the peer's endpoint now.
 * response: a handshake response, reported at once whatever the rate.
 */
void		 wg_note_endpoint(struct wg_dev *, struct wg_peer *,
		    const struct pkt_addr *src, int response, uint64_t now);

#endif
