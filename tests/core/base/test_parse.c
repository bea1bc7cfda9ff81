/* test_parse.c — zone names (pg_tz_offset) and timestamp parsing (pg_time_parse).
 *
 * Every string is handed to the parser in a heap buffer of exactly its length, without a
 * terminating NUL, so under AddressSanitizer a read past `len` fails the test. Expected
 * instants are epoch seconds worked out independently (Python's datetime), not by the code
 * under test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

#define SH (8 * 3600) /* Asia/Shanghai */

/* 2021-05-01T00:00:00Z, and the same wall clock in Shanghai */
#define MAY1_UTC 1619827200.0
#define MAY1_SH (MAY1_UTC - SH)

/* Parses the first n bytes of s from a copy that has no byte after them. */
static int parse_n(const char *s, size_t n, int offset, double *t)
{
    char *buf = malloc(n ? n : 1);
    assert_non_null(buf);
    memcpy(buf, s, n);
    int rc = pg_time_parse(buf, n, offset, t);
    free(buf);
    return rc;
}

static int parse(const char *s, int offset, double *t)
{
    return parse_n(s, strlen(s), offset, t);
}

static void expect(const char *s, int offset, double want)
{
    double t = -12345;
    int rc = parse(s, offset, &t);
    if (rc != 0 || t != want) fail_msg("%s: rc %d, t %.9f, want %.9f", s, rc, t, want);
}

static void reject(const char *s, int offset)
{
    double t = -12345;
    int rc = parse(s, offset, &t);
    if (rc != -EINVAL) fail_msg("\"%s\" accepted as %.9f (rc %d)", s, t, rc);
    assert_true(t == -12345); /* untouched on failure */
}

static void test_tz_names(void **state)
{
    int off = -1;
    assert_int_equal(pg_tz_offset("Asia/Shanghai", &off), 0);
    assert_int_equal(off, 28800);
    assert_int_equal(pg_tz_offset("Asia/Hong_Kong", &off), 0);
    assert_int_equal(off, 28800);
    assert_int_equal(pg_tz_offset("Asia/Macau", &off), 0);
    assert_int_equal(off, 28800);
    assert_int_equal(pg_tz_offset("Asia/Taipei", &off), 0);
    assert_int_equal(off, 28800);
    assert_int_equal(pg_tz_offset("PRC", &off), 0);
    assert_int_equal(off, 28800);
    assert_int_equal(pg_tz_offset("Asia/Chongqing", &off), 0);
    assert_int_equal(off, 28800);
    assert_int_equal(pg_tz_offset("Asia/Urumqi", &off), 0);
    assert_int_equal(off, 21600);
    off = -1;
    assert_int_equal(pg_tz_offset("UTC", &off), 0);
    assert_int_equal(off, 0);
    off = -1;
    assert_int_equal(pg_tz_offset("Etc/UTC", &off), 0);
    assert_int_equal(off, 0);
    off = -1;
    assert_int_equal(pg_tz_offset("Z", &off), 0);
    assert_int_equal(off, 0);
}

static void test_tz_literal_offsets(void **state)
{
    int off = 0;
    assert_int_equal(pg_tz_offset("+08:00", &off), 0);
    assert_int_equal(off, 28800);
    assert_int_equal(pg_tz_offset("-05:30", &off), 0);
    assert_int_equal(off, -19800);
    assert_int_equal(pg_tz_offset("+0800", &off), 0);
    assert_int_equal(off, 28800);
    assert_int_equal(pg_tz_offset("-0330", &off), 0);
    assert_int_equal(off, -12600);
    assert_int_equal(pg_tz_offset("+05:45", &off), 0);
    assert_int_equal(off, 20700);
    assert_int_equal(pg_tz_offset("-00:00", &off), 0);
    assert_int_equal(off, 0);
    assert_int_equal(pg_tz_offset("+23:59", &off), 0);
    assert_int_equal(off, 86340);
}

static void test_tz_unknown(void **state)
{
    static const char *const bad[] = {
        "",
        "asia/shanghai",
        "Asia/Shanghai ",
        " UTC",
        "utc",
        "GMT+8",
        "CST",
        "Asia/Tokyo",
        "Europe/London",
        "America/New_York",
        "+08",
        "+8",
        "08:00",
        "+08:0",
        "+080",
        "+08:00:00",
        "+24:00",
        "+08:60",
        "z",
        "+08-00",
        "++0800",
        "+0a:00",
        "Z ",
        "UTC+8",
        "+08:00Z",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int off = 4242;
        if (pg_tz_offset(bad[i], &off) != -EINVAL) fail_msg("zone \"%s\" accepted", bad[i]);
        assert_int_equal(off, 4242);
    }
    int off = 0;
    assert_int_equal(pg_tz_offset(NULL, &off), -EINVAL);
}

