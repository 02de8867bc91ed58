/*
 * Framed messages over stream sockets, with fd passing.  See imsg.h for
 * the wire format.
 *
 * The peer may be compromised (the engine parses hostile bytes), so the
 * read side trusts nothing it did not check: lengths are validated
 * before use, headers are copied out instead of cast in place, and a fd
 * is only handed to a message that could have carried it.
 */
#ifdef HAVE_CONFIG_H
#include "autoconf.h"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* struct ucred */
#endif

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <stddef.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipc/imsg.h"

_Static_assert(sizeof(struct imsg_hdr) == IMSG_HEADER_SIZE,
    "imsg_hdr must match the wire header");
_Static_assert(IMSG_RBUF_SIZE >= 2 * IMSG_MAX_SIZE,
    "read buffer must hold a partial message and a full one");

/* Messages gathered into one sendmsg; well below IOV_MAX. */
#define IMSG_WRITE_IOV		64

static void	imsgbuf_drop_fd(struct imsgbuf *, int);
static void	imsgbuf_compact(struct imsgbuf *);
static void	close_fds(const int *, int);
static void	ibuf_free(struct imsgbuf *, struct ibuf *);

/* close() that keeps errno, for cleanup on error paths. */
static void
close_keep_errno(int fd)
{
	int	 saved = errno;

	(void)close(fd);
	errno = saved;
}

static void
close_fds(const int *fds, int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		close_keep_errno(fds[i]);
}

int
imsgbuf_init(struct imsgbuf *ib, int fd)
{
	memset(ib, 0, sizeof(*ib));
	ib->fd = fd;
	ib->pid = getpid();
	TAILQ_INIT(&ib->wq);
	/* Allocated last so that a failed init is still safe to clear. */
	if ((ib->rbuf = malloc(IMSG_RBUF_SIZE)) == NULL)
		return -1;
	return 0;
}

void
imsgbuf_clear(struct imsgbuf *ib)
{
	struct ibuf	*b;
	int		 i;

	for (i = 0; i < ib->nrfds; i++)
		close_keep_errno(ib->rfds[i].fd);
	ib->nrfds = 0;
	while ((b = TAILQ_FIRST(&ib->wq)) != NULL)
		ibuf_free(ib, b);
	/* Channels carry keys (parent -> tun): leave none in freed memory. */
	if (ib->rbuf != NULL)
		explicit_bzero(ib->rbuf, IMSG_RBUF_SIZE);
	free(ib->rbuf);
	ib->rbuf = NULL;
	ib->rlen = ib->rpos = 0;
}

static void
ibuf_free(struct imsgbuf *ib, struct ibuf *b)
{
	TAILQ_REMOVE(&ib->wq, b, entry);
	ib->queued--;
	if (b->fd != -1)
		close_keep_errno(b->fd);
	/* A sent message may have held a key; wipe it before free. */
	explicit_bzero(b->buf, b->size);
	free(b);
}

int
imsg_compose(struct imsgbuf *ib, uint32_t type, uint32_t peerid, int fd,
    const void *data, size_t len)
{
	struct iovec	 iov;

	/* Cast away const: iovec has no const variant, nothing writes. */
	iov.iov_base = (void *)(uintptr_t)data;
	iov.iov_len = len;
	return imsg_composev(ib, type, peerid, fd, &iov, 1);
}

