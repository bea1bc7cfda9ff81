/* gen.c — the ingestion benchmark's data: N generated case records (办件), written both as
 * CSV and as NDJSON, the same records in the same order. Deterministic: the output depends
 * only on the seed, the record count and units.csv (splitmix64, no clock, no locale).
 *
 *   gen --units units.csv --out DIR [--records N] [--seed S]
 *
 * writes DIR/cases.csv and DIR/cases.ndjson. The twelve fields are those of the `cases`
 * source in rules/ruleset.lua:
 *   case_id        unique, in order
 *   org_code       one of the units of units.csv: its code (80 %), its name (10 %) or one of
 *                  its aliases (10 %); units have unequal sizes and come in random order
 *   item_code, item_name
 *                  strings; a few names need CSV quoting (an ASCII comma, doubled quotes) and
 *                  JSON escapes
 *   applicant_type 个人 / 法人
 *   accept_time    from 2020-12-20 to 2021-12-31 in time order, written as local time
 *                  "YYYY-MM-DD HH:MM:SS" (60 %), "YYYY-MM-DDTHH:MM:SS+08:00" (25 %) or UTC
 *                  "YYYY-MM-DDTHH:MM:SSZ" (15 %)
 *   result_time    accept_time plus a duration, in any of the three forms; null for 8 %;
 *                  1 % exactly at the promised number of days (the ≤ boundary)
 *   promise_days   1, 3, 5, 7, 10, 15, 20 or 30
 *   channel        窗口 / 网上 / 粤省事 / 粤商通 / 自助终端 / 邮寄
 *   fully_online, uses_ecert
 *                  CSV 1/0, JSON true/false
 *   rating         1–5, null for 45 % (NDJSON: null or the key left out, half each)
 * Nulls are empty CSV fields. Times are whole seconds. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;

static uint64_t next(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* uniform in [0, n) */
static uint64_t below(uint64_t n)
{
    return n ? next() % n : 0;
}

/* an index drawn from cumulative weights */
static int pick(const int *cum, int n)
{
    uint64_t r = below((uint64_t)cum[n - 1]);
    for (int i = 0; i < n; i++)
        if (r < (uint64_t)cum[i]) return i;
    return n - 1;
}

static void cumulate(int *w, int n)
{
    for (int i = 1; i < n; i++) w[i] += w[i - 1];
}

/* days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant) */
static long days_from_civil(int y, int m, int d)
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

#define OFFSET (8 * 3600) /* Asia/Shanghai */

/* Writes the UTC time t (seconds) in one of the three forms; returns the length. */
static int format_time(char *out, long long t, int form)
{
    long long local = form == 2 ? t : t + OFFSET;
    long day = (long)(local >= 0 ? local / 86400 : (local - 86399) / 86400);
    long sec = (long)(local - (long long)day * 86400);
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    static const char *const suffix[3] = {"", "+08:00", "Z"};
    return sprintf(out, "%04d-%02d-%02d%c%02ld:%02ld:%02ld%s", y, m, d, form ? 'T' : ' ',
                   sec / 3600, sec / 60 % 60, sec % 60, suffix[form]);
}

typedef struct {
    char *code, *name;
    char **aliases;
    int naliases;
} unit;

static char *dup_span(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p) abort();
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* units.csv: id,name,group,code,code_kind,aliases (no quoted fields in ours) */
static unit *read_units(const char *path, int *n)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(1);
    }
    char line[4096];
    unit *u = NULL;
    *n = 0;
    int first = 1;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (first || !line[0]) {
            first = 0;
            continue;
        }
        char *col[6] = {0};
        int nc = 0;
        for (char *p = line; nc < 6;) {
            col[nc++] = p;
            char *c = strchr(p, ',');
            if (!c) break;
            *c = '\0';
            p = c + 1;
        }
        if (nc < 4) continue;
        u = realloc(u, sizeof *u * (size_t)(*n + 1));
        unit *x = &u[(*n)++];
        x->code = dup_span(col[3], strlen(col[3]));
        x->name = dup_span(col[1], strlen(col[1]));
        x->aliases = NULL;
        x->naliases = 0;
        for (char *p = nc > 5 ? col[5] : NULL; p && *p;) {
            size_t len = strcspn(p, "|");
            x->aliases = realloc(x->aliases, sizeof(char *) * (size_t)(x->naliases + 1));
            x->aliases[x->naliases++] = dup_span(p, len);
            p += len + (p[len] == '|');
        }
    }
    fclose(f);
    return u;
}

/* s as a CSV field (quoted when it holds a comma, quote or newline) */
static void csv_str(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    putc('"', f);
    for (; *s; s++) {
        if (*s == '"') putc('"', f);
        putc(*s, f);
    }
    putc('"', f);
}

/* s as a JSON string (our strings hold no control characters) */
static void json_str(FILE *f, const char *s)
{
    putc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') putc('\\', f);
        putc(*s, f);
    }
    putc('"', f);
}

static const char *const item_names[] = {
    "企业投资项目备案",
    "不动产登记（首次登记）",
    "户籍迁移, 市内迁移",
    "社会保障卡申领",
    "个体工商户设立登记",
    "关于\"一件事\"套餐办理",
    "建设工程规划许可证核发",
    "城乡居民基本养老保险参保登记",
    "住房公积金提取",
    "食品经营许可",
    "道路运输经营许可, 货运",
    "医师执业注册",
};
#define NITEMS ((int)(sizeof item_names / sizeof *item_names))

static const char *const channels[] = {"窗口", "网上", "粤省事", "粤商通", "自助终端", "邮寄"};

