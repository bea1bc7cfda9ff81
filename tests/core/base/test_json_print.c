/* test_json_print.c — pg_json_print and pg_json_number give cJSON's bytes exactly.
 *
 * Stored results and runs are cJSON's text, and reproduction compares texts byte for byte, so
 * the faster printer (core/base/json_print.c) is checked against libcjson itself: numbers of
 * every kind (rounded decimals as results hold them, whole numbers about INT_MAX and 1e15,
 * random bit patterns, subnormals, -0, NaN, infinities), strings with every byte from 1 to
 * 255, and random trees with empty and nested objects and arrays, formatted and not. */
#include "base.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t seed = 0x9e3779b97f4a7c15u;

static uint64_t next(void)
{
    seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
    return seed;
}

/* A number as results and inputs hold them, or any double at all. */
static double any_number(void)
{
    static const double scale[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e9};
    uint64_t r = next();
    switch (r % 10) {
    case 0: { /* any bit pattern (NaN and infinities among them) */
        uint64_t bits = next();
        double d;
        memcpy(&d, &bits, sizeof d);
        return d;
    }
    case 1:
        return (double)(int64_t)(next() % 4000000000u) - 2e9; /* about INT_MAX */
    case 2:
        return (double)(next() >> 10) * ((r >> 8) & 1 ? -1 : 1); /* whole, beyond 1e15 */
    case 3:
        return ldexp((double)(next() >> 11), -1074 + (int)(r >> 40) % 64); /* subnormal */
    case 4:
        return (double)(next() % 100000) / 7.0;
    case 5: { /* a short decimal moved by up to three ulps: on both sides of the short cut's
               * closeness test (json_print.c) */
        double d = (double)(int64_t)(next() % 20000000 - 10000000) / scale[(r >> 4) % 8];
        for (int k = (int)((r >> 12) % 7) - 3; k; k += k < 0 ? 1 : -1)
            d = nextafter(d, k < 0 ? -INFINITY : INFINITY);
        return d;
    }
    default: /* rounded: points, shares, totals */
        return (double)(int64_t)(next() % 20000000 - 10000000) / scale[(r >> 4) % 8];
    }
}

static void same_as_cjson(const cJSON *t)
{
    for (int fmt = 0; fmt < 2; fmt++) {
        char *want = fmt ? cJSON_Print(t) : cJSON_PrintUnformatted(t);
        size_t len = 0;
        char *got = pg_json_print(t, fmt, &len);
        assert_non_null(want);
        assert_non_null(got);
        assert_string_equal(got, want);
        assert_int_equal(len, strlen(want));
        free(got), cJSON_free(want);
    }
}

static void numbers(void **state)
{
    (void)state;
    static const double fixed[] = {0.0,
                                   -0.0,
                                   1,
                                   -1,
                                   0.1,
                                   0.2,
                                   0.3,
                                   88.19,
                                   95.19,
                                   1.0 / 3,
                                   2.0 / 3,
                                   1e-4,
                                   9.9999e-5,
                                   1e-5,
                                   0.00012345,
                                   123456789012345.0,
                                   999999999999999.0,
                                   1e15,
                                   1e15 + 1,
                                   1e16,
                                   2147483647.0,
                                   2147483648.0,
                                   -2147483648.0,
                                   -2147483649.0,
                                   1e300,
                                   -1e-300,
                                   5e-324,
                                   NAN,
                                   INFINITY,
                                   -INFINITY,
                                   0.1 + 0.2,
                                   100.0 - 1e-13,
                                   12.345678901234567,
                                   0.000123456789012345,
                                   91.6585,
                                   8.3415};
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber(fixed[i]));
    for (int i = 0; i < 200000; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber(any_number()));
    same_as_cjson(a);
    /* one by one too, against cJSON's text of a lone number */
    for (const cJSON *c = a->child; c; c = c->next) {
        char b[PG_JSON_NUMBER_BUF], *want = cJSON_PrintUnformatted(c);
        int n = pg_json_number(b, c->valuedouble);
        assert_string_equal(b, want);
        assert_int_equal(n, (int)strlen(want));
        cJSON_free(want);
    }
    cJSON_Delete(a);
}

static char *any_string(void)
{
    int n = (int)(next() % 12);
    char *s = malloc((size_t)n + 1);
    for (int i = 0; i < n; i++) {
        uint64_t r = next();
        static const char pick[] = "ab\"\\/\t\n\x01\x1f\x7f\xe6\xb1\x95 ";
        s[i] = r % 4 ? pick[(r >> 8) % 15] : (char)(1 + (r >> 16) % 255);
    }
    s[n] = 0;
    return s;
}

static cJSON *any_tree(int depth)
{
    uint64_t r = next() % (depth > 4 ? 6 : 8);
    switch (r) {
    case 0:
        return cJSON_CreateNull();
    case 1:
        return cJSON_CreateBool((int)(next() & 1));
    case 2:
    case 3:
        return cJSON_CreateNumber(any_number());
    case 4:
    case 5: {
        char *s = any_string();
        cJSON *it = cJSON_CreateString(s);
        free(s);
        return it;
    }
    case 6: {
        cJSON *a = cJSON_CreateArray();
        for (int i = (int)(next() % 5); i > 0; i--) cJSON_AddItemToArray(a, any_tree(depth + 1));
        return a;
    }
    default: {
        cJSON *o = cJSON_CreateObject();
        for (int i = (int)(next() % 5); i > 0; i--) {
            char *k = any_string();
            cJSON_AddItemToObject(o, k, any_tree(depth + 1));
            free(k);
        }
        return o;
    }
    }
}

