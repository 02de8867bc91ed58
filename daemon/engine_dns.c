/*
 * The responder (see engine_dns.h).  Each socket is read until it is
 * empty, one query at a time; every query gets at most one answer, no
 * larger than DNS_ANSWER_MAX, and at most DNS_RATE answers leave a
 * second in all (the socket is reached through the tunnel and from
 * this machine only, but a peer must not turn it into a flood).
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/dnsmsg.h"
#include "daemon/engine_ctx.h"
#include "daemon/engine_dns.h"
#include "daemon/hamd_msg.h"
#include "privsep/log.h"

#define DNS_RATE	200		/* answers a second, all sources */
#define DNS_READS	64		/* per readable event */

static struct {
	struct privsep		*ps;
	struct dns_table	 table;
	int			 fd[2];		/* IPv4, IPv6 */
	struct event		*ev[2];
	time_t			 sec;		/* the rate's second */
	unsigned int		 sent;
} dns;

void
dns_init(struct privsep *ps)
{
	memset(&dns, 0, sizeof(dns));
	dns.ps = ps;
	dns.fd[0] = dns.fd[1] = -1;
}

static void
dns_read(int fd, short ev, void *arg)
{
	struct sockaddr_storage	 from;
	struct msghdr		 mh;
	struct iovec		 iov;
	struct timespec		 now;
	uint8_t			 q[DNS_QUERY_MAX + 1], a[DNS_ANSWER_MAX];
	enum dns_verdict	 v;
	ssize_t			 n;
	size_t			 alen;
	int			 i;

	for (i = 0; i < DNS_READS; i++) {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = q;
		iov.iov_len = sizeof(q);
		mh.msg_name = &from;
		mh.msg_namelen = sizeof(from);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		if ((n = recvmsg(fd, &mh, MSG_DONTWAIT)) == -1)
			return;		/* drained, or an error to forget */
		ectx.stats.dns_queries++;
		/* One byte past the limit tells an oversized query. */
		alen = (mh.msg_flags & MSG_TRUNC) ? 0 : dns_answer(&dns.table,
		    q, (size_t)n, a, &v);
		if (alen == 0) {
			ectx.stats.dns_dropped++;
			continue;
		}
		if (v == DNS_REFUSED)
			ectx.stats.dns_refused++;
		else if (v == DNS_NXDOMAIN)
			ectx.stats.dns_nxdomain++;
		(void)clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec != dns.sec) {
			dns.sec = now.tv_sec;
			dns.sent = 0;
		}
		if (dns.sent >= DNS_RATE) {
			ectx.stats.dns_dropped++;
			continue;
		}
		dns.sent++;
		iov.iov_base = a;
		iov.iov_len = alen;
		mh.msg_flags = 0;
		if (sendmsg(fd, &mh, MSG_DONTWAIT) == -1)
			ectx.stats.dns_dropped++;
		else
			ectx.stats.dns_answers++;
	}
}

void
dns_socket(struct imsg *imsg)
{
	struct engine_dns_msg	 m;
	int			 fd, i;

	if ((fd = imsg_get_fd(imsg)) == -1 ||
	    imsg_get_data(imsg, &m, sizeof(m)) == -1 ||
	    (m.af != AF_INET && m.af != AF_INET6))
		fatalx("%s: bad message from the parent", __func__);
	m.domain[sizeof(m.domain) - 1] = '\0';
	if (dns_domain(m.domain, dns.table.domain) == -1)
		fatalx("%s: bad domain from the parent", __func__);
	i = m.af == AF_INET ? 0 : 1;
	if (dns.ev[i] != NULL)
		event_free(dns.ev[i]);
	if (dns.fd[i] != -1)
		(void)close(dns.fd[i]);
	dns.fd[i] = fd;
	if ((dns.ev[i] = event_new(dns.ps->base, fd, EV_READ | EV_PERSIST,
	    dns_read, NULL)) == NULL || event_add(dns.ev[i], NULL) == -1)
		fatalx("%s: event", __func__);
	log_debug("member names: answering on an %s socket for %s",
	    i == 0 ? "IPv4" : "IPv6", dns.table.domain);
}

void
dns_names(struct imsg *imsg)
{
	struct engine_names_msg	 m;
	struct dns_member	 d;
	size_t			 j;

	if (imsg_get_data(imsg, &m, sizeof(m)) == -1 || m.n > HUB_NAMES_MAX ||
	    (m.id != 0 && (m.id < 0x40000000u || m.id >= 0x40001000u)))
		fatalx("%s: bad names from tun", __func__);
	m.nick[sizeof(m.nick) - 1] = '\0';
	memset(&d, 0, sizeof(d));
	d.id = m.id;
	dns_label(m.nick, d.nick);
	memcpy(d.v4, m.v4, 4);
	memcpy(d.v6, m.v6, 16);
	d.has4 = d.has6 = 1;
	for (j = 0; j < m.n; j++) {
		m.nets[j][sizeof(m.nets[j]) - 1] = '\0';
		if (dns_domain(m.nets[j], d.nets[d.nnets]) == 0)
			d.nnets++;
	}
	if (d.nnets == 0 || d.nick[0] == '\0')
		dns_table_del(&dns.table, m.id);
	else if (dns_table_set(&dns.table, &d) == -1)
		log_warnx("member names: out of memory");
}

void
dns_forget(uint32_t id)
{
	dns_table_del(&dns.table, id);
}
