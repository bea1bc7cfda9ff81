/* issues_list.c — a unit's indicators as its officials read them, and its 问题清单.
 *
 * The rows: for every indicator a unit is scored on, the points lost on the total's scale (what
 * the unit's total lost: the part's loss times what a point of the part is worth in the total)
 * beside the part's own, the value in its unit, the scoring rule in words, a 说明 that is never
 * empty, and what would regain the points (regain.c). The 问题清单: the indicators that lost
 * points (leaves, bonus/penalty items, a node that took its group's median), biggest loss of
 * the total first, each with its 整改要求 and deadline from the rule set (ruleset { rectify,
 * rectify_days }, indicator { rectify }) and the responsible unit. The same items make the
 * bulletin's annex (HTML). Nothing here reads the store: whether an item was rectified is
 * the host's to add (host/rectify.c).
 *
 * Both are written as JSON text (pg_jtext, the bytes cJSON would print), not built as trees:
 * a province's evaluation has ~200,000 rows, and the host sends texts. The trees some callers
 * want (the bulletin's items, the overdue lists) are read back from the texts. */
#include "report.h"
#include "base.h"

#include <lauxlib.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_RECTIFY "对照评分标准查明失分原因，落实整改，并在下一采样周期内提升该项指标"

double pg_report_total_factor(const pg_result *res, int u, int k)
{
    const pg_ruleset *rs = res->rs;
    const pg_scheme *s = &rs->schemes[res->scheme];
    if (s->composite_ref != LUA_NOREF || k < 0) return NAN;
    if (s->parts[k].node >= 0 && rs->nodes[s->parts[k].node].adjust) return s->parts[k].weight;
    int g = rs->units[u].group;
    double all = 0, present = 0;
    for (int j = 0; j < s->nparts; j++) {
        const pg_part *p = &s->parts[j];
        if (p->node < 0 || rs->nodes[p->node].adjust) continue;
        double mx = rs->nodes[p->node].points[g];
        if (isnan(mx)) continue;
        all += p->weight * mx;
        if (!isnan(pg_result_part(res, u, j))) present += p->weight * mx;
    }
    return present > 0 ? s->parts[k].weight * all / present : NAN;
}

/* The day the items of `period` are due, as days since 1970-01-01. */
static long due_day(const pg_ruleset *rs, int period)
{
    int y = pg_period_year(period);
    long day = pg_period_is_year(period) ? pg_days_from_civil(y, 12, 31)
                                         : pg_days_from_civil(y, period % 100, 25);
    return day + (rs->rectify_days > 0 ? rs->rectify_days : 15);
}

static const char *day_text(long day, char *buf)
{
    int y, m, d;
    pg_civil_from_days(day, &y, &m, &d);
    snprintf(buf, 16, "%04d-%02d-%02d", y, m, d);
    return buf;
}

const char *pg_issue_due(const pg_ruleset *rs, int period, char *buf)
{
    return day_text(due_day(rs, period), buf);
}

