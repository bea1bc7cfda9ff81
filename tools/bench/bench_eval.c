/* bench_eval — how fast pg_eval scores a province-sized evaluation, next to peers measured in
 * the same process. A benchmark, never a test: it prints figures and does not fail on them.
 *
 * It writes a synthetic rule set into a temporary directory (3 groups, parts → dimensions →
 * leaves, every built-in method in turn; units.csv with --units units), loads it with
 * pg_ruleset_load, fills a pg_dataset directly from a fixed-seed generator (one period, the
 * year 2021, every cell present) and times pg_eval: one warm-up, then --runs runs, best and
 * median. A second variant gives every leaf the same small custom Lua function (a linear
 * formula on v with params), over the same tree, metrics and values. A third ("ops", with the
 * built-in variant) gives the dimensions aggregation operators instead of sums — odd ones
 * aggregate = "mean", even ones "geomean", leaves weighted 1, 2, 3 in turn — and its figure is
 * printed beside the sum's.
 *
 * Peers, measured in this process:
 *   (a)  lua_pcall of a trivial Lua function with 4 number arguments, in a fresh lua_State;
 *   (a') the same with a count hook every 1,000 instructions, as the sandbox installs one;
 *   (b)  the same call handing over a freshly built 10-value table;
 *   (c)  a plain C loop computing linear scores (the custom variant's formula and params)
 *        from the same value array for the same cells, without the engine.
 * The peers run once before and once after the engine; each is summarized over both rounds,
 * so that a burst of load from elsewhere on a shared machine skews the ratios less.
 *
 * scores/s = applicable (unit, leaf) cells / seconds of one pg_eval. Peak memory is the
 * process's ru_maxrss (cumulative: it is read after each phase, in order) and the Lua state's
 * bytes (pg_sandbox_memory). Usage: bench_eval [--units N] [--leaves N] [--runs N]
 * [--only builtin|custom] [--seed N] [--keep] [--smoke].
 *
 * --smoke: what the suite runs (tests/bench) so that the benchmark cannot rot: 60 units, 12
 * leaves, 1 timed run, one batch of 20,000 calls per peer and round; every phase once, every
 * figure and ratio printed, no target judged (they apply to the full sizes). Options after it
 * still apply. */
#include "data.h"
#include "score.h"
#include "rules.h"
#include "sandbox.h"

#include <errno.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define NGROUPS 3
#define MAX_PARTS 3
#define DIMS_PER_PART 5
#define PERIOD 202100 /* "2021" */
#define TARGET_BUILTIN 5e6
#define TARGET_CUSTOM 2e6
#define TARGET_RSS_MB 200.0

static const char *const group_ids[NGROUPS] = {"dept", "county", "town"};
static const char *const group_names[NGROUPS] = {"市直单位", "县(市、区)", "镇(街道)"};
/* Share of the units in each group (dept, county, town), in per mille. */
static const int group_permille[NGROUPS] = {300, 200, 500};
static const double part_share[MAX_PARTS] = {0.3, 0.4, 0.3};
static const char *const part_names[MAX_PARTS] = {"数字化支撑能力", "数字化服务能力",
                                                  "数字化服务成效"};

/* What this binary was built as, so that figures from a debug or sanitizer build are not
 * mistaken for the real ones. */
#ifdef __OPTIMIZE__
#define BUILD_OPT "optimized"
#else
#define BUILD_OPT "NOT optimized"
#define BUILD_UNREPRESENTATIVE 1
#endif
#if defined(__SANITIZE_ADDRESS__)
#define BUILD_SAN ", AddressSanitizer"
#ifndef BUILD_UNREPRESENTATIVE
#define BUILD_UNREPRESENTATIVE 1
#endif
#else
#define BUILD_SAN ""
#endif
#ifndef BUILD_UNREPRESENTATIVE
#define BUILD_UNREPRESENTATIVE 0
#endif
#ifdef __clang__
#define BUILD_CC "clang"
#else
#define BUILD_CC "gcc"
#endif
#ifdef NDEBUG
#define BUILD_NDEBUG ", NDEBUG"
#else
#define BUILD_NDEBUG ", assertions on"
#endif

/* ---- options, clock, generator ---- */

typedef struct {
    int units, leaves, runs;
    int builtin, custom;
    int keep, smoke;
    uint64_t seed;
} options;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rng;

