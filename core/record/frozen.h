/* frozen.h — what a published bulletin froze: its result, read back from the store, and an
 * evaluation whose movement (环比) is measured against such a frozen result rather than a
 * fresh evaluation of the previous period. */
#ifndef PG_FROZEN_H
#define PG_FROZEN_H

#include "dataset.h"
#include "eval.h"
#include "store.h"

#include <cjson/cJSON.h>

/* The frozen result of bulletin `id`, parsed (cJSON_Delete it), or -ENOENT. */
int pg_frozen_result(pg_store *st, long id, cJSON **result, pg_diags *d);
/* Evaluates for a bulletin: pg_eval, then movement against `base` (a frozen result JSON, named
 * `what` in messages) when it is not NULL. */
int pg_frozen_eval(const pg_ruleset *rs, const pg_dataset *ds, int scheme, int period,
                   const cJSON *base, const char *what, pg_result **out, pg_diags *d);

#endif