/* The part whose tree holds node i, or -1. */
static int part_of(const pg_result *res, int i)
{
    const pg_ruleset *rs = res->rs;
    const pg_scheme *s = &rs->schemes[res->scheme];
    while (rs->nodes[i].parent >= 0) i = rs->nodes[i].parent;
    for (int k = 0; k < s->nparts; k++)
        if (s->parts[k].node == i) return k;
    return -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int has_value(const pg_cell *c)
{
    return (c->status == PG_ST_OK || c->status == PG_ST_CARRIED) && isfinite(c->value);
}

/* The group figures of relative methods, each (node, group) computed once per result and
 * kept while a document is made: a province's 10,000 units would otherwise gather their group
 * again for every unit. */
typedef struct {
    const pg_result *res;
    pg_regain_group *g; /* nnodes × ngroups; sorted == NULL until computed */
    double **v;
    char **rule; /* nnodes × ngroups: a leaf's method in words (rule()), NULL until made */
} ctx;

static void ctx_free(ctx *x)
{
    int n = x->res->rs->nnodes * x->res->rs->ngroups;
    for (int i = 0; x->v && i < n; i++) free(x->v[i]);
    for (int i = 0; x->rule && i < n; i++) free(x->rule[i]);
    free(x->v), free(x->g), free(x->rule);
}

/* A method whose points depend on the group's values: its regain words quote the group. */
static int relative(const pg_node *n)
{
    pg_method_kind k = n->method.kind;
    return k == PG_M_BEST_RATIO || k == PG_M_RANK || k == PG_M_MINMAX || k == PG_M_ZSCORE;
}

static const pg_regain_group *group_of(ctx *x, int i, int grp)
{
    const pg_ruleset *rs = x->res->rs;
    size_t n = (size_t)rs->nnodes * (size_t)rs->ngroups, k = (size_t)i * rs->ngroups + grp;
    if (!x->g) x->g = pg_xcalloc(n, sizeof *x->g), x->v = pg_xcalloc(n, sizeof *x->v);
    pg_regain_group *g = &x->g[k];
    if (g->sorted) return g;
    double *v = x->v[k] = pg_xmalloc(sizeof *v * (size_t)(rs->nunits ? rs->nunits : 1));
    double sum = 0;
    g->min = INFINITY, g->max = -INFINITY;
    for (int u = 0; u < rs->nunits; u++) {
        const pg_cell *o = pg_result_cell(x->res, i, u);
        if (rs->units[u].group != grp || !has_value(o)) continue;
        v[g->n++] = o->value;
        sum += o->value;
        g->min = fmin(g->min, o->value), g->max = fmax(g->max, o->value);
    }
    qsort(v, (size_t)g->n, sizeof *v, cmp_double);
    g->mean = g->n ? (g->min == g->max ? g->min : sum / g->n) : NAN;
    double sq = 0;
    for (int k2 = 0; k2 < g->n; k2++) sq += (v[k2] - g->mean) * (v[k2] - g->mean);
    g->sd = g->n ? (g->min == g->max ? 0 : sqrt(sq / g->n)) : NAN;
    g->sorted = v;
    return g;
}

/* What would regain the points of node i for unit u; malloc'd, NULL when none were lost. The
 * group's figures of a relative method are this period's values of the units of u's group
 * that were scored on the node. */
static char *regain(ctx *x, int i, int u, double lost)
{
    const pg_result *res = x->res;
    if (!(lost > 0.00005)) return NULL;
    const pg_ruleset *rs = res->rs;
    const pg_node *n = &rs->nodes[i];
    const pg_cell *c = pg_result_cell(res, i, u);
    int leaf = n->nchildren == 0;
    pg_regain_in in = {
        .method = &n->method,
        .points = c->max,
        .name = n->name,
        .unit = n->metric >= 0 ? rs->metrics[n->metric].unit : NULL,
        .value = leaf ? c->value : NAN,
        .lost = lost,
        .missing = leaf && (c->status == PG_ST_MISSING || c->status == PG_ST_NOT_SUBMITTED ||
                            c->status == PG_ST_ERROR),
        .veto = n->veto,
        .evaluator = n->evaluator,
    };
    if (!leaf) {
        pg_method none = {.kind = PG_M_NONE};
        in.method = &none;
        in.missing = 0;
        return pg_regain_words(&in);
    }
    if (relative(n)) in.group = group_of(x, i, rs->units[u].group);
    return pg_regain_words(&in);
}

static const char *status_words(pg_status s)
{
    switch (s) {
    case PG_ST_MISSING:
        return "本期无数据，按 0 分计";
    case PG_ST_NA:
        return "不适用，分值按比例分配给同级指标";
    case PG_ST_CARRIED:
        return "本期无数据，沿用前期数据";
    case PG_ST_NO_BUSINESS:
        return "本期无相关业务，不考核此项";
    case PG_ST_NOT_SUBMITTED:
        return "未报送，按 0 分计";
    case PG_ST_ERROR:
        return "计分出错，按 0 分计";
    case PG_ST_VETO:
        return "触发否决";
    default:
        return NULL;
    }
}

/* The 说明 of a row: the engine's note, else the status in words, else what the points say. */
static char *why(const pg_result *res, int i, int u, double lost)
{
    const pg_cell *c = pg_result_cell(res, i, u);
    const char *note = pg_result_note(res, c->note);
    const char *st = status_words((pg_status)c->status);
    if (note) return pg_xstrdup(note); /* it says what the status would, and more */
    if (st) return pg_xstrdup(st);
    const pg_node *n = &res->rs->nodes[i];
    if (n->adjust && n->metric < 0)
        return pg_xasprintf("加减分合计 %g 分", pg_round_as(isfinite(c->points) ? c->points : 0, 4,
                                                            res->rs->rounding_mode));
    if (!(lost > 0.00005)) return pg_xstrdup(n->nchildren ? "下级指标均得满分" : "达到满分标准");
    if (n->nchildren) return pg_xstrdup("下级指标有失分，见各项");
    return pg_xasprintf(
        "未达满分标准，得 %g / %g 分%s", pg_round_as(c->points, 4, res->rs->rounding_mode),
        pg_round_as(c->max, 4, res->rs->rounding_mode), c->capped ? "（已封顶）" : "");
}

/* The same for every unit of a group: made once per (node, group) and kept in x. */
static const char *rule(ctx *x, int i, int u)
{
    const pg_ruleset *rs = x->res->rs;
    const pg_node *n = &rs->nodes[i];
    if (n->adjust && n->metric < 0) return "下级各项加减分之和，限定在上下限之内";
    if (n->nchildren) return "下级指标得分之和";
    if (!x->rule)
        x->rule = pg_xcalloc((size_t)rs->nnodes * (size_t)rs->ngroups + 1, sizeof *x->rule);
    char **w = &x->rule[(size_t)i * (size_t)rs->ngroups + (size_t)rs->units[u].group];
    if (!*w) *w = pg_doc_method_words(rs, n, rs->units[u].group);
    return *w;
}

/* A number rounded as shown, or null (pg_json_num's). */
static void w_num(pg_jtext *t, int *m, const char *k, double v, int digits)
{
    pg_jtext_key(t, k, m);
    pg_jtext_num(t, isfinite(v) ? pg_round(v, digits) : v);
}

static void w_str(pg_jtext *t, int *m, const char *k, const char *v)
{
    pg_jtext_key(t, k, m);
    pg_jtext_str(t, v);
}

static void w_take(pg_jtext *t, int *m, const char *k, char *v)
{
    w_str(t, m, k, v);
    free(v);
}

/* One row of unit u, node i, as text: the object without its closing brace, so that an item
 * can add to it. Written, not built as a tree and printed: at 3,003 units an evaluation has
 * ~200,000 rows, which as trees were a fifth of its CPU. */
static void row(ctx *x, int i, int u, pg_jtext *t)
{
    const pg_result *res = x->res;
    const pg_ruleset *rs = res->rs;
    const pg_node *n = &rs->nodes[i];
    const pg_cell *c = pg_result_cell(res, i, u);
    int part = part_of(res, i), m = 0;
    double lost = pg_result_lost(res, i, u);
    double lost_total = lost * pg_report_total_factor(res, u, part);
    pg_jtext_put(t, "{", 1);
    w_str(t, &m, "indicator", n->id);
    w_str(t, &m, "name", n->name);
    w_str(t, &m, "part", part >= 0 ? rs->schemes[res->scheme].parts[part].id : NULL);
    w_str(t, &m, "part_name", part >= 0 ? rs->schemes[res->scheme].parts[part].name : NULL);
    w_num(t, &m, "lost_total", lost_total, 4);
    w_num(t, &m, "lost_part", lost, 4);
    w_num(t, &m, "points", c->points, 4);
    w_num(t, &m, "max", c->max, 4);
    if (n->nchildren == 0 && n->metric >= 0) {
        const pg_metric *me = &rs->metrics[n->metric];
        char buf[64];
        w_num(t, &m, "value", c->value, 6);
        w_str(t, &m, "value_text",
              isfinite(c->value) ? pg_report_measured(me->unit, c->value, buf) : NULL);
        w_str(t, &m, "value_unit", me->unit);
        w_str(t, &m, "metric_name", me->name);
        w_num(t, &m, "n", c->n, 6);
    }
    w_str(t, &m, "status", pg_status_name((pg_status)c->status));
    w_str(t, &m, "rule", rule(x, i, u));
    w_str(t, &m, "standard", n->standard);
    w_take(t, &m, "why", why(res, i, u, lost));
    w_take(t, &m, "regain", regain(x, i, u, lost));
}

/* An item of the 问题清单: where its row is in the unit's rows text, and what orders it. */
typedef struct {
    size_t at, len; /* the row without its closing brace */
    int node;
    double lost; /* lost_total as shown, else lost_part as shown, else 0 */
    const char *id;
} item;

static int by_loss(const void *a, const void *b)
{
    const item *x = a, *y = b;
    if (x->lost != y->lost) return x->lost < y->lost ? 1 : -1;
    return strcmp(x->id, y->id);
}

/* Whether node i is an item of unit u's 问题清单: it lost points, and it is an indicator or,
 * as in the bulletin's lost points, a node that took its group's median (thin evidence: it lost
 * what its leaves would have, and they carry weight 0 under it). */
static int on_list(const pg_result *res, int i, int u)
{
    const pg_cell *c = pg_result_cell(res, i, u);
    if (c->status == PG_ST_OFF) return 0;
    if (res->rs->nodes[i].nchildren && c->thin != PG_BELOW_GROUP_MEDIAN) return 0;
    return pg_result_lost(res, i, u) > 0.00005;
}

/* Unit u's rows (every node not OFF, in preorder) and its 问题清单 (the nodes on_list takes,
 * biggest loss of the total first, each its row with the unit, period, 整改要求 and
 * deadline added), as cJSON_PrintUnformatted prints the arrays; malloc'd. */
static void unit_texts(ctx *x, int u, pg_jtext *rows_out, pg_jtext *issues_out)
{
    const pg_result *res = x->res;
    const pg_ruleset *rs = res->rs;
    /* without rows_out, only the rows of the items are printed, into a scratch text */
    pg_jtext scratch = {0}, *t = rows_out ? rows_out : &scratch, *it = issues_out;
    size_t from = t->len;
    pg_jtext_put(t, "[", 1), pg_jtext_put(it, "[", 1);
    int *pre = NULL,
        npre = res->cells ? pg_scheme_preorder(rs, &rs->schemes[res->scheme], &pre) : 0;
    item *items = pg_xmalloc(sizeof *items * (size_t)(npre ? npre : 1));
    int nitems = 0, nrows = 0;
    for (int i = 0; i < npre; i++) {
        const pg_node *nd = &rs->nodes[pre[i]];
        const pg_cell *c = pg_result_cell(res, pre[i], u);
        if (c->status == PG_ST_OFF) continue;
        int listed = on_list(res, pre[i], u);
        if (!listed && !rows_out) continue;
        if (nrows++) pg_jtext_put(t, ",", 1);
        size_t at = t->len - from;
        row(x, pre[i], u, t);
        pg_jtext_put(t, "}", 1);
        if (!listed) continue;
        double lost = pg_result_lost(res, pre[i], u);
        double total = lost * pg_report_total_factor(res, u, part_of(res, pre[i]));
        items[nitems++] = (item){at, t->len - from - 1 - at, pre[i],
                                 isfinite(total)  ? pg_round(total, 4)
                                 : isfinite(lost) ? pg_round(lost, 4)
                                                  : 0,
                                 nd->id};
    }
    qsort(items, (size_t)nitems, sizeof *items, by_loss);
    char due[16], period[PG_PERIOD_BUF];
    pg_issue_due(rs, res->period, due);
    pg_period_format(res->period, period);
    for (int k = 0; k < nitems; k++) {
        const pg_node *nd = &rs->nodes[items[k].node];
        int m = 1; /* the row's members come first */
        if (k) pg_jtext_put(it, ",", 1);
        pg_jtext_put(it, t->p + from + items[k].at, items[k].len);
        w_str(it, &m, "unit", rs->units[u].id);
        w_str(it, &m, "unit_name", rs->units[u].name);
        w_str(it, &m, "scheme", rs->schemes[res->scheme].id);
        w_str(it, &m, "period", period);
        w_str(it, &m, "rectify",
              nd->rectify   ? nd->rectify
              : rs->rectify ? rs->rectify
                            : DEFAULT_RECTIFY);
        w_str(it, &m, "due", due);
        pg_jtext_put(it, "}", 1);
    }
    pg_jtext_put(t, "]", 1), pg_jtext_put(it, "]", 1);
    free(scratch.p);
    free(items);
    free(pre);
}

/* Unit u's rows and 问题清单 as texts, malloc'd. */
static void unit_texts_take(ctx *x, int u, char **rows, char **issues)
{
    pg_jtext t = {0}, it = {0};
    unit_texts(x, u, &t, &it);
    *rows = pg_jtext_take(&t, NULL), *issues = pg_jtext_take(&it, NULL);
}

cJSON *pg_unit_rows_json(const pg_result *res, int u)
{
    ctx x = {res, NULL, NULL, NULL};
    char *rows, *issues;
    unit_texts_take(&x, u, &rows, &issues);
    ctx_free(&x);
    cJSON *a = cJSON_Parse(rows);
    free(rows), free(issues);
    return a ? a : cJSON_CreateArray(); /* no memory */
}

cJSON *pg_issues_json(const pg_result *res, int u)
{
    cJSON *a = cJSON_CreateArray();
    if (!res->cells) return a;
    ctx x = {res, NULL, NULL, NULL};
    for (int k = 0; k < res->rs->nunits; k++) {
        if (u >= 0 && u != k) continue;
        pg_jtext it = {0};
        unit_texts(&x, k, NULL, &it);
        cJSON *mine = cJSON_ParseWithLength(it.p, it.len);
        while (mine && mine->child)
            cJSON_AddItemToArray(a, cJSON_DetachItemViaPointer(mine, mine->child));
        cJSON_Delete(mine);
        free(it.p);
    }
    ctx_free(&x);
    return a;
}

struct pg_unit_texts {
    ctx x;
};

pg_unit_texts *pg_unit_texts_new(const pg_result *res)
{
    pg_unit_texts *w = pg_xmalloc(sizeof *w);
    w->x = (ctx){res, NULL, NULL, NULL};
    return w;
}

void pg_unit_texts_add(pg_unit_texts *w, int u, pg_jtext *rows, pg_jtext *issues)
{
    unit_texts(&w->x, u, rows, issues);
}

void pg_unit_texts_prime(pg_unit_texts *w)
{
    const pg_ruleset *rs = w->x.res->rs;
    if (!w->x.res->cells) return; /* a scheme of schemes: no rows */
    int *first = pg_xmalloc(sizeof *first * (size_t)(rs->ngroups + 1)); /* rule() asks a unit */
    for (int g = 0; g < rs->ngroups; g++) first[g] = -1;
    for (int u = rs->nunits - 1; u >= 0; u--) first[rs->units[u].group] = u;
    for (int i = 0; i < rs->nnodes; i++) {
        const pg_node *n = &rs->nodes[i];
        if (n->nchildren || (n->adjust && n->metric < 0)) continue;
        for (int g = 0; g < rs->ngroups; g++) {
            if (first[g] < 0) continue;
            if (relative(n)) group_of(&w->x, i, g);
            rule(&w->x, i, first[g]);
        }
    }
    free(first);
}

void pg_unit_texts_free(pg_unit_texts *w)
{
    if (!w) return;
    ctx_free(&w->x);
    free(w);
}

/* ---- the bulletin's annex ---- */

static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '&')
            fputs("&amp;", f);
        else if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else if (*s == '"')
            fputs("&quot;", f);
        else
            fputc(*s, f);
    }
}

