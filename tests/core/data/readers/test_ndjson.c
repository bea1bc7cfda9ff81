/* test_ndjson.c — the NDJSON reader (pg_read_ndjson) on small files written to a temporary
 * directory.
 *
 * Checked: values of every type from strings, numbers and literals; keys in any order,
 * undeclared keys skipped whatever their value (nested ones included) where the source says
 * extra_columns = "ignore"; JSON null and absent
 * keys as null, and as "missing required field" when the field is required; a nested
 * object or array under a declared key; a key given twice, declared or not, and spelled
 * differently with escapes; string escapes, \u escapes with surrogate pairs, lone
 * surrogates, bad escapes and raw control characters; malformed JSON (with the column), a
 * line that is not an object, text after the object; blank and whitespace-only lines, CRLF,
 * a byte-order mark, a last line without its newline; every conversion error with its line
 * and field; the cap of 20 reported errors with the full count; a callback that stops the
 * read; a line straddling the 1 MiB block; a line longer than 8 MiB; and that every block
 * size from 1 byte up reads the same. Times: SH is UTC+8, 2021-05-01 08:00 SH = 1619827200. */
#include "rtest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void test_values(void **state)
{
    (void)state;
    rt_got g;
    pg_read_stats st;
    pg_diags d;
    int rc = rt_ndjson(
        "{\"id\":\"a1\",\"unit\":\"u1\",\"n\":12,\"x\":1.5,\"ok\":true,"
        "\"at\":\"2021-05-01 08:00:00\",\"ch\":\"窗口\",\"note\":\"hello\"}\n"
        "{\"note\":null,\"ch\":null,\"at\":null,\"ok\":null,\"x\":null,\"n\":null,\"unit\":\"u2\","
        "\"id\":\"a2\"}\n"
        "{\"id\":\"a3\",\"unit\":\"u3\"}\n"
        " { \"id\" : \"a4\" , \"unit\" : \"u4\" , \"n\" : \"-7\" , \"x\" : -2.5E1 , \"ok\" : "
        "false , \"ch\" : \"粤省事\" , \"note\" : \"\" } \n"
        "{\"id\":\"a5\",\"unit\":\"u5\",\"n\":0,\"x\":\"5.\",\"ok\":\"1\",\"at\":\"2021-05-01\","
        "\"ch\":\"网上\",\"note\":\"中文\"}\n"
        "{\"id\":\"a6\",\"unit\":\"u6\",\"n\":-0,\"x\":0.5e-3,\"ok\":0}\n",
        &g, &st, &d);
    rt_print_diags(&d);
    assert_int_equal(rc, 0);
    assert_int_equal(st.records, 6);
    assert_int_equal(st.errors, 0);
    rt_assert_recs(&g, "L1|a1|u1|12|1.5|1|1619827200|#0:窗口|hello", "L2|a2|u2|~|~|~|~|~|~",
                   "L3|a3|u3|~|~|~|~|~|~", "L4|a4|u4|-7|-25|0|~|#2:粤省事|~",
                   "L5|a5|u5|0|5|1|1619798400|#1:网上|中文",
                   "L6|a6|u6|-0|0.00050000000000000001|0|~|~|~", NULL);
    rt_got_free(&g);
    pg_diags_free(&d);
}

