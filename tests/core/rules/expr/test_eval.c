/* test_eval.c — what compiled expressions compute.
 *
 * Every test compiles against the fixture source (fixture.h), evaluates on a record filled
 * by hand and compares with a value worked out by hand: precedence and associativity, every
 * operator on every type it accepts, nulls in each position (the rules of rules.h: arithmetic
 * and functions give null, comparisons and `in` are false, and/or read null as false), `in`
 * lists, `is null`, days() and workdays() on the May 2021 calendar, string escapes and UTF-8,
 * enums, the result types, the documented answers of pg_expr_test and pg_expr_number on a
 * plan of another type, and evaluation from several threads at once. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fixture.h"

static pg_expr *compile_typed(const char *text, int offset, pg_xtype want)
{
    pg_xtype type = (pg_xtype)-1;
    char *err = NULL;
    int col = -1;
    pg_expr *e =
        pg_expr_compile(text, &fixture_source, &fixture_calendar, offset, &type, &err, &col);
    if (!e) fail_msg("%s: column %d: %s", text, col, err);
    if (type != want) fail_msg("%s: type %d, want %d", text, (int)type, (int)want);
    assert_null(err);
    return e;
}

/* A bool expression on r must give want. */
static void check_bool(const char *text, const pg_value *r, int want)
{
    pg_expr *e = compile_typed(text, UTC8, PG_X_BOOL);
    int got = pg_expr_test(e, r);
    pg_expr_free(e);
    if (got != want) fail_msg("%s: got %d, want %d", text, got, want);
}

/* A number expression on r must give want (NAN: null). */
static void check_num_at(const char *text, const pg_value *r, double want, int offset,
                         pg_xtype type)
{
    pg_expr *e = compile_typed(text, offset, type);
    double got = pg_expr_number(e, r);
    pg_expr_free(e);
    if (isnan(want) ? !isnan(got) : !(fabs(got - want) <= 1e-12 * fmax(1, fabs(want))))
        fail_msg("%s: got %.17g, want %.17g", text, got, want);
}

static void check_num(const char *text, const pg_value *r, double want)
{
    check_num_at(text, r, want, UTC8, PG_X_NUMBER);
}

/* ---- precedence ---- */

static void test_precedence_arithmetic(void **state)
{
    pg_value r[NF];
    fixture_record(r); /* count = 3 */
    check_num("1 + 2 * 3", r, 7);
    check_bool("1 + 2 * 3 == 7", r, 1);
    check_num("(1 + 2) * 3", r, 9);
    check_num("2 - 3 - 4", r, -5); /* left to right: (2 - 3) - 4 */
    check_num("8 / 4 / 2", r, 1);  /* (8 / 4) / 2 */
    check_num("2 * 3 % 4", r, 2);  /* (2 * 3) % 4, not 2 * (3 % 4) = 6 */
    check_num("10 - 6 / 2", r, 7);
    check_num("-2 * 3", r, -6);
    check_num("-count * 2", r, -6);
    check_num("- -count", r, 3);
    check_num("-(1 + 2) * 3", r, -9);
    check_num("10 - -2", r, 12);
    check_num("2*-count", r, -6);
    check_bool("1 + 2 < 4", r, 1); /* arithmetic before comparison */
    check_bool("count * 2 >= 6", r, 1);
    check_num("((((count))))", r, 3);
}

static void test_precedence_logic(void **state)
{
    pg_value r[NF];
    fixture_record(r);
    /* not binds tighter than and: (not flag) and ok. flag = 0, ok = 0 tells them apart:
     * (not 0) and 0 = 0, while not (0 and 0) = 1. */
    set_num(r, F_FLAG, 0);
    set_num(r, F_OK, 0);
    check_bool("not flag and ok", r, 0);
    check_bool("not (flag and ok)", r, 1);
    /* and binds tighter than or: flag or (ok and false). flag = 1: 1, while
     * (flag or ok) and false = 0. */
    set_num(r, F_FLAG, 1);
    check_bool("flag or ok and false", r, 1);
    check_bool("(flag or ok) and false", r, 0);
    check_bool("true or true and false", r, 1);
    check_bool("false and true or true", r, 1);
    /* not is below comparison: not (count == 3) */
    check_bool("not count == 3", r, 0);
    check_bool("not count == 4", r, 1);
    check_bool("not not flag", r, 1);
    check_bool("not not not flag", r, 0);
    check_bool("count > 1 and count < 5 or false", r, 1);
    check_bool("count > 1 and (count > 5 or flag)", r, 1);
}

