/* doc.c — indicator documentation in Markdown and HTML (see report.h).
 *
 * Both formats are written by the same walk over the rule set; the few places where they
 * differ (headings, anchors, links, list items, escaping) go through small emitters, so the
 * two can never say different things. The method is described from the parsed pg_method, not
 * from the author's `standard` text, so a threshold changed in Lua without updating the prose
 * shows up as a contradiction a reader can spot. */
#include "report.h"
#include "base.h"
#include "score.h"

#include <errno.h>
#include <lauxlib.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- a growing string ---- */

typedef struct {
    char *s;
    size_t len, cap;
} strbuf;

static void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (b->len + (size_t)n + 1 > b->cap) {
        b->cap = (b->len + (size_t)n + 1) * 2;
        b->s = pg_xrealloc(b->s, b->cap);
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static char *sb_take(strbuf *b)
{
    return b->s ? b->s : pg_xstrdup("");
}

/* ---- values and words ---- */

const char *pg_doc_value(const pg_ruleset *rs, int m, double v, char *buf)
{
    const char *unit = m >= 0 && rs->metrics[m].unit ? rs->metrics[m].unit : "";
    if (strcmp(unit, "share") == 0)
        snprintf(buf, 64, "%.10g%%", pg_round(v * 100, 6));
    else if (strcmp(unit, "hours") == 0)
        snprintf(buf, 64, "%g 小时", v);
    else if (strcmp(unit, "days") == 0)
        snprintf(buf, 64, "%g 天", v);
    else if (strcmp(unit, "count") == 0)
        snprintf(buf, 64, "%g 件", v);
    else if (strcmp(unit, "score") == 0)
        snprintf(buf, 64, "%g 分", v);
    else if (strcmp(unit, "flag") == 0 || !*unit)
        snprintf(buf, 64, "%g", v);
    else
        snprintf(buf, 64, "%g %s", v, unit);
    return buf;
}

/* A share of the points: "满分", "不得分" or "90%". */
static const char *share_words(double s, char *buf)
{
    if (s >= 1) return "得满分";
    if (s <= 0) return "不得分";
    snprintf(buf, 64, "得 %.10g%%", pg_round(s * 100, 6));
    return buf;
}

/* What a leaf makes of its value before the method (transform, na_when, winsor), appended to
 * the method's words: the thresholds above are in the value's own units. */
static void value_words(strbuf *s, const pg_ruleset *rs, const pg_node *n)
{
    char a[64], b[64];
    if (n->has_transform) {
        if (!isnan(n->tf_floor) && !isnan(n->tf_cap))
            sb_printf(s, "；计分前数值限定在 %s 至 %s 之间",
                      pg_doc_value(rs, n->metric, n->tf_floor, a),
                      pg_doc_value(rs, n->metric, n->tf_cap, b));
        else if (!isnan(n->tf_floor))
            sb_printf(s, "；计分前低于 %s 的数值按 %s 计",
                      pg_doc_value(rs, n->metric, n->tf_floor, a), a);
        else if (!isnan(n->tf_cap))
            sb_printf(s, "；计分前高于 %s 的数值按 %s 计",
                      pg_doc_value(rs, n->metric, n->tf_cap, a), a);
        if (n->tf_log)
            sb_printf(s, "，再取自然对数（阈值同样取对数，如线性计分为 (ln 数值 − ln 下限) ÷ "
                         "(ln 上限 − ln 下限)）");
    }
    if (n->na_when_text)
        sb_printf(s, "；数值满足 %s 的不考核此项，分值按比例分配给同级指标", n->na_when_text);
    else if (n->nna_values) {
        sb_printf(s, "；数值为 ");
        for (int i = 0; i < n->nna_values; i++)
            sb_printf(s, "%s%.10g", i ? "、" : "", n->na_values[i]);
        sb_printf(s, " 的不考核此项，分值按比例分配给同级指标");
    }
    if (n->winsor > 0)
        sb_printf(s, "；本组数值先缩尾：两端各 %.10g%% 的单位按其内侧最近的数值计",
                  pg_round(n->winsor * 100, 6));
}

/* How a node with children combines them (aggregate), in words, with each child's weight. */
static void aggregate_words(strbuf *s, const pg_ruleset *rs, const pg_node *n, int g)
{
    static const char *const words[] = {
        [PG_OP_SUM] = "下级指标得分之和",
        [PG_OP_MEAN] = "下级指标得分率的加权算术平均 × 本项分值",
        [PG_OP_GEOMEAN] =
            "下级指标得分率的加权几何平均 × 本项分值（任一下级指标得 0 分则本项为 0）",
        [PG_OP_HARMONIC] =
            "下级指标得分率的加权调和平均 × 本项分值（任一下级指标得 0 分则本项为 0）",
        [PG_OP_MIN] = "下级指标得分率的最小值 × 本项分值"};
    sb_printf(s, "%s", words[n->op]);
    if (n->op == PG_OP_SUM || n->op == PG_OP_MIN) return;
    sb_printf(s, "；权重：");
    int first = 1;
    for (int k = 0; k < n->nchildren; k++) {
        const pg_node *kn = &rs->nodes[n->children[k]];
        if (g >= 0 && isnan(kn->points[g])) continue;
        sb_printf(s, "%s%s %g", first ? "" : "、", kn->name, isnan(kn->weight) ? 1 : kn->weight);
        first = 0;
    }
    sb_printf(s, "，在适用的下级指标间归一");
}

char *pg_doc_method_words(const pg_ruleset *rs, const pg_node *n, int g)
{
    const pg_method *m = &n->method;
    int mi = n->metric;
    double pts = g >= 0 ? n->points[g] : NAN;
    char a[64], b[64], c[64];
    strbuf s = {0};
    if (n->evaluator) {
        sb_printf(&s, "定性评价：按评估方录入的分值计（限本项分值内），理由随评分记录");
        return sb_take(&s);
    }
    if (n->veto) {
        sb_printf(&s, "单项否决：数据不为 0 时，该方案总分记 %g 分", n->veto_score);
        return sb_take(&s);
    }
    if (n->nchildren && !n->adjust) {
        aggregate_words(&s, rs, n, g);
        return sb_take(&s);
    }
    const char *ge = m->lower ? "≤" : "≥";
    switch (m->kind) {
    case PG_M_LINEAR:
        if (m->lower)
            sb_printf(&s, "线性计分（越低越好）：≤%s 得满分，≥%s 不得分，其间按线性插值计分",
                      pg_doc_value(rs, mi, m->lo, a), pg_doc_value(rs, mi, m->hi, b));
        else
            sb_printf(&s, "线性计分：≥%s 得满分，≤%s 不得分，其间按线性插值计分",
                      pg_doc_value(rs, mi, m->hi, a), pg_doc_value(rs, mi, m->lo, b));
        break;
    case PG_M_STEPS:
        sb_printf(&s, "分档计分%s：", m->lower ? "（越低越好）" : "");
        for (int i = 0; i < m->nsteps; i++)
            sb_printf(&s, "%s%s%s %s", i ? "；" : "", ge, pg_doc_value(rs, mi, m->step_at[i], a),
                      share_words(m->step_share[i], b));
        sb_printf(&s, "；其余%s", share_words(m->otherwise, c));
        break;
    case PG_M_TARGET:
        if (m->lower)
            sb_printf(&s, "达标计分（越低越好）：不超过 %s 得满分，超过的按 %s÷实际值 计分",
                      pg_doc_value(rs, mi, m->target, a), pg_doc_value(rs, mi, m->target, b));
        else
            sb_printf(&s, "达标计分：达到 %s 得满分，未达到的按 实际值÷%s 计分",
                      pg_doc_value(rs, mi, m->target, a), pg_doc_value(rs, mi, m->target, b));
        break;
    case PG_M_BEST_RATIO:
        sb_printf(&s, "%s",
                  m->lower ? "与本组最低值比较：按 本组最低值÷本单位值 计分，为 0 的得满分"
                           : "与本组最高值比较：按 本单位值÷本组最高值 计分");
        break;
    case PG_M_RANK:
        sb_printf(&s, "按本组排名计分%s：", m->lower ? "（数值越低名次越前）" : "");
        if (m->nshares) {
            for (int i = 0; i < m->nshares; i++)
                sb_printf(&s, "%s第 %d 名%s", i ? "，" : "", i + 1, share_words(m->shares[i], a));
            sb_printf(&s, "，其后%s；并列按同一名次计", share_words(m->rest, a));
        } else
            sb_printf(&s, "得分率 = (本组有数据单位数 − 名次) ÷ (本组有数据单位数 − 1)；"
                          "并列按同一名次计");
        break;
    case PG_M_MINMAX:
        sb_printf(&s, "按本组极差计分：得分率 = %s ÷ (本组最高 − 本组最低)，全组相同时得满分",
                  m->lower ? "(本组最高 − 本单位值)" : "(本单位值 − 本组最低)");
        break;
    case PG_M_ZSCORE:
        sb_printf(&s,
                  "按本组标准分计分：得分率 = %.10g%% %s %.10g%% × (本单位值 − 本组平均) ÷ "
                  "本组标准差，限定在 0–100%% 之间；全组相同时得 %.10g%%",
                  pg_round(m->base * 100, 6), m->lower ? "−" : "+", pg_round(m->per_sd * 100, 6),
                  pg_round(m->base * 100, 6));
        break;
    case PG_M_DEDUCT:
        if (m->free > 0)
            sb_printf(&s, "扣分：%s以内不扣分，超过的每 %s扣 %g 分，扣完本项分值为止",
                      pg_doc_value(rs, mi, m->free, a), pg_doc_value(rs, mi, 1, b), m->per);
        else
            sb_printf(&s, "扣分：每 %s扣 %g 分，扣完本项分值为止", pg_doc_value(rs, mi, 1, b),
                      m->per);
        break;
    case PG_M_PER_EVENT:
        sb_printf(&s, "%s：每 %s%s %g 分，最多%s %g 分", pts < 0 ? "减分" : "加分",
                  pg_doc_value(rs, mi, 1, b), pts < 0 ? "扣" : "加", m->per, pts < 0 ? "扣" : "加",
                  fabs(pts));
        break;
    case PG_M_FLAG:
        sb_printf(&s, "是否计分：数据不为 0（是）得满分，为 0（否）不得分");
        break;
    case PG_M_VALUE:
        if (m->scale == 1)
            sb_printf(&s, "按数值计分：得分率 = 数值，限定在 0–100%% 之间");
        else
            sb_printf(&s, "按数值计分：得分率 = 数值 × %g，限定在 0–100%% 之间", m->scale);
        break;
    case PG_M_CUSTOM:
        /* the words reach units and leaders, so no file path of the server: the author finds
           the function from the indicator's id (pinggu check, the rules tab) */
        sb_printf(&s, "自定义计分，见评分标准");
        break;
    case PG_M_NONE:
        sb_printf(&s, "下级指标得分之和");
        break;
    }
    value_words(&s, rs, n);
    return sb_take(&s);
}

char *pg_doc_missing_words(const pg_ruleset *rs, const pg_node *n)
{
    strbuf s = {0};
    int in_adjust = n->parent >= 0 && rs->nodes[n->parent].adjust;
    if (in_adjust)
        sb_printf(&s, "无记录的不加分也不扣分");
    else
        switch (n->missing) {
        case PG_MISS_ZERO:
            sb_printf(&s, "无数据按 0 分计");
            break;
        case PG_MISS_NA:
            sb_printf(&s, "无数据的不考核此项，分值按比例分配给同级指标");
            break;
        case PG_MISS_CARRY:
            sb_printf(&s, "无数据的沿用前 %d 期内最近一期数据，均无数据按 0 分计", rs->carry_limit);
            break;
        case PG_MISS_NO_BUSINESS:
            sb_printf(&s, "无数据的列为本期无业务单位，不考核此项，分值按比例分配给同级指标");
            break;
        case PG_MISS_NOT_SUBMITTED:
            sb_printf(&s, "无数据按未报送计 0 分");
            break;
        }
    if (n->min_n > 0) sb_printf(&s, "；样本量少于 %g 的视为无数据", n->min_n);
    return sb_take(&s);
}

/* ---- emitters ---- */

typedef struct {
    FILE *out;
    pg_doc_format fmt;
} doc;

/* Text with the format's special characters escaped. */
static void text(doc *dc, const char *s)
{
    for (; *s; s++) {
        if (dc->fmt == PG_DOC_HTML && strchr("&<>\"", *s))
            fputs(*s == '&'   ? "&amp;"
                  : *s == '<' ? "&lt;"
                  : *s == '>' ? "&gt;"
                              : "&quot;",
                  dc->out);
        else if (dc->fmt == PG_DOC_MARKDOWN && strchr("\\`*_[]<>|#", *s)) {
            fputc('\\', dc->out);
            fputc(*s, dc->out);
        } else
            fputc(*s, dc->out);
    }
}

static void heading(doc *dc, int level, const char *anchor, const char *title, const char *id)
{
    if (dc->fmt == PG_DOC_HTML) {
        fprintf(dc->out, "<h%d", level);
        if (anchor) fprintf(dc->out, " id=\"%s\"", anchor);
        fputc('>', dc->out);
        text(dc, title);
        if (id) fprintf(dc->out, " <code>%s</code>", id);
        fprintf(dc->out, "</h%d>\n", level);
        return;
    }
    if (anchor) fprintf(dc->out, "<a id=\"%s\"></a>\n\n", anchor);
    for (int i = 0; i < level; i++) fputc('#', dc->out);
    fputc(' ', dc->out);
    text(dc, title);
    if (id) fprintf(dc->out, " `%s`", id);
    fputs("\n\n", dc->out);
}

static void para(doc *dc, const char *s)
{
    fputs(dc->fmt == PG_DOC_HTML ? "<p>" : "", dc->out);
    text(dc, s);
    fputs(dc->fmt == PG_DOC_HTML ? "</p>\n" : "\n\n", dc->out);
}

static void list_open(doc *dc)
{
    if (dc->fmt == PG_DOC_HTML) fputs("<ul>\n", dc->out);
}

static void list_close(doc *dc)
{
    fputs(dc->fmt == PG_DOC_HTML ? "</ul>\n" : "\n", dc->out);
}

/* A list item "label：value" (label bold), at nesting depth `depth`. */
static void item(doc *dc, int depth, const char *label, const char *value)
{
    if (dc->fmt == PG_DOC_HTML)
        fputs("<li>", dc->out);
    else {
        for (int i = 0; i < depth; i++) fputs("  ", dc->out);
        fputs("- ", dc->out);
    }
    if (label) {
        fputs(dc->fmt == PG_DOC_HTML ? "<b>" : "**", dc->out);
        text(dc, label);
        fputs(dc->fmt == PG_DOC_HTML ? "</b>：" : "**：", dc->out);
    }
    text(dc, value);
    fputs(dc->fmt == PG_DOC_HTML ? "</li>\n" : "\n", dc->out);
}

/* A tree line: a link to the indicator's anchor and its points. */
static void tree_item(doc *dc, const pg_node *n, double pts, int depth)
{
    char p[64];
    if (n->veto)
        snprintf(p, sizeof p, "单项否决");
    else if (n->adjust)
        snprintf(p, sizeof p, "+%g / −%g 分", n->plus, n->minus);
    else
        snprintf(p, sizeof p, "%g 分", pts);
    if (dc->fmt == PG_DOC_HTML) {
        fprintf(dc->out, "<li><a href=\"#ind-%s\">", n->id);
        text(dc, n->name);
        fprintf(dc->out, "</a> %s", p); /* tree() closes the item after the children */
        return;
    }
    for (int i = 0; i < depth; i++) fputs("  ", dc->out);
    fputs("- [", dc->out);
    text(dc, n->name);
    fprintf(dc->out, "](#ind-%s) %s\n", n->id, p);
}

/* ---- the document ---- */

static int applies(const pg_node *n, int g)
{
    return !isnan(n->points[g]);
}

static void tree(doc *dc, const pg_ruleset *rs, int i, int g, int depth)
{
    const pg_node *n = &rs->nodes[i];
    tree_item(dc, n, n->points[g], depth);
    int open = 0;
    for (int k = 0; k < n->nchildren; k++) {
        if (!applies(&rs->nodes[n->children[k]], g)) continue;
        if (!open++ && dc->fmt == PG_DOC_HTML) list_open(dc);
        tree(dc, rs, n->children[k], g, depth + 1);
    }
    if (open && dc->fmt == PG_DOC_HTML) list_close(dc);
    if (dc->fmt == PG_DOC_HTML) fputs("</li>\n", dc->out);
}

static void schemes(doc *dc, const pg_ruleset *rs)
{
    heading(dc, 2, NULL, "计分方案", NULL);
    list_open(dc);
    for (int i = 0; i < rs->nschemes; i++) {
        const pg_scheme *s = &rs->schemes[i];
        strbuf b = {0};
        sb_printf(&b, "%s（%s，满分 %g）：", s->period == PG_PERIOD_YEAR ? "按年" : "按月", s->id,
                  s->max);
        for (int k = 0; k < s->nparts; k++) {
            const pg_part *p = &s->parts[k];
            sb_printf(&b, "%s%s", k ? " + " : "", p->name ? p->name : p->id);
            if (p->scheme >= 0 && rs->schemes[p->scheme].period == PG_PERIOD_MONTH)
                sb_printf(&b, "（%s %d–%d 月总分平均）", rs->schemes[p->scheme].name, p->month_from,
                          p->month_to);
            if (p->weight != 1) sb_printf(&b, " × %g%%", p->weight * 100);
        }
        if (s->composite_ref != LUA_NOREF)
            sb_printf(&b, "（自定义合成，见 %s:%d）", s->file, s->line);
        item(dc, 0, s->name, b.s);
        free(b.s);
    }
    list_close(dc);
}

static void indicator(doc *dc, const pg_ruleset *rs, int i, int g)
{
    const pg_node *n = &rs->nodes[i];
    char anchor[256], buf[64];
    snprintf(anchor, sizeof anchor, "ind-%s", n->id);
    heading(dc, 3, anchor, n->name, n->id);
    list_open(dc);
    if (n->parent >= 0) item(dc, 0, "上级指标", rs->nodes[n->parent].name);
    if (n->veto)
        item(dc, 0, "分值", "单项否决");
    else if (n->adjust) {
        snprintf(buf, sizeof buf, "加分最多 %g 分，减分最多 %g 分", n->plus, n->minus);
        item(dc, 0, "分值", buf);
    } else {
        snprintf(buf, sizeof buf, "%g 分", n->points[g]);
        item(dc, 0, "分值", buf);
    }
    if (n->standard) item(dc, 0, "评分标准", n->standard);
    if (n->metric >= 0 || n->veto || n->evaluator) {
        char *w = pg_doc_method_words(rs, n, g);
        item(dc, 0, "计分方法", w);
        free(w);
        w = pg_doc_missing_words(rs, n);
        item(dc, 0, "无数据时", w);
        free(w);
    } else if (n->nchildren && n->adjust)
        item(dc, 0, "计分方法", "下级各项加减分之和，限定在上下限之内");
    else if (n->nchildren) {
        char *w = pg_doc_method_words(rs, n, g);
        item(dc, 0, "计分方法", w);
        free(w);
    }
    if (n->parent >= 0 && rs->nodes[n->parent].op != PG_OP_SUM &&
        rs->nodes[n->parent].op != PG_OP_MIN) {
        snprintf(buf, sizeof buf, "%g（在上级指标的适用下级指标间归一）",
                 isnan(n->weight) ? 1 : n->weight);
        item(dc, 0, "权重", buf);
    }
    if (n->metric >= 0) {
        const pg_metric *m = &rs->metrics[n->metric];
        strbuf b = {0};
        sb_printf(&b, "%s（%s）", m->name, m->id);
        if (m->desc) sb_printf(&b, "：%s", m->desc);
        item(dc, 0, "数据项", b.s);
        free(b.s);
    }
    if (n->source) item(dc, 0, "数据来源", n->source);
    if (n->desc) item(dc, 0, "说明", n->desc);
    list_close(dc);
}

static void walk(doc *dc, const pg_ruleset *rs, int i, int g)
{
    indicator(dc, rs, i, g);
    for (int k = 0; k < rs->nodes[i].nchildren; k++)
        if (applies(&rs->nodes[rs->nodes[i].children[k]], g))
            walk(dc, rs, rs->nodes[i].children[k], g);
}

int pg_doc_write(const pg_ruleset *rs, int g, pg_doc_format fmt, FILE *out)
{
    doc dc = {out, fmt};
    const pg_group *grp = &rs->groups[g];
    char *title = pg_xasprintf("%s — 指标说明与评分标准（%s）", rs->name, grp->name);
    if (fmt == PG_DOC_HTML) {
        fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>",
              out);
        text(&dc, title);
        fputs("</title>\n<style>body{font-family:sans-serif;max-width:60em;margin:auto;"
              "line-height:1.6}code{font-size:90%;color:#555}h3{margin-top:2em}</style>\n"
              "</head>\n<body>\n",
              out);
    }
    heading(&dc, 1, NULL, title, NULL);
    free(title);
    char *meta =
        pg_xasprintf("规则集 %s（%d 年），规则版本 %.12s。本文由 pinggu doc 依据规则文件生成。",
                     rs->id, rs->year, rs->revision);
    para(&dc, meta);
    free(meta);
    schemes(&dc, rs);
    heading(&dc, 2, NULL, "指标体系", NULL);
    list_open(&dc);
    for (int i = 0; i < rs->nnodes; i++)
        if (rs->nodes[i].parent < 0 && applies(&rs->nodes[i], g)) tree(&dc, rs, i, g, 0);
    list_close(&dc);
    heading(&dc, 2, NULL, "指标说明", NULL);
    for (int i = 0; i < rs->nnodes; i++)
        if (rs->nodes[i].parent < 0 && applies(&rs->nodes[i], g)) walk(&dc, rs, i, g);
    if (fmt == PG_DOC_HTML) fputs("</body>\n</html>\n", out);
    return ferror(out) ? -EIO : 0;
}

int pg_doc_write_dir(const pg_ruleset *rs, const char *out, pg_diags *d)
{
    char *dir = pg_xasprintf("%s/doc", out);
    int rc = 0;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        rc = -errno;
        pg_error(d, dir, 0, "cannot create the directory: %s", strerror(-rc));
    }
    for (int g = 0; g < rs->ngroups && rc == 0; g++) {
        char *path = pg_xasprintf("%s/%s.html", dir, rs->groups[g].id);
        FILE *f = fopen(path, "w");
        rc = f ? pg_doc_write(rs, g, PG_DOC_HTML, f) : -errno;
        if (f && fclose(f) != 0 && rc == 0) rc = -errno;
        if (rc != 0) pg_error(d, path, 0, "cannot write: %s", strerror(-rc));
        free(path);
    }
    free(dir);
    return rc;
}
