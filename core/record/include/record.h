/* publish.h — bulletins: publishing a run, corrections, and reading the published record.
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
#ifndef PG_PUBLISH_H
#define PG_PUBLISH_H

#include "dataset.h"
#include "eval.h"
#include "run.h"
#include "store.h"

#include <cjson/cJSON.h>

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
} pg_publish_in;

typedef struct {
    long id;         /* the bulletin */
    int revision;    /* 1, or N+1 for a correction */
    cJSON *bulletin; /* pg_publish_get's object for it (with "changes") */
    pg_result *res;  /* the evaluation published (for its documents); pg_result_free */
} pg_publish_out;

/* Publishes. Returns 0 and *out, or a negative errno with a diagnostic:
 *   -EINVAL  a correction without a reason, or a base bulletin that cannot be read
 *   -EEXIST  the result is byte for byte revision N's: there is nothing to correct
 *   -EAGAIN  someone published the same (scheme, period) meanwhile: try again
 *   -ENOENT  no data for the period (pg_eval's)
 *   -EIO     the store failed */
int pg_publish(pg_store *st, const pg_publish_in *in, pg_publish_out *out, pg_diags *d);
void pg_publish_out_free(pg_publish_out *out);

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

/* DATA/bulletins/<scheme>-<period>-r<N>: where a bulletin's documents are written (malloc'd). */
char *pg_publish_docs_dir(const char *datadir, const char *scheme, const char *period,
                          int revision);

#endif
