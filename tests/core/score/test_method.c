/* test_method.c — the built-in scoring methods, called directly through pg_method_share().
 *
 * Each test builds a pg_method by hand (as the loader would from `linear { ... }` etc.) and
 * checks the share against the formula in the README (Writing rules), worked out by hand in the
 * comments: both directions (`better = "higher"/"lower"`), the clamping at both ends, the edge
 * cases the reference names (otherwise, best <= 0, v = 0, n = 1, all equal, sd = 0), and the
 * `capped` flag of deduct and per_event. The group statistics that relative methods read
 * come from pg_group_stats_compute(), which is tested here too, as is pg_group_rank(). */
#include "helpers.h"

#include <stdlib.h>
#include <string.h>

/* The share for v, with capped reset first (pg_method_share only ever sets it). */
static double share(const pg_method *m, double v, double points, const pg_group_stats *gs,
                    int *capped)
{
    int dummy = 0;
    if (!capped) capped = &dummy;
    *capped = 0;
    return pg_method_share(m, v, points, gs, capped);
}

static pg_group_stats stats(const double *v, int n)
{
    pg_group_stats gs;
    pg_group_stats_compute(&gs, v, n, 1);
    return gs;
}

/* ---- linear ---- */

static void test_linear_higher(void **state)
{
    pg_method m = {.kind = PG_M_LINEAR, .lo = 0.5, .hi = 0.9};
    /* (0.7 - 0.5) / (0.9 - 0.5) = 0.2 / 0.4 = 0.5 */
    assert_pts(share(&m, 0.7, 10, NULL, NULL), 0.5);
    /* (0.6 - 0.5) / 0.4 = 0.25 */
    assert_pts(share(&m, 0.6, 10, NULL, NULL), 0.25);
    /* 0 at v <= lo, 1 at v >= hi, whatever lies beyond */
    assert_pts(share(&m, 0.5, 10, NULL, NULL), 0);
    assert_pts(share(&m, 0.1, 10, NULL, NULL), 0);
    assert_pts(share(&m, -3, 10, NULL, NULL), 0);
    assert_pts(share(&m, 0.9, 10, NULL, NULL), 1);
    assert_pts(share(&m, 1.5, 10, NULL, NULL), 1);
}

static void test_linear_lower(void **state)
{
    pg_method m = {.kind = PG_M_LINEAR, .lower = 1, .lo = 2, .hi = 24};
    /* lower: 1 at v <= 2, 0 at v >= 24; v = 7.5: 1 - (7.5 - 2) / 22 = 1 - 0.25 = 0.75 */
    assert_pts(share(&m, 7.5, 10, NULL, NULL), 0.75);
    /* v = 13: 1 - 11 / 22 = 0.5 */
    assert_pts(share(&m, 13, 10, NULL, NULL), 0.5);
    assert_pts(share(&m, 2, 10, NULL, NULL), 1);
    assert_pts(share(&m, 0, 10, NULL, NULL), 1);
    assert_pts(share(&m, 24, 10, NULL, NULL), 0);
    assert_pts(share(&m, 100, 10, NULL, NULL), 0);
}

/* ---- steps ---- */

static void test_steps_higher(void **state)
{
    double at[] = {0.9, 0.8, 0.6}, sh[] = {1, 0.6, 0.3};
    pg_method m = {
        .kind = PG_M_STEPS, .nsteps = 3, .step_at = at, .step_share = sh, .otherwise = 0.1};
    /* higher: the first row with v >= threshold */
    assert_pts(share(&m, 0.95, 5, NULL, NULL), 1);
    assert_pts(share(&m, 0.9, 5, NULL, NULL), 1); /* reaching the threshold is enough */
    assert_pts(share(&m, 0.85, 5, NULL, NULL), 0.6);
    assert_pts(share(&m, 0.8, 5, NULL, NULL), 0.6);
    assert_pts(share(&m, 0.7, 5, NULL, NULL), 0.3);
    assert_pts(share(&m, 0.6, 5, NULL, NULL), 0.3);
    /* no row matches: otherwise */
    assert_pts(share(&m, 0.59, 5, NULL, NULL), 0.1);
    assert_pts(share(&m, -1, 5, NULL, NULL), 0.1);
    /* otherwise defaults to 0 (the loader's default, zero-initialised here) */
    m.otherwise = 0;
    assert_pts(share(&m, 0.2, 5, NULL, NULL), 0);
}

