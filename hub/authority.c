/*
 * authority: the hub's only process with its static key.  It runs the
 * Noise IK responder for every node connection the engine carries,
 * logs nodes in, keeps presence, decides membership, checks relay
 * registrations with the tokens only it holds, answers hamctl hub
 * requests, and owns the database.
 *
 * This file is its top: start-up, the once-a-second tick, and the
 * messages of the other processes, each handed to the part whose job
 * it is (login.c, relaycheck.c, authctl.c).  Below those: membership.c,
 * candidates.c, presence.c, and session.c at the bottom.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <event2/event.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

#include "crypto/key.h"
#include "hub/authctl.h"
#include "hub/authtraffic.h"
#include "hub/authweb.h"
#include "hub/budget.h"
#include "hub/candidates.h"
#include "hub/cluster.h"
#include "hub/guest.h"
#include "hub/hubconfig.h"
#include "hub/hubd_msg.h"
#include "hub/login.h"
#include "hub/membership.h"
#include "hub/memtrim.h"
#include "hub/relaycheck.h"
#include "hub/remote.h"
#include "hub/session.h"
#include "hub/store.h"
#include "privsep/log.h"
#include "privsep/policies.h"
#include "privsep/proc.h"
#include "privsep/sandbox.h"

#define DATABASE_PATH		"/data/hub.db"	/* inside the chroot */
#define TICK_SEC		1

static struct event	*ev_tick;
static struct memtrim	 trim;

/*
 * Without a configured IPv6 pool the hub makes a ULA /64 (RFC 4193: fd,
 * a random 40-bit global ID, subnet 0) once and keeps it in the
 * database, so addresses survive restarts.
 */
static void
pool6_setup(void)
{
	uint8_t	 ula[16];

	if (au.conf.pool6.plen != 0) {
		memcpy(au.pool6, &au.conf.pool6.addr, 16);
		au.plen6 = au.conf.pool6.plen;
		return;
	}
	memset(ula, 0, sizeof(ula));
	ula[0] = 0xfd;
	randombytes_buf(ula + 1, 5);
	if (store_meta_get_or_set(au.store, "ula6", ula, sizeof(ula)) !=
	    STORE_OK)
		fatalx("cannot keep the IPv6 prefix: %s",
		    store_errmsg(au.store));
	memcpy(au.pool6, ula, 16);
	au.plen6 = 64;
}

static void
authority_tick(int fd, short ev, void *arg)
{
	login_tick(authority_ns());
	candidates_tick();
	cluster_tick(au.nonline);
	login_reap();
	memtrim_tick(&trim, au.nsessions);
	authtraffic_tick(authority_ms());
}

static void
authority_dispatch_control(struct privsep *ps, int from, struct imsg *imsg)
{
	authctl_request(imsg);
	login_reap();
}

static void
authority_dispatch_engine(struct privsep *ps, int from, struct imsg *imsg)
{
	struct hub_conn_msg	 cm;

	switch (imsg->hdr.type) {
	case IMSG_HUB_CONN_OPEN:
		if (imsg_get_data(imsg, &cm, sizeof(cm)) == -1)
			fatalx("%s: bad size", __func__);
		login_conn_open(from, imsg->hdr.peerid, &cm);
		break;
	case IMSG_HUB_FRAME_IN:
		login_frame_in(from, imsg->hdr.peerid, imsg->data,
		    imsg_get_len(imsg));
		break;
	case IMSG_HUB_CONN_CLOSED:
		login_conn_closed(from, imsg->hdr.peerid);
		break;
	case IMSG_HUBD_ENGINE_STATS:
		authctl_engine_stats(from, imsg);
		break;
	case IMSG_HUBD_RELAY_REGISTER:
		relaycheck_register(from, imsg);
		break;
	case IMSG_HUBD_TRAFFIC:
		authtraffic_answer(from, imsg);
		break;
	default:
		fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
	}
	login_reap();
}

static void
authority_privkey(struct imsg *imsg)
{
	uint8_t	 priv[KEY_LEN];

	if (au.have_key)
		fatalx("parent sent a second private key");
	if (imsg_get_data(imsg, priv, sizeof(priv)) == -1)
		fatalx("%s: bad size", __func__);
	memcpy(au.self->priv, priv, KEY_LEN);
	sodium_memzero(priv, sizeof(priv));
	if (key_public(au.self->pub, au.self->priv) == -1)
		fatalx("the hub key has a low-order public key");
	au.have_key = 1;
	guest_init(au.self->priv);
	proc_compose(au.ps, PROC_PARENT, IMSG_HUBD_PUBKEY, 0, -1,
	    au.self->pub, KEY_LEN);
}

/* What the other hubs of a cluster say: remote.c's to act on. */
static const struct cluster_cb cluster_cb = {
	.event = remote_event,
	.alive = remote_alive,
	.resync = remote_resync,
};

