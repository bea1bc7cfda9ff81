/* form.c — the form writer 'xlsx' (`pinggu template --format xlsx`): the workbook a unit fills
 * in with its fed values and self-reports for one scheme and period, written with
 * libxlsxwriter.
 *
 * One sheet, "values", so that `pinggu ingest --values book.xlsx` finds it by name and reads
 * it back with no edit but the values typed in: the columns the values reader takes first
 * (unit, period, metric, value, n; unit, period and metric filled in, as text so that Excel
 * never turns "2021-05" into a date), then columns for the person filling it in that the
 * reader skips (指标, 指标名称, 计量单位, 允许范围, 分值, 报送方式). Each value cell carries the
 * allowed range as data validation (Excel refuses a share of 1.2 while it is typed; pinggu
 * checks again at ingest) and the indicator's scoring standard as a comment. A row left
 * empty is a value not sent. Nothing else is on the sheet: no title rows above the header,
 * no merged cells, because the reader takes the first row as the header and refuses merges.
 * The form's title and what to do are on a second sheet, 说明, which the reader never reads
 * (it reads the sheet named "values"). */
#include "plugin.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <xlsxwriter.h>

/* "0–1", "≥ 0", "" */
static void range_text(const pg_form_row *r, char *out, size_t n)
{
    int lo = !isnan(r->min), hi = !isnan(r->max);
    if (lo && hi)
        snprintf(out, n, "%g–%g%s", r->min, r->max, r->whole ? "（整数）" : "");
    else if (lo)
        snprintf(out, n, "≥ %g%s", r->min, r->whole ? "（整数）" : "");
    else if (hi)
        snprintf(out, n, "≤ %g%s", r->max, r->whole ? "（整数）" : "");
    else
        snprintf(out, n, "%s", r->whole ? "整数" : "数值");
}

static void validate(lxw_worksheet *ws, lxw_row_t row, const pg_form_row *r, char *msg)
{
    int lo = !isnan(r->min), hi = !isnan(r->max);
    lxw_data_validation dv = {0};
    dv.validate = r->whole ? LXW_VALIDATION_TYPE_INTEGER : LXW_VALIDATION_TYPE_DECIMAL;
    if (lo && hi) {
        dv.criteria = LXW_VALIDATION_CRITERIA_BETWEEN;
        dv.minimum_number = r->min, dv.maximum_number = r->max;
    } else if (lo) {
        dv.criteria = LXW_VALIDATION_CRITERIA_GREATER_THAN_OR_EQUAL_TO;
        dv.value_number = r->min;
    } else if (hi) {
        dv.criteria = LXW_VALIDATION_CRITERIA_LESS_THAN_OR_EQUAL_TO;
        dv.value_number = r->max;
    } else {
        /* any number: still refuses text */
        dv.criteria = LXW_VALIDATION_CRITERIA_BETWEEN;
        dv.minimum_number = -1e300, dv.maximum_number = 1e300;
    }
    dv.error_type = LXW_VALIDATION_ERROR_TYPE_STOP;
    dv.error_title = "不在允许范围内";
    dv.error_message = msg;
    worksheet_data_validation_cell(ws, row, 3, &dv);
}

