/* test_keys.c — keys across batches and exact partials (core/data/batch.c, aggregate.c).
 *
 * The rule set in keys/ declares one kind of record three times: source rej (a repeated key
 * refuses the batch: on_duplicate's default), kf (keep_first) and rp (replace), each with a
 * metric of every kind. The figures of several batches are compared, bit for bit (every value
 * and sample size of every metric, unit and period), with those of one file holding the
 * records that should count — the single de-duplicated file the batches stand for — ingested
 * into a data directory of its own. Then:
 *
 * - exact partials: sums whose rounding errors matter (1e16, 1, 0.1, -1e16, 3.3, 0.2: the
 *   sum is 4.6 only when each batch's error term survives the store) give, from the store,
 *   exactly what reading the raw copies again gives, and the cells are stored as BLOBs;
 * - reject: a later batch repeating keys is refused whole, naming the keys and the batch that
 *   holds them, with no row and no raw copy left; withdrawing the holder lets it in, and the
 *   holder's bytes then cannot come back;
 * - keep_first: the later batch's repeats are dropped and reported; withdrawing the earlier
 *   batch brings them back, restoring it drops them again;
 * - replace: the later batch's records count instead, the earlier batch's partials are
 *   recomputed without them; withdrawing the later batch brings the earlier versions back;
 *   `--replace` of the earlier batch with a corrected file leaves its own keys out of the way;
 * - a refused batch lists its first 20 repeated keys and the total; a changed on_duplicate
 *   settles the keys again at the next evaluation;
 * - the key set is in the store: every call here opens it anew, as a new process would. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "data.h"
#include "base.h"
#include "record.h"
#include "store.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    pg_ruleset *rs;
    char *dir;
    int files;
} fx;

static int setup(void **state)
{
    fx *f = pg_xcalloc(1, sizeof *f);
    pg_diags d = {0};
    if (pg_ruleset_load(KEYS_FIXTURE, &f->rs, &d) != 0) {
        pg_diags_print(&d, stderr);
        return -1;
    }
    pg_diags_free(&d);
    char tmpl[] = "/tmp/pinggu-keys-XXXXXX";
    if (!mkdtemp(tmpl)) return -1;
    f->dir = pg_xstrdup(tmpl);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    char *cmd = pg_xasprintf("rm -rf '%s'", f->dir);
    int rc = system(cmd);
    free(cmd);
    pg_ruleset_free(f->rs);
    free(f->dir);
    free(f);
    return rc == 0 ? 0 : -1;
}

/* Writes a CSV batch of the given records ("id,unit,date,amount,tag" each) under the test's
 * directory; returns its path (malloc'd). */
static char *batch_file(fx *f, const char *name, const char *const *recs)
{
    char *path = pg_xasprintf("%s/%s", f->dir, name);
    FILE *o = fopen(path, "w");
    assert_non_null(o);
    fputs("case_id,org,t,amount,tag\n", o);
    for (; *recs; recs++) fprintf(o, "%s\n", *recs);
    fclose(o);
    return path;
}

static char *datadir(fx *f, const char *name)
{
    return pg_xasprintf("%s/%s", f->dir, name);
}

/* Ingests path into data as a batch of source; returns pg_batch_ingest's code, the batch in
 * *out when not NULL, and the messages (errors and warnings) in *msgs when not NULL. */
static int ingest(fx *f, const char *data, const char *source, const char *path,
                  const char *replaces, pg_batch *out, char **msgs)
{
    pg_batch_req rq = {
        .source = source, .path = path, .actor = "test", .replaces = replaces, .threads = 1};
    pg_batch b;
    int again;
    pg_diags d = {0};
    int rc = pg_batch_ingest(f->rs, data, &rq, &b, &again, &d);
    if (msgs) {
        char *all = pg_xstrdup("");
        for (int i = 0; i < d.n; i++) {
            char *more = pg_xasprintf("%s%s\n", all, d.v[i].msg);
            free(all);
            all = more;
        }
        *msgs = all;
    }
    if (rc == 0 && out)
        *out = b;
    else if (rc == 0)
        pg_batch_clear(&b);
    pg_diags_free(&d);
    return rc;
}

