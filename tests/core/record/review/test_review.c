/* test_review.c — the core of self-reports, evaluator scores, appeals and authenticity checks
 * (core/record/include/record.h, score.h) on the fixture rule set beside this file, with a store in
 * a fresh temporary data directory per test:
 *   - every kind of bad input is refused with a message saying what, and writes nothing;
 *   - submit, review, supersede, score, decide each leave one audit entry whose before and
 *     after are the record as it was and as it became;
 *   - pg_review_feed puts accepted reports, current scores and upheld appeals into a dataset,
 *     and pg_eval scores them: an evaluator's points, an appeal's adjustment (clamped at the
 *     indicator's points, with its trace line), flags counted into the penalty item;
 *   - a dataset with scores and adjustments round-trips through JSON to the same JSON and the
 *     same result. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "score.h"
#include "base.h"
#include "report.h"
#include "record.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef FIXTURE
#error "FIXTURE must name the fixture rule set"
#endif

typedef struct {
    char dir[64];
    pg_ruleset *rs;
    pg_store *st;
    pg_diags d;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/pinggu-review-XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    pg_diags d = {0};
    if (pg_ruleset_load(FIXTURE, &f->rs, &d) != 0 || pg_store_open(f->dir, &f->st, &d) != 0) {
        pg_diags_print(&d, stderr);
        return -1;
    }
    pg_diags_free(&d);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    pg_store_close(f->st);
    pg_ruleset_free(f->rs);
    pg_diags_free(&f->d);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0) return -1;
    free(f);
    return 0;
}

#define assert_substr(h, n)                                                                        \
    do {                                                                                           \
        const char *h_ = (h), *n_ = (n);                                                           \
        if (!h_ || !strstr(h_, n_))                                                                \
            fail_msg("%s = \"%s\" does not contain \"%s\"", #h, h_ ? h_ : "(null)", n_);           \
    } while (0)
#define assert_near(a, e)                                                                          \
    do {                                                                                           \
        double a_ = (a), e_ = (e);                                                                 \
        if (!(fabs(a_ - e_) <= 1e-9)) fail_msg("%s = %.17g, expected %.17g", #a, a_, e_);          \
    } while (0)

/* The last error's message, then forgets the diagnostics. */
static char last[512];
static const char *error_of(fx *f)
{
    last[0] = '\0';
    for (int i = 0; i < f->d.n; i++)
        if (f->d.v[i].sev == PG_ERROR) snprintf(last, sizeof last, "%s", f->d.v[i].msg);
    pg_diags_free(&f->d);
    memset(&f->d, 0, sizeof f->d);
    return last;
}

