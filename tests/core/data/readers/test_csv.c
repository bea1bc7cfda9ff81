/* test_csv.c — the CSV reader (pg_read_csv) on small files written to a temporary directory.
 *
 * Checked: values of every type and nulls; the header matched by name in any order, unknown
 * columns skipped where the source allows them, a missing optional column null, a missing
 * required column, a duplicate
 * column, an empty file and a header without records; LF, CRLF, a byte-order mark, a last
 * line without its newline, blank lines (which still count as lines); quoted fields with
 * commas, "" and line breaks, and the line numbers after them; too many and too few fields;
 * stray quotes, text after a closing quote and a quote left open, and that reading goes on
 * after each; every conversion error with its line and field; the cap of 20 reported errors
 * with the full count; a callback that stops the read; a record straddling the 1 MiB block
 * (a long quoted field with escapes and newlines); a record longer than the 8 MiB limit;
 * and, reading from memory, that every block size from 1 byte up gives the same records and
 * errors as one big block. Times: SH is UTC+8, 2021-05-01 08:00 SH = 1619827200. */
#include "rtest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER "id,unit,n,x,ok,at,ch,note\n"

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
    int rc = rt_csv(HEADER "a1,u1,12,1.5,true,2021-05-01 08:00:00,窗口,hello\n"
                           "a2,u2,,,,,,\n"
                           "a3,u3,-7,-0.25e2,0,2021-05-01,粤省事,\n"
                           "a4,u4,+0,.5,1,2021-05-01T00:00:00Z,网上,\"\"\n"
                           "a5,u5,0,5.,false,2021-05-01 08:00:00.5,窗口,中文\n",
                    &g, &st, &d);
    rt_print_diags(&d);
    assert_int_equal(rc, 0);
    assert_int_equal(st.records, 5);
    assert_int_equal(st.errors, 0);
    assert_int_equal(d.n, 0);
    rt_assert_recs(&g, "L2|a1|u1|12|1.5|1|1619827200|#0:窗口|hello", "L3|a2|u2|~|~|~|~|~|~",
                   "L4|a3|u3|-7|-25|0|1619798400|#2:粤省事|~",
                   "L5|a4|u4|0|0.5|1|1619827200|#1:网上|~",
                   "L6|a5|u5|0|5|0|1619827200.5|#0:窗口|中文", NULL);
    rt_got_free(&g);
    pg_diags_free(&d);
}

static void test_line_ends_bom_blank_lines(void **state)
{
    (void)state;
    rt_got g;
    pg_read_stats st;
    pg_diags d;
    /* BOM, CRLF, blank lines (LF and CRLF) before and between, no newline at the end */
    int rc = rt_csv("\xEF\xBB\xBF\r\nid,unit\r\n\r\na1,u1\r\n\n\r\na2,u2", &g, &st, &d);
    assert_int_equal(rc, 0);
    assert_int_equal(st.errors, 0);
    rt_assert_recs(&g, "L4|a1|u1|~|~|~|~|~|~", "L7|a2|u2|~|~|~|~|~|~", NULL);
    rt_got_free(&g);
    pg_diags_free(&d);

    /* LF only, last line without newline, a CR at the very end, a CR inside a field */
    rc = rt_csv("id,unit,note\na1,u1,x\ry\na2,u2,z\r", &g, &st, &d);
    assert_int_equal(rc, 0);
    assert_int_equal(st.errors, 0);
    rt_assert_recs(&g, "L2|a1|u1|~|~|~|~|~|x\ry", "L3|a2|u2|~|~|~|~|~|z", NULL);
    rt_got_free(&g);
    pg_diags_free(&d);

    /* a trailing comma is one more (empty) field */
    rc = rt_csv("id,unit,note\na1,u1,\n", &g, &st, &d);
    assert_int_equal(rc, 0);
    rt_assert_recs(&g, "L2|a1|u1|~|~|~|~|~|~", NULL);
    rt_got_free(&g);
    pg_diags_free(&d);
}