static void test_steps_lower(void **state)
{
    double at[] = {2, 5, 10}, sh[] = {1, 0.5, 0.2};
    pg_method m = {.kind = PG_M_STEPS,
                   .lower = 1,
                   .nsteps = 3,
                   .step_at = at,
                   .step_share = sh,
                   .otherwise = 0};
    /* lower: the first row with v <= threshold; thresholds ascend */
    assert_pts(share(&m, 0, 5, NULL, NULL), 1);
    assert_pts(share(&m, 2, 5, NULL, NULL), 1);
    assert_pts(share(&m, 3, 5, NULL, NULL), 0.5);
    assert_pts(share(&m, 5, 5, NULL, NULL), 0.5);
    assert_pts(share(&m, 10, 5, NULL, NULL), 0.2);
    assert_pts(share(&m, 10.5, 5, NULL, NULL), 0);
    m.otherwise = 0.05;
    assert_pts(share(&m, 11, 5, NULL, NULL), 0.05);
}

/* ---- target ---- */

static void test_target_higher(void **state)
{
    pg_method m = {.kind = PG_M_TARGET, .target = 0.8};
    /* min(v / t, 1): 0.4 / 0.8 = 0.5; 0.6 / 0.8 = 0.75 */
    assert_pts(share(&m, 0.4, 10, NULL, NULL), 0.5);
    assert_pts(share(&m, 0.6, 10, NULL, NULL), 0.75);
    assert_pts(share(&m, 0.8, 10, NULL, NULL), 1);
    assert_pts(share(&m, 1.0, 10, NULL, NULL), 1); /* over target: 1, not 1.25 */
    assert_pts(share(&m, 0, 10, NULL, NULL), 0);
}

static void test_target_lower(void **state)
{
    pg_method m = {.kind = PG_M_TARGET, .lower = 1, .target = 4};
    /* 1 if v <= t, else t / v: 5 -> 4/5 = 0.8; 8 -> 0.5; 16 -> 0.25 */
    assert_pts(share(&m, 2, 10, NULL, NULL), 1);
    assert_pts(share(&m, 4, 10, NULL, NULL), 1);
    assert_pts(share(&m, 5, 10, NULL, NULL), 0.8);
    assert_pts(share(&m, 8, 10, NULL, NULL), 0.5);
    assert_pts(share(&m, 16, 10, NULL, NULL), 0.25);
}

/* ---- best_ratio ---- */

static void test_best_ratio_higher(void **state)
{
    double v[] = {5, 2, 10};
    pg_group_stats gs = stats(v, 3);
    pg_method m = {.kind = PG_M_BEST_RATIO};
    /* v / best, best = 10: 5 -> 0.5, 2 -> 0.2, 10 -> 1 */
    assert_pts(share(&m, 5, 10, &gs, NULL), 0.5);
    assert_pts(share(&m, 2, 10, &gs, NULL), 0.2);
    assert_pts(share(&m, 10, 10, &gs, NULL), 1);
    free(gs.sorted);

    /* best <= 0: every unit gets 0 (no division by a non-positive best) */
    double z[] = {-3, 0};
    gs = stats(z, 2);
    assert_pts(share(&m, 0, 10, &gs, NULL), 0);
    assert_pts(share(&m, -3, 10, &gs, NULL), 0);
    free(gs.sorted);
    double neg[] = {-4, -2};
    gs = stats(neg, 2);
    assert_pts(share(&m, -2, 10, &gs, NULL), 0);
    free(gs.sorted);
}

