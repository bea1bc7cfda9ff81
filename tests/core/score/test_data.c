/* test_data.c — the data loader (pg_dataset_load_file / _load_dir) and the dataset itself.
 *
 * Small CSV files are written to a fresh temporary directory (mkdtemp) and loaded against
 * the data/ fixture, whose units.csv gives each unit a code, a name and aliases (one of them
 * quoted, with a comma inside). Checked: a good file stores every row, with ids, codes, names
 * and aliases resolving to the right unit and an empty n meaning "no sample size"; a file
 * with one bad row (unknown unit, unknown metric, bad period, bad number, bad n, duplicate
 * inside the file or against an earlier file) is rejected whole — pg_dataset_count does not
 * move — with the file, line and column of the fault; a UTF-8 BOM and CRLF line ends are
 * accepted; blank lines still count as lines. */
#include "helpers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    pg_ruleset *rs;
    pg_dataset *ds;
    char dir[256];
    char *files[16];
    int nfiles;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f) return -1;
    snprintf(f->dir, sizeof f->dir, "%s/pinggu-unit-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    *state = f;
    f->rs = fx_load("data");
    f->ds = pg_dataset_new(f->rs);
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < f->nfiles; i++) {
        unlink(f->files[i]);
        free(f->files[i]);
    }
    rmdir(f->dir);
    pg_dataset_free(f->ds);
    pg_ruleset_free(f->rs);
    free(f);
    return 0;
}

/* Writes `text` verbatim to dir/name and returns the path (owned by the fixture). */
static const char *write_file(fixture *f, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    assert_true(f->nfiles < 16);
    f->files[f->nfiles] = strdup(path);
    return f->files[f->nfiles++];
}

/* The first error diagnostic, or fails. */
static const pg_diag *first_error(const pg_diags *d)
{
    for (int i = 0; i < d->n; i++)
        if (d->v[i].sev == PG_ERROR) return &d->v[i];
    fail_msg("no error diagnostic");
    return NULL;
}

static double get(const fixture *f, const char *period, const char *metric, const char *unit,
                  double *n)
{
    double v, nn;
    if (!pg_dataset_get(f->ds, fx_period(period), fx_metric(f->rs, metric), fx_unit(f->rs, unit),
                        &v, &nn))
        fail_msg("no value for %s %s %s", unit, period, metric);
    if (n) *n = nn;
    return v;
}

/* Loads a file that must be rejected: checks the return, that nothing was stored, and the
 * place of the first error. col 0 = "do not check the column". */
static void expect_rejected(fixture *f, const char *path, int line, int col, const char *what)
{
    pg_diags d = {0};
    long before = pg_dataset_count(f->ds);
    int rc = pg_dataset_load_file(f->ds, path, &d);
    const pg_diag *e = d.errors ? first_error(&d) : NULL;
    int eline = e ? e->line : -1, ecol = e ? e->col : -1;
    char file[512] = "", msg[512] = "";
    if (e && e->file) snprintf(file, sizeof file, "%s", e->file);
    if (e && e->msg) snprintf(msg, sizeof msg, "%s", e->msg);
    pg_diags_free(&d);
    assert_int_equal(rc, -EINVAL);
    assert_int_equal(pg_dataset_count(f->ds), before); /* nothing of the file is stored */
    assert_string_equal(file, path);
    if (eline != line) fail_msg("error at line %d, expected %d: %s", eline, line, msg);
    if (col && ecol != col) fail_msg("error at column %d, expected %d: %s", ecol, col, msg);
    assert_substr(msg, what);
}

