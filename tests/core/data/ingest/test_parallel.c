/* test_parallel.c — one batch file read on several threads (core/data/ingest_parallel.c) gives what
 * one thread gives: the same cells in the same order, the same counts and sums, the same
 * diagnostics for a bad file. Files are generated here (a fixed LCG), written to a fresh
 * mkdtemp directory and cut into parts of a few bytes (min_part 1), so that every cut lands
 * somewhere interesting: inside quoted fields holding newlines too. Also the progress counts
 * the reads keep. Never timed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "aggregate.h"
#include "ingest_parallel.h"
#include "rules.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if !defined(FIXTURE) || !defined(KEYED_FIXTURE)
#error "FIXTURE and KEYED_FIXTURE must name the rule set directories"
#endif

static pg_ruleset *rs;
static char dir[256];

static uint32_t seed;
static unsigned rnd(unsigned n)
{
    seed = seed * 1103515245u + 12345u;
    return (seed >> 8) % n;
}

/* One record's field texts (item_name decoded: it may hold commas, quotes and newlines). */
typedef struct {
    char project[16], unit[32], item[8192], accept[40], result[40], promise[8], channel[16],
        online[8], rating[4];
} rec;

static void make_record(rec *r, int i, int long_item)
{
    static const char *units[] = {"ga", "11441500002", "人社", "zr", "市公安局"};
    static const char *channels[] = {"窗口", "网上", "粤省事", "粤商通"};
    static const char *items[] = {"",           "户籍,迁入",    "说 \"明\"",
                                  "两行\n说明", "三\n行\n说明", "普通"};
    snprintf(r->project, sizeof r->project, "P%06d", i);
    snprintf(r->unit, sizeof r->unit, "%s", units[rnd(5)]);
    if (long_item) { /* many lines in one field: the middle of the file is inside it */
        size_t o = 0;
        for (int k = 0; k < 1800; k++) o += (size_t)snprintf(r->item + o, 5, "x\n");
        snprintf(r->item + o, sizeof r->item - o, "end");
    } else
        snprintf(r->item, sizeof r->item, "%s", items[rnd(6)]);
    int mon = 1 + (int)rnd(12), day = 1 + (int)rnd(28), h = (int)rnd(24), mi = (int)rnd(60);
    int form = (int)rnd(3);
    snprintf(r->accept, sizeof r->accept,
             form == 0   ? "2021-%02d-%02d %02d:%02d:07"
             : form == 1 ? "2021-%02d-%02dT%02d:%02d:07+08:00"
                         : "2021-%02d-%02dT%02d:%02d:07Z",
             mon, day, h, mi);
    if (rnd(5) == 0)
        r->result[0] = '\0';
    else
        snprintf(r->result, sizeof r->result, "2022-%02d-%02d %02d:%02d:%02d", 1 + (int)rnd(3),
                 1 + (int)rnd(28), (int)rnd(24), (int)rnd(60), (int)rnd(60));
    snprintf(r->promise, sizeof r->promise, "%u", 1 + rnd(15));
    snprintf(r->channel, sizeof r->channel, "%s", channels[rnd(4)]);
    snprintf(r->online, sizeof r->online, "%s", rnd(2) ? "true" : "0");
    if (rnd(6) == 0)
        r->rating[0] = '\0';
    else
        snprintf(r->rating, sizeof r->rating, "%u", 1 + rnd(5));
}

static void csv_field(FILE *f, const char *s, int last)
{
    if (strpbrk(s, ",\"\n")) {
        fputc('"', f);
        for (; *s; s++) fputs(*s == '"' ? "\"\"" : (char[]){*s, 0}, f);
        fputc('"', f);
    } else
        fputs(s, f);
    fputs(last ? "\r\n" : ",", f);
}

