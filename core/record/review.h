/* review.h — what people decide, kept in the store: 自报材料 (self-reports), 定性评价 (evaluator
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
#ifndef PG_REVIEW_H
#define PG_REVIEW_H

#include "dataset.h"
#include "store.h"

#include <cjson/cJSON.h>
#include <stddef.h>

/* --- evidence: DATA/evidence/<sha256>, a row in `evidence` ---------------------------- */

/* Keeps the bytes (written to a temporary file, fsynced, renamed into place) and records them;
 * the same bytes again change nothing. `name` is the file name as uploaded. */
int pg_evidence_put(pg_store *st, const char *datadir, const char *name, const void *data,
                    size_t len, const char *actor, char hash[65], pg_diags *d);
/* The same for a file on disk (the CLI's --file). */
int pg_evidence_put_file(pg_store *st, const char *datadir, const char *path, const char *actor,
                         char hash[65], pg_diags *d);

/* --- self-reports ---------------------------------------------------------------------- */

typedef struct {
    const char *unit;     /* id, code, name or alias */
    const char *period;   /* YYYY-MM or YYYY */
    const char *metric;   /* a metric with self_report = true */
    double value, n;      /* n: NAN when not given */
    const char *evidence; /* the hash of stored evidence, or NULL */
    const char *link;     /* an http(s) link, or NULL; evidence or link is required */
    const char *note;     /* may be NULL */
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

/* --- into the numbers (review_feed.c) -------------------------------------------------- */

/* Puts what counts for rs's year into ds: accepted self-reports as their metrics' values (over
 * a fed value of the same cell), current evaluator scores, and upheld appeals' adjustments.
 * Records naming what this rule set does not know (a renamed indicator) are skipped with a
 * warning. A data directory without DATA/pinggu.db has nothing to feed and is not given one. */
int pg_review_feed(const pg_ruleset *rs, const char *datadir, pg_dataset *ds, pg_diags *d);
int pg_review_feed_store(const pg_ruleset *rs, pg_store *st, pg_dataset *ds, pg_diags *d);

#endif