static void test_parse_dates(void **state)
{
    /* a bare date is 00:00 local */
    expect("2021-05-01", SH, MAY1_SH);
    expect("2021-05-01", 0, MAY1_UTC);
    expect("1970-01-01", 0, 0);
    expect("1970-01-01", SH, -SH);
    expect("2020-02-29", SH, 1582934400.0 - SH); /* leap year */
    expect("2000-02-29", 0, 951782400.0);        /* divisible by 400: leap */
    expect("1900-01-01", SH, -2209017600.0);
    expect("0001-01-01", 0, -62135596800.0);
    expect("0000-02-29", 0, -62162121600.0); /* proleptic Gregorian: year 0 is a leap year */
    expect("9999-12-31", 0, 253402214400.0);
    expect("2021-12-31", 0, 1640908800.0);
    expect("2021-01-31", 0, 1612051200.0);
    expect("2021-04-30", 0, 1619740800.0);
}

static void test_parse_times(void **state)
{
    expect("2021-05-01 08:00", SH, MAY1_UTC);
    expect("2021-05-01T08:00", SH, MAY1_UTC);
    expect("2021-05-01 08:00:00", SH, MAY1_UTC);
    expect("2021-05-01T08:00:00", SH, MAY1_UTC);
    expect("2021-05-01 00:00:00", 0, MAY1_UTC);
    expect("2021-05-01 23:59:59", 0, MAY1_UTC + 86399);
    expect("2021-05-01 12:34:56", SH, MAY1_UTC - SH + 12 * 3600 + 34 * 60 + 56);
    expect("2020-02-29 12:34:56", SH, 1582950896.0);
    expect("1969-12-31 23:59:59", 0, -1);
    expect("9999-12-31 23:59:59", 0, 253402300799.0);
    /* the local offset is whatever the caller says */
    expect("2021-05-01 00:00", -19800, MAY1_UTC + 19800);
}

static void test_parse_fractions(void **state)
{
    expect("2021-05-01 08:00:00.5", SH, MAY1_UTC + 0.5);
    expect("2021-05-01T08:00:00.250", SH, MAY1_UTC + 0.25);
    expect("2021-05-01T08:00:00.0", SH, MAY1_UTC);
    expect("2021-05-01T08:00:00.000000000", SH, MAY1_UTC);
    expect("2021-05-01T00:00:00.125Z", SH, MAY1_UTC + 0.125);
    expect("2021-05-01T08:00:00.125+08:00", 0, MAY1_UTC + 0.125);
    double t;
    assert_int_equal(parse("2021-05-01T08:00:00.123456789", SH, &t), 0);
    assert_true(fabs(t - (MAY1_UTC + 0.123456789)) < 1e-6);
    assert_int_equal(parse("2021-05-01T08:00:00.1234567", SH, &t), 0); /* .NET's 7 digits */
    assert_true(fabs(t - (MAY1_UTC + 0.1234567)) < 1e-6);
    /* a fraction never reaches the next second, however the double rounds */
    assert_int_equal(parse("2021-05-01T07:59:59.999999999", SH, &t), 0);
    assert_true(t < MAY1_UTC && t > MAY1_UTC - 1e-3);
    assert_true(floor(t) == MAY1_UTC - 1);
    assert_int_equal(parse("1969-12-31T23:59:59.999999999Z", SH, &t), 0);
    assert_true(t < 0 && floor(t) == -1);
}

static void test_parse_offsets(void **state)
{
    /* a written offset overrides the caller's local offset */
    expect("2021-05-01T00:00:00Z", SH, MAY1_UTC);
    expect("2021-05-01 00:00:00Z", SH, MAY1_UTC);
    expect("2021-05-01T00:00Z", SH, MAY1_UTC);
    expect("2021-05-01T08:00:00+08:00", 0, MAY1_UTC);
    expect("2021-05-01T08:00:00+0800", 0, MAY1_UTC);
    expect("2021-05-01T08:00+08:00", -3600, MAY1_UTC);
    expect("2021-05-01T08:00+0800", -3600, MAY1_UTC);
    expect("2021-04-30T18:30:00-05:30", SH, MAY1_UTC);
    expect("2021-04-30T18:30:00-0530", SH, MAY1_UTC);
    expect("2021-05-01T00:00:00+00:00", SH, MAY1_UTC);
    expect("2021-05-01T00:00:00-00:00", SH, MAY1_UTC);
    expect("2021-05-01T05:45:00+05:45", SH, MAY1_UTC);
    expect("2021-05-01T23:59:00+23:59", SH, MAY1_UTC);
}