static void test_best_ratio_lower(void **state)
{
    double v[] = {5, 2, 10};
    pg_group_stats gs = stats(v, 3);
    pg_method m = {.kind = PG_M_BEST_RATIO, .lower = 1};
    /* best / v, best = the lowest = 2: 5 -> 0.4, 10 -> 0.2, 2 -> 1 */
    assert_pts(share(&m, 5, 10, &gs, NULL), 0.4);
    assert_pts(share(&m, 10, 10, &gs, NULL), 0.2);
    assert_pts(share(&m, 2, 10, &gs, NULL), 1);
    free(gs.sorted);

    /* v = 0 is the best possible: 1. Another unit, v = 4, against best 0: 0 / 4 = 0. */
    double z[] = {0, 4};
    gs = stats(z, 2);
    assert_pts(share(&m, 0, 10, &gs, NULL), 1);
    assert_pts(share(&m, 4, 10, &gs, NULL), 0);
    free(gs.sorted);
}

/* ---- rank ---- */

static void test_group_rank_ties(void **state)
{
    double v[] = {20, 10, 30, 20};
    pg_group_stats gs = stats(v, 4);
    /* higher: 1 + the number of strictly higher values (competition rank 1-2-2-4) */
    assert_int_equal(pg_group_rank(&gs, 30, 0), 1);
    assert_int_equal(pg_group_rank(&gs, 20, 0), 2);
    assert_int_equal(pg_group_rank(&gs, 10, 0), 4);
    /* lower: 1 + the number of strictly lower values */
    assert_int_equal(pg_group_rank(&gs, 10, 1), 1);
    assert_int_equal(pg_group_rank(&gs, 20, 1), 2);
    assert_int_equal(pg_group_rank(&gs, 30, 1), 4);
    /* a value not in the group still gets the rank it would have: 25 has one above it */
    assert_int_equal(pg_group_rank(&gs, 25, 0), 2);
    assert_int_equal(pg_group_rank(&gs, 25, 1), 4);
    free(gs.sorted);

    /* all tied: everybody first */
    double t[] = {7, 7, 7};
    gs = stats(t, 3);
    assert_int_equal(pg_group_rank(&gs, 7, 0), 1);
    assert_int_equal(pg_group_rank(&gs, 7, 1), 1);
    free(gs.sorted);
}

static void test_rank_without_shares(void **state)
{
    double v[] = {10, 20, 20, 30};
    pg_group_stats gs = stats(v, 4);
    pg_method m = {.kind = PG_M_RANK};
    /* (n - r) / (n - 1) with n = 4: r 1 -> 3/3 = 1, r 2 -> 2/3, r 4 -> 0 */
    assert_pts(share(&m, 30, 10, &gs, NULL), 1);
    assert_pts(share(&m, 20, 10, &gs, NULL), 2.0 / 3.0);
    assert_pts(share(&m, 10, 10, &gs, NULL), 0);
    m.lower = 1; /* lower: 10 ranks 1, 20 ranks 2, 30 ranks 4 */
    assert_pts(share(&m, 10, 10, &gs, NULL), 1);
    assert_pts(share(&m, 20, 10, &gs, NULL), 2.0 / 3.0);
    assert_pts(share(&m, 30, 10, &gs, NULL), 0);
    free(gs.sorted);

    /* n = 1: the only unit with data gets 1 (no division by n - 1 = 0) */
    double one[] = {7};
    gs = stats(one, 1);
    m.lower = 0;
    assert_pts(share(&m, 7, 10, &gs, NULL), 1);
    m.lower = 1;
    assert_pts(share(&m, 7, 10, &gs, NULL), 1);
    free(gs.sorted);
}

