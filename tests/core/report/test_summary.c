/* test_summary.c — the 总体情况 of a bulletin (core/report/bulletin_summary.c) on a model
 * built by hand, against a paragraph worked out by hand: the mean and median and their change
 * against the month before, the bands, the first three, the gains in order, and a unit last in
 * its group two months running (the unit last only in an earlier month is not named). */
#include "bulletin_summary.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void test_group_summary(void **state)
{
    (void)state;
    /* three months of totals: A leads; B was last in January; C is last in February and March */
    static const double ta[] = {90, 91, 92}, tb[] = {60, 85, 86}, tc[] = {70, 60, 65};
    static const char *periods[] = {"2021-01", "2021-02", "2021-03"};
    static const char *bands[] = {"优秀", "良好", "合格"};
    pg_bl_unit units[3] = {
        {.id = "a", .name = "A", .group = 0, .rank = 1, .total = 92, .trend = ta},
        {.id = "b", .name = "B", .group = 0, .rank = 2, .total = 86, .trend = tb},
        {.id = "c", .name = "C", .group = 0, .rank = 3, .total = 65, .trend = tc},
    };
    pg_bl_row rows[3] = {
        {.rank = 1,
         .unit = 0,
         .total = 92,
         .change = 1,
         .movement = "same",
         .mark = "=",
         .band = "优秀"},
        {.rank = 2,
         .unit = 1,
         .total = 86,
         .change = 1,
         .movement = "same",
         .mark = "=",
         .band = "良好"},
        {.rank = 3,
         .unit = 2,
         .total = 65,
         .change = 5,
         .movement = "same",
         .mark = "=",
         .band = "合格"},
    };
    pg_bl_group group = {.id = "g", .name = "组", .rows = rows, .nrows = 3};
    pg_bulletin b = {.scheme_id = "monthly",
                     .period = "2021-03",
                     .previous_period = "2021-02",
                     .rounding = 2,
                     .units = units,
                     .nunits = 3,
                     .groups = &group,
                     .ngroups = 1,
                     .trend_scheme = "monthly",
                     .trend_periods = periods,
                     .ntrend = 3,
                     .bands = bands,
                     .nbands = 3};
    char *s = pg_bl_group_summary(&b, 0);
    /* mean 81.00 against (91 + 85 + 60) / 3 = 78.67; median 86 against 85 */
    assert_string_equal(
        s, "组共 3 个单位参加排名，平均 81.00 分（比上期提高 2.33 分），中位数 86.00 分"
           "（比上期提高 1.00 分）。等次：优秀 1 个、良好 1 个、合格 1 个。前三名：A "
           "92.00 分、B 86.00 分、C 65.00 分。进步最大：C（+5.00 分）、A（+1.00 "
           "分）、B（+1.00 分）。C连续 2 个月排名末位。");
    free(s);

    /* a year report: no month before, no streak; nothing guessed */
    b.year_report = 1;
    b.period = "2021";
    s = pg_bl_group_summary(&b, 0);
    assert_null(strstr(s, "比上期"));
    assert_null(strstr(s, "连续"));
    free(s);
}

/* The mean and median are rounded as the rule set rounds its totals (issue 15 §4): 6.2 and 6.3
 * average 6.25, which reads 6.3 half away from zero, 6.2 half to even and 6.2 truncated. */
static void test_summary_rounding_mode(void **state)
{
    (void)state;
    pg_bl_unit units[2] = {
        {.id = "a", .name = "A", .group = 0, .rank = 1, .total = 6.3},
        {.id = "b", .name = "B", .group = 0, .rank = 2, .total = 6.2},
    };
    pg_bl_row rows[2] = {{.rank = 1, .unit = 0, .total = 6.3, .change = NAN},
                         {.rank = 2, .unit = 1, .total = 6.2, .change = NAN}};
    pg_bl_group group = {.id = "g", .name = "组", .rows = rows, .nrows = 2};
    pg_bulletin b = {.scheme_id = "monthly",
                     .period = "2021-03",
                     .rounding = 1,
                     .units = units,
                     .nunits = 2,
                     .groups = &group,
                     .ngroups = 1};
    static const struct {
        int mode;
        const char *want;
    } cases[] = {
        {0, "组共 2 个单位参加排名，平均 6.3 分，中位数 6.3 分。"},
        {1, "组共 2 个单位参加排名，平均 6.2 分，中位数 6.2 分。"},
        {2, "组共 2 个单位参加排名，平均 6.2 分，中位数 6.2 分。"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        b.rounding_mode = cases[i].mode;
        char *s = pg_bl_group_summary(&b, 0);
        assert_non_null(s);
        assert_true(strncmp(s, cases[i].want, strlen(cases[i].want)) == 0);
        free(s);
    }
    /* a figure already rounded is printed as it is, whatever the mode: 6.3 stays 6.3 */
    b.rounding_mode = 2;
    char *s = pg_bl_group_summary(&b, 0);
    assert_non_null(strstr(s, "A 6.3 分、B 6.2 分"));
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_group_summary),
                                       cmocka_unit_test(test_summary_rounding_mode)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