/* ---- operators ---- */

static void test_arithmetic(void **state)
{
    pg_value r[NF];
    fixture_record(r); /* count 3, score 2.5, promised_days 10 */
    check_num("7 % 3", r, 1);
    check_num("-7 % 3", r, -1); /* fmod: the sign of the dividend */
    check_num("7 % -3", r, 1);
    check_num("5.5 % 2", r, 1.5);
    check_num("1.5e2", r, 150);
    check_num("2E-1", r, 0.2);
    check_num("1e+3", r, 1000);
    check_num(".5", r, 0.5);
    check_num("0.25", r, 0.25);
    check_num("count / 2", r, 1.5);
    check_num("score * 2", r, 5);
    check_num("promised_days - count", r, 7);
    check_num("count + score", r, 5.5);
    check_num("1 / 3", r, 1.0 / 3);
    check_num("0 / count", r, 0);
    check_num("count", r, 3);
    check_num("-score", r, -2.5);
}

static void test_runtime_division_by_zero(void **state)
{
    pg_value r[NF];
    fixture_record(r); /* count 3 */
    check_num("count / (count - 3)", r, NAN);
    check_num("count % (count - 3)", r, NAN);
    check_num("0 / (count - 3)", r, NAN);
    check_bool("count / (count - 3) is null", r, 1);
    check_bool("count / (count - 3) > 0", r, 0);
    check_bool("count / (count - 3) != 0", r, 0);
}

static void test_number_comparisons(void **state)
{
    pg_value r[NF];
    fixture_record(r); /* count 3 */
    check_bool("count == 3", r, 1);
    check_bool("count == 4", r, 0);
    check_bool("count ~= 4", r, 1);
    check_bool("count ~= 3", r, 0);
    check_bool("count != 4", r, 1);
    check_bool("count != 3", r, 0);
    check_bool("count < 4", r, 1);
    check_bool("count < 3", r, 0);
    check_bool("count <= 3", r, 1);
    check_bool("count <= 2", r, 0);
    check_bool("count > 2", r, 1);
    check_bool("count > 3", r, 0);
    check_bool("count >= 3", r, 1);
    check_bool("count >= 4", r, 0);
    check_bool("score < count", r, 1);
    check_bool("3 == count", r, 1);
    check_bool("-3 == -count", r, 1);
}

static void test_time_comparisons(void **state)
{
    pg_value r[NF];
    fixture_record(r);
    check_bool("received_at < completed_at", r, 1);
    check_bool("received_at <= completed_at", r, 1);
    check_bool("received_at > completed_at", r, 0);
    check_bool("completed_at >= received_at", r, 1);
    check_bool("received_at == received_at", r, 1);
    check_bool("received_at == completed_at", r, 0);
    check_bool("received_at != completed_at", r, 1);
    check_bool("received_at ~= received_at", r, 0);
}

static void test_bool_comparisons(void **state)
{
    pg_value r[NF];
    fixture_record(r); /* flag 1, ok 0 */
    check_bool("flag", r, 1);
    check_bool("ok", r, 0);
    check_bool("flag == true", r, 1);
    check_bool("flag == false", r, 0);
    check_bool("flag != ok", r, 1);
    check_bool("flag ~= true", r, 0);
    check_bool("ok == false", r, 1);
    check_bool("(count > 1) == flag", r, 1);
    check_bool("true", r, 1);
    check_bool("false", r, 0);
    check_bool("flag and ok", r, 0);
    check_bool("flag or ok", r, 1);
    check_bool("not ok", r, 1);
}

static void test_string_comparisons(void **state)
{
    pg_value r[NF];
    fixture_record(r); /* name 汕尾市, note it's */
    check_bool("name == '汕尾市'", r, 1);
    check_bool("name == \"汕尾市\"", r, 1);
    check_bool("name ~= '汕尾市'", r, 0);
    check_bool("name != '汕尾'", r, 1);    /* a prefix is not equal */
    check_bool("name == '汕尾市 '", r, 0); /* nor is a longer string */
    check_bool("name == note", r, 0);
    check_bool("name != note", r, 1);
    check_bool("'a' == 'a'", r, 1);
    check_bool("'a' == 'A'", r, 0); /* bytes, not case-folded */
    /* an empty field whose pointer is NULL (a reader may hand one) */
    r[F_NOTE] = (pg_value){.str = NULL, .len = 0};
    check_bool("note == ''", r, 1);
    check_bool("note != 'x'", r, 1);
    check_bool("note is null", r, 0);
    check_bool("note in ('', 'x')", r, 1);
}