static void test_quoted_fields(void **state)
{
    (void)state;
    rt_got g;
    pg_read_stats st;
    pg_diags d;
    int rc = rt_csv("id,unit,note\n"
                    "\"a,1\",\"u\"\"1\",\"line1\nline2\"\n"
                    "a2,u2,\"x\"\n"
                    "\"a3\",u3,\"multi\r\nline\"\r\n"
                    "a4,u4,\"\"\n"
                    "a5,\"\"\"\",\"\n\n\"\n"
                    "a6,u6,\"a \"\"quoted\"\", and, commas\"",
                    &g, &st, &d);
    rt_print_diags(&d);
    assert_int_equal(rc, 0);
    assert_int_equal(st.errors, 0);
    rt_assert_recs(&g, "L2|a,1|u\"1|~|~|~|~|~|line1\nline2", "L4|a2|u2|~|~|~|~|~|x",
                   "L5|a3|u3|~|~|~|~|~|multi\r\nline", "L7|a4|u4|~|~|~|~|~|~",
                   "L8|a5|\"|~|~|~|~|~|\n\n", "L11|a6|u6|~|~|~|~|~|a \"quoted\", and, commas",
                   NULL);
    rt_got_free(&g);
    pg_diags_free(&d);
}

static void test_header(void **state)
{
    (void)state;
    rt_got g;
    pg_read_stats st;
    pg_diags d;

    /* any order, unknown columns ignored (extra_columns = "ignore"), missing optional columns
     * null, quoted names */
    int rc = rt_csv_src(rt_source_lenient(), "\"note\",extra,unit,\"id\",Unit\nN,E,U,I,V\n", &g,
                        &st, &d);
    assert_int_equal(rc, 0);
    rt_assert_recs(&g, "L2|I|U|~|~|~|~|~|N", NULL);
    rt_got_free(&g);
    pg_diags_free(&d);

    /* a required column missing: one error for the file, no records */
    rc = rt_csv("id,note\na,b\nc,d\n", &g, &st, &d);
    assert_int_equal(rc, -EINVAL);
    assert_int_equal(st.records, 0);
    assert_int_equal(st.errors, 1);
    assert_int_equal(d.n, 1);
    assert_int_equal(g.n, 0);
    rt_assert_diag(&d, 1, 0, "missing required column: unit");
    rt_got_free(&g);
    pg_diags_free(&d);

    /* several: still one error, naming them all */
    const char *path = rt_write_str("req.csv", "\n\nid,x\n1,2\n");
    d = (pg_diags){0};
    g = (rt_got){0};
    rc = pg_read_csv(rt_source_required(), path, SH, rt_collect, &g, &st, &d);
    assert_int_equal(rc, -EINVAL);
    assert_int_equal(st.errors, 1);
    assert_int_equal(d.n, 1);
    rt_assert_diag(&d, 3, 0, "missing required columns: unit, n, ok, at, ch, note");
    rt_got_free(&g);
    pg_diags_free(&d);

    /* a declared column twice */
    rc = rt_csv("id,unit,id\na,b,c\n", &g, &st, &d);
    assert_int_equal(rc, -EINVAL);
    assert_int_equal(st.errors, 1);
    rt_assert_diag(&d, 1, 0, "column \"id\" appears twice (columns 1 and 3)");
    rt_got_free(&g);
    pg_diags_free(&d);

    /* an undeclared column twice is nobody's business, where undeclared columns are skipped */
    rc = rt_csv_src(rt_source_lenient(), "id,unit,x_,x_\na,b,c,d\n", &g, &st, &d);
    assert_int_equal(rc, 0);
    assert_int_equal(st.records, 1);
    rt_got_free(&g);
    pg_diags_free(&d);

    /* empty files: nothing, or only blank lines */
    const char *empties[] = {"", "\n\n", "\xEF\xBB\xBF", "\r\n"};
    for (size_t i = 0; i < sizeof empties / sizeof *empties; i++) {
        rc = rt_csv(empties[i], &g, &st, &d);
        assert_int_equal(rc, -EINVAL);
        assert_int_equal(st.errors, 1);
        rt_assert_diag(&d, 0, 0, "empty file: no header row");
        rt_got_free(&g);
        pg_diags_free(&d);
    }

    /* a header and no records is a good, empty batch */
    rc = rt_csv("id,unit\n", &g, &st, &d);
    assert_int_equal(rc, 0);
    assert_int_equal(st.records, 0);
    assert_int_equal(st.errors, 0);
    assert_int_equal(d.n, 0);
    rt_got_free(&g);
    pg_diags_free(&d);

    /* a malformed header */
    rc = rt_csv("id,un\"it\na,b\n", &g, &st, &d);
    assert_int_equal(rc, -EINVAL);
    assert_int_equal(st.errors, 1);
    rt_assert_diag(&d, 1, 0, "header: '\"' inside an unquoted field");
    rt_got_free(&g);
    pg_diags_free(&d);
}

