/* test_rewrite.c — one literal of a rule file rewritten in place (core/rules/rewrite.c): the
 * text after an edit is the text before with that literal's bytes alone replaced (comments,
 * spacing, strings that look like the field are kept), the edited set loads with the new value,
 * and a literal that cannot be located unambiguously (an expression, a name, a field written
 * twice, a declaration not on its line, a default not written) is refused at its file:line
 * with nothing written. */
#include "rules.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Lines: ruleset 2, online 9, reviews 15, bonus 20, b_awards 21, monthly 24. */
static const char base[] =
    "-- a small rule set, laid out the way the office writes them\n"
    "ruleset { id = \"rw\", name = \"改写\",\n"
    "  year = 2021,          -- 年度\n"
    "  missing = \"zero\" }\n"
    "group \"dept\" { name = \"市直单位\" }\n"
    "group \"county\" { name = \"县区\" }\n"
    "metric \"online_rate\" { name = \"全程网办率\", unit = \"share\" }\n"
    "metric \"bad_reviews\" { name = \"差评件数\", unit = \"count\" }\n"
    "indicator \"online\" { parent = \"service\", name = \"全程网办率\",\n"
    "  points = { dept = 60, county = 50 },   -- 分组分值\n"
    "  metric = \"online_rate\",\n"
    "  -- hi = 0.95 is the office's target (a comment that must stay)\n"
    "  method = linear { lo = 0.5, hi = 0.95 }, missing = \"zero\",\n"
    "  standard = \"hi = 0.95 满分\", source = \"办件库\" }\n"
    "indicator \"reviews\" { parent = \"service\", name = \"差评\",\n"
    "  points = { dept = 40, county = 50 }, metric = \"bad_reviews\",\n"
    "  method = deduct { per = 5 }, standard = \"扣分\", source = \"好差评\",\n"
    "  params = { f = function(a, b) local x, y = a, b; if x then return y end end } }\n"
    "metric \"awards\" { name = \"获奖\", unit = \"count\" }\n"
    "indicator \"bonus\" { name = \"加减分\", kind = \"adjust\", plus = 5, minus = 5 }\n"
    "indicator \"b_awards\" { parent = \"bonus\", name = \"获奖\", points = 2, metric = "
    "\"awards\",\n"
    "  method = per_event { per = 1 }, standard = \"每项1分\", source = \"申报\" }\n"
    "indicator \"service\" { name = \"政务服务\", points = 100 }\n"
    "scheme \"monthly\" { name = \"月度\", period = \"month\", max = 100,\n"
    "  parts = { { id = \"service\", weight = 1.0 }, { id = \"bonus\" } } }\n";

static const char units[] = "id,name,group\njia,甲局,dept\nyi,乙局,dept\nqu,某区,county\n";

static char *root;
static int serial;

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* `text` with its one `from` replaced by `to`. */
static char *subst(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    if (!at) fail_msg("'%s' is not in the text", from);
    assert_null(strstr(at + 1, from)); /* the expectation itself must be unambiguous */
    size_t n = strlen(text) - strlen(from) + strlen(to) + 1;
    char *s = malloc(n);
    snprintf(s, n, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    return s;
}

static pg_ruleset *load(const char *text)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/set%d", root, ++serial);
    mkdir(dir, 0755);
    write_file(dir, "ruleset.lua", text);
    write_file(dir, "units.csv", units);
    pg_diags d = {0};
    pg_ruleset *rs = NULL;
    if (pg_ruleset_load(dir, &rs, &d) != 0) {
        pg_diags_print(&d, stderr);
        fail_msg("the rule set does not load");
    }
    pg_diags_free(&d);
    return rs;
}

/* Applies `e` to `text`; must succeed. */
static char *apply(const char *text, const pg_edit *e)
{
    char *out = NULL;
    size_t len = 0;
    pg_diags d = {0};
    int rc = pg_rewrite(text, strlen(text), e, &out, &len, &d);
    if (rc != 0) {
        pg_diags_print(&d, stderr);
        fail_msg("the edit was refused");
    }
    assert_int_equal(strlen(out), len);
    pg_diags_free(&d);
    return out;
}