static uint64_t splitmix64(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double uniform(void)
{
    return (double)(splitmix64() >> 11) * 0x1.0p-53;
}

static double clamp01(double x)
{
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

static double peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0; /* kilobytes on Linux */
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct {
    double best, median;
} timing;

static timing summarize(double *t, int n)
{
    qsort(t, (size_t)n, sizeof(double), cmp_double);
    timing r = {t[0], n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2};
    return r;
}

/* ---- the synthetic province ---- */

enum { M_LINEAR, M_STEPS, M_TARGET, M_BEST_RATIO, M_RANK, M_MINMAX, M_ZSCORE, M_DEDUCT, NMETHODS };
static const char *const method_names[NMETHODS] = {"linear", "steps",  "target", "best_ratio",
                                                   "rank",   "minmax", "zscore", "deduct"};

/* What a metric measures: a share (0–1) where higher is better, a share of bad cases, a
 * volume (count), or a small count of incidents. */
enum { V_SHARE, V_BAD_SHARE, V_VOLUME, V_INCIDENTS };

typedef struct {
    int method, lower, dim, vkind;
    int shares;        /* rank: with a shares list */
    double points;     /* for every group it applies to */
    double town_extra; /* added for group town (the first leaf of a dimension) */
    int no_town;       /* does not apply to group town (the last leaf of a dimension) */
    double lo, hi;     /* the custom variant's params; also the plain-C peer's */
} leaf_spec;

typedef struct {
    int nunits, nleaves, ndims, nparts;
    leaf_spec *leaves;
    double *dim_points, *part_points;
    int *unit_group;
    double *values; /* nleaves × nunits, leaf-major: the value of leaf l's metric for unit u */
} province;

static void province_make(province *p, int nunits, int nleaves, uint64_t seed)
{
    memset(p, 0, sizeof *p);
    rng = seed;
    p->nunits = nunits;
    p->nleaves = nleaves;
    p->ndims = nleaves < MAX_PARTS * DIMS_PER_PART ? nleaves : MAX_PARTS * DIMS_PER_PART;
    p->nparts = p->ndims < MAX_PARTS ? p->ndims : MAX_PARTS;
    p->leaves = calloc((size_t)nleaves, sizeof(leaf_spec));
    p->dim_points = calloc((size_t)p->ndims, sizeof(double));
    p->part_points = calloc((size_t)p->nparts, sizeof(double));
    p->unit_group = calloc((size_t)nunits, sizeof(int));
    p->values = calloc((size_t)nleaves * (size_t)nunits, sizeof(double));
    if (!p->leaves || !p->dim_points || !p->part_points || !p->unit_group || !p->values) {
        fprintf(stderr, "bench_eval: out of memory\n");
        exit(1);
    }

    int *first = malloc(sizeof(int) * (size_t)p->ndims),
        *last = malloc(sizeof(int) * (size_t)p->ndims);
    for (int d = 0; d < p->ndims; d++) first[d] = last[d] = -1;
    for (int l = 0; l < nleaves; l++) {
        leaf_spec *s = &p->leaves[l];
        s->dim = l % p->ndims;
        s->method = l % NMETHODS;
        /* A quarter of the methods that take `better` score lower-is-better. */
        s->lower = s->method != M_DEDUCT && (l / NMETHODS) % 4 == 3;
        s->shares = (l / NMETHODS) % 2;
        s->points = 1 + (l * 7 + l / 5) % 4;
        switch (s->method) {
        case M_BEST_RATIO:
        case M_RANK:
            s->vkind = V_VOLUME;
            break;
        case M_DEDUCT:
            s->vkind = V_INCIDENTS;
            break;
        default:
            s->vkind = s->lower ? V_BAD_SHARE : V_SHARE;
            break;
        }
        switch (s->vkind) {
        case V_SHARE:
            s->lo = 0.5, s->hi = 0.95;
            break;
        case V_BAD_SHARE:
            s->lo = 0.02, s->hi = 0.2;
            break;
        case V_VOLUME:
            s->lo = 0, s->hi = 1000;
            break;
        default:
            s->lo = 0, s->hi = 5;
            break;
        }
        if (s->vkind == V_INCIDENTS) s->lower = 1; /* custom variant: fewer is better */
        if (first[s->dim] < 0) first[s->dim] = l;
        last[s->dim] = l;
    }
    /* Per-group points: the last leaf of a dimension does not apply to towns; its points go
     * to the first leaf for them, so every group's dimension adds up to the same points. */
    for (int d = 0; d < p->ndims; d++)
        if (last[d] != first[d]) {
            p->leaves[last[d]].no_town = 1;
            p->leaves[first[d]].town_extra = p->leaves[last[d]].points;
        }
    for (int l = 0; l < nleaves; l++) p->dim_points[p->leaves[l].dim] += p->leaves[l].points;
    for (int d = 0; d < p->ndims; d++) p->part_points[d % p->nparts] += p->dim_points[d];
    free(first);
    free(last);

    double *quality = malloc(sizeof(double) * (size_t)nunits);
    for (int u = 0; u < nunits; u++) {
        int at = (int)((long)u * 1000 / nunits), g = 0, acc = group_permille[0];
        while (g < NGROUPS - 1 && at >= acc) acc += group_permille[++g];
        p->unit_group[u] = g;
        quality[u] = uniform();
    }
    for (int l = 0; l < nleaves; l++)
        for (int u = 0; u < nunits; u++) {
            double q = quality[u], x = uniform(), v;
            switch (p->leaves[l].vkind) {
            case V_SHARE:
                v = round(1e4 * clamp01(0.35 + 0.65 * (0.6 * q + 0.4 * x))) / 1e4;
                break;
            case V_BAD_SHARE:
                v = round(1e4 * 0.3 * (1 - q) * x) / 1e4;
                break;
            case V_VOLUME:
                v = floor(exp(7.6 * (0.5 * q + 0.5 * x)));
                break;
            default:
                v = floor(-log(1 - x) * (1.5 - q));
                break;
            }
            p->values[(size_t)l * (size_t)nunits + (size_t)u] = v;
        }
    free(quality);
}

static void province_free(province *p)
{
    free(p->leaves), free(p->dim_points), free(p->part_points), free(p->unit_group);
    free(p->values);
}

/* Files written into the temporary directory, so that cleanup removes exactly them. */
typedef struct {
    char dir[256];
    char *files[16];
    int nfiles;
} workdir;

static FILE *create(workdir *w, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", w->dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "bench_eval: cannot write %s: %s\n", path, strerror(errno));
        return NULL;
    }
    if (w->nfiles < (int)(sizeof w->files / sizeof w->files[0]))
        w->files[w->nfiles++] = strdup(name);
    return f;
}

static int finish(FILE *f)
{
    int bad = ferror(f);
    return fclose(f) != 0 || bad ? -1 : 0;
}

static void workdir_remove(workdir *w)
{
    char path[512];
    for (int i = 0; i < w->nfiles; i++) {
        snprintf(path, sizeof path, "%s/%s", w->dir, w->files[i]);
        if (unlink(path) != 0)
            fprintf(stderr, "bench_eval: cannot remove %s: %s\n", path, strerror(errno));
        free(w->files[i]);
    }
    w->nfiles = 0;
    if (rmdir(w->dir) != 0)
        fprintf(stderr, "bench_eval: cannot remove %s: %s\n", w->dir, strerror(errno));
}

static void write_method(FILE *f, const leaf_spec *s, int custom)
{
    const char *better = s->lower ? ", better = \"lower\"" : "";
    const char *only = s->lower ? " better = \"lower\"" : ""; /* as the only field */
    if (custom) {
        fprintf(f, "  method = scaled, params = { lo = %g, hi = %g%s },\n", s->lo, s->hi,
                s->lower ? ", lower = true" : "");
        return;
    }
    switch (s->method) {
    case M_LINEAR:
        fprintf(f, "  method = linear { lo = %g, hi = %g%s },\n", s->lo, s->hi, better);
        break;
    case M_STEPS:
        if (s->lower)
            fprintf(f, "  method = steps { { 0.02, 1 }, { 0.05, 0.8 }, { 0.1, 0.5 }, { 0.2, 0.2 }, "
                       "otherwise = 0, better = \"lower\" },\n");
        else
            fprintf(f, "  method = steps { { 0.95, 1 }, { 0.9, 0.85 }, { 0.8, 0.7 }, { 0.6, 0.4 }, "
                       "otherwise = 0 },\n");
        break;
    case M_TARGET:
        fprintf(f, "  method = target { target = %g%s },\n", s->lower ? 0.05 : 0.9, better);
        break;
    case M_BEST_RATIO:
        fprintf(f, "  method = best_ratio {%s },\n", only);
        break;
    case M_RANK:
        if (s->shares)
            fprintf(f,
                    "  method = rank { shares = { 1, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7 }, rest = "
                    "0.6%s },\n",
                    better);
        else
            fprintf(f, "  method = rank {%s },\n", only);
        break;
    case M_MINMAX:
        fprintf(f, "  method = minmax {%s },\n", only);
        break;
    case M_ZSCORE:
        fprintf(f, "  method = zscore { base = 0.6, per_sd = 0.2%s },\n", better);
        break;
    default:
        fprintf(f, "  method = deduct { per = 0.5, free = 1 },\n");
        break;
    }
}

/* Writes ruleset.lua, metrics.lua, part1..3.lua, schemes.lua and units.csv. */
static int write_ruleset(workdir *w, const province *p, int custom, int ops)
{
    FILE *f = create(w, "ruleset.lua");
    if (!f) return -1;
    fprintf(f, "-- bench_eval: a synthetic province (%d units, %d leaves)%s\n", p->nunits,
            p->nleaves, custom ? ", every leaf a custom Lua method" : "");
    fprintf(
        f,
        "ruleset {\n  id = \"bench-2021\",\n  name = \"省级数字政府第三方评估（基准测试）\",\n"
        "  year = 2021,\n  rounding = 2,\n  ranking = \"competition\",\n"
        "  tie_breakers = { \"p1\"%s },\n"
        "  bands = { { \"优秀\", 90 }, { \"良好\", 80 }, { \"合格\", 60 }, { \"不合格\", 0 } },\n"
        "  missing = \"zero\",\n  carry_limit = 3,\n"
        "  budget = { instructions = 1e6, memory_mb = 32 },\n}\n\n",
        p->nparts > 1 ? ", \"p2\"" : "");
    for (int g = 0; g < NGROUPS; g++)
        fprintf(f, "group \"%s\" { name = \"%s\" }\n", group_ids[g], group_names[g]);
    fprintf(f, "\nrequire \"metrics\"\n");
    for (int k = 0; k < p->nparts; k++) fprintf(f, "require \"part%d\"\n", k + 1);
    fprintf(f, "require \"schemes\"\n");
    if (finish(f)) return -1;

    if (!(f = create(w, "metrics.lua"))) return -1;
    static const char *const vunit[] = {"share", "share", "count", "count"};
    for (int l = 0; l < p->nleaves; l++)
        fprintf(f,
                "metric \"m%03d\" { name = \"数据项%03d\", unit = \"%s\", desc = \"合成数据\" }\n",
                l + 1, l + 1, vunit[p->leaves[l].vkind]);
    if (finish(f)) return -1;

    for (int k = 0; k < p->nparts; k++) {
        char name[32];
        snprintf(name, sizeof name, "part%d.lua", k + 1);
        if (!(f = create(w, name))) return -1;
        if (custom)
            fprintf(f, "local function scaled(v, group, unit, period, params)\n"
                       "  local s = (v - params.lo) / (params.hi - params.lo)\n"
                       "  if params.lower then s = 1 - s end\n"
                       "  if s < 0 then return 0 elseif s > 1 then return 1 end\n"
                       "  return s\n"
                       "end\n\n");
        fprintf(f, "indicator \"p%d\" { name = \"%s\", points = %g }\n\n", k + 1,
                part_names[k % MAX_PARTS], p->part_points[k]);
        for (int d = k; d < p->ndims; d += p->nparts) {
            fprintf(
                f,
                "indicator \"d%02d\" { parent = \"p%d\", name = \"维度%02d\", points = %g%s }\n\n",
                d + 1, k + 1, d + 1, p->dim_points[d],
                !ops    ? ""
                : d % 2 ? ", aggregate = \"geomean\""
                        : ", aggregate = \"mean\"");
            for (int l = d; l < p->nleaves; l += p->ndims) {
                const leaf_spec *s = &p->leaves[l];
                const char *how = custom ? "自定义" : method_names[s->method];
                fprintf(f, "indicator \"i%03d\" { parent = \"d%02d\", name = \"指标%03d（%s）\",\n",
                        l + 1, d + 1, l + 1, how);
                if (s->no_town)
                    fprintf(f, "  points = { dept = %g, county = %g },\n", s->points, s->points);
                else if (s->town_extra > 0)
                    fprintf(f, "  points = { dept = %g, county = %g, town = %g },\n", s->points,
                            s->points, s->points + s->town_extra);
                else
                    fprintf(f, "  points = %g,\n", s->points);
                fprintf(f, "  metric = \"m%03d\",\n", l + 1);
                if (ops) fprintf(f, "  weight = %d,\n", 1 + l % 3);
                write_method(f, s, custom);
                fprintf(f,
                        "  standard = \"按%s方法计分（合成规则）。\",\n  source = "
                        "\"合成数据，固定种子生成。\" }\n\n",
                        how);
            }
        }
        if (finish(f)) return -1;
    }

    if (!(f = create(w, "schemes.lua"))) return -1;
    fprintf(
        f,
        "scheme \"year_end\" { name = \"年度评估\", period = \"year\", max = 100,\n  parts = {\n");
    for (int k = 0; k < p->nparts; k++) {
        double share = p->nparts == MAX_PARTS ? part_share[k] : 1.0 / p->nparts;
        fprintf(f, "    { id = \"p%d\", weight = %.17g },\n", k + 1,
                100 * share / p->part_points[k]);
    }
    fprintf(f, "  } }\n");
    if (finish(f)) return -1;

    if (!(f = create(w, "units.csv"))) return -1;
    fprintf(f, "id,name,group,code,code_kind,aliases\n");
    for (int u = 0; u < p->nunits; u++) {
        int g = p->unit_group[u];
        if (g == 0)
            fprintf(f, "u%05d,市直单位%05d,dept,SJ%05d,nonstandard,\n", u + 1, u + 1, u + 1);
        else
            fprintf(f, "u%05d,%s%05d,%s,44%02d%02d%05d,gbt2260,\n", u + 1, g == 1 ? "县区" : "镇街",
                    u + 1, group_ids[g], 1 + u % 20, g, u + 1);
    }
    return finish(f);
}

/* ---- peers (a), (a'), (b): lua_pcall in a fresh lua_State ---- */

static void noop_hook(lua_State *L, lua_Debug *ar)
{
    (void)L, (void)ar;
}

/* Times `batches` batches of `calls` calls into t[] (ns per call), after one warm-up batch.
 * kind 0: f(v, lo, hi, w) with 4 numbers; kind 1: the same with a count hook every 1,000
 * instructions; kind 2: f(t) with a freshly built 10-value table. */
static void peer_pcall(int kind, long calls, int batches, double *t)
{
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    const char *src = kind == 2
                          ? "return function(t) return (t.v - t.lo) / (t.hi - t.lo) * t.w end"
                          : "return function(v, lo, hi, w) return (v - lo) / (hi - lo) * w end";
    if (luaL_dostring(L, src) != LUA_OK) {
        fprintf(stderr, "bench_eval: peer: %s\n", lua_tostring(L, -1));
        exit(1);
    }
    int fn = luaL_ref(L, LUA_REGISTRYINDEX);
    if (kind == 1) lua_sethook(L, noop_hook, LUA_MASKCOUNT, 1000);
    static const char *const keys[10] = {"v",   "lo",  "hi",   "w",  "n",
                                         "min", "max", "mean", "sd", "rank"};
    double sink = 0;
    for (int b = -1; b < batches; b++) { /* batch -1 warms up */
        double t0 = now();
        for (long i = 0; i < calls; i++) {
            double v = (double)(i & 1023) * 0.001;
            lua_rawgeti(L, LUA_REGISTRYINDEX, fn);
            int nargs = 4;
            if (kind == 2) {
                lua_createtable(L, 0, 10);
                for (int k = 0; k < 10; k++) {
                    lua_pushnumber(L, k == 0 ? v : k == 2 ? 1.0 : k == 3 ? 4.0 : 0.5 * k);
                    lua_setfield(L, -2, keys[k]);
                }
                nargs = 1;
            } else {
                lua_pushnumber(L, v);
                lua_pushnumber(L, 0);
                lua_pushnumber(L, 1);
                lua_pushnumber(L, 4);
            }
            if (lua_pcall(L, nargs, 1, 0) != LUA_OK) {
                fprintf(stderr, "bench_eval: peer: %s\n", lua_tostring(L, -1));
                exit(1);
            }
            sink += lua_tonumber(L, -1);
            lua_pop(L, 1);
        }
        if (b >= 0) t[b] = (now() - t0) * 1e9 / (double)calls;
    }
    if (sink < 0) puts(""); /* keep the calls' results alive */
    lua_close(L);
}

/* ---- peer (c): plain C linear scores over the same values and cells ---- */

typedef struct {
    double *pts; /* nleaves × NGROUPS: the leaf's points for a group, NAN where it does not apply */
    double *out; /* nleaves × nunits */
    long cells;
} plain_loop;

static void plain_setup(plain_loop *pl, const province *p)
{
    pl->pts = malloc(sizeof(double) * (size_t)p->nleaves * NGROUPS);
    pl->out = malloc(sizeof(double) * (size_t)p->nleaves * (size_t)p->nunits);
    pl->cells = 0;
    for (int l = 0; l < p->nleaves; l++)
        for (int g = 0; g < NGROUPS; g++) {
            const leaf_spec *s = &p->leaves[l];
            double x = g == 2 ? (s->no_town ? NAN : s->points + s->town_extra) : s->points;
            pl->pts[l * NGROUPS + g] = x;
        }
    for (int l = 0; l < p->nleaves; l++)
        for (int u = 0; u < p->nunits; u++)
            pl->cells += !isnan(pl->pts[l * NGROUPS + p->unit_group[u]]);
}

static void plain_run(plain_loop *pl, const province *p)
{
    for (int l = 0; l < p->nleaves; l++) {
        const leaf_spec *s = &p->leaves[l];
        const double *v = &p->values[(size_t)l * (size_t)p->nunits], *pts = &pl->pts[l * NGROUPS];
        double *out = &pl->out[(size_t)l * (size_t)p->nunits];
        double lo = s->lo, span = s->hi - s->lo;
        for (int u = 0; u < p->nunits; u++) {
            double x = (v[u] - lo) / span;
            if (s->lower) x = 1 - x;
            out[u] = clamp01(x) * pts[p->unit_group[u]]; /* NAN where the leaf does not apply */
        }
    }
}

/* ---- the engine ---- */

static long lua_entries;

static void count_entry(lua_State *L, lua_Debug *ar)
{
    (void)L, (void)ar;
    lua_entries++;
}

typedef struct {
    const char *label;
    double load_s, fill_s;
    timing eval_s;
    long cells;   /* applicable (unit, leaf) cells per evaluation */
    long entries; /* calls into Lua during one evaluation */
    long ok, errors, notes;
    int ranked;
    size_t lua_after_load, lua_after_eval;
    double rss_mb;
    double max_diff; /* custom: largest |engine − plain loop| over leaf cells */
} engine_result;

static int run_engine(const char *dir, const province *p, const options *o, int custom,
                      const plain_loop *pl, engine_result *r)
{
    memset(r, 0, sizeof *r);
    r->label = custom ? "custom" : "built-in";
    pg_diags d = {0};
    pg_ruleset *rs = NULL;
    double t0 = now();
    int rc = pg_ruleset_load(dir, &rs, &d);
    r->load_s = now() - t0;
    if (rc != 0 || d.warnings) pg_diags_print(&d, stderr);
    pg_diags_free(&d);
    if (rc != 0) {
        fprintf(stderr, "bench_eval: the synthetic rule set (%s) did not load\n", r->label);
        return -1;
    }
    r->lua_after_load = pg_sandbox_memory(rs->sb);

    /* Map the generator's leaves and units onto the loaded set by id. */
    int *metric = malloc(sizeof(int) * (size_t)p->nleaves),
        *unit = malloc(sizeof(int) * (size_t)p->nunits);
    int *node = malloc(sizeof(int) * (size_t)p->nleaves);
    for (int l = 0; l < p->nleaves; l++) {
        char id[16];
        snprintf(id, sizeof id, "m%03d", l + 1);
        metric[l] = pg_strmap_get(&rs->metric_ids, id);
        snprintf(id, sizeof id, "i%03d", l + 1);
        node[l] = pg_strmap_get(&rs->node_ids, id);
    }
    for (int u = 0; u < p->nunits; u++) {
        char id[16];
        snprintf(id, sizeof id, "u%05d", u + 1);
        unit[u] = pg_unit_find(rs, id);
    }
    int scheme = pg_strmap_get(&rs->scheme_ids, "year_end");

    pg_dataset *ds = pg_dataset_new(rs);
    t0 = now();
    for (int l = 0; l < p->nleaves; l++)
        for (int u = 0; u < p->nunits; u++)
            pg_dataset_set(ds, PERIOD, metric[l], unit[u],
                           p->values[(size_t)l * (size_t)p->nunits + (size_t)u], NAN);
    r->fill_s = now() - t0;

    for (int l = 0; l < p->nleaves; l++)
        for (int u = 0; u < rs->nunits; u++)
            r->cells += !isnan(rs->nodes[node[l]].points[rs->units[u].group]);

    /* Warm-up, which also checks what was computed and counts the calls into Lua: the
     * sandbox's budget hook is swapped for a call hook for this one evaluation only. */
    lua_State *L = pg_sandbox_state(rs->sb);
    lua_Hook hook = lua_gethook(L);
    int mask = lua_gethookmask(L), count = lua_gethookcount(L);
    lua_sethook(L, count_entry, LUA_MASKCALL, 0);
    lua_entries = 0;
    pg_result *res = NULL;
    rc = pg_eval(rs, ds, scheme, PERIOD, &res, &d);
    lua_sethook(L, hook, mask, count);
    r->entries = lua_entries;
    if (rc != 0) {
        pg_diags_print(&d, stderr);
        pg_diags_free(&d);
        fprintf(stderr, "bench_eval: pg_eval failed (%s)\n", r->label);
        pg_dataset_free(ds);
        pg_ruleset_free(rs);
        free(metric), free(unit), free(node);
        return -1;
    }
    for (int l = 0; l < p->nleaves; l++)
        for (int u = 0; u < p->nunits; u++) {
            const pg_cell *c = pg_result_cell(res, node[l], unit[u]);
            r->ok += c->status == PG_ST_OK;
            r->errors += c->status == PG_ST_ERROR;
            if (custom && c->status == PG_ST_OK) {
                double want = pl->out[(size_t)l * (size_t)p->nunits + (size_t)u];
                double diff = fabs(c->points - want);
                if (!(diff <= r->max_diff)) r->max_diff = isnan(diff) ? INFINITY : diff;
            }
        }
    for (int u = 0; u < rs->nunits; u++) r->ranked += res->units[u].ranked;
    r->notes = res->nnotes;
    pg_result_free(res);

    double *t = malloc(sizeof(double) * (size_t)o->runs);
    for (int i = 0; i < o->runs; i++) {
        t0 = now();
        rc = pg_eval(rs, ds, scheme, PERIOD, &res, &d);
        t[i] = now() - t0;
        if (rc == 0) pg_result_free(res);
    }
    pg_diags_free(&d);
    r->eval_s = summarize(t, o->runs);
    free(t);
    r->lua_after_eval = pg_sandbox_memory(rs->sb);
    r->rss_mb = peak_rss_mb();
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
    free(metric), free(unit), free(node);
    return 0;
}

/* ---- report ---- */

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_eval [--units N] [--leaves N] [--runs N] [--only builtin|custom] "
               "[--seed N] [--keep] [--smoke]\n");
}