static void test_field_counts(void **state)
{
    (void)state;
    rt_got g;
    pg_read_stats st;
    pg_diags d;
    int rc = rt_csv("id,unit,n\na,u,1\na,u\na,u,1,2\nb,u,2\n,\n\"x\ny\",z\nc,u,3\n", &g, &st, &d);
    assert_int_equal(rc, 0);
    assert_int_equal(st.records, 3);
    assert_int_equal(st.errors, 4);
    rt_assert_recs(&g, "L2|a|u|1|~|~|~|~|~", "L5|b|u|2|~|~|~|~|~", "L9|c|u|3|~|~|~|~|~", NULL);
    rt_assert_diag(&d, 3, 0, "2 fields, but the header has 3");
    rt_assert_diag(&d, 4, 0, "4 fields, but the header has 3");
    rt_assert_diag(&d, 6, 0, "2 fields, but the header has 3");
    rt_assert_diag(&d, 7, 0, "2 fields, but the header has 3");
    assert_int_equal(d.n, 4);
    rt_got_free(&g);
    pg_diags_free(&d);
}

static void test_quote_errors(void **state)
{
    (void)state;
    rt_got g;
    pg_read_stats st;
    pg_diags d;
    int rc = rt_csv("id,unit\n"
                    "a\"b,u\n"    /* 2: a quote inside an unquoted field */
                    "\"a\"b,u\n"  /* 3: text after the closing quote */
                    "\"a\" ,u\n"  /* 4: even a space */
                    "c,u\n"       /* 5: fine: the errors above did not run on */
                    "x,\"u\"\"\n" /* 6: a quote left open, to the end of the file */
                    "d,u\n",
                    &g, &st, &d);
    assert_int_equal(rc, 0);
    assert_int_equal(st.records, 1);
    assert_int_equal(st.errors, 4);
    rt_assert_recs(&g, "L5|c|u|~|~|~|~|~|~", NULL);
    rt_assert_diag(&d, 2, 0, "'\"' inside an unquoted field (quote the whole field)");
    rt_assert_diag(&d, 3, 0, "text after the closing quote of a field");
    rt_assert_diag(&d, 4, 0, "text after the closing quote of a field");
    rt_assert_diag(&d, 6, 0, "quoted field not closed before the end of the file");
    rt_got_free(&g);
    pg_diags_free(&d);
}

static void test_nulls_and_required(void **state)
{
    (void)state;
    rt_got g;
    pg_read_stats st;
    pg_diags d;
    int rc = rt_csv("id,unit\n,u\n\"\",u\na,\na,u\n", &g, &st, &d);
    assert_int_equal(rc, 0);
    assert_int_equal(st.records, 1);
    assert_int_equal(st.errors, 3);
    rt_assert_diag(&d, 2, 0, "id: missing required field");
    rt_assert_diag(&d, 3, 0, "id: missing required field");
    rt_assert_diag(&d, 4, 0, "unit: missing required field");
    rt_got_free(&g);
    pg_diags_free(&d);
}