static const char *str(const cJSON *x, const char *k)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, k));
    return s ? s : "";
}

static void cell(FILE *f, const char *cls, const char *s)
{
    fprintf(f, cls ? "<td class=\"%s\">" : "<td>", cls);
    esc(f, s);
    fputs("</td>", f);
}

int pg_issue_lost_in(const pg_result *res, const char *unit, const char *indicator)
{
    if (!res || !res->cells) return 0;
    int u = pg_unit_find(res->rs, unit);
    int i = pg_strmap_get(&res->rs->node_ids, indicator);
    return u >= 0 && i >= 0 && on_list(res, i, u);
}

const char *pg_rectify_state_words(const char *state)
{
    return strcmp(state, "submitted") == 0  ? "已报整改，待核实"
           : strcmp(state, "rejected") == 0 ? "整改未通过核实"
                                            : "未报整改";
}

static int recurring_of(const pg_bulletin *b, int u)
{
    int n = 0;
    for (int i = 0; i < b->nissues; i++) n += b->issues[i].unit == u && b->issues[i].recurring;
    return n;
}

/* 附件5: per unit, the 整改 items of earlier periods overdue on the publication's day (frozen
 * with it: pg_bulletin.overdue) and this period's items lost three sampling months in a row
 * (the 问题清单's own 连续失分, not computed again). Nothing for a draft without recurring
 * items. */
