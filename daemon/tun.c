/*
 * tun: the only process that holds keys.  It receives the node's private
 * key from the parent, and later the TUN fd, the peers' keys and every
 * session key; it does the handshakes, the encryption and the cryptokey
 * routing.
 */
#include "autoconf.h"

#include <sodium.h>
#include <string.h>

#include "hamd.h"
#include "key.h"
#include "log.h"
#include "proc.h"
#include "sandbox.h"

struct tunstate {
	uint8_t		 priv[KEY_LEN];
	uint8_t		 pub[KEY_LEN];
	int		 have_key;
};

static struct tunstate	*ts;

static void
tun_dispatch_parent(struct privsep *ps, int from, struct imsg *imsg)
{
	int32_t	 v;

	switch (imsg->hdr.type) {
	case IMSG_TUN_PRIVKEY:
		if (ts->have_key)
			fatalx("parent sent a second private key");
		(void)imsg_get_data(imsg, ts->priv, sizeof(ts->priv));
		if (key_public(ts->pub, ts->priv) == -1)
			fatalx("the node key has a low-order public key");
		ts->have_key = 1;
		proc_compose(ps, PROC_PARENT, IMSG_TUN_PUBKEY, 0, -1, ts->pub,
		    sizeof(ts->pub));
		break;
	case IMSG_LOG_VERBOSE:
		(void)imsg_get_data(imsg, &v, sizeof(v));
		log_setverbose(v);
		break;
	default:
		fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
	}
}

static void
tun_dispatch_child(struct privsep *ps, int from, struct imsg *imsg)
{
	fatalx("%s: unexpected message %u from %s", __func__, imsg->hdr.type,
	    ps->procs[from].name);
}

void
tun_run(struct privsep *ps)
{
	if (sodium_init() < 0)
		fatalx("libsodium failed to initialise");
	/* Guarded pages: never swapped, never in a core dump. */
	if ((ts = sodium_malloc(sizeof(*ts))) == NULL)
		fatalx("sodium_malloc");
	memset(ts, 0, sizeof(*ts));
	proc_child_setup(ps);
	ps->dispatch[PROC_PARENT] = tun_dispatch_parent;
	ps->dispatch[HAMD_PROC_CONTROL] = tun_dispatch_child;
	ps->dispatch[HAMD_PROC_ENGINE] = tun_dispatch_child;
	proc_child_loop(ps, &policy_tun);
}
