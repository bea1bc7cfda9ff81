/* gen-raw.c — deterministic raw records for the Shanwei 2021 sample: every source that
 * rules/shanwei-2021/sources.lua declares, from 26 Dec 2020 to 31 Dec 2021.
 *
 *   gen-raw [--seed N] [--scale X] [--units FILE] --out DIR
 *
 * Writes DIR/<source>/<sampling month>.csv (sm_requests as .ndjson, to exercise both readers):
 * 2021-01 … 2021-12, and 2022-01 for 26–31 Dec 2021 (the year-end window runs to 31 Dec). At
 * scale 1 that is 100–150 thousand cases a month; --scale shrinks every volume (the tests use
 * a small scale so that their independent Lua model stays quick).
 *
 * Why C: tools/quickstart must work on a fresh Debian 12 with only the build packages (no Lua
 * interpreter), and a few million records take seconds here. quickstart compiles it with cc;
 * the test build compiles it with the project's warnings.
 *
 * Units: as many as --units lists (a province's 3,003 for tools/bench/province-run, its copies
 * of a Shanwei unit named <id>_<k> with that unit's profile).
 *
 * Determinism: one splitmix64 stream, units in units.csv order, fixed loops, integer
 * timestamps, no locale or time-zone calls: the same seed and scale give byte-identical files.
 *
 * The model (an assumption [A] anchored on REFERENCE.md §8): per-unit quality q (hand-set,
 * jittered by the seed) that improves through the year; volumes per unit profile (公安, 人社,
 * 医保, 自然资源, 市场监管 and the big counties dominate); 民情地图 and 善美店小二 ramp up from 30 %
 * in January to full volume in June. Timestamps are local, +08:00 or Z at random; every month
 * has records at 23:59:59 on the 25th and 00:00:00 on the 26th, in local and in Z form. A few
 * case rows are exported twice (same project_no): the engine reports and counts them once. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- random numbers ---- */
