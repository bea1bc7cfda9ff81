/* report_html.c — a bulletin as one self-contained HTML page for screen and print
 * (`pinggu report --format html`): <basename>.html.
 *
 * Laid out as the 通报 a leader reads: page 1 is the notice itself (issuer, 文号 and date,
 * a correction's reason, the generated 总体情况, the rankings with their bands coloured and
 * named, the signature), and the detail follows as annexes: each unit's lost points, the units
 * not ranked and the exemptions, the charts and how the total is made. Printed on A4 with page
 * numbers; a unit's heading never ends a page alone and its name heads every page its table
 * continues onto.
 *
 * Everything is inline — the style sheet, the charts (svg_chart.c) — and nothing is fetched,
 * so a page mailed to a county office or opened offline looks the same. Fonts are the Noto CJK
 * faces Debian ships (fonts-noto-cjk), with the usual Windows and macOS faces as fallbacks.
 * Movement is marked with ↑ ↓ = 新 and bands by their names, readable without colour.
 * Indicator names link to the documentation `pinggu report` writes into doc/. Every string
 * from the rule set or the data is escaped. */
#include "report.h"
#include "svg_chart.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char style[] =
    "@page{size:A4;margin:16mm 14mm 18mm;@bottom-center{content:\"第 \" counter(page) \" 页 共 \" "
    "counter(pages) \" 页\";font-size:9pt;color:#444}}\n"
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
    "table.lost{font-size:9pt}table.lost td:first-child{min-width:8em}\n"
    "thead{display:table-header-group}\n"
    "tr{break-inside:avoid}\n"
    "td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "td.c{text-align:center;white-space:nowrap}\n"
    ".up{color:#1a7f37}.down{color:#c62828}.same{color:#555}.new{color:#555}\n"
    "svg.chart{width:100%;height:auto;display:block;margin:2mm 0;font-size:11px}\n"
    "svg.chart.small{width:60%}\n"
    "svg .bar{fill:#4a78b0}svg .lost{fill:#b35a12}svg .lbl,svg .val,svg .axis{fill:#222}\n"
    "svg .axis{font-size:10px}svg .grid{stroke:#ddd}svg .avg{fill:#f3ecd8}\n"
    "svg .line{fill:none;stroke:#4a78b0;stroke-width:2}svg .pt{fill:#4a78b0}\n"
    "a{color:inherit}\n"
    ".legend{font-size:9pt;color:#333}\n"
    ".issuer{text-align:center;color:#c00;font-size:22pt;font-weight:700;letter-spacing:2px;"
    "margin:8mm 0 2mm;font-family:\"Noto Serif CJK SC\",SimSun,serif}\n"
    ".number{text-align:center;margin:0 0 2mm}\n"
    "hr.red{border:0;border-top:2px solid #c00;margin:0 0 6mm}\n"
    ".draft{border:1px dashed #999;padding:2mm 3mm;color:#444;text-align:center}\n"
    ".correction{border:2px solid #c00;padding:2mm 3mm;margin:3mm 0}\n"
    ".summary p{text-indent:2em;margin:1.5mm 0}\n"
    ".sign{text-align:right;margin:10mm 4mm 6mm;line-height:2}\n"
    "ol.annex{margin:2mm 0 0;padding-left:5em}\n"
    "td.band-good{background:#dff3e3}td.band-mid{background:#fff3cd}td.band-bad{background:#fbe0e0}"
    "\n"
    "section.notice{break-before:auto;page-break-before:auto}\n"
    "section.unit h4{break-after:avoid}\n"
    "div.uhead{break-inside:avoid;break-after:avoid}\n"
    "th.uname{background:#fff;text-align:left;border:0;border-bottom:1px solid #999;"
    "font-weight:400;color:#444}\n"
    "@media print{a{text-decoration:none}}\n"
    /* a caption for screen readers where a heading above the table already says it */
    "caption.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);"
    "white-space:nowrap}\n"
    /* a phone (the leaders read the 通报 there): the A4 margins go, type stays readable, and a
       wide table scrolls in its own box instead of squeezing names to a character a line */
    "@media screen and (max-width:600px){body{font-size:15px;padding:0 10px;max-width:none}"
    "h1{font-size:19px;margin:16px 0 6px}h2{font-size:17px}.issuer{font-size:20px}"
    "table{display:block;overflow-x:auto;font-size:13px;width:auto;max-width:100%}"
    "th,td{white-space:nowrap}svg.chart.small{width:100%}ol.annex{padding-left:2em}"
    ".sign{margin:16px 0}}\n";

