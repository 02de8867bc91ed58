/*
 * TUN offloads, the userspace half: with TUN_F_CSUM and TUN_F_TSO* the
 * kernel hands the tun process packets whose checksum is left to us and
 * TCP super-packets of up to 64 KB that we must cut into MTU-sized
 * segments ourselves.  One read then carries what would otherwise take
 * dozens, which is where the time goes on a busy tunnel.
 *
 * Everything here is pure: bytes in, segments out through a callback.
 */
#ifndef HAMD_OFFLOAD_H
#define HAMD_OFFLOAD_H

#include <stddef.h>
#include <stdint.h>

/* The virtio-net header in front of each packet (host byte order). */
struct vnet_hdr {
	uint8_t		 flags;		/* VNET_F_NEEDS_CSUM */
	uint8_t		 gso_type;	/* VNET_GSO_* */
	uint16_t	 hdr_len;
	uint16_t	 gso_size;
	uint16_t	 csum_start;
	uint16_t	 csum_offset;
};
#define VNET_HDR_LEN		10
#define VNET_F_NEEDS_CSUM	1
#define VNET_GSO_NONE		0
#define VNET_GSO_TCPV4		1
#define VNET_GSO_TCPV6		4
#define VNET_GSO_ECN		0x80

/* Called once per finished packet; the buffer is reused afterwards. */
typedef void (*offload_fn)(void *arg, const uint8_t *pkt, size_t len);

/*
 * Take one read from the TUN device (header and packet) and emit the
 * packets it stands for: itself with its checksum completed, or the
 * segments of a TCP super-packet, each with correct IP and TCP headers
 * and checksums.  scratch must hold 65535 bytes.  Returns the number
 * of packets emitted, or -1 for a read that makes no sense (dropped).
 */
int	offload_split(const uint8_t *buf, size_t len, uint8_t *scratch,
	    offload_fn fn, void *arg);

/* The Internet checksum of a buffer, folded, not inverted, plus sum. */
uint32_t offload_csum_add(uint32_t sum, const uint8_t *p, size_t len);
uint16_t offload_csum_fold(uint32_t sum);

#endif

/*
 * The other direction: decrypted TCP segments of one flow that follow
 * each other are written to the TUN device as one super-packet with a
 * virtio header (GSO), the way GRO would have merged them on a NIC.  The
 * receiving stack then handles one packet instead of dozens.
 */
#define GRO_FLOWS	8
#define GRO_MAX_LEN	65535
#define GRO_MAX_SEGS	64

struct gro_flow {
	size_t		 len;		/* bytes in buf (no vnet header) */
	size_t		 hdrlen;	/* IP + TCP headers */
	size_t		 mss;		/* payload of the first segment */
	int		 v6;
	int		 nsegs;
	int		 closed;	/* a short or PSH segment ended it */
	uint64_t	 age;		/* for replacing the oldest flow */
	uint8_t		 buf[VNET_HDR_LEN + GRO_MAX_LEN];
};

struct gro {
	struct gro_flow	 flows[GRO_FLOWS];
	uint64_t	 clock;
	/* Writes one packet to the device: vnet header first. */
	void		(*write)(void *arg, const uint8_t *buf, size_t len);
	void		*arg;
	uint64_t	 merged;	/* segments that joined another */
};

void	gro_init(struct gro *, void (*write)(void *, const uint8_t *, size_t),
	    void *arg);
/*
 * Offer one plaintext packet.  A TCP segment may be held to be merged;
 * anything else is written at once (after what it must follow).
 */
void	gro_packet(struct gro *, const uint8_t *pkt, size_t len);
/* Write everything held; call at the end of each batch. */
void	gro_flush(struct gro *);
