/* data.h — the public header of core/data/.
 *
 * Raw records and their aggregation: the dataset an evaluation reads (metric
 * values per period, unit and metric, plus evaluator scores and appeal adjustments), batches
 * of raw records ingested whole or not at all, and where a value came from. Uses base,
 * rules and store.
 *
 * The other subsystems, the host and the CLI include this header and no other of core/data/.
 * It gathers what the folder's files export, one section per file, each under its file's
 * name. */
#ifndef PG_DATA_H
#define PG_DATA_H

#include "rules.h"
#include "store.h"

/* dataset.c — metric values per (period, metric, unit), as fed in CSV files, plus the
 * evaluators' scores and the appeals' adjustments an evaluation also reads.
 *
 * A data file has the header unit,period,metric,value[,n]: `unit` is a unit id, code, name
 * or alias from units.csv; `period` is YYYY-MM or YYYY; `metric` is a declared metric id;
 * `value` is a number; `n`, the sample size behind it, may be empty. A file is taken whole
 * or not at all: any bad row (unknown unit or metric, bad number, a duplicate) rejects the
 * file with file:line and the column, and nothing of it is stored.
 *
 * Lifetime: the dataset borrows its rule set, which must outlive it. */

typedef struct pg_dataset pg_dataset;

pg_dataset *pg_dataset_new(const pg_ruleset *rs);
/* A new dataset that fills its periods into `old`'s arrays when they have its size, and frees
 * the rest of `old` (NULL: none): a host loading a new version of its data writes ~60 MB at
 * 3,003 units, which in memory fresh from the kernel was a page fault per 4 KB. The arrays it
 * did not take are freed by pg_dataset_drop_spare (or pg_dataset_free). */
pg_dataset *pg_dataset_new_reusing(const pg_ruleset *rs, pg_dataset *old);
void pg_dataset_drop_spare(pg_dataset *ds);
void pg_dataset_free(pg_dataset *ds);

/* Loads one file. Returns 0, or a negative errno with diagnostics (nothing is stored). */
int pg_dataset_load_file(pg_dataset *ds, const char *path, pg_diags *d);
/* Loads every *.csv directly in `dir`, in name order (none is not an error). Each file is
 * all-or-nothing; returns -EINVAL if any file was rejected. */
int pg_dataset_load_dir(pg_dataset *ds, const char *dir, pg_diags *d);
/* Where a fed value comes from: appends "file:line" (malloc'd; *n counts them) for every row
 * of the *.csv files in `dir` that gives (metric, unit, period). Returns the number added. */
int pg_dataset_fed_rows(const pg_ruleset *rs, const char *dir, int metric, int unit, int period,
                        char ***lines, int *n);

/* Stores one value (n may be NAN). Returns 0, or -EEXIST if the cell already has one. */
int pg_dataset_set(pg_dataset *ds, int period, int metric, int unit, double value, double n);
/* Returns 1 and fills *value and *n if present, else 0. */
int pg_dataset_get(const pg_dataset *ds, int period, int metric, int unit, double *value,
                   double *n);
/* Whether any value exists for the period. */
int pg_dataset_has_period(const pg_dataset *ds, int period);
/* Number of values stored. */
long pg_dataset_count(const pg_dataset *ds);

/* Stores one value, replacing any the cell had (an accepted self-report over a fed value). */
void pg_dataset_put(pg_dataset *ds, int period, int metric, int unit, double value, double n);

/* What people decided rather than measured, for one unit, period and indicator (node):
 *   a score    定性评价: the points an evaluator gave a method = evaluator_score {} indicator;
 *   an adjustment  申诉: an upheld appeal's change to the indicator's points.
 * `id` is the record's id in the store (the trace names it: 申诉 #12); `reason` is kept. */
typedef struct {
    int unit, period, node;
    double points; /* a score's points, or an adjustment's change */
    long id;
    char *reason;
} pg_given;

