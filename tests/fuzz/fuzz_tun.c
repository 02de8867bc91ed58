/*
 * libFuzzer target: what reaches the tun process over IPC.  The input is
 * a sequence of operations, each a type byte, a 2-byte length and that
 * many bytes: a packet batch from the engine (IMSG_PKT_IN, walked with
 * pktbatch_foreach into the WireGuard device as tun does), a peer
 * message from the parent (struct tun_peer_msg, checked as tun checks
 * it), the end of a configuration, a packet from the TUN device, the
 * clock moving on, or a batch in the shared ring (IMSG_PKT_RING_IN: a
 * descriptor, then bytes the engine wrote where it points, walked with
 * pktbatch_ring_foreach).  Nothing may crash, leak or break an
 * invariant.
 */
#include "autoconf.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/hamd_msg.h"
#include "privsep/log.h"
#include "ipc/pktbatch.h"
#include "ipc/pktring.h"
#include "daemon/wg.h"

int	LLVMFuzzerTestOneInput(const unsigned char *, size_t);

static uint8_t	 outbuf[70000];

static uint8_t *
fz_reserve(void *arg, uint32_t peer, uint16_t flags, const struct pkt_addr *to,
    size_t maxlen)
{
	return maxlen <= sizeof(outbuf) ? outbuf : NULL;
}

static void
fz_commit(void *arg, size_t len)
{
	if (len > sizeof(outbuf))
		abort();
}

static void
fz_tun_write(void *arg, uint8_t *pkt, size_t len)
{
	/* The headroom must really be there. */
	memset(pkt - WG_HEADROOM, 0, WG_HEADROOM);
	if (len > WG_DATA_MAX_LEN)
		abort();
}

static void
fz_endpoint(void *arg, uint32_t peer, const struct pkt_addr *a, int response)
{
	if (a->af != AF_INET && a->af != AF_INET6)
		abort();
}

static void
quiet(int pri, const char *line)
{
	(void)pri;
	(void)line;
}

struct fz {
	struct wg_dev	*dev;
	uint64_t	 now;
};

static void
fz_recv(void *arg, const struct pkt_rec *rec, const uint8_t *pkt)
{
	struct fz	*f = arg;

	wg_receive(f->dev, &rec->addr, pkt, rec->len, f->now);
}

/*
 * The ring the engine writes, as tun maps it: one, for every input, so
 * that a run does not allocate 8 MB each time; each input starts it
 * over.
 */
static struct pktring	 ring;
static uint64_t		 ring_released;

/* A descriptor, then what the engine wrote where it points. */
static void
fz_ring(struct fz *f, const uint8_t *p, size_t len)
{
	struct pkt_ring_msg	 d;
	size_t			 at, n;

	if (len < sizeof(d))
		return;
	memcpy(&d, p, sizeof(d));
	at = (size_t)(d.pos % PKTRING_SIZE);
	n = len - sizeof(d);
	if (n > PKTRING_SIZE - at)
		n = PKTRING_SIZE - at;
	memcpy(ring.data + at, p + sizeof(d), n);
	/* tun dies at -1; here the next descriptor is simply checked. */
	if (pktbatch_ring_foreach(&ring, &d, sizeof(d), fz_recv, f) != -1)
		pktring_release(&ring);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct wg_io		 io = { NULL, fz_reserve, fz_commit,
				    fz_tun_write, fz_endpoint };
	struct tun_peer_msg	 m;
	struct ip_prefix	 any;
	uint8_t			 priv[32], ppub[32], ppriv[32];
	struct fz		 f;
	size_t			 off = 0;

	if (sodium_init() < 0)
		abort();
	log_set_sink(quiet);
	if (ring.data == NULL && (ring.data = calloc(1, PKTRING_SIZE)) == NULL)
		abort();
	ring.size = PKTRING_SIZE;
	ring.released = &ring_released;
	ring.expect = ring_released = 0;
	memset(&f, 0, sizeof(f));
	f.now = 1000000000ull;
	if ((f.dev = wg_dev_new(&io, 1420)) == NULL)
		abort();
	/* Fixed keys, so that inputs are reproducible. */
	memset(priv, 0x11, sizeof(priv));
	memset(ppriv, 0x22, sizeof(ppriv));
	priv[0] &= 248; priv[31] = (priv[31] & 127) | 64;
	ppriv[0] &= 248; ppriv[31] = (ppriv[31] & 127) | 64;
	(void)crypto_scalarmult_base(ppub, ppriv);
	if (wg_dev_set_key(f.dev, priv) == -1)
		abort();
	memset(&any, 0, sizeof(any));
	any.af = AF_INET;
	any.plen = 0;
	(void)wg_peer_set(f.dev, 1, "fuzz", ppub, NULL, 25, &any, 1, f.now);

	while (size - off >= 3) {
		uint8_t		 op = data[off];
		size_t		 len = (size_t)data[off + 1] << 8 | data[off + 2];

		off += 3;
		if (len > size - off)
			len = size - off;
		switch (op % 6) {
		case 0:		/* IMSG_PKT_IN */
			(void)pktbatch_foreach(data + off, len, fz_recv, &f);
			break;
		case 1:		/* IMSG_TUN_PEER, checked as tun_set_peer does */
			if (len != sizeof(m))
				break;
			memcpy(&m, data + off, sizeof(m));
			m.name[sizeof(m.name) - 1] = '\0';
			if (m.nallowed > CONF_MAX_ALLOWED || m.id == 0 ||
			    m.id == PKT_PEER_NONE)
				break;
			(void)wg_peer_set(f.dev, m.id, m.name, m.pubkey,
			    m.has_psk ? m.psk : NULL, m.keepalive, m.allowed,
			    (int)m.nallowed, f.now);
			break;
		case 2:		/* IMSG_TUN_PEERS_END */
			wg_config_begin(f.dev);
			if (len > 0 && data[off] & 1)
				(void)wg_peer_set(f.dev, 1, "fuzz", ppub, NULL,
				    25, &any, 1, f.now);
			wg_config_end(f.dev);
			break;
		case 3:		/* a packet from the TUN device */
			wg_send_packet(f.dev, data + off, len, f.now);
			break;
		case 4:		/* time passes, up to ~18 minutes */
			f.now += (uint64_t)len * 16000000ull;
			wg_tick(f.dev, f.now);
			break;
		case 5:		/* IMSG_PKT_RING_IN */
			fz_ring(&f, data + off, len);
			break;
		}
		off += len;
	}
	wg_dev_free(f.dev);
	return 0;
}
