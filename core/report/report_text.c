/* report_text.c — a terminal table. Columns are padded by display width, so Chinese names
 * (two columns a character) line up with ASCII ones. Movement is marked with ↑n / ↓n / = /
 * 新, so it reads the same without colour. */
#define _XOPEN_SOURCE 700
#include "base.h"
#include "score.h"
#include "report.h"

#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

int pg_text_width(const char *s)
{
    /* wcwidth needs a UTF-8 locale; take one for this thread only, leaving the process'
     * locale (and cJSON's number formatting) alone. */
    locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    locale_t old = utf8 ? uselocale(utf8) : (locale_t)0;
    mbstate_t st;
    memset(&st, 0, sizeof st);
    int width = 0;
    size_t len = strlen(s);
    while (len > 0) {
        wchar_t wc;
        size_t n = mbrtowc(&wc, s, len, &st);
        if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
            width++;
            s++, len--;
            memset(&st, 0, sizeof st);
            continue;
        }
        int w = wcwidth(wc);
        width += w < 0 ? 1 : w;
        s += n, len -= n;
    }
    if (utf8) {
        uselocale(old);
        freelocale(utf8);
    }
    return width;
}

/* Prints s left-aligned in `width` columns (right-aligned if width < 0). */
static void cell(FILE *out, const char *s, int width)
{
    int pad = abs(width) - pg_text_width(s);
    if (width < 0)
        for (int i = 0; i < pad; i++) fputc(' ', out);
    fputs(s, out);
    if (width > 0)
        for (int i = 0; i < pad; i++) fputc(' ', out);
    fputs("  ", out);
}

void pg_text_cell(FILE *out, const char *s, int width)
{
    cell(out, s, width);
}

/* A figure at `digits` decimals, rounded as the rule set rounds (rounding_mode) before it is
 * printed: printf would round a half its own way. */
static void num(const pg_ruleset *rs, char *buf, size_t n, double v, int digits)
{
    if (isfinite(v))
        snprintf(buf, n, "%.*f", digits, pg_round_as(v, digits, rs->rounding_mode));
    else
        snprintf(buf, n, "—");
}

static void movement(char *buf, size_t n, const pg_unit_result *ur)
{
    if (!ur->prev_rank)
        snprintf(buf, n, "新");
    else if (ur->rank < ur->prev_rank)
        snprintf(buf, n, "↑%d", ur->prev_rank - ur->rank);
    else if (ur->rank > ur->prev_rank)
        snprintf(buf, n, "↓%d", ur->rank - ur->prev_rank);
    else
        snprintf(buf, n, "=");
}

static int name_width(const pg_result *res)
{
    int w = 4;
    for (int u = 0; u < res->rs->nunits; u++) {
        int x = pg_text_width(res->rs->units[u].name);
        if (x > w) w = x;
    }
    return w;
}

/* 本期无业务单位: units with an indicator dropped for no business, listed on their own. */
static void no_business(const pg_result *res, int g, FILE *out)
{
    const pg_ruleset *rs = res->rs;
    const pg_scheme *s = &rs->schemes[res->scheme];
    int first = 1;
    for (int u = 0; res->cells && u < rs->nunits; u++) {
        if (rs->units[u].group != g) continue;
        int listed = 0;
        for (int i = 0; i < s->norder; i++) {
            const pg_node *n = &rs->nodes[s->order[i]];
            if (n->nchildren || pg_result_cell(res, s->order[i], u)->status != PG_ST_NO_BUSINESS)
                continue;
            if (first) fputs("本期无业务单位（相关指标不计分）：\n", out);
            fprintf(out, listed ? "、%s" : "  %s：%s", listed ? n->name : rs->units[u].name,
                    n->name);
            first = 0;
            listed = 1;
        }
        if (listed) fputc('\n', out);
    }
}