/* Adds the evaluator's score; -EEXIST if the cell already has one (one score counts). */
int pg_dataset_add_score(pg_dataset *ds, int period, int node, int unit, double points, long id,
                         const char *reason);
/* The score of a cell, or NULL. */
const pg_given *pg_dataset_score(const pg_dataset *ds, int period, int node, int unit);
/* Adds an upheld appeal's adjustment; -EEXIST if that appeal (id) is already in for the cell.
 * A cell may have several (several appeals upheld), applied in id order. */
int pg_dataset_add_adjustment(pg_dataset *ds, int period, int node, int unit, double delta, long id,
                              const char *reason);
/* The adjustments of a cell in id order: returns how many and points *first at them. */
int pg_dataset_adjustments(const pg_dataset *ds, int period, int node, int unit,
                           const pg_given **first);
/* How many scores and adjustments the dataset holds. */
int pg_dataset_nscores(const pg_dataset *ds);
int pg_dataset_nadjustments(const pg_dataset *ds);

/* Everything the dataset holds, as JSON: the inputs an evaluation read, frozen with a run so
 * that a published bulletin can be re-run from exactly them. Deterministic (periods in order,
 * then metrics and units in rule-set order) and lossless (cJSON prints a double that does not
 * round-trip in 15 digits with 17). {"values": [[unit, period, metric, value, n|null], …],
 * "scores": [[unit, period, indicator, points, reason, id], …],
 * "adjustments": [[unit, period, indicator, change, reason, id], …]}; the last two only when
 * there are any, so inputs frozen before them print as they always did. Authenticity flags are
 * not stored: the evaluation derives them from the values, so frozen values reproduce them. */
struct cJSON *pg_dataset_to_json(const pg_dataset *ds);
/* cJSON_PrintUnformatted(pg_dataset_to_json(ds)), byte for byte, printed without building the
 * tree (3 M values at 3,003 units: the tree's nodes and cJSON's sscanf of every number were
 * most of recording a run). malloc'd. */
char *pg_dataset_to_text(const pg_dataset *ds);
/* A SHA-256 (hex) of everything pg_dataset_to_json reads: each period's values and counts in
 * code order, the evaluators' scores and the appeals' adjustments, and the rule set's unit and
 * metric ids. Equal digests mean equal texts, so a digest can stand for the text without
 * building it (the host records a re-score's runs that way); it is not the text's hash. */
void pg_dataset_digest(const pg_dataset *ds, char hex[65]);
/* Adds one period to a running SHA-256: its values and sample sizes (or that it has none) and
 * the evaluators' scores and appeals' adjustments of that period. Equal hashes of the periods
 * an evaluation reads mean the same evaluation (core/score/submemo.c). */
void pg_dataset_period_hash(const pg_dataset *ds, int period, pg_sha256 *h);
/* Adds what a month may carry a missing value from (an evaluation's carry_forward policy) to a
 * running SHA-256: in each of the `back` periods before `month`, the values and sizes of the
 * cells of a metric that may carry (min_n[metric] not NAN) which `month` has no value for, or a
 * size of 0 or below min_n[metric], and that period's evaluators' scores. With
 * pg_dataset_period_hash of the month, what the month's evaluation reads: a change in May is
 * then not June's unless June lacks that value. */
void pg_dataset_carry_hash(const pg_dataset *ds, int month, int back, const double *min_n,
                           pg_sha256 *h);
/* Loads what pg_dataset_to_json wrote into an empty dataset. Returns 0, or -EINVAL with a
 * diagnostic naming `what` and the entry (an id the rule set does not know, a bad shape);
 * the dataset is then partly filled and only fit to be freed. */
int pg_dataset_from_json(pg_dataset *ds, const struct cJSON *json, const char *what, pg_diags *d);
/* pg_dataset_from_json of the text pg_dataset_to_text wrote, read value by value: no tree of
 * millions of values is built (at 3,003 units the inputs' 46 MB text made a 1.4 GB tree, the
 * peak of a correction's publication). -EINVAL with a diagnostic as pg_dataset_from_json's, or
 * for a text that is not JSON of that form. */
