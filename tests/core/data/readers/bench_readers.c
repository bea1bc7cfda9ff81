/* bench_readers.c — records per second of the CSV and NDJSON readers; not a test.
 *
 *   cmake --build BUILD --target readers_bench
 *   BUILD/tests/core/data/readers/readers_bench [records (default 1000000)] [runs (default 5)]
 *
 * Writes a file of case records of each format into a fresh directory under $TMPDIR (13
 * columns, about 160 bytes a CSV line and 340 an NDJSON line: two ids, a unit code, two
 * enums in Chinese, three times, an int, a decimal, a bool, an undeclared name in Chinese —
 * one in eight quoted with a comma and "" inside — and a nullable int; a tenth of the
 * result times and a quarter of the ints are empty), reads each `runs` times through the
 * public reader with 12 declared fields and a small aggregation in the callback (a sum and a
 * count per channel), and prints the best and median CPU time, records per second and the
 * peak RSS. The files are removed afterwards. Timings move with the machine's load: compare
 * figures taken in the same minute. */
#include "reader.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static char *channels[] = {"窗口", "网上", "粤省事", "粤商通", "自助终端", "邮寄"};
static char *kinds[] = {"即办件", "承诺件"};
static pg_field fields[] = {
    {"project_no", PG_FT_STRING, 0, NULL, 0, 0},  {"task_code", PG_FT_STRING, 0, NULL, 0, 0},
    {"org_code", PG_FT_STRING, 0, NULL, 0, 0},    {"channel", PG_FT_ENUM, 0, channels, 6, 0},
    {"project_type", PG_FT_ENUM, 0, kinds, 2, 0}, {"accept_at", PG_FT_TIME, 0, NULL, 0, 0},
    {"promise_at", PG_FT_TIME, 0, NULL, 0, 0},    {"result_at", PG_FT_TIME, 1, NULL, 0, 1},
    {"promise_days", PG_FT_INT, 0, NULL, 0, 0},   {"fee", PG_FT_NUMBER, 0, NULL, 0, 0},
    {"fully_online", PG_FT_BOOL, 0, NULL, 0, 0},  {"satisfaction", PG_FT_INT, 1, NULL, 0, 1},
};
static const pg_source source = {.name = "cases",
                                 .fields = fields,
                                 .nfields = 12,
                                 .unit_field = 2,
                                 .time_field = 5,
                                 .key_field = 0,
                                 .file = "bench",
                                 .line = 1,
                                 /* the files carry an undeclared column, "applicant", as
                                  * exports do: the bench measures skipping it */
                                 .extra_ignore = 1};

static uint64_t seed = 42;

