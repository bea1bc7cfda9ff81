/* test_period.c — calendar days (pg_days_from_civil, pg_civil_from_days, pg_time_day),
 * sampling months (pg_time_sampling_month) and the year-end window (pg_time_in_year_end).
 *
 * The cut-off facts come from the city's notice: month M holds [00:00 on the 26th of M−1,
 * 00:00 on the 26th of M) in Asia/Shanghai time, so the 25th up to 23:59:59 is still M and
 * 00:00:00 on the 26th is already M+1. Each boundary is checked from both sides, written as
 * local time and as the same instant in Z and in other offsets. Day numbers are checked
 * against a plain day-by-day walk of the calendar written here, not against the code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base.h"

#define SH (8 * 3600)

static double at(const char *s)
{
    double t = NAN;
    if (pg_time_parse(s, strlen(s), SH, &t) != 0) fail_msg("cannot parse %s", s);
    return t;
}

static int month_of(const char *s)
{
    return pg_time_sampling_month(at(s), SH);
}

static void test_civil_anchors(void **state)
{
    assert_int_equal(pg_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(pg_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(pg_days_from_civil(1970, 1, 2), 1);
    assert_int_equal(pg_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(pg_days_from_civil(2021, 12, 26), 18987);
    assert_int_equal(pg_days_from_civil(1900, 1, 1), -25567);
    assert_int_equal(pg_days_from_civil(1, 1, 1), -719162);
    assert_int_equal(pg_days_from_civil(0, 3, 1), -719468);
    int y, m, d;
    pg_civil_from_days(-1, &y, &m, &d);
    assert_true(y == 1969 && m == 12 && d == 31);
    pg_civil_from_days(-719162, &y, &m, &d);
    assert_true(y == 1 && m == 1 && d == 1);
    pg_civil_from_days(-719469, &y, &m, &d); /* 0000-02-29: year 0 is a leap year */
    assert_true(y == 0 && m == 2 && d == 29);
    pg_civil_from_days(-719529, &y, &m, &d);
    assert_true(y == -1 && m == 12 && d == 31);
    pg_civil_from_days(18987, &y, &m, &d);
    assert_true(y == 2021 && m == 12 && d == 26);
}

/* Every day 1900-01-01 … 2100-12-31, walked one by one with our own month lengths. */
static void test_civil_round_trip_1900_2100(void **state)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    long day = -25567; /* 1900-01-01 */
    for (int y = 1900; y <= 2100; y++) {
        int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        for (int m = 1; m <= 12; m++) {
            for (int d = 1; d <= len[m - 1] + (m == 2 && leap); d++, day++) {
                int yy, mm, dd;
                if (pg_days_from_civil(y, m, d) != day)
                    fail_msg("%04d-%02d-%02d: %ld, want %ld", y, m, d, pg_days_from_civil(y, m, d),
                             day);
                pg_civil_from_days(day, &yy, &mm, &dd);
                if (yy != y || mm != m || dd != d)
                    fail_msg("day %ld: %04d-%02d-%02d, want %04d-%02d-%02d", day, yy, mm, dd, y, m,
                             d);
            }
        }
    }
    assert_int_equal(day, pg_days_from_civil(2101, 1, 1));
    assert_int_equal(day - 1, 47846); /* 2100-12-31 */
}

/* Far from 1970 in both directions: still inverse to each other. */
static void test_civil_round_trip_far(void **state)
{
    for (long day = -3000000; day <= 3000000; day += 997) {
        int y, m, d;
        pg_civil_from_days(day, &y, &m, &d);
        assert_true(m >= 1 && m <= 12 && d >= 1 && d <= 31);
        assert_int_equal(pg_days_from_civil(y, m, d), day);
    }
}

/* Months outside 1–12 and days outside the month count on, so callers can write
 * "the 26th of the month before" without special cases. */
static void test_civil_normalizes(void **state)
{
    assert_int_equal(pg_days_from_civil(2022, 0, 26), pg_days_from_civil(2021, 12, 26));
    assert_int_equal(pg_days_from_civil(2021, 13, 1), pg_days_from_civil(2022, 1, 1));
    assert_int_equal(pg_days_from_civil(2021, -11, 1), pg_days_from_civil(2020, 1, 1));
    assert_int_equal(pg_days_from_civil(2021, -12, 1), pg_days_from_civil(2019, 12, 1));
    assert_int_equal(pg_days_from_civil(2021, 3, 0), pg_days_from_civil(2021, 2, 28));
    assert_int_equal(pg_days_from_civil(2020, 3, 0), pg_days_from_civil(2020, 2, 29));
    assert_int_equal(pg_days_from_civil(2021, 1, 32), pg_days_from_civil(2021, 2, 1));
    assert_int_equal(pg_days_from_civil(2021, 1, 366), pg_days_from_civil(2022, 1, 1));
}