/* Why a unit has no rank, in the words of the ranking. */
static const char *reason_text(const pg_result *res, int u)
{
    const char *r = pg_result_unranked_reason(res, u);
    return strcmp(r, "not_ranked") == 0    ? "不参与排名"
           : strcmp(r, "error") == 0       ? "规则计算出错"
           : strcmp(r, "no_business") == 0 ? "无相关业务"
                                           : "无数据";
}

static void ranking(const pg_result *res, FILE *out)
{
    const pg_ruleset *rs = res->rs;
    const pg_scheme *s = &rs->schemes[res->scheme];
    int nw = name_width(res);
    char buf[64];
    for (int g = 0; g < rs->ngroups; g++) {
        fprintf(out, "\n%s\n", rs->groups[g].name);
        cell(out, "排名", -4);
        cell(out, "单位", nw);
        cell(out, "总分", -7);
        for (int k = 0; k < s->nparts; k++) {
            int w = pg_text_width(s->parts[k].name);
            cell(out, s->parts[k].name, w > 7 ? -w : -7);
        }
        cell(out, "环比", -7);
        cell(out, "变动", 5);
        cell(out, "等次", 6);
        fputc('\n', out);
        int *order = pg_result_group_order(res, g);
        for (int i = 0; order[i] >= 0; i++) {
            int u = order[i];
            const pg_unit_result *ur = &res->units[u];
            snprintf(buf, sizeof buf, "%d", ur->rank);
            cell(out, buf, -4);
            cell(out, rs->units[u].name, nw);
            num(rs, buf, sizeof buf, ur->total, rs->rounding);
            cell(out, buf, -7);
            for (int k = 0; k < s->nparts; k++) {
                int w = pg_text_width(s->parts[k].name);
                num(rs, buf, sizeof buf, pg_result_part(res, u, k), rs->rounding);
                cell(out, buf, w > 7 ? -w : -7);
            }
            if (ur->prev_rank)
                snprintf(buf, sizeof buf, "%+.*f", rs->rounding,
                         pg_rs_round(rs, ur->total - ur->prev_total));
            else
                snprintf(buf, sizeof buf, "—");
            cell(out, buf, -7);
            movement(buf, sizeof buf, ur);
            cell(out, buf, 5);
            cell(out, ur->band >= 0 ? rs->bands[ur->band].label : "", 6);
            if (ur->veto_node >= 0) fprintf(out, "单项否决(%s)", rs->nodes[ur->veto_node].name);
            if (ur->errors) fprintf(out, "%d项计算出错", ur->errors);
            fputc('\n', out);
        }
        free(order);
        /* a group declared ranked = false: each unit's total, with — for the rank */
        for (int u = 0; rs->groups[g].unranked && u < rs->nunits; u++) {
            const pg_unit_result *ur = &res->units[u];
            if (rs->units[u].group != g || isnan(ur->total)) continue;
            cell(out, "—", -4);
            cell(out, rs->units[u].name, nw);
            num(rs, buf, sizeof buf, ur->total, rs->rounding);
            cell(out, buf, -7);
            for (int k = 0; k < s->nparts; k++) {
                int w = pg_text_width(s->parts[k].name);
                num(rs, buf, sizeof buf, pg_result_part(res, u, k), rs->rounding);
                cell(out, buf, w > 7 ? -w : -7);
            }
            fputs("不参与排名\n", out);
        }
        int first = 1;
        for (int u = 0; u < rs->nunits; u++)
            if (rs->units[u].group == g && !res->units[u].ranked &&
                !(rs->groups[g].unranked && !isnan(res->units[u].total))) {
                fprintf(out, "%s%s（%s）", first ? "未排名：" : "、", rs->units[u].name,
                        reason_text(res, u));
                first = 0;
            }
        if (!first) fputc('\n', out);
        no_business(res, g, out);
    }
}

