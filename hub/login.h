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

/* Before the sandbox: draws secrets. */
void	login_init(void);
/* An engine's word on its connections. */
void	login_conn_open(int eng, uint32_t conn, const struct hub_conn_msg *);
void	login_frame_in(int eng, uint32_t conn, const uint8_t *, size_t);
void	login_conn_closed(int eng, uint32_t conn);
/* Refuse a login (or log a node off) with a reason, and close. */
void	login_refuse(struct session *, int reason, const char *msg);
/*
 * Close the sessions whose channel failed (session_send()); after each
 * message and tick, once nothing is walking the sessions any more.
 */
void	login_reap(void);
/*
 * Every second: sessions that did not log in within the login timeout,
 * last_seen of the nodes that came and went, node expiry, and the
 * counts of log lines left out.
 */
void	login_tick(uint64_t now_ns);
/* The blocked ranges changed (hub block, unblock): read their count. */
void	login_blocks_changed(void);

#endif
