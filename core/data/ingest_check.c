/* ingest_check.c — `pinggu ingest --dry-run`: a batch file read exactly as an ingest reads it,
 * with nothing kept.
 *
 * A clerk with a new export wants to know, before anything is stored, whether its columns
 * are the ones the source declares and what is wrong with its records. The file goes through
 * the same readers and the same aggregation as pg_batch_ingest (pg_ingest_aggregate: the
 * same problems, the same first 20, the same count, units checked against units.csv); then
 * the aggregator is thrown away. The data directory is never opened: no store, no batch row,
 * no raw copy, no lock. The header's mapping (or, for NDJSON, the first record's keys) is
 * read on its own first, so that it can be shown even when the file is refused. */
#include "data.h"
#include "ingest_parallel.h"
#include "reader.h"

#include <errno.h>
#include <string.h>

int pg_batch_check_file(const pg_ruleset *rs, const char *source, const char *path, int threads,
                        pg_batch_check *out, pg_diags *d)
{
    memset(out, 0, sizeof *out);
    int s = pg_strmap_get(&rs->source_ids, source);
    if (s < 0) {
        pg_error(d, NULL, 0, "--source %s: the rule set declares no such source", source);
        return -EINVAL;
    }
    const pg_source *src = &rs->sources[s];
    if (pg_sheet_path(path)) { /* not read as CSV: that would report nonsense */
        pg_error(d, path, 0,
                 "--dry-run does not read workbooks yet; an ingest reports every bad cell and "
                 "stores nothing when one is bad");
        out->format = "xlsx";
        return -EINVAL;
    }
    out->format = pg_ingest_format(path);
    int ndjson = strcmp(out->format, "ndjson") == 0;
    /* the header's own problems come again, in order, from the full read below */
    pg_diags quiet = {0};
    pg_read_stats hs;
    pg_read_columns cols;
    int rc = ndjson ? pg_read_ndjson_columns(src, path, &cols, &quiet)
                    : pg_read_csv_columns(src, path, &cols, &hs, &quiet);
    out->ncols = cols.n;
    out->col = cols.name;
    out->field = cols.field;
    if (rc < 0 && rc != -EINVAL) { /* cannot be read at all: say why, once */
        for (int i = 0; i < quiet.n; i++)
            pg_diag_add(d, quiet.v[i].sev, quiet.v[i].file, quiet.v[i].line, quiet.v[i].col, "%s",
                        quiet.v[i].msg);
        pg_diags_free(&quiet);
        return rc;
    }
    pg_diags_free(&quiet);
    pg_agg *agg = pg_ingest_aggregate(rs, s, path, out->format, threads > 0 ? threads : 1,
                                      PG_INGEST_MIN_PART, &out->errors, d);
    if (!agg) {
        if (out->errors)
            pg_error(d, path, 0, "%ld problem%s: an ingest would reject the batch", out->errors,
                     out->errors == 1 ? "" : "s");
        return -EINVAL;
    }
    out->records = pg_agg_records(agg);
    out->duplicates = pg_agg_duplicates(agg);
    pg_agg_free(agg);
    return 0;
}

void pg_batch_check_clear(pg_batch_check *c)
{
    pg_read_columns cols = {c->ncols, c->col, c->field};
    pg_read_columns_free(&cols);
    memset(c, 0, sizeof *c);
}
