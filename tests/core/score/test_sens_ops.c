/* test_sens_ops.c — pinggu sensitivity under weighted operators and declared intervals (issue 15
 * §6), through the real API on fixtures/sens_ops: a geomean root over a (weight 2, declared
 * 1–3), b (weight 1) and s (weight 1), s a sum of c (60 points, declared 40–80) and d (40);
 * every leaf scored by value {}, so its share is its value. Each re-aggregation is checked
 * against the formula computed here, from the fed values alone:
 *   s    = (60·fc·c + 40·fd·d) / (60·fc + 40·fd)          (d alone when c does not apply)
 *   root = 100 · exp((2fa·ln a + fb·ln b + fs·ln s) / (2fa + fb + fs))
 * and the ranks by sorting those totals here. A min scheme has no weights and says so. */
#include "helpers.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const P = "2021-05";

static const struct {
    const char *unit;
    double a, b, c, d;
} rows[] = {
    {"u1", 0.9, 0.5, 0.7, 0.4}, {"u2", 0.6, 0.9, 0.8, 0.9},  {"u3", 0.8, 0.7, 0.3, 0.6},
    {"u4", 0.7, 0.6, NAN, 0.8}, {"u5", 0.5, 0.95, 0.9, 0.2},
};
#define NU 5

static pg_dataset *feed(const pg_ruleset *rs)
{
    pg_dataset *ds = pg_dataset_new(rs);
    for (int i = 0; i < NU; i++) {
        fx_v(rs, ds, P, "ma", rows[i].unit, rows[i].a);
        fx_v(rs, ds, P, "mb", rows[i].unit, rows[i].b);
        if (!isnan(rows[i].c)) fx_v(rs, ds, P, "mc", rows[i].unit, rows[i].c);
        fx_v(rs, ds, P, "md", rows[i].unit, rows[i].d);
        fx_v(rs, ds, P, "me", rows[i].unit, 0.1 * (i + 1));
        fx_v(rs, ds, P, "mf", rows[i].unit, 0.9 - 0.1 * i);
    }
    return ds;
}

/* The formula above; f in the weights' order a, b, s, c, d. */
static double by_hand(int i, const double *f)
{
    double c = rows[i].c, d = rows[i].d;
    double s = isnan(c) ? d : (60 * f[3] * c + 40 * f[4] * d) / (60 * f[3] + 40 * f[4]);
    double wa = 2 * f[0], wb = f[1], ws = f[2];
    return 100 * exp((wa * log(rows[i].a) + wb * log(rows[i].b) + ws * log(s)) / (wa + wb + ws));
}

static void check_vector(const pg_ruleset *rs, const pg_result *res, const double *f)
{
    double t[NU], want[NU];
    int r[NU];
    pg_diags d = {0};
    assert_int_equal(pg_sens_reaggregate(res, f, t, r, NULL, &d), 0);
    for (int i = 0; i < NU; i++) {
        int u = fx_unit(rs, rows[i].unit);
        want[i] = round(by_hand(i, f) * 100) / 100;
        assert_true(fabs(t[u] - want[i]) < 1e-9);
    }
    for (int i = 0; i < NU; i++) { /* competition ranks of the hand totals */
        int rank = 1;
        for (int k = 0; k < NU; k++) rank += want[k] > want[i];
        assert_int_equal(r[fx_unit(rs, rows[i].unit)], rank);
    }
    pg_diags_free(&d);
}

