/* bulletin.c — assembling the document model of a bulletin from evaluations (bulletin.h).
 *
 * Everything is copied out of the pg_result into allocations the bulletin owns, so the model
 * outlives the evaluation and carries no pointer into the rule set: renderers and plugins see
 * plain data. The trend re-evaluates the trend scheme month by month on the same data; a
 * month that cannot be evaluated (no data yet) is simply absent from the trend, never an
 * error, because a February bulletin has no March to show. */
#include "report.h"
#include "score.h"
#include "base.h"
#include "bulletin_summary.h"

#include <errno.h>
#include <lauxlib.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Biggest improvements listed per group. */
#define PG_BL_IMPROVED 5

typedef struct {
    void **v;
    int n, cap;
    int tz_offset; /* the rule set's, for the dates of issue */
} arena;

static void *keep(pg_bulletin *b, void *p)
{
    arena *a = b->priv;
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 64;
        a->v = pg_xrealloc(a->v, sizeof(void *) * (size_t)a->cap);
    }
    a->v[a->n++] = p;
    return p;
}

static void *alloc(pg_bulletin *b, size_t n, size_t size)
{
    return keep(b, pg_xcalloc(n ? n : 1, size));
}

static const char *dup(pg_bulletin *b, const char *s)
{
    return s ? keep(b, pg_xstrdup(s)) : NULL;
}

static const char *fmt(pg_bulletin *b, const char *f, ...) __attribute__((format(printf, 2, 3)));
static const char *fmt(pg_bulletin *b, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(NULL, 0, f, ap);
    va_end(ap);
    char *s = pg_xmalloc((size_t)n + 1);
    va_start(ap, f);
    vsnprintf(s, (size_t)n + 1, f, ap);
    va_end(ap);
    return keep(b, s);
}

void pg_bulletin_free(pg_bulletin *b)
{
    if (!b) return;
    arena *a = b->priv;
    for (int i = 0; a && i < a->n; i++) free(a->v[i]);
    if (a) free(a->v);
    free(a);
    free(b);
}

static const char *mark(pg_bulletin *b, const pg_unit_result *ur)
{
    if (!ur->ranked) return NULL;
    if (!ur->prev_rank) return "新";
    if (ur->rank < ur->prev_rank) return fmt(b, "↑%d", ur->prev_rank - ur->rank);
    if (ur->rank > ur->prev_rank) return fmt(b, "↓%d", ur->rank - ur->prev_rank);
    return "=";
}

static const double *part_scores(pg_bulletin *b, const pg_result *res, int u)
{
    double *v = alloc(b, (size_t)b->nparts, sizeof(double));
    for (int k = 0; k < b->nparts; k++) v[k] = pg_rs_round(res->rs, pg_result_part(res, u, k));
    return v;
}

/* Why the points were lost: the evaluation's note (missing, carried, rescaled…), then the
 * scoring rule in words. */
static const char *why(pg_bulletin *b, const pg_result *res, int node, int u)
{
    const pg_ruleset *rs = res->rs;
    const pg_node *n = &rs->nodes[node];
    const pg_cell *c = pg_result_cell(res, node, u);
    const char *note = pg_result_note(res, c->note);
    char *rule = n->adjust && n->metric < 0 ? pg_xstrdup("加减分项")
                                            : pg_doc_method_words(rs, n, rs->units[u].group);
    const char *w = note ? fmt(b, "%s；%s", note, rule) : fmt(b, "%s", rule);
    free(rule);
    return w;
}

/* A measured value as a reader wants it: shares as percentages with 2 decimals, other
 * fractions to 2 decimals, in the metric's unit (thresholds keep pg_doc_value's precision).
 * Rounded half away from zero as pg_report_measured rounds it for the 问题清单, so that the
 * two annexes print the same value; the rule set's rounding_mode is for scores. */
static const char *measured(const pg_ruleset *rs, int m, double v, char *buf)
{
    const char *unit = rs->metrics[m].unit ? rs->metrics[m].unit : "";
    if (strcmp(unit, "share") == 0) {
        snprintf(buf, 64, "%.2f%%", pg_round(v * 100, 2));
        return buf;
    }
    return pg_doc_value(rs, m, v == floor(v) ? v : pg_round(v, 2), buf);
}

