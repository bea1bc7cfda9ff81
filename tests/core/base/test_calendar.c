/* test_calendar.c — working days (pg_calendar_is_workday, pg_calendar_workdays_between).
 *
 * The real 2021 calendar (calendar2021.h, from the State Council's notice) gives figures
 * worked out by hand; a day-by-day reference loop written here, with its own weekday rule
 * and linear searches, checks the same spans and thousands of random ones, on the 2021
 * calendar and on random calendars with weekend holidays, weekday "workdays", duplicates and
 * days listed in both lists (a declared working day wins). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "calendar2021.h"
#include "base.h"

#define SH (8 * 3600)

static long hol2021[PG_CAL2021_NHOLIDAYS], work2021[PG_CAL2021_NWORKDAYS];
static pg_calendar cal2021 = {hol2021, PG_CAL2021_NHOLIDAYS, work2021, PG_CAL2021_NWORKDAYS};

static double at(const char *s)
{
    double t = NAN;
    if (pg_time_parse(s, strlen(s), SH, &t) != 0) fail_msg("cannot parse %s", s);
    return t;
}

static long day_of(const char *s)
{
    return pg_time_day(at(s), SH);
}

static int setup_2021(void **state)
{
    for (int i = 0; i < PG_CAL2021_NHOLIDAYS; i++) hol2021[i] = day_of(pg_cal2021_holidays[i]);
    for (int i = 0; i < PG_CAL2021_NWORKDAYS; i++) work2021[i] = day_of(pg_cal2021_workdays[i]);
    return 0;
}

/* ---- the reference: one day at a time ---- */

/* 0 = Sunday; 2021-01-01 (day 18628) was a Friday. */
static int ref_weekday(long day)
{
    long r = (day - 18628) % 7;
    return (int)((r + 7 + 5) % 7);
}

static int ref_in(const long *a, int n, long day)
{
    for (int i = 0; i < n; i++)
        if (a[i] == day) return 1;
    return 0;
}

static int ref_is_workday(const pg_calendar *cal, long day)
{
    if (cal && ref_in(cal->workdays, cal->nworkdays, day)) return 1;
    if (cal && ref_in(cal->holidays, cal->nholidays, day)) return 0;
    return ref_weekday(day) >= 1 && ref_weekday(day) <= 5;
}

static long ref_between(const pg_calendar *cal, long a, long b)
{
    long n = 0;
    for (long d = a + 1; d <= b; d++) n += ref_is_workday(cal, d);
    for (long d = b + 1; d <= a; d++) n -= ref_is_workday(cal, d);
    return n;
}

/* pg_calendar_workdays_between on local midnights of two day numbers */
static long between_days(const pg_calendar *cal, long a, long b)
{
    return pg_calendar_workdays_between(cal, a * 86400.0 - SH, b * 86400.0 - SH, SH);
}

static long between(const pg_calendar *cal, const char *a, const char *b)
{
    long n = pg_calendar_workdays_between(cal, at(a), at(b), SH);
    long want = ref_between(cal, day_of(a), day_of(b));
    if (n != want) fail_msg("%s → %s: %ld, reference loop %ld", a, b, n, want);
    return n;
}

/* ---- the 2021 calendar ---- */

static void test_2021_lists(void **state)
{
    for (int i = 1; i < PG_CAL2021_NHOLIDAYS; i++) assert_true(hol2021[i - 1] < hol2021[i]);
    for (int i = 1; i < PG_CAL2021_NWORKDAYS; i++) assert_true(work2021[i - 1] < work2021[i]);
    assert_int_equal(ref_weekday(day_of("2021-01-01")), 5); /* Friday */
    assert_int_equal(ref_weekday(day_of("2021-10-09")), 6); /* Saturday */
    /* every makeup day is a weekend day, worked */
    for (int i = 0; i < PG_CAL2021_NWORKDAYS; i++) {
        int w = ref_weekday(work2021[i]);
        assert_true(w == 0 || w == 6);
        assert_false(pg_calendar_is_workday(NULL, work2021[i]));
        assert_true(pg_calendar_is_workday(&cal2021, work2021[i]));
    }
    for (int i = 0; i < PG_CAL2021_NHOLIDAYS; i++)
        assert_false(pg_calendar_is_workday(&cal2021, hol2021[i]));
}

