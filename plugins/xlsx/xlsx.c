/* xlsx.c — the XLSX plugin: the exporter of `pinggu report --format xlsx` (<basename>.xlsx
 * with one sheet per group's ranking, a sheet of every unit's lost points and the 问题清单, written
 * with libxlsxwriter, Debian: libxlsxwriter-dev), and the descriptor that also names the source
 * reader 'xlsx' of read.c.
 *
 * It sees only the document model it is handed (plugin.h) and links
 * nothing of pinggu's core. Scores are written as numbers with a number format, never as
 * text, so Excel can sort and sum them; the header row is frozen; column widths allow for
 * Chinese text, about two Latin character widths per character. */
#include "plugin.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <xlsxwriter.h>

typedef struct {
    lxw_format *head, *num, *pts, *text;
} formats;

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

static void ranking_sheet(lxw_workbook *wb, const formats *f, const pg_bulletin *b,
                          const pg_bl_group *g)
{
    char name[128];
    sheet_name(name, sizeof name, g->name);
    lxw_worksheet *ws = workbook_add_worksheet(wb, name);
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
        number(ws, row, col++, r->total, f->num);
        for (int k = 0; k < b->nparts; k++) number(ws, row, col++, r->parts[k], f->num);
        number(ws, row, col++, r->change, f->num);
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

static void lost_sheet(lxw_workbook *wb, const formats *f, const pg_bulletin *b)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, "失分明细");
    const char *head[] = {"分组", "单位", "部分",     "指标代码", "指标",
                          "满分", "得分", "折算系数", "失分",     "总分失分",
                          "状态", "原因", "数据项",   "数值",     "样本量"};
    for (int c = 0; c < 15; c++) string(ws, 0, c, head[c], f->head);
    int row = 1;
    for (int u = 0; u < b->nunits; u++) {
        const pg_bl_unit *bu = &b->units[u];
        for (int i = 0; i < bu->nlost; i++, row++) {
            const pg_bl_lost *l = &bu->lost[i];
            string(ws, row, 0, b->groups[bu->group].name, NULL);
            string(ws, row, 1, bu->name, NULL);
            string(ws, row, 2, l->part >= 0 ? b->parts[l->part].name : NULL, NULL);
            string(ws, row, 3, l->indicator, NULL);
            string(ws, row, 4, l->name, NULL);
            number(ws, row, 5, l->max, f->pts);
            number(ws, row, 6, l->got, f->pts);
            number(ws, row, 7, l->weight, f->pts);
            number(ws, row, 8, l->lost, f->pts);
            number(ws, row, 9, l->lost_total, f->pts);
            string(ws, row, 10, l->status, NULL);
            string(ws, row, 11, l->why, f->text);
            string(ws, row, 12, l->metric_name, NULL);
            number(ws, row, 13, l->value, NULL);
            number(ws, row, 14, l->n, NULL);
        }
    }
    worksheet_freeze_panes(ws, 1, 0);
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

/* 问题清单: every unit's items (ABI 5), with the 整改要求 and deadline of the rule set. */
static void issues_sheet(lxw_workbook *wb, const formats *f, const pg_bulletin *b)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, "问题清单");
    const char *head[] = {"单位",     "指标代码", "问题（指标）", "总分失分",
                          "部分失分", "评分规则", "数据",         "如何挽回失分",
                          "整改要求", "整改期限", "连续失分"};
    for (int c = 0; c < 11; c++) string(ws, 0, c, head[c], f->head);
    for (int i = 0; i < b->nissues; i++) {
        const pg_bl_problem *p = &b->issues[i];
        int row = i + 1;
        string(ws, row, 0, p->unit >= 0 && p->unit < b->nunits ? b->units[p->unit].name : NULL,
               NULL);
        string(ws, row, 1, p->indicator, NULL);
        string(ws, row, 2, p->name, NULL);
        number(ws, row, 3, p->lost_total, f->pts);
        number(ws, row, 4, p->lost_part, f->pts);
        string(ws, row, 5, p->rule, f->text);
        string(ws, row, 6, p->data, f->text);
        string(ws, row, 7, p->regain, f->text);
        string(ws, row, 8, p->rectify, f->text);
        string(ws, row, 9, p->due, NULL);
        string(ws, row, 10, p->recurring ? "是" : "否", NULL);
    }
    worksheet_freeze_panes(ws, 1, 0);
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
    f.text = workbook_add_format(wb);
    format_set_text_wrap(f.text);
    for (int g = 0; g < b->ngroups; g++) ranking_sheet(wb, &f, b, &b->groups[g]);
    lost_sheet(wb, &f, b);
    if (b->nissues) issues_sheet(wb, &f, b);
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