static void test_good_file(void **state)
{
    fixture *f = *state;
    /* every way of naming a unit: id, GB/T code, name, alias, a quoted alias with a comma,
     * and a nonstandard code; n given, empty, or absent (short row) */
    const char *path = write_file(f, "good.csv",
                                  "unit,period,metric,value,n\n"
                                  "chengqu,2021-05,m1,0.5,120\n"
                                  "441521,2021-05,m1,0.25,\n"
                                  "城区,2021-05,m2,3,\n"
                                  "海丰,2021-05,m2,1.5,7\n"
                                  "\"市政数局, 本级\",2021-05,m1,0.75,40\n"
                                  "SW-ZSJ,2021,m2,-2,\n"
                                  "城区人民政府,2021-04,m1,1e-1\n");
    pg_diags d = {0};
    int rc = pg_dataset_load_file(f->ds, path, &d);
    if (rc != 0) pg_diags_print(&d, stderr);
    int errors = d.errors;
    pg_diags_free(&d);
    assert_int_equal(rc, 0);
    assert_int_equal(errors, 0);
    assert_int_equal(pg_dataset_count(f->ds), 7);

    double n;
    assert_pts(get(f, "2021-05", "m1", "chengqu", &n), 0.5);
    assert_pts(n, 120);
    assert_pts(get(f, "2021-05", "m1", "haifeng", &n), 0.25); /* by code 441521 */
    assert_nan(n);                                            /* empty n: none */
    assert_pts(get(f, "2021-05", "m2", "chengqu", NULL), 3);  /* by name 城区 */
    assert_pts(get(f, "2021-05", "m2", "haifeng", &n), 1.5);  /* by alias 海丰 */
    assert_pts(n, 7);
    assert_pts(get(f, "2021-05", "m1", "zhengshu", &n), 0.75); /* quoted alias */
    assert_pts(n, 40);
    assert_pts(get(f, "2021", "m2", "zhengshu", NULL), -2);  /* year period, nonstandard code */
    assert_pts(get(f, "2021-04", "m1", "chengqu", &n), 0.1); /* alias; row without n */
    assert_nan(n);
    assert_true(pg_dataset_has_period(f->ds, 202105));
    assert_true(pg_dataset_has_period(f->ds, 202100));
    assert_false(pg_dataset_has_period(f->ds, 202106));
    double v, nn;
    assert_false(
        pg_dataset_get(f->ds, 202105, fx_metric(f->rs, "m2"), fx_unit(f->rs, "zhengshu"), &v, &nn));
}

static void test_unit_find(void **state)
{
    fixture *f = *state;
    int cq = fx_unit(f->rs, "chengqu");
    assert_int_equal(pg_unit_find(f->rs, "441502"), cq);
    assert_int_equal(pg_unit_find(f->rs, "城区"), cq);
    assert_int_equal(pg_unit_find(f->rs, "汕尾市城区"), cq);
    assert_int_equal(pg_unit_find(f->rs, "城区人民政府"), cq);
    int zs = fx_unit(f->rs, "zhengshu");
    assert_int_equal(pg_unit_find(f->rs, "政数局"), zs);
    assert_int_equal(pg_unit_find(f->rs, "市政数局, 本级"), zs);
    assert_int_equal(pg_unit_find(f->rs, "SW-ZSJ"), zs);
    assert_int_equal(pg_unit_find(f->rs, "nobody"), -1);
    assert_int_equal(pg_unit_find(f->rs, ""), -1);
    assert_int_equal(f->rs->units[cq].code_standard, 1);
    assert_int_equal(f->rs->units[zs].code_standard, 0);
}

static void test_bom_and_crlf(void **state)
{
    fixture *f = *state;
    /* a UTF-8 byte-order mark before the header (as Excel writes it) */
    const char *bom = write_file(f, "bom.csv",
                                 "\xEF\xBB\xBFunit,period,metric,value,n\n"
                                 "chengqu,2021-05,m1,0.5,10\n");
    /* Windows line ends */
    const char *crlf = write_file(f, "crlf.csv",
                                  "unit,period,metric,value,n\r\n"
                                  "haifeng,2021-05,m1,0.25,8\r\n"
                                  "haifeng,2021-05,m2,2,\r\n");
    pg_diags d = {0};
    assert_int_equal(pg_dataset_load_file(f->ds, bom, &d), 0);
    assert_int_equal(pg_dataset_load_file(f->ds, crlf, &d), 0);
    int errors = d.errors;
    pg_diags_free(&d);
    assert_int_equal(errors, 0);
    assert_int_equal(pg_dataset_count(f->ds), 3);
    double n;
    assert_pts(get(f, "2021-05", "m1", "chengqu", &n), 0.5);
    assert_pts(n, 10);
    assert_pts(get(f, "2021-05", "m1", "haifeng", &n), 0.25);
    assert_pts(n, 8);
    assert_pts(get(f, "2021-05", "m2", "haifeng", &n), 2);
    assert_nan(n);

    /* no newline after the last row: the row still counts */
    const char *nonl =
        write_file(f, "nonl.csv", "unit,period,metric,value,n\nzhengshu,2021-05,m2,4,");
    d = (pg_diags){0};
    assert_int_equal(pg_dataset_load_file(f->ds, nonl, &d), 0);
    pg_diags_free(&d);
    assert_pts(get(f, "2021-05", "m2", "zhengshu", NULL), 4);
    assert_int_equal(pg_dataset_count(f->ds), 4);
}

