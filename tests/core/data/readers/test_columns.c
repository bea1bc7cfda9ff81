/* test_columns.c — which columns (CSV) and keys (NDJSON) a batch file may carry (issue 14 §2).
 *
 * A misspelled column used to be skipped and its field left null in every record, so a file
 * with `ratng` for `rating` was taken and every mean rating came out empty. Checked here:
 * an undeclared CSV column is an error at the header's line naming the column, its position
 * and the nearest declared name that has no column ("did you mean"), and nothing is read;
 * several are each reported; no suggestion when nothing is near; extra_columns = "ignore"
 * skips them; a nullable field without a column is an error unless it is optional, and the
 * required and the nullable ones are reported apart; an undeclared NDJSON key makes its record
 * bad at file:line with the key and a suggestion, the other records still read, and is
 * skipped with extra_columns = "ignore"; an absent key of a nullable (not optional) field is
 * still null; the column mapping read for `pinggu ingest --dry-run` (pg_read_csv_columns,
 * pg_read_ndjson_columns); and the distance behind the suggestions (pg_edit_distance,
 * pg_nearest_name). */
#include "rtest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int setup(void **state)
{
    (void)state;
    rt_mkdir();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rt_cleanup();
    return 0;
}

/* The test source with its nullable fields not optional: a file must have every column. */
static pg_field strict_fields[8];
static pg_source strict_source;
static pg_source strict_lenient;

static const pg_source *strict(int ignore)
{
    const pg_source *base = rt_source();
    for (int i = 0; i < base->nfields; i++) {
        strict_fields[i] = base->fields[i];
        strict_fields[i].optional = 0;
    }
    strict_source = *base;
    strict_source.fields = strict_fields;
    strict_lenient = strict_source;
    strict_lenient.extra_ignore = 1;
    return ignore ? &strict_lenient : &strict_source;
}

#define ALL "id,unit,n,x,ok,at,ch,note"

static void test_csv_undeclared_column(void **state)
{
    (void)state;
    rt_got g;
    pg_read_stats st;
    pg_diags d;
    /* "nte" for "note": an error at the header, nothing read */
    int rc = rt_csv("id,unit,n,x,ok,at,ch,nte\na,u,1,,,,,hello\nb,u,2,,,,,\n", &g, &st, &d);
    assert_int_equal(rc, -EINVAL);
    assert_int_equal(g.n, 0);
    assert_int_equal(st.records, 0);
    assert_int_equal(st.errors, 1);
    assert_int_equal(d.n, 1);
    rt_assert_diag(&d, 1, 0,
                   "header: column 8 \"nte\" is not a field of source 'cases'; did you mean "
                   "'note'?");
    rt_assert_diag(&d, 1, 0, "extra_columns = \"ignore\"");
    rt_got_free(&g);
    pg_diags_free(&d);

    /* several: each its own error, with its own suggestion; one far from every name has none;
     * a column whose field already has one ("idd", id being there) is not suggested */
    rc = rt_csv("\xEF\xBB\xBF\nid,unti,n,x,ok,at,CH,note,idd,zzzzzzzz\n", &g, &st, &d);
    assert_int_equal(rc, -EINVAL);
    assert_int_equal(st.errors, 5); /* unti, CH, idd, zzzzzzzz, then unit missing */
    rt_assert_diag(&d, 2, 0,
                   "column 2 \"unti\" is not a field of source 'cases'; did you "
                   "mean 'unit'?");
    rt_assert_diag(&d, 2, 0,
                   "column 7 \"CH\" is not a field of source 'cases'; did you mean "
                   "'ch'?");
    rt_assert_diag(&d, 2, 0, "column 9 \"idd\" is not a field of source 'cases' (declare");
    rt_assert_diag(&d, 2, 0, "column 10 \"zzzzzzzz\" is not a field of source 'cases' (declare");
    rt_assert_diag(&d, 2, 0, "missing required column: unit");
    for (int i = 0; i < d.n; i++)
        if (strstr(d.v[i].msg, "zzzzzzzz") || strstr(d.v[i].msg, "idd"))
            assert_null(strstr(d.v[i].msg, "did you mean"));
    rt_got_free(&g);
    pg_diags_free(&d);

    /* extra_columns = "ignore": the same header is read, the undeclared column skipped */
    rc =
        rt_csv_src(rt_source_lenient(), "id,unit,n,x,ok,at,ch,nte\na,u,1,,,,,hello\n", &g, &st, &d);
    rt_print_diags(&d);
    assert_int_equal(rc, 0);
    assert_int_equal(st.errors, 0);
    rt_assert_recs(&g, "L2|a|u|1|~|~|~|~|~", NULL);
    rt_got_free(&g);
    pg_diags_free(&d);
}

