/* test_eval.c — evaluation through the real API: fixture rule sets (tests/core/score/fixtures/)
 * loaded with pg_ruleset_load, values fed with pg_dataset_set, scored with pg_eval.
 *
 * What is covered, fixture by fixture:
 *   missing/    every missing-data policy (zero, not_applicable, carry_forward found and not
 *               found within carry_limit, no_business, not_submitted), min_n and n = 0, the
 *               rescaling of dropped siblings (×5/4 here) and of a dropped part in the scheme
 *   rollup/     roll-up across two groups with different points, an indicator that applies to
 *               one group only (status off), nested rescaling and the weights that carry a
 *               leaf's lost points to its part, best_ratio computed within each group
 *   adjust/     bonus/penalty items and their caps, the adjust node's [-minus, +plus] clamp,
 *               a veto item, deduct with free and cap, clamping of the total to [0, max]
 *   composite/  the default weighted sum with a dropped part, a custom Lua composite (and
 *               one that fails), the scheme of schemes (mean of April..June × 0.4 + year × 0.6)
 *   custom/     a custom Lua method: what reaches it (value, group table, unit, period,
 *               params), and four ways it can fail, each marking only that unit's row
 * plus pg_eval's refusals (period of the wrong kind or year, no data).
 *
 * Every expected figure is worked out by hand from the rule in the comment next to it. */
#include "helpers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------- */
/* missing/: part p = five 20-point leaves (linear 0..1, so 20 × v points), weight 0.8;      */
/* part q = one 100-point leaf q1 (no_business), weight 0.2. Total = 0.8 p + 0.2 q.          */

static void feed_missing(const pg_ruleset *rs, pg_dataset *ds)
{
    const char *P = "2021-05";
    /* Values of m1..m6 (NAN: no row) and the n given with m5 (min_n 30 on l_nosub). */
    static const struct {
        const char *unit;
        double m[6], n5;
    } rows[] = {
        /* clang-format off */
        /* unit          m1    m2   m3   m4   m5   m6    n of m5 */
        {"full",       {1,    1,   1,   1,   1,   1},   50},
        {"zero",       {NAN,  0.5, 1,   1,   1,   1},   50},
        {"na",         {0.5,  NAN, 1,   1,   1,   0.5}, 50},
        {"carry_ok",   {1,    1,   NAN, 1,   1,   1},   50},
        {"carry_none", {1,    1,   NAN, 1,   1,   1},   50},
        {"nobiz",      {0.75, 1,   1,   NAN, 1,   1},   50},
        {"nosub",      {1,    1,   1,   1,   NAN, 0.5}, 50},
        {"small_n",    {1,    1,   1,   1,   1,   1},   10},
        {"n_ok",       {1,    1,   1,   1,   0.5, 1},   30},
        {"n_zero",     {1,    1,   1,   1,   1,   0},   50},
        {"q_gone",     {0.5,  1,   1,   1,   1,   NAN}, 50},
        /* clang-format on */
    };
    static const char *const metrics[6] = {"m1", "m2", "m3", "m4", "m5", "m6"};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        for (int k = 0; k < 6; k++) {
            if (isnan(rows[i].m[k])) continue;
            double n = k == 4 ? rows[i].n5 : NAN;
            /* n_zero's m1 comes with a sample size of 0, which makes it missing */
            if (k == 0 && strcmp(rows[i].unit, "n_zero") == 0) n = 0;
            fx_set(rs, ds, P, metrics[k], rows[i].unit, rows[i].m[k], n);
        }
    /* carry_ok has m3 two months back (within carry_limit = 2); carry_none only three
     * months back, beyond it. */
    fx_v(rs, ds, "2021-03", "m3", "carry_ok", 0.25);
    fx_v(rs, ds, "2021-02", "m3", "carry_none", 0.9);
}