static void test_rank_with_shares(void **state)
{
    double v[] = {10, 20, 20, 30, 5};
    pg_group_stats gs = stats(v, 5);
    double sh[] = {1, 0.9, 0.8};
    pg_method m = {.kind = PG_M_RANK, .nshares = 3, .shares = sh, .rest = 0.5};
    /* higher ranks: 30 -> 1, 20 -> 2 (tied, both), 10 -> 4, 5 -> 5 */
    assert_pts(share(&m, 30, 10, &gs, NULL), 1);
    assert_pts(share(&m, 20, 10, &gs, NULL), 0.9); /* both tied units get rank 2's share */
    assert_pts(share(&m, 10, 10, &gs, NULL), 0.5); /* rank 4 is past the list: rest */
    assert_pts(share(&m, 5, 10, &gs, NULL), 0.5);
    /* lower ranks: 5 -> 1, 10 -> 2, 20 -> 3, 30 -> 5 */
    m.lower = 1;
    assert_pts(share(&m, 5, 10, &gs, NULL), 1);
    assert_pts(share(&m, 10, 10, &gs, NULL), 0.9);
    assert_pts(share(&m, 20, 10, &gs, NULL), 0.8);
    assert_pts(share(&m, 30, 10, &gs, NULL), 0.5);
    /* rest defaults to 0 */
    m.rest = 0;
    assert_pts(share(&m, 30, 10, &gs, NULL), 0);
    free(gs.sorted);

    /* n = 1 with shares: rank 1, the first share */
    double one[] = {3};
    gs = stats(one, 1);
    m.lower = 0;
    assert_pts(share(&m, 3, 10, &gs, NULL), 1);
    free(gs.sorted);
}

/* ---- minmax ---- */

static void test_minmax(void **state)
{
    double v[] = {4, 2, 10};
    pg_group_stats gs = stats(v, 3);
    pg_method m = {.kind = PG_M_MINMAX};
    /* (v - min) / (max - min) = (4 - 2) / (10 - 2) = 0.25 */
    assert_pts(share(&m, 4, 10, &gs, NULL), 0.25);
    assert_pts(share(&m, 2, 10, &gs, NULL), 0);
    assert_pts(share(&m, 10, 10, &gs, NULL), 1);
    m.lower = 1; /* lower: 1 - 0.25 = 0.75 */
    assert_pts(share(&m, 4, 10, &gs, NULL), 0.75);
    assert_pts(share(&m, 2, 10, &gs, NULL), 1);
    assert_pts(share(&m, 10, 10, &gs, NULL), 0);
    free(gs.sorted);

    /* all equal: 1 for everyone, either direction */
    double eq[] = {5, 5, 5};
    gs = stats(eq, 3);
    assert_pts(share(&m, 5, 10, &gs, NULL), 1);
    m.lower = 0;
    assert_pts(share(&m, 5, 10, &gs, NULL), 1);
    free(gs.sorted);
}

/* ---- zscore ---- */

static void test_zscore(void **state)
{
    /* The textbook set: mean 5, population sd 2 (squared deviations 9+1+1+1+0+0+4+16 = 32,
     * 32 / 8 = 4). The reference does not say population or sample sd; the core uses the
     * population sd (divide by n), which this test pins down. */
    double v[] = {2, 4, 4, 4, 5, 5, 7, 9};
    pg_group_stats gs = stats(v, 8);
    pg_method m = {.kind = PG_M_ZSCORE, .base = 0.6, .per_sd = 0.2};
    /* base + per_sd * z: v 7 -> z 1 -> 0.8; v 3 -> z -1 -> 0.4; v 5 -> z 0 -> 0.6;
     * v 9 -> z 2 -> 1.0; v 2 -> z -1.5 -> 0.3 */
    assert_pts(share(&m, 7, 10, &gs, NULL), 0.8);
    assert_pts(share(&m, 3, 10, &gs, NULL), 0.4);
    assert_pts(share(&m, 5, 10, &gs, NULL), 0.6);
    assert_pts(share(&m, 9, 10, &gs, NULL), 1.0);
    assert_pts(share(&m, 2, 10, &gs, NULL), 0.3);
    /* lower flips z: v 7 -> 0.6 - 0.2 = 0.4 */
    m.lower = 1;
    assert_pts(share(&m, 7, 10, &gs, NULL), 0.4);
    assert_pts(share(&m, 3, 10, &gs, NULL), 0.8);
    /* clamping with per_sd 0.5: v 9 -> 0.6 + 1.0 = 1.6 -> 1; v 2 -> 0.6 - 0.75 -> 0 */
    m.lower = 0;
    m.per_sd = 0.5;
    assert_pts(share(&m, 9, 10, &gs, NULL), 1);
    assert_pts(share(&m, 2, 10, &gs, NULL), 0);
    m.lower = 1; /* and the other way round */
    assert_pts(share(&m, 9, 10, &gs, NULL), 0);
    assert_pts(share(&m, 2, 10, &gs, NULL), 1);
    free(gs.sorted);

    /* sd = 0: base, whatever v */
    double eq[] = {3, 3, 3};
    gs = stats(eq, 3);
    m = (pg_method){.kind = PG_M_ZSCORE, .base = 0.6, .per_sd = 0.2};
    assert_pts(share(&m, 3, 10, &gs, NULL), 0.6);
    m.base = 0.75;
    assert_pts(share(&m, 3, 10, &gs, NULL), 0.75);
    free(gs.sorted);
    /* equal values whose sum does not divide back to the value exactly: 29 × 0.8 summed and
     * divided by 29 is 0.8 ± 1 ulp, and the sd of that noise once gave z = ±1 (4.4 or 6.8 of
     * 8 points instead of 5.6); equal values are sd 0 and the base share */
    double same[29];
    for (int i = 0; i < 29; i++) same[i] = 0.8;
    gs = stats(same, 29);
    assert_true(gs.sd == 0);
    pg_method shanwei = {.kind = PG_M_ZSCORE, .base = 0.7, .per_sd = 0.15};
    assert_pts(share(&shanwei, 0.8, 8, &gs, NULL), 0.7);
    free(gs.sorted);
    /* one unit: sd = 0 as well */
    double one[] = {42};
    gs = stats(one, 1);
    assert_pts(share(&m, 42, 10, &gs, NULL), 0.75);
    free(gs.sorted);
}