static void esc(FILE *f, const char *s)
{
    pg_xml_text(f, s);
}

/* A number cell: right-aligned, "—" where there is none; rounded as the rule set rounds. */
static void num(FILE *f, const pg_bulletin *b, double v, int digits, int sign)
{
    if (!isfinite(v))
        fputs("<td class=\"n\">—</td>", f);
    else
        fprintf(f, sign ? "<td class=\"n\">%+.*f</td>" : "<td class=\"n\">%.*f</td>", digits,
                pg_bl_round(b, v, digits));
}

/* A figure in running text at the bulletin's digits, rounded as the rule set rounds. */
static void fig(FILE *f, const pg_bulletin *b, const char *fmt, double v)
{
    fprintf(f, fmt, b->rounding, pg_bl_round(b, v, b->rounding));
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
    return strcmp(reason, "not_ranked") == 0    ? "不参与排名"
           : strcmp(reason, "no_business") == 0 ? "本期无业务"
           : strcmp(reason, "error") == 0       ? "计分出错"
                                                : "无数据";
}

/* A group with more units than this keeps its units' detail out of the main document: it goes
 * to a file of its own, <basename>-units-<group>.html (issue 19 §7), and its chart shows the
 * first and last PG_BL_ENDS and the distribution instead of a bar per unit. */
#define PG_BL_ANNEX_UNITS 50
#define PG_BL_ENDS 10

static int large(const pg_bl_group *g)
{
    return g->nrows + g->nunranked > PG_BL_ANNEX_UNITS;
}

/* The name of group g's annex file (malloc'd), or NULL when its units stay in the main
 * document. */
static char *annex_file(const pg_bulletin *b, int g)
{
    return large(&b->groups[g]) ? pg_xasprintf("%s-units-%s.html", b->basename, b->groups[g].id)
                                : NULL;
}

/* A link to the unit's section: in this page, or in its group's annex file. */
static void unit_link_in(FILE *f, const pg_bulletin *b, const pg_bl_unit *u, int here)
{
    char *file = here ? NULL : annex_file(b, u->group);
    fputs("<a href=\"", f);
    if (file) esc(f, file);
    free(file);
    fputs("#u-", f);
    esc(f, u->id);
    fputs("\">", f);
    esc(f, u->name);
    fputs("</a>", f);
}

static void unit_link(FILE *f, const pg_bulletin *b, const pg_bl_unit *u)
{
    unit_link_in(f, b, u, 0);
}

/* The band's colour by its place: the best green, the worst red, the others amber. */
static const char *band_class(const pg_bulletin *b, const char *band)
{
    for (int i = 0; band && i < b->nbands; i++)
        if (strcmp(b->bands[i], band) == 0)
            return i == 0 ? "band-good" : i == b->nbands - 1 ? "band-bad" : "band-mid";
    return "";
}

