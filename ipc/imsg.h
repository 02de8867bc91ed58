/*
 * imsg-like framed messages over stream sockets (socketpairs and the
 * control socket), with file descriptors passed by SCM_RIGHTS.
 *
 * Wire format: a 16-byte header in host byte order (both ends always run
 * on the same machine), then the payload.
 *
 *   uint32_t type
 *   uint32_t len     total length including the header; bit 31 set when
 *                    exactly one fd travels with the message
 *   uint32_t peerid  free for the caller (control client id, peer index)
 *   uint32_t pid     sender's pid
 *
 * A message is at most IMSG_MAX_SIZE bytes including the header.  A
 * length below the header size or above the maximum is a protocol error
 * and the buffer is unusable afterwards: callers close the channel.
 */
#ifndef HAMD_IMSG_H
#define HAMD_IMSG_H

#include <sys/types.h>
#include <sys/queue.h>
#include <stddef.h>
#include <stdint.h>

#define IMSG_HEADER_SIZE	16
#define IMSG_FD_MARK		0x80000000u
#define IMSG_MAX_SIZE		(256u * 1024u)
#define IMSG_MAX_PAYLOAD	(IMSG_MAX_SIZE - IMSG_HEADER_SIZE)
/* Upper bound of file descriptors buffered but not yet claimed. */
#define IMSG_MAX_PENDING_FDS	16
/* Room for one maximum-size message behind a partly consumed one. */
#define IMSG_RBUF_SIZE		(2 * IMSG_MAX_SIZE)

struct imsg_hdr {
	uint32_t	type;
	uint32_t	len;
	uint32_t	peerid;
	uint32_t	pid;
};

/*
 * A received fd with the stream bytes [start, end) of the recvmsg that
 * brought it.  The kernel hands an fd over with the first read touching
 * the first byte it was sent with, so it can only belong to a message
 * starting in that range: this keeps a stray fd from being handed to a
 * later message.
 */
struct imsg_rfd {
	int			 fd;
	uint64_t		 start;
	uint64_t		 end;
};

/* One queued outgoing message. */
struct ibuf {
	TAILQ_ENTRY(ibuf)	 entry;
	uint8_t			*buf;
	size_t			 size;	/* bytes in buf */
	size_t			 wpos;	/* bytes already written */
	int			 fd;	/* fd to pass with the first byte, or -1 */
};

struct imsgbuf {
	int			 fd;		/* the stream socket */
	pid_t			 pid;		/* stamped into every header */
	/* read side */
	uint8_t			*rbuf;		/* IMSG_RBUF_SIZE bytes */
	size_t			 rlen;		/* valid bytes in rbuf */
	size_t			 rpos;		/* start of the next message */
	uint64_t		 rbase;		/* stream offset of rbuf[0] */
	struct imsg_rfd		 rfds[IMSG_MAX_PENDING_FDS];
	int			 nrfds;
	/* write side */
	TAILQ_HEAD(, ibuf)	 wq;
	uint32_t		 queued;	/* messages in wq */
	int			 broken;	/* protocol error seen */
};

struct imsg {
	struct imsg_hdr	 hdr;		/* len without the fd mark */
	int		 fd;		/* -1 unless the sender attached one */
	const uint8_t	*data;		/* payload, valid until the next
					   imsg_get or imsgbuf_read */
	size_t		 datalen;
};

/* Initialise; the socket must already be non-blocking. 0 or -1 (ENOMEM). */
int	imsgbuf_init(struct imsgbuf *, int fd);
/* Free all buffers and close every pending or queued fd (not ib->fd). */
void	imsgbuf_clear(struct imsgbuf *);

/*
 * Queue a message.  fd, if not -1, is owned by the queue from now on
 * (closed after sending or by imsgbuf_clear).  -1 with errno ERANGE when
 * len exceeds IMSG_MAX_PAYLOAD, ENOMEM on allocation failure; on failure
 * fd is closed.
 */
int	imsg_compose(struct imsgbuf *, uint32_t type, uint32_t peerid,
	    int fd, const void *data, size_t len);
/* Same, with the payload gathered from iovcnt pieces. */
struct iovec;
int	imsg_composev(struct imsgbuf *, uint32_t type, uint32_t peerid,
	    int fd, const struct iovec *iov, int iovcnt);

/*
 * Build a message in place, for payloads written straight into the
 * queue (batched packets): imsg_create reserves room for up to maxlen
 * payload bytes and returns the buffer, imsg_payload points at its
 * payload, imsg_close queues it with its final length (<= maxlen) and
 * imsg_abandon frees it unsent.  No fd travels with such a message.
 * imsg_create returns NULL with errno ERANGE or ENOMEM.
 */
struct ibuf	*imsg_create(struct imsgbuf *, uint32_t type, uint32_t peerid,
		    size_t maxlen);
uint8_t		*imsg_payload(struct ibuf *);
int		 imsg_close(struct imsgbuf *, struct ibuf *, size_t len);
void		 imsg_abandon(struct ibuf *);

/*
 * Read what the socket has.  1: bytes (or fds) arrived; 0: EOF;
 * -1: error (errno EAGAIN when there was nothing to read, EBADMSG for a
 * control-message error such as a truncated fd list or too many pending
 * fds, which also marks the buffer broken, or for a broken buffer;
 * ENOBUFS when the buffer is full of messages nobody took with imsg_get).
 */
int	imsgbuf_read(struct imsgbuf *);

/*
 * Take the next complete message.  1: *imsg filled; 0: none complete
 * yet; -1: protocol error (errno EBADMSG: length below the header or
 * above the maximum, or an fd mark without a received fd).  Release the
 * message with imsg_free before calling imsg_get again.
 */
int	imsg_get(struct imsgbuf *, struct imsg *);
/* Close an unclaimed fd. The payload stays owned by the imsgbuf. */
void	imsg_free(struct imsg *);

/* Copy the payload; -1 with errno EBADMSG unless it is exactly len bytes. */
int	imsg_get_data(const struct imsg *, void *dst, size_t len);
/* Payload length and the fd (ownership moves to the caller). */
size_t	imsg_get_len(const struct imsg *);
int	imsg_get_fd(struct imsg *);

/*
 * Write as much of the queue as the socket takes.  0: ok (possibly with
 * more left, see imsgbuf_queued); -1: error (EAGAIN is not an error).
 * EPIPE means the other side is gone.
 */
int	imsgbuf_write(struct imsgbuf *);
/* Write until the queue is empty, waiting with poll; 0 or -1. */
int	imsgbuf_flush(struct imsgbuf *);
uint32_t imsgbuf_queued(const struct imsgbuf *);

#endif