int
imsg_composev(struct imsgbuf *ib, uint32_t type, uint32_t peerid, int fd,
    const struct iovec *iov, int iovcnt)
{
	struct imsg_hdr	 hdr;
	struct ibuf	*b;
	size_t		 len = 0, off;
	int		 i;

	if (fd < -1) {
		errno = EBADF;
		return -1;
	}
	if (iovcnt < 0 || (iovcnt > 0 && iov == NULL)) {
		errno = EINVAL;
		goto fail;
	}
	for (i = 0; i < iovcnt; i++) {
		/* Compare before adding so the sum cannot wrap. */
		if (iov[i].iov_len > IMSG_MAX_PAYLOAD - len) {
			errno = ERANGE;
			goto fail;
		}
		if (iov[i].iov_len > 0 && iov[i].iov_base == NULL) {
			errno = EINVAL;
			goto fail;
		}
		len += iov[i].iov_len;
	}

	/* One allocation: the payload lives right behind the ibuf. */
	if ((b = malloc(sizeof(*b) + IMSG_HEADER_SIZE + len)) == NULL)
		goto fail;
	b->buf = (uint8_t *)(b + 1);
	b->size = IMSG_HEADER_SIZE + len;
	b->wpos = 0;
	b->fd = fd;

	hdr.type = type;
	hdr.len = (uint32_t)b->size | (fd != -1 ? IMSG_FD_MARK : 0);
	hdr.peerid = peerid;
	hdr.pid = (uint32_t)ib->pid;
	memcpy(b->buf, &hdr, sizeof(hdr));
	off = IMSG_HEADER_SIZE;
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len == 0)
			continue;
		memcpy(b->buf + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}

	TAILQ_INSERT_TAIL(&ib->wq, b, entry);
	ib->queued++;
	return 0;

 fail:
	if (fd != -1)
		close_keep_errno(fd);
	return -1;
}

struct ibuf *
imsg_create(struct imsgbuf *ib, uint32_t type, uint32_t peerid, size_t maxlen)
{
	struct ibuf	*b;
	struct imsg_hdr	 hdr;

	if (maxlen > IMSG_MAX_PAYLOAD) {
		errno = ERANGE;
		return NULL;
	}
	if ((b = malloc(sizeof(*b) + IMSG_HEADER_SIZE + maxlen)) == NULL)
		return NULL;
	b->buf = (uint8_t *)(b + 1);
	b->size = IMSG_HEADER_SIZE + maxlen;
	b->wpos = 0;
	b->fd = -1;
	hdr.type = type;
	hdr.len = 0;		/* set by imsg_close */
	hdr.peerid = peerid;
	hdr.pid = (uint32_t)ib->pid;
	memcpy(b->buf, &hdr, sizeof(hdr));
	return b;
}

uint8_t *
imsg_payload(struct ibuf *b)
{
	return b->buf + IMSG_HEADER_SIZE;
}

int
imsg_close(struct imsgbuf *ib, struct ibuf *b, size_t len)
{
	uint32_t	 total;

	if (IMSG_HEADER_SIZE + len > b->size) {
		imsg_abandon(b);
		errno = ERANGE;
		return -1;
	}
	/* Only what is sent needs wiping later. */
	b->size = IMSG_HEADER_SIZE + len;
	total = (uint32_t)b->size;
	memcpy(b->buf + offsetof(struct imsg_hdr, len), &total, sizeof(total));
	TAILQ_INSERT_TAIL(&ib->wq, b, entry);
	ib->queued++;
	return 0;
}

void
imsg_abandon(struct ibuf *b)
{
	explicit_bzero(b->buf, b->size);
	free(b);
}

/*
 * Make sure the tail has room for a whole message, moving the unread
 * bytes to the front only when it has not: after a drained read at most
 * one partial message remains, so the move is bounded by IMSG_MAX_SIZE
 * and happens at most once per IMSG_MAX_SIZE bytes read.
 */
static void
imsgbuf_compact(struct imsgbuf *ib)
{
	size_t	 left = ib->rlen - ib->rpos;

	if (ib->rpos == 0)
		return;
	if (left > 0 && IMSG_RBUF_SIZE - ib->rlen >= IMSG_MAX_SIZE)
		return;
	if (left > 0)
		memmove(ib->rbuf, ib->rbuf + ib->rpos, left);
	ib->rbase += ib->rpos;
	ib->rlen = left;
	ib->rpos = 0;
}

