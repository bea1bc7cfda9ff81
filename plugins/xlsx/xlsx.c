/* xlsx.c — the XLSX plugin: the exporter of `pinggu report --format xlsx` (<basename>.xlsx
 * with one sheet per group's ranking, sheets of the units' lost points and of the 问题清单,
 * written with libxlsxwriter, Debian: libxlsxwriter-dev), and the descriptor that also names
 * the source reader 'xlsx' of read.c.
 *
 * It sees only the document model it is handed (plugin.h) and links
 * nothing of pinggu's core. Scores are written as numbers with a number format, never as
 * text, so Excel can sort and sum them; the header row is frozen; column widths allow for
 * Chinese text, about two Latin character widths per character.
 *
 * Every figure is the one the HTML bulletin prints: rounded as the rule set rounds
 * (rounding_mode) at the digits the HTML shows, and the cell's number format shows exactly those
 * digits. A format alone would not do: Excel's display rounds half away from zero and would show
 * 1.2399 as 1.24 where a truncating rule set prints 1.23, and "0.00##" showed the stored fourth
 * decimal the HTML never prints.
 *
 * At province size (3,000 units) the per-unit detail is split as the HTML splits it
 * (core/report/report_html.c): a group of more than 50 units has its lost points and its 问题清单
 * on sheets of its own, 失分明细（group） and 问题清单（group）, and the smaller groups share
 * 失分明细 and 问题清单. A sheet of one large group is what one reader filters and sorts; each
 * detail sheet has an autofilter on its header. */
#include "plugin.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <xlsxwriter.h>

typedef struct {
    lxw_format *head, *num, *pts, *fig2, *text;
} formats;

/* The group size past which a group's units' detail goes to sheets of its own: the HTML's
 * threshold for its per-group 附件 file (report_html.c's PG_BL_ANNEX_UNITS). */
#define XLSX_OWN_SHEETS 50

static int large(const pg_bl_group *g)
{
    return g->nrows + g->nunranked > XLSX_OWN_SHEETS;
}

/* v rounded at `digits` as the rule set rounds (pg_bulletin.rounding_mode: 0 half away from
 * zero, 1 half to even, 2 toward zero): the arithmetic of core/base/round.c's pg_round_as,
 * restated because a plugin links nothing of the core (plugins/CMakeLists.txt). A few units in
 * the last place absorb the binary error of the scaling (2.675 * 100 is 267.49999999999997);
 * tests/core/report/outputs_large.lua checks the cells against the HTML's figures. */
static double round_as(const pg_bulletin *b, double v, int digits)
{
    if (!isfinite(v)) return v;
    double p = pow(10, digits), y = fabs(v) * p, eps = 8 * DBL_EPSILON * fmax(y, 1);
    double r = floor(y + 0.5 + eps);
    if (b->rounding_mode == 2)
        r = floor(y + eps);
    else if (b->rounding_mode == 1 && fabs(y - floor(y + eps) - 0.5) <= eps)
        r = floor(y + eps) + fmod(floor(y + eps), 2);
    return copysign(r / p, v);
}

static void number(lxw_worksheet *ws, int row, int col, double v, lxw_format *f)
{
    if (isfinite(v)) worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)col, v, f);
}

static void string(lxw_worksheet *ws, int row, int col, const char *s, lxw_format *f)
{
    if (s) worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)col, s, f);
}

/* Excel sheet names: at most 31 characters and none of []:*?/\ — group names are short,
 * but a rule set may name one anything. */
static void sheet_name(char *dst, size_t n, const char *s)
{
    size_t i = 0;
    int chars = 0;
    for (; *s && i + 4 < n && chars < 31; s++) {
        if ((*s & 0xC0) != 0x80) chars++;
        dst[i++] = strchr("[]:*?/\\", *s) ? '_' : *s;
    }
    /* finish a character cut in the middle */
    while (*s && (*s & 0xC0) == 0x80 && i + 1 < n) dst[i++] = *s++;
    dst[i] = '\0';
}

/* A sheet named `base` or, for one large group's detail, "base（group）", cut to Excel's 31
 * characters; a name another sheet already has (two group names alike in their first 31
 * characters) gets " 2", " 3", … rather than failing the workbook. */