static uint64_t rng_state;
static uint64_t next64(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static double U(void) { return (double)(next64() >> 11) / 9007199254740992.0; }
static long R(long n) { return n > 0 ? (long)(next64() % (uint64_t)n) : 0; }
static int P(double p) { return U() < p; }
static double clamp(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }
/* A count with mean m: the integer part plus one with the fractional chance. */
static long count_of(double m)
{
    long k = (long)m;
    return k + P(m - (double)k);
}

/* ---- civil time: seconds of local wall time since 1970-01-01 00:00 ---- */
static long days_from_civil(long y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}
static void civil_from_days(long z, int *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}
static long T(int y, int m, int d, int hh, int mm, int ss)
{
    return days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
}
static int weekday(long t) /* 0 = Sunday */
{
    long days = t / 86400;
    return (int)(((days % 7) + 11) % 7);
}

/* Formats local time t: form 0 local "YYYY-MM-DD HH:MM:SS", 1 "YYYY-MM-DDTHH:MM:SS+08:00",
 * 2 UTC "YYYY-MM-DDTHH:MM:SSZ". */
static char *ts(char *buf, long t, int form)
{
    if (form == 2) t -= 8 * 3600;
    int y, m, d;
    civil_from_days(t / 86400, &y, &m, &d);
    long s = t % 86400;
    snprintf(buf, 40, "%04d-%02d-%02d%c%02ld:%02ld:%02ld%s", y, m, d, form ? 'T' : ' ', s / 3600,
             s / 60 % 60, s % 60, form == 1 ? "+08:00" : form == 2 ? "Z" : "");
    return buf;
}
static int form(void)
{
    double u = U();
    return u < 0.7 ? 0 : u < 0.9 ? 1 : 2;
}

/* ---- units and their profiles ---- */
typedef struct {
    const char *id;
    double q, cases, hf, mq, sm;
} profile;
/* q: base quality 0–1; cases per month (before scale); hf: high-frequency 粤系列 services;
 * mq: 民情地图 events a month at full volume; sm: 善美店小二 requests a month. */
static const profile profiles[] = {
    {"chengqu", 0.80, 11000, 30, 1500, 80},   {"haifeng", 0.68, 16000, 36, 2600, 120},
    {"luhe", 0.58, 5500, 26, 900, 40},        {"lufeng", 0.76, 19000, 38, 3000, 140},
    {"honghaiwan", 0.55, 1800, 16, 350, 20},  {"huaqiao", 0.48, 650, 12, 150, 8},
    {"xinqu", 0.50, 1100, 14, 260, 30},       {"fagai", 0.70, 280, 8, 5, 25},
    {"jiaoyu", 0.65, 720, 10, 20, 3},         {"keji", 0.60, 64, 3, 0.4, 10},
    {"gongxin", 0.70, 120, 5, 2, 30},         {"gongan", 0.82, 22000, 30, 120, 10},
    {"minzheng", 0.65, 960, 12, 40, 0.5},     {"sifa", 0.60, 480, 10, 15, 1},
    {"caizheng", 0.55, 96, 3, 1, 2},          {"renshe", 0.83, 16000, 25, 30, 20},
    {"ziran", 0.70, 7200, 20, 60, 25},        {"shengtai", 0.66, 240, 8, 50, 12},
    {"zhujian", 0.60, 2000, 14, 80, 30},      {"jiaotong", 0.60, 1600, 12, 40, 15},
    {"shuiwu", 0.55, 200, 6, 35, 6},          {"nongye", 0.54, 400, 8, 25, 8},
    {"shangwu", 0.66, 96, 5, 3, 20},          {"wenguang", 0.56, 320, 8, 15, 6},
    {"weijian", 0.70, 2400, 14, 30, 4},       {"tuijun", 0.50, 240, 5, 10, 0},
    {"yingji", 0.60, 120, 5, 30, 8},          {"shenji", 0.60, 0.6, 0, 0, 0},
    {"guozi", 0.52, 8, 1, 0.3, 3},            {"shijian", 0.80, 6400, 22, 70, 60},
    {"tongji", 0.58, 2.4, 0, 0, 0},           {"yibao", 0.76, 11200, 16, 20, 2},
    {"linye", 0.50, 64, 3, 10, 2},            {"chengguan", 0.60, 480, 8, 400, 10},
    {"xinfang", 0.56, 0, 0, 250, 0},          {"gongjijin", 0.80, 4000, 10, 5, 2},
};

typedef struct {
    char id[32], name[128], code[32], alias[128];
    int county;
    profile p;
} unit;
static unit *units; /* as many as units.csv lists: 36 for Shanwei, 3,003 for a province */
static int nunits, capunits;

static int load_units(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "gen-raw: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[1024];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        if (++lineno == 1) continue; /* header id,name,group,code,code_kind,aliases */
        line[strcspn(line, "\r\n")] = 0;
        char *col[6] = {0};
        char *s = line;
        for (int i = 0; i < 6; i++) {
            col[i] = s;
            s = strchr(s, ',');
            if (!s) break;
            *s++ = 0;
        }
        if (!col[3]) {
            fprintf(stderr, "gen-raw: %s:%d: expected id,name,group,code,code_kind,aliases\n",
                    path, lineno);
            fclose(f);
            return -1;
        }
        if (nunits == capunits) {
            unit *more = realloc(units, sizeof *units * (size_t)(capunits = capunits * 2 + 64));
            if (!more) {
                fprintf(stderr, "gen-raw: out of memory at %s:%d\n", path, lineno);
                fclose(f);
                return -1;
            }
            units = more;
        }
        unit *u = &units[nunits++];
        snprintf(u->id, sizeof u->id, "%s", col[0]);
        snprintf(u->name, sizeof u->name, "%s", col[1]);
        snprintf(u->code, sizeof u->code, "%s", col[3]);
        u->county = strcmp(col[2], "county") == 0;
        const char *a = col[5] ? col[5] : "";
        snprintf(u->alias, sizeof u->alias, "%.*s", (int)strcspn(a, "|"), a);
        u->p = (profile){u->id, 0.6, 160, 4, 5, 5};
        /* a province's copy of a Shanwei unit (tools/bench/province-run: jiaoyu_7) has the
         * profile of the unit it copies */
        size_t base = strlen(u->id), digits = 0;
        while (digits < base && u->id[base - 1 - digits] >= '0' && u->id[base - 1 - digits] <= '9')
            digits++;
        if (digits && digits < base && u->id[base - 1 - digits] == '_') base -= digits + 1;
        int exact = 0;
        for (size_t i = 0; i < sizeof profiles / sizeof *profiles; i++)
            if (strcmp(profiles[i].id, u->id) == 0) u->p = profiles[i], exact = 1;
        for (size_t i = 0; !exact && i < sizeof profiles / sizeof *profiles; i++)
            if (strlen(profiles[i].id) == base && strncmp(profiles[i].id, u->id, base) == 0)
                u->p = profiles[i];
    }
    fclose(f);
    return 0;
}