static void withdraw(const char *data, const char *id)
{
    pg_diags d = {0};
    assert_int_equal(pg_batch_withdraw(data, id, "test", NULL, &d), 0);
    pg_diags_free(&d);
}

static pg_dataset *load(fx *f, const char *data)
{
    pg_dataset *ds = NULL;
    pg_diags d = {0};
    int rc = pg_datadir_load(f->rs, data, &ds, &d);
    if (rc) pg_diags_print(&d, stderr);
    assert_int_equal(rc, 0);
    pg_diags_free(&d);
    return ds;
}

/* Every value and sample size of source's metrics in a and b, compared bit for bit. */
static void same_figures(fx *f, const char *source, pg_dataset *a, pg_dataset *b)
{
    int periods[14], np = 0;
    for (int m = 1; m <= 12; m++) periods[np++] = 202100 + m;
    periods[np++] = 202100;
    int compared = 0;
    for (int m = 0; m < f->rs->nmetrics; m++) {
        const pg_metric *me = &f->rs->metrics[m];
        if (strcmp(f->rs->sources[me->source].name, source) != 0) continue;
        for (int u = 0; u < f->rs->nunits; u++)
            for (int p = 0; p < np; p++) {
                double va = NAN, na = NAN, vb = NAN, nb = NAN;
                int ha = pg_dataset_get(a, periods[p], m, u, &va, &na);
                int hb = pg_dataset_get(b, periods[p], m, u, &vb, &nb);
                if (ha != hb ||
                    (ha && (memcmp(&va, &vb, sizeof va) || memcmp(&na, &nb, sizeof na))))
                    fail_msg("%s %s %d: %a (n %a) against %a (n %a)", me->id, f->rs->units[u].id,
                             periods[p], va, na, vb, nb);
                compared += ha;
            }
    }
    assert_true(compared > 0);
}

/* The figures of the batches in `data` equal those of one file holding `recs`. */
static void as_one_file(fx *f, const char *data, const char *source, const char *const *recs)
{
    static int k;
    char name[32], dir[32];
    snprintf(name, sizeof name, "single-%d.csv", ++k);
    snprintf(dir, sizeof dir, "single-%d", k);
    char *path = batch_file(f, name, recs), *one = datadir(f, dir);
    assert_int_equal(ingest(f, one, source, path, NULL, NULL, NULL), 0);
    pg_dataset *a = load(f, data), *b = load(f, one);
    same_figures(f, source, a, b);
    pg_dataset_free(a), pg_dataset_free(b);
    free(path), free(one);
}

static double value(fx *f, pg_dataset *ds, const char *metric, const char *unit, int period)
{
    double v = NAN, n;
    pg_dataset_get(ds, period, pg_strmap_get(&f->rs->metric_ids, metric), pg_unit_find(f->rs, unit),
                   &v, &n);
    return v;
}

static long long one(const char *data, const char *sql)
{
    pg_store *st;
    pg_diags d = {0};
    assert_int_equal(pg_batch_store_open(data, &st, &d), 0);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(pg_store_db(st), sql, -1, &s, NULL), SQLITE_OK);
    long long v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_finalize(s);
    pg_store_close(st);
    pg_diags_free(&d);
    return v;
}

static void exec_sql(const char *data, const char *sql)
{
    pg_store *st;
    pg_diags d = {0};
    assert_int_equal(pg_batch_store_open(data, &st, &d), 0);
    assert_int_equal(pg_store_exec(st, sql, &d), 0);
    pg_store_close(st);
    pg_diags_free(&d);
}

/* Records whose sums are exact in any order (small dyadic amounts), so that several batches
 * and one file must agree to the bit whatever order they are added in. */
static const char *const A[] = {"K1,ga,2021-05-10,1,a", "K2,ga,2021-05-11,2,b",
                                "K3,ga,2021-05-12,0.5,a", "K8,rs,2021-04-02,2.5,a", NULL};
static const char *const B[] = {"K4,ga,2021-05-13,-4,c", "K5,ga,2021-05-14,3,d",
                                "K6,ga,2021-05-15,0.25,", NULL};
/* Amounts whose sum depends on each batch's rounding error. */
static const char *const E1[] = {"K1,ga,2021-05-10,1e16,a", "K2,ga,2021-05-11,1,b",
                                 "K3,ga,2021-05-12,0.1,a", "K8,rs,2021-04-02,2.5,a", NULL};
