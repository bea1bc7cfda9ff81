/* report_html.c — a bulletin as one self-contained HTML page for screen and print
 * (`pinggu report --format html`): <basename>.html.
 *
 * Everything is inline — the style sheet, the charts (svg_chart.c) — and nothing is fetched,
 * so a page mailed to a county office or opened offline looks the same. Print is A4 with a
 * page break before each section (each group's ranking, the composite, each unit's lost
 * points). Fonts are the Noto CJK faces Debian ships (fonts-noto-cjk), with the usual Windows
 * and macOS faces as fallbacks. Movement is marked with ↑ ↓ = 新, readable without colour.
 * Indicator names link to the documentation `pinggu report` writes into doc/. Every string
 * from the rule set or the data is escaped. */
#include "report.h"
#include "svg_chart.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char style[] =
    "@page{size:A4;margin:16mm 14mm}\n"
    "body{font-family:\"Noto Sans CJK SC\",\"Source Han Sans SC\",\"Microsoft YaHei\","
    "\"PingFang SC\",sans-serif;font-size:10.5pt;line-height:1.5;color:#111;margin:0 auto;"
    "max-width:190mm;padding:0 4mm}\n"
    "h1,h2,h3{font-family:\"Noto Serif CJK SC\",\"Source Han Serif SC\",SimSun,serif;"
    "font-weight:700}\n"
    "h1{font-size:20pt;text-align:center;margin:18mm 0 4mm}\n"
    "h2{font-size:15pt;border-bottom:2px solid #333;padding-bottom:2px;margin-top:8mm}\n"
    "h3{font-size:12pt;margin:6mm 0 2mm}\n"
    "h4{font-size:11pt;margin:5mm 0 1mm;border-left:4px solid #4a78b0;padding-left:6px}\n"
    ".sub{text-align:center;font-size:13pt;margin:0 0 8mm}\n"
    ".meta{font-size:9pt;color:#444}\n"
    "section{break-before:page;page-break-before:always}\n"
    "section.unit{break-before:auto;page-break-before:auto;break-inside:avoid-page}\n"
    "table{border-collapse:collapse;width:100%;margin:2mm 0;font-size:9.5pt}\n"
    "th,td{border:1px solid #999;padding:1.5px 4px;vertical-align:top}\n"
    "th{background:#eee;font-weight:700;white-space:nowrap}\n"
    "table.lost td:first-child{min-width:8em}\n"
    "thead{display:table-header-group}\n"
    "tr{break-inside:avoid}\n"
    "td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "td.c{text-align:center;white-space:nowrap}\n"
    ".up{color:#1a7f37}.down{color:#c62828}.same{color:#555}.new{color:#555}\n"
    "svg.chart{width:100%;height:auto;display:block;margin:2mm 0;font-size:11px}\n"
    "svg.chart.small{width:60%}\n"
    "svg .bar{fill:#4a78b0}svg .lost{fill:#d9822b}svg .lbl,svg .val,svg .axis{fill:#222}\n"
    "svg .axis{font-size:10px}svg .grid{stroke:#ddd}svg .avg{fill:#f3ecd8}\n"
    "svg .line{fill:none;stroke:#4a78b0;stroke-width:2}svg .pt{fill:#4a78b0}\n"
    "a{color:inherit}\n"
    ".legend{font-size:9pt;color:#333}\n"
    "ul.toc{columns:2}\n"
    "@media print{a{text-decoration:none}}\n";

static void esc(FILE *f, const char *s)
{
    pg_xml_text(f, s);
}

/* A number cell: right-aligned, "—" where there is none. */
static void num(FILE *f, double v, int digits, int sign)
{
    if (!isfinite(v))
        fputs("<td class=\"n\">—</td>", f);
    else
        fprintf(f, sign ? "<td class=\"n\">%+.*f</td>" : "<td class=\"n\">%.*f</td>", digits, v);
}

static void mark_cell(FILE *f, const char *movement, const char *mark)
{
    if (!mark) {
        fputs("<td class=\"c\">—</td>", f);
        return;
    }
    static const char *const words[][2] = {
        {"up", "上升"}, {"down", "下降"}, {"same", "持平"}, {"new", "无上期排名"}};
    const char *title = "";
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (movement && strcmp(movement, words[i][0]) == 0) title = words[i][1];
    fprintf(f, "<td class=\"c %s\" title=\"%s\">", movement ? movement : "", title);
    esc(f, mark);
    fputs("</td>", f);
}

static const char *reason_words(const char *reason)
{
    return strcmp(reason, "no_business") == 0 ? "本期无业务"
           : strcmp(reason, "error") == 0     ? "计分出错"
                                              : "无数据";
}

