/*
 * systemd-resolved registration over sd-bus (see resolvereg.h).
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef HAVE_SD_BUS
#include <systemd/sd-bus.h>
#endif

#include "ipc/addr.h"
#include "privsep/log.h"
#include "daemon/resolvereg.h"

/*
 * /proc/PID/net/unix lists the UNIX sockets of the process's network
 * namespace, ours among them only if it is ours (socket inodes are
 * unique machine-wide).  Unlike /proc/PID/ns/net, any user may read
 * it: the parent needs no CAP_SYS_PTRACE (resolved runs as its own
 * user).
 */
int
resolvereg_same_netns(pid_t pid, int fd)
{
	struct stat	 st;
	char		 path[64], line[512];
	unsigned long	 ino;
	FILE		*f;
	int		 found = 0;

	if (fd < 0 || fstat(fd, &st) == -1 || !S_ISSOCK(st.st_mode))
		return -1;
	(void)snprintf(path, sizeof(path), "/proc/%ld/net/unix", (long)pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %lu", &ino) == 1 &&
		    ino == (unsigned long)st.st_ino)
			found = 1;
	(void)fclose(f);
	return found;
}

void
resolvereg_state(const struct resolvereg *r, char *buf, size_t len)
{
	if (!r->ours)
		(void)snprintf(buf, len, "not registered with "
		    "systemd-resolved: %s", r->why);
	else if (r->why[0] != '\0')
		(void)snprintf(buf, len, "systemd-resolved refused: %s",
		    r->why);
	else if (r->ifindex != 0)
		(void)snprintf(buf, len, "registered with systemd-resolved "
		    "on %s", r->ifname);
	else
		(void)snprintf(buf, len, "systemd-resolved runs here; "
		    "registered once the responder answers");
}

#ifdef HAVE_SD_BUS

#define RESOLVE1	"org.freedesktop.resolve1"
#define RESOLVE1_PATH	"/org/freedesktop/resolve1"
#define RESOLVE1_MGR	"org.freedesktop.resolve1.Manager"
/* The parent waits this long for an answer (it blocks meanwhile). */
#define BUS_TIMEOUT_US	(1000 * 1000)
#define SYSTEM_BUS	"unix:path=/run/dbus/system_bus_socket"

/*
 * The system bus, as sd_bus_open_system finds it, but with our timeout
 * set before the connection starts, so that its Hello waits no longer
 * than our calls do (sd-bus's default is 25 seconds).
 */
static int
bus_open(sd_bus **ret)
{
	sd_bus		*bus = NULL;
	const char	*a = secure_getenv("DBUS_SYSTEM_BUS_ADDRESS");
	int		 rc;

	*ret = NULL;
	if ((rc = sd_bus_new(&bus)) < 0)
		return rc;
	if ((rc = sd_bus_set_address(bus, a != NULL ? a : SYSTEM_BUS)) < 0 ||
	    (rc = sd_bus_set_bus_client(bus, 1)) < 0 ||
	    (rc = sd_bus_set_method_call_timeout(bus, BUS_TIMEOUT_US)) < 0 ||
	    (rc = sd_bus_start(bus)) < 0) {
		sd_bus_unref(bus);
		return rc;
	}
	*ret = bus;
	return 0;
}

void
resolvereg_init(struct resolvereg *r)
{
	sd_bus		*bus = NULL;
	sd_bus_creds	*c = NULL;
	pid_t		 pid;
	int		 rc;

	memset(r, 0, sizeof(*r));
	if ((rc = bus_open(&bus)) < 0) {
		(void)snprintf(r->why, sizeof(r->why), "no system bus (%s)",
		    strerror(-rc));
		return;
	}
	if ((rc = sd_bus_get_name_creds(bus, RESOLVE1, SD_BUS_CREDS_PID,
	    &c)) < 0 || (rc = sd_bus_creds_get_pid(c, &pid)) < 0) {
		(void)snprintf(r->why, sizeof(r->why), "systemd-resolved "
		    "does not run (%s)", strerror(-rc));
		goto done;
	}
	if ((rc = resolvereg_same_netns(pid, sd_bus_get_fd(bus))) != 1) {
		(void)snprintf(r->why, sizeof(r->why), rc == 0 ?
		    "the systemd-resolved on the system bus (pid %ld) runs "
		    "in another network namespace" : "cannot tell which "
		    "network namespace systemd-resolved (pid %ld) is in",
		    (long)pid);
		goto done;
	}
	r->ours = 1;
 done:
	sd_bus_creds_unref(c);
	sd_bus_flush_close_unref(bus);
}

