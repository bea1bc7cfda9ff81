/* record.h — the public header of core/record/.
 *
 * The durable record: runs and their frozen inputs, publishing bulletins and
 * corrections, re-running a published bulletin, rule snapshots, backups, the data directory
 * an evaluation reads, and what people decide (self-reports, evaluator scores, appeals).
 * Uses every subsystem below it.
 *
 * The other subsystems, the host and the CLI include this header and no other of core/record/.
 * It gathers what the folder's files export, one section per file, each under its file's
 * name. */
#ifndef PG_RECORD_H
#define PG_RECORD_H

#include "report.h"
#include "score.h"
#include "store.h"
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>

/* run.c — runs: one evaluation of a scheme for a period, recorded with what it read and what it
 * found.
 *
 * A run names the rule revision it ran on (the content hash of its rule snapshot, snapshot.h,
 * so the exact rules can be found again), its trigger and actor, its start and finish, and two
 * content-addressed blobs: its inputs (pg_dataset_to_json, every value it could read) and its
 * result with the traces (the JSON `pinggu eval --format json` prints). Equal inputs or results
 * are stored once, so recording every re-score of an unchanged month costs one row.
 *
 * A run may also name a `base`: the published bulletin its movement (环比) was measured against
 * (movement.h). Re-running needs the same base, which is frozen too.
 *
 * Store calls run on the calling thread's connection (store.h). */

typedef struct {
    long id;
    char *scheme, *period; /* "monthly", "2021-05" */
    char revision[65];     /* the rule snapshot's content hash */
    char *trigger;         /* "publish", "request", "schedule", "reload", "data", "api", … */
    char *actor;           /* who asked, or NULL (the host on its own) */
    char started_at[32], finished_at[32];
    char inputs[65], result[65]; /* blob hashes */
    long base;                   /* bulletin id, or 0 */
} pg_run;

void pg_run_clear(pg_run *r);

/* The texts a run stores: the result exactly as `pinggu eval --format json` prints it (pretty,
 * with the final newline), and the inputs compactly. malloc'd. */
char *pg_run_result_text(const pg_result *res);
/* The result text of a whole report tree (pg_report_json_tree(res, -1)): pg_run_result_text's. */
char *pg_run_result_print(const cJSON *tree);
char *pg_run_inputs_text(const pg_dataset *ds);

/* Stores `body` under its SHA-256 (hex into `hash`) unless it is there already, compressed
 * (zstd; the hash is the plain bytes'). */
int pg_store_blob_put(pg_store *st, const char *body, size_t len, char hash[65], pg_diags *d);
/* Stores a run's inputs (pg_run_inputs_text) in pieces, one per period and metric, each a blob,
 * under the whole text's SHA-256: inputs that changed in one cell store one piece again. Inputs
 * stored before are not stored again. A text of another form is stored whole. */
int pg_store_blob_put_inputs(pg_store *st, const char *inputs, char hash[65], pg_diags *d);
/* Stores `body` as the pieces [0, cuts[0]), [cuts[0], cuts[1]), …, [cuts[n-1], len), each a blob
 * (pg_store_blob_put), and the whole as a blob row without a body that lists them, under the
 * whole's hash; nothing when that whole is stored already. Pieces another whole shares are
 * stored once. */
int pg_store_blob_put_pieces(pg_store *st, const char *body, size_t len, const size_t *cuts, int n,
                             char hash[65], pg_diags *d);
/* The plain body stored under `hash` (malloc'd, NUL-terminated), or -ENOENT; -EIO when what is
 * stored does not decode to bytes with that hash. Reads compressed and older plain blobs, and
 * blobs kept in pieces (checking each piece and the whole). */
int pg_store_blob_get(pg_store *st, const char *hash, char **body, size_t *len, pg_diags *d);

/* Stores the two texts as blobs and the run (filling run->inputs, run->result and run->id).
 * With `inputs` NULL, run->inputs names inputs stored before, and -ENOENT (nothing stored)
 * says they are not there (pruned since); likewise `result` NULL and run->result. Joins the
 * caller's transaction when there is one; otherwise makes its own. */
