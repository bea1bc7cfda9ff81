/* test_values.c — text to typed values (core/data/reader_value.c), called directly.
 *
 * Checked: decimals against strtod on a quarter of a million random numbers, bit for bit
 * (the hand-written fast path must round exactly as the C library does), and the edges of
 * the number syntax; integers up to ±2^53; booleans; times through pg_time_parse; enums,
 * with a thousand values (the hash table) and values declared twice; UTF-8 validation
 * (overlong forms, surrogates, code points past U+10FFFF, cut sequences); empty text as null
 * and "missing required field"; and how a value is shown in a message (quoted, escaped, cut
 * at 60 bytes on a character boundary). Every text is passed in a heap buffer of exactly its
 * length, so under AddressSanitizer a read past the end fails the test. */
#include "rtest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader_value.h"

static pg_rv_plan *plan;

static int setup(void **state)
{
    (void)state;
    plan = pg_rv_plan_new(rt_source(), SH);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pg_rv_plan_free(plan);
    return 0;
}

enum { F_ID, F_UNIT, F_N, F_X, F_OK, F_AT, F_CH, F_NOTE };

/* Converts the first n bytes of s, from an exact-size copy. Returns the reason or NULL. */
static const char *conv_n(int field, const char *s, size_t n, pg_value *v)
{
    static char why[PG_RV_WHY];
    static char keep[PG_RV_WHY];
    char *copy = malloc(n ? n : 1);
    assert_non_null(copy);
    memcpy(copy, s, n);
    const char *r = pg_rv_convert(plan, field, copy, n, v, why);
    free(copy);
    if (!r) return NULL;
    snprintf(keep, sizeof keep, "%s", r);
    return keep;
}

static const char *conv(int field, const char *s, pg_value *v)
{
    return conv_n(field, s, strlen(s), v);
}

static double num(int field, const char *s)
{
    pg_value v;
    const char *r = conv(field, s, &v);
    if (r) fail_msg("\"%s\": %s", s, r);
    assert_false(v.null);
    return v.num;
}