static void test_time_day(void **state)
{
    long may1 = pg_days_from_civil(2021, 5, 1);
    assert_int_equal(pg_time_day(at("2021-05-01"), SH), may1);
    assert_int_equal(pg_time_day(at("2021-05-01 23:59:59.999"), SH), may1);
    assert_int_equal(pg_time_day(at("2021-05-02"), SH), may1 + 1);
    /* 2021-04-30T16:00Z is May 1 in Shanghai and still April 30 in UTC */
    assert_int_equal(pg_time_day(at("2021-04-30T16:00:00Z"), SH), may1);
    assert_int_equal(pg_time_day(at("2021-04-30T16:00:00Z"), 0), may1 - 1);
    assert_int_equal(pg_time_day(at("2021-04-30T15:59:59Z"), SH), may1 - 1);
    assert_int_equal(pg_time_day(at("2021-05-01T08:00:00+08:00"), -5 * 3600), may1 - 1);
    /* before 1970: floor, not truncation */
    assert_int_equal(pg_time_day(-1, 0), -1);
    assert_int_equal(pg_time_day(-0.5, 0), -1);
    assert_int_equal(pg_time_day(-86400, 0), -1);
    assert_int_equal(pg_time_day(-86401, 0), -2);
    assert_int_equal(pg_time_day(0, 0), 0);
    assert_int_equal(pg_time_day(86399.999, 0), 0);
    assert_int_equal(pg_time_day(-1, SH), 0);
    assert_int_equal(pg_time_day(-SH, SH), 0);
    assert_int_equal(pg_time_day(-SH - 1, SH), -1);
    assert_int_equal(pg_time_day(at("1900-01-01"), SH), -25567);
    /* not a time: day 0, and nothing undefined for infinities */
    assert_int_equal(pg_time_day(NAN, SH), 0);
    assert_true(pg_time_day(INFINITY, SH) > 1000000000L);
    assert_true(pg_time_day(-INFINITY, SH) < -1000000000L);
    int y, m, d;
    pg_civil_from_days(pg_time_day(INFINITY, SH), &y, &m, &d);
    assert_true(y > 1000000);
}

static void test_sampling_month_boundary_local(void **state)
{
    assert_int_equal(month_of("2021-01-25 23:59:59"), 202101);
    assert_int_equal(month_of("2021-01-25 23:59:59.999"), 202101);
    assert_int_equal(month_of("2021-01-25 23:59:59.999999999"), 202101);
    assert_int_equal(month_of("2021-01-26 00:00:00"), 202102);
    assert_int_equal(month_of("2021-01-26"), 202102);
    assert_int_equal(month_of("2021-01-25"), 202101);
    assert_int_equal(month_of("2021-01-01"), 202101);
    assert_int_equal(month_of("2021-01-31 12:00"), 202102);
    assert_int_equal(month_of("2021-02-25 23:59"), 202102);
    assert_int_equal(month_of("2021-02-28 23:59"), 202103);
    assert_int_equal(month_of("2021-05-25 23:59:59"), 202105);
    assert_int_equal(month_of("2021-05-26 00:00:00"), 202106);
    assert_int_equal(month_of("2021-05-26 00:00:00.001"), 202106);
}

/* The same two instants, 2021-01-25 23:59:59 and 2021-01-26 00:00:00 Shanghai time, written
 * in other offsets: the month follows the instant, not the digits. */
static void test_sampling_month_boundary_offsets(void **state)
{
    assert_int_equal(month_of("2021-01-25T15:59:59Z"), 202101);
    assert_int_equal(month_of("2021-01-25T16:00:00Z"), 202102);
    assert_int_equal(month_of("2021-01-25T15:59:59+00:00"), 202101);
    assert_int_equal(month_of("2021-01-25T16:00:00+0000"), 202102);
    assert_int_equal(month_of("2021-01-25T23:59:59+08:00"), 202101);
    assert_int_equal(month_of("2021-01-26T00:00:00+08:00"), 202102);
    assert_int_equal(month_of("2021-01-25T10:59:59-05:00"), 202101);
    assert_int_equal(month_of("2021-01-25T11:00:00-05:00"), 202102);
    assert_int_equal(month_of("2021-01-26T00:59:59+0900"), 202101);
    assert_int_equal(month_of("2021-01-26T01:00:00+0900"), 202102);
    assert_int_equal(month_of("2021-01-25T21:29:59+05:30"), 202101);
    assert_int_equal(month_of("2021-01-25T21:30:00+05:30"), 202102);
    /* a Z time on the 25th that is already the 26th in Shanghai */
    assert_int_equal(month_of("2021-05-25T16:00:00Z"), 202106);
    assert_int_equal(month_of("2021-05-25T15:59:59Z"), 202105);
    assert_int_equal(month_of("2021-05-25T15:59:59.999Z"), 202105);
    /* the instants themselves */
    assert_int_equal(pg_time_sampling_month(1621958400.0, SH), 202106);
    assert_int_equal(pg_time_sampling_month(1621958399.0, SH), 202105);
    assert_int_equal(pg_time_sampling_month(1621958399.5, SH), 202105);
    /* a rule set kept in UTC cuts at 00:00 UTC instead */
    assert_int_equal(pg_time_sampling_month(1621958400.0, 0), 202105);
    assert_int_equal(pg_time_sampling_month(1621987200.0, 0), 202106); /* 05-26T00:00Z */
}

