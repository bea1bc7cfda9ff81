/* analysis_html.c — the section 指标分析与排名稳定性 of the annual report (report_html.c):
 * what `pinggu analyze` and `pinggu sensitivity` say about the year (docs/tools.md), for the
 * leadership office's yearly review of the weights.
 *
 * Per analysis (a scheme over its periods) and group: a table of the leaves — points, coverage,
 * shares at full and at zero points (区分度), correlation with the total, nominal and effective
 * weight — and a chart of nominal against effective weight, two bars a leaf; the pairs of leaves
 * correlated above 0.9. Per sensitivity run and group: the rank intervals as a chart (the 5th to
 * 95th percentile rank as a bar, the median as a dot, the published rank as a tick) and a table.
 * Inline SVG like svg_chart.c's, in the page's classes; every string from the rules escaped. */
#include "report.h"
#include "svg_chart.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void pct(FILE *f, double v)
{
    if (isnan(v))
        fputs("<td class=\"n\">—</td>", f);
    else
        fprintf(f, "<td class=\"n\">%.1f%%</td>", v * 100);
}

static void dec(FILE *f, double v, int digits)
{
    if (isnan(v))
        fputs("<td class=\"n\">—</td>", f);
    else
        fprintf(f, "<td class=\"n\">%.*f</td>", digits, v);
}

/* Nominal (blue) against effective (orange) weight of each leaf, in percent. */
static void weights_chart(FILE *f, const char *title, const pg_analysis *an, int g)
{
    const pg_ruleset *rs = an->rs;
    int n = 0;
    double max = 0;
    for (int i = 0; i < an->nind; i++) {
        const pg_an_indicator *a = &an->ind[i];
        const pg_node *nd = &rs->nodes[a->node];
        if (a->group != g || nd->nchildren || isnan(a->nominal)) continue;
        n++;
        if (a->nominal > max) max = a->nominal;
        if (!isnan(a->effective) && a->effective > max) max = a->effective;
    }
    if (!n || max <= 0) return;
    const int row = 22, top = 6, W = 700, x0 = 230, x1 = W - 80;
    int H = top * 2 + n * row + 16;
    fprintf(f, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", W, H);
    pg_xml_text(f, title);
    fputs("\"><title>", f);
    pg_xml_text(f, title);
    fputs("</title>\n", f);
    int y = top;
    for (int i = 0; i < an->nind; i++) {
        const pg_an_indicator *a = &an->ind[i];
        const pg_node *nd = &rs->nodes[a->node];
        if (a->group != g || nd->nchildren || isnan(a->nominal)) continue;
        double e = isnan(a->effective) ? 0 : fmax(a->effective, 0);
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"lbl\">", x0 - 6, y + 15);
        pg_xml_text(f, nd->name);
        fprintf(f,
                "</text><rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"8\"/>"
                "<rect class=\"lost\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"8\"/>"
                "<text x=\"%.1f\" y=\"%d\" class=\"val\">%.1f%% / %.1f%%</text>\n",
                x0, y + 3, (x1 - x0) * a->nominal / max, x0, y + 12, (x1 - x0) * e / max,
                x0 + (x1 - x0) * fmax(a->nominal, e) / max + 4, y + 15, a->nominal * 100,
                isnan(a->effective) ? 0 : a->effective * 100);
        y += row;
    }
    fprintf(f,
            "<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"10\" height=\"8\"/><text x=\"%d\" "
            "y=\"%d\" class=\"axis\">名义权重</text><rect class=\"lost\" x=\"%d\" y=\"%d\" "
            "width=\"10\" height=\"8\"/><text x=\"%d\" y=\"%d\" class=\"axis\">有效权重</text>\n",
            x0, y + 4, x0 + 14, y + 12, x0 + 90, y + 4, x0 + 104, y + 12);
    fputs("</svg>\n", f);
}