int main(int argc, char **argv)
{
    long long records = 5000000;
    uint64_t seed = 20211126;
    const char *units_path = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--records") && i + 1 < argc)
            records = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--units") && i + 1 < argc)
            units_path = argv[++i];
        else if (!strcmp(argv[i], "--out") && i + 1 < argc)
            out = argv[++i];
        else {
            fprintf(stderr, "usage: gen --units units.csv --out DIR [--records N] [--seed S]\n");
            return 2;
        }
    }
    if (!units_path || !out || records < 1) {
        fprintf(stderr, "usage: gen --units units.csv --out DIR [--records N] [--seed S]\n");
        return 2;
    }
    rng_state = seed;
    int nunits;
    unit *units = read_units(units_path, &nunits);
    if (nunits < 1) {
        fprintf(stderr, "gen: no units in %s\n", units_path);
        return 1;
    }
    /* unequal unit sizes: weights 1..40-ish, shuffled by the seed */
    int *uw = malloc(sizeof(int) * (size_t)nunits);
    for (int i = 0; i < nunits; i++) uw[i] = 1 + (int)below(40);
    cumulate(uw, nunits);
    int chw[6] = {35, 25, 20, 10, 7, 3};
    cumulate(chw, 6);
    int pdays[8] = {1, 3, 5, 7, 10, 15, 20, 30};
    int rw[5] = {3, 3, 10, 24, 60};
    cumulate(rw, 5);

    char path[4096];
    snprintf(path, sizeof path, "%s/cases.csv", out);
    FILE *csv = fopen(path, "w");
    snprintf(path, sizeof path, "%s/cases.ndjson", out);
    FILE *nd = fopen(path, "w");
    if (!csv || !nd) {
        perror(path);
        return 1;
    }
    static char bcsv[1 << 20], bnd[1 << 20];
    setvbuf(csv, bcsv, _IOFBF, sizeof bcsv);
    setvbuf(nd, bnd, _IOFBF, sizeof bnd);
    fputs("case_id,org_code,item_code,item_name,applicant_type,accept_time,result_time,"
          "promise_days,channel,fully_online,uses_ecert,rating\n",
          csv);

    /* 2020-12-20 00:00 to 2022-01-01 00:00 local, in UTC seconds */
    long long t0 = (long long)days_from_civil(2020, 12, 20) * 86400 - OFFSET;
    long long t1 = (long long)days_from_civil(2022, 1, 1) * 86400 - OFFSET;
    long long t = t0, span = t1 - t0;
    uint64_t step2 = (uint64_t)(2 * span / records);
    for (long long r = 0; r < records; r++) {
        t += (long long)below(step2 + 1);
        if (t >= t1) t = t1 - 1;
        int u = pick(uw, nunits);
        const unit *un = &units[u];
        uint64_t k = below(10);
        const char *org = k < 8 ? un->code
                          : k == 8 || !un->naliases ? un->name
                                                     : un->aliases[below((uint64_t)un->naliases)];
        int item = (int)below(NITEMS);
        char item_code[64];
        sprintf(item_code, "11441500%03dQZ%05d", u, item * 97 + 13);
        const char *applicant = below(10) < 7 ? "个人" : "法人";
        int form_a = (int)below(20), form_r = (int)below(20);
        form_a = form_a < 12 ? 0 : form_a < 17 ? 1 : 2;
        form_r = form_r < 12 ? 0 : form_r < 17 ? 1 : 2;
        char accept[40], result[40] = "";
        format_time(accept, t, form_a);
        int promise = pdays[below(8)];
        int has_result = below(100) >= 8;
        if (has_result) {
            uint64_t x = below(100);
            long long dur = x == 0 ? (long long)promise * 86400
                                   : 60 + (long long)below((uint64_t)promise * 86400 * 23 / 20);
            format_time(result, t + dur, form_r);
        }
        int ch = pick(chw, 6);
        int online = ch >= 1 && ch <= 3;
        int full = online ? below(10) < 6 : below(50) == 0;
        int ecert = below(10) < 3;
        int rating = below(100) < 45 ? 0 : 1 + pick(rw, 5);

        /* CSV */
        fprintf(csv, "4415%04d%012lld,", 2021, r + 1);
        csv_str(csv, org);
        fprintf(csv, ",%s,", item_code);
        csv_str(csv, item_names[item]);
        fprintf(csv, ",%s,%s,%s,%d,%s,%d,%d,", applicant, accept, result, promise, channels[ch],
                full, ecert);
        if (rating) fprintf(csv, "%d", rating);
        putc('\n', csv);

        /* NDJSON */
        fprintf(nd, "{\"case_id\":\"4415%04d%012lld\",\"org_code\":", 2021, r + 1);
        json_str(nd, org);
        fprintf(nd, ",\"item_code\":\"%s\",\"item_name\":", item_code);
        json_str(nd, item_names[item]);
        fprintf(nd, ",\"applicant_type\":\"%s\",\"accept_time\":\"%s\",\"result_time\":", applicant,
                accept);
        if (has_result)
            fprintf(nd, "\"%s\"", result);
        else
            fputs("null", nd);
        fprintf(nd, ",\"promise_days\":%d,\"channel\":\"%s\",\"fully_online\":%s,\"uses_ecert\":%s",
                promise, channels[ch], full ? "true" : "false", ecert ? "true" : "false");
        if (rating)
            fprintf(nd, ",\"rating\":%d", rating);
        else if (r & 1)
            fputs(",\"rating\":null", nd);
        fputs("}\n", nd);
    }
    if (fclose(csv) != 0 || fclose(nd) != 0) {
        perror("gen: write");
        return 1;
    }
    return 0;
}
