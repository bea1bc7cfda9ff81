/* test_rulediff.c — the semantic diff of two rule sets (core/rules/rulediff.c): each kind of
 * change, made by one edit of a small rule set, is found once, with its id, its before and
 * after in words and its line of text; an unchanged set has no changes.
 *
 * Each test writes the base set and an edited copy (one textual substitution) into fresh
 * directories, loads both as `pinggu check` would, and diffs them. */
#include "rules.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char base[] =
    "ruleset { id = \"diff\", name = \"差异\", year = 2021 }\n"
    "group \"dept\" { name = \"市直单位\" }\n"
    "group \"county\" { name = \"县区\" }\n"
    "source \"cases\" { name = \"办件\", unit = \"org\", time = \"at\", fields = {\n"
    "  { \"org\", \"string\" }, { \"at\", \"time\" }, { \"online\", \"bool\" } } }\n"
    "metric \"online_rate\" { name = \"全程网办率\", unit = \"share\", from = \"cases\",\n"
    "  kind = \"share\", condition = \"online\" }\n"
    "metric \"bad_reviews\" { name = \"差评件数\", unit = \"count\" }\n"
    "metric \"awards\" { name = \"获奖\", unit = \"count\" }\n"
    "indicator \"service\" { name = \"政务服务\", points = 100 }\n"
    "indicator \"online\" { parent = \"service\", name = \"全程网办率\",\n"
    "  points = { dept = 60, county = 50 }, metric = \"online_rate\",\n"
    "  method = linear { lo = 0.5, hi = 0.95 }, missing = \"zero\",\n"
    "  standard = \"线性\", source = \"办件库\" }\n"
    "indicator \"reviews\" { parent = \"service\", name = \"差评\",\n"
    "  points = { dept = 40, county = 50 }, metric = \"bad_reviews\",\n"
    "  method = deduct { per = 5 }, standard = \"扣分\", source = \"好差评\" }\n"
    "indicator \"bonus\" { name = \"加减分\", kind = \"adjust\", plus = 5, minus = 5 }\n"
    "indicator \"b_awards\" { parent = \"bonus\", name = \"获奖\", points = 2, metric = "
    "\"awards\",\n"
    "  method = per_event { per = 1 }, standard = \"每项1分\", source = \"申报\" }\n"
    "scheme \"monthly\" { name = \"月度\", period = \"month\", max = 100,\n"
    "  parts = { { id = \"service\", weight = 1 }, { id = \"bonus\" } } }\n";

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

/* `text` with every `from` replaced by `to`; the substitution must happen. */
static char *edit(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    if (!at) fail_msg("the edit '%s' does not apply", from);
    size_t n = strlen(text) - strlen(from) + strlen(to) + 1;
    char *s = malloc(n);
    snprintf(s, n, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    return s;
}

static pg_ruleset *load(const char *ruleset, const char *unitcsv)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/set%d", root, ++serial);
    mkdir(dir, 0755);
    write_file(dir, "ruleset.lua", ruleset);
    write_file(dir, "units.csv", unitcsv);
    pg_diags d = {0};
    pg_ruleset *rs = NULL;
    int rc = pg_ruleset_load(dir, &rs, &d);
    if (rc != 0) {
        pg_diags_print(&d, stderr);
        fail_msg("the rule set does not load");
    }
    pg_diags_free(&d);
    return rs;
}

/* Diffs the base against the base with `from` replaced by `to` (units.csv by `ucsv` if not
 * NULL) and checks there is exactly one change of `kind` on `id`, with the before, after and
 * text given (NULL: absent / not checked for text). Returns nothing; fails the test. */