static void test_undeclared_keys(void **state)
{
    (void)state;
    rt_got g;
    pg_read_stats st;
    pg_diags d;
    int rc = rt_ndjson_src(
        rt_source_lenient(),
        "{\"extra\":{\"a\":[1,2,{\"b\":null}],\"c\":\"}\"},\"id\":\"a\",\"list\":[],\"unit\":\"u\","
        "\"obj\":{},\"t\":true,\"f\":false,\"z\":null,\"num\":-1.5e+3,\"s\":\"\\u00e9\"}\n",
        &g, &st, &d);
    rt_print_diags(&d);
    assert_int_equal(rc, 0);
    rt_assert_recs(&g, "L1|a|u|~|~|~|~|~|~", NULL);
    rt_got_free(&g);
    pg_diags_free(&d);

    /* undeclared values are still JSON: a bad one is a malformed line */
    rc = rt_ndjson_src(rt_source_lenient(),
                       "{\"id\":\"a\",\"unit\":\"u\",\"extra\":[1,]}\n"
                       "{\"id\":\"a\",\"unit\":\"u\",\"extra\":{\"k\" 1}}\n"
                       "{\"id\":\"a\",\"unit\":\"u\",\"extra\":tru}\n"
                       "{\"id\":\"a\",\"unit\":\"u\",\"extra\":01}\n",
                       &g, &st, &d);
    assert_int_equal(rc, 0);
    assert_int_equal(st.errors, 4);
    rt_assert_diag(&d, 1, 33, "malformed JSON: invalid value");
    rt_assert_diag(&d, 2, 35, "malformed JSON: expected ':' after a key");
    rt_assert_diag(&d, 3, 30, "malformed JSON: invalid value");
    rt_assert_diag(&d, 4, 31, "malformed JSON: expected ',' or '}'");
    rt_got_free(&g);
    pg_diags_free(&d);
}

static void test_nested_and_duplicates(void **state)
{
    (void)state;
    rt_got g;
    pg_read_stats st;
    pg_diags d;
    int rc = rt_ndjson_src(rt_source_lenient(),
                           "{\"id\":\"a\",\"unit\":{\"x\":1}}\n"                   /* 1 */
                           "{\"id\":\"a\",\"unit\":\"u\",\"n\":[1]}\n"             /* 2 */
                           "{\"id\":\"a\",\"unit\":\"u\",\"id\":\"b\"}\n"          /* 3 */
                           "{\"id\":\"a\",\"unit\":\"u\",\"\\u0069d\":\"b\"}\n"    /* 4 */
                           "{\"id\":\"a\",\"unit\":\"u\",\"e\":1,\"e\":1}\n"       /* 5 */
                           "{\"id\":\"a\",\"unit\":\"u\",\"e\":1,\"\\u0065\":2}\n" /* 6 */
                           "{\"id\":\"a\",\"unit\":\"u\",\"n\":null,\"n\":1}\n"    /* 7 */
                           "{\"id\":\"a\",\"unit\":\"u\",\"e\":1,\"E\":1}\n",      /* 8: fine */
                           &g, &st, &d);
    assert_int_equal(rc, 0);
    assert_int_equal(st.errors, 7);
    rt_assert_recs(&g, "L8|a|u|~|~|~|~|~|~", NULL);
    rt_assert_diag(&d, 1, 0,
                   "unit: nested value (an object or array where a flat value is expected)");
    rt_assert_diag(&d, 2, 0, "n: nested value");
    rt_assert_diag(&d, 3, 0, "id: key given twice");
    rt_assert_diag(&d, 4, 0, "id: key given twice");
    rt_assert_diag(&d, 5, 0, "key \"e\" given twice");
    rt_assert_diag(&d, 6, 0, "key \"e\" given twice");
    rt_assert_diag(&d, 7, 0, "n: key given twice");
    rt_got_free(&g);
    pg_diags_free(&d);
}

static void test_required(void **state)
{
    (void)state;
    rt_got g;
    pg_read_stats st;
    pg_diags d;
    int rc = rt_ndjson("{\"unit\":\"u\"}\n"
                       "{\"id\":null,\"unit\":\"u\"}\n"
                       "{\"id\":\"\",\"unit\":\"u\"}\n"
                       "{\"id\":\"a\"}\n"
                       "{}\n"
                       "{\"id\":\"a\",\"unit\":\"u\"}\n",
                       &g, &st, &d);
    assert_int_equal(rc, 0);
    assert_int_equal(st.records, 1);
    assert_int_equal(st.errors, 5);
    rt_assert_diag(&d, 1, 0, "id: missing required field");
    rt_assert_diag(&d, 2, 0, "id: missing required field");
    rt_assert_diag(&d, 3, 0, "id: missing required field");
    rt_assert_diag(&d, 4, 0, "unit: missing required field");
    rt_assert_diag(&d, 5, 0, "id: missing required field");
    rt_got_free(&g);
    pg_diags_free(&d);
}

