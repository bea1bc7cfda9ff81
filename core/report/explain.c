/* explain.c — one unit's trace, as text or as JSON (see report.h, "explain.c").
 *
 * The trace reads only what pg_eval kept (cells, notes, parts, sub-results) and the rule set;
 * it recomputes nothing, so what it prints is what was scored.
 *
 * The JSON is not a second description of the score: it is the unit's part of `pinggu eval
 * --format json` (pg_report_json_tree, the documented shape) with the trace's extra facts added
 * to it — the method's parameters and words, the policy in words, the provenance lines, the
 * composition — so that the two can never disagree on a figure. Both forms share the helpers
 * below (method as written, provenance), so the text and the JSON say the same things. */
#include "report.h"
#include "base.h"
#include "data.h"

#include <assert.h>
#include <errno.h>
#include <lauxlib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The method as written in the rules: "linear { lo = 0.5, hi = 0.95 }". */
static void method_params(const pg_node *n, char *buf, size_t size)
{
    const pg_method *m = &n->method;
    const char *name = pg_method_name(m->kind);
    const char *better = m->lower ? ", better = \"lower\"" : "";
    size_t len = 0;
    switch (m->kind) {
    case PG_M_LINEAR:
        snprintf(buf, size, "linear { lo = %g, hi = %g%s }", m->lo, m->hi, better);
        break;
    case PG_M_STEPS:
        len = (size_t)snprintf(buf, size, "steps { ");
        for (int i = 0; i < m->nsteps && len < size; i++)
            len += (size_t)snprintf(buf + len, size - len, "{ %g, %g }, ", m->step_at[i],
                                    m->step_share[i]);
        if (len < size) snprintf(buf + len, size - len, "otherwise = %g%s }", m->otherwise, better);
        break;
    case PG_M_TARGET:
        snprintf(buf, size, "target { target = %g%s }", m->target, better);
        break;
    case PG_M_RANK:
        len = (size_t)snprintf(buf, size, "rank { ");
        for (int i = 0; i < m->nshares && len < size; i++)
            len += (size_t)snprintf(buf + len, size - len, "%s%g", i ? ", " : "shares = { ",
                                    m->shares[i]);
        if (len < size)
            snprintf(buf + len, size - len, "%srest = %g%s }", m->nshares ? " }, " : "", m->rest,
                     better);
        break;
    case PG_M_ZSCORE:
        snprintf(buf, size, "zscore { base = %g, per_sd = %g%s }", m->base, m->per_sd, better);
        break;
    case PG_M_DEDUCT:
        snprintf(buf, size, "deduct { per = %g, free = %g }", m->per, m->free);
        break;
    case PG_M_PER_EVENT:
        snprintf(buf, size, "per_event { per = %g }", m->per);
        break;
    case PG_M_VALUE:
        snprintf(buf, size, "value { scale = %g }", m->scale);
        break;
    case PG_M_CUSTOM:
        snprintf(buf, size, "function (%s:%d)", n->file, n->line);
        break;
    default:
        snprintf(buf, size, "%s {%s }", name, better);
        break;
    }
}

/* Where a value came from: the fed CSV rows, then the batches. */
static void provenance(const pg_ruleset *rs, const char *datadir, int metric, int unit, int period,
                       char ***lines, int *n)
{
    pg_dataset_fed_rows(rs, datadir, metric, unit, period, lines, n);
    pg_batch_origins(rs, datadir, metric, unit, period, lines, n);
}

static void num(char *buf, size_t size, double v)
{
    if (isnan(v))
        snprintf(buf, size, "—");
    else
        snprintf(buf, size, "%.6g", v + 0.0);
}