int pg_run_record(pg_store *st, pg_run *run, const char *inputs, const char *result, pg_diags *d);
/* Reads run `id` into *out (clear it with pg_run_clear), or -ENOENT. */
int pg_run_get(pg_store *st, long id, pg_run *out, pg_diags *d);

/* A run as JSON: {"id","scheme","period","rules_revision","trigger","actor","started_at",
 * "finished_at","inputs","result","base"} (inputs and result as blob hashes). */
cJSON *pg_run_json(const pg_run *r);
/* The latest runs, newest first, optionally of one scheme and/or period (NULL: any), and when
 * `after` > 0 only those older than run `after` (the next page after a page that ended with
 * it); limit 0 means 100. *out is a JSON array of pg_run_json objects. */
int pg_run_list(pg_store *st, const char *scheme, const char *period, int limit, long after,
                cJSON **out, pg_diags *d);

/* Deletes the runs that finished before `before` (ISO 8601, UTC) and that no bulletin publishes,
 * then every blob no remaining run, piece list or bulletin part names, with an audit entry
 * (`runs.prune`, the counts before and after), in one transaction. A published run, its inputs and
 * its result are never deleted: every bulletin still reproduces. *runs and *blobs get the numbers
 * deleted. */
int pg_runs_prune(pg_store *st, const char *before, const char *actor, long *runs, long *blobs,
                  pg_diags *d);
/* How many runs pg_runs_prune would delete with `before`, without a write: the host's daily
 * retention asks first, so that a day with nothing to prune leaves no audit entry. */
int pg_runs_prunable(pg_store *st, const char *before, long *runs, pg_diags *d);

/* publish.c — bulletins: publishing a run, corrections, and reading the published record.
 *
 * Publishing evaluates a scheme for a period on rules loaded from a snapshot (snapshot.h) and
 * on the data as they are, records the run (run.h) and makes it the bulletin of its (scheme,
 * period): revision 1. Publishing the same (scheme, period) again is a correction: revision
 * N+1, which needs a reason and stores what differs from revision N (core/diff.c's comparison,
 * the units whose total, rank or band changed and the indicators behind it). Nothing ever
 * updates a published bulletin (the store's triggers refuse it); its rules, inputs and numbers
 * can be re-run byte for byte (reproduce.h).
 *
 * Movement (环比) is measured against the latest bulletin of the previous period when there is
 * one (movement.h); the run records which, so a re-run measures against the same frozen
 * numbers. Without one it is the previous period's evaluation from the same inputs.
 *
 * The run, the bulletin and the audit entry `bulletin.publish` (after: the bulletin; before:
 * revision N for a correction) are written in one transaction. */

typedef struct {
    const char *datadir;  /* holds the store and the rule snapshots */
    const pg_ruleset *rs; /* loaded from snapshot `rules` (pg_snapshot_load) */
    const char *rules;    /* the snapshot's content hash */
    const pg_dataset *ds; /* every value the evaluation may read: frozen as the run's inputs */
    int scheme;           /* index into rs->schemes */
    int period;           /* period code */
    const char *trigger;  /* "publish" (CLI) or "api" */
    const char *actor;    /* who publishes */
    const char *reason;   /* why, for a correction (required then); NULL otherwise */
    int months_own;       /* the caller gives the core each month's total under its own rules
                             (pg_eval_months_set): a composite over months of other revisions
                             may be published */
} pg_publish_in;

typedef struct {
    long id;         /* the bulletin */
    int revision;    /* 1, or N+1 for a correction */
    cJSON *bulletin; /* pg_publish_get's object for it (with "changes") */
    pg_result *res;  /* the evaluation published (for its documents); pg_result_free */
    char *overdue;   /* the overdue 整改 items frozen with it (pg_overdue_make's text) */
} pg_publish_out;