static lxw_worksheet *detail_sheet(lxw_workbook *wb, const char *base, const pg_bl_group *g)
{
    char want[256], name[160];
    if (g)
        snprintf(want, sizeof want, "%s（%s）", base, g->name);
    else
        snprintf(want, sizeof want, "%s", base);
    sheet_name(name, sizeof name, want);
    for (int k = 2; workbook_get_worksheet_by_name(wb, name); k++) {
        char tail[16];
        int n = snprintf(tail, sizeof tail, " %d", k);
        size_t cut = strlen(name) > 24 ? 24 : strlen(name);
        while (cut && (name[cut] & 0xC0) == 0x80) cut--; /* not inside a character */
        snprintf(name + cut, sizeof name - cut, "%.*s", n, tail);
    }
    return workbook_add_worksheet(wb, name);
}

static void ranking_sheet(lxw_workbook *wb, const formats *f, const pg_bulletin *b,
                          const pg_bl_group *g)
{
    lxw_worksheet *ws = detail_sheet(wb, g->name, NULL);
    int col = 0;
    const char *head[] = {"排名", "单位", "单位代码", "总分"};
    for (; col < 4; col++) string(ws, 0, col, head[col], f->head);
    for (int k = 0; k < b->nparts; k++) string(ws, 0, col++, b->parts[k].name, f->head);
    string(ws, 0, col++, "环比", f->head);
    string(ws, 0, col++, "变动", f->head);
    string(ws, 0, col++, "等次", f->head);
    int row = 1;
    for (int i = 0; i < g->nrows; i++, row++) {
        const pg_bl_row *r = &g->rows[i];
        const pg_bl_unit *u = &b->units[r->unit];
        col = 0;
        number(ws, row, col++, r->rank, NULL);
        string(ws, row, col++, u->name, NULL);
        string(ws, row, col++, u->code, NULL);
        number(ws, row, col++, round_as(b, r->total, b->rounding), f->num);
        for (int k = 0; k < b->nparts; k++)
            number(ws, row, col++, round_as(b, r->parts[k], b->rounding), f->num);
        number(ws, row, col++, round_as(b, r->change, b->rounding), f->num);
        string(ws, row, col++, r->mark, NULL);
        string(ws, row, col++, r->band, NULL);
    }
    for (int i = 0; i < g->nunranked; i++, row++) {
        string(ws, row, 1, b->units[g->unranked[i].unit].name, NULL);
        string(ws, row, 2, b->units[g->unranked[i].unit].code, NULL);
        string(ws, row, 5 + b->nparts, "未排名", NULL);
    }
    worksheet_freeze_panes(ws, 1, 2);
    worksheet_set_column(ws, 0, 0, 6, NULL);
    worksheet_set_column(ws, 1, 1, 34, NULL);
    worksheet_set_column(ws, 2, 2, 12, NULL);
    worksheet_set_column(ws, 3, (lxw_col_t)(3 + b->nparts), 14, NULL);
    worksheet_set_column(ws, (lxw_col_t)(4 + b->nparts), (lxw_col_t)(6 + b->nparts), 10, NULL);
}

/* Whether unit u's detail goes on the sheet of group `only` (>= 0: that large group) or on the
 * shared sheet (-1: the units of the groups that are not large). */
static int on_sheet(const pg_bulletin *b, int u, int only)
{
    int g = b->units[u].group;
    return only >= 0 ? g == only : !large(&b->groups[g]);
}