static void test_geomean_reaggregated(void **state)
{
    (void)state;
    pg_ruleset *rs = fx_load("sens_ops");
    pg_dataset *ds = feed(rs);
    pg_result *res = fx_eval(rs, ds, "root", P);
    pg_diags d = {0};
    assert_int_equal(pg_sens_weight_count(res, &d), 5);
    double one[5] = {1, 1, 1, 1, 1};
    check_vector(rs, res, one);
    /* nominal: the evaluation's own totals */
    for (int i = 0; i < NU; i++)
        assert_true(fabs(fx_ur(res, rows[i].unit)->total - round(by_hand(i, one) * 100) / 100) <
                    1e-9);
    double v1[5] = {1.5, 0.5, 2, 1, 1}, v2[5] = {0.5, 1.2, 0.8, 4.0 / 3, 0.8};
    check_vector(rs, res, v1);
    check_vector(rs, res, v2);
    for (long k = 0; k < 20; k++) {
        double f[5];
        pg_sens_factors(11, k, 0.5, 5, f);
        check_vector(rs, res, f);
    }
    pg_diags_free(&d);
    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

static void test_run_and_intervals(void **state)
{
    (void)state;
    pg_ruleset *rs = fx_load("sens_ops");
    pg_dataset *ds = feed(rs);
    pg_result *res = fx_eval(rs, ds, "root", P);
    pg_diags d = {0};
    pg_sens *a = NULL, *b = NULL;
    pg_sens_opts o = {.draws = 400, .spread = 0.2, .seed = 5, .threads = 1};
    assert_int_equal(pg_sens_run(res, &o, &a, &d), 0);
    pg_sens_opts o2 = o;
    o2.threads = 3;
    assert_int_equal(pg_sens_run(res, &o2, &b, &d), 0);
    assert_int_equal(a->nweights, 5);
    static const struct {
        const char *id;
        pg_sens_basis basis;
        double nominal, lo, hi;
        int declared;
    } want[] = {{"a", PG_SENS_WEIGHT, 2, 1, 3, 1},
                {"b", PG_SENS_WEIGHT, 1, 0.8, 1.2, 0},
                {"s", PG_SENS_WEIGHT, 1, 0.8, 1.2, 0},
                {"c", PG_SENS_POINTS, 60, 40, 80, 1},
                {"d", PG_SENS_POINTS, 40, 32, 48, 0}};
    for (int w = 0; w < 5; w++) {
        assert_string_equal(a->weights[w].id, want[w].id);
        assert_int_equal(a->weights[w].basis, want[w].basis);
        assert_true(fabs(a->weights[w].nominal - want[w].nominal) < 1e-12);
        assert_true(fabs(a->weights[w].lo - want[w].lo) < 1e-12);
        assert_true(fabs(a->weights[w].hi - want[w].hi) < 1e-12);
        assert_int_equal(a->weights[w].declared, want[w].declared);
    }
    assert_int_equal(a->nunweighted, 0);
    /* the one-at-a-time effects: each weight alone at the ends of its interval, as computed
     * here (a at 1/2 and 3/2 of its nominal 2: its declared 1 and 3) */
    int effects = 0, declared_moves = 0;
    for (int i = 0; i < NU; i++) {
        int u = fx_unit(rs, rows[i].unit);
        const pg_sens_unit *su = &a->units[u];
        effects += su->ntop;
        for (int k = 0; k < su->ntop; k++) {
            declared_moves += want[su->top[k].weight].declared;
            int w = su->top[k].weight;
            double f[5] = {1, 1, 1, 1, 1};
            int r[NU];
            f[w] = want[w].lo / want[w].nominal;
            assert_int_equal(pg_sens_reaggregate(res, f, NULL, r, NULL, &d), 0);
            assert_int_equal(r[u], su->top[k].minus);
            f[w] = want[w].hi / want[w].nominal;
            assert_int_equal(pg_sens_reaggregate(res, f, NULL, r, NULL, &d), 0);
            assert_int_equal(r[u], su->top[k].plus);
        }
        /* the same figures whatever the number of threads */
        assert_true(su->median == b->units[u].median);
        assert_int_equal(su->p05, b->units[u].p05);
        assert_int_equal(su->p95, b->units[u].p95);
        assert_true(su->p05 >= su->best && su->p95 <= su->worst);
    }
    assert_true(effects > 0);        /* the checks above saw effects */
    assert_true(declared_moves > 0); /* and some at a declared interval's ends */
    cJSON *j = pg_sens_json(a);
    cJSON *w0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "weights"), 0);
    assert_string_equal(cJSON_GetObjectItem(w0, "basis")->valuestring, "weight");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(w0, "declared")));
    assert_true(cJSON_GetObjectItem(w0, "lo")->valuedouble == 1);
    cJSON *w3 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "weights"), 3);
    assert_string_equal(cJSON_GetObjectItem(w3, "basis")->valuestring, "points");
    cJSON_Delete(j);
    pg_sens_free(a), pg_sens_free(b);
    pg_diags_free(&d);
    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

/* min has no weights: nothing is drawn, the ranks never move, and the output says why. */
static void test_min_unweighted(void **state)
{
    (void)state;
    pg_ruleset *rs = fx_load("sens_ops");
    pg_dataset *ds = feed(rs);
    pg_result *res = fx_eval(rs, ds, "screen", P);
    pg_diags d = {0};
    pg_sens *sv = NULL;
    pg_sens_opts o = {.draws = 50, .spread = 0.2, .seed = 1, .threads = 1};
    assert_int_equal(pg_sens_run(res, &o, &sv, &d), 0);
    assert_int_equal(sv->nweights, 0);
    assert_int_equal(sv->nunweighted, 1);
    assert_int_equal(sv->unweighted[0], fx_node(rs, "screen"));
    for (int u = 0; u < NU; u++) {
        assert_true(sv->units[u].p05 == sv->units[u].rank);
        assert_true(sv->units[u].p95 == sv->units[u].rank);
    }
    cJSON *j = pg_sens_json(sv);
    cJSON *uw = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "unweighted"), 0);
    assert_string_equal(cJSON_GetObjectItem(uw, "id")->valuestring, "screen");
    cJSON_Delete(j);
    pg_sens_free(sv);
    pg_diags_free(&d);
    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_geomean_reaggregated),
        cmocka_unit_test(test_run_and_intervals),
        cmocka_unit_test(test_min_unweighted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