static void analysis_group(FILE *f, const pg_analysis *an, int g)
{
    const pg_ruleset *rs = an->rs;
    char title[512];
    fputs("<h4>", f);
    pg_xml_text(f, rs->groups[g].name);
    fprintf(f, "（%ld 个观测）</h4>\n", an->obs[g]);
    fputs("<table><thead><tr><th>指标</th><th>分值</th><th>覆盖率</th><th>满分</th><th>零分</th>"
          "<th>r总分</th><th>名义权重</th><th>有效权重</th></tr></thead><tbody>\n",
          f);
    for (int i = 0; i < an->nind; i++) {
        const pg_an_indicator *a = &an->ind[i];
        const pg_node *nd = &rs->nodes[a->node];
        if (a->group != g || nd->nchildren) continue;
        fputs("<tr><td>", f);
        pg_xml_text(f, nd->name);
        fprintf(f, "</td><td class=\"n\">%g</td>", a->max);
        pct(f, a->coverage);
        pct(f, a->at_full);
        pct(f, a->at_zero);
        dec(f, a->r_total, 2);
        pct(f, a->nominal);
        pct(f, a->effective);
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
    snprintf(title, sizeof title, "%s %s：名义权重与有效权重", rs->schemes[an->scheme].name,
             rs->groups[g].name);
    weights_chart(f, title, an, g);
    int any = 0;
    for (int i = 0; i < an->npairs; i++) {
        if (an->pairs[i].group != g) continue;
        fputs(any++ ? "；" : "<p class=\"legend\">高度相关（r &gt; 0.9，可能重复计分）：", f);
        pg_xml_text(f, rs->nodes[an->pairs[i].a].name);
        fputs(" ～ ", f);
        pg_xml_text(f, rs->nodes[an->pairs[i].b].name);
        fprintf(f, "（r = %.3f）", an->pairs[i].r);
    }
    if (any) fputs("</p>\n", f);
}

/* The rank intervals of group g's ranked units, in rank order. */
static void intervals_chart(FILE *f, const char *title, const pg_sens *sv, const int *order, int n)
{
    const pg_ruleset *rs = sv->res->rs;
    if (n < 1) return;
    const int row = 20, top = 6, W = 700, x0 = 230, x1 = W - 70;
    int H = top * 2 + n * row + 16;
    double span = n > 1 ? n - 1 : 1;
#define X(r) (x0 + (x1 - x0) * ((r)-1) / span)
    fprintf(f, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", W, H);
    pg_xml_text(f, title);
    fputs("\"><title>", f);
    pg_xml_text(f, title);
    fputs("</title>\n", f);
    for (int i = 0; i < n; i++) {
        const pg_sens_unit *su = &sv->units[order[i]];
        int y = top + i * row;
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"lbl\">", x0 - 6, y + 14);
        pg_xml_text(f, rs->units[order[i]].name);
        fprintf(f,
                "</text><rect class=\"bar\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"8\"/>"
                "<circle cx=\"%.1f\" cy=\"%d\" r=\"3.5\" fill=\"#111\"/>"
                "<rect class=\"lost\" x=\"%.1f\" y=\"%d\" width=\"2\" height=\"16\"/>"
                "<text x=\"%d\" y=\"%d\" class=\"val\">%d–%d</text>\n",
                X(su->p05) - 3, y + 6, X(su->p95) - X(su->p05) + 6, X(su->median), y + 10,
                X(su->rank) - 1, y + 2, x1 + 8, y + 14, su->p05, su->p95);
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"axis\">第1名</text>", x0 - 10, H - 4);
    fprintf(f, "<text x=\"%.1f\" y=\"%d\" class=\"axis\">第%d名</text>\n", X(n) - 10, H - 4, n);
#undef X
    fputs("</svg>\n", f);
}

static void sensitivity_group(FILE *f, const pg_sens *sv, int g)
{
    const pg_result *res = sv->res;
    const pg_ruleset *rs = res->rs;
    int *order = pg_result_group_order(res, g), n = 0;
    while (order[n] >= 0) n++;
    if (n == 0) {
        free(order);
        return;
    }
    char title[512];
    fputs("<h4>", f);
    pg_xml_text(f, rs->groups[g].name);
    fputs("</h4>\n", f);
    snprintf(title, sizeof title, "%s %s：排名区间（5%%–95%%）", rs->schemes[res->scheme].name,
             rs->groups[g].name);
    intervals_chart(f, title, sv, order, n);
    fputs("<table><thead><tr><th>排名</th><th>单位</th><th>中位名次</th><th>5%–95%</th>"
          "<th>保持等次</th><th>影响最大的权重（−→+）</th></tr></thead><tbody>\n",
          f);
    for (int i = 0; i < n; i++) {
        const pg_sens_unit *su = &sv->units[order[i]];
        fprintf(f, "<tr><td class=\"c\">%d</td><td>", su->rank);
        pg_xml_text(f, rs->units[order[i]].name);
        fprintf(f, "</td><td class=\"n\">%g</td><td class=\"c\">%d–%d</td>", su->median, su->p05,
                su->p95);
        pct(f, su->band_keep);
        fputs("<td>", f);
        for (int k = 0; k < su->ntop; k++) {
            if (k) fputs("；", f);
            pg_xml_text(f, sv->weights[su->top[k].weight].name);
            fprintf(f, "（%d→%d）", su->top[k].minus, su->top[k].plus);
        }
        if (!su->ntop) fputs("—", f);
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
    free(order);
}

char *pg_analysis_html(const pg_analysis *const *an, int nan, const pg_sens *const *sv, int nsv)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    fputs("<section class=\"analysis\" id=\"analysis\"><h2>指标分析与排名稳定性</h2>\n"
          "<p class=\"legend\">覆盖率：有本单位数据的观测所占比例；满分、零分：得满分、得0分的比例"
          "（区分度）；r总分：与总分的相关系数；名义权重：分值占总分满分的比例；有效权重：该指标对"
          "总分方差的贡献 cov(贡献, 总分) ÷ var(总分)。有效权重远低于名义权重的指标对排名作用很"
          "小，远高于的则左右排名。</p>\n",
          f);
    for (int i = 0; i < nan; i++) {
        const pg_ruleset *rs = an[i]->rs;
        char a[PG_PERIOD_BUF], b[PG_PERIOD_BUF];
        fputs("<h3>", f);
        pg_xml_text(f, rs->schemes[an[i]->scheme].name);
        fprintf(f, "：指标分析（%s", pg_period_format(an[i]->periods[0], a));
        if (an[i]->nperiods > 1)
            fprintf(f, "至%s，%d期合并", pg_period_format(an[i]->periods[an[i]->nperiods - 1], b),
                    an[i]->nperiods);
        fputs("）</h3>\n", f);
        for (int g = 0; g < rs->ngroups; g++)
            if (an[i]->obs[g] > 0) analysis_group(f, an[i], g);
    }
    for (int i = 0; i < nsv; i++) {
        const pg_result *res = sv[i]->res;
        const pg_ruleset *rs = res->rs;
        char a[PG_PERIOD_BUF];
        fputs("<h3>", f);
        pg_xml_text(f, rs->schemes[res->scheme].name);
        int ndecl = 0;
        for (int w = 0; w < sv[i]->nweights; w++) ndecl += sv[i]->weights[w].declared;
        char decl[160] = "";
        if (ndecl)
            snprintf(decl, sizeof decl, "（规则声明了区间的 %d 项权重在其声明区间内）", ndecl);
        fprintf(f,
                " %s：排名稳定性</h3>\n<p class=\"legend\">各权重在名义值 ±%g%% 内%s均匀随机抽取 "
                "%ld 次（种子 %llu），不重新计分、按规则重新汇总。条为第5至第95百分位名次，圆点为"
                "中位名次，竖线为公布名次；影响最大的权重为单独将该权重调至其区间两端时的名次。%s"
                "</p>\n",
                pg_period_format(res->period, a), pg_round(sv[i]->opts.spread * 100, 6), decl,
                sv[i]->opts.draws, (unsigned long long)sv[i]->opts.seed,
                sv[i]->nunweighted ? "取最小值（min）的指标没有权重，不参与抽取。" : "");
        for (int g = 0; g < rs->ngroups; g++) sensitivity_group(f, sv[i], g);
    }
    fputs("</section>\n", f);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

char *pg_annual_analysis_html(const pg_ruleset *rs, const pg_dataset *ds, int scheme, int period,
                              int threads, pg_diags *d)
{
    const pg_scheme *s = &rs->schemes[scheme];
    pg_analysis *an[8] = {0};
    pg_sens *sv[8] = {0};
    pg_result *res[8] = {0};
    int nan = 0, nsv = 0;
    for (int k = 0; k < s->nparts && nan < 8; k++) {
        int r = s->parts[k].scheme;
        if (r < 0) continue;
        int dup = 0; /* two parts of one scheme: analysed once */
        for (int i = 0; i < nan; i++) dup |= an[i]->scheme == r;
        if (dup) continue;
        if (pg_analyze(rs, ds, r, period, &an[nan], d) == 0) nan++;
        if (rs->schemes[r].period != PG_PERIOD_YEAR) continue;
        pg_sens_opts o = {.draws = 1000, .spread = 0.2, .seed = 1, .threads = threads};
        if (pg_eval(rs, ds, r, period, &res[nsv], d) == 0) {
            if (pg_sens_run(res[nsv], &o, &sv[nsv], d) == 0)
                nsv++;
            else
                pg_result_free(res[nsv]), res[nsv] = NULL;
        }
    }
    char *html = nan || nsv ? pg_analysis_html((const pg_analysis *const *)an, nan,
                                               (const pg_sens *const *)sv, nsv)
                            : NULL;
    for (int i = 0; i < nan; i++) pg_analysis_free(an[i]);
    for (int i = 0; i < nsv; i++) pg_sens_free(sv[i]), pg_result_free(res[i]);
    return html;
}