static void test_escapes(void **state)
{
    (void)state;
    rt_got g;
    pg_read_stats st;
    pg_diags d;
    int rc =
        rt_ndjson("{\"id\":\"q\\\"b\\\\s\\/n\\nt\\tr\\rb\\bf\\f\",\"unit\":\"u\"}\n"
                  "{\"id\":\"\\u00e9\\u4e2d\\u0041\",\"unit\":\"u\"}\n"
                  "{\"id\":\"\\ud83d\\ude00!\",\"unit\":\"\\uD834\\uDD1E\"}\n"
                  "{\"id\":\"x\",\"unit\":\"u\",\"note\":\"\\u0000\"}\n"
                  "{\"id\":\"\\ud83d\",\"unit\":\"u\"}\n"        /* 5: high surrogate alone */
                  "{\"id\":\"\\ude00\",\"unit\":\"u\"}\n"        /* 6: low surrogate alone */
                  "{\"id\":\"\\ud83d\\u0041\",\"unit\":\"u\"}\n" /* 7: high, then not a low one */
                  "{\"id\":\"\\x41\",\"unit\":\"u\"}\n"          /* 8: no such escape */
                  "{\"id\":\"\\u12G4\",\"unit\":\"u\"}\n"        /* 9: not hex */
                  "{\"id\":\"a\tb\",\"unit\":\"u\"}\n"           /* 10: raw tab */
                  "{\"id\":\"ab\n"                      /* 11: the line ends in the string */
                  "{\"id\":\"\\u00\"}\n"                /* 12: short \u */
                  "{\"id\":\"\xff\",\"unit\":\"u\"}\n", /* 13: invalid UTF-8 */
                  &g, &st, &d);
    rt_print_diags(&d);
    assert_int_equal(rc, 0);
    rt_assert_recs(&g, "L1|q\"b\\s/n\nt\tr\rb\bf\f|u|~|~|~|~|~|~", "L2|é中A|u|~|~|~|~|~|~",
                   "L3|\xF0\x9F\x98\x80!|\xF0\x9D\x84\x9E|~|~|~|~|~|~", "L4|x|u|~|~|~|~|~|", NULL);
    /* "\u0000" is a NUL byte in the value: rt_collect's copy stops there */
    assert_int_equal(st.records, 4);
    assert_int_equal(st.errors, 9);
    rt_assert_diag(&d, 5, 8, "malformed JSON: \\u escape of a lone surrogate (a high one");
    rt_assert_diag(&d, 6, 8, "malformed JSON: \\u escape of a lone surrogate (a low one");
    rt_assert_diag(&d, 7, 8, "lone surrogate (a high one");
    rt_assert_diag(&d, 8, 8, "malformed JSON: invalid escape in a string");
    rt_assert_diag(&d, 9, 8, "malformed JSON: invalid escape in a string");
    rt_assert_diag(&d, 10, 9, "malformed JSON: control character in a string");
    rt_assert_diag(&d, 11, 10, "malformed JSON: string not closed before the end of the line");
    rt_assert_diag(&d, 12, 8, "malformed JSON: invalid escape in a string");
    rt_assert_diag(&d, 13, 0, "id: invalid UTF-8: \"\\xFF\"");
    rt_got_free(&g);
    pg_diags_free(&d);
}

/* The \u0000 value arrives whole (its length counts the NUL). */
static int note_len(void *ud, const pg_value *rec, int line)
{
    (void)line;
    *(int *)ud = rec[7].null ? -1 : rec[7].len;
    return 0;
}

static void test_nul_escape(void **state)
{
    (void)state;
    const char *path =
        rt_write_str("nul.ndjson", "{\"id\":\"x\",\"unit\":\"u\",\"note\":\"a\\u0000b\"}");
    int len = 0;
    pg_read_stats st;
    pg_diags d = {0};
    assert_int_equal(pg_read_ndjson(rt_source(), path, SH, note_len, &len, &st, &d), 0);
    assert_int_equal(len, 3);
    pg_diags_free(&d);
}

