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
 * - the key set is in the store: every call here opens it anew, as a new process would;
 * - compacted partials (issue 19 §2, core/data/totals.c): the same records as 91 daily batches
 *   and as 3 monthly ones give the same figures, bit for bit, and once their totals are made
 *   an evaluation of either reads the same rows and no partial; totals are those of the raw
 *   files; withdrawing a batch (the last, or one in the middle) gives back exactly the figures
 *   of the batches that remain, and restoring it those of before. */
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
#include <sys/stat.h>

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

/* Counts the rows an evaluation reads: every row, and those of table partial. */
typedef struct {
    long rows, partial;
} row_count;

static int count_row(unsigned type, void *ud, void *p, void *x)
{
    (void)type, (void)x;
    row_count *c = ud;
    const char *sql = sqlite3_sql(p);
    c->rows++;
    if (sql && strstr(sql, "FROM partial")) c->partial++;
    return 0;
}

/* Takes the values of `data` into a new dataset, counting the rows read. */
static pg_dataset *load_counted(fx *f, const char *data, row_count *c)
{
    pg_store *st;
    pg_diags d = {0};
    assert_int_equal(pg_batch_store_open(data, &st, &d), 0);
    *c = (row_count){0};
    sqlite3_trace_v2(pg_store_db(st), SQLITE_TRACE_ROW, count_row, c);
    pg_dataset *ds = pg_dataset_new(f->rs);
    int rc = pg_batch_feed_store(f->rs, data, st, ds, &d);
    if (rc) pg_diags_print(&d, stderr);
    assert_int_equal(rc, 0);
    pg_store_close(st);
    pg_diags_free(&d);
    return ds;
}

/* Writes records of 2021-04-01 .. 2021-06-30 (91 days, 3 a day, dyadic amounts: exact in any
 * order) as one file per day (by = 'd') or per month (by = 'm') into `dir`; returns how many. */
static int write_days(fx *f, const char *dir, char by)
{
    static const int mdays[] = {30, 31, 30};
    char *path = pg_xasprintf("%s/%s", f->dir, dir);
    assert_int_equal(mkdir(path, 0755), 0);
    int files = 0;
    FILE *o = NULL;
    for (int m = 0; m < 3; m++)
        for (int day = 1; day <= mdays[m]; day++) {
            if (!o || by == 'd' || day == 1) {
                if (o) fclose(o);
                char *name = pg_xasprintf("%s/%02d-%02d.csv", path, m + 4, by == 'd' ? day : 0);
                o = fopen(name, "w");
                assert_non_null(o);
                fputs("case_id,org,t,amount,tag\n", o);
                free(name);
                files++;
            }
            for (int i = 0; i < 3; i++) {
                int k = (m * 31 + day) * 3 + i;
                fprintf(o, "D%d,%s,2021-%02d-%02d %02d:00:00,%g,%c\n", k, i == 2 ? "rs" : "ga",
                        m + 4, day, 8 + i, (k * 7 % 13) * 0.25 - 1, 'a' + k % 5);
            }
        }
    fclose(o);
    free(path);
    return files;
}

/* Ingests every file of `dir`, in name order, into data as batches of kf. */
static void ingest_dir(fx *f, const char *data, const char *dir, int files)
{
    char *cmd = pg_xasprintf("ls '%s/%s'", f->dir, dir);
    FILE *ls = popen(cmd, "r");
    char name[256];
    int n = 0;
    while (fgets(name, sizeof name, ls)) {
        name[strcspn(name, "\n")] = '\0';
        char *path = pg_xasprintf("%s/%s/%s", f->dir, dir, name);
        assert_int_equal(ingest(f, data, "kf", path, NULL, NULL, NULL), 0);
        free(path);
        n++;
    }
    pclose(ls);
    assert_int_equal(n, files);
    free(cmd);
}