int pg_dataset_from_text(pg_dataset *ds, const char *json, const char *what, pg_diags *d);

/* batch.c — ingested batches in a data directory's store.
 *
 * A batch is one delivered file of one source, identified by the SHA-256 of its bytes. It is
 * taken whole or not at all: ingest reads every record, and only when none is bad does it
 * store it. The raw file is kept content-addressed at DATA/batches/raw/<id>.<ext>; the batch
 * row, the partial aggregates of every metric that reads its source (keyed by the metric's
 * definition hash) and the audit entry go into the SQLite store (store.h, tables `batch`,
 * `partial`) in one transaction. The order makes a crash harmless at any point: the raw file
 * is written, flushed and renamed into place first (rewriting it is harmless: same name, same
 * bytes), and the batch exists only once its transaction commits. An acknowledgement (the
 * CLI's line, the API's 201) is given only after the commit.
 *
 * Values fed directly (a CSV of unit,period,metric,value,n, as dataset.h reads it) are a batch
 * of the pseudo-source "values", stored in table `feed_value`: withdrawable, replaceable and
 * audited like any other batch.
 *
 * A batch is active, withdrawn, or replaced (by the batch named in replaced_by). Ingesting the
 * same bytes again while the batch is active changes nothing. Ingesting the bytes of a
 * withdrawn batch brings it back (status active again, audited as batch.restore): an operator
 * who sends a file again wants it counted. The bytes of a replaced batch come back the same
 * way, unless the batch that replaced it is still active — counting both would count the same
 * records twice, so that is refused, naming the replacement.
 *
 * Keys. A source with a key counts each key once across all its active batches. The keys of
 * every batch are kept, exactly, in the store (table record_key: one row per source, key and
 * batch), so memory does not grow with them. Which record counts when two active batches hold
 * a key is the source's on_duplicate: "reject" (default: the later batch is refused whole,
 * naming the first 20 keys and the batches holding them), "keep_first" (the earlier batch's
 * record) or "replace" (the later batch's). Withdrawing, replacing or restoring a batch
 * settles the keys again the next time the source is ingested or evaluated; a batch whose
 * counted records changed has its partials recomputed from its raw copy then.
 *
 * When a metric's definition changes, its partials are recomputed from the stored raw files
 * the next time values are taken (pg_batch_feed) and stored, in a transaction of their own;
 * metrics whose definition did not change are not.
 *
 * A data directory made by the previous release keeps batches in DATA/batches/index.json and
 * DATA/batches/partials/<id>.json. The first open of its store imports them in one
 * transaction (actor "import", one batch.ingest audit entry per batch) and renames the index
 * to index.json.imported; the partials files are left as they were, unread. */

#define PG_BATCH_VALUES "values" /* the pseudo-source of fed values */

typedef struct {
    char id[65];
    char *source, *file, *format, *ingested_at, *actor;
    long records, duplicates;
    int active;           /* status is "active" */
    char status[12];      /* active | withdrawn | replaced */
    char replaced_by[65]; /* "" unless replaced */
    long shadowed;        /* records not counted: another active batch's record with the key
                           * counts (the source's on_duplicate) */
    long seq;             /* ingestion order (the store's batch.seq) */
    long keys_gen;        /* bumped whenever which of its records count changes */
} pg_batch;

/* What to ingest. */
typedef struct {
    const char *source;   /* a source of the rule set, or PG_BATCH_VALUES */
    const char *path;     /* the file; its base name is recorded as the batch's file */
    const char *actor;    /* who, for the audit log */
    const char *replaces; /* id (or unique prefix) of an active batch of the same source that
                           * the new one replaces, in the same transaction; NULL: none */
    int threads;          /* readers (pg_ingest_threads() is the machine's CPUs); the result
                           * does not depend on it */
} pg_batch_req;

/* Opens the data directory's store (store.h), importing a previous release's index first. */
int pg_batch_store_open(const char *datadir, pg_store **out, pg_diags *d);