/* 0 when rules `rules` (`rs`, the content hash of its snapshot) govern `period` by the host's
 * chain in `datadir` (or there is none); else -EINVAL with the reason in `d`, as pg_publish
 * refuses them (`pinggu eval` warns with it). */
int pg_chain_check(const char *datadir, const pg_ruleset *rs, const char *rules, int scheme,
                   int period, pg_diags *d);

/* Publishes. Returns 0 and *out, or a negative errno with a diagnostic:
 *   -EINVAL  a correction without a reason, or a base bulletin that cannot be read, or rules
 *            that do not govern the period by the host's chain of effective months
 *            (DATA/rules/chain-<year>.json, host/reload.c): a month published with another
 *            month's rules, or a composite over months of other revisions without months_own
 *   -EEXIST  the result is byte for byte revision N's: there is nothing to correct
 *   -EAGAIN  someone published the same (scheme, period) meanwhile: try again
 *   -ENOENT  no data for the period (pg_eval's)
 *   -EIO     the store failed */
int pg_publish(pg_store *st, const pg_publish_in *in, pg_publish_out *out, pg_diags *d);
void pg_publish_out_free(pg_publish_out *out);
/* How the bulletin just published was issued, for its documents (pg_bulletin_write_dir): its
 * edition, the correction's reason and the time; the strings are out's. */
pg_bl_issue pg_publish_issue(const pg_publish_out *out);

/* A bulletin as JSON: {"id","scheme","period","revision","run","rules_revision","published_by",
 * "published_at","reason"}, and with `full` also "changes" (null for revision 1) and "base"
 * (the bulletin movement was measured against, or null). */
/* The bulletins, oldest first, of one scheme and/or period (NULL: any). *out: a JSON array. */
int pg_publish_list(pg_store *st, const char *scheme, const char *period, cJSON **out, pg_diags *d);
/* Bulletin `id` (full), or -ENOENT. */
int pg_publish_get(pg_store *st, long id, cJSON **out, pg_diags *d);
/* Revision `revision` of (scheme, period), the latest when 0 (full), or -ENOENT. */
int pg_publish_find(pg_store *st, const char *scheme, const char *period, int revision, cJSON **out,
                    pg_diags *d);

/* One part of bulletin `id` as stored when it was published (compact JSON, malloc'd into *text):
 * kind "head" (the result without "units": a viewer's read), "summary" (the head with each group
 * as {"id","name","ranked","unranked","no_business"} counts instead of its rows), "group" (key: a
 * group id; one element of the result's "groups") or "unit" (key: a unit id; one element of
 * "units"). -ENOENT without a diagnostic when there is none: a bulletin published before schema 8
 * has no parts at all (read its whole result), or the key is not one of its. */
int pg_bulletin_part(pg_store *st, long id, const char *kind, const char *key, char **text,
                     size_t *len, pg_diags *d);

/* Unit `key`'s part of bulletin `id` and every other unit's stored in the same pack (units' parts
 * are kept sixteen to a compressed blob): each(arg, unit, text, len) once per unit, `text` its
 * part as pg_bulletin_part gives it but not NUL-terminated, both valid during the call only. For
 * a reader that keeps parts (the host's cache): one decompression fills sixteen units. -ENOENT
 * as pg_bulletin_part's. */
int pg_bulletin_unit_pack(pg_store *st, long id, const char *key,
                          void (*each)(void *arg, const char *unit, const char *text, size_t len),
                          void *arg, pg_diags *d);

/* The overdue 整改 items bulletin `id` was published with (table bulletin_rectify, schema 10),
 * as pg_overdue_make made them: {"as_of", "items"}, the items of every unit in the units'
 * order, or unit's only. -ENOENT without a diagnostic for a bulletin published before schema
 * 10. */
