/* report.h — the public header of core/report/.
 *
 * The documents: a result as JSON, CSV and a terminal table, a what-if diff, the bulletin's
 * document model and its HTML, CSV and JSON, a bulletin's directory, the indicator
 * documentation and one unit's trace (text and JSON). Uses base, rules, data, score and plugin.
 *
 * The other subsystems, the host and the CLI include this header and no other of core/report/.
 * It gathers what the folder's files export, one section per file, each under its file's
 * name. */
#ifndef PG_REPORT_H
#define PG_REPORT_H

#include "score.h"
#include "plugin.h"
#include <cjson/cJSON.h>
#include <stdio.h>

/* report_json.c, report_csv.c, report_text.c — writing an evaluation result for people and
 * programs.
 *
 * JSON is the documented interchange shape (docs/reports.md, "JSON output"); text is a table for a
 * terminal with Chinese names aligned; CSV is one row per ranked unit, or per indicator with
 * a unit. `unit` limits the per-unit breakdown to one unit (-1 for all). Each writer returns
 * 0, or -EIO when the stream fails. */

cJSON *pg_report_json_tree(const pg_result *res, int unit);
/* With unit PG_REPORT_NO_UNITS the tree's "units" is an empty array, for a caller that prints
 * each unit's object (pg_report_json_unit) in its place one at a time. */
#define PG_REPORT_NO_UNITS (-2)
cJSON *pg_report_json_unit(const pg_result *res, int u);
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

/* bulletin.c — building a bulletin's document model (plugin.h) from an evaluation,
 * and the renderers `pinggu report` writes it with. */

/* Evaluates `scheme` (an index into rs->schemes) for `period` (a period code) on ds and
 * builds the bulletin. Returns 0 and *out, or a negative errno with a diagnostic (pg_eval's). */
int pg_bulletin_build(const pg_ruleset *rs, const pg_dataset *ds, int scheme, int period,
                      pg_bulletin **out, pg_diags *d);
/* The bulletin of an evaluation already made (the host's scheduled one); `ds` is the data it
 * was made from, which the monthly trends read. */
pg_bulletin *pg_bulletin_of(const pg_result *res, const pg_dataset *ds);
void pg_bulletin_free(pg_bulletin *b);
/* How a bulletin was issued: edition 1 when published, N + 1 for the N-th correction (whose
 * reason is `reason`); published_at as the record keeps it (ISO 8601, UTC). */
typedef struct {
    int edition;
    const char *reason;
    const char *published_at;
    /* The 整改 items of earlier periods overdue as the bulletin was published, as
     * pg_overdue_make made them then and the store froze them (JSON text), or NULL: a draft,
     * whose model then has no overdue list (pg_bulletin.overdue_as_of NULL). */
    const char *overdue;
} pg_bl_issue;
/* Marks b as issued. Without it b is a draft (edition 0), dated the day it was made
 * (SOURCE_DATE_EPOCH when set, for reproducible documents). */
void pg_bulletin_issue(pg_bulletin *b, const pg_bl_issue *is);

/* bulletin_figures.c — what every renderer reads the same way. */
/* v at `digits` decimals as b's rule set rounds (b->rounding_mode): what every renderer prints,
 * so that a mean of 6.25 reads 6.2 under half_even and printf never rounds a half its own way.
 * A value already rounded so comes back unchanged. */
double pg_bl_round(const pg_bulletin *b, double v, int digits);
/* The units of group g that are evaluated but not ranked because the group says ranked = false
 * (reason "not_ranked", with a total): their indexes into b->units, highest total first (the
 * units' order among equals), written to `units` (room for the group's nunranked). Returns how
 * many; 0 for a ranked group. Every renderer's 不参与排名 table lists these, in this order. */
int pg_bl_observers(const pg_bulletin *b, int g, int *units);

/* Renderers (report_html.c, report_bcsv.c, report_bjson.c). Each writes its files into the
 * existing directory `dir`, named from b->basename, and returns 0 or a negative errno; the
 * paths written are printed to `list` (one a line) when it is not NULL. */
int pg_bulletin_html(const pg_bulletin *b, const char *dir, FILE *list);
/* pg_bulletin_html with `extra` (HTML, one or more <section>s) placed before the units' lost
 * points, with an entry in the contents when it holds the section #analysis. */
int pg_bulletin_html_with(const pg_bulletin *b, const char *extra, const char *dir, FILE *list);
int pg_bulletin_csv(const pg_bulletin *b, const char *dir, FILE *list);
int pg_bulletin_json(const pg_bulletin *b, const char *dir, FILE *list);