static void test_lines_after_quoted_newline(void **state)
{
    fixture *f = *state;
    /* An extra column (ignored by the loader) holds a quoted note that spans lines 2-3;
     * the bad row after it is on line 4 of the file, and that is the line reported. */
    const char *path = write_file(f, "note.csv",
                                  "unit,period,metric,value,n,note\n"
                                  "chengqu,2021-05,m1,0.5,10,\"first line\n"
                                  "second line\"\n"
                                  "nobody,2021-05,m1,0.5,10,x\n");
    expect_rejected(f, path, 4, 1, "nobody");

    /* without the bad row the file loads, the note column ignored */
    const char *good = write_file(f, "note2.csv",
                                  "unit,period,metric,value,n,note\n"
                                  "chengqu,2021-05,m1,0.5,10,\"first line\n"
                                  "second line\"\n"
                                  "haifeng,2021-05,m1,0.25,10,x\n");
    pg_diags d = {0};
    assert_int_equal(pg_dataset_load_file(f->ds, good, &d), 0);
    pg_diags_free(&d);
    assert_int_equal(pg_dataset_count(f->ds), 2);
    assert_pts(get(f, "2021-05", "m1", "haifeng", NULL), 0.25);
}

static void test_missing_file(void **state)
{
    fixture *f = *state;
    char path[512];
    snprintf(path, sizeof path, "%s/absent.csv", f->dir);
    pg_diags d = {0};
    int rc = pg_dataset_load_file(f->ds, path, &d);
    int errors = d.errors;
    pg_diags_free(&d);
    assert_int_equal(rc, -ENOENT);
    assert_int_equal(errors, 1);
    assert_int_equal(pg_dataset_count(f->ds), 0);
}

static void test_reject_unknown_unit(void **state)
{
    fixture *f = *state;
    /* good rows before and after the bad one are not stored either; line 3, column 1 */
    const char *path = write_file(f, "unit.csv",
                                  "unit,period,metric,value,n\n"
                                  "chengqu,2021-05,m1,0.5,10\n"
                                  "陆河县,2021-05,m1,0.5,10\n"
                                  "haifeng,2021-05,m1,0.5,10\n");
    expect_rejected(f, path, 3, 1, "陆河县");
    assert_int_equal(pg_dataset_count(f->ds), 0);
    assert_false(pg_dataset_has_period(f->ds, 202105));
}

static void test_reject_bad_number_reordered(void **state)
{
    fixture *f = *state;
    /* columns are found by header name; value is the 5th column here: line 2, column 5 */
    const char *path = write_file(f, "number.csv",
                                  "period,metric,unit,n,value\n"
                                  "2021-05,m1,chengqu,10,0.5x\n"
                                  "2021-05,m1,haifeng,10,0.5\n");
    expect_rejected(f, path, 2, 5, "0.5x");
}