static void expect_one(const char *from, const char *to, const char *ucsv, const char *kind,
                       const char *id, const char *before, const char *after, const char *text)
{
    char *edited = from ? edit(base, from, to) : strdup(base);
    pg_ruleset *a = load(base, units), *b = load(edited, ucsv ? ucsv : units);
    pg_rule_change *ch;
    int n = pg_rulediff(a, b, &ch);
    int found = -1;
    for (int i = 0; i < n; i++) {
        fprintf(stderr, "  %s %s: %s\n", ch[i].kind, ch[i].id, ch[i].text);
        if (strcmp(ch[i].kind, kind) == 0 && strcmp(ch[i].id, id) == 0) found = i;
    }
    if (found < 0) fail_msg("no change %s on %s", kind, id);
    assert_int_equal(n, 1);
    const pg_rule_change *c = &ch[found];
    if (before)
        assert_string_equal(c->before, before);
    else
        assert_null(c->before);
    if (after)
        assert_string_equal(c->after, after);
    else
        assert_null(c->after);
    if (text) assert_string_equal(c->text, text);
    pg_rule_changes_free(ch, n);
    pg_ruleset_free(a), pg_ruleset_free(b);
    free(edited);
}

static void unchanged(void **state)
{
    (void)state;
    pg_ruleset *a = load(base, units), *b = load(base, units);
    pg_rule_change *ch;
    assert_int_equal(pg_rulediff(a, b, &ch), 0);
    pg_rule_changes_free(ch, 0);
    pg_ruleset_free(a), pg_ruleset_free(b);
}

static void points(void **state)
{
    (void)state;
    char *t =
        edit(base, "points = { dept = 60, county = 50 }", "points = { dept = 45, county = 50 }");
    char *t2 =
        edit(t, "points = { dept = 40, county = 50 }", "points = { dept = 55, county = 50 }");
    pg_ruleset *a = load(base, units), *b = load(t2, units);
    pg_rule_change *ch;
    int n = pg_rulediff(a, b, &ch);
    assert_int_equal(n, 2);
    assert_string_equal(ch[0].kind, "points");
    assert_string_equal(ch[0].part, "dept");
    assert_string_equal(ch[0].text, "online [dept]: points 60 → 45");
    assert_string_equal(ch[1].text, "reviews [dept]: points 40 → 55");
    assert_string_equal(ch[1].before, "40");
    assert_string_equal(ch[1].after, "55");
    pg_rule_changes_free(ch, n);
    pg_ruleset_free(a), pg_ruleset_free(b);
    free(t), free(t2);
}

static void method_parameter(void **state)
{
    (void)state;
    expect_one("hi = 0.95", "hi = 0.9", NULL, "method", "online",
               "linear {lo 0.5, hi 0.95, better higher}", "linear {lo 0.5, hi 0.9, better higher}",
               "online: method linear hi 0.95 → 0.9");
}

static void method_kind(void **state)
{
    (void)state;
    expect_one("method = linear { lo = 0.5, hi = 0.95 }", "method = target { target = 0.9 }", NULL,
               "method", "online", "linear {lo 0.5, hi 0.95, better higher}",
               "target {target 0.9, better higher}",
               "online: method linear {lo 0.5, hi 0.95, better higher} → target {target 0.9, "
               "better higher}");
}

static void missing_policy(void **state)
{
    (void)state;
    expect_one("missing = \"zero\"", "missing = \"not_applicable\"", NULL, "missing", "online",
               "zero", "not_applicable", "online: missing-data policy zero → not_applicable");
}

static void thin_policy(void **state)
{
    (void)state;
    expect_one(
        "name = \"政务服务\", points = 100 }",
        "name = \"政务服务\", points = 100, min_applicable = 0.5, below = \"group_median\" }", NULL,
        "missing", "service", "none", "min_applicable 0.5, below group_median",
        "service: thin-evidence policy none → min_applicable 0.5, below group_median");
}

static void metric_definition(void **state)
{
    (void)state;
    expect_one("condition = \"online\"", "condition = \"online\", where = \"org ~= 'x'\"", NULL,
               "metric", "online_rate",
               "from = \"cases\", kind = \"share\", over = \"month\", condition = \"online\"",
               "from = \"cases\", kind = \"share\", over = \"month\", where = \"org ~= 'x'\", "
               "condition = \"online\"",
               "metric online_rate: where none → \"org ~= 'x'\"");
}

static void indicator_added(void **state)
{
    (void)state;
    expect_one("indicator \"bonus\"",
               "indicator \"b_more\" { parent = \"bonus\", name = \"更多\", points = 1, "
               "metric = \"awards\", method = per_event { per = 0.5 }, standard = \"s\", "
               "source = \"s\" }\nindicator \"bonus\"",
               NULL, "indicator.added", "b_more", NULL, "dept 1, county 1",
               "b_more (更多) added under bonus: points dept 1, county 1, method per_event {per "
               "0.5}");
}