/* Biggest loss of the total first (of the part when the total's scale is unknown). */
static int by_lost(const void *x, const void *y)
{
    const pg_bl_lost *a = x, *c = y;
    double la = isnan(a->lost_total) ? a->lost : a->lost_total;
    double lc = isnan(c->lost_total) ? c->lost : c->lost_total;
    if (la != lc) return la < lc ? 1 : -1;
    return strcmp(a->indicator, c->indicator);
}

/* The leaves (and bonus/penalty items) on which unit u lost points, biggest first. */
static void lost_points(pg_bulletin *b, const pg_result *res, int u, pg_bl_unit *bu)
{
    const pg_ruleset *rs = res->rs;
    const pg_scheme *s = &rs->schemes[res->scheme];
    if (!res->cells) return;
    int *pre, npre = pg_scheme_preorder(rs, s, &pre);
    bu->lost = alloc(b, (size_t)npre, sizeof(pg_bl_lost));
    int part = -1;
    for (int i = 0; i < npre; i++) {
        const pg_node *n = &rs->nodes[pre[i]];
        for (int k = 0; k < s->nparts; k++)
            if (s->parts[k].node == pre[i]) part = k;
        const pg_cell *c = pg_result_cell(res, pre[i], u);
        /* a node that took its group's median (thin evidence) lost the points its leaves
         * would have: they carry weight 0 under it */
        if (n->nchildren && c->thin != PG_BELOW_GROUP_MEDIAN) continue;
        double lost = pg_result_lost(res, pre[i], u);
        if (c->status == PG_ST_OFF || !(lost > 0.00005)) continue;
        pg_bl_lost *l = &bu->lost[bu->nlost++];
        l->indicator = dup(b, n->id);
        l->name = dup(b, n->name);
        l->part = part;
        l->max = c->max;
        l->got = c->points;
        l->weight = c->weight;
        l->lost = pg_round(lost, 4);
        l->lost_total = pg_round(lost * pg_report_total_factor(res, u, part), 4);
        l->status = pg_status_name((pg_status)c->status);
        l->why = why(b, res, pre[i], u);
        l->value = c->value;
        l->n = c->n;
        if (n->metric >= 0) {
            l->metric = dup(b, rs->metrics[n->metric].id);
            l->metric_name = dup(b, rs->metrics[n->metric].name);
            char buf[64];
            if (isfinite(c->value)) l->value_text = dup(b, measured(rs, n->metric, c->value, buf));
        }
        l->doc = fmt(b, "doc/%s.html#ind-%s", rs->groups[rs->units[u].group].id, n->id);
    }
    free(pre);
    qsort(bu->lost, (size_t)bu->nlost, sizeof(pg_bl_lost), by_lost);
}

/* Appends "sep item" to *list (malloc'd). */
static void append(char **list, const char *sep, char *item)
{
    char *next = pg_xasprintf("%s%s%s", *list ? *list : "", *list ? sep : "", item);
    free(*list);
    free(item);
    *list = next;
}

/* The thin-evidence sentence, once per bulletin: which units had which node scored by the
 * policy (eval.c's thin_evidence) and how, in the evaluations rv (the bulletin's own, or for a
 * scheme of schemes the ones it aggregates, each period named). A reader otherwise sees a
 * unit's platform score without knowing it is not its own; NULL when the policy applied to
 * no one. */
static const char *thin_sentence(pg_bulletin *b, const pg_result *const *rv, int nr)
{
    const pg_ruleset *rs = rv[0]->rs;
    char *list = NULL;
    for (int u = 0; u < rs->nunits; u++)
        for (int node = 0; node < rs->nnodes; node++) {
            if (!(rs->nodes[node].min_applicable > 0)) continue;
            for (int below = PG_BELOW_NA; below <= PG_BELOW_GROUP_MEDIAN; below++) {
                char *when = NULL;
                int hits = 0;
                for (int i = 0; i < nr; i++) {
                    if (pg_result_thin(rv[i], node, u) != below) continue;
                    hits++;
                    char buf[PG_PERIOD_BUF];
                    append(&when, "、", pg_xstrdup(pg_period_format(rv[i]->period, buf)));
                }
                if (!hits) {
                    free(when);
                    continue;
                }
                const char *how = below == PG_BELOW_GROUP_MEDIAN ? "按本组中位数计分" : "不计分";
                append(&list, "；",
                       nr > 1 ? pg_xasprintf("%s的%s%s（%s）", rs->units[u].name,
                                             rs->nodes[node].name, how, when)
                              : pg_xasprintf("%s的%s%s", rs->units[u].name, rs->nodes[node].name,
                                             how));
                free(when);
            }
        }
    if (!list) return NULL;
    const char *s = fmt(b,
                        "%s部分单位的个别指标有本单位数据的分值低于规则规定的最低比例，"
                        "不再由少数几项指标按比例放大得分：%s。"
                        "比例与所计分数见各单位失分明细。",
                        nr > 1 ? "所汇总的各期评估中，" : "本期", list);
    free(list);
    return s;
}

