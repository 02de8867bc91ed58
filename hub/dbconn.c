/*
 * The parent prepares the authority's PostgreSQL connection (see
 * dbconn.h).  The authority connects itself, inside its chroot and
 * seccomp filter, since a libpq connection cannot be handed from one
 * process to another; what it could not do there is done here first:
 * reading the password file, which stays root's, and resolving host
 * names, since the chroot has no resolv.conf, hosts file or NSS
 * modules.  libpq then connects to hostaddr and keeps host for its
 * messages and TLS.  Names are resolved once, at start: a server that
 * moves to another address needs a restart of the hub.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "hub/dbconn.h"

_Static_assert(HUBD_DB_CONNINFO_MAX >= HUBD_CONNINFO_MAX + 256,
    "room for the resolved addresses");

/* The file's first line, the whole of it. */
static int
read_password(const char *path, char *out, size_t len, char *err,
    size_t errlen)
{
	struct stat	 sb;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1) {
		(void)snprintf(err, errlen, "password-file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    (sb.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		(void)snprintf(err, errlen, "password-file %s: not a regular "
		    "file that only its owner may read (chmod 600)", path);
		(void)close(fd);
		return -1;
	}
	n = read(fd, out, len);
	(void)close(fd);
	if (n < 0 || (size_t)n >= len) {
		sodium_memzero(out, len);
		(void)snprintf(err, errlen, "password-file %s: %s", path,
		    n < 0 ? strerror(errno) : "longer than a password");
		return -1;
	}
	out[n] = '\0';
	out[strcspn(out, "\r\n")] = '\0';
	if (out[0] == '\0') {
		(void)snprintf(err, errlen, "password-file %s: no password "
		    "on its first line", path);
		return -1;
	}
	return 0;
}

/* One host's address in text, numeric as it is or resolved. */
static int
resolve(const char *host, char *out, size_t len, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res;
	int		 rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, NULL, &hints, &res)) != 0) {
		(void)snprintf(err, errlen, "database host %s: %s", host,
		    gai_strerror(rc));
		return -1;
	}
	rc = getnameinfo(res->ai_addr, res->ai_addrlen, out, len, NULL, 0,
	    NI_NUMERICHOST);
	freeaddrinfo(res);
	if (rc != 0) {
		(void)snprintf(err, errlen, "database host %s: %s", host,
		    gai_strerror(rc));
		return -1;
	}
	return 0;
}

/*
 * hostaddr for every host of the list, unless the string has its own
 * or names abstract sockets only (which need no address).
 */
static int
add_hostaddr(char *conninfo, size_t len, char *err, size_t errlen)
{
	PQconninfoOption	*opts, *o;
	char			 addrs[512], one[NI_MAXHOST], name[256];
	const char		*host = NULL, *h;
	size_t			 n;
	int			 rc = 0, abstract = 0, named = 0;

	if ((opts = PQconninfoParse(conninfo, NULL)) == NULL) {
		(void)snprintf(err, errlen, "bad connection string");
		return -1;
	}
	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL || o->val[0] == '\0')
			continue;
		if (strcmp(o->keyword, "hostaddr") == 0)
			goto done;
		if (strcmp(o->keyword, "host") == 0)
			host = o->val;
	}
	addrs[0] = '\0';
	for (h = host; h != NULL && rc == 0; h = h[n] == ',' ? h + n + 1 :
	    NULL) {
		n = strcspn(h, ",");
		if (n >= sizeof(name)) {
			(void)snprintf(err, errlen, "database host too long");
			rc = -1;
			break;
		}
		memcpy(name, h, n);
		name[n] = '\0';
		if (name[0] == '@')
			abstract = 1;
		else {
			named = 1;
			rc = resolve(name, one, sizeof(one), err, errlen);
		}
		if (rc == 0 && !abstract && (strlcat(addrs, h != host ? "," :
		    "", sizeof(addrs)) >= sizeof(addrs) || strlcat(addrs, one,
		    sizeof(addrs)) >= sizeof(addrs))) {
			(void)snprintf(err, errlen, "too many database hosts");
			rc = -1;
		}
	}
	if (rc == 0 && abstract && named) {
		(void)snprintf(err, errlen, "database hosts: an abstract "
		    "socket and network hosts in one list");
		rc = -1;
	}
	if (rc == 0 && named && ((size_t)snprintf(conninfo + strlen(conninfo),
	    len - strlen(conninfo), " hostaddr=%s", addrs) >=
	    len - strlen(conninfo))) {
		(void)snprintf(err, errlen, "connection string too long");
		rc = -1;
	}
 done:
	PQconninfoFree(opts);
	return rc;
}

int
dbconn_prepare(const struct hubd_config *conf, struct hubd_db_msg *m,
    char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	if (hubd_check_conninfo(conf->db_conninfo, err, errlen) == -1)
		return -1;
	if (strlcpy(m->conninfo, conf->db_conninfo, sizeof(m->conninfo)) >=
	    sizeof(m->conninfo)) {
		(void)snprintf(err, errlen, "connection string too long");
		return -1;
	}
	if (add_hostaddr(m->conninfo, sizeof(m->conninfo), err, errlen) == -1)
		return -1;
	if (conf->db_password_file[0] != '\0' &&
	    read_password(conf->db_password_file, m->password,
	    sizeof(m->password), err, errlen) == -1) {
		sodium_memzero(m, sizeof(*m));
		return -1;
	}
	return 0;
}
