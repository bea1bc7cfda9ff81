/* test_random.c — 10,000 random-ish expressions compiled, evaluated and freed.
 *
 * The point is memory: under AddressSanitizer (the PG_SANITIZE build) a leak, a double free
 * or an out-of-bounds read on any path of the compiler, including every error path, fails
 * the run. The expressions come from a type-directed generator with a fixed seed (so runs
 * repeat), which now and then picks an operand of the wrong type, and a fifth of them are
 * then mutated (a byte deleted, inserted or the text cut short) to reach the lexer's and the
 * parser's error paths. Each result must keep the API's promises: a plan and no message, or
 * no plan, a message and a column inside the text (or just past its end). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fixture.h"

static uint64_t seed = 0x9E3779B97F4A7C15ull;

static unsigned rnd(unsigned n)
{
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return (unsigned)(seed >> 11) % n;
}

typedef struct {
    char s[4096];
    size_t n;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text *t, const char *fmt, ...)
{
    if (t->n >= sizeof(t->s) - 1) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->s + t->n, sizeof(t->s) - t->n, fmt, ap);
    va_end(ap);
    t->n += (size_t)n;
    if (t->n > sizeof(t->s) - 1) t->n = sizeof(t->s) - 1;
}

static const char *pick(const char *const *v, unsigned n)
{
    return v[rnd(n)];
}
#define PICK(v) pick(v, sizeof(v) / sizeof(*v))

enum { G_BOOL, G_NUM, G_STR, G_TIME, G_ENUM };

static void gen(text *t, int type, int depth);

static void gen_num(text *t, int depth)
{
    static const char *const fields[] = {"count", "score", "promised_days"};
    static const char *const lits[] = {"0", "1", "2.5", "-3", "1e3", ".5", "7", "86400", "0.0"};
    static const char *const ops[] = {" + ", " - ", " * ", " / ", " % ", "+", "*"};
    switch (depth > 3 ? rnd(2) : rnd(7)) {
    case 0:
        put(t, "%s", PICK(fields));
        break;
    case 1:
        put(t, "%s", PICK(lits));
        break;
    case 2:
    case 3:
        gen(t, G_NUM, depth + 1);
        put(t, "%s", PICK(ops));
        gen(t, G_NUM, depth + 1);
        break;
    case 4:
        put(t, "-");
        gen(t, G_NUM, depth + 1);
        break;
    case 5:
        put(t, "(");
        gen(t, G_NUM, depth + 1);
        put(t, ")");
        break;
    default:
        put(t, rnd(2) ? "days(" : "workdays(");
        gen(t, G_TIME, depth + 1);
        put(t, ", ");
        gen(t, G_TIME, depth + 1);
        if (!rnd(10)) put(t, ", count");
        put(t, ")");
    }
}

static void gen_bool(text *t, int depth)
{
    static const char *const leaves[] = {"flag", "ok", "true", "false"};
    static const char *const cmps[] = {" == ", " ~= ", " != ", " < ", " <= ", " > ", " >= "};
    static const char *const channels[] = {"'粤省事'", "'粤商通'", "'pc'", "\"pc\"", "'web'"};
    switch (depth > 3 ? rnd(2) : rnd(12)) {
    case 0:
        put(t, "%s", PICK(leaves));
        break;
    case 1:
    case 2:
        gen(t, G_NUM, depth + 1);
        put(t, "%s", PICK(cmps));
        gen(t, G_NUM, depth + 1);
        break;
    case 3:
        gen(t, G_TIME, depth + 1);
        put(t, "%s", PICK(cmps));
        gen(t, G_TIME, depth + 1);
        break;
    case 4:
        gen(t, rnd(2) ? G_STR : G_ENUM, depth + 1);
        put(t, rnd(2) ? " == " : " != ");
        if (rnd(2))
            put(t, "%s", PICK(channels));
        else
            gen(t, G_STR, depth + 1);
        break;
    case 5:
        put(t, "channel%s (", rnd(3) ? " in" : " not in");
        for (unsigned k = 0, n = 1 + rnd(3); k < n; k++)
            put(t, "%s%s", k ? ", " : "", PICK(channels));
        put(t, ")");
        break;
    case 6:
        gen(t, G_NUM, depth + 1);
        put(t, " in (");
        for (unsigned k = 0, n = rnd(4); k < n; k++) put(t, "%s%d", k ? ", " : "", (int)rnd(7) - 3);
        put(t, ")");
        break;
    case 7:
        gen(t, (int)rnd(5), depth + 1);
        put(t, rnd(2) ? " is null" : " is not null");
        break;
    case 8:
        put(t, "not ");
        gen(t, G_BOOL, depth + 1);
        break;
    case 9:
    case 10:
        gen(t, G_BOOL, depth + 1);
        put(t, rnd(2) ? " and " : " or ");
        gen(t, G_BOOL, depth + 1);
        break;
    default:
        put(t, "(");
        gen(t, G_BOOL, depth + 1);
        put(t, ")");
    }
}

/* An expression of `type`, or once in twenty of any type, to reach the type errors. */
static void gen(text *t, int type, int depth)
{
    static const char *const strs[] = {"name", "note", "'汕尾市'", "'it\\'s'", "\"a\\\\b\"", "''"};
    if (!rnd(20)) type = (int)rnd(5);
    switch (type) {
    case G_BOOL:
        gen_bool(t, depth);
        break;
    case G_NUM:
        gen_num(t, depth);
        break;
    case G_STR:
        put(t, "%s", PICK(strs));
        break;
    case G_TIME:
        put(t, rnd(2) ? "received_at" : "completed_at");
        break;
    default:
        put(t, rnd(2) ? "channel" : "kind");
    }
}

