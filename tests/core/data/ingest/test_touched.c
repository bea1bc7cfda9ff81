/* test_touched.c — which stored cells a change of batches touched (core/data/batch_cells.c,
 * pg_batch_touched), on the rule set of test_keys.c (keys/: source rp, on_duplicate = replace).
 *
 * - a batch of May and April records touches its definitions' cells in exactly those months
 *   (a count), and a year-to-date sum in every month from its first record to December;
 * - a replacement touches the cells of the batch and of the one it replaced, each named by its
 *   batch;
 * - a batch holding a key another active batch holds touches its whole source (which record
 *   counts moves in the other batch's cells), and so does withdrawing either of them while the
 *   other is active; a batch whose keys are shared only with withdrawn or replaced batches
 *   does not;
 * - an unknown batch is -ENOENT. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "data.h"
#include "base.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    pg_ruleset *rs;
    char *dir, *data;
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
    char tmpl[] = "/tmp/pinggu-touched-XXXXXX";
    if (!mkdtemp(tmpl)) return -1;
    f->dir = pg_xstrdup(tmpl);
    f->data = pg_xasprintf("%s/data", f->dir);
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
    free(f->dir), free(f->data), free(f);
    return rc == 0 ? 0 : -1;
}

/* Ingests the records ("id,unit,date,amount,tag" each) as a batch of rp, replacing `replaces`
 * when not NULL; returns the batch's id (malloc'd). */
static char *post(fx *f, const char *replaces, const char *const *recs)
{
    char *path = pg_xasprintf("%s/b%d.csv", f->dir, ++f->files);
    FILE *o = fopen(path, "w");
    assert_non_null(o);
    fputs("case_id,org,t,amount,tag\n", o);
    for (; *recs; recs++) fprintf(o, "%s\n", *recs);
    fclose(o);
    pg_batch_req rq = {
        .source = "rp", .path = path, .actor = "test", .replaces = replaces, .threads = 1};
    pg_batch b;
    int again;
    pg_diags d = {0};
    int rc = pg_batch_ingest(f->rs, f->data, &rq, &b, &again, &d);
    if (rc) pg_diags_print(&d, stderr);
    assert_int_equal(rc, 0);
    assert_int_equal(again, 0);
    char *id = pg_xstrdup(b.id);
    pg_batch_clear(&b);
    pg_diags_free(&d);
    free(path);
    return id;
}

static void touched(fx *f, const char *id, pg_touched *t)
{
    pg_diags d = {0};
    int rc = pg_batch_touched(f->data, id, t, &d);
    if (rc) pg_diags_print(&d, stderr);
    assert_int_equal(rc, 0);
    pg_diags_free(&d);
}

static long seq_of(fx *f, const char *id)
{
    pg_batch *list = NULL;
    int n = 0;
    pg_diags d = {0};
    assert_int_equal(pg_batch_list(f->data, &list, &n, &d), 0);
    long seq = -1;
    for (int i = 0; i < n; i++)
        if (strcmp(list[i].id, id) == 0) seq = list[i].seq;
    pg_batch_list_free(list, n);
    pg_diags_free(&d);
    return seq;
}

/* The cells of metric `metric`'s definition in batch `seq`, or NULL. */
static const pg_touch_cells *cells_of(fx *f, const pg_touched *t, const char *metric, long seq)
{
    int m = pg_strmap_get(&f->rs->metric_ids, metric);
    assert_true(m >= 0);
    for (int i = 0; i < t->ncells; i++)
        if (t->cells[i].def && t->cells[i].batch == seq &&
            strcmp(t->cells[i].def, f->rs->metrics[m].def) == 0)
            return &t->cells[i];
    return NULL;
}

/* The month buckets of c as "YYYYMM,…" (year buckets left out), into buf. */
static const char *months(const pg_touch_cells *c, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; c && i < c->nbuckets; i++)
        if (!pg_period_is_year(c->buckets[i]))
            len += (size_t)snprintf(buf + len, cap - len, "%s%d", len ? "," : "", c->buckets[i]);
    return buf;
}