static const char *const E2[] = {"K4,ga,2021-05-13,-1e16,c", "K5,ga,2021-05-14,3.3,d",
                                 "K6,ga,2021-05-15,0.2,", NULL};

/* Sums whose last bits depend on each batch's rounding error: the store gives what the raw
 * copies give, and the cells are binary. */
static void exact_partials(void **state)
{
    fx *f = *state;
    char *data = datadir(f, "exact"), *a = batch_file(f, "a.csv", E1);
    char *b = batch_file(f, "b.csv", E2);
    assert_int_equal(ingest(f, data, "kf", a, NULL, NULL, NULL), 0);
    assert_int_equal(ingest(f, data, "kf", b, NULL, NULL, NULL), 0);
    assert_int_equal(one(data, "SELECT count(*) FROM partial WHERE typeof(cells) <> 'blob'"), 0);
    pg_dataset *stored = load(f, data);
    /* 1e16 + 1 + 0.1 - 1e16 + 3.3 + 0.2: exactly 4.6 (to the double nearest), as the batches'
     * compensated sums carry it; a sum stored as one rounded double gave 6 */
    double total = value(f, stored, "kf_total", "ga", 202105);
    if (total != 0x1.2666666666666p+2) fail_msg("kf_total %a", total);
    /* every batch's cells stale: read from the raw copies again, and stored again */
    exec_sql(data, "UPDATE batch SET keys_gen = keys_gen + 1");
    pg_dataset *raw = load(f, data);
    same_figures(f, "kf", stored, raw);
    assert_int_equal(one(data, "SELECT count(*) FROM partial p JOIN batch b ON b.id = p.batch"
                               " WHERE p.gen <> b.keys_gen"),
                     0);
    pg_dataset *again = load(f, data); /* the cells just stored */
    same_figures(f, "kf", raw, again);
    pg_dataset_free(stored), pg_dataset_free(raw), pg_dataset_free(again);
    free(data), free(a), free(b);
}

static const char *const C[] = {"K3,ga,2021-05-12,7,x", "K5,ga,2021-05-14,9,y",
                                "K7,rs,2021-06-11,2,b", "K7,rs,2021-06-11,5,b", NULL};

/* reject: refused whole, named, nothing left; a withdrawn holder lets it in. */
static void reject(void **state)
{
    fx *f = *state;
    char *data = datadir(f, "reject"), *a = batch_file(f, "ra.csv", A),
         *b = batch_file(f, "rb.csv", B);
    char *c = batch_file(f, "rc.csv", C), *msgs;
    pg_batch ba, bc;
    assert_int_equal(ingest(f, data, "rej", a, NULL, &ba, NULL), 0);
    assert_int_equal(ingest(f, data, "rej", b, NULL, NULL, NULL), 0);
    assert_int_equal(ingest(f, data, "rej", c, NULL, NULL, &msgs), -EEXIST);
    assert_non_null(strstr(msgs, "2 keys are already in another active batch of source 'rej'"));
    assert_non_null(strstr(msgs, "the batch is rejected, nothing stored"));
    char want[80];
    snprintf(want, sizeof want, "key 'K3' is already in batch %.12s", ba.id);
    assert_non_null(strstr(msgs, want));
    assert_non_null(strstr(msgs, "key 'K5' is already in batch"));
    free(msgs);
    assert_int_equal(one(data, "SELECT count(*) FROM batch"), 2);
    char *ls = pg_xasprintf("test $(ls '%s/batches/raw' | wc -l) -eq 2", data);
    assert_int_equal(system(ls), 0);
    const char *const ab[] = {A[0], A[1], A[2], A[3], B[0], B[1], B[2], NULL};
    as_one_file(f, data, "rej", ab);
    /* the holders withdrawn: it comes in; the first holder's bytes cannot come back */
    withdraw(data, ba.id);
    pg_batch bb;
    char *bid = NULL;
    {
        pg_batch *list;
        int n;
        pg_diags d = {0};
        assert_int_equal(pg_batch_list(data, &list, &n, &d), 0);
        if (n < 2 || !list) fail(); /* and tells the compiler list[1] exists */
        bid = pg_xstrdup(list[1].id);
        pg_batch_list_free(list, n);
        pg_diags_free(&d);
    }
    withdraw(data, bid);
    assert_int_equal(ingest(f, data, "rej", c, NULL, &bc, NULL), 0);
    assert_int_equal(bc.duplicates, 1);
    assert_int_equal(ingest(f, data, "rej", a, NULL, &bb, &msgs), -EEXIST);
    assert_non_null(strstr(msgs, "key 'K3' is already in batch"));
    free(msgs);
    assert_int_equal(one(data, "SELECT count(*) FROM batch WHERE status = 'active'"), 1);
    const char *const conly[] = {C[0], C[1], C[2], NULL};
    as_one_file(f, data, "rej", conly);
    pg_batch_clear(&ba), pg_batch_clear(&bc);
    free(bid), free(ls), free(data), free(a), free(b), free(c);
}

