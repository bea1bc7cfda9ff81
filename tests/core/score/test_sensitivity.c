/* test_sensitivity.c — pg_sens (core/score/sensitivity.c): the re-aggregation under drawn
 * weights, without re-scoring the leaves.
 *
 *   - at nominal weights it gives pg_eval's own rounded totals, ranks and bands, compared with
 *     == (not within a tolerance), on every fixture that exercises a roll-up rule: rescaling
 *     over not-applicable leaves and a node off for a group (rollup/), bonus/penalty caps and
 *     a veto (adjust/), the thin-evidence policies with their group median (thin/), tie-
 *     breakers (ranking/), and on the reference rule set with its sample data, every month
 *     and the year end;
 *   - under factors worked out by hand on rollup/ (a leaf ×1.2, an inner node ×0.8, a node
 *     ×0.5), and scaling all the children of one node alike changes nothing;
 *   - pg_sens_run is deterministic for a seed, whatever the number of threads, and another
 *     seed draws otherwise; intervals contain the nominal rank;
 *   - a result the re-aggregation cannot reproduce (a total altered after pg_eval) is refused
 *     with -EPROTO naming the unit, and a scheme of schemes with -ENOTSUP. */
#include "helpers.h"
#include "record.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SHANWEI FIXTURES "/../../../../rules/shanwei-2021"

/* Re-aggregates at nominal weights and compares with the evaluation, unit by unit. */
static void assert_nominal(const pg_result *res)
{
    int nu = res->rs->nunits;
    double *t = malloc(sizeof(double) * (size_t)nu);
    int *r = malloc(sizeof(int) * (size_t)nu), *b = malloc(sizeof(int) * (size_t)nu);
    pg_diags d = {0};
    assert_int_equal(pg_sens_reaggregate(res, NULL, t, r, b, &d), 0);
    for (int u = 0; u < nu; u++) {
        const pg_unit_result *ur = &res->units[u];
        if (!ur->ranked) {
            if (!isnan(t[u]))
                fail_msg("unit %s: unranked, re-aggregated %.17g", res->rs->units[u].id, t[u]);
            continue;
        }
        if (t[u] != ur->total)
            fail_msg("unit %s: eval %.17g, re-aggregated %.17g", res->rs->units[u].id, ur->total,
                     t[u]);
        assert_int_equal(r[u], ur->rank);
        assert_int_equal(b[u], ur->band);
    }
    pg_diags_free(&d);
    free(t), free(r), free(b);
}

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