static void test_reject_other_bad_fields(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *name, *body;
        int line, col;
        const char *what;
    } cases[] = {
        /* unknown metric: column 3 */
        {"metric.csv", "chengqu,2021-05,m9,1,\n", 2, 3, "m9"},
        /* period that is not YYYY-MM or YYYY: column 2 */
        {"period.csv", "chengqu,2021-13,m1,1,\n", 2, 2, "2021-13"},
        /* empty value: column 4 */
        {"empty.csv", "chengqu,2021-05,m1,,\n", 2, 4, "value"},
        /* non-finite value */
        {"inf.csv", "chengqu,2021-05,m1,inf,\n", 2, 4, "inf"},
        /* negative sample size: column 5 */
        {"n.csv", "chengqu,2021-05,m1,1,-3\n", 2, 5, "-3"},
        /* a sample size that is not a whole number */
        {"nfrac.csv", "chengqu,2021-05,m1,1,2.5\n", 2, 5, "2.5"},
        /* a clerk's percent sign, or a thousands separator, is not a number */
        {"pct.csv", "chengqu,2021-05,m1,50%,\n", 2, 4, "50%"},
        {"sep.csv", "chengqu,2021-05,m2,\"1,234\",\n", 2, 4, "1,234"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, "unit,period,metric,value,n\nhaifeng,2021-05,m1,1,\n%s",
                 cases[i].body);
        const char *path = write_file(f, cases[i].name, text);
        /* the bad row is the third line (after the header and one good row) */
        expect_rejected(f, path, cases[i].line + 1, cases[i].col, cases[i].what);
    }
    assert_int_equal(pg_dataset_count(f->ds), 0);
}

static void test_reject_duplicate_in_file(void **state)
{
    fixture *f = *state;
    /* lines 2 and 4 give the same (unit, period, metric), naming the unit two ways: the
     * error is reported on line 4 and names line 2 */
    const char *path = write_file(f, "dup.csv",
                                  "unit,period,metric,value,n\n"
                                  "chengqu,2021-05,m1,0.5,10\n"
                                  "haifeng,2021-05,m1,0.5,10\n"
                                  "441502,2021-05,m1,0.6,10\n");
    expect_rejected(f, path, 4, 0, "line 2");
}

static void test_reject_duplicate_of_earlier_file(void **state)
{
    fixture *f = *state;
    const char *a = write_file(f, "a.csv",
                               "unit,period,metric,value,n\n"
                               "chengqu,2021-05,m1,0.5,10\n"
                               "haifeng,2021-05,m1,0.5,10\n");
    pg_diags d = {0};
    assert_int_equal(pg_dataset_load_file(f->ds, a, &d), 0);
    pg_diags_free(&d);
    assert_int_equal(pg_dataset_count(f->ds), 2);
    /* b.csv adds one new value (line 2) and repeats one of a.csv (line 3): all of b is
     * refused, including the new value */
    const char *b = write_file(f, "b.csv",
                               "unit,period,metric,value,n\n"
                               "zhengshu,2021-05,m1,0.9,10\n"
                               "海丰县,2021-05,m1,0.7,10\n");
    expect_rejected(f, b, 3, 0, "earlier file");
    assert_int_equal(pg_dataset_count(f->ds), 2);
    double v, n;
    assert_false(
        pg_dataset_get(f->ds, 202105, fx_metric(f->rs, "m1"), fx_unit(f->rs, "zhengshu"), &v, &n));
    /* and the first file's value is untouched */
    assert_pts(get(f, "2021-05", "m1", "haifeng", NULL), 0.5);
}

static void test_every_bad_row_reported(void **state)
{
    fixture *f = *state;
    /* a blank line still counts: the bad rows are on lines 3 and 5 */
    const char *path = write_file(f, "two.csv",
                                  "unit,period,metric,value,n\n"
                                  "chengqu,2021-05,m1,0.5,10\n"
                                  "nobody,2021-05,m1,0.5,10\n"
                                  "\n"
                                  "haifeng,2021-05,m1,abc,10\n");
    pg_diags d = {0};
    int rc = pg_dataset_load_file(f->ds, path, &d);
    int errors = d.errors;
    int l0 = d.n > 0 ? d.v[0].line : -1, c0 = d.n > 0 ? d.v[0].col : -1;
    int l1 = d.n > 1 ? d.v[1].line : -1, c1 = d.n > 1 ? d.v[1].col : -1;
    pg_diags_free(&d);
    assert_int_equal(rc, -EINVAL);
    assert_int_equal(errors, 2);
    assert_int_equal(l0, 3);
    assert_int_equal(c0, 1);
    assert_int_equal(l1, 5);
    assert_int_equal(c1, 4);
    assert_int_equal(pg_dataset_count(f->ds), 0);
}