static void test_conversion_errors(void **state)
{
    (void)state;
    rt_got g;
    pg_read_stats st;
    pg_diags d;
    int rc = rt_csv(HEADER "a,u,1.5,,,,,\n"              /* 2 */
                           "a,u,9007199254740993,,,,,\n" /* 3 */
                           "a,u,,0x10,,,,\n"             /* 4 */
                           "a,u,,nan,,,,\n"              /* 5 */
                           "a,u,,inf,,,,\n"              /* 6 */
                           "a,u,,1e999,,,,\n"            /* 7 */
                           "a,u,,,yes,,,\n"              /* 8 */
                           "a,u,,,,2021-02-30,,\n"       /* 9 */
                           "a,u,,,,,柜台,\n"             /* 10 */
                           "a,u,,,,,,\xff\xfe\n"         /* 11 */
                           "a,u, 1,,,,,\n"               /* 12 */
                           "a,u,,,TRUE,,,\n"             /* 13 */
                           "a,u,,,,2021-05-01 24:00,,\n" /* 14 */
                           "a,u,,1.5.5,,,,\n"            /* 15 */
                           "a,u,,,,,窗口 ,\n"            /* 16 */
                           "a,u,-,,,,,\n"                /* 17 */
                           "a,u,,\"1,5\",,,,\n"          /* 18 */
                           "a,u,,,,,,\xed\xa0\x80\n"     /* 19: a UTF-8 surrogate */
                           "a,u,9007199254740992,-0.5e-3,0,2021-05-01,网上,ok\n", /* 20 */
                    &g, &st, &d);
    assert_int_equal(rc, 0);
    assert_int_equal(st.errors, 18);
    assert_int_equal(st.records, 1);
    rt_assert_recs(&g, "L20|a|u|9007199254740992|-0.00050000000000000001|0|1619798400|#1:网上|ok",
                   NULL);
    rt_assert_diag(&d, 2, 0, "n: not an integer: \"1.5\"");
    rt_assert_diag(&d, 3, 0, "n: integer out of range (more than 2^53): \"9007199254740993\"");
    rt_assert_diag(&d, 4, 0, "x: not a number: \"0x10\"");
    rt_assert_diag(&d, 5, 0, "x: not a number: \"nan\"");
    rt_assert_diag(&d, 6, 0, "x: not a number: \"inf\"");
    rt_assert_diag(&d, 7, 0, "x: number out of range: \"1e999\"");
    rt_assert_diag(&d, 8, 0, "ok: not a boolean (true, false, 1 or 0): \"yes\"");
    rt_assert_diag(&d, 9, 0, "at: not a time (");
    rt_assert_diag(&d, 9, 0, "\"2021-02-30\"");
    rt_assert_diag(&d, 10, 0,
                   "ch: not one of the allowed values: \"柜台\" (allowed: 窗口, 网上, 粤省事)");
    rt_assert_diag(&d, 11, 0, "note: invalid UTF-8: \"\\xFF\\xFE\"");
    rt_assert_diag(&d, 12, 0, "n: not an integer: \" 1\"");
    rt_assert_diag(&d, 13, 0, "ok: not a boolean");
    rt_assert_diag(&d, 14, 0, "at: not a time");
    rt_assert_diag(&d, 15, 0, "x: not a number: \"1.5.5\"");
    rt_assert_diag(&d, 16, 0, "ch: not one of the allowed values: \"窗口 \"");
    rt_assert_diag(&d, 17, 0, "n: not an integer: \"-\"");
    rt_assert_diag(&d, 18, 0, "x: not a number: \"1,5\"");
    rt_assert_diag(&d, 19, 0, "note: invalid UTF-8");
    rt_got_free(&g);
    pg_diags_free(&d);
}

/* A record's first bad field is the one reported, and the record is dropped whole. */
static void test_first_error_per_record(void **state)
{
    (void)state;
    rt_got g;
    pg_read_stats st;
    pg_diags d;
    int rc = rt_csv(HEADER "a,u,x,y,z,w,v,\n", &g, &st, &d);
    assert_int_equal(rc, 0);
    assert_int_equal(st.errors, 1);
    assert_int_equal(d.n, 1);
    rt_assert_diag(&d, 2, 0, "n: not an integer: \"x\"");
    rt_got_free(&g);
    pg_diags_free(&d);
}

