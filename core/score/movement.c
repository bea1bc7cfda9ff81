/* movement.c — previous ranks and totals from a published bulletin (see score.h). */
#include "score.h"

#include <errno.h>
#include <math.h>
#include <string.h>

int pg_movement_from(pg_result *res, const cJSON *prev, const char *what, pg_diags *d)
{
    const pg_ruleset *rs = res->rs;
    const cJSON *scheme = cJSON_GetObjectItemCaseSensitive(prev, "scheme");
    const cJSON *sid = cJSON_GetObjectItemCaseSensitive(scheme, "id");
    const cJSON *groups = cJSON_GetObjectItemCaseSensitive(prev, "groups");
    if (!cJSON_IsString(sid) || !cJSON_IsArray(groups)) {
        pg_error(d, what, 0, "not an evaluation result (no scheme.id or groups)");
        return -EINVAL;
    }
    if (strcmp(sid->valuestring, rs->schemes[res->scheme].id) != 0) {
        pg_error(d, what, 0, "is of scheme '%s', not '%s'", sid->valuestring,
                 rs->schemes[res->scheme].id);
        return -EINVAL;
    }
    for (int u = 0; u < rs->nunits; u++) {
        res->units[u].prev_rank = 0;
        res->units[u].prev_total = NAN;
    }
    res->has_prev = 0;
    const cJSON *g, *row;
    cJSON_ArrayForEach(g, groups)
    {
        cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(g, "ranking"))
        {
            const cJSON *unit = cJSON_GetObjectItemCaseSensitive(row, "unit");
            const cJSON *rank = cJSON_GetObjectItemCaseSensitive(row, "rank");
            const cJSON *total = cJSON_GetObjectItemCaseSensitive(row, "total");
            if (!cJSON_IsString(unit) || !cJSON_IsNumber(rank) || !cJSON_IsNumber(total)) {
                pg_error(d, what, 0, "a ranking row without unit, rank and total");
                return -EINVAL;
            }
            int u = pg_strmap_get(&rs->unit_ids, unit->valuestring);
            if (u < 0 || strcmp(rs->units[u].id, unit->valuestring) != 0) continue;
            res->units[u].prev_rank = rank->valueint;
            res->units[u].prev_total = total->valuedouble;
            res->has_prev = 1;
        }
    }
    return 0;
}