static void leaf(FILE *out, const pg_result *res, int node, int u, const char *datadir, int ind)
{
    const pg_ruleset *rs = res->rs;
    const pg_node *n = &rs->nodes[node];
    const pg_cell *c = pg_result_cell(res, node, u);
    int g = rs->units[u].group;
    char a[64], b[64], p[512];
    if (n->metric >= 0) {
        const pg_metric *m = &rs->metrics[n->metric];
        if (isnan(c->value))
            fprintf(out, "%*s数据项  %s（%s）：无数据\n", ind, "", m->id, m->name);
        else {
            fprintf(out, "%*s数据项  %s（%s）= %s", ind, "", m->id, m->name,
                    pg_doc_value(rs, n->metric, c->value, a));
            if (!isnan(c->n)) fprintf(out, "，样本量 n = %g", c->n);
            if (c->carried_from) fprintf(out, "，沿用 %s", pg_period_format(c->carried_from, b));
            fputc('\n', out);
        }
        char **lines = NULL;
        int nl = 0;
        if (datadir && !isnan(c->value))
            provenance(rs, datadir, n->metric, u, c->carried_from ? c->carried_from : res->period,
                       &lines, &nl);
        for (int i = 0; i < nl; i++) {
            fprintf(out, "%*s%s%s\n", ind, "", i ? "        " : "来源    ", lines[i]);
            free(lines[i]);
        }
        free(lines);
    }
    if (n->evaluator) {
        fprintf(out,
                "%*s方法    evaluator_score {}：定性评价，按评估方录入的分值计（限本项分值内）%s\n",
                ind, "", isnan(c->value) ? "" : "，评分与理由见说明");
        char *miss = pg_doc_missing_words(rs, n);
        fprintf(out, "%*s缺数    %s（missing = \"%s\"）\n", ind, "", miss,
                pg_missing_name(n->missing));
        free(miss);
        return;
    }
    if (n->veto)
        snprintf(p, sizeof p, "veto = %g", n->veto_score);
    else
        method_params(n, p, sizeof p);
    char *words = pg_doc_method_words(rs, n, g);
    fprintf(out, "%*s方法    %s：%s\n", ind, "", p, words);
    free(words);
    if (n->has_transform && !isnan(c->value) && !isnan(c->points)) {
        fprintf(out, "%*s变换    ", ind, "");
        if (!isnan(n->tf_floor) || !isnan(n->tf_cap))
            fprintf(out, "限定在 [%g, %g]%s", isnan(n->tf_floor) ? -INFINITY : n->tf_floor,
                    isnan(n->tf_cap) ? INFINITY : n->tf_cap, n->tf_log ? "，" : "");
        if (n->tf_log) fputs("取自然对数", out);
        fprintf(out, "：计分值 %.6g（transform）\n", pg_transform(n, c->value));
    }
    char *miss = pg_doc_missing_words(rs, n);
    fprintf(out, "%*s缺数    %s（missing = \"%s\"）\n", ind, "", miss, pg_missing_name(n->missing));
    free(miss);
}

/* One child's term under its parent's operator: its share s of its own points, its weight
 * normalised over the children that apply (W), and what it adds in the operator's own terms. */
typedef struct {
    double share, weight, norm, term;
    int applies;
} op_term;

/* The terms of node's children for unit u (n->op is not sum); returns S, the node's share. */
static double op_terms(const pg_result *res, int node, int u, op_term *t)
{
    const pg_ruleset *rs = res->rs;
    const pg_node *n = &rs->nodes[node];
    double W = 0;
    for (int k = 0; k < n->nchildren; k++) {
        const pg_node *kn = &rs->nodes[n->children[k]];
        const pg_cell *kc = pg_result_cell(res, n->children[k], u);
        t[k] = (op_term){.applies = kc->status != PG_ST_OFF && !isnan(kc->points)};
        if (!t[k].applies) continue;
        t[k].share = kc->points / kc->max;
        t[k].weight = n->op == PG_OP_MIN || isnan(kn->weight) ? 1 : kn->weight;
        W += t[k].weight;
    }
    double S = W > 0 ? (n->op == PG_OP_GEOMEAN ? 1 : n->op == PG_OP_MIN ? INFINITY : 0) : NAN;
    for (int k = 0; k < n->nchildren; k++) {
        if (!t[k].applies) continue;
        t[k].norm = t[k].weight / W;
        switch (n->op) {
        case PG_OP_MEAN:
            t[k].term = t[k].norm * t[k].share;
            S += t[k].term;
            break;
        case PG_OP_GEOMEAN:
            t[k].term = pow(t[k].share, t[k].norm);
            S *= t[k].term;
            break;
        case PG_OP_HARMONIC:
            t[k].term = t[k].share > 0 ? t[k].norm / t[k].share : INFINITY;
            S += t[k].term;
            break;
        case PG_OP_MIN:
        case PG_OP_SUM:
            t[k].term = t[k].share;
            S = fmin(S, t[k].share);
            break;
        }
    }
    if (n->op == PG_OP_HARMONIC) S = isinf(S) ? 0 : 1 / S;
    return S;
}