static void unit_link(FILE *f, const pg_bl_unit *u)
{
    fputs("<a href=\"#u-", f);
    esc(f, u->id);
    fputs("\">", f);
    esc(f, u->name);
    fputs("</a>", f);
}

static void ranking_table(FILE *f, const pg_bulletin *b, const pg_bl_group *g)
{
    fputs("<table class=\"ranking\"><thead><tr><th>排名</th><th>单位</th><th>总分</th>", f);
    for (int k = 0; k < b->nparts; k++) {
        fputs("<th>", f);
        esc(f, b->parts[k].name);
        fputs("</th>", f);
    }
    fputs("<th>环比</th><th>变动</th><th>等次</th></tr></thead>\n<tbody>\n", f);
    for (int i = 0; i < g->nrows; i++) {
        const pg_bl_row *r = &g->rows[i];
        fprintf(f, "<tr><td class=\"c\">%d</td><td>", r->rank);
        unit_link(f, &b->units[r->unit]);
        fputs("</td>", f);
        num(f, r->total, b->rounding, 0);
        for (int k = 0; k < b->nparts; k++) num(f, r->parts[k], b->rounding, 0);
        num(f, r->change, b->rounding, 1);
        mark_cell(f, r->movement, r->mark);
        fputs("<td class=\"c\">", f);
        esc(f, r->band ? r->band : "—");
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

static void group_section(FILE *f, const pg_bulletin *b, int gi)
{
    const pg_bl_group *g = &b->groups[gi];
    fputs("<section class=\"group\" id=\"g-", f);
    esc(f, g->id);
    fputs("\"><h2>", f);
    esc(f, g->name);
    fputs("排名</h2>\n", f);
    const char **labels = calloc((size_t)g->nrows + 1, sizeof(char *));
    const char **marks = calloc((size_t)g->nrows + 1, sizeof(char *));
    double *v = calloc((size_t)g->nrows + 1, sizeof(double));
    for (int i = 0; i < g->nrows; i++) {
        labels[i] = b->units[g->rows[i].unit].name;
        marks[i] = g->rows[i].mark;
        v[i] = g->rows[i].total;
    }
    ranking_table(f, b, g);
    char *title = pg_xasprintf("%s总分", g->name);
    pg_svg_bars(f, title, labels, v, marks, g->nrows, b->max, b->rounding, "bar");
    free(title);
    free(labels);
    free(marks);
    free(v);
    if (g->nimproved) {
        fputs("<h3>进步最大的单位</h3>\n<ol>\n", f);
        for (int i = 0; i < g->nimproved; i++) {
            const pg_bl_row *r = &g->rows[g->improved[i]];
            fputs("<li>", f);
            unit_link(f, &b->units[r->unit]);
            fprintf(f, "：%.*f 分，比上期 %+.*f 分，排名 %s</li>\n", b->rounding, r->total,
                    b->rounding, r->change, r->mark);
        }
        fputs("</ol>\n", f);
    }
    if (g->nunranked) {
        fputs("<h3>未参与排名的单位</h3>\n<ul>\n", f);
        for (int i = 0; i < g->nunranked; i++) {
            fputs("<li>", f);
            esc(f, b->units[g->unranked[i].unit].name);
            fprintf(f, "：%s</li>\n", reason_words(g->unranked[i].reason));
        }
        fputs("</ul>\n", f);
    }
    if (g->nno_business) {
        fputs("<h3>本期无业务的单位与指标</h3>\n<p class=\"meta\">以下指标本期无业务，不计分，"
              "其分值按比例分配给同级指标。</p>\n<table><thead><tr><th>单位</th><th>无业务指标"
              "</th></tr></thead><tbody>\n",
              f);
        for (int i = 0; i < g->nno_business; i++) {
            fputs("<tr><td>", f);
            esc(f, b->units[g->no_business[i].unit].name);
            fputs("</td><td>", f);
            esc(f, g->no_business[i].indicators);
            fputs("</td></tr>\n", f);
        }
        fputs("</tbody></table>\n", f);
    }
    fputs("</section>\n", f);
}

static void composite_section(FILE *f, const pg_bulletin *b)
{
    fputs("<section class=\"composite\" id=\"composite\"><h2>年度综合评分的计算</h2>\n<p>", f);
    esc(f, b->composite);
    fputs("</p>\n<table><thead><tr><th>单位</th><th>计算</th><th>总分</th></tr></thead><tbody>\n",
          f);
    for (int g = 0; g < b->ngroups; g++)
        for (int i = 0; i < b->groups[g].nrows; i++) {
            const pg_bl_unit *u = &b->units[b->groups[g].rows[i].unit];
            fputs("<tr><td>", f);
            unit_link(f, u);
            fputs("</td><td>", f);
            esc(f, u->composite ? u->composite : "—");
            fputs("</td>", f);
            num(f, u->total, b->rounding, 0);
            fputs("</tr>\n", f);
        }
    fputs("</tbody></table>\n</section>\n", f);
}

/* The months a composite averages, shaded in the trend: from the part that aggregates the
 * trend scheme. */
static void averaged_months(const pg_bulletin *b, int *from, int *to)
{
    *from = *to = 0;
    for (int k = 0; k < b->nparts; k++)
        if (b->parts[k].scheme && b->trend_scheme &&
            strcmp(b->parts[k].scheme, b->trend_scheme) == 0) {
            *from = b->parts[k].month_from ? b->parts[k].month_from : 1;
            *to = b->parts[k].month_to ? b->parts[k].month_to : b->ntrend;
            if (*to > b->ntrend) *to = b->ntrend;
        }
}

static void lost_table(FILE *f, const pg_bulletin *b, const pg_bl_unit *u)
{
    fputs("<table class=\"lost\"><thead><tr><th>指标</th><th>满分</th><th>得分</th>"
          "<th>失分</th><th>原因</th><th>数据</th></tr></thead><tbody>\n",
          f);
    for (int k = 0; k < b->nparts; k++) {
        double sum = 0;
        int any = 0;
        for (int i = 0; i < u->nlost; i++) {
            const pg_bl_lost *l = &u->lost[i];
            if (l->part != k) continue;
            any = 1;
            sum += l->lost;
            fputs("<tr><td><a href=\"", f);
            esc(f, l->doc);
            fputs("\">", f);
            esc(f, l->name);
            fputs("</a></td>", f);
            num(f, l->max, 2, 0);
            num(f, l->got, 2, 0);
            num(f, l->lost, 2, 0);
            fputs("<td>", f);
            esc(f, l->why);
            fputs("</td><td>", f);
            if (l->metric_name) {
                esc(f, l->metric_name);
                fputs("：", f);
                esc(f, l->value_text ? l->value_text : "无数据");
                if (isfinite(l->n)) fprintf(f, "（样本 %g）", l->n);
            } else
                fputs("—", f);
            fputs("</td></tr>\n", f);
        }
        if (!any) continue;
        fputs("<tr class=\"sum\"><th colspan=\"3\">", f);
        esc(f, b->parts[k].name);
        fputs("失分合计</th>", f);
        num(f, sum, 2, 0);
        fputs("<td colspan=\"2\"></td></tr>\n", f);
    }
    fputs("</tbody></table>\n<p class=\"meta\">满分、得分为指标本身的分值；失分折算到所属部分"
          "（部分指标不适用或无业务时，其余指标按比例放大）。</p>\n",
          f);
}

static void unit_section(FILE *f, const pg_bulletin *b, const pg_bl_unit *u)
{
    fputs("<section class=\"unit\" id=\"u-", f);
    esc(f, u->id);
    fputs("\"><h4>", f);
    esc(f, u->name);
    fputs("</h4>\n<p>", f);
    if (u->rank) {
        fprintf(f, "总分 <b>%.*f</b>，", b->rounding, u->total);
        esc(f, b->groups[u->group].name);
        fprintf(f, "第 %d 名", u->rank);
        if (u->mark) {
            fputs("（", f);
            esc(f, u->mark);
            fputs("）", f);
        }
        if (u->band) {
            fputs("，等次：", f);
            esc(f, u->band);
        }
        if (isfinite(u->change)) fprintf(f, "，环比 %+.*f 分", b->rounding, u->change);
    } else
        fputs("本期未参与排名", f);
    for (int k = 0; k < b->nparts; k++) {
        fputs("；", f);
        esc(f, b->parts[k].name);
        if (isfinite(u->parts[k]))
            fprintf(f, " %.*f", b->rounding, u->parts[k]);
        else
            fputs(" —", f);
    }
    fputs("。</p>\n", f);
    if (u->note) {
        fputs("<p class=\"meta\">", f);
        esc(f, u->note);
        fputs("</p>\n", f);
    }
    if (u->composite) {
        fputs("<p>年度综合评分：", f);
        esc(f, u->composite);
        fputs("</p>\n", f);
    }
    int points = 0;
    for (int m = 0; u->trend && m < b->ntrend; m++) points += isfinite(u->trend[m]);
    if (points >= 2 || (b->year_report && points)) {
        int from, to;
        averaged_months(b, &from, &to);
        char *title = pg_xasprintf("%s月度得分走势", u->name);
        fputs("<p class=\"meta\">月度得分走势", f);
        if (from) fprintf(f, "（底色为计入年度平均的 %d–%d 月）", from, to);
        fputs("</p>\n", f);
        pg_svg_trend(f, title, b->trend_periods, u->trend, b->ntrend, 100, !b->year_report, from,
                     to);
        free(title);
    }
    if (u->nlost) {
        int n = u->nlost < 10 ? u->nlost : 10;
        const char **labels = calloc((size_t)n, sizeof(char *));
        double *v = calloc((size_t)n, sizeof(double)), max = 0;
        for (int i = 0; i < n; i++) {
            labels[i] = u->lost[i].name;
            v[i] = u->lost[i].lost;
            if (v[i] > max) max = v[i];
        }
        char *title = pg_xasprintf("%s失分最多的指标", u->name);
        pg_svg_bars(f, title, labels, v, NULL, n, max, 2, "lost");
        free(title);
        free(labels);
        free(v);
        lost_table(f, b, u);
    } else if (u->rank && !u->composite)
        /* a composite has no indicators of its own: its losses are in the schemes it
         * aggregates, reported on their own */
        fputs("<p>各项指标均未失分。</p>\n", f);
    fputs("</section>\n", f);
}

static void head(FILE *f, const pg_bulletin *b, int analysis)
{
    fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\"/>\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>",
          f);
    esc(f, b->ruleset_name);
    fputs(" — ", f);
    esc(f, b->title);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>", style);
    esc(f, b->ruleset_name);
    fputs("</h1>\n<p class=\"sub\">", f);
    esc(f, b->title);
    fputs("</p>\n<p class=\"meta\">评估期：", f);
    esc(f, b->period);
    if (b->previous_period) {
        fputs("；环比与排名变动对比：", f);
        esc(f, b->previous_period);
    }
    fputs("；规则版本：", f);
    fprintf(f, "%.12s", b->revision ? b->revision : "");
    fputs("。</p>\n<p class=\"meta\">总分构成：", f);
    for (int k = 0; k < b->nparts; k++) {
        if (k) fputs("，", f);
        esc(f, b->parts[k].name);
        fprintf(f, " × %g", b->parts[k].weight);
    }
    fputs("。</p>\n", f);
    for (int i = 0; i < b->nnotes; i++) {
        fputs("<p class=\"meta note\">说明：", f);
        esc(f, b->notes[i]);
        fputs("</p>\n", f);
    }
    fputs("<p class=\"legend\">排名变动：↑n 上升 n 位，↓n 下降 n 位，= 持平，"
          "新 无上期排名。各指标的评分标准见<a href=\"doc/",
          f);
    esc(f, b->ngroups ? b->groups[0].id : "");
    fputs(".html\">指标说明</a>。</p>\n<ul class=\"toc\">\n", f);
    for (int g = 0; g < b->ngroups; g++) {
        fputs("<li><a href=\"#g-", f);
        esc(f, b->groups[g].id);
        fputs("\">", f);
        esc(f, b->groups[g].name);
        fputs("排名</a></li>\n", f);
    }
    if (b->composite) fputs("<li><a href=\"#composite\">年度综合评分的计算</a></li>\n", f);
    if (analysis) fputs("<li><a href=\"#analysis\">指标分析与排名稳定性</a></li>\n", f);
    fputs("<li><a href=\"#units\">各单位失分明细</a></li>\n</ul>\n</header>\n", f);
}

static void write_page(FILE *f, const pg_bulletin *b, const char *extra)
{
    head(f, b, extra && strstr(extra, "id=\"analysis\""));
    for (int g = 0; g < b->ngroups; g++) group_section(f, b, g);
    if (b->composite) composite_section(f, b);
    if (extra) fputs(extra, f);
    fputs("<section class=\"units\" id=\"units\"><h2>各单位失分明细</h2>\n", f);
    for (int g = 0; g < b->ngroups; g++) {
        fputs("<h3>", f);
        esc(f, b->groups[g].name);
        fputs("</h3>\n", f);
        for (int i = 0; i < b->groups[g].nrows; i++)
            unit_section(f, b, &b->units[b->groups[g].rows[i].unit]);
        for (int i = 0; i < b->groups[g].nunranked; i++)
            unit_section(f, b, &b->units[b->groups[g].unranked[i].unit]);
    }
    fputs("</section>\n</body>\n</html>\n", f);
}

int pg_bulletin_html(const pg_bulletin *b, const char *dir, FILE *list)
{
    return pg_bulletin_html_with(b, NULL, dir, list);
}

int pg_bulletin_html_with(const pg_bulletin *b, const char *extra, const char *dir, FILE *list)
{
    char *path = pg_xasprintf("%s/%s.html", dir, b->basename);
    FILE *f = fopen(path, "w");
    int rc = f ? 0 : -errno;
    if (f) {
        write_page(f, b, extra);
        if (ferror(f)) rc = -EIO;
        if (fclose(f) != 0 && rc == 0) rc = -errno;
    }
    if (rc == 0 && list) fprintf(list, "%s\n", path);
    free(path);
    return rc;
}
