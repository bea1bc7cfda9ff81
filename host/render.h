/* render.h — JSON bodies the host builds once and serves many times. */
#ifndef PG_RENDER_H
#define PG_RENDER_H

#include "blob.h"
#include "gen.h"

#include <cJSON.h>

/* GET /api/v1/rules: the set, its revision, sources, schemes, and the indicator tree with
 * points per group. */
pg_blob *pg_render_rules(const pg_gen *g);
/* A cJSON tree printed compactly into a blob; the tree is deleted. NULL on no memory. */
pg_blob *pg_render_take(cJSON *json);
/* Unix seconds as "2021-02-26T00:00:00+08:00" in a zone `offset` seconds east of UTC. */
#define PG_TIME_BUF 64
char *pg_render_time(int64_t t, int offset, char buf[PG_TIME_BUF]);

#endif