/* The operator of a node that does not sum its children, child by child. */
static void op_trace(FILE *out, const pg_result *res, int node, int u, int ind)
{
    const pg_ruleset *rs = res->rs;
    const pg_node *n = &rs->nodes[node];
    static const char *const words[] = {"", "加权算术平均", "加权几何平均", "加权调和平均",
                                        "最小值"};
    static const char *const forms[] = {"", "Σ w·s", "Π s^w", "1 ÷ Σ (w ÷ s)", "min s"};
    op_term *t = pg_xcalloc((size_t)n->nchildren + 1, sizeof *t);
    double S = op_terms(res, node, u, t);
    fprintf(out, "%*s合成    aggregate = \"%s\"：下级指标得分率 s 的%s，S = %s = %.6g，× %g 分\n",
            ind, "", pg_op_name(n->op), words[n->op], forms[n->op], S,
            pg_result_cell(res, node, u)->max);
    for (int k = 0; k < n->nchildren; k++) {
        if (!t[k].applies) continue;
        const pg_node *kn = &rs->nodes[n->children[k]];
        fprintf(out, "%*s        %s：s = %.6g", ind, "", kn->id, t[k].share);
        if (n->op == PG_OP_MIN)
            fprintf(out, "%s\n", t[k].share == S ? "（最小）" : "");
        else
            fprintf(out, "，权重 %g，归一 w = %.6g，%s = %.6g\n", t[k].weight, t[k].norm,
                    n->op == PG_OP_MEAN      ? "w·s"
                    : n->op == PG_OP_GEOMEAN ? "s^w"
                                             : "w ÷ s",
                    t[k].term);
    }
    free(t);
}

static void node_trace(FILE *out, const pg_result *res, int node, int u, const char *datadir,
                       int depth)
{
    const pg_ruleset *rs = res->rs;
    const pg_node *n = &rs->nodes[node];
    const pg_cell *c = pg_result_cell(res, node, u);
    if (c->status == PG_ST_OFF) return;
    int ind = depth * 2;
    char pts[64], mx[64], w[64];
    num(pts, sizeof pts, c->points);
    num(mx, sizeof mx, c->max);
    num(w, sizeof w, c->weight);
    fprintf(out, "%*s%s %s  %s / %s 分  [%s]", ind, "", n->name, n->id, pts, mx,
            pg_status_name(c->status));
    double lost = pg_result_lost(res, node, u);
    if (lost > 0) fprintf(out, "  失分 %.4f", lost);
    if (c->capped) fputs("  已封顶", out);
    fputc('\n', out);
    if (n->nchildren == 0 || n->metric >= 0) leaf(out, res, node, u, datadir, ind + 4);
    /* the thin-evidence policy, also where it passed: a reader checks the margin */
    if (n->min_applicable > 0 && !c->thin && !isnan(c->points))
        fprintf(out,
                "%*s证据    有本单位数据的分值 %.4g / %g（%.1f%%），最低适用比例 %g%%，"
                "不足时%s（below = \"%s\"）\n",
                ind + 4, "", c->applicable, c->max, c->applicable / c->max * 100,
                pg_round(n->min_applicable * 100, 6),
                n->below == PG_BELOW_GROUP_MEDIAN ? "按本组中位数计" : "不适用",
                pg_below_name(n->below));
    if (n->nchildren && !n->adjust && n->op != PG_OP_SUM && !isnan(c->points))
        op_trace(out, res, node, u, ind + 4);
    /* under geomean, harmonic or min (at any level above) a node carries nothing linearly into
     * its part (its weight is 0): its term is in its parent's 合成 lines instead */
    int nonlinear = 0;
    for (int a = n->parent; a >= 0; a = rs->nodes[a].parent)
        nonlinear |= rs->nodes[a].op != PG_OP_SUM && rs->nodes[a].op != PG_OP_MEAN;
    if (n->parent >= 0 && !isnan(c->points) && fabs(c->weight - 1) > 1e-12 && !nonlinear)
        fprintf(out, "%*s折算    × %s 计入所在部分\n", ind + 4, "", w);
    const char *note = pg_result_note(res, c->note);
    if (note) fprintf(out, "%*s说明    %s\n", ind + 4, "", note);
    for (int k = 0; k < n->nchildren; k++)
        node_trace(out, res, n->children[k], u, datadir, depth + 1);
}

