/* test_thin.c — the thin-evidence policy of an inner node (min_applicable, below), through the
 * real API: fixtures/thin loaded with pg_ruleset_load, values fed with pg_dataset_set, scored
 * with pg_eval; then what the diff, the bulletin and the trace make of it.
 *
 * The policy exists because rescaling lets one leaf carry a whole node: a unit with data on 10
 * of a node's 100 points had them scaled ×10 (issue 14 §6). Every branch is here:
 *   - above the minimum: rescaled as before, the applicable points recorded;
 *   - exactly at it (50 of 100): still rescaled;
 *   - below it, below = "group_median": the median of the group's units that met it;
 *   - below it, below = "not_applicable": dropped, the parent rescales under its own policy,
 *     which here then finds the parent thin too (nested);
 *   - below it with no unit of the group meeting it: the policy stands aside for that group
 *     and period (scored as before, noted), so it never leaves a whole group unranked;
 *   - a node with nothing applicable at all: dropped as before, not the policy's business.
 * Every expected figure is worked out by hand in the comment next to it. The 问题清单 lists the
 * node that took the median, not the parents that merely lost points, and every reader of it
 * agrees: pg_issue_lost_in (the host's recurring and next, the bulletin's recurring), and the
 * texts of a unit's body, primed for the event loop or not. */