static void test_error_cap(void **state)
{
    (void)state;
    char *text = malloc(64 * 1024);
    assert_non_null(text);
    size_t o = (size_t)sprintf(text, "id,unit,n\n");
    for (int i = 0; i < 30; i++) o += (size_t)sprintf(text + o, "a%d,u,bad%d\n", i, i);
    for (int i = 0; i < 5; i++) o += (size_t)sprintf(text + o, "g%d,u,%d\n", i, i);
    rt_got g;
    pg_read_stats st;
    pg_diags d;
    int rc = rt_csv(text, &g, &st, &d);
    assert_int_equal(rc, 0);
    assert_int_equal(st.errors, 30);
    assert_int_equal(st.records, 5);
    assert_int_equal(d.n, PG_READER_MAX_ERRORS);
    assert_int_equal(d.errors, PG_READER_MAX_ERRORS);
    for (int i = 0; i < PG_READER_MAX_ERRORS; i++) {
        char want[64];
        snprintf(want, sizeof want, "n: not an integer: \"bad%d\"", i);
        assert_int_equal(d.v[i].line, i + 2);
        assert_string_equal(d.v[i].msg, want);
    }
    assert_string_equal(g.rec[4], "L36|g4|u|4|~|~|~|~|~");
    rt_got_free(&g);
    pg_diags_free(&d);
    free(text);
}

static void test_callback_stops(void **state)
{
    (void)state;
    rt_got g = {.stop_after = 2};
    pg_read_stats st;
    pg_diags d = {0};
    const char *path = rt_write_str("stop.csv", "id,unit\na,u\nb,u\nc,u\n");
    int rc = pg_read_csv(rt_source(), path, SH, rt_collect, &g, &st, &d);
    assert_int_equal(rc, 99);
    assert_int_equal(g.n, 2);
    assert_int_equal(st.records, 2);
    rt_got_free(&g);
    pg_diags_free(&d);
}

static void test_unreadable(void **state)
{
    (void)state;
    pg_read_stats st = {5, 5};
    pg_diags d = {0};
    rt_got g = {0};
    int rc = pg_read_csv(rt_source(), "/nonexistent/pinggu/batch.csv", SH, rt_collect, &g, &st, &d);
    assert_int_equal(rc, -ENOENT);
    assert_int_equal(st.records, 0);
    assert_int_equal(d.n, 1);
    assert_non_null(strstr(d.v[0].msg, "cannot open"));
    pg_diags_free(&d);
}

/* A quoted field of 3 MiB with "" pairs and newlines: the record straddles the 1 MiB block
 * three times, the buffer grows, and the lines after it are still counted right. */
static void test_record_straddles_blocks(void **state)
{
    (void)state;
    const size_t reps = 3 * 1024 * 1024 / 8;
    size_t cap = reps * 8 + 256;
    char *text = malloc(cap), *want = malloc(cap);
    assert_non_null(text);
    assert_non_null(want);
    size_t o = (size_t)sprintf(text, "id,unit,note\na,u,\""), w = 0;
    for (size_t i = 0; i < reps; i++) {
        memcpy(text + o, "ab\"\"cd\n,", 8); /* 8 bytes in the file, 7 in the value */
        memcpy(want + w, "ab\"cd\n,", 7);
        o += 8;
        w += 7;
    }
    o += (size_t)sprintf(text + o, "\"\nb,u,end\n");
    const char *path = rt_write("long.csv", text, o);
    rt_got g = {0};
    pg_read_stats st;
    pg_diags d = {0};
    int rc = pg_read_csv(rt_source(), path, SH, rt_collect, &g, &st, &d);
    rt_print_diags(&d);
    assert_int_equal(rc, 0);
    assert_int_equal(st.records, 2);
    assert_int_equal(st.errors, 0);
    /* the rendering is "L2|a|u|~|~|~|~|~|" + the note, cut at 8 KiB: compare the start */
    const char *prefix = "L2|a|u|~|~|~|~|~|";
    assert_memory_equal(g.rec[0], prefix, strlen(prefix));
    assert_memory_equal(g.rec[0] + strlen(prefix), want, strlen(g.rec[0]) - strlen(prefix));
    char line[64];
    snprintf(line, sizeof line, "L%zu|b|u|~|~|~|~|~|end", 3 + reps);
    assert_string_equal(g.rec[1], line);
    rt_got_free(&g);
    pg_diags_free(&d);
    free(text);
    free(want);
}