static void test_parse_rejects_bad_dates(void **state)
{
    reject("2021-02-29", SH); /* not a leap year */
    reject("1900-02-29", SH); /* divisible by 100, not by 400 */
    reject("2021-02-30", SH);
    reject("2021-04-31", SH);
    reject("2021-06-31", SH);
    reject("2021-09-31", SH);
    reject("2021-11-31", SH);
    reject("2021-01-32", SH);
    reject("2021-01-00", SH);
    reject("2021-00-10", SH);
    reject("2021-13-01", SH);
    reject("2021-99-99", SH);
    reject("2021-02-29 12:00:00", SH);
    reject("2021-02-29T12:00:00Z", SH);
}

static void test_parse_rejects_bad_times(void **state)
{
    reject("2021-05-01 24:00", SH);
    reject("2021-05-01 24:00:00", SH);
    reject("2021-05-01T24:00:00Z", SH);
    reject("2021-05-01 25:00:00", SH);
    reject("2021-05-01 23:60", SH);
    reject("2021-05-01 23:60:00", SH);
    reject("2021-05-01 23:59:60", SH); /* no leap seconds */
    reject("2021-05-01 23:59:61", SH);
    reject("2021-05-01 99:99:99", SH);
    reject("2021-05-01 8:00", SH);
    reject("2021-05-01 08:0", SH);
    reject("2021-05-01 08:00:0", SH);
    reject("2021-05-01 08", SH);
    reject("2021-05-01 0800", SH);
    reject("2021-05-01 08:00:", SH);
    reject("2021-05-01 08:00:00.", SH);
    reject("2021-05-01 08:00:00.1234567890", SH); /* at most nine digits */
    reject("2021-05-01 08:00.5", SH);             /* a fraction only after seconds */
    reject("2021-05-01 08:00:00,5", SH);          /* '.' only */
    reject("2021-05-01 08:00:00.5.5", SH);
    reject("2021-05-01 08:00:00.-5", SH);
}

static void test_parse_rejects_bad_offsets(void **state)
{
    reject("2021-05-01T08:00:00z", SH);
    reject("2021-05-01T08:00:00+8", SH);
    reject("2021-05-01T08:00:00+08", SH);
    reject("2021-05-01T08:00:00+080", SH);
    reject("2021-05-01T08:00:00+08:0", SH);
    reject("2021-05-01T08:00:00+08:000", SH);
    reject("2021-05-01T08:00:00+08:00:00", SH);
    reject("2021-05-01T08:00:00+24:00", SH);
    reject("2021-05-01T08:00:00+08:60", SH);
    reject("2021-05-01T08:00:00 +08:00", SH);
    reject("2021-05-01T08:00:00 Z", SH);
    reject("2021-05-01T08:00:00ZZ", SH);
    reject("2021-05-01T08:00:00Z+08:00", SH);
    reject("2021-05-01T08:00:00+08:00Z", SH);
    reject("2021-05-01T08:00:00 UTC", SH);
    reject("2021-05-01T08:00:00 CST", SH);
    reject("2021-05-01T08:00:00+08-00", SH);
    /* a calendar date takes no zone */
    reject("2021-05-01Z", SH);
    reject("2021-05-01+08:00", SH);
}

static void test_parse_rejects_garbage(void **state)
{
    static const char *const bad[] = {
        "",
        "2",
        "2021",
        "2021-05",
        "2021-5-1",
        "2021-05-1",
        "21-05-01",
        "20210501",
        "2021/05/01",
        "2021.05.01",
        "2021年5月1日",
        "abcd-ef-gh",
        "-2021-05-01",
        "+2021-05-01",
        "12021-05-01",
        " 2021-05-01",
        "2021-05-01 ", /* no trailing spaces: trimming is the reader's business */
        "2021-05-01\t",
        "2021-05-01\n",
        "2021-05-01\r\n",
        "2021-05-01T",
        "2021-05-01 ",
        "2021-05-01  08:00",
        "2021-05-01t08:00",
        "2021-05-01_08:00",
        "2021-05-01T08:00:00Z ",
        "2021-05-01 08:00:00 ",
        "2021-05-01 08:00 junk",
        "2021-05-01T08:00:00+08:00 ",
        "2021-05-01T08:00:00.5 ",
        "2021-O5-01",
        "2021-05-0l",
        "２０２１-05-01",
        "null",
        "NaN",
        "1619827200",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) reject(bad[i], SH);
    double t = 0;
    assert_int_equal(pg_time_parse(NULL, 0, SH, &t), -EINVAL);
    assert_int_equal(pg_time_parse("2021-05-01", 10, SH, NULL), -EINVAL);
}

