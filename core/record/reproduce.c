/* reproduce.c — re-running a recorded run from its frozen rules, inputs and base (see
 * reproduce.h). */
#include "record.h"

#include "base.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void pg_rerun_free(pg_rerun *r)
{
    pg_result_free(r->res);
    pg_dataset_free(r->ds);
    pg_ruleset_free(r->rs);
    pg_run_clear(&r->run);
    free(r->text), free(r->stored);
    memset(r, 0, sizeof *r);
}

int pg_reproduce_run(pg_store *st, const char *datadir, long id, pg_rerun *r, pg_diags *d)
{
    memset(r, 0, sizeof *r);
    int rc = pg_run_get(st, id, &r->run, d);
    if (rc == -ENOENT) pg_error(d, pg_store_path(st), 0, "no run %ld", id);
    if (rc != 0) return rc;
    char *inputs = NULL;
    cJSON *in = NULL, *base = NULL;
    char what[64] = "";
    if ((rc = pg_store_blob_get(st, r->run.result, &r->stored, NULL, d)) != 0) goto done;
    if ((rc = pg_store_blob_get(st, r->run.inputs, &inputs, NULL, d)) != 0) goto done;
    if ((rc = pg_snapshot_load_hash(datadir, r->run.revision, NULL, &r->rs, d)) != 0) goto done;
    int s = pg_strmap_get(&r->rs->scheme_ids, r->run.scheme);
    int period = pg_period_parse(r->run.period);
    if (s < 0 || period < 0) {
        pg_error(d, NULL, 0, "run %ld: scheme '%s' or period '%s' is not in its rules", id,
                 r->run.scheme, r->run.period);
        rc = -EINVAL;
        goto done;
    }
    char name[48];
    snprintf(name, sizeof name, "run %ld inputs", id);
    if (!(in = cJSON_Parse(inputs))) {
        pg_error(d, NULL, 0, "%s: not JSON", name);
        rc = -EINVAL;
        goto done;
    }
    r->ds = pg_dataset_new(r->rs);
    if ((rc = pg_dataset_from_json(r->ds, in, name, d)) != 0) goto done;
    if (r->run.base) {
        snprintf(what, sizeof what, "bulletin %ld", r->run.base);
        if ((rc = pg_frozen_result(st, r->run.base, &base, d)) != 0) goto done;
    }
    rc = pg_frozen_eval(r->rs, r->ds, s, period, base, what, &r->res, d);
    if (rc == 0 && !(r->text = pg_run_result_text(r->res))) rc = -ENOMEM;
done:
    free(inputs);
    cJSON_Delete(in), cJSON_Delete(base);
    return rc;
}

/* The next line of `*p` (without its newline) into [*s, *e); advances *p. 0 at the end. */
static int next_line(const char **p, const char **s, const char **e)
{
    if (!**p) return 0;
    *s = *p;
    const char *nl = strchr(*p, '\n');
    *e = nl ? nl : *p + strlen(*p);
    *p = nl ? nl + 1 : *e;
    return 1;
}

int pg_rerun_differences(const pg_rerun *r, int max, FILE *out)
{
    if (r->text && r->stored && strcmp(r->text, r->stored) == 0) return 0;
    const char *a = r->stored ? r->stored : "", *b = r->text ? r->text : "";
    int ndiff = 0;
    for (int line = 1;; line++) {
        const char *as = "", *ae = as, *bs = "", *be = bs;
        int ha = next_line(&a, &as, &ae), hb = next_line(&b, &bs, &be);
        if (!ha && !hb) break;
        if (ha == hb && ae - as == be - bs && memcmp(as, bs, (size_t)(ae - as)) == 0) continue;
        if (out && ndiff < max) {
            fprintf(out, "line %d: recorded %.*s\n", line, (int)(ae - as), ha ? as : "(end)");
            fprintf(out, "%*s re-run   %.*s\n", snprintf(NULL, 0, "line %d:", line), "",
                    (int)(be - bs), hb ? bs : "(end)");
        }
        ndiff++;
    }
    return ndiff ? ndiff : 1; /* differ only in a final newline */
}
