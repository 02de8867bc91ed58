/*
 * The WireGuard device as the tun process runs it: peers and their
 * sessions, the index table, cryptokey routing, the timers, and the
 * handling of every received message.  It does no I/O itself: packets
 * leave through the callbacks in struct wg_io, and time comes in as an
 * argument (monotonic nanoseconds), so tests and fuzzers drive it
 * directly.  Every struct here holding a secret lives in sodium_malloc'd
 * memory and is wiped before it is freed.
 *
 * Four files, each using only those before it: wg_session.c (the index
 * table, keypairs, endpoints), wg_hs.c (handshakes and cookies),
 * wg_data.c (the transport path) and wg_device.c (peers, dispatch,
 * timers).
 */
#ifndef HAMD_WG_H
#define HAMD_WG_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/allowedips.h"
#include "crypto/cookie.h"
#include "crypto/noise.h"
#include "ipc/pktbatch.h"
#include "crypto/replay.h"
#include "crypto/transport.h"
#include "crypto/wg_result.h"

#define WG_MAX_PEERS		4096
#define WG_MAX_STAGED		128	/* packets held while a handshake runs */
#define WG_INDEX_BUCKETS	4096
/* Room a caller must leave before a plaintext it is given (vnet header). */
#define WG_HEADROOM		WG_DATA_HDR_LEN

struct wg_peer;

struct wg_keypair {
	struct wg_session_keys	 keys;
	struct replay_window	 replay;
	uint64_t		 send_counter;
	uint64_t		 birth;		/* ns */
	uint32_t		 local_index;
	uint32_t		 remote_index;
	int			 initiator;
	int			 valid;
};

struct wg_index {
	struct wg_index		*next;
	uint32_t		 index;
	struct wg_peer		*peer;
	struct wg_keypair	*kp;		/* NULL: the peer's handshake */
};

/* A packet held until a session exists. */
struct wg_staged {
	uint16_t		 len;
	uint8_t			 data[];
};

struct wg_peer_stats {
	uint64_t		 rx_bytes, tx_bytes;
	uint64_t		 rx_packets, tx_packets;
	uint64_t		 handshakes;
	int64_t			 last_handshake;	/* unix seconds, 0 never */
	uint64_t		 drops[WG_RESULT_MAX];
};

enum wg_hs_state { WG_HS_NONE = 0, WG_HS_INITIATED };

/*
 * Addresses that authenticated lately, and when each was last reported
 * to the engine (two slots: the current path and the one a peer moves
 * to or probes).  The engine learns a configured peer's live paths
 * about once a second, which roaming needs; a hub peer's ten times a
 * second, since its path choice notices a path that stopped answering
 * by the reports that stopped (pathsel.h: PATHSEL_QUIET_MS).
 */
#define WG_EP_SLOTS		2
/* See wg_tx_room. */
#define WG_TX_ROOM_LEN		65535
#define WG_EP_REPORT_NS		UINT64_C(1000000000)
#define WG_EP_REPORT_HUB_NS	UINT64_C(100000000)
struct wg_ep_slot {
	struct pkt_addr		 addr;		/* af 0: free */
	uint64_t		 reported;	/* ns */
};

/* What a probe asks for (tun's IMSG_PEER_PROBE, PROBE_* in hamd_msg.h). */
enum wg_probe { WG_PROBE_KEEPALIVE = 0, WG_PROBE_HANDSHAKE = 1 };
/* A probe may force a new initiation at most this often. */
#define WG_PROBE_INIT_NS	UINT64_C(1000000000)
/*
 * Hub peers owe a passive keepalive this soon (static: the paper's
 * 10 s): whatever data a hub peer sends is answered, by data or by a
 * keepalive within this and tun's tick, so a sender that hears nothing
 * for PATHSEL_QUIET_MS knows its path is silent, not merely one-way.
 * A one-way stream costs its receiver ten 32-byte keepalives a second.
 */
#define WG_HUB_PASSIVE_KA_NS	UINT64_C(100000000)
/*
 * A hub peer whose data came as a stream (two packets within
 * WG_HUB_STREAM_NS) and stopped for WG_HUB_STALL_NS gets one probe
 * keepalive (to its path, its candidates and the relay).  The stream
 * may simply have ended; but if our NAT forgot its mappings (a router
 * that rebooted or flushed its state), nothing from outside reaches us
 * until we send, the peer's packets and the relay's alike die at our
 * router, and this packet is what makes the router let them in again.
 * One 32-byte packet per stream that ends.
 */
#define WG_HUB_STREAM_NS	UINT64_C(250000000)
#define WG_HUB_STALL_NS		UINT64_C(300000000)