static void test_csv_missing_column(void **state)
{
    (void)state;
    rt_got g;
    pg_read_stats st;
    pg_diags d;
    const char *path;

    /* every column there: fine */
    path = rt_write_str("all.csv", ALL "\na,u,1,2,true,2021-05-01,窗口,x\n");
    d = (pg_diags){0};
    g = (rt_got){0};
    assert_int_equal(pg_read_csv(strict(0), path, SH, rt_collect, &g, &st, &d), 0);
    assert_int_equal(st.records, 1);
    rt_got_free(&g);
    pg_diags_free(&d);

    /* a nullable column left out, not optional: an error, not a column of nulls */
    path = rt_write_str("nonote.csv", "id,unit,n,x,ok,at,ch\na,u,1,2,true,2021-05-01,窗口\n");
    d = (pg_diags){0};
    g = (rt_got){0};
    assert_int_equal(pg_read_csv(strict(0), path, SH, rt_collect, &g, &st, &d), -EINVAL);
    assert_int_equal(g.n, 0);
    assert_int_equal(st.errors, 1);
    rt_assert_diag(&d, 1, 0,
                   "header: missing column: note (nullable, but a file must still "
                   "have the column; declare optional = true");
    rt_got_free(&g);
    pg_diags_free(&d);

    /* the misspelling and the missing column it should have been, both said */
    path = rt_write_str("ratng.csv", "id,unit,n,x,ok,at,ch,nots\n");
    d = (pg_diags){0};
    g = (rt_got){0};
    assert_int_equal(pg_read_csv(strict(1), path, SH, rt_collect, &g, &st, &d), -EINVAL);
    assert_int_equal(st.errors, 1); /* extra_columns = "ignore": only the missing column */
    rt_assert_diag(&d, 1, 0, "missing column: note");
    pg_diags_free(&d);
    d = (pg_diags){0};
    assert_int_equal(pg_read_csv(strict(0), path, SH, rt_collect, &g, &st, &d), -EINVAL);
    assert_int_equal(st.errors, 2);
    rt_assert_diag(&d, 1, 0,
                   "column 8 \"nots\" is not a field of source 'cases'; did you "
                   "mean 'note'?");
    rt_assert_diag(&d, 1, 0, "missing column: note");
    rt_got_free(&g);
    pg_diags_free(&d);

    /* required and nullable ones missing: two messages, each naming all of its kind */
    path = rt_write_str("few.csv", "id,x\n");
    d = (pg_diags){0};
    assert_int_equal(pg_read_csv(strict(0), path, SH, rt_collect, &g, &st, &d), -EINVAL);
    assert_int_equal(st.errors, 2);
    rt_assert_diag(&d, 1, 0, "header: missing required column: unit");
    rt_assert_diag(&d, 1, 0, "header: missing columns: n, ok, at, ch, note (nullable");
    rt_got_free(&g);
    pg_diags_free(&d);

    /* optional = true (rt_source's nullable fields): the columns may be left out, and are
     * null in every record */
    assert_int_equal(rt_csv("id,unit\na,u\n", &g, &st, &d), 0);
    assert_int_equal(st.errors, 0);
    rt_assert_recs(&g, "L2|a|u|~|~|~|~|~|~", NULL);
    rt_got_free(&g);
    pg_diags_free(&d);
}

static void test_ndjson_undeclared_key(void **state)
{
    (void)state;
    rt_got g;
    pg_read_stats st;
    pg_diags d;
    /* a misspelled key makes its record bad, at its line, with the key and the nearest name
     * the record has not used; the good records are still read (the caller rejects the
     * batch on the count) */
    int rc = rt_ndjson("{\"id\":\"a\",\"unit\":\"u\",\"nte\":\"x\"}\n"
                       "{\"id\":\"b\",\"unit\":\"u\"}\n"
                       "\n"
                       "{\"id\":\"c\",\"unit\":\"u\",\"note\":\"y\",\"nots\":1}\n"
                       "{\"id\":\"d\",\"unit\":\"u\",\"\\u00e9t\\u00e9\":{\"x\":[1]}}\n",
                       &g, &st, &d);
    rt_print_diags(&d);
    assert_int_equal(rc, 0);
    assert_int_equal(st.records, 1);
    assert_int_equal(st.errors, 3);
    rt_assert_recs(&g, "L2|b|u|~|~|~|~|~|~", NULL);
    rt_assert_diag(&d, 1, 0, "key \"nte\" is not a field of source 'cases'; did you mean 'note'?");
    rt_assert_diag(&d, 1, 0, "extra_columns = \"ignore\"");
    rt_assert_diag(&d, 4, 0, "key \"nots\" is not a field of source 'cases' (declare");
    rt_assert_diag(&d, 5, 0, "key \"été\" is not a field of source 'cases'");
    for (int i = 0; i < d.n; i++)
        if (d.v[i].line == 4) assert_null(strstr(d.v[i].msg, "did you mean"));
    rt_got_free(&g);
    pg_diags_free(&d);

    /* extra_columns = "ignore": skipped */
    rc = rt_ndjson_src(rt_source_lenient(), "{\"id\":\"a\",\"unit\":\"u\",\"nte\":\"x\"}\n", &g,
                       &st, &d);
    assert_int_equal(rc, 0);
    assert_int_equal(st.errors, 0);
    rt_assert_recs(&g, "L1|a|u|~|~|~|~|~|~", NULL);
    rt_got_free(&g);
    pg_diags_free(&d);

    /* an absent key of a nullable field is null even when the field is not optional: exports
     * leave out null keys; a required one is still an error */
    rc = rt_ndjson_src(strict(0), "{\"id\":\"a\",\"unit\":\"u\"}\n{\"id\":\"b\"}\n", &g, &st, &d);
    assert_int_equal(rc, 0);
    assert_int_equal(st.errors, 1);
    rt_assert_recs(&g, "L1|a|u|~|~|~|~|~|~", NULL);
    rt_assert_diag(&d, 2, 0, "unit: missing required field");
    rt_got_free(&g);
    pg_diags_free(&d);
}