int
imsgbuf_read(struct imsgbuf *ib)
{
	union {
		struct cmsghdr	 hdr;
		/* Any credentials ride along so they cannot truncate fds. */
		char		 buf[CMSG_SPACE(sizeof(int) *
				     IMSG_MAX_PENDING_FDS) +
				     CMSG_SPACE(sizeof(struct ucred))];
	}		 cmsgbuf;
	int		 fds[sizeof(cmsgbuf) / sizeof(int)];
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;
	uint64_t	 start;
	ssize_t		 n;
	size_t		 i, cnt, nfds = 0;

	if (ib->broken) {
		errno = EBADMSG;
		return -1;
	}
	if (ib->rbuf == NULL) {
		errno = EINVAL;
		return -1;
	}
	imsgbuf_compact(ib);
	if (ib->rlen == IMSG_RBUF_SIZE) {
		errno = ENOBUFS;
		return -1;
	}

	memset(&msg, 0, sizeof(msg));
	memset(&cmsgbuf, 0, sizeof(cmsgbuf));
	iov.iov_base = ib->rbuf + ib->rlen;
	iov.iov_len = IMSG_RBUF_SIZE - ib->rlen;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);

	do {
		n = recvmsg(ib->fd, &msg, MSG_CMSG_CLOEXEC);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;

	/* Take ownership of every fd first, so that none can leak. */
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS ||
		    cmsg->cmsg_len < CMSG_LEN(0))
			continue;
		cnt = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < cnt && nfds < nitems(fds);
		    i++, nfds++)
			memcpy(&fds[nfds], CMSG_DATA(cmsg) + i * sizeof(int),
			    sizeof(int));
	}

	if ((msg.msg_flags & MSG_CTRUNC) ||
	    nfds > (size_t)(IMSG_MAX_PENDING_FDS - ib->nrfds)) {
		/* Some fd was lost, so no later mark can be trusted. */
		close_fds(fds, (int)nfds);
		ib->broken = 1;
		errno = EBADMSG;
		return -1;
	}
	if (n == 0) {
		/* Nothing can claim fds that came without bytes. */
		close_fds(fds, (int)nfds);
		return 0;
	}

	start = ib->rbase + ib->rlen;
	for (i = 0; i < nfds; i++) {
		ib->rfds[ib->nrfds].fd = fds[i];
		ib->rfds[ib->nrfds].start = start;
		ib->rfds[ib->nrfds].end = start + (uint64_t)n;
		ib->nrfds++;
	}
	ib->rlen += (size_t)n;
	return 1;
}

/* Forget pending fd i; the caller has closed or taken it. */
static void
imsgbuf_drop_fd(struct imsgbuf *ib, int i)
{
	ib->nrfds--;
	memmove(&ib->rfds[i], &ib->rfds[i + 1],
	    (size_t)(ib->nrfds - i) * sizeof(ib->rfds[0]));
}

int
imsg_get(struct imsgbuf *ib, struct imsg *imsg)
{
	struct imsg_hdr	 hdr;
	uint64_t	 at;
	size_t		 avail, len;
	int		 fd = -1;

	imsg->fd = -1;
	imsg->data = NULL;
	imsg->datalen = 0;
	if (ib->broken) {
		errno = EBADMSG;
		return -1;
	}
	avail = ib->rlen - ib->rpos;
	if (avail < IMSG_HEADER_SIZE)
		return 0;
	memcpy(&hdr, ib->rbuf + ib->rpos, sizeof(hdr));
	len = hdr.len & ~IMSG_FD_MARK;
	if (len < IMSG_HEADER_SIZE || len > IMSG_MAX_SIZE) {
		ib->broken = 1;
		errno = EBADMSG;
		return -1;
	}
	if (avail < len)
		return 0;

	/*
	 * An fd whose read ended before this message started belonged to
	 * an earlier message that did not claim it: a sender error, and
	 * it must not reach anyone.
	 */
	at = ib->rbase + ib->rpos;
	while (ib->nrfds > 0 && ib->rfds[0].end <= at) {
		close_keep_errno(ib->rfds[0].fd);
		imsgbuf_drop_fd(ib, 0);
	}
	if (hdr.len & IMSG_FD_MARK) {
		if (ib->nrfds == 0 || ib->rfds[0].start > at) {
			ib->broken = 1;
			errno = EBADMSG;
			return -1;
		}
		fd = ib->rfds[0].fd;
		imsgbuf_drop_fd(ib, 0);
	}

	imsg->hdr = hdr;
	imsg->hdr.len = (uint32_t)len;
	imsg->fd = fd;
	imsg->data = ib->rbuf + ib->rpos + IMSG_HEADER_SIZE;
	imsg->datalen = len - IMSG_HEADER_SIZE;
	ib->rpos += len;
	return 1;
}