static void test_string_escapes(void **state)
{
    pg_value r[NF];
    fixture_record(r);
    set_str(r, F_NOTE, "it's");
    check_bool("note == 'it\\'s'", r, 1);
    check_bool("note == \"it's\"", r, 1);
    set_str(r, F_NOTE, "say \"hi\"");
    check_bool("note == \"say \\\"hi\\\"\"", r, 1);
    check_bool("note == 'say \"hi\"'", r, 1);
    set_str(r, F_NOTE, "a\\b");
    check_bool("note == 'a\\\\b'", r, 1);
    check_bool("note == 'ab'", r, 0);
    set_str(r, F_NOTE, "tab\there\nline\r");
    check_bool("note == 'tab\\there\\nline\\r'", r, 1);
    set_str(r, F_NOTE, "粤省事·办事指南"); /* UTF-8 passes through, in either quotes */
    check_bool("note == '粤省事·办事指南'", r, 1);
    check_bool("note in (\"粤省事·办事指南\")", r, 1);
    check_bool("note == '粤省事'", r, 0);
}

static void test_enums(void **state)
{
    pg_value r[NF];
    fixture_record(r);
    set_enum(r, F_CHANNEL, 1); /* 粤商通 */
    check_bool("channel == '粤商通'", r, 1);
    check_bool("'粤商通' == channel", r, 1);
    check_bool("channel == '粤省事'", r, 0);
    check_bool("channel != '粤省事'", r, 1);
    check_bool("channel ~= '粤商通'", r, 0);
    check_bool("'pc' != channel", r, 1);
    check_bool("channel in ('粤省事', '粤商通')", r, 1);
    check_bool("channel in ('粤省事', 'pc')", r, 0);
    check_bool("channel not in ('粤省事', 'pc')", r, 1);
    check_bool("channel not in ('粤商通')", r, 0);
    check_bool("kind == 'new' and channel == '粤商通'", r, 1);
    /* against a string field or another enum: the text, byte for byte */
    set_str(r, F_NAME, "粤商通");
    check_bool("channel == name", r, 1);
    check_bool("name != channel", r, 0);
    check_bool("channel == kind", r, 0);
    /* against a literal the plan compares the value's index, not its text: a record whose
     * index says pc answers as pc */
    r[F_CHANNEL] = (pg_value){.num = 2, .str = "粤省事", .len = (int)strlen("粤省事")};
    check_bool("channel == 'pc'", r, 1);
    check_bool("channel in ('pc')", r, 1);
    /* an index outside the declared values is in no list */
    r[F_CHANNEL].num = 7;
    check_bool("channel in ('粤省事', '粤商通', 'pc')", r, 0);
    check_bool("channel not in ('粤省事')", r, 1);
}

/* ---- in, is null ---- */

static void test_in_lists(void **state)
{
    pg_value r[NF];
    fixture_record(r); /* count 3, score 2.5, flag 1 */
    check_bool("count in (1, 2, 3)", r, 1);
    check_bool("count in (1, 2)", r, 0);
    check_bool("count in (3)", r, 1);
    check_bool("count in (-3, 3.0)", r, 1);
    check_bool("-count in (-3)", r, 1);
    check_bool("count + 1 in (4)", r, 1); /* in is below arithmetic */
    check_bool("count not in (1, 2)", r, 1);
    check_bool("count not in (3, 4)", r, 0);
    check_bool("score in (2.5, 1e3)", r, 1);
    check_bool("name in ('a', '汕尾市')", r, 1);
    check_bool("name in ('a', 'b')", r, 0);
    check_bool("name not in ('a', 'b')", r, 1);
    check_bool("flag in (true)", r, 1);
    check_bool("flag in (false)", r, 0);
    check_bool("flag not in (false)", r, 1);
    check_bool("not count in (3)", r, 0);
    check_bool("count in (1,2,3) and name in ('汕尾市')", r, 1);
}