static void lost_sheet(lxw_workbook *wb, const formats *f, const pg_bulletin *b, int only)
{
    lxw_worksheet *ws = detail_sheet(wb, "失分明细", only >= 0 ? &b->groups[only] : NULL);
    const char *head[] = {"分组", "单位", "部分",     "指标代码", "指标",
                          "满分", "得分", "折算系数", "失分",     "总分失分",
                          "状态", "原因", "数据项",   "数值",     "样本量"};
    for (int c = 0; c < 15; c++) string(ws, 0, c, head[c], f->head);
    int row = 1;
    for (int u = 0; u < b->nunits; u++) {
        const pg_bl_unit *bu = &b->units[u];
        if (!on_sheet(b, u, only)) continue;
        for (int i = 0; i < bu->nlost; i++, row++) {
            const pg_bl_lost *l = &bu->lost[i];
            string(ws, row, 0, b->groups[bu->group].name, NULL);
            string(ws, row, 1, bu->name, NULL);
            string(ws, row, 2, l->part >= 0 ? b->parts[l->part].name : NULL, NULL);
            string(ws, row, 3, l->indicator, NULL);
            string(ws, row, 4, l->name, NULL);
            /* the points at the HTML's 2 decimals; the factor, which the HTML does not print,
             * as stored */
            number(ws, row, 5, round_as(b, l->max, 2), f->fig2);
            number(ws, row, 6, round_as(b, l->got, 2), f->fig2);
            number(ws, row, 7, l->weight, f->pts);
            number(ws, row, 8, round_as(b, l->lost, 2), f->fig2);
            number(ws, row, 9, round_as(b, l->lost_total, 2), f->fig2);
            string(ws, row, 10, l->status, NULL);
            string(ws, row, 11, l->why, f->text);
            string(ws, row, 12, l->metric_name, NULL);
            number(ws, row, 13, l->value, NULL);
            number(ws, row, 14, l->n, NULL);
        }
    }
    worksheet_freeze_panes(ws, 1, 0);
    worksheet_autofilter(ws, 0, 0, (lxw_row_t)(row > 1 ? row - 1 : 1), 14);
    worksheet_set_column(ws, 0, 0, 14, NULL);
    worksheet_set_column(ws, 1, 1, 34, NULL);
    worksheet_set_column(ws, 2, 2, 22, NULL);
    worksheet_set_column(ws, 3, 3, 18, NULL);
    worksheet_set_column(ws, 4, 4, 30, NULL);
    worksheet_set_column(ws, 5, 9, 10, NULL);
    worksheet_set_column(ws, 10, 10, 60, NULL);
    worksheet_set_column(ws, 11, 11, 26, NULL);
    worksheet_set_column(ws, 12, 13, 10, NULL);
}

/* 问题清单: the units' items (ABI 5), with the 整改要求 and deadline of the rule set; the lost
 * points at 2 decimals, as the HTML's and the CSV's 问题清单 print them. */
static void issues_sheet(lxw_workbook *wb, const formats *f, const pg_bulletin *b, int only)
{
    lxw_worksheet *ws = detail_sheet(wb, "问题清单", only >= 0 ? &b->groups[only] : NULL);
    const char *head[] = {"单位",     "指标代码", "问题（指标）", "总分失分",
                          "部分失分", "评分规则", "数据",         "如何挽回失分",
                          "整改要求", "整改期限", "连续失分"};
    for (int c = 0; c < 11; c++) string(ws, 0, c, head[c], f->head);
    int row = 1;
    for (int i = 0; i < b->nissues; i++) {
        const pg_bl_problem *p = &b->issues[i];
        int known = p->unit >= 0 && p->unit < b->nunits;
        if (known ? !on_sheet(b, p->unit, only) : only >= 0) continue;
        string(ws, row, 0, known ? b->units[p->unit].name : NULL, NULL);
        string(ws, row, 1, p->indicator, NULL);
        string(ws, row, 2, p->name, NULL);
        number(ws, row, 3, round_as(b, p->lost_total, 2), f->fig2);
        number(ws, row, 4, round_as(b, p->lost_part, 2), f->fig2);
        string(ws, row, 5, p->rule, f->text);
        string(ws, row, 6, p->data, f->text);
        string(ws, row, 7, p->regain, f->text);
        string(ws, row, 8, p->rectify, f->text);
        string(ws, row, 9, p->due, NULL);
        string(ws, row, 10, p->recurring ? "是" : "否", NULL);
        row++;
    }
    worksheet_freeze_panes(ws, 1, 0);
    worksheet_autofilter(ws, 0, 0, (lxw_row_t)(row > 1 ? row - 1 : 1), 10);
    worksheet_set_column(ws, 0, 0, 34, NULL);
    worksheet_set_column(ws, 1, 1, 18, NULL);
    worksheet_set_column(ws, 2, 2, 30, NULL);
    worksheet_set_column(ws, 3, 4, 10, NULL);
    worksheet_set_column(ws, 5, 8, 40, NULL);
    worksheet_set_column(ws, 9, 10, 12, NULL);
}

