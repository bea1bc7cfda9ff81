/* test_cutoff.c — `cutoff` in expressions: the last instant of the window a record is counted
 * in, read from the slot after the source's fields (rules.h, pg_expr_uses_cutoff).
 *
 * The aggregator sets that slot to the largest double below the window's end (00:00 on the
 * 26th), so a completion one second before the end is "by the cut-off" and one at the end is
 * not, `t <= cutoff` and `t < end` agree for every t, and workdays() up to the cut-off counts
 * to the 25th. Also: plans that do not read it say so, add_days() and add_workdays()
 * (deadlines for `due`), and
 * misuses are compile errors. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base.h"
#include "fixture.h"

/* 2021-05-26 00:00 +08:00: the end of sampling month 2021-05 */
#define T_MAY26 ((double)pg_days_from_civil(2021, 5, 26) * 86400 - UTC8)

static pg_expr *compile(const char *text, pg_xtype want)
{
    pg_xtype type = (pg_xtype)-1;
    char *err = NULL;
    int col = -1;
    pg_expr *e = pg_expr_compile(text, &fixture_source, &fixture_calendar, UTC8, &type, &err, &col);
    if (!e) fail_msg("%s: column %d: %s", text, col, err);
    assert_int_equal(type, want);
    return e;
}

/* A record of the fixture with one slot more: the cut-off of May. */
static void may_record(pg_value *r)
{
    for (int f = 0; f < NF; f++) set_null(r, f);
    set_str(r, F_NAME, "ga");
    set_num(r, F_RECEIVED, T_MAY10_2200);
    set_num(r, NF, nextafter(T_MAY26, -INFINITY));
}

static void test_before_and_after(void **state)
{
    (void)state;
    pg_value r[NF + 1];
    may_record(r);
    pg_expr *by = compile("completed_at <= cutoff", PG_X_BOOL);
    pg_expr *lt = compile("completed_at < cutoff", PG_X_BOOL);
    assert_true(pg_expr_uses_cutoff(by));
    set_num(r, F_COMPLETED, T_MAY26 - 1); /* 23:59:59 on 25 May */
    assert_int_equal(pg_expr_test(by, r), 1);
    assert_int_equal(pg_expr_test(lt, r), 1);
    set_num(r, F_COMPLETED, T_MAY26 - 0.001); /* the last millisecond */
    assert_int_equal(pg_expr_test(by, r), 1);
    set_num(r, F_COMPLETED, T_MAY26); /* 00:00:00 on 26 May: after the cut-off */
    assert_int_equal(pg_expr_test(by, r), 0);
    assert_int_equal(pg_expr_test(lt, r), 0);
    set_num(r, F_COMPLETED, T_MAY26 + 1);
    assert_int_equal(pg_expr_test(by, r), 0);
    set_null(r, F_COMPLETED); /* not completed: a comparison with null is false */
    assert_int_equal(pg_expr_test(by, r), 0);
    pg_expr_free(by);
    pg_expr_free(lt);
}

static void test_cutoff_date(void **state)
{
    (void)state;
    pg_value r[NF + 1];
    may_record(r);
    /* working days after Mon 10 May up to Tue 25 May: 11 to 14, 17 to 21, 24, 25 (26 May, a
     * Wednesday, would make 12) */
    pg_expr *wd = compile("workdays(received_at, cutoff)", PG_X_NUMBER);
    assert_true(pg_expr_uses_cutoff(wd));
    assert_true(pg_expr_number(wd, r) == 11);
    pg_expr_free(wd);
    pg_expr *d = compile("days(received_at, cutoff)", PG_X_NUMBER);
    double got = pg_expr_number(d, r);
    /* 10 May 22:00 to 26 May 00:00 is 15 1/12 days, less a quarter of a microsecond */
    assert_true(fabs(got - (15 + 2.0 / 24)) < 1e-9);
    pg_expr_free(d);
    pg_expr *t = compile("cutoff", PG_X_TIME);
    assert_true(pg_expr_number(t, r) < T_MAY26 && pg_expr_number(t, r) > T_MAY26 - 1e-3);
    pg_expr_free(t);
}