/* keep_first: the later repeats dropped; withdraw the earlier batch and they count. */
static void keep_first(void **state)
{
    fx *f = *state;
    char *data = datadir(f, "kf"), *a = batch_file(f, "ka.csv", A), *b = batch_file(f, "kb.csv", B);
    char *c = batch_file(f, "kc.csv", C), *msgs;
    pg_batch ba, bc;
    assert_int_equal(ingest(f, data, "kf", a, NULL, &ba, NULL), 0);
    assert_int_equal(ingest(f, data, "kf", b, NULL, NULL, NULL), 0);
    assert_int_equal(ingest(f, data, "kf", c, NULL, &bc, &msgs), 0);
    assert_int_equal(bc.shadowed, 2);
    assert_int_equal(bc.duplicates, 1);
    char want[100];
    snprintf(want, sizeof want, "1 record repeats keys of batch %.12s and was dropped", ba.id);
    assert_non_null(strstr(msgs, want));
    assert_non_null(strstr(msgs, "on_duplicate = \"keep_first\""));
    free(msgs);
    const char *const first[] = {A[0], A[1], A[2], A[3], B[0], B[1], B[2], C[2], NULL};
    as_one_file(f, data, "kf", first);
    /* the earlier holders withdrawn: C's K3 and K5 count */
    withdraw(data, ba.id);
    const char *const without_a[] = {B[0], B[1], B[2], C[0], C[2], NULL};
    as_one_file(f, data, "kf", without_a);
    /* back again (its bytes): the earlier batch's records count again */
    assert_int_equal(ingest(f, data, "kf", a, NULL, NULL, NULL), 0);
    as_one_file(f, data, "kf", first);
    pg_batch_clear(&ba), pg_batch_clear(&bc);
    free(data), free(a), free(b), free(c);
}

/* replace: the later versions count; withdrawing them brings the earlier ones back. */
static void replace(void **state)
{
    fx *f = *state;
    char *data = datadir(f, "rp"), *a = batch_file(f, "pa.csv", A), *b = batch_file(f, "pb.csv", B);
    char *c = batch_file(f, "pc.csv", C), *msgs;
    pg_batch ba, bc;
    assert_int_equal(ingest(f, data, "rp", a, NULL, &ba, NULL), 0);
    assert_int_equal(ingest(f, data, "rp", b, NULL, NULL, NULL), 0);
    assert_int_equal(ingest(f, data, "rp", c, NULL, &bc, &msgs), 0);
    assert_int_equal(bc.shadowed, 0);
    char want[100];
    snprintf(want, sizeof want, "1 record replaces those of batch %.12s", ba.id);
    assert_non_null(strstr(msgs, want));
    free(msgs);
    const char *const latest[] = {A[0], A[1], A[3], B[0], B[2], C[0], C[1], C[2], NULL};
    as_one_file(f, data, "rp", latest);
    assert_int_equal(one(data, "SELECT sum(shadowed) FROM batch"), 2);
    /* the later batch withdrawn: the versions it shadowed count again */
    withdraw(data, bc.id);
    const char *const ab[] = {A[0], A[1], A[2], A[3], B[0], B[1], B[2], NULL};
    as_one_file(f, data, "rp", ab);
    /* back again: the latest versions win again */
    assert_int_equal(ingest(f, data, "rp", c, NULL, NULL, NULL), 0);
    as_one_file(f, data, "rp", latest);
    /* the earlier batch replaced by a corrected file with the same keys: its own keys are no
     * repeat, and the correction, the latest batch, wins K3 from C */
    const char *const A2[] = {"K1,ga,2021-05-10,1e16,a", "K2,ga,2021-05-11,2,b",
                              "K3,ga,2021-05-12,0.5,a", "K8,rs,2021-04-02,2.5,a", NULL};
    char *a2 = batch_file(f, "pa2.csv", A2);
    assert_int_equal(ingest(f, data, "rp", a2, ba.id, NULL, NULL), 0);
    const char *const corrected[] = {A2[0], A2[1], A2[2], A2[3], B[0], B[2], C[1], C[2], NULL};
    as_one_file(f, data, "rp", corrected);
    pg_batch_clear(&ba), pg_batch_clear(&bc);
    free(data), free(a), free(a2), free(b), free(c);
}