static int write_xlsx(const pg_bulletin *b, const char *dir, FILE *list, char *err, size_t errlen)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s.xlsx", dir, b->basename) >= (int)sizeof path) {
        snprintf(err, errlen, "%s: the path is too long", dir);
        return -22; /* EINVAL */
    }
    lxw_workbook *wb = workbook_new(path);
    if (!wb) {
        snprintf(err, errlen, "%s: cannot create the workbook", path);
        return -5; /* EIO */
    }
    formats f;
    f.head = workbook_add_format(wb);
    format_set_bold(f.head);
    format_set_bg_color(f.head, 0xEEEEEE);
    format_set_border(f.head, LXW_BORDER_THIN);
    f.num = workbook_add_format(wb);
    char nf[16] = "0.";
    for (int i = 0; i < b->rounding && i < 10; i++) strcat(nf, "0");
    format_set_num_format(f.num, b->rounding > 0 ? nf : "0");
    f.pts = workbook_add_format(wb);
    format_set_num_format(f.pts, "0.00##");
    f.fig2 = workbook_add_format(wb);
    format_set_num_format(f.fig2, "0.00");
    f.text = workbook_add_format(wb);
    format_set_text_wrap(f.text);
    for (int g = 0; g < b->ngroups; g++) ranking_sheet(wb, &f, b, &b->groups[g]);
    /* the shared sheets first (the smaller groups' units; all units when no group is large),
     * then each large group's own */
    int small = 0;
    for (int g = 0; g < b->ngroups; g++) small += !large(&b->groups[g]);
    if (small || b->ngroups == 0) {
        lost_sheet(wb, &f, b, -1);
        if (b->nissues) issues_sheet(wb, &f, b, -1);
    }
    for (int g = 0; g < b->ngroups; g++) {
        if (!large(&b->groups[g])) continue;
        lost_sheet(wb, &f, b, g);
        if (b->nissues) issues_sheet(wb, &f, b, g);
    }
    lxw_error e = workbook_close(wb);
    if (e != LXW_NO_ERROR) {
        snprintf(err, errlen, "%s: %s", path, lxw_strerror(e));
        return -5;
    }
    if (list) fprintf(list, "%s\n", path);
    return 0;
}

static const pg_plugin_exporter exporters[] = {
    {"xlsx", "Excel workbook: a sheet per group and the lost points (libxlsxwriter)", write_xlsx},
};

#ifdef PG_XLSX_READ
/* read.c: the source reader (minizip and expat, when the build found them) */
int pg_xlsx_check(const pg_plugin_read_req *rq, char *err, size_t errlen);
int pg_xlsx_read(const pg_plugin_read_req *rq, pg_plugin_emit_fn emit, void *sink, char *about,
                 size_t aboutlen, char *err, size_t errlen);
static const pg_plugin_reader readers[] = {
    {.name = "xlsx",
     .desc = "a sheet of an Excel workbook, a row a record (minizip, expat)",
     .check = pg_xlsx_check,
     .read = pg_xlsx_read},
};
#endif

/* form.c: the workbook a unit fills in (`pinggu template --format xlsx`) */
int pg_xlsx_form(const pg_form *f, const char *path, char *err, size_t errlen);
static const pg_plugin_form forms[] = {
    {"xlsx", "Excel workbook a unit fills in: its fed values and self-reports (libxlsxwriter)",
     pg_xlsx_form},
};

static const pg_plugin plugin = {
    .abi = PG_PLUGIN_ABI,
    .name = "xlsx",
    .version = "2",
    .exporters = exporters,
    .nexporters = 1,
#ifdef PG_XLSX_READ
    .readers = readers,
    .nreaders = 1,
#endif
    .forms = forms,
    .nforms = 1,
};

PG_PLUGIN_EXPORT const pg_plugin *pinggu_plugin_entry(void);
PG_PLUGIN_EXPORT const pg_plugin *pinggu_plugin_entry(void)
{
    return &plugin;
}