struct wg_peer {
	uint32_t		 id;
	char			 name[64];
	uint8_t			 pubkey[32];
	uint8_t			 psk[32];
	int			 has_psk;
	uint16_t		 keepalive;	/* persistent, seconds */
	int			 seen;		/* in the latest configuration */
	int			 from_hub;	/* the hub's, not the file's */

	struct noise_handshake	 hs;
	enum wg_hs_state	 hs_state;
	struct wg_index		 hs_idx;	/* index entry of hs */
	uint8_t			 last_ts[12];
	int			 have_ts;
	uint64_t		 last_init_rx;	/* flood limit, ns */
	struct cookie_maker	 cm;

	struct wg_keypair	 kp[3];		/* storage */
	struct wg_index		 kp_idx[3];
	struct wg_keypair	*current, *previous, *next;

	struct pkt_addr		 endpoint;	/* last authenticated source */
	struct wg_ep_slot	 ep_seen[WG_EP_SLOTS];
	/*
	 * Hub peers: received data is answered within 200 ms (a path's
	 * liveness shows within half a second), and every initiation and
	 * probe keepalive carries PKT_F_PROBE so the engine copies it to
	 * the candidates and the relay.  Static peers keep WireGuard's
	 * constants: the far end may be any WireGuard.
	 */
	uint64_t		 passive_ka;	/* ns */
	uint16_t		 probe_flags;	/* PKT_F_PROBE or 0 */
	uint32_t		 rtt_us;	/* last handshake's, 0: none */
	/* the engine's word on the path (hamctl peers) */
	int32_t			 path;		/* enum path_kind */
	struct pkt_addr		 path_addr;
	int64_t			 path_since;	/* unix seconds */
	uint64_t		 probe_win;	/* ns: probes per second */
	unsigned int		 probe_count;

	/* timers, ns; 0 = not armed */
	uint64_t		 t_retransmit;
	uint64_t		 t_attempt_start;
	uint64_t		 t_last_init_sent;
	uint64_t		 t_keepalive;
	uint64_t		 t_new_handshake;
	uint64_t		 t_last_sent;
	uint64_t		 t_last_keys;		/* last session made */
	uint64_t		 t_recross;		/* see wg_recv_initiation */
	uint64_t		 t_last_data_rx;	/* hub peers */
	uint64_t		 t_rx_stall;		/* see WG_HUB_STALL_NS */

	struct wg_staged	*staged[WG_MAX_STAGED];
	int			 nstaged;

	struct wg_peer_stats	 st;
};

/* What the device needs from its process. */
struct wg_io {
	void		*arg;
	/*
	 * Room for one outgoing datagram of up to maxlen bytes, for peer (to
	 * its endpoint) or, with PKT_F_TO_ADDR, to `to'; NULL if none.
	 */
	uint8_t		*(*out_reserve)(void *arg, uint32_t peer, uint16_t flags,
			    const struct pkt_addr *to, size_t maxlen);
	void		 (*out_commit)(void *arg, size_t len);
	/* A decrypted packet for the TUN device; WG_HEADROOM bytes before
	 * pkt are the caller's to use. */
	void		 (*tun_write)(void *arg, uint8_t *pkt, size_t len);
	/*
	 * A packet from addr authenticated as peer: its new endpoint.
	 * response: it was a handshake response (the answer to our
	 * initiation, which tells the engine which way that took).
	 */
	void		 (*endpoint)(void *arg, uint32_t peer,
			    const struct pkt_addr *, int response);
	/*
	 * LAN destinations (lanrep.h); either may be NULL.  lan_out: a
	 * packet for a broadcast or multicast address, or one no peer's
	 * allowed IPs route.  lan_in: a decrypted packet from p, from its
	 * own address, whose destination lan_rx_maybe() names: 1 to write
	 * it to the TUN device.
	 */
	void		 (*lan_out)(void *arg, const uint8_t *pkt, size_t len,
			    uint64_t now);
	int		 (*lan_in)(void *arg, struct wg_peer *p,
			    const uint8_t *pkt, size_t len, uint64_t now);
	/*
	 * A decrypted plaintext from p that is no IP packet: an Ethernet
	 * frame (l2sw.h), or garbage; NULL: dropped as malformed.
	 */
	void		 (*frame_in)(void *arg, struct wg_peer *p,
			    const uint8_t *pt, size_t len, uint64_t now);
};

/* Per-source token buckets for handshake messages under load. */
#define WG_RL_SLOTS		4096
struct wg_rl_slot {
	uint8_t			 addr[16];
	uint8_t			 af;
	uint64_t		 last;		/* ns */
	uint64_t		 tokens;	/* ns of credit */
};

struct wg_dev {
	struct noise_protocol	 proto;
	struct noise_static	 self;
	int			 have_key;
	struct cookie_checker	 cc;
	struct wg_io		 io;
	size_t			 mtu;

