/*
 * libevent glue for struct imsgbuf: one event per channel that always
 * waits for reading and waits for writing only while messages are queued.
 */
#ifndef HAMD_IMSGEV_H
#define HAMD_IMSGEV_H

#include <event2/event.h>

#include "ipc/imsg.h"

struct imsgev {
	struct imsgbuf		 ibuf;
	struct event		*ev;
	struct event_base	*base;
	void			(*handler)(int, short, void *);
	void			*data;
	short			 events;	/* what ev currently waits for */
};

/*
 * Set up iev on fd (made non-blocking here) with handler(fd, what, iev)
 * called for EV_READ and EV_WRITE.  0 or -1.
 */
int	imsgev_init(struct imsgev *, struct event_base *, int fd,
	    void (*handler)(int, short, void *), void *data);
/* Re-arm the event: EV_READ, plus EV_WRITE while the queue is non-empty. */
void	imsgev_update(struct imsgev *);
/* imsg_compose then imsgev_update. */
int	imsgev_compose(struct imsgev *, uint32_t type, uint32_t peerid,
	    int fd, const void *data, size_t len);
/* Delete the event, clear the buffers and close the socket. */
void	imsgev_close(struct imsgev *);

#endif