int pg_bulletin_overdue(pg_store *st, long id, const char *unit, char **text, pg_diags *d);
/* Stores the overdue 整改 items `o` (pg_overdue_make's) as bulletin `id`'s, in the caller's
 * transaction: the units in packs by their place in `rs`, each pack in pieces by the month its
 * items are of, so that what a bulletin shares with the last is stored once (overdue_store.c). */
int pg_bulletin_overdue_put(pg_store *st, const pg_ruleset *rs, long id, const pg_overdue *o,
                            pg_diags *d);
/* pg_bulletin_overdue of each of `units` (n non-empty unit ids), reading the row of the
 * publication's day once: each(arg, unit, text) with the text pg_bulletin_overdue(st, id, unit)
 * gives, valid during the call. For a reader that keeps them (the host's cache): the units of one
 * pack of parts (pg_bulletin_unit_pack). -ENOENT as pg_bulletin_overdue's. */
int pg_bulletin_overdue_each(pg_store *st, long id, const char *const *units, int n,
                             void (*each)(void *arg, const char *unit, const char *text), void *arg,
                             pg_diags *d);

/* DATA/bulletins/<scheme>-<period>-r<N>: where a bulletin's documents are written (malloc'd). */
char *pg_publish_docs_dir(const char *datadir, const char *scheme, const char *period,
                          int revision);

/* frozen.c — what a published bulletin froze: its result, read back from the store, and an
 * evaluation whose movement (环比) is measured against such a frozen result rather than a
 * fresh evaluation of the previous period. */

/* The frozen result of bulletin `id` as stored (the run's result text, malloc'd), or -ENOENT. */
int pg_frozen_result_text(pg_store *st, long id, char **text, size_t *len, pg_diags *d);
/* The frozen result of bulletin `id`, parsed (cJSON_Delete it), or -ENOENT. */
int pg_frozen_result(pg_store *st, long id, cJSON **result, pg_diags *d);
/* The same without its "units" (every unit's breakdown, most of it): what a movement against it
 * reads (pg_frozen_eval's base), parsed at a tenth of the memory at 3,003 units. */
int pg_frozen_result_head(pg_store *st, long id, cJSON **result, pg_diags *d);
/* Evaluates for a bulletin: pg_eval, then movement against `base` (a frozen result JSON, named
 * `what` in messages) when it is not NULL. */
int pg_frozen_eval(const pg_ruleset *rs, const pg_dataset *ds, int scheme, int period,
                   const cJSON *base, const char *what, pg_result **out, pg_diags *d);

/* reproduce.c — re-running a recorded run from what it froze: the rules snapshot it names
 * (DATA/rules/<hash>, loaded with pg_ruleset_load_at), its inputs (pg_dataset_from_json) and,
 * for a bulletin, the frozen numbers its movement was measured against. Nothing of the data
 * directory's current data or the author's current rules is read, so a published bulletin
 * re-runs to the same bytes however both have changed since. `pinggu reproduce` and
 * corrections (which compare with the revision they correct) use it. */

typedef struct {
    pg_run run;
    pg_ruleset *rs;
    pg_dataset *ds;
    pg_result *res;
    char *text;   /* the result as re-run, in the recorded form (pg_run_result_text) */
    char *stored; /* the result as recorded */
} pg_rerun;

/* Re-runs run `id`. Returns 0 and *r (free with pg_rerun_free, also after a failure), or a
 * negative errno with a diagnostic: -ENOENT for a run, blob or snapshot that is not there. */
int pg_reproduce_run(pg_store *st, const char *datadir, long id, pg_rerun *r, pg_diags *d);
/* The rule revision a stored result names ("ruleset" → "revision") into `revision`, or -EINVAL.
 * For a run recorded since the ids were unified it is the run's revision; for one recorded
 * before, the old hash (reproduce.c's header says which). */
int pg_result_text_revision(const char *text, char revision[65]);
void pg_rerun_free(pg_rerun *r);

/* 0 when the re-run's bytes are the recorded ones; otherwise the number of lines that differ,
 * the first `max` of them printed to `out` (may be NULL) as
 *   line N: recorded …
 *           re-run   … */