	struct wg_peer		*peers[WG_MAX_PEERS];
	int			 npeers;
	struct allowedips	*aips;
	struct wg_index		*buckets[WG_INDEX_BUCKETS];

	/* load detection for cookies */
	uint64_t		 load_window_start;
	uint32_t		 load_count;
	int			 under_load;
	int			 force_under_load;	/* test hook */
	uint64_t		 rekey_after;		/* ns; test hook shortens */
	int			 keylog;		/* test hook: log keys */
	uint64_t		 send_counter0;		/* test hook: first one */

	uint64_t		 drops[WG_RESULT_MAX];	/* unattributed */
	uint64_t		 unknown_peer;		/* initiations */
	uint64_t		 cookies_sent;
	uint64_t		 ratelimited;	/* handshakes over the source limit */
	uint8_t			 rl_key[16];	/* hashes sources to slots */
	struct wg_rl_slot	 rl[WG_RL_SLOTS];

	/* The overlay's directed broadcast, for lan_rx_maybe (lanrep.c). */
	uint8_t			 lan_bcast4[4];

	uint8_t			 buf[WG_DATA_MAX_LEN + 64];	/* rx scratch */
	/*
	 * Where packets are sealed before they are copied out: the
	 * batch they go to may be memory the engine shares, and it must
	 * never see a plaintext byte, nor change a ciphertext byte
	 * between the encryption and the tag (libsodium reads the
	 * ciphertext back to compute it).
	 */
	uint8_t			 tbuf[WG_DATA_HDR_LEN + WG_TX_ROOM_LEN + 64];
};

/* New device in sodium_malloc'd memory; NULL on ENOMEM. */
struct wg_dev	*wg_dev_new(const struct wg_io *, size_t mtu);
void		 wg_dev_free(struct wg_dev *);
/* The node's static key; 0, or -1 if its public key is low-order. */
int		 wg_dev_set_key(struct wg_dev *, const uint8_t priv[32]);

/*
 * Add or update a peer (by public key).  A new PSK or new key drops the
 * peer's sessions; allowed IPs are replaced.  -1 when full or on a bad
 * prefix.
 */
struct ip_prefix;
int		 wg_peer_set(struct wg_dev *, uint32_t id, const char *name,
		    const uint8_t pub[32], const uint8_t *psk,
		    uint16_t keepalive, const struct ip_prefix *allowed,
		    int nallowed, uint64_t now);
/* Start of a reconfiguration, and its end: peers not set in between go. */
void		 wg_config_begin(struct wg_dev *);
void		 wg_config_end(struct wg_dev *);
struct wg_peer	*wg_peer_by_id(struct wg_dev *, uint32_t id);
struct wg_peer	*wg_peer_by_key(struct wg_dev *, const uint8_t pub[32]);
/* Remove a peer with its sessions; -1 if there is none with this id. */
int		 wg_peer_remove(struct wg_dev *, uint32_t id);
/* Start a handshake now (unless one is already under way). */
void		 wg_peer_initiate(struct wg_dev *, struct wg_peer *, uint64_t);
/* The hub's peer: short passive keepalive, PKT_F_PROBE (see above). */
void		 wg_peer_set_hub(struct wg_peer *);
/*
 * A probe for hole punching: WG_PROBE_KEEPALIVE sends a keepalive on a
 * usable session, else an initiation; WG_PROBE_HANDSHAKE an initiation.
 * An initiation a probe forces ignores REKEY_TIMEOUT's limit but comes
 * at most once per WG_PROBE_INIT_NS.  Returns 1 if something was sent.
 */
int		 wg_peer_probe(struct wg_dev *, struct wg_peer *, int kind,
		    uint64_t now);
/* Does the peer have a session we can send on now? */
int		 wg_peer_has_session(const struct wg_peer *, uint64_t now);

/* A packet read from the TUN device (no vnet header). */
/*
 * Where a caller may build a packet (up to WG_TX_ROOM_LEN bytes) so
 * that wg_send_packet seals it where it is, without a copy: the payload
 * area of the device's private buffer.  It is overwritten by the next
 * packet sent.
 */
uint8_t		*wg_tx_room(struct wg_dev *);
void		 wg_send_packet(struct wg_dev *, const uint8_t *pkt, size_t len,
		    uint64_t now);
/* A packet for p: encrypted now, or held while a handshake runs. */
void		 wg_peer_send(struct wg_dev *, struct wg_peer *,
		    const uint8_t *pkt, size_t len, uint64_t now);
/* A datagram the engine received from src. */
void		 wg_receive(struct wg_dev *, const struct pkt_addr *src,
		    const uint8_t *msg, size_t len, uint64_t now);
/* Run due timers; call at least every 100 ms. */
void		 wg_tick(struct wg_dev *, uint64_t now);

#endif