static void breakdown(const pg_result *res, int u, FILE *out)
{
    const pg_ruleset *rs = res->rs;
    const pg_scheme *s = &rs->schemes[res->scheme];
    const pg_unit_result *ur = &res->units[u];
    char buf[64], pbuf[PG_PERIOD_BUF];
    fprintf(out, "\n%s（%s，代码 %s%s）  总分 ", rs->units[u].name, rs->units[u].id,
            rs->units[u].code, rs->units[u].code_standard ? "" : "，非标准代码");
    num(rs, buf, sizeof buf, ur->total, rs->rounding);
    if (ur->ranked)
        fprintf(out, "%s  排名 %d  %s\n", buf, ur->rank,
                ur->band >= 0 ? rs->bands[ur->band].label : "");
    else
        fprintf(out, "%s  排名 —（未排名：%s）\n", buf, reason_text(res, u));
    if (pg_result_note(res, ur->note)) fprintf(out, "说明：%s\n", pg_result_note(res, ur->note));
    if (!res->cells) {
        for (int k = 0; k < s->nparts; k++) {
            num(rs, buf, sizeof buf, pg_result_part(res, u, k), rs->rounding);
            fprintf(out, "  %s（权重%g）：%s", s->parts[k].name, s->parts[k].weight, buf);
            for (int i = 0; i < res->nsub; i++) {
                if (res->sub_part[i] != k) continue;
                const pg_unit_result *sr = &res->sub[i]->units[u];
                num(rs, buf, sizeof buf, sr->ranked ? sr->total : NAN, rs->rounding);
                fprintf(out, "  %s=%s", pg_period_format(res->sub[i]->period, pbuf), buf);
            }
            fputc('\n', out);
        }
        return;
    }
    int iw = 8;
    for (int i = 0; i < s->norder; i++) {
        const pg_node *n = &rs->nodes[s->order[i]];
        int w = pg_text_width(n->name) + 2 * n->depth;
        if (w > iw) iw = w;
    }
    cell(out, "指标", iw);
    cell(out, "数值", -10);
    cell(out, "样本", -7);
    cell(out, "方法", 10);
    cell(out, "得分", -8);
    cell(out, "满分", -6);
    cell(out, "失分", -7);
    fputs("状态 / 说明\n", out);
    int *order, count = pg_scheme_preorder(rs, s, &order);
    for (int i = 0; i < count; i++) {
        const pg_node *n = &rs->nodes[order[i]];
        const pg_cell *c = pg_result_cell(res, order[i], u);
        if (c->status == PG_ST_OFF) continue;
        char label[512];
        snprintf(label, sizeof label, "%*s%s", 2 * n->depth, "", n->name);
        cell(out, label, iw);
        int leaf = n->nchildren == 0 && !n->adjust;
        num(rs, buf, sizeof buf, leaf ? c->value : NAN, 4);
        cell(out, leaf ? buf : "", -10);
        num(rs, buf, sizeof buf, c->n, 0);
        cell(out, leaf && isfinite(c->n) ? buf : "", -7);
        cell(out,
             leaf ? (n->veto        ? "veto"
                     : n->evaluator ? "evaluator_score"
                                    : pg_method_name(n->method.kind))
                  : "",
             10);
        num(rs, buf, sizeof buf, c->points, 2);
        cell(out, buf, -8);
        num(rs, buf, sizeof buf, c->max, 2);
        cell(out, n->adjust ? "" : buf, -6);
        double lost = pg_result_lost(res, order[i], u);
        num(rs, buf, sizeof buf, lost, 2);
        cell(out, lost > 0.00005 ? buf : "", -7);
        fputs(pg_status_name((pg_status)c->status), out);
        if (pg_result_note(res, c->note)) fprintf(out, " %s", pg_result_note(res, c->note));
        fputc('\n', out);
    }
    free(order);
}

int pg_report_text(const pg_result *res, int unit, FILE *out)
{
    const pg_ruleset *rs = res->rs;
    const pg_scheme *s = &rs->schemes[res->scheme];
    char buf[PG_PERIOD_BUF];
    fprintf(out, "%s — %s %s（规则版本 %.12s）\n", rs->name, s->name,
            pg_period_format(res->period, buf), rs->revision);
    if (unit < 0)
        ranking(res, out);
    else
        breakdown(res, unit, out);
    return ferror(out) ? -5 : 0;
}
