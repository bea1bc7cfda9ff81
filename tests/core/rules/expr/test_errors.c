/* test_errors.c — every compile error, with its column and the token its message names.
 *
 * Each case compiles against the fixture source and expects failure at an exact 1-based
 * column (byte offset + 1: a CJK character is three bytes), with a message that contains
 * given fragments (the offending token, and for unknown names the suggestion, for enums the
 * declared values). The cases follow the list in rules.h and the brief: lexical errors,
 * unknown names, calls, types of arithmetic, comparison and logic, `in` lists, enums,
 * workdays() without a calendar, division by a literal 0, trailing text, parentheses,
 * null and chained comparisons, and nesting limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fixture.h"

/* Compiling text (with or without the calendar) must fail at col with a message holding
 * each of the NULL-terminated fragments. */
static void expect_error_cal(const char *text, const pg_calendar *cal, int col, ...)
{
    pg_xtype type;
    char *err = NULL;
    int got = -1;
    pg_expr *e = pg_expr_compile(text, &fixture_source, cal, UTC8, &type, &err, &got);
    if (e) {
        pg_expr_free(e);
        fail_msg("%s: compiled, but should fail at column %d", text, col);
    }
    if (!err) fail_msg("%s: failed without a message", text);
    if (got != col) {
        print_error("%s: %s\n", text, err);
        free(err);
        fail_msg("%s: column %d, want %d", text, got, col);
    }
    va_list ap;
    va_start(ap, col);
    for (const char *frag; (frag = va_arg(ap, const char *));) {
        if (!strstr(err, frag)) {
            print_error("%s: %s\n", text, err);
            free(err);
            va_end(ap);
            fail_msg("%s: the message lacks \"%s\"", text, frag);
        }
    }
    va_end(ap);
    free(err);
}

#define expect_error(text, col, ...)                                                               \
    expect_error_cal(text, &fixture_calendar, col, __VA_ARGS__, NULL)

static void test_lexical(void **state)
{
    expect_error("", 1, "empty expression");
    expect_error("   ", 1, "empty expression");
    expect_error("name == 'abc", 9, "unterminated string", "'");
    expect_error("name == \"abc", 9, "unterminated string", "\"");
    expect_error("name == 'abc\\'", 9, "unterminated string");
    expect_error("name == 'abc\\", 9, "unterminated string");
    expect_error("name == 'a\\qb'", 11, "unknown escape", "\\q");
    expect_error("1e", 1, "malformed number", "1e");
    expect_error("count > 1e+", 9, "malformed number", "1e+");
    expect_error("12abc", 1, "malformed number", "12abc");
    expect_error("count == 1.2.3", 10, "malformed number", "1.2.3");
    expect_error("count == 0x10", 10, "malformed number", "0x10");
    expect_error("count < 1e999", 9, "out of range", "1e999");
    expect_error("count == 1 & flag", 12, "'&'", "and");
    expect_error("flag || ok", 6, "'|'", "or");
    expect_error("count = 1", 7, "'='", "==");
    expect_error("!flag", 1, "'!'", "not");
    expect_error("count ~ 1", 7, "'~'", "~=");
    expect_error("count # 1", 7, "'#'");
    expect_error("count == 1；", 11, "'；'"); /* a full-width semicolon, quoted whole */
    expect_error("名称 == 'x'", 1, "'名'");   /* names are ASCII */
    expect_error("count == 1 $", 12, "'$'");
}

static void test_unknown_names(void **state)
{
    expect_error("recieved_at < completed_at", 1, "unknown field 'recieved_at'",
                 "did you mean 'received_at'");
    expect_error("count > 1 and chanel == 'pc'", 15, "unknown field 'chanel'",
                 "did you mean 'channel'");
    expect_error("count > 1 and xyz", 15, "unknown field 'xyz'", "cases");
    expect_error("Count > 1", 1, "unknown field 'Count'", "did you mean 'count'");
    expect_error("TRUE", 1, "'TRUE'", "lower case", "'true'");
    expect_error("count > 1 AND flag", 11, "'AND'", "lower case", "'and'");
    expect_error("dayz(received_at, completed_at)", 1, "unknown function 'dayz'",
                 "did you mean 'days'");
    expect_error("1 + workday(received_at, completed_at)", 5, "unknown function 'workday'",
                 "did you mean 'workdays'");
    expect_error("max(count, 1)", 1, "unknown function 'max'", "days", "workdays");
    expect_error("count(1)", 1, "'count' is a field, not a function");
}