static uint64_t next(void)
{
    uint64_t z = (seed += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void generate(const char *path, int json, long n)
{
    static const char *names[] = {"张三", "李四", "王五", "陈小明", "汕尾市某某有限公司", "黄六"};
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(1);
    }
    seed = 42;
    if (!json)
        fputs("project_no,task_code,org_code,channel,project_type,accept_at,promise_at,"
              "result_at,promise_days,fee,fully_online,applicant,satisfaction\n",
              f);
    for (long i = 0; i < n; i++) {
        uint64_t x = next();
        int d = 1 + (int)(x % 28), h = (int)((x >> 8) % 24), m = (int)((x >> 16) % 60),
            s = (int)((x >> 24) % 60), pd = (int)((x >> 32) % 20);
        int has_result = (x >> 40) % 10 != 0, fee = (int)((x >> 50) % 10000);
        int online = (int)((x >> 60) & 1), sat = 1 + (int)((x >> 52) % 5);
        int has_sat = (x >> 56) % 4 != 0, quoted = (x >> 61) == 0;
        const char *ch = channels[(x >> 44) % 6], *kind = kinds[(x >> 48) % 2];
        const char *name = names[(x >> 57) % 6];
        char accept[32], promise[32], result[40] = "", org[16], task[40];
        snprintf(accept, sizeof accept, "2021-05-%02d %02d:%02d:%02d", d, h, m, s);
        snprintf(promise, sizeof promise, "2021-06-%02d %02d:%02d:%02d", d, h, m, s);
        if (has_result)
            snprintf(result, sizeof result, "2021-05-%02d %02d:%02d:%02d", d, (h + 3) % 24, m, s);
        snprintf(org, sizeof org, "4415990%02d", (int)((x >> 3) % 40));
        snprintf(task, sizeof task, "11441500007%019llu",
                 (unsigned long long)(x % 10000000000000000000ULL));
        if (!json) {
            fprintf(f, "SW2021%012ld,%s,%s,%s,%s,%s,%s,%s,%d,%d.%02d,%d,%s,", i, task, org, ch,
                    kind, accept, promise, result, pd, fee / 100, fee % 100, online,
                    quoted ? "\"某, \"\"公司\"\"\"" : name);
            if (has_sat) fprintf(f, "%d", sat);
            fputc('\n', f);
        } else {
            fprintf(f,
                    "{\"project_no\":\"SW2021%012ld\",\"task_code\":\"%s\",\"org_code\":\"%s\","
                    "\"channel\":\"%s\",\"project_type\":\"%s\",\"accept_at\":\"%s\","
                    "\"promise_at\":\"%s\",\"result_at\":%s%s%s,\"promise_days\":%d,"
                    "\"fee\":%d.%02d,\"fully_online\":%s,\"applicant\":\"%s\"",
                    i, task, org, ch, kind, accept, promise, has_result ? "\"" : "",
                    has_result ? result : "null", has_result ? "\"" : "", pd, fee / 100, fee % 100,
                    online ? "true" : "false", quoted ? "某, \\\"公司\\\"" : name);
            if (has_sat) fprintf(f, ",\"satisfaction\":%d", sat);
            fputs("}\n", f);
        }
    }
    if (fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

typedef struct {
    double fee;
    long per_channel[6];
} agg;

static int add(void *ud, const pg_value *rec, int line)
{
    agg *a = ud;
    (void)line;
    a->fee += rec[9].num;
    a->per_channel[(int)rec[3].num]++;
    return 0;
}

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void bench(const char *label, const char *path, int json, long n, int runs)
{
    double *t = calloc((size_t)runs, sizeof *t);
    if (!t) exit(1);
    for (int k = 0; k < runs; k++) {
        agg a = {0};
        pg_read_stats st;
        pg_diags d = {0};
        double t0 = cpu_now();
        int rc = json ? pg_read_ndjson(&source, path, 8 * 3600, add, &a, &st, &d)
                      : pg_read_csv(&source, path, 8 * 3600, add, &a, &st, &d);
        t[k] = cpu_now() - t0;
        if (rc != 0 || st.records != n || st.errors != 0) {
            pg_diags_print(&d, stderr);
            fprintf(stderr, "%s: rc %d, %ld records, %ld errors\n", label, rc, st.records,
                    st.errors);
            exit(1);
        }
        pg_diags_free(&d);
    }
    qsort(t, (size_t)runs, sizeof *t, cmp_double);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    FILE *f = fopen(path, "rb");
    long size = 0;
    if (f && fseek(f, 0, SEEK_END) == 0) size = ftell(f);
    if (f) fclose(f);
    printf("%-6s %ld records, %.0f MB: best %.3f s = %.2f M records/s (%.0f MB/s), median %.3f s "
           "= %.2f M/s; peak RSS %ld MB\n",
           label, n, size / 1e6, t[0], n / t[0] / 1e6, size / t[0] / 1e6, t[runs / 2],
           n / t[runs / 2] / 1e6, ru.ru_maxrss / 1024);
    free(t);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    if (n <= 0 || runs <= 0) {
        fprintf(stderr, "usage: %s [records] [runs]\n", argv[0]);
        return 2;
    }
    const char *tmp = getenv("TMPDIR");
    char dir[512], csv[600], ndjson[600];
    snprintf(dir, sizeof dir, "%s/pinggu-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror(dir);
        return 1;
    }
    snprintf(csv, sizeof csv, "%s/cases.csv", dir);
    snprintf(ndjson, sizeof ndjson, "%s/cases.ndjson", dir);
    generate(csv, 0, n);
    generate(ndjson, 1, n);
    bench("CSV", csv, 0, n, runs);
    bench("NDJSON", ndjson, 1, n, runs);
    unlink(csv);
    unlink(ndjson);
    rmdir(dir);
    return 0;
}
