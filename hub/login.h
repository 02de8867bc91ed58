/*
 * A node connection's life in the authority: the Noise handshake, the
 * login, what a logged-in node sends, and the end.  What arrives from
 * the engine is hostile until the channel says otherwise: a frame that
 * does not authenticate, decode, or fit the session's state closes
 * that one connection and nothing else.
 */
#ifndef HAMD_HUB_LOGIN_H
#define HAMD_HUB_LOGIN_H

#include <stddef.h>
#include <stdint.h>

struct hub_conn_msg;
struct session;

/* Before the sandbox: draws a secret. */
void	login_init(void);
/* The engine's word on its connections. */
void	login_conn_open(uint32_t conn, const struct hub_conn_msg *);
void	login_frame_in(uint32_t conn, const uint8_t *, size_t);
void	login_conn_closed(uint32_t conn);
/* Refuse a login (or log a node off) with a reason, and close. */
void	login_refuse(struct session *, int reason, const char *msg);
/*
 * Close the sessions whose channel failed (session_send()); after each
 * message and tick, once nothing is walking the sessions any more.
 */
void	login_reap(void);
/* Sessions that did not log in within the login timeout; every 1 s. */
void	login_timeouts(uint64_t now_ns);

#endif