static void test_malformed(void **state)
{
    (void)state;
    rt_got g;
    pg_read_stats st;
    pg_diags d;
    int rc = rt_ndjson("[1,2]\n"                                     /* 1 */
                       "42\n"                                        /* 2 */
                       "{\"id\":\"a\",\"unit\":\"u\"} x\n"           /* 3 */
                       "{\"id\":\"a\",\"unit\":\"u\"}{}\n"           /* 4 */
                       "{\"id\":\"a\",\"unit\":\"u\",}\n"            /* 5 */
                       "{\"id\":\"a\" \"unit\":\"u\"}\n"             /* 6 */
                       "{\"id\":\"a\",\"unit\":\"u\"\n"              /* 7 */
                       "{\"id\":\"a\",unit:\"u\"}\n"                 /* 8 */
                       "{\"id\":\"a\",\"unit\":'u'}\n"               /* 9 */
                       "{\"id\":\"a\",\"unit\":\"u\",\"n\":1x}\n"    /* 10 */
                       "{\"id\":\"a\",\"unit\":\"u\",\"n\":+1}\n"    /* 11 */
                       "{\"id\":\"a\",\"unit\":\"u\",\"x\":.5}\n"    /* 12 */
                       "{\"id\":\"a\",\"unit\":\"u\",\"x\":1.}\n"    /* 13 */
                       "{\"id\":\"a\",\"unit\":\"u\",\"ok\":True}\n" /* 14 */
                       "{\"id\":\"a\",\"unit\":\"u\",\"ok\":nul}\n"  /* 15 */
                       "{\"id\":\"a\",\"unit\":\"u\",\"x\":NaN}\n"   /* 16 */
                       "{\"id\":\"a\",\"unit\":\"u\"}\n",            /* 17: fine */
                       &g, &st, &d);
    assert_int_equal(rc, 0);
    assert_int_equal(st.records, 1);
    assert_int_equal(st.errors, 16);
    rt_assert_recs(&g, "L17|a|u|~|~|~|~|~|~", NULL);
    rt_assert_diag(&d, 1, 1, "malformed JSON: not a JSON object");
    rt_assert_diag(&d, 2, 1, "malformed JSON: not a JSON object");
    rt_assert_diag(&d, 3, 23, "malformed JSON: text after the end of the object");
    rt_assert_diag(&d, 4, 22, "malformed JSON: text after the end of the object");
    rt_assert_diag(&d, 5, 22, "malformed JSON: expected a key");
    rt_assert_diag(&d, 6, 11, "malformed JSON: expected ',' or '}'");
    rt_assert_diag(&d, 7, 21, "malformed JSON: expected ',' or '}'");
    rt_assert_diag(&d, 8, 11, "malformed JSON: expected a key");
    rt_assert_diag(&d, 9, 18, "malformed JSON: invalid value");
    rt_assert_diag(&d, 10, 27, "malformed JSON: invalid value");
    rt_assert_diag(&d, 11, 26, "malformed JSON: invalid value");
    rt_assert_diag(&d, 12, 26, "malformed JSON: invalid value");
    rt_assert_diag(&d, 13, 26, "malformed JSON: invalid value");
    rt_assert_diag(&d, 14, 27, "malformed JSON: invalid value");
    rt_assert_diag(&d, 15, 27, "malformed JSON: invalid value");
    rt_assert_diag(&d, 16, 26, "malformed JSON: invalid value");
    rt_got_free(&g);
    pg_diags_free(&d);
}