static void test_2021_is_workday(void **state)
{
    assert_false(pg_calendar_is_workday(&cal2021, day_of("2021-01-01"))); /* Friday, 元旦 */
    assert_true(pg_calendar_is_workday(NULL, day_of("2021-01-01")));
    assert_true(pg_calendar_is_workday(&cal2021, day_of("2021-01-04")));  /* Monday */
    assert_false(pg_calendar_is_workday(&cal2021, day_of("2021-01-09"))); /* Saturday */
    assert_true(pg_calendar_is_workday(&cal2021, day_of("2021-02-07")));  /* Sunday, 调休 */
    assert_false(pg_calendar_is_workday(&cal2021, day_of("2021-02-15"))); /* Monday, 春节 */
    assert_true(pg_calendar_is_workday(&cal2021, day_of("2021-10-08")));  /* Friday */
    assert_true(pg_calendar_is_workday(&cal2021, day_of("2021-10-09")));  /* Saturday, 调休 */
    assert_false(pg_calendar_is_workday(&cal2021, day_of("2021-10-10"))); /* Sunday */
    for (long d = day_of("2020-12-01"); d <= day_of("2022-01-31"); d++)
        assert_int_equal(pg_calendar_is_workday(&cal2021, d), ref_is_workday(&cal2021, d));
}

static void test_2021_national_day(void **state)
{
    /* (09-30, 10-11]: 10-01…07 off, 10-08 Fri, 10-09 Sat (调休), 10-10 Sun off, 10-11 Mon */
    assert_int_equal(between(&cal2021, "2021-09-30", "2021-10-11"), 3);
    assert_int_equal(between(&cal2021, "2021-09-30 18:00", "2021-10-11 09:00"), 3);
    assert_int_equal(between(&cal2021, "2021-09-30 00:00", "2021-10-11 23:59:59"), 3);
    assert_int_equal(between(&cal2021, "2021-10-11", "2021-09-30"), -3);
    assert_int_equal(between(&cal2021, "2021-09-30", "2021-10-08"), 1);
    assert_int_equal(between(&cal2021, "2021-09-30", "2021-10-07"), 0);
    /* the same instants written in Z; the local (Shanghai) dates decide */
    assert_int_equal(between(&cal2021, "2021-09-29T16:00:00Z", "2021-10-11T01:00:00Z"), 3);
    assert_int_equal(between(&cal2021, "2021-09-30T16:00:00Z", "2021-10-11T01:00:00Z"), 3);
    /* 09-30T15:59:59Z is still 09-30 in Shanghai, 10-10T16:00Z already 10-11 */
    assert_int_equal(between(&cal2021, "2021-09-30T15:59:59Z", "2021-10-10T16:00:00Z"), 3);
    assert_int_equal(between(&cal2021, "2021-09-30T15:59:59Z", "2021-10-10T15:59:59Z"), 2);
    /* without a calendar: Monday–Friday, 7 weekdays in (09-30 Thu, 10-11 Mon]: 10-01, 04…08, 11 */
    assert_int_equal(between(NULL, "2021-09-30", "2021-10-11"), 7);
    /* (09-17, 09-30]: 9-18 Sat and 9-26 Sun worked, 9-19…21 off, 9-22…24 and 27…30 */
    assert_int_equal(between(&cal2021, "2021-09-17", "2021-09-30"), 9);
}

