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

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_group_summary)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
