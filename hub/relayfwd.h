/*
 * The hub engine's relay (PROTOCOL.md, "Relay"): WireGuard packets
 * between logged-in nodes that share a network, for those no direct
 * path reaches, by UDP on the first discovery socket of each address
 * (port P; P+1 never relays) and as relay frames on node connections,
 * which never reach the authority.  The authority names the sessions
 * (relay id, connection) and the pairs allowed; the table is relay.c.
 *
 * The engine holds no credential.  A REGISTER is passed to the authority,
 * which holds the relay token and checks the MAC and the counter, only
 * if it names a session, comes from the IP address of that node's hub
 * connection and is within the session's rate; the authority's answer
 * binds the session and brings the REGISTERED to send, never larger
 * than the REGISTER.  A relayed packet leaves as large as it came (plus
 * the frame's 2-byte length on TCP, to a logged-in node), so nothing
 * here amplifies.
 */
#ifndef HAMD_HUB_RELAYFWD_H
#define HAMD_HUB_RELAYFWD_H

#include <stddef.h>
#include <stdint.h>

struct hconn;
struct imsg;
struct udp_in;

/* Before seccomp: draws a secret. */
void	relayfwd_init(void);

/* Datagrams dgram_classify() sorted, from a relaying socket sock. */
void	relayfwd_register(int sock, const uint8_t *, uint32_t id,
	    const struct udp_in *, uint64_t now);
void	relayfwd_data(uint8_t *, size_t, uint32_t dst,
	    const struct udp_in *, uint64_t now);
/* A relay frame body from a node connection (nodeconn_relay_fn). */
void	relayfwd_frame(struct hconn *, const uint8_t *, size_t);

/* Another engine's relayed packet, or REGISTER, for a node of ours. */
void	relayfwd_from_engine(struct imsg *);
void	relayfwd_reg_from_engine(struct imsg *);

/* The authority's messages. */
void	relayfwd_add(struct imsg *);
void	relayfwd_del(struct imsg *);
void	relayfwd_pair(struct imsg *);
/* IMSG_HUBD_RELAY_GUEST: a node of another hub of the cluster. */
void	relayfwd_guest(struct imsg *);
void	relayfwd_registered(struct imsg *);

#endif