void
imsg_free(struct imsg *imsg)
{
	if (imsg->fd != -1)
		close_keep_errno(imsg->fd);
	imsg->fd = -1;
	imsg->data = NULL;
	imsg->datalen = 0;
}

int
imsg_get_data(const struct imsg *imsg, void *dst, size_t len)
{
	if (imsg->datalen != len) {
		errno = EBADMSG;
		return -1;
	}
	if (len > 0)
		memcpy(dst, imsg->data, len);
	return 0;
}

size_t
imsg_get_len(const struct imsg *imsg)
{
	return imsg->datalen;
}

int
imsg_get_fd(struct imsg *imsg)
{
	int	 fd = imsg->fd;

	imsg->fd = -1;
	return fd;
}

int
imsgbuf_write(struct imsgbuf *ib)
{
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int))];
	}		 cmsgbuf;
	struct iovec	 iov[IMSG_WRITE_IOV];
	struct msghdr	 msg;
	struct cmsghdr	*cmsg;
	struct ibuf	*b, *head;
	size_t		 total, left;
	ssize_t		 n;
	int		 i;

	while ((head = TAILQ_FIRST(&ib->wq)) != NULL) {
		/*
		 * Gather messages, but stop before the next one with an
		 * fd: the fd must leave with the first byte of its own
		 * message, and one sendmsg carries one fd.
		 */
		i = 0;
		total = 0;
		for (b = head; b != NULL && i < IMSG_WRITE_IOV;
		    b = TAILQ_NEXT(b, entry)) {
			if (b != head && b->fd != -1)
				break;
			iov[i].iov_base = b->buf + b->wpos;
			iov[i].iov_len = b->size - b->wpos;
			total += iov[i].iov_len;
			i++;
		}

		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = iov;
		msg.msg_iovlen = (size_t)i;
		if (head->fd != -1) {
			memset(&cmsgbuf, 0, sizeof(cmsgbuf));
			msg.msg_control = cmsgbuf.buf;
			msg.msg_controllen = sizeof(cmsgbuf.buf);
			cmsg = CMSG_FIRSTHDR(&msg);
			cmsg->cmsg_level = SOL_SOCKET;
			cmsg->cmsg_type = SCM_RIGHTS;
			cmsg->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cmsg), &head->fd, sizeof(int));
		}

		do {
			n = sendmsg(ib->fd, &msg, MSG_NOSIGNAL);
		} while (n == -1 && errno == EINTR);
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}

		/*
		 * Any accepted byte means the fd went with it; keeping
		 * head->fd == -1 from here on also guarantees the fd is
		 * never sent twice.
		 */
		if (n > 0 && head->fd != -1) {
			close_keep_errno(head->fd);
			head->fd = -1;
		}
		left = (size_t)n;
		while (left > 0 && (b = TAILQ_FIRST(&ib->wq)) != NULL) {
			if (left < b->size - b->wpos) {
				b->wpos += left;
				break;
			}
			left -= b->size - b->wpos;
			ibuf_free(ib, b);
		}
		/* A short write means the socket is full for now. */
		if ((size_t)n < total)
			return 0;
	}
	return 0;
}

int
imsgbuf_flush(struct imsgbuf *ib)
{
	struct pollfd	 pfd;

	for (;;) {
		if (imsgbuf_write(ib) == -1)
			return -1;
		if (ib->queued == 0)
			return 0;
		pfd.fd = ib->fd;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			return -1;
		/* POLLERR and POLLHUP: the next write reports why. */
		if (pfd.revents & POLLNVAL) {
			errno = EBADF;
			return -1;
		}
	}
}

uint32_t
imsgbuf_queued(const struct imsgbuf *ib)
{
	return ib->queued;
}
