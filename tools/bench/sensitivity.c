/* sensitivity.c (bench_sensitivity) — how fast `pinggu sensitivity` draws, next to a peer
 * measured in the same process. A benchmark, never a test: it prints figures and does not fail
 * on them.
 *
 * Two sizes, the targets (issue 15 §6):
 *   province  3,000 units × 150 indicators, N = 10,000 draws on 2 threads, target < 5 s
 *   city         36 units ×  60 indicators, N = 100,000 draws on 2 threads, target < 2 s
 * Each writes a synthetic rule set into a temporary directory (2 groups; two parts weighted
 * 0.8/0.2; 5 dimensions a part; linear leaves, every seventh not applicable to one unit in
 * nine, so the renormalisation runs; bands; tie-breakers), loads it with pg_ruleset_load, fills a
 * pg_dataset from a fixed-seed generator, evaluates once with pg_eval and times pg_sens_run
 * (which includes its own nominal check and the one-at-a-time sweep).
 *
 * The peer is the naive method: every draw a full pg_eval with the drawn weights written into
 * the rule set's points, K draws timed and extrapolated to N, divided by 2 as if it used both
 * cores perfectly (one rule set cannot be evaluated by two threads; the division is in the
 * peer's favour). Its K draws are checked against the re-aggregation: same totals.
 *
 * Usage: bench_sensitivity [--smoke] [--seed N] [--threads N] [--keep] [--ops] [--only NAME]
 * --smoke: what the suite runs (tests/bench): 300 × 30 with 500 draws and 36 × 60 with 5,000,
 * every phase once, every figure printed, no target judged.
 * --ops: the dimensions aggregate by weighted operators instead of sums (part 1's by "mean",
 * part 2's by "geomean", leaves weighted 1, 2, 3 in turn), so the draws move `weight`s.
 * --only province|city: one size.
 * --draws N: N draws instead of the size's own (for profiling; the target is then not judged). */
