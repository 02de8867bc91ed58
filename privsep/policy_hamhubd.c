/*
 * Seccomp allow-lists of hamhubd's children, one table per process, in
 * the format of policy_hamd.c: the default action kills the process and
 * every entry says why it is needed.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>

#include "privsep/policy.h"
#include "privsep/sandbox.h"

/*
 * The engine gets its listeners bound, listening and non-blocking from
 * the parent, so it needs no socket(), bind(), listen() or fcntl();
 * accepted sockets are made non-blocking by accept4 itself.  Reads and
 * writes on node connections are plain read(2) and write(2).  The UDP
 * sockets of NAT discovery come bound, non-blocking and with PKTINFO
 * set: probes are read with recvmsg and answered with sendmsg, both in
 * EVENT_LOOP_BASE already, so discovery adds no system call.
 */
static const struct seccomp_allow hubd_engine_allow[] = {
	EVENT_LOOP_BASE,
	ALLOW_ARG1(accept4, 3, SOCK_NONBLOCK | SOCK_CLOEXEC,
	    "accept a node connection, non-blocking (those flags only)"),
	ALLOW(getsockname, "the local address the node reached"),
	ALLOW_ARG2(setsockopt, 1, IPPROTO_TCP, 2, TCP_NODELAY,
	    "TCP_NODELAY on node connections: frames are small"),
	ALLOW_ARG2(setsockopt, 1, SOL_SOCKET, 2, SO_KEEPALIVE,
	    "SO_KEEPALIVE on node connections"),
	ALLOW_ARG1(shutdown, 1, SHUT_WR,
	    "FIN after the last frame of a connection the authority "
	    "closes, so the node receives it before the close"),
};

const struct seccomp_policy policy_hubd_engine = {
	"engine", hubd_engine_allow, nitems(hubd_engine_allow)
};

/*
 * The authority holds the hub key and the database.  SQLite works on
 * files in its chroot (the database, its WAL and shared-memory index),
 * with POSIX advisory locks; Argon2id needs large allocations; the
 * key's pages are guarded and locked by libsodium.
 */
static const struct seccomp_allow hubd_authority_allow[] = {
	EVENT_LOOP_BASE,
	ALLOW(getrandom, "libsodium: ephemeral keys, network ids, salts"),
	ALLOW_NOEXEC(mprotect, "libsodium: guarded pages for secrets; "
	    "never executable"),
	ALLOW(mlock, "libsodium: secrets never reach swap"),
	ALLOW(munlock, "libsodium: release locked secrets"),
	ALLOW(openat, "SQLite: the database, its WAL and shm files"),
	ALLOW(fstat, "SQLite: file size and identity"),
	ALLOW(newfstatat, "SQLite: stat of the database files"),
	ALLOW(stat, "SQLite: stat of the database files (older libc)"),
	ALLOW(lstat, "SQLite: symlink check of the database path"),
	ALLOW(lseek, "SQLite: file positioning"),
	ALLOW(pread64, "SQLite: read pages"),
	ALLOW(pwrite64, "SQLite: write pages"),
	ALLOW(fsync, "SQLite: durable commits (synchronous=FULL)"),
	ALLOW(fdatasync, "SQLite: durable commits"),
	ALLOW(ftruncate, "SQLite: WAL reset and checkpoint"),
	ALLOW(fcntl, "SQLite: advisory locks and close-on-exec"),
	ALLOW(unlink, "SQLite: remove the WAL and shm files at close"),
	ALLOW(access, "SQLite: does a WAL file exist"),
	ALLOW(faccessat, "SQLite: does a WAL file exist"),
	ALLOW(getcwd, "SQLite: full path of a relative name"),
	ALLOW(geteuid, "SQLite: owner of new files"),
	ALLOW(fchown, "SQLite: keep new files' owner"),
	ALLOW(readlink, "SQLite: resolve the database path"),
	ALLOW(nanosleep, "the store's busy handler waits for a lock"),
	ALLOW(clock_nanosleep, "the store's busy handler (newer libc)"),
	/*
	 * PostgreSQL (database postgresql): libpq connects from inside
	 * the sandbox, at start and again after a lost connection, to an
	 * address the parent resolved or an abstract socket, so no file
	 * is opened for it (hub/dbconn.c).  Stream sockets only.
	 */
	ALLOW_ARG2(socket, 0, AF_INET, 1, SOCK_STREAM,
	    "libpq: TCP to PostgreSQL"),
	ALLOW_ARG2(socket, 0, AF_INET6, 1, SOCK_STREAM,
	    "libpq: TCP to PostgreSQL over IPv6"),
	ALLOW_ARG2(socket, 0, AF_UNIX, 1, SOCK_STREAM,
	    "libpq: PostgreSQL's abstract socket"),
	ALLOW(connect, "libpq: connect to PostgreSQL"),
	ALLOW(getsockopt, "libpq: SO_ERROR of a connect in progress"),
	ALLOW(setsockopt, "libpq: TCP_NODELAY, keepalives, "
	    "TCP_USER_TIMEOUT"),
	ALLOW(getsockname, "libpq: the connection's local address"),
	ALLOW(sendto, "libpq: send to PostgreSQL (send)"),
	ALLOW(recvfrom, "libpq: receive from PostgreSQL (recv); it "
	    "waits with poll, which EVENT_LOOP_BASE has"),
	ALLOW(getuid, "libpq: the default user name"),
	ALLOW(futex, "libpq and its TLS library: one-time initialisation "
	    "and lock waits (one thread: never contended)"),
};

const struct seccomp_policy policy_hubd_authority = {
	"authority", hubd_authority_allow, nitems(hubd_authority_allow)
};

/*
 * The parent after start holds no socket of its own and changes
 * nothing on the machine: PARENT_BASE is all it needs.
 */
static const struct seccomp_allow hubd_parent_allow[] = {
	PARENT_BASE,
};

const struct seccomp_policy policy_hubd_parent = {
	.proc = "parent",
	.allow = hubd_parent_allow,
	.nallow = nitems(hubd_parent_allow),
};