static void header(FILE *out, const pg_result *res, int u)
{
    const pg_ruleset *rs = res->rs;
    const pg_scheme *s = &rs->schemes[res->scheme];
    const pg_unit *un = &rs->units[u];
    const pg_unit_result *ur = &res->units[u];
    char buf[PG_PERIOD_BUF];
    fprintf(out, "%s（%s，%s %s，代码 %s）— %s %s\n", un->name, un->id, rs->groups[un->group].id,
            rs->groups[un->group].name, un->code, s->name, pg_period_format(res->period, buf));
    fprintf(out, "规则集 %s（%s），规则版本 %s\n", rs->id, rs->dir, rs->revision);
    if (ur->ranked) {
        fprintf(out, "总分 %.*f（未取整 %.6f），本组排名 %d", rs->rounding, ur->total,
                ur->raw_total, ur->rank);
        if (ur->band >= 0) fprintf(out, "，等次 %s", rs->bands[ur->band].label);
        if (ur->veto_node >= 0) fprintf(out, "，单项否决（%s）", rs->nodes[ur->veto_node].id);
        if (ur->clamped) fprintf(out, "，总分限定在 [0, %g]", s->max);
        fputc('\n', out);
    } else if (!isnan(ur->total))
        fprintf(out, "总分 %.*f（未取整 %.6f），不参与排名（本组 ranked = false）\n", rs->rounding,
                ur->total, ur->raw_total);
    else
        fputs("不参与排名：本方案的指标对该单位全部不计分\n", out);
    const char *note = pg_result_note(res, ur->note);
    if (note) fprintf(out, "说明 %s\n", note);
    for (int k = 0; k < s->nparts; k++) {
        char v[64];
        num(v, sizeof v, pg_result_part(res, u, k));
        fprintf(out, "  %s %s = %s × 权重 %g\n", s->parts[k].name ? s->parts[k].name : "",
                s->parts[k].id, v, s->parts[k].weight);
    }
    if (s->composite_ref != LUA_NOREF)
        fprintf(out, "  合成：自定义函数（%s:%d）\n", s->file, s->line);
    for (int i = 0; i < res->nflags; i++) {
        const pg_auth_flag *f = &res->flags[i];
        if (f->unit != u) continue;
        const pg_metric *m = &rs->metrics[f->metric];
        fprintf(out, "真实性核查 %s %s：自报 %.10g，系统统计（%s）%.10g，超出容差 %g%%%s%s\n",
                pg_period_format(f->period, buf), m->id, f->reported,
                rs->metrics[m->auth_measured].id, f->measured, pg_round(m->auth_tolerance * 100, 6),
                m->auth_into >= 0 ? "，计入 " : "",
                m->auth_into >= 0 ? rs->metrics[m->auth_into].id : "");
    }
    for (int i = 0; i < res->nappeals; i++)
        if (res->appeals[i].unit == u)
            fprintf(out, "申诉 #%ld 成立：%s %+g 分（实计 %+g）— %s\n", res->appeals[i].id,
                    rs->nodes[res->appeals[i].node].id, res->appeals[i].granted,
                    res->appeals[i].applied, res->appeals[i].reason);
}

/* A scheme of schemes: each part's sources, period by period. */
static void sources(FILE *out, const pg_result *res, int u)
{
    const pg_scheme *s = &res->rs->schemes[res->scheme];
    for (int k = 0; k < s->nparts; k++) {
        fprintf(out, "\n%s %s：\n", s->parts[k].name ? s->parts[k].name : "", s->parts[k].id);
        for (int i = 0; i < res->nsub; i++) {
            if (res->sub_part[i] != k) continue;
            const pg_unit_result *sr = &res->sub[i]->units[u];
            char buf[PG_PERIOD_BUF];
            fprintf(out, "  %s  ", pg_period_format(res->sub[i]->period, buf));
            if (sr->ranked)
                fprintf(out, "%.*f（排名 %d）\n", res->rs->rounding, sr->total, sr->rank);
            else
                fputs("不计（无得分）\n", out);
        }
    }
}