/* bulletin_dir.c — a bulletin's documents as one directory: the HTML with its charts, the
 * indicator documentation it links to (doc/<group>.html) and the CSV. The host's scheduled
 * drafts (DATA/drafts/<scheme>-<period>/, replaced at each cut-off) and published bulletins
 * (DATA/bulletins/<scheme>-<period>-r<N>/, written once) are both written here. The directory
 * is filled under a temporary name and renamed into place, so a reader never sees half of it. */

/* Writes the documents of `res` (whose data were `ds`) into `dest`, as issued (`issue`) or as a
 * draft (NULL); the parent of `dest` is created when
 * missing. An existing `dest` is replaced whole when `replace`, else kept as it is (a published
 * bulletin's documents never change). Returns 0 or a negative errno with the reason in `d`. */
int pg_bulletin_write_dir(const pg_result *res, const pg_dataset *ds, const pg_bl_issue *issue,
                          const char *dest, int replace, pg_diags *d);

/* doc.c — indicator documentation (指标说明与评分标准) generated from a rule set, and the
 * words for methods and policies that `pinggu explain` shares.
 *
 * One document per group: the schemes, the indicator tree with the group's points, then every
 * indicator with its scoring standard, the method in words with its thresholds, the missing-
 * data policy, the metric and the data source. Each indicator has the stable anchor
 * `ind-<id>` (Markdown: an <a id> before its heading; HTML: the heading's id), so reports and
 * the dashboard can link to <group>.html#ind-<id>. Output is deterministic: the same rule set
 * gives the same bytes. */

typedef enum { PG_DOC_MARKDOWN, PG_DOC_HTML } pg_doc_format;

/* Writes the documentation of group g. Returns 0, or -EIO when the stream fails. */
int pg_doc_write(const pg_ruleset *rs, int g, pg_doc_format fmt, FILE *out);
/* Writes OUT/doc/<group>.html for every group, what the HTML reports' indicator links point at
 * (OUT must exist). Returns 0, or a negative errno with the file in `d`. */
int pg_doc_write_dir(const pg_ruleset *rs, const char *out, pg_diags *d);

/* print_pdf.c — prints the HTML file `html` to `pdf` (replaced) with headless Chromium
 * ($PINGGU_CHROMIUM, else `chromium` on PATH). Its names of the 附件 <basename>-units-*.html are
 * printed as the 附件's PDF (from a hidden copy written beside `html`, so its directory must be
 * writable), and links into its directory are made relative. Blocks until it is done: call it
 * off any event loop. Returns 0, or -1 with an error in d (no browser to start, a print that
 * failed or took longer than two minutes). */
int pg_print_pdf(const char *html, const char *pdf, pg_diags *d);
/* Prints each per-group 附件 file DIR/<basename>-units-<group>.html (report_html.c) to
 * DIR/<basename>-units-<group>.pdf, in name order, naming each PDF on `list` (may be NULL).
 * Returns 0 (also when there is none), or -1 with an error in d at the first that fails. */
int pg_print_pdf_annexes(const char *dir, const char *basename, FILE *list, pg_diags *d);

/* The scoring method of node n for group g in words, with its thresholds in the metric's unit
 * ("线性计分：≥95% 得满分，≤50% 不得分，其间按线性插值计分"). malloc'd. */
char *pg_doc_method_words(const pg_ruleset *rs, const pg_node *n, int g);
/* The node's missing-data policy in words, with min_n; malloc'd. */
char *pg_doc_missing_words(const pg_ruleset *rs, const pg_node *n);
/* A value of metric m in its unit: 0.95 of a share is "95%". Writes into buf (64 bytes). */
const char *pg_doc_value(const pg_ruleset *rs, int m, double v, char *buf);

/* regain.c — what would regain the points lost on one indicator, in words, computed from the
 * method's parameters (and, for a relative method, the group's figures this period). */

/* The group of the unit this period, for relative methods: how many units were scored, their
 * lowest, highest, mean and standard deviation (population), and the values ascending. */