/* Ingests rq->path. Returns 0 and fills *out (free with pg_batch_clear), with *again = 1 when
 * the same bytes were already active (nothing changed; also when rq->replaces names that very
 * batch: replacing a batch by its own bytes is no change); or a negative errno with
 * diagnostics, nothing stored: -EINVAL when records are bad (the first 20 as file:line: field:
 * reason, then the total) or the source is unknown, -ENOENT when rq->replaces names no batch,
 * -EEXIST when the batch to replace is not active, is of another source, or the bytes are
 * another active batch than rq->replaces, or when the bytes are a replaced batch whose
 * replacement is active. */
int pg_batch_ingest(const pg_ruleset *rs, const char *datadir, const pg_batch_req *rq,
                    pg_batch *out, int *again, pg_diags *d);
/* The same, with `name` (when not NULL) what messages and the batch's file call the input
 * instead of rq->path: a source plugin's pull is the CSV of the records it read, in a
 * temporary file, named "postgres:public.cases@db" (reader_plugin.c). */
int pg_batch_ingest_as(const pg_ruleset *rs, const char *datadir, const pg_batch_req *rq,
                       const char *name, pg_batch *out, int *again, pg_diags *d);
/* The batches, in ingestion order. A directory without a store has none (and gets none). */
int pg_batch_list(const char *datadir, pg_batch **out, int *n, pg_diags *d);
/* Withdraws an active batch (by id or unique id prefix): its partials or values stop counting.
 * Fills *out with the batch as it is now when out is not NULL. Returns 0, -ENOENT (no such
 * batch, or the prefix names several), or -EEXIST (not active: nothing changed). */
int pg_batch_withdraw(const char *datadir, const char *id, const char *actor, pg_batch *out,
                      pg_diags *d);
void pg_batch_clear(pg_batch *b);
void pg_batch_list_free(pg_batch *b, int n);
/* The batch as JSON: what the audit log records and the API answers. */
struct cJSON *pg_batch_json(const pg_batch *b);

/* Stores into ds the values of the active value batches and of every computed metric, merged
 * over the active batches. Returns 0, or a negative errno with diagnostics: a value given
 * twice (by two value batches, a value batch and a *.csv file, or fed and computed) is an
 * error naming both. */
int pg_batch_feed(const pg_ruleset *rs, const char *datadir, pg_dataset *ds, pg_diags *d);
/* The same on an open store (datadir still names the raw files and the fed CSVs). */
int pg_batch_feed_store(const pg_ruleset *rs, const char *datadir, pg_store *st, pg_dataset *ds,
                        pg_diags *d);
/* Where a value of (metric, unit, period) came from, for `pinggu explain` and appeals: appends
 * one line per origin to *lines (malloc'd strings; *n counts them), "batch 3f2a9c01b7e4（cases，
 * 办件-05.csv，… 入库）：2021-05 采样月 120 条记录" for each active batch of the metric's source
 * that holds records for it (every month's batches for a year-to-date metric), or "value batch
 * …：value" for each active value batch that gives it. Returns the number added. */
int pg_batch_origins(const pg_ruleset *rs, const char *datadir, int metric, int unit, int period,
                     char ***lines, int *n);
/* Removes what killed ingests left in DATA/batches/raw: the temporary copies, and the raw files
 * of batches that were never committed (no batch row names them: the batch was never
 * acknowledged). Runs only when no ingest is in flight in any process (it takes raw/'s lock
 * exclusively; see batch.c); a directory without a store keeps its raw files. Appends what it
 * removed ("batches/raw/<name>", malloc'd strings; *n counts them) to *removed when not NULL.
 * Returns how many, -EBUSY (an ingest is in flight: nothing removed), or a negative errno. */
int pg_batch_sweep(const char *datadir, char ***removed, int *n, pg_diags *d);
/* Opens the store only if the directory has one (or a legacy index to import): reading a
 * directory of plain *.csv files (the bundled sample) must not leave a database in it. Returns
 * 0 with *out, 1 when there is none, or a negative errno. */
