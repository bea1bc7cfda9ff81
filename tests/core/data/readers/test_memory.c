/* test_memory.c — memory does not grow with the file.
 *
 * A 50 MB CSV file and a 50 MB NDJSON file of case-like records are written (64 KiB at a
 * time, so that writing them does not raise the peak itself) and read through; the peak
 * resident size (ru_maxrss) may grow by at most 16 MB during each read, where a reader that
 * kept the file, or a part of it per record, would need at least 50. Every record is checked
 * to arrive, with a running checksum of its values. No timing is asserted: the figures of
 * record are in README.md beside this file. */
#include "rtest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define TARGET (50L * 1000 * 1000)
#define MAX_GROWTH_KB (16L * 1024)

static int setup(void **state)
{
    (void)state;
    rt_mkdir();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rt_cleanup();
    return 0;
}

static long peak_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

typedef struct {
    long n;
    double sum;
} tally;

static int add(void *ud, const pg_value *rec, int line)
{
    tally *t = ud;
    (void)line;
    t->n++;
    t->sum +=
        rec[2].num + rec[3].num + (rec[5].null ? 0 : rec[5].num / 1e9) + rec[6].num + rec[0].len;
    return 0;
}

/* Writes records until the file reaches TARGET bytes; returns how many, and their tally. */
static long write_big(const char *path, int json, tally *want)
{
    static const char *ch[] = {"窗口", "网上", "粤省事"};
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    char *chunk = malloc(64 * 1024);
    assert_non_null(chunk);
    size_t o = 0;
    long total = 0, n = 0;
    if (!json) o += (size_t)sprintf(chunk, "id,unit,n,x,ok,at,ch,note,extra\n");
    *want = (tally){0, 0};
    while (total + (long)o < TARGET) {
        int k = (int)(n % 3), day = 1 + (int)(n % 28);
        int has_at = n % 10 != 0;
        char id[32];
        int idlen = snprintf(id, sizeof id, "SW2021%012ld", n);
        char at_text[40] = "";
        if (has_at) snprintf(at_text, sizeof at_text, "2021-05-%02d 09:30:00", day);
        if (json)
            o += (size_t)sprintf(chunk + o,
                                 "{\"id\":\"%s\",\"unit\":\"4415990%02d\",\"n\":%ld,\"x\":%ld.25,"
                                 "\"ok\":%s,\"at\":%s%s%s,\"ch\":\"%s\","
                                 "\"note\":\"a \\\"note\\\", with commas\",\"extra\":[1,2]}\n",
                                 id, (int)(n % 40), n % 1000, n % 97, n % 2 ? "true" : "false",
                                 has_at ? "\"" : "null", at_text, has_at ? "\"" : "", ch[k]);
        else
            o += (size_t)sprintf(chunk + o,
                                 "%s,4415990%02d,%ld,%ld.25,%d,%s,%s,\"a \"\"note\"\", with "
                                 "commas\",x\n",
                                 id, (int)(n % 40), n % 1000, n % 97, (int)(n % 2), at_text, ch[k]);
        /* the same arithmetic as add() */
        double at = 0;
        if (has_at) at = 1619827200.0 - 8 * 3600 + (day - 1) * 86400.0 + 9.5 * 3600;
        want->sum +=
            (double)(n % 1000) + (double)(n % 97) + 0.25 + (has_at ? at / 1e9 : 0) + k + idlen;
        n++;
        if (o > 60 * 1024) {
            assert_int_equal(fwrite(chunk, 1, o, f), o);
            total += (long)o;
            o = 0;
        }
    }
    assert_int_equal(fwrite(chunk, 1, o, f), o);
    assert_int_equal(fclose(f), 0);
    free(chunk);
    want->n = n;
    return n;
}

static void big_file(int json)
{
    tally want;
    const char *p = rt_write(json ? "big.ndjson" : "big.csv", "", 0);
    char path[1024];
    snprintf(path, sizeof path, "%s", p);
    long n = write_big(path, json, &want);
    assert_true(n > 200000);

    long before = peak_kb();
    tally got = {0, 0};
    pg_read_stats st;
    pg_diags d = {0};
    /* the files carry an undeclared column or key: it is skipped, as a source that says
     * extra_columns = "ignore" has it */
    int rc = json ? pg_read_ndjson(rt_source_lenient(), path, SH, add, &got, &st, &d)
                  : pg_read_csv(rt_source_lenient(), path, SH, add, &got, &st, &d);
    long growth = peak_kb() - before;
    rt_print_diags(&d);
    assert_int_equal(rc, 0);
    assert_int_equal(st.errors, 0);
    assert_int_equal(st.records, n);
    assert_int_equal(got.n, n);
    assert_true(fabs(got.sum - want.sum) <= 1e-6 * fabs(want.sum));
    print_message("  %s: %ld records, peak RSS grew by %ld kB while reading\n",
                  json ? "NDJSON" : "CSV", n, growth);
    if (growth > MAX_GROWTH_KB) fail_msg("peak RSS grew by %ld kB reading a 50 MB file", growth);
    pg_diags_free(&d);
}

static void test_csv_50mb(void **state)
{
    (void)state;
    big_file(0);
}

static void test_ndjson_50mb(void **state)
{
    (void)state;
    big_file(1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_50mb),
        cmocka_unit_test(test_ndjson_50mb),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