static void test_is_null(void **state)
{
    pg_value r[NF];
    fixture_record(r);
    const char *fields[] = {"name",        "count",        "score",   "flag",          "ok",
                            "received_at", "completed_at", "channel", "promised_days", "note",
                            "kind"};
    char text[64];
    for (int f = 0; f < NF; f++) {
        snprintf(text, sizeof(text), "%s is null", fields[f]);
        check_bool(text, r, 0);
        snprintf(text, sizeof(text), "%s is not null", fields[f]);
        check_bool(text, r, 1);
    }
    set_null(r, F_SCORE);
    set_null(r, F_OK);
    set_null(r, F_COMPLETED);
    set_null(r, F_CHANNEL);
    set_null(r, F_NOTE);
    for (int f = 0; f < NF; f++) {
        int null = f == F_SCORE || f == F_OK || f == F_COMPLETED || f == F_CHANNEL || f == F_NOTE;
        snprintf(text, sizeof(text), "%s is null", fields[f]);
        check_bool(text, r, null);
        snprintf(text, sizeof(text), "%s is not null", fields[f]);
        check_bool(text, r, !null);
    }
    /* on whole expressions */
    check_bool("(score + 1) is null", r, 1);
    check_bool("count + 1 is null", r, 0);
    check_bool("days(received_at, completed_at) is null", r, 1);
    check_bool("(score > 0) is null", r, 0); /* a comparison with null is false, not null */
    check_bool("not ok is null", r, 0);      /* not (ok is null) */
}

/* ---- nulls in each position ---- */

static void test_nulls(void **state)
{
    pg_value r[NF];
    fixture_record(r);
    set_null(r, F_SCORE);
    set_null(r, F_OK);
    set_null(r, F_COMPLETED);
    set_null(r, F_CHANNEL);
    set_null(r, F_NOTE);
    /* arithmetic and functions: null */
    check_num("score + 1", r, NAN);
    check_num("1 + score", r, NAN);
    check_num("score * 0", r, NAN);
    check_num("score - score", r, NAN);
    check_num("count / score", r, NAN);
    check_num("score % 2", r, NAN);
    check_num("-score", r, NAN);
    check_num("days(received_at, completed_at)", r, NAN);
    check_num("days(completed_at, received_at)", r, NAN);
    check_num("workdays(received_at, completed_at)", r, NAN);
    check_num("workdays(completed_at, received_at)", r, NAN);
    /* comparisons and in: false, whichever side and operator */
    const char *falses[] = {
        "score == 1",
        "score ~= 1",
        "score != 1",
        "score < 1",
        "score <= 1",
        "score > 1",
        "score >= 1",
        "1 == score",
        "1 != score",
        "score == score",
        "score + 1 > 0",
        "score in (1, 2)",
        "score not in (1)",
        "completed_at > received_at",
        "received_at != completed_at",
        "days(received_at, completed_at) <= 5",
        "ok == true",
        "ok == false",
        "ok != true",
        "true != ok",
        "ok in (true, false)",
        "ok not in (true)",
        "note == 'x'",
        "note != 'x'",
        "'x' != note",
        "note == name",
        "note in ('x')",
        "note not in ('x')",
        "channel == 'pc'",
        "channel != 'pc'",
        "channel in ('pc')",
        "channel not in ('pc')",
        "channel == name",
        "name != channel",
        "ok",
        "ok and true",
        "true and ok",
        "ok or false",
    };
    for (size_t k = 0; k < sizeof(falses) / sizeof(*falses); k++) check_bool(falses[k], r, 0);
    /* and/or read null as false; not of null is true (null counts as false) */
    check_bool("ok or true", r, 1);
    check_bool("true or ok", r, 1);
    check_bool("not ok", r, 1);
    check_bool("not (score > 0)", r, 1);
    check_bool("score > 0 or flag", r, 1);
    check_bool("score > 0 or score <= 0", r, 0);
    check_bool("false and score > 0", r, 0);
    check_bool("count == 3 and score is null", r, 1);
}

/* ---- functions ---- */