int pg_rerun_differences(const pg_rerun *r, int max, FILE *out);

/* snapshot.c — rule set snapshots: a rule set directory frozen under DATA/rules/<hash>/.
 *
 * A snapshot is a copy of the rule set's files (ruledir.h says which files) named by the
 * SHA-256 of what was copied, which is the rule set's revision (rules.h, revision.c): the one
 * id that eval, the reports, bulletins, runs and the API print. The hash a run records finds
 * exactly the rules it ran on, years later, whatever happened to the author's directory since.
 * Equal content is stored once.
 * A snapshot is never modified or removed: published bulletins name it.
 *
 * Loading reads the files from the snapshot while every name and message says the author's
 * directory ("rules/shanwei-2021/monitoring.lua:12"), since that is what the author edits.
 * Used by the host's rule generations, `pinggu publish` and `pinggu reproduce`. Blocking file
 * I/O: call from a pool thread or the CLI. */

/* Copies rule set `dir` into `datadir`/rules/<hash>/, keeping an existing identical snapshot.
 * Returns the snapshot's path (malloc'd) and the hash in `hex`, or NULL with the reason in `d`;
 * `hex` then holds the hash of what the attempt read, or "" if it could not copy the files.
 * Safe to call from several threads and processes at once. */
char *pg_snapshot_rules(const char *dir, const char *datadir, char hex[65], pg_diags *d);

/* The path of snapshot `hex` under `datadir` (malloc'd), whether or not it exists. */
char *pg_snapshot_path(const char *datadir, const char *hex);

/* Loads the rule set in `snapshot`; names and messages say `shown`. Returns 0 and *out, or a
 * negative errno with the reasons (file:line) in `d`. */
int pg_snapshot_load(const char *snapshot, const char *shown, pg_ruleset **out, pg_diags *d);

/* Loads snapshot `hex` of `datadir`, naming it "rules@<first 12 digits>" in messages when
 * `shown` is NULL. A missing snapshot is an error that says so. */
int pg_snapshot_load_hash(const char *datadir, const char *hex, const char *shown, pg_ruleset **out,
                          pg_diags *d);

/* backup.c — a consistent copy of a data directory, taken while the host runs.
 *
 * The database is copied first, with SQLite's online backup API: one step that holds a read
 * transaction for the whole copy, so the copy is the store as of one commit, and writers (WAL)
 * go on meanwhile. Then the files the copied database refers to are copied: every batch's raw
 * file (DATA/batches/raw/<id>.<ext>), every evidence file (DATA/evidence/<hash>), and the rule
 * snapshots (DATA/rules/<hash>/, which runs and bulletins name). These are immutable and
 * content-addressed, so copying them after the database gives a consistent whole; each copy
 * whose name is a hash is checked against its SHA-256. Last, the mutable files an operator
 * keeps beside the store: the fed *.csv files directly in DATA and DATA/schedule.json, as
 * they are at that moment. Every file is flushed to disk before the backup reports success.
 *
 * Restoring is copying back: stop the host, put the backup in place of the data directory,
 * start the host. */

typedef struct {
    long batches, evidence, snapshots, files; /* copied; files: *.csv and schedule.json */
    long long bytes;                          /* copied, the database included */
} pg_backup_stats;

/* Backs up `datadir` into `dest`, which must not exist or be an empty directory. Returns 0,
 * or a negative errno with diagnostics (then `dest` holds an incomplete backup, named as
 * such in the diagnostics; delete it). */
int pg_backup(const char *datadir, const char *dest, pg_backup_stats *stats, pg_diags *d);

/* datadir.c — the values of a data directory, as `pinggu eval` takes them: every *.csv of fed
 * values directly in it (the bundled sample is kept that way), the values of its active value
 * batches, the computed metrics merged over its active ingested batches (batch.h), and what
 * evaluators decided: accepted self-reports, evaluator scores, upheld appeals (review.h). The
 * tools that evaluate (diff, explain, report) and the host open data this way. */

