/* explain.h — the full trace of one unit's score in readable form (`pinggu explain`).
 *
 * For every indicator of the scheme that applies to the unit: the metric value and its sample
 * size, where the value came from (the CSV row, pg_dataset_fed_rows, or the ingested batches,
 * pg_batch_origins), the method with its parameters and in words, the points, the rescaling into the part, the cap
 * or clamp applied, the missing-data policy used and its note; and, above it all, the rule
 * set's revision, the total and how the parts make it. Invariant 4 of DESIGN.md, printed. */
#ifndef PG_EXPLAIN_H
#define PG_EXPLAIN_H

#include "eval.h"

#include <stdio.h>

/* Writes the trace of unit u; node >= 0 limits it to that indicator and its subtree. datadir
 * (may be NULL) is searched for the values' origins. Returns 0, or -EIO when the stream fails. */
int pg_explain_text(const pg_result *res, int u, int node, const char *datadir, FILE *out);

#endif