int pg_batch_store_open_existing(const char *datadir, pg_store **out, pg_diags *d);

/* batch_cells.c — which stored cells a change of batches touches: the batch posted, withdrawn
 * or restored, and the batches it replaced. The host re-scores only the cached periods that
 * read one of them (host/evaluate.c). Rule-set free: cells are named by the metric definition
 * hash of their partial row (a computed metric) or by metric and unit id (a fed value).
 *
 * "Every bucket" is the answer wherever the store cannot say what counted: a keyed source whose
 * changed batches share a key with another active batch, or whose keys were never indexed
 * (the source's `all`, `keys_indexed`); a row of before schema 5, of another keys_gen, or
 * damaged (the cells' `all`). A value batch sharing a cell with another active one fails every
 * evaluation (`everything`); whether it shares one with a *.csv file of the data directory is
 * the caller's to ask with the rules (`fed_files`, pg_dataset_fed_rows). A computed metric whose
 * definition has no row here was never computed for this batch: the caller treats it as touched
 * in every bucket. */

typedef struct {
    const char *source;  /* the batch's source (pg_touch_source.name), or PG_BATCH_VALUES */
    long batch;          /* the batch's seq */
    char *def;           /* a partial row: its metric definition hash; NULL for a fed value */
    char *metric, *unit; /* a fed value: its metric and unit ids; NULL for a partial row */
    int all;             /* every bucket */
    int *buckets;        /* the period codes (YYYYMM, YYYY00) its cells hold: sorted, unique */
    int nbuckets;
} pg_touch_cells;

typedef struct {
    char *name;
    long *batches; /* the seqs of its changed batches */
    int nbatches;
    int all;          /* every metric of the source in every bucket */
    int keys_indexed; /* 0: a changed batch's keys are not in record_key (a keyed source: all) */
} pg_touch_source;

typedef struct {
    pg_touch_source *src;
    int nsrc;
    pg_touch_cells *cells;
    int ncells;
    int everything; /* the change may fail or change every evaluation */
    int fed_files;  /* value cells changed, and the data directory has *.csv files */
} pg_touched;

/* What the change of batch `id` (full id) touched: its cells and those of the batches it
 * replaced. Returns 0, -ENOENT when there is no such batch, or a store error (*out empty). */
int pg_batch_touched(const char *datadir, const char *id, pg_touched *out, pg_diags *d);
void pg_touched_free(pg_touched *t);

/* reader_plugin.c — a batch pulled through a source plugin (plugin.h, "Source readers").
 *
 * `from` is "<reader>[:LOCATION]", the reader being the one the source names (plugin =
 * "postgres"); LOCATION is handed to it (the postgres reader takes a table there, overriding
 * options.table). The records read are written as CSV and ingested as a CSV batch of the
 * source, named "<reader>:<about>" (what the reader says it read): the same id (the SHA-256
 * of that CSV), checks, all-or-nothing rule, audit, replace (rq->replaces) and withdraw as a
 * file. rq->path is not used. Returns what pg_batch_ingest returns; -EINVAL also when the
 * source names no plugin or another one, -ENOENT when no plugin provides the reader, and the
 * reader's negative errno (its message a diagnostic) when it fails; nothing is stored then. */
int pg_batch_pull(const pg_ruleset *rs, const char *datadir, const pg_batch_req *rq,
                  const char *from, pg_batch *out, int *again, pg_diags *d);
/* The same, with what the host's config or the command line says of this pull. A source whose
 * options name an `updated_at` field (pull_since.c) is pulled as the table it mirrors: the new
 * batch always replaces the source's latest pull through the same reader (rq->replaces, when
 * given, must name that one), its file label carries the field's high-water mark
 * ("postgres:public.cases@gov [sync_date <= 2021-06-01 00:00:00+00]"), and unless `full` only
 * the keys changed since the previous pull's mark are read and merged with its records; no key
 * changed is no change (*again = 1, *out the previous pull). */