typedef struct {
    int n;
    double min, max, mean, sd;
    const double *sorted;
} pg_regain_group;
typedef struct {
    const pg_method *method; /* of the leaf; PG_M_NONE for a node with children */
    double points;           /* the item's points for the unit's group (negative: a penalty) */
    const char *name;        /* the indicator's name, which the words begin with */
    const char *unit;        /* the metric's unit ("share", "days", "count", …) or NULL */
    double value;            /* the value scored; NAN when there was none */
    double lost;             /* points lost (any scale): none, no words */
    int missing, veto, evaluator;
    const pg_regain_group *group; /* NULL: the words say the group's figures are unknown */
} pg_regain_in;
/* "按期办结率 需由 80.82% 提升至 95.00% 以上可得满分"; malloc'd, NULL when nothing was lost. */
char *pg_regain_words(const pg_regain_in *in);
/* A measured value in its metric's unit as readers see it: a share as a percentage with 2
 * decimals, days, hours, 件 and 分 to 2 decimals, a flag as 是/否. Writes into buf (64 bytes). */
const char *pg_report_measured(const char *unit, double v, char *buf);

/* issues_list.c — a unit's indicators as its officials read them (lost points on the total's
 * scale and the part's, the value in its unit, the rule and a 说明 in words, what would
 * regain the points), and the 问题清单: the items that lost points, biggest loss of the total
 * first, with the 整改要求 and deadline of the rule set (docs/rules.md, "整改"). */

/* What one point of part k is worth in unit u's total: the part's weight, scaled up as the total
 * is when parts were dropped; a bonus/penalty part adds as it is. NAN when a composite of the
 * rule set's own makes the total (the lost points then stay on the part's scale). */
double pg_report_total_factor(const pg_result *res, int u, int k);
/* Every indicator unit u is scored on, in display order: {indicator, name, part, part_name,
 * lost_total, lost_part, points, max, value, value_text, value_unit, metric_name, n, status,
 * rule, standard, why, regain}. An empty array for a scheme of schemes. */
cJSON *pg_unit_rows_json(const pg_result *res, int u);
/* The 问题清单 of unit u (every unit when u < 0): rows as above of the items that lost points,
 * with unit, unit_name, scheme, period, rectify and due (YYYY-MM-DD). */
cJSON *pg_issues_json(const pg_result *res, int u);
/* Both of the above for one unit after another, as the texts cJSON_PrintUnformatted gives those
 * arrays, appended to `rows` and `issues`; written without the trees, the group figures of
 * relative methods and the rules' words gathered once for all the units (pg_unit_texts holds
 * them; it borrows res). `rows` may be NULL: the 问题清单 alone, without printing the rows of
 * the indicators that are not on it. */
typedef struct pg_unit_texts pg_unit_texts;
pg_unit_texts *pg_unit_texts_new(const pg_result *res);
void pg_unit_texts_add(pg_unit_texts *w, int u, pg_jtext *rows, pg_jtext *issues);
/* Gathers at once what the first units' texts would gather (every group figure and rule's
 * words they can need), so that each later pg_unit_texts_add only prints: for texts made on
 * demand where a stall costs (the host's event loop). */
void pg_unit_texts_prime(pg_unit_texts *w);
void pg_unit_texts_free(pg_unit_texts *w);
/* The day the items of `period` are due: its last day (the 25th of a month, 31 December of a
 * year) plus ruleset { rectify_days }. Writes YYYY-MM-DD into buf (16 bytes). */
const char *pg_issue_due(const pg_ruleset *rs, int period, char *buf);
/* Whether indicator `indicator` is an item of unit `unit`'s 问题清单 in res, as pg_issues_json
 * lists them (ids: the rule sets of different months may index them otherwise); 0 for a NULL
 * res or a scheme of schemes. Reads res only: any thread. */
int pg_issue_lost_in(const pg_result *res, const char *unit, const char *indicator);
/* The bulletin's annex 附件4 问题清单 as an HTML <section id="issues">, from the model's items
 * (pg_bulletin.issues: 连续失分 already settled there), every unit's in a table, then 附件5
 * <section id="overdue">: per unit the 整改 items of earlier periods overdue when it was
 * published (pg_bulletin.overdue) and this period's 连续失分 items. malloc'd; NULL when there
 * are none, or on no memory. */
char *pg_issues_html(const pg_bulletin *b);
/* The 问题清单 for the bulletin model (pg_bulletin.issues, plugin.h), units in order, each item
 * marked recurring when also lost in the two sampling months before (evaluated on ds); the
 * array and all its texts are one allocation (free it once). NULL and *n = 0 for a scheme of
 * schemes. */
pg_bl_problem *pg_issues_items(const pg_result *res, const pg_dataset *ds, int *n);
/* The monthly scheme a bulletin of `scheme` shows the months of (its trend; the months whose
 * overdue 整改 items a year report lists): the scheme itself when monthly, else the first
 * monthly scheme it aggregates, else the rule set's first monthly scheme; -1 when none. */