/* 91 daily batches and 3 monthly ones: the same figures, and once compacted the same rows. */
static void daily_and_monthly(void **state)
{
    fx *f = *state;
    assert_int_equal(write_days(f, "days", 'd'), 91);
    assert_int_equal(write_days(f, "months", 'm'), 3);
    char *daily = datadir(f, "daily"), *monthly = datadir(f, "monthly");
    ingest_dir(f, daily, "days", 91);
    ingest_dir(f, monthly, "months", 3);
    row_count cd, cm;
    /* the first evaluation merges the batches' partials and keeps the totals */
    pg_dataset *d1 = load_counted(f, daily, &cd), *m1 = load_counted(f, monthly, &cm);
    assert_true(cd.partial >= 91 && cm.partial >= 3);
    same_figures(f, "kf", d1, m1);
    assert_int_equal(one(daily, "SELECT count(*) FROM total_state"), 10);
    /* then: the totals alone, the same rows for 91 batches as for 3, each cell straight from
     * the store to its value (no aggregation table): the whole data bit for bit the merge's */
    pg_dataset *d2 = load_counted(f, daily, &cd), *m2 = load_counted(f, monthly, &cm);
    assert_int_equal(cd.partial, 0);
    assert_int_equal(cm.partial, 0);
    assert_int_equal(cd.rows, cm.rows);
    same_figures(f, "kf", d1, d2);
    same_figures(f, "kf", d2, m2);
    char h1[65], h2[65];
    pg_dataset_digest(d1, h1), pg_dataset_digest(d2, h2);
    assert_string_equal(h1, h2);
    /* totals from the raw files (every batch read again): the same bits */
    exec_sql(daily, "UPDATE batch SET keys_gen = keys_gen + 1");
    pg_dataset *raw = load_counted(f, daily, &cd);
    same_figures(f, "kf", d2, raw);
    /* one more day: merged into the totals, which read no other batch */
    char *extra =
        batch_file(f, "extra.csv", (const char *const[]){"X1,ga,2021-06-20,0.75,z", NULL});
    assert_int_equal(ingest(f, daily, "kf", extra, NULL, NULL, NULL), 0);
    pg_dataset *d3 = load_counted(f, daily, &cd);
    assert_int_equal(cd.partial, 10); /* the new batch's row per definition, nothing else */
    assert_true(value(f, d3, "kf_n", "ga", 202106) == value(f, d2, "kf_n", "ga", 202106) + 1);
    pg_dataset_free(d1), pg_dataset_free(m1), pg_dataset_free(d2), pg_dataset_free(m2);
    pg_dataset_free(raw), pg_dataset_free(d3);
    free(daily), free(monthly), free(extra);
}

static const char *const E3[] = {"K9,ga,2021-05-16,1e-3,e", "K10,rs,2021-04-03,7.7,f",
                                 "K11,zr,2021-06-03,1e15,g", NULL};

/* Withdrawing after compaction: exactly the figures of the batches that remain. */
static void withdraw_compacted(void **state)
{
    fx *f = *state;
    char *data = datadir(f, "wd"), *a = batch_file(f, "wa.csv", E1),
         *b = batch_file(f, "wb.csv", E2), *c = batch_file(f, "wc.csv", E3);
    char *ab = datadir(f, "wd-ab"), *ac = datadir(f, "wd-ac");
    pg_batch bb, bc;
    assert_int_equal(ingest(f, data, "kf", a, NULL, NULL, NULL), 0);
    assert_int_equal(ingest(f, data, "kf", b, NULL, &bb, NULL), 0);
    pg_dataset *before = load(f, data); /* totals of a, b */
    assert_int_equal(ingest(f, data, "kf", c, NULL, &bc, NULL), 0);
    pg_dataset *abc = load(f, data); /* c merged into them */
    assert_true(value(f, abc, "kf_n", "zr", 202106) == 1);
    withdraw(data, bc.id);
    pg_dataset *after = load(f, data);
    same_figures(f, "kf", before, after);
    assert_true(isnan(value(f, after, "kf_n", "zr", 202106)));
    assert_int_equal(ingest(f, ab, "kf", a, NULL, NULL, NULL), 0);
    assert_int_equal(ingest(f, ab, "kf", b, NULL, NULL, NULL), 0);
    pg_dataset *fresh = load(f, ab);
    same_figures(f, "kf", after, fresh);
    /* the middle one, with c back */
    assert_int_equal(ingest(f, data, "kf", c, NULL, NULL, NULL), 0);
    pg_dataset *back = load(f, data);
    same_figures(f, "kf", abc, back);
    withdraw(data, bb.id);
    pg_dataset *no_b = load(f, data);
    assert_int_equal(ingest(f, ac, "kf", a, NULL, NULL, NULL), 0);
    assert_int_equal(ingest(f, ac, "kf", c, NULL, NULL, NULL), 0);
    pg_dataset *only_ac = load(f, ac);
    same_figures(f, "kf", no_b, only_ac);
    pg_dataset_free(before), pg_dataset_free(abc), pg_dataset_free(after);
    pg_dataset_free(fresh), pg_dataset_free(back), pg_dataset_free(no_b);
    pg_dataset_free(only_ac);
    pg_batch_clear(&bb), pg_batch_clear(&bc);
    free(data), free(a), free(b), free(c), free(ab), free(ac);
}

