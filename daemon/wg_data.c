/*
 * The transport path: packets from the TUN device routed by allowed
 * IPs, encrypted on the current session or held while a handshake
 * runs; keepalives and probes; data messages authenticated, decrypted
 * and checked against the sender's allowed IPs on the way in.  A
 * session that grows old here starts the next handshake.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "compat/bytes.h"
#include "privsep/log.h"
#include "crypto/wg_timers.h"
#include "crypto/wg_wire.h"
#include "daemon/wg.h"
#include "daemon/wg_data.h"
#include "daemon/wg_hs.h"
#include "daemon/wg_session.h"
#include "daemon/lanclass.h"

/*
 * Encrypt one packet (or a keepalive, len 0) on the current session;
 * flags go on its record (PKT_F_PROBE for a probe keepalive).
 */
static int
peer_encrypt(struct wg_dev *d, struct wg_peer *p, const uint8_t *pkt,
    size_t len, uint64_t now, uint16_t flags)
{
	struct wg_keypair	*kp = p->current;
	uint8_t			*out;
	size_t			 cap, outlen;
	uint64_t		 ctr;

	if (kp == NULL || !kp->valid || wg_keypair_expired(kp, now) ||
	    kp->send_counter >= REJECT_AFTER_MESSAGES)
		return -1;
	cap = wg_data_msg_len(len, d->mtu);
	if (cap > sizeof(d->tbuf))
		return -1;
	if ((out = d->io.out_reserve(d->io.arg, p->id, flags, NULL, cap)) ==
	    NULL)
		return 0;	/* no room: dropped like a full queue */
	/* A keepalive has no packet; one built in place needs no copy. */
	if (len > 0 && pkt != d->tbuf + WG_DATA_HDR_LEN)
		memcpy(d->tbuf + WG_DATA_HDR_LEN, pkt, len);
	ctr = kp->send_counter++;
	if (wg_data_seal(d->tbuf, cap, len, d->mtu, kp->remote_index, ctr,
	    kp->keys.send, &outlen) != WG_OK) {
		d->io.out_commit(d->io.arg, 0);
		return -1;
	}
	memcpy(out, d->tbuf, outlen);
	d->io.out_commit(d->io.arg, outlen);
	p->st.tx_packets++;
	p->st.tx_bytes += outlen;
	p->t_last_sent = now;
	/* We sent something: no passive keepalive is owed. */
	p->t_keepalive = 0;
	if (len > 0 && p->t_new_handshake == 0)
		p->t_new_handshake = now +
		    WG_NSEC(KEEPALIVE_TIMEOUT + REKEY_TIMEOUT);
	/*
	 * The initiator of an old session starts the next one; a key that
	 * carried REKEY_AFTER_MESSAGES messages needs one whoever made it
	 * (as in Linux and wireguard-go), or the responder would send on it
	 * until REJECT_AFTER_MESSAGES cut it off.
	 */
	if (kp->send_counter >= REKEY_AFTER_MESSAGES ||
	    (kp->initiator && now - kp->birth >= d->rekey_after))
		wg_initiate(d, p, now, WG_INIT_NORMAL);
	return 0;
}

uint8_t *
wg_tx_room(struct wg_dev *d)
{
	return d->tbuf + WG_DATA_HDR_LEN;
}

static void
peer_stage(struct wg_peer *p, const uint8_t *pkt, size_t len)
{
	struct wg_staged	*s;

	if (p->nstaged == WG_MAX_STAGED) {
		/* Keep the newest: drop the oldest, wiped like the rest. */
		sodium_memzero(p->staged[0]->data, p->staged[0]->len);
		free(p->staged[0]);
		memmove(&p->staged[0], &p->staged[1],
		    sizeof(p->staged[0]) * (WG_MAX_STAGED - 1));
		p->nstaged--;
	}
	if ((s = malloc(sizeof(*s) + len)) == NULL)
		return;
	s->len = (uint16_t)len;
	memcpy(s->data, pkt, len);
	p->staged[p->nstaged++] = s;
}