static void test_lines(void **state)
{
    (void)state;
    rt_got g;
    pg_read_stats st;
    pg_diags d;
    /* BOM, blank and whitespace-only lines, CRLF, no newline at the end */
    int rc = rt_ndjson("\xEF\xBB\xBF{\"id\":\"a\",\"unit\":\"u\"}\r\n"
                       "\n"
                       "   \t \r\n"
                       "\r\n"
                       "{\"id\":\"b\",\"unit\":\"u\"}\t\r\n"
                       "\n"
                       "{\"id\":\"c\",\"unit\":\"u\"}",
                       &g, &st, &d);
    assert_int_equal(rc, 0);
    assert_int_equal(st.errors, 0);
    rt_assert_recs(&g, "L1|a|u|~|~|~|~|~|~", "L5|b|u|~|~|~|~|~|~", "L7|c|u|~|~|~|~|~|~", NULL);
    rt_got_free(&g);
    pg_diags_free(&d);

    /* an empty file is an empty batch; so is one of blank lines */
    rc = rt_ndjson("", &g, &st, &d);
    assert_int_equal(rc, 0);
    assert_int_equal(st.records + st.errors, 0);
    rt_got_free(&g);
    pg_diags_free(&d);
    rc = rt_ndjson("\n\r\n \n", &g, &st, &d);
    assert_int_equal(rc, 0);
    assert_int_equal(st.records + st.errors, 0);
    rt_got_free(&g);
    pg_diags_free(&d);
}

static void test_conversion_errors(void **state)
{
    (void)state;
    rt_got g;
    pg_read_stats st;
    pg_diags d;
    int rc = rt_ndjson("{\"id\":\"a\",\"unit\":\"u\",\"n\":1.5}\n"                    /* 1 */
                       "{\"id\":\"a\",\"unit\":\"u\",\"n\":1e3}\n"                    /* 2 */
                       "{\"id\":\"a\",\"unit\":\"u\",\"n\":9007199254740993}\n"       /* 3 */
                       "{\"id\":\"a\",\"unit\":\"u\",\"x\":\"0x10\"}\n"               /* 4 */
                       "{\"id\":\"a\",\"unit\":\"u\",\"x\":1e400}\n"                  /* 5 */
                       "{\"id\":\"a\",\"unit\":\"u\",\"x\":true}\n"                   /* 6 */
                       "{\"id\":\"a\",\"unit\":\"u\",\"ok\":2}\n"                     /* 7 */
                       "{\"id\":\"a\",\"unit\":\"u\",\"ok\":\"yes\"}\n"               /* 8 */
                       "{\"id\":\"a\",\"unit\":\"u\",\"at\":\"2021-13-01\"}\n"        /* 9 */
                       "{\"id\":\"a\",\"unit\":\"u\",\"at\":1619827200}\n"            /* 10 */
                       "{\"id\":\"a\",\"unit\":\"u\",\"ch\":\"柜台\"}\n"              /* 11 */
                       "{\"id\":\"a\",\"unit\":\"u\",\"ch\":1}\n"                     /* 12 */
                       "{\"id\":\"a\",\"unit\":\"u\",\"note\":\"\\udbff\\udfff\"}\n", /* 13 */
                       &g, &st, &d);
    assert_int_equal(rc, 0);
    assert_int_equal(st.errors, 12);
    rt_assert_recs(&g, "L13|a|u|~|~|~|~|~|\xF4\x8F\xBF\xBF", NULL);
    rt_assert_diag(&d, 1, 0, "n: not an integer: \"1.5\"");
    rt_assert_diag(&d, 2, 0, "n: not an integer: \"1e3\"");
    rt_assert_diag(&d, 3, 0, "n: integer out of range");
    rt_assert_diag(&d, 4, 0, "x: not a number: \"0x10\"");
    rt_assert_diag(&d, 5, 0, "x: number out of range: \"1e400\"");
    rt_assert_diag(&d, 6, 0, "x: not a number: \"true\"");
    rt_assert_diag(&d, 7, 0, "ok: not a boolean (true, false, 1 or 0): \"2\"");
    rt_assert_diag(&d, 8, 0, "ok: not a boolean");
    rt_assert_diag(&d, 9, 0, "at: not a time");
    rt_assert_diag(&d, 10, 0, "at: not a time");
    rt_assert_diag(&d, 11, 0,
                   "ch: not one of the allowed values: \"柜台\" (allowed: 窗口, 网上, 粤省事)");
    rt_assert_diag(&d, 12, 0, "ch: not one of the allowed values: \"1\"");
    rt_got_free(&g);
    pg_diags_free(&d);
}