static void test_not_used(void **state)
{
    (void)state;
    pg_expr *e = compile("completed_at is not null", PG_X_BOOL);
    assert_false(pg_expr_uses_cutoff(e));
    pg_expr_free(e);
    assert_false(pg_expr_uses_cutoff(NULL));
}

/* add_days(t, n), for deadlines such as due = "add_days(submitted_at, 7)": to the millisecond */
static void test_add_days(void **state)
{
    (void)state;
    pg_value r[NF + 1];
    may_record(r);
    pg_expr *e = compile("add_days(received_at, 60 / 1440)", PG_X_TIME);
    assert_true(pg_expr_number(e, r) == T_MAY10_2200 + 3600);
    assert_false(pg_expr_uses_cutoff(e));
    pg_expr_free(e);
    e = compile("add_days(received_at, 7) <= cutoff", PG_X_BOOL);
    assert_int_equal(pg_expr_test(e, r), 1); /* 17 May 22:00 */
    pg_expr_free(e);
    e = compile("add_days(completed_at, 1)", PG_X_TIME); /* null in, null out */
    assert_true(isnan(pg_expr_number(e, r)));
    pg_expr_free(e);
}

/* add_workdays(t, n): the last instant of the n-th working day after t's date, so that x <=
 * add_workdays(t, n) is workdays(t, x) <= n */
static void test_add_workdays(void **state)
{
    (void)state;
    pg_value r[NF + 1];
    may_record(r);
    /* after Mon 10 May: 11, 12, 13 May are the 1st to 3rd working days */
    pg_expr *e = compile("add_workdays(received_at, 3)", PG_X_TIME);
    double end13 = (double)pg_days_from_civil(2021, 5, 14) * 86400 - UTC8;
    assert_true(pg_expr_number(e, r) == nextafter(end13, -INFINITY));
    pg_expr_free(e);
    /* from Fri 30 Apr over the May Day holidays (3–5 May) and Sat 8 May, a working day: the
     * 2nd working day after 30 Apr is 7 May, the 3rd is 8 May */
    set_num(r, F_RECEIVED, T_APR30_1000);
    e = compile("completed_at <= add_workdays(received_at, 2)", PG_X_BOOL);
    pg_expr *w = compile("workdays(received_at, completed_at) <= 2", PG_X_BOOL);
    double end7 = (double)pg_days_from_civil(2021, 5, 8) * 86400 - UTC8;
    set_num(r, F_COMPLETED, end7 - 1); /* 23:59:59 on 7 May */
    assert_int_equal(pg_expr_test(e, r), 1);
    assert_int_equal(pg_expr_test(w, r), 1);
    set_num(r, F_COMPLETED, end7); /* 00:00 on 8 May */
    assert_int_equal(pg_expr_test(e, r), 0);
    assert_int_equal(pg_expr_test(w, r), 0);
    pg_expr_free(e);
    pg_expr_free(w);
    e = compile("add_workdays(received_at, -1)", PG_X_TIME); /* no deadline */
    assert_true(isnan(pg_expr_number(e, r)));
    pg_expr_free(e);
}

static void test_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"cutoff(received_at)", "unknown function 'cutoff'"},
        {"cutoff + 1 > 0", "is a time"},
        {"cutoff == 'x'", ""},
        {"cutoff", NULL}, /* compiles: a time */
        {"add_days(count, 1) > cutoff", "add_days() takes a time and a number of days"},
        {"add_days(received_at, received_at) > cutoff", "but received_at is a time"},
        {"add_days(received_at) > cutoff", "add_days() takes 2 arguments"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        pg_xtype type;
        char *err = NULL;
        int col = 0;
        pg_expr *e = pg_expr_compile(bad[i].text, &fixture_source, &fixture_calendar, UTC8, &type,
                                     &err, &col);
        if (!bad[i].msg) {
            assert_non_null(e);
            pg_expr_free(e);
            continue;
        }
        if (e) fail_msg("%s compiled", bad[i].text);
        if (!err || !strstr(err, bad[i].msg))
            fail_msg("%s: said '%s', want '%s'", bad[i].text, err ? err : "", bad[i].msg);
        free(err);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_before_and_after), cmocka_unit_test(test_cutoff_date),
        cmocka_unit_test(test_not_used),         cmocka_unit_test(test_add_days),
        cmocka_unit_test(test_add_workdays),     cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