/* Deletes, inserts or cuts one place, to reach the lexer's and parser's error paths. */
static void mutate(text *t)
{
    static const char bytes[] = "()'\"\\,-+*/%=<>~!&| .e0x_\xe7\xb2\xa4";
    size_t at = t->n ? rnd((unsigned)t->n) : 0;
    switch (rnd(3)) {
    case 0:
        if (t->n) memmove(t->s + at, t->s + at + 1, t->n - at), t->n--;
        break;
    case 1:
        if (t->n + 1 < sizeof(t->s)) {
            memmove(t->s + at + 1, t->s + at, t->n - at + 1);
            t->s[at] = bytes[rnd(sizeof(bytes) - 1)];
            t->n++;
        }
        break;
    default:
        t->n = at;
    }
    t->s[t->n] = '\0';
}

static void test_random_expressions(void **state)
{
    pg_value recs[3][NF];
    fixture_record(recs[0]);
    fixture_record(recs[1]);
    set_null(recs[1], F_SCORE);
    set_null(recs[1], F_OK);
    set_null(recs[1], F_COMPLETED);
    set_null(recs[1], F_CHANNEL);
    set_null(recs[1], F_NOTE);
    fixture_record(recs[2]);
    set_num(recs[2], F_COUNT, 0);
    set_enum(recs[2], F_CHANNEL, 2);
    set_str(recs[2], F_NOTE, "");
    int ok = 0, bad = 0, types[4] = {0};
    for (int i = 0; i < 10000; i++) {
        text t = {.n = 0};
        t.s[0] = '\0';
        gen(&t, i % 3 ? G_BOOL : G_NUM, 0);
        if (i % 5 == 0) mutate(&t);
        pg_xtype type;
        char *err = NULL;
        int col = -1;
        const pg_calendar *cal = i % 7 ? &fixture_calendar : NULL;
        pg_expr *e = pg_expr_compile(t.s, &fixture_source, cal, UTC8, &type, &err, &col);
        if (e) {
            if (err) fail_msg("%s: a plan and a message", t.s);
            types[type]++;
            for (int k = 0; k < 3; k++) {
                int b = pg_expr_test(e, recs[k]);
                assert_true(b == 0 || b == 1);
                (void)pg_expr_number(e, recs[k]);
            }
            pg_expr_free(e);
            ok++;
        } else {
            if (!err) fail_msg("%s: no plan and no message", t.s);
            if (col < 1 || col > (int)t.n + 1) fail_msg("%s: column %d: %s", t.s, col, err);
            free(err);
            bad++;
        }
    }
    print_message("%d compiled (bool %d, number %d, string %d, time %d), %d rejected\n", ok,
                  types[PG_X_BOOL], types[PG_X_NUMBER], types[PG_X_STRING], types[PG_X_TIME], bad);
    /* both paths must be well exercised */
    assert_true(ok > 2000);
    assert_true(bad > 2000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_expressions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