/* How an export names the unit: mostly the code, sometimes the name or an alias. */
static const char *unit_ref(const unit *u)
{
    double x = U();
    if (x < 0.8) return u->code;
    if (x < 0.9 || !u->alias[0]) return u->name;
    return u->alias;
}

/* ---- output ---- */
static const char *outdir;
static double scale = 1;

static FILE *open_out(const char *source, const char *month, const char *ext, const char *header)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", outdir, source);
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "gen-raw: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    snprintf(path, sizeof path, "%s/%s/%s.%s", outdir, source, month, ext);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "gen-raw: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    if (header) fputs(header, f);
    return f;
}
static void close_out(FILE *f)
{
    if (ferror(f) || fclose(f) != 0) {
        fprintf(stderr, "gen-raw: write error: %s\n", strerror(errno));
        exit(1);
    }
}

static const char *pick(const char *const *v, const double *w, int n)
{
    double x = U(), acc = 0;
    for (int i = 0; i < n; i++)
        if (x < (acc += w[i])) return v[i];
    return v[n - 1];
}

/* A time inside [start, end): online channels any hour, counters in office hours on weekdays
 * (a Saturday now and then: 调休 and weekend halls). */
static long when(long start, long end, int office)
{
    long days = (end - start) / 86400;
    for (;;) {
        long day = start + R(days) * 86400;
        if (!office) return day + R(86400);
        int wd = weekday(day);
        if ((wd == 0 || wd == 6) && !P(0.08)) continue;
        return day + 8 * 3600 + 30 * 60 + R(9 * 3600);
    }
}

/* ---- one sampling month ---- */
typedef struct {
    FILE *cases, *reviews, *ecert, *eseal, *apps, *mq, *sm;
} files;

static long seq_case, seq_review, seq_use, seq_sign, seq_event, seq_req;

