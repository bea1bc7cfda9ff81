/* test_util.c — the small pieces every figure depends on: pg_round (half away from zero,
 * tolerant of binary representation error, as base.h promises) and period codes
 * (pg_period_parse, pg_period_format, pg_period_prev with the December/January rollover).
 * Expected values come from decimal arithmetic, not from the functions themselves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base.h"

#include <math.h>

#define assert_nan(x)                                                                              \
    do {                                                                                           \
        double x_ = (x);                                                                           \
        if (!isnan(x_)) fail_msg("%s = %.17g, expected NaN", #x, x_);                              \
    } while (0)

#include <string.h>

static void test_round_half_away_from_zero(void **state)
{
    /* 2.675 is stored as 2.67499999999999982236431605997495353221893310546875; the
     * decimal the rule author wrote rounds up. */
    assert_true(pg_round(2.675, 2) == 2.68);
    assert_true(pg_round(-2.675, 2) == -2.68);
    assert_true(pg_round(0.125, 2) == 0.13); /* exact in binary; half goes away from zero */
    assert_true(pg_round(-0.125, 2) == -0.13);
    assert_true(pg_round(1.005, 2) == 1.01); /* stored just below 1.005 */
    assert_true(pg_round(2.665, 2) == 2.67);
    assert_true(pg_round(89.995, 2) == 90.0);
    assert_true(pg_round(12.345, 2) == 12.35);
    assert_true(pg_round(12.345, 1) == 12.3);
    /* not banker's rounding: every half goes up in magnitude */
    assert_true(pg_round(0.5, 0) == 1);
    assert_true(pg_round(1.5, 0) == 2);
    assert_true(pg_round(2.5, 0) == 3);
    assert_true(pg_round(-0.5, 0) == -1);
    assert_true(pg_round(-2.5, 0) == -3);
    assert_true(pg_round(0.0000005, 6) == 0.000001);
    assert_true(pg_round(123456.785, 2) == 123456.79);
}

/* rounding_mode = "half_even": a half goes to the even neighbour, as the decimal the author
 * wrote (6.25 → 6.2, the publisher's figure); anything off the half rounds to the nearest. */
static void test_round_half_even(void **state)
{
    (void)state;
    assert_true(pg_round_as(6.25, 1, PG_ROUND_HALF_EVEN) == 6.2);
    assert_true(pg_round_as(6.35, 1, PG_ROUND_HALF_EVEN) == 6.4); /* stored just below 6.35 */
    assert_true(pg_round_as(-6.25, 1, PG_ROUND_HALF_EVEN) == -6.2);
    assert_true(pg_round_as(2.675, 2, PG_ROUND_HALF_EVEN) == 2.68); /* 267.5: 268 is even */
    assert_true(pg_round_as(2.665, 2, PG_ROUND_HALF_EVEN) == 2.66);
    assert_true(pg_round_as(0.125, 2, PG_ROUND_HALF_EVEN) == 0.12);
    assert_true(pg_round_as(1.005, 2, PG_ROUND_HALF_EVEN) == 1.0);
    assert_true(pg_round_as(0.5, 0, PG_ROUND_HALF_EVEN) == 0);
    assert_true(pg_round_as(1.5, 0, PG_ROUND_HALF_EVEN) == 2);
    assert_true(pg_round_as(2.5, 0, PG_ROUND_HALF_EVEN) == 2);
    assert_true(pg_round_as(2.5000001, 0, PG_ROUND_HALF_EVEN) == 3); /* off the half */
    assert_true(pg_round_as(2.4999999, 0, PG_ROUND_HALF_EVEN) == 2);
    assert_true(pg_round_as(12.345, 2, PG_ROUND_HALF_EVEN) == 12.34);
    assert_true(pg_round_as(89.995, 2, PG_ROUND_HALF_EVEN) == 90.0); /* 8999.5: 9000 is even */
}

/* rounding_mode = "truncate": toward zero, but a decimal stored a hair below itself stays. */
static void test_round_truncate(void **state)
{
    (void)state;
    assert_true(pg_round_as(2.679, 2, PG_ROUND_TRUNCATE) == 2.67);
    assert_true(pg_round_as(-2.679, 2, PG_ROUND_TRUNCATE) == -2.67);
    assert_true(pg_round_as(0.29, 2, PG_ROUND_TRUNCATE) == 0.29); /* 28.999999999999996 */
    assert_true(pg_round_as(89.999, 2, PG_ROUND_TRUNCATE) == 89.99);
    assert_true(pg_round_as(6.25, 1, PG_ROUND_TRUNCATE) == 6.2);
    assert_true(pg_round_as(100, 2, PG_ROUND_TRUNCATE) == 100);
    /* half_away through pg_round_as is pg_round */
    assert_true(pg_round_as(2.675, 2, PG_ROUND_HALF_AWAY) == pg_round(2.675, 2));
}