static void overdue_html(FILE *f, const pg_bulletin *b)
{
    int recurring = 0;
    for (int i = 0; i < b->nissues; i++) recurring += b->issues[i].recurring;
    if (!b->overdue_as_of && !recurring) return;
    fputs("<section id=\"overdue\" class=\"annex\">\n<h2>附件5　整改逾期与连续失分</h2>\n<p>", f);
    if (b->overdue_as_of) {
        fputs("截至 ", f);
        esc(f, b->overdue_as_of);
        fprintf(f,
                "（发布日），本年此前各期问题清单中已过整改期限、尚未经评估方核实整改的共 %d 项，"
                "按单位列出（失分为该项在原评估期对总分的影响）",
                b->noverdue);
    } else {
        fputs("未发布稿不列整改逾期情况（以发布时的整改记录为准）", f);
    }
    fprintf(f, "；本期连续 3 个采样月失分的共 %d 项。</p>\n", recurring);
    for (int u = 0; u < b->nunits; u++) {
        int k = 0, r = recurring_of(b, u);
        while (k < b->noverdue && b->overdue[k].unit != u) k++;
        if (k == b->noverdue && !r) continue;
        fputs("<div class=\"overdue-unit\">\n<table class=\"overdue\">\n<caption>", f);
        esc(f, b->units[u].name);
        fputs(" 整改逾期与连续失分</caption>\n<thead><tr><th scope=\"col\">问题（指标）</th>"
              "<th scope=\"col\">评估期</th><th scope=\"col\">总分失分</th>"
              "<th scope=\"col\">整改期限</th><th scope=\"col\">逾期天数</th>"
              "<th scope=\"col\">状态</th></tr></thead>\n<tbody>\n",
              f);
        for (; k < b->noverdue; k++) {
            const pg_bl_overdue *x = &b->overdue[k];
            if (x->unit != u) continue;
            char lost[48], days[24];
            if (isfinite(x->lost_total))
                snprintf(lost, sizeof lost, "%.2f", pg_bl_round(b, x->lost_total, 2));
            else
                snprintf(lost, sizeof lost, "%.2f（部分）", pg_bl_round(b, x->lost_part, 2));
            snprintf(days, sizeof days, "%d", x->days);
            fputs("<tr class=\"late\">", f);
            cell(f, NULL, x->name);
            cell(f, NULL, x->period);
            cell(f, "num", lost);
            cell(f, NULL, x->due);
            cell(f, "num", days);
            cell(f, NULL, pg_rectify_state_words(x->state));
            fputs("</tr>\n", f);
        }
        for (int i = 0; i < b->nissues; i++) {
            const pg_bl_problem *x = &b->issues[i];
            if (x->unit != u || !x->recurring) continue;
            char lost[48];
            if (isfinite(x->lost_total))
                snprintf(lost, sizeof lost, "%.2f", pg_bl_round(b, x->lost_total, 2));
            else
                snprintf(lost, sizeof lost, "%.2f（部分）", pg_bl_round(b, x->lost_part, 2));
            fputs("<tr class=\"recurring\">", f);
            cell(f, NULL, x->name);
            cell(f, NULL, b->period);
            cell(f, "num", lost);
            cell(f, NULL, x->due);
            cell(f, "num", "");
            cell(f, NULL, "连续 3 个月失分");
            fputs("</tr>\n", f);
        }
        fputs("</tbody>\n</table>\n</div>\n", f);
    }
    fputs("</section>\n", f);
}