static void test_reject_bad_header(void **state)
{
    fixture *f = *state;
    /* no 'value' column: an error on line 1, nothing stored */
    const char *path = write_file(f, "header.csv",
                                  "unit,period,metric,amount\n"
                                  "chengqu,2021-05,m1,0.5\n");
    expect_rejected(f, path, 1, 0, "value");
}

static void test_load_dir(void **state)
{
    fixture *f = *state;
    /* two good files and one bad one: each file stands alone; the good ones are kept and
     * the call reports the failure. Files that are not *.csv are ignored. */
    write_file(f, "2021-04.csv", "unit,period,metric,value,n\nchengqu,2021-04,m1,0.4,\n");
    write_file(f, "2021-05.csv", "unit,period,metric,value,n\nchengqu,2021-05,m1,0.5,\n");
    write_file(f, "2021-06.csv", "unit,period,metric,value,n\nnobody,2021-06,m1,0.6,\n");
    write_file(f, "notes.txt", "not data\n");
    pg_diags d = {0};
    int rc = pg_dataset_load_dir(f->ds, f->dir, &d);
    int errors = d.errors;
    pg_diags_free(&d);
    assert_int_equal(rc, -EINVAL);
    assert_int_equal(errors, 1);
    assert_int_equal(pg_dataset_count(f->ds), 2);
    assert_pts(get(f, "2021-04", "m1", "chengqu", NULL), 0.4);
    assert_pts(get(f, "2021-05", "m1", "chengqu", NULL), 0.5);
    assert_false(pg_dataset_has_period(f->ds, 202106));
}

static void test_dataset_set_get(void **state)
{
    fixture *f = *state;
    int m1 = fx_metric(f->rs, "m1"), u = fx_unit(f->rs, "haifeng");
    assert_int_equal(pg_dataset_set(f->ds, 202105, m1, u, 0.3, 12), 0);
    assert_int_equal(pg_dataset_set(f->ds, 202105, m1, u, 0.4, 12), -EEXIST);
    assert_int_equal(pg_dataset_count(f->ds), 1);
    double v, n;
    assert_true(pg_dataset_get(f->ds, 202105, m1, u, &v, &n));
    assert_pts(v, 0.3); /* the first value stays */
    assert_pts(n, 12);
    /* a value of 0 is a value */
    assert_int_equal(pg_dataset_set(f->ds, 202106, m1, u, 0, NAN), 0);
    assert_true(pg_dataset_get(f->ds, 202106, m1, u, &v, &n));
    assert_pts(v, 0);
    assert_nan(n);
    assert_false(pg_dataset_get(f->ds, 202107, m1, u, &v, &n));
    assert_int_equal(pg_dataset_count(f->ds), 2);
}

/* A dataset written into an older one's memory (a host's next data version) holds what it was
 * given and nothing of the old one: its digest and text are those of a new dataset given the
 * same, with fewer periods than the old one and with more; arrays of another size are not
 * taken. */
