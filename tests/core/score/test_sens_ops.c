/* test_sens_ops.c — pinggu sensitivity under weighted operators and declared intervals (issue 15
 * §6), through the real API on fixtures/sens_ops: a geomean root over a (weight 2, declared
 * 1–3), b (weight 1) and s (weight 1), s a sum of c (60 points, declared 40–80) and d (40);
 * every leaf scored by value {}, so its share is its value. Each re-aggregation is checked
 * against the formula computed here, from the fed values alone:
 *   s    = (60·fc·c + 40·fd·d) / (60·fc + 40·fd)          (d alone when c does not apply)
 *   root = 100 · exp((2fa·ln a + fb·ln b + fs·ln s) / (2fa + fb + fs))
 * and the ranks by sorting those totals here. A min scheme has no weights and says so. At 300
 * units (a rule set written here), mean, geomean and harmonic nodes over leaves only, against
 * their formulas: test_leaves_many_units. */
#include "helpers.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Nodes under mean, geomean and harmonic whose children are all leaves, re-aggregated child by
 * child across the units (sensitivity.c reaggregate_leaves), at 300 units: a mean of 10 leaves
 * with a different set of scored leaves for every unit (300 patterns, past the 256 the weights'
 * sums are cached for, so they are summed unit by unit), a geomean and a harmonic of 4 leaves
 * with few patterns and some leaves at 0 (the node at 0). At nominal weights the totals are
 * eval's bit for bit (pg_sens_run refuses otherwise); drawn, each total is the formula computed
 * here from the fed values, and the ranks those totals' competition ranks. */
#define BU 300
#define BL 10

static double bval(int u, int l) /* a fixed value in [0.05, 0.95], or 0 for some units */
{
    unsigned h = (unsigned)(u * 2654435761u) ^ (unsigned)(l * 40503u + 17u);
    h ^= h >> 13, h *= 0x5bd1e995u, h ^= h >> 15;
    return 0.05 + 0.9 * (double)(h % 10007u) / 10006.0;
}

/* Whether leaf l of scheme sc is fed for unit u, and its value. */
static int bfed(int sc, int u, int l, double *v)
{
    *v = bval(u, l + 16 * sc);
    if (sc == 0) return l == 0 || !((u >> (l - 1)) & 1); /* leaf 0 always, 1..9 by u's bits */
    if (l == 3 && u % 7 == 2) return 0;
    if (l == 1 && u % 11 == 5) *v = 0;
    return 1;
}

static double bweight(int l)
{
    return l % 3 + 1;
}

static double bformula(int sc, int u, const double *f)
{
    double num = 0, den = 0, v;
    int nl = sc == 0 ? BL : 4;
    for (int l = 0; l < nl; l++) {
        if (!bfed(sc, u, l, &v)) continue;
        double w = bweight(l) * f[l];
        den += w;
        if (sc == 0)
            num += w * v;
        else if (v == 0)
            return 0;
        else
            num += sc == 1 ? w * log(v) : w / v;
    }
    return 100 * (sc == 0 ? num / den : sc == 1 ? exp(num / den) : den / num);
}

