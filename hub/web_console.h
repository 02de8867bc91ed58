/* The hub console's pages (web_console.c), routes of web_hub.c. */
#ifndef HAMD_HUB_WEB_CONSOLE_H
#define HAMD_HUB_WEB_CONSOLE_H

struct evbuffer;

int	console_page(struct evbuffer *, const char *query);
int	console_css(struct evbuffer *, const char *query);
int	console_js(struct evbuffer *, const char *query);
int	console_state(struct evbuffer *, const char *query);

#endif