/* ---- JSON ---- */

static void jnum(cJSON *o, const char *k, double v, int digits)
{
    pg_json_num(o, k, pg_round(v, digits));
}

static cJSON *jnums(const double *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
    return a;
}

/* The method's parameters as numbers: what method_params writes, field by field. */
static cJSON *method_json(const pg_node *n)
{
    const pg_method *m = &n->method;
    cJSON *o = cJSON_CreateObject();
    if (n->veto) {
        cJSON_AddNumberToObject(o, "veto_score", n->veto_score);
        return o;
    }
    if (n->evaluator) return o;
    switch (m->kind) {
    case PG_M_LINEAR:
        cJSON_AddNumberToObject(o, "lo", m->lo);
        cJSON_AddNumberToObject(o, "hi", m->hi);
        break;
    case PG_M_STEPS: {
        cJSON *a = cJSON_AddArrayToObject(o, "steps");
        for (int i = 0; i < m->nsteps; i++) {
            double pair[2] = {m->step_at[i], m->step_share[i]};
            cJSON_AddItemToArray(a, jnums(pair, 2));
        }
        cJSON_AddNumberToObject(o, "otherwise", m->otherwise);
        break;
    }
    case PG_M_TARGET:
        cJSON_AddNumberToObject(o, "target", m->target);
        break;
    case PG_M_RANK:
        cJSON_AddItemToObject(o, "shares", jnums(m->shares, m->nshares));
        cJSON_AddNumberToObject(o, "rest", m->rest);
        break;
    case PG_M_ZSCORE:
        cJSON_AddNumberToObject(o, "base", m->base);
        cJSON_AddNumberToObject(o, "per_sd", m->per_sd);
        break;
    case PG_M_DEDUCT:
        cJSON_AddNumberToObject(o, "per", m->per);
        cJSON_AddNumberToObject(o, "free", m->free);
        return o; /* no direction: every event costs */
    case PG_M_PER_EVENT:
        cJSON_AddNumberToObject(o, "per", m->per);
        return o;
    case PG_M_CUSTOM: {
        char at[512];
        snprintf(at, sizeof at, "%s:%d", n->file, n->line);
        cJSON_AddStringToObject(o, "function", at);
        return o;
    }
    default:
        break;
    }
    cJSON_AddStringToObject(o, "better", m->lower ? "lower" : "higher");
    return o;
}

/* Whether node lies in the subtree of top (node itself included). */
static int under(const pg_ruleset *rs, int node, int top)
{
    for (; node >= 0; node = rs->nodes[node].parent)
        if (node == top) return 1;
    return 0;
}