static void indicator_retired(void **state)
{
    (void)state;
    char *t = edit(base, "indicator \"b_awards\"", "local _ = ");
    char *t2 =
        edit(t, "method = per_event { per = 1 }, standard = \"每项1分\", source = \"申报\" }", "}");
    pg_ruleset *a = load(base, units), *b = load(t2, units);
    pg_rule_change *ch;
    int n = pg_rulediff(a, b, &ch);
    assert_int_equal(n, 1);
    assert_string_equal(ch[0].kind, "indicator.retired");
    assert_string_equal(ch[0].id, "b_awards");
    assert_string_equal(ch[0].text, "b_awards (获奖) retired from bonus");
    assert_null(ch[0].after);
    pg_rule_changes_free(ch, n);
    pg_ruleset_free(a), pg_ruleset_free(b);
    free(t), free(t2);
}

static void indicator_moved(void **state)
{
    (void)state;
    /* reviews moves under a new inner node of the same points, so every sum still adds up */
    char *t = edit(base, "indicator \"reviews\" { parent = \"service\"",
                   "indicator \"quality\" { parent = \"service\", name = \"质量\", points = { dept "
                   "= 40, county = 50 } }\nindicator \"reviews\" { parent = \"quality\"");
    pg_ruleset *a = load(base, units), *b = load(t, units);
    pg_rule_change *ch;
    int n = pg_rulediff(a, b, &ch);
    int moved = -1, added = -1;
    for (int i = 0; i < n; i++) {
        if (strcmp(ch[i].kind, "indicator.moved") == 0) moved = i;
        if (strcmp(ch[i].kind, "indicator.added") == 0) added = i;
    }
    assert_int_equal(n, 2);
    assert_true(moved >= 0 && added >= 0);
    assert_string_equal(ch[moved].text, "reviews: moved from service to quality");
    assert_string_equal(ch[moved].before, "service");
    assert_string_equal(ch[moved].after, "quality");
    pg_rule_changes_free(ch, n);
    pg_ruleset_free(a), pg_ruleset_free(b);
    free(t);
}

static void scheme_weight(void **state)
{
    (void)state;
    /* the weighted parts must reach the scheme's max: the max changes with the weight */
    char *t = edit(base, "{ id = \"service\", weight = 1 }", "{ id = \"service\", weight = 0.9 }");
    char *t2 = edit(t, "period = \"month\", max = 100", "period = \"month\", max = 90");
    pg_ruleset *a = load(base, units), *b = load(t2, units);
    pg_rule_change *ch;
    int n = pg_rulediff(a, b, &ch);
    assert_int_equal(n, 2);
    assert_string_equal(ch[0].kind, "scheme.max");
    assert_string_equal(ch[0].text, "scheme monthly: maximum 100 → 90");
    assert_string_equal(ch[1].kind, "weight");
    assert_string_equal(ch[1].id, "monthly/service");
    assert_string_equal(ch[1].before, "1");
    assert_string_equal(ch[1].after, "0.9");
    assert_string_equal(ch[1].text, "scheme monthly part service: weight 1 → 0.9");
    pg_rule_changes_free(ch, n);
    pg_ruleset_free(a), pg_ruleset_free(b);
    free(t), free(t2);
}

static void scheme_added(void **state)
{
    (void)state;
    expect_one("scheme \"monthly\"",
               "scheme \"year_end\" { name = \"年终\", period = \"year\", max = 100, parts = { { "
               "id = \"service\" } } }\nscheme \"monthly\"",
               NULL, "scheme.added", "year_end", NULL, "年终", "scheme year_end (年终) added");
}

static void scheme_part_retired(void **state)
{
    (void)state;
    expect_one(", { id = \"bonus\" }", "", NULL, "part.retired", "monthly/bonus", "1", NULL,
               "scheme monthly: part bonus retired");
}

static void bonus_cap(void **state)
{
    (void)state;
    expect_one("plus = 5, minus = 5", "plus = 3, minus = 5", NULL, "cap", "bonus", "+5 / -5",
               "+3 / -5", "bonus: bonus caps +5 / -5 → +3 / -5");
}