/* Returns 0 and *out (free with pg_dataset_free), or a negative errno with diagnostics:
 * a rejected file, bad batches, a value given twice (both origins named), or -ENOENT when the
 * directory holds no values at all. */
int pg_datadir_load(const pg_ruleset *rs, const char *dir, pg_dataset **out, pg_diags *d);
/* The same, writing the values into `old`'s memory (pg_dataset_new_reusing), which it frees
 * whatever happens; a host's next version of its data. */
int pg_datadir_reload(const pg_ruleset *rs, const char *dir, pg_dataset *old, pg_dataset **out,
                      pg_diags *d);

/* review.c — what people decide, kept in the store: 自报材料 (self-reports), 定性评价 (evaluator
 * scores) and 申诉 (appeals), with the evidence files behind self-reports.
 *
 *   self-report  a unit's value of a metric the rule set opens to it (self_report = true), for
 *                one period, with evidence (an uploaded file or a link) and a note; an
 *                evaluator then accepts or rejects it, with a reason. Only accepted reports
 *                count. A new submission supersedes the unit's pending one for the same
 *                metric and period; accepting one supersedes the one accepted before.
 *   score        an evaluator's points for an indicator scored by method = evaluator_score {},
 *                for one unit and period, with a required reason; a new score supersedes the
 *                previous one for the same unit, period and indicator.
 *   appeal       a unit's claim about one indicator of one period; an evaluator upholds it
 *                with an adjustment in points, or rejects it, with a reason.
 *
 * Every change is checked against the rule set first (a known unit, metric or indicator, a
 * period of the kind the schemes read, a value in range for the metric's unit) and is written
 * in one transaction with its audit entry (selfreport.submit, selfreport.review, score.set,
 * appeal.submit, appeal.decide; before and after as JSON), so it is stored whole or not at all.
 *
 * Returns: 0; -EINVAL bad input (the diagnostic says what and why); -ENOENT no such record;
 * -EALREADY the record was already decided; -EIO the store failed. */

/* --- evidence: DATA/evidence/<sha256>, a row in `evidence` ---------------------------- */

/* Keeps the bytes (written to a temporary file, fsynced, renamed into place) and records them;
 * the same bytes again change nothing, but for their owner. `name` is the file name as
 * uploaded; `unit` the unit that uploads them (a unit token's), which then owns them, or NULL
 * for staff. */
int pg_evidence_put(pg_store *st, const char *datadir, const char *name, const void *data,
                    size_t len, const char *actor, const char *unit, char hash[65], pg_diags *d);
/* The same for a file on disk (the CLI's --file). */
int pg_evidence_put_file(pg_store *st, const char *datadir, const char *path, const char *actor,
                         const char *unit, char hash[65], pg_diags *d);

/* --- self-reports ---------------------------------------------------------------------- */

typedef struct {
    const char *unit;     /* id, code, name or alias */
    const char *period;   /* YYYY-MM or YYYY */
    const char *metric;   /* a metric with self_report = true */
    double value, n;      /* n: NAN when not given */
    const char *evidence; /* the hash of stored evidence, or NULL */
    const char *link;     /* an http(s) link, or NULL; evidence or link is required */
    const char *note;     /* may be NULL */
    int own;              /* 1: the unit submits for itself (a unit token), and may cite only
                           * evidence it uploaded; 0: staff, who may cite any stored evidence */
} pg_selfreport_in;

int pg_selfreport_submit(pg_store *st, const pg_ruleset *rs, const pg_selfreport_in *in,
                         const char *actor, long *id, pg_diags *d);
/* accept: 1 accepts, 0 rejects; `reason` is required either way. */
int pg_selfreport_review(pg_store *st, long id, int accept, const char *reason, const char *actor,
                         pg_diags *d);

/* --- evaluator scores ------------------------------------------------------------------ */