int pg_xlsx_form(const pg_form *f, const char *path, char *err, size_t errlen);
int pg_xlsx_form(const pg_form *f, const char *path, char *err, size_t errlen)
{
    lxw_workbook *wb = workbook_new(path);
    if (!wb) {
        snprintf(err, errlen, "%s: cannot create the workbook", path);
        return -EIO;
    }
    lxw_worksheet *ws = workbook_add_worksheet(wb, "values");
    lxw_worksheet *about = workbook_add_worksheet(wb, "说明");
    lxw_format *head = workbook_add_format(wb);
    format_set_bold(head);
    format_set_bg_color(head, 0xDDEBF7);
    format_set_border(head, LXW_BORDER_THIN);
    lxw_format *text = workbook_add_format(wb);
    format_set_num_format(text, "@"); /* typed text stays text: "2021-05" is no date */
    lxw_format *input = workbook_add_format(wb);
    format_set_bg_color(input, 0xFFF2CC);
    format_set_border(input, LXW_BORDER_THIN);
    lxw_format *wrap = workbook_add_format(wb);
    format_set_text_wrap(wrap);

    static const char *const cols[] = {"unit",     "period", "metric",   "value",
                                       "n",        "指标",   "指标名称", "计量单位",
                                       "允许范围", "分值",   "报送方式", "数据来源"};
    static const double widths[] = {14, 10, 26, 12, 8, 22, 30, 10, 16, 6, 10, 30};
    for (int c = 0; c < 12; c++) {
        worksheet_write_string(ws, 0, (lxw_col_t)c, cols[c], head);
        worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, widths[c], c < 3 ? text : NULL);
    }
    worksheet_freeze_panes(ws, 1, 0);
    worksheet_write_comment(ws, 0, 3,
                            "在本列填写数值（比例填小数，如 92% 填 0.92）；不报送的行留空。");
    worksheet_write_comment(ws, 0, 4, "样本量（可空）");
    char range[64], msg[256], note[2048];
    for (int i = 0; i < f->nrows; i++) {
        const pg_form_row *r = &f->rows[i];
        lxw_row_t row = (lxw_row_t)(i + 1);
        worksheet_write_string(ws, row, 0, f->unit_id, text);
        worksheet_write_string(ws, row, 1, f->period, text);
        worksheet_write_string(ws, row, 2, r->metric, text);
        worksheet_write_blank(ws, row, 3, input);
        worksheet_write_blank(ws, row, 4, input);
        worksheet_write_string(ws, row, 5, r->indicator_name ? r->indicator_name : "", wrap);
        worksheet_write_string(ws, row, 6, r->metric_name ? r->metric_name : "", wrap);
        worksheet_write_string(ws, row, 7, r->measure ? r->measure : "", NULL);
        range_text(r, range, sizeof range);
        worksheet_write_string(ws, row, 8, range, NULL);
        if (isfinite(r->points)) worksheet_write_number(ws, row, 9, r->points, NULL);
        worksheet_write_string(ws, row, 10, r->self_report ? "自报" : "报送", NULL);
        worksheet_write_string(ws, row, 11, r->source ? r->source : "", wrap);
        snprintf(msg, sizeof msg, "%s：%s", r->metric_name ? r->metric_name : r->metric, range);
        validate(ws, row, r, msg);
        snprintf(note, sizeof note, "%s（%s）\n评分标准：%s",
                 r->indicator_name ? r->indicator_name : "", r->indicator ? r->indicator : "",
                 r->standard ? r->standard : "");
        lxw_comment_options co = {.width = 360, .height = 160};
        worksheet_write_comment_opt(ws, row, 3, note, &co);
    }

    worksheet_set_column(about, 0, 0, 90, wrap);
    char line[1024];
    int r = 0;
    worksheet_write_string(about, (lxw_row_t)r++, 0, f->title ? f->title : "", head);
    snprintf(line, sizeof line, "单位：%s（%s）  组别：%s", f->unit_name ? f->unit_name : "",
             f->unit_id ? f->unit_id : "", f->group_name ? f->group_name : "");
    worksheet_write_string(about, (lxw_row_t)r++, 0, line, NULL);
    snprintf(line, sizeof line, "方案：%s（%s）  期间：%s  规则集：%s（%s）",
             f->scheme_name ? f->scheme_name : "", f->scheme_id ? f->scheme_id : "",
             f->period ? f->period : "", f->ruleset_name ? f->ruleset_name : "",
             f->ruleset_id ? f->ruleset_id : "");
    worksheet_write_string(about, (lxw_row_t)r++, 0, line, NULL);
    worksheet_write_string(about, (lxw_row_t)r++, 0,
                           "填写说明：在“values”表的 value 列（黄色）填写各项数值，n 列填写"
                           "样本量（可空）；不报送的项留空。请勿改动表头、增删列或合并单元格，"
                           "unit、period、metric 三列已填好，勿改。比例填小数（92% 填 0.92）。"
                           "每个数值单元格的批注为该指标的评分标准。",
                           wrap);
    snprintf(line, sizeof line,
             "共 %d 项。填好后报送，由评估人员以 pinggu ingest --values "
             "导入。",
             f->nrows);
    worksheet_write_string(about, (lxw_row_t)r++, 0, line, NULL);

    lxw_error e = workbook_close(wb);
    if (e != LXW_NO_ERROR) {
        snprintf(err, errlen, "%s: %s", path, lxw_strerror(e));
        return -EIO;
    }
    return 0;
}
