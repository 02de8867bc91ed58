/*
 * Frames on a node-to-hub TCP stream: a 2-byte big-endian body length,
 * then 1..max bytes of body (max is HUB_FRAME_MAX on the wire).  Used
 * by both ends: hamd's engine for its one hub connection and hamhubd's
 * engine for every node connection.
 *
 * A connection with no frame in flight holds no buffer at all: reads go
 * into one scratch buffer the process shares (each daemon is single
 * threaded), the complete frames in it are taken from there, and only
 * the beginning of a frame still incomplete is copied into a buffer of
 * the connection's own, of that frame's size, freed when the frame is
 * taken.  So an idle connection costs the struct alone, and a peer
 * cannot make us buffer more than one largest frame (2 + max bytes)
 * however it trickles or floods bytes.  The length is checked as soon
 * as its two bytes are in, so a bad one is reported without waiting
 * for a body that will never be valid.
 *
 * The scratch buffer is free again whenever framer_next has returned 0
 * or -1 (what is left is then the connection's own), so a caller must
 * take frames until then before it reads another connection: the loop
 * below does.
 *
 * Typical loop, after the socket is readable:
 *
 *	for (;;) {
 *		while ((r = framer_next(&f, &body, &len)) == 1)
 *			deliver(body, len);
 *		if (r == -1)
 *			bad frame: close the connection
 *		n = framer_read_fd(&f, fd, limit);
 *		if (n == 0)
 *			EOF: framer_pending(&f) > 0 means a truncated frame
 *		if (n == -1)
 *			EAGAIN: wait for the next event; else close
 *	}
 *
 * Frames are ciphertext, but buffers are wiped when freed anyway.
 *
 * struct frame_out is the other direction: a bounded queue of prefixed
 * frames waiting for the socket to take them.
 */
#ifndef HAMD_FRAMER_H
#define HAMD_FRAMER_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#define FRAMER_HDR_LEN		2
#define FRAMER_MAX_BODY		65535	/* what 2 bytes can say */

struct framer {
	uint8_t		*buf;		/* own bytes, cap of them, or NULL */
	size_t		 cap;
	size_t		 max;		/* largest body accepted */
	size_t		 start;		/* first byte not yet taken */
	size_t		 end;		/* one past the last byte read */
	int		 broken;	/* a bad length was seen */
	int		 nomem;		/* no memory for a frame begun */
	int		 scratch;	/* start..end index the shared
					   scratch buffer, not buf */
};

/*
 * Set up for bodies of 1..max bytes; nothing is allocated yet.  0, or
 * -1 with errno EINVAL (max is 0 or above FRAMER_MAX_BODY).
 */
int	framer_init(struct framer *, size_t max);
/* Wipe and free the buffer; the framer may be initialised again. */
void	framer_free(struct framer *);
/* Forget buffered bytes and a protocol error (wiped and freed). */
void	framer_reset(struct framer *);

/*
 * Room for more bytes now (after moving what is left of a partly taken
 * buffer to its start).  0 only while a complete frame waits to be
 * taken with framer_next.
 */
size_t	framer_space(struct framer *);
/*
 * Copy up to len bytes in; returns how many were taken (less than len
 * when the buffer is full: take frames with framer_next, then append
 * the rest).
 */
size_t	framer_append(struct framer *, const void *, size_t len);
/*
 * One read(2) of at most limit bytes (0: as many as fit) into the free
 * space.  >0: bytes read; 0: end of stream; -1: errno from read(2)
 * (EAGAIN: nothing there), or ENOBUFS when a complete frame must be
 * taken first.
 */
ssize_t	framer_read_fd(struct framer *, int fd, size_t limit);

/*
 * Take the next frame.  1: *body and *len set, valid until the next
 * call on this or any framer; 0: no complete frame yet; -1: the stream
 * is broken (length 0 or above max), for good until framer_reset, or
 * there was no memory to keep the frame begun (framer_nomem() then;
 * the connection cannot go on either).
 */
int	framer_next(struct framer *, const uint8_t **body, size_t *len);
/*
 * Bytes buffered and not yet taken; once framer_next has returned 0,
 * the part of a frame begun but not complete (at EOF: truncation).
 */
size_t	framer_pending(const struct framer *);
/* Whether framer_next failed for want of memory, not a bad length. */
int	framer_nomem(const struct framer *);

/*
 * Write the prefix for a body of len bytes.  0, or -1 with errno
 * EMSGSIZE if len is 0 or above FRAMER_MAX_BODY.
 */
int	framer_put_len(uint8_t hdr[FRAMER_HDR_LEN], size_t len);

/*
 * The sending side: frames queued with their prefixes until the socket
 * takes them, up to limit unsent bytes (a peer that does not read must
 * not make us buffer without end).  The buffer grows as needed, is
 * freed once drained (an idle connection holds none), and is wiped
 * before any copy of it is freed.
 */
struct frame_out {
	uint8_t		*buf;
	size_t		 cap;
	size_t		 off;		/* first byte not yet written */
	size_t		 len;		/* one past the last byte queued */
	size_t		 limit;		/* most unsent bytes */
};

void	frame_out_init(struct frame_out *, size_t limit);
/* Wipe and free; the queue may be used again (it starts empty). */
void	frame_out_free(struct frame_out *);
/*
 * Queue the prefix and body.  0, or -1 with errno EMSGSIZE (len 0 or
 * above FRAMER_MAX_BODY), ENOBUFS (the unsent bytes would pass the
 * limit: nothing is queued) or ENOMEM.
 */
int	frame_out_add(struct frame_out *, const void *body, size_t len);
/* Bytes queued and not yet written. */
size_t	frame_out_pending(const struct frame_out *);
/*
 * Write until the queue is empty or the socket is full, adding the
 * bytes written to *written.  1: all sent; 0: bytes left (wait until
 * writable); -1: errno from write(2), the connection is done for.
 */
int	frame_out_write(struct frame_out *, int fd, uint64_t *written);

#endif