static void test_days(void **state)
{
    pg_value r[NF];
    fixture_record(r); /* 30 Apr 10:00 → 10 May 22:00 (+08:00): 10.5 days */
    check_num("days(received_at, completed_at)", r, 10.5);
    check_num("days(completed_at, received_at)", r, -10.5);
    check_num("days(received_at, received_at)", r, 0);
    check_bool("days(received_at, completed_at) <= promised_days", r, 0); /* 10.5 <= 10 */
    check_bool("days(received_at, completed_at) <= promised_days + 1", r, 1);
    set_num(r, F_COMPLETED, T_APR30_1000 + 6 * 3600); /* six hours: a quarter day */
    check_num("days(received_at, completed_at)", r, 0.25);
    check_num("days(received_at, completed_at) * 24", r, 6);
}

static void test_workdays(void **state)
{
    pg_value r[NF];
    fixture_record(r);
    /* After Fri 30 Apr up to Mon 10 May: Sat 1, Sun 2 no; Mon 3 – Wed 5 holidays; Thu 6,
     * Fri 7 yes; Sat 8 a working day; Sun 9 no; Mon 10 yes: 4. */
    check_num("workdays(received_at, completed_at)", r, 4);
    check_num("workdays(completed_at, received_at)", r, -4);
    check_num("workdays(received_at, received_at)", r, 0);
    check_bool("workdays(received_at, completed_at) <= promised_days", r, 1);
    check_bool("workdays(received_at, completed_at) <= 3", r, 0);
    /* The plan keeps the offset: 7 May 15:00 UTC is Friday 23:00 in Shanghai and 7 May
     * 16:30 UTC is Saturday (a working day) 00:30, one working day later; in UTC both are
     * on Friday. */
    set_num(r, F_RECEIVED, 1620399600.0);  /* 2021-05-07 15:00 UTC */
    set_num(r, F_COMPLETED, 1620405000.0); /* 2021-05-07 16:30 UTC */
    check_num_at("workdays(received_at, completed_at)", r, 1, UTC8, PG_X_NUMBER);
    check_num_at("workdays(received_at, completed_at)", r, 0, 0, PG_X_NUMBER);
    /* the holidays alone: Fri 30 Apr → Thu 6 May is one working day (the 6th) */
    set_num(r, F_RECEIVED, T_APR30_1000);
    set_num(r, F_COMPLETED, T_APR30_1000 + 6 * 86400);
    check_num("workdays(received_at, completed_at)", r, 1);
}

/* ---- types and the API ---- */

static void test_result_types(void **state)
{
    pg_value r[NF];
    fixture_record(r);
    pg_expr *e;
    e = compile_typed("count", UTC8, PG_X_NUMBER);
    pg_expr_free(e);
    e = compile_typed("score * 2", UTC8, PG_X_NUMBER);
    pg_expr_free(e);
    e = compile_typed("days(received_at, completed_at)", UTC8, PG_X_NUMBER);
    pg_expr_free(e);
    e = compile_typed("received_at", UTC8, PG_X_TIME);
    pg_expr_free(e);
    e = compile_typed("(completed_at)", UTC8, PG_X_TIME);
    pg_expr_free(e);
    e = compile_typed("name", UTC8, PG_X_STRING);
    pg_expr_free(e);
    e = compile_typed("channel", UTC8, PG_X_STRING); /* an enum reads as its text */
    pg_expr_free(e);
    e = compile_typed("'literal'", UTC8, PG_X_STRING);
    pg_expr_free(e);
    e = compile_typed("flag", UTC8, PG_X_BOOL);
    pg_expr_free(e);
    e = compile_typed("count > 1", UTC8, PG_X_BOOL);
    pg_expr_free(e);
    /* a time plan gives the time itself */
    check_num_at("received_at", r, T_APR30_1000, UTC8, PG_X_TIME);
    set_null(r, F_COMPLETED);
    check_num_at("completed_at", r, NAN, UTC8, PG_X_TIME);
    /* and the error outputs are left clear on success */
    char *err = (char *)"untouched";
    int col = -1;
    pg_xtype type;
    e = pg_expr_compile("count", &fixture_source, NULL, 0, &type, &err, &col);
    assert_non_null(e);
    assert_null(err);
    assert_int_equal(col, 0);
    pg_expr_free(e);
}

/* pg_expr_test and pg_expr_number on a plan of another type (expr.c documents these):
 * number of a bool is 1/0 (NAN when a nullable bool is null); test of a number is "not null
 * and not 0"; of a time or a string "not null"; number of a string is NAN. */