static int parse_int(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || *end || errno || v < min || v > max) return -1;
    *out = v;
    return 0;
}

/* Verdicts go by the best run, as benchmarks do; a median that misses is flagged, since it
 * usually means the machine was busy with something else. */
static int smoke; /* --smoke: no target judged */

static const char *verdict2(int best_met, int median_met)
{
    return smoke        ? "not judged (--smoke)"
           : !best_met  ? "MISSED"
           : median_met ? "MET"
                        : "MET (best; the median misses: busy machine?)";
}

static const char *verdict(int met)
{
    return smoke ? "not judged (--smoke)" : met ? "MET" : "MISSED";
}

static void print_engine(const engine_result *r)
{
    printf("%s: load %.1f ms, dataset fill %.1f ms; Lua state %.2f MiB after load, %.2f MiB "
           "after the runs\n",
           r->label, r->load_s * 1e3, r->fill_s * 1e3, (double)r->lua_after_load / 1048576.0,
           (double)r->lua_after_eval / 1048576.0);
    printf("  pg_eval: best %.2f ms, median %.2f ms for %ld scores → %.2f M scores/s best, "
           "%.2f M median\n",
           r->eval_s.best * 1e3, r->eval_s.median * 1e3, r->cells,
           (double)r->cells / r->eval_s.best / 1e6, (double)r->cells / r->eval_s.median / 1e6);
    printf("  checked: %ld leaf cells ok, %ld errors, %d units ranked, %ld notes; calls into Lua "
           "during one eval: %ld (%.3f per score)\n",
           r->ok, r->errors, r->ranked, r->notes, r->entries,
           (double)r->entries / (double)r->cells);
    printf("  peak RSS of the process so far: %.1f MB\n", r->rss_mb);
}