static void notes(pg_bulletin *b, const pg_result *res)
{
    const char *thin = res->cells  ? thin_sentence(b, &res, 1)
                       : res->nsub ? thin_sentence(b, (const pg_result *const *)res->sub, res->nsub)
                                   : NULL;
    if (!thin) return;
    b->notes = alloc(b, 1, sizeof(char *));
    b->notes[b->nnotes++] = thin;
}

/* The no-business indicators of unit u, "、"-separated, or NULL. */
static const char *no_business(pg_bulletin *b, const pg_result *res, int u)
{
    const pg_scheme *s = &res->rs->schemes[res->scheme];
    char *list = NULL;
    for (int i = 0; res->cells && i < s->norder; i++) {
        const pg_node *n = &res->rs->nodes[s->order[i]];
        if (n->nchildren || pg_result_cell(res, s->order[i], u)->status != PG_ST_NO_BUSINESS)
            continue;
        char *next = pg_xasprintf("%s%s%s", list ? list : "", list ? "、" : "", n->name);
        free(list);
        list = next;
    }
    return list ? keep(b, list) : NULL;
}

/* Orders the improved rows biggest change first, rank order among equals (few rows: an
 * insertion sort, which needs no comparator state). */
static void sort_improved(const pg_bl_row *rows, int *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && rows[v[j]].change > rows[v[j - 1]].change; j--) {
            int t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

static void group(pg_bulletin *b, const pg_result *res, int g)
{
    const pg_ruleset *rs = res->rs;
    pg_bl_group *bg = &b->groups[g];
    bg->id = dup(b, rs->groups[g].id);
    bg->name = dup(b, rs->groups[g].name);
    int *order = pg_result_group_order(res, g), n = 0;
    while (order[n] >= 0) n++;
    bg->rows = alloc(b, (size_t)n, sizeof(pg_bl_row));
    bg->unranked = alloc(b, (size_t)rs->nunits, sizeof(pg_bl_aside));
    bg->no_business = alloc(b, (size_t)rs->nunits, sizeof(pg_bl_aside));
    bg->improved = alloc(b, (size_t)n, sizeof(int));
    for (int i = 0; i < n; i++) {
        int u = order[i];
        pg_bl_row *r = &bg->rows[bg->nrows++];
        r->rank = res->units[u].rank;
        r->unit = u;
        r->total = b->units[u].total;
        r->parts = b->units[u].parts;
        r->prev_rank = res->units[u].prev_rank;
        r->change = b->units[u].change;
        r->movement = pg_movement(&res->units[u]);
        r->mark = b->units[u].mark;
        r->band = b->units[u].band;
        if (r->change > 0) bg->improved[bg->nimproved++] = i;
    }
    free(order);
    sort_improved(bg->rows, bg->improved, bg->nimproved);
    if (bg->nimproved > PG_BL_IMPROVED) bg->nimproved = PG_BL_IMPROVED;
    for (int u = 0; u < rs->nunits; u++) {
        if (rs->units[u].group != g) continue;
        if (!res->units[u].ranked)
            bg->unranked[bg->nunranked++] =
                (pg_bl_aside){u, pg_result_unranked_reason(res, u), NULL};
        const char *list = no_business(b, res, u);
        if (list) bg->no_business[bg->nno_business++] = (pg_bl_aside){u, "no_business", list};
    }
}

/* Each unit's total in every month of the year up to the bulletin's (all twelve for a year
 * report). Months that do not evaluate are left out at the end, NAN in the middle. */
static void trends(pg_bulletin *b, const pg_ruleset *rs, const pg_dataset *ds, const pg_result *res)
{
    int ts = pg_report_month_scheme(rs, res->scheme);
    if (ts < 0) return;
    int year = pg_period_year(res->period);
    int last = pg_period_is_year(res->period) ? 12 : res->period % 100;
    double *v = alloc(b, (size_t)(rs->nunits * last), sizeof(double));
    b->trend_periods = alloc(b, (size_t)last, sizeof(char *));
    int have = 0;
    for (int m = 1; m <= last; m++) {
        int code = year * 100 + m;
        pg_result *r = NULL;
        pg_diags scratch = {0};
        const pg_result *use = res;
        if (!(ts == res->scheme && code == res->period)) {
            if (pg_eval(rs, ds, ts, code, &r, &scratch) != 0) r = NULL;
            use = r;
        }
        pg_diags_free(&scratch);
        char buf[PG_PERIOD_BUF];
        b->trend_periods[m - 1] = dup(b, pg_period_format(code, buf));
        for (int u = 0; u < rs->nunits; u++)
            v[(size_t)u * (size_t)last + (size_t)(m - 1)] =
                use && use->units[u].ranked ? use->units[u].total : NAN;
        if (use) have = m;
        pg_result_free(r);
    }
    if (!have) return;
    b->trend_scheme = dup(b, rs->schemes[ts].id);
    b->ntrend = have;
    for (int u = 0; u < rs->nunits; u++) b->units[u].trend = v + (size_t)u * (size_t)last;
}

/* A scheme of schemes: the formula in words, and each unit's figures through it. */
static void composite(pg_bulletin *b, const pg_result *res)
{
    const pg_ruleset *rs = res->rs;
    const pg_scheme *s = &rs->schemes[res->scheme];
    if (res->cells) return;
    if (s->composite_ref != LUA_NOREF) {
        b->composite = "由规则集的合成函数（composite）计算各部分得分";
        return;
    }
    char *f = NULL;
    for (int k = 0; k < s->nparts; k++) {
        const pg_part *p = &s->parts[k];
        /* the author's name for the part says it best; else the scheme and its months */
        const char *sn = p->scheme >= 0 ? rs->schemes[p->scheme].name : p->id;
        char *what = p->name ? pg_xstrdup(p->name)
                     : p->month_from
                         ? pg_xasprintf("%s（%d–%d月平均）", sn, p->month_from, p->month_to)
                         : pg_xstrdup(sn);
        char *next = pg_xasprintf("%s%s%s × %g", f ? f : "", f ? " + " : "", what, p->weight);
        free(what);
        free(f);
        f = next;
    }
    b->composite = keep(b, f ? f : pg_xstrdup(""));
    for (int u = 0; u < rs->nunits; u++) {
        pg_bl_unit *bu = &b->units[u];
        if (!bu->rank) continue;
        char *line = NULL;
        for (int k = 0; k < s->nparts; k++) {
            char *next = pg_xasprintf("%s%s%.*f × %g", line ? line : "", line ? " + " : "",
                                      rs->rounding, bu->parts[k], s->parts[k].weight);
            free(line);
            line = next;
        }
        bu->composite = fmt(b, "%s = %.*f", line ? line : "", rs->rounding, bu->total);
        free(line);
    }
}

/* The 文号 of the scheme's template for the period: {year} and {month} filled in (the loader
 * allows no other braces). */
static const char *number(pg_bulletin *b, const char *tmpl, int period)
{
    char *out = pg_xstrdup("");
    for (const char *p = tmpl; *p;) {
        const char *brace = strchr(p, '{');
        size_t lit = brace ? (size_t)(brace - p) : strlen(p);
        char *next = NULL;
        if (brace && strncmp(brace, "{year}", 6) == 0)
            next = pg_xasprintf("%s%.*s%d", out, (int)lit, p, pg_period_year(period)),
            p = brace + 6;
        else if (brace && strncmp(brace, "{month}", 7) == 0)
            next = pg_xasprintf("%s%.*s%d", out, (int)lit, p, period % 100), p = brace + 7;
        else
            next = pg_xasprintf("%s%.*s", out, (int)(brace ? lit + 1 : lit), p),
            p += brace ? lit + 1 : lit;
        free(out);
        out = next;
    }
    return keep(b, out);
}

static void header(pg_bulletin *b, const pg_result *res)
{
    const pg_ruleset *rs = res->rs;
    const pg_scheme *s = &rs->schemes[res->scheme];
    char buf[PG_PERIOD_BUF];
    b->ruleset_id = dup(b, rs->id);
    b->ruleset_name = dup(b, rs->name);
    b->revision = dup(b, rs->revision);
    b->scheme_id = dup(b, s->id);
    b->scheme_name = dup(b, s->name);
    b->period = dup(b, pg_period_format(res->period, buf));
    b->previous_period =
        res->has_prev ? dup(b, pg_period_format(pg_period_prev(res->period), buf)) : NULL;
    b->basename = fmt(b, "%s-%s", s->id, b->period);
    b->year_report = s->period == PG_PERIOD_YEAR;
    b->title = b->year_report ? fmt(b, "%s %d年度报告", s->name, pg_period_year(res->period))
                              : fmt(b, "%s %d年%d月通报", s->name, pg_period_year(res->period),
                                    res->period % 100);
    b->issuer = dup(b, rs->issuer);
    b->number = s->number ? number(b, s->number, res->period) : NULL;
    b->rounding = rs->rounding;
    b->rounding_mode = (int)rs->rounding_mode;
    b->max = s->max;
    b->nbands = rs->nbands;
    b->bands = alloc(b, (size_t)rs->nbands, sizeof(char *));
    for (int i = 0; i < rs->nbands; i++) b->bands[i] = dup(b, rs->bands[i].label);
    b->nparts = s->nparts;
    b->parts = alloc(b, (size_t)s->nparts, sizeof(pg_bl_part));
    for (int k = 0; k < s->nparts; k++) {
        const pg_part *p = &s->parts[k];
        pg_bl_part *bp = &b->parts[k];
        bp->id = dup(b, p->id);
        bp->name = dup(b, p->name ? p->name : p->node >= 0 ? rs->nodes[p->node].name : p->id);
        bp->weight = p->weight;
        bp->scheme = dup(b, p->ref);
        bp->scheme_name = p->scheme >= 0 ? dup(b, rs->schemes[p->scheme].name) : NULL;
        bp->month_from = p->month_from;
        bp->month_to = p->month_to;
    }
}

int pg_bulletin_build(const pg_ruleset *rs, const pg_dataset *ds, int scheme, int period,
                      pg_bulletin **out, pg_diags *d)
{
    *out = NULL;
    pg_result *res = NULL;
    int rc = pg_eval(rs, ds, scheme, period, &res, d);
    if (rc != 0) return rc;
    *out = pg_bulletin_of(res, ds);
    pg_result_free(res);
    return 0;
}

pg_bulletin *pg_bulletin_of(const pg_result *res, const pg_dataset *ds)
{
    const pg_ruleset *rs = res->rs;
    pg_bulletin *b = pg_xcalloc(1, sizeof *b);
    arena *a = pg_xcalloc(1, sizeof(arena));
    a->tz_offset = rs->tz_offset;
    b->priv = a;
    header(b, res);
    b->nunits = rs->nunits;
    b->units = alloc(b, (size_t)rs->nunits, sizeof(pg_bl_unit));
    for (int u = 0; u < rs->nunits; u++) {
        const pg_unit_result *ur = &res->units[u];
        pg_bl_unit *bu = &b->units[u];
        bu->id = dup(b, rs->units[u].id);
        bu->name = dup(b, rs->units[u].name);
        bu->code = dup(b, rs->units[u].code);
        bu->group = rs->units[u].group;
        bu->rank = ur->ranked ? ur->rank : 0;
        /* a unit of a ranked = false group is evaluated and has a total, only no rank */
        bu->total = ur->ranked || strcmp(pg_result_unranked_reason(res, u), "not_ranked") == 0
                        ? ur->total
                        : NAN;
        bu->band = ur->band >= 0 ? dup(b, rs->bands[ur->band].label) : NULL;
        bu->mark = mark(b, ur);
        bu->change =
            ur->ranked && ur->prev_rank ? pg_round(ur->total - ur->prev_total, rs->rounding) : NAN;
        bu->parts = part_scores(b, res, u);
        bu->note = dup(b, pg_result_note(res, ur->note));
        lost_points(b, res, u, bu);
    }
    b->ngroups = rs->ngroups;
    b->groups = alloc(b, (size_t)rs->ngroups, sizeof(pg_bl_group));
    for (int g = 0; g < rs->ngroups; g++) group(b, res, g);
    composite(b, res);
    notes(b, res);
    trends(b, rs, ds, res);
    for (int g = 0; g < b->ngroups; g++) b->groups[g].summary = keep(b, pg_bl_group_summary(b, g));
    b->issues = keep(b, pg_issues_items(res, ds, &b->nissues)); /* 问题清单 (issues_list.c) */
    pg_bulletin_issue(b, NULL);
    return b;
}

/* "2021年12月26日" for the local day of t. */
static const char *local_date(pg_bulletin *b, double t)
{
    int y, m, d;
    pg_civil_from_days(pg_time_day(t, ((arena *)b->priv)->tz_offset), &y, &m, &d);
    return fmt(b, "%d年%d月%d日", y, m, d);
}

static const char *jstr(pg_bulletin *b, const cJSON *o, const char *k)
{
    return dup(b, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k)));
}