static void test_calls(void **state)
{
    expect_error("days(received_at)", 1, "days() takes 2 arguments", "got 1");
    expect_error("days()", 1, "days() takes 2 arguments", "got 0");
    expect_error("1 + days(received_at, completed_at, received_at)", 5, "days()", "got 3");
    expect_error("workdays(received_at) > 1", 1, "workdays() takes 2 arguments", "got 1");
    expect_error("days(received_at, promised_days)", 19, "days() takes two times", "promised_days",
                 "a number");
    expect_error("days(name, received_at)", 6, "days() takes two times", "name", "a string");
    expect_error("workdays(received_at, 1 + 2)", 23, "workdays() takes two times", "1 + 2");
    /* workdays() needs the calendar; days() does not */
    expect_error_cal("count + workdays(received_at, completed_at)", NULL, 9,
                     "workdays() needs a working-day calendar", NULL);
    pg_xtype type;
    char *err = NULL;
    int col = 0;
    pg_expr *e = pg_expr_compile("days(received_at, completed_at)", &fixture_source, NULL, 0, &type,
                                 &err, &col);
    assert_non_null(e);
    pg_expr_free(e);
    expect_error("days(received_at completed_at)", 18, "expected ',' or ')'", "completed_at");
}

static void test_arithmetic_types(void **state)
{
    expect_error("name + 1", 1, "'+' needs numbers", "name is a string");
    expect_error("1 + name", 5, "'+' needs numbers", "name is a string");
    expect_error("count * flag", 9, "'*' needs numbers", "flag is a bool");
    expect_error("(count > 1) / 2", 1, "'/' needs numbers", "(count > 1) is a bool");
    expect_error("count % 'x'", 9, "'%' needs numbers", "'x' is a string");
    expect_error("completed_at - received_at", 1, "'-' needs numbers", "completed_at is a time",
                 "days()");
    expect_error("received_at + 86400", 1, "'+' needs numbers", "received_at is a time");
    expect_error("channel + 1", 1, "'+' needs numbers", "channel is an enum");
    expect_error("-name", 2, "'-' needs numbers", "name is a string");
    expect_error("count - -flag", 10, "'-' needs numbers", "flag is a bool");
    expect_error("-received_at", 2, "received_at is a time");
}

static void test_comparison_types(void **state)
{
    expect_error("count == 'abc'", 10, "cannot compare", "count (a number)", "'abc' (a string)");
    expect_error("'abc' == count", 10, "cannot compare", "'abc' (a string)", "count (a number)");
    expect_error("name != 3", 9, "cannot compare", "name (a string)", "3 (a number)");
    expect_error("channel == 1", 12, "cannot compare", "channel (an enum)");
    expect_error("received_at > 5", 15, "cannot compare", "received_at (a time)", "5 (a number)");
    expect_error("days(received_at, completed_at) > received_at", 35, "cannot compare",
                 "received_at (a time)");
    expect_error("flag == 1", 9, "cannot compare", "flag (a bool)", "1 (a number)");
    expect_error("name < 'b'", 6, "'<' does not apply to strings");
    expect_error("name >= note", 6, "'>=' does not apply to strings");
    expect_error("channel <= 'pc'", 9, "'<=' does not apply to strings");
    expect_error("flag > ok", 6, "'>' does not apply to bools");
}

static void test_logic_types(void **state)
{
    expect_error("count and flag", 1, "'and' needs bools", "count is a number");
    expect_error("flag and name", 10, "'and' needs bools", "name is a string");
    expect_error("flag or received_at", 9, "'or' needs bools", "received_at is a time");
    expect_error("not count", 5, "'not' needs bools", "count is a number");
    expect_error("not channel", 5, "'not' needs bools", "channel is an enum");
    expect_error("flag and not 1", 14, "'not' needs bools", "1 is a number");
}