#include "helpers.h"
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_policy_branches(void **state)
{
    (void)state;
    pg_ruleset *rs = fx_load("thin");
    pg_dataset *ds = pg_dataset_new(rs);
    fx_feed_thin(rs, ds);
    pg_result *res = fx_eval(rs, ds, "monthly", "2021-05");

    /* full: everything applies; plat 100 on 100 applicable points; total 0.5·80 + 0.5·100 */
    assert_pts(fx_cell(res, "plat", "full")->points, 100);
    assert_pts(fx_cell(res, "plat", "full")->applicable, 100);
    assert_int_equal(fx_cell(res, "plat", "full")->thin, 0);
    assert_pts(fx_ur(res, "full")->raw_total, 90);

    /* half: pa rests on pa1 (40 of 60, 66.7 % ≥ 50 %): 0.5·40 = 20 → 20·60/40 = 30;
     * pb = 30 + 5 = 35; plat = 65 on 40 + 40 = 80 applicable points (80 %): rescaled as before */
    assert_pts(fx_cell(res, "pa", "half")->points, 30);
    assert_pts(fx_cell(res, "pa", "half")->applicable, 40);
    assert_pts(fx_cell(res, "plat", "half")->points, 65);
    assert_pts(fx_cell(res, "plat", "half")->applicable, 80);
    assert_int_equal(fx_cell(res, "plat", "half")->thin, 0);
    assert_pts(fx_ur(res, "half")->raw_total, 72.5);

    /* at: pa1 40 of pa's 60 → pa 60; pb2 10 of pb's 40 → pb 40 (×4); plat rests on 40 + 10 =
     * 50 of 100, exactly the minimum: not thin, plat = 100 */
    assert_pts(fx_cell(res, "plat", "at")->applicable, 50);
    assert_int_equal(fx_cell(res, "plat", "at")->thin, 0);
    assert_pts(fx_cell(res, "plat", "at")->points, 100);
    assert_pts(fx_cell(res, "pb2", "at")->weight, 4);

    /* low: pa = 10 + 10 = 20, pb = 15 + 0 = 15, plat 35 on all 100 points */
    assert_pts(fx_cell(res, "plat", "low")->points, 35);

    /* thin: pa has nothing at all (both no_business): dropped as before, not by the policy;
     * pb = 10 ×4 = 40 on 10 applicable points; plat would be 40 ×2.5 = 100 on 10 of 100 points
     * (10 % < 50 %): it takes the median of the units that met the minimum — full 100, half 65,
     * at 100, low 35 (nested is thin too) → (65 + 100) / 2 = 82.5. Total 0.5·80 + 0.5·82.5. */
    const pg_cell *pa = fx_cell(res, "pa", "thin");
    assert_int_equal(pa->status, PG_ST_NO_BUSINESS);
    assert_int_equal(pa->thin, 0);
    const pg_cell *plat = fx_cell(res, "plat", "thin");
    assert_int_equal(plat->status, PG_ST_OK);
    assert_int_equal(plat->thin, PG_BELOW_GROUP_MEDIAN);
    assert_pts(plat->points, 82.5);
    assert_false(plat->capped);
    assert_substr(fx_note(res, plat->note), "有本单位数据的分值10/100（10.0%）");
    assert_substr(fx_note(res, plat->note), "最低适用比例50%");
    assert_substr(fx_note(res, plat->note), "按本组中位数82.5000分计（本组4个单位达到该比例）");
    /* the leaves no longer reach the part: the node's loss is its own (100 − 82.5) */
    assert_pts(fx_cell(res, "pb", "thin")->weight, 0);
    assert_pts(fx_cell(res, "pb2", "thin")->weight, 0);
    assert_pts(fx_lost(res, "pb2", "thin"), 0);
    assert_pts(fx_lost(res, "plat", "thin"), 17.5);
    assert_pts(fx_partv(res, "thin", "plat"), 82.5);
    assert_pts(fx_ur(res, "thin")->raw_total, 81.25);

    /* nested: pa rests on pa2 alone (20 of 60, 33 % < 50 %), and its policy drops it
     * (not_applicable); plat then has pb only: 40 ×2.5 = 100 on 40 of 100 points (40 %), thin
     * in its turn: the median 82.5 */
    pa = fx_cell(res, "pa", "nested");
    assert_int_equal(pa->status, PG_ST_NA);
    assert_int_equal(pa->thin, PG_BELOW_NA);
    assert_nan(pa->points);
    assert_pts(pa->weight, 0);
    assert_substr(fx_note(res, pa->note), "有本单位数据的分值20/60（33.3%）");
    assert_substr(fx_note(res, pa->note), "不适用，权重按比例分配给同级指标");
    assert_pts(fx_cell(res, "pa2", "nested")->weight, 0);
    assert_int_equal(fx_cell(res, "plat", "nested")->thin, PG_BELOW_GROUP_MEDIAN);
    assert_pts(fx_cell(res, "plat", "nested")->points, 82.5);

    /* c1, alone in its group and thin: no unit of the group reaches the minimum, so the thinness
     * is the period's, not the unit's; the policy stands aside and c1 is scored as before
     * (plat = pb 40 × 100/40 = 100), with a note. Total 0.5·80 + 0.5·100 = 90. */
    plat = fx_cell(res, "plat", "c1");
    assert_int_equal(plat->status, PG_ST_OK);
    assert_int_equal(plat->thin, 0);
    assert_pts(plat->points, 100);
    assert_substr(fx_note(res, plat->note), "有本单位数据的分值10/100（10.0%）");
    assert_substr(fx_note(res, plat->note), "但本组无单位达到该比例，本期不适用此规则");
    assert_pts(fx_cell(res, "pb2", "c1")->weight, 10);
    assert_pts(fx_ur(res, "c1")->raw_total, 90);

    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

/* Without the policy (fixtures/thin_off) thin scored plat 100 from pb2 alone, ×10: total 90.
 * The diff names plat as a cause of its own, and the causes still add up to the change. */
static void test_diff_against_no_policy(void **state)
{
    (void)state;
    pg_ruleset *ra = fx_load("thin_off"), *rb = fx_load("thin");
    pg_dataset *da = pg_dataset_new(ra), *db = pg_dataset_new(rb);
    fx_feed_thin(ra, da);
    fx_feed_thin(rb, db);
    pg_result *a = fx_eval(ra, da, "monthly", "2021-05"),
              *b = fx_eval(rb, db, "monthly", "2021-05");
    assert_pts(fx_cell(a, "plat", "thin")->points, 100);
    assert_pts(fx_cell(a, "pb2", "thin")->weight, 10);
    assert_pts(fx_ur(a, "thin")->raw_total, 90);

    pg_diags d = {0};
    pg_diff *df = NULL;
    assert_int_equal(pg_diff_compute(a, b, &df, &d), 0);
    const pg_diff_unit *du = NULL;
    for (int i = 0; i < df->nunits; i++)
        if (strcmp(df->units[i].id, "thin") == 0) du = &df->units[i];
    assert_non_null(du);
    double sum = 0, plat = NAN, pb2 = NAN;
    for (int i = 0; i < du->ncauses; i++) {
        sum += du->causes[i].b - du->causes[i].a;
        if (strcmp(du->causes[i].id, "plat") == 0) plat = du->causes[i].b;
        if (strcmp(du->causes[i].id, "pb2") == 0) pb2 = du->causes[i].a - du->causes[i].b;
    }
    /* plat: 82.5 × weight 1 × part weight 0.5 = 41.25; pb2 gave 10 × 10 × 0.5 = 50 before */
    assert_pts(plat, 41.25);
    assert_pts(pb2, 50);
    assert_pts(sum, 81.25 - 90);
    pg_diff_free(df);
    pg_diags_free(&d);
    pg_result_free(a);
    pg_result_free(b);
    pg_dataset_free(da);
    pg_dataset_free(db);
    pg_ruleset_free(ra);
    pg_ruleset_free(rb);
}

/* The bulletin says it once, in a plain sentence naming who and how; lists the node that took
 * the median among the unit's losses (its leaves lost nothing there); and the trace shows the
 * margin where the policy passed. A bulletin where no one was thin has no note. */
static void test_bulletin_and_trace(void **state)
{
    (void)state;
    pg_ruleset *rs = fx_load("thin");
    pg_dataset *ds = pg_dataset_new(rs);
    fx_feed_thin(rs, ds);
    pg_result *res = fx_eval(rs, ds, "monthly", "2021-05");
    pg_bulletin *b = pg_bulletin_of(res, ds);
    assert_int_equal(b->nnotes, 1);
    assert_substr(
        b->notes[0],
        "本期部分单位的个别指标有本单位数据的分值低于规则规定的最低比例，不再由少数几项指标");
    assert_null(strstr(b->notes[0], "min_applicable")); /* no rule-language word for a reader */
    assert_substr(b->notes[0],
                  "薄的plat按本组中位数计分；套的plat按本组中位数计分；套的pa不计分。");
    const pg_bl_unit *bu = &b->units[fx_unit(rs, "thin")];
    int found = 0;
    for (int i = 0; i < bu->nlost; i++) {
        if (strcmp(bu->lost[i].indicator, "plat") == 0) {
            found = 1;
            assert_near(bu->lost[i].lost, 17.5, 1e-9);
            assert_near(bu->lost[i].got, 82.5, 1e-9);
        }
        assert_true(strcmp(bu->lost[i].indicator, "pb2") != 0);
    }
    assert_true(found);
    pg_bulletin_free(b);

    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_int_equal(pg_explain_text(res, fx_unit(rs, "half"), -1, NULL, f), 0);
    fclose(f);
    assert_substr(text,
                  "有本单位数据的分值 80 / 100（80.0%），最低适用比例 50%，不足时按本组中位数计"
                  "（below = \"group_median\"）");
    free(text);
    pg_result_free(res);

    /* every unit with every value: nothing thin, no note */
    pg_dataset_free(ds);
    ds = pg_dataset_new(rs);
    static const char *const all[] = {"mm1", "ma1", "ma2", "mb1", "mb2"};
    for (int u = 0; u < rs->nunits; u++)
        for (int k = 0; k < 5; k++) fx_v(rs, ds, "2021-05", all[k], rs->units[u].id, 1);
    res = fx_eval(rs, ds, "monthly", "2021-05");
    b = pg_bulletin_of(res, ds);
    assert_int_equal(b->nnotes, 0);
    pg_bulletin_free(b);
    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

/* Whether unit `unit`'s items in a 问题清单 (pg_issues_json) name `indicator`. */
static int listed(const cJSON *items, const char *unit, const char *indicator)
{
    for (const cJSON *x = items->child; x; x = x->next)
        if (strcmp(cJSON_GetObjectItem(x, "unit")->valuestring, unit) == 0 &&
            strcmp(cJSON_GetObjectItem(x, "indicator")->valuestring, indicator) == 0)
            return 1;
    return 0;
}

static void test_issues_list_readers_agree(void **state)
{
    (void)state;
    pg_ruleset *rs = fx_load("thin");
    pg_dataset *ds = pg_dataset_new(rs);
    fx_feed_thin(rs, ds);
    pg_result *res = fx_eval(rs, ds, "monthly", "2021-05");
    cJSON *items = pg_issues_json(res, -1);
    /* thin's plat took the median: an item, its leaves (weight 0 under it) not; half's plat
     * lost points too, but as the sum of its leaves, which are the items */
    assert_true(listed(items, "thin", "plat"));
    assert_false(listed(items, "thin", "pb2"));
    assert_pts(fx_lost(res, "plat", "half"), 35);
    assert_false(listed(items, "half", "plat"));
    for (int u = 0; u < rs->nunits; u++)
        for (int i = 0; i < rs->nnodes; i++) {
            const char *unit = rs->units[u].id, *node = rs->nodes[i].id;
            if (pg_issue_lost_in(res, unit, node) != listed(items, unit, node))
                fail_msg("%s %s: pg_issue_lost_in says %d, the list %d", unit, node,
                         pg_issue_lost_in(res, unit, node), listed(items, unit, node));
        }
    /* a unit's texts alike, gathered as they go or primed beforehand, and its 问题清单 alike
     * printed with the rows or alone (pg_issues_json prints it alone) */
    pg_unit_texts *lazy = pg_unit_texts_new(res), *primed = pg_unit_texts_new(res);
    pg_unit_texts_prime(primed);
    for (int u = 0; u < rs->nunits; u++) {
        pg_jtext r1 = {0}, i1 = {0}, r2 = {0}, i2 = {0};
        pg_unit_texts_add(lazy, u, &r1, &i1);
        pg_unit_texts_add(primed, u, &r2, &i2);
        assert_int_equal(r1.len, r2.len);
        assert_int_equal(i1.len, i2.len);
        assert_memory_equal(r1.p, r2.p, r1.len);
        assert_memory_equal(i1.p, i2.p, i1.len);
        pg_jtext i3 = {0}; /* the 问题清单 alone: the rows not on it never printed */
        pg_unit_texts_add(lazy, u, NULL, &i3);
        assert_int_equal(i3.len, i1.len);
        assert_memory_equal(i3.p, i1.p, i1.len);
        free(i3.p);
        cJSON *mine = pg_issues_json(res, u);
        char *want = cJSON_PrintUnformatted(mine);
        assert_int_equal(strlen(want), i2.len);
        assert_memory_equal(want, i2.p, i2.len);
        free(want), cJSON_Delete(mine);
        free(r1.p), free(i1.p), free(r2.p), free(i2.p);
    }
    pg_unit_texts_free(lazy), pg_unit_texts_free(primed);
    cJSON_Delete(items);
    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_branches),
        cmocka_unit_test(test_diff_against_no_policy),
        cmocka_unit_test(test_bulletin_and_trace),
        cmocka_unit_test(test_issues_list_readers_agree),
    };
    return cmocka_run_group_tests_name("thin", tests, NULL, NULL);
}