static void
peer_send_staged(struct wg_dev *d, struct wg_peer *p, uint64_t now)
{
	int	 i, n = p->nstaged;

	for (i = 0; i < n; i++)
		(void)peer_encrypt(d, p, p->staged[i]->data,
		    p->staged[i]->len, now, 0);
	wg_peer_clear_staged(p);
}

void
wg_peer_send_keepalive(struct wg_dev *d, struct wg_peer *p, uint64_t now)
{
	if (peer_encrypt(d, p, NULL, 0, now, 0) == -1)
		wg_initiate(d, p, now, WG_INIT_NORMAL);
}

void
wg_peer_confirm_session(struct wg_dev *d, struct wg_peer *p, uint64_t now)
{
	if (p->nstaged > 0)
		peer_send_staged(d, p, now);
	else
		wg_peer_send_keepalive(d, p, now);
}

int
wg_peer_probe(struct wg_dev *d, struct wg_peer *p, int kind, uint64_t now)
{
	if (kind == WG_PROBE_KEEPALIVE && wg_peer_has_session(p, now) &&
	    peer_encrypt(d, p, NULL, 0, now, p->probe_flags) == 0)
		return 1;
	if (p->t_last_init_sent != 0 &&
	    now - p->t_last_init_sent < WG_PROBE_INIT_NS)
		return 0;
	wg_initiate(d, p, now, WG_INIT_FORCED);
	return p->hs_state == WG_HS_INITIATED && p->t_last_init_sent == now;
}

/* The destination of an IP packet; 0 or -1 for anything else. */
static int
ip_dst(const uint8_t *pkt, size_t len, int *af, const uint8_t **dst)
{
	if (len >= 20 && (pkt[0] >> 4) == 4) {
		*af = AF_INET;
		*dst = pkt + 16;
		return 0;
	}
	if (len >= 40 && (pkt[0] >> 4) == 6) {
		*af = AF_INET6;
		*dst = pkt + 24;
		return 0;
	}
	return -1;
}

void
wg_send_packet(struct wg_dev *d, const uint8_t *pkt, size_t len,
    uint64_t now)
{
	const uint8_t	*dst;
	struct wg_peer	*p;
	uint32_t	 id;
	int		 af;

	if (len == 0 || len > WG_DATA_MAX_PLAIN || ip_dst(pkt, len, &af,
	    &dst) == -1)
		return;
	/*
	 * Broadcast and multicast are the LAN's, whatever a peer's allowed
	 * IPs say; so is what no peer routes (a directed broadcast).
	 */
	if (lan_group(af == AF_INET6, dst) ||
	    (id = allowedips_lookup(d->aips, af, dst)) == ALLOWEDIPS_PEER_NONE ||
	    (p = wg_peer_by_id(d, id)) == NULL) {
		if (d->io.lan_out != NULL)
			d->io.lan_out(d->io.arg, pkt, len, now);
		return;
	}
	wg_peer_send(d, p, pkt, len, now);
}

void
wg_peer_send(struct wg_dev *d, struct wg_peer *p, const uint8_t *pkt,
    size_t len, uint64_t now)
{
	if (p->nstaged == 0 && peer_encrypt(d, p, pkt, len, now, 0) == 0)
		return;
	peer_stage(p, pkt, len);
	wg_initiate(d, p, now, WG_INIT_NORMAL);
}

/* The source of an inner packet whose length the IP header confirms. */
static int
inner_src(const uint8_t *pkt, size_t len, int *af, const uint8_t **src,
    size_t *iplen)
{
	size_t	 l;

	if (len >= 20 && (pkt[0] >> 4) == 4) {
		l = get_be16(pkt + 2);
		if (l < 20 || l > len)
			return -1;
		*af = AF_INET;
		*src = pkt + 12;
		*iplen = l;
		return 0;
	}
	if (len >= 40 && (pkt[0] >> 4) == 6) {
		l = (size_t)get_be16(pkt + 4) + 40;
		if (l > len)
			return -1;
		*af = AF_INET6;
		*src = pkt + 8;
		*iplen = l;
		return 0;
	}
	return -1;
}