typedef struct {
    const char *connection; /* the reader's connection from the host's config; NULL: the
                             * reader's environment (PINGGU_PG_DSN, PGHOST …). Never logged. */
    int full;               /* an updated_at source: read every record (deleted rows go) */
} pg_pull_opts;
int pg_batch_pull_with(const pg_ruleset *rs, const char *datadir, const pg_batch_req *rq,
                       const char *from, const pg_pull_opts *o, pg_batch *out, int *again,
                       pg_diags *d);

/* pushdown.c — a source whose options say pushdown = "true" is pulled as partials the
 * database computes (plugin ABI 4): its metrics compile to SQL or are refused. Whether src is
 * such a source; and the check `pinggu check` runs: 0, or -EINVAL with an error at each
 * metric that cannot be pushed down, saying why. */
int pg_source_pushdown(const pg_source *src);
int pg_pushdown_check(const pg_ruleset *rs, pg_diags *d);

/* reader_sheet.c — a workbook (".xlsx", or "book.xlsx#SHEET" for a named sheet) ingested as a
 * batch of rq->source or, for PG_BATCH_VALUES, as a values batch: its rows are read by the
 * xlsx plugin's source reader, written as CSV and ingested as a CSV batch named by the
 * workbook's path, with every problem at its cell ("book.xlsx:Sheet1!C17: field: reason").
 * Callers send such paths here instead of to pg_batch_ingest (which reads them as CSV; this
 * file calls it, so it cannot call back). Returns what pg_batch_ingest returns; -ENOENT also
 * when no plugin reads workbooks. */
int pg_sheet_path(const char *path);
int pg_batch_ingest_sheet(const pg_ruleset *rs, const char *datadir, const pg_batch_req *rq,
                          pg_batch *out, int *again, pg_diags *d);

/* ingest_check.c — a batch file read as an ingest would read it, nothing stored (`pinggu
 * ingest --dry-run`). */

typedef struct {
    const char *format; /* "csv" or "ndjson", from the file's name as an ingest decides */
    int ncols;          /* CSV: the header's columns; NDJSON: the first record's keys */
    char **col;         /* as the file writes them */
    int *field;         /* the source field each names (rs->sources[].fields), or -1 */
    long records;       /* good records (0 when any is bad) */
    long duplicates;    /* records repeating an earlier key */
    long errors;        /* bad records, header problems included */
} pg_batch_check;

/* Reads `path` as a batch of `source`: the same readers, checks and diagnostics as
 * pg_batch_ingest (the first 20 problems as file:line: field: reason, then the total), but
 * nothing is stored and no data directory is touched. Returns 0 when an ingest would take
 * the file, -EINVAL when it would refuse it (or the source is unknown), or a negative errno
 * when the file cannot be read. *out is filled either way; free with pg_batch_check_clear. */
int pg_batch_check_file(const pg_ruleset *rs, const char *source, const char *path, int threads,
                        pg_batch_check *out, pg_diags *d);
void pg_batch_check_clear(pg_batch_check *c);

/* ingest_parallel.c — reading one batch file on one thread or several. */

/* Online CPUs, at least 1 and at most 64: the default thread count. */
int pg_ingest_threads(void);

/* How far the readers of raw batch files have got, summed over every read in this process
 * since it started (ingests, and raw files read again because a metric's definition changed):
 * bytes of the files read and good records. For a progress line: take the counts before the
 * work and subtract them.
 *
 * Threads: any thread may call pg_ingest_progress at any time. The reading threads add to the
 * counts with relaxed atomic adds after each 1 MiB block they read and when a read ends, and
 * do nothing per record; so a reading is at most a block per reading thread behind, and the
 * counts are exact once the reads are done. A bad file's second read (for its diagnostics) is
 * not counted. Bytes can exceed a file's size in one rare case: a part of a file cut inside a
 * quoted newline is read twice (ingest_parallel.c). */
typedef struct {
    long long bytes;
    long long records;
} pg_ingest_counts;

void pg_ingest_progress(pg_ingest_counts *out);

#endif