/* ---- deduct ---- */

static void test_deduct(void **state)
{
    pg_method m = {.kind = PG_M_DEDUCT, .per = 2, .free = 1};
    int capped;
    /* points lost = 2 * max(0, v - 1), out of 10 points; share = 1 - lost / 10 */
    assert_pts(share(&m, 0, 10, NULL, &capped), 1); /* below free: nothing lost */
    assert_int_equal(capped, 0);
    assert_pts(share(&m, 1, 10, NULL, &capped), 1);   /* exactly free: nothing lost */
    assert_pts(share(&m, 3, 10, NULL, &capped), 0.6); /* lost 4: 1 - 0.4 */
    assert_int_equal(capped, 0);
    assert_pts(share(&m, 3.5, 10, NULL, &capped), 0.5); /* lost 5 */
    /* lost exactly the points: 0, and the cap did not change anything */
    assert_pts(share(&m, 6, 10, NULL, &capped), 0);
    assert_int_equal(capped, 0);
    /* lost 2 * 6 = 12 > 10: capped at the points, share 0, flagged */
    assert_pts(share(&m, 7, 10, NULL, &capped), 0);
    assert_int_equal(capped, 1);
    /* free defaults to 0: v = 1 loses 2 of 10 */
    m.free = 0;
    assert_pts(share(&m, 1, 10, NULL, &capped), 0.8);
    assert_int_equal(capped, 0);
}

/* ---- per_event ---- */

static void test_per_event(void **state)
{
    pg_method m = {.kind = PG_M_PER_EVENT, .per = 1.5};
    int capped;
    /* p * v points out of the item's |points| = 6: v 2 -> 3 -> share 0.5 */
    assert_pts(share(&m, 2, 6, NULL, &capped), 0.5);
    assert_int_equal(capped, 0);
    assert_pts(share(&m, 0, 6, NULL, &capped), 0);
    /* v 4 -> 6 points: exactly the cap, not flagged */
    assert_pts(share(&m, 4, 6, NULL, &capped), 1);
    assert_int_equal(capped, 0);
    /* v 5 -> 7.5 points > 6: capped at the item's points, flagged */
    assert_pts(share(&m, 5, 6, NULL, &capped), 1);
    assert_int_equal(capped, 1);
    /* a penalty item (negative points): the share is of |points| (points = share * -6) */
    assert_pts(share(&m, 2, -6, NULL, &capped), 0.5);
    assert_int_equal(capped, 0);
    assert_pts(share(&m, 10, -6, NULL, &capped), 1);
    assert_int_equal(capped, 1);
    /* a negative count counts as none */
    assert_pts(share(&m, -1, 6, NULL, &capped), 0);
}