void
wg_recv_data(struct wg_dev *d, const struct pkt_addr *src, const uint8_t *msg,
    size_t len, uint64_t now)
{
	struct wg_index		*e;
	struct wg_keypair	*kp;
	struct wg_peer		*p;
	const uint8_t		*isrc;
	uint8_t			*pt;
	uint64_t		 ctr;
	uint32_t		 idx;
	size_t			 ptlen, iplen;
	int			 r, af;

	/*
	 * Decrypt a copy: the batch we read from is not ours to change,
	 * and may be memory the engine can still write.  Everything below
	 * reads the copy only.
	 */
	if (len > WG_DATA_MAX_LEN) {
		d->drops[WG_DROP_MALFORMED]++;
		return;
	}
	memcpy(d->buf, msg, len);
	if ((r = wg_data_header(d->buf, len, &idx, &ctr)) != WG_OK) {
		d->drops[r]++;
		return;
	}
	if ((e = wg_index_find(d, idx)) == NULL || (kp = e->kp) == NULL ||
	    !kp->valid) {
		log_debug("data for unknown index %08x", idx);
		d->drops[WG_DROP_UNKNOWN_INDEX]++;
		return;
	}
	p = e->peer;
	if (wg_keypair_expired(kp, now)) {
		p->st.drops[WG_DROP_STATE]++;
		return;
	}
	r = wg_data_open_window(d->buf, len, kp->keys.recv, &kp->replay,
	    &ptlen);
	if (r != WG_OK) {
		log_debug("peer %s: data dropped: %s", p->name,
		    wg_result_str(r));
		p->st.drops[r]++;
		return;
	}
	if (kp == p->next) {
		wg_peer_confirm_next(d, p);
		/*
		 * What waited for a session goes out on the one just
		 * confirmed, as in Linux and wireguard-go (peer_encrypt
		 * leaves d->buf alone).
		 */
		if (p->nstaged > 0)
			peer_send_staged(d, p, now);
	}
	wg_note_endpoint(d, p, src, 0, now);
	p->st.rx_packets++;
	p->st.rx_bytes += len;
	/* Anything authenticated answers our last data: no rekey needed. */
	p->t_new_handshake = 0;
	if (kp->initiator && now - kp->birth >= WG_NSEC(REJECT_AFTER_TIME -
	    KEEPALIVE_TIMEOUT - REKEY_TIMEOUT))
		wg_initiate(d, p, now, WG_INIT_NORMAL);
	if (ptlen == 0)
		return;		/* keepalive */
	/* We owe a keepalive unless we send something soon. */
	if (p->t_keepalive == 0)
		p->t_keepalive = now + p->passive_ka;
	if (p->from_hub) {
		if (p->t_last_data_rx != 0 &&
		    now - p->t_last_data_rx < WG_HUB_STREAM_NS)
			p->t_rx_stall = now + WG_HUB_STALL_NS;
		p->t_last_data_rx = now;
	}
	pt = d->buf + WG_DATA_HDR_LEN;
	if (inner_src(pt, ptlen, &af, &isrc, &iplen) == -1) {
		/* Not IP: an Ethernet frame's header, maybe (l2sw.h). */
		if (d->io.frame_in != NULL)
			d->io.frame_in(d->io.arg, p, pt, ptlen, now);
		else
			p->st.drops[WG_DROP_MALFORMED]++;
		return;
	}
	if (allowedips_lookup(d->aips, af, isrc) != p->id) {
		log_debug("peer %s: inner source not in its allowed IPs",
		    p->name);
		p->st.drops[WG_DROP_ALLOWED_IPS]++;
		return;
	}
	if (lan_rx_maybe(pt, d->lan_bcast4) && d->io.lan_in != NULL &&
	    !d->io.lan_in(d->io.arg, p, pt, iplen, now))
		return;
	d->io.tun_write(d->io.arg, pt, iplen);
}