/* 环比 and movement only where there is a month to compare with: never 新 on every row. */
static void ranking_table(FILE *f, const pg_bulletin *b, const pg_bl_group *g)
{
    int prev = b->previous_period != NULL;
    fputs("<table class=\"ranking\"><thead><tr><th scope=\"col\">排名</th><th scope=\"col\">单位"
          "</th><th scope=\"col\">总分</th>",
          f);
    for (int k = 0; k < b->nparts; k++) {
        fputs("<th scope=\"col\">", f);
        esc(f, b->parts[k].name);
        fputs("</th>", f);
    }
    if (prev) fputs("<th scope=\"col\">环比（分）</th><th scope=\"col\">变动</th>", f);
    fputs("<th scope=\"col\">等次</th></tr></thead>\n<tbody>\n", f);
    for (int i = 0; i < g->nrows; i++) {
        const pg_bl_row *r = &g->rows[i];
        fprintf(f, "<tr><td class=\"c\">%d</td><td>", r->rank);
        unit_link(f, b, &b->units[r->unit]);
        fputs("</td>", f);
        num(f, b, r->total, b->rounding, 0);
        for (int k = 0; k < b->nparts; k++) num(f, b, r->parts[k], b->rounding, 0);
        if (prev) {
            num(f, b, r->change, b->rounding, 1);
            mark_cell(f, r->movement, r->mark);
        }
        fprintf(f, "<td class=\"c %s\">", band_class(b, r->band));
        esc(f, r->band ? r->band : "—");
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

/* A group declared ranked = false: its units' totals and parts, highest first, without a rank
 * (nor 环比 and movement, which compare ranks); captioned so that no one reads the order as a
 * ranking. */
static void observer_table(FILE *f, const pg_bulletin *b, const int *units, int n)
{
    fputs("<table class=\"ranking observers\"><caption>不参与排名（只评估，按总分从高到低列出）"
          "</caption><thead><tr><th scope=\"col\">单位</th><th scope=\"col\">总分</th>",
          f);
    for (int k = 0; k < b->nparts; k++) {
        fputs("<th scope=\"col\">", f);
        esc(f, b->parts[k].name);
        fputs("</th>", f);
    }
    fputs("<th scope=\"col\">等次</th></tr></thead>\n<tbody>\n", f);
    for (int i = 0; i < n; i++) {
        const pg_bl_unit *u = &b->units[units[i]];
        fputs("<tr><td>", f);
        unit_link(f, b, u);
        fputs("</td>", f);
        num(f, b, u->total, b->rounding, 0);
        for (int k = 0; k < b->nparts; k++) num(f, b, u->parts[k], b->rounding, 0);
        fprintf(f, "<td class=\"c %s\">", band_class(b, u->band));
        esc(f, u->band ? u->band : "—");
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

static void group_ranking(FILE *f, const pg_bulletin *b, int gi)
{
    const pg_bl_group *g = &b->groups[gi];
    fputs("<h3 id=\"g-", f);
    esc(f, g->id);
    fprintf(f, "\">（%d）", gi + 1);
    esc(f, g->name);
    fputs("</h3>\n", f);
    int *obs = pg_xcalloc((size_t)g->nunranked + 1, sizeof(int));
    int nobs = pg_bl_observers(b, gi, obs);
    if (g->nrows || !nobs) ranking_table(f, b, g);
    if (nobs) observer_table(f, b, obs, nobs);
    free(obs);
}

static void group_chart(FILE *f, const pg_bulletin *b, int gi)
{
    const pg_bl_group *g = &b->groups[gi];
    /* a ranked = false group: its units by total, without marks */
    int *obs = pg_xcalloc((size_t)g->nunranked + 1, sizeof(int));
    int nobs = g->nrows ? 0 : pg_bl_observers(b, gi, obs), n = g->nrows ? g->nrows : nobs;
    if (!n) {
        free(obs);
        return;
    }
    const char **labels = calloc((size_t)n + 1, sizeof(char *));
    const char **marks = calloc((size_t)n + 1, sizeof(char *));
    double *v = calloc((size_t)n + 1, sizeof(double));
    for (int i = 0; i < n; i++) {
        int u = g->nrows ? g->rows[i].unit : obs[i];
        labels[i] = b->units[u].name;
        marks[i] = b->previous_period && g->nrows ? g->rows[i].mark : NULL;
        v[i] = b->units[u].total;
    }
    free(obs);
    fputs("<h3>", f);
    esc(f, g->name);
    fputs("总分</h3>\n", f);
    if (n > PG_BL_ANNEX_UNITS) {
        /* a large group: the first and last ten and the distribution, not a bar per unit */
        char *title = pg_xasprintf("%s总分分布（%d 个单位）", g->name, n);
        fprintf(f,
                "<p class=\"meta\">本组 %d 个单位，下图为总分分布（每档 %g 分），其后为前 %d "
                "名与后 %d 名。</p>\n",
                n, b->max / 10, PG_BL_ENDS, PG_BL_ENDS);
        pg_svg_histogram(f, title, v, n, b->max);
        free(title);
        title = pg_xasprintf("%s总分前 %d 名", g->name, PG_BL_ENDS);
        pg_svg_bars(f, title, labels, v, marks, PG_BL_ENDS, b->max, b->rounding, b->rounding_mode,
                    "bar");
        free(title);
        title = pg_xasprintf("%s总分后 %d 名", g->name, PG_BL_ENDS);
        pg_svg_bars(f, title, labels + n - PG_BL_ENDS, v + n - PG_BL_ENDS, marks + n - PG_BL_ENDS,
                    PG_BL_ENDS, b->max, b->rounding, b->rounding_mode, "bar");
        free(title);
        free(labels);
        free(marks);
        free(v);
        return;
    }
    char *title = pg_xasprintf("%s总分", g->name);
    pg_svg_bars(f, title, labels, v, marks, n, b->max, b->rounding, b->rounding_mode, "bar");
    free(title);
    free(labels);
    free(marks);
    free(v);
}

/* The units not ranked and the indicators without business, of one group; 0 when none. */
static int group_exemptions(FILE *f, const pg_bulletin *b, int gi)
{
    const pg_bl_group *g = &b->groups[gi];
    if (!g->nunranked && !g->nno_business) return 0;
    fputs("<h3>", f);
    esc(f, g->name);
    fputs("</h3>\n", f);
    if (g->nunranked) {
        fputs("<p>未参与排名：</p>\n<ul>\n", f);
        for (int i = 0; i < g->nunranked; i++) {
            const pg_bl_unit *u = &b->units[g->unranked[i].unit];
            fputs("<li>", f);
            esc(f, u->name);
            fprintf(f, "：%s", reason_words(g->unranked[i].reason));
            /* an observer unit (ranked = false) is still evaluated: its total is news */
            if (strcmp(g->unranked[i].reason, "not_ranked") == 0 && isfinite(u->total)) {
                fig(f, b, "（总分 %.*f", u->total);
                if (u->band) fputs("，", f), esc(f, u->band);
                fputs("）", f);
            }
            fputs("</li>\n", f);
        }
        fputs("</ul>\n", f);
    }
    if (g->nno_business) {
        fputs("<p>本期无业务、不计分的指标（其分值按比例分配给同级指标）：</p>\n<table>", f);
        fputs("<caption class=\"sr\">", f);
        esc(f, g->name);
        fputs("本期无业务、不计分的指标</caption><thead><tr>"
              "<th scope=\"col\">单位</th><th scope=\"col\">无业务指标</th></tr></thead><tbody>\n",
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
    return 1;
}

static void composite_table(FILE *f, const pg_bulletin *b)
{
    fputs("<p>", f);
    esc(f, b->composite);
    fputs("</p>\n<table><caption class=\"sr\">各单位年度综合评分的计算</caption><thead><tr>"
          "<th scope=\"col\">单位</th><th scope=\"col\">计算</th>"
          "<th scope=\"col\">总分</th></tr></thead><tbody>\n",
          f);
    for (int g = 0; g < b->ngroups; g++)
        for (int i = 0; i < b->groups[g].nrows; i++) {
            const pg_bl_unit *u = &b->units[b->groups[g].rows[i].unit];
            fputs("<tr><td>", f);
            unit_link(f, b, u);
            fputs("</td><td>", f);
            esc(f, u->composite ? u->composite : "—");
            fputs("</td>", f);
            num(f, b, u->total, b->rounding, 0);
            fputs("</tr>\n", f);
        }
    fputs("</tbody></table>\n", f);
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

/* Lost points on the total's scale first (what the unit's total lost), on the part's scale
 * beside it. The unit's name heads the table, so a page it continues onto still says whose. */
static void lost_table(FILE *f, const pg_bulletin *b, const pg_bl_unit *u)
{
    fputs("<table class=\"lost\"><caption class=\"sr\">", f);
    esc(f, u->name);
    fputs("失分明细</caption><thead><tr><th class=\"uname\" colspan=\"7\">", f);
    esc(f, u->name);
    fputs(" 失分明细</th></tr><tr><th scope=\"col\">指标</th><th scope=\"col\">满分</th>"
          "<th scope=\"col\">得分</th><th scope=\"col\">失分<br/>（总分）</th>"
          "<th scope=\"col\">失分<br/>（本部分）</th><th scope=\"col\">原因</th>"
          "<th scope=\"col\">数据</th></tr></thead><tbody>\n",
          f);
    for (int k = 0; k < b->nparts; k++) {
        double sum = 0, sum_total = 0;
        int any = 0;
        for (int i = 0; i < u->nlost; i++) {
            const pg_bl_lost *l = &u->lost[i];
            if (l->part != k) continue;
            any = 1;
            sum += l->lost;
            sum_total += l->lost_total;
            fputs("<tr><td><a href=\"", f);
            esc(f, l->doc);
            fputs("\">", f);
            esc(f, l->name);
            fputs("</a></td>", f);
            num(f, b, l->max, 2, 0);
            num(f, b, l->got, 2, 0);
            num(f, b, l->lost_total, 2, 0);
            num(f, b, l->lost, 2, 0);
            fputs("<td>", f);
            esc(f, l->why);
            fputs("</td><td>", f);
            if (l->metric_name) {
                if (strcmp(l->metric_name, l->name) != 0) { /* the indicator's name says it */
                    esc(f, l->metric_name);
                    fputs("：", f);
                }
                esc(f, l->value_text ? l->value_text : "无数据");
                if (isfinite(l->n)) fprintf(f, "，样本 %g", l->n);
            } else
                fputs("—", f);
            fputs("</td></tr>\n", f);
        }
        if (!any) continue;
        fputs("<tr class=\"sum\"><th colspan=\"3\" scope=\"row\">", f);
        esc(f, b->parts[k].name);
        fputs("失分合计</th>", f);
        num(f, b, sum_total, 2, 0);
        num(f, b, sum, 2, 0);
        fputs("<td colspan=\"2\"></td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

static void unit_section(FILE *f, const pg_bulletin *b, const pg_bl_unit *u)
{
    fputs("<section class=\"unit\" id=\"u-", f);
    esc(f, u->id);
    fputs("\"><div class=\"uhead\"><h4>", f);
    esc(f, u->name);
    fputs("</h4>\n<p>", f);
    if (u->rank) {
        fig(f, b, "总分 <b>%.*f</b>，", u->total);
        esc(f, b->groups[u->group].name);
        fprintf(f, "第 %d 名", u->rank);
        if (u->mark && b->previous_period) {
            fputs("（", f);
            esc(f, u->mark);
            fputs("）", f);
        }
        if (u->band) {
            fputs("，等次：", f);
            esc(f, u->band);
        }
        if (isfinite(u->change)) fig(f, b, "，环比 %+.*f 分", u->change);
    } else if (isfinite(u->total)) { /* a unit of a ranked = false group */
        fig(f, b, "总分 <b>%.*f</b>，不参与排名", u->total);
        if (u->band) fputs("，等次：", f), esc(f, u->band);
    } else
        fputs("本期未参与排名", f);
    for (int k = 0; k < b->nparts; k++) {
        fputs("；", f);
        esc(f, b->parts[k].name);
        if (isfinite(u->parts[k]))
            fig(f, b, " %.*f", u->parts[k]);
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
                     to, b->rounding, b->rounding_mode);
        free(title);
    }
    fputs("</div>\n", f);
    if (u->nlost) {
        lost_table(f, b, u);
    } else if (u->rank && !u->composite)
        /* a composite has no indicators of its own: its losses are in the schemes it
         * aggregates, reported on their own */
        fputs("<p>各项指标均未失分。</p>\n", f);
    fputs("</section>\n", f);
}

static void head(FILE *f, const pg_bulletin *b)
{
    fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\"/>\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>",
          f);
    esc(f, b->ruleset_name);
    fputs(" — ", f);
    esc(f, b->title);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", style);
}

/* Page 1 is the 通报 itself: who issues it, its number and date, what changed if it is a
 * correction, the 总体情况, the rankings with their bands, the signature and the list of
 * annexes. Everything a reader needs for detail is in the annexes. */
static void notice(FILE *f, const pg_bulletin *b, int analysis, int issues, int overdue)
{
    fputs("<section class=\"notice\"><header>\n", f);
    if (b->issuer) {
        fputs("<p class=\"issuer\">", f);
        esc(f, b->issuer);
        fputs("</p>\n", f);
    }
    if (b->number) {
        fputs("<p class=\"number\">", f);
        esc(f, b->number);
        fputs("</p>\n", f);
    }
    if (b->issuer || b->number) fputs("<hr class=\"red\"/>\n", f);
    fputs("<h1>", f);
    esc(f, b->ruleset_name);
    fputs("</h1>\n<p class=\"sub\">", f);
    esc(f, b->title);
    fputs("</p>\n", f);
    if (b->edition == 0) {
        fputs("<p class=\"draft\">未发布稿，以正式通报为准（生成于", f);
        esc(f, b->issued_on);
        fputs("）</p>\n", f);
    } else if (b->edition > 1) {
        fprintf(f, "<div class=\"correction\"><b>更正版（第 %d 版）</b>：", b->edition);
        esc(f, b->correction ? b->correction : "");
        fputs("。更正日期：", f);
        esc(f, b->issued_on);
        fprintf(f, "。本版替代此前发布的第 %d 版，差异见更正说明。</div>\n", b->edition - 1);
    }
    fputs("</header>\n<h2>一、总体情况</h2>\n<div class=\"summary\">\n", f);
    fputs("<p>", f);
    esc(f, b->title);
    fputs("，评估期 ", f);
    esc(f, b->period);
    fputs("。总分构成：", f);
    for (int k = 0; k < b->nparts; k++) {
        if (k) fputs(" + ", f);
        esc(f, b->parts[k].name);
        fprintf(f, " × %g", b->parts[k].weight);
    }
    fputs("。</p>\n", f);
    for (int g = 0; g < b->ngroups; g++) {
        fputs("<p>", f);
        esc(f, b->groups[g].summary);
        fputs("</p>\n", f);
    }
    if (b->overdue_as_of && b->noverdue) {
        /* the 整改 loop on page 1: how many items are overdue, at how many units */
        int units = 0;
        for (int i = 0; i < b->noverdue; i++)
            units += i == 0 || b->overdue[i].unit != b->overdue[i - 1].unit;
        fputs("<p class=\"overdue\">整改情况：截至 ", f);
        esc(f, b->overdue_as_of);
        fprintf(f, "，%d 个单位共 %d 项问题已过整改期限未经核实，详见附件5。</p>\n", units,
                b->noverdue);
    }
    fputs("</div>\n<h2>二、排名情况</h2>\n", f);
    if (b->previous_period) {
        fputs("<p class=\"legend\">环比为与 ", f);
        esc(f, b->previous_period);
        fputs(" 相比总分的变化（分）；排名变动：↑n 上升 n 位，↓n 下降 n 位，= 持平，新 上期未排名。"
              "</p>\n",
              f);
    }
    for (int g = 0; g < b->ngroups; g++) group_ranking(f, b, g);
    fputs("<div class=\"sign\">", f);
    if (b->issuer) {
        esc(f, b->issuer);
        fputs("<br/>", f);
    }
    esc(f, b->issued_on);
    fputs("</div>\n<p>附件：</p>\n<ol class=\"annex\">\n"
          "<li><a href=\"#units\">各单位失分明细</a></li>\n"
          "<li><a href=\"#exemptions\">未排名、无业务与特别计分情况</a></li>\n"
          "<li><a href=\"#method\">得分分布与计分说明</a></li>\n",
          f);
    if (issues) fputs("<li><a href=\"#issues\">问题清单</a></li>\n", f);
    if (overdue) fputs("<li><a href=\"#overdue\">整改逾期与连续失分</a></li>\n", f);
    if (analysis) fputs("<li><a href=\"#analysis\">指标分析与排名稳定性</a></li>\n", f);
    fputs("</ol>\n</section>\n", f);
}

static const char units_legend[] =
    "<p class=\"meta\">满分、得分为指标本身的分值。失分（总分）是单位总分因该指标失去的分数，"
    "各项相加即总分的失分；失分（本部分）是在所属部分内折算的分数（部分指标不适用或无业务时，"
    "其余指标按比例放大）。按失分（总分）从多到少排列。</p>\n";

/* The sections of group g's units: the ranked in rank order, then the others. */
static void group_units(FILE *f, const pg_bulletin *b, int g)
{
    for (int i = 0; i < b->groups[g].nrows; i++)
        unit_section(f, b, &b->units[b->groups[g].rows[i].unit]);
    for (int i = 0; i < b->groups[g].nunranked; i++)
        unit_section(f, b, &b->units[b->groups[g].unranked[i].unit]);
}

static void annex_units(FILE *f, const pg_bulletin *b)
{
    fputs("<section class=\"units\" id=\"units\"><h2>附件1　各单位失分明细</h2>\n", f);
    fputs(units_legend, f);
    for (int g = 0; g < b->ngroups; g++) {
        fputs("<h3>", f);
        esc(f, b->groups[g].name);
        fputs("</h3>\n", f);
        char *file = annex_file(b, g);
        if (file) { /* a large group: its units' detail is a document of its own */
            fprintf(f, "<p>本组 %d 个单位，各单位失分明细另见附件文件《<a href=\"",
                    b->groups[g].nrows + b->groups[g].nunranked);
            esc(f, file);
            fputs("\">", f);
            esc(f, b->groups[g].name);
            fputs("各单位失分明细</a>》（", f);
            esc(f, file);
            fputs("）。</p>\n", f);
            free(file);
            continue;
        }
        group_units(f, b, g);
    }
    fputs("</section>\n", f);
}

/* Group g's annex file: a printable page of its own with the units' sections. Returns 0 or a
 * negative errno. */
static int write_group_annex(const pg_bulletin *b, int g, const char *dir, FILE *list)
{
    char *name = annex_file(b, g), *path = pg_xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    int rc = f ? 0 : -errno;
    if (f) {
        head(f, b);
        fputs("<section class=\"units notice\" id=\"units\"><h1>", f);
        esc(f, b->groups[g].name);
        fputs("各单位失分明细</h1>\n<p class=\"sub\">", f);
        esc(f, b->title);
        fputs("　附件1（分册）</p>\n", f);
        fputs(units_legend, f);
        group_units(f, b, g);
        fputs("</section>\n</body>\n</html>\n", f);
        if (ferror(f)) rc = -EIO;
        if (fclose(f) != 0 && rc == 0) rc = -errno;
    }
    if (rc == 0 && list) fprintf(list, "%s\n", path);
    free(path);
    free(name);
    return rc;
}

static void annex_exemptions(FILE *f, const pg_bulletin *b)
{
    fputs("<section class=\"exemptions\" id=\"exemptions\"><h2>附件2　未排名、无业务与特别计分"
          "情况</h2>\n",
          f);
    int any = 0;
    for (int g = 0; g < b->ngroups; g++) any |= group_exemptions(f, b, g);
    for (int i = 0; i < b->nnotes; i++) {
        fputs("<p>", f);
        esc(f, b->notes[i]);
        fputs("</p>\n", f);
        any = 1;
    }
    if (!any) fputs("<p>本期所有单位均参与排名，无无业务指标与特别计分。</p>\n", f);
    fputs("</section>\n", f);
}

static void annex_method(FILE *f, const pg_bulletin *b)
{
    fputs("<section class=\"method\" id=\"method\"><h2>附件3　得分分布与计分说明</h2>\n"
          "<p>评估期：",
          f);
    esc(f, b->period);
    fputs("；规则集：", f);
    esc(f, b->ruleset_id);
    fprintf(f, "，规则版本：%.12s。各指标的评分标准见<a href=\"doc/",
            b->revision ? b->revision : "");
    esc(f, b->ngroups ? b->groups[0].id : "");
    fputs(".html\">指标说明</a>。</p>\n", f);
    if (b->composite) {
        fputs("<h3 id=\"composite\">年度综合评分的计算</h3>\n", f);
        composite_table(f, b);
    }
    for (int g = 0; g < b->ngroups; g++) group_chart(f, b, g);
    fputs("</section>\n", f);
}

/* extra: sections a caller adds as the last annexes (the 问题清单, the annual report's analysis).
 */
static void write_page(FILE *f, const pg_bulletin *b, const char *extra)
{
    head(f, b);
    notice(f, b, extra && strstr(extra, "id=\"analysis\""), extra && strstr(extra, "id=\"issues\""),
           extra && strstr(extra, "id=\"overdue\""));
    annex_units(f, b);
    annex_exemptions(f, b);
    annex_method(f, b);
    if (extra) fputs(extra, f);
    fputs("</body>\n</html>\n", f);
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
    for (int g = 0; g < b->ngroups && rc == 0; g++)
        if (large(&b->groups[g])) rc = write_group_annex(b, g, dir, list);
    return rc;
}