/* The callback sees the whole 3 MiB value (rt_collect cuts its copy). */
typedef struct {
    size_t len;
    unsigned long sum;
} lensum;

static int measure(void *ud, const pg_value *rec, int line)
{
    lensum *ls = ud;
    (void)line;
    if (!rec[7].null) {
        ls->len += (size_t)rec[7].len;
        for (int i = 0; i < rec[7].len; i++) ls->sum = ls->sum * 31 + (unsigned char)rec[7].str[i];
    }
    return 0;
}

static void test_long_value_whole(void **state)
{
    (void)state;
    size_t n = 3 * 1024 * 1024 + 17;
    char *text = malloc(n + 64);
    assert_non_null(text);
    size_t o = (size_t)sprintf(text, "id,unit,note\na,u,\"");
    unsigned long sum = 0;
    for (size_t i = 0; i < n; i++) {
        char c = (char)('a' + i % 26);
        text[o++] = c;
        sum = sum * 31 + (unsigned char)c;
    }
    o += (size_t)sprintf(text + o, "\"\n");
    const char *path = rt_write("whole.csv", text, o);
    lensum ls = {0, 0};
    pg_read_stats st;
    pg_diags d = {0};
    assert_int_equal(pg_read_csv(rt_source(), path, SH, measure, &ls, &st, &d), 0);
    assert_int_equal(ls.len, n);
    assert_true(ls.sum == sum);
    pg_diags_free(&d);
    free(text);
}

/* Past 8 MiB a record is an error; it is skipped to its end and reading goes on. */
static void test_record_too_long(void **state)
{
    (void)state;
    size_t n = 9 * 1024 * 1024;
    char *text = malloc(n + 256);
    assert_non_null(text);
    size_t o = (size_t)sprintf(text, "id,unit,note\na,u,\"");
    for (size_t i = 0; i < n; i++) text[o++] = i % 1000 == 999 ? '\n' : 'x';
    o += (size_t)sprintf(text + o, "\"\"\"\nb,u,end\n");
    const char *path = rt_write("huge.csv", text, o);
    rt_got g = {0};
    pg_read_stats st;
    pg_diags d = {0};
    int rc = pg_read_csv(rt_source(), path, SH, rt_collect, &g, &st, &d);
    assert_int_equal(rc, 0);
    assert_int_equal(st.errors, 1);
    rt_assert_diag(&d, 2, 0, "record longer than 8 MiB");
    char line[64];
    snprintf(line, sizeof line, "L%zu|b|u|~|~|~|~|~|end", 3 + n / 1000);
    rt_assert_recs(&g, line, NULL);
    rt_got_free(&g);
    pg_diags_free(&d);
    free(text);
}

