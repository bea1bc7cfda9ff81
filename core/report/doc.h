/* doc.h — indicator documentation (指标说明与评分标准) generated from a rule set, and the
 * words for methods and policies that `pinggu explain` shares.
 *
 * One document per group: the schemes, the indicator tree with the group's points, then every
 * indicator with its scoring standard, the method in words with its thresholds, the missing-
 * data policy, the metric and the data source. Each indicator has the stable anchor
 * `ind-<id>` (Markdown: an <a id> before its heading; HTML: the heading's id), so reports and
 * the dashboard can link to <group>.html#ind-<id>. Output is deterministic: the same rule set
 * gives the same bytes. */
#ifndef PG_DOC_H
#define PG_DOC_H

#include "ruleset.h"

#include <stdio.h>

typedef enum { PG_DOC_MARKDOWN, PG_DOC_HTML } pg_doc_format;

/* Writes the documentation of group g. Returns 0, or -EIO when the stream fails. */
int pg_doc_write(const pg_ruleset *rs, int g, pg_doc_format fmt, FILE *out);
/* Writes OUT/doc/<group>.html for every group, what the HTML reports' indicator links point at
 * (OUT must exist). Returns 0, or a negative errno with the file in `d`. */
int pg_doc_write_dir(const pg_ruleset *rs, const char *out, pg_diags *d);

/* The scoring method of node n for group g in words, with its thresholds in the metric's unit
 * ("线性计分：≥95% 得满分，≤50% 不得分，其间按线性插值计分"). malloc'd. */
char *pg_doc_method_words(const pg_ruleset *rs, const pg_node *n, int g);
/* The node's missing-data policy in words, with min_n; malloc'd. */
char *pg_doc_missing_words(const pg_ruleset *rs, const pg_node *n);
/* A value of metric m in its unit: 0.95 of a share is "95%". Writes into buf (64 bytes). */
const char *pg_doc_value(const pg_ruleset *rs, int m, double v, char *buf);

#endif