static void write_case(files *F, const unit *u, double q, long t, int boundary_form)
{
    static const char *const channels[] = {"政务服务网", "粤省事", "粤商通", "自助终端", "邮寄"};
    static const double chw[] = {0.40, 0.25, 0.15, 0.15, 0.05};
    char a[40], b[40], c[40], no[40];
    int instant = P(0.28 + 0.22 * q);
    int window = P(clamp(0.5 - 0.4 * q, 0.03, 0.9));
    const char *channel = window ? "窗口" : pick(channels, chw, 5);
    int online = !window && strcmp(channel, "邮寄") != 0;
    int fully = online && P(0.88 + 0.12 * q);
    const char *level = "市";
    if (u->county) {
        double x = U();
        level = x < 0.5 ? "县" : x < 0.85 ? "镇" : "村";
        /* town and village halls lean on the counter */
        if (strcmp(level, "县") != 0 && online && P(0.25 * (1 - q))) {
            channel = "窗口", online = 0, fully = 0;
        }
    }
    static const int laws[] = {20, 15, 10, 30, 45};
    int anticipate = instant ? -1 : laws[R(5)];
    int promise = instant ? 0 : (int)(anticipate * (1 - clamp(0.45 + 0.4 * q + 0.1 * (U() - 0.5), 0.1, 0.95)) + 0.5);
    if (!instant && promise < 1) promise = 1;
    int suspend = P(0.05) ? 1 + (int)R(5) : 0;
    int done = P(0.97);
    long result = 0;
    if (done) {
        if (instant)
            result = t + 300 + R(4 * 3600);
        else {
            double wd = promise * (0.15 + 0.8 * U());
            if (P(0.06 * (1.1 - q))) wd = promise + 1 + R(5); /* late */
            wd += suspend;
            result = t + (long)(wd * 1.4 * 86400) + R(6 * 3600);
        }
    }
    static const char *const results[] = {"批准", "不予批准", "转报", "终止办件"};
    static const double rw[] = {0.90, 0.04, 0.03, 0.03};
    const char *rtype = done ? pick(results, rw, 4) : "";
    int decided = done && (strcmp(rtype, "批准") == 0 || strcmp(rtype, "不予批准") == 0);
    int sealed = decided && P(0.45 + 0.5 * q);
    int visits = fully ? 0 : P(0.3) ? 0 : P(0.85) ? 1 : 2;
    int applicable = P(0.4);
    int uses = applicable && P(clamp(0.25 + 0.65 * q, 0, 1));
    long sync = t + 60 + R(3600);
    if (P(0.05 * (1.05 - q))) sync += (2 + R(4)) * 86400;
    snprintf(no, sizeof no, "SW%010ld", ++seq_case);
    char ant[16] = "";
    if (anticipate > 0) snprintf(ant, sizeof ant, "%d", anticipate);
    /* Every random draw is its own statement: C leaves the order of evaluating a call's
     * arguments open, and the files must not depend on the compiler. */
    int f = boundary_form >= 0 ? boundary_form : form();
    ts(a, t, f);
    if (done) ts(b, result, form());
    else b[0] = 0;
    ts(c, sync, form());
    int copies = P(0.0002) ? 2 : 1; /* a row exported twice */
    const char *who = unit_ref(u);
    for (int k = 0; k < copies; k++)
        fprintf(F->cases, "%s,TC%s%04ld,%s,%s,%s,%s,%s,%s,%d,%s,%s,%d,%d,%s,%s,%s,%s,%s\n", no,
                u->code, seq_case % 97, who, level, instant ? "即办件" : "承诺件", channel, a, ant,
                promise, b, rtype, suspend, visits, fully ? "true" : "false",
                applicable ? "true" : "false", uses ? "1" : "0",
                done ? (sealed ? "true" : "false") : "", c);

    /* 好差评: one review per completed case; 7 days without one defaults to 基本满意 */
    if (done) {
        int active = P(clamp(0.45 + 0.5 * q, 0, 0.99));
        long rt = active ? result + 600 + R(5 * 86400) : result + 7 * 86400;
        int lvl = 3;
        if (active) {
            double x = U(), bad = 0.0003 * (1.5 - q);
            lvl = x < bad / 3 ? 1 : x < bad ? 2 : x < bad + 0.003 ? 3 : x < bad + 0.006 ? 4 : 5;
        }
        static const char *const rch[] = {"政务服务网", "短信", "粤省事", "粤商通", "政务服务APP",
                                          "实体大厅", "一体机", "热线"};
        static const double rchw[] = {0.2, 0.15, 0.2, 0.1, 0.05, 0.2, 0.05, 0.05};
        const char *ch = window ? "实体大厅" : pick(rch, rchw, 8);
        char tid[32] = "", st[32] = "", fix[40] = "", fb[16] = "";
        if (lvl <= 2) {
            snprintf(tid, sizeof tid, "GD%08ld", seq_review + 1);
            double x = U();
            const char *s = x < 0.1 ? "申诉成立-剔除" : x < 0.16 ? "整改中" : "已整改";
            snprintf(st, sizeof st, "%s", s);
            if (strcmp(s, "已整改") == 0) {
                long fixed = rt + (long)(86400 * (2 + U() * (q > 0.7 ? 18 : 26)));
                ts(fix, fixed, form());
                snprintf(fb, sizeof fb, "%s", P(0.8) ? "满意" : P(0.7) ? "基本满意" : "不满意");
            }
        }
        int linked = P(0.97);
        const char *rwho = unit_ref(u);
        int real = P(0.9);
        ts(a, rt, form());
        fprintf(F->reviews, "HP%010ld,%s,%s,%s,%d,%s,%s,%s,%s,%s,%s,%s\n", ++seq_review,
                linked ? no : "", rwho, ch, lvl, active ? "false" : "true", real ? "true" : "false",
                a, tid, st, fix, fb);
    }
    /* 用证: each use of an e-certificate while taking the case in */
    if (uses) {
        int n = 1 + P(0.3);
        for (int k = 0; k < n; k++) {
            static const char *const modes[] = {"调用", "核验", "下载", "亮证"};
            static const double mw[] = {0.6, 0.3, 0.05, 0.05};
            long issuer = R(100000), type = R(40);
            char check = "ABCDEFGHJKLMNPQRTUWXY0123456789"[R(31)];
            const char *uwho = unit_ref(u);
            long used = t - 60 - R(1800);
            ts(a, used, form());
            const char *mode = pick(modes, mw, 4);
            int ok = P(0.985);
            seq_use++;
            fprintf(F->ecert,
                    "YZ%010ld,1.2.156.3005.2.11441500MB2C%05ld.%s.%08ld.001.%c,CT%02ld,%s,%s,%s,%s,%s\n",
                    seq_use, issuer, u->code, seq_use, check, type, uwho, no, a, mode,
                    ok ? "成功" : "失败");
        }
    }
    /* 用章: the e-seal on the decision */
    if (sealed) {
        int seal = (int)R(3);
        const char *swho = unit_ref(u);
        int special = P(0.7);
        ts(a, result, form());
        long verified = R(4);
        fprintf(F->eseal, "QZ%010ld,SEAL%s%02d,%s,%s,办件结果,%s,%s,%ld\n", ++seq_sign, u->code,
                seal, swho, special ? "业务专用章" : "公章", no, a, verified);
    }
}