static void test_cross_type_api(void **state)
{
    pg_value r[NF];
    fixture_record(r);
    struct {
        const char *text;
        pg_xtype type;
        int test;
        double number;
    } cases[] = {
        {"count > 1", PG_X_BOOL, 1, 1},
        {"count > 5", PG_X_BOOL, 0, 0},
        {"ok", PG_X_BOOL, 0, 0},
        {"count", PG_X_NUMBER, 1, 3},
        {"count - 3", PG_X_NUMBER, 0, 0},
        {"score", PG_X_NUMBER, 1, 2.5},
        {"received_at", PG_X_TIME, 1, T_APR30_1000},
        {"name", PG_X_STRING, 1, NAN},
        {"channel", PG_X_STRING, 1, NAN},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(*cases); k++) {
        pg_expr *e = compile_typed(cases[k].text, UTC8, cases[k].type);
        int t = pg_expr_test(e, r);
        double n = pg_expr_number(e, r);
        pg_expr_free(e);
        if (t != cases[k].test) fail_msg("%s: test %d", cases[k].text, t);
        if (isnan(cases[k].number) ? !isnan(n) : n != cases[k].number)
            fail_msg("%s: number %g", cases[k].text, n);
    }
    /* nulls */
    set_null(r, F_OK);
    set_null(r, F_SCORE);
    set_null(r, F_COMPLETED);
    set_null(r, F_NOTE);
    set_null(r, F_CHANNEL);
    const char *nulls[] = {"ok", "score", "completed_at", "note", "channel"};
    pg_xtype types[] = {PG_X_BOOL, PG_X_NUMBER, PG_X_TIME, PG_X_STRING, PG_X_STRING};
    for (int k = 0; k < 5; k++) {
        pg_expr *e = compile_typed(nulls[k], UTC8, types[k]);
        assert_int_equal(pg_expr_test(e, r), 0);
        assert_true(isnan(pg_expr_number(e, r)));
        pg_expr_free(e);
    }
}

static void test_free_null(void **state)
{
    pg_expr_free(NULL);
}

/* The same plan on several threads at once: every thread must get the right answers. */
#define THREADS 4
#define ROUNDS 200000

typedef struct {
    const pg_expr *e;
    int wrong;
} thread_arg;

static void *thread_main(void *ud)
{
    thread_arg *a = ud;
    pg_value r[NF];
    fixture_record(r);
    for (int i = 0; i < ROUNDS; i++) {
        /* alternate between a record that passes and one that does not */
        set_num(r, F_PROMISED, i % 2 ? 11 : 10);
        if (pg_expr_test(a->e, r) != (i % 2)) a->wrong++;
    }
    return NULL;
}

static void test_threads(void **state)
{
    pg_expr *e = compile_typed(
        "days(received_at, completed_at) <= promised_days and channel in ('粤省事','粤商通') "
        "and workdays(received_at, completed_at) == 4",
        UTC8, PG_X_BOOL);
    pthread_t t[THREADS];
    thread_arg args[THREADS];
    for (int k = 0; k < THREADS; k++) {
        args[k] = (thread_arg){e, 0};
        assert_int_equal(pthread_create(&t[k], NULL, thread_main, &args[k]), 0);
    }
    for (int k = 0; k < THREADS; k++) {
        pthread_join(t[k], NULL);
        assert_int_equal(args[k].wrong, 0);
    }
    pg_expr_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_precedence_arithmetic),
        cmocka_unit_test(test_precedence_logic),
        cmocka_unit_test(test_arithmetic),
        cmocka_unit_test(test_runtime_division_by_zero),
        cmocka_unit_test(test_number_comparisons),
        cmocka_unit_test(test_time_comparisons),
        cmocka_unit_test(test_bool_comparisons),
        cmocka_unit_test(test_string_comparisons),
        cmocka_unit_test(test_string_escapes),
        cmocka_unit_test(test_enums),
        cmocka_unit_test(test_in_lists),
        cmocka_unit_test(test_is_null),
        cmocka_unit_test(test_nulls),
        cmocka_unit_test(test_days),
        cmocka_unit_test(test_workdays),
        cmocka_unit_test(test_result_types),
        cmocka_unit_test(test_cross_type_api),
        cmocka_unit_test(test_free_null),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
