/* movement.h — 环比: movement measured against the previous published bulletin.
 *
 * pg_eval compares a period with its own evaluation of the previous period, from the same data
 * and rules. A bulletin is read against the bulletin before it, though: once the previous
 * period has a published bulletin, the ranks and totals that count as "previous" are that
 * bulletin's frozen numbers, which later data or rule changes no longer move. This step
 * replaces the result's previous ranks and totals with those numbers after pg_eval, without
 * touching anything else; every writer (JSON, text, the bulletin documents) then shows
 * movement, change and marks against the bulletin.
 *
 * The frozen result is matched by unit id: a unit the previous bulletin did not rank is "new". */
#ifndef PG_MOVEMENT_H
#define PG_MOVEMENT_H

#include "eval.h"

#include <cjson/cJSON.h>

/* Sets res->units[*].prev_rank / prev_total from `prev`, a result JSON as pg_report_json
 * writes it (the frozen result of a bulletin). Returns 0, or -EINVAL with a diagnostic naming
 * `what` when `prev` is not such a result or is of another scheme. */
int pg_movement_from(pg_result *res, const cJSON *prev, const char *what, pg_diags *d);

#endif