static void test_missing_policies(void **state)
{
    pg_ruleset *rs = fx_load("missing");
    pg_dataset *ds = pg_dataset_new(rs);
    feed_missing(rs, ds);
    pg_result *res = fx_eval(rs, ds, "monthly", "2021-05");

    /* full: every leaf 20, p = 100, q = 100; total 0.8 × 100 + 0.2 × 100 = 100 */
    assert_int_equal(fx_cell(res, "l_zero", "full")->status, PG_ST_OK);
    assert_pts(fx_cell(res, "p", "full")->points, 100);
    assert_pts(fx_ur(res, "full")->total, 100);

    /* zero (the rule set's default policy, l_zero names none): 0 points, status missing;
     * p = 0 + 10 + 20 + 20 + 20 = 70, nothing rescaled; total 0.8 × 70 + 20 = 76 */
    const pg_cell *c = fx_cell(res, "l_zero", "zero");
    assert_int_equal(c->status, PG_ST_MISSING);
    assert_pts(c->points, 0);
    assert_pts(c->max, 20);
    assert_pts(c->weight, 1);
    assert_substr(fx_note(res, c->note), "无数据");
    assert_pts(fx_cell(res, "p", "zero")->points, 70);
    assert_pts(fx_ur(res, "zero")->total, 76);

    /* not_applicable: dropped (points NaN, weight 0); the other four leaves scale by
     * 100 / 80 = 1.25: p = (10 + 20 + 20 + 20) × 1.25 = 87.5; q = 100 × 0.5 = 50;
     * total 0.8 × 87.5 + 0.2 × 50 = 70 + 10 = 80 */
    c = fx_cell(res, "l_na", "na");
    assert_int_equal(c->status, PG_ST_NA);
    assert_nan(c->points);
    assert_pts(c->weight, 0);
    assert_pts(fx_cell(res, "l_zero", "na")->weight, 1.25);
    assert_pts(fx_cell(res, "p", "na")->points, 87.5);
    assert_pts(fx_ur(res, "na")->total, 80);
    /* lost points explain the part leaf by leaf: l_zero lost (20 - 10) × 1.25 = 12.5,
     * the dropped leaf nothing, and 12.5 is what p lost (100 - 87.5) */
    assert_pts(fx_lost(res, "l_zero", "na"), 12.5);
    assert_pts(fx_lost(res, "l_na", "na"), 0);
    assert_pts(fx_lost(res, "l_carry", "na"), 0);
    assert_pts(fx_lost(res, "p", "na"), 12.5);

    /* carry_forward, found two months back: value 0.25 from 2021-03, 5 points;
     * p = 20 + 20 + 5 + 20 + 20 = 85; total 0.8 × 85 + 20 = 88 */
    c = fx_cell(res, "l_carry", "carry_ok");
    assert_int_equal(c->status, PG_ST_CARRIED);
    assert_int_equal(c->carried_from, 202103);
    assert_pts(c->value, 0.25);
    assert_pts(c->points, 5);
    assert_substr(fx_note(res, c->note), "2021-03");
    assert_pts(fx_ur(res, "carry_none")->total, 84);
    assert_pts(fx_ur(res, "carry_ok")->total, 88);

    /* carry_forward, only three months back (carry_limit 2): nothing to carry, 0 points,
     * status missing; p = 80; total 0.8 × 80 + 20 = 84 */
    c = fx_cell(res, "l_carry", "carry_none");
    assert_int_equal(c->status, PG_ST_MISSING);
    assert_pts(c->points, 0);
    assert_pts(fx_cell(res, "p", "carry_none")->points, 80);

    /* no_business: dropped like not_applicable, with its own status;
     * p = (15 + 20 + 20 + 20) × 1.25 = 93.75; total 0.8 × 93.75 + 20 = 75 + 20 = 95 */
    c = fx_cell(res, "l_nobiz", "nobiz");
    assert_int_equal(c->status, PG_ST_NO_BUSINESS);
    assert_nan(c->points);
    assert_pts(c->weight, 0);
    assert_pts(fx_cell(res, "l_zero", "nobiz")->weight, 1.25);
    assert_pts(fx_cell(res, "p", "nobiz")->points, 93.75);
    assert_pts(fx_ur(res, "nobiz")->total, 95);

    /* not_submitted: 0 points, its own status and note; p = 80, q = 50;
     * total 0.8 × 80 + 0.2 × 50 = 64 + 10 = 74 */
    c = fx_cell(res, "l_nosub", "nosub");
    assert_int_equal(c->status, PG_ST_NOT_SUBMITTED);
    assert_pts(c->points, 0);
    assert_substr(fx_note(res, c->note), "未报送");
    assert_pts(fx_ur(res, "nosub")->total, 74);

    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

static void test_min_n_and_n_zero(void **state)
{
    pg_ruleset *rs = fx_load("missing");
    pg_dataset *ds = pg_dataset_new(rs);
    feed_missing(rs, ds);
    pg_result *res = fx_eval(rs, ds, "monthly", "2021-05");

    /* small_n: m5 = 1 with n = 10, below min_n = 30: counts as missing, so l_nosub's policy
     * applies (not_submitted, 0 points); the value and n are still shown.
     * p = 80; total 0.8 × 80 + 20 = 84 */
    const pg_cell *c = fx_cell(res, "l_nosub", "small_n");
    assert_int_equal(c->status, PG_ST_NOT_SUBMITTED);
    assert_pts(c->points, 0);
    assert_pts(c->value, 1);
    assert_pts(c->n, 10);
    assert_substr(fx_note(res, c->note), "样本量");
    assert_pts(fx_ur(res, "small_n")->total, 84);

    /* n_ok: n = 30 is not below min_n 30: scored, 0.5 × 20 = 10;
     * p = 90; total 0.8 × 90 + 20 = 92 */
    c = fx_cell(res, "l_nosub", "n_ok");
    assert_int_equal(c->status, PG_ST_OK);
    assert_pts(c->points, 10);
    assert_pts(fx_ur(res, "n_ok")->total, 92);

    /* n_zero: m1 = 1 with n = 0 is missing (policy zero); p = 80; m6 = 0 gives q = 0;
     * total 0.8 × 80 + 0.2 × 0 = 64 */
    c = fx_cell(res, "l_zero", "n_zero");
    assert_int_equal(c->status, PG_ST_MISSING);
    assert_pts(c->points, 0);
    assert_pts(fx_ur(res, "n_zero")->total, 64);
    /* q1 with value 0 and no n is a real 0, not missing */
    assert_int_equal(fx_cell(res, "q1", "n_zero")->status, PG_ST_OK);

    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

static void test_dropped_part_rescales_scheme(void **state)
{
    pg_ruleset *rs = fx_load("missing");
    pg_dataset *ds = pg_dataset_new(rs);
    feed_missing(rs, ds);
    pg_result *res = fx_eval(rs, ds, "monthly", "2021-05");

    /* q_gone has no m6: q1 has no business, and as q's only child drops q with it (status
     * no_business, part NaN). p = 10 + 80 = 90; the remaining weight 0.8 is scaled up to 1:
     * total = 0.8 × 90 × (100 / 80) = 90 */
    assert_int_equal(fx_cell(res, "q1", "q_gone")->status, PG_ST_NO_BUSINESS);
    const pg_cell *q = fx_cell(res, "q", "q_gone");
    assert_int_equal(q->status, PG_ST_NO_BUSINESS);
    assert_nan(q->points);
    assert_nan(fx_partv(res, "q_gone", "q"));
    assert_pts(fx_partv(res, "q_gone", "p"), 90);
    const pg_unit_result *ur = fx_ur(res, "q_gone");
    assert_true(ur->ranked);
    assert_pts(ur->total, 90);
    assert_substr(fx_note(res, ur->note), "按比例");

    /* Ranks over the whole result (competition, one group): 100 full, 95 nobiz, 92 n_ok,
     * 90 q_gone, 88 carry_ok, 84 carry_none and small_n (tied), 80 na, 76 zero, 74 nosub,
     * 64 n_zero */
    assert_int_equal(fx_ur(res, "full")->rank, 1);
    assert_int_equal(fx_ur(res, "q_gone")->rank, 4);
    assert_int_equal(fx_ur(res, "carry_none")->rank, 6);
    assert_int_equal(fx_ur(res, "small_n")->rank, 6);
    assert_int_equal(fx_ur(res, "na")->rank, 8);
    assert_int_equal(fx_ur(res, "n_zero")->rank, 11);
    /* April has no data at all, so there is nothing to compare with */
    assert_int_equal(res->has_prev, 0);
    assert_int_equal(fx_ur(res, "full")->prev_rank, 0);
    assert_nan(fx_ur(res, "full")->prev_total);

    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

static void test_carry_forward_across_year(void **state)
{
    /* January's previous period is December of the year before; carry_forward looks there
     * (the "latest earlier period"). carry_ok: m3 = 0.5 in 2020-12 -> 10 points;
     * p = 20 + 20 + 10 + 20 + 20 = 90, q = 100; total 0.8 × 90 + 20 = 92 */
    pg_ruleset *rs = fx_load("missing");
    pg_dataset *ds = pg_dataset_new(rs);
    fx_v(rs, ds, "2020-12", "m3", "carry_ok", 0.5);
    static const char *const others[] = {"m1", "m2", "m4", "m6"};
    for (int k = 0; k < 4; k++) fx_v(rs, ds, "2021-01", others[k], "carry_ok", 1);
    fx_set(rs, ds, "2021-01", "m5", "carry_ok", 1, 50);
    pg_result *res = fx_eval(rs, ds, "monthly", "2021-01");
    const pg_cell *c = fx_cell(res, "l_carry", "carry_ok");
    assert_int_equal(c->status, PG_ST_CARRIED);
    assert_int_equal(c->carried_from, 202012);
    assert_pts(c->points, 10);
    assert_pts(fx_ur(res, "carry_ok")->total, 92);
    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

/* ---------------------------------------------------------------------------------------- */
/* rollup/                                                                                  */

static void feed_rollup(const pg_ruleset *rs, pg_dataset *ds)
{
    const char *P = "2021-05";
    fx_v(rs, ds, P, "ms2", "d1", 0.5); /* d1 has no ms1: s1 is not applicable */
    fx_v(rs, ds, P, "mt", "d1", 4);
    fx_v(rs, ds, P, "ms1", "d2", 1);
    fx_v(rs, ds, P, "ms2", "d2", 1);
    fx_v(rs, ds, P, "mt", "d2", 2);
    fx_v(rs, ds, P, "ms1", "c1", 0.2);
    fx_v(rs, ds, P, "ms2", "c1", 0.8);
    fx_v(rs, ds, P, "mt", "c1", 8);
    fx_v(rs, ds, P, "mw", "c1", 1);
    fx_v(rs, ds, P, "ms1", "c2", 1);
    fx_v(rs, ds, P, "ms2", "c2", 1);
    fx_v(rs, ds, P, "mt", "c2", 4);
    fx_v(rs, ds, P, "mw", "c2", 0);
}

static void test_rollup_groups_and_rescaling(void **state)
{
    pg_ruleset *rs = fx_load("rollup");
    pg_dataset *ds = pg_dataset_new(rs);
    feed_rollup(rs, ds);
    pg_result *res = fx_eval(rs, ds, "monthly", "2021-05");

    /* d1: s1 dropped, s2 = 45 × 0.5 = 22.5, rescaled within s by 60 / 45 = 4/3: s = 30.
     * t: best_ratio against the best of the dept group, max(4, 2) = 4: 4 / 4 × 40 = 40.
     * w does not apply to dept (off). p = 30 + 40 = 70. */
    assert_pts(fx_cell(res, "s2", "d1")->points, 22.5);
    assert_pts(fx_cell(res, "s", "d1")->points, 30);
    assert_pts(fx_cell(res, "t", "d1")->points, 40);
    assert_pts(fx_cell(res, "t", "d1")->max, 40);
    assert_pts(fx_cell(res, "p", "d1")->points, 70);
    assert_pts(fx_ur(res, "d1")->total, 70);
    const pg_cell *w = fx_cell(res, "w", "d1");
    assert_int_equal(w->status, PG_ST_OFF);
    assert_nan(w->points);
    assert_nan(w->max);
    /* weights multiply down the tree: s2 carries s's 4/3 times p's 1 */
    assert_pts(fx_cell(res, "s2", "d1")->weight, 4.0 / 3.0);
    assert_pts(fx_cell(res, "s", "d1")->weight, 1);
    assert_pts(fx_cell(res, "s1", "d1")->weight, 0);
    /* lost points on p's scale: s2 (45 - 22.5) × 4/3 = 30 = what s lost (60 - 30) = what
     * the unit lost (100 - 70); off and dropped nodes lose nothing */
    assert_pts(fx_lost(res, "s2", "d1"), 30);
    assert_pts(fx_lost(res, "s", "d1"), 30);
    assert_pts(fx_lost(res, "t", "d1"), 0);
    assert_pts(fx_lost(res, "w", "d1"), 0);
    assert_pts(fx_lost(res, "s1", "d1"), 0);

    /* d2: s = 60; t = 2 / 4 × 40 = 20; p = 80 */
    assert_pts(fx_cell(res, "t", "d2")->points, 20);
    assert_pts(fx_ur(res, "d2")->total, 80);

    /* c1 (county, t worth 20, w applies): s1 = 15 × 0.2 = 3, s2 = 45 × 0.8 = 36, s = 39;
     * t: the county best is max(8, 4) = 8 -> 8 / 8 × 20 = 20 (not compared with dept);
     * w: flag 1 -> 20. p = 39 + 20 + 20 = 79 */
    assert_pts(fx_cell(res, "s", "c1")->points, 39);
    assert_pts(fx_cell(res, "t", "c1")->max, 20);
    assert_pts(fx_cell(res, "t", "c1")->points, 20);
    assert_pts(fx_cell(res, "w", "c1")->points, 20);
    assert_int_equal(fx_cell(res, "w", "c1")->status, PG_ST_OK);
    assert_pts(fx_ur(res, "c1")->total, 79);

    /* c2: s = 60; t = 4 / 8 × 20 = 10 (with dept's best, 4, it would be 20); w = 0; p = 70 */
    assert_pts(fx_cell(res, "t", "c2")->points, 10);
    assert_pts(fx_cell(res, "w", "c2")->points, 0);
    assert_pts(fx_ur(res, "c2")->total, 70);
    assert_pts(fx_lost(res, "w", "c2"), 20);

    /* each group is ranked on its own: d2 1, d1 2; c1 1, c2 2 (d1 and c2 both have 70) */
    assert_int_equal(fx_ur(res, "d2")->rank, 1);
    assert_int_equal(fx_ur(res, "d1")->rank, 2);
    assert_int_equal(fx_ur(res, "c1")->rank, 1);
    assert_int_equal(fx_ur(res, "c2")->rank, 2);

    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

/* ---------------------------------------------------------------------------------------- */
/* adjust/: base (100) = b_lin (80 × v) + b_ded (20 - 5 per event over 1); bonus: b1 (+2,  */
/* 1 each), b2 (+4, 1 each), p1 (-5, 2.5 each), p2 (-8, 1 each), v (veto, total 30);       */
/* node clamped to [-10, +5]; total clamped to [0, 100].                                    */

static void feed_adjust(const pg_ruleset *rs, pg_dataset *ds)
{
    const char *Y = "2021";
    fx_v(rs, ds, Y, "mbase", "u1", 0.9);
    fx_v(rs, ds, Y, "mded", "u1", 2);
    fx_v(rs, ds, Y, "mb1", "u1", 3);
    fx_v(rs, ds, Y, "mb2", "u1", 4);

    fx_v(rs, ds, Y, "mbase", "u2", 1);
    fx_v(rs, ds, Y, "mded", "u2", 0);
    fx_v(rs, ds, Y, "mp1", "u2", 1);
    fx_v(rs, ds, Y, "mp2", "u2", 10);

    fx_v(rs, ds, Y, "mbase", "u3", 1);
    fx_v(rs, ds, Y, "mded", "u3", 1);
    fx_v(rs, ds, Y, "mb1", "u3", 1);

    fx_v(rs, ds, Y, "mbase", "u4", 0.9);
    fx_v(rs, ds, Y, "mded", "u4", 2);
    fx_v(rs, ds, Y, "mv", "u4", 1);

    fx_v(rs, ds, Y, "mbase", "u5", 0.5);
    fx_v(rs, ds, Y, "mded", "u5", 6);

    fx_v(rs, ds, Y, "mbase", "u6", 0.1);
    fx_v(rs, ds, Y, "mded", "u6", 5);
    fx_v(rs, ds, Y, "mp1", "u6", 1);
    fx_v(rs, ds, Y, "mp2", "u6", 8);
    fx_v(rs, ds, Y, "mv", "u6", 0);
}

static void test_adjust_caps(void **state)
{
    pg_ruleset *rs = fx_load("adjust");
    pg_dataset *ds = pg_dataset_new(rs);
    feed_adjust(rs, ds);
    pg_result *res = fx_eval(rs, ds, "ye", "2021");

    /* u1: b_lin 80 × 0.9 = 72; b_ded loses 5 × (2 - 1) = 5 -> 15; base 87.
     * b1: 3 events × 1 = 3 > 2: capped at 2 (flagged). b2: 4 × 1 = 4, exactly its cap, not
     * flagged. Bonus sum 6 > plus 5: the node is clamped to 5 (flagged).
     * total = 87 + 5 = 92 */
    assert_pts(fx_cell(res, "b_ded", "u1")->points, 15);
    assert_pts(fx_cell(res, "base", "u1")->points, 87);
    const pg_cell *c = fx_cell(res, "b1", "u1");
    assert_pts(c->points, 2);
    assert_int_equal(c->capped, 1);
    c = fx_cell(res, "b2", "u1");
    assert_pts(c->points, 4);
    assert_int_equal(c->capped, 0);
    c = fx_cell(res, "bonus", "u1");
    assert_pts(c->points, 5);
    assert_int_equal(c->capped, 1);
    assert_pts(fx_partv(res, "u1", "bonus"), 5);
    assert_pts(fx_ur(res, "u1")->total, 92);
    assert_int_equal(fx_ur(res, "u1")->clamped, 0);
    /* the adjust node never counts as lost points */
    assert_pts(fx_lost(res, "bonus", "u1"), 0);

    /* u2: base 80 + 20 = 100. p1: 1 × 2.5 = 2.5 of 5 -> -2.5. p2: 10 × 1 = 10 > 8: capped
     * at -8 (flagged). Sum -10.5 < -minus: clamped to -10. total = 100 - 10 = 90 */
    c = fx_cell(res, "p1", "u2");
    assert_pts(c->points, -2.5);
    assert_int_equal(c->capped, 0);
    c = fx_cell(res, "p2", "u2");
    assert_pts(c->points, -8);
    assert_int_equal(c->capped, 1);
    c = fx_cell(res, "bonus", "u2");
    assert_pts(c->points, -10);
    assert_int_equal(c->capped, 1);
    assert_pts(fx_ur(res, "u2")->total, 90);
    /* on penalty items the penalty taken is the loss: 2.5 and 8; the node loses nothing */
    assert_pts(fx_lost(res, "p1", "u2"), 2.5);
    assert_pts(fx_lost(res, "p2", "u2"), 8);
    assert_pts(fx_lost(res, "bonus", "u2"), 0);
    assert_pts(fx_lost(res, "b_lin", "u2"), 0);

    /* u5: base 40 + b_ded: 5 × (6 - 1) = 25 lost > 20: 0 points, capped (flagged);
     * base 40. No bonus data at all: every item counts 0 (status missing), the node 0,
     * unclamped. total 40 */
    c = fx_cell(res, "b_ded", "u5");
    assert_pts(c->points, 0);
    assert_int_equal(c->capped, 1);
    assert_true(c->note >= 0);
    c = fx_cell(res, "b1", "u5");
    assert_int_equal(c->status, PG_ST_MISSING);
    assert_pts(c->points, 0);
    assert_int_equal(fx_cell(res, "v", "u5")->status, PG_ST_MISSING);
    c = fx_cell(res, "bonus", "u5");
    assert_pts(c->points, 0);
    assert_int_equal(c->capped, 0);
    assert_pts(fx_ur(res, "u5")->total, 40);
    assert_int_equal(fx_ur(res, "u5")->veto_node, -1);
    /* lost points: b_lin 80 - 40 = 40, b_ded 20 - 0 = 20, together the 60 that u5 lost
     * (100 - 40). Not earning a bonus is no loss (score.h: on a bonus/penalty item only the
     * penalty taken counts): b1 and b2 lose nothing, nor does a penalty item with nothing
     * to deduct, nor the adjust node itself. */
    assert_pts(fx_lost(res, "b_lin", "u5"), 40);
    assert_pts(fx_lost(res, "b_ded", "u5"), 20);
    assert_pts(fx_lost(res, "b1", "u5"), 0);
    assert_pts(fx_lost(res, "b2", "u5"), 0);
    assert_pts(fx_lost(res, "p1", "u5"), 0);
    assert_pts(fx_lost(res, "v", "u5"), 0);
    assert_pts(fx_lost(res, "bonus", "u5"), 0);

    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

static void test_veto_and_total_clamp(void **state)
{
    pg_ruleset *rs = fx_load("adjust");
    pg_dataset *ds = pg_dataset_new(rs);
    feed_adjust(rs, ds);
    pg_result *res = fx_eval(rs, ds, "ye", "2021");

    /* u3: base 80 + 20 (1 event is within free = 1, nothing lost) = 100; b1 +1;
     * 101 > max 100: clamped to 100 and marked */
    assert_pts(fx_cell(res, "b_ded", "u3")->points, 20);
    const pg_unit_result *ur = fx_ur(res, "u3");
    assert_pts(ur->total, 100);
    assert_pts(ur->raw_total, 100);
    assert_int_equal(ur->clamped, 1);

    /* u4: base 87, but the veto item's metric is non-zero: the total is fixed at the veto
     * score, 30, and the unit remembers which item did it */
    ur = fx_ur(res, "u4");
    assert_pts(ur->total, 30);
    assert_int_equal(ur->veto_node, fx_node(rs, "v"));
    assert_true(ur->ranked);
    const pg_cell *c = fx_cell(res, "v", "u4");
    assert_int_equal(c->status, PG_ST_VETO);
    assert_pts(c->points, 0);
    assert_substr(fx_note(res, c->note), "否决");

    /* u6: b_lin 8; b_ded loses 5 × (5 - 1) = 20, exactly its points: 0, not flagged;
     * p1 -2.5, p2 8 × 1 = 8 = its cap: -8, not flagged; sum -10.5 -> -10.
     * 8 - 10 = -2 < 0: clamped to 0. mv = 0 does not trigger the veto. */
    c = fx_cell(res, "b_ded", "u6");
    assert_pts(c->points, 0);
    assert_int_equal(c->capped, 0);
    c = fx_cell(res, "p2", "u6");
    assert_pts(c->points, -8);
    assert_int_equal(c->capped, 0);
    assert_int_equal(fx_cell(res, "v", "u6")->status, PG_ST_OK);
    ur = fx_ur(res, "u6");
    assert_int_equal(ur->veto_node, -1);
    assert_pts(ur->total, 0);
    assert_int_equal(ur->clamped, 1);
    assert_true(ur->ranked);

    /* ranks: u3 100, u1 92, u2 90, u5 40, u4 30, u6 0 */
    assert_int_equal(fx_ur(res, "u3")->rank, 1);
    assert_int_equal(fx_ur(res, "u1")->rank, 2);
    assert_int_equal(fx_ur(res, "u2")->rank, 3);
    assert_int_equal(fx_ur(res, "u5")->rank, 4);
    assert_int_equal(fx_ur(res, "u4")->rank, 5);
    assert_int_equal(fx_ur(res, "u6")->rank, 6);

    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

/* ---------------------------------------------------------------------------------------- */
/* composite/: every leaf is a 100-point part scoring 100 × v; all policies not_applicable.  */

static void feed_composite(const pg_ruleset *rs, pg_dataset *ds)
{
    /* u1: a = b every month: March 10, April 80, May 90, June 70, July 10; year c = 0.5 */
    static const char *const months[] = {"2021-03", "2021-04", "2021-05", "2021-06", "2021-07"};
    static const double u1[] = {0.1, 0.8, 0.9, 0.7, 0.1};
    for (int i = 0; i < 5; i++) {
        fx_v(rs, ds, months[i], "ma", "u1", u1[i]);
        fx_v(rs, ds, months[i], "mb", "u1", u1[i]);
    }
    fx_v(rs, ds, "2021", "mc", "u1", 0.5);
    /* u2: March and July 0.1; April a 0.5, b 1; no data in May; June 0.8; year 0.9 */
    fx_v(rs, ds, "2021-03", "ma", "u2", 0.1);
    fx_v(rs, ds, "2021-03", "mb", "u2", 0.1);
    fx_v(rs, ds, "2021-04", "ma", "u2", 0.5);
    fx_v(rs, ds, "2021-04", "mb", "u2", 1);
    fx_v(rs, ds, "2021-06", "ma", "u2", 0.8);
    fx_v(rs, ds, "2021-06", "mb", "u2", 0.8);
    fx_v(rs, ds, "2021-07", "ma", "u2", 0.1);
    fx_v(rs, ds, "2021-07", "mb", "u2", 0.1);
    fx_v(rs, ds, "2021", "mc", "u2", 0.9);
    /* u3: only a, in April (0.5), May (0.6) and June (0.7); no year data */
    fx_v(rs, ds, "2021-04", "ma", "u3", 0.5);
    fx_v(rs, ds, "2021-05", "ma", "u3", 0.6);
    fx_v(rs, ds, "2021-06", "ma", "u3", 0.7);
    /* u4: April only, a = b = 1 */
    fx_v(rs, ds, "2021-04", "ma", "u4", 1);
    fx_v(rs, ds, "2021-04", "mb", "u4", 1);
}

static void test_weighted_sum_and_dropped_part(void **state)
{
    pg_ruleset *rs = fx_load("composite");
    pg_dataset *ds = pg_dataset_new(rs);
    feed_composite(rs, ds);
    pg_result *res = fx_eval(rs, ds, "monthly", "2021-04");
    /* u2: 0.8 × 50 + 0.2 × 100 = 40 + 20 = 60 */
    assert_pts(fx_partv(res, "u2", "pa"), 50);
    assert_pts(fx_partv(res, "u2", "pb"), 100);
    assert_pts(fx_ur(res, "u2")->total, 60);
    /* u3: pb dropped; 0.8 × 50 scaled by (0.8 × 100 + 0.2 × 100) / (0.8 × 100) = 1.25:
     * 40 × 1.25 = 50 */
    assert_nan(fx_partv(res, "u3", "pb"));
    assert_pts(fx_ur(res, "u3")->total, 50);
    assert_true(fx_ur(res, "u3")->note >= 0);
    pg_result_free(res);

    /* May: u2 has no data, everything is not applicable: the whole scheme is dropped, so
     * u2 has no total and no rank; u4 likewise */
    res = fx_eval(rs, ds, "monthly", "2021-05");
    const pg_unit_result *ur = fx_ur(res, "u2");
    assert_false(ur->ranked);
    assert_int_equal(ur->rank, 0);
    assert_nan(ur->total);
    assert_int_equal(ur->band, -1);
    assert_false(fx_ur(res, "u4")->ranked);
    /* u1 90, u3 60 -> ranks 1 and 2 */
    assert_pts(fx_ur(res, "u1")->total, 90);
    assert_int_equal(fx_ur(res, "u1")->rank, 1);
    assert_pts(fx_ur(res, "u3")->total, 60);
    assert_int_equal(fx_ur(res, "u3")->rank, 2);
    /* April is the previous month: u1 80 (rank 2 behind u4's 100), u3 50 (rank 4) */
    assert_int_equal(res->has_prev, 1);
    assert_int_equal(fx_ur(res, "u1")->prev_rank, 2);
    assert_pts(fx_ur(res, "u1")->prev_total, 80);
    assert_int_equal(fx_ur(res, "u3")->prev_rank, 4);
    pg_result_free(res);

    /* June after May: u2 had no total in May, so it has no previous rank; u1 (90) was 1st */
    res = fx_eval(rs, ds, "monthly", "2021-06");
    assert_int_equal(res->has_prev, 1);
    assert_int_equal(fx_ur(res, "u2")->prev_rank, 0);
    assert_nan(fx_ur(res, "u2")->prev_total);
    assert_int_equal(fx_ur(res, "u1")->prev_rank, 1);
    assert_pts(fx_ur(res, "u1")->prev_total, 90);
    assert_int_equal(fx_ur(res, "u3")->prev_rank, 2);
    pg_result_free(res);

    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

static void test_scheme_of_schemes(void **state)
{
    pg_ruleset *rs = fx_load("composite");
    pg_dataset *ds = pg_dataset_new(rs);
    feed_composite(rs, ds);
    pg_result *res = fx_eval(rs, ds, "annual", "2021");

    /* Monthly totals, April..June (March and July lie outside months = {4, 6}):
     *   u1: 80, 90, 70      mean 80     (with March and July it would be 52)
     *   u2: 60, -, 80       mean 70     (May has no total: the mean is over the months
     *                                    that have one)
     *   u3: 50, 60, 70      mean 60     (pb dropped each month: 0.8 × 100v × 1.25)
     *   u4: 100, -, -       mean 100
     * Year-end: u1 50, u2 90, u3 and u4 dropped.
     *   u1: 0.4 × 80 + 0.6 × 50 = 32 + 30 = 62
     *   u2: 0.4 × 70 + 0.6 × 90 = 28 + 54 = 82
     *   u3: year_end dropped: 0.4 × 60 scaled by 100 / 40 = 60
     *   u4: 0.4 × 100 × 100 / 40 = 100 */
    assert_pts(fx_partv(res, "u1", "monthly_avg"), 80);
    assert_pts(fx_partv(res, "u1", "year_end"), 50);
    assert_pts(fx_ur(res, "u1")->total, 62);
    assert_pts(fx_partv(res, "u2", "monthly_avg"), 70);
    assert_pts(fx_ur(res, "u2")->total, 82);
    assert_pts(fx_partv(res, "u3", "monthly_avg"), 60);
    assert_nan(fx_partv(res, "u3", "year_end"));
    assert_pts(fx_ur(res, "u3")->total, 60);
    assert_pts(fx_ur(res, "u4")->total, 100);
    /* ranks: u4 100, u2 82, u1 62, u3 60 */
    assert_int_equal(fx_ur(res, "u4")->rank, 1);
    assert_int_equal(fx_ur(res, "u2")->rank, 2);
    assert_int_equal(fx_ur(res, "u1")->rank, 3);
    assert_int_equal(fx_ur(res, "u3")->rank, 4);

    /* the sub-results are kept for the trace: three months feeding part 0, the year-end
     * feeding part 1; no cells of its own */
    assert_null(res->cells);
    assert_int_equal(res->nsub, 4);
    int months = 0, years = 0;
    for (int i = 0; i < res->nsub; i++) {
        const pg_result *sub = res->sub[i];
        if (res->sub_part[i] == 0) {
            months++;
            assert_int_equal(sub->scheme, fx_scheme(rs, "monthly"));
            assert_true(sub->period >= 202104 && sub->period <= 202106);
        } else {
            years++;
            assert_int_equal(res->sub_part[i], 1);
            assert_int_equal(sub->scheme, fx_scheme(rs, "ye"));
            assert_int_equal(sub->period, 202100);
        }
    }
    assert_int_equal(months, 3);
    assert_int_equal(years, 1);
    /* a year has no previous year inside the rule set */
    assert_int_equal(fx_ur(res, "u1")->prev_rank, 0);

    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

static void test_custom_composite(void **state)
{
    pg_ruleset *rs = fx_load("composite");
    pg_dataset *ds = pg_dataset_new(rs);
    feed_composite(rs, ds);
    pg_result *res = fx_eval(rs, ds, "cmp", "2021-04");

    /* composite = (pa + (pb or pa)) / 2, + 5 for u1:
     *   u1: (80 + 80) / 2 + 5 = 85
     *   u2: (50 + 100) / 2 = 75       (the weighted sum would give 60)
     *   u3: pb dropped, so parts.pb is nil: (50 + 50) / 2 = 50
     *   u4: the function returns a string: an error, no total, no rank */
    assert_pts(fx_ur(res, "u1")->total, 85);
    assert_pts(fx_ur(res, "u2")->total, 75);
    assert_pts(fx_ur(res, "u3")->total, 50);
    const pg_unit_result *ur = fx_ur(res, "u4");
    assert_false(ur->ranked);
    assert_int_equal(ur->errors, 1);
    assert_substr(fx_note(res, ur->note), "composite must return a number");
    assert_int_equal(fx_ur(res, "u1")->rank, 1);
    assert_int_equal(fx_ur(res, "u2")->rank, 2);
    assert_int_equal(fx_ur(res, "u3")->rank, 3);
    assert_int_equal(fx_ur(res, "u1")->errors, 0);
    pg_result_free(res);

    /* the error is reported, not only counted: one warning, at the function, naming u4 */
    pg_diags d = {0};
    assert_int_equal(pg_eval(rs, ds, fx_scheme(rs, "cmp"), fx_period("2021-04"), &res, &d), 0);
    assert_int_equal(d.errors, 0);
    assert_int_equal(d.warnings, 1);
    assert_substr(d.v[0].msg, "composite must return a number");
    assert_substr(d.v[0].msg, "(scheme 'cmp', period 2021-04: 1 unit: ");
    pg_diags_free(&d);

    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

static void test_eval_refusals(void **state)
{
    pg_ruleset *rs = fx_load("composite");
    pg_dataset *ds = pg_dataset_new(rs);
    feed_composite(rs, ds);
    static const struct {
        const char *scheme, *period;
        int rc;
    } cases[] = {
        {"monthly", "2021", -EINVAL},    /* a month scheme given a year */
        {"ye", "2021-05", -EINVAL},      /* a year scheme given a month */
        {"monthly", "2020-05", -EINVAL}, /* outside the rule set's year */
        {"annual", "2022", -EINVAL},
        {"monthly", "2021-09", -ENOENT}, /* no data for the period */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pg_diags d = {0};
        pg_result *res = NULL;
        int rc =
            pg_eval(rs, ds, fx_scheme(rs, cases[i].scheme), fx_period(cases[i].period), &res, &d);
        int errors = d.errors;
        pg_diags_free(&d);
        if (rc != cases[i].rc)
            fail_msg("pg_eval(%s, %s) = %d, expected %d", cases[i].scheme, cases[i].period, rc,
                     cases[i].rc);
        assert_null(res);
        assert_int_equal(errors, 1);
    }
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

/* ---------------------------------------------------------------------------------------- */
/* custom/: a Lua method; group g holds c1..c3 and the five failing units, h holds o1.      */

static void feed_custom(const pg_ruleset *rs, pg_dataset *ds)
{
    const char *P = "2021-05";
    fx_v(rs, ds, P, "mv", "c1", 2);
    fx_v(rs, ds, P, "mv", "c2", 4);
    fx_v(rs, ds, P, "mv", "c3", 6);
    fx_v(rs, ds, P, "mv", "bad_big", 4);
    fx_v(rs, ds, P, "mv", "bad_str", 4);
    fx_v(rs, ds, P, "mv", "bad_err", 4);
    fx_v(rs, ds, P, "mv", "bad_loop", 4);
    fx_v(rs, ds, P, "mv", "bad_mem", 4);
    fx_v(rs, ds, P, "mv", "o1", 100);
}

static void check_custom_result(const pg_result *res)
{
    /* group g: values 2, 4, 6 and 4 for each of the five failing units -> n 8, min 2,
     * max 6, mean (2 + 4 + 6 + 5 × 4) / 8 = 32 / 8 = 4.
     * share = (v - min) / (max - min): c1 0, c2 2 / 4 = 0.5, c3 1; × 100 points */
    assert_pts(fx_cell(res, "cm", "c1")->points, 0);
    assert_pts(fx_cell(res, "cm", "c2")->points, 50);
    assert_pts(fx_cell(res, "cm", "c3")->points, 100);
    assert_int_equal(fx_cell(res, "cm", "c2")->status, PG_ST_OK);
    /* everything the function was handed, echoed in its note */
    assert_string_equal(fx_note(res, fx_cell(res, "cm", "c2")->note),
                        "n=8 mean=4 sorted1=2 max=6 k=3 period=2021-05 unit=c2 code=C02 "
                        "group=g own=4");
    /* o1 is alone in group h: the group table is per group (n would be 9 otherwise) */
    assert_pts(fx_cell(res, "cm", "o1")->points, 100);
    assert_string_equal(fx_note(res, fx_cell(res, "cm", "o1")->note), "alone in the group");
    assert_int_equal(fx_ur(res, "c3")->errors, 0);
    assert_int_equal(fx_ur(res, "c3")->rank, 1);
    assert_int_equal(fx_ur(res, "c2")->rank, 2);
    assert_int_equal(fx_ur(res, "o1")->rank, 1);
}

static void test_custom_method(void **state)
{
    pg_ruleset *rs = fx_load("custom");
    pg_dataset *ds = pg_dataset_new(rs);
    feed_custom(rs, ds);
    pg_result *res = fx_eval(rs, ds, "monthly", "2021-05");
    check_custom_result(res);
    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

static void test_custom_method_failures(void **state)
{
    pg_ruleset *rs = fx_load("custom");
    pg_dataset *ds = pg_dataset_new(rs);
    feed_custom(rs, ds);
    pg_result *res = fx_eval(rs, ds, "monthly", "2021-05");
    const char *file = fx_path("custom", "ruleset.lua");
    char fn_site[64], err_site[64];
    snprintf(fn_site, sizeof fn_site, "ruleset.lua:%d:", fx_line_of(file, "MARK_FUNCTION"));
    snprintf(err_site, sizeof err_site, "ruleset.lua:%d:", fx_line_of(file, "MARK_ERROR"));

    /* Each failure: status error, 0 points, counted on the unit, a note saying where. */
    static const struct {
        const char *unit, *what;
        int at_error; /* the message points at error()'s line rather than the function's */
    } cases[] = {
        {"bad_big", "1.5", 0},
        {"bad_str", "string", 0},
        {"bad_err", "custom failure", 1},
        {"bad_loop", "instruction budget", -1}, /* the line inside the loop: not checked */
        {"bad_mem", "memory cap", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const pg_cell *c = fx_cell(res, "cm", cases[i].unit);
        if (c->status != PG_ST_ERROR) fail_msg("%s: status %d", cases[i].unit, c->status);
        assert_pts(c->points, 0);
        const char *note = fx_note(res, c->note);
        assert_substr(note, cases[i].what);
        if (cases[i].at_error == 0) assert_substr(note, fn_site);
        if (cases[i].at_error == 1) assert_substr(note, err_site);
        if (cases[i].at_error < 0) assert_substr(note, "ruleset.lua:");
        assert_int_equal(fx_ur(res, cases[i].unit)->errors, 1);
        /* still ranked, with the 0 the failed row scores (tied with c1, rank 3) */
        assert_true(fx_ur(res, cases[i].unit)->ranked);
        assert_int_equal(fx_ur(res, cases[i].unit)->rank, 3);
    }
    /* the other units are scored as usual */
    check_custom_result(res);
    pg_result_free(res);

    /* and the sandbox is usable again after a runaway call: the same result twice */
    res = fx_eval(rs, ds, "monthly", "2021-05");
    check_custom_result(res);
    assert_int_equal(fx_cell(res, "cm", "bad_loop")->status, PG_ST_ERROR);
    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_missing_policies),
        cmocka_unit_test(test_min_n_and_n_zero),
        cmocka_unit_test(test_dropped_part_rescales_scheme),
        cmocka_unit_test(test_carry_forward_across_year),
        cmocka_unit_test(test_rollup_groups_and_rescaling),
        cmocka_unit_test(test_adjust_caps),
        cmocka_unit_test(test_veto_and_total_clamp),
        cmocka_unit_test(test_weighted_sum_and_dropped_part),
        cmocka_unit_test(test_scheme_of_schemes),
        cmocka_unit_test(test_custom_composite),
        cmocka_unit_test(test_eval_refusals),
        cmocka_unit_test(test_custom_method),
        cmocka_unit_test(test_custom_method_failures),
    };
    return cmocka_run_group_tests_name("eval", tests, NULL, NULL);
}