static int
set_dns(sd_bus *bus, int ifindex, const struct ip_prefix *a, int n,
    sd_bus_error *e)
{
	sd_bus_message	*m = NULL;
	int		 i, rc;

	if ((rc = sd_bus_message_new_method_call(bus, &m, RESOLVE1,
	    RESOLVE1_PATH, RESOLVE1_MGR, "SetLinkDNS")) < 0 ||
	    (rc = sd_bus_message_append(m, "i", ifindex)) < 0 ||
	    (rc = sd_bus_message_open_container(m, 'a', "(iay)")) < 0)
		goto done;
	for (i = 0; i < n; i++)
		if ((rc = sd_bus_message_open_container(m, 'r', "iay")) < 0 ||
		    (rc = sd_bus_message_append(m, "i", (int)a[i].af)) < 0 ||
		    (rc = sd_bus_message_append_array(m, 'y', &a[i].addr,
		    a[i].af == AF_INET ? 4 : 16)) < 0 ||
		    (rc = sd_bus_message_close_container(m)) < 0)
			goto done;
	if ((rc = sd_bus_message_close_container(m)) < 0)
		goto done;
	rc = sd_bus_call(bus, m, BUS_TIMEOUT_US, e, NULL);
 done:
	sd_bus_message_unref(m);
	return rc;
}

static int
call(sd_bus *bus, const char *method, sd_bus_error *e, const char *sig, ...)
{
	sd_bus_message	*m = NULL;
	va_list		 ap;
	int		 rc;

	if ((rc = sd_bus_message_new_method_call(bus, &m, RESOLVE1,
	    RESOLVE1_PATH, RESOLVE1_MGR, method)) >= 0) {
		va_start(ap, sig);
		rc = sd_bus_message_appendv(m, sig, ap);
		va_end(ap);
	}
	if (rc >= 0)
		rc = sd_bus_call(bus, m, BUS_TIMEOUT_US, e, NULL);
	sd_bus_message_unref(m);
	return rc;
}

void
resolvereg_set(struct resolvereg *r, int ifindex, const char *ifname,
    const struct ip_prefix *a, int n, const char *domain)
{
	sd_bus		*bus = NULL;
	sd_bus_error	 e = SD_BUS_ERROR_NULL;
	const char	*step = "the system bus";
	char		 b[INET6_ADDRSTRLEN], list[2 * INET6_ADDRSTRLEN + 2] = "";
	int		 i, rc;

	if (!r->ours || ifindex <= 0)
		return;
	if (n == 0) {
		resolvereg_revert(r);
		return;
	}
	if ((rc = bus_open(&bus)) < 0)
		goto fail;
	step = "SetLinkDNS";
	if ((rc = set_dns(bus, ifindex, a, n, &e)) < 0)
		goto fail;
	r->ifindex = ifindex;
	(void)strlcpy(r->ifname, ifname, sizeof(r->ifname));
	step = "SetLinkDomains";
	if ((rc = call(bus, "SetLinkDomains", &e, "ia(sb)", ifindex, 1,
	    domain, 1)) < 0)
		goto fail;
	step = "SetLinkDefaultRoute";
	if ((rc = call(bus, "SetLinkDefaultRoute", &e, "ib", ifindex, 0)) < 0)
		goto fail;
	for (i = 0; i < n; i++) {
		if (i > 0)
			(void)strlcat(list, " ", sizeof(list));
		if (inet_ntop(a[i].af, &a[i].addr, b, sizeof(b)) != NULL)
			(void)strlcat(list, b, sizeof(list));
	}
	log_info("member names: systemd-resolved asks %s for ~%s on %s",
	    list, domain, ifname);
	r->why[0] = '\0';
	sd_bus_flush_close_unref(bus);
	return;
 fail:
	(void)snprintf(r->why, sizeof(r->why), "%s: %s", step,
	    e.message != NULL ? e.message : strerror(-rc));
	log_warnx("member names: systemd-resolved: %s: %s; resolve *.%s "
	    "by pointing a resolver at the responder (hamd(8), MEMBER "
	    "NAMES)", step, e.message != NULL ? e.message : strerror(-rc),
	    domain);
	sd_bus_error_free(&e);
	sd_bus_flush_close_unref(bus);
}

void
resolvereg_revert(struct resolvereg *r)
{
	sd_bus		*bus = NULL;
	sd_bus_error	 e = SD_BUS_ERROR_NULL;
	int		 rc;

	if (r->ifindex == 0)
		return;
	if ((rc = bus_open(&bus)) >= 0)
		rc = call(bus, "RevertLink", &e, "i", r->ifindex);
	/* A link that went away took its settings with it. */
	if (rc < 0 && !sd_bus_error_has_name(&e,
	    "org.freedesktop.resolve1.NoSuchLink"))
		log_warnx("member names: systemd-resolved: RevertLink: %s",
		    e.message != NULL ? e.message : strerror(-rc));
	else
		log_info("member names: systemd-resolved no longer asks the "
		    "responder");
	r->ifindex = 0;
	sd_bus_error_free(&e);
	sd_bus_flush_close_unref(bus);
}

#else	/* !HAVE_SD_BUS */

void
resolvereg_init(struct resolvereg *r)
{
	memset(r, 0, sizeof(*r));
	(void)snprintf(r->why, sizeof(r->why), "hamd was built without "
	    "libsystemd");
}

void
resolvereg_set(struct resolvereg *r, int ifindex, const char *ifname,
    const struct ip_prefix *a, int n, const char *domain)
{
}

void
resolvereg_revert(struct resolvereg *r)
{
}

#endif