#include "data.h"
#include "score.h"
#include "base.h"
#include "rules.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef __OPTIMIZE__
#define BUILD_OPT "optimized"
#else
#define BUILD_OPT "NOT optimized: figures unrepresentative"
#endif

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rng;
static double uniform(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return (double)((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
}

static char files[4][32] = {"ruleset.lua", "tree.lua", "units.csv", ""};

static int write_set(const char *dir, int nunits, int nleaves, int ops)
{
    char path[512];
    snprintf(path, sizeof path, "%s/ruleset.lua", dir);
    FILE *f = fopen(path, "w");
    if (!f) return -errno;
    fprintf(
        f,
        "ruleset { id = \"bench-sens\", name = \"敏感性基准\", year = 2021, rounding = 2,\n"
        "  tie_breakers = { \"p1\", \"p2\" },\n"
        "  bands = { { \"优秀\", 90 }, { \"良好\", 80 }, { \"合格\", 60 }, { \"不合格\", 0 } } }\n"
        "group \"a\" { name = \"甲组\" }\ngroup \"b\" { name = \"乙组\" }\nrequire \"tree\"\n");
    fclose(f);
    snprintf(path, sizeof path, "%s/tree.lua", dir);
    if (!(f = fopen(path, "w"))) return -errno;
    int per_part = nleaves / 2;
    for (int k = 0; k < 2; k++) {
        fprintf(f, "indicator \"p%d\" { name = \"部分%d\", points = 100 }\n", k + 1, k + 1);
        int base = 100 / per_part, extra = 100 - base * per_part;
        double dim_pts[5] = {0};
        for (int i = 0; i < per_part; i++) dim_pts[i % 5] += base + (i < extra);
        for (int dd = 0; dd < 5; dd++)
            fprintf(f,
                    "indicator \"d%d_%d\" { parent = \"p%d\", name = \"维度%d.%d\", points = %g%s "
                    "}\n",
                    k + 1, dd + 1, k + 1, k + 1, dd + 1, dim_pts[dd],
                    !ops     ? ""
                    : k == 0 ? ", aggregate = \"mean\""
                             : ", aggregate = \"geomean\"");
        for (int i = 0; i < per_part; i++) {
            int l = k * per_part + i;
            fprintf(f, "metric \"m%d\" { name = \"数据%d\", unit = \"share\" }\n", l, l);
            fprintf(f,
                    "indicator \"l%d\" { parent = \"d%d_%d\", name = \"指标%d\", points = %d, "
                    "metric = \"m%d\", method = linear { lo = 0.3, hi = 1 }, standard = \"s\", "
                    "source = \"s\"%s%s }\n",
                    l, k + 1, i % 5 + 1, l, base + (i < extra), l,
                    l % 7 == 3 ? ", missing = \"not_applicable\"" : "",
                    !ops         ? ""
                    : l % 3 == 0 ? ", weight = 1"
                    : l % 3 == 1 ? ", weight = 2"
                                 : ", weight = 3");
        }
    }
    fprintf(f, "scheme \"monthly\" { name = \"月度\", period = \"month\", max = 100,\n"
               "  parts = { { id = \"p1\", weight = 0.8 }, { id = \"p2\", weight = 0.2 } } }\n");
    fclose(f);
    snprintf(path, sizeof path, "%s/units.csv", dir);
    if (!(f = fopen(path, "w"))) return -errno;
    fprintf(f, "id,name,group\n");
    for (int u = 0; u < nunits; u++) fprintf(f, "u%d,单位%d,%s\n", u, u, u % 3 ? "a" : "b");
    fclose(f);
    return 0;
}

static void remove_set(const char *dir)
{
    char path[512];
    for (int i = 0; files[i][0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

typedef struct {
    const char *name;
    int units, leaves;
    long draws;
    double target; /* seconds */
} size_spec;

static int run_size(const size_spec *z, uint64_t seed, int threads, int peer_draws, int keep,
                    int smoke, int ops)
{
    char dir[] = "/tmp/bench-sens-XXXXXX";
    if (!mkdtemp(dir)) return -errno;
    int rc = write_set(dir, z->units, z->leaves, ops);
    pg_diags d = {0};
    pg_ruleset *rs = NULL;
    pg_dataset *ds = NULL;
    pg_result *res = NULL;
    pg_sens *sv = NULL;
    if (rc || pg_ruleset_load(dir, &rs, &d) != 0) goto fail;
    ds = pg_dataset_new(rs);
    rng = seed;
    int period = 202101; /* January: pg_eval has no previous month of the year to evaluate */
    for (int u = 0; u < rs->nunits; u++) {
        double q = uniform();
        for (int m = 0; m < rs->nmetrics; m++) {
            if (m % 7 == 3 && u % 9 == 4) continue; /* not applicable: renormalised */
            double v = 0.3 + 0.7 * (0.6 * q + 0.4 * uniform());
            pg_dataset_set(ds, period, m, u, round(v * 1e4) / 1e4, NAN);
        }
    }
    double t0 = now();
    if (pg_eval(rs, ds, 0, period, &res, &d) != 0) goto fail;
    double t_eval = now() - t0;
    pg_sens_opts o = {.draws = z->draws, .spread = 0.2, .seed = seed, .threads = threads};
    t0 = now();
    double c0 = cpu();
    if (pg_sens_run(res, &o, &sv, &d) != 0) goto fail;
    double t_sens = now() - t0, c_sens = cpu() - c0;

    /* the peer: a full pg_eval per draw with the drawn weights in the rule set's points */
    int nw = sv->nweights;
    double *f = malloc(sizeof(double) * (size_t)nw),
           *tot = malloc(sizeof(double) * (size_t)rs->nunits);
    double t_peer = 0;
    int agree = 1;
    for (int k = 0; k < peer_draws; k++) {
        pg_sens_factors(seed, k, 0.2, nw, f);
        if (pg_sens_reaggregate(res, f, tot, NULL, NULL, &d) != 0) goto fail;
        double *saved = malloc(sizeof(double) * (size_t)nw * (size_t)rs->ngroups);
        double savedw[2];
        for (int w = 0; w < nw; w++) {
            const pg_sens_weight *wt = &sv->weights[w];
            if (wt->basis == PG_SENS_WEIGHT) { /* a weight under mean/geomean: its `weight` */
                saved[w * rs->ngroups] = rs->nodes[wt->node].weight;
                rs->nodes[wt->node].weight = wt->nominal * f[w];
            } else if (wt->node >= 0)
                for (int g = 0; g < rs->ngroups; g++) {
                    saved[w * rs->ngroups + g] = rs->nodes[wt->node].points[g];
                    rs->nodes[wt->node].points[g] *= f[w];
                }
        }
        /* parts: renormalised so the scheme keeps its maximum (both parts are worth 100) */
        pg_scheme *s = &rs->schemes[0];
        double w0 = s->parts[0].weight + s->parts[1].weight;
        double w1 = s->parts[0].weight * f[nw - 2] + s->parts[1].weight * f[nw - 1];
        for (int p = 0; p < 2; p++) {
            savedw[p] = s->parts[p].weight;
            s->parts[p].weight *= f[nw - 2 + p] * (w0 / w1);
        }
        pg_result *r2 = NULL;
        t0 = now();
        int erc = pg_eval(rs, ds, 0, period, &r2, &d);
        t_peer += now() - t0;
        for (int w = 0; w < nw; w++)
            if (sv->weights[w].basis == PG_SENS_WEIGHT)
                rs->nodes[sv->weights[w].node].weight = saved[w * rs->ngroups];
            else if (sv->weights[w].node >= 0)
                for (int g = 0; g < rs->ngroups; g++)
                    rs->nodes[sv->weights[w].node].points[g] = saved[w * rs->ngroups + g];
        for (int p = 0; p < 2; p++) s->parts[p].weight = savedw[p];
        free(saved);
        if (erc != 0) goto fail;
        for (int u = 0; u < rs->nunits; u++)
            if (r2->units[u].ranked && fabs(r2->units[u].total - tot[u]) > 0.0051) agree = 0;
        pg_result_free(r2);
    }
    free(f), free(tot);
    double peer_n = t_peer / peer_draws * (double)z->draws / 2;
    printf("%s%s: %d units × %d indicators, %d weights, N = %ld draws, ±20 %%, %d threads\n",
           z->name, ops ? ", dimensions by mean/geomean" : "", z->units, z->leaves, nw, z->draws,
           threads);
    printf("  pg_eval once (leaves scored):         %8.3f s\n", t_eval);
    printf("  pinggu sensitivity (pg_sens_run):     %8.3f s  (%.1f µs a draw; %s)\n", t_sens,
           t_sens / (double)z->draws * 1e6,
           smoke                ? "smoke: no target"
           : isinf(z->target)   ? "--draws: no target"
           : t_sens < z->target ? "target met"
                                : "target NOT met");
    printf("    its CPU time, all threads:          %8.3f s  (%.1f µs a draw; on a loaded machine "
           "CPU/threads is the wall time it would take alone)\n",
           c_sens, c_sens / (double)z->draws * 1e6);
    printf("  peer, full pg_eval a draw:            %8.3f s  (%d draws timed, %.1f ms a draw, "
           "extrapolated to N over 2 cores)\n",
           peer_n, peer_draws, t_peer / peer_draws * 1e3);
    printf("  ratio peer / pinggu sensitivity: %.1f ×; peer totals agree with the re-aggregation "
           "(±0.005): %s\n",
           peer_n / t_sens, agree ? "yes" : "NO");
    rc = 0;
    goto done;
fail:
    pg_diags_print(&d, stderr);
    rc = -1;
done:
    pg_sens_free(sv);
    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
    pg_diags_free(&d);
    if (keep)
        fprintf(stderr, "kept %s\n", dir);
    else
        remove_set(dir);
    return rc;
}

int main(int argc, char **argv)
{
    int smoke = 0, keep = 0, threads = 2, ops = 0;
    long draws = 0;
    const char *only = NULL;
    uint64_t seed = 2021;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--smoke"))
            smoke = 1;
        else if (!strcmp(argv[i], "--keep"))
            keep = 1;
        else if (!strcmp(argv[i], "--ops"))
            ops = 1;
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--draws") && i + 1 < argc)
            draws = atol(argv[++i]);
        else {
            fprintf(stderr,
                    "usage: bench_sensitivity [--smoke] [--seed N] [--threads N] [--keep] [--ops] "
                    "[--only province|city] [--draws N]\n");
            return 2;
        }
    }
    printf("bench_sensitivity (%s%s)\n", BUILD_OPT, smoke ? ", --smoke: no target applies" : "");
    size_spec full[2] = {{"province", 3000, 150, 10000, 5}, {"city", 36, 60, 100000, 2}};
    size_spec small[2] = {{"province (smoke)", 300, 30, 500, 5}, {"city (smoke)", 36, 60, 5000, 2}};
    size_spec *z = smoke ? small : full;
    for (int i = 0; draws > 0 && i < 2; i++) z[i].draws = draws, z[i].target = INFINITY;
    for (int i = 0; i < 2; i++)
        if ((!only || !strncmp(z[i].name, only, strlen(only))) &&
            run_size(&z[i], seed, threads, smoke ? 3 : (i == 0 ? 5 : 200), keep, smoke, ops) != 0) {
            fprintf(stderr, "bench_sensitivity: %s could not run\n", z[i].name);
            return 1;
        }
    return 0;
}