/* Reading from memory with every block size from 1 byte gives what one big block gives. */
static void test_every_block_size(void **state)
{
    (void)state;
    static const char text[] = "\xEF\xBB\xBFnote,id,\"unit\",n,x,ok,at,ch,extra\r\n"
                               "\"a,b\",1,u,12,1.5,true,2021-05-01 08:00:00,窗口,\"e\"\"x\"\r\n"
                               "\r\n"
                               "\"multi\nline \"\"quoted\"\"\",2,u,,,,,,\n"
                               "x,3,u,bad,,,,,\n"
                               "x\"y,4,u,,,,,,\n"
                               "x,5,u\n"
                               ",6,u,,,,,柜台,\n"
                               "\"\",7,u,,,,,,\"\n\n\"\n"
                               "last,8,u,,,,,,\r";
    size_t len = sizeof text - 1;
    rt_got ref = {0};
    pg_read_stats rst;
    pg_diags rd = {0};
    assert_int_equal(pg_read_csv_mem(rt_source_lenient(), "mem.csv", text, len, 0, SH, rt_collect,
                                     &ref, &rst, &rd),
                     0);
    rt_print_diags(&rd);
    rt_assert_recs(&ref, "L2|1|u|12|1.5|1|1619827200|#0:窗口|a,b",
                   "L4|2|u|~|~|~|~|~|multi\nline \"quoted\"", "L10|7|u|~|~|~|~|~|~",
                   "L13|8|u|~|~|~|~|~|last", NULL);
    assert_int_equal(rst.errors, 4);
    for (size_t block = 1; block <= len + 1; block++) {
        rt_got g = {0};
        pg_read_stats st;
        pg_diags d = {0};
        assert_int_equal(pg_read_csv_mem(rt_source_lenient(), "mem.csv", text, len, block, SH,
                                         rt_collect, &g, &st, &d),
                         0);
        assert_int_equal(g.n, ref.n);
        for (int i = 0; i < g.n; i++) assert_string_equal(g.rec[i], ref.rec[i]);
        assert_int_equal(st.records, rst.records);
        assert_int_equal(st.errors, rst.errors);
        assert_int_equal(d.n, rd.n);
        for (int i = 0; i < d.n; i++) {
            assert_int_equal(d.v[i].line, rd.v[i].line);
            assert_string_equal(d.v[i].msg, rd.v[i].msg);
        }
        rt_got_free(&g);
        pg_diags_free(&d);
    }
    rt_got_free(&ref);
    pg_diags_free(&rd);
}

/* An enum with many values lists a few and says how many there are. */
static int count_only(void *ud, const pg_value *rec, int line)
{
    (void)rec;
    (void)line;
    ++*(int *)ud;
    return 0;
}

static void test_long_enum_list(void **state)
{
    (void)state;
    char *vals[50];
    char names[50][24];
    for (int i = 0; i < 50; i++) {
        snprintf(names[i], sizeof names[i], "value-%02d", i);
        vals[i] = names[i];
    }
    pg_field f[] = {{.name = "k", .type = PG_FT_ENUM, .enums = vals, .nenums = 50}};
    pg_source src = {.name = "s",
                     .fields = f,
                     .nfields = 1,
                     .unit_field = 0,
                     .time_field = -1,
                     .key_field = -1,
                     .file = "x.lua",
                     .line = 1};
    const char *path = rt_write_str("enum.csv", "k\nvalue-49\nvalue-00\nvalue-50\n");
    int n = 0;
    pg_read_stats st;
    pg_diags d = {0};
    assert_int_equal(pg_read_csv(&src, path, SH, count_only, &n, &st, &d), 0);
    assert_int_equal(n, 2);
    assert_int_equal(st.errors, 1);
    rt_assert_diag(&d, 4, 0, "k: not one of the allowed values: \"value-50\" (allowed: value-00, ");
    rt_assert_diag(&d, 4, 0, "\xE2\x80\xA6 (50 in all))");
    assert_true(strlen(d.v[0].msg) < 300);
    pg_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_line_ends_bom_blank_lines),
        cmocka_unit_test(test_quoted_fields),
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_field_counts),
        cmocka_unit_test(test_quote_errors),
        cmocka_unit_test(test_nulls_and_required),
        cmocka_unit_test(test_conversion_errors),
        cmocka_unit_test(test_first_error_per_record),
        cmocka_unit_test(test_error_cap),
        cmocka_unit_test(test_callback_stops),
        cmocka_unit_test(test_unreadable),
        cmocka_unit_test(test_record_straddles_blocks),
        cmocka_unit_test(test_long_value_whole),
        cmocka_unit_test(test_record_too_long),
        cmocka_unit_test(test_every_block_size),
        cmocka_unit_test(test_long_enum_list),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