static void trees(void **state)
{
    (void)state;
    for (int i = 0; i < 3000; i++) {
        cJSON *t = any_tree(0);
        same_as_cjson(t);
        cJSON_Delete(t);
    }
    /* every byte but NUL in one string, as a value and as a key */
    char all[256];
    for (int i = 1; i < 256; i++) all[i - 1] = (char)i;
    all[255] = 0;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, all, all);
    cJSON_AddItemToObject(o, "empty", cJSON_CreateObject());
    cJSON_AddItemToObject(o, "none", cJSON_CreateArray());
    cJSON_AddItemToObject(o, "raw", cJSON_CreateRaw("{\"a\": 1}"));
    same_as_cjson(o);
    cJSON_Delete(o);
}

/* Objects written member by member (pg_jtext_*) as cJSON prints the same tree. */
static void written_alike(void **state)
{
    (void)state;
    for (int i = 0; i < 2000; i++) {
        cJSON *o = cJSON_CreateObject();
        pg_jtext t = {0};
        int m = 0;
        pg_jtext_put(&t, "{", 1);
        for (int k = (int)(next() % 6); k > 0; k--) {
            char *key = any_string(), *v = next() % 3 ? any_string() : NULL;
            double d = any_number();
            pg_jtext_key(&t, key, &m);
            if (next() & 1) {
                pg_jtext_str(&t, v);
                pg_json_str(o, key, v);
            } else {
                pg_jtext_num(&t, d);
                pg_json_num(o, key, d);
            }
            free(key), free(v);
        }
        pg_jtext_put(&t, "}", 1);
        size_t len;
        char *got = pg_jtext_take(&t, &len), *want = cJSON_PrintUnformatted(o);
        assert_string_equal(got, want);
        assert_int_equal(len, strlen(want));
        assert_null(t.p); /* taken */
        free(got), cJSON_free(want);
        cJSON_Delete(o);
    }
}

/* pg_json_text_drop on random objects with a "units" member somewhere (or none, or another
 * "units" nested below), printed formatted and not: what is left parses to the tree without
 * that member. Keys and strings hold quotes, backslashes, braces and control characters. */
static void dropped_alike(void **state)
{
    (void)state;
    for (int i = 0; i < 3000; i++) {
        cJSON *o = cJSON_CreateObject();
        int n = (int)(next() % 5), at = (int)(next() % 6);
        for (int k = 0; k <= n; k++) {
            if (k == at) {
                cJSON *u = any_tree(1);
                if (next() & 1) cJSON_AddItemToObject(u, "units", cJSON_CreateString("inner"));
                cJSON_AddItemToObject(o, "units", u);
            }
            char *key = any_string();
            cJSON *v = any_tree(1);
            if (next() % 4 == 0) cJSON_AddItemToObject(v, "units", cJSON_CreateString("x\"}"));
            cJSON_AddItemToObject(o, key, v);
            free(key);
        }
        cJSON *without = cJSON_Duplicate(o, 1);
        cJSON_DeleteItemFromObjectCaseSensitive(without, "units");
        for (int fmt = 0; fmt < 2; fmt++) {
            /* compared as printed compactly (cJSON_Compare takes the first of repeated keys) */
            char *text = fmt ? cJSON_Print(o) : cJSON_PrintUnformatted(o);
            char *want = cJSON_PrintUnformatted(without);
            size_t len = pg_json_text_drop(text, strlen(text), "units");
            cJSON *back = cJSON_ParseWithLength(text, len);
            char *got = back ? cJSON_PrintUnformatted(back) : NULL;
            if (!got || strcmp(want, got) != 0)
                fail_msg("round %d (%s)", i, fmt ? "formatted" : "compact");
            cJSON_Delete(back);
            cJSON_free(text), cJSON_free(want), cJSON_free(got);
        }
        cJSON_Delete(without), cJSON_Delete(o);
    }
}

/* pg_json_print_items: an object whose "units" (anywhere among its members) is printed from n
 * items made one at a time is cJSON_Print's text of the object holding them all; each item is
 * handed over in order; a NULL item is left out. */
typedef struct {
    cJSON *all; /* the items, as the whole tree holds them */
    int seen, skip;
} items_src;

static cJSON *item_k(void *arg, int k)
{
    items_src *x = arg;
    return k == x->skip ? NULL : cJSON_Duplicate(cJSON_GetArrayItem(x->all, k), 1);
}

static void item_seen(void *arg, int k, const cJSON *it)
{
    items_src *x = arg;
    char *a = cJSON_PrintUnformatted(it),
         *b = cJSON_PrintUnformatted(cJSON_GetArrayItem(x->all, k));
    assert_string_equal(a, b); /* as printed: a NaN is not equal to itself */
    cJSON_free(a), cJSON_free(b);
    x->seen++;
}