static void test_parse_is_length_delimited(void **state)
{
    double t = 0;
    /* bytes after len are not part of the input, whatever they are */
    assert_int_equal(parse_n("2021-05-01 08:00:00", 10, SH, &t), 0);
    assert_true(t == MAY1_SH);
    assert_int_equal(parse_n("2021-05-01T08:00:00Z,next,fields", 20, SH, &t), 0);
    assert_true(t == MAY1_UTC + 8 * 3600);
    assert_int_equal(parse_n("2021-05-01 08:00:00.5\"", 21, SH, &t), 0);
    assert_true(t == MAY1_UTC + 0.5);
    assert_int_equal(parse_n("2021-05-01 08:00+08:00xyz", 22, 0, &t), 0);
    assert_true(t == MAY1_UTC);
    /* cutting a valid time short is not valid */
    assert_int_equal(parse_n("2021-05-01 08:00:00", 9, SH, &t), -EINVAL);
    assert_int_equal(parse_n("2021-05-01 08:00:00", 11, SH, &t), -EINVAL);
    assert_int_equal(parse_n("2021-05-01 08:00:00", 18, SH, &t), -EINVAL);
    assert_int_equal(parse_n("2021-05-01T08:00:00+08:00", 24, SH, &t), -EINVAL);
    assert_int_equal(parse_n("2021-05-01T08:00:00+08:00", 23, SH, &t), -EINVAL);
    assert_int_equal(parse_n("2021-05-01T08:00:00+08:00", 22, SH, &t), -EINVAL);
    assert_int_equal(parse_n("2021-05-01 08:00:00.5", 20, SH, &t), -EINVAL);
    assert_int_equal(parse_n("2021-05-01", 0, SH, &t), -EINVAL);
    /* a NUL inside len is a byte like any other, and not a digit */
    assert_int_equal(parse_n("2021-05-01\0", 11, SH, &t), -EINVAL);
    assert_int_equal(parse_n("2021-05-01 08:00\0", 17, SH, &t), -EINVAL);
    assert_int_equal(parse_n("2021-05\0-01", 10, SH, &t), -EINVAL);
}

/* Every valid day of a leap and a common year parses, and to consecutive midnights;
 * every day-of-month one past the end is rejected. */
static void test_parse_every_day(void **state)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    double prev = 0;
    int first = 1;
    for (int y = 2020; y <= 2021; y++) {
        for (int m = 1; m <= 12; m++) {
            int n = len[m - 1] + (m == 2 && y == 2020);
            for (int d = 1; d <= n + 1; d++) {
                char buf[32];
                double t;
                snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, d);
                if (d > n) {
                    reject(buf, SH);
                    continue;
                }
                assert_int_equal(parse(buf, SH, &t), 0);
                if (!first) assert_true(t - prev == 86400);
                prev = t;
                first = 0;
            }
        }
    }
}

/* pg_time_parse_memo gives what pg_time_parse gives, whatever came before it: a run of texts
 * sharing dates, then a bad date, a bad time after a remembered date, and a change of day. */
static void test_parse_memo_agrees(void **state)
{
    (void)state;
    static const char *texts[] = {
        "2021-05-25 23:59:59",
        "2021-05-25T08:00:00Z",
        "2021-05-25",
        "2021-05-26 00:00:00",
        "2021-05-26T00:00:00+08:00",
        "2021-02-29 10:00:00",
        "2021-05-26 24:00:00",
        "2021-05-26 12:00:00.5",
        "2021-05-26x",
        "2021-05-26 12:00",
        "2020-02-29",
        "2020-02-29 01:02:03-05:30",
        "2021-13-01",
        "2021-05-26 12:00:00Zjunk",
        "0000-01-01",
        "9999-12-31T23:59:59.999999999Z",
    };
    pg_time_memo m = {0};
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
            double a = -1, b = -1;
            size_t len = strlen(texts[i]);
            int ra = pg_time_parse(texts[i], len, 8 * 3600, &a);
            int rb = pg_time_parse_memo(texts[i], len, 8 * 3600, &m, &b);
            assert_int_equal(ra, rb);
            if (ra == 0) assert_memory_equal(&a, &b, sizeof a);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tz_names),
        cmocka_unit_test(test_tz_literal_offsets),
        cmocka_unit_test(test_tz_unknown),
        cmocka_unit_test(test_parse_dates),
        cmocka_unit_test(test_parse_times),
        cmocka_unit_test(test_parse_fractions),
        cmocka_unit_test(test_parse_offsets),
        cmocka_unit_test(test_parse_rejects_bad_dates),
        cmocka_unit_test(test_parse_rejects_bad_times),
        cmocka_unit_test(test_parse_rejects_bad_offsets),
        cmocka_unit_test(test_parse_rejects_garbage),
        cmocka_unit_test(test_parse_is_length_delimited),
        cmocka_unit_test(test_parse_every_day),
        cmocka_unit_test(test_parse_memo_agrees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