static void test_in_lists(void **state)
{
    expect_error("count in ()", 10, "empty list");
    expect_error("count in (1, 'a')", 14, "mixed types", "'a' is a string", "a number");
    expect_error("name in ('a', 'b', 3)", 20, "mixed types", "3 is a number");
    expect_error("flag in (true, 1)", 16, "mixed types", "1 is a number", "a bool");
    expect_error("count in ('a')", 11, "count is a number", "list holds strings");
    expect_error("name in (1, 2)", 10, "name is a string", "list holds numbers");
    expect_error("flag in ('x')", 10, "flag is a bool", "list holds strings");
    expect_error("count in (promised_days)", 11, "literal values", "promised_days");
    expect_error("count in (1 + 2)", 13, "expected ',' or ')'", "+");
    expect_error("count in (-name)", 11, "literal values");
    expect_error("count in (null)", 11, "null cannot be in a list", "is null");
    expect_error("count in 1", 10, "expected '('");
    expect_error("count in (1, 2", 10, "unbalanced parentheses", "never closed");
    expect_error("count in (1,", 10, "unbalanced parentheses");
    expect_error("count in (1,)", 13, "literal values", "')'");
    expect_error("received_at in (1)", 13, "'in' does not apply to times");
    expect_error("count not in ()", 14, "empty list");
}

static void test_enums(void **state)
{
    expect_error("channel == 'web'", 12, "'web' is not a value of channel",
                 "'粤省事', '粤商通', 'pc'");
    expect_error("'web' != channel", 1, "'web' is not a value of channel");
    expect_error("kind == \"newer\"", 9, "\"newer\" is not a value of kind", "'new', 'renew'");
    /* "channel in (" is 12 bytes, '粤省事' 11 (3 × 3 + 2 quotes), ", " 2: 'web' at byte 25 */
    expect_error("channel in ('粤省事', 'web')", 26, "'web' is not a value of channel", "'粤商通'");
    expect_error("channel not in ('粤省')", 17, "'粤省' is not a value of channel");
    expect_error("channel == 'PC'", 12, "'PC' is not a value"); /* values are exact */
    expect_error("channel in (1)", 13, "channel is an enum", "list holds numbers");
}

/* Enums declared with many values, or none: the message stays readable. */
static void test_enum_value_lists(void **state)
{
    char names[100][4], *values[100];
    for (int k = 0; k < 100; k++) {
        snprintf(names[k], sizeof(names[k]), "v%02d", k);
        values[k] = names[k];
    }
    pg_field fields[] = {{"many", PG_FT_ENUM, 0, values, 100, 0},
                         {"none", PG_FT_ENUM, 0, NULL, 0, 0}};
    pg_source src = {.name = "wide", .fields = fields, .nfields = 2, .key_field = -1};
    pg_xtype type;
    char *err = NULL;
    int col = 0;
    assert_null(pg_expr_compile("many == 'x'", &src, NULL, 0, &type, &err, &col));
    assert_int_equal(col, 9);
    assert_non_null(strstr(err, "'x' is not a value of many (its values: 'v00', 'v01'"));
    assert_non_null(strstr(err, ", …)")); /* cut short, not all hundred */
    assert_null(strstr(err, "'v99'"));
    assert_true(strlen(err) < 500);
    free(err);
    assert_null(pg_expr_compile("none in ('x')", &src, NULL, 0, &type, &err, &col));
    assert_int_equal(col, 10);
    assert_non_null(strstr(err, "'x' is not a value of none (it declares no values)"));
    free(err);
    pg_expr *e = pg_expr_compile("many in ('v99', 'v00')", &src, NULL, 0, &type, &err, &col);
    assert_non_null(e);
    pg_value r[2] = {{.num = 99, .str = "v99", .len = 3}, {.num = 0, .str = "", .len = 0}};
    assert_int_equal(pg_expr_test(e, r), 1);
    r[0].num = 50;
    assert_int_equal(pg_expr_test(e, r), 0);
    pg_expr_free(e);
}

static void test_division_by_literal_zero(void **state)
{
    expect_error("count / 0", 9, "division by zero", "'0'");
    expect_error("count / 0.0", 9, "division by zero");
    expect_error("count / -0", 9, "division by zero", "'-0'");
    expect_error("count / (0)", 9, "division by zero", "'(0)'");
    expect_error("count / 0e5 > 1", 9, "division by zero");
    expect_error("count % 0", 9, "remainder by zero", "'0'");
    expect_error("1 + 2 / 0 * 3", 9, "division by zero");
}