/* ---- flag ---- */

static void test_flag(void **state)
{
    pg_method m = {.kind = PG_M_FLAG};
    assert_pts(share(&m, 0, 5, NULL, NULL), 0);
    assert_pts(share(&m, 1, 5, NULL, NULL), 1);
    assert_pts(share(&m, 0.5, 5, NULL, NULL), 1); /* any v != 0 */
    assert_pts(share(&m, -2, 5, NULL, NULL), 1);
}

/* ---- group statistics ---- */

static void test_group_stats(void **state)
{
    double v[] = {5, 1, 3};
    pg_group_stats gs = stats(v, 3);
    assert_int_equal(gs.n, 3);
    /* sorted ascending, a copy: the input keeps its order */
    assert_pts(gs.sorted[0], 1);
    assert_pts(gs.sorted[1], 3);
    assert_pts(gs.sorted[2], 5);
    assert_pts(v[0], 5);
    assert_pts(gs.min, 1);
    assert_pts(gs.max, 5);
    assert_pts(gs.mean, 3); /* (5 + 1 + 3) / 3 */
    /* population sd: sqrt((4 + 4 + 0) / 3) */
    assert_pts(gs.sd, sqrt(8.0 / 3.0));
    free(gs.sorted);

    /* negative and repeated values */
    double w[] = {-2, 4, -2, 0};
    gs = stats(w, 4);
    assert_pts(gs.min, -2);
    assert_pts(gs.max, 4);
    assert_pts(gs.mean, 0);              /* 0 / 4 */
    assert_pts(gs.sd, sqrt(24.0 / 4.0)); /* 4 + 16 + 4 + 0 = 24 */
    assert_pts(gs.sorted[0], -2);
    assert_pts(gs.sorted[1], -2);
    free(gs.sorted);

    /* no units with data: n 0, no statistics, but a buffer that can be freed */
    gs = stats(NULL, 0);
    assert_int_equal(gs.n, 0);
    assert_nan(gs.mean);
    assert_nan(gs.min);
    assert_nan(gs.max);
    assert_non_null(gs.sorted);
    free(gs.sorted);
}

static void test_is_relative(void **state)
{
    /* The methods that compare a unit with its group need the group statistics. */
    static const struct {
        pg_method_kind k;
        int relative;
    } cases[] = {{PG_M_LINEAR, 0},    {PG_M_STEPS, 0},  {PG_M_TARGET, 0}, {PG_M_BEST_RATIO, 1},
                 {PG_M_RANK, 1},      {PG_M_MINMAX, 1}, {PG_M_ZSCORE, 1}, {PG_M_DEDUCT, 0},
                 {PG_M_PER_EVENT, 0}, {PG_M_FLAG, 0},   {PG_M_CUSTOM, 1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pg_method m = {.kind = cases[i].k};
        if (pg_method_is_relative(&m) != cases[i].relative)
            fail_msg("%s: relative = %d", pg_method_name(cases[i].k), pg_method_is_relative(&m));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linear_higher),
        cmocka_unit_test(test_linear_lower),
        cmocka_unit_test(test_steps_higher),
        cmocka_unit_test(test_steps_lower),
        cmocka_unit_test(test_target_higher),
        cmocka_unit_test(test_target_lower),
        cmocka_unit_test(test_best_ratio_higher),
        cmocka_unit_test(test_best_ratio_lower),
        cmocka_unit_test(test_group_rank_ties),
        cmocka_unit_test(test_rank_without_shares),
        cmocka_unit_test(test_rank_with_shares),
        cmocka_unit_test(test_minmax),
        cmocka_unit_test(test_zscore),
        cmocka_unit_test(test_deduct),
        cmocka_unit_test(test_per_event),
        cmocka_unit_test(test_flag),
        cmocka_unit_test(test_group_stats),
        cmocka_unit_test(test_is_relative),
    };
    return cmocka_run_group_tests_name("method", tests, NULL, NULL);
}
