/*
 * What tun's hub session checks and records about the hub's words,
 * apart from the session itself (hubclient.c).
 */
#ifndef HAMD_HUBCHECK_H
#define HAMD_HUBCHECK_H

#include <stdint.h>

struct hub_login_ok;

/*
 * Text from the hub goes to logs and to an administrator's terminal:
 * control characters become '?', so they can forge no log line and
 * drive no terminal.
 */
void	hub_sanitize(char *);
/* Every text field of a message from the hub. */
struct hub_msg;
void	hub_msg_sanitize(struct hub_msg *);
/*
 * Overlay pools a node accepts: private IPv4 (RFC 1918), shared address
 * space (RFC 6598) and unique local IPv6 (RFC 4193).  A hub that hands
 * out anything else would route public addresses into the tunnel.
 */
int	hub_pools_acceptable(const struct hub_login_ok *);
/* A request that changed something, audited with who asked. */
void	hub_audit_request(uint8_t op, const char *net, uint32_t uid,
	    int code);

#endif