static void test_reusing_an_older_dataset(void **state)
{
    fixture *f = *state;
    int m1 = fx_metric(f->rs, "m1"), u = fx_unit(f->rs, "haifeng");
    for (int p = 202101; p <= 202104; p++)
        assert_int_equal(pg_dataset_set(f->ds, p, m1, u, 0.1 * (p % 100), 5), 0);
    pg_dataset *fresh = pg_dataset_new(f->rs);
    pg_dataset *again = pg_dataset_new_reusing(f->rs, f->ds); /* frees f->ds */
    f->ds = NULL;
    for (int p = 202103; p <= 202107; p++) { /* two of the old periods, three new */
        assert_int_equal(pg_dataset_set(again, p, m1, u, 0.2, NAN), 0);
        assert_int_equal(pg_dataset_set(fresh, p, m1, u, 0.2, NAN), 0);
    }
    pg_dataset_drop_spare(again);
    double v, n;
    assert_false(pg_dataset_get(again, 202101, m1, u, &v, &n));
    assert_true(pg_dataset_get(again, 202104, m1, u, &v, &n));
    assert_pts(v, 0.2);
    assert_nan(n); /* not the old 5 */
    assert_int_equal(pg_dataset_count(again), 5);
    char a[65], b[65];
    pg_dataset_digest(again, a), pg_dataset_digest(fresh, b);
    assert_string_equal(a, b);
    char *ta = pg_dataset_to_text(again), *tb = pg_dataset_to_text(fresh);
    assert_string_equal(ta, tb);
    free(ta), free(tb);

    /* another rule set's arrays (another number of units) are freed, not taken */
    pg_ruleset *other = fx_load("composite");
    pg_dataset *small = pg_dataset_new_reusing(other, again);
    assert_int_equal(pg_dataset_set(small, 202105, 0, 0, 1, NAN), 0);
    assert_int_equal(pg_dataset_count(small), 1);
    pg_dataset_free(small);
    pg_dataset_free(fresh);
    pg_ruleset_free(other);
}

/* pg_dataset_to_text is cJSON's printing of pg_dataset_to_json byte for byte (the run's inputs
 * are hashed and cut by those bytes): whole numbers, 15 and 17 significant digits, the int
 * range's edges, -0, tiny and huge values, no sample size, and reasons with every escape. */
static void test_text_is_cjsons(void **state)
{
    fixture *f = *state;
    int m1 = fx_metric(f->rs, "m1"), m2 = fx_metric(f->rs, "m2");
    int u1 = fx_unit(f->rs, "haifeng"), u2 = fx_unit(f->rs, "zhengshu");
    const double v[] = {0.3,    0.1 + 0.2,  1.0 / 3,      2.0 / 3,       -0.0,          12,
                        -7,     2147483647, 2147483648.0, -2147483648.0, -2147483649.0, 1e300,
                        5e-324, 123456.789, 0.1,          1e-7,          1e21,          0.5,
                        99.99,  1e15 + 0.3};
    int k = 0;
    for (int p = 1; p <= 12; p++)
        for (int m = 0; m < 2; m++)
            for (int u = 0; u < 2; u++, k++) {
                double x = v[k % (int)(sizeof v / sizeof *v)] * (k < 20 ? 1 : 1 + k * 1e-9);
                assert_int_equal(pg_dataset_set(f->ds, 202100 + p, m ? m2 : m1, u ? u2 : u1, x,
                                                k % 3 ? (double)k : NAN),
                                 0);
            }
    int l1 = fx_node(f->rs, "l1");
    assert_int_equal(pg_dataset_add_score(f->ds, 202105, l1, u1, 7.25, 3,
                                          "quote \" back \\ tab \t nl \n cr \r bs \b ff \f "
                                          "bell \a del \x7f 中文"),
                     0);
    assert_int_equal(pg_dataset_add_adjustment(f->ds, 202106, l1, u2, -1.5, 4, ""), 0);
    cJSON *tree = pg_dataset_to_json(f->ds);
    char *want = cJSON_PrintUnformatted(tree), *got = pg_dataset_to_text(f->ds);
    assert_string_equal(got, want);
    cJSON_free(want), free(got), cJSON_Delete(tree);
    /* and an empty one */
    pg_dataset *empty = pg_dataset_new(f->rs);
    tree = pg_dataset_to_json(empty);
    want = cJSON_PrintUnformatted(tree), got = pg_dataset_to_text(empty);
    assert_string_equal(got, want);
    cJSON_free(want), free(got), cJSON_Delete(tree);
    pg_dataset_free(empty);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_good_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unit_find, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bom_and_crlf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reject_unknown_unit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reject_bad_number_reordered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reject_other_bad_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reject_duplicate_in_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reject_duplicate_of_earlier_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_bad_row_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reject_bad_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lines_after_quoted_newline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dataset_set_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_is_cjsons, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reusing_an_older_dataset, setup, teardown),
    };
    return cmocka_run_group_tests_name("data", tests, NULL, NULL);
}