char *pg_issues_html(const pg_bulletin *b)
{
    if (!b->nissues && !b->noverdue) return NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) return NULL;
    if (!b->nissues) goto overdue;
    fprintf(f,
            "<section id=\"issues\" class=\"annex\">\n<h2>附件4　问题清单（%s）</h2>\n"
            "<p>本期各单位失分项，按对总分的影响从大到小排列；失分为对总分的影响。整改期限：%s。"
            "标“连续失分”的指标已连续 3 个采样月失分。</p>\n",
            b->period, b->issues[0].due);
    for (int i = 0; i < b->nissues; i++) {
        const pg_bl_problem *x = &b->issues[i];
        const char *unit = x->unit >= 0 && x->unit < b->nunits ? b->units[x->unit].name : "";
        if (i == 0 || x->unit != b->issues[i - 1].unit) {
            if (i) fputs("</tbody>\n</table>\n</div>\n", f);
            fputs("<div class=\"issues-unit\">\n<table class=\"issues\">\n<caption>", f);
            esc(f, unit);
            fputs(" 问题清单</caption>\n<thead><tr><th scope=\"col\">问题（指标）</th>"
                  "<th scope=\"col\">总分失分</th><th scope=\"col\">评分规则</th>"
                  "<th scope=\"col\">数据</th><th scope=\"col\">整改要求</th>"
                  "<th scope=\"col\">整改期限</th><th scope=\"col\">责任单位</th>"
                  "</tr></thead>\n<tbody>\n",
                  f);
        }
        char lost[48];
        if (isfinite(x->lost_total))
            snprintf(lost, sizeof lost, "%.2f", pg_bl_round(b, x->lost_total, 2));
        else
            snprintf(lost, sizeof lost, "%.2f（部分）", pg_bl_round(b, x->lost_part, 2));
        char *name = pg_xasprintf("%s%s", x->name, x->recurring ? "【连续失分】" : "");
        char *req = pg_xasprintf("%s%s%s", x->rectify, x->regain && *x->regain ? "。" : "",
                                 x->regain ? x->regain : "");
        fputs("<tr>", f);
        cell(f, NULL, name);
        cell(f, "num", lost);
        cell(f, NULL, x->rule);
        cell(f, NULL, x->data);
        cell(f, NULL, req);
        cell(f, NULL, x->due);
        cell(f, NULL, unit);
        fputs("</tr>\n", f);
        free(name), free(req);
    }
    fputs("</tbody>\n</table>\n</div>\n</section>\n", f);