static void items_alike(void **state)
{
    (void)state;
    for (int i = 0; i < 1000; i++) {
        cJSON *whole = cJSON_CreateObject(), *head = cJSON_CreateObject();
        int n = (int)(next() % 6), at = (int)(next() % 4), members = (int)(next() % 4);
        items_src x = {cJSON_CreateArray(), 0, next() % 4 ? -1 : (int)(next() % 6)};
        for (int k = 0; k < n; k++) cJSON_AddItemToArray(x.all, any_tree(2));
        for (int k = 0; k <= members; k++) {
            if (k == at) {
                cJSON *shown = cJSON_CreateArray();
                for (int j = 0; j < n; j++)
                    if (j != x.skip)
                        cJSON_AddItemToArray(shown,
                                             cJSON_Duplicate(cJSON_GetArrayItem(x.all, j), 1));
                cJSON_AddItemToObject(whole, "units", shown);
                cJSON_AddItemToObject(head, "units", cJSON_CreateArray());
            }
            char *key = any_string();
            cJSON *v = any_tree(1);
            cJSON_AddItemToObject(whole, key, cJSON_Duplicate(v, 1));
            cJSON_AddItemToObject(head, key, v);
            free(key);
        }
        char *want = cJSON_Print(whole);
        size_t len = 0;
        char *got = pg_json_print_items(head, "units", n, item_k, item_seen, &x, &len);
        if (at > members) { /* no such member */
            assert_null(got);
        } else {
            assert_non_null(got);
            assert_string_equal(want, got);
            assert_int_equal(strlen(want), len);
            assert_int_equal(x.seen, n - (x.skip >= 0 && x.skip < n));
        }
        free(got), cJSON_free(want);
        cJSON_Delete(whole), cJSON_Delete(head), cJSON_Delete(x.all);
    }
}

static void refused_alike(void **state)
{
    (void)state;
    cJSON *raw = cJSON_CreateRaw("x");
    free(raw->valuestring), raw->valuestring = NULL;
    assert_null(cJSON_PrintUnformatted(raw));
    assert_null(pg_json_print(raw, 0, NULL));
    cJSON_Delete(raw);
    cJSON none = {0};
    assert_null(cJSON_Print(&none));
    assert_null(pg_json_print(&none, 1, NULL));
}

/* pg_json_each_member's calls, "key=text" each (text "(" for a spread array's start), joined
 * by " | " into the buffer `arg`. */
static int collect(void *arg, const char *key, const char *text, size_t len)
{
    char *b = arg;
    size_t at = strlen(b);
    snprintf(b + at, 1024 - at, "%s%s=%.*s", at ? " | " : "", key, text ? (int)len : 1,
             text ? text : "(");
    return 0;
}

static int stop_at_b(void *arg, const char *key, const char *text, size_t len)
{
    (void)arg, (void)text, (void)len;
    return strcmp(key, "b") == 0 ? 7 : 0;
}

/* A large object read member by member: values' extents across strings with brackets, quotes
 * and escapes, nesting and whitespace; one member's array element by element; malformed texts
 * refused with where. */
static void read_by_member(void **state)
{
    (void)state;
    char got[1024] = "";
    const char *text = " {\"a\" : \"x]}\\\"\" ,\"v\":[ [1,\"]\"], {\"k\":[2]} ,-3e2,null],"
                       "\"b\":{\"c\":[true]},\"e\\u0041\":false} tail";
    size_t at = 0;
    assert_int_equal(pg_json_each_member(text, "v", collect, got, &at), 0);
    assert_string_equal(got,
                        "a=\"x]}\\\"\" | v=( | v=[1,\"]\"] | v={\"k\":[2]} | v=-3e2 | v=null | "
                        "b={\"c\":[true]} | eA=false");
    got[0] = 0;
    assert_int_equal(pg_json_each_member("{\"v\":[]}", "v", collect, got, NULL), 0);
    assert_string_equal(got, "v=(");
    assert_int_equal(pg_json_each_member(text, NULL, stop_at_b, NULL, NULL), 7);
    const struct {
        const char *text;
        size_t at;
    } bad[] = {
        {"[1]", 0},        {"{\"v\":[1,]}", 8},   {"{\"v\":[1 2]}", 8}, {"{\"a\":1 \"b\":2}", 7},
        {"{\"a\":}", 5},   {"{\"a\":\"open}", 5}, {"{\"v\":1}", 5},     {"{a:1}", 1},
        {"{\"a\":1,}", 7},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        got[0] = 0, at = 99;
        assert_int_equal(pg_json_each_member(bad[k].text, "v", collect, got, &at), -1);
        if (at != bad[k].at) fail_msg("%s: stopped at %zu, not %zu", bad[k].text, at, bad[k].at);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numbers),       cmocka_unit_test(trees),
        cmocka_unit_test(written_alike), cmocka_unit_test(dropped_alike),
        cmocka_unit_test(items_alike),   cmocka_unit_test(refused_alike),
        cmocka_unit_test(read_by_member)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