static void test_nominal_rollup(void **state)
{
    (void)state;
    pg_ruleset *rs = fx_load("rollup");
    pg_dataset *ds = pg_dataset_new(rs);
    feed_rollup(rs, ds);
    pg_result *res = fx_eval(rs, ds, "monthly", "2021-05");
    assert_nominal(res);
    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

/* Weights of rollup's monthly, parents first: s, s1, s2, t, w (p is the only part).
 * d1: s1 not applicable, s2 = 0.5 × 45 = 22.5, t = 4/4 × 40 = 40 (best in dept).
 * d2: s1 = 15, s2 = 45, t = 2/4 × 40 = 20. */
static void test_drawn_by_hand(void **state)
{
    (void)state;
    pg_ruleset *rs = fx_load("rollup");
    pg_dataset *ds = pg_dataset_new(rs);
    feed_rollup(rs, ds);
    pg_result *res = fx_eval(rs, ds, "monthly", "2021-05");
    pg_diags d = {0};
    assert_int_equal(pg_sens_weight_count(res, &d), 5);
    int d1 = fx_unit(rs, "d1"), d2 = fx_unit(rs, "d2");
    double t[4];
    int r[4];
    /* s1 ×1.2, t ×0.5.
     * d2: s = (18 + 45) × 60 / (18 + 45) = 60; p = (60 + 10) × 100 / (60 + 20) = 87.5
     * d1: s = 22.5 × 60 / 45 = 30; p = (30 + 20) × 100 / (60 + 20) = 62.5 */
    double f1[5] = {1, 1.2, 1, 0.5, 1};
    assert_int_equal(pg_sens_reaggregate(res, f1, t, r, NULL, &d), 0);
    assert_pts(t[d2], 87.5);
    assert_pts(t[d1], 62.5);
    assert_int_equal(r[d2], 1);
    assert_int_equal(r[d1], 2);
    /* and s ×0.8: s is worth 48 under p.
     * d2: s = 48; p = (48 + 10) × 100 / (48 + 20) = 85.294… → 85.29
     * d1: s = 22.5 × 48 / 45 = 24; p = (24 + 20) × 100 / 68 = 64.705… → 64.71 */
    double f2[5] = {0.8, 1.2, 1, 0.5, 1};
    assert_int_equal(pg_sens_reaggregate(res, f2, t, r, NULL, &d), 0);
    assert_pts(t[d2], 85.29);
    assert_pts(t[d1], 64.71);
    /* t ×1.25 alone: d1 = (30 + 50) × 100 / 110 = 72.727… → 72.73; d2 = (60 + 25) × 100 / 110
     * = 77.27; s1 and s2 both ×1.3 changes nothing: the children of s keep their shares */
    double f3[5] = {1, 1.3, 1.3, 1.25, 1};
    assert_int_equal(pg_sens_reaggregate(res, f3, t, r, NULL, &d), 0);
    assert_pts(t[d1], 72.73);
    assert_pts(t[d2], 77.27);
    pg_diags_free(&d);
    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

/* adjust/: bonus capped at +5, penalties capped at −10, a veto, deduct. */
static void test_nominal_adjust(void **state)
{
    (void)state;
    pg_ruleset *rs = fx_load("adjust");
    pg_dataset *ds = pg_dataset_new(rs);
    const char *P = "2021";
    const struct {
        const char *u;
        double base, ded, b1, b2, p1, p2, v;
    } rows[] = {
        {"u1", 1, 0, 2, 4, 0, 0, 0},   /* bonus 6 → capped at 5 */
        {"u2", 0.5, 3, 0, 0, 4, 8, 0}, /* penalties 10 + 8 → capped at −10 */
        {"u3", 0.9, 1, 1, 0, 1, 0, 1}, /* veto */
        {"u4", 0.7, 2, 1, 1, 0, 1, 0}, {"u5", 0.2, 9, 0, 0, 0, 0, 0},
        {"u6", 0.7, 2, 1, 1, 0, 1, 0}, /* ties u4 */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fx_v(rs, ds, P, "mbase", rows[i].u, rows[i].base);
        fx_v(rs, ds, P, "mded", rows[i].u, rows[i].ded);
        fx_v(rs, ds, P, "mb1", rows[i].u, rows[i].b1);
        fx_v(rs, ds, P, "mb2", rows[i].u, rows[i].b2);
        fx_v(rs, ds, P, "mp1", rows[i].u, rows[i].p1);
        fx_v(rs, ds, P, "mp2", rows[i].u, rows[i].p2);
        fx_v(rs, ds, P, "mv", rows[i].u, rows[i].v);
    }
    pg_result *res = fx_eval(rs, ds, "ye", "2021");
    assert_true(fx_cell(res, "bonus", "u1")->capped);
    assert_true(fx_cell(res, "bonus", "u2")->capped);
    assert_nominal(res);
    /* bonus and penalty items are not weights; b_lin and b_ded are; one weighted part only */
    pg_diags d = {0};
    assert_int_equal(pg_sens_weight_count(res, &d), 2);
    /* the veto fixes u3's total whatever the weights */
    double f[2] = {1.2, 0.8}, t[6];
    assert_int_equal(pg_sens_reaggregate(res, f, t, NULL, NULL, &d), 0);
    assert_pts(t[fx_unit(rs, "u3")], fx_ur(res, "u3")->total);
    pg_diags_free(&d);
    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

static void test_nominal_thin(void **state)
{
    (void)state;
    pg_ruleset *rs = fx_load("thin");
    pg_dataset *ds = pg_dataset_new(rs);
    fx_feed_thin(rs, ds);
    pg_result *res = fx_eval(rs, ds, "monthly", "2021-05");
    assert_int_equal(fx_cell(res, "plat", "thin")->thin, PG_BELOW_GROUP_MEDIAN);
    assert_nominal(res);
    /* under a draw the median is recomputed: "thin" still scores the group's median of plat */
    pg_diags d = {0};
    int nw = pg_sens_weight_count(res, &d);
    assert_true(nw > 0);
    double *f = malloc(sizeof(double) * (size_t)nw), t[7];
    pg_sens_factors(7, 0, 0.25, nw, f);
    assert_int_equal(pg_sens_reaggregate(res, f, t, NULL, NULL, &d), 0);
    for (int u = 0; u < rs->nunits; u++)
        assert_false(isnan(t[u]) && fx_ur(res, rs->units[u].id)->ranked);
    free(f);
    pg_diags_free(&d);
    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

static void test_nominal_ties(void **state)
{
    (void)state;
    const char *sets[2] = {"ranking", "ranking_dense"};
    for (int k = 0; k < 2; k++) {
        pg_ruleset *rs = fx_load(sets[k]);
        pg_dataset *ds = pg_dataset_new(rs);
        /* three units tie on the total, two of them on x too */
        const char *P = "2021-05";
        int i = 0;
        for (int u = 0; u < rs->nunits; u++, i++) {
            const char *id = rs->units[u].id;
            double x = (i % 3) * 0.25 + 0.25, y = 1.25 - x - (i % 2) * 0.1;
            fx_v(rs, ds, P, "mx", id, fmin(x, 1));
            fx_v(rs, ds, P, "my", id, fmin(fmax(y, 0), 1));
        }
        pg_result *res = fx_eval(rs, ds, "monthly", P);
        assert_nominal(res);
        pg_result_free(res);
        pg_dataset_free(ds);
        pg_ruleset_free(rs);
    }
}

static void test_nominal_reference_set(void **state)
{
    (void)state;
    pg_diags d = {0};
    pg_ruleset *rs = NULL;
    pg_dataset *ds = NULL;
    if (pg_ruleset_load(SHANWEI, &rs, &d) != 0 ||
        pg_datadir_load(rs, SHANWEI "/sample", &ds, &d) != 0) {
        pg_diags_print(&d, stderr);
        fail_msg("cannot load the reference set and its sample");
    }
    int checked = 0;
    for (int m = 1; m <= 13; m++) {
        char p[16];
        if (m <= 12)
            snprintf(p, sizeof p, "2021-%02d", m);
        else
            snprintf(p, sizeof p, "2021");
        pg_result *res = fx_eval(rs, ds, m <= 12 ? "monthly" : "year_end", p);
        assert_nominal(res);
        checked++;
        pg_result_free(res);
    }
    assert_int_equal(checked, 13);
    /* the annual composite combines schemes: refused, with a message that says what to do */
    pg_result *res = fx_eval(rs, ds, "annual", "2021");
    pg_sens_opts o = {.draws = 10, .spread = 0.2, .seed = 1, .threads = 1};
    pg_sens *sv = NULL;
    assert_int_equal(pg_sens_run(res, &o, &sv, &d), -ENOTSUP);
    assert_substr(d.v[d.n - 1].msg, "combines other schemes");
    pg_result_free(res);
    pg_diags_free(&d);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

static void test_run_deterministic(void **state)
{
    (void)state;
    pg_diags d = {0};
    pg_ruleset *rs = NULL;
    pg_dataset *ds = NULL;
    assert_int_equal(pg_ruleset_load(SHANWEI, &rs, &d), 0);
    assert_int_equal(pg_datadir_load(rs, SHANWEI "/sample", &ds, &d), 0);
    pg_result *res = fx_eval(rs, ds, "monthly", "2021-06");
    pg_sens_opts o1 = {.draws = 500, .spread = 0.25, .seed = 42, .threads = 1};
    pg_sens_opts o2 = o1, o3 = o1;
    o2.threads = 3;
    o3.seed = 43;
    pg_sens *a, *b, *c;
    assert_int_equal(pg_sens_run(res, &o1, &a, &d), 0);
    assert_int_equal(pg_sens_run(res, &o2, &b, &d), 0);
    assert_int_equal(pg_sens_run(res, &o3, &c, &d), 0);
    cJSON *ja = pg_sens_json(a), *jb = pg_sens_json(b), *jc = pg_sens_json(c);
    char *sa = cJSON_PrintUnformatted(ja), *sb = cJSON_PrintUnformatted(jb);
    cJSON_DeleteItemFromObject(jc, "seed");
    cJSON_DeleteItemFromObject(ja, "seed");
    char *sa2 = cJSON_PrintUnformatted(ja), *sc = cJSON_PrintUnformatted(jc);
    assert_string_equal(sa, sb); /* same seed, other thread count: the same outcome */
    assert_string_not_equal(sa2, sc);
    int moved = 0;
    for (int u = 0; u < rs->nunits; u++) {
        const pg_sens_unit *su = &a->units[u];
        if (!su->ranked) continue;
        assert_true(su->p05 <= su->p95);
        assert_true(su->best <= su->p05 && su->p95 <= su->worst);
        assert_true(su->median >= su->p05 && su->median <= su->p95);
        assert_int_equal(su->draws_ranked, 500);
        assert_true(su->band_keep >= 0 && su->band_keep <= 1);
        moved += su->p05 != su->p95;
    }
    assert_true(moved > 0); /* ±25 % moves some of the sample's close ranks */
    free(sa), free(sb), free(sa2), free(sc);
    cJSON_Delete(ja), cJSON_Delete(jb), cJSON_Delete(jc);
    pg_sens_free(a), pg_sens_free(b), pg_sens_free(c);
    /* a total changed behind the re-aggregation's back is caught before any draw */
    int u = 0;
    while (!res->units[u].ranked) u++;
    res->units[u].total += 0.01;
    pg_sens *bad = NULL;
    assert_int_equal(pg_sens_run(res, &o1, &bad, &d), -EPROTO);
    assert_null(bad);
    assert_substr(d.v[d.n - 1].msg, rs->units[u].id);
    pg_diags_free(&d);
    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

/* 200 units in one group: ranks take the counting sort (64 units or more). Totals tie often
 * (x, y in steps of 0.05) and a tie-breaker separates some: the ranks must be rank.c's. */
static void test_counting_sort_ranks(void **state)
{
    (void)state;
    char dir[] = "/tmp/test-sens-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[512];
    snprintf(path, sizeof path, "%s/ruleset.lua", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("ruleset { id = \"fx-many\", name = \"many\", year = 2021, rounding = 2,\n"
          "  tie_breakers = { \"x\" }, bands = { { \"A\", 80 }, { \"B\", 0 } } }\n"
          "group \"g\" { name = \"g\" }\n"
          "metric \"mx\" { name = \"x\", unit = \"share\" }\n"
          "metric \"my\" { name = \"y\", unit = \"share\" }\n"
          "indicator \"main\" { name = \"main\", points = 100 }\n"
          "indicator \"x\" { parent = \"main\", name = \"x\", points = 60, metric = \"mx\",\n"
          "  method = linear { lo = 0, hi = 1 }, standard = \"s\", source = \"s\" }\n"
          "indicator \"y\" { parent = \"main\", name = \"y\", points = 40, metric = \"my\",\n"
          "  method = linear { lo = 0, hi = 1 }, standard = \"s\", source = \"s\" }\n"
          "scheme \"monthly\" { name = \"m\", period = \"month\", max = 100, parts = { { id = "
          "\"main\" } } }\n",
          f);
    fclose(f);
    snprintf(path, sizeof path, "%s/units.csv", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("id,name,group\n", f);
    for (int u = 0; u < 200; u++) fprintf(f, "u%03d,U%d,g\n", u, u);
    fclose(f);
    pg_diags d = {0};
    pg_ruleset *rs = NULL;
    if (pg_ruleset_load(dir, &rs, &d) != 0) {
        pg_diags_print(&d, stderr);
        fail_msg("cannot load the generated rule set");
    }
    pg_dataset *ds = pg_dataset_new(rs);
    for (int u = 0; u < 200; u++) {
        fx_v(rs, ds, "2021-05", "mx", rs->units[u].id, (u * 7 % 20) * 0.05);
        fx_v(rs, ds, "2021-05", "my", rs->units[u].id, (u * 3 % 20) * 0.05);
    }
    pg_result *res = fx_eval(rs, ds, "monthly", "2021-05");
    int ties = 0;
    for (int u = 0; u < 200; u++)
        for (int v = u + 1; v < 200; v++) ties += res->units[u].rank == res->units[v].rank;
    assert_true(ties > 50);
    assert_nominal(res);
    /* and a draw: the counting sort's ranks against a count of who is ahead */
    double fct[2] = {1.1, 0.9}, t[200];
    int r[200];
    assert_int_equal(pg_sens_weight_count(res, &d), 2);
    assert_int_equal(pg_sens_reaggregate(res, fct, t, r, NULL, &d), 0);
    for (int u = 0; u < 200; u++) {
        int ahead = 0;
        double xu = pg_round(fx_cell(res, "x", rs->units[u].id)->points * 1.1, 2);
        for (int v = 0; v < 200; v++) {
            double xv = pg_round(fx_cell(res, "x", rs->units[v].id)->points * 1.1, 2);
            ahead += t[v] > t[u] || (t[v] == t[u] && xv > xu);
        }
        if (r[u] != ahead + 1) fail_msg("unit %s: rank %d, %d ahead", rs->units[u].id, r[u], ahead);
    }
    pg_diags_free(&d);
    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
    snprintf(path, sizeof path, "%s/ruleset.lua", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/units.csv", dir);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nominal_rollup),    cmocka_unit_test(test_drawn_by_hand),
        cmocka_unit_test(test_nominal_adjust),    cmocka_unit_test(test_nominal_thin),
        cmocka_unit_test(test_nominal_ties),      cmocka_unit_test(test_nominal_reference_set),
        cmocka_unit_test(test_run_deterministic), cmocka_unit_test(test_counting_sort_ranks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