static void test_structure(void **state)
{
    /* trailing garbage */
    expect_error("count > 1 flag", 11, "unexpected 'flag'", "complete expression");
    expect_error("count 1", 7, "unexpected '1'");
    expect_error("count > 1 'x'", 11, "unexpected ''x''");
    expect_error("count not 1", 7, "unexpected 'not'");
    expect_error("count, 1", 6, "unexpected ','");
    /* unbalanced parentheses */
    expect_error("(count > 1", 1, "unbalanced parentheses", "never closed");
    expect_error("((count > 1)", 1, "unbalanced parentheses");
    expect_error("(count > (1)", 1, "unbalanced parentheses");
    expect_error("count > 1)", 10, "unbalanced parentheses", "no matching '('");
    expect_error("(count > 1))", 12, "unbalanced parentheses");
    expect_error("days(received_at, completed_at", 5, "unbalanced parentheses");
    expect_error("(count > 1 flag)", 12, "expected ')'", "flag");
    /* a missing operand */
    expect_error("count ==", 9, "expected a value at the end");
    expect_error("count == )", 10, "expected a value, got ')'");
    expect_error("count > 1 and", 14, "expected a value at the end");
    expect_error("()", 2, "expected a value, got ')'");
    expect_error("* 2", 1, "expected a value, got '*'");
    expect_error("+count", 1, "expected a value, got '+'");
    expect_error("count in", 9, "expected '('");
    /* null */
    expect_error("count == null", 10, "null is not a value", "is null");
    expect_error("null", 1, "null is not a value");
    expect_error("count is 1", 10, "expected 'null' or 'not null' after 'is'");
    expect_error("count is not", 13, "expected 'null'");
    expect_error("count is not not null", 14, "expected 'null'");
    /* comparisons do not chain */
    expect_error("1 < count < 5", 11, "comparisons do not chain", "'<'");
    expect_error("count == 3 == flag", 12, "comparisons do not chain");
    expect_error("count is null is null", 15, "comparisons do not chain", "'is'");
    expect_error("count in (1) in (true)", 14, "comparisons do not chain");
    expect_error("count > 1 not in (true)", 11, "comparisons do not chain");
    expect_error("count in (1) == true", 14, "comparisons do not chain");
}

static void test_nesting_limits(void **state)
{
    /* 200 parentheses, 200 minus signs, 200 nots: far past any real expression */
    char text[2048];
    int n = 0;
    for (int i = 0; i < 200; i++) text[n++] = '(';
    n += sprintf(text + n, "count");
    for (int i = 0; i < 200; i++) text[n++] = ')';
    text[n] = '\0';
    expect_error(text, 65, "too deeply nested");
    n = 0;
    for (int i = 0; i < 200; i++) text[n++] = '-';
    sprintf(text + n, "count");
    expect_error(text, 65, "too deeply nested");
    n = 0;
    for (int i = 0; i < 200; i++) n += sprintf(text + n, "not ");
    sprintf(text + n, "flag");
    expect_error(text, 257, "too deeply nested");
    /* a long flat chain is fine up to the tree's depth limit, and an error past it */
    n = sprintf(text, "count");
    for (int i = 0; i < 255; i++) n += sprintf(text + n, "+1");
    pg_xtype type;
    char *err = NULL;
    int col;
    pg_expr *e = pg_expr_compile(text, &fixture_source, NULL, 0, &type, &err, &col);
    if (!e) fail_msg("%s", err);
    pg_value r[NF];
    fixture_record(r);
    assert_true(pg_expr_number(e, r) == 258);
    pg_expr_free(e);
    n += sprintf(text + n, "+1");
    expect_error(text, n - 1, "too deeply nested");
    /* more than a megabyte of text */
    size_t big = (1 << 20) + 10;
    char *huge = malloc(big + 1);
    memset(huge, ' ', big);
    memcpy(huge + big - 5, "count", 5);
    huge[big] = '\0';
    expect_error(huge, 1, "expression too long");
    free(huge);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lexical),
        cmocka_unit_test(test_unknown_names),
        cmocka_unit_test(test_calls),
        cmocka_unit_test(test_arithmetic_types),
        cmocka_unit_test(test_comparison_types),
        cmocka_unit_test(test_logic_types),
        cmocka_unit_test(test_in_lists),
        cmocka_unit_test(test_enums),
        cmocka_unit_test(test_enum_value_lists),
        cmocka_unit_test(test_division_by_literal_zero),
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_nesting_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
