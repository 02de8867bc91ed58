/* The engine's process and counters; see engine_ctx.h. */
#include "autoconf.h"

#include "daemon/engine_ctx.h"

struct engine_ctx	 ectx;