static double jnum(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* Reads the overdue items' text item by item (pg_json_each_member): at 3,003 units December's
 * 226 K items made a 0.4 GB tree when parsed whole. */
typedef struct {
    pg_bulletin *b;
    pg_strmap units; /* the bulletin's unit ids → their index */
    pg_bl_overdue *v;
    int n, cap, any;
    const char *as_of;
} overdue_reader;

static int overdue_member(void *arg, const char *key, const char *text, size_t len)
{
    overdue_reader *r = arg;
    int items = strcmp(key, "items") == 0;
    if (!text) return r->any = items, 0; /* the items begin */
    cJSON *x = cJSON_ParseWithLength(text, len);
    if (!x) return -1;
    const char *id = items ? cJSON_GetStringValue(cJSON_GetObjectItem(x, "unit")) : NULL;
    int u = id ? pg_strmap_get(&r->units, id) : -1;
    if (strcmp(key, "as_of") == 0) r->as_of = dup(r->b, cJSON_GetStringValue(x));
    if (u >= 0) {
        if (r->n == r->cap)
            r->v = pg_xrealloc(r->v, sizeof *r->v * (size_t)(r->cap = r->cap * 2 + 64));
        r->v[r->n++] = (pg_bl_overdue){
            .unit = u,
            .period = jstr(r->b, x, "period"),
            .indicator = jstr(r->b, x, "indicator"),
            .name = jstr(r->b, x, "name"),
            .lost_total = jnum(x, "lost_total"),
            .lost_part = jnum(x, "lost_part"),
            .due = jstr(r->b, x, "due"),
            .days = isfinite(jnum(x, "days")) ? (int)jnum(x, "days") : 0,
            .state = jstr(r->b, x, "state"),
        };
    }
    cJSON_Delete(x);
    return 0;
}

/* The overdue 整改 items frozen with the publication (pg_overdue_make's text) into the model;
 * an item of a unit the bulletin does not have is left out (the text is the store's, made from
 * the same rules, so there is none). A text that is not of that form leaves none. */
static void overdue(pg_bulletin *b, const char *text)
{
    b->overdue = NULL, b->noverdue = 0, b->overdue_as_of = NULL;
    if (!text) return;
    overdue_reader r = {.b = b};
    for (int k = 0; k < b->nunits; k++) pg_strmap_put(&r.units, b->units[k].id, k);
    if (pg_json_each_member(text, "items", overdue_member, &r, NULL) == 0 && r.any) {
        pg_bl_overdue *v = alloc(b, (size_t)r.n, sizeof *v);
        if (r.n) memcpy(v, r.v, sizeof *v * (size_t)r.n);
        b->overdue = v, b->noverdue = r.n;
        b->overdue_as_of = r.as_of;
    }
    pg_strmap_free(&r.units);
    free(r.v);
}

void pg_bulletin_issue(pg_bulletin *b, const pg_bl_issue *is)
{
    overdue(b, is ? is->overdue : NULL);
    double t;
    const char *epoch = getenv("SOURCE_DATE_EPOCH");
    if (is && is->published_at &&
        pg_time_parse(is->published_at, strlen(is->published_at), 0, &t) == 0) {
        b->edition = is->edition > 0 ? is->edition : 1;
        b->correction = b->edition > 1 ? dup(b, is->reason) : NULL;
    } else {
        b->edition = 0;
        b->correction = NULL;
        t = epoch && *epoch ? strtod(epoch, NULL) : (double)time(NULL);
    }
    b->issued_on = local_date(b, t);
}