/* Applies `e` to `text`; must be refused at `line` with a message containing `says`. */
static void refused(const char *text, const pg_edit *e, int line, const char *says)
{
    char *out = (char *)"untouched";
    size_t len = 7;
    pg_diags d = {0};
    assert_int_equal(pg_rewrite(text, strlen(text), e, &out, &len, &d), -EINVAL);
    assert_null(out);
    assert_int_equal(len, 0);
    assert_int_equal(d.errors, 1);
    fprintf(stderr, "  refused: %s:%d: %s\n", d.v[0].file, d.v[0].line, d.v[0].msg);
    assert_string_equal(d.v[0].file, "ruleset.lua");
    assert_int_equal(d.v[0].line, line);
    if (!strstr(d.v[0].msg, says)) fail_msg("'%s' does not say '%s'", d.v[0].msg, says);
    pg_diags_free(&d);
}

static int node(const pg_ruleset *rs, const char *id)
{
    int n = pg_strmap_get(&rs->node_ids, id);
    assert_true(n >= 0);
    return n;
}

/* A method parameter: only `0.95` of the method's table changes, not the comment nor the
 * string that read the same; the set loads with hi 0.9. */
static void param(void **state)
{
    (void)state;
    pg_edit e = {.kind = PG_EDIT_PARAM,
                 .file = "ruleset.lua",
                 .line = 9,
                 .id = "online",
                 .key = "hi",
                 .method = "linear",
                 .values = (double[]){0.9}};
    char *out = apply(base, &e);
    char *want = subst(base, "lo = 0.5, hi = 0.95 }", "lo = 0.5, hi = 0.9 }");
    assert_string_equal(out, want);
    pg_ruleset *rs = load(out);
    assert_true(rs->nodes[node(rs, "online")].method.hi == 0.9);
    assert_true(rs->nodes[node(rs, "online")].method.lo == 0.5);
    pg_ruleset_free(rs);
    free(out), free(want);
}

/* Points by group: one group's literal changes; two edits that keep the parent's sum load. */
static void points_by_group(void **state)
{
    (void)state;
    const char *groups[] = {"dept", "county"};
    pg_edit a = {.kind = PG_EDIT_POINTS,
                 .file = "ruleset.lua",
                 .line = 9,
                 .id = "online",
                 .groups = groups,
                 .values = (double[]){45, 50},
                 .ngroups = 2};
    pg_edit b = {.kind = PG_EDIT_POINTS,
                 .file = "ruleset.lua",
                 .line = 15,
                 .id = "reviews",
                 .groups = groups,
                 .values = (double[]){55, 50},
                 .ngroups = 2};
    char *one = apply(base, &a), *two = apply(one, &b);
    char *w1 = subst(base, "points = { dept = 60, county = 50 },   -- 分组分值",
                     "points = { dept = 45, county = 50 },   -- 分组分值");
    char *w2 = subst(w1, "points = { dept = 40, county = 50 }, metric",
                     "points = { dept = 55, county = 50 }, metric");
    assert_string_equal(two, w2);
    pg_ruleset *rs = load(two);
    assert_true(rs->nodes[node(rs, "online")].points[0] == 45);
    assert_true(rs->nodes[node(rs, "online")].points[1] == 50);
    assert_true(rs->nodes[node(rs, "reviews")].points[0] == 55);
    pg_ruleset_free(rs);
    free(one), free(two), free(w1), free(w2);
}

/* One number for every group: equal new values stay one number; different ones become a
 * table of the groups. */