/* Adds to one indicator row of pg_report_json_tree what the text trace says beyond it. */
static void trace_fields(cJSON *row, const pg_result *res, int node, int u, const char *datadir)
{
    const pg_ruleset *rs = res->rs;
    const pg_node *n = &rs->nodes[node];
    const pg_cell *c = pg_result_cell(res, node, u);
    int g = rs->units[u].group;
    cJSON_AddBoolToObject(row, "rescaled",
                          n->parent >= 0 && !isnan(c->points) && fabs(c->weight - 1) > 1e-12);
    if (n->metric >= 0) {
        const pg_metric *m = &rs->metrics[n->metric];
        char buf[64], pb[PG_PERIOD_BUF];
        pg_json_str(row, "metric_name", m->name);
        pg_json_str(row, "value_text",
                    isnan(c->value) ? NULL : pg_doc_value(rs, n->metric, c->value, buf));
        /* the period the value belongs to: this one, or the one it was carried from (which
         * the text names whatever the status says) */
        pg_json_str(row, "value_period",
                    isnan(c->value)
                        ? NULL
                        : pg_period_format(c->carried_from ? c->carried_from : res->period, pb));
        cJSON *prov = cJSON_AddArrayToObject(row, "provenance");
        char **lines = NULL;
        int nl = 0;
        if (datadir && !isnan(c->value))
            provenance(rs, datadir, n->metric, u, c->carried_from ? c->carried_from : res->period,
                       &lines, &nl);
        for (int i = 0; i < nl; i++) {
            cJSON_AddItemToArray(prov, cJSON_CreateString(lines[i]));
            free(lines[i]);
        }
        free(lines);
    }
    if (n->nchildren && !n->adjust && n->op != PG_OP_SUM) {
        pg_json_str(row, "aggregate", pg_op_name(n->op));
        char *words = pg_doc_method_words(rs, n, g);
        pg_json_str(row, "aggregate_words", words);
        free(words);
        if (!isnan(c->points)) {
            op_term *t = pg_xcalloc((size_t)n->nchildren + 1, sizeof *t);
            jnum(row, "aggregate_share", op_terms(res, node, u, t), 9);
            cJSON *a = cJSON_AddArrayToObject(row, "terms");
            for (int k = 0; k < n->nchildren; k++) {
                if (!t[k].applies) continue;
                cJSON *o = cJSON_CreateObject();
                pg_json_str(o, "id", rs->nodes[n->children[k]].id);
                jnum(o, "share", t[k].share, 9);
                jnum(o, "weight", t[k].weight, 9);
                jnum(o, "normalised_weight", t[k].norm, 9);
                jnum(o, "term", t[k].term, 9);
                cJSON_AddItemToArray(a, o);
            }
            free(t);
        }
    }
    if (n->parent >= 0 && rs->nodes[n->parent].op != PG_OP_SUM &&
        rs->nodes[n->parent].op != PG_OP_MIN)
        jnum(row, "declared_weight", isnan(n->weight) ? 1 : n->weight, 9);
    if (!(n->nchildren == 0 || n->metric >= 0)) return; /* an inner node: no method */
    if (n->has_transform && !isnan(c->value))
        jnum(row, "scored_value", pg_transform(n, c->value), 9);
    char p[512];
    if (n->evaluator)
        snprintf(p, sizeof p, "evaluator_score {}");
    else if (n->veto)
        snprintf(p, sizeof p, "veto = %g", n->veto_score);
    else
        method_params(n, p, sizeof p);
    pg_json_str(row, "method_rule", p);
    cJSON_AddItemToObject(row, "method_params", method_json(n));
    if (n->evaluator)
        pg_json_str(row, "method_words", "定性评价，按评估方录入的分值计（限本项分值内）");
    else {
        char *words = pg_doc_method_words(rs, n, g);
        pg_json_str(row, "method_words", words);
        free(words);
    }
    char *miss = pg_doc_missing_words(rs, n);
    pg_json_str(row, "policy_words", miss);
    free(miss);
    jnum(row, "min_n", n->min_n > 0 ? n->min_n : NAN, 6);
}

/* How the parts make the total: each part's value and weight as the text lists them, and the
 * composite function when the rule set gives one instead of the weighted sum. */
static cJSON *composition(const pg_result *res, int u)
{
    const pg_ruleset *rs = res->rs;
    const pg_scheme *s = &rs->schemes[res->scheme];
    cJSON *o = cJSON_CreateObject();
    cJSON *parts = cJSON_AddArrayToObject(o, "parts");
    for (int k = 0; k < s->nparts; k++) {
        cJSON *p = cJSON_CreateObject();
        pg_json_str(p, "id", s->parts[k].id);
        pg_json_str(p, "name", s->parts[k].name);
        jnum(p, "value", pg_result_part(res, u, k), 6);
        cJSON_AddNumberToObject(p, "weight", s->parts[k].weight);
        cJSON_AddBoolToObject(p, "adjust",
                              s->parts[k].node >= 0 && rs->nodes[s->parts[k].node].adjust);
        cJSON_AddItemToArray(parts, p);
    }
    if (s->composite_ref != LUA_NOREF) {
        char at[512];
        snprintf(at, sizeof at, "%s:%d", s->file, s->line);
        pg_json_str(o, "function", at);
    } else
        pg_json_str(o, "function", NULL);
    return o;
}

