/* json.c — the two ways every JSON answer and document writes a value that may be missing:
 * a string or null, a finite number or null. JSON has no NaN, and a missing value must read
 * as null, never as 0 or "", so the reports, the record and the host all write them here. */
#include "base.h"

#include <math.h>

void pg_json_str(cJSON *o, const char *key, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

void pg_json_num(cJSON *o, const char *key, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}