static void points_scalar(void **state)
{
    (void)state;
    const char *groups[] = {"dept", "county"};
    pg_edit e = {.kind = PG_EDIT_POINTS,
                 .file = "ruleset.lua",
                 .line = 21,
                 .id = "b_awards",
                 .groups = groups,
                 .values = (double[]){3, 3},
                 .ngroups = 2};
    char *out = apply(base, &e);
    char *want = subst(base, "\"获奖\", points = 2,", "\"获奖\", points = 3,");
    assert_string_equal(out, want);
    free(out), free(want);
    e.values = (double[]){3, 2.5};
    out = apply(base, &e);
    want = subst(base, "\"获奖\", points = 2,", "\"获奖\", points = { dept = 3, county = 2.5 },");
    assert_string_equal(out, want);
    pg_ruleset *rs = load(out);
    assert_true(rs->nodes[node(rs, "b_awards")].points[0] == 3);
    assert_true(rs->nodes[node(rs, "b_awards")].points[1] == 2.5);
    pg_ruleset_free(rs);
    free(out), free(want);
}

static void weight(void **state)
{
    (void)state;
    pg_edit e = {.kind = PG_EDIT_WEIGHT,
                 .file = "ruleset.lua",
                 .line = 24,
                 .id = "monthly",
                 .key = "service",
                 .values = (double[]){0.8}};
    char *out = apply(base, &e);
    char *want = subst(base, "weight = 1.0 }", "weight = 0.8 }");
    assert_string_equal(out, want);
    /* the rewrite is faithful, and the set it makes does not load: the parts no longer reach
     * the scheme's max (the host loads an edit before it writes anything) */
    char dir[512];
    snprintf(dir, sizeof dir, "%s/set%d", root, ++serial);
    mkdir(dir, 0755);
    write_file(dir, "ruleset.lua", out);
    write_file(dir, "units.csv", units);
    pg_diags d = {0};
    pg_ruleset *rs = NULL;
    assert_true(pg_ruleset_load(dir, &rs, &d) != 0);
    assert_true(d.errors > 0);
    assert_int_equal(d.v[0].line, 24);
    assert_non_null(strstr(d.v[0].msg, "the weighted parts reach 80"));
    pg_diags_free(&d);
    free(out), free(want);
    /* the same value: the same bytes (1.0 reads as 1) */
    e.values = (double[]){1};
    out = apply(base, &e);
    assert_string_equal(out, base);
    free(out);
}

/* The effective month: added on a line of its own after `year = …,` with its indentation, then
 * rewritten in place. */
static void effective(void **state)
{
    (void)state;
    pg_edit e = {.kind = PG_EDIT_EFFECTIVE, .file = "ruleset.lua", .line = 2, .text = "2021-07"};
    char *out = apply(base, &e);
    char *want = subst(base, "  year = 2021,          -- 年度\n",
                       "  year = 2021,          -- 年度\n  effective = \"2021-07\",\n");
    assert_string_equal(out, want);
    pg_ruleset *rs = load(out);
    assert_int_equal(rs->effective, 7);
    pg_ruleset_free(rs);
    e.text = "2021-09";
    char *again = apply(out, &e);
    char *want2 = subst(want, "\"2021-07\"", "\"2021-09\"");
    assert_string_equal(again, want2);
    free(out), free(want), free(again), free(want2);
}