static void json_field(FILE *f, const char *key, const char *s, int first)
{
    fprintf(f, "%s\"%s\":", first ? "{" : ",", key);
    if (!*s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

/* Writes n records as CSV and NDJSON; record `long_at` (or none, -1) has a long item name,
 * and `bad` (n entries, or NULL) replaces a record's channel or unit by an unknown one. */
static void write_files(const char *csv, const char *ndjson, int n, int long_at, const int *bad)
{
    FILE *c = fopen(csv, "w"), *j = fopen(ndjson, "w");
    assert_non_null(c);
    assert_non_null(j);
    fputs("project_no,org_code,item_name,accept_date,result_date,promise_day,channel,"
          "fully_online,rating\r\n",
          c);
    rec *r = malloc(sizeof *r);
    seed = 20211126;
    for (int i = 0; i < n; i++) {
        make_record(r, i, i == long_at);
        if (bad && bad[i] == 1) strcpy(r->channel, "传真");
        if (bad && bad[i] == 2) strcpy(r->unit, "no-such-unit");
        const char *v[] = {r->project, r->unit,    r->item,   r->accept, r->result,
                           r->promise, r->channel, r->online, r->rating};
        static const char *keys[] = {"project_no",  "org_code",     "item_name",
                                     "accept_date", "result_date",  "promise_day",
                                     "channel",     "fully_online", "rating"};
        for (int k = 0; k < 9; k++) {
            csv_field(c, v[k], k == 8);
            json_field(j, keys[k], v[k], k == 0);
        }
        fputs("}\n", j);
    }
    free(r);
    fclose(c);
    fclose(j);
}

static char *path_of(const char *name)
{
    return pg_xasprintf("%s/%s", dir, name);
}

static pg_agg *read_with(const char *path, int threads, long *errors, pg_diags *d)
{
    const char *dot = strrchr(path, '.');
    int s = pg_strmap_get(&rs->source_ids, "cases");
    assert_true(s >= 0);
    return pg_ingest_aggregate(rs, s, path, strcmp(dot, ".ndjson") == 0 ? "ndjson" : "csv", threads,
                               1, errors, d);
}

/* The same cells, in the same order, with the same figures to the last bit. */
static void assert_same(const pg_agg *a, const pg_agg *b)
{
    const pg_agg_cell *ca, *cb;
    int na = pg_agg_cells(a, &ca), nb = pg_agg_cells(b, &cb);
    assert_int_equal(na, nb);
    assert_int_equal(pg_agg_records(a), pg_agg_records(b));
    for (int i = 0; i < na; i++) {
        const pg_partial *p = &ca[i].p, *q = &cb[i].p;
        assert_int_equal(ca[i].metric, cb[i].metric);
        assert_int_equal(ca[i].unit, cb[i].unit);
        assert_int_equal(ca[i].bucket, cb[i].bucket);
        double x[] = {p->n,  pg_partial_sum(p), pg_partial_den(p), p->hits, p->valued, p->min,
                      p->max};
        double y[] = {q->n,  pg_partial_sum(q), pg_partial_den(q), q->hits, q->valued, q->min,
                      q->max};
        assert_memory_equal(x, y, sizeof x);
        assert_int_equal(p->nhashes, q->nhashes);
        for (int k = 0; k < p->caphashes; k++) {
            if (!p->hashes[k].lo && !p->hashes[k].hi) continue;
            int found = 0;
            for (int m = 0; m < q->caphashes && !found; m++)
                found = q->hashes[m].lo == p->hashes[k].lo && q->hashes[m].hi == p->hashes[k].hi;
            assert_true(found);
        }
        assert_int_equal(p->nvalues, q->nvalues);
        if (p->nvalues) assert_memory_equal(p->values, q->values, sizeof(double) * p->nvalues);
    }
}

static void check_threads(const char *name, int nrec)
{
    char *path = path_of(name);
    pg_diags d = {0};
    long errors;
    pg_agg *one = read_with(path, 1, &errors, &d);
    assert_non_null(one);
    assert_int_equal(errors, 0);
    assert_int_equal(pg_agg_records(one), nrec);
    for (int t = 2; t <= 9; t++) {
        pg_agg *many = read_with(path, t, &errors, &d);
        assert_non_null(many);
        assert_int_equal(errors, 0);
        assert_same(one, many);
        pg_agg_free(many);
    }
    assert_int_equal(d.n, 0);
    pg_agg_free(one);
    pg_diags_free(&d);
    free(path);
}

static void many_threads_same_cells(void **state)
{
    (void)state;
    char *csv = path_of("a.csv"), *nd = path_of("a.ndjson");
    write_files(csv, nd, 3000, -1, NULL);
    check_threads("a.csv", 3000);
    check_threads("a.ndjson", 3000);
    /* and CSV and NDJSON agree, each read on three threads */
    pg_diags d = {0};
    long e1, e2;
    pg_agg *a = read_with(csv, 3, &e1, &d), *b = read_with(nd, 3, &e2, &d);
    assert_non_null(a);
    assert_non_null(b);
    assert_same(a, b);
    pg_agg_free(a);
    pg_agg_free(b);
    pg_diags_free(&d);
    free(csv);
    free(nd);
}

static void quoted_newlines_at_the_cut(void **state)
{
    (void)state;
    char *csv = path_of("b.csv"), *nd = path_of("b.ndjson");
    /* 30 short records on each side of one of 1,800 lines: the cut in two falls inside it */
    write_files(csv, nd, 61, 30, NULL);
    FILE *f = fopen(csv, "rb");
    assert_non_null(f);
    static char all[1 << 16];
    size_t len = fread(all, 1, sizeof all, f);
    fclose(f);
    const char *start = strstr(all, "\"x\n"), *end = strstr(all, "end\"");
    assert_non_null(start);
    assert_non_null(end);
    assert_true(len / 2 > (size_t)(start - all) && len / 2 < (size_t)(end - all));
    check_threads("b.csv", 61);
    check_threads("b.ndjson", 61);
    free(csv);
    free(nd);
}

/* The diagnostics of a bad file do not depend on the threads: the same first 20, in order,
 * with the same lines, and the same count. */
static void bad_records_same_diagnostics(void **state)
{
    (void)state;
    static int bad[2500];
    for (int i = 100; i < 2500; i += 97) bad[i] = 1 + i % 2;
    char *csv = path_of("c.csv"), *nd = path_of("c.ndjson");
    write_files(csv, nd, 2500, 1200, bad);
    const char *files[] = {csv, nd};
    for (int f = 0; f < 2; f++) {
        pg_diags d1 = {0};
        long e1;
        assert_null(read_with(files[f], 1, &e1, &d1));
        assert_int_equal(e1, 25);
        assert_int_equal(d1.n, 20);
        for (int t = 2; t <= 5; t++) {
            pg_diags dt = {0};
            long et;
            assert_null(read_with(files[f], t, &et, &dt));
            assert_int_equal(et, e1);
            assert_int_equal(dt.n, d1.n);
            for (int i = 0; i < d1.n; i++) {
                assert_int_equal(dt.v[i].line, d1.v[i].line);
                assert_string_equal(dt.v[i].msg, d1.v[i].msg);
            }
            pg_diags_free(&dt);
        }
        pg_diags_free(&d1);
    }
    free(csv);
    free(nd);
}

static long long size_of(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long long n = ftell(f);
    fclose(f);
    return n;
}

/* The progress counts (pg_ingest_progress): after a read, every byte of the file and every
 * good record counted once — on one thread, on several, and for a bad file, whose second read
 * (for its diagnostics) is not counted. NDJSON on several threads: every cut is good there, so
 * no part is read twice (a CSV cut inside a quoted newline would be, data.h). */
static void progress_counts_once(void **state)
{
    (void)state;
    static int bad[1000];
    for (int i = 50; i < 1000; i += 97) bad[i] = 1;
    char *csv = path_of("p.csv"), *nd = path_of("p.ndjson");
    char *bcsv = path_of("pb.csv"), *bnd = path_of("pb.ndjson");
    write_files(csv, nd, 3000, -1, NULL);
    write_files(bcsv, bnd, 1000, -1, bad);
    struct {
        const char *path;
        int threads;
        long long records;
    } cases[] = {{csv, 1, 3000}, {nd, 1, 3000}, {nd, 4, 3000}, {bnd, 1, -1}, {bnd, 4, -1}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        pg_ingest_counts before, after;
        pg_diags d = {0};
        long errors;
        pg_ingest_progress(&before);
        pg_agg *a = read_with(cases[i].path, cases[i].threads, &errors, &d);
        pg_ingest_progress(&after);
        assert_int_equal(after.bytes - before.bytes, size_of(cases[i].path));
        if (cases[i].records >= 0) {
            assert_non_null(a);
            assert_int_equal(after.records - before.records, cases[i].records);
        } else {
            assert_null(a);
            assert_int_equal(after.records - before.records, 1000 - errors);
        }
        pg_agg_free(a);
        pg_diags_free(&d);
    }
    free(csv), free(nd), free(bcsv), free(bnd);
}

/* The key set (a Robin Hood table of 64-bit hashes) through many growths: every repeat of a
 * key is found, and nothing else is taken for one. Keyed sources are read on one thread. */
static void key_set_counts_repeats(void **state)
{
    (void)state;
    pg_diags d = {0};
    pg_ruleset *keyed;
    assert_int_equal(pg_ruleset_load(KEYED_FIXTURE, &keyed, &d), 0);
    int s = pg_strmap_get(&keyed->source_ids, "cases");
    const pg_source *src = &keyed->sources[s];
    assert_true(src->key_field >= 0);
    pg_value *vals = calloc((size_t)src->nfields, sizeof *vals);
    for (int i = 0; i < src->nfields; i++) vals[i] = (pg_value){.null = 1, .num = NAN};
    for (int round = 0; round < 2; round++) {
        pg_agg *a = pg_agg_new(keyed, s);
        if (round) pg_agg_expect(a, 100000); /* sized beforehand: no growth */
        char key[32];
        for (int i = 0; i < 100000; i++) {
            /* keys 0..69999, then 30,000 of them again, in another order */
            int k = i < 70000 ? i : (int)((unsigned)(i - 70000) * 7919u % 70000u);
            int len = snprintf(key, sizeof key, "K%d", k);
            vals[src->key_field] = (pg_value){.str = key, .len = len};
            vals[src->unit_field] = (pg_value){.str = "ga", .len = 2};
            vals[src->time_field] = (pg_value){.num = 1620000000};
            const char *why;
            assert_int_equal(pg_agg_add(a, vals, &why), 0);
        }
        assert_int_equal(pg_agg_records(a), 100000);
        assert_int_equal(pg_agg_duplicates(a), 30000);
        pg_agg_free(a);
    }
    free(vals);
    pg_ruleset_free(keyed);
    pg_diags_free(&d);
}

static int setup(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/pinggu-parallel-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) return -1;
    pg_diags d = {0};
    int rc = pg_ruleset_load(FIXTURE, &rs, &d);
    pg_diags_print(&d, stderr);
    pg_diags_free(&d);
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    pg_ruleset_free(rs);
    char *cmd = pg_xasprintf("rm -rf '%s'", dir);
    int rc = system(cmd);
    free(cmd);
    return rc == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(many_threads_same_cells),
        cmocka_unit_test(quoted_newlines_at_the_cut),
        cmocka_unit_test(bad_records_same_diagnostics),
        cmocka_unit_test(progress_counts_once),
        cmocka_unit_test(key_set_counts_repeats),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
