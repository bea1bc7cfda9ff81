/* run.h — runs: one evaluation of a scheme for a period, recorded with what it read and what it
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
#ifndef PG_RUN_H
#define PG_RUN_H

#include "dataset.h"
#include "eval.h"
#include "store.h"

#include <cjson/cJSON.h>
#include <stddef.h>

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
char *pg_run_inputs_text(const pg_dataset *ds);

/* Stores `body` under its SHA-256 (hex into `hash`) unless it is there already. */
int pg_store_blob_put(pg_store *st, const char *body, size_t len, char hash[65], pg_diags *d);
/* The body stored under `hash` (malloc'd, NUL-terminated), or -ENOENT. */
int pg_store_blob_get(pg_store *st, const char *hash, char **body, size_t *len, pg_diags *d);

/* Stores the two texts as blobs and the run (filling run->inputs, run->result and run->id).
 * Joins the caller's transaction when there is one; otherwise makes its own. */
int pg_run_record(pg_store *st, pg_run *run, const char *inputs, const char *result, pg_diags *d);
/* Reads run `id` into *out (clear it with pg_run_clear), or -ENOENT. */
int pg_run_get(pg_store *st, long id, pg_run *out, pg_diags *d);

/* A run as JSON: {"id","scheme","period","rules_revision","trigger","actor","started_at",
 * "finished_at","inputs","result","base"} (inputs and result as blob hashes). */
cJSON *pg_run_json(const pg_run *r);
/* The latest runs, newest first, optionally of one scheme and/or period (NULL: any); limit 0
 * means 100. *out is a JSON array of pg_run_json objects. */
int pg_run_list(pg_store *st, const char *scheme, const char *period, int limit, cJSON **out,
                pg_diags *d);

/* Deletes the runs that finished before `before` (ISO 8601, UTC) and that no bulletin publishes,
 * then every blob no remaining run names, with an audit entry (`runs.prune`, the counts before
 * and after), in one transaction. A published run, its inputs and its result are never deleted:
 * every bulletin still reproduces. *runs and *blobs get the numbers deleted. */
int pg_runs_prune(pg_store *st, const char *before, const char *actor, long *runs, long *blobs,
                  pg_diags *d);

#endif