/* A scheme of schemes: each source period's rank beside the total "sources" gives. */
static cJSON *source_ranks(const pg_result *res, int u)
{
    const pg_scheme *s = &res->rs->schemes[res->scheme];
    cJSON *o = cJSON_CreateObject();
    for (int k = 0; k < s->nparts; k++) {
        cJSON *p = cJSON_AddObjectToObject(o, s->parts[k].id);
        for (int i = 0; i < res->nsub; i++) {
            if (res->sub_part[i] != k) continue;
            char buf[PG_PERIOD_BUF];
            const pg_unit_result *sr = &res->sub[i]->units[u];
            const char *at = pg_period_format(res->sub[i]->period, buf);
            if (sr->ranked)
                cJSON_AddNumberToObject(p, at, sr->rank);
            else
                cJSON_AddNullToObject(p, at);
        }
    }
    return o;
}

/* Moves the ranking row's facts about the unit (movement, tie-breaker, errors) from the
 * groups of pg_report_json_tree, which explain does not keep, into the unit object. */
static void take_ranking_row(cJSON *groups, const char *id, cJSON *uo)
{
    static const char *keys[] = {"previous_rank", "movement", "change", "tie_breaker", "errors"};
    cJSON *g, *row;
    cJSON_ArrayForEach(g, groups)
    {
        cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(g, "ranking"))
        {
            const cJSON *who = cJSON_GetObjectItemCaseSensitive(row, "unit");
            if (!cJSON_IsString(who) || strcmp(who->valuestring, id) != 0) continue;
            for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
                cJSON *v = cJSON_DetachItemFromObjectCaseSensitive(row, keys[i]);
                if (v) cJSON_AddItemToObject(uo, keys[i], v);
            }
            return;
        }
    }
}

cJSON *pg_explain_json_tree(const pg_result *res, int u, int node, const char *datadir)
{
    const pg_ruleset *rs = res->rs;
    cJSON *root = pg_report_json_tree(res, u);
    cJSON *units = cJSON_DetachItemFromObjectCaseSensitive(root, "units");
    cJSON *groups = cJSON_DetachItemFromObjectCaseSensitive(root, "groups");
    cJSON *uo = cJSON_DetachItemFromArray(units, 0);
    cJSON_Delete(units);
    assert(uo); /* pg_report_json_tree wrote exactly unit u */
    take_ranking_row(groups, rs->units[u].id, uo);
    cJSON_Delete(groups);
    cJSON *r = cJSON_GetObjectItemCaseSensitive(root, "ruleset");
    if (r) pg_json_str(r, "dir", rs->dir);
    pg_json_str(root, "indicator", node >= 0 ? rs->nodes[node].id : NULL);
    cJSON_AddItemToObject(uo, "composition", composition(res, u));
    if (!res->cells) cJSON_AddItemToObject(uo, "source_ranks", source_ranks(res, u));
    cJSON *rows = cJSON_GetObjectItemCaseSensitive(uo, "indicators");
    for (cJSON *row = rows ? rows->child : NULL, *next; row; row = next) {
        next = row->next;
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(row, "id");
        int k = cJSON_IsString(id) ? pg_strmap_get(&rs->node_ids, id->valuestring) : -1;
        if (k < 0 || (node >= 0 && !under(rs, k, node))) {
            cJSON_Delete(cJSON_DetachItemViaPointer(rows, row));
            continue;
        }
        trace_fields(row, res, k, u, datadir);
    }
    cJSON_AddItemToObject(root, "unit", uo);
    return root;
}

int pg_explain_json(const pg_result *res, int u, int node, const char *datadir, FILE *out)
{
    cJSON *root = pg_explain_json_tree(res, u, node, datadir);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text) return -ENOMEM;
    int bad = fputs(text, out) < 0 || fputc('\n', out) == EOF;
    cJSON_free(text);
    return bad || ferror(out) ? -EIO : 0;
}

int pg_explain_text(const pg_result *res, int u, int node, const char *datadir, FILE *out)
{
    const pg_ruleset *rs = res->rs;
    const pg_scheme *s = &rs->schemes[res->scheme];
    header(out, res, u);
    if (!res->cells)
        sources(out, res, u);
    else if (node >= 0) {
        fputc('\n', out);
        node_trace(out, res, node, u, datadir, 0);
    } else
        for (int k = 0; k < s->nparts; k++)
            if (s->parts[k].node >= 0) {
                fputc('\n', out);
                node_trace(out, res, s->parts[k].node, u, datadir, 0);
            }
    return ferror(out) ? -EIO : 0;
}