static void test_2021_spring_festival(void **state)
{
    /* (02-05 Fri, 02-22 Mon]: 02-07 Sun (调休), 08, 09, 10, 18, 19, 20 Sat (调休), 22 */
    assert_int_equal(between(&cal2021, "2021-02-05", "2021-02-22"), 8);
    assert_int_equal(between(&cal2021, "2021-02-10", "2021-02-18"), 1);
    assert_int_equal(between(&cal2021, "2021-02-10 17:30", "2021-02-17 23:59"), 0);
    assert_int_equal(between(&cal2021, "2021-02-06", "2021-02-07"), 1);
    assert_int_equal(between(&cal2021, "2021-02-19", "2021-02-21"), 1);
    assert_int_equal(between(&cal2021, "2021-02-22", "2021-02-05"), -8);
    assert_int_equal(between(NULL, "2021-02-05", "2021-02-22"), 11);
}

static void test_2021_whole_year(void **state)
{
    /* 261 weekdays − 18 weekday holidays + 7 weekend working days */
    assert_int_equal(between(&cal2021, "2020-12-31", "2021-12-31"), 250);
    assert_int_equal(between(NULL, "2020-12-31", "2021-12-31"), 261);
    /* 2020 after 01-01 Wed: 261 weekdays; 2022: 260 (no 2020/2022 holidays in this calendar) */
    assert_int_equal(between(&cal2021, "2020-01-01", "2022-12-31"), 261 + 250 + 260);
}

static void test_same_day_and_direction(void **state)
{
    assert_int_equal(between(&cal2021, "2021-05-06 08:00", "2021-05-06 20:00"), 0);
    assert_int_equal(between(&cal2021, "2021-05-06 20:00", "2021-05-06 08:00"), 0);
    assert_int_equal(between(&cal2021, "2021-05-06", "2021-05-07"), 1);
    assert_int_equal(between(&cal2021, "2021-05-07", "2021-05-06"), -1);
    assert_int_equal(between(&cal2021, "2021-05-07", "2021-05-08"), 1); /* Saturday, 调休 */
    assert_int_equal(between(&cal2021, "2021-05-08", "2021-05-09"), 0);
    assert_int_equal(pg_calendar_workdays_between(&cal2021, NAN, at("2021-05-06"), SH), 0);
    assert_int_equal(pg_calendar_workdays_between(&cal2021, at("2021-05-06"), NAN, SH), 0);
}

/* ---- odd calendars ---- */

static void test_empty_and_null(void **state)
{
    pg_calendar empty = {NULL, 0, NULL, 0};
    assert_int_equal(between(&empty, "2021-09-30", "2021-10-11"), 7);
    assert_int_equal(between(NULL, "2021-01-01", "2021-01-08"), 5);
    assert_int_equal(between(NULL, "2021-01-02", "2021-01-03"), 0);
    assert_true(pg_calendar_is_workday(&empty, day_of("2021-01-01")));
    assert_false(pg_calendar_is_workday(&empty, day_of("2021-01-02")));
    /* counted across 1970 and far before it */
    assert_int_equal(between(NULL, "1969-12-25", "1970-01-08"), 10);
    assert_int_equal(between(NULL, "1900-01-01", "2000-01-01"), ref_between(NULL, -25567, 10957));
}

static void test_overlaps_and_duplicates(void **state)
{
    long mon = day_of("2021-03-01"); /* a Monday */
    /* a weekday holiday listed twice, a weekend holiday, a weekday listed as a working day,
     * a Saturday both holiday and working day (worked), a Tuesday both (worked) */
    long hol[] = {mon, mon, mon + 1, mon + 5, mon + 6, mon + 12};
    long work[] = {mon + 2, mon + 5, mon + 5, mon + 12, mon + 13};
    pg_calendar cal = {hol, 6, work, 5};
    assert_false(pg_calendar_is_workday(&cal, mon));
    assert_true(pg_calendar_is_workday(&cal, mon + 2));
    assert_true(pg_calendar_is_workday(&cal, mon + 5));  /* Saturday in both */
    assert_false(pg_calendar_is_workday(&cal, mon + 6)); /* Sunday holiday */
    assert_true(pg_calendar_is_workday(&cal, mon + 12)); /* Saturday in both */
    assert_true(pg_calendar_is_workday(&cal, mon + 13)); /* Sunday worked */
    for (long a = mon - 9; a <= mon + 16; a++)
        for (long b = mon - 9; b <= mon + 16; b++)
            assert_int_equal(between_days(&cal, a, b), ref_between(&cal, a, b));
    assert_int_equal(between_days(&cal, mon - 1, mon + 13), 4 + 7);
}