static void test_round_below_half(void **state)
{
    /* the tolerance must not turn a value really below the half into a round-up */
    assert_true(pg_round(2.674, 2) == 2.67);
    assert_true(pg_round(2.6749, 2) == 2.67);
    assert_true(pg_round(0.12499, 2) == 0.12);
    assert_true(pg_round(-0.12499, 2) == -0.12);
    assert_true(pg_round(2.67499999, 2) == 2.67);
    assert_true(pg_round(0.4999, 0) == 0);
    /* already round, or integral */
    assert_true(pg_round(0, 2) == 0);
    assert_true(pg_round(70, 2) == 70);
    assert_true(pg_round(99.99, 2) == 99.99);
    assert_true(pg_round(100, 0) == 100);
    /* non-finite values pass through */
    assert_nan(pg_round(NAN, 2));
    assert_true(isinf(pg_round(INFINITY, 2)) && pg_round(INFINITY, 2) > 0);
}

static void test_period_parse(void **state)
{
    /* YYYY-MM -> Y*100+M, YYYY -> Y*100 */
    assert_int_equal(pg_period_parse("2021-05"), 202105);
    assert_int_equal(pg_period_parse("2021-01"), 202101);
    assert_int_equal(pg_period_parse("2021-12"), 202112);
    assert_int_equal(pg_period_parse("2021-10"), 202110);
    assert_int_equal(pg_period_parse("2021"), 202100);
    assert_int_equal(pg_period_parse("1999-07"), 199907);
    assert_true(pg_period_is_year(202100));
    assert_false(pg_period_is_year(202105));
    assert_int_equal(pg_period_year(202105), 2021);
}

static void test_period_parse_rejects(void **state)
{
    static const char *const bad[] = {
        "",        "2021-13", "2021-00", "2021-5",  "2021-1a", "2021-05-01", "202105",
        "2021/05", "21-05",   "abcd",    "20a1",    " 2021",   "2021 ",      "2021-05 ",
        "+2021",   "+202",    "-202",    "2021- 5", "2021-+5", "2021--1",    "1899",
        "3000",    "2021-1",  "2021-",   "2021-1 ", "05-2021", "2021-W05",   "2021M05",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int p = pg_period_parse(bad[i]);
        if (p != -1) fail_msg("pg_period_parse(\"%s\") = %d, expected -1", bad[i], p);
    }
}

static void test_period_prev_and_format(void **state)
{
    /* the month before; January steps back to December of the year before */
    assert_int_equal(pg_period_prev(202105), 202104);
    assert_int_equal(pg_period_prev(202102), 202101);
    assert_int_equal(pg_period_prev(202101), 202012);
    assert_int_equal(pg_period_prev(202112), 202111);
    assert_int_equal(pg_period_prev(200001), 199912);
    /* the year before */
    assert_int_equal(pg_period_prev(202100), 202000);
    /* prev of prev across the rollover */
    assert_int_equal(pg_period_prev(pg_period_prev(202102)), 202012);

    char buf[PG_PERIOD_BUF];
    assert_string_equal(pg_period_format(202105, buf), "2021-05");
    assert_string_equal(pg_period_format(202012, buf), "2020-12");
    assert_string_equal(pg_period_format(202100, buf), "2021");
    /* format and parse are inverses */
    static const char *const round_trip[] = {"2021-01", "2021-09", "2021-12", "2021", "2000"};
    for (size_t i = 0; i < sizeof round_trip / sizeof round_trip[0]; i++)
        assert_string_equal(pg_period_format(pg_period_parse(round_trip[i]), buf), round_trip[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_half_away_from_zero),
        cmocka_unit_test(test_round_below_half),
        cmocka_unit_test(test_round_half_even),
        cmocka_unit_test(test_round_truncate),
        cmocka_unit_test(test_period_parse),
        cmocka_unit_test(test_period_parse_rejects),
        cmocka_unit_test(test_period_prev_and_format),
    };
    return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
