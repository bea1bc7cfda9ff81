/* reproduce.c — re-running a recorded run from its frozen rules, inputs and base (see
 * reproduce.h).
 *
 * Runs recorded before the rule revision became the snapshot's content hash (see
 * core/rules/revision.c) carry the old revision inside their stored result ("ruleset" →
 * "revision": a SHA-256 over the files Lua loaded, in load order, then units.csv, each "path
 * NUL content NUL"), while the run row and the snapshot directory were already named by the
 * content hash. Such a result must still re-run to its bytes, so when the stored revision is
 * not the loaded rules' one, the old definition is computed from the snapshot's own files, and
 * only if it matches does the re-run carry it: the old id is re-derived from the frozen rules,
 * never copied from the record, so a snapshot that does not match still shows as a difference.
 * No stored data are rewritten (a published result is immutable, and its hash is its id). */
#include "record.h"

#include "base.h"

#include <errno.h>
#include <sha2.h>
#include <stdio.h>
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

/* The revision as computed before it became the content hash: see the header comment. */
static int legacy_revision(const pg_ruleset *rs, char hex[65])
{
    SHA2_CTX ctx;
    SHA256Init(&ctx);
    const char *const *files;
    int n = pg_sandbox_files(rs->sb, &files), rc = 0;
    for (int i = 0; i <= n && rc == 0; i++) {
        const char *rel = i < n ? files[i] : "units.csv";
        char *path = pg_xasprintf("%s/%s", rs->fsdir, rel);
        FILE *f = fopen(path, "rb");
        rc = f ? 0 : -errno;
        free(path);
        if (!f) break;
        SHA256Update(&ctx, (const uint8_t *)rel, strlen(rel) + 1);
        unsigned char buf[8192];
        size_t k;
        while ((k = fread(buf, 1, sizeof buf, f)) > 0) SHA256Update(&ctx, buf, k);
        if (ferror(f)) rc = -EIO;
        SHA256Update(&ctx, (const uint8_t *)"", 1);
        fclose(f);
    }
    SHA256End(&ctx, hex);
    return rc;
}

int pg_result_text_revision(const char *text, char revision[65])
{
    revision[0] = 0;
    /* The stored text is pg_run_result_text's: "ruleset" comes first, so a prefix is enough,
     * but parse the whole text rather than guess at its layout. */
    cJSON *j = cJSON_Parse(text);
    const cJSON *rs = cJSON_GetObjectItemCaseSensitive(j, "ruleset");
    const cJSON *rev = cJSON_GetObjectItemCaseSensitive(rs, "revision");
    int rc = cJSON_IsString(rev) ? 0 : -EINVAL;
    if (rc == 0) snprintf(revision, 65, "%s", rev->valuestring);
    cJSON_Delete(j);
    return rc;
}

int pg_reproduce_run(pg_store *st, const char *datadir, long id, pg_rerun *r, pg_diags *d)
{
    memset(r, 0, sizeof *r);
    int rc = pg_run_get(st, id, &r->run, d);
    if (rc == -ENOENT) pg_error(d, pg_store_path(st), 0, "no run %ld", id);
    if (rc != 0) return rc;
    char *inputs = NULL;
    cJSON *base = NULL;
    char what[64] = "";
    if ((rc = pg_store_blob_get(st, r->run.result, &r->stored, NULL, d)) != 0) goto done;
    if ((rc = pg_store_blob_get(st, r->run.inputs, &inputs, NULL, d)) != 0) goto done;
    if ((rc = pg_snapshot_load_hash(datadir, r->run.revision, NULL, &r->rs, d)) != 0) goto done;
    char was[65], old[65];
    if (pg_result_text_revision(r->stored, was) == 0 && strcmp(was, r->rs->revision) != 0 &&
        legacy_revision(r->rs, old) == 0 && strcmp(old, was) == 0)
        memcpy(r->rs->revision, old, sizeof old); /* recorded before the ids were unified */
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
    r->ds = pg_dataset_new(r->rs);
    if ((rc = pg_dataset_from_text(r->ds, inputs, name, d)) != 0) goto done;
    if (r->run.base) {
        snprintf(what, sizeof what, "bulletin %ld", r->run.base);
        if ((rc = pg_frozen_result_head(st, r->run.base, &base, d)) != 0) goto done;
    }
    rc = pg_frozen_eval(r->rs, r->ds, s, period, base, what, &r->res, d);
    if (rc == 0 && !(r->text = pg_run_result_text(r->res))) rc = -ENOMEM;
done:
    free(inputs);
    cJSON_Delete(base);
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
