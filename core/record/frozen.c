/* frozen.c — the numbers a bulletin froze, read back, and an evaluation measured against
 * them (see frozen.h). Publishing (publish.c) and re-running (reproduce.c) both stand on it,
 * so neither calls the other for it. */
#include "record.h"
#include "score.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int pg_frozen_result_text(pg_store *st, long id, char **text, size_t *len, pg_diags *d)
{
    *text = NULL;
    sqlite3_stmt *s;
    int rc = pg_store_prepare(
        st, "SELECT r.result FROM bulletin b JOIN run r ON r.id = b.run WHERE b.id = ?", &s, d);
    if (rc != 0) return rc;
    sqlite3_bind_int64(s, 1, id);
    char hash[65] = "";
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW)
        snprintf(hash, sizeof hash, "%s", (const char *)sqlite3_column_text(s, 0));
    else if (step == SQLITE_DONE)
        rc = -ENOENT;
    else
        rc = pg_store_fail(st, "reading a bulletin", d);
    sqlite3_finalize(s);
    if (rc == -ENOENT) pg_error(d, pg_store_path(st), 0, "no bulletin %ld", id);
    if (rc != 0) return rc;
    return pg_store_blob_get(st, hash, text, len, d);
}

int pg_frozen_result(pg_store *st, long id, cJSON **result, pg_diags *d)
{
    *result = NULL;
    char *body = NULL;
    int rc = pg_frozen_result_text(st, id, &body, NULL, d);
    if (rc != 0) return rc;
    *result = cJSON_Parse(body);
    free(body);
    if (!*result) {
        pg_error(d, pg_store_path(st), 0, "bulletin %ld: its stored result is not JSON", id);
        return -EINVAL;
    }
    return 0;
}

int pg_frozen_result_head(pg_store *st, long id, cJSON **result, pg_diags *d)
{
    *result = NULL;
    char *body = NULL;
    size_t len = 0;
    int rc = pg_frozen_result_text(st, id, &body, &len, d);
    if (rc != 0) return rc;
    len = pg_json_text_drop(body, len, "units");
    *result = cJSON_ParseWithLength(body, len);
    free(body);
    if (!*result) {
        pg_error(d, pg_store_path(st), 0, "bulletin %ld: its stored result is not JSON", id);
        return -EINVAL;
    }
    return 0;
}

int pg_frozen_eval(const pg_ruleset *rs, const pg_dataset *ds, int scheme, int period,
                   const cJSON *base, const char *what, pg_result **out, pg_diags *d)
{
    int rc = pg_eval(rs, ds, scheme, period, out, d);
    if (rc == 0 && base && (rc = pg_movement_from(*out, base, what, d)) != 0) {
        pg_result_free(*out);
        *out = NULL;
    }
    return rc;
}