static char *write_big(void)
{
    static char dir[64];
    snprintf(dir, sizeof dir, "/tmp/test-sens-leaves-XXXXXX");
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/ruleset.lua", dir);
    FILE *o = fopen(path, "w");
    assert_non_null(o);
    fputs("ruleset { id = \"fx-sens-leaves\", name = \"leaves\", year = 2021,\n"
          "  missing = \"not_applicable\", rounding = 2 }\ngroup \"g\" { name = \"g\" }\n",
          o);
    const char *ops[3] = {"mean", "geomean", "harmonic"};
    for (int sc = 0; sc < 3; sc++) {
        fprintf(o, "indicator \"r%d\" { name = \"r%d\", points = 100, aggregate = \"%s\" }\n", sc,
                sc, ops[sc]);
        for (int l = 0; l < (sc == 0 ? BL : 4); l++)
            fprintf(o,
                    "metric \"m%d_%d\" { name = \"m\", unit = \"share\" }\n"
                    "indicator \"l%d_%d\" { parent = \"r%d\", name = \"l\", points = 100, "
                    "weight = %g, metric = \"m%d_%d\", method = value {}, standard = \"s\", "
                    "source = \"s\" }\n",
                    sc, l, sc, l, sc, bweight(l), sc, l);
        fprintf(o,
                "scheme \"s%d\" { name = \"s\", period = \"month\", max = 100, parts = { { id = "
                "\"r%d\" } } }\n",
                sc, sc);
    }
    fclose(o);
    snprintf(path, sizeof path, "%s/units.csv", dir);
    assert_non_null(o = fopen(path, "w"));
    fputs("id,name,group\n", o);
    for (int u = 0; u < BU; u++) fprintf(o, "u%d,u%d,g\n", u, u);
    fclose(o);
    return dir;
}

static void test_leaves_many_units(void **state)
{
    (void)state;
    char *dir = write_big(), path[128];
    pg_diags d = {0};
    pg_ruleset *rs = NULL;
    assert_int_equal(pg_ruleset_load(dir, &rs, &d), 0);
    pg_dataset *ds = pg_dataset_new(rs);
    int period = fx_period(P);
    for (int sc = 0; sc < 3; sc++)
        for (int l = 0; l < (sc == 0 ? BL : 4); l++) {
            char id[16];
            snprintf(id, sizeof id, "m%d_%d", sc, l);
            for (int u = 0; u < BU; u++) {
                double v;
                if (bfed(sc, u, l, &v))
                    assert_int_equal(pg_dataset_set(ds, period, fx_metric(rs, id), u, v, NAN), 0);
            }
        }
    for (int sc = 0; sc < 3; sc++) {
        char sid[8];
        snprintf(sid, sizeof sid, "s%d", sc);
        pg_result *res = fx_eval(rs, ds, sid, P);
        int nw = sc == 0 ? BL : 4;
        assert_int_equal(pg_sens_weight_count(res, &d), nw);
        double t[BU], want[BU], one[BL] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
        int r[BU];
        assert_int_equal(pg_sens_reaggregate(res, one, t, NULL, NULL, &d), 0);
        for (int u = 0; u < BU; u++) /* nominal: eval's totals, bit for bit */
            assert_memory_equal(&t[u], &res->units[u].total, sizeof(double));
        int zeros = 0;
        for (long k = 0; k < 20; k++) {
            double f[BL];
            pg_sens_factors(5, k, 0.5, nw, f);
            assert_int_equal(pg_sens_reaggregate(res, f, t, r, NULL, &d), 0);
            for (int u = 0; u < BU; u++) {
                want[u] = round(bformula(sc, u, f) * 100) / 100;
                zeros += want[u] == 0;
                if (fabs(t[u] - want[u]) > 1e-9)
                    fail_msg("scheme %d draw %ld unit %d: %.17g, by hand %.17g", sc, k, u, t[u],
                             want[u]);
            }
            for (int u = 0; u < BU; u++) {
                int rank = 1;
                for (int v = 0; v < BU; v++) rank += want[v] > want[u];
                assert_int_equal(r[u], rank);
            }
        }
        if (sc > 0) assert_true(zeros > 0); /* a leaf at 0 made the node 0 */
        pg_sens *sv = NULL;
        pg_sens_opts o = {.draws = 200, .spread = 0.3, .seed = 3, .threads = 2};
        assert_int_equal(pg_sens_run(res, &o, &sv, &d), 0); /* its own check at nominal */
        pg_sens_free(sv);
        pg_result_free(res);
    }
    pg_diags_free(&d);
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
        cmocka_unit_test(test_geomean_reaggregated),
        cmocka_unit_test(test_run_and_intervals),
        cmocka_unit_test(test_min_unweighted),
        cmocka_unit_test(test_leaves_many_units),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
