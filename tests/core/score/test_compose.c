/* test_compose.c — aggregation operators and what a leaf makes of its value (issue 15 §2–§4),
 * through the real API: fixtures/compose loaded with pg_ruleset_load, values fed with
 * pg_dataset_set, scored with pg_eval, against figures worked out by hand in the comments.
 *
 * fixtures/compose has one tree per operator over the same three leaves a (40 points,
 * weight 2), b (20, weight 1), c (40, weight 1), each scored by value {} so a leaf's share is
 * its value; units:
 *   u1  a 0.5, b 0.8, c 0.2      every child applies
 *   u2  a 0.5, b 0.8             c not applicable: its weight goes to the others
 *   u3  a 0,   b 0.8, c 0.2      a child at zero (geomean and harmonic: 0, the limit)
 *   u4  nothing                  no child applies: the node is dropped, the unit unranked
 *   o1  1, 1, 1                  group "obs", ranked = false: a total, no rank
 * and scheme "lv" the leaf options (transform, na_when, winsor, value { scale }). */
#include "helpers.h"
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const P = "2021-05";

static void feed_ops(const pg_ruleset *rs, pg_dataset *ds)
{
    static const struct {
        const char *unit;
        double a, b, c;
    } rows[] = {
        {"u1", 0.5, 0.8, 0.2},
        {"u2", 0.5, 0.8, NAN},
        {"u3", 0, 0.8, 0.2},
        {"o1", 1, 1, 1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fx_v(rs, ds, P, "ma", rows[i].unit, rows[i].a);
        fx_v(rs, ds, P, "mb", rows[i].unit, rows[i].b);
        if (!isnan(rows[i].c)) fx_v(rs, ds, P, "mc", rows[i].unit, rows[i].c);
    }
}

/* The three units' totals under one operator; u4 unranked (no data), o1 100 and unranked. */
static pg_result *check_op(const pg_ruleset *rs, const pg_dataset *ds, const char *op, double t1,
                           double t2, double t3)
{
    pg_result *res = fx_eval(rs, ds, op, P);
    assert_pts(fx_ur(res, "u1")->raw_total, t1);
    assert_pts(fx_ur(res, "u2")->raw_total, t2);
    assert_pts(fx_ur(res, "u3")->raw_total, t3);
    assert_pts(fx_cell(res, op, "u1")->points, t1);
    /* no child applies to u4: the node is dropped, not scored 0 */
    assert_nan(fx_cell(res, op, "u4")->points);
    assert_int_equal(fx_cell(res, op, "u4")->status, PG_ST_NA);
    assert_false(fx_ur(res, "u4")->ranked);
    assert_string_equal(pg_result_unranked_reason(res, fx_unit(rs, "u4")), "no_data");
    /* the observer: evaluated, a total, never a rank */
    assert_pts(fx_ur(res, "o1")->raw_total, 100);
    assert_pts(fx_ur(res, "o1")->total, 100);
    assert_false(fx_ur(res, "o1")->ranked);
    assert_int_equal(fx_ur(res, "o1")->rank, 0);
    assert_string_equal(pg_result_unranked_reason(res, fx_unit(rs, "o1")), "not_ranked");
    return res;
}

static void test_sum_unchanged(void **state)
{
    (void)state;
    pg_ruleset *rs = fx_load("compose");
    pg_dataset *ds = pg_dataset_new(rs);
    feed_ops(rs, ds);
    /* u1 20 + 16 + 8 = 44; u2 (20 + 16) × 100/60 = 60; u3 0 + 16 + 8 = 24 */
    pg_result *res = check_op(rs, ds, "sum", 44, 60, 24);
    assert_pts(fx_cell(res, "sum_a", "u2")->weight, 100.0 / 60);
    assert_int_equal(fx_ur(res, "u2")->rank, 1);
    assert_int_equal(fx_ur(res, "u1")->rank, 2);
    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

static void test_mean(void **state)
{
    (void)state;
    pg_ruleset *rs = fx_load("compose");
    pg_dataset *ds = pg_dataset_new(rs);
    feed_ops(rs, ds);
    /* u1 (2·0.5 + 0.8 + 0.2) / 4 = 0.5; u2 (2·0.5 + 0.8) / 3 = 0.6; u3 (0 + 0.8 + 0.2) / 4 */
    pg_result *res = check_op(rs, ds, "mean", 50, 60, 25);
    /* linear: each child carries (w/W) × 100 / its max, so lost points add up leaf by leaf:
     * a (2/4)·100/40 = 1.25, b (1/4)·100/20 = 1.25, c (1/4)·100/40 = 0.625 */
    assert_pts(fx_cell(res, "mean_a", "u1")->weight, 1.25);
    assert_pts(fx_cell(res, "mean_b", "u1")->weight, 1.25);
    assert_pts(fx_cell(res, "mean_c", "u1")->weight, 0.625);
    /* lost: a (40 − 20)·1.25 = 25, b (20 − 16)·1.25 = 5, c (40 − 8)·0.625 = 20; 50 in all */
    assert_pts(fx_lost(res, "mean_a", "u1"), 25);
    assert_pts(fx_lost(res, "mean_b", "u1"), 5);
    assert_pts(fx_lost(res, "mean_c", "u1"), 20);
    /* u2: W = 3, a (2/3)·100/40 */
    assert_pts(fx_cell(res, "mean_a", "u2")->weight, 2.0 / 3 * 100 / 40);
    assert_pts(fx_cell(res, "mean_c", "u2")->weight, 0);
    assert_substr(fx_note(res, fx_cell(res, "mean", "u2")->note), "重新归一");
    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

static void test_geomean(void **state)
{
    (void)state;
    pg_ruleset *rs = fx_load("compose");
    pg_dataset *ds = pg_dataset_new(rs);
    feed_ops(rs, ds);
    /* u1 (0.5² · 0.8 · 0.2)^(1/4) = 0.04^(1/4) = √0.2; u2 (0.5² · 0.8)^(1/3) = 0.2^(1/3);
     * u3: a is 0, so the product is 0 */
    pg_result *res = check_op(rs, ds, "geomean", 100 * sqrt(0.2), 100 * cbrt(0.2), 0);
    assert_int_equal(fx_cell(res, "geomean", "u3")->status, PG_ST_OK);
    assert_substr(fx_note(res, fx_cell(res, "geomean", "u3")->note), "几何平均为0");
    /* not linear: the node's loss is its own, its children carry nothing */
    assert_pts(fx_cell(res, "geomean_a", "u1")->weight, 0);
    assert_pts(fx_lost(res, "geomean_a", "u1"), 0);
    assert_pts(fx_lost(res, "geomean", "u1"), 100 - 100 * sqrt(0.2));
    /* ranks: u2 58.48, u1 44.72, u3 0; the observer at 100 takes no rank from them */
    assert_int_equal(fx_ur(res, "u2")->rank, 1);
    assert_int_equal(fx_ur(res, "u1")->rank, 2);
    assert_int_equal(fx_ur(res, "u3")->rank, 3);
    assert_pts(fx_ur(res, "u1")->total, 44.72); /* rounding = 2 */
    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

static void test_harmonic_and_min(void **state)
{
    (void)state;
    pg_ruleset *rs = fx_load("compose");
    pg_dataset *ds = pg_dataset_new(rs);
    feed_ops(rs, ds);
    /* harmonic u1 4 / (2/0.5 + 1/0.8 + 1/0.2) = 4 / 10.25; u2 3 / (4 + 1.25); u3 0 */
    pg_result *res = check_op(rs, ds, "harmonic", 400 / 10.25, 300 / 5.25, 0);
    assert_substr(fx_note(res, fx_cell(res, "harmonic", "u3")->note), "调和平均为0");
    pg_result_free(res);
    /* min u1 0.2, u2 0.5 (c dropped), u3 0 */
    res = check_op(rs, ds, "min", 20, 50, 0);
    assert_pts(fx_cell(res, "min_c", "u1")->weight, 0);
    assert_substr(fx_note(res, fx_cell(res, "min", "u2")->note), "在其余下级指标中取最小值");
    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

/* The trace names the operator and each child's term in its own terms. */
static void test_explain_terms(void **state)
{
    (void)state;
    pg_ruleset *rs = fx_load("compose");
    pg_dataset *ds = pg_dataset_new(rs);
    feed_ops(rs, ds);
    pg_result *res = fx_eval(rs, ds, "geomean", P);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_int_equal(pg_explain_text(res, fx_unit(rs, "u1"), -1, NULL, f), 0);
    fclose(f);
    assert_substr(text, "aggregate = \"geomean\"");
    assert_substr(text, "S = Π s^w = 0.447214");
    /* a: s = 0.5, w = 2/4, s^w = √0.5 = 0.707107 */
    assert_substr(text, "geomean_a：s = 0.5，权重 2，归一 w = 0.5，s^w = 0.707107");
    free(text);
    text = NULL;
    f = open_memstream(&text, &len);
    assert_int_equal(pg_explain_text(res, fx_unit(rs, "o1"), -1, NULL, f), 0);
    fclose(f);
    assert_substr(text, "总分 100.00（未取整 100.000000），不参与排名（本组 ranked = false）");
    free(text);
    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

static void feed_leaves(const pg_ruleset *rs, pg_dataset *ds)
{
    static const struct {
        const char *unit;
        double log, na, sent, w, pct; /* NAN: no row */
    } rows[] = {
        /* clang-format off */
        {"u1", 100,   5,   999, 10,   50},
        {"u2", 75000, -3,  -1,  20,   120},
        {"u3", 50,    99,  5,   30,   0},
        {"u4", 1000,  10,  NAN, 40,   100},
        {"u5", 1e6,   NAN, 0,   1000, 25},
        /* clang-format on */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *u = rows[i].unit;
        fx_v(rs, ds, P, "mlog", u, rows[i].log);
        if (!isnan(rows[i].na)) fx_v(rs, ds, P, "mna", u, rows[i].na);
        if (!isnan(rows[i].sent)) fx_v(rs, ds, P, "msent", u, rows[i].sent);
        fx_v(rs, ds, P, "mw", u, rows[i].w);
        fx_v(rs, ds, P, "mpct", u, rows[i].pct);
    }
}

static void test_leaf_options(void **state)
{
    (void)state;
    pg_ruleset *rs = fx_load("compose");
    pg_dataset *ds = pg_dataset_new(rs);
    feed_leaves(rs, ds);
    pg_result *res = fx_eval(rs, ds, "lv", P);
    /* log goalposts (ln x − ln 100) / (ln 75000 − ln 100): 100 → 0, 75000 → 1, 50 → floor
     * 100 → 0, 1e6 → cap 75000 → 1, 1000 → ln 10 / ln 750 */
    double r = log(10) / log(750);
    assert_pts(fx_cell(res, "lv_log", "u1")->points, 0);
    assert_pts(fx_cell(res, "lv_log", "u2")->points, 10);
    assert_pts(fx_cell(res, "lv_log", "u3")->points, 0);
    assert_pts(fx_cell(res, "lv_log", "u4")->points, 10 * r);
    assert_pts(fx_cell(res, "lv_log", "u5")->points, 10);
    assert_pts(fx_cell(res, "lv_log", "u4")->value, 1000); /* the value as given */
    assert_pts(pg_transform(&rs->nodes[fx_node(rs, "lv_log")], 1000), log(1000));
    /* na_when "value < 0 or value == 99": −3 and 99 drop the leaf; 5 → 0.5, 10 → 1 */
    assert_int_equal(fx_cell(res, "lv_na", "u2")->status, PG_ST_NA);
    assert_int_equal(fx_cell(res, "lv_na", "u3")->status, PG_ST_NA);
    assert_substr(fx_note(res, fx_cell(res, "lv_na", "u2")->note), "na_when value < 0");
    assert_pts(fx_cell(res, "lv_na", "u1")->points, 5);
    /* sentinels { −1, 999 }: dropped; a missing value still follows missing = "zero"; 0 is 0 */
    assert_int_equal(fx_cell(res, "lv_sent", "u1")->status, PG_ST_NA);
    assert_int_equal(fx_cell(res, "lv_sent", "u2")->status, PG_ST_NA);
    assert_int_equal(fx_cell(res, "lv_sent", "u4")->status, PG_ST_MISSING);
    assert_pts(fx_cell(res, "lv_sent", "u5")->points, 0);
    assert_pts(fx_cell(res, "lv_sent", "u3")->points, 5);
    /* winsor p = 0.2 over 5 values: k = 1, so 10 → 20 and 1000 → 40; minmax over 20..40:
     * u1 0, u2 0, u3 0.5, u4 1, u5 1 (without it u4 would get 30/990) */
    assert_pts(fx_cell(res, "lv_win", "u1")->points, 0);
    assert_pts(fx_cell(res, "lv_win", "u3")->points, 5);
    assert_pts(fx_cell(res, "lv_win", "u4")->points, 10);
    assert_pts(fx_cell(res, "lv_win", "u5")->points, 10);
    assert_substr(fx_note(res, fx_cell(res, "lv_win", "u5")->note), "1000按本组上限40计分");
    /* value { scale = 0.01 }: 50 → 0.5, 120 → 1 (capped), 25 → 0.25 */
    assert_pts(fx_cell(res, "lv_pct", "u1")->points, 5);
    assert_pts(fx_cell(res, "lv_pct", "u2")->points, 10);
    assert_true(fx_cell(res, "lv_pct", "u2")->capped);
    assert_pts(fx_cell(res, "lv_pct", "u5")->points, 2.5);
    /* lv: the mean of the leaves that apply, equal weights:
     * u1 (0 + 0.5 + 0 + 0.5) / 4; u2 (1 + 0 + 1) / 3; u3 (0 + 0.5 + 0.5 + 0) / 4;
     * u4 (r + 1 + 0 + 1 + 1) / 5; u5 (1 + 0 + 1 + 0.25) / 4 */
    assert_pts(fx_ur(res, "u1")->raw_total, 25);
    assert_pts(fx_ur(res, "u2")->raw_total, 200.0 / 3);
    assert_pts(fx_ur(res, "u3")->raw_total, 25);
    assert_pts(fx_ur(res, "u4")->raw_total, 100 * (3 + r) / 5);
    assert_pts(fx_ur(res, "u5")->raw_total, 56.25);
    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

/* The arithmetic itself, away from a rule set. */
static void test_functions(void **state)
{
    (void)state;
    double lo, hi;
    double v[] = {5, 1, 4, 2, 3, 100, 0, 6, 7, 8};
    /* 10 values, p = 0.1: k = 1 → bounds are the 2nd lowest (1) and 2nd highest (8) */
    pg_winsor_bounds(v, 10, 0.1, &lo, &hi);
    assert_pts(lo, 1);
    assert_pts(hi, 8);
    /* p = 0.25: k = 2 → 2 and 7 */
    pg_winsor_bounds(v, 10, 0.25, &lo, &hi);
    assert_pts(lo, 2);
    assert_pts(hi, 7);
    /* p = 0.05 of 20 values: k = 1, not 0 (0.05 × 20 = 1.0000000000000002 or 0.99…) */
    double w[20];
    for (int i = 0; i < 20; i++) w[i] = i;
    pg_winsor_bounds(w, 20, 0.05, &lo, &hi);
    assert_pts(lo, 1);
    assert_pts(hi, 18);
    /* one value: nothing to clip */
    pg_winsor_bounds(v, 1, 0.4, &lo, &hi);
    assert_pts(lo, 5);
    assert_pts(hi, 5);

    pg_method m = {.kind = PG_M_VALUE, .scale = 1};
    int capped = 0;
    assert_pts(pg_method_share(&m, 0.37, 10, NULL, &capped), 0.37);
    assert_false(capped);
    assert_pts(pg_method_share(&m, -0.5, 10, NULL, &capped), 0);
    assert_true(capped);
    m.scale = 0.01;
    capped = 0;
    assert_pts(pg_method_share(&m, 63, 10, NULL, &capped), 0.63);

    pg_node n = {.has_transform = 1,
                 .tf_log = 1,
                 .tf_floor = 100,
                 .tf_cap = 75000,
                 .method = {.kind = PG_M_LINEAR, .lo = 100, .hi = 75000}};
    pg_method t;
    assert_int_equal(pg_method_transformed(&n, &t), 0);
    assert_pts(t.lo, log(100));
    assert_pts(t.hi, log(75000));
    /* HDI-style income: (ln 20000 − ln 100) / (ln 75000 − ln 100) */
    capped = 0;
    assert_pts(pg_method_share(&t, pg_transform(&n, 20000), 1, NULL, &capped),
               (log(20000) - log(100)) / (log(75000) - log(100)));
    assert_pts(pg_transform(&n, 10), log(100));
    assert_pts(pg_transform(&n, 1e9), log(75000));
    /* a cap without log: the value clamped, no logarithm */
    pg_node c = {.has_transform = 1, .tf_floor = NAN, .tf_cap = 5};
    assert_pts(pg_transform(&c, 7), 5);
    assert_pts(pg_transform(&c, -7), -7);
    /* sentinels */
    double s[] = {-1, 999};
    pg_node na = {.na_values = s, .nna_values = 2};
    assert_true(pg_na_when(&na, 999));
    assert_false(pg_na_when(&na, 998));
}

/* sensitivity draws a geomean node's children's weights (test_sens_ops.c checks the numbers):
 * at nominal weights it reproduces the evaluation; a sum tree with a ranked = false group keeps that group unranked in every
 * draw (the nominal check compares it with the evaluation, total and no rank). analyze gives
 * no nominal or effective weight below an operator. */
static void test_sensitivity_and_analyze(void **state)
{
    (void)state;
    pg_ruleset *rs = fx_load("compose");
    pg_dataset *ds = pg_dataset_new(rs);
    feed_ops(rs, ds);
    pg_result *res = fx_eval(rs, ds, "geomean", P);
    pg_diags d = {0};
    pg_sens *sv = NULL;
    pg_sens_opts o = {.draws = 50, .spread = 0.2, .seed = 7, .threads = 1};
    assert_int_equal(pg_sens_run(res, &o, &sv, &d), 0);
    assert_int_equal(sv->nweights, 3);
    assert_int_equal(sv->weights[0].basis, PG_SENS_WEIGHT);
    assert_true(sv->weights[0].nominal == 2);
    pg_sens_free(sv);
    sv = NULL;
    pg_diags_free(&d);
    pg_analysis *an = NULL;
    assert_int_equal(pg_analyze_results(&res, 1, &an, &d), 0);
    int seen = 0;
    for (int i = 0; i < an->nind; i++) {
        if (an->ind[i].node != fx_node(rs, "geomean_a")) continue;
        seen++;
        assert_nan(an->ind[i].nominal);
        assert_nan(an->ind[i].effective);
    }
    assert_true(seen > 0);
    pg_analysis_free(an);
    pg_result_free(res);

    res = fx_eval(rs, ds, "sum", P);
    assert_int_equal(pg_sens_run(res, &o, &sv, &d), 0);
    int o1 = fx_unit(rs, "o1");
    assert_false(sv->units[o1].ranked);
    assert_int_equal(sv->units[o1].draws_ranked, 0);
    assert_true(sv->units[fx_unit(rs, "u1")].ranked);
    double totals[8];
    int ranks[8];
    assert_true(rs->nunits <= 8);
    assert_int_equal(pg_sens_reaggregate(res, NULL, totals, ranks, NULL, &d), 0);
    assert_pts(totals[o1], 100);
    assert_int_equal(ranks[o1], 0);
    pg_sens_free(sv);
    pg_diags_free(&d);
    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sum_unchanged), cmocka_unit_test(test_mean),
        cmocka_unit_test(test_geomean),       cmocka_unit_test(test_harmonic_and_min),
        cmocka_unit_test(test_explain_terms), cmocka_unit_test(test_leaf_options),
        cmocka_unit_test(test_functions),     cmocka_unit_test(test_sensitivity_and_analyze),
    };
    return cmocka_run_group_tests_name("compose", tests, NULL, NULL);
}
