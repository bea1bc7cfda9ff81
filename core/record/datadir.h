/* datadir.h — the values of a data directory, as `pinggu eval` takes them: every *.csv of fed
 * values directly in it (the bundled sample is kept that way), the values of its active value
 * batches, the computed metrics merged over its active ingested batches (batch.h), and what
 * evaluators decided: accepted self-reports, evaluator scores, upheld appeals (review.h). The
 * tools that evaluate (diff, explain, report) and the host open data this way. */
#ifndef PG_DATADIR_H
#define PG_DATADIR_H

#include "dataset.h"

/* Returns 0 and *out (free with pg_dataset_free), or a negative errno with diagnostics:
 * a rejected file, bad batches, a value given twice (both origins named), or -ENOENT when the
 * directory holds no values at all. */
int pg_datadir_load(const pg_ruleset *rs, const char *dir, pg_dataset **out, pg_diags *d);

#endif
