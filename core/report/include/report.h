/* report.h — writing an evaluation result for people and programs.
 *
 * JSON is the documented interchange shape (README, "JSON output"); text is a table for a
 * terminal with Chinese names aligned; CSV is one row per ranked unit, or per indicator with
 * a unit. `unit` limits the per-unit breakdown to one unit (-1 for all). Each writer returns
 * 0, or -EIO when the stream fails. */
#ifndef PG_REPORT_H
#define PG_REPORT_H

#include "eval.h"

#include <cjson/cJSON.h>
#include <stdio.h>

cJSON *pg_report_json_tree(const pg_result *res, int unit);
int pg_report_json(const pg_result *res, int unit, FILE *out);
int pg_report_text(const pg_result *res, int unit, FILE *out);
int pg_report_csv(const pg_result *res, int unit, FILE *out);

/* "up", "down", "same" or "new" against the previous period. */
const char *pg_movement(const pg_unit_result *ur);
/* Display width of UTF-8 text in terminal columns (CJK characters count 2). */
int pg_text_width(const char *s);
/* Prints s padded to |width| display columns (right-aligned when width < 0), then two spaces:
 * one cell of a text table. */
void pg_text_cell(FILE *out, const char *s, int width);

#endif
