/* test_regain.c — the words that say what would regain lost points (core/report/regain.c),
 * against thresholds computed by hand from each method's parameters:
 *   linear lo 0.5 hi 0.95, value 0.8082 → "需由 80.82% 提升至 95.00% 以上可得满分";
 *   linear lower (lo 1 day, hi 5 days), 3.2 days → "由 3.2 天 降至 1 天 以下";
 *   target 0.9 → "提升至 90.00%"; steps (≥0.9 full, ≥0.8 half) at 0.7 → the nearest full step,
 *   0.9; steps whose best share is 0.6 say so; deduct free 2 per 1 at 5 → "降至 2 件 以下可不扣分";
 *   per_event 0.5 a case, 2 points, at 1 → 4 件 (2 ÷ 0.5);
 *   rank with shares {1, 1, 0.8}: the top 2 score full, and the value at rank 2 of the group
 *   {0.5, 0.7, 0.9, 0.95} is 0.9; zscore base 0.6 per_sd 0.2: full at z = 2, mean 0.75, sd 0.1
 *   → 0.95; best_ratio names the group's highest; nothing lost → NULL; missing data → data. */
#include "report.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static char *words(const pg_method *m, const char *unit, double v, double points,
                   const pg_regain_group *g)
{
    pg_regain_in in = {.method = m,
                       .points = points,
                       .name = "按期办结率",
                       .unit = unit,
                       .value = v,
                       .lost = 1,
                       .group = g};
    return pg_regain_words(&in);
}

static void expect(char *got, const char *want)
{
    assert_non_null(got);
    if (!strstr(got, want)) fail_msg("expected '%s' in '%s'", want, got);
    free(got);
}

static void linear(void **state)
{
    (void)state;
    pg_method m = {.kind = PG_M_LINEAR, .lo = 0.5, .hi = 0.95};
    char *w = words(&m, "share", 0.8082, 10, NULL);
    assert_string_equal(w, "按期办结率 需由 80.82% 提升至 95.00% 以上可得满分");
    free(w);
    pg_method lower = {.kind = PG_M_LINEAR, .lower = 1, .lo = 1, .hi = 5};
    expect(words(&lower, "days", 3.2, 4, NULL), "需由 3.2 天 降至 1 天 以下可得满分");
    /* nothing is above 100%: the words stop there */
    pg_method whole = {.kind = PG_M_LINEAR, .lo = 0.7, .hi = 1};
    expect(words(&whole, "share", 0.9736, 20, NULL), "需由 97.36% 提升至 100.00%可得满分");
    /* 94.999% and 95% print alike at two decimals: four say how far it is */
    expect(words(&m, "share", 0.94999, 10, NULL), "需由 94.9990% 提升至 95.0000% 以上");
}

static void target_and_steps(void **state)
{
    (void)state;
    pg_method t = {.kind = PG_M_TARGET, .target = 0.9};
    expect(words(&t, "share", 0.6, 5, NULL), "需由 60.00% 提升至 90.00% 以上可得满分");
    double at[] = {0.9, 0.8}, share[] = {1, 0.5};
    pg_method s = {.kind = PG_M_STEPS, .nsteps = 2, .step_at = at, .step_share = share};
    expect(words(&s, "share", 0.7, 5, NULL), "提升至 90.00% 以上可得满分");
    double at2[] = {0.95, 0.8}, share2[] = {0.6, 0.3};
    pg_method s2 = {.kind = PG_M_STEPS, .nsteps = 2, .step_at = at2, .step_share = share2};
    expect(words(&s2, "share", 0.7, 5, NULL), "提升至 95.00% 以上可得本项 60% 的分值（最高档）");
}

static void counts(void **state)
{
    (void)state;
    pg_method d = {.kind = PG_M_DEDUCT, .per = 1, .free = 2};
    expect(words(&d, "count", 5, 4, NULL), "需由 5 件 降至 2 件 以下可不扣分");
    pg_method e = {.kind = PG_M_PER_EVENT, .per = 0.5};
    expect(words(&e, "count", 1, 2, NULL), "需由 1 件 提升至 4 件 以上可得满分");
    expect(words(&e, "count", 3, -2, NULL), "需由 3 件 降为 0 可不扣分");
    pg_method f = {.kind = PG_M_FLAG};
    expect(words(&f, "flag", 0, 1, NULL), "需由“否”变为“是”");
}

static void relative(void **state)
{
    (void)state;
    double sorted[] = {0.5, 0.7, 0.9, 0.95};
    pg_regain_group g = {
        .n = 4, .min = 0.5, .max = 0.95, .mean = 0.7625, .sd = 0.1777, .sorted = sorted};
    double shares[] = {1, 1, 0.8};
    pg_method r = {.kind = PG_M_RANK, .nshares = 3, .shares = shares, .rest = 0.5};
    expect(words(&r, "share", 0.7, 5, &g),
           "需进入本组前 2 名（本期第 2 名为 90.00%，现为 70.00%）");
    pg_method r1 = {.kind = PG_M_RANK};
    expect(words(&r1, "share", 0.7, 5, &g), "需进入本组前 1 名（本期第 1 名为 95.00%");
    pg_method b = {.kind = PG_M_BEST_RATIO};
    expect(words(&b, "share", 0.7, 5, &g), "需达到本组本期最高值 95.00%（现为 70.00%）");
    pg_regain_group z = {.n = 4, .min = 0.6, .max = 0.9, .mean = 0.75, .sd = 0.1, .sorted = sorted};
    pg_method zs = {.kind = PG_M_ZSCORE, .base = 0.6, .per_sd = 0.2};
    expect(words(&zs, "share", 0.7, 5, &z),
           "需由 70.00% 提升至 95.00% 以上可得满分（本组平均之上 2 个标准差）");
    /* without the group's figures the words say so rather than invent a number */
    expect(words(&b, "share", 0.7, 5, NULL), "本组本期无可比数据");
}

static void nothing_or_no_data(void **state)
{
    (void)state;
    pg_method m = {.kind = PG_M_LINEAR, .lo = 0.5, .hi = 0.95};
    pg_regain_in none = {.method = &m, .name = "x", .unit = "share", .value = 0.99, .lost = 0};
    assert_null(pg_regain_words(&none));
    pg_regain_in miss = {
        .method = &m, .name = "按期办结率", .unit = "share", .value = NAN, .lost = 3, .missing = 1};
    expect(pg_regain_words(&miss), "本期无有效数据：需按时报送或产生该项数据");
    char buf[64];
    assert_string_equal(pg_report_measured("share", 0.80824, buf), "80.82%");
    assert_string_equal(pg_report_measured("hours", 1.3903, buf), "1.39 小时");
    assert_string_equal(pg_report_measured("count", 7, buf), "7 件");
    assert_string_equal(pg_report_measured("flag", 1, buf), "是");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(linear),   cmocka_unit_test(target_and_steps),   cmocka_unit_test(counts),
        cmocka_unit_test(relative), cmocka_unit_test(nothing_or_no_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