/* The aggregation operator, a value option and a group's ranking (compose.c, issue 15). */
static void compose_changes(void **state)
{
    (void)state;
    expect_one("indicator \"service\" { name = \"政务服务\", points = 100 }",
               "indicator \"service\" { name = \"政务服务\", points = 100, aggregate = \"mean\" }",
               NULL, "method", "service", "sum", "mean", "service: aggregate sum → mean");
    expect_one("hi = 0.95 }, missing", "hi = 0.95 }, transform = { cap = 0.9 }, missing", NULL,
               "method", "online", "linear {lo 0.5, hi 0.95, better higher}",
               "linear {lo 0.5, hi 0.95, better higher, transform log false floor none cap 0.9}",
               "online: method linear transform none → log false floor none cap 0.9");
    expect_one("hi = 0.95 }, missing", "hi = 0.95 }, na_when = { -1 }, missing", NULL, "method",
               "online", "linear {lo 0.5, hi 0.95, better higher}",
               "linear {lo 0.5, hi 0.95, better higher, na_when -1}",
               "online: method linear na_when none → -1");
    expect_one("group \"county\" { name = \"县区\" }",
               "group \"county\" { name = \"县区\", ranked = false }", NULL, "group.ranked",
               "county", "true", "false", "group county: ranked true → false");
}

static void group_renamed(void **state)
{
    (void)state;
    expect_one("name = \"县区\"", "name = \"县(市、区)\"", NULL, "group.renamed", "county", "县区",
               "县(市、区)", "group county: name 县区 → 县(市、区)");
}

static void unit_moved(void **state)
{
    (void)state;
    expect_one(NULL, NULL, "id,name,group\njia,甲局,dept\nyi,乙局,county\nqu,某区,county\n",
               "unit.moved", "yi", "dept", "county", "unit yi: group dept → county");
}

static void unit_added(void **state)
{
    (void)state;
    expect_one(NULL, NULL,
               "id,name,group\njia,甲局,dept\nyi,乙局,dept\nqu,某区,county\nbing,丙局,dept\n",
               "unit.added", "bing", NULL, "dept", "unit bing (丙局) added in group dept");
}

static void json(void **state)
{
    (void)state;
    char *t = edit(base, "hi = 0.95", "hi = 0.9");
    pg_ruleset *a = load(base, units), *b = load(t, units);
    pg_rule_change *ch;
    int n = pg_rulediff(a, b, &ch);
    cJSON *j = pg_rule_changes_json(ch, n);
    char *s = cJSON_PrintUnformatted(j);
    assert_string_equal(s, "[{\"kind\":\"method\",\"id\":\"online\",\"before\":\"linear {lo 0.5, "
                           "hi 0.95, better higher}\",\"after\":\"linear {lo 0.5, hi 0.9, better "
                           "higher}\",\"text\":\"online: method linear hi 0.95 → 0.9\"}]");
    free(s);
    cJSON_Delete(j);
    pg_rule_changes_free(ch, n);
    pg_ruleset_free(a), pg_ruleset_free(b);
    free(t);
}

static int setup(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/pg-rulediff-XXXXXX";
    root = strdup(mkdtemp(tmpl));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pg_ruledir_remove(root);
    free(root);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* clang-format off */
        cmocka_unit_test(unchanged),
        cmocka_unit_test(points),
        cmocka_unit_test(method_parameter),
        cmocka_unit_test(method_kind),
        cmocka_unit_test(missing_policy),
        cmocka_unit_test(thin_policy),
        cmocka_unit_test(metric_definition),
        cmocka_unit_test(indicator_added),
        cmocka_unit_test(indicator_retired),
        cmocka_unit_test(indicator_moved),
        cmocka_unit_test(scheme_weight),
        cmocka_unit_test(scheme_added),
        cmocka_unit_test(scheme_part_retired),
        cmocka_unit_test(bonus_cap),
        cmocka_unit_test(group_renamed),
        cmocka_unit_test(compose_changes),
        cmocka_unit_test(unit_moved),
        cmocka_unit_test(unit_added),
        cmocka_unit_test(json),
        /* clang-format on */
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