/* What cannot be located unambiguously is refused, at its line, saying to edit the file. */
static void ambiguous(void **state)
{
    (void)state;
    const char *groups[] = {"dept", "county"};
    char *computed = subst(base, "points = { dept = 60, county = 50 },",
                           "points = { dept = 30 + 30, county = 50 },");
    pg_edit e = {.kind = PG_EDIT_POINTS,
                 .file = "ruleset.lua",
                 .line = 9,
                 .id = "online",
                 .groups = groups,
                 .values = (double[]){45, 50},
                 .ngroups = 2};
    refused(computed, &e, 10, "`dept = 30 + 30` is not a number written out");
    char *named = subst(base, "points = { dept = 60, county = 50 },", "points = P,");
    refused(named, &e, 10, "`points = P` is not written out");
    char *twice = subst(base, "lo = 0.5, hi = 0.95 }", "lo = 0.5, hi = 0.95, hi = 0.9 }");
    pg_edit p = {.kind = PG_EDIT_PARAM,
                 .file = "ruleset.lua",
                 .line = 9,
                 .id = "online",
                 .key = "hi",
                 .method = "linear",
                 .values = (double[]){0.9}};
    refused(twice, &p, 9, "written more than once");
    /* the line the rules were loaded from no longer holds the declaration */
    p.line = 10;
    refused(base, &p, 10, "no declaration `indicator \"online\" {` starts on this line");
    /* a default not written out: reviews' deduct has no `free` */
    pg_edit f = {.kind = PG_EDIT_PARAM,
                 .file = "ruleset.lua",
                 .line = 15,
                 .id = "reviews",
                 .key = "free",
                 .method = "deduct",
                 .values = (double[]){1}};
    refused(base, &f, 15, "no `free = <number>` is written here");
    /* a method given by name: `method = M` */
    char *byname = subst(base, "method = deduct { per = 5 }", "method = M");
    f.key = "per";
    refused(byname, &f, 17, "is not written as `deduct { … }`");
    /* a part without a weight */
    pg_edit w = {.kind = PG_EDIT_WEIGHT,
                 .file = "ruleset.lua",
                 .line = 24,
                 .id = "monthly",
                 .key = "bonus",
                 .values = (double[]){0.5}};
    refused(base, &w, 24, "no `weight = <number>` is written here");
    /* two declarations of the id on one line */
    char *two =
        subst(base, "indicator \"service\" { name = \"政务服务\", points = 100 }\n",
              "indicator \"service\" { points = 1 } indicator \"service\" { points = 2 }\n");
    pg_edit s = {.kind = PG_EDIT_POINTS,
                 .file = "ruleset.lua",
                 .line = 23,
                 .id = "service",
                 .groups = groups,
                 .values = (double[]){90, 90},
                 .ngroups = 2};
    refused(two, &s, 23, "declared more than once on this line");
    /* an unfinished string: nothing is guessed */
    char *open = subst(base, "\"扣分\"", "\"扣分");
    refused(open, &f, 17, "an unfinished string");
    free(computed), free(named), free(twice), free(byname), free(two), free(open);
}

/* Long strings and comments hide their contents: a `points` inside them is not a field. */
static void long_brackets(void **state)
{
    (void)state;
    char *t = subst(base, "indicator \"service\" { name = \"政务服务\", points = 100 }",
                    "indicator \"service\" { desc = [==[ points = 5, ]] ]==], --[[ points = 7 ]]\n"
                    "  name = \"政务服务\", points = 100 }");
    const char *groups[] = {"dept", "county"};
    pg_edit s = {.kind = PG_EDIT_POINTS,
                 .file = "ruleset.lua",
                 .line = 23,
                 .id = "service",
                 .groups = groups,
                 .values = (double[]){100, 100},
                 .ngroups = 2};
    char *same = apply(t, &s);
    assert_string_equal(same, t);
    free(same);
    free(t);
}

static void numbers(void **state)
{
    (void)state;
    char buf[32];
    pg_rewrite_number(10, buf), assert_string_equal(buf, "10");
    pg_rewrite_number(0.9, buf), assert_string_equal(buf, "0.9");
    pg_rewrite_number(0.1 + 0.2, buf), assert_string_equal(buf, "0.30000000000000004");
    pg_rewrite_number(-0.0, buf), assert_string_equal(buf, "0");
    pg_rewrite_number(-2.5, buf), assert_string_equal(buf, "-2.5");
}

static int setup(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/pinggu-rewrite-XXXXXX";
    root = strdup(mkdtemp(tmpl));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0) return -1;
    free(root);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(param),         cmocka_unit_test(points_by_group),
        cmocka_unit_test(points_scalar), cmocka_unit_test(weight),
        cmocka_unit_test(effective),     cmocka_unit_test(ambiguous),
        cmocka_unit_test(long_brackets), cmocka_unit_test(numbers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