overdue:
    overdue_html(f, b);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

/* The two sampling months before res's, evaluated on ds (NULL where there is no such month in
 * the data or the year), for the 连续失分 of the annex and the model. */
static void months_before(const pg_result *res, const pg_dataset *ds, pg_result *p[2])
{
    p[0] = p[1] = NULL;
    if (ds && !pg_period_is_year(res->period)) {
        int code = res->period;
        for (int k = 0; k < 2; k++) {
            code = pg_period_prev(code);
            pg_diags d = {0};
            /* a month before the data (or before the year) simply has no streak to show */
            if (pg_period_year(code) != res->rs->year || !pg_dataset_has_period(ds, code) ||
                pg_eval(res->rs, ds, res->scheme, code, &p[k], &d) != 0)
                p[k] = NULL;
            pg_diags_free(&d);
            if (!p[k]) break;
        }
    }
}

/* Copies s into the block at *at (NULL stays NULL). */
static const char *pack(char **at, const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = memcpy(*at, s, n);
    *at += n;
    return d;
}

pg_bl_problem *pg_issues_items(const pg_result *res, const pg_dataset *ds, int *n)
{
    *n = 0;
    if (!res->cells) return NULL;
    pg_result *p[2];
    months_before(res, ds, p);
    cJSON *all = pg_issues_json(res, -1);
    int count = cJSON_GetArraySize(all);
    /* the items and their texts in one block: the model frees it once */
    static const char *const keys[] = {"indicator", "name", "rule", "regain", "rectify", "due"};
    size_t bytes = sizeof(pg_bl_problem) * (size_t)(count ? count : 1);
    char **data = pg_xcalloc((size_t)(count ? count : 1), sizeof *data);
    int i = 0;
    for (cJSON *x = all->child; x; x = x->next, i++) {
        const char *vt = str(x, "value_text");
        data[i] = pg_xasprintf("%s%s%s", vt, *vt ? "；" : "", str(x, "why"));
        bytes += strlen(data[i]) + 1;
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
            bytes += strlen(str(x, keys[k])) + 1;
    }
    pg_bl_problem *v = pg_xcalloc(1, bytes);
    char *at = (char *)(v + (count ? count : 1));
    i = 0;
    for (cJSON *x = all->child; x; x = x->next, i++) {
        const char *unit = str(x, "unit");
        const cJSON *lt = cJSON_GetObjectItemCaseSensitive(x, "lost_total");
        const cJSON *lp = cJSON_GetObjectItemCaseSensitive(x, "lost_part");
        v[i] = (pg_bl_problem){
            .unit = pg_unit_find(res->rs, unit),
            .indicator = pack(&at, str(x, "indicator")),
            .name = pack(&at, str(x, "name")),
            .lost_total = cJSON_IsNumber(lt) ? lt->valuedouble : NAN,
            .lost_part = cJSON_IsNumber(lp) ? lp->valuedouble : NAN,
            .rule = pack(&at, str(x, "rule")),
            .data = pack(&at, data[i]),
            .regain = pack(&at, str(x, "regain")),
            .rectify = pack(&at, str(x, "rectify")),
            .due = pack(&at, str(x, "due")),
            .recurring = p[0] && p[1] && pg_issue_lost_in(p[0], unit, str(x, "indicator")) &&
                         pg_issue_lost_in(p[1], unit, str(x, "indicator")),
        };
        free(data[i]);
    }
    free(data);
    cJSON_Delete(all);
    pg_result_free(p[0]), pg_result_free(p[1]);
    *n = count;
    return v;
}