static void test_error_cap(void **state)
{
    (void)state;
    char *text = malloc(64 * 1024);
    assert_non_null(text);
    size_t o = 0;
    for (int i = 0; i < 30; i++)
        o += (size_t)sprintf(text + o, "{\"id\":\"a%d\",\"unit\":\"u\",\"n\":\"bad%d\"}\n", i, i);
    for (int i = 0; i < 5; i++)
        o += (size_t)sprintf(text + o, "{\"id\":\"g%d\",\"unit\":\"u\",\"n\":%d}\n", i, i);
    rt_got g;
    pg_read_stats st;
    pg_diags d;
    int rc = rt_ndjson(text, &g, &st, &d);
    assert_int_equal(rc, 0);
    assert_int_equal(st.errors, 30);
    assert_int_equal(st.records, 5);
    assert_int_equal(d.n, PG_READER_MAX_ERRORS);
    for (int i = 0; i < PG_READER_MAX_ERRORS; i++) {
        char want[64];
        snprintf(want, sizeof want, "n: not an integer: \"bad%d\"", i);
        assert_int_equal(d.v[i].line, i + 1);
        assert_string_equal(d.v[i].msg, want);
    }
    assert_string_equal(g.rec[4], "L35|g4|u|4|~|~|~|~|~");
    rt_got_free(&g);
    pg_diags_free(&d);
    free(text);
}

static void test_callback_stops_and_unreadable(void **state)
{
    (void)state;
    rt_got g = {.stop_after = 1};
    pg_read_stats st;
    pg_diags d = {0};
    const char *path = rt_write_str("stop.ndjson", "{\"id\":\"a\",\"unit\":\"u\"}\n"
                                                   "{\"id\":\"b\",\"unit\":\"u\"}\n");
    assert_int_equal(pg_read_ndjson(rt_source(), path, SH, rt_collect, &g, &st, &d), 99);
    assert_int_equal(g.n, 1);
    assert_int_equal(st.records, 1);
    rt_got_free(&g);
    assert_int_equal(
        pg_read_ndjson(rt_source(), "/nonexistent/pinggu/b.ndjson", SH, rt_collect, &g, &st, &d),
        -ENOENT);
    rt_assert_diag(&d, 0, 0, "cannot open");
    rt_got_free(&g);
    pg_diags_free(&d);
}

/* A 3 MiB string with escapes: the line straddles the 1 MiB block three times. */
static void test_line_straddles_blocks(void **state)
{
    (void)state;
    const size_t reps = 3 * 1024 * 1024 / 12;
    size_t cap = reps * 12 + 256;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t o = (size_t)sprintf(text, "{\"id\":\"a\",\"unit\":\"u\",\"note\":\"");
    for (size_t i = 0; i < reps; i++) {
        memcpy(text + o, "ab\\\"\\u4e2d\\n", 12); /* 12 bytes in the file: ab"中\n, 7 decoded */
        o += 12;
    }
    o += (size_t)sprintf(text + o, "\"}\n{\"id\":\"b\",\"unit\":\"u\",\"note\":\"end\"}\n");
    const char *path = rt_write("long.ndjson", text, o);
    rt_got g = {0};
    pg_read_stats st;
    pg_diags d = {0};
    int rc = pg_read_ndjson(rt_source(), path, SH, rt_collect, &g, &st, &d);
    rt_print_diags(&d);
    assert_int_equal(rc, 0);
    assert_int_equal(st.records, 2);
    const char *start = "L1|a|u|~|~|~|~|~|ab\"中\nab\"中\n";
    assert_memory_equal(g.rec[0], start, strlen(start));
    assert_string_equal(g.rec[1], "L2|b|u|~|~|~|~|~|end");
    rt_got_free(&g);
    pg_diags_free(&d);

    int len = 0;
    assert_int_equal(pg_read_ndjson(rt_source(), path, SH, note_len, &len, &st, &d), 0);
    assert_int_equal(len, 3); /* the last record's "end" */
    pg_diags_free(&d);
    free(text);
}