int main(int argc, char **argv)
{
    options o = {3000, 150, 15, 1, 1, 0, 0, 20211110};
    for (int i = 1; i < argc; i++) {
        long v;
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--units") == 0 && parse_int(next, 1, 1000000, &v) == 0)
            o.units = (int)v, i++;
        else if (strcmp(a, "--leaves") == 0 && parse_int(next, 1, 999, &v) == 0)
            o.leaves = (int)v, i++;
        else if (strcmp(a, "--runs") == 0 && parse_int(next, 1, 100000, &v) == 0)
            o.runs = (int)v, i++;
        else if (strcmp(a, "--seed") == 0 && parse_int(next, 0, 0x7fffffffL, &v) == 0)
            o.seed = (uint64_t)v, i++;
        else if (strcmp(a, "--only") == 0 && next && strcmp(next, "builtin") == 0)
            o.custom = 0, i++;
        else if (strcmp(a, "--only") == 0 && next && strcmp(next, "custom") == 0)
            o.builtin = 0, i++;
        else if (strcmp(a, "--keep") == 0)
            o.keep = 1;
        else if (strcmp(a, "--smoke") == 0)
            o.smoke = smoke = 1, o.units = 60, o.leaves = 12, o.runs = 1;
        else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "bench_eval: bad argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }

    province p;
    province_make(&p, o.units, o.leaves, o.seed);
    plain_loop pl;
    plain_setup(&pl, &p);
    int groups[NGROUPS] = {0};
    for (int u = 0; u < p.nunits; u++) groups[p.unit_group[u]]++;
    printf("build: %s%s%s, %s %s%s\n", BUILD_OPT, BUILD_SAN, BUILD_NDEBUG, BUILD_CC, __VERSION__,
           BUILD_UNREPRESENTATIVE ? " — figures from this build are not representative" : "");
    printf(
        "bench_eval: %d units (dept %d, county %d, town %d), %d leaves under %d dimensions and %d "
        "parts, 1 period; %ld applicable scores; %d timed runs after one warm-up\n",
        p.nunits, groups[0], groups[1], groups[2], p.nleaves, p.ndims, p.nparts, pl.cells, o.runs);

    /* The peers are measured twice, before and after the engine, and summarized over both
     * rounds: on a shared machine a burst of load in one round would otherwise skew every
     * ratio. Each round: 7 batches (1 in --smoke) of (a), (a'), (b) and --runs runs of (c). */
    enum { MAX_BATCHES = 7 };
    const int BATCHES = o.smoke ? 1 : MAX_BATCHES;
    const long CALLS = o.smoke ? 20000 : 1000000, TABLE_CALLS = o.smoke ? 20000 : 200000;
    double ta[2 * MAX_BATCHES], th[2 * MAX_BATCHES], tb[2 * MAX_BATCHES];
    double *tc = malloc(sizeof(double) * 2 * (size_t)o.runs);
    peer_pcall(0, CALLS, BATCHES, ta);
    peer_pcall(1, CALLS, BATCHES, th);
    peer_pcall(2, TABLE_CALLS, BATCHES, tb);
    plain_run(&pl, &p); /* warm-up */
    for (int i = 0; i < o.runs; i++) {
        double t0 = now();
        plain_run(&pl, &p);
        tc[i] = now() - t0;
    }
    double round1[4] = {summarize(ta, BATCHES).best, summarize(th, BATCHES).best,
                        summarize(tb, BATCHES).best, summarize(tc, o.runs).best};

    engine_result rb = {0}, rcu = {0}, rop = {0};
    int failed = 0, have_b = 0, have_c = 0, have_op = 0;
    for (int variant = 0; variant <= 2; variant++) {
        int custom = variant == 1, ops = variant == 2;
        if (custom ? !o.custom : !o.builtin) continue;
        workdir w = {{0}, {0}, 0};
        const char *tmp = getenv("TMPDIR");
        snprintf(w.dir, sizeof w.dir, "%s/pinggu-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(w.dir)) {
            fprintf(stderr, "bench_eval: mkdtemp %s: %s\n", w.dir, strerror(errno));
            failed = 1;
            break;
        }
        engine_result *er = custom ? &rcu : ops ? &rop : &rb;
        int rc = write_ruleset(&w, &p, custom, ops);
        if (rc == 0) rc = run_engine(w.dir, &p, &o, custom, &pl, er);
        if (rc == 0) {
            if (ops) er->label = "built-in, dimensions by mean/geomean";
            print_engine(er);
            if (custom)
                have_c = 1;
            else if (ops)
                have_op = 1;
            else
                have_b = 1;
        } else
            failed = 1;
        if (o.keep) {
            printf("  rule set kept in %s\n", w.dir);
            for (int i = 0; i < w.nfiles; i++) free(w.files[i]);
        } else
            workdir_remove(&w);
    }

    peer_pcall(0, CALLS, BATCHES, ta + BATCHES);
    peer_pcall(1, CALLS, BATCHES, th + BATCHES);
    peer_pcall(2, TABLE_CALLS, BATCHES, tb + BATCHES);
    for (int i = 0; i < o.runs; i++) {
        double t0 = now();
        plain_run(&pl, &p);
        tc[o.runs + i] = now() - t0;
    }
    double round2[4] = {summarize(ta + BATCHES, BATCHES).best,
                        summarize(th + BATCHES, BATCHES).best,
                        summarize(tb + BATCHES, BATCHES).best, summarize(tc + o.runs, o.runs).best};
    timing pa = summarize(ta, 2 * BATCHES), ph = summarize(th, 2 * BATCHES),
           pb = summarize(tb, 2 * BATCHES), pc = summarize(tc, 2 * o.runs);
    free(tc);
    double plain_rate = (double)pl.cells / pc.best;

    printf("\npeers (best of both rounds; median; best before / after the engine runs):\n");
    printf("  (a)  lua_pcall, 4 numbers, fresh lua_State:             %7.1f ns/call; median %.1f; "
           "%.1f / %.1f\n",
           pa.best, pa.median, round1[0], round2[0]);
    printf("  (a') the same with a count hook every 1000 instructions: %7.1f ns/call; median %.1f; "
           "%.1f / %.1f\n",
           ph.best, ph.median, round1[1], round2[1]);
    printf("  (b)  lua_pcall handing over a fresh 10-value table:     %7.1f ns/call; median %.1f; "
           "%.1f / %.1f\n",
           pb.best, pb.median, round1[2], round2[2]);
    printf("  (c)  plain C linear loop, same values and cells:        %7.1f M scores/s; median "
           "%.1f; %.1f / %.1f\n",
           plain_rate / 1e6, (double)pl.cells / pc.median / 1e6, (double)pl.cells / round1[3] / 1e6,
           (double)pl.cells / round2[3] / 1e6);

    printf("\nratios (best against best):\n");
    printf("  peer (b) / peer (a):                    %6.1f ×\n", pb.best / pa.best);
    if (have_b) {
        double rate = (double)rb.cells / rb.eval_s.best;
        printf(
            "  built-in engine / peer (c):             %6.1f %% (%.1f ns per score vs %.2f ns)\n",
            100 * rate / plain_rate, 1e9 / rate, 1e9 / plain_rate);
    }
    if (have_c) {
        double ns = rcu.eval_s.best * 1e9 / (double)rcu.cells;
        printf("  custom cost per score / peer (a):       %6.2f × (%.1f ns per score vs %.1f ns)\n",
               ns / pa.best, ns, pa.best);
        printf("  custom cost per score / peer (a'):      %6.2f ×\n", ns / ph.best);
        printf("  custom cost per score / peer (b):       %6.2f ×\n", ns / pb.best);
        printf("  custom leaf points vs peer (c)'s:        max |diff| %.3g\n", rcu.max_diff);
    }

    printf("\ntargets (%d units × %d leaves)%s:\n", p.nunits, p.nleaves,
           o.smoke ? ", not judged: --smoke sizes are too small for them" : "");
    if (have_b) {
        double rate = (double)rb.cells / rb.eval_s.best;
        printf(
            "  built-in ≥ 5 M scores/s:                    %6.2f M/s best, %.2f M/s median  %s\n",
            rate / 1e6, (double)rb.cells / rb.eval_s.median / 1e6,
            verdict2(rate >= TARGET_BUILTIN,
                     (double)rb.cells / rb.eval_s.median >= TARGET_BUILTIN));
        printf("  built-in eval of all scores in < 0.1 s:     %6.1f ms best, %.1f ms median   %s\n",
               rb.eval_s.best * 1e3, rb.eval_s.median * 1e3,
               verdict2(rb.eval_s.best < 0.1, rb.eval_s.median < 0.1));
        printf("  built-in peak RSS < 200 MB:                 %6.1f MB                        %s\n",
               rb.rss_mb, verdict(rb.rss_mb < TARGET_RSS_MB));
        printf("  built-in: no Lua entry per unit:            %6ld calls into Lua per eval    %s\n",
               rb.entries, verdict(rb.entries == 0));
    }
    if (have_b && have_op)
        printf("  built-in, dimensions by mean/geomean:       %6.2f M/s best, %.2f M/s median  "
               "(sum: %.2f M/s best; no target of its own)\n",
               (double)rop.cells / rop.eval_s.best / 1e6,
               (double)rop.cells / rop.eval_s.median / 1e6,
               (double)rb.cells / rb.eval_s.best / 1e6);
    if (have_c) {
        double rate = (double)rcu.cells / rcu.eval_s.best;
        printf(
            "  custom ≥ 2 M scores/s:                      %6.2f M/s best, %.2f M/s median  %s\n",
            rate / 1e6, (double)rcu.cells / rcu.eval_s.median / 1e6,
            verdict2(rate >= TARGET_CUSTOM,
                     (double)rcu.cells / rcu.eval_s.median >= TARGET_CUSTOM));
        printf("  peak RSS after both variants:               %6.1f MB\n", rcu.rss_mb);
    }
    if ((have_b && rb.errors) || (have_c && rcu.errors))
        printf("  (some cells failed: see above)\n");
    free(pl.pts), free(pl.out);
    province_free(&p);
    return failed;
}
