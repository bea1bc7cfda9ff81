/* provenance.h — where a metric value came from: the fed CSV row (file:line), the value batch
 * that gave it, or the ingested batches whose partial aggregates hold records for it. For
 * `pinggu explain` and appeals.
 *
 * It reads the data directory again, after the values were taken: CSV files in name order,
 * then the active batches of the store (batch.h: tables batch, partial, feed_value). */
#ifndef PG_PROVENANCE_H
#define PG_PROVENANCE_H

#include "ruleset.h"

/* Appends one line per origin of (metric, unit, period) to *lines (malloc'd strings; *n
 * counts them): "sample/2021-05.csv:12" or "batch 3f2a9c01b7e4（cases，办件-05.csv，…
 * 入库）：2021-05 采样月 120 条记录". A metric over year_to_date names every month's batches.
 * Returns the number added. */
int pg_provenance(const pg_ruleset *rs, const char *datadir, int metric, int unit, int period,
                  char ***lines, int *n);

/* Only the *.csv files directly in the data directory: their rows "file:line" that give
 * (metric, unit, period). Returns the number added. */
int pg_provenance_fed(const pg_ruleset *rs, const char *datadir, int metric, int unit, int period,
                      char ***lines, int *n);

#endif