/* ---- overdue items of earlier periods ---- */

/* The monthly scheme a trend shows (bulletin.c's trends) and a year report's overdue list: the
 * scheme itself when monthly, else the first monthly scheme it aggregates, else the rule set's
 * first monthly scheme; -1 when there is none. */
int pg_report_month_scheme(const pg_ruleset *rs, int scheme)
{
    const pg_scheme *s = &rs->schemes[scheme];
    if (s->period == PG_PERIOD_MONTH) return scheme;
    for (int k = 0; k < s->nparts; k++)
        if (s->parts[k].scheme >= 0 && rs->schemes[s->parts[k].scheme].period == PG_PERIOD_MONTH)
            return s->parts[k].scheme;
    for (int i = 0; i < rs->nschemes; i++)
        if (rs->schemes[i].period == PG_PERIOD_MONTH) return i;
    return -1;
}

/* The store's 整改 records by (unit, scheme, period, indicator): a province's records would
 * otherwise be searched once per item of every month. */
typedef struct {
    pg_strmap map;
    char **keys;
    const char **status;
    int n;
} records;

static char *record_key(const char *unit, const char *scheme, const char *period,
                        const char *indicator)
{
    return pg_xasprintf("%s\t%s\t%s\t%s", unit, scheme, period, indicator);
}

static void records_init(records *r, const cJSON *rectify)
{
    int n = cJSON_GetArraySize(rectify);
    memset(r, 0, sizeof *r);
    r->keys = pg_xcalloc((size_t)(n ? n : 1), sizeof *r->keys);
    r->status = pg_xcalloc((size_t)(n ? n : 1), sizeof *r->status);
    const cJSON *x;
    cJSON_ArrayForEach(x, rectify)
    {
        char *k =
            record_key(str(x, "unit"), str(x, "scheme"), str(x, "period"), str(x, "indicator"));
        if (pg_strmap_put(&r->map, k, r->n) != 0) { /* the store keeps one per item */
            free(k);
            continue;
        }
        r->keys[r->n] = k;
        r->status[r->n++] = str(x, "status");
    }
}

static void records_free(records *r)
{
    pg_strmap_free(&r->map);
    for (int i = 0; i < r->n; i++) free(r->keys[i]);
    free(r->keys), free(r->status);
}

/* The status of the 整改 record of (unit, scheme, period, indicator), or NULL. */
static const char *rectify_status(const records *r, const char *unit, const char *scheme,
                                  const char *period, const char *indicator)
{
    char *k = record_key(unit, scheme, period, indicator);
    int i = pg_strmap_get(&r->map, k);
    free(k);
    return i >= 0 ? r->status[i] : NULL;
}

static int by_unit_month(const void *x, const void *y)
{
    const pg_overdue_run *a = x, *b = y;
    if (a->unit != b->unit) return a->unit < b->unit ? -1 : 1;
    return (a->period > b->period) - (a->period < b->period);
}

/* Closes the runs of this month: each unit's items gathered in texts[u] become its run. */
static void month_runs(pg_overdue *o, pg_jtext *with, pg_jtext *without, int nunits, int period)
{
    for (int u = 0; u < nunits; u++) {
        if (!with[u].len) continue;
        pg_jtext_put(&without[u], "]", 1);
        o->v = pg_xrealloc(o->v, sizeof *o->v * (size_t)(o->n + 1));
        o->v[o->n++] = (pg_overdue_run){u, period, pg_jtext_take(&with[u], NULL),
                                        pg_jtext_take(&without[u], NULL)};
    }
}