static long count(fx *f, const char *sql)
{
    sqlite3_stmt *s;
    long n = -1;
    assert_int_equal(sqlite3_prepare_v2(pg_store_db(f->st), sql, -1, &s, NULL), SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW) n = (long)sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

/* The audit entries of one action, as JSON (an array). */
static cJSON *audit_of(fx *f, const char *action)
{
    pg_audit_filter af = {.action = action};
    char *json = NULL;
    assert_int_equal(pg_audit_query(f->st, &af, &json, &f->d), 0);
    cJSON *a = cJSON_Parse(json);
    free(json);
    return a;
}

static const char *side(const cJSON *entry, const char *which, const char *key)
{
    const cJSON *o = cJSON_GetObjectItem(entry, which);
    const cJSON *v = cJSON_GetObjectItem(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double side_num(const cJSON *entry, const char *which, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(entry, which), key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static pg_selfreport_in report(const char *unit, const char *period, const char *metric, double v)
{
    return (pg_selfreport_in){unit, period, metric, v, NAN, NULL, "https://example.cn/台账",
                              NULL, 0};
}

/* The same with a sample size. */
static pg_selfreport_in report_n(const char *unit, const char *period, const char *metric, double v,
                                 double n)
{
    pg_selfreport_in in = report(unit, period, metric, v);
    in.n = n;
    return in;
}

/* --- refusals -------------------------------------------------------------------------- */

/* Evidence belongs to the units that uploaded it: a unit's own self-report cites only its own
 * files (another's is answered as not stored); the same bytes uploaded by the second unit make
 * them its own too; staff cite any stored file. */
static void evidence_ownership(void **state)
{
    fx *f = *state;
    char hash[65], again[65];
    long id = 0;
    assert_int_equal(
        pg_evidence_put(f->st, f->dir, "u1.txt", "u1's ledger", 11, "unit:u1", "u1", hash, &f->d),
        0);
    assert_int_equal(count(f, "SELECT count(*) FROM evidence_owner WHERE unit = 'u1'"), 1);
    pg_selfreport_in in = report("u2", "2021-05", "m_rep", 10);
    in.link = NULL, in.evidence = hash, in.own = 1;
    assert_int_equal(pg_selfreport_submit(f->st, f->rs, &in, "unit:u2", &id, &f->d), -EINVAL);
    assert_substr(error_of(f), "is not stored for unit 'u2'");
    in.unit = "u1";
    assert_int_equal(pg_selfreport_submit(f->st, f->rs, &in, "unit:u1", &id, &f->d), 0);
    in.unit = "u2", in.own = 0;
    assert_int_equal(pg_selfreport_submit(f->st, f->rs, &in, "evaluator", &id, &f->d), 0);
    /* u2 uploads the same bytes: one file, two owners, an audit entry for each upload */
    assert_int_equal(pg_evidence_put(f->st, f->dir, "mine.txt", "u1's ledger", 11, "unit:u2", "u2",
                                     again, &f->d),
                     0);
    assert_string_equal(again, hash);
    assert_int_equal(count(f, "SELECT count(*) FROM evidence"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM evidence_owner"), 2);
    assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'evidence.store'"), 2);
    in.own = 1;
    assert_int_equal(pg_selfreport_submit(f->st, f->rs, &in, "unit:u2", &id, &f->d), 0);
    /* a staff upload owns nothing, and changes nothing the second time */
    assert_int_equal(
        pg_evidence_put(f->st, f->dir, "s.txt", "u1's ledger", 11, "evaluator", NULL, again, &f->d),
        0);
    assert_int_equal(count(f, "SELECT count(*) FROM evidence_owner"), 2);
    assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'evidence.store'"), 2);
}

static void selfreport_refusals(void **state)
{
    fx *f = *state;
    long id;
    struct {
        pg_selfreport_in in;
        const char *msg;
    } bad[] = {
        {report("nobody", "2021-05", "m_rep", 10), "unit 'nobody' is not in"},
        {report("u1", "2021-05", "m_sys", 10), "is not open to self-reports"},
        {report("u1", "2021-05", "nothing", 10), "metric 'nothing' is not declared"},
        {report("u1", "2021-05", "m_share_rep", 1.5), "is a share: a fraction from 0 to 1"},
        {report("u1", "2021-05", "m_rep", 2.5), "is a count: a whole number"},
        {report("u1", "2021-05", "m_rep", -1), "is a count"},
        {report("u1", "2022-05", "m_rep", 10), "governs 2021"},
        {report("u1", "2021-13", "m_rep", 10), "is not YYYY-MM"},
        {report_n("u1", "2021-05", "m_rep", 10, 2.5), "a sample size is a whole number"},
        /* the value as given, not as %g's six digits would round it */
        {report("u1", "2021-05", "m_share_rep", 1.0000001), "value 1.0000001: metric"},
        {report_n("u1", "2021-05", "m_rep", 10, 3.0000001), "n 3.0000001: a sample size"},
        {report_n("u1", "2021-05", "m_rep", 10, -1), "a sample size is a whole number"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(pg_selfreport_submit(f->st, f->rs, &bad[i].in, "unit:u1", &id, &f->d),
                         -EINVAL);
        assert_substr(error_of(f), bad[i].msg);
    }
    pg_selfreport_in in = report("u1", "2021-05", "m_rep", 10);
    in.link = NULL;
    assert_int_equal(pg_selfreport_submit(f->st, f->rs, &in, "a", &id, &f->d), -EINVAL);
    assert_substr(error_of(f), "evidence is required");
    in.link = "ftp://x";
    assert_int_equal(pg_selfreport_submit(f->st, f->rs, &in, "a", &id, &f->d), -EINVAL);
    assert_substr(error_of(f), "expected an http:// or https:// address");
    in.link = NULL, in.evidence = "00ff";
    assert_int_equal(pg_selfreport_submit(f->st, f->rs, &in, "a", &id, &f->d), -EINVAL);
    assert_substr(error_of(f), "evidence '00ff' is not stored");
    assert_int_equal(count(f, "SELECT count(*) FROM self_report"), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM audit"), 0);
}

static void score_and_appeal_refusals(void **state)
{
    fx *f = *state;
    long id;
    assert_int_equal(
        pg_score_set(f->st, f->rs, "u1", "2021-05", "quality", 30, "", "e", &id, &f->d), -EINVAL);
    assert_substr(error_of(f), "a reason for the score");
    assert_int_equal(
        pg_score_set(f->st, f->rs, "u1", "2021-05", "quality", 30, NULL, "e", &id, &f->d), -EINVAL);
    assert_substr(error_of(f), "is required");
    assert_int_equal(
        pg_score_set(f->st, f->rs, "u1", "2021-05", "quality", 41, "r", "e", &id, &f->d), -EINVAL);
    assert_substr(error_of(f), "from 0 to 40 points");
    assert_int_equal(
        pg_score_set(f->st, f->rs, "u1", "2021-05", "quality", 40.0000001, "r", "e", &id, &f->d),
        -EINVAL);
    assert_substr(error_of(f), "score 40.0000001: indicator");
    assert_int_equal(pg_score_set(f->st, f->rs, "u1", "2021-05", "rate", 30, "r", "e", &id, &f->d),
                     -EINVAL);
    assert_substr(error_of(f), "is scored from data, not by an evaluator");
    assert_int_equal(pg_score_set(f->st, f->rs, "u1", "2021-05", "main", 30, "r", "e", &id, &f->d),
                     -EINVAL);
    assert_substr(error_of(f), "scored from its children");
    assert_int_equal(pg_appeal_submit(f->st, f->rs, "u1", "2021-05", "rate", "  ", "u", &id, &f->d),
                     -EINVAL);
    assert_substr(error_of(f), "the claim");
    assert_int_equal(
        pg_appeal_submit(f->st, f->rs, "u1", "2021-05", "p_truth", "c", "u", &id, &f->d), -EINVAL);
    assert_substr(error_of(f), "scored per year");
    assert_int_equal(pg_appeal_decide(f->st, f->rs, 99, 1, 1, "r", "e", &f->d), -ENOENT);
    assert_substr(error_of(f), "no appeal #99");
    assert_int_equal(count(f, "SELECT count(*) FROM evaluator_score"), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM appeal"), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM audit"), 0);
}

/* --- records and their audit entries ---------------------------------------------------- */

static void selfreport_lifecycle(void **state)
{
    fx *f = *state;
    long a, b;
    pg_selfreport_in in = report("甲局", "2021-05", "m_rep", 100); /* a unit by its name */
    assert_int_equal(pg_selfreport_submit(f->st, f->rs, &in, "unit:u1", &a, &f->d), 0);
    in.value = 120;
    assert_int_equal(pg_selfreport_submit(f->st, f->rs, &in, "unit:u1", &b, &f->d), 0);
    cJSON *ra = pg_selfreport_get(f->st, a);
    assert_string_equal(cJSON_GetObjectItem(ra, "status")->valuestring, "superseded");
    assert_string_equal(cJSON_GetObjectItem(ra, "unit")->valuestring, "u1");
    cJSON_Delete(ra);
    assert_int_equal(pg_selfreport_review(f->st, b, 1, " ", "evaluator:w", &f->d), -EINVAL);
    assert_substr(error_of(f), "a reason for the review");
    assert_int_equal(pg_selfreport_review(f->st, b, 1, "台账一致", "evaluator:w", &f->d), 0);
    assert_int_equal(pg_selfreport_review(f->st, b, 0, "again", "evaluator:w", &f->d), -EALREADY);
    assert_substr(error_of(f), "is accepted by evaluator:w");
    assert_int_equal(pg_selfreport_review(f->st, 999, 0, "x", "e", &f->d), -ENOENT);
    error_of(f);

    cJSON *sub = audit_of(f, "selfreport.submit");
    assert_int_equal(cJSON_GetArraySize(sub), 2);
    cJSON *second = cJSON_GetArrayItem(sub, 1);
    assert_near(side_num(second, "before", "value"), 100); /* the pending one it superseded */
    assert_near(side_num(second, "after", "value"), 120);
    cJSON_Delete(sub);
    cJSON *rev = audit_of(f, "selfreport.review");
    assert_int_equal(cJSON_GetArraySize(rev), 1);
    cJSON *e = cJSON_GetArrayItem(rev, 0);
    assert_string_equal(side(e, "before", "status"), "submitted");
    assert_null(side(e, "before", "reviewed_by"));
    assert_string_equal(side(e, "after", "status"), "accepted");
    assert_string_equal(side(e, "after", "reviewed_by"), "evaluator:w");
    assert_string_equal(side(e, "after", "reason"), "台账一致");
    assert_string_equal(cJSON_GetObjectItem(e, "actor")->valuestring, "evaluator:w");
    cJSON_Delete(rev);

    cJSON *list = NULL;
    pg_review_filter lf = {.status = "accepted"};
    assert_int_equal(pg_selfreport_list(f->st, &lf, &list, &f->d), 0);
    assert_int_equal(cJSON_GetArraySize(list), 1);
    cJSON_Delete(list);
}

static void score_supersedes(void **state)
{
    fx *f = *state;
    long a, b;
    assert_int_equal(
        pg_score_set(f->st, f->rs, "u1", "2021-05", "quality", 30, "材料完整", "e:1", &a, &f->d),
        0);
    assert_int_equal(pg_score_set(f->st, f->rs, "u1", "2021-05", "quality", 35, "补充材料后复评",
                                  "e:2", &b, &f->d),
                     0);
    assert_int_equal(count(f, "SELECT superseded_by FROM evaluator_score WHERE id = 1"), b);
    cJSON *au = audit_of(f, "score.set");
    assert_int_equal(cJSON_GetArraySize(au), 2);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(au, 0), "before")));
    cJSON *e = cJSON_GetArrayItem(au, 1);
    assert_near(side_num(e, "before", "score"), 30);
    assert_string_equal(side(e, "before", "reason"), "材料完整");
    assert_near(side_num(e, "after", "score"), 35);
    assert_string_equal(side(e, "after", "reason"), "补充材料后复评");
    cJSON_Delete(au);
    cJSON *list = NULL;
    pg_review_filter lf = {0};
    assert_int_equal(pg_score_list(f->st, &lf, &list, &f->d), 0);
    assert_int_equal(cJSON_GetArraySize(list), 1); /* the current one */
    cJSON_Delete(list);
}

static void appeal_decisions(void **state)
{
    fx *f = *state;
    long a;
    assert_int_equal(
        pg_appeal_submit(f->st, f->rs, "u1", "2021-05", "rate", "漏统计", "unit:u1", &a, &f->d), 0);
    assert_int_equal(pg_appeal_decide(f->st, f->rs, a, 0, 2, "r", "e", &f->d), -EINVAL);
    assert_substr(error_of(f), "a rejected appeal changes nothing");
    assert_int_equal(pg_appeal_decide(f->st, f->rs, a, 1, 0, "r", "e", &f->d), -EINVAL);
    assert_substr(error_of(f), "not 0");
    assert_int_equal(pg_appeal_decide(f->st, f->rs, a, 1, 61, "r", "e", &f->d), -EINVAL);
    assert_substr(error_of(f), "at most its 60");
    assert_int_equal(pg_appeal_decide(f->st, f->rs, a, 1, 1.5, "", "e", &f->d), -EINVAL);
    error_of(f);
    assert_int_equal(pg_appeal_decide(f->st, f->rs, a, 1, 1.5, "核实属实", "evaluator:w", &f->d),
                     0);
    assert_int_equal(pg_appeal_decide(f->st, f->rs, a, 0, 0, "x", "e", &f->d), -EALREADY);
    assert_substr(error_of(f), "already decided (upheld by evaluator:w");
    cJSON *au = audit_of(f, "appeal.decide");
    assert_int_equal(cJSON_GetArraySize(au), 1);
    cJSON *e = cJSON_GetArrayItem(au, 0);
    assert_string_equal(side(e, "before", "status"), "open");
    assert_near(side_num(e, "before", "adjustment"), 0);
    assert_string_equal(side(e, "after", "status"), "upheld");
    assert_near(side_num(e, "after", "adjustment"), 1.5);
    assert_string_equal(side(e, "after", "decision"), "核实属实");
    assert_string_equal(cJSON_GetObjectItem(e, "object")->valuestring, "appeal/1");
    cJSON_Delete(au);
}

/* --- into the numbers ------------------------------------------------------------------ */

static void set(pg_dataset *ds, const pg_ruleset *rs, const char *unit, const char *period,
                const char *metric, double v)
{
    int u = pg_unit_find(rs, unit), p = pg_period_parse(period);
    int m = pg_strmap_get(&rs->metric_ids, metric);
    assert_true(u >= 0 && p >= 0 && m >= 0);
    pg_dataset_put(ds, p, m, u, v, NAN);
}

static const pg_cell *cell(const pg_result *res, const char *node, const char *unit)
{
    int n = pg_strmap_get(&res->rs->node_ids, node), u = pg_unit_find(res->rs, unit);
    assert_true(n >= 0 && u >= 0);
    return pg_result_cell(res, n, u);
}

static const char *note(const pg_result *res, const char *node, const char *unit)
{
    return pg_result_note(res, cell(res, node, unit)->note);
}

/* Decided records fed from the store move the points, each with its trace line. */
static void feed_and_evaluate(void **state)
{
    fx *f = *state;
    const pg_ruleset *rs = f->rs;
    long id;
    pg_selfreport_in in = report("u2", "2021-05", "m_share_rep", 0.8);
    assert_int_equal(pg_selfreport_submit(f->st, rs, &in, "unit:u2", &id, &f->d), 0);
    assert_int_equal(pg_selfreport_review(f->st, id, 1, "ok", "e", &f->d), 0);
    in = report("u3", "2021-05", "m_share_rep", 0.9); /* rejected: never counts */
    assert_int_equal(pg_selfreport_submit(f->st, rs, &in, "unit:u3", &id, &f->d), 0);
    assert_int_equal(pg_selfreport_review(f->st, id, 0, "无佐证", "e", &f->d), 0);
    assert_int_equal(
        pg_score_set(f->st, rs, "u1", "2021-05", "quality", 38, "先评", "e", &id, &f->d), 0);
    assert_int_equal(
        pg_score_set(f->st, rs, "u1", "2021-05", "quality", 30, "复评：材料不全", "e", &id, &f->d),
        0);
    long a1, a2, a3;
    assert_int_equal(pg_appeal_submit(f->st, rs, "u1", "2021-05", "rate", "c", "u", &a1, &f->d), 0);
    assert_int_equal(pg_appeal_decide(f->st, rs, a1, 1, 1.5, "漏统计3件", "e", &f->d), 0);
    assert_int_equal(pg_appeal_submit(f->st, rs, "u2", "2021-05", "rate", "c", "u", &a2, &f->d), 0);
    assert_int_equal(pg_appeal_decide(f->st, rs, a2, 1, 50, "全部属实", "e", &f->d), 0);
    assert_int_equal(pg_appeal_submit(f->st, rs, "u3", "2021-05", "rate", "c", "u", &a3, &f->d), 0);
    assert_int_equal(pg_appeal_decide(f->st, rs, a3, 0, 0, "不属实", "e", &f->d), 0);

    pg_dataset *ds = pg_dataset_new(rs);
    for (int i = 1; i <= 3; i++) {
        char u[4];
        snprintf(u, sizeof u, "u%d", i);
        set(ds, rs, u, "2021-05", "m_rate", 0.5);
    }
    set(ds, rs, "u2", "2021-05", "m_share_rep", 0.1); /* a fed value the accepted report replaces */
    assert_int_equal(pg_review_feed(rs, f->dir, ds, &f->d), 0);
    assert_int_equal(pg_dataset_nscores(ds), 1);
    assert_int_equal(pg_dataset_nadjustments(ds), 2);

    pg_result *res = NULL;
    assert_int_equal(pg_eval(rs, ds, pg_strmap_get(&rs->scheme_ids, "monthly"),
                             pg_period_parse("2021-05"), &res, &f->d),
                     0);
    assert_near(cell(res, "quality", "u1")->points, 30);
    assert_substr(note(res, "quality", "u1"), "定性评价 #2：复评：材料不全");
    assert_near(cell(res, "quality", "u2")->points, 0);
    assert_substr(note(res, "quality", "u2"), "评估方未录入定性评价");
    assert_near(cell(res, "rate", "u1")->points, 31.5); /* 30 + 1.5 */
    assert_substr(note(res, "rate", "u1"), "申诉 #1 成立：+1.5分（漏统计3件）");
    assert_near(pg_result_lost(res, pg_strmap_get(&rs->node_ids, "rate"), 0), 28.5);
    assert_near(cell(res, "rate", "u2")->points, 60); /* 30 + 50, kept to its 60 */
    assert_substr(note(res, "rate", "u2"), "以本项分值[0, 60]为限实计+30分");
    assert_near(cell(res, "rate", "u3")->points, 30);
    assert_null(note(res, "rate", "u3"));
    assert_near(cell(res, "rep", "u2")->value, 0.8);
    assert_int_equal(res->nappeals, 2);
    assert_near(res->appeals[1].applied, 30);
    assert_near(res->units[0].total, 61.5);

    /* the frozen inputs carry the scores and adjustments, and give the same numbers */
    cJSON *j1 = pg_dataset_to_json(ds);
    char *t1 = cJSON_PrintUnformatted(j1);
    assert_substr(t1, "\"scores\":[[\"u1\",\"2021-05\",\"quality\",30,\"复评：材料不全\",2]]");
    assert_substr(t1, "\"adjustments\":[[\"u1\",\"2021-05\",\"rate\",1.5,\"漏统计3件\",1]");
    pg_dataset *ds2 = pg_dataset_new(rs);
    assert_int_equal(pg_dataset_from_json(ds2, j1, "inputs.json", &f->d), 0);
    cJSON *j2 = pg_dataset_to_json(ds2);
    char *t2 = cJSON_PrintUnformatted(j2);
    assert_string_equal(t1, t2);
    pg_result *res2 = NULL;
    assert_int_equal(pg_eval(rs, ds2, res->scheme, res->period, &res2, &f->d), 0);
    cJSON *r1 = pg_report_json_tree(res, -1), *r2 = pg_report_json_tree(res2, -1);
    char *p1 = cJSON_PrintUnformatted(r1), *p2 = cJSON_PrintUnformatted(r2);
    assert_string_equal(p1, p2);
    assert_substr(p1,
                  "\"appeals\":[{\"id\":1,\"indicator\":\"rate\",\"granted\":1.5,\"applied\":1.5");

    /* a repeated entry in frozen inputs is an error, not a silent merge */
    cJSON *bad = cJSON_Parse(t1);
    cJSON *adj = cJSON_GetObjectItem(bad, "adjustments");
    cJSON_AddItemToArray(adj, cJSON_Duplicate(cJSON_GetArrayItem(adj, 0), 1));
    pg_dataset *ds3 = pg_dataset_new(rs);
    assert_int_equal(pg_dataset_from_json(ds3, bad, "inputs.json", &f->d), -EINVAL);
    assert_substr(error_of(f), "adjustments entry 3");

    /* the same read from the text value by value (pg_dataset_from_text, what reproduction
     * reads), compact or pretty; a damaged text is refused, saying where */
    char *want = pg_dataset_to_text(ds), *pretty = cJSON_Print(j1), *bad_t = cJSON_Print(bad);
    for (int k = 0; k < 3; k++) {
        pg_dataset *x = pg_dataset_new(rs);
        const char *text = k == 0 ? want : k == 1 ? t1 : pretty;
        assert_int_equal(pg_dataset_from_text(x, text, "inputs.json", &f->d), 0);
        char *back = pg_dataset_to_text(x);
        assert_string_equal(back, want);
        free(back), pg_dataset_free(x);
    }
    pg_dataset *ds4 = pg_dataset_new(rs);
    assert_int_equal(pg_dataset_from_text(ds4, bad_t, "inputs.json", &f->d), -EINVAL);
    assert_substr(error_of(f), "adjustments entry 3");
    pg_dataset_free(ds4);
    size_t cut = strlen(want) / 2;
    char *half = pg_xasprintf("%.*s", (int)cut, want);
    const char *row = want + strlen("{\"values\":[");
    char *comma = pg_xasprintf("{\"values\":[%.*s,]}", (int)(strchr(row, ']') + 1 - row), row);
    char *swapped = pg_xstrdup(want);
    swapped[strlen("{\"values\":[[\"")] = '?'; /* the first value's unit unknown */
    const struct {
        const char *text, *says;
    } damaged[] = {
        {half, "not JSON of their form"},
        {comma, "not JSON of their form"},
        {"{\"values\":[] \"scores\":[]}", "not JSON of their form"},
        {"[]", "not JSON of their form"},
        {"{\"scores\":[]}", "no \"values\" array"},
        {swapped, "value 1 is not [unit, period, metric, value, n]"},
    };
    for (size_t k = 0; k < sizeof damaged / sizeof *damaged; k++) {
        pg_dataset *x = pg_dataset_new(rs);
        assert_int_equal(pg_dataset_from_text(x, damaged[k].text, "inputs.json", &f->d), -EINVAL);
        assert_substr(error_of(f), damaged[k].says);
        pg_dataset_free(x);
    }
    free(want), free(pretty), free(bad_t), free(half), free(comma), free(swapped);

    free(t1), free(t2), free(p1), free(p2);
    cJSON_Delete(j1), cJSON_Delete(j2), cJSON_Delete(r1), cJSON_Delete(r2), cJSON_Delete(bad);
    pg_result_free(res), pg_result_free(res2);
    pg_dataset_free(ds), pg_dataset_free(ds2), pg_dataset_free(ds3);
}

/* Reports above the measured figure by more than the tolerance are flagged per month, and
 * the flags are the penalty item's value for the year (added to a fed value). */
static void authenticity_flags(void **state)
{
    fx *f = *state;
    const pg_ruleset *rs = f->rs;
    assert_false(pg_auth_exceeds(110, 100, 0.10));
    assert_true(pg_auth_exceeds(110.01, 100, 0.10));
    assert_true(pg_auth_exceeds(1, 0, 0.10));
    assert_false(pg_auth_exceeds(5, NAN, 0.10));
    pg_dataset *ds = pg_dataset_new(rs);
    set(ds, rs, "u1", "2021", "m_rate", 0.5);
    set(ds, rs, "u2", "2021", "m_rate", 0.5);
    set(ds, rs, "u3", "2021", "m_rate", 0.5);
    set(ds, rs, "u1", "2021-03", "m_rep", 130), set(ds, rs, "u1", "2021-03", "m_sys", 100);
    set(ds, rs, "u1", "2021-04", "m_rep", 110), set(ds, rs, "u1", "2021-04", "m_sys", 100);
    set(ds, rs, "u1", "2021-09", "m_rep", 400), set(ds, rs, "u1", "2021-09", "m_sys", 10);
    set(ds, rs, "u1", "2021-10", "m_rep", 400); /* nothing measured: not checked */
    set(ds, rs, "u2", "2021-03", "m_rep", 150), set(ds, rs, "u2", "2021-03", "m_sys", 100);
    set(ds, rs, "u2", "2021", "m_issues", 2); /* an evaluator's own finding, fed */
    pg_result *res = NULL;
    assert_int_equal(pg_eval(rs, ds, pg_strmap_get(&rs->scheme_ids, "year"),
                             pg_period_parse("2021"), &res, &f->d),
                     0);
    assert_near(cell(res, "p_truth", "u1")->value, 2);
    assert_near(cell(res, "p_truth", "u1")->points, -2);
    assert_substr(note(res, "p_truth", "u1"), "评估数据真实性核查：2项");
    assert_substr(note(res, "p_truth", "u1"), "reported count 2021-03 自报130，系统100");
    assert_near(cell(res, "p_truth", "u2")->points, -3);
    assert_near(cell(res, "p_truth", "u3")->points, 0);
    assert_int_equal(cell(res, "p_truth", "u3")->status, PG_ST_MISSING);
    assert_int_equal(res->nflags, 3);
    cJSON *r = pg_report_json_tree(res, 0);
    char *t = cJSON_PrintUnformatted(r);
    assert_substr(t, "\"flags\":[{\"metric\":\"m_rep\",\"name\":\"reported count\",\"period\":"
                     "\"2021-03\",\"reported\":130,\"measured_metric\":\"m_sys\",\"measured\":100");
    free(t);
    cJSON_Delete(r);
    pg_result_free(res);

    /* a month is checked on its own */
    assert_int_equal(pg_eval(rs, ds, pg_strmap_get(&rs->scheme_ids, "monthly"),
                             pg_period_parse("2021-03"), &res, &f->d),
                     0);
    assert_int_equal(res->nflags, 2);
    assert_int_equal(res->flags[0].unit, 0);
    assert_int_equal(res->flags[1].unit, 1);
    pg_result_free(res);
    pg_auth_flag *fl = NULL;
    int n = 0;
    assert_int_equal(pg_auth_flags(rs, ds, pg_period_parse("2021-09"), 0, -1, &fl, &n), 1);
    assert_int_equal(fl[0].period, pg_period_parse("2021-09"));
    free(fl);
    pg_dataset_free(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(selfreport_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(evidence_ownership, setup, teardown),
        cmocka_unit_test_setup_teardown(score_and_appeal_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(selfreport_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(score_supersedes, setup, teardown),
        cmocka_unit_test_setup_teardown(appeal_decisions, setup, teardown),
        cmocka_unit_test_setup_teardown(feed_and_evaluate, setup, teardown),
        cmocka_unit_test_setup_teardown(authenticity_flags, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