static void test_line_too_long(void **state)
{
    (void)state;
    size_t n = 9 * 1024 * 1024;
    char *text = malloc(n + 256);
    assert_non_null(text);
    size_t o = (size_t)sprintf(text, "{\"id\":\"b\",\"unit\":\"u\"}\n{\"id\":\"a\",\"note\":\"");
    memset(text + o, 'x', n);
    o += n;
    o += (size_t)sprintf(text + o, "\"}\n{\"id\":\"c\",\"unit\":\"u\"}\n");
    const char *path = rt_write("huge.ndjson", text, o);
    rt_got g = {0};
    pg_read_stats st;
    pg_diags d = {0};
    assert_int_equal(pg_read_ndjson(rt_source(), path, SH, rt_collect, &g, &st, &d), 0);
    assert_int_equal(st.errors, 1);
    rt_assert_diag(&d, 2, 0, "line longer than 8 MiB");
    rt_assert_recs(&g, "L1|b|u|~|~|~|~|~|~", "L3|c|u|~|~|~|~|~|~", NULL);
    rt_got_free(&g);
    pg_diags_free(&d);
    free(text);
}

static void test_every_block_size(void **state)
{
    (void)state;
    static const char text[] =
        "\xEF\xBB\xBF{\"id\":\"a\\u00e9\",\"unit\":\"u\",\"n\":12,\"x\":1.5,\"ok\":true,"
        "\"at\":\"2021-05-01 08:00:00\",\"ch\":\"窗口\",\"note\":\"\\ud83d\\ude00\"}\r\n"
        "\r\n"
        "{\"unit\":\"u\",\"id\":\"b\",\"skip\":{\"deep\":[[[\"\\\"]\"]]]}}\n"
        "{\"id\":\"c\",\"unit\":\"u\",\"n\":\"bad\"}\n"
        "{\"id\":\"d\",\"unit\":\"u\",\"id\":\"e\"}\n"
        "{\"id\":\"f\",\"unit\":\"u\"} trailing\n"
        "   \n"
        "{\"id\":\"g\",\"unit\":\"u\",\"x\":-0.0e-0}";
    size_t len = sizeof text - 1;
    rt_got ref = {0};
    pg_read_stats rst;
    pg_diags rd = {0};
    assert_int_equal(pg_read_ndjson_mem(rt_source_lenient(), "mem.ndjson", text, len, 0, SH,
                                        rt_collect, &ref, &rst, &rd),
                     0);
    rt_print_diags(&rd);
    rt_assert_recs(&ref, "L1|aé|u|12|1.5|1|1619827200|#0:窗口|\xF0\x9F\x98\x80",
                   "L3|b|u|~|~|~|~|~|~", "L8|g|u|~|-0|~|~|~|~", NULL);
    assert_int_equal(rst.errors, 3);
    for (size_t block = 1; block <= len + 1; block++) {
        rt_got g = {0};
        pg_read_stats st;
        pg_diags d = {0};
        assert_int_equal(pg_read_ndjson_mem(rt_source_lenient(), "mem.ndjson", text, len, block, SH,
                                            rt_collect, &g, &st, &d),
                         0);
        assert_int_equal(g.n, ref.n);
        for (int i = 0; i < g.n; i++) assert_string_equal(g.rec[i], ref.rec[i]);
        assert_int_equal(st.records, rst.records);
        assert_int_equal(st.errors, rst.errors);
        assert_int_equal(d.n, rd.n);
        for (int i = 0; i < d.n; i++) {
            assert_int_equal(d.v[i].line, rd.v[i].line);
            assert_int_equal(d.v[i].col, rd.v[i].col);
            assert_string_equal(d.v[i].msg, rd.v[i].msg);
        }
        rt_got_free(&g);
        pg_diags_free(&d);
    }
    rt_got_free(&ref);
    pg_diags_free(&rd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_undeclared_keys),
        cmocka_unit_test(test_nested_and_duplicates),
        cmocka_unit_test(test_required),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_nul_escape),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_conversion_errors),
        cmocka_unit_test(test_error_cap),
        cmocka_unit_test(test_callback_stops_and_unreadable),
        cmocka_unit_test(test_line_straddles_blocks),
        cmocka_unit_test(test_line_too_long),
        cmocka_unit_test(test_every_block_size),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