static void rejects(int field, const char *s, const char *reason)
{
    pg_value v;
    const char *r = conv(field, s, &v);
    if (!r) fail_msg("\"%s\" accepted as %.17g", s, v.num);
    if (!strstr(r, reason)) fail_msg("\"%s\": \"%s\" does not say \"%s\"", s, r, reason);
}

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint64_t next(void)
{
    uint64_t z = (rng += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void test_numbers_match_strtod(void **state)
{
    (void)state;
    char s[128];
    for (int i = 0; i < 250000; i++) {
        uint64_t r = next();
        size_t o = 0;
        if (r & 1) s[o++] = '-';
        int ni = (int)(r >> 1 & 31) % 21, nf = (int)(r >> 6 & 31) % 21;
        if (ni == 0 && nf == 0) ni = 1;
        for (int k = 0; k < ni; k++) s[o++] = (char)('0' + next() % 10);
        if (nf || (r >> 11 & 3) == 0) s[o++] = '.';
        for (int k = 0; k < nf; k++) s[o++] = (char)('0' + next() % 10);
        if ((r >> 13 & 3) == 0) o += (size_t)sprintf(s + o, "e%d", (int)(next() % 700) - 350);
        s[o] = '\0';
        pg_value v;
        const char *why = conv(F_X, s, &v);
        double want = strtod(s, NULL);
        if (!isfinite(want)) {
            if (!why || !strstr(why, "out of range")) fail_msg("\"%s\": want out of range", s);
            continue;
        }
        if (why) fail_msg("\"%s\": %s", s, why);
        if (memcmp(&v.num, &want, sizeof want) != 0)
            fail_msg("\"%s\": %.17g, strtod says %.17g", s, v.num, want);
    }
}

static void test_number_syntax(void **state)
{
    (void)state;
    assert_true(num(F_X, "0") == 0);
    assert_true(signbit(num(F_X, "-0")));
    assert_true(num(F_X, "+1.25") == 1.25);
    assert_true(num(F_X, ".5") == 0.5);
    assert_true(num(F_X, "5.") == 5);
    assert_true(num(F_X, "1E3") == 1000);
    assert_true(num(F_X, "1e+3") == 1000);
    assert_true(num(F_X, "0.1") == 0.1);
    assert_true(num(F_X, "00012.5000") == 12.5);
    assert_true(num(F_X, "1e-400") == 0);
    assert_true(num(F_X, "1.7976931348623157e308") == 1.7976931348623157e308);
    assert_true(num(F_X, "4.9e-324") == 4.9e-324);
    assert_true(num(F_X, "123456789012345678901234567890") == 123456789012345678901234567890.0);
    assert_true(num(F_X, "0.000000000000000000000000000000000000001") == 1e-39);
    char big[600];
    memset(big, '9', 400);
    strcpy(big + 400, ".5");
    assert_true(isinf(strtod(big, NULL)) || num(F_X, big) == strtod(big, NULL));
    rejects(F_X, "1e400", "number out of range");
    rejects(F_X, "-1e400", "number out of range");
    const char *bad[] = {".",    "-",   "+",     "e5",  "1e",   "1e+",      "1.2.3",
                         "0x10", "nan", "NaN",   "inf", "-inf", "Infinity", " 1",
                         "1 ",   "1,5", "1_000", "--1", "1-",   "١"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) rejects(F_X, bad[i], "not a number");
}

static void test_integers(void **state)
{
    (void)state;
    assert_true(num(F_N, "0") == 0);
    assert_true(num(F_N, "-12") == -12);
    assert_true(num(F_N, "+12") == 12);
    assert_true(num(F_N, "9007199254740992") == 9007199254740992.0);
    assert_true(num(F_N, "-9007199254740992") == -9007199254740992.0);
    assert_true(num(F_N, "00000000000000000000000000042") == 42);
    rejects(F_N, "9007199254740993", "integer out of range");
    rejects(F_N, "-9007199254740993", "integer out of range");
    rejects(F_N, "99999999999999999999999999999999", "integer out of range");
    const char *bad[] = {"1.0", "1e3", "-", "+", "0x1", " 1", "1 ", "1.", "--1", "12a"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) rejects(F_N, bad[i], "not an integer");
}

static void test_booleans_and_times(void **state)
{
    (void)state;
    assert_true(num(F_OK, "true") == 1);
    assert_true(num(F_OK, "1") == 1);
    assert_true(num(F_OK, "false") == 0);
    assert_true(num(F_OK, "0") == 0);
    const char *bad[] = {"TRUE", "True", "yes", "2", "10", "t", "truee", "fals"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) rejects(F_OK, bad[i], "not a boolean");

    assert_true(num(F_AT, "2021-05-01 08:00:00") == 1619827200);
    assert_true(num(F_AT, "2021-05-01T00:00:00Z") == 1619827200);
    assert_true(num(F_AT, "2021-05-01 08:00:00+08:00") == 1619827200);
    assert_true(num(F_AT, "2021-05-01") == 1619827200 - SH);
    rejects(F_AT, "2021-02-29", "not a time");
    rejects(F_AT, "01/05/2021", "not a time");
    rejects(F_AT, "1619827200", "not a time");
}

static void test_enums(void **state)
{
    (void)state;
    pg_value v;
    assert_null(conv(F_CH, "粤省事", &v));
    assert_int_equal((int)v.num, 2);
    assert_int_equal(v.len, 9);
    assert_null(conv(F_CH, "窗口", &v));
    assert_int_equal((int)v.num, 0);
    rejects(F_CH, "窗", "not one of the allowed values: \"窗\" (allowed: 窗口, 网上, 粤省事)");
    rejects(F_CH, "窗口口", "not one of the allowed values");
    rejects(F_CH, "x", "not one of the allowed values");

    /* a thousand values, some of them prefixes of others, and one declared twice */
    enum { N = 1000 };
    char **vals = malloc(sizeof *vals * (N + 1));
    assert_non_null(vals);
    for (int i = 0; i < N; i++) {
        vals[i] = malloc(16);
        assert_non_null(vals[i]);
        snprintf(vals[i], 16, "%d", i * 7);
    }
    vals[N] = vals[3]; /* "21" again: the first index stands */
    pg_field f[] = {{.name = "k", .type = PG_FT_ENUM, .enums = vals, .nenums = N + 1}};
    pg_source src = {.name = "s",
                     .fields = f,
                     .nfields = 1,
                     .unit_field = 0,
                     .time_field = -1,
                     .key_field = -1,
                     .file = "x.lua",
                     .line = 1};
    pg_rv_plan *p = pg_rv_plan_new(&src, 0);
    char why[PG_RV_WHY];
    for (int i = 0; i < N; i++) {
        assert_null(pg_rv_convert(p, 0, vals[i], strlen(vals[i]), &v, why));
        assert_int_equal((int)v.num, i);
    }
    assert_non_null(pg_rv_convert(p, 0, "1", 1, &v, why));
    assert_non_null(strstr(why, "(1001 in all)"));
    assert_non_null(pg_rv_convert(p, 0, "7000", 4, &v, why));
    pg_rv_plan_free(p);
    for (int i = 0; i < N; i++) free(vals[i]);
    free(vals);

    /* an enum with no values accepts nothing (but null) */
    pg_field g[] = {{.name = "k", .type = PG_FT_ENUM, .nullable = 1}};
    pg_source src0 = {.name = "s",
                      .fields = g,
                      .nfields = 1,
                      .unit_field = 0,
                      .time_field = -1,
                      .key_field = -1,
                      .file = "x.lua",
                      .line = 1};
    p = pg_rv_plan_new(&src0, 0);
    assert_non_null(pg_rv_convert(p, 0, "a", 1, &v, why));
    assert_null(pg_rv_convert(p, 0, "", 0, &v, why));
    assert_true(v.null);
    pg_rv_plan_free(p);
}

static void test_utf8(void **state)
{
    (void)state;
    pg_value v;
    const char *good[] = {"plain ascii, long enough to take the eight-byte path",
                          "中文",
                          "\xC2\x80",
                          "\xDF\xBF",
                          "\xE0\xA0\x80",
                          "\xEF\xBF\xBF",
                          "\xF0\x90\x80\x80",
                          "\xF4\x8F\xBF\xBF",
                          "a\x7F"
                          "b",
                          "12345678中"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        const char *r = conv(F_NOTE, good[i], &v);
        if (r) fail_msg("good[%zu]: %s", i, r);
        assert_int_equal(v.len, (int)strlen(good[i]));
        assert_ptr_not_equal(v.str, NULL);
    }
    const char *bad[] = {"\x80",
                         "\xC0\x80",
                         "\xC1\xBF",
                         "\xE0\x80\x80",
                         "\xED\xA0\x80",
                         "\xED\xBF\xBF",
                         "\xF0\x80\x80\x80",
                         "\xF4\x90\x80\x80",
                         "\xF5\x80\x80\x80",
                         "\xFF",
                         "\xE4\xB8",
                         "abcdefgh\xE4",
                         "\xC2",
                         "\xC2"
                         "A"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) rejects(F_NOTE, bad[i], "invalid UTF-8");
}

static void test_nulls(void **state)
{
    (void)state;
    pg_value v = {0, 1, "x", 1};
    assert_null(conv(F_NOTE, "", &v));
    assert_true(v.null);
    assert_true(isnan(v.num));
    assert_null(v.str);
    const char *r = conv(F_ID, "", &v);
    assert_non_null(r);
    assert_string_equal(r, "missing required field");
    assert_true(v.null);
    assert_string_equal(pg_rv_null(plan, F_UNIT, &v), "missing required field");
    assert_null(pg_rv_null(plan, F_AT, &v));
}

static void test_show(void **state)
{
    (void)state;
    char out[300];
    pg_rv_show(out, sizeof out, "a\"b\\c\n\x01\xff中", 11);
    assert_string_equal(out, "\"a\\\"b\\\\c\\x0A\\x01\\xFF中\"");
    /* past 60 bytes the value is cut, never inside a character */
    char long_text[200];
    size_t o = 0;
    for (int i = 0; i < 40; i++) o += (size_t)sprintf(long_text + o, "中");
    pg_rv_show(out, sizeof out, long_text, o);
    assert_string_equal(out, "\"中中中中中中中中中中中中中中中中中中中中\xE2\x80\xA6\"");
    /* a small buffer is never overrun */
    pg_rv_show(out, 20, long_text, o);
    assert_true(strlen(out) < 20);
    assert_int_equal(out[0], '"');
    pg_rv_show(out, 4, "abc", 3);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_match_strtod),
        cmocka_unit_test(test_number_syntax),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_booleans_and_times),
        cmocka_unit_test(test_enums),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_nulls),
        cmocka_unit_test(test_show),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