int pg_report_month_scheme(const pg_ruleset *rs, int scheme);
/* One unit's overdue 整改 items of one month (pg_overdue_make): `items` the items' compact JSON
 * objects, comma-separated; `stored` the JSON array of the same items without "days" (what the
 * store keeps of them, core/record/overdue_store.c). */
typedef struct {
    int unit, period; /* the unit's index in the rules; the month, YYYYMM */
    char *items, *stored;
} pg_overdue_run;

typedef struct {
    char as_of[16];    /* YYYY-MM-DD */
    pg_overdue_run *v; /* unit by unit in the rules' order, each unit's months in order */
    int n;
} pg_overdue;

/* The 整改 items of the sampling months of res's year before res's (res's scheme; for a year,
 * or a scheme of schemes, every month of pg_report_month_scheme's) whose deadline (pg_issue_due) is
 * before day `as_of` (days since 1970-01-01, the publication's local day) and that an evaluator has
 * not verified: the months are evaluated again on ds for their items (pg_issues_json), and
 * `rectify` is the store's 整改 records as plain data (an array of {unit, scheme, period,
 * indicator, status}, record.h's pg_rectify_list). Each item is {unit, unit_name, period,
 * indicator, name, lost_total, lost_part, due, days, state}, the biggest loss first within a
 * unit's month; state "none" (never marked), "submitted" (marked, not yet verified) or
 * "rejected"; days: as_of minus due. Printed as they are made, one (unit, month) at a time:
 * 226 K items at 3,003 units, which as one tree took 0.4 GB. Free with pg_overdue_free. */
void pg_overdue_make(const pg_result *res, const pg_dataset *ds, const cJSON *rectify, long as_of,
                     pg_overdue *out);
/* {"as_of": "YYYY-MM-DD", "items": [...]}, compact: the text the bulletin is published with. */
char *pg_overdue_text(const pg_overdue *o);
void pg_overdue_free(pg_overdue *o);
/* The state of an overdue item in words: 未报整改 (none), 已报整改，待核实 (submitted),
 * 整改未通过核实 (rejected). */
const char *pg_rectify_state_words(const char *state);

/* explain.c — the full trace of one unit's score in readable form (`pinggu explain`).
 *
 * For every indicator of the scheme that applies to the unit: the metric value and its sample
 * size, where the value came from (the CSV row, pg_dataset_fed_rows, or the ingested batches,
 * pg_batch_origins), the method with its parameters and in words, the points, the rescaling into
 * the part, the cap or clamp applied, the missing-data policy used and its note; and, above it all,
 * the rule set's revision, the total and how the parts make it. Invariant 4 of DESIGN.md, printed.
 */

/* Writes the trace of unit u; node >= 0 limits it to that indicator and its subtree. datadir
 * (may be NULL) is searched for the values' origins. Returns 0, or -EIO when the stream fails. */
int pg_explain_text(const pg_result *res, int u, int node, const char *datadir, FILE *out);
/* The same trace as JSON (`pinggu explain --format json`, shape in docs/tools.md): the unit's
 * part of pg_report_json_tree — ruleset (with its dir), scheme, period, and the unit object
 * with its indicator rows — plus, per indicator, the method as written with its parameters and
 * in words, the policy in words, min_n, the value's period and provenance, and for the unit its
 * ranking row's facts and "composition" (the parts, their weights, a composite function). The
 * rows are limited to node's subtree when node >= 0. The caller frees the tree (cJSON_Delete);
 * pg_explain_json prints it and returns 0, -ENOMEM, or -EIO when the stream fails. */
cJSON *pg_explain_json_tree(const pg_result *res, int u, int node, const char *datadir);
int pg_explain_json(const pg_result *res, int u, int node, const char *datadir, FILE *out);

/* analysis_html.c — the section 指标分析与排名稳定性 of the annual report: `pinggu analyze`
 * over the year for each scheme the composite combines, `pinggu sensitivity` (1,000 draws,
 * ±20 %, seed 1) for each yearly one, as HTML with charts (docs/reports.md). */

/* The section's HTML (malloc'd), or NULL on an allocation failure. */
char *pg_analysis_html(const pg_analysis *const *an, int nan, const pg_sens *const *sv, int nsv);
/* Analyses the schemes that scheme `scheme` combines for `period` and returns the section, or
 * NULL when none could be analysed (the reasons added to d as errors). */
char *pg_annual_analysis_html(const pg_ruleset *rs, const pg_dataset *ds, int scheme, int period,
                              int threads, pg_diags *d);

#endif