static void test_sampling_month_year_rollover(void **state)
{
    assert_int_equal(month_of("2021-12-25 23:59:59"), 202112);
    assert_int_equal(month_of("2021-12-26 00:00"), 202201);
    assert_int_equal(month_of("2021-12-26"), 202201);
    assert_int_equal(month_of("2021-12-31 23:59:59"), 202201);
    assert_int_equal(month_of("2022-01-01 00:00"), 202201);
    assert_int_equal(month_of("2022-01-25 23:59:59"), 202201);
    assert_int_equal(month_of("2022-01-26 00:00"), 202202);
    assert_int_equal(month_of("2020-12-25 23:59:59"), 202012);
    assert_int_equal(month_of("2020-12-26 00:00:00"), 202101);
    assert_int_equal(month_of("2021-12-25T15:59:59Z"), 202112);
    assert_int_equal(month_of("2021-12-25T16:00:00Z"), 202201);
    assert_int_equal(pg_time_sampling_month(1640448000.0, SH), 202201); /* 12-25T16:00Z */
    assert_int_equal(pg_time_sampling_month(1640447999.0, SH), 202112);
}

/* Every month of 2019–2024, both sides of the cut-off. */
static void test_sampling_month_every_month(void **state)
{
    for (int y = 2019; y <= 2024; y++) {
        for (int m = 1; m <= 12; m++) {
            char a[48], b[48];
            snprintf(a, sizeof(a), "%04d-%02d-25 23:59:59", y, m);
            snprintf(b, sizeof(b), "%04d-%02d-26 00:00:00", y, m);
            int want = y * 100 + m, next = m == 12 ? (y + 1) * 100 + 1 : want + 1;
            assert_int_equal(month_of(a), want);
            assert_int_equal(month_of(b), next);
            snprintf(a, sizeof(a), "%04d-%02d-01", y, m);
            assert_int_equal(month_of(a), want);
        }
    }
}

static void test_sampling_month_not_a_time(void **state)
{
    assert_int_equal(pg_time_sampling_month(NAN, SH), 0);
}

static void test_year_end_window(void **state)
{
    assert_false(pg_time_in_year_end(at("2021-10-09 23:59:59"), SH, 2021));
    assert_false(pg_time_in_year_end(at("2021-10-09 23:59:59.999"), SH, 2021));
    assert_true(pg_time_in_year_end(at("2021-10-10 00:00"), SH, 2021));
    assert_true(pg_time_in_year_end(at("2021-10-10"), SH, 2021));
    assert_true(pg_time_in_year_end(at("2021-11-15 12:00"), SH, 2021));
    assert_true(pg_time_in_year_end(at("2021-12-26 00:00"), SH, 2021));
    assert_true(pg_time_in_year_end(at("2021-12-31 23:59:59"), SH, 2021));
    assert_false(pg_time_in_year_end(at("2022-01-01 00:00"), SH, 2021));
    assert_false(pg_time_in_year_end(at("2022-01-01"), SH, 2021));
    assert_false(pg_time_in_year_end(at("2021-01-01"), SH, 2021));
    assert_false(pg_time_in_year_end(at("2021-09-30"), SH, 2021));
    assert_false(pg_time_in_year_end(at("2021-10-01"), SH, 2021));
    /* the window belongs to its year */
    assert_false(pg_time_in_year_end(at("2021-11-01"), SH, 2022));
    assert_false(pg_time_in_year_end(at("2021-11-01"), SH, 2020));
    assert_true(pg_time_in_year_end(at("2020-11-01"), SH, 2020));
    /* the same edges written in Z: local date decides */
    assert_false(pg_time_in_year_end(at("2021-10-09T15:59:59Z"), SH, 2021));
    assert_true(pg_time_in_year_end(at("2021-10-09T16:00:00Z"), SH, 2021));
    assert_true(pg_time_in_year_end(at("2021-12-31T15:59:59Z"), SH, 2021));
    assert_false(pg_time_in_year_end(at("2021-12-31T16:00:00Z"), SH, 2021));
    assert_false(pg_time_in_year_end(NAN, SH, 2021));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_civil_anchors),
        cmocka_unit_test(test_civil_round_trip_1900_2100),
        cmocka_unit_test(test_civil_round_trip_far),
        cmocka_unit_test(test_civil_normalizes),
        cmocka_unit_test(test_time_day),
        cmocka_unit_test(test_sampling_month_boundary_local),
        cmocka_unit_test(test_sampling_month_boundary_offsets),
        cmocka_unit_test(test_sampling_month_year_rollover),
        cmocka_unit_test(test_sampling_month_every_month),
        cmocka_unit_test(test_sampling_month_not_a_time),
        cmocka_unit_test(test_year_end_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