static void test_columns_for_dry_run(void **state)
{
    (void)state;
    pg_read_columns c;
    pg_read_stats st;
    pg_diags d = {0};
    /* the header as written, each column with its field or -1; its problems as a read has */
    const char *path = rt_write_str("h.csv", "\xEF\xBB\xBF\"note\",ratng,id,unit\na,b,c,d\n");
    assert_int_equal(pg_read_csv_columns(rt_source(), path, &c, &st, &d), -EINVAL);
    assert_int_equal(c.n, 4);
    assert_string_equal(c.name[0], "note");
    assert_string_equal(c.name[1], "ratng");
    assert_int_equal(c.field[0], 7);
    assert_int_equal(c.field[1], -1);
    assert_int_equal(c.field[2], 0);
    assert_int_equal(c.field[3], 1);
    assert_int_equal(st.errors, 1);
    rt_assert_diag(&d, 1, 0, "column 2 \"ratng\"");
    pg_read_columns_free(&c);
    pg_diags_free(&d);

    /* NDJSON: the keys of the first record that is an object, blank lines skipped */
    d = (pg_diags){0};
    path = rt_write_str("k.ndjson", "\n  \n{\"unit\":\"u\", \"nte\":{\"a\":1},\"id\":\"a\"}\n"
                                    "{\"other\":1}\n");
    assert_int_equal(pg_read_ndjson_columns(rt_source(), path, &c, &d), 0);
    assert_int_equal(d.n, 0);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.name[0], "unit");
    assert_string_equal(c.name[1], "nte");
    assert_string_equal(c.name[2], "id");
    assert_int_equal(c.field[0], 1);
    assert_int_equal(c.field[1], -1);
    assert_int_equal(c.field[2], 0);
    pg_read_columns_free(&c);

    /* a first line that is not an object: no keys, and no error (the full read says) */
    path = rt_write_str("bad.ndjson", "[1]\n{\"id\":\"a\"}\n");
    assert_int_equal(pg_read_ndjson_columns(rt_source(), path, &c, &d), 0);
    assert_int_equal(c.n, 0);
    pg_read_columns_free(&c);
    pg_diags_free(&d);
}

static void test_nearest(void **state)
{
    (void)state;
    assert_int_equal(pg_edit_distance("rating", 6, "rating", 6), 0);
    assert_int_equal(pg_edit_distance("ratng", 5, "rating", 6), 1);  /* one dropped */
    assert_int_equal(pg_edit_distance("raitng", 6, "rating", 6), 1); /* two swapped */
    assert_int_equal(pg_edit_distance("ratinh", 6, "rating", 6), 1); /* one changed */
    assert_int_equal(pg_edit_distance("", 0, "abc", 3), 3);
    static const char *const names[] = {"result_date", "result_type", NULL, "rating"};
    assert_int_equal(pg_nearest_name("result_dat", 10, names, 4), 0);
    assert_int_equal(pg_nearest_name("reslut_type", 11, names, 4), 1);
    assert_int_equal(pg_nearest_name("ratng", 5, names, 4), 3);
    /* short names: one edit at most, and never the whole name */
    assert_int_equal(pg_nearest_name("ab", 2, (const char *const[]){"xy"}, 1), -1);
    assert_int_equal(pg_nearest_name("x", 1, (const char *const[]){"n"}, 1), -1);
    assert_int_equal(pg_nearest_name("zzzzzzzz", 8, names, 4), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_undeclared_column),
        cmocka_unit_test(test_csv_missing_column),
        cmocka_unit_test(test_ndjson_undeclared_key),
        cmocka_unit_test(test_columns_for_dry_run),
        cmocka_unit_test(test_nearest),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
