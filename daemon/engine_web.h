/* The engine's snapshot for the web child (engine_web.c). */
#ifndef HAMD_DAEMON_ENGINE_WEB_H
#define HAMD_DAEMON_ENGINE_WEB_H

struct privsep;

/* After the channels are up: a timer, if the web child runs. */
void	engine_web_init(struct privsep *);

#endif