static const pg_touch_source *source(const pg_touched *t, const char *name)
{
    for (int i = 0; i < t->nsrc; i++)
        if (strcmp(t->src[i].name, name) == 0) return &t->src[i];
    return NULL;
}

static void cells_and_windows(void **state)
{
    fx *f = *state;
    static const char *const a[] = {"A1,ga,2021-05-10,1,a", "A2,rs,2021-04-02,2.5,b", NULL};
    char *id = post(f, NULL, a);
    pg_touched t;
    touched(f, id, &t);
    char buf[256];
    long seq = seq_of(f, id);
    const pg_touch_source *s = source(&t, "rp");
    assert_non_null(s);
    assert_int_equal(s->all, 0);
    assert_int_equal(s->keys_indexed, 1);
    assert_int_equal(s->nbatches, 1);
    assert_int_equal(t.everything, 0);
    assert_string_equal(months(cells_of(f, &t, "rp_n", seq), buf, sizeof buf), "202104,202105");
    assert_int_equal(cells_of(f, &t, "rp_n", seq)->all, 0);
    assert_string_equal(months(cells_of(f, &t, "rp_ytd", seq), buf, sizeof buf),
                        "202104,202105,202106,202107,202108,202109,202110,202111,202112");
    pg_touched_free(&t);

    /* a replacement: its own cells and the replaced batch's, each under its batch */
    static const char *const b[] = {"B1,ga,2021-07-10,3,c", NULL};
    char *id2 = post(f, id, b);
    touched(f, id2, &t);
    s = source(&t, "rp");
    assert_int_equal(s->nbatches, 2);
    assert_int_equal(s->all, 0);
    assert_string_equal(months(cells_of(f, &t, "rp_n", seq), buf, sizeof buf), "202104,202105");
    assert_string_equal(months(cells_of(f, &t, "rp_n", seq_of(f, id2)), buf, sizeof buf), "202107");
    pg_touched_free(&t);

    /* the replaced batch's keys are nobody's now: reusing one touches only the new cells */
    static const char *const c[] = {"A1,ga,2021-09-10,4,d", NULL};
    char *id3 = post(f, NULL, c);
    touched(f, id3, &t);
    assert_int_equal(source(&t, "rp")->all, 0);
    assert_string_equal(months(cells_of(f, &t, "rp_n", seq_of(f, id3)), buf, sizeof buf), "202109");
    pg_touched_free(&t);

    /* a key an active batch holds: which record counts moves in that batch, so all of rp */
    static const char *const e[] = {"B1,rs,2021-03-10,5,e", NULL};
    char *id4 = post(f, NULL, e);
    touched(f, id4, &t);
    assert_int_equal(source(&t, "rp")->all, 1);
    pg_touched_free(&t);

    /* withdrawing the batch whose record it shadowed: B1 of id4 counts again */
    pg_diags d = {0};
    assert_int_equal(pg_batch_withdraw(f->data, id2, "test", NULL, &d), 0);
    touched(f, id2, &t);
    assert_int_equal(source(&t, "rp")->all, 1);
    pg_touched_free(&t);
    /* and id3, whose key A1 no active batch holds any more, touches its cells only */
    assert_int_equal(pg_batch_withdraw(f->data, id3, "test", NULL, &d), 0);
    touched(f, id3, &t);
    assert_int_equal(source(&t, "rp")->all, 0);
    assert_string_equal(months(cells_of(f, &t, "rp_n", seq_of(f, id3)), buf, sizeof buf), "202109");
    pg_touched_free(&t);

    assert_int_equal(pg_batch_touched(f->data, "00000000000000000000", &t, &d), -ENOENT);
    pg_diags_free(&d);
    free(id), free(id2), free(id3), free(id4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(cells_and_windows, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