/* ---- random spans against the reference loop ---- */

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static long uniform(long lo, long hi)
{
    return lo + (long)(next() % (uint64_t)(hi - lo + 1));
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return x < y ? -1 : x > y;
}

static void test_random_spans_2021(void **state)
{
    long lo = day_of("2020-07-01"), hi = day_of("2022-06-30");
    for (int i = 0; i < 5000; i++) {
        long a = uniform(lo, hi), b = a + uniform(-500, 500);
        /* random times within the days, on either side of local midnight */
        double ta = a * 86400.0 - SH + uniform(0, 86399), tb = b * 86400.0 - SH + uniform(0, 86399);
        long n = pg_calendar_workdays_between(&cal2021, ta, tb, SH);
        if (n != ref_between(&cal2021, a, b))
            fail_msg("days %ld → %ld: %ld, reference %ld", a, b, n, ref_between(&cal2021, a, b));
        assert_int_equal(pg_calendar_workdays_between(NULL, ta, tb, SH), ref_between(NULL, a, b));
    }
}

static void test_random_calendars(void **state)
{
    enum { MAXH = 120, MAXW = 40 };
    long hol[MAXH], work[MAXW];
    long base = day_of("2019-01-01");
    for (int round = 0; round < 200; round++) {
        int nh = (int)uniform(0, MAXH), nw = (int)uniform(0, MAXW);
        /* three years; duplicates and days in both lists happen by chance and on purpose */
        for (int i = 0; i < nh; i++) hol[i] = base + uniform(0, 3 * 365);
        for (int i = 0; i < nw; i++)
            work[i] = (nh && i % 4 == 0) ? hol[uniform(0, nh - 1)] : base + uniform(0, 3 * 365);
        if (nh > 2) hol[1] = hol[0];
        qsort(hol, (size_t)nh, sizeof(long), cmp_long);
        qsort(work, (size_t)nw, sizeof(long), cmp_long);
        pg_calendar cal = {hol, nh, work, nw};
        for (long d = base - 10; d <= base + 3 * 365 + 10; d++)
            assert_int_equal(pg_calendar_is_workday(&cal, d), ref_is_workday(&cal, d));
        for (int i = 0; i < 50; i++) {
            long a = base + uniform(-60, 3 * 365 + 60), b = a + uniform(-700, 700);
            long n = between_days(&cal, a, b);
            if (n != ref_between(&cal, a, b))
                fail_msg("round %d, days %ld → %ld: %ld, reference %ld", round, a, b, n,
                         ref_between(&cal, a, b));
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_2021_lists, setup_2021),
        cmocka_unit_test_setup(test_2021_is_workday, setup_2021),
        cmocka_unit_test_setup(test_2021_national_day, setup_2021),
        cmocka_unit_test_setup(test_2021_spring_festival, setup_2021),
        cmocka_unit_test_setup(test_2021_whole_year, setup_2021),
        cmocka_unit_test_setup(test_same_day_and_direction, setup_2021),
        cmocka_unit_test_setup(test_empty_and_null, setup_2021),
        cmocka_unit_test_setup(test_overlaps_and_duplicates, setup_2021),
        cmocka_unit_test_setup(test_random_spans_2021, setup_2021),
        cmocka_unit_test_setup(test_random_calendars, setup_2021),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