/* A refused batch lists its first 20 repeated keys, then the total. */
static void reject_lists_twenty(void **state)
{
    fx *f = *state;
    char *data = datadir(f, "twenty");
    const char *recs[31], *again[26];
    char text[30][48];
    for (int i = 0; i < 30; i++) {
        snprintf(text[i], sizeof text[i], "T%02d,ga,2021-05-10,1,a", i);
        recs[i] = text[i];
        if (i >= 5) again[i - 5] = text[i];
    }
    recs[30] = again[25] = NULL;
    char *a = batch_file(f, "ta.csv", recs), *b = batch_file(f, "tb.csv", again), *msgs;
    assert_int_equal(ingest(f, data, "rej", a, NULL, NULL, NULL), 0);
    assert_int_equal(ingest(f, data, "rej", b, NULL, NULL, &msgs), -EEXIST);
    int listed = 0;
    for (const char *p = msgs; (p = strstr(p, "is already in batch")); p++) listed++;
    assert_int_equal(listed, 20);
    assert_non_null(strstr(msgs, "key 'T05' is already in batch"));
    assert_non_null(strstr(msgs, "key 'T24' is already in batch"));
    assert_null(strstr(msgs, "key 'T25'"));
    assert_non_null(strstr(msgs, "25 keys are already in another active batch of source 'rej'"));
    free(msgs), free(data), free(a), free(b);
}

/* The rule set's on_duplicate changed (keep_first to replace): the next evaluation settles
 * the keys again by the new one. */
static void policy_change(void **state)
{
    fx *f = *state;
    char *data = datadir(f, "policy"), *a = batch_file(f, "xa.csv", A);
    char *c = batch_file(f, "xc.csv", C);
    assert_int_equal(ingest(f, data, "kf", a, NULL, NULL, NULL), 0);
    assert_int_equal(ingest(f, data, "kf", c, NULL, NULL, NULL), 0);
    const char *const first[] = {A[0], A[1], A[2], A[3], C[1], C[2], NULL};
    as_one_file(f, data, "kf", first);
    char *cmd = pg_xasprintf("cp -r '%s' '%s/rules2' && sed -i 's/\"keep_first\"/\"replace\"/'"
                             " '%s/rules2/ruleset.lua'",
                             KEYS_FIXTURE, f->dir, f->dir);
    assert_int_equal(system(cmd), 0);
    char *dir2 = pg_xasprintf("%s/rules2", f->dir);
    pg_ruleset *rs1 = f->rs, *rs2;
    pg_diags d = {0};
    assert_int_equal(pg_ruleset_load(dir2, &rs2, &d), 0);
    pg_diags_free(&d);
    f->rs = rs2;
    const char *const latest[] = {A[0], A[1], A[3], C[0], C[1], C[2], NULL};
    as_one_file(f, data, "kf", latest);
    f->rs = rs1;
    as_one_file(f, data, "kf", first); /* and back */
    pg_ruleset_free(rs2);
    free(cmd), free(dir2), free(data), free(a), free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(exact_partials, setup, teardown),
        cmocka_unit_test_setup_teardown(reject, setup, teardown),
        cmocka_unit_test_setup_teardown(keep_first, setup, teardown),
        cmocka_unit_test_setup_teardown(replace, setup, teardown),
        cmocka_unit_test_setup_teardown(reject_lists_twenty, setup, teardown),
        cmocka_unit_test_setup_teardown(policy_change, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