int pg_score_set(pg_store *st, const pg_ruleset *rs, const char *unit, const char *period,
                 const char *indicator, double score, const char *reason, const char *actor,
                 long *id, pg_diags *d);

/* --- appeals --------------------------------------------------------------------------- */

int pg_appeal_submit(pg_store *st, const pg_ruleset *rs, const char *unit, const char *period,
                     const char *indicator, const char *claim, const char *actor, long *id,
                     pg_diags *d);
/* uphold: 1 with `adjustment` (points, not 0, within the indicator's points), 0 rejects (the
 * adjustment must then be 0). `reason` is required. */
int pg_appeal_decide(pg_store *st, const pg_ruleset *rs, long id, int uphold, double adjustment,
                     const char *reason, const char *actor, pg_diags *d);

/* --- lists ----------------------------------------------------------------------------- */

typedef struct {
    const char *unit;   /* a unit id, or NULL for all */
    const char *period; /* YYYY-MM or YYYY, or NULL */
    const char *status; /* e.g. submitted, accepted; open, upheld; current, superseded; or NULL */
    const char *what;   /* metric (self-reports) or indicator (scores, appeals), or NULL */
} pg_review_filter;

/* JSON arrays, oldest first; free with cJSON_Delete. Each record is as the audit log shows it.
 * Scores without a status filter are the current ones (status "all" lists superseded too). */
int pg_selfreport_list(pg_store *st, const pg_review_filter *f, cJSON **out, pg_diags *d);
int pg_score_list(pg_store *st, const pg_review_filter *f, cJSON **out, pg_diags *d);
int pg_appeal_list(pg_store *st, const pg_review_filter *f, cJSON **out, pg_diags *d);
/* One appeal or self-report as JSON, or NULL when there is none with that id. */
cJSON *pg_appeal_get(pg_store *st, long id);
cJSON *pg_selfreport_get(pg_store *st, long id);

/* --- 整改 (rectify.c) -------------------------------------------------------------------- */

/* A unit's answer to an item of its 问题清单: the item (unit, scheme, period, indicator, as the
 * caller checked against the result), what was done (note, required) and its evidence (an
 * uploaded file's hash, which a unit token (`own`) must have uploaded itself, and/or a link). */
typedef struct {
    const char *unit, *scheme, *period, *indicator;
    const char *note, *evidence, *link;
    int own;
} pg_rectify_in;
/* Marks the item 已整改 (status submitted): a new record, or the item's rejected or submitted one
 * again. -EALREADY when it was verified; -EINVAL on a blank note, a bad link, evidence not
 * stored (for the unit). Audited as rectify.mark. */
int pg_rectify_mark(pg_store *st, const pg_rectify_in *in, const char *actor, long *id,
                    pg_diags *d);
/* The evaluator's verdict on a submitted record: verified, or rejected with a reason (required).
 * -ENOENT, -EALREADY (not submitted). Audited as rectify.verify / rectify.reject. */
int pg_rectify_review(pg_store *st, long id, int verify, const char *reason, const char *actor,
                      pg_diags *d);
/* The records, oldest first, filtered by unit, scheme and period (NULL: any). */
int pg_rectify_list(pg_store *st, const char *unit, const char *scheme, const char *period,
                    cJSON **out, pg_diags *d);
/* One record as JSON, or NULL. */
cJSON *pg_rectify_get(pg_store *st, long id);

/* --- into the numbers (review_feed.c) -------------------------------------------------- */

/* Puts what counts for rs's year into ds: accepted self-reports as their metrics' values (over
 * a fed value of the same cell), current evaluator scores, and upheld appeals' adjustments.
 * Records naming what this rule set does not know (a renamed indicator) are skipped with a
 * warning. A data directory without DATA/pinggu.db has nothing to feed and is not given one. */
int pg_review_feed(const pg_ruleset *rs, const char *datadir, pg_dataset *ds, pg_diags *d);
int pg_review_feed_store(const pg_ruleset *rs, pg_store *st, pg_dataset *ds, pg_diags *d);

#endif
