/* test_gen.c — rule generations (host/gen.c): a set is loaded from a content-addressed snapshot,
 * its messages name the author's files, an identical set reuses its snapshot, and the points
 * that changed between two generations are listed by the semantic diff the host audits
 * (core/rules/rulediff.c; tests/core/rules/diff/ tests each kind of change). */
#include "htest.h"

#include "gen.h"
#include "base.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char ruleset[] =
    "ruleset { id = \"demo-2021\", name = \"示例\", year = 2021 }\n"
    "group \"dept\" { name = \"市直单位\" }\n"
    "group \"county\" { name = \"县区\" }\n"
    "metric \"online_rate\" { name = \"全程网办率\", unit = \"share\" }\n"
    "metric \"bad_reviews\" { name = \"差评件数\", unit = \"count\" }\n"
    "indicator \"service\" { name = \"政务服务\", points = 100 }\n"
    "indicator \"online\" { parent = \"service\", name = \"全程网办率\",\n"
    "  points = { dept = ONLINE_DEPT, county = 50 }, metric = \"online_rate\",\n"
    "  method = linear { lo = 0.5, hi = 0.95 }, standard = \"线性\", source = \"办件库\" }\n"
    "indicator \"reviews\" { parent = \"service\", name = \"差评\",\n"
    "  points = { dept = REVIEWS_DEPT, county = 50 }, metric = \"bad_reviews\",\n"
    "  method = deduct { per = 5 }, standard = \"扣分\", source = \"好差评\" }\n"
    "scheme \"monthly\" { name = \"月度\", period = \"month\", max = 100,\n"
    "  parts = { { id = \"service\" } } }\n";

static char *root, *rules, *data;

/* Writes the rule set with the two department weights. */
static void write_rules(int online, int reviews, const char *extra)
{
    char num[16], *text = malloc(sizeof ruleset + 64), *p;
    strcpy(text, ruleset);
    snprintf(num, sizeof num, "%d", online);
    p = strstr(text, "ONLINE_DEPT");
    memmove(p + strlen(num), p + 11, strlen(p + 11) + 1), memcpy(p, num, strlen(num));
    snprintf(num, sizeof num, "%d", reviews);
    p = strstr(text, "REVIEWS_DEPT");
    memmove(p + strlen(num), p + 12, strlen(p + 12) + 1), memcpy(p, num, strlen(num));
    if (extra) {
        text = realloc(text, strlen(text) + strlen(extra) + 1);
        strcat(text, extra);
    }
    ht_replace(rules, "ruleset.lua", text);
    free(text);
}

static int setup(void **state)
{
    (void)state;
    root = ht_tmpdir();
    rules = ht_path(root, "rules");
    data = ht_path(root, "data");
    mkdir(data, 0755);
    ht_write(rules, "units.csv", "id,name,group\njia,甲局,dept\nyi,乙局,dept\nqu,某区,county\n");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pg_ruledir_remove(root);
    free(root), free(rules), free(data);
    return 0;
}

static pg_gen *build(long id, pg_diags *d)
{
    pg_gen *g = NULL;
    pg_budget none = {0, 0};
    char content[65];
    int rc = pg_gen_build(rules, data, id, none, content, &g, d);
    if (rc != 0) pg_diags_print(d, stderr);
    return rc == 0 ? g : NULL;
}

static void snapshot_and_revision(void **state)
{
    (void)state;
    write_rules(60, 40, NULL);
    pg_diags d = {0};
    pg_gen *g = build(1, &d);
    assert_non_null(g);
    assert_int_equal(g->refs, 1);
    assert_int_equal(strlen(g->rs->revision), 64);
    char hex[65];
    assert_int_equal(pg_ruledir_hash(rules, hex), 0);
    assert_string_equal(g->content, hex);
    char *snap = ht_path(data, "rules");
    char *want = ht_path(snap, hex);
    assert_string_equal(g->snapshot, want);
    char *copied = ht_read(g->snapshot, "ruleset.lua");
    char *orig = ht_read(rules, "ruleset.lua");
    assert_string_equal(copied, orig);
    free(copied), free(orig);
    /* names and messages point at the author's directory, not the snapshot */
    assert_string_equal(g->rs->dir, rules);
    assert_non_null(strstr(g->rs->nodes[1].file, "/rules/ruleset.lua"));
    assert_null(strstr(g->rs->nodes[1].file, "/data/"));
    assert_non_null(strstr(g->rules_json->data, "\"id\":\"demo-2021\""));

    /* the same content again: the same snapshot, the same revision */
    pg_gen *again = build(2, &d);
    assert_non_null(again);
    assert_string_equal(again->snapshot, g->snapshot);
    assert_string_equal(again->rs->revision, g->rs->revision);
    pg_gen_ref(g);
    pg_gen_unref(g);
    assert_int_equal(g->refs, 1);
    pg_gen_unref(again);
    pg_gen_unref(g);
    free(snap), free(want);
    pg_diags_free(&d);
}

static void errors_name_the_authors_file(void **state)
{
    (void)state;
    write_rules(60, 40, "local x = = 1\n");
    pg_diags d = {0};
    pg_gen *g = NULL;
    pg_budget none = {0, 0};
    char content[65], hex[65];
    assert_int_not_equal(pg_gen_build(rules, data, 3, none, content, &g, &d), 0);
    assert_null(g);
    assert_true(d.errors >= 1);
    /* the failed attempt still says which content it read */
    assert_int_equal(pg_ruledir_hash(rules, hex), 0);
    assert_string_equal(content, hex);
    char *want = ht_path(rules, "ruleset.lua");
    int found = 0;
    for (int i = 0; i < d.n; i++) {
        assert_null(strstr(d.v[i].msg, "/data/rules/"));
        if (d.v[i].file && strcmp(d.v[i].file, want) == 0 && d.v[i].line == 15) found = 1;
    }
    assert_true(found);
    free(want);
    pg_diags_free(&d);

    /* a semantic error too: children that no longer add up */
    write_rules(70, 40, NULL);
    pg_diags d2 = {0};
    assert_int_not_equal(pg_gen_build(rules, data, 4, none, content, &g, &d2), 0);
    assert_true(d2.errors >= 1);
    assert_non_null(strstr(d2.v[0].file, "/rules/ruleset.lua"));
    pg_diags_free(&d2);
}

static void weight_changes(void **state)
{
    (void)state;
    pg_diags d = {0};
    write_rules(60, 40, NULL);
    pg_gen *a = build(5, &d);
    write_rules(45, 55, NULL);
    pg_gen *b = build(6, &d);
    assert_non_null(a);
    assert_non_null(b);
    pg_rule_change *ch;
    int n = pg_rulediff(a->rs, b->rs, &ch);
    assert_int_equal(n, 2);
    assert_string_equal(ch[0].text, "online [dept]: points 60 → 45");
    assert_string_equal(ch[1].text, "reviews [dept]: points 40 → 55");
    assert_string_equal(ch[1].kind, "points");
    assert_string_equal(ch[1].id, "reviews");
    assert_string_equal(ch[1].part, "dept");
    assert_string_equal(ch[1].before, "40");
    assert_string_equal(ch[1].after, "55");
    pg_rule_changes_free(ch, n);
    assert_int_equal(pg_rulediff(a->rs, a->rs, &ch), 0);
    pg_rule_changes_free(ch, 0);
    pg_gen_unref(a), pg_gen_unref(b);
    pg_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(snapshot_and_revision),
        cmocka_unit_test(errors_name_the_authors_file),
        cmocka_unit_test(weight_changes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