static void month(files *F, int M, long start, long end)
{
    char a[40], b[40], c[40], d[40];
    double ramp = M >= 6 ? 1 : 0.3 + 0.7 * (M - 1) / 5.0;
    double season = M == 2 ? 0.8 : M == 13 ? 1.0 : 1.0 + 0.03 * (M % 4);
    double span = (double)(end - start) / (30.0 * 86400);
    for (int i = 0; i < nunits; i++) {
        const unit *u = &units[i];
        double q = clamp(u->p.q + 0.015 * (M - 1) + 0.06 * (U() - 0.5), 0.05, 0.99);
        /* cases (and their reviews, certificate uses and seals) */
        long n = count_of(u->p.cases * scale * season * span * (0.9 + 0.2 * U()));
        for (long k = 0; k < n; k++) write_case(F, u, q, when(start, end, U() < 0.5), -1);
        /* events of the e-seal log that are not case results: documents and certificates */
        long docs = u->p.cases > 0 ? count_of((5 + u->p.cases * 0.01) * scale * span) : 0;
        for (long k = 0; k < docs; k++) {
            static const char *const dt[] = {"证照", "证明", "公文"};
            int seal = (int)R(3);
            const char *swho = unit_ref(u);
            const char *doc = dt[R(3)];
            long at = when(start, end, 1);
            ts(a, at, form());
            long verified = R(3);
            fprintf(F->eseal, "QZ%010ld,SEAL%s%02d,%s,公章,%s,,%s,%ld\n", ++seq_sign, u->code, seal,
                    swho, doc, a, verified);
        }
        /* 粤省事/粤商通: a snapshot of every catalogued service on the 20th (not for 26–31 Dec) */
        if (M <= 12) {
            int services = (int)(u->p.hf * 1.6 + 0.5);
            for (int s = 0; s < services; s++) {
                int hf = s < (int)u->p.hf;
                /* service s goes live in month 1 + s*k/services for a low-quality unit */
                int live_month = (int)((1 - u->p.q) * 14 * (s % 7) / 6.0);
                const char *status = M > live_month ? (s % 41 == 40 ? "已下线" : "已上线") : "待上线";
                int up = strcmp(status, "已上线") == 0;
                long visits = up ? count_of((200 + 3000 * u->p.q) * (hf ? 3 : 1) * (0.5 + U())) : 0;
                long users = visits / 3, done = strcmp(u->id, "shenji") && s % 2 ? visits / 5 : 0;
                char tc[64] = "";
                if (hf) snprintf(tc, sizeof tc, "TC%s%04d", u->code, s);
                const char *owho = unit_ref(u);
                ts(a, T(2021, M, 20, 10, 0, 0), form());
                fprintf(F->apps, "YX%s%03d-%02d,YX%s%03d,%s,%s,%s,%s,%s,%s,%s,%ld,%ld,%ld\n",
                        u->code, s, M, u->code, s, s % 3 == 2 ? "粤商通" : "粤省事", tc, owho,
                        s % 2 ? "办理" : "查询", hf ? "true" : "false", status, a, visits, users,
                        done);
            }
        }
        /* 民情地图 events */
        long ne = count_of(u->p.mq * scale * ramp * span * (0.85 + 0.3 * U()));
        for (long k = 0; k < ne; k++) {
            static const char *const cat[] = {"矛盾纠纷", "治安隐患", "环境卫生", "市政设施",
                                              "安全生产", "民生服务", "其他"};
            static const int due_days[] = {3, 1, 3, 5, 1, 7, 5};
            int ci = (int)R(7);
            long rep = when(start, end, 0);
            long asg = rep + 120 + R(1800);
            double hours = 0.3 + U() * U() * (2 + 30 * (1 - q));
            long sig = asg + (long)(hours * 3600);
            long due = rep + due_days[ci] * 86400;
            int closed = P(0.985);
            long clo = closed ? sig + (long)((P(0.9 + 0.09 * q) ? U() : 1 + U()) * (due - sig)) : 0;
            const char *status = !closed ? (P(0.1) ? "退回" : "处置中") : P(0.92) ? "已结案" : "已处置";
            const char *fb = closed && P(0.6) ? (P(0.9 + 0.08 * q) ? "满意" : P(0.6) ? "基本满意" : "不满意") : "";
            char e[40];
            long grid = R(u->county ? 400 : 10);
            const char *ewho = unit_ref(u);
            const char *reporter = u->county ? (P(0.8) ? "网格员" : "群众") : "部门流转";
            ts(a, rep, form());
            ts(b, asg, form());
            if (P(0.99)) ts(c, sig, form());
            else c[0] = 0;
            ts(d, due, form());
            if (closed) ts(e, clo, form());
            else e[0] = 0;
            int repeats = P(0.01) ? 1 + P(0.2) : 0;
            fprintf(F->mq, "MQ%09ld,G%s%03ld,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%d\n", ++seq_event,
                    u->code, grid, ewho, cat[ci], reporter, a, b, c, d, e, status, fb, repeats);
        }
        /* 善美店小二 requests (NDJSON) */
        long nr = count_of(u->p.sm * scale * ramp * span * (0.8 + 0.4 * U()));
        for (long k = 0; k < nr; k++) {
            static const char *const cat[] = {"政策咨询", "审批服务", "融资需求", "用工需求",
                                              "要素保障", "投诉建议", "其他"};
            long sub = when(start, end, U() < 0.7);
            int responded = P(0.995);
            long resp = sub + (long)(60 * (3 + U() * U() * (60 + 160 * (1 - q))));
            int closed = responded && P(0.97);
            long clo = resp + (long)(86400 * U() * (P(0.85 + 0.14 * q) ? 6.5 : 14));
            int rated = closed && P(0.7);
            int rating = rated ? (P(0.88 + 0.1 * q) ? 4 + (int)P(0.7) : 1 + (int)R(3)) : 0;
            long firm = R(10000000);
            fprintf(F->sm, "{\"request_id\":\"DX%08ld\",\"enterprise_code\":\"91441500MA%07ld\",", ++seq_req, firm);
            const char *rwho = unit_ref(u);
            const char *rcat = cat[R(7)];
            ts(a, sub, form());
            fprintf(F->sm, "\"org_code\":\"%s\",\"category\":\"%s\",\"submitted_at\":\"%s\",",
                    rwho, rcat, a);
            if (responded) fprintf(F->sm, "\"responded_at\":\"%s\",", ts(a, resp, form()));
            else fputs("\"responded_at\":null,", F->sm);
            if (closed) fprintf(F->sm, "\"closed_at\":\"%s\",", ts(a, clo, form()));
            fprintf(F->sm, "\"status\":\"%s\",\"rating\":", !responded ? "待响应" : closed ? "已办结" : "处理中");
            if (rated) fprintf(F->sm, "%d}\n", rating);
            else fputs("null}\n", F->sm);
        }
    }
    /* the cut-off: 23:59:59 on the 25th belongs here, 00:00:00 on the 26th to the next month;
     * the same instants written in Z form (15:59:59Z / 16:00:00Z on the 25th) */
    if (M <= 12) {
        int y = 2021;
        for (int i = 0; i < nunits; i += 9) {
            const unit *u = &units[i];
            write_case(F, u, u->p.q, T(y, M, 25, 23, 59, 59), 0);
            write_case(F, u, u->p.q, T(y, M, 25, 23, 59, 59), 2);
        }
    }
    { /* the first instant of this month's window, in both forms */
        for (int i = 4; i < nunits; i += 9) {
            const unit *u = &units[i];
            write_case(F, u, u->p.q, start, 0);
            write_case(F, u, u->p.q, start, 2);
        }
    }
}