/*
 * The store, as the parent says: SQLite's file in the chroot, or a
 * PostgreSQL server the authority connects to itself, from inside its
 * sandbox (privsep/policy_hamhubd.c allows what libpq needs), since a
 * connection cannot be passed between processes.  The parent has
 * resolved the host names and read the password; both are wiped here
 * once used.  Not reaching the database at start ends the hub, as a
 * missing SQLite file would; once running, a lost connection only
 * fails the requests that need it (store_pg.c).
 */
static void
authority_database(struct imsg *imsg)
{
	struct hubd_db_msg	 m;
	char			 err[512];

	if (au.store != NULL)
		fatalx("parent sent a second database");
	if (imsg_get_data(imsg, &m, sizeof(m)) == -1)
		fatalx("%s: bad size", __func__);
	m.conninfo[sizeof(m.conninfo) - 1] = '\0';
	m.password[sizeof(m.password) - 1] = '\0';
	if (m.type == HUBD_DB_POSTGRESQL)
		au.store = store_open_pg(m.conninfo, m.password[0] != '\0' ?
		    m.password : NULL, err, sizeof(err));
	else if (m.type == HUBD_DB_SQLITE)
		au.store = store_open(DATABASE_PATH, err, sizeof(err));
	else
		fatalx("%s: unknown database type %d", __func__, m.type);
	sodium_memzero(&m, sizeof(m));
	if (au.store == NULL)
		fatalx("database: %s", err);
	log_info("database: %s", store_backend_name(au.store));
	cluster_init(au.store, au.ps->base, &cluster_cb);
}

static void
authority_conf(struct imsg *imsg)
{
	if (au.store == NULL)
		fatalx("parent sent the configuration before the database");
	if (imsg_get_data(imsg, &au.conf, sizeof(au.conf)) == -1)
		fatalx("%s: bad size", __func__);
	if (au.conf.engines < 1 || au.conf.engines > HUBD_ENGINES_MAX)
		fatalx("parent sent %u engines", au.conf.engines);
	if (au.conf.pool4.af != AF_INET || au.conf.pool4.plen < 8 ||
	    au.conf.pool4.plen > 30 || (au.conf.pool6.plen != 0 &&
	    (au.conf.pool6.af != AF_INET6 ||
	    au.conf.pool6.plen < 48 || au.conf.pool6.plen > 96)))
		fatalx("parent sent unusable address pools");
	au.have_conf = 1;
	pool6_setup();
}

static void
authority_dispatch_parent(struct privsep *ps, int from, struct imsg *imsg)
{
	switch (imsg->hdr.type) {
	case IMSG_HUBD_PRIVKEY:
		authority_privkey(imsg);
		break;
	case IMSG_HUBD_DATABASE:
		authority_database(imsg);
		break;
	case IMSG_HUBD_CONF:
		authority_conf(imsg);
		break;
	default:
		fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
	}
}

static struct proc_peer authority_peers[2 + HUBD_ENGINES_MAX] = {
	{ PROC_PARENT, authority_dispatch_parent },
	{ HUBD_PROC_CONTROL, authority_dispatch_control },
};

void
authority_run(struct privsep *ps)
{
	struct timeval	 tick = { TICK_SEC, 0 };
	int		 i;

	if (sodium_init() < 0)
		fatalx("libsodium failed to initialise");
	memset(&au, 0, sizeof(au));
	au.ps = ps;
	au.started = time(NULL);
	session_init();
	/* Before the sandbox: the budgets' tables draw their secrets. */
	if (budget_init() == -1)
		fatal("%s: budget_init", __func__);
#ifdef HAMD_TEST_HOOKS
	if (budget_test_small())
		log_warnx("test hook: the hub-wide budgets are small");
#endif
	login_init();
	remote_init(login_reap);
	if ((au.self = sodium_malloc(sizeof(*au.self))) == NULL)
		fatal("%s: sodium_malloc", __func__);
	if (hub_proto_init(&au.proto) != WG_OK)
		fatalx("cannot set up the hub protocol");
	proc_child_setup(ps);
	/* The store opens on the parent's IMSG_HUBD_DATABASE. */
	for (i = 0; i < HUBD_ENGINES_MAX; i++)
		authority_peers[2 + i] = (struct proc_peer){
		    HUBD_PROC_ENGINE + i, authority_dispatch_engine };
	proc_peers(ps, authority_peers, nitems(authority_peers));
	authweb_init(ps);
	ev_tick = event_new(ps->base, -1, EV_PERSIST, authority_tick, NULL);
	if (ev_tick == NULL || event_add(ev_tick, &tick) == -1)
		fatalx("cannot start the timer");
	proc_child_loop(ps, &policy_hubd_authority);
}
