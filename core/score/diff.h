/* diff.h — comparing two evaluations of the same scheme and period (what-if previews).
 *
 * pg_diff_compute() takes result A (the rules in force) and result B (an edited rule set, or
 * the same set with weight overrides) and lists every unit with its total, rank and band under
 * both, and the indicators behind the change: each leaf's contribution to the total (points ×
 * the rescaling into its part × the part's weight in the scheme) under A and under B, largest
 * change first. For a scheme of schemes the causes are its parts. Units and indicators are
 * matched by id, so B may add or drop some.
 *
 * The diff borrows both results (and through them both rule sets); they must outlive it. The
 * CLI's `pinggu diff` and, later, the host's preview API write it with pg_diff_json or
 * pg_diff_text. */
#ifndef PG_DIFF_H
#define PG_DIFF_H

#include "eval.h"

#include <cjson/cJSON.h>
#include <stdio.h>

typedef struct {
    const char *id, *name; /* of the indicator (or part), from A when it exists there */
    double a, b;           /* contribution to the total; 0 where absent or dropped */
} pg_diff_cause;

typedef struct {
    const char *id, *name;
    int group_a, group_b; /* group index in each rule set, -1 when the unit is absent there */
    int unit_a, unit_b;   /* unit index in each rule set, or -1 */
    int ranked_a, ranked_b;
    double total_a, total_b; /* NAN when not ranked */
    int rank_a, rank_b;      /* 0 when not ranked */
    const char *band_a, *band_b;
    const char *veto_a, *veto_b; /* id of the veto item that fixed the total, or NULL */
    pg_diff_cause *causes;       /* every contribution that changed, largest change first */
    int ncauses;
} pg_diff_unit;

typedef struct {
    const pg_result *a, *b;
    pg_diff_unit *units; /* grouped in A's group order; in each group by B's rank, then A's */
    int nunits;
    int rank_changes, band_changes, total_changes;
    int overrides; /* B is A with weight overrides (the caller says so; shown in the output) */
} pg_diff;

/* Compares a and b, which must evaluate the same scheme id and period. Returns 0 and *out, or
 * -EINVAL with a diagnostic when they do not. */
int pg_diff_compute(const pg_result *a, const pg_result *b, pg_diff **out, pg_diags *d);
void pg_diff_free(pg_diff *df);

/* The diff as JSON (README "pinggu diff"); `against` names B's source for people. */
cJSON *pg_diff_json(const pg_diff *df, const char *against);
/* A table per group: rank and total under both, band change, the main causes. Returns 0, or
 * -EIO when the stream fails. */
int pg_diff_text(const pg_diff *df, const char *against, FILE *out);

#endif