/* Repeats within one file, around the key filter's shortcut (keyset.c: a key above every key
 * before it is new without a lookup, and waits to be inserted with 63 others): a repeat of a
 * key still waiting, of one already inserted, of one inserted alone; new keys below the
 * greatest (shorter, other prefix) and above it by a longer text with the same start; a file
 * that ends with keys still waiting. Only the first record of each key counts, its record
 * number is the one kept, and the figures are those of the file without the repeats. */
static void repeats_within_file(void **state)
{
    fx *f = *state;
    enum { MAX = 400 };
    char *keys[MAX], *recs[MAX + 1], *firsts[MAX + 1];
    int n = 0, nfirst = 0;
    long long want_records = 0;
    char *order[MAX];
    int no = 0;
    char buf[32];
    for (int i = 1; i <= 100; i++)
        snprintf(buf, sizeof buf, "K%04d", i), order[no++] = pg_xstrdup(buf);
    order[no++] = pg_xstrdup("K0100"); /* the greatest, still waiting */
    order[no++] = pg_xstrdup("K0010"); /* inserted with the first 64 */
    order[no++] = pg_xstrdup("J0500"); /* new, below the greatest: looked up */
    for (int i = 101; i <= 230; i++)
        snprintf(buf, sizeof buf, "K%04d", i), order[no++] = pg_xstrdup(buf);
    order[no++] = pg_xstrdup("J0500");  /* inserted alone */
    order[no++] = pg_xstrdup("K0229");  /* waiting or inserted: either way a repeat */
    order[no++] = pg_xstrdup("K0230");  /* the greatest again */
    order[no++] = pg_xstrdup("K02300"); /* above the greatest: longer, the same start */
    order[no++] = pg_xstrdup("K023");   /* below it: shorter */
    order[no++] = pg_xstrdup("K02300");
    for (int i = 1; i <= 5; i++)
        snprintf(buf, sizeof buf, "L%04d", i), order[no++] = pg_xstrdup(buf);
    for (int i = 0; i < no; i++) {
        int seen = 0;
        for (int j = 0; j < i && !seen; j++) seen = strcmp(order[j], order[i]) == 0;
        /* amounts in quarters: sums exact in any order */
        keys[n] = pg_xasprintf("%s,%s,2021-05-%02d,%g,t%d", order[i], i % 3 ? "ga" : "rs",
                               1 + i % 25, (double)(i % 9) * 0.25 - 0.5, i % 4);
        recs[n] = keys[n];
        if (!seen) firsts[nfirst++] = keys[n], want_records += i + 1;
        n++;
    }
    recs[n] = firsts[nfirst] = NULL;
    char *data = datadir(f, "within"),
         *path = batch_file(f, "within.csv", (const char *const *)recs);
    pg_batch b;
    assert_int_equal(ingest(f, data, "kf", path, NULL, &b, NULL), 0);
    assert_int_equal(b.duplicates, n - nfirst);
    assert_int_equal(n - nfirst, 6);
    assert_int_equal(one(data, "SELECT count(*) FROM record_key"), nfirst);
    /* each key's record is its first: the sum of the first records' numbers (1-based) */
    assert_int_equal(one(data, "SELECT sum(record) FROM record_key"), want_records);
    as_one_file(f, data, "kf", (const char *const *)firsts);
    for (int i = 0; i < n; i++) free(keys[i]);
    for (int i = 0; i < no; i++) free(order[i]);
    pg_batch_clear(&b);
    free(data), free(path);
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
        cmocka_unit_test_setup_teardown(daily_and_monthly, setup, teardown),
        cmocka_unit_test_setup_teardown(withdraw_compacted, setup, teardown),
        cmocka_unit_test_setup_teardown(repeats_within_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