int main(int argc, char **argv)
{
    uint64_t seed = 20211110;
    const char *units_file = "rules/shanwei-2021/units.csv";
    for (int i = 1; i < argc; i++) {
        char *end;
        if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            seed = strtoull(argv[++i], &end, 10);
            if (*end) goto usage;
        } else if (strcmp(argv[i], "--scale") == 0 && i + 1 < argc) {
            scale = strtod(argv[++i], &end);
            if (*end || !(scale > 0 && scale <= 10)) goto usage;
        } else if (strcmp(argv[i], "--units") == 0 && i + 1 < argc)
            units_file = argv[++i];
        else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            outdir = argv[++i];
        else
            goto usage;
    }
    if (!outdir) goto usage;
    if (mkdir(outdir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "gen-raw: %s: %s\n", outdir, strerror(errno));
        return 1;
    }
    rng_state = seed;
    if (load_units(units_file) != 0) return 1;
    for (int M = 1; M <= 13; M++) {
        char name[16];
        snprintf(name, sizeof name, "%04d-%02d", M == 13 ? 2022 : 2021, M == 13 ? 1 : M);
        long start = M == 1 ? T(2020, 12, 26, 0, 0, 0) : T(2021, M - 1, 26, 0, 0, 0);
        long end = M == 13 ? T(2022, 1, 1, 0, 0, 0) : T(2021, M, 26, 0, 0, 0);
        files F = {
            open_out("cases", name, "csv",
                     "project_no,task_code,org_code,handle_level,project_type,channel,accept_date,"
                     "anticipate_day,promise_day,result_date,result_type,suspend_days,visits,"
                     "fully_online,ecert_applicable,uses_ecert,result_sealed,sync_date\n"),
            open_out("reviews", name, "csv",
                     "review_id,project_no,org_code,channel,level,is_default,is_real_name,"
                     "reviewed_at,ticket_id,ticket_status,rectified_at,reviewer_feedback\n"),
            open_out("ecert_uses", name, "csv",
                     "use_id,cert_identifier,cert_type_code,using_org_code,project_no,used_at,mode,"
                     "result\n"),
            open_out("eseal_uses", name, "csv",
                     "sign_id,seal_id,org_code,seal_type,doc_type,project_no,signed_at,"
                     "verify_count\n"),
            M <= 12 ? open_out("app_services", name, "csv",
                               "record_id,service_id,platform,task_code,owner_org_code,"
                               "service_type,is_high_freq,status,stat_time,visits,unique_users,"
                               "transactions\n")
                    : NULL,
            open_out("mq_events", name, "csv",
                     "event_id,grid_code,org_code,category,reporter,reported_at,assigned_at,"
                     "signed_at,deadline,closed_at,status,feedback,repeat_count\n"),
            open_out("sm_requests", name, "ndjson", NULL),
        };
        month(&F, M, start, end);
        FILE **all = (FILE **)&F;
        for (size_t k = 0; k < sizeof F / sizeof(FILE *); k++)
            if (all[k]) close_out(all[k]);
    }
    return 0;
usage:
    fputs("usage: gen-raw [--seed N] [--scale X] [--units FILE] --out DIR\n", stderr);
    return 2;
}
