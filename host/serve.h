/* serve.h — `pinggu serve`: one libuv loop serving the API, reloading rules, running the
 * schedule, until SIGTERM or SIGINT. */
#ifndef PG_SERVE_H
#define PG_SERVE_H

#include "config.h"

#include <stdint.h>

/* Runs the host with `cfg` (rules and data_dir set). `fake_now` >= 0 injects the clock at
 * that Unix time and enables POST /api/v1/clock. Returns the process exit code: 0 after a
 * clean shutdown, 1 when the host cannot start (bad rules, an address in use…), with the
 * reasons on stderr. */
int pg_serve(pg_config *cfg, int64_t fake_now);

#endif