void pg_overdue_make(const pg_result *res, const pg_dataset *ds, const cJSON *rectify, long as_of,
                     pg_overdue *o)
{
    const pg_ruleset *rs = res->rs;
    memset(o, 0, sizeof *o);
    day_text(as_of, o->as_of);
    /* a month's bulletin: the months of its scheme before it; a year's: every month of the
     * monthly scheme its trend shows (whose items the units rectified) */
    int year = pg_period_is_year(res->period);
    int ms = year ? pg_report_month_scheme(rs, res->scheme) : res->scheme;
    if (ms < 0 || rs->schemes[ms].period != PG_PERIOD_MONTH) return;
    const pg_scheme *sc = &rs->schemes[ms];
    int first = pg_period_year(res->period) * 100 + 1;
    int end = year ? first + 12 : res->period;
    records recs;
    records_init(&recs, rectify);
    /* each item printed as it is made, into its unit's texts of the month (with its days, and
     * without them for the store): the whole list as one tree was 0.4 GB at 3,003 units */
    pg_jtext *with = pg_xcalloc((size_t)rs->nunits + 1, sizeof *with),
             *without = pg_xcalloc((size_t)rs->nunits + 1, sizeof *without);
    for (int code = first; code < end; code++) {
        long due = due_day(rs, code);
        if (due >= as_of) break; /* later months are due later still */
        pg_result *r = NULL;
        pg_diags d = {0};
        /* a month with no data has no items; one that cannot be evaluated neither */
        if (!ds || !pg_dataset_has_period(ds, code) || pg_eval(rs, ds, ms, code, &r, &d) != 0)
            r = NULL;
        pg_diags_free(&d);
        if (!r) continue;
        char period[PG_PERIOD_BUF], due_buf[16];
        pg_period_format(code, period);
        day_text(due, due_buf);
        cJSON *all = pg_issues_json(r, -1), *x;
        cJSON_ArrayForEach(x, all)
        {
            int u = pg_unit_find(rs, str(x, "unit"));
            const char *st =
                rectify_status(&recs, str(x, "unit"), sc->id, period, str(x, "indicator"));
            if (u < 0 || (st && strcmp(st, "verified") == 0)) continue;
            cJSON *it = cJSON_CreateObject();
            pg_json_str(it, "unit", str(x, "unit"));
            pg_json_str(it, "unit_name", str(x, "unit_name"));
            pg_json_str(it, "period", period);
            pg_json_str(it, "indicator", str(x, "indicator"));
            pg_json_str(it, "name", str(x, "name"));
            cJSON_AddItemToObject(it, "lost_total",
                                  cJSON_Duplicate(cJSON_GetObjectItem(x, "lost_total"), 1));
            cJSON_AddItemToObject(it, "lost_part",
                                  cJSON_Duplicate(cJSON_GetObjectItem(x, "lost_part"), 1));
            pg_json_str(it, "due", due_buf);
            pg_json_str(it, "state", st ? st : "none");
            pg_jtext_put(&without[u], without[u].len ? "," : "[", 1);
            pg_jtext_value(&without[u], it, 0, 0);
            cJSON *state = cJSON_DetachItemFromObjectCaseSensitive(it, "state");
            cJSON_AddNumberToObject(it, "days", (double)(as_of - due));
            cJSON_AddItemToObject(it, "state", state);
            if (with[u].len) pg_jtext_put(&with[u], ",", 1);
            pg_jtext_value(&with[u], it, 0, 0);
            cJSON_Delete(it);
        }
        cJSON_Delete(all);
        pg_result_free(r);
        month_runs(o, with, without, rs->nunits, code);
    }
    if (o->n) qsort(o->v, (size_t)o->n, sizeof *o->v, by_unit_month);
    for (int u = 0; u < rs->nunits; u++) free(with[u].p), free(without[u].p);
    free(with), free(without);
    records_free(&recs);
}

char *pg_overdue_text(const pg_overdue *o)
{
    pg_jtext t = {0};
    pg_jtext_put(&t, "{\"as_of\":", 9);
    pg_jtext_str(&t, o->as_of);
    pg_jtext_put(&t, ",\"items\":[", 10);
    for (int i = 0; i < o->n; i++) {
        if (i) pg_jtext_put(&t, ",", 1);
        pg_jtext_put(&t, o->v[i].items, strlen(o->v[i].items));
    }
    pg_jtext_put(&t, "]}", 2);
    return pg_jtext_take(&t, NULL);
}

void pg_overdue_free(pg_overdue *o)
{
    for (int i = 0; i < o->n; i++) free(o->v[i].items), free(o->v[i].stored);
    free(o->v);
    memset(o, 0, sizeof *o);
}
