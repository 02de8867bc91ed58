/*
 * Subnet routes in tun: what the hub says each hub peer may carry
 * (PEER_ROUTES), checked against what tun knows (the overlay, every
 * peer's allowed IPs and endpoints, other gateways' routes), offered to
 * the parent, and put into the peer's allowed IPs only once the parent
 * has installed the route.  A route the hub takes away leaves the
 * allowed IPs at once, before the parent hears of it.
 */
#ifndef HAMD_TUNROUTES_H
#define HAMD_TUNROUTES_H

#include <stdint.h>

#include "daemon/hamd_msg.h"
#include "daemon/wg.h"

#define TROUTES_PEERS		256	/* gateways at once */

struct troutes;

/* send: how an offer reaches the parent (IMSG_ROUTES_OFFER). */
struct troutes	*troutes_new(void (*send)(void *, const struct routes_msg *),
		    void (*exit_send)(void *, const struct exit_msg *),
		    void *arg);
void		 troutes_free(struct troutes *);
/*
 * PEER_ROUTES about hub peer id (0: about us, what we serve), in the
 * overlay of login: keep what passes, drop from the device what is no
 * longer offered, send the offer.
 */
void		 troutes_offer(struct troutes *, struct wg_dev *, uint32_t id,
		    const struct hub_peer_routes *,
		    const struct hub_login_ok *login);
/* The parent's verdict: what it installed enters the allowed IPs. */
void		 troutes_accept(struct troutes *, struct wg_dev *,
		    const struct routes_msg *);
/* wg_peer_set reset id's allowed IPs: put its routes back. */
void		 troutes_reapply(struct troutes *, struct wg_dev *, uint32_t id);
/* The peer is gone: the parent removes its routes. */
void		 troutes_forget(struct troutes *, uint32_t id);
/*
 * A login's list: routes not repeated between begin and end are
 * stale (revoked while we were away) and go.
 */
void		 troutes_sync_begin(struct troutes *);
void		 troutes_sync_end(struct troutes *, struct wg_dev *);
/*
 * The exit node.  A gateway whose approved routes hold 0.0.0.0/0 or
 * ::/0 offers to be one (offered: 1 IPv4, 2 IPv6); choose asks the
 * parent to route through it (id 0: to stop) and set, on the parent's
 * answer, lets the default into its allowed IPs.  Leaving one, and
 * losing it (it goes, or stops offering), takes the default out of its
 * allowed IPs first and then asks the parent to restore the routing.
 */
int		 troutes_exit_offered(struct troutes *, uint32_t id);
uint32_t	 troutes_exit_current(const struct troutes *);
void		 troutes_exit_choose(struct troutes *, struct wg_dev *,
		    uint32_t id, uint32_t client, uint64_t cgroup,
		    uint32_t level, uint32_t flags);
void		 troutes_exit_off(struct troutes *, struct wg_dev *,
		    uint32_t client);
void		 troutes_exit_set(struct troutes *, struct wg_dev *,
		    const struct exit_msg *);
/* hamd.conf's advertise-route prefixes: kept, advertised at each login. */
void		 troutes_set_config(struct troutes *, const struct routes_msg *);
const struct routes_msg *troutes_config(const struct troutes *);

#endif
