/*
 * libevent glue for imsgbuf channels.
 *
 * The event is persistent, so a handler that returns early never loses
 * the read side; it is re-assigned only when the wanted set changes,
 * because waiting for EV_WRITE on an idle socket wakes the loop forever.
 */
#ifdef HAVE_CONFIG_H
#include "autoconf.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <event2/event.h>

#include "ipc/imsgev.h"

static int	imsgev_arm(struct imsgev *);

int
imsgev_init(struct imsgev *iev, struct event_base *base, int fd,
    void (*handler)(int, short, void *), void *data)
{
	int	 flags;

	iev->ev = NULL;
	iev->base = base;
	iev->handler = handler;
	iev->data = data;
	iev->events = 0;

	if ((flags = fcntl(fd, F_GETFL)) == -1)
		return -1;
	if (!(flags & O_NONBLOCK) &&
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1)
		return -1;
	if (imsgbuf_init(&iev->ibuf, fd) == -1) {
		imsgbuf_clear(&iev->ibuf);
		return -1;
	}
	/* Flags here are placeholders; imsgev_arm assigns the real ones. */
	if ((iev->ev = event_new(base, fd, EV_READ | EV_PERSIST, handler,
	    iev)) == NULL) {
		imsgbuf_clear(&iev->ibuf);
		errno = ENOMEM;
		return -1;
	}
	if (imsgev_arm(iev) == -1) {
		event_free(iev->ev);
		iev->ev = NULL;
		imsgbuf_clear(&iev->ibuf);
		return -1;
	}
	return 0;
}

static int
imsgev_arm(struct imsgev *iev)
{
	short	 want = EV_READ;

	if (imsgbuf_queued(&iev->ibuf) > 0)
		want |= EV_WRITE;
	if (want == iev->events)
		return 0;
	/* event_assign on a pending event corrupts libevent's lists. */
	if (iev->events != 0)
		(void)event_del(iev->ev);
	iev->events = 0;
	if (event_assign(iev->ev, iev->base, iev->ibuf.fd, want | EV_PERSIST,
	    iev->handler, iev) == -1 ||
	    event_add(iev->ev, NULL) == -1) {
		errno = ENOMEM;
		return -1;
	}
	iev->events = want;
	return 0;
}

void
imsgev_update(struct imsgev *iev)
{
	/*
	 * Nothing to report a failure to; events stays 0 so the next
	 * update tries again.
	 */
	if (iev->ev != NULL)
		(void)imsgev_arm(iev);
}

int
imsgev_compose(struct imsgev *iev, uint32_t type, uint32_t peerid, int fd,
    const void *data, size_t len)
{
	if (imsg_compose(&iev->ibuf, type, peerid, fd, data, len) == -1)
		return -1;
	imsgev_update(iev);
	return 0;
}

void
imsgev_close(struct imsgev *iev)
{
	int	 fd = iev->ibuf.fd;

	if (iev->ev != NULL) {
		event_free(iev->ev);	/* deletes it first */
		iev->ev = NULL;
	}
	iev->events = 0;
	imsgbuf_clear(&iev->ibuf);
	if (fd != -1)
		(void)close(fd);
	iev->ibuf.fd = -1;
}
